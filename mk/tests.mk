# `make test`: every Criterion binary, plain and under ASan+UBSan, then the
# scenario regressions and the RTL cosim (added by their fragments through
# TEST_EXTRA: one shell command per test, "NAME :: COMMAND" to have the
# report show NAME instead of a long command).  tests/run-tests.sh fails
# loudly and prints one closing line.
TEST_EXTRA ?=
# The build before the tests uses every core unless the caller chose with -j
# (CI runs plain `make test`).
TEST_BUILD_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc))

test: deps
	@$(MAKE) --no-print-directory $(TEST_BUILD_JOBS) test-build
	@tests/run-tests.sh $(build/TESTS) $(build/asan/TESTS) -- $(TEST_EXTRA)

test-unit: $(build/TESTS)
	@tests/run-tests.sh $(build/TESTS) --

test-asan: $(build/asan/TESTS)
	@tests/run-tests.sh $(build/asan/TESTS) --
