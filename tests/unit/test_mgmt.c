/* SPDX-License-Identifier: MIT */
/*
 * The management calls (core/mgmt_*.c) through the hypercall dispatcher, on
 * the fake arch with the real mm: every call with good arguments (and what
 * it built: tables, states, bytes) and with bad ones (the documented error,
 * and nothing changed: free pages, every VM's memory and state, mm_check()).
 *
 * The machine: RAM [0, 64 MiB) is the host's (a host VM with the manage
 * capability, identity mapped), [1 GiB, +256 MiB) holds fief's pool and the
 * memory of config guests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "core/elf.h"
#include "core/hypercall.h"
#include "core/memmap.h"
#include "core/run.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "mm/arch_mm.h"
#include "mm/own.h"
#include "mm/page_alloc.h"
#include "tests/unit/elf_build.h"
#include "tests/unit/mm_fake.h"
#include "tests/unit/vm_test_env.h"

#define NOT_RAM 0x10000000ull /* between the two RAM ranges */
#define DONOR 0x2000000ull    /* 32 MiB: host RAM given to guests */
#define BUF 0x3000000ull      /* 48 MiB: the manager's buffers */
#define GMEM (4ull << 20)     /* a run-time guest's memory size */

static struct vm *host;   /* manages */
static struct vm *plain;

static struct config_vm cfg(const char *name, int role, uint64_t mem, bool manage)
{
	struct config_vm cv = { .valid = true, .role = role, .memory = mem, .vcpu_count = 1,
				.manage = manage };

	strcpy(cv.name, name);
	strcpy(cv.image, "guest.elf");
	return cv;
}

static int setup(void **state)
{
	struct config_vm cv;

	(void)state;
	if (vm_env_boot() != 0)
		return -1;
	cv = cfg("host", CONFIG_ROLE_HOST, RAM_LOW_SIZE, true);
	if (vm_create(&cv, bi, 2) != 0)
		return -1;
	cv = cfg("plain", CONFIG_ROLE_GUEST, 8ull << 20, false);
	if (vm_create(&cv, bi, 2) != 0)
		return -1;
	host = vm_get(0);
	plain = vm_get(1);
	return host && host->host && plain ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	vm_env_free();
	return 0;
}

static int64_t hc(struct vm *caller, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		  uint64_t a3, uint64_t a4)
{
	const uint64_t arg[6] = { a0, a1, a2, a3, a4, 0 };

	return hypercall_dispatch(&caller->vcpu[0], nr, arg);
}

static void *host_mem(uint64_t pa)
{
	return arch_mm_pa_to_va(pa_init(pa));
}

static void assert_mm_ok(void)
{
	size_t words = mm_check_bitmap_words();
	uint64_t *bm = calloc(words, sizeof(uint64_t));

	assert_int_equal(mm_check(bm, words), 0);
	free(bm);
}

/* What a failed call must leave as it was. */
struct sig {
	uint64_t free;
	uint64_t owned[VM_MAX], borrowed[VM_MAX];
	int state[VM_MAX];
	uint32_t vcpus[VM_MAX];
};

static void sig_take(struct sig *s)
{
	memset(s, 0, sizeof(*s));
	s->free = page_alloc_free_count();
	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		s->state[i] = vm ? (int)vm->state : -1;
		if (!vm)
			continue;
		s->vcpus[i] = vm->vcpu_count;
		vm_memory_count(vm, &s->owned[i], &s->borrowed[i]);
	}
}

static void assert_unchanged(const struct sig *before)
{
	struct sig now;

	sig_take(&now);
	assert_memory_equal(&now, before, sizeof(now));
	assert_mm_ok();
}

/* A call that must fail with @want and change nothing. */
#define FAILS(want, call)                            \
	do {                                         \
		struct sig s_;                       \
		sig_take(&s_);                       \
		assert_int_equal((call), (want));    \
		assert_unchanged(&s_);               \
	} while (0)

static uint32_t create(uint64_t mem, uint64_t vcpus, uint64_t flags)
{
	int64_t id = hc(host, FIEF_HC_VM_CREATE, mem, vcpus, flags, 0, 0);

	assert_true(id > 0 && id < VM_MAX);
	return (uint32_t)id;
}

/* A run-time guest: its first half donated from DONOR at GPA 0, vCPU 0. */
static uint32_t create_ready(uint64_t flags)
{
	uint32_t id = create(GMEM, 2, flags);

	assert_int_equal(hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, GMEM / 2, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0), 0);
	return id;
}

static struct fief_vm_info info_of(uint32_t id)
{
	struct fief_vm_info info;

	assert_int_equal(hc(host, FIEF_HC_VM_INFO, id, BUF, sizeof(info), 0, 0), 0);
	memcpy(&info, host_mem(BUF), sizeof(info));
	return info;
}

