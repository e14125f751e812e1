# Test guests: small freestanding programs built against guest-abi/, run by
# fief in the emulator scenarios (tests/emu/scenarios/svm-*/).
#
#   make guests       every guest: build/x86_64/guests/<name>.elf
#   make abi-check    each guest-abi header compiled alone (C11, C++11)
#
# A guest is tests/guests/<name>.c linked with the guest library
# (tests/guests/lib/*.c and lib/<arch>/) by tests/guests/<arch>/guest.ld.
# docs/guests.md describes the library, the boot protocol and every guest.
# `make test` builds them through TEST_BUILD_EXTRA.

GUEST_X86_DIR := $(BUILD)/x86_64/guests
GUEST_X86_CC := gcc
GUEST_X86_LD := ld
GUEST_X86_CFLAGS := $(CSTD) $(WARN) -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -mcmodel=small \
	-Iguest-abi -Itests/guests/lib -Itests/guests/lib/x86 -iquote .
GUEST_X86_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 \
	--no-undefined -T tests/guests/x86/guest.ld

# Guests built for x86_64.
GUESTS_X86 := hello counter memviolation hypwrite triplefault cpuidmsr hostprobe bench manager noperm \
	fpstate mgrkill bufrace crash irqhost irqline sipi

# One source, one image per attack: attack-NAME.elf is tests/guests/attack.c
# built with ATTACK="NAME" (the attacks are listed there).
ATTACKS_X86 := lapic ioapic hpet vtd amdvi ports msi
ATTACKS_A64 := gicd gicr its uart smmu
GUESTS_X86 += $(patsubst %,attack-%,$(ATTACKS_X86))
# fpstate-short.elf: fpstate with 20,000 rounds instead of 500,000 (Bochs).
GUESTS_X86 += fpstate-short
# irq-ipi.elf: irq with the two-vCPU IPI ping-pong.
GUESTS_X86 += irq irq-ipi
# bench-remote.elf: bench with only irq_ipi_remote (two vCPUs; make bench).
GUESTS_X86 += bench-remote

