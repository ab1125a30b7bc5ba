"""ansible-doc shows each module's action group membership, as meta/runtime.yml defines the groups,
and the info modules declare diff mode not applicable."""
import json
import os

import yaml

from eco_helpers import REPO_ROOT, run_tool


def module_docs():
    names = sorted(f[:-3] for f in os.listdir(os.path.join(REPO_ROOT, "plugins", "modules")) if f.endswith(".py"))
    proc = run_tool("ansible-doc", "--json", *["netsec.zeek." + n for n in names])
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    return dict((n, docs["netsec.zeek." + n]["doc"]) for n in names)


def test_action_group_membership_matches_runtime_yml():
    with open(os.path.join(REPO_ROOT, "meta", "runtime.yml")) as handle:
        groups = yaml.safe_load(handle)["action_groups"]
    for name, doc in module_docs().items():
        expected = sorted("netsec.zeek." + group for group, members in groups.items() if name in members)
        attribute = doc["attributes"].get("action_group")
        if not expected:
            assert attribute is None, name
            continue
        assert attribute and attribute["support"] == "full", name
        assert sorted(attribute["membership"]) == expected, name
        for group in expected:
            assert "group/" + group in " ".join(attribute["description"]) if isinstance(
                attribute["description"], list) else "group/" + group in attribute["description"], name


def test_info_modules_declare_diff_not_applicable():
    docs = module_docs()
    info = [name for name in docs if name.endswith("_info")]
    assert len(info) >= 5
    for name in info:
        attributes = docs[name]["attributes"]
        assert attributes["diff_mode"]["support"] == "N/A", name
        assert attributes["check_mode"]["support"] == "full", name
