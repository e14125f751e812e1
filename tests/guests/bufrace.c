/* SPDX-License-Identifier: MIT */
/*
 * bufrace: runs as the host VM with three vCPUs on three CPUs and gives a
 * page away while a management call is about to write into it.
 *
 * BUFRACE_ROUNDS rounds, each with a fresh zeroed host page P:
 *   vCPU 0  copies 1 MiB into a guest (FIEF_HC_MEM_COPY_IN): a long call
 *           that holds fief's management lock;
 *   vCPU 1  meanwhile donates P to that guest (queued behind it);
 *   vCPU 2  then asks for VM_INFO of the host into P (queued behind the
 *           donation).
 * Every call that writes a caller buffer must check it under the lock the
 * donation takes (docs/locking.md): VM_INFO either ran before the donation
 * (then P holds the host's info with the memory it owned before) or is
 * refused with FIEF_E_FAULT, and P, now the guest's, stays zero. A VM_INFO
 * that succeeded after the donation (its memory_owned already lower) wrote
 * into the guest's page: the round fails.
 */
#include <stdbool.h>

#include "guest.h"
#include "manage.h"
#include "payload.h"

#ifndef BUFRACE_ROUNDS
#define BUFRACE_ROUNDS 400
#endif
#define GUEST_SPACE 0x400000ull /* [0, 2 MiB) donated up front, [2 MiB, 4 MiB) pages */
#define COPY_SIZE 0x100000ull   /* copied into [0, 1 MiB) */
#define PAYLOAD_GPA 0x100000ull
#define PAGES_GPA 0x200000ull
#define SPIN 3000

static uint8_t source[COPY_SIZE] __attribute__((aligned(4096)));
static struct fief_vm_info check;
static union guest_vcpu_regs regs;
static volatile uint32_t round_no, copying, donating, done[3];
static volatile int64_t donate_result, info_result;
static volatile uint64_t page_pa, guest_id;

static void spin(int n)
{
	for (int i = 0; i < n; i++)
		guest_relax();
}

static void wait_for(volatile uint32_t *flag, uint32_t value)
{
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != value)
		guest_relax();
}

int secondary_main(unsigned vcpu, uint64_t mem_size)
{
	(void)mem_size;
	for (uint32_t r = 1; r <= BUFRACE_ROUNDS; r++) {
		wait_for(&round_no, r);
		if (vcpu == 1) {
			wait_for(&copying, r);
			spin(SPIN); /* vCPU 0 is inside its copy: the lock is taken */
			__atomic_store_n(&donating, r, __ATOMIC_RELEASE);
			donate_result = guest_hc(FIEF_HC_MEM_DONATE, guest_id, page_pa,
						 PAGES_GPA + (r - 1) * FIEF_PAGE_SIZE, FIEF_PAGE_SIZE, 0);
		} else if (vcpu == 2) {
			wait_for(&donating, r);
			spin(SPIN); /* vCPU 1 is queued for the lock */
			info_result = guest_hc(FIEF_HC_VM_INFO, FIEF_VM_HOST, page_pa,
					       sizeof(struct fief_vm_info), 0, 0);
		}
		__atomic_store_n(&done[vcpu], r, __ATOMIC_RELEASE);
	}
	guest_halt();
}

static bool zero(const volatile uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t donor = guest_find_donor(mem_size, 0x200000, 0);
	uint64_t pages = guest_find_donor(mem_size, 0x200000, 1);
	static uint8_t out[4096];
	unsigned before = 0, refused = 0, wrong = 0;
	int64_t id;

	(void)vcpu;
	/* The guest runs the payload and is paused: copy-in and copy-out both
	 * take a paused VM, and it is the state a manager inspects. */
	id = guest_hc(FIEF_HC_VM_CREATE, GUEST_SPACE, 1, FIEF_VM_F_INSPECTABLE, 0, 0);
	if (!donor || !pages || id <= 0 ||
	    guest_hc(FIEF_HC_MEM_DONATE, id, donor, 0, 0x200000, 0) != 0 ||
	    guest_hc(FIEF_HC_MEM_COPY_IN, id, PAYLOAD_GPA, guest_gpa(guest_payload.code),
		     guest_payload.size, 0) != 0 ||
	    guest_hc(FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0) != 0 ||
	    guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0) != 0) {
		guest_printf("bufrace: FAIL setting up a guest (id %ld)\n", (long)id);
		return 1;
	}
	guest_payload_regs(&regs, PAYLOAD_GPA);
	if (guest_hc(FIEF_HC_VCPU_SET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0) != 0 ||
	    guest_hc(FIEF_HC_VM_START, id, 0, 0, 0, 0) != 0 ||
	    guest_hc(FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0) != 0) {
		guest_printf("bufrace: FAIL starting and pausing the guest\n");
		return 1;
	}
	guest_id = (uint64_t)id;
	for (uint32_t r = 1; r <= BUFRACE_ROUNDS; r++) {
		uint64_t owned = guest_host_owned();
		volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(pages + (r - 1) * FIEF_PAGE_SIZE);
		int64_t copy;

		for (uint32_t i = 0; i < FIEF_PAGE_SIZE; i++)
			p[i] = 0;
		page_pa = (uint64_t)(uintptr_t)p;
		__atomic_store_n(&round_no, r, __ATOMIC_RELEASE);
		__atomic_store_n(&copying, r, __ATOMIC_RELEASE);
		copy = guest_hc(FIEF_HC_MEM_COPY_IN, id, 0, guest_gpa(source), COPY_SIZE, 0);
		wait_for(&done[1], r);
		wait_for(&done[2], r);
		if (copy != 0 || donate_result != 0) {
			guest_printf("bufrace: FAIL round %u: copy %ld, donate %ld\n", r, (long)copy,
				     (long)donate_result);
			return 2;
		}
		/* What the guest now has at P's place. */
		copy = guest_hc(FIEF_HC_MEM_COPY_OUT, id, guest_gpa(out),
				PAGES_GPA + (r - 1) * FIEF_PAGE_SIZE, FIEF_PAGE_SIZE, 0);
		if (copy != 0) {
			guest_printf("bufrace: FAIL round %u: copy-out %ld\n", r, (long)copy);
			return 3;
		}
		memcpy(&check, out, sizeof(check));
		if (info_result == FIEF_E_FAULT && zero(out, sizeof(out)))
			refused++;
		else if (info_result == 0 && check.memory_owned == owned)
			before++;
		else if (wrong++ == 0)
			guest_printf("bufrace: round %u: VM_INFO returned %ld, the guest's page says "
				     "the host owned %lu (%lu before the donation)\n", r,
				     (long)info_result, (unsigned long)check.memory_owned,
				     (unsigned long)owned);
	}
	guest_printf("bufrace: %d rounds: %u calls wrote their page before it was donated, %u were "
		     "refused after (FIEF_E_FAULT), %u wrote a page the host had given away\n",
		     BUFRACE_ROUNDS, before, refused, wrong);
	if (guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0) != 0)
		return 4;
	return wrong ? 5 : 0;
}
