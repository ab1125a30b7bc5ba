"""Property tests (hypothesis): round trips, zeek-client equality, schema/conversion agreement,
normalisation invariants."""
import copy
import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json
from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model import ini_form
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    ClusterConfigError, Configuration, from_dict, from_ini, from_wire, to_ini, to_wire)

from test_cluster_support import from_zc, to_zc, zc_from_wire_json, zc_render

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text the .ini format can carry once we quote it: no line breaks, no surrounding blanks.
AWKWARD = string.ascii_letters + string.digits + " ._-/:%\"'\\#;=[]é"
SAFE = string.ascii_letters + string.digits + "._-/:"  # what zeek-client's naive quoting handles too


def text(alphabet, min_size=0):
    """Text without surrounding blanks (configparser strips values)."""
    return st.text(alphabet=alphabet, min_size=min_size, max_size=10).map(str.strip).filter(
        lambda s: len(s) >= min_size)


def _word(first, rest, max_size=8):
    return st.builds(lambda a, b: a + b, st.sampled_from(first), st.text(alphabet=rest, max_size=max_size))


ports = st.one_of(st.none(), st.integers(1, 65535))
roles = st.sampled_from(["manager", "LOGGER", "Proxy", "worker", "none", "Supervisor::WORKER"])
env_keys = _word(string.ascii_letters + "_", string.ascii_letters + string.digits + "_")
node_names = _word(string.ascii_letters + string.digits, string.ascii_letters + string.digits + "_.-").filter(
    lambda n: n not in ("instances", "DEFAULT"))
instance_names = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=6).map(
    "agent-".__add__)
hosts = st.ip_addresses().map(str)


@st.composite
def configs(draw, alphabet=AWKWARD, options=True, ini=True):
    """Random valid dict-form configurations."""
    names = draw(st.lists(instance_names, min_size=1, max_size=4, unique=True))
    instances = []
    for name in names:
        entry = {"name": name}
        if draw(st.booleans()):
            entry["host"] = draw(hosts)
            entry["port"] = draw(st.integers(1, 65535))
        elif not ini and draw(st.booleans()):
            entry["host"] = draw(hosts)  # .ini cannot carry a host without a port
        instances.append(entry)
    nodes = []
    for name in draw(st.lists(node_names, max_size=8, unique=True)):
        node = {"name": name, "instance": draw(st.sampled_from(names)), "role": draw(roles)}
        for field, strategy in (
                ("port", ports), ("metrics_port", ports),
                ("interface", st.one_of(st.none(), text(alphabet))),
                ("cpu_affinity", st.one_of(st.none(), st.integers(0, 64))),
                ("scripts", st.one_of(st.none(), st.lists(text(alphabet, 1), max_size=3))),
                ("env", st.one_of(st.none(), st.dictionaries(env_keys, text(alphabet), max_size=3)))):
            value = draw(strategy)
            if value is not None:
                node[field] = value
        if options and draw(st.booleans()):
            node["options"] = draw(st.dictionaries(text(string.ascii_letters + ":", 1), text(alphabet),
                                                   max_size=2))
        nodes.append(node)
    return {"instances": instances, "nodes": nodes}


def sorted_scripts(config):
    """What a trip through zeek-client's .ini parser does to a configuration."""
    out = cluster.normalize(config)
    for node in out.nodes:
        if node.scripts:
            node.scripts = sorted(node.scripts)
    return out


@SETTINGS
@given(configs(options=False))
def test_dict_to_ini_to_dict_round_trip(data):
    config = from_dict(data)
    again, warnings = from_ini(to_ini(config))
    assert warnings == []
    assert cluster.normalize(again) == sorted_scripts(config)
    assert to_ini(again) == to_ini(config)


@SETTINGS
@given(configs(alphabet=SAFE, options=False))
def test_ini_rendering_is_byte_equal_to_zeek_client(data):
    config = from_dict(data)
    assert to_ini(config) == zc_render(to_zc(config))


@SETTINGS
@given(configs(ini=False), st.sampled_from([(8, 2), (7, 0), "8.0"]))
def test_wire_round_trip(data, version):
    config = from_dict(data)
    config.id = "prop"
    norm = cluster.normalize(config)
    assert from_wire(to_wire(config, version=version)) == Configuration("prop", norm.instances, norm.nodes)


@SETTINGS
@given(configs(ini=False))
def test_zeek_client_reads_our_wire_json(data):
    config = from_dict(data)
    config.id = "prop"
    theirs = zc_from_wire_json(broker_json.dumps(to_wire(config)))
    norm = cluster.normalize(config)
    assert from_zc(theirs) == Configuration("prop", norm.instances, norm.nodes)


@st.composite
def deployed_from(draw, data):
    """What the controller could report after deploying ``data``: ports and
    metrics ports assigned, connecting instances' hosts filled in, another id,
    everything shuffled."""
    config = from_dict(copy.deepcopy(data))
    have = cluster.normalize(config)
    have.id = "deployed"
    for node in have.nodes:
        if node.port is None and draw(st.booleans()):
            node.port = draw(st.integers(1, 65535))
        if node.metrics_port is None:
            node.metrics_port = draw(st.integers(9000, 9999))
    for inst in have.instances:
        if inst.port is None and draw(st.booleans()):
            inst.host = draw(hosts)
            inst.host = cluster.Instance("x", inst.host).host
    have.nodes = draw(st.permutations(have.nodes))
    have.instances = draw(st.permutations(have.instances))
    return config, have


