/* SPDX-License-Identifier: MIT */
/*
 * The payload on arm64 (lib/payload.h): the boot protocol runs it at EL1h
 * with the MMU off. It stores the line byte by byte to the data register
 * of the PL011 fief emulates at 0x09000000 (32-bit stores, as the library
 * does: a plain STR has the syndrome fief decodes), then counts in X19.
 */
#include "payload.h"

#define MOVZ_X0_UART 0xd2a12000u                  /* movz x0, #0x0900, lsl #16 */
#define PUT(c) (0x52800001u | (uint32_t)(c) << 5), /* movz w1, #c */ \
	       0xb9000001u                         /* str w1, [x0] */
static const uint32_t code[] = {
	MOVZ_X0_UART,
	PUT('p'), PUT('a'), PUT('y'), PUT('l'), PUT('o'), PUT('a'), PUT('d'),
	PUT(' '), PUT('u'), PUT('p'), PUT('\n'),
	0x91000673u, /* loop: add x19, x19, #1 */
	0x17ffffffu, /*       b loop */
};

const struct guest_payload guest_payload = {
	.code = (const uint8_t *)code,
	.size = sizeof(code),
	.loop = sizeof(code) - 8,
	.loop_last = 4,
	.pc_name = "PC",
	.count_name = "X19",
};

static const uint32_t writer[] = {
	0x91000673u, /* loop: add x19, x19, #1 */
	0xf9000033u, /*       str x19, [x1] */
	0x17fffffeu, /*       b loop */
};

const struct guest_payload guest_writer = {
	.code = (const uint8_t *)writer,
	.size = sizeof(writer),
	.loop = 0,
	.loop_last = 8,
	.pc_name = "PC",
	.count_name = "X19",
};

void guest_payload_regs(union guest_vcpu_regs *r, uint64_t gpa)
{
	r->arm64.pc = gpa;
	r->arm64.x[19] = 0;
}

void guest_writer_regs(union guest_vcpu_regs *r, uint64_t gpa, uint64_t target)
{
	guest_payload_regs(r, gpa);
	r->arm64.x[1] = target;
}

uint64_t guest_payload_pc(const union guest_vcpu_regs *r)
{
	return r->arm64.pc;
}

uint64_t guest_payload_count(const union guest_vcpu_regs *r)
{
	return r->arm64.x[19];
}

static const uint32_t caller_code[] = {
	0x528002a0u, /* loop: movz w0, #FIEF_HC_VM_LIST */
	0x72b8c000u, /*       movk w0, #0xc600, lsl #16: FIEF_SMCCC_FN() */
	0xd4000002u, /*       hvc #0 */
	0x91000673u, /*       add x19, x19, #1 */
	0xf9000293u, /*       str x19, [x20] */
	0x17fffffbu, /*       b loop */
};
_Static_assert(FIEF_SMCCC_FN(FIEF_HC_VM_LIST) == 0xc6000015u, "the caller's function id");

static const struct guest_payload caller = {
	.code = (const uint8_t *)caller_code,
	.size = sizeof(caller_code),
	.loop = 0,
	.loop_last = sizeof(caller_code) - 4,
	.pc_name = "PC",
	.count_name = "X19",
};

const struct guest_payload *guest_caller(void)
{
	return &caller;
}

void guest_caller_regs(union guest_vcpu_regs *r, uint64_t gpa, uint64_t buf, uint64_t counter)
{
	guest_payload_regs(r, gpa);
	r->arm64.x[1] = buf;
	r->arm64.x[2] = 16;
	r->arm64.x[20] = counter;
}
