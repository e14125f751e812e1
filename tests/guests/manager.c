/* SPDX-License-Identifier: MIT */
/*
 * manager: runs as the host VM (role = host, manage = yes) and drives the
 * management calls (docs/abi.md).
 *
 *  1. 100 rounds: create a VM (2 MiB, inspectable), donate it 2 MiB of the
 *     host's RAM, copy in an embedded payload (lib/payload.h: machine code
 *     of this arch), create its vCPU (on CPU 1 in odd rounds if there is
 *     one, else CPU 0), point its PC at the payload, start it, read its
 *     console until the payload's line arrives, pause it, read its
 *     registers (PC in the payload's loop, the loop's register counting),
 *     copy the payload back out, destroy it. Before and after: the bytes of
 *     memory the host owns (VM_INFO of VM 0) must be equal, and the donated
 *     RAM must read as zeros (scrubbed).
 *  2. A sweep of bad arguments of every kind: each call must fail with the
 *     documented error, and nothing may change (the VM's info, the host's
 *     memory, the VM list).
 *  3. A host page shared with a guest running on CPU 1 is unshared: the
 *     guest's stores must end when the call returns (unshare_running()).
 *
 * Reports 0 (pass) through FIEF_HC_SELF_STOP; on a failure, the number of
 * the failed check. The same source builds for x86_64 and arm64: the
 * host's span starts at 0 on x86 and at the first RAM on arm64, which the
 * address of the boot information page tells.
 */
#include <stdbool.h>

#include "fief_boot.h"
#include "guest.h"
#include "manage.h"
#include "payload.h"

#define ROUNDS 100
#define GUEST_MEM 0x200000ull
#define PAYLOAD_GPA 0x100000ull
#define POLLS 2000000

#define SCRATCH 256 /* bytes: more than any arch's payload */

static const char payload_line[] = GUEST_PAYLOAD_LINE;

static union guest_vcpu_regs regs;
/* A page of the host's that step 3 lends to a running guest. */
static volatile uint64_t lent[FIEF_PAGE_SIZE / 8] __attribute__((aligned(FIEF_PAGE_SIZE)));
static struct fief_vm_info info;
static char console[64];
static uint8_t scratch[SCRATCH];
static uint32_t ids[FIEF_MAX_VMS];
static int checks;

static const struct fief_boot_info *boot_info(void)
{
	return (const void *)(uintptr_t)guest_boot_info_gpa;
}

/* A page of fief's own memory, if the map shows one (for FAULT checks). */
static uint64_t find_type(uint32_t type)
{
	const struct fief_boot_info *bi = boot_info();

	for (uint32_t i = 0; i < bi->region_count && i < FIEF_BOOT_REGIONS_MAX; i++)
		if (bi->region[i].type == type && bi->region[i].size >= 0x2000)
			return (bi->region[i].base + 0xfff) & ~0xfffull;
	return 0;
}

#define EXPECT(call, want)                                                             \
	do {                                                                           \
		int64_t r_ = (int64_t)(call);                                          \
		checks++;                                                              \
		if (r_ != (int64_t)(want)) {                                           \
			guest_printf("manager: FAIL check %d (line %d): %s returned %ld, " \
				     "expected %ld\n", checks, __LINE__, #call, (long)r_,  \
				     (long)(want));                                    \
			return checks;                                                 \
		}                                                                      \
	} while (0)

/*
 * Wait until the VM's console holds the payload's line. A VM on this CPU
 * runs only when fief preempts the manager, so the manager polls
 * preemptible (guest_preempt_on(): on x86 with IF set); wait_console()
 * ends that again.
 */
static int poll_console(uint32_t id)
{
	guest_preempt_on();
	for (long i = 0; i < POLLS; i++) {
		int64_t n = guest_hc(FIEF_HC_CONSOLE_READ, id, guest_gpa(console), sizeof(console) - 1, 0, 0);

		if (n >= (int64_t)(sizeof(payload_line) - 1)) {
			console[n] = '\0';
			return guest_same(console, payload_line, sizeof(payload_line) - 1) ? 0 : -1;
		}
		if (n < 0)
			return -1;
		guest_relax();
	}
	return -1;
}

static int wait_console(uint32_t id)
{
	int ret = poll_console(id);

	guest_preempt_off();
	return ret;
}

/* Odd rounds try CPU 1 (INVAL if it is not online: then CPU 0). */
static int64_t create_vcpu(int64_t id, int round, uint64_t *pcpu)
{
	int64_t r = FIEF_E_INVAL;

	*pcpu = 1;
	if (round & 1)
		r = guest_hc(FIEF_HC_VCPU_CREATE, id, 0, 1, 0, 0);
	if (r == FIEF_E_INVAL) {
		*pcpu = 0;
		r = guest_hc(FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0);
	}
	return r;
}

