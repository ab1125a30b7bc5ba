"""Fixtures for the ecosystem tests (helpers in eco_helpers.py)."""
import functools
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eco_helpers import REPO_ROOT, run_playbook, run_tool, start_cluster  # noqa: E402


@pytest.fixture(scope="module")
def cluster_emulator(tmp_path_factory):
    emulator = start_cluster(tmp_path_factory.mktemp("deploy"))
    yield emulator
    emulator.cleanup()


@pytest.fixture
def cluster_play(tmp_path, cluster_emulator):
    defaults = {"group/netsec.zeek.controller": {"controller_port": cluster_emulator.port, "timeout": 10}}
    return functools.partial(run_playbook, tmp_path, module_defaults=defaults)


@pytest.fixture(scope="session")
def built_tarball(tmp_path_factory):
    """The collection tarball ansible-galaxy builds from this tree."""
    out = tmp_path_factory.mktemp("dist")
    proc = run_tool("ansible-galaxy", "collection", "build", "--force", "--output-path", out, REPO_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tarball,) = out.glob("netsec-zeek-*.tar.gz")
    return tarball
