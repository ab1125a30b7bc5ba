"""The codec: every @data-type both ways, events, frames, Zeek types and records.

zeek-client's own codec (zeekclient.brokertypes, written by the Zeek project)
is the referee: what we encode it must read back to the same JSON.
"""
import datetime
import json

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj
from ansible_collections.netsec.zeek.plugins.module_utils import broker_types
from zeekclient import brokertypes as zc_bt

CANONICAL = [
    {"@data-type": "none", "data": {}},
    {"@data-type": "boolean", "data": True},
    {"@data-type": "boolean", "data": False},
    {"@data-type": "count", "data": 0},
    {"@data-type": "count", "data": 18446744073709551615},
    {"@data-type": "integer", "data": -42},
    {"@data-type": "real", "data": 1.5},
    {"@data-type": "timespan", "data": "30s"},
    {"@data-type": "timespan", "data": "250ms"},
    {"@data-type": "timespan", "data": "7ns"},
    {"@data-type": "timestamp", "data": "1970-01-01T01:18:31.000"},
    {"@data-type": "string", "data": "a \"quoted\"\n\ttab \\ string"},
    {"@data-type": "enum-value", "data": "Supervisor::WORKER"},
    {"@data-type": "address", "data": "192.0.2.1"},
    {"@data-type": "address", "data": "2001:db8::"},
    {"@data-type": "subnet", "data": "10.0.0.0/8"},
    {"@data-type": "subnet", "data": "2001:db8::/32"},
    {"@data-type": "port", "data": "2200/tcp"},
    {"@data-type": "port", "data": "53/udp"},
    {"@data-type": "port", "data": "8/icmp"},
    {"@data-type": "vector", "data": []},
    {"@data-type": "vector", "data": [{"@data-type": "count", "data": 1}, {"@data-type": "string", "data": "x"}]},
    {"@data-type": "set", "data": [{"@data-type": "subnet", "data": "192.168.0.0/16"}]},
    {"@data-type": "table", "data": []},
    {"@data-type": "table", "data": [
        {"key": {"@data-type": "string", "data": "FOO"}, "value": {"@data-type": "string", "data": "bar"}},
        {"key": {"@data-type": "vector", "data": [{"@data-type": "port", "data": "80/tcp"}]},
         "value": {"@data-type": "none", "data": {}}},
    ]},
]


@pytest.mark.parametrize("wire", CANONICAL, ids=lambda w: w["@data-type"])
def test_canonical_json_round_trips(wire):
    assert bj.to_json(bj.from_json(wire)) == wire


# zeek-client holds timespans as Python timedeltas (microsecond resolution) and
# writes reals with its own formatting: everything else it must read back to
# identical JSON.
REFEREE_CASES = [w for w in CANONICAL if w["@data-type"] != "real" and w["data"] != "7ns"]


@pytest.mark.parametrize("wire", REFEREE_CASES, ids=lambda w: w["@data-type"])
def test_zeek_client_reads_what_we_write(wire):
    ours = json.dumps(bj.to_json(bj.from_json(wire)))
    theirs = zc_bt.from_broker(json.loads(ours))
    assert theirs.to_broker() == bj.to_json(bj.from_json(wire))


def test_typed_values_keep_their_types():
    value = bj.from_json({"@data-type": "vector", "data": [
        {"@data-type": "count", "data": 5}, {"@data-type": "integer", "data": 5},
        {"@data-type": "enum-value", "data": "Management::RUNNING"}, {"@data-type": "port", "data": "9000/tcp"}]})
    assert [type(v) for v in value] == [bj.Count, bj.Integer, bj.Enum, bj.Port]
    assert value[3].number == 9000 and value[3].proto == "tcp" and str(value[3]) == "9000/tcp"
    assert bj.to_json(value[0]) != bj.to_json(value[1])


