# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Desired cluster configuration -> controller: get, compare, stage, deploy, re-get.

Private to the netsec.zeek collection.

The one rule: ``changed`` comes from comparing the normalised desired
configuration with what the controller holds, and the same comparison decides
in check mode and in a real run. A false ``changed`` would stage and deploy,
which restarts every node of the cluster.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, deploy_guard
from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import data_message, make_event, to_json
from ansible_collections.netsec.zeek.plugins.module_utils.controller import API, CONTROLLER_TOPIC, ControllerError

# Stands in for the instance of configurations that name none, until the
# controller says which agent that is.
_UNRESOLVED = "netsec.zeek:unresolved-default-instance"

NO_CONFIGURATION = ("no deployed configuration available", "no staged configuration available")

# The largest stage request Zeek's WebSocket servers take. Zeek <= 8.0 (Broker's server, on CAF)
# refuses a frame of INT32_MAX bytes or more, its header included (CAF's
# libcaf_net/caf/net/web_socket/framing.cpp, framing_impl::max_frame_size): our frames are text
# with a 14-byte header (64-bit length and mask), so the payload must stay below INT32_MAX - 14.
# Zeek >= 8.1 (IXWebSocket, src/cluster/websocket/auxil/IXWebSocket) sets no limit of its own
# (IXWebSocketTransport.cpp refuses only lengths above 2^63), so the older limit is the one to keep.
MAX_REQUEST_BYTES = 2 ** 31 - 1 - 14 - 1


class PreflightError(Exception):
    """The desired configuration is wrong; nothing was sent. ``errors`` lists every problem."""

    def __init__(self, errors, warnings=None):
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        super(PreflightError, self).__init__("; ".join(self.errors))


def desired(config=None, content=None, default_instance=None):
    """Parse the desired configuration from the dict form or ``.ini`` text.

    Returns ``(configuration, warnings)``. Nodes without an instance get
    ``default_instance``, or a placeholder that ``resolve_default_instance``
    replaces once the controller has named its only agent.
    """
    fallback = default_instance or _UNRESOLVED
    try:
        if content is not None:
            want, warnings = cluster.from_ini(content, default_instance=fallback)
        else:
            want, warnings = cluster.from_dict(config or {}, default_instance=fallback), []
    except cluster.ClusterConfigError as err:
        raise PreflightError(err.messages)
    return want, list(warnings)


def needs_default_instance(want):
    return any(n.instance == _UNRESOLVED for n in want.nodes)


def resolve_default_instance(want, instances):
    """Give nodes that name no instance the controller's only agent."""
    names = [i["name"] for i in instances]
    if len(names) != 1:
        raise PreflightError([
            "the nodes name no instance, and the controller has %s: set default_instance, or name the "
            "instance on every node" % ("no agent connected" if not names else
                                        "%d agents connected (%s)" % (len(names), ", ".join(names)))])
    for node in want.nodes:
        if node.instance == _UNRESOLVED:
            node.instance = names[0]
    for instance in want.instances:
        if instance.name == _UNRESOLVED:
            instance.name = names[0]


def preflight(want, lint="error", controller_broker_port=2150, connected=None):
    """The controller's own validation plus lint; raises PreflightError.

    ``lint``: ``error`` fails on every finding, ``warn`` fails only on lint
    errors and returns warnings, ``ignore`` skips lint. Returns the warnings.
    ``connected`` (the controller's get_instances) adds every instance the
    controller could not deploy to (deploy_guard.unconnected_instances).
    """
    errors = [] if connected is None else deploy_guard.unconnected_instances(want, connected)
    errors.extend(cluster.validate(want, controller_broker_port=controller_broker_port))
    warnings = []
    if lint != "ignore":
        for finding in cluster.lint(want):
            if finding.severity == "error" or lint == "error":
                errors.append(finding.message)
            else:
                warnings.append(finding.message)
    if errors:
        raise PreflightError(errors, warnings)
    return warnings


def config_id(want, force=False):
    """A content-derived id, so re-running an interrupted deploy of the same
    configuration lets agents that already run it skip the restart; a forced
    deploy gets a fresh id, because agents restart nodes only for a new id."""
    if force:
        return str(uuid.uuid4())
    canonical = cluster.normalize(want)
    canonical.id = "content"  # without an id to_wire would fill in a random one
    wire = json.dumps(to_json(cluster.to_wire(canonical)), sort_keys=True)
    return "netsec-" + hashlib.sha256(wire.encode("utf-8")).hexdigest()[:32]


def request_size(want):
    """Bytes of the stage request that would carry ``want``, as transport.Session sends it."""
    saved = want.id
    want.id = "x" * 39  # as long as config_id()'s ids; a forced deploy's uuid is shorter
    try:
        wire = cluster.to_wire(want)
    finally:
        want.id = saved
    event = make_event(API + "stage_configuration_request", [str(uuid.uuid4()), wire])
    return len(json.dumps(data_message(CONTROLLER_TOPIC, event), separators=(",", ":")).encode("utf-8"))


