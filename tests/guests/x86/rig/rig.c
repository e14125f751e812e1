/* SPDX-License-Identifier: MIT */
/*
 * The guest rig (see entry.S): loads the test guest given as the first
 * Multiboot module, as fief's boot protocol would for vCPU 0 of a VM with
 * RIG_MEMORY bytes, and answers its hypercalls by catching the #UD that
 * VMCALL / VMMCALL raise without virtualization. Memory is not isolated
 * (no stage 2), CPUID and MSRs are the bare CPU's, there is one vCPU: it
 * checks the guests, not fief. SELF_STOP prints fief's stop line and ends
 * QEMU through isa-debug-exit with the status.
 */
#include <stddef.h>
#include <stdint.h>

#include "fief_abi.h"

#define RIG_MEMORY (16u << 20)
#define COM1 0x3f8u
#define DEBUG_EXIT 0xf4u
#define VEC_UD 6u

struct rig_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

void rig_main(uint32_t mbi);
void rig_trap(struct rig_frame *f);
void rig_enter(uint64_t entry, uint64_t vcpu, uint64_t mem, uint64_t rsp) __attribute__((noreturn));
extern char rig_vectors[];

static struct gate rig_idt[32] __attribute__((aligned(16)));

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static void puts_(const char *s)
{
	while (*s)
		outb(COM1, (uint8_t)*s++);
}

static void puthex(uint64_t v)
{
	char b[19];
	int i;

	b[0] = '0';
	b[1] = 'x';
	for (i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	b[18] = 0;
	puts_(b);
}

static __attribute__((noreturn)) void rig_exit(uint32_t status)
{
	outl(DEBUG_EXIT, status);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

static int is_hypercall(const uint8_t *p)
{
	return p[0] == 0x0f && p[1] == 0x01 && (p[2] == 0xc1 || p[2] == 0xd9);
}

static void hypercall(struct rig_frame *f)
{
	switch (f->rax) {
	case FIEF_HC_VERSION:
		f->rax = FIEF_ABI_VERSION;
		break;
	case FIEF_HC_CAPS:
		f->rax = 0;
		break;
	case FIEF_HC_SELF_STOP:
		puts_("fief: vm rig stopped: self-stop status ");
		puthex(f->rdi);
		puts_("\n");
		rig_exit((uint32_t)f->rdi);
	default:
		/* The rig's VM has no capability: management calls are refused. */
		f->rax = (uint64_t)(int64_t)(f->rax >= FIEF_HC_VM_CREATE && f->rax < FIEF_HC_COUNT ?
					     FIEF_E_PERM : FIEF_E_NOSYS);
		break;
	}
	f->rip += FIEF_X86_HC_INSN_LEN;
}

void rig_trap(struct rig_frame *f)
{
	if (f->vector == VEC_UD && is_hypercall((const uint8_t *)(uintptr_t)f->rip)) {
		hypercall(f);
		return;
	}
	puts_("fief: vm rig stopped: exception ");
	puthex(f->vector);
	puts_(" at rip ");
	puthex(f->rip);
	puts_("\n");
	rig_exit(0x7f);
}

static void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(rig_vectors + 16 * v);

		rig_idt[v] = (struct gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16),
					    (uint32_t)(a >> 32), 0 };
	}
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {
		sizeof(rig_idt) - 1, (uint64_t)(uintptr_t)rig_idt
	};
	__asm__ __volatile__("lidt %0" : : "m"(d));
}

static uint64_t load(const uint8_t *img)
{
	const struct ehdr *eh = (const void *)img;

	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct phdr *ph = (const void *)(img + eh->phoff + i * eh->phentsize);
		uint8_t *dst = (uint8_t *)(uintptr_t)ph->paddr;

		if (ph->type != 1)
			continue;
		for (uint64_t b = 0; b < ph->memsz; b++)
			dst[b] = b < ph->filesz ? img[ph->offset + b] : 0;
	}
	return eh->entry;
}

void rig_main(uint32_t mbi)
{
	const struct mb_info *mb = (const void *)(uintptr_t)mbi;
	const struct mb_module *mod = (const void *)(uintptr_t)mb->mods_addr;
	uint64_t entry;

	puts_("rig: fief stand-in, memory 16 MiB, 1 vCPU\n");
	if (!(mb->flags & (1u << 3)) || mb->mods_count < 1) {
		puts_("rig: no guest module\n");
		rig_exit(0x7e);
	}
	idt_init();
	entry = load((const uint8_t *)(uintptr_t)mod->start);
	puts_("rig: entering guest at ");
	puthex(entry);
	puts_("\n");
	rig_enter(entry, 0, RIG_MEMORY, RIG_MEMORY);
}
