# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Broker's WebSocket JSON data model (zeek-client draws the same line in
``zeekclient/brokertypes.py``): typed values for the Broker types plain Python
cannot tell apart, ``to_json`` / ``from_json`` between them and the wire's
``{"@data-type", "data"}`` objects, and the frames (handshake, ack, error,
data message) and events (``[1, 1, [name, args(, metadata)]]``).

Import it through ``broker_json``, the collection's one codec. Every problem
raises ``BrokerJSONError`` whose message starts with the path inside the
document (``$.data[2].data[0]``) so a person can find it. No imports from the
rest of the collection (the controller emulator uses it too).
"""

from __future__ import annotations

import datetime
import functools
import gc
import ipaddress
import json
import re


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
