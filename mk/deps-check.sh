#!/usr/bin/env bash
# The deps step's self-check: uses every tool and file the build, the tests
# and the benchmarks need, the way they use it, and names the Debian package
# that provides whatever fails. mk/deps.sh runs it last; the Makefile writes
# the deps stamp only when it passed.
#
# usage: deps-check.sh DEPS_DIR
# Exits 0 when everything works, else 1 after listing every failure.
set -uo pipefail

DEPS=${1:?usage: deps-check.sh DEPS_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=()

# check WHAT PACKAGE COMMAND...: run COMMAND quietly; on failure remember
# WHAT and the package that provides it, with the command's last words.
check() {
	local what=$1 pkg=$2 out
	shift 2
	if ! out=$("$@" 2>&1 </dev/null); then
		failed+=("$what: install Debian package '$pkg'")
		echo "deps-check: FAIL $what (Debian package: $pkg)" >&2
		printf '%s\n' "$out" | tail -n 3 | sed 's/^/deps-check:   /' >&2
	fi
}

# have_file PATH PACKAGE
have_file() {
	check "file $1" "$2" test -s "$1"
}

cat > "$tmp/hosted.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
int main(void) { uint64_t x = 1; printf("%llu\n", (unsigned long long)x); return 0; }
EOF
cat > "$tmp/free.c" <<'EOF'
#include <stdint.h>
#include <stddef.h>
uint64_t f(uint64_t x) { return x + sizeof(size_t); }
EOF
cat > "$tmp/cmocka.c" <<'EOF'
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
static void t(void **s) { (void)s; assert_int_equal(1, 1); }
int main(void) { const struct CMUnitTest ts[] = { cmocka_unit_test(t) }; return cmocka_run_group_tests(ts, NULL, NULL); }
EOF
cat > "$tmp/fuzz.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
cat > "$tmp/efi.c" <<'EOF'
#include <efi.h>
#include <efilib.h>
EFI_STATUS f(EFI_HANDLE h, EFI_SYSTEM_TABLE *st) { (void)h; (void)st; return EFI_SUCCESS; }
EOF

# Compilers and linkers, as mk/*.mk use them.
check "make" make make --version
check "gcc (hosted C: <stdint.h>, <stdio.h>, pthreads)" libc6-dev \
	gcc -std=gnu11 -pthread "$tmp/hosted.c" -o "$tmp/hosted"
check "gcc with ASan and UBSan (unit tests)" libgcc-12-dev \
	gcc -fsanitize=address,undefined "$tmp/hosted.c" -o "$tmp/asan"
check "gcc with TSan (unit tests, threads)" libgcc-12-dev \
	gcc -fsanitize=thread -pthread "$tmp/hosted.c" -o "$tmp/tsan"
check "cmocka (unit tests)" libcmocka-dev \
	gcc "$tmp/cmocka.c" -lcmocka -o "$tmp/cmocka"
check "objcopy (Multiboot2 image)" binutils objcopy --version
check "aarch64-linux-gnu-gcc (freestanding object)" gcc-aarch64-linux-gnu \
	aarch64-linux-gnu-gcc -std=gnu11 -ffreestanding -c "$tmp/free.c" -o "$tmp/free.o"
check "aarch64-linux-gnu-gcc (hosted C: <stdint.h>, make abi-check)" libc6-dev-arm64-cross \
	aarch64-linux-gnu-gcc -std=c11 -c "$tmp/hosted.c" -o "$tmp/hosted-a64.o"
check "aarch64-linux-gnu-objcopy, -ld" binutils-aarch64-linux-gnu \
	aarch64-linux-gnu-ld --version
check "clang (fuzzers, bench)" clang clang --version
check "clang with libFuzzer" libclang-rt-14-dev \
	clang -fsanitize=fuzzer,address "$tmp/fuzz.c" -o "$tmp/fuzz"
check "ld.lld (bench images)" lld ld.lld --version
check "llvm-strip (bench images)" llvm llvm-strip --version
check "gnu-efi headers (x86_64)" gnu-efi \
	gcc -std=gnu11 -ffreestanding -DGNU_EFI_USE_MS_ABI -isystem /usr/include/efi \
	-isystem /usr/include/efi/x86_64 -c "$tmp/efi.c" -o "$tmp/efi.o"
have_file /usr/lib/crt0-efi-x86_64.o gnu-efi
have_file /usr/lib/libgnuefi.a gnu-efi
have_file "$DEPS/gnu-efi-arm64/usr/lib/crt0-efi-aarch64.o" "gnu-efi (arm64, unpacked by mk/deps.sh)"
have_file "$DEPS/gnu-efi-arm64/usr/lib/libgnuefi.a" "gnu-efi (arm64, unpacked by mk/deps.sh)"
check "gnu-efi headers (arm64)" "gnu-efi (arm64, unpacked by mk/deps.sh)" \
	aarch64-linux-gnu-gcc -std=gnu11 -ffreestanding -isystem "$DEPS/gnu-efi-arm64/usr/include/efi" \
	-isystem "$DEPS/gnu-efi-arm64/usr/include/efi/aarch64" -c "$tmp/efi.c" -o "$tmp/efi-a64.o"
check "lwIP source" "lwip (source package, unpacked by mk/deps.sh)" \
	test -d "$DEPS/lwip/src/core"

# Boot media and emulators.
mkdir -p "$tmp/iso/boot/grub"
check "grub-mkrescue (an ISO for Bochs)" "grub-common, grub-pc-bin, xorriso, mtools" \
	grub-mkrescue -o "$tmp/empty.iso" "$tmp/iso"
have_file /usr/lib/grub/i386-pc/multiboot2.mod grub-pc-bin
check "xorriso" xorriso xorriso -version
check "mtools" mtools mformat --version
check "qemu-system-x86_64" qemu-system-x86 qemu-system-x86_64 --version
check "qemu-system-aarch64" qemu-system-arm qemu-system-aarch64 --version
have_file /usr/share/OVMF/OVMF_CODE_4M.fd ovmf
have_file /usr/share/OVMF/OVMF_VARS_4M.fd ovmf
have_file /usr/share/AAVMF/AAVMF_CODE.fd qemu-efi-aarch64
have_file /usr/share/AAVMF/AAVMF_VARS.fd qemu-efi-aarch64
check "bochs" bochs sh -c 'command -v bochs'
have_file /usr/share/bochs/BIOS-bochs-latest bochsbios
have_file /usr/share/seabios/vgabios-isavga.bin seabios
check "bochs rfb display plugin" bochs sh -c 'ls /usr/lib/*-linux-gnu/bochs/plugins/libbx_rfb_gui.so* >/dev/null'

# Scripts and benchmark tools.
check "python3" python3 python3 --version
check "valgrind (callgrind benchmarks)" valgrind valgrind --version
check "dpkg-source (lwIP unpacking)" dpkg-dev dpkg-source --version

if [ ${#failed[@]} -gt 0 ]; then
	echo "deps-check: ${#failed[@]} check(s) failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "deps-check: every tool and file the build and tests use works"
