#!/usr/bin/env bash
# Boot a GRUB ISO in Bochs (Debian's 2.7 build: Intel VMX with EPT/VPID, or
# AMD SVM) with two processors, COM1 to a file.
#
# usage: bochs.sh CPU_MODEL ISO SERIAL_LOG
#   CPU_MODEL   corei7_skylake_x (VMX) or ryzen (SVM); any Bochs cpu model
#   ISO         made by grub-mkrescue, booted as a CD-ROM from the BIOS
#   SERIAL_LOG  file that receives COM1
# Bochs's exit status carries nothing: judge by the serial log. fief ends the
# run by writing "Shutdown" to port 0x8900 (arch/x86/machine.c); run this
# under `timeout` so that a hung guest cannot hang the caller.
# BOCHS_CPUS (default 2) sets the number of processors.
# BOCHS_IPS (default 20000000) sets emulated instructions per second. The
# BIOS and GRUB wait in emulated time, so a lower rate boots faster in real
# time: a boot to "exit status 0" took 17 s at 100M, 5-6 s at 20M or 10M.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 CPU_MODEL ISO SERIAL_LOG" >&2; exit 2; }
model=$1 iso=$2 serial=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
: >"$serial"

# Debian's build has no "nogui" display: rfb with timeout=0 starts without
# waiting for a VNC client. The debugger is compiled in, so commands come
# from a file: continue, then quit when the simulation ends.
cat >"$dir/bochsrc" <<EOF
megs: 512
cpu: model=$model, count=${BOCHS_CPUS:-2}, ips=${BOCHS_IPS:-20000000}, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/seabios/vgabios-isavga.bin
display_library: rfb, options="timeout=0"
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-slave: type=cdrom, path="$(realpath "$iso")", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$(realpath "$serial")"
port_e9_hack: enabled=1
clock: sync=none, time0=local
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
mouse: enabled=0
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
EOF
printf 'c\nquit\n' >"$dir/cmds"
cd "$dir"
set +e
bochs -q -f bochsrc -rc cmds </dev/null
rc=$?
set -e
# Bochs's own log says why it stopped (shutdown port, panic, triple fault).
if [ -s "$dir/bochs.log" ]; then
	grep -E 'PANIC|ERROR|FATAL|VMFAIL|VMENTER|shutdown|Shutdown|triple' "$dir/bochs.log" | tail -n 20 >&2 || true
fi
exit $rc
