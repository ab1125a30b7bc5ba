# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netsec.zeek.option task: read, compare, publish, wait until applied.

Private to the netsec.zeek collection.

Values are read through the controller (``get_id_value``) or, on a cluster without one,
through the cluster's WebSocket listener (``NetsecOptions::query``, answered by
roles/systemd_cluster/files/option_values.zeek); compared with runtime_options (pure)
against what each node will report (option_semantics: Zeek's change handlers that
transform a value); published through the listener (listener.py) and read back with the
one polling loop (waiter.py) until every node reports them, because Zeek answers nothing
to an option change.
"""

from __future__ import annotations

import contextlib

from ansible_collections.netsec.zeek.plugins.module_utils import option_semantics
from ansible_collections.netsec.zeek.plugins.module_utils.connection import (
    CLIENT_ERRORS,
    LISTENER,
    TaskError,
    controller_for,
    fail,
    listener_for,
    prepare,
)
from ansible_collections.netsec.zeek.plugins.module_utils.listener import (
    MANAGER_TOPIC,
    QUERY_EVENT,
    SET_OPTION_EVENT,
    ZEROMQ_MANAGER_TOPIC,
    reply_topic,
)
from ansible_collections.netsec.zeek.plugins.module_utils.runtime_options import (
    KNOWN_OPTIONS,
    OptionError,
    canonical_reported,
    constant_error,
    convert,
    known_type_warning,
    plan,
    render,
)
from ansible_collections.netsec.zeek.plugins.module_utils.waiter import seconds, wait

REJECTION_HELP = (
    "Zeek did not apply the value: nothing answers an option change, so this is how a refusal shows. "
    "Zeek refuses it when the ID is not an option (the manager's reporter.log says \"ID '{name}' is not an "
    "option\"), or when the Broker type does not match the option's declared type (\"Incompatible type for set "
    "of ID '{name}': got broker data '...', need '...'\"): check type. Also check that the listener at {where} "
    "runs on the manager of this cluster, and that no change handler rewrites the value.")
OPTION_VALUES_HELP = (
    "read_values_from=listener needs roles/systemd_cluster's option_values.zeek (zeek_systemd_cluster_option_values) "
    "loaded on every node and the WebSocket listener on the manager")


def run_module(module):
    """The whole task; exits the module."""
    prepare(module)
    result = dict(changed=False, options=[], published=[])
    try:
        run(module, result)
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


def manager_topic(params):
    """Cluster::manager_topic: as given, else the ZeroMQ backend's where no controller runs (Zeek 9)."""
    if params["manager_topic"]:
        return params["manager_topic"]
    return ZEROMQ_MANAGER_TOPIC if params["read_values_from"] == "listener" else MANAGER_TOPIC


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

    if params["read_values_from"] == "listener":
        # No controller at all: one listener session reads, publishes and reads back.
        topic = reply_topic()
        with listener_for(module, topics=[topic]) as listener:
            reader = ListenerReader(listener, topic, params["read_timeout"], params)
            reconcile(module, result, wanted, reader, contextlib.nullcontext(listener))
    else:
        with controller_for(module) as controller:
            reconcile(module, result, wanted, ControllerReader(controller), listener_for(module))


def reconcile(module, result, wanted, reader, publisher):
    """Read, compare, and (unless nothing differs or in check mode) publish and wait."""
    params = module.params
    current = reader.read([name for name, _value, _hint in wanted])
    plans = [checked(plan, name, value, hint, current[name]) for name, value, hint in wanted]
    for each in plans:
        expect(each, reader)
    result["options"] = [dict(name=p.name, type=p.type_text, type_source=p.type_source, value=p.rendered,
                              changed=p.changed, nodes_changed=p.differing, before=p.before(),
                              expected=p.expected_shown)
                         for p in plans]
    changing = [p for p in plans if p.changed]
    result["changed"] = bool(changing)
    if module._diff:
        result["diff"] = dict(before=dict((p.name, p.before()) for p in plans),
                              after=dict((p.name, p.expected_shown) for p in plans))
    if not changing or module.check_mode:
        return
    # What was published changed the cluster; a listener that is down changed nothing.
    result["changed"] = False
    with publisher as listener:
        for each in changing:
            listener.set_option(each.name, each.typed, params["location"], manager_topic(params))
            result["published"].append(each.name)
            result["changed"] = True
        if params["wait"]:
            result["duration"] = wait_until_applied(params, reader, listener, changing)


def expect(option, reader):
    """Give ``option`` what each node will report once set (``expected``) and the nodes that differ.

    Most options report the value set; for those whose change handler transforms it
    (option_semantics), the prediction from each node's context, read before any change.
    """
    nodes = sorted(option.reported)
    option.contexts = dict((node, {}) for node in nodes)
    if option_semantics.transforms(option.name):
        for key, values in reader.context(option.name).items():
            for node, value in values.items():
                option.contexts.setdefault(node, {})[key] = value
    option.expected = {}
    for node in nodes:
        try:
            option.expected[node] = option_semantics.predict(option.name, option.wanted, option.contexts[node])
        except ValueError as err:  # MissingContext too: a node that did not say
            raise TaskError("Cannot predict what %s will report on %s: %s. %s" % (
                option.name, node, err, option_semantics.EXPLANATIONS[option.name]), "value")
    option.differing = nodes_differing(option, option.reported)
    option.expected_shown = dict((node, shown(option, value)) for node, value in option.expected.items())


