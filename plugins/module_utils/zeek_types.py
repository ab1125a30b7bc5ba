# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Zeek's types over Broker's values: ``parse_type("set[subnet]")`` and the
type objects that turn plain Python data (what users write in YAML) into
typed values and back with Zeek's strict rules (records are positional
vectors, ``int`` is never ``count``, enums are fully qualified), Zeek's own
text of an interval, and the Management framework's records
(``policy/frameworks/management/types.zeek``: what the controller and agents
send and expect; zeek-client's ``types.py``).

Import it through ``broker_json``, the collection's one codec.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import math
import re

# Relative imports: the controller emulator imports this package as
# plugins.module_utils, without ansible_collections.
from .broker_types import (
    _NS_PER_UNIT,
    _PORT_RE,
    Address,
    BrokerJSONError,
    Count,
    Enum,
    Integer,
    Port,
    Real,
    Set,
    Subnet,
    Table,
    Timespan,
    Timestamp,
    Vector,
    _parse_timestamp,
    _show,
    _whole_document,
    to_json,
)

# ---------------------------------------------------------------------------
# Zeek's own text of an interval (to_json, IntervalVal::ValDescribe)
# ---------------------------------------------------------------------------
# get_id_value answers carry values rendered by Zeek's to_json(), where an
# interval is text such as "1.0 hr" or "2.0 mins 30.0 secs".

_INTERVAL_UNITS = (("day", 86400 * 10 ** 9), ("hr", 3600 * 10 ** 9), ("min", 60 * 10 ** 9), ("sec", 10 ** 9),
                   ("msec", 10 ** 6), ("usec", 10 ** 3))
_INTERVAL_UNIT_NS = dict(_INTERVAL_UNITS)
_DESCRIBED_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_DESCRIBED_PART_RE = re.compile(r"(%s) (day|hr|min|sec|msec|usec)s?" % _DESCRIBED_NUMBER)
_DESCRIBED_INTERVAL_RE = re.compile(r"^%s(?: %s)*$" % (_DESCRIBED_PART_RE.pattern, _DESCRIBED_PART_RE.pattern))


def interval_text(nanoseconds):
    """Whole nanoseconds -> the text Zeek's to_json() writes for that interval."""
    value = nanoseconds / 1e9
    if value == 0.0:
        return "0 secs"
    parts = []
    for index, (word, unit_ns) in enumerate(_INTERVAL_UNITS):
        unit = unit_ns / 1e9
        if index == len(_INTERVAL_UNITS) - 1:
            amount = value / unit
            if abs(amount) < 1e-6:
                if not parts:
                    parts.append("0 secs")
                break
        else:
            if not (value >= unit or value <= -unit):
                continue
            amount = value / unit
            amount = math.ceil(amount) if amount < 0 else math.floor(amount)
            value -= amount * unit
        text = _describe_double(amount) + " " + word
        if abs(amount - 1) > 1e-6 and abs(amount + 1) > 1e-6:
            text += "s"
        parts.append(text)
    return " ".join(parts)


def _describe_double(number):
    # ODesc::Add(double): %g with six significant digits, ".0" added to whole numbers.
    text = "%.6g" % number
    if "e" not in text and "." not in text and "inf" not in text and "nan" not in text:
        text += ".0"
    return text


def is_interval_text(text):
    return isinstance(text, str) and _DESCRIBED_INTERVAL_RE.match(text) is not None


def parse_interval_text(text):
    """Zeek's text of an interval -> whole nanoseconds; ValueError if it is not one."""
    if not is_interval_text(text):
        raise ValueError("not Zeek interval text: %r" % (text,))
    total = 0.0
    for number, unit in _DESCRIBED_PART_RE.findall(text):
        total += float(number) * _INTERVAL_UNIT_NS[unit]
    return int(round(total))

# ---------------------------------------------------------------------------
# Zeek types: plain Python <-> typed values
# ---------------------------------------------------------------------------


def parse_version(text):
    """'8.2', '8.1.0-dev.91', (8, 2) -> (8, 2)."""
    if isinstance(text, tuple):
        return text[:2]
    match = re.match(r"^\s*(\d+)\.(\d+)", str(text))
    if match is None:
        raise BrokerJSONError("a Zeek version looks like 8.2, got %s" % _show(text))
    return int(match.group(1)), int(match.group(2))


class ZeekType(object):
    """A Zeek type that converts plain Python values to typed ones and back."""

    name = "?"

    def to_broker(self, value, path="$", version=None):
        raise NotImplementedError

    def from_broker(self, value, path="$"):
        raise NotImplementedError

    def __repr__(self):
        return "<zeek type %s>" % self.name


def _fail(path, message):
    raise BrokerJSONError(message, path)


_INTERVAL_WORDS = {
    "ns": "ns", "nsec": "ns", "nsecs": "ns", "us": "us", "usec": "us", "usecs": "us",
    "ms": "ms", "msec": "ms", "msecs": "ms", "s": "s", "sec": "s", "secs": "s", "second": "s",
    "seconds": "s", "m": "min", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d",
}
_INTERVAL_TEXT_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-z]+)\s*$")


