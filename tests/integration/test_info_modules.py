"""Issue 3: the read-only modules through real ansible-playbook against the emulator."""
import os
import subprocess
import sys
import venv

from conftest import AGENT
from playbook import BIN, run_playbook

CLUSTER = {"nodes": [
    {"name": "manager", "instance": AGENT, "role": "manager"},
    {"name": "logger", "instance": AGENT, "role": "logger"},
    {"name": "proxy-01", "instance": AGENT, "role": "proxy"},
    {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},
    {"name": "worker-02", "instance": AGENT, "role": "worker", "interface": "eth1", "env": {"A": "1"}},
]}
DEPLOY = {"name": "deploy", "netsec.zeek.cluster_config": {"config": CLUSTER, "wait": True, "wait_sleep": 0.2}}


def test_instances_info_lists_the_peered_agent(play):
    run = play([{"name": "instances", "netsec.zeek.instances_info": {}}])
    assert run.returncode == 0, run
    result = run.task("instances")["result"]
    assert result["instances"] == [{"name": AGENT, "host": "127.0.0.1"}]
    assert result["changed"] is False


def test_cluster_config_info_before_and_after_deploy(play, emulator):
    run = play([
        {"name": "staged before", "netsec.zeek.cluster_config_info": {}},
        {"name": "deployed before", "netsec.zeek.cluster_config_info": {"deployed": True}},
        DEPLOY,
        {"name": "staged after", "netsec.zeek.cluster_config_info": {}},
        {"name": "deployed after", "netsec.zeek.cluster_config_info": {"deployed": True}},
    ])
    assert run.returncode == 0, run
    assert run.task("staged before")["result"]["exists"] is False
    assert run.task("deployed before")["result"]["config"] is None
    staged = run.task("staged after")["result"]
    deployed = run.task("deployed after")["result"]
    assert staged["exists"] and deployed["exists"]
    assert staged["config_id"] == deployed["config_id"]
    staged_ports = dict((n["name"], n["port"]) for n in staged["config"]["nodes"])
    deployed_ports = dict((n["name"], n["port"]) for n in deployed["config"]["nodes"])
    # Staged is what was sent (no ports); deployed has the controller's assignment.
    assert set(staged_ports.values()) == {None}
    assert deployed_ports == {"logger": 2201, "manager": 2200, "proxy-01": 2202, "worker-01": None,
                              "worker-02": None}
    assert deployed["config"]["instances"] == [{"name": AGENT, "host": "127.0.0.1"}]
    # The .ini text is exactly what zeek-client get-config --deployed prints.
    printed = subprocess.run([os.path.join(BIN, "zeek-client"), "--controller", "127.0.0.1:%d" % emulator.port,
                              "get-config", "--deployed"], capture_output=True, text=True, timeout=60,
                             check=False)
    assert printed.returncode == 0, printed.stderr
    assert deployed["ini"] == printed.stdout


def test_nodes_info_filters_and_sorts(play):
    run = play([
        DEPLOY,
        {"name": "all", "netsec.zeek.nodes_info": {}},
        {"name": "workers", "netsec.zeek.nodes_info": {"roles": ["worker"], "states": ["RUNNING"]}},
        {"name": "management", "netsec.zeek.nodes_info": {"roles": ["agent", "controller"]}},
        {"name": "pending", "netsec.zeek.nodes_info": {"states": ["PENDING"]}},
    ])
    assert run.returncode == 0, run
    nodes = run.task("all")["result"]["nodes"]
    cluster_nodes = [n for n in nodes if n["cluster_role"]]
    assert [n["name"] for n in cluster_nodes] == ["logger", "manager", "proxy-01", "worker-01", "worker-02"]
    assert all(n["state"] == "RUNNING" and n["pid"] > 0 and n["instance"] == AGENT for n in cluster_nodes)
    assert {n["name"]: n.get("port") for n in cluster_nodes}["manager"] == 2200
    assert [n["name"] for n in run.task("workers")["result"]["nodes"]] == ["worker-01", "worker-02"]
    assert sorted(n["mgmt_role"] for n in run.task("management")["result"]["nodes"]) == ["AGENT", "CONTROLLER"]
    assert run.task("pending")["result"]["nodes"] == []
    assert list(run.task("workers")["result"]["instances"][AGENT]) == ["worker-01", "worker-02"]


