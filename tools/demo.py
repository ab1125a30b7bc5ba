"""`make demo`: run playbooks/demo.yml against the controller emulator.

Starts the emulator (python -m emulator) on a free loopback port with a
temporary state directory and one agent, ``agent-demo``, on a host with the
interfaces lo, eth0 and eth1; runs ansible-playbook playbooks/demo.yml against
it with the collection from .build/collections; stops the emulator; exits with
the playbook's exit code.

    .venv/bin/python tools/demo.py                 # what make demo runs
    .venv/bin/python tools/demo.py --keep-running  # leave the emulator up afterwards, until Ctrl-C
    .venv/bin/python tools/demo.py -- -v           # extra ansible-playbook arguments after --
"""
import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "netsec", "zeek")
PLAYBOOK = os.path.join("playbooks", "demo.yml")
AGENT = "agent-demo"
INTERFACES = "lo,eth0,eth1"

# The emulator's own launcher (emulator/process.py), as tests and users' pipelines use it.
sys.path.insert(0, REPO_ROOT)
from emulator.process import EmulatorError, EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position


def say(text=""):
    print(text, flush=True)


def step(text):
    say()
    say("==> " + text)


def check_setup():
    """Fail early, with the fix, when this is not the .venv `make demo` creates."""
    missing = []
    for name in ("websockets", "jsonschema", "ansible"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        sys.exit("tools/demo.py needs %s in this Python (%s); run `make demo`, which creates .venv "
                 "with everything it needs." % (", ".join(missing), sys.executable))
    if not os.path.exists(LINK):
        # What `make collection` does: ansible finds the collection as netsec.zeek there.
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        os.symlink(REPO_ROOT, LINK)


def ansible_playbook():
    candidate = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return candidate if os.path.exists(candidate) else (shutil.which("ansible-playbook") or "ansible-playbook")


def request_counts(emulator):
    return collections.Counter(request.name for request in emulator.requests())


def run_playbook(port, extra_args):
    command = [ansible_playbook(), PLAYBOOK, "-e", "zeek_controller_host=127.0.0.1",
               "-e", "zeek_controller_port=%d" % port] + list(extra_args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEEK_CONTROLLER_")}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml",   # multi-line results as readable YAML
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })
    say("    $ ansible-playbook %s" % " ".join(command[1:]))
    return subprocess.call(command, cwd=REPO_ROOT, env=env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-running", action="store_true",
                        help="leave the emulator running after the playbook, until Ctrl-C")
    parser.add_argument("playbook_args", nargs="*", help="extra ansible-playbook arguments (after --)")
    args = parser.parse_args(argv)
    os.chdir(REPO_ROOT)
    check_setup()

    workdir = tempfile.mkdtemp(prefix="netsec-zeek-demo-")
    emulator = EmulatorProcess("--interfaces", INTERFACES, agents=[AGENT], state_dir=os.path.join(workdir, "state"),
                               log_file=os.path.join(workdir, "emulator.log"), startup_timeout=30.0)
    code = 1
    try:
        step("Starting the controller emulator: a stand-in for a Zeek Management Framework controller "
             "with one agent (%s) on a host with the interfaces %s" % (AGENT, INTERFACES.replace(",", ", ")))
        emulator.start()
        say("    listening on %s (state in %s)" % (emulator.url, emulator.state_dir))

        step("Running the demo playbook: deploy a cluster, show its nodes, preview a change with "
             "--check --diff, apply it, show the new pids")
        code = run_playbook(emulator.port, args.playbook_args)

        counts = request_counts(emulator)
        step("Requests the controller handled: %s" % (
            ", ".join("%s %d" % (name, counts[name]) for name in sorted(counts)) or "none"))
        if code == 0 and counts["stage_configuration_request"] == counts["deploy_request"] == 2:
            say("    Two stages and two deploys, for the two real changes (steps 1 and 4): the check-mode "
                "preview and the\n    idempotent re-run (step 5) sent neither stage nor deploy.")
        if args.keep_running and code == 0:
            step("The emulator keeps running on port %d; try, in another shell:" % emulator.port)
            say("    ANSIBLE_COLLECTIONS_PATH=%s %s playbooks/status.yml -e zeek_controller_port=%d"
                % (COLLECTIONS, ansible_playbook(), emulator.port))
            say("    Ctrl-C stops it.")
            try:
                while emulator.running:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
    except KeyboardInterrupt:
        code = 130
    except EmulatorError as err:
        say(str(err))
        code = 1
    finally:
        emulator.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)

    if code == 0:
        step("Demo passed; the emulator is stopped. Next: docs/getting-started.md, docs/gitops.md")
    else:
        step("Demo failed (exit code %d); the emulator is stopped." % code)
    return code


if __name__ == "__main__":
    sys.exit(main())
