#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mm figures: writes a flat JSON object {figure: number} to OUT.

usage: mm.py MM_BENCH OUT

Instruction figures: for each figure `mm_bench list` names, run
`mm_bench run NAME` under callgrind collecting only inside bench_measured()
(--collect-atstart=no --toggle-collect=bench_measured), and divide the
instructions executed there by the number of operations it performed.
Entry-count figures come from `mm_bench counts` directly.
"""
import json
import os
import subprocess
import sys
import tempfile


def callgrind_instructions(binary, name):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             "--toggle-collect=bench_measured", "--callgrind-out-file=" + out,
             binary, "run", name],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        totals = None
        with open(out) as f:
            for line in f:
                if line.startswith(("totals:", "summary:")):
                    totals = int(line.split()[1])
        if totals is None:
            sys.exit("mm.py: no totals in callgrind output for " + name)
        return totals


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, out = sys.argv[1], sys.argv[2]
    figures = {}
    listing = subprocess.run([binary, "list"], check=True, capture_output=True, text=True)
    for line in listing.stdout.splitlines():
        name, ops = line.split()
        figures[name] = round(callgrind_instructions(binary, name) / int(ops), 1)
    counts = subprocess.run([binary, "counts"], check=True, capture_output=True, text=True)
    for line in counts.stdout.splitlines():
        name, value = line.split()
        figures[name] = int(value)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        json.dump(figures, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
