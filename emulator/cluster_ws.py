"""A WebSocket listener inside the deployed cluster, on the manager.

The management framework starts no such listener; a cluster gets one when the
manager loads ``policy/frameworks/cluster/websocket/server`` (which reads
``ZEEK_WEBSOCKET_LISTEN_ADDRESS`` / ``ZEEK_WEBSOCKET_LISTEN_PORT``, default
127.0.0.1:27759) or a site script such as the ``websocket.zeek`` of Zeek's
WebSocket API documentation.  The emulator starts it when the manager node of a
deployment runs with such a script among its ``scripts`` and stops it when that
node goes away (a redeploy or a restart of the manager); ``--cluster-websocket
HOST:PORT`` keeps one up for the emulator's whole life instead.

Clients publish events into the cluster's publish/subscribe layer.  The
emulated Zeek processes handle:

* ``Config::cluster_set_option(ID, val: any, location)``
  (``base/frameworks/config/main.zeek``): the manager caches it, broadcasts it
  to ``zeek/cluster/{logger,manager,proxy,worker}`` and applies it; every node
  that receives it runs ``Option::set`` (``options.py``), so ``get_id_value``
  through the controller shows the new value, and refusals are logged with
  Zeek's text;
* ``NetsecOptions::query(reqid, ids, reply_topic)`` when the manager loads
  roles/systemd_cluster's ``option_values.zeek``: the manager answers
  ``NetsecOptions::values(reqid, values, types, missing)`` on ``reply_topic``
  with every running node's options among ``ids`` (their ``to_json`` text);
* the test fixture ``Netsec::ping(reqid, payload)`` -> ``Netsec::pong(reqid,
  payload, node, nodes, uptime)`` on topic ``netsec/pong`` (README.md), which a
  small site script gives a real manager.

Transport behaviour (handshake, ack, error frames, no echo, fan-out to other
clients) is the controller's, by version profile (``server.py``).
"""

import asyncio
import re

from websockets.asyncio.server import serve

from plugins.module_utils import broker_json as bj

from .agents import RUNNING
from .identifiers import OPTION
from .options import option_set
from .server import PATH, EmulatorServer

SET_OPTION = "Config::cluster_set_option"
PING = "Netsec::ping"
PONG = "Netsec::pong"
PONG_TOPIC = "netsec/pong"
QUERY = "NetsecOptions::query"
VALUES = "NetsecOptions::values"
MANAGER_TOPIC = "zeek/cluster/manager"
BROADCAST_TOPICS = ("zeek/cluster/logger", "zeek/cluster/manager", "zeek/cluster/proxy", "zeek/cluster/worker")
DEFAULT_ADDRESS, DEFAULT_PORT = "127.0.0.1", 27759

# Events the manager process declares (a WebSocket client may publish only these on Zeek >= 8.1).
CLUSTER_SIGNATURES = {
    SET_OPTION: [bj.STRING, bj.ANY, bj.STRING],
    PING: [bj.STRING, bj.STRING],
    PONG: [bj.STRING, bj.STRING, bj.STRING, bj.SetType(bj.STRING), bj.INTERVAL],
    QUERY: [bj.STRING, bj.VectorType(bj.STRING), bj.STRING],
    VALUES: [bj.STRING, bj.TableType(bj.STRING, bj.TableType(bj.STRING, bj.STRING)),
             bj.TableType(bj.STRING, bj.STRING), bj.SetType(bj.STRING)],
}

_SERVER_SCRIPT_RE = re.compile(r"(^|/)frameworks/cluster/websocket/server(\.zeek)?$")


def loads_websocket(config_node):
    """Whether a node's scripts start a WebSocket listener."""
    for script in config_node.get("scripts") or []:
        path = str(script).strip().rstrip("/")
        if _SERVER_SCRIPT_RE.search(path) or path.endswith("websocket.zeek"):
            return True
    return False


def loads_option_values(config_node):
    """Whether a node loads roles/systemd_cluster's option_values.zeek."""
    return any(str(script).strip().rstrip("/").endswith(("option_values.zeek", "option_values"))
               for script in config_node.get("scripts") or [])


def listen_address(config_node):
    """(address, port) as server.zeek reads them from the node's environment."""
    env = config_node.get("env") or {}
    address = str(env.get("ZEEK_WEBSOCKET_LISTEN_ADDRESS") or "").strip().lstrip("[").rstrip("]") or DEFAULT_ADDRESS
    port = DEFAULT_PORT
    digits = re.search(r"\d+", str(env.get("ZEEK_WEBSOCKET_LISTEN_PORT") or ""))
    if digits:  # extract_count(): the first number, "/tcp" or not
        port = int(digits.group(0))
    return address, port


def parse_listen(text):
    """``HOST:PORT`` or ``[V6]:PORT`` for --cluster-websocket."""
    host, _sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise ValueError("expected HOST:PORT, got %r" % text)
    return host, int(port)


def node_subscriptions(node):
    role = node.role.lower()
    return ("zeek/cluster/%s" % role, "zeek/cluster/node/%s/" % node.name)


