# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one polling loop: nodes running, option values applied, reply events.

Private to the netsec.zeek collection.

``clock`` paces the polls and ``wait`` runs them; what a poll asks is the
caller's. ``wait_until_running`` is the poll of cluster_config and
node_restart. The ``wait``, ``wait_timeout`` and ``wait_sleep`` options are
built here, documented once in plugins/doc_fragments/wait.py.
"""

from __future__ import annotations

import time


def wait_argument_spec(wait=False, **extra):
    """The wait options plus ``extra``; ``wait`` is the module's default for waiting at all."""
    spec = dict(
        wait=dict(type="bool", default=wait),
        wait_timeout=dict(type="float", default=120.0),
        wait_sleep=dict(type="float", default=1.0),
    )
    spec.update(extra)
    return spec


def seconds(value):
    """A wait option's value for a message: 2 as 2s, 0.5 as 0.5s (the options are floats)."""
    return "%gs" % value


def clock(total, interval, monotonic=time.monotonic, pause=time.sleep):
    """Yield the seconds elapsed at each poll: one at once, then one every
    ``interval`` seconds, the last one at ``total`` (never a pause past it)."""
    start = monotonic()
    while True:
        elapsed = monotonic() - start
        yield elapsed
        remaining = total - (monotonic() - start)
        if remaining <= 0:
            return
        pause(min(interval, remaining))


def wait(poll, timeout, sleep, monotonic=time.monotonic, pause=time.sleep):
    """Call ``poll() -> (done, value)`` until it is done or ``timeout`` seconds passed.

    Returns ``(ok, value, elapsed)``: whether it got done, the last value the
    poll returned, and the seconds it took (rounded to milliseconds).
    """
    start = monotonic()
    value = None
    for _elapsed in clock(timeout, sleep, monotonic, pause):
        done, value = poll()
        if done:
            return True, value, round(monotonic() - start, 3)
    return False, value, round(monotonic() - start, 3)


# ---------------------------------------------------------------------------
# Cluster nodes running
# ---------------------------------------------------------------------------


def flatten(nodes_answer):
    """get_nodes() answer -> {node name: status with its instance}, cluster nodes only."""
    nodes = {}
    for instance, table in nodes_answer["instances"].items():
        for name, status in table.items():
            if status.get("mgmt_role"):
                continue
            nodes[name] = dict(status, instance=instance)
    return nodes


def wait_until_running(controller, names, timeout, sleep, pids_before=None, monotonic=time.monotonic,
                       pause=time.sleep):
    """Poll get_nodes until every named node is RUNNING (and, for nodes in
    ``pids_before``, runs with a different pid: restarted, not merely still up).

    Returns ``(ok, nodes, elapsed)``; ``nodes`` is the last table seen.
    """
    names = sorted(set(names))
    pids_before = pids_before or {}

    def poll():
        nodes = flatten(controller.get_nodes())
        return all(_running(nodes.get(n), pids_before.get(n)) for n in names), nodes

    return wait(poll, timeout, sleep, monotonic, pause)


def wait_for_agents(controller, want_names, connected, timeout, sleep, monotonic=time.monotonic, pause=time.sleep):
    """Poll get_instances until every agent named in ``want_names`` has checked in with the
    controller (an agent starting beside a fresh controller peers seconds later). Returns the
    last answer, so the caller's check then refuses only agents that never came."""
    missing = set(want_names) - set(i["name"] for i in connected)
    if not missing:
        return connected
    answer = {"instances": connected}

    def poll():
        answer["instances"] = controller.get_instances()
        return missing <= set(i["name"] for i in answer["instances"]), answer["instances"]

    wait(poll, timeout, sleep, monotonic, pause)
    return answer["instances"]


def _running(status, old_pid):
    if status is None or status.get("state") != "RUNNING":
        return False
    return old_pid is None or status.get("pid") != old_pid


def not_running_table(names, nodes, pids_before=None, stderr=None):
    """The nodes that are not (re)started yet, one line each, for a failure message; ``stderr``
    (node name -> the last line its deploy reported) keeps why a node failed in the message."""
    pids_before = pids_before or {}
    stderr = stderr or {}
    lines = []
    for name in sorted(set(names)):
        status = nodes.get(name)
        if _running(status, pids_before.get(name)):
            continue
        if status is None:
            lines.append("%s: not reported by any agent" % name)
        elif status.get("state") != "RUNNING":
            lines.append("%s (%s): %s%s%s" % (name, status.get("instance"), status.get("state"),
                                              ", pid %s" % status["pid"] if status.get("pid") else "",
                                              ", stderr: %s" % stderr[name] if stderr.get(name) else ""))
        else:
            lines.append("%s (%s): RUNNING but not restarted (pid %s)" % (
                name, status.get("instance"), status.get("pid")))
    return lines
