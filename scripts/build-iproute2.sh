#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Incremental build of the patched iproute2 (Debian's 6.1.0 source plus
# patches/iproute2/, which may be empty: then Debian's source as it is),
# in a copy of the work tree so the tree stays clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-o OUT] [-j JOBS]
  -o OUT   build directory (default \$PDM_CACHE/build-iproute2)
  -j JOBS  parallel jobs (default 2)
Runs prepare-tree.sh iproute2, copies the tracked files of the work tree
(\$PDM_CACHE/iproute2) into OUT, then ./configure (first time) and make.
Only files whose content changed are copied again, so make rebuilds only
what they touch; nothing at all is done when OUT was built from the same
series and tree. Optional features (libbpf, selinux, xtables, ...) are
used when configure finds them. Uses ccache when installed. Waits for
any other run on \$PDM_CACHE (lock \$PDM_CACHE/.lock).
Prints OUT, the directory holding ip/ip and misc/nstat, on stdout; make's
output goes to stderr.
USAGE
}

out=$PDM_CACHE/build-iproute2
jobs=2
while getopts ho:j: o; do
	case $o in
	o) out=$OPTARG ;;
	j) jobs=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

tree=$PDM_CACHE/iproute2
pdm_lock
mkdir -p "$out"
out=$(cd "$out" && pwd)

"$TOP/scripts/prepare-tree.sh" iproute2 "$tree" >&2

# The series, and the tree's content (prepare-tree.sh has made sure that
# the tree holds the series and nothing else).
# And libmnl: without it, ip prints no extack message.
libs=$(pkg-config --modversion libmnl 2>/dev/null || echo no-libmnl)
key="$(series_hash "$TOP/patches/iproute2") $(git -C "$tree" rev-parse 'HEAD^{tree}') $libs"
stamp=$out/.pdm-build-stamp
if [ "$(cat "$stamp" 2>/dev/null)" = "$key" ] &&
	[ -x "$out/ip/ip" ] && [ -x "$out/misc/nstat" ]; then
	log "iproute2 build $out is current (series ${key%% *})"
	echo "$out"
	exit 0
fi
rm -f "$stamp"

# Copy by content, not by time: a file that changed gets a new mtime and
# is rebuilt, even if the tree's copy is older than the objects in OUT.
manifest=$out/.pdm-files
git -C "$tree" ls-files -z >"$manifest.new"
rsync -rlp --checksum --from0 --files-from="$manifest.new" "$tree/" "$out/"
if [ -f "$manifest" ]; then
	# Files the previous series had and this one does not.
	comm -z -23 <(sort -z "$manifest") <(sort -z "$manifest.new") |
		(cd "$out" && xargs -0 -r rm -f --)
fi
mv "$manifest.new" "$manifest"

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
if [ ! -f "$out/config.mk" ] ||
	[ "$(cat "$out/.pdm-configured" 2>/dev/null)" != "$libs" ]; then
	log "configuring iproute2 in $out ($libs)"
	(cd "$out" && CC=$cc ./configure) >&2
	grep -q '^HAVE_MNL:=y' "$out/config.mk" ||
		die "configure found no libmnl: ip would print no extack message"
	echo "$libs" >"$out/.pdm-configured"
	make -C "$out" clean >/dev/null
fi
log "building iproute2 in $out (-j$jobs, CC=$cc)"
make -C "$out" -j"$jobs" CC="$cc" >&2
if [ ! -x "$out/ip/ip" ] || [ ! -x "$out/misc/nstat" ]; then
	die "no ip/ip or misc/nstat in $out after the build"
fi
echo "$key" >"$stamp"
log "iproute2 $("$out/ip/ip" -V | sed 's/.*iproute2-//') ready in $out"
echo "$out"
