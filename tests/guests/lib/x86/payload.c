/* SPDX-License-Identifier: MIT */
/*
 * The payload on x86_64 (lib/payload.h): the boot protocol runs it in
 * 64-bit mode at CPL 0. It writes the line to COM1, then counts in RBX.
 */
#include "payload.h"

#define OUT(c) 0xb0, (c), 0xee /* mov al, c; out dx, al */
static const uint8_t code[] = {
	0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
	OUT('p'), OUT('a'), OUT('y'), OUT('l'), OUT('o'), OUT('a'), OUT('d'),
	OUT(' '), OUT('u'), OUT('p'), OUT('\n'),
	0x48, 0xff, 0xc3,       /* loop: inc rbx */
	0xeb, 0xfb,             /*       jmp loop */
};

const struct guest_payload guest_payload = {
	.code = code,
	.size = sizeof(code),
	.loop = sizeof(code) - 5,
	.loop_last = 3,
	.pc_name = "RIP",
	.count_name = "RBX",
};

static const uint8_t writer[] = {
	0x48, 0xff, 0xc3, /* loop: inc rbx */
	0x48, 0x89, 0x1f, /*       mov [rdi], rbx */
	0xeb, 0xf8,       /*       jmp loop */
};

const struct guest_payload guest_writer = {
	.code = writer,
	.size = sizeof(writer),
	.loop = 0,
	.loop_last = 6,
	.pc_name = "RIP",
	.count_name = "RBX",
};

void guest_payload_regs(union guest_vcpu_regs *r, uint64_t gpa)
{
	r->x86.rip = gpa;
	r->x86.gpr[FIEF_X86_RBX] = 0;
	/* IF on: physical interrupts exit to fief either way, but Bochs lets
	 * none exit a guest that spins with IF clear, and pause needs an exit.
	 * fief injects nothing, so the payload needs no IDT. */
	r->x86.rflags |= 0x200;
}

void guest_writer_regs(union guest_vcpu_regs *r, uint64_t gpa, uint64_t target)
{
	guest_payload_regs(r, gpa);
	r->x86.gpr[FIEF_X86_RDI] = target;
}

uint64_t guest_payload_pc(const union guest_vcpu_regs *r)
{
	return r->x86.rip;
}

uint64_t guest_payload_count(const union guest_vcpu_regs *r)
{
	return r->x86.gpr[FIEF_X86_RBX];
}
