# -*- coding: utf-8 -*-
"""The converters: zeekctl node.cfg and Management Framework configurations -> descriptions.
The strongest check runs the real generator on the converted cluster: every old worker gets
the CPU it was pinned to, every port that is said to be kept is the generator's."""

import os
import subprocess

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils.cluster import from_dict as cluster_from_dict
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import from_ini as cluster_from_ini
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.migrate import (
    MigrationError, host_name_for, mgmt_to_description, parse_node_cfg, zeekctl_to_description)
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import from_dict
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.render import render

NODE_CFG = """
[manager]
type=manager
host=10.0.0.1

[logger-1]
type=logger
host=10.0.0.1
env_vars=LOGGER_X=1

[proxy-1]
type=proxy
host=10.0.0.1

[worker-a]
type=worker
host=10.0.0.2
interface=eth1
lb_method=af_packet
lb_procs=3
pin_cpus=2,3

[worker-b]
type=worker
host=10.0.0.2
interface=eth0
lb_method=custom
lb_procs=2
pin_cpus=8,9
aux_scripts=extra.zeek
env_vars=A=1, B=2

[worker-c]
type=worker
host=10.0.0.2
interface=eth2
lb_method=interfaces
lb_procs=2
lb_interfaces=eth3,eth4
zone_id=eth0
"""
HOSTS = {"10.0.0.1": "mgr1", "10.0.0.2": "sensor1"}
# zeekctl's own assignment: pin_cpus repeated to lb_procs; lb_interfaces popped from the end.
ZEEKCTL_CPUS = {"worker-a-1": "2", "worker-a-2": "3", "worker-a-3": "2", "worker-b-1": "8", "worker-b-2": "9"}
ZEEKCTL_INTERFACES = {"worker-a-1": "af_packet::eth1", "worker-b-1": "eth0", "worker-c-1": "eth4",
                      "worker-c-2": "eth3"}


def _generated_dropins(tmp_path, gen9, result, host):
    cluster = from_dict(result["cluster"], "9.0")
    etc = tmp_path / "cluster"
    etc.mkdir()
    for fname, text in render(cluster).items():
        (etc / fname).write_text(text)
    units = tmp_path / "units"
    units.mkdir()
    subprocess.run([gen9["zeek-systemd-generator"], "--config", str(etc / (host + ".zeek.conf")), str(units)],
                   check=True)
    dropins = {}
    for entry in os.listdir(str(units)):
        if entry.endswith(".service.d"):
            text = (units / entry / "10-zeek-systemd-generator.conf").read_text()
            settings = dict(line.split("=", 1) for line in text.splitlines() if line.startswith("CPUAffinity="))
            env = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("Environment=")]
            dropins[entry[:-len(".d")]] = (settings.get("CPUAffinity"), env)
    return dropins


def test_zeekctl_workers_keep_their_cpus_and_interfaces_through_the_real_generator(tmp_path, gen9):
    result = zeekctl_to_description(NODE_CFG, host_names=HOSTS)
    assert result["errors"] == []
    dropins = _generated_dropins(tmp_path, gen9, result, "sensor1")
    # sensor1-worker-eth1-1 -> zeek-worker-eth1@1.service
    unit_of = {}
    for old, new in result["renamed"].items():
        if new.startswith("sensor1-worker-"):
            section, index = new[len("sensor1-worker-"):].rsplit("-", 1)
            unit_of[old] = "zeek-worker-%s@%s.service" % (section, index)
    for old, cpu in ZEEKCTL_CPUS.items():
        assert dropins[unit_of[old]][0] == cpu, old
    for old, interface in ZEEKCTL_INTERFACES.items():
        assert "INTERFACE=" + interface in dropins[unit_of[old]][1], old
    assert dropins[unit_of["worker-b-1"]][1][1:] == ["A=1", "B=2"]


def test_zeekctl_conversion_lists_what_is_lost():
    result = zeekctl_to_description(NODE_CFG, host_names=HOSTS)
    lost = dict(((e["node"], e["field"]), e) for e in result["lost"])
    assert lost[("worker-c", "zone_id")]["value"] == "eth0"
    assert lost[("logger-1", "name")]["reason"] == "the generator names nodes itself (mgr1-logger-1)"
    assert ("manager", "name") not in lost
    assert result["cluster"]["hosts"]["mgr1"]["zeek"] == {
        "cluster_address": "10.0.0.1", "manager": 1, "loggers": 1, "proxies": 1, "logger_env": {"LOGGER_X": "1"}}
    assert result["cluster"]["hosts"]["sensor1"]["interfaces"]["eth0"]["worker_args"] == "extra.zeek"
    assert result["cluster"]["defaults"] == {"cluster_backend_args": "misc/zeromq-multi-host-auto-setup"}


