/* SPDX-License-Identifier: MIT */
/*
 * attack: a host VM (role = host, identity mapped) that tries to reach what
 * fief keeps for itself (docs/threat-model.md). One source, one image per
 * attack: mk/guests.mk builds attack-<NAME>.elf with ATTACK = "NAME".
 *
 * Attacks that touch one of fief's devices end with fief stopping this VM
 * ("memory violation: write at ADDR, fief's DEVICE"); if the access
 * completes, the guest says so and reports status 1. The others (ports,
 * MSRs, a forged console line, MSIs from a device) are answered without
 * stopping it: it reports 0 when each was refused or harmless.
 *
 * On arm64 the GIC distributor and redistributors are emulated for the
 * host: gicd and gicr write its virtual GIC, read it back and report 0.
 *
 *   x86_64                               arm64
 *   lapic   ICR: INIT to APIC 1 (its     gicd   GICD_CTLR = 0 (virtual)
 *           own virtual LAPIC)
 *   ioapic  every redirection entry:     gicr   GICR: disable PPIs (virtual)
 *           its own virtual I/O APIC
 *   hpet    the general configuration    its    GITS_CTLR = 0
 *   vtd     a VT-d unit's registers      uart   the PL011 page directly,
 *   amdvi   an AMD IOMMU's registers            after mapping its neighbour
 *   ports   PIT, PIC, RTC, reset ports,  smmu   SMMU_CR0 = 0
 *           x2APIC MSRs, IA32_APIC_BASE,
 *           a forged console line
 *   msi     a PCI device's MSIs to fief's CPUs: NMIs, exception vectors
 */
#include <stdbool.h>

#include "fief_boot.h"
#include "guest.h"

#ifndef ATTACK
#error "build attack.c with -DATTACK=\"NAME\" (mk/guests.mk)"
#endif

static bool is(const char *name)
{
	const char *a = ATTACK;

	while (*a && *a == *name)
		a++, name++;
	return *a == *name;
}

/* A store fief must stop: report and fail if it does not. */
static int store32(const char *what, uint64_t pa, uint32_t value)
{
	if (guest_map_gpa(pa) < 0) {
		guest_printf("attack: FAIL cannot map 0x%lx\n", (unsigned long)pa);
		return 2;
	}
	guest_printf("attack: %s: writing 0x%x at 0x%lx\n", what, value, (unsigned long)pa);
	*(volatile uint32_t *)(uintptr_t)pa = value;
	guest_printf("attack: FAIL the write to %s went through\n", what);
	return 1;
}

#if defined(__x86_64__)
#include "x86.h"

/* The QEMU q35 / Bochs addresses the ACPI tables give. */
#define LAPIC 0xfee00000ull
#define IOAPIC 0xfec00000ull
#define HPET 0xfed00000ull
#define VTD 0xfed90000ull
#define AMDVI 0xfed80000ull
#define ECAM 0xb0000000ull

/*
 * The x2APIC MSRs and IA32_APIC_BASE reach the VM's own virtual local APIC
 * (docs/events.md): each access is answered as the hardware would, #GP
 * where the architecture says so, and fief's own LAPIC never sees any of
 * it (its preemption keeps the counters beside this VM going).
 */
struct msr_step {
	uint32_t msr;
	bool write;
	uint64_t value;  /* written, or expected from a read (~0: any) */
	bool gp;         /* the access must raise #GP */
	const char *what;
};

