/* SPDX-License-Identifier: MIT */
/*
 * The arm64 exit policy: what fief does for each synchronous exception a
 * guest takes to EL2 (ESR_EL2.EC), and the virtual PL011 every VM has.
 *
 *   HVC (0x16)        SMCCC: fief's calls -> VCPU_EXIT_HYPERCALL; PSCI ->
 *                     arch/arm64/psci.c; anything else NOT_SUPPORTED (-1)
 *   SMC (0x17)        trapped by HCR_EL2.TSC: the same as HVC, never passed
 *                     to the firmware; ELR still points at the SMC: skip it
 *   WFI/WFE (0x01)    WFI -> VCPU_EXIT_HALT; WFE is skipped (a hint)
 *   MSR/MRS (0x18)    a register fief traps and does not emulate: an
 *                     undefined-instruction exception into the guest's EL1;
 *                     the same for PAC (0x09), SVE (0x19) and SME (0x1d),
 *                     whose state fief does not switch between VMs
 *   data abort (0x24) the virtual PL011 page, else VCPU_EXIT_MEM_FAULT
 *   instr. abort (0x20) VCPU_EXIT_MEM_FAULT (fetch)
 *   anything else     VCPU_EXIT_FAILED, the EC in the reason
 *
 * The hot cases, a fief call by HVC and a PL011 access whose register is
 * X0..X18, X30 or XZR, never get that far: a64_exit_fast() handles them
 * from the vector's short path.
 *
 * Nothing here trusts the guest: an access fief cannot decode stops the
 * VM with its reason; fief itself never faults on guest input.
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/pl011.h"
#include "arch/arm64/psci.h"
#include "arch/arm64/sysreg.h"
#include "core/hypercall.h"
#include "guest-abi/fief_abi.h"
#include "lib/print.h"
#include "lib/string.h"

/* The virtual PL011: one 4 KiB page at the GPA QEMU virt uses. */
#define VUART_GPA 0x09000000ull
#define VUART_DR 0x000
#define VUART_FR 0x018
#define VUART_FR_IDLE 0x90u /* TXFE | RXFE: transmit empty, nothing to read */

#define SMCCC_NOT_SUPPORTED ((uint64_t)-1)
/* SMCCC owner field (W0 bits 29:24): 4 = standard secure service (PSCI). */
#define SMCCC_OWNER(fid) (((fid) >> 24) & 0x3fu)
#define SMCCC_OWNER_ARCH 0u
#define SMCCC_OWNER_STD 4u
#define SMCCC_VERSION_FID 0x80000000u
#define SMCCC_VERSION_1_1 0x10001u

static uint64_t reg_get(const struct vcpu *v, unsigned r)
{
	return r == 31 ? 0 : v->arch.x[r]; /* register 31 is XZR here */
}

static void reg_set(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r != 31)
		v->arch.x[r] = val;
}

static void skip_insn(struct vcpu *v, uint64_t esr)
{
	v->arch.pc += (esr & ESR_IL) ? 4 : 2;
}

static void fail(struct vcpu_exit *out, const char *fmt, unsigned ec, uint64_t x)
{
	out->reason = VCPU_EXIT_FAILED;
	out->code = read_sysreg(esr_el2);
	fief_snprintf(out->why, sizeof(out->why), fmt, ec, (unsigned long long)x);
}

/* The IPA of a stage-2 abort: HPFAR_EL2.FIPA is IPA[51:12] in bits 43:4. */
static uint64_t fault_ipa(void)
{
	uint64_t hpfar = read_sysreg(hpfar_el2);
	uint64_t far = read_sysreg(far_el2);

	return ((hpfar & 0xfffffffffff0ull) << 8) | (far & 0xfff);
}

static bool is_vuart(const struct vcpu *v, uint64_t ipa)
{
	uint64_t page = ipa & ~0xfffull;

	/* The host's stage-2 is an identity map: the real UART's page is
	 * emulated too, so the host never drives fief's console directly. */
	return page == VUART_GPA || (v->vm->host && page == pl011_base());
}

/* The register part of a decoded access to the virtual PL011 page. */
static void vuart_io(struct vcpu *v, uint64_t esr, uint64_t ipa)
{
	unsigned reg = DABT_SRT(esr);
	uint64_t off = ipa & 0xfff;

	if (esr & DABT_WNR) {
		if (off == VUART_DR)
			vm_console_putc(v->vm, (char)(reg_get(v, reg) & 0xff));
	} else {
		uint64_t val = off == VUART_FR ? VUART_FR_IDLE : 0;

		reg_set(v, reg, val); /* zero-extended: SSE is never needed */
	}
}

