#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: event
short_description: Publish a Zeek event over a WebSocket listener, and optionally wait for a reply event
version_added: 0.1.0
description:
  - Publishes one Zeek event to a topic through any Zeek WebSocket listener (C(Cluster::listen_websocket),
    or Broker's WebSocket server on Zeek 8.0 and older), as a WebSocket client of Zeek's publish/subscribe
    layer. Cluster nodes that subscribe to the topic and handle the event run their handlers.
  - "Arguments are converted to the Broker types of the event's parameters, strictly as Zeek expects them.
    Give each argument as C({type, value}) (for example C({type: count, value: 5}), C({type: set[subnet],
    value: [10.0.0.0/8]})), or as a plain value with the default mapping below."
  - With I(reply_event), subscribes to I(reply_topic) before publishing, and waits for the first event of
    that name, returning its arguments as plain data.
  - Publishing an event is an action, not a state, so every run publishes and reports C(changed). Check
    mode converts the arguments but connects to nothing and publishes nothing.
author:
  - netsec.zeek maintainers (@netsec-zeek)
extends_documentation_fragment:
  - netsec.zeek.websocket
  - netsec.zeek.attributes
  - netsec.zeek.attributes.actiongroup_websocket
attributes:
  check_mode:
    support: full
    details: Predicts C(changed=true) without connecting; the reply is not awaited.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run publishes the event again.
options:
  name:
    description:
      - The fully qualified event name, for example C(Netsec::ping). Zeek 8.1 and later refuse names the
        listening node does not declare (C(failed to create Zeek event)); the task then fails.
    type: str
    required: true
  args:
    description:
      - The event's arguments, one per declared parameter, in order. Zeek needs exactly as many as the
        event declares, parameters with C(&default) included.
      - "Each is either C({type: <Zeek type>, value: <value>}) or a plain value, mapped like this: true/false
        to C(bool), a whole number to C(count) (C(int) when negative), a number with a fraction to C(double),
        text to C(string), a list to a C(vector) of mapped elements, a mapping to a C(table) with C(string)
        keys. Ports, addresses, subnets, intervals, times, enums, sets and C(int) values that are not
        negative need the C({type, value}) form."
    type: list
    elements: raw
    default: []
  topic:
    description:
      - The topic to publish to, for example C(zeek/cluster/manager) to reach the manager.
    type: str
    required: true
  reply_topic:
    description:
      - The topic prefix to subscribe to for the reply. Required with I(reply_event).
    type: str
  reply_event:
    description:
      - The fully qualified name of the reply event to wait for.
    type: str
  reply_match:
    description:
      - C(any) takes the first I(reply_event) on I(reply_topic).
      - C(first_arg) takes only a reply whose first argument equals the first argument of the published
        event, the request id convention of Zeek's request/response APIs. Use it when other clients may
        ask the same question at the same time.
    type: str
    choices: [any, first_arg]
    default: any
  reply_timeout:
    description:
      - Seconds to wait for the reply. On timeout the task fails, and names any errors the listener
        reported for the published event.
    type: float
    default: 20
notes:
  - Zeek 8.0 and older (Broker's WebSocket server) drop an event they cannot convert without telling the
    client; Zeek 8.1 and later answer with an error, which fails the task.
  - Publishing happens from the host that runs the task; with the usual loopback listener, run the task on
    the manager's host.
seealso:
  - module: netsec.zeek.option
  - name: Zeek WebSocket API
    description: The WebSocket interface of Zeek's publish/subscribe layer.
    link: https://docs.zeek.org/en/master/ext/websocket-api.html
"""

EXAMPLES = r"""
- name: Ask the manager for a pong (the request/reply pair in docs/runtime-options.md)
  netsec.zeek.event:
    name: Netsec::ping
    args: ["{{ 999999999999 | random | string }}", "hello"]
    topic: zeek/cluster/manager
    reply_topic: netsec/pong
    reply_event: Netsec::pong
    reply_match: first_arg
  register: pong

- name: Show which node answered
  ansible.builtin.debug:
    msg: "{{ pong.reply.args[2] }} answered after {{ pong.reply.args[4] }} s of uptime"

- name: Publish an event with typed arguments to every worker
  netsec.zeek.event:
    name: MySite::block_scanner
    args:
      - type: addr
        value: 192.0.2.10
      - type: interval
        value: 1 hr
      - type: set[port]
        value: [22/tcp, 3389/tcp]
    topic: zeek/cluster/worker
    websocket_host: 127.0.0.1
    websocket_port: 27759
"""

RETURN = r"""
changed:
  description: Always true, because the event was (or, in check mode, would be) published.
  returned: always
  type: bool
published:
  description: Whether the event was published (false in check mode).
  returned: always
  type: bool
event:
  description: The event as published, with its arguments in Broker's WebSocket JSON form.
  returned: always
  type: dict
  sample:
    name: Netsec::ping
    topic: zeek/cluster/manager
    args: [{"@data-type": "string", "data": "42"}, {"@data-type": "string", "data": "hello"}]
reply:
  description:
    - The reply event. C(args) are plain data, C(count) and C(int) as numbers, C(interval) as seconds,
      C(port) as C(22/tcp), C(time) as ISO 8601 text, sets and vectors as lists, tables as mappings (or
      lists of C([key, value]) when keys are not text or numbers).
  returned: when I(reply_event) is set and not in check mode
  type: dict
  sample:
    name: Netsec::pong
    topic: netsec/pong
    args: ["42", "hello", "manager", ["logger", "manager", "worker-01"], 12.5]
errors:
  description: Error frames the listener sent after the event was published.
  returned: always
  type: list
  elements: str
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    BrokerJSONError,
    Count,
    Integer,
    Real,
    Table,
    Vector,
    as_event,
    make_event,
    parse_type,
    to_json,
    to_plain,
)
from ansible_collections.netsec.zeek.plugins.module_utils.common import require_libraries
from ansible_collections.netsec.zeek.plugins.module_utils.websocket_args import (
    TransportError,
    websocket_argument_spec,
    websocket_failure,
    websocket_session,
    websocket_where,
)

# How long to listen for an error frame after publishing when no reply is awaited.
ERROR_GRACE = 0.5


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


def wait_for_reply(session, params, first_arg):
    name = params["reply_event"]

    def is_reply(message):
        event = as_event(message.value)
        if event is None or event.name != name:
            return False
        if params["reply_match"] == "first_arg":
            return bool(event.args) and to_json(event.args[0]) == to_json(first_arg)
        return True

    deadline = time.monotonic() + params["reply_timeout"]
    while True:
        remaining = deadline - time.monotonic()
        if session.error_frames:
            return None
        if remaining <= 0:
            return None
        try:
            return session.receive_until(is_reply, timeout=min(0.5, remaining))
        except TransportError as err:
            if err.kind != "timeout":
                raise


def main():
    module = AnsibleModule(
        argument_spec=websocket_argument_spec(
            name=dict(type="str", required=True),
            args=dict(type="list", elements="raw", default=[]),
            topic=dict(type="str", required=True),
            reply_topic=dict(type="str"),
            reply_event=dict(type="str"),
            reply_match=dict(type="str", choices=["any", "first_arg"], default="any"),
            reply_timeout=dict(type="float", default=20.0),
        ),
        required_by={"reply_event": "reply_topic"},
        supports_check_mode=True,
    )
    require_libraries(module)
    params = module.params
    name = params["name"].strip()
    if not name:
        module.fail_json(msg="name must be an event name, for example Netsec::ping")
    try:
        args = convert_args(params["args"])
    except BrokerJSONError as err:
        module.fail_json(msg="Event %s: %s. Give the argument as {type: <Zeek type>, value: <value>} when the "
                         "default mapping does not fit." % (name, err), error_kind="value")
    event = make_event(name, args)
    result = dict(changed=True, published=False, errors=[],
                  event=dict(name=name, topic=params["topic"], args=[to_json(a) for a in args]))
    if module.check_mode:
        module.exit_json(**result)

    topics = [params["reply_topic"]] if params["reply_event"] else []
    try:
        session = websocket_session(params, topics)
    except ValueError as err:
        module.fail_json(msg=str(err), **result)
    try:
        session.connect()
        session.publish(params["topic"], event)
        result["published"] = True
        reply = None
        if params["reply_event"]:
            reply = wait_for_reply(session, params, args[0] if args else None)
        else:
            try:
                session.receive_until(lambda message: False, timeout=ERROR_GRACE)
            except TransportError as err:
                if err.kind != "timeout":
                    raise
    except TransportError as err:
        result["errors"] = ["%s: %s" % (f.code, f.context) for f in session.error_frames]
        module.fail_json(msg=websocket_failure(params, err), error_kind=err.kind, **result)
    finally:
        session.close()
    result["errors"] = ["%s: %s" % (f.code, f.context) for f in session.error_frames]
    if result["errors"]:
        module.fail_json(msg="The WebSocket listener %s refused event %s: %s (Zeek 8.1 and later: the listening node "
                         "does not declare the event, or the number or types of the arguments differ from its "
                         "parameters)" % (websocket_where(params), name, "; ".join(result["errors"])),
                         error_kind="rejected", **result)
    if params["reply_event"]:
        if reply is None:
            module.fail_json(msg="No %s arrived on %s within %ss after %s was published to %s." % (
                params["reply_event"], params["reply_topic"], params["reply_timeout"], name, params["topic"]),
                error_kind="timeout", **result)
        received = as_event(reply.value)
        result["reply"] = dict(name=received.name, topic=reply.topic, args=to_plain(received.args))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