@SETTINGS
@given(configs().flatmap(deployed_from))
def test_what_the_controller_fills_in_never_differs(pair):
    want, have = pair
    assert not cluster.differs(want, have)
    result = cluster.compare(want, have)
    assert result["changed"] is False and result["diff"]["before"] == result["diff"]["after"]


@SETTINGS
@given(configs().flatmap(deployed_from), st.data())
def test_a_real_change_always_differs(pair, data):
    want, have = pair
    assume(want.nodes)
    node = data.draw(st.sampled_from(want.nodes))
    field = data.draw(st.sampled_from(["interface", "cpu_affinity", "role", "port", "env"]))
    if field == "interface":
        node.interface = (node.interface or "") + "x"
    elif field == "cpu_affinity":
        node.cpu_affinity = (node.cpu_affinity or 0) + 100
    elif field == "role":
        node.role = "PROXY" if node.role != "PROXY" else "LOGGER"
    elif field == "port":
        theirs = next(n for n in have.nodes if n.name == node.name).port
        node.port = 1 if theirs != 1 else 2
    else:
        node.env = dict(node.env, CHANGED="1")
    result = cluster.compare(want, have)
    assert result["changed"] is True
    assert list(result["changes"]["changed_nodes"]) == [node.name]
    assert field in result["changes"]["changed_nodes"][node.name]
    assert result["diff"]["before"] != result["diff"]["after"]


@SETTINGS
@given(configs(), st.randoms())
def test_validate_and_lint_ignore_order(data, rnd):
    config = from_dict(data)
    shuffled = from_dict(copy.deepcopy(data))
    rnd.shuffle(shuffled.nodes)
    rnd.shuffle(shuffled.instances)
    assert cluster.validate(config) == cluster.validate(shuffled)
    assert cluster.validate(config, auto_assign_broker_ports=False) == \
        cluster.validate(shuffled, auto_assign_broker_ports=False)
    assert cluster.lint(config) == cluster.lint(shuffled)
    errors = cluster.validate(config)
    assert errors == sorted(errors, key=lambda e: e.encode("utf-8"))


# Near-valid documents: every field drawn from good and bad values.
anything = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False),
                     st.sampled_from(["", "2200", " 2200 ", "2200/tcp", "x", "worker", "WORKER", "wroker",
                                      "Supervisor::PROXY", "10.0.0.1", "::1", "-3", "eth0", "a=b"]),
                     st.lists(st.sampled_from(["a.zeek", "", 3]), max_size=2),
                     st.dictionaries(st.sampled_from(["A", "B=C", "", "name", "value"]),
                                     st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3)),
                                     max_size=2),
                     st.lists(st.fixed_dictionaries({"name": st.sampled_from(["n", ""]),
                                                     "value": st.sampled_from(["v", 1, None])}), max_size=2))
NODE_KEYS = ["name", "instance", "role", "port", "metrics_port", "interface", "cpu_affinity", "scripts", "env",
             "options", "type"]
INSTANCE_KEYS = ["name", "host", "port", "listen_port"]


@st.composite
def documents(draw):
    """A valid configuration with a few fields replaced, added or removed."""
    doc = draw(configs(ini=False))
    for _round in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "nodes", "instances", "node", "instance"]))
        if where == "top":
            doc[draw(st.sampled_from(["id", "nodes", "instances", "extra"]))] = draw(anything)
        elif where in ("nodes", "instances") and isinstance(doc.get(where), list) and doc[where]:
            doc[where][draw(st.integers(0, len(doc[where]) - 1))] = draw(anything)
        elif isinstance(doc.get(where + "s"), list) and doc[where + "s"]:
            entry = doc[where + "s"][draw(st.integers(0, len(doc[where + "s"]) - 1))]
            if isinstance(entry, dict):
                key = draw(st.sampled_from(NODE_KEYS if where == "node" else INSTANCE_KEYS))
                if draw(st.booleans()) and key in entry:
                    del entry[key]
                else:
                    entry[key] = draw(anything)
    return doc


def _places(doc, path):
    """How from_dict names the place of a schema error at ``path`` ("$.nodes[0].port: ...")."""
    parts = path.lstrip("$").replace("[", ".").replace("]", "").split(".")[1:]
    if len(parts) >= 2 and parts[0] in ("nodes", "instances"):
        index = int(parts[1])
        entry = doc[parts[0]][index]
        name = entry.get("name") if isinstance(entry, dict) else None
        kind = parts[0][:-1]
        if isinstance(name, str) and name:
            return ("%s '%s'" % (kind, name),)
        return ("%ss[%d]" % (kind, index),)
    return ("configuration",)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_conversion_refuses_everything_the_schema_refuses(doc):
    # from_dict is the one validator; SCHEMA (published for editors) must never accept less
    schema_says = cluster.schema_errors(doc)
    try:
        from_dict(copy.deepcopy(doc), default_instance="agent-x")
        converted = True
    except ClusterConfigError as err:
        converted = False
        assert err.messages
        # every place the schema refuses, from_dict names
        for error in schema_says:
            places = _places(doc, error.split(": ", 1)[0])
            assert any(m.startswith(places) for m in err.messages), (error, err.messages)
    if schema_says:
        assert not converted, schema_says


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=string.printable + "\"\"''  \\é\x0b\x1f", max_size=16))
def test_fast_word_splitting_equals_shlex(text_value):
    # from_ini splits scripts and env like zeek-client (shlex) but skips shlex when it can
    import shlex
    try:
        expected = shlex.split(text_value)
    except ValueError:
        expected = ValueError
    try:
        got = ini_form._shell_split(text_value)  # pylint: disable=protected-access
    except ValueError:
        got = ValueError
    assert got == expected
