/* SPDX-License-Identifier: MIT */
/*
 * The payload: a few instructions that a managing test guest (manager)
 * copies into a VM it builds with management calls. Run from its first
 * byte on a vCPU in fief's boot state, it writes GUEST_PAYLOAD_LINE on the
 * VM's serial port and then counts in one register forever. It is machine
 * code of the guest's own architecture (lib/<arch>/payload.c); so are the
 * helpers that point a vCPU at it and read where it was paused.
 */
#ifndef FIEF_GUEST_PAYLOAD_H
#define FIEF_GUEST_PAYLOAD_H

#include <stdint.h>

#include "fief_abi.h"

#define GUEST_PAYLOAD_LINE "payload up\n"

/* One vCPU's registers as FIEF_HC_VCPU_GET_REGS and SET_REGS move them:
 * the member of fief's architecture, which is the guest's. */
union guest_vcpu_regs {
	struct fief_regs_x86 x86;
	struct fief_regs_arm64 arm64;
};
_Static_assert(sizeof(union guest_vcpu_regs) == sizeof(struct fief_regs_x86),
	       "both register structs have one size");

struct guest_payload {
	const uint8_t *code;
	uint32_t size;          /* bytes of code */
	uint32_t loop;          /* offset of the counting loop */
	uint32_t loop_last;     /* offset of the loop's last instruction in it */
	const char *pc_name;    /* the program counter's name: "RIP", "PC" */
	const char *count_name; /* the counting register's name: "RBX", "X19" */
};

extern const struct guest_payload guest_payload;

/**
 * guest_payload_regs() - prepare @r, read from a new vCPU, to run the
 * payload loaded at guest-physical @gpa: the entry, the counter at 0.
 */
void guest_payload_regs(union guest_vcpu_regs *r, uint64_t gpa);

/** guest_payload_pc() - the program counter in @r. */
uint64_t guest_payload_pc(const union guest_vcpu_regs *r);

/** guest_payload_count() - the payload's counting register in @r. */
uint64_t guest_payload_count(const union guest_vcpu_regs *r);

/*
 * The writer: counts in the same register as the payload and stores each
 * count to the 8 bytes at a guest-physical address, forever (no output).
 */
extern const struct guest_payload guest_writer;

/**
 * guest_writer_regs() - prepare @r, read from a new vCPU, to run the writer
 * loaded at @gpa, storing to @target.
 */
void guest_writer_regs(union guest_vcpu_regs *r, uint64_t gpa, uint64_t target);

/*
 * The caller: a manager's loop of management calls. Each round it makes a
 * FIEF_HC_VM_LIST call into a buffer of its own memory, counts in the
 * payload's counting register and stores the count to the 8 bytes at a
 * guest-physical address (a page its host shares with it), forever.
 */
const struct guest_payload *guest_caller(void);

/**
 * guest_caller_regs() - prepare @r, read from a new vCPU, to run the caller
 * loaded at @gpa: VM_LIST into @buf (16 entries), the count stored to
 * @counter.
 */
void guest_caller_regs(union guest_vcpu_regs *r, uint64_t gpa, uint64_t buf, uint64_t counter);

#endif
