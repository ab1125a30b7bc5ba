"""Issue 11 item 21: a client that never reads cannot make the emulator's memory grow without bound.

A raw TCP client does the WebSocket upgrade, subscribes, and then never reads; a second client
publishes 1 MiB messages on its topic, which the emulator forwards to it. What happens then is
what the profile's Zeek does (emulator/server.py, Client): 8.2 closes it with 1011 "Ping timeout",
8.0 drops the oldest queued messages and keeps it; both within a byte bound, on one log line.
"""

import base64
import json
import os
import re
import socket
import struct
import sys
import time

import pytest
from websockets.sync.client import connect

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
for path in (REPO_ROOT, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from emulator.process import EmulatorProcess  # noqa: E402

from plugins.module_utils import broker_json as bj  # noqa: E402

TOPIC = "netsec/bulk"
MAX_PENDING_BYTES = 32 * 2 ** 20  # the bound emulator/README.md documents
MESSAGE_BYTES = 2 ** 20
MESSAGES = 3 * MAX_PENDING_BYTES // MESSAGE_BYTES  # three times the bound
WARNING = re.compile(r" warning client=0 not reading: ")


def raw_subscriber(port):
    """Upgrade, subscribe to TOPIC, read the 101 response only; a small receive buffer."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /v1/messages/json HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                  % (port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, "the emulator closed during the upgrade"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    sock.sendall(masked_text(json.dumps([TOPIC])))
    return sock


def masked_text(text):
    payload = text.encode()
    mask = os.urandom(4)
    length = len(payload)
    header = struct.pack("!BB", 0x81, 0x80 | length) if length < 126 else struct.pack("!BBH", 0x81, 0xFE, length)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frames(sock, deadline):
    """Every frame until EOF or a close frame: [(opcode, payload)]."""
    buffer = b""
    frames = []
    sock.settimeout(max(0.1, deadline - time.monotonic()))
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(1 << 20)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buffer += chunk
        while len(buffer) >= 2:
            opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
            start = 2
            if length == 126:
                length, start = struct.unpack("!H", buffer[2:4])[0], 4
            elif length == 127:
                length, start = struct.unpack("!Q", buffer[2:10])[0], 10
            if len(buffer) < start + length:
                break
            frames.append((opcode, buffer[start:start + length]))
            buffer = buffer[start + length:]
            if opcode == 8:
                return frames
    return frames


def publish_bulk(port):
    """MESSAGES events of about 1 MiB each on TOPIC, from a client that reads normally."""
    with connect("ws://127.0.0.1:%d/v1/messages/json" % port, open_timeout=5, max_size=None) as publisher:
        publisher.send(json.dumps([]))
        assert json.loads(publisher.recv(timeout=5))["type"] == "ack"
        for number in range(MESSAGES):
            # A controller request the emulator can convert (so 8.2 forwards it), on a topic the
            # controller does not handle; the identifier carries the bulk.
            event = bj.make_event("Management::Controller::API::get_id_value_request",
                                  ["bulk-%d" % number, "x" * MESSAGE_BYTES, bj.Set([])])
            publisher.send(json.dumps(bj.data_message(TOPIC, event)))


def peak_rss_bytes(pid):
    with open("/proc/%d/status" % pid, "r", encoding="ascii") as handle:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", handle.read(), re.M).group(1)) * 1024


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("profile", ["8.2", "8.0"])
def test_a_client_that_never_reads_is_bounded_as_zeek_bounds_it(tmp_path, profile):
    with EmulatorProcess("--no-agents", zeek_version=profile, state_dir=str(tmp_path / "state")) as emu:
        baseline = peak_rss_bytes(emu.proc.pid)
        sock = raw_subscriber(emu.port)
        try:
            assert wait_for(lambda: any("connect client=0" in line for line in emu.log_lines()), 5)
            publish_bulk(emu.port)
            assert wait_for(lambda: any(WARNING.search(line) for line in emu.log_lines()), 60), emu.log_lines()[-5:]
            warnings = [line for line in emu.log_lines() if WARNING.search(line)]
            assert len(warnings) == 1, warnings
            # The queue stayed within the bound: the peak is the bound plus what passes through
            # (a message being decoded and re-encoded), not the three times the bound sent.
            grown = peak_rss_bytes(emu.proc.pid) - baseline
            assert grown < 2 * MAX_PENDING_BYTES, "emulator grew by %d MiB" % (grown >> 20)
            frames = read_frames(sock, time.monotonic() + 30)
        finally:
            sock.close()
    texts = [json.loads(payload) for opcode, payload in frames if opcode == 1]
    assert texts and texts[0]["type"] == "ack"
    received = [m["data"][2]["data"][1]["data"][0]["data"] for m in texts[1:]]
    if profile == "8.2":
        assert "closing it with 1011 \"Ping timeout\"" in warnings[0]
        assert frames[-1][0] == 8, "the connection ends with a close frame"
        assert struct.unpack("!H", frames[-1][1][:2])[0] == 1011 and frames[-1][1][2:] == b"Ping timeout"
        assert len(received) < MESSAGES
    else:
        assert "Broker::web_socket_overflow_policy drop_oldest" in warnings[0]
        assert all(opcode != 8 for opcode, _payload in frames), "Broker keeps the client"
        # The newest messages arrive, some of the oldest were dropped.
        assert received[-1] == "bulk-%d" % (MESSAGES - 1)
        assert len(received) < MESSAGES and received == sorted(received, key=lambda r: int(r.split("-")[1]))
