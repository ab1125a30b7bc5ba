# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running Zeek's real generators and comparing what they produce with what is active.

* ``run_generator``: ``zeek-systemd-generator --config FILE OUTDIR`` (the ``--config`` form
  Zeek's own tests use; without it the generator picks its file by ``gethostname()``);
* ``layout_command``: the layout step of the generated ``zeek-setup.service``;
* ``read_units``: Zeek's entries of a generator directory (files by content, links by target);
* ``diff_units`` / ``parse_layout`` / ``diff_layout``: added, removed, changed.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

import os
import re
import shlex

_LAYOUT_ENTRY_RE = re.compile(r'^\s*\["([^"]+)"\]\s*=\s*(.*?)\s*$')


class GeneratorError(RuntimeError):
    pass


def _run(argv, run_command):
    """Run ``argv`` with ``run_command`` (AnsibleModule.run_command, or the same signature:
    ``run_command(argv) -> (rc, stdout, stderr)``); GeneratorError unless it exits 0."""
    try:
        rc, out, err = run_command(argv)
    except OSError as error:
        raise GeneratorError("cannot run %s: %s" % (argv[0], error))
    if rc != 0:
        text = err or out
        text = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).strip()
        raise GeneratorError("%s exited with %d: %s" % (" ".join(argv), rc, text))
    return rc


def run_generator(generator, config_path, out_dir, run_command):
    """Generate the units of ``config_path`` into ``out_dir`` (created)."""
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    _run([generator, "--config", config_path, out_dir], run_command)


def _is_zeek_entry(rel):
    return rel.split("/", 1)[0].startswith("zeek") or rel == "multi-user.target.wants/zeek.target"


def read_units(directory, replace=None):
    """{relative path: content or '-> link target'} of Zeek's entries under ``directory``.

    ``replace`` (old, new): a path rewritten in file contents, so units generated from a
    temporary copy of the cluster directory compare equal to units generated from the real one.
    """
    entries = {}
    if not directory or not os.path.isdir(directory):
        return entries
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(dirs + files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, directory).replace(os.sep, "/")
            if not _is_zeek_entry(rel):
                continue
            if os.path.islink(full):
                entries[rel] = "-> " + os.readlink(full)
            elif os.path.isfile(full):
                with open(full, "rb") as handle:
                    text = handle.read().decode("utf-8", "replace")
                if replace:
                    text = text.replace(replace[0], replace[1])
                entries[rel] = text
    return entries


def diff_units(new, old):
    return dict(added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new)),
                changed=sorted(k for k in set(new) & set(old) if new[k] != old[k]))


def layout_command(setup_unit_text):
    """The argv of the setup unit's layout step (generator or ``cp -f``), and the index of its output."""
    for line in setup_unit_text.splitlines():
        if not line.startswith("ExecStart="):
            continue
        argv = shlex.split(line[len("ExecStart="):])
        if argv and argv[0].endswith("zeek-cluster-layout-generator"):
            return argv, argv.index("-o") + 1
        if argv[:2] == ["cp", "-f"] and argv[-1].endswith("cluster-layout.zeek"):
            return argv, len(argv) - 1
    raise GeneratorError("zeek-setup.service has no layout step")


def run_layout(setup_unit_text, layout_generator, out_file, run_command):
    """Run the setup unit's layout step with its output redirected to ``out_file``; return the text."""
    argv, out_index = layout_command(setup_unit_text)
    if argv[0] == "cp":
        # cluster_layout: zeek-setup.service copies that file; None when it is not there (yet).
        if not os.path.isfile(argv[2]):
            return None
        with open(argv[2], "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    if layout_generator:
        argv[0] = layout_generator
    argv[out_index] = out_file
    _run(argv, run_command)
    with open(out_file, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def parse_layout(text):
    """{'node:<name>' or 'host:<name>': entry} from a cluster-layout.zeek."""
    entries = {}
    block = None
    for line in (text or "").splitlines():
        if line.startswith("redef Cluster::nodes"):
            block = "node"
        elif line.startswith("redef Cluster::hosts"):
            block = "host"
        elif line.startswith("}"):
            block = None
        elif block:
            match = _LAYOUT_ENTRY_RE.match(line)
            if match:
                entries["%s:%s" % (block, match.group(1))] = match.group(2)
    return entries


def diff_layout(new_text, old_text):
    new, old = parse_layout(new_text), parse_layout(old_text)
    result = {}
    for kind, label in (("node", "nodes"), ("host", "hosts")):
        n = dict((k.split(":", 1)[1], v) for k, v in new.items() if k.startswith(kind + ":"))
        o = dict((k.split(":", 1)[1], v) for k, v in old.items() if k.startswith(kind + ":"))
        result[label] = diff_units(n, o)
    # Lines outside the entries (manager_is_logger, telemetry) count too.
    result["other_changed"] = _rest(new_text) != _rest(old_text)
    return result


def _rest(text):
    return [line for line in (text or "").splitlines() if not _LAYOUT_ENTRY_RE.match(line)]
