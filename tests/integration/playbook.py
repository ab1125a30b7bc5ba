"""Run real ansible-playbook for the tests and return what each task did."""
import json
import os
import subprocess
import sys

import yaml

from emulator.process import REPO_ROOT

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
BIN = os.path.dirname(sys.executable)


class PlaybookRun(object):
    def __init__(self, returncode, stdout, stderr, results):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.results = results

    def task(self, name):
        """The result of the (last) task called ``name``."""
        found = [r for r in self.results if r["task"] == name]
        assert found, "task %r did not run; output:\n%s\n%s" % (name, self.stdout, self.stderr)
        return found[-1]

    def __repr__(self):
        return "<PlaybookRun rc=%s>\n%s\n%s" % (self.returncode, self.stdout[-4000:], self.stderr[-2000:])


def run_playbook(tmp_path, tasks, check=False, diff=False, extra_vars=None, env=None, module_defaults=None,
                 files=None, name="play"):
    """Write a one-play playbook of ``tasks`` against localhost and run it."""
    play = {"name": "test", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if module_defaults:
        play["module_defaults"] = module_defaults
    workdir = tmp_path / name
    workdir.mkdir(exist_ok=True)
    for relative, text in (files or {}).items():
        target = workdir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    playbook = workdir / "playbook.yml"
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    record = workdir / ("results-%d.jsonl" % len(list(workdir.glob("results-*.jsonl"))))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    environment = dict(os.environ)
    environment.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "record_results",
        "RECORD_RESULTS_FILE": str(record),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "PATH": BIN + os.pathsep + environment.get("PATH", ""),
    })
    environment.update(env or {})
    proc = subprocess.run(command, cwd=str(workdir), env=environment, capture_output=True, text=True,
                          timeout=300, check=False)
    results = []
    if record.exists():
        results = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)
