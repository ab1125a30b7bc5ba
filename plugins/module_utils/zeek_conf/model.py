# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cluster description, checked: ``from_dict(data, version)`` -> ``Cluster``.

The description (the module's ``cluster`` option, the role's ``zeek_systemd_cluster``)::

    defaults: {<[zeek] key>: value}          # every host's, unless the host sets it
    hosts:
      <host name>:
        zeek: {<[zeek] key>: value}
        interfaces: {<section name>: {<[interface] key>: value}}

Every problem is collected, with its field path (``hosts.sensor1.interfaces.eth0.workers``),
and raised at once as ``ZeekConfError``. Messages quote Zeek's generator where it has a
message for the problem (zeek-cluster-config.cc), then say why and how to fix it.

Private to the netsec.zeek collection.
"""

# The zeek_conf package (its __init__.py stays empty, as ansible-test's empty-init check asks):
# A Zeek cluster in the terms of Zeek's own ``zeek-systemd-generator`` (8.1+, multi-host 9.0).
#
# Private to the netsec.zeek collection: no compatibility promise to other code.
#
# * ``keys``: every ``zeek.conf`` key, its kind and the Zeek versions that know it;
# * ``cpulist``: Zeek's CPU list syntax (``0-8:2,10``), parsed as the generator parses it;
# * ``model``: ``from_dict(description, version)`` -> ``Cluster`` or ``ZeekConfError`` listing
#   every problem with its field path (the generator's own messages where it has them);
# * ``render``: ``render(cluster)`` -> ``{file name: text}``, byte-stable;
# * ``predict``: node names, cluster and metrics ports, units the generator will produce;
# * ``migrate``: zeekctl ``node.cfg`` and Management Framework configurations -> a description;
# * ``apply``: what the module does on a host (files, the real generators, the comparison).
#
# Everything but ``apply`` is pure: no I/O.


from __future__ import annotations

import ipaddress
import re

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf import keys as K
from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.cpulist import parse_cpu_list

# Control characters end up verbatim in unit files (zeek/zeek#5817): a newline injects directives.
_CONTROL_RE = re.compile(u"[\x00-\x1f\x7f]")
_WS_RE = re.compile(r"\s")
_MEMORY_RE = re.compile(r"^[0-9]+[KMGT]?$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VERSION_RE = re.compile(r"^\s*(\d+)\.(\d+)")
_HOST_RE = re.compile("^%s$" % K.HOST_NAME_PATTERN)
_SECTION_RE = re.compile("^%s$" % K.INTERFACE_NAME_PATTERN)
_PREFIX_RE = re.compile("^%s$" % K.NODE_PREFIX_PATTERN)
_TOP_KEYS = ("defaults", "hosts")
_HOST_KEYS = ("zeek", "interfaces")


class ZeekConfError(ValueError):
    """A description that cannot be written; ``messages`` lists every problem."""

    def __init__(self, messages):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = list(messages)
        super(ZeekConfError, self).__init__("; ".join(self.messages))


class Interface(object):
    """One ``[interface NAME]`` section: ``values`` maps key -> checked value."""

    __slots__ = ("name", "values")

    def __init__(self, name, values):
        self.name = name
        self.values = values

    def get(self, key, default=None):
        return self.values.get(key, default)


class Host(object):
    """One cluster host: its ``[zeek]`` values (defaults merged in) and its interfaces (name order)."""

    __slots__ = ("name", "zeek", "interfaces")

    def __init__(self, name, zeek, interfaces):
        self.name = name
        self.zeek = zeek
        self.interfaces = interfaces

    def get(self, key, default=None):
        return self.zeek.get(key, default)


class Cluster(object):
    """The checked cluster: ``version`` (major, minor), ``hosts`` (name order), ``warnings``."""

    __slots__ = ("version", "hosts", "warnings")

    def __init__(self, version, hosts, warnings):
        self.version = version
        self.hosts = hosts
        self.warnings = warnings

    @property
    def sectioned(self):
        """9.0 and later: [zeek] + [interface NAME] files, one per host."""
        return self.version >= (9, 0)

    def host(self, name):
        for host in self.hosts:
            if host.name == name:
                return host
        return None


def parse_version(text):
    """'9.0.0-rc1' -> (9, 0); raises ZeekConfError for what has no systemd generator."""
    match = _VERSION_RE.match(str(text or ""))
    if match is None:
        raise ZeekConfError("zeek_version: %r is not a Zeek version such as 8.2 or 9.0" % (text,))
    version = (int(match.group(1)), int(match.group(2)))
    if version < (8, 1):
        raise ZeekConfError("zeek_version: %s has no zeek-systemd-generator (it came with Zeek 8.1); "
                            "use zeekctl or the Management Framework, or upgrade" % text)
    return version


# ---------------------------------------------------------------------------
# One value
# ---------------------------------------------------------------------------


class _Bad(ValueError):
    """A value problem: ``text`` is the explanation; the caller adds the path."""


def _shown(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _scalar_text(value):
    if isinstance(value, bool):
        raise _Bad("is a boolean; write a number or text")
    if isinstance(value, (int, float, str)):
        return str(value)
    raise _Bad("must be a single value, not %s" % type(value).__name__)


def _check_text(text, empty_ok=False):
    bad = _CONTROL_RE.search(text)
    if bad:
        raise _Bad("contains the control character %r; values are copied verbatim into systemd unit "
                   "files, where a newline starts a new directive (zeek/zeek#5817)" % bad.group(0))
    if text != text.strip():
        raise _Bad("has leading or trailing white space, which Zeek's parser strips")
    if not text and not empty_ok:
        raise _Bad("is empty")
    return text


def _whole(value, low=None, high=None):
    if isinstance(value, bool):
        raise _Bad("is a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.match(r"^-?[0-9]+$", value.strip()):
        number = int(value.strip())
    else:
        raise _Bad("is not a whole number")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _Bad("is out of range")
    return number


def _words(value):
    """args: a string or a list of words -> one line (Zeek joins continuation lines with spaces)."""
    if isinstance(value, (list, tuple)):
        parts = []
        for index, item in enumerate(value):
            try:
                text = _check_text(_scalar_text(item))
            except _Bad as err:
                raise _Bad("item %d %s" % (index + 1, err))
            if _WS_RE.search(text) and text[0] not in "\"'":
                # The words land in ExecStart=, which systemd splits at white space unless quoted.
                raise _Bad("item %d %r has white space: systemd splits ExecStart= at white space, so it would "
                           "become several arguments; make each word an item, or quote the item (\"...\")"
                           % (index + 1, text))
            parts.append(text)
        return " ".join(parts)
    return _check_text(_scalar_text(value), empty_ok=True)


def _env(value):
    if not isinstance(value, dict):
        raise _Bad("must be a dict of environment variables, NAME: value")
    pairs = []
    for name in sorted(value, key=str):
        item = value[name]
        name = str(name)
        if not _ENV_NAME_RE.match(name):
            raise _Bad("%r is not an environment variable name (letters, digits and _, not first a "
                       "digit); systemd ignores such an assignment" % name)
        if item is None:
            item = ""
        try:
            text = _check_text(_scalar_text(item), empty_ok=True)
        except _Bad as err:
            raise _Bad("%s: the value %s" % (name, err))
        if _WS_RE.search(text) or any(c in text for c in "\"'\\"):
            raise _Bad("%s: value %r has white space, a quote or a backslash; systemd's Environment= "
                       "would split or unquote it" % (name, text))
        pairs.append((name, text))
    return pairs


def _cpus(value, message):
    if isinstance(value, (list, tuple)):
        text = ",".join(_scalar_text(v) for v in value)
    else:
        text = _scalar_text(value)
    _check_text(text, empty_ok=True)
    if parse_cpu_list(text) is None:
        raise _Bad("%s (write CPUs as 3, ranges as 0-7, strides as 0-14:2, joined by commas)"
                   % (message % text))
    return text


def _address(value, message):
    text = _check_text(_scalar_text(value))
    # utils.cc is_valid_ip: IPv4, or IPv6 in brackets.
    bracketed = text.startswith("[") and text.endswith("]")
    try:
        address = ipaddress.ip_address(text[1:-1] if bracketed else text)
    except ValueError:
        raise _Bad("%s (an IPv4 address, or an IPv6 address in brackets: [2001:db8::1]; "
                   "a host name is not accepted)" % (message % text))
    if address.version == 6 and not bracketed:
        raise _Bad("%s (write IPv6 addresses in brackets: [%s])" % (message % text, text))
    if address.version == 4 and bracketed:
        raise _Bad(message % text)
    return text


def check_value(key, value, version):
    """The checked, canonical value of ``key`` (a keys.Key), or raise _Bad."""
    kind = key.kind
    zeek = key.message
    if value is None:
        raise _Bad("has no value; leave the key out to use Zeek's default")
    if kind == "flag":
        if value is True or value is False:
            return int(value)
        try:
            number = _whole(value)
        except _Bad:
            number = None
        if number not in (0, 1):
            raise _Bad(zeek % _shown(value) + " (0 or 1)")
        return number
    if kind == "count":
        try:
            return _whole(value, 0)
        except _Bad:
            raise _Bad(zeek % _shown(value) + " (a whole number >= 0)")
    if kind == "seconds":
        try:
            return _whole(value, 0)
        except _Bad:
            raise _Bad("%r is not a whole number of seconds >= 0 (Zeek reads it with atoi())" % (value,))
    if kind in ("port", "metrics_port"):
        low = 1 if kind == "port" else 0
        try:
            return _whole(value, low, 65535)
        except _Bad:
            raise _Bad("%r is not a TCP port %d-65535%s (Zeek reads it with atoi(): anything else "
                       "becomes 0)" % (value, low, "; 0 disables metrics" if low == 0 else ""))
    if kind == "nice":
        try:
            return _whole(value, -20, 19)
        except _Bad:
            raise _Bad(zeek % _shown(value) + " (a nice level -20..19)")
    if kind == "memory":
        text = _check_text(_scalar_text(value))
        if not _MEMORY_RE.match(text):
            raise _Bad(zeek % text + " (bytes, or a number with K, M, G or T, as systemd's MemoryMax=)")
        return text
    if kind == "cpus":
        return _cpus(value, zeek)
    if kind == "numa":
        text = _check_text(_scalar_text(value))
        if text not in ("default", "local"):
            raise _Bad(zeek + " (%r: default or local)" % text)
        return text
    if kind == "env":
        return _env(value)
    if kind == "words":
        return _words(value)
    if kind == "address":
        return _address(value, zeek or "invalid address '%s'")
    if kind == "node_prefix":
        text = _check_text(_scalar_text(value), empty_ok=True)
        if text and not _PREFIX_RE.match(text):
            extra = ""
            if re.match(r"^[1-9]", text):
                extra = "; Zeek 9.0's check is [a-z0][-a-z0-9_]*: it refuses a first digit other than 0"
            raise _Bad(zeek % text + extra)
        return text
    if kind == "archiver":
        if value is True or value is False:
            return int(value)
        text = _check_text(_scalar_text(value))
        if text in ("0", "1"):
            return int(text)
        if version < (9, 0):
            raise _Bad("invalid bool: %s for archiver (Zeek %d.%d takes 0 or 1; a custom archiver "
                       "command needs Zeek 9.0)" % (text, version[0], version[1]))
        if not text.startswith("/") or _WS_RE.search(text):
            raise _Bad("%r is neither 0, 1 nor the absolute path of an archiver command "
                       "(options go to archiver_args)" % text)
        return text
    if kind in ("path", "pathlist", "word", "template"):
        text = _check_text(_scalar_text(value))
        if _WS_RE.search(text) or any(c in text for c in "\"'\\"):
            raise _Bad("%r has white space, a quote or a backslash; it is copied into unit files "
                       "where systemd would split or unquote it" % text)
        if kind == "path" and not text.startswith("/"):
            raise _Bad("%r is not an absolute path" % text)
        if kind == "pathlist" and any(p and not p.startswith("/") for p in text.split(":")):
            raise _Bad("%r: every directory must be an absolute path (colon-separated)" % text)
        return text
    raise AssertionError("unknown kind %s" % kind)


# ---------------------------------------------------------------------------
# Templates (utils.cc substitute_vars)
# ---------------------------------------------------------------------------


def template_vars(text):
    """Variable names used in ``text``, None for an unclosed ``${``; ``\\${`` is a literal."""
    names = []
    pos = 0
    while True:
        needle = text.find("${", pos)
        if needle < 0:
            return names
        if needle > 0 and text[needle - 1] == "\\":
            pos = needle + 2
            continue
        close = text.find("}", needle + 2)
        if close < 0:
            return None
        names.append(text[needle + 2:close])
        pos = close + 1


def substitute(text, variables):
    """substitute_vars: ``${name}`` replaced, ``\\${`` -> ``${``; None when it fails."""
    result = []
    pos = 0
    while pos < len(text):
        needle = text.find("${", pos)
        if needle < 0:
            result.append(text[pos:])
            break
        if needle > 0 and text[needle - 1] == "\\":
            result.append(text[pos:needle - 1])
            result.append("${")
            pos = needle + 2
            continue
        result.append(text[pos:needle])
        close = text.find("}", needle + 2)
        if close < 0:
            return None
        name = text[needle + 2:close]
        if name not in variables:
            return None
        result.append(variables[name])
        pos = close + 1
    return "".join(result)


def check_template(path, text, allowed, errors, why):
    names = template_vars(text)
    if names is None:
        errors.append("%s: %r has a ${ without its closing } (the generator stops with "
                      "'substitution failed')" % (path, text))
        return
    for name in names:
        if name not in allowed:
            errors.append("%s: invalid substitution var '%s' (%s)" % (path, name, why))


# ---------------------------------------------------------------------------
# The description
# ---------------------------------------------------------------------------


def _suggest(name, known):
    import difflib
    close = difflib.get_close_matches(name, known, n=1)
    return "; did you mean %s?" % close[0] if close else ""


def _table(path, value, errors):
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append("%s: must be a dict, not %s" % (path, type(value).__name__))
        return {}
    return value


def _zeek_values(path, data, version, errors, section):
    values = {}
    known = [k.name for k in K.ZEEK_KEYS if (k.in9 if version >= (9, 0) else k.in8)]
    for raw_key in data:
        key = str(raw_key)
        where = "%s.%s" % (path, key)
        canon = K.ALIASES.get(key, key)
        spec = K.ZEEK_KEY.get(canon)
        if spec is None or spec.kind == "template":
            if key in K.INTERFACE_KEY:
                errors.append("%s: %s belongs to an interface section (hosts.<host>.interfaces.<name>)"
                              % (where, key))
            else:
                errors.append("%s: invalid key '%s' in section '%s'%s"
                              % (where, key, section, _suggest(key, known)))
            continue
        if canon in values:
            errors.append("%s: %s and its other name %s are both set; keep one" % (where, key, canon))
            continue
        if version >= (9, 0) and not spec.in9:
            errors.append("%s: invalid key '%s' in section 'zeek' (Zeek 9.0 takes the metrics address from "
                          "cluster_address, or the environment variable ZEEK_TELEMETRY_LISTEN_ADDRESS)"
                          % (where, key))
            continue
        try:
            values[canon] = check_value(spec, data[raw_key], version)
        except _Bad as err:
            errors.append("%s: %s" % (where, err))
    return values


def _interface(path, name, data, version, errors):
    values = {}
    if not _SECTION_RE.match(name):
        errors.append("%s: invalid interface name in 'interface %s' (must match /interface [-_a-z0-9]+/)"
                      % (path, name))
    if not data:
        errors.append("%s: empty section (give it interface and workers)" % path)
        return Interface(name, values)
    known = [k.name for k in K.INTERFACE_KEYS]
    for raw_key in data:
        key = str(raw_key)
        where = "%s.%s" % (path, key)
        canon = K.ALIASES.get(key, key)
        spec = K.INTERFACE_KEY.get(canon)
        if spec is None:
            errors.append("%s: invalid option '%s' in section 'interface %s'%s"
                          % (where, key, name, _suggest(key, known)))
            continue
        if canon in values:
            errors.append("%s: %s and its other name %s are both set; keep one" % (where, key, canon))
            continue
        try:
            values[canon] = check_value(spec, data[raw_key], version)
        except _Bad as err:
            errors.append("%s: %s" % (where, err))
    section = "in section 'interface %s'" % name
    if "workers" in data and "interface" not in data:
        errors.append("%s: found workers but no interface option %s" % (path, section))
    elif "interface" in data and "workers" not in data:
        errors.append("%s: found interface but no worker option %s" % (path, section))
    return Interface(name, values)


def from_dict(data, version=(9, 0)):
    """Check the whole description; return a ``Cluster`` or raise ``ZeekConfError`` with every problem."""
    if not isinstance(version, tuple):
        version = parse_version(version)
    errors = []
    if not isinstance(data, dict):
        raise ZeekConfError("cluster: must be a dict with defaults and hosts")
    for key in data:
        if key not in _TOP_KEYS:
            errors.append("cluster.%s: unknown key; the description has defaults and hosts%s"
                          % (key, _suggest(str(key), _TOP_KEYS)))
    section = "zeek" if version >= (9, 0) else ""
    defaults = _zeek_values("defaults", _table("defaults", data.get("defaults"), errors), version, errors,
                            section)
    hosts_data = _table("hosts", data.get("hosts"), errors)
    if not hosts_data and "hosts" not in [e.split(":")[0] for e in errors]:
        errors.append("hosts: no host given; name at least one host, with its zeek keys and interfaces")
    hosts = []
    # In file name order: the layout generator sorts <host>.zeek.conf names ('a-b' < 'a').
    for raw_name in sorted(hosts_data, key=lambda n: str(n) + ".zeek.conf"):
        name = str(raw_name)
        path = "hosts.%s" % name
        if not _HOST_RE.match(name):
            errors.append(
                "%s: the host name %r is not accepted by zeek-cluster-layout-generator, which reads only "
                "files named [a-z0-9][-a-z0-9_]*.zeek.conf and silently leaves the others out of the cluster "
                "(an FQDN or an upper-case name breaks it); use the host's short lower-case name, which is "
                "also what gethostname() must return there" % (path, name))
        entry = _table(path, hosts_data[raw_name], errors)
        for key in entry:
            if key not in _HOST_KEYS:
                hint = ""
                if key in K.ZEEK_KEY or key in K.ALIASES:
                    hint = "; put it under %s.zeek" % path
                errors.append("%s.%s: unknown key; a host has zeek and interfaces%s" % (path, key, hint))
        own = _zeek_values(path + ".zeek", _table(path + ".zeek", entry.get("zeek"), errors), version, errors,
                           section)
        merged = dict(defaults)
        merged.update(own)
        interfaces = []
        iface_data = _table(path + ".interfaces", entry.get("interfaces"), errors)
        for raw_iface in sorted(iface_data, key=str):
            iname = str(raw_iface)
            where = "%s.interfaces.%s" % (path, iname)
            if iface_data[raw_iface] is not None and not isinstance(iface_data[raw_iface], dict):
                errors.append("%s: must be a dict, not %s" % (where, type(iface_data[raw_iface]).__name__))
                continue
            interfaces.append(_interface(where, iname, iface_data[raw_iface] or {}, version, errors))
        hosts.append(Host(name, merged, interfaces))
    warnings = []
    # Cross-host rules also run on a description with field errors (on the values that
    # passed), so one run reports every problem. Imported here: rules needs the model.
    from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.rules import cluster_rules
    cluster_rules(Cluster(version, hosts, warnings), errors, warnings)
    if errors:
        raise ZeekConfError(errors)
    return Cluster(version, hosts, warnings)
