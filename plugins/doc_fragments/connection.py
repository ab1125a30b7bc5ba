# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  controller_host:
    description:
      - Address or name of the Zeek Management Framework controller.
      - The modules talk to the controller's WebSocket listener, C(ws://HOST:PORT/v1/messages/json).
      - "Run the task on the Ansible control node (C(delegate_to: localhost), the usual way)
        or on the controller host itself, where C(127.0.0.1) needs no port opened to the network."
      - A host name or an address (IPv6 with or without brackets), without a port, path or scheme;
        the port goes in I(controller_port).
      - Set it once for a play with C(module_defaults) and the C(group/netsec.zeek.controller) group.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_HOST) is used.
    type: str
    default: 127.0.0.1
  controller_port:
    description:
      - The controller's WebSocket port (Zeek's C(Management::Controller::default_port_websocket)).
      - Accepts C(2149) or Zeek's C(2149/tcp) form, so the value of the controller's own
        C(ZEEK_CONTROLLER_WEBSOCKET_PORT) environment variable can be reused.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_WEBSOCKET_PORT) is used.
    type: str
    default: "2149"
  tls:
    description:
      - Use C(wss://).
      - Zeek 8.1 and later controllers speak plain C(ws://) unless
        C(Management::Controller::tls_options_websocket) has a certificate.
      - Zeek 8.0 and earlier controllers use Broker's TLS by default, with anonymous ciphers when no
        certificate is configured; reach those with I(tls=true) and I(validate_certs=false).
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_TLS) is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the controller's certificate and host name when I(tls=true).
      - When false the server is not authenticated, and Broker's anonymous cipher suites are offered too.
      - The task warns when I(tls=true) and I(validate_certs=false).
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle file or a directory of hashed CA certificates to verify the controller with.
      - Without it the system's trust store is used.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_CA_PATH) is used.
    type: path
  client_cert:
    description:
      - A client certificate (PEM) to present to the controller.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_CLIENT_CERT) is used.
    type: path
  client_key:
    description:
      - The private key (PEM) of I(client_cert), when it is not in the same file.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_CLIENT_KEY) is used.
    type: path
  client_key_passphrase:
    description:
      - The passphrase of I(client_key).
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_CLIENT_KEY_PASSPHRASE) is used.
    type: str
  timeout:
    description:
      - Seconds to wait for the controller's answer to each request, and for each connection attempt.
      - The controller itself gives up on a request after about 10 to 12 seconds and answers
        C(request timed out), so values above 15 let that answer through.
      - A number greater than 0.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_TIMEOUT) is used.
    type: float
    default: 20
  retries:
    description:
      - Connection attempts before giving up, one second apart. Requests themselves are never
        repeated, because a repeated deploy would restart the cluster twice.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_RETRIES) is used.
    type: int
    default: 3
  max_message_size:
    description:
      - The largest message, in bytes, to accept from the controller; a larger one fails the task
        (C(failure.kind=too_big)) instead of filling memory.
      - A deployed configuration takes about 700 bytes per node, so the default, 64 MiB, is ten times
        a configuration of 10,000 nodes.
      - If not set in the task, the environment variable C(ZEEK_CONTROLLER_MAX_MESSAGE_SIZE) is used.
    type: int
    default: 67108864
requirements:
  - websockets >= 10.4 (on the host that runs the task)
notes:
  - These modules talk to the controller over the network; they do not need Zeek on the host
    that runs them. Responses are broadcast to every client of the controller, so requests are
    matched on the response event name and the request id.
"""