def test_zeekctl_host_names_without_a_mapping_are_errors_to_fix():
    result = zeekctl_to_description("[m]\ntype=manager\nhost=Mgr.Example.com\n")
    assert result["cluster"]["hosts"] == {"mgr": {"zeek": {"manager": 1}}}
    assert result["errors"] == []
    assert host_name_for("10.1.2.3") == "host-10-1-2-3" and host_name_for("127.0.0.1") == "localhost"


@pytest.mark.parametrize("text,message", [
    ("[m]\nhost=a\n", "no type given for node m"),
    ("[m]\ntype=boss\nhost=a\n", "unknown node type 'boss' given for node 'm'"),
    ("[m]\ntype=manager\n", "no host given for node 'm'"),
    ("[w]\ntype=worker\nhost=a\ninterface=e\n", "no manager defined in node config"),
    ("[m]\ntype=manager\nhost=a\n[w]\ntype=worker\nhost=a\ninterface=e\nlb_procs=2\nlb_method=custom\npin_cpus=x\n",
     "pin cpus list must contain only non-negative integers for node 'w'"),
    ("[m]\ntype=manager\nhost=a\nenv_vars=A\n", "missing '=' in env_vars option value: A"),
    ("no section\n", "node.cfg: File contains no section headers"),
    ("", "no nodes found in node config"),
])
def test_zeekctl_refusals_use_zeekctls_words(text, message):
    with pytest.raises(MigrationError) as info:
        zeekctl_to_description(text)
    assert message in str(info.value)


def test_node_cfg_is_parsed_like_zeekctl():
    nodes, ignored = parse_node_cfg("[W]\nTYPE=worker\nHost=h\nlb.procs=2\nbogus=1\n")
    assert nodes == [("W", {"type": "worker", "host": "h", "lb_procs": "2"})]
    assert ignored == [("W", "bogus", "1")]


MGMT = {
    "instances": [{"name": "agent-mgr1", "host": "127.0.0.1"}, {"name": "agent-sensor1", "host": "127.0.0.2"}],
    "nodes": [
        {"name": "manager", "instance": "agent-mgr1", "role": "manager", "port": 2200, "metrics_port": 9000},
        {"name": "logger-01", "instance": "agent-mgr1", "role": "logger", "port": 2201, "metrics_port": 9001},
        {"name": "proxy-01", "instance": "agent-mgr1", "role": "proxy", "port": 2300},
        {"name": "w-b", "instance": "agent-sensor1", "role": "worker", "interface": "eth1", "cpu_affinity": 5},
        {"name": "w-a", "instance": "agent-sensor1", "role": "worker", "interface": "eth1", "cpu_affinity": 4},
        {"name": "w-c", "instance": "agent-sensor1", "role": "worker", "interface": "eth0", "cpu_affinity": 7,
         "options": {"Site::x": "1"}, "scripts": ["a.zeek"]},
    ],
}


def test_mgmt_workers_keep_their_cpus_through_the_real_generator(tmp_path, gen9):
    result = mgmt_to_description(cluster_from_dict(MGMT))
    assert result["errors"] == []
    dropins = _generated_dropins(tmp_path, gen9, result, "sensor1")
    wanted = {"w-a": "4", "w-b": "5", "w-c": "7"}
    for old, cpu in wanted.items():
        section, index = result["renamed"][old][len("sensor1-worker-"):].rsplit("-", 1)
        assert dropins["zeek-worker-%s@%s.service" % (section, index)][0] == cpu, old


def test_mgmt_ports_kept_or_listed():
    result = mgmt_to_description(cluster_from_dict(MGMT))
    mgr = result["cluster"]["hosts"]["mgr1"]["zeek"]
    assert (mgr["cluster_port"], mgr["metrics_port"]) == (2200, 9000)
    lost = dict(((e["node"], e["field"]), e) for e in result["lost"])
    # proxy-01 asked for 2300; counting from 2200 gives it 2202.
    assert lost[("proxy-01", "port")]["value"] == 2300 and "gets 2202" in lost[("proxy-01", "port")]["reason"]
    assert ("manager", "port") not in lost and ("logger-01", "port") not in lost
    assert lost[("w-c", "options")]["value"] == {"Site::x": "1"}
    assert result["cluster"]["hosts"]["sensor1"]["interfaces"]["eth0"]["worker_args"] == "a.zeek"
    assert result["renamed"]["logger-01"] == "mgr1-logger-1"


def test_mgmt_from_ini_text():
    text = "[manager]\nrole = manager\n[worker-01]\nrole = worker\ninterface = lo\n"
    parsed, _warnings = cluster_from_ini(text, default_instance="agent-zeek1")
    result = mgmt_to_description(parsed)
    assert result["errors"] == []
    assert result["cluster"]["hosts"] == {"zeek1": {"zeek": {"manager": 1},
                                                    "interfaces": {"lo": {"interface": "lo", "workers": 1}}}}
    assert result["renamed"] == {"manager": "manager", "worker-01": "zeek1-worker-lo-1"}
