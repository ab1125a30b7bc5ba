"""The WebSocket transport profiles, probed with a raw client (websockets' sync API).

Expected frames are those of controller-protocol.md §1 (Zeek >= 8.1:
WebSocket.cc; Zeek <= 8.0: Broker's json_client.cc and web_socket.cc).
"""

import json
import re
import threading
import uuid

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj

TOPIC = "zeek/management/controller"
API = "Management::Controller::API::"
ERR = "deserialization_failed"


def ws(emu, path="/v1/messages/json", **kwargs):
    return connect("ws://127.0.0.1:%d%s" % (emu.port, path), open_timeout=5, legacy=True, max_queue=None, **kwargs)


def recv_json(conn, timeout=3):
    return json.loads(conn.recv(timeout=timeout))


def peered(emu, topics=(TOPIC,)):
    conn = ws(emu)
    conn.send(json.dumps(list(topics)))
    ack = recv_json(conn)
    assert ack["type"] == "ack", ack
    return conn


def request(name, *args):
    return json.dumps(bj.data_message(TOPIC, bj.make_event(API + name, list(args))))


def recv_event(conn, timeout=3):
    """The next data message's event (name, args as typed values, full value)."""
    while True:
        frame = bj.decode_frame(conn.recv(timeout=timeout))
        if isinstance(frame, bj.DataMessage):
            event = bj.as_event(frame.value)
            return event, frame


def silent(conn, timeout=0.4):
    try:
        conn.recv(timeout=timeout)
    except TimeoutError:
        return True
    return False


def error(context, code=ERR):
    return {"type": "error", "code": code, "context": context}


# -- paths, headers, handshakes --------------------------------------------------


def test_bad_path_zeek_82(start_emulator):
    emu = start_emulator("--no-agents")
    conn = ws(emu, "/v0/messages/json")
    assert recv_json(conn) == error("Invalid URI - use /v1/messages/json", "invalid_uri")
    with pytest.raises(ConnectionClosed):
        conn.recv(timeout=3)
    assert conn.close_code == 1008
    assert conn.close_reason == "Invalid URI - use /v1/messages/json"


def test_bad_path_zeek_80(start_emulator):
    emu = start_emulator("--no-agents", zeek_version="8.0")
    with pytest.raises(InvalidStatus) as info:
        ws(emu, "/v0/messages/json")
    assert info.value.response.status_code == 400
    assert b"invalid path; try /v1/messages/json" in info.value.response.body
    peered(emu).close()  # the right path still works


def test_application_name_check(start_emulator):
    emu = start_emulator("--no-agents")
    conn = ws(emu, additional_headers={"X-Application-Name": "bad name!"})
    assert recv_json(conn) == error("Invalid X-Application-Name", "invalid_application_name")
    with pytest.raises(ConnectionClosed):
        conn.recv(timeout=3)
    assert conn.close_code == 1008
    good = ws(emu, additional_headers={"X-Application-Name": "netsec.zeek/tests:1@x"})
    good.send("[]")
    assert recv_json(good)["type"] == "ack"
    good.close()


def test_ack_formats(start_emulator):
    emu = start_emulator("--no-agents")
    acks = []
    for _round in range(2):
        conn = ws(emu)
        conn.send(json.dumps([TOPIC]))
        acks.append(recv_json(conn))
        conn.close()
    for ack in acks:
        assert set(ack) == {"type", "endpoint", "version"} and ack["version"] == "8.2.0"
        assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-websocket-\d+$", ack["endpoint"])
    uuids = [a["endpoint"].split("-websocket-")[0] for a in acks]
    counters = [int(a["endpoint"].split("-websocket-")[1]) for a in acks]
    assert uuids[0] == uuids[1] and counters[1] == counters[0] + 1

    old = start_emulator("--no-agents", zeek_version="8.0")
    acks = []
    for _round in range(2):
        conn = ws(old)
        conn.send("[]")
        acks.append(recv_json(conn))
        conn.close()
    assert acks[0] == acks[1]
    assert acks[0]["version"] == "2.8.0-dev"
    assert str(uuid.UUID(acks[0]["endpoint"])) == acks[0]["endpoint"]


@pytest.mark.parametrize("first, context", [
    ('["broken", "brrr', "subscriptions not an array"),
    ('{"topics": []}', "subscriptions not an array"),
    ("[1, 2]", "individual subscription not a string"),
    ('[1, "/my_topic"]', "individual subscription not a string"),
])
def test_bad_handshake_zeek_82(start_emulator, first, context):
    emu = start_emulator("--no-agents")
    conn = ws(emu)
    conn.send(first)
    assert recv_json(conn) == error(context)
    # The connection stays open, but no ack ever comes, and requests go unanswered.
    conn.send(request("get_instances_request", "r1"))
    assert silent(conn)
    conn.close()


