"""The netsec.zeek.controller inventory plugin, through real ansible-inventory against the emulator."""
import json
import re

from eco_helpers import CLUSTER, ansible_env, inventory_list, run_tool, start_cluster

from ansible_collections.netsec.zeek.plugins.module_utils.connection import CONTROLLER


def write_source(tmp_path, port, text="", name="zeek.yml"):
    source = tmp_path / name
    source.write_text("plugin: netsec.zeek.controller\ncontroller_port: %d\n%s" % (port, text))
    return source


def said(proc):
    """stderr with ansible-core's line wrapping (2.16 wraps warnings) undone."""
    return " ".join(proc.stderr.split())


def members(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


def test_one_host_per_instance_with_its_nodes_and_groups(tmp_path, cluster_emulator):
    listing = inventory_list(write_source(tmp_path, cluster_emulator.port))
    hostvars = listing["_meta"]["hostvars"]
    assert sorted(hostvars) == ["agent-logbox", "agent-sensor1", "agent-sensor2"]
    assert members(listing, "zeek") == sorted(hostvars)
    assert hostvars["agent-sensor2"]["ansible_host"] == "127.0.0.2"
    assert hostvars["agent-logbox"]["ansible_host"] == "127.0.0.3"

    # Every node of the deployed cluster is on its instance, with the deployed interface
    # and the state and pid its agent reports.
    for node in CLUSTER["nodes"]:
        found = [n for n in hostvars[node["instance"]]["zeek_nodes"] if n["name"] == node["name"]]
        assert len(found) == 1, hostvars[node["instance"]]["zeek_nodes"]
        assert found[0]["role"] == node["role"]
        assert found[0]["interface"] == node.get("interface")
        assert found[0]["state"] == "RUNNING"
        assert isinstance(found[0]["pid"], int) and found[0]["pid"] > 0
    for host, values in hostvars.items():
        assert values["zeek_instance"] == host
        assert values["zeek_roles"] == sorted(set(n["role"] for n in values["zeek_nodes"]))
    assert all(n.get("port") for n in hostvars["agent-sensor1"]["zeek_nodes"] if n["name"] == "manager")

    roles = dict((role, sorted(set(n["instance"] for n in CLUSTER["nodes"] if n["role"] == role)))
                 for role in ("manager", "logger", "proxy", "worker"))
    for role, hosts in roles.items():
        assert members(listing, "zeek_" + role) == hosts, role
    assert members(listing, "zeek_agent") == sorted(hostvars)
    assert members(listing, "zeek_state_running") == sorted(hostvars)
    assert "zeek_state_pending" not in listing


def test_graph_shows_role_groups(tmp_path, cluster_emulator):
    proc = run_tool("ansible-inventory", "-i", write_source(tmp_path, cluster_emulator.port), "--graph")
    assert proc.returncode == 0, proc.stderr
    graph = proc.stdout
    groups, current = {}, None
    for line in graph.splitlines():
        group = re.match(r"^[ |]*--@(\S+):$", line) or re.match(r"^@(\S+):$", line)
        host = re.match(r"^[ |]*--([^@\s]\S*)$", line)
        if group:
            current = groups.setdefault(group.group(1), [])
        elif host:
            current.append(host.group(1))
    assert groups["zeek_worker"] == ["agent-sensor1", "agent-sensor2"], graph
    assert groups["zeek_logger"] == ["agent-logbox"], graph
    assert "@zeek_logger:" in graph and "@zeek_state_running:" in graph


def test_constructed_hostname_compose_keyed_groups_and_groups(tmp_path, cluster_emulator):
    source = write_source(tmp_path, cluster_emulator.port, """
hostname: zeek_instance | regex_replace('^agent-', '')
group: sensors
group_prefix: role_
compose:
  ansible_user: "'zeek'"
  worker_interfaces: zeek_nodes | selectattr('role', 'eq', 'worker') | map(attribute='interface') | list
keyed_groups:
  - key: zeek_nodes | selectattr('role', 'eq', 'worker') | map(attribute='interface') | list
    prefix: sniffs
groups:
  runs_manager: "'manager' in zeek_roles"
""")
    listing = inventory_list(source)
    hostvars = listing["_meta"]["hostvars"]
    assert sorted(hostvars) == ["logbox", "sensor1", "sensor2"]
    assert members(listing, "sensors") == ["logbox", "sensor1", "sensor2"]
    assert members(listing, "role_worker") == ["sensor1", "sensor2"]
    assert "zeek_worker" not in listing
    assert all(v["ansible_user"] == "zeek" for v in hostvars.values())
    assert hostvars["sensor2"]["worker_interfaces"] == ["eth0"]
    assert members(listing, "sniffs_lo") == ["sensor1"]
    assert members(listing, "sniffs_eth0") == ["sensor2"]
    assert members(listing, "runs_manager") == ["sensor1"]


def test_cache_serves_the_inventory_while_the_controller_is_down(tmp_path):
    emulator = start_cluster(tmp_path)
    try:
        cache_dir = tmp_path / "cache"
        source = write_source(tmp_path, emulator.port, "cache: true\ncache_plugin: ansible.builtin.jsonfile\n"
                                                       "cache_connection: %s\ncache_timeout: 3600\n" % cache_dir)
        fresh = inventory_list(source)
        assert len(list(cache_dir.iterdir())) == 1
        requests = len(emulator.requests())
        assert requests >= 3
        again = inventory_list(source)
        assert len(emulator.requests()) == requests, "a fresh cache must not ask the controller"
        assert again == fresh

        emulator.stop()
        cached = inventory_list(source)
        assert cached["_meta"]["hostvars"] == fresh["_meta"]["hostvars"]
        assert members(cached, "zeek_worker") == ["agent-sensor1", "agent-sensor2"]

        # ansible-inventory has --flush-cache only from ansible-core 2.17 on; ansible-playbook has it.
        play = tmp_path / "noop.yml"
        play.write_text("- hosts: all\n  gather_facts: false\n  tasks: []\n")
        flushed = run_tool("ansible-playbook", "-i", source, "--flush-cache", play,
                           env=ansible_env(ANSIBLE_INVENTORY_UNPARSED_FAILED="1"))
        assert flushed.returncode != 0
        assert "Zeek controller 127.0.0.1:%d" % emulator.port in said(flushed), flushed.stderr
    finally:
        emulator.cleanup()


def test_connection_from_the_modules_environment_variables(tmp_path, cluster_emulator):
    source = tmp_path / "zeek_controller.yml"
    source.write_text("plugin: netsec.zeek.controller\n")
    listing = inventory_list(source, ansible_env(ZEEK_CONTROLLER_HOST="127.0.0.1",
                                                 ZEEK_CONTROLLER_WEBSOCKET_PORT="%d/tcp" % cluster_emulator.port))
    assert members(listing, "zeek_worker") == ["agent-sensor1", "agent-sensor2"]


def test_bad_port_and_unreachable_controller_are_named(tmp_path, cluster_emulator):
    env = ansible_env(ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
    bad = tmp_path / "zeek.yml"
    bad.write_text("plugin: netsec.zeek.controller\ncontroller_port: '21x9'\n")
    proc = run_tool("ansible-inventory", "-i", bad, "--list", env=env)
    assert proc.returncode != 0
    assert "controller_port must be a TCP port 1-65535" in said(proc), proc.stderr

    down = write_source(tmp_path, 1, "retries: 1\ntimeout: 2\n", name="down.zeek.yml")
    proc = run_tool("ansible-inventory", "-i", down, "--list", env=env)
    assert proc.returncode != 0
    assert "Zeek controller 127.0.0.1:1" in said(proc) and "ZEEK_CONTROLLER_HOST" in said(proc), proc.stderr


def test_other_yaml_files_are_not_claimed(tmp_path, cluster_emulator):
    other = write_source(tmp_path, cluster_emulator.port, name="hosts.yml")
    proc = run_tool("ansible-inventory", "-i", other, "--list", "-vvv",
                    env=ansible_env(ANSIBLE_INVENTORY_ENABLED="netsec.zeek.controller"))
    assert "agent-sensor1" not in proc.stdout
    assert "Unable to parse" in said(proc) and "hosts.yml as an inventory source" in said(proc), proc.stderr


def test_connection_options_match_the_modules():
    """Same names, types, defaults and environment variables as the modules' connection options."""
    proc = run_tool("ansible-doc", "-t", "inventory", "--json", "netsec.zeek.controller")
    assert proc.returncode == 0, proc.stderr
    options = json.loads(proc.stdout)["netsec.zeek.controller"]["doc"]["options"]
    for name, spec in CONTROLLER.argument_spec().items():
        if name == "max_message_size":
            continue  # not an option of the plugin: it reads with the modules' default
        assert name in options, name
        assert options[name]["type"] == spec["type"], name
        if "default" in spec:
            kind = float if spec["type"] == "float" else type(spec["default"])
            assert kind(options[name]["default"]) == spec["default"], name
        assert [e["name"] for e in options[name]["env"]] == spec["fallback"][1], name
