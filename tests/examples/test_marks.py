"""The example extractor itself, and the marks that keep a snippet from running.

A mark must say why (test_every_mark_gives_a_reason); the extractor must find fences and marks
where a reader sees them, and refuse what it cannot run rather than pass over it.
"""
import pytest

from runner import NotRunnable, build_plays, unmarked_tasks
from snippets import Snippet, find_snippets, mark_problem, markdown_snippets, snippet_id, task_marks

SNIPPETS = find_snippets()


def all_marks():
    marks = []
    for snippet in SNIPPETS:
        if snippet.mark is not None:
            marks.append((snippet_id(snippet), snippet.mark))
        if snippet.kind == "examples":
            for mark in task_marks(snippet.text).values():
                marks.append(("%s EXAMPLES line %d" % (snippet.source, mark.line), mark.text))
    return marks


def test_every_module_and_doc_is_searched():
    sources = set(s.source for s in SNIPPETS)
    assert "README.md" in sources and "docs/getting-started.md" in sources and "docs/runtime-options.md" in sources
    assert not any(s.startswith("docs/modules/") for s in sources), "docs/modules is generated from EXAMPLES"
    modules = [s for s in SNIPPETS if s.kind == "examples"]
    assert len(modules) >= 9 and all(s.text.strip() for s in modules), "every module has EXAMPLES"


@pytest.mark.parametrize("where,text", all_marks(), ids=[m[0] for m in all_marks()])
def test_every_mark_gives_a_reason(where, text):
    assert mark_problem(text) is None, "%s: %s" % (where, mark_problem(text))


def test_marks_without_a_reason_are_refused():
    assert mark_problem("skip") is not None
    assert mark_problem("skip because") is not None
    assert mark_problem("skip because broken") is not None
    assert mark_problem("needs Zeek") is not None
    assert mark_problem("TODO fix later") is not None
    assert mark_problem("needs a real Zeek cluster") is None
    assert mark_problem("skip because a CI workflow is not a playbook") is None


MARKDOWN = """Text.

```yaml
- name: runs
  ansible.builtin.debug:
```

<!-- example: skip because a CI workflow is not a playbook -->
```yaml
jobs: {}
```

<!-- example -->
```yml
a: 1
```

<!-- example: skip because a comment two lines up does not count -->

```yaml
b: 2
```

```ini
[manager]
```
"""


def test_markdown_fences_and_marks_are_found_where_a_reader_sees_them():
    found = markdown_snippets(MARKDOWN, "doc.md")
    assert [(s.line, s.mark) for s in found] == [
        (3, None),
        (9, "skip because a CI workflow is not a playbook"),
        (14, "<!-- example -->"),
        (20, None),
    ]
    assert mark_problem(found[2].mark) is not None, "a malformed mark is reported, not ignored"
    assert found[0].text == "- name: runs\n  ansible.builtin.debug:\n"


EXAMPLES = """
- name: one
  ansible.builtin.debug:

# example: needs Zeek's ZeroMQ log writer sending records
- name: two
  ansible.builtin.debug:
    msg: "# example: not a mark inside a task"

- name: three
  ansible.builtin.debug:
"""


def test_task_marks_leave_out_only_their_task():
    snippet = Snippet("plugins/modules/x.py", 1, "examples", EXAMPLES, None)
    tasks, marks = unmarked_tasks(snippet)
    assert [t["name"] for t in tasks] == ["one", "three"]
    assert list(marks) == [1] and marks[1].text == "needs Zeek's ZeroMQ log writer sending records"


def test_an_unmarked_snippet_that_is_no_playbook_is_refused():
    with pytest.raises(NotRunnable, match="neither a playbook nor a task list"):
        build_plays({"jobs": {}}, "doc.md:9")
    with pytest.raises(NotRunnable):
        build_plays(["just", "strings"], "doc.md:9")


def test_handlers_run_when_notified():
    plays = build_plays([{"name": "restart", "netsec.zeek.node_restart": None, "listen": "restart zeek cluster"}], "x")
    assert plays[0]["handlers"][0]["name"] == "restart"
    assert plays[0]["tasks"][-1]["notify"] == ["restart zeek cluster"]
