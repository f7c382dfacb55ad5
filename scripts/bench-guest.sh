#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (see bench.sh): iperf3 between two namespaces over
# veth, once per PDM mode given. Prints one line per measurement:
#   RESULT <mode> <test> <bits/s> <pdm packets sent>
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 SECONDS MODE...   (run in the VM by bench.sh)
MODE: none (kernel without PDM), off (net.ipv6.pdm.enabled=0) or on (=1).
Tests: tcp (one stream), udp64 (64-byte datagrams, unlimited rate).
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -ge 2 ] || { usage >&2; exit 2; }
secs=$1
shift
PY=/usr/bin/python3

. "$(dirname "$0")/guest-lib.sh"
guest_pair b-cli b-srv
guest_resolve
ip netns exec b-srv iperf3 -s -D -B 2001:db8::2 >/dev/null
sleep 0.5

# Sum of Pdm6OutPkts of both namespaces (0 on a kernel without PDM).
pdm_out() {
	local n=0 ns v
	for ns in b-cli b-srv; do
		# shellcheck disable=SC2016 # an awk program
		v=$(ip netns exec $ns awk '$1 == "Pdm6OutPkts" { print $2 }' \
			/proc/net/snmp6 2>/dev/null || true)
		n=$((n + ${v:-0}))
	done
	echo $n
}

# bits/s received, from iperf3's JSON on stdin.
rate() {
	$PY -c '
import json, sys
e = json.load(sys.stdin)["end"]
s = e.get("sum_received") or e.get("sum")
print(int(s["bits_per_second"]))'
}

for mode in "$@"; do
	case $mode in
	none) ;;
	off | on)
		v=0
		[ "$mode" = on ] && v=1
		for ns in b-cli b-srv; do
			ip netns exec $ns sysctl -qw net.ipv6.pdm.enabled=$v
		done
		;;
	*) usage >&2; exit 2 ;;
	esac
	for t in tcp udp64; do
		opts=()
		[ $t = udp64 ] && opts=(-u -b 0 -l 64)
		before=$(pdm_out)
		r=$(ip netns exec b-cli iperf3 -J -c 2001:db8::2 -t "$secs" \
			"${opts[@]}" | rate)
		echo "RESULT $mode $t $r $(($(pdm_out) - before))"
	done
done
