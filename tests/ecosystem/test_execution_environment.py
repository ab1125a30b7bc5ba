"""meta/execution-environment.yml and bindep.txt, read by the real ansible-builder."""
import os
import subprocess

import yaml

from eco_helpers import REPO_ROOT, run_tool

TOOLS_BIN = os.environ.get("NETSEC_ZEEK_TOOLS_BIN", os.path.join(REPO_ROOT, ".build", "tools", "bin"))


def builder(*args, cwd=None):
    binary = os.path.join(TOOLS_BIN, "ansible-builder")
    assert os.path.exists(binary), "ansible-builder is installed by `make tools` into %s" % TOOLS_BIN
    return subprocess.run([binary] + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


def requirement_names(lines):
    return sorted(line.split("#")[0].strip() for line in lines if line.split("#")[0].strip())


def test_ee_requirements_cover_the_runtime_requirements_and_pyzmq():
    with open(os.path.join(REPO_ROOT, "requirements.txt")) as handle:
        runtime = requirement_names(handle.read().splitlines())
    with open(os.path.join(REPO_ROOT, "meta", "ee-requirements.txt")) as handle:
        ee = requirement_names(handle.read().splitlines())
    assert set(runtime) <= set(ee), (runtime, ee)
    assert any(r.startswith("pyzmq") for r in ee)


def test_ansible_builder_reads_the_installed_collection(tmp_path, built_tarball):
    collections = tmp_path / "collections"
    install = run_tool("ansible-galaxy", "collection", "install", "--offline", "--force", "-p", collections,
                       built_tarball)
    assert install.returncode == 0, install.stdout + install.stderr
    assert (collections / "ansible_collections" / "netsec" / "zeek" / "meta" / "execution-environment.yml").is_file()

    # ansible-builder's own introspection, as a build runs it on the installed collections.
    found = builder("introspect", "--sanitize", collections)
    assert found.returncode == 0, found.stdout + found.stderr
    data = yaml.safe_load(found.stdout.split("---", 1)[1])
    python = [line.split("#")[0].strip() for line in data["python"]]
    assert python == ["websockets>=10.4", "jsonschema>=4.0", "pyzmq>=17"], data
    assert all(line.endswith("# from collection netsec.zeek") for line in data["python"] + data["system"])
    assert any(line.startswith("zeromq-devel [compile platform:rpm]") for line in data["system"]), data


def test_ansible_builder_creates_a_build_context(tmp_path, built_tarball):
    (tmp_path / built_tarball.name).write_bytes(built_tarball.read_bytes())
    definition = {
        "version": 3,
        # create only writes the context: the image is never pulled here.
        "images": {"base_image": {"name": "registry.example.invalid/ee-minimal:latest"}},
        "dependencies": {
            "ansible_core": {"package_pip": "ansible-core>=2.16"},
            "ansible_runner": {"package_pip": "ansible-runner"},
            "galaxy": {"collections": [{"name": "/build/collections/" + built_tarball.name, "type": "file"}]},
        },
        "additional_build_files": [{"src": built_tarball.name, "dest": "collections"}],
        "additional_build_steps": {"prepend_galaxy": ["COPY _build/collections/ /build/collections/"]},
    }
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(definition))
    created = builder("create", "-f", "execution-environment.yml", "-c", "context", cwd=tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr
    context = tmp_path / "context"
    assert (context / "_build" / "collections" / built_tarball.name).is_file()
    assert "/build/collections/" + built_tarball.name in (context / "_build" / "requirements.yml").read_text()
    containerfile = next(p for p in (context / "Dockerfile", context / "Containerfile") if p.exists()).read_text()
    assert "introspect" in containerfile and "install-from-bindep" in containerfile
