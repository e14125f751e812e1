/* SPDX-License-Identifier: MIT */
/*
 * Hypercall dispatch: a const table indexed by call number, bounds
 * checked. Capabilities are checked before anything else; each handler
 * unpacks its arguments and calls a typed function. This is the one place
 * where internal error codes become guest-abi codes (FIEF_E_*).
 */
#ifndef FIEF_CORE_HYPERCALL_H
#define FIEF_CORE_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm.h"

/**
 * hypercall_dispatch() - run call @nr for @vcpu with @arg[0..5].
 * Return: the value for the guest's result register: >= 0 on success, a
 * negative FIEF_E_* code on failure. A call that stops the caller's VM
 * returns 0 and leaves the vCPU stopped.
 */
int64_t hypercall_dispatch(struct vcpu *vcpu, uint64_t nr, const uint64_t arg[6]);

/**
 * hypercall_run() - hypercall_dispatch(), for an exit path: *@r gets the
 * value for the guest's result register, which the caller writes unless
 * the call stopped the vCPU (a self-stop, or its VM stopped or destroyed
 * meanwhile): its registers then stay as they were, for the record.
 * Return: the vCPU's state after the call (read once: the exit path also
 * decides from it whether the vCPU stays, see vcpu_state()).
 */
static inline enum vcpu_state hypercall_run(struct vcpu *vcpu, uint64_t nr, const uint64_t arg[6],
					    int64_t *r)
{
	*r = hypercall_dispatch(vcpu, nr, arg);
	return vcpu_state(vcpu);
}

/** hypercall_abi_error() - the guest-abi code for an internal error. */
int64_t hypercall_abi_error(int err);

#endif
