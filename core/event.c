/* SPDX-License-Identifier: MIT */
/* Sleeping, waking and timer deadlines of vCPUs (core/event.h). */
#include "core/arch.h"
#include "core/config.h"
#include "core/event.h"
#include "core/vm.h"

/*
 * Per CPU: a vCPU pinned there woke up (HALTED -> RUNNABLE) while it was
 * not on the CPU, so the turn running there (another vCPU's) should end
 * soon rather than at its slice's end. Set by any waker before its kick;
 * read and cleared by the CPU itself (event_resched_take()).
 */
static uint32_t resched[CONFIG_CPU_LIMIT];

void vcpu_wake(struct vcpu *v)
{
	enum vcpu_state halted = VCPU_STATE_HALTED;
	uint32_t pcpu = vcpu_pcpu(v);

	/* Sequentially consistent against vcpu_sleep()'s store and look. */
	if (__atomic_compare_exchange_n(&v->state, &halted, VCPU_STATE_RUNNABLE, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) &&
	    !__atomic_load_n(&v->running, __ATOMIC_ACQUIRE) && pcpu < CONFIG_CPU_LIMIT)
		__atomic_store_n(&resched[pcpu], 1, __ATOMIC_SEQ_CST);
	if (pcpu != arch_cpu_index())
		arch_cpu_kick(pcpu);
}

bool event_resched_take(uint32_t cpu)
{
	if (cpu >= CONFIG_CPU_LIMIT || !__atomic_load_n(&resched[cpu], __ATOMIC_RELAXED))
		return false;
	return __atomic_exchange_n(&resched[cpu], 0, __ATOMIC_ACQ_REL) != 0;
}

uint64_t event_others_next(const struct vcpu *v)
{
	uint32_t cpu = vcpu_pcpu(v);
	uint64_t next = 0;

	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		if (!vm || vm_state(vm) != VM_STATE_RUNNING)
			continue;
		for (uint32_t j = 0; j < FIEF_MAX_VCPUS; j++) {
			struct vcpu *o = &vm->vcpu[j];
			uint64_t t;

			if (o == v || !vcpu_vm(o) || vcpu_pcpu(o) != cpu ||
			    vcpu_state(o) == VCPU_STATE_STOPPED || (t = vcpu_wake_at(o)) == 0)
				continue;
			if (next == 0 || t < next)
				next = t;
		}
	}
	return next;
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
