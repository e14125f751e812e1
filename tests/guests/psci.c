/* SPDX-License-Identifier: MIT */
/*
 * psci (arm64, 2 vCPUs): PSCI 1.1 as fief offers it to a guest.
 *
 * vCPU 1 powers itself off (CPU_OFF); vCPU 0 then checks VERSION,
 * FEATURES(CPU_ON), AFFINITY_INFO of the off vCPU, CPU_ON with an entry
 * point and a context id (the started vCPU must see the context id in X0),
 * CPU_ON of a vCPU that is on (ALREADY_ON), CPU_ON of a vCPU that does not
 * exist (INVALID_PARAMETERS), the same interface over SMC (trapped, never
 * passed to the firmware) and an unknown SMC (NOT_SUPPORTED). It prints
 * each result and ends with SYSTEM_OFF when everything held.
 *
 * Expected: "psci: all ok", then fief stops this VM with "PSCI SYSTEM_OFF".
 * Otherwise it self-stops with a bit mask of the failed checks.
 */
#include "guest.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_FEATURES 0x8400000au
#define PSCI_CPU_ON64 0xc4000003u
#define PSCI_AFFINITY_INFO64 0xc4000004u

#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define AFFINITY_OFF 1

#define CONTEXT_ID 0x1234u
#define SECOND_STACK 0x1f0000 /* below the image at 0x200000 */
#define GUEST_XSTR(x) #x
#define GUEST_STR(x) GUEST_XSTR(x)

static volatile uint64_t started_ctx;

static uint64_t call(int smc, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (smc)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

/* Where CPU_ON starts vCPU 1: X0 holds the context id; give it a stack. */
void psci_entry(uint64_t ctx);
void psci_started(uint64_t ctx);
__asm__(".globl psci_entry\n"
	"psci_entry:\n"
	"	ldr x1, =" GUEST_STR(SECOND_STACK) "\n"
	"	mov sp, x1\n"
	"	b psci_started\n");

void psci_started(uint64_t ctx)
{
	started_ctx = ctx;
	guest_halt();
}

int secondary_main(unsigned vcpu, uint64_t mem_size)
{
	(void)mem_size;
	guest_printf("psci: vcpu %u powers off\n", vcpu);
	call(0, PSCI_CPU_OFF, 0, 0, 0);
	guest_printf("psci: FAIL CPU_OFF returned\n");
	return 9;
}

static int check(const char *what, int64_t got, int64_t want, int bit)
{
	guest_printf("psci: %s %ld%s\n", what, (long)got, got == want ? "" : " (FAIL)");
	return got == want ? 0 : 1 << bit;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	uintptr_t entry = (uintptr_t)psci_entry;
	int fail = 0;

	(void)vcpu;
	(void)mem_size;
	fail |= check("version", (int64_t)call(0, PSCI_VERSION, 0, 0, 0), 0x10001, 0);
	fail |= check("features(CPU_ON)", (int64_t)call(0, PSCI_FEATURES, PSCI_CPU_ON64, 0, 0), 0, 1);
	for (int i = 0; i < 1000000 && call(0, PSCI_AFFINITY_INFO64, 1, 0, 0) != AFFINITY_OFF; i++)
		guest_relax();
	fail |= check("affinity_info(1)", (int64_t)call(0, PSCI_AFFINITY_INFO64, 1, 0, 0),
		      AFFINITY_OFF, 2);
	fail |= check("cpu_on(1)", (int64_t)call(0, PSCI_CPU_ON64, 1, entry, CONTEXT_ID), 0, 3);
	for (int i = 0; i < 100000000 && started_ctx == 0; i++)
		guest_relax();
	fail |= check("started with context", (int64_t)started_ctx, CONTEXT_ID, 4);
	fail |= check("cpu_on(1) again", (int64_t)call(0, PSCI_CPU_ON64, 1, entry, 0),
		      PSCI_ALREADY_ON, 5);
	fail |= check("cpu_on(7)", (int64_t)call(0, PSCI_CPU_ON64, 7, entry, 0),
		      PSCI_INVALID_PARAMETERS, 6);
	fail |= check("version by smc", (int64_t)call(1, PSCI_VERSION, 0, 0, 0), 0x10001, 7);
	fail |= check("unknown smc", (int64_t)call(1, 0x82000000u, 0, 0, 0), PSCI_NOT_SUPPORTED, 8);
	if (fail)
		return fail;
	guest_printf("psci: all ok, SYSTEM_OFF\n");
	call(0, PSCI_SYSTEM_OFF, 0, 0, 0);
	guest_printf("psci: FAIL SYSTEM_OFF returned\n");
	return 1 << 9;
}
