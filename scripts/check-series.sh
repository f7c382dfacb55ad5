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
trap 'rm -rf "$tmp"' EXIT

for proj in linux iproute2; do
	# prepare-tree.sh applies the series with git am on tag pdm-base.
	check "$proj series applies to the pristine base" \
		"$TOP/scripts/prepare-tree.sh" -f "$proj"
	dir=$PDM_CACHE/$proj
	mkdir -p "$tmp/$proj"
	git -C "$dir" format-patch -q --zero-commit --no-signature \
		--full-index -o "$tmp/$proj" pdm-base..HEAD
	check "patches/$proj is the export of the applied series" \
		diff -r "$tmp/$proj" "$TOP/patches/$proj" --exclude='*.md'
done

mkdir -p "$tmp/views"
"$TOP/scripts/views.sh" "$PDM_CACHE/linux" "$tmp/views"
for v in net-ipv6-pdm Documentation tools-testing-selftests; do
	check "view $v/ matches the series" \
		diff -r "$tmp/views/$v" "$TOP/$v"
done

cp="$PDM_CACHE/linux/scripts/checkpatch.pl"
for p in "$TOP"/patches/linux/*.patch; do
	[ -e "$p" ] || continue
	check "checkpatch --strict $(basename "$p")" \
		perl "$cp" --strict --quiet --no-summary \
		--ignore FILE_PATH_CHANGES "$p"
done
exit $fail
