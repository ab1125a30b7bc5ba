# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cluster model: Instance, Node, Configuration, their errors, and the one
parser of what every form (dict, ``.ini``, wire) shares: roles, ports, hosts
and the rule for nodes that name no instance. See docs/cluster-model.md."""

from __future__ import annotations

import difflib
import ipaddress
import re

ROLES = ("MANAGER", "LOGGER", "PROXY", "WORKER", "NONE")
ROLE_WORDS = "manager, logger, proxy, worker, none"
# Roles that Zeek gives a Broker port (the controller assigns one when unset).
PORTED_ROLES = ("MANAGER", "LOGGER", "PROXY")
NODE_FIELDS = ("name", "instance", "role", "port", "metrics_port", "interface", "cpu_affinity",
               "scripts", "env", "options")
INSTANCE_FIELDS = ("name", "host", "port")
# Management::Instance's host when the controller does not know it.
UNKNOWN_HOST = "0.0.0.0"
# Management::Node's cpu_affinity is a Zeek int, but the supervisor keeps it in
# a C int and pins with it (src/supervisor/Supervisor.cc: static_cast<int>,
# set_affinity(int core_number)): a CPU index 0 .. 2^31-1.
CPU_AFFINITY_MAX = 2 ** 31 - 1


class ClusterConfigError(ValueError):
    """A configuration that cannot be used; ``messages`` lists every problem found.

    ``config`` is, when a form raised it, what that form could read (records
    with a problem left out), so a caller can lint the rest and report every
    problem of a document at once."""

    def __init__(self, messages, config=None):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = list(messages)
        self.config = config
        super(ClusterConfigError, self).__init__("; ".join(self.messages))


class Finding(object):
    """One ``lint`` result: severity ``error`` or ``warning``, the node (or
    instance) and field it is about, and a message that names both and says
    how to fix it."""

    __slots__ = ("severity", "node", "field", "message")

    def __init__(self, severity, node, field, message):
        self.severity = severity
        self.node = node
        self.field = field
        self.message = message

    def to_dict(self):
        return {"severity": self.severity, "node": self.node, "field": self.field,
                "message": self.message}

    def __eq__(self, other):
        return isinstance(other, Finding) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash((self.severity, self.node, self.field, self.message))

    def __str__(self):
        return self.message

    def __repr__(self):
        return "Finding(%r, %r, %r, %r)" % (self.severity, self.node, self.field, self.message)


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


def quoted(value):
    """A value quoted for a message, YAML-ish: 'text', 42, None."""
    if isinstance(value, str):
        return "'%s'" % value
    return repr(value)


def suggest(name, candidates, cutoff=0.6):
    """The candidate closest to ``name`` (case-insensitive, difflib), or None
    when none is close: ``suggest("agent-sensr1", ["agent-sensor1"])`` ->
    ``"agent-sensor1"``."""
    if not isinstance(name, str):
        return None
    by_lower = {}
    for candidate in candidates:
        by_lower.setdefault(str(candidate).lower(), candidate)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[close[0]] if close else None


def did_you_mean(value, choices, lower=False):
    """`` (did you mean 'x'?)`` for the choice closest to ``value``, or ''."""
    close = suggest(value.split("::")[-1], choices) if isinstance(value, str) else None
    if close is None:
        return ""
    return " (did you mean %s?)" % quoted(close.lower() if lower else close)


def where(kind, name, index):
    """"node 'worker-3'" or "nodes[2]" when the entry has no usable name."""
    if isinstance(name, str) and name:
        return "%s '%s'" % (kind, name)
    return "%ss[%d]" % (kind, index)


def field_message(place, field, text):
    if field:
        return "%s field '%s': %s" % (place, field, text)
    return "%s: %s" % (place, text)


# ---------------------------------------------------------------------------
# The one parser of roles, ports and hosts
# ---------------------------------------------------------------------------


def role_name(value):
    """'worker', 'Worker', 'Supervisor::WORKER' -> 'WORKER'; None when ``value``
    names no role. Qualifications are dropped like zeek-client's
    ``Enum.lookup`` does (``X::`` and ``X.``)."""
    if isinstance(value, str):
        short = value.split("::")[-1].split(".")[-1].upper()
        if short in ROLES:
            return short
    return None


def role_problem(value):
    return "%s is not one of %s%s" % (quoted(value), ROLE_WORDS, did_you_mean(value, ROLES, lower=True))


def parse_role(value):
    """``role_name`` or ClusterConfigError naming the valid roles and the closest."""
    short = role_name(value)
    if short is None:
        raise ClusterConfigError(role_problem(value))
    return short


def cpu_problem(value):
    """Why ``value`` is no CPU index, or None when it is one."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= CPU_AFFINITY_MAX:
        return None
    return ("%s is not a CPU index 0-%d (Zeek's supervisor pins the node with a C int)"
            % (quoted(value), CPU_AFFINITY_MAX))


