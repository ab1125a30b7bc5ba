#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_config
short_description: Stage and deploy a Zeek cluster configuration, only when it changed
version_added: 0.1.0
description:
  - Makes the Zeek Management Framework controller run the desired cluster configuration.
  - Compares the desired configuration with the one the controller has deployed (or staged, for
    I(state=staged)) after normalisation, and stages and deploys only when they differ. Ports and
    hosts that you leave out and the controller fills in, the order of nodes and instances, the case
    of roles and the configuration id do not count as differences. A deploy restarts every node, so a
    second identical run reports no change and sends neither stage nor deploy.
  - Check mode sends nothing that changes the controller, and predicts C(changed) with the same
    comparison. With C(--diff) it shows the deployed and the desired configuration as
    C(zeek-client) C(.ini) text.
  - Before anything is sent, the desired configuration is checked against a schema, against the
    controller's own validation rules (with the controller's messages) and for mistakes the
    controller accepts silently, such as a worker without an interface. Every problem is reported
    at once, naming the node and the field.
  - Also before anything is staged, in check mode too, every instance whose agent connects to the
    controller (an instance without C(port)) must be among the controller's connected agents. Deploying
    an instance that is not connected, such as a typo, would stop the running nodes and wait for an agent
    that never checks in. The task fails naming the instance, the connected agents and a close match.
    With O(wait=true), agents that have not checked in yet get O(wait_timeout) to do so first (a controller
    and its agents that were just started together).
  - The controller keeps one staged configuration and one pending deployment for all its clients. When
    staging replaces a staged configuration that is neither the deployed one nor this task's, the task
    warns naming its id (check mode too). After the deploy, the task checks that the controller deployed
    what this run staged; when another client staged or deployed in between, it fails saying that
    another client changed the controller, naming both configurations. When another deployment is
    still pending, the controller deploys nothing; the task fails saying that nothing was deployed by
    this run, with RV(failure.retryable=true). See the GitOps guide (C(docs/gitops.md)) for serialising jobs.
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
  diff_mode:
    support: full
  idempotent:
    support: full
    details: With I(force=true) every run deploys.
  action:
    support: full
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    details: The action plugin reads I(src) on the Ansible control node.
options:
  config:
    description:
      - The desired configuration, as a dict with C(instances) and C(nodes) (the shape of
        C(zeek-client get-config --as-json)).
      - C(instances) is a list of C({name, host, port}); C(host) and C(port) only for agents the
        controller connects to. Without C(instances), the instances named by the nodes are used, all
        connecting to the controller.
      - C(nodes) is a list of C({name, instance, role, port, metrics_port, interface, cpu_affinity,
        scripts, env, options}). C(role) is one of C(manager), C(logger), C(proxy), C(worker) or
        C(none), in any case. C(port) and C(metrics_port) are numbers; leave them out to let the
        controller assign them. C(scripts) is a list, in load order; C(env) a dict.
      - When no node names an instance, all nodes go to I(default_instance).
      - Exactly one of I(config), I(src) and I(content) is required.
    type: dict
  src:
    description:
      - A C(zeek-client) C(.ini) cluster file on the Ansible control node, for example a file of the
        Git repository the playbook lives in. Read by the action plugin, relative paths are searched
        in the role's or playbook's C(files) directory.
    type: path
  content:
    description:
      - The desired configuration as C(zeek-client) C(.ini) text, read with C(zeek-client)'s rules.
    type: str
  state:
    description:
      - C(deployed) stages and deploys when the desired configuration differs from the deployed one.
      - C(staged) only stages, when it differs from the staged one; deploy later with
        I(state=deployed).
      - C(rendered) contacts no controller and returns the configuration as C(.ini) text and as the
        wire record, after the same checks.
    type: str
    choices: [deployed, staged, rendered]
    default: deployed
  force:
    description:
      - Stage and deploy even when nothing differs, with a new configuration id, so that every node
        restarts.
    type: bool
    default: false
  default_instance:
    description:
      - The instance of nodes that name none.
      - When not set and a node names no instance, the controller's only connected agent is used; with
        several agents the task fails and asks for this option. C(zeek-client) uses
        C(agent-<hostname>) of the machine it runs on instead.
    type: str
  lint:
    description:
      - How to treat mistakes the controller would accept silently (a worker without an interface,
        metrics port collisions, node names that differ only by case, ...).
      - C(error) fails the task on each of them, before anything is sent.
      - C(warn) fails only on those that stop a node from starting (port collisions) and reports the
        others as warnings.
      - C(ignore) checks only the schema and the controller's own rules.
    type: str
    choices: [error, warn, ignore]
    default: error
  controller_broker_port:
    description:
      - The controller's Broker port (not its WebSocket port), which the controller forbids as a node
        port. Used for the pre-flight check only.
    type: int
    default: 2150
