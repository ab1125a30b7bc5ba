"""A real Zeek 9.0.0-rc1 cluster across three simulated hosts, from what netsec.zeek.systemd_cluster wrote.

The role runs on three hosts simulated on this machine (tests/zeek9/test_role_support.py), each
with a prefix that links to the real unpacked Zeek (tests/real/zeek_dist.py) and its own etc/,
var/ and site/: mgr1 (127.0.0.1: manager, logger, proxy), sensor1 (127.0.0.2) and sensor2
(127.0.0.3), one worker on lo each, misc/zeromq-multi-host-auto-setup, ZeroMQ CURVE keys made by
Zeek itself, the WebSocket listener on the manager. Free ports everywhere the format allows:
cluster_port and metrics_port per host, the XPUB/XSUB ports through the environment, the
WebSocket port. No systemd runs here: the test does what it would do with the units the
generator (through the role's wrapper) wrote: zeek-setup.service's steps, then every node of
zeek.target exactly as its unit says (tests/zeek9/test_real_cluster_units.py).

Proof: every node says hello to every other node in cluster.log at the logger (workers' own
lines included: their logs reach the logger across "hosts"); NetsecOptions::query, published
with netsec.zeek.event over the WebSocket listener, returns every node's option values; an
option change (Config::cluster_set_option, what netsec.zeek.option publishes) sent the same way
reaches every node. Every process started runs in its own process group and is killed at the end.
"""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

import test_real_cluster_units as U
import test_role_support as S

sys.path.insert(0, os.path.join(S.REPO_ROOT, "tests", "real"))
import zeek_dist  # noqa: E402  pylint: disable=wrong-import-position

VERSION = "9.0.0-rc1"
ADDRESSES = {"mgr1": "127.0.0.1", "sensor1": "127.0.0.2", "sensor2": "127.0.0.3"}
NODES = ["manager", "mgr1-logger-1", "mgr1-proxy-1", "sensor1-worker-lo-1", "sensor2-worker-lo-1"]
FORM_TIMEOUT = 120
EVENT_PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_real_cluster_playbook.yml")
ASK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_real_cluster_ask.zeek")


