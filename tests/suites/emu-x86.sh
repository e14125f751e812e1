#!/usr/bin/env bash
# fief.efi under QEMU x86_64 (q35, -cpu max: AMD with SVM+NPT) and OVMF.
# fief reports its status through isa-debug-exit: status s ends QEMU with
# (s << 1) | 1, so a pass is exit status 1.
set -u
cd "$(dirname "$0")/../.."
. tests/emu/lib.sh
run_one() {
	local EMU_TIMEOUT
	EMU_TIMEOUT=$(scenario_timeout "$1")
	local name=$1 dir=$BUILD/emu/qemu-x86/$1 rc
	rm -rf "$dir"
	mkdir -p "$dir/esp/EFI/BOOT"
	cp "$BUILD/x86_64/fief.efi" "$dir/esp/EFI/BOOT/BOOTX64.EFI"
	stage_volume "$name" x86_64 "$dir/esp"
	# A scenario may add QEMU arguments (devices) in qemu-args.qemu-x86
	# and QMP commands sent during the run in qmp.qemu-x86.
	local extra
	extra=$(qemu_extra "$name" qemu-x86)
	qmp_start "$name" qemu-x86 "$dir"
	# shellcheck disable=SC2086 # word splitting of the argument lists is wanted
	emu_run "$dir/serial.log" bash tests/emu/qemu-x86.sh "$dir/esp" "$dir/serial.log" \
		$extra $QMP_ARGS ${QEMU_EXTRA:-} </dev/null >"$dir/qemu.out" 2>&1
	rc=$?
	qmp_finish
	check_log "qemu-x86/$name" "$dir/serial.log" "tests/emu/scenarios/$name/expect.qemu-x86" "$rc" 1
}

for s in $(scenarios qemu-x86); do
	run_one "$s"
done
