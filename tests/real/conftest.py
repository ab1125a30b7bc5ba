"""The real-Zeek tier: fixtures that find the Zeek under test.

Where ../shared/zeek exists a missing or broken Zeek fails the tier; only where no Zeek is
known at all do the tests skip, with the reason (``make test-real`` prints it as one line).
"""
import os
import pathlib
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zeek_dist  # noqa: E402  pylint: disable=wrong-import-position


def _find_or_fail(version):
    try:
        return zeek_dist.find_zeek(version)
    except zeek_dist.ZeekUnavailable as exc:
        if zeek_dist.SHARED_ZEEK.is_dir():
            pytest.fail("%s exists but: %s" % (zeek_dist.SHARED_ZEEK, exc.reason), pytrace=False)
        pytest.skip("real-Zeek tier did not run: %s" % exc.reason)
    except zeek_dist.ZeekBroken as exc:
        pytest.fail(str(exc), pytrace=False)
    return None


@pytest.fixture(scope="session")
def zeek():
    """The reference Zeek (8.2.2 unless ZEEK_PREFIX/ZEEK_DIST give another with that version)."""
    return _find_or_fail(zeek_dist.REFERENCE_VERSION)


CORPUS_MODULE = "test_scenarios"


def pytest_collection_finish(session):
    """Start the scenario corpus on every back-end the collected tests need, in the background."""
    import corpus  # pylint: disable=import-outside-toplevel
    wanted = set()
    for item in session.items:
        backend_id = getattr(item, "callspec", None) and item.callspec.params.get("backend_id")
        if item.module.__name__ == CORPUS_MODULE:
            wanted.add(backend_id or "emulator")
            if item.name.startswith("test_differential"):
                wanted.update(["emulator", "zeek-8.2.2"])
    if wanted:
        base = tempfile.mkdtemp(prefix="real-corpus-", dir=os.environ.get("TMPDIR"))
        session.config.netsec_corpus_dir = base
        corpus.start(sorted(b for b in wanted if b), pathlib.Path(base))


def pytest_sessionfinish(session, exitstatus):
    import corpus  # pylint: disable=import-outside-toplevel
    corpus.shutdown()
    base = getattr(session.config, "netsec_corpus_dir", None)
    if base and exitstatus == 0:
        shutil.rmtree(base, ignore_errors=True)
