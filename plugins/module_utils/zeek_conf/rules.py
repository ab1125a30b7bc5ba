# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rules across keys, interfaces and hosts: what the generator refuses only when it
runs (template variables), what it accepts silently but breaks a cluster (two managers,
duplicate node names, port collisions) and what 8.1/8.2's section-less format cannot say.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf import keys as K
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.cpulist import parse_cpu_list
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import check_template
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.predict import counts, host_nodes


def cluster_rules(cluster, errors, warnings):
    if not cluster.hosts:
        return  # reported as "no host given"
    if cluster.sectioned:
        _rules_9(cluster, errors, warnings)
    else:
        _rules_8(cluster, errors)
        if len(cluster.hosts) > 1:
            return  # every 8.x host would be a manager on 127.0.0.1: one message says it all
    for host in cluster.hosts:
        _template_rules(cluster, host, errors)
    _manager_rules(cluster, errors)
    _name_and_port_rules(cluster, errors)


def _manager_rules(cluster, errors):
    managers = [h.name for h in cluster.hosts if counts(cluster, h)[0]]
    if len(managers) > 1:
        errors.append("hosts: too many manager nodes (%d): %s set manager = 1; a cluster has exactly one "
                      "manager (zeek-cluster-layout-generator stops with this error)"
                      % (len(managers), ", ".join(managers)))
    elif not managers:
        errors.append("hosts: no host has manager = 1; give exactly one host manager: 1 (its zeek keys), "
                      "without a manager no node has a cluster to join")


def _rules_8(cluster, errors):
    version = "%d.%d" % cluster.version
    if len(cluster.hosts) > 1:
        errors.append("hosts: Zeek %s's generator runs one host (a single zeek.conf); %d hosts need Zeek 9.0 "
                      "(set zeek_version) or one host" % (version, len(cluster.hosts)))
    for host in cluster.hosts:
        path = "hosts.%s" % host.name
        for key in sorted(host.zeek):
            spec = K.ZEEK_KEY[key]
            if key == "manager":
                if host.zeek[key] != 1:
                    errors.append("%s.zeek.manager: Zeek %s always runs the manager; manager: 0 cannot be "
                                  "expressed (leave it out)" % (path, version))
            elif not spec.in8:
                errors.append("%s.zeek.%s: Zeek %s's section-less zeek.conf has no %s (it would be ignored); "
                              "it needs Zeek 9.0" % (path, key, version, key))
        if not host.interfaces:
            # zeek-systemd-generator.cc (8.1/8.2): units are written only if config.IsEnabled(),
            # which is "interface is set": without one the generator silently writes nothing.
            errors.append("%s.interfaces: Zeek %s's generator writes no units at all without an interface "
                          "(not even the manager's); give one interface section (workers: 0 is allowed)"
                          % (path, version))
        if len(host.interfaces) > 1:
            errors.append("%s.interfaces: Zeek %s takes one interface; %d interface sections need Zeek 9.0"
                          % (path, version, len(host.interfaces)))
        for interface in host.interfaces:
            for key in sorted(interface.values):
                if not K.INTERFACE_KEY[key].in8:
                    errors.append("%s.interfaces.%s.%s: Zeek %s has no %s; it needs Zeek 9.0"
                                  % (path, interface.name, key, version, key))


def _rules_9(cluster, errors, warnings):
    multi = len(cluster.hosts) > 1
    for host in cluster.hosts:
        path = "hosts.%s.zeek" % host.name
        backend = host.get("cluster_backend_args", K.DEFAULT_BACKEND)
        if multi and backend == K.DEFAULT_BACKEND:
            warnings.append("%s.cluster_backend_args: %s listens on 127.0.0.1 only; a multi-host cluster needs "
                            "%s (set it in defaults)" % (path, K.DEFAULT_BACKEND, K.MULTI_HOST_BACKEND))
        if multi and "cluster_address" not in host.zeek:
            warnings.append("%s.cluster_address: not set, so every node resolves %r by DNS when it starts "
                            "(blocking_lookup_hostname); set the address to make the cluster independent of DNS"
                            % (path, host.name))
        if "cluster_layout" in host.zeek:
            warnings.append("%s.cluster_layout: the layout is copied from %s instead of generated; the node "
                            "names and ports returned are what the generator would have produced"
                            % (path, host.zeek["cluster_layout"]))


def _template_rules(cluster, host, errors):
    allowed_worker = K.WORKER_VARS_9 if cluster.sectioned else K.WORKER_VARS_8
    manager, loggers, proxies = counts(cluster, host)
    from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.predict import archiver_enabled
    non_workers = manager or loggers > 0 or proxies > 0 or archiver_enabled(cluster, host)
    for interface in host.interfaces:
        where = "hosts.%s.interfaces.%s" % (host.name, interface.name)
        allowed = list(allowed_worker)
        cpus = parse_cpu_list(str(interface.get("workers_cpu_list", ""))) or []
        if cluster.sectioned and not cpus:
            allowed.remove("worker_cpu")  # set only when the worker has a CPU
        why = "known: %s%s" % (", ".join(allowed), "; worker_cpu needs workers_cpu_list"
                               if "worker_cpu" not in allowed else "")
        if "interface" in interface.values:
            check_template(where + ".interface", interface.values["interface"], allowed, errors, why)
        for name, value in interface.get("worker_env", []):
            check_template("%s.worker_env.%s" % (where, name), value, allowed, errors, why)
        for name, value in host.get("env", []):
            check_template("hosts.%s.zeek.env.%s" % (host.name, name), value, allowed, errors, why)
    # env also goes to the manager, logger, proxy and archiver units, which have no variables.
    role_env = [("env", host.get("env", []))] if non_workers else []
    role_env += [(role + "_env", host.get(role + "_env", [])) for role in K.ROLES]
    for key, pairs in role_env:
        for name, value in pairs:
            check_template("hosts.%s.zeek.%s.%s" % (host.name, key, name), value, [], errors,
                           "only worker units have template variables; write \\${ for a literal ${")


def _name_and_port_rules(cluster, errors):
    seen_names = {}
    seen_ports = {}
    for host in cluster.hosts:
        nodes = host_nodes(cluster, host)
        address = host.get("cluster_address", "127.0.0.1" if not cluster.sectioned else None)
        for node in nodes:
            other = seen_names.get(node["name"])
            # Two managers are reported once, by _manager_rules.
            if other is not None and other != host.name and node["role"] != "manager":
                errors.append("hosts.%s: node %s is also a node of host %s; node names must be unique "
                              "(check cluster_node_prefix)" % (host.name, node["name"], other))
            seen_names.setdefault(node["name"], host.name)
            for field in ("cluster_port", "metrics_port"):
                port = node[field]
                if port is None or (field == "metrics_port" and port == 0):
                    continue
                if port > 65535:
                    errors.append("hosts.%s.zeek.%s: node %s would get port %d, above 65535; lower %s"
                                  % (host.name, field, node["name"], port, field))
                    continue
                key = (address or "host:" + host.name, port)
                if key in seen_ports:
                    errors.append("hosts.%s: node %s's %s %d on %s collides with %s; move cluster_port or "
                                  "metrics_port" % (host.name, node["name"], field, port,
                                                    address or host.name, seen_ports[key]))
                else:
                    seen_ports[key] = "%s of %s" % (field, node["name"])
