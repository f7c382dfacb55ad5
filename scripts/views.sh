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
Each also gets a README.generated saying that it is generated and how
to change it.
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

# A name no kernel file has, so that it cannot be taken for one.
readme() { # view what
	cat <<README >"$outdir/$1/README.generated"
GENERATED FILES: DO NOT EDIT

$1/ holds $2
as the kernel series in patches/linux/ gives them.

scripts/export-series.sh writes it (through scripts/views.sh), and
scripts/check-series.sh fails when it differs from the series: an edit
made here changes nothing and is lost. Change the series instead, as
README.md says under "Working on the series":

  scripts/prepare-tree.sh linux      # the series as commits on branch pdm
                                     # of \$PDM_CACHE/linux (/var/tmp/pdm-cache)
  cd /var/tmp/pdm-cache/linux && git rebase -i pdm-base
                                     # edit, fixup into the right patch
  scripts/export-series.sh linux     # rewrites patches/linux and this view
  scripts/check-series.sh
README
}
mkdir -p "$outdir/net-ipv6-pdm" "$outdir/Documentation" \
	"$outdir/tools-testing-selftests"
readme net-ipv6-pdm "every kernel source file that the series adds,
at its path in the kernel tree,"
readme Documentation "the kernel documentation files that the series adds
or changes, at their paths in the kernel tree,"
readme tools-testing-selftests "the selftest files that the series adds or
changes, at their paths under tools/testing/selftests/,"
