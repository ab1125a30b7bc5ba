#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_config_info
short_description: Read the staged or deployed Zeek cluster configuration
version_added: 0.1.0
description:
  - Reads the configuration the Zeek Management Framework controller has staged (as it was sent) or
    deployed (with the ports it assigned and the hosts it filled in), as C(zeek-client get-config)
    does.
  - Returns it as a dict, the shape that M(netsec.zeek.cluster_config) takes as I(config), and as
    C(zeek-client) C(.ini) text, the shape it takes as I(content) or I(src).
  - Sends C(Management::Controller::API::get_configuration_request).
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
  deployed:
    description:
      - Read the deployed configuration. When false, read the staged one.
    type: bool
    default: false
notes:
  - When the controller has no such configuration, the task succeeds with RV(exists=false) and
    RV(config=null); C(zeek-client) reports this as an error.
seealso:
  - module: netsec.zeek.cluster_config
"""

EXAMPLES = r"""
- name: Read the deployed configuration
  netsec.zeek.cluster_config_info:
    deployed: true
  register: deployed

- name: Save it as a zeek-client cluster file, for a Git repository
  ansible.builtin.copy:
    content: "{{ deployed.ini }}"
    dest: clusters/production.ini
    mode: "0644"
  delegate_to: localhost
  when: deployed.exists

- name: Show which ports the controller assigned
  ansible.builtin.debug:
    msg: "{{ deployed.config.nodes | items2dict(key_name='name', value_name='port') }}"
"""

RETURN = r"""
exists:
  description: Whether the controller has a configuration in the requested state.
  returned: always
  type: bool
config_id:
  description: The configuration's id.
  returned: when exists
  type: str
config:
  description:
    - The configuration with C(instances) and C(nodes), both sorted by name, as
      C(zeek-client get-config --as-json) prints it. Unset node fields are null.
  returned: always
  type: dict
  sample:
    id: 5e90197a-f850-11ec-a77f-7c10c94416bb
    instances:
      - name: agent-testbox
        host: 127.0.0.1
    nodes:
      - name: manager
        instance: agent-testbox
        role: MANAGER
        port: 2200
        metrics_port: 9000
        interface: null
        cpu_affinity: null
        scripts: null
        env: {}
        options: null
ini:
  description: The configuration as C(zeek-client get-config) prints it (without the id).
  returned: when exists
  type: str
  sample: |
    [instances]
    agent-testbox

    [manager]
    instance = agent-testbox
    role = MANAGER
    port = 2200
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

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    connection_argument_spec,
    controller_for,
    fail,
    prepare,
)


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(deployed=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    prepare(module)
    try:
        with controller_for(module) as controller:
            config = reconcile.current(controller, deployed=module.params["deployed"])
    except CLIENT_ERRORS as err:
        fail(module, err)
    if config is None:
        module.exit_json(changed=False, exists=False, config=None)
    module.exit_json(changed=False, exists=True, config_id=config.id, config=cluster.to_dict(config),
                     ini=cluster.to_ini(config))


if __name__ == "__main__":
    main()
