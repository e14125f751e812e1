/* SPDX-License-Identifier: MIT */
/*
 * Bringing up the other CPUs with PSCI CPU_ON (Arm DEN 0022), one at a
 * time, in the MADT's order of enabled GIC CPU interfaces.
 *
 * The call goes to the firmware through SMC: on QEMU virt with
 * virtualization=on and no EL3, QEMU itself answers PSCI on the SMC
 * conduit; on a machine with EL3 its firmware does. (HVC cannot be the
 * conduit for software that is itself at EL2.)
 *
 * Each CPU starts at a64_secondary_entry with its boot block, turns on
 * fief's EL2 tables, then sets up its EL2 state like the boot CPU
 * (a64_cpu_el2_setup()) and enters the core's fief_secondary_main().
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"
#include "core/acpi.h"
#include "core/main.h"
#include "lib/print.h"
#include "lib/string.h"

#define SMP_CPUS_MAX 8
#define SMP_STACK_BYTES 0x8000
#define PSCI_CPU_ON_64 0xc4000003u
#define MADT_ENTRIES 44
#define MADT_GICC 0x0b
#define GICC_FLAGS 12
#define GICC_MPIDR 68
#define GICC_MIN_LEN 76
#define SMP_WAIT_SPINS 200000000u

extern char __fief_image_start[], __fief_image_end[];
void a64_secondary_entry(void);
_Noreturn void a64_secondary_main(uint64_t cpu);

struct a64_boot_block {
	uint64_t stack_top, cpu, ttbr, tcr, mair, sctlr, hcr;
};

static uint8_t stacks[SMP_CPUS_MAX][SMP_STACK_BYTES] __attribute__((aligned(16)));
static struct a64_boot_block blocks[SMP_CPUS_MAX] __attribute__((aligned(64)));
static volatile uint32_t online[SMP_CPUS_MAX];
static uint64_t mpidrs[SMP_CPUS_MAX]; /* by core index; written before the CPU starts */
static uint32_t started = 1;

bool a64_cpu_mpidr(uint32_t pcpu, uint64_t *mpidr)
{
	if (pcpu >= __atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return false;
	*mpidr = mpidrs[pcpu];
	return true;
}

uint32_t a64_core_cpu_index(void)
{
	uint64_t self = read_sysreg(mpidr_el1) & 0xff00ffffffull;

	for (uint32_t i = 1; i < __atomic_load_n(&started, __ATOMIC_ACQUIRE); i++)
		if (mpidrs[i] == self)
			return i;
	return 0;
}

_Noreturn void a64_secondary_main(uint64_t cpu)
{
	a64_cpu_el2_setup();
	__atomic_store_n(&online[cpu], 1, __ATOMIC_RELEASE);
	fief_secondary_main((uint32_t)cpu);
}

static int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	register uint64_t x0 __asm__("x0") = PSCI_CPU_ON_64;
	register uint64_t x1 __asm__("x1") = mpidr;
	register uint64_t x2 __asm__("x2") = entry;
	register uint64_t x3 __asm__("x3") = ctx;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}

static bool start_cpu(uint64_t mpidr, uint32_t cpu)
{
	struct a64_boot_block *b = &blocks[cpu];
	int64_t ret;

	b->stack_top = (uint64_t)(uintptr_t)(stacks[cpu] + SMP_STACK_BYTES);
	b->cpu = cpu;
	b->ttbr = read_sysreg(ttbr0_el2);
	b->tcr = read_sysreg(tcr_el2);
	b->mair = read_sysreg(mair_el2);
	b->sctlr = read_sysreg(sctlr_el2);
	b->hcr = HCR_RW;
	/* The new CPU reads its block with the MMU (and caches) off. */
	a64_dcache_clean_inval(b, sizeof(*b));
	ret = psci_cpu_on(mpidr, (uint64_t)(uintptr_t)a64_secondary_entry,
			  (uint64_t)(uintptr_t)b);
	if (ret != 0) {
		console_printf("arm64: PSCI CPU_ON of MPIDR 0x%llx failed: %lld\n",
			       (unsigned long long)mpidr, (long long)ret);
		return false;
	}
	for (uint32_t i = 0; i < SMP_WAIT_SPINS; i++)
		if (__atomic_load_n(&online[cpu], __ATOMIC_ACQUIRE))
			return true;
	console_printf("arm64: CPU with MPIDR 0x%llx did not come up\n", (unsigned long long)mpidr);
	return false;
}

uint32_t arch_cpus_start(const struct acpi_info *acpi, uint32_t max)
{
	const struct acpi_header *madt = acpi_find(acpi, "APIC", 0);
	uint64_t self = read_sysreg(mpidr_el1) & 0xff00ffffffull, mpidr;
	uint32_t count = 1, flags;

	if (!madt || madt->length < MADT_ENTRIES)
		return 1;
	mpidrs[0] = self;
	/* A CPU fresh from reset fetches fief's code with its MMU and caches
	 * off, from the Point of Coherency; the loader cleaned the image only
	 * to the Point of Unification (for instruction fetch), so clean it all
	 * the way once. */
	a64_dcache_clean_inval(__fief_image_start, (uint64_t)(__fief_image_end - __fief_image_start));
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES;
	const uint8_t *end = (const uint8_t *)madt + madt->length;

	for (; end - p >= 2 && p[1] >= 2 && p[1] <= end - p; p += p[1]) {
		if (p[0] != MADT_GICC || p[1] < GICC_MIN_LEN)
			continue;
		memcpy(&flags, p + GICC_FLAGS, 4);
		memcpy(&mpidr, p + GICC_MPIDR, 8);
		if (!(flags & 1) || mpidr == self)
			continue;
		if (count == max || count == SMP_CPUS_MAX)
			break;
		if (start_cpu(mpidr, count)) {
			mpidrs[count] = mpidr;
			count++;
			__atomic_store_n(&started, count, __ATOMIC_RELEASE);
		}
	}
	return count;
}
