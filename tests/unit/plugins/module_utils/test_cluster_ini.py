"""cluster.from_ini / to_ini against zeek-client 1.5.0's own parser and renderer."""
import configparser
import logging

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
    ClusterConfigError, Configuration, Instance, Node, from_ini, to_ini)

from test_cluster_support import HOST_INSTANCE, fixture, from_zc, to_zc, zc_parse, zc_render

FIXTURES = ["seed-full-featured.ini", "multi-host.ini", "instance-local.ini", "deployed.ini"]


# ---------------------------------------------------------------------------
# Byte equality with zeek-client get-config
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_renders_byte_equal_to_zeek_client(name):
    text = fixture(name)
    ours, _warnings = from_ini(text, default_instance=HOST_INSTANCE)
    theirs = zc_parse(text)
    assert theirs is not None
    assert to_ini(ours) == zc_render(theirs)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_parses_to_the_same_configuration_as_zeek_client(name):
    text = fixture(name)
    ours, _warnings = from_ini(text, default_instance=HOST_INSTANCE)
    theirs = from_zc(zc_parse(text))
    assert cluster.normalize(ours) == cluster.normalize(theirs)
    assert not cluster.differs(ours, theirs)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_round_trips(name):
    ours, _warnings = from_ini(fixture(name), default_instance=HOST_INSTANCE)
    again, warnings = from_ini(to_ini(ours))
    assert warnings == []
    assert cluster.normalize(again) == cluster.normalize(ours)
    assert to_ini(again) == to_ini(ours)


def test_multi_host_fixture_fields():
    config, warnings = from_ini(fixture("multi-host.ini"))
    assert warnings == ['node "logger-01": ignoring unexpected keys: type']
    assert [(i.name, i.host, i.port) for i in config.instances] == [
        ("agent-edge", "10.0.0.2", 2151), ("agent-v6", "2001:db8::7", 2152),
        ("agent-v6-bare", "::1", 2153), ("agent-local", None, None)]
    manager = config.node("manager")
    assert manager.role == "MANAGER" and manager.port == 2200 and manager.metrics_port == 9100
    assert manager.env == {"ZEEK_DEFAULT_CONNECT_RETRY": "30", "GREETING": "hello world", "EMPTY": ""}
    assert manager.scripts == ["policy/tuning/json-logs", "site/manager-extras.zeek"]  # sorted, as zeek-client
    worker = config.node("worker-01")
    assert worker.cpu_affinity == 2 and worker.interface == "eth0" and worker.metrics_port == 9200
    assert worker.scripts == ["local.zeek", "policy/misc/loaded-scripts", "site/capture tuning.zeek"]
    assert worker.env == {"PCAP_FILTER": "not port 22", "BUFFER": "128"}
    assert config.node("logger-01").role == "LOGGER"  # via the type alias
    assert config.id is None


def test_multi_host_rendering_text():
    config, _warnings = from_ini(fixture("multi-host.ini"))
    text = to_ini(config)
    assert text.startswith("[instances]\nagent-edge = 10.0.0.2:2151\nagent-local\n"
                           "agent-v6 = 2001:db8::7:2152\nagent-v6-bare = ::1:2153\n\n[logger-01]\n")
    assert ('[worker-01]\ninstance = agent-edge\nrole = WORKER\n'
            'scripts = local.zeek policy/misc/loaded-scripts "site/capture tuning.zeek"\n'
            'interface = eth0\ncpu_affinity = 2\nenv = BUFFER=128 PCAP_FILTER="not port 22"\n'
            'metrics_port = 9200\n\n') in text
    assert text.endswith("\n\n")


BUILT = [
    Configuration(),
    Configuration("id-1", [Instance("agent-a")], []),
    Configuration("id-2", [Instance("agent-b", "10.1.2.3", 2151), Instance("agent-a")], [
        Node("worker-2", "agent-a", "worker", interface="eth1"),
        Node("manager", "agent-b", "manager", port=5000, metrics_port=9000),
        Node("worker-1", "agent-a", "worker", interface="", cpu_affinity=-1,
             scripts=["z.zeek", "a b.zeek", "m.zeek"], env={"B": "two words", "A": "1", "C": ""}),
        Node("proxy", "agent-b", "PROXY", options={"Site::local_nets": "10.0.0.0/8"}),
    ]),
    # Upper-case instance names: configparser lower-cases the [instances] keys.
    Configuration(None, [Instance("Agent-Upper"), Instance("agent-v6", "2001:DB8:0:0::1", 1)], [
        Node("logger", "Agent-Upper", "logger", port=65535),
        Node("none-node", "agent-v6", "none"),
    ]),
    # A node named like the special section replaces it, as in zeek-client.
    Configuration(None, [Instance("a")], [Node("instances", "a", "worker")]),
]


