/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: elf_parse(), elf_plan() and elf_load() on arbitrary
 * bytes, for both machines.
 *
 * A parsed image must keep its promises (segments inside the file, sorted,
 * not overlapping, not wrapping, entry in an executable segment). When its
 * segments span at most SPAN_MAX bytes, it is planned and loaded into a
 * buffer of exactly that size: the copy must match the file, the bss must be
 * zero, and no byte outside the segments may change. A load into a buffer
 * one byte too small must fail without writing. The last 16 bytes of the
 * input also give an arbitrary base and size to elf_plan().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPAN_MAX (256u * 1024)
#define POISON 0xa5

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz_elf: invariant broken: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                 \
			abort();                                            \
		}                                                           \
	} while (0)

static void check_image(const struct elf_image *img, size_t size)
{
	bool entry_found = false;

	CHECK(img->segment_count >= 1 && img->segment_count <= ELF_MAX_SEGMENTS);
	CHECK(img->why[0] == '\0');
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];

		CHECK(s->memsz > 0 && s->filesz <= s->memsz);
		CHECK(s->offset <= size && s->filesz <= size - s->offset);
		CHECK(s->paddr + s->memsz > s->paddr);
		CHECK(s->vaddr + s->memsz > s->vaddr);
		if (i > 0)
			CHECK(img->segment[i - 1].paddr + img->segment[i - 1].memsz <= s->paddr);
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->filesz &&
		    img->entry_paddr == s->paddr + (img->entry - s->vaddr))
			entry_found = true;
	}
	CHECK(entry_found);
}

/* Load into a buffer of exactly the span of the segments and compare. */
static void check_load(struct elf_image *img)
{
	static uint8_t covered[SPAN_MAX];
	const struct elf_segment *last = &img->segment[img->segment_count - 1];
	uint64_t base = img->segment[0].paddr;
	uint64_t span = last->paddr + last->memsz - base;
	struct elf_plan plan;
	uint8_t *mem;

	if (span > SPAN_MAX)
		return;
	CHECK(elf_plan(img, gpa_init(base), span, &plan) == 0);
	CHECK(gpa_addr(plan.low) == base && gpa_addr(plan.high) == base + span);
	CHECK(gpa_addr(plan.entry) == img->entry_paddr);
	mem = malloc(span);
	CHECK(mem != NULL);
	memset(mem, POISON, span);
	/* one byte short: refused, nothing written */
	CHECK(elf_load(img, &plan, mem, span - 1) == FIEF_ERANGE);
	for (uint64_t i = 0; i < span; i++)
		CHECK(mem[i] == POISON);
	CHECK(elf_load(img, &plan, mem, span) == 0);
	memset(covered, 0, span);
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];
		uint64_t at = s->paddr - base;

		CHECK(memcmp(mem + at, img->data + s->offset, s->filesz) == 0);
		for (uint64_t b = s->filesz; b < s->memsz; b++)
			CHECK(mem[at + b] == 0);
		memset(covered + at, 1, s->memsz);
	}
	for (uint64_t i = 0; i < span; i++)
		CHECK(covered[i] || mem[i] == POISON);
	free(mem);
}

/* elf_plan() with a base and size taken from the input's last bytes. */
static void check_plan_any(struct elf_image *img, const uint8_t *data, size_t size)
{
	struct elf_plan plan;
	uint64_t base, len;
	int ret;

	if (size < 16)
		return;
	memcpy(&base, data + size - 16, 8);
	memcpy(&len, data + size - 8, 8);
	ret = elf_plan(img, gpa_init(base), len, &plan);
	CHECK(ret == 0 || ret == FIEF_ERANGE || ret == FIEF_EINVAL);
	if (ret != 0)
		return;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];

		CHECK(s->paddr >= base && s->paddr - base <= len &&
		      s->memsz <= len - (s->paddr - base));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t machines[] = { ELF_MACHINE_X86_64, ELF_MACHINE_AARCH64 };
	static struct elf_image img;

	for (size_t m = 0; m < 2; m++) {
		int ret = elf_parse(data, size, machines[m], &img);

		CHECK(strnlen(img.why, sizeof(img.why)) < sizeof(img.why));
		CHECK(img.data == data && img.size == size);
		if (ret != 0) {
			CHECK(ret == FIEF_EFORMAT || ret == FIEF_ENOTSUP || ret == FIEF_ENOSPC);
			CHECK(img.why[0] != '\0');
			continue;
		}
		check_image(&img, size);
		check_load(&img);
		check_plan_any(&img, data, size);
	}
	return 0;
}
