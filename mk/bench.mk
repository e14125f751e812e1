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
BENCH_SRCS := $(wildcard mm/*.c) core/mm_boot.c lib/err.c lib/print.c $(wildcard lib/format.c) \
	arch/fake/fake.c arch/fake/mm.c
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

# Emulator figures: the bench guest (tests/guests/bench.c) as the host VM
# under fief, counted in instructions (tests/bench/emu.sh): svm on QEMU
# x86_64 with -icount, vmx on Bochs, arm64 on QEMU aarch64 with -icount.
# A backend that cannot run writes its figures as missing, so these
# targets succeed whenever the images build. Paths are spelled out: the
# guest rules come from mk/guests.mk, included after this file.
# On arm64 the host's span starts at the first RAM (QEMU virt: 1 GiB), so
# the bench guest is linked 2 MiB into it, as hostprobe is.
GUEST_A64_BASE_bench := 0x40200000
# bench-remote.elf: the second run of each backend, irq_ipi_remote (two
# vCPUs of a guest VM, tests/bench/emu/fief-remote.cfg).
BENCH_EMU_X86 := $(BUILD)/x86_64/fief.efi $(BUILD)/x86_64/guests/bench.elf \
	$(BUILD)/x86_64/guests/bench-remote.elf
BENCH_EMU_VMX := $(BUILD)/x86_64/fief.elf $(BUILD)/x86_64/guests/bench.elf \
	$(BUILD)/x86_64/guests/bench-remote.elf
BENCH_EMU_A64 := $(BUILD)/aarch64/fief.efi $(BUILD)/aarch64/guests/bench.elf \
	$(BUILD)/aarch64/guests/bench-remote.elf

.PHONY: bench-emu-svm bench-emu-vmx bench-emu-arm64
bench-emu-svm: $(BENCH_EMU_X86) | $(DEPS_STAMP)
	@mkdir -p $(BENCH_DIR)
	bash tests/bench/emu.sh svm $(BENCH_DIR)/emu-svm.json
bench-emu-vmx: $(BENCH_EMU_VMX) | $(DEPS_STAMP)
	@mkdir -p $(BENCH_DIR)
	bash tests/bench/emu.sh vmx $(BENCH_DIR)/emu-vmx.json
bench-emu-arm64: $(BENCH_EMU_A64) | $(DEPS_STAMP)
	@mkdir -p $(BENCH_DIR)
	bash tests/bench/emu.sh arm64 $(BENCH_DIR)/emu-arm64.json

# Memory figures: image span, sizeof(struct vm), sizeof(struct vcpu) plus
# its control pages, per arch, from the real headers (tests/bench/mem.py).
.PHONY: bench-mem
bench-mem: $(BUILD)/x86_64/fief.efi $(BUILD)/aarch64/fief.efi | $(DEPS_STAMP)
	@mkdir -p $(BENCH_DIR)
	python3 tests/bench/mem.py $(BUILD) $(BENCH_DIR)/mem.json

BENCH_SOURCES += bench-emu-svm bench-emu-vmx bench-emu-arm64 bench-mem

# Not a figure source: the null-hypercall round trip by symbol on SVM and
# arm64, from a TCG plugin counting instructions per address
# (tests/bench/profile.sh); tables in build/bench/profile-*/profile.txt.
$(BENCH_DIR)/insn_profile.so: tests/bench/insn_profile.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(CSTD) $(WARN) -O2 -shared -fPIC $< -o $@

.PHONY: bench-profile
bench-profile: $(BENCH_DIR)/insn_profile.so $(BENCH_EMU_X86) $(BENCH_EMU_A64) | $(DEPS_STAMP)
	bash tests/bench/profile.sh $< $(BENCH_DIR)/profile-svm svm
	bash tests/bench/profile.sh $< $(BENCH_DIR)/profile-arm64 arm64

.PHONY: bench
bench: $(BENCH_SOURCES) | $(DEPS_STAMP)
	python3 tests/bench/report.py $(BENCH_DIR) $(BUILD)/bench.json

-include $(BENCH_OBJS:.o=.d)
