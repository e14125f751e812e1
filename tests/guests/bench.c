/* SPDX-License-Identifier: MIT */
/*
 * bench: fief's exit paths in instructions, measured from inside the host
 * VM under deterministic counting (tests/bench/emu.sh, docs/bench.md).
 *
 * Every figure is (cycles of a loop of N operations - cycles of the same
 * loop without the exiting instruction) / N, the minimum of BATCHES
 * batches each (a timer tick inside a batch does not count), divided by
 * the counter's ticks per instruction. That ratio is measured first, with
 * two loops whose instruction counts differ by a known number, and printed
 * ("calib"), so the unit is checked on every run rather than assumed.
 *
 * Output, one figure a line, parsed by tests/bench/emu.sh:
 *   bench: <figure> <instructions, one decimal>
 *   bench-info: <anything>        (raw counts, not figures)
 *   bench: done
 *
 * Figures: calib_ticks_per_insn, hypercall_null (FIEF_HC_VERSION),
 * exit_cpuid (x86: leaf 0), exit_console (one byte to the VM's UART, no
 * line flush), host_fault (first touch of a fresh 2 MiB-aligned block of
 * RAM the host owns: one lazy identity-map fault each; the block size
 * fief mapped is checked by touching a second page of the same block);
 * arm64: irq_sgi_self, irq_timer (interrupts through the vGIC, below).
 *
 * It runs as the host VM on every backend; on arm64 it is linked into the
 * host's span, which starts at the first RAM (mk/bench.mk).
 *
 * Built with -DBENCH_REMOTE (bench-remote.elf) it is a two-vCPU guest VM
 * that measures only irq_ipi_remote (at the end of this file).
 */
#include "fief_boot.h"
#include "guest.h"

#ifdef BENCH_REMOTE
/* bench-remote.elf measures irq_ipi_remote only (below): the other
 * figures' loops and set-ups stay in it, unused. */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

#define BATCHES 8u
#define CALIB_N 4096u
#define CALIB_EXTRA 10u /* instructions the long calibration loop adds */
#define HC_N 256u
#define CPUID_N 256u
#define CONSOLE_N 128u /* below fief's 160-byte line: no flush inside */
#define FAULT_PER_BATCH 16u
#define BLOCK_2M (2ull << 20)
#define FAULT_FLOOR (64ull << 20) /* into the host's span: above its boot-mapped part */

typedef void (*loop_fn)(uint64_t n);

/* Loops stay functions of their own: `make bench-profile` starts and
 * stops counting at their first instruction. */
#define LOOP static __attribute__((noinline)) void

/* ---- the loops: each body once with, once without the exiting insn ------ */

#if defined(__x86_64__)
#include "fief_abi_x86.h"
#include "x86.h"

LOOP calib_short(uint64_t n)
{
	__asm__ __volatile__("1: dec %0\n\tjnz 1b" : "+r"(n));
}

LOOP calib_long(uint64_t n)
{
	__asm__ __volatile__("1: nop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			     "nop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			     "dec %0\n\tjnz 1b"
			     : "+r"(n));
}

LOOP hc_empty(uint64_t n)
{
	__asm__ __volatile__("1: mov %1, %%eax\n\tdec %0\n\tjnz 1b"
			     : "+r"(n) : "i"(FIEF_HC_VERSION) : "rax", "memory");
}

LOOP hc_vmmcall(uint64_t n)
{
	__asm__ __volatile__("1: mov %1, %%eax\n\tvmmcall\n\tdec %0\n\tjnz 1b"
			     : "+r"(n) : "i"(FIEF_HC_VERSION) : "rax", "memory");
}

LOOP hc_vmcall(uint64_t n)
{
	__asm__ __volatile__("1: mov %1, %%eax\n\tvmcall\n\tdec %0\n\tjnz 1b"
			     : "+r"(n) : "i"(FIEF_HC_VERSION) : "rax", "memory");
}

/* The counter lives in R10, which CPUID leaves alone. */
LOOP cpuid_empty(uint64_t n)
{
	__asm__ __volatile__("mov %0, %%r10\n\t"
			     "1: xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\tdec %%r10\n\tjnz 1b"
			     : : "r"(n) : "rax", "rbx", "rcx", "rdx", "r10", "memory");
}

