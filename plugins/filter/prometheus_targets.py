# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""prometheus_targets: Prometheus file_sd target groups from nodes_info's node list.

Zeek's manager serves /services.json for the same purpose, but as one group with every
target and no labels (BuildClusterJson in src/telemetry/Manager.cc); users ask for the
node roles and instances as labels (zeek/zeek#3992, zeek/zeek#5586). Documentation:
prometheus_targets.yml beside this file.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

_LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_UNKNOWN_ADDRESS = "0.0.0.0"


def _fail(text):
    raise AnsibleFilterError("prometheus_targets: " + text)


def _nodes(value):
    if isinstance(value, Mapping):
        if "nodes" not in value:
            _fail("expects the result of netsec.zeek.nodes_info (or its nodes list); this mapping has no nodes key")
        value = value["nodes"]
    if not isinstance(value, (list, tuple)):
        _fail("expects the result of netsec.zeek.nodes_info or its nodes list, got %s" % type(value).__name__)
    for index, node in enumerate(value):
        if not isinstance(node, Mapping) or "name" not in node or "instance" not in node:
            _fail("nodes[%d] is not a node of nodes_info (it needs name and instance)" % index)
    return value


def _addresses(value):
    """instances_info's result, its instances list, or a mapping of instance name to address."""
    if isinstance(value, Mapping) and "instances" in value and isinstance(value["instances"], (list, tuple)):
        value = value["instances"]
    if isinstance(value, Mapping):
        return dict((str(k), None if v is None else str(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        addresses = {}
        for index, item in enumerate(value):
            if not isinstance(item, Mapping) or "name" not in item:
                _fail("instances[%d] is not an instance of instances_info (it needs name and host)" % index)
            addresses[str(item["name"])] = None if item.get("host") is None else str(item["host"])
        return addresses
    _fail("instances must be the result of netsec.zeek.instances_info, its instances list, or a mapping of "
          "instance name to address; got %s" % type(value).__name__)


def _target(address, port):
    try:
        if ipaddress.ip_address(address).version == 6:
            return "[%s]:%d" % (address, port)
    except ValueError:
        pass  # a host name
    return "%s:%d" % (address, port)


def prometheus_targets(nodes, instances, per_node=False, labels=None):
    """A list of {"targets": ["host:port", ...], "labels": {...}} for Prometheus file_sd_configs."""
    extra = dict(labels or {})
    for name in extra:
        if not isinstance(name, str) or not _LABEL_NAME_RE.match(name) or name.startswith("__"):
            _fail("labels: %r is not a Prometheus label name (letters, digits and _, not starting with a digit "
                  "or __)" % (name,))
    addresses = _addresses(instances)
    groups = {}
    for node in _nodes(nodes):
        port = node.get("metrics_port")
        if port is None:
            continue  # no metrics endpoint; Zeek's services.json leaves these out too
        instance = str(node["instance"])
        address = addresses.get(instance)
        if address in (None, "", _UNKNOWN_ADDRESS):
            _fail("instance %s has no known address: pass instances_info's result, or a mapping such as "
                  "{'%s': '192.0.2.10'}, as the instances argument" % (instance, instance))
        role = (node.get("cluster_role") or node.get("mgmt_role") or "none").lower()
        group_labels = dict((k, str(v)) for k, v in extra.items())
        group_labels.update(zeek_instance=instance, zeek_role=role)
        key = (instance, role)
        if per_node:
            group_labels["zeek_node"] = str(node["name"])
            key = (instance, role, str(node["name"]))
        group = groups.setdefault(key, {"targets": [], "labels": group_labels})
        group["targets"].append(_target(address, int(port)))
    return [dict(groups[key], targets=sorted(groups[key]["targets"])) for key in sorted(groups)]


class FilterModule(object):

    def filters(self):
        return {"prometheus_targets": prometheus_targets}
