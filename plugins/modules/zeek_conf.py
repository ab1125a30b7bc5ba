#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: zeek_conf
short_description: Write a Zeek cluster's zeek.conf files for zeek-systemd-generator (Zeek 8.1+, multi-host 9.0)
version_added: 0.2.0
description:
  - Writes the configuration that Zeek's own C(zeek-systemd-generator) turns into systemd units;
    for Zeek 9.0 one C(<host>.zeek.conf) per cluster host in C(<prefix>/etc/zeek/cluster/), the same
    directory on every host of the cluster (the generator on each host reads the file named after its
    C(gethostname()), the layout generator reads them all); for Zeek 8.1 and 8.2 a single section-less
    C(<prefix>/etc/zeek/zeek.conf) for a one-host cluster.
  - Before anything is written, the whole description is checked with the generator's own parse
    rules and, where it has them, its own messages (keys, types, ranges, C([interface NAME]) names,
    CPU lists, template variables), plus what the generator accepts silently but breaks a cluster, a
    host name the layout generator ignores (an FQDN or upper-case name), not exactly one manager,
    duplicate node names or ports, a newline or control character in a value (zeek/zeek#5817; values
    land verbatim in unit files). Every problem is reported at once with its field path.
  - Returns the node names, roles, cluster ports and metrics ports the generator will produce, per
    host, so a user sees C(worker-eth0-3) before it exists.
  - Where the generator programs are installed (or given), runs the real C(zeek-systemd-generator)
    and C(zeek-cluster-layout-generator) on the new files in a temporary directory and reports which
    units and cluster layout entries would be added, removed or changed against the active ones
    (I(generated_dir), I(active_layout)). Check mode runs the same comparison and predicts C(changed)
    exactly.
  - Only files this module wrote are ever removed; see I(remove_stale).
  - The module does not reload systemd or restart Zeek; use C(units_changed) for that (the
    M(ansible.builtin.systemd_service) module with C(daemon_reload), then a restart of C(zeek.target)),
    or the role C(netsec.zeek.systemd_cluster).
author:
  - netsec.zeek maintainers (@netsec-zeek)
extends_documentation_fragment:
  - netsec.zeek.attributes
attributes:
  check_mode:
    support: full
    details: The generators still run, into a temporary directory, so the prediction is exact.
  diff_mode:
    support: full
    details: One before/after pair per file written or removed.
  idempotent:
    support: full
