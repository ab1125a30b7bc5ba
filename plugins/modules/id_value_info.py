#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: id_value_info
short_description: Read the value of a global Zeek identifier in the running cluster nodes
version_added: 0.1.0
description:
  - Asks the cluster nodes for the current value of a global identifier (a variable, constant or
    C(option)), as C(zeek-client get-id-value) does. Each node renders the value to JSON itself,
    and this module returns it parsed.
  - Sends C(Management::Controller::API::get_id_value_request).
author:
  - netsec.zeek maintainers (@netsec-zeek)
extends_documentation_fragment:
  - netsec.zeek.connection
  - netsec.zeek.attributes
  - netsec.zeek.attributes.actiongroup_controller
  - netsec.zeek.attributes.info_module
attributes:
  idempotent:
    support: full
options:
  id:
    description:
      - The fully qualified name of the global identifier, for example C(Log::default_rotation_interval).
    type: str
    required: true
    aliases: [identifier]
  nodes:
    description:
      - The cluster nodes to ask. All nodes of the deployed configuration when omitted or empty.
    type: list
    elements: str
    default: []
  fail_on_errors:
    description:
      - Fail the task when the controller or any node reports an error, such as C(unknown id),
        C(unknown cluster node) or C(cluster node worker-01 not in running state).
        The failure message names every node and its error.
      - When false the errors are returned in RV(errors) and the task succeeds with the values
        that could be read.
    type: bool
    default: true
notes:
  - "How values look is Zeek's C(to_json()) rendering, for example an C(interval) is the text
    C(1.0 hr), a C(port) is C({\"port\": 9000, \"proto\": \"tcp\"}), a record omits unset optional fields."
seealso:
  - module: netsec.zeek.option
"""

EXAMPLES = r"""
- name: Read bits_per_uid everywhere
  netsec.zeek.id_value_info:
    id: bits_per_uid
  register: uid_bits

- name: Check that every node uses 96-bit UIDs
  ansible.builtin.assert:
    that: (uid_bits.node_values | dict2items | map(attribute='value') | unique) == [96]

- name: Read an option on two workers, tolerating nodes that are down
  netsec.zeek.id_value_info:
    id: Site::local_nets
    nodes: [worker-01, worker-02]
    fail_on_errors: false
  register: local_nets
"""

RETURN = r"""
node_values:
  description:
    - Node name to the identifier's value in that node, parsed from the node's JSON
      (C(zeek-client get-id-value) prints the same mapping as C(results)).
    - Not called C(values), which Jinja resolves to the dictionary method C(values()), nor
      C(results), which Ansible reserves for loops (it renames that key to C(ansible_module_results)).
  returned: success
  type: dict
  sample:
    manager: 96
    worker-01: 96
errors:
  description:
    - Per-node and controller errors, each with C(source) (the node, or null for the controller)
      and C(error).
  returned: always
  type: list
  elements: dict
  sample:
    - source: worker-03
      error: unknown cluster node
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
        - "With I(fail_on_errors=true), C(controller) also when nodes reported errors."
      type: str
      sample: unreachable
    errors:
      description: With C(kind=controller), what the controller reported, each with C(source) (a node, or null) and C(error).
      type: list
      elements: dict
      sample: [{"source": null, "error": "no instances connected"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    connection_argument_spec,
    controller_for,
    fail,
    prepare,
)


def describe(errors):
    return "; ".join("%s: %s" % (e["source"] or "controller", e["error"]) for e in errors)


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(
            id=dict(type="str", required=True, aliases=["identifier"]),
            nodes=dict(type="list", elements="str", default=[]),
            fail_on_errors=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    prepare(module)
    identifier = module.params["id"].strip()
    if not identifier:
        module.fail_json(msg="id must name a global identifier, for example bits_per_uid",
                         failure={"kind": "argument"})
    try:
        with controller_for(module) as controller:
            answer = controller.get_id_value(identifier, module.params["nodes"])
    except CLIENT_ERRORS as err:
        fail(module, err)
    result = dict(changed=False, node_values=answer["values"], errors=answer["errors"])
    if answer["errors"] and module.params["fail_on_errors"]:
        module.fail_json(msg="Reading %s failed: %s" % (identifier, describe(answer["errors"])),
                         failure={"kind": "controller", "errors": answer["errors"]}, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
