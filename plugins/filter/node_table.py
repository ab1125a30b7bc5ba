# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""node_table: nodes_info's node list as a text table, one line per process, like
``zeek-client get-nodes`` shows it. Documentation: node_table.yml beside this file."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

COLUMNS = ("INSTANCE", "NODE", "ROLE", "STATE", "PID", "PORT", "METRICS")


def _nodes(value):
    """nodes_info's registered result, or its ``nodes`` list."""
    if isinstance(value, Mapping):
        if "nodes" not in value:
            raise AnsibleFilterError("node_table: expects the result of netsec.zeek.nodes_info (or its nodes list); "
                                     "this mapping has no nodes key")
        value = value["nodes"]
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("node_table: expects the result of netsec.zeek.nodes_info or its nodes list, got %s"
                                 % type(value).__name__)
    for index, node in enumerate(value):
        if not isinstance(node, Mapping) or "name" not in node or "instance" not in node:
            raise AnsibleFilterError("node_table: nodes[%d] is not a node of nodes_info (it needs name and "
                                     "instance)" % index)
    return value


def _cell(value):
    return "-" if value is None else str(value)


def node_table(value):
    """The table as one string, lines separated by newlines, a header line first."""
    rows = []
    for node in _nodes(value):
        role = node.get("cluster_role") or node.get("mgmt_role")
        rows.append((node["instance"], node["name"], _cell(role), _cell(node.get("state")), _cell(node.get("pid")),
                     _cell(node.get("port")), _cell(node.get("metrics_port"))))
    widths = [max([len(COLUMNS[0]), 8] + [len(r[0]) for r in rows]),
              max([len(COLUMNS[1])] + [len(r[1]) for r in rows]), 10, 8, 7, 5, 7]
    lines = []
    for row in [COLUMNS] + rows:
        cells = []
        for index, (cell, width) in enumerate(zip(row, widths)):
            # Names and words on the left, numbers on the right.
            cells.append(cell.ljust(width) if index < 4 else cell.rjust(width))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


class FilterModule(object):

    def filters(self):
        return {"node_table": node_table}
