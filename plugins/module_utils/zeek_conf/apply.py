# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What ``netsec.zeek.zeek_conf`` does on a host: check the description, plan the files,
run the real generators on the planned directory in a temporary copy, compare, write.

One plan decides check mode and the real run, so ``changed`` is the same in both.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import tempfile

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf import keys as K
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.generate import (
    GeneratorError, diff_layout, diff_units, layout_command, read_units, run_generator, run_layout)
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.model import (
    ZeekConfError, from_dict, parse_version)
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.predict import cluster_nodes, public_nodes
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.render import HEADER, file_name, render

_LAYOUT_FILE_RE = re.compile(r"^%s\.zeek\.conf$" % K.HOST_NAME_PATTERN)
_ZEEK_VERSION_RE = re.compile(r"version\s+(\d+\.\d+\S*)")


def detect_version(prefix, run_command):
    """The version of <prefix>/bin/zeek, or None."""
    zeek = os.path.join(prefix, "bin", "zeek")
    if not os.access(zeek, os.X_OK):
        return None
    try:
        rc, out, _err = run_command([zeek, "--version"])
    except OSError:
        return None
    match = _ZEEK_VERSION_RE.search(out or "") if rc == 0 else None
    return match.group(1) if match else None


def _mode(value):
    if isinstance(value, int):
        return value
    text = str(value)
    if not re.match(r"^0?[0-7]{3,4}$", text):
        raise ValueError("mode: %r is not an octal mode such as '0644'" % (value,))
    return int(text, 8)


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return None


def _first_line(path):
    text = _read(path)
    return (text or "").split("\n", 1)[0]


def plan_files(target_dir, rendered, sectioned, remove_stale, mode):
    """[(path, state, before, after)] for every file, and warnings; state is created, changed,
    mode, removed or unchanged."""
    plan, warnings = [], []
    for name in sorted(rendered):
        path = os.path.join(target_dir, name)
        before = _read(path)
        if before is None:
            state = "created"
        elif before != rendered[name]:
            state = "changed"
        elif stat.S_IMODE(os.stat(path).st_mode) != mode:
            state = "mode"
        else:
            state = "unchanged"
        plan.append((path, state, before, rendered[name]))
    if sectioned and os.path.isdir(target_dir):
        for name in sorted(os.listdir(target_dir)):
            path = os.path.join(target_dir, name)
            if name in rendered or not name.endswith(".zeek.conf") or not os.path.isfile(path):
                continue
            if _first_line(path).startswith(HEADER):
                if remove_stale:
                    plan.append((path, "removed", _read(path), None))
                else:
                    warnings.append("%s was written by this module for a host no longer in the cluster; it "
                                    "stays because remove_stale is false, and the layout generator still "
                                    "reads it" % path)
            elif _LAYOUT_FILE_RE.match(name):
                warnings.append("%s is not managed by this module, but zeek-cluster-layout-generator reads it: "
                                "its host joins the cluster layout. Remove it or add the host to the cluster"
                                % path)
    return plan, warnings


def _stage(tmp, target_dir, plan, sectioned):
    """A temporary copy of the directory the generator reads, as it will be after the run
    (the layout generator reads every <host>.zeek.conf there, managed or not)."""
    stage = os.path.join(tmp, "etc", "zeek", "cluster") if sectioned else os.path.join(tmp, "etc", "zeek")
    os.makedirs(stage)
    if sectioned and os.path.isdir(target_dir):
        for name in os.listdir(target_dir):
            source = os.path.join(target_dir, name)
            if os.path.isfile(source) and name.endswith(".zeek.conf"):
                shutil.copyfile(source, os.path.join(stage, name))
    for path, _state, _before, after in plan:
        staged = os.path.join(stage, os.path.basename(path))
        if after is None:
            if os.path.exists(staged):
                os.remove(staged)
        else:
            with open(staged, "w") as handle:
                handle.write(after)
    return stage


