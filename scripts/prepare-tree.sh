#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Materialise a git work tree of the base with a patch series applied as
# commits. Cached: does nothing when the tree already holds this series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-f] linux|iproute2 [DIR]
  linux     Debian's $KERNEL_DEB_PACKAGE $KERNEL_DEB_VERSION (Linux $KERNEL_VERSION) + patches/linux/
  iproute2  Debian's iproute2 $IPROUTE2_VERSION source + patches/iproute2/
            (may be empty or absent: the tree is then the base)
  DIR       work tree (default: \$PDM_CACHE/<project>, PDM_CACHE=$PDM_CACHE)
  -f        reset the tree to patches/ even if it holds work that is not
            exported (its commits stay reachable in 'git reflog', its
            uncommitted changes are saved with 'git stash')
The base commit is tagged 'pdm-base'; the series sits on branch 'pdm'.
Does nothing when the tree already holds this series. When patches/
changed, re-applies it, rewriting only the files that differ (build
directories stay incremental). Never discards work: when the tree has
uncommitted changes to tracked files, or its HEAD or branch 'pdm' is not
the commit that was last applied or exported (.git/pdm-series records it
with the series' hash), it refuses: export the work first with
scripts/export-series.sh, or pass -f to drop it.
USAGE
}

force=
while getopts fh o; do
	case $o in
	f) force=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
proj=${1:-}
[ "$proj" = linux ] || [ "$proj" = iproute2 ] || { usage >&2; exit 2; }
dir=${2:-$PDM_CACHE/$proj}
patches=$TOP/patches/$proj
pdm_lock

git_base() { # dir description
	git -C "$1" init -q -b base
	git -C "$1" config core.autocrlf false
	git -C "$1" config gc.auto 0
	git -C "$1" add -A -f .
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		git -C "$1" commit -q -m "$2"
	git -C "$1" tag pdm-base
}