def test_plain_python_values_encode_the_obvious_way():
    assert bj.to_json(None) == {"@data-type": "none", "data": {}}
    assert bj.to_json(3) == {"@data-type": "integer", "data": 3}
    assert bj.to_json(datetime.timedelta(minutes=5)) == {"@data-type": "timespan", "data": "300s"}
    assert bj.to_json(datetime.datetime(2024, 1, 31, 12, 0, 0, 123456)) == {
        "@data-type": "timestamp", "data": "2024-01-31T12:00:00.123"}
    assert bj.to_json({"a": 1}) == {"@data-type": "table", "data": [
        {"key": {"@data-type": "string", "data": "a"}, "value": {"@data-type": "integer", "data": 1}}]}


def test_timespan_uses_the_coarsest_lossless_unit_like_broker():
    assert bj.Timespan(0).wire() == "0s"
    assert bj.Timespan(1500 * 10 ** 6).wire() == "1500ms"
    assert bj.Timespan(3 * 10 ** 9).wire() == "3s"
    assert bj.Timespan(2000).wire() == "2us"
    assert bj.from_json({"@data-type": "timespan", "data": "2min"}) == 120 * 10 ** 9
    assert bj.from_json({"@data-type": "timespan", "data": "1d"}).seconds == 86400


@pytest.mark.parametrize("wire, message", [
    ({"@data-type": "count", "data": -1}, "$: count data must be a non-negative JSON integer, got -1"),
    ({"@data-type": "count", "data": 1.0}, "$: count data must be a non-negative JSON integer, got 1.0"),
    ({"@data-type": "integer", "data": True}, "$: integer data must be a JSON integer, got true"),
    ({"@data-type": "real", "data": 5}, "$: real data must be a JSON number with a decimal point, got 5"),
    ({"@data-type": "money", "data": 1}, '$: unknown @data-type "money"'),
    ({"data": 1}, '$: expected an object with "@data-type" and "data", got {"data": 1}'),
    ({"@data-type": "port", "data": "70000/tcp"}, "$: port data must look like 2200/tcp"),
    ({"@data-type": "address", "data": "300.1.1.1"}, "$: address data must be an IPv4 or IPv6 address"),
    ({"@data-type": "vector", "data": [{"@data-type": "vector", "data": [
        {"@data-type": "boolean", "data": "yes"}]}]}, "$.data[0].data[0]: boolean data must be true or false"),
    ({"@data-type": "table", "data": [{"key": {"@data-type": "string", "data": "k"}}]},
     '$.data[0]: table entries must be {"key": ..., "value": ...} objects'),
    ({"@data-type": "table", "data": [{"key": {"@data-type": "string", "data": "k"},
                                       "value": {"@data-type": "timespan", "data": "5 parsecs"}}]},
     "$.data[0].value: timespan data must look like"),
])
def test_bad_documents_name_the_path(wire, message):
    with pytest.raises(bj.BrokerJSONError) as err:
        bj.from_json(wire)
    assert str(err.value).startswith(message)


def test_unencodable_python_value_is_a_codec_error():
    with pytest.raises(bj.BrokerJSONError, match=r"^\$\[1\]: cannot encode a Python object"):
        bj.to_json([1, object()])


# -- fuzzing -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
data_types = st.sampled_from(sorted(broker_types._DECODERS) + ["money", ""])  # pylint: disable=protected-access


@st.composite
def wire_like(draw, depth=3):
    """Documents shaped like Broker JSON, often wrong in one place."""
    kind = draw(data_types)
    if depth > 0 and kind in ("vector", "set"):
        data = draw(st.lists(wire_like(depth=depth - 1), max_size=3) | json_values)
    elif depth > 0 and kind == "table":
        data = draw(st.lists(st.fixed_dictionaries({"key": wire_like(depth=depth - 1),
                                                    "value": wire_like(depth=depth - 1)}), max_size=2) | json_values)
    else:
        data = draw(json_values | st.from_regex(r"^-?\d{1,6}(ns|us|ms|s|min|h|d|/tcp|/udp)$", fullmatch=True))
    return {"@data-type": kind, "data": data}


@settings(max_examples=400, deadline=None)
@given(wire_like() | json_values)
def test_fuzz_decode_raises_only_codec_errors(document):
    try:
        value = bj.from_json(document)
    except bj.BrokerJSONError:
        return
    # Whatever decodes must encode again and decode to the same value.
    again = bj.from_json(bj.to_json(value))
    assert bj.to_json(again) == bj.to_json(value)