def compare_generated(params, cluster, host, target_dir, plan, sectioned, run_command):
    """Run the real generators on the planned files; diff against the active units and layout."""
    prefix = params["prefix"]
    generator = params["generator"] or os.path.join(prefix, "bin", "zeek-systemd-generator")
    layout_generator = params["layout_generator"] or os.path.join(prefix, "bin", "zeek-cluster-layout-generator")
    if not os.access(generator, os.X_OK):
        return None, None, "zeek-systemd-generator not found at %s: units not compared" % generator
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="zeek-conf-"))
    try:
        stage = _stage(tmp, target_dir, plan, sectioned)
        out = os.path.join(tmp, "units")
        run_generator(generator, os.path.join(stage, file_name(cluster, host)), out, run_command)
        new_units = read_units(out, (stage, target_dir))
        units = diff_units(new_units, read_units(params["generated_dir"]))
        setup = _read(os.path.join(out, "zeek-setup.service")) or ""
        argv, _out_index = layout_command(setup)
        if argv[0] != "cp" and not os.access(layout_generator, os.X_OK):
            return units, None, "zeek-cluster-layout-generator not found at %s: layout not compared" % (
                layout_generator)
        new_layout = run_layout(setup, layout_generator, os.path.join(tmp, "cluster-layout.zeek"), run_command)
        if new_layout is None:
            return units, None, ("cluster_layout %s does not exist on this host: zeek-setup.service will fail "
                                 "until it does; layout not compared" % argv[2])
        active = params["active_layout"] or os.path.join(
            prefix, "var", "spool", "zeek", "generated-scripts", "cluster-layout.zeek")
        return units, diff_layout(new_layout, _read(active)), None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write(module, path, text, mode):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".zeek-conf-")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    module.atomic_move(tmp, path)
    os.chmod(path, mode)


def run(module):
    try:
        _run(module)
    except (IOError, OSError) as err:
        module.fail_json(msg="zeek_conf: %s" % err)


def _run(module):
    params = module.params
    result = dict(changed=False, files=[], units=None, units_changed=None, layout=None, rendered={},
                  nodes={}, host_nodes=[], warnings_detail=[])
    try:
        mode = _mode(params["mode"])
        version_text = params["zeek_version"] or detect_version(params["prefix"], module.run_command) or "9.0"
        result["zeek_version"] = version_text
        version = parse_version(version_text)
        cluster = from_dict(params["cluster"], version)
    except ZeekConfError as err:
        module.fail_json(msg="cluster: %d problem%s, nothing written: %s" % (
            len(err.messages), "" if len(err.messages) == 1 else "s", " | ".join(err.messages)),
            errors=err.messages, **result)
    except ValueError as err:
        module.fail_json(msg=str(err), **result)
    warnings = list(cluster.warnings)
    host_name = params["host"] or socket.gethostname()
    result["host"] = host_name
    nodes = cluster_nodes(cluster)
    result["nodes"] = dict((name, public_nodes(value)) for name, value in nodes.items())
    result["rendered"] = render(cluster)
    host = cluster.host(host_name)
    if cluster.sectioned:
        target_dir = os.path.join(params["prefix"], "etc", "zeek", "cluster")
    else:
        target_dir = os.path.join(params["prefix"], "etc", "zeek")
        if host is None:
            host = cluster.hosts[0]  # 8.1/8.2 read zeek.conf whatever the host is called
    plan, plan_warnings = plan_files(target_dir, result["rendered"], cluster.sectioned, params["remove_stale"],
                                     mode)
    warnings.extend(plan_warnings)
    if host is None:
        warnings.append("this host (%s) is not a host of the cluster: the generator here reads %s/%s.zeek.conf, "
                        "which does not exist, and generates no Zeek units; set host or name the cluster host "
                        "after gethostname()%s" % (host_name, target_dir, host_name,
                                                   "; this host name has a dot, and the layout generator ignores "
                                                   "such files: give the host a short lower-case name"
                                                   if "." in host_name or host_name != host_name.lower() else ""))
    else:
        result["host_nodes"] = result["nodes"][host.name]
        if params["compare_units"]:
            try:
                units, layout, note = compare_generated(
                    params, cluster, host, target_dir, plan, cluster.sectioned, module.run_command)
            except GeneratorError as err:
                module.fail_json(msg="Zeek's generator refused the new configuration, nothing written: %s" % err,
                                 **result)
            if note:
                warnings.append(note)
            if units is not None:
                result["units"] = units
                result["layout"] = layout
                layout_changed = bool(layout) and (
                    layout["other_changed"] or any(layout[k][s] for k in ("nodes", "hosts")
                                                   for s in ("added", "removed", "changed")))
                result["units_changed"] = bool(units["added"] or units["removed"] or units["changed"]
                                               or layout_changed)
    diffs = []
    for path, state, before, after in plan:
        if state == "unchanged":
            continue
        result["files"].append(dict(path=path, state=state))
        diffs.append(dict(before_header=path, after_header=path, before=before or "", after=after or ""))
    result["changed"] = bool(result["files"])
    if not module.check_mode:
        for path, state, _before, after in plan:
            if state == "removed":
                os.remove(path)
            elif state in ("created", "changed"):
                _write(module, path, after, mode)
            elif state == "mode":
                os.chmod(path, mode)
    for text in warnings:
        module.warn(text)
    result["warnings_detail"] = warnings
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)
