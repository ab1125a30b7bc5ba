"""runtime_options: type resolution, conversion, Zeek's interval text, and the comparison
that makes netsec.zeek.option idempotent."""
import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj
from ansible_collections.netsec.zeek.plugins.module_utils import runtime_options as ro


# -- Zeek's interval text (IntervalVal::ValDescribe) --------------------------------

@pytest.mark.parametrize("seconds, text", [
    (0, "0 secs"),
    (1, "1.0 sec"),
    (10, "10.0 secs"),
    (62, "1.0 min 2.0 secs"),
    (150, "2.0 mins 30.0 secs"),
    (3600, "1.0 hr"),
    (86400, "1.0 day"),
    (90061, "1.0 day 1.0 hr 1.0 min 1.0 sec"),
    (0.01, "10.0 msecs"),
    (0.0000015, "1.5 usecs"),
    (-90, "-1.0 min -30.0 secs"),
])
def test_interval_text_both_ways(seconds, text):
    nanoseconds = int(round(seconds * 1e9))
    assert ro.render_interval(nanoseconds) == text
    assert ro.parse_interval_text(text) == nanoseconds


@pytest.mark.parametrize("text", ["1 hour", "1.0hr", "30s", "", "1.0 hr ", "1.0 hrs 2", "abc", "1.0 fortnight"])
def test_not_interval_text(text):
    assert not ro.is_interval_text(text)
    with pytest.raises(ValueError):
        ro.parse_interval_text(text)


def test_interval_text_with_exponent():
    assert ro.parse_interval_text("1.23457e+06 days") == int(1.23457e6 * 86400 * 1e9)


# -- type resolution --------------------------------------------------------------

def test_hint_wins_over_the_table_and_the_value():
    assert ro.resolve_type("Site::local_nets", "set[string]", ["10.0.0.0/8"]) == ("set[string]", "hint")


def test_known_options_come_from_zeeks_scripts():
    assert ro.resolve_type("Site::local_nets") == ("set[subnet]", "known")
    assert ro.resolve_type("Weird::sampling_threshold", reported=25) == ("count", "known")
    assert ro.resolve_type("NetControl::default_priority", reported=0) == ("int", "known")
    assert ro.resolve_type("X509::caching_required_encounters_interval") == ("interval", "known")
    assert "Log::default_rotation_interval" not in ro.KNOWN_OPTIONS
    for type_text in ro.KNOWN_OPTIONS.values():
        bj.parse_type(type_text)  # every entry parses


@pytest.mark.parametrize("reported, inferred", [
    (True, "bool"),
    (False, "bool"),
    (0.1, "double"),
    ({"port": 22, "proto": "tcp"}, "port"),
    ("1.0 hr", "interval"),
    ("2.0 mins 30.0 secs", "interval"),
    ("0 secs", "interval"),
    ("Zeek <zeek@localhost>", "string"),
    ("", "string"),
])
def test_inferred_from_the_reported_value(reported, inferred):
    assert ro.resolve_type("My::opt", None, reported) == (inferred, "reported")


@pytest.mark.parametrize("reported, words", [
    (25, "count or an int"),
    (-1, "count or an int"),
    ([], "set or vector"),
    (["a"], "set or vector"),
    ({}, "table"),
    ({"a": 1}, "table"),
    ("192.0.2.1", "addr, a subnet or a string"),
    ("10.0.0.0/8", "addr, a subnet or a string"),
    ("Notice::Tally", "enum or a string"),
    (None, "no usable value"),
])
def test_ambiguous_values_need_the_hint(reported, words):
    with pytest.raises(ro.OptionError) as err:
        ro.resolve_type("My::opt", None, reported)
    assert words in str(err.value) and "set type" in str(err.value)


def test_unknown_option_without_values_needs_the_hint():
    with pytest.raises(ro.OptionError, match="set type"):
        ro.resolve_type("My::opt")


def test_known_type_warning():
    assert ro.known_type_warning("Weird::sampling_threshold", "int").startswith("type int for Weird::sampling_threshold")
    assert ro.known_type_warning("Weird::sampling_threshold", "count") is None
    assert ro.known_type_warning("My::opt", "int") is None
    assert ro.known_type_warning("Site::local_nets", None) is None


def test_records_and_any_are_refused():
    with pytest.raises(ro.OptionError, match="type any"):
        ro.zeek_type("any", "My::opt")
    with pytest.raises(ro.OptionError, match="unsupported Zeek type"):
        ro.zeek_type("set[pattern]", "My::opt")


# -- conversion -------------------------------------------------------------------