@pytest.mark.parametrize("config", BUILT)
def test_built_configuration_renders_byte_equal_to_zeek_client(config):
    assert to_ini(config) == zc_render(to_zc(config))


def test_empty_configuration_renders_empty():
    assert to_ini(Configuration()) == ""


def test_instance_names_are_lower_cased_like_configparser():
    text = to_ini(BUILT[3])
    assert text.startswith("[instances]\nagent-upper\nagent-v6 = 2001:db8::1:1\n\n")
    assert "instance = Agent-Upper\n" in text


# ---------------------------------------------------------------------------
# zeek-client's parse rules and messages
# ---------------------------------------------------------------------------


def _zc_errors(text, caplog):
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="zeekclient"):
        result = zc_parse(text)
    return result, [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _zc_warnings(text, caplog):
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="zeekclient"):
        zc_parse(text)
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def _our_errors(text, **kwargs):
    with pytest.raises(ClusterConfigError) as info:
        from_ini(text, **kwargs)
    return info.value.messages


SAME_ERRORS = [
    ("[instances]\na\n[m]\ninstance = a\nrole = manager\n[w]\nrole = worker\n",
     "either all or no nodes must state instances"),
    ("[instances]\na\n[m]\nrole = manager\n",
     "omit instances section when skipping instances in node definitions"),
    ("[w]\ninstance = a\nrole = worker\nport = 2200/tcp\n",
     'invalid node "w" configuration: cannot convert "w.port" value "2200/tcp" to int'),
    ("[w]\ninstance = a\nrole = worker\nport =\n",
     'invalid node "w" configuration: cannot convert "w.port" value "" to int'),
    ("[w]\ninstance = a\nrole = worker\nport = 70000\n",
     'invalid node "w" configuration: port 70000 outside valid range'),
    ("[w]\ninstance = a\nrole = worker\nport = 0\n",
     'invalid node "w" configuration: port 0 outside valid range'),
    ("[w]\ninstance = a\nrole = worker\ncpu_affinity = two\n",
     'invalid node "w" configuration: cannot convert "w.cpu_affinity" value "two" to int'),
    ("[w]\ninstance = a\nrole = worker\nmetrics_port = 9k\n",
     'invalid node "w" configuration: cannot convert "w.metrics_port" value "9k" to int'),
    ("[w]\ninstance = a\ninterface = eth0\n",
     'invalid node "w" configuration: node requires a role'),
    ("[w]\ninstance = a\nrole =\n",
     'invalid node "w" configuration: node requires a role'),
    ("[w]\ninstance = a\nrole = worker\nenv = NOVALUE\n",
     'invalid node "w" configuration: env value "NOVALUE" is invalid'),
    ("[w]\ninstance = a\nrole = worker\nscripts = \"unterminated.zeek\n",
     'invalid node "w" configuration: No closing quotation'),
    ("[instances]\na = 10.0.0.1:\n[w]\ninstance = a\nrole = worker\n",
     'invalid spec for instance "a": "10.0.0.1:" should be <host>:<port>'),
    ("[instances]\na = :2151\n[w]\ninstance = a\nrole = worker\n",
     'invalid spec for instance "a": ":2151" should be <host>:<port>'),
    # [DEFAULT] keys leak into [instances]: "interface" becomes an instance.
    ("[DEFAULT]\ninterface = eth0\n[instances]\na\n[w]\ninstance = a\nrole = worker\n",
     'invalid spec for instance "interface": "eth0" should be <host>:<port>'),
]


@pytest.mark.parametrize("text,message", SAME_ERRORS)
def test_errors_worded_like_zeek_client(text, message, caplog):
    result, zc_messages = _zc_errors(text, caplog)
    assert result is None
    assert message in zc_messages  # the referee says it
    assert message in _our_errors(text, default_instance="agent-x")  # and so do we


def test_bad_role_names_the_valid_roles(caplog):
    text = "[w]\ninstance = a\nrole = wroker\n"
    _result, zc_messages = _zc_errors(text, caplog)
    assert zc_messages == ['invalid node "w" configuration: role "wroker" is invalid']
    ours = _our_errors(text)
    assert ours == ['invalid node "w" configuration: role "wroker" is invalid '
                    "(valid roles: manager, logger, proxy, worker, none) (did you mean 'worker'?)"]
    assert ours[0].startswith(zc_messages[0])


def test_inline_comments_are_values():
    messages = _our_errors("[m]\ninstance = a\nrole = manager # the boss\n")
    assert messages[0].startswith('invalid node "m" configuration: role "manager # the boss" is invalid')


