# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Normalisation and comparison: ``normalize``, ``differs``, ``changes``,
``diff``, ``compare``, the check-mode and ``--diff`` contract of DESIGN.md
(what is normalised and why: docs/cluster-model.md)."""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.ini_form import to_ini
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.model import (
    NODE_FIELDS,
    UNKNOWN_HOST,
    Configuration,
)


class _Canon(object):
    """A canonical configuration with the wire identity of each record,
    computed once (the lists run parallel to ``config.instances`` / ``nodes``)."""

    __slots__ = ("config", "ikeys", "nkeys")

    def __init__(self, ipairs, npairs):
        self.ikeys = [k for k, _item in ipairs]
        self.nkeys = [k for k, _item in npairs]
        self.config = Configuration(None, [i for _key, i in ipairs], [n for _key, n in npairs])


def _sorted_unique(pairs):
    """(key, record) pairs -> de-duplicated by key (like a Zeek set), sorted by
    name; records sharing a name (invalid anyway) in a stable total order."""
    unique = list(dict(pairs).items())
    unique.sort(key=lambda kv: kv[0][0])
    for index in range(1, len(unique)):
        if unique[index][0][0] == unique[index - 1][0][0]:
            unique.sort(key=lambda kv: (kv[0][0], repr(kv[0][1:])))
            break
    return unique


def _canonical(config):
    ipairs = []
    for inst in config.instances:
        if inst.host == UNKNOWN_HOST:
            inst = inst.copy(host=None)
        ipairs.append((inst.key(), inst))
    npairs = []
    for node in config.nodes:
        if node.scripts is not None and not node.scripts:
            node = node.copy(scripts=None)
        npairs.append((node.key(), node))
    return _Canon(_sorted_unique(ipairs), _sorted_unique(npairs))


def _trimmed(have, want):
    """``have`` (canonical) without what ``want`` (canonical) leaves to the controller."""
    want_nodes = dict((n.name, n) for n in want.config.nodes)
    want_insts = dict((i.name, i) for i in want.config.instances)
    npairs = []
    for key, node in zip(have.nkeys, have.config.nodes):
        wanted = want_nodes.get(node.name)
        if wanted is not None and ((wanted.port is None and node.port is not None)
                                   or (wanted.metrics_port is None and node.metrics_port is not None)):
            node = node.copy(port=node.port if wanted.port is not None else None,
                             metrics_port=node.metrics_port if wanted.metrics_port is not None else None)
            key = key[:3] + (node.port,) + key[4:9] + (node.metrics_port,)
        npairs.append((key, node))
    ipairs = []
    for key, inst in zip(have.ikeys, have.config.instances):
        wanted = want_insts.get(inst.name)
        if wanted is not None and wanted.host is None and inst.host is not None:
            inst = inst.copy(host=None)
            key = inst.key()
        ipairs.append((key, inst))
    # Trimming can make records identical: collapse them like the wire set would.
    return _Canon(_sorted_unique(ipairs), _sorted_unique(npairs))


def _pair(want, have):
    want_c = _canonical(want)
    have_c = None if have is None else _trimmed(_canonical(have), want_c)
    return want_c, have_c


def normalize(config, have=None):
    """The canonical form of ``config`` (docs/cluster-model.md, "Normalisation").

    With ``have`` (the deployed or staged config), ``config`` is the wanted one
    and the result is the pair ``(want, have)``, both canonical, ``have``
    without the ports, metrics ports and hosts that ``want`` leaves unset.
    The results are new objects: changing them leaves the inputs alone."""
    if have is None:
        return _detached(_canonical(config).config)
    want_c, have_c = _pair(config, have)
    return _detached(want_c.config), _detached(have_c.config)


def _detached(config):
    """The same configuration sharing no record with the caller's."""
    return Configuration(config.id, [i.copy() for i in config.instances], [n.copy() for n in config.nodes])


