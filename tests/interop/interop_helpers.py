"""Helpers of the interop suite: run the real zeek-client against an emulator."""

import json
import os
import shutil
import socket
import subprocess
import sys

# The suite's imports: test modules take EmulatorError and EmulatorProcess from here.
from emulator.process import REPO_ROOT, EmulatorError, EmulatorProcess  # noqa: F401 pylint: disable=unused-import

HOSTNAME = socket.gethostname()
LOCAL_AGENT = "agent-%s" % HOSTNAME
LOCAL_CONTROLLER = "controller-%s" % HOSTNAME


def _zeek_client_path():
    local = os.path.join(os.path.dirname(sys.executable), "zeek-client")
    if os.path.exists(local):
        return local
    venv = os.path.join(REPO_ROOT, ".venv", "bin", "zeek-client")
    if os.path.exists(venv):
        return venv
    found = shutil.which("zeek-client")
    if not found:
        raise RuntimeError("zeek-client not found: run `make collection` first")
    return found


ZEEK_CLIENT = _zeek_client_path()


class ZC(object):
    """One zeek-client run: rc, stdout, stderr, and .json (parsed stdout)."""

    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return "ZC(rc=%r, stdout=%r, stderr=%r)" % (self.rc, self.stdout, self.stderr)


def zeek_client(emu, *args, timeout=10, settings=(), stdin=None, cwd=None):
    """Run ``zeek-client --controller 127.0.0.1:<port> [--set ...] ARGS``."""
    cmd = [ZEEK_CLIENT, "--controller", "%s:%d" % (emu.host, emu.port),
           "--set", "client.request_timeout_secs=%d" % timeout,
           "--set", "client.peering_attempts=5",
           "--set", "client.peering_retry_delay_secs=0.5"]
    for item in settings:
        cmd += ["--set", item]
    cmd += list(args)
    env = dict(os.environ)
    env.pop("ZEEK_CLIENT_CONFIG_FILE", None)
    env.pop("ZEEK_CLIENT_CONFIG_SETTINGS", None)
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=cwd, env=env, check=False,
                          timeout=timeout + 30)
    return ZC(proc)


def node_pids(get_nodes_json, instance):
    """{node: pid} of the cluster nodes (no mgmt role) in get-nodes output."""
    nodes = get_nodes_json["results"][instance]
    return dict((name, st.get("pid")) for name, st in nodes.items() if st["mgmt_role"] is None)
