"""get-instances, get-nodes, get-id-value and restart with zeek-client (ztc cases)."""

import time

from interop_helpers import node_pids, zeek_client

TWO_AGENTS = ("--agent", "instance-1", "--agent", "instance-2", "--auto-assign-metrics-ports", "off",
              "--controller-name", "controller", "--interfaces", "lo,eth0")

FOUR_NODES_TWO_AGENTS = """\
[instances]
instance-1
instance-2

[manager]
instance = instance-1
role = manager

[logger]
instance = instance-1
role = logger

[worker-01]
instance = instance-1
role = worker
interface = lo

[worker-02]
instance = instance-2
role = worker
interface = eth0
"""

ALL = ["logger", "manager", "worker-01", "worker-02"]


def wait_all_running(emu, deadline=5.0):
    end = time.monotonic() + deadline
    while True:
        out = zeek_client(emu, "get-nodes").json
        states = [s["state"] for inst in out["results"].values() for s in inst.values()]
        if all(state == "RUNNING" for state in states) or time.monotonic() > end:
            return out
        time.sleep(0.2)


def all_pids(get_nodes_json):
    pids = {}
    for inst in get_nodes_json["results"]:
        pids.update(node_pids(get_nodes_json, inst))
    return pids


def test_controller_alone(start_emulator):
    """get-nodes-no-instances and the restart/get-id-value special cases without agents."""
    emu = start_emulator("--no-agents")
    assert zeek_client(emu, "get-instances").json == {}
    out = zeek_client(emu, "get-nodes")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "no instances connected", "source": None}], "results": {}}
    out = zeek_client(emu, "restart")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "no instances connected", "source": None}], "results": {}}
    out = zeek_client(emu, "get-id-value", "bits_per_uid")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "no cluster deployed", "source": None}], "results": {}}


def test_get_nodes_bare_then_deployed(start_emulator, write_cfg):
    emu = start_emulator(*TWO_AGENTS)
    out = zeek_client(emu, "get-nodes")
    assert out.rc == 0, out
    bare = out.json["results"]
    assert sorted(bare) == ["instance-1", "instance-2"]
    assert sorted(bare["instance-1"]) == ["controller", "instance-1"]
    controller = dict(bare["instance-1"]["controller"])
    assert isinstance(controller.pop("pid"), int)
    assert controller == {"cluster_role": None, "mgmt_role": "CONTROLLER", "port": 2151, "state": "RUNNING"}
    agent = dict(bare["instance-1"]["instance-1"])
    assert isinstance(agent.pop("pid"), int)
    assert agent == {"cluster_role": None, "mgmt_role": "AGENT", "state": "RUNNING"}
    assert sorted(bare["instance-2"]) == ["instance-2"]

    # No deployment yet: restart and get-id-value say so.
    out = zeek_client(emu, "restart")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "no active cluster deployment", "source": None}], "results": {}}
    out = zeek_client(emu, "get-id-value", "bits_per_uid")
    assert out.json == {"errors": [{"error": "no cluster deployed", "source": None}], "results": {}}

    cfg = FOUR_NODES_TWO_AGENTS.replace("role = manager\n", "role = manager\nport = 5000\n").replace(
        "role = logger\n", "role = logger\nport = 5001\n")
    assert zeek_client(emu, "deploy-config", write_cfg(cfg)).rc == 0
    out = zeek_client(emu, "get-nodes")
    assert out.rc == 0
    results = out.json["results"]
    assert sorted(results["instance-1"]) == ["controller", "instance-1", "logger", "manager", "worker-01"]
    assert sorted(results["instance-2"]) == ["instance-2", "worker-02"]
    manager = dict(results["instance-1"]["manager"])
    assert isinstance(manager.pop("pid"), int)
    assert manager == {"cluster_role": "MANAGER", "mgmt_role": None, "port": 5000, "state": "RUNNING"}
    assert results["instance-1"]["logger"]["port"] == 5001
    assert "port" not in results["instance-2"]["worker-02"]


def test_get_id_value(start_emulator, write_cfg):
    emu = start_emulator(*TWO_AGENTS)
    assert zeek_client(emu, "deploy-config", write_cfg(FOUR_NODES_TWO_AGENTS)).rc == 0

    out = zeek_client(emu, "get-id-value", "bits_per_uid")
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": dict.fromkeys(ALL, 96)}

    out = zeek_client(emu, "get-id-value", "does_not_exist")
    assert out.rc == 1
    assert sorted(out.json["errors"], key=lambda e: e["source"]) == [
        {"error": "unknown id", "source": n} for n in ALL]
    assert out.json["results"] == {}

    out = zeek_client(emu, "get-id-value", "connection")
    assert out.rc == 1
    assert sorted(e["source"] for e in out.json["errors"]) == ALL
    assert set(e["error"] for e in out.json["errors"]) == {"no ID value"}

    out = zeek_client(emu, "get-id-value", "bits_per_uid", "worker-02", "worker-03")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "unknown cluster node", "source": "worker-03"}],
                        "results": {"worker-02": 96}}

    out = zeek_client(emu, "get-id-value", "bits_per_uid", "worker-03", "worker-04")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "unknown cluster node", "source": "worker-03"},
                                   {"error": "unknown cluster node", "source": "worker-04"}], "results": {}}

    # Per-node values: Cluster::node is the node's own name; intervals in Zeek's text form.
    out = zeek_client(emu, "get-id-value", "Cluster::node", "manager", "worker-02")
    assert out.json == {"errors": [], "results": {"manager": "manager", "worker-02": "worker-02"}}
    out = zeek_client(emu, "get-id-value", "Log::default_rotation_interval", "logger", "manager")
    assert out.json == {"errors": [], "results": {"logger": "1.0 hr", "manager": "1.0 day"}}
    out = zeek_client(emu, "get-id-value", "Site::local_nets", "worker-01")
    # A real node reports Site::private_address_space merged in (base/utils/site.zeek).
    local_nets = out.json["results"]["worker-01"]
    assert out.json["errors"] == [] and {"10.0.0.0/8", "192.168.0.0/16", "fc00::/7"} <= set(local_nets)
    out = zeek_client(emu, "get-id-value", "tcp_inactivity_timeout", "worker-01")
    assert out.json == {"errors": [], "results": {"worker-01": "5.0 mins"}}


