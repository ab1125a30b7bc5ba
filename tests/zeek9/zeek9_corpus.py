# -*- coding: utf-8 -*-
"""The corpus: cluster descriptions the real generators are run on (VALID) and descriptions
the model must refuse (INVALID), each with the message it must give.

``@PREFIX@`` stands for the stand-in Zeek prefix a test builds (so systemd-analyze finds the
executables the units name).
"""

MULTI = "misc/zeromq-multi-host-auto-setup"

VALID = {
    # One host, Zeek 9.0: <host>.zeek.conf, node names prefixed with the host name.
    "one-host": ("9.0", {
        "hosts": {"zeek1": {"zeek": {"manager": 1, "loggers": 1, "proxies": 1},
                            "interfaces": {"lo": {"interface": "lo", "workers": 2}}}}}),
    # Several interfaces with CPU lists: the CPU comes from the host-wide worker index, so eth1's
    # workers 1 and 2 (host workers 4 and 5) get 10-13's 4th and (wrapping) 1st CPU: 13 and 10.
    "cpu-quirk": ("9.0", {
        "defaults": {"base_dir": "@PREFIX@"},
        "hosts": {"sensor": {
            "zeek": {"manager": 1, "loggers": 2, "proxies": 1, "env": {"ZEEK_DEFAULT_LISTEN_RETRY": 2}},
            "interfaces": {
                "eth0": {"interface": "af_packet::${interface_section_name}", "workers": 3,
                         "workers_cpu_list": "0-7",
                         "worker_env": {"FANOUT": "${host_worker_index}", "CPU": "${worker_cpu}"}},
                "eth1": {"interface": "af_packet::eth1", "workers": 2, "workers_cpu_list": "10-13",
                         "worker_numa_policy": "local", "worker_nice": -5, "worker_memory_max": "8G"},
                "eth2": {"interface": "eth2", "workers": 0},
                "mon": {"interface": "pcap${worker_index0}", "workers": 3, "workers_cpu_list": "20-26:3,30",
                        "worker_args": ["-e", "'redef LogAscii::use_json=T;'"]}}}}}),
    # A 3-host fleet, addresses on loopback, one host with its own prefix and ports.
    "fleet-3": ("9.0", {
        "defaults": {"cluster_backend_args": MULTI, "base_dir": "@PREFIX@"},
        "hosts": {
            "mgr1": {"zeek": {"manager": 1, "loggers": 2, "proxies": 2, "cluster_address": "127.0.0.1",
                              "manager_args": "policy/frameworks/cluster/websocket/server"}},
            "sensor1": {"zeek": {"cluster_address": "127.0.0.2"},
                        "interfaces": {"eth0": {"interface": "af_packet::eth0", "workers": 4,
                                                "workers_cpu_list": "0-3"},
                                       "eth1": {"interface": "af_packet::eth1", "workers": 2,
                                                "workers_cpu_list": "4-7"}}},
            "sensor2": {"zeek": {"cluster_address": "127.0.0.3", "cluster_node_prefix": "s2",
                                 "cluster_port": 30000, "metrics_port": 9100, "proxies": 1},
                        "interfaces": {"mon0": {"interface": "mon0", "workers": 3}}}}}),
    # Every [zeek] key a unit shows (9.0), and a custom archiver.
    "all-keys": ("9.0", {
        "defaults": {"base_dir": "@PREFIX@"},
        "hosts": {"box-1": {"zeek": {
            "manager": True, "loggers": 1, "proxies": 1, "user": "zeekd", "group": "zeekd",
            "restart_interval_sec": 5, "path": "/usr/bin:/bin", "ext_path": "/opt/extra/bin",
            "ext_zeek_path": "/opt/extra/share", "cluster_backend_args": ["frameworks/cluster/backend/zeromq"],
            "port": 28000, "address": "127.0.0.1", "metrics_port": 9500, "archiver": "@PREFIX@/bin/zeek-archiver",
            "archiver_args": "-v", "args": ["local", "site-extra"], "env": {"A": "1"},
            "manager_args": "m.zeek", "logger_args": "l.zeek", "proxy_args": "p.zeek",
            "manager_env": {"M": "1"}, "logger_env": {"L": ""}, "proxy_env": {"P": "x"}, "archiver_env": {"R": "y"},
            "manager_nice": -1, "logger_nice": 0, "proxy_nice": 1, "archiver_nice": 19,
            "manager_memory_max": "1G", "logger_memory_max": 1048576, "proxy_memory_max": "512M",
            "archiver_memory_max": "64M",
            "manager_cpu_set": "0", "logger_cpu_set": [1, 2], "proxy_cpu_set": "3-5:2", "archiver_cpu_set": "6"},
            "interfaces": {"lo": {"interface": "lo", "workers": 1}}}}}),
    # IPv6, metrics off, no node prefix.
    "ipv6-no-metrics": ("9.0", {
        "defaults": {"base_dir": "@PREFIX@"},
        "hosts": {"v6": {"zeek": {"manager": 1, "loggers": 1, "cluster_address": "[::1]", "metrics_port": 0,
                                  "cluster_node_prefix": ""},
                         "interfaces": {"lo": {"interface": "lo", "workers": 2}}}}}),
    # Host names whose order differs from their file names' ('edge-2.zeek.conf' < 'edge.zeek.conf'):
    # the layout generator sorts file names, so edge-2's nodes come first in the layout.
    "file-name-order": ("9.0", {
        "defaults": {"cluster_backend_args": MULTI},
        "hosts": {"edge": {"zeek": {"manager": 1, "loggers": 1, "cluster_address": "127.0.0.1"}},
                  "edge-2": {"zeek": {"proxies": 1, "cluster_address": "127.0.0.2"},
                             "interfaces": {"lo": {"interface": "lo", "workers": 1}}}}}),
    # Zeek 8.2: one section-less zeek.conf; the manager always runs, worker-N names.
    "v82-one-host": ("8.2", {
        "defaults": {"base_dir": "@PREFIX@"},
        "hosts": {"sensor": {"zeek": {"loggers": 1, "proxies": 2, "cluster_port": 28000, "metrics_port": 9300,
                                      "metrics_address": "127.0.0.1", "manager_nice": 2},
                             "interfaces": {"eth0": {"interface": "af_packet::eth0", "workers": 3,
                                                     "workers_cpu_list": "1,3",
                                                     "worker_numa_policy": "local"}}}}}),
    # Zeek 8.2 with 8.2's defaults (one logger, one proxy) and no workers.
    "v82-defaults": ("8.2", {"hosts": {"solo": {"interfaces": {"lo": {"interface": "lo", "workers": 1}}}}}),
}

