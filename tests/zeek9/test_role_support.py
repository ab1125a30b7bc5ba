"""Simulated hosts for netsec.zeek.systemd_cluster (no tests here; used by test_role_*.py and
test_real_cluster.py).

Each simulated host is a directory ("root") on this machine, reached with
``ansible_connection: local``:

* ``<root>/opt/zeek``: its Zeek prefix. For the role tests only Zeek's two generator programs
  (the real ones, ../shared/zeek/systemd-generator-9.0.0-rc1/bin); for the real cluster a prefix
  whose bin/, lib/ and share/zeek/* link to an unpacked real Zeek, with its own etc/, var/ and
  share/zeek/site/ (the role writes there, and every host has its own spool directories).
* ``<root>/etc/systemd/system-generators``, ``<root>/etc/systemd/system``,
  ``<root>/run/systemd/generator``: systemd's directories, given to the role.
* ``<root>/bin/systemctl``: a stand-in for systemctl (systemd does not run here), first on the
  host's PATH through the play's ``environment``. It records every call with a timestamp and
  does what the role relies on, the way systemd does it: ``daemon-reload`` runs the host's
  generators into its generator directory; ``start``/``restart zeek.target`` runs the
  ExecStart= lines of the generated zeek-setup.service (so the layout is regenerated, as on a
  real host) and marks the units zeek.target wants active; ``show`` and ``is-active`` answer
  from that state.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_ZEEK = os.path.join(os.path.dirname(REPO_ROOT), "shared", "zeek")
GENERATOR_BIN = os.path.join(SHARED_ZEEK, "systemd-generator-9.0.0-rc1", "bin")
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_role_playbook.yml")
CALLBACKS = os.path.join(REPO_ROOT, "tests", "integration", "callback_plugins")
BIN = os.path.dirname(sys.executable)

SYSTEMCTL = r"""#!/bin/sh
# Test stand-in for systemctl on one simulated host (tests/zeek9/test_role_support.py).
ROOT="@ROOT@"
STATE="$ROOT/standin-systemd"
GEN="$ROOT/run/systemd/generator"
mkdir -p "$STATE/active"
printf '%s %s\n' "$(date +%s.%N)" "$*" >> "$STATE/calls"
cmd="$1"; shift
case "$cmd" in
  daemon-reload)
    rm -rf "$GEN" "$GEN.early" "$GEN.late"
    mkdir -p "$GEN" "$GEN.early" "$GEN.late"
    for g in "$ROOT/etc/systemd/system-generators"/*; do
      [ -x "$g" ] && "$g" "$GEN" "$GEN.early" "$GEN.late" 2>>"$STATE/generator-errors"
    done
    exit 0 ;;
  show)
    unit="$1"
    if [ -e "$GEN/$unit" ]; then load=loaded; else load=not-found; fi
    if [ -f "$STATE/active/$unit" ]; then active=active; sub=running; else active=inactive; sub=dead; fi
    printf 'Id=%s\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=generated\n' "$unit" "$load" "$active" "$sub"
    exit 0 ;;
  is-active)
    rc=0
    for unit in "$@"; do
      if [ -f "$STATE/active/$unit" ]; then echo active; else echo inactive; rc=3; fi
    done
    exit $rc ;;
  start|restart)
    unit="$1"
    [ "$unit" = zeek.target ] || { echo "systemctl stand-in: only zeek.target, not $unit" >&2; exit 1; }
    [ -e "$GEN/zeek.target" ] || { echo "Unit zeek.target not found." >&2; exit 5; }
    # zeek-setup.service (PartOf=zeek.target) runs again: its ExecStart= lines in its WorkingDirectory.
    wd=$(sed -n 's/^WorkingDirectory=//p' "$GEN/zeek-setup.service")
    sed -n 's/^ExecStart=//p' "$GEN/zeek-setup.service" > "$STATE/setup-steps"
    while IFS= read -r step; do
      (cd "$wd" && sh -c "$step") >>"$STATE/setup-output" 2>&1 || { echo "zeek-setup.service failed: $step" >&2; exit 1; }
    done < "$STATE/setup-steps"
    # The nodes stop with the target (StopPropagatedFrom=) and what it wants starts again.
    rm -rf "$STATE/active"; mkdir -p "$STATE/active"
    touch "$STATE/active/zeek.target" "$STATE/active/zeek-setup.service"
    for link in "$GEN/zeek.target.wants"/*; do touch "$STATE/active/$(basename "$link")"; done
    exit 0 ;;
  *) echo "systemctl stand-in: unsupported: $cmd $*" >&2; exit 1 ;;
esac
"""


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


class SimHost:
    """One simulated host: its inventory name, cluster host name and root directory."""

    def __init__(self, root, name):
        self.root = root
        self.name = name
        self.prefix = os.path.join(root, "opt", "zeek")
        self.generator_dir = os.path.join(root, "etc", "systemd", "system-generators")
        self.unit_dir = os.path.join(root, "etc", "systemd", "system")
        self.generated_dir = os.path.join(root, "run", "systemd", "generator")
        self.state = os.path.join(root, "standin-systemd")

    def inventory_vars(self):
        return {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "zeek_test_root": self.root,
            "zeek_systemd_cluster_host": self.name,
            "zeek_systemd_cluster_prefix": self.prefix,
            "zeek_systemd_cluster_generator_dir": self.generator_dir,
            "zeek_systemd_cluster_unit_dir": self.unit_dir,
            "zeek_systemd_cluster_generated_dir": self.generated_dir,
        }

    def calls(self):
        """[(time, argv words)] of every systemctl call so far."""
        path = os.path.join(self.state, "calls")
        if not os.path.exists(path):
            return []
        out = []
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                stamp, unused_space, rest = line.rstrip("\n").partition(" ")
                out.append((float(stamp), rest.split()))
        return out

    def changing_calls(self):
        return [" ".join(words) for unused_time, words in self.calls()
                if words and words[0] in ("daemon-reload", "start", "restart")]

    def clear_calls(self):
        path = os.path.join(self.state, "calls")
        if os.path.exists(path):
            os.remove(path)

    def active(self):
        directory = os.path.join(self.state, "active")
        return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def make_hosts(base, names, prefix_maker):
    """SimHosts under base, each with its stand-in systemctl and a prefix from prefix_maker(prefix)."""
    hosts = []
    for name in names:
        host = SimHost(os.path.join(base, name), name)
        _write(os.path.join(host.root, "bin", "systemctl"), SYSTEMCTL.replace("@ROOT@", host.root), 0o755)
        prefix_maker(host.prefix)
        hosts.append(host)
    return hosts


def generator_prefix(prefix):
    """A prefix with only the real generator programs (all the role and the module run)."""
    os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
    for name in ("zeek-systemd-generator", "zeek-cluster-layout-generator"):
        shutil.copy2(os.path.join(GENERATOR_BIN, name), os.path.join(prefix, "bin", name))


def linked_prefix(real_prefix):
    """prefix_maker for a real Zeek: bin/, lib/ and share/zeek/* link to it; site/ is a copy."""
    def make(prefix):
        os.makedirs(os.path.join(prefix, "share", "zeek"), exist_ok=True)
        os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
        for name in os.listdir(os.path.join(real_prefix, "bin")):
            os.symlink(os.path.join(real_prefix, "bin", name), os.path.join(prefix, "bin", name))
        os.symlink(os.path.join(real_prefix, "lib"), os.path.join(prefix, "lib"))
        share = os.path.join(real_prefix, "share", "zeek")
        for name in os.listdir(share):
            if name == "site":
                shutil.copytree(os.path.join(share, name), os.path.join(prefix, "share", "zeek", name))
            else:
                os.symlink(os.path.join(share, name), os.path.join(prefix, "share", "zeek", name))
    return make


def write_inventory(path, hosts, extra_host_vars=None):
    inventory = {"all": {"children": {"zeek_cluster": {"hosts": {}}}}}
    for host in hosts:
        host_vars = host.inventory_vars()
        host_vars.update((extra_host_vars or {}).get(host.name, {}))
        inventory["all"]["children"]["zeek_cluster"]["hosts"][host.name] = host_vars
    _write(path, json.dumps(inventory, indent=1))
    return path


def env():
    e = dict(os.environ)
    e.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "record_results",
        "ANSIBLE_PIPELINING": "1",
        "PATH": BIN + os.pathsep + e.get("PATH", ""),
    })
    return e


class Run:
    """One ansible-playbook run: rc, output, per-task results, its duration."""

    def __init__(self, rc, out, records, seconds):
        self.rc = rc
        self.out = out
        self.records = records
        self.seconds = seconds

    def changed(self):
        """{host: [task names that reported changed, in order]}."""
        result = {}
        for record in self.records:
            result.setdefault(record["host"], [])
            if record["status"] == "ok" and record["result"].get("changed"):
                result[record["host"]].append(record["task"])
        return result

    def results(self, task, host):
        return [r["result"] for r in self.records if r["task"] == task and r["host"] == host]

    def failures(self):
        keep = [line for line in self.out.splitlines() if "fatal:" in line or "FAILED!" in line or "ERROR" in line]
        return "\n".join(keep)[-6000:] or self.out[-6000:]


def vars_yaml(variables, unsafe=("zeek_systemd_cluster_curve_keys",)):
    """Extra variables as YAML; the values of ``unsafe`` mappings tagged !unsafe, as a user must tag
    ZeroMQ CURVE keys: Z85 text may contain "{{", "{%" or "{#", which Ansible would template."""
    lines = []
    for name, value in variables.items():
        if name in unsafe and isinstance(value, dict) and value:
            lines.append("%s:" % name)
            lines.extend("  %s: !unsafe %s" % (key, json.dumps(text)) for key, text in value.items())
        else:
            lines.append("%s: %s" % (name, json.dumps(value)))
    return "\n".join(lines) + "\n"


def run_role(inventory, variables, check=False, diff=False, playbook=PLAYBOOK, timeout=600):
    """Run the role's test playbook on the simulated hosts with these extra variables."""
    work = tempfile.mkdtemp(prefix="zeek9-run-")
    try:
        vars_file = os.path.join(work, "vars.yml")
        records_file = os.path.join(work, "records.jsonl")
        _write(vars_file, vars_yaml(variables))
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, playbook, "-e", "@" + vars_file]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        run_env = env()
        run_env["RECORD_RESULTS_FILE"] = records_file
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        seconds = time.monotonic() - started
        records = []
        if os.path.exists(records_file):
            with open(records_file, encoding="utf-8") as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        return Run(proc.returncode, proc.stdout + proc.stderr, records, seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def tree_snapshot(root, skip=("standin-systemd",)):
    """Every path below root with its type, mode and content, to prove nothing changed."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if os.path.relpath(os.path.join(dirpath, d), root) not in skip]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            content = None
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    content = handle.read()
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(path)
            snap[os.path.relpath(path, root)] = (st.st_mode, content)
    return snap
