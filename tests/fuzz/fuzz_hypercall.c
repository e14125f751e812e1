/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the hypercall dispatcher and every management call, on
 * the fake arch with the real mm.
 *
 * Each input builds a fresh machine: a host VM that manages, a config guest
 * without the capability and a config guest with it (a manager that is not
 * the host), then runs a list of operations decoded from the bytes:
 *
 *   op byte < 0xe0   hypercall number op % 0x44 (all of them, plus some
 *                    unlisted), from the caller the next byte picks, with
 *                    six arguments drawn from a table of interesting values
 *                    (ids, page-aligned host and guest addresses, sizes,
 *                    struct sizes, flags, wrapping values) or raw bytes;
 *   0xe0..0xef       a VM stops (as on a guest fault);
 *   0xf0..0xf7       a VM writes a console byte;
 *   0xf8..0xfe       a vCPU exit through the run loop's policy;
 *   0xff             a raw 64-bit call number.
 *
 * Only a vCPU of a RUNNING VM makes calls (as on hardware). After every
 * operation: mm_check() (one owner per page, tables agree), the result is
 * >= 0 or a guest-abi error code, no vCPU is marked running, vCPU counts
 * match; at the end every guest is destroyed and checked again. Any broken
 * invariant aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/fake/fake.h"
#include "core/elf.h"
#include "lib/err.h"
#include "core/hypercall.h"
#include "core/memmap.h"
#include "core/run.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "core/mm_boot.h"
#include "mm/own.h"
#include "mm/page_alloc.h"
#include "tests/unit/elf_build.h"
#include "tests/unit/mm_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_hypercall: invariant broken: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                          \
			abort();                                                     \
		}                                                                    \
	} while (0)

#define RAM_LOW_SIZE (16ull << 20)   /* the host's */
#define RAM_HIGH 0x40000000ull       /* pool and config guests */
#define RAM_HIGH_SIZE (32ull << 20)
#define IMAGE_GPA 0x100000ull
#define MAX_OPS 64

static _Alignas(8) uint8_t elf[4096];
static struct boot_info bi;
static uint64_t *check_bitmap;
static bool trace;
static size_t check_words;

static void build_elf(void)
{
	/* A one-page x86_64 image at IMAGE_GPA. */
	elf_build(elf, sizeof(elf), IMAGE_GPA, IMAGE_GPA, 64, 64);
}

static void add_vm(const char *name, int role, uint64_t mem, bool manage, bool inspectable)
{
	struct config_vm cv = { .valid = true, .role = role, .memory = mem, .vcpu_count = 1,
				.manage = manage, .inspectable = inspectable };

	strcpy(cv.name, name);
	strcpy(cv.image, "guest.elf");
	CHECK(vm_create(&cv, &bi, 2) == 0);
}

static void machine(void)
{
	struct boot_file *f;

	fake_mm_fail_alloc_at(0);
	fake_mm_ram_reset();
	fake_mm_ram_add(0, RAM_LOW_SIZE);
	fake_mm_ram_add(RAM_HIGH, RAM_HIGH_SIZE);
	memset(&bi, 0, sizeof(bi));
	memmap_add(&bi, 0, RAM_LOW_SIZE, BOOT_MEM_USABLE);
	memmap_add(&bi, RAM_HIGH, RAM_HIGH_SIZE, BOOT_MEM_USABLE);
	f = &bi.files[bi.file_count++];
	strcpy(f->name, "guest.elf");
	f->base = (uint64_t)(uintptr_t)elf;
	f->size = sizeof(elf);
	CHECK(mm_boot(&bi, &pt_format_x86_npt, 4ull << 20) == 0);
	vm_init();
	add_vm("host", CONFIG_ROLE_HOST, RAM_LOW_SIZE, true, false);
	add_vm("plain", CONFIG_ROLE_GUEST, 2ull << 20, false, true);
	add_vm("mgr", CONFIG_ROLE_GUEST, 2ull << 20, true, false);
	if (!check_bitmap) {
		check_words = mm_check_bitmap_words();
		check_bitmap = calloc(check_words, sizeof(uint64_t));
		CHECK(check_bitmap);
	}
	fake_console_reset();
}

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t take64(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)take8(in) << (8 * i);
	return v;
}

/* Values that reach the interesting branches. */
static const uint64_t values[32] = {
	0, 1, 2, 3, 15, 16, PAGE_SIZE, 2 * PAGE_SIZE,
	0x10000, 0x100000, 0x200000, 0x400000, 0x800000, 0xc00000, 0x8000, 0xfff,
	RAM_LOW_SIZE - 8, RAM_LOW_SIZE, RAM_HIGH, 0x10000000, 120, 352, FIEF_SHARE_ALL,
	FIEF_SHARE_READ, FIEF_VM_F_INSPECTABLE, UINT64_MAX, (uint64_t)-PAGE_SIZE, 1ull << 39,
	1ull << 62, 4, 5, 6,
};

