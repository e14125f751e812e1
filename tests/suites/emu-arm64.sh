#!/usr/bin/env bash
# fief.efi under QEMU aarch64 (virt, virtualization=on, GICv3, -cpu max) and
# AAVMF. fief reports its status through semihosting SYS_EXIT_EXTENDED, which
# QEMU passes on as its own exit status: a pass is exit status 0.
set -u
cd "$(dirname "$0")/../.."
. tests/emu/lib.sh
run_one() {
	local EMU_TIMEOUT
	EMU_TIMEOUT=$(scenario_timeout "$1")
	local name=$1 dir=$BUILD/emu/qemu-arm64/$1 rc
	rm -rf "$dir"
	mkdir -p "$dir/esp/EFI/BOOT"
	cp "$BUILD/aarch64/fief.efi" "$dir/esp/EFI/BOOT/BOOTAA64.EFI"
	stage_volume "$name" aarch64 "$dir/esp"
	local extra
	extra=$(qemu_extra "$name" qemu-arm64)
	qmp_start "$name" qemu-arm64 "$dir"
	# shellcheck disable=SC2086 # word splitting of the argument lists is wanted
	emu_run "$dir/serial.log" bash tests/emu/qemu-arm64.sh "$dir/esp" "$dir/serial.log" \
		$extra $QMP_ARGS ${QEMU_EXTRA:-} </dev/null >"$dir/qemu.out" 2>&1
	rc=$?
	qmp_finish
	check_log "qemu-arm64/$name" "$dir/serial.log" \
		"tests/emu/scenarios/$name/expect.qemu-arm64" "$rc" 0
}

# The image itself: a PE32+ for AArch64 whose size is a multiple of 512 (the
# FileAlignment; AAVMF refuses the file otherwise).
check_image() {
	local img=$BUILD/aarch64/fief.efi pe machine magic size
	if [ ! -f "$img" ]; then
		echo "FAIL image/aarch64: $img missing"
		return
	fi
	pe=$(od -An -t u4 -j 60 -N 4 "$img" | tr -d ' ')
	machine=$(od -An -t x2 -j $((pe + 4)) -N 2 "$img" | tr -d ' ')
	magic=$(od -An -t x2 -j $((pe + 24)) -N 2 "$img" | tr -d ' ')
	size=$(stat -c %s "$img")
	if [ "$(head -c 2 "$img")" != MZ ] || [ "$(od -An -c -j "$pe" -N 2 "$img" | tr -d ' ')" != PE ]; then
		echo "FAIL image/aarch64: no MZ/PE header"
	elif [ "$machine" != aa64 ] || [ "$magic" != 020b ]; then
		echo "FAIL image/aarch64: machine 0x$machine, optional header magic 0x$magic (want aa64, 020b)"
	elif [ $((size % 512)) -ne 0 ]; then
		echo "FAIL image/aarch64: $size bytes, not a multiple of 512"
	else
		echo "PASS image/aarch64: PE32+ AArch64, $size bytes"
	fi
}

check_image
for s in $(scenarios qemu-arm64); do
	run_one "$s"
done
