/* SPDX-License-Identifier: MIT */
/*
 * The virtual I/O APIC's register model (arch/x86/vioapic.h). A line's
 * level is taken as the pin's asserted state whatever the polarity bit says
 * (the polarity describes a physical wire; a fief line is already logical,
 * as in KVM and QEMU), so the bit is kept for the guest to read back only.
 */
#include "arch/x86/vioapic.h"

#define REG_ID 0x00u
#define REG_VER 0x01u
#define REG_ARB 0x02u
#define REG_RTE0 0x10u
#define OFF_IOREGSEL 0x00u
#define OFF_IOWIN 0x10u
#define VERSION (0x11u | ((VIOAPIC_PINS - 1) << 16)) /* 82093AA, 24 entries */

void vioapic_reset(struct vioapic *io)
{
	spin_lock(&io->lock);
	io->ioregsel = 0;
	io->id = 0;
	io->asserted = 0;
	for (uint32_t i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = VIOAPIC_RTE_MASK;
	spin_unlock(&io->lock);
}

static struct vioapic_msg msg_of(uint64_t rte, uint32_t pin)
{
	return (struct vioapic_msg){
		.vector = (uint8_t)(rte & VIOAPIC_RTE_VECTOR),
		.delivery = (uint8_t)((rte & VIOAPIC_RTE_DELMODE) >> 8),
		.dest = (uint8_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
		.logical = (rte & VIOAPIC_RTE_DESTMODE) != 0,
		.level = (rte & VIOAPIC_RTE_LEVEL) != 0,
		.pin = (uint8_t)pin,
	};
}

/* A level pin sends while asserted, unmasked and not in flight; it is in
 * flight (remote IRR) until the EOI of its vector comes back. Lock held. */
static uint32_t level_fire(struct vioapic *io, uint32_t pin, struct vioapic_msg *m)
{
	uint64_t *rte = &io->rte[pin];

	if (!(*rte & VIOAPIC_RTE_LEVEL) || (*rte & (VIOAPIC_RTE_MASK | VIOAPIC_RTE_REMOTE_IRR)) ||
	    !(io->asserted & (1u << pin)))
		return 0;
	*rte |= VIOAPIC_RTE_REMOTE_IRR;
	*m = msg_of(*rte, pin);
	return 1;
}

uint32_t vioapic_read(struct vioapic *io, uint64_t off)
{
	uint32_t val = 0, reg;

	spin_lock(&io->lock);
	if (off == OFF_IOREGSEL) {
		val = io->ioregsel;
	} else if (off == OFF_IOWIN) {
		reg = io->ioregsel;
		if (reg == REG_ID)
			val = io->id << 24;
		else if (reg == REG_VER)
			val = VERSION;
		else if (reg == REG_ARB)
			val = io->id << 24;
		else if (reg >= REG_RTE0 && reg < REG_RTE0 + 2 * VIOAPIC_PINS)
			val = (uint32_t)(io->rte[(reg - REG_RTE0) / 2] >> (reg & 1 ? 32 : 0));
	}
	spin_unlock(&io->lock);
	return val;
}

uint32_t vioapic_write(struct vioapic *io, uint64_t off, uint32_t val,
		       struct vioapic_msg msgs[VIOAPIC_MSGS_MAX])
{
	uint32_t n = 0, reg, pin;
	uint64_t old, upd;

	spin_lock(&io->lock);
	if (off == OFF_IOREGSEL) {
		io->ioregsel = val & 0xff;
	} else if (off == OFF_IOWIN) {
		reg = io->ioregsel;
		if (reg == REG_ID) {
			io->id = (val >> 24) & 0xf;
		} else if (reg >= REG_RTE0 && reg < REG_RTE0 + 2 * VIOAPIC_PINS) {
			pin = (reg - REG_RTE0) / 2;
			old = io->rte[pin];
			upd = reg & 1 ? (old & 0xffffffffull) | ((uint64_t)val << 32) :
					(old & ~0xffffffffull) | val;
			upd = (upd & VIOAPIC_RTE_WRITABLE) | (old & VIOAPIC_RTE_REMOTE_IRR);
			/* An edge pin has no remote IRR. */
			if (!(upd & VIOAPIC_RTE_LEVEL))
				upd &= ~VIOAPIC_RTE_REMOTE_IRR;
			io->rte[pin] = upd;
			/* Unmasking an asserted level pin sends it now. */
			n = level_fire(io, pin, &msgs[0]);
		}
		/* VER and ARB are read-only. */
	}
	spin_unlock(&io->lock);
	return n;
}

uint32_t vioapic_set_pin(struct vioapic *io, uint32_t pin, bool level,
			 struct vioapic_msg msgs[VIOAPIC_MSGS_MAX])
{
	uint32_t n = 0, bit;
	uint64_t rte;
	bool was;

	if (pin >= VIOAPIC_PINS)
		return 0;
	bit = 1u << pin;
	spin_lock(&io->lock);
	was = (io->asserted & bit) != 0;
	io->asserted = level ? io->asserted | bit : io->asserted & ~bit;
	rte = io->rte[pin];
	if (rte & VIOAPIC_RTE_LEVEL) {
		n = level ? level_fire(io, pin, &msgs[0]) : 0;
	} else if (level && !was && !(rte & VIOAPIC_RTE_MASK)) {
		msgs[0] = msg_of(rte, pin); /* an edge: a masked one is lost */
		n = 1;
	}
	spin_unlock(&io->lock);
	return n;
}

uint32_t vioapic_eoi(struct vioapic *io, uint8_t vector, struct vioapic_msg msgs[VIOAPIC_MSGS_MAX])
{
	uint32_t n = 0;

	spin_lock(&io->lock);
	for (uint32_t pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t *rte = &io->rte[pin];

		if ((*rte & VIOAPIC_RTE_VECTOR) != vector || !(*rte & VIOAPIC_RTE_REMOTE_IRR))
			continue;
		*rte &= ~VIOAPIC_RTE_REMOTE_IRR;
		n += level_fire(io, pin, &msgs[n]);
	}
	spin_unlock(&io->lock);
	return n;
}