def is_port(number):
    return 1 <= number <= 65535


_PORT_TEXT_RE = re.compile(r"^\s*(\d+)\s*/\s*([A-Za-z?]+)\s*$")
_NUMBER_TEXT_RE = re.compile(r"^\s*[0-9]+\s*$")


def whole_number(value):
    """int, or a float without fraction (JSON 2200.0) -> int; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def port_problem(field, value):
    """Why ``value`` is no port for ``field``, with the fix."""
    if isinstance(value, str):
        match = _PORT_TEXT_RE.match(value)
        if match:
            proto = match.group(2).lower()
            if proto == "tcp":
                return ("%s is not a port number; write %s: %s (the management framework's ports "
                        "are always TCP)" % (quoted(value), field, match.group(1)))
            return ("%s is not a port number, and the management framework only uses TCP ports; "
                    "write %s: %s for %s/tcp" % (quoted(value), field, match.group(1), match.group(1)))
        if value.strip().isdigit():
            return "port %s outside valid range 1-65535" % value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return "port %d outside valid range 1-65535" % value
    return "%s is not a port number (1-65535); write %s: 2200" % (quoted(value), field)


def parse_port(field, value):
    """A TCP port number 1-65535 from an int, a whole float or numeric text;
    ValueError saying why not (``port_problem``) otherwise."""
    number = whole_number(value)
    if number is None and isinstance(value, str) and _NUMBER_TEXT_RE.match(value):
        number = int(value)
    if number is None or not is_port(number):
        raise ValueError(port_problem(field, value))
    return number


def parse_host(value):
    """None, '0.0.0.0', '::1', '[::1]' -> None or canonical IP text;
    ValueError for anything else (hostnames included: the controller needs
    addresses)."""
    if value is None:
        return None
    text = str(value).strip().strip("[]")
    address = ipaddress.ip_address(text)
    text = address.compressed
    return None if text == UNKNOWN_HOST else text


def canonical_options(options):
    """Management::Option set -> sorted tuple of (name, value) pairs, or None."""
    if not options:
        return None
    if isinstance(options, dict):
        pairs = options.items()
    else:
        pairs = []
        for item in options:
            if isinstance(item, dict):
                pairs.append((item["name"], item["value"]))
            else:
                name, value = item
                pairs.append((name, value))
    return tuple(sorted(set((str(k), _text(v)) for k, v in pairs)))


def _text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError("%s is not text" % quoted(value))


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


class Instance(object):
    """``Management::Instance``: an agent. ``host`` None means unknown
    (``0.0.0.0`` on the wire); ``port`` set means the controller connects to
    the agent at host:port, unset means the agent connects to the controller."""

    __slots__ = ("name", "host", "port")

    def __init__(self, name, host=None, port=None):
        self.name = name
        self.host = parse_host(host)
        self.port = port

    def key(self):
        return (self.name, self.host, self.port)

    def copy(self, **updates):
        new = Instance(self.name, None, self.port)
        new.host = self.host  # already canonical
        for attr, value in updates.items():
            setattr(new, attr, value)
        return new

    def __eq__(self, other):
        return isinstance(other, Instance) and self.key() == other.key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return "Instance(%r, host=%r, port=%r)" % self.key()


class Node(object):
    """``Management::Node`` without ``state`` (zeek-client always sends RUNNING).

    ``role`` is the upper-case short name; ports are TCP port numbers; ``env``
    is always a dict; ``options`` a sorted tuple of (name, value) or None;
    ``scripts`` a list (order matters to Zeek) or None.
    """

    __slots__ = NODE_FIELDS

    def __init__(self, name, instance, role, port=None, metrics_port=None, interface=None,
                 cpu_affinity=None, scripts=None, env=None, options=None):
        self.name = name
        self.instance = instance
        self.role = role if role in ROLES else parse_role(role)
        self.port = port
        self.metrics_port = metrics_port
        self.interface = interface
        self.cpu_affinity = cpu_affinity
        self.scripts = None if scripts is None else list(scripts)
        self.env = dict(env) if env else {}
        self.options = canonical_options(options)

    def key(self):
        """Everything the controller sees, hashable: the wire identity."""
        return (self.name, self.instance, self.role, self.port,
                None if self.scripts is None else tuple(self.scripts),
                self.options, self.interface, self.cpu_affinity,
                tuple(sorted(self.env.items())) if self.env else (), self.metrics_port)

    def copy(self, **updates):
        """A copy (env and scripts copied too) with ``updates`` applied."""
        new = Node(self.name, self.instance, self.role, self.port, self.metrics_port, self.interface,
                   self.cpu_affinity, self.scripts, self.env, self.options)
        for attr, value in updates.items():
            setattr(new, attr, value)
        return new

    def __eq__(self, other):
        return isinstance(other, Node) and self.key() == other.key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return "Node(%s)" % ", ".join("%s=%r" % (f, getattr(self, f)) for f in NODE_FIELDS
                                      if getattr(self, f) not in (None, {}))


class Configuration(object):
    """``Management::Configuration``: an id (None until one is chosen), the
    instances and the nodes (lists; the wire has sets)."""

    __slots__ = ("id", "instances", "nodes")

    def __init__(self, id=None, instances=None, nodes=None):  # pylint: disable=redefined-builtin
        self.id = id
        self.instances = list(instances or [])
        self.nodes = list(nodes or [])

    def node(self, name):
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    def instance(self, name):
        for inst in self.instances:
            if inst.name == name:
                return inst
        return None

    def __eq__(self, other):
        return (isinstance(other, Configuration) and self.id == other.id
                and self.instances == other.instances and self.nodes == other.nodes)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Configuration(id=%r, instances=%r, nodes=%r)" % (self.id, self.instances, self.nodes)


def default_instance_name(hostname):
    """zeek-client's instance for configs that name none: ``agent-<hostname>``."""
    return "agent-" + (hostname or "localhost")