static uint64_t take_arg(struct input *in)
{
	uint8_t sel = take8(in);

	if (sel < 0xc0)
		return values[sel & 31] + (uint64_t)(sel >> 5) * PAGE_SIZE;
	if (sel < 0xf0)
		return sel - 0xc0u;
	return take64(in);
}

/* The vCPU through which VM @slot calls: its first, if the VM runs. */
static struct vcpu *caller_vcpu(uint32_t slot)
{
	struct vm *vm = vm_get(slot % VM_MAX);

	if (!vm || vm->state != VM_STATE_RUNNING)
		return NULL;
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++)
		if (vm->vcpu[i].vm && vm->vcpu[i].state == VCPU_STATE_RUNNABLE)
			return &vm->vcpu[i];
	return NULL;
}

static void check_machine(void)
{
	CHECK(mm_check(check_bitmap, check_words) == 0);
	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);
		uint32_t n = 0;

		if (!vm)
			continue;
		CHECK(vm->slot == i && vm->state != VM_STATE_DYING);
		for (uint32_t j = 0; j < FIEF_MAX_VCPUS; j++) {
			CHECK(!vm->vcpu[j].running);
			n += vm->vcpu[j].vm != NULL;
		}
		CHECK(n == vm->vcpu_count && n <= vm->vcpu_max);
	}
}

static bool do_call(struct input *in, uint64_t nr)
{
	uint64_t arg[6];
	struct vcpu *v = caller_vcpu(take8(in));
	int64_t r;

	for (int i = 0; i < 6; i++)
		arg[i] = take_arg(in);
	if (!v)
		return false;
	r = hypercall_dispatch(v, nr, arg);
	if (trace) /* FUZZ_HC_TRACE=1: show each call, to check seeds */
		fprintf(stderr, "vm %u call 0x%llx (0x%llx, 0x%llx, 0x%llx, 0x%llx) -> %lld\n",
			v->vm->slot, (unsigned long long)nr, (unsigned long long)arg[0],
			(unsigned long long)arg[1], (unsigned long long)arg[2],
			(unsigned long long)arg[3], (long long)r);
	CHECK(r >= 0 || fief_abi_error_name(r) != NULL);
	if (nr >= FIEF_HC_VM_CREATE && nr < FIEF_HC_COUNT && !v->vm->manage)
		CHECK(r == FIEF_E_PERM || r == FIEF_E_NOSYS);
	return true;
}

static bool do_exit(struct input *in, uint8_t op)
{
	struct vcpu *v = caller_vcpu(take8(in));
	struct vcpu_exit e = { 0 };

	if (!v)
		return false;
	switch ((op - 0xf8) % 3) {
	case 0:
		e = (struct vcpu_exit){ .reason = VCPU_EXIT_HYPERCALL, .nr = FIEF_HC_SELF_STOP };
		break;
	case 1:
		e = (struct vcpu_exit){ .reason = VCPU_EXIT_HALT };
		break;
	default:
		e = (struct vcpu_exit){ .reason = VCPU_EXIT_MEM_FAULT, .gpa = gpa_init(take_arg(in)) };
		break;
	}
	run_handle_exit(v, &e);
	return true;
}

/* One operation; false if it did nothing (no check needed). */
static bool do_op(struct input *in)
{
	uint8_t op = take8(in);
	struct vm *vm;

	if (op < 0xe0)
		return do_call(in, op % 0x44u);
	if (op >= 0xf8)
		return op < 0xff ? do_exit(in, op) : do_call(in, take64(in));
	vm = vm_get(take8(in) % VM_MAX);
	if (vm && op < 0xf0)
		vm_stop(vm, NULL, FIEF_STOP_UNHANDLED, op, "fuzz stop");
	else if (vm)
		vm_console_putc(vm, (char)take8(in));
	return vm != NULL;
}

/* Every guest goes; the host must get all its pages back. */
static void destroy_all(void)
{
	struct vm *host = vm_get(0);
	uint64_t owned, borrowed;

	for (uint32_t i = 1; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		if (vm)
			CHECK(vm_destroy(vm) == 0);
	}
	check_machine();
	vm_memory_count(host, &owned, &borrowed);
	CHECK(owned == RAM_LOW_SIZE && borrowed == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (elf[0] == 0) {
		build_elf();
		trace = getenv("FUZZ_HC_TRACE") != NULL;
	}
	machine();
	check_machine();
	for (int i = 0; i < MAX_OPS && in.n > 0; i++)
		if (do_op(&in))
			check_machine();
	destroy_all();
	return 0;
}
