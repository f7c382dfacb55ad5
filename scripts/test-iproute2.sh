#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that the patched nstat reads the IPv6 PDM counters of /proc/net/pdm6:
# on a fake /proc (PROC_ROOT) with known values, and against the real
# /proc/net/pdm6 of the patched kernel in the VM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-b NSTAT] [-k BZIMAGE] [-V]
  -b NSTAT    nstat binary to test (default: misc/nstat of build-iproute2.sh,
              which is run first). '-b /usr/bin/nstat' shows that an nstat
              without the series fails the test.
  -k BZIMAGE  patched kernel for the VM cases (default
              \$PDM_CACHE/build-x86_64/arch/x86/boot/bzImage, as built by
              scripts/build-kernel.sh; it is not built here)
  -V          skip the VM cases (reported as skipped)
The fake /proc cases run nstat on files with known values. The VM cases
boot BZIMAGE with scripts/vm-run.sh and run scripts/test-iproute2-guest.sh:
two namespaces over veth with net.ipv6.pdm.enabled=1 ping each other,
then in each namespace nstat must show the values of its /proc/net/pdm6,
non-zero where traffic was sent, and, from a history, their increments.
Without the kernel image the VM cases fail unless -V is given.
Output is KTAP: "TAP version 13", the plan "1..N", one "ok N ..." or
"not ok N ..." per case ("# SKIP" for a skipped one), diagnostics as
"# ..." lines. Exits non-zero on any failure.
USAGE
}

nstat='' kernel=$PDM_CACHE/build-x86_64/arch/x86/boot/bzImage no_vm=''
while getopts hb:k:V o; do
	case $o in
	b) nstat=$OPTARG ;;
	k) kernel=$OPTARG ;;
	V) no_vm=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
pdm_lock

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
# The namespaces of test-iproute2-guest.sh.
VM_NS=(pdm-a pdm-b)
VM_CASES=("VM: the patched kernel boots and runs the guest part")
for ns in "${VM_NS[@]}"; do
	VM_CASES+=(
		"VM $ns: nstat -az 'Pdm6*' shows the values of its /proc/net/pdm6"
		"VM $ns: nstat shows Pdm6OutPkts, Pdm6InPkts, Pdm6Flows, Pdm6FlowsCreated non-zero after pings"
		"VM $ns: nstat 'Pdm6*' shows the increments of /proc/net/pdm6 over more pings"
	)
done
VM_CASES+=("VM: no kernel report (WARN, lockdep, KASAN...) in the guest's log")
N_FAKE=$((${#PDM6[@]} / 2 + 9))

echo "TAP version 13"
echo "1..$((N_FAKE + ${#VM_CASES[@]}))"

n=0 failed=0
result() { # ok|fail|skip description [skip reason]
	n=$((n + 1))
	case $1 in
	ok) echo "ok $n $2" ;;
	skip) echo "ok $n $2 # SKIP $3" ;;
	*) echo "not ok $n $2"; failed=$((failed + 1)) ;;
	esac
}
diag() { sed 's/^/# /'; } # stdin as diagnostics

# Why nothing can be checked (nstat missing), if so.
broken=''
if [ -z "$nstat" ]; then
	if out=$("$TOP/scripts/build-iproute2.sh" 2>"$tmp/build.log"); then
		nstat=$out/misc/nstat
		echo "# nstat: $nstat"
	else
		tail -n 30 "$tmp/build.log" | diag
		broken="the iproute2 build failed"
	fi
fi
if [ -z "$broken" ] && [ ! -x "$nstat" ]; then
	broken="$nstat is not an executable"
fi
[ -z "$broken" ] || echo "# $broken: every case fails"

check() { # description command...: ok if the command succeeds
	local d=$1
	shift
	if [ -n "$broken" ]; then
		result fail "$d"
	elif "$@" >"$tmp/check.out" 2>&1; then
		result ok "$d"
	else
		diag <"$tmp/check.out"
		result fail "$d"
	fi
}

