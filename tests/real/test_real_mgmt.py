"""The Management Framework's process life: restarts, late agents, persisted state, ports.

Where the emulator models the behaviour, the same test runs on the emulator and on the
real Zeek 8.2.2 (one parametrised back-end); what only real processes can show (the
controller and the agent restarted separately, where nodes listen, log archiving) runs on
the real Zeek alone.
"""
import os
import re
import time

import pytest

import backends
from interop_helpers import zeek_client
from playbook import run_playbook
from real_mgmt import AGENT_TIMEOUT, RealManagement
from scenarios import cluster_ini, node_pids, wait_running

import zeek_dist
from emulator.events import unique_id

# unique_id(""): a 64-bit and a 32-bit word in base 62, no prefix (zeek:src/UID.cc).
ZEEK_UID = re.compile(r"^[0-9A-Za-z]{12,17}$")


@pytest.fixture(params=["emulator", "zeek-8.2.2"])
def make_backend(request, tmp_path):
    """Factory: make_backend(**options) -> a started back-end of the parametrised kind."""
    started = []

    def make(agent_delay=0.0, split=False):
        if request.param == "emulator":
            args = ["--agent-checkin-delay", str(agent_delay)] if agent_delay else []
            backend = backends.EmulatorBackend(tmp_path / "emu", *args)
        else:
            zeek = request.getfixturevalue("zeek")
            backend = backends.RealBackend(zeek, tmp_path / "real")
            backend.mgmt.agent_delay = agent_delay
            backend.mgmt.mode = "split" if (agent_delay or split) else "joint"
        started.append(backend)
        if agent_delay and request.param != "emulator":
            backend.mgmt.start(wait_agent=False)
        else:
            backend.start()
        return backend

    yield make
    for backend in started:
        backend.stop()


def test_deploy_waits_for_a_late_agent(make_backend, tmp_path):
    """The agent checks in seconds after the controller listens; a deploy sent before that
    waits for it at the controller (notify_agents_ready) and then succeeds."""
    backend = make_backend(agent_delay=4.0)
    assert zeek_client(backend, "get-instances", timeout=10).json == {}, "the agent checked in too early"
    config = {"instances": [{"name": backend.agent}],
              "nodes": [{"name": "manager", "instance": backend.agent, "role": "manager"}]}
    run = run_playbook(tmp_path, [{"name": "deploy", "netsec.zeek.cluster_config": {
        "config": config, "wait": True, "wait_sleep": 0.5}}],
        module_defaults={"group/netsec.zeek.controller": {"controller_port": backend.port, "timeout": 90}})
    assert run.returncode == 0, run
    result = run.task("deploy")["result"]
    assert result["changed"] is True and result["nodes"] == {"manager": {"instance": backend.agent, "success": True}}


def test_redeploy_after_restart_takes_instances_from_ready(make_backend, tmp_path):
    """controller/main.zeek deploy(): the internal redeploy of DEPLOYED after a restart peers
    with READY's instances. Staged after the deploy, READY names an instance that never
    checks in, so the internal redeploy stays pending and a client's deploy is refused."""
    backend = make_backend()
    path = tmp_path / "deployed.ini"
    path.write_text(cluster_ini(backend.agent).replace("[proxy]\ninstance = %s\nrole = proxy\n" % backend.agent, ""))
    assert zeek_client(backend, "deploy-config", str(path), timeout=80).rc == 0
    other = tmp_path / "staged.ini"
    other.write_text("[instances]\nagent-elsewhere = 127.0.0.1:1\n\n[manager]\ninstance = agent-elsewhere\n"
                     "role = manager\n")
    assert zeek_client(backend, "stage-config", str(other)).rc == 0
    backend.restart_controller()
    refused = zeek_client(backend, "deploy", timeout=20)
    assert refused.rc == 1
    errors = refused.json["errors"]
    assert len(errors) == 1 and errors[0].startswith("earlier deployment ") and errors[0].endswith(" still pending"), \
        refused


