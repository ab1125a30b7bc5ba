"""Shared test set-up; the import paths are in pytest.ini.

`make collection` links the repository at .build/collections/ansible_collections/netsec/zeek;
running pytest directly without it works too, because this file makes that link.
"""
import os
import sys

import pytest

from emulator import REPO_ROOT

COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "netsec", "zeek")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(REPO_ROOT, LINK)
    sys.path_importer_cache.pop(COLLECTIONS, None)  # pytest.ini put it on sys.path before it existed
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)

_EMULATOR_SUITES = (os.path.join(REPO_ROOT, "tests", "integration"), os.path.join(REPO_ROOT, "tests", "interop"))


def pytest_collection_modifyitems(items):
    """Mark the suites that start the emulator, so `-m "not emulator"` leaves them out."""
    for item in items:
        if str(item.fspath).startswith(_EMULATOR_SUITES):
            item.add_marker(pytest.mark.emulator)
