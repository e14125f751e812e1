/* SPDX-License-Identifier: MIT */
/*
 * The vGICv3 on the CPU: list registers, the virtual CPU interface, the
 * maintenance interrupt, the virtual timer's interrupt, SGIs by
 * ICC_SGI1R_EL1, SPIs from irqchip lines, and the GICD/GICR frames guests
 * reach by stage-2 data aborts (docs/events.md, "arm64"). The state and
 * its rules are vgic_state.c's; this file moves registers and locks.
 *
 * Locking: each VM has one vGIC lock (struct arch_vm.vgic_lock), a leaf:
 * any CPU takes it for a moment to make an interrupt pending, then marks
 * the target vCPU (arch.vgic_dirty) and calls vcpu_wake(). A vCPU's list
 * registers are touched only by the CPU it is pinned to, under the lock,
 * while it does not run: before each entry if it is marked
 * (a64_vgic_sync()), on the maintenance interrupt, and when another vCPU
 * takes the CPU (a64_vgic_save()/a64_vgic_restore(), vcpu_ctx.c). While
 * the vCPU is loaded its list registers are live in the CPU and the
 * mirror in struct vgic_state is refreshed from them first.
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/gic.h"
#include "arch/arm64/sysreg.h"
#include "core/devices.h"
#include "core/event.h"
#include "guest-abi/fief_abi_arm64.h"
#include "lib/print.h"

#define ICH_HCR_EN 1ull
#define ICH_HCR_UIE 2ull
#define CNTV_CTL_ENABLE 1ull
#define CNTV_CTL_IMASK 2ull
#define CNTV_CTL_ISTATUS 4ull

static uint32_t lr_count;  /* ICH_VTR_EL2.ListRegs + 1, the same on every CPU */
static uint32_t apr_count; /* ICH_AP0R/AP1R registers: 1, 2 or 4 (PREbits) */

