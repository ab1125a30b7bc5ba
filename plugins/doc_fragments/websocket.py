# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  websocket_host:
    description:
      - Address or name of a Zeek WebSocket listener inside the cluster, usually on the manager
        (C(ws://HOST:PORT/v1/messages/json)). This is not the controller's WebSocket.
      - Zeek's C(policy/frameworks/cluster/websocket/server) script and zeekctl's C(UseWebSocket = 1)
        listen on C(127.0.0.1), so run the task on the manager's host, or let the listener use another
        address with a site script; see C(docs/runtime-options.md).
      - A host name or an address, without a port, path or scheme; the port goes in I(websocket_port).
      - Set it once for a play with C(module_defaults) and the C(group/netsec.zeek.websocket) group.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_HOST) is used.
    type: str
    default: 127.0.0.1
  websocket_port:
    description:
      - The listener's port. Accepts C(27759) or Zeek's C(27759/tcp) form.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_PORT) is used.
    type: str
    default: "27759"
  websocket_tls:
    description:
      - Use C(wss://). C(Cluster::listen_websocket) speaks plain C(ws://) unless it is given a
        certificate and key (C(Cluster::WebSocketTLSOptions)).
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_TLS) is used.
    type: bool
    default: false
  websocket_validate_certs:
    description:
      - Verify the listener's certificate and host name when I(websocket_tls=true).
      - The task warns when I(websocket_tls=true) and I(websocket_validate_certs=false).
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_VALIDATE_CERTS) is used.
    type: bool
    default: true
  websocket_ca_path:
    description:
      - A CA bundle file or a directory of hashed CA certificates to verify the listener with.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_CA_PATH) is used.
    type: path
  websocket_client_cert:
    description:
      - A client certificate (PEM) to present to the listener, for example to a TLS proxy in front of it.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_CLIENT_CERT) is used.
    type: path
  websocket_client_key:
    description:
      - The private key (PEM) of I(websocket_client_cert), when it is not in the same file.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_CLIENT_KEY) is used.
    type: path
  websocket_client_key_passphrase:
    description:
      - The passphrase of I(websocket_client_key).
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_CLIENT_KEY_PASSPHRASE) is used.
    type: str
  websocket_timeout:
    description:
      - Seconds to wait for each connection attempt and for the listener's handshake answer.
      - A number greater than 0.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_TIMEOUT) is used.
    type: float
    default: 20
  websocket_retries:
    description:
      - Connection attempts before giving up, one second apart. Events are never published twice.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_RETRIES) is used.
    type: int
    default: 3
  websocket_max_message_size:
    description:
      - The largest message, in bytes, to accept from the listener; a larger one fails the task
        (C(failure.kind=too_big)) instead of filling memory.
      - If not set in the task, the environment variable C(ZEEK_WEBSOCKET_MAX_MESSAGE_SIZE) is used.
    type: int
    default: 67108864
requirements:
  - websockets >= 10.4 (on the host that runs the task)
notes:
  - Zeek's WebSocket API has no authentication. Anyone who reaches the listener can publish any event
    the cluster knows, including option changes. Keep it on loopback, or put it behind a TLS proxy
    that authenticates clients (and then use I(websocket_tls) and the client certificate options).
"""
