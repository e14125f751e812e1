/* SPDX-License-Identifier: MIT */
/*
 * x86 events for unmodified guests (docs/events.md, x86): the vLAPIC
 * (arch/x86/vlapic.c) connected to vCPUs, IPIs between the vCPUs of a VM,
 * hardware injection before an entry, and fief's own timer, which fires at
 * the end of the slice or at the running vCPU's timer deadline, whichever
 * comes first. The hooks of core/arch.h for events live here.
 */
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/event.h"
#include "core/vm.h"
#include "lib/err.h"
#include "lib/print.h"


uint32_t arch_cpu_index(void)
{
	return x86_cpu_index();
}

uint64_t arch_counter(void)
{
	return rdtsc();
}

/* ---- fief's timer: one-shot, re-armed before each entry ---- */

/* Per CPU: the end of the running turn's slice (0: the next entry starts
 * one), the nearest deadline of the other vCPUs pinned there (0: none;
 * taken when the turn starts: only this CPU changes them, and not while
 * the turn lasts), and the TSC value the LAPIC timer was last armed for. */
static uint64_t slice_end[X86_CPUS_MAX];
static uint64_t others_at[X86_CPUS_MAX];
static uint64_t armed_at[X86_CPUS_MAX];

/* Arm this CPU's timer for TSC value @t (never further than a slice). */
static void timer_arm(uint32_t cpu, uint64_t now, uint64_t t)
{
	uint64_t delta = t > now ? t - now : 0;

	if (delta > lapic_slice.tsc)
		delta = lapic_slice.tsc;
	if (now + delta == armed_at[cpu])
		return;
	armed_at[cpu] = now + delta;
	lapic_timer_oneshot(delta * lapic_slice.ticks / lapic_slice.tsc);
}

/* @v's vLAPIC timer expired (its own CPU, @v not in guest mode). */
static void vcpu_timer_fire(struct vcpu *v, uint64_t now)
{
	vlapic_timer_fire(&v->arch.vlapic, now);
	vcpu_set_wake_at(v, v->arch.vlapic.timer_deadline);
}

static uint64_t next_deadline(struct vcpu *v)
{
	uint64_t t = slice_end[v->pcpu], w = vcpu_wake_at(v), o = others_at[v->pcpu];

	if (o && o < t)
		t = o;
	return w && w < t ? w : t;
}

void x86_timer_enter(struct vcpu *v)
{
	uint64_t now = rdtsc(), w = vcpu_wake_at(v);

	if (!slice_end[v->pcpu]) {
		slice_end[v->pcpu] = now + lapic_slice.tsc;
		others_at[v->pcpu] = event_others_next(v);
	}
	if (w && w <= now)
		vcpu_timer_fire(v, now);
	timer_arm(v->pcpu, now, next_deadline(v));
}

bool x86_timer_after_intr(struct vcpu *v)
{
	uint64_t now = rdtsc(), w = vcpu_wake_at(v);

	armed_at[v->pcpu] = 0; /* it may have fired: arm again next time */
	if (w && w <= now)
		vcpu_timer_fire(v, now);
	/* Another vCPU's deadline ends the turn too: the run loop fires it
	 * (event_run_timers()) and the vCPU it wakes gets its turn; so does a
	 * kick for a vCPU pinned here that woke up meanwhile. A kick that
	 * only asked this vCPU to look at its own interrupts does not. */
	if (now < slice_end[v->pcpu] && !(others_at[v->pcpu] && now >= others_at[v->pcpu]) &&
	    !event_resched_take(v->pcpu))
		return false;
	slice_end[v->pcpu] = 0;
	return true;
}

void x86_timer_turn_end(struct vcpu *v)
{
	slice_end[v->pcpu] = 0;
}

/* The deadline changed while @v runs (its MSR write): follow it. One
 * already passed expires at once, as the hardware's would. */
