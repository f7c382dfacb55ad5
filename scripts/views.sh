#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the readable views of what the kernel series adds, from a tree
# that has the series applied on tag pdm-base.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 TREE OUTDIR
  OUTDIR/net-ipv6-pdm/            kernel sources the series adds, at
                                  their kernel paths
  OUTDIR/Documentation/           documentation files it adds or changes
  OUTDIR/tools-testing-selftests/ selftest files it adds or changes
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -eq 2 ] || { usage >&2; exit 2; }
tree=$1 outdir=$2

rm -rf "$outdir/net-ipv6-pdm" "$outdir/Documentation" \
	"$outdir/tools-testing-selftests"
git -C "$tree" diff --name-status --no-renames pdm-base HEAD |
while read -r st path; do
	case $path in
	Documentation/*)
		[ "$st" = D ] && continue
		dst=$outdir/$path ;;
	tools/testing/selftests/*)
		[ "$st" = D ] && continue
		dst=$outdir/tools-testing-selftests/${path#tools/testing/selftests/} ;;
	*)
		[ "$st" = A ] || continue
		dst=$outdir/net-ipv6-pdm/$path ;;
	esac
	mkdir -p "$(dirname "$dst")"
	git -C "$tree" show "HEAD:$path" >"$dst"
	if [ -x "$tree/$path" ]; then chmod +x "$dst"; fi
done
