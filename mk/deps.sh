#!/usr/bin/env bash
# Installs what fief's build and tests need, from Debian by package name.
#
#  - Debian packages through apt-get (sudo when not root).
#  - gnu-efi for arm64 extracted privately under $DEPS/gnu-efi-arm64: the amd64
#    and arm64 packages install the same paths, so only amd64 goes system-wide.
#  - lwIP's source from Debian's source package, unpacked under $DEPS/lwip.
#  - Last, a self-check (mk/deps-check.sh) of every tool and file.
# The second and third use a private apt list and state under $DEPS whose mirror and
# suite are read from the machine's own apt sources; the machine's apt
# configuration is never edited.
set -euo pipefail

DEPS=${1:?usage: deps.sh DEPS_DIR}
mkdir -p "$DEPS"
DEPS=$(cd "$DEPS" && pwd)

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

# Every package the build, the tests and the benchmarks use, by name (the
# install skips recommendations, so nothing arrives unnamed); mk/deps-check.sh
# then uses each tool the way the build does.
PKGS=(
	build-essential gcc make binutils libc6-dev libgcc-12-dev libasan8 libubsan1 libtsan2
	clang lld llvm libclang-rt-14-dev
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	gnu-efi libcmocka-dev dpkg-dev valgrind python3
	qemu-system-x86 qemu-system-arm ovmf qemu-efi-aarch64
	bochs bochsbios bochs-term seabios vgabios
	grub-pc-bin grub-common xorriso mtools dosfstools device-tree-compiler
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	$SUDO apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Mirror and suite of the machine's own Debian sources (deb822 or one-line).
find_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN{RS="";FS="\n"} {
			t="";u="";s="";k=""
			for(i=1;i<=NF;i++){
				if($i ~ /^Types:/) t=$i
				if($i ~ /^URIs:/){ sub(/^URIs:[ \t]*/,"",$i); split($i,a," "); u=a[1] }
				if($i ~ /^Suites:/){ sub(/^Suites:[ \t]*/,"",$i); split($i,b," "); s=b[1] }
				if($i ~ /^Signed-By:/){ sub(/^Signed-By:[ \t]*/,"",$i); k=$i }
			}
			if(t ~ /deb/ && u != "" && s !~ /-security|-updates|-backports/){ print u, s, k; exit }
		}' "$f" && return 0
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1=="deb" {
			i=2; k=""
			if($2 ~ /^\[/){ while($i !~ /\]$/){ if($i ~ /signed-by=/){k=$i; sub(/.*signed-by=/,"",k)} i++ }
				if($i ~ /signed-by=/){k=$i; sub(/.*signed-by=/,"",k); sub(/\]$/,"",k)} i++ }
			if($(i+1) !~ /-security|-updates|-backports/){ print $i, $(i+1), k; exit }
		}' "$f"
	done | head -n 1
}

APT="$DEPS/apt"
if [ ! -f "$DEPS/gnu-efi-arm64/usr/lib/libefi.a" ] || [ ! -d "$DEPS/lwip/src" ]; then
	read -r URI SUITE KEY < <(find_mirror) || true
	if [ -z "${URI:-}" ] || [ -z "${SUITE:-}" ]; then
		echo "deps: no Debian mirror found in the machine's apt sources" >&2
		exit 1
	fi
	opt=""
	[ -n "${KEY:-}" ] && [ -f "$KEY" ] && opt=" signed-by=$KEY"
	mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/dl"
	printf 'deb [arch=arm64%s] %s %s main\ndeb-src [%s] %s %s main\n' \
		"$opt" "$URI" "$SUITE" "${opt# }" "$URI" "$SUITE" | sed 's/\[\]//' > "$APT/sources.list"
	O=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	   -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
	   -o APT::Architecture=arm64 -o APT::Architectures=arm64
	   -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
	apt-get "${O[@]}" -qq update
	if [ ! -f "$DEPS/gnu-efi-arm64/usr/lib/libefi.a" ]; then
		(cd "$APT/dl" && rm -f gnu-efi_*.deb && apt-get "${O[@]}" -qq download gnu-efi)
		rm -rf "$DEPS/gnu-efi-arm64"
		dpkg-deb -x "$APT"/dl/gnu-efi_*_arm64.deb "$DEPS/gnu-efi-arm64"
	fi
	if [ ! -d "$DEPS/lwip/src" ]; then
		(cd "$APT/dl" && rm -rf lwip* && apt-get "${O[@]}" -qq source --download-only lwip)
		rm -rf "$DEPS/lwip"
		dpkg-source --no-check -x "$APT"/dl/lwip_*.dsc "$DEPS/lwip" >/dev/null
	fi
fi
# Use every tool once the way the build does; a failure names its package
# and fails the step, so the Makefile writes no stamp.
bash "$(dirname "$0")/deps-check.sh" "$DEPS"
echo "deps: ready"