static void test_permission_first(void **state)
{
	(void)state;
	/* Without MANAGE every management call is refused, whatever the
	 * arguments, and nothing changes. */
	for (uint64_t nr = FIEF_HC_VM_CREATE; nr < FIEF_HC_COUNT; nr++) {
		int64_t r;
		struct sig s;

		sig_take(&s);
		r = hc(plain, nr, 1, BUF, 0x1000, 0x1000, FIEF_SHARE_ALL);
		assert_true(r == FIEF_E_PERM || r == FIEF_E_NOSYS);
		assert_unchanged(&s);
	}
	assert_int_equal(hc(plain, FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), FIEF_E_PERM);
	assert_int_equal(hc(host, FIEF_HC_VERSION, 0, 0, 0, 0, 0), FIEF_ABI_VERSION);
	assert_int_equal(hc(host, FIEF_HC_CAPS, 0, 0, 0, 0, 0), FIEF_CAP_MANAGE | FIEF_CAP_HOST);
	assert_int_equal(hc(host, 0x17, 0, 0, 0, 0, 0), FIEF_E_NOSYS);
	assert_int_equal(hc(host, UINT64_MAX, 0, 0, 0, 0, 0), FIEF_E_NOSYS);
}

static void test_vm_create(void **state)
{
	struct fief_vm_info info;
	uint32_t id;

	(void)state;
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, 0, 1, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, GMEM + 1, 1, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, 1ull << 40, 1, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, GMEM, 0, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, GMEM, FIEF_MAX_VCPUS + 1, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, GMEM, 1, 4, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_CREATE, GMEM, 1, 1ull << 40, 0, 0));
	id = create(GMEM, 3, FIEF_VM_F_INSPECTABLE);
	assert_int_equal(id, 2);
	info = info_of(id);
	assert_int_equal(info.id, id);
	assert_int_equal(info.state, FIEF_VM_STATE_CREATED);
	assert_int_equal(info.flags, FIEF_VM_F_INSPECTABLE);
	assert_int_equal(info.caps, FIEF_CAP_INSPECTABLE);
	assert_int_equal(info.vcpu_count, 0);
	assert_int_equal(info.vcpu_max, 3);
	assert_int_equal(info.memory_size, GMEM);
	assert_int_equal(info.memory_owned, 0);
	assert_int_equal(info.stop_reason, FIEF_STOP_NONE);
	assert_int_equal(info.console_size, VM_CONSOLE_RING);
	assert_string_equal(info.name, "vm2");
	/* Fill every slot: then NOSPC. */
	for (uint32_t i = 3; i < VM_MAX; i++)
		assert_int_equal(create(PAGE_SIZE, 1, 0), i);
	FAILS(FIEF_E_NOSPC, hc(host, FIEF_HC_VM_CREATE, GMEM, 1, 0, 0, 0));
	assert_mm_ok();
}

static void test_donate(void **state)
{
	struct pt_leaf leaf;
	uint32_t id;
	struct vm *vm;

	(void)state;
	id = create(GMEM, 1, 0);
	vm = vm_get(id);
	/* Malformed ranges. */
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, id, DONOR + 1, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 8, PAGE_SIZE, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, 100, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, PAGE_SIZE, -PAGE_SIZE, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, id, -PAGE_SIZE, 0, 2 * PAGE_SIZE, 0));
	/* Outside the target's memory. */
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, GMEM, PAGE_SIZE, 0));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, GMEM - PAGE_SIZE,
			       2 * PAGE_SIZE, 0));
	/* Pages the host does not own: not RAM, fief's pool, a guest's. */
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_DONATE, id, NOT_RAM, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_DONATE, id, RAM_HIGH + RAM_HIGH_SIZE - PAGE_SIZE,
				0, PAGE_SIZE, 0));
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_DONATE, id, pa_addr(plain->mem_base), 0,
				PAGE_SIZE, 0));
	/* Ids: none, itself, the host, a guest that is not there. */
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_MEM_DONATE, VM_MAX, DONOR, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_MEM_DONATE, 9, DONOR, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_MEM_DONATE, UINT64_MAX, DONOR, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_DONATE, 0, DONOR, 0, PAGE_SIZE, 0));
	/* Good: the pages leave the host and appear in the guest. */
	memset(host_mem(DONOR), 0x5a, PAGE_SIZE);
	assert_int_equal(hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, GMEM, 0), 0);
	mm_guest_page(vm->mm, gpa_init(0x3000), &leaf);
	assert_true(leaf.valid);
	assert_int_equal(leaf.state, MM_PAGE_OWNED);
	assert_int_equal(pa_addr(leaf.pa) + (0x3000 - ia_addr(leaf.addr)), DONOR + 0x3000);
	mm_host_page(pa_init(DONOR + 0x3000), &leaf);
	assert_false(leaf.valid);
	assert_int_equal(leaf.owner, vm->id);
	assert_int_equal(info_of(id).memory_owned, GMEM);
	/* Twice: the pages are not the host's, the target is mapped. */
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_DONATE, id, DONOR + GMEM, 0, PAGE_SIZE, 0));
	/* A running VM takes no donations; a paused one does. */
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_MEM_DONATE, id, DONOR + GMEM, 0, PAGE_SIZE, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	vm = vm_get(id);
	assert_mm_ok();
	/* A manager that is not the host cannot move memory (mm has no
	 * guest-to-guest transitions). */
	plain->manage = true;
	FAILS(FIEF_E_NOTSUP, hc(plain, FIEF_HC_MEM_DONATE, id, 0x400000, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_NOTSUP, hc(plain, FIEF_HC_MEM_SHARE, id, 0x400000, 0, PAGE_SIZE,
				FIEF_SHARE_ALL));
	plain->manage = false;
}

