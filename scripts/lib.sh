# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Common settings for the scripts in this directory. Sourced, not run.

# shellcheck disable=SC2034
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PDM_CACHE=${PDM_CACHE:-/var/tmp/pdm-cache}
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz
KERNEL_VERSION=6.12.117
# The Debian package that carries it, pinned: scripts/setup.sh installs
# exactly this version (moving the series to a newer one means changing
# both lines).
KERNEL_DEB_PACKAGE=linux-source-6.12
KERNEL_DEB_VERSION=6.12.117-1~deb12u1
IPROUTE2_VERSION=6.1.0
# Fixed identity and dates make the base commits, and so the exported
# series, byte-identical from one machine to the next.
export GIT_AUTHOR_NAME="PDM base" GIT_AUTHOR_EMAIL="pdm@localhost"
export GIT_COMMITTER_NAME="PDM series" GIT_COMMITTER_EMAIL="pdm@localhost"
BASE_DATE="2025-01-01T00:00:00Z"
# Debian's python first, whatever else is on PATH.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Hash of a patch directory: the key of every cache derived from it.
series_hash() { { cat "$1"/*.patch 2>/dev/null || true; } | sha256sum | cut -c1-16; }

COVER=0000-cover-letter.patch

# Usage: series_patches DIR: the patches of DIR for git am, in order, one
# per line: the cover letter is not one.
series_patches() {
	local p
	for p in "$1"/*.patch; do
		[ -e "$p" ] && [ "${p##*/}" != "$COVER" ] && echo "$p"
	done
	return 0
}

# Usage: cover_text FILE: the subject (first line) and the text of the
# cover letter FILE, up to its shortlog.
cover_text() {
	awk '
	!subj && /^Subject: / {
		sub(/^Subject: \[PATCH[^]]*\] */, ""); subj = $0; folded = 1; next
	}
	folded && /^ / { subj = subj $0; next }
	folded { folded = 0 }
	subj && !body && /^$/ { body = 1; print subj; next }
	body && /^[^ ].* \([0-9]+\):$/ { exit }
	body { print }
	' "$1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# Usage: series_export GITDIR OUTDIR [COVER_TEXT]: format-patch
# pdm-base..HEAD of GITDIR into OUTDIR, the same bytes for the same
# commits. With COVER_TEXT (a file, as cover_text prints), a cover letter
# too, as format-patch --cover-letter makes it, dated and signed as the
# last commit.
series_export() {
	local dir=$1 out=$2 text=${3:-}
	local args=(-q --zero-commit --no-signature --full-index -o "$out")
	[ -z "$text" ] || args+=(--cover-letter --cover-from-description=none)
	GIT_COMMITTER_NAME=$(git -C "$dir" log -1 --format=%an HEAD) \
	GIT_COMMITTER_EMAIL=$(git -C "$dir" log -1 --format=%ae HEAD) \
	GIT_COMMITTER_DATE=$(git -C "$dir" log -1 --format=%ad --date=raw HEAD) \
		git -C "$dir" format-patch "${args[@]}" pdm-base..HEAD || return 1
	[ -n "$text" ] && [ -e "$out/$COVER" ] || return 0
	/usr/bin/python3 - "$out/$COVER" "$text" <<'PY'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read().rstrip("\n").split("\n")
s = open(cover).read()
s = s.replace("*** SUBJECT HERE ***", text[0], 1)
s = s.replace("*** BLURB HERE ***", "\n".join(text[1:]).strip("\n"), 1)
open(cover, "w").write(s)
PY
}

# One run at a time on $PDM_CACHE: take an exclusive lock on
# $PDM_CACHE/.lock for the rest of the calling script's life, waiting
# (with one message) for the run that holds it. Re-entrant: flock locks
# belong to the open file description, which child processes inherit;
# PDM_LOCK_HELD names the descriptor, so a script started by one that
# holds the lock finds it held and does not wait for its own parent.
pdm_lock() {
	local f=$PDM_CACHE/.lock fd holder
	mkdir -p "$PDM_CACHE"
	# Inherited from the caller, open on this very file and locked.
	if [[ ${PDM_LOCK_HELD:-} =~ ^[0-9]+$ ]] &&
		[ "$(readlink "/proc/$$/fd/$PDM_LOCK_HELD" 2>/dev/null)" = "$(readlink -f "$f")" ] &&
		flock -n "$PDM_LOCK_HELD"; then
		return 0
	fi
	exec {fd}>>"$f"
	if ! flock -n "$fd"; then
		holder=$(cat "$f" 2>/dev/null || true)
		holder=${holder:-unknown}
		log "waiting for another run (pid ${holder/ /, }) to finish"
		flock "$fd"
	fi
	echo "$$ $(basename "$0")" >"$f"
	export PDM_LOCK_HELD=$fd
}

# Usage: bench_kernel: build (cached) the patched x86_64 kernel that
# bench.sh measures and profile.sh profiles: no debug options, what the
# selftest needs from a kernel; prints its bzImage. The tree is prepared.
bench_kernel() {
	"$TOP/scripts/build-kernel.sh" -o "$PDM_CACHE/build-x86_64-bench" \
		-f "$PDM_CACHE/linux/tools/testing/selftests/net/pdm/config"
}
