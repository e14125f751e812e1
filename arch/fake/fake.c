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

int arch_vcpu_init(struct vcpu *vcpu, gpaddr_t entry)
{
	vcpu->arch.entry = gpa_addr(entry);
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

void arch_cpu_idle(void)
{
}

uint32_t arch_cpus_start(const struct acpi_info *acpi, uint32_t max)
{
	(void)acpi;
	(void)max;
	return 1;
}
