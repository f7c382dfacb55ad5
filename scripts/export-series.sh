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
  \$PDM_CACHE/<project>), commits pdm-base..pdm, and records the series'
  hash and the commit in DIR/.git/pdm-series, so that prepare-tree.sh
  knows the tree holds nothing unexported. No commit (an empty series)
  writes no patch and leaves patches/<project>/ empty. A cover letter,
  NNNN=0000, comes first when the branch has a description (git branch
  --edit-description pdm) or the series had one: its text is kept. For linux, also
  regenerates net-ipv6-pdm/, Documentation/ and tools-testing-selftests/.
  DIR must have branch pdm checked out, no uncommitted changes to tracked
  files and no rebase or 'git am' in progress.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
proj=${1:-}
[ "$proj" = linux ] || [ "$proj" = iproute2 ] || { usage >&2; exit 2; }
dir=${2:-$PDM_CACHE/$proj}
out=$TOP/patches/$proj
pdm_lock

gd=$(git -C "$dir" rev-parse --absolute-git-dir) || die "$dir is not a git tree"
if [ -d "$gd/rebase-merge" ] || [ -d "$gd/rebase-apply" ]; then
	die "$dir has a rebase or 'git am' in progress: finish it first"
fi
[ "$(git -C "$dir" symbolic-ref -q HEAD || true)" = refs/heads/pdm ] ||
	die "$dir is not on branch pdm: check it out (git -C $dir checkout -B pdm) first"
[ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] ||
	die "$dir has uncommitted changes"
# The cover letter's text: the branch's description (git branch
# --edit-description pdm), else that of the cover letter exported before.
text=$(mktemp)
trap 'rm -f "$text"' EXIT
git -C "$dir" config branch.pdm.description >"$text" ||
	if [ -e "$out/$COVER" ]; then cover_text "$out/$COVER" >"$text"; fi
[ -s "$text" ] || text=''
rm -f "$out"/*.patch
mkdir -p "$out"
series_export "$dir" "$out" "$text"
# The series now matches the tree: mark the tree current for prepare-tree.
echo "$(series_hash "$out") $(git -C "$dir" rev-parse pdm)" >"$gd/pdm-series"
if [ "$proj" = linux ]; then
	"$TOP/scripts/views.sh" "$dir" "$TOP"
fi
log "exported $(find "$out" -maxdepth 1 -name '*.patch' | wc -l) patches to $out"
