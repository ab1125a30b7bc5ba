# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Client of the Zeek Management Framework controller API.

Private to the netsec.zeek collection.

One method per request/response event pair of
``Management::Controller::API``. Responses are broadcast to every client on
the one topic ``zeek/management/controller``, so a response is ours only when
its event name is the expected one AND its first argument is our request id.
``Result.reqid`` is never used for matching: agents and nodes put internal
sub-request ids there.

Methods return plain Python data (dicts and lists of str/int/bool) that
modules can hand to ``exit_json`` unchanged, except ``get_configuration``,
which returns the typed record for the cluster model to read.
"""

from __future__ import annotations

import json
import uuid

from ansible_collections.netsec.zeek.plugins.module_utils.broker_json import (
    INSTANCE,
    NODE_OUTPUTS,
    NODE_STATUS,
    RESULT,
    BrokerJSONError,
    Vector,
    Set,
    as_event,
    make_event,
)
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session

CONTROLLER_TOPIC = "zeek/management/controller"
API = "Management::Controller::API::"


class ControllerError(Exception):
    """The controller answered, and the answer is a failure.

    ``errors`` is a list of ``{"source": node-or-None, "error": text}``.
    """

    def __init__(self, message, errors=None):
        self.errors = errors or [{"source": None, "error": message}]
        super(ControllerError, self).__init__(message)


class ProtocolError(Exception):
    """The controller's answer does not have the shape the API defines."""


def _short_role(enum_value):
    if enum_value is None:
        return None
    short = enum_value.rsplit("::", 1)[-1]
    return None if short == "NONE" else short


def _port_number(port):
    return None if port is None else port.number


