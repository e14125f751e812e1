/* SPDX-License-Identifier: MIT */
/*
 * mgrkill: runs as the host VM (role = host) and pauses and destroys
 * manager guests in the middle of their management calls.
 *
 * MGRKILL_ROUNDS times: create a VM with the manage capability
 * (FIEF_VM_F_MANAGE), donate it 2 MiB, lend it a counter page, load the
 * caller payload (lib/payload.h: VM_LIST calls in a loop, each counted in
 * the lent page) and start it on another CPU. Once it counts, pause it (its
 * vCPU is almost always inside a call, waiting for fief's management lock
 * or holding it), check that it stays still, resume it, see it count again,
 * and destroy it while it calls. Before and after, the host's memory is the
 * same.
 *
 * A pause or destroy that waited for the manager's vCPU while holding the
 * lock that vCPU waits for would hang here (docs/locking.md).
 */
#include "guest.h"
#include "manage.h"
#include "payload.h"

#ifndef MGRKILL_ROUNDS
#define MGRKILL_ROUNDS 1000
#endif
#define VM_MEM 0x400000ull  /* 4 MiB space: 2 MiB donated, then the lent page */
#define DONATED 0x200000ull
#define CODE_GPA 0x100000ull
#define BUF_GPA 0x180000ull /* past the boot structures in the first 1 MiB */
#define COUNTER_GPA DONATED
#define POLLS 20000000

static volatile uint64_t counter[FIEF_PAGE_SIZE / 8] __attribute__((aligned(FIEF_PAGE_SIZE)));
static union guest_vcpu_regs regs;
static struct fief_vm_info info;
static int failed_line;

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			failed_line = __LINE__;                           \
			guest_printf("mgrkill: FAIL line %d: %s\n", __LINE__, #cond); \
			return -1;                                        \
		}                                                         \
	} while (0)

/* Wait until the caller has counted past @from (its calls go on). */
static int counts_past(uint64_t from)
{
	for (long i = 0; i < POLLS; i++) {
		if (counter[0] > from)
			return 1;
		guest_relax();
	}
	return 0;
}

static int64_t state_of(int64_t id)
{
	if (guest_hc(FIEF_HC_VM_INFO, (uint64_t)id, guest_gpa(&info), sizeof(info), 0, 0) != 0)
		return -1;
	return info.state;
}

/* One manager guest, paused and destroyed in its calls. Return: its
 * count at the destroy, or -1. */
static int64_t one_round(uint64_t donor, uint64_t *pcpu, const struct guest_payload *p)
{
	int64_t id = guest_hc(FIEF_HC_VM_CREATE, VM_MEM, 1, FIEF_VM_F_MANAGE, 0, 0), r;
	uint64_t at_pause;

	CHECK(id > 0);
	counter[0] = 0;
	CHECK(guest_hc(FIEF_HC_MEM_DONATE, id, donor, 0, DONATED, 0) == 0);
	CHECK(guest_hc(FIEF_HC_MEM_SHARE, id, guest_gpa(counter), COUNTER_GPA, FIEF_PAGE_SIZE,
		       FIEF_SHARE_ALL) == 0);
	CHECK(guest_hc(FIEF_HC_MEM_COPY_IN, id, CODE_GPA, guest_gpa(p->code), p->size, 0) == 0);
	r = guest_hc(FIEF_HC_VCPU_CREATE, id, 0, *pcpu, 0, 0);
	if (r == FIEF_E_INVAL && *pcpu == 1) { /* one CPU only */
		*pcpu = 0;
		r = guest_hc(FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0);
	}
	CHECK(r == 0);
	CHECK(guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0) == 0);
	guest_caller_regs(&regs, CODE_GPA, BUF_GPA, COUNTER_GPA);
	CHECK(guest_hc(FIEF_HC_VCPU_SET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0) == 0);
	CHECK(guest_hc(FIEF_HC_VM_START, id, 0, 0, 0, 0) == 0);
	CHECK(counts_past(0));
	/* Paused in its calls: when the pause returns it has left its CPU. */
	CHECK(guest_hc(FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0) == 0);
	CHECK(state_of(id) == FIEF_VM_STATE_PAUSED);
	at_pause = counter[0];
	for (int i = 0; i < 2000; i++)
		guest_relax();
	CHECK(counter[0] == at_pause);
	CHECK(guest_hc(FIEF_HC_VM_RESUME, id, 0, 0, 0, 0) == 0);
	CHECK(counts_past(at_pause));
	/* Destroyed in its calls. */
	CHECK(guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0) == 0);
	CHECK(state_of(id) == -1);
	return (int64_t)counter[0];
}

int main(unsigned vcpu, uint64_t mem_size)
{
	const struct guest_payload *p = guest_caller();
	uint64_t donor = guest_find_donor(mem_size, DONATED, 0), before, calls = 0;
	uint64_t pcpu = 1; /* another CPU than this one's, if there is one */

	(void)vcpu;
	if (!donor) {
		guest_printf("mgrkill: FAIL no 2 MiB of RAM to give\n");
		return 1;
	}
	before = guest_host_owned();
	for (int round = 1; round <= MGRKILL_ROUNDS; round++) {
		int64_t n = one_round(donor, &pcpu, p);

		if (n < 0)
			return failed_line;
		calls += (uint64_t)n;
		if (round == 1 || round % (MGRKILL_ROUNDS / 4) == 0)
			guest_printf("mgrkill: round %d: a manager on cpu %lu paused and destroyed in "
				     "its calls\n", round, (unsigned long)pcpu);
	}
	if (guest_host_owned() != before) {
		guest_printf("mgrkill: FAIL the host owns %lu bytes, %lu before\n",
			     (unsigned long)guest_host_owned(), (unsigned long)before);
		return 1;
	}
	guest_printf("mgrkill: %d managers paused and destroyed in the middle of %lu calls, host "
		     "memory the same\n", MGRKILL_ROUNDS, (unsigned long)calls);
	return 0;
}
