/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines and the vCPU sleep/wake protocol (core/irq.h,
 * core/event.h) on the fake arch.
 *
 * test_line_vs_destroy is the irqchip's lifetime test: one thread raises
 * and lowers lines of a guest as fast as it can (FIEF_HC_IRQ_LINE, 10^6
 * calls) while another destroys and re-creates that guest. Every answer
 * must be 0 or FIEF_E_NOENT, the fake controller asserts that it is only
 * ever touched while its irqchip is held, and afterwards the lines are what
 * the last calls made them. `make test` runs it under ASan/UBSan and again
 * under ThreadSanitizer (build/host-tsan), where any race fails it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "core/event.h"
#include "core/hypercall.h"
#include "core/irq.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "tests/unit/vm_test_env.h"

#define DONOR 0x2000000ull /* host RAM given to the guests */
#define GMEM (4ull << 20)
#define CALLS 1000000u /* at least, and until there were CYCLES */
#define CYCLES 1000u

static struct vm *host;

static int setup(void **state)
{
	(void)state;
	host = vm_env_boot_host();
	return host ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	vm_env_free();
	return 0;
}

static int64_t hc_by(struct vm *caller, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3)
{
	const uint64_t arg[6] = { a0, a1, a2, a3, 0, 0 };

	return hypercall_dispatch(&caller->vcpu[0], nr, arg);
}

static int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return hc_by(host, nr, a0, a1, a2, a3);
}

/* Every argument check answers its documented code and changes nothing. */
static void test_line_errors(void **state)
{
	int64_t id = hc(FIEF_HC_VM_CREATE, GMEM, 1, 0, 0);
	struct vm *vm;

	(void)state;
	assert_true(id > 0);
	vm = vm_get((uint32_t)id);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 0, 2, 0), FIEF_E_INVAL);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 0, ~0ull, 0), FIEF_E_INVAL);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, FAKE_IRQ_LINES, 1, 0), FIEF_E_RANGE);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, ~0ull, 1, 0), FIEF_E_RANGE);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, VM_MAX, 0, 1, 0), FIEF_E_NOENT);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, ~0ull, 0, 1, 0), FIEF_E_NOENT);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id + 1, 0, 1, 0), FIEF_E_NOENT);
	assert_int_equal(vm->arch.level, 0);
	assert_int_equal(vm->arch.edges, 0);

	/* Edges and levels reach the controller; a level kept high is one edge. */
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 3, 1, 0), 0);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 3, 1, 0), 0);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, FAKE_IRQ_LINES - 1, 1, 0), 0);
	assert_int_equal(vm->arch.level, (1ull << 3) | (1ull << (FAKE_IRQ_LINES - 1)));
	assert_int_equal(vm->arch.edges, 2);
	assert_true(irq_line_level(vm, 3));
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 3, 0, 0), 0);
	assert_false(irq_line_level(vm, 3));
	assert_int_equal(vm->arch.level, 1ull << (FAKE_IRQ_LINES - 1));

	/* The host drives its own lines too (its devices). */
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, FIEF_VM_HOST, 1, 1, 0), 0);
	assert_int_equal(host->arch.level, 1ull << 1);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, FIEF_VM_HOST, 1, 0, 0), 0);

	/* fief's own device models: the same path. */
	assert_int_equal(irq_line_raise(vm, 4, true), 0);
	assert_int_equal(irq_line_raise(vm, FAKE_IRQ_LINES, true), FIEF_ERANGE);

	/* Gone: the line is refused, and a new VM in the slot starts clean. */
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0), 0);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 3, 1, 0), FIEF_E_NOENT);
	assert_int_equal(irq_line_raise(vm, 4, true), FIEF_ENOENT);
	assert_false(irqchip_get(vm));
	assert_int_equal(hc(FIEF_HC_VM_CREATE, GMEM, 1, 0, 0), id);
	assert_int_equal(vm->arch.level, 0);
	assert_int_equal(vm->arch.edges, 0);
	assert_false(irq_line_level(vm, 4));
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0), 0);
}