class _Basic(ZeekType):
    def __init__(self, name, to_broker, from_broker):
        self.name = name
        self._to = to_broker
        self._from = from_broker

    def to_broker(self, value, path="$", version=None):
        return self._to(value, path)

    def from_broker(self, value, path="$"):
        return self._from(value, path)


def _bool_to(value, path):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ("t", "true", "yes"):
        return True
    if text in ("f", "false", "no"):
        return False
    _fail(path, "bool needs true or false (or T/F), got %s" % _show(value))


def _count_to(value, path):
    number = _whole_number(value, path, "count")
    if number < 0:
        _fail(path, "count cannot be negative, got %s" % _show(value))
    if number >= 2 ** 64:
        _fail(path, "count must be below 2^64, got %s" % _show(value))
    return Count(number)


def _int_to(value, path):
    number = _whole_number(value, path, "int")
    if not -2 ** 63 <= number < 2 ** 63:
        _fail(path, "int must fit in 64 bits, got %s" % _show(value))
    return Integer(number)


def _whole_number(value, path, kind):
    if isinstance(value, bool):
        _fail(path, "%s needs a whole number, got a boolean" % kind)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
        return int(value)
    _fail(path, "%s needs a whole number, got %s" % (kind, _show(value)))


def _double_to(value, path):
    if isinstance(value, bool):
        _fail(path, "double needs a number, got a boolean")
    try:
        return Real(float(value))
    except (TypeError, ValueError):
        _fail(path, "double needs a number, got %s" % _show(value))


def _interval_to(value, path):
    if isinstance(value, Timespan):
        return value
    if isinstance(value, datetime.timedelta):
        return Timespan(int(round(value.total_seconds() * 1e9)))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Timespan(int(round(value * 1e9)))
    if isinstance(value, str):
        match = _INTERVAL_TEXT_RE.match(value.lower())
        if match and match.group(2) in _INTERVAL_WORDS:
            scale = _NS_PER_UNIT[_INTERVAL_WORDS[match.group(2)]]
            return Timespan(int(round(float(match.group(1)) * scale)))
    _fail(path, "interval needs seconds or text like '30 secs', '10min', '1.5 hrs', got %s" % _show(value))


