"""Fixtures: an emulator per example, started from a state in which a cluster is deployed."""
import os
import re
import shutil
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from emulator.process import EmulatorProcess  # noqa: E402
from runner import Endpoints, build_plays, run_plays  # noqa: E402

AGENT = "agent-sensor1"
# What the examples expect of the sensor: its interfaces, a WebSocket listener in the cluster,
# and the site option MySite::scanner_ports that option's example sets with type set[port].
EMULATOR_ARGS = ("--interfaces", "lo,eth0,eth1,eth2", "--node-start-delay", "0.1",
                 "--cluster-websocket", "127.0.0.1:0",
                 "--site-option", "MySite::scanner_ports", "set[port]", "[]")
_LISTENER = re.compile(r" info cluster websocket listening on ws://127\.0\.0\.1:(\d+)/")


class ExampleEmulator(object):
    def __init__(self, emulator):
        self.emulator = emulator
        self.endpoints = Endpoints(emulator.port, listener_port(emulator))


def listener_port(emulator, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in emulator.log_lines():
            match = _LISTENER.search(line)
            if match:
                return int(match.group(1))
        time.sleep(0.05)
    raise AssertionError("the emulator's cluster listener did not start:\n%s" % "\n".join(emulator.log_lines()))


@pytest.fixture(scope="session")
def deployed_state(tmp_path_factory):
    """A state directory in which the repository's example production cluster is deployed."""
    state = str(tmp_path_factory.mktemp("deployed-state"))
    with EmulatorProcess(*EMULATOR_ARGS, state_dir=state, agents=[AGENT]) as emulator:
        plays = build_plays([{"name": "Deploy the example production cluster", "netsec.zeek.cluster_config": {
            "src": "clusters/production.ini", "wait": True, "wait_sleep": 0.2}}], "baseline")
        run = run_plays(plays, ExampleEmulator(emulator).endpoints, str(tmp_path_factory.mktemp("baseline")))
        assert run.returncode == 0, run
    return state


@pytest.fixture
def example_emulator(tmp_path, deployed_state):
    state = str(tmp_path / "state")
    shutil.copytree(deployed_state, state)
    with EmulatorProcess(*EMULATOR_ARGS, state_dir=state, agents=[AGENT]) as emulator:
        yield ExampleEmulator(emulator)
