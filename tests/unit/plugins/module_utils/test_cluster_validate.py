"""cluster.validate: the controller's config_validate() messages (protocol §5.1, §8.3)."""
import pytest

from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    Configuration, Instance, Node, from_ini, validate)


def config(instances, nodes):
    return Configuration("id", instances, nodes)


def test_a_good_configuration_has_no_errors():
    cfg = config([Instance("instance-1"), Instance("instance-2", "10.0.0.2", 2151)], [
        Node("manager", "instance-1", "manager", port=5000),
        Node("logger", "instance-2", "logger"),
        Node("worker", "instance-2", "worker", interface="eth0", port=5000),
    ])
    assert validate(cfg) == []


def test_empty_configuration_is_valid():
    assert validate(Configuration()) == []
    assert validate(config([Instance("instance-1")], [])) == []  # deploy-agent-only


def test_conflict_node_agent_port():
    cfg = config([Instance("instance-1", "127.0.0.1", 3000)], [Node("manager", "instance-1", "manager", port=3000)])
    assert validate(cfg) == ["node 'manager' port 3000/tcp conflicts with agent port on instance 'instance-1'"]


def test_agent_port_of_another_instance_is_no_conflict():
    cfg = config([Instance("instance-1"), Instance("instance-2", "127.0.0.1", 3000)],
                 [Node("manager", "instance-1", "manager", port=3000)])
    assert validate(cfg) == []


def test_conflict_node_controller_port():
    cfg = config([Instance("instance-1")], [Node("manager", "instance-1", "manager", port=2150)])
    assert validate(cfg) == ["node 'manager' port 2150/tcp conflicts with controller port"]
    # the Broker port, not the WebSocket port, and configurable
    assert validate(cfg, controller_broker_port=2151) == []
    assert validate(cfg, controller_broker_port="2150/tcp") == validate(cfg)
    assert validate(cfg, controller_broker_port="2151") == []
    cfg.nodes[0].port = 2149
    assert validate(cfg) == []


def test_workers_ports_are_checked_too():
    cfg = config([Instance("instance-1")], [Node("worker", "instance-1", "worker", port=2150)])
    assert validate(cfg) == ["node 'worker' port 2150/tcp conflicts with controller port"]


def test_conflict_node_ports_reported_once_per_instance_and_port():
    # ztc stage-config-conflict-node-ports: three on instance-1, one on instance-2
    cfg = config([Instance("instance-1"), Instance("instance-2")], [
        Node("manager", "instance-1", "manager", port=5000),
        Node("logger", "instance-1", "logger", port=5000),
        Node("proxy", "instance-1", "proxy", port=5000),
        Node("worker", "instance-2", "worker", port=5000),
    ])
    assert validate(cfg) == ["multiple nodes on instance 'instance-1' using port 5000/tcp"]


def test_names_collide_lists_sorted_names():
    cfg = config([Instance("instance-1"), Instance("b"), Instance("a")], [
        Node("instance-1", "instance-1", "manager"),
        Node("b", "instance-1", "worker"),
        Node("a", "instance-1", "worker"),
    ])
    assert validate(cfg) == ["node and instance names collide: a, b, instance-1"]


def test_undeclared_instances_sorted():
    # ztc stage-config-mismatch-instance-names
    cfg = config([Instance("instance-1")], [
        Node("worker", "instance-3", "worker"),
        Node("manager", "instance-2", "manager"),
        Node("logger", "instance-1", "logger"),
    ])
    assert validate(cfg) == ["node 'manager' has undeclared instance name 'instance-2'",
                             "node 'worker' has undeclared instance name 'instance-3'"]


def test_duplicate_instance_names_once_per_name():
    cfg = config([Instance("a", "10.0.0.1", 1), Instance("a", "10.0.0.2", 1), Instance("a")], [])
    assert validate(cfg) == ["multiple instances named 'a'"]


def test_identical_records_collapse_like_the_set_on_the_wire():
    cfg = config([Instance("a"), Instance("a", "0.0.0.0")], [
        Node("w", "a", "worker", interface="eth0"), Node("w", "a", "worker", interface="eth0")])
    assert validate(cfg) == []


def test_duplicate_node_names_once_per_name():
    cfg = config([Instance("a")], [
        Node("w", "a", "worker", interface="eth0"), Node("w", "a", "worker", interface="eth1"),
        Node("w", "a", "proxy")])
    assert validate(cfg) == ["multiple nodes named 'w'"]


def test_auto_assign_disabled_lists_sorted_manager_logger_proxy_lacking_ports():
    # ztc stage-config-auto-assign-disabled
    cfg = config([Instance("instance-1")], [
        Node("proxy-01", "instance-1", "proxy"),
        Node("manager", "instance-1", "manager"),
        Node("logger-01", "instance-1", "logger"),
        Node("logger-02", "instance-1", "logger", port=2201),
        Node("worker-01", "instance-1", "worker"),
    ])
    assert validate(cfg) == []
    assert validate(cfg, auto_assign_broker_ports=False) == [
        "Broker port auto-assignment disabled but nodes logger-01, manager, proxy-01 lack ports"]


def test_all_rules_together_sorted_by_strcmp():
    cfg = config([Instance("instance-1", "127.0.0.1", 3000), Instance("x"), Instance("x", "10.0.0.9", 4)], [
        Node("manager", "instance-1", "manager", port=3000),
        Node("Zed", "instance-1", "proxy", port=2150),
        Node("worker", "instance-1", "worker", port=2150),
        Node("x", "nowhere", "worker"),
        Node("x", "instance-1", "logger"),
    ])
    assert validate(cfg, auto_assign_broker_ports=False) == [
        "Broker port auto-assignment disabled but nodes x lack ports",
        "multiple instances named 'x'",
        "multiple nodes named 'x'",
        "multiple nodes on instance 'instance-1' using port 2150/tcp",
        "node 'Zed' port 2150/tcp conflicts with controller port",
        "node 'manager' port 3000/tcp conflicts with agent port on instance 'instance-1'",
        "node 'worker' port 2150/tcp conflicts with controller port",
        "node 'x' has undeclared instance name 'nowhere'",
        "node and instance names collide: x",
    ]


def test_sort_is_bytewise_like_strcmp():
    # Upper case before lower case, and non-ASCII after ASCII, as strcmp on UTF-8 bytes.
    cfg = config([Instance("i")], [Node("é", "j", "worker"), Node("a", "j", "worker"), Node("B", "j", "worker")])
    assert validate(cfg) == ["node 'B' has undeclared instance name 'j'",
                             "node 'a' has undeclared instance name 'j'",
                             "node 'é' has undeclared instance name 'j'"]


def test_validate_after_ini_parse():
    cfg, _warnings = from_ini("[instances]\ninstance-1\n[manager]\ninstance = instance-2\nrole = manager\n")
    assert validate(cfg) == ["node 'manager' has undeclared instance name 'instance-2'"]


@pytest.mark.parametrize("port", [2200, 5000])
def test_ports_are_formatted_as_zeek_ports(port):
    cfg = config([Instance("i")], [Node("a", "i", "proxy", port=port), Node("b", "i", "proxy", port=port)])
    assert validate(cfg) == ["multiple nodes on instance 'i' using port %d/tcp" % port]
