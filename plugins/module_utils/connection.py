# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options of a Zeek WebSocket endpoint, and the one way a task fails.

Private to the netsec.zeek collection.

There are two endpoints: the Management Framework controller and a WebSocket
listener inside the cluster (for ``option`` and ``event``). Both take the same
ten options, only named differently (``controller_host``/``tls`` against
``websocket_host``/``websocket_tls``), so ``Endpoint`` builds either set from
one list, reads it back into ``transport.Session`` arguments and turns any
client error into one message with a hint for that endpoint. Every option and
environment variable name is kept as released: users set them in inventories.
Documented in plugins/doc_fragments/connection.py and websocket.py.
"""

from __future__ import annotations

import ipaddress
import math
import re
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.netsec.zeek.plugins.module_utils.controller import (
    Controller,
    ControllerError,
    ProtocolError,
)
from ansible_collections.netsec.zeek.plugins.module_utils.listener import Listener, ListenerError
from ansible_collections.netsec.zeek.plugins.module_utils.transport import (
    DEFAULT_MAX_MESSAGE_SIZE,
    HAS_WEBSOCKETS,
    WEBSOCKETS_IMPORT_ERROR,
    TransportError,
)

# field -> (type, default, no_log); the argument spec of either endpoint is built from this.
_FIELDS = (
    ("host", "str", "127.0.0.1", False),
    ("port", "str", None, False),
    ("tls", "bool", False, False),
    ("validate_certs", "bool", True, False),
    ("ca_path", "path", None, False),
    ("client_cert", "path", None, False),
    ("client_key", "path", None, False),
    ("client_key_passphrase", "str", None, True),
    ("timeout", "float", 20.0, False),
    ("retries", "int", 3, False),
    ("max_message_size", "int", DEFAULT_MAX_MESSAGE_SIZE, False),
)
# Options of any module that count seconds: finite and above 0, or a wait never ends (inf, nan),
# fails at once (-1) or polls without pause (0: thousands of requests a second).
SECONDS_OPTIONS = ("timeout", "websocket_timeout", "wait_timeout", "wait_sleep", "reply_timeout")

_PORT_RE = re.compile(r"^\s*(\d{1,5})\s*(?:/\s*tcp)?\s*$")
_HOST_PORT_RE = re.compile(r"^(?:\[[^\]]*\]|[^:\[\]]+):(\d+)$")


class TaskError(Exception):
    """A failure a module reports as is: ``msg`` plus the details for the result.

    ``kind`` names the failure for playbooks (``value``, ``rejected``, ...);
    ``details`` go into the result beside it.
    """

    def __init__(self, msg, kind, **details):
        self.kind = kind
        self.details = details
        super(TaskError, self).__init__(msg)


class Endpoint(object):
    """The options, session and failure messages of one kind of Zeek WebSocket endpoint."""

    def __init__(self, label, noun, option_names, env_names, default_port, hints):
        self.label = label
        self.noun = noun
        self.option_names = option_names
        self.env_names = env_names
        self.default_port = default_port
        self.hints = hints

    def argument_spec(self, **extra):
        spec = {}
        for field, kind, default, no_log in _FIELDS:
            option = dict(type=kind, fallback=(env_fallback, [self.env_names[field]]))
            if field == "port":
                default = self.default_port
            if default is not None:
                option["default"] = default
            if no_log:
                option["no_log"] = True
            spec[self.option_names[field]] = option
        spec.update(extra)
        return spec

    def value(self, params, field):
        return params.get(self.option_names[field])

    def where(self, params):
        return "%s:%s" % (self.value(params, "host"), self.value(params, "port"))

    def session_options(self, params):
        """Module params -> keyword arguments for transport.Session; ValueError for a bad value."""
        options = dict((field, self.value(params, field)) for field, _kind, _default, _no_log in _FIELDS)
        options["port"] = parse_port(options["port"], self.option_names["port"])
        options["host"] = check_host(options["host"], self.option_names["host"], self.option_names["port"])
        size = options.pop("max_message_size")
        if size is None or size < 1:
            raise ValueError("%s must be a whole number greater than 0 (bytes), got %s"
                             % (self.option_names["max_message_size"], size))
        options["max_size"] = size
        return options

    def warnings(self, params):
        """What the module should warn about these options."""
        if self.value(params, "tls") and not self.value(params, "validate_certs"):
            return ["%s is true and %s is false: the %s's certificate and host name are not checked, so the "
                    "connection is encrypted but anyone who can intercept it can pose as the %s and read or "
                    "change what the task sends. Give %s (or a certificate from a CA the system trusts) and "
                    "leave %s on." % (self.option_names["tls"], self.option_names["validate_certs"], self.noun,
                                      self.noun, self.option_names["ca_path"], self.option_names["validate_certs"])]
        return []

    def message(self, params, err):
        """A message a person can act on, for any client error."""
        where = self.where(params)
        if isinstance(err, TransportError):
            message = "%s %s: %s" % (self.label, where, err)
            if err.kind == "tls" and getattr(err, "plain_server", False):
                hint = "It speaks plain ws:// (Zeek >= 8.1 without a certificate): set %s: false." % (
                    self.option_names["tls"])
            elif err.kind == "too_big":
                hint = "Raise %s if the answer is expected to be that large." % self.option_names["max_message_size"]
            else:
                hint = self.hints.get(err.kind)
            return message + (" " + hint if hint else "")
        if isinstance(err, ControllerError):
            return "%s %s answered with an error: %s" % (self.label, where, err)
        return "%s %s sent an answer this collection cannot read: %s" % (self.label, where, err)


def check_host(value, option="controller_host", port_option="controller_port"):
    """A host name or address (an IPv6 literal with or without brackets), never a URL or host:port.

    Returns the host as websocket_url wants it; ValueError naming the option otherwise.
    """
    text = (value or "").strip()
    if text and "://" not in text and "/" not in text and not any(char.isspace() for char in text):
        if ":" not in text:
            return text
        bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        try:
            ipaddress.IPv6Address(bare)
            return bare
        except ValueError:
            pass
    rest = text.split("://", 1)[-1].split("/", 1)[0]
    match = _HOST_PORT_RE.match(rest)
    if match:
        fix = " Put the port in %s (%s: %s)." % (port_option, port_option, match.group(1))
    else:
        fix = (" Give the host alone: the port goes in %s, and the collection adds ws:// (wss:// with tls) and "
               "/v1/messages/json itself." % port_option)
    raise ValueError("%s must be a host name or an address without a port, a path or a scheme; got %r.%s"
                     % (option, value, fix))


def parse_port(value, option="controller_port"):
    """2149, '2149' and Zeek's '2149/tcp' are one port; anything else is an error."""
    match = _PORT_RE.match(str(value))
    if match is None or not 1 <= int(match.group(1)) <= 65535:
        raise ValueError("%s must be a TCP port 1-65535, written 2149 or 2149/tcp; got %r" % (option, value))
    return int(match.group(1))


