# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Zeek cluster model: Configuration, Instance, Node.

Private to the netsec.zeek collection: no compatibility promise to other code.

Pure: no I/O, no network, no clock. Python >= 3.9. Everything a module needs
between "what the user wrote" and "what goes on the wire":

* ``from_dict(data)``: the YAML/JSON form users write (also the shape of
  ``zeek-client get-config --as-json`` and of ``to_dict``), shape-checked with
  the JSON schema ``SCHEMA`` (jsonschema, compiled once);
* ``from_ini(text)`` / ``to_ini(config)``: zeek-client's ``.ini`` with its exact
  parse rules and its exact ``get-config`` rendering;
* ``to_wire(config)`` / ``from_wire(vector)``: the ``Management::Configuration``
  record as broker_json typed values;
* ``normalize``, ``differs``, ``changes``, ``diff``, ``compare``: the check-mode
  and ``--diff`` contract of DESIGN.md;
* ``validate(config)``: the controller's own ``config_validate()`` with its exact
  messages, sorted the way the controller sorts them;
* ``lint(config)``: what the controller accepts silently but users get wrong.

A module's check mode in three calls::

    want = from_dict(params["config"], default_instance=...)   # ClusterConfigError
    errors = validate(want) + [f.message for f in lint(want) if f.severity == "error"]
    result = compare(want, from_wire(deployed), with_diff=module._diff)

Stage with a fresh id (``want.id = None``; ``to_wire`` then makes one): agents
skip a configuration whose id they already run, so re-staging an id taken from
``get-config`` output would deploy nothing.

Design decisions
----------------

Scripts are an **ordered list**. Zeek loads them in that order (redefs can
depend on it), the wire carries a vector and the controller keeps the order.
zeek-client sorts them when it reads a ``.ini`` and when it prints one, so a
config that travelled through zeek-client has sorted scripts. ``differs`` keeps
order significant: ``[b, a]`` wanted and ``[a, b]`` deployed is a real change
(it changes load order). ``to_ini`` sorts (exact zeek-client output); the
``--diff`` rendering keeps the given order so such a change is visible.

Normalisation (DESIGN.md "Check mode and diff: the contract"): no id, no node
state; instance and node lists de-duplicated the way the controller's sets do
it (identical records collapse) and sorted by name; roles upper-case short
names; ``env`` a dict, ``options`` a sorted tuple of (name, value) or None,
``scripts`` ``None`` when empty; instance host ``0.0.0.0`` means "unknown" and
is stored as None; hosts are canonical IP text. Comparing ``want`` with ``have``
additionally drops from ``have`` what ``want`` leaves to the controller: a
node's ``port`` / ``metrics_port`` when the wanted node has none, an instance's
``host`` when the wanted instance has none.

Lint severities (``lint`` never repeats a ``validate`` message):

* errors: a port collision the controller does not check and that will stop a
  node from binding: a ``metrics_port`` equal to another node's ``metrics_port``
  or Broker ``port`` or to an agent port on the same host, or two Broker ports
  on different instances that share one explicit host.
* warnings: a worker without ``interface`` (it sniffs nothing); a non-worker
  with ``interface`` (it would sniff); node names equal except for case; an
  instance and a node whose names are equal except for case; a node or
  instance listed twice identically (the controller silently keeps one); an
  instance ``host`` without ``port`` (the controller replaces it with the
  agent's peer address); no manager, or more than one; names that zeek-client's
  ``.ini`` cannot represent (upper-case instance names are lower-cased by
  configparser, ``instances``/``DEFAULT`` as node names, ``=``/``:`` in instance
  names, surrounding whitespace or line breaks).
* caught earlier, at parse time, as errors (``ClusterConfigError`` from
  ``from_dict``/``from_ini``): a role typo (the message lists the valid roles
  and suggests the closest), a port written ``"2200/tcp"`` (the message says
  ``port: 2200``), a port outside 1-65535, a host that is not an IP address,
  unknown fields (with a suggestion), nodes that mix naming and omitting an
  instance.

Deliberate differences from zeek-client (each only where zeek-client crashes
or writes a file it cannot read back): ``to_ini`` writes ``%`` as ``%%`` and
shell-quotes script and env items that zeek-client's naive quoting would break
(quotes, backslashes, leading/trailing blanks, empty strings); an instance port
in ``[instances]`` must be a number 1-65535 (zeek-client keeps any text and
fails later); an instance host that is not an IP gives an error message instead
of a traceback; the metrics port range message names the metrics port (zeek-
client's prints the Broker port); parse errors are all collected, not just
the first. IPv6 hosts are printed in canonical form. ``to_wire`` sends an
empty ``scripts`` list as none (zeek-client would send an empty vector).

Speed: 10,000 nodes validate, normalise and compare in about 0.2 s (0.3 s with
the diff text); the dict form skips jsonschema when the document is valid (a
full jsonschema pass alone costs ~0.6 s there) and uses it to word the messages
when it is not; ``from_ini`` avoids shlex for plain values.
"""

from __future__ import annotations

import configparser
import difflib
import importlib.util
import ipaddress
import re
import shlex
import traceback
import uuid

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    CONFIGURATION,
    BrokerJSONError,
)

# jsonschema only words the messages of a configuration that is wrong, and
# importing it costs ~0.14 s of every task's start-up: import it on first use.
HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None
JSONSCHEMA_IMPORT_ERROR = None if HAS_JSONSCHEMA else "ImportError: No module named 'jsonschema'"


def _jsonschema():
    try:
        import jsonschema  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - found but broken
        raise ClusterConfigError("jsonschema cannot be imported: %s" % traceback.format_exc(limit=0).strip())
    return jsonschema


__all__ = [
    "HAS_JSONSCHEMA", "JSONSCHEMA_IMPORT_ERROR", "ROLES", "SCHEMA",
    "ClusterConfigError", "Finding", "Instance", "Node", "Configuration",
    "default_instance_name", "schema_errors", "from_dict", "to_dict", "from_ini", "to_ini",
    "to_wire", "from_wire", "normalize", "differs", "changes", "diff", "compare",
    "validate", "lint",
]

ROLES = ("MANAGER", "LOGGER", "PROXY", "WORKER", "NONE")
_ROLE_WORDS = "manager, logger, proxy, worker, none"
_ROLE_RANK = {"MANAGER": 0, "LOGGER": 1, "PROXY": 2}
NODE_FIELDS = ("name", "instance", "role", "port", "metrics_port", "interface", "cpu_affinity",
               "scripts", "env", "options")
INSTANCE_FIELDS = ("name", "host", "port")
_UNKNOWN_HOST = "0.0.0.0"


class ClusterConfigError(ValueError):
    """A configuration that cannot be used; ``messages`` lists every problem found."""

    def __init__(self, messages):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = list(messages)
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
# Model
# ---------------------------------------------------------------------------


def _role(value):
    """'worker', 'Worker', 'Supervisor::WORKER' -> 'WORKER'."""
    if isinstance(value, str):
        short = value.split("::")[-1].split(".")[-1].upper()
        if short in _ROLE_RANK or short in ("WORKER", "NONE"):
            return short
    raise ClusterConfigError("%s is not one of %s%s" % (_q(value), _ROLE_WORDS, _suggest(value, ROLES, lower=True)))


def _host(value):
    """None, '0.0.0.0', '::1', '[::1]' -> None or canonical IP text."""
    if value is None:
        return None
    text = str(value).strip().strip("[]")
    address = ipaddress.ip_address(text)  # ValueError for hostnames
    text = address.compressed
    return None if text == _UNKNOWN_HOST else text


def _canon_options(options):
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
    raise ValueError("%s is not text" % _q(value))


class Instance(object):
    """``Management::Instance``: an agent. ``host`` None means unknown
    (``0.0.0.0`` on the wire); ``port`` set means the controller connects to
    the agent at host:port, unset means the agent connects to the controller."""

    __slots__ = ("name", "host", "port")

    def __init__(self, name, host=None, port=None):
        self.name = name
        self.host = _host(host)
        self.port = port

    def key(self):
        return (self.name, self.host, self.port)

    def copy(self, **updates):
        new = Instance.__new__(Instance)
        new.name, new.host, new.port = self.name, self.host, self.port
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
        self.role = role if role in ROLES else _role(role)
        self.port = port
        self.metrics_port = metrics_port
        self.interface = interface
        self.cpu_affinity = cpu_affinity
        self.scripts = None if scripts is None else list(scripts)
        self.env = dict(env) if env else {}
        self.options = _canon_options(options)

    def key(self):
        """Everything the controller sees, hashable: the wire identity."""
        return (self.name, self.instance, self.role, self.port,
                None if self.scripts is None else tuple(self.scripts),
                self.options, self.interface, self.cpu_affinity,
                tuple(sorted(self.env.items())) if self.env else (), self.metrics_port)

    def copy(self, **updates):
        """A copy (env and scripts copied too) with ``updates`` applied."""
        new = Node.__new__(Node)
        new.name, new.instance, new.role = self.name, self.instance, self.role
        new.port, new.metrics_port, new.interface = self.port, self.metrics_port, self.interface
        new.cpu_affinity, new.options = self.cpu_affinity, self.options
        new.env = dict(self.env)
        new.scripts = None if self.scripts is None else list(self.scripts)
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
# Messages
# ---------------------------------------------------------------------------


def _q(value):
    """A value quoted for a message, YAML-ish: 'text', 42, None."""
    if isinstance(value, str):
        return "'%s'" % value
    return repr(value)


def _suggest(value, choices, lower=False):
    if not isinstance(value, str):
        return ""
    lowered = dict((c.lower(), c.lower() if lower else c) for c in choices)
    close = difflib.get_close_matches(value.split("::")[-1].lower(), list(lowered), n=1, cutoff=0.6)
    return " (did you mean %s?)" % _q(lowered[close[0]]) if close else ""


def _where(kind, name, index):
    """"node 'worker-3'" or "nodes[2]" when the entry has no usable name."""
    if isinstance(name, str) and name:
        return "%s '%s'" % (kind, name)
    return "%ss[%d]" % (kind, index)


def _field_msg(where, field, text):
    if field:
        return "%s field '%s': %s" % (where, field, text)
    return "%s: %s" % (where, text)


_PORT_TEXT_RE = re.compile(r"^\s*(\d+)\s*/\s*([A-Za-z?]+)\s*$")


def _port_problem(field, value):
    """Why ``value`` is no port for ``field``, with the fix."""
    if isinstance(value, str):
        match = _PORT_TEXT_RE.match(value)
        if match:
            proto = match.group(2).lower()
            if proto == "tcp":
                return ("%s is not a port number; write %s: %s (the management framework's ports "
                        "are always TCP)" % (_q(value), field, match.group(1)))
            return ("%s is not a port number, and the management framework only uses TCP ports; "
                    "write %s: %s for %s/tcp" % (_q(value), field, match.group(1), match.group(1)))
        if value.strip().isdigit():
            return "port %s outside valid range 1-65535" % value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return "port %d outside valid range 1-65535" % value
    return "%s is not a port number (1-65535); write %s: 2200" % (_q(value), field)


def _port_value(field, value):
    """int or numeric string -> int in 1..65535; anything else -> ValueError(message)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError(_port_problem(field, value))
    if not 1 <= number <= 65535:
        raise ValueError(_port_problem(field, value))
    return number


# ---------------------------------------------------------------------------
# JSON schema of the dict form
# ---------------------------------------------------------------------------

_NAME = {"type": "string", "minLength": 1}
_PORT = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
                   {"type": "string", "pattern": r"^\s*[0-9]{1,5}\s*$"},
                   {"type": "null"}]}