def test_every_node_error_is_collected_not_just_the_first():
    messages = _our_errors("[a]\ninstance = i\nrole = x\n[b]\ninstance = i\nrole = worker\nport = p\n")
    assert len(messages) == 2
    assert messages[1] == 'invalid node "b" configuration: cannot convert "b.port" value "p" to int'


def test_metrics_port_range_message_names_the_metrics_port(caplog):
    text = "[w]\ninstance = a\nrole = worker\nmetrics_port = 0\n"
    _result, zc_messages = _zc_errors(text, caplog)
    # zeek-client prints the Broker port by mistake; we print the metrics port.
    assert zc_messages == ['invalid node "w" configuration: metrics port None outside valid range']
    assert _our_errors(text) == ['invalid node "w" configuration: metrics port 0 outside valid range']


def test_percent_needs_doubling():
    text = "[w]\ninstance = a\nrole = worker\nenv = LOAD=100%\n"
    with pytest.raises(configparser.InterpolationSyntaxError):
        zc_parse(text)
    messages = _our_errors(text)
    assert len(messages) == 1
    assert messages[0].startswith('section "w": key "env": ')
    assert messages[0].endswith("(write %% for a literal %)")
    config, _warnings = from_ini("[w]\ninstance = a\nrole = worker\nenv = LOAD=100%%\n")
    assert config.node("w").env == {"LOAD": "100%"}


def test_percent_interpolation_references_other_keys():
    config, _warnings = from_ini("[w]\ninstance = a\nrole = worker\nnic = eth3\ninterface = %(nic)s\n")
    assert config.node("w").interface == "eth3"


def test_default_section_leaks_into_every_node(caplog):
    text = "[DEFAULT]\ninstance = agent-a\nrole = worker\n[w1]\ninterface = eth0\n[w2]\nrole = proxy\n"
    config, warnings = from_ini(text)
    assert [(n.name, n.instance, n.role) for n in config.nodes] == [
        ("w1", "agent-a", "WORKER"), ("w2", "agent-a", "PROXY")]
    assert warnings == ["[DEFAULT] keys apply to every section, [instances] included: instance, role"]
    assert to_ini(config) == zc_render(zc_parse(text))


def test_instance_keys_are_lower_cased_and_node_values_are_not():
    text = "[instances]\nAgent-X\n[w]\ninstance = Agent-X\nrole = worker\ninterface = eth0\n"
    config, warnings = from_ini(text)
    assert [i.name for i in config.instances] == ["agent-x"]
    assert config.node("w").instance == "Agent-X"
    assert warnings == ['node "w": instance "Agent-X" is declared as "agent-x": configparser lower-cases '
                        '[instances] names, write the instance name in lower case']
    assert cluster.validate(config) == ["node 'w' has undeclared instance name 'Agent-X'"]
    assert to_ini(config) == zc_render(zc_parse(text))


def test_state_and_unknown_keys_are_warned_about(caplog):
    text = "[w]\ninstance = a\nrole = worker\nstate = running\ninterfce = eth0\n"
    config, warnings = from_ini(text)
    assert warnings == ['ignoring node "w" state "running" in configuration',
                        'node "w": ignoring unexpected keys: interfce, state']
    assert config.node("w").interface is None
    assert _zc_warnings(text, caplog) == ['ignoring node "w" state "running" in configuration',
                                          "ignoring unexpected keys: interfce, state"]


def test_value_less_keys_in_nodes_are_absent():
    config, _warnings = from_ini("[w]\ninstance = a\nrole = worker\nport\ninterface\n")
    assert config.node("w").port is None and config.node("w").interface is None


def test_empty_interface_is_kept_like_zeek_client():
    text = "[w]\ninstance = a\nrole = worker\ninterface =\n"
    config, _warnings = from_ini(text)
    assert config.node("w").interface == ""
    assert to_ini(config) == zc_render(zc_parse(text))


def test_instance_local_simplification():
    config, _warnings = from_ini(fixture("instance-local.ini"), default_instance="agent-testbox")
    assert [i.key() for i in config.instances] == [("agent-testbox", None, None)]
    assert set(n.instance for n in config.nodes) == {"agent-testbox"}


def test_instance_local_needs_a_default_instance():
    messages = _our_errors(fixture("instance-local.ini"))
    assert messages == ["nodes logger, manager, worker-01 do not state an instance and no default instance "
                        "was given (zeek-client uses agent-<hostname of the agent's machine>)"]


