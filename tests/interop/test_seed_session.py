"""The management framework documentation's own example session (the quickstart
cluster.cfg), replayed with the real zeek-client against the emulator.

The documented session predates metrics ports (Zeek 7.0), so the emulator runs
with metrics auto-assignment off here; test_metrics_ports_by_default covers it on.
"""

import time

from interop_helpers import LOCAL_AGENT, LOCAL_CONTROLLER, node_pids, zeek_client

QUICKSTART = """\
[manager]
role = manager
[logger]
role = logger
[worker-01]
role = worker
interface = lo
[worker-02]
role = worker
interface = eth0
"""

STAGED_INI = """\
[instances]
{agent}

[logger]
instance = {agent}
role = LOGGER

[manager]
instance = {agent}
role = MANAGER

[worker-01]
instance = {agent}
role = WORKER
interface = lo

[worker-02]
instance = {agent}
role = WORKER
interface = eth0

""".format(agent=LOCAL_AGENT)

DEPLOYED_INI = """\
[instances]
{agent}

[logger]
instance = {agent}
role = LOGGER
port = 2201

[manager]
instance = {agent}
role = MANAGER
port = 2200

[worker-01]
instance = {agent}
role = WORKER
interface = lo

[worker-02]
instance = {agent}
role = WORKER
interface = eth0

""".format(agent=LOCAL_AGENT)


def _node(name, role, interface=None, port=None, metrics_port=None):
    return {"cpu_affinity": None, "env": {}, "instance": LOCAL_AGENT, "interface": interface,
            "metrics_port": metrics_port, "name": name, "options": None, "port": port, "role": role,
            "scripts": None}


def wait_running(emu, node, old_pid, deadline=5.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        out = zeek_client(emu, "get-nodes").json
        status = out["results"][LOCAL_AGENT][node]
        if status["state"] == "RUNNING" and status.get("pid") not in (None, old_pid):
            return out
        time.sleep(0.2)
    raise AssertionError("%s did not come back RUNNING with a new pid" % node)


def test_quickstart_session(start_emulator, write_cfg):
    emu = start_emulator("--interfaces", "lo,eth0", "--auto-assign-metrics-ports", "off")
    cfg = write_cfg(QUICKSTART)

    # Checking connected agents
    out = zeek_client(emu, "get-instances")
    assert out.rc == 0, out
    assert out.json == {LOCAL_AGENT: {"host": "127.0.0.1"}}

    # zeek-client deploy-config cluster.cfg
    out = zeek_client(emu, "deploy-config", cfg)
    assert out.rc == 0, out
    deployed = out.json
    config_id = deployed["results"]["id"]
    assert deployed == {"errors": [], "results": {"id": config_id, "nodes": dict(
        (n, {"instance": LOCAL_AGENT, "success": True}) for n in ("logger", "manager", "worker-01", "worker-02"))}}

    # zeek-client get-nodes: agent and co-located controller, four RUNNING nodes
    out = zeek_client(emu, "get-nodes")
    assert out.rc == 0, out
    nodes = out.json["results"][LOCAL_AGENT]
    assert out.json["errors"] == []
    assert sorted(nodes) == sorted([LOCAL_AGENT, LOCAL_CONTROLLER, "logger", "manager", "worker-01", "worker-02"])
    assert set(nodes[LOCAL_AGENT]) == {"cluster_role", "mgmt_role", "pid", "state"}
    assert nodes[LOCAL_AGENT]["mgmt_role"] == "AGENT" and nodes[LOCAL_AGENT]["cluster_role"] is None
    assert nodes[LOCAL_CONTROLLER]["mgmt_role"] == "CONTROLLER"
    assert nodes[LOCAL_CONTROLLER]["port"] == 2151
    assert nodes["manager"]["cluster_role"] == "MANAGER" and nodes["manager"]["port"] == 2200
    assert nodes["logger"]["cluster_role"] == "LOGGER" and nodes["logger"]["port"] == 2201
    for worker in ("worker-01", "worker-02"):
        assert nodes[worker]["cluster_role"] == "WORKER" and "port" not in nodes[worker]
    for name, status in nodes.items():
        assert status["state"] == "RUNNING" and isinstance(status["pid"], int), name
    pids = [s["pid"] for s in nodes.values()]
    assert len(set(pids)) == len(pids)

    # zeek-client get-config (staged, INI): the instance-local simplification shows up
    out = zeek_client(emu, "get-config")
    assert out.rc == 0, out
    assert out.stdout == STAGED_INI

    # zeek-client get-config --as-json (staged): no host, no ports
    out = zeek_client(emu, "get-config", "--as-json")
    assert out.rc == 0, out
    assert out.json == {
        "id": config_id, "instances": [{"name": LOCAL_AGENT}],
        "nodes": [_node("logger", "LOGGER"), _node("manager", "MANAGER"),
                  _node("worker-01", "WORKER", "lo"), _node("worker-02", "WORKER", "eth0")]}

    # zeek-client get-config --deployed: the auto-enumerated ports
    out = zeek_client(emu, "get-config", "--deployed")
    assert out.rc == 0, out
    assert out.stdout == DEPLOYED_INI
    out = zeek_client(emu, "get-config", "--deployed", "--as-json")
    assert out.json["instances"] == [{"host": "127.0.0.1", "name": LOCAL_AGENT}]
    assert out.json["nodes"][1] == _node("manager", "MANAGER", port=2200)

    # zeek-client get-id-value LogAscii::use_json
    out = zeek_client(emu, "get-id-value", "LogAscii::use_json")
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": dict(
        (n, False) for n in ("logger", "manager", "worker-01", "worker-02"))}

    # zeek-client restart manager: only the manager's pid changes
    before = node_pids(zeek_client(emu, "get-nodes").json, LOCAL_AGENT)
    out = zeek_client(emu, "restart", "manager")
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": {"manager": True}}
    after_json = wait_running(emu, "manager", before["manager"])
    after = node_pids(after_json, LOCAL_AGENT)
    assert after["manager"] != before["manager"]
    assert dict((k, v) for k, v in after.items() if k != "manager") == \
        dict((k, v) for k, v in before.items() if k != "manager")
    manager = after_json["results"][LOCAL_AGENT]["manager"]
    assert manager == {"cluster_role": "MANAGER", "mgmt_role": None, "pid": after["manager"], "port": 2200,
                       "state": "RUNNING"}

    # The request log shows exactly what the session sent.
    names = [r.name for r in emu.requests()]
    assert names.count("stage_configuration_request") == 1
    assert names.count("deploy_request") == 1
    assert names.count("restart_request") == 1


