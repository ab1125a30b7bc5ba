"""to_wire / from_wire, refereed by zeek-client's independent codec and types."""
import json

import pytest

from zeekclient import brokertypes as zc_bt
from zeekclient import types as zt

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json
from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    ClusterConfigError, Configuration, Instance, Node, from_ini, from_wire, to_wire)

from test_cluster_support import HOST_INSTANCE, fixture, from_zc, to_zc

CONFIGS = [
    Configuration("id-empty"),
    Configuration("id-agent-only", [Instance("instance-1")], []),
    Configuration("id-full", [Instance("agent-a"), Instance("agent-b", "10.0.0.2", 2151),
                              Instance("agent-6", "2001:db8::1", 2152)], [
        Node("manager", "agent-a", "manager", port=2200, metrics_port=9000,
             env={"B": "two words", "A": "1"}, scripts=["z.zeek", "a.zeek"]),
        Node("logger", "agent-a", "logger"),
        Node("proxy", "agent-b", "proxy", options={"Site::local_nets": "10.0.0.0/8", "x": "y"}),
        Node("worker-01", "agent-b", "worker", interface="eth0", cpu_affinity=2, env={"FOO": "bar"}),
        Node("worker-02", "agent-6", "worker", interface="", cpu_affinity=-1, scripts=[]),
        Node("odd", "agent-6", "none"),
    ]),
]


def wire_json(config, **kwargs):
    return json.dumps(broker_json.to_json(to_wire(config, **kwargs)))


def zc_config_from(text):
    return zt.Configuration.from_brokertype(zc_bt.unserialize(text))


@pytest.mark.parametrize("config", CONFIGS)
def test_zeek_client_reads_our_wire_json_as_the_same_configuration(config):
    theirs = zc_config_from(wire_json(config))
    assert theirs.id == config.id
    norm = cluster.normalize(config)
    assert from_zc(theirs) == Configuration(config.id, norm.instances, norm.nodes)


@pytest.mark.parametrize("config", CONFIGS[:2] + [Configuration("id-no-options", CONFIGS[2].instances, [
    n.copy(options=None) for n in CONFIGS[2].nodes])])
def test_zeek_client_objects_equal_ours(config):
    # zeek-client's own __eq__: its parse of our wire data equals its model of our config
    theirs = zc_config_from(wire_json(config))
    expected = to_zc(cluster.normalize(config))
    expected.id = config.id
    for node in expected.nodes:
        node.scripts = node.scripts or None
    assert theirs == expected


@pytest.mark.parametrize("config", CONFIGS)
def test_we_read_zeek_client_wire_json_as_the_same_configuration(config):
    text = to_zc(config).to_brokertype().serialize()
    ours = from_wire(broker_json.loads(text))
    assert ours.id == config.id
    assert not cluster.differs(ours, config) and not cluster.differs(config, ours)
    assert cluster.normalize(ours) == cluster.normalize(config)


def test_node_records_are_encoded_exactly_like_zeek_client():
    config = CONFIGS[2]
    ours = {}
    for element in broker_json.to_json(to_wire(config))["data"][2]["data"]:
        ours[element["data"][0]["data"]] = element
    for node in to_zc(cluster.normalize(config)).nodes:  # normalised: [] scripts are none
        theirs = node.to_brokertype().to_broker()
        if node.options:  # a set of records: compare without order
            theirs["data"][6]["data"].sort(key=json.dumps)
            ours[node.name]["data"][6]["data"].sort(key=json.dumps)
        theirs["data"][9]["data"].sort(key=json.dumps)
        assert ours[node.name] == theirs


def test_the_documented_worker_encoding():
    # protocol §3.3: zeek-client output for a worker
    config = Configuration("x", [Instance("agent-testbox")], [
        Node("worker-01", "agent-testbox", "worker", interface="eth0", cpu_affinity=2, env={"FOO": "bar"})])
    node = broker_json.to_json(to_wire(config))["data"][2]["data"][0]
    assert node == {"@data-type": "vector", "data": [
        {"@data-type": "string", "data": "worker-01"},
        {"@data-type": "string", "data": "agent-testbox"},
        {"@data-type": "enum-value", "data": "Supervisor::WORKER"},
        {"@data-type": "enum-value", "data": "Management::RUNNING"},
        {"@data-type": "none", "data": {}},
        {"@data-type": "none", "data": {}},
        {"@data-type": "none", "data": {}},
        {"@data-type": "string", "data": "eth0"},
        {"@data-type": "integer", "data": 2},
        {"@data-type": "table", "data": [{"key": {"@data-type": "string", "data": "FOO"},
                                          "value": {"@data-type": "string", "data": "bar"}}]},
        {"@data-type": "none", "data": {}},
    ]}
    instance = broker_json.to_json(to_wire(config))["data"][1]["data"][0]
    assert instance == {"@data-type": "vector", "data": [
        {"@data-type": "string", "data": "agent-testbox"},
        {"@data-type": "address", "data": "0.0.0.0"},
        {"@data-type": "none", "data": {}}]}


def test_deployed_ports_and_hosts_come_back():
    config = Configuration("d", [Instance("agent-testbox", "127.0.0.1")], [
        Node("manager", "agent-testbox", "manager", port=2200, metrics_port=9000)])
    back = from_wire(to_wire(config))
    assert back.instance("agent-testbox").host == "127.0.0.1"
    assert (back.node("manager").port, back.node("manager").metrics_port) == (2200, 9000)


def test_zeek_6_nodes_have_ten_fields_and_read_back():
    config = Configuration("v6", [Instance("a")], [Node("m", "a", "manager", port=2200, metrics_port=9000)])
    vec = to_wire(config, version=(6, 2))
    assert len(vec[2][0]) == 10
    back = from_wire(vec)
    assert back.node("m").port == 2200 and back.node("m").metrics_port is None
    assert zc_config_from(wire_json(config, version="6.2")).nodes[0].metrics_port is None
    assert len(to_wire(config)[2][0]) == 11


def test_state_is_always_running_on_the_way_out_and_dropped_on_the_way_in():
    vec = to_wire(CONFIGS[2])
    assert set(str(node[3]) for node in vec[2]) == {"Management::RUNNING"}
    vec[2][0][3] = broker_json.Enum("Management::FAILED")
    assert from_wire(vec) == from_wire(to_wire(CONFIGS[2]))


def test_a_fresh_id_when_none_is_set():
    config = Configuration(None, [Instance("a")], [])
    first, second = to_wire(config)[0], to_wire(config)[0]
    assert first != second and len(first) == 36
    assert to_wire(Configuration("keep"))[0] == "keep"


def test_ini_fixture_survives_the_wire_both_ways():
    config, _warnings = from_ini(fixture("multi-host.ini"), default_instance=HOST_INSTANCE)
    config.id = "fixture"
    norm = cluster.normalize(config)
    assert from_wire(to_wire(config)) == Configuration("fixture", norm.instances, norm.nodes)
    assert from_zc(zc_config_from(wire_json(config))) == from_wire(to_wire(config))


def test_bad_wire_data_is_a_cluster_config_error():
    with pytest.raises(ClusterConfigError) as info:
        from_wire(broker_json.Vector(["only-an-id"]))
    assert info.value.messages[0].startswith("not a Management::Configuration record: ")
    bad_role = to_wire(CONFIGS[2])
    bad_role[2][0][2] = broker_json.Enum("Supervisor::BOSS")
    with pytest.raises(ClusterConfigError) as info:
        from_wire(bad_role)
    assert "Supervisor::BOSS" in info.value.messages[0]