def _time_to(value, path):
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, datetime.datetime):
        return Timestamp.from_datetime(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Timestamp.from_epoch(value)
    if isinstance(value, str):
        try:
            return Timestamp.from_datetime(_parse_timestamp(value.strip()))
        except BrokerJSONError:
            pass
    _fail(path, "time needs epoch seconds or an ISO 8601 timestamp, got %s" % _show(value))


def _string_to(value, path):
    if value.__class__ is str:
        return value
    if isinstance(value, str):
        return str(value)
    _fail(path, "string needs text, got %s" % _show(value))


def _addr_to(value, path):
    try:
        return Address(ipaddress.ip_address(str(value).strip()).compressed)
    except ValueError:
        _fail(path, "addr needs an IPv4 or IPv6 address, got %s" % _show(value))


def _subnet_to(value, path):
    try:
        return Subnet(ipaddress.ip_network(str(value).strip(), strict=False).compressed)
    except ValueError:
        _fail(path, "subnet needs addr/len like 10.0.0.0/8, got %s" % _show(value))


def _port_to(value, path):
    if isinstance(value, Port):
        return value
    if isinstance(value, bool):
        _fail(path, "port needs 1-65535 or text like 2200/tcp, got a boolean")
    if isinstance(value, int):
        if 0 <= value <= 65535:
            return Port(value, "tcp")
    elif isinstance(value, dict) and "port" in value:
        return _port_to("%s/%s" % (value["port"], value.get("proto", "tcp")), path)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _port_to(int(text), path)
        match = _PORT_RE.match(text)
        if match and int(match.group(1)) <= 65535:
            return Port(int(match.group(1)), match.group(2))
    _fail(path, "port needs 0-65535 or text like 2200/tcp (tcp, udp, icmp), got %s" % _show(value))


def _from_same(kind):
    def check(value, path):
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            _fail(path, "expected Broker %s, got %s" % (kind.__name__.lower(), _show_typed(value)))
        return value
    return check


def _from_str(value, path):
    if value.__class__ is not str:
        _fail(path, "expected Broker string, got %s" % _show_typed(value))
    return value


def _show_typed(value):
    try:
        return json.dumps(to_json(value))[:80]
    except BrokerJSONError:
        return repr(value)


BOOL = _Basic("bool", _bool_to, _from_same(bool))
COUNT = _Basic("count", _count_to, _from_same(Count))
INT = _Basic("int", _int_to, _from_same(Integer))
DOUBLE = _Basic("double", _double_to, _from_same(Real))
INTERVAL = _Basic("interval", _interval_to, _from_same(Timespan))
TIME = _Basic("time", _time_to, _from_same(Timestamp))
STRING = _Basic("string", _string_to, _from_str)
ADDR = _Basic("addr", _addr_to, _from_same(Address))
SUBNET = _Basic("subnet", _subnet_to, _from_same(Subnet))
PORT = _Basic("port", _port_to, _from_same(Port))


class _Any(ZeekType):
    """Zeek ``any``: the value passes through with whatever Broker type it has."""

    name = "any"

    def to_broker(self, value, path="$", version=None):
        try:
            to_json(value)
        except BrokerJSONError as err:
            raise err.under(path)
        return value

    def from_broker(self, value, path="$"):
        return value


ANY = _Any()


class EnumType(ZeekType):
    """A Zeek enum; user input may omit the module scope and use any case."""

    def __init__(self, name, values=None):
        self.name = name
        self.values = list(values or [])
        self._by_short = dict((v.rsplit("::", 1)[-1].upper(), v) for v in self.values)

    def to_broker(self, value, path="$", version=None):
        if not isinstance(value, str) or not value.strip():
            _fail(path, "%s needs an enum name, got %s" % (self.name, _show(value)))
        text = value.strip()
        if not self.values:
            if "::" not in text and text.upper() != text:
                _fail(path, "%s needs a fully qualified name like Module::NAME, got %s"
                      % (self.name, _show(value)))
            return Enum(text)
        found = self._by_short.get(text.rsplit("::", 1)[-1].upper())
        if found is None or ("::" in text and text != found):
            _fail(path, "%s must be one of %s, got %s" % (
                self.name, ", ".join(v.rsplit("::", 1)[-1] for v in self.values), _show(value)))
        return Enum(found)

    def from_broker(self, value, path="$"):
        if value.__class__ is not Enum:
            _fail(path, "expected Broker enum-value for %s, got %s" % (self.name, _show_typed(value)))
        if self.values and value not in self.values:
            _fail(path, "unknown %s value %s" % (self.name, _show(str(value))))
        return value


def _is_sequence(value):
    return not isinstance(value, (str, bytes, dict)) and hasattr(value, "__iter__")


# Containers convert children at path "$" and, only when a child fails, put
# their own position in front of the child's path: building a path string
# for every element would cost more than the conversion itself.


class VectorType(ZeekType):
    def __init__(self, element):
        self.element = element
        self.name = "vector of %s" % element.name

    def to_broker(self, value, path="$", version=None):
        if not _is_sequence(value):
            _fail(path, "%s needs a list, got %s" % (self.name, _show(value)))
        convert = self.element.to_broker
        out = Vector()
        for index, item in enumerate(value):
            try:
                out.append(convert(item, "$", version))
            except BrokerJSONError as err:
                raise err.under("%s[%d]" % (path, index))
        return out

    def from_broker(self, value, path="$"):
        if value.__class__ is not Vector:
            _fail(path, "expected Broker vector, got %s" % _show_typed(value))
        return _convert_all(self.element.from_broker, value, path)


def _convert_all(convert, items, path):
    out = []
    for index, item in enumerate(items):
        try:
            out.append(convert(item))
        except BrokerJSONError as err:
            raise err.under("%s[%d]" % (path, index))
    return out


class SetType(ZeekType):
    """``set[T]``; a multi-index ``set[T1, T2]`` has vector elements."""

    def __init__(self, element):
        self.element = element
        self.name = "set[%s]" % element.name

    def to_broker(self, value, path="$", version=None):
        if not _is_sequence(value):
            _fail(path, "%s needs a list of elements, got %s" % (self.name, _show(value)))
        out, seen = Set(), set()
        convert = self.element.to_broker
        # Records (instances, nodes) are kept unique by name in the cluster
        # model; freezing each one here would cost a tenth of the encoding.
        unique = not isinstance(self.element, Record)
        for index, item in enumerate(value):
            try:
                typed = convert(item, "$", version)
            except BrokerJSONError as err:
                raise err.under("%s[%d]" % (path, index))
            if not unique:
                out.append(typed)
                continue
            key = _freeze(typed)
            if key not in seen:
                seen.add(key)
                out.append(typed)
        return out

    def from_broker(self, value, path="$"):
        if value.__class__ is not Set:
            _fail(path, "expected Broker set, got %s" % _show_typed(value))
        return _convert_all(self.element.from_broker, value, path)


class TableType(ZeekType):
    """``table[K] of V``; plain input is a dict whose keys are converted to K."""

    def __init__(self, key, value):
        self.key = key
        self.value = value
        self.name = "table[%s] of %s" % (key.name, value.name)

    def to_broker(self, value, path="$", version=None):
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, (list, tuple, Table)):
            items = value
        else:
            _fail(path, "%s needs a mapping, got %s" % (self.name, _show(value)))
        out = Table()
        key_to, value_to = self.key.to_broker, self.value.to_broker
        for index, pair in enumerate(items):
            try:
                key, item = pair
            except (TypeError, ValueError):
                _fail("%s[%d]" % (path, index), "table entries must be (key, value) pairs")
            try:
                out.append((key_to(key, "$", version), value_to(item, "$", version)))
            except BrokerJSONError as err:
                where = "%s[%s]" % (path, json.dumps(key) if isinstance(key, str) else index)
                raise err.under(where)
        return out

    def from_broker(self, value, path="$"):
        if value.__class__ is not Table:
            _fail(path, "expected Broker table, got %s" % _show_typed(value))
        out = {}
        key_from, value_from = self.key.from_broker, self.value.from_broker
        for index, (key, item) in enumerate(value):
            try:
                out[_json_key(key_from(key))] = value_from(item)
            except BrokerJSONError as err:
                raise err.under("%s[%d]" % (path, index))
        return out


