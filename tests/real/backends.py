"""The two back-ends of the scenario corpus: the emulator and the real controller.

Both offer what a scenario needs: ``host``/``port`` (the controller's WebSocket, for
zeek-client and the modules), ``agent`` and ``controller`` (names), ``requests(name)`` (the
controller API requests it received, in order), ``restart_controller()``, and ``port_names``:
the port numbers that differ legitimately between the two (each back-end assigns node ports
from its own start ports) mapped to neutral names for the differential comparison.
"""
import os
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for path in (TESTS, os.path.join(TESTS, "interop"), os.path.join(TESTS, "integration"), os.path.dirname(TESTS)):
    if path not in sys.path:
        sys.path.insert(0, path)

from emulator.process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position
from real_mgmt import AGENT_TIMEOUT, RealManagement  # noqa: E402  pylint: disable=wrong-import-position

HOSTNAME = socket.gethostname()
NODE_PORTS = 16


def _port_names(broker_start, metrics_start, agent_port):
    names = {agent_port: "<agent-port>"}
    for k in range(NODE_PORTS):
        names[broker_start + k] = "<broker-port+%d>" % k
        names[metrics_start + k] = "<metrics-port+%d>" % k
    return names


class EmulatorBackend(object):
    kind = "emulator"

    def __init__(self, workdir, *args):
        self.name = "emulator"
        self.agent = "agent-%s" % HOSTNAME
        self.controller = "controller-%s" % HOSTNAME
        # The agent's host has lo only, like the loopback-only real set-up.
        self.proc = EmulatorProcess("--interfaces", "lo", "--node-start-delay", "0.3",
                                    "--agent-timeout", str(AGENT_TIMEOUT), "--request-timeout", str(AGENT_TIMEOUT + 10),
                                    *args,
                                    state_dir=os.path.join(str(workdir), "state"), agents=[self.agent])
        self.port_names = _port_names(2200, 9000, 2151)

    def start(self):
        self.proc.start()
        return self

    @property
    def host(self):
        return self.proc.host

    @property
    def port(self):
        return self.proc.port

    def requests(self, name=None):
        return [(r.name, r.reqid) for r in self.proc.requests(name)]

    def restart_controller(self):
        self.proc.restart()

    def restart_controller_only(self):
        """The controller alone (agents and nodes keep running): SIGUSR1."""
        self.proc.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.5)

    def restart_agent(self):
        """Every agent (their nodes restart): SIGUSR2."""
        self.proc.proc.send_signal(signal.SIGUSR2)
        time.sleep(0.5)

    def stop(self):
        self.proc.cleanup()


class RealBackend(object):
    kind = "real"

    def __init__(self, zeek, workdir, mode="joint"):  # pylint: disable=redefined-outer-name
        self.name = "zeek-%s-%s" % (zeek.version, mode)
        self.zeek = zeek
        self.mgmt = RealManagement(zeek, workdir, mode=mode, node_ports=NODE_PORTS)
        self.agent = self.mgmt.agent_name
        self.controller = self.mgmt.controller_name
        self.port_names = _port_names(self.mgmt.broker_start_port, self.mgmt.metrics_start_port,
                                      self.mgmt.agent_port)

    def start(self):
        self.mgmt.start()
        return self

    host = property(lambda self: self.mgmt.host)
    port = property(lambda self: self.mgmt.port)

    def requests(self, name=None):
        return self.mgmt.requests(name)

    def restart_controller(self):
        self.mgmt.restart_controller()
        self.mgmt.wait_for_agent()

    def restart_controller_only(self):
        """Split mode: the controller's Supervisor alone."""
        self.mgmt.restart_controller()

    def restart_agent(self):
        """Split mode: the agent's Supervisor (its nodes die with it)."""
        self.mgmt.restart_agent()

    def stop(self):
        self.mgmt.stop()