_TEXT_VALUE = {"type": ["string", "integer", "number"]}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/netsec/zeek/cluster-configuration.schema.json",
    "title": "Zeek cluster configuration (netsec.zeek)",
    "description": "A Management::Configuration as users write it; the shape of "
                   "zeek-client get-config --as-json.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": ["string", "null"]},
        "instances": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": _NAME,
                    "host": {"type": ["string", "null"], "minLength": 1},
                    "port": _PORT,
                },
            },
        },
        "nodes": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "role"],
                "properties": {
                    "name": _NAME,
                    "instance": {"type": ["string", "null"], "minLength": 1},
                    "role": {"type": "string",
                             "pattern": r"^(?:Supervisor::)?(?i:manager|logger|proxy|worker|none)$"},
                    "port": _PORT,
                    "metrics_port": _PORT,
                    "interface": {"type": ["string", "null"]},
                    "cpu_affinity": {"anyOf": [{"type": "integer"},
                                               {"type": "string", "pattern": r"^\s*-?[0-9]+\s*$"},
                                               {"type": "null"}]},
                    "scripts": {"type": ["array", "null"], "items": {"type": "string", "minLength": 1}},
                    "env": {"type": ["object", "null"],
                            "propertyNames": {"pattern": r"^[^=]+$"},
                            "additionalProperties": _TEXT_VALUE},
                    "options": {"anyOf": [
                        {"type": "null"},
                        {"type": "object", "additionalProperties": _TEXT_VALUE},
                        {"type": "array", "items": {
                            "type": "object", "additionalProperties": False,
                            "required": ["name", "value"],
                            "properties": {"name": _NAME, "value": _TEXT_VALUE}}},
                    ]},
                },
            },
        },
    },
}

_VALIDATOR = []  # the compiled validator, built on first use


def _validator():
    if not _VALIDATOR:
        cls = _jsonschema().validators.validator_for(SCHEMA)
        cls.check_schema(SCHEMA)
        _VALIDATOR.append(cls(SCHEMA))
    return _VALIDATOR[0]


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "object": "a mapping", "array": "a list", "null": "null", "boolean": "true/false"}
_FIELDS_BY_KIND = {"node": NODE_FIELDS, "instance": INSTANCE_FIELDS,
                   "configuration": ("id", "instances", "nodes")}


def _describe_type(expected):
    if isinstance(expected, str):
        expected = [expected]
    if "number" in expected:
        expected = [t for t in expected if t != "integer"]
    return " or ".join(_TYPE_WORDS.get(t, t) for t in expected if t != "null")