static const struct msr_step msr_steps[] = {
	{ 0x1b, false, 0xfee00900, false, "IA32_APIC_BASE reads xAPIC, enabled, BSP" },
	{ 0x802, false, ~0ull, true, "x2APIC ID before x2APIC mode" },
	{ 0x80b, true, 0, true, "x2APIC EOI before x2APIC mode" },
	{ 0x83f, true, 0x41, true, "x2APIC SELF_IPI before x2APIC mode" },
	{ 0x1b, true, 0xfee00400, true, "IA32_APIC_BASE EXTD without EN" },
	{ 0x1b, true, 0xfee00c00, false, "IA32_APIC_BASE (x2APIC mode)" },
	{ 0x802, false, 0, false, "x2APIC ID reads the vCPU's index" },
	{ 0x802, true, 5, true, "x2APIC ID write (read-only)" },
	{ 0x808, true, 0x100, true, "x2APIC TPR reserved bit" },
	{ 0x80b, false, ~0ull, true, "x2APIC EOI read (write-only)" },
	/* EOI and SELF_IPI have a short path at the exit's decode; what it
	 * does not take must still get the architecture's answer. */
	{ 0x80b, true, 1, true, "x2APIC EOI of a non-zero value" },
	{ 0x80b, true, 1ull << 32, true, "x2APIC EOI with EDX non-zero" },
	{ 0x80b, true, 0, false, "x2APIC EOI with nothing in service" },
	{ 0x83f, true, 0x141, true, "x2APIC SELF_IPI reserved bit" },
	{ 0x83f, true, (1ull << 32) | 0x41, true, "x2APIC SELF_IPI with EDX non-zero" },
	{ 0x83f, true, 0x41, false, "x2APIC SELF_IPI while software-disabled (dropped)" },
	{ 0x80f, true, 0, false, "x2APIC SVR (disable)" },
	{ 0x830, true, 0x4500, false, "x2APIC ICR (INIT to itself)" },
	{ 0x832, true, 0x10000, false, "x2APIC LVT timer (mask)" },
	{ 0x838, true, 0, false, "x2APIC timer count" },
	{ 0x1b, true, 0xfee00800, true, "IA32_APIC_BASE x2APIC -> xAPIC" },
	{ 0x1b, true, 0xfee00000, false, "IA32_APIC_BASE (disable the APIC)" },
	{ 0x80f, false, ~0ull, true, "x2APIC SVR while disabled" },
};

/* Return: 1 if step @st was not answered as the hardware would. */
static int msr_step(const struct msr_step *st, unsigned *gp)
{
	uint64_t got = 0;
	int faulted;

	if (st->write)
		x86_wrmsr_probe(st->msr, st->value, &faulted);
	else
		got = x86_rdmsr_probe(st->msr, &faulted);
	*gp += faulted != 0;
	if ((faulted != 0) != st->gp) {
		guest_printf("attack: FAIL %s: %s\n", st->what, faulted ? "#GP" : "no #GP");
		return 1;
	}
	if (!st->write && !faulted && st->value != ~0ull && got != st->value) {
		guest_printf("attack: FAIL %s: read 0x%llx\n", st->what, (unsigned long long)got);
		return 1;
	}
	return 0;
}

/*
 * Everything a VM may try through ports and MSRs against fief's timers and
 * interrupt controllers: the APIC MSRs reach its own virtual LAPIC, each
 * port write is ignored (fief runs on; the counters beside it keep being
 * preempted).
 */
static int ports_and_msrs(void)
{
	static const struct {
		uint16_t port;
		uint8_t value;
	} ports[] = {
		{ 0x21, 0x00 }, { 0xa1, 0x00 },                 /* unmask both 8259s */
		{ 0x20, 0x11 }, { 0x21, 0x08 },                 /* re-initialize the PIC */
		{ 0x43, 0x34 }, { 0x40, 0x01 }, { 0x40, 0x00 }, /* PIT channel 0: a fast rate */
		{ 0x61, 0x03 },                                 /* PIT channel 2 gate */
		{ 0x70, 0x0b }, { 0x71, 0x40 },                 /* RTC periodic interrupt */
		{ 0xcf9, 0x06 }, { 0x64, 0xfe }, { 0x92, 0x01 }, /* the three reset ports */
	};
	const char forged[] = "fief: vm near stopped: forged by the host\n";
	unsigned gp = 0;

	x86_idt_catch_gp();
	for (unsigned i = 0; i < sizeof(msr_steps) / sizeof(msr_steps[0]); i++)
		if (msr_step(&msr_steps[i], &gp))
			return 1;
	guest_printf("attack: %u x2APIC and APIC-base MSR accesses reach the vLAPIC, %u #GP\n",
		     (unsigned)(sizeof(msr_steps) / sizeof(msr_steps[0])), gp);
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		x86_outb(ports[i].port, ports[i].value);
	guest_printf("attack: PIT, PIC, RTC and reset ports written: fief is still here\n");
	for (const char *p = forged; *p; p++)
		x86_outb(0x3f8, (uint8_t)*p);
	return 0;
}

/* ---- MSIs from QEMU's edu device, aimed at fief's CPUs ---- */

static volatile uint32_t *cfg(unsigned dev, unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(ECAM + ((uint64_t)dev << 15) + off);
}

/* The edu device (1234:11e8) on bus 0, or -1. */
static int find_edu(void)
{
	for (unsigned dev = 0; dev < 32; dev++)
		if (*cfg(dev, 0) == 0x11e81234u)
			return (int)dev;
	return -1;
}

