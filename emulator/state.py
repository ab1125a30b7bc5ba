"""Persistence of the controller's ``g_configs`` table (STAGED, READY, DEPLOYED).

Zeek keeps it in a Broker SQLite store in the controller's working directory.
The emulator writes one JSON file, ``<state-dir>/g_configs.json``, atomically
(temporary file + rename).  Each configuration is stored as its wire JSON
(the Broker JSON of the Management::Configuration record), so the file can be
read with any Broker JSON decoder.  Without a state directory nothing is
persisted.
"""

import json
import os
import tempfile

from plugins.module_utils import broker_json as bj

from . import events, wire

FILENAME = "g_configs.json"
KEYS = ("STAGED", "READY", "DEPLOYED")


class StateStore(object):
    def __init__(self, directory):
        self.directory = directory
        if directory:
            os.makedirs(directory, exist_ok=True)

    @property
    def path(self):
        return os.path.join(self.directory, FILENAME) if self.directory else None

    def load(self):
        """{key: plain configuration} from disk ({} when absent)."""
        if not self.directory or not os.path.exists(self.path):
            return {}
        with open(self.path, "r", encoding="utf-8") as handle:
            doc = json.load(handle)
        configs = {}
        for key in KEYS:
            if key in doc:
                typed = bj.from_json(doc[key])
                configs[key] = events.convert(typed, bj.CONFIGURATION, wire.VERSION)
        return configs

    def save(self, configs):
        if not self.directory:
            return
        doc = dict((key, bj.to_json(wire.configuration(configs[key]))) for key in KEYS if key in configs)
        fd, tmp = tempfile.mkstemp(prefix=".g_configs.", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # One compact json.dumps call runs in C; json.dump with indent
                # runs the pure-Python encoder, 0.9 s for a 1,000-node state.
                handle.write(json.dumps(doc, sort_keys=True, separators=(",", ":")))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
