"""The one polling loop (waiter.py) on a fake clock: how often it polls, when it stops, what it returns."""
import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import reconcile, waiter


class FakeClock(object):
    """monotonic() and sleep() that only move when slept, or when a poll says it took time."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.parametrize("total, interval, elapsed", [
    (3, 1, [0, 1, 2, 3]),
    (2.5, 1, [0, 1, 2, 2.5]),      # the last pause is shortened to end exactly at the deadline
    (1, 5, [0, 1]),                 # an interval longer than the timeout still gives a final poll
    (0.5, 0.25, [0, 0.25, 0.5]),
    (0, 1, [0]),                    # no time at all: exactly one poll
])
def test_clock_polls_at_once_then_every_interval_until_the_deadline(total, interval, elapsed):
    clock = FakeClock()
    seen = list(waiter.clock(total, interval, clock.monotonic, clock.sleep))
    assert seen == pytest.approx(elapsed)
    assert clock.now - 100.0 == pytest.approx(total if total else 0)


@pytest.mark.parametrize("answers, ok, value, polls", [
    ([(True, "a")], True, "a", 1),
    ([(False, 1), (False, 2), (True, 3)], True, 3, 3),
    ([(False, n) for n in range(10)], False, 5, 6),     # 5 s, 1 s apart: polls at 0..5, the last value kept
])
def test_wait_returns_ok_the_last_value_and_the_time_it_took(answers, ok, value, polls):
    clock = FakeClock()
    calls = []

    def poll():
        calls.append(clock.now)
        return answers[len(calls) - 1]

    result = waiter.wait(poll, 5, 1, clock.monotonic, clock.sleep)
    assert result == (ok, value, pytest.approx(len(calls) - 1.0))
    assert len(calls) == polls


def test_wait_counts_the_time_a_slow_poll_takes():
    clock = FakeClock()

    def slow_poll():
        clock.now += 2.0    # a request that took 2 s
        return False, None

    ok, _value, elapsed = waiter.wait(slow_poll, 5, 1, clock.monotonic, clock.sleep)
    assert not ok
    assert elapsed >= 5
    assert all(pause <= 1 for pause in clock.sleeps)


def test_a_poll_that_raises_ends_the_wait_with_its_error():
    clock = FakeClock()

    def poll():
        raise RuntimeError("the controller went away")

    with pytest.raises(RuntimeError, match="went away"):
        waiter.wait(poll, 5, 1, clock.monotonic, clock.sleep)


class NodesController(object):
    """get_nodes() answers from a script, one per call (the last one repeats)."""

    def __init__(self, *tables):
        self.tables = list(tables)
        self.calls = 0

    def get_nodes(self):
        self.calls += 1
        table = self.tables[min(self.calls, len(self.tables)) - 1]
        return {"instances": {"agent-a": table}, "errors": []}


AGENT_ROW = {"state": "RUNNING", "mgmt_role": "AGENT", "cluster_role": None}


def row(state, pid=None):
    status = {"state": state, "mgmt_role": None, "cluster_role": "WORKER"}
    if pid is not None:
        status["pid"] = pid
    return status


@pytest.mark.parametrize("tables, pids_before, ok, calls", [
    ([{"w1": row("RUNNING", 1)}], None, True, 1),
    ([{"w1": row("PENDING", 1)}, {"w1": row("RUNNING", 1)}], None, True, 2),
    ([{"w1": row("RUNNING", 1)}, {"w1": row("RUNNING", 2)}], {"w1": 1}, True, 2),   # restarted: a new pid
    ([{"w1": row("RUNNING", 1)}], {"w1": 1}, False, 4),                             # still the old process
    ([{}], None, False, 4),                                                         # never reported
])
def test_wait_until_running(tables, pids_before, ok, calls):
    clock = FakeClock()
    controller = NodesController(*[dict(t, agent=AGENT_ROW) for t in tables])
    done, nodes, _elapsed = waiter.wait_until_running(controller, ["w1"], 3, 1, pids_before,
                                                      clock.monotonic, clock.sleep)
    assert done is ok
    assert controller.calls == calls
    assert "agent" not in nodes     # management processes are not cluster nodes
    if not ok:
        table = waiter.not_running_table(["w1"], nodes, pids_before)
        assert len(table) == 1 and table[0].startswith("w1")


@pytest.mark.parametrize("status, pids_before, line", [
    (None, None, "w1: not reported by any agent"),
    (dict(row("PENDING", 7), instance="agent-a"), None, "w1 (agent-a): PENDING, pid 7"),
    (dict(row("FAILED"), instance="agent-a"), None, "w1 (agent-a): FAILED"),
    (dict(row("RUNNING", 7), instance="agent-a"), {"w1": 7}, "w1 (agent-a): RUNNING but not restarted (pid 7)"),
])
def test_not_running_table_says_why(status, pids_before, line):
    nodes = {} if status is None else {"w1": status}
    assert waiter.not_running_table(["w1"], nodes, pids_before) == [line]


def test_wait_options_agree_across_modules():
    plain, option = waiter.wait_argument_spec(), waiter.wait_argument_spec(wait=True, name=dict(type="str"))
    assert plain["wait"]["default"] is False and option["wait"]["default"] is True
    for key in ("wait_timeout", "wait_sleep"):
        assert plain[key] == option[key] and plain[key]["type"] == "float"
    assert option["name"] == dict(type="str")


def test_not_running_table_keeps_the_last_stderr_line_of_the_deploy():
    """Issue 11 item 19: a wait timeout keeps why the deploy said a node failed."""
    nodes = {"w1": dict(row("PENDING", 7), instance="agent-a"), "w2": dict(row("RUNNING", 8), instance="agent-a")}
    deployed = {"w1": {"success": False, "stderr": "listening on lo\nfatal error: problem with interface eth9\n"},
                "w2": {"success": True, "stderr": ""}}
    stderr = reconcile.last_stderr_lines(deployed)
    assert stderr == {"w1": "fatal error: problem with interface eth9"}
    assert waiter.not_running_table(["w1", "w2"], nodes, stderr=stderr) == [
        "w1 (agent-a): PENDING, pid 7, stderr: fatal error: problem with interface eth9"]


class LateAgents(object):
    """get_instances answers: the named agents check in after ``late`` polls."""

    def __init__(self, names, late):
        self.names, self.late, self.polls = names, late, 0

    def get_instances(self):
        self.polls += 1
        return [{"name": n} for n in self.names] if self.polls > self.late else []


def test_wait_for_agents_polls_until_the_agents_check_in():
    controller = LateAgents(["agent-a"], late=2)
    clock = FakeClock()
    connected = waiter.wait_for_agents(controller, ["agent-a"], [], timeout=10, sleep=1,
                                       monotonic=clock.monotonic, pause=clock.sleep)
    assert connected == [{"name": "agent-a"}] and controller.polls == 3


def test_wait_for_agents_gives_up_with_the_last_answer_and_asks_nothing_when_all_are_there():
    never = LateAgents(["agent-a"], late=10 ** 6)
    clock = FakeClock()
    assert waiter.wait_for_agents(never, ["agent-typo"], [], timeout=3, sleep=1, monotonic=clock.monotonic,
                                  pause=clock.sleep) == []
    assert never.polls >= 3  # it kept asking until wait_timeout
    present = LateAgents(["agent-a"], late=0)
    assert waiter.wait_for_agents(present, ["agent-a"], [{"name": "agent-a"}], 3, 1) == [{"name": "agent-a"}]
    assert present.polls == 0