# ---------------------------------------------------------------------------
# Nodes that name no instance (zeek-client's Configuration.from_config_parser)
# ---------------------------------------------------------------------------

_NO_DEFAULT = ("no default instance was given (zeek-client uses agent-<hostname of the agent's "
               "machine>)")


def assign_instances(nodes, instances, default_instance, free, total=None, ini=False):
    """Apply the rule for nodes that state no instance; returns ``(instances,
    errors)``.

    ``free`` names the document's nodes that state none, ``total`` counts its
    nodes (default: ``len(nodes)``; more when some could not be read). Either
    all nodes or none may state one. When none do, zeek-client refuses an
    ``[instances]`` section (``ini``) while the dict form uses its only
    declared instance; otherwise they go on ``default_instance``, which the
    caller must know (zeek-client takes its own host name, which is rarely the
    agent's). Without declared instances, every named one is synthesized,
    connecting to the controller. Messages keep zeek-client's words in the
    ``.ini`` form."""
    total = len(nodes) if total is None else total
    if free and len(free) != total:
        msg = "either all or no nodes must state instances"
        if not ini:
            msg += " (without one: %s)" % ", ".join(sorted(free))
        return instances, [msg]
    if free and instances is not None:
        if ini:
            return instances, ["omit instances section when skipping instances in node definitions"]
        if len(instances) != 1:
            return instances, ["nodes do not state instances, so declare at most one instance "
                               "(or state the instance on every node)"]
        for node in nodes:
            node.instance = instances[0].name
    lacking = [n for n in nodes if not n.instance]
    if lacking and not default_instance:
        if ini:
            return instances, ["nodes %s do not state an instance and %s"
                               % (", ".join(sorted(n.name for n in lacking)), _NO_DEFAULT)]
        return instances, ["nodes do not state instances and %s" % _NO_DEFAULT]
    for node in lacking:
        node.instance = default_instance
    if instances is None:
        instances = [Instance(name) for name in sorted(set(n.instance for n in nodes))]
    return instances, []
