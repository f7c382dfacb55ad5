#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cost of PDM: iperf3 over veth in the VM on the unpatched base kernel and,
# in one boot, on the patched kernel in every PDM mode, alternating in
# rounds; then the per-packet costs from the series' KUnit timing cases.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-r ROUNDS] [-t SECONDS] [-n]
  -r ROUNDS   rounds of every mode (default 5)
  -t SECONDS  length of each iperf3 run (default 5)
  -n          no KUnit timing cases
Builds (cached) the x86_64 kernel of the base without the series
(\$PDM_CACHE/linux-base, \$PDM_CACHE/build-x86_64-base) and with it, both
without debug options, and iproute2 with "ip pdm". Boots the base once and
runs scripts/bench-guest.sh in mode "none"; boots the patched kernel once
and runs it in modes off (net.ipv6.pdm.enabled=0), v1 (RFC 8250), v2
(PDMv2 in clear) and v2p (protected PDMv2), the order rotated each round.
Tests, iperf3 between two namespaces over veth: udp64 (64-octet UDP
datagrams/s), tcp (one stream, default offloads: veth takes GSO packets
whole) and tcp-sw (TSO off on the sender's veth: the stack segments in
software; GRO on at the receiver's, which gets segments as from a NIC).
Prints per test and mode the median, min-max and the ratio to PDM off,
and the spread of the base and of PDM off. Then runs the KUnit timing
cases of the series under UML without debug options
(\$PDM_CACHE/build-uml-bench): per-packet cost of transmit, receive,
seal and open, and the bare gcm(aes) operation.
The VM runs under QEMU's TCG emulation: only ratios measured in one run
mean anything.
USAGE
}
rounds=5 secs=5 kunit=1
while getopts hr:t:n o; do
	case $o in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	n) kunit=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ ]] ||
	die "ROUNDS and SECONDS are positive integers"
pdm_lock

"$TOP/scripts/setup.sh" >/dev/null
"$TOP/scripts/prepare-tree.sh" linux
# Both kernels without the test kernel's debug options (lockdep & co. would
# be measured instead of PDM), with what the selftest needs from a kernel.
needs=$PDM_CACHE/linux/tools/testing/selftests/net/pdm/config
patched=$(bench_kernel)

# The base is the tree's pdm-base commit, in its own work tree and build
# directory so that neither build disturbs the other.
bsrc=$PDM_CACHE/linux-base
want=$(git -C "$PDM_CACHE/linux" rev-parse 'pdm-base^{commit}')
if [ "$(git -C "$bsrc" rev-parse HEAD 2>/dev/null)" != "$want" ]; then
	log "checking out the base in $bsrc"
	rm -rf "$bsrc"
	git clone -q --no-checkout "$PDM_CACHE/linux" "$bsrc"
	git -C "$bsrc" checkout -q --detach "$want"
fi
base=$("$TOP/scripts/build-kernel.sh" -s "$bsrc" -o "$PDM_CACHE/build-x86_64-base" -f "$needs")

iproute2=$("$TOP/scripts/build-iproute2.sh")

res=$(mktemp)
trap 'rm -f "$res"' EXIT
run() { # kernel label modes...
	local k=$1 label=$2
	shift 2
	log "$label kernel: $rounds rounds of modes $*"
	"$TOP/scripts/vm-run.sh" -k "$k" -t $((600 + rounds * secs * 20 * $#)) \
		"PDM_IP=$iproute2/ip/ip bash $TOP/scripts/bench-guest.sh $secs $rounds $*" |
		tee -a "$res"
	[ "${PIPESTATUS[0]}" = 0 ] || die "the $label run failed"
}
run "$base" base none
run "$patched" patched off v1 v2 v2p

echo "iperf3 between two namespaces over veth in a QEMU TCG guest (emulated:"
echo "only ratios within this run mean anything); $rounds rounds of $secs s, medians."
/usr/bin/python3 - "$res" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) == 5 and w[0] == "RESULT":
        runs.setdefault((w[1], w[2]), []).append((int(w[3]), int(w[4])))
bad = False
for (mode, test), v in sorted(runs.items()):
    pdm = [p for _, p in v]
    want = mode not in ("none", "off")
    if (want and not all(pdm)) or (not want and any(pdm)):
        print(f"unexpected PDM packet counts for {mode}/{test}: {pdm}")
        bad = True
modes = ("none", "off", "v1", "v2", "v2p")
tests = (("udp64", "UDP 64-octet datagrams/s", 1e3, "k"),
         ("tcp", "TCP, default offloads", 1e6, "M"),
         ("tcp-sw", "TCP, software GSO, GRO at the receiver", 1e6, "M"))
print("| test | " + " | ".join(modes) + " | " +
      " | ".join(m + "/off" for m in modes if m != "off") + " |")
print("| --- |" + " ---: |" * (2 * len(modes) - 1))
for test, name, div, unit in tests:
    if not all((m, test) in runs for m in modes):
        continue
    med = {m: statistics.median(b for b, _ in runs[(m, test)]) for m in modes}
    cells = []
    for m in modes:
        v = [b / div for b, _ in runs[(m, test)]]
        cells.append(f"{med[m] / div:.1f} ({min(v):.0f}-{max(v):.0f})")
    ratios = [f"{med[m] / med['off']:.3f}" for m in modes if m != "off"]
    print(f"| {name} ({unit}) | " + " | ".join(cells) + " | " +
          " | ".join(ratios) + " |")
print()
for test, name, _, _ in tests:
    if ("none", test) in runs and ("off", test) in runs:
        spread = {}
        for m in ("none", "off"):
            v = [b for b, _ in runs[(m, test)]]
            spread[m] = (max(v) - min(v)) / statistics.median(v)
        print(f"{name}: spread (max-min over median) none {spread['none']:.1%},"
              f" off {spread['off']:.1%}")
sys.exit(1 if bad else 0)
PY

[ "$kunit" = 1 ] || exit 0
echo
echo "Per-packet costs, KUnit timing cases under UML (native, no debug options):"
ksrc=$PDM_CACHE/linux
(cd "$ksrc" && /usr/bin/python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=net/ipv6/.kunitconfig --build_dir="$PDM_CACHE/build-uml-bench" \
	--jobs="$(nproc)" --raw_output=kunit '*.pdm_test_*cost*') > "$res" 2>&1 ||
	{ tail -n 20 "$res"; die "the KUnit timing cases failed"; }
sed -n 's/^.*# pdm_test_[a-z_]*cost[a-z_]*: //p' "$res"
