/* SPDX-License-Identifier: MIT */
/*
 * ELF64 parser, plan and loader. Each test assembles a small valid image in a
 * buffer, then breaks one thing in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/elf.h"
#include "lib/err.h"

#define TEXT_OFF 512u  /* file offset of the text segment, after the phdrs */
#define TEXT_SIZE 64u
#define DATA_OFF 576u
#define DATA_SIZE 32u
#define BSS_SIZE 4064u /* data memsz is DATA_SIZE + BSS_SIZE = 4096 */
#define IMAGE_SIZE 608u
#define LOAD_BASE 0x100000u

static _Alignas(8) uint8_t image[16384];
static size_t image_size;
static struct elf_image img;

static struct elf64_ehdr *eh(void)
{
	return (struct elf64_ehdr *)image;
}

static struct elf64_phdr *ph(unsigned i)
{
	return (struct elf64_phdr *)(image + sizeof(struct elf64_ehdr)) + i;
}

/*
 * A valid x86_64 executable: phdr 0 a PT_DATA segment at 0x101000 listed
 * first (so sorting shows), phdr 1 the text at 0x100000, phdr 2 a PT_NOTE,
 * phdr 3 an empty PT_LOAD; entry 0x100010.
 */
static void build(void)
{
	memset(image, 0, sizeof(image));
	memcpy(eh()->ident, "\x7f" "ELF", 4);
	eh()->ident[4] = 2; /* ELFCLASS64 */
	eh()->ident[5] = 1; /* little-endian */
	eh()->ident[6] = 1; /* EV_CURRENT */
	eh()->type = ELF_TYPE_EXEC;
	eh()->machine = ELF_MACHINE_X86_64;
	eh()->version = 1;
	eh()->entry = LOAD_BASE + 0x10;
	eh()->phoff = sizeof(struct elf64_ehdr);
	eh()->ehsize = sizeof(struct elf64_ehdr);
	eh()->phentsize = sizeof(struct elf64_phdr);
	eh()->phnum = 4;
	*ph(0) = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, DATA_OFF,
		LOAD_BASE + 0x1000, LOAD_BASE + 0x1000, DATA_SIZE, DATA_SIZE + BSS_SIZE, 4096 };
	*ph(1) = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, TEXT_OFF,
		LOAD_BASE, LOAD_BASE, TEXT_SIZE, TEXT_SIZE, 4096 };
	*ph(2) = (struct elf64_phdr){ 4 /* PT_NOTE */, ELF_PF_R, 0, 0, 0, 8, 8, 4 };
	*ph(3) = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R, 0, 0x5000, 0x5000, 0, 0, 4096 };
	for (unsigned i = 0; i < TEXT_SIZE + DATA_SIZE; i++)
		image[TEXT_OFF + i] = (uint8_t)(0x40 + i);
	image_size = IMAGE_SIZE;
}

static int parse(void)
{
	return elf_parse(image, image_size, ELF_MACHINE_X86_64, &img);
}