static void timer_changed(struct vcpu *v, uint64_t now)
{
	uint64_t t = v->arch.vlapic.timer_deadline;

	if (t && t <= now) {
		vcpu_timer_fire(v, now);
		return;
	}
	vcpu_set_wake_at(v, t);
	if (slice_end[v->pcpu])
		timer_arm(v->pcpu, now, next_deadline(v));
}

void arch_cpu_idle(uint64_t wake_at)
{
	uint32_t cpu = x86_cpu_index();
	uint64_t now = rdtsc(), t = now + lapic_slice.tsc;

	if (wake_at && wake_at <= now)
		return; /* due already: the run loop fires it */
	if (wake_at && wake_at < t)
		t = wake_at;
	timer_arm(cpu, now, t);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	armed_at[cpu] = 0;
	x86_irq_report();
}

/* ---- the vLAPIC's core hooks ---- */

/* ---- INIT and STARTUP (docs/events.md, "Application processors") ---- */

/* The state a STARTUP IPI with @vector starts a vCPU in: real mode at
 * CS:IP = vector << 8 : 0, the rest as after INIT (SDM 9.1.1, 10.4.4). */
static void sipi_state(struct fief_regs_x86 *r, uint8_t vector)
{
	static const struct fief_x86_segment data = { 0, 0xffff, 0, 0x93 };

	*r = (struct fief_regs_x86){ 0 };
	r->rip = 0;
	r->rflags = 2;
	r->cr0 = 0x60000010ull; /* CD, NW, ET */
	r->cs = (struct fief_x86_segment){ (uint64_t)vector << 12, 0xffff,
					   (uint16_t)((uint16_t)vector << 8), 0x9b };
	r->ds = r->es = r->fs = r->gs = r->ss = data;
	r->tr = (struct fief_x86_segment){ 0, 0xffff, 0, 0x8b };
	r->ldtr = (struct fief_x86_segment){ 0, 0xffff, 0, 0x82 };
	r->gdtr.limit = 0xffff;
	r->idtr.limit = 0xffff;
}

bool x86_init_sipi(struct vcpu *v, struct vcpu_exit *exit)
{
	struct vlapic *l = &v->arch.vlapic;
	struct fief_regs_x86 r;
	uint32_t sipi;
	int err;

	if (__atomic_exchange_n(&l->init, 0, __ATOMIC_SEQ_CST)) {
		/* INIT: the local APIC is reset (a STARTUP already sent after
		 * the INIT is kept) and the vCPU waits for a STARTUP. */
		__atomic_store_n(&v->arch.wait_sipi, 1, __ATOMIC_SEQ_CST);
		sipi = __atomic_load_n(&l->sipi, __ATOMIC_SEQ_CST);
		x86_vlapic_reset(v);
		if (sipi)
			vlapic_accept_sipi(l, (uint8_t)sipi);
	}
	if (!v->arch.wait_sipi)
		return false;
	sipi = __atomic_exchange_n(&l->sipi, 0, __ATOMIC_SEQ_CST);
	if (!sipi) {
		exit->reason = VCPU_EXIT_HALT; /* sleeps until the STARTUP */
		return true;
	}
	sipi_state(&r, (uint8_t)sipi);
	err = arch_vcpu_set_regs(v, &r, sizeof(r));
	if (err) {
		exit->reason = VCPU_EXIT_FAILED;
		fief_snprintf(exit->why, sizeof(exit->why),
			      "STARTUP to vector 0x%x: this backend cannot enter real mode (%s)",
			      sipi & 0xff, err_name(err));
		return true;
	}
	__atomic_store_n(&v->arch.wait_sipi, 0, __ATOMIC_SEQ_CST);
	return false;
}

bool arch_vcpu_wakeup_pending(struct vcpu *v)
{
	struct vlapic *l = &v->arch.vlapic;

	if (v->arch.wait_sipi || __atomic_load_n(&l->init, __ATOMIC_RELAXED))
		return __atomic_load_n(&l->sipi, __ATOMIC_SEQ_CST) != 0 ||
		       __atomic_load_n(&l->init, __ATOMIC_SEQ_CST) != 0;

	if (__atomic_load_n(&l->nmi, __ATOMIC_SEQ_CST))
		return true;
	return v->arch.halt_if && vlapic_deliverable(l) >= 0;
}