def test_empty_instance_value_takes_the_default_like_zeek_client():
    text = "[instances]\n%s\n[w]\ninstance =\nrole = worker\n" % HOST_INSTANCE.lower()
    config, _warnings = from_ini(text, default_instance=HOST_INSTANCE.lower())
    assert config.node("w").instance == HOST_INSTANCE.lower()


def test_instances_are_synthesized_when_the_section_is_missing():
    config, _warnings = from_ini("[w]\ninstance = b\nrole = worker\n[m]\ninstance = a\nrole = manager\n")
    assert [i.key() for i in config.instances] == [("a", None, None), ("b", None, None)]


def test_instance_host_must_be_an_ip_address():
    text = "[instances]\na = ctl.example.org:2151\n[w]\ninstance = a\nrole = worker\n"
    with pytest.raises(ValueError):  # zeek-client: a traceback
        zc_parse(text)
    assert _our_errors(text) == ['invalid spec for instance "a": "ctl.example.org" is not an IP address '
                                 '(hostnames are not supported)']


def test_instance_port_must_be_a_port_number():
    text = "[instances]\na = 10.0.0.1:abc\n[w]\ninstance = a\nrole = worker\n"
    assert zc_parse(text).instances[0].port == "abc"  # zeek-client keeps it and fails later
    assert _our_errors(text) == ['invalid spec for instance "a": port "abc" is not a number from 1 to 65535']


def test_duplicate_sections_are_refused():
    messages = _our_errors("[w]\ninstance = a\nrole = worker\n[w]\ninstance = a\nrole = worker\n")
    assert len(messages) == 1
    assert messages[0].startswith("cannot read the configuration: ")
    assert "section 'w' already exists" in messages[0]


def test_bytes_input_is_read_as_utf8():
    config, _warnings = from_ini("[wörker]\ninstance = a\nrole = worker\n".encode("utf-8"))
    assert config.nodes[0].name == "wörker"


# ---------------------------------------------------------------------------
# Where we deliberately write what zeek-client cannot read back
# ---------------------------------------------------------------------------


def test_percent_is_escaped_so_the_file_reads_back():
    config = Configuration(None, [Instance("a")], [
        Node("w", "a", "worker", interface="eth0", env={"LOAD": "100%"}, scripts=["50%.zeek"])])
    text = to_ini(config)
    assert "env = LOAD=100%%\n" in text and "scripts = 50%%.zeek\n" in text
    with pytest.raises(ValueError):  # zeek-client's ConfigParser.set refuses a lone %
        zc_render(to_zc(config))
    again, _warnings = from_ini(text)
    assert again.node("w").env == {"LOAD": "100%"} and again.node("w").scripts == ["50%.zeek"]


@pytest.mark.parametrize("value", ["it's", 'say "hi"', " leading", "trailing ", "back\\slash", "",
                                   "tab\there"])
def test_awkward_env_values_and_scripts_are_quoted_so_they_read_back(value):
    config = Configuration(None, [Instance("a")], [
        Node("w", "a", "worker", env={"V": value}, scripts=[value or "x", "plain.zeek"])])
    again, _warnings = from_ini(to_ini(config))
    assert again.node("w").env == {"V": value}
    assert again.node("w").scripts == sorted([value or "x", "plain.zeek"])


def test_simple_values_match_zeek_client_quoting_exactly():
    config = Configuration(None, [Instance("a")], [
        Node("w", "a", "worker", env={"A": "x y z", "B": "plain"}, scripts=["a b.zeek", "c.zeek"])])
    text = to_ini(config)
    assert 'env = A="x y z" B=plain\n' in text and 'scripts = "a b.zeek" c.zeek\n' in text
    assert text == zc_render(to_zc(config))


def test_multiline_values_use_continuation_lines_like_configparser():
    config = Configuration(None, [Instance("a")], [Node("w", "a", "worker", interface="eth0\neth1")])
    text = to_ini(config)
    assert "interface = eth0\n\teth1\n" in text
    assert text == zc_render(to_zc(config))
    assert from_ini(text)[0].node("w").interface == "eth0\neth1"


# ---------------------------------------------------------------------------
# The --diff rendering
# ---------------------------------------------------------------------------


def test_display_rendering_keeps_script_order_case_and_options():
    config = Configuration(None, [Instance("Agent-A")], [
        Node("w", "Agent-A", "worker", scripts=["z.zeek", "a.zeek"], options={"x": "1"})])
    exact = to_ini(config)
    shown = to_ini(config, display=True)
    assert "scripts = a.zeek z.zeek\n" in exact and "options" not in exact and "agent-a\n" in exact
    assert "scripts = z.zeek a.zeek\n" in shown and "options = x=1\n" in shown and "[instances]\nAgent-A\n" in shown
