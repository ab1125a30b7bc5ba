# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""zeek-client's ``.ini`` form: ``from_ini`` with zeek-client 1.5.0's parse
rules and ``to_ini`` with its exact ``get-config`` rendering (where we differ,
docs/cluster-model.md says why)."""

from __future__ import annotations

import configparser
import re
import shlex

from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.checks import validate
from ansible_collections.netsec.zeek.plugins.module_utils.cluster_model.model import (
    ROLE_WORDS,
    ROLES,
    UNKNOWN_HOST,
    ClusterConfigError,
    Configuration,
    Instance,
    Node,
    assign_instances,
    cpu_problem,
    did_you_mean,
    is_port,
    parse_host,
    parse_port,
    role_name,
)

_NODE_INI_KEYS = frozenset(("instance", "role", "scripts", "port", "interface", "cpu_affinity",
                            "env", "metrics_port"))


class _Section(object):
    """Typed access to one configparser section with zeek-client's ``_get`` rules."""

    def __init__(self, cfp, name):
        self.name = name
        # Lower-cased keys, [DEFAULT] included; None for a value-less key.
        self.values = values = dict(cfp.items(name, raw=True))
        for key, value in values.items():
            if value and "%" in value:
                # Interpolate like zeek-client, which reads every value of the
                # section (and fails on a bad one, used or not).
                values[key] = cfp.get(name, key)
        self.keys = values.keys()

    def get(self, key):
        return self.values.get(key)

    def get_int(self, key):
        value = self.get(key)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise ValueError('cannot convert "%s.%s" value "%s" to int' % (self.name, key, value))


def _node_from_ini(sec, warnings):
    name = sec.name
    instance = sec.get("instance")
    role = sec.get("role")
    if role is None:
        role = sec.get("type")
    state = sec.get("state")
    if state:
        warnings.append('ignoring node "%s" state "%s" in configuration' % (name, state))
    port = sec.get_int("port")
    interface = sec.get("interface")
    cpu_affinity = sec.get_int("cpu_affinity")
    metrics_port = sec.get_int("metrics_port")
    if not role:
        raise ValueError("node requires a role")
    short = role_name(role)
    if short is None:
        raise ValueError('role "%s" is invalid (valid roles: %s)%s'
                         % (role, ROLE_WORDS, did_you_mean(role, ROLES, lower=True)))
    if port is not None and not is_port(port):
        raise ValueError("port %d outside valid range" % port)
    if metrics_port is not None and not is_port(metrics_port):
        raise ValueError("metrics port %d outside valid range" % metrics_port)
    if cpu_affinity is not None and cpu_problem(cpu_affinity):
        raise ValueError("cpu_affinity %s" % cpu_problem(cpu_affinity))
    scripts = None
    text = sec.get("scripts")
    if text:
        scripts = sorted(_shell_split(text))  # zeek-client lets shlex's ValueError through
    env = None
    text = sec.get("env")
    if text:
        try:
            env = {}
            for item in _shell_split(text):
                key, value = item.split("=", 1)
                env[key] = value
        except ValueError:
            raise ValueError('env value "%s" is invalid' % text)
    unexpected = sorted(set(sec.keys) - _NODE_INI_KEYS)
    if unexpected:
        warnings.append('node "%s": ignoring unexpected keys: %s' % (name, ", ".join(unexpected)))
    return Node(name, instance or None, short, port=port, metrics_port=metrics_port, interface=interface,
                cpu_affinity=cpu_affinity, scripts=scripts, env=env)


def _instances_from_ini(cfp, errors):
    """The [instances] section; an entry with a problem is still declared
    (without host and port) so that the checks of the rest do not miss it."""
    instances = []
    for key, value in cfp.items("instances"):
        instance = _instance_from_ini(key, value, errors)
        instances.append(instance or Instance(key))
    return instances


