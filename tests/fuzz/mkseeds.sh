#!/usr/bin/env bash
# Regenerates the ELF seeds in tests/fuzz/corpus/fuzz_elf/: tiny static
# executables for x86_64 and aarch64 linked at 0x100000 with clang and lld
# (text, data and bss segments), stripped to stay small. Run by hand; the
# seeds are committed.
set -eu
cd "$(dirname "$0")"
out=corpus/fuzz_elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/x86_64.s" <<'ASM'
	.text
	.globl _start
_start:	mov $0x1234, %eax
1:	hlt
	jmp 1b
	.data
value:	.quad 42
	.bss
	.lcomm buffer, 8192
ASM
cat >"$tmp/aarch64.s" <<'ASM'
	.text
	.globl _start
_start:	mov x0, #0x1234
1:	wfi
	b 1b
	.data
value:	.quad 42
	.bss
	.lcomm buffer, 8192
ASM
cat >"$tmp/link.ld" <<'LD'
SECTIONS {
	. = 0x100000;
	.text : { *(.text*) }
	. = ALIGN(4096);
	.data : { *(.data*) }
	.bss : { *(.bss*) *(COMMON) }
}
LD
for arch in x86_64 aarch64; do
	clang --target=$arch-none-elf -c "$tmp/$arch.s" -o "$tmp/$arch.o"
	# page-aligned text and data segments
	ld.lld -static -nostdlib -z max-page-size=4096 -T "$tmp/link.ld" \
		"$tmp/$arch.o" -o "$tmp/$arch.elf"
	llvm-strip --strip-all "$tmp/$arch.elf" -o "$out/$arch.elf"
	# one read-write-execute segment, not page-aligned: a small file
	ld.lld -static -nostdlib -N -Ttext=0x100000 "$tmp/$arch.o" -o "$tmp/$arch-n.elf"
	llvm-strip --strip-all "$tmp/$arch-n.elf" -o "$out/$arch-omagic.elf"
done
ls -l "$out"
