"""Find every example a reader may copy: module EXAMPLES and the YAML fences of the docs.

Sources (``find_snippets()``):
  * the ``EXAMPLES`` string of every ``plugins/modules/*.py`` (read with ``ast``, not imported);
  * every fence tagged ``yaml`` or ``yml`` in ``README.md`` and ``docs/*.md``
    (``docs/modules/`` is generated from EXAMPLES, so it is covered by the first source).

A snippet that needs what the emulator cannot give carries a visible mark saying why:
  * in Markdown, an HTML comment on the line right above the fence:
        <!-- example: skip because a GitHub Actions workflow, not an Ansible playbook -->
  * in EXAMPLES, a comment line right above the task it concerns (only that task is left out):
        # example: needs Zeek's ZeroMQ log writer publishing records
Both forms are ``example: skip because <reason>`` or ``example: needs <what is missing>``;
``mark_problem()`` refuses a mark whose reason is missing or a word or two.
"""

import ast
import collections
import glob
import os
import re

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

Snippet = collections.namedtuple("Snippet", "source line kind text mark")
# kind: "examples" (a module's EXAMPLES, a task list) or "markdown" (a fenced YAML block)
# mark: the text after "example:" for a marked Markdown fence, else None

TaskMark = collections.namedtuple("TaskMark", "line text")

_FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<info>[^`\s]*)")
_HTML_MARK = re.compile(r"^\s*<!--\s*example:\s*(?P<text>.*?)\s*-->\s*$")
_HTML_MARK_LOOSE = re.compile(r"<!--\s*example\b", re.IGNORECASE)
_YAML_MARK = re.compile(r"^#\s*example:\s*(?P<text>.*?)\s*$")
_MARK_GRAMMAR = re.compile(r"^(?:skip because|needs)\s+(?P<reason>.+)$")
YAML_INFO = ("yaml", "yml")
MIN_REASON_WORDS = 3


def relative(path):
    return os.path.relpath(path, REPO_ROOT)


def doc_files(root=REPO_ROOT):
    files = [os.path.join(root, "README.md")]
    files += sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    return [f for f in files if os.path.isfile(f)]


def module_files(root=REPO_ROOT):
    return sorted(f for f in glob.glob(os.path.join(root, "plugins", "modules", "*.py"))
                  if not os.path.basename(f).startswith("__"))


def markdown_snippets(text, source):
    """The YAML fences of one Markdown text, each with the mark right above it (if any)."""
    lines = text.splitlines()
    snippets = []
    index = 0
    while index < len(lines):
        match = _FENCE_OPEN.match(lines[index])
        if not match:
            index += 1
            continue
        fence, info = match.group("fence"), match.group("info").lower()
        start = index
        body = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        index += 1  # the closing fence
        if info not in YAML_INFO:
            continue
        mark = None
        if start > 0:
            above = _HTML_MARK.match(lines[start - 1])
            if above:
                mark = above.group("text")
            elif _HTML_MARK_LOOSE.search(lines[start - 1]):
                mark = lines[start - 1].strip()  # malformed; mark_problem() says so
        snippets.append(Snippet(source, start + 1, "markdown", "\n".join(body) + "\n", mark))
    return snippets


def examples_string(path):
    """(line, text) of the module's EXAMPLES assignment, or None."""
    with open(path, "r", encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.lineno, node.value.value
    return None


def task_marks(text):
    """{index of the top-level task: TaskMark} for the marks in an EXAMPLES text.

    A mark is a comment line right above a top-level ``- `` item (other comment lines may sit
    between them); the index counts top-level items from 0.
    """
    marks = {}
    pending = None
    item = -1
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if line.startswith("- "):
            item += 1
            if pending is not None:
                marks[item] = pending
            pending = None
            continue
        match = _YAML_MARK.match(stripped)
        if match and not line.startswith(" "):
            pending = TaskMark(number, match.group("text"))
        elif stripped and not stripped.startswith("#"):
            pending = None
    return marks


def module_snippets(path):
    found = examples_string(path)
    if found is None:
        return [Snippet(relative(path), 1, "examples", "", None)]
    line, text = found
    return [Snippet(relative(path), line, "examples", text, None)]


def find_snippets(root=REPO_ROOT):
    snippets = []
    for path in module_files(root):
        snippets.extend(module_snippets(path))
    for path in doc_files(root):
        with open(path, "r", encoding="utf-8") as handle:
            snippets.extend(markdown_snippets(handle.read(), relative(path)))
    return snippets


def mark_problem(text):
    """None for a well-formed mark, else what is wrong with it."""
    match = _MARK_GRAMMAR.match(text or "")
    if not match:
        return ("%r is not a mark: write 'example: skip because <reason>' or 'example: needs <what the "
                "emulator lacks>'" % text)
    if len(match.group("reason").split()) < MIN_REASON_WORDS:
        return "%r gives no reason a reader can check: say what the emulator cannot do" % text
    return None


def snippet_id(snippet):
    return "%s:%d" % (snippet.source, snippet.line)
