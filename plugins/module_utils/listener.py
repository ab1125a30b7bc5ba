# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Client of a WebSocket listener inside the Zeek cluster (not the controller).

Private to the netsec.zeek collection.

``Cluster::listen_websocket`` (Zeek >= 8.1, or Broker's WebSocket server on
Zeek <= 8.0) lets a client publish events into the cluster's publish/subscribe
layer and subscribe to topics. ``option`` and ``event`` use it through this
class only: publish an event, set an option with ``Config::cluster_set_option``,
collect the error frames Zeek >= 8.1 sends for events it cannot create, and
await a reply event.

Every failure of the session comes out as ``ListenerError``, so that the
task's message names the listener and its options, not the controller's.
"""

from __future__ import annotations

import json
import time
import uuid

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    Vector,
    as_event,
    make_event,
    to_json,
    to_plain,
)
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session, TransportError
from ansible_collections.netsec.zeek.plugins.module_utils.waiter import wait

# base/frameworks/config/main.zeek: ``event Config::cluster_set_option(ID: string, val: any,
# location: string)``, handled on the manager, which then sets the option on every node.
SET_OPTION_EVENT = "Config::cluster_set_option"
# Cluster::manager_topic in base/frameworks/cluster/main.zeek; the ZeroMQ backend redefines it
# (policy/frameworks/cluster/backend/zeromq/options.zeek, Zeek >= 8.1), as Zeek 9 clusters run
# by zeek-systemd-generator and a standalone listener with that backend use it.
MANAGER_TOPIC = "zeek/cluster/manager"
ZEROMQ_MANAGER_TOPIC = "zeek.cluster.manager"
# roles/systemd_cluster/files/option_values.zeek: the manager answers
# ``NetsecOptions::query(reqid, ids, reply_topic)`` with
# ``NetsecOptions::values(reqid, values, types, missing)`` on ``reply_topic``.
QUERY_EVENT = "NetsecOptions::query"
VALUES_EVENT = "NetsecOptions::values"
# How long a reply wait blocks on the socket before it looks at the error frames again.
REPLY_SLICE = 0.5


class ListenerError(TransportError):
    """A failure to talk to the cluster's WebSocket listener (``kind`` as for TransportError)."""

    @classmethod
    def wrap(cls, err):
        return err if isinstance(err, cls) else cls(err.kind, str(err))


class Reply(object):
    """A reply event: its name, the topic it came on, its typed arguments."""

    def __init__(self, name, topic, args):
        self.name = name
        self.topic = topic
        self.args = args


class OptionValues(object):
    """One NetsecOptions::values answer: ``values`` {node: {id: parsed JSON}}, ``types`` {id: type},
    ``missing`` the sorted nodes that were up but did not answer."""

    def __init__(self, values, types, missing):
        self.values = values
        self.types = types
        self.missing = missing


def reply_topic():
    """A topic of its own for one task's NetsecOptions::values answers."""
    return "netsec/options/%s" % uuid.uuid4().hex


class Listener(object):
    """Events to and from one cluster WebSocket listener over one session."""

    def __init__(self, session=None, topics=(), **session_options):
        self._own_session = session is None
        self.session = session or Session(topics=tuple(topics), **session_options)

    def __enter__(self):
        if self._own_session:
            try:
                self.session.connect()
            except TransportError as err:
                self.session.close()
                raise ListenerError.wrap(err)
        return self

    def __exit__(self, *exc):
        if self._own_session:
            self.session.close()
        return False

    def publish(self, topic, name, args):
        """Publish event ``name(*args)`` (typed Broker values) on ``topic``."""
        try:
            self.session.publish(topic, make_event(name, list(args)))
        except TransportError as err:
            raise ListenerError.wrap(err)

    def set_option(self, name, typed, location, manager_topic=MANAGER_TOPIC):
        """Ask the manager to set option ``name`` to ``typed`` on every node.

        Nothing answers: Zeek logs a refusal in reporter.log, so the caller
        reads the value back (through the controller) to know it was applied.
        """
        self.publish(manager_topic, SET_OPTION_EVENT, [name, typed, location])

    def errors(self):
        """Every error frame so far, as ``code: context`` text."""
        return ["%s: %s" % (frame.code, frame.context) for frame in self.session.error_frames]

    def drain_errors(self, grace=0.05):
        """Read for ``grace`` seconds and return every error frame so far.

        Zeek >= 8.1 answers an event it cannot create with an error frame;
        Zeek <= 8.0 says nothing. A closed listener ends the reading too: what
        was published is checked by other means.
        """
        try:
            self.session.receive_until(lambda message: False, timeout=grace)
        except TransportError as err:
            if err.kind not in ("timeout", "closed"):
                raise ListenerError.wrap(err)
        return self.errors()

    def await_reply(self, name, timeout, first_arg=None, match_first_arg=False):
        """The first event ``name`` on the subscribed topics within ``timeout`` seconds, or None.

        With ``match_first_arg`` only an event whose first argument equals
        ``first_arg`` counts (the request id of Zeek's request/response
        events). Returns None early when the listener sent an error frame,
        because Zeek then never created the published event.
        """
        expected = None if first_arg is None else to_json(first_arg)
        deadline = time.monotonic() + timeout

        def is_reply(message):
            event = as_event(message.value)
            if event is None or event.name != name:
                return False
            if match_first_arg:
                return bool(event.args) and to_json(event.args[0]) == expected
            return True

        def poll():
            if self.session.error_frames:
                return True, None
            try:
                message = self.session.receive_until(
                    is_reply, timeout=max(0.01, min(REPLY_SLICE, deadline - time.monotonic())))
            except TransportError as err:
                if err.kind != "timeout":
                    raise ListenerError.wrap(err)
                return False, None
            event = as_event(message.value)
            return True, Reply(event.name, message.topic, event.args)

        _done, reply, _elapsed = wait(poll, timeout, 0)
        return reply

    def query_options(self, ids, topic, timeout, manager_topic=MANAGER_TOPIC):
        """Every node's current values of the options ``ids``, or None without an answer in ``timeout``.

        Publishes NetsecOptions::query to the manager; the session must be
        subscribed to ``topic``. The values are the JSON text of Zeek's
        ``to_json``, as get_id_value gives them, parsed here.
        """
        reqid = "netsec-%s" % uuid.uuid4().hex
        self.publish(manager_topic, QUERY_EVENT, [reqid, Vector(list(ids)), topic])
        reply = self.await_reply(VALUES_EVENT, timeout, first_arg=reqid, match_first_arg=True)
        if reply is None:
            return None
        try:
            _reqid, values, types, missing = [to_plain(arg) for arg in reply.args]
            parsed = dict((str(node), dict((str(name), json.loads(text)) for name, text in options.items()))
                          for node, options in values.items())
            types = dict((str(name), str(text)) for name, text in types.items())
            return OptionValues(parsed, types, sorted(str(node) for node in missing))
        except (ValueError, TypeError, AttributeError, RecursionError) as err:
            raise ListenerError("protocol", "%s is not the answer option_values.zeek sends (reqid, "
                                "table[string] of table[string] of string, table[string] of string, "
                                "set[string]): %s" % (VALUES_EVENT, err))
