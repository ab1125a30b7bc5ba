# -*- coding: utf-8 -*-
"""netsec.zeek.zeek_conf through real ansible-playbook, with Zeek's real generators:
check mode predicts the real run exactly, a second run changes nothing, --diff shows the
files, units and layout entries are compared against what is active, refusals write nothing."""

import copy
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
from playbook import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

MULTI = "misc/zeromq-multi-host-auto-setup"
FLEET = {
    "defaults": {"cluster_backend_args": MULTI},
    "hosts": {
        "mgr1": {"zeek": {"manager": 1, "loggers": 1, "proxies": 1, "cluster_address": "127.0.0.1"}},
        "sensor1": {"zeek": {"cluster_address": "127.0.0.2"},
                    "interfaces": {"eth0": {"interface": "af_packet::eth0", "workers": 2,
                                            "workers_cpu_list": "0-3"}}},
        "sensor2": {"zeek": {"cluster_address": "127.0.0.3"},
                    "interfaces": {"eth0": {"interface": "eth0", "workers": 1}}},
    },
}
# What the module returns that must be identical between check mode and the real run.
PREDICTED = ("changed", "files", "units", "units_changed", "layout", "nodes", "host_nodes", "rendered")


@pytest.fixture
def site(tmp_path, gen9):
    """A Zeek prefix with the real generators, and an empty 'active' generator directory."""
    prefix = os.path.realpath(str(tmp_path / "zeek"))
    os.makedirs(os.path.join(prefix, "bin"))
    for name, path in gen9.items():
        os.symlink(path, os.path.join(prefix, "bin", name))
    active = os.path.realpath(str(tmp_path / "run-generator"))
    os.makedirs(active)
    return {"prefix": prefix, "generated_dir": active,
            "cluster_dir": os.path.join(prefix, "etc", "zeek", "cluster"),
            "layout": os.path.join(prefix, "var", "spool", "zeek", "generated-scripts", "cluster-layout.zeek")}


def _task(site, cluster, host="sensor1", **extra):
    args = dict(cluster=cluster, prefix=site["prefix"], host=host, generated_dir=site["generated_dir"])
    args.update(extra)
    return [{"name": "conf", "netsec.zeek.zeek_conf": args, "register": "out"}]


def _run(tmp_path, site, cluster, check=False, name="play", **extra):
    run = run_playbook(tmp_path, _task(site, cluster, **extra), check=check, diff=True, name=name)
    task = run.task("conf")
    return run, dict(task["result"], status=task["status"])


def _activate(site, host, gen9):
    """What systemd and zeek-setup.service do: run the generator on the real file, then the layout step."""
    for entry in os.listdir(site["generated_dir"]):
        subprocess.run(["rm", "-rf", os.path.join(site["generated_dir"], entry)], check=True)
    subprocess.run([gen9["zeek-systemd-generator"], "--config",
                    os.path.join(site["cluster_dir"], host + ".zeek.conf"), site["generated_dir"]], check=True)
    os.makedirs(os.path.dirname(site["layout"]), exist_ok=True)
    subprocess.run([gen9["zeek-cluster-layout-generator"], "-C", site["cluster_dir"], "-o", site["layout"]],
                   check=True)


def _same_prediction(check, real):
    for key in PREDICTED:
        assert check.get(key) == real.get(key), key


