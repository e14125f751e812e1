/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC of one vCPU: the register model (docs/events.md,
 * x86). Pure C without assembly or backend state, so the host unit tests
 * compile it on the fake arch (tests/unit/test_vlapic.c).
 *
 * Who touches what:
 *  - irr[], nmi, init, sipi and pending: any CPU, with atomics (an IPI, a
 *    line, the timer). Whoever makes something pending sets `pending` after
 *    it (sequentially consistent) and then wakes the vCPU (vcpu_wake()).
 *  - id, ldr, dfr, svr, tpr, mode: written by the vCPU's own CPU with
 *    atomic stores, read by senders looking for destinations.
 *  - everything else: the vCPU's own CPU only.
 *
 * The timer counts the TSC: one tick of the APIC's input clock is one TSC
 * cycle, before the divide configuration. Deadlines are TSC values (0:
 * none), as vcpu->wake_at wants them.
 */
#ifndef FIEF_ARCH_X86_VLAPIC_H
#define FIEF_ARCH_X86_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
#define VLAPIC_ID 0x20
#define VLAPIC_VERSION 0x30
#define VLAPIC_TPR 0x80
#define VLAPIC_APR 0x90
#define VLAPIC_PPR 0xa0
#define VLAPIC_EOI 0xb0
#define VLAPIC_LDR 0xd0
#define VLAPIC_DFR 0xe0
#define VLAPIC_SVR 0xf0
#define VLAPIC_ISR 0x100 /* 8 registers, 0x10 apart */
#define VLAPIC_TMR 0x180
#define VLAPIC_IRR 0x200
#define VLAPIC_ESR 0x280
#define VLAPIC_LVT_CMCI 0x2f0
#define VLAPIC_ICR_LO 0x300
#define VLAPIC_ICR_HI 0x310
#define VLAPIC_LVT_TIMER 0x320
#define VLAPIC_LVT_THERMAL 0x330
#define VLAPIC_LVT_PERF 0x340
#define VLAPIC_LVT_LINT0 0x350
#define VLAPIC_LVT_LINT1 0x360
#define VLAPIC_LVT_ERROR 0x370
#define VLAPIC_TIMER_INIT 0x380
#define VLAPIC_TIMER_CUR 0x390
#define VLAPIC_TIMER_DIV 0x3e0
#define VLAPIC_SELF_IPI 0x3f0 /* x2APIC only */

#define VLAPIC_MSR_BASE 0x800u
#define VLAPIC_MSR_APIC_BASE 0x1bu
#define VLAPIC_MSR_TSC_DEADLINE 0x6e0u

/* IA32_APIC_BASE */
#define VLAPIC_BASE_BSP (1ull << 8)
#define VLAPIC_BASE_EXTD (1ull << 10)
#define VLAPIC_BASE_ENABLE (1ull << 11)
#define VLAPIC_BASE_DEFAULT 0xfee00000ull

/* LVT and ICR bits */
#define VLAPIC_LVT_MASKED (1u << 16)
#define VLAPIC_TIMER_ONESHOT 0u
#define VLAPIC_TIMER_PERIODIC 1u
#define VLAPIC_TIMER_TSC_DEADLINE 2u
#define VLAPIC_SVR_ENABLE (1u << 8)
#define VLAPIC_ICR_LOGICAL (1u << 11)
#define VLAPIC_ICR_LEVEL_ASSERT (1u << 14)
#define VLAPIC_ICR_TRIGGER_LEVEL (1u << 15)

/* ESR bits */
#define VLAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define VLAPIC_ESR_ILLEGAL_REG (1u << 7)

enum vlapic_mode {
	VLAPIC_MODE_DISABLED = 0, /* IA32_APIC_BASE.EN clear */
	VLAPIC_MODE_XAPIC = 1,
	VLAPIC_MODE_X2APIC = 2,
};

enum vlapic_delivery {
	VLAPIC_DM_FIXED = 0,
	VLAPIC_DM_LOWEST = 1,
	VLAPIC_DM_SMI = 2,
	VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5,
	VLAPIC_DM_STARTUP = 6,
	VLAPIC_DM_EXTINT = 7,
};

enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL = 2,
	VLAPIC_SH_OTHERS = 3,
};

#define VLAPIC_LVT_COUNT 7 /* timer, thermal, perf, LINT0, LINT1, error, CMCI */

struct vlapic {
	/* Any CPU, atomics. */
	uint32_t pending;     /* non-zero: the next guest entry must look (x86_event_entry) */
	uint32_t irr[8];
	uint32_t nmi;         /* NMIs waiting (0 or 1: NMIs do not queue further) */
	uint32_t init;        /* an INIT arrived */
	uint32_t sipi;        /* 0x100 | vector of the last STARTUP, 0: none */
	uint32_t esr_next;    /* errors since the last ESR write */
	uint32_t tmr_in[8];   /* the trigger mode each requested vector arrived
			       * with (1: level), moved into TMR when it is taken */
	/* Own CPU writes (atomic stores), any CPU reads (destination search). */
	uint32_t id;          /* the APIC ID: the vCPU's index */
	uint32_t ldr, dfr, svr, tpr;
	uint32_t mode;        /* enum vlapic_mode */
	/* Own CPU only. */
	uint32_t isr[8], tmr[8];
	uint64_t base;        /* IA32_APIC_BASE as the guest sees it */
	uint32_t esr;
	uint32_t icr_hi;
	uint32_t icr_lo;
	uint32_t lvt[VLAPIC_LVT_COUNT];
	uint32_t timer_init, timer_div; /* initial count, divide configuration */
	uint64_t timer_deadline;        /* TSC value of the next expiry, 0: none */
	uint64_t timer_period;          /* periodic: TSC cycles between expiries */
	uint64_t tsc_deadline;          /* IA32_TSC_DEADLINE as written */
};

