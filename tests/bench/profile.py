#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Where one null-hypercall round trip spends its instructions, by symbol.

usage: profile.py COUNTS SERIAL_LOG FIEF_SO BENCH_ELF LOOP INSN [PREFIX]

COUNTS is insn_profile's output ("0xADDR COUNT" per executed address,
counted from the start of the bench guest's LOOP function, e.g.
hc_vmmcall, to its hc_empty loop). fief's addresses are mapped to symbols of FIEF_SO
(build/x86_64/fief-efi.so) moved to the load address its banner gives in
SERIAL_LOG ("mem: fief image 0x... size ..."); the guest's to BENCH_ELF.
Counts are divided by the times the loop's exiting instruction INSN
(vmmcall, hvc) executed, so the table reads in instructions per round
trip. PREFIX is the binutils prefix for another arch (aarch64-linux-gnu-).
"""
import bisect
import re
import subprocess
import sys


def symbols(prefix, elf, base):
    out = subprocess.run([prefix + "nm", "-S", "--defined-only", elf], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        # Assembly labels often have no size: they reach the next symbol.
        if len(f) == 4 and f[2] in "tTwW":
            syms.append((int(f[0], 16) + base, int(f[1], 16), f[3]))
        elif len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16) + base, -1, f[2]))
    syms.sort()
    return syms


def exit_insn_addr(prefix, elf, loop, insn):
    out = subprocess.run([prefix + "objdump", "-d", "--no-show-raw-insn", elf], check=True,
                         capture_output=True, text=True).stdout
    inside = False
    for line in out.splitlines():
        if line.endswith("<%s>:" % loop):
            inside = True
        elif inside and re.search(r"\b%s\b" % insn, line):
            return int(line.split(":")[0], 16)
        elif inside and not line.strip():
            break
    sys.exit("profile.py: no %s in %s of %s" % (insn, loop, elf))


def main():
    if len(sys.argv) not in (7, 8):
        sys.exit(__doc__)
    counts_path, log, fief_so, bench_elf, loop, insn = sys.argv[1:7]
    prefix = sys.argv[7] if len(sys.argv) == 8 else ""
    base = None
    with open(log, errors="replace") as f:
        for line in f:
            m = re.search(r"mem: fief image (0x[0-9a-f]+) size", line)
            if m:
                base = int(m.group(1), 16)
    if base is None:
        sys.exit("profile.py: no 'mem: fief image' line in " + log)
    syms = symbols(prefix, fief_so, base)
    syms += [(a, s, "guest:" + n) for a, s, n in symbols(prefix, bench_elf, 0)]
    syms.sort()
    starts = [s[0] for s in syms]
    counts = {}
    with open(counts_path) as f:
        for line in f:
            a, c = line.split()
            counts[int(a, 16)] = int(c)
    trips = counts.get(exit_insn_addr(prefix, bench_elf, loop, insn), 0)
    if not trips:
        sys.exit("profile.py: the %s was never counted" % insn)
    per_sym = {}
    for addr, c in counts.items():
        i = bisect.bisect_right(starts, addr) - 1
        name = "?"
        if i >= 0 and (syms[i][1] < 0 or addr < syms[i][0] + max(syms[i][1], 1)):
            name = syms[i][2]
        per_sym[name] = per_sym.get(name, 0) + c
    total = sum(per_sym.values())
    print("%d round trips; %.1f instructions each (guest loop included)" % (trips, total / trips))
    print("%-28s %10s" % ("symbol", "insns/trip"))
    for name, c in sorted(per_sym.items(), key=lambda kv: -kv[1]):
        if c / trips >= 0.05:
            print("%-28s %10.1f" % (name, c / trips))


if __name__ == "__main__":
    main()