CONTROLLER = Endpoint(
    "Zeek controller", "controller",
    option_names=dict((field, field) for field, _kind, _default, _no_log in _FIELDS),
    env_names=dict((field, "ZEEK_CONTROLLER_" + field.upper()) for field, _kind, _default, _no_log in _FIELDS),
    default_port="2149",
    hints={
        "unreachable": "Check controller_host/controller_port (or ZEEK_CONTROLLER_HOST/"
                       "ZEEK_CONTROLLER_WEBSOCKET_PORT) and that the controller is running with its "
                       "WebSocket listener.",
        "tls": "Check tls, validate_certs, ca_path and client_cert/client_key. Zeek <= 8.0 "
               "controllers use Broker's anonymous TLS by default: tls=true, validate_certs=false.",
        "handshake": "Check tls: Zeek >= 8.1 controllers speak plain ws:// unless configured "
                     "with certificates; Zeek <= 8.0 speak wss:// by default.",
        "timeout": "Raise timeout, or check the controller's log: a request Zeek cannot convert "
                   "is dropped without an answer on Zeek <= 8.0.",
    },
)
CONTROLLER.option_names.update(host="controller_host", port="controller_port")
CONTROLLER.env_names["port"] = "ZEEK_CONTROLLER_WEBSOCKET_PORT"

# Zeek's policy/frameworks/cluster/websocket/server.zeek and the zeekctl
# UseWebSocket snippet listen on 127.0.0.1:27759.
DEFAULT_WEBSOCKET_PORT = "27759"

