#!/usr/bin/env bash
# fief.efi under QEMU x86_64 (q35, -cpu max: AMD with SVM+NPT) and OVMF.
# fief reports its status through isa-debug-exit: status s ends QEMU with
# (s << 1) | 1, so a pass is exit status 1.
set -u
cd "$(dirname "$0")/../.."
. tests/emu/lib.sh
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

run_one() {
	local name=$1 dir=$BUILD/emu/qemu-x86/$1 rc
	rm -rf "$dir"
	mkdir -p "$dir/esp/EFI/BOOT"
	cp "$BUILD/x86_64/fief.efi" "$dir/esp/EFI/BOOT/BOOTX64.EFI"
	stage_volume "$name" x86_64 "$dir/esp"
	cp "$OVMF_VARS" "$dir/vars.fd"
	timeout "$EMU_TIMEOUT" qemu-system-x86_64 -machine q35 -cpu max -accel tcg -m 512M -smp 2 \
		-display none -vga none -net none -monitor none -no-reboot -nodefaults \
		-serial "file:$dir/serial.log" \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$dir/vars.fd" \
		-drive "file=fat:rw:$dir/esp,format=raw" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		${QEMU_EXTRA:-} </dev/null >"$dir/qemu.out" 2>&1
	rc=$?
	check_log "qemu-x86/$name" "$dir/serial.log" "tests/emu/scenarios/$name/expect.qemu-x86" "$rc" 1
}

for s in $(scenarios qemu-x86); do
	run_one "$s"
done
