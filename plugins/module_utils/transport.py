# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One WebSocket session with a Zeek endpoint (controller or cluster node).

Private to the netsec.zeek collection.

Speaks Broker's WebSocket JSON transport: handshake (topic prefixes), ack,
publish, and receive-until(predicate, deadline). Error frames that arrive
after the handshake are recorded in ``Session.error_frames`` and skipped, as
zeek-client does, because Zeek >= 8.1 sends them for events it cannot convert
and Zeek <= 8.0 sends nothing at all.

Uses the asyncio client API that websockets 10.4 (Debian 12) through 17.x all
share, behind a small synchronous facade, because Ansible modules are
synchronous.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time

try:
    import websockets
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
    HAS_WEBSOCKETS = True
    WEBSOCKETS_IMPORT_ERROR = None
except ImportError as _err:  # pragma: no cover - exercised where websockets is absent
    websockets = None
    HAS_WEBSOCKETS = False
    WEBSOCKETS_IMPORT_ERROR = _err

    class ConnectionClosed(Exception):
        """Stand-in so the except clauses below stay valid without websockets."""

    class InvalidHandshake(Exception):
        """Stand-in so the except clauses below stay valid without websockets."""

    class InvalidURI(Exception):
        """Stand-in so the except clauses below stay valid without websockets."""

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    Ack,
    BrokerJSONError,
    DataMessage,
    ErrorFrame,
    data_message,
    decode_frame,
    handshake,
)

WEBSOCKET_PATH = "/v1/messages/json"
# The largest message accepted from an endpoint, unless the task says otherwise. A deployed
# configuration takes about 700 bytes per node as Broker JSON (6 MB for 10,000 nodes, the largest
# cluster the benchmarks model), so 64 MiB leaves room for ten times that, while a hostile or broken
# endpoint can no longer make the task hold an unbounded frame (and several times its size) in memory.
DEFAULT_MAX_MESSAGE_SIZE = 64 * 2 ** 20

# Broker's anonymous TLS (Zeek <= 8.0 controllers without certificates) only
# negotiates anonymous ECDH suites; offering them needs security level 0.
ANONYMOUS_TLS_CIPHERS = "HIGH:aNULL:!MD5:@SECLEVEL=0"


class TransportError(Exception):
    """A failure to talk to the endpoint. ``kind`` is one of unreachable,
    tls, timeout, handshake, protocol, closed or too_big; ``plain_server``
    is true when a TLS handshake met an endpoint that speaks plain ws://."""

    def __init__(self, kind, message, plain_server=False):
        self.kind = kind
        self.plain_server = plain_server
        super(TransportError, self).__init__(message)


def websocket_url(host, port, tls=False):
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    return "%s://%s:%d%s" % ("wss" if tls else "ws", host, port, WEBSOCKET_PATH)


def make_tls_context(validate_certs=True, ca_path=None, client_cert=None, client_key=None,
                     client_key_passphrase=None):
    """The client TLS context.

    With ``validate_certs`` false the server is not authenticated, and the
    anonymous suites of Broker's default TLS (Zeek <= 8.0) are offered too,
    so one setting reaches both kinds of unauthenticated server.
    """
    context = ssl.create_default_context(cafile=ca_path if ca_path and not _is_dir(ca_path) else None,
                                         capath=ca_path if ca_path and _is_dir(ca_path) else None)
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers(ANONYMOUS_TLS_CIPHERS)
    if client_cert:
        context.load_cert_chain(client_cert, keyfile=client_key or None,
                                password=client_key_passphrase or None)
    return context


def _is_dir(path):
    import os
    return os.path.isdir(path)


