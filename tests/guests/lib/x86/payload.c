/* SPDX-License-Identifier: MIT */
/*
 * The payload on x86_64 (lib/payload.h): the boot protocol runs it in
 * 64-bit mode at CPL 0. It writes the line to COM1, then counts in RBX.
 */
#include "fief_abi_x86.h"
#include "guest.h"
#include "payload.h"
#include "x86.h"

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

/* The caller's call instruction is the CPU's: VMCALL or VMMCALL (patched
 * into a copy at offset 5). */
#define CALLER_INSN 5
static const uint8_t caller_code[] = {
	0xb8, FIEF_HC_VM_LIST, 0x00, 0x00, 0x00, /* loop: mov eax, FIEF_HC_VM_LIST */
	0x0f, 0x01, 0xc1,                        /*       vmcall (or vmmcall) */
	0x48, 0xff, 0xc3,                        /*       inc rbx */
	0x49, 0x89, 0x1c, 0x24,                  /*       mov [r12], rbx */
	0xeb, 0xef,                              /*       jmp loop */
};
static uint8_t caller_copy[sizeof(caller_code)];
static struct guest_payload caller;

const struct guest_payload *guest_caller(void)
{
	struct x86_cpuid v = x86_cpuid(0, 0);

	memcpy(caller_copy, caller_code, sizeof(caller_code));
	if (fief_x86_hc_insn_for_vendor(v.ebx) == FIEF_X86_HC_VMMCALL)
		caller_copy[CALLER_INSN + 2] = 0xd9;
	caller = (struct guest_payload){
		.code = caller_copy, .size = sizeof(caller_copy), .loop = 0,
		.loop_last = sizeof(caller_copy) - 2, .pc_name = "RIP", .count_name = "RBX",
	};
	return &caller;
}

void guest_caller_regs(union guest_vcpu_regs *r, uint64_t gpa, uint64_t buf, uint64_t counter)
{
	guest_payload_regs(r, gpa);
	r->x86.gpr[FIEF_X86_RDI] = buf;
	r->x86.gpr[FIEF_X86_RSI] = 16;
	r->x86.gpr[FIEF_X86_R12] = counter;
}
