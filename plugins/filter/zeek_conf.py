# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that move a cluster to Zeek's systemd generator: zeekctl_to_systemd_cluster and
mgmt_to_systemd_cluster (documented in zeekctl_to_systemd_cluster.yml and
mgmt_to_systemd_cluster.yml beside this file)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.netsec.zeek.plugins.module_utils.cluster import ClusterConfigError
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import from_dict as cluster_from_dict
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import from_ini as cluster_from_ini
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.migrate import (
    MigrationError, mgmt_to_description, zeekctl_to_description)


def _text(value, name):
    if not isinstance(value, str):
        raise AnsibleFilterError("%s: the input must be text, got %s" % (name, type(value).__name__))
    return str(value)


def zeekctl_to_systemd_cluster(node_cfg, host_names=None, zeek_version="9.0"):
    try:
        return zeekctl_to_description(_text(node_cfg, "zeekctl_to_systemd_cluster"), host_names=host_names,
                                      version=str(zeek_version))
    except MigrationError as err:
        raise AnsibleFilterError("zeekctl_to_systemd_cluster: %s" % err)


def mgmt_to_systemd_cluster(config, host_names=None, zeek_version="9.0", default_instance=None):
    try:
        if isinstance(config, str):
            parsed, _warnings = cluster_from_ini(config, default_instance=default_instance)
        elif isinstance(config, dict):
            parsed = cluster_from_dict(config, default_instance=default_instance)
        else:
            raise AnsibleFilterError("mgmt_to_systemd_cluster: the input must be a cluster configuration dict "
                                     "or zeek-client .ini text, got %s" % type(config).__name__)
        return mgmt_to_description(parsed, host_names=host_names, version=str(zeek_version))
    except (ClusterConfigError, MigrationError) as err:
        raise AnsibleFilterError("mgmt_to_systemd_cluster: %s" % err)


class FilterModule(object):
    def filters(self):
        return {
            "zeekctl_to_systemd_cluster": zeekctl_to_systemd_cluster,
            "mgmt_to_systemd_cluster": mgmt_to_systemd_cluster,
        }
