"""playbooks/site.yml end to end: both roles on a stand-in prefix, then the cluster deploy
through netsec.zeek.cluster_config against the controller emulator (the project's
emulator of the Management Framework controller, emulator/process.py), twice.

systemd does not run here, so zeek_management_manage_service is false and the emulator
plays the controller the units would start.
"""
import os
import shutil
import tempfile

import helpers
import scenarios
import standins
from emulator.process import EmulatorProcess

SITE = os.path.join(helpers.REPO_ROOT, "playbooks", "site.yml")


@scenarios.background
def site_twice():
    """site.yml twice against the emulator (in the background)."""
    tmp = tempfile.mkdtemp(prefix="netsec-zeek-site-")
    prefix = standins.make_prefix(os.path.join(tmp, "prefix"), "8.2.2")
    res = {"tmp": tmp}
    with EmulatorProcess("--interfaces", "lo", "--node-start-delay", "0.1", agents=["agent-localhost"]) as emu:
        extra = {
            "zeek_site_hosts": "localhost",
            "ansible_become": False,  # the test runs as root; no sudo on CI machines
            "zeek_site_install_websockets": False,  # the venv has websockets
            "zeek_site_controller_port": emu.port,
            "zeek_install_method": "existing",
            "zeek_install_prefix": prefix,
            "zeek_install_version": "8.2",
            "zeek_install_manage_user": False,
            "zeek_install_capabilities": [],
            "zeek_install_zkg_sources": {},
            "zeek_install_zeromq_writer_build_packages": {},
            "zeek_management_prefix": prefix,
            "zeek_management_user": "root",
            "zeek_management_group": "root",
            "zeek_management_manage_service": False,
            "zeek_management_unit_dir": os.path.join(tmp, "units"),
            "zeek_management_config_dir": os.path.join(tmp, "etc"),
            "zeek_management_state_dir": os.path.join(tmp, "state"),
            "zeek_management_spool_dir": os.path.join(tmp, "spool"),
            "zeek_management_log_dir": os.path.join(tmp, "logs"),
        }
        for run in ("first", "second"):
            res[run] = helpers.run_playbook(SITE, extra_vars=extra)
            res[run + "_sent"] = [r.name for r in emu.requests()
                                  if r.name in ("stage_configuration_request", "deploy_request")]
    return res


def test_site_installs_runs_and_deploys_the_quickstart_cluster_once():
    res = scenarios.result(__name__)
    try:
        rc, out, recap = res["first"]
        assert rc == 0, helpers.failures(out)
        assert recap["localhost"]["changed"] > 0
        assert res["first_sent"] == ["stage_configuration_request", "deploy_request"]
        assert "TASK [Deploy the cluster]" in out

        rc, out, recap = res["second"]
        assert rc == 0, helpers.failures(out)
        assert recap["localhost"]["changed"] == 0, [line for line in out.splitlines() if line.startswith("changed:")]
        # Nothing new was staged or deployed the second time.
        assert res["second_sent"] == ["stage_configuration_request", "deploy_request"]
    finally:
        shutil.rmtree(res["tmp"], ignore_errors=True)
