/* SPDX-License-Identifier: MIT */
/*
 * The fake arch: what core/ and mm/ need from an architecture, for host unit
 * tests. Console output is captured in a buffer tests can inspect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/fake/fake.h"
#include "core/arch.h"

char fake_console[FAKE_CONSOLE_SIZE];
size_t fake_console_len;
int fake_exit_status = -1;

void fake_console_reset(void)
{
	fake_console_len = 0;
	fake_console[0] = '\0';
}

void arch_early_init(const struct boot_info *bi)
{
	(void)bi;
	fake_console_reset();
}

void arch_console_write(const char *s, size_t n)
{
	size_t room = FAKE_CONSOLE_SIZE - 1 - fake_console_len;

	if (n > room)
		n = room;
	memcpy(fake_console + fake_console_len, s, n);
	fake_console_len += n;
	fake_console[fake_console_len] = '\0';
}

void arch_devices(struct device_list *l)
{
	(void)l;
}

void arch_report(void)
{
}

void arch_describe(void)
{
	arch_console_write("cpu: fake\n", 10);
}

int arch_virt_usable(void)
{
	return 1;
}

_Noreturn void arch_machine_exit(enum arch_exit_how how, int status)
{
	(void)how;
	fake_exit_status = status;
	exit(status);
}

_Noreturn void arch_panic(const char *file, int line, const char *msg)
{
	fprintf(stderr, "fief panic: %s:%d: %s\n", file, line, msg);
	abort();
}

/* ---- VMs: the fake arch runs no guest code; tests script the exits. ---- */

#include "arch/fake/fake.h"
#include "core/elf.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/assert.h"
#include "lib/err.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

struct vcpu_exit fake_next_exit;

void arch_takeover(const struct boot_info *bi)
{
	(void)bi;
}

const struct pt_format *arch_stage2_format(void)
{
	return &pt_format_x86_npt;
}

int arch_cpu_virt_enable(void)
{
	return 0;
}

uint16_t arch_elf_machine(void)
{
	return ELF_MACHINE_X86_64;
}

_Static_assert(sizeof(struct fief_regs_x86) == FAKE_REGS_WORDS * 8, "fake regs size");

/* Like SVM: one page of fief's pool per vCPU, so leaks show in the free
 * count; registers start as the boot protocol's entry. */
int arch_vcpu_init(struct vcpu *vcpu, gpaddr_t entry)
{
	struct fief_regs_x86 r = { .rip = gpa_addr(entry), .rflags = 2 };
	paddr_t pa;
	int err = page_alloc(&pa, PAGE_TYPE_USED);

	if (err)
		return err;
	vcpu->arch.ctl_pa = pa_addr(pa);
	vcpu->arch.entry = gpa_addr(entry);
	memcpy(vcpu->arch.regs, &r, sizeof(r));
	return 0;
}

void arch_vcpu_leave(struct vcpu *vcpu)
{
	vcpu->arch.leaves++;
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->arch.ctl_pa)
		page_free(pa_init(vcpu->arch.ctl_pa));
	vcpu->arch.ctl_pa = 0;
}

int arch_vcpu_get_regs(struct vcpu *vcpu, void *regs, size_t size)
{
	if (size != sizeof(struct fief_regs_x86))
		return FIEF_EINVAL;
	memcpy(regs, vcpu->arch.regs, size);
	return 0;
}

/* The checks the x86 backends make that matter to tests: reserved fields,
 * a canonical RIP, RFLAGS bit 1. */
int arch_vcpu_set_regs(struct vcpu *vcpu, const void *regs, size_t size)
{
	struct fief_regs_x86 r;

	if (size != sizeof(r))
		return FIEF_EINVAL;
	memcpy(&r, regs, sizeof(r));
	if (r.reserved0 || r.gdtr.reserved || r.idtr.reserved ||
	    (uint64_t)((int64_t)(r.rip << 16) >> 16) != r.rip || !(r.rflags & 2))
		return FIEF_EINVAL;
	memcpy(vcpu->arch.regs, &r, sizeof(r));
	vcpu->arch.entry = r.rip;
	return 0;
}

void arch_vcpu_run(struct vcpu *vcpu, struct vcpu_exit *exit)
{
	vcpu->arch.runs++;
	*exit = fake_next_exit;
}

void arch_vcpu_set_result(struct vcpu *vcpu, int64_t result)
{
	vcpu->arch.last_result = result;
}

uint32_t fake_kicks;

void arch_cpu_kick(uint32_t cpu)
{
	(void)cpu;
	__atomic_add_fetch(&fake_kicks, 1, __ATOMIC_RELAXED);
}

void arch_cpu_idle(uint64_t wake_at)
{
	(void)wake_at;
}

_Thread_local uint32_t fake_cpu;
uint64_t fake_counter;

uint32_t arch_cpu_index(void)
{
	return fake_cpu;
}

uint64_t arch_counter(void)
{
	return __atomic_load_n(&fake_counter, __ATOMIC_RELAXED);
}

/* ---- Events: a vCPU has "something pending" when a test says so. ---- */

bool arch_vcpu_wakeup_pending(struct vcpu *v)
{
	return __atomic_load_n(&v->arch.pending, __ATOMIC_SEQ_CST) != 0;
}

void arch_vcpu_timer(struct vcpu *v, uint64_t now)
{
	v->arch.timer_fired++;
	__atomic_store_n(&v->arch.pending, 1, __ATOMIC_SEQ_CST);
	vcpu_set_wake_at(v, v->arch.timer_period ? now + v->arch.timer_period : 0);
}

uint32_t arch_irq_lines(void)
{
	return FAKE_IRQ_LINES;
}

void arch_irq_line(struct vm *vm, uint32_t line, bool level)
{
	uint64_t bit = 1ull << line;
	uint64_t old;

	/* core/arch.h: only while the VM's irqchip is held. */
	FIEF_ASSERT((__atomic_load_n(&vm->irq.refs, __ATOMIC_ACQUIRE) & ~IRQCHIP_OPEN) != 0);
	FIEF_ASSERT(line < FAKE_IRQ_LINES);

	if (level) {
		old = __atomic_fetch_or(&vm->arch.level, bit, __ATOMIC_RELAXED);
		if (!(old & bit))
			__atomic_add_fetch(&vm->arch.edges, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_fetch_and(&vm->arch.level, ~bit, __ATOMIC_RELAXED);
	}
}

void arch_vm_irq_reset(struct vm *vm)
{
	__atomic_store_n(&vm->arch.level, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vm->arch.edges, 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vm->arch.resets, 1, __ATOMIC_RELAXED);
}

uint32_t arch_cpus_start(const struct acpi_info *acpi, uint32_t max)
{
	(void)acpi;
	(void)max;
	return 1;
}

uint64_t arch_host_gpa_base(const struct boot_info *bi)
{
	(void)bi;
	return 0;
}
