"""Issue 11 items 1-3: cluster_config never claims another client's result.

Real ansible-playbook against the emulator, with a second real client (the
real zeek-client, or the collection's controller client on its own
connection) acting between cluster_config's requests. The emulator's
``--delay-response`` holds one kind of answer back after the state change it
reports, so the second client's requests land in that window every time;
``--node-start-delay`` keeps a deployment pending.
"""
import functools
import os
import socket
import subprocess
import sys
import threading
import time

from emulated import AGENT, INTERFACES, stage_and_deploy_requests
from playbook import run_playbook

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, deploy_guard, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.controller import Controller
from emulator.process import EmulatorProcess

ZEEK_CLIENT = os.path.join(os.path.dirname(sys.executable), "zeek-client")


def nodes(count, instance=AGENT, interface="eth0"):
    """A manager and ``count - 1`` workers."""
    out = [{"name": "manager", "instance": instance, "role": "manager"}]
    out += [{"name": "worker-%02d" % i, "instance": instance, "role": "worker", "interface": interface}
            for i in range(1, count)]
    return out


OURS = {"instances": [{"name": AGENT}], "nodes": nodes(4)}            # this run's B: 4 nodes
THEIRS = {"instances": [{"name": AGENT}], "nodes": nodes(5, interface="eth1")}  # the other client's C: 5
THEIRS_INI = "[instances]\n%s\n\n" % AGENT + "\n".join(
    "[%s]\ninstance = %s\nrole = %s\n%s" % (n["name"], AGENT, n["role"],
                                             "interface = %s\n" % n["interface"] if "interface" in n else "")
    for n in THEIRS["nodes"])


def content_id(data):
    want, _warnings = reconcile.desired(data)
    return reconcile.config_id(want)


def emulator(*args, agents=(AGENT,)):
    return EmulatorProcess("--interfaces", INTERFACES, "--node-start-delay", "0.1", *args, agents=list(agents))


def player(tmp_path, emu):
    defaults = {"group/netsec.zeek.controller": {"controller_port": emu.port, "timeout": 20}}
    return functools.partial(run_playbook, tmp_path, module_defaults=defaults)


def deploy_task(config, name="deploy", **extra):
    task = {"name": name, "netsec.zeek.cluster_config": dict({"config": config}, **extra), "ignore_errors": True}
    return task


def other_client(emu):
    """The second client: the collection's controller client on a connection of its own."""
    return Controller(host=emu.host, port=emu.port, timeout=20)


def zeek_client(emu, *args):
    return [ZEEK_CLIENT, "--controller", "%s:%d" % (emu.host, emu.port),
            "--set", "client.request_timeout_secs=20"] + list(args)


