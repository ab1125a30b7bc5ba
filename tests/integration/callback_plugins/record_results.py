# -*- coding: utf-8 -*-
"""Test helper: append every task result to the JSON-lines file $RECORD_RESULTS_FILE.

ansible-core 2.19 ships no JSON stdout callback (it lives in ansible.posix),
and the tests want each task's full result, so this aggregate callback
records them while the default callback keeps printing for people.
"""
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: record task results as JSON lines (test helper)
description: Appends one JSON object per task result to the file named by RECORD_RESULTS_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get("RECORD_RESULTS_FILE")
        if not path:
            return
        entry = {"task": result._task.get_name(), "host": result._host.get_name(), "status": status,
                 "result": self._clean(result._result)}
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    @staticmethod
    def _clean(value):
        return json.loads(json.dumps(value, default=str))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