options:
  cluster:
    description:
      - The whole cluster in the generator's own terms, keyed by host (see the examples).
      - 'The shape is C({defaults: {ZEEK_KEY: value}, hosts: {HOST: {zeek: {ZEEK_KEY: value}, interfaces:
        {SECTION: {INTERFACE_KEY: value}}}}}).'
      - C(defaults) holds C([zeek]) keys used by every host unless the host sets them itself.
      - C(hosts) maps each cluster host name (what C(gethostname()) returns on it, lower case, no dots;
        the layout generator only reads files named C([a-z0-9][-a-z0-9_]*.zeek.conf)) to its C(zeek)
        keys (the C([zeek]) section) and its C(interfaces) (one C([interface NAME]) section each,
        rendered in name order).
      - "C([zeek]) keys: C(manager) (0 or 1, exactly one host has 1), C(loggers), C(proxies),
        C(user), C(group), C(restart_interval_sec), C(args), C(env), C(ext_zeek_path), C(path),
        C(ext_path), C(base_dir), C(cluster_backend_args), C(cluster_port) (or C(port)),
        C(cluster_address) (or C(address)), C(metrics_port) (0 disables), C(cluster_layout),
        C(cluster_node_prefix), C(archiver) (0, 1 or a command path), C(archiver_args), and per role
        (C(manager), C(logger), C(proxy), C(archiver)) C(<role>_args), C(<role>_env),
        C(<role>_nice), C(<role>_memory_max), C(<role>_cpu_set)."
      - "C(interfaces) keys: C(interface) (may use C(${worker_index}), C(${worker_index0}),
        C(${host_worker_index}), C(${host_worker_index0}), C(${worker_cpu}),
        C(${interface_section_name})), C(workers), C(worker_args), C(worker_env), C(workers_cpu_list)
        (for example V(0-8:2,10-20:3); indexed by the host-wide worker number, not the interface's),
        C(worker_nice), C(worker_memory_max), C(worker_numa_policy) (V(default) or V(local))."
      - C(*_env) are dicts; C(*_args) and C(cluster_backend_args) a string or a list of words;
        CPU lists a string or a list of CPU numbers.
      - Zeek 8.1/8.2 (section-less format) takes one host with at most one interface and only the keys
        that format knows; anything else is refused with the reason.
    type: dict
    required: true
  prefix:
    description:
      - Zeek's install prefix on the managed host. The module writes C(<prefix>/etc/zeek/cluster/)
        (Zeek 9.0) or C(<prefix>/etc/zeek/zeek.conf) (8.1/8.2). It is also where the generator programs
        are looked for.
    type: path
    default: /usr/local/zeek
  host:
    description:
      - The cluster host name of the managed host, the entry of O(cluster) whose units are compared
        against the active ones (and whose nodes are returned as C(host_nodes)).
      - Defaults to the host's C(gethostname()), which is what the generator itself uses. When it is not
        a host of O(cluster), the files are still written, a warning says so, and no units are compared.
    type: str
  zeek_version:
    description:
      - The Zeek version the files are for, V(8.1), V(8.2), V(9.0) or a longer version such as
        V(9.0.0-rc1); decides the file format.
      - Defaults to the version of C(<prefix>/bin/zeek) when it runs, else V(9.0).
    type: str
  generator:
    description:
      - Path of C(zeek-systemd-generator). Defaults to C(<prefix>/bin/zeek-systemd-generator) when it
        exists. Without it no units are compared.
    type: path
  layout_generator:
    description:
      - Path of C(zeek-cluster-layout-generator). Defaults to
        C(<prefix>/bin/zeek-cluster-layout-generator) when it exists. Without it no layout is compared.
    type: path
  generated_dir:
    description:
      - Where the active generated units are, the directory systemd gave the generator. Only Zeek's
        entries in it are compared (C(zeek*), C(zeek.target.wants/), C(multi-user.target.wants/zeek.target)).
    type: path
    default: /run/systemd/generator
  active_layout:
    description:
      - The active cluster layout, written by C(zeek-setup.service). Defaults to
        C(<prefix>/var/spool/zeek/generated-scripts/cluster-layout.zeek).
    type: path
  compare_units:
    description:
      - Run the generators and compare with the active units and layout. With V(false) only the files
        are compared.
    type: bool
    default: true
  remove_stale:
    description:
      - Remove C(*.zeek.conf) files in the cluster directory that this module wrote earlier (their first
        line is the header C(# Managed by netsec.zeek.zeek_conf)) and whose host is no longer in
        O(cluster). Files without that header are never removed; each one that the layout generator
        would read is reported in a warning, because it joins the cluster.
    type: bool
    default: true
  mode:
    description:
      - Permissions of the files written. The files hold no secrets (put ZeroMQ CURVE keys in an
        environment drop-in, not here; the generator copies values into world-readable unit files).
    type: raw
    default: "0644"
notes:
  - The generator picks its file by C(gethostname()) (C(<etc>/zeek/cluster/<hostname>.zeek.conf)), and
    falls back to C(<etc>/zeek/zeek.conf). Name each host in O(cluster) exactly as its host name.
  - Interface sections are written in name order; that order decides the host-wide worker index
    (used by C(workers_cpu_list)) and the order of metrics ports.
  - Workers get no cluster port; cluster and metrics ports count up per host from C(cluster_port) and
    C(metrics_port) in the order manager, loggers, proxies (and workers, for metrics).
seealso:
  - name: Zeek systemd generator
    description: Zeek's documentation of the zeek.conf format and multi-host clusters.
    link: https://docs.zeek.org/en/master/install/systemd.html
  - module: netsec.zeek.cluster_config
    description: The same cluster under the (discontinued) Management Framework.
"""

EXAMPLES = r"""
- name: Write the cluster directory on every host of a two-host Zeek 9 cluster
  netsec.zeek.zeek_conf:
    prefix: /opt/zeek
    cluster:
      defaults:
        cluster_backend_args: misc/zeromq-multi-host-auto-setup
      hosts:
        mgr1:
          zeek: {manager: 1, loggers: 1, proxies: 1, cluster_address: 10.0.0.1}
        sensor1:
          zeek: {cluster_address: 10.0.0.2}
          interfaces:
            eth0: {interface: "af_packet::eth0", workers: 8, workers_cpu_list: "0-7"}
  register: zeek_conf

# units_changed is null when nothing was compared (no generator, or this host is not in the cluster)
- name: Reload systemd when the generated units change
  ansible.builtin.systemd_service:
    daemon_reload: true
  when: zeek_conf.units_changed is true

- name: A one-host Zeek 8.2 cluster (a single section-less zeek.conf)
  netsec.zeek.zeek_conf:
    prefix: /opt/zeek
    zeek_version: "8.2"
    cluster:
      hosts:
        sensor:
          zeek: {loggers: 1, proxies: 1}
          interfaces:
            eth0: {interface: eth0, workers: 4, workers_cpu_list: "2-5"}
"""

RETURN = r"""
nodes:
  description:
    - Per cluster host, the nodes the generator will produce, in layout order.
    - C(cluster_port) is null for workers (they get none); C(metrics_port) is 0 when metrics are off.
    - Workers also have C(interface_section), C(interface) (templates filled in), C(cpu_affinity) (the
      C(CPUAffinity) of its drop-in, or null) and C(host_worker_index).
    - C(name), C(role), C(interface), C(cpu_affinity) and C(metrics_port) mean what they mean in
      M(netsec.zeek.cluster_config) (roles in lower case); C(unit) is the systemd unit that runs the node.
  returned: always
  type: dict
  sample:
    mgr1:
      - {name: manager, role: manager, unit: zeek-manager.service, cluster_port: 27760, metrics_port: 9991}
      - {name: mgr1-logger-1, role: logger, unit: zeek-logger@1.service, cluster_port: 27761, metrics_port: 9992}
    sensor1:
      - {name: sensor1-worker-eth0-1, role: worker, unit: zeek-worker-eth0@1.service, cluster_port: null,
         metrics_port: 9991, interface_section: eth0, interface: "af_packet::eth0", cpu_affinity: "0", host_worker_index: 1}
zeek_version:
  description: The Zeek version the files were written for (O(zeek_version), else C(<prefix>/bin/zeek --version), else V(9.0)).
  returned: always
  type: str
  sample: 9.0.0-rc1
host:
  description: The cluster host name the units were compared for (O(host) or C(gethostname())).
  returned: always
  type: str
  sample: sensor1
host_nodes:
  description: The entry of RV(nodes) for RV(host); empty when RV(host) is not in the cluster.
  returned: always
  type: list
  elements: dict
files:
  description: The files created, changed or removed (or that would be, in check mode), with C(state).
  returned: always
  type: list
  elements: dict
  sample:
    - {path: /opt/zeek/etc/zeek/cluster/sensor1.zeek.conf, state: changed}
    - {path: /opt/zeek/etc/zeek/cluster/old.zeek.conf, state: removed}
rendered:
  description: The content of every file of the cluster, keyed by file name.
  returned: always
  type: dict
units:
  description:
    - The difference between the units the generator produces from the new files and the active ones,
      as paths relative to I(generated_dir) (for example C(zeek-worker-eth0@3.service.d/10-zeek-systemd-generator.conf)).
    - Null when the generator was not run (not installed, O(compare_units=false), or RV(host) not in the cluster).
  returned: always
  type: dict
  contains:
    added: {description: Units or links generated that are not active, type: list, elements: str}
    removed: {description: Active units or links the generator would no longer produce, type: list, elements: str}
    changed: {description: Units whose content would change, type: list, elements: str}
units_changed:
  description:
    - Whether what the generator produces differs from what is active (units or layout). When true a
      C(systemctl daemon-reload) and a restart are needed for the change to take effect. Null when not compared.
  returned: always
  type: bool
layout:
  description:
    - The difference between the cluster layout the layout generator produces and the active one, by
      node name (C(nodes)) and cluster host (C(hosts)); C(changed) are entries whose line differs.
      Null when not compared.
  returned: always
  type: dict
warnings_detail:
  description: Findings that did not stop the module (also shown as warnings).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netsec.zeek.plugins.module_utils.zeek_conf.apply import run

ARGUMENT_SPEC = dict(
    cluster=dict(type="dict", required=True),
    prefix=dict(type="path", default="/usr/local/zeek"),
    host=dict(type="str"),
    zeek_version=dict(type="str"),
    generator=dict(type="path"),
    layout_generator=dict(type="path"),
    generated_dir=dict(type="path", default="/run/systemd/generator"),
    active_layout=dict(type="path"),
    compare_units=dict(type="bool", default=True),
    remove_stale=dict(type="bool", default=True),
    mode=dict(type="raw", default="0644"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
