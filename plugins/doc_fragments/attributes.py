# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # Descriptions of the attributes; each module states its support level.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
"""

    # With the standard fragment, for modules that only read: community.docker's INFO_MODULE.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

    # Membership in the action groups of meta/runtime.yml, shown by ansible-doc. A module in
    # both groups takes the combined fragment: fragments do not merge one attribute's lists.
    ACTIONGROUP_CONTROLLER = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/netsec.zeek.controller) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - netsec.zeek.controller
"""

    ACTIONGROUP_WEBSOCKET = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/netsec.zeek.websocket) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - netsec.zeek.websocket
"""

    ACTIONGROUP_CONTROLLER_AND_WEBSOCKET = r"""
options: {}
attributes:
  action_group:
    description:
      - Use C(group/netsec.zeek.controller) and C(group/netsec.zeek.websocket) in C(module_defaults) to set
        defaults for this module.
    support: full
    membership:
      - netsec.zeek.controller
      - netsec.zeek.websocket
"""
