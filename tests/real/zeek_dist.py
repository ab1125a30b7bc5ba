"""Find a real Zeek for the real-Zeek test tier, unpacked and relocated once.

Where a Zeek comes from, first match wins:
  1. ``ZEEK_PREFIX``: an installed Zeek (its ``bin/zeek`` is run as it is);
  2. ``ZEEK_DIST``: a binary tarball laid out like the ones in ``../shared/zeek/``;
  3. ``../shared/zeek/zeek-<version>-*.tar.xz`` beside the repository.
An environment variable is only used when its Zeek has the version asked for, so the 8.2.2
reference and the 9.0.0-rc1 scenarios can run in one session.

A tarball is unpacked under ``<repo>/.build/zeek/<version>/`` following
``../shared/zeek/README.md``: ``tar --strip-components=1``, then ``relocate.sh`` (which
rewrites the build prefix in zeek-config, installation.zeek, ... to the directory it is in,
so it must run at the final path). Two pytest processes may ask at once: the work happens
under an exclusive file lock, in a scratch directory renamed into place, and the install is
marked ready (an atomically renamed marker file) only after relocation succeeded; later calls
reuse it.

``python tests/real/zeek_dist.py --check [VERSION]`` prepares the Zeek and exits 0, or prints
one line saying why there is none and exits 2 (no Zeek anywhere) or 1 (``../shared/zeek``
exists, so a missing or broken Zeek is a failure, not a reason to skip). The Makefile's
``test-real`` target uses it.
"""
import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_ZEEK = REPO_ROOT.parent / "shared" / "zeek"
BUILD_ZEEK = REPO_ROOT / ".build" / "zeek"
REFERENCE_VERSION = "8.2.2"
READY_MARKER = ".netsec-zeek-ready"
_VERSION_LINE = re.compile(r"zeek version (\S+)")