LOOP cpuid_op(uint64_t n)
{
	__asm__ __volatile__("mov %0, %%r10\n\t"
			     "1: xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\tcpuid\n\t"
			     "dec %%r10\n\tjnz 1b"
			     : : "r"(n) : "rax", "rbx", "rcx", "rdx", "r10", "memory");
}

LOOP console_empty(uint64_t n)
{
	__asm__ __volatile__("1: mov $0x78, %%al\n\tmov $0x3f8, %%dx\n\tdec %0\n\tjnz 1b"
			     : "+r"(n) : : "rax", "rdx", "memory");
}

LOOP console_op(uint64_t n)
{
	__asm__ __volatile__("1: mov $0x78, %%al\n\tmov $0x3f8, %%dx\n\toutb %%al, %%dx\n\t"
			     "dec %0\n\tjnz 1b"
			     : "+r"(n) : : "rax", "rdx", "memory");
}

/*
 * Interrupts through the x2APIC: the handler (vectors 0x40 and 0x41) only
 * EOIs (WRMSR 0x80b) and returns. irq_self_ipi: SELF_IPI (WRMSR 0x83f) ->
 * injection -> handler -> EOI -> IRET; irq_timer: IA32_TSC_DEADLINE
 * written in the past (WRMSR 0x6e0, value 1) -> the timer expires at once
 * -> the same. The loops run with IF set.
 */
__asm__(".pushsection .text\n"
	"bench_irq_handler:\n"
	"	pushq %rax\n\tpushq %rcx\n\tpushq %rdx\n"
	"	movl $0x80b, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\twrmsr\n"
	"	popq %rdx\n\tpopq %rcx\n\tpopq %rax\n\tiretq\n"
	".popsection\n");
void bench_irq_handler(void);

LOOP irq_self_empty(uint64_t n)
{
	__asm__ __volatile__("sti\n1: mov $0x83f, %%ecx\n\tmov $0x41, %%eax\n\txor %%edx, %%edx\n\t"
			     "dec %0\n\tjnz 1b\n\tcli"
			     : "+r"(n) : : "rax", "rcx", "rdx", "memory");
}

LOOP irq_self_op(uint64_t n)
{
	__asm__ __volatile__("sti\n1: mov $0x83f, %%ecx\n\tmov $0x41, %%eax\n\txor %%edx, %%edx\n\t"
			     "wrmsr\n\tdec %0\n\tjnz 1b\n\tcli"
			     : "+r"(n) : : "rax", "rcx", "rdx", "memory");
}

LOOP irq_timer_empty(uint64_t n)
{
	__asm__ __volatile__("sti\n1: mov $0x6e0, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\t"
			     "dec %0\n\tjnz 1b\n\tcli"
			     : "+r"(n) : : "rax", "rcx", "rdx", "memory");
}

LOOP irq_timer_op(uint64_t n)
{
	__asm__ __volatile__("sti\n1: mov $0x6e0, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\t"
			     "wrmsr\n\tdec %0\n\tjnz 1b\n\tcli"
			     : "+r"(n) : : "rax", "rcx", "rdx", "memory");
}

static struct {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} bench_idt[256] __attribute__((aligned(16)));

static void wrmsr64(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
}

/* x2APIC on, software-enabled, the timer in TSC-deadline mode on 0x40. */
static int irq_setup(void)
{
	uint64_t a = (uint64_t)(uintptr_t)bench_irq_handler;
	uint32_t lo, hi;

	if (!(x86_cpuid(1, 0).ecx & (1u << 21)))
		return -1;
	for (unsigned v = 0x40; v <= 0x41; v++) {
		bench_idt[v].off_lo = (uint16_t)a;
		bench_idt[v].sel = X86_BOOT_CS;
		bench_idt[v].type = 0x8e;
		bench_idt[v].off_mid = (uint16_t)(a >> 16);
		bench_idt[v].off_hi = (uint32_t)(a >> 32);
	}
	x86_lidt((uint64_t)(uintptr_t)bench_idt, sizeof(bench_idt) - 1);
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1bu));
	wrmsr64(0x1b, (((uint64_t)hi << 32) | lo) | (1u << 10) | (1u << 11));
	wrmsr64(0x80f, 0x1ff);
	wrmsr64(0x832, 0x40 | (2u << 17));
	return 0;
}

