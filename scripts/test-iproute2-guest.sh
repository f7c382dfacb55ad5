#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (see test-iproute2.sh): two namespaces over veth with
# PDM on, IPv6 pings both ways, then per namespace /proc/net/snmp6 (where
# the Pdm6* counters are) and what NSTAT shows, written to OUTDIR for
# test-iproute2.sh to compare.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 OUTDIR NSTAT   (run in the patched kernel's VM by test-iproute2.sh)
Writes, for each namespace NS (pdm-a 2001:db8::1, pdm-b 2001:db8::2):
  NS.abs.proc, NS.abs.nstat, NS.abs.proc2
      /proc/net/snmp6, 'nstat -az Pdm6*', /proc/net/snmp6 again, after pings
  NS.inc.proc0, NS.inc.proc1, NS.inc.nstat, NS.inc.proc2
      /proc/net/snmp6 when the nstat history was taken ('nstat -n'), then
      after more pings, 'nstat Pdm6*' (the increments), /proc/net/snmp6
and OUTDIR/done last.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -eq 2 ] || { usage >&2; exit 2; }
out=$1 nstat=$2
NS=(pdm-a pdm-b)

sysctl -q net.ipv6.pdm.enabled >/dev/null 2>&1 || {
	echo "this kernel has no PDM (net.ipv6.pdm.enabled missing)" >&2
	exit 1
}
# shellcheck source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
guest_pair "${NS[@]}"
for ns in "${NS[@]}"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.pdm.enabled=1
	# No flow may expire while the counters are compared.
	ip netns exec "$ns" sysctl -qw net.ipv6.pdm.flow_timeout=3600
done
guest_resolve

pings() { # count
	ip netns exec pdm-a ping -6 -q -c "$1" -i 0.2 -W 5 2001:db8::2 >/dev/null
	ip netns exec pdm-b ping -6 -q -c "$1" -i 0.2 -W 5 2001:db8::1 >/dev/null
}
in_ns() { # ns file command...: the command's stdout to OUTDIR/file
	local ns=$1 f=$2
	shift 2
	ip netns exec "$ns" env NSTAT_HISTORY="$out/$ns.history" "$@" >"$out/$f"
}

pings 4
for ns in "${NS[@]}"; do
	in_ns "$ns" "$ns.abs.proc" cat /proc/net/snmp6
	in_ns "$ns" "$ns.abs.nstat" "$nstat" -az 'Pdm6*'
	in_ns "$ns" "$ns.abs.proc2" cat /proc/net/snmp6
	rm -f "$out/$ns.history"
	in_ns "$ns" "$ns.inc.nstat0" "$nstat" -n
	in_ns "$ns" "$ns.inc.proc0" cat /proc/net/snmp6
done
pings 3
for ns in "${NS[@]}"; do
	in_ns "$ns" "$ns.inc.proc1" cat /proc/net/snmp6
	in_ns "$ns" "$ns.inc.nstat" "$nstat" 'Pdm6*'
	in_ns "$ns" "$ns.inc.proc2" cat /proc/net/snmp6
done
: >"$out/done"
