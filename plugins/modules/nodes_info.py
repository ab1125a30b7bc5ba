#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nodes_info
short_description: Show the state of the Zeek cluster's nodes, per instance
version_added: 0.1.0
description:
  - Asks every peered agent for the processes its Supervisor runs, as C(zeek-client get-nodes) does, that is
    the cluster nodes with their state, process id and ports, plus the agent itself and a co-located
    controller.
  - Sends C(Management::Controller::API::get_nodes_request).
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
  roles:
    description:
      - Return only nodes with one of these roles. C(agent) and C(controller) select the
        management processes, the others select cluster nodes.
      - One of C(manager), C(logger), C(proxy), C(worker), C(agent), C(controller), in any case,
        so the values as RV(nodes) shows them (C(WORKER)) work too.
    type: list
    elements: str
  states:
    description:
      - Return only nodes in one of these states, for example C(PENDING) to find nodes that did
        not check in with their agent.
      - One of C(PENDING), C(RUNNING), C(STOPPED), C(FAILED), C(CRASHED), C(UNKNOWN), in any case
        (C(running) works too).
    type: list
    elements: str
  fail_on_errors:
    description:
      - Fail the task when the controller reports an error, such as C(no instances connected).
      - When false the errors are returned in RV(errors) and the task succeeds.
    type: bool
    default: true
seealso:
  - module: netsec.zeek.instances_info
  - module: netsec.zeek.node_restart
"""

EXAMPLES = r"""
- name: Show the cluster
  netsec.zeek.nodes_info:
  register: zeek_nodes

- name: Fail when a worker is not running
  ansible.builtin.assert:
    that: zeek_nodes.nodes | selectattr('cluster_role', 'eq', 'WORKER') | rejectattr('state', 'eq', 'RUNNING') | list | length == 0
    fail_msg: "{{ zeek_nodes.nodes | rejectattr('state', 'eq', 'RUNNING') | map(attribute='name') | join(', ') }} not running"

- name: Only the workers that have not checked in
  netsec.zeek.nodes_info:
    roles: [worker]
    states: [PENDING]
  register: pending_workers

- name: Filters also take the values as the module prints them
  netsec.zeek.nodes_info:
    roles: [WORKER, PROXY]
    states: [RUNNING]
  register: running_workers
"""

RETURN = r"""
nodes:
  description:
    - Every node that matches the filters, sorted by instance and then name.
    - C(cluster_role) is null for the agent and controller; C(mgmt_role) is null for cluster nodes.
    - C(pid), C(port) and C(metrics_port) appear only when known.
  returned: success
  type: list
  elements: dict
  sample:
    - name: manager
      instance: agent-sensor1
      state: RUNNING
      cluster_role: MANAGER
      mgmt_role: null
      pid: 54073
      port: 2200
      metrics_port: 9000
instances:
  description: The same nodes grouped as zeek-client prints them, instance name to node name to status.
  returned: success
  type: dict
  sample:
    agent-sensor1:
      manager:
        state: RUNNING
        cluster_role: MANAGER
        mgmt_role: null
        pid: 54073
        port: 2200
errors:
  description: Errors the controller reported, each with its C(source) (instance or null) and C(error).
  returned: always
  type: list
  elements: dict
  sample:
    - source: null
      error: no instances connected
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
        - "With I(fail_on_errors=true), C(controller) also when an agent reported errors."
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

MANAGEMENT_ROLES = ("AGENT", "CONTROLLER")
ROLES = ("MANAGER", "LOGGER", "PROXY", "WORKER") + MANAGEMENT_ROLES
STATES = ("PENDING", "RUNNING", "STOPPED", "FAILED", "CRASHED", "UNKNOWN")


def upper_choices(module, name, allowed):
    """The option's values in upper case, as get-nodes reports them; any case is accepted
    (Ansible's own `choices` check is case-sensitive, so it would refuse the printed WORKER)."""
    values = set(v.strip().upper() for v in module.params[name] or [])
    unknown = sorted(values - set(allowed))
    if unknown:
        module.fail_json(msg="%s: unknown value%s %s; use %s (any case)" % (
            name, "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(a.lower() for a in allowed)),
            failure={"kind": "argument", "option": name, "unknown": unknown})
    return values


def select(instances, roles, states):
    """Flatten and filter the per-instance tables; roles/states are upper-case sets or None."""
    nodes = []
    for instance in sorted(instances):
        for name in sorted(instances[instance]):
            status = instances[instance][name]
            role = status["mgmt_role"] if status["mgmt_role"] in MANAGEMENT_ROLES else status["cluster_role"]
            if roles and role not in roles:
                continue
            if states and status["state"] not in states:
                continue
            entry = {"name": name, "instance": instance}
            entry.update(status)
            nodes.append(entry)
    return nodes


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(
            roles=dict(type="list", elements="str"),
            states=dict(type="list", elements="str"),
            fail_on_errors=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    prepare(module)
    roles = upper_choices(module, "roles", ROLES)
    states = upper_choices(module, "states", STATES)
    try:
        with controller_for(module) as controller:
            answer = controller.get_nodes()
    except CLIENT_ERRORS as err:
        fail(module, err)
    nodes = select(answer["instances"], roles, states)
    kept = {}
    for node in nodes:
        status = dict((k, v) for k, v in node.items() if k not in ("name", "instance"))
        kept.setdefault(node["instance"], {})[node["name"]] = status
    result = dict(changed=False, nodes=nodes, instances=kept, errors=answer["errors"])
    if answer["errors"] and module.params["fail_on_errors"]:
        module.fail_json(msg="The controller reported: %s" % "; ".join(
            "%s%s" % ("%s: " % e["source"] if e["source"] else "", e["error"]) for e in answer["errors"]),
            failure={"kind": "controller", "errors": answer["errors"]}, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
