#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cost of PDM: iperf3 over veth in the VM on the unpatched base kernel and
# on the patched kernel with PDM off and on, in alternating rounds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-r ROUNDS] [-t SECONDS]
  -r ROUNDS   boots of each kernel, alternating (default 5)
  -t SECONDS  length of each iperf3 run (default 5)
Builds (cached) the x86_64 test kernel of the base without the series
(\$PDM_CACHE/linux-base, \$PDM_CACHE/build-x86_64-base) and with it, then
in each round boots both and runs scripts/bench-guest.sh: one TCP stream
and a stream of 64-byte UDP datagrams between two namespaces, on the base
("none") and on the patched kernel with net.ipv6.pdm.enabled=0 ("off")
and =1 ("on"). Prints each result, then per test the median over the
rounds, the spread of the base (max-min over median: the noise floor of
this machine) and the ratios off/none and on/none.
Under QEMU's TCG only ratios measured in one run mean anything.
USAGE
}
rounds=5 secs=5
while getopts hr:t: o; do
	case $o in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
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
patched=$("$TOP/scripts/build-kernel.sh" -o "$PDM_CACHE/build-x86_64-bench" -f "$needs")

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

res=$(mktemp)
trap 'rm -f "$res"' EXIT
run() { # kernel label modes...
	local k=$1 label=$2
	shift 2
	log "round $r: $label kernel, modes $*"
	"$TOP/scripts/vm-run.sh" -k "$k" -t 600 \
		"bash $TOP/scripts/bench-guest.sh $secs $*" | tee -a "$res"
	[ "${PIPESTATUS[0]}" = 0 ] || die "the $label run failed"
}
for r in $(seq "$rounds"); do
	# Alternate the order so that a drift of the host hits both alike.
	if [ $((r % 2)) = 1 ]; then
		run "$base" base none
		run "$patched" patched off on
	else
		run "$patched" patched off on
		run "$base" base none
	fi
done

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
    if (mode == "on") != all(p > 0 for p in pdm) or (mode != "on" and any(pdm)):
        print(f"unexpected PDM packet counts for {mode}/{test}: {pdm}")
        bad = True
print(f"{'test':6} {'none Mbit/s':>12} {'off Mbit/s':>11} {'on Mbit/s':>10}"
      f" {'base spread':>11} {'off/none':>9} {'on/none':>8}")
for test in ("tcp", "udp64"):
    med = {m: statistics.median(b for b, _ in runs[(m, test)]) / 1e6
           for m in ("none", "off", "on")}
    nb = [b / 1e6 for b, _ in runs[("none", test)]]
    spread = (max(nb) - min(nb)) / med["none"]
    print(f"{test:6} {med['none']:12.1f} {med['off']:11.1f} {med['on']:10.1f}"
          f" {spread:10.1%} {med['off'] / med['none']:9.3f}"
          f" {med['on'] / med['none']:8.3f}")
sys.exit(1 if bad else 0)
PY
