/* SPDX-License-Identifier: MIT */
/*
 * sipi: a guest that starts its second vCPU the way Linux starts an
 * application processor: INIT, then STARTUP IPIs to a vCPU that waits for
 * them, which then runs a real-mode trampoline at the vector's page up to
 * 64-bit mode, and hands it work through IPIs (docs/events.md). x86_64,
 * two vCPUs on two CPUs.
 *
 * vCPU 1 starts at the image's entry like every vCPU and sleeps in HLT with
 * interrupts off. vCPU 0 checks that a STARTUP to it is ignored (it does not
 * wait for one), then sends INIT and two STARTUPs for vector 0x10 (page
 * 0x10000, where it copied the trampoline): the second must be ignored, the
 * vCPU having left its wait. The trampoline loads fief's boot GDT and page
 * tables, turns on long mode and calls ap_main(), which takes 100 IPIs
 * (vector 0x50) from vCPU 0, one at a time, each counted and answered.
 */
#include "guest.h"
#include "x86.h"

#define TRAMPOLINE 0x10000ull
#define VECTOR 0x10u
#define WORK_VEC 0x50u
#define WORK 100u
#define MSR_APIC_BASE 0x1bu
#define MSR_X2APIC_SVR 0x80fu
#define MSR_X2APIC_EOI 0x80bu
#define MSR_X2APIC_ICR 0x830u
#define ICR_INIT 0x4500u    /* INIT, level assert */
#define ICR_STARTUP 0x4600u /* STARTUP, level assert */
#define POLLS 20000000L

static volatile uint32_t ap_up, work_done, work_seen;
static uint64_t ap_stack[1024] __attribute__((aligned(16)));

static struct x86_gate idt[256] __attribute__((aligned(16)));

static void x2apic_on(void)
{
	uint64_t b = x86_rdmsr(MSR_APIC_BASE);

	x86_wrmsr(MSR_APIC_BASE, b | (1ull << 11) | (1ull << 10));
	x86_wrmsr(MSR_X2APIC_SVR, 0x1ff);
}

/*
 * The trampoline, copied to TRAMPOLINE: 16-bit code entered with CS =
 * VECTOR << 8, IP = 0; its data is reached through DS = CS. It ends in
 * 64-bit mode on fief's boot GDT (0x7000: code 0x08, data 0x10) and PML4
 * (0x1000), with the stack and the function vCPU 0 wrote into it.
 */
__asm__(".pushsection .text\n"
	".globl sipi_tramp, sipi_tramp_end, sipi_tramp_stack, sipi_tramp_entry\n"
	".code16\n"
	"sipi_tramp:\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	lgdtl sipi_tramp_gdt - sipi_tramp\n"
	"	mov %cr4, %eax\n"
	"	or $0x20, %eax\n"                 /* PAE */
	"	mov %eax, %cr4\n"
	"	mov $0x1000, %eax\n"
	"	mov %eax, %cr3\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x100, %eax\n"                /* LME */
	"	wrmsr\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000001, %eax\n"           /* PG, PE */
	"	mov %eax, %cr0\n"
	"	ljmpl $0x08, $0x10000 + (sipi_tramp_64 - sipi_tramp)\n"
	".code64\n"
	"sipi_tramp_64:\n"
	"	mov $0x10, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %es\n"
	"	mov %ax, %ss\n"
	"	mov sipi_tramp_stack(%rip), %rsp\n"
	"	call *sipi_tramp_entry(%rip)\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	"	.balign 8\n"
	"sipi_tramp_gdt:\n"
	"	.word 23\n"
	"	.long 0x7000\n"
	"	.balign 8\n"
	"sipi_tramp_stack: .quad 0\n"
	"sipi_tramp_entry: .quad 0\n"
	"sipi_tramp_end:\n"
	".popsection\n");
extern const char sipi_tramp[], sipi_tramp_end[], sipi_tramp_stack[], sipi_tramp_entry[];