class Session(object):
    """A connected, subscribed WebSocket session; use as a context manager."""

    def __init__(self, host="127.0.0.1", port=2149, topics=("zeek/management/controller",),
                 tls=False, validate_certs=True, ca_path=None, client_cert=None, client_key=None,
                 client_key_passphrase=None, timeout=20.0, retries=3, retry_delay=1.0,
                 max_size=DEFAULT_MAX_MESSAGE_SIZE):
        if not HAS_WEBSOCKETS:
            raise TransportError("missing", "the Python library 'websockets' (>= 10.4) is required")
        self.host = host
        self.port = int(port)
        self.topics = handshake(topics)
        self.tls = tls
        self.url = websocket_url(host, self.port, tls)
        self.timeout = float(timeout)
        self.retries = max(1, int(retries))
        self.retry_delay = float(retry_delay)
        self.max_size = max_size
        self.error_frames = []
        self.ack = None
        self.attempts = 0
        self._tls_args = (validate_certs, ca_path, client_cert, client_key, client_key_passphrase)
        self._loop = None
        self._ws = None

    # -- lifecycle -------------------------------------------------------

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def connect(self):
        """Open the socket, send the subscriptions, wait for the ack."""
        self._loop = asyncio.new_event_loop()
        context = None
        if self.tls:
            try:
                context = make_tls_context(*self._tls_args)
            except (ssl.SSLError, OSError) as err:
                raise TransportError("tls", "cannot set up TLS for %s: %s" % (self.url, err))
        last = None
        while self.attempts < self.retries:
            self.attempts += 1
            try:
                self._ws = self._run(self._open(context), self.timeout)
                break
            except (ConnectionRefusedError, socket.gaierror, asyncio.TimeoutError, OSError) as err:
                if isinstance(err, ssl.SSLError) or (self.tls and isinstance(err, ConnectionResetError)):
                    raise self._tls_failure(err)
                last = err
                if self.attempts < self.retries:
                    time.sleep(self.retry_delay)
            except InvalidHandshake as err:
                raise TransportError("handshake", "WebSocket upgrade to %s refused: %s (is this a Zeek "
                                     "WebSocket endpoint, and is tls set correctly?)" % (self.url, err))
            except InvalidURI as err:
                raise TransportError("unreachable", "invalid URL %s: %s" % (self.url, err))
        if self._ws is None:
            if isinstance(last, asyncio.TimeoutError):
                reason = "timed out after %ss" % self.timeout
            else:
                reason = _reason(last)
            raise TransportError("unreachable", "cannot reach %s:%d (%s) after %d attempt%s: %s" % (
                self.host, self.port, self.url, self.attempts, "" if self.attempts == 1 else "s", reason))
        self._send_text(json.dumps(self.topics))
        self.ack = self._await_ack()
        return self.ack

    def _tls_failure(self, err):
        """The TransportError for a failed TLS handshake, saying tls is wrong when it is."""
        if isinstance(err, ssl.SSLError):
            what = "TLS handshake with %s failed: %s" % (self.url, _reason(err))
        else:
            # The TCP connection was accepted, so the server is there, and it cut the TLS handshake:
            # a plain ws:// server does, and so does Broker's anonymous TLS when no suite is shared.
            what = "%s reset the connection during the TLS handshake" % self.url
        if self._speaks_plain_websocket():
            return TransportError("tls", "%s: the endpoint speaks plain ws://, without TLS" % what, plain_server=True)
        if isinstance(err, ssl.SSLError):
            return TransportError("tls", what)
        return TransportError("tls", what + " (no common cipher suite or protocol version?)")

    def _speaks_plain_websocket(self):
        """Whether a plain ws:// upgrade succeeds where the TLS handshake failed (nothing is sent on it)."""
        try:
            probe = self._run(websockets.connect(websocket_url(self.host, self.port, False),
                                                 open_timeout=self.timeout, close_timeout=1, ping_interval=None),
                              self.timeout)
        except Exception:  # any failure: it is not a plain WebSocket endpoint either
            return False
        try:
            self._run(probe.close(), 2.0)
        except Exception:  # closing is best effort: the answer is already in hand
            pass
        return True

    def close(self):
        if self._ws is not None:
            try:
                self._run(self._ws.close(), 2.0)
            except Exception:  # closing is best effort: the answer is already in hand
                pass
            self._ws = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    # -- messaging -------------------------------------------------------

    def publish(self, topic, value):
        """Publish a typed value (usually an event envelope) on ``topic``."""
        self._send_text(json.dumps(data_message(topic, value), separators=(",", ":")))

    def receive_until(self, predicate, timeout=None):
        """The first data message for which ``predicate(message)`` is true.

        Unrelated data messages and error frames are skipped (errors are
        kept in ``error_frames``). The deadline covers the whole wait, not
        each frame, so a chatty endpoint cannot stretch it.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else float(timeout))
        while True:
            frame = self._receive_frame(deadline)
            if isinstance(frame, DataMessage) and predicate(frame):
                return frame

    def _receive_frame(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timeout", "no response from %s:%d within %ss%s" % (
                self.host, self.port, self.timeout, self._error_hint()))
        text = self._recv_text(remaining)
        try:
            frame = decode_frame(text)
        except BrokerJSONError as err:
            self.error_frames.append(ErrorFrame("client_decode_failed", str(err)))
            return None
        except RecursionError:
            # json and the codec recurse per level: a frame nested thousands deep is not an answer.
            self.error_frames.append(ErrorFrame("client_decode_failed", "a frame of %d bytes nested too deeply "
                                                "to read" % len(text)))
            return None
        if isinstance(frame, ErrorFrame):
            self.error_frames.append(frame)
        return frame

    def _error_hint(self):
        if not self.error_frames:
            return ""
        last = self.error_frames[-1]
        return "; the endpoint reported: %s: %s" % (last.code, last.context)

    def _await_ack(self):
        deadline = time.monotonic() + self.timeout
        try:
            frame = self._receive_frame(deadline)
        except TransportError as err:
            if err.kind == "timeout":
                raise TransportError("handshake", "%s:%d accepted the WebSocket but sent no ack within %ss" % (
                    self.host, self.port, self.timeout))
            raise
        if isinstance(frame, Ack):
            return frame
        if isinstance(frame, ErrorFrame):
            raise TransportError("handshake", "%s:%d refused the subscription: %s: %s" % (
                self.host, self.port, frame.code, frame.context))
        raise TransportError("protocol", "%s:%d answered the handshake with something other than an ack" % (
            self.host, self.port))

    # -- asyncio plumbing ------------------------------------------------

    async def _open(self, context):
        kwargs = {"open_timeout": self.timeout, "close_timeout": 2, "max_size": self.max_size,
                  "ping_interval": None}
        if context is not None:
            kwargs["ssl"] = context
        return await websockets.connect(self.url, **kwargs)

    def _run(self, coroutine, timeout):
        return self._loop.run_until_complete(asyncio.wait_for(coroutine, timeout))

    def _send_text(self, text):
        if self._ws is None:
            raise TransportError("closed", "the session with %s is not open" % self.url)
        try:
            self._run(self._ws.send(text), self.timeout)
        except ConnectionClosed as err:
            raise TransportError("closed", "%s closed the connection: %s" % (self.url, _closed_reason(err)))
        except asyncio.TimeoutError:
            raise TransportError("timeout", "sending to %s timed out after %ss" % (self.url, self.timeout))

    def _recv_text(self, timeout):
        if self._ws is None:
            raise TransportError("closed", "the session with %s is not open" % self.url)
        try:
            return self._run(self._ws.recv(), timeout)
        except asyncio.TimeoutError:
            raise TransportError("timeout", "no response from %s:%d within %ss%s" % (
                self.host, self.port, self.timeout, self._error_hint()))
        except ConnectionClosed as err:
            if _we_refused_as_too_big(err):
                raise TransportError("too_big", "%s:%d sent a message larger than max_message_size (%d bytes), so "
                                     "the connection was closed (1009)." % (self.host, self.port, self.max_size))
            raise TransportError("closed", "%s:%d closed the connection: %s%s" % (
                self.host, self.port, _closed_reason(err), self._error_hint()))


def _reason(err):
    if err is None:
        return "unknown error"
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return text


def _we_refused_as_too_big(err):
    # websockets closes with 1009 on its own when a message exceeds max_size; then our close frame
    # came first (``rcvd_then_sent`` false), unlike when the endpoint refused one of ours.
    sent = getattr(err, "sent", None)
    return sent is not None and sent.code == 1009 and not getattr(err, "rcvd_then_sent", False)


def _closed_reason(err):
    # websockets >= 10 carries the peer's close frame in ``rcvd``; ``code`` is deprecated since 13.1.
    rcvd = getattr(err, "rcvd", None)
    if rcvd is not None:
        return "code %s %s" % (rcvd.code, rcvd.reason or "")
    return "code %s %s" % (getattr(err, "code", None), getattr(err, "reason", "") or "")
