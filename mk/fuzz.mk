# libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer).
#
#   make fuzz-build    build every target into build/fuzz/
#   make fuzz          run each target for FUZZ_SECONDS (default 600)
#   make fuzz-smoke    run each target for FUZZ_SMOKE_SECONDS (default 20)
#   make fuzz FUZZ_TARGETS=fuzz_elf   only some targets
#
# Every tests/fuzz/fuzz_*.c is one target, linked with the real core/*.c,
# mm/*.c and arch/fake/*.c compiled with coverage instrumentation. Seeds come
# from tests/fuzz/corpus/<target>/ (read-only); new inputs go to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/<target>/.
# tests/fuzz/run.sh runs one target; see docs/fuzzing.md.

FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_CFLAGS := $(CSTD) $(WARN) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	$(call INCLUDES,fake) -DFIEF_HOST_TEST=1 -DFIEF_FUZZ=1
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_LIB_SRCS := $(CORE_SRCS) $(wildcard arch/fake/*.c) $(MODEL_SRCS)
FUZZ_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_LIB := $(FUZZ_DIR)/libfief-fuzz.a
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

TEST_SUITES += fuzz

.PHONY: fuzz fuzz-build fuzz-smoke

$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz $< $(FUZZ_LIB) $(FUZZ_LDFLAGS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@st=0; for t in $(FUZZ_TARGETS); do \
		bash tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || st=1; \
	done; exit $$st

fuzz-smoke: fuzz-build
	@st=0; for t in $(FUZZ_TARGETS); do \
		bash tests/fuzz/run.sh $$t $(FUZZ_SMOKE_SECONDS) || st=1; \
	done; exit $$st

-include $(FUZZ_OBJS:.o=.d)