def test_controller_and_agent_restart_separately(make_backend, tmp_path):
    """persistence-state-restart-controller / -agent (zeek-testing-cluster). Real: two
    Supervisors, as roles/management runs them; emulator: SIGUSR1 / SIGUSR2."""
    backend = make_backend(split=True)
    path = tmp_path / "cluster.ini"
    path.write_text(cluster_ini(backend.agent))
    assert zeek_client(backend, "deploy-config", str(path), timeout=80).rc == 0
    names = ["manager", "logger", "proxy", "worker"]
    before = wait_running(backend, names)
    deployed = zeek_client(backend, "get-config", "--deployed").stdout

    backend.restart_controller_only()
    wait_for_agent(backend)
    assert zeek_client(backend, "get-config", "--deployed").stdout == deployed
    # The agent and its nodes kept running: the same pids.
    assert wait_running(backend, names) == before

    backend.restart_agent()
    wait_for_agent(backend)
    # The controller redeploys DEPLOYED to the agent that came back: new node processes.
    after = wait_running(backend, names, not_pids=before, only=names, timeout=AGENT_TIMEOUT + 60)
    assert all(after[name] != before[name] for name in names)
    assert zeek_client(backend, "get-config", "--deployed").stdout == deployed


def wait_for_agent(backend, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = zeek_client(backend, "get-instances", timeout=5)
        if out.rc == 0 and backend.agent in out.json:
            return
        time.sleep(0.3)
    raise AssertionError("agent %s did not check in again" % backend.agent)


def listening_sockets(pids):
    """{(address, port)} of TCP sockets in LISTEN state owned by ``pids`` (from /proc)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table, "r", encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and inode in inodes:
                    addr, port = local.split(":")
                    found.add((addr if width == 32 else ".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)),
                               int(port, 16)))
    return found


def test_nodes_listen_on_loopback_only_and_nothing_is_archived(zeek, tmp_path):
    """With ZEEK_DEFAULT_LISTEN_ADDRESS=127.0.0.1 (inherited by every supervised node) the
    nodes' Broker and metrics ports bind loopback; without it they bind every interface
    (the real session's ss output). archive_logs=F keeps logs out of the Zeek prefix."""
    mgmt = RealManagement(zeek, tmp_path / "mgmt")
    logs_dir = os.path.join(str(zeek.prefix), "logs")
    before = set(os.listdir(logs_dir)) if os.path.isdir(logs_dir) else set()
    with mgmt:
        path = tmp_path / "cluster.ini"
        path.write_text(cluster_ini(mgmt.agent_name))
        assert zeek_client(mgmt, "deploy-config", str(path), timeout=80).rc == 0
        nodes = zeek_client(mgmt, "get-nodes").json
        pids = [pid for pid in node_pids(nodes, mgmt.agent_name).values() if pid]
        sockets = listening_sockets(pids)
        ports = {st.get(key) for st in nodes["results"][mgmt.agent_name].values() for key in ("port", "metrics_port")}
        node_sockets = {s for s in sockets if s[1] in ports}
        # manager, logger, proxy: Broker + metrics; the worker: metrics.
        assert len(node_sockets) == 7, sockets
        assert {addr for addr, _port in node_sockets} == {"127.0.0.1"}, sockets
        zeek_client(mgmt, "restart")
        time.sleep(2)
        internal = re.findall(r"\ttx Management::Agent::API::\w+ (\S+) to ", mgmt.controller_log())
    # The controller's internal request ids (unique_id("")): the emulator makes the same kind.
    assert internal and all(ZEEK_UID.match(reqid) for reqid in internal), internal
    emulated = [unique_id() for _i in range(200)]
    assert all(ZEEK_UID.match(reqid) for reqid in emulated)
    assert {len(reqid) for reqid in internal} <= {len(reqid) for reqid in emulated}
    after = set(os.listdir(logs_dir)) if os.path.isdir(logs_dir) else set()
    assert after == before, "the agent archived logs into %s" % logs_dir
    assert zeek_dist.REFERENCE_VERSION == zeek.version or os.environ.get("ZEEK_PREFIX")
