"""Turn a snippet into a playbook and run it with real ansible-playbook against the emulator.

What the runner adds around a snippet, and nothing else:
  * A task list (every module's EXAMPLES, a task in the docs) becomes the tasks of one play on
    the inventory host ``sensor1`` (local connection), the sensor the examples are written for
    (``instances_info``'s example expects the agent ``agent-`` + the host's short name).
    Tasks with ``listen:`` are handlers (as in a role's handlers/main.yml): they go to the
    play's ``handlers`` and one more task notifies them, so they run too.
  * A playbook runs as it is; every group its plays name (``hosts: zeek_manager``) gets the
    host ``sensor1``.
  * Connection settings: the examples name the reader's controller and listener
    (``controller_host: zeek-controller.example.org``, ``websocket_port: 27759``); every
    ``controller_host``/``controller_port``/``websocket_host``/``websocket_port`` key is set to
    the emulator's, and the environment variables the modules read
    (``ZEEK_CONTROLLER_HOST``, ``ZEEK_CONTROLLER_WEBSOCKET_PORT``, ``ZEEK_WEBSOCKET_HOST``,
    ``ZEEK_WEBSOCKET_PORT``) point there for tasks that rely on the defaults.
  * Files the examples name, relative to the playbook: ``clusters/production.ini`` (the
    repository's ``playbooks/clusters/production.example.ini``) and ``cluster.ini``
    (``files/cluster.ini`` here, the cluster of the Zeek quickstart) and ``node.cfg``
    (``files/node.cfg``, a zeekctl node.cfg of a manager host 10.0.0.1 and a sensor 10.0.0.2).
  * A Zeek install prefix: the ``prefix`` of every ``netsec.zeek.zeek_conf`` task (``/opt/zeek``
    in the examples) is set to ``zeek-prefix/`` in the run's directory, whose ``bin/`` holds
    Zeek 9.0.0-rc1's ``zeek-systemd-generator`` and ``zeek-cluster-layout-generator`` (from
    ``../shared/zeek``, when there), so the module writes its files there, not into the machine's
    /opt/zeek. Nothing else in the task changes.
"""

import copy
import os
import shutil
import subprocess
import sys

import yaml

from snippets import REPO_ROOT, task_marks

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
SENSOR = "sensor1"
CONNECTION_KEYS = ("controller_host", "controller_port", "websocket_host", "websocket_port")
FILES = {
    "clusters/production.ini": os.path.join(REPO_ROOT, "playbooks", "clusters", "production.example.ini"),
    "cluster.ini": os.path.join(HERE, "files", "cluster.ini"),
    "node.cfg": os.path.join(HERE, "files", "node.cfg"),
}
PREFIX_MODULES = ("netsec.zeek.zeek_conf", "zeek_conf")
ZEEK_PREFIX = "zeek-prefix"
GENERATORS = os.path.join(os.path.dirname(REPO_ROOT), "shared", "zeek", "systemd-generator-9.0.0-rc1", "bin")


class NotRunnable(Exception):
    """A snippet that is neither a playbook nor a task list (and carries no mark)."""


class Endpoints(object):
    def __init__(self, controller_port, websocket_port, host="127.0.0.1"):
        self.host = host
        self.controller_port = controller_port
        self.websocket_port = websocket_port

    def value(self, key):
        return {"controller_host": self.host, "websocket_host": self.host,
                "controller_port": self.controller_port, "websocket_port": self.websocket_port}[key]

    def environment(self):
        return {"ZEEK_CONTROLLER_HOST": self.host, "ZEEK_CONTROLLER_WEBSOCKET_PORT": str(self.controller_port),
                "ZEEK_WEBSOCKET_HOST": self.host, "ZEEK_WEBSOCKET_PORT": str(self.websocket_port)}


def point_at(data, endpoints):
    """A copy of ``data`` with every connection key set to the emulator's endpoints."""
    if isinstance(data, dict):
        return dict((k, endpoints.value(k) if k in CONNECTION_KEYS else point_at(v, endpoints))
                    for k, v in data.items())
    if isinstance(data, list):
        return [point_at(item, endpoints) for item in data]
    return data


def with_zeek_prefix(data, prefix):
    """A copy of ``data`` with the ``prefix`` of every zeek_conf task set to ``prefix``."""
    if isinstance(data, dict):
        copied = dict((k, with_zeek_prefix(v, prefix)) for k, v in data.items())
        for module in PREFIX_MODULES:
            if isinstance(copied.get(module), dict) and "prefix" in copied[module]:
                copied[module] = dict(copied[module], prefix=prefix)
        return copied
    if isinstance(data, list):
        return [with_zeek_prefix(item, prefix) for item in data]
    return data


