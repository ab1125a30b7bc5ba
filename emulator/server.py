"""The WebSocket transport, in the profile of the chosen Zeek version.

* ``8.2`` (Zeek >= 8.1, ``Cluster::listen_websocket``): plain ws (wss with a
  certificate and key), ack endpoint ``<uuid>-websocket-<n>`` and version
  ``8.2.0``, error frames (code ``deserialization_failed``) for bad
  handshakes and bad messages, ``invalid_uri`` + close 1008 on a wrong path,
  the ``X-Application-Name`` check, events unknown to the controller or with
  wrongly typed arguments rejected with "failed to create Zeek event".
* ``8.0`` (Zeek 5.2-8.0, Broker's WebSocket server): ack endpoint the
  server's UUID and version ``2.8.0-dev``, wrong paths fail the HTTP upgrade
  (400), a bad handshake closes the connection, malformed messages get
  ``input #N ...`` error frames, events Zeek cannot convert are dropped
  silently; anonymous TLS like Broker (``--tls``) or TLS with a certificate.

Every accepted data message is forwarded to the *other* clients whose
subscriptions (topic prefixes) match; the controller's responses go to every
matching client.  Nobody receives its own publications.
"""

import asyncio
import datetime
import http
import json
import re
import ssl
import uuid

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from plugins.module_utils import broker_json as bj

from . import events

PATH = "/v1/messages/json"
CONTROLLER_TOPIC = "zeek/management/controller"
# What the controller process subscribes to (controller/main.zeek zeek_init).
CONTROLLER_SUBSCRIPTIONS = (CONTROLLER_TOPIC, "zeek/management/agent")
APP_NAME_RE = re.compile(r"^[-/_.=:*@a-zA-Z0-9]+$")
DESER = "deserialization_failed"
# A client that does not read what it is sent, as Zeek treats it:
# * Zeek 7.2-8.0 (Broker's server): Broker::web_socket_buffer_size = 8192 messages per client and
#   Broker::web_socket_overflow_policy = "drop_oldest" (base/frameworks/broker/main.zeek): once
#   8192 wait, the oldest is dropped for each new one; the client stays connected.
# * Zeek >= 8.1 (Cluster::listen_websocket on IXWebSocket): the send buffer itself is unbounded
#   (IXWebSocketTransport::sendData: "_txbuf will keep growing"), but the server pings every
#   Cluster::default_websocket_ping_interval (5 s) and closes a client whose pong has not come
#   by the next ping with 1011 "Ping timeout" (IXWebSocketTransport::poll); a client that never
#   reads never answers. (default_websocket_max_event_queue_size bounds the other direction:
#   events *from* clients waiting for Zeek's main loop.)
# Neither Zeek counts bytes; the emulator must, or a client that never reads costs gigabytes
# before any of that happens. Past MAX_PENDING_BYTES it applies its profile's rule at once.
BROKER_WEB_SOCKET_BUFFER_SIZE = 8192
MAX_PENDING_BYTES = 32 * 2 ** 20  # two frames of the largest size accepted (16 MiB)


class Profile(object):
    def __init__(self, name, ack_version, broker_style, metadata):
        self.name = name
        self.ack_version = ack_version
        self.broker_style = broker_style  # True: Broker's server (Zeek <= 8.0)
        self.metadata = metadata  # third event element on published events


PROFILES = {
    "8.0": Profile("8.0", "2.8.0-dev", True, []),
    "8.2": Profile("8.2", "8.2.0", False, None),
}


class RequestLog(object):
    """One line per event: ``<iso-time> <kind> ...``; ``request`` lines are the
    stable interface (see README)."""

    def __init__(self, stream):
        self.stream = stream

    def line(self, text):
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
        try:
            self.stream.write("%s %s\n" % (stamp, text))
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def request(self, short, reqid, client):
        self.line("request %s reqid=%s client=%s" % (short, reqid, client))

    def response(self, short, reqid):
        self.line("response %s reqid=%s" % (short, reqid))

    def info(self, text):
        self.line("info %s" % text)

    def warning(self, text):
        self.line("warning %s" % text)


