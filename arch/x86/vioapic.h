/* SPDX-License-Identifier: MIT */
/*
 * A VM's virtual I/O APIC (82093AA, version 0x11): 24 pins, a redirection
 * table, edge and level triggering with remote IRR, reached through the
 * IOREGSEL/IOWIN window at 0xFEC00000 and the VM's interrupt lines
 * (core/irq.h). Pure C with no hardware access, so host unit tests run it
 * (tests/unit/test_vioapic.c). docs/events.md, "x86".
 *
 * The model only decides: every interrupt it sends is handed back as a
 * struct vioapic_msg, and its caller delivers it to the VM's virtual LAPICs
 * after the I/O APIC's lock is dropped, so that lock stays a leaf.
 */
#ifndef FIEF_ARCH_X86_VIOAPIC_H
#define FIEF_ARCH_X86_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_SIZE 0x1000ull
#define VIOAPIC_PINS 24u

/* Redirection-table entry fields (82093AA datasheet, 3.2.4). */
#define VIOAPIC_RTE_VECTOR 0xffull
#define VIOAPIC_RTE_DELMODE (7ull << 8)   /* 0 fixed, 1 lowest priority, 4 NMI, 5 INIT, 7 ExtINT */
#define VIOAPIC_RTE_DESTMODE (1ull << 11) /* 1: logical */
#define VIOAPIC_RTE_DELIVS (1ull << 12)   /* delivery status: read-only */
#define VIOAPIC_RTE_POLARITY (1ull << 13) /* 1: active low */
#define VIOAPIC_RTE_REMOTE_IRR (1ull << 14) /* read-only */
#define VIOAPIC_RTE_LEVEL (1ull << 15)    /* 1: level triggered */
#define VIOAPIC_RTE_MASK (1ull << 16)
#define VIOAPIC_RTE_DEST_SHIFT 56
/* The bits a guest may write; the rest read back as the model keeps them. */
#define VIOAPIC_RTE_WRITABLE (VIOAPIC_RTE_VECTOR | VIOAPIC_RTE_DELMODE | VIOAPIC_RTE_DESTMODE | \
			      VIOAPIC_RTE_POLARITY | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASK | \
			      (0xffull << VIOAPIC_RTE_DEST_SHIFT))

/** An interrupt message the I/O APIC sends to the local APICs. */
struct vioapic_msg {
	uint8_t vector;
	uint8_t delivery;  /* delivery mode, bits 10:8 of the entry */
	uint8_t dest;      /* destination APIC ID or logical set */
	bool logical;      /* destination mode */
	bool level;        /* level triggered: the LAPIC sets TMR, EOI comes back */
	uint8_t pin;
};

struct vioapic {
	struct spinlock lock; /* a leaf: docs/locking.md level 5 */
	uint32_t ioregsel;
	uint32_t id;          /* bits 27:24 of the ID register */
	uint32_t asserted;    /* pins whose input is asserted now (after polarity) */
	uint64_t rte[VIOAPIC_PINS];
};

/* Messages one call can produce at most: one per pin. */
#define VIOAPIC_MSGS_MAX VIOAPIC_PINS

/** vioapic_reset() - every pin masked, nothing asserted or in flight. */
void vioapic_reset(struct vioapic *io);

/**
 * vioapic_read() / vioapic_write() - a guest's 32-bit access at @off in
 * the 4 KiB window (IOREGSEL at 0x00, IOWIN at 0x10; everything else
 * reads 0 and ignores writes). A write may unmask a pin whose level is
 * asserted: the message it sends is put in @msgs.
 * Return: messages put in @msgs (write only).
 */
uint32_t vioapic_read(struct vioapic *io, uint64_t off);
uint32_t vioapic_write(struct vioapic *io, uint64_t off, uint32_t val,
		       struct vioapic_msg msgs[VIOAPIC_MSGS_MAX]);

/**
 * vioapic_set_pin() - the input of @pin (< VIOAPIC_PINS) goes to @level
 * (the line's level: 1 asserted for an active-high pin). An edge pin sends
 * on the rising edge; a level pin sends while asserted, unmasked and not
 * already in flight (remote IRR).
 * Return: messages put in @msgs (0 or 1).
 */
uint32_t vioapic_set_pin(struct vioapic *io, uint32_t pin, bool level,
			 struct vioapic_msg msgs[VIOAPIC_MSGS_MAX]);

/**
 * vioapic_eoi() - a local APIC's EOI of level-triggered @vector was
 * broadcast: clear remote IRR of the level pins with that vector, and send
 * again those still asserted and unmasked.
 * Return: messages put in @msgs.
 */
uint32_t vioapic_eoi(struct vioapic *io, uint8_t vector, struct vioapic_msg msgs[VIOAPIC_MSGS_MAX]);

#endif
