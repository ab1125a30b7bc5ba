"""netsec.zeek.install against the real Zeek: what it renders must load, listen and deliver.

One ansible-playbook run (the real role, method "existing") over five local "hosts":
a private copy of the real 8.2.2 (with the ZeroMQ log writer from its binary plugin
tarball), a copy of the real 9.0.0-rc1, and stand-in prefixes that only report 7.0.11,
7.2.2 and 8.0.10 (tests/roles/standins.py), so the role renders websocket.zeek in the form
of every version line it supports. Then:

* every script the role rendered is loaded by a real ``zeek -a`` (parse and type-check);
  the forms for 7.x are refused by 8.2.2 exactly where the role switches on the version;
* a standalone real Zeek started with the site's local.zeek answers the ``event`` module
  through the rendered listener (8.2.2 and 9.0.0-rc1), and the 8.0 form, which lacks the
  cluster backend a standalone Zeek >= 8.1 needs, accepts the client but delivers nothing;
* the same 8.2.2 node's logs reach ``zeromq_logs_info``: the streams the writer settings
  select, the extra subscriber's ``-2`` path, and none of the excluded ones.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import zeek_dist

ROLE_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "roles")
sys.path.insert(0, ROLE_TESTS)

import helpers  # noqa: E402  pylint: disable=wrong-import-position
import real_zeek  # noqa: E402  pylint: disable=wrong-import-position
import standins  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/real_zeek.yml")
FORMS = ["7.0.11", "7.2.2", "8.0.10"]  # rendered on stand-ins, loaded by the real 8.2.2
ZEEK9 = "9.0.0-rc1"

PING_ZEEK = os.path.join(ROLE_TESTS, "files", "netsec_ping.zeek")

# Writer settings: two selected streams, one of them also excluded (exclusion wins), and an
# extra subscriber for one stream on the same endpoint (its records arrive as "<path>-2").
SEND_LOGS = ["LoadedScripts::LOG", "Cluster::LOG"]
EXCLUDED = ["Cluster::LOG"]


def _find(version):
    try:
        return zeek_dist.find_zeek(version)
    except zeek_dist.ZeekUnavailable as exc:
        if zeek_dist.SHARED_ZEEK.is_dir():
            pytest.fail("%s exists but: %s" % (zeek_dist.SHARED_ZEEK, exc.reason), pytrace=False)
        pytest.skip("real-Zeek tier did not run: %s" % exc.reason)
    except zeek_dist.ZeekBroken as exc:
        pytest.fail(str(exc), pytrace=False)
    return None


def _zeek_env(prefix):
    """The three variables a relocated Zeek needs (the play passes them to every task)."""
    env = zeek_dist.ZeekInstall(prefix, None, "copy").env(base={})
    return {key: env[key] for key in ("ZEEK_HOME", "ZEEKPATH", "ZEEK_PLUGIN_PATH")}


def _full_env(prefix):
    return zeek_dist.ZeekInstall(prefix, None, "copy").env()


def _base_vars(prefix, version):
    return {
        "ansible_connection": "local",
        "zeek_install_method": "existing",
        "zeek_install_version": version,
        "zeek_install_prefix": prefix,
        "zeek_install_manage_user": False,
        "zeek_install_capabilities": [],
        "zeek_install_zeromq_writer": False,
    }


def ansible_module(module, args, timeout=120):
    """Run one module on localhost with ad-hoc ansible; return (rc, result)."""
    proc = subprocess.run(_adhoc(module, args), env=helpers.env(), capture_output=True, text=True, timeout=timeout, check=False, cwd=helpers.REPO_ROOT)
    return proc.returncode, _json_result(proc.stdout, proc.stderr)


def _adhoc(module, args):
    # -o: "localhost | SUCCESS => {...}" (or FAILED!) on one line, the result as JSON.
    return [os.path.join(helpers.BIN, "ansible"), "localhost", "-c", "local", "-o",
            "-e", "ansible_python_interpreter=" + sys.executable, "-m", module, "-a", json.dumps(args)]


def _json_result(stdout, stderr):
    try:
        return json.loads(stdout.split(" => ", 1)[1])
    except (ValueError, IndexError) as exc:
        raise AssertionError("no JSON result from ansible (%s):\n%s\n%s" % (exc, stdout[-3000:], stderr[-3000:])) from exc


def _start_module(procs, name, module, args, log_dir):
    """Start an ad-hoc module run in the background (its JSON result goes to <name>.out)."""
    return procs.start(name, _adhoc(module, args), cwd=log_dir, env=helpers.env())


def zeek_parse(prefix, scripts, cwd):
    """``zeek -a <scripts>``: parse and type-check, then exit."""
    scripts = [scripts] if isinstance(scripts, str) else scripts
    proc = subprocess.run([os.path.join(prefix, "bin", "zeek"), "-a"] + scripts, cwd=str(cwd), env=_full_env(prefix),
                          capture_output=True, text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def rendered(zeek):
    """One role run over the five hosts, and a second one that must change nothing."""
    zeek9 = _find(ZEEK9)
    top = tempfile.mkdtemp(prefix="roles-install-", dir=os.path.join(helpers.REPO_ROOT, ".build"))
    ws822, ws9, zmq_port = real_zeek.free_ports(3)
    hosts = {}
    p822 = real_zeek.copy_prefix(zeek.prefix, os.path.join(top, "zeek-8.2.2"))
    hosts["real-8.2.2"] = dict(
        _base_vars(p822, zeek.version),
        test_environment=_zeek_env(p822),
        zeek_install_zeromq_writer=True,
        zeek_install_zeromq_writer_source="tarball",
        zeek_install_zeromq_writer_tarball=str(zeek_dist.zeek_plugin_bundle(zeek.version)),
        zeek_install_zeromq_endpoint="tcp://127.0.0.1:%d" % zmq_port,
        zeek_install_zeromq_send_logs=SEND_LOGS,
        zeek_install_zeromq_excluded_log_ids=EXCLUDED,
        zeek_install_zeromq_extra_subscribers=[
            {"name": "lake", "endpoint": "tcp://127.0.0.1:%d" % zmq_port, "log_ids": ["LoadedScripts::LOG"]}],
        zeek_install_websocket_port=ws822)
    p9 = real_zeek.copy_prefix(zeek9.prefix, os.path.join(top, "zeek-9"))
    hosts["real-9.0"] = dict(_base_vars(p9, "9.0"), test_environment=_zeek_env(p9), zeek_install_websocket_port=ws9)
    for version in FORMS:
        prefix = standins.make_prefix(os.path.join(top, "form-" + version), version)
        hosts["form-" + version] = dict(_base_vars(prefix, version), zeek_install_websocket_port=27759)
    inventory = os.path.join(top, "inventory.json")
    with open(inventory, "w", encoding="utf-8") as handle:
        json.dump({"all": {"hosts": hosts}}, handle)
    # Check mode first, on the real 8.2.2 host: it must predict the real run and write nothing.
    plugin_dir = os.path.join(p822, "lib", "zeek", "plugins", "NCSA_ZeroMQWriter")
    check = helpers.run_playbook(PLAYBOOK, inventory=inventory, check=True, extra_args=["--limit", "real-8.2.2"])
    written_in_check = os.path.exists(plugin_dir) or os.path.exists(os.path.join(_site(p822), "netsec_zeek"))
    first = helpers.run_playbook(PLAYBOOK, inventory=inventory, extra_args=["--forks", "5"])
    # tests/roles proves the stand-ins idempotent; here the real prefixes (real zeek -NN, unarchive).
    second = helpers.run_playbook(PLAYBOOK, inventory=inventory, extra_args=["--forks", "5", "--limit", "real-*"])
    yield {"top": top, "hosts": hosts, "check": check, "written_in_check": written_in_check,
           "first": first, "second": second, "p822": p822, "p9": p9,
           "ws822": ws822, "ws9": ws9, "zmq_port": zmq_port}
    shutil.rmtree(top, ignore_errors=True)


def _site(prefix):
    return os.path.join(prefix, "share", "zeek", "site")


def _script(prefix, name):
    return os.path.join(_site(prefix), "netsec_zeek", name)


def test_the_role_runs_on_real_prefixes_and_a_second_run_changes_nothing(rendered):
    rc, out, recap = rendered["first"]
    assert rc == 0, helpers.failures(out)
    assert set(recap) == set(rendered["hosts"]), out[-3000:]
    # The role asked the real zeek whether the unpacked plugin loads (zeek -NN).
    assert "NCSA::ZeroMQWriter - ZeroMQ log writer (dynamic, version 0.3.0)" in out
    rc, out, recap = rendered["second"]
    assert rc == 0, helpers.failures(out)
    assert {host: r["changed"] for host, r in recap.items()} == {"real-8.2.2": 0, "real-9.0": 0}, \
        [line for line in out.splitlines() if line.startswith("changed:")]
    plugin = os.path.join(rendered["p822"], "lib", "zeek", "plugins", "NCSA_ZeroMQWriter", "__zeek_plugin__")
    assert os.path.isfile(plugin)


def test_check_mode_predicts_the_first_run_and_writes_nothing(rendered):
    rc, out, recap = rendered["check"]
    assert rc == 0, helpers.failures(out)
    assert not rendered["written_in_check"]
    unused_rc, unused_out, first = rendered["first"]
    # The plugin unpacked, its scripts and the managed block: the same changes, predicted.
    assert recap["real-8.2.2"]["changed"] == first["real-8.2.2"]["changed"] >= 4, (recap, first)


@pytest.mark.parametrize("host", ["real-8.2.2", "real-9.0"])
def test_every_rendered_script_loads_in_the_real_zeek(rendered, host, tmp_path):
    prefix = rendered["p822"] if host == "real-8.2.2" else rendered["p9"]
    scripts = sorted(os.listdir(os.path.join(_site(prefix), "netsec_zeek")))
    expected = ["websocket.zeek", "zeromq-writer.zeek"] if host == "real-8.2.2" else ["websocket.zeek"]
    assert scripts == expected
    # The whole site policy as a node loads it: local.zeek, the managed block at its end.
    rc, out = zeek_parse(prefix, "local", tmp_path)
    assert rc == 0 and "error" not in out, "%s: zeek -a local:\n%s" % (host, out)
    # Each rendered script on its own, after the policy script that defines a selected log id
    # (LoadedScripts::LOG is not in base/; local.zeek loads misc/loaded-scripts before the block).
    for name in scripts:
        rc, out = zeek_parse(prefix, ["misc/loaded-scripts", _script(prefix, name)], tmp_path)
        assert rc == 0 and "error" not in out, "%s: zeek -a %s:\n%s" % (host, name, out)


def test_writer_settings_need_the_streams_they_name_loaded_first(rendered, tmp_path):
    # What the real Zeek showed: a log id from a policy script is unknown before that script.
    rc, out = zeek_parse(rendered["p822"], [_script(rendered["p822"], "zeromq-writer.zeek")], tmp_path)
    assert rc != 0 and "unknown identifier LoadedScripts::LOG" in out, out


def test_zeek_a_does_reject_a_script_that_only_parses(rendered, tmp_path):
    # Proof that the check above type-checks: zeekscript accepts this, Zeek does not.
    bad = tmp_path / "bad.zeek"
    bad.write_text("event zeek_init()\n\t{\n\tlocal options = Cluster::WebSocketServerOptions($listen_adr=127.0.0.1);\n\t}\n")
    rc, out = zeek_parse(rendered["p822"], str(bad), tmp_path)
    assert rc != 0 and "listen_adr" in out, out


def test_the_websocket_forms_of_older_versions(rendered, tmp_path):
    """The 8.0 form type-checks in 8.2.2; the 7.x forms use exactly what 8.2.2 no longer has."""
    results = {}
    for version in FORMS:
        root = rendered["hosts"]["form-" + version]["zeek_install_prefix"]
        results[version] = zeek_parse(rendered["p822"], _script(root, "websocket.zeek"), tmp_path)
    rc, out = results["8.0.10"]
    assert rc == 0 and "error" not in out, out
    rc, out = results["7.2.2"]  # 7.2's record field; 8.0 renamed it to $listen_addr
    assert rc != 0 and "listen_host" in out, out
    rc, out = results["7.0.11"]  # removed in 8.1
    assert rc != 0 and "Broker::listen_websocket" in out, out


def _ping(port, reqid, timeout=10):
    return ansible_module("netsec.zeek.event", {
        "name": "Netsec::ping", "args": [reqid, "hello"], "topic": "netsec/ping",
        "reply_topic": "netsec/pong", "reply_event": "Netsec::pong", "reply_match": "first_arg",
        "reply_timeout": timeout, "websocket_host": "127.0.0.1", "websocket_port": str(port),
        "websocket_timeout": timeout, "websocket_retries": 1})


@pytest.fixture(scope="module")
def standalone_822(rendered):
    """A standalone 8.2.2 with the site policy, pinged once while zeromq_logs_info listens."""
    run = os.path.join(rendered["top"], "standalone-8.2.2")
    os.makedirs(run)
    shutil.copy(PING_ZEEK, os.path.join(run, "ping.zeek"))
    procs = real_zeek.Processes(run)
    zmq_port = rendered["zmq_port"]
    try:
        # Everything that arrives within the timeout: count is never reached on purpose.
        _start_module(procs, "subscriber", "netsec.zeek.zeromq_logs_info", {
            "endpoint": "tcp://127.0.0.1:%d" % zmq_port, "paths": [], "count": 1000000, "max_records": 1000000,
            "timeout": 9}, run)
        real_zeek.wait_until(lambda: real_zeek.listening([zmq_port]), 30, "zeromq_logs_info binding port %d" % zmq_port)
        procs.start("zeek", [os.path.join(rendered["p822"], "bin", "zeek"), "local", "ping.zeek"], cwd=run,
                    env=_full_env(rendered["p822"]))
        procs.wait_port("zeek", rendered["ws822"])
        ping = _ping(rendered["ws822"], "req-822")
        ss = real_zeek.listening()
        zeek_pid = procs.procs["zeek"].pid
        procs.stop("zeek")
        procs.procs["subscriber"].wait(60)
        with open(os.path.join(run, "subscriber.out"), encoding="utf-8") as handle:
            received = _json_result(handle.read(), procs.output("subscriber"))
        zeek_ports = sorted(port for port, socks in ss.items() for unused_addr, pid in socks if pid == zeek_pid)
        yield {"run": run, "ping": ping, "received": received, "ss": ss, "ports": zeek_ports}
    finally:
        procs.stop_all()


def test_a_standalone_8_2_node_answers_the_event_module(standalone_822):
    rc, result = standalone_822["ping"]
    assert rc == 0, result
    assert result["published"] is True and result["errors"] == []
    assert result["reply"]["name"] == "Netsec::pong"
    assert result["reply"]["args"][:2] == ["req-822", "hello"]
    # Standalone: no cluster node name, no cluster nodes.
    assert result["reply"]["args"][2:4] == ["", []]


def test_the_standalone_backend_listens_on_no_tcp_port_but_the_websocket(standalone_822, rendered):
    # The proxy thread uses abstract Unix sockets, not Zeek's TCP 5555/5556.
    assert standalone_822["ports"] == [rendered["ws822"]]
    assert [addr for addr, unused_pid in standalone_822["ss"][rendered["ws822"]]] == ["127.0.0.1"]


def test_the_nodes_logs_reach_zeromq_logs_info(standalone_822):
    received = standalone_822["received"]
    counts = received["counts"]
    # Selected and not excluded: loaded_scripts, once by the writer's own filter and once by
    # the extra subscriber's filter (path "-2"), one record per loaded script each.
    assert set(counts) == {"loaded_scripts", "loaded_scripts-2"}, counts
    assert counts["loaded_scripts"] == counts["loaded_scripts-2"] > 100
    assert received["malformed"] == 0
    assert all(r["record"] and "name" in r["record"] for r in received["records"])
    # The excluded stream did write (the WebSocket client of the ping), only not to ZeroMQ;
    # streams not selected wrote too.
    logs = sorted(name for name in os.listdir(standalone_822["run"]) if name.endswith(".log"))
    with open(os.path.join(standalone_822["run"], "cluster.log"), encoding="utf-8") as handle:
        assert "WebSocket client" in handle.read()
    assert set(logs) - {"loaded_scripts.log", "cluster.log"}, logs


def test_a_standalone_9_0_node_answers_the_event_module(rendered):
    run = os.path.join(rendered["top"], "standalone-9.0")
    os.makedirs(run)
    shutil.copy(PING_ZEEK, os.path.join(run, "ping.zeek"))
    procs = real_zeek.Processes(run)
    try:
        procs.start("zeek", [os.path.join(rendered["p9"], "bin", "zeek"), "local", "ping.zeek"], cwd=run,
                    env=_full_env(rendered["p9"]))
        procs.wait_port("zeek", rendered["ws9"])
        rc, result = _ping(rendered["ws9"], "req-9")
    finally:
        procs.stop_all()
    assert rc == 0, result
    assert result["reply"]["args"][:2] == ["req-9", "hello"]


def test_without_the_backend_the_8_0_form_delivers_nothing_on_8_2(rendered):
    """The failure the role fixes: the same listener without a cluster backend stays silent."""
    run = os.path.join(rendered["top"], "standalone-8.0-form")
    os.makedirs(run)
    shutil.copy(PING_ZEEK, os.path.join(run, "ping.zeek"))
    form = _script(rendered["hosts"]["form-8.0.10"]["zeek_install_prefix"], "websocket.zeek")
    port = real_zeek.free_ports(1)[0]
    with open(form, encoding="utf-8") as handle:
        text = handle.read().replace("27759/tcp", "%d/tcp" % port)
    with open(os.path.join(run, "websocket-8.0.zeek"), "w", encoding="utf-8") as handle:
        handle.write(text)
    procs = real_zeek.Processes(run)
    try:
        procs.start("zeek", [os.path.join(rendered["p822"], "bin", "zeek"), "websocket-8.0.zeek", "ping.zeek"],
                    cwd=run, env=_full_env(rendered["p822"]))
        procs.wait_port("zeek", port)
        rc, result = _ping(port, "req-none", timeout=3)
    finally:
        procs.stop_all()
    assert rc != 0 and "reply" not in result, result
