# Host unit tests: the real core/ and mm/ code on the fake arch, with cmocka,
# under AddressSanitizer and UndefinedBehaviorSanitizer; the threaded ones
# also under ThreadSanitizer.
#
# Every tests/unit/test_*.c is one cmocka program linked with all of
# core/*.c, mm/*.c and arch/fake/*.c.

HOST_CC ?= gcc
HOST_DIR := $(BUILD)/host
HOST_CFLAGS := $(CSTD) $(WARN) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	$(call INCLUDES,fake) -DFIEF_HOST_TEST=1
HOST_LDFLAGS := -fsanitize=address,undefined -pthread
HOST_SRCS := $(CORE_SRCS) $(wildcard arch/fake/*.c) $(wildcard boot/*/parse_*.c)
HOST_OBJS := $(patsubst %.c,$(HOST_DIR)/obj/%.o,$(HOST_SRCS))
HOST_LIB := $(HOST_DIR)/libfief.a
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(HOST_DIR)/tests/%,$(UNIT_SRCS))

$(HOST_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(HOST_LIB): $(HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HOST_DIR)/tests/%: tests/unit/%.c $(HOST_LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Itests/unit $< $(HOST_LIB) $(HOST_LDFLAGS) -lcmocka -o $@

# The same code under ThreadSanitizer, for the tests that run threads
# (TSAN_TESTS): a data race it reports fails the program (exit 66).
HOST_TSAN_DIR := $(BUILD)/host-tsan
HOST_TSAN_CFLAGS := $(CSTD) $(WARN) -g -O1 -fno-omit-frame-pointer -fsanitize=thread \
	$(call INCLUDES,fake) -DFIEF_HOST_TEST=1
HOST_TSAN_OBJS := $(patsubst %.c,$(HOST_TSAN_DIR)/obj/%.o,$(HOST_SRCS))
HOST_TSAN_LIB := $(HOST_TSAN_DIR)/libfief.a
TSAN_TESTS := test_race
TSAN_BINS := $(patsubst %,$(HOST_TSAN_DIR)/tests/%,$(TSAN_TESTS))

$(HOST_TSAN_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_TSAN_CFLAGS) -MMD -MP -c $< -o $@

$(HOST_TSAN_LIB): $(HOST_TSAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HOST_TSAN_DIR)/tests/%: tests/unit/%.c $(HOST_TSAN_LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_TSAN_CFLAGS) -Itests/unit $< $(HOST_TSAN_LIB) -fsanitize=thread -pthread \
		-lcmocka -o $@

.PHONY: unit-build
unit-build: $(UNIT_BINS) $(TSAN_BINS)

unit: unit-build
	@bash tests/run.sh unit

-include $(HOST_OBJS:.o=.d) $(HOST_TSAN_OBJS:.o=.d)
