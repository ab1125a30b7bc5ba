"""normalize / differs / changes / diff / compare: the check-mode contract of DESIGN.md."""
import copy
import difflib

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    Configuration, Instance, Node, changes, compare, diff, differs, from_dict, from_ini, normalize)

from test_cluster_support import fixture

WANT = {
    "instances": [{"name": "agent-a"}, {"name": "agent-b", "host": "10.0.0.2", "port": 2151}],
    "nodes": [
        {"name": "manager", "instance": "agent-a", "role": "manager"},
        {"name": "logger", "instance": "agent-a", "role": "logger"},
        {"name": "proxy", "instance": "agent-b", "role": "proxy"},
        {"name": "worker-1", "instance": "agent-b", "role": "worker", "interface": "eth0",
         "env": {"A": "1", "B": "2"}, "scripts": ["b.zeek", "a.zeek"]},
        {"name": "worker-2", "instance": "agent-b", "role": "worker", "interface": "eth1", "port": 5000},
    ],
}


def deployed():
    """What the controller reports after deploying WANT: id, hosts and ports filled in,
    nodes and env in another order, roles as the wire has them."""
    return Configuration("5e90197a-f850-11ec-a77f-7c10c94416bb", [
        Instance("agent-b", "10.0.0.2", 2151),
        Instance("agent-a", "127.0.0.1"),
    ], [
        Node("worker-2", "agent-b", "WORKER", interface="eth1", port=5000, metrics_port=9004),
        Node("worker-1", "agent-b", "Supervisor::WORKER", interface="eth0", env={"B": "2", "A": "1"},
             scripts=["b.zeek", "a.zeek"], metrics_port=9003),
        Node("proxy", "agent-b", "PROXY", port=2202, metrics_port=9002),
        Node("manager", "agent-a", "MANAGER", port=2200, metrics_port=9000),
        Node("logger", "agent-a", "LOGGER", port=2201, metrics_port=9001),
    ])


def want():
    return from_dict(copy.deepcopy(WANT))


def test_deployed_equals_wanted_after_normalisation():
    assert not differs(want(), deployed())
    result = compare(want(), deployed())
    assert result["changed"] is False
    assert result["changes"] == {"added_nodes": [], "removed_nodes": [], "changed_nodes": {},
                                 "added_instances": [], "removed_instances": [], "changed_instances": {}}
    assert result["diff"]["before"] == result["diff"]["after"]


def test_normalize_alone_sorts_and_canonicalises():
    norm = normalize(deployed())
    assert norm.id is None
    assert [n.name for n in norm.nodes] == ["logger", "manager", "proxy", "worker-1", "worker-2"]
    assert [i.name for i in norm.instances] == ["agent-a", "agent-b"]
    assert norm.node("worker-1").role == "WORKER"
    assert norm.node("manager").port == 2200  # nothing trimmed without a want


def test_normalize_pair_trims_have_to_what_want_sets():
    want_n, have_n = normalize(want(), deployed())
    assert have_n.node("manager").port is None and have_n.node("manager").metrics_port is None
    assert have_n.node("worker-2").port == 5000  # wanted explicitly, so compared
    assert have_n.instance("agent-a").host is None  # filled in by the controller
    assert have_n.instance("agent-b").host == "10.0.0.2"
    assert want_n == have_n


def test_reordered_nodes_and_env_do_not_differ():
    data = copy.deepcopy(WANT)
    data["nodes"].reverse()
    data["instances"].reverse()
    data["nodes"][1]["env"] = {"B": "2", "A": "1"}
    assert not differs(from_dict(data), deployed())


def test_role_case_does_not_differ():
    data = copy.deepcopy(WANT)
    data["nodes"][0]["role"] = "MANAGER"
    data["nodes"][1]["role"] = "Supervisor::LOGGER"
    data["nodes"][2]["role"] = "Proxy"
    assert not differs(from_dict(data), deployed())


def test_explicit_unknown_host_does_not_differ():
    data = copy.deepcopy(WANT)
    data["instances"][0]["host"] = "0.0.0.0"
    assert not differs(from_dict(data), deployed())


def test_ids_and_identical_duplicates_do_not_differ():
    have = deployed()
    have.nodes.append(have.nodes[0].copy())
    have.id = "another"
    assert not differs(want(), have)


