/* SPDX-License-Identifier: MIT */
/*
 * arm64 event hooks of core/arch.h that are not the vGIC's (vgic.c holds
 * arch_vcpu_wakeup_pending(), arch_vcpu_timer() and the irqchip lines).
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "core/vm.h"

uint32_t arch_cpu_index(void)
{
	return a64_core_cpu_index();
}

uint64_t arch_counter(void)
{
	return read_sysreg(cntpct_el0);
}
