#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every test: series checks, KUnit (UML), the PDM selftest in the VM
# on the patched kernel, the iproute2 test. Ends with one line
# "N passed, N failed, N skipped"; exit status 0 only if nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h]
Installs what is missing (scripts/setup.sh), prepares the patched trees,
builds what changed, and runs:
  series    scripts/check-series.sh: applies, exported, views, checkpatch
  kunit     scripts/kunit.sh: the ipv6-pdm KUnit suite under UML
  selftest  scripts/selftest.sh: tools/testing/selftests/net/pdm.sh in QEMU
  iproute2  scripts/build-iproute2.sh + scripts/test-iproute2.sh
Logs go to \$PDM_CACHE/logs/. Every stage counts its own cases; a stage
that cannot run (build failure, VM failure) counts as one failure, a
skipped case as a skip, never as a pass.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }

logs=$PDM_CACHE/logs
mkdir -p "$logs"
pass=0 fail=0 skip=0
summary=()

# Stage result: name passed failed skipped
tally() {
	pass=$((pass + $2)) fail=$((fail + $3)) skip=$((skip + $4))
	summary+=("$(printf '%-9s %4d passed, %d failed, %d skipped (%ss)' \
		"$1" "$2" "$3" "$4" "$5")")
}

# Counts of kselftest-style "TEST: ... [ OK ]|[FAIL]|[SKIP]" lines.
count_tests() { # log
	local p f s
	p=$(grep -c '\[ *OK *\]$' "$1")
	f=$(grep -c '\[FAIL\]$' "$1")
	s=$(grep -c '\[SKIP\]$' "$1")
	echo "$p $f $s"
}

stage() { # name command...
	local name=$1 t0 rc
	shift
	log "== $name: $*"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$logs/$name.log"
	rc=${PIPESTATUS[0]}
	echo "$rc $(($(date +%s) - t0))" >"$logs/$name.rc"
}

t0=$(date +%s)
if ! "$TOP/scripts/setup.sh" >"$logs/setup.log" 2>&1; then
	cat "$logs/setup.log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
log "setup done in $(($(date +%s) - t0))s"

# Series checks: one case per "ok:"/"FAIL:" line.
stage series "$TOP/scripts/check-series.sh"
read -r rc secs <"$logs/series.rc"
p=$(grep -c '^ok: ' "$logs/series.log")
f=$(grep -c '^FAIL: ' "$logs/series.log")
[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
tally series "$p" "$f" 0 "$secs"

# KUnit: kunit.py's summary line.
stage kunit "$TOP/scripts/kunit.sh"
read -r rc secs <"$logs/kunit.rc"
line=$(grep -o 'Ran [0-9]* tests:.*' "$logs/kunit.log" | tail -1)
kp=$(echo "$line" | grep -o 'passed: [0-9]*' | grep -o '[0-9]*' || true)
kf=$(echo "$line" | grep -oE '(failed|crashed|errors): [0-9]*' |
	grep -o '[0-9]*' | paste -sd+ | bc 2>/dev/null || true)
ks=$(echo "$line" | grep -o 'skipped: [0-9]*' | grep -o '[0-9]*' || true)
kp=${kp:-0} kf=${kf:-0} ks=${ks:-0}
[ "$rc" != 0 ] && [ "$kf" = 0 ] && kf=1
[ -z "$line" ] && [ "$kf" = 0 ] && kf=1
tally kunit "$kp" "$kf" "$ks" "$secs"

# Selftest in the VM.
stage selftest "$TOP/scripts/selftest.sh"
read -r rc secs <"$logs/selftest.rc"
read -r p f s <<<"$(count_tests "$logs/selftest.log")"
if [ "$rc" = 4 ] && [ "$p$f" = 00 ]; then
	s=$((s + 1))	# the whole script skipped
elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
	f=1		# build, boot or script failure
fi
tally selftest "$p" "$f" "$s" "$secs"

# iproute2.
stage iproute2 "$TOP/scripts/test-iproute2.sh"
read -r rc secs <"$logs/iproute2.rc"
read -r p f s <<<"$(count_tests "$logs/iproute2.log")"
[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
tally iproute2 "$p" "$f" "$s" "$secs"

echo
printf '%s\n' "${summary[@]}"
echo "total time $(($(date +%s) - t0))s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
