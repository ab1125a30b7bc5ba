"""netsec.zeek.option without a controller: values read through the WebSocket listener.

A real Zeek 9.0.0-rc1 standalone node (no Management Framework, as on a Zeek 9 host) with
the listener netsec.zeek.install renders for it (websocket.zeek: the ZeroMQ backend with its
proxy thread, which a standalone Zeek >= 8.1 needs to deliver a client's events) and
roles/systemd_cluster/files/option_values.zeek, which answers NetsecOptions::query and, on a
standalone node, handles Config::cluster_set_option. ``read_values_from: listener``: check
mode predicts, the real run sets (Site::local_nets as Zeek's change handler transforms it),
a second run is unchanged; an independent NetsecOptions::query through netsec.zeek.event
proves the node's values.
"""
import ipaddress
import json
import os
import sys

import pytest
import yaml

# backends sets up sys.path for the helpers below.
import backends  # noqa: F401  pylint: disable=unused-import
import zeek_dist
from playbook import run_playbook

from ansible_collections.netsec.zeek.plugins.module_utils import option_semantics

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "roles"))

import real_zeek  # noqa: E402  pylint: disable=wrong-import-position

ZEEK9 = "9.0.0-rc1"
OPTION_VALUES = os.path.join(REPO, "roles", "systemd_cluster", "files", "option_values.zeek")
TEMPLATE = os.path.join(REPO, "roles", "install", "templates", "websocket.zeek.j2")
NODE = "standalone"
DESIRED = ["193.0.0.0/21", "10.0.0.0/8"]


def _zeek9():
    try:
        return zeek_dist.find_zeek(ZEEK9)
    except zeek_dist.ZeekUnavailable as exc:
        if zeek_dist.SHARED_ZEEK.is_dir():
            pytest.fail("%s exists but: %s" % (zeek_dist.SHARED_ZEEK, exc.reason), pytrace=False)
        pytest.skip("real-Zeek tier did not run: %s" % exc.reason)
    except zeek_dist.ZeekBroken as exc:
        pytest.fail(str(exc), pytrace=False)
    return None


