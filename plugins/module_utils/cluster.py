# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Zeek cluster model: Configuration, Instance, Node, and their forms.

Private to the netsec.zeek collection: no compatibility promise to other code.
Pure: no I/O, no network, no clock. Python >= 3.9. The design, the
normalisation rules, the lint severities and where we differ from
zeek-client: docs/cluster-model.md.

* ``model``: the records, ``ClusterConfigError``, ``Finding`` and the one
  parser of roles, ports, hosts and nodes that name no instance;
* ``dict_form``: ``from_dict`` / ``to_dict`` (YAML/JSON) and ``SCHEMA``;
* ``ini_form``: ``from_ini`` / ``to_ini`` (zeek-client's ``.ini``);
* ``wire_form``: ``to_wire`` / ``from_wire`` (``Management::Configuration``);
* ``comparison``: ``normalize``, ``differs``, ``changes``, ``diff``, ``compare``;
* ``checks``: ``validate`` (the controller's ``config_validate()``) and ``lint``.

A module's check mode in three calls::

    want = from_dict(params["config"], default_instance=...)   # ClusterConfigError
    errors = validate(want) + [f.message for f in lint(want) if f.severity == "error"]
    result = compare(want, from_wire(deployed), with_diff=module._diff)

Stage with a fresh id (``want.id = None``; ``to_wire`` then makes one): agents
skip a configuration whose id they already run.
"""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.checks import lint, validate
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.comparison import (
    changes,
    compare,
    diff,
    differs,
    normalize,
)
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.dict_form import (
    HAS_JSONSCHEMA,
    JSONSCHEMA_IMPORT_ERROR,
    SCHEMA,
    from_dict,
    schema_errors,
    to_dict,
)
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.ini_form import from_ini, to_ini
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.model import (
    ROLES,
    ClusterConfigError,
    Configuration,
    Finding,
    Instance,
    Node,
    default_instance_name,
    suggest,
)
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.wire_form import from_wire, to_wire

__all__ = [
    "HAS_JSONSCHEMA", "JSONSCHEMA_IMPORT_ERROR", "ROLES", "SCHEMA",
    "ClusterConfigError", "Finding", "Instance", "Node", "Configuration",
    "default_instance_name", "schema_errors", "from_dict", "to_dict", "from_ini", "to_ini",
    "to_wire", "from_wire", "normalize", "differs", "changes", "diff", "compare",
    "validate", "lint", "suggest",
]
