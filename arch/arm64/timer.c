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
#include "core/event.h"
#include "core/vm.h"
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
	a64_vgic_cpu_init();
	timer_arm();
}

static void timer_at(uint64_t cval)
{
	write_sysreg(cnthp_cval_el2, cval);
	write_sysreg(cnthp_ctl_el2, CNTHP_CTL_ENABLE);
	isb();
}

void a64_timer_until(uint64_t deadline)
{
	uint64_t now, cval;

	if (!deadline || !slice)
		return;
	now = read_sysreg(cntpct_el0);
	cval = read_sysreg(cnthp_cval_el2);
	/* Only ever earlier: the tick re-arms a whole slice when it comes. */
	if (deadline < cval) {
		write_sysreg(cnthp_cval_el2, deadline > now ? deadline : now);
		write_sysreg(cnthp_ctl_el2, CNTHP_CTL_ENABLE);
		isb();
	}
}

/* ---- The guests' EL1 timers ----
 *
 * The virtual timer (CNTV_*) is the guest's own hardware, switched with
 * its EL1 state (vcpu_ctx.c); its output reaches the guest as PPI 27
 * (vgic.c). The EL1 physical timer (CNTP_*) traps (CNTHCTL_EL2.EL1PCEN
 * clear) and is emulated here: its control and compare value live in
 * struct arch_vcpu, its output is PPI 30, level-sensitive. While the vCPU
 * runs, the tick is brought forward to its deadline (arch_vcpu_run());
 * while it does not, vcpu->wake_at (a64_timer_deadline()) lets the run
 * loop fire it (arch_vcpu_timer()).
 */
