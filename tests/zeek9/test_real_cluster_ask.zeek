# Test fixture of tests/zeek9/test_real_cluster.py, loaded by sensor2's worker (worker_args):
# it asks the cluster for option values with NetsecOptions::query, published to the manager
# exactly as a WebSocket client publishes it, and writes every answer to stderr as JSON.
@load netsec_zeek/option_values

module NetsecTest;

global ask: event(n: count);
global asking = F;

event NetsecTest::ask(n: count)
	{
	Cluster::publish(Cluster::manager_topic, NetsecOptions::query, fmt("test-%d", n),
	                 vector("Weird::sampling_threshold", "Site::local_nets", "Log::default_rotation_interval",
	                        "No::such_option"),
	                 "netsec/test/options");
	if ( n < 30 )
		schedule 3 sec { NetsecTest::ask(n + 1) };
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( name != "manager" || asking )
		return;
	asking = T;
	Cluster::subscribe("netsec/test/options");
	schedule 3 sec { NetsecTest::ask(1) };
	}

event NetsecOptions::values(reqid: string, values: table[string] of table[string] of string,
                            types: table[string] of string, missing: set[string])
	{
	local missing_list: vector of string;
	for ( node in missing )
		missing_list += node;
	Reporter::warning(fmt("NETSEC-TEST %s", to_json([$reqid=reqid, $values=values, $types=types,
	                                                 $missing=missing_list])));
	}
