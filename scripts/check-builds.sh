#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What netdev's CI builds for a submission, on the kernel series:
#  - every patch builds on its own (bisectable), incrementally, in order,
#    with CONFIG_IPV6=m: vmlinux and the modules, so ipv6.ko must link
#    (modpost) at every step; at the last patch ipv6.ko must also load
#    and carry PDM (in the VM);
#  - W=1 and sparse (C=2) give no new warning in the C files the series
#    touches, and kernel-doc -none -Wall none in the files it touches;
#  - the series builds with CONFIG_IPV6_PDM=n (IPv6 built in).
# Writes flat KTAP. The result is kept per series, scripts and compiler:
# an unchanged series is not built again (the KTAP says so).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-f] [-K KTAP]
  -f       build and check again even if a result for this series is kept
  -K KTAP  where to write the flat KTAP (default \$PDM_CACHE/logs/builds.ktap)
Build directories: \$PDM_CACHE/build-bisect (a work tree of the series,
\$PDM_CACHE/linux-bisect, walked from pdm-base to the last patch;
scripts/config/vm.config, the series' tools/testing/selftests/net/pdm/config (its INET6_*, IP_SCTP as modules)
and scripts/config/ipv6-module.config) and build-nopdm (\$PDM_CACHE/linux,
the test kernel's fragments and scripts/config/no-pdm.config: with ccache,
it costs little more than the test kernel's build).
USAGE
}
force='' ktap=$PDM_CACHE/logs/builds.ktap
while getopts hfK: o; do
	case $o in
	f) force=1 ;;
	K) ktap=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
pdm_lock
"$TOP/scripts/prepare-tree.sh" linux >&2
src=$PDM_CACHE/linux
cfg=$TOP/scripts/config
work=$PDM_CACHE/check-builds
mkdir -p "$work" "$(dirname "$ktap")"

