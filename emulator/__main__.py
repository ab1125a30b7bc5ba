"""``python -m emulator``: run the Zeek Management Framework controller emulator.

Run with the repository root on PYTHONPATH (or as the current directory)::

    PYTHONPATH=/path/to/repo python -m emulator --host 127.0.0.1 --port 2149

See emulator/README.md for what it models and for the log format.
"""

import argparse
import asyncio
import os
import signal
import socket
import sys

from plugins.module_utils.broker_json import Port, parse_type

from .agents import Agent, PidAllocator
from .cluster_ws import Cluster, parse_listen
from .controller import Controller
from .identifiers import declare_site_option
from .server import EmulatorServer, RequestLog
from .state import StateStore


def host_interfaces():
    try:
        return sorted(os.listdir("/sys/class/net"))
    except OSError:
        return sorted(name for _index, name in socket.if_nameindex())


def on_off(text):
    value = text.strip().lower()
    if value in ("on", "true", "yes", "1", "t"):
        return True
    if value in ("off", "false", "no", "0", "f"):
        return False
    raise argparse.ArgumentTypeError("expected on or off, got %r" % text)


def parse_agent(text):
    """NAME[=ADDR[:PORT]]: without PORT the agent connects to the controller;
    with PORT it listens there and the controller connects to it."""
    name, _sep, where = text.partition("=")
    if not name:
        raise argparse.ArgumentTypeError("agent needs a name: NAME[=ADDR[:PORT]]")
    addr, port = where or "127.0.0.1", None
    if addr.startswith("["):
        inner, _sep, rest = addr[1:].partition("]")
        addr, port = inner, rest[1:] if rest.startswith(":") else None
    elif addr.count(":") == 1:
        addr, port = addr.split(":")
    if port is not None:
        try:
            port = int(port)
        except ValueError:
            raise argparse.ArgumentTypeError("bad agent port in %r" % text)
    return name, addr, port


def build_parser():
    hostname = socket.gethostname()
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Emulated Zeek Management Framework controller (with agents and cluster nodes) "
                    "speaking Broker's WebSocket JSON on /v1/messages/json.")
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    add("--port", type=int, default=2149, help="listen port; 0 picks a free one (default 2149)")
    add("--state-dir", help="persist STAGED/READY/DEPLOYED here (default: memory only)")
    add("--agent", action="append", type=parse_agent, metavar="NAME[=ADDR[:PORT]]",
        help="an agent (repeatable). Default: agent-%s connecting from 127.0.0.1. With :PORT the agent "
             "listens and the controller connects to it once a deployed configuration names it" % hostname)
    add("--no-agents", action="store_true", help="run the controller alone, with no agent at all")
    add("--interfaces", help="comma-separated interfaces the agents' hosts have (default: this host's)")
    add("--zeek-version", choices=("8.0", "8.2"), default="8.2", help="transport profile (default 8.2)")
    add("--request-timeout", type=float, default=10.0, help="controller request timeout, s (default 10)")
    add("--agent-timeout", type=float, default=5.0, help="agent request timeout, s (default 5)")
    add("--node-start-delay", type=float, default=0.2, help="PENDING -> RUNNING delay, s (default 0.2)")
    add("--agent-checkin-delay", type=float, default=0.0,
        help="connecting agents check in this many seconds after the controller listens (default 0; "
             "a real agent takes about 1 s)")
    add("--controller-broker-port", type=int, default=2150,
        help="the controller's Broker port, for the port conflict check (default 2150)")
    add("--auto-assign-broker-ports", type=on_off, default=True, metavar="on|off")
    add("--auto-assign-metrics-ports", type=on_off, default=True, metavar="on|off")
    add("--zeek-metrics-port-regression", action="store_true",
        help="reproduce Zeek 7.2.0-8.0.8, 8.1.0-8.1.2 and 8.2.0 (fixed in 8.0.9, 8.2.1, 9.0): nodes with explicit metrics ports (but the last) "
             "vanish from the deployed configuration")
    add("--broker-start-port", type=int, default=2200, help="first auto-assigned Broker port (2200)")
    add("--metrics-start-port", type=int, default=9000, help="first auto-assigned metrics port (9000)")
    add("--controller-name", default="controller-%s" % hostname,
        help="name of the controller process in get-nodes output")
    add("--colocated-agent", default=None,
        help="agent whose Supervisor also runs the controller (default: the first agent; 'none': no such agent)")
    add("--agent-port", type=int, default=2151, help="agents' Broker listen port (default 2151)")
    add("--tls", action="store_true", help="8.0 only: Broker's anonymous TLS (no certificate)")
    add("--tls-cert", help="TLS certificate (PEM): wss with a certificate")
    add("--tls-key", help="TLS private key (PEM)")
    add("--cluster-websocket", metavar="HOST:PORT", type=cluster_listen,
        help="keep a cluster WebSocket listener (as on the manager) up at HOST:PORT for the emulator's whole life; "
             "without it, one runs while a deployed manager loads policy/frameworks/cluster/websocket/server "
             "or a websocket.zeek script")
    add("--site-option", nargs=3, action="append", metavar=("NAME", "TYPE", "DEFAULT_JSON"), default=[],
        help="an option a site script declares, seeded on every node (DEFAULT_JSON as Zeek's to_json "
             "renders it), e.g. --site-option MySite::ports 'set[port]' '[]'; repeatable")
    add("--delay-response", action="append", type=response_delay, default=[], metavar="EVENT=SECONDS",
        help="test knob: send the controller's EVENT (e.g. stage_configuration_response) SECONDS late, after "
             "the state change it reports, as over a slow link; repeatable")
    add("--log-file", help="append the log here instead of stderr")
    add("--ready-file", help="write the WebSocket URL here once listening")
    return parser