def wait_for(predicate, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


def in_background(function):
    """Run ``function`` in a thread; returns the thread and the box its result (or exception) lands in."""
    box = {}

    def target():
        try:
            box["value"] = function()
        except Exception as err:  # handed to the test, which re-raises it
            box["error"] = err
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def joined(thread, box, timeout=120):
    thread.join(timeout)
    assert not thread.is_alive(), "background run did not finish"
    if "error" in box:
        raise box["error"]
    return box["value"]


def deployed_id(emu):
    with other_client(emu) as controller:
        config = reconcile.current(controller, deployed=True)
    return None if config is None else config.id


# -- item 1: concurrent runs ---------------------------------------------------------------------


def test_a_config_staged_between_our_stage_and_deploy_is_not_reported_as_ours(tmp_path):
    """Run 1 stages B; the other client stages C while run 1 waits for its stage answer; run 1's
    deploy then deploys C (READY), and run 1 must say so instead of reporting C's result."""
    with emulator("--delay-response", "stage_configuration_response=2") as emu:
        play = player(tmp_path, emu)
        with other_client(emu) as theirs:
            run_thread, run_box = in_background(lambda: play([deploy_task(OURS)], name="run1"))
            first = wait_for(lambda: emu.requests("stage_configuration_request"), "run 1's stage")
            want, _warnings = reconcile.desired(THEIRS)
            want.id = "their-config-C"
            theirs.stage_configuration(cluster.to_wire(want))  # answered 2 s late, staged at once
            run = joined(run_thread, run_box)
        result = run.task("deploy")["result"]
        assert run.task("deploy")["status"] == "failed", run
        ours = content_id(OURS)
        assert deploy_guard.ANOTHER_CLIENT in result["msg"], result["msg"]
        assert ours in result["msg"] and "their-config-C" in result["msg"]
        assert "Deployed configuration" not in result["msg"]
        assert result["failure"]["kind"] == "concurrent_change" and result["failure"]["retryable"] is False
        assert result["failure"]["staged_id"] == ours and result["failure"]["controller_config_id"] == "their-config-C"
        assert "config_id" not in result  # never claimed as this run's deployment
        # What the message says is what the controller runs: C, deployed by run 1's deploy request.
        assert deployed_id(emu) == "their-config-C"
        stages = emu.requests("stage_configuration_request")
        assert len(stages) == 2 and stages[0] == first[0] and stages[1].client != first[0].client


def test_a_config_deployed_right_after_ours_fails_the_read_back(tmp_path):
    """Run 1's deploy of B is done, its answer is on the way; the other client deploys D in
    between. Run 1's read-back finds D: the task must not report D as its result."""
    with emulator("--delay-response", "deploy_response=2") as emu:
        play = player(tmp_path, emu)
        ours = content_id(OURS)
        with other_client(emu) as theirs:
            run_thread, run_box = in_background(lambda: play([deploy_task(OURS)], name="run1"))
            wait_for(lambda: emu.requests("deploy_request"), "run 1's deploy")
            wait_for(lambda: reconcile.current(theirs, deployed=True) is not None, "B deployed")
            want, _warnings = reconcile.desired(THEIRS)
            want.id = "their-config-D"
            theirs.stage_configuration(cluster.to_wire(want))
            other_thread, other_box = in_background(theirs.deploy)  # its answer is held 2 s too
            run = joined(run_thread, run_box)
            assert joined(other_thread, other_box)["config_id"] == "their-config-D"
        result = run.task("deploy")["result"]
        assert run.task("deploy")["status"] == "failed", run
        assert deploy_guard.ANOTHER_CLIENT in result["msg"], result["msg"]
        assert ours in result["msg"] and "their-config-D" in result["msg"]
        assert result["failure"]["kind"] == "concurrent_change" and result["failure"]["controller_config_id"] == "their-config-D"
        assert deployed_id(emu) == "their-config-D"


def test_an_earlier_pending_deployment_is_a_retryable_failure_that_deployed_nothing(tmp_path):
    """zeek-client deploys C, whose nodes take 8 s to start; run 1 deploys B meanwhile. The
    controller answers "earlier deployment <reqid> still pending" (main.zeek deploy_request)."""
    with emulator("--node-start-delay", "8", "--agent-timeout", "30", "--request-timeout", "40") as emu:
        play = player(tmp_path, emu)
        ini = tmp_path / "theirs.ini"
        ini.write_text(THEIRS_INI)
        their_deploy = subprocess.Popen(zeek_client(emu, "deploy-config", str(ini)), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: emu.requests("deploy_request"), "zeek-client's deploy")
            their_staged = wait_for(lambda: staged_id(emu), "C staged")
            run = play([deploy_task(OURS)], name="run1")
            still_pending = deployed_id(emu) is None
        finally:
            their_deploy.kill()
            their_deploy.communicate()
        assert still_pending, "the other deployment finished before run 1 deployed: the test did not race"
        result = run.task("deploy")["result"]
        assert run.task("deploy")["status"] == "failed", run
        assert deploy_guard.NOTHING_DEPLOYED in result["msg"], result["msg"]
        assert "earlier deployment" in result["msg"] and "still pending" in result["msg"]
        assert "Deployed configuration" not in result["msg"] and "config_id" not in result
        assert result["failure"]["kind"] == "deployment_pending" and result["failure"]["retryable"] is True
        assert result["failure"]["staged_id"] == content_id(OURS)
        # Staging replaced zeek-client's staged C: the warning names it (item 3).
        assert result["replaced_staged_id"] == their_staged
        assert any(their_staged in w for w in result.get("warnings", [])), result.get("warnings")
        assert len(emu.requests("deploy_request")) == 2


def staged_id(emu):
    with other_client(emu) as controller:
        config = reconcile.current(controller, deployed=False)
    return None if config is None else config.id


# -- item 2: instances that are not connected ------------------------------------------------------


def test_a_typo_in_an_instance_is_refused_before_anything_is_sent(tmp_path):
    with emulator(agents=(AGENT, "agent-backup")) as emu:
        play = player(tmp_path, emu)
        base = play([deploy_task(OURS, name="base")], name="base")
        assert base.task("base")["status"] == "ok", base
        before = stage_and_deploy_requests(emu)
        typo = {"nodes": nodes(3, instance="agent-sensr1")}
        run = play([dict(deploy_task(typo, name="check"), check_mode=True), deploy_task(typo, name="real")],
                   name="typo")
        for name in ("check", "real"):
            result = run.task(name)["result"]
            assert run.task(name)["status"] == "failed", run
            assert "instance agent-sensr1" in result["msg"] and "is not connected" in result["msg"]
            assert "connected: agent-backup, %s" % AGENT in result["msg"]
            assert "did you mean %s?" % AGENT in result["msg"]
            assert result["changed"] is False
        assert stage_and_deploy_requests(emu) == before  # no stage, no deploy
        assert deployed_id(emu) == content_id(OURS)  # the running cluster was left alone


def test_with_no_agent_connected_every_instance_is_refused(tmp_path):
    with EmulatorProcess("--no-agents") as emu:
        play = player(tmp_path, emu)
        run = play([dict(deploy_task(OURS, name="check"), check_mode=True), deploy_task(OURS, name="real")])
        for name in ("check", "real"):
            result = run.task(name)["result"]
            assert run.task(name)["status"] == "failed", run
            assert "instance %s" % AGENT in result["msg"] and "no agent is connected" in result["msg"]
        assert stage_and_deploy_requests(emu) == []


def test_an_agent_the_controller_connects_to_needs_no_connection_beforehand(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with emulator(agents=(AGENT, "agent-remote=127.0.0.1:%d" % port)) as emu:
        play = player(tmp_path, emu)
        remote = {"instances": [{"name": "agent-remote", "host": "127.0.0.1", "port": port}],
                  "nodes": nodes(2, instance="agent-remote")}
        run = play([deploy_task(remote)])
        assert run.task("deploy")["status"] == "ok" and run.task("deploy")["result"]["changed"] is True, run
        assert deployed_id(emu) == content_id(remote)


# -- item 3: someone else's staged work -------------------------------------------------------------


def test_staging_over_another_clients_staged_work_warns_with_its_id(tmp_path):
    with emulator() as emu:
        play = player(tmp_path, emu)
        ini = tmp_path / "theirs.ini"
        ini.write_text(THEIRS_INI)
        staged = subprocess.run(zeek_client(emu, "stage-config", str(ini)), capture_output=True, text=True,
                                timeout=60, check=False)
        assert staged.returncode == 0, staged.stderr
        theirs = staged_id(emu)
        run = play([dict(deploy_task(OURS, name="check"), check_mode=True), deploy_task(OURS, name="real")])
        for name in ("check", "real"):
            result = run.task(name)["result"]
            assert run.task(name)["status"] == "ok" and result["changed"] is True, run
            assert result["replaced_staged_id"] == theirs
            assert any(theirs in w and "staged" in w for w in result["warnings"]), result["warnings"]
        # The deployed configuration staged, or this task's own staged work, is no one else's: no warning.
        three, two = dict(OURS, nodes=nodes(3)), dict(OURS, nodes=nodes(2))
        again = play([deploy_task(three, name="staged is deployed"),
                      deploy_task(two, name="stage ours", state="staged"),
                      deploy_task(two, name="staged is ours")], name="again")
        for name in ("staged is deployed", "stage ours", "staged is ours"):
            result = again.task(name)["result"]
            assert again.task(name)["status"] == "ok" and result["changed"] is True, again
            assert "replaced_staged_id" not in result and not result.get("warnings"), (name, result)
