#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that the series applies to the pristine bases, that patches/ is
# exactly what exporting the applied series gives, that the readable
# views match, that every kernel patch is checkpatch --strict clean, and
# (scripts/check-builds.sh) that it builds as netdev's CI builds it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-B] [-K KTAP]
  -B       skip the builds of scripts/check-builds.sh (quick checks only)
  -K KTAP  where to write the flat KTAP (default \$PDM_CACHE/logs/series.ktap)
Prints flat KTAP, one result per check, and exits non-zero on any failure.
USAGE
}
builds=1 ktap=$PDM_CACHE/logs/series.ktap
while getopts hBK: o; do
	case $o in
	B) builds='' ;;
	K) ktap=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
pdm_lock
mkdir -p "$(dirname "$ktap")"

fail=0 num=0 results=()
check() { # description command...
	local d=$1 out
	shift
	num=$((num + 1))
	if out=$("$@" 2>&1); then
		results+=("ok $num $d")
	else
		[ -z "$out" ] || results+=("$(head -20 <<<"$out" | sed 's/^/# /')")
		results+=("not ok $num $d")
		fail=1
	fi
}

tmp=$(mktemp -d)
worktrees=()
# shellcheck disable=SC2317 # run by the EXIT trap
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
	# An empty series (patches/$proj empty or absent, as git keeps no
	# empty directory) applies trivially: no case for it.
	src=$TOP/patches/$proj
	mapfile -t patches < <(series_patches "$src")
	[ -d "$src" ] || src=$tmp/$proj-none
	mkdir -p "$src"
	if [ ${#patches[@]} -gt 0 ]; then
		check "$proj series applies to the pristine base" \
			git -C "$wt" am -q --committer-date-is-author-date \
			--whitespace=nowarn "${patches[@]}"
	else
		results+=("# $proj series is empty: nothing to apply")
	fi
	mkdir -p "$tmp/$proj"
	cover=''
	if [ -e "$src/$COVER" ]; then
		cover=$tmp/$proj-cover
		cover_text "$src/$COVER" >"$cover"
	fi
	series_export "$wt" "$tmp/$proj" "$cover"
	check "patches/$proj is the export of the applied series" \
		diff -r "$tmp/$proj" "$src"
done

# Usage: ynl_regen TREE: the series' generated netlink files (marked
# "YNL-GEN", from a spec the series adds) are what the tree's
# tools/net/ynl/ynl-gen-c.py makes of their spec, as netdev's
# ynl-regen.sh checks. Needs python3-yaml and python3-jsonschema.
ynl_regen() {
	local tree=$1 f n=0 spec mode kind out
	local -a params
	for f in $(git -C "$tree" diff --name-only --diff-filter=AM pdm-base HEAD); do
		grep -q '^/\* YNL-GEN \(kernel\|uapi\|user\)' "$tree/$f" || continue
		# "/*	SPEC */" then "/* YNL-GEN MODE KIND */", as ynl-regen.sh
		read -r -a params < <(grep -B1 -h '^/\* YNL-GEN' "$tree/$f" |
			sed 's@/\*\(.*\)\*/@\1@' | tr '\n' ' ')
		spec=${params[0]} mode=${params[2]} kind=${params[3]}
		# The output's name is part of what is generated (its #include).
		out=$tmp/ynl-regen/$(basename "$f")
		mkdir -p "$tmp/ynl-regen"
		(cd "$tree/tools/net/ynl" && /usr/bin/python3 ynl-gen-c.py \
			--mode "$mode" "--$kind" --spec "$tree/$spec" -o "$out") ||
			{ echo "$f: ynl-gen-c.py failed"; return 1; }
		diff -u "$tree/$f" "$out" ||
			{ echo "$f differs from what $spec generates"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "no generated file in the series"; return 1; }
	echo "$n generated files current"
}
check "generated netlink code matches its YAML spec (ynl-gen-c.py)" \
	ynl_regen "$tmp/linux-tree"

mkdir -p "$tmp/views"
"$TOP/scripts/views.sh" "$tmp/linux-tree" "$tmp/views"
for v in net-ipv6-pdm Documentation tools-testing-selftests; do
	check "view $v/ matches the series" \
		diff -r "$tmp/views/$v" "$TOP/$v"
done

cp=$tmp/linux-tree/scripts/checkpatch.pl
for p in $(series_patches "$TOP/patches/linux"); do
	check "checkpatch --strict linux/$(basename "$p")" \
		perl "$cp" --strict --quiet "$p"
done
# iproute2's tree has no MAINTAINERS file to update for new files.
for p in $(series_patches "$TOP/patches/iproute2"); do
	check "checkpatch --strict iproute2/$(basename "$p")" \
		perl "$cp" --no-tree --strict --quiet \
		--ignore FILE_PATH_CHANGES "$p"
done

# The builds: their results follow, renumbered.
if [ -n "$builds" ]; then
	"$TOP/scripts/check-builds.sh" -K "$tmp/builds.ktap" >&2 || fail=1
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ (.*)$ ]]; then
			num=$((num + 1))
			results+=("${BASH_REMATCH[1]} $num ${BASH_REMATCH[2]}")
		elif [[ $line = "# "* ]]; then
			results+=("$line")
		fi
	done <"$tmp/builds.ktap" 2>/dev/null
	[ -s "$tmp/builds.ktap" ] || {
		num=$((num + 1))
		results+=("not ok $num check-builds.sh ran (no result)")
	}
fi

{
	echo "TAP version 13"
	echo "1..$num"
	printf '%s\n' "${results[@]}"
} | tee "$ktap"
exit $fail
