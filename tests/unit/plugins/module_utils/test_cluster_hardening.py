"""Bad input the model refuses before anything is sent (issue 11: items 2, 8, 9, 13)."""
import copy

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    ClusterConfigError, Configuration, Instance, Node, from_dict, from_ini, lint, to_wire)
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model import model


def errors_of(data, **kwargs):
    with pytest.raises(ClusterConfigError) as info:
        from_dict(data, **kwargs)
    return info.value.messages


def ini_errors_of(text, **kwargs):
    with pytest.raises(ClusterConfigError) as info:
        from_ini(text, **kwargs)
    return info.value.messages


def one_node(**fields):
    node = {"name": "w", "instance": "a", "role": "worker", "interface": "eth0"}
    node.update(fields)
    return {"instances": [{"name": "a"}], "nodes": [node]}


# ---------------------------------------------------------------------------
# Item 8: integers out of Zeek's range
# ---------------------------------------------------------------------------

CPU_BAD = [2 ** 63, 2 ** 64, 2 ** 31, -1, "99999999999999999999", 1e300, -(2 ** 63) - 1]


@pytest.mark.parametrize("value", CPU_BAD)
def test_cpu_affinity_outside_a_cpu_index_is_a_field_error(value):
    messages = errors_of(one_node(cpu_affinity=value))
    assert len(messages) == 1
    assert messages[0].startswith("node 'w' field 'cpu_affinity': ")
    assert "is not a CPU index 0-2147483647" in messages[0]


def test_cpu_affinity_limits_are_accepted():
    assert from_dict(one_node(cpu_affinity=0)).node("w").cpu_affinity == 0
    assert from_dict(one_node(cpu_affinity="2147483647")).node("w").cpu_affinity == 2 ** 31 - 1


@pytest.mark.parametrize("value", ["9223372036854775808", "2147483648", "-1"])
def test_cpu_affinity_outside_a_cpu_index_in_ini(value):
    text = "[w]\ninstance = a\nrole = worker\ncpu_affinity = %s\n" % value
    messages = ini_errors_of(text)
    assert messages == ['invalid node "w" configuration: cpu_affinity %s is not a CPU index 0-2147483647 '
                        "(Zeek's supervisor pins the node with a C int)" % value]


@pytest.mark.parametrize("field", ["port", "metrics_port"])
@pytest.mark.parametrize("value", [2 ** 64, -(2 ** 63), 65536, 0, 1e300, float("inf"), float("nan")])
def test_ports_outside_1_65535_are_field_errors(field, value):
    messages = errors_of(one_node(**{field: value}))
    assert len(messages) == 1 and messages[0].startswith("node 'w' field '%s': " % field)


def test_instance_port_outside_1_65535_is_a_field_error():
    data = one_node()
    data["instances"][0]["port"] = 2 ** 64
    assert errors_of(data) == ["instance 'a' field 'port': port %d outside valid range 1-65535" % 2 ** 64]


def test_wire_encoding_refuses_what_a_caller_built_by_hand():
    # The forms refuse it first; a Node built in code still never reaches the wire.
    config = Configuration(None, [Instance("a")], [Node("w", "a", "worker", cpu_affinity=2 ** 64)])
    with pytest.raises(ClusterConfigError) as info:
        to_wire(config)
    assert "cpu_affinity" in str(info.value) or "64 bits" in str(info.value)


# ---------------------------------------------------------------------------
# Item 9: node names that escape the agent's state directory
# ---------------------------------------------------------------------------

ESCAPING = ["../../etc/cron.d/x", "a/b", "..", ".", "x..y", "nul\0byte", "/abs"]


@pytest.mark.parametrize("name", ESCAPING)
def test_node_names_escaping_the_state_dir_are_lint_errors(name):
    config = Configuration(None, [Instance("a")], [Node("manager", "a", "manager"),
                                                   Node(name, "a", "worker", interface="eth0")])
    errors = [f for f in lint(config) if f.severity == "error"]
    assert [(f.node, f.field) for f in errors] == [(name, "name")]
    assert "cannot contain '/', '..' or NUL" in errors[0].message
    assert "\0" not in errors[0].message  # shown as \0
    # refused with the default lint level, and with lint: warn (it is an error), before anything is sent
    for level in ("error", "warn"):
        with pytest.raises(reconcile.PreflightError) as info:
            reconcile.preflight(config, lint=level)
        assert errors[0].message in info.value.errors


def test_ordinary_node_names_pass():
    config = Configuration(None, [Instance("a")], [Node("manager", "a", "manager"),
                                                   Node("worker-1.eth0_x", "a", "worker", interface="eth0")])
    assert [f for f in lint(config) if f.severity == "error"] == []