# (version, description, [substrings of the messages, one per expected problem])
INVALID = {
    "fqdn-host": ("9.0", {"hosts": {"mgr.example.com": {"zeek": {"manager": 1}}}},
                  ["hosts.mgr.example.com: the host name 'mgr.example.com' is not accepted"]),
    "upper-case-host": ("9.0", {"hosts": {"Mgr1": {"zeek": {"manager": 1}}}}, ["silently leaves"]),
    "two-managers": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}}, "b": {"zeek": {"manager": 1}}}},
                     ["too many manager nodes (2): a, b"]),
    "no-manager": ("9.0", {"hosts": {"a": {"zeek": {"loggers": 1}}}}, ["no host has manager = 1"]),
    "newline-in-value": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "args": "local\nExecStartPre=/bin/sh"}}}},
                         ["hosts.a.zeek.args: contains the control character '\\n'", "zeek/zeek#5817"]),
    "control-in-env": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "env": {"X": "a\rb"}}}}},
                       ["hosts.a.zeek.env: X: the value contains the control character '\\r'"]),
    "manager-2": ("9.0", {"hosts": {"a": {"zeek": {"manager": 2}}}},
                  ["hosts.a.zeek.manager: invalid manager value: '2'", "no host has manager"]),
    "loggers-negative": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "loggers": -1}}}},
                         ["hosts.a.zeek.loggers: invalid loggers value: '-1'"]),
    "proxies-text": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "proxies": "two"}}}},
                     ["hosts.a.zeek.proxies: invalid proxies value: 'two'"]),
    "workers-bad": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1},
                                            "interfaces": {"e": {"interface": "e", "workers": "x"}}}}},
                    ["hosts.a.interfaces.e.workers: invalid workers value: 'x'"]),
    "cpu-list-bad": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "e", "workers": 1, "workers_cpu_list": "3-1"}}}}},
        ["hosts.a.interfaces.e.workers_cpu_list: invalid workers_cpu_list value '3-1'"]),
    "cpu-set-bad": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "manager_cpu_set": "0-4:0"}}}},
                    ["hosts.a.zeek.manager_cpu_set: invalid manager_cpu_set '0-4:0'"]),
    "nice-range": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "logger_nice": 20}}}},
                   ["hosts.a.zeek.logger_nice: invalid logger_nice value '20'"]),
    "memory-bad": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "proxy_memory_max": "1GB"}}}},
                   ["hosts.a.zeek.proxy_memory_max: invalid proxy_memory_max '1GB'"]),
    "numa-bad": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "e", "workers": 1, "worker_numa_policy": "interleave"}}}}},
        ["hosts.a.interfaces.e.worker_numa_policy: invalid 'worker_numa_policy' value"]),
    "address-hostname": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_address": "mgr.local"}}}},
                         ["hosts.a.zeek.cluster_address: invalid address 'mgr.local'"]),
    "address-ipv6-bare": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_address": "::1"}}}},
                          ["invalid address '::1' (write IPv6 addresses in brackets"]),
    "port-range": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_port": 70000}}}},
                   ["hosts.a.zeek.cluster_port: 70000 is not a TCP port 1-65535"]),
    "metrics-port-text": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "metrics_port": "9991/tcp"}}}},
                          ["hosts.a.zeek.metrics_port: '9991/tcp' is not a TCP port 0-65535"]),
    "restart-interval": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "restart_interval_sec": "1s"}}}},
                         ["hosts.a.zeek.restart_interval_sec: '1s' is not a whole number of seconds"]),
    "interface-name": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "eth0.100": {"interface": "eth0.100", "workers": 1}}}}},
        ["hosts.a.interfaces.eth0.100: invalid interface name in 'interface eth0.100'"]),
    "unknown-key": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "loggerz": 1}}}},
                    ["hosts.a.zeek.loggerz: invalid key 'loggerz' in section 'zeek'; did you mean loggers?"]),
    "interface-key-in-zeek": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "workers": 2}}}},
                              ["hosts.a.zeek.workers: workers belongs to an interface section"]),
    "unknown-interface-key": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "e", "workers": 1, "worker_cpu_list": "1"}}}}},
        ["invalid option 'worker_cpu_list' in section 'interface e'; did you mean workers_cpu_list?"]),
    "workers-no-interface": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"workers": 1}}}}}, ["found workers but no interface option in section 'interface e'"]),
    "interface-no-workers": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "e"}}}}}, ["found interface but no worker option in section 'interface e'"]),
    "empty-section": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {"e": {}}}}},
                      ["hosts.a.interfaces.e: empty section"]),
    "empty-interface": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "", "workers": 1}}}}}, ["hosts.a.interfaces.e.interface: is empty"]),
    "node-prefix-bad": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_node_prefix": "Sensor"}}}},
                        ["invalid cluster_node_prefix 'Sensor' (must be empty or match /[a-z0-9][-_a-z0-9]+/)"]),
    "node-prefix-digit": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_node_prefix": "1st"}}}},
                          ["refuses a first digit other than 0"]),
    "unknown-template-var": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "af_packet::${iface}", "workers": 1}}}}},
        ["hosts.a.interfaces.e.interface: invalid substitution var 'iface'"]),
    "worker-cpu-without-list": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "e", "workers": 1, "worker_env": {"C": "${worker_cpu}"}}}}}},
        ["hosts.a.interfaces.e.worker_env.C: invalid substitution var 'worker_cpu'", "needs workers_cpu_list"]),
    "unclosed-template": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {
        "e": {"interface": "e${worker_index", "workers": 1}}}}}, ["has a ${ without its closing }"]),
    "template-in-manager-env": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "manager_env": {
        "X": "${worker_index}"}}}}}, ["hosts.a.zeek.manager_env.X: invalid substitution var 'worker_index'"]),
    "env-not-dict": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "env": ["A=1"]}}}},
                     ["hosts.a.zeek.env: must be a dict of environment variables"]),
    "env-bad-name": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "env": {"A-B": "1"}}}}},
                     ["hosts.a.zeek.env: 'A-B' is not an environment variable name"]),
    "env-space": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "env": {"A": "x y"}}}}},
                  ["A: value 'x y' has white space"]),
    "path-relative": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "base_dir": "opt/zeek"}}}},
                      ["hosts.a.zeek.base_dir: 'opt/zeek' is not an absolute path"]),
    "user-space": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "user": "ze ek"}}}},
                   ["hosts.a.zeek.user: 'ze ek' has white space"]),
    "archiver-relative": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "archiver": "my-archiver"}}}},
                          ["'my-archiver' is neither 0, 1 nor the absolute path"]),
    "alias-twice": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_port": 1000, "port": 1000}}}},
                    ["port and its other name cluster_port are both set"]),
    "metrics-address-9": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "metrics_address": "127.0.0.1"}}}},
                          ["invalid key 'metrics_address' in section 'zeek'"]),
    "null-value": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "loggers": None}}}},
                   ["hosts.a.zeek.loggers: has no value"]),
    "bool-count": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "loggers": True}}}},
                   ["hosts.a.zeek.loggers: invalid loggers value: 'True'"]),
    "args-item-with-space": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "args": ["local", "-e redef X=T;"]}}}},
                             ["hosts.a.zeek.args: item 2 '-e redef X=T;' has white space"]),
    "bool-for-text": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "user": True}}}},
                      ["hosts.a.zeek.user: is a boolean; write a number or text"]),
    "list-for-scalar": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "group": ["zeek"]}}}},
                        ["hosts.a.zeek.group: must be a single value, not list"]),
    "bracketed-ipv4": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "cluster_address": "[10.0.0.1]"}}}},
                       ["hosts.a.zeek.cluster_address: invalid address '[10.0.0.1]'"]),
    "pathlist-relative": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "ext_zeek_path": "/a:site"}}}},
                          ["hosts.a.zeek.ext_zeek_path: '/a:site': every directory must be an absolute path"]),
    "quote-in-word": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "user": "ze'ek"}}}},
                      ["hosts.a.zeek.user: \"ze'ek\" has white space, a quote or a backslash"]),
    "interface-alias-twice": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {"e": {
        "interface": "e", "workers": 1, "worker_numa_policy": "local", "workers_numa_policy": "local"}}}}},
        ["hosts.a.interfaces.e.workers_numa_policy: workers_numa_policy and its other name worker_numa_policy"]),
    "interface-not-dict": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "interfaces": {"e": 3}}}},
                           ["hosts.a.interfaces.e: must be a dict, not int"]),
    "cluster-not-dict": ("9.0", ["hosts"], ["cluster: must be a dict with defaults and hosts"]),
    "trailing-space": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "group": "zeek "}}}},
                       ["hosts.a.zeek.group: has leading or trailing white space"]),
    "duplicate-node-names": ("9.0", {"hosts": {
        "a": {"zeek": {"manager": 1, "cluster_node_prefix": "x", "loggers": 1, "cluster_address": "10.0.0.1"}},
        "b": {"zeek": {"cluster_node_prefix": "x", "loggers": 1, "cluster_address": "10.0.0.2"}}}},
        ["hosts.b: node x-logger-1 is also a node of host a"]),
    "port-collision": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "loggers": 1, "cluster_port": 9991}}}},
                       ["hosts.a: node manager's metrics_port 9991 on a collides with cluster_port of manager"]),
    "port-overflow": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1, "loggers": 2, "cluster_port": 65535}}}},
                      ["node a-logger-1 would get port 65536, above 65535"]),
    "not-a-dict": ("9.0", {"hosts": {"a": "manager"}}, ["hosts.a: must be a dict"]),
    "unknown-top-key": ("9.0", {"host": {}}, ["cluster.host: unknown key", "hosts: no host given"]),
    "unknown-host-key": ("9.0", {"hosts": {"a": {"zeek": {"manager": 1}, "loggers": 1}}},
                         ["hosts.a.loggers: unknown key; a host has zeek and interfaces; put it under hosts.a.zeek"]),
    "v82-two-hosts": ("8.2", {"hosts": {"a": {"interfaces": {"e": {"interface": "e", "workers": 1}}},
                                        "b": {"interfaces": {"e": {"interface": "e", "workers": 1}}}}},
                      ["Zeek 8.2's generator runs one host"]),
    "v82-no-interface": ("8.2", {"hosts": {"a": {"zeek": {"loggers": 1}}}},
                         ["hosts.a.interfaces: Zeek 8.2's generator writes no units at all without an interface"]),
    "v82-manager-0": ("8.2", {"hosts": {"a": {"zeek": {"manager": 0}}}}, ["Zeek 8.2 always runs the manager"]),
    "v82-env": ("8.2", {"hosts": {"a": {"zeek": {"env": {"A": "1"}}}}},
                ["hosts.a.zeek.env: Zeek 8.2's section-less zeek.conf has no env"]),
    "v82-two-interfaces": ("8.2", {"hosts": {"a": {"interfaces": {"e": {"interface": "e", "workers": 1},
                                                                  "f": {"interface": "f", "workers": 1}}}}},
                           ["Zeek 8.2 takes one interface"]),
    "v82-worker-env": ("8.2", {"hosts": {"a": {"interfaces": {"e": {"interface": "e", "workers": 1,
                                                                    "worker_env": {"A": "1"}}}}}},
                       ["hosts.a.interfaces.e.worker_env: Zeek 8.2 has no worker_env"]),
    "v82-archiver-path": ("8.2", {"hosts": {"a": {"zeek": {"archiver": "/bin/arch"}}}},
                          ["invalid bool: /bin/arch for archiver"]),
    "v82-host-worker-index": ("8.2", {"hosts": {"a": {"interfaces": {"e": {
        "interface": "e${host_worker_index}", "workers": 1}}}}},
        ["invalid substitution var 'host_worker_index'"]),
}

