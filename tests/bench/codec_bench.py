"""Encode + decode of Configuration records: our codec vs zeek-client's.

Both sides do the same work on the same data: build the typed record from
Python objects, serialise to JSON text, parse the text, rebuild Python
objects.
"""
import json

from _support import SIZES, best_of, ms, print_table, sample_config
from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj
from zeekclient import brokertypes as zc_bt
from zeekclient import types as zc_types


def wire_fields(config):
    """The dict form uses the record's field names (listen_port, p)."""
    instances = [{"name": i["name"], "host": i.get("host"), "listen_port": i.get("port")}
                 for i in config["instances"]]
    return {"id": config["id"], "instances": instances, "nodes": config["nodes"]}


def ours(config):
    text = bj.dumps(bj.CONFIGURATION.to_broker(wire_fields(config)))
    return bj.CONFIGURATION.from_broker(bj.loads(text))


def zeek_client_objects(config):
    result = zc_types.Configuration()
    result.id = config["id"]
    for inst in config["instances"]:
        result.instances.append(zc_types.Instance(inst["name"], inst.get("host"), inst.get("port")))
    for node in config["nodes"]:
        result.nodes.append(zc_types.Node(
            node["name"], node["instance"], zc_types.ClusterRole.lookup(node["role"]),
            interface=node.get("interface"), cpu_affinity=node.get("cpu_affinity"),
            env=node.get("env"), scripts=node.get("scripts")))
    return result


def theirs(config):
    text = zeek_client_objects(config).to_brokertype().serialize()
    return zc_types.Configuration.from_brokertype(zc_bt.from_broker(json.loads(text)))


def run():
    rows = []
    for size in SIZES:
        config = sample_config(size)
        assert len(ours(config)["nodes"]) == size
        assert len(theirs(config).nodes) == size
        our_best, _median = best_of(lambda: ours(config))
        their_best, _their_median = best_of(lambda: theirs(config))
        rows.append((size, ms(our_best), ms(their_best), "%.1fx" % (their_best / our_best)))
    print_table("Codec: encode + decode of a Configuration (best of runs)",
                ("nodes", "netsec.zeek", "zeek-client 1.5.0", "speed-up"), rows)
    return rows
