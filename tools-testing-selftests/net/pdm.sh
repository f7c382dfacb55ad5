#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests for the IPv6 Performance and Diagnostic Metrics destination option
# (PDM, RFC 8250) added by the kernel to locally originated packets.
#
# Topology: two network namespaces joined by a veth pair.
#
#   NS_A veth0 2001:db8::1/64  <---->  2001:db8::2/64 veth0 NS_B
#
# Traffic is captured with tcpdump and decoded with pdm_parser, which prints
# one line per IPv6 packet (see the comment at the top of pdm_parser.c for the
# fields). The checks are awk programs over that output that address fields by
# name. Per-netns PDM counters are read from /proc/net/pdm6.
#
# Tests:
#   sysctl     sysctl defaults, ranges, per-netns scope; /proc/net/pdm6 layout
#   traffic    UDP, ICMPv6 echo, TCP and raw socket packets in both directions
#              carry one PDM option in a 16-octet DOH; ND, MLD and ICMPv6
#              errors carry none; counters match the capture
#   psn        PSNTP starts random and grows by exactly 1 per packet in each
#              flow direction
#   psnlr      PSNLR echoes the PSNTP of the last packet received on the flow;
#              deltas and scales are 0 until there is something to measure;
#              deltas are attoseconds with a normalized 16-bit mantissa
#   rtt        round-trip time from PDM fields with netem delay on one side
#   disabled   enabled=0 flushes flows, adds no header and moves no counter;
#              a TCP connection established while disabled never gets PDM
#   merge      PDM is merged into a socket's own IPV6_DSTOPTS header; a
#              socket's own PDM option is sent unchanged
#   badlen     PDM options with a wrong length are skipped and counted, the
#              datagram is still delivered
#   flows      the flow table never grows beyond max_flows; idle flows expire
#   bulk       TCP bulk transfer: no packet above the MTU, full-sized segments
#              use exactly the MTU, no duplicate PSNTP, no retransmission burst
#   tshark     tshark decodes the same PDM values as pdm_parser (skipped when
#              tshark is not installed)
#
# Needs root, ip, tc, tcpdump, python3, ping, nstat and pdm_parser; tshark and
# mergecap are optional.

# awk programs are single-quoted on purpose
# shellcheck disable=SC2016
# shellcheck source=lib.sh
source "$(dirname "$(readlink -e "${BASH_SOURCE[0]}")")/lib.sh"

TESTS="sysctl traffic psn psnlr rtt disabled merge badlen flows bulk tshark"

VERBOSE=0
PAUSE_ON_FAIL=no
KEEP_FILES=no

ADDR_A=2001:db8::1
ADDR_B=2001:db8::2
MTU=1500
SNAPLEN=192
UDP_PORT=7777
TCP_PORT=7778
CLOSED_PORT=7779
RAW_PROTO=253			# RFC 3692 experimentation protocol number
MCAST_GROUP=ff02::114		# joined to make the kernel send MLD reports

NETEM_DELAY_MS=20
# Upper RTT tolerance: kernel path latency in a slow emulated VM (QEMU TCG).
RTT_TOLERANCE_MS=15

FLOOD_SOCKETS=256
FLOOD_MAX_FLOWS=64
EXPIRE_TIMEOUT_S=1
EXPIRE_WAIT_S=20
# Idle timeout of the flows of the other tests: none may expire mid-test,
# however slow the kernel (debug builds under emulation take minutes).
FLOW_TIMEOUT_S=3600
# Most seconds a helper may take to start or a peer to answer. Generous for
# the same reason; a passing run never waits that long.
WAIT_S=60

BULK_BYTES=$((5 * 1024 * 1024))
# TcpRetransSegs may be at most 1% of TcpOutSegs during the bulk transfer.
RETRANS_MAX_PCT=1

PDM_COUNTERS="Pdm6OutPkts Pdm6InPkts Pdm6InBadLen Pdm6Flows Pdm6FlowsCreated
	      Pdm6FlowsExpired Pdm6FlowsFull"

SCRIPT_DIR=$(dirname "$(readlink -e "${BASH_SOURCE[0]}")")
PARSER="$SCRIPT_DIR/pdm_parser"
TMP_DIR=""
NS_A=""
NS_B=""
declare -A CAP_PIDS
BG_PIDS=()

################################################################################
# Utilities

