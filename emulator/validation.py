"""``config_validate()`` of ``policy/frameworks/management/controller/main.zeek``.

Every check runs; the messages are returned sorted by ``strcmp`` of their text
(Python's default string order on the same bytes).
"""

BROKER_PORT_ROLES = ("Supervisor::MANAGER", "Supervisor::LOGGER", "Supervisor::PROXY")


def port_text(port):
    """A Zeek port as fmt("%s") renders it: ``5000/tcp``."""
    return "%d/%s" % (port[0], port[1])


def nodes_lacking_broker_ports(config):
    return sorted(n["name"] for n in config["nodes"] if n["role"] in BROKER_PORT_ROLES and n.get("p") is None)


def validate(config, controller_port, auto_assign_broker_ports=True):
    """A sorted list of error messages; empty when the configuration is valid.

    ``controller_port`` is the controller's *Broker* port (default 2150/tcp),
    as ``Management::Controller::network_info()$bound_port``.
    """
    errors = []
    inst_names, node_names = set(), set()
    inst_done, node_done = set(), set()

    for inst in config["instances"]:
        if inst["name"] not in inst_names:
            inst_names.add(inst["name"])
        elif inst["name"] not in inst_done:
            errors.append("multiple instances named '%s'" % inst["name"])
            inst_done.add(inst["name"])

    for node in config["nodes"]:
        if node["name"] not in node_names:
            node_names.add(node["name"])
        elif node["name"] not in node_done:
            errors.append("multiple nodes named '%s'" % node["name"])
            node_done.add(node["name"])

    both = inst_names & node_names
    if both:
        errors.append("node and instance names collide: %s" % ", ".join(sorted(both)))

    for node in config["nodes"]:
        if node["instance"] not in inst_names:
            errors.append("node '%s' has undeclared instance name '%s'" % (node["name"], node["instance"]))

    inst_ports = {}
    for inst in config["instances"]:
        if inst.get("listen_port") is not None:
            inst_ports.setdefault(inst["name"], set()).add(tuple(inst["listen_port"]))

    node_ports, node_ports_done = {}, {}
    for node in config["nodes"]:
        used = node_ports.setdefault(node["instance"], set())
        done = node_ports_done.setdefault(node["instance"], set())
        if node.get("p") is None:
            continue
        port = tuple(node["p"])
        if port in inst_ports.get(node["instance"], ()):
            errors.append("node '%s' port %s conflicts with agent port on instance '%s'"
                          % (node["name"], port_text(port), node["instance"]))
        if controller_port is not None and port == tuple(controller_port):
            errors.append("node '%s' port %s conflicts with controller port" % (node["name"], port_text(port)))
        if port not in used:
            used.add(port)
        elif port not in done:
            errors.append("multiple nodes on instance '%s' using port %s" % (node["instance"], port_text(port)))
            done.add(port)

    if not auto_assign_broker_ports:
        lacking = nodes_lacking_broker_ports(config)
        if lacking:
            errors.append("Broker port auto-assignment disabled but nodes %s lack ports" % ", ".join(lacking))

    return sorted(errors, key=lambda text: text.encode("utf-8"))
