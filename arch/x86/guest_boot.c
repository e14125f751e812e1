/* SPDX-License-Identifier: MIT */
/*
 * The x86 guest boot protocol (docs/vm.md): every vCPU starts in 64-bit
 * mode with paging on, on an identity map of the VM's memory that fief
 * writes into the VM's first 1 MiB:
 *
 *   GPA 0x1000  PML4 ─► 0x2000 PDPT ─► 0x3000..0x6fff four PDs (2 MiB pages)
 *   GPA 0x7000  GDT: null, 64-bit code (0x08), data (0x10)
 *   GPA 0x8000  the boot information page (guest-abi/fief_boot.h), in RDX
 *
 * Only [0, memory size) is mapped, rounded up to 2 MiB; the boot map
 * covers at most 4 GiB.
 */
#include "arch/x86/virt.h"
#include "guest-abi/fief_boot.h"
#include "lib/err.h"
#include "lib/string.h"

#define GPA_PML4 0x1000ull
#define GPA_PDPT 0x2000ull
#define GPA_PD 0x3000ull
#define GPA_GDT 0x7000ull
#define BOOT_MAP_MAX (4ull << 30)
#define VCPU_STACK_BYTES 0x10000ull

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static int write_tables(struct vm *vm)
{
	uint64_t *pml4 = vm_gpa_ptr(vm, gpa_init(GPA_PML4), PAGE_SIZE);
	uint64_t *pdpt = vm_gpa_ptr(vm, gpa_init(GPA_PDPT), PAGE_SIZE);
	uint64_t *pd = vm_gpa_ptr(vm, gpa_init(GPA_PD), 4 * PAGE_SIZE);
	uint64_t *gdt = vm_gpa_ptr(vm, gpa_init(GPA_GDT), 24);
	uint64_t mapped = vm->mem_size > BOOT_MAP_MAX ? BOOT_MAP_MAX : vm->mem_size;

	if (!pml4 || !pdpt || !pd || !gdt)
		return FIEF_ERANGE;
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, 4 * PAGE_SIZE);
	pml4[0] = GPA_PDPT | PTE_P | PTE_W;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (GPA_PD + i * PAGE_SIZE) | PTE_P | PTE_W;
	for (uint64_t a = 0; a < mapped; a += 0x200000)
		pd[a >> 21] = a | PTE_P | PTE_W | PTE_PS;
	gdt[0] = 0;
	gdt[1] = 0x00209a0000000000ull; /* 64-bit code */
	gdt[2] = 0x00cf92000000ffffull; /* flat data */
	return FIEF_OK;
}

int x86_guest_boot(struct vcpu *v, gpaddr_t entry, struct x86_boot_state *s)
{
	struct vm *vm = v->vm;
	uint64_t stack_top = (vm->mem_size > BOOT_MAP_MAX ? BOOT_MAP_MAX : vm->mem_size) -
			     v->index * VCPU_STACK_BYTES;
	int err;

	if (v->index == 0 && (err = write_tables(vm)) != 0)
		return err;
	if (stack_top <= 0x100000 + VCPU_STACK_BYTES)
		return FIEF_ERANGE;
	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = GPA_PML4;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->rip = gpa_addr(entry);
	s->rsp = stack_top & ~0xfull;
	s->rflags = 0x2;
	s->gdt_base = GPA_GDT;
	s->gdt_limit = 23;
	memset(&v->arch.gpr, 0, sizeof(v->arch.gpr));
	v->arch.gpr.rdi = v->index;
	v->arch.gpr.rsi = vm->mem_size;
	v->arch.gpr.rdx = FIEF_BOOT_INFO_GPA;
	v->arch.efer = s->efer;
	return FIEF_OK;
}
