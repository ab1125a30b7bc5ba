"""Issue 11 item 16: playbooks/deploy.yml finds a relative zeek_cluster_file where the user is.

A CI job runs `ansible-playbook netsec.zeek.deploy -e zeek_cluster_file=clusters/production.ini`
in its checkout; the playbook itself lives in the installed collection. The path must resolve
against the directory ansible-playbook was started in, and a missing file must say so plainly
(Ansible's own lookup error suggests `remote_src`, which has nothing to do with this playbook).
"""
import os
import subprocess

from playbook import BIN, COLLECTIONS, REPO_ROOT

AGENT = "agent-sensor1"  # the emulator fixture's agent

DEPLOY = os.path.join(REPO_ROOT, "playbooks", "deploy.yml")
CLUSTER_INI = ("[manager]\ninstance = %s\nrole = manager\n\n"
               "[worker-01]\ninstance = %s\nrole = worker\ninterface = eth0\n" % (AGENT, AGENT))
CLUSTER_YAML = ("nodes:\n  - {name: manager, instance: %s, role: manager}\n"
                "  - {name: worker-01, instance: %s, role: worker, interface: eth1}\n" % (AGENT, AGENT))


def stage_and_deploy_requests(emulator):
    return [r.name for r in emulator.requests() if r.name in ("stage_configuration_request", "deploy_request")]


def deploy_from(workdir, port, cluster_file, *args):
    """ansible-playbook <repo>/playbooks/deploy.yml started in ``workdir`` (not the playbook's directory)."""
    command = [os.path.join(BIN, "ansible-playbook"), DEPLOY, "-e", "zeek_controller_port=%d" % port,
               "-e", "zeek_cluster_file=%s" % cluster_file] + list(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEEK_CONTROLLER_")}
    env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "PWD": "/nonexistent", "PATH": BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run(command, cwd=str(workdir), env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    return proc


def test_relative_cluster_file_is_relative_to_the_working_directory(emulator, tmp_path):
    # PWD is set to a wrong directory on purpose: the playbook must use the process's directory.
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "production.ini").write_text(CLUSTER_INI)
    (tmp_path / "clusters" / "production.yml").write_text(CLUSTER_YAML)

    ini = deploy_from(tmp_path, emulator.port, "clusters/production.ini")
    assert ini.returncode == 0, ini.stdout + ini.stderr
    assert stage_and_deploy_requests(emulator) == ["stage_configuration_request", "deploy_request"]

    yaml_form = deploy_from(tmp_path, emulator.port, "clusters/production.yml")
    assert yaml_form.returncode == 0, yaml_form.stdout + yaml_form.stderr
    assert len(stage_and_deploy_requests(emulator)) == 4, "the YAML file moves worker-01 to eth1: one more deploy"


def test_missing_cluster_file_names_the_path_and_directory_not_remote_src(emulator, tmp_path):
    run = deploy_from(tmp_path, emulator.port, "clusters/typo.ini")
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "zeek_cluster_file clusters/typo.ini: no such file (%s)" % (tmp_path / "clusters" / "typo.ini") in output
    assert "relative to the directory ansible-playbook runs in, %s" % tmp_path in output
    assert "remote_src" not in output
    assert emulator.requests() == [], "nothing may be sent for a missing file"
