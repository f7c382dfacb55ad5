#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (see demo.sh): two namespaces over veth, 20 ms of
# delay on the server side, PDM on (PDMv2, the default), a few UDP
# request/response exchanges (the server waits 10 ms before it answers)
# and pings, captured and decoded; then what the kernel measured per
# flow, beside what the demo injected.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR   (run in the patched kernel's VM)"; }
[ "${1:-}" = "-h" ] && { usage; exit 0; }
out=${1:-${VM_SHARE:-/tmp}}
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
# ip with "ip pdm" (the iproute2 series), from demo.sh
IP=${PDM_IP:-ip}

sysctl -q net.ipv6.pdm.enabled >/dev/null 2>&1 || {
	echo "this kernel has no PDM (net.ipv6.pdm.enabled missing)" >&2
	exit 1
}
. "$here/guest-lib.sh"
guest_pair pdm-cli pdm-srv
for ns in pdm-cli pdm-srv; do
	ip netns exec $ns sysctl -qw net.ipv6.pdm.enabled=1
done
tc -n pdm-srv qdisc add dev veth0 root netem delay 20ms
guest_resolve

echo "== client 2001:db8::1 <-> server 2001:db8::2, server adds 20 ms one way"
ip netns exec pdm-cli tcpdump -q -i veth0 -U -w "$out/demo.pcap" ip6 2>/dev/null &
cap=$!
sleep 1

ip netns exec pdm-srv $PY -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8::2", 7007)); s.settimeout(10)
for _ in range(8):
    d, a = s.recvfrom(100); time.sleep(0.010); s.sendto(b"pong", a)
' &
srv=$!
sleep 0.5
ip netns exec pdm-cli $PY -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(8):
    s.sendto(b"ping", ("2001:db8::2", 7007)); s.recvfrom(100); time.sleep(0.05)
'
wait $srv
ip netns exec pdm-cli ping -6 -q -c 3 -i 0.2 2001:db8::2 >/dev/null
sleep 1		# let tcpdump write the last packets
kill $cap; wait $cap 2>/dev/null || true

$PY "$here/pdm-decode.py" "$out/demo.pcap"
echo
echo "== PDM counters of the client (its /proc/net/snmp6)"
ip netns exec pdm-cli grep '^Pdm6' /proc/net/snmp6
echo
echo "== ip -s pdm show (the client's state and the same counters, over netlink)"
$IP -n pdm-cli -s pdm show
echo
echo "== ip pdm policy: no PDM towards a prefix whose paths drop it"
$IP -n pdm-cli pdm policy add 2001:db8:bad::/48 mode off
$IP -n pdm-cli pdm policy add 2001:db8::2 mode v1
$IP -n pdm-cli pdm policy show
echo
echo "== ip pdm flow show: the client's flows, as the kernel measured them"
$IP -n pdm-cli pdm flow show
echo
echo "== injected: 20 ms of network delay (netem, one way), 10 ms of server wait"
$IP -n pdm-cli -j pdm flow show proto udp port 7007 | $PY -c '
import json, sys
f = json.load(sys.stdin)[0]
mean = lambda k: f[k]["sum"] / max(f[k]["count"], 1) / 1e6
print("measured by the client: RTT %.2f ms, server delay %.2f ms (%d exchanges)"
      % (mean("rtt"), mean("peer_delay"), f["rtt"]["count"]))
'