def test_id_value_info_values_and_errors(play):
    run = play([
        DEPLOY,
        {"name": "all", "netsec.zeek.id_value_info": {"id": "bits_per_uid"}},
        {"name": "two", "netsec.zeek.id_value_info": {"id": "LogAscii::use_json", "nodes": ["worker-01", "logger"]}},
        {"name": "unknown id", "netsec.zeek.id_value_info": {"id": "No::such_thing"}, "ignore_errors": True},
        {"name": "unknown node", "netsec.zeek.id_value_info": {"id": "bits_per_uid", "nodes": ["worker-01", "worker-09"]},
         "ignore_errors": True},
        {"name": "tolerant", "netsec.zeek.id_value_info": {"id": "bits_per_uid", "nodes": ["worker-01", "worker-09"],
                                                           "fail_on_errors": False}},
    ])
    assert run.returncode == 0, run
    assert run.task("all")["result"]["node_values"] == {n: 96 for n in ("logger", "manager", "proxy-01",
                                                                        "worker-01", "worker-02")}
    assert run.task("two")["result"]["node_values"] == {"logger": False, "worker-01": False}
    unknown = run.task("unknown id")
    assert unknown["status"] == "failed"
    assert unknown["result"]["msg"].startswith("Reading No::such_thing failed: ")
    assert "worker-01: unknown id" in unknown["result"]["msg"] and "manager: unknown id" in unknown["result"]["msg"]
    node = run.task("unknown node")
    assert node["status"] == "failed" and "worker-09: unknown cluster node" in node["result"]["msg"]
    tolerant = run.task("tolerant")["result"]
    assert tolerant["node_values"] == {"worker-01": 96}
    assert tolerant["errors"] == [{"source": "worker-09", "error": "unknown cluster node"}]


def test_nodes_info_reports_controller_errors(tmp_path):
    from emulator_process import EmulatorProcess
    with EmulatorProcess("--no-agents") as alone:
        run = run_playbook(tmp_path, [
            {"name": "strict", "netsec.zeek.nodes_info": {"controller_port": alone.port}, "ignore_errors": True},
            {"name": "tolerant", "netsec.zeek.nodes_info": {"controller_port": alone.port, "fail_on_errors": False}},
        ])
    assert run.task("strict")["status"] == "failed"
    assert run.task("strict")["result"]["msg"] == "The controller reported: no instances connected"
    assert run.task("tolerant")["result"]["errors"] == [{"source": None, "error": "no instances connected"}]


def test_connection_settings_from_the_environment(tmp_path, emulator):
    run = run_playbook(tmp_path, [{"name": "instances", "netsec.zeek.instances_info": {}}],
                       env={"ZEEK_CONTROLLER_HOST": "127.0.0.1", "ZEEK_CONTROLLER_WEBSOCKET_PORT": "%d/tcp" % emulator.port})
    assert run.returncode == 0, run
    assert run.task("instances")["result"]["instances"][0]["name"] == AGENT


def test_controller_down_names_host_port_and_attempts(play, emulator):
    port = emulator.port
    emulator.stop()
    run = play([{"name": "instances", "netsec.zeek.instances_info": {"retries": 2}, "ignore_errors": True}])
    result = run.task("instances")["result"]
    assert run.task("instances")["status"] == "failed"
    assert result["error_kind"] == "unreachable"
    assert "cannot reach 127.0.0.1:%d" % port in result["msg"]
    assert "after 2 attempts" in result["msg"]
    assert "controller_host/controller_port" in result["msg"]


def test_bad_port_value_is_refused_before_connecting(play):
    run = play([{"name": "bad", "netsec.zeek.instances_info": {"controller_port": "2149/udp"}, "ignore_errors": True}])
    assert run.task("bad")["result"]["msg"] == \
        "controller_port must be a TCP port 1-65535, written 2149 or 2149/tcp; got '2149/udp'"


def test_tls_profiles(tmp_path):
    """A Zeek 8.0 controller speaks Broker's anonymous TLS: plain ws fails, verified TLS fails,
    unverified TLS (which offers the anonymous suites) works."""
    from emulator_process import EmulatorProcess
    with EmulatorProcess("--tls", zeek_version="8.0", agents=[AGENT]) as emu:
        run = run_playbook(tmp_path, [
            {"name": "plain", "netsec.zeek.instances_info": {"controller_port": emu.port, "retries": 1,
                                                             "timeout": 3}, "ignore_errors": True},
            {"name": "verified", "netsec.zeek.instances_info": {"controller_port": emu.port, "tls": True,
                                                                "retries": 1}, "ignore_errors": True},
            {"name": "anonymous", "netsec.zeek.instances_info": {"controller_port": emu.port, "tls": True,
                                                                 "validate_certs": False}},
        ])
    assert run.task("plain")["status"] == "failed"
    assert run.task("verified")["status"] == "failed"
    assert run.task("verified")["result"]["error_kind"] == "tls"
    assert "validate_certs=false" in run.task("verified")["result"]["msg"]
    assert run.task("anonymous")["result"]["instances"] == [{"name": AGENT, "host": "127.0.0.1"}]


def test_missing_websockets_library_is_reported(tmp_path, emulator):
    """Run the module with an interpreter that has no websockets: Ansible's usual message."""
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(str(bare))
    python = str(bare / "bin" / "python")
    assert subprocess.run([python, "-c", "import websockets"], capture_output=True, check=False).returncode != 0
    run = run_playbook(tmp_path, [{"name": "instances", "netsec.zeek.instances_info": {
        "controller_port": emulator.port}, "ignore_errors": True}],
        env={"ANSIBLE_PYTHON_INTERPRETER": python})
    result = run.task("instances")["result"]
    assert "Failed to import the required Python library (websockets (>= 10.4))" in result["msg"]
    assert sys.version_info >= (3, 9)