void arch_vcpu_timer(struct vcpu *v, uint64_t now)
{
	vcpu_timer_fire(v, now);
}

void x86_vlapic_reset(struct vcpu *v)
{
	vlapic_reset(&v->arch.vlapic, v->index, v->index == 0);
	v->arch.halt_if = 0;
	vcpu_set_wake_at(v, 0);
}

void x86_vlapic_set_cr8(struct vcpu *v, uint64_t val)
{
	struct vlapic_ipi unused;

	vlapic_write(&v->arch.vlapic, VLAPIC_TPR, false, (val & 0xf) << 4, 0, &unused);
}

/* ---- injection ---- */

void x86_event_entry(struct vcpu *v)
{
	struct vlapic *l = &v->arch.vlapic;
	struct x86_event_state s;
	int vec;

	/* Clear first, then look: a sender sets the word after its bit. */
	__atomic_store_n(&l->pending, 0, __ATOMIC_SEQ_CST);
	x86_virt->event_state(v, &s);
	if (__atomic_load_n(&l->nmi, __ATOMIC_SEQ_CST)) {
		if (!s.busy && !s.nmi_blocked) {
			__atomic_store_n(&l->nmi, 0, __ATOMIC_SEQ_CST);
			x86_virt->inject_irq(v, 2, true);
			s.busy = true;
		} else {
			x86_virt->irq_window(v);
			return;
		}
	}
	vec = vlapic_deliverable(l);
	if (vec < 0)
		return;
	if (s.busy || s.blocked) {
		x86_virt->irq_window(v);
		return;
	}
	vlapic_ack(l, vec);
	x86_virt->inject_irq(v, (uint8_t)vec, false);
}

/* ---- IPIs ---- */

/* @src: the sending vCPU, NULL for the I/O APIC; @level: the trigger mode
 * (only I/O APIC pins send level-triggered interrupts). */
static void deliver(struct vcpu *src, struct vcpu *t, const struct vlapic_ipi *ipi, bool level)
{
	struct vlapic *l = &t->arch.vlapic;

	switch (ipi->delivery) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		if (!vlapic_accept_trig(l, ipi->vector, level) || t == src)
			return; /* dropped, or the sender itself: it is not asleep */
		break;
	case VLAPIC_DM_NMI:
		vlapic_accept_nmi(l);
		break;
	case VLAPIC_DM_INIT:
		if (t == src)
			return; /* an INIT to itself: a reset fief does not model */
		vlapic_accept_init(l); /* taken by its CPU: x86_init_sipi() */
		break;
	case VLAPIC_DM_STARTUP:
		/* Only a vCPU that waits for it (or whose INIT is on its way)
		 * takes a STARTUP; any other ignores it. */
		if (t == src || !(__atomic_load_n(&t->arch.wait_sipi, __ATOMIC_SEQ_CST) ||
				  __atomic_load_n(&l->init, __ATOMIC_SEQ_CST)))
			return;
		vlapic_accept_sipi(l, ipi->vector);
		break;
	default:
		return; /* SMI, ExtINT, reserved: nothing */
	}
	vcpu_wake(t);
}

static bool ipi_targets(const struct vcpu *src, struct vcpu *t, const struct vlapic_ipi *ipi)
{
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF: return t == src;
	case VLAPIC_SH_ALL: return true;
	case VLAPIC_SH_OTHERS: return t != src;
	}
	return vlapic_match(&t->arch.vlapic, ipi->dest, ipi->logical);
}

/* An interrupt message for vCPUs of @vm only: an IPI from @src (its own
 * VM's) or, with @src NULL, one of the VM's I/O APIC. */
