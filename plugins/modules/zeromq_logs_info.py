#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, netsec.zeek maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
---
module: zeromq_logs_info
short_description: Receive Zeek log records from the ZeroMQ log writer
version_added: 0.1.0
description:
  - Smoke-tests log delivery by the ZeroMQ log writer (C(ncsa/bro-zeromq-writer)).
  - Binds a ZeroMQ SUB socket on O(endpoint) on the managed node (the writer's PUB socket
    connects, so the subscriber must bind), subscribes to the given path prefixes and waits
    until O(count) records of every path in O(paths) have arrived, or O(timeout) has passed.
  - Every message of the writer has two parts, the log path (for example C(conn)) and the
    record as JSON; the module returns them as a list of C({path, record}).
  - Fails on timeout with a message that names what did arrive.
  - Start the module before Zeek writes the records, because ZeroMQ drops messages published
    while no subscriber is connected. Records arriving after the module returns are lost.
author:
  - netsec.zeek maintainers (@netsec-zeek)
requirements:
  - pyzmq >= 17 on the managed node
options:
  endpoint:
    description:
      - The endpoint to bind, the same as the writer's C(LogZeroMQ::endpoint), for example
        V(tcp://127.0.0.1:12345), V(tcp://*:12345) or V(ipc:///run/zeek-logs.sock).
      - Do not use ports 5555 and 5556 on a Zeek host; Zeek's ZeroMQ cluster backend binds them.
    type: str
    required: true
  paths:
    description:
      - Log paths to wait for, for example V(conn) and V(http).
      - They are also the subscriptions. ZeroMQ subscriptions match prefixes, so V(conn)
        also receives V(conn-2) (a second ZeroMQ filter's path); such records are returned
        but only records whose path equals an entry count.
      - An empty list subscribes to everything and waits for O(count) records of any path.
    type: list
    elements: str
    default: []
  count:
    description:
      - How many records of each path in O(paths) to wait for (with empty O(paths), in total).
    type: int
    default: 1
  timeout:
    description:
      - Seconds to wait for the records.
    type: float
    default: 10
  max_records:
    description:
      - Stop collecting after this many records of any path, to keep the result small;
        reaching it before the wanted records arrived is a failure.
    type: int
    default: 1000
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netsec.zeek.attributes.info_module
attributes:
  check_mode:
    support: full
    details: The module only receives; it runs the same way in check mode.
  platform:
    platforms: posix
notes:
  - The socket is bound only while the module runs. For continuous delivery run a real
    subscriber service.
seealso:
  - name: ZeroMQ log writer
    description: The Zeek plugin that publishes the records.
    link: https://github.com/ncsa/bro-zeromq-writer
"""

EXAMPLES = r"""
# example: needs Zeek's ZeroMQ log writer sending records (tests/roles/test_zeromq_logs_info.py runs the module against a publisher)
- name: Wait for a conn and an http record from Zeek's ZeroMQ writer
  netsec.zeek.zeromq_logs_info:
    endpoint: tcp://127.0.0.1:12345
    paths: [conn, http]
    count: 1
    timeout: 30
  register: zeek_logs

# example: needs Zeek's ZeroMQ log writer sending records (tests/roles/test_zeromq_logs_info.py runs the module against a publisher)
- name: Show the first record's originator address
  ansible.builtin.debug:
    msg: "{{ zeek_logs.records[0].record['id.orig_h'] }}"

# example: needs Zeek's ZeroMQ log writer sending records (tests/roles/test_zeromq_logs_info.py runs the module against a publisher)
- name: Take any five records, whatever their path
  netsec.zeek.zeromq_logs_info:
    endpoint: tcp://127.0.0.1:12345
    count: 5
"""

RETURN = r"""
records:
  description:
    - The records received, in order of arrival.
    - C(record) is the parsed JSON record; when the second part was not valid JSON it is
      null and C(raw) holds the text.
  returned: always
  type: list
  elements: dict
  sample:
    - path: conn
      record: {"ts": 1700000000.123456, "uid": "CAbc123", "id.orig_h": "10.0.0.1", "proto": "tcp"}
counts:
  description: Records received per log path, including paths that did not count.
  returned: always
  type: dict
  sample: {"conn": 2, "conn-2": 1, "http": 1}
received:
  description: Number of records received.
  returned: always
  type: int
  sample: 3
malformed:
  description: Messages that did not have exactly two parts (ignored).
  returned: always
  type: int
  sample: 0
elapsed:
  description: Seconds the module waited.
  returned: always
  type: float
  sample: 0.84
"""

import json
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

ZMQ_IMPORT_ERROR = None
try:
    import zmq
except ImportError:
    ZMQ_IMPORT_ERROR = traceback.format_exc()


def _text(data):
    return data.decode("utf-8", errors="replace")


def _decode(parts):
    path = _text(parts[0])
    raw = _text(parts[1])
    try:
        return {"path": path, "record": json.loads(raw)}
    except ValueError:
        return {"path": path, "record": None, "raw": raw}


def _satisfied(paths, count, counts, received):
    if not paths:
        return received >= count
    return all(counts.get(path, 0) >= count for path in paths)


def _summary(paths, counts):
    if not counts:
        return "nothing arrived"
    wanted = ", ".join("%s=%d" % (path, counts.get(path, 0)) for path in paths)
    others = ", ".join("%s=%d" % (path, n) for path, n in sorted(counts.items()) if path not in paths)
    parts = [part for part in (wanted, ("other paths: " + others) if others else "") if part]
    return "received " + "; ".join(parts)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoint=dict(type="str", required=True),
            paths=dict(type="list", elements="str", default=[]),
            count=dict(type="int", default=1),
            timeout=dict(type="float", default=10.0),
            max_records=dict(type="int", default=1000),
        ),
        supports_check_mode=True,
    )
    if ZMQ_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("pyzmq"), exception=ZMQ_IMPORT_ERROR)

    endpoint = module.params["endpoint"]
    paths = module.params["paths"]
    count = module.params["count"]
    timeout = module.params["timeout"]
    max_records = module.params["max_records"]
    if count < 1:
        module.fail_json(msg="count must be at least 1, got %d" % count)
    if timeout <= 0:
        module.fail_json(msg="timeout must be positive, got %s" % timeout)
    if max_records < 1:
        module.fail_json(msg="max_records must be at least 1, got %d" % max_records)

    records = []
    counts = {}
    malformed = 0
    context = zmq.Context()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    start = time.monotonic()
    try:
        try:
            socket.bind(endpoint)
        except zmq.ZMQError as exc:
            module.fail_json(msg="Cannot bind a ZeroMQ SUB socket on %s: %s" % (endpoint, exc))
        for prefix in (paths or [""]):
            socket.setsockopt(zmq.SUBSCRIBE, prefix.encode("utf-8"))
        poller = zmq.Poller()
        poller.register(socket, zmq.POLLIN)
        deadline = start + timeout
        while not _satisfied(paths, count, counts, len(records)) and len(records) < max_records:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if not dict(poller.poll(remaining * 1000)).get(socket):
                continue
            parts = socket.recv_multipart()
            if len(parts) != 2:
                malformed += 1
                continue
            item = _decode(parts)
            records.append(item)
            counts[item["path"]] = counts.get(item["path"], 0) + 1
    finally:
        socket.close(0)
        context.term()

    result = dict(changed=False, records=records, counts=counts, received=len(records),
                  malformed=malformed, elapsed=round(time.monotonic() - start, 3))
    if not _satisfied(paths, count, counts, len(records)):
        wanted = ("%d record(s) of each of %s" % (count, ", ".join(paths))) if paths else "%d record(s)" % count
        reason = ("stopped at max_records=%d" % max_records if len(records) >= max_records
                  else "timed out after %gs" % timeout)
        module.fail_json(msg="Waiting on %s for %s: %s; %s (%d malformed message(s))."
                         % (endpoint, wanted, reason, _summary(paths, counts), malformed), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
