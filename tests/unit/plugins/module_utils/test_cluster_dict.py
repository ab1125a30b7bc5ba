"""from_dict / to_dict, the JSON schema and its messages, lint."""
import copy
import json

import jsonschema
import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    SCHEMA, ClusterConfigError, Configuration, Finding, Instance, Node, from_dict, lint, schema_errors,
    to_dict)

from test_cluster_support import from_zc, zc_parse

GOOD = {
    "instances": [{"name": "agent-a"}, {"name": "agent-b", "host": "10.0.0.2", "port": 2151}],
    "nodes": [
        {"name": "manager", "instance": "agent-a", "role": "manager", "port": "2200", "metrics_port": 9000},
        {"name": "worker-1", "instance": "agent-b", "role": "Worker", "interface": "eth0", "cpu_affinity": "3",
         "scripts": ["b.zeek", "a.zeek"], "env": {"N": 1, "F": 1.5, "S": "x y"},
         "options": [{"name": "Site::local_nets", "value": "10.0.0.0/8"}]},
        {"name": "proxy", "instance": "agent-a", "role": "Supervisor::PROXY", "options": {"a": "1"}},
    ],
}


def errors_of(data, **kwargs):
    with pytest.raises(ClusterConfigError) as info:
        from_dict(data, **kwargs)
    return info.value.messages


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    json.dumps(SCHEMA)  # plain JSON, publishable


def test_good_dict_converts():
    assert schema_errors(GOOD) == []
    config = from_dict(copy.deepcopy(GOOD))
    assert config.id is None
    manager = config.node("manager")
    assert (manager.role, manager.port, manager.metrics_port) == ("MANAGER", 2200, 9000)
    worker = config.node("worker-1")
    assert worker.role == "WORKER" and worker.cpu_affinity == 3
    assert worker.scripts == ["b.zeek", "a.zeek"]  # order kept
    assert worker.env == {"N": "1", "F": "1.5", "S": "x y"}
    assert worker.options == (("Site::local_nets", "10.0.0.0/8"),)
    assert config.node("proxy").role == "PROXY" and config.node("proxy").options == (("a", "1"),)
    assert config.instance("agent-b").key() == ("agent-b", "10.0.0.2", 2151)


@pytest.mark.parametrize("check_schema", [None, True, False])
def test_schema_modes_agree_on_good_data(check_schema):
    assert from_dict(copy.deepcopy(GOOD), check_schema=check_schema) == from_dict(copy.deepcopy(GOOD))


def test_to_dict_is_zeek_client_json_shaped_and_reads_back():
    config = from_dict(copy.deepcopy(GOOD))
    config.id = "abc"
    data = to_dict(config)
    assert data["id"] == "abc"
    assert data["instances"] == [{"name": "agent-a"}, {"name": "agent-b", "host": "10.0.0.2", "port": 2151}]
    assert [n["name"] for n in data["nodes"]] == ["manager", "proxy", "worker-1"]
    assert sorted(data["nodes"][0]) == ["cpu_affinity", "env", "instance", "interface", "metrics_port", "name",
                                        "options", "port", "role", "scripts"]
    assert data["nodes"][2]["options"] == {"Site::local_nets": "10.0.0.0/8"}
    assert schema_errors(data) == []
    assert from_dict(data) == cluster.Configuration("abc", config.instances, sorted(config.nodes, key=lambda n: n.name))


def test_zeek_client_json_output_is_accepted():
    # get-config --as-json of a zeek-client-parsed config: instances, all node keys, nulls
    zc = zc_parse("[instances]\na = 10.0.0.1:2151\n[m]\ninstance = a\nrole = manager\n")
    data = json.loads(json.dumps(zc.to_json_data()))
    assert from_dict(data) == from_zc(zc)


def test_instances_are_synthesized_when_omitted():
    config = from_dict({"nodes": [{"name": "w", "instance": "b", "role": "worker"},
                                  {"name": "m", "instance": "a", "role": "manager"}]})
    assert [i.key() for i in config.instances] == [("a", None, None), ("b", None, None)]


def test_instance_local_simplification_uses_the_default_instance():
    data = {"nodes": [{"name": "m", "role": "manager"}, {"name": "w", "role": "worker"}]}
    config = from_dict(data, default_instance=cluster.default_instance_name("testbox"))
    assert [i.name for i in config.instances] == ["agent-testbox"]
    assert [n.instance for n in config.nodes] == ["agent-testbox", "agent-testbox"]
    assert errors_of(data) == ["nodes do not state instances and no default instance was given "
                               "(zeek-client uses agent-<hostname of the agent's machine>)"]
    assert cluster.default_instance_name("") == "agent-localhost"


