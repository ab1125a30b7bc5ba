"""Helpers for the ecosystem tests: an emulator with a deployed three-instance cluster,
real ansible-inventory and ansible-playbook runs against it."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "integration"))
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.dirname(TESTS))

from emulator.process import EmulatorProcess  # noqa: E402
from playbook import BIN, COLLECTIONS, REPO_ROOT, run_playbook  # noqa: E402

__all__ = ["AGENTS", "CLUSTER", "REPO_ROOT", "ansible_env", "inventory_list", "plain", "run_playbook", "run_tool",
           "start_cluster"]

# sensor1 runs the manager and a worker (and the emulator's controller), sensor2 a proxy and a
# worker, the logger box only the logger: "every sensor that runs a worker" is two of three.
AGENTS = ["agent-sensor1", "agent-sensor2=127.0.0.2", "agent-logbox=127.0.0.3"]
CLUSTER = {"nodes": [
    {"name": "manager", "instance": "agent-sensor1", "role": "manager"},
    {"name": "worker-01", "instance": "agent-sensor1", "role": "worker", "interface": "lo"},
    {"name": "proxy-01", "instance": "agent-sensor2", "role": "proxy"},
    {"name": "worker-02", "instance": "agent-sensor2", "role": "worker", "interface": "eth0"},
    {"name": "logger-01", "instance": "agent-logbox", "role": "logger"},
]}


def start_cluster(tmp_path):
    """A started emulator with CLUSTER deployed through cluster_config (the caller cleans it up)."""
    emulator = EmulatorProcess("--interfaces", "lo,eth0", "--node-start-delay", "0.05", agents=AGENTS).start()
    try:
        run = run_playbook(tmp_path, [{"name": "deploy", "netsec.zeek.cluster_config": {
            "config": CLUSTER, "wait": True, "wait_sleep": 0.2}}], name="deploy",
            module_defaults={"group/netsec.zeek.controller": {"controller_port": emulator.port}})
        assert run.returncode == 0, run
    except BaseException:
        emulator.cleanup()
        raise
    return emulator


def ansible_env(**extra):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    for name in [n for n in env if n.startswith("ZEEK_CONTROLLER_")]:
        del env[name]
    env.update(extra)
    return env


def run_tool(tool, *args, env=None, cwd=None, timeout=300):
    """Run an ansible-* command of the test's ansible-core; returns the CompletedProcess."""
    return subprocess.run([os.path.join(BIN, tool)] + [str(a) for a in args], env=env or ansible_env(),
                          cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def plain(value):
    """ansible-inventory --list marks text from a plugin {"__ansible_unsafe": text}: the text."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def inventory_list(source, env=None, *args):
    proc = run_tool("ansible-inventory", "-i", source, "--list", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    return plain(json.loads(proc.stdout))
