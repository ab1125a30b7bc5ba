"""Item 20: every example a reader may copy runs, through real ansible-playbook, against the emulator.

One test per module EXAMPLES block and per YAML fence of README.md and docs/*.md. A fence marked
``<!-- example: ... -->`` is skipped with the mark's reason (test_marks.py checks the marks);
tasks marked ``# example: ...`` in EXAMPLES are left out, the others run.
"""
import pytest

from runner import build_plays, run_plays, unmarked_tasks, with_zeek_prefix
from snippets import Snippet, find_snippets, mark_problem, snippet_id

SNIPPETS = find_snippets()


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet_id(s) for s in SNIPPETS])
def test_example_runs(snippet, example_emulator, tmp_path):
    if snippet.mark is not None:
        assert mark_problem(snippet.mark) is None, mark_problem(snippet.mark)
        pytest.skip("%s: marked: %s" % (snippet_id(snippet), snippet.mark))
    assert snippet.text.strip(), "%s has no EXAMPLES" % snippet.source
    tasks, marks = unmarked_tasks(snippet)
    if not tasks and marks:
        pytest.skip("%s: every task marked: %s" % (snippet_id(snippet), "; ".join(m.text for m in marks.values())))
    plays = build_plays(tasks, snippet_id(snippet))
    run = run_plays(plays, example_emulator.endpoints, str(tmp_path / "run"))
    if run.returncode != 0:
        pytest.fail("%s failed as written:\n%s" % (snippet_id(snippet), run), pytrace=False)


# id_value_info's example before issue 11 item 12: `uid_bits.values` is the dict method in Jinja.
OLD_ID_VALUE_EXAMPLE = """
- name: Read bits_per_uid everywhere
  netsec.zeek.id_value_info:
    id: bits_per_uid
  register: uid_bits

- name: Check that every node uses JSON logs
  ansible.builtin.assert:
    that: (uid_bits.values | dict2items | map(attribute='value') | unique) == [96]
"""


def test_an_example_that_fails_as_written_fails_the_test(example_emulator, tmp_path):
    snippet = Snippet("plugins/modules/id_value_info.py", 59, "examples", OLD_ID_VALUE_EXAMPLE, None)
    tasks, _marks = unmarked_tasks(snippet)
    run = run_plays(build_plays(tasks, snippet_id(snippet)), example_emulator.endpoints, str(tmp_path / "run"))
    assert run.returncode != 0, run
    assert "dict2items requires a dictionary" in run.output, run


def test_zeek_conf_tasks_write_into_the_runs_zeek_prefix(example_emulator, tmp_path):
    """The runner's Zeek prefix: zeek_conf's example writes there, never into the machine's /opt/zeek."""
    snippet = [s for s in SNIPPETS if s.source == "plugins/modules/zeek_conf.py"][0]
    tasks, _marks = unmarked_tasks(snippet)
    assert any(t.get("netsec.zeek.zeek_conf", {}).get("prefix") == "/opt/zeek" for t in tasks), snippet.text
    run = run_plays(build_plays(tasks, snippet_id(snippet)), example_emulator.endpoints, str(tmp_path / "run"))
    assert run.returncode == 0, run
    prefix = tmp_path / "run" / "zeek-prefix"
    assert "/opt/zeek" not in run.playbook and str(prefix) in run.playbook, run.playbook
    cluster = prefix / "etc" / "zeek" / "cluster"
    assert sorted(p.name for p in cluster.iterdir()) == ["mgr1.zeek.conf", "sensor1.zeek.conf"], run
    assert "af_packet::eth0" in (cluster / "sensor1.zeek.conf").read_text()
    assert (prefix / "etc" / "zeek" / "zeek.conf").is_file(), run  # the Zeek 8.2 task's single file


def test_the_zeek_prefix_replaces_only_zeek_conf_prefixes():
    plays = [{"hosts": "sensor1", "tasks": [
        {"netsec.zeek.zeek_conf": {"prefix": "/opt/zeek", "cluster": {"hosts": {}}}},
        {"ansible.builtin.debug": {"prefix": "/opt/zeek"}},
        {"block": [{"zeek_conf": {"prefix": "/usr/local/zeek"}}]}]}]
    tasks = with_zeek_prefix(plays, "/run/zp")[0]["tasks"]
    assert tasks[0]["netsec.zeek.zeek_conf"] == {"prefix": "/run/zp", "cluster": {"hosts": {}}}
    assert tasks[1]["ansible.builtin.debug"] == {"prefix": "/opt/zeek"}
    assert tasks[2]["block"][0]["zeek_conf"] == {"prefix": "/run/zp"}
