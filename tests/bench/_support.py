"""Shared helpers for the benchmarks: import paths, timing, table printing."""
import os
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO_ROOT, ".build", "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

SIZES = (10, 100, 1000, 10000)


def best_of(function, repeat=5, budget=3.0):
    """The fastest of several runs (seconds): the least disturbed by other work."""
    times = []
    started = time.perf_counter()
    for _attempt in range(repeat):
        begin = time.perf_counter()
        function()
        times.append(time.perf_counter() - begin)
        if time.perf_counter() - started > budget and len(times) >= 2:
            break
    return min(times), statistics.median(times)


def sample_nodes(count):
    """A plausible cluster: one manager, loggers, proxies, the rest workers, two instances."""
    nodes = [{"name": "manager", "instance": "agent-a", "role": "manager"}]
    loggers = max(1, count // 100)
    proxies = max(1, count // 50)
    for index in range(loggers):
        nodes.append({"name": "logger-%04d" % index, "instance": "agent-a", "role": "logger"})
    for index in range(proxies):
        nodes.append({"name": "proxy-%04d" % index, "instance": "agent-%s" % "ab"[index % 2], "role": "proxy"})
    index = 0
    while len(nodes) < count:
        nodes.append({"name": "worker-%05d" % index, "instance": "agent-%s" % "ab"[index % 2], "role": "worker",
                      "interface": "eth%d" % (index % 4), "cpu_affinity": index % 32,
                      "env": {"ZEEK_SEED": str(index)}, "scripts": ["site/tuning.zeek"]})
        index += 1
    return nodes[:count]


def sample_config(count):
    return {"id": "bench-%d" % count,
            "instances": [{"name": "agent-a"}, {"name": "agent-b", "host": "192.0.2.2", "port": 2151}],
            "nodes": sample_nodes(count)}


def print_table(title, header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, header))
    print("\n" + title)
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join("%*s" % (w, cell) for w, cell in zip(widths, row)))


def ms(seconds):
    return "%.2f ms" % (seconds * 1000)