static void test_share_unshare(void **state)
{
	struct pt_leaf leaf;
	uint32_t id = create(GMEM, 1, 0);
	const uint64_t gpa = 0x100000, pa = DONOR + 0x200000;

	(void)state;
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_SHARE, id, pa, gpa, PAGE_SIZE, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_SHARE, id, pa, gpa, PAGE_SIZE,
			       FIEF_SHARE_WRITE));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_SHARE, id, pa, gpa, PAGE_SIZE, 1u << 3));
	FAILS(FIEF_E_NOTSUP, hc(host, FIEF_HC_MEM_SHARE, id, pa, gpa, PAGE_SIZE,
				FIEF_SHARE_READ));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_SHARE, id, pa, GMEM, PAGE_SIZE, FIEF_SHARE_ALL));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_SHARE, id, pa + 1, gpa, PAGE_SIZE,
			       FIEF_SHARE_ALL));
	assert_int_equal(hc(host, FIEF_HC_MEM_SHARE, id, pa, gpa, 2 * PAGE_SIZE, FIEF_SHARE_ALL),
			 0);
	mm_guest_page(vm_get(id)->mm, gpa_init(gpa + PAGE_SIZE), &leaf);
	assert_true(leaf.valid);
	assert_int_equal(leaf.state, MM_PAGE_SHARED_BORROWED);
	mm_host_page(pa_init(pa), &leaf);
	assert_true(leaf.valid);
	assert_int_equal(leaf.state, MM_PAGE_SHARED_OWNED);
	assert_int_equal(info_of(id).memory_borrowed, 2 * PAGE_SIZE);
	/* Shared pages cannot be donated or shared again. */
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_DONATE, id, pa, 0, PAGE_SIZE, 0));
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_SHARE, id, pa, 0, PAGE_SIZE, FIEF_SHARE_ALL));
	/* Unshare: only what is shared, whole. */
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_UNSHARE, id, 0, PAGE_SIZE, 0, 0));
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_UNSHARE, id, gpa, 3 * PAGE_SIZE, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_UNSHARE, id, gpa, 0, 0, 0));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_UNSHARE, id, GMEM, PAGE_SIZE, 0, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_MEM_UNSHARE, 12, gpa, PAGE_SIZE, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_MEM_UNSHARE, id, gpa, 2 * PAGE_SIZE, 0, 0), 0);
	mm_guest_page(vm_get(id)->mm, gpa_init(gpa), &leaf);
	assert_false(leaf.valid);
	mm_host_page(pa_init(pa), &leaf);
	assert_true(!leaf.valid || leaf.state == MM_PAGE_OWNED);
	assert_int_equal(info_of(id).memory_borrowed, 0);
	/* A donated page is not a share. */
	assert_int_equal(hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, PAGE_SIZE, 0), 0);
	FAILS(FIEF_E_DENIED, hc(host, FIEF_HC_MEM_UNSHARE, id, 0, PAGE_SIZE, 0, 0));
	assert_mm_ok();
}

