#!/usr/bin/env bash
# make bench-profile: the null-hypercall round trip by symbol.
#
# usage: profile.sh PLUGIN OUT_DIR [svm|arm64]
# Boots fief with the bench guest as the host VM on QEMU (x86_64: SVM;
# aarch64: EL2) with -icount and the insn_profile TCG plugin
# (tests/bench/insn_profile.c), counting CPU 0's instructions from the guest's hypercall loop (hc_vmmcall
# or hc_hvc) to its empty loop (hc_empty), then prints instructions per
# round trip by symbol (tests/bench/profile.py) and keeps the table in
# OUT_DIR/profile.txt. Bochs has no plugins: vmx cannot be profiled so.
# Another figure's loop: PROFILE_LOOP=console_op PROFILE_STOP=console_empty
# PROFILE_INSN=str (svm: outb) profiles the console byte the same way.
set -eu
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 PLUGIN OUT_DIR [svm|arm64]" >&2; exit 2; }
plugin=$(realpath "$1") dir=$2 backend=${3:-svm}
BUILD=${BUILD:-build}
case $backend in
svm) arch=x86_64 prefix= loop=hc_vmmcall insn=vmmcall cfg=tests/bench/emu/fief.cfg
	rig=tests/emu/qemu-x86.sh efi=BOOTX64.EFI shift=5 ;;
arm64) arch=aarch64 prefix=aarch64-linux-gnu- loop=hc_hvc insn=hvc
	cfg=tests/bench/emu/fief.cfg rig=tests/emu/qemu-arm64.sh efi=BOOTAA64.EFI shift=4 ;;
*) echo "profile.sh: unknown backend $backend" >&2; exit 2 ;;
esac
loop=${PROFILE_LOOP:-$loop} insn=${PROFILE_INSN:-$insn}
elf=$BUILD/$arch/guests/bench.elf
addr() { "${prefix}nm" "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
stop=${PROFILE_STOP:-hc_empty}
on=$(addr "$loop") off=$(addr "$stop")
[ -n "$on" ] && [ -n "$off" ] || { echo "profile.sh: no $loop/$stop in $elf" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/esp/EFI/BOOT"
cp "$BUILD/$arch/fief.efi" "$dir/esp/EFI/BOOT/$efi"
cp "$cfg" "$dir/esp/fief.cfg"
cp "$elf" "$dir/esp/"
set +e
timeout "${BENCH_TIMEOUT:-600}" bash "$rig" "$dir/esp" "$dir/serial.log" \
	-icount "shift=$shift,sleep=off" \
	-plugin "$plugin,start=$on,stop=$off,out=$(realpath "$dir")/counts.txt" \
	</dev/null >"$dir/emu.out" 2>&1
set -e
python3 tests/bench/profile.py "$dir/counts.txt" "$dir/serial.log" \
	"$BUILD/$arch/fief-efi.so" "$elf" "$loop" "$insn" $prefix | tee "$dir/profile.txt"