GUEST_LIB_X86_SRCS := $(wildcard tests/guests/lib/*.c) \
	$(wildcard tests/guests/lib/x86/*.c) $(wildcard tests/guests/lib/x86/*.S)
GUEST_LIB_X86_OBJS := $(patsubst tests/guests/%,$(GUEST_X86_DIR)/obj/%.o,$(GUEST_LIB_X86_SRCS)) \
	$(GUEST_X86_DIR)/obj/fief-lib/format.c.o
GUEST_X86_ELFS := $(patsubst %,$(GUEST_X86_DIR)/%.elf,$(GUESTS_X86))

# Keep the objects (make would delete them as intermediates of %.elf).
.SECONDARY: $(GUEST_LIB_X86_OBJS) $(GUEST_RIG_OBJS) $(patsubst %,$(GUEST_X86_DIR)/obj/%.c.o,$(GUESTS_X86))

$(GUEST_X86_DIR)/obj/%.c.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_X86_DIR)/obj/attack-%.c.o: tests/guests/attack.c
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -DATTACK='"$*"' -MMD -MP -c $< -o $@

$(GUEST_X86_DIR)/obj/fpstate-short.c.o: tests/guests/fpstate.c
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -DFPSTATE_ROUNDS=20000u -MMD -MP -c $< -o $@

$(GUEST_X86_DIR)/obj/irq-ipi.c.o: tests/guests/irq.c
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -DIRQ_IPI=1 -MMD -MP -c $< -o $@

$(GUEST_X86_DIR)/obj/bench-remote.c.o: tests/guests/bench.c
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -DBENCH_REMOTE=1 -MMD -MP -c $< -o $@

# fief's own formatter, shared with the library (lib/format.h).
$(GUEST_X86_DIR)/obj/fief-lib/format.c.o: lib/format.c lib/format.h
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -I. -MMD -MP -c $< -o $@

$(GUEST_X86_DIR)/obj/%.S.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	$(GUEST_X86_CC) $(GUEST_X86_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

# The library is an archive, so a guest links only the parts it uses.
GUEST_LIB_X86 := $(GUEST_X86_DIR)/libguest.a
$(GUEST_LIB_X86): $(GUEST_LIB_X86_OBJS)
	@rm -f $@
	ar rcs $@ $^

# start.S.o goes first and by name: nothing refers to _start.
$(GUEST_X86_DIR)/%.elf: $(GUEST_X86_DIR)/obj/%.c.o $(GUEST_LIB_X86) tests/guests/x86/guest.ld
	$(GUEST_X86_LD) $(GUEST_X86_LDFLAGS) $(GUEST_X86_DIR)/obj/lib/x86/start.S.o $< \
		$(GUEST_LIB_X86) -o $@

# Each public header alone, as C11 and C++11, pedantic: the ABI must not
# lean on anything it does not include. The arm64 header needs the arm64
# compiler (mk/aarch64.mk's toolchain).
ABI_CHECK_DIR := $(BUILD)/host/abi-check
ABI_CHECK_FLAGS := -Wall -Wextra -Werror -pedantic -fsyntax-only
ABI_CHECK_STAMPS := $(ABI_CHECK_DIR)/fief_abi.h.c11 $(ABI_CHECK_DIR)/fief_abi.h.cxx11 \
	$(ABI_CHECK_DIR)/fief_abi_x86.h.c11 $(ABI_CHECK_DIR)/fief_abi_x86.h.cxx11 \
	$(ABI_CHECK_DIR)/fief_abi_arm64.h.c11 \
	$(ABI_CHECK_DIR)/fief_boot.h.c11 $(ABI_CHECK_DIR)/fief_boot.h.cxx11

$(ABI_CHECK_DIR)/%.h.c11: guest-abi/%.h guest-abi/fief_abi.h
	@mkdir -p $(dir $@)
	$(if $(findstring arm64,$*),aarch64-linux-gnu-gcc,gcc) -std=c11 $(ABI_CHECK_FLAGS) -x c $<
	@touch $@

$(ABI_CHECK_DIR)/%.h.cxx11: guest-abi/%.h guest-abi/fief_abi.h
	@mkdir -p $(dir $@)
	g++ -std=c++11 $(ABI_CHECK_FLAGS) -x c++ $<
	@touch $@

# The rig: a stand-in for fief that runs one guest on bare QEMU (no
# virtualization) to check the guests themselves; tests/guests/x86/rig/.
# QEMU's Multiboot loader takes only ELF32, so the 64-bit link is converted.
GUEST_RIG_SRCS := $(wildcard tests/guests/x86/rig/*.S) $(wildcard tests/guests/x86/rig/*.c)
GUEST_RIG_OBJS := $(patsubst tests/guests/%,$(GUEST_X86_DIR)/obj/%.o,$(GUEST_RIG_SRCS))
GUEST_RIG := $(GUEST_X86_DIR)/rig/rig.elf

$(GUEST_RIG): $(GUEST_RIG_OBJS) tests/guests/x86/rig/rig.ld
	@mkdir -p $(dir $@)
	$(GUEST_X86_LD) -nostdlib -static -no-pie -z max-page-size=0x1000 --no-undefined \
		-T tests/guests/x86/rig/rig.ld $(GUEST_RIG_OBJS) -o $@.64
	objcopy -O elf32-i386 $@.64 $@

.PHONY: guests abi-check guest-rig
abi-check: $(ABI_CHECK_STAMPS)
guest-rig: $(GUEST_RIG)
guests: $(GUEST_X86_ELFS) $(GUEST_RIG) abi-check

TEST_BUILD_EXTRA += guests

-include $(GUEST_LIB_X86_OBJS:.o=.d) $(patsubst %,$(GUEST_X86_DIR)/obj/%.c.d,$(GUESTS_X86))

# ---- arm64: the same guest sources, built with the aarch64 cross compiler
# into build/aarch64/guests/ (library half in tests/guests/lib/arm64/).
# -mstrict-align: guests start with the MMU off, where every data access is
# Device memory and an unaligned one faults.
GUEST_A64_DIR := $(BUILD)/aarch64/guests
GUEST_A64_CC := aarch64-linux-gnu-gcc
GUEST_A64_LD := aarch64-linux-gnu-ld
GUEST_A64_CFLAGS := $(CSTD) $(WARN) -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mgeneral-regs-only -mstrict-align -mno-outline-atomics -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-Iguest-abi -Itests/guests/lib -Itests/guests/lib/arm64 -iquote .
GUEST_A64_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 \
	--no-undefined -T tests/guests/lib/arm64/guest.ld

# Guests built for arm64 (the portable ones).
GUESTS_A64 := hello counter memviolation hypwrite exloop psci sysreg hostprobe manager noperm \
	fpstate mgrkill bufrace crash
# Host-VM guests on arm64 run in the host's span, which starts at the first
# RAM (QEMU virt: 1 GiB): link them 2 MiB into it.
GUEST_A64_BASE_hostprobe := 0x40200000
GUEST_A64_BASE_manager := 0x40200000
GUEST_A64_BASE_mgrkill := 0x40200000
GUEST_A64_BASE_bufrace := 0x40200000
GUEST_A64_BASE_crash := 0x40200000
GUESTS_A64 += $(patsubst %,attack-%,$(ATTACKS_A64))
# Interrupt tests (arm64 only): one image per test of tests/guests/a64irq.c.
A64IRQS := timer sgi pingpong line host late busy
GUESTS_A64 += $(patsubst %,a64irq-%,$(A64IRQS))
GUEST_A64_BASE_a64irq-host := 0x40200000
# bench-remote.elf: bench with only irq_ipi_remote, a guest VM (make bench).
GUESTS_A64 += bench-remote
$(foreach a,$(ATTACKS_A64),$(eval GUEST_A64_BASE_attack-$(a) := 0x40200000))

GUEST_LIB_A64_SRCS := $(wildcard tests/guests/lib/*.c) \
	$(wildcard tests/guests/lib/arm64/*.c) $(wildcard tests/guests/lib/arm64/*.S)
GUEST_LIB_A64_OBJS := $(patsubst tests/guests/%,$(GUEST_A64_DIR)/obj/%.o,$(GUEST_LIB_A64_SRCS)) \
	$(GUEST_A64_DIR)/obj/fief-lib/format.c.o
GUEST_A64_ELFS := $(patsubst %,$(GUEST_A64_DIR)/%.elf,$(GUESTS_A64))

.SECONDARY: $(GUEST_LIB_A64_OBJS) $(patsubst %,$(GUEST_A64_DIR)/obj/%.c.o,$(GUESTS_A64))

$(GUEST_A64_DIR)/obj/%.c.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	$(GUEST_A64_CC) $(GUEST_A64_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_A64_DIR)/obj/attack-%.c.o: tests/guests/attack.c
	@mkdir -p $(dir $@)
	$(GUEST_A64_CC) $(GUEST_A64_CFLAGS) -DATTACK='"$*"' -MMD -MP -c $< -o $@

$(GUEST_A64_DIR)/obj/a64irq-%.c.o: tests/guests/a64irq.c
	@mkdir -p $(dir $@)
	$(GUEST_A64_CC) $(GUEST_A64_CFLAGS) -DA64IRQ='"$*"' -MMD -MP -c $< -o $@

$(GUEST_A64_DIR)/obj/bench-remote.c.o: tests/guests/bench.c
	@mkdir -p $(dir $@)
	$(GUEST_A64_CC) $(GUEST_A64_CFLAGS) -DBENCH_REMOTE=1 -MMD -MP -c $< -o $@

$(GUEST_A64_DIR)/obj/fief-lib/format.c.o: lib/format.c lib/format.h
	@mkdir -p $(dir $@)
	$(GUEST_A64_CC) $(GUEST_A64_CFLAGS) -I. -MMD -MP -c $< -o $@

$(GUEST_A64_DIR)/obj/%.S.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	$(GUEST_A64_CC) $(GUEST_A64_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

GUEST_LIB_A64 := $(GUEST_A64_DIR)/libguest.a
$(GUEST_LIB_A64): $(GUEST_LIB_A64_OBJS)
	@rm -f $@
	aarch64-linux-gnu-ar rcs $@ $^

$(GUEST_A64_DIR)/%.elf: $(GUEST_A64_DIR)/obj/%.c.o $(GUEST_LIB_A64) tests/guests/lib/arm64/guest.ld
	$(GUEST_A64_LD) $(if $(GUEST_A64_BASE_$*),--defsym=GUEST_BASE=$(GUEST_A64_BASE_$*)) $(GUEST_A64_LDFLAGS) \
		$(GUEST_A64_DIR)/obj/lib/arm64/start.S.o $< \
		$(GUEST_LIB_A64) -o $@

.PHONY: guests-arm64
guests-arm64: $(GUEST_A64_ELFS)
guests: guests-arm64

-include $(GUEST_LIB_A64_OBJS:.o=.d) $(patsubst %,$(GUEST_A64_DIR)/obj/%.c.d,$(GUESTS_A64))
