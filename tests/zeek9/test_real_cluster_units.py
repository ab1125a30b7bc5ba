"""Run generated systemd units without systemd (no tests here; used by test_real_cluster.py).

What systemd would do with the units Zeek's generator wrote into a host's generator directory,
read from the unit files themselves: the ExecStart= lines of zeek-setup.service in its
WorkingDirectory=, then for each node instance zeek.target wants, its template unit with %i
replaced, its drop-ins (the generator's per-instance ones and those in the host's
/etc/systemd/system, including dash-prefix directories such as zeek-.service.d), its
Environment= and EnvironmentFile= (which wins, as in systemd), ${VAR} expanded in ExecStart=,
and nothing else in the environment. Each node runs in its own process group.
"""
import os
import re
import shlex
import signal
import subprocess
import time

_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def read_unit(path):
    """[(section, key, value)] of a unit file, in order."""
    entries, section = [], None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            key, unused_eq, value = line.partition("=")
            entries.append((section, key.strip(), value.strip()))
    return entries


def _environment_words(value):
    """Environment= takes space-separated assignments, each optionally quoted."""
    out = {}
    for word in shlex.split(value):
        name, unused_eq, text = word.partition("=")
        out[name] = text
    return out


def read_environment_file(path):
    out = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            name, unused_eq, text = line.partition("=")
            words = shlex.split(text)
            out[name.strip()] = words[0] if words else ""
    return out


def dropin_dirs(unit):
    """Drop-in directory names systemd reads for a unit, most general first."""
    stem, unused_dot, suffix = unit.rpartition(".")
    base = stem.split("@", 1)[0]
    names = []
    parts = base.split("-")
    for i in range(1, len(parts)):
        names.append("-".join(parts[:i]) + "-." + suffix + ".d")
    if "@" in stem:
        names.append(base + "@." + suffix + ".d")
    names.append(unit + ".d")
    return names


class UnitRun:
    """How systemd would start one unit instance."""

    def __init__(self, unit, argv, cwd, env):
        self.unit = unit
        self.argv = argv
        self.cwd = cwd
        self.env = env


def resolve(unit, generated_dir, unit_dirs):
    """The UnitRun of ``unit`` (e.g. zeek-worker-lo@1.service) from the host's directories."""
    stem, unused_dot, suffix = unit.rpartition(".")
    instance = stem.split("@", 1)[1] if "@" in stem else ""
    template = stem.split("@", 1)[0] + ("@" if "@" in stem else "") + "." + suffix
    entries = read_unit(os.path.join(generated_dir, template))
    dropins = {}
    for directory in [generated_dir] + list(unit_dirs):
        for name in dropin_dirs(unit):
            path = os.path.join(directory, name)
            if os.path.isdir(path):
                for conf in sorted(os.listdir(path)):
                    if conf.endswith(".conf"):
                        dropins[conf] = os.path.join(path, conf)  # a later directory's file wins by name
    for conf in sorted(dropins):
        entries += read_unit(dropins[conf])
    env, env_files, exec_start, cwd = {}, [], [], None
    for section, key, value in entries:
        if section != "Service":
            continue
        value = value.replace("%i", instance)
        if key == "Environment":
            env.update(_environment_words(value))
        elif key == "EnvironmentFile":
            env_files.append(value)
        elif key == "WorkingDirectory":
            cwd = value
        elif key == "ExecStart":
            exec_start = [value] if value else []
    for path in env_files:
        env.update(read_environment_file(path.lstrip("-")))
    assert len(exec_start) == 1, (unit, exec_start)

    def expand(word):
        return _VAR_RE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), word)

    argv = [expand(word) for word in shlex.split(exec_start[0])]
    return UnitRun(unit, argv, cwd, env)


def run_setup(generated_dir):
    """The ExecStart= lines of zeek-setup.service, in its WorkingDirectory=, as [(line, rc, output)]."""
    entries = read_unit(os.path.join(generated_dir, "zeek-setup.service"))
    cwd = [v for s, k, v in entries if k == "WorkingDirectory"][0]
    done = []
    for section, key, value in entries:
        if section == "Service" and key == "ExecStart":
            proc = subprocess.run(shlex.split(value), cwd=cwd, capture_output=True, text=True, check=False)
            done.append((value, proc.returncode, proc.stdout + proc.stderr))
    return done


def wanted_nodes(generated_dir):
    """Node units zeek.target wants (not setup or archiver), in start order: manager, loggers, proxies, workers."""
    order = {"manager": 0, "logger": 1, "proxy": 2, "worker": 3}
    units = [u for u in os.listdir(os.path.join(generated_dir, "zeek.target.wants"))
             if u.split("@")[0].split(".")[0] not in ("zeek-setup", "zeek-archiver")]
    return sorted(units, key=lambda u: (order[u.split("-")[1].split("@")[0].split(".")[0]], u))


class Processes:
    """Started nodes, each in its own process group; stop() kills every group."""

    def __init__(self):
        self.started = []

    def start(self, run):
        out = open(os.path.join(run.cwd, "stdout"), "wb")
        err = open(os.path.join(run.cwd, "stderr"), "wb")
        try:
            proc = subprocess.Popen(run.argv, cwd=run.cwd, env=run.env, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
            err.close()
        self.started.append((run, proc))
        return proc

    def stop(self, grace=10):
        for _run, proc in self.started:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for _run, proc in self.started:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()

    def alive(self):
        return [run.unit for run, proc in self.started if proc.poll() is None]
