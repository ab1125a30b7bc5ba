"""netsec.zeek.systemd_cluster on a 3-host inventory simulated on this machine
(tests/zeek9/test_role_support.py: one root per host, ansible_connection local, a stand-in
systemctl that records its calls, Zeek's real generator programs).

One sequence of runs, in order (each step starts from the previous one's hosts):
  1. --check on new hosts: what it reports changed; nothing written, systemctl not called;
  2. the real run: the same tasks changed on each host, every host reloaded and started;
  3. the same again: nothing changed, nothing reloaded or restarted (sensor1's prefix is a
     symbolic link, which the generator resolves);
  4. a worker added on sensor2, all_at_once: --check predicts the real run, which restarts every
     host (the layout changed everywhere), all restarts before any wait;
  5. a worker_env change on sensor2 only, host_by_host: --check predicts a restart of sensor2
     only, and the real run restarts only sensor2;
  6. a worker added on sensor1, host_by_host: every host restarts, one after the other, each
     after the previous host's units were seen active.
Refused descriptions run beside the sequence, each on fresh hosts.
"""
import concurrent.futures
import os
import random
import shutil
import tempfile

import pytest

import test_role_support as S

HOSTS = ("mgr1", "sensor1", "sensor2")
Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
WRITE_TASK = "netsec.zeek.systemd_cluster : Write the cluster directory and compare the generated units with the active ones"
RESTART_TASK = "netsec.zeek.systemd_cluster : Reload systemd and restart zeek.target"
DECIDE_TASK = "netsec.zeek.systemd_cluster : Decide whether this host's Zeek restarts"


def _key():
    return "".join(random.choice(Z85) for unused_index in range(40))


def description(hosts, sensor1_workers=2, sensor2_workers=1, sensor2_env=None):
    roots = dict((h.name, h.prefix) for h in hosts)
    sensor2_lo = {"interface": "lo", "workers": sensor2_workers}
    if sensor2_env:
        sensor2_lo["worker_env"] = sensor2_env
    return {
        "defaults": {"cluster_backend_args": "misc/zeromq-multi-host-auto-setup", "user": "root", "group": "root"},
        "hosts": {
            "mgr1": {"zeek": {"manager": 1, "loggers": 1, "proxies": 1, "cluster_address": "127.0.0.1",
                              "base_dir": roots["mgr1"]}},
            "sensor1": {"zeek": {"cluster_address": "127.0.0.2", "base_dir": roots["sensor1"]},
                        "interfaces": {"lo": {"interface": "lo", "workers": sensor1_workers}}},
            "sensor2": {"zeek": {"cluster_address": "127.0.0.3", "base_dir": roots["sensor2"]},
                        "interfaces": {"lo": sensor2_lo}},
        },
    }


def _snapshots(hosts):
    return dict((h.name, S.tree_snapshot(h.root)) for h in hosts)


def _sequence(base):
    hosts = S.make_hosts(os.path.join(base, "seq"), HOSTS, S.generator_prefix)
    # sensor1 names its prefix through a symbolic link (/opt/zeek-current -> /opt/zeek), which the
    # generator resolves in the units it writes: the second run must still see no change.
    link = os.path.join(hosts[1].root, "opt", "zeek-current")
    os.symlink(hosts[1].prefix, link)
    inventory = S.write_inventory(os.path.join(base, "seq", "inventory.json"), hosts,
                                  {"sensor1": {"zeek_systemd_cluster_prefix": link}})
    keys = dict((name, _key()) for name in ("server_publickey", "server_secretkey", "client_publickey",
                                            "client_secretkey"))
    common = {"zeek_systemd_cluster_zeek_version": "9.0", "zeek_systemd_cluster_websocket": True,
              "zeek_systemd_cluster_curve_keys": keys}
    res = {"hosts": hosts, "keys": keys}

    def step(name, variables, check=False):
        for host in hosts:
            host.clear_calls()
        before = _snapshots(hosts)
        run = S.run_role(inventory, dict(common, **variables), check=check)
        res[name] = {"run": run, "calls": dict((h.name, h.calls()) for h in hosts),
                     "unchanged": before == _snapshots(hosts),
                     "why": dict((h.name, [(r.get("units"), r.get("layout"), r.get("files"))
                                           for r in run.results(WRITE_TASK, h.name)]
                                 + run.results(DECIDE_TASK, h.name)) for h in hosts)}

    step("check_new", {"zeek_systemd_cluster": description(hosts)}, check=True)
    step("first", {"zeek_systemd_cluster": description(hosts)})
    res["dirs"] = dict((h.name, S.tree_snapshot(os.path.join(h.prefix, "etc", "zeek", "cluster"))) for h in hosts)
    step("second", {"zeek_systemd_cluster": description(hosts)})
    grown = description(hosts, sensor2_workers=2)
    step("check_grow", {"zeek_systemd_cluster": grown}, check=True)
    step("grow", {"zeek_systemd_cluster": grown})
    env_change = {"zeek_systemd_cluster": description(hosts, sensor2_workers=2, sensor2_env={"MALLOC_ARENA_MAX": "2"}),
                  "zeek_systemd_cluster_restart_strategy": "host_by_host"}
    step("check_env", env_change, check=True)
    step("env", env_change)
    step("grow_serial", {"zeek_systemd_cluster": description(hosts, sensor1_workers=3, sensor2_workers=2,
                                                             sensor2_env={"MALLOC_ARENA_MAX": "2"}),
                         "zeek_systemd_cluster_restart_strategy": "host_by_host"})
    return res


