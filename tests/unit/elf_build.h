/* SPDX-License-Identifier: MIT */
/*
 * A minimal x86_64 executable for tests that create VMs: one PT_LOAD
 * segment whose file bytes sit at offset 1024 and read 0xa0, 0xa1, ...
 * Shared by the host tests and the hypercall fuzz target.
 */
#ifndef FIEF_TESTS_ELF_BUILD_H
#define FIEF_TESTS_ELF_BUILD_H

#include <stdint.h>
#include <string.h>

#include "core/elf.h"

#define ELF_BUILD_TEXT_OFF 1024u

/**
 * elf_build() - write the image into @buf (at least ELF_BUILD_TEXT_OFF +
 * @filesz bytes, 8-byte aligned): the segment at guest-physical @gpa with
 * @filesz file bytes and @memsz bytes in memory, entry at @entry.
 */
static inline void elf_build(uint8_t *buf, size_t size, uint64_t gpa, uint64_t entry,
			     uint64_t filesz, uint64_t memsz)
{
	struct elf64_ehdr *eh = (void *)buf;
	struct elf64_phdr *ph = (void *)(buf + sizeof(*eh));

	memset(buf, 0, size);
	memcpy(eh->ident, "\x7f" "ELF\x02\x01\x01", 7);
	eh->type = ELF_TYPE_EXEC;
	eh->machine = ELF_MACHINE_X86_64;
	eh->version = 1;
	eh->entry = entry;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(*ph);
	eh->phnum = 1;
	*ph = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, ELF_BUILD_TEXT_OFF, gpa, gpa,
				   filesz, memsz, 4096 };
	for (uint64_t i = 0; i < filesz && ELF_BUILD_TEXT_OFF + i < size; i++)
		buf[ELF_BUILD_TEXT_OFF + i] = (uint8_t)(0xa0 + i);
}

#endif
