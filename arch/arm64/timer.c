/* SPDX-License-Identifier: MIT */
/*
 * The preemption timer: the EL2 physical timer (CNTHP_*), private
 * interrupt 26, through the GICv3. Each CPU arms its own; every tick ends
 * the running vCPU's turn (VCPU_EXIT_PREEMPT), and the core's run loop
 * picks the next vCPU pinned to the CPU, round-robin. While a guest runs,
 * HCR_EL2.IMO sends the interrupt to EL2; while fief runs, PSTATE.I holds
 * it pending until the next guest entry or WFI. SGI 1 (A64_SGI_WAKE) is the
 * kick: it wakes a CPU idling in WFI (PSCI CPU_ON made one of its vCPUs
 * runnable) and, like the tick, ends the turn of the vCPU a CPU runs
 * (arch_cpu_kick(): a pause, a destroy, a yield).
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/gic.h"
#include "arch/arm64/sysreg.h"
#include "lib/print.h"

#define TIMER_INTID 26u      /* CNTHP: the EL2 physical timer's PPI */
#define TIMER_PRIO 0x80u
#define TIMER_HZ 100u        /* a 10 ms slice */
#define CNTHP_CTL_ENABLE 1ull

static uint64_t slice;
/* Per CPU: interrupts fief does not use, acknowledged and dropped. */
static uint64_t stray[A64_CPUS_MAX];

static void timer_arm(void)
{
	write_sysreg(cnthp_tval_el2, slice);
	write_sysreg(cnthp_ctl_el2, CNTHP_CTL_ENABLE);
	isb();
}

void a64_timer_cpu_init(void)
{
	slice = read_sysreg(cntfrq_el0) / TIMER_HZ;
	if (a64_cpu_index() == 0)
		gic_dist_init();
	if (!gic_cpu_init()) {
		console_printf("arm64: CPU %u: no GICv3 redistributor in the MADT, no preemption\n",
			       a64_cpu_index());
		return;
	}
	gic_ppi_enable(TIMER_INTID, TIMER_PRIO);
	gic_ppi_enable(A64_SGI_WAKE, TIMER_PRIO);
	timer_arm();
}

void a64_cpu_wake(uint32_t pcpu)
{
	uint64_t mpidr;

	if (pcpu != a64_core_cpu_index() && a64_cpu_mpidr(pcpu, &mpidr))
		gic_send_sgi(mpidr, A64_SGI_WAKE);
}

bool a64_handle_irq(void)
{
	uint32_t intid = gic_ack();

	if (intid >= GIC_INTID_SPURIOUS)
		return false;
	if (intid == TIMER_INTID)
		timer_arm(); /* the new deadline also drops the level */
	else if (intid != A64_SGI_WAKE)
		stray[a64_cpu_index() % A64_CPUS_MAX]++;
	gic_eoi(intid);
	/* The tick and a kick (arch_cpu_kick()) both end the vCPU's turn. */
	return intid == TIMER_INTID || intid == A64_SGI_WAKE;
}

void arch_cpu_kick(uint32_t pcpu)
{
	uint64_t mpidr;

	if (a64_cpu_mpidr(pcpu, &mpidr))
		gic_send_sgi(mpidr, A64_SGI_WAKE);
}

void arch_report(void)
{
	for (uint32_t cpu = 0; cpu < A64_CPUS_MAX; cpu++)
		if (stray[cpu])
			console_printf("fief: CPU %u: %llu interrupt(s) fief does not use, dropped\n",
				       cpu, (unsigned long long)stray[cpu]);
}
