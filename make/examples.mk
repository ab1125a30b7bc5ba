# Every example runs (issue 11 item 20): each module's EXAMPLES and each YAML fence of
# README.md and docs/*.md, through real ansible-playbook against the controller emulator.
# Snippets the emulator cannot serve carry a mark with the reason (tests/examples/snippets.py).
.PHONY: test-examples

test-examples: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/examples
