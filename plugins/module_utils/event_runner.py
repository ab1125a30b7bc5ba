# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netsec.zeek.event task: convert the arguments, publish, await a reply.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    BrokerJSONError,
    Count,
    Integer,
    Real,
    Table,
    Vector,
    parse_type,
    to_json,
    to_plain,
)
from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    LISTENER,
    TaskError,
    fail,
    listener_for,
    prepare,
)

# How long to listen for an error frame after publishing when no reply is awaited.
ERROR_GRACE = 0.5


def run_module(module):
    """The whole task; exits the module."""
    prepare(module)
    result = dict(changed=True, published=False, errors=[])
    try:
        run(module, result)
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


def run(module, result):
    params = module.params
    name = params["name"].strip()
    if not name:
        raise TaskError("name must be an event name, for example Netsec::ping", "argument")
    try:
        args = convert_args(params["args"])
    except BrokerJSONError as err:
        raise TaskError("Event %s: %s. Give the argument as {type: <Zeek type>, value: <value>} when the default "
                        "mapping does not fit." % (name, err), "value")
    result["event"] = dict(name=name, topic=params["topic"], args=[to_json(a) for a in args])
    if module.check_mode:
        return

    topics = [params["reply_topic"]] if params["reply_event"] else []
    with listener_for(module, topics) as listener:
        try:
            listener.publish(params["topic"], name, args)
            result["published"] = True
            reply = None
            if params["reply_event"]:
                reply = listener.await_reply(params["reply_event"], params["reply_timeout"],
                                             args[0] if args else None, params["reply_match"] == "first_arg")
            else:
                listener.drain_errors(ERROR_GRACE)
        finally:
            result["errors"] = listener.errors()
    if result["errors"]:
        raise TaskError("The WebSocket listener %s refused event %s: %s (Zeek 8.1 and later: the listening node "
                        "does not declare the event, or the number or types of the arguments differ from its "
                        "parameters)" % (LISTENER.where(params), name, "; ".join(result["errors"])), "rejected")
    if params["reply_event"]:
        if reply is None:
            raise TaskError("No %s arrived on %s within %ss after %s was published to %s." % (
                params["reply_event"], params["reply_topic"], params["reply_timeout"], name, params["topic"]),
                "timeout")
        result["reply"] = dict(name=reply.name, topic=reply.topic, args=to_plain(reply.args))


def plain_to_broker(value, path):
    """The documented default mapping of plain YAML values."""
    if value is None:
        raise BrokerJSONError("a Zeek event argument cannot be null; give its type and value", path)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Count(value) if value >= 0 else Integer(value)
    if isinstance(value, float):
        return Real(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        return Vector(plain_to_broker(item, "%s[%d]" % (path, index)) for index, item in enumerate(value))
    if isinstance(value, dict):
        return Table((str(key), plain_to_broker(item, "%s[%s]" % (path, key))) for key, item in value.items())
    raise BrokerJSONError("cannot send a %s; give its type and value" % type(value).__name__, path)


def convert_args(args):
    """The task's ``args`` -> typed Broker values, each plain or ``{type, value}``."""
    out = []
    for index, arg in enumerate(args):
        path = "args[%d]" % index
        if isinstance(arg, dict) and "type" in arg and set(arg) <= {"type", "value"}:
            if "value" not in arg:
                raise BrokerJSONError("an argument with a type needs a value too", path)
            try:
                out.append(parse_type(arg["type"]).to_broker(arg["value"]))
            except BrokerJSONError as err:
                raise err.under(path)
        else:
            out.append(plain_to_broker(arg, path))
    return out
