# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Waiting for cluster nodes to run, shared by cluster_config and node_restart.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

import time

WAIT_ARGS = dict(
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=120),
    wait_sleep=dict(type="float", default=1.0),
)


def flatten(nodes_answer):
    """get_nodes() answer -> {node name: status with its instance}, cluster nodes only."""
    nodes = {}
    for instance, table in nodes_answer["instances"].items():
        for name, status in table.items():
            if status.get("mgmt_role"):
                continue
            entry = dict(status, instance=instance)
            nodes[name] = entry
    return nodes


def wait_until_running(controller, names, timeout, sleep, pids_before=None, clock=time.monotonic,
                       pause=time.sleep):
    """Poll get_nodes until every named node is RUNNING (and, for nodes in
    ``pids_before``, runs with a different pid: restarted, not merely still up).

    Returns ``(ok, nodes, waited_seconds)``; ``nodes`` is the last table seen.
    """
    started = clock()
    names = sorted(set(names))
    pids_before = pids_before or {}
    while True:
        nodes = flatten(controller.get_nodes())
        pending = [n for n in names if not _running(nodes.get(n), pids_before.get(n))]
        if not pending:
            return True, nodes, clock() - started
        if clock() - started >= timeout:
            return False, nodes, clock() - started
        pause(sleep)


def _running(status, old_pid):
    if status is None or status.get("state") != "RUNNING":
        return False
    return old_pid is None or status.get("pid") != old_pid


def not_running_table(names, nodes, pids_before=None):
    """The nodes that are not (re)started yet, one line each, for a failure message."""
    pids_before = pids_before or {}
    lines = []
    for name in sorted(set(names)):
        status = nodes.get(name)
        if _running(status, pids_before.get(name)):
            continue
        if status is None:
            lines.append("%s: not reported by any agent" % name)
        elif status.get("state") != "RUNNING":
            lines.append("%s (%s): %s%s" % (name, status.get("instance"), status.get("state"),
                                            ", pid %s" % status["pid"] if status.get("pid") else ""))
        else:
            lines.append("%s (%s): RUNNING but not restarted (pid %s)" % (
                name, status.get("instance"), status.get("pid")))
    return lines
