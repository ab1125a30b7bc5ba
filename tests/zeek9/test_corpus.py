# -*- coding: utf-8 -*-
"""The corpus against Zeek's real generators: what the model predicts (node names, roles,
cluster and metrics ports, unit files, worker drop-ins) is what zeek-systemd-generator and
zeek-cluster-layout-generator produce from the rendered files; the units pass
systemd-analyze verify; what the model refuses with Zeek's words, Zeek refuses with them too."""

import json
import os
import re
import subprocess

import pytest

from zeek9_corpus import INVALID, VALID, ZEEK_REFUSES
from zeek9_support import verify_units

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.generate import run_layout
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import ZeekConfError, from_dict
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.predict import (
    DROPIN, dropin_settings, host_nodes, host_units)
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.render import file_name, render

NODE_RE = re.compile(r'^\s*\["(?P<name>[^"]+)"\] = \[\$node_type=Cluster::(?P<type>\w+), \$ip=(?P<ip>[^,]+)'
                     r'(?:, \$p=(?P<p>\d+)/tcp)?(?:, \$manager="manager")?(?:, \$metrics_port=(?P<m>\d+)/tcp)?\],$')
HOST_RE = re.compile(r'^\s*\["(?P<name>[^"]+)"\] = \[\$ip=(?P<ip>.*)\],$')


def _description(raw, prefix):
    data = json.loads(json.dumps(raw).replace("@PREFIX@", prefix))
    # Stand-in executables for systemd-analyze: every case runs with base_dir = the stand-in prefix.
    data.setdefault("defaults", {}).setdefault("base_dir", prefix)
    return data


def _run(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)


def run_command(argv):
    """AnsibleModule.run_command's shape, for the generator helpers outside a module."""
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def _listing(directory):
    paths = []
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            full = os.path.join(root, name)
            if os.path.isfile(full) or os.path.islink(full):
                paths.append(os.path.relpath(full, directory))
    return sorted(paths)


def _unit_settings(text):
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def _layout_nodes(text):
    nodes, hosts, block = [], {}, None
    for line in text.splitlines():
        if line.startswith("redef Cluster::nodes"):
            block = "nodes"
        elif line.startswith("redef Cluster::hosts"):
            block = "hosts"
        elif line.startswith("}"):
            block = None
        elif block == "nodes":
            match = NODE_RE.match(line)
            assert match, "unexpected layout line %r" % line
            nodes.append((match.group("name"), match.group("type").lower(),
                          int(match.group("p")) if match.group("p") else None, int(match.group("m"))))
        elif block == "hosts":
            match = HOST_RE.match(line)
            assert match, "unexpected layout line %r" % line
            hosts[match.group("name")] = match.group("ip")
    return nodes, hosts


@pytest.mark.parametrize("name", sorted(VALID))
def test_generators_produce_what_the_model_predicts(name, gen9, gen82, standin_prefix, tmp_path):
    version, raw = VALID[name]
    gens = gen9 if version.startswith("9") else gen82
    cluster = from_dict(_description(raw, standin_prefix), version)
    work = os.path.realpath(str(tmp_path))
    etc = os.path.join(work, "etc", "zeek", "cluster" if cluster.sectioned else "")
    os.makedirs(etc)
    for fname, text in render(cluster).items():
        with open(os.path.join(etc, fname), "w") as handle:
            handle.write(text)

    layout_text = None
    if cluster.sectioned:
        out = os.path.join(work, "layout.zeek")
        proc = _run([gens["zeek-cluster-layout-generator"], "-C", etc, "-o", out])
        assert proc.returncode == 0, proc.stderr
        layout_text = open(out).read()

    for host in cluster.hosts:
        units = os.path.join(work, "units-" + host.name)
        os.makedirs(units)
        proc = _run([gens["zeek-systemd-generator"], "--config", os.path.join(etc, file_name(cluster, host)), units])
        assert proc.returncode == 0, proc.stderr
        assert _listing(units) == host_units(cluster, host)

        for node in host_nodes(cluster, host):
            template = re.sub(r"@\d+\.service$", "@.service", node["unit"])
            settings = _unit_settings(open(os.path.join(units, template)).read())
            cluster_node = [v.split("=", 1)[1] for v in settings["Environment"] if v.startswith("CLUSTER_NODE=")]
            instance = re.search(r"@(\d+)\.service$", node["unit"])
            assert [c.replace("%i", instance.group(1)) if instance else c for c in cluster_node] == [node["name"]]
            if node["role"] == "worker":
                dropin = _unit_settings(open(os.path.join(units, node["unit"] + ".d", DROPIN)).read())
                dropin.pop("SourcePath")
                for key in ("NUMAPolicy", "Nice", "MemoryMax"):
                    dropin.pop(key, None)
                assert dropin == dropin_settings(node), node["name"]

        if not cluster.sectioned:
            layout_text = run_layout(open(os.path.join(units, "zeek-setup.service")).read(),
                                     gens["zeek-cluster-layout-generator"], os.path.join(work, "layout.zeek"),
                                     run_command)

        rc, output, names = verify_units(units)
        assert rc == 0 and output.strip() == "", "systemd-analyze verify %s:\n%s" % (names, output)

    actual_nodes, actual_hosts = _layout_nodes(layout_text)
    predicted = [(n["name"], n["role"], n["cluster_port"], n["metrics_port"])
                 for host in cluster.hosts for n in host_nodes(cluster, host)]
    assert actual_nodes == predicted
    if cluster.sectioned:
        assert actual_hosts == dict(
            (h.name, h.get("cluster_address") or '(blocking_lookup_hostname("%s") as vector of addr)[0]' % h.name)
            for h in cluster.hosts)


