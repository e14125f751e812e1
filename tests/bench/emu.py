#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the bench guest's serial log into a benchmark fragment.

usage: emu.py BACKEND OUT LOG [REMOTE_LOG]
       emu.py --missing REASON BACKEND OUT

Reads the "[host] bench: NAME VALUE" lines fief's console shows for the
bench guest (tests/guests/bench.c) and writes {"NAME.BACKEND": VALUE} to
OUT. Every figure the backend should have but the log lacks (or the whole
backend, with --missing) goes under "_missing" with the reason, which
tests/bench/report.py prints as missing instead of a number.

REMOTE_LOG is the second run's (bench-remote.elf, two vCPUs): only the
REMOTE figures are taken from it, its calibration line is not a figure.
"""
import json
import re
import sys

# What each backend must report; exit_cpuid exists on x86 only.
FIGURES = {
    "svm": ["calib_ticks_per_insn", "hypercall_null", "exit_cpuid", "irq_self_ipi", "irq_timer",
            "irq_self_ipi_xapic",
            "exit_console",
            "host_fault", "host_fault_same_block"],
    "vmx": ["calib_ticks_per_insn", "hypercall_null", "exit_cpuid", "irq_self_ipi", "irq_timer",
            "irq_self_ipi_xapic",
            "exit_console",
            "host_fault", "host_fault_same_block"],
    "arm64": ["calib_ticks_per_insn", "hypercall_null", "exit_console",
              "host_fault", "host_fault_same_block", "irq_sgi_self", "irq_timer"],
}

# What each backend's second run (REMOTE_LOG) must report.
REMOTE = {
    "svm": ["irq_ipi_remote"],
    "vmx": ["irq_ipi_remote"],
    "arm64": ["irq_ipi_remote"],
}

LINE = re.compile(r"^(?:\[[^\]]*\] )?bench: ([a-z0-9_]+) ([0-9]+(?:\.[0-9]+)?)\s*$")
SKIP = re.compile(r"^(?:\[[^\]]*\] )?bench-info: ([a-z0-9_]+) skipped: (.*?)\s*$")


def write(out, figures, missing):
    frag = dict(figures)
    if missing:
        frag["_missing"] = missing
    with open(out, "w") as f:
        json.dump(frag, f, indent=1, sort_keys=True)
        f.write("\n")


def parse(backend, log):
    figures, skipped, fail = {}, {}, None
    with open(log, errors="replace") as f:
        for raw in f:
            line = raw.replace("\r", "").rstrip("\n")
            if "bench: FAIL" in line and fail is None:
                fail = line.split("bench: ", 1)[1]
            m = LINE.match(line)
            if m:
                figures[m.group(1)] = float(m.group(2))
            m = SKIP.match(line)
            if m:
                skipped[m.group(1)] = m.group(2)
    return figures, skipped, fail


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "--missing":
        reason, backend, out = args[1:]
        names = FIGURES.get(backend, []) + REMOTE.get(backend, [])
        write(out, {}, {"%s.%s" % (n, backend): reason for n in names})
        return
    if len(args) not in (3, 4) or args[0] not in FIGURES:
        sys.exit(__doc__)
    backend, out, log = args[:3]
    figures, missing = {}, {}
    collect(backend, log, FIGURES[backend], figures, missing)
    if len(args) == 4:
        collect(backend, args[3], REMOTE[backend], figures, missing)
    else:
        for name in REMOTE[backend]:
            missing["%s.%s" % (name, backend)] = "no second (remote) run"
    write(out, figures, missing)
    for key in sorted(missing):
        print("bench emu-%s: %s missing: %s" % (backend, key, missing[key]), file=sys.stderr)


def collect(backend, log, names, figures, missing):
    """The figures @names from @log into @figures, or their reason into
    @missing."""
    try:
        got, skipped, fail = parse(backend, log)
    except OSError as e:
        got, skipped, fail = {}, {}, "no log: %s" % e
    for name in names:
        key = "%s.%s" % (name, backend)
        if fail:
            missing[key] = fail
        elif name in got:
            figures[key] = got[name]
        elif name.split("_same_block")[0] in skipped:
            missing[key] = "the guest skipped it: " + skipped[name.split("_same_block")[0]]
        else:
            missing[key] = "not in %s" % log


if __name__ == "__main__":
    main()
