"""netsec.zeek.zeromq_logs_info through real ansible-playbook, against a publisher that
behaves like the ZeroMQ log writer: a PUB socket that connects (the subscriber binds) and
sends two-part [path, JSON] messages, as ncsa/bro-zeromq-writer's DoWrite() does.

The publisher repeats its batch every 200 ms, like a Zeek that keeps logging: ZeroMQ drops
what a PUB socket sends before the subscriber is there, and the module binds only once
ansible-playbook has started it.
"""
import json
import os
import socket
import threading

import pytest
import zmq

import helpers

PLAYBOOK = os.path.join(helpers.REPO_ROOT, "tests/roles/playbooks/zeromq_logs_info.yml")

BATCH = [
    ("conn", {"ts": 1700000000.123456, "uid": "CAbc123", "id.orig_h": "10.0.0.1", "id.orig_p": 49152, "proto": "tcp"}),
    ("dns", {"ts": 1700000001.0, "uid": "CDns1", "query": "example.org"}),
    ("http", {"ts": 1700000002.5, "uid": "CHttp1", "method": "GET", "host": "example.org"}),
    ("conn-2", {"ts": 1700000003.0, "uid": "CDef456"}),
]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Publisher(threading.Thread):
    def __init__(self, endpoint):
        super().__init__(daemon=True)
        self.endpoint = endpoint
        self.stop = threading.Event()
        self.batches = 0

    def run(self):
        context = zmq.Context()
        pub = context.socket(zmq.PUB)
        pub.setsockopt(zmq.LINGER, 0)
        pub.setsockopt(zmq.SNDHWM, 1000)
        pub.connect(self.endpoint)  # like the writer: connect, never bind
        try:
            while not self.stop.wait(0.2):
                for path, record in BATCH:
                    pub.send(path.encode(), zmq.SNDMORE)
                    pub.send(json.dumps(record).encode())
                self.batches += 1
        finally:
            pub.close(0)
            context.term()


@pytest.fixture
def publisher():
    endpoint = "tcp://127.0.0.1:%d" % _free_port()
    pub = Publisher(endpoint)
    pub.start()
    yield pub
    pub.stop.set()
    pub.join(5)


def _run(tmp_path, endpoint, paths, count, timeout):
    output = tmp_path / "result.json"
    rc, out, unused_recap = helpers.run_playbook(PLAYBOOK, extra_vars={
        "test_endpoint": endpoint, "test_paths": paths, "test_count": count,
        "test_timeout": timeout, "test_output": str(output)})
    result = json.loads(output.read_text()) if output.exists() else None
    return rc, out, result


def test_receives_the_records_of_the_asked_paths(tmp_path, publisher):
    rc, out, result = _run(tmp_path, publisher.endpoint, ["conn", "http"], 2, 30)
    assert rc == 0, helpers.failures(out)
    assert publisher.batches > 0
    assert result["changed"] is False
    assert result["counts"]["conn"] >= 2 and result["counts"]["http"] >= 2
    # Subscriptions are prefixes: dns never arrives, conn-2 rides along with conn.
    paths = {item["path"] for item in result["records"]}
    assert "dns" not in paths
    assert paths <= {"conn", "http", "conn-2"}
    expected = dict(BATCH)
    for item in result["records"]:
        assert item["record"] == expected[item["path"]]  # parsed JSON, dotted field names intact
    assert result["received"] == len(result["records"])
    assert result["malformed"] == 0


def test_times_out_naming_what_arrived(tmp_path, publisher):
    rc, out, result = _run(tmp_path, publisher.endpoint, ["conn", "files"], 1, 3)
    assert rc != 0
    assert result is None  # the task failed, nothing was saved
    assert "for 1 record(s) of each of conn, files: timed out after 3s; received conn=" in out
    assert "files=0" in out


def test_check_mode_receives_too(tmp_path, publisher):
    # The module only reads, so it supports check mode fully.
    output = tmp_path / "check.json"
    rc, out, unused_recap = helpers.run_playbook(PLAYBOOK, check=True, extra_vars={
        "test_endpoint": publisher.endpoint, "test_paths": ["http"], "test_count": 1,
        "test_timeout": 30, "test_output": str(output)})
    assert rc == 0, helpers.failures(out)
    assert not output.exists()  # copy did not write in check mode
    assert "ok: [localhost]" in out