class ZeekUnavailable(Exception):
    """No Zeek could be found (the reason says where we looked)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class ZeekBroken(RuntimeError):
    """A Zeek was found but does not run (missing runtime library, bad tarball, ...)."""


class ZeekInstall:
    """One usable Zeek install prefix."""

    def __init__(self, prefix, version, source):
        self.prefix = Path(prefix)
        self.version = version
        self.source = source  # where it came from, for messages

    def bin(self, name):
        return str(self.prefix / "bin" / name)

    def env(self, base=None, plugin_dirs=()):
        """Environment for a subprocess, as the tarball's env.sh sets it.

        The zeek binary has its script and plugin search paths compiled in as the build
        prefix; ZEEKPATH and ZEEK_PLUGIN_PATH point them at this prefix instead (supervised
        nodes inherit them). ``plugin_dirs`` are added to ZEEK_PLUGIN_PATH.
        """
        env = dict(os.environ if base is None else base)
        home = str(self.prefix)
        env["ZEEK_HOME"] = home
        env["PATH"] = os.pathsep.join([os.path.join(home, "bin"), env.get("PATH", os.defpath)])
        share = os.path.join(home, "share", "zeek")
        env["ZEEKPATH"] = ":".join(
            [".", share, os.path.join(share, "policy"), os.path.join(share, "site"),
             os.path.join(share, "builtin-plugins")])
        env["ZEEK_PLUGIN_PATH"] = ":".join(
            [os.path.join(home, "lib", "zeek", "plugins")] + [str(p) for p in plugin_dirs])
        return env

    def __repr__(self):
        return "ZeekInstall(prefix=%r, version=%r, source=%r)" % (str(self.prefix), self.version, self.source)


def _run_version(prefix):
    install = ZeekInstall(prefix, None, None)
    zeek = install.bin("zeek")
    if not os.access(zeek, os.X_OK):
        raise ZeekBroken("%s is not an executable zeek" % zeek)
    try:
        proc = subprocess.run([zeek, "--version"], env=install.env(), capture_output=True,
                              text=True, timeout=60, check=False)
    except OSError as exc:
        raise ZeekBroken("%s --version: %s" % (zeek, exc)) from exc
    match = _VERSION_LINE.search(proc.stdout)
    if proc.returncode != 0 or not match:
        raise ZeekBroken("%s --version failed (exit %s): %s" % (
            zeek, proc.returncode, (proc.stderr or proc.stdout).strip()[:400]
            + " (missing runtime packages? see APT_PACKAGES in the Makefile)"))
    return match.group(1)


def _tarball_version(tarball):
    """The version from the tarball's top directory (zeek-<version>/)."""
    proc = subprocess.run(["tar", "-tJf", str(tarball)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ZeekBroken("cannot list %s: %s" % (tarball, proc.stderr.strip()))
    first = proc.stdout.split("\n", 1)[0].strip().rstrip("/")
    match = re.fullmatch(r"(?:\./)?zeek-([0-9][^/]*)", first.split("/")[0])
    if not match:
        raise ZeekBroken("%s: top directory %r is not zeek-<version>/" % (tarball, first))
    return match.group(1)


def shared_tarball(version):
    """The tarball for ``version`` in ../shared/zeek, or None."""
    hits = sorted(glob.glob(str(SHARED_ZEEK / ("zeek-%s-*.tar.xz" % version))))
    return Path(hits[0]) if hits else None


def _unpack_once(tarball, version):
    """Unpack and relocate ``tarball`` under .build/zeek/<version>/, once, under a lock."""
    BUILD_ZEEK.mkdir(parents=True, exist_ok=True)
    final = BUILD_ZEEK / version
    marker = final / READY_MARKER
    source_id = "%s %d %d" % (Path(tarball).resolve(), os.stat(tarball).st_size, int(os.stat(tarball).st_mtime))
    if marker.is_file() and marker.read_text() == source_id:
        return final
    with open(BUILD_ZEEK / (version + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text() == source_id:
            return final  # the other process finished while we waited
        # A leftover without the marker (an interrupted run) or from another tarball.
        if final.exists():
            shutil.rmtree(final)
        scratch = Path(tempfile.mkdtemp(prefix=version + ".unpack-", dir=BUILD_ZEEK))
        try:
            proc = subprocess.run(["tar", "-xJf", str(tarball), "-C", str(scratch), "--strip-components=1"],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise ZeekBroken("unpacking %s failed: %s" % (tarball, proc.stderr.strip()))
            os.rename(scratch, final)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        # relocate.sh rewrites paths to the directory it lives in: run it at the final path.
        proc = subprocess.run(["sh", str(final / "relocate.sh")], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ZeekBroken("relocate.sh in %s failed: %s" % (final, (proc.stderr or proc.stdout).strip()))
        tmp_marker = final / (READY_MARKER + ".tmp")
        tmp_marker.write_text(source_id)
        os.rename(tmp_marker, marker)
    return final


def _from_prefix(prefix, version):
    found = _run_version(prefix)
    if version is not None and found != version:
        return None, "ZEEK_PREFIX=%s is Zeek %s, not %s" % (prefix, found, version)
    return ZeekInstall(prefix, found, "ZEEK_PREFIX=%s" % prefix), None


def _from_tarball(tarball, version, label):
    found = _tarball_version(tarball)
    if version is not None and found != version:
        return None, "%s is Zeek %s, not %s" % (label, found, version)
    prefix = _unpack_once(tarball, found)
    ran = _run_version(prefix)
    if ran != found:
        raise ZeekBroken("%s unpacked to %s says version %s, not %s" % (label, prefix, ran, found))
    return ZeekInstall(prefix, found, label), None


def find_zeek(version=REFERENCE_VERSION):
    """Return a ready ZeekInstall for ``version`` (None: any version the env vars give).

    Raises ZeekUnavailable when no source has that version, ZeekBroken when one exists but
    cannot be unpacked or does not run.
    """
    tried = []
    prefix = os.environ.get("ZEEK_PREFIX")
    if prefix:
        install, why = _from_prefix(prefix, version)
        if install:
            return install
        tried.append(why)
    dist = os.environ.get("ZEEK_DIST")
    if dist:
        if not os.path.isfile(dist):
            raise ZeekBroken("ZEEK_DIST=%s is not a file" % dist)
        install, why = _from_tarball(dist, version, "ZEEK_DIST=%s" % dist)
        if install:
            return install
        tried.append(why)
    wanted = version or REFERENCE_VERSION
    tarball = shared_tarball(wanted)
    if tarball:
        install, why = _from_tarball(tarball, wanted, str(tarball))
        if install:
            return install
        tried.append(why)
    else:
        tried.append("no %s/zeek-%s-*.tar.xz" % (SHARED_ZEEK, wanted))
    if not prefix and not dist:
        tried.append("ZEEK_PREFIX and ZEEK_DIST unset")
    raise ZeekUnavailable("no Zeek %s: %s" % (wanted, "; ".join(tried)))


def zeek_plugin_bundle(version=REFERENCE_VERSION):
    """Path of the ZeroMQ log writer plugin tgz built against Zeek ``version``.

    ``ZEEK_ZEROMQ_WRITER`` overrides the file in ../shared/zeek.
    """
    override = os.environ.get("ZEEK_ZEROMQ_WRITER")
    if override:
        if not os.path.isfile(override):
            raise ZeekUnavailable("ZEEK_ZEROMQ_WRITER=%s is not a file" % override)
        return Path(override)
    hits = sorted(glob.glob(str(SHARED_ZEEK / ("NCSA_ZeroMQWriter-*-zeek-%s-*.tgz" % version))))
    if not hits:
        raise ZeekUnavailable("no ZeroMQ writer plugin for Zeek %s in %s" % (version, SHARED_ZEEK))
    return Path(hits[0])


def main(argv):
    """--check [VERSION]: prepare the Zeek; see the module docstring for the exit codes."""
    if not argv or argv[0] != "--check":
        print("usage: zeek_dist.py --check [VERSION]", file=sys.stderr)
        return 64
    version = argv[1] if len(argv) > 1 else REFERENCE_VERSION
    try:
        install = find_zeek(version)
    except ZeekUnavailable as exc:
        if SHARED_ZEEK.is_dir():
            print("real-Zeek tier cannot run although %s exists: %s" % (SHARED_ZEEK, exc.reason))
            return 1
        print("real-Zeek tier did not run: %s" % exc.reason)
        return 2
    except ZeekBroken as exc:
        print("real-Zeek tier cannot run: %s" % exc)
        return 1
    print("Zeek %s at %s (%s)" % (install.version, install.prefix, install.source))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
