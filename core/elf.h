/* SPDX-License-Identifier: MIT */
/*
 * ELF64 VM images: parse an untrusted file held in memory, plan where its
 * segments go in a guest's memory, copy them there.
 *
 *   elf_parse()  file layout: ident, type, machine, program headers, PT_LOAD
 *                segments inside the file, not wrapping, not overlapping,
 *                entry point in an executable segment.
 *   elf_plan()   every segment fits guest memory [base, base + size).
 *   elf_load()   copy each segment's file bytes, zero the rest (bss).
 *
 * Segments are placed by their physical address (p_paddr): that is the
 * linker's load address (LMA), which is where a guest that starts with
 * paging off expects them; for most images p_paddr == p_vaddr. The entry
 * point (e_entry, a virtual address) is translated through the segment that
 * holds it. Only ET_EXEC images are accepted (no relocation is done).
 * fief runs little-endian only, so headers are read with memcpy.
 */
#ifndef FIEF_CORE_ELF_H
#define FIEF_CORE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define ELF_MACHINE_X86_64 62
#define ELF_MACHINE_AARCH64 183

#define ELF_TYPE_EXEC 2
#define ELF_TYPE_DYN 3
#define ELF_PT_LOAD 1

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

/* Loadable segments an image may have (non-empty PT_LOAD entries). */
#define ELF_MAX_SEGMENTS 16

/** ELF64 file header, as in the file (little-endian). */
struct elf64_ehdr {
	uint8_t ident[16]; /* magic, class, data, version, OS ABI, padding */
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

/** ELF64 program header, as in the file. */
struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");
_Static_assert(offsetof(struct elf64_ehdr, phoff) == 32, "e_phoff at 32");
_Static_assert(offsetof(struct elf64_ehdr, phnum) == 56, "e_phnum at 56");
_Static_assert(offsetof(struct elf64_phdr, paddr) == 24, "p_paddr at 24");

/** One PT_LOAD segment, checked against the file. */
struct elf_segment {
	uint64_t vaddr;
	uint64_t paddr;  /* where it is loaded (guest-physical) */
	uint64_t offset; /* of its bytes in the file */
	uint64_t filesz; /* bytes from the file; the rest up to memsz is zero */
	uint64_t memsz;  /* > 0, >= filesz */
	uint32_t flags;  /* ELF_PF_* */
};

/** A parsed image. @data stays owned by the caller and must outlive it. */
struct elf_image {
	const uint8_t *data;
	size_t size;
	uint64_t entry;         /* e_entry, virtual */
	uint64_t entry_paddr;   /* the entry through its segment */
	uint32_t segment_count; /* 1..ELF_MAX_SEGMENTS */
	struct elf_segment segment[ELF_MAX_SEGMENTS]; /* by ascending paddr */
	char why[96];           /* after an error: what was wrong, else "" */
};

/** Where an image goes in one guest's memory. */
struct elf_plan {
	gpaddr_t base;  /* guest-physical address of the memory's first byte */
	uint64_t size;  /* bytes of guest memory */
	gpaddr_t entry; /* where the first vCPU starts */
	gpaddr_t low;   /* first byte any segment occupies */
	gpaddr_t high;  /* one past the last byte any segment occupies */
};

/**
 * elf_parse() - check an ELF64 image and list its load segments.
 * @data:    the file's bytes (any alignment).
 * @size:    bytes in @data; nothing past it is read.
 * @machine: the expected e_machine (ELF_MACHINE_X86_64 or _AARCH64).
 * @img:     filled; on error only @img->why is meaningful.
 *
 * Return: 0; FIEF_EFORMAT for a malformed file; FIEF_ENOTSUP for a valid
 * ELF file fief does not load (other machine, class, type or byte order);
 * FIEF_ENOSPC for more than ELF_MAX_SEGMENTS load segments.
 */
int elf_parse(const void *data, size_t size, uint16_t machine,
	      struct elf_image *img);

/**
 * elf_plan() - check that every segment lies within guest memory
 * [@base, @base + @size) and find where the entry point lands.
 * Return: 0; FIEF_EINVAL for an empty or wrapping memory range, or an
 * @img that elf_parse() did not accept; FIEF_ERANGE if a segment does not
 * fit. On error @img->why says what was wrong.
 */
int elf_plan(struct elf_image *img, gpaddr_t base, uint64_t size,
	     struct elf_plan *plan);

/**
 * elf_load() - copy the segments into guest memory seen by fief at @dst.
 * @dst:      fief's pointer to the guest-physical address @plan->base.
 * @dst_size: bytes writable at @dst; checked again, so a plan made for a
 *            larger memory cannot write past it.
 *
 * Writes only the bytes of the segments: file bytes, then zeros up to memsz.
 * Return: 0, or FIEF_ERANGE (nothing written) if a segment is outside @dst.
 */
int elf_load(const struct elf_image *img, const struct elf_plan *plan,
	     void *dst, size_t dst_size);

#endif
