# Host unit tests: the real core/ and mm/ code on the fake arch, with cmocka,
# under AddressSanitizer and UndefinedBehaviorSanitizer; the threaded ones
# also under ThreadSanitizer.
#
# Every tests/unit/test_*.c is one cmocka program linked with all of
# lib/*.c, mm/*.c, core/*.c and arch/fake/*.c.

HOST_CC ?= gcc
HOST_SRCS := $(CORE_SRCS) $(wildcard arch/fake/*.c) $(wildcard boot/*/parse_*.c)
# Pure-C halves of arch backends (no asm, no system registers): their logic
# runs here too (arm64: the vGIC's pending set and registers, test_vgic).
HOST_SRCS += arch/arm64/vgic_state.c
HOST_BASE_CFLAGS := $(CSTD) $(WARN) -g -O1 -fno-omit-frame-pointer \
	$(call INCLUDES,fake) -DFIEF_HOST_TEST=1
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

# host_build DIR SANITIZE: the library and the test programs of one host
# build in DIR, every object compiled and linked with SANITIZE.
define host_build
$(1)/obj/%.o: %.c | $$(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_BASE_CFLAGS) $(2) -MMD -MP -c $$< -o $$@

$(1)/libfief.a: $$(patsubst %.c,$(1)/obj/%.o,$$(HOST_SRCS))
	@rm -f $$@
	ar rcs $$@ $$^

$(1)/tests/%: tests/unit/%.c $(1)/libfief.a $$(wildcard tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_BASE_CFLAGS) $(2) -Itests/unit $$< $(1)/libfief.a $(2) -pthread \
		-lcmocka -o $$@

-include $$(patsubst %.c,$(1)/obj/%.d,$$(HOST_SRCS))
endef

# Every unit test under ASan and UBSan.
HOST_DIR := $(BUILD)/host
HOST_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_LIB := $(HOST_DIR)/libfief.a
UNIT_BINS := $(patsubst tests/unit/%.c,$(HOST_DIR)/tests/%,$(UNIT_SRCS))
$(eval $(call host_build,$(HOST_DIR),$(HOST_SANITIZE)))

# The tests that run threads (TSAN_TESTS) again under ThreadSanitizer: a
# data race it reports fails the program (exit 66).
HOST_TSAN_DIR := $(BUILD)/host-tsan
TSAN_TESTS := test_race
TSAN_BINS := $(patsubst %,$(HOST_TSAN_DIR)/tests/%,$(TSAN_TESTS))
$(eval $(call host_build,$(HOST_TSAN_DIR),-fsanitize=thread))

.PHONY: unit-build
unit-build: $(UNIT_BINS) $(TSAN_BINS)

unit: unit-build
	@bash tests/run.sh unit
