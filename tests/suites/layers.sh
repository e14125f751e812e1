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
# naming every include that breaks the rule.
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