key=$({
	series_hash "$TOP/patches/linux"
	cat "$0" "$TOP/scripts/build-kernel.sh" "$cfg"/*.config
	gcc --version | head -1
	sparse --version 2>/dev/null || true
} | sha256sum | cut -c1-16)
kept=$work/result-$key.ktap
if [ -z "$force" ] && [ -s "$kept" ]; then
	log "kept result for this series and these scripts ($kept)"
	{
		echo "# kept from $(date -r "$kept" '+%F %T'): the series, these" \
			"scripts and the compiler are unchanged (-f builds again)"
		cat "$kept"
	} | tee "$ktap"
	exit 0
fi

mapfile -t commits < <(git -C "$src" rev-list --reverse pdm-base..pdm)
n=${#commits[@]}
[ "$n" -gt 0 ] || die "no commits between pdm-base and pdm in $src"
results=() num=0 failed=0
result() { # ok|not-ok description [note...]
	local st=$1 d=$2
	shift 2
	num=$((num + 1))
	local l
	for l in "$@"; do results+=("# $l"); done
	if [ "$st" = ok ]; then
		results+=("ok $num $d")
	else
		results+=("not ok $num $d")
		failed=1
	fi
}
# The net/pdm test config of the last patch serves every step; with
# IPV6=m, what depends on it (INET6_ESP, INET6_AH, IP_SCTP) can only be
# a module.
git -C "$src" show pdm:tools/testing/selftests/net/pdm/config >"$work/pdm.config" ||
	die "the series has no tools/testing/selftests/net/pdm/config"
sed -E 's/^(CONFIG_(INET6_[A-Z0-9_]+|IP_SCTP))=y$/\1=m/' "$work/pdm.config" \
	>"$work/pdm-module.config"
bk() { # out src log fragment... : build-kernel.sh, quietly
	local o=$1 s=$2 l=$3
	shift 3
	local f=()
	for x in "$@"; do f+=(-f "$x"); done
	"$TOP/scripts/build-kernel.sh" -s "$s" -o "$o" -t "${TARGETS:-vmlinux}" \
		"${f[@]}" >"$l" 2>&1
}
frags=("$work/pdm-module.config" "$cfg/ipv6-module.config")

# --- every patch builds, W=1 and sparse on the touched files -------------
wt=$PDM_CACHE/linux-bisect
bdir=$PDM_CACHE/build-bisect
if [ ! -d "$wt" ]; then
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" pdm-base
fi
# C files the series adds or changes that this config builds.
mapfile -t cfiles < <(git -C "$src" diff --name-only --diff-filter=AM \
	pdm-base pdm -- '*.c' | grep -v '^tools/' || true)
mapfile -t docfiles < <(git -C "$src" diff --name-only --diff-filter=AM \
	pdm-base pdm -- '*.c' '*.h' | grep -v '^tools/' || true)

# warnings <tag>: W=1 C=2 of the touched objects that exist in the build,
# one normalized line per warning (no line numbers, no paths of the tree).
warnings() {
	local tag=$1 objs=() f
	for f in "${cfiles[@]}"; do
		[ -f "$bdir/${f%.c}.o" ] && objs+=("${f%.c}.o")
	done
	[ ${#objs[@]} -gt 0 ] || return 0
	make -C "$wt" O="$bdir" ARCH=x86_64 W=1 C=2 "${objs[@]}" \
		>"$work/w-$tag.log" 2>&1 || return 1
	grep -E '(warning|error):' "$work/w-$tag.log" |
		sed -E "s#^($wt|$bdir)/##; s#:[0-9]+:[0-9]+:#:#; s#:[0-9]+:#:#" |
		LC_ALL=C sort -u >"$work/w-$tag.txt"
	# Back to the normal command line, so the next build is incremental.
	make -C "$wt" O="$bdir" ARCH=x86_64 "${objs[@]}" >/dev/null 2>&1
}
kdoc() { # tag: kernel-doc -none -Wall over the touched files of the work tree
	local f
	for f in "${docfiles[@]}"; do
		[ -f "$wt/$f" ] || continue
		(cd "$wt" && perl scripts/kernel-doc -none -Wall "$f" 2>&1) || true
	done | sed -E 's#:[0-9]+:#:#' | LC_ALL=C sort -u >"$work/kdoc-$1.txt"
}

git -C "$wt" checkout -q --detach pdm-base
log "build: pdm-base"
if TARGETS="vmlinux modules" bk "$bdir" "$wt" "$work/build-base.log" "${frags[@]}"; then
	warnings base || true
	kdoc base
else
	result not-ok "pdm-base builds (the reference for the warnings)" \
		"$(tail -5 "$work/build-base.log" | tr '\n' ' ')"
fi
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subj=$(git -C "$src" log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c"
	log "build: patch $i/$n $subj"
	# The last one bootable too: ipv6.ko is loaded in it below, and it is
	# the test kernel without the debug options (to measure their cost).
	t="vmlinux modules"
	[ "$i" != "$n" ] || t="bzImage modules"
	if TARGETS=$t bk "$bdir" "$wt" "$work/build-$i.log" "${frags[@]}"; then
		result ok "patch $i/$n builds: $subj"
	else
		result not-ok "patch $i/$n builds: $subj" \
			"$(grep -E 'error|Error' "$work/build-$i.log" | head -5 | tr '\n' ' ')"
	fi
done
# At the last patch: no new warning.
for kind in w kdoc; do
	[ -f "$work/$kind-base.txt" ] || : >"$work/$kind-base.txt"
done
if [ "$failed" = 0 ] && warnings head; then
	new=$(comm -13 "$work/w-base.txt" "$work/w-head.txt")
	result "$([ -z "$new" ] && echo ok || echo not-ok)" \
		"W=1 and sparse (C=2): no new warning in ${#cfiles[@]} touched C files" \
		"$(wc -l <"$work/w-base.txt") warnings at pdm-base, $(wc -l <"$work/w-head.txt") with the series" \
		${new:+"new: $(head -c 600 <<<"$new" | tr '\n' ' ')"}
else
	result not-ok "W=1 and sparse (C=2): no new warning" "the series does not build"
fi
kdoc head
new=$(comm -13 "$work/kdoc-base.txt" "$work/kdoc-head.txt")
result "$([ -z "$new" ] && echo ok || echo not-ok)" \
	"kernel-doc -none -Wall: no new warning in ${#docfiles[@]} touched files" \
	${new:+"new: $(head -c 600 <<<"$new" | tr '\n' ' ')"}

# --- CONFIG_IPV6=m: ipv6.ko of the last patch loads and carries PDM -----
m=$bdir
if [ "$failed" = 0 ] && grep -q '^CONFIG_IPV6=m' "$m/.config" &&
	[ -f "$m/net/ipv6/ipv6.ko" ]; then
	log "VM: insmod ipv6.ko"
	vmcmd="set -e
insmod $m/net/ipv6/ipv6.ko
ip link set lo down; ip link set lo up
sysctl -qw net.ipv6.pdm.enabled=1
ping -6 -c 3 -i 0.2 ::1 >/dev/null
awk '\$1 == \"Pdm6OutPkts\" { print; ok = \$2 > 0 } END { exit !ok }' /proc/net/snmp6"
	share=$work/vm-share
	rm -rf "$share"
	splats=''
	if out=$("$TOP/scripts/vm-run.sh" -k "$m/arch/x86/boot/bzImage" -t 300 \
		-S "$share" "$vmcmd" 2>&1) &&
		splats=$("$TOP/scripts/ktap.py" splats "$share/.vm-run/kmsg"); then
		result ok "CONFIG_IPV6=m: ipv6.ko loads, PDM on loopback: $(tail -1 <<<"$out" | tr -s ' \t' ' ')"
	else
		result not-ok "CONFIG_IPV6=m: ipv6.ko loads and carries PDM, no kernel report" \
			"$(tail -5 <<<"$out" | tr '\n' ' ')" ${splats:+"$splats"}
	fi
else
	result not-ok "CONFIG_IPV6=m: ipv6.ko loads and carries PDM" \
		"no ipv6.ko built at the last patch"
fi

# --- CONFIG_IPV6_PDM=n ---------------------------------------------------
log "build: CONFIG_IPV6_PDM=n"
if bk "$PDM_CACHE/build-nopdm" "$src" "$work/build-nopdm.log" \
	"$cfg/debug.config" "$work/pdm.config" "$cfg/no-pdm.config" &&
	grep -q '^# CONFIG_IPV6_PDM is not set' "$PDM_CACHE/build-nopdm/.config"; then
	result ok "builds with CONFIG_IPV6_PDM=n"
else
	result not-ok "builds with CONFIG_IPV6_PDM=n" \
		"$(grep -E 'error|Error' "$work/build-nopdm.log" | head -5 | tr '\n' ' ')"
fi

{
	echo "TAP version 13"
	echo "1..$num"
	printf '%s\n' "${results[@]}"
} >"$work/result.ktap"
rm -f "$work"/result-*.ktap
# Only a pass is kept: a failure is built and checked again next time.
[ "$failed" != 0 ] || cp "$work/result.ktap" "$kept"
tee "$ktap" <"$work/result.ktap"
[ "$failed" = 0 ]
