#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: option
short_description: Set Zeek runtime options cluster-wide, only when a node has another value
version_added: 0.1.0
description:
  - Sets one or more Zeek C(option) values in every node of the running cluster, the way
    C(Config::set_value) does on a manager, without a redeploy or restart.
  - Reads the current value from every node through the controller (C(get_id_value), as
    M(netsec.zeek.id_value_info) does) and compares it with the desired value. Only when a node differs,
    publishes C(Config::cluster_set_option(ID, val, location)) to the topic C(zeek/cluster/manager)
    over a WebSocket listener inside the cluster, usually on the manager. The manager applies the
    value, remembers it for nodes that join later, and sends it to every other node.
  - "Then waits until every node reports the new value. Zeek does not answer an option change, so a
    value that Zeek refuses (C(ID '...' is not an option), or C(Incompatible type for set of ID '...':
    got broker data '...', need '...') when the Broker type does not match) shows up as nodes that
    keep their old value; the task then fails and names them."
  - The Zeek type of each option decides the Broker value that is sent. It comes from I(type), else
    from a table of options declared in Zeek's own scripts, else from the value the nodes report
    (true/false, a port, interval text, a number with a fraction, plain text). Whole numbers (C(count)
    or C(int)), addresses and subnets, enums and containers need I(type) unless the option is in that
    table. A value that does not fit the type fails the task before anything is sent.
  - Check mode reads the values and predicts C(changed) but publishes nothing. With C(--diff) it shows
    each node's value before and after, as the nodes render it.
  - C(Log::default_rotation_interval) and other C(const ... &redef) identifiers are not options and
    cannot change at run time; the task fails for them. Change them with a site script and a redeploy.
author:
  - netsec.zeek maintainers (@netsec-zeek)
extends_documentation_fragment:
  - netsec.zeek.connection
  - netsec.zeek.websocket
  - netsec.zeek.attributes
  - netsec.zeek.attributes.actiongroup_controller_and_websocket
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - The fully qualified name of one option, for example C(Site::local_nets).
      - Use I(options) instead to set several at once.
    type: str
  value:
    description:
      - The desired value of I(name), in plain YAML. A C(set) or C(vector) is a list, a C(table) a
        mapping, a C(port) C(22/tcp), an C(interval) seconds or text such as C(30 secs) or C(1.5 hrs),
        an C(addr) or C(subnet) text.
      - Required with I(name).
    type: raw
  type:
    description:
      - The option's declared Zeek type, for example C(count), C(int), C(set[subnet]),
        C(vector of string) or C(table[string] of count).
      - Needed when the option is not in the module's table of Zeek's options and the value the nodes
        report does not tell the type (whole numbers, addresses, subnets, enums, containers).
    type: str
  options:
    description:
      - Several options, each with C(name), C(value) and optionally C(type), as for a single one.
      - They are read and compared together; only those that differ are published.
    type: list
    elements: dict
    suboptions:
      name:
        description: The fully qualified name of the option.
        type: str
        required: true
      value:
        description: The desired value.
        type: raw
        required: true
      type:
        description: The option's declared Zeek type.
        type: str
  location:
    description:
      - The C(location) argument of C(Config::cluster_set_option). Zeek writes it to C(config.log)
        next to the old and new value.
    type: str
    default: netsec.zeek.option
  wait:
    description:
      - Wait until every node reports the new value. When false the task publishes and returns, and a
        value Zeek refuses goes unnoticed.
      - Skipped in check mode.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for every node to report the new value. On timeout the task fails, names the
        nodes that kept another value and explains why Zeek refuses a value.
    type: float
    default: 30
  wait_sleep:
    description:
      - Seconds between two reads of the value while waiting.
    type: float
    default: 1
notes:
  - The task needs two connections, to the controller (to read values) and to a WebSocket listener in
    the cluster (to publish). The management framework does not start such a listener; load
    C(policy/frameworks/cluster/websocket/server) or a site script that calls
    C(Cluster::listen_websocket) on the manager, for example through the manager's C(scripts) in
    M(netsec.zeek.cluster_config). The controller's own WebSocket cannot carry the event.
  - Values set at run time last until the next deployment or restart of the cluster; put them in a
    site script as well to keep them.
seealso:
  - module: netsec.zeek.id_value_info
  - module: netsec.zeek.event
  - name: Zeek configuration framework
    description: Options, Config::set_value and config.log.
    link: https://docs.zeek.org/en/master/frameworks/configuration.html
"""

EXAMPLES = r"""
- name: Add a lab network to Site::local_nets on every node
  netsec.zeek.option:
    name: Site::local_nets
    value: [10.0.0.0/8, 192.168.0.0/16, 172.16.20.0/24]
  delegate_to: localhost

