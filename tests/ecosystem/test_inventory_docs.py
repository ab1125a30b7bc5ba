"""docs/inventory.md's fleet example, run as written against the emulator."""
import os
import re

from eco_helpers import REPO_ROOT, ansible_env, run_tool

DOC = os.path.join(REPO_ROOT, "docs", "inventory.md")


def doc_file(name):
    """The fenced YAML block of docs/inventory.md whose first line is ``# <name>``."""
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    blocks = re.findall(r"```yaml\n(# (\S+)\n.*?)```", text, re.S)
    found = [body for body, title in blocks if title == name]
    assert len(found) == 1, "docs/inventory.md has no (single) yaml block starting with # %s" % name
    return found[0]


def test_fleet_example_targets_every_sensor_that_runs_a_worker(tmp_path, cluster_emulator):
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "zeek.yml").write_text(doc_file("inventory/zeek.yml"))
    (tmp_path / "check-capture-interfaces.yml").write_text(doc_file("check-capture-interfaces.yml"))
    env = ansible_env(ZEEK_CONTROLLER_HOST="127.0.0.1", ZEEK_CONTROLLER_WEBSOCKET_PORT=str(cluster_emulator.port))

    graph = run_tool("ansible-inventory", "-i", "inventory/zeek.yml", "--graph", "zeek_worker", env=env, cwd=tmp_path)
    assert graph.returncode == 0, graph.stderr
    assert re.findall(r"--(\S+)", graph.stdout) == ["sensor1", "sensor2"], graph.stdout
    assert (tmp_path / ".cache" / "zeek-inventory").is_dir(), "the example's cache was not written"

    # The sensors are on loopback addresses here: run the play on this machine.
    play = run_tool("ansible-playbook", "-i", "inventory/zeek.yml", "check-capture-interfaces.yml",
                    "-e", "ansible_connection=local", env=env, cwd=tmp_path)
    assert play.returncode == 0, play.stdout + play.stderr
    recap = dict(re.findall(r"^(\S+)\s+: ok=(\d+)", play.stdout, re.M))
    assert sorted(recap) == ["sensor1", "sensor2"], play.stdout
    assert "worker-01 on 127.0.0.1" in play.stdout and "worker-02 on 127.0.0.2" in play.stdout, play.stdout


def test_fleet_example_fails_for_a_missing_capture_interface(tmp_path, cluster_emulator):
    (tmp_path / "zeek.yml").write_text(doc_file("inventory/zeek.yml") + "compose:\n  zeek_nodes: \""
                                       "zeek_nodes | map('combine', {'interface': 'zeek-test-missing0'})\"\n")
    (tmp_path / "check.yml").write_text(doc_file("check-capture-interfaces.yml"))
    env = ansible_env(ZEEK_CONTROLLER_WEBSOCKET_PORT=str(cluster_emulator.port), ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
    play = run_tool("ansible-playbook", "-i", "zeek.yml", "check.yml", "-e", "ansible_connection=local",
                    env=env, cwd=tmp_path)
    assert play.returncode != 0
    assert "sensor1 has no interface zeek-test-missing0 for its Zeek workers" in play.stdout, play.stdout
