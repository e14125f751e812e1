/* SPDX-License-Identifier: MIT */
/* PSCI for guests: calls a vCPU makes about its own VM's vCPUs. */
#ifndef FIEF_ARCH_ARM64_PSCI_H
#define FIEF_ARCH_ARM64_PSCI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arch.h"
#include "core/vm.h"

/**
 * a64_psci_call() - handle PSCI function @fid for @v (arguments in X1..X3).
 * Return: true if @fid is a PSCI function (result in X0, or @out set for
 * the core); false if it is not PSCI at all.
 */
bool a64_psci_call(struct vcpu *v, uint32_t fid, struct vcpu_exit *out);

/** a64_vcpu_boot() - registers of a vCPU entering EL1h at @entry. */
void a64_vcpu_boot(struct vcpu *v, uint64_t entry, uint64_t x0, uint64_t x1, uint64_t sp);

#endif
