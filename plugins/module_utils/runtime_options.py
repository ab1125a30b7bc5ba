# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runtime ``option`` values: which Zeek type, which Broker value, and is it set already.

Private to the netsec.zeek collection. Pure: no I/O.

Zeek changes an ``option`` at run time with ``Config::cluster_set_option(ID,
val: any, location)``; ``val`` must be the plain Broker value of the option's
declared type, because ``Option::set`` casts it strictly (a ``count`` option
refuses an ``integer``). Nothing on the wire says which type an option has, so
the type is resolved, in this order, from:

1. the user's ``type`` hint;
2. ``KNOWN_OPTIONS``, a small table copied from Zeek's own scripts;
3. the value the nodes report (``get_id_value``, Zeek's ``to_json``): true/false
   is a bool, ``{"port": N, "proto": P}`` a port, interval text such as
   ``"1.0 hr"`` an interval, a number with a fraction a double, plain text a
   string. A whole number is ``count`` or ``int``, text that is an address,
   a subnet or a qualified name may be ``addr``, ``subnet`` or an enum, and
   arrays and objects are sets, vectors or tables: all of those need the hint.

Then the desired value is converted with the codec (``parse_type(...).to_broker``)
and compared with what each node reports, read back per type (interval text to
nanoseconds, sets unordered, addresses and subnets canonical, table keys parsed),
so that a second run with the same value changes nothing.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    BrokerJSONError,
    interval_text,
    is_interval_text,
    parse_interval_text,
    CompositeType,
    EnumType,
    Record,
    SetType,
    TableType,
    Timestamp,
    VectorType,
    parse_type,
)

# Options declared with ``option`` in Zeek's scripts (Zeek 8.x, read from
# scripts/base and the policy scripts that site/local.zeek loads by default),
# name -> declared type. Modest on purpose: the ones people change at run time.
KNOWN_OPTIONS = {
    # base/utils/site.zeek
    "Site::local_nets": "set[subnet]",
    "Site::neighbor_nets": "set[subnet]",
    "Site::private_address_space": "set[subnet]",
    "Site::local_zones": "set[string]",
    "Site::neighbor_zones": "set[string]",
    "Site::local_admins": "table[subnet] of set[string]",
    # base/init-bare.zeek
    "Weird::sampling_threshold": "count",
    "Weird::sampling_rate": "count",
    "Weird::sampling_whitelist": "set[string]",
    "Weird::sampling_global_list": "set[string]",
    "default_file_timeout_interval": "interval",
    "default_file_bof_buffer_size": "count",
    "ignore_checksums_nets": "set[subnet]",
    "udp_content_ports": "set[port]",
    # base/files/x509/certificate-event-cache.zeek
    "X509::caching_required_encounters": "count",
    "X509::caching_required_encounters_interval": "interval",
    "X509::certificate_cache_minimum_eviction_interval": "interval",
    "X509::certificate_cache_max_entries": "count",
    # base/protocols/http/main.zeek and entities.zeek
    "HTTP::proxy_headers": "set[string]",
    "HTTP::http_methods": "set[string]",
    "HTTP::default_capture_password": "bool",
    "HTTP::max_pending_requests": "count",
    "HTTP::max_files_orig": "count",
    "HTTP::max_files_resp": "count",
    # base/protocols/conn/inactivity.zeek, contents.zeek
    "Conn::port_inactivity_timeouts": "table[port] of interval",
    "Conn::default_extract": "bool",
    # base/protocols/dns/main.zeek, ssl/main.zeek
    "DNS::multicast_subnets": "set[subnet]",
    "SSL::max_ssl_history_length": "count",
    # base/frameworks/notice/main.zeek
    "Notice::ignored_types": "set[Notice::Type]",
    "Notice::emailed_types": "set[Notice::Type]",
    "Notice::alarmed_types": "set[Notice::Type]",
    "Notice::not_suppressed_types": "set[Notice::Type]",
    "Notice::default_suppression_interval": "interval",
    "Notice::mail_from": "string",
    "Notice::reply_to": "string",
    "Notice::mail_subject_prefix": "string",
    "Notice::sendmail": "string",
    # base/frameworks/netcontrol/types.zeek, files/main.zeek, logging/main.zeek
    "NetControl::default_priority": "int",
    "Files::enable_reassembler": "bool",
    "Log::default_rotation_postprocessor_cmd_env": "table[string] of string",
    # policy/misc/capture-loss.zeek (loaded by the default site/local.zeek)
    "CaptureLoss::too_much_loss": "double",
    "CaptureLoss::minimum_acks": "count",
}

