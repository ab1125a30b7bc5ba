"""Management agents and the cluster nodes their Supervisors run.

Behaviour follows ``policy/frameworks/management/agent/main.zeek`` and
``node/main.zeek``.  Processes are not real: a node is "launched" (gets a pid,
state PENDING), and after ``node_start_delay`` seconds either says hello
(RUNNING) or, for a worker sniffing an interface the host lacks, dies with
the pcap error on stderr and stays PENDING (the Supervisor keeps retrying).

Agents talk to the controller through plain method calls whose replies are
delivered with ``loop.call_soon``, like events crossing Broker.
"""

import random

from plugins.module_utils.broker_json import Port

from .events import unique_id
from .identifiers import IdentifierTable, new_broker_id, script_loads
from .wire import node_outputs, node_statuses

PENDING = "Management::PENDING"
RUNNING = "Management::RUNNING"

PCAP_ERROR = "fatal error: problem with interface %s (pcap_error: No such device exists (pcap_activate))"
# What a real 8.2.2 node prints when a ``scripts`` entry does not load (it reports the
# last of them; seen with tests/real).
SCRIPT_ERROR = "fatal error: can't find %s"
# The Supervisor revives a node that exits prematurely, with growing delays
# (supervisor.stderr: "revived after premature exit"); each revival is a new pid.
REVIVE_DELAYS = (1.0, 1.3, 1.6, 2.2, 3.0)


class PidAllocator(object):
    """Plausible process ids: unique and increasing, in small random steps."""

    def __init__(self, start=None):
        self._next = start if start is not None else random.randint(20000, 40000)

    def __call__(self):
        self._next += random.randint(1, 9)
        return self._next


def result(reqid, success=True, instance=None, data=None, error=None, node=None):
    """A Management::Result as a plain dict (``data`` already a typed value)."""
    return {"reqid": reqid, "success": success, "instance": instance, "data": data,
            "error": error, "node": node}