def _schema_message(data, error):
    path = list(error.absolute_path)
    value = error.instance
    kind, where, rest = "configuration", "configuration", path
    if len(path) >= 2 and path[0] in ("nodes", "instances") and isinstance(path[1], int):
        kind = "node" if path[0] == "nodes" else "instance"
        entry = data[path[0]][path[1]]
        where = _where(kind, entry.get("name") if isinstance(entry, dict) else None, path[1])
        rest = path[2:]
    field = ""
    for part in rest:
        field += "[%d]" % part if isinstance(part, int) else ("." if field else "") + str(part)
    leaf = rest[0] if rest else None

    if error.validator == "required":
        missing = [r for r in error.validator_value if r not in value]
        text = "missing required field%s %s" % (
            "s" if len(missing) > 1 else "", ", ".join(_q(m) for m in missing))
        if kind == "node" and "role" in missing and "type" in value:
            text += " (write role: instead of type:)"
        return _field_msg(where, field, text)
    if error.validator == "additionalProperties" and isinstance(value, dict):
        known = list(error.schema.get("properties", {}))
        texts = []
        for extra in sorted((k for k in value if k not in known), key=str):
            hint = " (write role:)" if extra == "type" and "role" in known else _suggest(str(extra), known)
            texts.append(_field_msg(where, (field + "." if field else "") + str(extra),
                                    "unknown field%s; known fields: %s" % (hint, ", ".join(known))))
        return "; ".join(texts)
    if leaf == "role" and len(rest) == 1:
        return _field_msg(where, field, "%s is not one of %s%s" % (
            _q(value), _ROLE_WORDS, _suggest(value, ROLES, lower=True)))
    if leaf in ("port", "metrics_port") and len(rest) == 1:
        return _field_msg(where, field, _port_problem(leaf, value))
    if leaf == "cpu_affinity" and len(rest) == 1:
        return _field_msg(where, field, "%s is not a whole number (a CPU index such as 3)" % _q(value))
    if leaf == "env" and len(rest) == 1 and "propertyNames" in error.schema_path:
        return _field_msg(where, field, "environment variable name %s must not contain '='" % _q(value))
    if leaf == "scripts" and error.validator == "type" and isinstance(value, str):
        return _field_msg(where, field, "%s is not a list; write scripts: [%s]" % (_q(value), value))
    if error.validator == "type":
        return _field_msg(where, field, "%s is not %s" % (_q(value), _describe_type(error.validator_value)))
    if error.validator == "minLength":
        return _field_msg(where, field, "must not be empty")
    if error.validator == "anyOf" and leaf == "options":
        return _field_msg(where, field, "%s is neither a mapping of option names to values nor a list "
                                        "of {name, value}" % _q(value))
    return _field_msg(where, field, error.message)


def _error_sort_key(error):
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path)


def schema_errors(data):
    """Messages for every place ``data`` does not fit ``SCHEMA``, in document
    order, naming nodes and instances by name (``node 'worker-3' field 'port':
    ...``). Needs jsonschema (see ``HAS_JSONSCHEMA``)."""
    if not HAS_JSONSCHEMA:
        raise ClusterConfigError("jsonschema is required to check a cluster configuration")
    validator = _validator()
    if validator.is_valid(data):
        return []
    messages = []
    for error in sorted(validator.iter_errors(data), key=_error_sort_key):
        message = _schema_message(data, error)
        if message not in messages:
            messages.append(message)
    return messages


# ---------------------------------------------------------------------------
# Dict form
# ---------------------------------------------------------------------------


def _instance_rules(nodes, instances, default_instance, errors, ini=False):
    """zeek-client's rules for nodes that omit an instance; returns the instances."""
    without = [n for n in nodes if n.instance is None]
    if without and len(without) != len(nodes):
        msg = "either all or no nodes must state instances"
        if not ini:
            msg += " (without one: %s)" % ", ".join(sorted(n.name for n in without))
        errors.append(msg)
        return instances
    if without:
        if instances is not None:
            if not ini and len(instances) == 1:
                for node in nodes:
                    node.instance = instances[0].name
                return instances
            errors.append("omit instances section when skipping instances in node definitions"
                          if ini else
                          "nodes do not state instances, so declare at most one instance "
                          "(or state the instance on every node)")
            return instances
        if not default_instance:
            errors.append("nodes do not state instances and no default instance was given "
                          "(zeek-client uses agent-<hostname of the agent's machine>)")
            return instances
        for node in nodes:
            node.instance = default_instance
    if instances is None:
        # Synthesized, like zeek-client: every instance connects to the controller.
        instances = [Instance(name) for name in sorted(set(n.instance for n in nodes))]
    return instances