notes:
  - A deployment stops and restarts every node of the cluster. The controller counts a deployment as
    done when it was attempted, even when nodes fail to start; this module then fails and names each
    failed node with the last line of its stderr, and a later identical run reports no change. Use
    I(wait=true) to make such runs fail until the nodes run.
  - In check mode the task still asks the controller which agents are connected and which configuration
    is staged (read-only requests).
  - For configurations of more than 100 nodes, the echo of the arguments in the result
    (C(invocation)) shows a summary instead of the whole I(config) or I(content), and an unchanged
    run returns no I(before) and I(after), because moving several copies of a large configuration through
    Ansible's result handling costs more than the task itself. For such clusters, I(src) (a file)
    is also faster than I(config) (a variable Ansible has to template).
seealso:
  - module: netsec.zeek.cluster_config_info
  - module: netsec.zeek.node_restart
  - name: Zeek Management Framework
    description: The framework's documentation.
    link: https://docs.zeek.org/en/master/frameworks/management.html
"""

EXAMPLES = r"""
- name: Deploy the cluster (nothing happens when it is already deployed)
  netsec.zeek.cluster_config:
    controller_host: zeek-controller.example.org
    config:
      instances:
        - name: agent-sensor1
      nodes:
        - {name: manager, instance: agent-sensor1, role: manager}
        - {name: logger, instance: agent-sensor1, role: logger}
        - {name: worker-01, instance: agent-sensor1, role: worker, interface: eth1, cpu_affinity: 2}
        - {name: worker-02, instance: agent-sensor1, role: worker, interface: eth2, cpu_affinity: 3}
    wait: true
  delegate_to: localhost

- name: GitOps - the cluster file from the repository, checked with --check --diff in pull requests
  netsec.zeek.cluster_config:
    src: clusters/production.ini

- name: Stage only; deploy in a maintenance window
  netsec.zeek.cluster_config:
    src: clusters/production.ini
    state: staged

- name: Show what would be sent, without a controller
  netsec.zeek.cluster_config:
    content: "{{ lookup('ansible.builtin.file', 'cluster.ini') }}"
    default_instance: agent-sensor1
    state: rendered
  register: rendered

- name: Restart everything with the same configuration
  netsec.zeek.cluster_config:
    src: clusters/production.ini
    force: true
"""

RETURN = r"""
changed:
  description: Whether the configuration was (or, in check mode, would be) staged and deployed.
  returned: always
  type: bool
config_id:
  description: The id of the configuration that was staged and deployed.
  returned: when changed and not in check mode
  type: str
  sample: netsec-9b0b8a5e3c1f4d7a8e2b6c0d4f1a3e5b
nodes:
  description:
    - Per-node results of the deployment, C(zeek-client deploy)'s C(nodes) table. C(stdout) and
      C(stderr) are the last lines of a node's output, when it failed to start.
    - Empty when the agents already ran this configuration id and restarted nothing.
  returned: when deployed
  type: dict
  sample:
    worker-02:
      instance: agent-sensor1
      success: false
      stdout: ""
      stderr: "fatal error: problem with interface eth9 (pcap_error: No such device exists (pcap_activate))"
errors:
  description: Errors the controller reported for the deployment, such as C(request timed out).
  returned: when deployed
  type: list
  elements: str
before:
  description:
    - The controller's configuration before the task (deployed, or staged for I(state=staged)),
      null when it had none.
    - Not returned when nothing changed, to keep large clusters fast; read it with
      M(netsec.zeek.cluster_config_info).
  returned: when changed, and not for state rendered
  type: dict
after:
  description:
    - After a deployment, the controller's deployed configuration as it reports it, with the ports it
      assigned and the hosts it filled in. In check mode and for I(state=rendered), the desired
      configuration.
  returned: when changed, and for state rendered
  type: dict
changes:
  description:
    - What differs, per node and instance, between the desired and the controller's configuration.
  returned: unless state is rendered
  type: dict
  sample:
    added_nodes: [worker-03]
    removed_nodes: [proxy-01]
    changed_nodes:
      worker-01:
        interface: [eth0, eth1]
