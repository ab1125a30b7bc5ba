# -*- coding: utf-8 -*-
"""The zeek_conf model, renderer and prediction without the generator: exact texts, Zeek's
CPU list and template rules, defaults, aliases, warnings, every problem at once."""

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.cpulist import (
    cpu_at_index, cpu_set_text, parse_cpu_list)
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import (
    ZeekConfError, from_dict, parse_version, substitute, template_vars)
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.predict import cluster_nodes
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.render import render


@pytest.mark.parametrize("text,cpus", [
    ("", []), ("3", [3]), ("1,2,3,4", [1, 2, 3, 4]), ("1-4", [1, 2, 3, 4]), ("1-4:2", [1, 3]),
    ("2-3,8-9", [2, 3, 8, 9]), ("0-8:2,10-20:3", [0, 2, 4, 6, 8, 10, 13, 16, 19]), ("5,5", [5, 5]),
    ("-1", None), ("3-1", None), ("1-4:0", None), ("1--2", None), ("1,,2", None), ("a", None),
    ("3:2", None), ("1-2-3", None), (" 1", None), ("1-4:2:1", None),
])
def test_cpu_lists_parse_like_zeek(text, cpus):
    assert parse_cpu_list(text) == cpus


def test_cpu_index_wraps_and_sets_sort():
    assert [cpu_at_index([4, 5, 6], i) for i in (1, 3, 4, 7)] == ["4", "6", "4", "4"]
    assert cpu_at_index([], 1) == "" and cpu_set_text([5, 1, 5, 3]) == "1,3,5"


def test_templates_like_substitute_vars():
    assert template_vars("a${x}b${y}") == ["x", "y"] and template_vars("a${x") is None
    assert template_vars("\\${x}") == []
    assert substitute("af_packet::${n}-\\${k}", {"n": "eth0"}) == "af_packet::eth0-${k}"
    assert substitute("${nope}", {}) is None and substitute("${x", {"x": "1"}) is None


FLEET = {
    "defaults": {"cluster_backend_args": "misc/zeromq-multi-host-auto-setup", "loggers": 0},
    "hosts": {
        "sensor1": {"zeek": {"address": "10.0.0.2"},
                    "interfaces": {"eth1": {"interface": "eth1", "workers": 1},
                                   "eth0": {"interface": "af_packet::eth0", "workers": "2",
                                            "workers_cpu_list": [0, 1, 2], "workers_numa_policy": "local",
                                            "worker_env": {"B": "2", "A": "${host_worker_index}"}}}},
        "mgr1": {"zeek": {"manager": True, "loggers": 1, "cluster_address": "10.0.0.1", "args": ["local", "x"],
                          "manager_env": {"Z": 1}}},
    },
}


def test_render_is_exact_and_byte_stable():
    files = render(from_dict(FLEET))
    assert files == {
        "mgr1.zeek.conf": "# Managed by netsec.zeek.zeek_conf: cluster host mgr1. Changes here are overwritten.\n"
                          "[zeek]\nmanager = 1\nloggers = 1\n"
                          "cluster_backend_args = misc/zeromq-multi-host-auto-setup\n"
                          "cluster_address = 10.0.0.1\nargs = local x\nmanager_env =\n    Z=1\n",
        "sensor1.zeek.conf": "# Managed by netsec.zeek.zeek_conf: cluster host sensor1. Changes here are overwritten.\n"
                             "[zeek]\nloggers = 0\ncluster_backend_args = misc/zeromq-multi-host-auto-setup\n"
                             "cluster_address = 10.0.0.2\n\n"
                             "[interface eth0]\ninterface = af_packet::eth0\nworkers = 2\n"
                             "workers_cpu_list = 0,1,2\nworker_numa_policy = local\n"
                             "worker_env =\n    A=${host_worker_index}\n    B=2\n\n"
                             "[interface eth1]\ninterface = eth1\nworkers = 1\n",
    }
    reordered = {"hosts": dict(reversed(list(FLEET["hosts"].items()))), "defaults": FLEET["defaults"]}
    assert render(from_dict(reordered)) == files


