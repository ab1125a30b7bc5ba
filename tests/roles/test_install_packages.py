"""The "packages" method against a local, signed apt repository built by the test.

The test builds a tiny "zeek-8.0" .deb with dpkg-deb (the stand-ins of standins.py under
/opt/zeek-test-fake, version 1:8.0.10-0 like the OBS packages), a flat repository with
apt-ftparchive, and signs its Release with a throwaway gpg key. The role gets file://
URLs for the repository and the key, so it exercises the real path: key into its own
keyring file, a source that names it with signed-by, apt-get update, the package name as
the version-line pin, the version assert. apt runs with an APT_CONFIG that lists only the
role's source file and keeps its lists in the test's directory (no network, the machine's
lists untouched). Afterwards the package is purged and the source and keyring files are
removed, so the machine's apt is as before.
"""
import glob
import os
import pathlib
import shutil
import subprocess

import tempfile

import pytest

import helpers
import scenarios
import standins

PREFIX = "/opt/zeek-test-fake"
REPO_NAME = "netsec-zeek-test"
SOURCE = "/etc/apt/sources.list.d/%s.list" % REPO_NAME
KEYRING = "/etc/apt/keyrings/%s.asc" % REPO_NAME
PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/install.yml")

CONTROL = """Package: zeek-8.0
Version: 1:8.0.10-0
Architecture: all
Maintainer: netsec.zeek tests <tests@example.invalid>
Description: Test stand-in for the OBS zeek-8.0 package (netsec.zeek role tests)
"""


def _sh(*cmd, **kwargs):
    return subprocess.run(list(cmd), check=True, capture_output=True, text=True, **kwargs)


def _installed():
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", "zeek-8.0"],
                          capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else ""


def _cleanup(repo):
    subprocess.run(["dpkg", "--purge", "zeek-8.0"], capture_output=True, check=False)
    for path in (SOURCE, KEYRING):
        if os.path.exists(path):
            os.remove(path)
    # apt's lists of a file: repository are named after its path.
    mangled = "var_tmp_netsec-zeek-aptrepo-" if repo is None else str(repo).strip("/").replace("/", "_")
    for path in glob.glob("/var/lib/apt/lists/*%s*" % mangled) + glob.glob("/var/lib/apt/lists/partial/*%s*" % mangled):
        os.remove(path)
    shutil.rmtree(PREFIX, ignore_errors=True)
    if repo is not None:
        shutil.rmtree(os.path.dirname(str(repo)), ignore_errors=True)


def _build_repo():
    """A signed flat apt repository with the fake zeek-8.0 package; returns its directory."""
    # apt reads file: repositories as its unprivileged "_apt" user: the path must be
    # readable by others all the way (pytest's tmp_path is not).
    top = pathlib.Path(tempfile.mkdtemp(prefix="netsec-zeek-aptrepo-", dir="/var/tmp"))
    os.chmod(top, 0o755)
    pkgroot = top / "pkgroot"
    standins.make_prefix(str(pkgroot) + PREFIX, "8.0.10")
    (pkgroot / "DEBIAN").mkdir()
    (pkgroot / "DEBIAN" / "control").write_text(CONTROL)
    repo = top / "repo"
    repo.mkdir()
    _sh("dpkg-deb", "--root-owner-group", "--build", str(pkgroot), str(repo / "zeek-8.0_8.0.10-0_all.deb"))
    (repo / "Packages").write_text(_sh("apt-ftparchive", "packages", ".", cwd=repo).stdout)
    (repo / "Release").write_text(_sh("apt-ftparchive", "-o", "APT::FTPArchive::Release::Origin=netsec-zeek-test",
                                      "release", ".", cwd=repo).stdout)
    gnupg = top / "gnupg"
    gnupg.mkdir(mode=0o700)
    gpg = ["gpg", "--batch", "--homedir", str(gnupg), "--pinentry-mode", "loopback", "--passphrase", ""]
    _sh(*gpg, "--quick-gen-key", "netsec.zeek test repo <tests@example.invalid>", "ed25519", "sign", "1d")
    _sh(*gpg, "--clearsign", "-o", str(repo / "InRelease"), str(repo / "Release"))
    _sh(*gpg, "--armor", "--export", "-o", str(repo / "Release.key"))
    for path in [repo] + [repo / name for name in os.listdir(repo)]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return repo


