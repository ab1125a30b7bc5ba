"""netsec.zeek.management with zeek_management_manage_service: true, against a stand-in
systemctl (systemd does not run in CI containers).

The stand-in answers what ansible.builtin.systemd_service asks (show, is-enabled,
daemon-reload, start/restart/enable) from a small state directory and logs every call.
The "controller" the role waits for (wait_for on the WebSocket port) is a plain TCP
listener the test opens, since the units start nothing here.
"""
import os
import shutil
import socket
import tempfile

import pytest

import helpers
import scenarios
import standins

PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/management.yml")

SYSTEMCTL = """#!/bin/sh
# Test stand-in for systemctl (see tests/roles/test_management_services.py).
STATE="@STATE@"
echo "$*" >> "$STATE/calls"
cmd="$1"; unit="$2"
case "$cmd" in
  daemon-reload) ;;
  show)
    [ -f "$STATE/$unit.active" ] && active=active || active=inactive
    printf 'Id=%s\\nLoadState=loaded\\nActiveState=%s\\nSubState=running\\n' "$unit" "$active" ;;
  is-enabled)
    if [ -f "$STATE/$unit.enabled" ]; then echo enabled; else echo disabled; exit 1; fi ;;
  start|restart) touch "$STATE/$unit.active" ;;
  enable) touch "$STATE/$unit.enabled" ;;
  *) echo "systemctl stand-in: unsupported: $*" >&2; exit 1 ;;
esac
"""


def _changing_calls(calls):
    return [line for line in calls if line.split()[0] in ("daemon-reload", "start", "restart", "enable")]


@scenarios.background
def service_sequence():
    """Three runs: first, unchanged, agent setting changed (in the background)."""
    tmp = tempfile.mkdtemp(prefix="netsec-zeek-services-")
    prefix = standins.make_prefix(os.path.join(tmp, "prefix"), "8.0.10")
    state = os.path.join(tmp, "systemd")
    fakebin = os.path.join(tmp, "fakebin")
    os.makedirs(state)
    os.makedirs(fakebin)
    with open(os.path.join(fakebin, "systemctl"), "w", encoding="utf-8") as handle:
        handle.write(SYSTEMCTL.replace("@STATE@", state))
    os.chmod(os.path.join(fakebin, "systemctl"), 0o755)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    extra = {
        "zeek_management_prefix": prefix,
        "zeek_management_user": "root",
        "zeek_management_group": "root",
        "zeek_management_manage_service": True,
        "zeek_management_controller_websocket_port": listener.getsockname()[1],
        "zeek_management_wait_timeout": 20,
        "zeek_management_unit_dir": os.path.join(tmp, "units"),
        "zeek_management_config_dir": os.path.join(tmp, "etc"),
        "zeek_management_state_dir": os.path.join(tmp, "state"),
        "zeek_management_spool_dir": os.path.join(tmp, "spool"),
        "zeek_management_log_dir": os.path.join(tmp, "logs"),
    }
    env = {"PATH": fakebin + os.pathsep + os.environ["PATH"]}
    res = {"tmp": tmp}
    calls_file = os.path.join(state, "calls")
    try:
        for name, variables in (("first", extra), ("second", extra),
                                ("changed", dict(extra, zeek_management_agent_extra_args=["Broker::default_port=10001/tcp"]))):
            if os.path.exists(calls_file):
                os.remove(calls_file)
            res[name] = helpers.run_playbook(PLAYBOOK, extra_vars=variables, env_extra=env)
            with open(calls_file, encoding="utf-8") as handle:
                res[name + "_calls"] = handle.read().splitlines()
    finally:
        listener.close()
    return res


@pytest.fixture(scope="module")
def runs():
    res = scenarios.result(__name__)
    yield res
    shutil.rmtree(res["tmp"], ignore_errors=True)


def test_first_run_starts_and_enables_both_services_once(runs):
    rc, out, recap = runs["first"]
    assert rc == 0, helpers.failures(out)
    assert _changing_calls(runs["first_calls"]) == [
        # The handlers: systemd_service's "restarted" starts a stopped unit; no second start follows.
        "daemon-reload", "start zeek-controller.service",
        "daemon-reload", "start zeek-agent.service",
        "enable zeek-controller.service", "enable zeek-agent.service"]
    assert "TASK [netsec.zeek.management : Wait for the controller's WebSocket port]" in out


def test_second_run_touches_no_service(runs):
    rc, out, recap = runs["second"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] == 0
    assert _changing_calls(runs["second_calls"]) == []


def test_a_changed_agent_setting_restarts_only_the_agent(runs):
    rc, out, recap = runs["changed"]
    assert rc == 0, helpers.failures(out)
    assert _changing_calls(runs["changed_calls"]) == ["daemon-reload", "restart zeek-agent.service"]
