"""Controller emulator for the Zeek Management Framework (netsec.zeek tests and demo).

Run it with the repository root on ``PYTHONPATH`` (or from the repository root)::

    PYTHONPATH=/path/to/repo python -m emulator --host 127.0.0.1 --port 2149

Importing this package puts the repository root on ``sys.path`` so that the
collection's codec imports as ``plugins.module_utils.broker_json``; the
emulator uses nothing else from the collection.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)
