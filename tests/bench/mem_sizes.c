/* SPDX-License-Identifier: MIT */
/*
 * Sizes of fief's per-VM and per-vCPU objects, read without running
 * anything: each array below is as long as the struct it names, so `nm -S`
 * on this object shows the size. Compiled once per arch against that
 * arch's real headers (tests/bench/mem.py), so the figure follows the code.
 */
#include "core/vm.h"

char bench_sizeof_vm[sizeof(struct vm)];
char bench_sizeof_vcpu[sizeof(struct vcpu)];
char bench_sizeof_arch_vcpu[sizeof(struct arch_vcpu)];
char bench_sizeof_console[sizeof(struct vm_console)];
char bench_vcpus_per_vm[FIEF_MAX_VCPUS];
char bench_vms_max[VM_MAX];