- name: Several options at once, with the type where the table of known options lacks it
  netsec.zeek.option:
    options:
      - name: Weird::sampling_threshold
        value: 50
      - name: X509::caching_required_encounters_interval
        value: 5 mins
      - name: MySite::scanner_ports
        type: set[port]
        value: [22/tcp, 3389/tcp]
    location: change-1234
    websocket_host: 127.0.0.1
    websocket_port: 27759

- name: Connection settings once for the play
  module_defaults:
    group/netsec.zeek.controller:
      controller_host: zeek-manager.example.org
    group/netsec.zeek.websocket:
      websocket_host: zeek-manager.example.org
      websocket_tls: true
  block:
    - name: Raise the notice suppression interval
      netsec.zeek.option:
        name: Notice::default_suppression_interval
        value: 2 hrs
"""

RETURN = r"""
changed:
  description: Whether any node had (or, in check mode, has) another value for any of the options.
  returned: always
  type: bool
options:
  description: One entry per option, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The option's name.
      type: str
      sample: Site::local_nets
    type:
      description: The Zeek type the value was converted to.
      type: str
      sample: set[subnet]
    type_source:
      description: Where the type came from, C(hint) (I(type)), C(known) (the table of Zeek's options) or
        C(reported) (the value the nodes reported).
      type: str
      sample: known
    value:
      description: The desired value as the nodes render it (Zeek's C(to_json)), sets sorted.
      type: raw
      sample: ["10.0.0.0/8", "192.168.0.0/16"]
    changed:
      description: Whether any node had another value.
      type: bool
    nodes_changed:
      description: The nodes that had another value, sorted.
      type: list
      elements: str
      sample: [logger, manager, worker-01]
    before:
      description: Each node's value before the task, as the node reported it (sets sorted).
      type: dict
      sample: {"manager": [], "worker-01": []}
published:
  description: The options for which C(Config::cluster_set_option) was published.
  returned: always
  type: list
  elements: str
  sample: [Site::local_nets]
duration:
  description: Seconds spent waiting for the nodes to report the new values.
  returned: when something was published and I(wait=true)
  type: float
  sample: 1.02
diff:
  description: Per option, each node's value before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {"Site::local_nets": {"manager": []}}
    after: {"Site::local_nets": {"manager": ["10.0.0.0/8"]}}
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import make_event
from ansible_collections.netsec.zeek.plugins.module_utils.common import (
    CLIENT_ERRORS,
    connection_argument_spec,
    controller_for,
    fail,
    require_libraries,
)
from ansible_collections.netsec.zeek.plugins.module_utils.runtime_options import (
    KNOWN_OPTIONS,
    OptionError,
    constant_error,
    differing_nodes,
    known_type_warning,
    plan,
)
from ansible_collections.netsec.zeek.plugins.module_utils.websocket_args import (
    TransportError,
    websocket_argument_spec,
    websocket_failure,
    websocket_session,
    websocket_where,
)

SET_OPTION_EVENT = "Config::cluster_set_option"
MANAGER_TOPIC = "zeek/cluster/manager"
REJECTION_HELP = (
    "Zeek did not apply the value: nothing answers an option change, so this is how a refusal shows. "
    "Zeek refuses it when the ID is not an option (the manager's reporter.log says \"ID '{name}' is not an "
    "option\"), or when the Broker type does not match the option's declared type (\"Incompatible type for set "
    "of ID '{name}': got broker data '...', need '...'\"): check type. Also check that the listener at {where} "
    "runs on the manager of this cluster, and that no change handler rewrites the value.")


def entries(module):
    params = module.params
    if params["options"] is not None:
        items = [(o["name"], o["value"], o.get("type")) for o in params["options"]]
    else:
        items = [(params["name"], params["value"], params["type"])]
    seen = set()
    out = []
    for name, value, hint in items:
        name = (name or "").strip()
        if not name:
            module.fail_json(msg="every option needs a name, for example Site::local_nets")
        if name in seen:
            module.fail_json(msg="option %s is given twice" % name)
        seen.add(name)
        if value is None:
            module.fail_json(msg="option %s needs a value" % name)
        out.append((name, value, hint.strip() if hint else None))
    return out


def describe(errors):
    return "; ".join("%s: %s" % (e["source"] or "controller", e["error"]) for e in errors)


def read_values(module, controller, name):
    answer = controller.get_id_value(name)
    if answer["errors"]:
        unknown = sorted(e["source"] for e in answer["errors"] if e["error"] == "unknown id" and e["source"])
        extra = ""
        if unknown:
            extra = " Zeek does not know %s on %s: is the script that declares it loaded there?" % (
                name, ", ".join(unknown))
        module.fail_json(msg="Reading %s from the cluster failed, so it cannot be compared or verified: %s.%s" % (
            name, describe(answer["errors"]), extra), errors=answer["errors"])
    if not answer["values"]:
        module.fail_json(msg="No cluster node reported %s: is a cluster deployed?" % name)
    return answer["values"]


def drain_errors(session):
    """Error frames the listener sent since the publish (Zeek >= 8.1 reports events it cannot create)."""
    try:
        session.receive_until(lambda message: False, timeout=0.05)
    except TransportError:
        pass  # a timeout (nothing more to read) or a closed listener: the values tell the rest
    return ["%s: %s" % (frame.code, frame.context) for frame in session.error_frames]


def wait_for_values(module, controller, session, plans):
    params = module.params
    deadline = time.monotonic() + params["wait_timeout"]
    started = time.monotonic()
    pending = dict((p.name, p) for p in plans)
    latest = dict((p.name, dict(p.reported)) for p in plans)
    while True:
        frames = drain_errors(session)
        if frames:
            module.fail_json(msg="The WebSocket listener %s refused the %s event: %s. It needs a cluster node that "
                             "declares Config::cluster_set_option, i.e. the manager of a cluster."
                             % (websocket_where(params), SET_OPTION_EVENT, "; ".join(frames)),
                             error_kind="rejected", published=sorted(pending))
        for name in sorted(pending):
            answer = controller.get_id_value(name)
            if answer["errors"]:
                continue  # a node restarting; retried until the deadline
            latest[name] = answer["values"]
            current = pending[name]
            if not differing_nodes(current.ztype, current.wanted, answer["values"]):
                del pending[name]
        if not pending:
            return round(time.monotonic() - started, 3)
        if time.monotonic() >= deadline:
            break
        time.sleep(max(0.0, min(params["wait_sleep"], deadline - time.monotonic())))
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
    module.fail_json(
        msg="After %ss, not every node reports the new value (%s). %s" % (
            params["wait_timeout"], "; ".join(problems),
            REJECTION_HELP.format(name=sorted(pending)[0], where=websocket_where(params))),
        error_kind="not_applied", not_applied=details, published=[p.name for p in plans])
    return None


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(**websocket_argument_spec(
            name=dict(type="str"),
            value=dict(type="raw"),
            type=dict(type="str"),
            options=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                value=dict(type="raw", required=True),
                type=dict(type="str"),
            )),
            location=dict(type="str", default="netsec.zeek.option"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="float", default=30.0),
            wait_sleep=dict(type="float", default=1.0),
        )),
        mutually_exclusive=[("name", "options"), ("value", "options"), ("type", "options")],
        required_one_of=[("name", "options")],
        required_by={"name": "value"},
        supports_check_mode=True,
    )
    require_libraries(module)
    wanted = entries(module)

    # Everything that can be checked without the cluster fails here, before any connection.
    for name, value, hint in wanted:
        message = constant_error(name)
        if message is not None:
            module.fail_json(msg=message, error_kind="not_an_option")
        warning = known_type_warning(name, hint)
        if warning:
            module.warn(warning)
        if hint or name in KNOWN_OPTIONS:
            try:
                plan(name, value, hint)
            except OptionError as err:
                module.fail_json(msg=str(err), error_kind="value")

    result = dict(changed=False, options=[], published=[])
    try:
        with controller_for(module) as controller:
            plans = []
            for name, value, hint in wanted:
                reported = read_values(module, controller, name)
                try:
                    plans.append(plan(name, value, hint, reported))
                except OptionError as err:
                    module.fail_json(msg=str(err), error_kind="value", **result)
            result["options"] = [dict(name=p.name, type=p.type_text, type_source=p.type_source, value=p.rendered,
                                      changed=p.changed, nodes_changed=p.differing, before=p.before())
                                 for p in plans]
            changing = [p for p in plans if p.changed]
            result["changed"] = bool(changing)
            if module._diff:
                result["diff"] = dict(before=dict((p.name, p.before()) for p in plans),
                                      after=dict((p.name, p.after()) for p in plans))
            if not changing or module.check_mode:
                module.exit_json(**result)
            try:
                session = websocket_session(module.params)
            except ValueError as err:
                module.fail_json(msg=str(err), **result)
            try:
                try:
                    session.connect()
                    for current in changing:
                        session.publish(MANAGER_TOPIC, make_event(SET_OPTION_EVENT, [
                            current.name, current.typed, module.params["location"]]))
                        result["published"].append(current.name)
                except TransportError as err:
                    module.fail_json(msg=websocket_failure(module.params, err), error_kind=err.kind, **result)
                if module.params["wait"]:
                    result["duration"] = wait_for_values(module, controller, session, changing)
            finally:
                session.close()
    except CLIENT_ERRORS as err:
        fail(module, err, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
