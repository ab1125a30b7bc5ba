"""Issue 11 item 14: nodes_info's filters take the values as the module prints them.

The module prints roles and states in upper case (`WORKER`, `RUNNING`, as get-nodes reports
them); a filter copied from that output must work, and any case must.
"""
AGENT = "agent-sensor1"  # the emulator fixture's agent

CLUSTER = {"nodes": [
    {"name": "manager", "instance": AGENT, "role": "manager"},
    {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},
    {"name": "worker-02", "instance": AGENT, "role": "worker", "interface": "eth1"},
]}


def names(result):
    return sorted(n["name"] for n in result["nodes"])


def test_filters_compare_case_insensitively(play):
    run = play([
        {"name": "deploy", "netsec.zeek.cluster_config": {"config": CLUSTER, "wait": True, "wait_sleep": 0.2}},
        {"name": "printed", "netsec.zeek.nodes_info": {"roles": ["WORKER"], "states": ["RUNNING"]}},
        {"name": "lower", "netsec.zeek.nodes_info": {"roles": ["worker"], "states": ["running"]}},
        {"name": "mixed", "netsec.zeek.nodes_info": {"roles": ["Manager", "AGENT"], "states": ["Running"]}},
    ])
    assert run.returncode == 0, run
    assert names(run.task("printed")["result"]) == ["worker-01", "worker-02"]
    assert names(run.task("lower")["result"]) == ["worker-01", "worker-02"]
    assert names(run.task("mixed")["result"]) == [AGENT, "manager"]


def test_unknown_filter_value_is_refused_before_asking_the_controller(play, emulator):
    run = play([{"name": "typo", "netsec.zeek.nodes_info": {"roles": ["wrker"], "states": ["RUNNING"]}}])
    result = run.task("typo")
    assert result["status"] == "failed"
    assert result["result"]["msg"] == (
        "roles: unknown value WRKER; use manager, logger, proxy, worker, agent, controller (any case)")
    assert emulator.requests() == []