def check_request_size(want, limit=MAX_REQUEST_BYTES):
    """PreflightError when Zeek's WebSocket server would refuse the stage request; returns its size."""
    size = request_size(want)
    if size > limit:
        raise PreflightError(["the configuration takes %d bytes as a stage request, more than the %d bytes Zeek's "
                              "WebSocket server accepts in one message (Zeek <= 8.0 closes the connection); "
                              "split the cluster or leave out what the controller fills in (ports)" % (size, limit)])
    return size


def current(controller, deployed=True):
    """The controller's deployed (or staged) configuration, or None."""
    try:
        return cluster.from_wire(controller.get_configuration(deployed=deployed))
    except ControllerError as err:
        if str(err) in NO_CONFIGURATION:
            return None
        raise


def plan(want, have, state="deployed", force=False, staged=None):
    """What a run would do: ``{"changed", "changes", "diff"}``; pure.

    ``staged`` is the controller's staged configuration, consulted only for
    ``state=deployed`` when ``have`` (deployed) differs: STAGED is kept
    exactly as it was sent, and when its id is the deployed id the cluster
    was deployed from it. Matching it then means nothing needs doing, even
    where the controller's augmented deployed copy lost something (Zeek
    7.2-8.2 drop nodes with explicit metrics ports from it).
    """
    kind = "deployed" if state == "deployed" else "staged"
    comparison = cluster.compare(want, have, before_header="%s configuration (controller)" % kind,
                                 after_header="desired configuration")
    if (comparison["changed"] and state == "deployed" and staged is not None and have is not None
            and staged.id == have.id and not cluster.differs(want, staged)):
        comparison = cluster.compare(want, staged, before_header="deployed configuration (as staged)",
                                     after_header="desired configuration")
    comparison["changed"] = bool(force or have is None or comparison["changed"])
    return comparison


def needs_staged(want, have, state="deployed"):
    """Whether plan() should also see the staged configuration."""
    return state == "deployed" and have is not None and cluster.differs(want, have)


def apply(controller, want, state="deployed", force=False):
    """Stage (and for ``deployed`` deploy) ``want``; returns the deploy outcome or None."""
    want.id = config_id(want, force)
    staged_id = controller.stage_configuration(cluster.to_wire(want))
    if state != "deployed":
        return {"config_id": staged_id, "nodes": {}, "errors": [], "success": True}
    outcome = controller.deploy()
    deploy_guard.check_deploy_answer(outcome, staged_id)
    # Without the controller's id Result the deployment timed out and DEPLOYED was not updated.
    outcome["confirmed"] = outcome["config_id"] is not None
    if outcome["config_id"] is None:
        outcome["config_id"] = staged_id
    return outcome


def read_back(controller, want, outcome):
    """The deployed configuration after apply(), checked to be this run's when the controller
    confirmed the deploy (deploy_guard.check_read_back); ``want`` when there is none."""
    deployed = current(controller, deployed=True)
    if outcome["confirmed"]:
        staged = None
        if deployed is not None and deployed.id == want.id and cluster.differs(want, deployed):
            staged = current(controller, deployed=False)
        deploy_guard.check_read_back(want, deployed, staged)
    return deployed or want


def replaced_staged(controller, want, state="deployed", have=None, staged=None):
    """``{"id", "warning"}`` when staging ``want`` replaces another client's staged
    configuration, else None; reads the half plan() did not (STAGED or DEPLOYED)."""
    if state == "deployed":
        deployed = have
        staged = staged or current(controller, deployed=False)
    else:
        staged, deployed = have, None
        if staged is not None and staged.id != config_id(want) and cluster.differs(want, staged):
            deployed = current(controller, deployed=True)
    warning = deploy_guard.replaced_staged_warning(config_id(want), want, staged, deployed)
    return None if warning is None else {"id": staged.id, "warning": warning}


def last_stderr_lines(deployed_nodes):
    """Node name -> the last line of the stderr its deploy reported (the deploy result's ``nodes``),
    for nodes that reported any; empty when this run deployed nothing."""
    lines = {}
    for name, entry in (deployed_nodes or {}).items():
        stderr = (entry.get("stderr") or "").strip().splitlines()
        if stderr:
            lines[name] = stderr[-1]
    return lines


def failed_nodes_summary(outcome):
    """One line per failed node with the last line of its stderr, for the task message."""
    lines = []
    for name in sorted(outcome["nodes"]):
        entry = outcome["nodes"][name]
        if entry["success"]:
            continue
        stderr = last_stderr_lines({name: entry}).get(name)
        lines.append("%s on %s%s" % (name, entry.get("instance"),
                                     ": %s" % stderr if stderr else ": did not check in with its agent"))
    lines.extend(outcome["errors"])
    return lines
