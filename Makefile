# fief: top-level build.
#
#   make            build all three images (x86_64 EFI + Multiboot2 ELF, arm64 EFI)
#   make run        boot the demo in QEMU x86_64 (ARCH=arm64 for QEMU arm64)
#   make test       every test: host unit tests, fuzz smoke, emulator tests
#   make bench      instruction-count benchmarks, table + build/bench.json
#
# Every goal first runs the deps step (mk/deps.sh), which installs what is
# missing from Debian and is guarded by a stamp file.

ARCH ?= x86_64
ifeq ($(ARCH),arm64)
override ARCH := aarch64
endif

BUILD := build
DEPS_DIR := $(BUILD)/deps
DEPS_STAMP := $(BUILD)/.deps-stamp

.DEFAULT_GOAL := all
.PHONY: all deps run test unit emu clean

include mk/common.mk
include mk/host.mk
include mk/x86_64.mk
-include mk/aarch64.mk
-include mk/multiboot2.mk
include mk/emu.mk
include mk/run.mk
-include mk/fuzz.mk
-include mk/bench.mk
-include mk/guests.mk

deps: $(DEPS_STAMP)
$(DEPS_STAMP): mk/deps.sh mk/deps-check.sh
	@mkdir -p $(BUILD)
	bash mk/deps.sh $(DEPS_DIR)
	@touch $@

all: $(TARGET_IMAGES)

test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all unit-build $(TEST_BUILD_EXTRA)
	@bash tests/run.sh $(TEST_SUITES)

clean:
	rm -rf $(BUILD)/host $(BUILD)/x86_64 $(BUILD)/aarch64 $(BUILD)/emu $(BUILD)/fuzz $(BUILD)/bench
