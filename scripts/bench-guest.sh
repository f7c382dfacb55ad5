#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (see bench.sh): iperf3 between two namespaces over
# veth, in rounds, each round every mode given in a rotated order. Prints
# one line per measurement:
#   RESULT <mode> <test> <rate> <pdm packets sent>
# <rate>: datagrams/s received for udp64, bits/s received for the others.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 SECONDS ROUNDS MODE...   (run in the VM by bench.sh)
MODE: none (a kernel without PDM), off (net.ipv6.pdm.enabled=0), v1
(RFC 8250), v2 (PDMv2 in clear) or v2p (protected PDMv2: an AES-128-GCM
key each way, through ip pdm key; \$PDM_IP names an ip with "ip pdm").
Tests: udp64 (64-octet UDP datagrams, unlimited rate), tcp (one stream,
default offloads: veth takes GSO packets whole), tcp-sw (one stream, TSO
off on the sender's veth: the stack segments in software before it, and
GRO on at the receiver's, which gets the segments as from a NIC).
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -ge 3 ] || { usage >&2; exit 2; }
secs=$1 rounds=$2
shift 2
PY=/usr/bin/python3
SRV=2001:db8::2

. "$(dirname "$0")/guest-lib.sh"
guest_iperf_pair b-cli b-srv

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

# The rate from iperf3's JSON on stdin: datagrams/s for UDP, else bits/s,
# as the receiver counted.
rate() {
	$PY -c '
import json, sys
e = json.load(sys.stdin)["end"]
s = e.get("sum_received") or e.get("sum")
if sys.argv[1] == "udp64":
    print(int((s["packets"] - s.get("lost_packets", 0)) / s["seconds"]))
else:
    print(int(s["bits_per_second"]))' "$1"
}

for mode in "$@"; do
	case $mode in
	none | off | v1 | v2 | v2p) ;;
	*) usage >&2; exit 2 ;;
	esac
done

modes=("$@")
for r in $(seq "$rounds"); do
	# Rotate the order each round: a drift hits every mode alike.
	n=${#modes[@]}
	for i in $(seq 0 $((n - 1))); do
		mode=${modes[$(((i + r) % n))]}
		guest_pdm_mode "$mode"
		for t in udp64 tcp tcp-sw; do
			guest_iperf_test $t
			before=$(pdm_out)
			v=$(ip netns exec b-cli iperf3 -J -c $SRV -t "$secs" \
				"${GUEST_IPERF_OPTS[@]}" | rate $t)
			echo "RESULT $mode $t $v $(($(pdm_out) - before))"
		done
	done
done
