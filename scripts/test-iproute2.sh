#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that the patched nstat reads the IPv6 PDM counters of /proc/net/pdm6,
# on a fake /proc (PROC_ROOT) with known values, without the PDM kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-b NSTAT]
  -b NSTAT  nstat binary to test (default: misc/nstat of build-iproute2.sh,
            which is run first). '-b /usr/bin/nstat' shows that an nstat
            without the series fails the test.
Prints one kselftest-style line per check, "TEST: ... [ OK ]" or "[FAIL]",
then "N passed, N failed"; exits non-zero on any failure.
USAGE
}

nstat=
while getopts hb: o; do
	case $o in
	b) nstat=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
pdm_lock
if [ -z "$nstat" ]; then
	nstat=$("$TOP/scripts/build-iproute2.sh")/misc/nstat
fi
[ -x "$nstat" ] || die "$nstat is not an executable"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The counters of the PDM patch series, in the kernel's order and format.
PDM6=(
	Pdm6Flows 3
	Pdm6OutPkts 120
	Pdm6InPkts 118
	Pdm6InBadLen 2
	Pdm6FlowsCreated 5
	Pdm6FlowsExpired 2
	Pdm6FlowsFull 0
)
write_pdm6() { # file name value...
	local f=$1
	shift
	: >"$f"
	while [ $# -gt 0 ]; do
		printf '%-32s\t%s\n' "$1" "$2" >>"$f"
		shift 2
	done
}

proc=$tmp/proc
mkdir -p "$proc/net"
write_pdm6 "$proc/net/pdm6" "${PDM6[@]}"
# Other files as a kernel without SCTP has them, with a counter each,
# to check that the pattern keeps them out and that they are still read.
printf '%-32s\t%s\n' Ip6InReceives 7 Ip6OutRequests 9 >"$proc/net/snmp6"
printf 'Ip: Forwarding InReceives\nIp: 2 11\n' >"$proc/net/snmp"
printf 'TcpExt: SyncookiesSent\nTcpExt: 4\n' >"$proc/net/netstat"

# An nstat daemon (nstat -d) serves its counters on an abstract unix
# socket and nstat would read those instead of the files. Abstract
# sockets belong to the network namespace, so run in a fresh one.
ns=()
unshare -n true 2>/dev/null && ns=(unshare -n)

run_nstat() { # args...: stdout to $tmp/out, stderr to $tmp/err
	env -u PROC_NET_NETSTAT -u PROC_NET_SNMP -u PROC_NET_SNMP6 \
		-u PROC_NET_SCTP_SNMP -u PROC_NET_PDM6 \
		PROC_ROOT="$proc" NSTAT_HISTORY="$tmp/history" \
		${PDM6_ENV:+"$PDM6_ENV"} \
		"${ns[@]}" "$nstat" "$@" >"$tmp/out" 2>"$tmp/err"
}

# The "name value" pairs that nstat printed, sorted; header and rate dropped.
pairs() { awk '!/^#/ { print $1, $2 }' "$tmp/out" | LC_ALL=C sort; }
expect() { # name value...: the sorted pairs
	while [ $# -gt 0 ]; do
		echo "$1 $2"
		shift 2
	done | LC_ALL=C sort
}

passed=0
failed=0
check() { # description command...
	local d=$1
	shift
	if "$@"; then
		printf 'TEST: %-60s  [ OK ]\n' "$d"
		passed=$((passed + 1))
	else
		printf 'TEST: %-60s  [FAIL]\n' "$d"
		failed=$((failed + 1))
	fi
}
same() { # file1 file2: equal, or show the difference
	diff -u "$1" "$2" >&2
}
no_pdm6() { ! grep -q '^Pdm6' "$tmp/out"; }

run_nstat -az 'Pdm6*' || true
pairs >"$tmp/got"
check "nstat -az 'Pdm6*' runs without error" test ! -s "$tmp/err"
for ((i = 0; i < ${#PDM6[@]}; i += 2)); do
	check "nstat -az 'Pdm6*' shows ${PDM6[i]} ${PDM6[i + 1]}" \
		grep -qxF "${PDM6[i]} ${PDM6[i + 1]}" "$tmp/got"
done
expect "${PDM6[@]}" >"$tmp/want"
check "nstat -az 'Pdm6*' shows the Pdm6 counters and nothing else" \
	same "$tmp/want" "$tmp/got"

run_nstat -az || true
check "nstat -az shows the other files' counters too" \
	grep -qE '^Ip6InReceives +7 ' "$tmp/out"

run_nstat -azj 'Pdm6*' || true
check "nstat -azj 'Pdm6*' shows the counters in JSON" \
	grep -qF '"Pdm6InBadLen":2' "$tmp/out"

# History: nstat without -a prints the increments since its last run.
rm -f "$tmp/history"
run_nstat -n || true
write_pdm6 "$proc/net/pdm6" Pdm6Flows 3 Pdm6OutPkts 150 Pdm6InPkts 119 \
	Pdm6InBadLen 2 Pdm6FlowsCreated 6 Pdm6FlowsExpired 3 Pdm6FlowsFull 0
run_nstat 'Pdm6*' || true
pairs >"$tmp/got"
expect Pdm6OutPkts 30 Pdm6InPkts 1 Pdm6FlowsCreated 1 Pdm6FlowsExpired 1 \
	>"$tmp/want"
check "nstat 'Pdm6*' shows the increments since the history" \
	same "$tmp/want" "$tmp/got"
write_pdm6 "$proc/net/pdm6" "${PDM6[@]}"

PDM6_ENV=PROC_NET_PDM6=$tmp/elsewhere
write_pdm6 "$tmp/elsewhere" Pdm6InBadLen 42
run_nstat -az 'Pdm6*' || true
PDM6_ENV=
check "PROC_NET_PDM6 overrides the path of pdm6" \
	grep -qE '^Pdm6InBadLen +42 ' "$tmp/out"

# A kernel without PDM: no file, no error, the rest as before.
rm "$proc/net/pdm6"
rc=0
run_nstat -az || rc=$?
check "without net/pdm6: nstat -az exits 0, nothing on stderr" \
	test "$rc" -eq 0 -a ! -s "$tmp/err"
check "without net/pdm6: no Pdm6 counter shown" \
	no_pdm6
check "without net/pdm6: the other counters are shown" \
	grep -qE '^Ip6InReceives +7 ' "$tmp/out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
