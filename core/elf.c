/* SPDX-License-Identifier: MIT */
/*
 * ELF64 image parser and loader. The image is untrusted: every offset and
 * size is checked against the file before use, every sum against wrapping,
 * and headers are copied out with memcpy (the file may be unaligned).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/elf.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "ELF headers are read in place: little-endian hosts only");

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define PN_XNUM 0xffff

static __attribute__((format(printf, 3, 4)))
int bad(struct elf_image *img, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fief_vsnprintf(img->why, sizeof(img->why), fmt, ap);
	va_end(ap);
	return err;
}

/* True if [addr, addr + size) can be written down: its end is <= 2^64 - 1. */
static bool end_fits(uint64_t addr, uint64_t size)
{
	return size <= UINT64_MAX - addr;
}

static int check_ehdr(struct elf_image *img, const struct elf64_ehdr *eh,
		      uint16_t machine)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->ident, magic, sizeof(magic)) != 0)
		return bad(img, FIEF_EFORMAT, "not an ELF file (bad magic)");
	if (eh->ident[EI_CLASS] != ELFCLASS64)
		return bad(img, FIEF_ENOTSUP, "not a 64-bit ELF file");
	if (eh->ident[EI_DATA] != ELFDATA2LSB)
		return bad(img, FIEF_ENOTSUP, "not a little-endian ELF file");
	if (eh->ident[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return bad(img, FIEF_EFORMAT, "unknown ELF version");
	if (eh->type == ELF_TYPE_DYN)
		return bad(img, FIEF_ENOTSUP, "ET_DYN images are not supported, link with -static -no-pie");
	if (eh->type != ELF_TYPE_EXEC)
		return bad(img, FIEF_ENOTSUP, "not an executable (e_type %u)", eh->type);
	if (eh->machine != machine)
		return bad(img, FIEF_ENOTSUP, "built for machine %u, not %u",
			   eh->machine, machine);
	if (eh->phentsize != sizeof(struct elf64_phdr))
		return bad(img, FIEF_EFORMAT, "e_phentsize %u is not %u", eh->phentsize,
			   (unsigned)sizeof(struct elf64_phdr));
	if (eh->phnum == 0)
		return bad(img, FIEF_EFORMAT, "no program headers");
	if (eh->phnum == PN_XNUM)
		return bad(img, FIEF_EFORMAT, "extended program header count not supported");
	return 0;
}

/* Check program header @i and, if it is a non-empty PT_LOAD, append it. */
static int take_phdr(struct elf_image *img, const struct elf64_phdr *ph,
		     unsigned i)
{
	struct elf_segment *seg;

	if (ph->type != ELF_PT_LOAD)
		return 0;
	if (ph->filesz > ph->memsz)
		return bad(img, FIEF_EFORMAT, "segment %u: p_filesz > p_memsz", i);
	if (ph->memsz == 0)
		return 0;
	if (ph->offset > img->size || ph->filesz > img->size - ph->offset)
		return bad(img, FIEF_EFORMAT, "segment %u extends past the end of the file", i);
	if (!end_fits(ph->paddr, ph->memsz) || !end_fits(ph->vaddr, ph->memsz))
		return bad(img, FIEF_EFORMAT, "segment %u wraps around the address space", i);
	if (img->segment_count == ELF_MAX_SEGMENTS)
		return bad(img, FIEF_ENOSPC, "more than %d load segments", ELF_MAX_SEGMENTS);
	seg = &img->segment[img->segment_count++];
	seg->vaddr = ph->vaddr;
	seg->paddr = ph->paddr;
	seg->offset = ph->offset;
	seg->filesz = ph->filesz;
	seg->memsz = ph->memsz;
	seg->flags = ph->flags;
	return 0;
}

/* Sort the segments by paddr, then refuse any two that share a byte. */
static int sort_segments(struct elf_image *img)
{
	struct elf_segment *s = img->segment;

	for (uint32_t i = 1; i < img->segment_count; i++) {
		struct elf_segment cur = s[i];
		uint32_t j = i;

		for (; j > 0 && s[j - 1].paddr > cur.paddr; j--)
			s[j] = s[j - 1];
		s[j] = cur;
	}
	for (uint32_t i = 1; i < img->segment_count; i++)
		if (s[i - 1].paddr + s[i - 1].memsz > s[i].paddr)
			return bad(img, FIEF_EFORMAT,
				   "load segments at 0x%llx and 0x%llx overlap",
				   (unsigned long long)s[i - 1].paddr,
				   (unsigned long long)s[i].paddr);
	return 0;
}

/* The entry point must lie in the file-backed part of an executable segment. */
static int find_entry(struct elf_image *img)
{
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];

		if (!(s->flags & ELF_PF_X))
			continue;
		if (img->entry >= s->vaddr && img->entry - s->vaddr < s->filesz) {
			img->entry_paddr = s->paddr + (img->entry - s->vaddr);
			return 0;
		}
	}
	return bad(img, FIEF_EFORMAT,
		   "entry point 0x%llx is not in the file bytes of an executable segment",
		   (unsigned long long)img->entry);
}

