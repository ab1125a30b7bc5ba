# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""to_ini / from_ini: the cluster configuration's dict form <-> zeek-client's .ini text.

Both go through the cluster model's public functions, so they accept and refuse
exactly what cluster_config accepts and refuses. Documentation: to_ini.yml and
from_ini.yml beside this file.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from ansible_collections.netsec.zeek.plugins.module_utils import cluster

display = Display()


def _default_instance(value, filter_name):
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise AnsibleFilterError("%s: default_instance must be an instance (agent) name such as "
                                 "agent-sensor1, got %r" % (filter_name, value))
    return to_text(value)


def _plain(value):
    """Ansible's containers (tagged, lazy) -> plain dicts, lists and scalars for the model."""
    if isinstance(value, Mapping):
        return dict((_plain(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def to_ini(config, default_instance=None):
    """The dict form (cluster_config's ``config``, cluster_config_info's ``config``) -> .ini text."""
    if not isinstance(config, Mapping):
        raise AnsibleFilterError("to_ini: expects a cluster configuration mapping with a nodes list "
                                 "(as cluster_config's config option takes), got %s" % type(config).__name__)
    try:
        model = cluster.from_dict(_plain(config), default_instance=_default_instance(default_instance, "to_ini"))
    except cluster.ClusterConfigError as err:
        raise AnsibleFilterError("to_ini: the cluster configuration is not valid: %s" % "; ".join(err.messages))
    return cluster.to_ini(model)


def from_ini(text, default_instance=None):
    """zeek-client .ini text -> the dict form, as cluster_config_info returns it."""
    if not isinstance(text, str):
        raise AnsibleFilterError("from_ini: expects the text of a zeek-client .ini file, got %s "
                                 "(read a file with lookup('ansible.builtin.file', path))" % type(text).__name__)
    try:
        model, warnings = cluster.from_ini(str(text), default_instance=_default_instance(default_instance, "from_ini"))
    except cluster.ClusterConfigError as err:
        raise AnsibleFilterError("from_ini: the .ini text is not a valid cluster configuration: %s"
                                 % "; ".join(err.messages))
    for warning in warnings:
        display.warning("from_ini: %s" % warning)
    return cluster.to_dict(model)


class FilterModule(object):

    def filters(self):
        return {"to_ini": to_ini, "from_ini": from_ini}
