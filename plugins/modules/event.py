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
      - A number greater than 0.
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

# example: needs a site script that declares MySite::block_scanner (the emulator's nodes declare only
# Config::cluster_set_option and Netsec::ping)
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
failure:
  description:
    - Why the task failed, beside C(msg), as C(kind) and the details of that kind. Every module of the
      collection fails in this shape.
  returned: when the task fails
  type: dict
  contains:
    kind:
      description:
        - "C(argument): a parameter is wrong, nothing was sent. C(unreachable), C(tls),
          C(handshake), C(timeout), C(closed) or C(too_big) (an answer over
          I(websocket_max_message_size)): the connection to the listener. C(protocol): an answer
          this collection cannot read."
        - "C(value): an argument does not convert, nothing was published. C(rejected): the listener
          sent error frames (see C(errors)). C(timeout): no reply event arrived within
          I(reply_timeout)."
      type: str
      sample: unreachable
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils.connection import websocket_argument_spec
from ansible_collections.netsec.zeek.plugins.module_utils.event_runner import run_module


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
    run_module(module)


if __name__ == "__main__":
    main()
