#!/usr/bin/env bash
# Boot a prepared boot volume in QEMU x86_64 (q35, -cpu max: AMD with SVM and
# NPT under TCG) with OVMF, and end with QEMU's exit status.
#
# usage: qemu-x86.sh ESP_DIR SERIAL [QEMU ARGS...]
#   ESP_DIR  a folder holding EFI/BOOT/BOOTX64.EFI and fief's files
#   SERIAL   a log file path, or "stdio" to show the console (make run)
# fief reports its status through isa-debug-exit: status s ends QEMU with
# (s << 1) | 1.
set -eu
esp=$1 serial=$2
shift 2
vars=$(mktemp --suffix=.fd)
trap 'rm -f "$vars"' EXIT
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
if [ "$serial" = stdio ]; then serial_opt=(-serial mon:stdio); else serial_opt=(-serial "file:$serial"); fi
set +e
qemu-system-x86_64 -machine q35 -cpu max -accel tcg -m 512M -smp 2 \
	-display none -vga none -net none -no-reboot -nodefaults \
	"${serial_opt[@]}" \
	-drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd" \
	-drive "if=pflash,format=raw,file=$vars" \
	-drive "file=fat:rw:$esp,format=raw" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
exit $?
