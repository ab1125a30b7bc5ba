"""Helpers shared by the test_cluster_* modules: zeek-client (1.5.0) as the referee.

No tests here; the module name only keeps it next to the tests that use it.
"""
import configparser
import io
import os
import socket

from zeekclient import types as zt

from ansible_collections.netsec.zeek.plugins.module_utils import cluster

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "cluster")
# What zeek-client fills in when no node names an instance.
HOST_INSTANCE = cluster.default_instance_name(socket.gethostname() or "localhost")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def zc_parse(text):
    """zeek-client's stage-config path: configparser, then from_config_parser."""
    cfp = configparser.ConfigParser(allow_no_value=True)
    cfp.read_string(text)
    return zt.Configuration.from_config_parser(cfp)


def zc_render(zc_config):
    """zeek-client's get-config .ini output."""
    buf = io.StringIO()
    zc_config.to_config_parser().write(buf)
    return buf.getvalue()


def to_zc(config):
    """Our Configuration as zeek-client objects."""
    out = zt.Configuration()
    out.id = config.id or "fixed-id"
    out.instances = [zt.Instance(i.name, i.host, i.port) for i in config.instances]
    out.nodes = [zt.Node(n.name, n.instance, zt.ClusterRole.lookup(n.role), port=n.port,
                         scripts=n.scripts,
                         options=[zt.Option(k, v) for k, v in n.options] if n.options else None,
                         interface=n.interface, cpu_affinity=n.cpu_affinity, env=dict(n.env),
                         metrics_port=n.metrics_port)
                 for n in config.nodes]
    return out


def from_zc(zc_config):
    """zeek-client objects as our Configuration."""
    return cluster.Configuration(
        zc_config.id,
        [cluster.Instance(i.name, i.host, None if i.port is None else int(i.port))
         for i in zc_config.instances],
        [cluster.Node(n.name, n.instance, n.role.name, port=n.port, metrics_port=n.metrics_port,
                      interface=n.interface, cpu_affinity=n.cpu_affinity, scripts=n.scripts,
                      env=n.env, options=[(o.name, o.value) for o in n.options] if n.options else None)
         for n in zc_config.nodes])


def zc_from_wire_json(text):
    """zeek-client's reading of a Management::Configuration in Broker JSON."""
    from zeekclient import brokertypes as zc_bt
    return zt.Configuration.from_brokertype(zc_bt.unserialize(text))
