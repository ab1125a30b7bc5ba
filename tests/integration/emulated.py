"""What the integration suite's emulator fixture (conftest.py) runs, for the tests to import."""

AGENT = "agent-sensor1"
INTERFACES = "lo,eth0,eth1,eth2"


def stage_and_deploy_requests(emulator):
    """The stage and deploy requests the emulator handled, in order."""
    return [r.name for r in emulator.requests() if r.name in ("stage_configuration_request", "deploy_request")]
