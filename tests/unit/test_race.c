/* SPDX-License-Identifier: MIT */
/*
 * Management calls against a VM that stops, on another thread, while they
 * run: the locking rules of docs/locking.md, exercised by two real threads
 * on the fake arch. Built twice by `make test`: under ASan and UBSan (with
 * every unit test) and under ThreadSanitizer (build/host-tsan), where any
 * data race it reports fails the program.
 *
 * Thread "cpu1" plays the physical CPU a guest's vCPU is pinned to: it runs
 * the vCPU's turns as core/run.c does (vm_begin_run(), an exit, vm_end_run())
 * and in each turn makes a hypercall, as the exit path would
 * (hypercall_run()): VM_LIST into its own memory (the guest is a manager,
 * so its calls contend for the management lock), VERSION, and at a round's
 * chosen turn SELF_STOP. The main thread is the host's vCPU: meanwhile it
 * shares and unshares a page with the guest, reads its info and console,
 * pauses it (then reads its registers, copies out of it, resumes it), and
 * once the guest stopped, destroys it. Every result must be one the ABI
 * allows in the state the guest could be in; afterwards the host owns what
 * it owned before and mm_check() finds the tables consistent.
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
#include "core/hypercall.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "mm/arch_mm.h"
#include "mm/own.h"
#include "tests/unit/vm_test_env.h"

#define DONOR 0x2000000ull /* host RAM given to the guests */
#define LENT 0x2800000ull  /* a host page lent to them */
#define BUF 0x3000000ull   /* the host's buffers */
#define GMEM (4ull << 20)
#define ROUNDS 120
#define GUEST_PCPU 1

static struct vm *host;

/* What thread "cpu1" is told and tells. */
struct cpu1 {
	struct vcpu *v;
	unsigned stop_at;  /* the turn that self-stops */
	unsigned turns;    /* turns run */
	unsigned calls_ok; /* VM_LIST calls that succeeded */
	int quit;
};

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

static int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	const uint64_t arg[6] = { a0, a1, a2, a3, a4, 0 };

	return hypercall_dispatch(&host->vcpu[0], nr, arg);
}

static void assert_mm_ok(void)
{
	size_t words = mm_check_bitmap_words();
	uint64_t *bm = calloc(words, sizeof(uint64_t));

	assert_int_equal(mm_check(bm, words), 0);
	free(bm);
}

static uint64_t host_owned(void)
{
	struct fief_vm_info info;

	assert_int_equal(hc(FIEF_HC_VM_INFO, FIEF_VM_HOST, BUF, sizeof(info), 0, 0), 0);
	memcpy(&info, arch_mm_pa_to_va(pa_init(BUF)), sizeof(info));
	return info.memory_owned;
}

/* The guest's CPU: its turns, one hypercall each, until told to quit. */
static void *cpu1_main(void *arg)
{
	struct cpu1 *c = arg;
	const uint64_t list[6] = { 0x1000, 4, 0, 0, 0, 0 }, none[6] = { 0 };
	const uint64_t stop[6] = { 7, 0, 0, 0, 0, 0 };
	int64_t r;
	unsigned turn;

	while (!__atomic_load_n(&c->quit, __ATOMIC_ACQUIRE)) {
		if (!vm_begin_run(c->v, GUEST_PCPU)) {
			arch_cpu_relax();
			continue;
		}
		turn = __atomic_add_fetch(&c->turns, 1, __ATOMIC_RELAXED);
		if (turn == c->stop_at) {
			(void)hypercall_run(c->v, FIEF_HC_SELF_STOP, stop, &r);
		} else if (turn & 1) {
			if (hypercall_run(c->v, FIEF_HC_VM_LIST, list, &r) != VCPU_STATE_STOPPED && r >= 0)
				c->calls_ok++;
		} else {
			(void)hypercall_run(c->v, FIEF_HC_VERSION, none, &r);
		}
		vm_end_run(c->v);
	}
	return NULL;
}

/* @r is one of the @n values that follow. */
static int one_of(int64_t r, int n, ...)
{
	va_list ap;
	int ok = 0;

	va_start(ap, n);
	while (n-- > 0)
		ok |= r == va_arg(ap, int64_t);
	va_end(ap);
	return ok;
}