@pytest.mark.parametrize("type_text, value, wire", [
    ("count", 30, {"@data-type": "count", "data": 30}),
    ("count", "30", {"@data-type": "count", "data": 30}),
    ("int", -5, {"@data-type": "integer", "data": -5}),
    ("double", 0.25, {"@data-type": "real", "data": 0.25}),
    ("double", 1, {"@data-type": "real", "data": 1.0}),
    ("bool", "yes", {"@data-type": "boolean", "data": True}),
    ("interval", "2 mins", {"@data-type": "timespan", "data": "120s"}),
    ("interval", "10min", {"@data-type": "timespan", "data": "600s"}),
    ("interval", 1.5, {"@data-type": "timespan", "data": "1500ms"}),
    ("port", "53/udp", {"@data-type": "port", "data": "53/udp"}),
    ("port", 22, {"@data-type": "port", "data": "22/tcp"}),
    ("addr", "2001:DB8:0::1", {"@data-type": "address", "data": "2001:db8::1"}),
    ("subnet", "10.1.2.3/8", {"@data-type": "subnet", "data": "10.0.0.0/8"}),
    ("set[subnet]", ["10.0.0.0/8", "10.0.0.0/8"],
     {"@data-type": "set", "data": [{"@data-type": "subnet", "data": "10.0.0.0/8"}]}),
    ("vector of port", ["1/udp"], {"@data-type": "vector", "data": [{"@data-type": "port", "data": "1/udp"}]}),
    ("table[string] of count", {"a": 1}, {"@data-type": "table", "data": [
        {"key": {"@data-type": "string", "data": "a"}, "value": {"@data-type": "count", "data": 1}}]}),
])
def test_convert_to_the_broker_type(type_text, value, wire):
    typed = ro.convert("My::opt", ro.zeek_type(type_text, "My::opt"), value)
    assert bj.to_json(typed) == wire


@pytest.mark.parametrize("type_text, value, words", [
    ("count", -1, "count cannot be negative"),
    ("count", "many", "Give a whole number >= 0"),
    ("int", 1.5, "Give a whole number, for example -5"),
    ("interval", "soon", "'30 secs'"),
    ("port", "70000/tcp", "port such as 22/tcp"),
    ("set[subnet]", ["10.0.0.0/8", "lab"], "at $[1]"),
    ("set[subnet]", "10.0.0.0/8", "needs a list"),
    ("table[subnet] of set[string]", {"10.0.0.0/8": "alice"}, "keys: a subnet"),
    ("bool", None, "value is missing"),
])
def test_convert_errors_name_the_option_and_the_fix(type_text, value, words):
    with pytest.raises(ro.OptionError) as err:
        ro.convert("My::opt", ro.zeek_type(type_text, "My::opt"), value)
    assert str(err.value).startswith("option My::opt")
    assert words in str(err.value)


# -- comparison ---------------------------------------------------------------------

def same(type_text, value, reported):
    ztype = ro.zeek_type(type_text, "My::opt")
    return ro.canonical_desired(ztype, ro.convert("My::opt", ztype, value)) == ro.canonical_reported(ztype, reported)


