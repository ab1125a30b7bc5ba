"""Generate the emulator's identifier table from a real Zeek (``make emulator-identifiers``).

Runs the real Management Framework (tests/real/real_mgmt.py), deploys a manager, a logger,
a proxy and a worker sniffing lo, each loading tests/real/zeek/dump_ids.zeek, which writes
every global identifier with a value (name, type, option/const/global, ``to_json`` of the
value: what ``get_id_value`` answers) into the node's directory. The result is written to
``emulator/data/identifiers-<version>.json.gz``:

    {"zeek_version": ..., "common": {name: [type, kind, json_text]},
     "by_role": {"MANAGER": {name: [...]}, ...},   # where a role's value differs
     "omitted": [names]}                              # values of this test run only

Values that only describe this run (its temporary directory, the free ports it picked, the
host name) are omitted; the emulator computes the node-specific ones (``Cluster::node``,
``Cluster::nodes``, ...) from the deployed configuration (emulator/identifiers.py).
"""
import argparse
import gzip
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "interop"))

import zeek_dist  # noqa: E402
from interop_helpers import zeek_client  # noqa: E402
from real_mgmt import RealManagement  # noqa: E402

ROLES = {"manager": "MANAGER", "logger": "LOGGER", "proxy": "PROXY", "worker": "WORKER"}
DUMP_SCRIPT = os.path.join(HERE, "zeek", "dump_ids.zeek")


def cluster_ini(agent):
    sections = ["[instances]\n%s\n" % agent]
    for name, role in ROLES.items():
        lines = ["[%s]" % name, "instance = %s" % agent, "role = %s" % role, "scripts = %s" % DUMP_SCRIPT]
        if role == "WORKER":
            lines.append("interface = lo")
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def read_dump(path):
    table = {}
    with open(path, "r", encoding="utf-8") as handle:
        for line in handle:
            name, ztype, kind, value = json.loads(line)
            table[name] = [ztype, kind, value if kind != "novalue" else None]
    return table


def run_specific(mgmt, workdir):
    """Strings that only this run has: they must not end up in the fixture."""
    ports = {mgmt.port, mgmt.controller_broker_port, mgmt.agent_port, mgmt.supervisor_port,
             mgmt.agent_supervisor_port}
    ports.update(range(mgmt.broker_start_port, mgmt.broker_start_port + 16))
    ports.update(range(mgmt.metrics_start_port, mgmt.metrics_start_port + 16))
    return [str(workdir), mgmt.agent_name, mgmt.controller_name], ports


def mentions(value_text, strings, ports):
    if any(s in value_text for s in strings):
        return True
    try:
        value = json.loads(value_text)
    except ValueError:
        return False
    found = []

    def walk(item):
        if isinstance(item, dict):
            if set(item) == {"port", "proto"} and item["port"] in ports:
                found.append(item)
            for sub in item.values():
                walk(sub)
        elif isinstance(item, list):
            for sub in item:
                walk(sub)
    walk(value)
    return bool(found)


def canonical(value_text):
    def walk(item):
        if isinstance(item, dict):
            return {k: walk(v) for k, v in sorted(item.items())}
        if isinstance(item, list):
            return sorted((walk(v) for v in item), key=lambda v: json.dumps(v, sort_keys=True))
        return item
    try:
        return walk(json.loads(value_text))
    except ValueError:
        return value_text


def script_names(zeek):
    """What ``@load NAME`` (and a node's ``scripts`` entry) finds on the default ZEEKPATH.

    ZEEKPATH is share/zeek, share/zeek/policy, share/zeek/site (env.sh); a name is a
    ``.zeek`` file without the suffix or a directory with ``__load__.zeek``.
    """
    share = os.path.join(str(zeek.prefix), "share", "zeek")
    names = set()
    for root in (share, os.path.join(share, "policy"), os.path.join(share, "site")):
        for directory, _dirs, files in os.walk(root):
            rel = os.path.relpath(directory, root)
            for name in files:
                if name == "__load__.zeek" and rel != ".":
                    names.add(rel)
                elif name.endswith(".zeek"):
                    names.add(os.path.normpath(os.path.join(rel, name[:-len(".zeek")])))
    return sorted(names)


def generate(version, out_path):
    zeek = zeek_dist.find_zeek(version)
    workdir = tempfile.mkdtemp(prefix="netsec-ids-")
    mgmt = RealManagement(zeek, workdir)
    with mgmt:
        ini = os.path.join(workdir, "cluster.ini")
        with open(ini, "w", encoding="utf-8") as handle:
            handle.write(cluster_ini(mgmt.agent_name))
        deployed = zeek_client(mgmt, "deploy-config", ini, timeout=60)
        if deployed.rc != 0:
            raise SystemExit("deploy failed: %r" % deployed)
        dumps = {name: os.path.join(mgmt.state_dir, "nodes", name, "ids.tsv") for name in ROLES}
        deadline = time.monotonic() + 60
        while not all(os.path.exists(p) for p in dumps.values()):
            if time.monotonic() > deadline:
                raise SystemExit("no identifier dump from %s" % [n for n, p in dumps.items() if not os.path.exists(p)])
            time.sleep(0.5)
        tables = {ROLES[name]: read_dump(path) for name, path in dumps.items()}
        strings, ports = run_specific(mgmt, workdir)
        strings.append(str(zeek.prefix))
    names = sorted(set().union(*tables.values()))
    common, by_role, omitted = {}, {role: {} for role in tables}, []
    for name in names:
        entries = {role: table.get(name) for role, table in tables.items()}
        if any(e is not None and e[2] is not None and mentions(e[2], strings, ports) for e in entries.values()):
            omitted.append(name)
            continue
        # Sets and tables come out in hash order, different in every process: compare them
        # in a canonical form (the emulator answers in one fixed order).
        distinct = {json.dumps([e[0], e[1], canonical(e[2]) if e[2] is not None else None]) if e else None
                    for e in entries.values()}
        if len(distinct) == 1:
            common[name] = next(iter(entries.values()))
        else:
            for role, entry in entries.items():
                if entry is not None:
                    by_role[role][name] = entry
    data = {"zeek_version": zeek.version, "generated_by": "make emulator-identifiers (tests/real/gen_identifiers.py)",
            "common": common, "by_role": by_role, "omitted": omitted, "scripts": script_names(zeek)}
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    tmp = out_path + ".tmp"
    text = json.dumps(data, indent=0, sort_keys=True, separators=(",", ":")) + "\n"
    # gzip (mtime 0: the same data gives the same bytes); 1.6 MB of JSON, mostly certificates.
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
        handle.write(text.encode("utf-8"))
    os.replace(tmp, out_path)
    print("%s: %d common, %s by role, %d omitted" % (
        out_path, len(common), {r: len(v) for r, v in by_role.items()}, len(omitted)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--version", default=zeek_dist.REFERENCE_VERSION)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    out = args.output or os.path.join(REPO, "emulator", "data", "identifiers-%s.json.gz" % args.version)
    generate(args.version, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