# Identifiers people mistake for options: declared ``const ... &redef``, so only
# a redef in a script (and a restart, i.e. a redeploy) changes them. Zeek's
# Option::set refuses them with "ID '<name>' is not an option".
KNOWN_CONSTANTS = {
    "Log::default_rotation_interval": "base/frameworks/logging/main.zeek",
    "LogAscii::use_json": "base/frameworks/logging/writers/ascii.zeek",
    "Broker::default_port": "base/frameworks/broker/main.zeek",
    "bits_per_uid": "base/init-bare.zeek",
}

# Example values for error messages, by the first word of the type.
_EXAMPLES = {
    "bool": "true or false",
    "count": "a whole number >= 0, for example 25",
    "int": "a whole number, for example -5",
    "double": "a number, for example 0.1",
    "interval": "seconds or text such as '30 secs', '10min' or '1.5 hrs'",
    "time": "epoch seconds or an ISO 8601 timestamp",
    "string": "text",
    "addr": "an address such as 192.0.2.1",
    "subnet": "a subnet such as 10.0.0.0/8",
    "port": "a port such as 22/tcp or 53/udp",
    "set": "a list of elements",
    "vector": "a list of elements",
    "table": "a mapping of key to value",
    "enum": "a qualified name such as Notice::Tally",
}


class OptionError(ValueError):
    """A desired option value that cannot be sent, with what to do about it."""


def constant_error(name):
    """The message for a known ``const``, or None."""
    where = KNOWN_CONSTANTS.get(name)
    if where is None:
        return None
    return ("ID '%s' is not an option: %s declares it 'const ... &redef', so Zeek's Option::set refuses it "
            "and it cannot change at run time. Redefine it in a site script (redef %s = ...;) and redeploy "
            "the cluster instead." % (name, where, name))


# ---------------------------------------------------------------------------
# Zeek's interval text (IntervalVal::ValDescribe): "1.0 hr", "2.0 mins 30.0 secs"
# ---------------------------------------------------------------------------

# The text form lives in the codec, which the emulator shares.
render_interval = interval_text
_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


# ---------------------------------------------------------------------------
# Type resolution
# ---------------------------------------------------------------------------

_QUALIFIED_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+$")


def infer_type(name, reported):
    """The type text for a reported to_json value, or OptionError when it is ambiguous."""
    hint = "; set type for %s" % name
    if reported.__class__ is bool:
        return "bool"
    if reported.__class__ is int:
        raise OptionError("%s is a whole number (%s) on the nodes, which is a count or an int to Zeek, and the two "
                          "are different Broker types%s (type: count or type: int)" % (name, reported, hint))
    if reported.__class__ is float:
        return "double"
    if isinstance(reported, dict) and set(reported) == {"port", "proto"}:
        return "port"
    if isinstance(reported, str):
        if is_interval_text(reported):
            return "interval"
        if _looks_like_address(reported):
            raise OptionError("%s holds %s on the nodes, which may be an addr, a subnet or a string%s"
                              % (name, json.dumps(reported), hint))
        if _QUALIFIED_RE.match(reported):
            raise OptionError("%s holds %s on the nodes, which may be an enum or a string%s (for example "
                              "type: Notice::Type or type: string)" % (name, json.dumps(reported), hint))
        return "string"
    if isinstance(reported, list):
        raise OptionError("%s holds a list on the nodes, which is a Zeek set or vector%s (for example "
                          "type: set[subnet], type: vector of string)" % (name, hint))
    if isinstance(reported, dict):
        raise OptionError("%s holds a JSON object on the nodes, which is a Zeek table or record%s (for example "
                          "type: table[string] of count)" % (name, hint))
    raise OptionError("the nodes report no usable value for %s (%s)%s" % (name, json.dumps(reported), hint))