def test_check_mode_predicts_the_run_and_the_second_run_changes_nothing(tmp_path, site, gen9):
    run, check = _run(tmp_path, site, FLEET, check=True, name="check")
    assert run.returncode == 0, run
    assert check["changed"] is True
    assert not os.path.exists(site["cluster_dir"]), "check mode wrote files"
    assert [f["state"] for f in check["files"]] == ["created"] * 3
    assert "zeek-worker-eth0@2.service.d/10-zeek-systemd-generator.conf" in check["units"]["added"]
    assert check["units_changed"] is True
    assert check["layout"]["nodes"]["added"] == ["manager", "mgr1-logger-1", "mgr1-proxy-1",
                                                 "sensor1-worker-eth0-1", "sensor1-worker-eth0-2",
                                                 "sensor2-worker-eth0-1"]
    assert [n["name"] for n in check["host_nodes"]] == ["sensor1-worker-eth0-1", "sensor1-worker-eth0-2"]
    assert check["nodes"]["mgr1"][1] == {"name": "mgr1-logger-1", "role": "logger", "unit": "zeek-logger@1.service",
                                         "cluster_port": 27761, "metrics_port": 9992}
    diffs = dict((d["after_header"], d) for d in check["diff"])
    sensor1 = os.path.join(site["cluster_dir"], "sensor1.zeek.conf")
    assert diffs[sensor1]["before"] == "" and "[interface eth0]\n" in diffs[sensor1]["after"]

    run, real = _run(tmp_path, site, FLEET, name="real")
    assert run.returncode == 0, run
    _same_prediction(check, real)
    for fname, text in real["rendered"].items():
        with open(os.path.join(site["cluster_dir"], fname)) as handle:
            assert handle.read() == text
        assert oct(os.stat(os.path.join(site["cluster_dir"], fname)).st_mode & 0o777) == "0o644"

    # Files in place but the units not yet regenerated: nothing to write, units still differ.
    run, pending = _run(tmp_path, site, FLEET, name="pending")
    assert pending["changed"] is False and pending["files"] == [] and pending["units_changed"] is True

    _activate(site, "sensor1", gen9)
    for name in ("again-check", "again"):
        run, again = _run(tmp_path, site, FLEET, check=name.endswith("check"), name=name)
        assert run.returncode == 0, run
        assert again["changed"] is False and again["files"] == [] and again["diff"] == []
        assert again["units"] == {"added": [], "removed": [], "changed": []}
        assert again["units_changed"] is False
        assert again["layout"]["nodes"] == {"added": [], "removed": [], "changed": []}


def test_adding_a_worker_is_predicted_exactly(tmp_path, site, gen9):
    _run(tmp_path, site, FLEET, name="first")
    _activate(site, "sensor1", gen9)
    more = copy.deepcopy(FLEET)
    more["hosts"]["sensor1"]["interfaces"]["eth0"]["workers"] = 3
    run, check = _run(tmp_path, site, more, check=True, name="check")
    assert run.returncode == 0, run
    assert check["files"] == [{"path": os.path.join(site["cluster_dir"], "sensor1.zeek.conf"), "state": "changed"}]
    assert check["units"] == {
        "added": ["zeek-worker-eth0@3.service.d/10-zeek-systemd-generator.conf",
                  "zeek.target.wants/zeek-worker-eth0@3.service"],
        "removed": [],
        "changed": ["zeek-setup.service"]}  # it makes and chowns worker-eth0-3's directory
    # Ports count per host: sensor2's worker keeps its metrics port.
    assert check["layout"]["nodes"] == {"added": ["sensor1-worker-eth0-3"], "removed": [], "changed": []}
    (diff,) = check["diff"]
    assert "workers = 2\n" in diff["before"] and "workers = 3\n" in diff["after"]
    run, real = _run(tmp_path, site, more, name="real")
    _same_prediction(check, real)


def test_stale_files_are_removed_only_when_owned(tmp_path, site, gen9):
    _run(tmp_path, site, FLEET, name="first")
    foreign = os.path.join(site["cluster_dir"], "legacy.zeek.conf")
    with open(foreign, "w") as handle:
        handle.write("[zeek]\nloggers = 1\n")
    smaller = copy.deepcopy(FLEET)
    del smaller["hosts"]["sensor2"]
    run, check = _run(tmp_path, site, smaller, check=True, name="check")
    assert run.returncode == 0, run
    stale = os.path.join(site["cluster_dir"], "sensor2.zeek.conf")
    assert check["files"] == [{"path": stale, "state": "removed"}]
    assert any("legacy.zeek.conf is not managed by this module" in w for w in check["warnings_detail"])
    # The layout prediction includes what the layout generator will really read: legacy's logger too.
    assert "legacy-logger-1" in check["layout"]["nodes"]["added"]
    assert "sensor2-worker-eth0-1" not in check["layout"]["nodes"]["added"]
    run, real = _run(tmp_path, site, smaller, name="real")
    _same_prediction(check, real)
    assert not os.path.exists(stale) and os.path.exists(foreign)


def test_refused_descriptions_write_nothing_and_name_every_problem(tmp_path, site):
    bad = {"hosts": {"mgr.example.com": {"zeek": {"manager": 1}},
                     "mgr2": {"zeek": {"manager": 1, "args": "local\nExecStartPre=/bin/sh -c evil"}}}}
    run, result = _run(tmp_path, site, bad, name="bad")
    assert run.returncode != 0
    assert result["status"] == "failed"
    assert result["msg"].startswith("cluster: 3 problems, nothing written")
    assert any("mgr.example.com" in e and "silently" in e for e in result["errors"])
    assert any("too many manager nodes (2)" in e for e in result["errors"])
    assert any("hosts.mgr2.zeek.args" in e and "5817" in e for e in result["errors"])
    assert not os.path.exists(site["cluster_dir"])