/*
 * The same round trip through the xAPIC page, which fief emulates by
 * decoding the guest's MOV (arch/x86/mmio.c): irq_self_ipi_xapic writes
 * ICR low (self shorthand, fixed, vector 0x41), the handler writes EOI.
 */
#define BENCH_XAPIC 0xfee00000ull

__asm__(".pushsection .text\n"
	"bench_xirq_handler:\n"
	"	pushq %rax\n"
	"	movl $0xfee000b0, %eax\n"
	"	movl $0, (%rax)\n"
	"	popq %rax\n\tiretq\n"
	".popsection\n");
void bench_xirq_handler(void);

LOOP irq_xself_empty(uint64_t n)
{
	__asm__ __volatile__("sti\n1: movl $0xfee00300, %%ecx\n\tmovl $0x40041, %%eax\n\t"
			     "dec %0\n\tjnz 1b\n\tcli"
			     : "+r"(n) : : "rax", "rcx", "memory");
}

LOOP irq_xself_op(uint64_t n)
{
	__asm__ __volatile__("sti\n1: movl $0xfee00300, %%ecx\n\tmovl $0x40041, %%eax\n\t"
			     "movl %%eax, (%%rcx)\n\tdec %0\n\tjnz 1b\n\tcli"
			     : "+r"(n) : : "rax", "rcx", "memory");
}

/* Back from x2APIC to xAPIC (only through disabled), enabled, vector
 * 0x41 to the xAPIC handler. */
static int xapic_setup(void)
{
	uint64_t a = (uint64_t)(uintptr_t)bench_xirq_handler;
	uint32_t lo, hi;

	if (guest_map_gpa(BENCH_XAPIC) < 0)
		return -1;
	bench_idt[0x41].off_lo = (uint16_t)a;
	bench_idt[0x41].off_mid = (uint16_t)(a >> 16);
	bench_idt[0x41].off_hi = (uint32_t)(a >> 32);
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1bu));
	wrmsr64(0x1b, (((uint64_t)hi << 32) | lo) & ~((1ull << 10) | (1ull << 11)));
	wrmsr64(0x1b, ((((uint64_t)hi << 32) | lo) & ~(1ull << 10)) | (1ull << 11));
	*(volatile uint32_t *)(uintptr_t)(BENCH_XAPIC + 0xf0) = 0x1ff;
	return 0;
}

static loop_fn hc_op(void)
{
	struct x86_cpuid r = x86_cpuid(0, 0);

	return fief_x86_hc_insn_for_vendor(r.ebx) == FIEF_X86_HC_VMMCALL ? hc_vmmcall : hc_vmcall;
}

#define HAVE_CPUID 1
#define HAVE_IRQ 0
#define BACKEND_HINT "x86"

#elif defined(__aarch64__)
#include "fief_abi_arm64.h"

