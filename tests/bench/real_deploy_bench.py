"""Issue 10: a real deploy, cluster_config against zeek-client deploy-config.

One real Zeek 8.2.2 Management Framework (tests/real/real_mgmt.py: controller and agent in
one Supervisor on free loopback ports); for 1-, 4- and 8-node clusters (manager; + logger,
proxy, worker; + 4 more workers, all sniffing lo) the median of 3 deploys each way:

* ``netsec.zeek.cluster_config`` with ``force: true`` (a new config id each time, so every
  run really deploys and the agent restarts every node), timed as the task (the module's
  stage, deploy and the controller's answer, plus Ansible's per-task overhead);
* ``zeek-client deploy-config`` of the same cluster as an .ini file, timed as the process.

Both return when the controller answers the deploy, that is once every node said hello.
Without a Zeek (no ../shared/zeek, no ZEEK_PREFIX/ZEEK_DIST) it prints why and skips.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

from _support import REPO_ROOT, print_table

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(REPO_ROOT, "tests", "real")
for path in (REAL, os.path.join(REPO_ROOT, "tests", "interop")):
    if path not in sys.path:
        sys.path.insert(0, path)

import zeek_dist  # noqa: E402
from interop_helpers import ZEEK_CLIENT  # noqa: E402
from real_mgmt import RealManagement  # noqa: E402

SIZES = (1, 4, 8)
ROUNDS = 3


def nodes(count, agent):
    out = [{"name": "manager", "instance": agent, "role": "manager"}]
    if count > 1:
        out += [{"name": "logger", "instance": agent, "role": "logger"},
                {"name": "proxy", "instance": agent, "role": "proxy"}]
    index = 1
    while len(out) < count:
        out.append({"name": "worker-%02d" % index, "instance": agent, "role": "worker", "interface": "lo"})
        index += 1
    return out


def to_ini(config):
    lines = ["[instances]", config["instances"][0]["name"], ""]
    for node in config["nodes"]:
        lines += ["[%s]" % node["name"], "instance = %s" % node["instance"], "role = %s" % node["role"]]
        if node.get("interface"):
            lines.append("interface = %s" % node["interface"])
        lines.append("")
    return "\n".join(lines)


def module_deploys(mgmt, work, config, size):
    timer = os.path.join(work, "timer-%d.jsonl" % size)
    defaults = {"group/netsec.zeek.controller": {"controller_port": mgmt.port, "timeout": 120}}
    tasks = [{"name": "deploy %d" % index, "netsec.zeek.cluster_config": {"config": config, "force": True}}
             for index in range(ROUNDS)]
    play = [{"name": "bench", "hosts": "localhost", "gather_facts": False, "module_defaults": defaults,
             "tasks": tasks}]
    book = os.path.join(work, "deploy-%d.yml" % size)
    with open(book, "w", encoding="utf-8") as handle:
        yaml.safe_dump(play, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".build", "collections"),
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="task_timer", TASK_TIMER_FILE=timer,
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", book], cwd=work, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    with open(timer, encoding="utf-8") as handle:
        entries = [json.loads(line) for line in handle]
    assert len(entries) == ROUNDS and all(e["changed"] for e in entries), entries
    return [e["seconds"] for e in entries]


def client_deploys(mgmt, work, config, size):
    ini = os.path.join(work, "cluster-%d.ini" % size)
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write(to_ini(config))
    times = []
    for _round in range(ROUNDS):
        begin = time.perf_counter()
        proc = subprocess.run([ZEEK_CLIENT, "--controller", "%s:%d" % (mgmt.host, mgmt.port),
                               "--set", "client.request_timeout_secs=120", "deploy-config", ini],
                              capture_output=True, text=True, timeout=300, check=False)
        times.append(time.perf_counter() - begin)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return times


def run():
    try:
        zeek = zeek_dist.find_zeek()
    except zeek_dist.ZeekUnavailable as exc:
        print("\nreal deploy bench did not run: %s" % exc.reason)
        return []
    rows = []
    with tempfile.TemporaryDirectory(prefix="real-deploy-bench-") as work:
        with RealManagement(zeek, os.path.join(work, "mgmt")) as mgmt:
            for size in SIZES:
                config = {"instances": [{"name": mgmt.agent_name}], "nodes": nodes(size, mgmt.agent_name)}
                module = module_deploys(mgmt, work, config, size)
                client = client_deploys(mgmt, work, config, size)
                rows.append(("%d" % size, "%.2f s" % statistics.median(module), "%.2f s" % statistics.median(client),
                             "%.2fx" % (statistics.median(module) / statistics.median(client)),
                             " ".join("%.1f" % t for t in module), " ".join("%.1f" % t for t in client)))
    print_table("Real Zeek %s deploy, median of %d (cluster_config force vs zeek-client deploy-config)" % (
        zeek.version, ROUNDS), ("nodes", "cluster_config", "zeek-client", "ratio", "module runs", "client runs"),
        rows)
    return rows


if __name__ == "__main__":
    run()
