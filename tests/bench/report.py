#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Merge benchmark fragments into one JSON object and print one table.

usage: report.py FRAGMENT_DIR OUT

Every FRAGMENT_DIR/<source>.json is a flat JSON object {figure: number}
written by one benchmark source (mm, emulators, ...). They are merged into
OUT (sorted keys), so figures can be compared between commits; a figure
named by two sources is an error. A fragment may also hold "_missing":
{figure: reason} for figures its source could not measure (an emulator
backend that cannot run yet): the table shows them as missing with the
reason, and OUT leaves them out rather than carry a made-up number.
"""
import glob
import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    frag_dir, out = sys.argv[1], sys.argv[2]
    merged, source_of, missing = {}, {}, {}
    for path in sorted(glob.glob(os.path.join(frag_dir, "*.json"))):
        source = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            frag = json.load(f)
        if not isinstance(frag, dict):
            sys.exit("report.py: %s is not a JSON object" % path)
        for name, reason in frag.pop("_missing", {}).items():
            missing[name] = (str(reason), source)
        for name, value in frag.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                sys.exit("report.py: %s: %s is not a number" % (path, name))
            if name in merged:
                sys.exit("report.py: %s given by both %s and %s" % (name, source_of[name], source))
            merged[name] = value
            source_of[name] = source
    for name in list(missing):
        if name in merged:
            sys.exit("report.py: %s both measured and missing" % name)
    if not merged and not missing:
        sys.exit("report.py: no figures in " + frag_dir)
    with open(out, "w") as f:
        json.dump(merged, f, indent=1, sort_keys=True)
        f.write("\n")
    width = max(len(n) for n in list(merged) + list(missing))
    print("%-*s %14s  %s" % (width, "figure", "value", "source"))
    for name in sorted(list(merged) + list(missing)):
        if name in missing:
            reason, source = missing[name]
            print("%-*s %14s  %s (%s)" % (width, name, "missing", source, reason))
            continue
        value = merged[name]
        text = ("%d" % value) if float(value).is_integer() else ("%.1f" % value)
        print("%-*s %14s  %s" % (width, name, text, source_of[name]))
    print("(%d figures written to %s, %d missing)" % (len(merged), out, len(missing)))


if __name__ == "__main__":
    main()
