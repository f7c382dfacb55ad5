#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that the series applies to the pristine bases, that patches/ is
# exactly what exporting the applied series gives, that the readable
# views match, and that every kernel patch is checkpatch --strict clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0
Prints one line per check ("ok"/"FAIL") and exits non-zero on any failure.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }

fail=0
check() { # description command...
	local d=$1
	shift
	if "$@"; then
		echo "ok: $d"
	else
		echo "FAIL: $d"
		fail=1
	fi
}

tmp=$(mktemp -d)
worktrees=()
cleanup() {
	local p
	for p in "${worktrees[@]}"; do
		git -C "$PDM_CACHE/$p" worktree remove --force "$tmp/$p-tree"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

for proj in linux iproute2; do
	# A scratch work tree of the pristine base, so that the cached tree
	# and its build directories are left alone.
	"$TOP/scripts/prepare-tree.sh" "$proj" >/dev/null 2>&1 ||
		die "cannot prepare the $proj base"
	wt=$tmp/$proj-tree
	git -C "$PDM_CACHE/$proj" worktree add -q --detach "$wt" pdm-base
	worktrees+=("$proj")
	check "$proj series applies to the pristine base" \
		git -C "$wt" am -q --committer-date-is-author-date \
		--whitespace=nowarn "$TOP/patches/$proj"/*.patch
	mkdir -p "$tmp/$proj"
	git -C "$wt" format-patch -q --zero-commit --no-signature \
		--full-index -o "$tmp/$proj" pdm-base..HEAD
	check "patches/$proj is the export of the applied series" \
		diff -r "$tmp/$proj" "$TOP/patches/$proj"
done

mkdir -p "$tmp/views"
"$TOP/scripts/views.sh" "$tmp/linux-tree" "$tmp/views"
for v in net-ipv6-pdm Documentation tools-testing-selftests; do
	check "view $v/ matches the series" \
		diff -r "$tmp/views/$v" "$TOP/$v"
done

cp=$tmp/linux-tree/scripts/checkpatch.pl
for p in "$TOP"/patches/linux/*.patch; do
	check "checkpatch --strict linux/$(basename "$p")" \
		perl "$cp" --strict --quiet "$p"
done
for p in "$TOP"/patches/iproute2/*.patch; do
	check "checkpatch --strict iproute2/$(basename "$p")" \
		perl "$cp" --no-tree --strict --quiet "$p"
done
exit $fail
