"""make bench: every benchmark in tests/bench, printed as tables."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _support  # noqa: E402  (importing it sets up the import paths)
import codec_bench  # noqa: E402

assert _support.REPO_ROOT in sys.path

BENCHES = [codec_bench]
for optional in ("model_bench", "roundtrip_bench", "playbook_bench", "real_deploy_bench"):
    try:
        BENCHES.append(__import__(optional))
    except ImportError as err:
        if err.name != optional:
            raise

for bench in BENCHES:
    bench.run()
