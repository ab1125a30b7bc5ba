"""Run the real Zeek Management Framework on loopback, for tests.

    mgmt = RealManagement(zeek, workdir, mode="joint")   # or mode="split"
    mgmt.start()            # returns once the controller's WebSocket answers and the agent checked in
    mgmt.host, mgmt.port    # the controller's WebSocket (what zeek-client and the modules use)
    mgmt.requests("deploy_request")   # controller API requests the controller logged (rx ...)
    mgmt.restart_controller()         # split mode: the controller alone; joint: everything
    mgmt.stop()             # ends every process it started, by session

``joint`` is the quickstart: one ``zeek -j controller agent`` Supervisor runs both. ``split``
is how roles/management runs them: one Supervisor for the controller, one for the agent (two
services), sharing the state directory.

Every port is a free one picked at start: the controller's Broker and WebSocket ports, the
agent's, the Supervisor's (``Broker::default_port``, 9999 otherwise) and two blocks of
consecutive free ports from which the controller auto-assigns the nodes' Broker ports (2200
otherwise) and metrics ports (9000 otherwise). Real cluster nodes listen for Broker on all
interfaces and for metrics on 0.0.0.0 unless ``ZEEK_DEFAULT_LISTEN_ADDRESS`` is set
(``base/frameworks/broker/main.zeek``, ``base/frameworks/telemetry/options.zeek``): the
Supervisors get ``ZEEK_DEFAULT_LISTEN_ADDRESS=127.0.0.1`` and supervised nodes inherit it, so
nothing here listens beyond loopback. The agent does not archive logs
(``Management::Agent::archive_logs = F``), so nothing is written into the Zeek prefix.

Each Supervisor starts in its own session (``setsid``); stop() sends SIGTERM to the process
groups of that session, waits, then SIGKILLs whatever of the session is left (the Supervisor's
stem and the nodes have their own process group, but stay in the session).
"""
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

SITE_SCRIPT = "netsec_real_test.zeek"
AGENT_TIMEOUT = 30  # seconds the agent waits for nodes' hellos (Zeek: 5); a loaded 2-core machine needs more
_RX_RE = re.compile(r"\trx Management::Controller::API::(\S+) (\S+)")


class RealZeekError(RuntimeError):
    pass


def _bindable(port):
    for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET, "127.0.0.1")):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.bind((addr, port))
        except OSError:
            return False
        finally:
            sock.close()
    return True


