"""zeek-client interop suite: the real zeek-client 1.5.0 against the emulator.

Every test starts the emulator as a subprocess on 127.0.0.1 with a free port
and a temporary state directory, and runs ``zeek-client`` as a subprocess
(helpers in interop_helpers.py, the process wrapper in emulator/process.py).
"""

import pytest
from interop_helpers import EmulatorProcess


@pytest.fixture
def start_emulator(tmp_path):
    """Factory: start_emulator(*args, **kwargs) -> running EmulatorProcess."""
    started = []

    def start(*args, **kwargs):
        kwargs.setdefault("state_dir", str(tmp_path / ("state-%d" % len(started))))
        emu = EmulatorProcess(*args, **kwargs)
        started.append(emu)
        return emu.start()

    yield start
    for emu in started:
        emu.cleanup()


@pytest.fixture
def write_cfg(tmp_path):
    """Factory: write_cfg(text) -> path of a zeek-client .ini file."""
    counter = [0]

    def write(text, name=None):
        counter[0] += 1
        path = tmp_path / (name or "cluster-%d.cfg" % counter[0])
        path.write_text(text)
        return str(path)

    return write