typed_leaves = st.one_of(
    st.none(), st.booleans(), st.text(max_size=10),
    st.integers(min_value=0, max_value=2 ** 64 - 1).map(bj.Count),
    st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1).map(bj.Integer),
    st.floats(allow_nan=False, allow_infinity=False).map(bj.Real),
    st.integers(min_value=-10 ** 15, max_value=10 ** 15).map(bj.Timespan),
    st.integers(min_value=0, max_value=65535).flatmap(
        lambda n: st.sampled_from(["tcp", "udp", "icmp", "?"]).map(lambda p: bj.Port(n, p))),
    st.ip_addresses().map(lambda a: bj.Address(a.compressed)),
    st.sampled_from(["Supervisor::WORKER", "Management::RUNNING", "Log::ID"]).map(bj.Enum),
)
typed_values = st.recursive(
    typed_leaves,
    lambda children: st.lists(children, max_size=4).map(bj.Vector)
    | st.lists(children, max_size=4).map(bj.Set)
    | st.lists(st.tuples(children, children), max_size=3).map(bj.Table),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(typed_values)
def test_fuzz_typed_values_round_trip(value):
    assert bj.loads(bj.dumps(value)) == value
    assert bj.to_json(bj.loads(bj.dumps(value))) == bj.to_json(value)


# -- frames and events ---------------------------------------------------------


def test_event_envelope_and_both_body_lengths():
    event = bj.make_event("Management::Controller::API::get_instances_request", ["r1"])
    frame = bj.data_message("zeek/management/controller", event)
    assert list(frame)[:3] == ["type", "topic", "@data-type"]
    decoded = bj.decode_frame(json.dumps(frame))
    parsed = bj.as_event(decoded.value)
    assert decoded.topic == "zeek/management/controller"
    assert parsed.name.endswith("get_instances_request") and parsed.args == ["r1"] and parsed.metadata is None
    with_meta = bj.make_event("ping", ["x"], metadata=[bj.Vector([bj.Count(1), bj.Timestamp("1970-01-01T00:00:01.000")])])
    assert bj.as_event(bj.from_json(bj.to_json(with_meta))).metadata[0][0] == 1
    # zeek-client parses the same envelope
    zc_event = zc_bt.ZeekEvent.from_broker(bj.to_json(with_meta))
    assert zc_event.name == "ping"


@pytest.mark.parametrize("value", [
    bj.Vector([bj.Count(1), bj.Count(1)]),
    bj.Vector([bj.Count(2), bj.Count(1), bj.Vector(["x", bj.Vector()])]),
    bj.Vector([bj.Integer(1), bj.Count(1), bj.Vector(["x", bj.Vector()])]),
    bj.Vector([bj.Count(1), bj.Count(1), bj.Vector([bj.Enum("x"), bj.Vector()])]),
    bj.Vector([bj.Count(1), bj.Count(1), bj.Vector(["x"])]),
    "not an event",
])
def test_non_events_are_not_mistaken_for_events(value):
    assert bj.as_event(value) is None


def test_frames():
    ack = bj.decode_frame('{"type":"ack","endpoint":"e-websocket-0","version":"8.2.0"}')
    assert isinstance(ack, bj.Ack) and ack.endpoint == "e-websocket-0" and ack.version == "8.2.0"
    err = bj.decode_frame({"type": "error", "code": "deserialization_failed", "context": "failed to decode JSON object"})
    assert isinstance(err, bj.ErrorFrame) and err.context == "failed to decode JSON object"
    with pytest.raises(bj.BrokerJSONError, match="ack frames need"):
        bj.decode_frame('{"type":"ack"}')
    with pytest.raises(bj.BrokerJSONError, match="malformed JSON"):
        bj.decode_frame('{"type":')
    with pytest.raises(bj.BrokerJSONError, match="string \"topic\""):
        bj.decode_frame({"type": "data-message", "@data-type": "count", "data": 1})
    with pytest.raises(bj.BrokerJSONError, match=r"^\$\[1\]: topics must be strings"):
        bj.handshake(["a", 1])


# -- Zeek types ----------------------------------------------------------------


@pytest.mark.parametrize("ztype, value, wire", [
    ("count", "5", {"@data-type": "count", "data": 5}),
    ("int", -3, {"@data-type": "integer", "data": -3}),
    ("double", 2, {"@data-type": "real", "data": 2.0}),
    ("bool", "T", {"@data-type": "boolean", "data": True}),
    ("interval", "1.5 hrs", {"@data-type": "timespan", "data": "5400s"}),
    ("interval", "10.0 secs", {"@data-type": "timespan", "data": "10s"}),
    ("interval", 0.25, {"@data-type": "timespan", "data": "250ms"}),
    ("time", 0, {"@data-type": "timestamp", "data": "1970-01-01T00:00:00.000"}),
    ("port", 2200, {"@data-type": "port", "data": "2200/tcp"}),
    ("port", "53/udp", {"@data-type": "port", "data": "53/udp"}),
    ("port", {"port": 9000, "proto": "tcp"}, {"@data-type": "port", "data": "9000/tcp"}),
    ("addr", " 2001:DB8:0::1 ", {"@data-type": "address", "data": "2001:db8::1"}),
    ("subnet", "10.1.2.3/8", {"@data-type": "subnet", "data": "10.0.0.0/8"}),
    ("set[subnet]", ["10.0.0.0/8", "10.0.0.0/8"], {"@data-type": "set", "data": [
        {"@data-type": "subnet", "data": "10.0.0.0/8"}]}),
    ("vector of count", [1, 2], {"@data-type": "vector", "data": [
        {"@data-type": "count", "data": 1}, {"@data-type": "count", "data": 2}]}),
    ("table[string] of count", {"a": 1}, {"@data-type": "table", "data": [
        {"key": {"@data-type": "string", "data": "a"}, "value": {"@data-type": "count", "data": 1}}]}),
    ("set[addr, port]", [["192.0.2.1", "80/tcp"]], {"@data-type": "set", "data": [{"@data-type": "vector", "data": [
        {"@data-type": "address", "data": "192.0.2.1"}, {"@data-type": "port", "data": "80/tcp"}]}]}),
    ("Supervisor::ClusterRole", "worker", {"@data-type": "enum-value", "data": "Supervisor::WORKER"}),
    ("Log::ID", "Conn::LOG", {"@data-type": "enum-value", "data": "Conn::LOG"}),
])
def test_zeek_types_convert_plain_values(ztype, value, wire):
    parsed = bj.parse_type(ztype)
    typed = parsed.to_broker(value)
    assert bj.to_json(typed) == wire
    assert parsed.to_broker(parsed.from_broker(typed)) == typed


@pytest.mark.parametrize("ztype, value, message", [
    ("count", -1, "$: count cannot be negative, got -1"),
    ("count", True, "$: count needs a whole number, got a boolean"),
    ("count", 1.5, "$: count needs a whole number, got 1.5"),
    ("interval", "soon", "$: interval needs seconds or text like"),
    ("port", "2200/sctp", "$: port needs 0-65535 or text like 2200/tcp"),
    ("set[subnet]", ["10.0.0.0/8", "not-a-net"], "$[1]: subnet needs addr/len"),
    ("table[string] of count", {"a": "x"}, '$["a"]: count needs a whole number'),
    ("Supervisor::ClusterRole", "wroker", "$: Supervisor::ClusterRole must be one of NONE, LOGGER, MANAGER"),
    ("enum", "worker", "$: enum needs a fully qualified name"),
])
def test_zeek_type_errors_name_the_path_and_the_fix(ztype, value, message):
    with pytest.raises(bj.BrokerJSONError) as err:
        bj.parse_type(ztype).to_broker(value)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize("text", ["set[", "table[string]", "vector count", "blob", "set[count] x"])
def test_unreadable_type_text(text):
    with pytest.raises(bj.BrokerJSONError, match="Zeek type"):
        bj.parse_type(text)


# -- Management records ----------------------------------------------------------

WORKER = {"name": "worker-01", "instance": "agent-testbox", "role": "worker", "interface": "eth0",
          "cpu_affinity": 2, "env": {"FOO": "bar"}}


def test_node_record_matches_the_reference_example():
    # controller-protocol.md section 4.2: zeek-client's encoding of this worker.
    vector = bj.NODE.to_broker(WORKER)
    wire = bj.to_json(vector)["data"]
    assert len(wire) == 11
    assert wire[2] == {"@data-type": "enum-value", "data": "Supervisor::WORKER"}
    assert wire[3] == {"@data-type": "enum-value", "data": "Management::RUNNING"}
    assert wire[8] == {"@data-type": "integer", "data": 2}
    assert wire[9] == {"@data-type": "table", "data": [
        {"key": {"@data-type": "string", "data": "FOO"}, "value": {"@data-type": "string", "data": "bar"}}]}
    expected = ["string", "string", "enum-value", "enum-value", "none", "none", "none", "string", "integer",
                "table", "none"]
    assert [w["@data-type"] for w in wire] == expected


def test_zeek_client_parses_our_node_records():
    from zeekclient.types import Node as ZcNode
    wire = bj.to_json(bj.NODE.to_broker(dict(WORKER, p=2200, metrics_port=9001, scripts=["a.zeek"])))
    node = ZcNode.from_brokertype(zc_bt.from_broker(wire))
    seen = (node.name, node.role.name, node.port, node.metrics_port, node.cpu_affinity, node.env, node.scripts)
    assert seen == ("worker-01", "WORKER", 2200, 9001, 2, {"FOO": "bar"}, ["a.zeek"])


def test_record_lengths_follow_the_zeek_version():
    assert len(bj.NODE.to_broker(WORKER, version="6.2")) == 10
    assert len(bj.NODE.to_broker(WORKER, version=(7, 0))) == 11
    config = bj.CONFIGURATION.to_broker({"id": "c", "nodes": [WORKER]}, version="6.0")
    assert len(config[2][0]) == 10
    short = bj.NODE_STATUS.to_broker({"node": "m", "state": "RUNNING"}, version="6.2")
    assert len(short) == 6 and bj.NODE_STATUS.from_broker(short)["metrics_port"] is None


def test_records_read_defaults_and_reject_short_vectors():
    status = bj.NODE_STATUS.from_broker(bj.NODE_STATUS.to_broker({"node": "m", "state": "pending", "pid": 7}))
    assert status["state"] == "Management::PENDING" and status["mgmt_role"] == "Management::NONE"
    assert status["pid"] == 7 and status["pid"].__class__ is bj.Integer
    with pytest.raises(bj.BrokerJSONError, match="a Management::Result record needs at least 6 fields, got 2"):
        bj.RESULT.from_broker(bj.Vector(["r", True]))
    with pytest.raises(bj.BrokerJSONError, match=r"^\$\.role: Management::Node.role is required"):
        bj.NODE.to_broker({"name": "x", "instance": "i"})
    with pytest.raises(bj.BrokerJSONError, match="Management::Node has no field colour"):
        bj.NODE.to_broker(dict(WORKER, colour="red"))
    with pytest.raises(bj.BrokerJSONError, match=r"^\$\.nodes\[0\]\.cpu_affinity: int needs a whole number"):
        bj.CONFIGURATION.to_broker({"id": "c", "nodes": [dict(WORKER, cpu_affinity="two")]})


def test_result_any_data_passes_through():
    outputs = bj.NODE_OUTPUTS.to_broker({"stdout": "", "stderr": "fatal error"})
    result = bj.RESULT.from_broker(bj.RESULT.to_broker({"reqid": "r", "success": False, "data": outputs}))
    assert result["success"] is False and bj.NODE_OUTPUTS.from_broker(result["data"])["stderr"] == "fatal error"


def test_port_values_are_checked_when_made():
    assert bj.Port(bj.Port(80, "udp")) == bj.Port(80, "udp")
    with pytest.raises(bj.BrokerJSONError, match="a port number is 0-65535, got 70000"):
        bj.Port(70000)
    with pytest.raises(bj.BrokerJSONError, match="a port protocol is tcp, udp, icmp or"):
        bj.Port(80, "sctp")
