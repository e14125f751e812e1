# Shared helpers for the emulator suites (sourced, not run).
#
# A scenario is a folder tests/emu/scenarios/NAME/ holding:
#   fief.cfg            the configuration fief boots with (and any other files
#                       for the boot volume: test guest images are copied in
#                       by the suite from build/)
#   expect.RIG          one extended regex per line, each of which must match
#                       a line of fief's serial log on rig RIG; a scenario
#                       without expect.RIG does not run on RIG. A regex
#                       written as "> REGEX" must match a line after the one
#                       the previous regex matched (to check an order, e.g.
#                       two VMs' output interleaving); a regex written as
#                       "! REGEX" must match no line at all (a forged line)
#   files               optional: build artefacts to put on the boot volume,
#                       one path per line, relative to build/<arch>/
#   qemu-args.RIG       optional: extra emulator arguments (devices, -smp) on
#                       a QEMU rig
#   bochs-cpus          optional: processors on the Bochs rigs (default 2)
#   timeout             optional: seconds the scenario may take on any rig
#                       (default EMU_TIMEOUT, 90; never less than it)
#   qmp.RIG             optional: QMP commands sent while the scenario runs
#                       on a QEMU rig (tests/emu/qmp.py): line 1 a regex the
#                       serial log must match first, line 2 "COUNT INTERVAL
#                       COMMAND [ARGUMENTS-JSON]", e.g. "50 0.05 inject-nmi"
# The emulator must also end with the status fief reports (0 = pass).
#
# Rigs: qemu-x86 (OVMF, SVM), qemu-arm64 (AAVMF, EL2), bochs-vmx, bochs-svm.

EMU_TIMEOUT=${EMU_TIMEOUT:-90}
# The default, kept apart: a suite makes EMU_TIMEOUT local per scenario.
EMU_BASE_TIMEOUT=$EMU_TIMEOUT
ROOT=$(pwd)
BUILD=${BUILD:-build}

# scenarios RIG: names of the scenarios that have an expect file for RIG;
# with SCENARIOS set (names separated by spaces), only those among them.
scenarios() {
	local d
	for d in tests/emu/scenarios/*/; do
		[ -f "$d/expect.$1" ] || continue
		case " ${SCENARIOS:-$(basename "$d")} " in
		*" $(basename "$d") "*) basename "$d" ;;
		esac
	done
}

# stage_volume SCENARIO ARCH DIR: the scenario's boot files into DIR.
stage_volume() {
	local src=tests/emu/scenarios/$1 f
	mkdir -p "$3"
	find "$src" -maxdepth 1 -type f ! -name 'expect.*' ! -name files ! -name 'qemu-args.*' \
		! -name 'qmp.*' ! -name timeout ! -name bochs-cpus \
		-exec cp {} "$3/" \;
	if [ -f "$src/files" ]; then
		while read -r f; do
			[ -n "$f" ] && cp "$BUILD/$2/$f" "$3/"
		done < "$src/files"
	fi
}

# emu_run LOG CMD...: run an emulator command under the timeout, its output
# to stdout. If it timed out before fief printed its first line (the
# firmware or boot loader hung, seen rarely with AAVMF under TCG), say so and
# run it once more: a hang inside fief still fails, the second time too.
emu_run() {
	local log=$1 rc
	shift
	timeout "$EMU_TIMEOUT" "$@"
	rc=$?
	if [ "$rc" = 124 ] && ! grep -q "microhypervisor starting" "$log" 2>/dev/null; then
		echo "  (firmware never reached fief in ${EMU_TIMEOUT}s: running once more)" >&2
		timeout "$EMU_TIMEOUT" "$@"
		rc=$?
	fi
	return "$rc"
}

# scenario_timeout NAME: the seconds NAME may run (its timeout file, at
# least EMU_TIMEOUT).
scenario_timeout() {
	local f=tests/emu/scenarios/$1/timeout t
	t=$EMU_BASE_TIMEOUT
	if [ -f "$f" ] && [ "$(cat "$f")" -gt "$t" ]; then
		t=$(cat "$f")
	fi
	echo "$t"
}

# qemu_extra NAME RIG: the scenario's extra QEMU arguments (qemu-args.RIG).
qemu_extra() {
	local f=tests/emu/scenarios/$1/qemu-args.$2
	[ -f "$f" ] && cat "$f"
	return 0
}

# qmp_start NAME RIG DIR: if the scenario has qmp.RIG, start its sender in
# the background and set QMP_ARGS to the QEMU arguments that open the
# socket (empty otherwise).
QMP_PID=
QMP_ARGS=
qmp_start() {
	local f=tests/emu/scenarios/$1/qmp.$2 sock=$3/qmp.sock re rest
	QMP_PID=
	QMP_ARGS=
	[ -f "$f" ] || return 0
	re=$(sed -n 1p "$f")
	rest=$(sed -n 2p "$f")
	rm -f "$sock"
	# shellcheck disable=SC2086 # COUNT INTERVAL COMMAND [ARGS] are words
	python3 tests/emu/qmp.py "$sock" "$3/serial.log" "$re" $rest >"$3/qmp.out" 2>&1 &
	QMP_PID=$!
	QMP_ARGS="-qmp unix:$sock,server=on,wait=off"
}

# qmp_finish: wait for the sender started by qmp_start (it ends with QEMU).
qmp_finish() {
	if [ -n "$QMP_PID" ]; then
		wait "$QMP_PID" 2>/dev/null
		QMP_PID=
	fi
}

# match_line LOG REGEX AFTER: the number of the first line after line AFTER
# that matches REGEX (0: none).
match_line() {
	local n
	n=$(tail -n "+$(($3 + 1))" "$1" | grep -En -m1 -- "$2" | cut -d: -f1)
	[ -n "$n" ] && echo $(($3 + n)) || echo 0
}

# check_log NAME LOG EXPECT RC WANT_RC: print PASS or FAIL with the reason.
check_log() {
	local name=$1 log=$2 expect=$3 rc=$4 want=$5 re missing=0 clean last=0 at
	clean=$(mktemp)
	tr -d '\r' < "$log" > "$clean" 2>/dev/null
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		if [ "${re:0:2}" = "! " ]; then
			if grep -Eq -- "${re:2}" "$clean"; then
				echo "  present, but must not be: ${re:2}"
				missing=$((missing + 1))
			fi
			continue
		elif [ "${re:0:2}" = "> " ]; then
			at=$(match_line "$clean" "${re:2}" "$last")
		else
			at=$(match_line "$clean" "$re" 0)
		fi
		if [ "$at" = 0 ]; then
			echo "  missing: $re"
			missing=$((missing + 1))
		else
			last=$at
		fi
	done < "$expect"
	rm -f "$clean"
	if [ "$rc" = 124 ]; then
		echo "FAIL $name: timed out after ${EMU_TIMEOUT}s (log: $log)"
	elif [ "$missing" -gt 0 ]; then
		echo "FAIL $name: $missing expected line(s) missing (log: $log)"
	elif [ -n "$want" ] && [ "$rc" != "$want" ]; then
		echo "FAIL $name: emulator exit status $rc, expected $want (log: $log)"
	else
		echo "PASS $name"
	fi
}
