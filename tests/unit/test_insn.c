/* SPDX-License-Identifier: MIT */
/* Decoding the MOV forms device emulation accepts (arch/x86/insn.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86/insn.h"
#include "guest-abi/fief_abi.h"

static struct x86_insn d(enum x86_cpu_mode mode, const uint8_t *b, size_t n)
{
	struct x86_insn i;

	assert_int_equal(x86_insn_decode(b, n, mode, &i), 0);
	return i;
}

#define D64(...) d(X86_MODE_64, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
#define BAD(mode, ...) assert_int_equal(x86_insn_decode((const uint8_t[]){ __VA_ARGS__ }, \
		sizeof((const uint8_t[]){ __VA_ARGS__ }), mode, &(struct x86_insn){ 0 }), -1)

static void test_stores(void **state)
{
	struct x86_insn i;

	(void)state;
	i = D64(0x89, 0x07); /* mov [rdi], eax */
	assert_int_equal(i.len, 2);
	assert_int_equal(i.size, 4);
	assert_true(i.write);
	assert_int_equal(i.reg, FIEF_X86_RAX);
	i = D64(0x48, 0x89, 0x4f, 0x10); /* mov [rdi+0x10], rcx */
	assert_int_equal(i.len, 4);
	assert_int_equal(i.size, 8);
	assert_int_equal(i.reg, FIEF_X86_RCX);
	i = D64(0x44, 0x89, 0x80, 0xb0, 0x00, 0x00, 0x00); /* mov [rax+0xb0], r8d */
	assert_int_equal(i.len, 7);
	assert_int_equal(i.reg, FIEF_X86_R8);
	i = D64(0x89, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe); /* mov [0xfee000b0], eax (SIB, no base) */
	assert_int_equal(i.len, 7);
	i = D64(0x89, 0x05, 0x10, 0x20, 0x30, 0x40); /* mov [rip+disp32], eax */
	assert_int_equal(i.len, 6);
	i = D64(0x66, 0x89, 0x07); /* mov [rdi], ax */
	assert_int_equal(i.size, 2);
	i = D64(0x88, 0x27); /* mov [rdi], ah */
	assert_int_equal(i.size, 1);
	assert_true(i.high8);
	assert_int_equal(i.reg, FIEF_X86_RAX);
	assert_int_equal(x86_insn_store_value(&i, 0x1234), 0x12);
	i = D64(0x40, 0x88, 0x27); /* mov [rdi], spl: REX makes it SPL, not AH */
	assert_false(i.high8);
	assert_int_equal(i.reg, FIEF_X86_RSP);
	i = D64(0xc7, 0x47, 0x10, 0x78, 0x56, 0x34, 0x12); /* mov dword [rdi+0x10], 0x12345678 */
	assert_int_equal(i.len, 7);
	assert_true(i.imm);
	assert_int_equal(x86_insn_store_value(&i, 0), 0x12345678);
	i = D64(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff); /* mov qword [rdi], -1 */
	assert_int_equal(i.size, 8);
	assert_int_equal(x86_insn_store_value(&i, 0), ~0ull);
	i = D64(0xc6, 0x07, 0xab); /* mov byte [rdi], 0xab */
	assert_int_equal(x86_insn_store_value(&i, 0), 0xab);
	i = D64(0x65, 0x89, 0x07); /* gs: mov [rdi], eax */
	assert_int_equal(i.len, 3);
	assert_int_equal(x86_insn_store_value(&i, 0xffffffff12345678ull), 0x12345678);
}

static void test_loads(void **state)
{
	struct x86_insn i;

	(void)state;
	i = D64(0x8b, 0x07); /* mov eax, [rdi] */
	assert_false(i.write);
	assert_int_equal(x86_insn_load(&i, 0xffffffffffffffffull, 0x11223344), 0x11223344);
	i = D64(0x66, 0x8b, 0x07); /* mov ax, [rdi]: the upper bits stay */
	assert_int_equal(x86_insn_load(&i, 0xaaaaaaaaaaaaaaaaull, 0x1234), 0xaaaaaaaaaaaa1234ull);
	i = D64(0x8a, 0x27); /* mov ah, [rdi] */
	assert_int_equal(x86_insn_load(&i, 0xffff, 0x12), 0x12ff);
	i = D64(0x4c, 0x8b, 0x4f, 0x20); /* mov r9, [rdi+0x20] */
	assert_int_equal(i.reg, FIEF_X86_R9);
	assert_int_equal(i.size, 8);
	i = D64(0x0f, 0xb6, 0x07); /* movzx eax, byte [rdi] */
	assert_int_equal(i.size, 1);
	assert_int_equal(i.dst_size, 4);
	assert_int_equal(x86_insn_load(&i, ~0ull, 0x1ff), 0xff);
	i = D64(0x48, 0x0f, 0xb7, 0x07); /* movzx rax, word [rdi] */
	assert_int_equal(i.dst_size, 8);
	assert_int_equal(x86_insn_load(&i, ~0ull, 0x12345), 0x2345);
}

static void test_modes(void **state)
{
	struct x86_insn i;

	(void)state;
	/* 32-bit: 0x48 is DEC eax, not REX: refused; 66 gives 16-bit. */
	BAD(X86_MODE_32, 0x48, 0x89, 0x07);
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x66, 0x89, 0x07 }, 3, X86_MODE_32, &i), 0);
	assert_int_equal(i.size, 2);
	/* 16-bit: [bx+si] is rm 0, disp16 with mod 0 rm 6; 66 gives 32-bit. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x89, 0x06, 0x00, 0x03 }, 4, X86_MODE_16,
					 &i), 0);
	assert_int_equal(i.len, 4);
	assert_int_equal(i.size, 2);
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x66, 0x89, 0x00 }, 3, X86_MODE_16, &i), 0);
	assert_int_equal(i.size, 4);
	/* 16-bit with 67: 32-bit addressing, SIB. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x67, 0x89, 0x04, 0x24 }, 4, X86_MODE_16,
					 &i), 0);
	assert_int_equal(i.len, 4);
}

static void test_refused(void **state)
{
	(void)state;
	BAD(X86_MODE_64, 0x89, 0xc0);             /* mov eax, eax: a register, not memory */
	BAD(X86_MODE_64, 0x01, 0x07);             /* add [rdi], eax */
	BAD(X86_MODE_64, 0xc7, 0x4f, 0x10, 1, 2, 3, 4); /* C7 /1 is not MOV */
	BAD(X86_MODE_64, 0x0f, 0xbe, 0x07);       /* movsx: not supported */
	BAD(X86_MODE_64, 0xf3, 0xa5);             /* rep movsd */
	BAD(X86_MODE_64, 0x89);                   /* cut short */
	BAD(X86_MODE_64, 0x89, 0x04);             /* SIB missing */
	BAD(X86_MODE_64, 0x89, 0x80, 0x00);       /* disp32 cut short */
	BAD(X86_MODE_64, 0xc7, 0x07, 0x01, 0x02); /* imm32 cut short */
	BAD(X86_MODE_64, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x89, 0x07);        /* longer than 15 bytes */
	BAD(X86_MODE_64, 0x48);                   /* REX alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
