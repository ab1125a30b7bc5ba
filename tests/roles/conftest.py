"""Role tests: run the long ansible-playbook scenarios side by side.

Each test module that needs playbook runs registers one scenario function with
@background. When collection is done, the scenarios of the collected modules start in
threads (each runs its ansible-playbook processes one after the other, as the test
describes); a module's fixture then waits for its own scenario's result. The scenarios
touch disjoint paths, so running them at the same time changes nothing but the wall
time: on two cores the suite finishes in about half the time.
"""
import scenarios


def pytest_collection_finish(session):
    scenarios.start_collected({item.module.__name__ for item in session.items if hasattr(item, "module")})


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    scenarios.shutdown()