static void vuart_access(struct vcpu *v, uint64_t esr, uint64_t ipa, struct vcpu_exit *out)
{
	if (!(esr & DABT_ISV)) {
		fail(out, "UART access the CPU did not decode (EC 0x%x, IPA 0x%llx)", EC_DABT_LOW,
		     ipa);
		return;
	}
	vuart_io(v, esr, ipa);
	skip_insn(v, esr);
}

static void exit_abort(struct vcpu *v, uint64_t esr, bool fetch, struct vcpu_exit *out)
{
	uint64_t ipa = fault_ipa();

	if (!fetch && is_vuart(v, ipa)) {
		vuart_access(v, esr, ipa, out);
		return;
	}
	if (!fetch && a64_vgic_mmio(v, esr, ipa, out))
		return;
	out->reason = VCPU_EXIT_MEM_FAULT;
	out->gpa = gpa_init(ipa);
	out->exec = fetch;
	out->write = !fetch && (esr & DABT_WNR) != 0;
}

/* HVC or SMC: an SMCCC call. X0 holds the function id (W0). */
static void exit_smccc(struct vcpu *v, struct vcpu_exit *out)
{
	uint32_t fid = (uint32_t)v->arch.x[0];

	if (fief_smccc_is_fief(fid)) {
		out->reason = VCPU_EXIT_HYPERCALL;
		out->nr = fief_smccc_call(fid);
		for (unsigned i = 0; i < 6; i++)
			out->arg[i] = v->arch.x[1 + i];
		return;
	}
	if (SMCCC_OWNER(fid) == SMCCC_OWNER_STD && a64_psci_call(v, fid, out))
		return;
	if (fid == SMCCC_VERSION_FID && SMCCC_OWNER(fid) == SMCCC_OWNER_ARCH)
		v->arch.x[0] = SMCCC_VERSION_1_1;
	else
		v->arch.x[0] = SMCCC_NOT_SUPPORTED;
}

/* The short path's HVC: a fief call, dispatched as run_handle_exit()
 * would (core/run.c). ELR_EL2 already points after the HVC. */
static bool fast_hvc(struct vcpu *v, enum vcpu_state *s)
{
	uint32_t fid = (uint32_t)v->arch.x[0];
	int64_t r;

	if (!fief_smccc_is_fief(fid))
		return false;
	*s = hypercall_run(v, fief_smccc_call(fid), &v->arch.x[1], &r);
	if (*s != VCPU_STATE_STOPPED)
		v->arch.x[0] = (uint64_t)r;
	return true;
}

/* ICC_SGI1R_EL1 and ICC_ASGI1R_EL1 (trapped by HCR_EL2.IMO); ICC_SGI0R_EL1. */
#define ISS_SYSREG_MASK 0x3ffc1eu
#define ISS_ICC_SGI1R 0x3a3016u  /* op0 3, op1 0, CRn 12, CRm 11, op2 5 */
#define ISS_ICC_ASGI1R 0x3c3016u /* op2 6 */
#define ISS_ICC_SGI0R 0x3e3016u  /* op2 7: Group 0, which guests do not have */

static bool is_sgi_write(uint32_t iss)
{
	uint32_t r = iss & ISS_SYSREG_MASK;

	return !(iss & 1) && (r == ISS_ICC_SGI1R || r == ISS_ICC_ASGI1R);
}

/* The short path's SGI: the write is done here, ELR_EL2 stepped in the CPU. */
static bool fast_sgi(struct vcpu *v, uint64_t esr)
{
	uint32_t iss = ESR_ISS(esr);
	unsigned rt = (iss >> 5) & 0x1f;

	if (!is_sgi_write(iss) || (rt >= 19 && rt <= 29))
		return false;
	a64_vgic_sgi(v, reg_get(v, rt));
	write_sysreg(elr_el2, read_sysreg(elr_el2) + 4);
	return true;
}

/* The short path's data abort: a decoded access to the virtual PL011
 * whose register is one of those stored (X0..X18, X30, XZR). The PC is
 * still in ELR_EL2, not in arch.pc: it is stepped there. */
static bool fast_vuart(struct vcpu *v, uint64_t esr)
{
	unsigned reg = DABT_SRT(esr);
	uint64_t ipa;

	if (!(esr & DABT_ISV) || (reg >= 19 && reg <= 29))
		return false;
	ipa = fault_ipa();
	if (!is_vuart(v, ipa))
		return false;
	vuart_io(v, esr, ipa);
	write_sysreg(elr_el2, read_sysreg(elr_el2) + ((esr & ESR_IL) ? 4 : 2));
	return true;
}

/* The short path's exits other than HVC: a PL011 byte, an SGI. */
static inline bool fast_other(struct vcpu *v, uint64_t esr)
{
	switch (ESR_EC(esr)) {
	case EC_DABT_LOW:
		return fast_vuart(v, esr);
	case EC_SYSREG:
		return fast_sgi(v, esr);
	default:
		return false;
	}
}