def make_zeek_prefix(workdir):
    """``<workdir>/zeek-prefix`` with the Zeek 9 generator programs in ``bin/`` (when ../shared has them)."""
    prefix = os.path.join(workdir, ZEEK_PREFIX)
    os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
    for name in ("zeek-systemd-generator", "zeek-cluster-layout-generator"):
        origin = os.path.join(GENERATORS, name)
        target = os.path.join(prefix, "bin", name)
        if os.path.isfile(origin) and not os.path.lexists(target):
            os.symlink(origin, target)
    return prefix


def is_playbook(data):
    return isinstance(data, list) and data and all(isinstance(p, dict) and "hosts" in p for p in data)


def is_task_list(data):
    return isinstance(data, list) and data and all(isinstance(t, dict) for t in data) and not any(
        "hosts" in t for t in data)


def unmarked_tasks(snippet):
    """The snippet's tasks without those its marks leave out, and those marks ({index: TaskMark})."""
    data = yaml.safe_load(snippet.text)
    marks = task_marks(snippet.text) if snippet.kind == "examples" else {}
    if marks:
        if not is_task_list(data):
            raise NotRunnable("%s: marks in EXAMPLES must sit above tasks of a task list" % snippet.source)
        data = [task for index, task in enumerate(data) if index not in marks]
    return data, marks


def build_plays(data, source):
    """The plays that run a parsed snippet."""
    if is_playbook(data):
        return copy.deepcopy(data)
    if not is_task_list(data):
        raise NotRunnable("%s is neither a playbook nor a task list: make it one, or mark it with "
                          "'<!-- example: skip because ... -->' above the fence" % source)
    tasks = [t for t in data if "listen" not in t]
    handlers = [t for t in data if "listen" in t]
    if handlers:
        topics = []
        for handler in handlers:
            listen = handler["listen"]
            topics.extend(listen if isinstance(listen, list) else [listen])
        tasks.append({"name": "Notify the example's handlers", "ansible.builtin.debug": {"msg": "notify"},
                      "changed_when": True, "notify": topics})
    play = {"name": "Example %s" % source, "hosts": SENSOR, "gather_facts": False, "tasks": tasks}
    if handlers:
        play["handlers"] = handlers
    return [play]


def groups_of(plays):
    groups = set()
    for play in plays:
        hosts = play.get("hosts")
        for pattern in (hosts if isinstance(hosts, list) else str(hosts).split(",")):
            pattern = pattern.strip()
            if pattern and pattern not in ("all", "localhost", SENSOR) and pattern.replace("_", "").isalnum():
                groups.add(pattern)
    return sorted(groups)


def inventory(plays):
    python = sys.executable
    lines = ["localhost ansible_connection=local ansible_python_interpreter=%s" % python,
             "%s ansible_connection=local ansible_python_interpreter=%s" % (SENSOR, python)]
    for group in groups_of(plays):
        lines += ["", "[%s]" % group, SENSOR]
    return "\n".join(lines) + "\n"


class Run(object):
    def __init__(self, returncode, output, playbook):
        self.returncode = returncode
        self.output = output
        self.playbook = playbook

    def __repr__(self):
        return "<ansible-playbook rc=%s>\n--- playbook\n%s\n--- output (tail)\n%s" % (
            self.returncode, self.playbook, self.output[-6000:])


def run_plays(plays, endpoints, workdir, timeout=240):
    """Write the plays, the inventory and the files the examples name into ``workdir``; run them."""
    os.makedirs(workdir, exist_ok=True)
    for relative, origin in FILES.items():
        target = os.path.join(workdir, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(origin, target)
    plays = with_zeek_prefix(point_at(plays, endpoints), make_zeek_prefix(workdir))
    playbook_text = yaml.safe_dump(plays, sort_keys=False)
    with open(os.path.join(workdir, "playbook.yml"), "w", encoding="utf-8") as handle:
        handle.write(playbook_text)
    with open(os.path.join(workdir, "inventory.ini"), "w", encoding="utf-8") as handle:
        handle.write(inventory(plays))
    env = dict(os.environ)
    env.update(endpoints.environment())
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    command = [os.path.join(BIN, "ansible-playbook"), "-i", "inventory.ini", "playbook.yml"]
    proc = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    return Run(proc.returncode, proc.stdout + proc.stderr, playbook_text)
