# -*- coding: utf-8 -*-
"""Benchmark helper: append each task's wall time (start to result) to $TASK_TIMER_FILE."""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_timer
type: aggregate
short_description: record task durations as JSON lines (benchmark helper)
description: Appends one JSON object per finished task to the file named by TASK_TIMER_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.perf_counter()

    def _done(self, result, status):
        path = os.environ.get("TASK_TIMER_FILE")
        began = self._started.get(result._task._uuid)
        if not path or began is None:
            return
        entry = {"task": result._task.get_name(), "status": status, "seconds": time.perf_counter() - began,
                 "changed": bool(result._result.get("changed"))}
        with open(path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")