static void route(struct vm *vm, struct vcpu *src, const struct vlapic_ipi *ipi, bool level)
{
	struct vcpu *lowest = NULL;

	if (ipi->level_deassert)
		return;
	if (ipi->shorthand == VLAPIC_SH_SELF) {
		if (src)
			deliver(src, src, ipi, level);
		return;
	}
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++) {
		struct vcpu *t = &vm->vcpu[i];

		if (vcpu_vm(t) != vm || !ipi_targets(src, t, ipi))
			continue;
		if (ipi->delivery != VLAPIC_DM_LOWEST) {
			deliver(src, t, ipi, level);
		} else if (!lowest || __atomic_load_n(&t->arch.vlapic.tpr, __ATOMIC_RELAXED) <
					      __atomic_load_n(&lowest->arch.vlapic.tpr,
							      __ATOMIC_RELAXED)) {
			lowest = t;
		}
	}
	if (lowest)
		deliver(src, lowest, ipi, level);
}

static void ipi_send(struct vcpu *src, const struct vlapic_ipi *ipi)
{
	route(src->vm, src, ipi, false);
}

/* The EOI of a level-triggered @vector reaches the VM's I/O APIC, which
 * sends again the pins still asserted. */
static __attribute__((noinline, cold)) void eoi_broadcast(struct vm *vm, uint8_t vector)
{
	struct vioapic_msg m[VIOAPIC_MSGS_MAX];

	x86_ioapic_send(vm, m, vioapic_eoi(&vm->arch.ioapic, vector, m));
}

void x86_vlapic_eoi(struct vcpu *v)
{
	bool level;
	int vec = vlapic_eoi(&v->arch.vlapic, &level);

	if (level)
		eoi_broadcast(v->vm, (uint8_t)vec);
}

/* ---- MSRs ---- */

static uint64_t phys_mask(void)
{
	uint32_t bits = cpuid(0x80000008u, 0).eax & 0xff;

	return bits >= 32 && bits < 64 ? (1ull << bits) - 1 : 0xfffffffffull;
}

static enum vlapic_result msr_write(struct vcpu *v, uint32_t msr, uint64_t val, uint64_t now,
				    struct vlapic_ipi *ipi)
{
	struct vlapic *l = &v->arch.vlapic;

	if (msr == VLAPIC_MSR_APIC_BASE)
		return vlapic_set_base(l, val, phys_mask());
	if (msr == VLAPIC_MSR_TSC_DEADLINE)
		return l->mode == VLAPIC_MODE_DISABLED ? VLAPIC_OK :
							 vlapic_tsc_deadline_write(l, val, now);
	if (l->mode != VLAPIC_MODE_X2APIC)
		return VLAPIC_GP;
	return vlapic_write(l, (msr - VLAPIC_MSR_BASE) << 4, true, val, now, ipi);
}

static int msr_read(struct vcpu *v, uint32_t msr, uint64_t now, uint64_t *val)
{
	struct vlapic *l = &v->arch.vlapic;

	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = l->base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		*val = vlapic_tsc_deadline_read(l);
		return 0;
	}
	if (l->mode != VLAPIC_MODE_X2APIC)
		return -1;
	return vlapic_read(l, (msr - VLAPIC_MSR_BASE) << 4, true, now, val) == VLAPIC_OK ? 0 : -1;
}

/* What a register write by @v asked for, done (MSR or xAPIC page).
 * Return: 0, or -1 for #GP. */
static int written(struct vcpu *v, enum vlapic_result r, const struct vlapic_ipi *ipi, uint64_t now)
{
	switch (r) {
	case VLAPIC_GP:
		return -1;
	case VLAPIC_IPI:
		ipi_send(v, ipi);
		break;
	case VLAPIC_TIMER:
		timer_changed(v, now);
		break;
	case VLAPIC_EOI_LEVEL:
		eoi_broadcast(v->vm, ipi->vector);
		break;
	case VLAPIC_OK:
		break;
	}
	return 0;
}

