"""Per-node global identifier tables for ``get_id_value``.

The table comes from a real Zeek: ``make emulator-identifiers`` runs real nodes of every
role that dump every global identifier (``tests/real/gen_identifiers.py``) into
``data/identifiers-<version>.json.gz``: its type, whether it is an ``option``, a ``const``
or a plain global, and ``to_json`` of its value, per role where roles differ. Names the
real node has without a value (types, unassigned globals) answer "no ID value". On top
of that, values that depend on the deployment are computed here (``Cluster::node``,
``Cluster::nodes``, ``Telemetry::metrics_port``), and ``DEFAULTS`` supplies the few that
the generator leaves out because they only describe its own run (ports, paths).

A real cluster node answers ``get_id_value`` with ``to_json(lookup_ID(id))``
(``policy/frameworks/management/node/main.zeek``).  The emulator keeps, per
supervised node, a table of identifier name -> the JSON *text* Zeek's
``to_json`` would render (compact, as rapidjson writes it).  Three outcomes
exist, as in Zeek:

* the name is in the table with a value: success, ``data`` = the JSON text;
* the name is a type (``connection``, ``Conn::Info``): "no ID value";
* anything else: "unknown id".

``DEFAULTS`` is the one place that lists the seeded identifiers.  Each entry
gives the Zeek type, whether it is an ``option`` (runtime-changeable through
``Config::set_value`` / ``Config::cluster_set_option``) or a ``const``, and the
default value as plain JSON data, or a function of the node (name, role) for
values that differ per node.  ``IdentifierTable.set`` is the hook for code that
models runtime option changes.
"""

import gzip
import json
import os
import uuid

from plugins.module_utils import broker_json as bj

# Values below are the Zeek 8.x defaults, read from the scripts named in the
# comments (base/init-bare.zeek unless stated).

_DAY, _HOUR, _MIN = 86400.0, 3600.0, 60.0


def render_interval(seconds):
    """An interval as Zeek's ``to_json`` renders it: ``"1.0 hr"``, ``"1.0 min 30.0 secs"``."""
    return bj.interval_text(int(round(float(seconds) * 1e9)))


def _port(number, proto="tcp"):
    return {"port": number, "proto": proto}


def to_json_key(value):
    """A non-string table key as Zeek's to_json writes it: the key's own compact JSON text."""
    return json.dumps(value, separators=(",", ":"))


def _rotation_interval(node):
    # base/frameworks/cluster/nodes/logger.zeek: 1 hrs; manager/proxy/worker: 24 hrs.
    return render_interval(_HOUR if node.role == "LOGGER" else _DAY)


OPTION = "option"
CONST = "const"