def test_empty_scripts_equal_no_scripts():
    a = Configuration(None, [Instance("a")], [Node("w", "a", "worker", scripts=[])])
    b = Configuration(None, [Instance("a")], [Node("w", "a", "worker")])
    assert not differs(a, b) and not differs(b, a)


def test_staged_matches_what_was_sent():
    # STAGED is exactly what was sent: no fill-in at all.
    assert not differs(want(), want())


def test_nothing_deployed_always_differs():
    assert differs(want(), None)
    assert differs(Configuration(), None)
    result = compare(want(), None)
    assert result["changed"] is True
    assert result["changes"]["added_nodes"] == ["logger", "manager", "proxy", "worker-1", "worker-2"]
    assert result["changes"]["added_instances"] == ["agent-a", "agent-b"]
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"].startswith("[instances]\nagent-a\nagent-b = 10.0.0.2:2151\n\n[logger]\n")


def _changed(data):
    result = compare(from_dict(data), deployed())
    assert result["changed"] is True
    assert differs(from_dict(data), deployed())
    assert result["diff"]["before"] != result["diff"]["after"]
    return result


def test_add_worker():
    data = copy.deepcopy(WANT)
    data["nodes"].append({"name": "worker-3", "instance": "agent-a", "role": "worker", "interface": "eth9"})
    result = _changed(data)
    assert result["changes"]["added_nodes"] == ["worker-3"]
    assert result["changes"]["changed_nodes"] == {} and result["changes"]["removed_nodes"] == []
    unified = "".join(difflib.unified_diff(result["diff"]["before"].splitlines(True),
                                           result["diff"]["after"].splitlines(True)))
    assert "+[worker-3]\n+instance = agent-a\n+role = WORKER\n+interface = eth9\n" in unified


def test_remove_proxy():
    data = copy.deepcopy(WANT)
    data["nodes"] = [n for n in data["nodes"] if n["role"] != "proxy"]
    result = _changed(data)
    assert result["changes"]["removed_nodes"] == ["proxy"]
    assert result["changes"]["added_nodes"] == []
    assert "[proxy]\ninstance = agent-b\nrole = PROXY\nport = 2202\nmetrics_port = 9002\n" in result["diff"]["before"]
    assert "[proxy]" not in result["diff"]["after"]


def test_change_interface():
    data = copy.deepcopy(WANT)
    data["nodes"][3]["interface"] = "eth7"
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {"worker-1": {"interface": ["eth0", "eth7"]}}


def test_change_env():
    data = copy.deepcopy(WANT)
    data["nodes"][3]["env"] = {"A": "1", "B": "3"}
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {
        "worker-1": {"env": [{"A": "1", "B": "2"}, {"A": "1", "B": "3"}]}}


def test_change_explicit_port():
    data = copy.deepcopy(WANT)
    data["nodes"][4]["port"] = 5001
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {"worker-2": {"port": [5000, 5001]}}


def test_pinning_an_auto_assigned_port_to_another_value_differs():
    data = copy.deepcopy(WANT)
    data["nodes"][0]["port"] = 2300
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {"manager": {"port": [2200, 2300]}}


def test_pinning_an_auto_assigned_port_to_its_value_does_not_differ():
    data = copy.deepcopy(WANT)
    data["nodes"][0]["port"] = 2200
    data["nodes"][0]["metrics_port"] = 9000
    assert not differs(from_dict(data), deployed())


def test_change_role():
    data = copy.deepcopy(WANT)
    data["nodes"][2]["role"] = "logger"
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {"proxy": {"role": ["PROXY", "LOGGER"]}}


def test_script_order_is_significant():
    data = copy.deepcopy(WANT)
    data["nodes"][3]["scripts"] = ["a.zeek", "b.zeek"]
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {
        "worker-1": {"scripts": [["b.zeek", "a.zeek"], ["a.zeek", "b.zeek"]]}}
    # the exact zeek-client rendering would hide it; the diff rendering shows it
    assert "scripts = b.zeek a.zeek\n" in result["diff"]["before"]
    assert "scripts = a.zeek b.zeek\n" in result["diff"]["after"]


