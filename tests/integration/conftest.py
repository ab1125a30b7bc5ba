"""Fixtures: a controller emulator on loopback and a runner for real ansible-playbook."""
import functools
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from emulator_process import EmulatorProcess  # noqa: E402
from playbook import run_playbook  # noqa: E402

AGENT = "agent-sensor1"


@pytest.fixture
def emulator():
    with EmulatorProcess("--interfaces", "lo,eth0,eth1,eth2", "--node-start-delay", "0.1",
                         agents=[AGENT]) as emu:
        yield emu


@pytest.fixture
def play(tmp_path, emulator):
    """run_playbook with every controller module pointed at the emulator via the action group."""
    defaults = {"group/netsec.zeek.controller": {"controller_port": emulator.port, "timeout": 10}}
    return functools.partial(run_playbook, tmp_path, module_defaults=defaults)


def stage_and_deploy_requests(emulator):
    return [r.name for r in emulator.requests() if r.name in ("stage_configuration_request", "deploy_request")]