usage()
{
	cat <<EOF
usage: ${0##*/} OPTS

	-t <test>   Test(s) to run (default: all)
		    (options: $TESTS)
	-p          Pause on fail
	-k          Keep captures and parser output (directory is printed)
	-v          Verbose mode (print every failed check)
EOF
}

log_verbose()
{
	[ "$VERBOSE" -gt 0 ] && printf '\t%s\n' "$@"
	return 0
}

# Start a test case: reset the per-test status kept by lib.sh.
test_begin()
{
	RET=$ksft_pass
	retmsg=
}

# Usage: test_setup <description> [enabled]: start a test case on a fresh
# topology (see setup); if that fails, log the case as failed and return 1.
test_setup()
{
	local desc=$1

	shift
	test_begin
	setup "$@" && return 0
	check_err 1 "topology setup failed"
	log_test "$desc"
	cleanup_topo
	return 1
}

# check_err <rc> <message>: fail the current test if rc is non-zero. The first
# message is printed by log_test, all of them with -v.
check_err()
{
	local rc=$1
	local msg=$2

	if [ "$rc" -ne 0 ]; then
		ret_set_ksft_status "$ksft_fail" "$msg"
		log_verbose "FAIL: $msg"
	fi
}

# check_out <rc> <output> <message>: like check_err, appends the first line
# of output to the message and prints all the output with -v.
check_out()
{
	local rc=$1
	local out=$2
	local msg=$3

	[ "$rc" -eq 0 ] && return 0
	check_err "$rc" "$msg: ${out%%$'\n'*}"
	[ "$VERBOSE" -gt 0 ] && printf '%s\n' "$out" | head -n 20 | sed 's/^/\t\t/'
	return 0
}

skip()
{
	echo "SKIP: $*"
	exit "$ksft_skip"
}

# Usage: pdm_counter <ns> <name>
pdm_counter()
{
	ip netns exec "$1" awk -v name="$2" \
		'$1 == name { print $2; found = 1 } END { exit !found }' \
		/proc/net/pdm6
}

# Usage: pdm_sysctl <ns> <name> <value>
pdm_sysctl()
{
	ip netns exec "$1" sysctl -qw "net.ipv6.pdm.$2=$3" 2>/dev/null
}

pdm_sysctl_get()
{
	ip netns exec "$1" sysctl -n "net.ipv6.pdm.$2" 2>/dev/null
}

# Usage: counter_delta <ns> <name> <before>
counter_delta()
{
	local now

	[ -n "$3" ] || return 1
	now=$(pdm_counter "$1" "$2") || return 1
	echo $((now - $3))
}

################################################################################
# Topology

setup()
{
	local enable=${1:-1}
	local ns

	setup_ns NS_A NS_B || return 1
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	done

	ip -n "$NS_A" link add veth0 mtu "$MTU" type veth \
		peer name veth0 mtu "$MTU" netns "$NS_B" || return 1
	ip -n "$NS_A" addr add "$ADDR_A/64" dev veth0 nodad || return 1
	ip -n "$NS_B" addr add "$ADDR_B/64" dev veth0 nodad || return 1
	ip -n "$NS_A" link set veth0 up || return 1
	ip -n "$NS_B" link set veth0 up || return 1

	pdm_sysctl "$NS_A" enabled "$enable" || return 1
	pdm_sysctl "$NS_B" enabled "$enable" || return 1
	# With PDM off, the sysctl test reads the defaults.
	[ "$enable" = 1 ] || return 0
	pdm_sysctl "$NS_A" flow_timeout "$FLOW_TIMEOUT_S" || return 1
	pdm_sysctl "$NS_B" flow_timeout "$FLOW_TIMEOUT_S" || return 1
}

cleanup_topo()
{
	local pid

	for pid in "${CAP_PIDS[@]}" "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	CAP_PIDS=()
	BG_PIDS=()
	cleanup_ns "$NS_A" "$NS_B" >/dev/null 2>&1
	NS_A=""
	NS_B=""
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup()
{
	cleanup_topo
	cleanup_all_ns >/dev/null 2>&1
	if [ -n "$TMP_DIR" ]; then
		if [ "$KEEP_FILES" = yes ]; then
			echo "Captures and parser output kept in $TMP_DIR"
		else
			rm -rf "$TMP_DIR"
		fi
	fi
}

################################################################################
# Traffic helpers (python3)

write_py_helper()
{
	cat > "$TMP_DIR/pdm_helper.py" <<'EOF'
# Traffic generators. Servers create the file named by $PDM_READY once their
# socket is bound.
import os
import socket
import struct
import sys
import time

TIMEOUT = float(os.environ.get("PDM_TIMEOUT", "60"))
IPV6_DSTOPTS = 59


def ready():
    path = os.environ.get("PDM_READY")
    if path:
        open(path, "w").close()


def wait_file(path):
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit("timeout waiting for " + path)
        time.sleep(0.05)


def udp_server(port, count, mode):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", int(port)))
    s.settimeout(TIMEOUT)
    ready()
    for _ in range(int(count)):
        data, peer = s.recvfrom(65535)
        print(data.decode(errors="replace"), flush=True)
        if mode == "echo":
            s.sendto(data, peer)


def udp_client(dst, port, count, mode, *dstopts):
    # One socket, so one flow, per IPV6_DSTOPTS value ("-": none).
    for v, opts in enumerate(dstopts):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.settimeout(TIMEOUT)
        if opts != "-":
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS,
                         bytes.fromhex(opts))
        s.connect((dst, int(port)))
        for i in range(int(count)):
            msg = ("pdm-%d-%d" % (v, i)).encode()
            s.send(msg)
            if mode == "echo" and s.recv(65535) != msg:
                sys.exit("bad echo")
        s.close()


def tcp_server(port, mode):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", int(port)))
    ls.listen(1)
    ls.settimeout(TIMEOUT)
    ready()
    c, _ = ls.accept()
    c.settimeout(TIMEOUT)
    total = 0
    while True:
        data = c.recv(65536)
        if not data:
            break
        total += len(data)
        if mode == "echo":
            c.sendall(data)
    if mode == "sink":
        c.sendall(str(total).encode())
    c.close()


def tcp_exchange(s, nbytes):
    data = bytes(i & 0xff for i in range(nbytes))
    s.sendall(data)
    got = b""
    while len(got) < nbytes:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    if got != data:
        sys.exit("bad TCP echo")


def tcp_client(dst, port, nbytes, mode, pause_dir=None):
    s = socket.create_connection((dst, int(port)), timeout=TIMEOUT)
    nbytes = int(nbytes)
    if mode == "sink":
        s.sendall(b"\0" * nbytes)
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(64)
            if not chunk:
                break
            reply += chunk
        if reply != str(nbytes).encode():
            sys.exit("server got %r bytes, sent %d" % (reply, nbytes))
    else:
        tcp_exchange(s, nbytes)
        if pause_dir:
            open(os.path.join(pause_dir, "phase1"), "w").close()
            wait_file(os.path.join(pause_dir, "go"))
            tcp_exchange(s, nbytes)
    s.close()


def raw_server(proto, count):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, int(proto))
    s.settimeout(TIMEOUT)
    ready()
    for _ in range(int(count)):
        s.recvfrom(65535)


def raw_client(dst, proto, count, group):
    # Joining a group makes the kernel send MLD reports.
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, int(proto))
    mreq = socket.inet_pton(socket.AF_INET6, group)
    mreq += struct.pack("@I", socket.if_nametoindex("veth0"))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    for i in range(int(count)):
        s.sendto(b"pdm-raw-%d" % i, (dst, 0))
        time.sleep(0.05)


def hdrincl_udp(src, dst, sport, dport, doh, payload):
    # Complete IPv6 packet from an IPV6_HDRINCL (IPPROTO_RAW) socket.
    saddr = socket.inet_pton(socket.AF_INET6, src)
    daddr = socket.inet_pton(socket.AF_INET6, dst)
    doh = bytearray.fromhex(doh)
    doh[0] = socket.IPPROTO_UDP
    payload = payload.encode()
    ulen = 8 + len(payload)
    pseudo = saddr + daddr + struct.pack("!IxxxB", ulen, socket.IPPROTO_UDP)
    udp = struct.pack("!HHHH", int(sport), int(dport), ulen, 0) + payload
    buf = pseudo + udp + (b"\0" if len(udp) & 1 else b"")
    csum = sum(struct.unpack("!%dH" % (len(buf) // 2), buf))
    while csum >> 16:
        csum = (csum & 0xffff) + (csum >> 16)
    csum = (~csum & 0xffff) or 0xffff
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(doh) + ulen, 60, 64)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip6 + saddr + daddr + bytes(doh) + udp, (dst, 0))


def flood(dst, port, nsock):
    # Distinct source ports: keep every socket open until all have sent.
    socks = []
    for i in range(int(nsock)):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.sendto(b"pdm-flood-%d" % i, (dst, int(port)))
        socks.append(s)
    for s in socks:
        s.close()


def udp_drain(port, count, idle):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("::", int(port)))
    s.settimeout(TIMEOUT)
    ready()
    n = 0
    try:
        while n < int(count):
            s.recv(65535)
            n += 1
            # The sender is running: stop once it has been quiet a while.
            s.settimeout(float(idle))
    except socket.timeout:
        pass
    print(n)


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
EOF
}

py()
{
	local ns=$1; shift

	PDM_TIMEOUT=$WAIT_S ip netns exec "$ns" python3 "$TMP_DIR/pdm_helper.py" "$@"
}

# Usage: server_start <ns> <output file> <helper command> [args...]
# Starts a helper server in the background and waits until it is bound.
# The pid is left in SRV_PID.
server_start()
{
	local ns=$1; shift
	local out=$1; shift
	local ready="$out.ready"

	rm -f "$ready"
	PDM_READY=$ready py "$ns" "$@" > "$out" 2>&1 &
	SRV_PID=$!
	BG_PIDS+=("$SRV_PID")
	slowwait "$WAIT_S" test -e "$ready"
}

# Usage: server_wait <pid>: wait for a server started by server_start.
server_wait()
{
	local pid=$1
	local rc

	local p left=()

	wait "$pid"
	rc=$?
	for p in "${BG_PIDS[@]}"; do
		[ "$p" = "$pid" ] || left+=("$p")
	done
	BG_PIDS=("${left[@]}")
	return $rc
}

################################################################################
# Capture helpers

# Usage: capture_start <name> <ns>: capture IPv6 on veth0 of <ns> into
# $TMP_DIR/<name>.pcap.
capture_start()
{
	local name=$1
	local ns=$2
	local file="$TMP_DIR/$name"

	ip netns exec "$ns" tcpdump -i veth0 -n -U --immediate-mode -Z root \
		-s "$SNAPLEN" -B 8192 -w "$file.pcap" ip6 2> "$file.log" &
	CAP_PIDS[$name]=$!
	slowwait "$WAIT_S" grep -qs "listening on" "$file.log"
}

