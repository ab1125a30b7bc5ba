#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: node_restart
short_description: Restart Zeek cluster nodes through the controller
version_added: 0.1.0
description:
  - Restarts named cluster nodes, or all of them, as C(zeek-client restart) does. Agents and the
    controller are never restarted.
  - The node names are checked against the deployed configuration first; an unknown name fails the
    task before any node is restarted (the controller itself would restart the known ones and
    report the unknown ones).
  - Sends C(Management::Controller::API::restart_request).
author:
  - netsec.zeek maintainers (@netsec-zeek)
extends_documentation_fragment:
  - netsec.zeek.connection
  - netsec.zeek.wait
  - netsec.zeek.attributes
  - netsec.zeek.attributes.actiongroup_controller
attributes:
  check_mode:
    support: full
    details: Reports which nodes would restart; restarts nothing.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: A restart is an action, not a state; every run restarts the nodes.
options:
  nodes:
    description:
      - The cluster nodes to restart. All nodes of the deployed configuration when omitted or empty.
    type: list
    elements: str
    default: []
  wait:
    description:
      - Poll until every restarted node runs again with a new process id.
seealso:
  - module: netsec.zeek.nodes_info
  - module: netsec.zeek.cluster_config
"""

EXAMPLES = r"""
- name: Restart two workers and wait until they are back
  netsec.zeek.node_restart:
    nodes: [worker-01, worker-02]
    wait: true

- name: Restart the whole cluster (a handler for changed site scripts)
  netsec.zeek.node_restart:
  listen: restart zeek cluster
"""

RETURN = r"""
restarted:
  description: The nodes that were restarted (or, in check mode, would be), sorted.
  returned: always
  type: list
  elements: str
  sample: [worker-01, worker-02]
nodes:
  description: Node name to whether its agent restarted it.
  returned: when not in check mode
  type: dict
  sample:
    worker-01: true
errors:
  description: Errors the controller or agents reported, each with C(source) and C(error).
  returned: always
  type: list
  elements: dict
wait_duration:
  description: Seconds spent waiting for the nodes to run again.
  returned: when wait is true and not in check mode
  type: float
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
        - "C(no_deployment): no configuration is deployed. C(unknown_nodes): I(nodes) names nodes
          the deployed configuration lacks, nothing was restarted. C(restart_failed): an agent did
          not restart a node (see C(errors)). C(wait_timeout): with I(wait=true), nodes did not run
          again in time."
      type: str
      sample: unreachable
    errors:
      description: With C(kind=controller), what the controller reported, each with C(source) (a node, or null) and C(error).
      type: list
      elements: dict
      sample: [{"source": null, "error": "no instances connected"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils import reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    TaskError,
    connection_argument_spec,
    controller_for,
    fail,
    prepare,
)
from ansible_collections.netsec.zeek.plugins.module_utils.waiter import (
    flatten,
    not_running_table,
    seconds,
    wait_argument_spec,
    wait_until_running,
)


def main():
    spec = connection_argument_spec(nodes=dict(type="list", elements="str", default=[]))
    spec.update(wait_argument_spec())
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    prepare(module)
    result = dict(changed=False, restarted=[], errors=[])
    try:
        with controller_for(module) as controller:
            restart(module, controller, result)
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


def restart(module, controller, result):
    asked = sorted(set(module.params["nodes"]))
    deployed = reconcile.current(controller, deployed=True)
    if deployed is None:
        raise TaskError("There is no deployed cluster configuration, so there are no nodes to restart",
                        "no_deployment")
    known = sorted(node.name for node in deployed.nodes)
    unknown = [name for name in asked if name not in known]
    if unknown:
        raise TaskError("Unknown cluster node%s %s; nothing was restarted. The deployed nodes are: %s"
                        % ("" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(known)), "unknown_nodes")
    targets = asked or known
    result.update(changed=bool(targets), restarted=targets)
    if module.check_mode or not targets:
        return
    pids_before = dict((name, status.get("pid")) for name, status in
                       flatten(controller.get_nodes()).items() if name in targets)
    answer = controller.restart(asked)
    result.update(nodes=answer["nodes"], errors=answer["errors"])
    failed = sorted(name for name in targets if not answer["nodes"].get(name, False))
    if failed or answer["errors"]:
        raise TaskError("Restart failed for %s" % "; ".join(
            ["%s: %s" % (e["source"] or "controller", e["error"]) for e in answer["errors"]]
            + ["%s: not restarted" % name for name in failed
               if name not in [e["source"] for e in answer["errors"]]]), "restart_failed")
    if module.params["wait"]:
        ok, nodes, waited = wait_until_running(controller, targets, module.params["wait_timeout"],
                                               module.params["wait_sleep"], pids_before)
        result["wait_duration"] = waited
        if not ok:
            raise TaskError("Timed out after %s waiting for restarted nodes to run: %s" % (
                seconds(module.params["wait_timeout"]), "; ".join(not_running_table(targets, nodes, pids_before))),
                "wait_timeout")


if __name__ == "__main__":
    main()
