#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317,SC2001 # helpers run through t(); sed on lines
# Tests of the harness's counting (scripts/ktap.py) on made-up runs: that
# a missing, duplicated or skipped result, a kernel report, a timeout and
# a crash are each counted as they must be. Prints KTAP.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h]
Runs scripts/ktap.py on fixtures and prints KTAP; exit 1 on any failure.
USAGE
}
[ "${1:-}" = -h ] && { usage; exit 0; }

K=$TOP/scripts/ktap.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

PLAN=16
echo "TAP version 13"
echo "1..$PLAN"
n=0 failed=0
t() { # description command...: the command must succeed
	local d=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n $d"
	else
		sed 's/^/# /' <<<"$out"
		echo "not ok $n $d"
		failed=1
	fi
}
counts() { # file expected "P F S W"
	local got
	got=$("$K" count "$1" 2>/dev/null)
	[ "$got" = "$2" ] || { echo "counted '$got', expected '$2'"; return 1; }
}
has() { # file regex: an extended regex that must match a line
	grep -Eq -- "$2" "$1" || { echo "no line matching '$2' in:"; cat "$1"; return 1; }
}

# --- count --------------------------------------------------------------
printf 'TAP version 13\n1..3\nok 1 a\nnot ok 2 b\n' >missing
t "count: a planned result that is missing is a failure" counts missing "1 2 0 0"
printf 'TAP version 13\n1..2\nok 1 a # SKIP x\nok 2 b\nok 2 b\n' >dup
t "count: a skip is a skip, a duplicate a failure" counts dup "1 1 1 0"
printf 'ok 1 a\n' >noplan
t "count: results without a plan fail" counts noplan "0 2 0 0"
: >empty
t "count: an empty document is a failure" counts empty "0 1 0 0"
printf 'TAP version 13\n1..0 # SKIP no tshark\n' >skipall
t "count: a document skipped as a whole is one skip, flagged" counts skipall "0 0 1 1"

# --- kselftest ----------------------------------------------------------
runlog() { # file inner-lines... (the runner's framing around them)
	local f=$1 verdict=$2
	shift 2
	{
		printf 'TAP version 13\n1..1\n# timeout set to 60\n'
		echo "# selftests: net/pdm: pdm.sh"
		printf '# %s\n' "$@"
		[ -z "$verdict" ] || echo "$verdict"
	} >"$f"
}
kmsg() { printf '%s\n' "$@" | awk '{ printf "6,%d,%d,-;%s\n", NR, NR * 1000, $0 }'; }
runlog pass.log "ok 1 selftests: net/pdm: pdm.sh" "TAP version 13" "1..2" \
	"# case: one" "ok 1 first" "# case: two" "ok 2 second # SKIP no tool"
kmsg "kselftest: Running tests in net/pdm" "pdm.sh: case one" \
	"pdm.sh: case two" "kselftest: done" >pass.kmsg
: >console
"$K" kselftest pass.log pass.kmsg console 0 -o pass.ktap >/dev/null || true
t "kselftest: a clean run passes, the skip stays a skip" counts pass.ktap "3 0 1 0"

runlog why.log "not ok 1 selftests: net/pdm: pdm.sh # exit=1" \
	"TAP version 13" "1..2" "# case: one" "# all is well" "ok 1 first" \
	"# case: two" "# lost: kernel 3, receiver 4" "not ok 2 second"
"$K" kselftest why.log pass.kmsg console 0 -o why.ktap >/dev/null || true
t "kselftest: a failed result keeps the notes the test printed for it" \
	has why.ktap "^# lost: kernel 3, receiver 4$"
t "kselftest: ... and a passed one none" eval '! grep -q "all is well" why.ktap'

kmsg "kselftest: Running tests in net/pdm" "pdm.sh: case one" \
	"------------[ cut here ]------------" \
	"WARNING: CPU: 1 PID: 7 at net/ipv6/pdm.c:42 pdm_rcv+0x1/0x2" \
	"Call Trace:" "pdm.sh: case two" "kselftest: done" >warn.kmsg
"$K" kselftest pass.log warn.kmsg console 0 -o warn.ktap >/dev/null || true
t "kselftest: a WARN fails the case it was printed in" counts warn.ktap "2 1 1 0"
t "kselftest: ... and names the report and the case" has warn.ktap \
	"^# kernel report during case 'one': WARNING: CPU: 1 PID: 7 at net/ipv6/pdm.c:42"

kmsg "kselftest: Running tests in net/pdm" "pdm.sh: case one" \
	"pdm.sh: case two" "kselftest: done" \
	"BUG: sleeping function called from invalid context at mm/slub.c:1" >late.kmsg
"$K" kselftest pass.log late.kmsg console 0 -o late.ktap >/dev/null || true
t "kselftest: a report outside the cases is a failure" counts late.ktap "2 1 1 0"

runlog hang.log "not ok 1 selftests: net/pdm: pdm.sh # TIMEOUT 60 seconds" \
	"TAP version 13" "1..3" "# case: one" "ok 1 first" "# case: two"
"$K" kselftest hang.log pass.kmsg console 0 -o hang.ktap >/dev/null || true
t "kselftest: a timeout fails every result that did not come" counts hang.ktap "3 2 0 0"
t "kselftest: ... naming the case that was running" has hang.ktap \
	"^# no result: case 'two' was running when the run ended \(the kselftest runner's timeout"

runlog crash.log "" "TAP version 13" "1..2" "# case: one" "ok 1 first"
printf '[   9.1] BUG: kernel NULL pointer dereference, address: 0\n[   9.2] Kernel panic - not syncing: Fatal exception in interrupt\n' >crash.console
"$K" kselftest crash.log /dev/null crash.console 125 -o crash.ktap >/dev/null || true
t "kselftest: a guest crash fails the rest and the run" counts crash.ktap "1 3 0 0"
t "kselftest: ... and names the panic from the console" has crash.ktap \
	"^# Kernel panic - not syncing: Fatal exception in interrupt \(console, case 'one' running\)"

# --- kunit ---------------------------------------------------------------
cat >kunit.json <<'JSON'
{"name": "KUnit Test Group", "sub_groups": [{"name": "ipv6-pdm",
 "sub_groups": [], "test_cases": [{"name": "a", "status": "PASS"},
 {"name": "b", "status": "PASS"}]}], "test_cases": []}
JSON
cat >kunit.log <<'LOG'
KTAP version 1
1..1
    # Subtest: ipv6-pdm
    1..3
    ok 1 a
==================================================================
BUG: KASAN: slab-use-after-free in pdm_flow_put+0x1/0x2
    ok 2 b
LOG
"$K" kunit kunit.json kunit.log ipv6-pdm -o kunit.ktap >/dev/null || true
t "kunit: a KASAN report fails its case, a missing case fails" counts kunit.ktap "2 2 0 0"

[ "$n" = "$PLAN" ] || { echo "# ran $n checks, planned $PLAN"; exit 1; }
exit $failed
