"""The filters, through real ansible-playbook against the emulator's deployed cluster."""
import json
import re

from eco_helpers import CLUSTER, run_tool

FILTERS = ("to_ini", "from_ini", "node_table", "prometheus_targets")


def read_cluster_tasks():
    return [
        {"name": "nodes", "netsec.zeek.nodes_info": {}, "register": "zeek_nodes"},
        {"name": "instances", "netsec.zeek.instances_info": {}, "register": "zeek_instances"},
        {"name": "deployed", "netsec.zeek.cluster_config_info": {"deployed": True}, "register": "zeek_deployed"},
    ]


def test_to_ini_and_from_ini_follow_the_modules(cluster_play):
    run = cluster_play(read_cluster_tasks() + [
        {"name": "to_ini", "ansible.builtin.set_fact": {"ini": "{{ zeek_deployed.config | netsec.zeek.to_ini }}"}},
        {"name": "from_ini", "ansible.builtin.set_fact": {"back": "{{ zeek_deployed.ini | netsec.zeek.from_ini }}"}},
        {"name": "desired to_ini", "ansible.builtin.set_fact": {
            "desired": "{{ cluster | netsec.zeek.to_ini }}"}, "vars": {"cluster": CLUSTER}},
        {"name": "default instance", "ansible.builtin.set_fact": {
            "defaulted": "{{ {'nodes': [{'name': 'manager', 'role': 'manager'}]} | netsec.zeek.to_ini('agent-x') }}"}},
    ])
    assert run.returncode == 0, run
    deployed = run.task("deployed")["result"]
    # The module's .ini and the filter's are one rendering of one model.
    assert run.task("to_ini")["result"]["ansible_facts"]["ini"] == deployed["ini"]
    back = run.task("from_ini")["result"]["ansible_facts"]["back"]
    assert back["nodes"] == deployed["config"]["nodes"]
    assert back["id"] is None
    desired = run.task("desired to_ini")["result"]["ansible_facts"]["desired"]
    for node in CLUSTER["nodes"]:
        assert "[%s]\ninstance = %s\nrole = %s\n" % (node["name"], node["instance"], node["role"].upper()) in desired
    assert "[instances]\nagent-x\n" in run.task("default instance")["result"]["ansible_facts"]["defaulted"]


def test_to_ini_and_from_ini_refuse_what_the_modules_refuse(cluster_play):
    run = cluster_play([
        {"name": "bad role", "ignore_errors": True, "ansible.builtin.debug": {
            "msg": "{{ {'nodes': [{'name': 'w1', 'instance': 'a', 'role': 'wroker'}]} | netsec.zeek.to_ini }}"}},
        {"name": "same in the module", "ignore_errors": True, "check_mode": True, "netsec.zeek.cluster_config": {
            "config": {"nodes": [{"name": "w1", "instance": "a", "role": "wroker"}]}}},
        {"name": "no instance", "ignore_errors": True, "ansible.builtin.debug": {
            "msg": "{{ '[manager]\nrole = manager\n' | netsec.zeek.from_ini }}"}},
        {"name": "not text", "ignore_errors": True, "ansible.builtin.debug": {"msg": "{{ 42 | netsec.zeek.from_ini }}"}},
        {"name": "state ignored", "ansible.builtin.set_fact": {
            "warned": "{{ '[manager]\ninstance = a\nrole = manager\nstate = running\n' | netsec.zeek.from_ini }}"}},
    ])
    assert run.returncode == 0, run
    bad = run.task("bad role")["result"]
    module = run.task("same in the module")["result"]
    assert run.task("bad role")["status"] == run.task("same in the module")["status"] == "failed"
    assert "to_ini: the cluster configuration is not valid" in bad["msg"]
    assert "wroker" in bad["msg"] and "worker" in bad["msg"].split("wroker", 1)[1]
    # The module words the same problem the same way.
    problem = bad["msg"].split("not valid: ", 1)[1]
    assert problem in module["msg"] + " ".join(module.get("errors", [])), (problem, module)
    no_instance = run.task("no instance")["result"]
    assert run.task("no instance")["status"] == "failed" and "no default instance was given" in no_instance["msg"]
    not_text = run.task("not text")["result"]
    assert run.task("not text")["status"] == "failed" and "from_ini: expects the text of a zeek-client .ini file" in not_text["msg"]
    assert run.task("state ignored")["result"]["ansible_facts"]["warned"]["nodes"][0]["role"] == "MANAGER"
    assert "from_ini: " in run.stderr + run.stdout


