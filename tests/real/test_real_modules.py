"""The runtime modules against a real cluster: option through the manager's WebSocket listener,
event with a real Zeek script answering, and Site::local_nets as real nodes report it.

One real Zeek 8.2.2 Management Framework (controller, agent, Supervisor-run manager, logger
and a worker sniffing lo) for the module. The manager loads
``policy/frameworks/cluster/websocket/server`` (listening on a free loopback port given by
``ZEEK_WEBSOCKET_LISTEN_ADDRESS``/``ZEEK_WEBSOCKET_LISTEN_PORT`` in its ``env``) and
tests/real/zeek/netsec_ping.zeek.
"""
import ipaddress
import json
import os

import pytest

# Imported for its side effect: it puts the helpers below on sys.path.
import backends  # noqa: F401  pylint: disable=unused-import
from playbook import run_playbook
from real_mgmt import RealManagement, free_port

from ansible_collections.netsec.zeek.plugins.module_utils import option_semantics, runtime_options

HERE = os.path.dirname(os.path.abspath(__file__))
PING_SCRIPT = os.path.join(HERE, "zeek", "netsec_ping.zeek")
NODES = ["logger", "manager", "worker-01"]


class Cluster(object):
    def __init__(self, mgmt, ws_port, tmp_path):
        self.mgmt = mgmt
        self.ws_port = ws_port
        self.tmp_path = tmp_path
        self.runs = 0

    def play(self, tasks, check=False, diff=False):
        self.runs += 1
        defaults = {"group/netsec.zeek.controller": {"controller_port": self.mgmt.port, "timeout": 90},
                    "netsec.zeek.option": {"websocket_port": str(self.ws_port), "wait_sleep": 0.5,
                                           "wait_timeout": 60},
                    "netsec.zeek.event": {"websocket_port": str(self.ws_port)}}
        return run_playbook(self.tmp_path, tasks, check=check, diff=diff, module_defaults=defaults,
                            name="run-%d" % self.runs)

    def values(self, name):
        run = self.play([{"name": "read", "netsec.zeek.id_value_info": {"id": name}}])
        assert run.returncode == 0, run
        return run.task("read")["result"]["node_values"]


@pytest.fixture(scope="module")
def cluster(zeek, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real-modules")
    ws_port = free_port()
    mgmt = RealManagement(zeek, tmp / "mgmt")
    mgmt.start()
    try:
        env = Cluster(mgmt, ws_port, tmp)
        config = {"instances": [{"name": mgmt.agent_name}], "nodes": [
            {"name": "manager", "instance": mgmt.agent_name, "role": "manager",
             "scripts": ["policy/frameworks/cluster/websocket/server", PING_SCRIPT],
             "env": {"ZEEK_WEBSOCKET_LISTEN_ADDRESS": "127.0.0.1", "ZEEK_WEBSOCKET_LISTEN_PORT": str(ws_port)}},
            {"name": "logger", "instance": mgmt.agent_name, "role": "logger"},
            {"name": "worker-01", "instance": mgmt.agent_name, "role": "worker", "interface": "lo"}]}
        run = env.play([{"name": "deploy", "netsec.zeek.cluster_config": {"config": config, "wait": True,
                                                                          "wait_sleep": 0.5}}])
        assert run.returncode == 0, (run, mgmt.node_file("manager", "stderr"))
        yield env
    finally:
        mgmt.stop()


def test_option_reaches_every_real_node(cluster):
    set_task = {"name": "set", "netsec.zeek.option": {"name": "Weird::sampling_threshold", "value": 77}}
    check = cluster.play([set_task], check=True)
    assert check.returncode == 0, check
    assert check.task("set")["result"]["changed"] is True
    assert set(cluster.values("Weird::sampling_threshold").values()) == {25}, "check mode changed a node"
    real = cluster.play([set_task])
    assert real.returncode == 0, real
    assert real.task("set")["result"]["changed"] is True
    # Config::cluster_set_option reached the manager through its WebSocket listener and
    # every node applied it: the real nodes report the new value.
    assert cluster.values("Weird::sampling_threshold") == {name: 77 for name in NODES}
    again = cluster.play([set_task])
    assert again.returncode == 0, again
    assert again.task("set")["result"]["changed"] is False


def test_event_answered_by_a_real_zeek_script(cluster):
    run = cluster.play([{"name": "ping", "register": "pong", "netsec.zeek.event": {
        "name": "Netsec::ping", "args": ["req-4711", "hello"], "topic": "zeek/cluster/manager",
        "reply_topic": "netsec/pong", "reply_event": "Netsec::pong", "reply_match": "first_arg",
        "reply_timeout": 30}}])
    assert run.returncode == 0, run
    reply = run.task("ping")["result"]["reply"]
    assert reply["name"] == "Netsec::pong" and reply["topic"] == "netsec/pong"
    reqid, payload, node, nodes, uptime = reply["args"]
    assert (reqid, payload, node) == ("req-4711", "hello", "manager")
    assert sorted(nodes) == NODES and uptime > 0


def test_local_nets_prediction_is_what_real_nodes_report(cluster):
    """Item 8: Zeek's change handler merges Site::private_address_space into Site::local_nets.

    option_semantics.predict() says what each node will report; the real nodes report
    exactly that, and not the value that was set. The module compares and waits against the
    prediction: check mode predicts the real run, the real run converges, a rerun is unchanged.
    """
    desired = ["198.51.100.0/24", "203.0.113.0/25", "193.0.0.0/21"]
    context = {name: cluster.values(name) for name in option_semantics.context_ids(option_semantics.LOCAL_NETS)}
    set_task = {"name": "set", "netsec.zeek.option": {"name": "Site::local_nets", "value": desired}}
    ztype = runtime_options.zeek_type("set[subnet]", "Site::local_nets")
    want = frozenset(ipaddress.ip_network(text).compressed for text in desired)
    predicted = {node: option_semantics.predict(option_semantics.LOCAL_NETS, want,
                                                {k: v[node] for k, v in context.items()}) for node in NODES}

    check = cluster.play([set_task], check=True, diff=True)
    assert check.returncode == 0, check
    checked = check.task("set")["result"]
    assert checked["changed"] is True and checked["published"] == []
    after = checked["diff"]["after"]["Site::local_nets"]
    assert {node: frozenset(after[node]) for node in NODES} == predicted

    real = cluster.play([set_task])
    assert real.returncode == 0, real
    assert real.task("set")["result"]["changed"] is True
    values = cluster.values("Site::local_nets")
    reported = {node: runtime_options.canonical_reported(ztype, value) for node, value in values.items()}
    assert reported == predicted, json.dumps(values)[:2000]
    assert all(value != want and want < value for value in reported.values())
    assert all(context[option_semantics.PRIVATE_IS_LOCAL][node] is True for node in NODES)

    again = cluster.play([set_task], check=True)
    assert again.returncode == 0 and again.task("set")["result"]["changed"] is False, again
    again = cluster.play([set_task])
    assert again.returncode == 0 and again.task("set")["result"]["changed"] is False, again
    assert again.task("set")["result"]["published"] == []
