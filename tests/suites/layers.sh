#!/usr/bin/env bash
# The layering check (docs/architecture.md): each folder may include only
# the layers below it.
#
#   guest-abi  <-  lib  <-  mm  <-  core  <-  arch/*  <-  boot
#                   ^        ^
#                   +--------+----  drivers/iommu
#
# A quoted include without a folder ("arch_inline.h", "arch_vcpu.h") is an
# arch hook from the per-arch include directory and allowed everywhere;
# angle-bracket includes are the compiler's. One PASS or FAIL per layer,
# naming every include that breaks the rule; then the typed-address
# checks at the end.
set -u
cd "$(dirname "$0")/../.."

# check LAYER ALLOWED...: every quoted include with a folder in LAYER's
# files must start with one of the ALLOWED folders.
check() {
	local layer=$1 bad=0 f line inc ok a
	shift
	if [ ! -d "$layer" ]; then
		echo "FAIL layers/$layer: no such folder"
		return
	fi
	while IFS= read -r f; do
		while IFS= read -r line; do
			inc=${line#*\"}
			inc=${inc%%\"*}
			case "$inc" in */*) ;; *) continue ;; esac
			ok=0
			for a in "$@"; do
				case "$inc" in "$a"/*) ok=1 ;; esac
			done
			if [ $ok = 0 ]; then
				echo "  $f: #include \"$inc\""
				bad=$((bad + 1))
			fi
		done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
	done < <(find "$layer" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | sort)
	if [ $bad = 0 ]; then
		echo "PASS layers/$layer: includes only from: $*"
	else
		echo "FAIL layers/$layer: $bad include(s) from a layer above or beside it"
	fi
}

check guest-abi guest-abi
check lib lib
check mm mm lib guest-abi
check drivers/iommu drivers/iommu mm lib guest-abi
check core core mm lib guest-abi drivers/iommu
check arch/x86 arch/x86 core mm lib guest-abi drivers/iommu
check arch/arm64 arch/arm64 core mm lib guest-abi drivers/iommu
check arch/fake arch/fake core mm lib guest-abi drivers/iommu tests

# Typed addresses (docs/architecture.md): a host-physical and a
# guest-physical address, or a table's input and output, cannot be swapped.
# Each snippet must compile in the right order and fail swapped.
types() {
	local name=$1 right=$2 wrong=$3 tmp ok=1
	tmp=$(mktemp -d)
	printf '#include "core/mgmt.h"\n#include "mm/pgtable.h"\nvoid t(struct vm *c, struct pt *p);\nvoid t(struct vm *c, struct pt *p) { (void)c; (void)p; %s; }\n' \
		"$right" > "$tmp/right.c"
	printf '#include "core/mgmt.h"\n#include "mm/pgtable.h"\nvoid t(struct vm *c, struct pt *p);\nvoid t(struct vm *c, struct pt *p) { (void)c; (void)p; %s; }\n' \
		"$wrong" > "$tmp/wrong.c"
	gcc -std=gnu11 -Wall -Werror -I. -Iarch/fake/include -fsyntax-only "$tmp/right.c" \
		>"$tmp/right.out" 2>&1 || ok=0
	if gcc -std=gnu11 -Wall -Werror -I. -Iarch/fake/include -fsyntax-only "$tmp/wrong.c" \
		>/dev/null 2>&1; then
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "PASS types/$name: the swapped call does not compile"
	else
		echo "FAIL types/$name: right order must compile, swapped must not"
		cat "$tmp/right.out"
	fi
	rm -rf "$tmp"
}

types mgmt-donate "mgmt_mem_donate(c, 1, pa_init(0), gpa_init(0), 4096)" \
	"mgmt_mem_donate(c, 1, gpa_init(0), pa_init(0), 4096)"
types pt-map "pt_map(p, ia_init(0), 4096, pa_init(0), 0, MM_PAGE_OWNED)" \
	"pt_map(p, pa_init(0), 4096, ia_init(0), 0, MM_PAGE_OWNED)"