LOOP calib_short(uint64_t n)
{
	__asm__ __volatile__("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
}

LOOP calib_long(uint64_t n)
{
	__asm__ __volatile__("1: nop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			     "nop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			     "subs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : : "cc");
}

LOOP hc_empty(uint64_t n)
{
	__asm__ __volatile__("1: mov x0, %1\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"((uint64_t)FIEF_SMCCC_FN(FIEF_HC_VERSION))
			     : "x0", "cc", "memory");
}

LOOP hc_hvc(uint64_t n)
{
	__asm__ __volatile__("1: mov x0, %1\n\thvc #0\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"((uint64_t)FIEF_SMCCC_FN(FIEF_HC_VERSION))
			     : "x0", "cc", "memory");
}

/* One byte to the PL011 data register fief emulates (a stage-2 abort). */
LOOP console_empty(uint64_t n)
{
	__asm__ __volatile__("1: mov w9, #0x78\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"(0x09000000ul) : "x9", "cc", "memory");
}

LOOP console_op(uint64_t n)
{
	__asm__ __volatile__("1: mov w9, #0x78\n\tstr w9, [%1]\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"(0x09000000ul) : "x9", "cc", "memory");
}

static loop_fn hc_op(void)
{
	return hc_hvc;
}

/*
 * Interrupts through fief's vGIC. The guest's IRQ vector is three
 * instructions: acknowledge (ICC_IAR1_EL1 into X16), switch the virtual
 * timer off and set X15, end (ICC_EOIR1_EL1), ERET; the loops clobber X15
 * and X16. irq_sgi_self: an SGI to itself by ICC_SGI1R_EL1 (a trapped
 * write fief handles on its short path, the SGI in a list register) taken
 * right after the write. irq_timer: the virtual timer armed to fire at once
 * (a physical PPI 27 exit, the virtual one injected), taken, disabled and
 * ended (an EOI maintenance exit: the level is resampled); the loop waits
 * for X15.
 */
#define BENCH_GICD 0x08000000ul
#define BENCH_GICR 0x080a0000ul
#define BENCH_SGI 3u

void bench_irq_vectors(void);
__asm__(".balign 2048\n"
	"bench_irq_vectors:\n"
	".rept 5\n .balign 128\n b .\n .endr\n"
	".balign 128\n"
	"	mrs x16, S3_0_C12_C12_0\n"  /* ICC_IAR1_EL1 */
	"	msr cntv_ctl_el0, xzr\n"
	"	mov x15, #1\n"
	"	msr S3_0_C12_C12_1, x16\n"  /* ICC_EOIR1_EL1 */
	"	eret\n"
	".rept 10\n .balign 128\n b .\n .endr\n");

LOOP sgi_empty(uint64_t n)
{
	__asm__ __volatile__("1: mov x16, %1\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"((uint64_t)BENCH_SGI << 24 | 1) : "x15", "x16", "cc", "memory");
}

LOOP sgi_op(uint64_t n)
{
	__asm__ __volatile__("1: mov x16, %1\n\tmsr S3_0_C12_C11_5, x16\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"((uint64_t)BENCH_SGI << 24 | 1) : "x15", "x16", "cc", "memory");
}

LOOP timer_empty(uint64_t n)
{
	__asm__ __volatile__("1: mov x15, #0\n\tmov x16, #1\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : : "x15", "x16", "cc", "memory");
}

LOOP timer_op(uint64_t n)
{
	__asm__ __volatile__("msr cntv_cval_el0, xzr\n"
			     "1: mov x15, #0\n\tmov x16, #1\n\tmsr cntv_ctl_el0, x16\n\tisb\n"
			     "2: cbz x15, 2b\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : : "x15", "x16", "cc", "memory");
}

static void w32(uint64_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory");
}

/* The host's virtual GIC (at the physical one's addresses): distributor
 * on, SGIs and PPI 27 enabled in its vCPU 0's redistributor, the CPU
 * interface open, IRQs unmasked. */
static int irq_setup(void)
{
	if (guest_map_gpa(BENCH_GICD) < 0 || guest_map_gpa(BENCH_GICR) < 0 ||
	    guest_map_gpa(BENCH_GICR + 0x10000) < 0)
		return 1;
	__asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(bench_irq_vectors));
	w32(BENCH_GICD, 1u << 1 | 1u << 4);
	w32(BENCH_GICR + 0x14, 0);
	w32(BENCH_GICR + 0x10100, 1u << BENCH_SGI | 1u << 27);
	__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(0xffull));
	__asm__ volatile("msr S3_0_C12_C12_7, %0\n\tisb" : : "r"(1ull));
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	return 0;
}

#define HAVE_IRQ 1
#define IRQ_N 256u

#define HAVE_CPUID 0
#define BACKEND_HINT "arm64"
#else
#error "bench: unknown architecture"
#endif

/* ---- timing --------------------------------------------------------------- */

/* Ticks of the counter per instruction, times 1000 (from calibrate()). */
static uint64_t ticks_per_insn_milli;

static void newline(void)
{
	guest_putc('\n');
}

/* The fewest ticks one call of @fn(n) took over BATCHES calls; @after runs
 * between batches, outside the measurement. */
static uint64_t min_ticks(loop_fn fn, uint64_t n, void (*after)(void))
{
	uint64_t best = ~0ull;

	for (unsigned b = 0; b < BATCHES; b++) {
		uint64_t t0 = guest_cycles();

		fn(n);
		uint64_t t = guest_cycles() - t0;

		if (t < best)
			best = t;
		if (after)
			after();
	}
	return best;
}

/* Print @ticks over @n operations as instructions with one decimal. */
static void report(const char *name, uint64_t op, uint64_t empty, uint64_t n)
{
	uint64_t d = op > empty ? op - empty : 0;
	uint64_t den = n * ticks_per_insn_milli;
	uint64_t x10 = den ? (d * 10000u + den / 2) / den : 0;

	guest_printf("bench-info: %s %lu ticks for %lu ops, %lu without the op\n", name,
		     (unsigned long)op, (unsigned long)n, (unsigned long)empty);
	guest_printf("bench: %s %lu.%lu\n", name, (unsigned long)(x10 / 10),
		     (unsigned long)(x10 % 10));
}

static void measure(const char *name, loop_fn op, loop_fn empty, uint64_t n, void (*after)(void))
{
	uint64_t t_op, t_empty;

	/* One warm-up call each: the first touch of the code faults it in.
	 * Then the op's batches, then the empty loop's, in this order:
	 * `make bench-profile` counts from the op's loop to the empty one. */
	op(1);
	if (after)
		after();
	t_op = min_ticks(op, n, after);
	empty(1);
	t_empty = min_ticks(empty, n, NULL);
	report(name, t_op, t_empty, n);
}

/* Two loops that differ by exactly CALIB_EXTRA instructions an iteration:
 * the counter's ticks per instruction is their difference over the
 * instructions added. The short loop alone gives a second estimate. */
static int calibrate(void)
{
	uint64_t s, l, per;

	calib_short(1);
	calib_long(1);
	s = min_ticks(calib_short, CALIB_N, NULL);
	l = min_ticks(calib_long, CALIB_N, NULL);
	if (l <= s) {
		guest_printf("bench: FAIL counter does not advance with instructions (%lu, %lu)\n",
			     (unsigned long)s, (unsigned long)l);
		return 1;
	}
	per = (l - s) * 1000u / (CALIB_N * CALIB_EXTRA);
	ticks_per_insn_milli = per;
	guest_printf("bench-info: calib %lu ticks for %u x 2 insns, %lu for %u x %u insns\n",
		     (unsigned long)s, CALIB_N, (unsigned long)l, CALIB_N, 2 + CALIB_EXTRA);
	guest_printf("bench: calib_ticks_per_insn %lu.%03lu\n", (unsigned long)(per / 1000),
		     (unsigned long)(per % 1000));
	return per ? 0 : 1;
}

/* ---- host_fault: the host's lazy identity map ----------------------------- */

static uint64_t fault_base;   /* first 2 MiB block used */
static uint64_t fault_blocks; /* blocks per batch */
static unsigned fault_batch;  /* the batch the next fault_touch() uses */
static uint64_t fault_offset; /* where in each block the touch lands */

static void fault_touch(uint64_t n)
{
	uint64_t a = fault_base + (uint64_t)fault_batch * n * BLOCK_2M + fault_offset;

	for (uint64_t i = 0; i < n; i++, a += BLOCK_2M)
		*(volatile uint8_t *)(uintptr_t)a = 1;
}

/* The largest RAM region of the host at or above FAULT_FLOOR into its
 * span (which starts at 0 on x86 and at the first RAM on arm64: the boot
 * information page tells where), whole 2 MiB blocks only: no block of it
 * was touched before. */
static int fault_setup(const struct fief_boot_info *bi)
{
	uint64_t best_lo = 0, best_n = 0;
	uint64_t floor = (uint64_t)(uintptr_t)bi - FIEF_BOOT_INFO_GPA + FAULT_FLOOR;

	for (uint32_t i = 0; i < bi->region_count && i < FIEF_BOOT_REGIONS_MAX; i++) {
		const struct fief_boot_region *r = &bi->region[i];
		uint64_t end = r->base + r->size, lo = r->base < floor ? floor : r->base;

		if (r->type != FIEF_MEM_RAM || end <= lo)
			continue;
		lo = (lo + BLOCK_2M - 1) & ~(BLOCK_2M - 1);
		uint64_t n = end > lo ? (end - lo) / BLOCK_2M : 0;

		if (n > best_n)
			best_lo = lo, best_n = n;
	}
	fault_blocks = best_n / (BATCHES + 1);
	if (fault_blocks > FAULT_PER_BATCH)
		fault_blocks = FAULT_PER_BATCH;
	if (fault_blocks == 0)
		return 1;
	fault_base = best_lo;
	for (uint64_t i = 0; i < (BATCHES + 1) * fault_blocks; i++)
		if (guest_map_gpa(fault_base + i * BLOCK_2M) < 0)
			return 1;
	guest_printf("bench-info: host_fault uses %lu blocks of 2 MiB from 0x%lx\n",
		     (unsigned long)((BATCHES + 1) * fault_blocks), (unsigned long)fault_base);
	return 0;
}

/* Faults: BATCHES batches over fresh blocks (batch 0 is a warm-up of the
 * loop's own code). Baseline: the same addresses again, now mapped. Then a
 * second page of each faulted block, 1 MiB further: if fief mapped the
 * whole 2 MiB block, that costs no more than the baseline. */
static void bench_host_fault(void)
{
	uint64_t n = fault_blocks, op = ~0ull, empty = ~0ull, other = ~0ull, t;

	for (fault_batch = 0; fault_batch <= BATCHES; fault_batch++) {
		fault_offset = 0;
		t = guest_cycles();
		fault_touch(n);
		t = guest_cycles() - t;
		if (fault_batch > 0 && t < op)
			op = t;
		t = guest_cycles();
		fault_touch(n);
		t = guest_cycles() - t;
		if (t < empty)
			empty = t;
		fault_offset = BLOCK_2M / 2;
		t = guest_cycles();
		fault_touch(n);
		t = guest_cycles() - t;
		if (t < other)
			other = t;
	}
	report("host_fault", op, empty, n);
	report("host_fault_same_block", other, empty, n);
}

#ifdef BENCH_REMOTE
/* ---- irq_ipi_remote: two vCPUs on two CPUs -------------------------------- */

/*
 * bench-remote.elf (mk/guests.mk: bench.c with -DBENCH_REMOTE), run by
 * tests/bench/emu.sh as a guest VM of two vCPUs on CPUs 0 and 1
 * (tests/bench/emu/fief-remote.cfg), prints irq_ipi_remote and nothing
 * else but the calibration. One round trip: vCPU 0 sends a fixed IPI
 * (x86: x2APIC ICR, WRMSR 0x830, vector 0x42 to APIC 1) / SGI 5 (arm64:
 * ICC_SGI1R_EL1 to vCPU 1) and sleeps (HLT / WFI) until the answer came;
 * vCPU 1, asleep in HLT / WFI, takes it, its handler sends vector 0x43 /
 * SGI 6 back to vCPU 0 and EOIs; vCPU 0's handler sets the flag and EOIs.
 * Baseline: the same loop with the send replaced by setting the flag
 * itself, so no exit, no sleep and no handler.
 */
#define REMOTE_N 256u

static volatile uint32_t remote_ready;

#if defined(__x86_64__)
/* Set by vCPU 0's handler (vector 0x43), cleared by the loop. */
volatile uint32_t bench_remote_pong;

__asm__(".pushsection .text\n"
	"bench_remote_ping:\n" /* vCPU 1: vector 0x43 to APIC 0, EOI */
	"	pushq %rax\n\tpushq %rcx\n\tpushq %rdx\n"
	"	movl $0x830, %ecx\n\tmovl $0x43, %eax\n\txorl %edx, %edx\n\twrmsr\n"
	"	movl $0x80b, %ecx\n\txorl %eax, %eax\n\twrmsr\n"
	"	popq %rdx\n\tpopq %rcx\n\tpopq %rax\n\tiretq\n"
	"bench_remote_pong_handler:\n" /* vCPU 0: the flag, EOI */
	"	pushq %rax\n\tpushq %rcx\n\tpushq %rdx\n"
	"	movl $1, bench_remote_pong(%rip)\n"
	"	movl $0x80b, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\twrmsr\n"
	"	popq %rdx\n\tpopq %rcx\n\tpopq %rax\n\tiretq\n"
	".popsection\n");
void bench_remote_ping(void);
void bench_remote_pong_handler(void);

static struct x86_gate remote_idt[256] __attribute__((aligned(16)));

/* IF clear: the answer is taken only inside STI; HLT (no lost wake-up). */
LOOP remote_empty(uint64_t n)
{
	__asm__ __volatile__("cli\n1: mov $0x830, %%ecx\n\tmov $0x42, %%eax\n\tmov $1, %%edx\n\t"
			     "movl $1, bench_remote_pong(%%rip)\n"
			     "2: cmpl $0, bench_remote_pong(%%rip)\n\tjne 3f\n\t"
			     "sti\n\thlt\n\tcli\n\tjmp 2b\n"
			     "3: movl $0, bench_remote_pong(%%rip)\n\tdec %0\n\tjnz 1b"
			     : "+r"(n) : : "rax", "rcx", "rdx", "memory");
}

LOOP remote_op(uint64_t n)
{
	__asm__ __volatile__("cli\n1: mov $0x830, %%ecx\n\tmov $0x42, %%eax\n\tmov $1, %%edx\n\t"
			     "wrmsr\n"
			     "2: cmpl $0, bench_remote_pong(%%rip)\n\tjne 3f\n\t"
			     "sti\n\thlt\n\tcli\n\tjmp 2b\n"
			     "3: movl $0, bench_remote_pong(%%rip)\n\tdec %0\n\tjnz 1b"
			     : "+r"(n) : : "rax", "rcx", "rdx", "memory");
}

/* This vCPU: the shared IDT, x2APIC on and software-enabled. */
static int remote_cpu_setup(unsigned vcpu)
{
	(void)vcpu;
	if (!(x86_cpuid(1, 0).ecx & (1u << 21)))
		return -1;
	remote_idt[0x42] = x86_gate(bench_remote_ping);
	remote_idt[0x43] = x86_gate(bench_remote_pong_handler);
	x86_lidt((uint64_t)(uintptr_t)remote_idt, sizeof(remote_idt) - 1);
	x86_wrmsr(0x1b, x86_rdmsr(0x1b) | (1u << 10) | (1u << 11));
	x86_wrmsr(0x80f, 0x1ff);
	return 0;
}

/* vCPU 1: asleep with IF set, woken only by the handler's work. */
static void remote_serve(void)
{
	__asm__ __volatile__("sti\n1: hlt\n\tjmp 1b" ::: "memory");
}

#elif defined(__aarch64__)
#define REMOTE_GICR(v) (FIEF_ARM64_GICR_GPA + (uint64_t)(v) * FIEF_ARM64_GICR_STRIDE)
#define REMOTE_PING 5u
#define REMOTE_PONG 6u

/* The IRQ vector of both vCPUs: acknowledge into X16; SGI 5 (vCPU 1):
 * SGI 6 to vCPU 0; else (vCPU 0) X15 = 1; end, ERET. Clobbers X15-X17;
 * vCPU 1 runs nothing else, vCPU 0's loop lists them. */
void bench_remote_vectors(void);
__asm__(".balign 2048\n"
	"bench_remote_vectors:\n"
	".rept 5\n .balign 128\n b .\n .endr\n"
	".balign 128\n"
	"	mrs x16, S3_0_C12_C12_0\n"  /* ICC_IAR1_EL1 */
	"	cmp w16, #5\n"
	"	b.eq 1f\n"
	"	cmp w16, #1020\n"
	"	b.hs 3f\n"
	"	mov x15, #1\n"
	"	b 2f\n"
	"1:	movz x17, #0x0600, lsl #16\n"
	"	movk x17, #1\n"              /* SGI 6, target list: vCPU 0 */
	"	msr S3_0_C12_C11_5, x17\n"   /* ICC_SGI1R_EL1 */
	"2:	msr S3_0_C12_C12_1, x16\n"   /* ICC_EOIR1_EL1 */
	"3:	eret\n"
	".rept 10\n .balign 128\n b .\n .endr\n");

/* IRQs masked: WFI wakes on the pending SGI, which is taken only in the
 * unmasked window after it (no lost wake-up). */
LOOP remote_empty(uint64_t n)
{
	__asm__ __volatile__("msr daifset, #2\n\tmov x15, #0\n"
			     "1: mov x16, %1\n\tmov x15, #1\n"
			     "2: cbnz x15, 3f\n\twfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2\n\tb 2b\n"
			     "3: mov x15, #0\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"((uint64_t)REMOTE_PING << 24 | 2)
			     : "x15", "x16", "x17", "cc", "memory");
}

LOOP remote_op(uint64_t n)
{
	__asm__ __volatile__("msr daifset, #2\n\tmov x15, #0\n"
			     "1: mov x16, %1\n\tmsr S3_0_C12_C11_5, x16\n"
			     "2: cbnz x15, 3f\n\twfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2\n\tb 2b\n"
			     "3: mov x15, #0\n\tsubs %0, %0, #1\n\tb.ne 1b"
			     : "+r"(n) : "r"((uint64_t)REMOTE_PING << 24 | 2)
			     : "x15", "x16", "x17", "cc", "memory");
}

/* This vCPU's redistributor (SGIs 5 and 6 enabled) and CPU interface;
 * vCPU 0 turns the distributor on. IRQs stay masked. */
static int remote_cpu_setup(unsigned vcpu)
{
	__asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(bench_remote_vectors));
	if (vcpu == 0)
		w32(FIEF_ARM64_GICD_GPA, 1u << 1 | 1u << 4);
	w32(REMOTE_GICR(vcpu) + 0x14, 0);
	w32(REMOTE_GICR(vcpu) + 0x10100, 1u << REMOTE_PING | 1u << REMOTE_PONG);
	__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(0xffull));
	__asm__ volatile("msr S3_0_C12_C12_7, %0\n\tisb" : : "r"(1ull));
	return 0;
}

