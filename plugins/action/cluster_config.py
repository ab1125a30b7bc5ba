# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads cluster_config's ``src`` on the Ansible control node.

A GitOps repository's cluster file is on the machine that runs
ansible-playbook, not on the host the module runs on; this reads it there and
hands the module its text as ``content``.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()  # the module validates its own arguments

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        module_args = dict(self._task.args)
        src = module_args.pop("src", None)
        if src is not None:
            if module_args.get("content") is not None or module_args.get("config") is not None:
                raise AnsibleActionFail("parameters are mutually exclusive: config|src|content")
            try:
                path = self._find_needle("files", src)
                with open(self._loader.get_real_file(path, decrypt=True), "rb") as handle:
                    data = handle.read()
            except AnsibleError as err:
                raise AnsibleActionFail("cannot read src %s: %s" % (src, to_text(err)))
            # Raised outside the except block: ansible-core 2.16 attaches the traceback of the
            # exception being handled to an AnsibleActionFail, and no traceback reaches a user.
            problem = None
            try:
                # Strict on purpose: to_text's surrogate_or_strict never raises, it passes the bad bytes on.
                module_args["content"] = data.decode("utf-8")
            except UnicodeDecodeError as err:
                problem = "src %s is not UTF-8 text: byte %d (0x%02x) %s; save the file as UTF-8" % (
                    src, err.start, data[err.start], err.reason)
            if problem is not None:
                raise AnsibleActionFail(problem)
        result.update(self._execute_module(module_name="netsec.zeek.cluster_config", module_args=module_args,
                                           task_vars=task_vars))
        return result
