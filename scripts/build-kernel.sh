#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Incremental out-of-tree build of the x86_64 test kernel for vm-run.sh:
# tinyconfig + config fragments, bzImage only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-s SRC] [-o OUT] [-j JOBS] [-t TARGETS] [-f FRAGMENT]...
  -s SRC       kernel source tree, never written to (default \$PDM_CACHE/linux)
  -o OUT       build directory, O= (default \$PDM_CACHE/build-x86_64)
  -j JOBS      parallel jobs (default 2)
  -t TARGETS   make targets, blank-separated (default bzImage)
  -f FRAGMENT  config fragment to merge; may be repeated. Without -f:
               scripts/config/debug.config and SRC's
               tools/testing/selftests/net/pdm/config (what the tests need).
               scripts/config/vm.config (the VM platform) is always merged.
The .config is made again (make tinyconfig + merge_config.sh of the
fragments + olddefconfig) only when a fragment, a Kconfig file of SRC or
the compiler changed. Every symbol that a fragment sets =y and SRC's
Kconfig defines must end up =y, else the build fails (a symbol SRC does
not know, such as IPV6_PDM on the unpatched base, only warns). Uses
ccache when installed. Holds the cache lock (pdm_lock) while it runs.
Prints the path of bzImage (vmlinux when TARGETS has no bzImage) on stdout; make's output goes to stderr.
USAGE
}

src=$PDM_CACHE/linux
out=$PDM_CACHE/build-x86_64
jobs=2
targets=bzImage
frags=()
while getopts hs:o:j:t:f: o; do
	case $o in
	s) src=$OPTARG ;;
	o) out=$OPTARG ;;
	j) jobs=$OPTARG ;;
	t) targets=$OPTARG ;;
	f) frags+=("$(realpath "$OPTARG")") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

if [ ! -f "$src/Makefile" ] || [ ! -f "$src/Kconfig" ]; then
	die "$src is not a kernel source tree"
fi
[ ! -e "$src/.config" ] || die "$src has a .config: an O= build needs a clean source tree"
if [ ${#frags[@]} -eq 0 ]; then
	frags=("$TOP/scripts/config/debug.config"
		"$src/tools/testing/selftests/net/pdm/config")
fi
frags=("$TOP/scripts/config/vm.config" "${frags[@]}")
for f in "${frags[@]}"; do
	[ -f "$f" ] || die "config fragment $f missing"
done
mkdir -p "$out" "$PDM_CACHE"
src=$(cd "$src" && pwd)
out=$(cd "$out" && pwd)

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
mk=(make -C "$src" O="$out" ARCH=x86_64 CC="$cc" HOSTCC="$cc")

pdm_lock

# Key of the .config: fragments, every Kconfig file of the tree, compiler.
key=$({
	cat "${frags[@]}"
	find "$src" -path "$src/.git" -prune -o -name 'Kconfig*' -type f -print |
		LC_ALL=C sort | xargs cat
	gcc --version | head -1
} | sha256sum | cut -c1-16)
stamp=$out/.pdm-config-stamp

if [ ! -f "$out/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
	log "generating $out/.config (tinyconfig + ${frags[*]##*/})"
	rm -f "$stamp"
	"${mk[@]}" -s tinyconfig >&2
	# Symbols unknown to this tree (IPV6_PDM on the pristine base) only warn.
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "${frags[@]}") >/dev/null
	"${mk[@]}" -s olddefconfig >&2
	echo "$key" >"$stamp"
fi

# Every =y a fragment asks for and the tree knows must have stuck.
known=$(find "$src" -path "$src/.git" -prune -o -name 'Kconfig*' -type f -print0 |
	xargs -0 sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Z0-9_]*\).*/\2/p' |
	LC_ALL=C sort -u)
missing=() unknown=()
while IFS= read -r sym; do
	if ! grep -qxF "$sym" <<<"$known"; then
		unknown+=("CONFIG_$sym")
	elif ! grep -qx "CONFIG_$sym=y" "$out/.config"; then
		missing+=("CONFIG_$sym ($(grep -E "^(# )?CONFIG_${sym}[= ]" "$out/.config" || echo absent))")
	fi
done < <(cat "${frags[@]}" | awk '
	# The last fragment that names a symbol decides, as in merge_config.sh.
	/^CONFIG_[A-Z0-9_]+=/ { split($0, a, "="); v[substr(a[1], 8)] = a[2] }
	/^# CONFIG_[A-Z0-9_]+ is not set$/ { v[substr($2, 8)] = "n" }
	END { for (s in v) if (v[s] == "y") print s }' | LC_ALL=C sort)
[ ${#unknown[@]} -eq 0 ] || log "note: not in this tree's Kconfig: ${unknown[*]}"
[ ${#missing[@]} -eq 0 ] || die "asked for =y, not =y in $out/.config: ${missing[*]}"

log "building $targets in $out (-j$jobs, CC=$cc)"
# shellcheck disable=SC2086 # TARGETS is a list
"${mk[@]}" -j"$jobs" $targets >&2
img=$out/arch/x86/boot/bzImage
[[ " $targets " != *" bzImage "* ]] && img=$out/vmlinux
[ -f "$img" ] || die "no $img after the build"
log "kernel $(cat "$out/include/config/kernel.release") ready"
echo "$img"
