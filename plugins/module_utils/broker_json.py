# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Broker's WebSocket JSON data model: the collection's one codec.

Private to the netsec.zeek collection: no compatibility promise to other code.

Three layers, each usable alone:

* typed values: Python classes for the Broker types that plain Python cannot
  tell apart (count vs integer, address vs string, ...), ``to_json`` /
  ``from_json`` between them and the wire's ``{"@data-type", "data"}`` objects;
* messages: the handshake, ack, error and data-message frames, and events
  (``[1, 1, [name, args(, metadata)]]``);
* Zeek types: ``parse_type("set[subnet]")`` and record layouts that turn plain
  Python data (what users write in YAML) into typed values and back, with
  Zeek's strict rules (records are positional vectors, ``int`` is never
  ``count``, enums are fully qualified).

Every problem raises ``BrokerJSONError`` whose message starts with the path
inside the document (``$.data[2].data[0]``) so a person can find it.

No imports from the rest of the collection: the controller emulator uses this
module too, while zeek-client's independent codec referees both in the tests.
"""

from __future__ import annotations

import datetime
import functools
import gc
import ipaddress
import json
import math
import re

__all__ = [
    "BrokerJSONError", "Count", "Integer", "Real", "Timespan", "Timestamp",
    "Enum", "Address", "Subnet", "Port", "Vector", "Set", "Table",
    "to_json", "from_json", "dumps", "loads",
    "Event", "make_event", "as_event", "to_plain",
    "Ack", "ErrorFrame", "DataMessage", "handshake", "data_message", "decode_frame",
    "parse_type", "parse_version", "Record", "Field",
    "interval_text", "is_interval_text", "parse_interval_text",
    "OPTION", "INSTANCE", "NODE", "CONFIGURATION", "NODE_STATUS", "RESULT", "NODE_OUTPUTS",
]


class BrokerJSONError(ValueError):
    """Bad input for the codec; ``path`` locates it inside the document."""

    def __init__(self, message, path="$"):
        self.reason = message
        self.path = path
        super(BrokerJSONError, self).__init__("%s: %s" % (path, message))

    def under(self, prefix):
        """The same error seen from an enclosing document at ``prefix``."""
        return BrokerJSONError(self.reason, prefix + self.path[1:])


def _whole_document(function):
    """Run a document-level conversion with the cyclic garbage collector paused.

    Codec documents are trees: they never form reference cycles, so reference
    counting frees them, while the collector's generation scans, triggered by
    the many allocations of a large document, would double the run time of a
    10,000-node configuration for nothing. Nested calls find it paused already.
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()
    return wrapper


# ---------------------------------------------------------------------------
# Typed values
# ---------------------------------------------------------------------------


class Count(int):
    """Zeek ``count``: an unsigned 64-bit integer."""

    __slots__ = ()

    def __repr__(self):
        return "Count(%d)" % self


class Integer(int):
    """Zeek ``int``: a signed 64-bit integer."""

    __slots__ = ()

    def __repr__(self):
        return "Integer(%d)" % self


class Real(float):
    """Zeek ``double``."""

    __slots__ = ()

    def __repr__(self):
        return "Real(%r)" % float(self)


_NS_PER_UNIT = {"ns": 1, "us": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9,
                "min": 60 * 10 ** 9, "h": 3600 * 10 ** 9, "d": 86400 * 10 ** 9}
_TIMESPAN_RE = re.compile(r"^(-?\d+)(ns|us|ms|s|min|h|d)$")