def response_delay(text):
    event, _sep, delay = text.partition("=")
    try:
        seconds = float(delay)
    except ValueError:
        seconds = -1.0
    if not event.endswith("_response") or not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError("expected EVENT_response=SECONDS (seconds >= 0), got %r" % text)
    return event.rsplit("::", 1)[-1], seconds


def cluster_listen(text):
    try:
        parse_listen(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err))
    return text


def make_agents(options, loop, pids):
    if options.no_agents:
        return []
    specs = options.agent or [("agent-%s" % socket.gethostname(), "127.0.0.1", None)]
    interfaces = None
    if options.interfaces is not None:
        interfaces = set(i.strip() for i in options.interfaces.split(",") if i.strip())
    else:
        interfaces = set(host_interfaces())
    colocated = options.colocated_agent
    if colocated is None:
        colocated = specs[0][0]
    agents = []
    for name, addr, port in specs:
        agents.append(Agent(name, addr, loop, pids, interfaces, options.node_start_delay, options.agent_timeout,
                            listen_port=port, agent_port=options.agent_port,
                            controller=options.controller_name if name == colocated else None))
    return agents


async def run(options):
    loop = asyncio.get_running_loop()
    stream = open(options.log_file, "a", encoding="utf-8") if options.log_file else sys.stderr
    log = RequestLog(stream)
    server = EmulatorServer(options, log)
    options.controller_port = Port(options.controller_broker_port, "tcp")
    controller = Controller(loop, options, server.publish_event, log, StateStore(options.state_dir))
    server.controller = controller
    for name, zeek_type, default in options.site_option:
        try:
            parse_type(zeek_type)
            declare_site_option(name, zeek_type, default)
        except ValueError as err:  # BrokerJSONError and JSON errors alike
            raise SystemExit("emulator: --site-option %s: %s" % (name, err))
    cluster = Cluster(loop, options, log, controller)
    pids = PidAllocator()
    for agent in make_agents(options, loop, pids):
        agent.cluster = cluster
        controller.add_agent(agent)
    controller.start()
    cluster.start()

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    # Restart one process of the tree, as a real deployment can: SIGUSR1 the controller
    # alone (agents and nodes keep running), SIGUSR2 every agent (their nodes restart).
    try:
        loop.add_signal_handler(signal.SIGUSR1, controller.restart)
        loop.add_signal_handler(signal.SIGUSR2, lambda: [controller.agent_restarted(agent)
                                                         for agent in list(controller.agents.values())])
    except (NotImplementedError, RuntimeError, AttributeError):
        pass

    def ready(url, port):
        log.info("listening on %s (Zeek %s profile, agents: %s)" % (
            url, options.zeek_version, ", ".join(sorted(controller.agents))))
        if options.ready_file:
            tmp = options.ready_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(url + "\n")
            os.replace(tmp, options.ready_file)
        sys.stdout.write("listening on %s\n" % url)
        sys.stdout.flush()

    await server.run(ready, stop)
    await cluster.shutdown()
    log.info("stopped")


def main(argv=None):
    options = build_parser().parse_args(argv)
    try:
        asyncio.run(run(options))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
