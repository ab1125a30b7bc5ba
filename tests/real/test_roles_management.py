"""netsec.zeek.management against the real Zeek: its units start a working Management Framework.

The real roles (install, then management, ``zeek_management_manage_service: false``) run on
two local "hosts" with private copies of the real 8.2.2 and free ports:

* ``mgr``: controller and agent ``agent-a``, the role's default cluster listen address
  (127.0.0.1), ``zeek_management_agent_archive_logs: false``;
* ``sensor``: agent ``agent-b`` only, ``zeek_management_cluster_listen_address: ""``
  (Zeek's own default).

The controller and both agents are started exactly as systemd would start the rendered
units (ExecStart, Environment, WorkingDirectory, a clean environment), plus the three
variables a relocated Zeek needs. The real ``zeek-client`` sees both agents and deploys a
cluster across them (manager and logger on agent-a, proxy and a worker on ``lo`` on
agent-b). Then ``ss -ltnp`` shows where the nodes listen, and the ``event`` module reaches a
handler on the manager through the install role's websocket.zeek.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import zeek_dist

ROLE_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "roles")
sys.path.insert(0, ROLE_TESTS)

import helpers  # noqa: E402  pylint: disable=wrong-import-position
import real_zeek  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/real_zeek.yml")
ZEEK_CLIENT = os.path.join(helpers.BIN, "zeek-client")
# What systemd gives a service besides the unit's Environment= lines.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
WILDCARD = {"*", "0.0.0.0", "[::]"}

PING_ZEEK = os.path.join(ROLE_TESTS, "files", "netsec_ping.zeek")


def _relocation_env(prefix):
    env = zeek_dist.ZeekInstall(prefix, None, "copy").env(base={})
    return {key: env[key] for key in ("ZEEK_HOME", "ZEEKPATH", "ZEEK_PLUGIN_PATH")}


def parse_unit(path):
    """(argv, environment, working directory) of a rendered unit, as systemd reads them."""
    argv, env, cwd = None, {}, None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("ExecStart="):
                argv = line[len("ExecStart="):].split()
            elif line.startswith("Environment="):
                key, unused_eq, value = line[len("Environment="):].strip('"').partition("=")
                env[key] = value
            elif line.startswith("WorkingDirectory="):
                cwd = line[len("WorkingDirectory="):]
    return argv, env, cwd


def zeek_client(port, *args, timeout=60):
    proc = subprocess.run([ZEEK_CLIENT, "--controller", "127.0.0.1:%d" % port] + list(args),
                          capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def _host_vars(top, name, prefix, ports):
    root = os.path.join(top, name)
    return {
        "ansible_connection": "local",
        "test_environment": _relocation_env(prefix),
        "test_management": True,
        "zeek_install_method": "existing",
        "zeek_install_version": "8.2",
        "zeek_install_prefix": prefix,
        "zeek_install_manage_user": False,
        "zeek_install_capabilities": [],
        "zeek_install_zeromq_writer": False,
        "zeek_install_websocket_port": ports["websocket"],
        "zeek_management_prefix": prefix,
        "zeek_management_user": "root",
        "zeek_management_group": "root",
        "zeek_management_manage_service": False,
        "zeek_management_unit_dir": os.path.join(root, "units"),
        "zeek_management_config_dir": os.path.join(root, "etc"),
        "zeek_management_state_dir": os.path.join(root, "state"),
        "zeek_management_spool_dir": os.path.join(root, "spool"),
        "zeek_management_log_dir": os.path.join(root, "logs"),
        "zeek_management_controller_port": ports["controller"],
        "zeek_management_controller_websocket_port": ports["controller_websocket"],
        "zeek_management_agent_controller_port": ports["controller"],
        "zeek_management_ignore_checksums": True,
    }


@pytest.fixture(scope="module")
def cluster(zeek):
    top = tempfile.mkdtemp(prefix="roles-management-", dir=os.path.join(helpers.REPO_ROOT, ".build"))
    names = ["controller", "controller_websocket", "agent_a", "agent_b", "supervisor_a", "supervisor_b", "websocket",
             "manager", "logger", "proxy", "m_manager", "m_logger", "m_proxy", "m_worker"]
    ports = dict(zip(names, real_zeek.free_ports(len(names))))
    prefixes = {host: real_zeek.copy_prefix(zeek.prefix, os.path.join(top, host, "zeek")) for host in ("mgr", "sensor")}
    hosts = {
        "mgr": dict(_host_vars(top, "mgr", prefixes["mgr"], ports),
                    zeek_management_agent_name="agent-a", zeek_management_agent_port=ports["agent_a"],
                    zeek_management_agent_supervisor_port=ports["supervisor_a"],
                    zeek_management_controller_name="controller-a",
                    zeek_management_agent_archive_logs=False),
        "sensor": dict(_host_vars(top, "sensor", prefixes["sensor"], ports),
                       zeek_management_controller=False,
                       zeek_management_agent_name="agent-b", zeek_management_agent_port=ports["agent_b"],
                       zeek_management_agent_supervisor_port="%d/tcp" % ports["supervisor_b"],
                       zeek_management_cluster_listen_address=""),
    }
    inventory = os.path.join(top, "inventory.json")
    with open(inventory, "w", encoding="utf-8") as handle:
        json.dump({"all": {"hosts": hosts}}, handle)
    run = helpers.run_playbook(PLAYBOOK, inventory=inventory, extra_args=["--forks", "2"])
    rc, out, unused_recap = run
    assert rc == 0, helpers.failures(out)

    work = os.path.join(top, "work")
    os.makedirs(work)
    procs = real_zeek.Processes(work)
    units = {
        "controller": os.path.join(top, "mgr", "units", "zeek-controller.service"),
        "agent-a": os.path.join(top, "mgr", "units", "zeek-agent.service"),
        "agent-b": os.path.join(top, "sensor", "units", "zeek-agent.service"),
    }
    started = {}
    try:
        for name, unit in units.items():
            argv, unit_env, cwd = parse_unit(unit)
            env = {"PATH": SYSTEMD_PATH}
            env.update(unit_env)
            env.update(_relocation_env(prefixes["mgr" if name != "agent-b" else "sensor"]))
            started[name] = {"argv": argv, "env": unit_env, "cwd": cwd}
            procs.start(name, argv, cwd=cwd, env=env)
            if name == "controller":
                procs.wait_port("controller", ports["controller_websocket"])
        try:
            real_zeek.wait_until(lambda: _instances(ports["controller_websocket"]) == {"agent-a", "agent-b"}, 60,
                                 "both agents at the controller")
        except AssertionError as exc:
            outputs = "\n".join("== %s\n%s" % (n, procs.output(n)[-2000:]) for n in units)
            said = zeek_client(ports["controller_websocket"], "get-instances")
            raise AssertionError("%s: get-instances says %s\n%s" % (exc, said, outputs)) from exc
        instances = _instances(ports["controller_websocket"])
        ping = os.path.join(work, "ping.zeek")
        shutil.copy(PING_ZEEK, ping)
        config = os.path.join(work, "cluster.ini")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(CLUSTER_INI % dict(ports, ping=ping))
        deploy = zeek_client(ports["controller_websocket"], "deploy-config", config)
        nodes = zeek_client(ports["controller_websocket"], "get-nodes")
        ss = real_zeek.listening()
        event = _ping(ports["websocket"])
        yield {"top": top, "ports": ports, "units": started, "instances": instances, "deploy": deploy,
               "nodes": nodes, "ss": ss, "event": event, "procs": procs, "prefixes": prefixes}
    finally:
        procs.stop_all()
        shutil.rmtree(top, ignore_errors=True)


CLUSTER_INI = """\
[instances]
agent-a
agent-b