_ROLE_RE = re.compile(r"^(?:Supervisor::)?(?i:manager|logger|proxy|worker|none)$")
_NUMBER_TEXT_RE = re.compile(r"^\s*[0-9]+\s*$")
_SIGNED_TEXT_RE = re.compile(r"^\s*-?[0-9]+\s*$")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value):
    """int, or a float without fraction (JSON 2200.0) -> int; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _dict_port(field, value):
    number = _whole(value)
    if number is None and isinstance(value, str) and _NUMBER_TEXT_RE.match(value):
        number = int(value)
    if number is None or not 1 <= number <= 65535:
        raise ValueError(_port_problem(field, value))
    return number


def _dict_text_value(value):
    if isinstance(value, str):
        return value
    if _is_number(value):
        return str(_whole(value)) if _whole(value) is not None else repr(value)
    raise ValueError("%s is not text" % _q(value))


def _dict_role(value):
    if isinstance(value, str) and _ROLE_RE.fullmatch(value):
        return value.split("::")[-1].upper()
    raise ValueError("%s is not one of %s%s" % (_q(value), _ROLE_WORDS, _suggest(value, ROLES, lower=True)))


def _dict_text(value):
    if isinstance(value, str):
        return value
    raise ValueError("%s is not text" % _q(value))


def _dict_name(value):
    if isinstance(value, str) and value:
        return value
    raise ValueError("must be non-empty text, got %s" % _q(value))


def _dict_cpu(value):
    number = _whole(value)
    if number is None and isinstance(value, str) and _SIGNED_TEXT_RE.match(value):
        number = int(value)
    if number is None:
        raise ValueError("%s is not a whole number (a CPU index such as 3)" % _q(value))
    return number


def _dict_scripts(value):
    if isinstance(value, str):
        raise ValueError("%s is not a list; write scripts: [%s]" % (_q(value), value))
    if not isinstance(value, list):
        raise ValueError("%s is not a list" % _q(value))
    for script in value:
        if not isinstance(script, str) or not script:
            raise ValueError("scripts must be non-empty text, got %s" % _q(script))
    return list(value)


def _dict_env(value):
    if not isinstance(value, dict):
        raise ValueError("%s is not a mapping of variable names to values" % _q(value))
    out = {}
    for key, val in value.items():
        if not isinstance(key, str) or not key or "=" in key:
            raise ValueError("environment variable name %s must be non-empty text without '='" % _q(key))
        try:
            out[key] = _dict_text_value(val)
        except ValueError:
            raise _FieldError(key, "%s is not text or a number" % _q(val))
    return out


class _FieldError(ValueError):
    """A problem in a part of a field (``env.FOO``)."""

    def __init__(self, part, message):
        self.part = part
        super(_FieldError, self).__init__(message)


def _dict_options(value):
    if isinstance(value, dict):
        pairs = []
        for key, val in value.items():
            if not isinstance(key, str):
                raise ValueError("option name %s is not text" % _q(key))
            pairs.append((key, _dict_text_value(val)))
    elif isinstance(value, list):
        pairs = []
        for item in value:
            if (not isinstance(item, dict) or set(item) != set(("name", "value"))
                    or not isinstance(item["name"], str) or not item["name"]):
                raise ValueError("%s is neither a mapping of option names to values nor a list of "
                                 "{name, value}" % _q(value))
            pairs.append((item["name"], _dict_text_value(item["value"])))
    else:
        raise ValueError("%s is neither a mapping of option names to values nor a list of {name, value}"
                         % _q(value))
    return tuple(sorted(set(pairs))) or None


_NODE_CONVERTERS = (
    ("instance", _dict_name), ("port", lambda v: _dict_port("port", v)),
    ("metrics_port", lambda v: _dict_port("metrics_port", v)), ("interface", _dict_text),
    ("cpu_affinity", _dict_cpu), ("scripts", _dict_scripts), ("env", _dict_env),
    ("options", _dict_options),
)


def _unknown_fields(where, item, known, errors):
    for key in sorted((k for k in item if k not in known), key=str):
        hint = " (write role:)" if key == "type" and "role" in known else _suggest(str(key), known)
        errors.append(_field_msg(where, str(key), "unknown field%s; known fields: %s"
                                 % (hint, ", ".join(known))))


def _node_from_dict(index, item, errors):
    name = item.get("name")
    where = _where("node", name, index)
    node = Node.__new__(Node)
    node.name = name
    for field in NODE_FIELDS:
        setattr(node, field, None)
    node.name = name
    if name is None:
        errors.append(_field_msg(where, "", "missing required field 'name'"))
    elif not isinstance(name, str) or not name:
        errors.append(_field_msg(where, "name", "must be non-empty text, got %s" % _q(name)))
    role = item.get("role")
    if role is None:
        errors.append(_field_msg(where, "", "missing required field 'role'%s"
                                 % (" (write role: instead of type:)" if "type" in item else "")))
    else:
        try:
            node.role = _dict_role(role)
        except ValueError as err:
            errors.append(_field_msg(where, "role", str(err)))
    for field, convert in _NODE_CONVERTERS:
        value = item.get(field)
        if value is not None:
            try:
                setattr(node, field, convert(value))
            except _FieldError as err:
                errors.append(_field_msg(where, "%s.%s" % (field, err.part), str(err)))
            except ValueError as err:
                errors.append(_field_msg(where, field, str(err)))
    if node.env is None:
        node.env = {}
    _unknown_fields(where, item, NODE_FIELDS, errors)
    return node


def _instance_from_dict(index, item, errors):
    name = item.get("name")
    where = _where("instance", name, index)
    inst = Instance.__new__(Instance)
    inst.name = name
    inst.host = None
    inst.port = None
    if name is None:
        errors.append(_field_msg(where, "", "missing required field 'name'"))
    elif not isinstance(name, str) or not name:
        errors.append(_field_msg(where, "name", "must be non-empty text, got %s" % _q(name)))
    host = item.get("host")
    if host is not None:
        try:
            if not isinstance(host, str):
                raise ValueError
            inst.host = _host(host)
        except ValueError:
            errors.append(_field_msg(where, "host", "%s is not an IP address; the controller needs an IPv4 "
                                     "or IPv6 address here (hostnames are not supported)" % _q(host)))
    if item.get("port") is not None:
        try:
            inst.port = _dict_port("port", item["port"])
        except ValueError as err:
            errors.append(_field_msg(where, "port", str(err)))
    _unknown_fields(where, item, INSTANCE_FIELDS, errors)
    return inst


def _convert_dict(data, errors):
    if not isinstance(data, dict):
        errors.append("configuration: %s is not a mapping with instances and nodes" % _q(data))
        return [], None, None
    _unknown_fields("configuration", data, ("id", "instances", "nodes"), errors)
    config_id = data.get("id")
    if config_id is not None and not isinstance(config_id, str):
        errors.append(_field_msg("configuration", "id", "%s is not text" % _q(config_id)))
        config_id = None
    nodes = []
    raw = data.get("nodes")
    if raw is not None and not isinstance(raw, list):
        errors.append(_field_msg("configuration", "nodes", "%s is not a list" % _q(raw)))
        raw = None
    for index, item in enumerate(raw or []):
        if isinstance(item, dict):
            nodes.append(_node_from_dict(index, item, errors))
        else:
            errors.append("%s: %s is not a mapping" % (_where("node", None, index), _q(item)))
    instances = None
    raw = data.get("instances")
    if raw is not None and not isinstance(raw, list):
        errors.append(_field_msg("configuration", "instances", "%s is not a list" % _q(raw)))
        raw = None
    if raw is not None:
        instances = []
        for index, item in enumerate(raw):
            if isinstance(item, dict):
                instances.append(_instance_from_dict(index, item, errors))
            else:
                errors.append("%s: %s is not a mapping" % (_where("instance", None, index), _q(item)))
    return nodes, instances, config_id or None


def _merge_messages(first, second):
    """``first`` plus those of ``second`` about a place ``first`` does not mention."""
    places = set(m.split(": ", 1)[0] for m in first)
    return list(first) + [m for m in second if m.split(": ", 1)[0] not in places and m not in first]


def from_dict(data, default_instance=None, check_schema=None):
    """The dict form -> Configuration; raises ClusterConfigError listing every problem.

    ``{id?, instances?: [{name, host?, port?}], nodes: [{name, instance?, role,
    port?, metrics_port?, interface?, cpu_affinity?, scripts?, env?, options?}]}``
    (``to_dict`` output and ``zeek-client get-config --as-json`` fit too).
    Roles are case-insensitive (``worker``, ``WORKER``, ``Supervisor::WORKER``);
    ports are numbers (or numeric text) 1-65535; env and option values text
    or numbers. Without ``instances`` they are synthesized from the nodes'
    instances, all connecting to the controller. When no node names an
    instance, all use the only declared instance, or ``default_instance`` when
    none is declared (zeek-client uses ``agent-<hostname>``: see
    ``default_instance_name``).

    Shape checking: the conversion checks everything ``SCHEMA`` does (a unit
    test holds it to that); when it finds a problem, jsonschema words the
    messages (``check_schema=None``, the default, and jsonschema installed).
    ``check_schema=True`` runs jsonschema first on every call; False never.
    """
    if data is None:
        data = {}
    use_schema = check_schema is not False and HAS_JSONSCHEMA
    if check_schema and use_schema:
        messages = schema_errors(data)
        if messages:
            errors = []
            _convert_dict(data, errors)
            raise ClusterConfigError(_merge_messages(messages, errors))
    errors = []
    nodes, instances, config_id = _convert_dict(data, errors)
    if errors:
        if use_schema:
            errors = _merge_messages(schema_errors(data), errors)
        raise ClusterConfigError(errors)
    instances = _instance_rules(nodes, instances, default_instance, errors)
    if errors:
        raise ClusterConfigError(errors)
    return Configuration(config_id, instances, nodes)


def _options_dict(options):
    return None if not options else dict(options)


def to_dict(config):
    """Configuration -> the dict form, shaped like ``zeek-client get-config
    --as-json``: instances and nodes sorted by name, every node key present
    (null when unset), an instance ``host`` only when known or when it has a port."""
    instances = []
    for inst in sorted(config.instances, key=lambda i: i.name):
        entry = {"name": inst.name}
        if inst.port is not None:
            entry["host"] = inst.host or _UNKNOWN_HOST
            entry["port"] = inst.port
        elif inst.host is not None:
            entry["host"] = inst.host
        instances.append(entry)
    nodes = []
    for node in sorted(config.nodes, key=lambda n: n.name):
        nodes.append({
            "cpu_affinity": node.cpu_affinity,
            "env": dict(sorted(node.env.items())),
            "instance": node.instance,
            "interface": node.interface,
            "metrics_port": node.metrics_port,
            "name": node.name,
            "options": _options_dict(node.options),
            "port": node.port,
            "role": node.role,
            "scripts": None if node.scripts is None else list(node.scripts),
        })
    return {"id": config.id, "instances": instances, "nodes": nodes}


# ---------------------------------------------------------------------------
# zeek-client .ini
# ---------------------------------------------------------------------------

_NODE_INI_KEYS = frozenset(("instance", "role", "scripts", "port", "interface", "cpu_affinity",
                            "env", "metrics_port"))


class _Section(object):
    """Typed access to one configparser section with zeek-client's ``_get`` rules."""

    def __init__(self, cfp, name):
        self.name = name
        # Lower-cased keys, [DEFAULT] included; None for a value-less key.
        self.values = values = dict(cfp.items(name, raw=True))
        for key, value in values.items():
            if value and "%" in value:
                # Interpolate like zeek-client, which reads every value of the
                # section (and fails on a bad one, used or not).
                values[key] = cfp.get(name, key)
        self.keys = values.keys()

    def get(self, key):
        return self.values.get(key)

    def get_int(self, key):
        value = self.get(key)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise ValueError('cannot convert "%s.%s" value "%s" to int' % (self.name, key, value))


