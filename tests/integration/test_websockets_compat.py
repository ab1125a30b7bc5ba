"""The modules on the oldest websockets they promise to support: 10.4, Debian 12's.

The tasks run with an interpreter whose only libraries are websockets 10.4 and
jsonschema (ansible-playbook itself runs from the test venv), so every line of
transport.py that talks to the library is exercised on its legacy API.
"""
import os
import subprocess
import sys
import venv

import pytest

from conftest import AGENT
from playbook import REPO_ROOT, run_playbook

COMPAT = os.path.join(REPO_ROOT, ".build", "compat", "websockets-10.4")


@pytest.fixture(scope="module")
def old_websockets_python():
    python = os.path.join(COMPAT, "bin", "python")
    if not os.path.exists(os.path.join(COMPAT, ".ready")):
        venv.EnvBuilder(with_pip=True, clear=True).create(COMPAT)
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "websockets==10.4", "jsonschema"], check=True, timeout=600)
        open(os.path.join(COMPAT, ".ready"), "w").close()
    version = subprocess.run([python, "-c", "import websockets; print(websockets.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "10.4"
    return python


def test_modules_work_with_websockets_10_4(tmp_path, emulator, old_websockets_python):
    cluster = {"nodes": [{"name": "manager", "instance": AGENT, "role": "manager"},
                         {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"}]}
    run = run_playbook(tmp_path, [
        {"name": "instances", "netsec.zeek.instances_info": {}},
        {"name": "deploy", "netsec.zeek.cluster_config": {"config": cluster, "wait": True, "wait_sleep": 0.2}},
        {"name": "again", "netsec.zeek.cluster_config": {"config": cluster}},
        {"name": "value", "netsec.zeek.id_value_info": {"id": "bits_per_uid"}},
    ], env={"ANSIBLE_PYTHON_INTERPRETER": old_websockets_python},
        module_defaults={"group/netsec.zeek.controller": {"controller_port": emulator.port}})
    assert run.returncode == 0, run
    assert run.task("instances")["result"]["instances"][0]["name"] == AGENT
    assert run.task("deploy")["result"]["changed"] is True
    assert run.task("again")["result"]["changed"] is False
    assert run.task("value")["result"]["node_values"] == {"manager": 96, "worker-01": 96}
    assert sys.executable != old_websockets_python


def test_unreachable_and_timeout_paths_with_websockets_10_4(tmp_path, emulator, old_websockets_python):
    port = emulator.port
    emulator.stop()
    run = run_playbook(tmp_path, [{"name": "down", "netsec.zeek.instances_info": {
        "controller_port": port, "retries": 2}, "ignore_errors": True}],
        env={"ANSIBLE_PYTHON_INTERPRETER": old_websockets_python})
    result = run.task("down")["result"]
    assert result["error_kind"] == "unreachable" and "after 2 attempts" in result["msg"]
