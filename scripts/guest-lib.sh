# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the scripts that run inside the VM (demo-guest.sh,
# bench-guest.sh): two hosts as network namespaces over one veth pair.

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

guest_cleanup() {
	ip netns pids "$GUEST_SRV" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$GUEST_CLI" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$GUEST_CLI" 2>/dev/null
	ip netns del "$GUEST_SRV" 2>/dev/null
	true
}