def test_failing_interface(start_emulator, write_cfg):
    """The documented error: a worker on a missing interface; the agent times out."""
    emu = start_emulator("--interfaces", "lo,eth0", "--agent-timeout", "1", "--auto-assign-metrics-ports", "off")
    cfg = write_cfg(QUICKSTART.replace("interface = eth0", "interface = not-a-valid-interface"))
    out = zeek_client(emu, "deploy-config", cfg)
    assert out.rc == 1, out
    result = out.json
    assert result["errors"] == ["request timed out"]
    nodes = result["results"]["nodes"]
    assert nodes["worker-02"] == {
        "instance": LOCAL_AGENT, "success": False, "stdout": "",
        "stderr": "fatal error: problem with interface not-a-valid-interface "
                  "(pcap_error: No such device exists (pcap_activate))"}
    for name in ("logger", "manager", "worker-01"):
        assert nodes[name] == {"instance": LOCAL_AGENT, "success": True}
    assert result["results"]["id"]

    # The attempt counts as deployed; the worker stays down.
    assert zeek_client(emu, "get-config", "--deployed").rc == 0
    status = zeek_client(emu, "get-nodes").json["results"][LOCAL_AGENT]
    # As on a real Zeek: the Supervisor keeps reviving it, so it has a pid but stays PENDING.
    assert status["worker-02"]["state"] == "PENDING" and "pid" in status["worker-02"]
    assert status["worker-01"]["state"] == "RUNNING"
    out = zeek_client(emu, "get-id-value", "bits_per_uid")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "cluster node worker-02 not in running state", "source": "worker-02"}],
                        "results": {"logger": 96, "manager": 96, "worker-01": 96}}


def test_metrics_ports_by_default(start_emulator, write_cfg):
    """prometheus-defaults: metrics ports 9000.. per role order, only in DEPLOYED."""
    emu = start_emulator("--interfaces", "lo,eth0")
    out = zeek_client(emu, "deploy-config", write_cfg(QUICKSTART))
    assert out.rc == 0, out
    staged = zeek_client(emu, "get-config", "--as-json").json
    assert all(n["metrics_port"] is None for n in staged["nodes"])
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert dict((n["name"], n["metrics_port"]) for n in deployed["nodes"]) == {
        "manager": 9000, "logger": 9001, "worker-01": 9002, "worker-02": 9003}
    status = zeek_client(emu, "get-nodes").json["results"][LOCAL_AGENT]
    assert status["worker-02"]["metrics_port"] == 9003
    out = zeek_client(emu, "get-id-value", "Management::Controller::auto_assign_metrics_start_port", "worker-01")
    assert out.json == {"errors": [], "results": {"worker-01": {"port": 9000, "proto": "tcp"}}}
