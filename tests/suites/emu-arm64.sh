#!/usr/bin/env bash
# fief.efi under QEMU aarch64 (virt, virtualization=on, GICv3, -cpu max) and
# AAVMF. fief reports its status through semihosting SYS_EXIT_EXTENDED, which
# QEMU passes on as its own exit status: a pass is exit status 0.
set -u
cd "$(dirname "$0")/../.."
. tests/emu/lib.sh
run_one() {
	local name=$1 dir=$BUILD/emu/qemu-arm64/$1 rc
	rm -rf "$dir"
	mkdir -p "$dir/esp/EFI/BOOT"
	cp "$BUILD/aarch64/fief.efi" "$dir/esp/EFI/BOOT/BOOTAA64.EFI"
	stage_volume "$name" aarch64 "$dir/esp"
	timeout "$EMU_TIMEOUT" bash tests/emu/qemu-arm64.sh "$dir/esp" "$dir/serial.log" \
		${QEMU_EXTRA:-} </dev/null >"$dir/qemu.out" 2>&1
	rc=$?
	check_log "qemu-arm64/$name" "$dir/serial.log" \
		"tests/emu/scenarios/$name/expect.qemu-arm64" "$rc" 0
}

for s in $(scenarios qemu-arm64); do
	run_one "$s"
done
