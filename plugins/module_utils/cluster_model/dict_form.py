# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dict form users write in YAML/JSON (also ``zeek-client get-config
--as-json`` and ``to_dict``): ``from_dict``, ``to_dict`` and ``SCHEMA``.

One validator: ``from_dict``'s own conversion checks every field and words
every message. ``SCHEMA`` describes the same shape for editors and other
tools; a property test holds the conversion to it (it refuses all the schema
refuses), so the schema is never needed at run time."""

from __future__ import annotations

import importlib.util
import re
import traceback

from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.checks import validate
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.model import (
    UNKNOWN_HOST,
    ClusterConfigError,
    Configuration,
    Instance,
    Node,
    CPU_AFFINITY_MAX,
    assign_instances,
    cpu_problem,
    did_you_mean,
    field_message,
    parse_host,
    parse_port,
    quoted,
    role_name,
    role_problem,
    where,
    whole_number,
)

# SCHEMA needs jsonschema only to be checked against (schema_errors, tests).
HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None
JSONSCHEMA_IMPORT_ERROR = None if HAS_JSONSCHEMA else "ImportError: No module named 'jsonschema'"

# ---------------------------------------------------------------------------
# The JSON schema of the dict form
# ---------------------------------------------------------------------------

_NAME = {"type": "string", "minLength": 1}
_PORT = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
                   {"type": "string", "pattern": r"^\s*[0-9]{1,5}\s*$"},
                   {"type": "null"}]}
_TEXT_VALUE = {"type": ["string", "integer", "number"]}
# role_name's rule: any ``X::`` or ``X.`` qualification, then a role in any case.
_ROLE_PATTERN = r"^(?:.*::)?(?:.*\.)?(?i:manager|logger|proxy|worker|none)$"

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
                    "role": {"type": "string", "pattern": _ROLE_PATTERN},
                    "port": _PORT,
                    "metrics_port": _PORT,
                    "interface": {"type": ["string", "null"]},
                    "cpu_affinity": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": CPU_AFFINITY_MAX},
                                               {"type": "string", "pattern": r"^\s*[0-9]{1,10}\s*$"},
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


def schema_errors(data):
    """jsonschema's own messages for every place ``data`` does not fit
    ``SCHEMA`` (empty when it fits). For tools and tests: ``from_dict`` does
    not need it. Needs jsonschema (see ``HAS_JSONSCHEMA``)."""
    if not HAS_JSONSCHEMA:
        raise ClusterConfigError("jsonschema is required to check a cluster configuration")
    if not _VALIDATOR:
        try:
            import jsonschema  # pylint: disable=import-outside-toplevel
        except ImportError:  # pragma: no cover - found but broken
            raise ClusterConfigError("jsonschema cannot be imported: %s"
                                     % traceback.format_exc(limit=0).strip())
        cls = jsonschema.validators.validator_for(SCHEMA)
        cls.check_schema(SCHEMA)
        _VALIDATOR.append(cls(SCHEMA))
    errors = sorted(_VALIDATOR[0].iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return ["$%s: %s" % ("".join("[%d]" % p if isinstance(p, int) else ".%s" % p for p in e.absolute_path),
                         e.message) for e in errors]


# ---------------------------------------------------------------------------
# Field converters: a value, or ValueError with the message
# ---------------------------------------------------------------------------

_SIGNED_TEXT_RE = re.compile(r"^\s*-?[0-9]+\s*$")


class _PartError(ValueError):
    """A problem in a part of a field (``env.FOO``, ``scripts[2]``)."""

    def __init__(self, part, message):
        self.part = part
        super(_PartError, self).__init__(message)


def _text(value):
    if isinstance(value, str):
        return value
    raise ValueError("%s is not text" % quoted(value))


def _name(value):
    if _text(value):
        return value
    raise ValueError("must not be empty")


def _text_value(value):
    """env and option values: text, or a number written as text."""
    if isinstance(value, str):
        return value
    number = whole_number(value)
    if number is not None:
        return str(number)
    if isinstance(value, float):
        return repr(value)
    raise ValueError("%s is not text or a number" % quoted(value))


def _role(value):
    short = role_name(value) if isinstance(value, str) else None
    if short is None:
        raise ValueError(role_problem(value))
    return short


def _cpu(value):
    number = whole_number(value)
    if number is None and isinstance(value, str) and _SIGNED_TEXT_RE.match(value):
        number = int(value)
    if number is None:
        raise ValueError("%s is not a whole number (a CPU index such as 3)" % quoted(value))
    problem = cpu_problem(number)
    if problem:
        raise ValueError(problem)
    return number


def _scripts(value):
    if isinstance(value, str):
        raise ValueError("%s is not a list; write scripts: [%s]" % (quoted(value), value))
    if not isinstance(value, list):
        raise ValueError("%s is not a list" % quoted(value))
    for index, script in enumerate(value):
        try:
            _name(script)
        except ValueError as err:
            raise _PartError("[%d]" % index, str(err))
    return list(value)


def _env(value):
    if not isinstance(value, dict):
        raise ValueError("%s is not a mapping of variable names to values" % quoted(value))
    out = {}
    for key, val in value.items():
        if not isinstance(key, str):
            raise ValueError("environment variable name %s is not text" % quoted(key))
        if not key or "=" in key:
            raise ValueError("environment variable name %s must not %s"
                             % (quoted(key), "contain '='" if key else "be empty"))
        try:
            out[key] = _text_value(val)
        except ValueError as err:
            raise _PartError("." + key, str(err))
    return out


_OPTIONS_SHAPE = "is neither a mapping of option names to values nor a list of {name, value}"


def _options(value):
    pairs = []
    if isinstance(value, dict):
        for key, val in value.items():
            if not isinstance(key, str):
                raise ValueError("option name %s is not text" % quoted(key))
            pairs.append((key, _text_value(val)))
    elif isinstance(value, list):
        for item in value:
            if (not isinstance(item, dict) or set(item) != set(("name", "value"))
                    or not isinstance(item["name"], str) or not item["name"]):
                raise ValueError("%s %s" % (quoted(value), _OPTIONS_SHAPE))
            pairs.append((item["name"], _text_value(item["value"])))
    else:
        raise ValueError("%s %s" % (quoted(value), _OPTIONS_SHAPE))
    return pairs or None


def _port(field):
    return lambda value: parse_port(field, value)


_NODE_CONVERTERS = (
    ("name", _name), ("instance", _name), ("role", _role), ("port", _port("port")),
    ("metrics_port", _port("metrics_port")), ("interface", _text), ("cpu_affinity", _cpu),
    ("scripts", _scripts), ("env", _env), ("options", _options),
)


def _host(value):
    try:
        return parse_host(_text(value))
    except ValueError:
        raise ValueError("%s is not an IP address; the controller needs an IPv4 or IPv6 address here "
                         "(hostnames are not supported)" % quoted(value))


_INSTANCE_CONVERTERS = (("name", _name), ("host", _host), ("port", _port("port")))
_REQUIRED = {"node": ("name", "role"), "instance": ("name",)}


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------


def _unknown_fields(item, known):
    """(field, message) for each key of ``item`` that is not a field."""
    problems = []
    for key in sorted((k for k in item if k not in known), key=str):
        hint = " (write role:)" if key == "type" and "role" in known else did_you_mean(str(key), known)
        problems.append((str(key), "unknown field%s; known fields: %s" % (hint, ", ".join(known))))
    return problems


def _convert_entry(kind, index, item, converters, errors):
    """The fields of one node or instance as a dict, or None after adding
    every problem to ``errors``: missing and unknown fields first, then the
    others by field name (the order of a schema validator's paths)."""
    place = where(kind, item.get("name"), index)
    first = []
    for field in _REQUIRED[kind]:
        if item.get(field) is None:
            hint = " (write role: instead of type:)" if field == "role" and "type" in item else ""
            first.append(("", "missing required field '%s'%s" % (field, hint)))
    first.extend(_unknown_fields(item, [f for f, _convert in converters]))
    problems = []
    fields = {}
    for field, convert in converters:
        value = item.get(field)
        if value is None:
            continue
        try:
            fields[field] = convert(value)
        except _PartError as err:
            problems.append((field + err.part, str(err)))
        except ValueError as err:
            problems.append((field, str(err)))
    problems.sort(key=lambda p: p[0])
    errors.extend(field_message(place, field, text) for field, text in first + problems)
    return None if first or problems else fields


def _entries(data, key, kind, errors):
    """The list under ``key`` as (index, item) pairs; None when absent."""
    raw = data.get(key)
    if raw is None:
        return None
    if not isinstance(raw, list):
        errors.append(field_message("configuration", key, "%s is not a list" % quoted(raw)))
        return None
    entries = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            entries.append((index, item))
        else:
            errors.append("%s: %s is not a mapping" % (where(kind, None, index), quoted(item)))
    return entries


def from_dict(data, default_instance=None, check_schema=None):  # pylint: disable=unused-argument
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

    Messages name the node (or instance) and field: ``node 'worker-3' field
    'port': ...``. ``check_schema`` is accepted for compatibility and ignored:
    the conversion is the one validator (see the module docstring).
    """
    if data is None:
        data = {}
    errors = []
    if not isinstance(data, dict):
        raise ClusterConfigError("configuration: %s is not a mapping with instances and nodes" % quoted(data))
    for field, text in _unknown_fields(data, ("id", "instances", "nodes")):
        errors.append(field_message("configuration", field, text))
    config_id = data.get("id")
    if config_id is not None and not isinstance(config_id, str):
        errors.append(field_message("configuration", "id", "%s is not text" % quoted(config_id)))
    nodes = []
    node_entries = _entries(data, "nodes", "node", errors) or ()
    for index, item in node_entries:
        fields = _convert_entry("node", index, item, _NODE_CONVERTERS, errors)
        if fields is not None:
            nodes.append(Node(fields.pop("name"), fields.pop("instance", None), fields.pop("role"), **fields))
    free = [_name_or_place("node", item, index) for index, item in node_entries if item.get("instance") is None]
    instances = None
    entries = _entries(data, "instances", "instance", errors)
    if entries is not None:
        instances = []
        for index, item in entries:
            fields = _convert_entry("instance", index, item, _INSTANCE_CONVERTERS, errors)
            if fields is not None:
                instances.append(Instance(fields["name"], fields.get("host"), fields.get("port")))
            elif isinstance(item.get("name"), str) and item["name"]:
                instances.append(Instance(item["name"]))  # still declared: validate must not miss it
    instances, rule_errors = assign_instances(nodes, instances, default_instance, free, len(node_entries))
    config = Configuration(config_id if isinstance(config_id, str) and config_id else None, instances, nodes)
    if errors or rule_errors:
        # Every problem at once: what the controller would refuse in the rest too.
        rest = [] if rule_errors else validate(config, controller_broker_port=None)
        raise ClusterConfigError(errors + rule_errors + rest, config=config)
    return config


def _name_or_place(kind, item, index):
    name = item.get("name")
    return name if isinstance(name, str) and name else where(kind, None, index)


def to_dict(config):
    """Configuration -> the dict form, shaped like ``zeek-client get-config
    --as-json``: instances and nodes sorted by name, every node key present
    (null when unset), an instance ``host`` only when known or when it has a port."""
    instances = []
    for inst in sorted(config.instances, key=lambda i: i.name):
        entry = {"name": inst.name}
        if inst.port is not None:
            entry["host"] = inst.host or UNKNOWN_HOST
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
            "options": None if not node.options else dict(node.options),
            "port": node.port,
            "role": node.role,
            "scripts": None if node.scripts is None else list(node.scripts),
        })
    return {"id": config.id, "instances": instances, "nodes": nodes}