[manager]
instance = agent-a
role = manager
port = %(manager)d
metrics_port = %(m_manager)d
scripts = %(ping)s

[logger-01]
instance = agent-a
role = logger
port = %(logger)d
metrics_port = %(m_logger)d

[proxy-01]
instance = agent-b
role = proxy
port = %(proxy)d
metrics_port = %(m_proxy)d

[worker-01]
instance = agent-b
role = worker
interface = lo
metrics_port = %(m_worker)d
"""


def _instances(port):
    rc, out, unused_err = zeek_client(port, "get-instances", timeout=30)
    return set(json.loads(out)) if rc == 0 and out.strip().startswith("{") else None


def _ping(port):
    proc = subprocess.run(
        [os.path.join(helpers.BIN, "ansible"), "localhost", "-c", "local", "-o",
         "-e", "ansible_python_interpreter=" + sys.executable, "-m", "netsec.zeek.event", "-a", json.dumps({
             "name": "Netsec::ping", "args": ["req-cluster", "hello"], "topic": "zeek/cluster/manager",
             "reply_topic": "netsec/pong", "reply_event": "Netsec::pong", "reply_timeout": 15,
             "websocket_host": "127.0.0.1", "websocket_port": str(port), "websocket_retries": 20})],
        env=helpers.env(), capture_output=True, text=True, timeout=120, check=False, cwd=helpers.REPO_ROOT)
    try:
        return proc.returncode, json.loads(proc.stdout.split(" => ", 1)[1])
    except (IndexError, ValueError):
        return proc.returncode, {"stdout": proc.stdout, "stderr": proc.stderr}


def test_the_units_run_zeek_as_the_role_documents(cluster):
    controller = cluster["units"]["controller"]
    assert controller["argv"][1:4] == ["-C", "-j", "policy/frameworks/management/controller"]
    assert controller["argv"][-1] == "local"
    agent_b = cluster["units"]["agent-b"]
    assert agent_b["argv"][1:5] == ["-C", "-j", "policy/frameworks/management/agent",
                                    os.path.join(cluster["top"], "sensor", "etc", "agent.zeek")]
    assert agent_b["env"]["ZEEK_AGENT_NAME"] == "agent-b"
    assert agent_b["env"]["ZEEK_AGENT_PORT"] == "%d/tcp" % cluster["ports"]["agent_b"]


def test_zeek_client_sees_both_agents_and_deploys_across_them(cluster):
    assert cluster["instances"] == {"agent-a", "agent-b"}
    rc, out, err = cluster["deploy"]
    assert rc == 0, out + err
    result = json.loads(out)
    assert result["errors"] == []
    assert {name: n["success"] for name, n in result["results"]["nodes"].items()} == {
        "manager": True, "logger-01": True, "proxy-01": True, "worker-01": True}
    rc, out, err = cluster["nodes"]
    assert rc == 0, out + err
    states = {name: node["state"] for nodes in json.loads(out)["results"].values()
              for name, node in nodes.items() if node.get("cluster_role")}
    assert states == {"manager": "RUNNING", "logger-01": "RUNNING", "proxy-01": "RUNNING", "worker-01": "RUNNING"}


def test_nodes_bind_where_the_cluster_listen_address_says(cluster):
    ports, ss = cluster["ports"], cluster["ss"]

    def addresses(key):
        return {address for address, unused_pid in ss.get(ports[key], [])}

    # agent-a (the role's default, 127.0.0.1): Broker and metrics ports on loopback only.
    for key in ("manager", "logger", "m_manager", "m_logger"):
        assert addresses(key) == {"127.0.0.1"}, (key, ss.get(ports[key]))
    # agent-b (empty: Zeek's default): Broker on every interface, metrics on 0.0.0.0.
    assert addresses("proxy") and addresses("proxy") <= WILDCARD, ss.get(ports["proxy"])
    for key in ("m_proxy", "m_worker"):
        assert addresses(key) == {"0.0.0.0"}, (key, ss.get(ports[key]))
    # The management processes listen where their own variables say, on loopback, each
    # agent's supervisor on its own port.
    for key in ("controller", "controller_websocket", "agent_a", "agent_b", "supervisor_a", "supervisor_b"):
        assert addresses(key) == {"127.0.0.1"}, (key, ss.get(ports[key]))


def test_the_manager_answers_the_event_module_through_the_install_roles_listener(cluster):
    rc, result = cluster["event"]
    assert rc == 0, result
    assert result["reply"]["args"][:3] == ["req-cluster", "hello", "manager"]
    assert sorted(result["reply"]["args"][3]) == ["logger-01", "manager", "proxy-01", "worker-01"]
    # Only the manager listens: the WebSocket port belongs to one process.
    assert len(cluster["ss"][cluster["ports"]["websocket"]]) == 1


def test_archive_logs_is_what_the_role_rendered(cluster, zeek):
    """The rendered agent.zeek, loaded by the real Zeek, sets archive_logs and archive_dir."""
    seen = {}
    for host, expected in (("mgr", "F"), ("sensor", "T")):
        script = os.path.join(cluster["top"], host, "etc", "agent.zeek")
        proc = subprocess.run(
            [zeek.bin("zeek"), "-b", script, "-e",
             'print fmt("%s %s", Management::Agent::archive_logs, Management::Agent::archive_dir)'],
            env=zeek.env(), capture_output=True, text=True, timeout=60, check=False, cwd=cluster["top"])
        assert proc.returncode == 0, proc.stderr
        seen[host] = proc.stdout.split()
        assert seen[host] == [expected, os.path.join(cluster["top"], host, "logs")], seen


def test_stopping_the_agents_ends_their_nodes(cluster):
    unused_rc, out, unused_err = cluster["nodes"]
    pids = [node["pid"] for nodes in json.loads(out)["results"].values() for node in nodes.values()
            if node.get("cluster_role") or node.get("mgmt_role") == "AGENT"]
    assert len(pids) == 6  # 4 nodes, 2 agents
    procs = cluster["procs"]
    for name in ("agent-a", "agent-b", "controller"):
        procs.stop(name)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists("/proc/%d" % pid) for pid in pids):
        time.sleep(0.1)
    assert not [pid for pid in pids if os.path.exists("/proc/%d" % pid)]
