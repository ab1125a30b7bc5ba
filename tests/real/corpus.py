"""Run the scenario corpus on each back-end, side by side, once per pytest session.

Each back-end (the emulator, the real Zeek 8.2.2, the real Zeek 9.0.0-rc1) runs every
scenario of ``scenarios.SCENARIOS`` in order in its own thread: most of a scenario's time
is spent waiting for processes, so the three run in about the time of the slowest. The
tests then read the recorded outcome of their (back-end, scenario) pair.
"""
import json
import threading
import time
import traceback

import backends
import scenarios
import zeek_dist

# Back-end id -> the Zeek version (None: the emulator) and the scenarios it runs. Zeek 9.0
# deprecates the Management Framework but still ships it: the zeek-client scenarios and
# the cluster_config contract run there too.
BACKENDS = {
    "emulator": (None, None),
    "zeek-8.2.2": ("8.2.2", None),
    "zeek-9.0.0-rc1": ("9.0.0-rc1", ["zc-get-instances", "zc-deploy-lifecycle", "zc-failing-worker", "zc-failing-logger-script",
                                     "zc-stage-and-get-config", "mod-cluster-config"]),
}


class Outcome(object):
    def __init__(self, transcript=None, normalised=None, error=None, seconds=0.0):
        self.transcript = transcript
        self.normalised = normalised
        self.error = error
        self.seconds = seconds


class BackendRun(object):
    """One back-end working through the corpus in a thread."""

    def __init__(self, backend_id, workdir):
        self.backend_id = backend_id
        self.version, self.only = BACKENDS[backend_id]
        self.workdir = workdir
        self.outcomes = {}
        self.setup_error = None
        self.backend = None
        self.thread = threading.Thread(target=self._run, name="corpus-" + backend_id, daemon=True)

    def names(self):
        return [name for name, _steps in scenarios.SCENARIOS if self.only is None or name in self.only]

    def _make_backend(self):
        if self.version is None:
            return backends.EmulatorBackend(self.workdir / "backend")
        return backends.RealBackend(zeek_dist.find_zeek(self.version), self.workdir / "backend")

    def _run(self):
        try:
            backend = self._make_backend()
            self.backend = backend
            backend.start()
        except BaseException as exc:  # reported by every test of this back-end
            self.setup_error = exc
            return
        try:
            for name, func in scenarios.SCENARIOS:
                if name not in self.names():
                    continue
                tmp = self.workdir / name
                tmp.mkdir(parents=True, exist_ok=True)
                start = time.monotonic()
                try:
                    transcript = func(backend, tmp)
                    normalised = scenarios.normalise(transcript, backend, tmp)
                    self.outcomes[name] = Outcome(transcript, normalised, seconds=time.monotonic() - start)
                    (tmp / "transcript.json").write_text(json.dumps(normalised, indent=1, sort_keys=True))
                except BaseException:  # the scenario's test reports it
                    self.outcomes[name] = Outcome(error=traceback.format_exc(), seconds=time.monotonic() - start)
        finally:
            backend.stop()

    def start(self):
        self.thread.start()

    def result(self, name, timeout=900):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError("back-end %s still running after %ss" % (self.backend_id, timeout))
        if self.setup_error is not None:
            raise self.setup_error
        return self.outcomes[name]


_RUNS = {}


def start(backend_ids, base_dir):
    for backend_id in backend_ids:
        if backend_id not in _RUNS:
            run = BackendRun(backend_id, base_dir / backend_id)
            _RUNS[backend_id] = run
            run.start()


def get(backend_id):
    return _RUNS[backend_id]


def shutdown():
    """End every back-end still running (a session that stops early must not leave Zeek behind)."""
    for run in _RUNS.values():
        if run.backend is not None and run.thread.is_alive():
            run.backend.stop()
