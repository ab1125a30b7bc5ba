# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a node reports after ``Option::set(X, V)``: Zeek's value-transforming change handlers.

``Config::cluster_set_option`` ends in ``Option::set`` on every node, and ``Option::set``
runs the option's change handlers, whose *return value* becomes the option's value
(``zeek:src/option.bif``). Most handlers return the new value unchanged, so a node reports
exactly what was set. A few do not; comparing a node's report with the requested value
then never converges (a module waiting for equality times out, and a rerun reports a
change again). This module predicts the reported value, so comparison and waiting can
use the prediction instead of the request.

Modelled handlers (Zeek 8.x and 9.0, ``base/utils/site.zeek``; the same in both):

* ``Site::local_nets`` -- ``update_local_nets_table``: when the constant
  ``Site::private_address_space_is_local`` is T (the default), the node adds
  ``Site::private_address_space`` to the new value. A node reports
  ``V | Site::private_address_space``.
* ``Site::private_address_space`` -- ``update_private_address_space`` returns the value
  unchanged (so the option itself reports ``V``), but, when
  ``private_address_space_is_local`` is T, moves ``Site::local_nets`` from the old private
  ranges to the new ones (``side_effects``).

Values here are the *canonical* forms of ``runtime_options.canonical_reported`` /
``canonical_desired``: a set is a ``frozenset`` of canonical elements, a subnet its
compressed network text (``"10.0.0.0/8"``). ``context`` values are plain ``get_id_value``
data (JSON as a node's ``to_json`` renders it), read from the node with ``context_ids()``.

Pure: no I/O, Python >= 3.9. Private to the netsec.zeek collection.
"""

from __future__ import annotations

import ipaddress

LOCAL_NETS = "Site::local_nets"
PRIVATE_SPACE = "Site::private_address_space"
PRIVATE_IS_LOCAL = "Site::private_address_space_is_local"

# option name -> identifiers the prediction reads from each node.
_CONTEXT = {
    LOCAL_NETS: (PRIVATE_IS_LOCAL, PRIVATE_SPACE),
    PRIVATE_SPACE: (PRIVATE_IS_LOCAL, PRIVATE_SPACE, LOCAL_NETS),
}

# What the user sees, for documentation and for messages.
EXPLANATIONS = {
    LOCAL_NETS: ("Zeek's change handler for Site::local_nets (base/utils/site.zeek, update_local_nets_table) "
                 "adds Site::private_address_space to the value while Site::private_address_space_is_local is T "
                 "(the default): nodes report the value set plus the private address ranges."),
    PRIVATE_SPACE: ("Zeek's change handler for Site::private_address_space (update_private_address_space) also "
                    "moves Site::local_nets from the old private ranges to the new ones while "
                    "Site::private_address_space_is_local is T."),
}


class MissingContext(ValueError):
    """The prediction needs an identifier the caller did not read from the node."""


def transforms(name):
    """Whether setting ``name`` can make a node report something other than the value set."""
    return name in _CONTEXT


def context_ids(name):
    """The identifiers to read from a node (get_id_value) before predicting for ``name``."""
    return _CONTEXT.get(name, ())


def _subnets(value):
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise ValueError("expected a set of subnets, got %r" % (value,))
    return frozenset(ipaddress.ip_network(str(item), strict=False).compressed for item in value)


def _need(context, name):
    if name not in context:
        raise MissingContext("predicting this option needs %s from the node" % name)
    return context[name]


def _private_is_local(context):
    value = _need(context, PRIVATE_IS_LOCAL)
    if value.__class__ is not bool:
        raise ValueError("%s must be a bool, got %r" % (PRIVATE_IS_LOCAL, value))
    return value


def constants_inferred(context):
    """``context`` completed with the constants a reader of options only cannot read.

    NetsecOptions::query (roles/systemd_cluster/files/option_values.zeek) answers options,
    not constants, so ``Site::private_address_space_is_local`` is inferred: while it is T,
    ``update_local_nets_table`` keeps ``Site::private_address_space`` inside
    ``Site::local_nets`` (from ``zeek_init`` on), so a node whose local_nets lacks a private
    range has it F. A node with it F whose local_nets holds every private range is taken
    for T (documented in docs/runtime-options.md).
    """
    if PRIVATE_IS_LOCAL in context or LOCAL_NETS not in context or PRIVATE_SPACE not in context:
        return context
    completed = dict(context)
    completed[PRIVATE_IS_LOCAL] = _subnets(context[PRIVATE_SPACE]) <= _subnets(context[LOCAL_NETS])
    return completed


def option_context_ids(name):
    """The options among ``context_ids(name)`` plus what ``constants_inferred`` needs."""
    if name not in _CONTEXT:
        return ()
    return tuple(sorted(set(_CONTEXT[name]) - {PRIVATE_IS_LOCAL} | {LOCAL_NETS, PRIVATE_SPACE}))


def predict(name, desired, context=None):
    """The canonical value a node reports for ``name`` after ``Option::set(name, desired)``.

    ``desired`` is canonical (``canonical_desired``); ``context`` maps the names of
    ``context_ids(name)`` to the node's current ``get_id_value`` data.
    """
    context = context or {}
    if name == LOCAL_NETS:
        desired = _subnets(desired)
        if _private_is_local(context):
            return desired | _subnets(_need(context, PRIVATE_SPACE))
        return desired
    if name == PRIVATE_SPACE:
        return _subnets(desired)
    return desired


def side_effects(name, desired, context=None):
    """{other option: canonical value it will report} for handlers that change other options."""
    context = context or {}
    if name == PRIVATE_SPACE and _private_is_local(context):
        new = _subnets(desired)
        old = _subnets(_need(context, PRIVATE_SPACE))
        local = _subnets(_need(context, LOCAL_NETS))
        # update_private_address_space: (local_nets | old) - (old - new) + (new - old)
        return {LOCAL_NETS: ((local | old) - (old - new)) | (new - old)}
    return {}


def converged(name, desired, reported, context=None):
    """Whether a node's canonical ``reported`` value is what setting ``desired`` gives."""
    return predict(name, desired, context) == reported


def already_set(name, desired, reported, context=None):
    """Whether setting ``desired`` would change nothing on a node reporting ``reported``.

    For a transforming option this is ``converged``: a node that reports the prediction
    already has the value, so a rerun must not report a change.
    """
    return converged(name, desired, reported, context)