LISTENER = Endpoint(
    "Zeek WebSocket listener", "listener",
    option_names=dict((field, "websocket_" + field) for field, _kind, _default, _no_log in _FIELDS),
    env_names=dict((field, "ZEEK_WEBSOCKET_" + field.upper()) for field, _kind, _default, _no_log in _FIELDS),
    default_port=DEFAULT_WEBSOCKET_PORT,
    hints={
        "unreachable": "Check websocket_host/websocket_port (or ZEEK_WEBSOCKET_HOST/ZEEK_WEBSOCKET_PORT) and that "
                       "the manager loads a WebSocket listener (policy/frameworks/cluster/websocket/server, or a "
                       "site script calling Cluster::listen_websocket); see docs/runtime-options.md.",
        "tls": "Check websocket_tls, websocket_validate_certs, websocket_ca_path and websocket_client_cert/"
               "websocket_client_key.",
        "handshake": "Check websocket_tls: Cluster::listen_websocket speaks plain ws:// unless it has a "
                     "certificate.",
        "closed": "The listener closed the connection.",
    },
)


def connection_argument_spec(**extra):
    """The controller's connection options plus ``extra``."""
    return CONTROLLER.argument_spec(**extra)


def websocket_argument_spec(**extra):
    """The cluster listener's connection options plus ``extra``."""
    return LISTENER.argument_spec(**extra)


def require_libraries(module, jsonschema=False):
    """Fail with Ansible's usual message when a Python library is missing."""
    if not HAS_WEBSOCKETS:
        module.fail_json(msg=missing_required_lib("websockets (>= 10.4)"),
                         exception=_format_import_error(WEBSOCKETS_IMPORT_ERROR))
    if jsonschema:
        from ansible_collections.netsec.zeek.plugins.module_utils.cluster import (
            HAS_JSONSCHEMA, JSONSCHEMA_IMPORT_ERROR)
        if not HAS_JSONSCHEMA:
            module.fail_json(msg=missing_required_lib("jsonschema (>= 4.0)"),
                             exception=_format_import_error(JSONSCHEMA_IMPORT_ERROR))


def prepare(module, jsonschema=False):
    """What every module does first: the libraries, then the arguments, before anything is sent."""
    require_libraries(module, jsonschema)
    try:
        check_arguments(module)
    except TaskError as err:
        fail(module, err)


def check_arguments(module):
    """Seconds finite and above 0, endpoints well formed; warn about unchecked TLS. TaskError otherwise."""
    params = module.params
    for name in SECONDS_OPTIONS:
        value = params.get(name)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise TaskError("%s must be a number of seconds greater than 0, got %s" % (name, value), "argument")
    for endpoint in (CONTROLLER, LISTENER):
        if endpoint.option_names["host"] in params:
            try:
                endpoint.session_options(params)
            except ValueError as err:
                raise TaskError(str(err), "argument")
            for warning in endpoint.warnings(params):
                module.warn(warning)


def _format_import_error(err):
    if err is None:
        return None
    return "".join(traceback.format_exception_only(type(err), err))


def controller_for(module):
    """A not yet connected Controller for the module's connection options."""
    try:
        options = CONTROLLER.session_options(module.params)
    except ValueError as err:
        raise TaskError(str(err), "argument")
    return Controller(**options)


def listener_for(module, topics=()):
    """A not yet connected Listener for the module's websocket_* options, subscribed to ``topics``."""
    try:
        options = LISTENER.session_options(module.params)
    except ValueError as err:
        raise TaskError(str(err), "argument")
    return Listener(topics=topics, **options)


def fail(module, err, **result):
    """fail_json with ``msg`` a person can act on and one ``failure`` dict, for any error of a task.

    ``failure["kind"]`` names the failure; the other keys of ``failure`` are
    its details (``errors``, ``validation_errors``, ``not_applied``, ...),
    documented in each module's RETURN. Any other exception is a bug: it
    keeps its traceback.
    """
    if isinstance(err, TaskError):
        message, failure = str(err), dict(err.details, kind=err.kind)
    elif isinstance(err, CLIENT_ERRORS):
        endpoint = LISTENER if isinstance(err, ListenerError) else CONTROLLER
        message = endpoint.message(module.params, err)
        if isinstance(err, TransportError):
            failure = {"kind": err.kind}
        elif isinstance(err, ControllerError):
            failure = {"kind": "controller", "errors": err.errors}
        else:
            failure = {"kind": "protocol"}
    else:
        raise err
    result["failure"] = failure
    module.fail_json(msg=message, **result)


# Everything a task turns into a failure; any other exception is a bug and keeps its traceback.
CLIENT_ERRORS = (TaskError, TransportError, ControllerError, ProtocolError)
