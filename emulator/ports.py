"""Port auto-assignment at stage time, on the READY copy of a configuration.

* Broker ports: ``config_assign_broker_ports()``: MANAGER, LOGGER and PROXY
  nodes without a port, sorted by (instance, role rank, name), get the next
  free port from one global counter starting at 2200/tcp; the used set is
  seeded with every instance's listen_port and every node's explicit port.
* Metrics ports: ``config_assign_metrics_ports()`` as corrected in Zeek 9.0
  (commit a5d89455): every role, one counter and used set per instance *host*
  address, the set seeded with that host's instances' listen ports and its
  nodes' explicit Broker and metrics ports.  Zeek's quirk is kept: the per-host
  set is reset for each instance on that host, so only the last instance's
  listen_port stays seeded (instances are visited in name order here; Zeek
  visits them in hash order).

  With ``dropping_explicit=True`` it reproduces the regression of Zeek 7.2.0
  to 8.0.8, 8.1.0 to 8.1.2 and 8.2.0 (commit 0c0769b1b2, fixed by a5d89455 in
  8.0.9, 8.2.1 and 9.0; checked against the tags' controller/main.zeek): a statement before the seeding loop's brace makes the loop body run
  once, for the last node iterated, so every other node with an explicit
  metrics port is left out of READY, and so out of the deployed
  configuration. Zeek iterates the node set in hash order; here the last
  node by name is that one.
"""

from plugins.module_utils.broker_json import Port

BROKER_ROLE_RANK = {"Supervisor::MANAGER": 0, "Supervisor::LOGGER": 1, "Supervisor::PROXY": 2}
METRICS_ROLE_RANK = {"Supervisor::MANAGER": 0, "Supervisor::LOGGER": 1, "Supervisor::PROXY": 2,
                     "Supervisor::WORKER": 3}


def _sort_key(ranks):
    return lambda node: (node["instance"].encode("utf-8"), ranks[node["role"]], node["name"].encode("utf-8"))


def assign_broker_ports(config, start_port=2200):
    used = set()
    for inst in config["instances"]:
        if inst.get("listen_port") is not None:
            used.add(inst["listen_port"][0])
    for node in config["nodes"]:
        if node.get("p") is not None:
            used.add(node["p"][0])
    todo = [n for n in config["nodes"] if n.get("p") is None and n["role"] in BROKER_ROLE_RANK]
    counter = start_port
    for node in sorted(todo, key=_sort_key(BROKER_ROLE_RANK)):
        while counter in used:
            counter += 1
        node["p"] = Port(counter, "tcp")
        used.add(counter)
        counter += 1
    return config


def assign_metrics_ports(config, start_port=9000, dropping_explicit=False):
    host_of, counters, used = {}, {}, {}
    for inst in sorted(config["instances"], key=lambda i: i["name"].encode("utf-8")):
        host_of[inst["name"]] = inst["host"]
        counters[inst["host"]] = start_port
        used[inst["host"]] = set()  # reset per instance, as Zeek does
        if inst.get("listen_port") is not None:
            used[inst["host"]].add(inst["listen_port"][0])
    seeded = config["nodes"]
    if dropping_explicit:
        seeded = sorted(config["nodes"], key=lambda n: n["name"].encode("utf-8"))[-1:]
    for node in seeded:
        host = host_of[node["instance"]]
        if node.get("p") is not None:
            used[host].add(node["p"][0])
        if node.get("metrics_port") is not None:
            used[host].add(node["metrics_port"][0])
    todo = [n for n in config["nodes"] if n.get("metrics_port") is None and n["role"] in METRICS_ROLE_RANK]
    if dropping_explicit:
        kept = set(id(n) for n in todo + seeded)
        config["nodes"] = [n for n in config["nodes"] if id(n) in kept or n["role"] not in METRICS_ROLE_RANK]
    for node in sorted(todo, key=_sort_key(METRICS_ROLE_RANK)):
        host = host_of[node["instance"]]
        while counters[host] in used[host]:
            counters[host] += 1
        node["metrics_port"] = Port(counters[host], "tcp")
        used[host].add(counters[host])
        counters[host] += 1
    return config
