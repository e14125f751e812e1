/* SPDX-License-Identifier: MIT */
/*
 * PSCI (Arm DEN 0022) as fief offers it to guests, through HVC or SMC.
 * A guest's calls act on its own vCPUs and its own VM only; no call
 * reaches the firmware.
 *
 *   PSCI_VERSION       1.1
 *   PSCI_FEATURES      0 for the functions below, NOT_SUPPORTED otherwise
 *   CPU_ON             a vCPU of the caller's VM that is off starts at the
 *                      entry with X0 = context id; ALREADY_ON if it runs,
 *                      INVALID_PARAMETERS for an index the VM lacks
 *   CPU_OFF            the caller's vCPU powers off (until CPU_ON)
 *   CPU_SUSPEND        treated as WFI: returns 0 when it wakes
 *   AFFINITY_INFO      0 on, 1 off
 *   MIGRATE_INFO_TYPE  2: no trusted OS to migrate
 *   SYSTEM_OFF         stops the caller's VM (shutdown)
 *   SYSTEM_RESET       stops the caller's VM, saying a restart was asked
 *                      (restarting a VM needs core support not written yet)
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/psci.h"
#include "lib/print.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND 0x84000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0x84000003u
#define PSCI_AFFINITY_INFO 0x84000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au
#define PSCI_SMC64 0x40000000u /* the SMC64 twin of an SMC32 id */

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_VERSION_1_1 0x10001u

/* MPIDR affinity fields a guest can name; fief gives Aff0 = vCPU index. */
#define MPIDR_AFF_MASK 0xff00ffffffull

void a64_vcpu_boot(struct vcpu *v, uint64_t entry, uint64_t x0, uint64_t x1, uint64_t sp)
{
	struct arch_vcpu *a = &v->arch;

	memset(a->x, 0, sizeof(a->x));
	a->x[0] = x0;
	a->x[1] = x1;
	a->pc = entry;
	a->pstate = PSR_MODE_EL1H | PSR_DAIF;
	a64_vcpu_ctx_init(v);
	a->el1.sp_el1 = sp;
}

static struct vcpu *target_vcpu(struct vcpu *v, uint64_t mpidr)
{
	mpidr &= MPIDR_AFF_MASK;
	/* vcpu_count is fixed once the VM runs (vCPUs are created before). */
	if (mpidr >= v->vm->vcpu_count)
		return NULL;
	return &v->vm->vcpu[mpidr];
}

static int64_t cpu_on(struct vcpu *v, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	struct vcpu *t = target_vcpu(v, mpidr);
	struct vm_locked l;
	int64_t ret = PSCI_RET_SUCCESS;

	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	l = vm_lock(v->vm);
	if (!t->arch.off || vcpu_state(t) != VCPU_STATE_HALTED) {
		ret = PSCI_RET_ALREADY_ON;
	} else {
		/* Its stack pointer is the guest's business from here on. */
		a64_vcpu_boot(t, entry, ctx, 0, 0);
		t->arch.reset = 1; /* its CPU reloads the reset EL1 state */
		t->arch.off = 0;
		__atomic_store_n(&t->state, VCPU_STATE_RUNNABLE, __ATOMIC_RELEASE);
	}
	vm_unlock(&l);
	if (ret == PSCI_RET_SUCCESS)
		a64_cpu_wake(t->pcpu); /* its CPU may be idle in WFI */
	return ret;
}

static bool psci_known(uint32_t fid)
{
	switch (fid & ~PSCI_SMC64) {
	case PSCI_VERSION:
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_AFFINITY_INFO:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

static void shutdown(struct vcpu *v, struct vcpu_exit *out, const char *why)
{
	out->reason = VCPU_EXIT_SHUTDOWN;
	out->pc = v->arch.pc;
	fief_snprintf(out->why, sizeof(out->why), "%s", why);
}

bool a64_psci_call(struct vcpu *v, uint32_t fid, struct vcpu_exit *out)
{
	uint64_t *x = v->arch.x;
	struct vcpu *t;

	if ((fid & 0xbfffffe0u) != PSCI_VERSION)
		return false; /* not in the PSCI range 0x84000000..0x8400001f */
	switch (fid & ~PSCI_SMC64) {
	case PSCI_VERSION:
		x[0] = PSCI_VERSION_1_1;
		break;
	case PSCI_FEATURES:
		x[0] = psci_known((uint32_t)x[1]) ? 0 : (uint64_t)PSCI_RET_NOT_SUPPORTED;
		break;
	case PSCI_CPU_ON:
		x[0] = (uint64_t)cpu_on(v, x[1], x[2], x[3]);
		break;
	case PSCI_CPU_OFF:
		v->arch.off = 1;
		out->reason = VCPU_EXIT_HALT;
		break;
	case PSCI_CPU_SUSPEND:
		x[0] = PSCI_RET_SUCCESS;
		out->reason = VCPU_EXIT_HALT;
		break;
	case PSCI_AFFINITY_INFO:
		t = target_vcpu(v, x[1]);
		x[0] = !t ? (uint64_t)PSCI_RET_INVALID_PARAMS : t->arch.off ? 1 : 0;
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		x[0] = 2;
		break;
	case PSCI_SYSTEM_OFF:
		shutdown(v, out, "PSCI SYSTEM_OFF");
		break;
	case PSCI_SYSTEM_RESET:
		shutdown(v, out, "PSCI SYSTEM_RESET (restart not supported yet)");
		break;
	default:
		x[0] = (uint64_t)PSCI_RET_NOT_SUPPORTED;
		break;
	}
	return true;
}