class Node(object):
    def __init__(self, ws_port, tmp_path):
        self.ws_port = ws_port
        self.tmp_path = tmp_path
        self.runs = 0

    def play(self, tasks, check=False, diff=False):
        self.runs += 1
        listener = {"websocket_host": "127.0.0.1", "websocket_port": str(self.ws_port)}
        defaults = {"netsec.zeek.option": dict(listener, read_values_from="listener", wait_sleep=0.3,
                                               wait_timeout=30, controller_port="1"),
                    "netsec.zeek.event": listener}
        return run_playbook(self.tmp_path, tasks, check=check, diff=diff, module_defaults=defaults,
                            name="run-%d" % self.runs)

    def values(self, ids):
        """The node's values, asked independently of the option module (NetsecOptions::query)."""
        self.runs += 1
        reqid = "test-%d" % self.runs
        run = self.play([{"name": "ask", "netsec.zeek.event": {
            "name": "NetsecOptions::query", "args": [reqid, ids, "netsec/test/" + reqid],
            "topic": "zeek.cluster.manager", "reply_topic": "netsec/test/" + reqid,
            "reply_event": "NetsecOptions::values", "reply_match": "first_arg", "reply_timeout": 20}}])
        assert run.returncode == 0, run
        _reqid, values, types, missing = run.task("ask")["result"]["reply"]["args"]
        assert missing == [] and sorted(values) == [NODE], values
        return dict((name, json.loads(text)) for name, text in values[NODE].items()), types


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    zeek = _zeek9()
    tmp = tmp_path_factory.mktemp("option-listener")
    run_dir = tmp / "node"
    run_dir.mkdir()
    ws_port = real_zeek.free_ports(1)[0]
    env = Node(ws_port, tmp)
    # The role's own template, rendered for this Zeek (standalone listener on loopback).
    with open(os.path.join(REPO, "roles", "install", "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    variables = dict((k, v) for k, v in defaults.items() if k.startswith("zeek_install_websocket"))
    variables.update(__zeek_install_zeek_version=zeek.version, zeek_install_websocket_address="127.0.0.1",
                     zeek_install_websocket_port=ws_port, zeek_install_websocket_standalone=True)
    rendered = run_playbook(tmp, [{"name": "render", "ansible.builtin.template": {
        "src": TEMPLATE, "dest": str(run_dir / "websocket.zeek")}, "vars": variables}], name="render")
    assert rendered.returncode == 0, rendered
    procs = real_zeek.Processes(run_dir)
    try:
        procs.start("zeek", [zeek.bin("zeek"), "websocket.zeek", OPTION_VALUES], cwd=run_dir, env=zeek.env())
        procs.wait_port("zeek", ws_port)
        yield env
    finally:
        procs.stop_all()


def test_check_mode_predicts_the_real_run_and_a_rerun_changes_nothing(node):
    before, types = node.values(["Site::local_nets", "Site::private_address_space", "Weird::sampling_threshold"])
    private = set(before["Site::private_address_space"])
    assert types["Site::local_nets"] == "set[subnet]" and len(private) == 42
    assert set(before["Site::local_nets"]) == private  # a fresh node: Zeek's private ranges, not []
    predicted = sorted(private | {"193.0.0.0/21"}, key=json.dumps)
    task = {"name": "set", "netsec.zeek.option": {"options": [
        {"name": "Site::local_nets", "value": DESIRED}, {"name": "Weird::sampling_threshold", "value": 77}]}}

    check = node.play([task], check=True, diff=True)
    assert check.returncode == 0, check
    result = check.task("set")["result"]
    assert result["changed"] is True and result["published"] == []
    assert [o["nodes_changed"] for o in result["options"]] == [[NODE], [NODE]]
    after = result["diff"]["after"]
    assert set(after["Site::local_nets"][NODE]) == set(predicted)
    assert after["Weird::sampling_threshold"] == {NODE: 77}
    assert result["diff"]["before"]["Weird::sampling_threshold"] == {NODE: 25}
    assert node.values(["Weird::sampling_threshold"])[0] == {"Weird::sampling_threshold": 25}, "check mode set it"

    real = node.play([task], diff=True)
    assert real.returncode == 0, real
    result = real.task("set")["result"]
    assert result["changed"] is True and result["published"] == ["Site::local_nets", "Weird::sampling_threshold"]
    assert result["diff"] == check.task("set")["result"]["diff"]
    now, _types = node.values(["Site::local_nets", "Weird::sampling_threshold"])
    assert now["Weird::sampling_threshold"] == 77
    assert set(now["Site::local_nets"]) == set(predicted)
    want = frozenset(ipaddress.ip_network(text).compressed for text in DESIRED)
    assert option_semantics.constants_inferred(
        {option_semantics.LOCAL_NETS: before["Site::local_nets"],
         option_semantics.PRIVATE_SPACE: before["Site::private_address_space"]})[option_semantics.PRIVATE_IS_LOCAL]
    assert want < frozenset(now["Site::local_nets"])

    for check_mode in (True, False):
        again = node.play([task], check=check_mode)
        assert again.returncode == 0, again
        result = again.task("set")["result"]
        assert result["changed"] is False and result["published"] == [], result


def test_an_unknown_option_or_an_unreachable_listener_is_a_clear_error(node):
    run = node.play([dict({"name": "unknown", "netsec.zeek.option": {
        "name": "No::such_option", "value": 1, "type": "count"}}, ignore_errors=True)])
    result = run.task("unknown")["result"]
    assert run.task("unknown")["status"] == "failed"
    assert result["failure"]["kind"] == "no_values" and result["published"] == []
    assert "No::such_option is not an option on standalone" in result["msg"], result["msg"]

    # Nothing listens there: the listener is named, no controller is tried (controller_port is 1).
    silent = node.play([dict({"name": "silent", "netsec.zeek.option": {
        "name": "Weird::sampling_threshold", "value": 5, "read_timeout": 1,
        "websocket_port": str(real_zeek.free_ports(1)[0]), "websocket_retries": 1}}, ignore_errors=True)])
    assert silent.task("silent")["result"]["failure"]["kind"] == "unreachable"