static int one_round(int round, uint64_t donor)
{
	const struct guest_payload *p = &guest_payload;
	uint64_t pcpu, pc;
	int64_t id = guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM, 1, FIEF_VM_F_INSPECTABLE, 0, 0);

	checks++;
	if (id <= 0) {
		guest_printf("manager: FAIL round %d: create returned %ld\n", round, (long)id);
		return checks;
	}
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, donor, 0, GUEST_MEM, 0), 0);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_IN, id, PAYLOAD_GPA, guest_gpa(p->code), p->size, 0), 0);
	EXPECT(create_vcpu(id, round, &pcpu), 0);
	EXPECT(guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0), 0);
	guest_payload_regs(&regs, PAYLOAD_GPA);
	EXPECT(guest_hc(FIEF_HC_VCPU_SET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0), 0);
	EXPECT(guest_hc(FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	checks++;
	if (wait_console((uint32_t)id) != 0) {
		guest_printf("manager: FAIL round %d: no payload line on its console\n", round);
		return checks;
	}
	EXPECT(guest_hc(FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	EXPECT(guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0), 0);
	pc = guest_payload_pc(&regs);
	checks++;
	if (pc < PAYLOAD_GPA + p->loop || pc > PAYLOAD_GPA + p->loop + p->loop_last) {
		guest_printf("manager: FAIL round %d: paused at %s 0x%lx\n", round, p->pc_name,
			     (unsigned long)pc);
		return checks;
	}
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_OUT, id, guest_gpa(scratch), PAYLOAD_GPA, p->size, 0), 0);
	EXPECT(guest_same(scratch, p->code, p->size), true);
	if (round == 1 || round == ROUNDS)
		guest_printf("manager: round %d: vm %ld on cpu %lu said \"payload up\", paused at "
			     "%s 0x%lx with %s %lu\n", round, (long)id, (unsigned long)pcpu,
			     p->pc_name, (unsigned long)pc, p->count_name,
			     (unsigned long)guest_payload_count(&regs));
	EXPECT(guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	return 0;
}

/*
 * Step 3: a page taken back from a guest that runs on another CPU. The
 * writer stores its count to a host page shared at LENT_GPA; once the host
 * sees it count, it unshares the page. From the moment the call returns the
 * guest must not reach the page (fief makes the other CPU leave guest mode
 * and flush before the call returns): the page keeps its last value, and
 * the guest's next store stops it with a memory violation.
 */
#define LENT_GPA GUEST_MEM
static int unshare_running(uint64_t donor)
{
	const struct guest_payload *p = &guest_writer;
	uint64_t before = guest_host_owned(), last;
	int64_t id = guest_hc(FIEF_HC_VM_CREATE, 2 * GUEST_MEM, 1, 0, 0, 0);
	long i;

	checks++;
	if (id <= 0) {
		guest_printf("manager: FAIL unshare: create returned %ld\n", (long)id);
		return checks;
	}
	lent[0] = 0;
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, donor, 0, GUEST_MEM, 0), 0);
	EXPECT(guest_hc(FIEF_HC_MEM_SHARE, id, (uint64_t)(uintptr_t)lent, LENT_GPA, FIEF_PAGE_SIZE,
		  FIEF_SHARE_ALL), 0);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_IN, id, PAYLOAD_GPA, guest_gpa(p->code), p->size, 0), 0);
	EXPECT(guest_hc(FIEF_HC_VCPU_CREATE, id, 0, 1, 0, 0), 0); /* CPU 1: not this one */
	EXPECT(guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0), 0);
	guest_writer_regs(&regs, PAYLOAD_GPA, LENT_GPA);
	EXPECT(guest_hc(FIEF_HC_VCPU_SET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0), 0);
	EXPECT(guest_hc(FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	for (i = 0; i < POLLS && lent[0] < 1000; i++)
		guest_relax();
	checks++;
	if (lent[0] < 1000) {
		guest_printf("manager: FAIL unshare: the guest never wrote the lent page\n");
		return checks;
	}
	EXPECT(guest_hc(FIEF_HC_MEM_UNSHARE, id, LENT_GPA, FIEF_PAGE_SIZE, 0, 0), 0);
	last = lent[0];
	for (i = 0; i < POLLS / 10; i++)
		guest_relax();
	checks++;
	if (lent[0] != last) {
		guest_printf("manager: FAIL unshare: the guest still wrote the page after it was "
			     "taken back (%lu, then %lu)\n", (unsigned long)last,
			     (unsigned long)lent[0]);
		return checks;
	}
	for (i = 0; i < POLLS; i++) {
		EXPECT(guest_hc(FIEF_HC_VM_INFO, id, guest_gpa(&info), sizeof(info), 0, 0), 0);
		if (info.state == FIEF_VM_STATE_STOPPED)
			break;
		guest_relax();
	}
	EXPECT(info.state, FIEF_VM_STATE_STOPPED);
	EXPECT(info.stop_reason, FIEF_STOP_MEMORY);
	EXPECT(info.stop_addr, LENT_GPA);
	EXPECT(info.stop_vcpu, 0);
	EXPECT(guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	EXPECT(guest_host_owned(), before);
	guest_printf("manager: took a page back from a guest running on cpu 1: its stores "
		     "ended there (count %lu), the next one stopped it\n", (unsigned long)last);
	return 0;
}

/* Step 1. */
static int rounds(uint64_t donor)
{
	uint64_t before = guest_host_owned(), after;
	const volatile uint64_t *mem = (const volatile uint64_t *)(uintptr_t)donor;
	int err;

	for (int round = 1; round <= ROUNDS; round++)
		if ((err = one_round(round, donor)) != 0)
			return err;
	after = guest_host_owned();
	for (uint64_t i = 0; i < GUEST_MEM / 8; i++)
		if (mem[i] != 0) {
			guest_printf("manager: FAIL donated RAM not scrubbed at 0x%lx\n",
				     (unsigned long)(donor + i * 8));
			return 1;
		}
	guest_printf("manager: %d rounds, host owns %lu KiB before and %lu KiB after\n", ROUNDS,
		     (unsigned long)(before >> 10), (unsigned long)(after >> 10));
	if (before == 0 || before != after) {
		guest_printf("manager: FAIL host memory changed\n");
		return 1;
	}
	guest_printf("manager: %d rounds done, memory the same, donated RAM scrubbed\n", ROUNDS);
	return 0;
}

/* Step 2, on a fresh VM @id that must come out of it unchanged. */
static int sweep_vm(int64_t id, uint64_t donor, uint64_t hyp)
{
	const uint64_t P = FIEF_PAGE_SIZE, R = sizeof(regs), code = guest_gpa(guest_payload.code);

	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, donor + 1, 0, P, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, donor, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, donor, P, ~0ull - P + 1, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, donor, GUEST_MEM, P, 0), FIEF_E_RANGE);
	if (hyp)
		EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, hyp, 0, P, 0), FIEF_E_DENIED);
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, id, 0x100000000000ull, 0, P, 0), FIEF_E_DENIED);
	EXPECT(guest_hc(FIEF_HC_MEM_SHARE, id, donor, 0, P, FIEF_SHARE_READ), FIEF_E_NOTSUP);
	EXPECT(guest_hc(FIEF_HC_MEM_SHARE, id, donor, 0, P, FIEF_SHARE_WRITE), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_SHARE, id, donor, 0, P, 1u << 7), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_UNSHARE, id, 0, P, 0, 0), FIEF_E_DENIED);
	EXPECT(guest_hc(FIEF_HC_MEM_RECLAIM, id, 0, P, 0, 0), FIEF_E_NOTSUP);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_IN, id, 0x1000, code, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_IN, id, 0x1000, code, 16, 0), FIEF_E_RANGE);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_IN, id, GUEST_MEM - 8, code, 16, 0), FIEF_E_RANGE);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_OUT, id, guest_gpa(scratch), 0x1000, 16, 0), FIEF_E_PERM);
	EXPECT(guest_hc(FIEF_HC_VM_START, id, 0, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), FIEF_E_STATE);
	EXPECT(guest_hc(FIEF_HC_VM_RESUME, id, 0, 0, 0, 0), FIEF_E_STATE);
	EXPECT(guest_hc(FIEF_HC_VCPU_CREATE, id, 1, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VCPU_CREATE, id, 0, 64, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), R, 0), FIEF_E_NOENT);
	EXPECT(guest_hc(FIEF_HC_VCPU_SET_REGS, id, 0, guest_gpa(&regs), R, 0), FIEF_E_NOENT);
	EXPECT(guest_hc(FIEF_HC_CONSOLE_READ, id, guest_gpa(console), 8, 1, 0), FIEF_E_RANGE);
	if (hyp) {
		EXPECT(guest_hc(FIEF_HC_VM_INFO, id, hyp, sizeof(info), 0, 0), FIEF_E_FAULT);
		EXPECT(guest_hc(FIEF_HC_CONSOLE_READ, id, hyp, 8, 0, 0), FIEF_E_FAULT);
	}
	EXPECT(guest_hc(FIEF_HC_VM_INFO, id, guest_gpa(&info), sizeof(info) - 1, 0, 0), FIEF_E_INVAL);
	/* Nothing changed: still CREATED, no memory, no vCPU. */
	EXPECT(guest_hc(FIEF_HC_VM_INFO, id, guest_gpa(&info), sizeof(info), 0, 0), 0);
	EXPECT(info.state, FIEF_VM_STATE_CREATED);
	EXPECT(info.memory_owned + info.memory_borrowed + info.vcpu_count, 0);
	return 0;
}

