# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netsec.zeek.option task: read, compare, publish, wait until applied.

Private to the netsec.zeek collection.

Values are read through the controller (``get_id_value``), compared with
runtime_options (pure), published through the cluster's WebSocket listener
(listener.py) and read back with the one polling loop (waiter.py) until every
node reports them, because Zeek answers nothing to an option change.
"""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    LISTENER,
    TaskError,
    controller_for,
    fail,
    listener_for,
    prepare,
)
from ansible_collections.netsec.zeek.plugins.module_utils.listener import SET_OPTION_EVENT
from ansible_collections.netsec.zeek.plugins.module_utils.runtime_options import (
    KNOWN_OPTIONS,
    OptionError,
    constant_error,
    differing_nodes,
    known_type_warning,
    plan,
)
from ansible_collections.netsec.zeek.plugins.module_utils.waiter import seconds, wait

REJECTION_HELP = (
    "Zeek did not apply the value: nothing answers an option change, so this is how a refusal shows. "
    "Zeek refuses it when the ID is not an option (the manager's reporter.log says \"ID '{name}' is not an "
    "option\"), or when the Broker type does not match the option's declared type (\"Incompatible type for set "
    "of ID '{name}': got broker data '...', need '...'\"): check type. Also check that the listener at {where} "
    "runs on the manager of this cluster, and that no change handler rewrites the value.")


def run_module(module):
    """The whole task; exits the module."""
    prepare(module)
    result = dict(changed=False, options=[], published=[])
    try:
        run(module, result)
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


def run(module, result):
    params = module.params
    wanted = entries(params)
    # Everything that can be checked without the cluster fails here, before any connection.
    for name, value, hint in wanted:
        message = constant_error(name)
        if message is not None:
            raise TaskError(message, "not_an_option")
        warning = known_type_warning(name, hint)
        if warning:
            module.warn(warning)
        if hint or name in KNOWN_OPTIONS:
            checked(plan, name, value, hint)

    with controller_for(module) as controller:
        plans = [checked(plan, name, value, hint, read_values(controller, name)) for name, value, hint in wanted]
        result["options"] = [dict(name=p.name, type=p.type_text, type_source=p.type_source, value=p.rendered,
                                  changed=p.changed, nodes_changed=p.differing, before=p.before())
                             for p in plans]
        changing = [p for p in plans if p.changed]
        result["changed"] = bool(changing)
        if module._diff:
            result["diff"] = dict(before=dict((p.name, p.before()) for p in plans),
                                  after=dict((p.name, p.after()) for p in plans))
        if not changing or module.check_mode:
            return
        # What was published changed the cluster; a listener that is down changed nothing.
        result["changed"] = False
        with listener_for(module) as listener:
            for current in changing:
                listener.set_option(current.name, current.typed, params["location"])
                result["published"].append(current.name)
                result["changed"] = True
            if params["wait"]:
                result["duration"] = wait_until_applied(params, controller, listener, changing)


def checked(function, *args):
    try:
        return function(*args)
    except OptionError as err:
        raise TaskError(str(err), "value")


def entries(params):
    """[(name, value, type hint)] from ``name``/``value``/``type`` or ``options``."""
    if params["options"] is not None:
        items = [(o["name"], o["value"], o.get("type")) for o in params["options"]]
    else:
        items = [(params["name"], params["value"], params["type"])]
    seen = set()
    out = []
    for name, value, hint in items:
        name = (name or "").strip()
        if not name:
            raise TaskError("every option needs a name, for example Site::local_nets", "argument")
        if name in seen:
            raise TaskError("option %s is given twice" % name, "argument")
        seen.add(name)
        if value is None:
            raise TaskError("option %s needs a value" % name, "argument")
        out.append((name, value, hint.strip() if hint else None))
    return out


def describe(errors):
    return "; ".join("%s: %s" % (e["source"] or "controller", e["error"]) for e in errors)


def read_values(controller, name):
    """{node: value} of option ``name``; TaskError when any node cannot say."""
    answer = controller.get_id_value(name)
    if answer["errors"]:
        unknown = sorted(e["source"] for e in answer["errors"] if e["error"] == "unknown id" and e["source"])
        extra = ""
        if unknown:
            extra = " Zeek does not know %s on %s: is the script that declares it loaded there?" % (
                name, ", ".join(unknown))
        raise TaskError("Reading %s from the cluster failed, so it cannot be compared or verified: %s.%s" % (
            name, describe(answer["errors"]), extra), "controller", errors=answer["errors"])
    if not answer["values"]:
        raise TaskError("No cluster node reported %s: is a cluster deployed?" % name, "controller")
    return answer["values"]


def wait_until_applied(params, controller, listener, plans):
    """Seconds until every node reports the new values; TaskError when refused or too slow."""
    pending = dict((p.name, p) for p in plans)
    latest = dict((p.name, dict(p.reported)) for p in plans)

    def poll():
        frames = listener.drain_errors()
        if frames:
            raise TaskError("The WebSocket listener %s refused the %s event: %s. It needs a cluster node that "
                            "declares Config::cluster_set_option, i.e. the manager of a cluster."
                            % (LISTENER.where(params), SET_OPTION_EVENT, "; ".join(frames)), "rejected")
        for name in sorted(pending):
            answer = controller.get_id_value(name)
            if answer["errors"]:
                continue  # a node restarting; retried until the deadline
            latest[name] = answer["values"]
            current = pending[name]
            if not differing_nodes(current.ztype, current.wanted, answer["values"]):
                del pending[name]
        return not pending, None

    ok, _value, elapsed = wait(poll, params["wait_timeout"], params["wait_sleep"])
    if ok:
        return elapsed
    problems, details = [], []
    for name in sorted(pending):
        current = pending[name]
        nodes = differing_nodes(current.ztype, current.wanted, latest[name])
        kept = [n for n in nodes if latest[name].get(n) == current.reported.get(n)]
        other = [n for n in nodes if n not in kept]
        text = "%s: %s kept the old value" % (name, ", ".join(kept)) if kept else "%s:" % name
        if other:
            text += "%s %s report%s another value than the one sent" % (
                ";" if kept else "", ", ".join(other), "s" if len(other) == 1 else "")
        problems.append(text)
        details.append({"name": name, "nodes": nodes, "values": latest[name], "wanted": current.rendered})
    raise TaskError("After %s, not every node reports the new value (%s). %s" % (
        seconds(params["wait_timeout"]), "; ".join(problems),
        REJECTION_HELP.format(name=sorted(pending)[0], where=LISTENER.where(params))),
        "not_applied", not_applied=details)
