#!/usr/bin/env bash
# Runs one libFuzzer target for a while and prints one line about it:
#   PASS fuzz_NAME: N execs, cov C, ft F, corpus K
#   FAIL fuzz_NAME: why
#
# usage: tests/fuzz/run.sh fuzz_NAME SECONDS [more libFuzzer flags]
# The binary is build/fuzz/fuzz_NAME (make fuzz-build). Seeds are read from
# tests/fuzz/corpus/fuzz_NAME/, new inputs kept in build/fuzz/corpus/fuzz_NAME/
# (so later runs start where this one ended), a crashing input is written to
# build/fuzz/artifacts/fuzz_NAME/ and the log to build/fuzz/logs/fuzz_NAME.log.
# Exit status 0 only if the run ended without a finding.
set -u
cd "$(dirname "$0")/../.."
t=${1:?usage: run.sh TARGET SECONDS}
secs=${2:?usage: run.sh TARGET SECONDS}
shift 2
B=${BUILD:-build}/fuzz
bin=$B/$t
work=$B/corpus/$t
art=$B/artifacts/$t
log=$B/logs/$t.log
seeds=tests/fuzz/corpus/$t
dict=tests/fuzz/$t.dict

if [ ! -x "$bin" ]; then
	echo "FAIL $t: $bin not built (make fuzz-build)"
	exit 1
fi
mkdir -p "$work" "$art" "$(dirname "$log")"
args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	-artifact_prefix="$art/")
[ -f "$dict" ] && args+=(-dict="$dict")
dirs=("$work")
[ -d "$seeds" ] && dirs+=("$seeds")

"$bin" "${args[@]}" "$@" "${dirs[@]}" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
if [ $rc -ne 0 ]; then
	why=$(grep -m1 -E 'ERROR: |runtime error|invariant broken|deadly signal' "$log")
	crash=$(ls -t "$art" 2>/dev/null | head -n 1)
	echo "FAIL $t: exit $rc: ${why:-see $log}${crash:+ (input: $art/$crash)}"
	exit 1
fi
if [ -z "$execs" ]; then
	echo "FAIL $t: no statistics in $log"
	exit 1
fi
echo "PASS $t: $execs execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
