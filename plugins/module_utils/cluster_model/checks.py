# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of a Configuration before anything is sent: ``validate``, the
controller's own ``config_validate()`` in its words and order, and ``lint``,
what the controller accepts silently but users get wrong (the severities
and their reasons: docs/cluster-model.md)."""

from __future__ import annotations

import re

from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.model import (
    PORTED_ROLES,
    Finding,
)


def validate(config, controller_broker_port=2150, auto_assign_broker_ports=True):
    """The errors the controller would answer ``stage_configuration`` with, in
    its words and its order (sorted by strcmp); an empty list when it would
    accept the configuration. ``controller_broker_port`` is the controller's
    Broker port (not its WebSocket port): a number, or text like ``2150/tcp``
    (the form of ``ZEEK_CONTROLLER_PORT``), or None when unknown (that check
    is then skipped)."""
    if isinstance(controller_broker_port, str):
        controller_broker_port = int(controller_broker_port.strip().split("/", 1)[0])
    # The record sets collapse identical records before the controller sees them.
    instances = _set_of(config.instances)
    nodes = _set_of(config.nodes)
    errors = []

    inst_names = set()
    reported = set()
    for inst in instances:
        if inst.name not in inst_names:
            inst_names.add(inst.name)
        elif inst.name not in reported:
            errors.append("multiple instances named '%s'" % inst.name)
            reported.add(inst.name)

    node_names = set()
    reported = set()
    for node in nodes:
        if node.name not in node_names:
            node_names.add(node.name)
        elif node.name not in reported:
            errors.append("multiple nodes named '%s'" % node.name)
            reported.add(node.name)

    both = inst_names & node_names
    if both:
        errors.append("node and instance names collide: %s" % ", ".join(_strcmp_sorted(both)))

    for node in nodes:
        if node.instance not in inst_names:
            errors.append("node '%s' has undeclared instance name '%s'" % (node.name, node.instance))

    agent_ports = {}
    for inst in instances:
        if inst.port is not None:
            agent_ports.setdefault(inst.name, set()).add(inst.port)
    used = {}
    reported = set()
    for node in nodes:
        if node.port is None:
            continue
        if node.port in agent_ports.get(node.instance, ()):
            errors.append("node '%s' port %d/tcp conflicts with agent port on instance '%s'"
                          % (node.name, node.port, node.instance))
        if node.port == controller_broker_port:
            errors.append("node '%s' port %d/tcp conflicts with controller port" % (node.name, node.port))
        ports = used.setdefault(node.instance, set())
        if node.port not in ports:
            ports.add(node.port)
        elif (node.instance, node.port) not in reported:
            errors.append("multiple nodes on instance '%s' using port %d/tcp" % (node.instance, node.port))
            reported.add((node.instance, node.port))

    if not auto_assign_broker_ports:
        lacking = [n.name for n in nodes if n.role in PORTED_ROLES and n.port is None]
        if lacking:
            errors.append("Broker port auto-assignment disabled but nodes %s lack ports"
                          % ", ".join(_strcmp_sorted(lacking)))
    return _strcmp_sorted(errors)


def _set_of(records):
    """``records`` without identical repeats (a Zeek set); only records that
    share a name can be identical, so only those pay for a full comparison."""
    names = set()
    repeated = False
    for record in records:
        if record.name in names:
            repeated = True
            break
        names.add(record.name)
    if not repeated:
        return list(records)
    return list(dict((r.key(), r) for r in records).values())


def _strcmp_sorted(texts):
    # strcmp compares bytes; UTF-8 byte order is code point order.
    return sorted(texts, key=lambda t: t.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------
# Lint
# ---------------------------------------------------------------------------

# An [instances] key: no delimiter, no comment or section start, no surrounding blanks.
_INI_KEY_RE = re.compile(r"^[^\s\[#;=:](?:[^\n\r=:]*[^\s=:])?$")
# A section name: no line break, no surrounding blanks.
_INI_SECTION_RE = re.compile(r"^\S(?:[^\n\r]*\S)?$")


def lint(config):
    """Problems the controller accepts silently (docs/cluster-model.md says
    which are errors and which warnings), sorted by node, field and message."""
    findings = []

    def add(severity, node, field, message):
        findings.append(Finding(severity, node, field, message))

    for check in (_lint_repeats, _lint_names, _lint_paths, _lint_instances, _lint_roles):
        check(config, add)
    _lint_ports(config, dict((i.name, i) for i in config.instances), add)
    findings.sort(key=lambda f: (f.node or "", f.field or "", f.message))
    return findings


def _lint_repeats(config, add):
    """Identical duplicates: the controller keeps one without a word."""
    for kind, records in (("node", config.nodes), ("instance", config.instances)):
        if len(_set_of(records)) == len(records):
            continue
        seen = set()
        for record in records:
            key = record.key()
            if key in seen:
                add("warning", record.name, "name", "%s '%s' is listed more than once with identical "
                    "settings; the controller keeps one: remove the repeats" % (kind, record.name))
            seen.add(key)


def _lint_names(config, add):
    """Names that differ only by case, and names zeek-client's .ini cannot carry."""
    by_lower = {}
    for node in config.nodes:
        by_lower.setdefault(node.name.lower(), set()).add(node.name)
        if node.name in ("instances", "DEFAULT") or not _INI_SECTION_RE.match(node.name):
            add("warning", node.name, "name", "node '%s': the name cannot be a zeek-client .ini section "
                "(not 'instances' or 'DEFAULT', no brackets, line breaks or surrounding blanks): rename it"
                % node.name)
    for names in by_lower.values():
        if len(names) > 1:
            ordered = _strcmp_sorted(names)
            for name in ordered:
                add("warning", name, "name", "node '%s': node names %s differ only by case; Zeek treats them "
                    "as different nodes but people (and case-insensitive file systems) do not: rename one"
                    % (name, " and ".join("'%s'" % n for n in ordered)))
    for inst in config.instances:
        for name in by_lower.get(inst.name.lower(), ()):
            if name != inst.name:
                add("warning", name, "name", "node '%s' and instance '%s' differ only by case: rename one"
                    % (name, inst.name))
        if inst.name != inst.name.lower():
            add("warning", inst.name, "name", "instance '%s': zeek-client .ini files lower-case instance "
                "names ('%s'), so this configuration does not survive a round trip through zeek-client: "
                "use a lower-case name" % (inst.name, inst.name.lower()))
        elif not _INI_KEY_RE.match(inst.name):
            add("warning", inst.name, "name", "instance '%s': the name cannot be written to a zeek-client "
                ".ini file (no '=', ':', leading '[', '#' or ';', or surrounding blanks): rename it"
                % inst.name)