def _vars(repo):
    return {
        "zeek_install_method": "packages",
        "zeek_install_version": "8.0",
        "zeek_install_prefix": PREFIX,
        "zeek_install_packages_name": "zeek-8.0",
        "zeek_install_packages_repo_url": "file://%s/" % repo,
        "zeek_install_packages_key_url": "file://%s/Release.key" % repo,
        "zeek_install_packages_repo_name": REPO_NAME,
        "zeek_install_packages_keyring": KEYRING,
        "zeek_install_manage_user": False,
        "zeek_install_capabilities": [],
        "zeek_install_zkg_sources": {},
        "zeek_install_zeromq_writer_build_packages": {},
    }


@scenarios.background
def package_sequence():
    """Build the repository, then --check, real run, second run, wrong version (in the background)."""
    if os.path.exists(PREFIX) or _installed().startswith("install ok"):
        raise AssertionError("left over from an earlier run: dpkg --purge zeek-8.0; rm -rf %s" % PREFIX)
    res = {"repo": _build_repo()}
    variables = _vars(res["repo"])
    env = {"APT_CONFIG": _apt_config(res["repo"].parent)}
    res["check"] = helpers.run_playbook(PLAYBOOK, extra_vars=variables, check=True, env_extra=env)
    res["wrote_in_check"] = os.path.exists(SOURCE) or os.path.exists(KEYRING) or os.path.exists(PREFIX)
    res["first"] = helpers.run_playbook(PLAYBOOK, extra_vars=variables, env_extra=env)
    res["installed_after_first"] = _installed()
    res["second"] = helpers.run_playbook(PLAYBOOK, extra_vars=variables, env_extra=env)
    res["wrong_version"] = helpers.run_playbook(PLAYBOOK, extra_vars=dict(variables, zeek_install_version="8.2"),
                                                env_extra=env)
    return res


def _apt_config(top):
    """An APT_CONFIG that shows apt only the role's source file, with private lists.

    The role runs unchanged (it writes SOURCE, apt-get update, apt install, dpkg installs
    for real); apt just does not refresh the machine's other sources meanwhile, so the
    test needs no network and leaves the machine's package lists alone.
    """
    lists = top / "lists"
    (lists / "partial").mkdir(parents=True)
    config = top / "apt.conf"
    config.write_text('Dir::Etc::sourcelist "%s";\nDir::Etc::sourceparts "-";\n'
                      'Dir::State::Lists "%s";\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
                      % (SOURCE, lists))
    return str(config)


@pytest.fixture(scope="module")
def runs():
    try:
        res = scenarios.result(__name__)
    except Exception:
        _cleanup(None)
        raise
    yield res
    _cleanup(res["repo"])
    assert not os.path.exists(SOURCE) and not os.path.exists(KEYRING) and not _installed().startswith("install ok")


def test_check_mode_reports_the_repository_and_writes_nothing(runs):
    rc, out, recap = runs["check"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] >= 2  # key and source
    assert not runs["wrote_in_check"]
    assert "does not exist yet" in out  # the configuration steps are not previewed


def test_installs_from_the_signed_repository_and_is_idempotent(runs):
    repo = runs["repo"]
    rc, out, recap = runs["first"]
    assert rc == 0, helpers.failures(out)
    assert runs["installed_after_first"] == "install ok installed 1:8.0.10-0"
    with open(SOURCE, encoding="utf-8") as handle:
        assert "deb [signed-by=%s] file://%s/ /\n" % (KEYRING, repo) in handle.read()
    with open(KEYRING, encoding="utf-8") as handle:
        assert handle.read() == (repo / "Release.key").read_text()
    assert "Zeek 8.0.10 in %s" % PREFIX in out  # the version assert ran
    assert os.path.exists(os.path.join(PREFIX, "share/zeek/site/netsec_zeek/websocket.zeek"))
    rc, out, recap = runs["second"]
    assert rc == 0, helpers.failures(out)
    assert recap["localhost"]["changed"] == 0, [line for line in out.splitlines() if line.startswith("changed:")]


def test_a_package_of_another_version_line_is_refused(runs):
    # The repository's package says 8.0.10; asking for 8.2 must fail at the version assert.
    rc, out, unused_recap = runs["wrong_version"]
    assert rc != 0
    assert "reports version 8.0.10, but zeek_install_version is 8.2" in out
