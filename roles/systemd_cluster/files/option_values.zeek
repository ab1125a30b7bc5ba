##! netsec.zeek: read the current values of runtime options on every node of a
##! cluster that has no Management Framework controller (Zeek 9 clusters run by
##! zeek-systemd-generator), through the manager's WebSocket listener.
##!
##! A WebSocket client publishes NetsecOptions::query to the manager's topic
##! (Cluster::manager_topic, "zeek/cluster/manager"). The manager asks every node
##! that is up, on the node's own topic, collects the answers and publishes one
##! NetsecOptions::values event to the reply topic the client named. A node's
##! value is to_json(lookup_ID(id)), the text the Management Framework's
##! get_id_value returns (policy/frameworks/management/node/main.zeek), so a
##! reader written for the controller compares it the same way.
##!
##! Loaded on every node (the role puts it into zeek.conf's "args"); only the
##! manager needs the listener.
##!
##! Loaded on a standalone Zeek with a WebSocket listener (netsec.zeek.install's
##! websocket.zeek), the node is the whole cluster: it answers the query for itself
##! and, because base/frameworks/config declares Config::cluster_set_option only in a
##! cluster, declares and handles that event with Config::set_value, so
##! netsec.zeek.option sets options there as it does through a manager.

@load base/frameworks/cluster

module NetsecOptions;

export {
	## Asks for the values of the options in ``ids`` on every node. Publish it to
	## Cluster::manager_topic; the answer goes to ``reply_topic``.
	global query: event(reqid: string, ids: vector of string, reply_topic: string);

	## The answer. ``values[node][id]`` is the JSON text of the option's current
	## value on that node; ``types[id]`` is the option's type on the manager, for
	## example "set[subnet]". An id that is not an option (unknown, or a constant)
	## is in neither. ``missing`` names the nodes that were up when the query came
	## but did not answer within reply_timeout.
	global values: event(reqid: string, values: table[string] of table[string] of string,
	                     types: table[string] of string, missing: set[string]);

	## How long the manager waits for the other nodes' answers.
	const reply_timeout = 5 sec &redef;

	## Manager to node, and back (on Cluster::manager_topic).
	global node_query: event(reqid: string, ids: vector of string);
	global node_values: event(reqid: string, node: string, values: table[string] of string);
}

## The values of those ids that are options on this node.
function local_values(ids: vector of string): table[string] of string
	{
	local result: table[string] of string;
	local known = global_ids();
	for ( i in ids )
		{
		local id = ids[i];
		if ( id in known && known[id]$option_value )
			result[id] = to_json(lookup_ID(id));
		}
	return result;
	}

## The declared types of those ids that are options on this node.
function option_types(ids: vector of string): table[string] of string &is_used
	{
	local result: table[string] of string;
	local known = global_ids();
	for ( i in ids )
		{
		local id = ids[i];
		if ( id in known && known[id]$option_value )
			result[id] = known[id]$type_name;
		}
	return result;
	}

event NetsecOptions::node_query(reqid: string, ids: vector of string)
	{
	Cluster::publish(Cluster::manager_topic, NetsecOptions::node_values, reqid, Cluster::node,
	                 local_values(ids));
	}

@if ( Cluster::local_node_type() == Cluster::MANAGER )

type Pending: record {
	reply_topic: string;
	waiting: set[string];
	values: table[string] of table[string] of string;
	types: table[string] of string;
};

global pending: table[string] of Pending;

## Nodes that said hello and have not gone away since.
global up_nodes: set[string];

global finish: event(reqid: string);

event Cluster::node_up(name: string, id: string)
	{
	if ( name in Cluster::nodes )
		add up_nodes[name];
	}

event Cluster::node_down(name: string, id: string)
	{
	delete up_nodes[name];
	}

event NetsecOptions::query(reqid: string, ids: vector of string, reply_topic: string)
	{
	if ( reqid in pending )
		return;

	local request = Pending($reply_topic=reply_topic);
	request$values[Cluster::node] = local_values(ids);
	request$types = option_types(ids);

	for ( name in up_nodes )
		{
		add request$waiting[name];
		Cluster::publish(Cluster::node_topic(name), NetsecOptions::node_query, reqid, ids);
		}

	pending[reqid] = request;
	if ( |request$waiting| == 0 )
		event NetsecOptions::finish(reqid);
	else
		schedule reply_timeout { NetsecOptions::finish(reqid) };
	}

event NetsecOptions::node_values(reqid: string, node: string, values: table[string] of string)
	{
	if ( reqid !in pending )
		return;

	local request = pending[reqid];
	request$values[node] = values;
	delete request$waiting[node];
	if ( |request$waiting| == 0 )
		event NetsecOptions::finish(reqid);
	}

## Config::cluster_set_option reaches the other nodes through Cluster::broadcast_topics, a
## const that base/frameworks/cluster/main.zeek fills with the role topics before the ZeroMQ
## backend renames them (policy/frameworks/cluster/backend/zeromq/options.zeek redefs
## Cluster::manager_topic and the others to "zeek.cluster.*"): on Zeek 9.0.0-rc1 with ZeroMQ
## only the manager applies an option change. The manager also sends it to the role topics
## that set misses; with Broker they are all in it and this does nothing. (In module Config,
## because base/frameworks/config declares the event outside its export block.)
module Config;

event Config::cluster_set_option(ID: string, val: any, location: string)
	{
	for ( topic in set(Cluster::logger_topic, Cluster::proxy_topic, Cluster::worker_topic) )
		if ( topic !in Cluster::broadcast_topics )
			Cluster::publish(topic, Config::cluster_set_option, ID, val, location);
	}

module NetsecOptions;

event NetsecOptions::finish(reqid: string)
	{
	if ( reqid !in pending )
		return;

	local request = pending[reqid];
	delete pending[reqid];
	Cluster::publish(request$reply_topic, NetsecOptions::values, reqid, request$values,
	                 request$types, request$waiting);
	}

@endif

@if ( ! Cluster::is_enabled() )

## A standalone node's name in the answer (Cluster::node is empty there).
const standalone_node = "standalone" &redef;

module Config;

export {
	## As base/frameworks/config/main.zeek declares it in a cluster.
	global cluster_set_option: event(ID: string, val: any, location: string);
}

event Config::cluster_set_option(ID: string, val: any, location: string)
	{
	Config::set_value(ID, val, location);
	}

module NetsecOptions;

event zeek_init()
	{
	# A standalone Zeek subscribes to no cluster topic by itself.
	Cluster::subscribe(Cluster::manager_topic);
	}

event NetsecOptions::query(reqid: string, ids: vector of string, reply_topic: string)
	{
	local answer: table[string] of table[string] of string;
	answer[standalone_node] = local_values(ids);
	local nobody: set[string];
	Cluster::publish(reply_topic, NetsecOptions::values, reqid, answer, option_types(ids), nobody);
	}

@endif
