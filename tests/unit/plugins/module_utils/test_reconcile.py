"""The pure half of cluster_config: parsing, pre-flight, ids, plans and summaries."""
import asyncio

import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.controller import Controller
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session, TransportError

NODES = [{"name": "manager", "role": "manager"}, {"name": "worker-01", "role": "worker", "interface": "eth0"}]


def test_config_id_follows_the_content_not_the_order():
    one, _warnings = reconcile.desired({"nodes": NODES}, default_instance="agent-a")
    two, _warnings = reconcile.desired({"nodes": list(reversed(NODES))}, default_instance="agent-a")
    other, _warnings = reconcile.desired({"nodes": NODES[:1]}, default_instance="agent-a")
    assert reconcile.config_id(one) == reconcile.config_id(two)
    assert reconcile.config_id(one).startswith("netsec-") and len(reconcile.config_id(one)) == 39
    assert reconcile.config_id(one) != reconcile.config_id(other)
    assert reconcile.config_id(one, force=True) != reconcile.config_id(one, force=True)


def test_nodes_without_instance_take_the_only_agent():
    want, _warnings = reconcile.desired({"nodes": NODES})
    assert reconcile.needs_default_instance(want)
    reconcile.resolve_default_instance(want, [{"name": "agent-box", "host": "127.0.0.1"}])
    assert not reconcile.needs_default_instance(want)
    assert [n.instance for n in want.nodes] == ["agent-box", "agent-box"]
    assert [i.name for i in want.instances] == ["agent-box"]


@pytest.mark.parametrize("agents, words", [
    ([], "the controller has no agent connected"),
    ([{"name": "a"}, {"name": "b"}], "the controller has 2 agents connected (a, b)"),
])
def test_ambiguous_default_instance_asks_for_the_option(agents, words):
    want, _warnings = reconcile.desired({"nodes": NODES})
    with pytest.raises(reconcile.PreflightError) as err:
        reconcile.resolve_default_instance(want, agents)
    assert words in str(err.value) and "set default_instance" in str(err.value)


def test_ini_content_and_parse_errors():
    want, warnings = reconcile.desired(content="[manager]\nrole = manager\ncolour = red\n", default_instance="agent-a")
    assert want.nodes[0].instance == "agent-a" and warnings
    with pytest.raises(reconcile.PreflightError) as err:
        reconcile.desired(content="[manager]\nrole = boss\n", default_instance="agent-a")
    assert any("boss" in e for e in err.value.errors)


def test_preflight_lint_modes():
    nodes = [{"name": "manager", "role": "manager"}, {"name": "worker-01", "role": "worker"}]
    lax, _warnings = reconcile.desired({"nodes": nodes}, default_instance="agent-a")
    with pytest.raises(reconcile.PreflightError) as err:
        reconcile.preflight(lax, lint="error")
    assert any("worker-01" in e and "interface" in e for e in err.value.errors)
    warnings = reconcile.preflight(lax, lint="warn")
    assert any("worker-01" in w for w in warnings)
    assert reconcile.preflight(lax, lint="ignore") == []


def test_preflight_reports_the_controllers_messages_first_and_sorted():
    bad, _warnings = reconcile.desired({"nodes": [
        {"name": "manager", "role": "manager", "port": 2150, "instance": "agent-a"},
        {"name": "logger", "role": "logger", "port": 2150, "instance": "agent-a"}]})
    with pytest.raises(reconcile.PreflightError) as err:
        reconcile.preflight(bad, lint="ignore")
    assert err.value.errors == [
        "multiple nodes on instance 'agent-a' using port 2150/tcp",
        "node 'logger' port 2150/tcp conflicts with controller port",
        "node 'manager' port 2150/tcp conflicts with controller port",
    ]


def test_plan_is_forced_and_first_deploys_change():
    want, _warnings = reconcile.desired({"nodes": NODES}, default_instance="agent-a")
    assert reconcile.plan(want, None)["changed"] is True
    same = cluster.from_dict(cluster.to_dict(want))
    assert reconcile.plan(want, same)["changed"] is False
    assert reconcile.plan(want, same, force=True)["changed"] is True
    assert reconcile.plan(want, same, state="staged")["diff"]["before_header"].startswith("staged configuration")


