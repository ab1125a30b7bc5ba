#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: instances_info
short_description: List the Zeek instances (agents) connected to the controller
version_added: 0.1.0
description:
  - Lists every Zeek Management Framework agent currently peered with the controller, whether or not
    it is part of the deployed configuration, as C(zeek-client get-instances) does.
  - Sends C(Management::Controller::API::get_instances_request).
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
options: {}
seealso:
  - module: netsec.zeek.nodes_info
  - module: netsec.zeek.cluster_config
"""

EXAMPLES = r"""
- name: List the agents peered with the controller
  netsec.zeek.instances_info:
    controller_host: zeek-controller.example.org
  delegate_to: localhost
  register: zeek_instances

- name: Require the agent of every sensor
  ansible.builtin.assert:
    that: "'agent-' ~ inventory_hostname_short in zeek_instances.instances | map(attribute='name')"
"""

RETURN = r"""
instances:
  description:
    - The peered agents, sorted by name.
    - C(port) is present only when the controller connected to the agent (an instance with a
      listening port in the deployed configuration).
  returned: success
  type: list
  elements: dict
  sample:
    - name: agent-sensor1
      host: 192.0.2.10
    - name: agent-sensor2
      host: 192.0.2.11
      port: 2151
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


def main():
    module = AnsibleModule(argument_spec=connection_argument_spec(), supports_check_mode=True)
    prepare(module)
    try:
        with controller_for(module) as controller:
            instances = controller.get_instances()
    except CLIENT_ERRORS as err:
        fail(module, err)
    module.exit_json(changed=False, instances=instances)


if __name__ == "__main__":
    main()
