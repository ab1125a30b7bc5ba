# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options for a Zeek WebSocket listener inside the cluster (not the controller).

Private to the netsec.zeek collection. Documented once, in
plugins/doc_fragments/websocket.py.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.netsec.zeek.plugins.module_utils.common import parse_port
from ansible_collections.netsec.zeek.plugins.module_utils.transport import Session, TransportError

# Zeek's policy/frameworks/cluster/websocket/server.zeek and the zeekctl
# UseWebSocket snippet listen on 127.0.0.1:27759.
DEFAULT_WEBSOCKET_PORT = "27759"

WEBSOCKET_ARGS = dict(
    websocket_host=dict(type="str", default="127.0.0.1", fallback=(env_fallback, ["ZEEK_WEBSOCKET_HOST"])),
    websocket_port=dict(type="str", default=DEFAULT_WEBSOCKET_PORT, fallback=(env_fallback, ["ZEEK_WEBSOCKET_PORT"])),
    websocket_tls=dict(type="bool", default=False, fallback=(env_fallback, ["ZEEK_WEBSOCKET_TLS"])),
    websocket_validate_certs=dict(type="bool", default=True,
                                  fallback=(env_fallback, ["ZEEK_WEBSOCKET_VALIDATE_CERTS"])),
    websocket_ca_path=dict(type="path", fallback=(env_fallback, ["ZEEK_WEBSOCKET_CA_PATH"])),
    websocket_client_cert=dict(type="path", fallback=(env_fallback, ["ZEEK_WEBSOCKET_CLIENT_CERT"])),
    websocket_client_key=dict(type="path", fallback=(env_fallback, ["ZEEK_WEBSOCKET_CLIENT_KEY"])),
    websocket_client_key_passphrase=dict(type="str", no_log=True,
                                         fallback=(env_fallback, ["ZEEK_WEBSOCKET_CLIENT_KEY_PASSPHRASE"])),
    websocket_timeout=dict(type="float", default=20.0, fallback=(env_fallback, ["ZEEK_WEBSOCKET_TIMEOUT"])),
    websocket_retries=dict(type="int", default=3, fallback=(env_fallback, ["ZEEK_WEBSOCKET_RETRIES"])),
)

_HINTS = {
    "unreachable": "Check websocket_host/websocket_port (or ZEEK_WEBSOCKET_HOST/ZEEK_WEBSOCKET_PORT) and that the "
                   "manager loads a WebSocket listener (policy/frameworks/cluster/websocket/server, or a site "
                   "script calling Cluster::listen_websocket); see docs/runtime-options.md.",
    "tls": "Check websocket_tls, websocket_validate_certs, websocket_ca_path and websocket_client_cert/"
           "websocket_client_key.",
    "handshake": "Check websocket_tls: Cluster::listen_websocket speaks plain ws:// unless it has a certificate.",
    "closed": "The listener closed the connection.",
}


def websocket_argument_spec(**extra):
    spec = dict((name, dict(option)) for name, option in WEBSOCKET_ARGS.items())
    spec.update(extra)
    return spec


def websocket_session(params, topics=()):
    """A not yet connected transport.Session to the listener; ValueError for a bad port."""
    return Session(
        host=params["websocket_host"],
        port=parse_port(params["websocket_port"], "websocket_port"),
        topics=tuple(topics),
        tls=params["websocket_tls"],
        validate_certs=params["websocket_validate_certs"],
        ca_path=params.get("websocket_ca_path"),
        client_cert=params.get("websocket_client_cert"),
        client_key=params.get("websocket_client_key"),
        client_key_passphrase=params.get("websocket_client_key_passphrase"),
        timeout=params["websocket_timeout"],
        retries=params["websocket_retries"],
    )


def websocket_where(params):
    return "%s:%s" % (params.get("websocket_host"), params.get("websocket_port"))


def websocket_failure(params, err):
    """A message a person can act on for a TransportError with the cluster's WebSocket listener."""
    message = "Zeek WebSocket listener %s: %s" % (websocket_where(params), err)
    hint = _HINTS.get(getattr(err, "kind", None))
    if hint:
        message += " " + hint
    return message


__all__ = ["WEBSOCKET_ARGS", "websocket_argument_spec", "websocket_session", "websocket_failure",
           "websocket_where", "TransportError", "DEFAULT_WEBSOCKET_PORT"]
