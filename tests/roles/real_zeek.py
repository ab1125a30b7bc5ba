"""What the real-Zeek role tests (tests/real/test_roles_*.py) share.

* ``copy_prefix``: a private copy of an unpacked Zeek for one test module, so that the roles
  can write site scripts, plugins and local.zeek without touching the install other tests
  reuse. Files are hard links (the copy takes milliseconds); the few text files that embed
  the prefix are rewritten, as the tarball's relocate.sh does, which replaces them by new
  files and so never writes through a link. Ansible replaces files it writes the same way.
* ``Processes``: every process a test starts, each in its own session (process group), all
  ended by ``stop_all`` even when the test fails; the Zeek supervisor's children (the
  management agent's cluster nodes) are found through /proc and ended too.
* ``free_ports``, ``wait_port``, ``listening``: ports picked at run time and what ``ss``
  says is listening on them.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

# The text files that embed the install prefix (the list of the tarball's relocate.sh).
PREFIX_FILES = ("bin/zeek-config", "share/zeek/cmake/ZeekPluginBootstrap.cmake",
                "share/zeek/cmake/ZeekTargets.cmake", "share/zeek/base/misc/installation.zeek",
                "include/zeek/zeek-config-paths.h")


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_prefix(source, dest):
    """Copy the Zeek install ``source`` to ``dest`` and point its embedded paths at ``dest``."""
    source, dest = str(source), str(dest)
    old = subprocess.run([os.path.join(source, "bin", "zeek-config"), "--prefix"], capture_output=True,
                         text=True, check=True).stdout.strip()
    shutil.copytree(source, dest, symlinks=True, copy_function=_link_or_copy)
    for rel in PREFIX_FILES:
        path = os.path.join(dest, rel)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        tmp = path + ".relocating"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text.replace(old, dest))
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    marker = os.path.join(dest, ".zeek-prefix")
    if os.path.exists(marker):
        os.unlink(marker)  # a hard link to the source's marker: replace, never write through
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(dest + "\n")
    return dest


def free_ports(count):
    """``count`` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    socks = []
    try:
        for unused_i in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


def listening(ports=None):
    """{port: [(address, pid)]} of the TCP sockets listening now (``ss -ltnpH``)."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        address, unused_colon, port = fields[3].rpartition(":")
        pids = [int(p) for p in re.findall(r"pid=(\d+)", line)]
        if ports is None or int(port) in ports:
            found.setdefault(int(port), []).append((address, pids[0] if pids else None))
    return found


class Processes:
    """The processes a test started; ``stop_all`` ends them and everything they forked."""

    def __init__(self, log_dir):
        self.log_dir = str(log_dir)
        self.procs = {}

    def start(self, name, argv, cwd, env):
        out = open(os.path.join(self.log_dir, name + ".out"), "wb")  # pylint: disable=consider-using-with
        err = open(os.path.join(self.log_dir, name + ".err"), "wb")  # pylint: disable=consider-using-with
        proc = subprocess.Popen(argv, cwd=str(cwd), env=env, stdout=out, stderr=err,  # pylint: disable=consider-using-with
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        err.close()
        self.procs[name] = proc
        return proc

    def output(self, name):
        texts = []
        for ext in ("out", "err"):
            path = os.path.join(self.log_dir, "%s.%s" % (name, ext))
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="replace") as handle:
                    texts.append(handle.read())
        return "\n".join(texts)

    def wait_port(self, name, port, timeout=30.0, host="127.0.0.1"):
        """Wait until ``port`` accepts connections; fail early if the process ``name`` died."""
        proc = self.procs[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError("%s exited with %s before listening on %d:\n%s"
                                     % (name, proc.returncode, port, self.output(name)[-3000:]))
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("%s does not listen on %d after %ss:\n%s" % (name, port, timeout, self.output(name)[-3000:]))

    def stop(self, name, timeout=10.0):
        """SIGTERM to the process group, then SIGKILL; return the exit status."""
        proc = self.procs.pop(name)
        family = _descendants(proc.pid)
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(5)
        _kill_leftovers(family)
        return proc.returncode

    def stop_all(self):
        for name in list(self.procs):
            try:
                self.stop(name)
            except Exception:  # pylint: disable=broad-except
                pass


def _signal_group(pid, sig):
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _descendants(pid):
    """PIDs of every living descendant of ``pid`` (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_leftovers(pids):
    """Descendants that left the process group (none expected): give them a moment, then SIGKILL."""
    deadline = time.monotonic() + 5
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if os.path.exists("/proc/%d" % p) and not _zombie(p)]
        if alive:
            time.sleep(0.1)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_until(condition, timeout, what):
    """Poll ``condition`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
