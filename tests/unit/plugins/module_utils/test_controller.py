"""The controller client (controller.py).

Answers a real controller gives are exercised against the emulator, over a real
loopback WebSocket. Answers no controller gives (wrong shapes, broken records,
someone else's request id) come from a fake session: the only way to reach them.
"""
import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    Address,
    Count,
    Enum,
    Integer,
    DataMessage,
    Port,
    Vector,
    as_event,
    make_event,
)
from ansible_collections.netsec.zeek.plugins.module_utils.controller import (
    API,
    CONTROLLER_TOPIC,
    Controller,
    ControllerError,
    ProtocolError,
)
from ansible_collections.netsec.zeek.plugins.module_utils.transport import TransportError
from emulator.process import EmulatorProcess

AGENT = "agent-unit"


# -- against the emulator --------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator():
    with EmulatorProcess("--interfaces", "lo,eth0", "--node-start-delay", "0.05", agents=[AGENT]) as emu:
        yield emu


@pytest.mark.emulator
def test_every_request_pair_against_the_emulator(emulator):
    want = cluster.from_dict({"nodes": [
        {"name": "manager", "instance": AGENT, "role": "manager"},
        {"name": "worker-01", "instance": AGENT, "role": "worker", "interface": "eth0"},
    ]})
    want.id = "unit-1"
    with Controller(port=emulator.port, timeout=10) as controller:
        assert controller.get_instances() == [{"name": AGENT, "host": "127.0.0.1"}]
        with pytest.raises(ControllerError, match="no deployed configuration available"):
            controller.get_configuration(deployed=True)
        assert controller.stage_configuration(cluster.to_wire(want)) == "unit-1"
        staged = controller.get_configuration(deployed=False)
        assert isinstance(staged, Vector) and cluster.from_wire(staged).id == "unit-1"
        outcome = controller.deploy()
        assert outcome["success"] and outcome["config_id"] == "unit-1" and outcome["errors"] == []
        assert cluster.from_wire(controller.get_configuration(deployed=True)).id == "unit-1"
        nodes = controller.get_nodes()
        assert nodes["errors"] == [] and set(nodes["instances"][AGENT]) >= {"manager", "worker-01"}
        assert nodes["instances"][AGENT]["worker-01"]["cluster_role"] == "WORKER"
        values = controller.get_id_value("Cluster::node", ["manager"])
        assert values == {"values": {"manager": "manager"}, "errors": []}
        unknown = controller.restart(["no-such-node"])
        assert unknown["errors"] == [{"source": "no-such-node", "error": "unknown cluster node"}]
        assert controller.restart(["worker-01"]) == {"nodes": {"worker-01": True}, "errors": []}
    # Requests were matched on their own ids: one request line per call, nothing repeated.
    names = [r.name for r in emulator.requests()]
    assert names.count("deploy_request") == 1 and names.count("restart_request") == 2


# -- answers no controller gives: a fake session ----------------------------------------


class FakeSession(object):
    """Answers each published request with the frames ``answer(request_name, reqid)`` returns."""

    def __init__(self, answer):
        self.answer = answer
        self.published = []
        self.pending = []

    def publish(self, topic, value):
        event = as_event(value)
        self.published.append((topic, event.name))
        self.pending = list(self.answer(event.name[len(API):], event.args[0]))

    def receive_until(self, predicate, timeout=None):
        for message in self.pending:
            if predicate(message):
                return message
        raise TransportError("timeout", "no response within %ss" % timeout)


def response(name, *args):
    return DataMessage(CONTROLLER_TOPIC, make_event(API + name, list(args)))


def result(reqid="r", success=True, instance=None, data=None, error=None, node=None):
    return Vector([reqid, success, instance, data, error, node])


def answering(response_name, value):
    """A fake session answering every request with ``response_name(reqid, value)``."""
    return FakeSession(lambda _request, reqid: [response(response_name, reqid, value)])


def status(node, state="Management::RUNNING", pid=None, port=None):
    return Vector([node, Enum(state), Enum("Management::NONE"), Enum("Supervisor::WORKER"), pid, port, None])