# ---------------------------------------------------------------------------
# Item 13: a typo does not hide the other problems
# ---------------------------------------------------------------------------

TYPO_AND_MORE = {
    "instances": [{"name": "a"}],
    "nodes": [
        {"name": "manager", "instance": "a", "role": "manager", "port": 2200},
        {"name": "w1", "instance": "a", "role": "wrker", "interface": "eth0"},
        {"name": "logger", "instance": "a", "role": "logger", "port": 2200},
        {"name": "proxy", "instance": "b", "role": "proxy"},
    ],
}


def test_a_role_typo_is_reported_with_the_controllers_errors_in_the_rest():
    messages = errors_of(copy.deepcopy(TYPO_AND_MORE))
    assert messages == [
        "node 'w1' field 'role': 'wrker' is not one of manager, logger, proxy, worker, none "
        "(did you mean 'worker'?)",
        "multiple nodes on instance 'a' using port 2200/tcp",
        "node 'proxy' has undeclared instance name 'b'",
    ]


def test_the_error_carries_what_could_be_read_for_lint():
    with pytest.raises(ClusterConfigError) as info:
        from_dict(copy.deepcopy(TYPO_AND_MORE))
    assert sorted(n.name for n in info.value.config.nodes) == ["logger", "manager", "proxy"]
    assert [i.name for i in info.value.config.instances] == ["a"]


def test_a_bad_instance_does_not_make_its_nodes_undeclared():
    data = {"instances": [{"name": "a", "host": "sensor.example", "port": 2151}],
            "nodes": [{"name": "m", "instance": "a", "role": "manager"},
                      {"name": "w", "instance": "a", "role": "wroker"}]}
    messages = errors_of(data)
    assert len(messages) == 2 and not any("undeclared" in m for m in messages)


def test_the_instance_rule_is_checked_beside_field_errors():
    data = {"nodes": [{"name": "m", "instance": "a", "role": "manager"},
                      {"name": "w", "role": "wroker"}]}
    messages = errors_of(data, default_instance="x")
    assert messages == ["node 'w' field 'role': 'wroker' is not one of manager, logger, proxy, worker, none "
                        "(did you mean 'worker'?)",
                        "either all or no nodes must state instances (without one: w)"]


def test_ini_typo_is_reported_with_the_controllers_errors_in_the_rest():
    text = ("[manager]\ninstance = a\nrole = manager\nport = 2200\n"
            "[w1]\ninstance = a\nrole = wrker\n"
            "[logger]\ninstance = a\nrole = logger\nport = 2200\n")
    messages = ini_errors_of(text)
    assert messages[0].startswith('invalid node "w1" configuration: role "wrker" is invalid')
    assert messages[1:] == ["multiple nodes on instance 'a' using port 2200/tcp"]


def test_desired_reports_every_problem_at_once():
    # what cluster_config's preflight gets from the model
    with pytest.raises(reconcile.PreflightError) as info:
        reconcile.desired(copy.deepcopy(TYPO_AND_MORE))
    assert len(info.value.errors) == 3


# ---------------------------------------------------------------------------
# Item 2 (model half): instances without nodes, "did you mean"
# ---------------------------------------------------------------------------


def test_an_instance_without_nodes_is_a_lint_error():
    config = Configuration(None, [Instance("agent-a"), Instance("agent-idle")], [
        Node("manager", "agent-a", "manager"), Node("worker-1", "agent-a", "worker", interface="eth0")])
    errors = [f for f in lint(config) if f.severity == "error"]
    assert [(f.node, f.field) for f in errors] == [("agent-idle", "instance")]
    assert errors[0].message.startswith("instance 'agent-idle' has no nodes")
    # a configuration without any node is fine: the agent answers at once
    assert lint(Configuration(None, [Instance("agent-a")], [])) == []


@pytest.mark.parametrize("name,candidates,expected", [
    ("agent-sensr1", ["agent-sensor1", "agent-sensor2", "agent-manager"], "agent-sensor1"),
    ("AGENT-SENSOR2", ["agent-sensor1", "agent-sensor2"], "agent-sensor2"),
    ("agent-x", ["controller", "zeek"], None),
    ("agent-a", [], None),
    (None, ["agent-a"], None),
])
def test_suggest_names_the_closest_candidate(name, candidates, expected):
    assert model.suggest(name, candidates) == expected


def test_did_you_mean_uses_suggest():
    assert model.did_you_mean("wrker", cluster.ROLES, lower=True) == " (did you mean 'worker'?)"
