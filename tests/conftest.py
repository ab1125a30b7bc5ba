"""Shared test set-up: the collection is importable as ansible_collections.netsec.zeek.

`make collection` links the repository at .build/collections/ansible_collections/netsec/zeek;
running pytest directly after that works too, because this file puts that path first.
"""
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "netsec", "zeek")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(REPO_ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
