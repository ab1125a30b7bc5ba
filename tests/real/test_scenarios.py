"""One scenario corpus, two back-ends: the emulator and the real controller.

Every scenario (scenarios.py) runs on the emulator, on the real Zeek 8.2.2 (controller and
agent in one Supervisor, nodes started by the agent's real Supervisor, workers sniffing lo)
and, for the Management Framework scenarios, on Zeek 9.0.0-rc1. Each scenario asserts what
must hold on any back-end. The differential test compares the emulator's transcript with
the real Zeek 8.2.2's after normalising what legitimately differs: every remaining
difference must be listed in emulator/README.md under "Known differences from Zeek", and
every listed one must still occur.
"""
import os
import re

import pytest

import corpus
import scenarios
import zeek_dist

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "emulator", "README.md")

PAIRS = [(backend_id, name) for backend_id in corpus.BACKENDS for name, _steps in scenarios.SCENARIOS
         if corpus.BACKENDS[backend_id][1] is None or name in corpus.BACKENDS[backend_id][1]]


def outcome(backend_id, name):
    try:
        return corpus.get(backend_id).result(name)
    except zeek_dist.ZeekUnavailable as exc:
        if zeek_dist.SHARED_ZEEK.is_dir():
            pytest.fail("%s exists but: %s" % (zeek_dist.SHARED_ZEEK, exc.reason), pytrace=False)
        pytest.skip("real-Zeek tier did not run: %s" % exc.reason)
    return None


@pytest.mark.parametrize("backend_id, scenario", PAIRS, ids=["%s-%s" % pair for pair in PAIRS])
def test_scenario(backend_id, scenario):
    result = outcome(backend_id, scenario)
    if result.error is not None:
        pytest.fail("%s on %s:\n%s" % (scenario, backend_id, result.error), pytrace=False)


def differences(emulated, real, path=""):
    """Paths where two normalised transcripts differ (a subtree that differs is one path)."""
    if isinstance(emulated, dict) and isinstance(real, dict):
        out = []
        for key in sorted(set(emulated) | set(real)):
            sub = "%s/%s" % (path, key)
            if key not in emulated or key not in real:
                out.append(sub)
            else:
                out.extend(differences(emulated[key], real[key], sub))
        return out
    if isinstance(emulated, list) and isinstance(real, list) and len(emulated) == len(real):
        out = []
        for index, (left, right) in enumerate(zip(emulated, real)):
            out.extend(differences(left, right, "%s[%d]" % (path, index)))
        return out
    return [] if emulated == real else [path]


def listed_differences():
    """(scenario, path) pairs listed in emulator/README.md's "Known differences from Zeek"."""
    with open(README, "r", encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("## Known differences from Zeek", 1)[1].split("\n## ", 1)[0]
    return sorted(set(re.findall(r"^- `([\w-]+)` `([^`]+)`:", section, re.M)))


def at(data, path):
    for part in re.findall(r"/([^/\[]+)|\[(\d+)\]", path):
        key, index = part
        if data is None:
            return None
        data = data.get(key) if key else data[int(index)]
    return data


def test_differential_emulator_vs_zeek_8_2_2():
    found, shown = [], {}
    for name, _steps in scenarios.SCENARIOS:
        emulated, real = outcome("emulator", name), outcome("zeek-8.2.2", name)
        if emulated.error or real.error:
            pytest.fail("scenario %s failed on a back-end; see its test_scenario" % name)
        for path in differences(emulated.normalised, real.normalised):
            found.append((name, path))
            shown[(name, path)] = (at(emulated.normalised, path), at(real.normalised, path))
    listed = listed_differences()
    print("differential: %d scenarios, %d differences" % (len(scenarios.SCENARIOS), len(found)))
    unlisted = "\n".join("- `%s` `%s`: emulator %.300r / zeek %.300r" % (key + shown[key])
                         for key in sorted(set(found) - set(listed)))
    gone = "\n".join("- `%s` `%s`" % key for key in sorted(set(listed) - set(found)))
    assert sorted(found) == listed, (
        "emulator/README.md 'Known differences from Zeek' must list exactly the differences found.\n"
        "Found but not listed:\n%s\nListed but not found:\n%s" % (unlisted, gone))
