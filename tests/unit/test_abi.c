/* SPDX-License-Identifier: MIT */
/*
 * guest-abi/: the public headers stand alone and their encoders behave.
 *
 * fief_abi.h is included first, before any other header, so this file only
 * compiles if the header brings everything it needs. mk/guests.mk also
 * compiles each header alone as C11 -pedantic and C++11 (abi-check).
 */
#include "guest-abi/fief_abi.h"
#if defined(__x86_64__)
#include "guest-abi/fief_abi_x86.h"
#endif

/* fief's own limits must be the same tokens (identical redefinition). */
#include "core/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(FIEF_ABI_VERSION, (FIEF_ABI_VERSION_MAJOR << 16) | FIEF_ABI_VERSION_MINOR);
	assert_int_equal(FIEF_ABI_VERSION_MAJOR_OF(FIEF_ABI_MAKE_VERSION(3, 7)), 3);
	assert_int_equal(FIEF_ABI_VERSION_MINOR_OF(FIEF_ABI_MAKE_VERSION(3, 7)), 7);
	assert_int_equal(FIEF_ABI_VERSION_MAJOR_OF(FIEF_ABI_VERSION), FIEF_ABI_VERSION_MAJOR);
	assert_true(FIEF_ABI_VERSION_MAJOR >= 1);
}

/* The numbers the task fixed, and the management range above them. */
static void test_call_numbers(void **state)
{
	static const uint32_t mgmt[] = {
		FIEF_HC_VM_CREATE, FIEF_HC_VM_DESTROY, FIEF_HC_VM_START,
		FIEF_HC_VM_PAUSE, FIEF_HC_VM_RESUME, FIEF_HC_VM_LIST,
		FIEF_HC_VM_INFO, FIEF_HC_MEM_DONATE, FIEF_HC_MEM_RECLAIM,
		FIEF_HC_MEM_SHARE, FIEF_HC_MEM_UNSHARE, FIEF_HC_MEM_COPY_IN,
		FIEF_HC_MEM_COPY_OUT, FIEF_HC_VCPU_CREATE, FIEF_HC_VCPU_GET_REGS,
		FIEF_HC_VCPU_SET_REGS, FIEF_HC_CONSOLE_READ, FIEF_HC_IRQ_LINE,
	};
	size_t i, j;

	(void)state;
	assert_int_equal(FIEF_HC_VERSION, 0x00);
	assert_int_equal(FIEF_HC_CAPS, 0x01);
	assert_int_equal(FIEF_HC_SELF_STOP, 0x02);
	for (i = 0; i < sizeof(mgmt) / sizeof(mgmt[0]); i++) {
		assert_true(mgmt[i] >= 0x10);
		assert_true(mgmt[i] < FIEF_HC_COUNT);
		for (j = i + 1; j < sizeof(mgmt) / sizeof(mgmt[0]); j++)
			assert_int_not_equal(mgmt[i], mgmt[j]);
	}
	assert_true(FIEF_HC_COUNT < 0xff00);
}

static void test_error_names(void **state)
{
	int64_t e;
	int64_t f;

	(void)state;
	assert_string_equal(fief_abi_error_name(FIEF_E_OK), "FIEF_E_OK");
	assert_string_equal(fief_abi_error_name(FIEF_E_NOSYS), "FIEF_E_NOSYS");
	assert_string_equal(fief_abi_error_name(FIEF_E_NOTSUP), "FIEF_E_NOTSUP");
	/* Every code from -1 down to the last has a distinct FIEF_E_ name. */
	for (e = -1; e >= FIEF_E_LAST; e--) {
		const char *n = fief_abi_error_name(e);

		assert_non_null(n);
		assert_int_equal(strncmp(n, "FIEF_E_", 7), 0);
		for (f = e - 1; f >= FIEF_E_LAST; f--)
			assert_string_not_equal(n, fief_abi_error_name(f));
	}
	assert_null(fief_abi_error_name(FIEF_E_LAST - 1));
	assert_null(fief_abi_error_name(1));
	assert_null(fief_abi_error_name(INT64_MIN));
	/* SMCCC's NOT_SUPPORTED is -1 too: unknown calls agree on both. */
	assert_int_equal(FIEF_E_NOSYS, -1);
}

