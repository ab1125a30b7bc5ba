#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: option
short_description: Set Zeek runtime options cluster-wide, only when a node has another value
version_added: 0.1.0
description:
  - Sets one or more Zeek C(option) values in every node of the running cluster, the way
    C(Config::set_value) does on a manager, without a redeploy or restart.
  - Reads the current value from every node through the controller (C(get_id_value), as
    M(netsec.zeek.id_value_info) does) and compares it with the desired value. Only when a node differs,
    publishes C(Config::cluster_set_option(ID, val, location)) to the manager's topic (I(manager_topic))
    over a WebSocket listener inside the cluster, usually on the manager. The manager applies the
    value, remembers it for nodes that join later, and sends it to every other node.
  - "Then waits until every node reports the new value. Zeek does not answer an option change, so a
    value that Zeek refuses (C(ID '...' is not an option), or C(Incompatible type for set of ID '...':
    got broker data '...', need '...') when the Broker type does not match) shows up as nodes that
    keep their old value; the task then fails and names them."
  - The Zeek type of each option decides the Broker value that is sent. It comes from I(type), else
    from a table of options declared in Zeek's own scripts, else from the value the nodes report
    (true/false, a port, interval text, a number with a fraction, plain text). Whole numbers (C(count)
    or C(int)), addresses and subnets, enums and containers need I(type) unless the option is in that
    table. A value that does not fit the type fails the task before anything is sent.
  - Where a change handler of Zeek rewrites the value, the task compares with and waits for what the nodes will
    report, not the value given. C(Site::local_nets) also holds Zeek's private address ranges
    (C(Site::private_address_space)) while C(Site::private_address_space_is_local) is true, the default
    (C(update_local_nets_table) in C(base/utils/site.zeek)); setting ranges inside them changes nothing.
  - Check mode reads the values and predicts C(changed) but publishes nothing. With C(--diff) it shows
    each node's value before and after, as the nodes render it.
  - C(Log::default_rotation_interval) and other C(const ... &redef) identifiers are not options and
    cannot change at run time; the task fails for them. Change them with a site script and a redeploy.
author:
  - netsec.zeek maintainers (@netsec-zeek)