ini:
  description: The desired configuration as C(zeek-client) C(.ini) text.
  returned: when changed, and for state rendered
  type: str
current_id:
  description: The id of the configuration the controller holds (deployed, or staged), null when none.
  returned: unless state is rendered
  type: str
wire:
  description: The C(Management::Configuration) record as Broker WebSocket JSON, as it would be sent.
  returned: when state is rendered
  type: dict
lint_warnings:
  description:
    - Lint findings reported as warnings with I(lint=warn), and C(.ini) reading warnings. Each is
      also shown as an Ansible warning.
  returned: always
  type: list
  elements: str
wait_duration:
  description: Seconds spent waiting for the nodes to run.
  returned: when wait is true and not in check mode
  type: float
replaced_staged_id:
  description:
    - The id of the staged configuration that staging replaced (in check mode, would replace) although
      it was neither the deployed configuration nor this task's, that is another client's staged work. A
      warning names it too.
  returned: when changed and such a configuration was staged
  type: str
  sample: 0f6f1fd6-3f5c-4d1c-9a51-5a4c4b2e8f11
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
        - "C(validation): the configuration has problems, listed in C(validation_errors); nothing
          was sent. C(nodes_failed): deployed, but not every node started (see C(nodes)).
          C(wait_timeout): with I(wait=true), nodes did not run in time."
        - "C(deployment_pending): the controller refused the deploy because an earlier deployment was still
          pending; nothing was deployed by this run. C(concurrent_change): another client changed the
          controller between this run's requests; the controller runs the other configuration."
      type: str
      sample: unreachable
    errors:
      description: With C(kind=controller), what the controller reported, each with C(source) (a node, or null) and C(error).
      type: list
      elements: dict
      sample: [{"source": null, "error": "no instances connected"}]
    validation_errors:
      description: With C(kind=validation), every problem of the configuration, one text each.
      type: list
      elements: str
      sample: ["node worker-01: interface is required for a worker"]
    retryable:
      description:
        - With C(kind=deployment_pending) or C(kind=concurrent_change). C(true) when the controller refused
          the deploy because an earlier deployment was still pending (retry once that one has finished).
          C(false) when another client changed the controller between this run's requests (re-run only if
          this configuration should win).
      type: bool
    staged_id:
      description: With C(kind=deployment_pending) or C(kind=concurrent_change), the id of the configuration this run staged.
      type: str
      sample: netsec-9b0b8a5e3c1f4d7a8e2b6c0d4f1a3e5b
    controller_config_id:
      description:
        - With C(kind=concurrent_change), the id of the configuration the controller deployed instead of
          this run's; null when it has none.
      type: str
      sample: 3c9d0e52-7a0b-4b77-9f3c-21f7c1d6d0aa
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import to_json
from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    TaskError,
    connection_argument_spec,
    controller_for,
    fail,
    prepare,
)
from ansible_collections.netsec.zeek.plugins.module_utils.waiter import (
    not_running_table,
    seconds,
    wait_for_agents,
    wait_argument_spec,
    wait_until_running,
)


def argument_spec():
    spec = connection_argument_spec(
        config=dict(type="dict"),
        src=dict(type="path"),
        content=dict(type="str"),
        state=dict(type="str", default="deployed", choices=["deployed", "staged", "rendered"]),
        force=dict(type="bool", default=False),
        default_instance=dict(type="str"),
        lint=dict(type="str", default="error", choices=["error", "warn", "ignore"]),
        controller_broker_port=dict(type="int", default=2150),
    )
    spec.update(wait_argument_spec())
    return spec


def run(module):
    params = module.params
    result = dict(changed=False, lint_warnings=[])
    try:
        if params["src"] is not None:
            raise TaskError("src is read by the netsec.zeek.cluster_config action plugin; call the module by its "
                            "name netsec.zeek.cluster_config, or pass the text as content", "argument")
        reconcile_task(module, result)
    except reconcile.PreflightError as err:
        result["lint_warnings"].extend(err.warnings)
        fail(module, TaskError(preflight_message(err), "validation", validation_errors=err.errors), **result)
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


