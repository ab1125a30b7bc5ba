"""Issue 4: cluster_config's contract, through real ansible-playbook against the emulator.

For every change: check mode predicts the real run's ``changed``; check mode
sends no stage or deploy and leaves the deployed configuration as it was; the
second real run is ``changed: false`` and sends no stage or deploy; ``diff``
appears only with --diff.
"""
import copy

import pytest

from emulated import AGENT, stage_and_deploy_requests

BASE = {"instances": [{"name": AGENT}], "nodes": [
    {"name": "manager", "instance": AGENT, "role": "manager"},
    {"name": "logger", "instance": AGENT, "role": "logger"},
    {"name": "proxy-01", "instance": AGENT, "role": "proxy"},
    {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0", "env": {"A": "1"}},
    {"name": "worker-02", "instance": AGENT, "role": "worker", "interface": "eth1"},
]}

BASE_INI = """[instances]
{agent}

[manager]
instance = {agent}
role = manager

[logger]
instance = {agent}
role = LOGGER

[proxy-01]
instance = {agent}
role = proxy

[worker-01]
instance = {agent}
role = worker
interface = eth0
env = A=1

[worker-02]
instance = {agent}
role = Worker
interface = eth1
""".format(agent=AGENT)


def variant(change):
    config = copy.deepcopy(BASE)
    change(config)
    return config


def node(config, name):
    return [n for n in config["nodes"] if n["name"] == name][0]


def add_worker(c):
    c["nodes"].append({"name": "worker-03", "instance": AGENT, "role": "worker", "interface": "eth2"})


def remove_proxy(c):
    c["nodes"] = [n for n in c["nodes"] if n["name"] != "proxy-01"]


def change_interface(c):
    node(c, "worker-02")["interface"] = "eth2"


def change_env(c):
    node(c, "worker-01")["env"] = {"A": "2", "B": "x"}


def reorder(c):
    c["nodes"].reverse()


def with_assigned_ports(c):
    # What the controller assigned, written down explicitly: no difference.
    node(c, "manager")["port"] = 2200
    node(c, "logger")["port"] = 2201
    node(c, "proxy-01")["port"] = 2202


def upper_roles_no_instances(c):
    del c["instances"]
    for item in c["nodes"]:
        item["role"] = item["role"].upper()


def explicit_port_change(c):
    node(c, "manager")["port"] = 2300


CASES = [
    ("add worker", {"config": variant(add_worker)}, True),
    ("remove proxy", {"config": variant(remove_proxy)}, True),
    ("change interface", {"config": variant(change_interface)}, True),
    ("change env", {"config": variant(change_env)}, True),
    ("move the manager's port", {"config": variant(explicit_port_change)}, True),
    ("reorder nodes", {"config": variant(reorder)}, False),
    ("omit nothing the controller assigned", {"config": variant(with_assigned_ports)}, False),
    ("roles upper case, instances implied", {"config": variant(upper_roles_no_instances)}, False),
    ("the same cluster as zeek-client ini", {"content": BASE_INI}, False),
]


def deploy_base(play):
    run = play([{"name": "base", "netsec.zeek.cluster_config": {"config": BASE}}], name="base")
    assert run.returncode == 0, run
    assert run.task("base")["result"]["changed"] is True
    return run.task("base")["result"]


def deployed_config(play, name):
    run = play([{"name": "read", "netsec.zeek.cluster_config_info": {"deployed": True}}], name=name)
    assert run.returncode == 0, run
    return run.task("read")["result"]["config"]


@pytest.mark.parametrize("label, args, expect_change", CASES, ids=[c[0] for c in CASES])
def test_check_mode_predicts_the_real_run(play, emulator, label, args, expect_change):
    deploy_base(play)
    before = deployed_config(play, "before")
    sent_before = stage_and_deploy_requests(emulator)

    check = play([{"name": "apply", "netsec.zeek.cluster_config": args}], check=True, diff=True, name="check")
    assert check.returncode == 0, check
    predicted = check.task("apply")["result"]
    assert predicted["changed"] is expect_change, predicted.get("changes")
    assert stage_and_deploy_requests(emulator) == sent_before, "check mode sent a stage or deploy"
    assert deployed_config(play, "after-check") == before
    assert ("diff" in predicted) and predicted["diff"]["before_header"].startswith("deployed configuration")
    if expect_change:
        assert predicted["diff"]["before"] != predicted["diff"]["after"]
        assert "--- before: deployed configuration" in check.stdout
    else:
        assert predicted["diff"]["before"] == predicted["diff"]["after"]

    real = play([{"name": "apply", "netsec.zeek.cluster_config": args}], name="real")
    assert real.returncode == 0, real
    assert real.task("apply")["result"]["changed"] is predicted["changed"]
    assert "diff" not in real.task("apply")["result"], "diff without --diff"
    sent_after_real = stage_and_deploy_requests(emulator)
    if expect_change:
        assert sent_after_real == sent_before + ["stage_configuration_request", "deploy_request"]
    else:
        assert sent_after_real == sent_before

    again = play([{"name": "apply", "netsec.zeek.cluster_config": args}], name="again")
    assert again.returncode == 0, again
    second = again.task("apply")["result"]
    assert second["changed"] is False, (second["changes"], second.get("current_id"), emulator.log_lines()[-30:])
    assert stage_and_deploy_requests(emulator) == sent_after_real, "an unchanged run sent a stage or deploy"


def test_first_deploy_returns_node_results_and_the_assigned_ports(play):
    result = deploy_base(play)
    assert result["nodes"] == {name: {"instance": AGENT, "success": True}
                               for name in ("logger", "manager", "proxy-01", "worker-01", "worker-02")}
    assert result["config_id"].startswith("netsec-")
    assert result["before"] is None
    ports = dict((n["name"], (n["port"], n["metrics_port"])) for n in result["after"]["nodes"])
    assert ports["manager"] == (2200, 9000) and ports["worker-02"] == (None, 9004)


def test_validation_failure_sends_nothing(play, emulator):
    bad = variant(lambda c: c["nodes"].extend([
        {"name": "worker-03", "instance": AGENT, "role": "worker"},                      # no interface
        {"name": "proxy-02", "instance": AGENT, "role": "proxy", "port": 2150},         # controller port
        {"name": "Worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},  # case twin
    ]))
    run = play([{"name": "apply", "netsec.zeek.cluster_config": {"config": bad}, "ignore_errors": True},
                {"name": "typo", "netsec.zeek.cluster_config": {"config": variant(
                    lambda c: node(c, "logger").update(role="loger", port="2201/tcp"))}, "ignore_errors": True}])
    result = run.task("apply")["result"]
    assert run.task("apply")["status"] == "failed"
    assert result["msg"].startswith("The cluster configuration has 4 problems; nothing was sent to the controller")
    errors = result["failure"]["validation_errors"]
    assert errors[0] == "node 'proxy-02' port 2150/tcp conflicts with controller port"
    assert any("worker-03" in e and "interface" in e for e in errors)
    assert any("Worker-01" in e and "worker-01" in e for e in errors)
    typo = run.task("typo")["result"]["failure"]["validation_errors"]
    assert any("logger" in e and "role" in e and "'loger'" in e for e in typo)
    assert any("logger" in e and "port: 2201" in e for e in typo)
    assert stage_and_deploy_requests(emulator) == []


def test_lint_warn_mode_deploys_with_warnings(play):
    lax = variant(lambda c: c["nodes"].append({"name": "worker-03", "instance": AGENT, "role": "worker"}))
    run = play([{"name": "apply", "netsec.zeek.cluster_config": {"config": lax, "lint": "warn"}}])
    assert run.returncode == 0, run
    result = run.task("apply")["result"]
    assert result["changed"] is True
    assert any("worker-03" in w and "interface" in w for w in result["lint_warnings"])
    assert "[WARNING]" in run.stdout + run.stderr


def test_missing_interface_fails_naming_node_and_stderr(play, emulator):
    broken = variant(lambda c: node(c, "worker-02").update(interface="not-a-valid-interface"))
    run = play([{"name": "apply", "netsec.zeek.cluster_config": {"config": broken}, "ignore_errors": True}],
               name="broken")
    result = run.task("apply")["result"]
    assert run.task("apply")["status"] == "failed"
    assert "worker-02 on %s: fatal error: problem with interface not-a-valid-interface" % AGENT in result["msg"]
    assert result["nodes"]["worker-02"]["success"] is False
    assert "pcap_error" in result["nodes"]["worker-02"]["stderr"]
    assert result["nodes"]["manager"]["success"] is True
    assert "request timed out" in result["errors"]
    # The controller counts the attempt as deployed: the result shows what it reports.
    after = dict((n["name"], n["interface"]) for n in result["after"]["nodes"])
    assert after["worker-02"] == "not-a-valid-interface"
    assert deployed_config(play, "read")["nodes"] == result["after"]["nodes"]
    # ... so the next identical run has nothing to deploy, but wait=true tells the truth.
    waiting = {"config": broken, "wait": True, "wait_timeout": 2, "wait_sleep": 0.5}
    waited = play([{"name": "apply", "netsec.zeek.cluster_config": waiting, "ignore_errors": True}], name="wait")
    waited_result = waited.task("apply")["result"]
    assert waited_result["changed"] is False
    assert "Timed out after 2s waiting for the cluster nodes to run: worker-02 (%s): PENDING" % AGENT \
        in waited_result["msg"]


def test_src_file_from_the_playbook_directory(play, emulator):
    run = play([{"name": "apply", "netsec.zeek.cluster_config": {"src": "cluster.ini"}}],
               files={"files/cluster.ini": BASE_INI})
    assert run.returncode == 0, run
    assert run.task("apply")["result"]["changed"] is True
    again = play([{"name": "apply", "netsec.zeek.cluster_config": {"config": BASE}}], name="again")
    assert again.task("apply")["result"]["changed"] is False
    missing = play([{"name": "apply", "netsec.zeek.cluster_config": {"src": "nope.ini"}, "ignore_errors": True}],
                   name="missing")
    assert "cannot read src nope.ini" in missing.task("apply")["result"]["msg"]


def test_staged_state_and_later_deploy(play, emulator):
    run = play([
        {"name": "stage", "netsec.zeek.cluster_config": {"config": BASE, "state": "staged"}},
        {"name": "stage again", "netsec.zeek.cluster_config": {"config": BASE, "state": "staged"}},
        {"name": "deploy", "netsec.zeek.cluster_config": {"config": BASE}},
    ])
    assert run.returncode == 0, run
    assert [run.task(t)["result"]["changed"] for t in ("stage", "stage again", "deploy")] == [True, False, True]
    assert stage_and_deploy_requests(emulator) == ["stage_configuration_request", "stage_configuration_request",
                                                   "deploy_request"]


def test_rendered_needs_no_controller(tmp_path):
    from playbook import run_playbook
    run = run_playbook(tmp_path, [{"name": "render", "netsec.zeek.cluster_config": {
        "content": BASE_INI, "state": "rendered", "controller_port": 1}}])
    assert run.returncode == 0, run
    result = run.task("render")["result"]
    assert result["changed"] is False
    assert result["ini"].startswith("[instances]\n%s\n\n[logger]\n" % AGENT)
    assert result["wire"]["@data-type"] == "vector" and len(result["wire"]["data"]) == 3


def test_force_redeploys_with_a_new_id(play, emulator):
    first = deploy_base(play)
    run = play([{"name": "force", "netsec.zeek.cluster_config": {"config": BASE, "force": True}}], name="force")
    result = run.task("force")["result"]
    assert result["changed"] is True and result["config_id"] != first["config_id"]
    assert set(result["nodes"]) == {"logger", "manager", "proxy-01", "worker-01", "worker-02"}


def test_default_instance_is_the_only_connected_agent(play):
    bare = {"nodes": [{"name": "manager", "role": "manager"},
                      {"name": "worker-01", "role": "worker", "interface": "eth0"}]}
    run = play([{"name": "apply", "netsec.zeek.cluster_config": {"config": bare}}])
    assert run.returncode == 0, run
    assert run.task("apply")["result"]["after"]["instances"][0]["name"] == AGENT


def test_controller_down(play, emulator):
    emulator.stop()
    run = play([{"name": "apply", "netsec.zeek.cluster_config": {"config": BASE, "retries": 1},
                 "ignore_errors": True}])
    result = run.task("apply")["result"]
    assert result["failure"]["kind"] == "unreachable" and "cannot reach 127.0.0.1" in result["msg"]


def test_no_redeploy_loop_when_the_controller_drops_nodes_from_the_deployed_copy(tmp_path):
    """Zeek 7.2.0-8.0.9/8.1.x leave nodes with explicit metrics ports out of the deployed
    configuration. Comparing with it alone would redeploy (restart everything) on every
    run; the staged copy with the deployed id shows the cluster already runs the config."""
    from emulator.process import EmulatorProcess
    from playbook import run_playbook
    config = {"nodes": [
        {"name": "manager", "instance": AGENT, "role": "manager", "metrics_port": 9100},
        {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0", "metrics_port": 9101},
        {"name": "worker-02", "instance": AGENT, "role": "worker", "interface": "eth1"},
    ]}
    with EmulatorProcess("--interfaces", "eth0,eth1", "--zeek-metrics-port-regression", agents=[AGENT]) as emu:
        defaults = {"group/netsec.zeek.controller": {"controller_port": emu.port}}
        first = run_playbook(tmp_path, [{"name": "apply", "netsec.zeek.cluster_config": {"config": config}},
                                        {"name": "read", "netsec.zeek.cluster_config_info": {"deployed": True}}],
                             module_defaults=defaults, name="first")
        assert first.returncode == 0, first
        assert first.task("apply")["result"]["changed"] is True
        deployed = [n["name"] for n in first.task("read")["result"]["config"]["nodes"]]
        assert deployed == ["worker-02"], "the emulator did not reproduce the regression"
        second = run_playbook(tmp_path, [{"name": "apply", "netsec.zeek.cluster_config": {"config": config}}],
                              module_defaults=defaults, check=True, diff=True, name="check")
        assert second.task("apply")["result"]["changed"] is False
        third = run_playbook(tmp_path, [{"name": "apply", "netsec.zeek.cluster_config": {"config": config}}],
                             module_defaults=defaults, name="again")
        assert third.task("apply")["result"]["changed"] is False
        assert len(emu.requests("deploy_request")) == 1
