# libFuzzer targets: tests/fuzz/fuzz_*.c, each linked with the core and I/O
# sources compiled by clang with -fsanitize=fuzzer,address,undefined.
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(IO_SRC)
	@mkdir -p $(@D)
	$(call show,CCLD,$@)clang $(CSTD) -O1 -g -I. $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS_IO)
fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  mkdir -p build/fuzz/corpus/$$(basename $$f); \
	  echo "fuzz: $$f for $(FUZZ_TIME)s"; \
	  $$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 build/fuzz/corpus/$$(basename $$f) \
	      $$(tests/fuzz/seeds.sh $$(basename $$f)) || exit 1; \
	done