def _same(want_c, have_c):
    return have_c is not None and want_c.ikeys == have_c.ikeys and want_c.nkeys == have_c.nkeys


def differs(want, have):
    """True when deploying ``want`` over ``have`` would change something, after
    normalisation. ``have`` None (nothing deployed yet) always differs."""
    return not _same(*_pair(want, have))


def _node_value(node, field):
    value = getattr(node, field)
    if field == "options":
        return None if not value else dict(value)
    if field == "env":
        return dict(sorted(value.items()))
    if field == "scripts":
        return None if value is None else list(value)
    return value


_COMPARED_NODE_FIELDS = NODE_FIELDS[1:]


def _changes(want_c, have_c):
    have_nodes = dict(zip((n.name for n in have_c.config.nodes), zip(have_c.nkeys, have_c.config.nodes))) \
        if have_c is not None else {}
    want_nodes = dict(zip((n.name for n in want_c.config.nodes), zip(want_c.nkeys, want_c.config.nodes)))
    have_insts = dict((i.name, i) for i in have_c.config.instances) if have_c is not None else {}
    want_insts = dict((i.name, i) for i in want_c.config.instances)
    changed_nodes = {}
    for name in sorted(set(want_nodes) & set(have_nodes)):
        (old_key, old), (new_key, new) = have_nodes[name], want_nodes[name]
        if old_key == new_key:
            continue
        fields = {}
        for field in _COMPARED_NODE_FIELDS:
            before, after = _node_value(old, field), _node_value(new, field)
            if before != after:
                fields[field] = [before, after]
        changed_nodes[name] = fields
    changed_insts = {}
    for name in sorted(set(want_insts) & set(have_insts)):
        old, new = have_insts[name], want_insts[name]
        fields = {}
        for field in ("host", "port"):
            if getattr(old, field) != getattr(new, field):
                fields[field] = [getattr(old, field), getattr(new, field)]
        if fields:
            changed_insts[name] = fields
    return {
        "added_nodes": sorted(set(want_nodes) - set(have_nodes)),
        "removed_nodes": sorted(set(have_nodes) - set(want_nodes)),
        "changed_nodes": changed_nodes,
        "added_instances": sorted(set(want_insts) - set(have_insts)),
        "removed_instances": sorted(set(have_insts) - set(want_insts)),
        "changed_instances": changed_insts,
    }


def changes(want, have):
    """What deploying ``want`` over ``have`` changes, after normalisation:
    ``added_nodes``, ``removed_nodes`` (sorted names), ``changed_nodes``
    (``{name: {field: [old, new]}}``, fields as in the dict form), and
    ``added_instances``, ``removed_instances``, ``changed_instances``
    (``{name: {"host"|"port": [old, new]}}``)."""
    return _changes(*_pair(want, have))


def _diff(want_c, have_c, before_header, after_header):
    return {
        "before": "" if have_c is None else to_ini(have_c.config, display=True),
        "after": to_ini(want_c.config, display=True),
        "before_header": before_header,
        "after_header": after_header,
    }


def diff(want, have, before_header="deployed configuration", after_header="desired configuration"):
    """Ansible's ``diff`` dict: ``before``/``after`` as zeek-client ``.ini`` text
    (the ``display`` rendering of ``to_ini``) after normalisation, with
    ``before_header``/``after_header``. ``have`` None gives an empty before."""
    want_c, have_c = _pair(want, have)
    return _diff(want_c, have_c, before_header, after_header)


def compare(want, have, with_diff=True, before_header="deployed configuration",
            after_header="desired configuration"):
    """``differs``, ``changes`` and (when ``with_diff``) ``diff`` from one
    normalisation: ``{"changed": bool, "changes": {...}, "diff": {...}}``."""
    want_c, have_c = _pair(want, have)
    result = {"changed": not _same(want_c, have_c), "changes": _changes(want_c, have_c)}
    if with_diff:
        result["diff"] = _diff(want_c, have_c, before_header, after_header)
    return result