class CompositeType(ZeekType):
    """The element of a multi-index set or table key: ``[T1, T2]`` as a vector."""

    def __init__(self, parts):
        self.parts = parts
        self.name = ", ".join(p.name for p in parts)

    def to_broker(self, value, path="$", version=None):
        if not _is_sequence(value) or len(value) != len(self.parts):
            _fail(path, "needs a list of %d values (%s), got %s" % (len(self.parts), self.name, _show(value)))
        return Vector(t.to_broker(v, "%s[%d]" % (path, i), version)
                      for i, (t, v) in enumerate(zip(self.parts, value)))

    def from_broker(self, value, path="$"):
        if value.__class__ is not Vector or len(value) != len(self.parts):
            _fail(path, "expected a vector of %d values (%s)" % (len(self.parts), self.name))
        return [t.from_broker(v, "%s[%d]" % (path, i)) for i, (t, v) in enumerate(zip(self.parts, value))]


def _freeze(value):
    """A hashable stand-in for a typed value, for set de-duplication; the
    class is part of it because count 1 and integer 1 are different."""
    cls = value.__class__
    if cls is Vector or cls is Set or cls is Table or cls is list or cls is tuple:
        return (cls, tuple([_freeze(item) for item in value]))
    return (cls, value)


def _json_key(key):
    if isinstance(key, (str, int, float, bool)) or key is None:
        return key
    return json.dumps(key)


