"""Plain dicts -> typed Broker values for the controller's responses (via the codec)."""

from plugins.module_utils import broker_json as bj

VERSION = "8.2"  # records carry every field since Zeek 7.0 (Node and NodeStatus: metrics_port)


def node_outputs(stdout, stderr):
    return bj.NODE_OUTPUTS.to_broker({"stdout": stdout, "stderr": stderr}, version=VERSION)


def node_statuses(statuses):
    return bj.Vector(bj.NODE_STATUS.to_broker(s, version=VERSION) for s in statuses)


def result(res):
    return bj.RESULT.to_broker(res, version=VERSION)


def results(res_list):
    return bj.Vector(result(r) for r in res_list)


def configuration(config):
    return bj.CONFIGURATION.to_broker(config, version=VERSION)


def instance(inst):
    return bj.INSTANCE.to_broker(inst, version=VERSION)
