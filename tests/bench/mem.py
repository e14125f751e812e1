#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fief's own memory: image size, per VM, per vCPU (a benchmark fragment).

usage: mem.py BUILD_DIR OUT

mem.hyp_image_bytes[.arm64]: the span of the PT_LOAD segments of
  BUILD_DIR/<arch>/fief-efi.so (the image before conversion to PE), rounded
  up to 4 KiB: what the firmware loads and fief reserves for itself (its
  banner's "mem: fief image ... size" line shows the same number).
mem.per_vm_bytes[.arm64]: sizeof(struct vm), which holds FIEF_MAX_VCPUS
  vCPU slots and the console ring; fief allocates nothing else per VM but
  the stage-2 tables (not counted).
mem.per_vcpu_bytes[.vmx|.arm64]: sizeof(struct vcpu) plus the pages fief
  allocates per vCPU: the VMCB (SVM), the VMCS and the MSR load/store page
  (VMX), none on arm64 (EL1 state lives in struct arch_vcpu).
The sizes come from tests/bench/mem_sizes.c compiled against each arch's
real headers and read with `nm -S`, so nothing has to run.
"""
import json
import os
import subprocess
import sys
import tempfile

PAGE = 4096
# arch: (compiler, nm, readelf, include dir, figure suffix)
ARCHES = {
    "x86_64": ("gcc", "nm", "readelf", "arch/x86/include", ""),
    "aarch64": ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-nm", "aarch64-linux-gnu-readelf",
                "arch/arm64/include", ".arm64"),
}
# Pages fief allocates for each vCPU, by backend (see arch/*/…_vcpu_init).
VCPU_PAGES = {"": 1, ".vmx": 2, ".arm64": 0}


def image_bytes(readelf, so):
    lo, hi = None, None
    out = subprocess.run([readelf, "-lW", so], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            vaddr, memsz = int(f[2], 16), int(f[5], 16)
            lo = vaddr if lo is None else min(lo, vaddr)
            hi = vaddr + memsz if hi is None else max(hi, vaddr + memsz)
    if lo is None:
        raise RuntimeError("no PT_LOAD in " + so)
    return (hi - lo + PAGE - 1) // PAGE * PAGE


def struct_sizes(cc, nm, inc):
    with tempfile.TemporaryDirectory() as tmp:
        obj = os.path.join(tmp, "mem_sizes.o")
        subprocess.run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I.", "-I" + inc,
                        "-c", "tests/bench/mem_sizes.c", "-o", obj], check=True)
        out = subprocess.run([nm, "-S", "--defined-only", obj], check=True,
                             capture_output=True, text=True).stdout
    sizes = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[3].startswith("bench_"):
            sizes[f[3][len("bench_"):]] = int(f[1], 16)
    return sizes


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    build, out = sys.argv[1], sys.argv[2]
    frag, missing = {}, {}
    for arch, (cc, nm, readelf, inc, sfx) in ARCHES.items():
        so = os.path.join(build, arch, "fief-efi.so")
        names = ["mem.hyp_image_bytes", "mem.per_vm_bytes", "mem.per_vcpu_bytes"]
        try:
            s = struct_sizes(cc, nm, inc)
            frag["mem.hyp_image_bytes" + sfx] = image_bytes(readelf, so)
        except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
            for n in names:
                missing[n + sfx] = "%s: %s" % (arch, e)
            continue
        frag["mem.per_vm_bytes" + sfx] = s["sizeof_vm"]
        frag["mem.per_vcpu_bytes" + sfx] = s["sizeof_vcpu"] + VCPU_PAGES[sfx] * PAGE
        if arch == "x86_64":
            frag["mem.per_vcpu_bytes.vmx"] = s["sizeof_vcpu"] + VCPU_PAGES[".vmx"] * PAGE
    if missing:
        frag["_missing"] = missing
    with open(out, "w") as f:
        json.dump(frag, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
