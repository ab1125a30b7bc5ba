# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: controller
short_description: Zeek cluster hosts from a Zeek Management Framework controller
version_added: 0.1.0
description:
  - Asks a Zeek Management Framework controller which instances (agents) it knows, what each one runs, and the
    deployed configuration; makes one inventory host per instance.
  - The host's C(ansible_host) is the instance's address as the controller knows it, and its host variables hold
    its cluster nodes (name, role, interface, ports, state, pid).
  - Hosts are put in a group per node role (C(zeek_manager), C(zeek_logger), C(zeek_proxy), C(zeek_worker), and
    C(zeek_agent), C(zeek_controller) for the management processes) and a group per node state
    (C(zeek_state_running), C(zeek_state_pending), ...), for every role and state among its nodes.
  - Uses a YAML configuration file whose name ends with C(zeek.yml), C(zeek.yaml), C(zeek_controller.yml) or
    C(zeek_controller.yaml).
  - The connection options are the modules' (see M(netsec.zeek.nodes_info)), read from the same environment
    variables.
author:
  - netsec.zeek maintainers (@netsec-zeek)
requirements:
  - websockets >= 10.4 (on the Ansible control node)
  - jsonschema
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    type: str
    required: true
    choices: [netsec.zeek.controller]
  controller_host:
    description: Address or name of the Zeek Management Framework controller.
    type: str
    default: 127.0.0.1
    env:
      - name: ZEEK_CONTROLLER_HOST
  controller_port:
    description:
      - The controller's WebSocket port, C(2149) or Zeek's C(2149/tcp) form.
    type: str
    default: "2149"
    env:
      - name: ZEEK_CONTROLLER_WEBSOCKET_PORT
  tls:
    description:
      - Use C(wss://). Zeek 8.0 and earlier controllers use TLS by default, with anonymous ciphers when no
        certificate is configured; reach those with O(tls=true) and O(validate_certs=false).
    type: bool
    default: false
    env:
      - name: ZEEK_CONTROLLER_TLS
  validate_certs:
    description: Verify the controller's certificate and host name when O(tls=true).
    type: bool
    default: true
    env:
      - name: ZEEK_CONTROLLER_VALIDATE_CERTS
  ca_path:
    description: A CA bundle file or a directory of hashed CA certificates to verify the controller with.
    type: path
    env:
      - name: ZEEK_CONTROLLER_CA_PATH
  client_cert:
    description: A client certificate (PEM) to present to the controller.
    type: path
    env:
      - name: ZEEK_CONTROLLER_CLIENT_CERT
  client_key:
    description: The private key (PEM) of O(client_cert), when it is not in the same file.
    type: path
    env:
      - name: ZEEK_CONTROLLER_CLIENT_KEY
  client_key_passphrase:
    description: The passphrase of O(client_key).
    type: str
    env:
      - name: ZEEK_CONTROLLER_CLIENT_KEY_PASSPHRASE
  timeout:
    description: Seconds to wait for the controller's answer to each request, and for each connection attempt.
    type: float
    default: 20
    env:
      - name: ZEEK_CONTROLLER_TIMEOUT
  retries:
    description: Connection attempts before giving up, one second apart.
    type: int
    default: 3
    env:
      - name: ZEEK_CONTROLLER_RETRIES
  group:
    description: The group every instance is put in.
    type: str
    default: zeek
  group_prefix:
    description: The start of the names of the role and state groups.
    type: str
    default: zeek_
  hostname:
    description:
      - A Jinja2 expression, over the host variables this plugin sets, for the inventory host name.
      - By default the host is named after its instance, for example C(agent-sensor1).
    type: str
"""

EXAMPLES = r"""
# The smallest zeek.yml: every instance of the controller on zeek-ctl.example.org
# (one YAML document per EXAMPLES, so this one is a comment):
#   plugin: netsec.zeek.controller
#   controller_host: zeek-ctl.example.org

# zeek.yml: name hosts after the machine (agent-sensor1 -> sensor1), log in as zeek,
# a group per interface a worker sniffs, and the cache
plugin: netsec.zeek.controller
hostname: zeek_instance | regex_replace('^agent-', '')
compose:
  ansible_user: "'zeek'"
keyed_groups:
  - key: zeek_nodes | selectattr('role', 'eq', 'worker') | map(attribute='interface') | select | list
    prefix: sniffs
groups:
  zeek_troubled: zeek_nodes | rejectattr('state', 'eq', 'RUNNING') | list | length > 0
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/netsec.zeek
cache_timeout: 300
"""

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.netsec.zeek.plugins.module_utils import cluster, reconcile
from ansible_collections.netsec.zeek.plugins.module_utils.connection import CONTROLLER
from ansible_collections.netsec.zeek.plugins.module_utils.controller import Controller, ControllerError, ProtocolError
from ansible_collections.netsec.zeek.plugins.module_utils.transport import (
    DEFAULT_MAX_MESSAGE_SIZE,
    HAS_WEBSOCKETS,
    TransportError,
)

try:
    # ansible-core >= 2.19 (data tagging): what a plugin sets is never templated unless trusted.
    from ansible.template import trust_as_template  # noqa: F401 pylint: disable=unused-import
except ImportError:
    # Older releases template host variables: mark the controller's text as unsafe.
    from ansible.utils.unsafe_proxy import wrap_var as _untrusted
else:
    def _untrusted(value):
        return value

display = Display()

_UNKNOWN_ADDRESS = "0.0.0.0"
_FILE_SUFFIXES = ("zeek.yml", "zeek.yaml", "zeek_controller.yml", "zeek_controller.yaml")
CLIENT_ERRORS = (TransportError, ControllerError, ProtocolError)
# The modules' controller options this plugin documents (max_message_size is not one: the modules' default).
CONNECTION_ARGS = ("controller_host", "controller_port", "tls", "validate_certs", "ca_path", "client_cert",
                   "client_key", "client_key_passphrase", "timeout", "retries")


def _role(status):
    """A node's role as nodes_info's filters name it: manager, worker, ..., agent, controller."""
    role = status.get("cluster_role") or status.get("mgmt_role") or "none"
    return role.lower()


def host_records(answers):
    """The controller's answers (as cached) -> one record per instance, sorted by name.

    ``answers``: {"instances": get_instances(), "nodes": get_nodes()["instances"],
    "deployed": to_dict(deployed configuration) or None}.
    """
    deployed = answers.get("deployed") or {}
    configured = dict((n["name"], n) for n in deployed.get("nodes") or [])
    records = []
    for instance in answers["instances"]:
        name = instance["name"]
        statuses = answers["nodes"].get(name) or {}
        nodes = []
        for node_name in sorted(set(statuses) | set(n for n, c in configured.items() if c["instance"] == name)):
            status = statuses.get(node_name, {})
            config = configured.get(node_name) if configured.get(node_name, {}).get("instance") == name else None
            nodes.append({
                "name": node_name,
                "role": _role(status) if status else config["role"].lower(),
                "interface": config["interface"] if config else None,
                "port": status.get("port", config["port"] if config else None),
                "metrics_port": status.get("metrics_port", config["metrics_port"] if config else None),
                # A deployed node its agent did not report has no known state.
                "state": status.get("state"),
                "pid": status.get("pid"),
            })
        address = instance.get("host")
        records.append({
            "zeek_instance": name,
            "zeek_instance_address": None if address in (None, _UNKNOWN_ADDRESS) else address,
            "zeek_instance_port": instance.get("port"),
            "zeek_nodes": nodes,
            "zeek_roles": sorted(set(n["role"] for n in nodes)),
            "zeek_states": sorted(set(n["state"] for n in nodes if n["state"])),
            "zeek_config_id": deployed.get("id"),
        })
    return sorted(records, key=lambda r: r["zeek_instance"])


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "netsec.zeek.controller"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(_FILE_SUFFIXES)

    def _connection_params(self):
        params = dict((name, self.get_option(name)) for name in CONNECTION_ARGS)
        params["max_message_size"] = DEFAULT_MAX_MESSAGE_SIZE
        return params

    def _where(self):
        return "%s:%s" % (self.get_option("controller_host"), self.get_option("controller_port"))

    def _ask_controller(self):
        if not HAS_WEBSOCKETS:
            raise AnsibleError("the netsec.zeek.controller inventory needs the Python library websockets (>= 10.4) "
                               "where ansible runs: pip install websockets")
        try:
            options = CONTROLLER.session_options(self._connection_params())
        except ValueError as err:
            raise AnsibleParserError("netsec.zeek.controller inventory: %s" % to_text(err))
        try:
            with Controller(**options) as controller:
                instances = controller.get_instances()
                nodes = controller.get_nodes()
                deployed = reconcile.current(controller, deployed=True)
        except CLIENT_ERRORS as err:
            raise AnsibleParserError(
                "netsec.zeek.controller inventory: Zeek controller %s: %s. Check controller_host/controller_port "
                "(or ZEEK_CONTROLLER_HOST/ZEEK_CONTROLLER_WEBSOCKET_PORT) and tls." % (self._where(), to_text(err)))
        except cluster.ClusterConfigError as err:
            raise AnsibleParserError("netsec.zeek.controller inventory: the controller's deployed configuration "
                                     "cannot be read: %s" % to_text(err))
        return {
            "instances": instances,
            "nodes": nodes["instances"],
            "errors": nodes["errors"],
            "deployed": None if deployed is None else cluster.to_dict(deployed),
        }

    def _answers(self, path, cache):
        """The controller's answers, from the cache when it is on and fresh."""
        use_cache = self.get_option("cache")
        key = self.get_cache_key(path)
        if use_cache and cache:
            try:
                return self._cache[key]
            except KeyError:
                pass  # nothing cached yet, or expired
        answers = self._ask_controller()
        if use_cache:
            self._cache[key] = answers
        return answers

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        answers = self._answers(path, cache)
        for error in answers.get("errors") or []:
            display.warning("netsec.zeek.controller inventory: %s%s" % (
                "%s: " % error["source"] if error.get("source") else "", error["error"]))
        self._populate(host_records(answers))

    def _populate(self, records):
        strict = self.get_option("strict")
        prefix = self.get_option("group_prefix")
        top = self.inventory.add_group(self.get_option("group"))
        template = self.get_option("hostname")
        for record in records:
            hostvars = _untrusted(record)
            name = record["zeek_instance"]
            if template:
                name = self._compose(template, hostvars)
                if not isinstance(name, str) or not name:
                    raise AnsibleParserError("netsec.zeek.controller inventory: hostname gave %r for instance %s; it "
                                             "must give a non-empty name" % (name, record["zeek_instance"]))
            host = self.inventory.add_host(to_text(name), group=top)
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            if record["zeek_instance_address"]:
                self.inventory.set_variable(host, "ansible_host", hostvars["zeek_instance_address"])
            for role in record["zeek_roles"]:
                self.inventory.add_child(self.inventory.add_group(prefix + role), host)
            for state in record["zeek_states"]:
                self.inventory.add_child(self.inventory.add_group(prefix + "state_" + state.lower()), host)
            variables = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
