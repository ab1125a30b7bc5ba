"""Both roles for real against localhost: method "existing" on a stand-in prefix.

The prefix is a temporary directory holding the stand-ins of tests/roles/standins.py
(small zeek-config/zeek/zkg shell scripts: no Zeek binary exists for CI). The sequence is
the one a careful operator runs: --check first (reports changes, writes nothing), the
real run, then a second run that must report changed=0.
"""
import grp
import os
import pathlib
import pwd
import shutil
import stat
import subprocess
import tempfile

import pytest

import helpers
import scenarios
import standins

USER = "netsec-zeek-ci"
PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/install_and_management.yml")
PIN = "631e63b78c416320f06b1af9435484cf77bc9c55"
MOVED = "0123456789abcdef0123456789abcdef01234567"

UFW = """#!/bin/sh
# Test stand-in for ufw: "show added" and "allow <rule>", rules kept in a file.
RULES="@RULES@"
case "$1" in
  show) echo "Added user rules (see 'ufw status' for running firewall):"; cat "$RULES" 2>/dev/null || echo "(None)" ;;
  allow) echo "ufw allow $2" >> "$RULES"; echo "Rules updated" ;;
  *) exit 2 ;;
esac
"""


def _exists(name, db):
    try:
        db(name)
        return True
    except KeyError:
        return False


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@scenarios.background
def operator_sequence():
    """--check, real run, second run; then a wrong version and a moved pin (in the background)."""
    if _exists(USER, pwd.getpwnam):
        raise AssertionError("left over from an earlier run: userdel %s" % USER)
    root = pathlib.Path(tempfile.mkdtemp(prefix="netsec-zeek-existing-"))
    prefix = standins.make_prefix(str(root / "prefix"), "8.0.10")
    fakebin = root / "fakebin"
    fakebin.mkdir()
    (fakebin / "ufw").write_text(UFW.replace("@RULES@", str(root / "ufw-rules")))
    os.chmod(fakebin / "ufw", 0o755)
    extra = {
        "zeek_install_method": "existing",
        "zeek_install_prefix": prefix,
        "zeek_install_version": "8.0",
        "zeek_install_user": USER,
        "zeek_install_group": USER,
        "zeek_install_zkg_sources": {},
        # Nothing may be installed on the test machine (getcap/setcap and git are there).
        "zeek_install_zeromq_writer_build_packages": {},
        "zeek_install_capabilities_packages": {},
        "zeek_install_zeromq_send_logs": ["Conn::LOG", "HTTP::LOG"],
        "zeek_management_prefix": prefix,
        "zeek_management_user": USER,
        "zeek_management_group": USER,
        "zeek_management_manage_service": False,
        "zeek_management_unit_dir": str(root / "units"),
        "zeek_management_config_dir": str(root / "etc"),
        "zeek_management_state_dir": str(root / "state"),
        "zeek_management_spool_dir": str(root / "spool"),
        "zeek_management_log_dir": str(root / "logs"),
        "zeek_management_firewall": "ufw",
    }
    env = {"PATH": str(fakebin) + os.pathsep + os.environ["PATH"]}
    res = {"root": root, "prefix": prefix}
    res["before"] = standins.tree_snapshot(prefix)
    res["check"] = helpers.run_playbook(PLAYBOOK, extra_vars=extra, env_extra=env, check=True, diff=True)
    res["after_check"] = standins.tree_snapshot(prefix)
    res["user_after_check"] = _exists(USER, pwd.getpwnam)
    res["dirs_after_check"] = sorted(os.listdir(root))
    res["first"] = helpers.run_playbook(PLAYBOOK, extra_vars=extra, env_extra=env)
    res["second"] = helpers.run_playbook(PLAYBOOK, extra_vars=extra, env_extra=env)
    # What the first two runs left, before the runs below change the writer's pin.
    res["zkg_installed"] = _read(os.path.join(prefix, "var", "lib", "zkg-standin", "installed"))
    res["ufw_rules"] = _read(root / "ufw-rules")
    install_only = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/install.yml")
    res["wrong_version"] = helpers.run_playbook(
        install_only, extra_vars=dict(extra, zeek_install_version="8.2"), env_extra=env)
    res["moved_pin"] = helpers.run_playbook(
        install_only, extra_vars=dict(extra, zeek_install_zeromq_writer_version=MOVED), env_extra=env)
    return res


