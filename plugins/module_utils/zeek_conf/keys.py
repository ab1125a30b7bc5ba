# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every key of ``zeek.conf``: its kind, what Zeek calls it when invalid, and the
versions whose generator reads it.

Mirrors ``parse_config`` and ``InterfaceWorkerConfig::from_section`` in
tools/systemd-generator/src/zeek-cluster-config.cc (v9.0.0-rc1) and the
section-less ``parse_config`` of v8.1.0/v8.2.2. The order of each table is the
order keys are written in.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

ROLES = ("manager", "logger", "proxy", "archiver")

# kind: how a value is checked and written (model.py); message: Zeek's own error
# text for it ("%s" is the value), None where Zeek takes anything (atoi, verbatim).
# since9 / in8: whether 9.0's [zeek] section and 8.1/8.2's section-less file know it.


class Key(object):
    __slots__ = ("name", "kind", "message", "in9", "in8", "name8")

    def __init__(self, name, kind, message=None, in9=True, in8=True, name8=None):
        self.name = name
        self.kind = kind
        self.message = message
        self.in9 = in9
        self.in8 = in8
        self.name8 = name8 or name


def _zeek_keys():
    keys = [
        Key("manager", "flag", "invalid manager value: '%s'"),
        Key("loggers", "count", "invalid loggers value: '%s'"),
        Key("proxies", "count", "invalid proxies value: '%s'"),
        Key("user", "word"),
        Key("group", "word"),
        Key("restart_interval_sec", "seconds"),
        Key("base_dir", "path"),
        Key("path", "pathlist"),
        Key("ext_path", "pathlist"),
        Key("ext_zeek_path", "pathlist"),
        Key("cluster_backend_args", "words"),
        Key("cluster_address", "address", "invalid address '%s'", name8="address"),
        Key("cluster_port", "port", name8="port"),
        Key("metrics_port", "metrics_port"),
        Key("metrics_address", "address", in9=False),
        Key("cluster_layout", "path", in8=False),
        Key("cluster_node_prefix", "node_prefix",
            "invalid cluster_node_prefix '%s' (must be empty or match /[a-z0-9][-_a-z0-9]+/)", in8=False),
        Key("archiver", "archiver"),
        Key("args", "words"),
        Key("env", "env", "error in env: %s", in8=False),
    ]
    for role in ROLES:
        keys.extend([
            Key(role + "_args", "words", in8=(role == "archiver")),
            Key(role + "_env", "env",
                # Zeek's own message for archiver_env says proxy_env (zeek-cluster-config.cc).
                "error in %s_env: %%s" % ("proxy" if role == "archiver" else role), in8=False),
            Key(role + "_nice", "nice", "invalid %s_nice value '%%s'" % role, in8=(role != "archiver")),
            Key(role + "_memory_max", "memory", "invalid %s_memory_max '%%s'" % role,
                in8=(role != "archiver")),
            Key(role + "_cpu_set", "cpus", "invalid %s_cpu_set '%%s'" % role, in8=False),
        ])
    return keys


ZEEK_KEYS = _zeek_keys()
ZEEK_KEY = dict((key.name, key) for key in ZEEK_KEYS)

INTERFACE_KEYS = [
    Key("interface", "template"),
    Key("workers", "count", "invalid workers value: '%s'"),
    Key("workers_cpu_list", "cpus", "invalid workers_cpu_list value '%s'"),
    Key("worker_numa_policy", "numa", "invalid 'worker_numa_policy' value", name8="workers_numa_policy"),
    Key("worker_nice", "nice", "invalid worker_nice value '%s'"),
    Key("worker_memory_max", "memory", "invalid worker_memory_max '%s'"),
    Key("worker_args", "words", in8=False),
    Key("worker_env", "env", "error in worker_env: %s", in8=False),
]
INTERFACE_KEY = dict((key.name, key) for key in INTERFACE_KEYS)

# Names Zeek also accepts for a key (the model writes the first).
ALIASES = {"port": "cluster_port", "address": "cluster_address",
           "workers_numa_policy": "worker_numa_policy"}

# 9.0 defaults (zeek-cluster-config.h); 8.1/8.2 default loggers, proxies and workers to 1.
DEFAULT_CLUSTER_PORT = 27760
DEFAULT_METRICS_PORT = 9991
DEFAULT_BACKEND = "frameworks/cluster/backend/zeromq"
MULTI_HOST_BACKEND = "misc/zeromq-multi-host-auto-setup"

# Template variables of worker drop-ins (zeek-systemd-generator.cc, systemd_write_units).
WORKER_VARS_9 = ("worker_index", "worker_index0", "host_worker_index", "host_worker_index0",
                 "worker_cpu", "interface_section_name")
WORKER_VARS_8 = ("worker_index", "worker_index0", "worker_cpu")

# zeek-cluster-layout-generator.cc: only files matching this are part of the cluster.
HOST_NAME_PATTERN = r"[a-z0-9][-a-z0-9_]*"
# zeek-cluster-config.cc: "interface ([-_a-z0-9]+)$".
INTERFACE_NAME_PATTERN = r"[-_a-z0-9]+"
# zeek-cluster-config.cc checks cluster_node_prefix with "^[a-z0-0][-a-z0-9_]*" (sic: the
# first character may only be a-z or 0, although the message says [a-z0-9]).
NODE_PREFIX_PATTERN = r"[a-z0][-a-z0-9_]*"
