# -*- coding: utf-8 -*-
"""netsec.zeek.zeek_conf on a real Zeek 9.0.0-rc1 install (tests/real/zeek_dist.py): the format
is chosen from the prefix's own `zeek --version`, the install's own generators run, and the units
they write for every host pass systemd-analyze verify with Zeek's real executables."""

import os
import subprocess
import sys

from zeek9_support import verify_units

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "real"))
from playbook import run_playbook  # noqa: E402  pylint: disable=wrong-import-position
from zeek_dist import find_zeek  # noqa: E402  pylint: disable=wrong-import-position


def test_real_zeek_9_prefix(tmp_path):
    zeek = find_zeek("9.0.0-rc1")
    real = str(zeek.prefix)
    # The module's prefix: its own etc/, Zeek's programs from the real install.
    prefix = os.path.realpath(str(tmp_path / "zeek"))
    os.makedirs(os.path.join(prefix, "bin"))
    for name in ("zeek", "zeek-systemd-generator", "zeek-cluster-layout-generator"):
        os.symlink(zeek.bin(name), os.path.join(prefix, "bin", name))
    cluster = {
        "defaults": {"cluster_backend_args": "misc/zeromq-multi-host-auto-setup", "base_dir": real},
        "hosts": {"mgr1": {"zeek": {"manager": 1, "loggers": 1, "proxies": 1, "cluster_address": "127.0.0.1",
                                    "manager_args": "policy/frameworks/cluster/websocket/server"}},
                  "sensor1": {"zeek": {"cluster_address": "127.0.0.2"},
                              "interfaces": {"lo": {"interface": "lo", "workers": 2, "workers_cpu_list": "0"}}}},
    }
    active = tmp_path / "active"
    active.mkdir()
    task = {"name": "conf", "register": "out", "netsec.zeek.zeek_conf": {
        "cluster": cluster, "prefix": prefix, "host": "sensor1", "generated_dir": str(active)}}
    run = run_playbook(tmp_path, [task])
    result = run.task("conf")["result"]
    assert run.returncode == 0, run
    # No zeek_version given: 9.0.0-rc1 from the install, so one <host>.zeek.conf per host.
    assert result["zeek_version"] == "9.0.0-rc1"
    cluster_dir = os.path.join(prefix, "etc", "zeek", "cluster")
    assert sorted(os.listdir(cluster_dir)) == ["mgr1.zeek.conf", "sensor1.zeek.conf"]
    assert [n["name"] for n in result["host_nodes"]] == ["sensor1-worker-lo-1", "sensor1-worker-lo-2"]
    for host in ("mgr1", "sensor1"):
        units = tmp_path / ("units-" + host)
        units.mkdir()
        subprocess.run([zeek.bin("zeek-systemd-generator"), "--config", os.path.join(cluster_dir, host + ".zeek.conf"),
                        str(units)], check=True)
        text = "\n".join(p.read_text() for p in units.iterdir() if p.is_file())
        assert "ExecStart=%s/bin/zeek " % real in text
        rc, output, names = verify_units(str(units))
        assert rc == 0 and output.strip() == "", "systemd-analyze verify %s:\n%s" % (names, output)