static void test_smccc(void **state)
{
	(void)state;
	assert_int_equal(FIEF_SMCCC_FN(FIEF_HC_VERSION), 0xC6000000u);
	assert_int_equal(FIEF_SMCCC_FN(FIEF_HC_SELF_STOP), 0xC6000002u);
	assert_int_equal(FIEF_SMCCC_FN(FIEF_HC_VM_CREATE), 0xC6000010u);
	/* Fast, SMC64, owner 6. */
	assert_int_equal(FIEF_SMCCC_FN(0) & FIEF_SMCCC_FAST, FIEF_SMCCC_FAST);
	assert_int_equal(FIEF_SMCCC_FN(0) & FIEF_SMCCC_SMC64, FIEF_SMCCC_SMC64);
	assert_int_equal((FIEF_SMCCC_FN(0) >> FIEF_SMCCC_OWNER_SHIFT) & FIEF_SMCCC_OWNER_MASK,
			 FIEF_SMCCC_OWNER_VENDOR_HYP);
	/* Numbers past 16 bits do not leak into the owner field. */
	assert_int_equal(FIEF_SMCCC_FN(0x10012u), 0xC6000012u);

	assert_true(fief_smccc_is_fief(0xC6000002u));
	assert_true(fief_smccc_is_fief(FIEF_SMCCC_FN(FIEF_HC_CONSOLE_READ)));
	assert_false(fief_smccc_is_fief(0x86000002u)); /* SMC32 */
	assert_false(fief_smccc_is_fief(0x46000002u)); /* yielding */
	assert_false(fief_smccc_is_fief(0xC5000002u)); /* other owner */
	assert_false(fief_smccc_is_fief(0xC6010002u)); /* bits 23:16 set */
	assert_false(fief_smccc_is_fief(0xC600FF01u)); /* SMCCC general query */
	assert_false(fief_smccc_is_fief(0x84000000u)); /* PSCI_VERSION */
	assert_int_equal(fief_smccc_call(0xC6000016u), FIEF_HC_VM_INFO);
	assert_int_equal(fief_smccc_call(FIEF_SMCCC_FN(FIEF_HC_MEM_SHARE)), FIEF_HC_MEM_SHARE);
}

static void test_cpuid_signature(void **state)
{
	uint32_t regs[3] = { FIEF_CPUID_SIG_EBX, FIEF_CPUID_SIG_ECX, FIEF_CPUID_SIG_EDX };
	char sig[13];

	(void)state;
	/* Little-endian register bytes in EBX, ECX, EDX order spell it. */
	for (int r = 0; r < 3; r++)
		for (int b = 0; b < 4; b++)
			sig[r * 4 + b] = (char)((regs[r] >> (8 * b)) & 0xff);
	sig[12] = '\0';
	assert_string_equal(sig, FIEF_CPUID_SIGNATURE);
	assert_int_equal(sizeof(FIEF_CPUID_SIGNATURE), 13);
}

static void test_struct_layouts(void **state)
{
	struct fief_vm_info info;
	static const uint8_t vmcall[] = { FIEF_X86_VMCALL_BYTES };
	static const uint8_t vmmcall[] = { FIEF_X86_VMMCALL_BYTES };

	(void)state;
	/* The static asserts fixed these; check the run-time view agrees. */
	assert_int_equal(sizeof(struct fief_vm_info), 120);
	assert_int_equal(sizeof(struct fief_regs_x86), 352);
	assert_int_equal(sizeof(struct fief_regs_arm64), 352);
	assert_int_equal(sizeof(info.name), FIEF_VM_NAME_MAX);
	assert_int_equal(FIEF_X86_GPR_COUNT, 16);
	assert_int_equal(offsetof(struct fief_regs_x86, gpr) + 8 * FIEF_X86_RDI,
			 offsetof(struct fief_regs_x86, gpr[7]));
	assert_int_equal(sizeof(vmcall), FIEF_X86_HC_INSN_LEN);
	assert_int_equal(sizeof(vmmcall), FIEF_X86_HC_INSN_LEN);
	assert_int_equal(vmcall[2], 0xc1);
	assert_int_equal(vmmcall[2], 0xd9);
	/* Bits in distinct places. */
	assert_int_equal(FIEF_CAP_MANAGE & FIEF_CAP_HOST, 0);
	assert_int_equal(FIEF_CAP_INSPECTABLE & (FIEF_CAP_MANAGE | FIEF_CAP_HOST), 0);
	assert_int_equal(FIEF_SHARE_ALL, 7);
	assert_int_equal(FIEF_PAGE_SIZE, 4096);
	assert_int_equal(FIEF_MAX_VMS, 16);
	assert_int_equal(FIEF_VM_NAME_MAX, CONFIG_NAME_MAX + 1);
}

static void test_x86_vendor(void **state)
{
	(void)state;
#if defined(__x86_64__)
	/* "Auth" of AuthenticAMD and "Genu" of GenuineIntel, as CPUID EBX. */
	assert_int_equal(fief_x86_hc_insn_for_vendor(0x68747541u), FIEF_X86_HC_VMMCALL);
	assert_int_equal(fief_x86_hc_insn_for_vendor(0x756e6547u), FIEF_X86_HC_VMCALL);
	assert_int_equal(fief_x86_hc_insn_for_vendor(0), FIEF_X86_HC_VMCALL);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_call_numbers),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_smccc),
		cmocka_unit_test(test_cpuid_signature),
		cmocka_unit_test(test_struct_layouts),
		cmocka_unit_test(test_x86_vendor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
