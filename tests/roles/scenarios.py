"""Registry of the role tests' background scenarios (see conftest.py)."""
import concurrent.futures

_SCENARIOS = {}  # module name -> function
_FUTURES = {}
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="scenario")


def background(function):
    """Register function (no arguments, returns the scenario's result) for its module."""
    _SCENARIOS[function.__module__] = function
    return function


def result(module_name):
    """Wait for a module's scenario (starting it now if collection did not)."""
    if module_name not in _FUTURES:
        _FUTURES[module_name] = _POOL.submit(_SCENARIOS[module_name])
    return _FUTURES[module_name].result()


def start_collected(module_names):
    """Start the scenarios of these modules (called once collection is done)."""
    for name in sorted(module_names):
        if name in _SCENARIOS and name not in _FUTURES:
            _FUTURES[name] = _POOL.submit(_SCENARIOS[name])


def shutdown():
    _POOL.shutdown(wait=True)