def reconcile_task(module, result):
    params = module.params
    want, parse_warnings = reconcile.desired(params["config"], params["content"], params["default_instance"])
    result["lint_warnings"].extend(parse_warnings)
    if params["state"] == "rendered":
        if reconcile.needs_default_instance(want):
            reconcile.resolve_default_instance(want, [{"name": cluster.default_instance_name(socket.gethostname())}])
        finish_preflight(module, want, result)
        result.update(after=cluster.to_dict(want), ini=cluster.to_ini(want), wire=to_json(cluster.to_wire(want)))
        return

    with controller_for(module) as controller:
        connected = controller.get_instances()
        if params["wait"]:
            # With wait, agents that have not checked in yet get wait_timeout to do so (a controller
            # and its agents started together); without it, an unconnected instance is refused at once.
            agents = [i.name for i in want.instances if i.port is None]
            connected = wait_for_agents(controller, agents, connected, params["wait_timeout"], params["wait_sleep"])
        if reconcile.needs_default_instance(want):
            reconcile.resolve_default_instance(want, connected)
        finish_preflight(module, want, result, connected)
        deployed = params["state"] == "deployed"
        have = reconcile.current(controller, deployed=deployed)
        staged = None
        if reconcile.needs_staged(want, have, params["state"]):
            staged = reconcile.current(controller, deployed=False)
        plan = reconcile.plan(want, have, params["state"], params["force"], staged)
        if plan["changed"]:
            reconcile.check_request_size(want)  # before changed is reported: Zeek would refuse it mid-stage
        result.update(changed=plan["changed"], changes=plan["changes"], current_id=None if have is None else have.id)
        if plan["changed"]:
            result.update(ini=cluster.to_ini(want), before=None if have is None else cluster.to_dict(have),
                          after=cluster.to_dict(want))
        if len(want.nodes) > LARGE_CLUSTER:
            result["invocation"] = {"module_args": summarized_arguments(params, want)}
        if module._diff:
            result["diff"] = plan["diff"]
        replaced = plan["changed"] and reconcile.replaced_staged(controller, want, params["state"], have, staged)
        if replaced:
            result["replaced_staged_id"] = replaced["id"]
            module.warn(replaced["warning"])
        if module.check_mode:
            return
        if plan["changed"]:
            outcome = reconcile.apply(controller, want, params["state"], params["force"])
            result.update(config_id=outcome["config_id"], nodes=outcome["nodes"], errors=outcome["errors"])
            if deployed:
                result["after"] = cluster.to_dict(reconcile.read_back(controller, want, outcome))
            if not outcome["success"]:
                raise TaskError("Deployed configuration %s, but not every node started: %s" % (
                    outcome["config_id"], "; ".join(reconcile.failed_nodes_summary(outcome))), "nodes_failed")
        if params["wait"] and deployed:
            wait_for_nodes(module, controller, want, result)


LARGE_CLUSTER = 100


def summarized_arguments(params, want):
    """The task's arguments with a large configuration replaced by its size."""
    shown = dict(params)
    summary = "(%d nodes, %d instances: not echoed)" % (len(want.nodes), len(want.instances))
    for key in ("config", "content"):
        if shown.get(key) is not None:
            shown[key] = summary
    if shown.get("client_key_passphrase"):
        shown["client_key_passphrase"] = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    return shown


def finish_preflight(module, want, result, connected=None):
    """Validation, lint and (with the controller's answer) unconnected instances; PreflightError, or the
    warnings shown."""
    result["lint_warnings"].extend(
        reconcile.preflight(want, module.params["lint"], module.params["controller_broker_port"], connected))
    for warning in result["lint_warnings"]:
        module.warn(warning)


def wait_for_nodes(module, controller, want, result):
    names = [node.name for node in want.nodes]
    ok, nodes, waited = wait_until_running(controller, names, module.params["wait_timeout"],
                                           module.params["wait_sleep"])
    result["wait_duration"] = round(waited, 3)
    if not ok:
        table = not_running_table(names, nodes, stderr=reconcile.last_stderr_lines(result.get("nodes")))
        raise TaskError("Timed out after %s waiting for the cluster nodes to run: %s" % (
            seconds(module.params["wait_timeout"]), "; ".join(table)), "wait_timeout")


def preflight_message(err):
    count = len(err.errors)
    return "The cluster configuration has %d problem%s; nothing was sent to the controller: %s" % (
        count, "" if count == 1 else "s", "; ".join(err.errors))


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("config", "src", "content")],
        required_one_of=[("config", "src", "content")],
        supports_check_mode=True,
    )
    prepare(module, jsonschema=True)
    run(module)


if __name__ == "__main__":
    main()
