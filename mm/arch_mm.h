/* SPDX-License-Identifier: MIT */
/*
 * What mm/ needs from an architecture.
 *
 * Implemented once per arch: arch/x86/mm.c, arch/arm64/mm.c, and
 * arch/fake/mm.c for host unit tests. The Makefile picks one at link time.
 */
#ifndef FIEF_MM_ARCH_MM_H
#define FIEF_MM_ARCH_MM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

struct pt;

/**
 * arch_mm_pa_to_va() - where fief can read and write a physical page.
 * @pa: host-physical address of RAM (a table page, a page to scrub).
 *
 * Return: a pointer through which fief accesses @pa. On targets fief keeps
 * RAM identity mapped; the fake arch backs "RAM" with host memory.
 */
void *arch_mm_pa_to_va(paddr_t pa);

/**
 * arch_mm_tlb_inval() - drop cached translations of a table for a range.
 * @pt:   the table that changed (its tag names the VMID/ASID/EPTP).
 * @addr: first input address of the range.
 * @size: bytes; the engine passes the span of every entry it changed.
 *
 * Called after an entry that was valid has been made invalid or replaced,
 * before any table page it pointed to is reused. Must also order the
 * preceding table writes before later walks (a barrier where needed).
 */
void arch_mm_tlb_inval(const struct pt *pt, uint64_t addr, uint64_t size);

/**
 * arch_mm_alloc_fails() - fault injection for the page allocator.
 *
 * Return: true if the next allocation must fail as if memory ran out.
 * Targets always return false; the fake arch lets tests fail the n-th one.
 */
bool arch_mm_alloc_fails(void);

#endif
