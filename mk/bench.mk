# make bench: instruction-count benchmarks, one table and build/bench.json.
#
# Every benchmark source writes a flat JSON object {figure: number} to
# build/bench/<source>.json; tests/bench/report.py merges all of them into
# build/bench.json and prints one table. A new source adds a phony target
# that writes its fragment to BENCH_SOURCES (before this file is included,
# or with a plain "bench: my-target" line anywhere). docs/bench.md lists
# the figures and how each is measured.

BENCH_DIR := $(BUILD)/bench
# Benchmarks measure the code as shipped: optimized, no sanitizers.
BENCH_CFLAGS := $(CSTD) $(WARN) -O2 -g $(call INCLUDES,fake) -DFIEF_HOST_TEST=1
# Only what mm needs, so work elsewhere in core/ never breaks the figures.
BENCH_SRCS := $(wildcard mm/*.c) core/err.c core/print.c arch/fake/fake.c arch/fake/mm.c
BENCH_OBJS := $(patsubst %.c,$(BENCH_DIR)/obj/%.o,$(BENCH_SRCS))

$(BENCH_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_DIR)/libfief.a: $(BENCH_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BENCH_DIR)/mm_bench: tests/bench/mm_bench.c $(BENCH_DIR)/libfief.a
	$(HOST_CC) $(BENCH_CFLAGS) $< $(BENCH_DIR)/libfief.a -o $@

# mm figures: callgrind instruction counts per operation, entry counts.
.PHONY: bench-mm
bench-mm: $(BENCH_DIR)/mm_bench
	python3 tests/bench/mm.py $< $(BENCH_DIR)/mm.json

BENCH_SOURCES += bench-mm

.PHONY: bench
bench: $(BENCH_SOURCES) | $(DEPS_STAMP)
	python3 tests/bench/report.py $(BENCH_DIR) $(BUILD)/bench.json

-include $(BENCH_OBJS:.o=.d)
