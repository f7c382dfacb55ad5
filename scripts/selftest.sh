#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the PDM kselftest (tools/testing/selftests/net/pdm) of the patched
# tree the kernel's way: installed with 'make -C tools/testing/selftests
# install' against the patched uapi headers, run by run_kselftest.sh in
# the VM on the patched x86_64 test kernel, with its 'settings' timeout.
# The result is flat KTAP (scripts/ktap.py kselftest): one result per
# case, a failure for each case that did not run or during which the
# kernel printed a report, and for a report outside the cases.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-d] [-s SRC] [-k BZIMAGE] [-i IPROUTE2] [-K KTAP] [-T SECONDS] [-- PDM_SH_ARGS...]
  -d          debug run: the test kernel with KASAN and kmemleak as well
              (scripts/config/kasan.config; own build directory
              \$PDM_CACHE/build-x86_64-kasan), the runner's timeout times
              $DEBUG_SLOWDOWN, a kmemleak scan after the test
  -s SRC      patched kernel tree (default \$PDM_CACHE/linux, prepared)
  -k BZIMAGE  kernel to boot (default: built from SRC by build-kernel.sh)
  -i IPROUTE2 iproute2 build directory whose ip/ip the test runs (default:
              built from patches/iproute2 by build-iproute2.sh)
  -K KTAP     where to write the flat KTAP result (default
              \$PDM_CACHE/logs/selftest[-debug].ktap)
  -T SECONDS  the runner's per-test timeout (default: the test's settings
              file; with -d, that times $DEBUG_SLOWDOWN)
PDM_SH_ARGS are passed to pdm.sh (for example -t psn): run_kselftest.sh
is then bypassed and pdm.sh runs alone, under the same timeout.
Exit status: 0 when every result passed or skipped, 1 otherwise, 2 when
nothing could be run (tree, build or installation failure).
USAGE
}
DEBUG_SLOWDOWN=3

debug='' src='' kernel='' ktap='' tmo='' iproute2=''
while getopts hds:k:i:K:T: o; do
	case $o in
	d) debug=1 ;;
	s) src=$OPTARG ;;
	k) kernel=$OPTARG ;;
	i) iproute2=$OPTARG ;;
	K) ktap=$OPTARG ;;
	T) tmo=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
fail() { echo "$(basename "$0"): $*" >&2; exit 2; }

pdm_lock
if [ -z "$src" ]; then
	"$TOP/scripts/prepare-tree.sh" linux || fail "cannot prepare the tree"
	src=$PDM_CACHE/linux
fi
src=$(cd "$src" && pwd)
suffix=${debug:+-debug}
out=$PDM_CACHE/build-x86_64${debug:+-kasan}
ktap=${ktap:-$PDM_CACHE/logs/selftest$suffix.ktap}
mkdir -p "$(dirname "$ktap")"
rm -f "$ktap"
if [ -z "$kernel" ]; then
	frags=(-f "$TOP/scripts/config/debug.config")
	[ -z "$debug" ] || frags+=(-f "$TOP/scripts/config/kasan.config")
	frags+=(-f "$src/tools/testing/selftests/net/pdm/config")
	kernel=$("$TOP/scripts/build-kernel.sh" -s "$src" -o "$out" "${frags[@]}") ||
		fail "kernel build failed"
fi

if [ -z "$iproute2" ]; then
	iproute2=$("$TOP/scripts/build-iproute2.sh") || fail "iproute2 build failed"
fi
[ -x "$iproute2/ip/ip" ] || fail "no $iproute2/ip/ip"
iproute2=$(cd "$iproute2" && pwd)

# uapi headers of the patched tree, then the kselftest installation.
log "installing the net/pdm selftest"
hdr=$PDM_CACHE/ksft-headers
make -s -C "$src" ARCH=x86_64 O="$PDM_CACHE/ksft-headers-build" \
	INSTALL_HDR_PATH="$hdr" headers_install >&2 || fail "headers_install failed"