/* vCPU 1's IPI handler: one piece of work, answered. */
void sipi_work(void);
void sipi_work(void)
{
	work_done++;
	x86_wrmsr(MSR_X2APIC_EOI, 0);
}

__asm__(".pushsection .text\n"
	"sipi_work_entry:\n"
	"	push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n"
	"	push %r8\n push %r9\n push %r10\n push %r11\n"
	"	cld\n call sipi_work\n"
	"	pop %r11\n pop %r10\n pop %r9\n pop %r8\n"
	"	pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
	"	iretq\n"
	".popsection\n");
void sipi_work_entry(void);

/* Where the trampoline ends up on vCPU 1, in 64-bit mode. */
static void ap_main(void)
{
	x86_lidt((uint64_t)(uintptr_t)idt, sizeof(idt) - 1);
	x2apic_on(); /* the INIT reset its local APIC */
	__atomic_store_n(&ap_up, 1, __ATOMIC_RELEASE);
	while (work_done < WORK)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/* vCPU 1 before the INIT: asleep with interrupts off. */
int secondary_main(unsigned vcpu, uint64_t mem_size)
{
	(void)vcpu;
	(void)mem_size;
	for (;;)
		__asm__ __volatile__("cli; hlt");
	return 0;
}

static void ipi(uint32_t icr)
{
	x86_wrmsr(MSR_X2APIC_ICR, (1ull << 32) | icr); /* to APIC ID 1 */
}

static bool wait_flag(volatile uint32_t *f, uint32_t want)
{
	for (long i = 0; i < POLLS; i++) {
		if (__atomic_load_n(f, __ATOMIC_ACQUIRE) >= want)
			return true;
		guest_relax();
	}
	return false;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	size_t n = (size_t)(sipi_tramp_end - sipi_tramp);
	volatile char *dst = (volatile char *)(uintptr_t)TRAMPOLINE;

	(void)vcpu;
	(void)mem_size;
	idt[WORK_VEC] = x86_gate(sipi_work_entry);
	x2apic_on();
	for (size_t i = 0; i < n; i++)
		dst[i] = sipi_tramp[i];
	*(volatile uint64_t *)(dst + (sipi_tramp_stack - sipi_tramp)) =
		(uint64_t)(uintptr_t)&ap_stack[1024];
	*(volatile uint64_t *)(dst + (sipi_tramp_entry - sipi_tramp)) =
		(uint64_t)(uintptr_t)ap_main;
	guest_printf("sipi: trampoline of %u bytes at 0x%lx\n", (unsigned)n,
		     (unsigned long)TRAMPOLINE);

	/* A STARTUP to a vCPU that does not wait for one: ignored. */
	ipi(ICR_STARTUP | VECTOR);
	if (wait_flag(&ap_up, 1)) {
		guest_printf("sipi: FAIL a STARTUP without INIT started vCPU 1\n");
		return 1;
	}
	guest_printf("sipi: STARTUP without INIT ignored\n");

	ipi(ICR_INIT);
	ipi(ICR_STARTUP | VECTOR);
	if (!wait_flag(&ap_up, 1)) {
		guest_printf("sipi: FAIL vCPU 1 did not come up after INIT and STARTUP\n");
		return 1;
	}
	ipi(ICR_STARTUP | VECTOR); /* it runs: a second STARTUP is ignored */
	guest_printf("sipi: vCPU 1 up in 64-bit mode through the real-mode trampoline\n");

	for (uint32_t i = 1; i <= WORK; i++) {
		ipi(WORK_VEC);
		if (!wait_flag(&work_done, i)) {
			guest_printf("sipi: FAIL work item %u not taken (%u done)\n", i, work_done);
			return 1;
		}
	}
	guest_printf("sipi: vCPU 1 took %u work IPIs\n", work_done);
	return work_done == WORK ? 0 : 1;
}
