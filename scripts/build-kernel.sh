#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Incremental out-of-tree build of the x86_64 test kernel for vm-run.sh:
# tinyconfig + scripts/kernel.config, bzImage only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h] [-s SRC] [-o OUT] [-j JOBS]
  -s SRC   kernel source tree, never written to (default \$PDM_CACHE/linux)
  -o OUT   build directory, O= (default \$PDM_CACHE/build-x86_64)
  -j JOBS  parallel jobs (default 2)
The .config is made again (make tinyconfig + merge of $TOP/scripts/kernel.config
+ olddefconfig) only when the fragment, a Kconfig file of SRC or the compiler
changed. Uses ccache when installed. Only one build runs at a time on the
machine (lock \$PDM_CACHE/kernel-build.lock); a second one waits.
Prints the path of bzImage on stdout; make's output goes to stderr.
Fails when a mandatory symbol of the fragment is not =y in the .config
(IPV6_PDM is mandatory only when SRC's net/ipv6/Kconfig defines it).
USAGE
}

src=$PDM_CACHE/linux
out=$PDM_CACHE/build-x86_64
jobs=2
while getopts hs:o:j: o; do
	case $o in
	s) src=$OPTARG ;;
	o) out=$OPTARG ;;
	j) jobs=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

frag=$TOP/scripts/kernel.config
if [ ! -f "$src/Makefile" ] || [ ! -f "$src/Kconfig" ]; then
	die "$src is not a kernel source tree"
fi
[ -f "$frag" ] || die "$frag missing"
[ ! -e "$src/.config" ] || die "$src has a .config: an O= build needs a clean source tree"
mkdir -p "$out" "$PDM_CACHE"
src=$(cd "$src" && pwd)
out=$(cd "$out" && pwd)

MANDATORY=(64BIT PRINTK TTY SERIAL_8250_CONSOLE BINFMT_ELF BINFMT_SCRIPT PROC_FS
	SYSFS DEVTMPFS DEVTMPFS_MOUNT TMPFS PCI VIRTIO_PCI NET_9P NET_9P_VIRTIO 9P_FS
	UNIX INET IPV6 NAMESPACES NET_NS VETH NET_SCHED NET_SCH_NETEM PACKET SYSCTL
	FUTEX EPOLL SHMEM MULTIUSER POSIX_TIMERS MAGIC_SYSRQ)
grep -q '^config IPV6_PDM$' "$src/net/ipv6/Kconfig" && MANDATORY+=(IPV6_PDM)

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
mk=(make -C "$src" O="$out" ARCH=x86_64 CC="$cc" HOSTCC="$cc")

exec 9>"$PDM_CACHE/kernel-build.lock"
if ! flock -n 9; then
	log "another kernel build is running; waiting for it"
	flock 9
fi

# Key of the .config: fragment, every Kconfig file of the tree, compiler.
key=$({
	cat "$frag"
	find "$src" -path "$src/.git" -prune -o -name 'Kconfig*' -type f -print |
		LC_ALL=C sort | xargs cat
	gcc --version | head -1
} | sha256sum | cut -c1-16)
stamp=$out/.pdm-config-stamp

if [ ! -f "$out/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
	log "generating $out/.config (tinyconfig + $(basename "$frag"))"
	rm -f "$stamp"
	"${mk[@]}" -s tinyconfig >&2
	# Symbols unknown to this tree (IPV6_PDM on the pristine base) only warn.
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$frag") >/dev/null
	"${mk[@]}" -s olddefconfig >&2
	# Report what did not stick (unknown or dependency-blocked symbols).
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; line="# $sym is not set" ;;
		*) continue ;;
		esac
		grep -qxF "$line" "$out/.config" ||
			{ [[ $line = "# "* ]] && ! grep -q "^${sym}=" "$out/.config"; } ||
			log "note: $line requested, .config has: $(grep -E "^(# )?${sym}[= ]" "$out/.config" || echo '(absent)')"
	done <"$frag"
	echo "$key" >"$stamp"
fi

missing=()
for s in "${MANDATORY[@]}"; do
	grep -qx "CONFIG_$s=y" "$out/.config" || missing+=("CONFIG_$s")
done
[ ${#missing[@]} -eq 0 ] || die "mandatory symbols not =y in $out/.config: ${missing[*]}"

log "building bzImage in $out (-j$jobs, CC=$cc)"
"${mk[@]}" -j"$jobs" bzImage >&2
img=$out/arch/x86/boot/bzImage
[ -f "$img" ] || die "no $img after the build"
log "kernel $(cat "$out/include/config/kernel.release") ready"
echo "$img"