#define LR_CASE(n, crm, op2)                                                   \
	case n:                                                                \
		if (w)                                                         \
			write_sysreg(S3_4_C12_##crm##_##op2, *v);              \
		else                                                           \
			*v = read_sysreg(S3_4_C12_##crm##_##op2);              \
		break;
#define LR_WRITE(n, crm, op2)                                                  \
	case n:                                                                \
		write_sysreg(S3_4_C12_##crm##_##op2, v);                       \
		break;

/* ICH_LR<n>_EL2: the register number is part of the instruction. */
static void lr_access(unsigned n, bool w, uint64_t *v)
{
	switch (n) {
	LR_CASE(0, C12, 0) LR_CASE(1, C12, 1) LR_CASE(2, C12, 2) LR_CASE(3, C12, 3)
	LR_CASE(4, C12, 4) LR_CASE(5, C12, 5) LR_CASE(6, C12, 6) LR_CASE(7, C12, 7)
	LR_CASE(8, C13, 0) LR_CASE(9, C13, 1) LR_CASE(10, C13, 2) LR_CASE(11, C13, 3)
	LR_CASE(12, C13, 4) LR_CASE(13, C13, 5) LR_CASE(14, C13, 6) LR_CASE(15, C13, 7)
	default:
		break;
	}
}

/* The write alone: every SGI's path writes one list register. */
static void lr_write(unsigned n, uint64_t v)
{
	switch (n) {
	LR_WRITE(0, C12, 0) LR_WRITE(1, C12, 1) LR_WRITE(2, C12, 2) LR_WRITE(3, C12, 3)
	LR_WRITE(4, C12, 4) LR_WRITE(5, C12, 5) LR_WRITE(6, C12, 6) LR_WRITE(7, C12, 7)
	LR_WRITE(8, C13, 0) LR_WRITE(9, C13, 1) LR_WRITE(10, C13, 2) LR_WRITE(11, C13, 3)
	LR_WRITE(12, C13, 4) LR_WRITE(13, C13, 5) LR_WRITE(14, C13, 6) LR_WRITE(15, C13, 7)
	default:
		break;
	}
}

/* ICH_AP0R<n>_EL2 (i < 4) and ICH_AP1R<n>_EL2 (i >= 4). */
static void apr_access(unsigned i, bool w, uint64_t *v)
{
	switch (i) {
	LR_CASE(0, C8, 0) LR_CASE(1, C8, 1) LR_CASE(2, C8, 2) LR_CASE(3, C8, 3)
	LR_CASE(4, C9, 0) LR_CASE(5, C9, 1) LR_CASE(6, C9, 2) LR_CASE(7, C9, 3)
	default:
		break;
	}
}

#define ICH_HCR_EL2 S3_4_C12_C11_0
#define ICH_VTR_EL2 S3_4_C12_C11_1
#define ICH_EISR_EL2 S3_4_C12_C11_3
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2 S3_4_C12_C11_7

void a64_vgic_cpu_init(void)
{
	uint64_t vtr = read_sysreg(ICH_VTR_EL2);
	unsigned pre = sysreg_field(vtr, 26, 3) + 1;

	lr_count = sysreg_field(vtr, 0, 5) + 1;
	if (lr_count > VGIC_LR_MAX)
		lr_count = VGIC_LR_MAX;
	apr_count = pre >= 7 ? 4 : pre == 6 ? 2 : 1;
	for (unsigned n = 0; n < lr_count; n++)
		lr_access(n, true, &(uint64_t){ 0 });
	write_sysreg(ICH_VMCR_EL2, 0);
	write_sysreg(ICH_HCR_EL2, 0);
	isb();
	gic_ppi_enable(VGIC_PPI_MAINT, 0x80);
	gic_ppi_enable(VGIC_PPI_VTIMER, 0x80);
}

static struct vgic_state *vgic_of(struct vcpu *v)
{
	return &v->vm->arch.vgic;
}

/* Whether the virtual timer of @v asserts its interrupt: from the CPU if
 * @v is loaded here, else from what was saved. */
static bool vtimer_asserted(struct vcpu *v, bool live)
{
	uint64_t ctl = live ? read_sysreg(cntv_ctl_el0) : v->arch.el1.cntv_ctl;
	uint64_t cval = live ? read_sysreg(cntv_cval_el0) : v->arch.el1.cntv_cval;

	if ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
		return false;
	return live ? (ctl & CNTV_CTL_ISTATUS) != 0 : cval <= arch_counter();
}

/* @v's list registers that the CPU holds and does not report empty:
 * mirror <- CPU. Return: ICH_ELRSR_EL2 (0 if not @live). */
static uint32_t lrs_read(struct vcpu *v, bool live)
{
	struct vgic_lrs *l = &vgic_of(v)->cpu[v->index].lrs;
	uint32_t empty = 0;

	if (live && l->used) {
		empty = (uint32_t)read_sysreg(ICH_ELRSR_EL2);
		for (uint32_t m = l->used & ~empty; m; m &= m - 1)
			lr_access((unsigned)__builtin_ctz(m), false, &l->lr[__builtin_ctz(m)]);
	}
	return empty;
}

/* Mirror -> CPU for what changed, and the underflow request. */
static void flush_live(struct vcpu *v)
{
	struct vgic_lrs *l = &vgic_of(v)->cpu[v->index].lrs;

	for (uint32_t m = l->dirty; m; m &= m - 1)
		lr_write((unsigned)__builtin_ctz(m), l->lr[__builtin_ctz(m)]);
	l->dirty = 0;
	if (l->uie != l->uie_hw) {
		write_sysreg(ICH_HCR_EL2, ICH_HCR_EN | (l->uie ? ICH_HCR_UIE : 0));
		l->uie_hw = l->uie;
	}
}

/*
 * Fold, resample, fill for @v on its own CPU, the vGIC lock held; @live:
 * its registers are in this CPU. The virtual timer is the one level source
 * fief resamples: once the guest deactivated PPI 27, the physical PPI is
 * let through again if the timer no longer asserts it, else it stays
 * pending (level). Return: whether the physical PPI 27 may be unmasked
 * (after the lock is dropped).
 */
static bool refill_locked(struct vcpu *v, bool live)
{
	struct vgic_state *s = vgic_of(v);
	bool unmask = false;

	if (vgic_fold(s, v->index, lrs_read(v, live)) & (1ull << VGIC_PPI_VTIMER) &&
	    !vtimer_asserted(v, live)) {
		vgic_set_level(s, v->index, VGIC_PPI_VTIMER, false);
		unmask = live;
	}
	vgic_fill(s, v->index);
	if (live)
		flush_live(v);
	return unmask;
}

/* refill_locked() under the lock. Return: whether something is pending
 * for the guest. */
static bool sync(struct vcpu *v, bool live)
{
	bool pending, unmask;

	spin_lock(&v->vm->arch.vgic_lock);
	unmask = refill_locked(v, live);
	pending = vgic_pending(vgic_of(v), v->index);
	spin_unlock(&v->vm->arch.vgic_lock);
	if (unmask)
		gic_ppi_set(VGIC_PPI_VTIMER, true);
	return pending;
}

void a64_vgic_sync(struct vcpu *v)
{
	__atomic_store_n(&v->arch.vgic_dirty, 0, __ATOMIC_RELAXED);
	sync(v, true);
}

void a64_vgic_save(struct vcpu *v)
{
	struct vgic_lrs *l = &vgic_of(v)->cpu[v->index].lrs;
	uint32_t empty = (uint32_t)read_sysreg(ICH_ELRSR_EL2);

	for (uint32_t m = l->used; m; m &= m - 1) {
		unsigned n = (unsigned)__builtin_ctz(m);

		if (empty & (1u << n))
			l->lr[n] &= ~(VGIC_LR_PENDING | VGIC_LR_ACTIVE);
		else
			lr_access(n, false, &l->lr[n]);
		lr_access(n, true, &(uint64_t){ 0 });
	}
	v->arch.ich_vmcr = read_sysreg(ICH_VMCR_EL2);
	for (unsigned i = 0; i < apr_count; i++) {
		apr_access(i, false, &v->arch.ich_apr[i]);
		apr_access(4 + i, false, &v->arch.ich_apr[4 + i]);
	}
	write_sysreg(ICH_HCR_EL2, 0);
}

void a64_vgic_restore(struct vcpu *v)
{
	struct vgic_lrs *l = &vgic_of(v)->cpu[v->index].lrs;

	/* Every register: one a destroyed vCPU left here must not stay live. */
	for (unsigned n = 0; n < lr_count; n++)
		lr_access(n, true, (l->used & (1u << n)) ? &l->lr[n] : &(uint64_t){ 0 });
	l->dirty = 0;
	write_sysreg(ICH_VMCR_EL2, v->arch.ich_vmcr);
	for (unsigned i = 0; i < apr_count; i++) {
		apr_access(i, true, &v->arch.ich_apr[i]);
		apr_access(4 + i, true, &v->arch.ich_apr[4 + i]);
	}
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN | (l->uie ? ICH_HCR_UIE : 0));
	l->uie_hw = l->uie;
	/* The physical PPI 27 stays masked while this vCPU's virtual one is
	 * in flight (raised, not yet deactivated by the guest). */
	gic_ppi_set(VGIC_PPI_VTIMER,
		    !(vgic_of(v)->cpu[v->index].priv.level & (1u << VGIC_PPI_VTIMER)));
	/* Sync at entry: what was pended while it was away. */
	__atomic_store_n(&v->arch.vgic_dirty, 1, __ATOMIC_RELAXED);
}

void a64_vgic_vcpu_reset(struct vcpu *v)
{
	v->arch.ich_vmcr = 0;
	for (unsigned i = 0; i < 8; i++)
		v->arch.ich_apr[i] = 0;
	v->arch.cntp_ctl = 0;
	v->arch.cntp_cval = 0;
	v->arch.vgic_dirty = 1;
}

/* @t's pending set changed (the lock released): mark it, wake it. */
static void poke(struct vcpu *self, struct vcpu *t)
{
	if (!vcpu_vm(t))
		return;
	__atomic_store_n(&t->arch.vgic_dirty, 1, __ATOMIC_RELEASE);
	if (t != self)
		vcpu_wake(t);
}

static void poke_mask(struct vcpu *self, struct vm *vm, uint32_t mask)
{
	for (; mask; mask &= mask - 1)
		poke(self, &vm->vcpu[__builtin_ctz(mask)]);
}

/*
 * ICC_SGI1R_EL1 (or ICC_ASGI1R_EL1) written by @v, which runs: the SGI is
 * latched for each target of its own VM; if @v is one of them its list
 * registers are refilled at once (it is loaded here), so the guest takes
 * it right after the write.
 */
void a64_vgic_sgi(struct vcpu *v, uint64_t val)
{
	struct vm *vm = v->vm;
	uint32_t targets, self = 1u << v->index;
	bool unmask = false;

	spin_lock(&vm->arch.vgic_lock);
	targets = vgic_sgi(&vm->arch.vgic, v->index, val);
	if (targets & self)
		unmask = refill_locked(v, true);
	spin_unlock(&vm->arch.vgic_lock);
	if (unmask)
		gic_ppi_set(VGIC_PPI_VTIMER, true);
	poke_mask(v, vm, targets & ~self);
}

void a64_vgic_ppi(struct vcpu *v, uint32_t intid, bool level)
{
	spin_lock(&v->vm->arch.vgic_lock);
	vgic_set_level(vgic_of(v), v->index, intid, level);
	spin_unlock(&v->vm->arch.vgic_lock);
	__atomic_store_n(&v->arch.vgic_dirty, 1, __ATOMIC_RELEASE);
}

/*
 * The physical PPI 27 on this CPU: the virtual timer of the vCPU loaded
 * here fired. Its virtual PPI 27 goes high; the physical one is masked
 * until the guest deactivated the virtual one (sync()'s resample), as the
 * timer's output is a level that stays up until the guest re-arms it.
 */
void a64_vgic_vtimer_irq(void)
{
	struct vcpu *v = a64_loaded_get();

	gic_ppi_set(VGIC_PPI_VTIMER, false);
	if (v) {
		a64_vgic_ppi(v, VGIC_PPI_VTIMER, true);
		if (vcpu_state(v) == VCPU_STATE_HALTED)
			vcpu_wake(v);
	}
	a64_loaded_put();
}

/* The maintenance interrupt: the loaded vCPU's list registers underflowed
 * or the guest ended a level-sensitive interrupt. Refill them. */
void a64_vgic_maint_irq(void)
{
	struct vcpu *v = a64_loaded_get();
	uint32_t stale;

	if (!v) {
		write_sysreg(ICH_HCR_EL2, 0);
		a64_loaded_put();
		return;
	}
	a64_vgic_sync(v);
	/* Ended list registers the mirror does not know (its VM's vGIC was
	 * reset by a destroy): cleared, or their EOI would fire forever. */
	stale = (uint32_t)read_sysreg(ICH_EISR_EL2) & ~(uint32_t)vgic_of(v)->cpu[v->index].lrs.used;
	for (; stale; stale &= stale - 1)
		lr_access((unsigned)__builtin_ctz(stale), true, &(uint64_t){ 0 });
	a64_loaded_put();
}

bool arch_vcpu_wakeup_pending(struct vcpu *v)
{
	bool live = a64_vcpu_live(v);

	if (live)
		__atomic_store_n(&v->arch.vgic_dirty, 0, __ATOMIC_RELAXED);
	return sync(v, live);
}

void arch_vcpu_timer(struct vcpu *v, uint64_t now)
{
	bool live = a64_vcpu_live(v);

	(void)now;
	if (vtimer_asserted(v, live))
		a64_vgic_ppi(v, VGIC_PPI_VTIMER, true);
	a64_ptimer_check(v);
	vcpu_set_wake_at(v, a64_timer_deadline(v, live));
}

uint32_t arch_irq_lines(void)
{
	return VGIC_SPIS;
}

void arch_irq_line(struct vm *vm, uint32_t line, bool level)
{
	int t;

	if (line >= VGIC_SPIS)
		return;
	spin_lock(&vm->arch.vgic_lock);
	t = vgic_set_level(&vm->arch.vgic, 0, VGIC_SPI_BASE + line, level);
	spin_unlock(&vm->arch.vgic_lock);
	if (t >= 0 && level)
		poke(NULL, &vm->vcpu[t]);
	else if (t >= 0)
		__atomic_store_n(&vm->vcpu[t].arch.vgic_dirty, 1, __ATOMIC_RELEASE);
}

void arch_vm_irq_reset(struct vm *vm)
{
	/* At creation, or when destroy closes the irqchip: a vCPU of the VM
	 * may still be in its last exit then, so under the lock (a zeroed
	 * lock is an unlocked one). */
	spin_lock(&vm->arch.vgic_lock);
	vgic_reset(&vm->arch.vgic, vm->vcpu_max, lr_count);
	spin_unlock(&vm->arch.vgic_lock);
}

/* ---- GICD / GICR frames: stage-2 data aborts ---- */

/* The physical GIC's distributor and (first) redistributor range, where
 * the host finds its virtual ones: from fief's device list, which is
 * fixed once VMs run; looked up once (every CPU finds the same). */
static struct device_range host_gic[2];
static uint32_t host_gic_known;

static void host_gic_find(void)
{
	const struct device_list *l = devices_fief();
	struct device_range found[2] = { { 0, 0, DEVICE_GICD }, { 0, 0, DEVICE_GICR } };

	for (uint32_t i = 0; i < l->count && i < DEVICES_MAX; i++)
		for (unsigned k = 0; k < 2; k++)
			if (l->dev[i].kind == found[k].kind && !found[k].size)
				found[k] = l->dev[i];
	host_gic[0] = found[0];
	host_gic[1] = found[1];
	__atomic_store_n(&host_gic_known, 1, __ATOMIC_RELEASE);
}

/* Where @ipa falls for @v's VM: 1 distributor, 2 redistributors (frame
 * base in *@base), 0 neither. The host finds them at the physical GIC's
 * addresses (identity map); guests at FIEF_ARM64_GICD_GPA/GICR_GPA. */
static int vgic_region(struct vcpu *v, uint64_t ipa, uint64_t *base)
{
	if (v->vm->host) {
		if (!__atomic_load_n(&host_gic_known, __ATOMIC_ACQUIRE))
			host_gic_find();
		for (unsigned k = 0; k < 2; k++)
			if (host_gic[k].size && ipa - host_gic[k].base < host_gic[k].size) {
				*base = host_gic[k].base;
				return (int)k + 1;
			}
		return 0;
	}
	if (ipa - FIEF_ARM64_GICD_GPA < FIEF_ARM64_GICD_SIZE) {
		*base = FIEF_ARM64_GICD_GPA;
		return 1;
	}
	if (ipa - FIEF_ARM64_GICR_GPA < (uint64_t)FIEF_MAX_VCPUS * FIEF_ARM64_GICR_STRIDE) {
		*base = FIEF_ARM64_GICR_GPA;
		return 2;
	}
	return 0;
}

bool a64_vgic_mmio(struct vcpu *v, uint64_t esr, uint64_t ipa, struct vcpu_exit *out)
{
	struct vm *vm = v->vm;
	uint64_t base, off, val = 0;
	unsigned size = 1u << DABT_SAS(esr), reg = DABT_SRT(esr);
	bool write = (esr & DABT_WNR) != 0;
	int kind = vgic_region(v, ipa, &base);
	uint32_t wake;

	if (!kind)
		return false;
	if (!(esr & DABT_ISV)) {
		out->reason = VCPU_EXIT_FAILED;
		out->code = esr;
		fief_snprintf(out->why, sizeof(out->why),
			      "GIC access the CPU did not decode (IPA 0x%llx)",
			      (unsigned long long)ipa);
		return true;
	}
	off = ipa - base;
	if (write && reg != 31)
		val = v->arch.x[reg];
	spin_lock(&vm->arch.vgic_lock);
	if (kind == 1)
		wake = vgic_dist_access(&vm->arch.vgic, off, size, write, &val);
	else
		wake = vgic_redist_access(&vm->arch.vgic, (uint32_t)(off / FIEF_ARM64_GICR_STRIDE),
					  off % FIEF_ARM64_GICR_STRIDE, size, write, &val);
	spin_unlock(&vm->arch.vgic_lock);
	if (!write && reg != 31) {
		if ((esr & DABT_SSE) && size < 8 && (val >> (8 * size - 1)) & 1)
			val |= ~0ull << (8 * size);
		if (!(esr & DABT_SF))
			val &= 0xffffffffull;
		v->arch.x[reg] = val;
	}
	poke_mask(v, vm, wake);
	v->arch.pc += (esr & ESR_IL) ? 4 : 2;
	return true;
}
