/* SPDX-License-Identifier: MIT */
/*
 * Controls of the fake arch's mm hooks (arch/fake/mm.c), for host tests:
 * fake physical RAM backed by host memory, a count of TLB invalidations,
 * and allocator fault injection.
 */
#ifndef FIEF_TESTS_MM_FAKE_H
#define FIEF_TESTS_MM_FAKE_H

#include <stdint.h>

/** fake_mm_ram_add() - back [base, base + size) with zeroed host memory. */
void fake_mm_ram_add(uint64_t base, uint64_t size);

/** fake_mm_ram_reset() - drop every fake RAM range. */
void fake_mm_ram_reset(void);

/** fake_mm_fail_alloc_at() - make the @n-th allocation from now fail
 *  (1 = the next one); 0 disables injection. */
void fake_mm_fail_alloc_at(unsigned n);

/** fake_mm_alloc_calls() - allocations attempted since the last
 *  fake_mm_fail_alloc_at(). */
unsigned fake_mm_alloc_calls(void);

/** Number of arch_mm_tlb_inval() calls so far, and the last range. */
extern uint64_t fake_mm_tlb_invals;
extern uint64_t fake_mm_tlb_last_addr;
extern uint64_t fake_mm_tlb_last_size;

#endif
