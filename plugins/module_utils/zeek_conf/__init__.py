# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Zeek cluster in the terms of Zeek's own ``zeek-systemd-generator`` (8.1+, multi-host 9.0).

Private to the netsec.zeek collection: no compatibility promise to other code.

* ``keys``: every ``zeek.conf`` key, its kind and the Zeek versions that know it;
* ``cpulist``: Zeek's CPU list syntax (``0-8:2,10``), parsed as the generator parses it;
* ``model``: ``from_dict(description, version)`` -> ``Cluster`` or ``ZeekConfError`` listing
  every problem with its field path (the generator's own messages where it has them);
* ``render``: ``render(cluster)`` -> ``{file name: text}``, byte-stable;
* ``predict``: node names, cluster and metrics ports, units the generator will produce;
* ``migrate``: zeekctl ``node.cfg`` and Management Framework configurations -> a description;
* ``apply``: what the module does on a host (files, the real generators, the comparison).

Everything but ``apply`` is pure: no I/O.
"""
