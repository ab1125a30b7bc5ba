"""Start and stop the controller emulator as a subprocess: for tests, `make demo`
and your own CI (see emulator/README.md, "In your own pipeline").

    from emulator.process import EmulatorProcess

    with EmulatorProcess("--interfaces", "lo,eth0", agents=["agent-a"]) as emu:
        emu.host, emu.port, emu.url          # 127.0.0.1, <free port>, ws://127.0.0.1:<port>/v1/messages/json
        emu.requests()                       # [Request(time, name, reqid, client), ...] from the request log
        emu.requests("deploy_request")       # only those
        emu.restart()                        # stop, then start again on the same port and state dir
    # stopped here

Constructor arguments:
    *args          extra emulator command-line arguments (strings)
    state_dir      persistence directory (default: a fresh temporary directory)
    zeek_version   "8.2" (default) or "8.0"
    agents         agent specs ("NAME", "NAME=ADDR", "NAME=ADDR:PORT"); default: the emulator's default agent
    host           listen address (default 127.0.0.1)
    port           listen port (default 0: a free one, kept across restart())
    python         interpreter (default: this one)
    startup_timeout seconds to wait for "listening on ..." (default 15)
    log_file       where the emulator logs (default: emulator.log in a temporary directory)

The request log has one line per controller request:
``<iso-time> request <short event name> reqid=<id> client=<n>``.
"""

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# The collection root: `python -m emulator` imports the codec from plugins/module_utils there.
from emulator import REPO_ROOT

Request = collections.namedtuple("Request", "time name reqid client")

_REQUEST_RE = re.compile(r"^(\S+) request (\S+) reqid=(\S+) client=(\S+)$")
_LISTEN_RE = re.compile(r"^listening on (wss?)://(.+):(\d+)(/v1/messages/json)$")


class EmulatorError(RuntimeError):
    """The emulator did not start (the message carries its stderr) or is already running."""


class EmulatorProcess(object):
    def __init__(self, *args, state_dir=None, zeek_version="8.2", agents=None, host="127.0.0.1", port=0,
                 python=None, startup_timeout=15.0, log_file=None):
        self.args = [str(a) for a in args]
        self.zeek_version = zeek_version
        self.agents = list(agents or [])
        self.host = host
        self.port = port
        self.python = python or sys.executable
        self.startup_timeout = startup_timeout
        self._tmp = tempfile.mkdtemp(prefix="zeek-emulator-")
        self.state_dir = state_dir or os.path.join(self._tmp, "state")
        self.log_file = log_file or os.path.join(self._tmp, "emulator.log")
        self.url = None
        self.proc = None

    # -- lifecycle -------------------------------------------------------------

    def command(self):
        cmd = [self.python, "-m", "emulator", "--host", self.host, "--port", str(self.port),
               "--state-dir", self.state_dir, "--zeek-version", self.zeek_version, "--log-file", self.log_file]
        for agent in self.agents:
            cmd += ["--agent", agent]
        return cmd + self.args

    def start(self):
        if self.proc is not None:
            raise EmulatorError("emulator already running")
        env = dict(os.environ)
        env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(self.command(), cwd=self._tmp, env=env, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(self._tmp, "stderr.txt"), "a"),
                                     universal_newlines=True)
        deadline = time.monotonic() + self.startup_timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = _LISTEN_RE.match(line.strip())
            if match:
                self.port = int(match.group(3))
                self.url = line.strip()[len("listening on "):]
                return self
        self.stop()
        raise EmulatorError("emulator did not start (last output %r); stderr: %s" % (line, self.stderr()))

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def kill(self):
        """SIGKILL: a crash, no clean shutdown."""
        if self.proc is not None:
            self.proc.kill()
        return self.stop()

    def restart(self):
        """Stop and start again on the same port with the same state dir."""
        self.stop()
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # -- output ------------------------------------------------------------

    def log_lines(self):
        try:
            with open(self.log_file, "r", encoding="utf-8") as handle:
                return handle.read().splitlines()
        except OSError:
            return []

    def requests(self, name=None):
        """Parsed ``request`` log lines, optionally only those of one event name."""
        out = []
        for line in self.log_lines():
            match = _REQUEST_RE.match(line)
            if match and (name is None or match.group(2) == name):
                out.append(Request(*match.groups()))
        return out

    def stderr(self):
        try:
            with open(os.path.join(self._tmp, "stderr.txt"), "r", encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            return ""
