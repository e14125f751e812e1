/* SPDX-License-Identifier: MIT */
/*
 * Address types.
 *
 * Host-physical, guest-physical (IPA on arm64) and hypervisor-virtual
 * addresses are distinct one-field structs, so passing one where another is
 * expected does not compile. Convert only through the helpers below.
 */
#ifndef FIEF_LIB_ADDR_H
#define FIEF_LIB_ADDR_H

#include <stdint.h>
#include <stdbool.h>

typedef struct { uint64_t pa; } paddr_t;   /* host-physical */
typedef struct { uint64_t gpa; } gpaddr_t; /* guest-physical / IPA */
typedef struct { uintptr_t va; } vaddr_t;  /* fief's own virtual */

/*
 * A page table's input address. The engine (mm/pgtable.h) serves stage-2
 * tables, whose input is guest-physical, and fief's own stage-1 formats,
 * whose input is fief's virtual address: one type for both keeps a table's
 * input and output (paddr_t) apart without tying the engine to either.
 */
typedef struct { uint64_t ia; } iaddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE ((uint64_t)1 << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)

static inline paddr_t pa_init(uint64_t a) { return (paddr_t){ a }; }
static inline uint64_t pa_addr(paddr_t a) { return a.pa; }
static inline paddr_t pa_add(paddr_t a, uint64_t n) { return (paddr_t){ a.pa + n }; }

static inline gpaddr_t gpa_init(uint64_t a) { return (gpaddr_t){ a }; }
static inline uint64_t gpa_addr(gpaddr_t a) { return a.gpa; }
static inline gpaddr_t gpa_add(gpaddr_t a, uint64_t n) { return (gpaddr_t){ a.gpa + n }; }

static inline iaddr_t ia_init(uint64_t a) { return (iaddr_t){ a }; }
static inline uint64_t ia_addr(iaddr_t a) { return a.ia; }
static inline iaddr_t ia_add(iaddr_t a, uint64_t n) { return (iaddr_t){ a.ia + n }; }

/* A stage-2 table's input is guest-physical. */
static inline iaddr_t ia_of_gpa(gpaddr_t a) { return (iaddr_t){ a.gpa }; }
static inline gpaddr_t gpa_of_ia(iaddr_t a) { return (gpaddr_t){ a.ia }; }

static inline vaddr_t va_init(uintptr_t a) { return (vaddr_t){ a }; }
static inline uintptr_t va_addr(vaddr_t a) { return a.va; }

/** range_ok() - true if [addr, addr+size) is non-empty and does not wrap. */
static inline bool range_ok(uint64_t addr, uint64_t size)
{
	return size != 0 && addr + size - 1 >= addr;
}

/** page_aligned() - true if both ends of a range sit on page boundaries. */
static inline bool page_aligned(uint64_t addr, uint64_t size)
{
	return ((addr | size) & PAGE_MASK) == 0;
}

#endif
