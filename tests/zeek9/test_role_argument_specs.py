"""netsec.zeek.systemd_cluster: meta/argument_specs.yml and defaults/main.yml agree exactly, every
variable carries the role's prefix, internal variables start with "__zeek_systemd_cluster_" (the
checks tests/roles/test_argument_specs.py runs for the other roles); a wrong value is refused by
the argument specs before any task runs."""
import os

import yaml

import test_role_support as S

ROLE = os.path.join(S.REPO_ROOT, "roles", "systemd_cluster")
PREFIX = "zeek_systemd_cluster"
# The facts the role sets for its users (its nodes, its ports), documented in its README.
PUBLIC_FACTS = {"zeek_systemd_cluster_nodes", "zeek_systemd_cluster_ports"}


def _load(path):
    with open(os.path.join(ROLE, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_defaults_and_argument_specs_agree():
    defaults = _load("defaults/main.yml")
    options = _load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(defaults) == sorted(options), set(defaults) ^ set(options)
    for name, spec in options.items():
        assert name == PREFIX or name.startswith(PREFIX + "_"), name
        assert spec.get("description"), name
        assert "type" in spec, name
        assert "default" in spec and spec["default"] == defaults[name], name
        if "choices" in spec:
            assert defaults[name] in spec["choices"], name


def _walk(tasks):
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _walk(task.get(key, []))


def test_tasks_use_only_prefixed_variables():
    for name in sorted(os.listdir(os.path.join(ROLE, "tasks"))):
        for task in _walk(_load(os.path.join("tasks", name)) or []):
            if "register" in task:
                assert task["register"].startswith("__" + PREFIX + "_"), (name, task["register"])
            for key in task.get("ansible.builtin.set_fact", {}) or {}:
                assert key.startswith("__" + PREFIX + "_") or key in PUBLIC_FACTS, (name, key)
    for key in _load("vars/main.yml"):
        assert key.startswith("__" + PREFIX + "_"), key


def test_secrets_are_never_logged():
    secrets = _load("tasks/secrets.yml")
    writes = [t for t in secrets if "zeromq-curve.env.j2" in str(t.get("ansible.builtin.template", {}))]
    assert writes and all(t.get("no_log") is True for t in writes)
    spec = _load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert spec["zeek_systemd_cluster_curve_keys"].get("no_log") is True


def test_a_wrong_strategy_is_refused_before_any_task(tmp_path):
    hosts = S.make_hosts(str(tmp_path), ["solo"], S.generator_prefix)
    inventory = S.write_inventory(str(tmp_path / "inventory.json"), hosts)
    before = S.tree_snapshot(hosts[0].root)
    run = S.run_role(inventory, {"zeek_systemd_cluster": {"hosts": {"solo": {}}},
                                 "zeek_systemd_cluster_restart_strategy": "rolling"})
    assert run.rc != 0
    assert "zeek_systemd_cluster_restart_strategy" in run.out and "rolling" in run.out
    assert S.tree_snapshot(hosts[0].root) == before