def test_options_change_is_visible():
    data = copy.deepcopy(WANT)
    data["nodes"][3]["options"] = {"Site::local_nets": "10.0.0.0/8"}
    result = _changed(data)
    assert result["changes"]["changed_nodes"] == {
        "worker-1": {"options": [None, {"Site::local_nets": "10.0.0.0/8"}]}}
    assert "options = Site::local_nets=10.0.0.0/8\n" in result["diff"]["after"]


def test_instance_becomes_controller_connected():
    data = copy.deepcopy(WANT)
    data["instances"][0] = {"name": "agent-a", "host": "10.0.0.1", "port": 2151}
    result = _changed(data)
    assert result["changes"]["changed_instances"] == {"agent-a": {"host": ["127.0.0.1", "10.0.0.1"],
                                                                  "port": [None, 2151]}}


def test_add_and_remove_instance():
    data = copy.deepcopy(WANT)
    data["instances"][1]["name"] = "agent-c"
    for node in data["nodes"]:
        if node["instance"] == "agent-b":
            node["instance"] = "agent-c"
    result = _changed(data)
    assert result["changes"]["added_instances"] == ["agent-c"]
    assert result["changes"]["removed_instances"] == ["agent-b"]
    assert sorted(result["changes"]["changed_nodes"]) == ["proxy", "worker-1", "worker-2"]
    assert result["changes"]["changed_nodes"]["worker-1"] == {"instance": ["agent-b", "agent-c"]}
    # proxy's auto-assigned port is no longer compared
    assert result["changes"]["changed_nodes"]["proxy"] == {"instance": ["agent-b", "agent-c"]}


def test_diff_headers_and_helpers_agree():
    data = copy.deepcopy(WANT)
    data["nodes"][3]["interface"] = "eth7"
    want_c, have_c = from_dict(data), deployed()
    d = diff(want_c, have_c, before_header="staged", after_header="wanted")
    assert d["before_header"] == "staged" and d["after_header"] == "wanted"
    full = compare(want_c, have_c)
    assert d["before"] == full["diff"]["before"] and d["after"] == full["diff"]["after"]
    assert changes(want_c, have_c) == full["changes"]
    assert "diff" not in compare(want_c, have_c, with_diff=False)
    default = diff(want_c, have_c)
    assert default["before_header"] == "deployed configuration"
    assert default["after_header"] == "desired configuration"


def test_ini_want_against_deployed_ini():
    # The seed documentation's flow: a config without ports, deployed with ports.
    want_c, _warnings = from_ini(fixture("deployed.ini").replace("port = 2201\n", "").replace("port = 2200\n", ""))
    have_c, _warnings = from_ini(fixture("deployed.ini"))
    assert not differs(want_c, have_c)
    have_c.node("worker-02").interface = "eth5"
    assert changes(want_c, have_c)["changed_nodes"] == {"worker-02": {"interface": ["eth5", "eth0"]}}


def test_comparison_does_not_mutate_inputs():
    w, h = want(), deployed()
    before = (repr(w), repr(h))
    compare(w, h)
    normalize(w, h)
    assert (repr(w), repr(h)) == before


@pytest.mark.parametrize("field,value", [("cpu_affinity", 3), ("metrics_port", 9100), ("interface", "")])
def test_any_explicit_field_change_is_detected(field, value):
    data = copy.deepcopy(WANT)
    data["nodes"][1][field] = value
    result = _changed(data)
    assert list(result["changes"]["changed_nodes"]["logger"]) == [field]


def test_normalised_ini_round_trip_is_stable():
    norm = normalize(deployed())
    text = cluster.to_ini(norm)
    again, _warnings = from_ini(text)
    # through .ini scripts get sorted (zeek-client's rule); nothing else changes
    assert cluster.to_ini(normalize(again)) == text


def test_normalised_results_are_detached_from_the_inputs():
    w, h = want(), deployed()
    want_n, have_n = normalize(w, h)
    want_n.nodes[0].env["NEW"] = "1"
    want_n.nodes[0].interface = "changed"
    have_n.nodes[0].port = 1
    assert not differs(w, h)
    alone = normalize(w)
    alone.node("worker-1").scripts.append("c.zeek")
    assert w.node("worker-1").scripts == ["b.zeek", "a.zeek"]
