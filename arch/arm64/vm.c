/* SPDX-License-Identifier: MIT */
/*
 * arm64 side of VM execution. The EL2 stage-2 backend (issue: arm64 runs
 * the host VM and guests) is not written yet: until it is, fief on arm64
 * refuses every VM with FIEF_ENOTSUP and says so, rather than pretending.
 */
#include "core/arch.h"
#include "core/elf.h"
#include "core/err.h"
#include "core/vm.h"
#include "mm/pgtable.h"

void arch_takeover(const struct boot_info *bi)
{
	(void)bi;
}

const struct pt_format *arch_stage2_format(void)
{
	return &pt_format_arm64_s2;
}

int arch_cpu_virt_enable(void)
{
	return FIEF_ENOTSUP;
}

uint16_t arch_elf_machine(void)
{
	return ELF_MACHINE_AARCH64;
}

int arch_vcpu_init(struct vcpu *vcpu, gpaddr_t entry)
{
	(void)vcpu;
	(void)entry;
	return FIEF_ENOTSUP;
}

void arch_vcpu_run(struct vcpu *vcpu, struct vcpu_exit *exit)
{
	(void)vcpu;
	exit->reason = VCPU_EXIT_FAILED;
}

void arch_vcpu_set_result(struct vcpu *vcpu, int64_t result)
{
	vcpu->arch.x[0] = (uint64_t)result;
}

void arch_cpu_idle(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

uint32_t arch_cpus_start(const struct acpi_info *acpi, uint32_t max)
{
	(void)acpi;
	(void)max;
	return 1; /* PSCI CPU_ON bring-up is part of the arm64 backend work */
}
