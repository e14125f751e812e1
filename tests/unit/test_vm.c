/* SPDX-License-Identifier: MIT */
/*
 * VMs on the fake arch, with the real mm: creation (memory donated and
 * mapped, image copied, vCPUs set up), every failure path handing memory
 * back, the run loop driven by scripted exits, hypercall dispatch and the
 * per-VM console.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "lib/err.h"
#include "core/elf.h"
#include "core/hypercall.h"
#include "core/memmap.h"
#include "core/run.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "mm/own.h"
#include "mm/page_alloc.h"
#include "tests/unit/elf_build.h"
#include "tests/unit/mm_fake.h"
#include "tests/unit/vm_test_env.h"

static int setup(void **state)
{
	(void)state;
	return vm_env_boot();
}

static int teardown(void **state)
{
	(void)state;
	vm_env_free();
	return 0;
}

static struct config_vm guest_cfg(const char *name, uint64_t mem, uint32_t vcpus)
{
	struct config_vm cv = { .valid = true, .role = CONFIG_ROLE_GUEST, .memory = mem,
				.vcpu_count = vcpus };

	strcpy(cv.name, name);
	strcpy(cv.image, "guest.elf");
	for (uint32_t i = 0; i < vcpus; i++)
		cv.cpu[i] = i;
	return cv;
}

static struct vm *find_vm(const char *name)
{
	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);

		if (vm && strcmp(vm->name, name) == 0)
			return vm;
	}
	return NULL;
}

static void assert_mm_ok(void)
{
	size_t words = mm_check_bitmap_words();
	uint64_t *bm = calloc(words, sizeof(uint64_t));

	assert_int_equal(mm_check(bm, words), 0);
	free(bm);
}

static void test_guest_created(void **state)
{
	struct config_vm cv = guest_cfg("g1", 8ull << 20, 2);
	struct pt_leaf leaf;
	struct vm *vm;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 2), 0);
	vm = find_vm("g1");
	assert_non_null(vm);
	assert_int_equal(vm->state, VM_STATE_RUNNING);
	assert_false(vm->host);
	/* The guest's stage-2 maps GPA 0 to its memory, owned by it... */
	mm_guest_page(&vm->guest_mm, gpa_init(0), &leaf);
	assert_true(leaf.valid);
	assert_int_equal(pa_addr(leaf.pa), pa_addr(vm->mem_base));
	assert_int_equal(leaf.state, MM_PAGE_OWNED);
	/* ...and the host's table marks those pages as the guest's. */
	mm_host_page(vm->mem_base, &leaf);
	assert_false(leaf.valid);
	assert_int_equal(leaf.owner, vm->id);
	/* The image is in place, its bss zeroed; vCPUs start at the entry. */
	const uint8_t *text = vm_gpa_ptr(vm, gpa_init(IMAGE_GPA), 256 + 4096);

	assert_non_null(text);
	assert_int_equal(text[0], 0xa0);
	assert_int_equal(text[255], (uint8_t)(0xa0 + 255));
	assert_int_equal(text[256 + 100], 0);
	assert_int_equal(vm->vcpu_count, 2);
	assert_int_equal(vm->vcpu[1].pcpu, 1);
	assert_int_equal(vm->vcpu[0].arch.entry, IMAGE_ENTRY);
	assert_null(vm_gpa_ptr(vm, gpa_init((8ull << 20) - 8), 16)); /* past its memory */
	assert_mm_ok();
}

static void test_refusals_give_memory_back(void **state)
{
	struct config_vm cv = guest_cfg("bad", 8ull << 20, 1);
	uint64_t free_before;
	struct vm *vm;

	(void)state;
	/* A vCPU on a CPU that is not online. */
	cv.cpu[0] = 3;
	assert_int_equal(vm_create(&cv, bi, 2), FIEF_ERANGE);
	/* A missing image. The first donation leaves the host's stage-2 with
	 * finer tables around the range it got back: measure after it. */
	cv.cpu[0] = 0;
	strcpy(cv.image, "absent.elf");
	assert_int_equal(vm_create(&cv, bi, 2), FIEF_ENOENT);
	free_before = page_alloc_free_count();
	assert_int_equal(vm_create(&cv, bi, 2), FIEF_ENOENT);
	/* A corrupt image: the donated memory must come back to the host. */
	strcpy(cv.image, "guest.elf");
	elf[0] = 0;
	assert_int_not_equal(vm_create(&cv, bi, 2), 0);
	/* Memory larger than any free range. */
	build_elf();
	cv.memory = 1ull << 32;
	assert_int_equal(vm_create(&cv, bi, 2), FIEF_ENOMEM);
	assert_null(find_vm("bad"));
	assert_int_equal(page_alloc_free_count(), free_before);
	assert_mm_ok();
	/* And a good VM gets the very range the refused ones were offered. */
	cv = guest_cfg("good", 8ull << 20, 1);
	assert_int_equal(vm_create(&cv, bi, 2), 0);
	vm = find_vm("good");
	assert_int_equal(pa_addr(vm->mem_base), RAM_HIGH + RAM_HIGH_SIZE - (8ull << 20) - (8ull << 20));
}