int elf_parse(const void *data, size_t size, uint16_t machine,
	      struct elf_image *img)
{
	struct elf64_ehdr eh;
	int err;

	memset(img, 0, sizeof(*img));
	img->data = data;
	img->size = size;
	if (size < sizeof(eh))
		return bad(img, FIEF_EFORMAT, "file of %llu bytes is shorter than an ELF header",
			   (unsigned long long)size);
	memcpy(&eh, data, sizeof(eh));
	err = check_ehdr(img, &eh, machine);
	if (err)
		return err;
	if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > size - eh.phoff)
		return bad(img, FIEF_EFORMAT, "program headers extend past the end of the file");
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, img->data + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		err = take_phdr(img, &ph, i);
		if (err)
			return err;
	}
	if (img->segment_count == 0)
		return bad(img, FIEF_EFORMAT, "no load segments");
	err = sort_segments(img);
	if (err)
		return err;
	img->entry = eh.entry;
	return find_entry(img);
}

int elf_plan(struct elf_image *img, gpaddr_t base, uint64_t size,
	     struct elf_plan *plan)
{
	uint64_t b = gpa_addr(base);
	const struct elf_segment *last;

	if (size == 0 || !end_fits(b, size))
		return bad(img, FIEF_EINVAL, "guest memory range is empty or wraps");
	if (img->segment_count == 0 || img->segment_count > ELF_MAX_SEGMENTS)
		return bad(img, FIEF_EINVAL, "no parsed image");
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];

		if (s->paddr < b || s->paddr - b > size || s->memsz > size - (s->paddr - b))
			return bad(img, FIEF_ERANGE,
				   "segment at 0x%llx+0x%llx is outside guest memory 0x%llx+0x%llx",
				   (unsigned long long)s->paddr, (unsigned long long)s->memsz,
				   (unsigned long long)b, (unsigned long long)size);
	}
	last = &img->segment[img->segment_count - 1];
	plan->base = base;
	plan->size = size;
	plan->entry = gpa_init(img->entry_paddr);
	plan->low = gpa_init(img->segment[0].paddr);
	plan->high = gpa_init(last->paddr + last->memsz);
	return 0;
}

int elf_load(const struct elf_image *img, const struct elf_plan *plan,
	     void *dst, size_t dst_size)
{
	uint64_t b = gpa_addr(plan->base);
	uint8_t *out = dst;

	if (img->segment_count > ELF_MAX_SEGMENTS)
		return FIEF_ERANGE;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];

		if (s->paddr < b || s->paddr - b > dst_size ||
		    s->memsz > dst_size - (s->paddr - b) ||
		    s->offset > img->size || s->filesz > img->size - s->offset ||
		    s->filesz > s->memsz)
			return FIEF_ERANGE;
	}
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segment[i];
		uint8_t *at = out + (s->paddr - b);

		memcpy(at, img->data + s->offset, s->filesz);
		memset(at + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
