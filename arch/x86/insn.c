/* SPDX-License-Identifier: MIT */
/* Decoding MOV-to/from-memory for device emulation (arch/x86/insn.h). */
#include "arch/x86/insn.h"

#define REX_W 0x8
#define REX_R 0x4

static uint64_t mask_of(uint8_t size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Bytes of ModRM + SIB + displacement for a memory operand, or -1 for a
 * register operand (mod 3) or if @n bytes do not hold them. */
static int modrm_len(const uint8_t *b, size_t n, bool addr16)
{
	uint8_t modrm, mod, rm;
	int len = 1;

	if (n < 1)
		return -1;
	modrm = b[0];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return -1;
	if (addr16) {
		if (mod == 0 && rm == 6)
			len += 2;
		else
			len += mod == 1 ? 1 : mod == 2 ? 2 : 0;
	} else {
		if (rm == 4) {
			if (n < 2)
				return -1;
			len++; /* SIB */
			if (mod == 0 && (b[1] & 7) == 5)
				len += 4;
		} else if (mod == 0 && rm == 5) {
			len += 4; /* disp32, RIP-relative in 64-bit mode */
		}
		len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	}
	return (size_t)len <= n ? len : -1;
}

int x86_insn_decode(const uint8_t *b, size_t n, enum x86_cpu_mode mode, struct x86_insn *out)
{
	bool opsize = false, addrsize = false, two = false;
	uint8_t rex = 0, op, osz;
	size_t i = 0;
	int ml;

	if (n > X86_INSN_MAX)
		n = X86_INSN_MAX;
	/* Legacy prefixes, then REX (64-bit mode, last before the opcode). */
	for (;; i++) {
		if (i >= n)
			return -1;
		switch (b[i]) {
		case 0x66:
			opsize = true;
			continue;
		case 0x67:
			addrsize = true;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			continue; /* segment overrides: the fault's address already has them */
		}
		break;
	}
	if (mode == X86_MODE_64 && (b[i] & 0xf0) == 0x40) {
		rex = b[i++];
		if (i >= n)
			return -1;
	}
	op = b[i++];
	if (op == 0x0f) {
		if (i >= n)
			return -1;
		op = b[i++];
		two = true;
	}
	/* Operand size for the non-byte forms. */
	if (rex & REX_W)
		osz = 8;
	else if (mode == X86_MODE_16)
		osz = opsize ? 4 : 2;
	else
		osz = opsize ? 2 : 4;
	ml = modrm_len(b + i, n - i, mode == X86_MODE_16 ? !addrsize :
				     mode == X86_MODE_32 ? addrsize : false);
	if (ml < 0)
		return -1;
	*out = (struct x86_insn){ 0 };
	out->reg = (uint8_t)(((b[i] >> 3) & 7) | (rex & REX_R ? 8 : 0));
	if (!two) {
		switch (op) {
		case 0x88: /* MOV r/m8, r8 */
		case 0x8a: /* MOV r8, r/m8 */
			out->size = 1;
			out->write = op == 0x88;
			break;
		case 0x89: /* MOV r/m, r */
		case 0x8b: /* MOV r, r/m */
			out->size = osz;
			out->write = op == 0x89;
			break;
		case 0xc6: /* MOV r/m8, imm8 */
		case 0xc7: /* MOV r/m, imm16/32 */
			if ((b[i] >> 3) & 7)
				return -1; /* only /0 is MOV */
			out->size = op == 0xc6 ? 1 : osz;
			out->write = true;
			out->imm = true;
			break;
		default:
			return -1;
		}
	} else {
		if (op != 0xb6 && op != 0xb7) /* MOVZX r, r/m8 / r/m16 */
			return -1;
		out->size = op == 0xb6 ? 1 : 2;
	}
	i += (size_t)ml;
	if (out->imm) {
		uint8_t isz = out->size == 8 ? 4 : out->size;
		uint64_t v = 0;

		if (i + isz > n)
			return -1;
		for (uint8_t k = 0; k < isz; k++)
			v |= (uint64_t)b[i + k] << (8 * k);
		if (out->size == 8)
			v = (uint64_t)(int64_t)(int32_t)v; /* imm32 sign-extended */
		out->value = v;
		i += isz;
	}
	/* Byte registers 4-7 without REX are AH, CH, DH, BH. */
	if (out->size == 1 && !rex && !two && out->reg >= 4 && out->reg < 8 && !out->imm) {
		out->reg -= 4;
		out->high8 = true;
	}
	out->dst_size = two ? osz : out->size;
	out->len = (uint8_t)i;
	return 0;
}

uint64_t x86_insn_load(const struct x86_insn *i, uint64_t old, uint64_t val)
{
	val &= mask_of(i->size); /* MOVZX: the rest is zero */
	if (i->high8)
		return (old & ~0xff00ull) | (val << 8);
	if (i->dst_size >= 4)
		return val & mask_of(i->dst_size); /* 32-bit results zero-extend */
	return (old & ~mask_of(i->dst_size)) | val;
}

uint64_t x86_insn_store_value(const struct x86_insn *i, uint64_t reg)
{
	if (i->imm)
		return i->value & mask_of(i->size);
	if (i->high8)
		return (reg >> 8) & 0xff;
	return reg & mask_of(i->size);
}