/*
 * The short path (entry.S, lower_sync), before anything else of a
 * synchronous exit: a fief call by HVC and a byte to or from the virtual
 * PL011 are handled here completely, as the run loop would handle them
 * (core/run.c: run_handle_exit(), then the loop's condition), and the
 * guest resumes without going back to the loop. Only X0..X18 and X30 are
 * in @a: nothing here reads or writes X19..X29, PC or PSTATE in @a, and
 * no hypercall does for the calling vCPU (register calls never name the
 * caller's own VM, mgmt_target_locked()).
 */
uint64_t a64_exit_fast(struct arch_vcpu *a)
{
	struct vcpu *v = (struct vcpu *)((char *)a - offsetof(struct vcpu, arch));
	uint64_t esr = read_sysreg(esr_el2);
	enum vcpu_state s = VCPU_STATE_RUNNABLE;
	bool done;

	/* The HVC first: the null hypercall is the path measured hardest. */
	if (__builtin_expect(ESR_EC(esr) == EC_HVC64, 1)) {
		done = fast_hvc(v, &s);
	} else {
		done = fast_other(v, esr);
		if (done)
			s = vcpu_state(v);
	}
	if (!done)
		return A64_EXIT_SYNC;
	/* Stay while it is runnable in a running VM (neither exit is a
	 * preemption); otherwise the run loop counts the exit and moves on. */
	if (s != VCPU_STATE_RUNNABLE || !vm_runs_now(v->vm))
		return A64_EXIT_HANDLED;
	v->exits++;
	return A64_EXIT_RESUME;
}

/* Where an exception from the guest's current mode enters at VBAR_EL1. */
static uint64_t vector_offset(uint64_t pstate)
{
	if (pstate & PSR_AARCH32)
		return 0x600;
	switch (pstate & PSR_MODE_MASK) {
	case PSR_MODE_EL1T:
		return 0x000;
	case PSR_MODE_EL1H:
		return 0x200;
	default:
		return 0x400; /* from EL0 */
	}
}

void a64_inject_undef(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;

	/* The vCPU's EL1 registers are live in this CPU right after its exit. */
	write_sysreg(esr_el1, (uint64_t)EC_UNKNOWN << 26 | ESR_IL);
	write_sysreg(elr_el1, a->pc);
	write_sysreg(spsr_el1, a->pstate);
	a->pc = read_sysreg(vbar_el1) + vector_offset(a->pstate);
	a->pstate = PSR_MODE_EL1H | PSR_DAIF;
}

/* MSR/MRS trapped: ID registers and debug registers are answered, any
 * other register is an undefined instruction for the guest. */
static void exit_sysreg(struct vcpu *v, uint64_t esr)
{
	uint32_t iss = ESR_ISS(esr);
	unsigned rt = (iss >> 5) & 0x1f;
	uint64_t val;

	if (is_sgi_write(iss)) {
		a64_vgic_sgi(v, reg_get(v, rt));
		skip_insn(v, esr);
		return;
	}
	if ((iss & ISS_SYSREG_MASK) == ISS_ICC_SGI0R && !(iss & 1)) {
		skip_insn(v, esr); /* no Group 0 interrupts: ignored */
		return;
	}
	if (a64_ptimer_access(v, iss)) {
		skip_insn(v, esr);
		return;
	}
	if ((iss & 1) ? a64_sysreg_read(iss, &val) : a64_sysreg_write_ignored(iss)) {
		if (iss & 1)
			reg_set(v, rt, val);
		skip_insn(v, esr);
		return;
	}
	a64_inject_undef(v);
}

void a64_handle_sync(struct vcpu *v, struct vcpu_exit *out)
{
	uint64_t esr = read_sysreg(esr_el2);
	unsigned ec = ESR_EC(esr);

	switch (ec) {
	case EC_HVC64:
		exit_smccc(v, out); /* ELR already points after the HVC */
		return;
	case EC_SMC64:
		skip_insn(v, esr);
		exit_smccc(v, out);
		return;
	case EC_WFX:
		skip_insn(v, esr);
		/* TI: 0 WFI sleeps; WFE, WFIT and WFET may return at once. */
		if ((ESR_ISS(esr) & 3) == 0)
			out->reason = VCPU_EXIT_HALT;
		return;
	case EC_SYSREG:
		exit_sysreg(v, esr);
		return;
	case EC_PAC:
	case EC_SVE:
	case EC_SME:
		/* Registers and features fief traps because it does not switch
		 * their state between VMs: the guest gets an undefined. */
		a64_inject_undef(v);
		return;
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		exit_abort(v, esr, ec == EC_IABT_LOW, out);
		return;
	default:
		fail(out, "unhandled exception class 0x%x (ESR 0x%llx)", ec, esr);
		return;
	}
}