/* Only the host and a VM's creator drive its lines. */
static void test_line_permission(void **state)
{
	int64_t mgr = hc(FIEF_HC_VM_CREATE, GMEM, 1, FIEF_VM_F_MANAGE, 0);
	int64_t other = hc(FIEF_HC_VM_CREATE, GMEM, 1, 0, 0);
	int64_t child;
	struct vm *m;

	(void)state;
	assert_true(mgr > 0 && other > 0);
	assert_int_equal(hc(FIEF_HC_MEM_DONATE, mgr, DONOR, 0, GMEM / 2), 0);
	assert_int_equal(hc(FIEF_HC_VCPU_CREATE, mgr, 0, 0, 0), 0);
	assert_int_equal(hc(FIEF_HC_VM_START, mgr, 0, 0, 0), 0);
	m = vm_get((uint32_t)mgr);
	child = hc_by(m, FIEF_HC_VM_CREATE, GMEM, 1, 0, 0);
	assert_true(child > 0);
	assert_int_equal(hc_by(m, FIEF_HC_IRQ_LINE, child, 0, 1, 0), 0);
	assert_int_equal(hc_by(m, FIEF_HC_IRQ_LINE, other, 0, 1, 0), FIEF_E_PERM);
	assert_int_equal(hc_by(m, FIEF_HC_IRQ_LINE, FIEF_VM_HOST, 0, 1, 0), FIEF_E_PERM);
	assert_int_equal(vm_get((uint32_t)other)->arch.level, 0);
	assert_int_equal(host->arch.level, 0);
	/* A guest without the management capability cannot call at all. */
	assert_int_equal(hc(FIEF_HC_VCPU_CREATE, other, 0, 0, 0), 0);
	assert_int_equal(hc_by(vm_get((uint32_t)other), FIEF_HC_IRQ_LINE, other, 0, 1, 0),
			 FIEF_E_PERM);
	/* Once its creator is gone, only the host drives the child. */
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, mgr, 0, 0, 0), 0);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, child, 1, 1, 0), 0);
	assert_int_equal(vm_get((uint32_t)child)->arch.level, 3);
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, child, 0, 0, 0), 0);
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, other, 0, 0, 0), 0);
}

struct raiser {
	uint32_t id;
	uint32_t done;              /* atomic: the raiser finished */
	uint32_t enough;            /* atomic: CYCLES destroys happened */
	unsigned calls;             /* calls it made */
	unsigned ok, noent, other;  /* its answers */
};

static void *raiser_main(void *arg)
{
	struct raiser *r = arg;

	for (unsigned i = 0; i < CALLS || !__atomic_load_n(&r->enough, __ATOMIC_ACQUIRE); i++) {
		int64_t e = hc(FIEF_HC_IRQ_LINE, r->id, i % FAKE_IRQ_LINES, (i / FAKE_IRQ_LINES) & 1,
			       0);

		if (e == 0)
			__atomic_add_fetch(&r->ok, 1, __ATOMIC_RELAXED);
		else if (e == FIEF_E_NOENT)
			r->noent++;
		else
			r->other++;
		r->calls++;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Lines raised at full speed while the VM is destroyed and re-created. */
static void test_line_vs_destroy(void **state)
{
	struct raiser r = { 0 };
	unsigned cycles = 0;
	pthread_t t;
	int64_t id = hc(FIEF_HC_VM_CREATE, GMEM, 1, 0, 0);
	struct vm *vm;

	(void)state;
	assert_true(id > 0);
	r.id = (uint32_t)id;
	assert_int_equal(pthread_create(&t, NULL, raiser_main, &r), 0);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		/* Let the raiser in at least once per life of the VM, then
		 * destroy it under its feet. */
		unsigned ok = __atomic_load_n(&r.ok, __ATOMIC_RELAXED);

		while (__atomic_load_n(&r.ok, __ATOMIC_RELAXED) == ok &&
		       !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0), 0);
		assert_int_equal(hc(FIEF_HC_VM_CREATE, GMEM, 1, 0, 0), id);
		if (++cycles == CYCLES)
			__atomic_store_n(&r.enough, 1, __ATOMIC_RELEASE);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	print_message("%u calls: %u set a line, %u found the VM going or gone; %u destroy and "
		      "create cycles\n", r.calls, r.ok, r.noent, cycles);
	assert_int_equal(r.other, 0);
	assert_true(r.calls >= CALLS && cycles >= CYCLES);
	assert_int_equal(r.ok + r.noent, r.calls);
	assert_true(r.ok >= cycles);

	/* The state is what the last calls say. */
	vm = vm_get((uint32_t)id);
	for (uint32_t l = 0; l < FAKE_IRQ_LINES; l++)
		assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, l, 0, 0), 0);
	assert_int_equal(vm->arch.level, 0);
	assert_int_equal(hc(FIEF_HC_IRQ_LINE, id, 7, 1, 0), 0);
	assert_int_equal(vm->arch.level, 1ull << 7);
	for (uint32_t l = 0; l < FAKE_IRQ_LINES; l++)
		assert_int_equal(irq_line_level(vm, l), l == 7);
	assert_int_equal(vm->irq.refs, IRQCHIP_OPEN);
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0), 0);
	assert_int_equal(vm->irq.refs, 0);
}

