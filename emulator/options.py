"""``Option::set`` on one emulated node, as ``zeek:src/option.bif`` does it.

``Config::cluster_set_option(ID, val: any, location)`` ends in ``Option::set``
on every node (``base/frameworks/config/main.zeek``).  Its outcomes:

* the ID does not exist: "Could not find ID named '<ID>'" (a type name: "ID '<ID>' has no value");
* the ID is a ``const`` (or a plain global): "ID '<ID>' is not an option";
* the Broker value does not cast to the option's type (strict, as
  ``zeek:src/broker/Data.cc``): "Incompatible type for set of ID '<ID>': got
  broker data '<broker type>', need '<zeek type tag>'", with Broker's C++ type
  names (``broker:libbroker/broker/variant_tag.cc``) and Zeek's type tag names
  (``zeek:src/Type.cc`` ``type_name``);
* otherwise the value is set, and what ``get_id_value`` shows is Zeek's
  ``to_json`` of it, rendered here the way ``zeek:src/Val.cc`` ``BuildJSON`` does.
"""

import json

from plugins.module_utils import broker_json as bj
from plugins.module_utils import option_semantics

from . import events
from .identifiers import OPTION, TYPE_NAMES, render_interval, to_json_key, to_json_text

# Broker's C++ type names, used by data::get_type_name().
_BROKER_NAMES = [
    (bool, "boolean"), (bj.Count, "count"), (bj.Integer, "integer"), (bj.Real, "real"),
    (bj.Timespan, "timespan"), (bj.Timestamp, "timestamp"), (bj.Enum, "enum_value"),
    (bj.Address, "address"), (bj.Subnet, "subnet"), (bj.Port, "port"), (bj.Set, "set"),
    (bj.Table, "table"), (bj.Vector, "vector"), (str, "string"),
]


def broker_type_name(value):
    if value is None:
        return "none"
    for cls, name in _BROKER_NAMES:
        if value.__class__ is cls:
            return name
    return "none"


def zeek_tag_name(ztype):
    """``type_name(tag)``: sets and tables are both "table"."""
    if isinstance(ztype, (bj.SetType, bj.TableType)):
        return "table"
    if isinstance(ztype, bj.VectorType):
        return "vector"
    if isinstance(ztype, bj.EnumType):
        return "enum"
    if isinstance(ztype, bj.Record):
        return "record"
    return ztype.name


_STRING_KEYED = ("addr", "subnet", "string", "interval")


def render(ztype, value):
    """A typed Broker value that converts to ``ztype`` -> plain JSON data as Zeek's to_json writes it."""
    if isinstance(ztype, bj.SetType):
        return [render(ztype.element, item) for item in _unique(value)]
    if isinstance(ztype, bj.VectorType):
        return [render(ztype.element, item) for item in value]
    if isinstance(ztype, bj.CompositeType):
        return [render(part, item) for part, item in zip(ztype.parts, value)]
    if isinstance(ztype, bj.TableType):
        out = {}
        for key, item in value:
            shown = render(ztype.key, key)
            if not (isinstance(ztype.key, bj.EnumType) or ztype.key.name in _STRING_KEYED):
                shown = to_json_key(shown)
            out[shown] = render(ztype.value, item)
        return out
    if isinstance(ztype, bj.EnumType):
        return str(value)
    name = ztype.name
    if name == "interval":
        return render_interval(int(value) / 1e9)
    if name == "port":
        return {"port": value.number, "proto": value.proto}
    if name == "time":
        return bj.Timestamp(value).epoch
    if name in ("count", "int"):
        return int(value)
    if name == "double":
        return float(value)
    if name == "bool":
        return bool(value)
    return str(value)


def _unique(items):
    seen, out = set(), []
    for item in items:
        key = events.freeze(bj.to_json(item))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def option_set(table, name, value):
    """Option::set(name, value) on one node's identifier table: (True, json text) or (False, error)."""
    if table.get(name) is None:
        if name in TYPE_NAMES:
            return False, "ID '%s' has no value" % name
        return False, "Could not find ID named '%s'" % name
    if table.kind(name) != OPTION:
        return False, "ID '%s' is not an option" % name
    ztype = bj.parse_type(table.zeek_type(name))
    incompatible = "Incompatible type for set of ID '%s': got broker data '%s', need '%s'" % (
        name, broker_type_name(value), zeek_tag_name(ztype))
    try:
        events.convert(value, ztype, "8.2")
    except (events.ConversionError, events.MissingField):
        return False, incompatible
    text = to_json_text(render(ztype, value))
    text = _run_change_handlers(table, name, text)
    table.set(name, text)
    return True, text


def _run_change_handlers(table, name, text):
    """Zeek's change handlers that transform the value (base/utils/site.zeek), as
    plugins/module_utils/option_semantics.py describes them: the value stored is the
    handler's return value; a handler may also set another option."""
    if not option_semantics.transforms(name):
        return text
    context = {}
    for other in option_semantics.context_ids(name):
        found = table.get(other)
        if found is not None:
            context[other] = json.loads(found)
    value = json.loads(text)
    try:
        effects = option_semantics.side_effects(name, value, context)
        value = sorted(option_semantics.predict(name, value, context))
    except ValueError:  # context missing on this node: no handler registered
        return text
    for other, other_value in effects.items():
        table.set(other, to_json_text(sorted(other_value)))
    return to_json_text(value)