def test_nodes_without_instance_use_the_only_declared_instance():
    config = from_dict({"instances": [{"name": "solo"}], "nodes": [{"name": "m", "role": "manager"}]})
    assert config.node("m").instance == "solo"


def test_nodes_without_instance_and_several_instances_is_an_error():
    data = {"instances": [{"name": "a"}, {"name": "b"}], "nodes": [{"name": "m", "role": "manager"}]}
    assert errors_of(data) == ["nodes do not state instances, so declare at most one instance "
                               "(or state the instance on every node)"]


def test_either_all_or_no_nodes_state_instances():
    data = {"nodes": [{"name": "m", "role": "manager", "instance": "a"}, {"name": "w", "role": "worker"},
                      {"name": "v", "role": "worker"}]}
    assert errors_of(data, default_instance="x") == [
        "either all or no nodes must state instances (without one: v, w)"]


def test_empty_and_none_configurations():
    assert from_dict(None) == Configuration()
    assert from_dict({}) == Configuration()
    assert from_dict({"instances": [], "nodes": []}) == Configuration()


# ---------------------------------------------------------------------------
# Messages naming node and field
# ---------------------------------------------------------------------------

BAD = [
    ({"nodes": [{"name": "worker-3", "instance": "a", "role": "wroker"}]},
     "node 'worker-3' field 'role': 'wroker' is not one of manager, logger, proxy, worker, none "
     "(did you mean 'worker'?)"),
    ({"nodes": [{"name": "worker-3", "instance": "a", "role": "worker", "port": "2200/tcp"}]},
     "node 'worker-3' field 'port': '2200/tcp' is not a port number; write port: 2200 "
     "(the management framework's ports are always TCP)"),
    ({"nodes": [{"name": "m", "instance": "a", "role": "manager", "metrics_port": "9000/udp"}]},
     "node 'm' field 'metrics_port': '9000/udp' is not a port number, and the management framework only "
     "uses TCP ports; write metrics_port: 9000 for 9000/tcp"),
    ({"nodes": [{"name": "m", "instance": "a", "role": "manager", "port": 70000}]},
     "node 'm' field 'port': port 70000 outside valid range 1-65535"),
    ({"nodes": [{"name": "m", "instance": "a", "role": "manager", "port": "0"}]},
     "node 'm' field 'port': port 0 outside valid range 1-65535"),
    ({"nodes": [{"name": "m", "instance": "a", "role": "manager", "port": True}]},
     "node 'm' field 'port': True is not a port number (1-65535); write port: 2200"),
    ({"nodes": [{"instance": "a", "role": "worker"}, {"name": "x", "instance": "a", "role": "bogus"}]},
     "nodes[0]: missing required field 'name'"),
    ({"nodes": [{"name": "w", "instance": "a", "type": "worker"}]},
     "node 'w': missing required field 'role' (write role: instead of type:)"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "interfce": "eth0"}]},
     "node 'w' field 'interfce': unknown field (did you mean 'interface'?); known fields: name, instance, "
     "role, port, metrics_port, interface, cpu_affinity, scripts, env, options"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "scripts": "local.zeek"}]},
     "node 'w' field 'scripts': 'local.zeek' is not a list; write scripts: [local.zeek]"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "env": {"A": None}}]},
     "node 'w' field 'env.A': None is not text or a number"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "env": {"A=B": "1"}}]},
     "node 'w' field 'env': environment variable name 'A=B' must not contain '='"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "cpu_affinity": "first"}]},
     "node 'w' field 'cpu_affinity': 'first' is not a whole number (a CPU index such as 3)"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "interface": 0}]},
     "node 'w' field 'interface': 0 is not text"),
    ({"nodes": [{"name": "w", "instance": "", "role": "worker"}]},
     "node 'w' field 'instance': must not be empty"),
    ({"nodes": [{"name": "w", "instance": "a", "role": "worker", "options": "x=1"}]},
     "node 'w' field 'options': 'x=1' is neither a mapping of option names to values nor a list of "
     "{name, value}"),
    ({"instances": [{"name": "a", "host": "ctl.example", "port": 2151}], "nodes": []},
     "instance 'a' field 'host': 'ctl.example' is not an IP address; the controller needs an IPv4 or IPv6 "
     "address here (hostnames are not supported)"),
    ({"instances": [{"name": "a", "port": "2151/tcp"}]},
     "instance 'a' field 'port': '2151/tcp' is not a port number; write port: 2151 "
     "(the management framework's ports are always TCP)"),
    ({"instances": [{"host": "10.0.0.1"}]}, "instances[0]: missing required field 'name'"),
    ({"instances": [{"name": "a", "listen_port": 1}]},
     "instance 'a' field 'listen_port': unknown field; known fields: name, host, port"),
    ({"nodes": {"name": "w"}}, "configuration field 'nodes': {'name': 'w'} is not a list"),
    ({"node": []}, "configuration field 'node': unknown field (did you mean 'nodes'?); known fields: id, "
                   "instances, nodes"),
    ({"nodes": ["worker-1"]}, "nodes[0]: 'worker-1' is not a mapping"),
    ({"id": 5}, "configuration field 'id': 5 is not text"),
]