def test_bad_handshake_zeek_80(start_emulator):
    emu = start_emulator("--no-agents", zeek_version="8.0")
    conn = ws(emu)
    conn.send('["broken", "brrr')
    with pytest.raises(ConnectionClosed):
        conn.recv(timeout=3)  # closed, and no JSON error frame before that


# -- data messages -----------------------------------------------------------------


BAD_MESSAGES_82 = [
    ("not json at all", "failed to decode JSON object"),
    ('{"type": "data-message", "topic": "%s", "@data-type": "money", "data": 5}' % TOPIC,
     "failed to decode JSON object"),
    ('{"type": "data-message", "topic": "%s", "@data-type": "count", "data": -4}' % TOPIC,
     "failed to decode JSON object"),
    ('{"type": "data-message", "@data-type": "count", "data": 1}', "no topic in top-level JSON object"),
    ('{"type": "data-message", "topic": "%s", "@data-type": "count", "data": 42}' % TOPIC,
     "failed to create Zeek event"),
    (request("no_such_request", "r1"), "failed to create Zeek event"),
    (request("get_instances_request", "r1", "extra"), "failed to create Zeek event"),
    (request("get_instances_request", bj.Count(42)), "failed to create Zeek event"),
    (request("get_id_value_request", "r1", "bits_per_uid"), "failed to create Zeek event"),  # nodes omitted
    (request("get_configuration_request", "r1", bj.Count(1)), "failed to create Zeek event"),
    (request("stage_configuration_request", "r1", bj.Vector(["c1", bj.Set(), bj.Set([bj.Vector([
        "m", "i", bj.Enum("Supervisor::MANAGER"), bj.Enum("Management::RUNNING"), None, None, None, None, None,
        bj.Table()])])])), "failed to create Zeek event"),  # a 10-field Node (Zeek <= 6)
    (request("stage_configuration_request", "r1", bj.Vector(["c1", bj.Set(), bj.Set([bj.Vector([
        "m", "i", bj.Enum("Supervisor::BOSS"), bj.Enum("Management::RUNNING"), None, None, None, None, None,
        bj.Table(), None])])])), "failed to create Zeek event"),  # unknown enum name
]


def test_error_frames_zeek_82(start_emulator):
    emu = start_emulator("--no-agents")
    conn = peered(emu)
    for text, context in BAD_MESSAGES_82:
        conn.send(text)
        assert recv_json(conn) == error(context), text
    conn.send(b"\x00\xffgarbage")
    assert recv_json(conn) == error("failed to decode JSON object")
    conn.send("[" * 100000 + "]" * 100000)
    assert recv_json(conn) == error("failed to decode JSON object")
    deep = '{"@data-type": "vector", "data": [' * 5000 + "]}" * 5000
    conn.send('{"type": "data-message", "topic": "%s", "@data-type": "vector", "data": [%s]}' % (TOPIC, deep))
    assert recv_json(conn) == error("failed to decode JSON object")
    # Still alive: a good request gets its answer.
    conn.send(request("get_instances_request", "alive"))
    event, _frame = recv_event(conn)
    assert event.name == API + "get_instances_response" and event.args[0] == "alive"
    conn.close()
    assert not emu.requests("no_such_request")


def test_error_frames_zeek_80(start_emulator):
    emu = start_emulator("--no-agents", zeek_version="8.0")
    conn = peered(emu)
    conn.send("not json")
    frame = recv_json(conn)
    assert frame["type"] == "error" and frame["code"] == ERR
    assert frame["context"].startswith("input #1 contained malformed JSON -> ")
    conn.send("[1, 2]")
    assert recv_json(conn) == error("input #2 expected a JSON object")
    conn.send('{"type": "data-message", "topic": "%s", "@data-type": "money", "data": 5}' % TOPIC)
    assert recv_json(conn) == error("input #3 contained invalid data")
    # Event-level problems are dropped silently by Zeek <= 8.0.
    for text, _context in BAD_MESSAGES_82[4:]:
        conn.send(text)
    assert silent(conn)
    conn.send(request("get_instances_request", "alive"))
    event, frame = recv_event(conn)
    assert event.name == API + "get_instances_response" and event.args[0] == "alive"
    assert event.metadata == []  # Zeek 8.0 always sends a (here empty) metadata vector
    conn.close()


def test_missing_mandatory_field_gets_no_response(start_emulator):
    emu = start_emulator("--no-agents")
    conn = peered(emu)
    node = bj.Vector(["m", None, bj.Enum("Supervisor::MANAGER"), bj.Enum("Management::RUNNING"), None, None,
                      None, None, None, bj.Table(), None])
    conn.send(request("stage_configuration_request", "r1", bj.Vector(["c1", bj.Set(), bj.Set([node])])))
    assert silent(conn, 0.6)  # no error frame either: the event converted, the handler failed
    conn.send(request("get_configuration_request", "r2", False))
    event, _frame = recv_event(conn)
    assert event.args[0] == "r2" and event.args[1][4] == "no staged configuration available"
    conn.close()