def test_restart_variants(start_emulator, write_cfg):
    emu = start_emulator(*TWO_AGENTS)
    assert zeek_client(emu, "deploy-config", write_cfg(FOUR_NODES_TWO_AGENTS)).rc == 0
    before = all_pids(zeek_client(emu, "get-nodes").json)
    assert sorted(before) == ALL and all(isinstance(p, int) for p in before.values())

    out = zeek_client(emu, "restart", "foobar")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "unknown cluster node", "source": "foobar"}], "results": {}}
    assert all_pids(zeek_client(emu, "get-nodes").json) == before

    out = zeek_client(emu, "restart", "worker-01")
    assert out.rc == 0, out
    assert out.json == {"errors": [], "results": {"worker-01": True}}
    after = all_pids(wait_all_running(emu))
    assert after["worker-01"] != before["worker-01"]
    assert dict((k, v) for k, v in after.items() if k != "worker-01") == \
        dict((k, v) for k, v in before.items() if k != "worker-01")

    out = zeek_client(emu, "restart", "logger", "worker-02")
    assert out.json == {"errors": [], "results": {"logger": True, "worker-02": True}}

    out = zeek_client(emu, "restart", "logger", "foobar")
    assert out.rc == 1
    assert out.json == {"errors": [{"error": "unknown cluster node", "source": "foobar"}],
                        "results": {"logger": True}}

    previous = all_pids(wait_all_running(emu))
    out = zeek_client(emu, "restart")
    assert out.rc == 0
    assert out.json == {"errors": [], "results": dict.fromkeys(ALL, True)}
    final = all_pids(wait_all_running(emu))
    assert all(final[n] != previous[n] for n in ALL)
    assert len(set(final.values())) == 4


def test_get_instances_controller_connects(start_emulator, write_cfg):
    """get-instances-c2a: listening agents appear once a deployment names them."""
    emu = start_emulator("--agent", "instance-1=127.0.0.1:2151", "--agent", "instance-2=127.0.0.1:2152",
                         "--auto-assign-metrics-ports", "off", "--interfaces", "lo")
    assert zeek_client(emu, "get-instances").json == {}
    cfg = ("[instances]\ninstance-1 = 127.0.0.1:2151\ninstance-2 = 127.0.0.1:2152\n"
           "[manager]\ninstance = instance-1\nrole = manager\n"
           "[worker]\ninstance = instance-2\nrole = worker\ninterface = lo\n")
    out = zeek_client(emu, "deploy-config", write_cfg(cfg))
    assert out.rc == 0, out
    assert out.json["results"]["nodes"] == {"manager": {"instance": "instance-1", "success": True},
                                            "worker": {"instance": "instance-2", "success": True}}
    assert zeek_client(emu, "get-instances").json == {"instance-1": {"host": "127.0.0.1", "port": 2151},
                                                      "instance-2": {"host": "127.0.0.1", "port": 2152}}
    deployed = zeek_client(emu, "get-config", "--deployed", "--as-json").json
    assert deployed["instances"] == [{"host": "127.0.0.1", "name": "instance-1", "port": 2151},
                                     {"host": "127.0.0.1", "name": "instance-2", "port": 2152}]
    assert zeek_client(emu, "get-config", "--deployed").stdout.startswith(
        "[instances]\ninstance-1 = 127.0.0.1:2151\ninstance-2 = 127.0.0.1:2152\n")
    # A listening agent reports its own port in get-nodes.
    agent = zeek_client(emu, "get-nodes").json["results"]["instance-2"]["instance-2"]
    assert agent["mgmt_role"] == "AGENT" and agent["port"] == 2152


def test_get_instances_agents_connect(start_emulator, write_cfg):
    """get-instances-a2c: every peered agent, configured or not; an instances-only
    deployment changes nothing."""
    emu = start_emulator("--agent", "instance-1", "--agent", "instance-2=127.0.0.3")
    expected = {"instance-1": {"host": "127.0.0.1"}, "instance-2": {"host": "127.0.0.3"}}
    out = zeek_client(emu, "get-instances")
    assert out.rc == 0 and out.json == expected
    out = zeek_client(emu, "deploy-config", write_cfg("[instances]\ninstance-1\n"))
    assert out.rc == 0, out
    assert zeek_client(emu, "get-instances").json == expected
    # Only the deployed instance gets its host filled in.
    assert zeek_client(emu, "get-config", "--deployed", "--as-json").json["instances"] == [
        {"host": "127.0.0.1", "name": "instance-1"}]
