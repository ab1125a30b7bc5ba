"""The WebSocket session (transport.py).

Connecting, TLS and real frames are exercised against the emulator in tests/integration
and tests/interop. Here a fake socket stands in for what no server in reach sends: a
chatty endpoint that never answers, frames that are not Broker JSON, an answer to the
handshake that is not an ack.
"""
import asyncio
import json

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import transport
from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import DataMessage, data_message
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session, TransportError

pytestmark = pytest.mark.fake_session

ACK = json.dumps({"type": "ack", "endpoint": "e-1", "version": "8.2.0"})
NOISE = json.dumps(data_message("zeek/management/controller", "unrelated"))


class FakeSocket(object):
    """websockets' client connection: recv() hands out ``frames``, then ``at_end`` (an exception, or waits)."""

    def __init__(self, frames, at_end=None, delay=0.0):
        self.frames = list(frames)
        self.at_end = at_end
        self.delay = delay
        self.sent = []
        self.closed = False

    async def recv(self):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.frames:
            return self.frames.pop(0)
        if self.at_end is not None:
            raise self.at_end
        await asyncio.sleep(3600)
        return None

    async def send(self, text):
        self.sent.append(text)

    async def close(self):
        self.closed = True


def opened(socket, **options):
    options.setdefault("timeout", 1.0)
    session = Session(port=1, **options)
    session._loop = asyncio.new_event_loop()  # pylint: disable=protected-access
    session._ws = socket  # pylint: disable=protected-access
    return session


@pytest.mark.parametrize("frames, kind, words", [
    ([json.dumps({"type": "error", "code": "bad_subscription", "context": "no"})], "handshake",
     "refused the subscription: bad_subscription: no"),
    ([NOISE], "protocol", "answered the handshake with something other than an ack"),
    ([], "handshake", "accepted the WebSocket but sent no ack within"),
])
def test_the_handshake_wants_an_ack(frames, kind, words):
    session = opened(FakeSocket(frames), timeout=0.2)
    with pytest.raises(TransportError) as caught:
        session._await_ack()  # pylint: disable=protected-access
    assert caught.value.kind == kind and words in str(caught.value)
    session.close()


def test_error_frames_and_undecodable_frames_are_kept_and_skipped():
    wanted = json.dumps(data_message("t", "wanted"))
    frames = [json.dumps({"type": "error", "code": "deserialization_failed", "context": "x"}), "{not json",
              NOISE, wanted]
    session = opened(FakeSocket(frames))
    message = session.receive_until(lambda m: m.value == "wanted")
    assert message == DataMessage("t", "wanted")
    assert [frame.code for frame in session.error_frames] == ["deserialization_failed", "client_decode_failed"]
    session.close()


def test_the_deadline_covers_the_whole_wait_not_each_frame():
    """An endpoint that chats without ever answering cannot stretch the timeout."""
    socket = FakeSocket([NOISE] * 1000, delay=0.02)
    session = opened(socket, timeout=0.3)
    loop_time = session._loop.time  # pylint: disable=protected-access
    started = loop_time()
    with pytest.raises(TransportError) as caught:
        session.receive_until(lambda m: False)
    assert caught.value.kind == "timeout"
    assert loop_time() - started < 1.0
    assert len(socket.frames) > 900   # it stopped reading, it did not drain the chatter
    session.close()


def test_a_timeout_names_the_last_error_frame():
    frames = [json.dumps({"type": "error", "code": "deserialization_failed", "context": "unknown event"})]
    session = opened(FakeSocket(frames), timeout=0.1)
    with pytest.raises(TransportError) as caught:
        session.receive_until(lambda m: True)
    assert "the endpoint reported: deserialization_failed: unknown event" in str(caught.value)
    session.close()


def test_a_closed_connection_says_the_code_and_reason():
    from websockets.frames import Close
    closed = transport.ConnectionClosed(Close(1009, "message too big"), None)
    session = opened(FakeSocket([], at_end=closed))
    with pytest.raises(TransportError) as caught:
        session.receive_until(lambda m: True)
    assert caught.value.kind == "closed" and "code 1009 message too big" in str(caught.value)
    session.close()


def test_publish_sends_one_compact_data_message():
    socket = FakeSocket([])
    session = opened(socket)
    session.publish("zeek/cluster/manager", "x")
    assert socket.sent == ['{"type":"data-message","topic":"zeek/cluster/manager","@data-type":"string","data":"x"}']
    session.close()
    assert socket.closed
    with pytest.raises(TransportError) as caught:
        session.publish("t", "x")
    assert caught.value.kind == "closed"


@pytest.mark.parametrize("host, tls, url", [
    ("127.0.0.1", False, "ws://127.0.0.1:2149/v1/messages/json"),
    ("::1", True, "wss://[::1]:2149/v1/messages/json"),
    ("zeek.example.org", True, "wss://zeek.example.org:2149/v1/messages/json"),
])
def test_websocket_url(host, tls, url):
    assert transport.websocket_url(host, 2149, tls) == url
