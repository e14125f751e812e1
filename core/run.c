/* SPDX-License-Identifier: MIT */
#include "core/devices.h"
#include "core/event.h"
#include "core/hypercall.h"
#include "core/run.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "mm/own.h"

static void mem_fault(struct vcpu *vcpu, const struct vcpu_exit *e)
{
	struct vm *vm = vcpu->vm;
	const char *access = e->exec ? "fetch" : e->write ? "write" : "read";
	uint64_t gpa = gpa_addr(e->gpa); /* what the stop reports */
	int err;

	if (vm->host) {
		const struct device_range *d;
		paddr_t pa = vm_host_pa(e->gpa);

		/* The host's stage-2 is filled on demand with what it owns. */
		err = mm_host_fault(pa);
		if (err == 0)
			return;
		d = devices_find(devices_fief(), pa_addr(pa));
		if (d)
			vm_stop(vm, vcpu, FIEF_STOP_MEMORY, gpa,
				"memory violation: %s at 0x%llx, fief's %s", access,
				(unsigned long long)gpa, devices_kind_name(d->kind));
		else
			vm_stop(vm, vcpu, FIEF_STOP_MEMORY, gpa,
				"memory violation: %s at 0x%llx, a page the host does not own",
				access, (unsigned long long)gpa);
		return;
	}
	vm_stop(vm, vcpu, FIEF_STOP_MEMORY, gpa,
		"memory violation: %s at GPA 0x%llx, outside its memory", access,
		(unsigned long long)gpa);
}

void run_handle_exit(struct vcpu *vcpu, const struct vcpu_exit *e)
{
	int64_t r;

	vcpu->exits++;
	switch (e->reason) {
	case VCPU_EXIT_NONE:
	case VCPU_EXIT_PREEMPT:
		return;
	case VCPU_EXIT_HYPERCALL:
		if (hypercall_run(vcpu, e->nr, e->arg, &r) != VCPU_STATE_STOPPED)
			arch_vcpu_set_result(vcpu, r);
		return;
	case VCPU_EXIT_MEM_FAULT:
		mem_fault(vcpu, e);
		return;
	case VCPU_EXIT_HALT:
		vcpu_sleep(vcpu); /* until an event or its timer (core/event.h) */
		return;
	case VCPU_EXIT_SHUTDOWN:
		vm_stop(vcpu->vm, vcpu, FIEF_STOP_SHUTDOWN, e->pc, "%s",
			e->why[0] ? e->why : "shutdown");
		return;
	case VCPU_EXIT_FAILED:
		vm_stop(vcpu->vm, vcpu, FIEF_STOP_UNHANDLED, e->code, "%s",
			e->why[0] ? e->why : "failed");
		return;
	}
}

/* The next runnable vCPU pinned to @cpu after the one at @cursor. Read
 * without locks: vm_begin_run() checks again under the VM lock. */
static struct vcpu *pick(uint32_t cpu, uint32_t *cursor)
{
	const uint32_t slots = VM_MAX * FIEF_MAX_VCPUS;

	for (uint32_t n = 1; n <= slots; n++) {
		uint32_t i = (*cursor + n) % slots;
		struct vm *vm = vm_get(i / FIEF_MAX_VCPUS);
		struct vcpu *v;

		if (!vm || vm_state(vm) != VM_STATE_RUNNING) {
			/* Nothing of this VM runs: on to the next VM's first slot
			 * (a CPU with nothing to do scans every slot twice a wake-up). */
			n += FIEF_MAX_VCPUS - 1 - i % FIEF_MAX_VCPUS;
			continue;
		}
		v = &vm->vcpu[i % FIEF_MAX_VCPUS];
		if (vcpu_vm(v) && vcpu_pcpu(v) == cpu && vcpu_state(v) == VCPU_STATE_RUNNABLE) {
			*cursor = i;
			return v;
		}
	}
	return NULL;
}

/* Anything left to run on any CPU? A paused or created VM counts only
 * through the manager that could resume or start it, which is runnable. */
static bool any_runnable(void)
{
	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		if (!vm || vm_state(vm) != VM_STATE_RUNNING)
			continue;
		for (uint32_t j = 0; j < FIEF_MAX_VCPUS; j++)
			if (vcpu_vm(&vm->vcpu[j]) && vcpu_state(&vm->vcpu[j]) == VCPU_STATE_RUNNABLE)
				return true;
	}
	return false;
}

/*
 * CPUs in run_cpu() that are not idle for lack of anything runnable
 * anywhere. A vCPU going to sleep is HALTED for a moment even when an
 * event is already pending for it (vcpu_sleep() puts it back to RUNNABLE
 * right after): another CPU must not take that moment for the end of all
 * work. So a CPU ends its loop only once every CPU found nothing to run:
 * the CPU running that vCPU is busy until its sleep is settled.
 */
static uint32_t busy_cpus;

void run_cpu(uint32_t cpu)
{
	uint32_t cursor = 0;
	struct vcpu_exit exit;
	enum vcpu_state yielded;
	bool idle = false;

	__atomic_add_fetch(&busy_cpus, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint64_t wake_at;
		struct vcpu *v;

		wake_at = event_run_timers(cpu);
		/* Cleared before the pick (which sees every vCPU woken so far,
		 * those the timers just woke included): one woken after it
		 * marks the CPU again. */
		(void)event_resched_take(cpu);
		v = pick(cpu, &cursor);

		if (v && idle) {
			__atomic_add_fetch(&busy_cpus, 1, __ATOMIC_SEQ_CST);
			idle = false;
		}
		if (!v || !vm_begin_run(v, cpu)) {
			/* Nothing runnable and no timer that could make something
			 * so, on any CPU: nothing can happen any more. */
			if (!v && !any_runnable() && !event_any_timer()) {
				if (!idle)
					__atomic_sub_fetch(&busy_cpus, 1, __ATOMIC_SEQ_CST);
				idle = true;
				if (__atomic_load_n(&busy_cpus, __ATOMIC_SEQ_CST) == 0 &&
				    !any_runnable() && !event_any_timer())
					return;
			}
			if (!v)
				arch_cpu_idle(wake_at);
			continue;
		}
		/* Stay on this vCPU until it is preempted, sleeps or stops, or its
		 * VM is paused: the hot path (hypercall, CPUID, console byte)
		 * never schedules. While v->running is set, destroy and pause
		 * wait (docs/locking.md). */
		do {
			arch_vcpu_run(v, &exit);
			run_handle_exit(v, &exit);
		} while (exit.reason != VCPU_EXIT_PREEMPT && vcpu_state(v) == VCPU_STATE_RUNNABLE &&
			 vm_runs_now(v->vm));
		/* A yield ends the turn; the vCPU is runnable again for the next
		 * pick (a stop that came meanwhile wins). */
		yielded = VCPU_STATE_YIELDED;
		__atomic_compare_exchange_n(&v->state, &yielded, VCPU_STATE_RUNNABLE, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		arch_vcpu_leave(v);
		vm_end_run(v);
	}
}
