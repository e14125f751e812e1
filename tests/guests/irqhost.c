/* SPDX-License-Identifier: MIT */
/*
 * irqhost: runs as the host VM and drives the interrupt lines of the guest
 * named "target" (tests/guests/irqline.c) with FIEF_HC_IRQ_LINE.
 *
 * Edges: IRQHOST_EDGES times it raises and lowers line IRQHOST_EDGE_LINE,
 * and before the next edge waits until the target has shown it took the
 * interrupt (one byte more on its console, read through VM_INFO's
 * console_written): every edge must be counted, none merged. Level: it
 * raises line IRQHOST_LEVEL_LINE and keeps it high while the target counts
 * the deliveries its EOIs bring back, then lowers it once the target says
 * it is done. Meanwhile the call's argument checks: a line out of range,
 * a level other than 0/1, a VM that does not exist.
 */
#include "guest.h"
#include "manage.h"

#ifndef IRQ_ROUNDS
#define IRQ_ROUNDS 1000u
#endif
#define IRQHOST_EDGES IRQ_ROUNDS
#define IRQHOST_EDGE_LINE 5u
#define IRQHOST_LEVEL_LINE 6u
#define POLLS 50000000L

static struct fief_vm_info info;
static char text[4096];

static int64_t line(uint64_t vm, uint64_t l, uint64_t level)
{
	return guest_hc(FIEF_HC_IRQ_LINE, vm, l, level, 0, 0);
}

static bool named(uint32_t id, const char *name)
{
	const char *a = info.name;

	if (guest_hc(FIEF_HC_VM_INFO, id, guest_gpa(&info), sizeof(info), 0, 0) != 0)
		return false;
	while (*a && *a == *name)
		a++, name++;
	return *a == *name;
}

static uint64_t written(uint32_t id)
{
	if (guest_hc(FIEF_HC_VM_INFO, id, guest_gpa(&info), sizeof(info), 0, 0) != 0)
		return 0;
	return info.console_written;
}

/* Wait until the target's console holds @word (read from the start). */
static bool console_has(uint32_t id, const char *word)
{
	for (long i = 0; i < POLLS; i++) {
		int64_t n = guest_hc(FIEF_HC_CONSOLE_READ, id, guest_gpa(text), sizeof(text) - 1, 0, 0);

		if (n > 0) {
			text[n] = 0;
			for (int64_t k = 0; k < n; k++) {
				const char *a = text + k, *b = word;

				while (*b && *a == *b)
					a++, b++;
				if (!*b)
					return true;
			}
		}
		for (int d = 0; d < 1000; d++)
			guest_relax();
	}
	return false;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	uint32_t id = 0;
	uint64_t w0;
	unsigned edges = 0;

	(void)vcpu;
	(void)mem_size;
	for (uint32_t i = 1; i < FIEF_MAX_VMS && !id; i++)
		if (named(i, "target"))
			id = i;
	if (!id) {
		guest_printf("irqhost: FAIL no VM named target\n");
		return 1;
	}
	guest_printf("irqhost: target is VM %u\n", id);
	/* The checks of the call, before anything reaches the target. */
	if (line(id, 64, 1) != FIEF_E_RANGE || line(id, ~0ull, 1) != FIEF_E_RANGE ||
	    line(id, IRQHOST_EDGE_LINE, 2) != FIEF_E_INVAL || line(FIEF_MAX_VMS, 0, 1) != FIEF_E_NOENT ||
	    line(FIEF_MAX_VMS - 1, 0, 1) != FIEF_E_NOENT) {
		guest_printf("irqhost: FAIL a bad argument was not refused\n");
		return 1;
	}
	guest_printf("irqhost: bad line, level and VM refused\n");
	if (!console_has(id, "ready")) {
		guest_printf("irqhost: FAIL the target never got ready\n");
		return 1;
	}
	w0 = written(id);
	for (unsigned e = 1; e <= IRQHOST_EDGES; e++) {
		long p;

		if (line(id, IRQHOST_EDGE_LINE, 1) != 0 || line(id, IRQHOST_EDGE_LINE, 0) != 0) {
			guest_printf("irqhost: FAIL edge %u refused\n", e);
			return 1;
		}
		for (p = 0; p < POLLS && written(id) < w0 + e; p++)
			guest_relax();
		if (p == POLLS) {
			guest_printf("irqhost: FAIL edge %u not taken\n", e);
			return 1;
		}
		edges++;
	}
	guest_printf("irqhost: %u edges raised, each one taken\n", edges);
	if (line(id, IRQHOST_LEVEL_LINE, 1) != 0 || !console_has(id, "pin masked")) {
		guest_printf("irqhost: FAIL the level line was not served\n");
		return 1;
	}
	if (line(id, IRQHOST_LEVEL_LINE, 0) != 0)
		return 1;
	guest_printf("irqhost: level line lowered\n");
	return 0;
}
