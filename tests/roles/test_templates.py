"""Every template, rendered by the real roles for a matrix of settings and Zeek versions.

One ansible-playbook run covers the matrix: the inventory has one host per combination,
all with the local connection, each with its own stand-in prefix (tests/roles/standins.py)
and its own directories. The rendered Zeek scripts must parse with zeekscript, the writer
settings must use exactly the plugin's option names, websocket.zeek must use the listen
call of the Zeek version, and the unit files must pass systemd-analyze verify.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import zeekscript

import helpers
import scenarios
import standins

VERSIONS = ["7.0.11", "7.2.2", "8.0.10", "8.2.2", "9.0.0"]
# Every version with every option set ("full"); the defaults ("minimal") on one version of
# each websocket.zeek branch family that differs for them (Broker:: and Cluster::).
MATRIX = [(version, "full") for version in VERSIONS] + [("7.0.11", "minimal"), ("8.2.2", "minimal")]

# The plugin's options (ncsa/bro-zeromq-writer@631e63b scripts/init.zeek and logs-to-zeromq.zeek).
WRITER_OPTIONS = {"endpoint", "zmq_hwm", "zmq_linger", "zmq_connect_pause", "send_logs", "excluded_log_ids"}

FULL = {
    "zeek_install_zeromq_writer_source": "preinstalled",
    "zeek_install_zeromq_endpoint": "ipc:///run/zeek/logs.sock",
    "zeek_install_zeromq_send_logs": ["HTTP::LOG", "Files::LOG", "DNS::LOG"],
    "zeek_install_zeromq_excluded_log_ids": ["Conn::LOG"],
    "zeek_install_zeromq_hwm": 25000,
    "zeek_install_zeromq_linger": -1,
    "zeek_install_zeromq_connect_pause": 750,
    "zeek_install_zeromq_extra_subscribers": [
        {"name": "siem", "endpoint": "tcp://10.1.2.3:44000", "log_ids": ["DNS::LOG", "HTTP::LOG"]},
        {"name": "lake", "endpoint": "tcp://[fd00::7]:44001", "log_ids": ["Notice::LOG"]},
    ],
    "zeek_install_websocket_address": "::1",
    "zeek_install_websocket_port": 27800,
    "zeek_install_websocket_standalone": False,
    "zeek_install_websocket_max_event_queue_size": 64,
    "zeek_install_websocket_ping_interval": 10,
    "zeek_install_websocket_tls_cert_file": "/etc/zeek/tls/ws.crt",
    "zeek_install_websocket_tls_key_file": "/etc/zeek/tls/ws.key",
    "zeek_install_websocket_tls_ca_file": "/etc/zeek/tls/ca.crt",
    "zeek_install_websocket_tls_peer_verification": True,
    "zeek_install_websocket_tls_ciphers": "HIGH:!aNULL",
    "zeek_install_local_extra_lines": ["@load policy/tuning/json-logs"],
    "zeek_management_controller_port": 21500,
    "zeek_management_controller_websocket_port": "21490/tcp",
    "zeek_management_agent_port": 21510,
    "zeek_management_agent_controller_address": "0.0.0.0",
    "zeek_management_agent_controller_port": "21500",
    "zeek_management_ignore_checksums": True,
    "zeek_management_agent_extra_args": ["Broker::default_port=10001/tcp"],
    "zeek_management_environment": {"ZEEK_DEFAULT_LISTEN_ADDRESS": "127.0.0.1"},
    "zeek_management_agent_supervisor_port": 21520,
    "zeek_management_agent_archive_logs": False,
    "zeek_management_cluster_listen_address": "",
    "zeek_management_websocket_tls_cert_file": "/etc/zeek/tls/ctl.crt",
    "zeek_management_websocket_tls_key_file": "/etc/zeek/tls/ctl.key",
    "zeek_management_websocket_tls_ca_file": "/etc/zeek/tls/ca.crt",
    "zeek_management_broker_tls_cert_file": "/etc/zeek/tls/broker.crt",
    "zeek_management_broker_tls_key_file": "/etc/zeek/tls/broker.key",
    "zeek_management_broker_tls_ca_file": "/etc/zeek/tls/ca.crt",
}
MINIMAL = {}  # the roles' defaults, apart from the paths every host needs


def _host_vars(root, version, variant):
    base = {
        "zeek_install_method": "existing",
        "zeek_install_version": ".".join(version.split(".")[:2]),
        "zeek_install_prefix": os.path.join(root, "prefix"),
        "zeek_install_manage_user": False,
        "zeek_install_capabilities": [],
        "zeek_install_zkg_sources": {},
        # Nothing may be installed on the test machine.
        "zeek_install_zeromq_writer_build_packages": {},
        "zeek_management_prefix": os.path.join(root, "prefix"),
        "zeek_management_manage_service": False,
        "zeek_management_unit_dir": os.path.join(root, "units"),
        "zeek_management_config_dir": os.path.join(root, "etc"),
        "zeek_management_state_dir": os.path.join(root, "state"),
        "zeek_management_spool_dir": os.path.join(root, "spool"),
        "zeek_management_log_dir": os.path.join(root, "logs"),
        "zeek_management_user": "root",
        "zeek_management_group": "root",
    }
    base.update(FULL if variant == "full" else MINIMAL)
    return base


@scenarios.background
def render_matrix():
    """One ansible-playbook run over every host of the matrix (runs in the background)."""
    top = tempfile.mkdtemp(prefix="netsec-zeek-matrix-")
    hosts = {}
    for version, variant in MATRIX:
        name = "zeek%s-%s" % (version.replace(".", "_"), variant)
        root = os.path.join(top, name)
        standins.make_prefix(os.path.join(root, "prefix"), version, plugin=(variant == "full"))
        hosts[name] = {"version": version, "variant": variant, "root": root,
                       "vars": _host_vars(root, version, variant)}
    inventory = os.path.join(top, "inventory.json")
    with open(inventory, "w", encoding="utf-8") as handle:
        json.dump({"all": {"hosts": {name: dict(h["vars"], ansible_connection="local")
                                     for name, h in hosts.items()}}}, handle)
    run = helpers.run_playbook(
        os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/install_and_management.yml"),
        inventory=inventory, extra_args=["--forks", "10"])
    return {"top": top, "hosts": hosts, "run": run}


@pytest.fixture(scope="module")
def matrix():
    scenario = scenarios.result(__name__)
    rc, out, recap = scenario["run"]
    assert rc == 0, helpers.failures(out)
    assert set(recap) == set(scenario["hosts"]), out[-3000:]
    yield scenario["hosts"]
    shutil.rmtree(scenario["top"], ignore_errors=True)


def _site(host):
    return os.path.join(host["root"], "prefix", "share", "zeek", "site")


def _zeek_files(host):
    files = [os.path.join(_site(host), "local.zeek")]
    sub = os.path.join(_site(host), "netsec_zeek")
    files += [os.path.join(sub, f) for f in sorted(os.listdir(sub))]
    etc = os.path.join(host["root"], "etc")
    files += [os.path.join(etc, f) for f in sorted(os.listdir(etc))]
    return files


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_every_rendered_zeek_script_parses(matrix):
    checked = 0
    for name, host in matrix.items():
        files = _zeek_files(host)
        assert len(files) == 5, (name, files)  # local, websocket, zeromq-writer, agent, controller
        for path in files:
            script = zeekscript.Script(path)
            ok = script.parse()
            assert ok and not script.has_error(), "%s: %s does not parse: %s" % (name, path, script.get_error())
            checked += 1
    assert checked == 5 * len(MATRIX)


def test_a_broken_script_does_fail_the_parser(tmp_path):
    # The parse check above is only worth something if zeekscript rejects broken Zeek.
    bad = tmp_path / "bad.zeek"
    bad.write_text('event zeek_init() { Cluster::listen_websocket([$listen_addr=127.0.0.1, $listen_port=27759/tcp); }\n')
    script = zeekscript.Script(str(bad))
    assert not script.parse() or script.has_error()


def test_writer_settings_use_the_plugins_option_names(matrix):
    for name, host in matrix.items():
        text = _read(os.path.join(_site(host), "netsec_zeek", "zeromq-writer.zeek"))
        used = set(re.findall(r"^redef LogZeroMQ::(\w+)", text, re.MULTILINE))
        assert used <= WRITER_OPTIONS, (name, used - WRITER_OPTIONS)
        if host["variant"] == "full":
            assert used == WRITER_OPTIONS, name
            assert 'redef LogZeroMQ::endpoint = "ipc:///run/zeek/logs.sock";' in text
            assert "redef LogZeroMQ::zmq_hwm = 25000;" in text
            assert "redef LogZeroMQ::zmq_linger = -1;" in text
            assert "redef LogZeroMQ::zmq_connect_pause = 750;" in text
            assert "redef LogZeroMQ::send_logs += { HTTP::LOG, Files::LOG, DNS::LOG };" in text
            assert "redef LogZeroMQ::excluded_log_ids += { Conn::LOG };" in text
            assert "@load NCSA/ZeroMQWriter" in text  # preinstalled: not loaded by zkg's packages
            filters = re.findall(r"Log::add_filter\((\S+), \[\$name=\"([^\"]+)\",\s+\$writer=Log::WRITER_ZEROMQ,"
                                 r"\s+\$interv=0 sec,\s+\$config=table\(\[\"endpoint\"\] = \"([^\"]+)\"\)\]\);", text)
            assert filters == [("DNS::LOG", "netsec-zmq-siem", "tcp://10.1.2.3:44000"),
                               ("HTTP::LOG", "netsec-zmq-siem", "tcp://10.1.2.3:44000"),
                               ("Notice::LOG", "netsec-zmq-lake", "tcp://[fd00::7]:44001")]
        else:
            # Defaults: the 500 ms connect pause against ZeroMQ's slow joiners, no double load.
            assert used == {"endpoint", "zmq_hwm", "zmq_linger", "zmq_connect_pause"}
            assert "redef LogZeroMQ::zmq_connect_pause = 500;" in text
            assert 'redef LogZeroMQ::endpoint = "tcp://127.0.0.1:12345";' in text
            assert "@load NCSA/ZeroMQWriter" not in text
            assert "Log::add_filter" not in text


def test_websocket_uses_the_listen_call_of_the_zeek_version(matrix):
    for name, host in matrix.items():
        text = _read(os.path.join(_site(host), "netsec_zeek", "websocket.zeek"))
        text = "\n".join(line for line in text.splitlines() if not line.startswith("#"))  # code only
        major_minor = tuple(int(x) for x in host["version"].split(".")[:2])
        full = host["variant"] == "full"
        assert "Cluster::local_node_type() != Cluster::MANAGER" in text, name
        if major_minor >= (8, 0):
            assert "Cluster::listen_websocket(options)" in text, name
            assert ("$listen_addr=[::1]," if full else "$listen_addr=127.0.0.1,") in text, name
            assert "$listen_host" not in text and "Broker::listen_websocket" not in text, name
            assert ("$ping_interval=10 sec" if full else "$ping_interval=5 sec") in text, name
        elif major_minor == (7, 2):
            assert "Cluster::listen_websocket(options)" in text, name
            assert ('$listen_host="::1",' if full else '$listen_host="127.0.0.1",') in text, name
            assert "$listen_addr" not in text and "$ping_interval" not in text, name
        else:
            assert ('Broker::listen_websocket("::1", 27800/tcp);' if full
                    else 'Broker::listen_websocket("127.0.0.1", 27759/tcp);') in text, name
            assert "Cluster::listen_websocket" not in text, name
        if full and major_minor >= (7, 2):
            assert '$tls_options=Cluster::WebSocketTLSOptions(' in text
            assert '$enable_peer_verification=T' in text and '$ciphers="HIGH:!aNULL"' in text
            assert "27800/tcp" in text
        if full and major_minor < (7, 2):
            assert 'redef Broker::ssl_certificate = "/etc/zeek/tls/ws.crt";' in text
        # Standalone processes listen only when allowed; supervisors never do.
        if full:
            assert "Supervisor::is_supervisor()" not in text
        else:
            assert "Supervisor::is_supervisor() || Supervisor::is_supervised()" in text
        # A standalone Zeek >= 8.1 has no cluster backend: the allowed standalone listener
        # brings the ZeroMQ backend and its proxy (on abstract sockets), guarded for clusters.
        backend = "@load frameworks/cluster/backend/zeromq" in text
        assert backend == (not full and major_minor >= (8, 1)), name
        if backend:
            assert ("@if ( Cluster::backend == Cluster::CLUSTER_BACKEND_NONE && ! Cluster::is_enabled() "
                    "&& ! Supervisor::is_supervisor() && ! Supervisor::is_supervised() )") in text
            assert "redef Cluster::Backend::ZeroMQ::run_proxy_thread = T;" in text
            assert re.findall(r'redef Cluster::Backend::ZeroMQ::(\w+) = fmt\("ipc://@zeek-websocket-%d-(\w+)", getpid\(\)\);',
                              text) == [("listen_xpub_endpoint", "xpub"), ("connect_xsub_endpoint", "xpub"),
                                        ("listen_xsub_endpoint", "xsub"), ("connect_xpub_endpoint", "xsub")]


def test_local_zeek_loads_the_scripts_from_one_managed_block(matrix):
    for name, host in matrix.items():
        text = _read(os.path.join(_site(host), "local.zeek"))
        assert text.startswith(standins.LOCAL_ZEEK), name  # the site's own lines are kept
        block = re.search(r"# BEGIN netsec.zeek.install managed block\n(.*)# END netsec.zeek.install managed block\n",
                          text, re.DOTALL)
        assert block, name
        lines = block.group(1).splitlines()
        if host["variant"] == "full":
            assert lines == ["@load ./netsec_zeek/zeromq-writer", "@load ./netsec_zeek/websocket",
                             "@load policy/tuning/json-logs"], name
        else:
            assert lines == ["@load packages", "@load ./netsec_zeek/zeromq-writer",
                             "@load ./netsec_zeek/websocket"], name


def test_management_scripts_and_environment(matrix):
    for name, host in matrix.items():
        units = os.path.join(host["root"], "units")
        agent = _read(os.path.join(units, "zeek-agent.service"))
        controller = _read(os.path.join(units, "zeek-controller.service"))
        env = dict(re.findall(r'^Environment="([A-Z_]+)=([^"]*)"$', agent + controller, re.MULTILINE))
        port_vars = [k for k in env if k.endswith("_PORT")]
        assert sorted(port_vars) == ["ZEEK_AGENT_PORT", "ZEEK_CONTROLLER_PORT", "ZEEK_CONTROLLER_WEBSOCKET_PORT"]
        for key in port_vars:
            assert re.fullmatch(r"[0-9]+/tcp", env[key]), (name, key, env[key])
        agent_zeek = _read(os.path.join(host["root"], "etc", "agent.zeek"))
        controller_zeek = _read(os.path.join(host["root"], "etc", "controller.zeek"))
        if host["variant"] == "full":
            assert env["ZEEK_CONTROLLER_WEBSOCKET_PORT"] == "21490/tcp"
            assert env["ZEEK_CONTROLLER_PORT"] == "21500/tcp" and env["ZEEK_AGENT_PORT"] == "21510/tcp"
            assert '$address="0.0.0.0"' in agent_zeek and "$bound_port=21500/tcp" in agent_zeek
            assert "ExecStart=%s/prefix/bin/zeek -C -j policy/frameworks/management/agent %s/etc/agent.zeek local "\
                   "Broker::default_port=10001/tcp" % (host["root"], host["root"]) in agent
            assert 'redef Broker::ssl_certificate = "/etc/zeek/tls/broker.crt";' in agent_zeek
            assert "redef Broker::default_port = 21520/tcp;" in agent_zeek
            assert "redef Management::Agent::archive_logs = F;" in agent_zeek
            # An empty cluster listen address: Zeek's default (every interface), no redefs.
            assert "Broker::default_listen_address" not in agent_zeek and "metrics_address" not in agent_zeek
            if tuple(int(x) for x in host["version"].split(".")[:2]) >= (8, 0):
                assert "redef Management::Controller::tls_options_websocket = Cluster::WebSocketTLSOptions(" in controller_zeek
            else:
                assert "tls_options_websocket" not in controller_zeek
                assert 'redef Broker::ssl_certificate = "/etc/zeek/tls/ctl.crt";' in controller_zeek
        else:
            assert env["ZEEK_CONTROLLER_WEBSOCKET_PORT"] == "2149/tcp"
            assert env["ZEEK_CONTROLLER_PORT"] == "2150/tcp" and env["ZEEK_AGENT_PORT"] == "2151/tcp"
            assert "ExecStart=%s/prefix/bin/zeek -j policy/frameworks/management/controller %s/etc/controller.zeek local\n"\
                   % (host["root"], host["root"]) in controller
            assert "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN" in agent
            assert "Broker::ssl" not in agent_zeek + controller_zeek
            # Defaults: Zeek's supervisor port, archiving on, nodes bound to loopback.
            assert "redef Broker::default_port = 9999/tcp;" in agent_zeek
            assert "redef Management::Agent::archive_logs = T;" in agent_zeek
            block = re.search(r"^@if \( Cluster::is_enabled\(\) \)\n(.*?)^@endif$", agent_zeek, re.DOTALL | re.MULTILINE)
            assert block, agent_zeek
            redefs = re.findall(r"^redef (\S+) = (.*);$", block.group(1), re.MULTILINE)
            assert redefs == [("Broker::default_listen_address", '"127.0.0.1"'),
                              ("Telemetry::metrics_address", '"127.0.0.1"')]
            # Not the environment: the agent would look for its supervisor there too.
            assert "ZEEK_DEFAULT_LISTEN_ADDRESS" not in agent


def _verify(path):
    # systemd-analyze verify works on a unit file path without a running systemd
    # (--man=no: no man pages in CI). It checks that ExecStart's binary exists and is
    # executable; here that is the stand-in bin/zeek of the host's prefix. It only warns
    # (exit 0) about unknown keys or bad values, so any message about the file counts too.
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", path],
                          capture_output=True, text=True, check=False)
    messages = [line for line in (proc.stdout + proc.stderr).splitlines()
                if os.path.basename(path) in line]
    return proc.returncode, messages, proc.stdout + proc.stderr


def test_unit_files_pass_systemd_analyze_verify(matrix):
    verified = 0
    for name, host in matrix.items():
        units = os.path.join(host["root"], "units")
        for unit in sorted(os.listdir(units)):
            rc, messages, out = _verify(os.path.join(units, unit))
            assert rc == 0 and not messages, "%s/%s: %s" % (name, unit, out)
            verified += 1
    assert verified == 2 * len(matrix)


def test_systemd_analyze_verify_catches_a_broken_unit(matrix, tmp_path):
    # Proof that the check above can fail: a typo in a key and a missing binary.
    host = next(iter(matrix.values()))
    text = _read(os.path.join(host["root"], "units", "zeek-agent.service"))
    typo = tmp_path / "zeek-typo.service"
    typo.write_text(text.replace("Restart=on-failure", "Restartt=on-failure"))
    rc, messages, unused_out = _verify(str(typo))
    assert rc != 0 or messages
    missing = tmp_path / "zeek-missing.service"
    missing.write_text(re.sub(r"ExecStart=\S+", "ExecStart=/nonexistent/bin/zeek", text))
    rc, messages, unused_out = _verify(str(missing))
    assert rc != 0 or messages