def _node_from_ini(sec, default_instance, warnings):
    name = sec.name
    instance = sec.get("instance")
    role = sec.get("role")
    if role is None:
        role = sec.get("type")
    state = sec.get("state")
    if state:
        warnings.append('ignoring node "%s" state "%s" in configuration' % (name, state))
    port = sec.get_int("port")
    interface = sec.get("interface")
    cpu_affinity = sec.get_int("cpu_affinity")
    metrics_port = sec.get_int("metrics_port")
    if not instance:
        instance = default_instance
    if not role:
        raise ValueError("node requires a role")
    short = role.split("::")[-1].split(".")[-1].upper()
    if short not in ROLES:
        raise ValueError('role "%s" is invalid (valid roles: %s)%s' % (role, _ROLE_WORDS, _suggest(role, ROLES, lower=True)))
    if port is not None and not 1 <= port <= 65535:
        raise ValueError("port %d outside valid range" % port)
    if metrics_port is not None and not 1 <= metrics_port <= 65535:
        raise ValueError("metrics port %d outside valid range" % metrics_port)
    scripts = None
    text = sec.get("scripts")
    if text:
        scripts = sorted(_shell_split(text))  # zeek-client lets shlex's ValueError through
    env = None
    text = sec.get("env")
    if text:
        try:
            env = {}
            for item in _shell_split(text):
                key, value = item.split("=", 1)
                env[key] = value
        except ValueError:
            raise ValueError('env value "%s" is invalid' % text)
    unexpected = sorted(set(sec.keys) - _NODE_INI_KEYS)
    if unexpected:
        warnings.append('node "%s": ignoring unexpected keys: %s' % (name, ", ".join(unexpected)))
    node = Node.__new__(Node)
    node.name = name
    node.instance = instance
    node.role = short
    node.port = port
    node.metrics_port = metrics_port
    node.interface = interface
    node.cpu_affinity = cpu_affinity
    node.scripts = scripts
    node.env = env or {}
    node.options = None
    return node


def _instances_from_ini(cfp, errors):
    instances = []
    for key, value in cfp.items("instances"):
        if not value:
            instances.append(Instance(key))
            continue
        host, _sep, port = value.rpartition(":")
        if host == "" or port == "":
            errors.append('invalid spec for instance "%s": "%s" should be <host>:<port>' % (key, value))
            continue
        host = host.strip("[] ")
        port = port.strip()
        inst = Instance.__new__(Instance)
        inst.name = key
        try:
            inst.host = _host(host)
        except ValueError:
            errors.append('invalid spec for instance "%s": "%s" is not an IP address '
                          '(hostnames are not supported)' % (key, host))
            continue
        try:
            inst.port = _port_value("port", port)
        except ValueError:
            errors.append('invalid spec for instance "%s": port "%s" is not a number from 1 to 65535'
                          % (key, port))
            continue
        instances.append(inst)
    return instances


def from_ini(text, default_instance=None):
    """zeek-client ``.ini`` text -> ``(Configuration, warnings)``.

    zeek-client 1.5.0's rules: configparser with ``allow_no_value`` and basic
    interpolation (``%%`` for ``%``), option names lower-cased (so are
    ``[instances]`` names), ``[DEFAULT]`` keys in every section, ``role`` or
    ``type``, ports 1-65535, scripts shlex-split and sorted, env shlex ``K=V``,
    ``state`` and unknown keys ignored with warnings, all-or-no nodes naming an
    instance, instances synthesized when there is no ``[instances]`` section.
    ``default_instance`` is used when no node names an instance
    (``default_instance_name(hostname)``). Raises ClusterConfigError listing
    every problem, worded like zeek-client.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    cfp = configparser.ConfigParser(allow_no_value=True)
    try:
        cfp.read_string(text, source="<cluster configuration>")
    except configparser.Error as err:
        raise ClusterConfigError("cannot read the configuration: %s" % _configparser_error(err))
    warnings = []
    errors = []
    nodes = []
    instances = None
    names = set()
    free = 0
    if cfp.defaults():
        warnings.append("[DEFAULT] keys apply to every section, [instances] included: %s"
                        % ", ".join(sorted(cfp.defaults())))
    for section in cfp.sections():
        try:
            if section == "instances":
                instances = _instances_from_ini(cfp, errors)
                continue
            if section in names:  # configparser normally refuses this first
                warnings.append('node "%s" defined more than once, skipping repeats' % section)
                continue
            sec = _Section(cfp, section)
            if "instance" not in sec.keys:
                free += 1
            try:
                node = _node_from_ini(sec, None, warnings)
            except ValueError as err:
                errors.append('invalid node "%s" configuration: %s' % (section, err))
                continue
            names.add(section)
            nodes.append(node)
        except configparser.InterpolationError as err:
            errors.append('section "%s": %s' % (section, _configparser_error(err)))
    if errors:
        raise ClusterConfigError(errors)
    if free:
        if free != len(nodes):
            errors.append("either all or no nodes must state instances")
        elif instances is not None:
            errors.append("omit instances section when skipping instances in node definitions")
    if not errors and not default_instance and any(not n.instance for n in nodes):
        # zeek-client puts these nodes on agent-<its own hostname>; we need to be told.
        errors.append("nodes %s do not state an instance and no default instance was given "
                      "(zeek-client uses agent-<hostname of the agent's machine>)"
                      % ", ".join(sorted(n.name for n in nodes if not n.instance)))
    if errors:
        raise ClusterConfigError(errors)
    for node in nodes:
        if not node.instance:
            node.instance = default_instance
    if instances is None:
        instances = [Instance(name) for name in sorted(set(n.instance for n in nodes))]
    else:
        declared = set(i.name for i in instances)
        for node in nodes:
            if node.instance not in declared and node.instance.lower() in declared:
                warnings.append('node "%s": instance "%s" is declared as "%s": configparser lower-cases '
                                '[instances] names, write the instance name in lower case'
                                % (node.name, node.instance, node.instance.lower()))
    return Configuration(None, instances, nodes), warnings


# Text in which shlex (POSIX, whitespace_split) and str.split() find the same words.
_PLAIN_WORDS_RE = re.compile(r"^[ \t\n!#-&(-\[\]-~]*$")
# ... and text whose only quoting is balanced double quotes without escapes.
_DQUOTED_WORDS_RE = re.compile(r'^[ \t\n!-&(-\[\]-~]*$')
_DQUOTED_WORD_RE = re.compile(r'(?:[^ \t\n"]+|"[^"]*")+')


def _shell_split(text):
    """shlex.split, without its cost for the usual simple cases."""
    if _PLAIN_WORDS_RE.match(text):
        return text.split()
    if _DQUOTED_WORDS_RE.match(text) and text.count('"') % 2 == 0:
        return [word.replace('"', "") for word in _DQUOTED_WORD_RE.findall(text)]
    return shlex.split(text)


def _configparser_error(err):
    text = str(err).replace("\n", " ").strip()
    if isinstance(err, configparser.InterpolationError):
        text = 'key "%s": %s (write %%%% for a literal %%)' % (err.option, text)
    return text


_SIMPLE_TOKEN_RE = re.compile(r"^[^\s\"'\\]+$")
_SPACED_TOKEN_RE = re.compile(r"^[^\s\"'\\](?:[^\"'\\]*[^\s\"'\\])?$")


def _ini_token(text):
    """One scripts/env item as zeek-client writes it, or shell-quoted when
    zeek-client's quoting would not read back."""
    if _SIMPLE_TOKEN_RE.match(text):
        return text
    if _SPACED_TOKEN_RE.match(text):
        return '"' + text + '"'
    return shlex.quote(text)