def nodes_differing(option, reported):
    """Sorted nodes whose reported value is not what setting ``option`` gives there."""
    out = []
    for node in sorted(reported):
        try:
            have = canonical_reported(option.ztype, reported[node])
        except (ValueError, TypeError):
            out.append(node)
            continue
        if node not in option.contexts or not option_semantics.already_set(
                option.name, option.wanted, have, option.contexts[node]):
            out.append(node)
    return out


def shown(option, canonical):
    """A canonical expected value as the nodes render it (sets sorted)."""
    if canonical == option.wanted:
        return option.rendered
    return render(option.ztype, convert(option.name, option.ztype, sorted(canonical)))


class ControllerReader(object):
    """Values through the controller's get_id_value (the Management Framework)."""

    def __init__(self, controller):
        self.controller = controller

    def read(self, names):
        return dict((name, read_values(self.controller, name)) for name in names)

    def context(self, name):
        return self.read(option_semantics.context_ids(name))

    def poll(self, names):
        """{name: {node: value}} for the names every node answered; the others are retried."""
        out = {}
        for name in names:
            answer = self.controller.get_id_value(name)
            if not answer["errors"]:
                out[name] = answer["values"]
        return out


class ListenerReader(object):
    """Values through NetsecOptions::query on the cluster's WebSocket listener (no controller)."""

    def __init__(self, listener, topic, timeout, params):
        self.listener = listener
        self.topic = topic
        self.timeout = timeout
        self.params = params

    def _answer(self, names):
        answer = self.listener.query_options(names, self.topic, self.timeout, manager_topic(self.params))
        if answer is None:
            message = "The WebSocket listener %s did not answer %s (published to %s) within %s: %s, and " \
                "manager_topic must be the cluster's Cluster::manager_topic." % (
                    LISTENER.where(self.params), QUERY_EVENT, manager_topic(self.params), seconds(self.timeout),
                    OPTION_VALUES_HELP)
            raise TaskError(message, "no_values", errors=self.listener.errors())
        return answer

    def read(self, names):
        answer = self._answer(names)
        if answer.missing:
            raise TaskError("Reading %s through the listener failed: %s did not answer in time, so the values "
                            "cannot be compared." % (", ".join(names), ", ".join(answer.missing)), "no_values")
        if not answer.values:
            raise TaskError("No cluster node reported %s: is the cluster running?" % ", ".join(names), "no_values")
        out = {}
        for name in names:
            lacking = sorted(node for node, values in answer.values.items() if name not in values)
            if name not in answer.types or lacking:
                raise TaskError("%s is not an option on %s (unknown there, or a constant): is the script that "
                                "declares it loaded?" % (name, ", ".join(lacking or sorted(answer.values))),
                                "no_values")
            out[name] = dict((node, values[name]) for node, values in answer.values.items())
        return out

    def context(self, name):
        # Constants are not answered; option_semantics infers the one it needs.
        options = self.read(option_semantics.option_context_ids(name))
        nodes = set().union(*[set(v) for v in options.values()])
        contexts = dict((k, dict(v)) for k, v in options.items())
        for node in nodes:
            completed = option_semantics.constants_inferred(dict((k, v[node]) for k, v in options.items()
                                                                 if node in v))
            for k, value in completed.items():
                contexts.setdefault(k, {})[node] = value
        return contexts

    def poll(self, names):
        answer = self.listener.query_options(names, self.topic, self.timeout, manager_topic(self.params))
        if answer is None or answer.missing:
            return {}
        return dict((name, dict((node, values[name]) for node, values in answer.values.items()))
                    for name in names if all(name in values for values in answer.values.values()))


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


def wait_until_applied(params, reader, listener, plans):
    """Seconds until every node reports the expected values; TaskError when refused or too slow."""
    pending = dict((p.name, p) for p in plans)
    latest = dict((p.name, dict(p.reported)) for p in plans)

    def poll():
        frames = listener.drain_errors()
        if frames:
            raise TaskError("The WebSocket listener %s refused the %s event: %s. It needs a cluster node that "
                            "declares Config::cluster_set_option, i.e. the manager of a cluster."
                            % (LISTENER.where(params), SET_OPTION_EVENT, "; ".join(frames)), "rejected")
        for name, values in reader.poll(sorted(pending)).items():
            latest[name] = values  # names with a node restarting are retried until the deadline
            if values and not nodes_differing(pending[name], values):
                del pending[name]
        return not pending, None

    ok, _value, elapsed = wait(poll, params["wait_timeout"], params["wait_sleep"])
    if ok:
        return elapsed
    problems, details = [], []
    for name in sorted(pending):
        current = pending[name]
        nodes = nodes_differing(current, latest[name])
        kept = [n for n in nodes if latest[name].get(n) == current.reported.get(n)]
        other = [n for n in nodes if n not in kept]
        text = "%s: %s kept the old value" % (name, ", ".join(kept)) if kept else "%s:" % name
        if other:
            text += "%s %s report%s another value than the one expected" % (
                ";" if kept else "", ", ".join(other), "s" if len(other) == 1 else "")
        problems.append(text)
        details.append({"name": name, "nodes": nodes, "values": latest[name], "wanted": current.rendered,
                        "expected": dict((n, current.expected_shown[n]) for n in nodes
                                         if n in current.expected_shown)})
    raise TaskError("After %s, not every node reports the new value (%s). %s" % (
        seconds(params["wait_timeout"]), "; ".join(problems),
        REJECTION_HELP.format(name=sorted(pending)[0], where=LISTENER.where(params))),
        "not_applied", not_applied=details)