def test_duplicate_names_validation(start_emulator):
    """Errors zeek-client's INI cannot produce: duplicate instance and node names."""
    emu = start_emulator("--no-agents")
    conn = peered(emu)

    def node(name, role, port=None):
        return bj.NODE.to_broker({"name": name, "instance": "i1", "role": role,
                                  "p": port}, version="8.2")

    config = bj.Vector(["c1", bj.Set([bj.INSTANCE.to_broker({"name": "i1", "host": "10.0.0.1"}),
                                      bj.INSTANCE.to_broker({"name": "i1", "host": "10.0.0.2"}),
                                      bj.INSTANCE.to_broker({"name": "i1", "host": "10.0.0.3"})]),
                        bj.Set([node("n1", "MANAGER"), node("n1", "WORKER"), node("n1", "LOGGER", 5000)])])
    conn.send(request("stage_configuration_request", "dup", config))
    event, _frame = recv_event(conn)
    assert event.name == API + "stage_configuration_response" and event.args[0] == "dup"
    results = [bj.RESULT.from_broker(r) for r in event.args[1]]
    assert [r["error"] for r in results] == ["multiple instances named 'i1'", "multiple nodes named 'n1'"]
    assert all(r["reqid"] == "dup" and r["success"] is False for r in results)
    conn.close()


# -- fan-out -----------------------------------------------------------------------


def test_no_echo_and_broadcast(start_emulator):
    emu = start_emulator()
    alice = ws(emu)
    alice.send(json.dumps([TOPIC]))
    alice_number = int(recv_json(alice)["endpoint"].rsplit("-", 1)[1])
    bob = peered(emu)
    other_topic = peered(emu, topics=["zeek/other"])
    alice.send(request("get_instances_request", "from-alice"))
    # Alice gets the response, never her own request.
    event, _frame = recv_event(alice)
    assert (event.name, event.args[0]) == (API + "get_instances_response", "from-alice")
    assert silent(alice)
    # Bob sees Alice's request (published on a topic he subscribes to) and the response.
    event, _frame = recv_event(bob)
    assert (event.name, event.args[0]) == (API + "get_instances_request", "from-alice")
    event, _frame = recv_event(bob)
    assert (event.name, event.args[0]) == (API + "get_instances_response", "from-alice")
    assert event.metadata is None  # Zeek >= 8.1 sends no metadata by default
    # A client subscribed elsewhere sees nothing of it, but gets what is published on its topic.
    assert silent(other_topic)
    bob.send(json.dumps(bj.data_message("zeek/other/x", bj.make_event("Site::hello", ["hi"]))))
    assert recv_json(bob)["type"] == "error"  # 8.2: not an event the controller process knows
    assert silent(other_topic)
    for conn in (alice, bob, other_topic):
        conn.close()
    # The request log: one line for the one request, with Alice's connection number.
    assert [(r.name, r.reqid, r.client) for r in emu.requests()] == [
        ("get_instances_request", "from-alice", str(alice_number))]


def test_forwarding_zeek_80(start_emulator):
    """Broker forwards any valid data message to the other subscribers."""
    emu = start_emulator("--no-agents", zeek_version="8.0")
    alice, bob = peered(emu, topics=["zeek/"]), peered(emu, topics=["zeek/other"])
    alice.send(json.dumps(bj.data_message("zeek/other/x", bj.Count(7))))
    frame = bj.decode_frame(bob.recv(timeout=3))
    assert frame == bj.DataMessage("zeek/other/x", bj.Count(7))
    assert silent(alice)
    alice.close()
    bob.close()


def test_garbage_does_not_kill_server(start_emulator):
    emu = start_emulator("--no-agents")
    for payload in (b"\xff" * 1000, "{" * 5000, '{"@data-type": "vector", "data": [' * 200, "[]" * 10000):
        conn = peered(emu)
        conn.send(payload)
        conn.close()
    raw = ws(emu)
    raw.send("x" * 100000)  # as a handshake
    raw.close()
    conn = peered(emu)
    conn.send(request("get_instances_request", "still-here"))
    event, _frame = recv_event(conn)
    assert event.args[0] == "still-here"
    conn.close()
    assert emu.running