# Raw zeek.conf texts the real generator must refuse with the message the model quotes:
# (version, file name, text, the generator's message). Proves the quoted messages are Zeek's.
ZEEK_REFUSES = {
    "manager-2": ("9.0", "a.zeek.conf", "[zeek]\nmanager = 2\n", "invalid manager value: '2'"),
    "loggers-negative": ("9.0", "a.zeek.conf", "[zeek]\nloggers = -1\n", "invalid loggers value: '-1'"),
    "proxies-text": ("9.0", "a.zeek.conf", "[zeek]\nproxies = two\n", "invalid proxies value: 'two'"),
    "workers-bad": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = e\nworkers = x\n",
                    "invalid workers value: 'x'"),
    "cpu-list-bad": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = e\nworkers = 1\n"
                     "workers_cpu_list = 3-1\n", "invalid workers_cpu_list value '3-1'"),
    "cpu-set-bad": ("9.0", "a.zeek.conf", "[zeek]\nmanager_cpu_set = 0-4:0\n", "invalid manager_cpu_set '0-4:0'"),
    "nice-range": ("9.0", "a.zeek.conf", "[zeek]\nlogger_nice = 20\n", "invalid logger_nice value '20'"),
    "memory-bad": ("9.0", "a.zeek.conf", "[zeek]\nproxy_memory_max = 1GB\n", "invalid proxy_memory_max '1GB'"),
    "numa-bad": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = e\nworkers = 1\n"
                 "worker_numa_policy = interleave\n", "invalid 'worker_numa_policy' value"),
    "address-hostname": ("9.0", "a.zeek.conf", "[zeek]\ncluster_address = mgr.local\n",
                         "invalid address 'mgr.local'"),
    "address-ipv6-bare": ("9.0", "a.zeek.conf", "[zeek]\ncluster_address = ::1\n", "invalid address '::1'"),
    "interface-name": ("9.0", "a.zeek.conf", "[zeek]\n[interface eth0.100]\ninterface = e\nworkers = 1\n",
                       "invalid interface name in 'interface eth0.100'"),
    "unknown-key": ("9.0", "a.zeek.conf", "[zeek]\nloggerz = 1\n", "invalid key 'loggerz' in section 'zeek'"),
    "unknown-interface-key": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = e\nworkers = 1\n"
                              "worker_cpu_list = 1\n", "invalid option 'worker_cpu_list' in section 'interface e'"),
    "workers-no-interface": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\nworkers = 1\n",
                             "found workers but no interface option in section 'interface e'"),
    "interface-no-workers": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = e\n",
                             "found interface but no worker option in section 'interface e'"),
    "empty-section": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\n", "empty section"),
    "node-prefix-bad": ("9.0", "a.zeek.conf", "[zeek]\ncluster_node_prefix = Sensor\n",
                        "invalid cluster_node_prefix 'Sensor'"),
    "node-prefix-digit": ("9.0", "a.zeek.conf", "[zeek]\ncluster_node_prefix = 1st\n",
                          "invalid cluster_node_prefix '1st'"),
    "unknown-template-var": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = x${iface}\nworkers = 1\n",
                             "invalid substitution var 'iface'"),
    "worker-cpu-without-list": ("9.0", "a.zeek.conf", "[zeek]\n[interface e]\ninterface = e\nworkers = 1\n"
                                "worker_env =\n    C=${worker_cpu}\n",
                                "invalid substitution var 'worker_cpu'"),
    "template-in-manager-env": ("9.0", "a.zeek.conf", "[zeek]\nmanager = 1\nmanager_env =\n    X=${worker_index}\n",
                                "invalid substitution var 'worker_index'"),
    "metrics-address-9": ("9.0", "a.zeek.conf", "[zeek]\nmetrics_address = 127.0.0.1\n",
                          "invalid key 'metrics_address' in section 'zeek'"),
}
