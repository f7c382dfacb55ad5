#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that nstat reads the IPv6 PDM counters, the Pdm6* lines of
# /proc/net/snmp6, with no change to nstat: the nstat built from the
# iproute2 series and Debian's /usr/bin/nstat on a fake /proc (PROC_ROOT)
# with known values, and the built one against the real /proc/net/snmp6
# of the patched kernel in the VM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEBIAN_NSTAT=/usr/bin/nstat

usage() {
	cat <<USAGE
usage: $0 [-h] [-b NSTAT] [-k BZIMAGE] [-V]
  -b NSTAT    nstat binary to test instead of misc/nstat of
              build-iproute2.sh (which is then not run)
  -k BZIMAGE  patched kernel for the VM cases (default
              \$PDM_CACHE/build-x86_64/arch/x86/boot/bzImage, as built by
              scripts/build-kernel.sh; it is not built here)
  -V          skip the VM cases (reported as skipped)
The fake /proc cases run nstat on a made-up net/snmp6 (Ip6*, Icmp6*,
Udp6*, UdpLite6* lines, then the eighteen Pdm6* lines) with known values,
once with the nstat under test and once with Debian's $DEBIAN_NSTAT
(unpatched: it must show them too), unless that is the nstat under test.
The ip pdm cases run the built ip (the series' ip pdm) on the host: its
argument checks, which must refuse bad input before any netlink request.
The VM cases boot BZIMAGE with scripts/vm-run.sh and run
scripts/test-iproute2-guest.sh: two namespaces over veth with
net.ipv6.pdm.enabled=1 ping each other; each namespace's /proc/net/snmp6
must have the eighteen Pdm6* lines, in order, after the UdpLite6* lines, and
there the nstat under test must show their values, non-zero where traffic
was sent, and, from a history, their increments.
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

# The PDM counters of the kernel series, in its order, with made-up values.
PDM6=(
	Pdm6OutPkts 120
	Pdm6OutSkipped 3
	Pdm6InPkts 118
	Pdm6InMalformed 2
	Pdm6FlowsCreated 5
	Pdm6FlowsExpired 2
	Pdm6FlowsEvicted 1
	Pdm6FlowsNoMem 0
	Pdm6SockFlows 4
	Pdm6OutProtected 60
	Pdm6OutNoKey 1
	Pdm6InProtected 58
	Pdm6InAuthFailed 6
	Pdm6InNoKey 2
	Pdm6InReplayed 1
	Pdm6InUnprotected 3
	Pdm6MonitorRecords 40
	Pdm6MonitorLimited 7
)
PDM6_NAMES=()
for ((i = 0; i < ${#PDM6[@]}; i += 2)); do PDM6_NAMES+=("${PDM6[i]}"); done
# The lines before them in a 6.12 kernel's snmp6, after a few pings.
SNMP6=(
	Ip6InReceives 241 Ip6InHdrErrors 0 Ip6InTooBigErrors 0
	Ip6InNoRoutes 0 Ip6InAddrErrors 0 Ip6InUnknownProtos 0
	Ip6InTruncatedPkts 0 Ip6InDiscards 0 Ip6InDelivers 233
	Ip6OutForwDatagrams 0 Ip6OutRequests 236 Ip6OutDiscards 0
	Ip6OutNoRoutes 0 Ip6ReasmTimeout 0 Ip6ReasmReqds 0 Ip6ReasmOKs 0
	Ip6ReasmFails 0 Ip6FragOKs 0 Ip6FragFails 0 Ip6FragCreates 0
	Ip6InMcastPkts 8 Ip6OutMcastPkts 12 Ip6InOctets 25064
	Ip6OutOctets 24512 Ip6InMcastOctets 576 Ip6OutMcastOctets 864
	Ip6InBcastOctets 0 Ip6OutBcastOctets 0 Ip6InNoECTPkts 241
	Ip6InECT1Pkts 0 Ip6InECT0Pkts 0 Ip6InCEPkts 0 Ip6OutTransmits 236
	Icmp6InMsgs 125 Icmp6InErrors 0 Icmp6OutMsgs 128 Icmp6OutErrors 0
	Icmp6InCsumErrors 0 Icmp6OutRateLimitHost 0
	Icmp6InDestUnreachs 0 Icmp6InPktTooBigs 0 Icmp6InTimeExcds 0
	Icmp6InParmProblems 0 Icmp6InEchos 58 Icmp6InEchoReplies 58
	Icmp6InGroupMembQueries 0 Icmp6InGroupMembResponses 0
	Icmp6InGroupMembReductions 0 Icmp6InRouterSolicits 0
	Icmp6InRouterAdvertisements 0 Icmp6InNeighborSolicits 5
	Icmp6InNeighborAdvertisements 4 Icmp6InRedirects 0
	Icmp6InMLDv2Reports 0 Icmp6OutDestUnreachs 0 Icmp6OutPktTooBigs 0
	Icmp6OutTimeExcds 0 Icmp6OutParmProblems 0 Icmp6OutEchos 58
	Icmp6OutEchoReplies 58 Icmp6OutGroupMembQueries 0
	Icmp6OutGroupMembResponses 0 Icmp6OutGroupMembReductions 0
	Icmp6OutRouterSolicits 0 Icmp6OutRouterAdvertisements 0
	Icmp6OutNeighborSolicits 4 Icmp6OutNeighborAdvertisements 5
	Icmp6OutRedirects 0 Icmp6OutMLDv2Reports 3
	Icmp6InType128 58 Icmp6InType129 58 Icmp6InType135 5
	Icmp6InType136 4 Icmp6OutType128 58 Icmp6OutType129 58
	Icmp6OutType135 4 Icmp6OutType136 5 Icmp6OutType143 3
	Udp6InDatagrams 108 Udp6NoPorts 0 Udp6InErrors 0
	Udp6OutDatagrams 108 Udp6RcvbufErrors 0 Udp6SndbufErrors 0
	Udp6InCsumErrors 0 Udp6IgnoredMulti 0 Udp6MemErrors 0
	UdpLite6InDatagrams 0 UdpLite6NoPorts 0 UdpLite6InErrors 0
	UdpLite6OutDatagrams 0 UdpLite6RcvbufErrors 0 UdpLite6SndbufErrors 0
	UdpLite6InCsumErrors 0 UdpLite6MemErrors 0
)

# The nstats of the fake /proc cases: LABELS[i] names NSTATS[i] in the
# cases' descriptions; the first is the one under test, also in the VM.
if [ -n "$nstat" ]; then
	LABELS=("$nstat")
else
	LABELS=("built nstat")
fi
NSTATS=("$nstat")
if [ "$(readlink -f "$nstat" 2>/dev/null)" != "$(readlink -f "$DEBIAN_NSTAT")" ]; then
	LABELS+=("$DEBIAN_NSTAT")
	NSTATS+=("$DEBIAN_NSTAT")
fi
N_PER_NSTAT=$((${#PDM6_NAMES[@]} + 5))
N_FAKE=$((N_PER_NSTAT * ${#NSTATS[@]}))

# The namespaces of test-iproute2-guest.sh.
VM_NS=(pdm-a pdm-b)
VM_CASES=(
	"VM: the patched kernel boots and runs the guest part"
	"VM: /proc/net/snmp6 of each namespace has the ${#PDM6_NAMES[@]} Pdm6* lines, in order, right after the UdpLite6* lines"
)
for ns in "${VM_NS[@]}"; do
	VM_CASES+=(
		"VM $ns: nstat -az 'Pdm6*' shows the values of the Pdm6* lines of its /proc/net/snmp6"
		"VM $ns: nstat shows Pdm6OutPkts, Pdm6InPkts, Pdm6FlowsCreated non-zero after pings"
		"VM $ns: nstat 'Pdm6*' shows the increments of the Pdm6* lines over more pings"
	)
done
VM_CASES+=("VM: no kernel report (WARN, lockdep, KASAN...) in the guest's log")

# ip pdm's own argument checks: no kernel needed, none reaches netlink.
IP_CASES=(
	"ip pdm help: usage with show and policy add, del, show, flush"
	"ip pdm policy add with an unknown mode: refused, naming the modes"
	"ip pdm policy add without a mode: refused"
	"ip pdm policy add with an IPv4 prefix: refused"
	"ip pdm with an unknown command: refused, pointing to ip pdm help"
	"ip pdm help: usage with flow show, flow flush, monitor and FILTER"
	"ip pdm flow show with port 0 or a bad protocol: refused"
	"ip pdm flow flush with an IPv4 prefix or a stray word: refused"
)
N_IP=${#IP_CASES[@]}

echo "TAP version 13"
echo "1..$((N_FAKE + N_IP + ${#VM_CASES[@]}))"

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

# Why the nstat under test cannot be checked (build failed), if so.
broken=''
if [ -z "$nstat" ]; then
	if out=$("$TOP/scripts/build-iproute2.sh" 2>"$tmp/build.log"); then
		nstat=$out/misc/nstat
		ipbin=$out/ip/ip
		NSTATS[0]=$nstat
		echo "# built nstat: $nstat"
	else
		tail -n 30 "$tmp/build.log" | diag
		broken="the iproute2 build failed"
	fi
fi
nstat_broken() { # nstat: why it cannot be run, if so
	if [ -n "$broken" ] && [ "$1" = "${NSTATS[0]}" ]; then
		echo "$broken"
	elif [ ! -x "$1" ]; then
		echo "$1 is not an executable"
	fi
}
[ -z "$broken" ] || echo "# $broken: every case of the built nstat fails"

# The reason every check fails without running, if set.
cant=''
check() { # description command...: ok if the command succeeds
	local d=$1
	shift
	if [ -n "$cant" ]; then
		result fail "$d"
	elif "$@" >"$tmp/check.out" 2>&1; then
		result ok "$d"
	else
		diag <"$tmp/check.out"
		result fail "$d"
	fi
}

# ---- nstat on a fake /proc ---------------------------------------------------

write_snmp6() { # name value...: net/snmp6 of the fake /proc, the kernel's format
	printf '%-32s\t%s\n' "$@" >"$proc/net/snmp6"
}

proc=$tmp/proc
mkdir -p "$proc/net"
# The other files nstat reads, as a kernel without SCTP has them.
printf 'Ip: Forwarding InReceives\nIp: 2 11\n' >"$proc/net/snmp"
printf 'TcpExt: SyncookiesSent\nTcpExt: 4\n' >"$proc/net/netstat"

# An nstat daemon (nstat -d) serves its counters on an abstract unix
# socket and nstat would read those instead of the files. Abstract
# sockets belong to the network namespace, so run in a fresh one.
ns=()
unshare -n true 2>/dev/null && ns=(unshare -n)

run_nstat() { # nstat args...: stdout to $tmp/out, stderr to $tmp/err
	local bin=$1
	shift
	[ -z "$cant" ] || { : >"$tmp/out"; : >"$tmp/err"; return 0; }
	env -u PROC_NET_NETSTAT -u PROC_NET_SNMP -u PROC_NET_SNMP6 \
		-u PROC_NET_SCTP_SNMP \
		PROC_ROOT="$proc" NSTAT_HISTORY="$tmp/history" \
		"${ns[@]}" "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
}

# The "name value" lines of nstat's output or of an snmp6 file, in their
# order; nstat's header and rate dropped. pdm_pairs: the Pdm6 ones.
pairs() { awk '!/^#/ && NF >= 2 { print $1, $2 }' "${1:-$tmp/out}"; }
pdm_pairs() { pairs "$1" | grep '^Pdm6' || true; }
expect() { # name value...: one pair a line, in that order
	printf '%s %s\n' "$@"
}
same() { # file1 file2: equal, or show the difference
	diff -u "$1" "$2"
}
no_stderr() { # rc: 0 and nothing on stderr
	[ "$1" -eq 0 ] || echo "exit status $1"
	cat "$tmp/err"
	[ "$1" -eq 0 ] && [ ! -s "$tmp/err" ]
}
subset() { # want got: every line of want is in got
	local missing
	missing=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2"))
	[ -z "$missing" ] || { echo "missing:"; echo "$missing"; return 1; }
}
json_is() { # want: nstat -j's output holds exactly these pairs, in order
	python3 - "$1" "$tmp/out" <<'PY'
import json, sys
want = [tuple(l.split()) for l in open(sys.argv[1])]
got = json.load(open(sys.argv[2]))["kernel"]
got = [(k, str(v)) for k, v in got.items()]
if got != [(k, v) for k, v in want]:
    print("want", want)
    print("got ", got)
    sys.exit(1)
PY
}

for i in "${!NSTATS[@]}"; do
	bin=${NSTATS[i]} l=${LABELS[i]}
	cant=$(nstat_broken "$bin")
	[ -z "$cant" ] || echo "# $l: $cant"
	echo "# $l: a fake /proc/net/snmp6 with the Pdm6* lines"
	write_snmp6 "${SNMP6[@]}" "${PDM6[@]}"
	rm -f "$tmp/history"

	rc=0
	run_nstat "$bin" -az 'Pdm6*' || rc=$?
	pairs >"$tmp/got"
	check "$l: nstat -az 'Pdm6*' runs without error" no_stderr "$rc"
	for ((j = 0; j < ${#PDM6[@]}; j += 2)); do
		check "$l: nstat -az 'Pdm6*' shows ${PDM6[j]} ${PDM6[j + 1]}" \
			grep -qxF "${PDM6[j]} ${PDM6[j + 1]}" "$tmp/got"
	done
	expect "${PDM6[@]}" >"$tmp/want"
	check "$l: nstat -az 'Pdm6*' shows the ${#PDM6_NAMES[@]} Pdm6* counters, in order, and nothing else" \
		same "$tmp/want" "$tmp/got"

	run_nstat "$bin" -azj 'Pdm6*' || true
	check "$l: nstat -azj 'Pdm6*' shows them in JSON" json_is "$tmp/want"

	run_nstat "$bin" -az || true
	expect "${SNMP6[@]}" >"$tmp/want"
	pairs >"$tmp/got"
	check "$l: nstat -az still shows the Ip6*, Icmp6*, Udp6*, UdpLite6* counters with their values" \
		subset "$tmp/want" "$tmp/got"

	# History: nstat without -a prints the increments since its last run.
	rm -f "$tmp/history"
	run_nstat "$bin" -n || true
	write_snmp6 Ip6InReceives 290 "${SNMP6[@]:2}" \
		Pdm6OutPkts 150 Pdm6OutSkipped 5 Pdm6InPkts 119 Pdm6InMalformed 2 \
		Pdm6FlowsCreated 6 Pdm6FlowsExpired 3 Pdm6FlowsEvicted 1 \
		Pdm6FlowsNoMem 4 Pdm6SockFlows 6 Pdm6OutProtected 60 \
		Pdm6OutNoKey 1 Pdm6InProtected 58 Pdm6InAuthFailed 6 \
		Pdm6InNoKey 2 Pdm6InReplayed 1 Pdm6InUnprotected 3 \
		Pdm6MonitorRecords 40 Pdm6MonitorLimited 9
	run_nstat "$bin" 'Pdm6*' || true
	pairs >"$tmp/got"
	expect Pdm6OutPkts 30 Pdm6OutSkipped 2 Pdm6InPkts 1 Pdm6FlowsCreated 1 \
		Pdm6FlowsExpired 1 Pdm6FlowsNoMem 4 Pdm6SockFlows 2 \
		Pdm6MonitorLimited 2 >"$tmp/want"
	check "$l: nstat 'Pdm6*' shows the increments since its history, and nothing else" \
		same "$tmp/want" "$tmp/got"
done
cant=''

[ "$n" -eq "$N_FAKE" ] || {
	echo "# BUG: $n fake /proc cases, N_FAKE says $N_FAKE"
	failed=$((failed + 1))
}

# ---- ip pdm's arguments --------------------------------------------------------

# Usage: ip_refuses WANT ARGS...: ip ARGS fails, saying WANT (an ERE),
# before it talks to the kernel (this host's has no pdm family, which ip
# would report).
ip_refuses() {
	local want=$1 rc=0
	shift
	"$ipbin" "$@" >"$tmp/ip.out" 2>&1 || rc=$?
	cat "$tmp/ip.out"
	[ "$rc" -ne 0 ] || { echo "exit 0"; return 1; }
	grep -Eq "$want" "$tmp/ip.out" || { echo "no /$want/ in the output"; return 1; }
	# None reached the kernel: the host's lacks the family, and would say so.
	! grep -q 'generic netlink family' "$tmp/ip.out"
}

ip_help() {
	local c
	"$ipbin" pdm help >"$tmp/ip.out" 2>&1
	cat "$tmp/ip.out"
	for c in "ip pdm \\[ show \\]" "policy add PREFIX mode MODE" \
		"policy del PREFIX" "policy \\[ show \\]" "policy flush" \
		"MODE := \\{ off \\| v1 \\| v2 \\}"; do
		grep -Eq "$c" "$tmp/ip.out" || { echo "no /$c/"; return 1; }
	done
}

ip_help_flow() {
	local c
	"$ipbin" pdm help >"$tmp/ip.out" 2>&1
	cat "$tmp/ip.out"
	for c in "ip pdm flow \\[ show \\] \\[ FILTER \\]" \
		"ip pdm flow flush \\[ FILTER \\]" "ip pdm monitor" \
		"FILTER := \\[ prefix PREFIX \\] \\[ port PORT \\] \\[ proto PROTO \\]"; do
		grep -Eq "$c" "$tmp/ip.out" || { echo "no /$c/"; return 1; }
	done
}

# Usage: ip_refuses_all WANT... -- ARGS... [-- ARGS...]: each ip ARGS is
# refused, saying the WANT of the same place.
ip_refuses_all() {
	local -a want=() args=()
	local i=0
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	while [ $# -gt 0 ]; do
		args=()
		while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
		[ $# -eq 0 ] || shift
		ip_refuses "${want[i]}" "${args[@]}" || return 1
		i=$((i + 1))
	done
}

if [ -z "${ipbin:-}" ]; then
	for d in "${IP_CASES[@]}"; do
		result skip "$d" "ip not built (-b NSTAT given)"
	done
else
[ -x "$ipbin" ] || { cant="no $ipbin"; echo "# ip pdm cases: $cant"; }
check "${IP_CASES[0]}" ip_help
check "${IP_CASES[1]}" ip_refuses 'mode must be "off", "v1" or "v2"' \
	pdm policy add 2001:db8::/32 mode v3
check "${IP_CASES[2]}" ip_refuses '"mode" is required' \
	pdm policy add 2001:db8::/32
check "${IP_CASES[3]}" ip_refuses 'inet6 prefix is expected' \
	pdm policy add 10.0.0.0/8 mode v1
check "${IP_CASES[4]}" ip_refuses 'unknown, try "ip pdm help"' pdm bogus
check "${IP_CASES[5]}" ip_help_flow
check "${IP_CASES[6]}" ip_refuses_all 'port must be 1..65535' \
	'proto must be a protocol name or 1..255' -- \
	pdm flow show port 0 -- pdm flow show proto nosuchproto
check "${IP_CASES[7]}" ip_refuses_all 'inet6 prefix is expected' \
	'unexpected argument' -- \
	pdm flow flush prefix 10.0.0.0/8 -- pdm flow flush bogus
cant=''
fi

# ---- nstat on the patched kernel's /proc/net/snmp6, in the VM ----------------

# The VM's results, in the share directory.
vm=$tmp/share

# The Pdm6 lines of each namespace's snmp6: these names, in this order,
# together, right after the UdpLite6 lines.
vm_layout() {
	local ns
	for ns in "${VM_NS[@]}"; do
		awk -v ns="$ns" -v want="${PDM6_NAMES[*]}" '
			$1 ~ /^Pdm6/ {
				if (!first) { first = NR; before = prev }
				last = NR
				got = got (got == "" ? "" : " ") $1
			}
			{ prev = $1 }
			END {
				bad = 0
				if (got != want) {
					print ns ": Pdm6* lines " (got == "" ? "(none)" : got)
					print ns ": expected " want
					bad = 1
				} else if (last - first + 1 != split(want, w, " ")) {
					print ns ": the Pdm6* lines are not together"
					bad = 1
				}
				if (got != "" && before !~ /^UdpLite6/) {
					print ns ": the Pdm6* lines follow " (before == "" ? "nothing" : before) ", not a UdpLite6* line"
					bad = 1
				}
				exit bad
			}' "$vm/$ns.abs.proc" || return 1
	done
}

# nstat -az 'Pdm6*' shows exactly the Pdm6 lines of /proc/net/snmp6, read
# just before and just after it (and unchanged meanwhile).
vm_same() { # ns
	local p=$vm/$1.abs
	pdm_pairs "$p.proc" >"$p.want"
	pdm_pairs "$p.proc2" >"$p.want2"
	same "$p.want" "$p.want2" || { echo "(the Pdm6* lines moved while nstat ran)"; return 1; }
	[ -s "$p.want" ] || { echo "no Pdm6* line in /proc/net/snmp6"; return 1; }
	pairs "$p.nstat" >"$p.got"
	same "$p.want" "$p.got"
}

# The counters that pings in both directions must move, as nstat shows them.
vm_nonzero() { # ns
	local c v bad=0
	for c in Pdm6OutPkts Pdm6InPkts Pdm6FlowsCreated; do
		v=$(awk -v c="$c" '$1 == c { print $2 }' "$vm/$1.abs.nstat")
		if ! [ "${v:-0}" -gt 0 ] 2>/dev/null; then
			echo "$c: ${v:-not shown}"
			bad=1
		fi
	done
	return $bad
}

# nstat (from a history) shows the Pdm6 lines that moved in snmp6 between
# the history and its run, by as much; Pdm6OutPkts must be one.
vm_increments() { # ns
	local p=$vm/$1.inc
	pdm_pairs "$p.proc0" >"$p.0"
	pdm_pairs "$p.proc1" >"$p.1"
	pdm_pairs "$p.proc2" >"$p.2"
	same "$p.1" "$p.2" || { echo "(the Pdm6* lines moved while nstat ran)"; return 1; }
	awk 'NR == FNR { before[$1] = $2; next }
		$2 != before[$1] { print $1, $2 - before[$1] }' \
		"$p.0" "$p.1" >"$p.want"
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
elif [ -n "$(nstat_broken "$nstat")" ]; then
	vm_reason=$(nstat_broken "$nstat")
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
		check "${VM_CASES[1]}" vm_layout
		i=2
		for ns in "${VM_NS[@]}"; do
			echo "# $ns Pdm6*: $(pdm_pairs "$vm/$ns.abs.proc" | tr ' ' '=' | paste -sd ' ')"
			echo "# $ns after more pings: $(pdm_pairs "$vm/$ns.inc.proc1" | tr ' ' '=' | paste -sd ' ')"
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
	for d in "${VM_CASES[@]:$((n - N_FAKE - N_IP))}"; do
		result fail "$d"
	done
fi

[ "$n" -eq "$((N_FAKE + N_IP + ${#VM_CASES[@]}))" ] || {
	echo "# BUG: $n cases, the plan says $((N_FAKE + N_IP + ${#VM_CASES[@]}))"
	failed=$((failed + 1))
}
echo "# $((n - failed)) passed or skipped, $failed failed"
[ "$failed" -eq 0 ]