def _looks_like_address(text):
    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return False


_NOTHING = object()


def resolve_type(name, hint=None, reported=_NOTHING):
    """(type text, source): source is "hint", "known" or "reported"."""
    if hint:
        return hint.strip(), "hint"
    if name in KNOWN_OPTIONS:
        return KNOWN_OPTIONS[name], "known"
    if reported is _NOTHING:
        raise OptionError("the type of %s is not known without reading it from the nodes; set type" % name)
    return infer_type(name, reported), "reported"


def zeek_type(type_text, name):
    try:
        ztype = parse_type(type_text)
    except BrokerJSONError as err:
        raise OptionError("type of %s: %s" % (name, err.reason))
    _check_supported(ztype, name)
    return ztype


def _check_supported(ztype, name):
    if isinstance(ztype, Record):
        raise OptionError("%s: record options cannot be compared with what the nodes report; not supported" % name)
    if ztype.name == "any":
        raise OptionError("%s: type any says nothing about the Broker value to send; give the option's declared type"
                          % name)
    for child in _children(ztype):
        _check_supported(child, name)


def _children(ztype):
    if isinstance(ztype, (SetType, VectorType)):
        return [ztype.element]
    if isinstance(ztype, TableType):
        return [ztype.key, ztype.value]
    if isinstance(ztype, CompositeType):
        return list(ztype.parts)
    return []


def _kind(ztype):
    """The first word of a type: bool, count, ..., set, vector, table, enum, composite."""
    if isinstance(ztype, SetType):
        return "set"
    if isinstance(ztype, VectorType):
        return "vector"
    if isinstance(ztype, TableType):
        return "table"
    if isinstance(ztype, CompositeType):
        return "composite"
    if isinstance(ztype, EnumType):
        return "enum"
    return ztype.name


def convert(name, ztype, value):
    """The desired plain value -> the typed Broker value, or OptionError naming the option and the fix."""
    if value is None:
        raise OptionError("option %s: value is missing (give %s)" % (name, _EXAMPLES.get(_kind(ztype), "a value")))
    if _kind(ztype) == "interval" and isinstance(value, str) and re.match(r"^\s*%s\s*$" % _NUMBER, value):
        value = float(value)  # seconds, as templating often hands numbers over as text
    try:
        return ztype.to_broker(value)
    except BrokerJSONError as err:
        where = "" if err.path == "$" else " at %s" % err.path
        raise OptionError("option %s (%s): the value does not fit%s: %s. Give %s%s." % (
            name, ztype.name, where, err.reason, _EXAMPLES.get(_kind(ztype), "a value of that type"),
            "" if _kind(ztype) not in ("set", "vector", "table") else _element_hint(ztype)))


def _element_hint(ztype):
    if isinstance(ztype, TableType):
        keys = _EXAMPLES.get(_kind(ztype.key), ztype.key.name)
        return " (keys: %s; values: %s)" % (keys, _EXAMPLES.get(_kind(ztype.value), ztype.value.name))
    return " (each %s)" % _EXAMPLES.get(_kind(ztype.element), ztype.element.name)


# ---------------------------------------------------------------------------
# Canonical forms: what the nodes report vs what we want
# ---------------------------------------------------------------------------

_STRING_KEYED = ("addr", "subnet", "string", "enum", "interval")


