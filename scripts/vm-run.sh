#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel in QEMU with the host root read-only over 9p and run
# one command in it as root (or an interactive shell).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
die() { echo "$(basename "$0"): $*" >&2; exit 125; }

usage() {
	cat <<USAGE
usage: $0 [-h] [-k BZIMAGE] [-t TIMEOUT] [-m MEM] [-S DIR] [CMD...]
Boots BZIMAGE (default \$PDM_CACHE/build-x86_64/arch/x86/boot/bzImage) in
QEMU, root = the host's / read-only over virtio-9p, console on stdio, and
runs CMD (words joined by spaces, run by bash as root, stdin /dev/null) in
the caller's working directory. Its output (stdout+stderr, merged) and kernel
messages of level warning and above (WARN, BUG, oops, panic) are streamed
to stdout. Without CMD: an interactive shell on the console (Ctrl-A X quits
QEMU, the timeout is off unless -t is given).
  -k BZIMAGE  kernel to boot
  -t TIMEOUT  seconds before QEMU is killed (default 1200; 0 = none)
  -m MEM      guest memory (default 2G)
  -S DIR      host directory to share read-write (created if needed, kept);
              default: a fresh temporary directory, removed at the end
The share is mounted in the guest at the same path as on the host and the
command gets that path as \$VM_SHARE (and VM_GUEST=1). Writable tmpfs in the
guest: /tmp /var/tmp /run /root /var/log /mnt /dev/shm; \$PDM_CACHE and the
working directory stay visible (read-only) even when under /tmp or /var/tmp.
The guest's kernel log is saved to the share as .vm-run/dmesg, streamed
there as .vm-run/kmsg while the guest runs (complete up to a crash), and
the serial console as .vm-run/console (host side, to the last byte).
Environment:
  VM_DMESG=1    print the guest's dmesg to stderr at the end
  VM_ACCEL=     auto (default: KVM if /dev/kvm exists and a probe boot
                passes, result cached per host boot), kvm or tcg
  VM_SMP=N      guest CPUs (default 2)
  VM_APPEND=..  extra kernel command line
  VM_KEEP=1     keep the temporary share and print its path on stderr
  VM_BOOT_TIMEOUT=S  seconds for the guest to reach init (default 120),
                else QEMU is killed and the exit is 125
Exit: CMD's exit code; 124 timeout; 125 VM did not boot, did not report an
exit code, or bad usage/setup.
USAGE
}

kernel=$PDM_CACHE/build-x86_64/arch/x86/boot/bzImage
timeout_s=
mem=2G
share=
while getopts hk:t:m:S: o; do
	case $o in
	k) kernel=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	S) share=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 125 ;;
	esac
done
shift $((OPTIND - 1))
mode=cmd
[ $# -gt 0 ] || mode=shell
[ -n "$timeout_s" ] || { [ $mode = cmd ] && timeout_s=1200 || timeout_s=0; }
[[ $timeout_s =~ ^[0-9]+$ ]] || die "bad timeout '$timeout_s'"
pdm_lock # nobody rebuilds the kernel under a running VM
[ -r "$kernel" ] || die "no kernel $kernel (run scripts/build-kernel.sh)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run scripts/setup.sh)"
init=$TOP/scripts/vm-init.sh
[[ $init != *[[:space:],]* ]] || die "path $init has blanks or commas"

tmp_share='' watchdog='' meta=''
# shellcheck disable=SC2317 # run by the traps
cleanup() {
	[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null || true
	# QEMU runs under timeout(1), in a process group of its own that a
	# Ctrl-C on the terminal does not reach: stop it here.
	if [ -n "$meta" ] && [ -s "$meta/qemu.pid" ]; then
		kill "$(cat "$meta/qemu.pid")" 2>/dev/null || true
	fi
	[ -z "$tmp_share" ] || rm -rf "$tmp_share"
}
trap cleanup EXIT
trap 'log "interrupted: stopping the VM"; exit 130' INT TERM HUP
if [ -n "$share" ]; then
	mkdir -p "$share" || die "cannot create $share"
	share=$(cd "$share" && pwd)
	[[ $share != *,* ]] || die "share path must not contain commas"
else
	share=$(mktemp -d "${TMPDIR:-/tmp}/vm-run.XXXXXX")
	chmod 1777 "$share" # tcpdump & co. drop root before writing files
	if [ "${VM_KEEP:-}" = 1 ]; then
		log "share: $share"
	else
		tmp_share=$share
	fi
fi
meta=$share/.vm-run
rm -rf "$meta"
mkdir -p "$meta"

rows=24 cols=80
if [ $mode = shell ] && [ -t 0 ]; then
	read -r rows cols < <(stty size 2>/dev/null || echo 24 80)
fi
{
	printf 'VM_MODE=%q\nVM_SHARE=%q\nVM_CWD=%q\nVM_PDM_CACHE=%q\n' \
		"$mode" "$share" "$PWD" "$PDM_CACHE"
	printf 'VM_ROWS=%q\nVM_COLS=%q\nVM_TERM=%q\n' "$rows" "$cols" "${TERM:-linux}"
} >"$meta/env"
[ $mode = shell ] || printf '%s\n' "$*" >"$meta/cmd"

append="console=ttyS0 loglevel=4 panic=-1 root=/dev/root"
# cache=loose: the root is read-only and lives as long as one command; it
# halves boot-to-command time and tool start-up under TCG vs cache=none.
append+=" rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=262144"
append+=" ro init=$init ${VM_APPEND:-}"
# shellcheck disable=SC2054 # commas belong to QEMU options
qemu_base=(qemu-system-x86_64 -nodefaults -no-user-config -no-reboot
	-display none -machine pc -m "$mem" -smp "${VM_SMP:-2}"
	-kernel "$kernel"
	-append "$append"
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
	-fsdev "local,id=share,path=$share,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=share,mount_tag=vmshare
	-device virtio-rng-pci)

# KVM hangs at boot on some of our machines: use it only when a short probe
# boot passes. The verdict is kept until the host reboots, unless the probe
# failed for a reason of the kernel (it booted, then failed) rather than KVM.
accel=${VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ]; then
		mkdir -p "$PDM_CACHE"
		probe=$PDM_CACHE/kvm-probe.$(cat /proc/sys/kernel/random/boot_id)
		if [ -f "$probe" ]; then
			accel=$(cat "$probe")
		else
			log "probing KVM (one boot, 15 s at most)"
			rc=0
			VM_ACCEL=kvm VM_KEEP='' "$0" -k "$kernel" -t 15 -m 256M true >"$meta/kvm-probe.log" 2>&1 || rc=$?
			if [ $rc = 0 ]; then
				accel=kvm
			elif [ $rc != 124 ] && ! grep -q 'QEMU exit [1-9]' "$meta/kvm-probe.log"; then
				probe=/dev/null # the kernel's fault: try KVM again next time
			fi
			echo "$accel" >"$probe"
			log "KVM probe: exit $rc, using $accel"
		fi
	fi
fi
# shellcheck disable=SC2054
case $accel in
kvm) qemu=("${qemu_base[@]}" -accel kvm -cpu host) ;;
tcg) qemu=("${qemu_base[@]}" -accel tcg,thread=multi -cpu max) ;;
*) die "VM_ACCEL must be auto, kvm or tcg" ;;
esac

