#!/usr/bin/env bash
# make bench: fief's exit paths in instructions on one emulator backend.
#
# usage: emu.sh BACKEND OUT_JSON
#   BACKEND   svm    QEMU x86_64 (OVMF, -cpu max: AMD SVM) with -icount
#             vmx    Bochs corei7_skylake_x (Intel VMX), GRUB + Multiboot2
#             arm64  QEMU aarch64 (AAVMF, EL2) with -icount
#   OUT_JSON  the fragment for tests/bench/report.py
#
# Boots fief with tests/bench/emu/fief.cfg (the bench guest as the host
# VM, on every backend), keeps the serial log in
# build/bench/emu-BACKEND/serial.log and turns
# its "bench: NAME VALUE" lines into {"NAME.BACKEND": VALUE}. A backend
# that cannot run (no image, the emulator failed, figures absent) is
# written as missing with the reason, never as a number.
#
# Counting: QEMU -icount shift=N,sleep=off advances the guest's counters
# with instructions only; x86's TSC by 2^N per instruction (shift 5: 32),
# arm64's 62.5 MHz counter by one per instruction with shift 4. Bochs
# counts by itself: its TSC advances one tick per instruction. The bench
# guest measures the ratio on every run and prints it (calib_ticks_per_insn).
set -u
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 svm|vmx|arm64 OUT_JSON" >&2; exit 2; }
backend=$1 out=$2
BUILD=${BUILD:-build}
timeout_s=${BENCH_TIMEOUT:-300}
dir=$BUILD/bench/emu-$backend
log=$dir/serial.log
rm -rf "$dir"
mkdir -p "$dir"

# missing REASON: the whole backend is missing.
missing() {
	echo "bench emu-$backend: missing: $1" >&2
	python3 tests/bench/emu.py --missing "$1" "$backend" "$out"
	exit 0
}

# stage DIR ARCH [CFG]: fief.cfg (or CFG as fief.cfg) and the bench guest
# into DIR.
stage() {
	mkdir -p "$1"
	cp "${3:-tests/bench/emu/fief.cfg}" "$1/fief.cfg"
	cp "$BUILD/$2/guests/bench.elf" "$1/" || return 1
}

run_qemu_x86() {
	[ -f "$BUILD/x86_64/fief.efi" ] || missing "no build/x86_64/fief.efi"
	mkdir -p "$dir/esp/EFI/BOOT"
	cp "$BUILD/x86_64/fief.efi" "$dir/esp/EFI/BOOT/BOOTX64.EFI"
	stage "$dir/esp" x86_64 || missing "no x86_64 bench guest"
	timeout "$timeout_s" bash tests/emu/qemu-x86.sh "$dir/esp" "$log" \
		-icount shift=5,sleep=off </dev/null >"$dir/emu.out" 2>&1
}

run_qemu_arm64() {
	[ -f "$BUILD/aarch64/fief.efi" ] || missing "no build/aarch64/fief.efi"
	mkdir -p "$dir/esp/EFI/BOOT"
	cp "$BUILD/aarch64/fief.efi" "$dir/esp/EFI/BOOT/BOOTAA64.EFI"
	stage "$dir/esp" aarch64 || missing "no aarch64 bench guest"
	timeout "$timeout_s" bash tests/emu/qemu-arm64.sh "$dir/esp" "$log" \
		-icount shift=4,sleep=off </dev/null >"$dir/emu.out" 2>&1
}

# Bochs boots fief.elf with GRUB; the boot files become Multiboot2 modules
# named after themselves (as tests/suites/emu-bochs.sh does). fief.elf loads
# at 16 MiB, clear of the bench guest's 0x200000.
run_bochs_vmx() {
	local f cfg=$dir/iso/boot/grub/grub.cfg
	[ -f "$BUILD/x86_64/fief.elf" ] || missing "no build/x86_64/fief.elf"
	grep -lq x86_vmx_ops arch/x86/*.c 2>/dev/null || missing "no VMX backend in arch/x86"
	stage "$dir/iso/boot" x86_64 || missing "no x86_64 bench guest"
	cp "$BUILD/x86_64/guests/bench.elf" "$dir/iso/boot/bench.elf" ||
		missing "no $BUILD/x86_64/guests/bench.elf"
	cp "$BUILD/x86_64/fief.elf" "$dir/iso/boot/fief.elf"
	mkdir -p "$dir/iso/boot/grub"
	{
		echo "serial --unit=0 --speed=115200"
		echo "terminal_input serial"
		echo "terminal_output serial"
		echo "set timeout=0"
		echo "menuentry fief {"
		echo "	multiboot2 /boot/fief.elf"
		for f in fief.cfg bench.elf; do
			echo "	module2 /boot/$f $f"
		done
		echo "	boot"
		echo "}"
	} >"$cfg"
	grub-mkrescue -o "$dir/boot.iso" "$dir/iso" >"$dir/grub-mkrescue.out" 2>&1 ||
		missing "grub-mkrescue failed (see $dir/grub-mkrescue.out)"
	timeout "$timeout_s" bash tests/emu/bochs.sh corei7_skylake_x "$dir/boot.iso" "$log" \
		</dev/null >"$dir/emu.out" 2>&1
}

case $backend in
svm) run_qemu_x86 ;;
arm64) run_qemu_arm64 ;;
vmx) run_bochs_vmx ;;
*) echo "emu.sh: unknown backend $backend" >&2; exit 2 ;;
esac
rc=$?
[ "$rc" = 124 ] && missing "timed out after ${timeout_s}s (log: $log)"
[ -s "$log" ] || missing "no serial output (exit $rc, see $dir/emu.out)"
python3 tests/bench/emu.py "$backend" "$out" "$log"
