#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where the CPUs go while iperf3 runs in the bench's topology: perf in the
# VM, per PDM mode and test. What a change to the per-packet path is
# measured against before it is made.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-t SECONDS] [-p PERCENT] MODE/TEST...
  -t SECONDS  length of each iperf3 run (default 10)
  -p PERCENT  list the symbols with at least this share of the samples
              (default 0.3)
MODE: off (net.ipv6.pdm.enabled=0), v1 (RFC 8250), v2 (PDMv2 in clear) or
v2p (protected PDMv2). TEST: udp64, tcp or tcp-sw, as in bench.sh.
Example: $0 off/udp64 v1/udp64 v2p/tcp
Boots the patched kernel that bench.sh builds (no debug options,
\$PDM_CACHE/build-x86_64-bench) and runs scripts/profile-guest.sh: for
each MODE/TEST, iperf3 between two namespaces over veth under
"perf record -a -e cpu-clock" (the emulated CPU has no PMU). Prints
iperf3's sender and receiver lines, the symbols over PERCENT of the
samples of both CPUs, and the share of PDM's functions and the AEAD's.
The VM runs under QEMU's TCG emulation: the shares mean more than the
rates, which are to be compared only within one run.
USAGE
}
secs=10 pct=0.3
while getopts ht:p: o; do
	case $o in
	t) secs=$OPTARG ;;
	p) pct=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { usage >&2; exit 2; }
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "SECONDS is a positive integer"
[[ $pct =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "PERCENT is a number"
for mt in "$@"; do
	[[ $mt =~ ^(off|v1|v2|v2p)/(udp64|tcp|tcp-sw)$ ]] ||
		die "$mt: not MODE/TEST (see -h)"
done
pdm_lock

"$TOP/scripts/setup.sh" >/dev/null
"$TOP/scripts/prepare-tree.sh" linux
kernel=$(bench_kernel)
iproute2=$("$TOP/scripts/build-iproute2.sh")

log "profiling $*"
"$TOP/scripts/vm-run.sh" -k "$kernel" -t $((600 + secs * 4 * $#)) \
	"PDM_IP=$iproute2/ip/ip bash $TOP/scripts/profile-guest.sh $secs $pct $*"
