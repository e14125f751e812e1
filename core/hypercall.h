/* SPDX-License-Identifier: MIT */
/*
 * Hypercall dispatch: a const table indexed by call number, bounds
 * checked. Capabilities are checked before anything else; each handler
 * unpacks its arguments and calls a typed function. This is the one place
 * where internal error codes become guest-abi codes (FIEF_E_*).
 */
#ifndef FIEF_CORE_HYPERCALL_H
#define FIEF_CORE_HYPERCALL_H

#include <stdint.h>

struct vcpu;

/**
 * hypercall_dispatch() - run call @nr for @vcpu with @arg[0..5].
 * Return: the value for the guest's result register: >= 0 on success, a
 * negative FIEF_E_* code on failure. A call that stops the caller's VM
 * returns 0 and leaves the vCPU stopped.
 */
int64_t hypercall_dispatch(struct vcpu *vcpu, uint64_t nr, const uint64_t arg[6]);

/** hypercall_abi_error() - the guest-abi code for an internal error. */
int64_t hypercall_abi_error(int err);

#endif
