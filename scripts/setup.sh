#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the builds, the VM and the tests need, from Debian's
# archive only. Idempotent: does nothing when all is there already.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-h]
Installs the Debian packages for building the patched kernel (UML KUnit and
x86_64), building iproute2, running QEMU and the selftests, and exactly
$KERNEL_DEB_PACKAGE $KERNEL_DEB_VERSION, the base of the series (another
installed version of it is replaced, downgrade included; if the archive
no longer has that version, it stops and says what to do). Adds a
deb-src entry (a separate file, sources.list.d/pdm-deb-src.sources) so that
'apt-get source iproute2' works. Safe to run again.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }

PKGS=(
	# Kernel builds (x86_64 test kernel, UML KUnit): toolchain, Kconfig
	# and objtool/signing needs, the base's tarball, the compiler cache;
	# sparse for the C=1 checks; git for the trees and the series.
	build-essential bc bison flex libelf-dev libssl-dev xz-utils ccache
	sparse git
	# kunit.py, the demo's decoder, bench.sh's summary, the selftest's
	# traffic helpers.
	python3
	# iproute2 build (nstat is all the series patches): build-iproute2.sh
	# copies the tree with rsync; optional libraries are not needed.
	pkg-config rsync
	# The VM (vm-run.sh) and what the tests, demo and bench run in it:
	# ip/tc/nstat, ping, sysctl, tcpdump; tshark decodes the demo's
	# capture and the selftest's tshark case; ethtool turns off GRO in
	# the selftest's bulk case; insmod loads ipv6.ko in check-builds.sh;
	# iperf3 is bench.sh's load.
	qemu-system-x86 iproute2 iputils-ping procps tcpdump tshark ethtool
	kmod iperf3
)

need=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		need+=("$p")
done
kpin=$KERNEL_DEB_PACKAGE=$KERNEL_DEB_VERSION
have=$(dpkg-query -W -f='${Status} ${Version}' "$KERNEL_DEB_PACKAGE" 2>/dev/null || true)
case $have in
"install ok installed "*) have=${have##* } ;;
*) have='' ;;
esac
kernel_ok=
[ "$have" = "$KERNEL_DEB_VERSION" ] && kernel_ok=1

src=/etc/apt/sources.list.d/pdm-deb-src.sources
if [ ! -e "$src" ]; then
	# Same archive and suites as the binary entries, source packages only.
	cat >"$src" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ] || [ -z "$kernel_ok" ] || [ -n "${need_update:-}" ]; then
	apt-get update -qq
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
fi
if [ -z "$kernel_ok" ]; then
	avail=$(apt-cache madison "$KERNEL_DEB_PACKAGE" |
		awk -F' *[|] *' '$3 ~ /Packages$/ { print $2 }' | sort -u)
	if ! grep -qxF "$KERNEL_DEB_VERSION" <<<"$avail"; then
		die "$kpin, the base of the series, is not in the archive apt points at" \
			"(apt-cache madison $KERNEL_DEB_PACKAGE has: $(echo "${avail:-nothing}" | paste -sd " "))." \
			"Either add an apt entry for a snapshot of Debian's archive that carries it" \
			"(any date when it was current), or move the series to an available version:" \
			"rebase patches/linux onto it, then update KERNEL_VERSION and KERNEL_DEB_VERSION" \
			"in scripts/lib.sh."
	fi
	log "installing $kpin (now: ${have:-not installed})"
	need+=("$kpin")
fi
if [ ${#need[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends --allow-downgrades "${need[@]}"
fi
have=$(dpkg-query -W -f='${Version}' "$KERNEL_DEB_PACKAGE" 2>/dev/null || true)
[ "$have" = "$KERNEL_DEB_VERSION" ] ||
	die "$KERNEL_DEB_PACKAGE is at '$have' after the installation, not $KERNEL_DEB_VERSION"
echo "setup: all packages present"
