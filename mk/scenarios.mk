# Scenario regressions for `make test`: run a bundled replay config and
# compare its summary.json with the checked-in expected result
# (tests/scenarios/<name>.expected.json; summary.json holds no host
# timing, which goes to timing.json).  After a deliberate behaviour
# change, regenerate with
#   tests/scenarios/check.sh --update <name>
# and review the diff.
TEST_EXTRA += 'tests/scenarios/check.sh demo'
TEST_EXTRA_BUILD += $(BIN)/pnicsim
# summary.json is deterministic: the demo twice gives the same bytes.
TEST_EXTRA += 'tests/scenarios/deterministic.sh'
# Faulty inputs: a capture cut mid-record, a refused link type, a bad config.
TEST_EXTRA += 'tests/scenarios/replay_errors.sh'
# tracegen reproduces the bundled trace and its configs match its traces.
TEST_EXTRA += 'tests/scenarios/tracegen_check.sh'
TEST_EXTRA_BUILD += $(BIN)/tracegen
# pnicsim run, the timed system: the timed demo against its checked-in
# summary (regenerate with tests/scenarios/check.sh --update --run demo-run
# after a deliberate change, and review the diff), the same bytes twice,
# and a clean stop on SIGINT/SIGTERM (a SIGKILL leaves nothing that looks
# like a result).
TEST_EXTRA += 'tests/scenarios/check.sh --run demo-run'
# The FPAG's VM migration in both modes (regenerate with --update as above,
# keeping the --set and --as).
TEST_EXTRA += 'tests/scenarios/check.sh --run --oracle migration'
# The FPAG's other examples (scenarios/*.yaml with host.program: fpag).
# The FPAG over the capture corpus (no one here wrote it).
TEST_EXTRA += 'tests/scenarios/fpag_corpus.sh'
TEST_EXTRA += $(foreach s,offload firewall table-overflow classbench rule-update aging vm-lifecycle vxlan,'tests/scenarios/check.sh --run --oracle $s')
# VXLAN uplinks, the move to a remote host in the baseline mode too.
TEST_EXTRA += 'tests/scenarios/check.sh --run --oracle --set fpag.flow_dest=ppid --as vxlan-ppid vxlan'
# The table flood under the other table-full policy.
TEST_EXTRA += 'tests/scenarios/check.sh --run --oracle --set fpag.table_full=evict_lru --as table-overflow-lru table-overflow'
TEST_EXTRA += 'tests/scenarios/check.sh --run --oracle --set fpag.flow_dest=ppid --as migration-ppid migration'
# The ordering guarantee: no packet of a flow overtaken with hold (the
# file's expect), and the overtaking it prevents with it off.
TEST_EXTRA += 'tests/scenarios/check.sh --run --oracle ordering'
TEST_EXTRA += 'tests/scenarios/check.sh --run --oracle --set fpag.ordering=none --set expect.0.min=1 --set expect.0.max=1000 --as ordering-none ordering'
# The correctness oracle (docs/fpag.md): the runs above checked every
# packet's decision against the slow path alone; none may differ outside
# an update window.  Reads their summaries (nothing runs twice).
TEST_EXTRA += 'tests/scenarios/oracle.sh migration migration-ppid offload firewall table-overflow table-overflow-lru classbench rule-update aging vm-lifecycle vxlan vxlan-ppid ordering ordering-none'
TEST_EXTRA += 'tests/scenarios/run-deterministic.sh'
TEST_EXTRA += 'tests/scenarios/run-interrupt.sh'
