#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo: set up, build the patched kernel, boot it in QEMU and show a
# PDM exchange between two hosts (network namespaces), decoded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0
Installs what is missing, builds the x86_64 test kernel with the series
(cached), boots it with scripts/vm-run.sh and runs scripts/demo-guest.sh:
UDP request/response (a server that waits 10 ms) and pings over a veth
pair with 20 ms of delay, each packet's PDM fields, and the server delay
and round trip derived from them; then the client's PDM state and
counters and a policy entry, through "ip pdm" of the iproute2 series
(built, cached), and last the flows as the kernel measured them (ip pdm
flow show), beside what the demo injected. The capture is left in
\$PDM_CACHE/demo/demo.pcap.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
pdm_lock

"$TOP/scripts/setup.sh" >/dev/null
"$TOP/scripts/prepare-tree.sh" linux
kernel=$("$TOP/scripts/build-kernel.sh")
iproute2=$("$TOP/scripts/build-iproute2.sh")
"$TOP/scripts/vm-run.sh" -k "$kernel" -t 600 -S "$PDM_CACHE/demo" \
	"PDM_IP=$iproute2/ip/ip bash $TOP/scripts/demo-guest.sh"
