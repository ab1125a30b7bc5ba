"""The controller's event signatures and Zeek's strict Broker -> Zeek conversion.

A controller only accepts an event whose name it knows, with exactly the
declared number of arguments, each of exactly the declared type
(``zeek:src/broker/Data.cc``).  Records must carry at least as many fields as
the Zeek record has; extra trailing fields are ignored.  ``none`` in an
``&optional`` field leaves it unset, in a ``&default`` field applies the
default, and in a mandatory field builds a record with a hole that makes the
event handler fail at run time (no response).

The record layouts come from the codec (``broker_json``); the defaults below
are Zeek's own (``types.zeek``), which differ from the codec's conveniences.
"""

import random

from plugins.module_utils import broker_json as bj

API = "Management::Controller::API::"

RESULT_VEC = bj.VectorType(bj.RESULT)
STRING_SET = bj.SetType(bj.STRING)

# Every event the controller process declares that a client may publish, with
# its argument types.  Responses are declared too: Zeek accepts (and forwards)
# them, although the controller has no handler for them.
SIGNATURES = {
    API + "get_instances_request": [bj.STRING],
    API + "get_instances_response": [bj.STRING, bj.RESULT],
    API + "stage_configuration_request": [bj.STRING, bj.CONFIGURATION],
    API + "stage_configuration_response": [bj.STRING, RESULT_VEC],
    API + "get_configuration_request": [bj.STRING, bj.BOOL],
    API + "get_configuration_response": [bj.STRING, bj.RESULT],
    API + "deploy_request": [bj.STRING],
    API + "deploy_response": [bj.STRING, RESULT_VEC],
    API + "get_nodes_request": [bj.STRING],
    API + "get_nodes_response": [bj.STRING, RESULT_VEC],
    API + "get_id_value_request": [bj.STRING, bj.STRING, STRING_SET],
    API + "get_id_value_response": [bj.STRING, RESULT_VEC],
    API + "restart_request": [bj.STRING, STRING_SET],
    API + "restart_response": [bj.STRING, RESULT_VEC],
    API + "test_timeout_request": [bj.STRING, bj.BOOL],
    API + "test_timeout_response": [bj.STRING, bj.RESULT],
    API + "notify_agents_ready": [STRING_SET],
}


# zeek:src/util.cc uitoa_n: base 62 in this digit order, least significant digit first.
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_rng = random.SystemRandom()


def unique_id(prefix=""):
    """Like Zeek's ``unique_id("")``: "AwIMk4eEZZU7i7Rh", "H3YoM2Jx4UXeYLqV5".

    ``bits_per_uid`` (96) random bits as a 64-bit and a 32-bit word, each written in base
    62 (zeek:src/UID.cc ``UID::Base62``): 16 or 17 characters in practice, no prefix.
    """
    out = [prefix]
    for bits in (64, 32):
        value = _rng.getrandbits(bits)
        while True:
            out.append(_BASE62[value % 62])
            value //= 62
            if not value:
                break
    return "".join(out)


_unique_id = unique_id


# (record name, field) -> Zeek default factory.  Fields not listed and not
# &optional are mandatory.
ZEEK_DEFAULTS = {
    ("Management::Node", "env"): dict,
    ("Management::Configuration", "id"): _unique_id,
    ("Management::Configuration", "instances"): list,
    ("Management::Configuration", "nodes"): list,
    ("Management::NodeStatus", "mgmt_role"): lambda: "Management::NONE",
    ("Management::NodeStatus", "cluster_role"): lambda: "Supervisor::NONE",
    ("Management::Result", "success"): lambda: True,
}


class ConversionError(Exception):
    """The value does not convert to the Zeek type: the event is rejected."""


class MissingField(Exception):
    """A mandatory record field arrived as none: the handler fails at run time."""


def convert(value, ztype, version):
    """Typed wire value -> plain Python per Zeek's rules, or raise."""
    if isinstance(ztype, bj.Record):
        if not isinstance(value, bj.Vector):
            raise ConversionError("%s needs a vector" % ztype.name)
        fields = ztype.fields_for(version)
        if len(value) < len(fields):
            raise ConversionError("%s needs %d fields, got %d" % (ztype.name, len(fields), len(value)))
        out = {}
        for field, item in zip(fields, value):
            if item is None:
                default = ZEEK_DEFAULTS.get((ztype.name, field.name))
                if default is not None:
                    out[field.name] = default()
                elif field.optional:
                    out[field.name] = None
                else:
                    raise MissingField("%s$%s" % (ztype.name, field.name))
            else:
                out[field.name] = convert(item, field.type, version)
        return out
    if isinstance(ztype, bj.SetType):
        if not isinstance(value, bj.Set):
            raise ConversionError("%s needs a set" % ztype.name)
        out, seen = [], set()
        for item in value:
            plain = convert(item, ztype.element, version)
            key = freeze(plain)
            if key not in seen:  # Zeek sets hold each value once
                seen.add(key)
                out.append(plain)
        return out
    if isinstance(ztype, bj.VectorType):
        if not isinstance(value, bj.Vector):
            raise ConversionError("%s needs a vector" % ztype.name)
        return [convert(item, ztype.element, version) for item in value]
    if isinstance(ztype, bj.TableType):
        if not isinstance(value, bj.Table):
            raise ConversionError("%s needs a table" % ztype.name)
        out = {}
        for key, item in value:
            out[freeze(convert(key, ztype.key, version))] = convert(item, ztype.value, version)
        return out
    if value is None:
        raise ConversionError("none where %s is expected" % ztype.name)
    try:
        return ztype.from_broker(value)
    except bj.BrokerJSONError as err:
        raise ConversionError(str(err))


def freeze(value):
    """A hashable, order-independent key for plain data (set membership)."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, tuple) and not isinstance(value, bj.Port):
        return tuple(freeze(v) for v in value)
    return value


def convert_event_args(name, args, version, signatures=None):
    """The plain arguments of a known event; raises ConversionError, MissingField, KeyError."""
    types = (SIGNATURES if signatures is None else signatures)[name]
    if len(args) != len(types):
        raise ConversionError("%s: arg_types.size()=%d and args.size()=%d" % (name, len(types), len(args)))
    return [convert(arg, ztype, version) for arg, ztype in zip(args, types)]