class Client(object):
    """One connection's outgoing queue, bounded as the profile's Zeek bounds it (see above)."""

    def __init__(self, number, ws, broker_style=False, log=None, log_prefix=""):
        self.number = number
        self.ws = ws
        self.subscriptions = None  # None until the handshake succeeded
        self.queue = asyncio.Queue()
        self.pending_bytes = 0  # frames are json.dumps() output, ASCII: characters are bytes
        self.writer = None
        self.inputs = 0  # data messages received (Broker numbers them from 1)
        self.broker_style = broker_style
        self.log = log
        self.log_prefix = log_prefix
        self.dropped = 0
        self.closed_as_slow = False

    def wants(self, topic):
        return self.subscriptions is not None and any(topic.startswith(p) for p in self.subscriptions)

    def send(self, text):
        if self.closed_as_slow:
            return
        self.queue.put_nowait(text)
        self.pending_bytes += len(text)
        over_count = self.broker_style and self.queue.qsize() > BROKER_WEB_SOCKET_BUFFER_SIZE
        if not over_count and self.pending_bytes <= MAX_PENDING_BYTES:
            return
        if self.broker_style:
            self._drop_oldest()
        else:
            self._close_as_ping_timeout()

    def _drop_oldest(self):
        while self.queue.qsize() > 1 and (self.queue.qsize() > BROKER_WEB_SOCKET_BUFFER_SIZE
                                          or self.pending_bytes > MAX_PENDING_BYTES):
            self.pending_bytes -= len(self.queue.get_nowait())
            self.dropped += 1
            if self.dropped == 1:
                self._warn("dropping its oldest queued messages (Broker::web_socket_overflow_policy "
                           "drop_oldest; limit %d messages, here also %d bytes)"
                           % (BROKER_WEB_SOCKET_BUFFER_SIZE, MAX_PENDING_BYTES))

    def _close_as_ping_timeout(self):
        self.closed_as_slow = True
        queued = self.pending_bytes
        while not self.queue.empty():
            self.queue.get_nowait()
        self.pending_bytes = 0
        self.queue.put_nowait(None)  # the writer stops; nothing queued is sent any more
        self._warn("%d bytes queued, closing it with 1011 \"Ping timeout\" as Zeek >= 8.1 does with a "
                   "client that misses its pings" % queued)
        asyncio.ensure_future(self.ws.close(1011, "Ping timeout"))

    def _warn(self, text):
        if self.log is not None:
            self.log.warning("%sclient=%d not reading: %s" % (self.log_prefix, self.number, text))

    async def write_loop(self):
        try:
            while True:
                text = await self.queue.get()
                if text is None:
                    return
                self.pending_bytes -= len(text)
                await self.ws.send(text)
        except ConnectionClosed:
            return


def make_ssl_context(options):
    """The server TLS context for the options, or None for plain ws."""
    profile = options.zeek_version
    if options.tls_cert or options.tls_key:
        if not (options.tls_cert and options.tls_key):
            raise SystemExit("emulator: --tls-cert and --tls-key go together")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(options.tls_cert, options.tls_key)
        if profile == "8.0":
            ctx.set_ciphers("HIGH:!aNULL:!MD5")  # Broker's choice with certificates
        return ctx
    if options.tls:
        if profile != "8.0":
            raise SystemExit("emulator: --tls (anonymous TLS) exists only with --zeek-version 8.0; "
                             "Zeek >= 8.1 needs --tls-cert and --tls-key")
        # Broker without certificates: anonymous ECDH, no certificate, TLS <= 1.2.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("AECDH-AES256-SHA:@SECLEVEL=0")
        ctx.set_ecdh_curve("prime256v1")
        return ctx
    return None


