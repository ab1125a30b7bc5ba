"""Issue 11 item 19 (status.yml half): status.yml counts cluster nodes apart from the management processes.

get-nodes lists the agents and the controller next to the cluster nodes; "All 7 processes are
running" for a cluster of 5 nodes reads like two nodes too many. The summary must count the
cluster nodes on their own ("5 cluster nodes") and the agents and the controller separately,
and a node that does not run is named as a cluster node.
"""
import os
import re
import subprocess

from playbook import BIN, COLLECTIONS, REPO_ROOT

AGENT = "agent-sensor1"  # the emulator fixture's agent


def run_repo_playbook(name, port, *args):
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join("playbooks", name),
               "-e", "zeek_controller_port=%d" % port] + list(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEEK_CONTROLLER_")}
    env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "PATH": BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_status_counts_cluster_nodes_apart_from_agents_and_controller(emulator):
    rc, output = run_repo_playbook("deploy.yml", emulator.port,
                                   "-e", "zeek_cluster_file=playbooks/clusters/production.example.ini")
    assert rc == 0, output
    rc, output = run_repo_playbook("status.yml", emulator.port)
    assert rc == 0, output
    # production.example.ini: manager, logger-01, proxy-01, worker-01, worker-02 on one agent,
    # which also runs the controller.
    assert re.search(r"\b5 cluster nodes\b", output), output
    assert re.search(r"\b1 agent\b", output), output
    assert re.search(r"\b5 cluster nodes\b.*\bcontroller\b", output), "the controller is counted apart"
    assert not re.search(r"\b7 (processes|nodes)\b", output), "agents and controller are not nodes"


def test_status_names_the_cluster_node_that_does_not_run(emulator, tmp_path):
    cluster = tmp_path / "broken.ini"
    cluster.write_text("[manager]\ninstance = %s\nrole = manager\n\n"
                       "[worker-09]\ninstance = %s\nrole = worker\ninterface = eth9\n" % (AGENT, AGENT))
    rc, output = run_repo_playbook("deploy.yml", emulator.port, "-e", "zeek_cluster_file=%s" % cluster)
    assert rc != 0, output
    rc, output = run_repo_playbook("status.yml", emulator.port)
    assert rc != 0, output
    assert "worker-09" in output and re.search(r"\b1 of 2 cluster nodes\b", output), output
