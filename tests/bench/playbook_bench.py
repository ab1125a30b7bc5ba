"""Issue 4 targets, measured in one real ansible-playbook run against the emulator:

* a no-op cluster_config task on a deployed 1,000-node cluster within 1.5x of an
  ansible.builtin.ping task in the same run;
* a 1,000-node check-mode diff.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import yaml

from _support import REPO_ROOT, ms, print_table, sample_config
from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.controller import Controller
from emulator.process import EmulatorProcess

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = 5


def playbook(port):
    defaults = {"group/netsec.zeek.controller": {"controller_port": port, "timeout": 60}}
    tasks = []
    for index in range(ROUNDS):
        tasks.append({"name": "ping %d" % index, "ansible.builtin.ping": {}})
        tasks.append({"name": "no-op %d" % index, "netsec.zeek.cluster_config": {"config": "{{ cluster }}"}})
        tasks.append({"name": "no-op src %d" % index, "netsec.zeek.cluster_config": {"src": "cluster.ini"}})
    for index in range(ROUNDS):
        tasks.append({"name": "check diff %d" % index, "netsec.zeek.cluster_config": {"config": "{{ changed_cluster }}"},
                      "check_mode": True, "diff": True})
    return [{"name": "bench", "hosts": "localhost", "gather_facts": False, "module_defaults": defaults,
             "vars_files": ["cluster.yml"], "tasks": tasks}]


def run():
    data = sample_config(1000)
    data["instances"] = [{"name": "agent-a"}, {"name": "agent-b"}]
    changed = json.loads(json.dumps(data))
    changed["nodes"][-1]["interface"] = "eth3" if changed["nodes"][-1].get("interface") != "eth3" else "eth2"
    with EmulatorProcess("--interfaces", "eth0,eth1,eth2,eth3", "--node-start-delay", "0",
                         agents=["agent-a", "agent-b=127.0.0.1"]) as emu, tempfile.TemporaryDirectory() as work:
        with Controller(port=emu.port, timeout=60) as controller:
            controller.stage_configuration(cluster.to_wire(cluster.from_dict(data)))
            assert controller.deploy(timeout=60)["success"]
        setup_requests = len(emu.requests())
        with open(os.path.join(work, "cluster.ini"), "w") as handle:
            handle.write(cluster.to_ini(cluster.from_dict(data)))
        with open(os.path.join(work, "cluster.yml"), "w") as handle:
            yaml.safe_dump({"cluster": data, "changed_cluster": changed}, handle)
        with open(os.path.join(work, "bench.yml"), "w") as handle:
            yaml.safe_dump(playbook(emu.port), handle)
        timer = os.path.join(work, "timer.jsonl")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".build", "collections"),
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="task_timer", TASK_TIMER_FILE=timer,
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                               "-c", "local", "bench.yml"], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        with open(timer) as handle:
            entries = [json.loads(line) for line in handle]
        sent = [r.name for r in emu.requests()[setup_requests:]
                if r.name in ("stage_configuration_request", "deploy_request")]
    assert sent == [], "a no-op or check-mode task sent %s" % sent
    times = {}
    for entry in entries:
        kind = entry["task"].rsplit(" ", 1)[0]
        times.setdefault(kind, []).append(entry["seconds"])
        if kind.startswith("no-op"):
            assert entry["changed"] is False
        if kind == "check diff":
            assert entry["changed"] is True
    ping = statistics.median(times["ping"])
    noop = statistics.median(times["no-op"])
    noop_src = statistics.median(times["no-op src"])
    check = statistics.median(times["check diff"])
    rows = [
        ("ansible.builtin.ping", ms(ping), "1.00x", ""),
        ("cluster_config no-op, 1,000 nodes from src: (.ini file)", ms(noop_src), "%.2fx" % (noop_src / ping),
         "target 1.5x: %s" % ("met" if noop_src <= 1.5 * ping else "MISSED")),
        ("cluster_config no-op, 1,000 nodes from config: (YAML var)", ms(noop), "%.2fx" % (noop / ping),
         "target 1.5x: %s" % ("met" if noop <= 1.5 * ping else "MISSED")),
        ("cluster_config --check --diff, 1,000 nodes, 1 change", ms(check), "%.2fx" % (check / ping), ""),
    ]
    print_table("One playbook run, median of %d tasks each (no stage or deploy was sent)" % ROUNDS,
                ("task", "median", "vs ping", ""), rows)
    return rows
