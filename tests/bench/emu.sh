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
# its "bench: NAME VALUE" lines into {"NAME.BACKEND": VALUE}. Then a second
# boot with tests/bench/emu/fief-remote.cfg (bench-remote.elf: two vCPUs
# of a guest VM on CPUs 0 and 1) for irq_ipi_remote, log in
# build/bench/emu-BACKEND/remote/serial.log, merged into the same
# fragment. A backend (or its second run) that cannot run (no image, the
# emulator failed, figures absent) is written as missing with the reason,
# never as a number.
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

# What a run boots: its directory, serial log, fief.cfg and guest image.
run_dir=$dir run_log=$log run_cfg=tests/bench/emu/fief.cfg run_img=bench.elf

# stage DIR ARCH: $run_cfg as fief.cfg and $run_img into DIR.
stage() {
	mkdir -p "$1"
	cp "$run_cfg" "$1/fief.cfg"
	cp "$BUILD/$2/guests/$run_img" "$1/" || return 1
}

run_qemu_x86() {
	[ -f "$BUILD/x86_64/fief.efi" ] || missing "no build/x86_64/fief.efi"
	mkdir -p "$run_dir/esp/EFI/BOOT"
	cp "$BUILD/x86_64/fief.efi" "$run_dir/esp/EFI/BOOT/BOOTX64.EFI"
	stage "$run_dir/esp" x86_64 || missing "no x86_64 bench guest"
	timeout "$timeout_s" bash tests/emu/qemu-x86.sh "$run_dir/esp" "$run_log" \
		-icount shift=5,sleep=off </dev/null >"$run_dir/emu.out" 2>&1
}

run_qemu_arm64() {
	[ -f "$BUILD/aarch64/fief.efi" ] || missing "no build/aarch64/fief.efi"
	mkdir -p "$run_dir/esp/EFI/BOOT"
	cp "$BUILD/aarch64/fief.efi" "$run_dir/esp/EFI/BOOT/BOOTAA64.EFI"
	stage "$run_dir/esp" aarch64 || missing "no aarch64 bench guest"
	timeout "$timeout_s" bash tests/emu/qemu-arm64.sh "$run_dir/esp" "$run_log" \
		-icount shift=4,sleep=off </dev/null >"$run_dir/emu.out" 2>&1
}

# Bochs boots fief.elf with GRUB; the boot files become Multiboot2 modules
# named after themselves (as tests/suites/emu-bochs.sh does). fief.elf loads
# at 16 MiB, clear of the bench guest's 0x200000.
run_bochs_vmx() {
	local f cfg=$run_dir/iso/boot/grub/grub.cfg
	[ -f "$BUILD/x86_64/fief.elf" ] || missing "no build/x86_64/fief.elf"
	grep -lq x86_vmx_ops arch/x86/*.c 2>/dev/null || missing "no VMX backend in arch/x86"
	stage "$run_dir/iso/boot" x86_64 || missing "no x86_64 bench guest"
	cp "$BUILD/x86_64/fief.elf" "$run_dir/iso/boot/fief.elf"
	mkdir -p "$run_dir/iso/boot/grub"
	{
		echo "serial --unit=0 --speed=115200"
		echo "terminal_input serial"
		echo "terminal_output serial"
		echo "set timeout=0"
		echo "menuentry fief {"
		echo "	multiboot2 /boot/fief.elf"
		for f in fief.cfg $run_img; do
			echo "	module2 /boot/$f $f"
		done
		echo "	boot"
		echo "}"
	} >"$cfg"
	grub-mkrescue -o "$run_dir/boot.iso" "$run_dir/iso" >"$run_dir/grub-mkrescue.out" 2>&1 ||
		missing "grub-mkrescue failed (see $run_dir/grub-mkrescue.out)"
	timeout "$timeout_s" bash tests/emu/bochs.sh corei7_skylake_x "$run_dir/boot.iso" "$run_log" \
		</dev/null >"$run_dir/emu.out" 2>&1
}

# run: boot what run_* name on the backend; the emulator's exit status.
run() {
	case $backend in
	svm) run_qemu_x86 ;;
	arm64) run_qemu_arm64 ;;
	vmx) run_bochs_vmx ;;
	*) echo "emu.sh: unknown backend $backend" >&2; exit 2 ;;
	esac
}

run
rc=$?
[ "$rc" = 124 ] && missing "timed out after ${timeout_s}s (log: $log)"
[ -s "$log" ] || missing "no serial output (exit $rc, see $dir/emu.out)"

# The second run: irq_ipi_remote. A failure here leaves only its figure
# missing (emu.py reads the log it finds, or none).
arch=x86_64
[ "$backend" = arm64 ] && arch=aarch64
run_dir=$dir/remote run_log=$dir/remote/serial.log
run_cfg=tests/bench/emu/fief-remote.cfg run_img=bench-remote.elf
mkdir -p "$run_dir"
if [ -f "$BUILD/$arch/guests/$run_img" ]; then
	(run)
	rc=$?
	[ "$rc" = 124 ] && echo "bench emu-$backend: remote run timed out after ${timeout_s}s" >&2
else
	echo "bench emu-$backend: no $BUILD/$arch/guests/$run_img" >&2
fi
python3 tests/bench/emu.py "$backend" "$out" "$log" "$run_log"