def _ini_env_item(key, value):
    if _SIMPLE_TOKEN_RE.match(key) and "=" not in key:
        if value == "" or _SIMPLE_TOKEN_RE.match(value):
            return key + "=" + value
        if _SPACED_TOKEN_RE.match(value):
            return key + '="' + value + '"'
    return shlex.quote(key + "=" + value)


def _ini_value(text):
    if "%" in text:
        text = text.replace("%", "%%")
    if "\n" in text:
        text = text.replace("\n", "\n\t")
    return text


def to_ini(config, display=False):
    """Configuration -> ``.ini`` text exactly as ``zeek-client get-config``
    writes it: ``[instances]`` (``name`` or ``name = host:port``, names lower-
    cased by configparser), then one section per node sorted by name with
    ``instance, role, port, scripts, interface, cpu_affinity, env,
    metrics_port`` when set; no id, no options.

    ``display=True`` is the ``--diff`` rendering: the same layout, but scripts
    in their real order, instance names as they are, and an ``options`` line,
    so every difference ``differs`` sees is visible.
    """
    sections = {}
    if config.instances:
        entries = {}
        for inst in sorted(config.instances, key=_by_name):
            key = inst.name if display else inst.name.lower()
            if inst.port is not None:
                entries[key] = "%s = %s:%d\n" % (key, inst.host or _UNKNOWN_HOST, inst.port)
            else:
                entries[key] = key + "\n"
        sections["instances"] = "[instances]\n" + "".join(entries.values()) + "\n"
    token, env_item, value = _ini_token, _ini_env_item, _ini_value
    for node in sorted(config.nodes, key=_by_name):
        lines = ["[", node.name, "]\ninstance = ", value(node.instance), "\nrole = ", node.role, "\n"]
        if node.port is not None:
            lines.append("port = %d\n" % node.port)
        if node.scripts:
            scripts = node.scripts if display else sorted(node.scripts)
            lines += ("scripts = ", value(" ".join([token(s) for s in scripts])), "\n")
        if node.interface is not None:
            lines += ("interface = ", value(node.interface), "\n")
        if node.cpu_affinity is not None:
            lines.append("cpu_affinity = %d\n" % node.cpu_affinity)
        if node.env:
            env = node.env
            lines += ("env = ", value(" ".join([env_item(k, env[k]) for k in sorted(env)])), "\n")
        if node.metrics_port is not None:
            lines.append("metrics_port = %d\n" % node.metrics_port)
        if display and node.options:
            lines += ("options = ", value(" ".join([env_item(k, v) for k, v in node.options])), "\n")
        lines.append("\n")
        # configparser: a repeated section name replaces the earlier one, at the end.
        sections.pop(node.name, None)
        sections[node.name] = "".join(lines)
    return "".join(sections.values())


def _by_name(item):
    return item.name


# ---------------------------------------------------------------------------
# Wire form
# ---------------------------------------------------------------------------


def to_wire(config, version=(8, 2)):
    """Configuration -> typed ``Management::Configuration`` Vector (broker_json),
    encoded as zeek-client does: state RUNNING, ``options`` and ``scripts``
    none unless given (an empty list is none),
    ``env`` always a table, unknown hosts ``0.0.0.0``, set elements sorted by
    name, 11-field nodes for Zeek >= 7 (``version``). A config without id gets
    a fresh random one (the controller redeploys only for a new id)."""
    instances = [{"name": i.name, "host": i.host or _UNKNOWN_HOST, "listen_port": i.port}
                 for i in sorted(config.instances, key=lambda i: i.name)]
    nodes = []
    for node in sorted(config.nodes, key=lambda n: n.name):
        nodes.append({
            "name": node.name,
            "instance": node.instance,
            "role": "Supervisor::" + node.role,
            "state": "Management::RUNNING",
            "p": node.port,
            "scripts": node.scripts or None,
            "options": None if not node.options else [{"name": k, "value": v} for k, v in node.options],
            "interface": node.interface,
            "cpu_affinity": node.cpu_affinity,
            "env": dict(sorted(node.env.items())),
            "metrics_port": node.metrics_port,
        })
    plain = {"id": config.id or str(uuid.uuid4()), "instances": instances, "nodes": nodes}
    try:
        return CONFIGURATION.to_broker(plain, version=version)
    except BrokerJSONError as err:
        raise ClusterConfigError("cannot encode the configuration: %s" % err)


def from_wire(vector):
    """Typed ``Management::Configuration`` Vector (broker_json) -> Configuration.
    Node state is dropped; 10-field (Zeek <= 6) nodes are accepted."""
    try:
        plain = CONFIGURATION.from_broker(vector)
    except BrokerJSONError as err:
        raise ClusterConfigError("not a Management::Configuration record: %s" % err)
    instances = []
    for item in plain["instances"] or []:
        port = item.get("listen_port")
        instances.append(Instance(item["name"], item.get("host"), None if port is None else port.number))
    nodes = []
    for item in plain["nodes"] or []:
        port = item.get("p")
        metrics_port = item.get("metrics_port")
        cpu = item.get("cpu_affinity")
        nodes.append(Node(
            item["name"], item["instance"], item["role"].split("::")[-1],
            port=None if port is None else port.number,
            metrics_port=None if metrics_port is None else metrics_port.number,
            interface=item.get("interface"),
            cpu_affinity=None if cpu is None else int(cpu),
            scripts=item.get("scripts"),
            env=item.get("env"),
            options=item.get("options"),
        ))
    return Configuration(plain["id"], instances, nodes)


# ---------------------------------------------------------------------------
# Normalisation, comparison, diff
# ---------------------------------------------------------------------------


class _Canon(object):
    """A canonical configuration with the wire identity of each record,
    computed once (the lists run parallel to ``config.instances`` / ``nodes``)."""

    __slots__ = ("config", "ikeys", "nkeys")

    def __init__(self, ipairs, npairs):
        self.ikeys = [k for k, _item in ipairs]
        self.nkeys = [k for k, _item in npairs]
        self.config = Configuration(None, [i for _key, i in ipairs], [n for _key, n in npairs])


def _sorted_unique(pairs):
    """(key, record) pairs -> de-duplicated by key (like a Zeek set), sorted by
    name; records sharing a name (invalid anyway) in a stable total order."""
    unique = list(dict(pairs).items())
    unique.sort(key=lambda kv: kv[0][0])
    for index in range(1, len(unique)):
        if unique[index][0][0] == unique[index - 1][0][0]:
            unique.sort(key=lambda kv: (kv[0][0], repr(kv[0][1:])))
            break
    return unique


def _canonical(config):
    ipairs = []
    for inst in config.instances:
        if inst.host == _UNKNOWN_HOST:
            inst = inst.copy(host=None)
        ipairs.append((inst.key(), inst))
    npairs = []
    for node in config.nodes:
        if node.scripts is not None and not node.scripts:
            node = node.copy(scripts=None)
        npairs.append((node.key(), node))
    return _Canon(_sorted_unique(ipairs), _sorted_unique(npairs))