class SupervisedNode(object):
    """One cluster node (a Zeek process under the agent's Supervisor)."""

    def __init__(self, agent, config_node):
        self.agent = agent
        self.config = config_node
        self.name = config_node["name"]
        self.role = config_node["role"].split("::")[-1]  # MANAGER, WORKER, ...
        self.state = PENDING
        self.pid = None
        self.outputs = None  # (stdout, stderr) once the Supervisor captured any
        self.broker_id = new_broker_id()
        self.revivals = 0
        self.started_at = None  # loop time of the last hello
        self._timer = None
        self.identifiers = IdentifierTable(self)

    def failure(self):
        """The stderr line a node that cannot start prints, or None.

        A worker sniffing an interface its host lacks, or any node with a ``scripts``
        entry that does not load: it never says hello, so the deploy fails for it.
        """
        iface = self.config.get("interface")
        if (self.role == "WORKER" and iface is not None
                and self.agent.interfaces is not None and iface not in self.agent.interfaces):
            return PCAP_ERROR % iface
        missing = [script for script in self.config.get("scripts") or [] if not script_loads(script)]
        if missing:
            return SCRIPT_ERROR % missing[-1]
        return None

    @property
    def fails(self):
        return self.failure() is not None

    def launch(self):
        """Fork (pid now), then hello or crash after the start delay."""
        self.cancel()
        self.state = PENDING
        self.pid = self.agent.pids()
        self.broker_id = new_broker_id()
        self.revivals = 0
        self._timer = self.agent.loop.call_later(self.agent.node_start_delay, self._started)

    def _started(self):
        self._timer = None
        error = self.failure()
        if error is not None:
            # The process died; the Supervisor captured its output and revives it (a new
            # pid) with growing delays, failing every time: PENDING with a pid, as in Zeek.
            self.outputs = ("", error)
            delay = REVIVE_DELAYS[min(self.revivals, len(REVIVE_DELAYS) - 1)]
            self.revivals += 1
            self._timer = self.agent.loop.call_later(delay, self._revive)
            return
        self.state = RUNNING
        self.started_at = self.agent.loop.time()
        if self.agent.cluster is not None:
            self.agent.cluster.node_up(self)
        self.agent.notify_node_hello(self)

    def _revive(self):
        self.pid = self.agent.pids()
        self._timer = self.agent.loop.call_later(self.agent.node_start_delay, self._started)

    def cancel(self):
        """The process goes away (restart or destroy): its WebSocket listener too."""
        if self.agent.cluster is not None:
            self.agent.cluster.node_down(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def status(self):
        """The agent's NodeStatus for this node (plain dict)."""
        return {"node": self.name, "state": self.state, "mgmt_role": "Management::NONE",
                "cluster_role": self.config["role"], "pid": self.pid, "p": self.config.get("p"),
                "metrics_port": self.config.get("metrics_port")}


class _AgentRequest(object):
    def __init__(self, reqid):
        self.id = reqid
        self.results = []
        self.nodes_pending = set()
        self.timer = None
        self.done = False


class Agent(object):
    """A management agent: its Supervisor, its nodes, its running config id."""

    def __init__(self, name, address, loop, pids, interfaces, node_start_delay, timeout,
                 listen_port=None, agent_port=2151, controller=None):
        self.name = name
        self.address = address
        self.loop = loop
        self.pids = pids
        self.interfaces = interfaces  # None: every interface exists
        self.node_start_delay = node_start_delay
        self.timeout = timeout
        self.listen_port = listen_port  # set when the controller connects to this agent
        self.agent_port = Port(agent_port, "tcp") if listen_port is None else Port(listen_port, "tcp")
        self.controller_name = controller  # co-located controller process, if any
        self.pid = pids()
        self.controller_pid = pids() if controller else None
        self.config_id = None
        self.config = None  # the deployed configuration (for the nodes' cluster layout)
        self.nodes = {}  # g_nodes: name -> SupervisedNode
        self.pending = None  # the pending deploy request
        self.cluster = None  # cluster_ws.Cluster: WebSocket listener hooks

    # -- helpers -----------------------------------------------------------

    def _reply(self, callback, *args):
        self.loop.call_soon(callback, *args)

    def _destroy_nodes(self):
        for node in self.nodes.values():
            node.cancel()
        self.nodes = {}

    def find_node(self, name):
        return self.nodes.get(name)

    def layout(self):
        """The cluster layout the agent ships to its nodes (agent/main.zeek g_cluster): every
        node of the configuration, with its instance's host."""
        if self.config is None:
            return []
        hosts = {inst["name"]: str(inst.get("host") or self.address) for inst in self.config["instances"]}
        out = []
        for cnode in self.config["nodes"]:
            item = dict(cnode)
            item["host"] = hosts.get(cnode["instance"], self.address)
            out.append(item)
        return out

    # -- Management::Agent::API --------------------------------------------

    def restart(self):
        """A new agent process: no nodes, no deployed config id, new pids."""
        self._finish_pending()
        self._destroy_nodes()
        self.config_id = None
        self.config = None
        self.pid = self.pids()

    def welcome_request(self, reqid, reply):
        self._reply(reply, reqid, result(reqid, instance=self.name))

    def standby_request(self):
        # deploy_request("", Configuration()): drop every node, fall silent.
        self._finish_pending()
        self.config_id = "standby-%d" % self.pids()
        self._destroy_nodes()

    def deploy_request(self, reqid, config, force, reply):
        if self.config_id == config["id"] and not force:
            self._reply(reply, [result(reqid, instance=self.name)])
            return
        self._finish_pending()
        self.config_id = config["id"]
        self.config = config
        self._destroy_nodes()
        if not config["nodes"]:
            self._reply(reply, [result(reqid, instance=self.name)])
            return
        req = _AgentRequest(reqid)
        req.reply = reply
        self.pending = req
        req.timer = self.loop.call_later(self.timeout, self._deploy_expired, req)
        for cnode in sorted(config["nodes"], key=lambda n: n["name"]):
            if cnode["instance"] != self.name:
                continue
            node = SupervisedNode(self, cnode)
            self.nodes[node.name] = node
            req.nodes_pending.add(node.name)
        for node in self.nodes.values():
            node.launch()
        # An instance without nodes in a config that has nodes elsewhere waits
        # for hellos that never come and times out (agent/main.zeek corner case).

    def notify_node_hello(self, node):
        req = self.pending
        if req is None or req.done:
            return
        if node.name in req.nodes_pending:
            req.nodes_pending.discard(node.name)
            if not req.nodes_pending:
                self._send_deploy_response(req)

    def _deploy_expired(self, req):
        req.timer = None
        if req.done:
            return
        req.results.append(result(req.id, False, self.name, error="request timed out"))
        self._send_deploy_response(req)

    def _send_deploy_response(self, req):
        results = list(req.results)
        for name in sorted(self.nodes):
            node = self.nodes[name]
            res = result(req.id, instance=self.name, node=name)
            if name in req.nodes_pending:
                res["success"] = False
                if node.outputs is not None:
                    res["data"] = node_outputs(*node.outputs)
            results.append(res)
        req.done = True
        if req.timer is not None:
            req.timer.cancel()
            req.timer = None
        if self.pending is req:
            self.pending = None
        self._reply(req.reply, results)

    def _finish_pending(self):
        # A new deployment replaces the pending one; its response never comes.
        if self.pending is not None:
            self.pending.done = True
            if self.pending.timer is not None:
                self.pending.timer.cancel()
            self.pending = None

    def get_nodes_request(self, reqid, reply):
        statuses = [{"node": self.name, "state": RUNNING, "mgmt_role": "Management::AGENT",
                     "cluster_role": "Supervisor::NONE", "pid": self.pid,
                     "p": self.agent_port if self.listen_port is not None else None, "metrics_port": None}]
        if self.controller_name:
            statuses.append({"node": self.controller_name, "state": RUNNING,
                             "mgmt_role": "Management::CONTROLLER", "cluster_role": "Supervisor::NONE",
                             "pid": self.controller_pid, "p": self.agent_port, "metrics_port": None})
        for name in sorted(self.nodes):
            statuses.append(self.nodes[name].status())
        self._reply(reply, reqid, result(reqid, instance=self.name, data=node_statuses(statuses)))

    def _own_nodes(self, nodes):
        """The named nodes this agent runs (all of them when none are named);
        empty means it answers with an empty result list, as agent/main.zeek does."""
        own = set(self.nodes)
        return set(nodes) & own if nodes else own

    def node_dispatch_request(self, reqid, action, nodes, reply):
        final = self._own_nodes(nodes)
        if not final:
            self._reply(reply, reqid, [])
            return
        results, running = [], []
        for name in sorted(final):
            if self.nodes[name].state == RUNNING:
                running.append(self.nodes[name])
            else:
                results.append(result(reqid, False, self.name, error="cluster node %s not in running state" % name,
                                      node=name))
        nreqid = unique_id()
        for node in running:
            results.append(self._dispatch_on_node(node, nreqid, action))
        self._reply(reply, reqid, results)

    def _dispatch_on_node(self, node, nreqid, action):
        res = result(nreqid, instance=self.name, node=node.name)
        if not action:
            res.update(success=False, error="no dispatch arguments provided")
        elif action[0] != "get_id_value":
            res.update(success=False, error="dispatch %s unknown" % action[0])
        elif len(action) < 2:
            res.update(success=False, error="get_id_value expects name of global identifier")
        else:
            ok, text = node.identifiers.lookup(action[1])
            if ok:
                res["data"] = text
            else:
                res.update(success=False, error=text)
        return res

    def restart_request(self, reqid, nodes, reply):
        final = self._own_nodes(nodes)
        if not final:
            self._reply(reply, reqid, [])
            return
        results = []
        for name in sorted(final):
            # The Supervisor restarts the process (new pid); the node is
            # PENDING until it says hello again.
            self.nodes[name].launch()
            results.append(result(reqid, instance=self.name, node=name))
        self._reply(reply, reqid, results)
