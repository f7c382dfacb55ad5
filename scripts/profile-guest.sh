#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (see profile.sh): for each MODE/TEST, iperf3 between
# two namespaces over veth under "perf record -a", then where the CPUs
# went: iperf3's result, the top kernel and user symbols, and PDM's share.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 SECONDS PERCENT MODE/TEST...   (run in the VM by profile.sh)
MODE and TEST as bench-guest.sh has them. PERCENT: the smallest share of
the samples a symbol needs to be listed.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -ge 3 ] || { usage >&2; exit 2; }
secs=$1 pct=$2
shift 2
SRV=2001:db8::2

. "$(dirname "$0")/guest-lib.sh"
guest_iperf_pair p-cli p-srv

data=$(mktemp) out=$(mktemp)
for mt in "$@"; do
	mode=${mt%/*} t=${mt#*/}
	guest_pdm_mode "$mode"
	guest_iperf_test "$t"
	# cpu-clock: the emulated CPU has no PMU; 4 kHz on both CPUs.
	perf record -q -a -e cpu-clock -F 4000 -o "$data" -- \
		ip netns exec p-cli iperf3 -c $SRV -t "$secs" \
		"${GUEST_IPERF_OPTS[@]}" > "$out" 2>&1
	echo "=== $mode $t: iperf3 $(grep -E 'sender|receiver' "$out" |
		sed -E 's/^.*-[0-9.]+ +sec +//; s/ +/ /g' | paste -sd ';')"
	perf report -q -i "$data" --sort sym --stdio > "$out"
	awk -v p="$pct" '$1 + 0 >= p' "$out"
	# PDM's own functions, and the AEAD under protected PDMv2.
	awk '$3 ~ /pdm|aead|gcm|ghash|gf128mul|aes|crypto_ctr/ { s += $1; n++ }
	     END { printf "PDM and AEAD: %.2f%% of the samples, in %d functions\n", s, n }' "$out"
done
rm -f "$data" "$out"
