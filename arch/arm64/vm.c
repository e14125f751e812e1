/* SPDX-License-Identifier: MIT */
/*
 * arm64 side of the arch boundary for VMs: the EL2 stage-2 backend.
 *
 * Every VM runs at EL1 with stage-2 translation from its table in mm/
 * (VTTBR_EL2 = VMID << 48 | root, the VMID being the table's tag, i.e. the
 * VM's owner id). HCR_EL2 is set once per CPU for guests (HCR_GUEST): fief
 * itself runs at EL2 with E2H and TGE clear, so those bits only shape the
 * EL1&0 regime. The guest boot protocol (docs/arm64.md): EL1h, MMU and
 * caches off, DAIF masked, PC = ELF entry, SP_EL1 = top of memory minus
 * vCPU index * 64 KiB, X0 = vCPU index, X1 = memory size, X2 = the GPA of
 * the boot information page (guest-abi/fief_boot.h).
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/psci.h"
#include "arch/arm64/sysreg.h"
#include "core/elf.h"
#include "guest-abi/fief_boot.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/own.h"
#include "mm/pgtable.h"

#define VCPU_STACK_BYTES 0x10000ull
#define VM_BOOT_AREA 0x100000ull

const struct pt_format *arch_stage2_format(void)
{
	return &pt_format_arm64_s2;
}

int arch_cpu_virt_enable(void)
{
	if (!arch_virt_usable())
		return FIEF_ENOTSUP;
	a64_timer_cpu_init();
	return FIEF_OK;
}

uint16_t arch_elf_machine(void)
{
	return ELF_MACHINE_AARCH64;
}

/*
 * Before the first vCPU of a VM first runs, its whole memory is cleaned to
 * the Point of Coherency and the instruction caches are invalidated: fief
 * wrote the scrub, the image and the boot information page through its
 * cacheable map, and the guest starts with its MMU off (Device accesses
 * that bypass the caches), so it must see memory, and fetch the new code,
 * not stale lines. Done at the first entry rather than at creation, so that
 * what a manager copies in before VM_START is covered too. The flag lives
 * in vCPU 0; a vCPU that finds the cleaning under way waits for it.
 */
/*
 * Clean what the VM's stage-2 maps of [0, memory size), leaf by leaf (a
 * VM made at run time need not have contiguous memory). The host's memory
 * is fief's identity map of RAM it owns: its stage-2 fills lazily, so
 * there is nothing to walk; the RAM of its span is cleaned instead.
 */
/* The host: fief wrote its boot structures and image into the RAM of its
 * span (identity mapped); clean that RAM, chunk by chunk. */
static void host_memory_clean(struct vm *vm)
{
	const uint64_t chunk = 2ull << 20;

	for (uint64_t off = 0; off < vm->mem_size; off += chunk) {
		paddr_t pa = vm_host_pa(gpa_add(vm->gpa_base, off));

		if (mm_ram_contains(pa, chunk))
			a64_dcache_clean_inval(arch_mm_pa_to_va(pa), chunk);
	}
}

static void vm_memory_clean(struct vm *vm)
{
	struct pt_leaf leaf;

	if (vm->host) {
		host_memory_clean(vm);
		return;
	}
	for (uint64_t a = 0; a < vm->mem_size;) {
		mm_guest_page(vm->mm, gpa_init(a), &leaf);
		if (leaf.size == 0)
			break;
		uint64_t end = ia_addr(leaf.addr) + leaf.size;

		if (end > vm->mem_size)
			end = vm->mem_size;
		if (leaf.valid)
			a64_dcache_clean_inval(arch_mm_pa_to_va(pa_add(leaf.pa, a - ia_addr(leaf.addr))),
					       end - a);
		a = end;
	}
}