# name -> (zeek type, kind, default value or callable(node) -> value)
DEFAULTS = {
    "bits_per_uid": ("count", CONST, 96),
    "ignore_checksums": ("bool", CONST, False),
    "table_expire_interval": ("interval", CONST, render_interval(10)),
    "tcp_inactivity_timeout": ("interval", CONST, render_interval(5 * _MIN)),
    "udp_inactivity_timeout": ("interval", CONST, render_interval(_MIN)),
    "watchdog_interval": ("interval", CONST, render_interval(10)),
    "peer_description": ("string", CONST, "zeek"),
    "dpd_buffer_size": ("count", CONST, 1024),
    # base/frameworks/logging: writers/ascii.zeek, main.zeek, cluster/nodes/*.zeek
    "LogAscii::use_json": ("bool", CONST, False),
    "LogAscii::gzip_level": ("count", CONST, 0),
    "Log::default_rotation_interval": ("interval", CONST, _rotation_interval),
    "Log::enable_local_logging": ("bool", CONST, lambda node: node.role == "LOGGER"),
    "Log::enable_remote_logging": ("bool", CONST, lambda node: node.role != "LOGGER"),
    # base/frameworks/broker/main.zeek
    "Broker::default_port": ("port", CONST, _port(9999)),
    "Broker::disable_ssl": ("bool", CONST, False),
    "Broker::forward_messages": ("bool", CONST, False),
    # base/frameworks/cluster/main.zeek
    "Cluster::node": ("string", CONST, lambda node: node.name),
    "Cluster::retry_interval": ("interval", CONST, render_interval(1)),
    # policy/frameworks/management/controller/config.zeek (loaded by nodes too)
    "Management::Controller::auto_assign_broker_start_port": ("port", CONST, _port(2200)),
    "Management::Controller::auto_assign_metrics_start_port": ("port", CONST, _port(9000)),
    "Management::Controller::auto_assign_broker_ports": ("bool", CONST, True),
    "Management::Controller::auto_assign_metrics_ports": ("bool", CONST, True),
    # base/utils/site.zeek
    "Site::local_nets": ("set[subnet]", OPTION, []),
    "Site::neighbor_nets": ("set[subnet]", OPTION, []),
    "Site::local_zones": ("set[string]", OPTION, []),
    "Site::local_admins": ("table[subnet] of set[string]", OPTION, {}),
    # base/frameworks/notice/main.zeek
    "Notice::default_suppression_interval": ("interval", OPTION, render_interval(_HOUR)),
    "Notice::ignored_types": ("set[Notice::Type]", OPTION, []),
    "Notice::emailed_types": ("set[Notice::Type]", OPTION, []),
    "Notice::alarmed_types": ("set[Notice::Type]", OPTION, []),
    "Notice::not_suppressed_types": ("set[Notice::Type]", OPTION, []),
    "Notice::sendmail": ("string", OPTION, "/usr/sbin/sendmail"),
    "Notice::mail_from": ("string", OPTION, "Zeek <zeek@localhost>"),
    "Notice::reply_to": ("string", OPTION, ""),
    "Notice::mail_subject_prefix": ("string", OPTION, "[Zeek]"),
    "Notice::suppression_batch_period": ("interval", OPTION, render_interval(0.01)),
    "Notice::suppression_batch_max_size": ("count", OPTION, 50),
    # base/protocols/*
    "HTTP::default_capture_password": ("bool", OPTION, False),
    "HTTP::max_pending_requests": ("count", OPTION, 100),
    "HTTP::max_files_orig": ("count", OPTION, 15),
    "HTTP::max_files_resp": ("count", OPTION, 15),
    "SSL::max_ssl_history_length": ("count", OPTION, 100),
    "SSL::disable_analyzer_after_detection": ("bool", OPTION, True),
    "Conn::default_extract": ("bool", OPTION, False),
    "Conn::port_inactivity_timeouts": ("table[port] of interval", OPTION, {
        to_json_key(_port(n)): render_interval(_HOUR) for n in (21, 22, 23, 513)}),
    "Files::enable_reassembler": ("bool", OPTION, True),
    "HTTP::proxy_headers": ("set[string]", OPTION, [
        "FORWARDED", "X-FORWARDED-FOR", "X-FORWARDED-FROM", "CLIENT-IP", "VIA", "XROXY-CONNECTION",
        "PROXY-CONNECTION"]),
    # base/init-bare.zeek (module Weird and globals)
    "Weird::sampling_threshold": ("count", OPTION, 25),
    "Weird::sampling_rate": ("count", OPTION, 1000),
    "Weird::sampling_whitelist": ("set[string]", OPTION, []),
    "default_file_timeout_interval": ("interval", OPTION, render_interval(2 * _MIN)),
    "udp_content_ports": ("set[port]", OPTION, []),
    # base/files/x509/certificate-event-cache.zeek
    "X509::caching_required_encounters": ("count", OPTION, 10),
    "X509::caching_required_encounters_interval": ("interval", OPTION, render_interval(62)),
    # base/frameworks/netcontrol/types.zeek, logging/main.zeek
    "NetControl::default_priority": ("int", OPTION, 0),
    "Log::default_rotation_postprocessor_cmd_env": ("table[string] of string", OPTION, {}),
    # policy/misc/capture-loss.zeek (loaded by the default site/local.zeek)
    "CaptureLoss::too_much_loss": ("double", OPTION, 0.1),
}

GENERATED_VERSION = "8.2.2"
_DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                          "identifiers-%s.json.gz" % GENERATED_VERSION)
_GENERATED = {}


def generated():
    """The real Zeek's identifier table and script names (loaded once)."""
    if not _GENERATED:
        with gzip.open(_DATA_FILE, "rt", encoding="utf-8") as handle:
            _GENERATED.update(json.load(handle))
        _GENERATED["script_set"] = frozenset(_GENERATED["scripts"])
    return _GENERATED


def script_loads(name):
    """Whether a node's ``scripts`` entry loads: an absolute path that exists here, a script
    name on the real Zeek's default ZEEKPATH (share/zeek, share/zeek/policy), or anything
    under ``site/``."""
    if os.path.isabs(name):
        return os.path.isfile(name) or os.path.isfile(name + ".zeek") or os.path.isfile(
            os.path.join(name, "__load__.zeek"))
    stem = os.path.normpath(name[:-len(".zeek")] if name.endswith(".zeek") else name)
    if stem.startswith("site/"):
        # The site directory is the operator's (roles/install puts websocket.zeek there):
        # the emulator cannot see the agent host's, so it assumes those scripts exist.
        return True
    return stem in generated()["script_set"]