/* An IPI a register write asks for (the caller finds the targets). */
struct vlapic_ipi {
	uint32_t dest;      /* destination field (x2APIC: 32 bits; xAPIC: 8) */
	uint8_t vector;
	uint8_t delivery;   /* enum vlapic_delivery */
	uint8_t shorthand;  /* enum vlapic_shorthand */
	bool logical;
	bool level_deassert; /* INIT level de-assert: does nothing */
};

/* What a register write needs from its caller. */
enum vlapic_result {
	VLAPIC_OK = 0,
	VLAPIC_GP = 1,        /* x2APIC: the write/read raises #GP */
	VLAPIC_IPI = 2,       /* *ipi holds an IPI to send */
	VLAPIC_TIMER = 3,     /* the timer's deadline changed */
	VLAPIC_EOI_LEVEL = 4, /* the EOI ended a level-triggered vector, in
			       * ipi->vector: broadcast it to the I/O APIC */
};

/** vlapic_reset() - power-on state for APIC @id; @bsp sets the BSP flag. */
void vlapic_reset(struct vlapic *l, uint32_t id, bool bsp);

/** vlapic_sw_enabled() - enabled in IA32_APIC_BASE and SVR. */
bool vlapic_sw_enabled(const struct vlapic *l);

/** vlapic_ppr() - the processor priority (TPR or the highest in service). */
uint32_t vlapic_ppr(const struct vlapic *l);

/** vlapic_highest_irr() - the highest requested vector, -1 if none. */
int vlapic_highest_irr(const struct vlapic *l);

/**
 * vlapic_deliverable() - the vector the guest would take now if its IF
 * allowed: the highest requested above the priority class of PPR; -1.
 */
int vlapic_deliverable(const struct vlapic *l);

/** vlapic_ack() - the CPU takes @vector: IRR -> ISR. Own CPU. */
void vlapic_ack(struct vlapic *l, int vector);

/**
 * vlapic_accept() - a fixed interrupt @vector arrives (any CPU). An APIC
 * that is software-disabled drops it; a vector below 16 sets "receive
 * illegal vector" in ESR instead. Sets `pending` when it was accepted.
 * Return: true if IRR (or ESR) changed and the vCPU should be woken.
 */
bool vlapic_accept(struct vlapic *l, uint8_t vector);

/**
 * vlapic_accept_trig() - vlapic_accept() for an interrupt that arrives with
 * trigger mode @level (an I/O APIC pin's): once it is taken its TMR bit
 * says so, and its EOI is reported for broadcast (VLAPIC_EOI_LEVEL).
 */
bool vlapic_accept_trig(struct vlapic *l, uint8_t vector, bool level);

/** vlapic_accept_nmi/init/sipi() - the other delivery modes (any CPU). */
void vlapic_accept_nmi(struct vlapic *l);
void vlapic_accept_init(struct vlapic *l);
void vlapic_accept_sipi(struct vlapic *l, uint8_t vector);

/**
 * vlapic_match() - whether @l is a destination of @dest in physical or
 * @logical mode, as its mode defines them (x2APIC: cluster; xAPIC: flat
 * or cluster per DFR). Any CPU.
 */
bool vlapic_match(const struct vlapic *l, uint32_t dest, bool logical);

/**
 * vlapic_read() - read the register at xAPIC @offset. @x2apic: the access
 * came through an MSR (then a write-only or missing register is #GP).
 * Return: VLAPIC_OK or VLAPIC_GP.
 */
enum vlapic_result vlapic_read(struct vlapic *l, uint32_t offset, bool x2apic, uint64_t now,
			       uint64_t *val);

/**
 * vlapic_write() - write @val to the register at xAPIC @offset (@x2apic:
 * through an MSR, 64-bit ICR, reserved bits are #GP; xAPIC: reserved bits
 * are ignored as the hardware does). @now is the TSC. Return: VLAPIC_OK,
 * VLAPIC_GP, VLAPIC_IPI (*@ipi filled) or VLAPIC_TIMER (the deadline
 * changed: vcpu->wake_at must follow).
 */
enum vlapic_result vlapic_write(struct vlapic *l, uint32_t offset, bool x2apic, uint64_t val,
				uint64_t now, struct vlapic_ipi *ipi);

/**
 * vlapic_set_base() - a write of IA32_APIC_BASE, with the hardware's mode
 * rules (xAPIC <-> x2APIC only through disabled, EXTD without EN refused,
 * reserved bits refused). Return: VLAPIC_OK, VLAPIC_GP, or VLAPIC_TIMER if
 * the timer stopped.
 */
enum vlapic_result vlapic_set_base(struct vlapic *l, uint64_t val, uint64_t maxphyaddr_mask);

/** vlapic_tsc_deadline_write() - IA32_TSC_DEADLINE. Return: VLAPIC_OK / _TIMER. */
enum vlapic_result vlapic_tsc_deadline_write(struct vlapic *l, uint64_t val, uint64_t now);

/** vlapic_tsc_deadline_read() - 0 unless the timer is in TSC-deadline mode. */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *l);

/**
 * vlapic_timer_fire() - the TSC read @now: if the timer's deadline has
 * passed, raise its interrupt (unless masked) and arm the next period.
 * Return: true if it expired.
 */
bool vlapic_timer_fire(struct vlapic *l, uint64_t now);

/**
 * vlapic_eoi() - end of the highest interrupt in service. Return: its
 * vector, -1 if none; sets `pending` if something requested is above the
 * new priority. *@level tells whether it was level-triggered
 * (its TMR bit was set): the EOI must then reach the I/O APIC.
 */
int vlapic_eoi(struct vlapic *l, bool *level);

#endif
