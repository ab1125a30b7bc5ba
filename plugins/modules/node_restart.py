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
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils import reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.common import (
    CLIENT_ERRORS,
    connection_argument_spec,
    controller_for,
    fail,
    require_libraries,
)
from ansible_collections.netsec.zeek.plugins.module_utils.waiting import (
    WAIT_ARGS,
    flatten,
    not_running_table,
    wait_until_running,
)


def main():
    spec = connection_argument_spec(nodes=dict(type="list", elements="str", default=[]))
    spec.update(WAIT_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    require_libraries(module)
    asked = sorted(set(module.params["nodes"]))
    result = dict(changed=False, restarted=[], errors=[])
    try:
        with controller_for(module) as controller:
            deployed = reconcile.current(controller, deployed=True)
            if deployed is None:
                module.fail_json(msg="There is no deployed cluster configuration, so there are no nodes to restart",
                                 **result)
            known = sorted(node.name for node in deployed.nodes)
            unknown = [name for name in asked if name not in known]
            if unknown:
                module.fail_json(msg="Unknown cluster node%s %s; nothing was restarted. The deployed nodes are: %s"
                                 % ("" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(known)),
                                 **result)
            targets = asked or known
            result.update(changed=bool(targets), restarted=targets)
            if module.check_mode or not targets:
                module.exit_json(**result)
            pids_before = dict((name, status.get("pid")) for name, status in
                               flatten(controller.get_nodes()).items() if name in targets)
            answer = controller.restart(asked)
            result.update(nodes=answer["nodes"], errors=answer["errors"])
            failed = sorted(name for name in targets if not answer["nodes"].get(name, False))
            if failed or answer["errors"]:
                module.fail_json(msg="Restart failed for %s" % "; ".join(
                    ["%s: %s" % (e["source"] or "controller", e["error"]) for e in answer["errors"]]
                    + ["%s: not restarted" % name for name in failed
                       if name not in [e["source"] for e in answer["errors"]]]), **result)
            if module.params["wait"]:
                ok, nodes, waited = wait_until_running(controller, targets, module.params["wait_timeout"],
                                                       module.params["wait_sleep"], pids_before)
                result["wait_duration"] = round(waited, 3)
                if not ok:
                    module.fail_json(msg="Timed out after %ss waiting for restarted nodes to run: %s" % (
                        module.params["wait_timeout"], "; ".join(not_running_table(targets, nodes, pids_before))), **result)
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
