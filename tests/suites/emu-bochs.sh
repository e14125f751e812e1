#!/usr/bin/env bash
# fief.elf (Multiboot2) booted by GRUB from an ISO in Bochs:
#   bochs-vmx  cpu model corei7_skylake_x (Intel VMX, EPT, VPID)
#   bochs-svm  cpu model ryzen (AMD SVM, NPT)
# Every scenario with expect.bochs-vmx / expect.bochs-svm runs on that rig.
# The scenario's files become Multiboot2 modules named after themselves.
# Bochs's exit status carries nothing, so the serial log alone is judged:
# the expect file must require fief's "fief: exit status 0" line.
set -u
cd "$(dirname "$0")/../.."
. tests/emu/lib.sh

# make_iso SCENARIO DIR: DIR/iso holds GRUB, fief.elf and the scenario's
# files; the ISO is DIR/boot.iso.
make_iso() {
	local name=$1 dir=$2 f cfg
	stage_volume "$name" x86_64 "$dir/iso/boot"
	cp "$BUILD/x86_64/fief.elf" "$dir/iso/boot/fief.elf"
	mkdir -p "$dir/iso/boot/grub"
	cfg=$dir/iso/boot/grub/grub.cfg
	{
		echo "serial --unit=0 --speed=115200"
		echo "terminal_input serial"
		echo "terminal_output serial"
		echo "set timeout=0"
		echo "menuentry fief {"
		echo "	multiboot2 /boot/fief.elf"
		for f in "$dir"/iso/boot/*; do
			[ -f "$f" ] || continue
			f=$(basename "$f")
			[ "$f" = fief.elf ] && continue
			echo "	module2 /boot/$f $f"
		done
		echo "	boot"
		echo "}"
	} >"$cfg"
	grub-mkrescue -o "$dir/boot.iso" "$dir/iso" >"$dir/grub-mkrescue.out" 2>&1
}

run_one() {
	local EMU_TIMEOUT
	EMU_TIMEOUT=$(scenario_timeout "$3")
	local rig=$1 model=$2 name=$3 dir=$BUILD/emu/$1/$3 rc start cpus
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! make_iso "$name" "$dir"; then
		echo "FAIL $rig/$name: grub-mkrescue failed (see $dir/grub-mkrescue.out)"
		return
	fi
	start=$(date +%s)
	# A scenario may ask for more processors (bochs-cpus: a number).
	cpus=$(cat "tests/emu/scenarios/$name/bochs-cpus" 2>/dev/null || echo 2)
	emu_run "$dir/serial.log" env BOCHS_CPUS="$cpus" bash tests/emu/bochs.sh "$model" \
		"$dir/boot.iso" "$dir/serial.log" </dev/null >"$dir/bochs.out" 2>&1
	rc=$?
	echo "  $rig/$name: bochs ran $(($(date +%s) - start)) s (exit $rc)"
	check_log "$rig/$name" "$dir/serial.log" "tests/emu/scenarios/$name/expect.$rig" "$rc" ""
}

for s in $(scenarios bochs-vmx); do
	run_one bochs-vmx corei7_skylake_x "$s"
done
for s in $(scenarios bochs-svm); do
	run_one bochs-svm ryzen "$s"
done
