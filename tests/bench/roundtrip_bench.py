"""Stage + deploy round trips against the emulator over a real loopback WebSocket.

Target (issue 2): a 1,000-node stage + deploy under 1 s. Nodes start at once
(--node-start-delay 0) so the figure is the protocol path: encode, send,
controller validation and port assignment, agents, decode.
"""
import time

from _support import ms, print_table, sample_config
from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from ansible_collections.netsec.zeek.plugins.module_utils.controller import Controller
from emulator.process import EmulatorProcess

SIZES = (10, 100, 1000, 10000)


def round_trip(controller, config):
    began = time.perf_counter()
    controller.stage_configuration(cluster.to_wire(config))
    staged = time.perf_counter()
    outcome = controller.deploy(timeout=120)
    done = time.perf_counter()
    assert outcome["success"], outcome["errors"]
    return staged - began, done - staged, done - began


def run():
    rows = []
    with EmulatorProcess("--interfaces", "eth0,eth1,eth2,eth3", "--node-start-delay", "0",
                         "--request-timeout", "120", "--agent-timeout", "120",
                         agents=["agent-a", "agent-b=127.0.0.1"]) as emu:
        with Controller(port=emu.port, timeout=120) as controller:
            for size in SIZES:
                data = sample_config(size)
                data["instances"] = [{"name": "agent-a"}, {"name": "agent-b"}]
                config = cluster.from_dict(data)
                best = None
                for attempt in range(3 if size <= 1000 else 1):
                    config.id = "bench-%d-%d" % (size, attempt)
                    timing = round_trip(controller, config)
                    best = timing if best is None or timing[2] < best[2] else best
                verdict = "-" if size != 1000 else ("met" if best[2] < 1.0 else "MISSED")
                rows.append((size, ms(best[0]), ms(best[1]), ms(best[2]), verdict))
    print_table("Stage + deploy round trip against the emulator (best of 3; 10,000 once)",
                ("nodes", "stage", "deploy", "total", "target: 1,000 under 1 s"), rows)
    return rows
