#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the builds, the VM and the tests need, from Debian's
# archive only. Idempotent: does nothing when all is there already.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC_NAME=pdm-deb-src.sources

usage() {
	cat <<USAGE
usage: $0 [-h] [-n]
Installs the Debian packages for building the patched kernel (UML KUnit
and x86_64), building iproute2, running QEMU and the tests, and exactly
$KERNEL_DEB_PACKAGE $KERNEL_DEB_VERSION, the base of the series (another
installed version of it is replaced, downgrade included; if the archive
no longer has that version, it stops and says what to do).
'apt-get source iproute2' needs a deb-src entry: when apt has none (no
Sources index target), it writes sources.list.d/$SRC_NAME with the
deb-src twins of the machine's own Debian archive entries (the binary
entries whose Release file says Origin "Debian", Label "Debian" or
"Debian-Security"), keeping their URIs, suites, components and options
(Signed-By, ...). It rewrites that file when those entries change and
removes it when apt has deb-src entries of its own. Safe to run again.
  -n  dry run: print what would be installed, written or removed, and
      change nothing (no 'apt-get update' either)
Honours APT_CONFIG as apt does, so a scratch apt configuration (its own
Dir::Etc::sourcelist, sourceparts, Dir::State::lists) can be tried out.
USAGE
}

dry=
while getopts hn o; do
	case $o in
	n) dry=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

PKGS=(
	# Kernel builds (x86_64 test kernel, UML KUnit): toolchain, Kconfig
	# and objtool/signing needs, the base's tarball, the compiler cache;
	# sparse for the C=1 checks; git for the trees and the series.
	build-essential bc bison flex libelf-dev libssl-dev xz-utils ccache
	sparse git
	# kunit.py, the demo's decoder, bench.sh's summary, the selftest's
	# traffic helpers; yaml and jsonschema for the kernel's ynl tools
	# (ynl-gen-c.py regenerates the pdm family's code in the series
	# check, cli.py drives the family in the selftest).
	python3 python3-yaml python3-jsonschema
	# pdm_crypt.py: the selftest's own AES-GCM, to decrypt protected
	# PDMv2 from a capture (and regenerate the KUnit vectors).
	python3-cryptography
	# iproute2 build (of the iproute2 series; nstat needs no patch, it
	# reads the Pdm6* counters of /proc/net/snmp6): build-iproute2.sh
	# copies the tree with rsync; libmnl, for ip to print the kernel's
	# extack messages, which the selftest's netlink case checks.
	pkg-config rsync libmnl-dev
	# The VM (vm-run.sh) and what the tests, demo and bench run in it:
	# ip/tc/nstat, ping, sysctl, tcpdump; tshark decodes the demo's
	# capture and the selftest's tshark case; ethtool turns off GRO in
	# the selftest's bulk case; insmod loads ipv6.ko in check-builds.sh;
	# iperf3 is bench.sh's load; perf is profile.sh's sampler.
	qemu-system-x86 iproute2 iputils-ping procps tcpdump tshark ethtool
	kmod iperf3 linux-perf
)

# ---- Debian source entries -------------------------------------------------

# apt's own configuration (APT_CONFIG included) says where the parts are.
eval "$(apt-config shell SRC_PARTS Dir::Etc::sourceparts/d)"
ours=${SRC_PARTS%/}/$SRC_NAME
# First line of the file we write.
MARK="# Written by scripts/setup.sh of the PDM project. Delete this line to keep your edits."
# sha256 of the file that setup.sh wrote before it derived it from the
# machine's entries: ours too, replaced.
OLD_SHA=ebdf127e728b78a32ecaff117ee94d8b70e8b35b1d4419426be420291f3f1a8b

is_ours() {
	[ -f "$ours" ] || return 1
	[ "$(head -n 1 "$ours")" = "$MARK" ] ||
		[ "$(sha256sum <"$ours" | cut -d' ' -f1)" = "$OLD_SHA" ]
}