/* vCPU 1: asleep in WFI with IRQs unmasked. */
static void remote_serve(void)
{
	__asm__ __volatile__("msr daifclr, #2\n1: wfi\n\tb 1b" ::: "memory");
}
#endif

int secondary_main(unsigned vcpu, uint64_t mem_size)
{
	(void)mem_size;
	if (vcpu != 1 || remote_cpu_setup(vcpu))
		return 0;
	__atomic_store_n(&remote_ready, 1, __ATOMIC_SEQ_CST);
	remote_serve();
	return 0;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	(void)vcpu;
	(void)mem_size;
	guest_printf("bench-info: arch %s remote, %u batches, minimum taken\n", BACKEND_HINT,
		     BATCHES);
	if (calibrate())
		return 1;
	if (remote_cpu_setup(0)) {
		guest_printf("bench-info: irq_ipi_remote skipped: no x2APIC\n");
	} else {
		while (!__atomic_load_n(&remote_ready, __ATOMIC_SEQ_CST))
			guest_relax();
		measure("irq_ipi_remote", remote_op, remote_empty, REMOTE_N, NULL);
	}
	guest_printf("bench: done\n");
	return 0;
}
#else
/* ---- main ------------------------------------------------------------------ */

int main(unsigned vcpu, uint64_t mem_size)
{
	const struct fief_boot_info *bi = (const void *)(uintptr_t)guest_boot_info_gpa;

	(void)vcpu;
	(void)mem_size;
	guest_printf("bench-info: arch %s, %u batches, minimum taken\n", BACKEND_HINT, BATCHES);
	if (calibrate())
		return 1;
	measure("hypercall_null", hc_op(), hc_empty, HC_N, NULL);
#if HAVE_CPUID
	measure("exit_cpuid", cpuid_op, cpuid_empty, CPUID_N, NULL);
	if (irq_setup() == 0) {
		measure("irq_self_ipi", irq_self_op, irq_self_empty, CPUID_N, NULL);
		measure("irq_timer", irq_timer_op, irq_timer_empty, CPUID_N, NULL);
		if (xapic_setup() == 0)
			measure("irq_self_ipi_xapic", irq_xself_op, irq_xself_empty, CPUID_N, NULL);
		else
			guest_printf("bench-info: irq_self_ipi_xapic skipped: no xAPIC page\n");
	} else {
		guest_printf("bench-info: irq skipped: no x2APIC\n");
	}
#endif
	measure("exit_console", console_op, console_empty, CONSOLE_N, newline);
#if HAVE_IRQ
	if (irq_setup()) {
		guest_printf("bench-info: irq_sgi_self skipped: no GIC mapping\n");
	} else {
		measure("irq_sgi_self", sgi_op, sgi_empty, IRQ_N, NULL);
		measure("irq_timer", timer_op, timer_empty, IRQ_N, NULL);
	}
#endif
	if (bi->magic != FIEF_BOOT_MAGIC || !(bi->flags & FIEF_BOOT_F_HOST))
		guest_printf("bench-info: host_fault skipped: not the host VM\n");
	else if (fault_setup(bi))
		guest_printf("bench-info: host_fault skipped: no fresh RAM above 64 MiB\n");
	else
		bench_host_fault();
	guest_printf("bench: done\n");
	return 0;
}
#endif /* BENCH_REMOTE */