/* Its MSI capability's offset in config space, or 0. */
static unsigned msi_cap(unsigned dev)
{
	unsigned off = *cfg(dev, 0x34) & 0xfc;

	for (int n = 0; off && n < 48; n++) {
		uint32_t v = *cfg(dev, off);

		if ((v & 0xff) == 0x05)
			return off;
		off = (v >> 8) & 0xfc;
	}
	return 0;
}

static void msi_program(unsigned dev, unsigned cap, uint32_t dest, uint32_t data)
{
	uint32_t ctl = *cfg(dev, cap) >> 16;
	bool is64 = (ctl & 0x80) != 0;

	*cfg(dev, cap + 4) = 0xfee00000u | (dest << 12);
	if (is64) {
		*cfg(dev, cap + 8) = 0;
		*cfg(dev, cap + 12) = data;
	} else {
		*cfg(dev, cap + 8) = data;
	}
	*cfg(dev, cap) = (*cfg(dev, cap) & 0xffff) | ((ctl | 1u) << 16); /* MSI enable */
}

/*
 * The DMA and interrupt reach a host-owned device keeps until fief drives
 * the IOMMU (interrupt remapping): its MSIs can land on fief's CPUs in any
 * delivery mode and vector. fief must count and drop them.
 */
static int msi_storm(void)
{
	static const struct {
		uint32_t data;
		const char *what;
	} kinds[] = {
		{ 0x400 | 2, "NMI" },
		{ 0x11, "vector 17 (#AC)" },
		{ 0x1e, "vector 30 (#SX)" },
		{ 0x13, "vector 19 (#XM)" },
		{ 0x80, "vector 0x80" },
	};
	int dev;
	unsigned cap;
	uint64_t bar;

	if (guest_map_gpa(ECAM) < 0 || (dev = find_edu()) < 0 || !(cap = msi_cap((unsigned)dev))) {
		guest_printf("attack: FAIL no edu device with MSI on bus 0\n");
		return 2;
	}
	bar = *cfg((unsigned)dev, 0x10) & ~0xfull;
	*cfg((unsigned)dev, 4) |= 0x6; /* memory space, bus master */
	if (!bar || guest_map_gpa(bar) < 0) {
		guest_printf("attack: FAIL edu BAR0 not assigned\n");
		return 2;
	}
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (uint32_t cpu = 0; cpu < 2; cpu++) {
			msi_program((unsigned)dev, cap, cpu, kinds[k].data);
			for (int n = 0; n < 40; n++) {
				*(volatile uint32_t *)(uintptr_t)(bar + 0x60) = 1; /* raise */
				*(volatile uint32_t *)(uintptr_t)(bar + 0x64) = 1; /* acknowledge */
				for (int d = 0; d < 2000; d++)
					guest_relax();
			}
		}
		guest_printf("attack: 80 MSIs as %s to CPUs 0 and 1\n", kinds[k].what);
	}
	return 0;
}

/*
 * The host's local APIC page is its own vCPU's virtual LAPIC (xAPIC mode):
 * it reads the ID and version, writes the TPR and reads it back, and sends
 * INIT to APIC 1 through the ICR, which names no vCPU of the host and so
 * reaches nobody. fief's own LAPIC, which the host never reaches, keeps
 * its timer: the guests beside it finish.
 */
static int lapic_virtual(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)LAPIC;
	uint32_t id, ver, tpr;

	if (guest_map_gpa(LAPIC) < 0) {
		guest_printf("attack: FAIL cannot map 0x%lx\n", (unsigned long)LAPIC);
		return 2;
	}
	id = apic[0x20 / 4];
	ver = apic[0x30 / 4];
	apic[0x80 / 4] = 0x20;
	tpr = apic[0x80 / 4];
	apic[0x80 / 4] = 0;
	apic[0x310 / 4] = 1u << 24;
	apic[0x300 / 4] = 0x500; /* INIT, physical, to APIC 1 */
	guest_printf("attack: local APIC id 0x%x version 0x%x, TPR 0x%x read back, INIT sent "
		     "to APIC 1\n", id, ver & 0xff, tpr);
	return id == 0 && (ver & 0xff) == 0x14 && tpr == 0x20 ? 0 : 1;
}

/*
 * The host's I/O APIC is its own virtual one (docs/events.md): it programs
 * every redirection entry (unmasked, vectors 0x30.., to APIC 1) and reads
 * them back. fief's I/O APIC, which the host never reaches, keeps routing
 * nothing onto fief's CPUs: the guests beside it finish.
 */
