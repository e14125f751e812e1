#!/usr/bin/env bash
# make bench-profile: the SVM null-hypercall round trip by symbol.
#
# usage: profile.sh PLUGIN OUT_DIR
# Boots fief with the bench guest as host VM on QEMU x86_64 with -icount
# and the insn_profile TCG plugin (tests/bench/insn_profile.c), counting
# CPU 0's instructions from the guest's hc_vmmcall loop to its hc_empty
# loop, then prints instructions per round trip by symbol
# (tests/bench/profile.py) and keeps it in OUT_DIR/profile.txt.
set -eu
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 PLUGIN OUT_DIR" >&2; exit 2; }
plugin=$(realpath "$1") dir=$2
BUILD=${BUILD:-build}
elf=$BUILD/x86_64/guests/bench.elf
addr() { nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
on=$(addr hc_vmmcall) off=$(addr hc_empty)
[ -n "$on" ] && [ -n "$off" ] || { echo "profile.sh: no hc_vmmcall/hc_empty in $elf" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/esp/EFI/BOOT"
cp "$BUILD/x86_64/fief.efi" "$dir/esp/EFI/BOOT/BOOTX64.EFI"
cp tests/bench/emu/fief.cfg "$elf" "$dir/esp/"
set +e
timeout "${BENCH_TIMEOUT:-600}" bash tests/emu/qemu-x86.sh "$dir/esp" "$dir/serial.log" \
	-icount shift=5,sleep=off \
	-plugin "$plugin,start=$on,stop=$off,out=$(realpath "$dir")/counts.txt" \
	</dev/null >"$dir/emu.out" 2>&1
set -e
python3 tests/bench/profile.py "$dir/counts.txt" "$dir/serial.log" \
	"$BUILD/x86_64/fief-efi.so" "$elf" | tee "$dir/profile.txt"
