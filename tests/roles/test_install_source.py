"""The "source" method with a tarball the test builds: a configure script and a Makefile
that "build" the stand-ins of standins.py (no Zeek source could be compiled here in any
reasonable time, and download.zeek.org is not reachable). The role's own steps run for
real: get_url with the checksum, unarchive, ./configure --prefix, make, make install, the
build stamp, then the version assert and the configuration.
"""
import hashlib
import os
import shutil
import tarfile
import tempfile

import pytest

import helpers
import scenarios
import standins

PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/install.yml")

CONFIGURE = """#!/bin/sh
# Test stand-in for Zeek's configure: writes build/Makefile for the given --prefix.
prefix=""
for a in "$@"; do case "$a" in --prefix=*) prefix="${a#--prefix=}" ;; *) echo "unexpected $a" >&2; exit 1 ;; esac; done
[ -n "$prefix" ] || { echo "no --prefix" >&2; exit 1; }
mkdir -p build
printf 'all:\\n\\ttouch built\\ninstall: built\\n\\tmkdir -p %s\\n\\tcp -a ../payload/. %s/\\n' "$prefix" "$prefix" > build/Makefile
"""


def _tarball(top):
    src = os.path.join(top, "zeek-8.0.10")
    standins.make_prefix(os.path.join(src, "payload"), "8.0.10")
    with open(os.path.join(src, "configure"), "w", encoding="utf-8") as handle:
        handle.write(CONFIGURE)
    os.chmod(os.path.join(src, "configure"), 0o755)
    path = os.path.join(top, "zeek-8.0.10.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        tar.add(src, arcname="zeek-8.0.10")
    with open(path, "rb") as handle:
        return path, "sha256:" + hashlib.sha256(handle.read()).hexdigest()


@scenarios.background
def source_sequence():
    """--check, build, second run (in the background)."""
    top = tempfile.mkdtemp(prefix="netsec-zeek-source-")
    tarball, checksum = _tarball(top)
    prefix = os.path.join(top, "installed")
    extra = {
        "zeek_install_method": "source",
        "zeek_install_version": "8.0.10",
        "zeek_install_prefix": prefix,
        "zeek_install_source_url": "file://" + tarball,
        "zeek_install_source_checksum": checksum,
        "zeek_install_source_work_dir": os.path.join(top, "work"),
        "zeek_install_source_build_packages": {},  # nothing may be installed on the test machine
        "zeek_install_manage_user": False,
        "zeek_install_capabilities": [],
        "zeek_install_zkg_sources": {},
        "zeek_install_zeromq_writer_build_packages": {},
    }
    res = {"top": top, "prefix": prefix}
    res["check"] = helpers.run_playbook(PLAYBOOK, extra_vars=extra, check=True)
    res["after_check"] = sorted(os.listdir(top))
    res["first"] = helpers.run_playbook(PLAYBOOK, extra_vars=extra)
    res["second"] = helpers.run_playbook(PLAYBOOK, extra_vars=extra)
    res["bad_checksum"] = helpers.run_playbook(PLAYBOOK, extra_vars=dict(
        extra, zeek_install_source_checksum="sha256:" + "0" * 64,
        zeek_install_source_work_dir=os.path.join(top, "work2")))
    return res


@pytest.fixture(scope="module")
def runs():
    res = scenarios.result(__name__)
    yield res
    shutil.rmtree(res["top"], ignore_errors=True)


def test_check_mode_writes_nothing(runs):
    rc, out, recap = runs["check"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] >= 1  # the work directory (the download needs it)
    assert runs["after_check"] == ["zeek-8.0.10", "zeek-8.0.10.tar.gz"]


def test_builds_installs_and_does_not_rebuild(runs):
    rc, out, recap = runs["first"]
    assert rc == 0, helpers.failures(out)
    assert "Zeek 8.0.10 in %s" % runs["prefix"] in out
    assert os.path.exists(os.path.join(runs["prefix"], ".netsec-zeek-source"))
    assert os.path.exists(os.path.join(runs["prefix"], "share/zeek/site/netsec_zeek/websocket.zeek"))
    rc, out, recap = runs["second"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] == 0
    # The stamp matched: every build step was skipped.
    for task in ("Download the source tarball (checked against its checksum)", "Configure the build",
                 "Compile", "Install into the prefix"):
        after = out.split("TASK [netsec.zeek.install : %s]" % task)[1]
        assert after.split("\n")[1].startswith("skipping"), task


def test_a_wrong_checksum_stops_before_building(runs):
    rc, out, unused_recap = runs["bad_checksum"]
    assert rc != 0
    assert "checksum" in out.lower()
    assert "TASK [netsec.zeek.install : Configure the build]" not in out
