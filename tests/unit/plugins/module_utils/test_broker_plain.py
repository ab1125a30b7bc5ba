"""broker_json.to_plain: typed values -> plain data a module can return."""
import json

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import broker_json as bj


@pytest.mark.parametrize("typed, plain", [
    (None, None),
    (True, True),
    ("text", "text"),
    (bj.Count(7), 7),
    (bj.Integer(-3), -3),
    (bj.Real(0.25), 0.25),
    (bj.Timespan(90 * 10 ** 9), 90.0),
    (bj.Timespan(1500), 1.5e-06),
    (bj.Timestamp("2024-01-31T12:00:00.000"), "2024-01-31T12:00:00.000"),
    (bj.Port(80, "tcp"), "80/tcp"),
    (bj.Port(0, "?"), "0/?"),
    (bj.Enum("Notice::Tally"), "Notice::Tally"),
    (bj.Address("2001:db8::1"), "2001:db8::1"),
    (bj.Subnet("10.0.0.0/8"), "10.0.0.0/8"),
])
def test_scalars(typed, plain):
    result = bj.to_plain(typed)
    assert result == plain
    assert result.__class__ is plain.__class__


def test_scalar_classes_become_builtin_types():
    # Subclasses (Count, Address, ...) would survive json.dumps, but Ansible's
    # result cleaning and Jinja tests compare on the builtin types.
    assert bj.to_plain(bj.Count(1)).__class__ is int
    assert bj.to_plain(bj.Address("192.0.2.1")).__class__ is str
    assert bj.to_plain(bj.Real(1.0)).__class__ is float


def test_containers_recurse():
    value = bj.Vector([bj.Count(1), bj.Set([bj.Subnet("10.0.0.0/8")]), bj.Vector([bj.Port(53, "udp")])])
    assert bj.to_plain(value) == [1, ["10.0.0.0/8"], ["53/udp"]]


def test_table_with_string_or_int_keys_is_a_dict():
    table = bj.Table([("a", bj.Count(1)), ("b", bj.Set(["x"]))])
    assert bj.to_plain(table) == {"a": 1, "b": ["x"]}
    assert bj.to_plain(bj.Table([(bj.Count(5), "five")])) == {5: "five"}
    assert bj.to_plain(bj.Table([(bj.Subnet("10.0.0.0/8"), "lab")])) == {"10.0.0.0/8": "lab"}


def test_table_with_other_keys_is_a_list_of_pairs():
    table = bj.Table([(bj.Port(22, "tcp"), bj.Timespan(3600 * 10 ** 9)),
                      (bj.Vector([bj.Address("192.0.2.1"), "x"]), True)])
    # A port key renders as text (a str), so that table is a dict; a composite key is not.
    assert bj.to_plain(bj.Table(table[:1])) == {"22/tcp": 3600.0}
    assert bj.to_plain(table) == [["22/tcp", 3600.0], [["192.0.2.1", "x"], True]]


def test_decoded_event_args_are_json_serialisable():
    frame = bj.data_message("t", bj.make_event("E", [bj.Count(1), bj.Timespan(10 ** 9), bj.Set([bj.Port(1, "udp")]),
                                                     bj.Table([(bj.Vector(["a", "b"]), bj.Real(2.0))])]))
    event = bj.as_event(bj.decode_frame(json.dumps(frame)).value)
    plain = bj.to_plain(event.args)
    assert json.loads(json.dumps(plain)) == [1, 1.0, ["1/udp"], [[["a", "b"], 2.0]]]


def test_unknown_python_objects_are_refused():
    with pytest.raises(bj.BrokerJSONError):
        bj.to_plain(object())