# Sources index targets apt is configured for, downloaded or not, ours
# (if ours) left out.
# shellcheck disable=SC2016 # $(...) are apt's format fields
other_sources() {
	apt-get indextargets --no-release-info \
		--format '$(TARGET_OF) $(SOURCESENTRY)' |
		awk -v ours="$ours" -v skip="$1" '
		$1 == "deb-src" {
			f = $2; sub(/:[0-9]+$/, "", f); gsub(/\/+/, "/", f)
			if (skip && f == ours) next
			n++
		}
		END { print n + 0 }'
}

# Packages index targets of Debian's archive (from their Release files,
# so only once they are downloaded): "entry<TAB>URI<TAB>suite<TAB>component".
# shellcheck disable=SC2016
debian_targets() {
	apt-get indextargets \
		--format $'$(CREATED_BY)\t$(TARGET_OF)\t$(ORIGIN)\t$(LABEL)\t$(SOURCESENTRY)\t$(REPO_URI)\t$(RELEASE)\t$(COMPONENT)' |
		awk -F'\t' '$1 == "Packages" && $2 == "deb" && $3 == "Debian" &&
			($4 == "Debian" || $4 == "Debian-Security") &&
			!seen[$5, $6, $7, $8]++ { print $5 "\t" $6 "\t" $7 "\t" $8 }'
}

# Whether some binary index apt is configured for is not downloaded (the
# sources changed since the last 'apt-get update', or a fetch failed):
# its entry's Release file, and so its origin, is then unknown.
# shellcheck disable=SC2016
lists_missing() {
	local f='$(CREATED_BY) $(TARGET_OF) $(SOURCESENTRY) $(REPO_URI) $(RELEASE) $(COMPONENT)' all got
	all=$(apt-get indextargets --no-release-info --format "$f" |
		awk '$1 == "Packages" && $2 == "deb"' | sort -u | wc -l)
	got=$(apt-get indextargets --format "$f" |
		awk '$1 == "Packages" && $2 == "deb"' | sort -u | wc -l)
	[ "$all" -gt "$got" ]
}