class Field(object):
    """One record field: name, Zeek type, optional (``&optional``), default
    (``&default``, sent when the caller gives none) and the Zeek version that
    added it (older peers send shorter vectors)."""

    __slots__ = ("name", "type", "optional", "default", "since")

    def __init__(self, name, ztype, optional=False, default=None, since=None):
        self.name = name
        self.type = ztype
        self.optional = optional
        self.default = default
        self.since = since


class Record(ZeekType):
    """A Zeek record: a positional vector, one element per field in order."""

    def __init__(self, name, fields):
        self.name = name
        self.fields = fields
        self.field_names = [f.name for f in fields]
        self._names = frozenset(self.field_names)
        self._min_len = len([f for f in fields if f.since is None])

    def fields_for(self, version=None):
        if version is None:
            return self.fields
        version = parse_version(version)
        return [f for f in self.fields if f.since is None or version >= f.since]

    @_whole_document
    def to_broker(self, value, path="$", version=None):
        """Plain dict (field name -> plain value) -> Vector."""
        if not isinstance(value, dict):
            _fail(path, "%s needs a mapping of its fields, got %s" % (self.name, _show(value)))
        if not self._names.issuperset(value):
            unknown = sorted(set(value) - self._names)
            _fail(path, "%s has no field %s (fields: %s)" % (
                self.name, ", ".join(unknown), ", ".join(self.field_names)))
        out = Vector()
        get = value.get
        for field in (self.fields if version is None else self.fields_for(version)):
            item = get(field.name)
            if item is None:
                default = field.default
                if default is None:
                    if not field.optional:
                        _fail("%s.%s" % (path, field.name), "%s.%s is required" % (self.name, field.name))
                    out.append(None)
                    continue
                item = default() if callable(default) else default
            try:
                out.append(field.type.to_broker(item, "$", version))
            except BrokerJSONError as err:
                raise err.under("%s.%s" % (path, field.name))
        return out

    @_whole_document
    def from_broker(self, value, path="$"):
        """Vector -> plain dict; missing newer trailing fields read as None."""
        if value.__class__ is not Vector:
            _fail(path, "expected a %s record (a vector), got %s" % (self.name, _show_typed(value)))
        if len(value) < self._min_len:
            _fail(path, "a %s record needs at least %d fields, got %d"
                  % (self.name, self._min_len, len(value)))
        out = {}
        length = len(value)
        for index, field in enumerate(self.fields):
            item = value[index] if index < length else None
            if item is None:
                out[field.name] = None
                continue
            try:
                out[field.name] = field.type.from_broker(item)
            except BrokerJSONError as err:
                raise err.under("%s.%s" % (path, field.name))
        return out


_BASIC_TYPES = {
    "bool": BOOL, "count": COUNT, "int": INT, "double": DOUBLE, "interval": INTERVAL,
    "time": TIME, "string": STRING, "addr": ADDR, "subnet": SUBNET, "port": PORT, "any": ANY,
}


def parse_type(text):
    """Zeek type text -> ZeekType: ``count``, ``set[subnet]``,
    ``table[string] of count``, ``vector of addr``, ``set[addr, port]``,
    ``enum`` or a qualified enum type name like ``Log::ID``."""
    if isinstance(text, ZeekType):
        return text
    source = str(text)
    parsed, rest = _parse_type_at(source.strip(), source)
    if rest.strip():
        raise BrokerJSONError("cannot read Zeek type %s: unexpected %s" % (_show(source), _show(rest.strip())))
    return parsed


