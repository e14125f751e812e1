#!/usr/bin/env bash
# Boot a prepared boot volume in QEMU aarch64 (virt with EL2, GICv3, -cpu max,
# two CPUs) with AAVMF, and end with QEMU's exit status.
#
# usage: qemu-arm64.sh ESP_DIR SERIAL [QEMU ARGS...]
#   ESP_DIR  a folder holding EFI/BOOT/BOOTAA64.EFI and fief's files
#   SERIAL   a log file path, or "stdio" to show the console (make run)
# fief reports its status through semihosting SYS_EXIT_EXTENDED: status s
# ends QEMU with exit status s. AAVMF starts the application at EL2.
set -eu
esp=$1 serial=$2
shift 2
aavmf=/usr/share/AAVMF
vars=$(mktemp --suffix=.fd)
trap 'rm -f "$vars"' EXIT
# Both pflash images must be 64 MiB; Debian's AAVMF files already are.
cp "$aavmf/AAVMF_VARS.fd" "$vars"
if [ "$serial" = stdio ]; then serial_opt=(-serial mon:stdio); else serial_opt=(-serial "file:$serial"); fi
set +e
qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max -smp 2 -m 512 \
	-display none -net none -nodefaults -no-reboot -semihosting \
	"${serial_opt[@]}" \
	-drive "if=pflash,format=raw,readonly=on,file=$aavmf/AAVMF_CODE.fd" \
	-drive "if=pflash,format=raw,file=$vars" \
	-drive "file=fat:rw:$esp,format=raw,if=virtio" "$@"
exit $?
