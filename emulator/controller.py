"""The controller: ``policy/frameworks/management/controller/main.zeek`` in Python.

Handlers, request state with expiry, the deployment state machine and the
STAGED/READY/DEPLOYED table.  The transport hands in converted (plain)
event arguments and gets back typed response events through ``publish``.
"""

from plugins.module_utils import broker_json as bj

from . import ports, validation, wire
from .events import unique_id
from .agents import result

API = "Management::Controller::API::"
STAGED, READY, DEPLOYED = "STAGED", "READY", "DEPLOYED"
ANY_ADDR = "0.0.0.0"


def clone(value):
    """A deep copy of plain configuration data.  (copy.deepcopy cannot copy the
    codec's Port: a tuple subclass without __getnewargs__.)"""
    if isinstance(value, dict):
        return dict((k, clone(v)) for k, v in value.items())
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value  # str, int, bool, None, Port, Enum, Address: immutable


class Request(object):
    """Management::Request::Request: id, results, parent, per-kind state."""

    def __init__(self, reqid):
        self.id = reqid
        self.results = []
        self.parent_id = None
        self.timer = None
        self.kind = None  # deploy, get_nodes, dispatch, restart, test
        self.config = None
        self.is_internal = False
        self.requests = set()  # outstanding agent sub-requests
        self.action = None


