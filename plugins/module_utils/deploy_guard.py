# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What cluster_config checks so that a run never claims another client's result.

Private to the netsec.zeek collection.

The controller keeps one staged configuration and one pending deployment for
every client (``scripts/policy/frameworks/management/controller/main.zeek``,
Zeek 8.2.2: ``g_configs[STAGED]``/``[READY]`` and ``g_config_reqid_pending``).
Other clients can therefore stage or deploy between any two of our requests.
The checks here run before staging (instances the controller cannot reach,
someone else's staged work) and after deploying (what was deployed is what
this run staged).
"""

from __future__ import annotations

import re

from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.connection import TaskError

# docs/gitops.md ("One deployment at a time") promises these words; a unit test keeps them identical.
ANOTHER_CLIENT = "another client changed the controller"
NOTHING_DEPLOYED = "nothing was deployed by this run"

# main.zeek, deploy_request: with g_config_reqid_pending set the controller answers one failed
# Result, fmt("earlier deployment %s still pending", g_config_reqid_pending), and deploys nothing.
# The id is the pending deploy's request id, not a configuration id.
_PENDING_RE = re.compile(r"^earlier deployment (\S*) still pending$")

_SERIALISE = "serialise the jobs that change this controller (docs/gitops.md, \"One deployment at a time\")"


# -- before staging ---------------------------------------------------------------


def unconnected_instances(want, connected):
    """One problem per instance of ``want`` the controller cannot deploy to.

    ``connected`` is ``Controller.get_instances()``: the agents that have peered
    with the controller (main.zeek's get_instances_request answers with
    ``g_instances_known``). Deploying an instance that is not among them makes
    the controller drop the instances the configuration leaves out (their agents
    stop every node, deploy() -> drop_instance()) and then wait for an agent that
    never checks in (check_instances_ready()) until the request times out: a typo
    stops the running cluster. Instances with a port are left out: the controller
    connects to those agents itself (add_instance() -> Broker::peer), and they
    appear among the known ones only after a deployment named them.
    """
    names = sorted(i["name"] for i in connected)
    problems = []
    for instance in sorted(want.instances, key=lambda i: i.name):
        if instance.port is not None or instance.name in names:
            continue
        nodes = sorted(n.name for n in want.nodes if n.instance == instance.name)
        where = "no agent is connected" if not names else "connected: %s" % ", ".join(names)
        close = cluster.suggest(instance.name, names)
        problems.append(
            "instance %s%s is not connected to the controller (%s)%s: deploying it would stop the running "
            "nodes and wait for an agent that never checks in. Fix the instance name, or start its agent "
            "(Management::Agent::name %s) first" % (
                instance.name, " (nodes %s)" % ", ".join(nodes) if nodes else "", where,
                "; did you mean %s?" % close if close else "", instance.name))
    return problems


def replaced_staged_warning(want_id, want, staged, deployed):
    """A warning when staging ``want`` replaces someone else's staged work, else None.

    The controller keeps one STAGED configuration for every client
    (stage_configuration_request overwrites g_configs[STAGED] and [READY]).
    Staged work is someone else's when it is neither the deployed configuration
    (after a deploy STAGED and DEPLOYED share the id) nor this task's (the same
    id, or the same content under another id, e.g. a forced run).
    """
    if staged is None:
        return None
    if deployed is not None and staged.id == deployed.id:
        return None
    if staged.id == want_id or not cluster.differs(want, staged):
        return None
    return ("staging replaces the staged configuration %s, which is neither the deployed configuration (%s) nor "
            "this task's: another client's staged work is lost; if that was not intended, %s" % (
                staged.id, "none" if deployed is None else deployed.id, _SERIALISE))


# -- after deploying --------------------------------------------------------------


def check_deploy_answer(outcome, staged_id):
    """TaskError unless the controller deployed what this run staged.

    ``outcome`` is ``Controller.deploy()``'s answer before any fallback: its
    ``config_id`` is the id of the Result without node and instance that
    main.zeek appends once the deployment is done (``$data=config$id`` of the
    READY copy taken when *our* deploy_request arrived). Another id means
    another client staged between our stage and our deploy, and our deploy
    request deployed its configuration.
    """
    for error in outcome["errors"]:
        if _PENDING_RE.match(error):
            raise TaskError(
                "The controller refused to deploy: %s (another client's deployment is still waiting for its "
                "nodes), so %s. This run's configuration %s stays staged. Retry once the other deployment "
                "has finished, and %s." % (error, NOTHING_DEPLOYED, staged_id, _SERIALISE),
                "deployment_pending", retryable=True, staged_id=staged_id)
    deployed_id = outcome["config_id"]
    if deployed_id is not None and deployed_id != staged_id:
        raise TaskError(
            "This run staged configuration %s, but its deploy request deployed configuration %s: %s "
            "(it staged %s after this run staged %s). Nothing is rolled back: the controller runs %s. Re-run "
            "once the other client has finished if %s should win, and %s." % (
                staged_id, deployed_id, ANOTHER_CLIENT, deployed_id, staged_id, deployed_id, staged_id,
                _SERIALISE),
            "concurrent_change", retryable=False, staged_id=staged_id, controller_config_id=deployed_id,
            nodes=outcome["nodes"])


def check_read_back(want, deployed, staged=None):
    """TaskError unless ``deployed`` (read after our deploy) is this run's ``want``.

    ``staged`` is consulted as plan() does: Zeek 7.2-8.1 drop nodes with
    explicit metrics ports from the deployed copy, and the staged copy with the
    deployed id shows what was deployed.
    """
    if deployed is not None and deployed.id == want.id:
        if not cluster.differs(want, deployed):
            return
        if staged is not None and staged.id == want.id and not cluster.differs(want, staged):
            return
        other = "a different configuration under this run's id"
    else:
        other = "configuration %s" % ("none" if deployed is None else deployed.id)
    raise TaskError(
        "This run deployed configuration %s, but the controller's deployed configuration is now %s: %s after "
        "this run's deploy. Nothing is rolled back. Re-run once the other client has finished if %s should "
        "win, and %s." % (want.id, other, ANOTHER_CLIENT, want.id, _SERIALISE),
        "concurrent_change", retryable=False, staged_id=want.id,
        controller_config_id=None if deployed is None else deployed.id)
