"""stage-config / deploy-config / deploy / get-config with zeek-client, after the
zeek-testing-cluster cases (controller-protocol.md §8.3): agent ``instance-1``
connecting to the controller, metrics auto-assignment off unless a test says so.
"""

import pytest

from interop_helpers import zeek_client

ZTC = ("--agent", "instance-1", "--auto-assign-metrics-ports", "off")

FOUR_NODES = """\
[instances]
instance-1

[manager]
instance = instance-1
role = manager

[logger-01]
instance = instance-1
role = logger

[worker-01]
instance = instance-1
role = worker
interface = lo

[worker-02]
instance = instance-1
role = worker
interface = lo
"""

AUTO_ASSIGN = """\
[instances]
instance-1

[manager]
instance = instance-1
role = manager

[logger-01]
instance = instance-1
role = logger

[proxy-01]
instance = instance-1
role = proxy
port = 1234

[worker-01]
instance = instance-1
role = worker
interface = lo
"""


def ports_of(config_json, key="port"):
    return dict((n["name"], n[key]) for n in config_json["nodes"])


def test_stage_config_deploy(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--interfaces", "lo")
    out = zeek_client(emu, "deploy-config", write_cfg(FOUR_NODES))
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": {"id": out.json["results"]["id"], "nodes": dict(
        (n, {"instance": "instance-1", "success": True}) for n in ("logger-01", "manager", "worker-01", "worker-02"))}}


