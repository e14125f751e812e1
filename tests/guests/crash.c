/* SPDX-License-Identifier: MIT */
/*
 * crash: runs as the host VM and builds a guest that crashes, then reads
 * why and where it stopped (FIEF_HC_VM_INFO).
 *
 * The guest's code is one undefined instruction with no handler for it:
 *   x86_64  UD2 with fief's boot IDT (limit 0): #UD, #DF, triple fault;
 *           stop_addr = the RIP of the UD2.
 *   arm64   UDF #0 (all zero bits, like the rest of its zeroed RAM), so
 *           its vectors at VBAR_EL1 = 0 fault again and again: fief's
 *           exception-loop check shuts it down; stop_addr = a PC in the
 *           vectors (0x200: current EL with SP_ELx, synchronous).
 * Expected: "crash: vm 1 on cpu C: stop reason 3 (FIEF_STOP_SHUTDOWN),
 * vCPU 0, at ADDR", then the guest is destroyed and the host owns what it
 * owned before; self-stop 0. Otherwise the failed check's line.
 */
#include "guest.h"
#include "manage.h"
#include "payload.h"

#define GUEST_MEM 0x200000ull
#define CODE_GPA 0x100000ull
#define POLLS 20000000L

#if defined(__x86_64__)
static const uint8_t code[4] = { 0x0f, 0x0b, 0x90, 0x90 }; /* ud2; nop; nop */
#define CRASH_AT(a) ((a) == CODE_GPA)
#else
static const uint8_t code[4] = { 0, 0, 0, 0 }; /* udf #0 */
#define CRASH_AT(a) ((a) < 0x800) /* inside the vectors of VBAR_EL1 = 0 */
#endif

static union guest_vcpu_regs regs;
static struct fief_vm_info info;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			guest_printf("crash: FAIL line %d: %s\n", __LINE__, #cond); \
			return __LINE__;                                             \
		}                                                                    \
	} while (0)

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t donor = guest_find_donor(mem_size, GUEST_MEM, 0), before = guest_host_owned();
	uint64_t pcpu = 1;
	int64_t id = guest_hc(FIEF_HC_VM_CREATE, GUEST_MEM, 1, FIEF_VM_F_INSPECTABLE, 0, 0), r;
	long i;

	(void)vcpu;
	CHECK(donor != 0 && id > 0);
	CHECK(guest_hc(FIEF_HC_MEM_DONATE, id, donor, 0, GUEST_MEM, 0) == 0);
	CHECK(guest_hc(FIEF_HC_MEM_COPY_IN, id, CODE_GPA, guest_gpa(code), sizeof(code), 0) == 0);
	r = guest_hc(FIEF_HC_VCPU_CREATE, id, 0, pcpu, 0, 0);
	if (r == FIEF_E_INVAL) { /* one CPU only */
		pcpu = 0;
		r = guest_hc(FIEF_HC_VCPU_CREATE, id, 0, pcpu, 0, 0);
	}
	CHECK(r == 0);
	CHECK(guest_hc(FIEF_HC_VCPU_GET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0) == 0);
	guest_payload_regs(&regs, CODE_GPA);
	CHECK(guest_hc(FIEF_HC_VCPU_SET_REGS, id, 0, guest_gpa(&regs), sizeof(regs), 0) == 0);
	CHECK(guest_hc(FIEF_HC_VM_START, id, 0, 0, 0, 0) == 0);
	guest_preempt_on(); /* the guest may share CPU 0 with this loop */
	for (i = 0; i < POLLS; i++) {
		r = guest_hc(FIEF_HC_VM_INFO, id, guest_gpa(&info), sizeof(info), 0, 0);
		if (r != 0 || info.state == FIEF_VM_STATE_STOPPED)
			break;
		guest_relax();
	}
	guest_preempt_off();
	CHECK(r == 0 && info.state == FIEF_VM_STATE_STOPPED);
	guest_printf("crash: vm %ld on cpu %lu: stop reason %u (%s), vCPU %u, at 0x%lx\n", (long)id,
		     (unsigned long)pcpu, info.stop_reason,
		     info.stop_reason == FIEF_STOP_SHUTDOWN ? "FIEF_STOP_SHUTDOWN" : "not a shutdown",
		     info.stop_vcpu, (unsigned long)info.stop_addr);
	CHECK(info.stop_reason == FIEF_STOP_SHUTDOWN);
	CHECK(info.stop_vcpu == 0);
	CHECK(CRASH_AT(info.stop_addr));
	CHECK(guest_hc(FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0) == 0);
	CHECK(guest_host_owned() == before);
	guest_printf("crash: destroyed, host memory the same\n");
	return 0;
}
