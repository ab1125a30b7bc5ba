"""Run ansible-playbook the way CI does, with the collection on ANSIBLE_COLLECTIONS_PATH."""
import json
import os
import re
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
BIN = os.path.dirname(sys.executable)
ANSIBLE_PLAYBOOK = os.path.join(BIN, "ansible-playbook")

RECAP_RE = re.compile(r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
                      r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)\s+"
                      r"skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
                      re.MULTILINE)


def env():
    e = dict(os.environ)
    e.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_PIPELINING": "1",
        "PATH": BIN + os.pathsep + e.get("PATH", ""),
    })
    return e


def run_playbook(playbook, inventory="localhost,", extra_vars=None, check=False, diff=False,
                 extra_args=(), timeout=300, env_extra=None):
    """Run a playbook against the local machine; return (rc, output, recap-by-host)."""
    cmd = [ANSIBLE_PLAYBOOK, "-i", inventory, "-c", "local", playbook,
           # The interpreter is explicit: discovery can land on a broken shim on some hosts.
           "-e", "ansible_python_interpreter=" + sys.executable]
    if extra_vars is not None:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    cmd += list(extra_args)
    run_env = env()
    run_env.update(env_extra or {})
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    out = proc.stdout + proc.stderr
    recap = {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"}
             for m in RECAP_RE.finditer(proc.stdout)}
    return proc.returncode, out, recap


def failures(out):
    """The lines of a playbook run's output that explain failures, for assertion messages."""
    keep = [line for line in out.splitlines() if "fatal:" in line or "FAILED!" in line or "ERROR" in line]
    return "\n".join(keep)[-6000:] or out[-6000:]
