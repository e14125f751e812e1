/* SPDX-License-Identifier: MIT */
/*
 * x86 side of the arch boundary for VMs: takeover of the boot CPU, the
 * choice of the virtualization backend, and the vCPU hooks, which pass
 * through the backend's ops table and the x86-common exit policy.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/fpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "arch/x86/vmx.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/elf.h"
#include "lib/err.h"
#include "lib/print.h"

void arch_takeover(const struct boot_info *bi)
{
	(void)bi;
	x86_desc_init_cpu(0);
	x86_paging_takeover();
	lapic_init_cpu();
	if (lapic_calibrate())
		console_printf("x86: slice 10 ms = %u LAPIC timer ticks, %lu TSC cycles (PIT)\n",
			       lapic_slice.ticks, (unsigned long)lapic_slice.tsc);
	else
		console_printf("x86: no PIT: slice %u LAPIC timer ticks (not measured)\n",
			       lapic_slice.ticks);
	/* A BIOS boot (GRUB, Bochs) leaves the 8259 PICs unmasked with the
	 * timer on IRQ0 at vector 8, which would look like a #DF the first
	 * time fief opens an interrupt window. fief uses only the LAPIC. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	/* SVM if usable, else VMX: chosen once, reached through x86_virt. */
	if (x86_cpu.svm && !x86_cpu.svm_disabled && (x86_cpu.svm_features & 1))
		x86_virt = &x86_svm_ops;
	else if (x86_vmx_usable())
		x86_virt = &x86_vmx_ops;
	console_printf("x86: own GDT, TSS and IDT loaded; LAPIC id %u; backend %s\n", lapic_id(),
		       x86_virt ? x86_virt->name : "none");
}

const struct pt_format *arch_stage2_format(void)
{
	return x86_virt ? x86_virt->stage2 : &pt_format_x86_npt;
}

int arch_cpu_virt_enable(void)
{
	int err;

	if (!x86_virt)
		return FIEF_ENOTSUP;
	x86_fpu_cpu_init(); /* before the backend reads fief's CR4 for its host state */
	err = x86_virt_cpu_enable();
	if (err == 0)
		lapic_timer_start();
	return err;
}

uint16_t arch_elf_machine(void)
{
	return ELF_MACHINE_X86_64;
}

int arch_vcpu_init(struct vcpu *vcpu, gpaddr_t entry)
{
	struct x86_boot_state s;
	int err;

	if (!x86_virt)
		return FIEF_ENOTSUP;
	x86_vlapic_reset(vcpu);
	err = x86_guest_boot(vcpu, entry, &s);
	if (err == 0)
		err = x86_fpu_vcpu_init(vcpu);
	if (err == 0) {
		err = x86_virt_vcpu_init(vcpu, &s);
		if (err)
			x86_fpu_vcpu_destroy(vcpu);
	}
	return err;
}

/*
 * The backend stays in its world-switch loop while the x86 policy completes
 * the exits (CPUID, MSRs, console, hypercalls): only what needs the core
 * (faults, HLT, stops, the preemption tick), a vCPU whose VM a manager
 * paused meanwhile, and a pending stage-2 flush come back here.
 */
void arch_vcpu_run(struct vcpu *vcpu, struct vcpu_exit *exit)
{
	exit->reason = VCPU_EXIT_NONE;
	/* An INIT or a STARTUP came: wait for one, or start in real mode. */
	if (__builtin_expect(vcpu->arch.wait_sipi | __atomic_load_n(&vcpu->arch.vlapic.init,
								  __ATOMIC_RELAXED), 0) &&
	    x86_init_sipi(vcpu, exit))
		return;
	x86_fpu_load(vcpu);
	x86_timer_enter(vcpu);
	x86_virt_vcpu_run(vcpu, exit);
	if (exit->reason == VCPU_EXIT_PREEMPT) { /* the interrupt reaches fief's handler */
		__asm__ volatile("sti; nop; cli" ::: "memory");
		x86_irq_report();
		/* A kick, a shootdown or the vCPU's own timer deadline: the turn
		 * goes on unless the slice is over. */
		if (!x86_timer_after_intr(vcpu))
			exit->reason = VCPU_EXIT_NONE;
	}
}

void arch_vcpu_leave(struct vcpu *vcpu)
{
	x86_timer_turn_end(vcpu);
	x86_virt_vcpu_leave(vcpu);
}

void arch_vcpu_set_result(struct vcpu *vcpu, int64_t result)
{
	vcpu->arch.gpr.rax = (uint64_t)result;
}

uint64_t arch_host_gpa_base(const struct boot_info *bi)
{
	(void)bi;
	return 0; /* PC memory starts at physical 0 */
}
