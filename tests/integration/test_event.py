"""Issue 5: netsec.zeek.event through real ansible-playbook against the emulator's cluster
WebSocket listener (forced with --cluster-websocket), plus the listener's own transport
behaviour per version profile.

The reply round trip uses the emulator's documented test fixture
Netsec::ping(reqid, payload) -> Netsec::pong(reqid, payload, node, nodes, uptime)
on topic netsec/pong (emulator/README.md).
"""
import functools

import pytest

from emulator_process import EmulatorProcess
from playbook import run_playbook
from test_option import AGENT, free_port

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj
from ansible_collections.netsec.zeek.plugins.module_utils.controller import Controller
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session, TransportError

NODES = [
    {"name": "manager", "instance": AGENT, "role": "manager"},
    {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},
]
PING = {"name": "Netsec::ping", "args": ["req-1", "hello"], "topic": "zeek/cluster/manager",
        "reply_topic": "netsec/pong", "reply_event": "Netsec::pong", "reply_timeout": 20}


def start(zeek_version="8.2"):
    ws_port = free_port()
    emu = EmulatorProcess("--interfaces", "lo,eth0", "--node-start-delay", "0.1",
                          "--cluster-websocket", "127.0.0.1:%d" % ws_port, agents=[AGENT], zeek_version=zeek_version)
    return emu.start(), ws_port


@pytest.fixture(scope="module")
def listener(tmp_path_factory):
    emu, ws_port = start()
    try:
        defaults = {"group/netsec.zeek.controller": {"controller_port": emu.port, "timeout": 10},
                    "group/netsec.zeek.websocket": {"websocket_port": "%d/tcp" % ws_port}}
        play = functools.partial(run_playbook, tmp_path_factory.mktemp("event"), module_defaults=defaults)
        deploy_task = {"config": {"nodes": NODES}, "wait": True, "wait_sleep": 0.2}
        run = play([{"name": "deploy", "netsec.zeek.cluster_config": deploy_task}], name="deploy")
        assert run.returncode == 0, run
        yield emu, ws_port, play
    finally:
        emu.cleanup()


def cluster_lines(emu, kind):
    return [line for line in emu.log_lines() if " %s " % kind in line]


def test_publish_reply_round_trip_and_typed_args(listener):
    emu, _ws_port, play = listener
    run = play([
        {"name": "ping", "netsec.zeek.event": dict(PING, reply_match="first_arg")},
        {"name": "set by event", "netsec.zeek.event": {
            "name": "Config::cluster_set_option", "topic": "zeek/cluster/manager",
            "args": ["Site::neighbor_nets", {"type": "set[subnet]", "value": ["198.51.100.0/24"]}, "by-event"]}},
        {"name": "read", "netsec.zeek.id_value_info": {"id": "Site::neighbor_nets"}},
    ], name="round-trip")
    assert run.returncode == 0, run
    ping = run.task("ping")["result"]
    assert ping["changed"] is True and ping["published"] is True and ping["errors"] == []
    assert ping["event"] == {"name": "Netsec::ping", "topic": "zeek/cluster/manager", "args": [
        {"@data-type": "string", "data": "req-1"}, {"@data-type": "string", "data": "hello"}]}
    reply = ping["reply"]
    assert reply["name"] == "Netsec::pong" and reply["topic"] == "netsec/pong"
    reqid, payload, node, nodes, uptime = reply["args"]
    assert (reqid, payload, node, sorted(nodes)) == ("req-1", "hello", "manager", ["manager", "worker-01"])
    assert isinstance(uptime, float) and uptime >= 0
    typed = run.task("set by event")["result"]
    assert typed["changed"] is True and typed["event"]["args"][1] == {
        "@data-type": "set", "data": [{"@data-type": "subnet", "data": "198.51.100.0/24"}]}
    assert set(map(tuple, run.task("read")["result"]["node_values"].values())) == {("198.51.100.0/24",)}
    assert "option-set node=worker-01 id=Site::neighbor_nets location=by-event" in \
        [line.split(" ", 1)[1] for line in cluster_lines(emu, "option-set")]


def test_check_mode_publishes_nothing(listener):
    emu, _ws_port, play = listener
    connects = len(cluster_lines(emu, "cluster-connect"))
    run = play([{"name": "ping", "netsec.zeek.event": PING}], check=True, name="check")
    assert run.returncode == 0, run
    result = run.task("ping")["result"]
    assert result["changed"] is True and result["published"] is False and "reply" not in result
    assert len(cluster_lines(emu, "cluster-connect")) == connects


