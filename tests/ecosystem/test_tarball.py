"""The built collection tarball: what a user needs, and not the development tooling."""
import subprocess
import tarfile

from eco_helpers import REPO_ROOT

NEEDED = [
    "MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "bindep.txt", "requirements.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "meta/ee-requirements.txt",
    "changelogs/changelog.yaml", "changelogs/config.yaml",
    "plugins/inventory/controller.py", "plugins/action/cluster_config.py",
    "plugins/filter/cluster_ini.py", "plugins/filter/to_ini.yml", "plugins/filter/prometheus_targets.yml",
    "plugins/doc_fragments/attributes.py", "plugins/module_utils/controller.py",
    "playbooks/deploy.yml", "playbooks/status.yml", "docs/inventory.md", "docs/modules/README.md",
    "emulator/__main__.py", "emulator/process.py", "tests/conftest.py",
]
NEEDED_DIRS = ["plugins/modules/", "roles/install/", "roles/management/", "tests/unit/", "tests/integration/"]
DEVELOPMENT = [".venv", ".build", ".ci", ".git", ".gitignore", "Makefile", "make", "tools", "requirements-dev.txt",
               "tests/bench", "tests/ecosystem", "tests/matrix", "tests/interop", "tests/roles", "collections"]


def test_tarball_carries_what_a_user_needs_and_no_development_tooling(built_tarball):
    with tarfile.open(built_tarball) as tar:
        names = set(m.name.rstrip("/") for m in tar.getmembers())
    missing = [n for n in NEEDED if n not in names]
    assert not missing, missing
    for directory in NEEDED_DIRS:
        assert any(n.startswith(directory) and n.endswith((".py", ".yml")) for n in names), directory
    leaked = sorted(n for n in names for d in DEVELOPMENT if n == d or n.startswith(d + "/"))
    assert not leaked, leaked
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".tar.gz"))]

    # Every plugin, role, playbook and doc under version control is in it.
    tracked = subprocess.run(["git", "ls-files", "plugins", "roles", "playbooks", "docs", "meta", "changelogs"],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert tracked and not [n for n in tracked if n not in names], [n for n in tracked if n not in names]