static void test_run_until_self_stop(void **state)
{
	struct config_vm cv = guest_cfg("runner", 8ull << 20, 1);
	struct vm *vm;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 1), 0);
	vm = find_vm("runner");
	fake_next_exit = (struct vcpu_exit){ .reason = VCPU_EXIT_HYPERCALL,
					     .nr = FIEF_HC_SELF_STOP, .arg = { 7 } };
	run_cpu(0);
	assert_int_equal(vm->state, VM_STATE_STOPPED);
	assert_int_equal(vm->stop_code, FIEF_STOP_SELF);
	assert_int_equal(vm->stop_status, 7);
	assert_int_equal(vm->vcpu[0].state, VCPU_STATE_STOPPED);
	assert_non_null(strstr(fake_console, "fief: vm runner stopped: self-stop status 7\n"));
}

static void test_exit_policy(void **state)
{
	struct config_vm cv = guest_cfg("pol", 8ull << 20, 2);
	struct vcpu_exit e = { 0 };
	struct vm *vm;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 2), 0);
	vm = find_vm("pol");
	/* A hypercall's result goes back into the vCPU. */
	e = (struct vcpu_exit){ .reason = VCPU_EXIT_HYPERCALL, .nr = FIEF_HC_VERSION };
	run_handle_exit(&vm->vcpu[0], &e);
	assert_int_equal(vm->vcpu[0].arch.last_result, FIEF_ABI_VERSION);
	/* HLT: that vCPU sleeps, the VM goes on. */
	e = (struct vcpu_exit){ .reason = VCPU_EXIT_HALT };
	run_handle_exit(&vm->vcpu[1], &e);
	assert_int_equal(vm->vcpu[1].state, VCPU_STATE_HALTED);
	assert_int_equal(vm->state, VM_STATE_RUNNING);
	/* A guest touching memory it does not own is stopped, with the GPA. */
	e = (struct vcpu_exit){ .reason = VCPU_EXIT_MEM_FAULT, .gpa = { 0x12345000 }, .write = 1 };
	run_handle_exit(&vm->vcpu[0], &e);
	assert_int_equal(vm->state, VM_STATE_STOPPED);
	assert_int_equal(vm->stop_code, FIEF_STOP_MEMORY);
	assert_int_equal(vm->stop_status, 0x12345000);
	assert_string_equal(vm->stop_reason,
			    "memory violation: write at GPA 0x12345000, outside its memory");
	/* Stopping twice keeps the first reason. */
	e = (struct vcpu_exit){ .reason = VCPU_EXIT_SHUTDOWN };
	run_handle_exit(&vm->vcpu[0], &e);
	assert_int_equal(vm->stop_code, FIEF_STOP_MEMORY);
	assert_mm_ok();
}

static void test_hypercall_dispatch(void **state)
{
	struct config_vm cv = guest_cfg("hc", 8ull << 20, 1);
	const uint64_t args[6] = { 0 };
	struct vm *vm;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 1), 0);
	vm = find_vm("hc");
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_VERSION, args), FIEF_ABI_VERSION);
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_CAPS, args), 0);
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_COUNT, args), FIEF_E_NOSYS);
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_YIELD, args), 0);
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], 0x4, args), FIEF_E_NOSYS);
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], UINT64_MAX, args), FIEF_E_NOSYS);
	/* Management calls need the capability, checked before anything. */
	for (uint64_t nr = FIEF_HC_VM_CREATE; nr < FIEF_HC_COUNT; nr++) {
		int64_t r = hypercall_dispatch(&vm->vcpu[0], nr, args);

		assert_true(r == FIEF_E_PERM || r == FIEF_E_NOSYS); /* unlisted numbers */
	}
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_VM_CREATE, args), FIEF_E_PERM);
	vm->manage = true;
	assert_int_equal(hypercall_dispatch(&vm->vcpu[0], FIEF_HC_CAPS, args), FIEF_CAP_MANAGE);
	assert_int_equal(hypercall_abi_error(FIEF_ENOMEM), FIEF_E_NOMEM);
	assert_int_equal(hypercall_abi_error(FIEF_EPERM), FIEF_E_DENIED);
	assert_int_equal(hypercall_abi_error(-999), FIEF_E_INVAL);
}

static void test_console_lines(void **state)
{
	struct config_vm cv = guest_cfg("con", 8ull << 20, 1);
	struct vm *vm;

	(void)state;
	assert_int_equal(vm_create(&cv, bi, 1), 0);
	vm = find_vm("con");
	fake_console_reset();
	for (const char *p = "hi\x1b[2J\r\nsecond"; *p; p++)
		vm_console_putc(vm, *p);
	/* One complete line, escape bytes defused; the rest waits for '\n'. */
	assert_string_equal(fake_console, "[con] hi?[2J\n");
	assert_int_equal(vm->console.total, 14);
	assert_memory_equal(vm->console.ring, "hi\x1b[2J\r\nsecond", 14);
	for (int i = 0; i < VM_CONSOLE_LINE + 5; i++)
		vm_console_putc(vm, 'x');
	assert_non_null(strstr(fake_console, "[con] secondxxx"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_give_memory_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_until_self_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hypercall_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_lines, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
