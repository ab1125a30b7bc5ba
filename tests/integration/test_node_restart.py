"""Issue 4: node_restart through real ansible-playbook against the emulator."""
from emulated import AGENT

CLUSTER = {"nodes": [
    {"name": "manager", "instance": AGENT, "role": "manager"},
    {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},
    {"name": "worker-02", "instance": AGENT, "role": "worker", "interface": "eth1"},
]}
DEPLOY = {"name": "deploy", "netsec.zeek.cluster_config": {"config": CLUSTER, "wait": True, "wait_sleep": 0.2}}
NODES = {"name": "nodes", "netsec.zeek.nodes_info": {"roles": ["manager", "worker"]}, "register": "nodes"}


def pids(run, task):
    return dict((n["name"], n["pid"]) for n in run.task(task)["result"]["nodes"])


def test_restart_one_node_and_wait(play, emulator):
    run = play([DEPLOY, dict(NODES, name="before"),
                {"name": "restart", "netsec.zeek.node_restart": {"nodes": ["worker-01"], "wait": True,
                                                                 "wait_sleep": 0.2, "wait_timeout": 30}},
                dict(NODES, name="after")])
    assert run.returncode == 0, run
    result = run.task("restart")["result"]
    assert result["changed"] is True and result["restarted"] == ["worker-01"]
    assert result["nodes"] == {"worker-01": True} and result["errors"] == []
    before, after = pids(run, "before"), pids(run, "after")
    assert after["worker-01"] != before["worker-01"]
    assert after["manager"] == before["manager"] and after["worker-02"] == before["worker-02"]
    assert [r.name for r in emulator.requests("restart_request")] == ["restart_request"]


def test_restart_all_when_no_nodes_are_named(play):
    run = play([DEPLOY, dict(NODES, name="before"),
                {"name": "restart", "netsec.zeek.node_restart": {"wait": True, "wait_sleep": 0.2}},
                dict(NODES, name="after")])
    assert run.returncode == 0, run
    assert run.task("restart")["result"]["restarted"] == ["manager", "worker-01", "worker-02"]
    before, after = pids(run, "before"), pids(run, "after")
    assert all(after[name] != before[name] for name in before)


def test_unknown_node_restarts_nothing(play, emulator):
    run = play([DEPLOY, {"name": "restart", "netsec.zeek.node_restart": {"nodes": ["worker-01", "worker-09"]},
                         "ignore_errors": True}])
    result = run.task("restart")["result"]
    assert run.task("restart")["status"] == "failed"
    assert result["msg"] == ("Unknown cluster node worker-09; nothing was restarted. The deployed nodes are: "
                             "manager, worker-01, worker-02")
    assert emulator.requests("restart_request") == []


def test_check_mode_reports_without_restarting(play, emulator):
    run = play([DEPLOY])
    assert run.returncode == 0, run
    check = play([{"name": "restart", "netsec.zeek.node_restart": {"nodes": ["worker-02"]}}], check=True,
                 name="check")
    result = check.task("restart")["result"]
    assert result["changed"] is True and result["restarted"] == ["worker-02"] and "nodes" not in result
    assert emulator.requests("restart_request") == []


def test_nothing_deployed(play):
    run = play([{"name": "restart", "netsec.zeek.node_restart": {}, "ignore_errors": True}])
    assert run.task("restart")["result"]["msg"] == \
        "There is no deployed cluster configuration, so there are no nodes to restart"
