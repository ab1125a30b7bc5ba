"""One scenario corpus, run on the emulator and on the real controller.

A scenario is a function ``scenario(backend, tmp_path) -> transcript``: it drives the
back-end with the real zeek-client and real ansible-playbook runs of the collection's
modules, asserts what must hold on ANY back-end, and returns a transcript (JSON data) of
what it saw. ``normalise()`` replaces what legitimately differs between two back-ends
(pids, config ids, times, ports each controller picks from its own range, paths), so the
differential test can compare the emulator's transcript with the real Zeek's.

Scenarios run in the order of ``SCENARIOS`` on one back-end instance each, so both
back-ends see the same history (a scenario's "before" is the previous one's "after").
"""
import json
import re
import time

from interop_helpers import zeek_client
from playbook import run_playbook

FAILING_IFACE = "nonexistent0"
MISSING_SCRIPT = "/nonexistent/netsec-missing.zeek"


def cluster_ini(agent, worker_iface="lo", extra=""):
    return """[instances]
{agent}

[manager]
instance = {agent}
role = manager

[logger]
instance = {agent}
role = logger

[proxy]
instance = {agent}
role = proxy

[worker]
instance = {agent}
role = worker
interface = {iface}
{extra}""".format(agent=agent, iface=worker_iface, extra=extra)


def cluster_dict(agent, workers=1, worker_iface="lo"):
    nodes = [{"name": "manager", "instance": agent, "role": "manager"},
             {"name": "logger", "instance": agent, "role": "logger"}]
    for index in range(1, workers + 1):
        nodes.append({"name": "worker-%02d" % index, "instance": agent, "role": "worker",
                      "interface": worker_iface})
    return {"instances": [{"name": agent}], "nodes": nodes}


# -- helpers -------------------------------------------------------------------

def zc(backend, *args, timeout=60):
    run = zeek_client(backend, *args, timeout=timeout)
    try:
        out = run.json
    except ValueError:
        out = run.stdout
    return {"rc": run.rc, "out": out}


def play(backend, tmp_path, tasks, name, check=False, diff=False):
    # timeout: a deploy waits for the agent's (AGENT_TIMEOUT) and the controller's expiry.
    defaults = {"group/netsec.zeek.controller": {"controller_port": backend.port, "timeout": 90}}
    run = run_playbook(tmp_path, tasks, check=check, diff=diff, module_defaults=defaults, name=name)
    return run


def result_of(run, task):
    return run.task(task)["result"]


def node_pids(get_nodes, agent):
    return {name: st.get("pid") for name, st in get_nodes["results"][agent].items() if st["mgmt_role"] is None}


def stage_deploy_names(backend):
    return [name for name, _reqid in backend.requests() if name in ("stage_configuration_request", "deploy_request")]


_DROP_KEYS = {"wait_duration", "duration", "elapsed", "invocation", "start", "end", "delta"}


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _DROP_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


# -- the scenarios -----------------------------------------------------------------

def s_zc_get_instances(backend, tmp_path):
    out = zc(backend, "get-instances")
    assert out["rc"] == 0 and backend.agent in out["out"], out
    return {"get-instances": out}


def s_zc_deploy_lifecycle(backend, tmp_path):
    path = tmp_path / "cluster.ini"
    path.write_text(cluster_ini(backend.agent))
    deploy = zc(backend, "deploy-config", str(path))
    assert deploy["rc"] == 0, deploy
    assert all(n["success"] for n in deploy["out"]["results"]["nodes"].values()), deploy
    deployed = zc(backend, "get-config", "--deployed")
    nodes = zc(backend, "get-nodes")
    ids = zc(backend, "get-id-value", "bits_per_uid")
    restart = zc(backend, "restart", "worker")
    assert restart["rc"] == 0, restart
    before_pids = node_pids(nodes["out"], backend.agent)
    after = wait_running(backend, ["manager", "logger", "proxy", "worker"], not_pids=before_pids, only=["worker"])
    changed = {n: after[n] != before_pids[n] for n in sorted(before_pids)}
    assert changed == {"logger": False, "manager": False, "proxy": False, "worker": True}, (before_pids, after)
    return {"deploy-config": deploy, "get-config --deployed": deployed, "get-nodes": nodes,
            "get-id-value bits_per_uid": ids, "restart worker": restart, "pid changed": changed}