def test_stage_config_then_deploy(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--interfaces", "lo")
    cfg = write_cfg(FOUR_NODES)
    staged = zeek_client(emu, "stage-config", cfg)
    assert staged.rc == 0, staged
    config_id = staged.json["results"]["id"]
    assert staged.json == {"errors": [], "results": {"id": config_id}}
    # Staging alone deploys nothing.
    assert zeek_client(emu, "get-config", "--deployed").rc == 1
    deployed = zeek_client(emu, "deploy")
    assert deployed.rc == 0, deployed
    assert deployed.json["results"]["id"] == config_id
    assert sorted(deployed.json["results"]["nodes"]) == ["logger-01", "manager", "worker-01", "worker-02"]
    assert [r.name for r in emu.requests()] == ["stage_configuration_request", "get_configuration_request",
                                                "deploy_request"]


def test_stage_config_empty(start_emulator):
    emu = start_emulator(*ZTC)
    out = zeek_client(emu, "deploy-config", "-", stdin="")
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": {"id": out.json["results"]["id"]}}
    assert zeek_client(emu, "get-config", "--deployed", "--as-json").json == {
        "id": out.json["results"]["id"], "instances": [], "nodes": []}


def test_deploy_agent_only(start_emulator, write_cfg):
    emu = start_emulator(*ZTC)
    out = zeek_client(emu, "deploy-config", write_cfg("[instances]\ninstance-1\n"))
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": {"id": out.json["results"]["id"]}}


def test_deploy_without_staging(start_emulator):
    emu = start_emulator(*ZTC)
    out = zeek_client(emu, "deploy")
    assert out.rc == 1
    assert out.json == {"errors": ["no configuration available to deploy"], "results": {}}


def test_get_config_errors_and_forms(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--interfaces", "lo")
    for args, what in ((("get-config",), "staged"), (("get-config", "--deployed"), "deployed"),
                       (("get-config", "--as-json", "--staged"), "staged")):
        out = zeek_client(emu, *args)
        assert out.rc == 1, out
        assert out.stdout == ""
        assert out.stderr.strip() == "error: no %s configuration available" % what

    out = zeek_client(emu, "stage-config", write_cfg(FOUR_NODES))
    assert out.rc == 0
    staged_ini = zeek_client(emu, "get-config", "--staged").stdout
    assert staged_ini.startswith("[instances]\ninstance-1\n\n[logger-01]\ninstance = instance-1\nrole = LOGGER\n")
    assert zeek_client(emu, "get-config", "--deployed").stderr.strip() == \
        "error: no deployed configuration available"

    # The INI output is deployable as is and round-trips.
    out = zeek_client(emu, "deploy-config", "-", stdin=staged_ini)
    assert out.rc == 0, out
    assert zeek_client(emu, "get-config").stdout == staged_ini
    staged_json = zeek_client(emu, "get-config", "--as-json").json
    deployed_json = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert staged_json["instances"] == [{"name": "instance-1"}]
    assert deployed_json["instances"] == [{"host": "127.0.0.1", "name": "instance-1"}]
    assert staged_json["id"] == deployed_json["id"] == out.json["results"]["id"]
    assert ports_of(staged_json) == {"logger-01": None, "manager": None, "worker-01": None, "worker-02": None}
    assert ports_of(deployed_json) == {"logger-01": 2201, "manager": 2200, "worker-01": None, "worker-02": None}

    # A new stage replaces STAGED only; DEPLOYED stays.
    out = zeek_client(emu, "stage-config", write_cfg(AUTO_ASSIGN))
    assert out.rc == 0
    assert "proxy-01" in ports_of(zeek_client(emu, "get-config", "--as-json").json)
    assert zeek_client(emu, "get-config", "--as-json", "--deployed").json == deployed_json


def test_auto_assign(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--interfaces", "lo")
    out = zeek_client(emu, "deploy-config", write_cfg(AUTO_ASSIGN))
    assert out.rc == 0, out
    staged = zeek_client(emu, "get-config", "--as-json").json
    assert ports_of(staged) == {"logger-01": None, "manager": None, "proxy-01": 1234, "worker-01": None}
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert ports_of(deployed) == {"logger-01": 2201, "manager": 2200, "proxy-01": 1234, "worker-01": None}
    assert ports_of(deployed, "metrics_port") == dict.fromkeys(["logger-01", "manager", "proxy-01", "worker-01"])
    assert deployed["instances"] == [{"host": "127.0.0.1", "name": "instance-1"}]


def test_auto_assign_new_range(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--broker-start-port", "3000", "--interfaces", "lo")
    out = zeek_client(emu, "deploy-config", write_cfg(AUTO_ASSIGN.replace("port = 1234\n", "")))
    assert out.rc == 0, out
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert ports_of(deployed) == {"logger-01": 3001, "manager": 3000, "proxy-01": 3002, "worker-01": None}


def test_auto_assign_multi_instance(start_emulator, write_cfg):
    emu = start_emulator("--agent", "instance-1", "--agent", "instance-2", "--auto-assign-metrics-ports", "off")
    sections = ["[instances]\ninstance-1\ninstance-2\n"]
    for name, inst, role in (("manager", 1, "manager"), ("logger-01", 1, "logger"), ("proxy-01", 1, "proxy"),
                             ("proxy-02", 1, "proxy"), ("worker-01", 1, "worker"), ("logger-02", 2, "logger"),
                             ("proxy-03", 2, "proxy"), ("proxy-04", 2, "proxy"), ("worker-02", 2, "worker")):
        sections.append("[%s]\ninstance = instance-%d\nrole = %s\n" % (name, inst, role))
    out = zeek_client(emu, "deploy-config", write_cfg("\n".join(sections)))
    assert out.rc == 0, out
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert ports_of(deployed) == {"manager": 2200, "logger-01": 2201, "proxy-01": 2202, "proxy-02": 2203,
                                  "logger-02": 2204, "proxy-03": 2205, "proxy-04": 2206,
                                  "worker-01": None, "worker-02": None}
    nodes = zeek_client(emu, "get-nodes").json["results"]
    assert nodes["instance-2"]["proxy-04"]["port"] == 2206
    assert "manager" in nodes["instance-1"] and "manager" not in nodes["instance-2"]


def test_auto_assign_disabled(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--auto-assign-broker-ports", "off")
    expected = {"errors": ["Broker port auto-assignment disabled but nodes logger-01, manager, proxy-01 lack ports"],
                "results": {}}
    cfg = write_cfg(AUTO_ASSIGN.replace("port = 1234\n", ""))
    for command in ("stage-config", "deploy-config"):
        out = zeek_client(emu, command, cfg)
        assert out.rc == 1, out
        assert out.json == expected
    assert zeek_client(emu, "get-config").rc == 1  # nothing was stored


@pytest.mark.parametrize("config, extra, error", [
    ("[instances]\ninstance-1 = 127.0.0.1:3000\n[manager]\ninstance = instance-1\nrole = manager\nport = 3000\n",
     (), "node 'manager' port 3000/tcp conflicts with agent port on instance 'instance-1'"),
    ("[instances]\ninstance-1\n[manager]\ninstance = instance-1\nrole = manager\nport = 2150\n",
     (), "node 'manager' port 2150/tcp conflicts with controller port"),
    ("[instances]\ninstance-1\n[manager]\ninstance = instance-1\nrole = manager\nport = 2999\n",
     ("--controller-broker-port", "2999"), "node 'manager' port 2999/tcp conflicts with controller port"),
    ("[instances]\ninstance-1\n[instance-1]\ninstance = instance-1\nrole = manager\n",
     (), "node and instance names collide: instance-1"),
], ids=["agent-port", "controller-port", "controller-port-custom", "invalid-naming"])
def test_validation_single_error(start_emulator, write_cfg, config, extra, error):
    emu = start_emulator(*ZTC, *extra)
    out = zeek_client(emu, "stage-config", write_cfg(config))
    assert out.rc == 1, out
    assert out.json == {"errors": [error], "results": {}}


def test_conflict_node_ports(start_emulator, write_cfg):
    emu = start_emulator("--agent", "instance-1", "--agent", "instance-2", "--auto-assign-metrics-ports", "off")
    cfg = "[instances]\ninstance-1\ninstance-2\n"
    for name, inst, role in (("manager", 1, "manager"), ("logger", 1, "logger"), ("proxy", 1, "proxy"),
                             ("proxy-2", 2, "proxy")):
        cfg += "[%s]\ninstance = instance-%d\nrole = %s\nport = 5000\n" % (name, inst, role)
    path = write_cfg(cfg)
    expected = {"errors": ["multiple nodes on instance 'instance-1' using port 5000/tcp"], "results": {}}
    for command in ("stage-config", "deploy-config"):
        out = zeek_client(emu, command, path)
        assert out.rc == 1, out
        assert out.json == expected


def test_mismatched_instance_names(start_emulator, write_cfg):
    emu = start_emulator(*ZTC)
    cfg = ("[instances]\ninstance-1\n[manager]\ninstance = instance-2\nrole = manager\n"
           "[worker]\ninstance = instance-3\nrole = worker\n")
    out = zeek_client(emu, "stage-config", write_cfg(cfg))
    assert out.rc == 1, out
    assert out.json == {"errors": ["node 'manager' has undeclared instance name 'instance-2'",
                                   "node 'worker' has undeclared instance name 'instance-3'"], "results": {}}


def test_errors_sorted_by_strcmp(start_emulator, write_cfg):
    emu = start_emulator(*ZTC, "--auto-assign-broker-ports", "off")
    cfg = ("[instances]\ninstance-1\n"
           "[zz]\ninstance = instance-9\nrole = worker\n"
           "[manager]\ninstance = instance-1\nrole = manager\nport = 2150\n"
           "[logger]\ninstance = instance-1\nrole = logger\nport = 2150\n"
           "[proxy]\ninstance = instance-1\nrole = proxy\n"
           "[aa]\ninstance = nowhere\nrole = worker\n")
    out = zeek_client(emu, "stage-config", write_cfg(cfg))
    assert out.rc == 1, out
    assert out.json["errors"] == [
        "Broker port auto-assignment disabled but nodes proxy lack ports",
        "multiple nodes on instance 'instance-1' using port 2150/tcp",
        "node 'aa' has undeclared instance name 'nowhere'",
        "node 'logger' port 2150/tcp conflicts with controller port",
        "node 'manager' port 2150/tcp conflicts with controller port",
        "node 'zz' has undeclared instance name 'instance-9'",
    ]


def _metrics_cfg(instances, nodes):
    text = "[instances]\n" + "".join("%s\n" % i for i in instances)
    for name, inst, role, extra in nodes:
        text += "[%s]\ninstance = %s\nrole = %s\n%s" % (name, inst, role, extra)
    return text


def test_metrics_multihost_and_single_host(start_emulator, write_cfg):
    nodes = [("manager", "instance-1", "manager", ""), ("logger", "instance-1", "logger", ""),
             ("worker-1", "instance-1", "worker", ""), ("worker-2", "instance-2", "worker", ""),
             ("proxy-2", "instance-2", "proxy", "")]
    # prometheus-multihost: numbering restarts at 9000 on each host.
    emu = start_emulator("--agent", "instance-1=127.0.0.1", "--agent", "instance-2=127.0.0.2")
    out = zeek_client(emu, "deploy-config", write_cfg(_metrics_cfg(["instance-1", "instance-2"], nodes)))
    assert out.rc == 0, out
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert deployed["instances"] == [{"host": "127.0.0.1", "name": "instance-1"},
                                     {"host": "127.0.0.2", "name": "instance-2"}]
    assert ports_of(deployed, "metrics_port") == {"manager": 9000, "logger": 9001, "worker-1": 9002,
                                                  "proxy-2": 9000, "worker-2": 9001}
    assert zeek_client(emu, "get-instances").json == {"instance-1": {"host": "127.0.0.1"},
                                                      "instance-2": {"host": "127.0.0.2"}}
    # prometheus-singlehost-multi-instance: one counter per host address.
    emu2 = start_emulator("--agent", "instance-1", "--agent", "instance-2")
    out = zeek_client(emu2, "deploy-config", write_cfg(_metrics_cfg(["instance-1", "instance-2"], nodes)))
    assert out.rc == 0, out
    deployed = zeek_client(emu2, "get-config", "--as-json", "--deployed").json
    assert ports_of(deployed, "metrics_port") == {"manager": 9000, "logger": 9001, "worker-1": 9002,
                                                  "proxy-2": 9003, "worker-2": 9004}


def test_metrics_collision_avoidance_and_custom(start_emulator, write_cfg):
    """Zeek 9.0's corrected algorithm: explicit metrics and Broker ports on the host
    are avoided and every explicitly given metrics port survives into READY."""
    emu = start_emulator(*ZTC[:2], "--metrics-start-port", "3000")
    nodes = [("manager", "instance-1", "manager", "metrics_port = 3001\n"),
             ("logger", "instance-1", "logger", "port = 3002\n"),
             ("proxy", "instance-1", "proxy", "metrics_port = 3004\n"),
             ("worker-1", "instance-1", "worker", ""), ("worker-2", "instance-1", "worker", "")]
    out = zeek_client(emu, "deploy-config", write_cfg(_metrics_cfg(["instance-1"], nodes)))
    assert out.rc == 0, out
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    assert ports_of(deployed, "metrics_port") == {"manager": 3001, "logger": 3000, "proxy": 3004,
                                                  "worker-1": 3003, "worker-2": 3005}
    # prometheus-custom: auto-assignment off keeps only what was given.
    emu2 = start_emulator(*ZTC)
    nodes = [("manager", "instance-1", "manager", "metrics_port = 3000\n"),
             ("logger", "instance-1", "logger", ""), ("worker", "instance-1", "worker", "metrics_port = 3003\n")]
    out = zeek_client(emu2, "deploy-config", write_cfg(_metrics_cfg(["instance-1"], nodes)))
    assert out.rc == 0, out
    deployed = zeek_client(emu2, "get-config", "--as-json", "--deployed").json
    assert ports_of(deployed, "metrics_port") == {"manager": 3000, "logger": None, "worker": 3003}
