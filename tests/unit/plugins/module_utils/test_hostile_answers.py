"""Issue 11 item 4: malformed answers end in the client's own errors, never a traceback.

No controller sends these, so a fake session (and, for raw frames, a fake socket) hands
them over; hypothesis fuzzes the response path as test_broker_json fuzzes the codec.
"""
import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj
from ansible_collections.netsec.zeek.plugins.module_utils.controller import (
    CONTROLLER_TOPIC,
    Controller,
    ControllerError,
    ProtocolError,
)
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session, TransportError

pytestmark = pytest.mark.fake_session

CALLS = {
    "get_instances": (),
    "stage_configuration": (bj.Vector(),),
    "get_configuration": (True,),
    "deploy": (),
    "get_nodes": (),
    "get_id_value": ("x",),
    "restart": (),
    "test_timeout": (),
}
CLIENT_ERRORS = (ProtocolError, ControllerError, TransportError)


class ScriptedSession(object):
    """Answers every request with ``response(reqid, *extra)`` under the expected response name."""

    def __init__(self, extra, name=None):
        self.extra = list(extra)
        self.name = name
        self.pending = None

    def publish(self, _topic, value):
        event = bj.as_event(value)
        name = self.name or event.name.replace("_request", "_response")
        self.pending = bj.DataMessage(CONTROLLER_TOPIC, bj.make_event(name, [event.args[0]] + self.extra))

    def receive_until(self, predicate, timeout=None):
        if predicate(self.pending):
            return self.pending
        raise TransportError("timeout", "no response within %ss" % timeout)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_response_with_our_reqid_and_nothing_else_is_a_protocol_error(call):
    controller = Controller(session=ScriptedSession([]))
    with pytest.raises(ProtocolError) as caught:
        getattr(controller, call)(*CALLS[call])
    assert "_response carries no result" in str(caught.value)
    assert "only the request id" in str(caught.value)


typed_leaves = st.one_of(
    st.none(), st.booleans(), st.text(max_size=10),
    st.integers(min_value=0, max_value=2 ** 64 - 1).map(bj.Count),
    st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1).map(bj.Integer),
    st.floats(allow_nan=False, allow_infinity=False).map(bj.Real),
    st.integers(min_value=-10 ** 15, max_value=10 ** 15).map(bj.Timespan),
    st.integers(min_value=0, max_value=65535).map(bj.Port),
    st.ip_addresses().map(lambda a: bj.Address(a.compressed)),
    st.sampled_from(["Supervisor::WORKER", "Management::RUNNING", "Management::NONE", "Log::ID"]).map(bj.Enum),
)
typed_values = st.recursive(
    typed_leaves,
    lambda children: st.lists(children, max_size=7).map(bj.Vector)
    | st.lists(children, max_size=3).map(bj.Set)
    | st.lists(st.tuples(children, children), max_size=2).map(bj.Table),
    max_leaves=25,
)
# Results that look almost right are the ones that reach deepest into the client.
results = st.builds(lambda *fields: bj.Vector(fields), typed_values, st.booleans() | typed_leaves,
                    st.none() | st.text(max_size=6) | typed_leaves, typed_values,
                    st.none() | st.text(max_size=6) | typed_leaves, st.none() | st.text(max_size=6) | typed_leaves)
answers = st.lists(typed_values | results | st.lists(results, max_size=3).map(bj.Vector), max_size=3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=st.sampled_from(sorted(CALLS)), extra=answers)
def test_any_answer_is_a_result_or_a_client_error(call, extra):
    controller = Controller(session=ScriptedSession(extra))
    try:
        outcome = getattr(controller, call)(*CALLS[call])
    except CLIENT_ERRORS as err:
        assert str(err)
        return
    json.dumps(outcome, default=str)  # a result: plain data a module can return


def test_a_node_value_nested_too_deep_is_that_nodes_error():
    value = bj.Vector([bj.Vector(["r", True, "agent-a", "[" * 100000 + "]" * 100000, None, "w1"])])
    answer = Controller(session=ScriptedSession([value])).get_id_value("x")
    assert answer == {"values": {}, "errors": [{"source": "w1", "error": "JSON decode error: nested too deeply"}]}


def deep_list(levels):
    return '{"type":"data-message","topic":"t","@data-type":"vector","data":' + "[" * levels + "]" * levels + "}"


def deep_vectors(levels):
    inner = '{"@data-type":"vector","data":[]}'
    for _level in range(levels):
        inner = '{"@data-type":"vector","data":[%s]}' % inner
    return '{"type":"data-message","topic":"t",' + inner[1:]


class RawSocket(object):
    """Hands out raw text frames, then waits."""

    def __init__(self, frames):
        self.frames = list(frames)

    async def recv(self):
        if self.frames:
            return self.frames.pop(0)
        await asyncio.sleep(3600)
        return None

    async def send(self, text):
        return None

    async def close(self):
        return None


@pytest.mark.parametrize("frame", [
    deep_list(100000),      # json.loads gives up (RecursionError)
    deep_vectors(400),      # JSON Python reads, Broker vectors the codec cannot (RecursionError)
    "[" * 100000,           # not even closed
], ids=["deep-list", "deep-vectors", "unclosed"])
def test_a_frame_nested_too_deep_is_skipped_as_unreadable(frame):
    session = Session(port=1, timeout=0.3)
    session._loop = asyncio.new_event_loop()  # pylint: disable=protected-access
    session._ws = RawSocket([frame])  # pylint: disable=protected-access
    with pytest.raises(TransportError) as caught:
        session.receive_until(lambda message: True)
    assert caught.value.kind == "timeout"
    assert [f.code for f in session.error_frames] == ["client_decode_failed"]
    assert "nested too deeply" in session.error_frames[0].context
    session.close()


json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "topic", "@data-type", "data", "code", "context", "x"]), children, max_size=4),
    max_leaves=15,
).map(json.dumps)


@settings(max_examples=200, deadline=None)
@given(frames=st.lists(json_texts | st.text(max_size=20), max_size=4))
def test_any_frame_is_a_message_an_error_frame_or_skipped(frames):
    session = Session(port=1, timeout=0.05)
    session._loop = asyncio.new_event_loop()  # pylint: disable=protected-access
    session._ws = RawSocket(frames)  # pylint: disable=protected-access
    try:
        while True:
            session.receive_until(lambda message: False)
    except TransportError as err:
        assert err.kind == "timeout"
    finally:
        session.close()
