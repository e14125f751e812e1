/* SPDX-License-Identifier: MIT */
/*
 * The vGICv3's state as plain data (docs/events.md, "arm64"): what is
 * pending for whom, at which priority, and which interrupts sit in which
 * list register. No system register, no lock, no asm: arch/arm64/vgic.c
 * moves registers and takes the VM's vGIC lock around every call here;
 * tests/unit/test_vgic.c runs this file on the build machine.
 *
 * INTIDs a VM has: SGIs 0..15 and PPIs 16..31 banked per vCPU, SPIs
 * 32..63 shared by the VM (VGIC_SPIS, one per irqchip line). Each group of
 * 32 is a bank of bitmaps (struct vgic_bank): an interrupt is a candidate
 * for a list register when it is enabled, pending (its edge latch, or its
 * level if it is level-sensitive) and not already in a list register; the
 * distributor's EnableGrp1 gates every interrupt. All interrupts are Group 1.
 *
 * List registers: per vCPU a mirror (struct vgic_lrs) of ICH_LR<n>_EL2
 * with the INTID each holds. vgic_fold() takes what the guest did to them
 * (acknowledged: active; deactivated: empty) into the banks; vgic_fill()
 * puts the highest-priority candidates in: into a free register, else in
 * place of the lowest-priority one that is only pending (spilled back to
 * its bank, still pending); what does not fit waits, and the caller asks
 * for the underflow maintenance interrupt (ICH_HCR_EL2.UIE) to refill.
 * An interrupt the guest has acknowledged (active) never leaves its list
 * register, so "active" is always visible there. Level-sensitive
 * interrupts are put in with the EOI maintenance bit: when the guest
 * deactivates one, fief learns it and resamples its source.
 *
 * Pending outside a list register is the bank's latch (edge) or level; an
 * edge arriving while the interrupt sits in a list register sets the latch
 * again and vgic_fold() merges it (pending and active).
 */
#ifndef FIEF_ARCH_ARM64_VGIC_STATE_H
#define FIEF_ARCH_ARM64_VGIC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define VGIC_VCPUS_MAX 16u
#define VGIC_SPIS 32u
#define VGIC_SPI_BASE 32u
#define VGIC_INTIDS (VGIC_SPI_BASE + VGIC_SPIS)
#define VGIC_LR_MAX 16u
#define VGIC_NO_INTID 0xffffu
#define VGIC_NOWHERE 0xffu /* an SPI routed to no vCPU of the VM */
#define VGIC_PRIO_RESET 0xa0u
#define VGIC_PPI_VTIMER 27u
#define VGIC_PPI_PTIMER 30u
#define VGIC_PPI_MAINT 25u

/* ICH_LR<n>_EL2 */
#define VGIC_LR_STATE_SHIFT 62
#define VGIC_LR_PENDING (1ull << 62)
#define VGIC_LR_ACTIVE (1ull << 63)
#define VGIC_LR_HW (1ull << 61)
#define VGIC_LR_GROUP1 (1ull << 60)
#define VGIC_LR_PRIO_SHIFT 48
#define VGIC_LR_EOI (1ull << 41) /* HW = 0: maintenance when deactivated */

/* GICD_CTLR as the guest sees it (DS = 1: one Security state). */
#define VGIC_CTLR_GRP0 (1u << 0)
#define VGIC_CTLR_GRP1 (1u << 1)
#define VGIC_CTLR_ARE (1u << 4)
#define VGIC_CTLR_DS (1u << 6)

/** 32 interrupts' state, one bit each (bit i = INTID base + i). */
struct vgic_bank {
	uint32_t enabled;
	uint32_t latch;   /* pending outside a list register: an edge, a write */
	uint32_t level;   /* the input's level (level-sensitive pending) */
	uint32_t edge;    /* configured edge-triggered (else level) */
	uint32_t active;  /* active as last seen in its list register */
	uint32_t in_lr;   /* sits in a list register of its target */
	uint32_t unpend;  /* ICPENDR while in a list register: fold drops its pending */
	uint8_t prio[32]; /* priority, lower is more urgent */
};

/** One vCPU's list registers as fief last wrote or read them. */
struct vgic_lrs {
	uint64_t lr[VGIC_LR_MAX];     /* ICH_LR<n>_EL2 values */
	uint16_t intid[VGIC_LR_MAX];  /* INTID in it, VGIC_NO_INTID if empty */
	uint32_t used;                /* registers holding an interrupt (bit n: LR n) */
	uint32_t dirty;               /* registers changed since written to the CPU */
	uint8_t count;                /* list registers the CPU has (ICH_VTR_EL2) */
	bool uie;                     /* more is pending than fits: ask for underflow */
	bool uie_hw;                  /* ICH_HCR_EL2.UIE as last written (arch/arm64/vgic.c) */
};