static void vm_memory_publish(struct vm *vm)
{
	uint32_t *flag = &vm->vcpu[0].arch.published;
	uint32_t expect = 0;

	if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 2)
		return;
	if (__atomic_compare_exchange_n(flag, &expect, 1, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		vm_memory_clean(vm);
		__asm__ volatile("ic ialluis\n\tdsb ish\n\tisb" ::: "memory");
		__atomic_store_n(flag, 2, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != 2)
		__asm__ volatile("yield");
}

int arch_vcpu_init(struct vcpu *vcpu, gpaddr_t entry)
{
	struct vm *vm = vcpu->vm;
	uint64_t base = gpa_addr(vm->gpa_base);
	uint64_t stack_top = base + vm->mem_size - vcpu->index * VCPU_STACK_BYTES;

	if (!arch_virt_usable())
		return FIEF_ENOTSUP;
	if (stack_top <= base + VM_BOOT_AREA + VCPU_STACK_BYTES)
		return FIEF_ERANGE;
	a64_vcpu_boot(vcpu, gpa_addr(entry), vcpu->index, vm->mem_size, stack_top & ~0xfull);
	vcpu->arch.x[2] = base + FIEF_BOOT_INFO_GPA;
	vcpu->arch.off = 0;
	vcpu->arch.reset = 0;
	vcpu->arch.entered = 0;
	vcpu->arch.published = 0;
	return FIEF_OK;
}

/*
 * arm64 has no triple fault: a guest whose exception vector itself faults
 * (no vectors installed, a broken stack) re-enters the vector forever
 * inside EL1, without an exit. At each preemption tick fief looks at the
 * live EL1 state: if both the PC and ELR_EL1 (where the last exception was
 * taken) lie in the vector table, the vector faulted into itself. Seen at
 * LOOP_TICKS ticks in a row, the VM is shut down as x86 does on a triple
 * fault.
 */
#define LOOP_TICKS 3
#define VECTORS_BYTES 0x800

static bool exception_loop(struct vcpu *v, struct vcpu_exit *exit)
{
	uint64_t vbar = read_sysreg(vbar_el1), elr = read_sysreg(elr_el1);
	bool in = v->arch.pc - vbar < VECTORS_BYTES && elr - vbar < VECTORS_BYTES;

	v->arch.loop_ticks = in ? v->arch.loop_ticks + 1 : 0;
	if (v->arch.loop_ticks < LOOP_TICKS)
		return false;
	exit->reason = VCPU_EXIT_SHUTDOWN;
	exit->pc = v->arch.pc;
	fief_snprintf(exit->why, sizeof(exit->why),
		      "exception loop at VBAR_EL1+0x%llx (ESR_EL1 0x%llx)",
		      (unsigned long long)(elr - vbar),
		      (unsigned long long)read_sysreg(esr_el1));
	return true;
}

void arch_vcpu_run(struct vcpu *vcpu, struct vcpu_exit *exit)
{
	uint64_t kind;

	if (!vcpu->arch.entered) {
		vm_memory_publish(vcpu->vm);
		vcpu->arch.entered = 1;
	}
	a64_vcpu_load(vcpu);
	/* Interrupts made pending since it last ran go into its list registers. */
	if (__atomic_load_n(&vcpu->arch.vgic_dirty, __ATOMIC_ACQUIRE))
		a64_vgic_sync(vcpu);
	if (!vcpu->arch.turn_end)
		a64_turn_begin(vcpu); /* fief's timer for this turn (timer.c) */
	kind = a64_vcpu_enter(&vcpu->arch);
	/* Each reason sets the fields the core reads for it (core/arch.h). */
	exit->reason = VCPU_EXIT_NONE;
	switch (kind) {
	case A64_EXIT_SYNC:
		a64_handle_sync(vcpu, exit);
		break;
	case A64_EXIT_IRQ:
		if (a64_turn_irq(vcpu) && !exception_loop(vcpu, exit))
			exit->reason = VCPU_EXIT_PREEMPT;
		break;
	case A64_EXIT_HANDLED:
		break; /* a64_exit_fast() handled it; the vCPU must leave the loop */
	case A64_EXIT_FIQ:
		break; /* fief enables no FIQ: nothing to do but resume */
	default:
		exit->reason = VCPU_EXIT_FAILED;
		exit->code = read_sysreg(esr_el2);
		fief_snprintf(exit->why, sizeof(exit->why), "SError (ESR_EL2 0x%llx)",
			      (unsigned long long)read_sysreg(esr_el2));
		break;
	}
	a64_el1_snapshot(&vcpu->arch.el1);
}

void arch_vcpu_set_result(struct vcpu *vcpu, int64_t result)
{
	vcpu->arch.x[0] = (uint64_t)result;
}

void arch_cpu_idle(uint64_t wake_at)
{
	/* The tick wakes it at least once a slice; earlier for a timer due. */
	a64_timer_until(wake_at);
	/* WFI wakes on a pending interrupt even with DAIF masked. */
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
	a64_handle_irq();
}

_Noreturn void a64_el2_fault(uint64_t esr, uint64_t elr, uint64_t far, uint64_t kind)
{
	static const char *const kinds[] = { "?", "sync", "IRQ", "FIQ", "SError" };

	console_printf("fief: EL2 %s exception: ESR 0x%llx ELR 0x%llx FAR 0x%llx\n",
		       kinds[kind < 5 ? kind : 0], (unsigned long long)esr,
		       (unsigned long long)elr, (unsigned long long)far);
	arch_panic(__FILE__, __LINE__, "exception in fief at EL2");
}

uint64_t arch_host_gpa_base(const struct boot_info *bi)
{
	/* The lowest RAM: the map is sorted; devices and firmware come first. */
	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE)
			return bi->mem[i].base & ~((2ull << 20) - 1);
	return 0;
}