static void test_copy(void **state)
{
	uint32_t id = create_ready(0), ins = create(GMEM, 1, FIEF_VM_F_INSPECTABLE);
	uint8_t *buf = host_mem(BUF);
	uint8_t *g;

	(void)state;
	for (int i = 0; i < 3 * 4096; i++)
		buf[i] = (uint8_t)(i * 7);
	/* In, across page boundaries on both sides. */
	assert_int_equal(hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10ff0, BUF + 0x10, 2 * 4096 + 5, 0),
			 0);
	g = vm_gpa_ptr(vm_get(id), gpa_init(0x10ff0), 2 * 4096 + 5);
	assert_non_null(g);
	assert_memory_equal(g, buf + 0x10, 2 * 4096 + 5);
	/* GPA 0 is memory like any other. */
	assert_int_equal(hc(host, FIEF_HC_MEM_COPY_IN, id, 0, BUF, 16, 0), 0);
	assert_memory_equal(host_mem(DONOR), buf, 16);
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10000, BUF, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10000, -8ull, 16, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_COPY_IN, id, -8ull, BUF, 16, 0));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_COPY_IN, id, GMEM - 8, BUF, 16, 0));
	/* Caller buffers the host neither owns nor borrows. */
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10000, NOT_RAM, 16, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10000, DONOR, 16, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10000,
			       pa_addr(plain->mem_base) + 0x1000, 16, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10000,
			       RAM_HIGH + RAM_HIGH_SIZE - 8, 8, 0));
	/* The target's memory must be its own: ins has none. */
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_COPY_IN, ins, 0x1000, BUF, 16, 0));
	/* A buffer that ends in memory the host gave away copies nothing. */
	memset(g, 0, 16);
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_MEM_COPY_IN, id, 0x10ff0, DONOR - 8, 16, 0));
	assert_int_equal(g[0], 0);
	/* Out: inspectable VMs only, paused or stopped. */
	FAILS(FIEF_E_PERM, hc(host, FIEF_HC_MEM_COPY_OUT, id, BUF, 0x10ff0, 16, 0));
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_MEM_COPY_OUT, ins, BUF, 0x1000, 16, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_MEM_COPY_OUT, 14, BUF, 0x1000, 16, 0));
	assert_int_equal(hc(host, FIEF_HC_MEM_DONATE, ins, DONOR + GMEM, 0, GMEM, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_MEM_COPY_IN, ins, 0x2000, BUF, 100, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, ins, 0, 1, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_START, ins, 0, 0, 0, 0), 0);
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_MEM_COPY_OUT, ins, BUF + 0x2000, 0x2000, 100, 0));
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_MEM_COPY_IN, ins, 0x2000, BUF, 100, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, ins, 0, 0, 0, 0), 0);
	memset(buf + 0x2000, 0, 100);
	assert_int_equal(hc(host, FIEF_HC_MEM_COPY_OUT, ins, BUF + 0x2000, 0x2000, 100, 0), 0);
	assert_memory_equal(buf + 0x2000, buf, 100);
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_MEM_COPY_OUT, ins, NOT_RAM, 0x2000, 100, 0));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_COPY_OUT, ins, BUF, GMEM, 1, 0));
	/* A stopped VM can still be inspected. */
	vm_stop(vm_get(ins), NULL, FIEF_STOP_SELF, 0, "test");
	assert_int_equal(hc(host, FIEF_HC_MEM_COPY_OUT, ins, BUF + 0x2000, 0x2000, 100, 0), 0);
	assert_mm_ok();
}

static void test_vcpus_and_regs(void **state)
{
	uint32_t id = create(GMEM, 2, 0);
	struct fief_regs_x86 *r = host_mem(BUF);
	struct vm *vm = vm_get(id);

	(void)state;
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_CREATE, id, 2, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_CREATE, id, FIEF_MAX_VCPUS, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_CREATE, id, 0, 2, 0, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VCPU_CREATE, 13, 0, 0, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, id, 1, 1, 0, 0), 1);
	assert_true(vm->vcpu[1].vm == vm);
	assert_int_equal(vm->vcpu[1].pcpu, 1);
	assert_int_equal(vm->vcpu_count, 1);
	FAILS(FIEF_E_EXIST, hc(host, FIEF_HC_VCPU_CREATE, id, 1, 0, 0, 0));
	/* Registers: the vCPU starts at the boot protocol's state. */
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VCPU_GET_REGS, id, 0, BUF, sizeof(*r), 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VCPU_GET_REGS, id, 99, BUF, sizeof(*r), 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_GET_REGS, id, 1, BUF, sizeof(*r) - 8, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_VCPU_GET_REGS, id, 1, NOT_RAM, sizeof(*r), 0));
	assert_int_equal(hc(host, FIEF_HC_VCPU_GET_REGS, id, 1, BUF, sizeof(*r), 0), 0);
	assert_int_equal(r->rip, 0);
	r->rip = 0x100000;
	r->gpr[FIEF_X86_RBX] = 42;
	assert_int_equal(hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, BUF, sizeof(*r), 0), 0);
	assert_int_equal(vm->vcpu[1].arch.entry, 0x100000);
	/* Bad values change nothing. */
	r->rip = 0x0000800000000000ull;
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, BUF, sizeof(*r), 0));
	r->rip = 0x100000;
	r->reserved0 = 1;
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, BUF, sizeof(*r), 0));
	r->reserved0 = 0;
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, BUF, sizeof(*r) + 1, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, RAM_LOW_SIZE - 8, sizeof(*r), 0));
	memset(r, 0, sizeof(*r));
	assert_int_equal(hc(host, FIEF_HC_VCPU_GET_REGS, id, 1, BUF, sizeof(*r), 0), 0);
	assert_int_equal(r->rip, 0x100000);
	assert_int_equal(r->gpr[FIEF_X86_RBX], 42);
	/* Running: no register access; no new vCPUs. */
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VCPU_GET_REGS, id, 1, BUF, sizeof(*r), 0));
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, BUF, sizeof(*r), 0));
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VCPU_SET_REGS, id, 1, BUF, sizeof(*r), 0), 0);
	/* Get-regs of a VM the caller did not create needs it inspectable. */
	FAILS(FIEF_E_PERM, hc(host, FIEF_HC_VCPU_GET_REGS, 1, 0, BUF, sizeof(*r), 0));
	assert_mm_ok();
}

