"""Issue 5: netsec.zeek.option through real ansible-playbook against the emulator.

The emulated manager loads policy/frameworks/cluster/websocket/server, so the
emulator runs a cluster WebSocket listener on the port of the manager's
ZEEK_WEBSOCKET_LISTEN_PORT; values are read back with netsec.zeek.id_value_info
(get_id_value through the controller), and the emulator's log says what reached
the listener (``cluster-event`` lines) and what each node's Option::set did.
"""
import functools
import socket

import pytest

from emulator.process import EmulatorProcess
from playbook import run_playbook

AGENT = "agent-sensor1"
NODES = ["logger", "manager", "worker-01"]
SITE_OPTIONS = [
    ("Netsec::ssh_port", "port", '{"port":22,"proto":"tcp"}'),
    ("Netsec::collector", "addr", '"192.0.2.1"'),
    ("Netsec::lab_net", "subnet", '"10.0.0.0/8"'),
    ("Netsec::watch_ports", "vector of port", "[]"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster_config(ws_port, scripts=("policy/frameworks/cluster/websocket/server",)):
    return {"nodes": [
        {"name": "manager", "instance": AGENT, "role": "manager", "scripts": list(scripts),
         "env": {"ZEEK_WEBSOCKET_LISTEN_PORT": "%d/tcp" % ws_port}},
        {"name": "logger", "instance": AGENT, "role": "logger"},
        {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},
    ]}


class Cluster(object):
    def __init__(self, emulator, ws_port, tmp_path):
        self.emulator = emulator
        self.ws_port = ws_port
        defaults = {"group/netsec.zeek.controller": {"controller_port": emulator.port, "timeout": 10},
                    "group/netsec.zeek.websocket": {"websocket_port": ws_port}}
        self.play = functools.partial(run_playbook, tmp_path, module_defaults=defaults)
        self.runs = 0

    def run(self, tasks, **kwargs):
        self.runs += 1
        return self.play(tasks, name="run%d" % self.runs, **kwargs)

    def cluster_events(self):
        return [line for line in self.emulator.log_lines() if " cluster-event " in line]

    def option_lines(self, kind="option-error"):
        return [line.split(" ", 1)[1] for line in self.emulator.log_lines() if " %s " % kind in line]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    args = ["--interfaces", "lo,eth0", "--node-start-delay", "0.1"]
    for name, ztype, default in SITE_OPTIONS:
        args += ["--site-option", name, ztype, default]
    ws_port = free_port()
    with EmulatorProcess(*args, agents=[AGENT]) as emu:
        env = Cluster(emu, ws_port, tmp_path_factory.mktemp("option"))
        run = env.run([{"name": "deploy", "netsec.zeek.cluster_config": {
            "config": cluster_config(ws_port), "wait": True, "wait_sleep": 0.2}}])
        assert run.returncode == 0, run
        yield env


def option(name, value, **extra):
    args = {"name": name, "value": value, "wait_timeout": 20, "wait_sleep": 0.2}
    args.update(extra)
    return {"name": "set %s" % name, "netsec.zeek.option": args}


def read(name):
    return {"name": "read %s" % name, "netsec.zeek.id_value_info": {"id": name}}


# (option, value, type hint or None, what every node reports afterwards)
ROUND_TRIPS = [
    ("Weird::sampling_threshold", 50, None, 50),
    ("NetControl::default_priority", -5, None, -5),
    ("CaptureLoss::too_much_loss", 0.25, None, 0.25),
    ("HTTP::default_capture_password", True, None, True),
    ("X509::caching_required_encounters_interval", "150 secs", None, "2.0 mins 30.0 secs"),
    ("Netsec::ssh_port", "2222/tcp", None, {"port": 2222, "proto": "tcp"}),
    ("Netsec::collector", "2001:DB8::1", "addr", "2001:db8::1"),
    ("Netsec::lab_net", "172.16.1.0/12", "subnet", "172.16.0.0/12"),
    # None: Zeek's change handler adds Site::private_address_space (checked below).
    ("Site::local_nets", ["193.0.0.0/21", "10.0.0.0/8"], None, None),
    ("Netsec::watch_ports", ["22/tcp", "53/udp"], "vector of port",
     [{"port": 22, "proto": "tcp"}, {"port": 53, "proto": "udp"}]),
    ("Site::local_admins", {"10.0.0.0/8": ["bob", "alice"]}, None, {"10.0.0.0/8": ["bob", "alice"]}),
]
LIST_FORM = {"name": "set several", "netsec.zeek.option": {"options": [
    {"name": "HTTP::proxy_headers", "value": ["VIA", "FORWARDED"]},
    {"name": "Conn::port_inactivity_timeouts", "value": {"22/tcp": "2 hrs", "3389/tcp": 7200}},
], "location": "change-42", "wait_timeout": 20, "wait_sleep": 0.2}}


def unordered(value):
    return sorted(value) if isinstance(value, list) and value and isinstance(value[0], str) else value


def round_trip_tasks():
    tasks = []
    for name, value, hint, _shown in ROUND_TRIPS:
        tasks.append(option(name, value, **({"type": hint} if hint else {})))
        tasks.append(read(name))
    tasks += [read("Site::private_address_space"), LIST_FORM, read("HTTP::proxy_headers"), read("Conn::port_inactivity_timeouts")]
    return tasks


def test_every_value_type_is_set_read_back_and_idempotent(cluster):
    before = len(cluster.cluster_events())
    run = cluster.run(round_trip_tasks())
    assert run.returncode == 0, run
    for name, _value, hint, shown in ROUND_TRIPS:
        result = run.task("set %s" % name)["result"]
        assert result["changed"] is True, (name, result)
        assert result["published"] == [name]
        entry = result["options"][0]
        source = "hint" if hint else "reported" if name.startswith("Netsec::") else "known"
        assert entry["nodes_changed"] == NODES and entry["type_source"] == source
        values = run.task("read %s" % name)["result"]["node_values"]
        assert sorted(values) == NODES
        if shown is None:
            private = set(run.task("read Site::private_address_space")["result"]["node_values"]["manager"])
            assert len(private) == 42 and "10.0.0.0/8" in private
            for node in NODES:
                assert set(values[node]) == private | {"193.0.0.0/21"}, (node, values[node])
                assert sorted(entry["expected"][node]) == sorted(values[node])
                assert sorted(entry["before"][node]) == sorted(private)  # a fresh node: the private ranges
            continue
        for node in NODES:
            assert unordered(values[node]) == unordered(shown), (name, node, values[node])
            if isinstance(shown, dict) and name == "Site::local_admins":
                assert sorted(values[node]["10.0.0.0/8"]) == ["alice", "bob"]
    several = run.task("set several")["result"]
    assert several["changed"] is True
    assert several["published"] == ["HTTP::proxy_headers", "Conn::port_inactivity_timeouts"]
    assert [o["type"] for o in several["options"]] == ["set[string]", "table[port] of interval"]
    assert sorted(run.task("read HTTP::proxy_headers")["result"]["node_values"]["worker-01"]) == ["FORWARDED", "VIA"]
    assert run.task("read Conn::port_inactivity_timeouts")["result"]["node_values"]["logger"] == {
        '{"port":22,"proto":"tcp"}': "2.0 hrs", '{"port":3389,"proto":"tcp"}': "2.0 hrs"}
    events = cluster.cluster_events()
    assert len(events) - before == len(ROUND_TRIPS) + 2
    assert all("Config::cluster_set_option topic=zeek/cluster/manager" in line for line in events[before:])
    assert "option-set node=worker-01 id=Conn::port_inactivity_timeouts location=change-42" in \
        cluster.option_lines("option-set")

    # The same values again, all in one task: nothing differs, nothing is published.
    everything = [dict(name=name, value=value, **({"type": hint} if hint else {}))
                  for name, value, hint, _shown in ROUND_TRIPS] + LIST_FORM["netsec.zeek.option"]["options"]
    again = cluster.run([{"name": "again", "netsec.zeek.option": {"options": everything}}])
    assert again.returncode == 0, again
    result = again.task("again")["result"]
    assert result["changed"] is False and result["published"] == [], result
    assert [o["changed"] for o in result["options"]] == [False] * len(everything)
    assert len(cluster.cluster_events()) == len(events)


def test_check_mode_predicts_and_publishes_nothing_diff_only_on_request(cluster):
    before = len(cluster.cluster_events())
    checked = cluster.run([option("Weird::sampling_rate", 500), read("Weird::sampling_rate")], check=True, diff=True)
    assert checked.returncode == 0, checked
    result = checked.task("set Weird::sampling_rate")["result"]
    assert result["changed"] is True and result["published"] == []
    assert result["diff"] == {"before": {"Weird::sampling_rate": dict((n, 1000) for n in NODES)},
                              "after": {"Weird::sampling_rate": dict((n, 500) for n in NODES)}}
    assert checked.task("read Weird::sampling_rate")["result"]["node_values"] == dict((n, 1000) for n in NODES)
    assert len(cluster.cluster_events()) == before

    real = cluster.run([option("Weird::sampling_rate", 500), read("Weird::sampling_rate")])
    assert real.returncode == 0, real
    result = real.task("set Weird::sampling_rate")["result"]
    assert result["changed"] is True and "diff" not in result
    assert real.task("read Weird::sampling_rate")["result"]["node_values"] == dict((n, 500) for n in NODES)
    assert len(cluster.cluster_events()) == before + 1

    unchanged = cluster.run([option("Weird::sampling_rate", 500)], check=True, diff=True)
    result = unchanged.task("set Weird::sampling_rate")["result"]
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_refusals_before_publishing_and_by_zeek(cluster):
    before = len(cluster.cluster_events())
    tasks = [
        option("Weird::sampling_threshold", "lots"),
        option("X509::caching_required_encounters", 5, type="interval"),
        option("Log::default_rotation_interval", "2 hrs"),
        option("No::such_option", 1, type="count"),
        option("Netsec::collector", "192.0.2.7"),
    ]
    for task in tasks:
        task["ignore_errors"] = True
    run = cluster.run(tasks + [read("Weird::sampling_threshold")])
    msgs = dict((t["name"], run.task(t["name"])["result"].get("msg", "")) for t in tasks)
    assert all(run.task(t["name"])["status"] == "failed" for t in tasks), msgs
    assert msgs["set Weird::sampling_threshold"].startswith(
        "option Weird::sampling_threshold (count): the value does not fit: count needs a whole number")
    assert "Give a whole number >= 0" in msgs["set Weird::sampling_threshold"]
    assert "X509::caching_required_encounters on logger is 10, which is not a interval" in \
        msgs["set X509::caching_required_encounters"]
    assert msgs["set Log::default_rotation_interval"].startswith(
        "ID 'Log::default_rotation_interval' is not an option: base/frameworks/logging/main.zeek declares it")
    assert "Zeek does not know No::such_option on logger, manager, worker-01" in msgs["set No::such_option"]
    assert "may be an addr, a subnet or a string; set type for Netsec::collector" in msgs["set Netsec::collector"]
    assert len(cluster.cluster_events()) == before  # all of them before anything was published


def test_zeek_refuses_wrong_broker_types_and_non_options(cluster):
    before = len(cluster.cluster_events())
    run = cluster.run([
        dict(option("Weird::sampling_rate", 7, type="int", wait_timeout=3), ignore_errors=True),
        dict(option("Cluster::retry_interval", "2 secs", wait_timeout=3), ignore_errors=True),
        read("Weird::sampling_rate"), read("Cluster::retry_interval"),
    ])
    wrong = run.task("set Weird::sampling_rate")
    assert wrong["status"] == "failed"
    assert wrong["result"]["msg"].startswith("After 3s, not every node reports the new value "
                                             "(Weird::sampling_rate: logger, manager, worker-01 kept the old value).")
    assert "Incompatible type for set of ID 'Weird::sampling_rate'" in wrong["result"]["msg"]
    assert wrong["result"]["published"] == ["Weird::sampling_rate"]
    assert wrong["result"]["failure"]["kind"] == "not_applied"
    assert any("type int for Weird::sampling_rate differs from count" in w
               for w in wrong["result"].get("warnings", []))
    const = run.task("set Cluster::retry_interval")
    assert const["status"] == "failed" and "kept the old value" in const["result"]["msg"]
    assert "ID 'Cluster::retry_interval' is not an option" in const["result"]["msg"]
    # The values are unchanged and the nodes logged Zeek's own words.
    assert set(run.task("read Weird::sampling_rate")["result"]["node_values"].values()) != {7}
    assert set(run.task("read Cluster::retry_interval")["result"]["node_values"].values()) == {"1.0 sec"}
    errors = cluster.option_lines()
    for node in NODES:
        assert "option-error node=%s Incompatible type for set of ID 'Weird::sampling_rate': got broker data " \
               "'integer', need 'count'" % node in errors
        assert "option-error node=%s ID 'Cluster::retry_interval' is not an option" % node in errors
    assert len(cluster.cluster_events()) == before + 2


def test_listener_down_is_a_clear_error(cluster):
    port = free_port()
    run = cluster.run([dict(option("Weird::sampling_threshold", 77, websocket_port=str(port), websocket_retries=1),
                            ignore_errors=True), read("Weird::sampling_threshold")])
    result = run.task("set Weird::sampling_threshold")["result"]
    assert run.task("set Weird::sampling_threshold")["status"] == "failed"
    assert result["msg"].startswith("Zeek WebSocket listener 127.0.0.1:%d: cannot reach 127.0.0.1:%d" % (port, port))
    assert "websocket_host/websocket_port" in result["msg"] and result["failure"]["kind"] == "unreachable"
    assert result["published"] == [] and result["changed"] is False  # issue 11 item 15
    assert 77 not in run.task("read Weird::sampling_threshold")["result"]["node_values"].values()


def test_listener_follows_the_managers_scripts_across_redeploys(tmp_path):
    """Without a WebSocket script on the manager there is no listener; a redeploy with one starts it."""
    ws_port = free_port()
    with EmulatorProcess("--interfaces", "lo,eth0", "--node-start-delay", "0.1", agents=[AGENT]) as emu:
        env = Cluster(emu, ws_port, tmp_path)
        run = env.run([
            {"name": "deploy plain", "netsec.zeek.cluster_config": {
                "config": cluster_config(ws_port, scripts=()), "wait": True, "wait_sleep": 0.2}},
            dict(option("Site::local_zones", ["example.org"], websocket_retries=1), ignore_errors=True),
            {"name": "deploy with websocket.zeek", "netsec.zeek.cluster_config": {
                "config": cluster_config(ws_port, scripts=("site/websocket.zeek",)), "wait": True,
                "wait_sleep": 0.2}},
            option("Site::local_zones", ["example.org"]),
        ])
        results = [r for r in run.results if r["task"] == "set Site::local_zones"]
        assert [r["status"] for r in results] == ["failed", "ok"], run
        assert "cannot reach 127.0.0.1:%d" % ws_port in results[0]["result"]["msg"]
        assert results[1]["result"]["changed"] is True
        assert any("info cluster websocket listening on ws://127.0.0.1:%d/" % ws_port in line
                   for line in emu.log_lines())


def test_values_read_through_the_listener_without_a_controller(tmp_path):
    """read_values_from=listener: NetsecOptions::query answered by the manager's option_values.zeek."""
    ws_port = free_port()
    with EmulatorProcess("--interfaces", "lo,eth0", "--node-start-delay", "0.1", agents=[AGENT]) as emu:
        env = Cluster(emu, ws_port, tmp_path)
        scripts = ("policy/frameworks/cluster/websocket/server", "site/option_values.zeek")
        deployed = env.run([{"name": "deploy", "netsec.zeek.cluster_config": {
            "config": cluster_config(ws_port, scripts=scripts), "wait": True, "wait_sleep": 0.2}}])
        assert deployed.returncode == 0, deployed
        # No controller is asked: its port is one nothing listens on.
        nowhere = dict(read_values_from="listener", manager_topic="zeek/cluster/manager",
                       controller_port=free_port(), read_timeout=5)
        task = {"name": "set", "netsec.zeek.option": dict(nowhere, wait_sleep=0.2, wait_timeout=20, options=[
            {"name": "Site::local_nets", "value": ["193.0.0.0/21"]},
            {"name": "Weird::sampling_threshold", "value": 60}])}
        check = env.run([task], check=True, diff=True)
        assert check.returncode == 0, check
        result = check.task("set")["result"]
        assert result["changed"] is True and result["published"] == []
        private = result["diff"]["before"]["Site::local_nets"]["manager"]
        assert len(private) == 42
        assert result["diff"]["after"]["Site::local_nets"] == dict(
            (n, sorted(private + ["193.0.0.0/21"])) for n in NODES)
        assert result["diff"]["after"]["Weird::sampling_threshold"] == dict.fromkeys(NODES, 60)

        real = env.run([task, read("Weird::sampling_threshold"), read("Site::local_nets")], diff=True)
        assert real.returncode == 0, real
        assert real.task("set")["result"]["diff"] == result["diff"]
        assert real.task("set")["result"]["published"] == ["Site::local_nets", "Weird::sampling_threshold"]
        assert real.task("read Weird::sampling_threshold")["result"]["node_values"] == dict.fromkeys(NODES, 60)
        local = real.task("read Site::local_nets")["result"]["node_values"]
        assert dict((n, sorted(v)) for n, v in local.items()) == result["diff"]["after"]["Site::local_nets"]

        again = env.run([task])
        assert again.returncode == 0 and again.task("set")["result"]["changed"] is False, again

        unknown = env.run([dict({"name": "unknown", "netsec.zeek.option": dict(
            nowhere, name="No::such_option", value=1, type="count")}, ignore_errors=True)])
        failed = unknown.task("unknown")["result"]
        assert failed["failure"]["kind"] == "no_values" and failed["published"] == []
        assert "No::such_option is not an option on logger, manager, worker-01" in failed["msg"]


def test_a_listener_without_option_values_says_what_is_missing(cluster):
    before = len(cluster.cluster_events())
    run = cluster.run([dict({"name": "silent", "netsec.zeek.option": {
        "name": "Weird::sampling_threshold", "value": 5, "read_values_from": "listener",
        "manager_topic": "zeek/cluster/manager", "read_timeout": 1}}, ignore_errors=True)])
    result = run.task("silent")["result"]
    assert result["failure"]["kind"] == "no_values" and result["published"] == []
    assert "did not answer NetsecOptions::query (published to zeek/cluster/manager) within 1s" in result["msg"]
    assert "option_values.zeek" in result["msg"]
    assert len(cluster.cluster_events()) == before + 1  # the query, nothing else
