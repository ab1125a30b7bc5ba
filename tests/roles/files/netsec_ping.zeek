# Netsec::ping -> Netsec::pong, the request/reply pair of docs/runtime-options.md, for the
# real-Zeek role tests (tests/real/test_roles_*.py). A standalone Zeek subscribes to no
# cluster topic by itself, so the script subscribes to the one the tests publish to.
module Netsec;

export {
	global ping: event(reqid: string, payload: string);
	global pong: event(reqid: string, payload: string, node: string, nodes: set[string], uptime: interval);
}

global started: time;

event zeek_init()
	{
	started = current_time();
	Cluster::subscribe("netsec/ping");
	}

event Netsec::ping(reqid: string, payload: string)
	{
	local nodes: set[string] = set();
	for ( name in Cluster::nodes )
		add nodes[name];
	Cluster::publish("netsec/pong", Netsec::pong, reqid, payload, Cluster::node, nodes,
	                 current_time() - started);
	}
