#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the vm-run.sh guest (passed as init=). Not meant to be run by
# hand: it mounts things and reboots the machine it runs on.
#
# The root file system is the host's, read-only over 9p. vm-run.sh shares a
# host directory read-write under the 9p tag 'vmshare'; its .vm-run/ holds
#   env   shell assignments: VM_SHARE (host path of the share, also its guest
#         path), VM_CWD, VM_MODE (cmd|shell), VM_PDM_CACHE, VM_ROWS, VM_COLS
#   cmd   the command (bash script) in cmd mode
# and receives
#   started  once the share is up (stops vm-run.sh's boot watchdog)
#   kmsg     the kernel log as /dev/kmsg gives it, written as it comes (so
#            what was logged before a crash or a hang is on the host)
#   rc       exit code of the command;  dmesg  the guest's kernel log.
# The console gets the marker '<<<VM-RUN-EXIT rc>>>' last, then the guest
# reboots, which ends QEMU (-no-reboot).

if [ "$$" != 1 ] || [ "${1:-}" = -h ]; then
	echo "usage: init=$0 (guest side of vm-run.sh; not to be run by hand)" >&2
	exit 2
fi

export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 SHELL=/bin/bash
umask 022
meta=/run/vm/share/.vm-run

say() { echo "vm-init: $*" >/dev/console; }
finish() { # rc
	local rc=$1
	dmesg >"$meta/dmesg" 2>/dev/null
	if [ -n "${kmsg_pid:-}" ]; then
		sleep 0.2 # let the last records reach the share
		kill "$kmsg_pid" 2>/dev/null
	fi
	echo "$rc" >"$meta/rc" 2>/dev/null
	sync
	# Drain the console (stty's tcsetattr waits for output), then the marker.
	stty -F /dev/console onlcr 2>/dev/null
	echo "<<<VM-RUN-EXIT $rc>>>" >/dev/console
	stty -F /dev/console onlcr 2>/dev/null
	echo b >/proc/sysrq-trigger
	sleep 10
}

# Every exec costs ~0.1 s under TCG: mount in batches with 'mount -a -T'.
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
[ -c /dev/null ] || mount -t devtmpfs devtmpfs /dev # DEVTMPFS_MOUNT did not
mkdir -p /run/vm/host /run/vm/share /run/netns /run/lock /dev/pts /dev/shm
# Writable places; /run/vm/host keeps an unmasked view of the host root.
printf '%s\n' \
	'sysfs /sys sysfs nosuid,nodev,noexec 0 0' \
	'devpts /dev/pts devpts gid=5,mode=620,ptmxmode=666 0 0' \
	'tmpfs /dev/shm tmpfs mode=1777,nosuid,nodev 0 0' \
	'/ /run/vm/host none bind 0 0' \
	'vmshare /run/vm/share 9p trans=virtio,version=9p2000.L,cache=none,msize=262144 0 0' \
	'tmpfs /tmp tmpfs mode=1777,nosuid,nodev 0 0' \
	'tmpfs /var/tmp tmpfs mode=1777,nosuid,nodev 0 0' \
	'tmpfs /root tmpfs mode=700 0 0' \
	'tmpfs /var/log tmpfs mode=755 0 0' \
	'tmpfs /mnt tmpfs mode=755 0 0' >/run/vm/fstab
mount -a -T /run/vm/fstab || say "some mounts failed"
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
[ -r "$meta/env" ] || { say "no $meta/env (share not mounted?)"; finish 125; }
: >"$meta/started" # stops vm-run.sh's boot watchdog
# Every record of the kernel log, from boot on, straight to the host.
cat /dev/kmsg >"$meta/kmsg" 2>/dev/null &
kmsg_pid=$!
# shellcheck source=/dev/null
. "$meta/env"

# Put back host paths that the tmpfs mounts hid: PDM_CACHE (built tools),
# the caller's working directory, and the share at its host path.
fsesc() { local s=${1//\\/\\134}; s=${s// /\\040}; echo "${s//$'\t'/\\011}"; }
binds=() dirs=()
for p in "${VM_PDM_CACHE:-}" "$VM_CWD"; do
	case $p in "$VM_SHARE" | "$VM_SHARE"/*) continue ;; esac
	if [ -n "$p" ] && [ -d "/run/vm/host$p" ] && [ ! -d "$p" ]; then
		dirs+=("$p") binds+=("$(fsesc "/run/vm/host$p") $(fsesc "$p") none bind 0 0")
	fi
done
if [ "$VM_SHARE" != /run/vm/share ]; then
	dirs+=("$VM_SHARE") binds+=("/run/vm/share $(fsesc "$VM_SHARE") none bind 0 0")
fi
if [ ${#binds[@]} -gt 0 ]; then
	printf '%s\n' "${binds[@]}" >/run/vm/fstab.binds
	mkdir -p "${dirs[@]}" 2>/dev/null
	mount -a -T /run/vm/fstab.binds || { say "cannot bind the share at $VM_SHARE"; finish 125; }
fi
export VM_SHARE VM_GUEST=1

# Boot ran at loglevel=4 to keep TCG's harmless timer complaints off the
# console; show what matters of it, then let warnings (WARN, oops) through.
dmesg | grep -E -A40 'WARNING:|BUG:|Oops|Call Trace|general protection|kernel BUG' >/dev/console
echo 5 >/proc/sys/kernel/printk

echo pdm-vm >/proc/sys/kernel/hostname
ip link set lo up
cd "$VM_CWD" 2>/dev/null || { say "no $VM_CWD in the guest, running in /"; cd /; }

if [ "$VM_MODE" = shell ]; then
	stty -F /dev/ttyS0 rows "${VM_ROWS:-24}" cols "${VM_COLS:-80}" 2>/dev/null
	export TERM=${VM_TERM:-linux}
	setsid -w -c /bin/bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	rc=$?
else
	bash "$meta/cmd" </dev/null >/dev/console 2>&1
	rc=$?
fi
finish "$rc"