static void test_lifecycle(void **state)
{
	uint64_t free0, owned0, borrowed0;
	uint32_t id;

	(void)state;
	/* The first donation splits the host's table for good: warm up. */
	id = create_ready(0);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	vm_memory_count(host, &owned0, &borrowed0);
	free0 = page_alloc_free_count();
	id = create(GMEM, 1, 0);
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0)); /* no vCPU */
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0));
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VM_RESUME, id, 0, 0, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_MEM_DONATE, id, DONOR, 0, GMEM, 0), 0);
	memset(vm_gpa_ptr(vm_get(id), gpa_init(0x1000), 0x1000), 0xee, 0x1000);
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, id, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	assert_int_equal(info_of(id).state, FIEF_VM_STATE_RUNNING);
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0));
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VM_RESUME, id, 0, 0, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	assert_int_equal(info_of(id).state, FIEF_VM_STATE_PAUSED);
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_RESUME, id, 0, 0, 0, 0), 0);
	/* Lifecycle calls never name the host or the caller. */
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_PAUSE, 0, 0, 0, 0, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_DESTROY, 0, 0, 0, 0, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VM_DESTROY, VM_MAX, 0, 0, 0, 0));
	/* Destroy: everything back, scrubbed, the slot free. */
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	assert_null(vm_get(id));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VM_INFO, id, BUF, sizeof(struct fief_vm_info), 0, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0));
	for (uint64_t a = 0; a < GMEM; a += 8)
		assert_int_equal(*(uint64_t *)host_mem(DONOR + a), 0);
	uint64_t owned, borrowed;

	vm_memory_count(host, &owned, &borrowed);
	assert_int_equal(owned, owned0);
	assert_int_equal(borrowed, borrowed0);
	assert_int_equal(page_alloc_free_count(), free0);
	assert_non_null(strstr(fake_console, "fief: vm vm2 destroyed, "));
	/* A config guest can be destroyed too; its memory goes to the host. */
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, 1, 0, 0, 0, 0), 0);
	assert_null(vm_get(1));
	assert_mm_ok();
}

static void test_hundred_cycles(void **state)
{
	uint64_t free0 = 0, owned0 = 0, borrowed0 = 0;
	struct fief_regs_x86 *r = host_mem(BUF + 0x1000);

	(void)state;
	for (int i = 0; i < 100; i++) {
		uint32_t id = create_ready(FIEF_VM_F_INSPECTABLE);

		assert_int_equal(hc(host, FIEF_HC_MEM_SHARE, id, BUF, 0x200000, PAGE_SIZE,
				    FIEF_SHARE_ALL), 0);
		assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
		vm_console_putc(vm_get(id), 'x');
		assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
		assert_int_equal(hc(host, FIEF_HC_VCPU_GET_REGS, id, 0, BUF + 0x1000, sizeof(*r),
				    0), 0);
		assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
		/* The host's table splits on the first donation and share: count
		 * from the end of the second round on. */
		if (i == 1) {
			vm_memory_count(host, &owned0, &borrowed0);
			free0 = page_alloc_free_count();
		}
		if (i > 1) {
			uint64_t owned, borrowed;

			vm_memory_count(host, &owned, &borrowed);
			assert_int_equal(owned, owned0);
			assert_int_equal(page_alloc_free_count(), free0 + 0);
		}
	}
	assert_mm_ok();
}

/*
 * The host's span on arm64 starts at its first RAM (vm->gpa_base): VM_INFO
 * counts what it owns there, not from physical 0. Here the span is made to
 * start half-way into the low RAM: half of it is RAM, the rest is not.
 */
static void test_host_span_count(void **state)
{
	struct fief_vm_info info;

	(void)state;
	host->gpa_base = gpa_init(RAM_LOW_SIZE / 2);
	info = info_of(FIEF_VM_HOST);
	host->gpa_base = gpa_init(0);
	assert_int_equal(info.memory_size, RAM_LOW_SIZE);
	assert_int_equal(info.memory_owned, RAM_LOW_SIZE / 2);
	assert_int_equal(info.memory_borrowed, 0);
	assert_int_equal(info_of(FIEF_VM_HOST).memory_owned, RAM_LOW_SIZE);
}