def _trimmed(have, want):
    """``have`` (canonical) without what ``want`` (canonical) leaves to the controller."""
    want_nodes = dict((n.name, n) for n in want.config.nodes)
    want_insts = dict((i.name, i) for i in want.config.instances)
    npairs = []
    for key, node in zip(have.nkeys, have.config.nodes):
        wanted = want_nodes.get(node.name)
        if wanted is not None and ((wanted.port is None and node.port is not None)
                                   or (wanted.metrics_port is None and node.metrics_port is not None)):
            node = node.copy(port=node.port if wanted.port is not None else None,
                             metrics_port=node.metrics_port if wanted.metrics_port is not None else None)
            key = key[:3] + (node.port,) + key[4:9] + (node.metrics_port,)
        npairs.append((key, node))
    ipairs = []
    for key, inst in zip(have.ikeys, have.config.instances):
        wanted = want_insts.get(inst.name)
        if wanted is not None and wanted.host is None and inst.host is not None:
            inst = inst.copy(host=None)
            key = inst.key()
        ipairs.append((key, inst))
    # Trimming can make records identical: collapse them like the wire set would.
    return _Canon(_sorted_unique(ipairs), _sorted_unique(npairs))


def _pair(want, have):
    want_c = _canonical(want)
    have_c = None if have is None else _trimmed(_canonical(have), want_c)
    return want_c, have_c


def normalize(config, have=None):
    """The canonical form of ``config`` (see the module docstring).

    With ``have`` (the deployed or staged config), ``config`` is the wanted one
    and the result is the pair ``(want, have)``, both canonical, ``have``
    without the ports, metrics ports and hosts that ``want`` leaves unset.
    The results are new objects: changing them leaves the inputs alone."""
    if have is None:
        return _detached(_canonical(config).config)
    want_c, have_c = _pair(config, have)
    return _detached(want_c.config), _detached(have_c.config)


def _detached(config):
    """The same configuration sharing no record with the caller's."""
    return Configuration(config.id, [i.copy() for i in config.instances], [n.copy() for n in config.nodes])


def _same(want_c, have_c):
    return have_c is not None and want_c.ikeys == have_c.ikeys and want_c.nkeys == have_c.nkeys


def differs(want, have):
    """True when deploying ``want`` over ``have`` would change something, after
    normalisation. ``have`` None (nothing deployed yet) always differs."""
    return not _same(*_pair(want, have))


def _node_value(node, field):
    value = getattr(node, field)
    if field == "options":
        return _options_dict(value)
    if field == "env":
        return dict(sorted(value.items()))
    if field == "scripts":
        return None if value is None else list(value)
    return value


_COMPARED_NODE_FIELDS = NODE_FIELDS[1:]


def _changes(want_c, have_c):
    have_nodes = dict(zip((n.name for n in have_c.config.nodes), zip(have_c.nkeys, have_c.config.nodes))) \
        if have_c is not None else {}
    want_nodes = dict(zip((n.name for n in want_c.config.nodes), zip(want_c.nkeys, want_c.config.nodes)))
    have_insts = dict((i.name, i) for i in have_c.config.instances) if have_c is not None else {}
    want_insts = dict((i.name, i) for i in want_c.config.instances)
    changed_nodes = {}
    for name in sorted(set(want_nodes) & set(have_nodes)):
        (old_key, old), (new_key, new) = have_nodes[name], want_nodes[name]
        if old_key == new_key:
            continue
        fields = {}
        for field in _COMPARED_NODE_FIELDS:
            before, after = _node_value(old, field), _node_value(new, field)
            if before != after:
                fields[field] = [before, after]
        changed_nodes[name] = fields
    changed_insts = {}
    for name in sorted(set(want_insts) & set(have_insts)):
        old, new = have_insts[name], want_insts[name]
        fields = {}
        for field in ("host", "port"):
            if getattr(old, field) != getattr(new, field):
                fields[field] = [getattr(old, field), getattr(new, field)]
        if fields:
            changed_insts[name] = fields
    return {
        "added_nodes": sorted(set(want_nodes) - set(have_nodes)),
        "removed_nodes": sorted(set(have_nodes) - set(want_nodes)),
        "changed_nodes": changed_nodes,
        "added_instances": sorted(set(want_insts) - set(have_insts)),
        "removed_instances": sorted(set(have_insts) - set(want_insts)),
        "changed_instances": changed_insts,
    }


def changes(want, have):
    """What deploying ``want`` over ``have`` changes, after normalisation:
    ``added_nodes``, ``removed_nodes`` (sorted names), ``changed_nodes``
    (``{name: {field: [old, new]}}``, fields as in the dict form), and
    ``added_instances``, ``removed_instances``, ``changed_instances``
    (``{name: {"host"|"port": [old, new]}}``)."""
    return _changes(*_pair(want, have))


def _diff(want_c, have_c, before_header, after_header):
    return {
        "before": "" if have_c is None else to_ini(have_c.config, display=True),
        "after": to_ini(want_c.config, display=True),
        "before_header": before_header,
        "after_header": after_header,
    }


def diff(want, have, before_header="deployed configuration", after_header="desired configuration"):
    """Ansible's ``diff`` dict: ``before``/``after`` as zeek-client ``.ini`` text
    (the ``display`` rendering of ``to_ini``) after normalisation, with
    ``before_header``/``after_header``. ``have`` None gives an empty before."""
    want_c, have_c = _pair(want, have)
    return _diff(want_c, have_c, before_header, after_header)


def compare(want, have, with_diff=True, before_header="deployed configuration",
            after_header="desired configuration"):
    """``differs``, ``changes`` and (when ``with_diff``) ``diff`` from one
    normalisation: ``{"changed": bool, "changes": {...}, "diff": {...}}``."""
    want_c, have_c = _pair(want, have)
    result = {"changed": not _same(want_c, have_c), "changes": _changes(want_c, have_c)}
    if with_diff:
        result["diff"] = _diff(want_c, have_c, before_header, after_header)
    return result


# ---------------------------------------------------------------------------
# The controller's validation (config_validate in controller/main.zeek)
# ---------------------------------------------------------------------------


def validate(config, controller_broker_port=2150, auto_assign_broker_ports=True):
    """The errors the controller would answer ``stage_configuration`` with, in
    its words and its order (sorted by strcmp); an empty list when it would
    accept the configuration. ``controller_broker_port`` is the controller's
    Broker port (not its WebSocket port): a number, or text like ``2150/tcp``
    (the form of ``ZEEK_CONTROLLER_PORT``)."""
    if isinstance(controller_broker_port, str):
        controller_broker_port = int(controller_broker_port.strip().split("/", 1)[0])
    # The record sets collapse identical records before the controller sees them.
    instances = _set_of(config.instances)
    nodes = _set_of(config.nodes)
    errors = []

    inst_names = set()
    reported = set()
    for inst in instances:
        if inst.name not in inst_names:
            inst_names.add(inst.name)
        elif inst.name not in reported:
            errors.append("multiple instances named '%s'" % inst.name)
            reported.add(inst.name)

    node_names = set()
    reported = set()
    for node in nodes:
        if node.name not in node_names:
            node_names.add(node.name)
        elif node.name not in reported:
            errors.append("multiple nodes named '%s'" % node.name)
            reported.add(node.name)

    both = inst_names & node_names
    if both:
        errors.append("node and instance names collide: %s" % ", ".join(_strcmp_sorted(both)))

    for node in nodes:
        if node.instance not in inst_names:
            errors.append("node '%s' has undeclared instance name '%s'" % (node.name, node.instance))

    agent_ports = {}
    for inst in instances:
        if inst.port is not None:
            agent_ports.setdefault(inst.name, set()).add(inst.port)
    used = {}
    reported = set()
    for node in nodes:
        if node.port is None:
            continue
        if node.port in agent_ports.get(node.instance, ()):
            errors.append("node '%s' port %d/tcp conflicts with agent port on instance '%s'"
                          % (node.name, node.port, node.instance))
        if node.port == controller_broker_port:
            errors.append("node '%s' port %d/tcp conflicts with controller port" % (node.name, node.port))
        ports = used.setdefault(node.instance, set())
        if node.port not in ports:
            ports.add(node.port)
        elif (node.instance, node.port) not in reported:
            errors.append("multiple nodes on instance '%s' using port %d/tcp" % (node.instance, node.port))
            reported.add((node.instance, node.port))

    if not auto_assign_broker_ports:
        lacking = [n.name for n in nodes if n.role in _ROLE_RANK and n.port is None]
        if lacking:
            errors.append("Broker port auto-assignment disabled but nodes %s lack ports"
                          % ", ".join(_strcmp_sorted(lacking)))
    return _strcmp_sorted(errors)


