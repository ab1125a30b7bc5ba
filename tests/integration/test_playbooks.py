"""The user-facing layer: playbooks/deploy.yml, playbooks/status.yml and `make demo`
(tools/demo.py), run as a user runs them, with real ansible-playbook against the emulator.

deploy.yml is the GitOps flow: --check --diff (a pull request) sends no stage or deploy and
predicts the change, the real run (the merge) applies it, the next run changes nothing.
The example cluster files are deployed as they are, so they stay valid.
"""
import os
import re
import subprocess
import sys

from emulated import AGENT, stage_and_deploy_requests
from playbook import BIN, COLLECTIONS, REPO_ROOT

RECAP_RE = re.compile(r"^localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

# The example cluster files name the fixture's agent and an interface its host has.
assert AGENT == "agent-sensor1"


class Run(object):
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        match = RECAP_RE.search(proc.stdout)
        self.recap = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups()))) if match else None

    def __repr__(self):
        return "<rc=%s recap=%s>\n%s\n%s" % (self.returncode, self.recap, self.stdout[-5000:], self.stderr[-2000:])


def run_repo_playbook(name, port, *args):
    """ansible-playbook playbooks/<name> from the repository root, as the docs tell users to run it."""
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join("playbooks", name),
               "-e", "zeek_controller_port=%d" % port] + list(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEEK_CONTROLLER_")}
    env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_RETRY_FILES_ENABLED": "0", "PATH": BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    return Run(proc)


def test_deploy_gitops_flow_and_status(emulator):
    cluster = "-e", "zeek_cluster_file=playbooks/clusters/production.example.ini"

    preview = run_repo_playbook("deploy.yml", emulator.port, *cluster, "--check", "--diff")
    assert preview.returncode == 0, preview
    assert preview.recap["changed"] == 1, preview
    assert "+[worker-02]" in preview.stdout and "+interface = eth1" in preview.stdout, preview
    assert stage_and_deploy_requests(emulator) == [], "check mode must not stage or deploy"

    merge = run_repo_playbook("deploy.yml", emulator.port, *cluster)
    assert merge.returncode == 0, merge
    assert merge.recap["changed"] == 1, merge
    assert stage_and_deploy_requests(emulator) == ["stage_configuration_request", "deploy_request"]

    again = run_repo_playbook("deploy.yml", emulator.port, *cluster)
    assert again.returncode == 0, again
    assert again.recap["changed"] == 0, again
    assert "The controller already runs this configuration." in again.stdout
    assert len(stage_and_deploy_requests(emulator)) == 2, "an unchanged cluster file must send nothing"

    # The YAML example describes the same cluster: nothing to do.
    yaml_form = run_repo_playbook("deploy.yml", emulator.port,
                                  "-e", "zeek_cluster_file=playbooks/clusters/production.example.yml",
                                  "--check", "--diff")
    assert yaml_form.returncode == 0, yaml_form
    assert yaml_form.recap["changed"] == 0, yaml_form

    status = run_repo_playbook("status.yml", emulator.port)
    assert status.returncode == 0, status
    assert status.recap["changed"] == 0 and status.recap["failed"] == 0, status
    for node in ("manager", "logger-01", "proxy-01", "worker-01", "worker-02"):
        assert re.search(r"%s\s+%s\s+\w+\s+RUNNING\s+\d+" % (AGENT, node), status.stdout), status
    # 5 cluster nodes, counted apart from the agent and the controller (issue 11 item 19).
    assert "All 5 cluster nodes are running, with 1 agent and the controller." in status.stdout, status
    assert "%s at 127.0.0.1" % AGENT in status.stdout, status


def test_status_fails_when_a_node_does_not_run(emulator, tmp_path):
    cluster = tmp_path / "broken.ini"
    cluster.write_text("[manager]\ninstance = %s\nrole = manager\n\n"
                       "[worker-09]\ninstance = %s\nrole = worker\ninterface = eth9\n" % (AGENT, AGENT))
    deploy = run_repo_playbook("deploy.yml", emulator.port, "-e", "zeek_cluster_file=%s" % cluster)
    assert deploy.returncode != 0, deploy
    assert "worker-09" in deploy.stdout and "eth9" in deploy.stdout, deploy

    status = run_repo_playbook("status.yml", emulator.port)
    assert status.returncode != 0, status
    assert status.recap["failed"] == 1, status
    assert "Not running: worker-09 is PENDING" in status.stdout, status


def test_deploy_requires_a_cluster_file(emulator):
    run = run_repo_playbook("deploy.yml", emulator.port)
    assert run.returncode != 0, run
    assert "Set zeek_cluster_file" in run.stdout, run
    assert emulator.requests() == []


def test_make_demo_end_to_end():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEEK_CONTROLLER_")}
    env["ANSIBLE_NOCOLOR"] = "1"
    proc = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tools", "demo.py")], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "listening on ws://127.0.0.1:" in out
    # Step 3: the check-mode diff of the change, printed by the default callback.
    diff = out[out.index("TASK [Step 3 - Preview"):out.index("TASK [Step 3 - Summarise")]
    assert "--- before: deployed configuration (controller)" in diff and "+[worker-02]" in diff, out
    assert "+interface = eth1" in diff, out
    # Step 4: every node restarted with a new pid, worker-02 started.
    restarted = re.findall(r"^\s*- (\S+)\s+(\d+)\s+(\d+)\s+restarted$", out, re.M)
    assert sorted(row[0] for row in restarted) == ["logger", "manager", "worker-01"], out
    assert all(old != new for _name, old, new in restarted), out
    assert re.search(r"^\s*- worker-02\s+-\s+\d+\s+new node$", out, re.M), out
    assert "deploy_request 2," in out and "stage_configuration_request 2" in out, out
    assert "Demo passed; the emulator is stopped." in out
