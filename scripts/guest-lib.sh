# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the scripts that run inside the VM (demo-guest.sh,
# bench-guest.sh, profile-guest.sh): two hosts as network namespaces over
# one veth pair, PDM modes and iperf3 tests.

# Client namespace CLI (2001:db8::1) and server namespace SRV
# (2001:db8::2) joined by veth0, torn down on exit. The caller resolves
# the neighbours once its own settings are in place (guest_resolve).
guest_pair() { # CLI SRV
	GUEST_CLI=$1 GUEST_SRV=$2
	trap guest_cleanup EXIT
	ip netns add "$GUEST_CLI"
	ip netns add "$GUEST_SRV"
	ip -n "$GUEST_CLI" link add veth0 type veth peer name veth0 netns "$GUEST_SRV"
	for ns in "$GUEST_CLI" "$GUEST_SRV"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up
	done
	ip -n "$GUEST_CLI" addr add 2001:db8::1/64 dev veth0 nodad
	ip -n "$GUEST_SRV" addr add 2001:db8::2/64 dev veth0 nodad
}

# Resolve the neighbours: a packet waiting for Neighbour Discovery leaves
# later than its PDM send time, which would show as round trip.
guest_resolve() {
	ip netns exec "$GUEST_CLI" ping -6 -q -c 1 -W 5 2001:db8::2 >/dev/null
}

# guest_pair and guest_resolve, and an iperf3 server in SRV, as daemon.
guest_iperf_pair() { # CLI SRV
	guest_pair "$1" "$2"
	guest_resolve
	ip netns exec "$2" iperf3 -s -D -B 2001:db8::2 >/dev/null
	sleep 0.5
}

guest_cleanup() {
	ip netns pids "$GUEST_SRV" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$GUEST_CLI" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$GUEST_CLI" 2>/dev/null
	ip netns del "$GUEST_SRV" 2>/dev/null
	true
}

# PDM in both namespaces as MODE: none (a kernel without PDM: nothing to
# set), off (net.ipv6.pdm.enabled=0), v1 (RFC 8250), v2 (PDMv2 in clear)
# or v2p (protected PDMv2: an AES-128-GCM key each way, through "ip pdm
# key" of $PDM_IP, an ip with "ip pdm"). Keys of an earlier mode go.
guest_pdm_mode() { # MODE
	local en=1 ver=1 ns ip=${PDM_IP:-ip} key
	local cli=2001:db8::1 srv=2001:db8::2
	case $1 in
	none) return 0 ;;
	off) en=0 ;;
	v1) ;;
	v2 | v2p) ver=2 ;;
	*) echo "guest_pdm_mode: unknown mode $1" >&2; return 2 ;;
	esac
	for ns in "$GUEST_CLI" "$GUEST_SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.pdm.enabled=$en \
			net.ipv6.pdm.version=$ver
		"$ip" -n "$ns" pdm key flush
	done
	[ "$1" = v2p ] || return 0
	key=$(mktemp)
	printf '00112233445566778899aabbccddeeff\n01020304\n' > "$key"
	"$ip" -n "$GUEST_CLI" pdm key add id 1 dir tx peer $srv epoch 1 keyfile "$key"
	"$ip" -n "$GUEST_SRV" pdm key add id 1 dir rx peer $cli epoch 1 keyfile "$key"
	"$ip" -n "$GUEST_SRV" pdm key add id 2 dir tx peer $cli epoch 1 keyfile "$key"
	"$ip" -n "$GUEST_CLI" pdm key add id 2 dir rx peer $srv epoch 1 keyfile "$key"
	rm -f "$key"
}

# The offloads and iperf3 client options (GUEST_IPERF_OPTS) of TEST:
# udp64 (64-octet UDP datagrams, unlimited rate), tcp (one stream,
# default offloads: veth takes GSO packets whole) or tcp-sw (one stream,
# TSO off on the client's veth: the stack segments in software before it;
# GRO on at the server's, which gets the segments as from a NIC).
# shellcheck disable=SC2034 # GUEST_IPERF_OPTS is the caller's
guest_iperf_test() { # TEST
	local tso=on gro=off
	GUEST_IPERF_OPTS=()
	case $1 in
	udp64) GUEST_IPERF_OPTS=(-u -b 0 -l 64) ;;
	tcp) ;;
	tcp-sw) tso=off gro=on ;;
	*) echo "guest_iperf_test: unknown test $1" >&2; return 2 ;;
	esac
	ip netns exec "$GUEST_CLI" ethtool -K veth0 tso $tso >/dev/null
	ip netns exec "$GUEST_SRV" ethtool -K veth0 gro $gro >/dev/null
}