make_linux_base() {
	[ -r "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run scripts/setup.sh"
	local deb
	deb=$(dpkg-query -W -f='${Version}' "$KERNEL_DEB_PACKAGE" 2>/dev/null || true)
	[ "$deb" = "$KERNEL_DEB_VERSION" ] ||
		die "$KERNEL_DEB_PACKAGE is at '$deb', the series' base is $KERNEL_DEB_VERSION: run scripts/setup.sh"
	local tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "unpacking $KERNEL_TARBALL"
	tar -C "$tmp" -xf "$KERNEL_TARBALL" --strip-components=1
	local v
	v=$(make -s -C "$tmp" kernelversion)
	[ "$v" = "$KERNEL_VERSION" ] ||
		die "found Linux $v in $KERNEL_TARBALL, the series targets $KERNEL_VERSION"
	# Debian's packaging line '/*' in the top .gitignore hides the whole
	# tree from git; drop it so that the tree behaves as upstream's.
	sed -i '\#^/\*$#d' "$tmp/.gitignore"
	log "committing the base (a minute or two)"
	git_base "$tmp" "Linux $KERNEL_VERSION (Debian linux-source-6.12)"
	mv "$tmp" "$dir"
}

make_iproute2_base() {
	local tmp=$dir.tmp
	rm -rf "$tmp" "$PDM_CACHE/iproute2-src"
	mkdir -p "$PDM_CACHE/iproute2-src"
	# Debian's source package of that upstream version (any revision).
	local v orig
	v=$(apt-cache showsrc iproute2 2>/dev/null | awk -v up="$IPROUTE2_VERSION-" '
		$1 == "Version:" && index($2, up) == 1 { print $2; exit }')
	[ -n "$v" ] ||
		die "apt knows no source of iproute2 $IPROUTE2_VERSION (no deb-src entry? run scripts/setup.sh)"
	log "fetching Debian's iproute2 $v source"
	(cd "$PDM_CACHE/iproute2-src" &&
		apt-get source -qq --download-only -o APT::Sandbox::User=root "iproute2=$v")
	orig=("$PDM_CACHE"/iproute2-src/iproute2_"$IPROUTE2_VERSION".orig.tar.*)
	[ -f "${orig[0]}" ] || die "no iproute2_$IPROUTE2_VERSION.orig.tar.* in iproute2 $v's source"
	mkdir -p "$tmp"
	tar -C "$tmp" -xf "${orig[0]}" --strip-components=1
	# include/version.h: static const char version[] = "6.1.0";
	grep -qF "\"$IPROUTE2_VERSION\"" "$tmp/include/version.h" ||
		die "iproute2 source is not $IPROUTE2_VERSION"
	git_base "$tmp" "iproute2 $IPROUTE2_VERSION (Debian orig tarball)"
	mv "$tmp" "$dir"
}

if [ ! -d "$dir/.git" ]; then
	"make_${proj}_base"
fi

hash=$(series_hash "$patches")
stamp=$dir/.git/pdm-series
# The stamp: "<series hash> <commit>", the series last applied or
# exported and the commit it gave. An older stamp has the hash alone.
s_hash='' s_commit=''
[ ! -f "$stamp" ] || read -r s_hash s_commit _ <"$stamp" || true
head=$(git -C "$dir" rev-parse -q --verify 'HEAD^{commit}' || true)
branch=$(git -C "$dir" rev-parse -q --verify 'refs/heads/pdm^{commit}' || true)
if [ -n "${s_hash:-}" ] && [ -z "${s_commit:-}" ] && [ "$s_hash" = "$hash" ] &&
	[ "$head" = "$branch" ]; then
	# Older stamp: HEAD is what was applied if it exports to patches/.
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cover=''
	if [ -e "$patches/$COVER" ]; then
		cover=$tmp/cover
		cover_text "$patches/$COVER" >"$cover"
	fi
	series_export "$dir" "$tmp/export" "$cover"
	# An empty series may have no directory at all (git keeps none).
	mkdir -p "$tmp/export" "$tmp/none"
	want=$patches
	[ -d "$want" ] || want=$tmp/none
	if diff -r -q "$tmp/export" "$want" >/dev/null 2>&1; then
		s_commit=$head
		echo "$s_hash $s_commit" >"$stamp"
	fi
	rm -rf "$tmp"
fi

# Work that is not in patches/, and would be lost by re-applying.
work=()
[ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] ||
	work+=("uncommitted changes to tracked files")
gd=$(git -C "$dir" rev-parse --absolute-git-dir)
if [ -d "$gd/rebase-merge" ] || [ -d "$gd/rebase-apply" ]; then
	work+=("a rebase or 'git am' in progress")
fi
base=$(git -C "$dir" rev-parse 'pdm-base^{commit}')
if [ -z "${s_commit:-}" ] && [ "$head" = "$base" ] &&
	{ [ -z "$branch" ] || [ "$branch" = "$base" ]; }; then
	s_commit=$base	# a new tree, or one the series never applied to
fi
if [ -z "${s_commit:-}" ]; then
	work+=("HEAD ${head:0:12}, and no record of what was last applied or exported")
else
	[ "$head" = "$s_commit" ] ||
		work+=("HEAD ${head:0:12}, not the commit last applied or exported (${s_commit:0:12})")
	[ -z "$branch" ] || [ "$branch" = "$s_commit" ] || [ "$branch" = "$head" ] ||
		work+=("branch pdm ${branch:0:12}, not the commit last applied or exported (${s_commit:0:12})")
fi

if [ ${#work[@]} -gt 0 ] && [ -z "$force" ]; then
	{
		echo "$(basename "$0"): $dir holds work that is not in patches/$proj:"
		printf '  - %s\n' "${work[@]}"
		echo "Commit it on branch pdm and run scripts/export-series.sh $proj $dir"
		echo "to keep it, or run $0 -f $proj${2:+ $dir} to reset the tree to patches/$proj."
	} >&2
	exit 1
fi
if [ ${#work[@]} -eq 0 ] && [ "${s_hash:-}" = "$hash" ]; then
	if [ "$(git -C "$dir" symbolic-ref -q HEAD || true)" != refs/heads/pdm ]; then
		git -C "$dir" checkout -q pdm	# detached at the same commit
	fi
	log "$proj tree $dir is current (series $hash)"
	exit 0
fi

if [ ${#work[@]} -gt 0 ]; then
	# -f: keep what is dropped within reach.
	if [ -n "$(git -C "$dir" status --porcelain --untracked-files=no)" ]; then
		git -C "$dir" stash push -q -m "prepare-tree.sh -f $(date -u +%FT%TZ)" &&
			log "uncommitted changes saved: git -C $dir stash list"
	fi
	drop=${head:0:12}
	[ -z "$branch" ] || [ "$branch" = "$head" ] || drop+=", branch pdm ${branch:0:12}"
	log "dropping HEAD $drop (still in git -C $dir reflog)"
fi
mapfile -t series < <(series_patches "$patches")	# none: no directory
log "applying ${#series[@]} patches to $dir"
git -C "$dir" am --abort >/dev/null 2>&1 || true
git -C "$dir" rebase --abort >/dev/null 2>&1 || true
# Apply in a scratch work tree of the base, then move the tree to the
# result: only the files that differ are rewritten, so the build
# directories stay incremental.
wt=$dir.apply
git -C "$dir" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
git -C "$dir" worktree prune
git -C "$dir" worktree add -q --detach "$wt" pdm-base
if [ ${#series[@]} -gt 0 ]; then
	# Committer date = author date: the same series gives the same commits.
	if ! git -C "$wt" am -q --committer-date-is-author-date \
		--whitespace=nowarn "${series[@]}"; then
		git -C "$wt" am --show-current-patch=diff | head -20 >&2
		git -C "$dir" worktree remove --force "$wt"
		die "series does not apply to the pristine base"
	fi
fi
new=$(git -C "$wt" rev-parse HEAD)
git -C "$dir" worktree remove --force "$wt"
git -C "$dir" checkout -q -f -B pdm "$new"
echo "$hash $new" >"$stamp"
log "$proj tree ready: $dir (series $hash)"
