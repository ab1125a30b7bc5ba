##! Writes every global identifier that has a value to ids.tsv in the node's working
##! directory, one JSON array per line: name, type name, kind (option/const/global),
##! to_json(value) -- what a
##! node answers to get_id_value (policy/frameworks/management/node/main.zeek).
##! Used by tests/real/gen_identifiers.py (make emulator-identifiers).

module NetsecDump;

event NetsecDump::dump()
	{
	local f = open("ids.tsv.tmp");
	local ids = global_ids();
	for ( name, info in ids )
		{
		if ( info$enum_constant || /^(func|event|hook)/ in info$type_name || /^NetsecDump::/ in name )
			next;
		if ( ! info?$value )
			{
			# Types and globals never assigned: get_id_value says "no ID value".
			print f, to_json(vector(name, info$type_name, "novalue", ""));
			next;
			}
		local kind = info$option_value ? "option" : (info$constant ? "const" : "global");
		# One JSON array per line: type names of records span lines.
		print f, to_json(vector(name, info$type_name, kind, to_json(lookup_ID(name))));
		}
	close(f);
	# Renamed when complete: the generator waits for ids.tsv.
	system("mv ids.tsv.tmp ids.tsv");
	}

event zeek_init() &priority=-1000
	{
	# After every zeek_init handler and the first change handlers have run.
	schedule 2 sec { NetsecDump::dump() };
	}
