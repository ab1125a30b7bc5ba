"""Module reference pages in docs/modules/, generated from the modules' own documentation.

    .venv/bin/python tools/build_docs.py           # regenerate docs/modules/ (commit the result)
    .venv/bin/python tools/build_docs.py --check   # what `make docs` runs (and so `make test`, CI)

Both modes:
  * load every module's DOCUMENTATION, EXAMPLES and RETURN with `ansible-doc --json`, as
    Ansible itself reads them (doc fragments merged), and fail when a module in
    plugins/modules/ has no loadable documentation;
  * render one Markdown page per module (Ansible markup such as C(), I(), O(), M() through
    antsibull-docs-parser) and an index, docs/modules/README.md;
  * validate the documentation with `antsibull-docs lint-collection-docs --plugin-docs`:
    schema, markup, references to other modules and options, and that antsibull-docs can
    build its RST pages from it.

--check writes nothing and fails when docs/modules/ differs from the freshly rendered pages
(stale, missing or extra pages), so the committed reference always matches the code.
Nothing here needs the network. The collection must be importable as netsec.zeek from
ANSIBLE_COLLECTIONS_PATH (`make collection` links it at .build/collections).
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys

from antsibull_docs_parser import dom
from antsibull_docs_parser.format import LinkProvider
from antsibull_docs_parser.md import MDFormatter, to_md
from antsibull_docs_parser.parser import Context, parse

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "netsec", "zeek")
COLLECTION = "netsec.zeek"
OUT_DIR = os.path.join("docs", "modules")
REGENERATE = ".venv/bin/python tools/build_docs.py"
BIN = os.path.dirname(sys.executable)

TYPE_NAMES = {"str": "string", "bool": "boolean", "int": "integer", "dict": "dictionary", "float": "float",
              "list": "list", "path": "path", "raw": "raw", "jsonarg": "json", "json": "json", "bytes": "bytes",
              "bits": "bits"}


class DocsError(Exception):
    pass


def tool(name):
    candidate = os.path.join(BIN, name)
    return candidate if os.path.exists(candidate) else name


def environment():
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
    env["ANSIBLE_NOCOLOR"] = "1"
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    return env


# -- loading ---------------------------------------------------------------------------------

def module_files():
    folder = os.path.join(REPO_ROOT, "plugins", "modules")
    return sorted(name[:-3] for name in os.listdir(folder)
                  if name.endswith(".py") and not name.startswith("_") and name != "__init__.py")


def ansible_doc(*args):
    proc = subprocess.run([tool("ansible-doc"), "--json", "-t", "module"] + list(args), env=environment(),
                          capture_output=True, text=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise DocsError("ansible-doc %s failed (exit %d):\n%s" % (" ".join(args), proc.returncode, proc.stderr))
    try:
        return json.loads(proc.stdout), proc.stderr
    except ValueError as err:
        raise DocsError("ansible-doc %s did not print JSON (%s):\n%s" % (" ".join(args), err, proc.stdout[:2000]))


def load_docs():
    """{short name: ansible-doc's JSON for it}; fails when a module's documentation does not load."""
    names = module_files()
    listed = ansible_doc("--list", COLLECTION)[0]
    unlisted = [name for name in names if "%s.%s" % (COLLECTION, name) not in listed]
    if unlisted:
        raise DocsError("ansible-doc does not list %s: is the collection at %s, and do these modules' "
                        "DOCUMENTATION blocks load?" % (", ".join(unlisted), LINK))
    docs, stderr = ansible_doc(*["%s.%s" % (COLLECTION, name) for name in names])
    problems = [line for line in stderr.splitlines() if "ERROR" in line or "WARNING" in line]
    missing = [name for name in names if "%s.%s" % (COLLECTION, name) not in docs]
    if missing or problems:
        raise DocsError("ansible-doc could not load the documentation of %s:\n%s"
                        % (", ".join(missing) or "every module", stderr))
    return {name: docs["%s.%s" % (COLLECTION, name)] for name in names}


# -- Markdown rendering ----------------------------------------------------------------------

def md_text(text):
    """Escape only what Markdown (GitHub's, in a table cell too) would otherwise interpret."""
    text = text.replace("\\", "\\\\")
    for char in "`*_[]|":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def md_code(text):
    """A code span; ``|`` stays escaped so that it does not end a table cell."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, pad, text.replace("|", "\\|"), pad, fence)


class Formatter(MDFormatter):
    """antsibull-docs-parser's Markdown, with code spans and light escaping for readable sources."""

    @staticmethod
    def _format_option_like(part, url):
        text = part.name if part.value is None else "%s=%s" % (part.name, part.value)
        text = md_code(text)
        if url:
            text = "[%s](%s)" % (text, url)
        return "**%s**" % text if part.type == dom.PartType.OPTION_NAME and part.value is None else text

    def format_bold(self, part):
        return "**%s**" % md_text(part.text)

    def format_code(self, part):
        return md_code(part.text)

    def format_italic(self, part):
        return "*%s*" % md_text(part.text)

    def format_link(self, part):
        return "[%s](%s)" % (md_text(part.text), part.url)

    def format_module(self, part, url):
        return "[%s](%s)" % (md_code(part.fqcn), url) if url else md_code(part.fqcn)

    def format_rst_ref(self, part):
        return md_text(part.text)

    def format_url(self, part):
        return "<%s>" % part.url

    def format_text(self, part):
        return md_text(part.text)

    def format_env_variable(self, part):
        return md_code(part.name)

    def format_option_value(self, part):
        return md_code(part.value)

    def format_plugin(self, part, url):
        return "[%s](%s)" % (md_code(part.plugin.fqcn), url) if url else md_code(part.plugin.fqcn)


FORMATTER = Formatter()


class Links(LinkProvider):
    def __init__(self, modules):
        self.modules = set(modules)

    def plugin_link(self, plugin):
        namespace, name, short = plugin.fqcn.split(".", 2)
        if "%s.%s" % (namespace, name) == COLLECTION:
            return "%s.md" % short if plugin.type == "module" and short in self.modules else None
        return "https://docs.ansible.com/ansible/latest/collections/%s/%s/%s_%s.html" % (
            namespace, name, short, plugin.type)

    def plugin_option_like_link(self, plugin, entrypoint, what, name, current_plugin):
        anchor = "#%s-%s" % ("parameter" if what == "option" else "return", "/".join(name))
        if current_plugin:
            return anchor
        base = self.plugin_link(plugin)
        return base + anchor if base and base.endswith(".md") else base


class Renderer(object):
    def __init__(self, name, modules):
        self.name = name
        self.fqcn = "%s.%s" % (COLLECTION, name)
        self.plugin = dom.PluginIdentifier(fqcn=self.fqcn, type="module")
        self.links = Links(modules)

    def markup(self, text, separator="\n\n"):
        """Ansible markup (a string or a list of paragraphs) as Markdown."""
        if text is None:
            return ""
        if isinstance(text, str):
            text = [text]
        paragraphs = parse([" ".join(str(p).split()) for p in text], Context(current_plugin=self.plugin),
                           errors="message")
        return to_md(paragraphs, formatter=FORMATTER, link_provider=self.links, par_sep=separator,
                     current_plugin=self.plugin)

    def cell(self, text):
        return self.markup(text, separator="<br>").replace("\n", " ")


def code(value):
    """A value as JSON in a code span that is safe in a table cell."""
    return md_code(json.dumps(value, sort_keys=False))


def type_text(spec):
    kind = TYPE_NAMES.get(spec.get("type", "str"), spec.get("type", "str"))
    if spec.get("elements"):
        kind += " / elements=%s" % TYPE_NAMES.get(spec["elements"], spec["elements"])
    return kind


def option_rows(renderer, options, prefix=""):
    rows = []
    for key in sorted(options):
        spec = options[key]
        path = prefix + key
        anchor = '<a id="parameter-%s"></a>' % path
        name = "%s**%s**" % (anchor, path.replace("/", "."))
        if spec.get("aliases"):
            name += "<br>aliases: %s" % ", ".join(spec["aliases"])
        kind = type_text(spec)
        if spec.get("required"):
            kind += "<br>**required**"
        details = [renderer.cell(spec.get("description"))]
        if spec.get("choices"):
            details.append("Choices: %s" % ", ".join(code(c) for c in spec["choices"]))
        if spec.get("version_added") and str(spec["version_added"]) != "0.1.0":
            details.append("Added in version %s" % spec["version_added"])
        default = code(spec["default"]) if "default" in spec and spec["default"] is not None else ""
        rows.append("| %s | %s | %s | %s |" % (name, kind, default, "<br>".join(details)))
        if spec.get("suboptions"):
            rows.extend(option_rows(renderer, spec["suboptions"], path + "/"))
    return rows


def return_rows(renderer, returns, prefix=""):
    rows = []
    for key in sorted(returns):
        spec = returns[key]
        path = prefix + key
        name = '<a id="return-%s"></a>**%s**' % (path, path.replace("/", "."))
        details = [renderer.cell(spec.get("description"))]
        if "sample" in spec:
            details.append("Sample: %s" % code(spec["sample"]))
        returned = renderer.cell(spec.get("returned", ""))
        rows.append("| %s | %s | %s | %s |" % (name, type_text(spec), returned, "<br>".join(details)))
        if spec.get("contains"):
            rows.extend(return_rows(renderer, spec["contains"], path + "/"))
    return rows


def seealso_lines(renderer, entries):
    lines = []
    for entry in entries or []:
        description = renderer.markup(entry.get("description")) if entry.get("description") else ""
        if "module" in entry or "plugin" in entry:
            fqcn = entry.get("module") or entry.get("plugin")
            kind = "module" if "module" in entry else entry.get("plugin_type", "module")
            url = renderer.links.plugin_link(dom.PluginIdentifier(fqcn=fqcn, type=kind))
            label = "`%s`" % fqcn
            item = "[%s](%s)" % (label, url) if url else label
        elif "link" in entry:
            item = "[%s](%s)" % (entry.get("name", entry["link"]), entry["link"])
        else:
            item = entry.get("name") or entry.get("ref", "")
        lines.append("- %s%s" % (item, (": " + description) if description else ""))
    return lines


def render_module(name, data, modules):
    renderer = Renderer(name, modules)
    doc = data["doc"]
    out = [
        "<!-- Generated by tools/build_docs.py from plugins/modules/%s.py; edit the module's documentation, "
        "then run %s. -->" % (name, REGENERATE),
        "",
        "# %s - %s" % (renderer.fqcn, renderer.markup(doc.get("short_description", ""))),
        "",
        "Module of the [netsec.zeek](README.md) collection, new in version %s. Use it as `%s`." % (
            doc.get("version_added", "0.1.0"), renderer.fqcn),
        "",
        "## Synopsis",
        "",
    ]
    description = doc.get("description") or []
    out += ["- " + renderer.markup(p) for p in ([description] if isinstance(description, str) else description)]
    if doc.get("requirements"):
        out += ["", "## Requirements", "", "On the host that executes the module:", ""]
        out += ["- " + renderer.markup(r) for r in doc["requirements"]]
    if doc.get("options"):
        out += ["", "## Parameters", "", "| Parameter | Type | Default | Comments |", "|---|---|---|---|"]
        out += option_rows(renderer, doc["options"])
    if doc.get("attributes"):
        out += ["", "## Attributes", "", "| Attribute | Support | Description |", "|---|---|---|"]
        for key in sorted(doc["attributes"]):
            spec = doc["attributes"][key]
            support = spec.get("support", "")
            if "platforms" in spec:
                platforms = spec["platforms"]
                support = "Platform: %s" % (", ".join(platforms) if isinstance(platforms, list) else platforms)
            text = [renderer.cell(spec.get("description"))]
            if spec.get("details"):
                text.append(renderer.cell(spec["details"]))
            out.append("| **%s** | %s | %s |" % (key, support, "<br>".join(text)))
    if doc.get("notes"):
        out += ["", "## Notes", ""]
        out += ["- " + renderer.markup(n) for n in doc["notes"]]
    if doc.get("seealso"):
        out += ["", "## See also", ""] + seealso_lines(renderer, doc["seealso"])
    if data.get("examples"):
        out += ["", "## Examples", "", "```yaml", data["examples"].strip("\n"), "```"]
    if data.get("return"):
        out += ["", "## Return values", "",
                "Common return values are documented in Ansible's "
                "[return values](https://docs.ansible.com/ansible/latest/reference_appendices/common_return_values.html);"
                " these are the fields specific to this module.", "",
                "| Key | Type | Returned | Description |", "|---|---|---|---|"]
        out += return_rows(renderer, data["return"])
    authors = doc.get("author") or []
    out += ["", "## Authors", ""] + ["- " + a for a in ([authors] if isinstance(authors, str) else authors)]
    return "\n".join(out).rstrip("\n") + "\n"


def render_index(docs):
    out = [
        "<!-- Generated by tools/build_docs.py; run %s after changing a module's documentation. -->" % REGENERATE,
        "",
        "# netsec.zeek module reference",
        "",
        "One page per module, generated from the modules' own documentation (what `ansible-doc` shows); "
        "`make docs` fails when these pages and the code disagree. Back to the [documentation index](../index.md).",
        "",
        "| Module | Description |",
        "|---|---|",
    ]
    for name in sorted(docs):
        summary = Renderer(name, docs).cell(docs[name]["doc"].get("short_description", ""))
        out.append("| [%s.%s](%s.md) | %s |" % (COLLECTION, name, name, summary))
    out += ["", "Modules that talk to the controller are in the action group `group/netsec.zeek.controller`, "
            "so `module_defaults` can set the connection once per play; see "
            "[getting started](../getting-started.md). The roles are described in [roles](../roles.md)."]
    return "\n".join(out) + "\n"


def render_all(docs):
    pages = {"README.md": render_index(docs)}
    for name, data in docs.items():
        pages["%s.md" % name] = render_module(name, data, docs)
    return pages


# -- validation and comparison ---------------------------------------------------------------

def lint():
    """antsibull-docs' own validation of the collection's documentation; returns a list of problems."""
    path = os.path.realpath(LINK if os.path.exists(LINK) else REPO_ROOT)
    proc = subprocess.run([tool("antsibull-docs"), "lint-collection-docs", "--plugin-docs", path],
                          env=environment(), capture_output=True, text=True, check=False, timeout=600)
    if proc.returncode == 0:
        return []
    # antsibull-docs names files in its own temporary copy of the collection: keep the relative path.
    lines = [re.sub(r"\S*/ansible_collections/netsec/zeek/", "", line.replace(path + "/", ""))
             for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    return lines or ["antsibull-docs lint-collection-docs failed with exit code %d" % proc.returncode]


def compare(pages):
    """Differences between docs/modules/ and ``pages``, as printable lines."""
    out_dir = os.path.join(REPO_ROOT, OUT_DIR)
    existing = set(os.listdir(out_dir)) if os.path.isdir(out_dir) else set()
    existing = {name for name in existing if name.endswith(".md")}
    problems = []
    for name in sorted(set(pages) | existing):
        path = os.path.join(OUT_DIR, name)
        if name not in pages:
            problems.append("%s: no such module any more (remove the page)" % path)
            continue
        if name not in existing:
            problems.append("%s: missing" % path)
            continue
        with open(os.path.join(out_dir, name), encoding="utf-8") as handle:
            current = handle.read()
        if current != pages[name]:
            diff = list(difflib.unified_diff(current.splitlines(), pages[name].splitlines(),
                                             "committed/" + path, "generated/" + path, lineterm="", n=1))
            problems.append("%s: out of date with the module's documentation:\n    %s"
                            % (path, "\n    ".join(diff[:40] + (["..."] if len(diff) > 40 else []))))
    return problems


def write(pages):
    out_dir = os.path.join(REPO_ROOT, OUT_DIR)
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith(".md") and name not in pages:
            os.remove(os.path.join(out_dir, name))
            print("removed %s" % os.path.join(OUT_DIR, name))
    for name, text in sorted(pages.items()):
        path = os.path.join(out_dir, name)
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    continue
        except OSError:
            pass
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print("wrote %s" % os.path.join(OUT_DIR, name))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate (or, with --check, verify) docs/modules/.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail when docs/modules/ is not what the modules' docs generate")
    parser.add_argument("--no-lint", action="store_true", help="skip antsibull-docs lint-collection-docs")
    args = parser.parse_args(argv)
    if not os.path.exists(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        os.symlink(REPO_ROOT, LINK)
    try:
        docs = load_docs()
    except DocsError as err:
        print("docs: %s" % err, file=sys.stderr)
        return 1
    pages = render_all(docs)
    problems = []
    if args.check:
        problems += compare(pages)
        if problems:
            problems.append("Regenerate with `%s` and commit docs/modules/." % REGENERATE)
    else:
        write(pages)
    if not args.no_lint:
        findings = lint()
        if findings:
            problems.append("antsibull-docs lint-collection-docs --plugin-docs found problems in the module "
                            "documentation:\n    " + "\n    ".join(findings))
    if problems:
        print("docs: FAILED\n" + "\n".join(problems), file=sys.stderr)
        return 1
    print("docs: %d module pages in %s %s; antsibull-docs lint %s" % (
        len(docs), OUT_DIR, "match the modules' documentation" if args.check else "are up to date",
        "skipped" if args.no_lint else "passed"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