def _parse_type_at(text, source):
    text = text.lstrip()
    match = re.match(r"^(set|table)\s*\[", text)
    if match:
        parts, rest = _parse_type_list(text[match.end():], source)
        index = parts[0] if len(parts) == 1 else CompositeType(parts)
        if match.group(1) == "set":
            return SetType(index), rest
        of = re.match(r"^\s*of\s+", rest)
        if not of:
            raise BrokerJSONError("cannot read Zeek type %s: a table needs 'of <type>'" % _show(source))
        value, rest = _parse_type_at(rest[of.end():], source)
        return TableType(index, value), rest
    match = re.match(r"^vector\s+of\s+", text)
    if match:
        element, rest = _parse_type_at(text[match.end():], source)
        return VectorType(element), rest
    match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)", text)
    if not match:
        raise BrokerJSONError("cannot read Zeek type %s" % _show(source))
    name, rest = match.group(1), text[match.end():]
    if name in _BASIC_TYPES:
        return _BASIC_TYPES[name], rest
    if name == "enum" or "::" in name:
        return KNOWN_ENUMS.get(name) or EnumType(name), rest
    raise BrokerJSONError("unsupported Zeek type %s in %s (use bool, count, int, double, interval, time, "
                          "string, addr, subnet, port, enum, set[..], vector of .., table[..] of ..)"
                          % (_show(name), _show(source)))


def _parse_type_list(text, source):
    parts = []
    rest = text
    while True:
        part, rest = _parse_type_at(rest, source)
        parts.append(part)
        rest = rest.lstrip()
        if rest.startswith(","):
            rest = rest[1:]
            continue
        if rest.startswith("]"):
            return parts, rest[1:]
        raise BrokerJSONError("cannot read Zeek type %s: missing ']'" % _show(source))


# ---------------------------------------------------------------------------
# Management framework records (policy/frameworks/management/types.zeek)
# ---------------------------------------------------------------------------
# Management framework records (policy/frameworks/management/types.zeek)
# ---------------------------------------------------------------------------

CLUSTER_ROLE = EnumType("Supervisor::ClusterRole", [
    "Supervisor::NONE", "Supervisor::LOGGER", "Supervisor::MANAGER", "Supervisor::PROXY",
    "Supervisor::WORKER"])
MANAGEMENT_ROLE = EnumType("Management::Role", [
    "Management::NONE", "Management::AGENT", "Management::CONTROLLER", "Management::NODE"])
MANAGEMENT_STATE = EnumType("Management::State", [
    "Management::PENDING", "Management::RUNNING", "Management::STOPPED", "Management::FAILED",
    "Management::CRASHED", "Management::UNKNOWN"])
KNOWN_ENUMS = dict((e.name, e) for e in (CLUSTER_ROLE, MANAGEMENT_ROLE, MANAGEMENT_STATE))

OPTION = Record("Management::Option", [
    Field("name", STRING),
    Field("value", STRING),
])

INSTANCE = Record("Management::Instance", [
    Field("name", STRING),
    Field("host", ADDR, default="0.0.0.0"),
    Field("listen_port", PORT, optional=True),
])

NODE = Record("Management::Node", [
    Field("name", STRING),
    Field("instance", STRING),
    Field("role", CLUSTER_ROLE),
    Field("state", MANAGEMENT_STATE, default="Management::RUNNING"),
    Field("p", PORT, optional=True),
    Field("scripts", VectorType(STRING), optional=True),
    Field("options", SetType(OPTION), optional=True),
    Field("interface", STRING, optional=True),
    Field("cpu_affinity", INT, optional=True),
    Field("env", TableType(STRING, STRING), default=dict),
    Field("metrics_port", PORT, optional=True, since=(7, 0)),
])

CONFIGURATION = Record("Management::Configuration", [
    Field("id", STRING),
    Field("instances", SetType(INSTANCE), default=list),
    Field("nodes", SetType(NODE), default=list),
])

NODE_STATUS = Record("Management::NodeStatus", [
    Field("node", STRING),
    Field("state", MANAGEMENT_STATE),
    Field("mgmt_role", MANAGEMENT_ROLE, default="Management::NONE"),
    Field("cluster_role", CLUSTER_ROLE, default="Supervisor::NONE"),
    Field("pid", INT, optional=True),
    Field("p", PORT, optional=True),
    Field("metrics_port", PORT, optional=True, since=(7, 0)),
])

RESULT = Record("Management::Result", [
    Field("reqid", STRING),
    Field("success", BOOL, default=True),
    Field("instance", STRING, optional=True),
    Field("data", ANY, optional=True),
    Field("error", STRING, optional=True),
    Field("node", STRING, optional=True),
])

NODE_OUTPUTS = Record("Management::NodeOutputs", [
    Field("stdout", STRING),
    Field("stderr", STRING),
])