def free_port():
    """A TCP port nobody listens on right now (the kernel's choice)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def free_port_block(count, taken=()):
    """The first of ``count`` consecutive free ports (for the controller's auto-assignment)."""
    rng = random.Random()
    for _attempt in range(200):
        base = rng.randrange(20000, 60000 - count)
        block = range(base, base + count)
        if any(p in taken for p in block):
            continue
        if all(_bindable(p) for p in block):
            return base
    raise RealZeekError("no block of %d free ports" % count)


def session_pids(sid):
    """PIDs of every live process in session ``sid`` (from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "r", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        # fields[0] is the state, [3] the session id (man 5 proc).
        if fields and fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry))
    return pids


def end_session(proc, timeout=10.0):
    """SIGTERM every process group of ``proc``'s session, then SIGKILL what is left."""
    if proc is None:
        return
    sid = proc.pid
    groups = set()
    for pid in session_pids(sid) + [sid]:
        try:
            groups.add(os.getpgid(pid))
        except OSError:
            pass
    for group in groups:
        try:
            os.killpg(group, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.poll()
        if not session_pids(sid):
            break
        time.sleep(0.1)
    for pid in session_pids(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


class RealManagement(object):
    """A real controller and agent (and the nodes they deploy) under one test."""

    def __init__(self, zeek, workdir, mode="joint", agent_name=None, controller_name=None, extra_scripts=(),
                 extra_env=None, node_ports=16, agent_delay=0.0, agent_timeout=AGENT_TIMEOUT):
        if mode not in ("joint", "split"):
            raise ValueError("mode must be joint or split")
        self.zeek = zeek
        self.workdir = str(workdir)
        self.mode = mode
        self.host = "127.0.0.1"
        self.extra_scripts = list(extra_scripts)
        self.extra_env = dict(extra_env or {})
        self.agent_delay = agent_delay
        self.agent_timeout = agent_timeout
        hostname = socket.gethostname()
        self.agent_name = agent_name or "agent-%s" % hostname
        self.controller_name = controller_name or "controller-%s" % hostname
        self.state_dir = os.path.join(self.workdir, "state")
        self.spool_dir = os.path.join(self.workdir, "spool")
        ports = set()
        self.port = self._pick(ports)  # the controller's WebSocket
        self.controller_broker_port = self._pick(ports)
        self.agent_port = self._pick(ports)
        self.supervisor_port = self._pick(ports)
        self.agent_supervisor_port = self._pick(ports)
        self.broker_start_port = free_port_block(node_ports, ports)
        ports.update(range(self.broker_start_port, self.broker_start_port + node_ports))
        self.metrics_start_port = free_port_block(node_ports, ports)
        self.procs = {}
        self._agent_timer = None
        self.url = "ws://%s:%d/v1/messages/json" % (self.host, self.port)

    @staticmethod
    def _pick(taken):
        while True:
            port = free_port()
            if port not in taken:
                taken.add(port)
                return port

    # -- set-up ------------------------------------------------------------

    def _site_script(self, supervisor_port):
        return "\n".join([
            "# Written by tests/real/real_mgmt.py: free ports, no log archiving into the prefix.",
            "redef Broker::default_port = %d/tcp;" % supervisor_port,
            # A controller-only Supervisor (split mode) does not load the agent's config.
            "@ifdef ( Management::Agent::archive_logs )",
            "redef Management::Agent::archive_logs = F;",
            "@endif",
            "redef Management::Controller::auto_assign_broker_start_port = %d/tcp;" % self.broker_start_port,
            "redef Management::Controller::auto_assign_metrics_start_port = %d/tcp;" % self.metrics_start_port,
            # The agent gives nodes 5 s to say hello (agent/main.zeek), too short on a loaded
            # 2-core machine; the controller (10 s by default) must wait longer than the agent
            # or it answers "request timed out" without the agent's per-node results.
            '@if ( getenv("ZEEK_MANAGEMENT_NODE") == "AGENT" )',
            "redef Management::Request::timeout_interval = %d sec;" % self.agent_timeout,
            "@else",
            "redef Management::Request::timeout_interval = %d sec;" % (self.agent_timeout + 10),
            "@endif",
            "",
        ])

    def env(self):
        env = self.zeek.env()
        env.update({
            "ZEEK_CONTROLLER_ADDR": self.host,
            "ZEEK_CONTROLLER_PORT": "%d/tcp" % self.controller_broker_port,
            "ZEEK_CONTROLLER_WEBSOCKET_ADDR": self.host,
            "ZEEK_CONTROLLER_WEBSOCKET_PORT": "%d/tcp" % self.port,
            "ZEEK_CONTROLLER_NAME": self.controller_name,
            "ZEEK_AGENT_ADDR": self.host,
            "ZEEK_AGENT_PORT": "%d/tcp" % self.agent_port,
            "ZEEK_AGENT_NAME": self.agent_name,
            "ZEEK_MANAGEMENT_STATE_DIR": self.state_dir,
            "ZEEK_MANAGEMENT_SPOOL_DIR": self.spool_dir,
            # Nodes inherit this: Broker and metrics listen on loopback only.
            "ZEEK_DEFAULT_LISTEN_ADDRESS": self.host,
        })
        env.update(self.extra_env)
        return env

    def _launch(self, role, scripts, supervisor_port):
        directory = os.path.join(self.workdir, role)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, SITE_SCRIPT), "w", encoding="utf-8") as handle:
            handle.write(self._site_script(supervisor_port))
        command = [self.zeek.bin("zeek"), "-j"] + scripts + [SITE_SCRIPT] + self.extra_scripts
        out = open(os.path.join(directory, "supervisor.stdout"), "ab")
        err = open(os.path.join(directory, "supervisor.stderr"), "ab")
        try:
            proc = subprocess.Popen(command, cwd=directory, env=self.env(), stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
            err.close()
        self.procs[role] = proc
        return proc

    def start_controller(self):
        if self.mode == "joint":
            self._launch("joint", ["policy/frameworks/management/controller",
                                   "policy/frameworks/management/agent"], self.supervisor_port)
        else:
            self._launch("controller", ["policy/frameworks/management/controller"], self.supervisor_port)
        self._wait_port(self.port, "the controller's WebSocket")

    def start_agent(self):
        if self.mode == "split" and "agent" not in self.procs:
            self._launch("agent", ["policy/frameworks/management/agent"], self.agent_supervisor_port)

    def start(self, wait_agent=True, timeout=60.0):
        os.makedirs(self.workdir, exist_ok=True)
        try:
            self.start_controller()
            if self.agent_delay and self.mode == "split":
                # The agent's service starts later: the controller must wait for it.
                self._agent_timer = threading.Timer(self.agent_delay, self.start_agent)
                self._agent_timer.start()
            else:
                self.start_agent()
            if wait_agent:
                self.wait_for_agent(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_port(self, port, what, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for role, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RealZeekError("%s Supervisor exited (%s) before %s listened: %s" % (
                        role, proc.returncode, what, self.supervisor_stderr(role)[-2000:]))
            try:
                socket.create_connection((self.host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RealZeekError("%s did not listen on %d within %ss" % (what, port, timeout))

    def wait_for_agent(self, timeout=60.0):
        """Until get-instances lists our agent (it checks in a moment after start)."""
        from interop_helpers import zeek_client  # tests/interop, on sys.path (conftest)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = zeek_client(self, "get-instances", timeout=5)
            if last.rc == 0 and self.agent_name in last.json:
                return last.json
            time.sleep(0.2)
        raise RealZeekError("agent %s never checked in: %r" % (self.agent_name, last))

    # -- restarts and tear-down ---------------------------------------------

    def stop_role(self, role):
        end_session(self.procs.pop(role, None))

    def restart_controller(self):
        """Split: the controller's Supervisor alone (the agent keeps running). Joint: everything."""
        if self.mode == "joint":
            self.stop()
            self.start()
            return
        self.stop_role("controller")
        self.start_controller()

    def restart_agent(self):
        """Split only: the agent's Supervisor (and so its nodes) alone."""
        if self.mode != "split":
            raise RealZeekError("restart_agent needs mode='split'")
        self.stop_role("agent")
        self.start_agent()

    def stop(self):
        if self._agent_timer is not None:
            self._agent_timer.cancel()
            self._agent_timer.join()
            self._agent_timer = None
        for role in list(self.procs):
            self.stop_role(role)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- what happened --------------------------------------------------------

    def supervisor_stderr(self, role):
        try:
            with open(os.path.join(self.workdir, role, "supervisor.stderr"), "r", encoding="utf-8",
                      errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def node_file(self, node, name):
        """A file of a supervised node's directory (stdout, stderr, a log), or ''."""
        try:
            with open(os.path.join(self.state_dir, "nodes", node, name), "r", encoding="utf-8",
                      errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def controller_log(self):
        return self.node_file(self.controller_name, "management-%s.log" % self.controller_name)

    def requests(self, name=None, settle=1.5):
        """Controller API requests in the order the controller received them.

        From the controller's own log (``rx Management::Controller::API::<event> <reqid>``);
        Zeek's log writer flushes about once a second, hence ``settle``.
        """
        if settle:
            time.sleep(settle)
        out = []
        for line in self.controller_log().splitlines():
            match = _RX_RE.search(line)
            if match and (name is None or match.group(1) == name):
                out.append((match.group(1), match.group(2)))
        return out
