# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Zeek's generators will produce from a checked ``Cluster``: node names, roles,
cluster and metrics ports (zeek-cluster-layout-generator.cc, ``-C <dir>`` mode; the
8.1/8.2 ``-L -P -W`` mode), and the unit files and worker drop-ins
(zeek-systemd-generator.cc, ``systemd_write_units``).

Private to the netsec.zeek collection.
"""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf import keys as K
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.cpulist import cpu_at_index, parse_cpu_list
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import substitute

DROPIN = "10-zeek-systemd-generator.conf"


def counts(cluster, host):
    """(manager, loggers, proxies): 9.0 defaults 0; 8.1/8.2 always run a manager and default to 1."""
    if cluster.sectioned:
        return bool(host.get("manager", 0)), host.get("loggers", 0), host.get("proxies", 0)
    return True, host.get("loggers", 1), host.get("proxies", 1)


def workers_of(cluster, interface):
    return interface.get("workers", 0 if cluster.sectioned else 1)


def node_prefix(cluster, host):
    """PrefixedClusterNode: cluster_node_prefix, else the host name of <host>.zeek.conf (9.0)."""
    if not cluster.sectioned:
        return ""
    return host.get("cluster_node_prefix", host.name)


def _prefixed(prefix, name):
    return "%s-%s" % (prefix, name) if prefix else name


def archiver_enabled(cluster, host):
    manager, loggers, _proxies = counts(cluster, host)
    option = host.get("archiver")
    if cluster.sectioned:
        # parse_config: unset -> "1" where a manager or a logger runs.
        if option is None:
            return manager or loggers > 0
        return option != 0
    return option is None or option == 1


def host_nodes(cluster, host):
    """The host's nodes in layout order, with their ports, units and (workers) drop-in values."""
    manager, loggers, proxies = counts(cluster, host)
    prefix = node_prefix(cluster, host)
    port = [host.get("cluster_port", K.DEFAULT_CLUSTER_PORT)]
    metrics = [host.get("metrics_port", K.DEFAULT_METRICS_PORT)]

    def next_port():
        port[0] += 1
        return port[0] - 1

    def next_metrics():
        value = metrics[0]
        if value != 0:  # 0/tcp disables metrics: not incremented
            metrics[0] += 1
        return value

    nodes = []
    if manager:
        metrics_port = next_metrics()
        nodes.append(dict(name="manager", role="manager", unit="zeek-manager.service",
                          cluster_port=next_port(), metrics_port=metrics_port))
    for role, count in (("logger", loggers), ("proxy", proxies)):
        for index in range(1, count + 1):
            metrics_port = next_metrics()
            nodes.append(dict(name=_prefixed(prefix, "%s-%d" % (role, index)), role=role,
                              unit="zeek-%s@%d.service" % (role, index),
                              cluster_port=next_port(), metrics_port=metrics_port))
    host_worker_index = 0
    for interface in host.interfaces:
        cpus = parse_cpu_list(str(interface.get("workers_cpu_list", ""))) or []
        section = interface.name if cluster.sectioned else ""
        base = "worker-%s" % section if section else "worker"
        for index in range(1, workers_of(cluster, interface) + 1):
            host_worker_index += 1
            # The quirk: the CPU comes from the host-wide index (zeek-systemd-generator.cc,
            # iwc.AffinityFor(host_worker_index)); 8.1/8.2 have one interface, so both agree.
            cpu = cpu_at_index(cpus, host_worker_index)
            variables = {"worker_index": str(index), "worker_index0": str(index - 1)}
            if cluster.sectioned:
                variables.update(host_worker_index=str(host_worker_index),
                                 host_worker_index0=str(host_worker_index - 1))
                if cpu:
                    variables["worker_cpu"] = cpu
                if section:
                    variables["interface_section_name"] = section
            else:
                variables["worker_cpu"] = cpu
            nodes.append(dict(
                name=_prefixed(prefix, "%s-%d" % (base, index)), role="worker",
                unit="zeek-%s@%d.service" % (base, index), cluster_port=None, metrics_port=next_metrics(),
                interface_section=section or None,
                interface=substitute(str(interface.get("interface", "")), variables),
                cpu_affinity=cpu or None, host_worker_index=host_worker_index,
                env=[(name, substitute(value, variables)) for name, value
                     in list(host.get("env", [])) + list(interface.get("worker_env", []))]))
    return nodes


def cluster_nodes(cluster):
    """{host name: host_nodes}."""
    return dict((host.name, host_nodes(cluster, host)) for host in cluster.hosts)


def public_nodes(nodes):
    """host_nodes without the internal drop-in environment (what the module returns)."""
    return [dict((k, v) for k, v in node.items() if k != "env") for node in nodes]


def host_units(cluster, host):
    """The relative paths the generator writes for ``host``: units, drop-ins and links, sorted."""
    manager, loggers, proxies = counts(cluster, host)
    nodes = host_nodes(cluster, host)
    workers = [n for n in nodes if n["role"] == "worker"]
    paths = {"zeek.target", "zeek-setup.service", "zeek.target.wants/zeek-setup.service"}
    if cluster.sectioned:
        paths.add("multi-user.target.wants/zeek.target")
        if manager:
            paths.update(("zeek-manager.service", "zeek.target.wants/zeek-manager.service"))
        if loggers > 0:
            paths.add("zeek-logger@.service")
        if proxies > 0:
            paths.add("zeek-proxy@.service")
        if workers:
            # A template per interface section, also for a section with 0 workers.
            for interface in host.interfaces:
                paths.add("zeek-worker-%s@.service" % interface.name)
    else:
        paths.update(("zeek-manager.service", "zeek.target.wants/zeek-manager.service",
                      "zeek-logger@.service", "zeek-proxy@.service", "zeek-worker@.service"))
    for node in nodes:
        if node["role"] in ("logger", "proxy", "worker"):
            paths.add("zeek.target.wants/" + node["unit"])
        if node["role"] == "worker":
            paths.add("%s.d/%s" % (node["unit"], DROPIN))
    if archiver_enabled(cluster, host):
        paths.update(("zeek-archiver.service", "zeek.target.wants/zeek-archiver.service"))
    return sorted(paths)


def dropin_settings(node):
    """What a worker's drop-in sets: Environment INTERFACE (and env), CPUAffinity."""
    settings = {"Environment": ["INTERFACE=" + node["interface"]] + ["%s=%s" % pair for pair in node["env"]]}
    if node["cpu_affinity"]:
        settings["CPUAffinity"] = [node["cpu_affinity"]]
    return settings