# Usage: capture_stop <name>: stop the capture and decode it into
# $TMP_DIR/<name>.txt. CAP_DROPS is set to the packets the capture lost.
capture_stop()
{
	local name=$1
	local file="$TMP_DIR/$name"

	# let packets in flight reach the capture
	sleep 0.3
	kill "${CAP_PIDS[$name]}" 2>/dev/null
	wait "${CAP_PIDS[$name]}" 2>/dev/null
	unset "CAP_PIDS[$name]"

	CAP_DROPS=$(awk '/dropped by kernel/ { print $1 }' "$file.log")
	CAP_DROPS=${CAP_DROPS:-0}
	"$PARSER" "$file.pcap" > "$file.txt"
}

# Usage: pdm_awk <name> <awk program> [awk options...]
# Runs an awk program over the decoded capture <name>. Fields are addressed
# by name: $F["psntp"]. Helpers:
#   dir()      flow key of this packet, from its sender's point of view
#   rdir()     the same flow seen from the other end
#   flow()     direction independent flow key
#   pdm_ok()   true if the packet carries one well-formed PDM option
#   decode(v, s)  v * 2^s, attoseconds (exact in a double)
#   err(msg)   report a failed check on this packet, make the program exit 1
#   fail(msg)  the same without packet context (for END blocks)
pdm_awk()
{
	local name=$1; shift
	local prog=$1; shift

	awk "$@" '
function dir() {
	return $F["src"] " " $F["sport"] " " $F["dst"] " " $F["dport"] " " $F["proto"]
}
function rdir() {
	return $F["dst"] " " $F["dport"] " " $F["src"] " " $F["sport"] " " $F["proto"]
}
function flow(   a, b) {
	a = $F["src"] " " $F["sport"]
	b = $F["dst"] " " $F["dport"]
	return (a < b ? a " " b : b " " a) " " $F["proto"]
}
function pdm_ok() {
	return $F["pdm"] == "ok" && $F["ndoh"] == 1 && $F["dohok"] == 1
}
function decode(v, s) {
	return v * 2 ^ s
}
function err(msg) {
	printf("pkt %s (%s -> %s proto %s): %s\n", $F["n"], $F["src"],
	       $F["dst"], $F["proto"], msg)
	errors++
}
function fail(msg) {
	print msg
	errors++
}
NR == 1 && $1 == "#" {
	for (i = 2; i <= NF; i++)
		F[$i] = i - 1
	next
}
'"$prog"'
END {
	exit errors > 0
}' "$TMP_DIR/$name.txt"
}

# Check that every selected packet carries PDM in the layout used when the
# socket has no options of its own: one 16-octet DOH whose Next Header is the
# upper-layer protocol, PDM (0f 0a) at offset 2, then PadN "01 00".
AWK_CHECK_LAYOUT='
function check_layout(   doh) {
	doh = $F["doh"]
	if (!pdm_ok())
		err("no valid PDM (pdm=" $F["pdm"] " ndoh=" $F["ndoh"] \
		    " dohok=" $F["dohok"] ")")
	else if (length(doh) != 32 || $F["pdmoff"] != 2 ||
		 substr(doh, 1, 2) != sprintf("%02x", $F["proto"]) ||
		 substr(doh, 3, 6) != "010f0a" || substr(doh, 29, 4) != "0100")
		err("unexpected DOH layout " doh)
}
'

################################################################################
# Shared scenario: mixed traffic in both directions, captured on both veths.
# Used by the traffic, psn, psnlr and tshark tests; generated once.

MIXED_ERR=""

gen_mixed()
{
	local out="$TMP_DIR/mixed"
	local name

	if [ -e "$out.done" ]; then
		[ -z "$MIXED_ERR" ]
		return
	fi
	touch "$out.done"

	if ! setup; then
		MIXED_ERR="topology setup failed"
		cleanup_topo
		return 1
	fi

	for name in $PDM_COUNTERS; do
		echo "$name $(pdm_counter "$NS_A" "$name")" >> "$out.a.before"
		echo "$name $(pdm_counter "$NS_B" "$name")" >> "$out.b.before"
	done

	capture_start mixed_a "$NS_A"
	capture_start mixed_b "$NS_B"

	# UDP request/response, A -> B -> A
	server_start "$NS_B" "$out.udp" udp_server "$UDP_PORT" 4 echo
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 4 echo - ||
		MIXED_ERR+="UDP exchange failed; "
	server_wait "$SRV_PID" || MIXED_ERR+="UDP server failed; "

	# ICMPv6 echo, both ways
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" \
		>/dev/null || MIXED_ERR+="ping A->B failed; "
	ip netns exec "$NS_B" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_A" \
		>/dev/null || MIXED_ERR+="ping B->A failed; "

	# TCP, data in both directions
	server_start "$NS_B" "$out.tcp" tcp_server "$TCP_PORT" echo
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 3000 echo ||
		MIXED_ERR+="TCP exchange failed; "
	server_wait "$SRV_PID" || MIXED_ERR+="TCP server failed; "

	# raw socket (not IPV6_HDRINCL), A -> B; the group join sends MLD
	server_start "$NS_B" "$out.raw" raw_server "$RAW_PROTO" 2
	py "$NS_A" raw_client "$ADDR_B" "$RAW_PROTO" 2 "$MCAST_GROUP" ||
		MIXED_ERR+="raw send failed; "
	server_wait "$SRV_PID" || MIXED_ERR+="raw receive failed; "

	# UDP to a closed port: B answers with an ICMPv6 error
	py "$NS_A" udp_client "$ADDR_B" "$CLOSED_PORT" 1 noecho - ||
		MIXED_ERR+="UDP to closed port failed; "

	# let TCP finish closing before counters and captures are read
	sleep 1
	for name in $PDM_COUNTERS; do
		echo "$name $(pdm_counter "$NS_A" "$name")" >> "$out.a.after"
		echo "$name $(pdm_counter "$NS_B" "$name")" >> "$out.b.after"
	done

	capture_stop mixed_a || MIXED_ERR+="pdm_parser failed; "
	echo "$CAP_DROPS" > "$out.a.drops"
	capture_stop mixed_b || MIXED_ERR+="pdm_parser failed; "
	echo "$CAP_DROPS" > "$out.b.drops"

	cleanup_topo
	[ -z "$MIXED_ERR" ]
}

# Usage: mixed_counter <a|b> <before|after> <name>
mixed_counter()
{
	awk -v name="$3" '$1 == name { print $2 }' "$TMP_DIR/mixed.$1.$2"
}

mixed_delta()
{
	local before after

	before=$(mixed_counter "$1" before "$2")
	after=$(mixed_counter "$1" after "$2")
	if [ -z "$before" ] || [ -z "$after" ]; then
		echo "missing"
		return 1
	fi
	echo $((after - before))
}

################################################################################
# Tests