# ---- nstat on a fake /proc ---------------------------------------------------

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
	[ -z "$broken" ] || { : >"$tmp/out"; : >"$tmp/err"; return 0; }
	env -u PROC_NET_NETSTAT -u PROC_NET_SNMP -u PROC_NET_SNMP6 \
		-u PROC_NET_SCTP_SNMP -u PROC_NET_PDM6 \
		PROC_ROOT="$proc" NSTAT_HISTORY="$tmp/history" \
		${PDM6_ENV:+"$PDM6_ENV"} \
		"${ns[@]}" "$nstat" "$@" >"$tmp/out" 2>"$tmp/err"
}

# The "name value" pairs of nstat's output or of a pdm6 file, sorted;
# nstat's header and rate dropped.
pairs() { awk '!/^#/ && NF >= 2 { print $1, $2 }' "${1:-$tmp/out}" | LC_ALL=C sort; }
expect() { # name value...: the sorted pairs
	while [ $# -gt 0 ]; do
		echo "$1 $2"
		shift 2
	done | LC_ALL=C sort
}
same() { # file1 file2: equal, or show the difference
	diff -u "$1" "$2"
}
no_pdm6() { ! grep '^Pdm6' "$tmp/out"; }
no_stderr() { # rc: 0 and nothing on stderr
	[ "$1" -eq 0 ] || echo "exit status $1"
	cat "$tmp/err"
	[ "$1" -eq 0 ] && [ ! -s "$tmp/err" ]
}
has() { grep -E "$1" "$tmp/out" >/dev/null || { echo "no line matching '$1' in:"; cat "$tmp/out"; return 1; }; }

rc=0
run_nstat -az 'Pdm6*' || rc=$?
pairs >"$tmp/got"
check "nstat -az 'Pdm6*' runs without error" no_stderr "$rc"
for ((i = 0; i < ${#PDM6[@]}; i += 2)); do
	check "nstat -az 'Pdm6*' shows ${PDM6[i]} ${PDM6[i + 1]}" \
		grep -qxF "${PDM6[i]} ${PDM6[i + 1]}" "$tmp/got"
done
expect "${PDM6[@]}" >"$tmp/want"
check "nstat -az 'Pdm6*' shows the Pdm6 counters and nothing else" \
	same "$tmp/want" "$tmp/got"

run_nstat -az || true
check "nstat -az shows the other files' counters too" \
	has '^Ip6InReceives +7 '

run_nstat -azj 'Pdm6*' || true
check "nstat -azj 'Pdm6*' shows the counters in JSON" \
	has '"Pdm6InBadLen":2'

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
	has '^Pdm6InBadLen +42 '

# A kernel without PDM: no file, no error, the rest as before.
rm "$proc/net/pdm6"
rc=0
run_nstat -az || rc=$?
check "without net/pdm6: nstat -az exits 0, nothing on stderr" \
	no_stderr "$rc"
check "without net/pdm6: no Pdm6 counter shown" \
	no_pdm6
check "without net/pdm6: the other counters are shown" \
	has '^Ip6InReceives +7 '

[ "$n" -eq "$N_FAKE" ] || {
	echo "# BUG: $n fake /proc cases, N_FAKE says $N_FAKE"
	failed=$((failed + 1))
}

# ---- nstat on the patched kernel's /proc/net/pdm6, in the VM -----------------

# The VM's results, in the share directory.
vm=$tmp/share

# nstat -az shows exactly the pairs of /proc/net/pdm6, read just before
# and just after it (and unchanged meanwhile).
vm_same() { # ns
	local p=$vm/$1.abs
	same "$p.proc" "$p.proc2" || { echo "(/proc/net/pdm6 moved while nstat ran)"; return 1; }
	pairs "$p.proc" >"$p.want"
	[ -s "$p.want" ] || { echo "empty /proc/net/pdm6"; return 1; }
	pairs "$p.nstat" >"$p.got"
	same "$p.want" "$p.got"
}

# The counters that pings in both directions must move, as nstat shows them.
vm_nonzero() { # ns
	local c v bad=0
	for c in Pdm6OutPkts Pdm6InPkts Pdm6Flows Pdm6FlowsCreated; do
		v=$(awk -v c="$c" '$1 == c { print $2 }' "$vm/$1.abs.nstat")
		if ! [ "${v:-0}" -gt 0 ] 2>/dev/null; then
			echo "$c: ${v:-not shown}"
			bad=1
		fi
	done
	return $bad
}

# nstat (from a history) shows the counters that moved in /proc/net/pdm6
# between the history and its run, by as much; Pdm6OutPkts must be one.
vm_increments() { # ns
	local p=$vm/$1.inc
	same "$p.proc1" "$p.proc2" || { echo "(/proc/net/pdm6 moved while nstat ran)"; return 1; }
	awk 'NR == FNR { before[$1] = $2; next }
		$2 != before[$1] { print $1, $2 - before[$1] }' \
		"$p.proc0" "$p.proc1" | LC_ALL=C sort >"$p.want"
	grep -q '^Pdm6OutPkts ' "$p.want" || { echo "the pings moved no Pdm6OutPkts"; return 1; }
	pairs "$p.nstat" >"$p.got"
	same "$p.want" "$p.got"
}

# The guest's kernel log, read as it was written, holds no report.
no_reports() { # kmsg
	[ -s "$1" ] || { echo "no kernel log in $1"; return 1; }
	"$TOP/scripts/ktap.py" splats "$1"
}

vm_reason=''
if [ -n "$no_vm" ]; then
	for d in "${VM_CASES[@]}"; do
		result skip "$d" "VM cases not asked for (-V)"
	done
elif [ -n "$broken" ]; then
	vm_reason=$broken
elif [ ! -r "$kernel" ]; then
	vm_reason="no kernel image $kernel (build it with scripts/build-kernel.sh, pass another with -k, or skip these cases with -V)"
else
	echo "# booting $kernel"
	mkdir -p "$vm"
	cp "$nstat" "$vm/nstat"	# visible in the VM wherever NSTAT is
	rc=0
	(cd "$TOP" && "$TOP/scripts/vm-run.sh" -k "$kernel" -t 300 -S "$vm" \
		"bash $(printf '%q' "$TOP/scripts/test-iproute2-guest.sh") $(printf '%q' "$vm") $(printf '%q' "$vm/nstat")") \
		>"$tmp/vm.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ] && [ -e "$vm/done" ]; then
		result ok "${VM_CASES[0]}"
		i=1
		for ns in "${VM_NS[@]}"; do
			echo "# $ns /proc/net/pdm6: $(pairs "$vm/$ns.abs.proc" | tr ' ' '=' | paste -sd ' ')"
			echo "# $ns after more pings: $(pairs "$vm/$ns.inc.proc1" | tr ' ' '=' | paste -sd ' ')"
			check "${VM_CASES[i]}" vm_same "$ns"
			check "${VM_CASES[i + 1]}" vm_nonzero "$ns"
			check "${VM_CASES[i + 2]}" vm_increments "$ns"
			i=$((i + 3))
		done
		check "${VM_CASES[i]}" no_reports "$vm/.vm-run/kmsg"
	else
		tail -n 40 "$tmp/vm.log" | diag
		vm_reason="the VM run failed (vm-run.sh exit $rc)"
	fi
fi
if [ -n "$vm_reason" ]; then
	echo "# VM cases: $vm_reason"
	for d in "${VM_CASES[@]:$((n - N_FAKE))}"; do
		result fail "$d"
	done
fi

[ "$n" -eq "$((N_FAKE + ${#VM_CASES[@]}))" ] || {
	echo "# BUG: $n cases, the plan says $((N_FAKE + ${#VM_CASES[@]}))"
	failed=$((failed + 1))
}
echo "# $((n - failed)) passed or skipped, $failed failed"
[ "$failed" -eq 0 ]