static void test_list_info_console(void **state)
{
	uint32_t *ids = host_mem(BUF);
	char *out = host_mem(BUF + 0x100);
	uint32_t id = create(GMEM, 1, 0);
	struct vm *vm = vm_get(id);
	struct fief_vm_info info;

	(void)state;
	assert_int_equal(hc(host, FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), 3);
	assert_int_equal(hc(host, FIEF_HC_VM_LIST, BUF, 2, 0, 0, 0), 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(hc(host, FIEF_HC_VM_LIST, BUF, 1ull << 62, 0, 0, 0), 3);
	assert_int_equal(ids[2], id);
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_VM_LIST, NOT_RAM, 4, 0, 0, 0));
	/* Info: the caller may ask about itself; exact size only. */
	info = info_of(0);
	assert_int_equal(info.caps, FIEF_CAP_MANAGE | FIEF_CAP_HOST);
	assert_int_equal(info.memory_size, RAM_LOW_SIZE);
	assert_true(info.memory_owned > 0 && info.memory_owned <= RAM_LOW_SIZE);
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VM_INFO, id, BUF, 119, 0, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_VM_INFO, id, NOT_RAM, 120, 0, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_VM_INFO, 7, BUF, 120, 0, 0));
	vm_stop(plain, NULL, FIEF_STOP_MEMORY, 0x1234000, "test");
	info = info_of(1);
	assert_int_equal(info.state, FIEF_VM_STATE_STOPPED);
	assert_int_equal(info.stop_reason, FIEF_STOP_MEMORY);
	assert_int_equal(info.stop_addr, 0x1234000);
	assert_string_equal(info.name, "plain");
	/* Console: a stream with offsets; the ring keeps the newest bytes. */
	for (const char *p = "hello\n"; *p; p++)
		vm_console_putc(vm, *p);
	assert_int_equal(hc(host, FIEF_HC_CONSOLE_READ, id, BUF + 0x100, 64, 0, 0), 6);
	assert_memory_equal(out, "hello\n", 6);
	assert_int_equal(hc(host, FIEF_HC_CONSOLE_READ, id, BUF + 0x100, 3, 2, 0), 3);
	assert_memory_equal(out, "llo", 3);
	assert_int_equal(hc(host, FIEF_HC_CONSOLE_READ, id, BUF + 0x100, 64, 6, 0), 0);
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_CONSOLE_READ, id, BUF + 0x100, 64, 7, 0));
	FAILS(FIEF_E_FAULT, hc(host, FIEF_HC_CONSOLE_READ, id, NOT_RAM, 64, 0, 0));
	FAILS(FIEF_E_NOENT, hc(host, FIEF_HC_CONSOLE_READ, 8, BUF, 64, 0, 0));
	for (int i = 0; i < VM_CONSOLE_RING; i++)
		vm_console_putc(vm, (char)('a' + i % 26));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_CONSOLE_READ, id, BUF + 0x100, 64, 5, 0));
	assert_int_equal(hc(host, FIEF_HC_CONSOLE_READ, id, BUF + 0x100, 64, 6, 0), 64);
	assert_int_equal(out[0], 'a');
	assert_mm_ok();
}

/* VM_INFO names the vCPU whose exit stopped a VM, and none otherwise. */
static void test_stop_vcpu(void **state)
{
	uint32_t id = create_ready(0), other = create(GMEM, 1, 0);
	struct vm *vm = vm_get(id);
	const uint64_t status[6] = { 5 };

	(void)state;
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, other, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VCPU_CREATE, id, 1, 0, 0, 0), 1);
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	assert_int_equal(info_of(id).stop_vcpu, FIEF_STOP_VCPU_NONE); /* running */
	/* vCPU 1 stops its VM. */
	hypercall_dispatch(&vm->vcpu[1], FIEF_HC_SELF_STOP, status);
	assert_int_equal(info_of(id).state, FIEF_VM_STATE_STOPPED);
	assert_int_equal(info_of(id).stop_reason, FIEF_STOP_SELF);
	assert_int_equal(info_of(id).stop_status, 5);
	assert_int_equal(info_of(id).stop_vcpu, 1);
	/* A stop that no vCPU caused. */
	assert_int_equal(hc(host, FIEF_HC_VM_START, other, 0, 0, 0, 0), 0);
	vm_stop(vm_get(other), NULL, FIEF_STOP_INTERNAL, 0, "test");
	assert_int_equal(info_of(other).stop_vcpu, FIEF_STOP_VCPU_NONE);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, other, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