@pytest.mark.fake_session
@pytest.mark.parametrize("call, response_name, value, error, words", [
    ("get_instances", "get_instances_response", result(data="not a vector"), ProtocolError,
     "result lacks the instance list"),
    ("get_instances", "get_instances_response", result(data=Vector(["x"])), ProtocolError,
     "get_instances_response: "),
    ("get_instances", "get_instances_response", "no record", ProtocolError, "get_instances_response: "),
    ("get_instances", "get_instances_response", result(success=False), ControllerError, "no reason given"),
    ("stage_configuration", "stage_configuration_response", Vector([result()]), ProtocolError,
     "no configuration id in the results"),
    ("stage_configuration", "stage_configuration_response", "text", ProtocolError, "expected a vector of Results"),
    ("stage_configuration", "stage_configuration_response", result(), ProtocolError,
     "$[0]: expected a Management::Result record"),
    ("stage_configuration", "stage_configuration_response",
     Vector([result(success=False, error="bad a"), result(success=False, node="w1")]), ControllerError,
     "bad a; no reason given"),
    ("get_configuration", "get_configuration_response", result(data="text"), ProtocolError,
     "result lacks configuration data"),
    ("get_nodes", "get_nodes_response", Vector([result(instance="a", data=Vector([Vector(["w1"])]))]),
     ProtocolError, "get_nodes_response: "),
    ("deploy", "deploy_response", Vector(["not a result"]), ProtocolError, "deploy_response: "),
])
def test_malformed_answers_are_protocol_or_controller_errors(call, response_name, value, error, words):
    controller = Controller(session=answering(response_name, value))
    args = {"stage_configuration": (Vector(),)}.get(call, ())
    with pytest.raises(error) as caught:
        getattr(controller, call)(*args)
    assert words in str(caught.value)


@pytest.mark.fake_session
def test_answers_to_other_requests_are_not_ours():
    """Responses are broadcast: another client's answer (another reqid, or another event) is skipped."""
    def answer(_request, reqid):
        return [response("get_instances_response", "someone-else", result(data=Vector())),
                response("get_nodes_response", reqid, Vector()),
                response("get_instances_response", reqid, result(data=Vector([Vector(["agent-x", Address("10.0.0.1"),
                                                                                      None])])))]
    session = FakeSession(answer)
    assert Controller(session=session).get_instances() == [{"name": "agent-x", "host": "10.0.0.1"}]
    assert session.published == [(CONTROLLER_TOPIC, API + "get_instances_request")]


@pytest.mark.fake_session
def test_no_answer_is_a_timeout():
    controller = Controller(session=FakeSession(lambda _request, reqid: []))
    with pytest.raises(TransportError) as caught:
        controller.get_nodes()
    assert caught.value.kind == "timeout"


@pytest.mark.fake_session
@pytest.mark.parametrize("data, values, errors", [
    ('{"a": 1}', {"w1": {"a": 1}}, []),
    (Count(5), {}, [{"source": "w1", "error": "invalid result data type "}]),
    ("{not json", {}, [{"source": "w1", "error": "JSON decode error: "}]),
])
def test_get_id_value_keeps_per_node_errors(data, values, errors):
    controller = Controller(session=answering("get_id_value_response", Vector([result(node="w1", data=data)])))
    answer = controller.get_id_value("x")
    assert answer["values"] == values
    assert [e["source"] for e in answer["errors"]] == [e["source"] for e in errors]
    for got, expected in zip(answer["errors"], errors):
        assert got["error"].startswith(expected["error"])


@pytest.mark.fake_session
def test_get_id_value_result_without_node():
    controller = Controller(session=answering("get_id_value_response", Vector([result(data='"v"')])))
    assert controller.get_id_value("x")["errors"] == [{"source": None, "error": "result lacking node"}]


@pytest.mark.fake_session
def test_deploy_keeps_going_past_unreadable_node_outputs():
    value = Vector([result(instance="a", node="w1", success=False, data=Vector(["only stdout"]), error="crashed"),
                    result(data="cfg-1")])
    outcome = Controller(session=answering("deploy_response", value)).deploy()
    assert outcome == {"config_id": "cfg-1", "success": False, "errors": [],
                       "nodes": {"w1": {"instance": "a", "success": False, "error": "crashed"}}}


@pytest.mark.fake_session
def test_get_nodes_reports_instances_without_status_data():
    value = Vector([result(instance="a", data=Vector([status("w1", pid=Integer(1), port=Port(9000, "tcp"))])),
                    result(instance="b", data="text"),
                    result(instance="c", success=False)])
    answer = Controller(session=answering("get_nodes_response", value)).get_nodes()
    assert answer["instances"] == {"a": {"w1": {"state": "RUNNING", "mgmt_role": None, "cluster_role": "WORKER",
                                                "pid": 1, "port": 9000}}}
    assert answer["errors"] == [{"source": "b", "error": "result does not contain node status data"},
                                {"source": "c", "error": "no reason given"}]