def test_nodes_per_host():
    nodes = cluster_nodes(from_dict(FLEET))
    assert list(nodes) == ["mgr1", "sensor1"]
    assert [(n["name"], n["cluster_port"], n["metrics_port"]) for n in nodes["mgr1"]] == [
        ("manager", 27760, 9991), ("mgr1-logger-1", 27761, 9992)]
    assert [(n["name"], n["cpu_affinity"], n["metrics_port"], n["env"]) for n in nodes["sensor1"]] == [
        ("sensor1-worker-eth0-1", "0", 9991, [("A", "1"), ("B", "2")]),
        ("sensor1-worker-eth0-2", "1", 9992, [("A", "2"), ("B", "2")]),
        ("sensor1-worker-eth1-1", None, 9993, [])]


def test_zeek_82_renders_section_less_with_its_key_names():
    one = {"hosts": {"s": {"zeek": {"cluster_address": "127.0.0.1", "cluster_port": 28000, "archiver": 0},
                           "interfaces": {"eth0": {"interface": "eth0", "workers": 2,
                                                   "worker_numa_policy": "local"}}}}}
    assert render(from_dict(one, "8.2")) == {"zeek.conf": (
        "# Managed by netsec.zeek.zeek_conf: cluster host s. Changes here are overwritten.\n"
        "address = 127.0.0.1\nport = 28000\narchiver = 0\n"
        "interface = eth0\nworkers = 2\nworkers_numa_policy = local\n")}
    assert [n["name"] for n in cluster_nodes(from_dict(one, "8.1"))["s"]] == [
        "manager", "logger-1", "proxy-1", "worker-1", "worker-2"]


def test_warnings_for_what_zeek_accepts_but_users_regret():
    two = {"hosts": {"a": {"zeek": {"manager": 1, "cluster_layout": "/etc/zeek/layout.zeek"}}, "b": {}}}
    warnings = from_dict(two).warnings
    assert sum("a multi-host cluster needs misc/zeromq-multi-host-auto-setup" in w for w in warnings) == 2
    assert any("hosts.b.zeek.cluster_address: not set" in w for w in warnings)
    assert any("hosts.a.zeek.cluster_layout: the layout is copied" in w for w in warnings)


def test_every_problem_at_once_with_its_path():
    bad = {"defaults": {"loggers": "x"},
           "hosts": {"a.b": {"zeek": {"manager": 1, "user": "a\nb"},
                             "interfaces": {"E": {"interface": "e"}}},
                     "c": {"zeek": {"manager": 1, "metrics_port": -1}}}}
    with pytest.raises(ZeekConfError) as info:
        from_dict(bad)
    assert info.value.messages == [
        "defaults.loggers: invalid loggers value: 'x' (a whole number >= 0)",
        "hosts.a.b: the host name 'a.b' is not accepted by zeek-cluster-layout-generator, which reads only files "
        "named [a-z0-9][-a-z0-9_]*.zeek.conf and silently leaves the others out of the cluster (an FQDN or an "
        "upper-case name breaks it); use the host's short lower-case name, which is also what gethostname() must "
        "return there",
        "hosts.a.b.zeek.user: contains the control character '\\n'; values are copied verbatim into systemd unit "
        "files, where a newline starts a new directive (zeek/zeek#5817)",
        "hosts.a.b.interfaces.E: invalid interface name in 'interface E' (must match /interface [-_a-z0-9]+/)",
        "hosts.a.b.interfaces.E: found interface but no worker option in section 'interface E'",
        "hosts.c.zeek.metrics_port: -1 is not a TCP port 0-65535; 0 disables metrics (Zeek reads it with atoi(): "
        "anything else becomes 0)",
        "hosts: too many manager nodes (2): a.b, c set manager = 1; a cluster has exactly one manager "
        "(zeek-cluster-layout-generator stops with this error)",
    ]


@pytest.mark.parametrize("text,version", [("9.0.0-rc1", (9, 0)), ("8.1", (8, 1)), ("10.2.3", (10, 2))])
def test_versions(text, version):
    assert parse_version(text) == version


@pytest.mark.parametrize("text,message", [("8.0.4", "has no zeek-systemd-generator"),
                                          ("latest", "is not a Zeek version")])
def test_versions_refused(text, message):
    with pytest.raises(ZeekConfError) as info:
        parse_version(text)
    assert message in str(info.value)
