/* SPDX-License-Identifier: MIT */
/*
 * The run loop of a physical CPU: round-robin over the runnable vCPUs
 * pinned to it; every exit that needs the core is handled here, the
 * arch-neutral part of the exit policy.
 */
#ifndef FIEF_CORE_RUN_H
#define FIEF_CORE_RUN_H

#include <stdint.h>

#include "core/arch.h"

struct vcpu;

/**
 * run_handle_exit() - the arch-neutral policy for one exit of @vcpu:
 * hypercalls, stage-2 faults (the host's lazy identity map; anything else
 * stops the VM), HLT/WFI, shutdown and failures (stop the VM).
 */
void run_handle_exit(struct vcpu *vcpu, const struct vcpu_exit *exit);

/**
 * run_cpu() - run the vCPUs pinned to physical CPU @cpu until no vCPU of
 * any VM is runnable any more; then return.
 */
void run_cpu(uint32_t cpu);

#endif