def test_node_table_has_a_line_per_process(cluster_play):
    run = cluster_play(read_cluster_tasks() + [
        {"name": "table", "ansible.builtin.set_fact": {"table": "{{ zeek_nodes | netsec.zeek.node_table }}"}},
        {"name": "from the list", "ansible.builtin.set_fact": {
            "same": "{{ zeek_nodes.nodes | netsec.zeek.node_table }}"}},
    ])
    assert run.returncode == 0, run
    nodes = run.task("nodes")["result"]["nodes"]
    table = run.task("table")["result"]["ansible_facts"]["table"]
    assert run.task("from the list")["result"]["ansible_facts"]["same"] == table
    lines = table.split("\n")
    assert lines[0].split() == ["INSTANCE", "NODE", "ROLE", "STATE", "PID", "PORT", "METRICS"]
    assert len(lines) == 1 + len(nodes)
    for line, node in zip(lines[1:], nodes):
        cells = line.split()
        assert cells[:4] == [node["instance"], node["name"], node["cluster_role"] or node["mgmt_role"], node["state"]]
        assert cells[4:] == [str(node.get(k, "-")) for k in ("pid", "port", "metrics_port")]
    # Columns line up: every PID ends where the header's PID ends.
    end = lines[0].index("PID") + 3
    assert all(line[end - 1].isdigit() and line[end] == " " for line in lines[1:])


def test_prometheus_targets_group_per_instance_and_role(cluster_play):
    run = cluster_play(read_cluster_tasks() + [
        {"name": "targets", "ansible.builtin.copy": {
            "dest": "{{ playbook_dir }}/zeek.json", "mode": "0644",
            "content": "{{ zeek_nodes | netsec.zeek.prometheus_targets(zeek_instances, labels={'cluster': 'lab'})"
                       " | to_nice_json }}"}},
        {"name": "per node", "ansible.builtin.set_fact": {
            "per_node": "{{ zeek_nodes.nodes | netsec.zeek.prometheus_targets("
                        "{'agent-sensor1': '::1', 'agent-sensor2': 'sensor2.example', 'agent-logbox': '192.0.2.3'},"
                        " per_node=true) }}"}},
        {"name": "unknown address", "ignore_errors": True, "ansible.builtin.debug": {
            "msg": "{{ zeek_nodes | netsec.zeek.prometheus_targets({'agent-sensor1': '127.0.0.1'}) }}"}},
        {"name": "bad label", "ignore_errors": True, "ansible.builtin.debug": {
            "msg": "{{ zeek_nodes | netsec.zeek.prometheus_targets(zeek_instances, labels={'1x': 'y'}) }}"}},
    ])
    assert run.returncode == 0, run
    nodes = run.task("nodes")["result"]["nodes"]
    hosts = dict((i["name"], i["host"]) for i in run.task("instances")["result"]["instances"])
    written = json.loads(open(run.task("targets")["result"]["dest"]).read())

    expected = {}
    for node in nodes:
        if node.get("metrics_port") is not None:
            role = (node["cluster_role"] or node["mgmt_role"]).lower()
            target = "%s:%d" % (hosts[node["instance"]], node["metrics_port"])
            expected.setdefault((node["instance"], role), []).append(target)
    assert len(expected) >= 4, nodes  # the emulator gives every cluster node a metrics port
    assert [(g["labels"]["zeek_instance"], g["labels"]["zeek_role"]) for g in written] == sorted(expected)
    for group in written:
        key = (group["labels"]["zeek_instance"], group["labels"]["zeek_role"])
        assert group["targets"] == sorted(expected[key])
        assert group["labels"]["cluster"] == "lab" and set(group["labels"]) == {"zeek_instance", "zeek_role", "cluster"}

    per_node = run.task("per node")["result"]["ansible_facts"]["per_node"]
    assert len(per_node) == sum(len(t) for t in expected.values())
    manager = [g for g in per_node if g["labels"].get("zeek_node") == "manager"][0]
    assert re.match(r"^\[::1\]:\d+$", manager["targets"][0]), manager
    assert all(t.startswith("sensor2.example:") for g in per_node if g["labels"]["zeek_instance"] == "agent-sensor2"
               for t in g["targets"])

    unknown = run.task("unknown address")["result"]
    assert run.task("unknown address")["status"] == "failed" and "instance agent-logbox has no known address" in unknown["msg"]
    label = run.task("bad label")["result"]
    assert run.task("bad label")["status"] == "failed" and "'1x' is not a Prometheus label name" in label["msg"]


def test_filters_are_documented_for_ansible_doc():
    proc = run_tool("ansible-doc", "-t", "filter", "--json", *["netsec.zeek." + f for f in FILTERS])
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    for name in FILTERS:
        entry = docs["netsec.zeek." + name]
        assert entry["doc"]["name"] == name and entry["doc"]["short_description"], name
        assert "_input" in entry["doc"]["options"], name
        assert "netsec.zeek.%s" % name in entry["examples"], name
        assert entry["return"]["_value"]["description"], name
    listed = run_tool("ansible-doc", "-t", "filter", "-l", "netsec.zeek")
    assert all("netsec.zeek.%s" % f in listed.stdout for f in FILTERS), listed.stdout
