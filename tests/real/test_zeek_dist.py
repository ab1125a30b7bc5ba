"""zeek_dist: the tier's Zeek is unpacked once, relocated, and runs; no Zeek gives one line."""
import os
import subprocess
import sys
import textwrap

import zeek_dist

HERE = os.path.dirname(os.path.abspath(__file__))


def _python(code, env=None, **kwargs):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=HERE, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_reference_zeek_runs_relocated(zeek):
    assert zeek.version == zeek_dist.REFERENCE_VERSION or os.environ.get("ZEEK_PREFIX")
    out = subprocess.run([zeek.bin("zeek"), "-e", "print Installation::root_dir"], env=zeek.env(),
                         capture_output=True, text=True, check=True, cwd=HERE).stdout.strip()
    # relocate.sh ran: the install knows where it is (log archiving depends on it).
    assert os.path.realpath(out) == os.path.realpath(str(zeek.prefix))
    prefix = subprocess.run([zeek.bin("zeek-config"), "--prefix"], env=zeek.env(), capture_output=True,
                            text=True, check=True).stdout.strip()
    assert os.path.realpath(prefix) == os.path.realpath(str(zeek.prefix))


def test_two_processes_unpack_once(tmp_path):
    tarball = zeek_dist.shared_tarball(zeek_dist.REFERENCE_VERSION)
    assert tarball, "no reference tarball in %s" % zeek_dist.SHARED_ZEEK
    code = """
        import os, zeek_dist
        from pathlib import Path
        zeek_dist.BUILD_ZEEK = Path(%r)
        os.environ.pop("ZEEK_PREFIX", None)
        os.environ["ZEEK_DIST"] = %r
        z = zeek_dist.find_zeek()
        print(z.prefix, os.stat(z.prefix / "bin" / "zeek").st_ino)
    """ % (str(tmp_path), str(tarball))
    procs = [_python(code) for _i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    lines = {out.strip() for out, _err in outs}
    # Both got the same prefix and the very same binary (one unpack, no half-built tree).
    assert len(lines) == 1, lines
    assert sorted(os.listdir(tmp_path)) == ["8.2.2", "8.2.2.lock"]
    again = _python(code)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out.strip() in lines  # reused, not unpacked again


def test_no_zeek_anywhere_is_one_line(tmp_path):
    code = """
        import sys, zeek_dist
        from pathlib import Path
        zeek_dist.SHARED_ZEEK = Path(%r) / "absent"
        sys.exit(zeek_dist.main(["--check"]))
    """ % str(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("ZEEK_PREFIX", "ZEEK_DIST")}
    proc = _python(code, env=env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert out.count("\n") == 1 and out.startswith("real-Zeek tier did not run: no Zeek 8.2.2")
    assert "ZEEK_PREFIX and ZEEK_DIST unset" in out


def test_missing_tarball_fails_where_shared_exists(tmp_path):
    (tmp_path / "zeek").mkdir()
    code = """
        import sys, zeek_dist
        from pathlib import Path
        zeek_dist.SHARED_ZEEK = Path(%r) / "zeek"
        sys.exit(zeek_dist.main(["--check"]))
    """ % str(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("ZEEK_PREFIX", "ZEEK_DIST")}
    proc = _python(code, env=env)
    out, _err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "cannot run although" in out


def test_zeek_prefix_of_another_version_is_not_used(zeek):
    other = "8.2.2" if zeek.version == "9.0.0-rc1" else "9.0.0-rc1"
    env = dict(os.environ, ZEEK_PREFIX=str(zeek.prefix))
    code = """
        import zeek_dist
        z = zeek_dist.find_zeek(%r)
        print(z.version, z.source)
    """ % other
    proc = _python(code, env=env)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert out.startswith(other + " ") and "ZEEK_PREFIX" not in out


def test_plugin_bundle_is_the_zeromq_writer():
    path = zeek_dist.zeek_plugin_bundle()
    assert path.name.startswith("NCSA_ZeroMQWriter-") and path.is_file()