def test_zeek_82_single_file(tmp_path, site, gen82):
    one = {"hosts": {"sensor": {"zeek": {"loggers": 1},
                                "interfaces": {"eth0": {"interface": "eth0", "workers": 2}}}}}
    args = dict(zeek_version="8.2", generator=gen82["zeek-systemd-generator"],
                layout_generator=gen82["zeek-cluster-layout-generator"])
    run, check = _run(tmp_path, site, one, check=True, name="check", **args)
    assert run.returncode == 0, run
    conf = os.path.join(site["prefix"], "etc", "zeek", "zeek.conf")
    assert check["files"] == [{"path": conf, "state": "created"}]
    assert [n["name"] for n in check["host_nodes"]] == ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"]
    assert "zeek-worker@2.service.d/10-zeek-systemd-generator.conf" in check["units"]["added"]
    run, real = _run(tmp_path, site, one, name="real", **args)
    _same_prediction(check, real)
    with open(conf) as handle:
        assert handle.read() == real["rendered"]["zeek.conf"]
    assert "[" not in real["rendered"]["zeek.conf"]


def test_a_host_outside_the_cluster_is_told_so(tmp_path, site):
    run, result = _run(tmp_path, site, FLEET, check=True, name="outside", host="elsewhere")
    assert run.returncode == 0, run
    assert result["units"] is None and result["host_nodes"] == []
    assert any("this host (elsewhere) is not a host of the cluster" in w for w in result["warnings_detail"])


def test_filters_feed_the_module(tmp_path, site):
    node_cfg = "[manager]\ntype=manager\nhost=127.0.0.1\n[w]\ntype=worker\nhost=127.0.0.1\ninterface=lo\n"
    tasks = [
        {"name": "convert", "ansible.builtin.set_fact": {
            "converted": "{{ node_cfg | netsec.zeek.zeekctl_to_systemd_cluster(host_names={'127.0.0.1': 'zeek1'}) }}",
            "from_mgmt": "{{ mgmt | netsec.zeek.mgmt_to_systemd_cluster }}"}},
        {"name": "conf", "netsec.zeek.zeek_conf": {"cluster": "{{ converted.cluster }}", "prefix": site["prefix"],
                                                   "host": "zeek1", "generated_dir": site["generated_dir"]}},
        {"name": "bad", "ansible.builtin.debug": {"msg": "{{ '[x]\nhost=a\n' | netsec.zeek.zeekctl_to_systemd_cluster }}"},
         "ignore_errors": True},
    ]
    mgmt = {"nodes": [{"name": "manager", "instance": "agent-zeek1", "role": "manager"}]}
    run = run_playbook(tmp_path, tasks, extra_vars={"node_cfg": node_cfg, "mgmt": mgmt})
    facts = run.task("convert")["result"]["ansible_facts"]
    assert facts["converted"]["renamed"] == {"manager": "manager", "w": "zeek1-worker-lo-1"}
    assert facts["from_mgmt"]["cluster"] == {"hosts": {"zeek1": {"zeek": {"manager": 1}}}}
    conf = run.task("conf")["result"]
    assert [n["name"] for n in conf["host_nodes"]] == ["manager", "zeek1-worker-lo-1"]
    assert "no type given for node x" in run.task("bad")["result"]["msg"]


def test_cluster_layout_is_copied_not_generated(tmp_path, site):
    layout = tmp_path / "layout.zeek"
    one = {"hosts": {"sensor1": {"zeek": {"manager": 1, "cluster_layout": str(layout)},
                                 "interfaces": {"lo": {"interface": "lo", "workers": 1}}}}}
    run, missing = _run(tmp_path, site, one, check=True, name="missing")
    assert run.returncode == 0, run
    assert missing["layout"] is None and missing["units_changed"] is True
    assert any("cluster_layout %s does not exist" % layout in w for w in missing["warnings_detail"])
    layout.write_text('redef Cluster::nodes += {\n    ["manager"] = [$node_type=Cluster::MANAGER, $ip=127.0.0.1],\n};\n')
    run, present = _run(tmp_path, site, one, check=True, name="present")
    assert present["layout"]["nodes"]["added"] == ["manager"]
