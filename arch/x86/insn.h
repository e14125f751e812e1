/* SPDX-License-Identifier: MIT */
/*
 * The few x86 instructions a guest uses to reach an emulated device's
 * registers (the virtual I/O APIC's window, the xAPIC page): MOV to and
 * from memory, MOV of an immediate, MOVZX loads. fief decodes them from the
 * bytes at the guest's RIP after a stage-2 fault, because it cannot learn
 * the access's register and length otherwise (QEMU's SVM has no decode
 * assists, and VMX has none for EPT violations). Anything else is refused,
 * never guessed. Pure C: host-tested (tests/unit/test_insn.c).
 */
#ifndef FIEF_ARCH_X86_INSN_H
#define FIEF_ARCH_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_INSN_MAX 15 /* the architecture's longest instruction */

enum x86_cpu_mode {
	X86_MODE_16 = 0,
	X86_MODE_32 = 1,
	X86_MODE_64 = 2,
};

/** A decoded memory access. */
struct x86_insn {
	uint8_t len;       /* bytes, prefixes included */
	uint8_t size;      /* bytes accessed: 1, 2, 4 or 8 */
	bool write;        /* a store to memory */
	bool imm;          /* the stored value is @value (MOV r/m, imm) */
	uint64_t value;    /* the immediate, sign-extended to @size */
	uint8_t reg;       /* enum fief_x86_gpr number of the register operand */
	bool high8;        /* AH, CH, DH, BH: bits 15:8 of reg 0-3 */
	uint8_t dst_size;  /* load: bytes of the destination register (MOVZX: wider) */
};

/**
 * x86_insn_decode() - decode the memory access at @b (@n bytes readable,
 * at most X86_INSN_MAX are looked at) in CPU mode @mode.
 * Return: 0, or -1 if it is not one of the supported forms (the caller
 * then refuses the access), or the bytes end before the instruction.
 */
int x86_insn_decode(const uint8_t *b, size_t n, enum x86_cpu_mode mode, struct x86_insn *out);

/**
 * x86_insn_load() - the register's new value after a load of @val by @i
 * into a register holding @old: a 32-bit destination zero-extends to 64
 * bits; 8- and 16-bit ones keep the other bits (AH..BH: bits 15:8).
 */
uint64_t x86_insn_load(const struct x86_insn *i, uint64_t old, uint64_t val);

/** x86_insn_store_value() - what a store by @i writes, from the register @reg. */
uint64_t x86_insn_store_value(const struct x86_insn *i, uint64_t reg);

#endif