def canonical_reported(ztype, value):
    """A node's to_json value -> a hashable canonical form; ValueError if it is not that type."""
    kind = _kind(ztype)
    if kind == "bool":
        if value.__class__ is not bool:
            raise ValueError("not a bool")
        return value
    if kind in ("count", "int"):
        if value.__class__ is not int or (kind == "count" and value < 0):
            raise ValueError("not a %s" % kind)
        return value
    if kind == "double":
        if value.__class__ not in (int, float):
            raise ValueError("not a double")
        return _round_double(value)
    if kind == "time":
        if value.__class__ not in (int, float):
            raise ValueError("not a time")
        return round(float(value), 3)
    if kind == "interval":
        return _round_interval(parse_interval_text(value))
    if kind in ("string", "enum"):
        if not isinstance(value, str):
            raise ValueError("not text")
        return value
    if kind == "addr":
        return ipaddress.ip_address(_text(value)).compressed
    if kind == "subnet":
        return ipaddress.ip_network(_text(value), strict=False).compressed
    if kind == "port":
        if not isinstance(value, dict) or set(value) != {"port", "proto"}:
            raise ValueError("not a port")
        return (int(value["port"]), str(value["proto"]))
    if kind == "set":
        _need_list(value)
        return frozenset(canonical_reported(ztype.element, item) for item in value)
    if kind == "vector":
        _need_list(value)
        return tuple(canonical_reported(ztype.element, item) for item in value)
    if kind == "composite":
        _need_list(value)
        if len(value) != len(ztype.parts):
            raise ValueError("not %d values" % len(ztype.parts))
        return tuple(canonical_reported(part, item) for part, item in zip(ztype.parts, value))
    if kind == "table":
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return frozenset((canonical_reported(ztype.key, _table_key(ztype.key, key)),
                          canonical_reported(ztype.value, item)) for key, item in value.items())
    raise ValueError("unsupported type %s" % ztype.name)


def _text(value):
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def _need_list(value):
    if not isinstance(value, list):
        raise ValueError("not a JSON array")


def _table_key(key_type, key):
    # Zeek writes keys of string-like types bare and every other key as JSON text.
    if _kind(key_type) in _STRING_KEYED:
        return key
    return json.loads(key)


def _round_double(number):
    return float("%.12g" % number)


def _round_interval(nanoseconds):
    # Zeek's text keeps microseconds (and six significant digits per part).
    return int(round(nanoseconds / 1000.0))


def canonical_desired(ztype, typed):
    """A typed value from ``convert`` -> the same canonical form as ``canonical_reported``."""
    kind = _kind(ztype)
    if kind in ("bool", "string", "enum"):
        return typed if typed.__class__ is bool else str(typed)
    if kind in ("count", "int"):
        return int(typed)
    if kind == "double":
        return _round_double(float(typed))
    if kind == "time":
        return round(Timestamp(typed).epoch, 3)
    if kind == "interval":
        return _round_interval(int(typed))
    if kind in ("addr", "subnet"):
        return str(typed)
    if kind == "port":
        return (typed.number, typed.proto)
    if kind == "set":
        return frozenset(canonical_desired(ztype.element, item) for item in typed)
    if kind in ("vector", "composite"):
        parts = ztype.parts if kind == "composite" else [ztype.element] * len(typed)
        return tuple(canonical_desired(part, item) for part, item in zip(parts, typed))
    if kind == "table":
        return frozenset((canonical_desired(ztype.key, key), canonical_desired(ztype.value, item))
                         for key, item in typed)
    raise ValueError("unsupported type %s" % ztype.name)


# ---------------------------------------------------------------------------
# Display: Zeek's to_json form, with sets sorted, for diffs and results
# ---------------------------------------------------------------------------


def render(ztype, typed):
    """A typed value as the nodes will report it (Zeek's to_json), sets sorted."""
    kind = _kind(ztype)
    if kind == "interval":
        return render_interval(int(typed))
    if kind == "port":
        return {"port": typed.number, "proto": typed.proto}
    if kind == "time":
        return Timestamp(typed).epoch
    if kind in ("count", "int"):
        return int(typed)
    if kind == "double":
        return float(typed)
    if kind in ("string", "enum", "addr", "subnet"):
        return str(typed)
    if kind == "bool":
        return bool(typed)
    if kind == "set":
        return _sorted([render(ztype.element, item) for item in typed])
    if kind == "vector":
        return [render(ztype.element, item) for item in typed]
    if kind == "composite":
        return [render(part, item) for part, item in zip(ztype.parts, typed)]
    if kind == "table":
        out = {}
        for key, item in typed:
            shown = render(ztype.key, key)
            if _kind(ztype.key) not in _STRING_KEYED:
                shown = json.dumps(shown, separators=(",", ":"))
            out[shown] = render(ztype.value, item)
        return out
    raise ValueError("unsupported type %s" % ztype.name)