def _instance_from_ini(key, value, errors):
    """``name`` or ``name = host:port`` -> Instance, or None after adding the problem."""
    if not value:
        return Instance(key)
    host, _sep, port = value.rpartition(":")
    if host == "" or port == "":
        errors.append('invalid spec for instance "%s": "%s" should be <host>:<port>' % (key, value))
        return None
    host = host.strip("[] ")
    port = port.strip()
    try:
        host = parse_host(host)
    except ValueError:
        errors.append('invalid spec for instance "%s": "%s" is not an IP address '
                      '(hostnames are not supported)' % (key, host))
        return None
    try:
        port = parse_port("port", port)
    except ValueError:
        errors.append('invalid spec for instance "%s": port "%s" is not a number from 1 to 65535'
                      % (key, port))
        return None
    return Instance(key, host, port)


def from_ini(text, default_instance=None):
    """zeek-client ``.ini`` text -> ``(Configuration, warnings)``.

    zeek-client 1.5.0's rules: configparser with ``allow_no_value`` and basic
    interpolation (``%%`` for ``%``), option names lower-cased (so are
    ``[instances]`` names), ``[DEFAULT]`` keys in every section, ``role`` or
    ``type``, ports 1-65535, scripts shlex-split and sorted, env shlex ``K=V``,
    ``state`` and unknown keys ignored with warnings, all-or-no nodes naming an
    instance, instances synthesized when there is no ``[instances]`` section.
    ``default_instance`` is used when no node names an instance
    (``default_instance_name(hostname)``). Raises ClusterConfigError listing
    every problem, worded like zeek-client.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    cfp = configparser.ConfigParser(allow_no_value=True)
    try:
        cfp.read_string(text, source="<cluster configuration>")
    except configparser.Error as err:
        raise ClusterConfigError("cannot read the configuration: %s" % _configparser_error(err))
    warnings = []
    errors = []
    nodes = []
    instances = None
    names = set()
    free = []
    sections = 0
    if cfp.defaults():
        warnings.append("[DEFAULT] keys apply to every section, [instances] included: %s"
                        % ", ".join(sorted(cfp.defaults())))
    for section in cfp.sections():
        try:
            if section == "instances":
                instances = _instances_from_ini(cfp, errors)
                continue
            if section in names:  # configparser normally refuses this first
                warnings.append('node "%s" defined more than once, skipping repeats' % section)
                continue
            sec = _Section(cfp, section)
            sections += 1
            if "instance" not in sec.keys:
                free.append(section)
            try:
                node = _node_from_ini(sec, warnings)
            except ValueError as err:
                errors.append('invalid node "%s" configuration: %s' % (section, err))
                continue
            names.add(section)
            nodes.append(node)
        except configparser.InterpolationError as err:
            errors.append('section "%s": %s' % (section, _configparser_error(err)))
    declared_instances = instances is not None
    instances, rule_errors = assign_instances(nodes, instances, default_instance, free, sections, ini=True)
    if errors or rule_errors:
        # Every problem at once: what the controller would refuse in the rest too.
        config = Configuration(None, instances, nodes)
        rest = [] if rule_errors else validate(config, controller_broker_port=None)
        raise ClusterConfigError(errors + rule_errors + rest, config=config)
    if declared_instances:
        declared = set(i.name for i in instances)
        for node in nodes:
            if node.instance not in declared and node.instance.lower() in declared:
                warnings.append('node "%s": instance "%s" is declared as "%s": configparser lower-cases '
                                '[instances] names, write the instance name in lower case'
                                % (node.name, node.instance, node.instance.lower()))
    return Configuration(None, instances, nodes), warnings


# Text in which shlex (POSIX, whitespace_split) and str.split() find the same words.
_PLAIN_WORDS_RE = re.compile(r"^[ \t\n!#-&(-\[\]-~]*$")
# ... and text whose only quoting is balanced double quotes without escapes.
_DQUOTED_WORDS_RE = re.compile(r'^[ \t\n!-&(-\[\]-~]*$')
_DQUOTED_WORD_RE = re.compile(r'(?:[^ \t\n"]+|"[^"]*")+')


def _shell_split(text):
    """shlex.split, without its cost for the usual simple cases."""
    if _PLAIN_WORDS_RE.match(text):
        return text.split()
    if _DQUOTED_WORDS_RE.match(text) and text.count('"') % 2 == 0:
        return [word.replace('"', "") for word in _DQUOTED_WORD_RE.findall(text)]
    return shlex.split(text)


def _configparser_error(err):
    text = str(err).replace("\n", " ").strip()
    if isinstance(err, configparser.InterpolationError):
        text = 'key "%s": %s (write %%%% for a literal %%)' % (err.option, text)
    return text


_SIMPLE_TOKEN_RE = re.compile(r"^[^\s\"'\\]+$")
_SPACED_TOKEN_RE = re.compile(r"^[^\s\"'\\](?:[^\"'\\]*[^\s\"'\\])?$")


def _ini_token(text):
    """One scripts/env item as zeek-client writes it, or shell-quoted when
    zeek-client's quoting would not read back."""
    if _SIMPLE_TOKEN_RE.match(text):
        return text
    if _SPACED_TOKEN_RE.match(text):
        return '"' + text + '"'
    return shlex.quote(text)


