# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A checked ``Cluster`` as the files Zeek's generator reads, byte-stable: the same
cluster always gives the same bytes (keys in a fixed order, interface sections and
environment variables in name order, one trailing newline).

* Zeek 9.0: ``{"<host>.zeek.conf": text}`` for ``<prefix>/etc/zeek/cluster/``, a ``[zeek]``
  section and one ``[interface NAME]`` section per interface;
* Zeek 8.1/8.2: ``{"zeek.conf": text}`` for ``<prefix>/etc/zeek/``, section-less.

The first line is ``HEADER``: the module removes only files that start with it.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf import keys as K

HEADER = "# Managed by netsec.zeek.zeek_conf"
_CONT = "    "  # a continuation line starts with white space (zeek-cluster-config.cc, re_option_cont)


def file_name(cluster, host):
    return "%s.zeek.conf" % host.name if cluster.sectioned else "zeek.conf"


def _lines(key, value):
    if isinstance(value, list):  # env: one NAME=value per continuation line
        if not value:
            return []
        return ["%s =" % key] + ["%s%s=%s" % (_CONT, name, text) for name, text in value]
    if isinstance(value, str) and value == "":
        return ["%s =" % key]
    return ["%s = %s" % (key, value)]


def render_host(cluster, host):
    lines = [HEADER + ": cluster host %s. Changes here are overwritten." % host.name]
    if cluster.sectioned:
        lines.append("[zeek]")
        for spec in K.ZEEK_KEYS:
            if spec.name in host.zeek:
                lines.extend(_lines(spec.name, host.zeek[spec.name]))
        for interface in host.interfaces:
            lines.extend(["", "[interface %s]" % interface.name])
            for spec in K.INTERFACE_KEYS:
                if spec.name in interface.values:
                    lines.extend(_lines(spec.name, interface.values[spec.name]))
    else:
        for spec in K.ZEEK_KEYS:
            if spec.name in host.zeek and spec.name != "manager":
                lines.extend(_lines(spec.name8, host.zeek[spec.name]))
        for interface in host.interfaces:
            for spec in K.INTERFACE_KEYS:
                if spec.name in interface.values:
                    lines.extend(_lines(spec.name8, interface.values[spec.name]))
    return "\n".join(lines) + "\n"


def render(cluster):
    """{file name: text} for every host of the cluster."""
    return dict((file_name(cluster, host), render_host(cluster, host)) for host in cluster.hosts)