class ClusterWebSocketServer(EmulatorServer):
    """The listener's transport, delivering events to the emulated cluster."""

    signatures = CLUSTER_SIGNATURES
    log_prefix = "cluster-"

    def __init__(self, options, log, cluster):
        super(ClusterWebSocketServer, self).__init__(options, log)
        self.cluster = cluster
        self.server = None
        self.url = None

    @property
    def subscriptions(self):
        subscriptions = set()
        for node in self.cluster.running_nodes():
            subscriptions.update(node_subscriptions(node))
        return subscriptions

    def _deliver(self, client, topic, name, args):
        if not self.subscribed(topic):
            return
        self.log.line("cluster-event %s topic=%s client=%d" % (name, topic, client.number))
        self.cluster.deliver(topic, name, args)

    async def start(self, host, port):
        self.server = await serve(self._handler_entry, host, port, compression=None,
                                  process_request=self.process_request,
                                  ping_interval=None if self.profile.broker_style else 5,
                                  ping_timeout=None if self.profile.broker_style else 30,
                                  max_size=self.max_message_size, max_queue=None)
        bound = self.server.sockets[0].getsockname()[1]
        shown = "[%s]" % host if ":" in host else host
        self.url = "ws://%s:%d%s" % (shown, bound, PATH)
        return bound

    async def stop(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None


class Cluster(object):
    """The running cluster as the listener's Zeek processes see it."""

    def __init__(self, loop, options, log, controller):
        self.loop = loop
        self.options = options
        self.log = log
        self.controller = controller
        self.option_cache = {}
        self.listener = None
        self.owner = None  # the manager node whose scripts started the listener
        self._lock = asyncio.Lock()
        self.forced = parse_listen(options.cluster_websocket) if options.cluster_websocket else None

    # -- the nodes ---------------------------------------------------------------

    def running_nodes(self):
        nodes = []
        for agent in self.controller.agents.values():
            nodes.extend(n for n in agent.nodes.values() if n.state == RUNNING)
        return sorted(nodes, key=lambda n: n.name)

    def manager(self):
        for node in self.running_nodes():
            if node.role == "MANAGER":
                return node
        return None

    # -- listener lifecycle (hooks called by agents.SupervisedNode) ----------------

    def start(self):
        """At emulator start: the forced listener, if any."""
        if self.forced is not None:
            self._schedule(self._open(*self.forced))

    def node_up(self, node):
        if self.forced is None and node.role == "MANAGER" and loads_websocket(node.config):
            self.owner = node
            self._schedule(self._open(*listen_address(node.config)))

    def node_down(self, node):
        if self.forced is None and self.owner is node:
            self.owner = None
            self.option_cache = {}
            self._schedule(self._close())

    def _schedule(self, coroutine):
        async def serialised():
            async with self._lock:
                await coroutine
        asyncio.ensure_future(serialised())

    async def shutdown(self):
        async with self._lock:
            await self._close()

    async def _open(self, host, port):
        await self._close()
        server = ClusterWebSocketServer(self.options, self.log, self)
        try:
            await server.start(host, port)
        except OSError as err:
            self.log.warning("cluster websocket: cannot listen on %s:%d: %s" % (host, port, err))
            return
        self.listener = server
        self.log.info("cluster websocket listening on %s" % server.url)

    async def _close(self):
        if self.listener is not None:
            listener, self.listener = self.listener, None
            await listener.stop()
            self.log.info("cluster websocket on %s stopped" % listener.url)

    # -- events --------------------------------------------------------------------

    def deliver(self, topic, name, args):
        receivers = [n for n in self.running_nodes() if topic.startswith(node_subscriptions(n))]
        if name == SET_OPTION:
            self._set_option(receivers, *args)
        elif name == QUERY:
            for node in receivers:
                if node.role == "MANAGER" and loads_option_values(node.config):
                    self._option_values(*args)
        elif name == PING:
            for node in receivers:
                if node.role == "MANAGER":
                    self._pong(node, *args)

    def _set_option(self, receivers, name, value, location):
        targets = {}
        for node in receivers:
            targets[node.name] = node
            if node.role != "MANAGER":
                continue
            # The manager caches the value for nodes that join later and broadcasts it.
            self.option_cache[name] = (value, location)
            for topic in BROADCAST_TOPICS:
                if self.listener is not None:
                    self.listener.publish_event(SET_OPTION, [name, value, location], topic)
                for other in self.running_nodes():
                    if other is not node and topic.startswith(node_subscriptions(other)):
                        targets[other.name] = other
        for node_name in sorted(targets):
            ok, text = option_set(targets[node_name].identifiers, name, value)
            if ok:
                self.log.line("option-set node=%s id=%s location=%s" % (node_name, name, location))
            else:
                self.log.line("option-error node=%s %s" % (node_name, text))

    def _option_values(self, reqid, ids, reply_topic):
        """option_values.zeek on the manager: every running node's options among ``ids``."""
        values, types = [], {}
        for node in self.running_nodes():
            table = node.identifiers
            mine = [(str(i), table.get(str(i))) for i in ids
                    if table.get(str(i)) is not None and table.kind(str(i)) == OPTION]
            values.append((node.name, bj.Table(mine)))
            types.update((name, table.zeek_type(name)) for name, _text in mine)
        if self.listener is not None:
            self.listener.publish_event(VALUES, [reqid, bj.Table(values), bj.Table(sorted(types.items())), bj.Set()],
                                        reply_topic)

    def _pong(self, node, reqid, payload):
        uptime = max(0.0, self.loop.time() - (node.started_at or self.loop.time()))
        names = bj.Set(n.name for n in self.running_nodes())
        if self.listener is not None:
            self.listener.publish_event(PONG, [reqid, payload, node.name, names, bj.Timespan(int(uptime * 1e9))],
                                        PONG_TOPIC)