def test_refusals(listener):
    emu, _ws_port, play = listener
    events = len(cluster_lines(emu, "cluster-event"))
    down = free_port()
    run = play([
        {"name": "unknown event", "ignore_errors": True,
         "netsec.zeek.event": {"name": "Netsec::no_such_event", "args": [1], "topic": "zeek/cluster/manager"}},
        {"name": "bad arg", "ignore_errors": True,
         "netsec.zeek.event": {"name": "Netsec::ping", "args": [{"type": "count", "value": -1}, "x"],
                               "topic": "zeek/cluster/manager"}},
        {"name": "no reply", "ignore_errors": True,
         "netsec.zeek.event": dict(PING, reply_event="Netsec::never", reply_timeout=1)},
        {"name": "listener down", "ignore_errors": True,
         "netsec.zeek.event": dict(PING, websocket_port=str(down), websocket_retries=1)},
    ], name="refusals")
    unknown = run.task("unknown event")
    assert unknown["status"] == "failed" and unknown["result"]["published"] is True
    assert "refused event Netsec::no_such_event: deserialization_failed: failed to create Zeek event" in \
        unknown["result"]["msg"]
    bad = run.task("bad arg")
    assert bad["status"] == "failed" and bad["result"]["error_kind"] == "value"
    assert bad["result"]["msg"].startswith("Event Netsec::ping: args[0]: count cannot be negative")
    silent = run.task("no reply")
    assert silent["status"] == "failed"
    assert silent["result"]["msg"] == ("No Netsec::never arrived on netsec/pong within 1.0s after Netsec::ping "
                                       "was published to zeek/cluster/manager.")
    gone = run.task("listener down")["result"]
    assert run.task("listener down")["status"] == "failed" and gone["published"] is False
    assert gone["msg"].startswith("Zeek WebSocket listener 127.0.0.1:%d: cannot reach 127.0.0.1:%d" % (down, down))
    # Only the ping of "no reply" reached the manager (the unknown event was refused by the transport).
    assert len(cluster_lines(emu, "cluster-event")) == events + 1


def deploy(emu):
    nodes = [dict(n, role="Supervisor::%s" % n["role"].upper()) for n in NODES]
    with Controller(port=emu.port, timeout=10) as controller:
        controller.stage_configuration(bj.CONFIGURATION.to_broker({"id": "c-80", "instances": [{"name": AGENT}],
                                                                   "nodes": nodes}, version="8.2"))
        assert controller.deploy()["success"]


def test_listener_profile_80_is_silent_and_never_echoes():
    emu, ws_port = start("8.0")
    try:
        deploy(emu)
        with Session(port=ws_port, topics=("zeek/cluster/", "netsec/"), timeout=5) as watcher, \
                Session(port=ws_port, topics=("zeek/cluster/", "netsec/"), timeout=5) as client:
            assert client.ack.version == "2.8.0-dev"
            client.publish("zeek/cluster/manager", bj.make_event("Netsec::no_such_event", []))
            client.publish("zeek/cluster/manager", bj.make_event("Config::cluster_set_option",
                                                                 ["Weird::sampling_rate", bj.Count(9), "x"]))
            # The other client sees both publications (fan-out), then the manager's broadcasts of the
            # option; the publisher sees only those broadcasts, never its own messages.
            seen = [bj.as_event(watcher.receive_until(lambda m: True, 5).value).name for _i in range(3)]
            assert seen == ["Netsec::no_such_event", "Config::cluster_set_option", "Config::cluster_set_option"]
            received = []
            with pytest.raises(TransportError) as err:
                client.receive_until(lambda m: received.append(m) and False, 1)
            assert err.value.kind == "timeout" and client.error_frames == []  # 8.0: no error frame
            assert [m.topic for m in received] == ["zeek/cluster/logger", "zeek/cluster/manager",
                                                   "zeek/cluster/proxy", "zeek/cluster/worker"]
            assert {bj.as_event(m.value).name for m in received} == {"Config::cluster_set_option"}
        lines = [line.split(" ", 1)[1] for line in emu.log_lines()]
        assert "warning cluster-client=1 no handler for event 'Netsec::no_such_event', dropped" in lines
        assert "option-set node=worker-01 id=Weird::sampling_rate location=x" in lines
    finally:
        emu.cleanup()