def _remove_user():
    subprocess.run(["userdel", USER], check=False, capture_output=True)
    subprocess.run(["groupdel", USER], check=False, capture_output=True)


@pytest.fixture(scope="module")
def runs():
    try:
        res = scenarios.result(__name__)
    except Exception:
        _remove_user()
        raise
    yield res
    _remove_user()
    shutil.rmtree(res["root"], ignore_errors=True)


def test_check_mode_reports_changes_and_writes_nothing(runs):
    rc, out, recap = runs["check"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["failed"] == 0
    assert recap["localhost"]["changed"] >= 8, out[-4000:]
    assert runs["after_check"] == runs["before"], "check mode changed the prefix"
    assert not runs["user_after_check"], "check mode created the user"
    assert runs["dirs_after_check"] == ["fakebin", "prefix"], "check mode created directories"
    # The diff of local.zeek shows the managed block that the real run adds.
    assert "+# BEGIN netsec.zeek.install managed block" in out


def test_first_run_changes_and_second_run_changes_nothing(runs):
    rc, out, recap = runs["first"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] > 0
    rc, out, recap = runs["second"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] == 0, [line for line in out.splitlines() if line.startswith("changed:")]
    assert recap["localhost"]["failed"] == 0


def test_the_installation_is_configured(runs):
    prefix = runs["prefix"]
    user = pwd.getpwnam(USER)
    assert grp.getgrgid(user.pw_gid).gr_name == USER
    assert user.pw_shell == "/usr/sbin/nologin"
    caps = subprocess.run(["getcap", os.path.join(prefix, "bin", "zeek")], capture_output=True, text=True, check=True)
    assert caps.stdout.split()[-1] == "cap_net_admin,cap_net_raw=eip"
    # zkg was called with the config file the role wrote and the pinned commit.
    assert runs["zkg_installed"].strip() == "https://github.com/ncsa/bro-zeromq-writer (installed: %s)" % PIN
    with open(os.path.join(prefix, "etc", "zkg", "config"), encoding="utf-8") as handle:
        config = handle.read()
    assert "script_dir = %s/share/zeek/site\n" % prefix in config
    assert "plugin_dir = %s/lib/zeek/plugins\n" % prefix in config
    assert "ZEROMQ_PREFIX = /usr\n" in config
    with open(os.path.join(prefix, "share", "zeek", "site", "netsec_zeek", "zeromq-writer.zeek"), encoding="utf-8") as handle:
        assert "redef LogZeroMQ::send_logs += { Conn::LOG, HTTP::LOG };" in handle.read()
    for name in ("state", "spool", "logs"):
        st = os.stat(runs["root"] / name)
        assert st.st_uid == user.pw_uid and stat.S_IMODE(st.st_mode) == 0o750, name
    # The firewall opt-in opened the controller's WebSocket and Broker ports, once.
    assert runs["ufw_rules"].splitlines() == ["ufw allow 2149/tcp", "ufw allow 2150/tcp"]


def test_a_wrong_version_is_refused(runs):
    rc, out, unused_recap = runs["wrong_version"]
    assert rc != 0
    assert "reports version 8.0.10, but zeek_install_version is 8.2" in out


def test_a_writer_at_another_commit_is_replaced(runs):
    # Pin moved: the role removes the installed commit and installs the new one.
    rc, out, recap = runs["moved_pin"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] == 2  # zkg remove, zkg install
    installed = _read(os.path.join(runs["prefix"], "var", "lib", "zkg-standin", "installed"))
    assert "(installed: %s)" % MOVED in installed