def _bindable(port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_ranges(sizes, taken=()):
    """One run of consecutive free ports per size (no two runs overlap)."""
    used, out = set(taken), []
    for size in sizes:
        for unused_try in range(500):
            base = random.randint(20000, 60000 - size)
            span = range(base, base + size)
            if not used.intersection(span) and all(_bindable(p) for p in span):
                used.update(span)
                out.append(base)
                break
        else:
            raise RuntimeError("no %d consecutive free ports" % size)
    return out


def keypair(zeek):
    proc = subprocess.run([zeek.bin("zeek"), "-b", "-e",
                           "print to_json(Cluster::Backend::ZeroMQ::generate_keypair())"],
                          env=zeek.env(), capture_output=True, text=True, timeout=60, check=True)
    pair = json.loads(proc.stdout)
    return pair["public"], pair["secret"]


def cluster_log(path):
    """[(node, message)] of a TSV cluster.log."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3:
                out.append((fields[1], fields[2]))
    return out


def answers(stderr_path):
    """The NetsecOptions::values the asking worker received, in order."""
    out = []
    if os.path.exists(stderr_path):
        with open(stderr_path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if "NETSEC-TEST " in line:
                    out.append(json.loads(line.split("NETSEC-TEST ", 1)[1]))
    return out


def complete_answers(stderr_path):
    return [a for a in answers(stderr_path) if sorted(a["values"]) == sorted(NODES)]


def missing_hellos(records):
    said = set((node, message.split()[3]) for node, message in records if message.startswith("got hello from "))
    return sorted((a, b) for a in NODES for b in NODES if a != b and (a, b) not in said)


def _tail(path, size=3000):
    if not os.path.exists(path):
        return "(no %s)" % path
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()[-size:]


@pytest.fixture(scope="module")
def cluster():
    started = time.monotonic()
    try:
        zeek = zeek_dist.find_zeek(VERSION)
    except zeek_dist.ZeekUnavailable as exc:
        pytest.fail("the real-cluster test needs Zeek %s: %s" % (VERSION, exc.reason))
    base = tempfile.mkdtemp(prefix="zeek9-real-")
    processes = U.Processes()
    try:
        hosts = S.make_hosts(base, list(ADDRESSES), S.linked_prefix(str(zeek.prefix)))
        by_name = dict((h.name, h) for h in hosts)
        # sensor2's worker asks the cluster for option values as a WebSocket client would.
        ask_dir = os.path.join(by_name["sensor2"].prefix, "share", "zeek", "site", "netsec_test")
        os.makedirs(ask_dir)
        shutil.copy(ASK_SCRIPT, os.path.join(ask_dir, "ask.zeek"))
        mgr_port, mgr_metrics, s1_port, s1_metrics, s2_port, s2_metrics, xpub, websocket = free_ranges(
            [3, 3, 1, 1, 1, 1, 2, 1])
        server, client = keypair(zeek), keypair(zeek)
        keys = {"server_publickey": server[0], "server_secretkey": server[1],
                "client_publickey": client[0], "client_secretkey": client[1]}

        def host_zeek(name, port, metrics, **more):
            return dict({"cluster_address": ADDRESSES[name], "base_dir": by_name[name].prefix,
                         "cluster_port": port, "metrics_port": metrics}, **more)

        description = {
            "defaults": {"cluster_backend_args": "misc/zeromq-multi-host-auto-setup", "user": "root", "group": "root",
                         "env": {"ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT": str(xpub),
                                 "ZEEK_CLUSTER_BACKEND_ZEROMQ_XSUB_PORT": str(xpub + 1)}},
            "hosts": {
                "mgr1": {"zeek": host_zeek("mgr1", mgr_port, mgr_metrics, manager=1, loggers=1, proxies=1)},
                "sensor1": {"zeek": host_zeek("sensor1", s1_port, s1_metrics),
                            "interfaces": {"lo": {"interface": "lo", "workers": 1}}},
                "sensor2": {"zeek": host_zeek("sensor2", s2_port, s2_metrics),
                            "interfaces": {"lo": {"interface": "lo", "workers": 1, "worker_args": "netsec_test/ask"}}},
            },
        }
        inventory = S.write_inventory(os.path.join(base, "inventory.json"), hosts)
        role = S.run_role(inventory, {"zeek_systemd_cluster": description, "zeek_systemd_cluster_websocket": True,
                                      "zeek_systemd_cluster_websocket_port": websocket,
                                      "zeek_systemd_cluster_curve_keys": keys})
        assert role.rc == 0, role.failures()
        result = {"hosts": by_name, "keys": keys, "websocket": websocket, "role": role,
                  "role_ports": dict((h, role.results("netsec.zeek.systemd_cluster : Work out this host's cluster ports", h))
                                     for h in ADDRESSES)}

        # What systemd would do on each host: the setup unit, then every node of zeek.target.
        result["setup"] = dict((h.name, U.run_setup(h.generated_dir)) for h in hosts)
        result["runs"] = {}
        for host in hosts:
            for unit in U.wanted_nodes(host.generated_dir):
                run = U.resolve(unit, host.generated_dir, [host.unit_dir])
                result["runs"][(host.name, unit)] = run
                processes.start(run)
                time.sleep(0.5)
        logger_dir = os.path.join(by_name["mgr1"].prefix, "var", "spool", "zeek", "logger-1")
        log = os.path.join(logger_dir, "cluster.log")
        deadline = time.monotonic() + FORM_TIMEOUT
        while time.monotonic() < deadline and missing_hellos(cluster_log(log)):
            time.sleep(1)
        result["formed_after"] = time.monotonic() - started
        # The worker asks every 3 s; wait for an answer from every node.
        worker_stderr = os.path.join(by_name["sensor2"].prefix, "var", "spool", "zeek", "worker-lo-1", "stderr")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not complete_answers(worker_stderr):
            time.sleep(1)
        result["answers"] = answers(worker_stderr)
        result["cluster_log"] = cluster_log(log)
        result["alive"] = processes.alive()
        result["stderr"] = dict(("%s %s" % key, _tail(os.path.join(run.cwd, "stderr")))
                                for key, run in result["runs"].items())

        # Through the listener: the option values, an option change, the values again.
        result["events"] = run_events(websocket)
        result["alive_after_events"] = processes.alive()
        yield result
    finally:
        processes.stop()
        print("real cluster test: %.1f s" % (time.monotonic() - started))
        shutil.rmtree(base, ignore_errors=True)


def run_events(websocket):
    """The event playbook against the listener: its recorded task results by task name."""
    work = tempfile.mkdtemp(prefix="zeek9-events-")
    try:
        records = os.path.join(work, "records.jsonl")
        env = S.env()
        env["RECORD_RESULTS_FILE"] = records
        proc = subprocess.run(
            [os.path.join(S.BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", EVENT_PLAYBOOK,
             "-e", json.dumps({"ansible_python_interpreter": sys.executable, "websocket_port": websocket,
                               "reqid": "q%d" % random.randint(1, 10 ** 9)})],
            cwd=S.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        by_task = {}
        if os.path.exists(records):
            with open(records, encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    by_task[record["task"]] = record
        return {"rc": proc.returncode, "out": proc.stdout + proc.stderr, "tasks": by_task}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_setup_units_ran_their_steps(cluster):
    for host, steps in cluster["setup"].items():
        assert steps and all(rc == 0 for _line, rc, _out in steps), (host, steps)
        layout = os.path.join(cluster["hosts"][host].prefix, "var", "spool", "zeek", "generated-scripts",
                              "cluster-layout.zeek")
        with open(layout, encoding="utf-8") as handle:
            text = handle.read()
        assert all('["%s"]' % node in text for node in NODES)


def test_the_nodes_run_exactly_as_their_units_say(cluster):
    runs = cluster["runs"]
    assert sorted(unit for _host, unit in runs) == sorted(
        ["zeek-manager.service", "zeek-logger@1.service", "zeek-proxy@1.service",
         "zeek-worker-lo@1.service", "zeek-worker-lo@1.service"])
    worker = runs[("sensor2", "zeek-worker-lo@1.service")]
    assert worker.argv[:3] == [os.path.join(cluster["hosts"]["sensor2"].prefix, "bin", "zeek"), "-i", "lo"]
    assert worker.env["CLUSTER_NODE"] == "sensor2-worker-lo-1"
    assert worker.cwd.endswith("/var/spool/zeek/worker-lo-1")
    # The keys came from the role's EnvironmentFile drop-in; the server secret only on mgr1.
    keys = cluster["keys"]
    assert worker.env["ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY"] == keys["client_secretkey"]
    assert "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY" not in worker.env
    manager = runs[("mgr1", "zeek-manager.service")]
    assert manager.env["ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY"] == keys["server_secretkey"]
    assert manager.argv[-2:] == ["local", "netsec_zeek/systemd_cluster"]


def test_the_cluster_formed_across_the_three_hosts(cluster):
    records = cluster["cluster_log"]
    assert missing_hellos(records) == [], "%s\n%s" % (missing_hellos(records), json.dumps(cluster["stderr"], indent=1))
    assert sorted(cluster["alive"]) == sorted(u for _h, u in cluster["runs"]), cluster["stderr"]
    print("cluster formed after %.1f s" % cluster["formed_after"])


def test_worker_logs_reach_the_logger(cluster):
    writers = set(node for node, _message in cluster["cluster_log"])
    assert {"sensor1-worker-lo-1", "sensor2-worker-lo-1"} <= writers


def test_the_role_listed_the_managers_cluster_ports(cluster):
    facts = cluster["role_ports"]["mgr1"][0]["ansible_facts"]["zeek_systemd_cluster_ports"]
    assert "%d/tcp" % cluster["websocket"] not in facts  # the listener is on loopback
    sensor = cluster["role_ports"]["sensor1"][0]["ansible_facts"]["zeek_systemd_cluster_ports"]
    assert len(sensor) == 1 and len(facts) == 2 + 1 + 3  # XPUB/XSUB, the logger, three metrics ports


def test_every_nodes_option_values_come_back_through_the_cluster(cluster):
    """option_values.zeek on the real cluster: the query, published to the manager's topic the way a
    WebSocket client publishes it, is answered with every node's values."""
    complete = [a for a in cluster["answers"] if sorted(a["values"]) == sorted(NODES)]
    assert complete, cluster["answers"]
    answer = complete[-1]
    assert answer["missing"] == []
    assert all(answer["values"][node]["Weird::sampling_threshold"] == "25" for node in NODES), answer
    assert all(json.loads(answer["values"][node]["Site::local_nets"]) for node in NODES)
    assert answer["types"] == {"Weird::sampling_threshold": "count", "Site::local_nets": "set[subnet]"}
    assert all(set(answer["values"][node]) == set(answer["types"]) for node in NODES)


def _reply(cluster, task):
    events = cluster["events"]
    record = events["tasks"].get(task)
    assert record is not None and record["status"] == "ok", events["out"][-4000:]
    return record["result"]["reply"]["args"]


def test_option_values_of_every_node_come_back_through_the_listener(cluster):
    reqid, values, types, missing = _reply(cluster, "Ask every node for its option values")
    assert sorted(values) == sorted(NODES)
    assert missing == []
    assert all(values[node]["Weird::sampling_threshold"] == "25" for node in NODES), values
    assert types["Weird::sampling_threshold"] == "count" and types["Site::local_nets"] == "set[subnet]"
    # A constant and an unknown name are no options: in neither table.
    assert "Log::default_rotation_interval" not in types and "No::such_option" not in types
    assert all("Log::default_rotation_interval" not in values[node] for node in NODES)


def test_an_option_change_sent_through_the_listener_reaches_every_node(cluster):
    values = _reply(cluster, "Read the option again until every node has it")[1]
    assert dict((node, values[node]["Weird::sampling_threshold"]) for node in NODES) == dict.fromkeys(NODES, "77")
    assert sorted(cluster["alive_after_events"]) == sorted(u for _h, u in cluster["runs"])


def test_the_option_module_reads_through_the_listener_and_converges(cluster):
    """netsec.zeek.option with read_values_from=listener on the real multi-host cluster: every node
    reports the prediction (Zeek's private ranges plus the value), and a rerun changes nothing."""
    first = cluster["events"]["tasks"].get("Set Site::local_nets with netsec.zeek.option, values read through the listener")
    assert first is not None and first["status"] == "ok", cluster["events"]["out"][-4000:]
    result = first["result"]
    assert result["changed"] is True and result["published"] == ["Site::local_nets"]
    expected = result["options"][0]["expected"]
    assert sorted(expected) == sorted(NODES)
    assert all("193.0.0.0/21" in nets and "10.0.0.0/8" in nets for nets in expected.values()), expected
    again = cluster["events"]["tasks"]["The same again changes nothing"]
    assert again["status"] == "ok" and again["result"]["changed"] is False, again