class Controller(object):
    """Requests to one controller over one WebSocket session.

    Pass ``session`` (anything with ``connect``, ``close``, ``publish`` and
    ``receive_until``) to use one that is already open, or the keyword
    arguments of ``transport.Session`` to open one on ``with``.
    """

    def __init__(self, session=None, **session_options):
        self._own_session = session is None
        self.session = session or Session(topics=(CONTROLLER_TOPIC,), **session_options)

    def __enter__(self):
        if self._own_session:
            self.session.connect()
        return self

    def __exit__(self, *exc):
        if self._own_session:
            self.session.close()
        return False

    # -- plumbing ----------------------------------------------------------

    def transact(self, request, args, response, timeout=None):
        """Publish ``request(reqid, *args)`` and return the response's arguments after reqid."""
        reqid = str(uuid.uuid4())
        name = API + request
        expected = API + response
        self.session.publish(CONTROLLER_TOPIC, make_event(name, [reqid] + list(args)))

        def is_ours(message):
            event = as_event(message.value)
            return event is not None and event.name == expected and bool(event.args) \
                and event.args[0] == reqid

        message = self.session.receive_until(is_ours, timeout)
        results = as_event(message.value).args[1:]
        if not results:
            raise ProtocolError("%s carries no result: only the request id %s" % (response, reqid))
        return results

    @staticmethod
    def _results(value, what):
        if not isinstance(value, Vector):
            raise ProtocolError("%s: expected a vector of Results" % what)
        try:
            return [RESULT.from_broker(item, "$[%d]" % i) for i, item in enumerate(value)]
        except BrokerJSONError as err:
            raise ProtocolError("%s: %s" % (what, err))

    @staticmethod
    def _result(value, what):
        try:
            return RESULT.from_broker(value)
        except BrokerJSONError as err:
            raise ProtocolError("%s: %s" % (what, err))

    # -- the API -----------------------------------------------------------

    def get_instances(self):
        """Every agent peered with the controller: [{name, host, port?}], sorted."""
        (value,) = self.transact("get_instances_request", [], "get_instances_response")[:1]
        result = self._result(value, "get_instances_response")
        if not result["success"]:
            raise ControllerError(result["error"] or "no reason given")
        data = result["data"]
        if not isinstance(data, Vector):
            raise ProtocolError("get_instances_response: result lacks the instance list")
        instances = []
        for index, item in enumerate(data):
            try:
                record = INSTANCE.from_broker(item, "$.data[%d]" % index)
            except BrokerJSONError as err:
                raise ProtocolError("get_instances_response: %s" % err)
            entry = {"name": record["name"], "host": str(record["host"])}
            if record["listen_port"] is not None:
                entry["port"] = record["listen_port"].number
            instances.append(entry)
        return sorted(instances, key=lambda i: i["name"])

    def stage_configuration(self, config_vector):
        """Stage a configuration (a typed CONFIGURATION vector). Returns the
        config id; raises ControllerError with every validation message."""
        (value,) = self.transact("stage_configuration_request", [config_vector],
                                 "stage_configuration_response")[:1]
        results = self._results(value, "stage_configuration_response")
        errors = [{"source": r["node"], "error": r["error"] or "no reason given"}
                  for r in results if not r["success"]]
        if errors:
            raise ControllerError("; ".join(e["error"] for e in errors), errors)
        for result in results:
            if isinstance(result["data"], str):
                return result["data"]
        raise ProtocolError("stage_configuration_response: no configuration id in the results")

    def get_configuration(self, deployed=False):
        """The staged (as sent) or deployed (as augmented) configuration as
        the typed CONFIGURATION record (a broker_json Vector, read with
        ``cluster.from_wire``), or ControllerError such as 'no deployed
        configuration available'."""
        (value,) = self.transact("get_configuration_request", [bool(deployed)],
                                 "get_configuration_response")[:1]
        result = self._result(value, "get_configuration_response")
        if not result["success"]:
            raise ControllerError(result["error"] or "no reason given")
        if not isinstance(result["data"], Vector):
            raise ProtocolError("get_configuration_response: result lacks configuration data")
        return result["data"]

    def deploy(self, timeout=None):
        """Deploy the staged configuration.

        Returns {"config_id", "nodes": {name: {instance, success, stdout?, stderr?}},
        "errors": [text], "success"}. ``success`` is false when any result
        failed, as zeek-client decides its exit code.
        """
        (value,) = self.transact("deploy_request", [], "deploy_response", timeout)[:1]
        results = self._results(value, "deploy_response")
        outcome = {"config_id": None, "nodes": {}, "errors": [], "success": True}
        for result in results:
            if not result["success"]:
                outcome["success"] = False
            if result["node"] is None:
                if not result["success"]:
                    outcome["errors"].append(result["error"] or "no reason given")
                elif result["instance"] is None and isinstance(result["data"], str):
                    outcome["config_id"] = result["data"]
                continue
            entry = {"instance": result["instance"], "success": bool(result["success"])}
            if isinstance(result["data"], Vector):
                try:
                    outputs = NODE_OUTPUTS.from_broker(result["data"])
                    entry["stdout"] = outputs["stdout"]
                    entry["stderr"] = outputs["stderr"]
                except BrokerJSONError:
                    pass
            if result["error"]:
                entry["error"] = result["error"]
            outcome["nodes"][result["node"]] = entry
        return outcome

    def get_nodes(self):
        """Node status per instance: {"instances": {instance: {node: status}}, "errors": [...]}.

        A status is {state, mgmt_role, cluster_role, pid?, port?, metrics_port?}
        with roles as short names (None for NONE), as zeek-client prints them.
        """
        (value,) = self.transact("get_nodes_request", [], "get_nodes_response")[:1]
        results = self._results(value, "get_nodes_response")
        outcome = {"instances": {}, "errors": []}
        for result in results:
            if not result["success"]:
                outcome["errors"].append({"source": result["instance"],
                                          "error": result["error"] or "no reason given"})
                continue
            if not isinstance(result["data"], Vector):
                outcome["errors"].append({"source": result["instance"],
                                          "error": "result does not contain node status data"})
                continue
            nodes = outcome["instances"].setdefault(result["instance"], {})
            for index, item in enumerate(result["data"]):
                try:
                    status = NODE_STATUS.from_broker(item, "$.data[%d]" % index)
                except BrokerJSONError as err:
                    raise ProtocolError("get_nodes_response: %s" % err)
                entry = {
                    "state": status["state"].rsplit("::", 1)[-1],
                    "mgmt_role": _short_role(status["mgmt_role"]),
                    "cluster_role": _short_role(status["cluster_role"]),
                }
                if status["pid"] is not None:
                    entry["pid"] = int(status["pid"])
                if status["p"] is not None:
                    entry["port"] = status["p"].number
                if status["metrics_port"] is not None:
                    entry["metrics_port"] = status["metrics_port"].number
                nodes[status["node"]] = entry
        return outcome

    def get_id_value(self, identifier, nodes=()):
        """{"values": {node: parsed JSON value}, "errors": [{source, error}]}."""
        (value,) = self.transact("get_id_value_request", [identifier, Set(sorted(set(nodes)))],
                                 "get_id_value_response")[:1]
        results = self._results(value, "get_id_value_response")
        outcome = {"values": {}, "errors": []}
        for result in results:
            if not result["success"]:
                outcome["errors"].append({"source": result["node"], "error": result["error"] or "no reason given"})
                continue
            if result["node"] is None:
                outcome["errors"].append({"source": None, "error": "result lacking node"})
                continue
            if result["data"].__class__ is not str:
                outcome["errors"].append({"source": result["node"],
                                          "error": "invalid result data type %r" % (result["data"],)})
                continue
            try:
                outcome["values"][result["node"]] = json.loads(result["data"])
            except ValueError as err:
                outcome["errors"].append({"source": result["node"], "error": "JSON decode error: %s" % err})
            except RecursionError:
                outcome["errors"].append({"source": result["node"], "error": "JSON decode error: nested too deeply"})
        return outcome

    def restart(self, nodes=(), timeout=None):
        """{"nodes": {node: bool}, "errors": [{source, error}]}; empty ``nodes`` = all."""
        (value,) = self.transact("restart_request", [Set(sorted(set(nodes)))], "restart_response",
                                 timeout)[:1]
        results = self._results(value, "restart_response")
        outcome = {"nodes": {}, "errors": []}
        for result in results:
            if result["node"] is not None and result["instance"] is not None:
                outcome["nodes"][result["node"]] = bool(result["success"])
                if not result["success"]:
                    outcome["errors"].append({"source": result["node"],
                                              "error": result["error"] or "could not restart node"})
            elif not result["success"]:
                outcome["errors"].append({"source": result["node"], "error": result["error"] or "no reason given"})
        return outcome

    def test_timeout(self, with_state=True, timeout=None):
        """The controller's request-expiry self-test: {"success", "error"}."""
        (value,) = self.transact("test_timeout_request", [bool(with_state)], "test_timeout_response",
                                 timeout)[:1]
        result = self._result(value, "test_timeout_response")
        return {"success": bool(result["success"]), "error": result["error"]}
