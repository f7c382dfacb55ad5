#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the commits of a work tree (since tag pdm-base) into patches/,
# and refresh the readable views of the kernel series. Deterministic:
# the same commits give byte-identical files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 linux|iproute2 [DIR]
  Writes patches/<project>/NNNN-*.patch from DIR (default
  \$PDM_CACHE/<project>), commits pdm-base..HEAD. For linux, also
  regenerates net-ipv6-pdm/, Documentation/ and tools-testing-selftests/.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
proj=${1:-}
[ "$proj" = linux ] || [ "$proj" = iproute2 ] || { usage >&2; exit 2; }
dir=${2:-$PDM_CACHE/$proj}
out=$TOP/patches/$proj
pdm_lock

[ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] ||
	die "$dir has uncommitted changes"
rm -f "$out"/*.patch
mkdir -p "$out"
git -C "$dir" format-patch -q --zero-commit --no-signature \
	--full-index -o "$out" pdm-base..HEAD
# The series now matches the tree: mark the tree current for prepare-tree.
series_hash "$out" >"$(git -C "$dir" rev-parse --absolute-git-dir)/pdm-series"
if [ "$proj" = linux ]; then
	"$TOP/scripts/views.sh" "$dir" "$TOP"
fi
log "exported $(ls "$out"/*.patch 2>/dev/null | wc -l) patches to $out"