int x86_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	uint64_t now = rdtsc();
	struct vlapic_ipi ipi;

	if (!x86_vlapic_msr_is(msr))
		return 1;
	if (!write)
		return msr_read(v, msr, now, val);
	return written(v, msr_write(v, msr, *val, now, &ipi), &ipi, now);
}

/* ---- the xAPIC page (arch/x86/mmio.c) ---- */

bool x86_vlapic_xapic_at(struct vcpu *v, uint64_t gpa)
{
	const struct vlapic *l = &v->arch.vlapic;

	return l->mode == VLAPIC_MODE_XAPIC && (gpa & ~0xfffull) == (l->base & ~0xfffull);
}

uint32_t x86_vlapic_mmio(struct vcpu *v, uint32_t off, bool write, uint32_t val)
{
	struct vlapic *l = &v->arch.vlapic;
	uint64_t now = rdtsc(), r = 0;
	struct vlapic_ipi ipi;

	/* The registers are 32 bits wide, 16 bytes apart: an access elsewhere
	 * reads 0 and is ignored, as on the hardware. */
	if (off & 0xf)
		return 0;
	if (!write) {
		vlapic_read(l, off, false, now, &r);
		return (uint32_t)r;
	}
	written(v, vlapic_write(l, off, false, val, now, &ipi), &ipi, now); /* no #GP in xAPIC */
	return 0;
}

/* ---- the exit paths' short cut for EOI and SELF_IPI ---- */

bool x86_vlapic_wrmsr_fast(struct vcpu *v)
{
	struct vlapic *l = &v->arch.vlapic;
	uint32_t msr = (uint32_t)v->arch.gpr.rcx, lo = (uint32_t)v->arch.gpr.rax;

	/* Outside x2APIC mode, a reserved bit (EDX, or EAX beyond what the
	 * register holds): #GP, which the full policy raises. */
	if (l->mode != VLAPIC_MODE_X2APIC || (uint32_t)v->arch.gpr.rdx != 0)
		return false;
	if (msr == X2APIC_MSR_EOI) {
		if (lo != 0)
			return false;
		x86_vlapic_eoi(v);
		return true;
	}
	/* SELF_IPI: an edge-triggered fixed interrupt to this vCPU, which is
	 * awake (ipi_send() does not wake the sender either). A vector below
	 * 16 sets ESR in the full policy. */
	if (msr != X2APIC_MSR_SELF_IPI || lo > 0xff || lo < 16)
		return false;
	vlapic_accept(l, (uint8_t)lo);
	return true;
}

/* ---- interrupt lines: the VM's I/O APIC (arch/x86/vioapic.c) ---- */

uint32_t arch_irq_lines(void)
{
	return VIOAPIC_PINS;
}

void x86_ioapic_send(struct vm *vm, const struct vioapic_msg *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		/* An 8-bit destination; 0xff in physical mode is everyone,
		 * also for x2APIC-mode vLAPICs (no interrupt remapping). */
		struct vlapic_ipi ipi = {
			.dest = !m[i].logical && m[i].dest == 0xff ? 0xffffffffu : m[i].dest,
			.vector = m[i].vector,
			.delivery = m[i].delivery,
			.shorthand = VLAPIC_SH_NONE,
			.logical = m[i].logical,
		};

		if (!m[i].logical && m[i].dest == 0xff)
			ipi.shorthand = VLAPIC_SH_ALL;
		route(vm, NULL, &ipi, m[i].level);
	}
	__atomic_add_fetch(&vm->arch.ioapic_msgs, n, __ATOMIC_RELAXED);
}

void arch_irq_line(struct vm *vm, uint32_t line, bool level)
{
	struct vioapic_msg m[VIOAPIC_MSGS_MAX];

	x86_ioapic_send(vm, m, vioapic_set_pin(&vm->arch.ioapic, line, level, m));
}

void arch_vm_irq_reset(struct vm *vm)
{
	vioapic_reset(&vm->arch.ioapic);
	__atomic_store_n(&vm->arch.ioapic_msgs, 0, __ATOMIC_RELAXED);
}