#define CNT_CTL_ENABLE 1ull
#define CNT_CTL_IMASK 2ull
#define CNT_CTL_ISTATUS 4ull
#define SYSREG_ISS_MASK 0x3ffc1eu
#define SYSREG_ISS(op0, op1, crn, crm, op2) \
	((uint32_t)((op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | (crm) << 1))
#define ISS_CNTP_TVAL SYSREG_ISS(3, 3, 14, 2, 0)
#define ISS_CNTP_CTL SYSREG_ISS(3, 3, 14, 2, 1)
#define ISS_CNTP_CVAL SYSREG_ISS(3, 3, 14, 2, 2)

static bool ptimer_asserted(const struct vcpu *v, uint64_t now)
{
	return (v->arch.cntp_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	       v->arch.cntp_cval <= now;
}

void a64_ptimer_check(struct vcpu *v)
{
	const struct vgic_bank *b = &v->vm->arch.vgic.cpu[v->index % VGIC_VCPUS_MAX].priv;
	bool up = ptimer_asserted(v, read_sysreg(cntpct_el0));

	/* Only the vCPU's own CPU changes a PPI's level: a plain look is enough. */
	if (up != ((b->level >> VGIC_PPI_PTIMER) & 1))
		a64_vgic_ppi(v, VGIC_PPI_PTIMER, up);
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

uint64_t a64_timer_deadline(struct vcpu *v, bool live)
{
	uint32_t level = v->vm->arch.vgic.cpu[v->index % VGIC_VCPUS_MAX].priv.level;
	uint64_t ctl = live ? read_sysreg(cntv_ctl_el0) : v->arch.el1.cntv_ctl;
	uint64_t t = 0;

	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	    !(level & (1u << VGIC_PPI_VTIMER))) {
		t = live ? read_sysreg(cntv_cval_el0) : v->arch.el1.cntv_cval;
		t = t ? t : 1; /* 0 would mean "none" */
	}
	if ((v->arch.cntp_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	    !(level & (1u << VGIC_PPI_PTIMER)))
		t = earlier(t, v->arch.cntp_cval ? v->arch.cntp_cval : 1);
	return t;
}

/* ---- A vCPU's turn ----
 *
 * While a vCPU runs, fief's timer is armed for the earliest of: the end of
 * the turn's slice, the nearest deadline of the other vCPUs pinned to the
 * CPU (taken when the turn starts: they do not run meanwhile, so their
 * deadlines do not move), and the running vCPU's emulated CNTP deadline
 * (unless its interrupt is already raised). When it fires, a due CNTP
 * is raised and the guest goes on unless the slice is over or another
 * vCPU's deadline passed: then the turn ends and the run loop fires that
 * timer (event_run_timers()), so a sleeping vCPU is woken at its deadline
 * even while another vCPU busy-loops on its CPU.
 */

/* The running vCPU's CNTP deadline still to come (0: none). */
static uint64_t ptimer_next(const struct vcpu *v)
{
	const struct vgic_bank *b = &v->vm->arch.vgic.cpu[v->index % VGIC_VCPUS_MAX].priv;

	if ((v->arch.cntp_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE ||
	    b->level & (1u << VGIC_PPI_PTIMER))
		return 0;
	return v->arch.cntp_cval ? v->arch.cntp_cval : 1;
}

static void turn_arm(const struct vcpu *v)
{
	timer_at(earlier(earlier(v->arch.turn_end, v->arch.others_at), ptimer_next(v)));
}

void a64_turn_begin(struct vcpu *v)
{
	if (!slice)
		return;
	v->arch.turn_end = read_sysreg(cntpct_el0) + slice;
	v->arch.others_at = event_others_next(v);
	turn_arm(v);
}

bool a64_turn_tick(struct vcpu *v)
{
	uint64_t now = read_sysreg(cntpct_el0);

	a64_ptimer_check(v);
	if (!v->arch.turn_end || now >= v->arch.turn_end ||
	    (v->arch.others_at && now >= v->arch.others_at)) {
		timer_arm(); /* a whole slice: the level drops until the next turn arms it */
		return true;
	}
	turn_arm(v);
	return false;
}

void a64_turn_end(struct vcpu *v)
{
	v->arch.turn_end = 0;
	v->arch.others_at = 0;
}

bool a64_ptimer_access(struct vcpu *v, uint32_t iss)
{
	unsigned rt = (iss >> 5) & 0x1f;
	bool read = iss & 1;
	uint64_t now = read_sysreg(cntpct_el0);
	uint64_t val = read || rt == 31 ? 0 : v->arch.x[rt];

	switch (iss & SYSREG_ISS_MASK) {
	case ISS_CNTP_CTL:
		if (read)
			val = v->arch.cntp_ctl | (ptimer_asserted(v, now) ? CNT_CTL_ISTATUS : 0);
		else
			v->arch.cntp_ctl = val & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
		break;
	case ISS_CNTP_CVAL:
		if (read)
			val = v->arch.cntp_cval;
		else
			v->arch.cntp_cval = val;
		break;
	case ISS_CNTP_TVAL:
		/* TVAL: the signed 32-bit distance from now to the compare value. */
		if (read)
			val = (uint32_t)(v->arch.cntp_cval - now);
		else
			v->arch.cntp_cval = now + (uint64_t)(int64_t)(int32_t)val;
		break;
	default:
		return false;
	}
	if (read && rt != 31)
		v->arch.x[rt] = val;
	a64_ptimer_check(v);
	if (!read && v->arch.turn_end)
		turn_arm(v); /* its deadline moved */
	return true;
}

void a64_cpu_wake(uint32_t pcpu)
{
	uint64_t mpidr;

	if (pcpu != a64_core_cpu_index() && a64_cpu_mpidr(pcpu, &mpidr))
		gic_send_sgi(mpidr, A64_SGI_WAKE);
}

/* Acknowledge one interrupt and do what fief does for it whoever runs.
 * Return: its INTID, GIC_INTID_SPURIOUS if there was none. The caller
 * ends it (gic_eoi()). */
static uint32_t irq_take(void)
{
	uint32_t intid = gic_ack();

	if (intid == VGIC_PPI_MAINT)
		a64_vgic_maint_irq();
	else if (intid == VGIC_PPI_VTIMER)
		a64_vgic_vtimer_irq();
	else if (intid < GIC_INTID_SPURIOUS && intid != TIMER_INTID && intid != A64_SGI_WAKE)
		stray[a64_cpu_index() % A64_CPUS_MAX]++;
	return intid;
}

void a64_handle_irq(void)
{
	uint32_t intid = irq_take();

	if (intid >= GIC_INTID_SPURIOUS)
		return;
	if (intid == TIMER_INTID)
		timer_arm(); /* the new deadline also drops the level */
	gic_eoi(intid);
}

bool a64_turn_irq(struct vcpu *v)
{
	uint32_t intid = irq_take();
	bool end = false;

	if (intid >= GIC_INTID_SPURIOUS)
		return false;
	if (intid == TIMER_INTID)
		end = a64_turn_tick(v);
	else if (intid == A64_SGI_WAKE)
		/* A kick: the turn ends only if a vCPU pinned here woke up
		 * (vcpu_wake()); one that only told the running vCPU about a
		 * new pending interrupt is done by the exit itself, and pause,
		 * stop and destroy end the turn through the run loop's test. */
		end = event_resched_take(v->pcpu);
	gic_eoi(intid);
	return end;
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