static void test_good(void **state)
{
	(void)state;
	build();
	assert_int_equal(parse(), 0);
	assert_string_equal(img.why, "");
	assert_int_equal(img.segment_count, 2);
	assert_int_equal(img.entry, LOAD_BASE + 0x10);
	assert_int_equal(img.entry_paddr, LOAD_BASE + 0x10);
	/* sorted by paddr */
	assert_int_equal(img.segment[0].paddr, LOAD_BASE);
	assert_int_equal(img.segment[0].offset, TEXT_OFF);
	assert_int_equal(img.segment[0].filesz, TEXT_SIZE);
	assert_int_equal(img.segment[0].memsz, TEXT_SIZE);
	assert_int_equal(img.segment[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(img.segment[1].paddr, LOAD_BASE + 0x1000);
	assert_int_equal(img.segment[1].filesz, DATA_SIZE);
	assert_int_equal(img.segment[1].memsz, DATA_SIZE + BSS_SIZE);
	/* the entry goes through its segment when p_paddr != p_vaddr */
	build();
	ph(1)->vaddr = 0xffffffff80000000ull;
	eh()->entry = 0xffffffff80000020ull;
	assert_int_equal(parse(), 0);
	assert_int_equal(img.entry_paddr, LOAD_BASE + 0x20);
	/* aarch64 too */
	build();
	eh()->machine = ELF_MACHINE_AARCH64;
	assert_int_equal(elf_parse(image, image_size, ELF_MACHINE_AARCH64, &img), 0);
}

static void test_unaligned(void **state)
{
	static _Alignas(8) uint8_t copy[IMAGE_SIZE + 1];

	(void)state;
	build();
	memcpy(copy + 1, image, IMAGE_SIZE);
	assert_int_equal(elf_parse(copy + 1, IMAGE_SIZE, ELF_MACHINE_X86_64, &img), 0);
	assert_int_equal(img.segment_count, 2);
	assert_ptr_equal(img.data, copy + 1);
}

/* Build, apply @mutation, parse: expect @err and @reason in img.why. */
#define BREAK(mutation, err, reason)                                           \
	do {                                                                \
		build();                                                    \
		mutation;                                                   \
		assert_int_equal(parse(), err);                             \
		if (strstr(img.why, reason) == NULL) {                         \
			print_message("reason '%s' lacks '%s'\n", img.why, reason); \
			fail();                                             \
		}                                                           \
	} while (0)

static void test_header_errors(void **state)
{
	(void)state;
	BREAK(image_size = 63, FIEF_EFORMAT, "shorter than an ELF header");
	BREAK(image_size = 0, FIEF_EFORMAT, "shorter than an ELF header");
	BREAK(eh()->ident[0] = 0x7e, FIEF_EFORMAT, "bad magic");
	BREAK(eh()->ident[3] = 'f', FIEF_EFORMAT, "bad magic");
	BREAK(eh()->ident[4] = 1, FIEF_ENOTSUP, "not a 64-bit");
	BREAK(eh()->ident[5] = 2, FIEF_ENOTSUP, "not a little-endian");
	BREAK(eh()->ident[6] = 0, FIEF_EFORMAT, "unknown ELF version");
	BREAK(eh()->version = 2, FIEF_EFORMAT, "unknown ELF version");
	BREAK(eh()->type = ELF_TYPE_DYN, FIEF_ENOTSUP, "ET_DYN");
	BREAK(eh()->type = 1, FIEF_ENOTSUP, "not an executable (e_type 1)");
	BREAK(eh()->type = 4, FIEF_ENOTSUP, "not an executable (e_type 4)");
	BREAK(eh()->machine = ELF_MACHINE_AARCH64, FIEF_ENOTSUP, "built for machine 183, not 62");
	BREAK(eh()->phentsize = 32, FIEF_EFORMAT, "e_phentsize 32 is not 56");
	BREAK(eh()->phentsize = 64, FIEF_EFORMAT, "e_phentsize 64 is not 56");
	BREAK(eh()->phnum = 0, FIEF_EFORMAT, "no program headers");
	BREAK(eh()->phnum = 0xffff, FIEF_EFORMAT, "extended program header count");
}

static void test_phdr_bounds(void **state)
{
	(void)state;
	BREAK(eh()->phoff = IMAGE_SIZE + 1, FIEF_EFORMAT, "program headers extend past");
	BREAK(eh()->phoff = IMAGE_SIZE - 4 * 56 + 1, FIEF_EFORMAT, "program headers extend past");
	BREAK(eh()->phoff = UINT64_MAX, FIEF_EFORMAT, "program headers extend past");
	BREAK(eh()->phnum = 200, FIEF_EFORMAT, "program headers extend past");
	/* exactly at the end of the file is fine */
	build();
	memmove(image + IMAGE_SIZE, image + 64, 4 * 56);
	eh()->phoff = IMAGE_SIZE;
	image_size = IMAGE_SIZE + 4 * 56;
	assert_int_equal(parse(), 0);
}

static void test_segment_errors(void **state)
{
	(void)state;
	BREAK(ph(1)->filesz = TEXT_SIZE + 1, FIEF_EFORMAT, "segment 1: p_filesz > p_memsz");
	BREAK(ph(3)->filesz = 1, FIEF_EFORMAT, "segment 3: p_filesz > p_memsz");
	BREAK(ph(0)->offset = IMAGE_SIZE - DATA_SIZE + 1, FIEF_EFORMAT,
	      "segment 0 extends past the end of the file");
	BREAK(ph(0)->offset = UINT64_MAX, FIEF_EFORMAT, "segment 0 extends past");
	BREAK((ph(0)->offset = 8, ph(0)->filesz = UINT64_MAX - 4, ph(0)->memsz = UINT64_MAX),
	      FIEF_EFORMAT, "segment 0 extends past");
	BREAK(ph(0)->paddr = UINT64_MAX - 100, FIEF_EFORMAT, "segment 0 wraps");
	BREAK(ph(0)->vaddr = UINT64_MAX - 100, FIEF_EFORMAT, "segment 0 wraps");
	/* a segment ending exactly at 2^64 has no representable end either */
	BREAK(ph(0)->paddr = (uint64_t)0 - (DATA_SIZE + BSS_SIZE), FIEF_EFORMAT, "segment 0 wraps");
	BREAK(ph(0)->paddr = LOAD_BASE + TEXT_SIZE - 1, FIEF_EFORMAT,
	      "load segments at 0x100000 and 0x10003f overlap");
	BREAK(ph(0)->paddr = LOAD_BASE, FIEF_EFORMAT, "overlap");
	BREAK(ph(0)->paddr = LOAD_BASE - 1, FIEF_EFORMAT, "overlap");
	BREAK((ph(0)->type = 4, ph(1)->type = 6), FIEF_EFORMAT, "no load segments");
	BREAK(ph(1)->memsz = ph(1)->filesz = 0, FIEF_EFORMAT, "entry point");
	/* touching segments are fine */
	build();
	ph(0)->paddr = LOAD_BASE + TEXT_SIZE;
	assert_int_equal(parse(), 0);
}

static void test_entry_errors(void **state)
{
	(void)state;
	BREAK(eh()->entry = LOAD_BASE + 0x1000, FIEF_EFORMAT, "entry point 0x101000 is not");
	BREAK(eh()->entry = LOAD_BASE - 1, FIEF_EFORMAT, "entry point");
	BREAK(eh()->entry = LOAD_BASE + TEXT_SIZE, FIEF_EFORMAT, "entry point");
	BREAK(ph(1)->flags = ELF_PF_R, FIEF_EFORMAT, "entry point");
	/* in the zero-filled tail of an executable segment */
	BREAK((ph(1)->memsz = 0x800, eh()->entry = LOAD_BASE + 0x100), FIEF_EFORMAT, "entry point");
	build();
	eh()->entry = LOAD_BASE + TEXT_SIZE - 1;
	assert_int_equal(parse(), 0);
}

static void test_too_many_segments(void **state)
{
	(void)state;
	build();
	eh()->phnum = ELF_MAX_SEGMENTS + 1;
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
		*ph(i) = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0,
			LOAD_BASE + 0x1000 * i, LOAD_BASE + 0x1000 * i, 64, 64, 4096 };
	image_size = 64 + 56 * (ELF_MAX_SEGMENTS + 1);
	assert_int_equal(parse(), FIEF_ENOSPC);
	assert_string_equal(img.why, "more than 16 load segments");
	eh()->phnum = ELF_MAX_SEGMENTS;
	eh()->entry = LOAD_BASE + 0x100; /* between segments */
	assert_int_equal(parse(), FIEF_EFORMAT);
	eh()->entry = LOAD_BASE + 0x1000 * 3 + 8;
	assert_int_equal(parse(), 0);
	assert_int_equal(img.segment_count, ELF_MAX_SEGMENTS);
	assert_int_equal(img.entry_paddr, LOAD_BASE + 0x3008);
}

static void test_plan(void **state)
{
	struct elf_plan plan;

	(void)state;
	build();
	assert_int_equal(parse(), 0);
	assert_int_equal(elf_plan(&img, gpa_init(LOAD_BASE), 0x2000, &plan), 0);
	assert_int_equal(gpa_addr(plan.base), LOAD_BASE);
	assert_int_equal(plan.size, 0x2000);
	assert_int_equal(gpa_addr(plan.entry), LOAD_BASE + 0x10);
	assert_int_equal(gpa_addr(plan.low), LOAD_BASE);
	assert_int_equal(gpa_addr(plan.high), LOAD_BASE + 0x2000);
	assert_int_equal(elf_plan(&img, gpa_init(0), 2u << 20, &plan), 0);
	/* one byte short at the top, or starting one page too high */
	assert_int_equal(elf_plan(&img, gpa_init(LOAD_BASE), 0x1fff, &plan), FIEF_ERANGE);
	assert_non_null(strstr(img.why, "segment at 0x101000+0x1000 is outside"));
	assert_int_equal(elf_plan(&img, gpa_init(LOAD_BASE + 0x1000), 1u << 20, &plan),
			 FIEF_ERANGE);
	assert_non_null(strstr(img.why, "segment at 0x100000+0x40 is outside"));
	assert_int_equal(elf_plan(&img, gpa_init(LOAD_BASE), 0, &plan), FIEF_EINVAL);
	assert_int_equal(elf_plan(&img, gpa_init(UINT64_MAX - 10), 100, &plan), FIEF_EINVAL);
	assert_int_equal(elf_plan(&img, gpa_init(0x1000), UINT64_MAX - 0x1000, &plan), 0);
	/* a plan of a failed parse is refused */
	image_size = 10;
	assert_int_equal(parse(), FIEF_EFORMAT);
	assert_int_equal(elf_plan(&img, gpa_init(0), 1u << 20, &plan), FIEF_EINVAL);
}

static void test_load(void **state)
{
	static uint8_t mem[0x3000];
	struct elf_plan plan;

	(void)state;
	build();
	assert_int_equal(parse(), 0);
	assert_int_equal(elf_plan(&img, gpa_init(LOAD_BASE - 0x800), sizeof(mem), &plan), 0);
	memset(mem, 0xaa, sizeof(mem));
	assert_int_equal(elf_load(&img, &plan, mem, sizeof(mem)), 0);
	/* untouched before, between and after the segments */
	assert_int_equal(mem[0x7ff], 0xaa);
	assert_int_equal(mem[0x800 + TEXT_SIZE], 0xaa);
	assert_int_equal(mem[0x17ff], 0xaa);
	assert_int_equal(mem[0x2800], 0xaa);
	assert_int_equal(mem[sizeof(mem) - 1], 0xaa);
	assert_memory_equal(mem + 0x800, image + TEXT_OFF, TEXT_SIZE);
	assert_memory_equal(mem + 0x1800, image + DATA_OFF, DATA_SIZE);
	for (unsigned i = DATA_SIZE; i < DATA_SIZE + BSS_SIZE; i++)
		assert_int_equal(mem[0x1800 + i], 0);
	/* a plan for more memory than the buffer writes nothing */
	memset(mem, 0xaa, sizeof(mem));
	assert_int_equal(elf_load(&img, &plan, mem, 0x2000), FIEF_ERANGE);
	assert_int_equal(elf_load(&img, &plan, mem, 0x27ff), FIEF_ERANGE);
	for (size_t i = 0; i < sizeof(mem); i++)
		assert_int_equal(mem[i], 0xaa);
	assert_int_equal(elf_load(&img, &plan, mem, 0x2800), 0);
	/* a plan whose base is above a segment is refused */
	plan.base = gpa_init(LOAD_BASE + 1);
	assert_int_equal(elf_load(&img, &plan, mem, sizeof(mem)), FIEF_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_phdr_bounds),
		cmocka_unit_test(test_segment_errors),
		cmocka_unit_test(test_entry_errors),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
