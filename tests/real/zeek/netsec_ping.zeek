##! Netsec::ping answered by Netsec::pong: the request/reply pair of docs/runtime-options.md,
##! loaded by the real manager in tests/real/test_real_modules.py.

module Netsec;

export {
	global ping: event(reqid: string, payload: string);
	global pong: event(reqid: string, payload: string, node: string, nodes: set[string], uptime: interval);
}

global started: time;

event zeek_init()
	{
	started = current_time();
	}

event Netsec::ping(reqid: string, payload: string)
	{
	local nodes: set[string] = set();
	for ( name in Cluster::nodes )
		add nodes[name];
	Cluster::publish("netsec/pong", Netsec::pong, reqid, payload, Cluster::node, nodes,
	                 current_time() - started);
	}