def test_failed_nodes_summary_names_nodes_and_last_stderr_line():
    outcome = {"nodes": {
        "worker-02": {"instance": "agent-a", "success": False, "stdout": "", "stderr": "warning\nfatal error: eth9"},
        "worker-01": {"instance": "agent-a", "success": True},
        "logger": {"instance": "agent-a", "success": False}},
        "errors": ["request timed out"]}
    assert reconcile.failed_nodes_summary(outcome) == [
        "logger on agent-a: did not check in with its agent",
        "worker-02 on agent-a: fatal error: eth9",
        "request timed out",
    ]


def test_a_staged_config_with_the_deployed_id_counts_as_deployed():
    """Zeek 7.2-8.2 can lose nodes with explicit metrics ports from the deployed copy;
    the staged copy (kept as sent) with the deployed id still shows what runs."""
    nodes = [dict(NODES[0], metrics_port=9100), dict(NODES[1], metrics_port=9101)]
    want, _warnings = reconcile.desired({"nodes": nodes}, default_instance="agent-a")
    staged = cluster.from_dict(cluster.to_dict(want))
    staged.id = "netsec-1"
    lossy = cluster.from_dict(cluster.to_dict(want))
    lossy.nodes = lossy.nodes[:1]
    lossy.id = "netsec-1"
    assert reconcile.needs_staged(want, lossy)
    assert reconcile.plan(want, lossy)["changed"] is True
    assert reconcile.plan(want, lossy, staged=staged)["changed"] is False
    # A staged config that was never deployed proves nothing.
    staged.id = "netsec-2"
    assert reconcile.plan(want, lossy, staged=staged)["changed"] is True
    # Nor does one that differs from the desired configuration.
    staged.id = "netsec-1"
    staged.nodes = staged.nodes[:1]
    assert reconcile.plan(want, lossy, staged=staged)["changed"] is True


# -- issue 11 item 5: a configuration Zeek's WebSocket server would refuse --------------


class RecordingSocket(object):
    """Keeps what a Session sends; answers nothing."""

    def __init__(self):
        self.sent = []

    async def recv(self):
        await asyncio.sleep(3600)

    async def send(self, text):
        self.sent.append(text)

    async def close(self):
        return None


def test_request_size_is_the_size_of_the_stage_request_sent():
    want, _warnings = reconcile.desired({"nodes": NODES}, default_instance="agent-a")
    want.id = reconcile.config_id(want)
    session = Session(port=1, timeout=0.05)
    session._loop = asyncio.new_event_loop()  # pylint: disable=protected-access
    socket = RecordingSocket()
    session._ws = socket  # pylint: disable=protected-access
    with pytest.raises(TransportError):
        Controller(session=session).stage_configuration(cluster.to_wire(want))
    session.close()
    (frame,) = socket.sent
    assert reconcile.request_size(want) == len(frame.encode("utf-8"))
    assert want.id.startswith("netsec-")  # measuring does not touch the configuration


def test_a_configuration_over_zeeks_limit_is_refused_before_anything_is_sent():
    want, _warnings = reconcile.desired({"nodes": NODES}, default_instance="agent-a")
    size = reconcile.request_size(want)
    assert reconcile.check_request_size(want, limit=size) == size
    with pytest.raises(reconcile.PreflightError) as caught:
        reconcile.check_request_size(want, limit=size - 1)
    assert caught.value.errors == [
        "the configuration takes %d bytes as a stage request, more than the %d bytes Zeek's WebSocket server accepts "
        "in one message (Zeek <= 8.0 closes the connection); split the cluster or leave out what the controller "
        "fills in (ports)" % (size, size - 1)]
    # CAF's max_frame_size (INT32_MAX) less a client frame's 14-byte header, exclusive.
    assert reconcile.MAX_REQUEST_BYTES == 2147483632