/* One call of the host's mix, chosen by @i, against guest @id. */
static void host_call(uint32_t id, unsigned i)
{
	const int64_t E_STATE = FIEF_E_STATE, OK = 0;
	int64_t r;

	switch (i % 6) {
	case 0: /* lend a page: any state but STOPPED */
		r = hc(FIEF_HC_MEM_SHARE, id, LENT, GMEM / 2, PAGE_SIZE, FIEF_SHARE_ALL);
		assert_true(one_of(r, 3, OK, E_STATE, (int64_t)FIEF_E_DENIED));
		break;
	case 1: /* and take it back */
		r = hc(FIEF_HC_MEM_UNSHARE, id, GMEM / 2, PAGE_SIZE, 0, 0);
		assert_true(one_of(r, 3, OK, E_STATE, (int64_t)FIEF_E_DENIED));
		break;
	case 2:
		r = hc(FIEF_HC_VM_INFO, id, BUF, sizeof(struct fief_vm_info), 0, 0);
		assert_int_equal(r, 0);
		break;
	case 3:
		r = hc(FIEF_HC_CONSOLE_READ, id, BUF, 64, 0, 0);
		assert_true(r >= 0);
		break;
	case 4: /* pause, look inside, resume */
		r = hc(FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0);
		assert_true(one_of(r, 2, OK, E_STATE));
		if (r != 0)
			break;
		assert_int_equal(hc(FIEF_HC_VCPU_GET_REGS, id, 0, BUF, sizeof(struct fief_regs_x86),
				    0), 0);
		assert_int_equal(hc(FIEF_HC_MEM_COPY_OUT, id, BUF, 0x1000, 64, 0), 0);
		/* A self-stop under way when the pause came stopped it. */
		r = hc(FIEF_HC_VM_RESUME, id, 0, 0, 0, 0);
		assert_true(one_of(r, 2, OK, E_STATE));
		break;
	default:
		r = hc(FIEF_HC_VM_LIST, BUF, FIEF_MAX_VMS, 0, 0, 0);
		assert_true(r >= 2);
		break;
	}
}

static int stopped(uint32_t id)
{
	struct fief_vm_info info;

	assert_int_equal(hc(FIEF_HC_VM_INFO, id, BUF, sizeof(info), 0, 0), 0);
	memcpy(&info, arch_mm_pa_to_va(pa_init(BUF)), sizeof(info));
	return info.state == FIEF_VM_STATE_STOPPED;
}

/* Rounds of a guest stopping itself while the host calls. */
static void test_stop_during_calls(void **state)
{
	uint64_t before = host_owned();
	unsigned total_turns = 0, total_ok = 0;

	(void)state;
	srand(12345);
	for (unsigned round = 0; round < ROUNDS; round++) {
		struct cpu1 c = { .stop_at = 2 + (unsigned)rand() % 200 };
		int64_t id = hc(FIEF_HC_VM_CREATE, GMEM, 1,
				FIEF_VM_F_INSPECTABLE | FIEF_VM_F_MANAGE, 0, 0);
		pthread_t t;
		unsigned i = (unsigned)rand();

		assert_true(id > 0);
		assert_int_equal(hc(FIEF_HC_MEM_DONATE, id, DONOR, 0, GMEM / 2, 0), 0);
		assert_int_equal(hc(FIEF_HC_VCPU_CREATE, id, 0, GUEST_PCPU, 0, 0), 0);
		c.v = &vm_get((uint32_t)id)->vcpu[0];
		assert_int_equal(pthread_create(&t, NULL, cpu1_main, &c), 0);
		assert_int_equal(hc(FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
		while (!stopped((uint32_t)id))
			host_call((uint32_t)id, i++);
		/* A few more calls on the stopped guest, then away with it
		 * (half the rounds while its CPU still tries to run it). */
		for (int k = 0; k < 6; k++)
			host_call((uint32_t)id, i++);
		if (round & 1)
			__atomic_store_n(&c.quit, 1, __ATOMIC_RELEASE);
		assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
		__atomic_store_n(&c.quit, 1, __ATOMIC_RELEASE);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(c.turns, c.stop_at);
		total_turns += c.turns;
		total_ok += c.calls_ok;
		assert_int_equal(host_owned(), before);
		assert_mm_ok();
	}
	print_message("%u rounds: the guest ran %u turns, %u of its management calls "
		      "succeeded\n", ROUNDS, total_turns, total_ok);
}

/* Rounds of a guest destroyed while it runs and calls. */
static void test_destroy_during_calls(void **state)
{
	uint64_t before = host_owned();

	(void)state;
	for (unsigned round = 0; round < ROUNDS; round++) {
		struct cpu1 c = { .stop_at = ~0u };
		int64_t id = hc(FIEF_HC_VM_CREATE, GMEM, 1, FIEF_VM_F_MANAGE, 0, 0);
		pthread_t t;

		assert_true(id > 0);
		assert_int_equal(hc(FIEF_HC_MEM_DONATE, id, DONOR, 0, GMEM / 2, 0), 0);
		assert_int_equal(hc(FIEF_HC_VCPU_CREATE, id, 0, GUEST_PCPU, 0, 0), 0);
		c.v = &vm_get((uint32_t)id)->vcpu[0];
		assert_int_equal(pthread_create(&t, NULL, cpu1_main, &c), 0);
		assert_int_equal(hc(FIEF_HC_MEM_SHARE, id, LENT, GMEM / 2, PAGE_SIZE,
				    FIEF_SHARE_ALL), 0);
		assert_int_equal(hc(FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
		while (__atomic_load_n(&c.turns, __ATOMIC_RELAXED) < 1 + round % 50)
			arch_cpu_relax();
		assert_int_equal(hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
		__atomic_store_n(&c.quit, 1, __ATOMIC_RELEASE);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(host_owned(), before);
		assert_mm_ok();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stop_during_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_during_calls, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
