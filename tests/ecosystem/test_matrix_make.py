"""make's matrix: a missing Python is one clear line and a failure, unless MATRIX=skip."""
import os
import subprocess

from eco_helpers import REPO_ROOT


def make(tmp_path, *args):
    # No pyenv and no python3.10 on PATH: the machine the message is for.
    env = dict(os.environ, PATH=os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"]))
    env.pop("MAKEFLAGS", None)
    return subprocess.run(["make", "-s", "--no-print-directory", "MATRIX_DIR=%s" % (tmp_path / "matrix"),
                           "PYENV_ROOT=%s" % (tmp_path / "no-pyenv")] + list(args),
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_missing_python_is_named_in_one_line_and_fails(tmp_path):
    if subprocess.run(["sh", "-c", "command -v python3.10 && python3.10 -c ''"], capture_output=True,
                      env={"PATH": "/usr/local/bin:/usr/bin:/bin"}, check=False).returncode == 0:
        missing = "python3.10 is installed system-wide here"
        raise AssertionError("this test needs a machine without a system python3.10 (%s)" % missing)
    proc = make(tmp_path, "test-matrix-2.16-unit")
    assert proc.returncode != 0
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "Python 3.10" in line]
    assert lines == ["make: Python 3.10 (for the ansible-core 2.16 matrix jobs) is missing: install it "
                     "(pyenv install 3.10) or run with MATRIX=skip"], proc.stdout + proc.stderr
    assert not (tmp_path / "matrix" / "2.16-py3.10").exists()


def test_matrix_skip_opts_out(tmp_path):
    proc = make(tmp_path, "MATRIX=skip", "test-matrix")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "test-matrix: skipped (MATRIX=skip): ansible-core 2.16 2.21 not tested"