@pytest.mark.parametrize("type_text, value, reported", [
    ("count", 30, 30),
    ("int", -2, -2),
    ("double", 0.1, 0.1),
    ("double", 5, 5.0),
    ("bool", False, False),
    ("string", "x", "x"),
    ("interval", "62 secs", "1.0 min 2.0 secs"),
    ("interval", 3600, "1.0 hr"),
    ("interval", "1.5 hrs", "1.0 hr 30.0 mins"),
    ("interval", "0.0000015", "1.5 usecs"),
    ("port", "22", {"port": 22, "proto": "tcp"}),
    ("addr", "2001:db8:0:0::1", "2001:db8::1"),
    ("subnet", "10.1.2.3/8", "10.0.0.0/8"),
    ("set[subnet]", ["192.168.0.0/16", "10.0.0.0/8"], ["10.0.0.0/8", "192.168.0.0/16"]),
    ("set[subnet]", [], []),
    ("set[port]", ["53/udp", 22], [{"port": 22, "proto": "tcp"}, {"port": 53, "proto": "udp"}]),
    ("set[addr, port]", [["192.0.2.1", "53/udp"]], [["192.0.2.1", {"port": 53, "proto": "udp"}]]),
    ("vector of string", ["a", "b"], ["a", "b"]),
    ("table[string] of count", {"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ("table[subnet] of set[string]", {"10.0.0.0/8": ["bob", "alice"]}, {"10.0.0.0/8": ["alice", "bob"]}),
    ("table[port] of interval", {"22/tcp": "1 hr"}, {'{"port":22,"proto":"tcp"}': "1.0 hr"}),
    ("table[count] of string", {3: "x"}, {"3": "x"}),
    ("set[Notice::Type]", ["Weird::Activity"], ["Weird::Activity"]),
])
def test_equal_values(type_text, value, reported):
    assert same(type_text, value, reported)


@pytest.mark.parametrize("type_text, value, reported", [
    ("count", 30, 25),
    ("double", 0.1, 0.2),
    ("interval", "62 secs", "1.0 min"),
    ("interval", "1 sec", "1.0 sec 2.0 usecs"),
    ("port", "22/udp", {"port": 22, "proto": "tcp"}),
    ("set[subnet]", ["10.0.0.0/8"], []),
    ("set[subnet]", ["10.0.0.0/8"], ["10.0.0.0/8", "192.168.0.0/16"]),
    ("vector of string", ["a", "b"], ["b", "a"]),
    ("table[string] of count", {"a": 1}, {"a": 2}),
    ("table[string] of count", {"a": 1}, {"a": 1, "b": 1}),
])
def test_different_values(type_text, value, reported):
    assert not same(type_text, value, reported)


@pytest.mark.parametrize("type_text, reported", [
    ("count", True), ("count", -1), ("count", "25"), ("bool", 0), ("interval", 3600.0), ("interval", "1 hour"),
    ("port", 22), ("addr", "host"), ("subnet", 5), ("set[subnet]", "10.0.0.0/8"), ("set[subnet]", ["lab"]),
    ("table[string] of count", []), ("string", 1),
])
def test_reported_values_of_another_type_are_refused(type_text, reported):
    with pytest.raises((ValueError, TypeError)):
        ro.canonical_reported(ro.zeek_type(type_text, "My::opt"), reported)


def test_render_is_what_the_nodes_will_report():
    def rendered(type_text, value):
        ztype = ro.zeek_type(type_text, "My::opt")
        return ro.render(ztype, ro.convert("My::opt", ztype, value))
    assert rendered("interval", "150 secs") == "2.0 mins 30.0 secs"
    assert rendered("port", "53/udp") == {"port": 53, "proto": "udp"}
    assert rendered("set[subnet]", ["192.168.0.0/16", "10.0.0.0/8"]) == ["10.0.0.0/8", "192.168.0.0/16"]
    assert rendered("table[port] of interval", {"22/tcp": 7200}) == {'{"port":22,"proto":"tcp"}': "2.0 hrs"}
    assert rendered("table[subnet] of set[string]", {"10.0.0.0/8": ["b", "a"]}) == {"10.0.0.0/8": ["a", "b"]}


# -- planning one option ------------------------------------------------------------

def test_plan_names_the_nodes_that_differ():
    plan = ro.plan("Site::local_nets", ["10.0.0.0/8"], reported={"worker-01": [], "manager": ["10.0.0.0/8"]})
    assert plan.type_text == "set[subnet]" and plan.type_source == "known"
    assert plan.changed and plan.differing == ["worker-01"]
    assert plan.before() == {"manager": ["10.0.0.0/8"], "worker-01": []}
    assert plan.after() == {"manager": ["10.0.0.0/8"], "worker-01": ["10.0.0.0/8"]}


def test_plan_is_unchanged_when_every_node_has_the_value():
    plan = ro.plan("X509::caching_required_encounters_interval", "62 secs",
                   reported={"manager": "1.0 min 2.0 secs", "worker-01": "1.0 min 2.0 secs"})
    assert not plan.changed and plan.differing == []


def test_plan_infers_from_the_nodes():
    plan = ro.plan("My::flag", True, reported={"manager": False})
    assert (plan.type_text, plan.type_source, plan.changed) == ("bool", "reported", True)


def test_plan_refuses_a_type_the_nodes_contradict():
    with pytest.raises(ro.OptionError) as err:
        ro.plan("My::opt", 5, hint="count", reported={"manager": "1.0 hr"})
    assert 'My::opt on manager is "1.0 hr", which is not a count' in str(err.value)
    assert "fix type" in str(err.value)


def test_plan_refuses_known_constants_before_anything_is_sent():
    with pytest.raises(ro.OptionError) as err:
        ro.plan("Log::default_rotation_interval", "2 hrs", reported={"logger": "1.0 hr"})
    assert str(err.value).startswith("ID 'Log::default_rotation_interval' is not an option")
    assert "redeploy" in str(err.value)
