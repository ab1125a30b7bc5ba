# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Poll until the change has taken effect, and fail when it has not within I(wait_timeout).
      - M(netsec.zeek.cluster_config) waits until every cluster node is C(RUNNING), that is, has
        started and checked in with its agent; M(netsec.zeek.node_restart) until every restarted node
        runs again with a new process id; M(netsec.zeek.option) until every node reports the new value.
      - Skipped in check mode.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait when I(wait=true). On timeout the task fails and says what did not happen, for
        example the nodes that are not running, with their state.
      - A number greater than 0.
    type: float
    default: 120
  wait_sleep:
    description:
      - Seconds between two polls when I(wait=true). A number greater than 0.
    type: float
    default: 1
"""