# The deb-src file for the targets on stdin: for each entry, its options
# (everything but types, URIs, suites, components, architectures,
# languages, targets, enabled) read back from its file (deb822 stanza N
# of a .sources file, line N of a one-line file); one stanza per set of
# options, URI and components, with its suites.
deb_src_file() {
	echo "$MARK"
	cat <<'HEAD'
# Source entries twin to this machine's Debian archive entries, for
# 'apt-get source'. setup.sh rewrites this file when those entries change
# and removes it when apt has deb-src entries of its own.

HEAD
	awk -F'\t' '
	function canon(s,    n, p, i, r) {
		n = split(tolower(s), p, "-")
		for (i = 1; i <= n; i++)
			r = r (i > 1 ? "-" : "") toupper(substr(p[i], 1, 1)) substr(p[i], 2)
		return r
	}
	function deb822(file, want,    line, st, in_st, keep, name, out) {
		while ((getline line <file) > 0) {
			if (line ~ /^#/)
				continue
			if (line ~ /^[ \t]*$/) {
				in_st = 0
				continue
			}
			if (!in_st) {
				st++
				in_st = 1
				keep = 0
			}
			if (st != want)
				continue
			if (line ~ /^[ \t]/) {	# continuation (e.g. an inline key)
				if (keep)
					out = out line "\n"
				continue
			}
			name = tolower(line)
			sub(/[ \t]*:.*/, "", name)
			keep = name !~ /^(types|uris|suites|components|enabled|(architectures|languages|targets)(-add|-remove)?)$/
			if (keep)
				out = out line "\n"
		}
		close(file)
		return out
	}
	function oneline(file, want,    line, i, n, a, k, name, out) {
		while ((getline line <file) > 0)
			if (++i == want)
				break
		close(file)
		sub(/#.*/, "", line)
		if (!match(line, /\[[^]]*\]/))
			return ""
		n = split(substr(line, RSTART + 1, RLENGTH - 2), a, /[ \t]+/)
		for (k = 1; k <= n; k++) {
			if (!match(a[k], /^[A-Za-z-]+=/))
				continue	# empty, or a += / -= list edit
			name = tolower(substr(a[k], 1, RLENGTH - 1))
			if (name ~ /^(arch|lang|target|enabled)$/)
				continue
			out = out canon(name) ": " substr(a[k], RLENGTH + 1) "\n"
		}
		return out
	}
	{
		if (!($1 in opts)) {
			file = $1
			sub(/:[0-9]+$/, "", file)
			n = substr($1, length(file) + 2) + 0
			opts[$1] = file ~ /\.sources$/ ? deb822(file, n) : oneline(file, n)
		}
		suite = $1 SUBSEP $2 SUBSEP $3
		if (!(suite in comps))
			suites[++nsuites] = suite
		comps[suite] = comps[suite] " " $4
		uri[suite] = $2
		name[suite] = $3
		opt[suite] = opts[$1]
	}
	END {
		for (i = 1; i <= nsuites; i++) {
			s = suites[i]
			key = opt[s] SUBSEP uri[s] SUBSEP comps[s]
			if (!(key in group)) {
				keys[++nkeys] = key
				gopt[key] = opt[s]
				guri[key] = uri[s]
				gcomps[key] = substr(comps[s], 2)
			}
			group[key] = group[key] " " name[s]
		}
		for (i = 1; i <= nkeys; i++) {
			k = keys[i]
			if (i > 1)
				print ""
			print "Types: deb-src"
			print "URIs: " guri[k]
			print "Suites:" group[k]
			print "Components: " gcomps[k]
			printf "%s", gopt[k]
		}
	}'
}

apt_updated=
apt_update() {
	[ -z "$apt_updated" ] || return 0
	log "apt-get update"
	apt-get update -qq
	apt_updated=1
}

# Sets src_action (write, remove or nothing) and src_text.
plan_deb_src() {
	local mine='' targets n
	src_action='' src_text=''
	is_ours && mine=1
	n=$(other_sources "$mine") || die "apt cannot read its sources"
	if [ "$n" -gt 0 ]; then
		# apt has deb-src entries of its own; ours would repeat them.
		[ -z "$mine" ] || src_action='remove'
		return 0
	fi
	[ ! -e "$ours" ] || [ -n "$mine" ] ||
		die "$ours exists, was not written by setup.sh and holds no deb-src entry: move it away"
	targets=$(debian_targets) || die "apt cannot read its sources"
	if [ -z "$targets" ] || lists_missing; then
		# Release files missing: what they would say about their
		# entries' origin is unknown until they are downloaded.
		if [ -n "$dry" ]; then
			src_action='unknown'
			return 0
		fi
		apt_update
		targets=$(debian_targets) || die "apt cannot read its sources"
	fi
	[ -n "$targets" ] ||
		die "apt has no deb-src entry and no entry of Debian's archive (Origin Debian) to derive one from: add a deb-src entry for Debian $IPROUTE2_VERSION's iproute2 (bookworm main) to apt's sources yourself"
	src_text=$(deb_src_file <<<"$targets")
	if [ "$(cat "$ours" 2>/dev/null)" != "$src_text" ]; then
		src_action='write'
	fi
}

# ---- what is missing ---------------------------------------------------------

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
plan_deb_src

if [ -n "$dry" ]; then
	echo "packages to install: ${need[*]:-none}"
	if [ -n "$kernel_ok" ]; then
		echo "$kpin: installed"
	else
		echo "$kpin: to install (now: ${have:-not installed})"
	fi
	case $src_action in
	write) echo "would write $ours:"; echo "$src_text" ;;
	remove) echo "would remove $ours (apt has deb-src entries of its own)" ;;
	unknown) echo "apt has no deb-src entry; which of its entries are Debian's is known after 'apt-get update' (some of its lists are not downloaded)" ;;
	*) echo "deb-src: nothing to do" ;;
	esac
	exit 0
fi

case $src_action in
write)
	log "writing $ours"
	printf '%s\n' "$src_text" >"$ours"
	apt_updated=
	apt_update
	;;
remove)
	log "apt has deb-src entries of its own: removing $ours"
	rm -f "$ours"
	apt_updated=
	apt_update
	;;
esac

export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ] || [ -z "$kernel_ok" ]; then
	apt_update
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