def test_the_cpu_quirk_is_in_the_corpus():
    """The host-wide index quirk, spelled out: eth1's first worker is the host's 4th, so it gets
    the 4th CPU of 10-13; mon's workers are the host's 6th-8th: CPUs 2-4 of [20, 23, 26, 30]."""
    cluster = from_dict(_description(VALID["cpu-quirk"][1], "/opt/zeek"), "9.0")
    cpus = dict((n["name"], n["cpu_affinity"]) for n in host_nodes(cluster, cluster.hosts[0]) if n["role"] == "worker")
    assert cpus["sensor-worker-eth1-1"] == "13" and cpus["sensor-worker-eth1-2"] == "10"
    assert [cpus["sensor-worker-mon-%d" % i] for i in (1, 2, 3)] == ["23", "26", "30"]


@pytest.mark.parametrize("name", sorted(INVALID))
def test_model_refuses(name):
    version, description, expected = INVALID[name]
    with pytest.raises(ZeekConfError) as info:
        from_dict(description, version)
    for text in expected:
        assert any(text in message for message in info.value.messages), (text, info.value.messages)
    # One message per problem: no echo of a problem already reported.
    assert len(info.value.messages) == len(set(info.value.messages)) <= max(2, len(expected))


@pytest.mark.parametrize("name", sorted(ZEEK_REFUSES))
def test_zeek_refuses_with_the_words_the_model_quotes(name, gen9, tmp_path):
    version, fname, text, zeek_message = ZEEK_REFUSES[name]
    path = tmp_path / fname
    path.write_text(text)
    proc = _run([gen9["zeek-systemd-generator"], "--config", str(path), str(tmp_path)])
    assert proc.returncode != 0
    assert zeek_message in proc.stderr.decode(), proc.stderr
    # ... and the model, given the same thing, says it in the same words before anything is written.
    with pytest.raises(ZeekConfError) as info:
        from_dict(INVALID[name][1], INVALID[name][0])
    assert any(zeek_message in message for message in info.value.messages), (zeek_message, info.value.messages)


def _layout_for(tmp_path, gen9, files):
    etc = tmp_path / "cluster"
    etc.mkdir()
    for fname, text in files.items():
        (etc / fname).write_text(text)
    return _run([gen9["zeek-cluster-layout-generator"], "-C", str(etc)])


def test_zeek_drops_fqdn_and_upper_case_host_files_silently(gen9, tmp_path):
    """Why the model refuses such names: the layout generator leaves them out without a word."""
    proc = _layout_for(tmp_path, gen9, {"mgr.example.com.zeek.conf": "[zeek]\nmanager = 1\n",
                                        "Sensor1.zeek.conf": "[zeek]\nloggers = 1\n",
                                        "sensor2.zeek.conf": "[zeek]\nproxies = 1\n"})
    assert proc.returncode == 0 and proc.stderr == b""
    nodes, hosts = _layout_nodes(proc.stdout.decode())
    assert list(hosts) == ["sensor2"] and [n[0] for n in nodes] == ["sensor2-proxy-1"]


def test_zeek_refuses_two_managers_only_in_the_layout_generator(gen9, tmp_path):
    files = {"a.zeek.conf": "[zeek]\nmanager = 1\n", "b.zeek.conf": "[zeek]\nmanager = 1\n"}
    for fname, text in files.items():
        (tmp_path / fname).write_text(text)
        units = tmp_path / ("units-" + fname)
        units.mkdir()
        assert _run([gen9["zeek-systemd-generator"], "--config", str(tmp_path / fname), str(units)]).returncode == 0
    proc = _layout_for(tmp_path, gen9, files)
    assert proc.returncode == 1 and b"too many manager nodes (2)" in proc.stderr