/* Step 2: ids, sizes, flags, ranges, buffers, states. */
static int sweep(uint64_t donor)
{
	uint64_t hyp = find_type(FIEF_MEM_HYP), before = guest_host_owned();
	int64_t count = guest_hc(FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), id;
	int first = checks, err;

	EXPECT(guest_hc(FIEF_HC_VM_CREATE, 0, 1, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM + 1, 1, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM, 0, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM, FIEF_MAX_VCPUS + 1, 0, 0, 0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM, 1, 1u << 5, 0, 0), FIEF_E_INVAL);
	for (uint64_t nr = FIEF_HC_VM_DESTROY; nr <= FIEF_HC_VM_RESUME; nr++) {
		EXPECT(guest_hc(nr, FIEF_MAX_VMS, 0, 0, 0, 0), FIEF_E_NOENT);
		EXPECT(guest_hc(nr, ~0ull, 0, 0, 0, 0), FIEF_E_NOENT);
		EXPECT(guest_hc(nr, FIEF_VM_HOST, 0, 0, 0, 0), FIEF_E_INVAL); /* itself */
	}
	EXPECT(guest_hc(FIEF_HC_VM_INFO, 99, guest_gpa(&info), sizeof(info), 0, 0), FIEF_E_NOENT);
	if (hyp)
		EXPECT(guest_hc(FIEF_HC_VM_LIST, hyp, 4, 0, 0, 0), FIEF_E_FAULT);
	EXPECT(guest_hc(FIEF_HC_VM_LIST, guest_gpa(ids), FIEF_MAX_VMS, 0, 0, 0), count);
	EXPECT(guest_hc(FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), count);
	EXPECT(guest_hc(FIEF_HC_MEM_DONATE, FIEF_VM_HOST, donor, 0, FIEF_PAGE_SIZE, 0), FIEF_E_INVAL);
	/* Itself as the target of the inspection calls. */
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_OUT, FIEF_VM_HOST, guest_gpa(scratch), guest_gpa(ids), 16,
			0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_MEM_COPY_IN, FIEF_VM_HOST, guest_gpa(ids), guest_gpa(scratch), 16,
			0), FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VCPU_GET_REGS, FIEF_VM_HOST, 0, guest_gpa(&regs), sizeof(regs), 0),
	       FIEF_E_INVAL);
	EXPECT(guest_hc(FIEF_HC_VCPU_SET_REGS, FIEF_VM_HOST, 0, guest_gpa(&regs), sizeof(regs), 0),
	       FIEF_E_INVAL);
	EXPECT(guest_hc(0x17, 0, 0, 0, 0, 0), FIEF_E_NOSYS);
	EXPECT(guest_hc(FIEF_HC_COUNT, 0, 0, 0, 0, 0), FIEF_E_NOSYS);
	id = guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM, 1, 0, 0, 0);
	checks++;
	if (id <= 0) {
		guest_printf("manager: FAIL sweep: create returned %ld\n", (long)id);
		return checks;
	}
	if ((err = sweep_vm(id, donor, hyp)) != 0)
		return err;
	EXPECT(guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	EXPECT(guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), FIEF_E_NOENT);
	EXPECT(guest_hc(FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), count);
	EXPECT(guest_host_owned(), before);
	guest_printf("manager: bad-argument sweep: %d checks, every error as documented, nothing "
		     "changed\n", checks - first);
	return 0;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	int64_t caps = guest_caps();
	uint64_t donor = guest_find_donor(mem_size, GUEST_MEM, 0);
	int err;

	(void)vcpu;
	if (guest_payload.size > sizeof(scratch)) {
		guest_printf("manager: FAIL a payload of %u bytes\n", guest_payload.size);
		return 1;
	}
	guest_printf("manager: caps 0x%lx, %lu KiB, donor RAM at 0x%lx\n", (unsigned long)caps,
		     (unsigned long)(mem_size >> 10), (unsigned long)donor);
	if (caps < 0 || !(caps & FIEF_CAP_MANAGE) || !donor) {
		guest_printf("manager: FAIL needs the manage capability and 2 MiB of RAM\n");
		return 1;
	}
	if ((err = rounds(donor)) != 0)
		return err;
	if ((err = sweep(donor)) != 0)
		return err;
	if ((err = unshare_running(donor)) != 0)
		return err;
	guest_printf("manager: PASS\n");
	return 0;
}
