"""Issue 11 (items 5, 6, 7, 10, 11, 17, 18): bad parameters and a hostile or mismatched endpoint,
through real ansible-playbook against the emulator. Each failure is the module's own message,
in the one failure shape (msg plus a ``failure`` dict), and bad parameters send nothing."""
import json

import pytest
from emulated import AGENT

BAD_NUMBERS = [
    ("timeout -1", "netsec.zeek.instances_info", {"timeout": -1}, "timeout"),
    ("timeout nan", "netsec.zeek.nodes_info", {"timeout": float("nan")}, "timeout"),
    ("wait_timeout inf", "netsec.zeek.cluster_config",
     {"config": {"nodes": [{"name": "manager", "instance": AGENT, "role": "manager"}]}, "wait": True,
      "wait_timeout": float("inf")}, "wait_timeout"),
    ("wait_sleep 0", "netsec.zeek.node_restart", {"wait": True, "wait_sleep": 0}, "wait_sleep"),
    ("option wait_sleep 0", "netsec.zeek.option", {"name": "Weird::sampling_threshold", "value": 5, "wait_sleep": 0}, "wait_sleep"),
    ("websocket_timeout 0", "netsec.zeek.event", {"name": "Netsec::ping", "topic": "t", "websocket_timeout": 0}, "websocket_timeout"),
    ("reply_timeout -5", "netsec.zeek.event", {
        "name": "Netsec::ping", "topic": "t", "reply_topic": "r", "reply_event": "Netsec::pong", "reply_timeout": -5},
     "reply_timeout"),
    ("max_message_size 0", "netsec.zeek.instances_info", {"max_message_size": 0}, "max_message_size"),
]

BAD_HOSTS = [
    ("host with port", "netsec.zeek.instances_info", {"controller_host": "127.0.0.1:2149"},
     "controller_host must be a host name or an address without a port, a path or a scheme; got "
     "'127.0.0.1:2149'. Put the port in controller_port (controller_port: 2149)"),
    ("host with scheme", "netsec.zeek.instances_info", {"controller_host": "ws://127.0.0.1"},
     "controller_host must be a host name or an address without a port, a path or a scheme; got 'ws://127.0.0.1'"),
    ("host with path", "netsec.zeek.nodes_info", {"controller_host": "127.0.0.1/v1/messages/json"},
     "got '127.0.0.1/v1/messages/json'"),
    ("bracketed v6 with port", "netsec.zeek.instances_info", {"controller_host": "[::1]:2149"},
     "Put the port in controller_port (controller_port: 2149)"),
    ("listener host with port", "netsec.zeek.event", {"name": "Netsec::ping", "topic": "t",
                                                      "websocket_host": "localhost:27759"},
     "websocket_host must be a host name or an address without a port, a path or a scheme; got "
     "'localhost:27759'. Put the port in websocket_port (websocket_port: 27759)"),
]


def task(label, module, args):
    return {"name": label, module: args, "ignore_errors": True}


def test_bad_numbers_and_hosts_fail_before_anything_is_sent(play, emulator, tmp_path):
    files_dir = tmp_path / "play"
    files_dir.mkdir()
    (files_dir / "latin1.ini").write_bytes("[manager]\ninstance = agent-s\xe9nsor1\nrole = manager\n".encode("latin-1"))
    tasks = [task(label, module, args) for label, module, args, _words in BAD_NUMBERS + BAD_HOSTS]
    tasks.append(task("src not utf-8", "netsec.zeek.cluster_config", {"src": str(files_dir / "latin1.ini")}))
    run = play(tasks)
    for label, _module, _args, option in BAD_NUMBERS:
        result = run.task(label)
        assert result["status"] == "failed", label
        assert result["result"]["msg"].startswith("%s must be a number of seconds greater than 0" % option) or \
            result["result"]["msg"].startswith("%s must be a whole number greater than 0" % option), result
        assert result["result"]["failure"]["kind"] == "argument"
        assert "Traceback" not in str(result["result"])
    nan = run.task("timeout nan")["result"]["msg"]
    assert "got nan" in nan
    for label, _module, _args, words in BAD_HOSTS:
        result = run.task(label)
        assert result["status"] == "failed" and words in result["result"]["msg"], (label, result)
        assert result["result"]["failure"] == {"kind": "argument"}
    latin1 = run.task("src not utf-8")
    assert latin1["status"] == "failed"
    assert latin1["result"]["msg"].startswith("src %s is not UTF-8 text" % (files_dir / "latin1.ini"))
    assert "Traceback" not in str(latin1["result"])
    assert emulator.requests() == []


@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_an_ipv6_literal_is_a_host_not_a_port(play, emulator, host):
    run = play([task("v6", "netsec.zeek.instances_info", {"controller_host": host, "retries": 1})])
    result = run.task("v6")["result"]
    # Nothing listens on ::1 here: the address was taken and tried, not refused as an argument.
    assert result["failure"]["kind"] == "unreachable"
    assert "ws://[::1]:%d/v1/messages/json" % emulator.port in result["msg"]


def test_tls_against_a_plain_controller_says_tls_false_and_warns_about_validate_certs(play, emulator):
    run = play([task("wss", "netsec.zeek.instances_info", {"tls": True, "validate_certs": False, "retries": 1})])
    result = run.task("wss")["result"]
    assert result["failure"]["kind"] == "tls"
    assert "speaks plain ws://" in result["msg"] and "tls: false" in result["msg"]
    assert any("validate_certs is false" in w and "certificate and host name are not checked" in w
               for w in result.get("warnings", [])), result


def test_an_answer_over_max_message_size_fails_clearly(play, emulator):
    config = {"nodes": [{"name": "manager", "instance": AGENT, "role": "manager"},
                        {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"}]}
    run = play([
        {"name": "stage", "netsec.zeek.cluster_config": {"config": config, "state": "staged"}},
        task("small", "netsec.zeek.cluster_config_info", {"max_message_size": 200}),
        task("enough", "netsec.zeek.cluster_config_info", {}),
    ])
    small = run.task("small")["result"]
    assert small["failure"]["kind"] == "too_big"
    assert "larger than max_message_size (200 bytes)" in small["msg"] and "Raise max_message_size" in small["msg"]
    assert run.task("enough")["result"]["exists"] is True


def test_the_emulator_takes_messages_as_large_as_zeek_does(emulator):
    """Zeek >= 8.1 sets no message size limit (IXWebSocket); the emulator closed at 16 MiB with 1009."""
    from websockets.sync.client import connect

    with connect(emulator.url, max_size=None, open_timeout=10) as conn:
        conn.send("[]")
        assert json.loads(conn.recv(timeout=10))["type"] == "ack"
        conn.send(json.dumps({"type": "data-message", "topic": "netsec/nobody", "@data-type": "string",
                              "data": "a" * (17 * 2 ** 20)}))
        # Still open: a message that is no event gets the 8.2 profile's error frame, not a close.
        conn.send(json.dumps({"type": "data-message", "topic": "zeek/management/controller",
                              "@data-type": "string", "data": "no event"}))
        answer = json.loads(conn.recv(timeout=30))
    assert answer["type"] == "error"
