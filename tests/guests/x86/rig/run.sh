#!/usr/bin/env bash
# Run one test guest on the rig (a stand-in for fief, no virtualization):
#   tests/guests/x86/rig/run.sh build/x86_64/guests/hello.elf
# Prints the serial log; exits with the guest's status (QEMU's (s<<1)|1
# undone), or 124 on timeout. Build first: make guest-rig guests.
set -u
cd "$(dirname "$0")/../../../.."
guest=$1
rig=${BUILD:-build}/x86_64/guests/rig/rig.elf
log=$(mktemp)
timeout "${RIG_TIMEOUT:-60}" qemu-system-x86_64 -machine pc -cpu max -accel tcg -m 512M \
	-display none -vga none -net none -no-reboot -nodefaults -serial "file:$log" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$rig" -initrd "$guest" </dev/null
rc=$?
tr -d '\r' < "$log"
rm -f "$log"
[ $rc = 124 ] && exit 124
# -no-reboot: a triple fault ends QEMU with 0 (a debug-exit status is odd).
if [ $rc = 0 ]; then echo "rig: the guest shut the CPU down (triple fault)"; exit 200; fi
exit $(( rc >> 1 ))
