#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the builds, the VM and the tests need, from Debian's
# archive only. Idempotent: does nothing when all is there already.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h]
Installs the Debian packages for building the patched kernel (UML KUnit and
x86_64), building iproute2, running QEMU and the selftests, and adds a
deb-src entry (a separate file, sources.list.d/pdm-deb-src.sources) so that
'apt-get source iproute2' works. Safe to run again.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }

PKGS=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
	rsync python3 python3-ply python3-git ccache sparse xz-utils git
	linux-source-6.12
	# iproute2 build (Debian's Build-Depends, less the packaging tools)
	dpkg-dev pkg-config libmnl-dev libcap-dev libbpf-dev libselinux1-dev
	libdb-dev libelf-dev libxtables-dev libatm1-dev libbsd-dev zlib1g-dev
	# VM and tests
	qemu-system-x86 tshark tcpdump iputils-ping iproute2 python3-scapy
	python3-cryptography iperf3 ethtool socat procps
)

need=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		need+=("$p")
done

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

if [ ${#need[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -qq
	[ ${#need[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "setup: all packages present"
