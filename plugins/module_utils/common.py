# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every controller module shares: connection options, the session,
and one way to fail.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

import re
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.netsec.zeek.plugins.module_utils.controller import (
    Controller,
    ControllerError,
    ProtocolError,
)
from ansible_collections.netsec.zeek.plugins.module_utils.transport import (
    HAS_WEBSOCKETS,
    WEBSOCKETS_IMPORT_ERROR,
    TransportError,
)

# Documented once, in plugins/doc_fragments/connection.py.
CONNECTION_ARGS = dict(
    controller_host=dict(type="str", default="127.0.0.1",
                         fallback=(env_fallback, ["ZEEK_CONTROLLER_HOST"])),
    controller_port=dict(type="str", default="2149",
                         fallback=(env_fallback, ["ZEEK_CONTROLLER_WEBSOCKET_PORT"])),
    tls=dict(type="bool", default=False, fallback=(env_fallback, ["ZEEK_CONTROLLER_TLS"])),
    validate_certs=dict(type="bool", default=True,
                        fallback=(env_fallback, ["ZEEK_CONTROLLER_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["ZEEK_CONTROLLER_CA_PATH"])),
    client_cert=dict(type="path", fallback=(env_fallback, ["ZEEK_CONTROLLER_CLIENT_CERT"])),
    client_key=dict(type="path", fallback=(env_fallback, ["ZEEK_CONTROLLER_CLIENT_KEY"])),
    client_key_passphrase=dict(type="str", no_log=True,
                               fallback=(env_fallback, ["ZEEK_CONTROLLER_CLIENT_KEY_PASSPHRASE"])),
    timeout=dict(type="float", default=20.0, fallback=(env_fallback, ["ZEEK_CONTROLLER_TIMEOUT"])),
    retries=dict(type="int", default=3, fallback=(env_fallback, ["ZEEK_CONTROLLER_RETRIES"])),
)

_PORT_RE = re.compile(r"^\s*(\d{1,5})\s*(?:/\s*tcp)?\s*$")


def connection_argument_spec(**extra):
    spec = dict((name, dict(option)) for name, option in CONNECTION_ARGS.items())
    spec.update(extra)
    return spec


def parse_port(value, option="controller_port"):
    """2149, '2149' and Zeek's '2149/tcp' are one port; anything else is an error."""
    match = _PORT_RE.match(str(value))
    if match is None or not 1 <= int(match.group(1)) <= 65535:
        raise ValueError("%s must be a TCP port 1-65535, written 2149 or 2149/tcp; got %r" % (option, value))
    return int(match.group(1))


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


def _format_import_error(err):
    if err is None:
        return None
    return "".join(traceback.format_exception_only(type(err), err))


def session_options(params):
    """Module params -> keyword arguments for transport.Session."""
    return dict(
        host=params["controller_host"],
        port=parse_port(params["controller_port"]),
        tls=params["tls"],
        validate_certs=params["validate_certs"],
        ca_path=params.get("ca_path"),
        client_cert=params.get("client_cert"),
        client_key=params.get("client_key"),
        client_key_passphrase=params.get("client_key_passphrase"),
        timeout=params["timeout"],
        retries=params["retries"],
    )


def controller_for(module):
    """A not yet connected Controller for the module's connection options."""
    try:
        options = session_options(module.params)
    except ValueError as err:
        module.fail_json(msg=str(err))
    return Controller(**options)


def fail(module, err, **result):
    """fail_json with a message a person can act on, for any client error."""
    params = module.params
    where = "%s:%s" % (params.get("controller_host"), params.get("controller_port"))
    if isinstance(err, TransportError):
        hints = {
            "unreachable": "Check controller_host/controller_port (or ZEEK_CONTROLLER_HOST/"
                           "ZEEK_CONTROLLER_WEBSOCKET_PORT) and that the controller is running with its "
                           "WebSocket listener.",
            "tls": "Check tls, validate_certs, ca_path and client_cert/client_key. Zeek <= 8.0 "
                   "controllers use Broker's anonymous TLS by default: tls=true, validate_certs=false.",
            "handshake": "Check tls: Zeek >= 8.1 controllers speak plain ws:// unless configured "
                         "with certificates; Zeek <= 8.0 speak wss:// by default.",
            "timeout": "Raise timeout, or check the controller's log: a request Zeek cannot convert "
                       "is dropped without an answer on Zeek <= 8.0.",
        }
        message = "Zeek controller %s: %s" % (where, err)
        if err.kind in hints:
            message += " " + hints[err.kind]
        module.fail_json(msg=message, error_kind=err.kind, **result)
    if isinstance(err, ControllerError):
        module.fail_json(msg="Zeek controller %s answered with an error: %s" % (where, err),
                         errors=err.errors, error_kind="controller", **result)
    if isinstance(err, ProtocolError):
        module.fail_json(msg="Zeek controller %s sent an answer this collection cannot read: %s" % (where, err),
                         error_kind="protocol", **result)
    raise err


CLIENT_ERRORS = (TransportError, ControllerError, ProtocolError)
