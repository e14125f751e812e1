/* SPDX-License-Identifier: MIT */
/* Sleeping, waking and timer deadlines of vCPUs (core/event.h). */
#include "core/arch.h"
#include "core/event.h"
#include "core/vm.h"

void vcpu_wake(struct vcpu *v)
{
	enum vcpu_state halted = VCPU_STATE_HALTED;
	uint32_t pcpu = vcpu_pcpu(v);

	/* Sequentially consistent against vcpu_sleep()'s store and look. */
	__atomic_compare_exchange_n(&v->state, &halted, VCPU_STATE_RUNNABLE, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	if (pcpu != arch_cpu_index())
		arch_cpu_kick(pcpu);
}

void vcpu_sleep(struct vcpu *v)
{
	enum vcpu_state s = VCPU_STATE_RUNNABLE;

	if (!__atomic_compare_exchange_n(&v->state, &s, VCPU_STATE_HALTED, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return; /* stopped meanwhile: that wins */
	if (arch_vcpu_wakeup_pending(v)) {
		s = VCPU_STATE_HALTED;
		__atomic_compare_exchange_n(&v->state, &s, VCPU_STATE_RUNNABLE, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

uint64_t event_run_timers(uint32_t cpu)
{
	uint64_t now = 0, next = 0;

	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		if (!vm || vm_state(vm) != VM_STATE_RUNNING)
			continue;
		for (uint32_t j = 0; j < FIEF_MAX_VCPUS; j++) {
			struct vcpu *v = &vm->vcpu[j];
			uint64_t t;

			if (!vcpu_vm(v) || vcpu_pcpu(v) != cpu || (t = vcpu_wake_at(v)) == 0)
				continue;
			if (!now)
				now = arch_counter();
			if (t <= now) {
				arch_vcpu_timer(v, now);
				if (vcpu_state(v) == VCPU_STATE_HALTED && arch_vcpu_wakeup_pending(v))
					vcpu_wake(v);
				t = vcpu_wake_at(v);
				if (t == 0)
					continue;
			}
			if (next == 0 || t < next)
				next = t;
		}
	}
	return next;
}

bool event_any_timer(void)
{
	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		if (!vm || vm_state(vm) != VM_STATE_RUNNING)
			continue;
		for (uint32_t j = 0; j < FIEF_MAX_VCPUS; j++)
			if (vcpu_vm(&vm->vcpu[j]) && vcpu_state(&vm->vcpu[j]) != VCPU_STATE_STOPPED &&
			    vcpu_wake_at(&vm->vcpu[j]))
				return true;
	}
	return false;
}
