#!/usr/bin/env bash
# Runs test suites and prints one closing line: "N passed, M failed".
#
# usage: tests/run.sh SUITE...   (unit, or any tests/suites/SUITE.sh)
# A suite prints "PASS <name>" or "FAIL <name>: <why>" per test on stdout;
# everything else it prints is shown but not counted. The unit suite counts
# cmocka's per-test lines. Exit status: 0 only if nothing failed and at
# least one test ran.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
pass=0
fail=0
tally() {
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"PASS "*|"[       OK ] "*) pass=$((pass + 1)) ;;
		"FAIL "*|"[  FAILED  ] "*[!\(]*) [[ "$line" == *"test(s), listed below"* ]] || fail=$((fail + 1)) ;;
		esac
	done
}

run_unit() {
	local bin rc out
	out=$(mktemp)
	for bin in "$BUILD"/host/tests/test_* "$BUILD"/host-tsan/tests/test_*; do
		[ -x "$bin" ] || continue
		case "$bin" in
		*/host-tsan/*) echo "== unit (ThreadSanitizer): $(basename "$bin")" ;;
		*) echo "== unit: $(basename "$bin")" ;;
		esac
		"$bin" >"$out" 2>&1
		rc=$?
		cat "$out"
		# cmocka exits with the number of failed tests; anything else that
		# is not 0 (a sanitizer report, a signal) left tests unreported.
		if [ $rc -ne 0 ] && ! grep -qE '^\[  FAILED  \] [^0-9]' "$out"; then
			echo "FAIL $(basename "$bin"): crashed (exit $rc)"
		fi
	done
	rm -f "$out"
}

[ $# -gt 0 ] || set -- unit
for suite in "$@"; do
	if [ "$suite" = unit ]; then
		tally < <(run_unit)
	elif [ -f "tests/suites/$suite.sh" ]; then
		tally < <(bash "tests/suites/$suite.sh" 2>&1)
	else
		echo "FAIL $suite: no such suite"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
