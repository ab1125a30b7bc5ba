# -*- coding: utf-8 -*-
"""Helpers of the Zeek 9 / systemd generator suite: the real generator programs
(9.0.0-rc1 standalone from ../shared/zeek, 8.2.2's taken out of its tarball once) and a
stand-in Zeek prefix whose executables exist, so systemd-analyze can verify units."""

import os
import shutil
import stat
import subprocess
import tarfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_ZEEK = os.path.join(os.path.dirname(REPO), "shared", "zeek")
GEN9_DIR = os.path.join(SHARED_ZEEK, "systemd-generator-9.0.0-rc1", "bin")
TARBALL_82 = os.path.join(SHARED_ZEEK, "zeek-8.2.2-debian12-x86_64.tar.xz")
CACHE = os.path.join(REPO, ".build", "zeek9-tests")
GENERATORS = ("zeek-systemd-generator", "zeek-cluster-layout-generator")


def _need(path):
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing: the suite needs the real generators from ../shared/zeek" % path)
    return path


def gen9_paths():
    """{name: path} of the 9.0.0-rc1 generators."""
    return dict((name, _need(os.path.join(GEN9_DIR, name))) for name in GENERATORS)


def gen82_paths():
    """{name: path} of the 8.2.2 generators, extracted once into .build/zeek9-tests/."""
    target = os.path.join(CACHE, "zeek-8.2.2-bin")
    if not all(os.access(os.path.join(target, n), os.X_OK) for n in GENERATORS):
        os.makedirs(target, exist_ok=True)
        members = ["zeek-8.2.2/bin/" + n for n in GENERATORS]
        with tarfile.open(TARBALL_82, "r:xz") as tar:
            for member in members:
                info = tar.getmember(member)
                with tar.extractfile(info) as src, open(os.path.join(target, os.path.basename(member)) + ".part",
                                                        "wb") as dst:
                    shutil.copyfileobj(src, dst)
        for name in GENERATORS:
            part = os.path.join(target, name) + ".part"
            os.chmod(part, 0o755)
            os.rename(part, os.path.join(target, name))
    return dict((name, _need(os.path.join(target, name))) for name in GENERATORS)


def generators(version, gen9, gen82):
    return gen9 if version.startswith("9") else gen82


def make_standin_prefix(tmp_path, gen9):
    """A Zeek prefix with stand-in zeek and zeek-archiver (exit 0) and the real layout generator."""
    prefix = os.path.realpath(str(tmp_path / "prefix"))
    os.makedirs(os.path.join(prefix, "bin"))
    for name in ("zeek", "zeek-archiver"):
        path = os.path.join(prefix, "bin", name)
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\nexit 0\n")
        os.chmod(path, 0o755 | stat.S_IXUSR)
    shutil.copy(gen9["zeek-cluster-layout-generator"], os.path.join(prefix, "bin"))
    return prefix


def systemd_analyze():
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.fail("systemd-analyze is missing: `make system-deps` installs the systemd package")
    return path


def verify_units(unit_dir):
    """systemd-analyze verify every unit and instance the generator wrote; (rc, output)."""
    names = set()
    for entry in sorted(os.listdir(unit_dir)):
        if entry.endswith((".service", ".target")) and "@." not in entry:
            names.add(entry)
    wants = os.path.join(unit_dir, "zeek.target.wants")
    if os.path.isdir(wants):
        names.update(os.listdir(wants))
    env = dict(os.environ, SYSTEMD_UNIT_PATH=unit_dir + ":", SYSTEMD_LOG_COLOR="0")
    proc = subprocess.run([systemd_analyze(), "verify", "--man=no"] + sorted(names), cwd=unit_dir, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, check=False)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), sorted(names)
