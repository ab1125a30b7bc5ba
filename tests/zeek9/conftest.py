# -*- coding: utf-8 -*-
"""Fixtures of the Zeek 9 / systemd generator suite (helpers in zeek9_support.py)."""

import pytest

from zeek9_support import gen82_paths, gen9_paths, make_standin_prefix


@pytest.fixture(scope="session")
def gen9():
    return gen9_paths()


@pytest.fixture(scope="session")
def gen82():
    return gen82_paths()


@pytest.fixture
def standin_prefix(tmp_path, gen9):
    return make_standin_prefix(tmp_path, gen9)