static void test_reclaim(void **state)
{
	uint32_t id = create_ready(0);
	struct pt_leaf leaf;

	(void)state;
	FAILS(FIEF_E_NOTSUP, hc(host, FIEF_HC_MEM_RECLAIM, id, 0, PAGE_SIZE, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	FAILS(FIEF_E_STATE, hc(host, FIEF_HC_MEM_RECLAIM, id, 0, PAGE_SIZE, 0, 0));
	vm_stop(vm_get(id), NULL, FIEF_STOP_SELF, 0, "done");
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_RECLAIM, id, 1, PAGE_SIZE, 0, 0));
	FAILS(FIEF_E_RANGE, hc(host, FIEF_HC_MEM_RECLAIM, id, GMEM, PAGE_SIZE, 0, 0));
	*(uint64_t *)vm_gpa_ptr(vm_get(id), gpa_init(0x40000), 8) = 77;
	assert_int_equal(hc(host, FIEF_HC_MEM_RECLAIM, id, 0x40000, 0x10000, 0, 0), 0);
	mm_host_page(pa_init(DONOR + 0x40000), &leaf);
	assert_true(!leaf.valid ? leaf.owner == MM_OWNER_HOST : leaf.state == MM_PAGE_OWNED);
	assert_int_equal(*(uint64_t *)host_mem(DONOR + 0x40000), 0);
	assert_int_equal(info_of(id).memory_owned, GMEM / 2 - 0x10000);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

/* Managers made at run time: only the host makes them. */
static void test_manager_flag(void **state)
{
	struct config_vm cv = cfg("mgr", CONFIG_ROLE_GUEST, 8ull << 20, true);
	struct vm *mgr;
	uint32_t id;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 2), 0);
	mgr = vm_get(2);
	assert_true(mgr && mgr->manage);
	id = create(GMEM, 1, FIEF_VM_F_MANAGE);
	assert_true(vm_get(id)->manage);
	assert_int_equal(info_of(id).caps, FIEF_CAP_MANAGE);
	assert_int_equal(info_of(id).flags, FIEF_VM_F_MANAGE);
	/* A manager that is not the host cannot multiply itself. */
	FAILS(FIEF_E_PERM, hc(mgr, FIEF_HC_VM_CREATE, GMEM, 1, FIEF_VM_F_MANAGE, 0, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

/* A call naming its caller is malformed (INVAL), not a question of
 * inspection rights; get-regs and copy-out check those under the lock. */
static void test_self_and_inspect(void **state)
{
	struct config_vm cv = cfg("mgr", CONFIG_ROLE_GUEST, 8ull << 20, true);
	struct vm *mgr;
	uint32_t child, other;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 2), 0);
	mgr = vm_get(2);
	FAILS(FIEF_E_INVAL, hc(mgr, FIEF_HC_VCPU_GET_REGS, mgr->slot, 0, 0x1000, 352, 0));
	FAILS(FIEF_E_INVAL, hc(mgr, FIEF_HC_MEM_COPY_OUT, mgr->slot, 0x1000, 0x1000, 8, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_VCPU_GET_REGS, 0, 0, BUF, 352, 0));
	FAILS(FIEF_E_INVAL, hc(host, FIEF_HC_MEM_COPY_OUT, 0, BUF, 0x1000, 8, 0));
	/* The creator may read its child's registers; others only if the
	 * child is inspectable. */
	child = (uint32_t)hc(mgr, FIEF_HC_VM_CREATE, GMEM, 1, 0, 0, 0);
	assert_true(child > 0 && child < VM_MAX);
	other = create(GMEM, 1, 0);
	FAILS(FIEF_E_NOENT, hc(mgr, FIEF_HC_VCPU_GET_REGS, child, 0, 0x1000, 352, 0));
	FAILS(FIEF_E_PERM, hc(host, FIEF_HC_VCPU_GET_REGS, child, 0, BUF, 352, 0));
	FAILS(FIEF_E_PERM, hc(host, FIEF_HC_MEM_COPY_OUT, other, BUF, 0, 8, 0));
	FAILS(FIEF_E_PERM, hc(mgr, FIEF_HC_VCPU_GET_REGS, other, 0, 0x1000, 352, 0));
	/* Its creator destroyed, the child has none: a later VM in the
	 * creator's slot gets no rights over it. */
	assert_int_equal(vm_get(child)->creator, (int32_t)mgr->slot);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, mgr->slot, 0, 0, 0, 0), 0);
	assert_int_equal(vm_get(child)->creator, -1);
	FAILS(FIEF_E_PERM, hc(host, FIEF_HC_VCPU_GET_REGS, child, 0, BUF, 352, 0));
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, child, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, other, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

/* A VM that no longer runs makes no management calls: a call that waited
 * for its turn while its VM was paused or stopped is refused. */
static void test_caller_not_running(void **state)
{
	struct config_vm cv = cfg("mgr", CONFIG_ROLE_GUEST, 8ull << 20, true);
	struct vm *mgr;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 2), 0);
	mgr = vm_get(2);
	assert_true(hc(mgr, FIEF_HC_VM_LIST, 0, 0, 0, 0, 0) > 0);
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, mgr->slot, 0, 0, 0, 0), 0);
	for (uint64_t nr = FIEF_HC_VM_CREATE; nr < FIEF_HC_COUNT; nr++) {
		int64_t r;
		struct sig s;

		sig_take(&s);
		r = hc(mgr, nr, 1, 0x1000, 0x1000, 0x1000, FIEF_SHARE_ALL);
		assert_true(r == FIEF_E_STATE || r == FIEF_E_NOSYS || r == FIEF_E_INVAL);
		assert_unchanged(&s);
	}
	assert_int_equal(hc(mgr, FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), FIEF_E_STATE);
	assert_int_equal(hc(host, FIEF_HC_VM_RESUME, mgr->slot, 0, 0, 0, 0), 0);
	assert_true(hc(mgr, FIEF_HC_VM_LIST, 0, 0, 0, 0, 0) > 0);
	vm_stop(mgr, NULL, FIEF_STOP_INTERNAL, 0, "test");
	assert_int_equal(hc(mgr, FIEF_HC_VM_LIST, 0, 0, 0, 0, 0), FIEF_E_STATE);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, mgr->slot, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

