# End-to-end ACL classification for `make test`: cbgen rules and trace,
# `pnicsim classify --check` against a linear scan over the rules, and the
# generated filter ids (tests/tools/pnicsim/classify_e2e.sh).  Each quoted
# entry is one test: 2000 ACL rules x 20000 headers (ipv4_5tuple, fast
# lookup), 1000 flow rules (ipv4_flow), 300 rules (default 372-bit profile,
# linear TCAM lookup); and the refusals (bad files, too small a depth, bad
# usage).
TEST_EXTRA += 'tests/tools/pnicsim/classify_e2e.sh acl2k'
TEST_EXTRA += 'tests/tools/pnicsim/classify_e2e.sh flow1k'
TEST_EXTRA += 'tests/tools/pnicsim/classify_e2e.sh acl300'
TEST_EXTRA += 'tests/tools/pnicsim/classify_e2e.sh errors'
TEST_EXTRA_BUILD += $(BIN)/cbgen $(BIN)/pnicsim
