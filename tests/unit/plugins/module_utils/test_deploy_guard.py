"""deploy_guard: the checks that keep a cluster_config run from claiming another client's result."""
import os
import re

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import deploy_guard, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.connection import TaskError
from emulator import REPO_ROOT

NODES = [{"name": "manager", "role": "manager", "instance": "agent-sensor1"},
         {"name": "worker-01", "role": "worker", "interface": "eth0", "instance": "agent-sensor1"}]


def config(nodes=None, instances=None, config_id=None):
    data = {"nodes": NODES if nodes is None else nodes}
    if instances is not None:
        data["instances"] = instances
    want, _warnings = reconcile.desired(data)
    want.id = config_id or reconcile.config_id(want)
    return want


def gitops_section():
    with open(os.path.join(REPO_ROOT, "docs", "gitops.md"), encoding="utf-8") as handle:
        text = handle.read()
    return text.split("## One deployment at a time", 1)[1].split("\n## ", 1)[0]


def test_the_phrases_docs_gitops_promises_are_the_modules():
    section = gitops_section()
    bold = re.findall(r"\*\*(.+?)\*\*", section)
    assert deploy_guard.ANOTHER_CLIENT in bold
    assert "`earlier deployment <id> still pending`" in bold
    assert "saying that %s" % deploy_guard.NOTHING_DEPLOYED in " ".join(section.split())


def test_a_pending_deployment_is_a_retryable_failure_that_deploys_nothing():
    outcome = {"config_id": None, "nodes": {}, "success": False,
               "errors": ["earlier deployment 3f2a-req still pending"]}
    with pytest.raises(TaskError) as err:
        deploy_guard.check_deploy_answer(outcome, "netsec-ours")
    message = str(err.value)
    assert deploy_guard.NOTHING_DEPLOYED in message and "earlier deployment 3f2a-req still pending" in message
    assert "netsec-ours" in message and "Deployed configuration" not in message
    assert err.value.kind == "deployment_pending"
    assert err.value.details == {"retryable": True, "staged_id": "netsec-ours"}


def test_a_deploy_answer_with_another_id_names_both_configurations():
    outcome = {"config_id": "theirs-C", "nodes": {"worker-09": {"instance": "a", "success": True}},
               "success": True, "errors": []}
    with pytest.raises(TaskError) as err:
        deploy_guard.check_deploy_answer(outcome, "netsec-ours")
    assert deploy_guard.ANOTHER_CLIENT in str(err.value)
    assert "netsec-ours" in str(err.value) and "theirs-C" in str(err.value)
    assert err.value.kind == "concurrent_change" and err.value.details["retryable"] is False


@pytest.mark.parametrize("outcome", [
    {"config_id": "netsec-ours", "nodes": {}, "success": True, "errors": []},
    # Timed out: no id Result, DEPLOYED unchanged; the nodes-failed message of the module reports it.
    {"config_id": None, "nodes": {}, "success": False, "errors": ["request timed out"]},
])
def test_our_own_or_an_unconfirmed_deploy_answer_passes(outcome):
    deploy_guard.check_deploy_answer(outcome, "netsec-ours")


def test_read_back_must_be_this_runs_configuration():
    want = config()
    deploy_guard.check_read_back(want, config())
    for other in (config(nodes=NODES[:1]), None, config(nodes=NODES[:1], config_id=want.id)):
        with pytest.raises(TaskError) as err:
            deploy_guard.check_read_back(want, other)
        assert deploy_guard.ANOTHER_CLIENT in str(err.value) and want.id in str(err.value)
        if other is not None and other.id != want.id:
            assert other.id in str(err.value)


def test_read_back_takes_the_staged_copy_where_zeek_lost_nodes_from_the_deployed_one():
    want = config()
    lossy = config(nodes=NODES[:1], config_id=want.id)  # Zeek 7.2-8.1: nodes with metrics ports vanish
    deploy_guard.check_read_back(want, lossy, staged=config())


def test_a_typo_in_an_instance_is_refused_with_a_suggestion():
    want = config(nodes=[dict(n, instance="agent-sensr1") for n in NODES])
    problems = deploy_guard.unconnected_instances(want, [{"name": "agent-sensor1"}, {"name": "agent-zz"}])
    assert len(problems) == 1
    assert "instance agent-sensr1 (nodes manager, worker-01) is not connected" in problems[0]
    assert "connected: agent-sensor1, agent-zz" in problems[0] and "did you mean agent-sensor1?" in problems[0]


def test_no_agent_connected_and_nothing_close():
    want = config(nodes=[dict(n, instance="edge") for n in NODES])
    (problem,) = deploy_guard.unconnected_instances(want, [])
    assert "instance edge" in problem and "no agent is connected" in problem and "did you mean" not in problem
    (problem,) = deploy_guard.unconnected_instances(want, [{"name": "agent-sensor1"}])
    assert "connected: agent-sensor1" in problem and "did you mean" not in problem


def test_instances_the_controller_connects_to_are_not_refused():
    want = config(instances=[{"name": "agent-sensor1", "host": "192.0.2.1", "port": 2151}])
    assert deploy_guard.unconnected_instances(want, []) == []
    assert deploy_guard.unconnected_instances(config(), [{"name": "agent-sensor1", "host": "127.0.0.1"}]) == []


def test_the_preflight_reports_unconnected_instances_with_the_other_problems():
    typo = [dict(NODES[0], instance="agent-sensr1"), dict(NODES[1], instance="agent-sensr1", interface=None)]
    want = config(nodes=typo)
    with pytest.raises(reconcile.PreflightError) as err:
        reconcile.preflight(want, connected=[{"name": "agent-sensor1"}])
    assert "did you mean agent-sensor1?" in err.value.errors[0]
    assert any("worker-01" in e and "interface" in e for e in err.value.errors[1:])
    with pytest.raises(reconcile.PreflightError):
        reconcile.preflight(want)  # without a controller (state rendered) only the configuration counts
    reconcile.preflight(config(), connected=[{"name": "agent-sensor1"}])


def test_staged_work_of_another_client_is_named():
    want, deployed = config(), config(nodes=NODES[:1])
    theirs = config(nodes=NODES[:1] + [dict(NODES[1], interface="eth9")], config_id="their-staged-id")
    warning = deploy_guard.replaced_staged_warning(want.id, want, theirs, deployed)
    assert "their-staged-id" in warning and deployed.id in warning
    assert "their-staged-id" in deploy_guard.replaced_staged_warning(want.id, want, theirs, None)


@pytest.mark.parametrize("staged_case", ["none", "deployed", "ours", "ours-forced"])
def test_staged_work_that_is_deployed_or_ours_is_no_warning(staged_case):
    want, deployed = config(), config(nodes=NODES[:1])
    staged = {"none": None, "deployed": deployed, "ours": config(),
              "ours-forced": config(config_id="a-forced-uuid")}[staged_case]
    assert deploy_guard.replaced_staged_warning(want.id, want, staged, deployed) is None