@pytest.mark.parametrize("data,message", BAD)
def test_bad_dicts_name_node_and_field(data, message):
    assert message in errors_of(copy.deepcopy(data))


@pytest.mark.parametrize("data,message", BAD)
def test_conversion_alone_refuses_them_too(data, message):
    # without jsonschema (check_schema=False) the same documents fail, mostly in the same words
    messages = errors_of(copy.deepcopy(data), check_schema=False)
    assert any(m.split(": ", 1)[0] == message.split(": ", 1)[0] for m in messages)


def test_the_schema_alone_refuses_shapes_but_not_ranges_or_addresses():
    refused = [data for data, _other in BAD if schema_errors(copy.deepcopy(data))]
    assert len(refused) == len(BAD) - 2
    assert schema_errors({"nodes": [{"name": "m", "instance": "a", "role": "manager", "port": "0"}]}) == []
    assert schema_errors({"instances": [{"name": "a", "host": "ctl.example"}]}) == []


def test_every_problem_is_reported_at_once():
    data = {"instances": [{"name": "a", "host": "nope"}],
            "nodes": [{"name": "w1", "instance": "a", "role": "wroker", "port": "2200/tcp"},
                      {"name": "w2", "instance": "a", "role": "worker", "cpu_affinity": "x"}]}
    messages = errors_of(data)
    assert len(messages) == 4
    assert messages[0].startswith("node 'w1' field 'port'")  # schema errors in document order
    assert messages[-1].startswith("instance 'a' field 'host'")  # then what only the conversion sees


def test_forced_schema_check_reports_the_same():
    data = {"nodes": [{"name": "w1", "instance": "a", "role": "wroker"}]}
    assert errors_of(copy.deepcopy(data), check_schema=True) == errors_of(copy.deepcopy(data))


def test_error_is_a_value_error_with_all_messages():
    with pytest.raises(ValueError) as info:
        from_dict({"nodes": [{"name": "a", "role": "x", "instance": "i"},
                             {"name": "b", "role": "y", "instance": "i"}]})
    assert str(info.value).count("is not one of") == 2
    assert ClusterConfigError("one").messages == ["one"]


def test_node_constructor_checks_roles():
    assert Node("w", "a", "supervisor::worker").role == "WORKER"
    with pytest.raises(ClusterConfigError) as info:
        Node("w", "a", "wroker")
    assert info.value.messages == ["'wroker' is not one of manager, logger, proxy, worker, none "
                                   "(did you mean 'worker'?)"]


# ---------------------------------------------------------------------------
# Lint
# ---------------------------------------------------------------------------


def findings(config):
    return [(f.severity, f.node, f.field) for f in lint(config)]


def clean():
    return Configuration(None, [Instance("agent-a")], [
        Node("manager", "agent-a", "manager"), Node("worker-1", "agent-a", "worker", interface="eth0")])


def test_clean_configuration_has_no_findings():
    assert lint(clean()) == []
    assert lint(Configuration()) == []


def test_worker_without_interface_is_a_warning():
    config = clean()
    config.nodes.append(Node("worker-2", "agent-a", "worker"))
    result = lint(config)
    assert [(f.severity, f.node, f.field) for f in result] == [("warning", "worker-2", "interface")]
    assert result[0].message == ("node 'worker-2' field 'interface': a worker without an interface sniffs "
                                 "nothing: set interface: to the capture interface on instance 'agent-a'")
    assert str(result[0]) == result[0].message
    assert result[0].to_dict()["severity"] == "warning"


def test_non_worker_with_interface_is_a_warning():
    config = clean()
    config.nodes[0].interface = "eth0"
    assert findings(config) == [("warning", "manager", "interface")]
    assert "a manager with an interface sniffs traffic on eth0" in lint(config)[0].message


def test_node_names_differing_only_by_case():
    config = clean()
    config.nodes.append(Node("Worker-1", "agent-a", "worker", interface="eth1"))
    assert findings(config) == [("warning", "Worker-1", "name"), ("warning", "worker-1", "name")]
    assert "node names 'Worker-1' and 'worker-1' differ only by case" in lint(config)[0].message