def wait_running(backend, names, not_pids=None, only=(), timeout=60.0):
    """get-nodes until every node in ``names`` is RUNNING (and those in ``only`` have new pids)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = zc(backend, "get-nodes")
        if last["rc"] == 0:
            table = last["out"]["results"].get(backend.agent, {})
            if all(table.get(n, {}).get("state") == "RUNNING" for n in names) and all(
                    table[n].get("pid") != (not_pids or {}).get(n) for n in only):
                return {n: table[n].get("pid") for n in table if table[n]["mgmt_role"] is None}
        time.sleep(0.3)
    raise AssertionError("nodes %s not RUNNING within %ss: %r" % (names, timeout, last))


def s_zc_failing_worker(backend, tmp_path):
    path = tmp_path / "cluster-badif.ini"
    path.write_text(cluster_ini(backend.agent, worker_iface=FAILING_IFACE))
    deploy = zc(backend, "deploy-config", str(path), timeout=80)
    assert deploy["rc"] == 1, deploy
    worker = deploy["out"]["results"]["nodes"]["worker"]
    assert worker["success"] is False and FAILING_IFACE in worker["stderr"], deploy
    nodes = zc(backend, "get-nodes")
    states = {n: (st["state"], "pid" in st) for n, st in nodes["out"]["results"][backend.agent].items()
              if st["mgmt_role"] is None}
    return {"deploy-config": deploy, "node states (state, has pid)": states}


def s_zc_failing_logger_script(backend, tmp_path):
    """Any node that never says hello fails a deploy (zeek-testing-cluster's deploy-error)."""
    path = tmp_path / "cluster-badscript.ini"
    path.write_text(cluster_ini(backend.agent).replace(
        "role = logger\n", "role = logger\nscripts = %s\n" % MISSING_SCRIPT))
    deploy = zc(backend, "deploy-config", str(path), timeout=80)
    assert deploy["rc"] == 1, deploy
    logger = deploy["out"]["results"]["nodes"]["logger"]
    assert logger["success"] is False and MISSING_SCRIPT in logger["stderr"], deploy
    return {"deploy-config": deploy}


def s_zc_stage_and_get_config(backend, tmp_path):
    path = tmp_path / "staged.ini"
    path.write_text(cluster_ini(backend.agent, extra="env = A=1 B=two\n"))
    stage = zc(backend, "stage-config", str(path))
    assert stage["rc"] == 0, stage
    staged = zc(backend, "get-config")
    return {"stage-config": stage, "get-config": staged}


def s_mod_cluster_config(backend, tmp_path):
    """Deploy; a no-op in check mode and for real; a change in check mode with diff, then for real.

    One playbook (check mode and diff per task), so the controller's request log proves that
    only the first deploy and the real change sent a stage and a deploy.
    """
    base = cluster_dict(backend.agent)
    changed = cluster_dict(backend.agent, workers=2)
    sent = stage_deploy_names(backend)
    apply = "netsec.zeek.cluster_config"
    run = play(backend, tmp_path, [
        {"name": "deploy", apply: {"config": base, "wait": True, "wait_sleep": 0.3}},
        {"name": "no-op --check", apply: {"config": base}, "check_mode": True},
        {"name": "no-op", apply: {"config": base}},
        {"name": "change --check --diff", apply: {"config": changed}, "check_mode": True, "diff": True},
        {"name": "change", apply: {"config": changed, "wait": True, "wait_sleep": 0.3}},
    ], "cluster-config")
    assert run.returncode == 0, run
    names = ("deploy", "no-op --check", "no-op", "change --check --diff", "change")
    out = {name: _strip(result_of(run, name)) for name in names}
    assert [out[n]["changed"] for n in names] == [True, False, False, True, True], out
    assert "worker-02" in out["change --check --diff"]["diff"]["after"]
    assert "diff" not in out["change"]
    assert stage_deploy_names(backend) == sent + ["stage_configuration_request", "deploy_request"] * 2
    return out


def s_mod_failing_node(backend, tmp_path):
    bad = cluster_dict(backend.agent, worker_iface=FAILING_IFACE)
    run = play(backend, tmp_path, [{"name": "deploy", "netsec.zeek.cluster_config": {"config": bad},
                                    "ignore_errors": True}], "failing")
    result = result_of(run, "deploy")
    assert run.task("deploy")["status"] == "failed", result
    assert FAILING_IFACE in result["msg"], result
    return {"deploy": _strip(result)}


def s_mod_info(backend, tmp_path):
    cluster = cluster_dict(backend.agent)
    run = play(backend, tmp_path, [
        {"name": "deploy", "netsec.zeek.cluster_config": {"config": cluster, "wait": True, "wait_sleep": 0.3}},
        {"name": "instances", "netsec.zeek.instances_info": {}},
        {"name": "deployed", "netsec.zeek.cluster_config_info": {"deployed": True}},
        {"name": "nodes", "netsec.zeek.nodes_info": {}},
        {"name": "workers", "netsec.zeek.nodes_info": {"roles": ["worker"], "states": ["RUNNING"]}},
    ], "info")
    assert run.returncode == 0, run
    out = {task: _strip(result_of(run, task)) for task in ("instances", "deployed", "nodes", "workers")}
    assert [n["name"] for n in out["workers"]["nodes"]] == ["worker-01"]
    return out


def s_mod_node_restart(backend, tmp_path):
    nodes = {"name": "nodes", "netsec.zeek.nodes_info": {}, "register": "nodes"}
    run = play(backend, tmp_path, [
        dict(nodes, name="before"),
        {"name": "restart", "netsec.zeek.node_restart": {"nodes": ["worker-01"], "wait": True, "wait_sleep": 0.3,
                                                         "wait_timeout": 60}},
        dict(nodes, name="after")], "restart")
    assert run.returncode == 0, run
    pids = [{n["name"]: n["pid"] for n in result_of(run, t)["nodes"] if n["cluster_role"]} for t in ("before", "after")]
    changed = {n: pids[1][n] != pids[0][n] for n in sorted(pids[0])}
    assert changed == {"logger": False, "manager": False, "worker-01": True}, pids
    return {"restart": _strip(result_of(run, "restart")), "pid changed": changed}


ID_NAMES = ["bits_per_uid", "Cluster::node", "Log::default_rotation_interval", "Cluster::nodes",
            "Site::local_nets", "Netsec::no_such_id"]


def s_mod_id_value_info(backend, tmp_path):
    tasks = [{"name": name, "netsec.zeek.id_value_info": {"id": name}, "ignore_errors": True} for name in ID_NAMES]
    run = play(backend, tmp_path, tasks, "ids")
    out = {name: {"status": run.task(name)["status"], "result": _strip(result_of(run, name))} for name in ID_NAMES}
    for item in out.values():
        # Agents answer in their tables' hash order: the errors (and the message listing
        # them) come in an arbitrary node order on a real controller.
        result = item["result"]
        for holder in (result, result.get("failure") or {}):
            if holder.get("errors"):
                holder["errors"] = sorted(holder["errors"], key=lambda e: e.get("source") or "")
        if "failed: " in result.get("msg", ""):
            head, _sep, tail = result["msg"].partition("failed: ")
            result["msg"] = head + "failed: " + "; ".join(sorted(tail.split("; ")))
        # Sets come in hash order, which differs from node to node.
        for node, value in result.get("node_values", {}).items():
            if isinstance(value, list):
                result["node_values"][node] = sorted(value, key=json.dumps)
    assert out["bits_per_uid"]["status"] == "ok"
    return out


def s_zc_controller_restart(backend, tmp_path):
    before = zc(backend, "get-config", "--deployed")
    backend.restart_controller()
    wait_running(backend, ["manager", "logger", "worker-01"], timeout=60)
    after = zc(backend, "get-config", "--deployed")
    assert after == before, (before, after)
    nodes = zc(backend, "get-nodes")
    return {"get-config --deployed after restart": after,
            "states": {n: st["state"] for n, st in nodes["out"]["results"][backend.agent].items()}}


SCENARIOS = [
    ("zc-get-instances", s_zc_get_instances),
    ("zc-deploy-lifecycle", s_zc_deploy_lifecycle),
    ("zc-failing-worker", s_zc_failing_worker),
    ("zc-failing-logger-script", s_zc_failing_logger_script),
    ("zc-stage-and-get-config", s_zc_stage_and_get_config),
    ("mod-cluster-config", s_mod_cluster_config),
    ("mod-failing-node", s_mod_failing_node),
    ("mod-info", s_mod_info),
    ("mod-node-restart", s_mod_node_restart),
    ("mod-id-value-info", s_mod_id_value_info),
    ("zc-controller-restart", s_zc_controller_restart),
]


# -- normalising ---------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-websocket-\d+)?")
_ZEEK_UID = re.compile(r"\b[A-Za-z0-9]{15,18}\b")
_NUM = re.compile(r"(?<![\w.])(\d{4,5})(?![\w.])")
_PID_KEYS = {"pid"}
_ID_KEYS = {"id", "config_id", "current_id", "deployed_id", "staged_id"}


def normalise(transcript, backend, tmp_path):
    """A copy with what legitimately differs replaced by placeholders."""

    def walk(value, key=None):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if key in _PID_KEYS and isinstance(value, int):
            return "<pid>"
        if isinstance(value, int) and not isinstance(value, bool) and value in backend.port_names:
            return backend.port_names[value]
        if isinstance(value, str):
            return text(value, key)
        return value

    def text(value, key):
        value = value.replace(str(tmp_path), "<tmp>")
        if key in _ID_KEYS:
            return "<config-id>" if value else value
        value = _UUID.sub("<uuid>", value)
        value = re.sub(r"pid(s)? \d+", r"pid\1 <pid>", value)
        value = re.sub(r"(\"pid\": )\d+", r"\1<pid>", value)
        return _NUM.sub(lambda m: backend.port_names.get(int(m.group(1)), m.group(1)), value)

    return walk(json.loads(json.dumps(transcript)))