def _sorted(items):
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def sorted_for_display(ztype, value):
    """Sort set elements of a reported value, so before and after line up in a diff."""
    kind = _kind(ztype)
    if kind == "set" and isinstance(value, list):
        return _sorted([sorted_for_display(ztype.element, item) for item in value])
    if kind == "vector" and isinstance(value, list):
        return [sorted_for_display(ztype.element, item) for item in value]
    if kind == "table" and isinstance(value, dict):
        return dict((key, sorted_for_display(ztype.value, item)) for key, item in value.items())
    return value


# ---------------------------------------------------------------------------
# One option, planned
# ---------------------------------------------------------------------------


class OptionPlan(object):
    """What to do for one option: its type, the Broker value, the nodes that differ."""

    def __init__(self, name, type_text, type_source, ztype, typed, reported):
        self.name = name
        self.type_text = type_text
        self.type_source = type_source
        self.ztype = ztype
        self.typed = typed
        self.reported = dict(reported)
        self.wanted = canonical_desired(ztype, typed)
        self.rendered = render(ztype, typed)
        self.differing = differing_nodes(ztype, self.wanted, self.reported)

    @property
    def changed(self):
        return bool(self.differing)

    def before(self):
        return dict((node, sorted_for_display(self.ztype, value)) for node, value in sorted(self.reported.items()))

    def after(self):
        return dict((node, self.rendered) for node in sorted(self.reported))


def differing_nodes(ztype, wanted, reported):
    """Sorted names of the nodes whose reported value is not ``wanted`` (canonical)."""
    out = []
    for node in sorted(reported):
        try:
            have = canonical_reported(ztype, reported[node])
        except (ValueError, TypeError):
            out.append(node)
            continue
        if have != wanted:
            out.append(node)
    return out


def plan(name, value, hint=None, reported=None):
    """Resolve the type, convert ``value`` and compare it with ``reported`` ({node: to_json value}).

    Raises OptionError before anything is sent when the value does not fit,
    when the type cannot be told, or when the nodes report values that are not
    of the resolved type (a wrong ``type``).
    """
    reported = reported or {}
    message = constant_error(name)
    if message is not None:
        raise OptionError(message)
    sample = reported[sorted(reported)[0]] if reported else _NOTHING
    type_text, source = resolve_type(name, hint, sample)
    ztype = zeek_type(type_text, name)
    typed = convert(name, ztype, value)
    for node in sorted(reported):
        try:
            canonical_reported(ztype, reported[node])
        except (ValueError, TypeError):
            raise OptionError("%s on %s is %s, which is not a %s as Zeek renders one, so %s is not the option's "
                              "type%s" % (name, node, json.dumps(reported[node]), ztype.name, ztype.name,
                                          "; fix type" if source == "hint" else "; set type"))
    return OptionPlan(name, type_text, source, ztype, typed, reported)


def known_type_warning(name, hint):
    """A warning when a hint contradicts the type Zeek's scripts declare, else None."""
    known = KNOWN_OPTIONS.get(name)
    if not hint or known is None:
        return None
    try:
        if parse_type(hint).name == parse_type(known).name:
            return None
    except BrokerJSONError:
        return None
    return ("type %s for %s differs from %s, the type Zeek's scripts declare; Zeek will refuse the value unless "
            "your site redeclares it" % (hint, name, known))


__all__ = [
    "KNOWN_OPTIONS", "KNOWN_CONSTANTS", "OptionError", "OptionPlan", "plan", "resolve_type", "infer_type",
    "convert", "zeek_type", "canonical_reported", "canonical_desired", "render", "render_interval",
    "parse_interval_text", "is_interval_text", "differing_nodes", "constant_error", "known_type_warning",
]
