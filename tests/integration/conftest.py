"""Fixtures: a controller emulator on loopback and a runner for real ansible-playbook."""
import functools

import pytest
from emulated import AGENT, INTERFACES
from playbook import run_playbook

from emulator.process import EmulatorProcess


@pytest.fixture
def emulator():
    with EmulatorProcess("--interfaces", INTERFACES, "--node-start-delay", "0.1",
                         agents=[AGENT]) as emu:
        yield emu


@pytest.fixture
def play(tmp_path, emulator):
    """run_playbook with every controller module pointed at the emulator via the action group."""
    defaults = {"group/netsec.zeek.controller": {"controller_port": emulator.port, "timeout": 10}}
    return functools.partial(run_playbook, tmp_path, module_defaults=defaults)