def test_fifty_concurrent_clients(start_emulator):
    emu = start_emulator()
    count = 50
    results, errors = {}, []
    barrier = threading.Barrier(count)

    def client(index):
        try:
            conn = peered(emu)
            barrier.wait(timeout=20)
            reqid = "client-%d" % index
            conn.send(request("get_instances_request", reqid))
            while True:
                event, _frame = recv_event(conn, timeout=20)
                if event.name == API + "get_instances_response" and event.args[0] == reqid:
                    results[index] = bj.RESULT.from_broker(event.args[1])
                    break
            conn.close()
        except Exception as err:  # reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == count
    assert all(r["success"] and len(r["data"]) == 1 for r in results.values())
    assert len(emu.requests("get_instances_request")) == count


# -- TLS ---------------------------------------------------------------------------


def test_anonymous_tls_is_brokers(start_emulator):
    """8.0 --tls: anonymous ECDH (AECDH-AES256-SHA), TLS 1.2, no server certificate."""
    import ssl

    from interop_helpers import EmulatorError, EmulatorProcess

    emu = start_emulator("--no-agents", "--tls", zeek_version="8.0")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("AECDH-AES256-SHA@SECLEVEL=0")
    with connect("wss://127.0.0.1:%d/v1/messages/json" % emu.port, ssl=ctx, open_timeout=5) as conn:
        sock = conn.socket
        assert sock.cipher()[0] == "AECDH-AES256-SHA"
        assert sock.version() == "TLSv1.2"
        assert sock.getpeercert(binary_form=True) is None
        conn.send("[]")
        ack = json.loads(conn.recv(timeout=3))
        assert ack["type"] == "ack" and ack["version"] == "2.8.0-dev"
    # A client insisting on authenticated ciphers gets no handshake.
    strict = ssl.create_default_context()
    strict.check_hostname = False
    strict.verify_mode = ssl.CERT_NONE
    with pytest.raises(ssl.SSLError):
        connect("wss://127.0.0.1:%d/v1/messages/json" % emu.port, ssl=strict, open_timeout=5)

    # Zeek >= 8.1 has no anonymous TLS: the emulator refuses to start that way.
    with pytest.raises(EmulatorError):
        with EmulatorProcess("--no-agents", "--tls", zeek_version="8.2", startup_timeout=10):
            pass


# -- result shapes (controller-protocol.md §4.4, §10 fact 7) -----------------------


def _stage_and_deploy(conn, config, reqid):
    conn.send(request("stage_configuration_request", "s-" + reqid, config))
    event, _frame = recv_event(conn)
    assert event.name == API + "stage_configuration_response"
    conn.send(request("deploy_request", reqid))
    while True:
        event, _frame = recv_event(conn, timeout=10)
        if event.name == API + "deploy_response" and event.args[0] == reqid:
            return [bj.RESULT.from_broker(r) for r in event.args[1]]


def test_deploy_result_shapes(start_emulator):
    emu = start_emulator("--agent", "a1", "--interfaces", "lo", "--agent-timeout", "1")
    conn = peered(emu)

    def config(config_id, iface):
        nodes = [bj.NODE.to_broker({"name": "manager", "instance": "a1", "role": "MANAGER"}, version="8.2"),
                 bj.NODE.to_broker({"name": "worker", "instance": "a1", "role": "WORKER", "interface": iface},
                                   version="8.2")]
        return bj.Vector([config_id, bj.Set([bj.INSTANCE.to_broker({"name": "a1"})]), bj.Set(nodes)])

    results = _stage_and_deploy(conn, config("cfg-1", "lo"), "d1")
    # Agent results first (the agent's own request id, instance and node set),
    # the controller's result with the config id last.
    assert [(r["success"], r["instance"], r["node"], r["error"]) for r in results] == [
        (True, "a1", "manager", None), (True, "a1", "worker", None), (True, None, None, None)]
    assert results[-1]["reqid"] == "d1" and results[-1]["data"] == "cfg-1"
    agent_reqids = set(r["reqid"] for r in results[:-1])
    assert len(agent_reqids) == 1 and "d1" not in agent_reqids

    # Same id again: the agent restarts nothing and reports no nodes.
    conn.send(request("deploy_request", "d2"))
    event, _frame = recv_event(conn)
    results = [bj.RESULT.from_broker(r) for r in event.args[1]]
    assert [(r["success"], r["instance"], r["node"], r["data"]) for r in results] == [
        (True, "a1", None, None), (True, None, None, "cfg-1")]

    # A failing worker: the agent's timeout result comes before the node results.
    results = _stage_and_deploy(conn, config("cfg-2", "eth9"), "d3")
    assert [(r["success"], r["instance"], r["node"], r["error"]) for r in results] == [
        (False, "a1", None, "request timed out"), (True, "a1", "manager", None),
        (False, "a1", "worker", None), (True, None, None, None)]
    assert results[2]["data"] == bj.Vector(["", "fatal error: problem with interface eth9 "
                                                "(pcap_error: No such device exists (pcap_activate))"])
    assert results[-1]["data"] == "cfg-2"
    conn.close()