inst=$PDM_CACHE/ksft$suffix
rm -rf "$inst"
make -s -C "$src/tools/testing/selftests" TARGETS=net/pdm \
	O="$PDM_CACHE/ksft-build" KHDR_INCLUDES="-isystem $hdr/include" \
	INSTALL_PATH="$inst" install >&2 || fail "kselftest installation failed"
[ -x "$inst/net/pdm/pdm.sh" ] || fail "$inst/net/pdm/pdm.sh not installed"

if [ -z "$tmo" ]; then
	tmo=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "$inst/net/pdm/settings" 2>/dev/null)
	[ -n "$tmo" ] || tmo=45 # kselftest's default
	[ -z "$debug" ] || tmo=$((tmo * DEBUG_SLOWDOWN))
fi

share=$PDM_CACHE/vm-share-selftest$suffix
rm -rf "$share"
mkdir -p "$share"
chmod 1777 "$share"
run=$share/run.log
if [ $# -gt 0 ]; then
	# One part of pdm.sh: the runner's framing, by hand.
	args=$(printf ' %q' "$@")
	body="cd $inst/net/pdm && {
	echo 'TAP version 13'; echo '1..1'; echo '# selftests: net/pdm: pdm.sh'
	echo 'kselftest: Running tests in net/pdm' >/dev/kmsg
	timeout $tmo ./pdm.sh$args 2>&1 | sed 's/^/# /'
	rc=\${PIPESTATUS[0]}
	case \$rc in 0) echo 'ok 1 selftests: net/pdm: pdm.sh' ;;
	4) echo 'ok 1 selftests: net/pdm: pdm.sh # SKIP' ;;
	124) echo 'not ok 1 selftests: net/pdm: pdm.sh # TIMEOUT $tmo seconds' ;;
	*) echo \"not ok 1 selftests: net/pdm: pdm.sh # exit=\$rc\" ;; esac
	}"
else
	body="cd $inst && ./run_kselftest.sh -o $tmo -t net/pdm:pdm.sh"
fi
leak='' tol=''
if [ -n "$debug" ]; then
	# The metrics case bounds the server delay by what the server timed,
	# its send included, but not the RTT: under KASAN it came to 54.6 to
	# 55.6 ms for netem's 50 ms (measured), beyond 10 %.
	tol='export PDM_MET_TOL_PCT=25'
	# Two scans: kmemleak reports an object only once it has been seen
	# unreferenced twice; the list goes to the console for the reader.
	leak="mount -t debugfs none /sys/kernel/debug 2>/dev/null
	for i in 1 2; do echo scan >/sys/kernel/debug/kmemleak; sleep 5; done
	echo '# kmemleak:'; sed 's/^/# /' /sys/kernel/debug/kmemleak"
fi
# The series' ip (ip pdm) first on PATH; the tree for ynl's cli.py.
cmd="set -o pipefail
export PATH=$iproute2/ip:\$PATH KSRC=$src
$tol
{ $body; } 2>&1 | tee $run
rc=\$?
echo 'kselftest: done' >/dev/kmsg
$leak
exit \$rc"

if [ -n "$debug" ]; then
	# ACPI's AML loops time out on so slow a guest (soft lockups at
	# boot); the KASAN kernel does without ACPI, and boots slowly.
	# Without ACPI there is no HPET nor PM timer to check the TSC
	# against, and the watchdog would fall back to jiffies, 4 ms grains
	# for PDM's deltas; under TCG the TSC follows QEMU's clock: trust it.
	export VM_APPEND="acpi=off tsc=reliable ${VM_APPEND:-}"
	export VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-600}
fi
# Boot, the installation's own time and a margin on top of the runner's.
vmrc=0
"$TOP/scripts/vm-run.sh" -k "$kernel" -S "$share" -t $((tmo + 300)) "$cmd" >&2 ||
	vmrc=$?
log "VM exit $vmrc; results in $ktap"
"$TOP/scripts/ktap.py" kselftest "$run" "$share/.vm-run/kmsg" \
	"$share/.vm-run/console" "$vmrc" -o "$ktap" || exit 1