extends_documentation_fragment:
  - netsec.zeek.connection
  - netsec.zeek.websocket
  - netsec.zeek.wait
  - netsec.zeek.attributes
  - netsec.zeek.attributes.actiongroup_controller_and_websocket
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - The fully qualified name of one option, for example C(Site::local_nets).
      - Use I(options) instead to set several at once.
    type: str
  value:
    description:
      - The desired value of I(name), in plain YAML. A C(set) or C(vector) is a list, a C(table) a
        mapping, a C(port) C(22/tcp), an C(interval) seconds or text such as C(30 secs) or C(1.5 hrs),
        an C(addr) or C(subnet) text.
      - Required with I(name).
    type: raw
  type:
    description:
      - The option's declared Zeek type, for example C(count), C(int), C(set[subnet]),
        C(vector of string) or C(table[string] of count).
      - Needed when the option is not in the module's table of Zeek's options and the value the nodes
        report does not tell the type (whole numbers, addresses, subnets, enums, containers).
    type: str
  options:
    description:
      - Several options, each with C(name), C(value) and optionally C(type), as for a single one.
      - They are read and compared together; only those that differ are published.
    type: list
    elements: dict
    suboptions:
      name:
        description: The fully qualified name of the option.
        type: str
        required: true
      value:
        description: The desired value.
        type: raw
        required: true
      type:
        description: The option's declared Zeek type.
        type: str
  location:
    description:
      - The C(location) argument of C(Config::cluster_set_option). Zeek writes it to C(config.log)
        next to the old and new value.
    type: str
    default: netsec.zeek.option
  read_values_from:
    description:
      - Where the current values come from. C(controller) asks the Management Framework's controller
        (C(get_id_value)).
      - C(listener) asks the cluster's WebSocket listener with C(NetsecOptions::query), answered by
        C(option_values.zeek) of the role C(netsec.zeek.systemd_cluster), which must be loaded on every node,
        for clusters without a controller, such as Zeek 9 clusters run by C(zeek-systemd-generator). Then the
        task connects to no controller; check mode, diff and waiting work the same.
    type: str
    choices: [controller, listener]
    default: controller
  manager_topic:
    description:
      - The topic the manager subscribes to (Zeek's C(Cluster::manager_topic)), where C(Config::cluster_set_option)
        and C(NetsecOptions::query) are published.
      - C(zeek/cluster/manager) with Broker, the Management Framework's backend; C(zeek.cluster.manager) with the
        ZeroMQ backend (C(policy/frameworks/cluster/backend/zeromq)), which Zeek 9 clusters run by
        C(zeek-systemd-generator) and a standalone WebSocket listener of Zeek >= 8.1 use. A wrong topic reaches no
        node, and Zeek says nothing.
      - Default C(zeek/cluster/manager), or C(zeek.cluster.manager) with I(read_values_from=listener).
    type: str
  read_timeout:
    description:
      - With I(read_values_from=listener), seconds to wait for each C(NetsecOptions::values) answer. The manager
        answers after every node did, or after its C(NetsecOptions::reply_timeout) (5 seconds).
    type: float
    default: 10.0
  wait:
    description:
      - Wait until every node reports the new value. When false the task publishes and returns, and a
        value Zeek refuses goes unnoticed, because Zeek answers nothing to an option change.
      - On timeout the task fails, names the nodes that kept another value and explains why Zeek
        refuses a value.
      - Skipped in check mode.
    default: true
notes:
  - The task needs two connections, to the controller (to read values) and to a WebSocket listener in
    the cluster (to publish); with I(read_values_from=listener) only the listener. The management framework does not start such a listener; load
    C(policy/frameworks/cluster/websocket/server) or a site script that calls
    C(Cluster::listen_websocket) on the manager, for example through the manager's C(scripts) in
    M(netsec.zeek.cluster_config). The controller's own WebSocket cannot carry the event.
  - Values set at run time last until the next deployment or restart of the cluster; put them in a
    site script as well to keep them.
seealso:
  - module: netsec.zeek.id_value_info
  - module: netsec.zeek.event
  - name: Zeek configuration framework
    description: Options, Config::set_value and config.log.
    link: https://docs.zeek.org/en/master/frameworks/configuration.html
"""

EXAMPLES = r"""
- name: Add a public network of ours to Site::local_nets on every node (Zeek keeps its private ranges in it)
  netsec.zeek.option:
    name: Site::local_nets
    value: [193.0.0.0/21]
  delegate_to: localhost

# example: needs a Zeek 9 cluster with the systemd_cluster role's option_values.zeek, which the emulator lacks
- name: A Zeek 9 cluster without a controller, values read through the listener
  netsec.zeek.option:
    name: Weird::sampling_threshold
    value: 50
    read_values_from: listener
    websocket_host: 127.0.0.1
    websocket_port: 27759

- name: Several options at once, with the type where the table of known options lacks it
  netsec.zeek.option:
    options:
      - name: Weird::sampling_threshold
        value: 50
      - name: X509::caching_required_encounters_interval
        value: 5 mins
      - name: MySite::scanner_ports
        type: set[port]
        value: [22/tcp, 3389/tcp]
    location: change-1234
    websocket_host: 127.0.0.1
    websocket_port: 27759

# example: needs a TLS proxy in front of the manager's WebSocket listener (websocket_tls), which the
# emulator's listener does not have
- name: Connection settings once for the play
  module_defaults:
    group/netsec.zeek.controller:
      controller_host: zeek-manager.example.org
    group/netsec.zeek.websocket:
      websocket_host: zeek-manager.example.org
      websocket_tls: true
  block:
    - name: Raise the notice suppression interval
      netsec.zeek.option:
        name: Notice::default_suppression_interval
        value: 2 hrs
"""

RETURN = r"""
changed:
  description: Whether any node had (or, in check mode, has) another value for any of the options.
  returned: always
  type: bool
options:
  description: One entry per option, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The option's name.
      type: str
      sample: Site::local_nets
    type:
      description: The Zeek type the value was converted to.
      type: str
      sample: set[subnet]
    type_source:
      description: Where the type came from, C(hint) (I(type)), C(known) (the table of Zeek's options) or
        C(reported) (the value the nodes reported).
      type: str
      sample: known
    value:
      description: The desired value as the nodes render it (Zeek's C(to_json)), sets sorted.
      type: raw
      sample: ["10.0.0.0/8", "192.168.0.0/16"]
    changed:
      description: Whether any node had another value.
      type: bool
    nodes_changed:
      description: The nodes that had another value, sorted.
      type: list
      elements: str
      sample: [logger, manager, worker-01]
    before:
      description:
        - Each node's value before the task, as the node reported it (sets sorted).
        - C(Site::local_nets) on a fresh node is not empty but Zeek's private and reserved ranges
          (C(Site::private_address_space)).
      type: dict
      sample: {"manager": ["10.0.0.0/8", "192.168.0.0/16"], "worker-01": ["10.0.0.0/8", "192.168.0.0/16"]}
    expected:
      description:
        - What each node reports once the value is set, as the nodes render it (sets sorted); C(diff.after)
          shows the same. It is the value set, except where a change handler of Zeek rewrites it.
        - C(Site::local_nets) while C(Site::private_address_space_is_local) is true (Zeek's default) also
          holds C(Site::private_address_space) (C(update_local_nets_table) in C(base/utils/site.zeek)).
      type: dict
      sample: {"manager": ["10.0.0.0/8", "192.168.0.0/16", "193.0.0.0/21"]}
published:
  description: The options for which C(Config::cluster_set_option) was published.
  returned: always
  type: list
  elements: str
  sample: [Site::local_nets]
duration:
  description: Seconds spent waiting for the nodes to report the new values.
  returned: when something was published and I(wait=true)
  type: float
  sample: 1.02
diff:
  description: Per option, each node's value before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {"Site::local_nets": {"manager": []}}
    after: {"Site::local_nets": {"manager": ["10.0.0.0/8"]}}
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
          C(handshake), C(timeout), C(closed) or C(too_big) (an answer over I(max_message_size)):
          the connection to the controller. C(protocol): an answer this collection cannot read.
          C(controller): the controller answered with an error."
        - "C(not_an_option): the identifier is a constant. C(value): the value or type does not fit,
          nothing was published. C(rejected): the listener refused the event. C(not_applied):
          published, but not every node reports the new value in time. C(no_values): with
          I(read_values_from=listener), no C(NetsecOptions::values) answer, a node that did not answer,
          or an identifier that is no option on a node."
      type: str
      sample: unreachable
    errors:
      description: With C(kind=controller), what the controller reported, each with C(source) (a node, or null) and C(error).
      type: list
      elements: dict
      sample: [{"source": null, "error": "no instances connected"}]
    not_applied:
      description:
        - With C(kind=not_applied), per option the nodes that report another value (C(name), C(nodes),
          C(values) as reported, C(wanted), C(expected) per node).
      type: list
      elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    connection_argument_spec,
    websocket_argument_spec,
)
from ansible_collections.netsec.zeek.plugins.module_utils.option_runner import run_module
from ansible_collections.netsec.zeek.plugins.module_utils.waiter import wait_argument_spec


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(**websocket_argument_spec(**wait_argument_spec(
            wait=True,
            name=dict(type="str"),
            value=dict(type="raw"),
            type=dict(type="str"),
            options=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                value=dict(type="raw", required=True),
                type=dict(type="str"),
            )),
            location=dict(type="str", default="netsec.zeek.option"),
            read_values_from=dict(type="str", default="controller", choices=["controller", "listener"]),
            read_timeout=dict(type="float", default=10.0),
            manager_topic=dict(type="str"),
        ))),
        mutually_exclusive=[("name", "options"), ("value", "options"), ("type", "options")],
        required_one_of=[("name", "options")],
        required_by={"name": "value"},
        supports_check_mode=True,
    )
    run_module(module)


if __name__ == "__main__":
    main()
