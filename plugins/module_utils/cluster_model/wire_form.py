# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wire form: the ``Management::Configuration`` record as broker_json
typed values, encoded and decoded as zeek-client does."""

from __future__ import annotations

import uuid

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    CONFIGURATION,
    BrokerJSONError,
)
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.model import (
    UNKNOWN_HOST,
    ClusterConfigError,
    Configuration,
    Instance,
    Node,
)


def to_wire(config, version=(8, 2)):
    """Configuration -> typed ``Management::Configuration`` Vector (broker_json),
    encoded as zeek-client does: state RUNNING, ``options`` and ``scripts``
    none unless given (an empty list is none),
    ``env`` always a table, unknown hosts ``0.0.0.0``, set elements sorted by
    name, 11-field nodes for Zeek >= 7 (``version``). A config without id gets
    a fresh random one (the controller redeploys only for a new id)."""
    instances = [{"name": i.name, "host": i.host or UNKNOWN_HOST, "listen_port": i.port}
                 for i in sorted(config.instances, key=lambda i: i.name)]
    nodes = []
    for node in sorted(config.nodes, key=lambda n: n.name):
        nodes.append({
            "name": node.name,
            "instance": node.instance,
            "role": "Supervisor::" + node.role,
            "state": "Management::RUNNING",
            "p": node.port,
            "scripts": node.scripts or None,
            "options": None if not node.options else [{"name": k, "value": v} for k, v in node.options],
            "interface": node.interface,
            "cpu_affinity": node.cpu_affinity,
            "env": dict(sorted(node.env.items())),
            "metrics_port": node.metrics_port,
        })
    plain = {"id": config.id or str(uuid.uuid4()), "instances": instances, "nodes": nodes}
    try:
        return CONFIGURATION.to_broker(plain, version=version)
    except BrokerJSONError as err:
        raise ClusterConfigError("cannot encode the configuration: %s" % err)


def from_wire(vector):
    """Typed ``Management::Configuration`` Vector (broker_json) -> Configuration.
    Node state is dropped; 10-field (Zeek <= 6) nodes are accepted."""
    try:
        plain = CONFIGURATION.from_broker(vector)
    except BrokerJSONError as err:
        raise ClusterConfigError("not a Management::Configuration record: %s" % err)
    instances = []
    for item in plain["instances"] or []:
        port = item.get("listen_port")
        instances.append(Instance(item["name"], item.get("host"), None if port is None else port.number))
    nodes = []
    for item in plain["nodes"] or []:
        port = item.get("p")
        metrics_port = item.get("metrics_port")
        cpu = item.get("cpu_affinity")
        nodes.append(Node(
            item["name"], item["instance"], item["role"].split("::")[-1],
            port=None if port is None else port.number,
            metrics_port=None if metrics_port is None else metrics_port.number,
            interface=item.get("interface"),
            cpu_affinity=None if cpu is None else int(cpu),
            scripts=item.get("scripts"),
            env=item.get("env"),
            options=item.get("options"),
        ))
    return Configuration(plain["id"], instances, nodes)
