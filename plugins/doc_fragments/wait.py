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
      - Poll the controller until every affected cluster node is C(RUNNING), that is, has started
        and checked in with its agent.
      - Skipped in check mode.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait when I(wait=true). On timeout the task fails and lists the nodes that are not
        running with their state.
    type: int
    default: 120
  wait_sleep:
    description:
      - Seconds between two polls when I(wait=true).
    type: float
    default: 1
"""