/** One vCPU's part of its VM's vGIC, kept together so that the paths of
 * one vCPU (fold, fill, an SGI) reach it from one base address. */
struct vgic_cpu {
	struct vgic_bank priv;  /* its SGIs and PPIs */
	uint32_t routed;        /* SPIs (bit i: 32 + i) going to it */
	uint32_t waker;         /* GICR_WAKER.ProcessorSleep */
	struct vgic_lrs lrs;    /* touched only on the vCPU's own CPU */
};

/** A VM's vGIC. Every field: the VM's vGIC lock (arch/arm64/vgic.c). */
struct vgic_state {
	uint32_t ctlr;                          /* GICD_CTLR: Grp0/Grp1 enables */
	uint32_t vcpus;                         /* vCPU frames it has (<= VGIC_VCPUS_MAX) */
	struct vgic_bank spi;                   /* SPIs 32..63 */
	uint64_t router[VGIC_SPIS];             /* GICD_IROUTER<n> as written */
	uint8_t target[VGIC_SPIS];              /* vCPU each SPI goes to, VGIC_NOWHERE */
	struct vgic_cpu cpu[VGIC_VCPUS_MAX];    /* per vCPU */
};

/** vgic_reset() - everything disabled, nothing pending, @vcpus frames, @lr_count LRs. */
void vgic_reset(struct vgic_state *s, uint32_t vcpus, uint32_t lr_count);

/**
 * vgic_pending_mask() - INTIDs 0..63 that are candidates for @vcpu's list
 * registers (enabled, pending, not in a list register, distributor on).
 */
uint64_t vgic_pending_mask(const struct vgic_state *s, uint32_t vcpu);

/**
 * vgic_fold() - take @vcpu's list registers (s->lrs[vcpu].lr[] freshly
 * read, @empty = ICH_ELRSR_EL2: registers the CPU says are empty) into the
 * banks. Return: level-sensitive INTIDs (bit per INTID, 0..63) the guest
 * deactivated, whose source the caller may resample.
 */
uint64_t vgic_fold(struct vgic_state *s, uint32_t vcpu, uint32_t empty);

/**
 * vgic_fill() - put @vcpu's best candidates in its list registers (marking
 * s->lrs[vcpu].dirty), spilling lower-priority pending ones; sets
 * s->lrs[vcpu].uie if candidates are left over or were spilled.
 */
void vgic_fill(struct vgic_state *s, uint32_t vcpu);

/** vgic_pending() - whether anything is pending for @vcpu's guest (in a
 * list register, or a candidate waiting for one). */
bool vgic_pending(const struct vgic_state *s, uint32_t vcpu);

/** vgic_set_pending() - make @intid pending for @vcpu (SPIs: @vcpu ignored).
 * Return: the vCPU that must look again (-1: none, e.g. an invalid INTID). */
int vgic_set_pending(struct vgic_state *s, uint32_t vcpu, uint32_t intid);

/** vgic_set_level() - an input's level (SPI, or a PPI of @vcpu); an edge-
 * triggered one latches on a rising edge. Return: as vgic_set_pending(). */
int vgic_set_level(struct vgic_state *s, uint32_t vcpu, uint32_t intid, bool level);

/**
 * vgic_sgi() - ICC_SGI1R_EL1 written by @from: decode targets (TargetList
 * with Aff1..3 and RS zero, or IRM: every other vCPU) among the VM's vCPUs
 * and latch the SGI for each. Return: bit mask of vCPUs that got it.
 */
uint32_t vgic_sgi(struct vgic_state *s, uint32_t from, uint64_t sgi1r);

/**
 * vgic_dist_access() - a guest access to its distributor at offset @off
 * (@size 1, 2, 4 or 8 bytes); *@val is read into or written from.
 * Unknown or reserved registers and odd sizes read as zero and ignore
 * writes. Return: bit mask of vCPUs whose pending set changed.
 */
uint32_t vgic_dist_access(struct vgic_state *s, uint64_t off, unsigned size, bool write,
			  uint64_t *val);

/**
 * vgic_redist_access() - the same for @vcpu's redistributor frame (RD at
 * 0, SGI at 0x10000).
 */
uint32_t vgic_redist_access(struct vgic_state *s, uint32_t vcpu, uint64_t off, unsigned size,
			    bool write, uint64_t *val);

#endif