/* Pause and destroy kick the CPUs running the target's vCPUs. */
static void test_kicks(void **state)
{
	uint32_t id = create_ready(0), kicks;
	struct vm *vm = vm_get(id);
	const uint64_t none[6] = { 0 };

	(void)state;
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	kicks = fake_kicks;
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	assert_int_equal(fake_kicks, kicks); /* nothing ran: no kick */
	assert_int_equal(hc(host, FIEF_HC_VM_RESUME, id, 0, 0, 0, 0), 0);
	/* A vCPU in its turn on some CPU: stopping the VM kicks that CPU. */
	vm->vcpu[0].running = true;
	vm_stop(vm, NULL, FIEF_STOP_INTERNAL, 0, "test");
	vm->vcpu[0].running = false;
	assert_int_equal(fake_kicks, kicks + 1);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	id = create_ready(0);
	vm = vm_get(id);
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	/* A yield ends the vCPU's turn without a kick: the loop sees it leave
	 * (not RUNNABLE) and makes it RUNNABLE again (core/run.c). */
	kicks = fake_kicks;
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_YIELD, none), 0);
	assert_int_equal(fake_kicks, kicks);
	assert_int_equal(vm->vcpu[0].state, VCPU_STATE_YIELDED);
	assert_int_equal(vm->state, VM_STATE_RUNNING);
	/* A stop that comes meanwhile wins: the vCPU stays stopped. */
	vm_stop(vm, NULL, FIEF_STOP_INTERNAL, 0, "test");
	assert_int_equal(vm->vcpu[0].state, VCPU_STATE_STOPPED);
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_YIELD, none), 0);
	assert_int_equal(vm->vcpu[0].state, VCPU_STATE_STOPPED);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

/* A VM that stopped for a shutdown reports where: RIP / PC. */
static void test_shutdown_addr(void **state)
{
	uint32_t id = create_ready(0);
	struct vcpu_exit e = { .reason = VCPU_EXIT_SHUTDOWN, .pc = 0x100000 };

	(void)state;
	strcpy(e.why, "triple fault (shutdown)");
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	run_handle_exit(&vm_get(id)->vcpu[0], &e);
	assert_int_equal(info_of(id).stop_reason, FIEF_STOP_SHUTDOWN);
	assert_int_equal(info_of(id).stop_addr, 0x100000);
	assert_int_equal(info_of(id).stop_vcpu, 0);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
}

/* A self-stop under way when a pause came still stops the VM: the call
 * does not return to the guest after its resume. */
static void test_stop_while_paused(void **state)
{
	uint32_t id = create_ready(0);
	const uint64_t status[6] = { 5 };

	(void)state;
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	assert_int_equal(hypercall_dispatch(&vm_get(id)->vcpu[0], FIEF_HC_SELF_STOP, status), 0);
	assert_int_equal(info_of(id).state, FIEF_VM_STATE_STOPPED);
	assert_int_equal(info_of(id).stop_reason, FIEF_STOP_SELF);
	assert_int_equal(info_of(id).stop_status, 5);
	assert_int_equal(hc(host, FIEF_HC_VM_RESUME, id, 0, 0, 0, 0), FIEF_E_STATE);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
}

/* An exit fief does not handle stops the VM with the hardware's code. */
static void test_unhandled_code(void **state)
{
	uint32_t id = create_ready(0);
	struct vcpu_exit e = { .reason = VCPU_EXIT_FAILED, .code = 0x80000021 };

	(void)state;
	strcpy(e.why, "VM entry failed: invalid guest state, CR4");
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	run_handle_exit(&vm_get(id)->vcpu[0], &e);
	assert_int_equal(info_of(id).stop_reason, FIEF_STOP_UNHANDLED);
	assert_int_equal(info_of(id).stop_status, 0x80000021);
	assert_int_equal(info_of(id).stop_addr, 0);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
}

/* The run loop sees run-time VMs once started, never while paused. */
static void test_scheduling(void **state)
{
	uint32_t id = create_ready(0);
	struct vm *vm = vm_get(id);

	(void)state;
	host->vcpu[0].state = VCPU_STATE_HALTED; /* only the guest may run */
	plain->vcpu[0].state = VCPU_STATE_HALTED;
	fake_next_exit = (struct vcpu_exit){ .reason = VCPU_EXIT_HYPERCALL,
					     .nr = FIEF_HC_SELF_STOP, .arg = { 0 } };
	run_cpu(0); /* nothing runnable: a created VM is not run */
	assert_int_equal(vm->vcpu[0].arch.runs, 0);
	assert_int_equal(hc(host, FIEF_HC_VM_START, id, 0, 0, 0, 0), 0);
	assert_int_equal(hc(host, FIEF_HC_VM_PAUSE, id, 0, 0, 0, 0), 0);
	run_cpu(0);
	assert_int_equal(vm->vcpu[0].arch.runs, 0);
	assert_int_equal(hc(host, FIEF_HC_VM_RESUME, id, 0, 0, 0, 0), 0);
	run_cpu(0);
	assert_int_equal(vm->vcpu[0].arch.runs, 1);
	/* Its turn ended through the backend's hook, then the marker. */
	assert_int_equal(vm->vcpu[0].arch.leaves, 1);
	assert_false(vm->vcpu[0].running);
	assert_int_equal(vm->state, VM_STATE_STOPPED);
	assert_int_equal(info_of(id).stop_reason, FIEF_STOP_SELF);
	assert_int_equal(hc(host, FIEF_HC_VM_DESTROY, id, 0, 0, 0, 0), 0);
	assert_mm_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_permission_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_donate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_share_unshare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpus_and_regs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hundred_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_info_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_span_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_vcpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manager_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_and_inspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_not_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kicks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_paused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unhandled_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_addr, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