def _cluster_nodes(node):
    """``Cluster::nodes`` as the node's cluster/supervisor.zeek fills it from the layout the
    agent ships (fields in Cluster::Node's declaration order); ``id`` is the Broker id of
    nodes this one is connected to (not itself; workers do not peer with workers)."""
    layout = node.agent.layout()
    manager = next((n["name"] for n in layout if n["role"].endswith("MANAGER")), "")
    out = {}
    for cnode in layout:
        role = cnode["role"].split("::")[-1]
        entry = {"node_type": "Cluster::%s" % role, "ip": cnode["host"], "zone_id": "",
                 "p": _port(*cnode["p"]) if cnode.get("p") else {"port": 0, "proto": "unknown"}}
        if manager and role != "MANAGER":
            entry["manager"] = manager
        peer = node.agent.nodes.get(cnode["name"])
        if (peer is not None and peer is not node and peer.state == "Management::RUNNING"
                and not (role == "WORKER" and node.role == "WORKER")):
            entry["id"] = peer.broker_id
        if cnode.get("metrics_port"):
            entry["metrics_port"] = _port(*cnode["metrics_port"])
        out[cnode["name"]] = entry
    return out


def _metrics_port(node):
    # Cluster::local_node_metrics_port(): the layout's port, else 0/unknown.
    port = node.config.get("metrics_port")
    return _port(*port) if port else {"port": 0, "proto": "unknown"}


# Computed per node: they depend on the deployment, not on the Zeek build.
COMPUTED = {
    "Cluster::node": ("string", CONST, lambda node: node.name),
    "Cluster::nodes": ("table[string] of Cluster::Node", "global", _cluster_nodes),
    "Telemetry::metrics_port": ("port", OPTION, _metrics_port),
}


def new_broker_id():
    return str(uuid.uuid4())


# Options that site scripts declare (``option MySite::x: T = ...;``), added with
# ``--site-option NAME TYPE DEFAULT_JSON``: name -> (type, OPTION, default).
SITE_OPTIONS = {}


def declare_site_option(name, zeek_type, default_json):
    """Seed an extra ``option`` on every node started from now on."""
    SITE_OPTIONS[name] = (zeek_type, OPTION, json.loads(default_json))


# Names that exist but are types, not values: lookup_ID gives "<no ID value>".
TYPE_NAMES = frozenset([
    "connection", "endpoint", "conn_id", "addr_set", "string_set", "count_set",
    "Conn::Info", "Log::ID", "Notice::Type", "Cluster::Node", "Management::Node",
    "Management::Configuration", "Management::Result",
])

UNKNOWN_ID = "unknown id"
NO_ID_VALUE = "no ID value"


def to_json_text(value):
    """Plain JSON data -> the compact text Zeek's to_json produces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class IdentifierTable(object):
    """The global identifiers of one supervised node."""

    def __init__(self, node):
        self._values = {}
        self._types = {}
        self._kinds = {}
        self._no_value = set()
        data = generated()
        role_table = data["by_role"].get(node.role, {})
        for table in (data["common"], role_table):
            for name, (ztype, kind, text) in table.items():
                if kind == "novalue":
                    self._no_value.add(name)
                    self._values.pop(name, None)
                    continue
                self._no_value.discard(name)
                if table is role_table and text == to_json_text(node.role.lower()):
                    # The generator's node of this role was named after the role: a value
                    # that is just that name is this node's name (peer_description, ...).
                    text = to_json_text(node.name)
                self._values[name] = text
                self._types[name] = ztype
                self._kinds[name] = kind
        # The hand-written table only fills what the generator left out.
        seeds = {name: entry for name, entry in DEFAULTS.items() if name not in self._values}
        seeds.update(COMPUTED)
        seeds.update(SITE_OPTIONS)
        self._computed = {}
        for name, (ztype, kind, default) in seeds.items():
            if name in COMPUTED:
                self._computed[name] = (node, default)
                self._values.pop(name, None)
            else:
                value = default(node) if callable(default) else default
                self._values[name] = to_json_text(value)
            self._types[name] = ztype
            self._kinds[name] = kind

    def lookup(self, name):
        """(success, json_text_or_error) as the node's dispatch_get_id_value answers."""
        if name in self._computed and name not in self._values:
            node, func = self._computed[name]
            return True, to_json_text(func(node))
        if name in self._values:
            return True, self._values[name]
        if name in TYPE_NAMES or name in self._no_value:
            return False, NO_ID_VALUE
        return False, UNKNOWN_ID

    def get(self, name):
        """The JSON text of the value, or None."""
        ok, text = self.lookup(name)
        return text if ok else None

    def set(self, name, value_json, zeek_type=None, kind=OPTION):
        """Set (or add) an identifier; ``value_json`` is JSON text or plain data."""
        if not isinstance(value_json, str):
            value_json = to_json_text(value_json)
        else:
            json.loads(value_json)  # must be valid JSON text
        self._values[name] = value_json
        self._no_value.discard(name)
        if name not in self._types:
            self._types[name] = zeek_type or "any"
            self._kinds[name] = kind

    def zeek_type(self, name):
        return self._types.get(name)

    def kind(self, name):
        return self._kinds.get(name)

    def names(self):
        return sorted(set(self._values) | set(self._computed))