def _lint_paths(config, add):
    """Names that are no single directory name. Zeek's agent runs each node in
    <state dir>/nodes/<node name> (policy/frameworks/management/agent/main.zeek,
    deploy_request_finish: build_path(statedir, nodename), then mkdir), so
    '../../etc/cron.d/x' would put a node's files outside its state dir."""
    for node in config.nodes:
        name = node.name
        if "/" in name or ".." in name or "\0" in name or name == ".":
            add("error", name, "name", "node %s: a node name cannot contain '/', '..' or NUL: Zeek's agent "
                "makes the name a directory under its state directory (<state dir>/nodes/<name>), which such "
                "a name escapes: rename the node" % _shown(name))


def _shown(name):
    return "'%s'" % name.replace("\0", "\\0")


def _lint_instances(config, add):
    nodes_on = set(node.instance for node in config.nodes)
    for inst in config.instances:
        if config.nodes and inst.name not in nodes_on:
            # Its agent answers a deployment once its pending nodes run; with none
            # pending it never answers (agent/main.zeek, deploy_request_finish
            # answers at once only when the whole configuration has no nodes).
            add("error", inst.name, "instance", "instance '%s' has no nodes: its agent never answers the "
                "deployment, which then times out: put a node on it or remove the instance" % inst.name)
        if inst.host is not None and inst.port is None:
            add("warning", inst.name, "host", "instance '%s' field 'host': %s is ignored without a port "
                "(the agent connects to the controller, which uses the address it sees): remove host, "
                "or add port: to have the controller connect to the agent" % (inst.name, inst.host))


def _lint_roles(config, add):
    """One manager; workers, and only workers, capture."""
    managers = [n.name for n in config.nodes if n.role == "MANAGER"]
    if config.nodes and not managers:
        add("warning", None, "role", "the configuration has nodes but no manager: add a node with role: manager")
    elif len(set(managers)) > 1:
        for name in _strcmp_sorted(set(managers)):
            add("warning", name, "role", "node '%s' field 'role': a Zeek cluster has one manager, this "
                "configuration has %d (%s): make the others proxies or loggers"
                % (name, len(set(managers)), ", ".join(_strcmp_sorted(set(managers)))))
    for node in config.nodes:
        if node.role == "WORKER" and not node.interface:
            add("warning", node.name, "interface", "node '%s' field 'interface': a worker without an "
                "interface sniffs nothing: set interface: to the capture interface on instance '%s'"
                % (node.name, node.instance))
        elif node.role != "WORKER" and node.interface:
            add("warning", node.name, "interface", "node '%s' field 'interface': a %s with an interface "
                "sniffs traffic on %s: remove interface (only workers should capture)"
                % (node.name, node.role.lower(), node.interface))


def _lint_ports(config, insts, add):
    """Port collisions on one host that the controller does not check."""
    def host_of(instance):
        inst = insts.get(instance)
        if inst is not None and inst.host is not None:
            return ("host", inst.host)
        return ("instance", instance)  # unknown address: only the instance itself is the same host

    uses = {}  # (host, port) -> [(kind, owner, instance)]
    for inst in config.instances:
        if inst.port is not None:
            uses.setdefault((host_of(inst.name), inst.port), []).append(("agent port", inst.name, inst.name))
    for node in _set_of(config.nodes):
        host = host_of(node.instance)
        if node.port is not None:
            uses.setdefault((host, node.port), []).append(("port", node.name, node.instance))
        if node.metrics_port is not None:
            uses.setdefault((host, node.metrics_port), []).append(("metrics_port", node.name, node.instance))
    for (host, number), users in uses.items():
        if len(users) < 2:
            continue
        where = "host %s" % host[1] if host[0] == "host" else "instance '%s'" % host[1]
        for index, (kind, owner, instance) in enumerate(users):
            others = users[:index] + users[index + 1:]
            for other_kind, other, other_instance in others:
                if kind == "agent port":
                    continue
                if kind == "port" and other_kind in ("port", "agent port") and instance == other_instance:
                    continue  # the controller reports these itself
                what = "the agent port of instance '%s'" % other if other_kind == "agent port" else \
                    "node '%s' (%s)" % (other, other_kind)
                add("error", owner, kind, "node '%s' field '%s': port %d is also used by %s on %s, so one "
                    "of them cannot bind it: choose another port%s"
                    % (owner, kind, number, what, where,
                       " or leave metrics_port unset for auto-assignment" if kind == "metrics_port" else ""))
                break
