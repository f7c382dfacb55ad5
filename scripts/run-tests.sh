#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every test: series checks, KUnit (UML), the PDM selftest in the VM
# on the patched kernel, the iproute2 test. Every stage writes flat KTAP;
# scripts/ktap.py counts it. Ends with one line
# "N passed, N failed, N skipped"; exit status 0 only if nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ALL_STAGES="harness series kunit selftest iproute2"

usage() {
	cat <<USAGE
usage: $0 [-h] [--debug] [STAGE...]
Installs what is missing (scripts/setup.sh), prepares the patched trees,
builds what changed, and runs the stages (default: $ALL_STAGES):
  harness   scripts/test-ktap.sh: the counting itself, on made-up runs
  series    scripts/check-series.sh: applies, exported, views, checkpatch,
            every patch builds, W=1, sparse, kernel-doc, IPV6_PDM=n,
            IPV6=m (scripts/check-builds.sh)
  kunit     scripts/kunit.sh: the ipv6-pdm* KUnit suites under UML, KASAN
  selftest  scripts/selftest.sh: tools/testing/selftests/net/pdm in QEMU,
            debug kernel (lockdep, atomic sleep, debug objects)
  iproute2  scripts/build-iproute2.sh + scripts/test-iproute2.sh
  debug     scripts/selftest.sh -d: the selftest on a KASAN + kmemleak
            kernel (own build directory); --debug adds it to the default
Logs and each stage's KTAP go to \$PDM_CACHE/logs/. A case that did not
run is a failure, a skipped case a skip, never a pass; a stage that
cannot run counts as one failure. Under CI (CI=true) a stage that skips
as a whole is a failure: CI must run everything.
USAGE
}

stages=()
debug=''
for a in "$@"; do
	case $a in
	-h | --help) usage; exit 0 ;;
	--debug) debug=1 ;;
	harness | series | kunit | selftest | iproute2 | debug) stages+=("$a") ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ ${#stages[@]} -eq 0 ]; then
	read -r -a stages <<<"$ALL_STAGES"
	[ -z "$debug" ] || stages+=(debug)
fi

logs=$PDM_CACHE/logs
mkdir -p "$logs"
pass=0 fail=0 skip=0
summary=() failures=()

t0=$(date +%s)
if ! "$TOP/scripts/setup.sh" >"$logs/setup.log" 2>&1; then
	cat "$logs/setup.log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
log "setup done in $(($(date +%s) - t0))s"
pdm_lock

# stage NAME KTAP COMMAND...: run it, count its KTAP.
stage() {
	local name=$1 ktap=$2 t rc p f s w
	shift 2
	log "== $name: $*"
	rm -f "$ktap"
	t=$(date +%s)
	"$@" >"$logs/$name.log" 2>&1
	rc=$?
	t=$(($(date +%s) - t))
	read -r p f s w < <("$TOP/scripts/ktap.py" count "$ktap" 2>>"$logs/$name.log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1	# the stage failed without a failing result
		failures+=("$name: exit status $rc without a failed result (see $logs/$name.log)")
	fi
	if [ "$w" = 1 ] && [ "${CI:-}" = true ]; then
		f=$((f + 1)) s=$((s - 1))
		failures+=("$name: skipped as a whole, and CI must run everything")
	fi
	[ ! -f "$ktap" ] || sed "s/^/$name: /" "$ktap"
	# What failed, with the notes that say why.
	if [ -f "$ktap" ]; then
		while IFS= read -r line; do
			failures+=("$name: $line")
		done < <(awk '/^# / { n = n $0 "\n"; next }
			/^not ok / { printf "%s%s\n", n, $0 } { n = "" }' "$ktap")
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	summary+=("$(printf '%-9s %4d passed, %d failed, %d skipped (%ss)' \
		"$name" "$p" "$f" "$s" "$t")")
	log "$name: $p passed, $f failed, $s skipped in ${t}s"
}

# shellcheck disable=SC2016 # "$1" "$2" are the inner bash's
for st in "${stages[@]}"; do
	case $st in
	harness) stage harness "$logs/harness.ktap" bash -o pipefail -c \
		'"$1" | tee "$2"' _ "$TOP/scripts/test-ktap.sh" "$logs/harness.ktap" ;;
	series) stage series "$logs/series.ktap" \
		"$TOP/scripts/check-series.sh" -K "$logs/series.ktap" ;;
	kunit) stage kunit "$logs/kunit.ktap" \
		"$TOP/scripts/kunit.sh" -K "$logs/kunit.ktap" ;;
	selftest) stage selftest "$logs/selftest.ktap" \
		"$TOP/scripts/selftest.sh" -K "$logs/selftest.ktap" ;;
	iproute2) stage iproute2 "$logs/iproute2.ktap" bash -o pipefail -c \
		'"$1" | tee "$2"' _ "$TOP/scripts/test-iproute2.sh" "$logs/iproute2.ktap" ;;
	debug) stage debug "$logs/selftest-debug.ktap" \
		"$TOP/scripts/selftest.sh" -d -K "$logs/selftest-debug.ktap" ;;
	esac
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
	echo
fi
printf '%s\n' "${summary[@]}"
echo "total time $(($(date +%s) - t0))s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