/* A guest with one vCPU on CPU 1, started. */
static struct vcpu *started_guest(int64_t *id)
{
	*id = hc(FIEF_HC_VM_CREATE, GMEM, 1, 0, 0);
	assert_true(*id > 0);
	assert_int_equal(hc(FIEF_HC_MEM_DONATE, *id, DONOR, 0, GMEM / 2), 0);
	assert_int_equal(hc(FIEF_HC_VCPU_CREATE, *id, 0, 1, 0), 0);
	assert_int_equal(hc(FIEF_HC_VM_START, *id, 0, 0, 0), 0);
	return &vm_get((uint32_t)*id)->vcpu[0];
}

/* HLT with nothing pending sleeps; an event wakes and kicks; a pending
 * event keeps it awake; a stop wins over both. */
static void test_sleep_wake(void **state)
{
	int64_t id;
	struct vcpu *v = started_guest(&id);
	uint32_t kicks;

	(void)state;
	fake_cpu = 0;
	vcpu_sleep(v);
	assert_int_equal(vcpu_state(v), VCPU_STATE_HALTED);
	kicks = fake_kicks;
	v->arch.pending = 1;
	vcpu_wake(v);
	assert_int_equal(vcpu_state(v), VCPU_STATE_RUNNABLE);
	assert_int_equal(fake_kicks, kicks + 1); /* CPU 1 is not ours */

	vcpu_sleep(v); /* something pending: it stays awake */
	assert_int_equal(vcpu_state(v), VCPU_STATE_RUNNABLE);

	v->arch.pending = 0;
	fake_cpu = 1; /* a wake from its own CPU kicks nobody */
	vcpu_sleep(v);
	kicks = fake_kicks;
	vcpu_wake(v);
	assert_int_equal(vcpu_state(v), VCPU_STATE_RUNNABLE);
	assert_int_equal(fake_kicks, kicks);
	fake_cpu = 0;

	vcpu_sleep(v);
	vm_stop(v->vm, NULL, FIEF_STOP_SELF, 0, "test");
	vcpu_wake(v);
	assert_int_equal(vcpu_state(v), VCPU_STATE_STOPPED);
	vcpu_sleep(v);
	assert_int_equal(vcpu_state(v), VCPU_STATE_STOPPED);
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0), 0);
}

/* The run loop's timers: nothing before the deadline, then the arch's
 * timer, a wake, and the next deadline for the idle CPU. */
static void test_timers(void **state)
{
	int64_t id;
	struct vcpu *v = started_guest(&id);

	(void)state;
	fake_counter = 1000;
	assert_false(event_any_timer());
	assert_int_equal(event_run_timers(1), 0);

	v->arch.pending = 0;
	vcpu_sleep(v);
	vcpu_set_wake_at(v, 1500);
	v->arch.timer_period = 100;
	assert_true(event_any_timer());
	assert_int_equal(event_run_timers(0), 0); /* not CPU 0's */
	assert_int_equal(event_run_timers(1), 1500);
	assert_int_equal(v->arch.timer_fired, 0);
	assert_int_equal(vcpu_state(v), VCPU_STATE_HALTED);

	fake_counter = 1500;
	assert_int_equal(event_run_timers(1), 1600); /* periodic: re-armed from now */
	assert_int_equal(v->arch.timer_fired, 1);
	assert_int_equal(vcpu_state(v), VCPU_STATE_RUNNABLE);

	/* One-shot: fired once, then no deadline and no timer left. */
	v->arch.timer_period = 0;
	fake_counter = 1700;
	assert_int_equal(event_run_timers(1), 0);
	assert_int_equal(v->arch.timer_fired, 2);
	assert_false(event_any_timer());

	/* A paused VM's timers wait for its resume. */
	vcpu_set_wake_at(v, 1800);
	assert_int_equal(hc(FIEF_HC_VM_PAUSE, id, 0, 0, 0), 0);
	fake_counter = 2000;
	assert_int_equal(event_run_timers(1), 0);
	assert_int_equal(v->arch.timer_fired, 2);
	assert_int_equal(hc(FIEF_HC_VM_RESUME, id, 0, 0, 0), 0);
	assert_int_equal(event_run_timers(1), 0);
	assert_int_equal(v->arch.timer_fired, 3);
	assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0), 0);
	fake_counter = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_line_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_vs_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
