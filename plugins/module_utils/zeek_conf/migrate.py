# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Moving a cluster to the systemd generator: a zeekctl ``node.cfg`` or a Management
Framework configuration -> a description for ``model.from_dict``, and the precise list of
what the generator cannot express, with how to keep it.

Both converters return ``{"cluster": description, "lost": [...], "renamed": {old: new},
"errors": [...], "warnings": [...]}`` (``errors``: what the model refuses in the result, such
as a host name to fix with ``host_names``; ``warnings``: the model's warnings).
Each ``lost`` entry is ``{node, field, value, reason, keep}``. ``renamed`` maps every old
node name to the name the generator will give it (node names are not configurable there).

Pure functions, no I/O. Private to the netsec.zeek collection.
"""

from __future__ import annotations

import configparser
import ipaddress
import re

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf import keys as K
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import ZeekConfError, from_dict
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.predict import host_nodes

_HOST_RE = re.compile("^%s$" % K.HOST_NAME_PATTERN)
_BAD_SECTION_CHARS = re.compile(r"[^-_a-z0-9]+")
_ROLE_OF_TYPE = {"manager": "manager", "logger": "logger", "proxy": "proxy", "worker": "worker",
                 "standalone": "standalone"}
# zeekctl's node.cfg keys (ZeekControl/node.py, Node._keys, minus the ones it computes itself).
ZEEKCTL_KEYS = ("type", "host", "interface", "aux_scripts", "zeekbase", "ether", "zone_id", "lb_procs",
                "lb_method", "lb_interfaces", "pin_cpus", "env_vars")


class MigrationError(ValueError):
    """Input that the source tool itself would refuse."""


def _lost(lost, node, field, value, reason, keep):
    lost.append(dict(node=node, field=field, value=value, reason=reason, keep=keep))


def host_name_for(address, names=None):
    """A cluster host name for a node.cfg ``host`` / an instance: given in ``names``, else the
    short lower-case host name, else (an IP address) ``host-10-0-0-2``."""
    if names and address in names:
        return names[address]
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address.split(".")[0].lower()
    if ip.is_loopback:
        return "localhost"
    return "host-" + re.sub(r"[^0-9a-f]+", "-", ip.compressed.lower()).strip("-")


def _section_name(interface, taken):
    base = interface.split("::")[-1].lower()
    base = _BAD_SECTION_CHARS.sub("-", base).strip("-") or "if"
    name, number = base, 2
    while name in taken:
        name, number = "%s-%d" % (base, number), number + 1
    taken.add(name)
    return name


def _host_entry(hosts, name, address):
    entry = hosts.setdefault(name, {"zeek": {}, "interfaces": {}})
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
        entry["zeek"].setdefault("cluster_address", "[%s]" % ip.compressed if ip.version == 6 else ip.compressed)
    except ValueError:
        pass
    return entry


def _add_count(entry, key):
    entry["zeek"][key] = entry["zeek"].get(key, 0) + 1


def _pad_cpus(cpus, offset):
    """A workers_cpu_list that gives the section's workers ``cpus`` in order although the generator
    indexes the list by the host-wide worker number: ``offset`` workers come before this section,
    so ``offset`` fillers go first (zeek-systemd-generator.cc, AffinityFor(host_worker_index))."""
    return ",".join(str(c) for c in [cpus[0]] * offset + list(cpus))


def _role_setting(lost, per_role, target, key, node, field, value, keep):
    """Set a host-wide per-role key (manager_args, logger_env, a section's worker_env...) in
    ``target`` if every node it covers agrees; else the node's value is lost."""
    seen = per_role.setdefault((id(target), key), value)
    if seen != value:
        _lost(lost, node, field, value, "%s is one value for all these nodes; another node has %r" % (key, seen),
              keep)
        return
    if value:
        target[key] = value


def _add_worker(entry, interface, old_name, cpu, section_names):
    """One worker into the host's section for ``interface`` (made on first use)."""
    section = section_names.get(interface)
    if section is None:
        section = _section_name(interface, set(section_names.values()))
        section_names[interface] = section
        entry["interfaces"][section] = {"interface": interface, "_members": []}
    entry["interfaces"][section]["_members"].append((old_name, cpu))
    return entry["interfaces"][section]


def _order_workers(entry, renames, lost):
    """Sections are written in name order and the generator numbers workers host-wide in that
    order: count them, give each section a CPU list that yields each worker's own CPU, and map
    the old names to their new index."""
    offset = 0
    for name in sorted(entry["interfaces"]):
        values = entry["interfaces"][name]
        members = values.pop("_members")
        values["workers"] = len(members)
        cpus = [cpu for _old, cpu in members]
        if any(cpu is not None for cpu in cpus):
            if any(cpu is None for cpu in cpus):
                _lost(lost, "[interface %s]" % name, "cpu", cpus, "some workers of this interface have a CPU and "
                      "some not; the generator pins all or none", "give every worker a CPU (0 used for the others)")
            values["workers_cpu_list"] = _pad_cpus([c if c is not None else 0 for c in cpus], offset)
        for position, (old, _cpu) in enumerate(members):
            renames[old] = ("worker", offset + position)
        offset += len(members)
    entry["interfaces"] = dict((name, entry["interfaces"][name]) for name in sorted(entry["interfaces"]))


def _finish(description, renamed_from, lost, version, ports=None):
    """Check the result with the model and compute the generator's names for the old ones."""
    hosts = description["hosts"]
    if len(hosts) > 1:
        description.setdefault("defaults", {})["cluster_backend_args"] = K.MULTI_HOST_BACKEND
    for entry in hosts.values():
        if not entry["interfaces"]:
            del entry["interfaces"]
        for key in ("zeek",):
            if not entry[key]:
                del entry[key]
    try:
        cluster = from_dict(description, version)
    except ZeekConfError as err:
        # Still return the description: the caller sees both.
        return {"cluster": description, "lost": lost, "renamed": {}, "errors": err.messages, "warnings": []}
    renamed = {}
    for host in cluster.hosts:
        nodes = host_nodes(cluster, host)
        for old, (role, index) in sorted(renamed_from.get(host.name, {}).items()):
            same = [n for n in nodes if n["role"] == role]
            if index >= len(same):
                continue
            new = same[index]
            renamed[old] = new["name"]
            if old != new["name"]:
                _lost(lost, old, "name", old, "the generator names nodes itself (%s)" % new["name"],
                      "use the new name where scripts or dashboards name the node (see renamed)")
            port, metrics = (ports or {}).get(old, (None, None))
            if port is not None and port != new["cluster_port"]:
                _lost(lost, old, "port", port, "the generator counts cluster ports up from one start per host "
                      "(manager, loggers, proxies); %s gets %s" % (new["name"], new["cluster_port"]),
                      "cluster_layout (a hand-written layout file)")
            if metrics is not None and metrics != new["metrics_port"]:
                _lost(lost, old, "metrics_port", metrics, "the generator counts metrics ports up from one start per "
                      "host (manager, loggers, proxies, workers); %s gets %s" % (new["name"], new["metrics_port"]),
                      "cluster_layout (a hand-written layout file)")
    return {"cluster": description, "lost": lost, "renamed": renamed, "errors": [], "warnings": cluster.warnings}


# ---------------------------------------------------------------------------
# zeekctl node.cfg
# ---------------------------------------------------------------------------


def parse_node_cfg(text):
    """node.cfg as zeekctl reads it (config.py, _read_nodes): configparser with its default
    interpolation, keys lower-cased, '.' in keys read as '_'. -> [(name, {key: value})], ignored."""
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as err:
        raise MigrationError("node.cfg: %s" % err)
    nodes, ignored = [], []
    for section in parser.sections():
        values = {}
        try:
            items = parser.items(section)
        except configparser.Error as err:
            raise MigrationError("node.cfg [%s]: %s" % (section, err))
        for key, value in items:
            key = key.replace(".", "_")
            if key not in ZEEKCTL_KEYS:
                ignored.append((section, key, value))
                continue
            values[key] = value
        nodes.append((section, values))
    return nodes, ignored


def _zeekctl_cpus(text, numprocs, name):
    """zeekctl's _get_pin_cpu_list: comma-separated CPUs >= 0, repeated up to numprocs."""
    if not text:
        return []
    try:
        cpus = [int(x) for x in text.split(",")]
    except ValueError:
        raise MigrationError("pin cpus list must contain only non-negative integers for node '%s'" % name)
    if min(cpus) < 0:
        raise MigrationError("pin cpus list must contain only non-negative integers for node '%s'" % name)
    if numprocs > len(cpus):
        cpus = [cpus[i % len(cpus)] for i in range(numprocs)]
    return cpus


def _env_vars(text, name):
    env = {}
    for keyval in (text or "").split(",") if text else []:
        if "=" not in keyval:
            raise MigrationError("node '%s' config: missing '=' in env_vars option value: %s" % (name, keyval))
        key, value = keyval.split("=", 1)
        if not key.strip():
            raise MigrationError("node '%s' config: env_vars option value must contain at least one environment "
                                 "variable name: %s" % (name, keyval))
        env[key.strip()] = value.strip()
    return env


def zeekctl_to_description(text, host_names=None, version="9.0"):
    """A zeekctl node.cfg -> {cluster, lost, renamed, errors}."""
    nodes, ignored = parse_node_cfg(text)
    lost = []
    for section, key, value in ignored:
        _lost(lost, section, key, value, "zeekctl ignores this key too (unrecognized node config option)", "drop it")
    if not nodes:
        raise MigrationError("no nodes found in node config")
    hosts, per_role, renamed_from, taken = {}, {}, {}, {}
    for name, values in nodes:
        node_type = values.get("type", "").lower()
        if node_type not in _ROLE_OF_TYPE:
            raise MigrationError("unknown node type '%s' given for node '%s'" % (values.get("type", ""), name)
                                 if values.get("type") else "no type given for node %s" % name)
        if not values.get("host"):
            raise MigrationError("no host given for node '%s'" % name)
        hname = host_name_for(values["host"], host_names)
        entry = _host_entry(hosts, hname, values["host"])
        if not _HOST_RE.match(hname):
            _lost(lost, name, "host", values["host"], "%r is not a cluster host name the layout generator accepts"
                  % hname, "pass host_names={%r: '<its gethostname()>'}" % values["host"])
        for field in ("zeekbase", "ether", "zone_id"):
            if values.get(field):
                _lost(lost, name, field, values[field], "the systemd generator has no per-node %s" % field,
                      "zeekbase: the prefix of that host (base_dir); ether/zone_id: not supported")
        env = _env_vars(values.get("env_vars"), name)
        scripts = values.get("aux_scripts", "").strip()
        renames = renamed_from.setdefault(hname, {})
        if node_type in ("manager", "standalone"):
            entry["zeek"]["manager"] = 1
            renames[name] = ("manager", 0)
            _role_setting(lost, per_role, entry["zeek"], "manager_env", name, "env_vars", env,
                          "a drop-in for zeek-manager.service")
            if scripts:
                _role_setting(lost, per_role, entry["zeek"], "manager_args", name, "aux_scripts", scripts,
                              "manager_args")
        if node_type in ("logger", "proxy"):
            key = "loggers" if node_type == "logger" else "proxies"
            renames[name] = (node_type, entry["zeek"].get(key, 0))
            _add_count(entry, key)
            _role_setting(lost, per_role, entry["zeek"], node_type + "_env", name, "env_vars", env,
                          "a drop-in for zeek-%s@.service" % node_type)
            if scripts:
                _role_setting(lost, per_role, entry["zeek"], node_type + "_args", name, "aux_scripts", scripts,
                              node_type + "_args")
        if node_type == "standalone":
            _lost(lost, name, "type", "standalone", "the generator has no standalone node",
                  "the manager plus one worker on the interface (converted so)")
        if node_type in ("worker", "standalone"):
            numprocs = int(values["lb_procs"]) if values.get("lb_procs") else 1
            method = values.get("lb_method", "")
            interface = values.get("interface", "")
            cpus = _zeekctl_cpus(values.get("pin_cpus"), numprocs, name)
            section_names = taken.setdefault(hname, {})
            old_names = [name] if numprocs == 1 else ["%s-%d" % (name, i) for i in range(1, numprocs + 1)]
            if method == "interfaces":
                # zeekctl pops lb_interfaces from the end: the first process gets the last interface.
                ifaces = [i.strip() for i in values.get("lb_interfaces", "").split(",")]
                ifaces = list(reversed(ifaces))
            else:
                if method == "af_packet" and not interface.startswith("af_packet::"):
                    interface = "af_packet::" + interface  # zeekctl's zzz_af_packet plugin does this
                elif method in ("pf_ring", "myricom"):
                    _lost(lost, name, "lb_method", method, "zeekctl's %s plugin sets per-process environment "
                          "(cluster ids, ring names) the generator does not know" % method,
                          "worker_env with ${worker_index0} for the ids, and the interface as that packet source "
                          "names it")
                ifaces = [interface] * numprocs
            for index, old in enumerate(old_names):
                section = _add_worker(entry, ifaces[index], old, cpus[index] if cpus else None, section_names)
                if env:
                    _role_setting(lost, per_role, section, "worker_env", name, "env_vars", env,
                                  "a drop-in for that worker unit")
                if scripts:
                    _role_setting(lost, per_role, section, "worker_args", name, "aux_scripts", scripts,
                                  "worker_args")
    if "manager" not in [v.get("type", "").lower() for _n, v in nodes] and \
            "standalone" not in [v.get("type", "").lower() for _n, v in nodes]:
        raise MigrationError("no manager defined in node config")
    for hname, entry in hosts.items():
        _order_workers(entry, renamed_from.setdefault(hname, {}), lost)
    return _finish({"hosts": hosts}, renamed_from, lost, version)


# ---------------------------------------------------------------------------
# Management Framework
# ---------------------------------------------------------------------------


def mgmt_to_description(config, host_names=None, version="9.0"):
    """A cluster model ``Configuration`` (cluster.from_dict / from_ini) -> {cluster, lost, renamed, errors}.

    Instances become hosts (``agent-sensor1`` -> ``sensor1``; an instance's IP address becomes
    ``cluster_address``), nodes become counts and interface sections; explicit ports are kept when
    the generator's counting gives the same ones, else listed as lost."""
    lost = []
    hosts, per_role, renamed_from, taken = {}, {}, {}, {}
    instances = dict((inst.name, inst) for inst in config.instances)
    host_of = {}
    for node in sorted(config.nodes, key=lambda n: (n.instance or "", _rank(n.role), n.name)):
        inst = instances.get(node.instance)
        label = node.instance or "agent"
        if host_names and label in host_names:
            hname = host_names[label]
        else:
            hname = re.sub(r"^agent-", "", label).split(".")[0].lower()
        if not _HOST_RE.match(hname):
            _lost(lost, node.name, "instance", node.instance, "%r is not a cluster host name the layout generator "
                  "accepts" % hname, "pass host_names={%r: '<its gethostname()>'}" % label)
        entry = _host_entry(hosts, hname, inst.host if inst is not None and inst.host else "")
        host_of[node.name] = hname
        renames = renamed_from.setdefault(hname, {})
        role = node.role.lower()
        if role == "none":
            _lost(lost, node.name, "role", "NONE", "the generator runs no role-less nodes", "a separate service")
            continue
        if node.options:
            _lost(lost, node.name, "options", dict(node.options), "the generator sets no per-node options",
                  "a site script with redefs, loaded through %s_args" % ("worker" if role == "worker" else role))
        scripts = " ".join(node.scripts or [])
        env = dict(node.env or {})
        if role == "manager":
            entry["zeek"]["manager"] = 1
            renames[node.name] = ("manager", 0)
        elif role in ("logger", "proxy"):
            key = "loggers" if role == "logger" else "proxies"
            renames[node.name] = (role, entry["zeek"].get(key, 0))
            _add_count(entry, key)
        if role in ("manager", "logger", "proxy"):
            _role_setting(lost, per_role, entry["zeek"], role + "_env", node.name, "env", env,
                          "a drop-in for the %s unit" % role)
            if scripts:
                _role_setting(lost, per_role, entry["zeek"], role + "_args", node.name, "scripts", scripts,
                              role + "_args")
            continue
        # A worker: one interface section per (host, interface).
        iface = node.interface or ""
        if not iface:
            _lost(lost, node.name, "interface", None, "a worker without an interface sniffs nothing",
                  "give it an interface (converted with interface 'lo')")
            iface = "lo"
        section = _add_worker(entry, iface, node.name, node.cpu_affinity, taken.setdefault(hname, {}))
        if env:
            _role_setting(lost, per_role, section, "worker_env", node.name, "env", env,
                          "a drop-in for that worker unit")
        if scripts:
            _role_setting(lost, per_role, section, "worker_args", node.name, "scripts", scripts,
                          "worker_args")
    for hname, entry in hosts.items():
        _order_workers(entry, renamed_from.setdefault(hname, {}), lost)
    _keep_ports(config, hosts, host_of)
    ports = dict((n.name, (n.port, n.metrics_port)) for n in config.nodes)
    return _finish({"hosts": hosts}, renamed_from, lost, version, ports)


def _rank(role):
    return {"MANAGER": 0, "LOGGER": 1, "PROXY": 2, "WORKER": 3}.get(role, 4)


def _keep_ports(config, hosts, host_of):
    """Explicit ports: start each host's counting at its lowest one (_finish reports every node
    whose port the generator's counting does not reproduce)."""
    by_host = {}
    for node in config.nodes:
        if node.name in host_of:
            by_host.setdefault(host_of[node.name], []).append(node)
    for hname, nodes in by_host.items():
        ports = [n.port for n in nodes if n.role in ("MANAGER", "LOGGER", "PROXY") and n.port is not None]
        metrics = [n.metrics_port for n in nodes if n.metrics_port is not None]
        if ports:
            hosts[hname]["zeek"]["cluster_port"] = min(ports)
        if metrics:
            hosts[hname]["zeek"]["metrics_port"] = min(metrics)