def test_instance_named_like_a_node_except_for_case():
    config = clean()
    config.instances.append(Instance("Manager"))
    result = findings(config)
    assert ("warning", "manager", "name") in result
    assert any(f.message == "node 'manager' and instance 'Manager' differ only by case: rename one"
               for f in lint(config))
    # the exact collision is the controller's error, reported by validate, not repeated here
    config.instances.append(Instance("worker-1"))
    config.nodes.append(Node("worker-2", "worker-1", "worker", interface="eth0"))  # an instance needs a node
    assert cluster.validate(config) == ["node and instance names collide: worker-1"]
    assert not any(f.node == "worker-1" for f in lint(config))


def test_identical_duplicates_are_a_warning_and_different_ones_are_validate_errors():
    config = clean()
    config.nodes.append(config.nodes[1].copy())
    assert findings(config) == [("warning", "worker-1", "name")]
    assert cluster.validate(config) == []
    config.nodes[-1].interface = "eth9"
    assert cluster.validate(config) == ["multiple nodes named 'worker-1'"]


def test_metrics_port_collisions_on_one_instance_are_errors():
    config = clean()
    config.nodes[0].metrics_port = 9000
    config.nodes[1].metrics_port = 9000
    result = lint(config)
    assert [(f.severity, f.node, f.field) for f in result] == [
        ("error", "manager", "metrics_port"), ("error", "worker-1", "metrics_port")]
    assert result[0].message == (
        "node 'manager' field 'metrics_port': port 9000 is also used by node 'worker-1' (metrics_port) on "
        "instance 'agent-a', so one of them cannot bind it: choose another port or leave metrics_port unset "
        "for auto-assignment")


def test_metrics_port_against_broker_port_and_agent_port_on_a_shared_host():
    config = Configuration(None, [Instance("h1", "10.0.0.5", 2151), Instance("h2", "10.0.0.5", 2152)], [
        Node("manager", "h1", "manager", port=3000, metrics_port=2152),
        Node("proxy", "h2", "proxy", port=3000, metrics_port=9000),
        Node("worker", "h2", "worker", interface="eth0", metrics_port=3000),
    ])
    assert cluster.validate(config) == []  # the controller sees no problem
    assert findings(config) == [
        ("error", "manager", "metrics_port"), ("error", "manager", "port"),
        ("error", "proxy", "port"), ("error", "worker", "metrics_port")]
    assert "the agent port of instance 'h2' on host 10.0.0.5" in lint(config)[0].message


def test_same_port_on_instances_with_unknown_hosts_is_fine():
    config = Configuration(None, [Instance("a"), Instance("b")], [
        Node("manager", "a", "manager", metrics_port=9000),
        Node("worker", "b", "worker", interface="eth0", metrics_port=9000)])
    assert lint(config) == []


def test_manager_count():
    config = clean()
    config.nodes[0].role = "LOGGER"
    assert findings(config) == [("warning", None, "role")]
    config.nodes[0].role = "MANAGER"
    config.nodes.append(Node("manager-2", "agent-a", "manager"))
    assert findings(config) == [("warning", "manager", "role"), ("warning", "manager-2", "role")]


def test_instance_host_without_port_is_a_warning():
    config = clean()
    config.instances[0] = Instance("agent-a", "10.0.0.1")
    assert findings(config) == [("warning", "agent-a", "host")]


def test_names_the_ini_format_cannot_carry():
    config = clean()
    config.instances.append(Instance("Agent-B"))
    config.instances.append(Instance("c=d"))
    # instances need nodes (an idle one is an error of its own)
    config.nodes.append(Node("worker-b", "Agent-B", "worker", interface="eth0"))
    config.nodes.append(Node("worker-c", "c=d", "worker", interface="eth0"))
    config.nodes.append(Node("instances", "agent-a", "logger"))
    config.nodes.append(Node(" padded", "agent-a", "logger"))
    assert findings(config) == [
        ("warning", " padded", "name"), ("warning", "Agent-B", "name"),
        ("warning", "c=d", "name"), ("warning", "instances", "name")]


def test_lint_is_sorted_and_findings_compare():
    config = clean()
    config.nodes.append(Node("a-worker", "agent-a", "worker"))
    config.nodes.append(Node("z-proxy", "agent-a", "proxy", interface="eth1"))
    result = lint(config)
    assert [f.node for f in result] == ["a-worker", "z-proxy"]
    assert result == lint(config) and len(set(result)) == 2
    assert repr(result[0]).startswith("Finding('warning', 'a-worker', 'interface'")
    assert Finding("error", "n", "f", "m") != Finding("warning", "n", "f", "m")