def _refusal(base, name, variables_for, host_vars=None):
    hosts = S.make_hosts(os.path.join(base, name), HOSTS, S.generator_prefix)
    inventory = S.write_inventory(os.path.join(base, name, "inventory.json"), hosts, host_vars)
    before = _snapshots(hosts)
    run = S.run_role(inventory, dict({"zeek_systemd_cluster_zeek_version": "9.0"}, **variables_for(hosts)))
    return {"run": run, "unchanged": before == _snapshots(hosts), "calls": dict((h.name, h.calls()) for h in hosts)}


def _fqdn_description(hosts):
    cluster = description(hosts)
    cluster["hosts"]["sensor1.example.com"] = cluster["hosts"].pop("sensor1")
    return {"zeek_systemd_cluster": cluster}


def _broken_description(hosts):
    cluster = description(hosts)
    cluster["hosts"]["sensor1"]["zeek"]["manager"] = 1
    cluster["hosts"]["sensor2"]["interfaces"]["lo"]["worker_args"] = "x=1\nExecStartPre=/bin/touch /tmp/pwned"
    return {"zeek_systemd_cluster": cluster}


@pytest.fixture(scope="module")
def runs():
    base = tempfile.mkdtemp(prefix="zeek9-role-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            sequence = pool.submit(_sequence, base)
            fqdn = pool.submit(_refusal, base, "fqdn", _fqdn_description,
                               {"sensor1": {"zeek_systemd_cluster_host": "sensor1.example.com"}})
            broken = pool.submit(_refusal, base, "broken", _broken_description)
            result = sequence.result()
            result["fqdn"] = fqdn.result()
            result["broken"] = broken.result()
        yield result
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _ok(step):
    run = step["run"]
    assert run.rc == 0, run.failures()
    return run


def _changing(calls):
    return [" ".join(words) for unused_time, words in calls if words[0] in ("daemon-reload", "start", "restart")]


def test_check_mode_on_new_hosts_writes_nothing_and_calls_no_systemctl(runs):
    step = runs["check_new"]
    run = _ok(step)
    assert step["unchanged"]
    assert all(calls == [] for calls in step["calls"].values()), step["calls"]
    for host in HOSTS:
        assert WRITE_TASK in run.changed()[host]
        assert RESTART_TASK in run.changed()[host]


def test_check_mode_predicts_the_first_run_exactly(runs):
    check, real = _ok(runs["check_new"]), _ok(runs["first"])
    assert check.changed() == real.changed()
    for host in HOSTS:
        assert _changing(runs["first"]["calls"][host]) == ["daemon-reload", "start zeek.target"]


def test_every_host_carries_the_same_cluster_directory(runs):
    dirs = runs["dirs"]
    assert sorted(dirs["mgr1"]) == ["mgr1.zeek.conf", "sensor1.zeek.conf", "sensor2.zeek.conf"]
    assert dirs["mgr1"] == dirs["sensor1"] == dirs["sensor2"]


def test_the_generator_runs_this_hosts_file_and_the_units_became_active(runs):
    for host in runs["hosts"]:
        units = os.listdir(host.generated_dir)
        active = host.active()
        if host.name == "mgr1":
            assert {"zeek-manager.service", "zeek-logger@1.service", "zeek-proxy@1.service"} <= set(active)
            assert "zeek-manager.service" in units
        else:
            assert "zeek-worker-lo@1.service" in active and "zeek-manager.service" not in units
        # The layout zeek-setup.service wrote knows every host's nodes.
        layout = os.path.join(host.prefix, "var", "spool", "zeek", "generated-scripts", "cluster-layout.zeek")
        with open(layout, encoding="utf-8") as handle:
            text = handle.read()
        assert '["sensor2-worker-lo-2"]' in text and '["mgr1-logger-1"]' in text


def test_curve_keys_only_in_a_root_only_file_and_the_server_secret_only_where_needed(runs):
    keys = runs["keys"]
    for host in runs["hosts"]:
        env_file = os.path.join(host.prefix, "etc", "zeek", "zeromq-curve.env")
        assert oct(os.stat(env_file).st_mode & 0o777) == "0o600"
        with open(env_file, encoding="utf-8") as handle:
            text = handle.read()
        assert "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY='%s'" % keys["client_secretkey"] in text
        assert (keys["server_secretkey"] in text) == (host.name == "mgr1")
        dropin = os.path.join(host.unit_dir, "zeek-.service.d", "50-netsec-zeek-curve.conf")
        with open(dropin, encoding="utf-8") as handle:
            named = [line.split("=", 1)[1] for line in handle.read().splitlines() if line.startswith("EnvironmentFile=")]
        assert [os.path.realpath(path) for path in named] == [os.path.realpath(env_file)]
        # No key in anything world-readable the role or the generator wrote.
        for directory in (host.generated_dir, os.path.join(host.prefix, "etc", "zeek", "cluster"), host.unit_dir):
            for dirpath, _dirs, files in os.walk(directory):
                for name in files:
                    with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as handle:
                        content = handle.read()
                    assert not any(k in content for k in keys.values()), os.path.join(dirpath, name)
    for step in ("first", "second"):
        assert not any(k in runs[step]["run"].out for k in keys.values())


def test_a_second_run_changes_nothing_and_restarts_nothing(runs):
    run = _ok(runs["second"])
    assert run.changed() == dict((h, []) for h in HOSTS)
    assert all(_changing(calls) == [] for calls in runs["second"]["calls"].values())


def test_adding_a_worker_restarts_every_host_at_once_as_check_mode_predicted(runs):
    check, real = _ok(runs["check_grow"]), _ok(runs["grow"])
    assert runs["check_grow"]["unchanged"]
    assert check.changed() == real.changed()
    calls = runs["grow"]["calls"]
    for host in HOSTS:
        # The layout gained sensor2-worker-lo-2 on every host: every host restarts.
        assert _changing(calls[host]) == ["daemon-reload", "restart zeek.target"], calls[host]
    restarts = [t for host in HOSTS for t, words in calls[host] if words[0] == "restart"]
    waits = [t for host in HOSTS for t, words in calls[host] if words[0] == "is-active"]
    assert max(restarts) < min(waits)


def test_a_change_of_one_hosts_units_restarts_only_that_host(runs):
    check, real = _ok(runs["check_env"]), _ok(runs["env"])
    assert check.changed() == real.changed()
    assert [h for h in HOSTS if RESTART_TASK in real.changed()[h]] == ["sensor2"], runs["env"]["why"]
    calls = runs["env"]["calls"]
    assert _changing(calls["sensor2"]) == ["daemon-reload", "restart zeek.target"]
    assert _changing(calls["mgr1"]) == [] and _changing(calls["sensor1"]) == []


def test_host_by_host_restarts_one_host_after_the_other(runs):
    _ok(runs["grow_serial"])
    calls = runs["grow_serial"]["calls"]
    previous_active = None
    for host in HOSTS:  # play order
        restart = [t for t, words in calls[host] if words[0] == "restart"]
        waits = [t for t, words in calls[host] if words[0] == "is-active"]
        assert len(restart) == 1 and waits, calls[host]
        if previous_active is not None:
            assert restart[0] > previous_active, (host, calls)
        previous_active = max(waits)


def test_an_fqdn_host_name_is_refused_before_anything_is_written(runs):
    step = runs["fqdn"]
    assert step["run"].rc != 0
    assert step["unchanged"] and all(_changing(c) == [] for c in step["calls"].values())
    assert "sensor1.example.com" in step["run"].out
    assert "silently drops" in step["run"].out


def test_two_managers_and_a_newline_are_refused_before_anything_is_written(runs):
    step = runs["broken"]
    out = step["run"].out
    assert step["run"].rc != 0
    assert step["unchanged"] and all(_changing(c) == [] for c in step["calls"].values())
    assert "manager" in out and "5817" in out
    assert "nothing written" in out