def _ini_env_item(key, value):
    if _SIMPLE_TOKEN_RE.match(key) and "=" not in key:
        if value == "" or _SIMPLE_TOKEN_RE.match(value):
            return key + "=" + value
        if _SPACED_TOKEN_RE.match(value):
            return key + '="' + value + '"'
    return shlex.quote(key + "=" + value)


def _ini_value(text):
    if "%" in text:
        text = text.replace("%", "%%")
    if "\n" in text:
        text = text.replace("\n", "\n\t")
    return text


def to_ini(config, display=False):
    """Configuration -> ``.ini`` text exactly as ``zeek-client get-config``
    writes it: ``[instances]`` (``name`` or ``name = host:port``, names lower-
    cased by configparser), then one section per node sorted by name with
    ``instance, role, port, scripts, interface, cpu_affinity, env,
    metrics_port`` when set; no id, no options.

    ``display=True`` is the ``--diff`` rendering: the same layout, but scripts
    in their real order, instance names as they are, and an ``options`` line,
    so every difference ``differs`` sees is visible.
    """
    sections = {}
    if config.instances:
        entries = {}
        for inst in sorted(config.instances, key=_by_name):
            key = inst.name if display else inst.name.lower()
            if inst.port is not None:
                entries[key] = "%s = %s:%d\n" % (key, inst.host or UNKNOWN_HOST, inst.port)
            else:
                entries[key] = key + "\n"
        sections["instances"] = "[instances]\n" + "".join(entries.values()) + "\n"
    token, env_item, value = _ini_token, _ini_env_item, _ini_value
    for node in sorted(config.nodes, key=_by_name):
        lines = ["[", node.name, "]\ninstance = ", value(node.instance), "\nrole = ", node.role, "\n"]
        if node.port is not None:
            lines.append("port = %d\n" % node.port)
        if node.scripts:
            scripts = node.scripts if display else sorted(node.scripts)
            lines += ("scripts = ", value(" ".join([token(s) for s in scripts])), "\n")
        if node.interface is not None:
            lines += ("interface = ", value(node.interface), "\n")
        if node.cpu_affinity is not None:
            lines.append("cpu_affinity = %d\n" % node.cpu_affinity)
        if node.env:
            env = node.env
            lines += ("env = ", value(" ".join([env_item(k, env[k]) for k in sorted(env)])), "\n")
        if node.metrics_port is not None:
            lines.append("metrics_port = %d\n" % node.metrics_port)
        if display and node.options:
            lines += ("options = ", value(" ".join([env_item(k, v) for k, v in node.options])), "\n")
        lines.append("\n")
        # configparser: a repeated section name replaces the earlier one, at the end.
        sections.pop(node.name, None)
        sections[node.name] = "".join(lines)
    return "".join(sections.values())


def _by_name(item):
    return item.name
