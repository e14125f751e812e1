/* SPDX-License-Identifier: MIT */
/*
 * Emulated device registers reached by memory accesses (x86_mmio(),
 * arch/x86/virt.h): the VM's I/O APIC and, in xAPIC mode, the vCPU's local
 * APIC page at its APIC base. The stage-2 fault gives the address; the instruction at
 * the guest's RIP, read through the guest's own page tables and decoded
 * (arch/x86/insn.h), gives the register, the size and the direction.
 *
 * Everything here is the guest's: its page tables, its instruction bytes.
 * A table entry or an instruction fief cannot read or does not accept stops
 * the VM with a reason (the guest asked for something no hardware offers at
 * that address); fief itself never trusts a byte of it.
 */
#include "arch/x86/insn.h"
#include "arch/x86/vioapic.h"
#include "arch/x86/virt.h"
#include "lib/print.h"
#include "lib/string.h"

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define SEG_L (1u << 9)
#define SEG_DB (1u << 10)

static bool read_entry(const struct vm *vm, uint64_t gpa, unsigned size, uint64_t *val)
{
	const void *p = vm_buffer_ptr(vm, gpa_init(gpa), size);

	if (!p)
		return false;
	*val = 0;
	memcpy(val, p, size);
	return true;
}

/* Guest linear @la -> guest-physical, through the guest's paging mode. */
static bool guest_walk(const struct vm *vm, const struct fief_regs_x86 *r, uint64_t la,
		       uint64_t *gpa)
{
	uint64_t e;

	if (!(r->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return true;
	}
	if (r->efer & EFER_LMA) {
		uint64_t table = r->cr3 & PTE_ADDR;

		if (r->cr4 & CR4_LA57)
			return false; /* 5-level paging: not offered to guests */
		for (int level = 3; level >= 0; level--) {
			unsigned shift = 12 + 9 * (unsigned)level;

			if (!read_entry(vm, table + ((la >> shift) & 511) * 8, 8, &e) || !(e & PTE_P))
				return false;
			if (level == 0 || ((e & PTE_PS) && level <= 2)) {
				uint64_t off = la & ((1ull << shift) - 1);

				*gpa = ((e & PTE_ADDR) & ~((1ull << shift) - 1)) + off;
				return true;
			}
			if (level == 3 && (e & PTE_PS))
				return false; /* no 512 GiB pages */
			table = e & PTE_ADDR;
		}
		return false;
	}
	la &= 0xffffffffull;
	if (r->cr4 & CR4_PAE) {
		uint64_t pd, pt;

		if (!read_entry(vm, (r->cr3 & 0xffffffe0ull) + (la >> 30) * 8, 8, &e) || !(e & PTE_P))
			return false;
		pd = e & PTE_ADDR;
		if (!read_entry(vm, pd + ((la >> 21) & 511) * 8, 8, &e) || !(e & PTE_P))
			return false;
		if (e & PTE_PS) {
			*gpa = (e & PTE_ADDR & ~0x1fffffull) + (la & 0x1fffff);
			return true;
		}
		pt = e & PTE_ADDR;
		if (!read_entry(vm, pt + ((la >> 12) & 511) * 8, 8, &e) || !(e & PTE_P))
			return false;
		*gpa = (e & PTE_ADDR) + (la & 0xfff);
		return true;
	}
	if (!read_entry(vm, (r->cr3 & 0xfffff000ull) + (la >> 22) * 4, 4, &e) || !(e & PTE_P))
		return false;
	if ((e & PTE_PS) && (r->cr4 & CR4_PSE)) {
		*gpa = (e & 0xffc00000ull) + (la & 0x3fffff);
		return true;
	}
	if (!read_entry(vm, (e & 0xfffff000ull) + ((la >> 12) & 1023) * 4, 4, &e) || !(e & PTE_P))
		return false;
	*gpa = (e & 0xfffff000ull) + (la & 0xfff);
	return true;
}

/* Up to X86_INSN_MAX bytes at the guest's RIP; returns how many could be
 * read (a page that is not mapped ends them). */
static size_t fetch(const struct vm *vm, const struct fief_regs_x86 *r, bool m64, uint8_t *buf)
{
	uint64_t la = m64 ? r->rip : (r->cs.base + r->rip) & 0xffffffffull;
	size_t got = 0;

	while (got < X86_INSN_MAX) {
		uint64_t gpa, chunk = 4096 - ((la + got) & 4095);
		const void *p;

		if (chunk > X86_INSN_MAX - got)
			chunk = X86_INSN_MAX - got;
		if (!guest_walk(vm, r, la + got, &gpa))
			break;
		p = vm_buffer_ptr(vm, gpa_init(gpa), chunk);
		if (!p)
			break;
		memcpy(buf + got, p, chunk);
		got += chunk;
	}
	return got;
}

/* The devices: does @gpa belong to one of @v's, and which. */
enum mmio_dev { MMIO_NONE, MMIO_IOAPIC, MMIO_LAPIC };

static enum mmio_dev device_at(struct vcpu *v, uint64_t gpa)
{
	/* A guest's memory could reach the hole; its RAM wins there. */
	if (!v->vm->host && gpa < v->vm->mem_size)
		return MMIO_NONE;
	if (gpa >= VIOAPIC_BASE && gpa < VIOAPIC_BASE + VIOAPIC_SIZE)
		return MMIO_IOAPIC;
	if (x86_vlapic_xapic_at(v, gpa))
		return MMIO_LAPIC;
	return MMIO_NONE;
}

/* Both devices have 32-bit registers: other accesses read 0 and writes
 * of them are ignored, as the chips ignore what they do not decode. */
static uint64_t dev_read(struct vcpu *v, enum mmio_dev d, uint64_t off, uint8_t size)
{
	if (size != 4 || (off & 3))
		return 0;
	if (d == MMIO_LAPIC)
		return x86_vlapic_mmio(v, (uint32_t)off, false, 0);
	return vioapic_read(&v->vm->arch.ioapic, off);
}

static void dev_write(struct vcpu *v, enum mmio_dev d, uint64_t off, uint8_t size, uint64_t val)
{
	struct vioapic_msg m[VIOAPIC_MSGS_MAX];
	uint32_t n;

	if (size != 4 || (off & 3))
		return;
	if (d == MMIO_LAPIC) {
		x86_vlapic_mmio(v, (uint32_t)off, true, (uint32_t)val);
		return;
	}
	n = vioapic_write(&v->vm->arch.ioapic, off, (uint32_t)val, m);
	x86_ioapic_send(v->vm, m, n);
}

static bool fail(struct vcpu_exit *out, struct x86_exit *x, uint64_t gpa, const char *what)
{
	out->reason = VCPU_EXIT_FAILED;
	out->code = x->code;
	fief_snprintf(out->why, sizeof(out->why), "device access at 0x%llx: %s",
		      (unsigned long long)gpa, what);
	x->insn_len = 0;
	return true;
}

bool x86_mmio(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out)
{
	enum mmio_dev d = device_at(v, x->gpa);
	struct fief_regs_x86 r;
	uint8_t bytes[X86_INSN_MAX];
	struct x86_insn in;
	enum x86_cpu_mode mode;
	uint64_t *reg, val;
	size_t n;

	if (d == MMIO_NONE)
		return false;
	if (x->exec)
		return fail(out, x, x->gpa, "instruction fetch");
	if (x86_virt_regs_get(v, &r) != 0)
		return fail(out, x, x->gpa, "registers not readable");
	mode = (r.efer & EFER_LMA) && (r.cs.attrib & SEG_L) ? X86_MODE_64 :
	       (r.cs.attrib & SEG_DB) ? X86_MODE_32 : X86_MODE_16;
	n = fetch(v->vm, &r, mode == X86_MODE_64, bytes);
	if (x86_insn_decode(bytes, n, mode, &in) != 0)
		return fail(out, x, x->gpa, "instruction not emulated");
	if (in.write != x->write)
		return fail(out, x, x->gpa, "instruction does not match the fault");
	reg = x86_gpr_slot(&v->arch.gpr, in.reg);
	if (!reg && !in.imm)
		return fail(out, x, x->gpa, "RSP as the register operand");
	/* The fault's address is the access's; the offset inside the page. */
	if (in.write) {
		dev_write(v, d, x->gpa & 0xfff, in.size, x86_insn_store_value(&in, reg ? *reg : 0));
	} else {
		val = dev_read(v, d, x->gpa & 0xfff, in.size);
		*reg = x86_insn_load(&in, *reg, val);
	}
	x->insn_len = in.len;
	return true;
}