static int ioapic_virtual(void)
{
	volatile uint32_t *sel = (volatile uint32_t *)(uintptr_t)IOAPIC;
	volatile uint32_t *win = (volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10);
	uint32_t ver, bad = 0;

	if (guest_map_gpa(IOAPIC) < 0) {
		guest_printf("attack: FAIL cannot map 0x%lx\n", (unsigned long)IOAPIC);
		return 2;
	}
	*sel = 1;
	ver = *win;
	for (uint32_t pin = 0; pin < 24; pin++) {
		*sel = 0x11 + 2 * pin;
		*win = 1u << 24;
		*sel = 0x10 + 2 * pin;
		*win = 0x30 + pin;
	}
	for (uint32_t pin = 0; pin < 24; pin++) {
		*sel = 0x10 + 2 * pin;
		bad += *win != 0x30 + pin;
		*sel = 0x11 + 2 * pin;
		bad += *win != 1u << 24;
	}
	guest_printf("attack: I/O APIC version 0x%x, 24 redirections programmed, %u read back "
		     "wrong\n", ver, bad);
	return ver == 0x00170011u && bad == 0 ? 0 : 1;
}

static int attack(void)
{
	if (is("lapic"))
		return lapic_virtual();
	if (is("ioapic"))
		return ioapic_virtual();
	if (is("hpet"))
		return store32("the HPET's configuration", HPET + 0x10, 3);
	if (is("vtd"))
		return store32("a VT-d unit's global command", VTD + 0x18, 0);
	if (is("amdvi"))
		return store32("an AMD IOMMU's control register", AMDVI + 0x18, 0);
	if (is("ports"))
		return ports_and_msrs();
	if (is("msi"))
		return msi_storm();
	return -1;
}

#elif defined(__aarch64__)

/* The QEMU virt addresses of its ACPI tables. */
#define GICD 0x08000000ull
#define GITS 0x08080000ull
#define GICR 0x080a0000ull
#define UART 0x09000000ull
#define RTC 0x09010000ull
#define SMMU 0x09050000ull

/*
 * The host's lazy map would like one large block around the UART: it
 * touches the RTC beside it first, then writes a forged line straight to
 * the UART's data register. fief keeps the UART's page out of every block:
 * the bytes reach the host's virtual console, prefixed with its name.
 */
static int uart_forgery(void)
{
	const char forged[] = "fief: vm near stopped: forged by the host\n";

	(void)*(volatile uint32_t *)(uintptr_t)(RTC + 0xfe0); /* PL031 peripheral id */
	for (const char *p = forged; *p; p++)
		*(volatile uint32_t *)(uintptr_t)UART = (uint8_t)*p;
	guest_printf("attack: wrote a forged line to the UART's page\n");
	return 0;
}

/*
 * The GIC distributor and redistributors: the host's accesses reach its own
 * virtual GIC (docs/events.md), never fief's. The write lands there (read
 * back: @want), and fief's preemption goes on (the other VMs finish).
 */
static int vgic_store(const char *what, uint64_t pa, uint32_t value, uint64_t back, uint32_t want)
{
	uint32_t got;

	if (guest_map_gpa(pa) < 0) {
		guest_printf("attack: FAIL cannot map 0x%lx\n", (unsigned long)pa);
		return 2;
	}
	guest_printf("attack: %s: writing 0x%x at 0x%lx\n", what, value, (unsigned long)pa);
	*(volatile uint32_t *)(uintptr_t)pa = value;
	got = *(volatile uint32_t *)(uintptr_t)back;
	guest_printf("attack: %s: reads back 0x%x from its virtual GIC%s\n", what, got,
		     got == want ? "" : " (FAIL)");
	return got == want ? 0 : 1;
}

static int attack(void)
{
	if (is("gicd")) /* back: ARE and DS, no group enabled */
		return vgic_store("GICD_CTLR (all groups off)", GICD, 0, GICD, 0x50);
	if (is("gicr")) /* back: GICR_ISENABLER0, nothing enabled */
		return vgic_store("GICR_ICENABLER0 (the timer's PPI off)", GICR + 0x10180, ~0u,
				  GICR + 0x10100, 0);
	if (is("its"))
		return store32("GITS_CTLR", GITS, 0);
	if (is("uart"))
		return uart_forgery();
	if (is("smmu"))
		return store32("SMMU_CR0", SMMU + 0x20, 0);
	return -1;
}
#endif

int main(unsigned vcpu, uint64_t mem_size)
{
	int err;

	(void)vcpu;
	(void)mem_size;
	guest_printf("attack: %s\n", ATTACK);
	err = attack();
	if (err < 0)
		guest_printf("attack: FAIL no attack named %s\n", ATTACK);
	else if (err == 0)
		guest_printf("attack: %s: refused or harmless, fief runs on\n", ATTACK);
	return err;
}