pdm_sysctl_test()
{
	local desc="sysctl defaults, ranges and per-netns scope; /proc/net/pdm6"
	local name val out rc

	test_setup "$desc" 0 || return

	val=$(pdm_sysctl_get "$NS_A" enabled)
	[ "$val" = 0 ]
	check_err $? "default enabled is '$val', expected 0"
	val=$(pdm_sysctl_get "$NS_A" max_flows)
	[ "$val" = 65536 ]
	check_err $? "default max_flows is '$val', expected 65536"
	val=$(pdm_sysctl_get "$NS_A" flow_timeout)
	[ "$val" = 60 ]
	check_err $? "default flow_timeout is '$val', expected 60"

	# name, values that must be accepted, values that must be rejected
	while read -r name good bad; do
		for val in ${good//,/ }; do
			pdm_sysctl "$NS_A" "$name" "$val" &&
				[ "$(pdm_sysctl_get "$NS_A" "$name")" = "$val" ]
			check_err $? "$name=$val not accepted"
		done
		for val in ${bad//,/ }; do
			! pdm_sysctl "$NS_A" "$name" "$val"
			check_err $? "$name=$val accepted"
		done
	done <<-EOF
		enabled 1,0 2,-1
		max_flows 1,1048576,65536 0,1048577,-1
		flow_timeout 1,86400,60 0,86401,-1
	EOF

	# per-netns: A's settings do not leak into B
	pdm_sysctl "$NS_A" enabled 1
	pdm_sysctl "$NS_A" max_flows 100
	[ "$(pdm_sysctl_get "$NS_B" enabled)" = 0 ] &&
		[ "$(pdm_sysctl_get "$NS_B" max_flows)" = 65536 ]
	check_err $? "sysctl values are not per network namespace"

	out=$(ip netns exec "$NS_B" awk -v names="$PDM_COUNTERS" '
		BEGIN { n = split(names, want) }
		NF != 2 || $2 !~ /^[0-9]+$/ { print "bad line: " $0; bad = 1 }
		{ seen[$1] = $2 }
		END {
			for (i = 1; i <= n; i++) {
				if (!(want[i] in seen)) {
					print "missing " want[i]; bad = 1
				} else if (seen[want[i]] != 0) {
					print want[i] " not 0 in a new netns"
					bad = 1
				}
			}
			exit bad
		}' /proc/net/pdm6 2>&1)
	rc=$?
	check_out $rc "$out" "/proc/net/pdm6"

	log_test "$desc"
	cleanup_topo
}

pdm_traffic_test()
{
	local desc="PDM on UDP, ICMPv6 echo, TCP and raw, both directions"
	local out rc side me peer cap d name expect

	test_begin
	gen_mixed
	check_err $? "traffic generation: $MIXED_ERR"

	# Every packet of these kinds, sent by either side and checked in the
	# sender's own capture, carries one PDM option in a 16-octet DOH.
	for side in a b; do
		if [ $side = a ]; then me=$ADDR_A; else me=$ADDR_B; fi
		out=$(pdm_awk "mixed_$side" "$AWK_CHECK_LAYOUT"'
			$F["src"] != me { next }
			$F["proto"] == 17 {
				udp++; check_layout()
			}
			$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) {
				echo++; check_layout()
			}
			$F["proto"] == 6 && $F["l4len"] > 0 {
				tcp++; check_layout()
			}
			$F["proto"] == rawp {
				raw++; check_layout()
			}
			END {
				if (udp < 4 || echo < 6 || tcp < 1 ||
				    (me == addr_a && raw < 2))
					fail("too few packets: udp " udp " echo " echo \
					    " tcp data " tcp " raw " raw)
			}' -v me="$me" -v rawp="$RAW_PROTO" -v addr_a="$ADDR_A" 2>&1)
		check_out $? "$out" "packets from $me"
	done

	log_test "$desc"

	# ND, MLD and ICMPv6 errors never carry PDM (no DOH at all).
	test_begin
	gen_mixed
	check_err $? "traffic generation: $MIXED_ERR"
	for side in a b; do
		out=$(pdm_awk "mixed_$side" '
			$F["proto"] != 58 || $F["info"] == 128 || $F["info"] == 129 {
				next
			}
			$F["info"] >= 133 && $F["info"] <= 137 { nd++ }
			$F["info"] == 130 || $F["info"] == 131 || $F["info"] == 132 ||
			$F["info"] == 143 { mld++ }
			$F["info"] >= 1 && $F["info"] <= 4 { errs++ }
			$F["ndoh"] != 0 { err("ICMPv6 type " $F["info"] " has a DOH") }
			END {
				printf("side %s: nd=%d mld=%d errors=%d\n", side, nd, mld, errs)
				if (!nd || !errs || (side == "a" && !mld)) {
					fail("expected ND, MLD and ICMPv6 error packets")
				}
			}' -v side="$side" 2>&1)
		rc=$?
		log_verbose "${out##*$'\n'}"
		check_out $rc "$out" "capture $side"
	done
	log_test "No PDM on Neighbour Discovery, MLD and ICMPv6 errors"

	# Counters: what each side sent with PDM and what the peer accepted,
	# and one flow entry per 5-tuple that carried PDM.
	test_begin
	for side in a b; do
		if [ $side = a ]; then
			me=$ADDR_A; peer=b
		else
			me=$ADDR_B; peer=a
		fi
		# packets with PDM sent by me, seen in my capture and in the peer's
		cap=$(pdm_awk "mixed_$side" '$F["src"] == me && pdm_ok() { n++ }
			END { print n + 0 }' -v me="$me")
		d=$(mixed_delta "$side" Pdm6OutPkts)
		[ "$d" = "$cap" ]
		check_err $? "$me: Pdm6OutPkts moved by $d, capture has $cap PDM packets"

		cap=$(pdm_awk "mixed_$peer" '$F["src"] == me && pdm_ok() { n++ }
			END { print n + 0 }' -v me="$me")
		d=$(mixed_delta "$peer" Pdm6InPkts)
		[ "$d" = "$cap" ]
		check_err $? "peer of $me: Pdm6InPkts moved by $d, expected $cap"

		d=$(mixed_delta "$peer" Pdm6InBadLen)
		[ "$d" = 0 ]
		check_err $? "Pdm6InBadLen moved by $d"

		cap=$(pdm_awk "mixed_$side" 'pdm_ok() { f[flow()] = 1 }
			END { for (k in f) n++; print n + 0 }')
		d=$(mixed_delta "$side" Pdm6FlowsCreated)
		expect=$(mixed_counter "$side" after Pdm6Flows)
		[ "$d" = "$cap" ] && [ "$expect" = "$cap" ]
		check_err $? \
			"$me: Pdm6FlowsCreated +$d, Pdm6Flows $expect, capture has $cap flows"
		for name in Pdm6FlowsExpired Pdm6FlowsFull; do
			d=$(mixed_delta "$side" "$name")
			[ "$d" = 0 ]
			check_err $? "$me: $name moved by $d"
		done
	done
	log_test "Counters in /proc/net/pdm6 match the capture"
}

pdm_psn_test()
{
	local desc="PSNTP starts random, increases by 1 per packet in each flow"
	local out side me drops

	test_begin
	gen_mixed
	check_err $? "traffic generation: $MIXED_ERR"

	for side in a b; do
		if [ $side = a ]; then me=$ADDR_A; else me=$ADDR_B; fi
		drops=$(cat "$TMP_DIR/mixed.$side.drops")
		[ "$drops" = 0 ]
		check_err $? "capture $side lost $drops packets"
		out=$(pdm_awk "mixed_$side" '
			$F["src"] != me || !pdm_ok() { next }
			{
				d = dir()
				if (d in last && $F["psntp"] != (last[d] + 1) % 65536)
					err("PSNTP " $F["psntp"] " after " last[d])
				if (!(d in last))
					first[$F["psntp"]]++
				last[d] = $F["psntp"]
				n[d]++
			}
			END {
				for (d in n) {
					flows++
					if (n[d] > 1)
						checked++
				}
				for (p in first)
					starts++
				if (checked < 3)
					fail("fewer than 3 multi-packet flows")
				# random start: 4 or more flows starting at the
				# same value happen by chance with p < 2^-48
				if (flows >= 4 && starts == 1)
					fail("all " flows " flows start at the same PSNTP")
			}' -v me="$me" 2>&1)
		check_out $? "$out" "packets from $me"
	done

	log_test "$desc"
}

pdm_psnlr_test()
{
	local desc="PSNLR echoes the peer's last PSNTP; zero deltas until known"
	local out side me

	test_begin
	gen_mixed
	check_err $? "traffic generation: $MIXED_ERR"

	# Only strictly alternating exchanges (UDP echo, ICMPv6 echo) and the
	# one-way raw flow: there the capture order of the sender is the order
	# in which its stack saw the packets.
	for side in a b; do
		if [ $side = a ]; then me=$ADDR_A; else me=$ADDR_B; fi
		out=$(pdm_awk "mixed_$side" '
			!pdm_ok() { next }
			$F["proto"] != 17 && $F["proto"] != 58 && $F["proto"] != rawp {
				next
			}
			$F["dst"] == me {
				# received: remember what it says about itself
				f = flow()
				rx_psn[f] = $F["psntp"]
				sent_before_rx[f] = (f in sent)
				next
			}
			$F["src"] == me {
				f = flow()
				checked++
				if (!(f in rx_psn)) {
					if ($F["psnlr"] != 0 || $F["dtlr"] != 0 ||
					    $F["sdtlr"] != 0 || $F["dtls"] != 0 ||
					    $F["sdtls"] != 0)
						err("PSNLR/deltas/scales not 0 before a receive")
				} else {
					if ($F["psnlr"] != rx_psn[f])
						err("PSNLR " $F["psnlr"] \
						    ", last received PSNTP " rx_psn[f])
					if ($F["dtlr"] == 0)
						err("DeltaTLR is 0 after a receive")
					if (!sent_before_rx[f] &&
					    ($F["dtls"] != 0 || $F["sdtls"] != 0))
						err("DeltaTLS not 0, no send before the receive")
					if (sent_before_rx[f] && $F["dtls"] == 0)
						err("DeltaTLS 0 despite a send before the receive")
				}
				sent[f] = 1
			}
			END {
				if (checked < 6)
					fail("only " checked " packets checked")
			}' -v me="$me" -v rawp="$RAW_PROTO" 2>&1)
		check_out $? "$out" "packets from $me"
	done

	log_test "$desc"

	# A non-zero delta is at least 1 ns = 10^9 attoseconds, so its scale is
	# at least 14, and the mantissa is normalized (top bit set) whenever
	# the scale is above 0. Nothing in this test takes 10 s or more.
	test_begin
	for side in a b; do
		out=$(pdm_awk "mixed_$side" '
			function check(what, v, s) {
				if (v == 0 && s == 0)
					return
				if (v == 0)
					err(what " is 0 with scale " s)
				else if (s < 14)
					err(what " " v " scale " s ": below 1 ns, not attoseconds?")
				else if (v < 32768)
					err(what " " v " scale " s ": mantissa not normalized")
				else if (decode(v, s) >= 10 * 1e18)
					err(what " " v " scale " s ": 10 s or more")
				checked++
			}
			pdm_ok() {
				check("DeltaTLR", $F["dtlr"], $F["sdtlr"])
				check("DeltaTLS", $F["dtls"], $F["sdtls"])
			}
			END {
				if (checked < 10)
					fail("only " checked + 0 " non-zero deltas")
			}' 2>&1)
		check_out $? "$out" "capture $side"
	done
	log_test "Delta times in attoseconds with a normalized 16-bit mantissa"
}

pdm_rtt_test()
{
	local low_ms=$NETEM_DELAY_MS
	local high_ms=$((NETEM_DELAY_MS + RTT_TOLERANCE_MS))
	local desc out rc rtts

	test_setup "RTT from PDM fields" || return
	# Resolve the neighbours first: a1 must not wait for ND after its
	# PDM time stamp was taken.
	ip netns exec "$NS_A" ping -6 -q -c 1 -W 2 "$ADDR_B" >/dev/null
	check_err $? "ping failed"
	if ! tc -n "$NS_A" qdisc add dev veth0 root netem \
		delay "${NETEM_DELAY_MS}ms" 2>/dev/null; then
		log_test_skip "RTT from PDM fields (netem not available)"
		cleanup_topo
		return
	fi

	capture_start rtt "$NS_B"
	server_start "$NS_B" "$TMP_DIR/rtt.udp" udp_server "$UDP_PORT" 3 echo
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 3 echo -
	check_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	check_err $? "UDP server failed"
	capture_stop rtt
	check_err $? "pdm_parser failed"

	# a(k) from A, b(k) the reply: RTT = DeltaTLS(a(k+1)) - DeltaTLR(b(k)).
	# Decoded values are truncated by less than 2^-15 of their value, so
	# the lower bound allows 1 us below the netem delay.
	out=$(pdm_awk rtt '
		$F["proto"] != 17 || !pdm_ok() { next }
		$F["src"] == addr_a && $F["dport"] == port {
			na++
			a_psn[na] = $F["psntp"]
			a_lr[na] = $F["psnlr"]
			a_dtls[na] = decode($F["dtls"], $F["sdtls"])
		}
		$F["src"] == addr_b && $F["sport"] == port {
			nb++
			b_psn[nb] = $F["psntp"]
			b_lr[nb] = $F["psnlr"]
			b_dtlr[nb] = decode($F["dtlr"], $F["sdtlr"])
		}
		END {
			if (na < 3 || nb < 2) {
				print "only " na + 0 " requests and " nb + 0 " replies with PDM"
				exit 1
			}
			low = low_ms * 1e15 - 1e12
			high = high_ms * 1e15
			for (k = 1; k < na; k++) {
				if (b_lr[k] != a_psn[k]) {
					print "PSNLR(b" k ") " b_lr[k] \
					      ", PSNTP(a" k ") " a_psn[k]
					errors++
				}
				if (a_lr[k + 1] != b_psn[k]) {
					print "PSNLR(a" k + 1 ") " a_lr[k + 1] \
					      ", PSNTP(b" k ") " b_psn[k]
					errors++
				}
				rtt = a_dtls[k + 1] - b_dtlr[k]
				if (rtt < low || rtt > high) {
					printf("RTT %.3fms out of range\n", rtt / 1e15)
					errors++
				}
				rtts = rtts sprintf(" %.3f", rtt / 1e15)
				srv = srv sprintf(" %.3f", b_dtlr[k] / 1e15)
			}
			printf("rtt(ms)%s server delay(ms)%s\n", rtts, srv)
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" -v port="$UDP_PORT" \
		   -v low_ms="$low_ms" -v high_ms="$high_ms" 2>&1)
	rc=$?
	log_verbose "${out##*$'\n'}"
	check_out $rc "$out" "RTT"

	rtts=$(echo "$out" | sed -n 's/^rtt(ms) \(.*\) server.*/\1/p')
	desc="RTT with netem ${NETEM_DELAY_MS}ms: ${rtts:-none} ms (allowed ${low_ms}..${high_ms})"
	log_test "$desc"
	cleanup_topo
}

pdm_disabled_test()
{
	local desc="enabled=0: flows flushed, no DOH sent, counters unchanged"
	local out ns name flows

	test_setup "$desc" || return

	# create flows, then check that disabling flushes them
	ip netns exec "$NS_A" ping -6 -q -c 1 -W 2 "$ADDR_B" >/dev/null
	check_err $? "ping failed"
	for ns in "$NS_A" "$NS_B"; do
		flows=$(pdm_counter "$ns" Pdm6Flows)
		[ "${flows:-0}" -gt 0 ]
		check_err $? "no flow entry after a ping with enabled=1"
		pdm_sysctl "$ns" enabled 0
		check_err $? "cannot write enabled=0"
		flows=$(pdm_counter "$ns" Pdm6Flows)
		[ "$flows" = 0 ]
		check_err $? "Pdm6Flows is '$flows' after enabled=0, expected 0"
		ip netns exec "$ns" cat /proc/net/pdm6 > "$TMP_DIR/disabled.$ns"
	done

	capture_start disabled "$NS_A"
	server_start "$NS_B" "$TMP_DIR/disabled.udp" udp_server "$UDP_PORT" 2 echo
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 2 echo -
	check_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	ip netns exec "$NS_A" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_B" >/dev/null
	check_err $? "ping A->B failed"
	ip netns exec "$NS_B" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_A" >/dev/null
	check_err $? "ping B->A failed"
	server_start "$NS_B" "$TMP_DIR/disabled.tcp" tcp_server "$TCP_PORT" echo
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 2000 echo
	check_err $? "TCP exchange failed"
	server_wait "$SRV_PID"
	sleep 0.5
	capture_stop disabled
	check_err $? "pdm_parser failed"

	out=$(pdm_awk disabled '
		$F["ndoh"] != 0 { err("has a Destination Options header") }
		$F["proto"] == 17 { udp++ }
		$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) { echo++ }
		$F["proto"] == 6 && $F["l4len"] > 0 { tcp++ }
		END {
			if (udp < 4 || echo < 8 || tcp < 2)
				fail("too few packets: udp " udp " echo " echo " tcp data " tcp)
		}' 2>&1)
	check_out $? "$out" "capture"

	for ns in "$NS_A" "$NS_B"; do
		out=$(ip netns exec "$ns" cat /proc/net/pdm6 |
		      diff "$TMP_DIR/disabled.$ns" - 2>&1)
		check_out $? "$(echo "$out" | grep '^>' | tr '\n' ' ')" "counters moved"
	done
	log_test "$desc"

	pdm_tcp_midconn_test
	cleanup_topo
}

# Called from pdm_disabled_test with PDM disabled on both sides.
pdm_tcp_midconn_test()
{
	local desc="TCP connected while disabled gets no PDM after enabling"
	local pause_dir="$TMP_DIR/midconn.d"
	local out pid

	test_begin
	mkdir -p "$pause_dir"
	capture_start midconn "$NS_A"
	server_start "$NS_B" "$TMP_DIR/midconn.tcp" tcp_server "$TCP_PORT" echo
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 2000 echo "$pause_dir" &
	pid=$!
	BG_PIDS+=("$pid")
	slowwait "$WAIT_S" test -e "$pause_dir/phase1"
	check_err $? "TCP client did not finish its first exchange"

	pdm_sysctl "$NS_A" enabled 1
	pdm_sysctl "$NS_B" enabled 1
	touch "$pause_dir/go"
	server_wait "$pid"
	check_err $? "TCP exchange failed"
	server_wait "$SRV_PID"
	check_err $? "TCP server failed"
	# proves that PDM is active now
	ip netns exec "$NS_A" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_B" >/dev/null
	check_err $? "ping failed"
	capture_stop midconn
	check_err $? "pdm_parser failed"

	out=$(pdm_awk midconn '
		$F["proto"] == 6 && ($F["sport"] == port || $F["dport"] == port) {
			tcp++
			if ($F["l4len"] > 0)
				data++
			if ($F["ndoh"] != 0)
				err("TCP packet of a connection made while disabled has a DOH")
		}
		$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) {
			echo++
			if (!pdm_ok())
				err("ICMPv6 echo without PDM after enabling")
		}
		END {
			if (data < 4 || echo < 4)
				fail("too few packets: tcp data " data " echo " echo)
		}' -v port="$TCP_PORT" 2>&1)
	check_out $? "$out" "capture"
	log_test "$desc"
}

pdm_merge_test()
{
	local desc="PDM merged into the socket's IPV6_DSTOPTS header"
	# NH and Hdr Ext Len are filled in by the kernel from the buffer given
	# to setsockopt: 1e = unknown option, action 00 (skip)
	local opt1="00001e04deadbeef"		# option, no padding
	local opt2="00001e01aa010100"		# option, then PadN
	local opt3="00010f0a1122123456789abcdef00100"	# a complete PDM
	local out

	test_setup "$desc" || return

	capture_start merge "$NS_A"
	server_start "$NS_B" "$TMP_DIR/merge.udp" udp_server "$UDP_PORT" 3 echo
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 1 echo "$opt1" "$opt2" "$opt3"
	check_err $? "UDP exchange failed (datagram not delivered or echoed)"
	server_wait "$SRV_PID"
	check_err $? "receiver did not get the 3 datagrams"
	capture_stop merge
	check_err $? "pdm_parser failed"

	# The user option comes first with its own trailing padding dropped,
	# PDM at the next even offset, then padding to a multiple of 8 octets.
	out=$(pdm_awk merge '
		function pdm_place(optlen,   off) {
			off = 2 + optlen
			off += off % 2
			exp_off = off
			exp_len = int((off + 12 + 7) / 8) * 8
		}
		$F["src"] != addr_a || $F["proto"] != 17 || $F["dport"] != port { next }
		$F["opts"] == "1e:deadbeef" || $F["opts"] == "1e:aa" {
			merged++
			pdm_place($F["opts"] == "1e:aa" ? 3 : 6)
			if (!pdm_ok())
				err("pdm=" $F["pdm"] " ndoh=" $F["ndoh"] \
				    " dohok=" $F["dohok"] " doh=" $F["doh"])
			else if ($F["pdmoff"] != exp_off || $F["dohlen"] != exp_len)
				err("PDM at " $F["pdmoff"] " in " $F["dohlen"] \
				    " octets, expected " exp_off " in " exp_len \
				    ": " $F["doh"])
			else if (substr($F["doh"], 5, 2 * (exp_off - 2)) !~ \
				 /^1e04deadbeef$|^1e01aa00$/)
				err("user option not first: " $F["doh"])
			next
		}
		$F["doh"] == "11010f0a1122123456789abcdef00100" { own++; next }
		{ err("unexpected DOH " $F["doh"] " opts " $F["opts"]) }
		END {
			if (merged != 2 || own != 1)
				fail(merged + 0 " merged and " own + 0 \
				     " own-PDM packets, expected 2 and 1")
		}' -v addr_a="$ADDR_A" -v port="$UDP_PORT" 2>&1)
	check_out $? "$out" "capture"
	log_test "$desc"

	# The socket's own PDM is sent as is (checked above) and the receiver
	# takes it as the peer's PSNTP.
	test_begin
	out=$(pdm_awk merge '
		$F["doh"] == "11010f0a1122123456789abcdef00100" {
			own_port = $F["sport"]
			own++
		}
		own_port != "" && $F["src"] == addr_b && $F["dport"] == own_port {
			reply++
			if (!pdm_ok() || $F["psnlr"] != 4660)
				err("reply has PSNLR " $F["psnlr"] ", expected 4660 (0x1234)")
		}
		END {
			if (own != 1 || reply != 1)
				fail(own + 0 " own-PDM datagrams and " reply + 0 \
				     " replies, expected 1 and 1")
		}' -v addr_b="$ADDR_B" 2>&1)
	check_out $? "$out" "capture"
	log_test "Socket's own PDM option sent unchanged, no second PDM added"
	cleanup_topo
}

pdm_badlen_test()
{
	local desc="PDM with wrong length skipped, counted, datagram delivered"
	local opt6="00010f06aabbccddeeff010400000000"	# len 6
	local opt0="00000f0001020000"			# len 0
	local raw12="11010f0c000000000000000000000000"	# len 12, raw socket
	local bad0 in0 d out

	test_setup "$desc" || return

	bad0=$(pdm_counter "$NS_B" Pdm6InBadLen)
	in0=$(pdm_counter "$NS_B" Pdm6InPkts)
	capture_start badlen "$NS_B"
	server_start "$NS_B" "$TMP_DIR/badlen.udp" udp_server "$UDP_PORT" 3 sink
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 1 noecho "$opt6" "$opt0"
	check_err $? "UDP send with IPV6_DSTOPTS failed"
	py "$NS_A" hdrincl_udp "$ADDR_A" "$ADDR_B" 40000 "$UDP_PORT" \
		"$raw12" "pdm-raw12"
	check_err $? "IPV6_HDRINCL send failed"
	server_wait "$SRV_PID"
	check_err $? "receiver did not get all 3 datagrams"
	out=$(sort "$TMP_DIR/badlen.udp" | tr '\n' ' ')
	[ "$out" = "pdm-0-0 pdm-1-0 pdm-raw12 " ]
	check_err $? "receiver got '$out'"
	capture_stop badlen
	check_err $? "pdm_parser failed"

	d=$(counter_delta "$NS_B" Pdm6InBadLen "$bad0")
	[ "$d" = 3 ]
	check_err $? "Pdm6InBadLen moved by '$d', expected 3"
	d=$(counter_delta "$NS_B" Pdm6InPkts "$in0")
	[ "$d" = 0 ]
	check_err $? "Pdm6InPkts moved by '$d', expected 0"

	# The sender must not add its own PDM next to the malformed one.
	out=$(pdm_awk badlen '
		$F["src"] != addr_a || $F["proto"] != 17 { next }
		{ got[$F["doh"]] = $F["pdm"] }
		END {
			if (got["11" substr(opt6, 3)] != "bad6" ||
			    got["11" substr(opt0, 3)] != "bad0" ||
			    got[raw12] != "bad12") {
				for (d in got)
					printf("sent DOH %s (pdm=%s)\n", d, got[d])
				fail("DOHs on the wire differ from what the sockets set")
			}
		}' -v addr_a="$ADDR_A" -v opt6="$opt6" -v opt0="$opt0" \
		   -v raw12="$raw12" 2>&1)
	check_out $? "$out" "capture"

	log_test "$desc"
	cleanup_topo
}

pdm_flows_test()
{
	local desc="Flow table bounded by max_flows ($FLOOD_MAX_FLOWS, $FLOOD_SOCKETS flows)"
	local created0 full0 expired0 created_a0 flows full created d got
	local start elapsed

	test_setup "$desc" || return
	pdm_sysctl "$NS_B" max_flows "$FLOOD_MAX_FLOWS"
	check_err $? "cannot set max_flows"

	created0=$(pdm_counter "$NS_B" Pdm6FlowsCreated)
	full0=$(pdm_counter "$NS_B" Pdm6FlowsFull)
	expired0=$(pdm_counter "$NS_B" Pdm6FlowsExpired)
	created_a0=$(pdm_counter "$NS_A" Pdm6FlowsCreated)

	server_start "$NS_B" "$TMP_DIR/flows.udp" udp_drain "$UDP_PORT" \
		"$FLOOD_SOCKETS" 3
	py "$NS_A" flood "$ADDR_B" "$UDP_PORT" "$FLOOD_SOCKETS"
	check_err $? "flood failed"
	server_wait "$SRV_PID"
	got=$(cat "$TMP_DIR/flows.udp")
	[ "$got" = "$FLOOD_SOCKETS" ]
	check_err $? "receiver got '$got' of $FLOOD_SOCKETS datagrams"

	flows=$(pdm_counter "$NS_B" Pdm6Flows)
	flows=${flows:-$((FLOOD_MAX_FLOWS + 1))}
	[ "$flows" -le "$FLOOD_MAX_FLOWS" ]
	check_err $? "Pdm6Flows $flows > max_flows $FLOOD_MAX_FLOWS"
	[ "$flows" -eq "$FLOOD_MAX_FLOWS" ]
	check_err $? "Pdm6Flows $flows, expected the table full ($FLOOD_MAX_FLOWS)"
	created=$(counter_delta "$NS_B" Pdm6FlowsCreated "$created0")
	[ "${created:--1}" -eq "$FLOOD_MAX_FLOWS" ]
	check_err $? "Pdm6FlowsCreated moved by $created, expected $FLOOD_MAX_FLOWS"
	full=$(counter_delta "$NS_B" Pdm6FlowsFull "$full0")
	[ "${full:--1}" -ge $((got - FLOOD_MAX_FLOWS)) ]
	check_err $? "Pdm6FlowsFull moved by $full, expected >= $((got - FLOOD_MAX_FLOWS))"
	# max_flows is per netns: the sender kept all its flows
	d=$(counter_delta "$NS_A" Pdm6FlowsCreated "$created_a0")
	[ "${d:--1}" -eq "$FLOOD_SOCKETS" ]
	check_err $? "sender Pdm6FlowsCreated moved by $d, expected $FLOOD_SOCKETS"
	log_test "$desc"

	test_begin
	pdm_sysctl "$NS_B" flow_timeout "$EXPIRE_TIMEOUT_S"
	check_err $? "cannot set flow_timeout"
	start=$(timestamp_ms)
	flows=$(slowwait "$EXPIRE_WAIT_S" pdm_flows_zero "$NS_B")
	check_err $? "Pdm6Flows still ${flows##*$'\n'} after ${EXPIRE_WAIT_S}s"
	elapsed=$(( ($(timestamp_ms) - start) / 100 ))
	d=$(counter_delta "$NS_B" Pdm6FlowsExpired "$expired0")
	[ "${d:--1}" -ge "$FLOOD_MAX_FLOWS" ]
	check_err $? "Pdm6FlowsExpired moved by $d, expected >= $FLOOD_MAX_FLOWS"
	log_test "Idle flows expire (flow_timeout ${EXPIRE_TIMEOUT_S}s)" \
		"gone after $((elapsed / 10)).$((elapsed % 10))s, limit ${EXPIRE_WAIT_S}s"
	cleanup_topo
}

# Usage: pdm_flows_zero <ns>: print Pdm6Flows, true if it is 0
# shellcheck disable=SC2317 # called through slowwait
pdm_flows_zero()
{
	local flows

	flows=$(pdm_counter "$1" Pdm6Flows) || return 1
	echo "$flows"
	[ "$flows" -eq 0 ]
}

# Usage: tcp_mib <ns> <name>: a TCP MIB counter (TcpOutSegs ...)
tcp_mib()
{
	ip netns exec "$1" nstat -asz "$2" | awk -v n="$2" '$1 == n { print $2 }'
}

pdm_bulk_test()
{
	local desc="TCP bulk over MTU $MTU: sizes, unique PSNTP, retransmissions"
	local out0 retr0 out1 retr1 segs retr info

	test_setup "$desc" || return
	# No GRO on the receiver. TSO/GSO stay enabled on the sender on purpose:
	# a PDM socket that still built GSO packets would show up below as an
	# IPv6 payload length above the MTU.
	ip netns exec "$NS_B" ethtool -K veth0 gro off 2>/dev/null

	out0=$(tcp_mib "$NS_A" TcpOutSegs)
	retr0=$(tcp_mib "$NS_A" TcpRetransSegs)
	capture_start bulk "$NS_A"
	server_start "$NS_B" "$TMP_DIR/bulk.tcp" tcp_server "$TCP_PORT" sink
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" "$BULK_BYTES" sink
	check_err $? "transfer of $BULK_BYTES bytes failed"
	server_wait "$SRV_PID"
	check_err $? "TCP server failed"
	capture_stop bulk
	check_err $? "pdm_parser failed"
	out1=$(tcp_mib "$NS_A" TcpOutSegs)
	retr1=$(tcp_mib "$NS_A" TcpRetransSegs)

	info=$(pdm_awk bulk "$AWK_CHECK_LAYOUT"'
		$F["proto"] != 6 { next }
		$F["plen"] + 40 > mtu || $F["wirelen"] > mtu {
			err("IPv6 packet of " $F["plen"] + 40 " (wire " $F["wirelen"] ") octets")
		}
		$F["l4len"] > 0 && $F["src"] == addr_a {
			data++
			check_layout()
			if ($F["plen"] > maxplen)
				maxplen = $F["plen"]
		}
		pdm_ok() {
			d = dir()
			if ((d, $F["psntp"]) in seen)
				dup++
			seen[d, $F["psntp"]] = 1
			if ($F["src"] == addr_a && d in last &&
			    $F["psntp"] != (last[d] + 1) % 65536)
				gap++
			last[d] = $F["psntp"]
		}
		END {
			if (dup)
				fail(dup " duplicate PSNTP values")
			if (gap)
				fail(gap " PSNTP gaps in the data direction")
			if (data < int(bytes / mtu))
				fail("only " data " data segments captured")
			# the MSS is reduced by the 16 octets of the DOH, no more
			if (maxplen + 40 != mtu)
				fail("largest data packet " maxplen + 40 ", expected " mtu)
			printf("data segments %d, max IPv6 packet %d\n", data, maxplen + 40)
		}' -v mtu="$MTU" -v addr_a="$ADDR_A" -v bytes="$BULK_BYTES" 2>&1)
	check_out $? "$info" "capture"
	[ "$CAP_DROPS" = 0 ]
	check_err $? "capture lost $CAP_DROPS packets"

	segs=$((out1 - out0))
	retr=$((retr1 - retr0))
	[ $((retr * 100)) -le $((segs * RETRANS_MAX_PCT)) ]
	check_err $? "$retr of $segs segments retransmitted (limit ${RETRANS_MAX_PCT}%)"
	log_verbose "${info##*$'\n'}"
	log_test "$desc" "$segs segs, $retr retrans, limit ${RETRANS_MAX_PCT}%"
	cleanup_topo
}

# Usage: tshark_compare <pcap>: decode <pcap> with pdm_parser and tshark and
# print a line for every PDM packet where they differ; the last line gives
# the number of packets compared.
tshark_compare()
{
	local pcap=$1
	local rc

	"$PARSER" "$pcap" > "$pcap.txt" || return 1
	# TCP analysis is not needed and slow
	tshark -n -r "$pcap" -o tcp.analyze_sequence_numbers:FALSE \
		-T fields -E separator=/t -E occurrence=a -E aggregator=, \
		-e frame.number -e ipv6.dstopts.len_oct \
		-e ipv6.opt.type -e ipv6.opt.length \
		-e ipv6.opt.pdm.scale_dtlr -e ipv6.opt.pdm.scale_dtls \
		-e ipv6.opt.pdm.psn_this_pkt -e ipv6.opt.pdm.psn_last_recv \
		-e ipv6.opt.pdm.delta_last_recv -e ipv6.opt.pdm.delta_last_sent \
		> "$pcap.tshark" 2> "$pcap.tshark.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "tshark failed: $(grep -v 'Running as' "$pcap.tshark.err" | head -n 1)"
		return $rc
	fi

	# tshark lists every option type, and a length for all but Pad1: the
	# PDM length is the one at the position of type 0x0f, Pad1 skipped.
	awk -F '\t' '
		FILENAME == ARGV[1] {
			ts[$1] = $0
			next
		}
		FNR == 1 && $1 == "#" {
			for (i = 2; i <= NF; i++)
				F[$i] = i - 1
			next
		}
		$F["pdm"] != "ok" { next }
		{
			n++
			if (!($F["n"] in ts)) {
				print "frame " $F["n"] ": not decoded by tshark"
				bad++
				next
			}
			split(ts[$F["n"]], t, "\t")
			nt = split(t[3], types, ",")
			split(t[4], lens, ",")
			pdmlen = "none"
			j = 1
			for (i = 1; i <= nt; i++) {
				if (types[i] == "0x0f")
					pdmlen = lens[j]
				if (types[i] != "0x00")
					j++
			}
			mine = $F["dohlen"] " 10 " $F["sdtlr"] " " $F["sdtls"] " " \
			       $F["psntp"] " " $F["psnlr"] " " $F["dtlr"] " " $F["dtls"]
			theirs = t[2] " " pdmlen " " t[5] " " t[6] " " t[7] " " \
				 t[8] " " t[9] " " t[10]
			if (mine != theirs) {
				print "frame " $F["n"] ": pdm_parser [" mine "]," \
				      " tshark [" theirs "]"
				bad++
			}
		}
		END {
			print n + 0
			exit bad > 0
		}' "$pcap.tshark" FS=' ' "$pcap.txt"
}

pdm_tshark_test()
{
	local desc="tshark decodes the same PDM fields as pdm_parser"
	local merged="$TMP_DIR/all.pcap"
	local files=() out rc total=0 f

	test_begin
	if ! command -v tshark >/dev/null 2>&1; then
		log_test_skip "$desc (tshark not installed)"
		return
	fi

	gen_mixed
	check_err $? "traffic generation: $MIXED_ERR"
	rm -f "$merged"
	files=("$TMP_DIR"/*.pcap)
	# one tshark run over all captures when possible: it starts slowly
	if [ ${#files[@]} -gt 1 ] && command -v mergecap >/dev/null 2>&1; then
		mergecap -F pcap -a -w "$merged" "${files[@]}"
		check_err $? "mergecap failed"
		files=("$merged")
	fi

	for f in "${files[@]}"; do
		out=$(tshark_compare "$f" 2>&1)
		rc=$?
		check_out $rc "$out" "${f##*/}"
		[ $rc -eq 0 ] && total=$((total + ${out##*$'\n'}))
	done
	[ "$total" -gt 0 ]
	check_err $? "no PDM packet to compare"

	log_test "$desc" "$total PDM packets compared"
	rm -f "$merged" "$merged".*
}

################################################################################
# Main

while getopts :t:pkvh o; do
	case $o in
	t) TESTS=$OPTARG;;
	p) PAUSE_ON_FAIL=yes;;
	k) KEEP_FILES=yes;;
	v) VERBOSE=$((VERBOSE + 1));;
	h) usage; exit 0;;
	*) usage; exit 1;;
	esac
done

[ "$(id -u)" -eq 0 ] || skip "Need root privileges"

for tool in ip tc tcpdump python3 awk sysctl ping nstat; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
tcpdump -h 2>&1 | grep -q immediate-mode ||
	skip "tcpdump with --immediate-mode option required"
[ -x "$PARSER" ] || skip "$PARSER not built"

# Kernel support: the per-netns sysctl only exists with CONFIG_IPV6_PDM.
sysctl -n net.ipv6.pdm.enabled >/dev/null 2>&1 ||
	skip "Kernel without IPv6 PDM support (no net.ipv6.pdm.enabled)"

TMP_DIR=$(mktemp -d) || exit "$ksft_fail"
trap cleanup EXIT
write_py_helper

for t in $TESTS; do
	case $t in
	sysctl)		pdm_sysctl_test;;
	traffic)	pdm_traffic_test;;
	psn)		pdm_psn_test;;
	psnlr)		pdm_psnlr_test;;
	rtt)		pdm_rtt_test;;
	disabled)	pdm_disabled_test;;
	merge)		pdm_merge_test;;
	badlen)		pdm_badlen_test;;
	flows)		pdm_flows_test;;
	bulk)		pdm_bulk_test;;
	tshark)		pdm_tshark_test;;
	*)		echo "Unknown test: $t"; usage; exit 1;;
	esac
done

exit "$EXIT_STATUS"
