/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what a guest controls in device emulation on x86, the
 * instruction bytes at its RIP (x86_insn_decode()) and its accesses to the
 * virtual I/O APIC (vioapic_*()).
 *
 * Byte 0 picks the CPU mode; the next 16 bytes are an instruction. A decode
 * that succeeds must describe one of the accepted forms within the bytes
 * given. The rest is a script of I/O APIC operations (3 bytes each plus a
 * 32-bit value for writes); after each one, every entry must hold only the
 * bits the model keeps, remote IRR only on level pins, and no call may
 * produce more messages than there are pins, or a message for a masked pin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/insn.h"
#include "arch/x86/vioapic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_vdev: invariant broken: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

static void check_insn(const uint8_t *data, size_t size)
{
	struct x86_insn i;
	size_t n;

	if (size < 1)
		return;
	n = size - 1 < X86_INSN_MAX + 1 ? size - 1 : X86_INSN_MAX + 1;
	if (x86_insn_decode(data + 1, n, (enum x86_cpu_mode)(data[0] % 3), &i) != 0)
		return;
	CHECK(i.len >= 2 && i.len <= n && i.len <= X86_INSN_MAX);
	CHECK(i.size == 1 || i.size == 2 || i.size == 4 || i.size == 8);
	CHECK(i.dst_size >= i.size && i.dst_size <= 8);
	CHECK(i.reg < 16);
	CHECK(!i.high8 || i.reg < 4);
	CHECK(!i.imm || i.write);
	if (i.size < 8)
		CHECK(x86_insn_store_value(&i, ~0ull) < (1ull << (8 * i.size)));
	if (i.dst_size == 4)
		CHECK(x86_insn_load(&i, ~0ull, ~0ull) <= 0xffffffffull);
}

static void check_ioapic(const struct vioapic *io, const struct vioapic_msg *m, uint32_t n)
{
	CHECK(n <= VIOAPIC_MSGS_MAX);
	for (uint32_t k = 0; k < n; k++) {
		CHECK(m[k].pin < VIOAPIC_PINS);
		CHECK(!(io->rte[m[k].pin] & VIOAPIC_RTE_MASK));
		CHECK(m[k].vector == (io->rte[m[k].pin] & VIOAPIC_RTE_VECTOR));
	}
	for (uint32_t p = 0; p < VIOAPIC_PINS; p++) {
		uint64_t r = io->rte[p];

		CHECK(!(r & ~(VIOAPIC_RTE_WRITABLE | VIOAPIC_RTE_REMOTE_IRR)));
		CHECK(!(r & VIOAPIC_RTE_REMOTE_IRR) || (r & VIOAPIC_RTE_LEVEL));
	}
	CHECK(io->ioregsel <= 0xff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vioapic io;
	struct vioapic_msg m[VIOAPIC_MSGS_MAX];
	size_t i = 17;
	uint32_t n;

	check_insn(data, size);
	memset(&io, 0, sizeof(io));
	vioapic_reset(&io);
	while (i + 3 <= size) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint32_t val = 0;

		i += 3;
		switch (op % 4) {
		case 0:
			(void)vioapic_read(&io, (uint64_t)a << 2);
			n = 0;
			break;
		case 1:
			if (i + 4 <= size) {
				memcpy(&val, data + i, 4);
				i += 4;
			}
			n = vioapic_write(&io, (uint64_t)a << 2, val, m);
			break;
		case 2:
			n = vioapic_set_pin(&io, a, b & 1, m);
			break;
		default:
			n = vioapic_eoi(&io, a, m);
			break;
		}
		check_ioapic(&io, m, n);
	}
	return 0;
}