class EmulatorServer(object):
    # What this endpoint's Zeek process declares and subscribes to; the
    # cluster listener (cluster_ws.py) replaces both.
    signatures = events.SIGNATURES
    subscriptions = CONTROLLER_SUBSCRIPTIONS
    log_prefix = ""

    def __init__(self, options, log):
        self.options = options
        self.profile = PROFILES[options.zeek_version]
        self.log = log
        self.node_id = str(uuid.uuid4())
        self.clients = {}
        self.connections = 0
        self.controller = None  # set by the caller

    # -- outbound --------------------------------------------------------------

    def publish_event(self, name, args, topic=CONTROLLER_TOPIC):
        """The controller publishes an event: every subscribed client gets it."""
        event = bj.make_event(name, args, self.profile.metadata)
        self.broadcast(topic, json.dumps(bj.data_message(topic, event)), exclude=None)

    def broadcast(self, topic, text, exclude):
        for client in list(self.clients.values()):
            if client is not exclude and client.wants(topic):
                client.send(text)

    # -- HTTP upgrade ------------------------------------------------------------

    def process_request(self, connection, request):
        if self.profile.broker_style and request.path != PATH:
            # Broker rejects the upgrade: "invalid path; try /v1/messages/json".
            return connection.respond(http.HTTPStatus.BAD_REQUEST, "invalid path; try %s\n" % PATH)
        return None

    # -- connections -------------------------------------------------------------

    async def handler(self, ws):
        number = self.connections
        self.connections += 1
        client = Client(number, ws, self.profile.broker_style, self.log, self.log_prefix)
        client.writer = asyncio.ensure_future(client.write_loop())
        self.clients[number] = client
        peer = ws.remote_address[0] if ws.remote_address else "?"
        self.log.line("%sconnect client=%d peer=%s path=%s" % (self.log_prefix, number, peer, ws.request.path))
        try:
            if not self.profile.broker_style and not await self._check_open(client):
                await self._drain(ws)
                return
            await self._serve(client)
        except ConnectionClosed:
            pass
        except Exception as err:  # a bug must not take the server down
            self.log.warning("client=%d internal error %r" % (number, err))
        finally:
            self.clients.pop(number, None)
            client.queue.put_nowait(None)
            try:
                await asyncio.wait_for(client.writer, 2)
            except (asyncio.TimeoutError, Exception):
                client.writer.cancel()
            self.log.line("%sdisconnect client=%d" % (self.log_prefix, number))

    async def _check_open(self, client):
        ws = client.ws
        if ws.request.path != PATH:
            await self._error_and_close(client, "invalid_uri", "Invalid URI - use %s" % PATH)
            return False
        app = ws.request.headers.get("X-Application-Name")
        if app is not None and not APP_NAME_RE.match(app):
            await self._error_and_close(client, "invalid_application_name", "Invalid X-Application-Name")
            return False
        return True

    async def _error_and_close(self, client, code, context):
        client.send(json.dumps({"type": "error", "code": code, "context": context}))
        client.queue.put_nowait(None)
        await client.writer
        await client.ws.close(1008, context)

    async def _drain(self, ws):
        try:
            async for _message in ws:
                pass
        except ConnectionClosed:
            pass

    def _error(self, client, context):
        client.send(json.dumps({"type": "error", "code": DESER, "context": context}))

    async def _serve(self, client):
        ws = client.ws
        handshake_done = False
        async for message in ws:
            if isinstance(message, bytes):
                if self.profile.broker_style:
                    await ws.close(1003, "binary messages are not supported")
                    return
                message = message.decode("utf-8", "replace")
            if not handshake_done:
                handshake_done = True
                topics = self._parse_handshake(client, message)
                if topics is None:
                    if self.profile.broker_style:
                        # Broker: "first message must contain a filter"; the stream ends.
                        await ws.close(1011, "first message must contain a filter")
                        return
                    continue  # Zeek >= 8.1: the error frame went out; no ack will follow
                client.subscriptions = list(dict.fromkeys(topics))
                endpoint = self.node_id if self.profile.broker_style else "%s-websocket-%d" % (
                    self.node_id, client.number)
                client.send(json.dumps({"type": "ack", "endpoint": endpoint, "version": self.profile.ack_version}))
                continue
            if client.subscriptions is None:
                continue  # Zeek >= 8.1 queues these forever after a failed handshake
            self._on_message(client, message)

    def _parse_handshake(self, client, text):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            doc = None
        if not isinstance(doc, list):
            if not self.profile.broker_style:
                self._error(client, "subscriptions not an array")
            return None
        for item in doc:
            if not isinstance(item, str):
                if not self.profile.broker_style:
                    self._error(client, "individual subscription not a string")
                return None
        return doc

    def _on_message(self, client, text):
        client.inputs += 1
        try:
            if self.profile.broker_style:
                self._on_message_broker(client, text)
            else:
                self._on_message_zeek(client, text)
        except Exception as err:  # keep serving whatever happens
            self.log.warning("client=%d message %d: internal error %r" % (client.number, client.inputs, err))

    def _on_message_zeek(self, client, text):
        try:
            obj = json.loads(text)
            value = bj.from_json(obj)
        except (ValueError, RecursionError, bj.BrokerJSONError):
            self._error(client, "failed to decode JSON object")
            return
        topic = obj.get("topic")
        if topic is None:
            self._error(client, "no topic in top-level JSON object")
            return
        if not isinstance(topic, str):
            self._error(client, "failed to decode JSON object")
            return
        event = bj.as_event(value)
        if event is None or event.name not in self.signatures:
            self._error(client, "failed to create Zeek event")
            if event is not None:
                self.log.warning("%sclient=%d unknown event %s" % (self.log_prefix, client.number, event.name))
            return
        try:
            args = events.convert_event_args(event.name, event.args, "8.2", self.signatures)
        except events.ConversionError as err:
            self.log.warning("%sclient=%d Unserialize error %s" % (self.log_prefix, client.number, err))
            self._error(client, "failed to create Zeek event")
            return
        except events.MissingField as err:
            args = err
        self._forward(client, topic, value)
        self._deliver(client, topic, event.name, args)

    def _on_message_broker(self, client, text):
        number = client.inputs
        try:
            obj = json.loads(text)
        except RecursionError:
            self._error(client, "input #%d contained malformed JSON -> caf::pec::nested_too_deeply" % number)
            return
        except ValueError as err:
            self._error(client, "input #%d contained malformed JSON -> caf::pec::unexpected_character(%d, %d)"
                        % (number, err.lineno, err.colno))
            return
        if not isinstance(obj, dict):
            self._error(client, "input #%d expected a JSON object" % number)
            return
        try:
            value = bj.from_json(obj)
        except (bj.BrokerJSONError, RecursionError):
            value = None
        topic = obj.get("topic")
        if value is None or not isinstance(topic, str):
            self._error(client, "input #%d contained invalid data" % number)
            return
        self._forward(client, topic, value)
        if not self.subscribed(topic):
            return
        # Zeek converts the Broker event; every problem is a reporter warning only.
        event = bj.as_event(value)
        if event is None:
            self.log.warning("%sclient=%d dropped a non-event message" % (self.log_prefix, client.number))
            return
        if event.name not in self.signatures:
            self.log.warning("%sclient=%d no handler for event '%s', dropped"
                             % (self.log_prefix, client.number, event.name))
            return
        try:
            args = events.convert_event_args(event.name, event.args, "8.0", self.signatures)
        except events.ConversionError as err:
            self.log.warning("%sclient=%d failed to convert remote event '%s': %s, dropped"
                             % (self.log_prefix, client.number, event.name, err))
            return
        except events.MissingField as err:
            args = err
        self._deliver(client, topic, event.name, args)

    def _forward(self, client, topic, value):
        self.broadcast(topic, json.dumps(bj.data_message(topic, value)), exclude=client)

    def subscribed(self, topic):
        """Whether this endpoint's Zeek process receives messages on ``topic``."""
        return topic.startswith(tuple(self.subscriptions))

    def _deliver(self, client, topic, name, args):
        if not self.subscribed(topic):
            return
        short = name.rsplit("::", 1)[-1]
        if not short.endswith("_request") and short != "notify_agents_ready":
            return  # declared (responses) but the controller has no handler
        reqid = "-"
        if isinstance(args, events.MissingField):
            self.log.request(short, reqid, client.number)
            self.log.warning("client=%d runtime error in %s: field %s unset, no response" % (
                client.number, short, args))
            return
        if short != "notify_agents_ready":
            reqid = args[0]
        self.log.request(short, reqid, client.number)
        self.controller.handle(name, args)

    # -- running -------------------------------------------------------------

    @property
    def max_message_size(self):
        """The largest message Zeek's server takes (larger ones close with 1009). Zeek <= 8.0, Broker on
        CAF, refuses frames of INT32_MAX bytes and more, a client's 14-byte header included
        (libcaf_net/caf/net/web_socket/framing.cpp, max_frame_size); Zeek >= 8.1's IXWebSocket sets none."""
        return 2 ** 31 - 1 - 14 - 1 if self.profile.broker_style else None

    async def run(self, ready_callback, stop_event):
        ssl_ctx = make_ssl_context(self.options)
        ping = None if self.profile.broker_style else 5
        async with serve(self._handler_entry, self.options.host, self.options.port,
                         process_request=self.process_request, ssl=ssl_ctx, compression=None,
                         ping_interval=ping, ping_timeout=30 if ping else None,
                         max_size=self.max_message_size, max_queue=None) as server:
            port = server.sockets[0].getsockname()[1]
            scheme = "wss" if ssl_ctx is not None else "ws"
            host = self.options.host
            if ":" in host:
                host = "[%s]" % host
            ready_callback("%s://%s:%d%s" % (scheme, host, port, PATH), port)
            await stop_event.wait()

    async def _handler_entry(self, ws):
        await self.handler(ws)
