"""meta/argument_specs.yml and defaults/main.yml of each role agree exactly, and every
variable carries the role's prefix (the check prometheus.prometheus runs in its CI)."""
import os

import pytest
import yaml

import helpers

ROLES = {"install": "zeek_install_", "management": "zeek_management_"}


def _load(role, path):
    with open(os.path.join(helpers.REPO_ROOT, "roles", role, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_defaults_and_argument_specs_agree(role):
    defaults = _load(role, "defaults/main.yml")
    options = _load(role, "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(defaults) == sorted(options), set(defaults) ^ set(options)
    for name, spec in options.items():
        assert name.startswith(ROLES[role]), name
        assert spec.get("description"), name
        assert "type" in spec, name
        assert "default" in spec and spec["default"] == defaults[name], name
        if "choices" in spec:
            assert defaults[name] in spec["choices"], name


@pytest.mark.parametrize("role", sorted(ROLES))
def test_tasks_use_only_prefixed_variables(role):
    # Registered and set_fact variables are internal: "__<prefix>...".
    for dirpath, unused_dirs, files in os.walk(os.path.join(helpers.REPO_ROOT, "roles", role, "tasks")):
        for name in files:
            with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
                tasks = yaml.safe_load(handle) or []
            for task in _walk(tasks):
                if "register" in task:
                    assert task["register"].startswith("__" + ROLES[role]), (name, task["register"])
                for key in task.get("ansible.builtin.set_fact", {}) or {}:
                    assert key.startswith("__" + ROLES[role]), (name, key)


def _walk(tasks):
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _walk(task.get(key, []))


def test_a_wrong_type_is_rejected_by_the_argument_specs(tmp_path):
    rc, out, unused_recap = helpers.run_playbook(
        os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/install.yml"),
        extra_vars={"zeek_install_method": "tarball"}, check=True)
    assert rc != 0
    assert "zeek_install_method" in out and "tarball" in out
