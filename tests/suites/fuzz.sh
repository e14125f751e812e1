#!/usr/bin/env bash
# Fuzz smoke suite for tests/run.sh: builds every libFuzzer target, runs them
# side by side for a short while (about 40 s of wall time in total, whatever
# the number of targets) and prints "PASS fuzz_NAME: N execs ..." or
# "FAIL fuzz_NAME: why" for each. Any crash, sanitizer report or broken
# invariant fails its target. FUZZ_SMOKE_SECONDS overrides the time.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}/fuzz

if ! out=$(make -s --no-print-directory fuzz-build 2>&1); then
	printf '%s\n' "$out" | tail -n 20
	echo "FAIL fuzz: make fuzz-build failed"
	exit 0
fi
targets=()
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] && targets+=("$(basename "$src" .c)")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "FAIL fuzz: no targets in tests/fuzz/"
	exit 0
fi
# Run at most as many at once as there are CPUs; keep the total near 40 s.
cpus=$(nproc 2>/dev/null || echo 1)
waves=$(( (${#targets[@]} + cpus - 1) / cpus ))
secs=${FUZZ_SMOKE_SECONDS:-$(( 40 / waves ))}
[ "$secs" -ge 5 ] || secs=5
[ "$secs" -le 20 ] || secs=20

res=$(mktemp -d)
running=0
for t in "${targets[@]}"; do
	bash tests/fuzz/run.sh "$t" "$secs" >"$res/$t" 2>&1 &
	running=$((running + 1))
	if [ "$running" -ge "$cpus" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for t in "${targets[@]}"; do
	line=$(grep -E '^(PASS|FAIL) ' "$res/$t" | tail -n 1)
	echo "${line:-FAIL $t: no result}"
done
rm -rf "$res"
