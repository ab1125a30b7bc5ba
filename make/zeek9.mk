# Zeek 9 / zeek-systemd-generator suite (tests/zeek9): the zeek_conf model, module and
# converters, and the corpus run through Zeek's real generators (../shared/zeek) and
# systemd-analyze verify. Included from the Makefile.
.PHONY: test-zeek9

test-zeek9: collection system-deps
	$(BIN)/pytest -q -p no:cacheprovider tests/zeek9