class Controller(object):
    def __init__(self, loop, options, publish, log, store):
        self.loop = loop
        self.options = options
        self._publish = publish
        self.log = log
        self.store = store
        self.configs = {}
        self.instances = {}  # g_instances: name -> Instance dict
        self.instances_known = {}  # g_instances_known
        self.instances_ready = set()  # g_instances_ready
        self.reqid_pending = ""  # g_config_reqid_pending
        self.requests = {}
        self.agents = {}  # name -> Agent that has peered (or can be peered with)
        self.listening_agents = []  # agents waiting for the controller to connect

    # -- plumbing ------------------------------------------------------------

    def publish(self, event, *args):
        delay = dict(getattr(self.options, "delay_response", None) or ()).get(event)
        if delay:
            # --delay-response (a test knob, no Zeek behaviour): the state change is made, only the
            # answer travels slowly, as over a slow link. Widens the windows in which another client
            # stages or deploys between two requests of one client.
            self.log.info("holding %s %s for %ss (--delay-response)" % (
                event, args[0] if args and isinstance(args[0], str) else "-", delay))
            self.loop.call_later(delay, self._send, event, args)
            return
        self._send(event, args)

    def _send(self, event, args):
        self.log.response(event, args[0] if args and isinstance(args[0], str) else "-")
        self._publish(API + event, list(args))

    def create_request(self, reqid=None):
        reqid = reqid or unique_id()
        old = self.requests.get(reqid)
        if old is not None and old.timer is not None:
            old.timer.cancel()
        req = Request(reqid)
        req.timer = self.loop.call_later(self.options.request_timeout, self._expire, reqid, req)
        self.requests[reqid] = req
        return req

    def lookup(self, reqid):
        return self.requests.get(reqid)

    def finish(self, reqid):
        req = self.requests.pop(reqid, None)
        if req is not None and req.timer is not None:
            req.timer.cancel()
            req.timer = None

    def save(self):
        self.store.save(self.configs)

    # -- agents --------------------------------------------------------------

    def add_agent(self, agent):
        """An agent configured on the command line: connecting agents peer now."""
        self.agents[agent.name] = agent
        if agent.listen_port is None:
            # A real agent checks in a moment after the controller listens (about 1 s on
            # loopback, longer on a loaded host): --agent-checkin-delay models that.
            delay = getattr(self.options, "agent_checkin_delay", 0.0) or 0.0
            if delay > 0:
                self.loop.call_later(delay, self.notify_agent_hello, agent, True)
            else:
                self.notify_agent_hello(agent, connecting=True)
        else:
            self.listening_agents.append(agent)

    def notify_agent_hello(self, agent, connecting):
        inst = {"name": agent.name, "host": agent.address, "listen_port": None}
        if not connecting:
            inst["listen_port"] = bj.Port(agent.listen_port, "tcp")
        self.instances_known[agent.name] = inst
        self.log.info("instance %s checked in from %s" % (agent.name, agent.address))
        if agent.name in self.instances and agent.name not in self.instances_ready:
            self._welcome(agent.name)

    def _welcome(self, name):
        agent = self.agents[name]
        req = self.create_request()
        self.loop.call_soon(agent.welcome_request, req.id, self._on_welcome_response)

    def _on_welcome_response(self, reqid, res):
        if self.lookup(reqid) is None:
            return
        self.finish(reqid)
        name = res["instance"]
        if not res["success"] or name not in self.instances:
            self.agents[name].standby_request()
            return
        self.instances_ready.add(name)
        self.check_instances_ready()

    def _peer(self, inst):
        """Broker::peer to a listening agent; succeeds when one listens there."""
        if inst["name"] in self.instances_known:
            return  # already peered: no new peering, no new hello
        for agent in self.listening_agents:
            if agent.address == str(inst["host"]) and agent.listen_port == inst["listen_port"][0]:
                self.loop.call_soon(self.notify_agent_hello, agent, False)
                return
        self.log.info("no agent listening on %s:%s, Broker keeps retrying" % (inst["host"], inst["listen_port"][0]))

    # -- deployment machinery (deploy(), add_instance(), ...) ------------------

    def check_instances_ready(self):
        if set(self.instances) == self.instances_ready:
            self.loop.call_soon(self.notify_agents_ready, set(self.instances))

    def add_instance(self, inst):
        inst = dict(inst)
        self.instances[inst["name"]] = inst
        if inst.get("listen_port") is not None:
            self._peer(inst)
        if inst["name"] in self.instances_known:
            if inst.get("listen_port") is None:
                inst["host"] = self.instances_known[inst["name"]]["host"]
            self._welcome(inst["name"])

    def drop_instance(self, inst):
        if inst["name"] not in self.instances:
            return
        agent = self.agents.get(inst["name"])
        if agent is not None and inst["name"] in self.instances_known:
            self.loop.call_soon(agent.standby_request)
        del self.instances[inst["name"]]
        self.instances_ready.discard(inst["name"])

    def _connectivity_changed(self, inst):
        if inst["name"] not in self.instances:
            return False
        cur = self.instances[inst["name"]]
        if str(inst["host"]) != ANY_ADDR and str(inst["host"]) != str(cur["host"]):
            return True
        if (inst.get("listen_port") is None) != (cur.get("listen_port") is None):
            return True
        if inst.get("listen_port") is not None and inst["listen_port"] != cur["listen_port"]:
            return True
        return False

    def deploy(self, req):
        self.reqid_pending = req.id
        config = req.config
        if READY not in self.configs:
            # main.zeek indexes g_configs[READY]: a run-time error, nothing deploys.
            self.log.info("runtime error: no READY configuration in deploy")
            return False
        # deploy() takes the instance set from READY, whatever config the request carries
        # (controller/main.zeek): after a restart, the internal redeploy of DEPLOYED peers
        # with READY's instances, which differ when a newer configuration was staged.
        instances = self.configs[READY]["instances"]
        current = set(self.instances)
        new = set(i["name"] for i in instances)
        to_drop, to_add = current - new, new - current
        to_keep = new & current
        to_peer = {}
        for inst in instances:
            if inst["name"] in to_add:
                to_peer[inst["name"]] = inst
                continue
            if inst["name"] not in to_keep:
                continue
            if self._connectivity_changed(inst):
                # Zeek drops it and marks it for adding, but only instances in
                # to_peer get added back (main.zeek).
                to_drop.add(inst["name"])
                to_add.add(inst["name"])
        for name in sorted(to_drop):
            self.drop_instance(self.instances[name])
        for name in sorted(to_peer):
            self.add_instance(to_peer[name])
        if not new:
            self.configs[DEPLOYED] = config
            self.save()
            self.reqid_pending = ""
            req.results.append(result(req.id, data=config["id"]))
            if not req.is_internal:
                self.publish("deploy_response", req.id, wire.results(req.results))
            self.finish(req.id)
            return False
        return True

    def notify_agents_ready(self, instances):
        if self.reqid_pending == "" and DEPLOYED in self.configs:
            req = self.create_request()
            req.kind, req.config, req.is_internal = "deploy", self.configs[DEPLOYED], True
            self.log.info("no deployment in progress, triggering via %s" % req.id)
            self.deploy(req)
        req = self.lookup(self.reqid_pending)
        if req is None or req.kind != "deploy":
            return
        self.config_deploy_to_agents(req.config, req)

    def config_deploy_to_agents(self, config, req):
        for name in sorted(self.instances):
            if name not in self.instances_ready:
                continue
            areq = self.create_request()
            areq.parent_id = req.id
            req.requests.add(areq.id)
            self.loop.call_soon(self.agents[name].deploy_request, areq.id, clone(config), False,
                                lambda results, areqid=areq.id: self._on_agent_deploy_response(areqid, results))

    def _collect(self, areqid, results):
        """Record one agent's answer; the parent request once every agent has answered, else None."""
        areq = self.lookup(areqid)
        if areq is None:
            return None
        self.finish(areqid)
        req = self.lookup(areq.parent_id)
        if req is None:
            return None
        req.results.extend(results if isinstance(results, list) else [results])
        req.requests.discard(areqid)
        return None if req.requests else req

    def _on_agent_deploy_response(self, areqid, results):
        req = self._collect(areqid, results)
        if req is None:
            return
        self.configs[DEPLOYED] = req.config
        self.save()
        self.reqid_pending = ""
        req.results.append(result(req.id, data=req.config["id"]))
        if not req.is_internal:
            self.publish("deploy_response", req.id, wire.results(req.results))
        self.finish(req.id)

    def start(self):
        """zeek_init(): load g_configs; redeploy a persisted DEPLOYED internally."""
        try:
            self.configs.update(self.store.load())
        except Exception as err:  # a damaged state file must not keep the controller down
            self.log.warning("cannot load persisted state from %s (%s); starting empty" % (self.store.path, err))
        if DEPLOYED in self.configs:
            req = self.create_request()
            req.kind, req.config, req.is_internal = "deploy", self.configs[DEPLOYED], True
            self.log.info("deploying persisted configuration %s, request %s" % (req.config["id"], req.id))
            if self.deploy(req):
                self.check_instances_ready()

    # -- process restarts (zeek-testing-cluster persistence-state-restart-*) ----

    def restart(self, checkin_delay=1.0):
        """The controller process alone restarts; agents and their nodes keep running.

        Everything in memory is gone; start() reloads the persisted configurations and
        redeploys DEPLOYED internally; the agents peer again a moment later (answers to
        the old process's requests find no request and are dropped)."""
        for req in self.requests.values():
            if req.timer is not None:
                req.timer.cancel()
        self.configs, self.requests = {}, {}
        self.instances, self.instances_known, self.instances_ready = {}, {}, set()
        self.reqid_pending = ""
        agents, self.agents, self.listening_agents = list(self.agents.values()), {}, []
        self.log.info("controller restarted")
        self.start()
        for agent in agents:
            self.loop.call_later(checkin_delay, self.add_agent, agent)

    def agent_restarted(self, agent, checkin_delay=1.0):
        """An agent process restarted (its nodes died with its Supervisor): Broker::peer_lost
        drops its known and ready state; it checks in again and, as an instance of the
        deployment, is welcomed, and DEPLOYED is redeployed to it (new node processes)."""
        agent.restart()
        self.instances_known.pop(agent.name, None)
        self.instances_ready.discard(agent.name)
        self.log.info("dropped state for instance %s" % agent.name)
        if agent.listen_port is None:
            self.loop.call_later(checkin_delay, self.notify_agent_hello, agent, True)
        elif agent.name in self.instances:
            self.loop.call_later(checkin_delay, self.notify_agent_hello, agent, False)

    # -- request expiry (Management::Request::request_expired) ---------------

    def _expire(self, reqid, req):
        if self.requests.get(reqid) is not req:
            return
        del self.requests[reqid]
        req.timer = None
        res = result(req.id, False, error="request timed out")
        self.log.info("request %s timed out" % req.id)
        if req.kind == "deploy":
            self.reqid_pending = ""
            req.results.append(res)
            if not req.is_internal:
                self.publish("deploy_response", req.id, wire.results(req.results))
        elif req.kind == "get_nodes":
            req.results.append(res)
            self.publish("get_nodes_response", req.id, wire.results(req.results))
        elif req.kind == "dispatch":
            req.results.append(res)
            self.publish("get_id_value_response", req.id, wire.results(req.results))
        elif req.kind == "restart":
            req.results.append(res)
            self.publish("restart_response", req.id, wire.results(req.results))
        elif req.kind == "test":
            self.publish("test_timeout_response", req.id, wire.result(res))

    # -- Management::Controller::API handlers --------------------------------

    def handle(self, name, args):
        short = name[len(API):] if name.startswith(API) else name
        handler = getattr(self, "on_" + short, None)
        if handler is None:
            return False
        handler(*args)
        return True

    def on_get_instances_request(self, reqid):
        insts = [self.instances_known[n] for n in sorted(self.instances_known, key=lambda s: s.encode())]
        res = result(reqid, data=bj.Vector(wire.instance(i) for i in insts))
        self.publish("get_instances_response", reqid, wire.result(res))

    def on_stage_configuration_request(self, reqid, config):
        req = self.create_request(reqid)
        errors = validation.validate(config, self.options.controller_port, self.options.auto_assign_broker_ports)
        if errors:
            req.results.extend(result(reqid, False, error=e) for e in errors)
            self.finish(reqid)
            self.publish("stage_configuration_response", reqid, wire.results(req.results))
            return
        self.configs[STAGED] = config
        ready = clone(config)
        for inst in ready["instances"]:
            known = self.instances_known.get(inst["name"])
            if known is not None and str(inst["host"]) == ANY_ADDR and str(known["host"]) != ANY_ADDR:
                inst["host"] = known["host"]
        if self.options.auto_assign_broker_ports:
            ports.assign_broker_ports(ready, self.options.broker_start_port)
        if self.options.auto_assign_metrics_ports:
            ports.assign_metrics_ports(ready, self.options.metrics_start_port,
                                       dropping_explicit=self.options.zeek_metrics_port_regression)
        self.configs[READY] = ready
        self.save()
        req.results.append(result(reqid, data=config["id"]))
        self.publish("stage_configuration_response", reqid, wire.results(req.results))
        self.finish(reqid)

    def on_get_configuration_request(self, reqid, deployed):
        key = DEPLOYED if deployed else STAGED
        if key not in self.configs:
            res = result(reqid, False, error="no %s configuration available" % key.lower())
        else:
            res = result(reqid, data=wire.configuration(self.configs[key]))
        self.publish("get_configuration_response", reqid, wire.result(res))

    def on_deploy_request(self, reqid):
        req = self.create_request(reqid)
        if READY not in self.configs:
            req.results.append(result(reqid, False, error="no configuration available to deploy"))
            self.publish("deploy_response", reqid, wire.results(req.results))
            self.finish(reqid)
            return
        if self.reqid_pending != "":
            req.results.append(result(reqid, False, error="earlier deployment %s still pending" % self.reqid_pending))
            self.publish("deploy_response", reqid, wire.results(req.results))
            self.finish(reqid)
            return
        req.kind, req.config = "deploy", self.configs[READY]
        if self.deploy(req):
            self.check_instances_ready()

    def on_get_nodes_request(self, reqid):
        if not self.instances_known:
            res = result(reqid, False, error="no instances connected")
            self.publish("get_nodes_response", reqid, wire.results([res]))
            return
        req = self.create_request(reqid)
        req.kind = "get_nodes"
        self._ask_agents(req, sorted(self.instances_known), "get_nodes_response",
                         lambda agent, areqid, done: agent.get_nodes_request(areqid, done))

    def _ask_agents(self, req, names, response, call):
        """One sub-request per named agent; ``response`` goes out once all have answered
        (or, when none was asked, the request expires, as in main.zeek)."""
        def done(areqid, results):
            self._on_agent_answer(response, areqid, results)
        for name in names:
            areq = self.create_request()
            areq.parent_id = req.id
            req.requests.add(areq.id)
            self.loop.call_soon(call, self.agents[name], areq.id, done)

    def _on_agent_answer(self, response, areqid, results):
        req = self._collect(areqid, results)
        if req is None:
            return
        self.publish(response, req.id, wire.results(req.results))
        self.finish(req.id)

    def _invalid_nodes(self, req, nodes):
        """Error results for named nodes missing from DEPLOYED; the valid rest."""
        deployed = set(n["name"] for n in self.configs[DEPLOYED]["nodes"])
        final = set(nodes) & deployed
        for name in sorted(set(nodes) - final):
            req.results.append(result(req.id, False, error="unknown cluster node", node=name))
        return final

    def on_get_id_value_request(self, reqid, ident, nodes):
        if not self.instances:
            res = result(reqid, False, error="no cluster deployed")
            self.publish("get_id_value_response", reqid, wire.results([res]))
            return
        req = self.create_request(reqid)
        req.kind, req.action = "dispatch", ["get_id_value", ident]
        final = set()
        if nodes:
            if DEPLOYED not in self.configs:
                # main.zeek indexes g_configs[DEPLOYED] here: a run-time error
                # aborts the handler; the request state later expires.
                self.log.info("runtime error: no DEPLOYED configuration in get_id_value_request")
                return
            final = self._invalid_nodes(req, nodes)
            if not final:
                self.publish("get_id_value_response", req.id, wire.results(req.results))
                self.finish(req.id)
                return
        ready = [name for name in sorted(self.instances) if name in self.instances_ready]
        self._ask_agents(req, ready, "get_id_value_response",
                         lambda agent, areqid, done: agent.node_dispatch_request(areqid, list(req.action), set(final),
                                                                                 done))

    def on_restart_request(self, reqid, nodes):
        req = self.create_request(reqid)
        req.kind = "restart"
        if not self.instances_known:
            req.results.append(result(reqid, False, error="no instances connected"))
            self.publish("restart_response", reqid, wire.results(req.results))
            self.finish(reqid)
            return
        if DEPLOYED not in self.configs:
            req.results.append(result(reqid, False, error="no active cluster deployment"))
            self.publish("restart_response", reqid, wire.results(req.results))
            self.finish(reqid)
            return
        if nodes:
            final = self._invalid_nodes(req, nodes)
            if not final:
                self.publish("restart_response", req.id, wire.results(req.results))
                self.finish(req.id)
                return
        ready = [name for name in sorted(self.instances) if name in self.instances_ready]
        self._ask_agents(req, ready, "restart_response",
                         lambda agent, areqid, done: agent.restart_request(areqid, set(nodes), done))

    def on_test_timeout_request(self, reqid, with_state):
        if with_state:
            req = self.create_request(reqid)
            req.kind = "test"

    def on_notify_agents_ready(self, instances):
        self.notify_agents_ready(set(instances))

    # -- hooks for other emulated endpoints ------------------------------------

    def find_node(self, name):
        for agent in self.agents.values():
            node = agent.find_node(name)
            if node is not None:
                return node
        return None

    def set_identifier(self, node, name, value_json, zeek_type=None):
        """Change a global identifier on one running cluster node (the hook for
        Config::cluster_set_option).  Returns False when the node does not exist."""
        target = self.find_node(node)
        if target is None:
            return False
        target.identifiers.set(name, value_json, zeek_type)
        return True

    def get_identifier(self, node, name):
        target = self.find_node(node)
        return None if target is None else target.identifiers.lookup(name)