# timeout(1): 124 when it fires; -k: SIGKILL if SIGTERM is not enough.
to=()
[ "$timeout_s" = 0 ] || to=(timeout -k 5 "$timeout_s")
# Boot watchdog: a kernel that never reaches init (hang, bad image) is
# killed after VM_BOOT_TIMEOUT seconds instead of using up the whole -t.
boot_to=${VM_BOOT_TIMEOUT:-120}
(
	for _ in $(seq "$boot_to"); do
		sleep 1
		[ ! -e "$meta/started" ] || exit 0
		[ ! -e "$meta/done" ] || exit 0
	done
	touch "$meta/boot-timeout"
	kill "$(cat "$meta/qemu.pid" 2>/dev/null)" 2>/dev/null
) >/dev/null 2>&1 &
watchdog=$!
qemu+=(-pidfile "$meta/qemu.pid")

set +e
if [ $mode = shell ]; then
	[ ${#to[@]} = 0 ] || to=(timeout --foreground -k 5 "$timeout_s")
	"${to[@]}" "${qemu[@]}" -chardev stdio,id=con,mux=on,signal=off \
		-serial chardev:con -mon chardev=con,mode=readline
	qrc=$?
else
	# mawk reads a pipe in blocks unless told: the console must come live.
	awk_live=()
	awk -W version 2>&1 | grep -q mawk && awk_live=(-W interactive)
	# Strip the console's CRs, drop the exit marker and what follows it.
	# In the background, so that 'wait' lets the INT/TERM trap run at once.
	{
		"${to[@]}" "${qemu[@]}" -chardev stdio,id=con,signal=on \
			-serial chardev:con </dev/null
		{ echo $? >"$meta/qemu.rc"; } 2>/dev/null
	} |
		awk "${awk_live[@]}" -v out="$meta/rc.console" -v con="$meta/console" '
		{ sub(/\r$/, ""); print > con; fflush(con) }
		done { next }
		match($0, /<<<VM-RUN-EXIT [0-9]+>>>/) {
			if (RSTART > 1) print substr($0, 1, RSTART - 1)
			print substr($0, RSTART + 15, RLENGTH - 18) > out
			done = 1; fflush(); next
		}
		{ print; fflush() }' &
	wait $!
	qrc=$(cat "$meta/qemu.rc" 2>/dev/null || echo 125)
fi
set -e
rm -f "$meta/qemu.pid"
touch "$meta/done"
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
watchdog=

if [ "${VM_DMESG:-}" = 1 ] && [ -f "$meta/dmesg" ]; then
	echo "----- guest dmesg -----" >&2
	cat "$meta/dmesg" >&2
	echo "----- end of guest dmesg -----" >&2
fi
rc=$(cat "$meta/rc" 2>/dev/null || cat "$meta/rc.console" 2>/dev/null || true)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	[ -z "$rc" ] || log "warning: the command ended (exit $rc) but the VM did not stop"
	log "timeout after ${timeout_s}s: VM killed"
	exit 124
fi
if [ -e "$meta/boot-timeout" ]; then
	log "the guest did not reach init within ${boot_to}s (VM_BOOT_TIMEOUT): VM killed"
	exit 125
fi
if [[ ! $rc =~ ^[0-9]+$ ]]; then
	log "the VM reported no exit code (QEMU exit $qrc): boot failure or guest crash"
	exit 125
fi
exit "$rc"