class Timespan(int):
    """Zeek ``interval``, held as whole nanoseconds."""

    __slots__ = ()

    @property
    def seconds(self):
        return self / 1e9

    def wire(self):
        # Broker's encoder: the coarsest of ns/us/ms/s that loses nothing.
        if self == 0:
            return "0s"
        for unit, scale in (("s", 10 ** 9), ("ms", 10 ** 6), ("us", 10 ** 3)):
            if self % scale == 0:
                return "%d%s" % (self // scale, unit)
        return "%dns" % self

    def __repr__(self):
        return "Timespan(%r)" % self.wire()


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Timestamp(str):
    """Zeek ``time`` in Broker's text form ``YYYY-MM-DDThh:mm:ss.sss`` (UTC)."""

    __slots__ = ()

    @classmethod
    def from_datetime(cls, moment):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        moment = moment.astimezone(datetime.timezone.utc)
        return cls(moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (moment.microsecond // 1000))

    @classmethod
    def from_epoch(cls, seconds):
        return cls.from_datetime(_EPOCH + datetime.timedelta(seconds=seconds))

    @property
    def epoch(self):
        return (_parse_timestamp(self) - _EPOCH).total_seconds()

    def __repr__(self):
        return "Timestamp(%r)" % str(self)


class Enum(str):
    """Zeek ``enum`` value, fully qualified (``Supervisor::WORKER``)."""

    __slots__ = ()

    @property
    def short(self):
        return self.rsplit("::", 1)[-1]

    def __repr__(self):
        return "Enum(%r)" % str(self)


class Address(str):
    """Zeek ``addr`` in canonical text form."""

    __slots__ = ()

    def __repr__(self):
        return "Address(%r)" % str(self)


class Subnet(str):
    """Zeek ``subnet`` as ``addr/len``."""

    __slots__ = ()

    def __repr__(self):
        return "Subnet(%r)" % str(self)


_PORT_RE = re.compile(r"^(\d{1,5})/(tcp|udp|icmp|\?)$")


class Port(tuple):
    """Zeek ``port``: (number, protocol), protocol one of tcp, udp, icmp, ?."""

    __slots__ = ()

    def __getnewargs__(self):
        # copy and pickle rebuild tuple subclasses from these arguments
        return tuple(self)

    def __new__(cls, number, proto="tcp"):
        if isinstance(number, Port):
            return number
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 65535:
            raise BrokerJSONError("a port number is 0-65535, got %s" % _show(number))
        if proto not in ("tcp", "udp", "icmp", "?"):
            raise BrokerJSONError("a port protocol is tcp, udp, icmp or ?, got %s" % _show(proto))
        return tuple.__new__(cls, (int(number), proto))

    @property
    def number(self):
        return self[0]

    @property
    def proto(self):
        return self[1]

    def __str__(self):
        return "%d/%s" % self

    def __repr__(self):
        return "Port(%r)" % str(self)


class Vector(list):
    """Broker ``vector``: also Zeek records and the event envelope."""

    __slots__ = ()


class Set(list):
    """Broker ``set``; elements may be unhashable (records), so a list."""

    __slots__ = ()


class Table(list):
    """Broker ``table`` as a list of (key, value) pairs; keys may be records."""

    __slots__ = ()

    def as_dict(self):
        return dict(self)


# ---------------------------------------------------------------------------
# Typed values <-> wire JSON
# ---------------------------------------------------------------------------


def _enc_none(_value):
    return {"@data-type": "none", "data": {}}


def _enc_bool(value):
    return {"@data-type": "boolean", "data": value}


def _enc_count(value):
    if value < 0:
        raise BrokerJSONError("count cannot be negative (%d)" % value)
    return {"@data-type": "count", "data": int(value)}


def _enc_integer(value):
    return {"@data-type": "integer", "data": int(value)}


def _enc_real(value):
    return {"@data-type": "real", "data": float(value)}


def _enc_string(value):
    return {"@data-type": "string", "data": value if value.__class__ is str else str(value)}


def _enc_vector(value):
    try:
        return {"@data-type": "vector", "data": [to_json(item) for item in value]}
    except BrokerJSONError:
        raise _locate(to_json, value)


def _enc_set(value):
    try:
        return {"@data-type": "set", "data": [to_json(item) for item in value]}
    except BrokerJSONError:
        raise _locate(to_json, value)


def _locate(convert, items, prefix="$"):
    """Redo a failed bulk conversion one element at a time to say which failed.

    The fast path converts whole lists at once and knows no index; errors are
    rare, so finding the index again afterwards costs nothing on success.
    """
    for index, item in enumerate(items):
        try:
            convert(item)
        except BrokerJSONError as err:
            return err.under("%s[%d]" % (prefix, index))
    return BrokerJSONError("conversion failed")


def _enc_table(value):
    pairs = value.items() if isinstance(value, dict) else value
    out = []
    for index, pair in enumerate(pairs):
        try:
            key, item = pair
            out.append({"key": to_json(key), "value": to_json(item)})
        except BrokerJSONError as err:
            raise err.under("$[%d]" % index)
        except (TypeError, ValueError):
            raise BrokerJSONError("table entries must be (key, value) pairs", "$[%d]" % index)
    return {"@data-type": "table", "data": out}


_ENCODERS = {
    type(None): _enc_none,
    bool: _enc_bool,
    Count: _enc_count,
    Integer: _enc_integer,
    int: _enc_integer,
    Real: _enc_real,
    float: _enc_real,
    str: _enc_string,
    Timespan: lambda v: {"@data-type": "timespan", "data": v.wire()},
    Timestamp: lambda v: {"@data-type": "timestamp", "data": str(v)},
    Enum: lambda v: {"@data-type": "enum-value", "data": str(v)},
    Address: lambda v: {"@data-type": "address", "data": str(v)},
    Subnet: lambda v: {"@data-type": "subnet", "data": str(v)},
    Port: lambda v: {"@data-type": "port", "data": "%d/%s" % v},
    Vector: _enc_vector,
    list: _enc_vector,
    tuple: _enc_vector,
    Set: _enc_set,
    set: _enc_set,
    frozenset: _enc_set,
    Table: _enc_table,
    dict: _enc_table,
}


def to_json(value):
    """Typed (or plain) Python value -> the wire's JSON object.

    Plain values map the obvious way: None -> none, bool -> boolean,
    int -> integer, float -> real, str -> string, list/tuple -> vector,
    set -> set, dict -> table, timedelta -> timespan, datetime -> timestamp,
    ipaddress objects -> address/subnet.
    """
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    return _to_json_fallback(value)


def _to_json_fallback(value):
    if isinstance(value, datetime.timedelta):
        return _ENCODERS[Timespan](Timespan((value.days * 86400 + value.seconds) * 10 ** 9
                                            + value.microseconds * 1000))
    if isinstance(value, datetime.datetime):
        return _ENCODERS[Timestamp](Timestamp.from_datetime(value))
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return _ENCODERS[Address](Address(value.compressed))
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return _ENCODERS[Subnet](Subnet(value.compressed))
    for base in (bool, Count, Integer, Real, Timespan, Timestamp, Enum, Address, Subnet,
                 Port, Vector, Set, Table, int, float, str, list, tuple, set, frozenset, dict):
        if isinstance(value, base):
            return _ENCODERS[base](value)
    raise BrokerJSONError("cannot encode a Python %s as Broker data" % type(value).__name__)


def _is_int(data):
    return isinstance(data, int) and not isinstance(data, bool)


def _dec_none(_data):
    return None


def _dec_boolean(data):
    if not isinstance(data, bool):
        raise BrokerJSONError("boolean data must be true or false, got %s" % _show(data))
    return data


def _dec_count(data):
    if not _is_int(data) or data < 0:
        raise BrokerJSONError("count data must be a non-negative JSON integer, got %s" % _show(data))
    return Count(data)


def _dec_integer(data):
    if not _is_int(data):
        raise BrokerJSONError("integer data must be a JSON integer, got %s" % _show(data))
    return Integer(data)


def _dec_real(data):
    if not isinstance(data, float):
        raise BrokerJSONError("real data must be a JSON number with a decimal point, got %s" % _show(data))
    return Real(data)


def _dec_timespan(data):
    match = _TIMESPAN_RE.match(data) if isinstance(data, str) else None
    if match is None:
        raise BrokerJSONError("timespan data must look like 30s, 250ms or 5min, got %s" % _show(data))
    return Timespan(int(match.group(1)) * _NS_PER_UNIT[match.group(2)])


def _parse_timestamp(text):
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        raise BrokerJSONError("timestamp data must be ISO 8601 like 2024-01-31T12:00:00.000, got %s"
                              % _show(text))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def _dec_timestamp(data):
    if not isinstance(data, str):
        raise BrokerJSONError("timestamp data must be a string, got %s" % _show(data))
    return Timestamp.from_datetime(_parse_timestamp(data))


def _dec_string(data):
    if not isinstance(data, str):
        raise BrokerJSONError("string data must be a JSON string, got %s" % _show(data))
    return data


def _dec_enum(data):
    if not isinstance(data, str) or not data:
        raise BrokerJSONError("enum-value data must be a non-empty string, got %s" % _show(data))
    return Enum(data)


def _dec_address(data):
    try:
        return Address(ipaddress.ip_address(data).compressed)
    except (TypeError, ValueError):
        raise BrokerJSONError("address data must be an IPv4 or IPv6 address, got %s" % _show(data))


def _dec_subnet(data):
    try:
        return Subnet(ipaddress.ip_network(data, strict=False).compressed)
    except (TypeError, ValueError):
        raise BrokerJSONError("subnet data must look like 10.0.0.0/8, got %s" % _show(data))


def _dec_port(data):
    match = _PORT_RE.match(data) if isinstance(data, str) else None
    if match is None or int(match.group(1)) > 65535:
        raise BrokerJSONError("port data must look like 2200/tcp (0-65535, tcp/udp/icmp/?), got %s"
                              % _show(data))
    return Port(int(match.group(1)), match.group(2))


def _dec_elements(data, kind):
    if not isinstance(data, list):
        raise BrokerJSONError("%s data must be a JSON array, got %s" % (kind, _show(data)))
    try:
        return [from_json(item) for item in data]
    except BrokerJSONError:
        raise _locate(from_json, data, "$.data")


def _dec_vector(data):
    return Vector(_dec_elements(data, "vector"))


def _dec_set(data):
    return Set(_dec_elements(data, "set"))


_TABLE_ENTRY_SHAPE = 'table entries must be {"key": ..., "value": ...} objects'


def _dec_table(data):
    if not isinstance(data, list):
        raise BrokerJSONError("table data must be a JSON array of {key, value} objects, got %s" % _show(data))
    out = Table()
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or "key" not in entry or "value" not in entry:
            raise BrokerJSONError(_TABLE_ENTRY_SHAPE, "$.data[%d]" % index)
        try:
            key = from_json(entry["key"])
        except BrokerJSONError as err:
            raise err.under("$.data[%d].key" % index)
        try:
            out.append((key, from_json(entry["value"])))
        except BrokerJSONError as err:
            raise err.under("$.data[%d].value" % index)
    return out


_DECODERS = {
    "none": _dec_none,
    "boolean": _dec_boolean,
    "count": _dec_count,
    "integer": _dec_integer,
    "real": _dec_real,
    "timespan": _dec_timespan,
    "timestamp": _dec_timestamp,
    "string": _dec_string,
    "enum-value": _dec_enum,
    "address": _dec_address,
    "subnet": _dec_subnet,
    "port": _dec_port,
    "vector": _dec_vector,
    "set": _dec_set,
    "table": _dec_table,
}


def from_json(obj):
    """The wire's JSON object -> typed Python value (see the classes above)."""
    try:
        decoder = _DECODERS.get(obj["@data-type"])
        data = obj["data"]
    except (TypeError, KeyError):
        raise BrokerJSONError("expected an object with \"@data-type\" and \"data\", got %s" % _show(obj))
    except Exception:  # unhashable @data-type value
        decoder = None
    if decoder is None:
        raise BrokerJSONError("unknown @data-type %s" % _show(obj.get("@data-type")))
    return decoder(data)


@_whole_document
def dumps(value):
    """Typed value -> compact JSON text."""
    return json.dumps(to_json(value), separators=(",", ":"))


@_whole_document
def loads(text):
    """JSON text -> typed value."""
    try:
        obj = json.loads(text)
    except ValueError as err:
        raise BrokerJSONError("malformed JSON (%s)" % err)
    return from_json(obj)


def _show(data, limit=60):
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        text = repr(data)
    return text if len(text) <= limit else text[:limit - 3] + "..."


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
# Frames and events
# ---------------------------------------------------------------------------


class Ack(tuple):
    """The server's handshake answer."""

    __slots__ = ()

    def __getnewargs__(self):
        # copy and pickle rebuild tuple subclasses from these arguments
        return tuple(self)

    def __new__(cls, endpoint, version):
        return tuple.__new__(cls, (endpoint, version))

    endpoint = property(lambda self: self[0])
    version = property(lambda self: self[1])


class ErrorFrame(tuple):
    """``{"type": "error", "code", "context"}`` sent by the server."""

    __slots__ = ()

    def __getnewargs__(self):
        # copy and pickle rebuild tuple subclasses from these arguments
        return tuple(self)

    def __new__(cls, code, context):
        return tuple.__new__(cls, (code, context))

    code = property(lambda self: self[0])
    context = property(lambda self: self[1])


class DataMessage(tuple):
    """A published value on a topic."""

    __slots__ = ()

    def __getnewargs__(self):
        # copy and pickle rebuild tuple subclasses from these arguments
        return tuple(self)

    def __new__(cls, topic, value):
        return tuple.__new__(cls, (topic, value))

    topic = property(lambda self: self[0])
    value = property(lambda self: self[1])


class Event(tuple):
    """A Zeek event: name, argument list and the optional metadata vector."""

    __slots__ = ()

    def __getnewargs__(self):
        # copy and pickle rebuild tuple subclasses from these arguments
        return tuple(self)

    def __new__(cls, name, args, metadata=None):
        return tuple.__new__(cls, (name, list(args), metadata))

    name = property(lambda self: self[0])
    args = property(lambda self: self[1])
    metadata = property(lambda self: self[2])


_FORMAT_1 = Count(1)
_TYPE_EVENT = Count(1)


def make_event(name, args, metadata=None):
    """The typed envelope of an event: ``[count 1, count 1, [name, args(, metadata)]]``."""
    body = Vector([name, Vector(args)])
    if metadata is not None:
        body.append(Vector(metadata))
    return Vector([_FORMAT_1, _TYPE_EVENT, body])


def as_event(value):
    """An ``Event`` if the typed value is an event envelope, else None.

    Bodies may have 2 or 3 elements: Zeek 6.x-8.0 add metadata, clients must
    ignore it.
    """
    if not isinstance(value, Vector) or len(value) != 3:
        return None
    fmt, kind, body = value
    if fmt.__class__ is not Count or fmt != 1 or kind.__class__ is not Count or kind != 1:
        return None
    if not isinstance(body, Vector) or len(body) not in (2, 3):
        return None
    if body[0].__class__ is not str or not isinstance(body[1], Vector):
        return None
    return Event(body[0], body[1], body[2] if len(body) == 3 else None)


def to_plain(value):
    """Typed value -> plain JSON-able data, for returning received values.

    Count/Integer -> int, Real -> float, Timespan -> seconds (float),
    Timestamp -> its ISO text, Port -> "80/tcp", Enum/Address/Subnet -> str,
    Vector/Set -> list, Table -> dict when every key is a str or int, else a
    list of [key, value] pairs. None, bool and str stay as they are.
    """
    cls = value.__class__
    if value is None or cls is bool or cls is str:
        return value
    if cls is Timespan:
        return value / 1e9
    if cls is Port:
        return str(value)
    if cls is Table:
        pairs = [(to_plain(key), to_plain(item)) for key, item in value]
        if all(key.__class__ in (str, int) for key, _item in pairs):
            return dict(pairs)
        return [[key, item] for key, item in pairs]
    if isinstance(value, (Vector, Set, list, tuple, set, frozenset)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return dict((key, to_plain(item)) for key, item in value.items())
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    raise BrokerJSONError("cannot turn a Python %s into plain data" % type(value).__name__)


def handshake(topics):
    """The client's first message: the list of topic prefixes."""
    topics = list(topics)
    for index, topic in enumerate(topics):
        if not isinstance(topic, str):
            raise BrokerJSONError("topics must be strings", "$[%d]" % index)
    return topics


@_whole_document
def data_message(topic, value):
    """A data-message frame (as a JSON-ready dict) publishing ``value`` on ``topic``."""
    frame = {"type": "data-message", "topic": topic}
    frame.update(to_json(value))
    return frame


@_whole_document
def decode_frame(frame):
    """A server or client frame (JSON text or parsed object) -> Ack, ErrorFrame or DataMessage."""
    if isinstance(frame, (str, bytes, bytearray)):
        try:
            frame = json.loads(frame)
        except ValueError as err:
            raise BrokerJSONError("malformed JSON (%s)" % err)
    if not isinstance(frame, dict):
        raise BrokerJSONError("a frame must be a JSON object, got %s" % _show(frame))
    kind = frame.get("type")
    if kind == "ack":
        if "endpoint" not in frame or "version" not in frame:
            raise BrokerJSONError("ack frames need \"endpoint\" and \"version\"")
        return Ack(frame["endpoint"], frame["version"])
    if kind == "error":
        return ErrorFrame(frame.get("code", ""), frame.get("context", ""))
    if "@data-type" in frame:
        topic = frame.get("topic")
        if not isinstance(topic, str):
            raise BrokerJSONError("data messages need a string \"topic\"")
        return DataMessage(topic, from_json(frame))
    raise BrokerJSONError("unknown frame (type %s)" % _show(kind))


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