def _set_of(records):
    """``records`` without identical repeats (a Zeek set); only records that
    share a name can be identical, so only those pay for a full comparison."""
    names = set()
    repeated = False
    for record in records:
        if record.name in names:
            repeated = True
            break
        names.add(record.name)
    if not repeated:
        return list(records)
    return list(dict((r.key(), r) for r in records).values())


def _strcmp_sorted(texts):
    # strcmp compares bytes; UTF-8 byte order is code point order.
    return sorted(texts, key=lambda t: t.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------
# Lint
# ---------------------------------------------------------------------------

# An [instances] key: no delimiter, no comment or section start, no surrounding blanks.
_INI_KEY_RE = re.compile(r"^[^\s\[#;=:](?:[^\n\r=:]*[^\s=:])?$")
# A section name: no line break, no surrounding blanks.
_INI_SECTION_RE = re.compile(r"^\S(?:[^\n\r]*\S)?$")


def lint(config):
    """Problems the controller accepts silently (see the module docstring for
    which are errors and which warnings), sorted by node, field and message."""
    findings = []

    def add(severity, node, field, message):
        findings.append(Finding(severity, node, field, message))

    insts = dict((i.name, i) for i in config.instances)

    # Identical duplicates: the controller keeps one without a word.
    for kind, records in (("node", config.nodes), ("instance", config.instances)):
        if len(_set_of(records)) == len(records):
            continue
        seen = set()
        for record in records:
            key = record.key()
            if key in seen:
                add("warning", record.name, "name", "%s '%s' is listed more than once with identical "
                    "settings; the controller keeps one: remove the repeats" % (kind, record.name))
            seen.add(key)

    by_lower = {}
    for node in config.nodes:
        by_lower.setdefault(node.name.lower(), set()).add(node.name)
    for names in by_lower.values():
        if len(names) > 1:
            ordered = _strcmp_sorted(names)
            for name in ordered:
                add("warning", name, "name", "node '%s': node names %s differ only by case; Zeek treats them "
                    "as different nodes but people (and case-insensitive file systems) do not: rename one"
                    % (name, " and ".join("'%s'" % n for n in ordered)))
    for inst in config.instances:
        for name in by_lower.get(inst.name.lower(), ()):
            if name != inst.name:
                add("warning", name, "name", "node '%s' and instance '%s' differ only by case: rename one"
                    % (name, inst.name))
        if inst.host is not None and inst.port is None:
            add("warning", inst.name, "host", "instance '%s' field 'host': %s is ignored without a port "
                "(the agent connects to the controller, which uses the address it sees): remove host, "
                "or add port: to have the controller connect to the agent" % (inst.name, inst.host))
        if inst.name != inst.name.lower():
            add("warning", inst.name, "name", "instance '%s': zeek-client .ini files lower-case instance "
                "names ('%s'), so this configuration does not survive a round trip through zeek-client: "
                "use a lower-case name" % (inst.name, inst.name.lower()))
        elif not _INI_KEY_RE.match(inst.name):
            add("warning", inst.name, "name", "instance '%s': the name cannot be written to a zeek-client "
                ".ini file (no '=', ':', leading '[', '#' or ';', or surrounding blanks): rename it"
                % inst.name)

    managers = [n.name for n in config.nodes if n.role == "MANAGER"]
    if config.nodes and not managers:
        add("warning", None, "role", "the configuration has nodes but no manager: add a node with role: manager")
    elif len(set(managers)) > 1:
        for name in _strcmp_sorted(set(managers)):
            add("warning", name, "role", "node '%s' field 'role': a Zeek cluster has one manager, this "
                "configuration has %d (%s): make the others proxies or loggers"
                % (name, len(set(managers)), ", ".join(_strcmp_sorted(set(managers)))))

    for node in config.nodes:
        if node.role == "WORKER" and not node.interface:
            add("warning", node.name, "interface", "node '%s' field 'interface': a worker without an "
                "interface sniffs nothing: set interface: to the capture interface on instance '%s'"
                % (node.name, node.instance))
        elif node.role != "WORKER" and node.interface:
            add("warning", node.name, "interface", "node '%s' field 'interface': a %s with an interface "
                "sniffs traffic on %s: remove interface (only workers should capture)"
                % (node.name, node.role.lower(), node.interface))
        if node.name in ("instances", "DEFAULT") or not _INI_SECTION_RE.match(node.name):
            add("warning", node.name, "name", "node '%s': the name cannot be a zeek-client .ini section "
                "(not 'instances' or 'DEFAULT', no brackets, line breaks or surrounding blanks): rename it"
                % node.name)

    _lint_ports(config, insts, add)
    findings.sort(key=lambda f: (f.node or "", f.field or "", f.message))
    return findings


def _lint_ports(config, insts, add):
    """Port collisions on one host that the controller does not check."""
    def host_of(instance):
        inst = insts.get(instance)
        if inst is not None and inst.host is not None:
            return ("host", inst.host)
        return ("instance", instance)  # unknown address: only the instance itself is the same host

    uses = {}  # (host, port) -> [(kind, owner, instance)]
    for inst in config.instances:
        if inst.port is not None:
            uses.setdefault((host_of(inst.name), inst.port), []).append(("agent port", inst.name, inst.name))
    for node in _set_of(config.nodes):
        host = host_of(node.instance)
        if node.port is not None:
            uses.setdefault((host, node.port), []).append(("port", node.name, node.instance))
        if node.metrics_port is not None:
            uses.setdefault((host, node.metrics_port), []).append(("metrics_port", node.name, node.instance))
    for (host, number), users in uses.items():
        if len(users) < 2:
            continue
        where = "host %s" % host[1] if host[0] == "host" else "instance '%s'" % host[1]
        for index, (kind, owner, instance) in enumerate(users):
            others = users[:index] + users[index + 1:]
            for other_kind, other, other_instance in others:
                if kind == "agent port":
                    continue
                if kind == "port" and other_kind in ("port", "agent port") and instance == other_instance:
                    continue  # the controller reports these itself
                what = "the agent port of instance '%s'" % other if other_kind == "agent port" else \
                    "node '%s' (%s)" % (other, other_kind)
                add("error", owner, kind, "node '%s' field '%s': port %d is also used by %s on %s, so one "
                    "of them cannot bind it: choose another port%s"
                    % (owner, kind, number, what, where,
                       " or leave metrics_port unset for auto-assignment" if kind == "metrics_port" else ""))
                break
