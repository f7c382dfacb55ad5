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
# The linklocal case adds NS_C on a second link, A's veth1 to C's veth0, with
# the same link-local addresses as the first: fe80::1 in A, fe80::2 in B and C.
#
# Traffic is captured with tcpdump and decoded with pdm_parser, which prints
# one line per IPv6 packet (see the comment at the top of pdm_parser.c for the
# fields). The checks are awk programs over that output that address fields by
# name. Per-netns PDM counters are the Pdm6* lines of /proc/net/snmp6.
#
# Output is KTAP: the plan is printed before the first case runs, each case
# reports a fixed number of results (CASE_RESULTS below) whatever happens, and
# the details of a failure are "#" lines before its result.
#
# Cases:
#   sysctl     sysctl defaults, ranges, per-netns scope; Pdm6* counters in
#              /proc/net/snmp6, no /proc/net/pdm6
#   traffic    UDP, ICMPv6 echo, TCP and raw socket packets in both directions
#              carry one PDM option in a 16-octet DOH; ND, MLD, ICMPv6 errors
#              and multicast carry none; counters match the capture, where
#              received PDM counts only on packets the upper layer accepts
#   psn        PSNTP grows by exactly 1 per packet in each flow direction and
#              starts at a random value in each new flow
#   psnlr      PSNLR echoes the PSNTP of the last packet received on the flow;
#              deltas and scales are 0 until there is something to measure;
#              deltas are attoseconds with a normalized 16-bit mantissa
#   rtt        round-trip time from PDM fields with netem delay on one side
#   disabled   enabled=0 flushes flows, adds no header and moves no counter;
#              a TCP connection established while disabled never gets PDM
#   merge      PDM is merged into a socket's own IPV6_DSTOPTS header; a
#              socket's own PDM option is sent unchanged
#   badlen     PDM options with a wrong length are skipped and counted, the
#              datagram (to a bound port) is still delivered, the sender adds
#              no second PDM
#   accept     no PDM accounted, no flow created for a UDP datagram with a bad
#              checksum or to a closed port, nor for an out-of-window TCP
#              segment
#   flows      a spoofed-source flood fills the table: new flows evict old
#              ones, a real flow started after it still gets state; idle
#              flows expire
#   linklocal  one peer address on two links is two flows
#   ipsec      transport mode ESP and AH: PDM in the clear before them, one
#              flow per side, every datagram accounted
#   bulk       TCP bulk transfers with GSO, in RFC 8250, PDMv2 and
#              protected PDMv2, segmented in software before A's veth (TSO
#              off) and passed whole (default offloads): no packet above
#              the MTU, full-sized segments use exactly the MTU, a PSNTP of
#              its own for every segment, those of a whole GSO packet
#              counted by B, in order, none lost but what TCP sent again,
#              no retransmission burst; segmented before A's veth and
#              merged by GRO at B's: options in clear merge, protected ones
#              not, B counts every segment
#   frag       a UDP datagram larger than the MTU, with PDMv2: every fragment
#              repeats its PDM option, the receiver accounts it once, from
#              the first fragment, and the datagram is delivered
#   sockopt    IPV6_PDM: values, ENOPROTOOPT on SCTP; UDP sockets set to 0
#              where the netns has PDM on and to 1 where it is off; a TCP
#              listener's value goes to the accepted socket
#   tcpctl     SYN-ACK and RST to a closed port carry PDM; a TCP socket's own
#              IPV6_DSTOPTS and PDM share one DOH, full-sized segments use
#              exactly the MTU
#   twait      B closes a TCP connection first: the ACK of its time-wait
#              socket goes on from the connection's PSNs, and the table of
#              each side keeps the connection's flow and counts, in
#              RFC 8250, PDMv2 and protected PDMv2 (no replay counted)
#   midway     a TCP connection set up with PDM keeps it after enabled=0:
#              PSNTP goes on by 1, PSNLR and deltas are 0
#   idle       connected sockets keep their PDM state past flow_timeout,
#              while the table expires its entries
#   gso        UDP GSO sends carry no PDM and are delivered
#   mergelim   no PDM merged into a header of 8 options or that would grow
#              past 2048 octets (Pdm6OutSkipped); a header's trailing
#              padding dropped before PDM
#   netnsdel   a netns deleted under PDM traffic
#   v2         PDMv2 (draft-ietf-ippm-encrypted-pdmv2-13) in clear: layout,
#              PSNs, Global Pointer, reply in kind, option type, merge;
#              decoded by pdm_parser from the draft's layout
#   policy     the per-prefix policy table on the wire: off towards one
#              prefix, PDMv2 towards another, the sysctls elsewhere; on
#              towards a prefix where disabled; deleted, the sysctls again
#   netlink    the pdm generic netlink family through ip pdm and through
#              tools/net/ynl/cli.py: state and counters, every policy op,
#              EPERM unprivileged, extack errors, the table's bound
#   protect    protected PDMv2 (AES-GCM) through ip pdm key: both ways on
#              UDP, TCP and ICMPv6 echo, decrypted from the capture by
#              pdm_crypt.py; a wrong key, an option changed on the path, a
#              replayed packet, a clear option from a keyed peer: skipped,
#              counted, delivered; rotation mid-flow; EPERM; key octets in
#              no dump or log; ten thousand keys; deletion under traffic
#   tshark     tshark decodes the same RFC 8250 values as pdm_parser (skipped
#              when tshark is not installed)
#
# Needs root, ip (with xfrm), tc, tcpdump, python3, ping, nstat and pdm_parser;
# tshark and mergecap are optional. The policy and netlink cases need an ip
# with "ip pdm" (iproute2 with PDM), netlink also the kernel tree's
# tools/net/ynl/cli.py and Documentation/netlink/specs/pdm.yaml (KSRC, by
# default the tree this script is in), python3 with yaml and jsonschema,
# setpriv and unshare.

# awk programs are single-quoted on purpose
# shellcheck disable=SC2016

SCRIPT_DIR=$(dirname "$(readlink -e "${BASH_SOURCE[0]}")")
# shellcheck source=../lib.sh
source "$SCRIPT_DIR/../lib.sh"
# shellcheck source=../../kselftest/ktap_helpers.sh
source "$SCRIPT_DIR/../../kselftest/ktap_helpers.sh"

ALL_TESTS="sysctl traffic psn psnlr rtt disabled merge badlen accept flows
	   linklocal ipsec bulk frag sockopt tcpctl twait midway idle gso
	   mergelim
	   netnsdel v2 policy netlink protect tshark metrics loss monitor
	   flowdump"
TESTS=$ALL_TESTS

# The results each case reports, in order. Every case reports all of them on
# every path, so the plan is known before any case runs.
declare -A CASE_RESULTS

# Usage: plan_case <case> <description>...
plan_case()
{
	local name=$1
	local IFS='|'

	shift
	CASE_RESULTS[$name]="$*"
}

plan_case sysctl "defaults" "accepted and rejected values" \
	"per network namespace" "/proc/net/snmp6 of a new namespace"
plan_case traffic "PDM on UDP, ICMPv6 echo, TCP and raw, both directions" \
	"no PDM on ND, MLD, ICMPv6 errors and multicast" \
	"counters match the capture"
plan_case psn "PSNTP increases by 1 per packet in each flow" \
	"PSNTP of new flows starts at random values"
plan_case psnlr \
	"PSNLR echoes the last PSNTP received, zero deltas until known" \
	"deltas in attoseconds with a normalized mantissa"
plan_case rtt "round trip from DeltaTLS(a2) - DeltaTLR(b1) with netem delay"
plan_case disabled \
	"enabled=0 flushes flows, adds no header, moves no counter" \
	"TCP connected while disabled gets no PDM after enabling"
plan_case merge "PDM merged into the socket's IPV6_DSTOPTS header" \
	"socket's own PDM option sent unchanged, no second PDM"
plan_case badlen "wrong-length PDM counted, datagram delivered" \
	"sender adds no PDM next to a malformed one"
plan_case accept "no PDM accounted on a UDP datagram with a bad checksum" \
	"the same datagram with a good checksum accounted" \
	"no PDM accounted on a UDP datagram to a closed port" \
	"an in-window TCP segment with PDM accounted" \
	"no PDM accounted on an out-of-window TCP segment"
plan_case flows "flow table bounded by max_flows, old flows evicted" \
	"a flow started after the flood gets state" "idle flows expire"
plan_case linklocal "one flow per link for one link-local peer address" \
	"PSNTP increases by 1 per packet on each link" \
	"PSNLR echoes the PSNTP received on the same link"
plan_case ipsec "ESP: one flow per side, every datagram accounted" \
	"ESP: PDM in a DOH before ESP, PSNLR echoes the request" \
	"AH: one flow per side, every datagram accounted" \
	"AH: PDM in a DOH before AH, PSNLR echoes the request"
plan_case bulk \
	"RFC 8250, software GSO: no packet above the MTU, full-sized segments" \
	"RFC 8250: a PSNTP for each segment, software GSO and whole GSO packets" \
	"RFC 8250: B accounts every segment in order; lost ones TCP resent, below the limit" \
	"RFC 8250, GRO at B: segments merged, their PSNTPs in one run" \
	"PDMv2, software GSO: no packet above the MTU, full-sized segments" \
	"PDMv2: a PSNTP for each segment, software GSO and whole GSO packets" \
	"PDMv2: B accounts every segment in order; lost ones TCP resent, below the limit" \
	"PDMv2, GRO at B: segments merged, their PSNTPs in one run" \
	"protected, software GSO: no packet above the MTU, full-sized segments" \
	"protected: a PSNTP for each segment, software GSO and whole GSO packets" \
	"protected: B accounts every segment in order; lost ones TCP resent, below the limit" \
	"protected, GRO at B: no segment merged"
plan_case frag "datagrams larger than the MTU delivered" \
	"every fragment repeats the datagram's PDM option" \
	"PDM accounted once per datagram" \
	"first fragment's PDM accounted when a later one arrives first"
plan_case sockopt "IPV6_PDM: -1 at first, -1 to 2 taken, others EINVAL" \
	"IPV6_PDM: ENOPROTOOPT on an SCTP socket" \
	"UDP: IPV6_PDM=0 sends and accounts no PDM where enabled" \
	"UDP: IPV6_PDM=1 sends and accounts PDM where disabled" \
	"TCP: the listener's IPV6_PDM=1 goes to the accepted socket" \
	"TCP: an IPV6_PDM=0 connection carries no PDM where enabled"
plan_case tcpctl "SYN-ACK carries PDM" "RST to a closed port carries PDM" \
	"the socket's IPV6_DSTOPTS and PDM in one DOH on every segment" \
	"with IPV6_DSTOPTS, full-sized segments use exactly the MTU"
plan_case twait \
	"RFC 8250: B's time-wait ACK follows the connection's PSNs, both tables keep its flow" \
	"PDMv2: B's time-wait ACK follows the connection's PSNs, both tables keep its flow" \
	"protected: B's time-wait ACK follows the connection's PSNs, both tables keep its flow"
plan_case midway "a connection set up with PDM keeps it after enabled=0" \
	"PSNTP increases by 1 per packet across the switch" \
	"PSNLR and deltas 0 after the switch, nothing accounted"
plan_case idle "TCP: PSNTP increases by 1 per packet across the idle time" \
	"connected UDP: PSNTP increases by 1 per packet across the idle time" \
	"table entries expired meanwhile, socket flows kept"
plan_case gso "UDP GSO send delivered in segments" "no PDM on UDP GSO packets"
plan_case mergelim "8 options: no PDM, skipped, delivered; 7 options: merged" \
	"2040-octet headers: no PDM, skipped" \
	"long trailing padding dropped, PDM merged"
plan_case netnsdel "netns deleted under PDM traffic"
plan_case v2 "PDMv2 in its 32-octet layout on UDP, TCP, ICMPv6 echo and raw" \
	"PDMv2: PSNTP increases by 1 per packet in each flow, in 32 bits" \
	"PDMv2: PSNLR echoes the last PSNTP received, zero deltas until known" \
	"PDMv2: each sender's Global Pointers are 1, 2, 3..., Epoch 0" \
	"reply in kind: RFC 8250 to an RFC 8250 peer, PDMv2 to a PDMv2 one" \
	"PDMv2 under v2_type 0x1e accounted; skipped by a receiver on 0x0f" \
	"PDMv2 merged into the socket's IPV6_DSTOPTS, 4-octet aligned"
plan_case policy "off to one prefix, PDMv2 to another, the sysctls elsewhere" \
	"where disabled, a v2 entry gives PDMv2 to its prefix only" \
	"entries deleted, the sysctls decide again"
plan_case netlink "ip pdm show: the sysctls and the Pdm6* counters" \
	"ip pdm policy add, replace, show, del and flush" \
	"cli.py: state-get, policy-add, policy-get, policy-del, policy-flush" \
	"EPERM unprivileged; allowed in a user namespace's own netns" \
	"extack errors for malformed requests" \
	"the table holds PDM_MAX_POLICIES entries and no more"
plan_case protect "protected PDMv2 both ways on UDP, TCP, ICMPv6; IVs never repeat" \
	"decrypted by pdm_crypt.py: PSNs, PSNLR echoes, the netem delay" \
	"a wrong key: skipped and counted, delivered, flow state kept" \
	"an option changed on the path: skipped and counted, delivered" \
	"a replayed packet: skipped and counted, delivered" \
	"a clear option from a keyed peer: skipped and counted" \
	"rotation to the next Epoch mid-flow: no failure, no sample lost" \
	"key ops: EPERM unprivileged; key octets in no dump or log" \
	"ten thousand keys install and resolve" \
	"keys deleted and added under traffic"
plan_case tshark "tshark decodes the same PDM fields as pdm_parser"
# metrics: the tolerance on RTT, and on server delay around the delay the
# server timed (10 ms, more when it runs late). scripts/selftest.sh -d
# sets a wider one for a debug kernel.
MET_TOL_PCT=${PDM_MET_TOL_PCT:-10}
MET_DESC="RTT within ${MET_TOL_PCT}% of 50 ms, server delay as the server timed"
MET_DESC_V1="RFC 8250: $MET_DESC"
MET_DESC_V2="PDMv2: $MET_DESC"
MET_DESC_V2P="protected PDMv2: $MET_DESC"
plan_case metrics \
	"$MET_DESC_V1" \
	"$MET_DESC_V2" \
	"$MET_DESC_V2P" \
	"jitter 2 to 10 ms under netem delay variation, below 2 ms without"
plan_case loss "lost packets under netem loss: those the receiver missed" \
	"reordered packets under netem reorder: those the receiver saw" \
	"duplicates under netem duplicate: those the receiver saw" \
	"protected PDMv2: the same lost, reordered and duplicate counts" \
	"flush empties the table"
plan_case monitor "ip pdm monitor: one record per PDM option received" \
	"an unprivileged listener cannot join the monitor group" \
	"no record made without a listener" \
	"records above net.ipv6.pdm.monitor_rate counted, not sent"
plan_case flowdump \
	"10000 flows dumped once each across messages, under traffic" \
	"cli.py dumps the same flows" \
	"prefix, port and protocol filters select the flows" \
	"flush by prefix, then of all: the table is empty"

VERBOSE=0
PAUSE_ON_FAIL=no
KEEP_FILES=no

ADDR_A=2001:db8::1
ADDR_B=2001:db8::2
# linklocal: A's address on both links, and its peer's on each of them
LL_A=fe80::1
LL_PEER=fe80::2
LL_DGRAMS=3
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

# New flows whose first PSNTP is checked for randomness.
RANDOM_FLOWS=256

# A flood from FLOOD_SOURCES spoofed sources FLOOD_PREFIX<n> (n from 1, in
# hex), one datagram each, into a table of FLOOD_MAX_FLOWS entries.
FLOOD_SOURCES=256
FLOOD_PREFIX=2001:db8::1:
FLOOD_SPORT=40002
FLOOD_MAX_FLOWS=64
# Request/reply pairs of the real flow started after the flood.
FLOOD_REAL_DGRAMS=3
EXPIRE_TIMEOUT_S=1
EXPIRE_WAIT_S=20
# Idle timeout of the flows of the other tests: none may expire mid-test,
# however slow the kernel (debug builds under emulation take minutes).
FLOW_TIMEOUT_S=3600
# Most seconds a helper may take to start or a peer to answer. Generous for
# the same reason; a passing run never waits that long.
WAIT_S=60

# Each of the nine transfers of the bulk case.
BULK_BYTES=$((2 * 1024 * 1024))
# TcpRetransSegs may be at most 1% of TcpOutSegs during a bulk transfer.
RETRANS_MAX_PCT=1

# Fragmented datagrams: 3 fragments each over a 1500-octet MTU.
FRAG_DGRAMS=3
FRAG_SIZE=3000
# One datagram cut in two by hand: 1232 + 776 octets of UDP.
FRAG_PAIR_SIZE=2000
FRAG_PAIR_SPORT=40001
FRAG_PAIR_PSN_FIRST=4369	# 0x1111
FRAG_PAIR_PSN_LATER=8738	# 0x2222

# accept: a raw UDP datagram with a valid PDM option, PSNTP 0xabcd
ACCEPT_SPORT=40003
ACCEPT_DOH="00010f0a0000abcd0000000000000100"
# and PDM on TCP segments of a connection, in and out of its window
ACCEPT_PSN_IN=4660		# 0x1234
ACCEPT_PSN_OUT=22136		# 0x5678

# ipsec: transport mode SAs with fixed test keys, one SPI per direction;
# the AH exchange uses its own port, so a flow of its own in any case
IPSEC_DGRAMS=3
IPSEC_AH_PORT=7780
IPSEC_SPI_AB=0x1000
IPSEC_SPI_BA=0x1001
ESP_KEY=0x000102030405060708090a0b0c0d0e0f10111213	# AES-128 key, salt
AH_KEY=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# sockopt: datagrams from each UDP socket, and the source ports of the
# sockets with IPV6_PDM set to 0, to 1, and not set
SOCKOPT_DGRAMS=3
SOCKOPT_SPORT_OFF=40010
SOCKOPT_SPORT_ON=40011
SOCKOPT_SPORT_NETNS=40012

# tcpctl: the TCP client's own option (1e: unknown, skip), and the bytes
# it sends
TCPCTL_DSTOPTS="00001e04deadbeef"
TCPCTL_BYTES=$((256 * 1024))
# twait: what A sends before B closes; connections tried until B's socket
# is a time-wait one when A's FIN comes
TWAIT_BYTES=1000
TWAIT_TRIES=3

# midway: bytes echoed before and after enabled=0
MIDWAY_BYTES=20000

# idle: flow_timeout, the idle time, and the connected UDP pair's exchanges
# before and after it, from source port IDLE_SPORT
IDLE_TIMEOUT_S=1
IDLE_S=3
IDLE_DGRAMS=3
IDLE_SPORT=40020

# gso: one send of GSO_SEGS segments of GSO_SIZE octets
GSO_SIZE=1000
GSO_SEGS=3

# mergelim: the MTU and snap length that 2040-octet headers need (the first
# fragment check of ip6_append_data() counts them twice)
MERGELIM_MTU=9000
MERGELIM_SNAPLEN=4096

# policy: two more prefixes of B, one for each entry of A's table
POL_OFF_A=2001:db8:1::1
POL_OFF_B=2001:db8:1::2
POL_V2_A=2001:db8:2::1
POL_V2_B=2001:db8:2::2
POL_PINGS=3

# netlink: the kernel tree, for cli.py and the family's spec
KSRC=${KSRC:-$(readlink -f "$SCRIPT_DIR/../../../../..")}
YNL_CLI=$KSRC/tools/net/ynl/cli.py
YNL_SPEC=$KSRC/Documentation/netlink/specs/pdm.yaml
PDM_MAX_POLICIES=1024
# prefixes as cli.py takes binary attributes, in hex
HEX_DB8=20010db8000000000000000000000000
HEX_DB8_2=20010db8000200000000000000000000
HEX_FE80=fe800000000000000000000000000000

# protect: the keys of A to B and B to A, a wrong one, the keys of the
# next Epoch (hex key:salt), and the keys of the table test
KEY_AB=00112233445566778899aabbccddeeff:01020304
KEY_BA=ffeeddccbbaa99887766554433221100:05060708
KEY_BAD=0f0e0d0c0b0a09080706050403020100:01020304
KEY_AB2=101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f:0a0b0c0d
KEY_BA2=303132333435363738393a3b3c3d3e3f:0e0f1011
PROT_MANY_KEYS=10000
PROT_PINGS=20
# pdm_crypt.py, installed beside this script
CRYPT="$SCRIPT_DIR/pdm_crypt.py"

# metrics: netem's delay each way, the server's wait before it answers, the
# client's pause between exchanges, the tolerance, and netem's variation
MET_PORT=7791
MET_DELAY_MS=25
MET_WAIT_MS=10
MET_PAUSE_MS=5
MET_EXCHANGES=20
MET_WARM=3
MET_JITTER_MS=5
MET_JITTER_EXCHANGES=60
# loss: datagrams A sends (one a ms), netem loss, reordering, duplicates
LOSS_PORT=7792
LOSS_DGRAMS=1000
LOSS_PCT=10
REORDER_DGRAMS=500
# netem holds 3 in 4 of them this long, and sends the others at once. A
# datagram is reordered when one sent within that time overtakes it: the
# sender sends one per ms, or, under KASAN, one per 10 ms or more (10 ms
# let only 9 in 500 be overtaken there). At one per ms, 30 keeps every
# late one within the 64 PSNs a protected flow's window takes.
REORDER_DELAY_MS=30
DUP_PCT=10
# monitor: pings with a listener; the rate limit of the last check
MON_PINGS=10
MON_RATE=5
# flowdump: flows from FD_SOURCES spoofed sources FD_PREFIX<n> (n from 1,
# in hex), of which those up to 0xfff are in FD_SUB
FD_SOURCES=10000
FD_PREFIX=2001:db8:f::
FD_SUB=2001:db8:f::/116
FD_SUB_N=4095
FD_SPORT=40030
FD_PORT=7793

# v2: a socket's own option before PDMv2 (1e: unknown, skip)
V2_DSTOPTS="00001e04deadbeef"
# and the port of a UDP server in A
V2_PORT=7790

# netnsdel: PDM packets A accounts before B goes, and how long A's traffic
# goes on once B is gone (it runs until then, however slow the kernel)
NETNSDEL_MIN_PKTS=20
NETNSDEL_AFTER_S=0.5

# The Pdm6* lines of /proc/net/snmp6. The live flow count, Pdm6Flows in
# pdm_counter and counters_get, is computed from them: the entries of the
# netns table. Connected sockets keep their flow with them, counted by
# Pdm6SockFlows only.
PDM_COUNTERS="Pdm6OutPkts Pdm6OutSkipped Pdm6InPkts Pdm6InMalformed Pdm6FlowsCreated
	      Pdm6FlowsExpired Pdm6FlowsEvicted Pdm6FlowsNoMem Pdm6SockFlows
	      Pdm6OutProtected Pdm6OutNoKey Pdm6InProtected Pdm6InAuthFailed
	      Pdm6InNoKey Pdm6InReplayed Pdm6InUnprotected Pdm6MonitorRecords
	      Pdm6MonitorLimited"

PARSER="$SCRIPT_DIR/pdm_parser"
# The PDM version setup gives both namespaces, and the PDMv2 option type
# pdm_parser decodes (net.ipv6.pdm.v2_type)
SETUP_VERSION=1
CAP_V2_TYPE=0x0f
TMP_DIR=""
NS_A=""
NS_B=""
NS_C=""
declare -A CAP_PIDS
BG_PIDS=()

# Current case, its planned results, how many it reported; current check.
CASE=""
CASE_DESCS=()
CASE_DONE=0
CK_FAIL=0
CK_SKIP=""

################################################################################
# Results

usage()
{
	cat <<EOF
usage: ${0##*/} OPTS

	-t <test>   Test(s) to run (default: all)
		    (options: $ALL_TESTS)
	-p          Pause on fail
	-k          Keep captures and parser output (directory is printed)
	-v          Verbose mode (print all the output of a failed check)
EOF
}

# Usage: diag <text>: print <text> as KTAP diagnostic lines.
diag()
{
	local line

	[ -n "$*" ] || return 0
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<< "$*"
}

# ktap_test_skip() prints no reason.
ktap_test_skip_reason()
{
	__ktap_test ok "$1" "SKIP $2"
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

# Start a check: one result line.
ck_begin()
{
	CK_FAIL=0
	CK_SKIP=""
}

# Usage: ck_err <rc> <message>: the current check fails if <rc> is not 0.
ck_err()
{
	[ "$1" -eq 0 ] && return 0
	diag "$2"
	CK_FAIL=1
	return 0
}

# Usage: ck_out <rc> <output> <message>: like ck_err, and prints the output
# of the failed command (its first 20 lines, all of them with -v).
ck_out()
{
	local rc=$1
	local out=$2
	local msg=$3

	[ "$rc" -eq 0 ] && return 0
	ck_err "$rc" "$msg"
	if [ "$VERBOSE" -gt 0 ]; then
		diag "$out"
	else
		diag "$(printf '%s\n' "$out" | head -n 20)"
	fi
	return 0
}

# Usage: ck_skip <reason>: skip the current check. A failure reported before
# or after it in the same check still fails it.
ck_skip()
{
	[ -n "$CK_SKIP" ] || CK_SKIP=$1
}

# Print the result of the current check as the next result of the case.
ck_report()
{
	local desc="$CASE: ${CASE_DESCS[CASE_DONE]}"

	if [ "$CK_FAIL" -ne 0 ]; then
		[ -z "$CK_SKIP" ] || diag "(would have been skipped: $CK_SKIP)"
		ktap_test_fail "$desc"
		pause_on_fail
	elif [ -n "$CK_SKIP" ]; then
		ktap_test_skip_reason "$desc" "$CK_SKIP"
	else
		ktap_test_pass "$desc"
	fi
	CASE_DONE=$((CASE_DONE + 1))
	ck_begin
}

# Usage: ck_end <description>: report the current check, which must be the
# next result planned for the case in CASE_RESULTS.
ck_end()
{
	if [ "$CASE_DONE" -ge "${#CASE_DESCS[@]}" ]; then
		ktap_exit_fail_msg "case $CASE reports more results than planned: $1"
	fi
	if [ "$1" != "${CASE_DESCS[CASE_DONE]}" ]; then
		diag "BUG: '$1' reported for '${CASE_DESCS[CASE_DONE]}'"
		CK_FAIL=1
	fi
	ck_report
}

# Usage: case_abort <reason>: fail every result the case has not reported.
case_abort()
{
	while [ "$CASE_DONE" -lt "${#CASE_DESCS[@]}" ]; do
		diag "not run: $1"
		CK_FAIL=1
		ck_report
	done
}

# Usage: case_run <name>: run a case; it reports all its planned results.
case_run()
{
	CASE=$1
	IFS='|' read -r -a CASE_DESCS <<< "${CASE_RESULTS[$CASE]}"
	CASE_DONE=0
	SETUP_VERSION=1
	CAP_V2_TYPE=0x0f
	ck_begin

	# At KERN_NOTICE: in the log, but not on a console that only shows
	# warnings, where it could land in the middle of a result line.
	if [ -w /dev/kmsg ]; then
		{ echo "<5>pdm.sh: case $CASE" > /dev/kmsg; } 2>/dev/null
	fi
	printf '# case: %s\n' "$CASE"

	case $CASE in
	sysctl)		pdm_sysctl_test;;
	traffic)	pdm_traffic_test;;
	psn)		pdm_psn_test;;
	psnlr)		pdm_psnlr_test;;
	rtt)		pdm_rtt_test;;
	disabled)	pdm_disabled_test;;
	merge)		pdm_merge_test;;
	badlen)		pdm_badlen_test;;
	accept)		pdm_accept_test;;
	flows)		pdm_flows_test;;
	linklocal)	pdm_linklocal_test;;
	ipsec)		pdm_ipsec_test;;
	bulk)		pdm_bulk_test;;
	frag)		pdm_frag_test;;
	sockopt)	pdm_sockopt_test;;
	tcpctl)		pdm_tcpctl_test;;
	twait)		pdm_twait_test;;
	midway)		pdm_midway_test;;
	idle)		pdm_idle_test;;
	gso)		pdm_gso_test;;
	mergelim)	pdm_mergelim_test;;
	netnsdel)	pdm_netnsdel_test;;
	v2)		pdm_v2_test;;
	policy)		pdm_policy_test;;
	netlink)	pdm_netlink_test;;
	protect)	pdm_protect_test;;
	tshark)		pdm_tshark_test;;
	metrics)	pdm_metrics_test;;
	loss)		pdm_loss_test;;
	monitor)	pdm_monitor_test;;
	flowdump)	pdm_flowdump_test;;
	esac
	cleanup_topo
	if [ "$CASE_DONE" -lt "${#CASE_DESCS[@]}" ]; then
		case_abort "BUG: case $CASE returned without reporting this"
	fi
}

################################################################################
# Utilities

# Usage: snmp6_get <name> < snmp6: a counter of a /proc/net/snmp6 copy.
# Pdm6Flows, the live flow count, has no line: it is computed.
snmp6_get()
{
	awk -v name="$1" '
		NF == 2 { v[$1] = $2 }
		END {
			if (name != "Pdm6Flows") {
				if (!(name in v))
					exit 1
				print v[name]
				exit 0
			}
			if (!("Pdm6FlowsCreated" in v) ||
			    !("Pdm6FlowsExpired" in v) ||
			    !("Pdm6FlowsEvicted" in v))
				exit 1
			print v["Pdm6FlowsCreated"] - v["Pdm6FlowsExpired"] - \
			      v["Pdm6FlowsEvicted"]
		}'
}

# Usage: pdm_counter <ns> <name>: a /proc/net/snmp6 counter of <ns>, or
# Pdm6Flows (see snmp6_get)
pdm_counter()
{
	ip netns exec "$1" cat /proc/net/snmp6 2>/dev/null | snmp6_get "$2"
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

# Usage: counters_save <ns> <name>: keep the /proc/net/snmp6 counters of
# <ns> as <name>; fails unless every Pdm6* counter is there, as a number.
counters_save()
{
	local file="$TMP_DIR/$2.counters"

	ip netns exec "$1" cat /proc/net/snmp6 > "$file" 2>/dev/null || return 1
	awk -v names="$PDM_COUNTERS" '
		BEGIN { n = split(names, want) }
		NF == 2 && $2 ~ /^[0-9]+$/ { seen[$1] = 1 }
		END {
			for (i = 1; i <= n; i++)
				if (!(want[i] in seen))
					exit 1
		}' "$file"
}

# Usage: counters_get <name> <counter>: a counter kept by counters_save,
# or Pdm6Flows (see snmp6_get)
counters_get()
{
	snmp6_get "$2" < "$TMP_DIR/$1.counters"
}

# Usage: counters_delta <ns> <name> <counter>: how much <counter> of <ns>
# grew since counters_save <ns> <name>
counters_delta()
{
	local before now

	before=$(counters_get "$2" "$3") || return 1
	now=$(pdm_counter "$1" "$3") || return 1
	echo $((now - before))
}

# Usage: ck_counters <ns> <name> <what> <counter>=<delta>...: fail the check
# unless each counter of <ns> grew by <delta> since counters_save <ns> <name>.
ck_counters()
{
	local ns=$1
	local name=$2
	local what=$3
	local c d

	shift 3
	for c in "$@"; do
		d=$(counters_delta "$ns" "$name" "${c%=*}")
		[ "$d" = "${c#*=}" ]
		ck_err $? "$what: ${c%=*} moved by '$d', expected ${c#*=}"
	done
}

# Usage: counter_grew <ns> <name> <counter> <delta>: true once <counter> of
# <ns> grew by <delta> since counters_save <ns> <name>
# shellcheck disable=SC2317 # called through slowwait
counter_grew()
{
	local d

	d=$(counters_delta "$1" "$2" "$3") || return 1
	[ "$d" -ge "$4" ]
}

################################################################################
# Topology

# Usage: setup [1|0|none]: two namespaces joined by veth, PDM enabled (1,
# default), disabled (0) or left as a new namespace has it (none). Where
# not left so, both send PDM of version SETUP_VERSION: 1 (RFC 8250) unless
# a case sets 2.
setup()
{
	local enable=${1:-1}
	local ns

	if ! setup_ns NS_A NS_B > "$TMP_DIR/setup_ns.log" 2>&1; then
		diag "$(cat "$TMP_DIR/setup_ns.log")"
		return 1
	fi
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 &&
			ip netns exec "$ns" sysctl -qw \
				net.ipv6.conf.default.accept_dad=0 || return 1
	done

	ip -n "$NS_A" link add veth0 mtu "$MTU" type veth \
		peer name veth0 mtu "$MTU" netns "$NS_B" || return 1
	ip -n "$NS_A" addr add "$ADDR_A/64" dev veth0 nodad || return 1
	ip -n "$NS_B" addr add "$ADDR_B/64" dev veth0 nodad || return 1
	ip -n "$NS_A" link set veth0 up || return 1
	ip -n "$NS_B" link set veth0 up || return 1

	[ "$enable" = none ] && return 0
	for ns in "$NS_A" "$NS_B"; do
		pdm_sysctl "$ns" version "$SETUP_VERSION" || return 1
		pdm_sysctl "$ns" enabled "$enable" || return 1
		[ "$enable" = 1 ] || continue
		pdm_sysctl "$ns" flow_timeout "$FLOW_TIMEOUT_S" || return 1
	done
}

# Usage: case_setup [1|0|none]: setup for a case; if it fails, the case
# fails all its results and 1 is returned.
case_setup()
{
	setup "$@" 2> "$TMP_DIR/setup.err" && return 0
	diag "$(cat "$TMP_DIR/setup.err")"
	case_abort "topology setup failed"
	return 1
}

cleanup_topo()
{
	local pid

	for pid in "${CAP_PIDS[@]}" "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	CAP_PIDS=()
	BG_PIDS=()
	cleanup_ns "$NS_A" "$NS_B" "$NS_C" >/dev/null 2>&1
	NS_A=""
	NS_B=""
	NS_C=""
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup()
{
	cleanup_topo
	cleanup_all_ns >/dev/null 2>&1
	if [ -n "$TMP_DIR" ]; then
		if [ "$KEEP_FILES" = yes ]; then
			diag "Captures and parser output kept in $TMP_DIR"
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
import errno
import os
import socket
import struct
import sys
import time

TIMEOUT = float(os.environ.get("PDM_TIMEOUT", "60"))
IPV6_DSTOPTS = 59
IPV6_PDM = 79
IPPROTO_SCTP = 132
IPPROTO_UDPLITE = 136
SOL_UDP = 17
UDP_SEGMENT = 103
NEXTHDR_FRAGMENT = 44
NEXTHDR_DEST = 60
TCP_ACK = 0x10
TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_RECV_QUEUE = 1
TCP_SEND_QUEUE = 2
TCP_REPAIR_OFF_NO_WP = -1
RAW_PROTO = 253         # as in pdm.sh

SOCK_KINDS = {
    "udp": (socket.SOCK_DGRAM, socket.IPPROTO_UDP),
    "udplite": (socket.SOCK_DGRAM, IPPROTO_UDPLITE),
    "tcp": (socket.SOCK_STREAM, socket.IPPROTO_TCP),
    "raw": (socket.SOCK_RAW, RAW_PROTO),
    "ping": (socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6),
    "sctp": (socket.SOCK_STREAM, IPPROTO_SCTP),
}


def ready():
    path = os.environ.get("PDM_READY")
    if path:
        open(path, "w").close()


def set_opts(s, pdm="-", dstopts="-"):
    # IPV6_PDM and IPV6_DSTOPTS (hex), unless "-"
    if pdm != "-":
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_PDM, int(pdm))
    if dstopts != "-":
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, bytes.fromhex(dstopts))


def get_pdm(s):
    return s.getsockopt(socket.IPPROTO_IPV6, IPV6_PDM)


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


def udp_send(dst, port, count, mode, *specs):
    # One connected socket per spec "sport/pdm/dstopts": source port (0:
    # any), IPV6_PDM and IPV6_DSTOPTS as set_opts() takes them.
    for v, spec in enumerate(specs):
        sport, pdm, opts = spec.split("/")
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.settimeout(TIMEOUT)
        set_opts(s, pdm, opts)
        s.bind(("::", int(sport)))
        s.connect((dst, int(port)))
        for i in range(int(count)):
            msg = ("pdm-%d-%d" % (v, i)).encode()
            s.send(msg)
            if mode == "echo" and s.recv(65535) != msg:
                sys.exit("bad echo")
        s.close()


def udp_peer(port, peer, peer_port, count):
    # Echo server connected to its peer before any traffic.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.bind(("::", int(port)))
    s.connect((peer, int(peer_port)))
    ready()
    for _ in range(int(count)):
        s.send(s.recv(65535))


def udp_pause(dst, port, sport, count, pause_dir):
    # count echoed datagrams, a pause as tcp_client makes it, count more.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.bind(("::", int(sport)))
    s.connect((dst, int(port)))
    for phase in range(2):
        if phase:
            open(os.path.join(pause_dir, "phase1"), "w").close()
            wait_file(os.path.join(pause_dir, "go"))
        for i in range(int(count)):
            msg = ("pdm-pause-%d-%d" % (phase, i)).encode()
            s.send(msg)
            if s.recv(65535) != msg:
                sys.exit("bad echo")


def udp_gso(dst, port, size, nseg):
    # One UDP_SEGMENT send of nseg segments of size octets: "a"s, "b"s...
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, int(size))
    s.connect((dst, int(port)))
    data = b"".join(bytes([0x61 + i]) * int(size) for i in range(int(nseg)))
    if s.send(data) != len(data):
        sys.exit("short send")


def sockopt(*kinds):
    # IPV6_PDM of each kind of socket: -1 at first; -1, 0, 1 and 2 read
    # back as set; other values EINVAL, the value left as it was.
    bad = []
    for kind in kinds:
        try:
            s = socket.socket(socket.AF_INET6, *SOCK_KINDS[kind])
            v = get_pdm(s)
            if v != -1:
                bad.append("%s: %d at first, expected -1" % (kind, v))
            for want in (2, 0, -1, 1):
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_PDM, want)
                v = get_pdm(s)
                if v != want:
                    bad.append("%s: set %d, got %d" % (kind, want, v))
            for val in (3, -2, 1 << 16, -(1 << 31)):
                try:
                    s.setsockopt(socket.IPPROTO_IPV6, IPV6_PDM, val)
                    bad.append("%s: %d accepted" % (kind, val))
                except OSError as e:
                    if e.errno != errno.EINVAL:
                        bad.append("%s: %d: %s" % (kind, val, e.strerror))
                v = get_pdm(s)
                if v != 1:
                    bad.append("%s: %d after %d was refused" % (kind, v, val))
            s.close()
        except OSError as e:
            bad.append("%s: %s" % (kind, e))
    for b in bad:
        print(b)
    if bad:
        sys.exit("%d problems" % len(bad))


def sockopt_noproto(kind):
    # IPV6_PDM refused with ENOPROTOOPT; "unsupported" if there is no such
    # socket.
    try:
        s = socket.socket(socket.AF_INET6, *SOCK_KINDS[kind])
    except OSError as e:
        print("unsupported: %s" % e.strerror)
        return
    bad = 0
    for what in ("setsockopt", "getsockopt"):
        try:
            if what == "setsockopt":
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_PDM, 1)
            else:
                get_pdm(s)
            print("%s succeeded" % what)
            bad += 1
        except OSError as e:
            if e.errno != errno.ENOPROTOOPT:
                print("%s: %s, expected ENOPROTOOPT" % (what, e.strerror))
                bad += 1
    if bad:
        sys.exit("%d problems" % bad)


def udp_big(dst, port, count, size):
    # Datagrams of size octets, echoed one by one, from one socket.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.connect((dst, int(port)))
    for i in range(int(count)):
        msg = ("pdm-big-%d-" % i).encode().ljust(int(size), b"x")
        s.send(msg)
        if s.recv(65535) != msg:
            sys.exit("bad echo of datagram %d" % i)


def tcp_server(port, mode, pdm="-", hold_dir="-"):
    # With pdm, the listener's IPV6_PDM: prints the accepted socket's.
    # With hold_dir, at the client's FIN: hold_dir/eof, then wait for
    # hold_dir/go before answering, the connection still open.
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    set_opts(ls, pdm)
    ls.bind(("::", int(port)))
    ls.listen(1)
    ls.settimeout(TIMEOUT)
    ready()
    c, _ = ls.accept()
    c.settimeout(TIMEOUT)
    if pdm != "-":
        print("accepted IPV6_PDM %d" % get_pdm(c), flush=True)
    total = 0
    if mode.startswith("close"):
        # close<n>: close first, once the client's n bytes are in: the
        # connection ends here in a time-wait socket.
        while total < int(mode[5:]):
            data = c.recv(65536)
            if not data:
                sys.exit("EOF after %d bytes" % total)
            total += len(data)
        c.close()
        return
    while True:
        data = c.recv(65536)
        if not data:
            break
        total += len(data)
        if mode == "echo":
            c.sendall(data)
    if hold_dir != "-":
        open(os.path.join(hold_dir, "eof"), "w").close()
        wait_file(os.path.join(hold_dir, "go"))
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


def tcp_client(dst, port, nbytes, mode, pause_dir="-"):
    tcp_conn(dst, port, nbytes, mode, "-", "-", pause_dir)


def tcp_conn(dst, port, nbytes, mode, pdm, dstopts, pause_dir="-"):
    # tcp_client with IPV6_PDM and IPV6_DSTOPTS (set_opts) before connect
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    set_opts(s, pdm, dstopts)
    s.connect((dst, int(port)))
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
    elif mode == "close":
        # The server closes first. At its FIN, pause_dir/eof; close at
        # pause_dir/go, once the server took our ACK of that FIN alone.
        s.sendall(b"\0" * nbytes)
        if s.recv(64):
            sys.exit("data from a server that closes")
        open(os.path.join(pause_dir, "eof"), "w").close()
        wait_file(os.path.join(pause_dir, "go"))
    else:
        tcp_exchange(s, nbytes)
        if pause_dir != "-":
            open(os.path.join(pause_dir, "phase1"), "w").close()
            wait_file(os.path.join(pause_dir, "go"))
            tcp_exchange(s, nbytes)
        # Close only after the server's FIN: an orphan would wait for it
        # as a TIME_WAIT socket, which accounts no PDM.
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    s.close()


def tcp_refused(dst, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    try:
        s.connect((dst, int(port)))
    except ConnectionRefusedError:
        return
    sys.exit("connected to a closed port")


def netns_traffic(dst, port, stop):
    # Echo requests and connections to a closed port until the file stop
    # exists; the peer may go away meanwhile. Prints the echo replies and
    # refused connections, and the sends that failed once the peer was gone.
    gone_errs = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL,
                 errno.ETIMEDOUT)
    icmp = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                         socket.IPPROTO_ICMPV6)
    icmp.setblocking(False)
    end = time.monotonic() + TIMEOUT
    seq = replies = refused = gone = 0
    while not os.path.exists(stop):
        if time.monotonic() > end:
            sys.exit("timeout waiting for " + stop)
        seq = (seq + 1) & 0xffff
        req = struct.pack("!BBHHH", 128, 0, 0, os.getpid() & 0xffff, seq)
        try:
            icmp.sendto(req + b"pdm-netnsdel", (dst, 0))
        except OSError as e:
            if e.errno not in gone_errs:
                raise
            gone += 1
        try:
            while True:
                if icmp.recv(65535)[0] == 129:
                    replies += 1
        except BlockingIOError:
            pass
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.connect((dst, int(port)))
            sys.exit("connected to a closed port")
        except ConnectionRefusedError:
            refused += 1
        except socket.timeout:
            gone += 1
        except OSError as e:
            if e.errno not in gone_errs:
                raise
            gone += 1
        finally:
            s.close()
        time.sleep(0.002)
    print(replies, refused, gone)


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


def l4_csum(saddr, daddr, proto, l4):
    # The upper-layer checksum of l4 (its checksum field zero) over the
    # IPv6 pseudo-header.
    pseudo = saddr + daddr + struct.pack("!IxxxB", len(l4), proto)
    buf = pseudo + l4 + (b"\0" if len(l4) & 1 else b"")
    csum = sum(struct.unpack("!%dH" % (len(buf) // 2), buf))
    while csum >> 16:
        csum = (csum & 0xffff) + (csum >> 16)
    return (~csum & 0xffff) or 0xffff


def udp_packet(saddr, daddr, sport, dport, payload):
    # UDP header and payload, with the checksum.
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", int(sport), int(dport), ulen, 0) + payload
    csum = l4_csum(saddr, daddr, socket.IPPROTO_UDP, udp)
    return udp[:6] + struct.pack("!H", csum) + udp[8:]


def hdrincl_send(src, dst, nexthdr, packets):
    # Complete IPv6 packets from an IPV6_HDRINCL (IPPROTO_RAW) socket, each
    # given as what follows the IPv6 header.
    saddr = socket.inet_pton(socket.AF_INET6, src)
    daddr = socket.inet_pton(socket.AF_INET6, dst)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for p in packets:
        ip6 = struct.pack("!IHBB", 6 << 28, len(p), nexthdr, 64)
        s.sendto(ip6 + saddr + daddr + p, (dst, 0))


def hdrincl_udp(src, dst, sport, dport, doh, payload, csum="good"):
    # csum "bad": a wrong, non-zero UDP checksum
    saddr = socket.inet_pton(socket.AF_INET6, src)
    daddr = socket.inet_pton(socket.AF_INET6, dst)
    doh = bytearray.fromhex(doh)
    doh[0] = socket.IPPROTO_UDP
    udp = udp_packet(saddr, daddr, sport, dport, payload.encode())
    if csum == "bad":
        c = struct.unpack("!H", udp[6:8])[0]
        c = c - 1 if c == 0xffff else c + 1
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdrincl_send(src, dst, NEXTHDR_DEST, [bytes(doh) + udp])


def pcap_resend(path, src, proto):
    # Send again, through IPV6_HDRINCL, the first IPv6 packet of a classic
    # pcap (Ethernet) from src whose last header is proto: as captured,
    # but for the UDP checksum, which a capture on veth shows as the
    # sender left it for offload (CHECKSUM_PARTIAL).
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip6 = pkt[14:]
        if len(ip6) < 40 or ip6[0] >> 4 != 6:
            continue
        if socket.inet_ntop(socket.AF_INET6, ip6[8:24]) != src:
            continue
        if int(proto) == 17 and ip6[6] == NEXTHDR_DEST and \
           ip6[40] == int(proto):
            dst = socket.inet_ntop(socket.AF_INET6, ip6[24:40])
            dlen = (ip6[41] + 1) * 8
            udp = ip6[40 + dlen:]
            csum = l4_csum(ip6[8:24], ip6[24:40], socket.IPPROTO_UDP,
                           udp[:6] + b"\0\0" + udp[8:])
            udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
            hdrincl_send(src, dst, ip6[6], [ip6[40:40 + dlen] + udp])
            return
    raise SystemExit("no such packet in " + path)


def pdm_doh(nexthdr, psntp):
    # A DOH with one PDM option, PSNTP psntp, no timing, then PadN.
    return struct.pack("!BBBBBBHHHH", nexthdr, 1, 0x0f, 10, 0, 0,
                       int(psntp), 0, 0, 0) + b"\x01\x00"


def step(pause_dir, name):
    # Tell the script that step name is next; wait until it says go.
    open(os.path.join(pause_dir, name), "w").close()
    wait_file(os.path.join(pause_dir, name + ".go"))


def tcp_window(dst, port, pause_dir, psn_in, psn_out):
    # An echo connection to tcp_server; then, with its 4-tuple, from an
    # IPV6_HDRINCL socket: step "inwin", a pure ACK at the next sequence
    # number, PSNTP psn_in; step "oow", one octet 2^20 before it, PSNTP
    # psn_out; step "end", one more echo, and the connection closed.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((dst, int(port)))
    tcp_exchange(s, 100)
    # The sequence numbers, from TCP repair mode; leave it without the
    # window probe that would send a segment.
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
    snd_nxt = s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ) & 0xffffffff
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
    rcv_nxt = s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ) & 0xffffffff
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
    src, sport = s.getsockname()[:2]
    saddr = socket.inet_pton(socket.AF_INET6, src)
    daddr = socket.inet_pton(socket.AF_INET6, dst)

    def segment(seq, psntp, payload):
        tcp = struct.pack("!HHIIBBHHH", sport, int(port), seq & 0xffffffff,
                          rcv_nxt, 5 << 4, TCP_ACK, 0xffff, 0, 0) + payload
        csum = l4_csum(saddr, daddr, socket.IPPROTO_TCP, tcp)
        tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
        return pdm_doh(socket.IPPROTO_TCP, psntp) + tcp

    step(pause_dir, "inwin")
    hdrincl_send(src, dst, NEXTHDR_DEST, [segment(snd_nxt, psn_in, b"")])
    step(pause_dir, "oow")
    hdrincl_send(src, dst, NEXTHDR_DEST,
                 [segment(snd_nxt - (1 << 20), psn_out, b"x")])
    step(pause_dir, "end")
    tcp_exchange(s, 100)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()


def frag_pair(src, dst, sport, dport, size, psn_first, psn_later):
    # One UDP datagram in two fragments laid out as the kernel does, each
    # behind a destination options header with PDM, but with a different
    # PSNTP in each; the later fragment is sent first.
    saddr = socket.inet_pton(socket.AF_INET6, src)
    daddr = socket.inet_pton(socket.AF_INET6, dst)
    payload = b"pdm-frag-pair-".ljust(int(size), b"y")
    udp = udp_packet(saddr, daddr, sport, dport, payload)
    ident = struct.unpack("!I", os.urandom(4))[0]
    cut = 1232
    packets = []
    for off, psn in ((cut, psn_later), (0, psn_first)):
        doh = struct.pack("!BBBBBBHHHHBB", NEXTHDR_FRAGMENT, 1, 0x0f, 10,
                          0, 0, int(psn), 0, 0, 0, 1, 0)
        more = 1 if off == 0 else 0
        frag = struct.pack("!BxHI", socket.IPPROTO_UDP, off | more, ident)
        data = udp[:cut] if off == 0 else udp[cut:]
        packets.append(doh + frag + data)
    hdrincl_send(src, dst, NEXTHDR_DEST, packets)


def flood(dst, port, nsock):
    # Distinct source ports: keep every socket open until all have sent.
    socks = []
    for i in range(int(nsock)):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.sendto(b"pdm-flood-%d" % i, (dst, int(port)))
        socks.append(s)
    for s in socks:
        s.close()


def flood_spoof(prefix, dst, sport, dport, count):
    # One datagram with a valid PDM option from each of count sources
    # prefix + n (n from 1, in hex): new flows no reply can reach.
    daddr = socket.inet_pton(socket.AF_INET6, dst)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for n in range(1, int(count) + 1):
        saddr = socket.inet_pton(socket.AF_INET6, "%s%x" % (prefix, n))
        doh = struct.pack("!BBBBBBHHHHBB", socket.IPPROTO_UDP, 1, 0x0f, 10,
                          0, 0, n, 0, 0, 0, 1, 0)
        udp = udp_packet(saddr, daddr, sport, dport, b"pdm-flood-%d" % n)
        ip6 = struct.pack("!IHBB", 6 << 28, len(doh) + len(udp),
                          NEXTHDR_DEST, 64)
        s.sendto(ip6 + saddr + daddr + doh + udp, (dst, 0))


def udp_alt(port, count, *peers):
    # One socket, so one source port, sends to each peer "addr%dev" in
    # turn, count rounds; each datagram is echoed before the next.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.bind(("::", 0))
    dsts = []
    for p in peers:
        addr, dev = p.split("%")
        dsts.append((addr, int(port), 0, socket.if_nametoindex(dev)))
    for i in range(int(count)):
        for k, d in enumerate(dsts):
            msg = ("pdm-ll-%d-%d" % (k, i)).encode()
            s.sendto(msg, d)
            data, peer = s.recvfrom(65535)
            if data != msg or peer[3] != d[3]:
                sys.exit("bad echo %r from %r, sent to %r" % (data, peer, d))


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


SO_TIMESTAMPNS = 35


def udp_rr_server(port, count, wait_ms):
    # Answers each request wait_ms after the kernel received it (its
    # SO_TIMESTAMPNS), however late the server wakes up. Prints, for each
    # request, the delay it made up to its send and up to the send's
    # return: the bounds of what PDM may report, however late the server
    # runs under emulation.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(("::", int(port)))
    s.settimeout(TIMEOUT)
    ready()
    wait = int(wait_ms) * 1000000
    for _ in range(int(count)):
        data, anc, _, peer = s.recvmsg(65535, 256)
        t = time.time_ns()
        for level, kind, val in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", val[:16])
                t = sec * 1000000000 + nsec
        left = (t + wait - time.time_ns()) / 1e9
        if left > 0.002:
            time.sleep(left - 0.002)
        while time.time_ns() < t + wait:
            pass
        before = time.time_ns() - t
        s.sendto(data, peer)
        print("delay", before, time.time_ns() - t)


def udp_rr(dst, port, count, pause_ms):
    # Request, reply, pause; unconnected, so that the flow is the table's
    # and outlives the socket.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    for i in range(int(count)):
        msg = b"rr-%d" % i
        s.sendto(msg, (dst, int(port)))
        if s.recv(65535) != msg:
            sys.exit("bad reply")
        time.sleep(int(pause_ms) / 1000)


def udp_seq_send(dst, port, count, gap_ms):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for i in range(int(count)):
        s.sendto(b"seq-%d" % i, (dst, int(port)))
        time.sleep(float(gap_ms) / 1000)


def udp_seq_sink(port, idle, done):
    # What a receiver tells from the sequence numbers of what it got:
    # "received missing late again". It stops when nothing came for
    # <idle> seconds once the file <done> says the sender is done, so a
    # stall of the VM while the sender sends cannot end it early.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("::", int(port)))
    s.settimeout(float(idle))
    ready()
    seen = set()
    top = -1
    n = late = again = 0
    quiet = 0.0
    while True:
        try:
            k = int(s.recv(65535).split(b"-")[1])
        except socket.timeout:
            quiet += float(idle)
            if os.path.exists(done) or quiet >= TIMEOUT:
                break
            continue
        quiet = 0.0
        n += 1
        if k in seen:
            again += 1
        elif k < top:
            late += 1
        seen.add(k)
        top = max(top, k)
    missing = max(seen) - min(seen) + 1 - len(seen) if seen else 0
    print(n, missing, late, again)


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
EOF
}

# Usage: py <ns> <helper command> [args...]: run a helper; if it fails,
# the end of its error output is printed as diagnostics.
py()
{
	local ns=$1; shift
	local err="$TMP_DIR/py.$BASHPID.err"
	local rc

	PDM_TIMEOUT=$WAIT_S ip netns exec "$ns" \
		python3 "$TMP_DIR/pdm_helper.py" "$@" 2> "$err"
	rc=$?
	[ "$rc" -eq 0 ] || diag "$1: $(tail -n 3 "$err")"
	return "$rc"
}

# Usage: server_start <ns> <output file> <helper command> [args...]
# Starts a helper server in the background and waits until it is bound;
# fails if it is not within WAIT_S. The pid is left in SRV_PID.
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

# Usage: server_wait <pid>: wait for a server started by server_start, or
# another background helper; returns its exit status.
server_wait()
{
	local pid=$1
	local p left=()
	local rc

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

# Usage: capture_start <name> <ns> [dev [snaplen]]: capture IPv6 on <dev>
# (veth0) of <ns>, <snaplen> (SNAPLEN) octets of each packet, into
# $TMP_DIR/<name>.pcap; fails if tcpdump is not listening within WAIT_S.
capture_start()
{
	local name=$1
	local ns=$2
	local dev=${3:-veth0}
	local snaplen=${4:-$SNAPLEN}
	local file="$TMP_DIR/$name"

	ip netns exec "$ns" tcpdump -i "$dev" -n -U --immediate-mode -Z root \
		-s "$snaplen" -B 8192 -w "$file.pcap" ip6 2> "$file.log" &
	CAP_PIDS[$name]=$!
	slowwait "$WAIT_S" grep -qs "listening on" "$file.log"
}

# Usage: capture_stop <name>: stop the capture and decode it into
# $TMP_DIR/<name>.txt. Fails, with the reason in CAP_ERR, unless the capture
# can be trusted: tcpdump reported its statistics, lost no packet, and
# pdm_parser decoded every packet it captured.
capture_stop()
{
	local name=$1
	local file="$TMP_DIR/$name"
	local pid=${CAP_PIDS[$name]}
	local captured drops decoded

	# let packets in flight reach the capture
	sleep 0.3
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "CAP_PIDS[$name]"
	fi

	CAP_ERR=""
	captured=$(awk '/ packets? captured$/ { print $1 }' "$file.log" 2>/dev/null)
	drops=$(awk '/ packets? dropped by kernel$/ { print $1 }' "$file.log" 2>/dev/null)
	if ! "$PARSER" -t "$CAP_V2_TYPE" "$file.pcap" > "$file.txt" \
		2> "$file.err"; then
		CAP_ERR="capture $name: pdm_parser failed: $(head -n 1 "$file.err")"
	elif [ -z "$captured" ] || [ -z "$drops" ]; then
		CAP_ERR="capture $name: no packet statistics from tcpdump"
	elif [ "$drops" != 0 ]; then
		CAP_ERR="capture $name: the kernel dropped $drops packets"
	else
		decoded=$(($(wc -l < "$file.txt") - 1))
		[ "$decoded" = "$captured" ] ||
			CAP_ERR="capture $name: $captured packets captured, $decoded decoded"
	fi
	[ -z "$CAP_ERR" ]
}

# Usage: pdm_awk <name> <awk program> [awk options...]
# Runs an awk program over the decoded capture <name>. Fields are addressed
# by name: $F["psntp"]. Helpers:
#   dir()      flow key of this packet, from its sender's point of view
#   rdir()     the same flow seen from the other end
#   flow()     direction independent flow key
#   pdm_ok()   true if the packet carries one well-formed PDM option
#   gsosegs()  the segments the packet stands for: a TCP GSO packet that
#              veth took whole, above the MTU (-v mtu=, default MTU), its
#              payload over the MSS its headers leave, rounded up; else 1.
#              Its PSNTP is the first segment's, and the counters count each
#   decode(v, s)  v * 2^s, attoseconds (exact in a double)
#   err(msg)   report a failed check on this packet, make the program exit 1
#   fail(msg)  the same without packet context (for END blocks)
# The program fails as well if the decoded capture has no header line.
pdm_awk()
{
	local name=$1; shift
	local prog=$1; shift

	awk -v mtu="$MTU" "$@" '
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
function gsosegs(   mss) {
	if ($F["proto"] != 6 || $F["plen"] + 40 <= mtu)
		return 1
	mss = mtu - 40 - ($F["plen"] - $F["l4len"])
	return int(($F["l4len"] + mss - 1) / mss)
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
	header = 1
	next
}
'"$prog"'
END {
	if (!header)
		fail("no decoded capture")
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

# accepted(): true if the receiver's upper layer accepts the packet, which is
# when it accounts its PDM: TCP, ICMPv6 echo, UDP except to the closed port
# (-v closed=...); never a raw protocol.
AWK_ACCEPTED='
function accepted(   p) {
	p = $F["proto"]
	return p == 6 || (p == 17 && $F["dport"] != closed) ||
	       (p == 58 && ($F["info"] == 128 || $F["info"] == 129))
}
'

# psn_seq(): the packet's PSNTP must follow the last one in its direction.
# PSNs are taken when the header is filled, before the qdisc: two CPUs
# sending on one flow (a data segment and an ACK of TCP) may reach the
# capture in the other order. So each direction's PSNTPs must be one run of
# consecutive values, every value once, each packet within 2 places of
# where its PSNTP puts it. A GSO packet that veth took whole takes the
# PSNTPs of its segments (gsosegs()), and counts as that many places.
AWK_PSN_SEQ='
function psn_seq(   d, r, k, i) {
	d = dir()
	k = gsosegs()
	if (!(d in psn_n)) {
		psn_first[d] = $F["psntp"]
		psn_lo[d] = psn_hi[d] = 0
		psn_k[d] = 1
	}
	r = ($F["psntp"] - psn_first[d] + 65536) % 65536
	if (r >= 32768)
		r -= 65536
	for (i = 0; i < k; i++)
		if ((d, r + i) in psn_seen)
			err("PSNTP " $F["psntp"] + i " twice")
	if (r - psn_n[d] > 2 * psn_k[d] || psn_n[d] - r > 2 * psn_k[d])
		err("PSNTP " $F["psntp"] " as segment " psn_n[d] + 1 " of its flow")
	for (i = 0; i < k; i++)
		psn_seen[d, r + i] = 1
	psn_n[d] += k
	if (k > psn_k[d])
		psn_k[d] = k
	if (r < psn_lo[d])
		psn_lo[d] = r
	if (r + k - 1 > psn_hi[d])
		psn_hi[d] = r + k - 1
}
END {
	for (d in psn_n)
		if (psn_hi[d] - psn_lo[d] + 1 != psn_n[d])
			fail(d ": " psn_n[d] " segments, PSNTPs over " \
			     psn_hi[d] - psn_lo[d] + 1 " values")
}
'

################################################################################
# Shared scenario: mixed traffic in both directions, captured on both veths.
# Used by the traffic, psn, psnlr and tshark cases; generated once. Fails,
# with the reasons in MIXED_ERR, if any step did.

MIXED_ERR=""

# Usage: gen_mixed [name [version]]: the scenario, both namespaces sending
# PDM of <version> (1), captured as <name>_a and <name>_b (mixed).
gen_mixed()
{
	local name=${1:-mixed}
	local out="$TMP_DIR/$name"
	local side

	if [ -e "$out.done" ]; then
		MIXED_ERR=$(cat "$out.done")
		[ -z "$MIXED_ERR" ]
		return
	fi
	MIXED_ERR=""

	if ! SETUP_VERSION=${2:-1} setup 2> "$TMP_DIR/setup.err"; then
		MIXED_ERR="topology setup failed: $(cat "$TMP_DIR/setup.err")"
		echo "$MIXED_ERR" > "$out.done"
		cleanup_topo
		return 1
	fi

	counters_save "$NS_A" "$name.a.before" ||
		MIXED_ERR+="cannot read the counters of A; "
	counters_save "$NS_B" "$name.b.before" ||
		MIXED_ERR+="cannot read the counters of B; "

	capture_start "${name}_a" "$NS_A" ||
		MIXED_ERR+="tcpdump A did not start; "
	capture_start "${name}_b" "$NS_B" ||
		MIXED_ERR+="tcpdump B did not start; "

	# UDP request/response, A -> B -> A
	server_start "$NS_B" "$out.udp" udp_server "$UDP_PORT" 4 echo ||
		MIXED_ERR+="UDP server did not start; "
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 4 echo - ||
		MIXED_ERR+="UDP exchange failed; "
	server_wait "$SRV_PID" || MIXED_ERR+="UDP server failed; "

	# ICMPv6 echo, both ways
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" \
		>/dev/null 2>&1 || MIXED_ERR+="ping A->B failed; "
	ip netns exec "$NS_B" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_A" \
		>/dev/null 2>&1 || MIXED_ERR+="ping B->A failed; "

	# TCP, data in both directions
	server_start "$NS_B" "$out.tcp" tcp_server "$TCP_PORT" echo ||
		MIXED_ERR+="TCP server did not start; "
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 3000 echo ||
		MIXED_ERR+="TCP exchange failed; "
	server_wait "$SRV_PID" || MIXED_ERR+="TCP server failed; "

	# raw socket (not IPV6_HDRINCL), A -> B; the group join sends MLD
	server_start "$NS_B" "$out.raw" raw_server "$RAW_PROTO" 2 ||
		MIXED_ERR+="raw server did not start; "
	py "$NS_A" raw_client "$ADDR_B" "$RAW_PROTO" 2 "$MCAST_GROUP" ||
		MIXED_ERR+="raw send failed; "
	server_wait "$SRV_PID" || MIXED_ERR+="raw receive failed; "

	# UDP to a closed port: B answers with an ICMPv6 error
	py "$NS_A" udp_client "$ADDR_B" "$CLOSED_PORT" 1 noecho - ||
		MIXED_ERR+="UDP to closed port failed; "

	# let TCP finish closing before counters and captures are read
	sleep 1
	counters_save "$NS_A" "$name.a.after" ||
		MIXED_ERR+="cannot read the counters of A; "
	counters_save "$NS_B" "$name.b.after" ||
		MIXED_ERR+="cannot read the counters of B; "

	for side in a b; do
		capture_stop "${name}_$side" || MIXED_ERR+="$CAP_ERR; "
	done

	cleanup_topo
	echo "$MIXED_ERR" > "$out.done"
	[ -z "$MIXED_ERR" ]
}

# Usage: ck_mixed [name [version]]: fail the current check if the mixed
# scenario failed.
ck_mixed()
{
	gen_mixed "$@"
	ck_err $? "traffic generation: $MIXED_ERR"
}

# Usage: mixed_delta <a|b> <counter>: how much a counter grew in the
# mixed scenario
mixed_delta()
{
	local before after

	before=$(counters_get "mixed.$1.before" "$2") || return 1
	after=$(counters_get "mixed.$1.after" "$2") || return 1
	echo $((after - before))
}

################################################################################
# Tests

pdm_sysctl_test()
{
	local name good bad val last out rc

	# Nothing written to net.ipv6.pdm before the defaults are read.
	case_setup none || return

	val=$(pdm_sysctl_get "$NS_A" enabled)
	[ "$val" = 0 ]
	ck_err $? "default enabled is '$val', expected 0"
	val=$(pdm_sysctl_get "$NS_A" max_flows)
	[ "$val" = 65536 ]
	ck_err $? "default max_flows is '$val', expected 65536"
	val=$(pdm_sysctl_get "$NS_A" flow_timeout)
	[ "$val" = 60 ]
	ck_err $? "default flow_timeout is '$val', expected 60"
	val=$(pdm_sysctl_get "$NS_A" version)
	[ "$val" = 2 ]
	ck_err $? "default version is '$val', expected 2"
	val=$(pdm_sysctl_get "$NS_A" v2_type)
	[ "$val" = 15 ]
	ck_err $? "default v2_type is '$val', expected 15"
	ck_end "defaults"

	init_max=$(sysctl -n net.ipv6.pdm.max_flows)
	# name, values that must be accepted, values that must be rejected;
	# a rejected write leaves the last accepted value.
	while read -r name good bad; do
		for val in ${good//,/ }; do
			pdm_sysctl "$NS_A" "$name" "$val" &&
				[ "$(pdm_sysctl_get "$NS_A" "$name")" = "$val" ]
			ck_err $? "$name=$val not accepted"
			last=$val
		done
		for val in ${bad//,/ }; do
			! pdm_sysctl "$NS_A" "$name" "$val"
			ck_err $? "$name=$val accepted"
			[ "$(pdm_sysctl_get "$NS_A" "$name")" = "$last" ]
			ck_err $? "$name is not $last after writing $val"
		done
	done <<-EOF
		enabled 1,0 2,-1
		max_flows 1,$init_max,65536 0,$((init_max + 1)),-1
		flow_timeout 1,86400,60 0,86401,-1
		version 1,2 0,3,-1
		v2_type 2,3,5,30,31,15 0,1,4,32,64,255,256,-1
	EOF
	# Only the initial namespace goes up to 2^20; it bounds the others.
	sysctl -qw net.ipv6.pdm.max_flows=1048576 &&
		! sysctl -qw net.ipv6.pdm.max_flows=1048577 2>/dev/null
	ck_err $? "max_flows of the initial namespace is not 1..1048576"
	sysctl -qw net.ipv6.pdm.max_flows="$init_max"
	ck_end "accepted and rejected values"

	# A's settings take effect in A and do not leak into B, nor B's into A.
	pdm_sysctl "$NS_A" enabled 1
	ck_err $? "cannot write enabled=1 in A"
	pdm_sysctl "$NS_A" max_flows 100
	ck_err $? "cannot write max_flows=100 in A"
	pdm_sysctl "$NS_B" flow_timeout 7
	ck_err $? "cannot write flow_timeout=7 in B"
	out="A: $(pdm_sysctl_get "$NS_A" enabled) $(pdm_sysctl_get "$NS_A" max_flows)"
	out+=" $(pdm_sysctl_get "$NS_A" flow_timeout),"
	out+=" B: $(pdm_sysctl_get "$NS_B" enabled) $(pdm_sysctl_get "$NS_B" max_flows)"
	out+=" $(pdm_sysctl_get "$NS_B" flow_timeout)"
	[ "$out" = "A: 1 100 60, B: 0 65536 7" ]
	ck_err $? "enabled, max_flows, flow_timeout are $out; expected A: 1 100 60, B: 0 65536 7"
	ck_end "per network namespace"

	# Each Pdm6* counter once, 0, in the snmp6 layout; no other Pdm6*.
	out=$(ip netns exec "$NS_B" awk -v names="$PDM_COUNTERS" '
		BEGIN {
			n = split(names, want)
			for (i = 1; i <= n; i++)
				known[want[i]] = 1
		}
		$1 !~ /^Pdm6/ { next }
		!($1 in known) { print "unexpected line: " $0; bad = 1; next }
		seen[$1]++ { print "line repeated: " $0; bad = 1 }
		NF != 2 || $2 != "0" { print "not 0 in a new netns: " $0; bad = 1 }
		END {
			for (i = 1; i <= n; i++)
				if (!(want[i] in seen)) {
					print "missing " want[i]
					bad = 1
				}
			exit bad
		}' /proc/net/snmp6 2>&1)
	rc=$?
	ck_out "$rc" "$out" "/proc/net/snmp6"
	! ip netns exec "$NS_B" test -e /proc/net/pdm6
	ck_err $? "/proc/net/pdm6 exists"
	ck_end "/proc/net/snmp6 of a new namespace"
}

pdm_traffic_test()
{
	local out rc side me peer cap d name expect nt ns

	# Every packet of these kinds, sent by either side and checked in the
	# sender's own capture, carries one PDM option in a 16-octet DOH: TCP
	# SYN, ACK and FIN included.
	ck_mixed
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
			$F["proto"] == 6 {
				tcp++; check_layout()
				if ($F["l4len"] > 0)
					tcpdata++
			}
			$F["proto"] == rawp {
				raw++; check_layout()
			}
			END {
				if (udp < 4 || echo < 6 || tcp < 4 || tcpdata < 1 ||
				    (me == addr_a && raw < 2))
					fail("too few packets: udp " udp + 0 " echo " \
					     echo + 0 " tcp " tcp + 0 " tcp data " \
					     tcpdata + 0 " raw " raw + 0)
			}' -v me="$me" -v rawp="$RAW_PROTO" -v addr_a="$ADDR_A" 2>&1)
		ck_out $? "$out" "packets from $me"
	done
	ck_end "PDM on UDP, ICMPv6 echo, TCP and raw, both directions"

	# ND, MLD, ICMPv6 errors and packets to multicast destinations never
	# carry PDM (no DOH at all).
	ck_mixed
	for side in a b; do
		out=$(pdm_awk "mixed_$side" '
			$F["dst"] ~ /^ff/ {
				mcast++
				if ($F["ndoh"] != 0)
					err("packet to a multicast address has a DOH")
			}
			$F["proto"] != 58 || $F["info"] == 128 || $F["info"] == 129 {
				next
			}
			$F["info"] >= 133 && $F["info"] <= 137 { nd++ }
			$F["info"] == 130 || $F["info"] == 131 || $F["info"] == 132 ||
			$F["info"] == 143 { mld++ }
			$F["info"] >= 1 && $F["info"] <= 4 { errs++ }
			$F["ndoh"] != 0 { err("ICMPv6 type " $F["info"] " has a DOH") }
			END {
				printf("side %s: nd=%d mld=%d errors=%d multicast=%d\n",
				       side, nd, mld, errs, mcast)
				if (!nd || !errs || !mcast || (side == "a" && !mld))
					fail("expected ND, MLD, multicast and ICMPv6 error packets")
			}' -v side="$side" 2>&1)
		ck_out $? "$out" "capture $side"
	done
	ck_end "no PDM on ND, MLD, ICMPv6 errors and multicast"

	# Counters: what each side sent with PDM and what the peer accepted,
	# and one flow per 5-tuple with PDM that the side sent on or accepted.
	# Connected sockets keep theirs (Pdm6SockFlows): the TCP client and
	# accepted sockets and the UDP clients. The rest are table entries,
	# and so is the TCP server's SYN and SYN-ACK. None may be 0.
	ck_mixed
	for side in a b; do
		if [ $side = a ]; then
			me=$ADDR_A; peer=b
		else
			me=$ADDR_B; peer=a
		fi
		# packets with PDM sent by me, seen in my capture and in the peer's
		cap=$(pdm_awk "mixed_$side" '$F["src"] == me && pdm_ok() { n += gsosegs() }
			END { print n + 0 }' -v me="$me")
		ck_err $? "capture $side: no PDM packet count"
		d=$(mixed_delta "$side" Pdm6OutPkts)
		[ "${cap:-0}" -gt 0 ] && [ "$d" = "$cap" ]
		ck_err $? "$me: Pdm6OutPkts moved by '$d', capture has '$cap' PDM packets"

		cap=$(pdm_awk "mixed_$peer" "$AWK_ACCEPTED"'
			$F["src"] == me && pdm_ok() && accepted() { n += gsosegs() }
			END { print n + 0 }' -v me="$me" -v closed="$CLOSED_PORT")
		ck_err $? "capture $peer: no PDM packet count"
		d=$(mixed_delta "$peer" Pdm6InPkts)
		[ "${cap:-0}" -gt 0 ] && [ "$d" = "$cap" ]
		ck_err $? "peer of $me: Pdm6InPkts moved by '$d', capture has '$cap' accepted"

		d=$(mixed_delta "$peer" Pdm6InMalformed)
		[ "$d" = 0 ]
		ck_err $? "Pdm6InMalformed moved by '$d'"

		cap=$(pdm_awk "mixed_$side" "$AWK_ACCEPTED"'
			pdm_ok() && ($F["src"] == me || accepted()) {
				p = $F["proto"]
				lport = $F["src"] == me ? $F["sport"] : $F["dport"]
				conn = p == 6 || (p == 17 && lport != udp && lport != closed)
				if (conn)
					sock[flow()] = 1
				# TCP: the SYN of the server, a closed
				# connection of the client (the table takes
				# its flow over)
				if (!conn || p == 6)
					table[flow()] = 1
			}
			END {
				for (k in table) nt++
				for (k in sock) ns++
				print nt + 0, ns + 0
			}' -v me="$me" -v closed="$CLOSED_PORT" -v udp="$UDP_PORT" \
			   -v tcp="$TCP_PORT")
		ck_err $? "capture $side: no flow count"
		read -r nt ns <<< "$cap"
		d=$(mixed_delta "$side" Pdm6FlowsCreated)
		expect=$(counters_get mixed.$side.after Pdm6Flows)
		[ "${nt:-0}" -gt 0 ] && [ "$d" = "$nt" ] && [ "$expect" = "$nt" ]
		rc=$?
		msg="$me: Pdm6FlowsCreated +'$d', live flows '$expect'"
		ck_err "$rc" "$msg, capture has '$nt' table flows"
		d=$(mixed_delta "$side" Pdm6SockFlows)
		[ "${ns:-0}" -gt 0 ] && [ "$d" = "$ns" ]
		ck_err $? "$me: Pdm6SockFlows +'$d', capture has '$ns' socket flows"
		for name in Pdm6FlowsExpired Pdm6FlowsEvicted Pdm6FlowsNoMem; do
			d=$(mixed_delta "$side" "$name")
			[ "$d" = 0 ]
			ck_err $? "$me: $name moved by '$d'"
		done
	done
	ck_end "counters match the capture"
}

# Usage: ck_psn_seq <name> <modulus>: in the mixed scenario <name>, each
# side's PSNTP grows by 1 per packet in each flow direction
ck_psn_seq()
{
	local out side me

	for side in a b; do
		if [ $side = a ]; then me=$ADDR_A; else me=$ADDR_B; fi
		out=$(pdm_awk "$1_$side" '
			$F["src"] != me || !pdm_ok() { next }
			{
				d = dir()
				if (d in last && $F["psntp"] != (last[d] + k[d]) % mod)
					err("PSNTP " $F["psntp"] " after " last[d] \
					    " of " k[d] " segments")
				last[d] = $F["psntp"]
				k[d] = gsosegs()
				n[d]++
			}
			END {
				for (d in n)
					if (n[d] > 1)
						checked++
				if (checked < 3)
					fail("only " checked + 0 " multi-packet flows")
			}' -v me="$me" -v mod="$2" 2>&1)
		ck_out $? "$out" "packets from $me"
	done
}

# Usage: ck_psnlr <name>: in the mixed scenario <name>, PSNLR echoes the
# last PSNTP received, and the deltas are 0 until known
ck_psnlr()
{
	local out side me

	# Only strictly alternating exchanges (UDP echo, ICMPv6 echo) and the
	# one-way raw flow: there the capture order of the sender is the order
	# in which its stack saw the packets.
	for side in a b; do
		if [ $side = a ]; then me=$ADDR_A; else me=$ADDR_B; fi
		out=$(pdm_awk "$1_$side" '
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
					before_rx++
					if ($F["psnlr"] != 0 || $F["dtlr"] != 0 ||
					    $F["sdtlr"] != 0 || $F["dtls"] != 0 ||
					    $F["sdtls"] != 0)
						err("PSNLR/deltas/scales not 0 before a receive")
				} else {
					after_rx++
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
				# B only ever sends on flows A has opened
				if (checked < 6 || after_rx < 3 ||
				    (side == "a" && !before_rx))
					fail("only " checked + 0 " packets checked, " \
					     before_rx + 0 " before and " after_rx + 0 \
					     " after a receive")
			}' -v me="$me" -v side="$side" -v rawp="$RAW_PROTO" 2>&1)
		ck_out $? "$out" "packets from $me"
	done
}

pdm_psn_test()
{
	local out rc

	ck_mixed
	ck_psn_seq mixed 65536
	ck_end "PSNTP increases by 1 per packet in each flow"

	# The first PSNTP of RANDOM_FLOWS new flows, one datagram each, in the
	# order the flows were created. Random 16-bit values fail these with a
	# probability below 10^-6; a counter, or anything derived from the port
	# or creation order by a fixed step, fails them.
	if ! case_setup; then
		return
	fi
	capture_start psnstart "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/psnstart.udp" udp_drain "$UDP_PORT" \
		"$RANDOM_FLOWS" 3
	ck_err $? "UDP receiver did not start"
	py "$NS_A" flood "$ADDR_B" "$UDP_PORT" "$RANDOM_FLOWS"
	ck_err $? "UDP send from $RANDOM_FLOWS sockets failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP receiver failed"
	capture_stop psnstart
	ck_err $? "$CAP_ERR"
	out=$(pdm_awk psnstart '
		$F["src"] != addr_a || $F["proto"] != 17 || $F["dport"] != port {
			next
		}
		!pdm_ok() { err("no valid PDM"); next }
		$F["sport"] in seen { err("second datagram from port " $F["sport"]); next }
		{
			seen[$F["sport"]] = 1
			s[++n] = $F["psntp"]
			if (!(s[n] in val))
				distinct++
			val[s[n]] = 1
			bin[int(s[n] / 4096)] = 1
			if (n > 1) {
				step = (s[n] - s[n - 1] + 65536) % 65536
				if (!(step in steps))
					nsteps++
				steps[step] = 1
			}
		}
		END {
			for (b in bin)
				nbins++
			if (n != flows)
				fail(n + 0 " new flows with PDM, expected " flows)
			else if (distinct < n - 8 || nbins < 12 || nsteps < n / 2)
				fail("first PSNTP values are not random")
			printf("%d flows: %d distinct first PSNTP, %d of 16 ranges, " \
			       "%d distinct steps\n", n, distinct, nbins, nsteps)
		}' -v addr_a="$ADDR_A" -v port="$UDP_PORT" -v flows="$RANDOM_FLOWS" 2>&1)
	rc=$?
	diag "${out##*$'\n'}"
	ck_out "$rc" "$out" "capture"
	ck_end "PSNTP of new flows starts at random values"
}

pdm_psnlr_test()
{
	local out side

	ck_mixed
	ck_psnlr mixed
	ck_end "PSNLR echoes the last PSNTP received, zero deltas until known"

	# A non-zero delta is at least 1 ns = 10^9 attoseconds, so its scale is
	# at least 14, and the mantissa is normalized (top bit set) whenever
	# the scale is above 0. Nothing in this test takes 10 s or more.
	ck_mixed
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
		ck_out $? "$out" "capture $side"
	done
	ck_end "deltas in attoseconds with a normalized mantissa"
}

pdm_rtt_test()
{
	local low_ms=$NETEM_DELAY_MS
	local high_ms=$((NETEM_DELAY_MS + RTT_TOLERANCE_MS))
	local out rc

	case_setup || return
	# Resolve the neighbours first: a1 must not wait for ND after its
	# PDM time stamp was taken.
	ip netns exec "$NS_A" ping -6 -q -c 1 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	if ! tc -n "$NS_A" qdisc add dev veth0 root netem \
		delay "${NETEM_DELAY_MS}ms" 2>/dev/null; then
		ck_skip "netem not available"
		ck_end "round trip from DeltaTLS(a2) - DeltaTLR(b1) with netem delay"
		return
	fi

	capture_start rtt "$NS_B"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/rtt.udp" udp_server "$UDP_PORT" 3 echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 3 echo -
	ck_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP server failed"
	capture_stop rtt
	ck_err $? "$CAP_ERR"

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
			printf("rtt(ms)%s server delay(ms)%s, allowed %d..%d ms\n",
			       rtts, srv, low_ms, high_ms)
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" -v port="$UDP_PORT" \
		   -v low_ms="$low_ms" -v high_ms="$high_ms" 2>&1)
	rc=$?
	diag "${out##*$'\n'}"
	ck_out "$rc" "$out" "RTT"
	ck_end "round trip from DeltaTLS(a2) - DeltaTLR(b1) with netem delay"
}

pdm_disabled_test()
{
	local out ns flows

	case_setup || return

	# create flows, then check that disabling flushes them
	ip netns exec "$NS_A" ping -6 -q -c 1 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	for ns in "$NS_A" "$NS_B"; do
		flows=$(pdm_counter "$ns" Pdm6Flows)
		[ "${flows:-0}" -gt 0 ]
		ck_err $? "no flow entry after a ping with enabled=1"
		pdm_sysctl "$ns" enabled 0
		ck_err $? "cannot write enabled=0"
		flows=$(pdm_counter "$ns" Pdm6Flows)
		[ "$flows" = 0 ]
		ck_err $? "$flows live flows after enabled=0, expected 0"
		counters_save "$ns" "disabled.$ns"
		ck_err $? "cannot read the counters"
	done

	capture_start disabled "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/disabled.udp" udp_server "$UDP_PORT" 2 echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 2 echo -
	ck_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP server failed"
	ip netns exec "$NS_A" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping A->B failed"
	ip netns exec "$NS_B" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_A" >/dev/null 2>&1
	ck_err $? "ping B->A failed"
	server_start "$NS_B" "$TMP_DIR/disabled.tcp" tcp_server "$TCP_PORT" echo
	ck_err $? "TCP server did not start"
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 2000 echo
	ck_err $? "TCP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "TCP server failed"
	sleep 0.5
	capture_stop disabled
	ck_err $? "$CAP_ERR"

	out=$(pdm_awk disabled '
		$F["ndoh"] != 0 { err("has a Destination Options header") }
		$F["proto"] == 17 { udp++ }
		$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) { echo++ }
		$F["proto"] == 6 && $F["l4len"] > 0 { tcp++ }
		END {
			if (udp < 4 || echo < 8 || tcp < 2)
				fail("too few packets: udp " udp + 0 " echo " echo + 0 \
				     " tcp data " tcp + 0)
		}' 2>&1)
	ck_out $? "$out" "capture"

	for ns in "$NS_A" "$NS_B"; do
		ck_counters "$ns" "disabled.$ns" "$ns" Pdm6OutPkts=0 \
			Pdm6InPkts=0 Pdm6InMalformed=0 Pdm6FlowsCreated=0 \
			Pdm6FlowsExpired=0 Pdm6FlowsEvicted=0 Pdm6FlowsNoMem=0 \
			Pdm6SockFlows=0
	done
	ck_end "enabled=0 flushes flows, adds no header, moves no counter"

	pdm_tcp_midconn_test
}

# Called from pdm_disabled_test with PDM disabled on both sides.
pdm_tcp_midconn_test()
{
	local pause_dir="$TMP_DIR/midconn.d"
	local out pid

	mkdir -p "$pause_dir"
	capture_start midconn "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/midconn.tcp" tcp_server "$TCP_PORT" echo
	ck_err $? "TCP server did not start"
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 2000 echo "$pause_dir" &
	pid=$!
	BG_PIDS+=("$pid")
	slowwait "$WAIT_S" test -e "$pause_dir/phase1"
	ck_err $? "TCP client did not finish its first exchange"

	pdm_sysctl "$NS_A" enabled 1
	ck_err $? "cannot write enabled=1 in A"
	pdm_sysctl "$NS_B" enabled 1
	ck_err $? "cannot write enabled=1 in B"
	# proves that PDM is active now, and marks in the capture where the
	# second exchange starts
	ip netns exec "$NS_A" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	touch "$pause_dir/go"
	server_wait "$pid"
	ck_err $? "TCP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "TCP server failed"
	capture_stop midconn
	ck_err $? "$CAP_ERR"

	out=$(pdm_awk midconn '
		$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) {
			echo++
			if (!pdm_ok())
				err("ICMPv6 echo without PDM after enabling")
		}
		$F["proto"] == 6 && ($F["sport"] == port || $F["dport"] == port) {
			# data of the second exchange, after the echo
			if ($F["l4len"] > 0 && echo)
				data_after[$F["dport"] == port]++
			if ($F["ndoh"] != 0)
				err("TCP packet of a connection made while disabled has a DOH")
		}
		END {
			if (echo < 4 || !data_after[0] || !data_after[1])
				fail("too few packets: echo " echo + 0 \
				     ", tcp data after enabling " data_after[1] + 0 \
				     " to and " data_after[0] + 0 " from the server")
		}' -v port="$TCP_PORT" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "TCP connected while disabled gets no PDM after enabling"
}

pdm_merge_test()
{
	# NH and Hdr Ext Len are filled in by the kernel from the buffer given
	# to setsockopt: 1e = unknown option, action 00 (skip)
	local opt1="00001e04deadbeef"		# option, no padding
	local opt2="00001e01aa010100"		# option, then PadN
	local opt3="00010f0a1122123456789abcdef00100"	# a complete PDM
	local out merge_ok

	case_setup || return

	capture_start merge "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/merge.udp" udp_server "$UDP_PORT" 3 echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 1 echo "$opt1" "$opt2" "$opt3"
	ck_err $? "UDP exchange failed (datagram not delivered or echoed)"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get the 3 datagrams"
	capture_stop merge
	ck_err $? "$CAP_ERR"
	# both results are read from this capture
	[ "$CK_FAIL" = 0 ]
	merge_ok=$?

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
	ck_out $? "$out" "capture"
	ck_end "PDM merged into the socket's IPV6_DSTOPTS header"

	# The socket's own PDM is sent as is (checked above) and the receiver
	# takes it as the peer's PSNTP.
	ck_err "$merge_ok" "the exchange or its capture failed (see above)"
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
	ck_out $? "$out" "capture"
	ck_end "socket's own PDM option sent unchanged, no second PDM"
}

pdm_badlen_test()
{
	local opt6="00010f06aabbccddeeff010400000000"	# len 6
	local opt0="00000f0001020000"			# len 0
	local raw12="11010f0c000000000000000000000000"	# len 12, raw socket
	local out cap_ok

	case_setup || return

	# to a bound port: malformed options count only on accepted packets
	counters_save "$NS_B" badlen.b
	ck_err $? "cannot read the counters of B"
	capture_start badlen "$NS_B"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/badlen.udp" udp_server "$UDP_PORT" 3 sink
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 1 noecho "$opt6" "$opt0"
	ck_err $? "UDP send with IPV6_DSTOPTS failed"
	py "$NS_A" hdrincl_udp "$ADDR_A" "$ADDR_B" 40000 "$UDP_PORT" \
		"$raw12" "pdm-raw12"
	ck_err $? "IPV6_HDRINCL send failed"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get all 3 datagrams"
	out=$(sort "$TMP_DIR/badlen.udp" | tr '\n' ' ')
	[ "$out" = "pdm-0-0 pdm-1-0 pdm-raw12 " ]
	ck_err $? "receiver got '$out'"
	ck_counters "$NS_B" badlen.b "receiver" Pdm6InMalformed=3 Pdm6InPkts=0
	capture_stop badlen
	cap_ok=$?
	ck_end "wrong-length PDM counted, datagram delivered"

	# The sender must not add its own PDM next to the malformed one.
	ck_err "$cap_ok" "$CAP_ERR"
	out=$(pdm_awk badlen '
		$F["src"] != addr_a || $F["proto"] != 17 { next }
		{ got[$F["doh"]] = $F["pdm"]; n++ }
		END {
			if (n != 3 || got["11" substr(opt6, 3)] != "bad6" ||
			    got["11" substr(opt0, 3)] != "bad0" ||
			    got[raw12] != "bad12") {
				for (d in got)
					printf("sent DOH %s (pdm=%s)\n", d, got[d])
				fail("DOHs on the wire differ from what the sockets set")
			}
		}' -v addr_a="$ADDR_A" -v opt6="$opt6" -v opt0="$opt0" \
		   -v raw12="$raw12" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "sender adds no PDM next to a malformed one"
}

pdm_accept_test()
{
	local out

	case_setup || return

	# A valid PDM option on a datagram UDP drops for its checksum: once
	# Udp6InCsumErrors shows it was processed, no PDM counter moved.
	counters_save "$NS_B" accept.b
	ck_err $? "cannot read the counters of B"
	server_start "$NS_B" "$TMP_DIR/accept.udp" udp_server "$UDP_PORT" 1 sink
	ck_err $? "UDP server did not start"
	py "$NS_A" hdrincl_udp "$ADDR_A" "$ADDR_B" "$ACCEPT_SPORT" "$UDP_PORT" \
		"$ACCEPT_DOH" "pdm-accept" bad
	ck_err $? "IPV6_HDRINCL send failed"
	slowwait "$WAIT_S" counter_grew "$NS_B" accept.b Udp6InCsumErrors 1
	ck_err $? "Udp6InCsumErrors did not grow: datagram lost or accepted"
	ck_counters "$NS_B" accept.b "receiver" Udp6InCsumErrors=1 \
		Pdm6InPkts=0 Pdm6InMalformed=0 Pdm6FlowsCreated=0
	ck_end "no PDM accounted on a UDP datagram with a bad checksum"

	# Control: the same datagram, checksum right, is accounted.
	counters_save "$NS_B" accept2.b
	ck_err $? "cannot read the counters of B"
	py "$NS_A" hdrincl_udp "$ADDR_A" "$ADDR_B" "$ACCEPT_SPORT" "$UDP_PORT" \
		"$ACCEPT_DOH" "pdm-accept" good
	ck_err $? "IPV6_HDRINCL send failed"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get the datagram"
	out=$(cat "$TMP_DIR/accept.udp")
	[ "$out" = "pdm-accept" ]
	ck_err $? "receiver got '$out'"
	ck_counters "$NS_B" accept2.b "receiver" Pdm6InPkts=1 \
		Pdm6FlowsCreated=1 Pdm6InMalformed=0 Udp6InCsumErrors=0
	ck_end "the same datagram with a good checksum accounted"

	# A datagram with kernel-added PDM to a closed port: B answers with
	# an ICMPv6 error, without PDM, and accounts nothing.
	counters_save "$NS_A" accept3.a
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" accept3.b
	ck_err $? "cannot read the counters of B"
	capture_start accept "$NS_B"
	ck_err $? "tcpdump did not start"
	py "$NS_A" udp_client "$ADDR_B" "$CLOSED_PORT" 1 noecho -
	ck_err $? "UDP send to the closed port failed"
	slowwait "$WAIT_S" counter_grew "$NS_B" accept3.b Udp6NoPorts 1
	ck_err $? "Udp6NoPorts did not grow: datagram lost or accepted"
	capture_stop accept
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_A" accept3.a "sender" Pdm6OutPkts=1
	ck_counters "$NS_B" accept3.b "receiver" Udp6NoPorts=1 Pdm6InPkts=0 \
		Pdm6InMalformed=0 Pdm6FlowsCreated=0 Pdm6OutPkts=0
	out=$(pdm_awk accept '
		$F["src"] == addr_a && $F["proto"] == 17 && $F["dport"] == port {
			udp++
			if (!pdm_ok())
				err("datagram without PDM")
		}
		$F["src"] == addr_b && $F["proto"] == 58 && $F["info"] == 1 {
			unreach++
			if ($F["ndoh"] != 0)
				err("ICMPv6 error with a DOH")
		}
		END {
			if (udp != 1 || unreach != 1)
				fail(udp + 0 " datagrams and " unreach + 0 \
				     " port unreachable errors, expected 1 and 1")
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" \
		   -v port="$CLOSED_PORT" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "no PDM accounted on a UDP datagram to a closed port"

	pdm_accept_tcp
}

# Usage: pdm_settled <ns from> <ns to>: true once <ns to> has accounted
# every PDM packet <ns from> sent
# shellcheck disable=SC2317 # called through slowwait
pdm_settled()
{
	local sent got

	sent=$(pdm_counter "$1" Pdm6OutPkts) || return 1
	got=$(pdm_counter "$2" Pdm6InPkts) || return 1
	[ "$sent" = "$got" ]
}

# Usage: tcp_mib_grew <ns> <name> <before>: true once the TCP MIB counter
# <name> of <ns> is above <before>
# shellcheck disable=SC2317 # called through slowwait
tcp_mib_grew()
{
	local now

	now=$(tcp_mib "$1" "$2") || return 1
	[ -n "$now" ] && [ "$now" -gt "$3" ]
}

# TCP accounts PDM only on segments it accepts: B gets an in-window and an
# out-of-window segment of a connection from A, spoofed with its 4-tuple.
pdm_accept_tcp()
{
	local pause_dir="$TMP_DIR/accept.d"
	local pid lost out

	mkdir -p "$pause_dir"
	server_start "$NS_B" "$TMP_DIR/accept.tcp" tcp_server "$TCP_PORT" echo
	ck_err $? "TCP server did not start"
	py "$NS_A" tcp_window "$ADDR_B" "$TCP_PORT" "$pause_dir" \
		"$ACCEPT_PSN_IN" "$ACCEPT_PSN_OUT" &
	pid=$!
	BG_PIDS+=("$pid")
	slowwait "$WAIT_S" test -e "$pause_dir/inwin"
	ck_err $? "TCP client did not connect"
	# B has accounted all that A sent: the connection is quiet.
	slowwait "$WAIT_S" pdm_settled "$NS_A" "$NS_B"
	ck_err $? "B did not account every PDM packet A sent"
	counters_save "$NS_B" accept4.b
	ck_err $? "cannot read the counters of B"
	touch "$pause_dir/inwin.go"
	slowwait "$WAIT_S" test -e "$pause_dir/oow"
	ck_err $? "TCP client did not send the in-window segment"
	slowwait "$WAIT_S" counter_grew "$NS_B" accept4.b Pdm6InPkts 1
	ck_counters "$NS_B" accept4.b "receiver" Pdm6InPkts=1 Pdm6InMalformed=0
	ck_end "an in-window TCP segment with PDM accounted"

	# Out of window, TCP drops the segment and sends a duplicate ACK: its
	# PSNLR still echoes the in-window segment's PSNTP.
	counters_save "$NS_B" accept5.b
	ck_err $? "cannot read the counters of B"
	lost=$(tcp_mib "$NS_B" TcpExtDelayedACKLost)
	[ -n "$lost" ]
	ck_err $? "cannot read TcpExtDelayedACKLost of B"
	capture_start accept_tcp "$NS_B"
	ck_err $? "tcpdump did not start"
	touch "$pause_dir/oow.go"
	slowwait "$WAIT_S" test -e "$pause_dir/end"
	ck_err $? "TCP client did not send the out-of-window segment"
	slowwait "$WAIT_S" tcp_mib_grew "$NS_B" TcpExtDelayedACKLost "${lost:-0}"
	ck_err $? "TcpExtDelayedACKLost of B did not grow: segment lost"
	capture_stop accept_tcp
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_B" accept5.b "receiver" Pdm6InPkts=0 Pdm6InMalformed=0
	out=$(pdm_awk accept_tcp '
		$F["proto"] == 6 && $F["src"] == addr_b {
			acks++
			if (!pdm_ok())
				err("duplicate ACK without PDM")
			else if ($F["psnlr"] != psn_in)
				err("PSNLR " $F["psnlr"] ", expected " psn_in)
		}
		END {
			if (acks != 1)
				fail(acks + 0 " segments from B, expected 1")
		}' -v addr_b="$ADDR_B" -v psn_in="$ACCEPT_PSN_IN" 2>&1)
	ck_out $? "$out" "capture"
	touch "$pause_dir/end.go"
	server_wait "$pid"
	ck_err $? "TCP echo after the spoofed segments failed"
	server_wait "$SRV_PID"
	ck_err $? "TCP server failed"
	ck_end "no PDM accounted on an out-of-window TCP segment"
}

pdm_flows_test()
{
	local flows got start elapsed out

	case_setup || return
	pdm_sysctl "$NS_B" max_flows "$FLOOD_MAX_FLOWS"
	ck_err $? "cannot set max_flows"

	counters_save "$NS_B" flows.b
	ck_err $? "cannot read the counters of B"

	# Spoofed sources: raw packets, so A's own table is not involved.
	server_start "$NS_B" "$TMP_DIR/flows.udp" udp_drain "$UDP_PORT" \
		"$FLOOD_SOURCES" 3
	ck_err $? "UDP receiver did not start"
	py "$NS_A" flood_spoof "$FLOOD_PREFIX" "$ADDR_B" "$FLOOD_SPORT" \
		"$UDP_PORT" "$FLOOD_SOURCES"
	ck_err $? "flood failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP receiver failed"
	got=$(cat "$TMP_DIR/flows.udp")
	[ "$got" = "$FLOOD_SOURCES" ]
	ck_err $? "receiver got '$got' of $FLOOD_SOURCES datagrams"

	flows=$(pdm_counter "$NS_B" Pdm6Flows)
	[ "$flows" = "$FLOOD_MAX_FLOWS" ]
	ck_err $? "$flows live flows, expected the table full ($FLOOD_MAX_FLOWS)"
	# No flow is refused: each one past the bound evicts an older one.
	ck_counters "$NS_B" flows.b "receiver" \
		Pdm6FlowsCreated="$FLOOD_SOURCES" \
		Pdm6FlowsEvicted=$((FLOOD_SOURCES - FLOOD_MAX_FLOWS)) \
		Pdm6FlowsNoMem=0 Pdm6InPkts="$FLOOD_SOURCES"
	ck_end "flow table bounded by max_flows, old flows evicted"

	# A real exchange, the table still full of one-packet flood flows:
	# its first datagram evicts one of them, its replies carry PDM with
	# PSNLR set, and its later packets evict nothing more.
	counters_save "$NS_A" flows2.a
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" flows2.b
	ck_err $? "cannot read the counters of B"
	capture_start flows "$NS_B"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/flows2.udp" udp_server "$UDP_PORT" \
		"$FLOOD_REAL_DGRAMS" echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" "$FLOOD_REAL_DGRAMS" echo -
	ck_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP server failed"
	capture_stop flows
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_B" flows2.b "receiver" Pdm6FlowsCreated=1 \
		Pdm6FlowsEvicted=1 Pdm6InPkts="$FLOOD_REAL_DGRAMS" \
		Pdm6OutPkts="$FLOOD_REAL_DGRAMS"
	# the sender's socket is connected: its flow is not in A's table
	ck_counters "$NS_A" flows2.a "sender" Pdm6FlowsCreated=0 \
		Pdm6SockFlows=1 Pdm6InPkts="$FLOOD_REAL_DGRAMS"
	flows=$(pdm_counter "$NS_B" Pdm6Flows)
	[ "$flows" = "$FLOOD_MAX_FLOWS" ]
	ck_err $? "$flows live flows, expected the table full ($FLOOD_MAX_FLOWS)"
	out=$(pdm_awk flows '
		$F["proto"] != 17 || ($F["src"] != addr_a && $F["src"] != addr_b) {
			next
		}
		!pdm_ok() { err("UDP without PDM"); next }
		$F["src"] == addr_a { req++; psn = $F["psntp"]; next }
		{
			rep++
			if (!req)
				err("reply before any request")
			else if ($F["psnlr"] != psn)
				err("reply PSNLR " $F["psnlr"] ", request PSNTP " psn)
		}
		END {
			if (req != n || rep != n)
				fail(req + 0 " requests and " rep + 0 \
				     " replies with PDM, expected " n)
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" \
		   -v n="$FLOOD_REAL_DGRAMS" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "a flow started after the flood gets state"

	pdm_sysctl "$NS_B" flow_timeout "$EXPIRE_TIMEOUT_S"
	ck_err $? "cannot set flow_timeout"
	start=$(timestamp_ms)
	flows=$(slowwait "$EXPIRE_WAIT_S" pdm_flows_zero "$NS_B")
	ck_err $? "still '${flows##*$'\n'}' live flows after ${EXPIRE_WAIT_S}s"
	elapsed=$(( ($(timestamp_ms) - start) / 100 ))
	# the flood's survivors and the real flow
	ck_counters "$NS_B" flows.b "receiver" \
		Pdm6FlowsExpired="$FLOOD_MAX_FLOWS"
	diag "flows gone after $((elapsed / 10)).$((elapsed % 10))s, limit ${EXPIRE_WAIT_S}s"
	ck_end "idle flows expire"
}

# Usage: linklocal_setup: NS_C behind A's veth1; fe80::1 on A's veth0 and
# veth1, fe80::2 on B's and C's veth0, and no other link-local address.
linklocal_setup()
{
	local ns dev

	setup_ns NS_C > "$TMP_DIR/setup_ns.log" 2>&1 || return 1
	ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.accept_dad=0 &&
		ip netns exec "$NS_C" sysctl -qw \
			net.ipv6.conf.default.accept_dad=0 || return 1
	pdm_sysctl "$NS_C" enabled 1 || return 1
	pdm_sysctl "$NS_C" flow_timeout "$FLOW_TIMEOUT_S" || return 1
	ip -n "$NS_A" link add veth1 mtu "$MTU" type veth \
		peer name veth0 mtu "$MTU" netns "$NS_C" || return 1

	while read -r ns dev; do
		ip -n "$ns" link set dev "$dev" addrgenmode none || return 1
		ip -n "$ns" -6 addr flush dev "$dev" scope link || return 1
	done <<-EOF
		$NS_A veth0
		$NS_A veth1
		$NS_B veth0
		$NS_C veth0
	EOF
	ip -n "$NS_A" addr add "$LL_A/64" dev veth0 nodad || return 1
	ip -n "$NS_A" addr add "$LL_A/64" dev veth1 nodad || return 1
	ip -n "$NS_B" addr add "$LL_PEER/64" dev veth0 nodad || return 1
	ip -n "$NS_C" addr add "$LL_PEER/64" dev veth0 nodad || return 1
	ip -n "$NS_A" link set veth1 up || return 1
	ip -n "$NS_C" link set veth0 up
}

pdm_linklocal_test()
{
	local out side pid_b pid_c

	case_setup || return
	if ! linklocal_setup 2> "$TMP_DIR/setup.err"; then
		diag "$(cat "$TMP_DIR/setup.err" "$TMP_DIR/setup_ns.log")"
		case_abort "second link setup failed"
		return
	fi

	# One socket in A to fe80::2 on each link in turn; B and C echo.
	counters_save "$NS_A" ll.a
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" ll.b
	ck_err $? "cannot read the counters of B"
	counters_save "$NS_C" ll.c
	ck_err $? "cannot read the counters of C"
	capture_start ll_b "$NS_A" veth0
	ck_err $? "tcpdump on veth0 did not start"
	capture_start ll_c "$NS_A" veth1
	ck_err $? "tcpdump on veth1 did not start"
	server_start "$NS_B" "$TMP_DIR/ll_b.udp" udp_server "$UDP_PORT" \
		"$LL_DGRAMS" echo
	ck_err $? "UDP server in B did not start"
	pid_b=$SRV_PID
	server_start "$NS_C" "$TMP_DIR/ll_c.udp" udp_server "$UDP_PORT" \
		"$LL_DGRAMS" echo
	ck_err $? "UDP server in C did not start"
	pid_c=$SRV_PID
	py "$NS_A" udp_alt "$UDP_PORT" "$LL_DGRAMS" "$LL_PEER%veth0" \
		"$LL_PEER%veth1"
	ck_err $? "UDP exchange failed"
	server_wait "$pid_b"
	ck_err $? "UDP server in B failed"
	server_wait "$pid_c"
	ck_err $? "UDP server in C failed"
	for side in b c; do
		capture_stop "ll_$side"
		ck_err $? "$CAP_ERR"
	done
	# a shared entry would make it 1 in A
	ck_counters "$NS_A" ll.a "A" Pdm6FlowsCreated=2 \
		Pdm6OutPkts=$((2 * LL_DGRAMS)) Pdm6InPkts=$((2 * LL_DGRAMS))
	ck_counters "$NS_B" ll.b "B" Pdm6FlowsCreated=1 Pdm6InPkts="$LL_DGRAMS"
	ck_counters "$NS_C" ll.c "C" Pdm6FlowsCreated=1 Pdm6InPkts="$LL_DGRAMS"
	ck_end "one flow per link for one link-local peer address"

	# With one entry for both links, A's PSNTP would grow by 2.
	for side in b c; do
		out=$(pdm_awk "ll_$side" '
			$F["proto"] != 17 { next }
			!pdm_ok() { err("UDP without PDM"); next }
			{
				s = $F["src"]
				if (s in last && $F["psntp"] != (last[s] + 1) % 65536)
					err("PSNTP " $F["psntp"] " after " last[s])
				last[s] = $F["psntp"]
				n[s]++
			}
			END {
				if (n[a] != count || n[peer] != count)
					fail(n[a] + 0 " requests and " n[peer] + 0 \
					     " replies with PDM, expected " count)
			}' -v a="$LL_A" -v peer="$LL_PEER" -v count="$LL_DGRAMS" 2>&1)
		ck_out $? "$out" "link to ${side^^}"
	done
	ck_end "PSNTP increases by 1 per packet on each link"

	# Replies echo the request on their link, and A's next request the
	# reply on its link, not the one on the other link.
	for side in b c; do
		out=$(pdm_awk "ll_$side" '
			$F["proto"] != 17 || !pdm_ok() { next }
			$F["src"] == a {
				if (rep && $F["psnlr"] != rep_psn)
					err("request PSNLR " $F["psnlr"] \
					    ", last reply PSNTP " rep_psn)
				req++
				req_psn = $F["psntp"]
				next
			}
			$F["src"] == peer {
				rep++
				if (!req)
					err("reply before any request")
				else if ($F["psnlr"] != req_psn)
					err("reply PSNLR " $F["psnlr"] \
					    ", request PSNTP " req_psn)
				rep_psn = $F["psntp"]
			}
			END {
				if (req != count || rep != count)
					fail(req + 0 " requests and " rep + 0 \
					     " replies with PDM, expected " count)
			}' -v a="$LL_A" -v peer="$LL_PEER" -v count="$LL_DGRAMS" 2>&1)
		ck_out $? "$out" "link to ${side^^}"
	done
	ck_end "PSNLR echoes the PSNTP received on the same link"
}

# Usage: ipsec_setup <esp|ah>: transport mode SAs for both directions in A
# and B, and policies that protect UDP between ADDR_A and ADDR_B (only UDP,
# so that ND stays in the clear).
ipsec_setup()
{
	local proto=$1
	local algo ns me peer

	if [ "$proto" = esp ]; then
		algo=(aead 'rfc4106(gcm(aes))' "$ESP_KEY" 128)
	else
		algo=(auth-trunc 'hmac(sha256)' "$AH_KEY" 128)
	fi
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" xfrm policy flush || return 1
		ip -n "$ns" xfrm state flush || return 1
		ip -n "$ns" xfrm state add src "$ADDR_A" dst "$ADDR_B" \
			proto "$proto" spi "$IPSEC_SPI_AB" mode transport \
			"${algo[@]}" || return 1
		ip -n "$ns" xfrm state add src "$ADDR_B" dst "$ADDR_A" \
			proto "$proto" spi "$IPSEC_SPI_BA" mode transport \
			"${algo[@]}" || return 1
	done
	while read -r ns me peer; do
		ip -n "$ns" xfrm policy add src "$me/128" dst "$peer/128" \
			proto udp dir out tmpl src "$me" dst "$peer" \
			proto "$proto" mode transport || return 1
		ip -n "$ns" xfrm policy add src "$peer/128" dst "$me/128" \
			proto udp dir in tmpl src "$peer" dst "$me" \
			proto "$proto" mode transport || return 1
	done <<-EOF
		$NS_A $ADDR_A $ADDR_B
		$NS_B $ADDR_B $ADDR_A
	EOF
}

# Usage: pdm_ipsec_run <esp|ah>: a UDP echo exchange under <proto>; reports
# the two results of <proto>.
pdm_ipsec_run()
{
	local proto=$1
	local name=${1^^}
	local nh port out side ns

	if [ "$proto" = esp ]; then
		nh=32
		port=$UDP_PORT
	else
		nh=33
		port=$IPSEC_AH_PORT
	fi

	ipsec_setup "$proto" 2> "$TMP_DIR/ipsec.err"
	ck_out $? "$(cat "$TMP_DIR/ipsec.err")" "$name SA or policy setup failed"
	counters_save "$NS_A" "ipsec_$proto.a"
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" "ipsec_$proto.b"
	ck_err $? "cannot read the counters of B"
	capture_start "ipsec_$proto" "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/ipsec_$proto.udp" udp_server \
		"$port" "$IPSEC_DGRAMS" echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$port" "$IPSEC_DGRAMS" echo -
	ck_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP server failed"
	capture_stop "ipsec_$proto"
	ck_err $? "$CAP_ERR"
	# each side sends and accepts every datagram on one flow: A's
	# connected socket keeps it, B's is a table entry
	for side in a b; do
		if [ $side = a ]; then ns=$NS_A; else ns=$NS_B; fi
		ck_counters "$ns" "ipsec_$proto.$side" "${side^^}" \
			Pdm6OutPkts="$IPSEC_DGRAMS" \
			Pdm6InPkts="$IPSEC_DGRAMS" Pdm6InMalformed=0
	done
	ck_counters "$NS_A" "ipsec_$proto.a" A Pdm6FlowsCreated=0 Pdm6SockFlows=1
	ck_counters "$NS_B" "ipsec_$proto.b" B Pdm6FlowsCreated=1 Pdm6SockFlows=0
	ck_end "$name: one flow per side, every datagram accounted"

	# ESP hides the ports: requests and replies told apart by address.
	out=$(pdm_awk "ipsec_$proto" '
		$F["proto"] == 58 { next }
		!pdm_ok() { err("no valid PDM"); next }
		substr($F["doh"], 1, 2) != nh {
			err("DOH next header 0x" substr($F["doh"], 1, 2) \
			    ", expected 0x" nh)
			next
		}
		$F["src"] == addr_a {
			if (req && $F["psntp"] != (req_psn + 1) % 65536)
				err("request PSNTP " $F["psntp"] " after " req_psn)
			if (rep && $F["psnlr"] != rep_psn)
				err("request PSNLR " $F["psnlr"] \
				    ", last reply PSNTP " rep_psn)
			req++
			req_psn = $F["psntp"]
			next
		}
		$F["src"] == addr_b {
			if (rep && $F["psntp"] != (rep_psn + 1) % 65536)
				err("reply PSNTP " $F["psntp"] " after " rep_psn)
			rep++
			if (!req)
				err("reply before any request")
			else if ($F["psnlr"] != req_psn)
				err("reply PSNLR " $F["psnlr"] ", request PSNTP " req_psn)
			rep_psn = $F["psntp"]
		}
		END {
			if (req != n || rep != n)
				fail(req + 0 " requests and " rep + 0 " replies" \
				     " with PDM before " name ", expected " n)
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" -v nh="$nh" \
		   -v name="$name" -v n="$IPSEC_DGRAMS" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "$name: PDM in a DOH before $name, PSNLR echoes the request"
}

pdm_ipsec_test()
{
	case_setup || return
	pdm_ipsec_run esp
	pdm_ipsec_run ah
}

# Usage: pdm_flows_zero <ns>: print the live flow count, true if it is 0
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
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v n="$2" '$1 == n { print $2 }'
}

# Usage: bulk_flows: "A's tx_pkts, B's rx_pkts lost dups reordered" of
# the bulk connection, from ip pdm flow (B may list the table's entry of
# the SYN beside the connection's)
bulk_flows()
{
	local a b

	a=$(ip -n "$NS_A" -j pdm flow show proto tcp port "$TCP_PORT") &&
		b=$(ip -n "$NS_B" -j pdm flow show proto tcp port "$TCP_PORT") &&
		python3 -c '
import json, sys
a = max(json.loads(sys.argv[1]), key=lambda f: f["tx_pkts"])
b = max(json.loads(sys.argv[2]), key=lambda f: f["rx_pkts"])
print(a["tx_pkts"], b["rx_pkts"], b["lost"], b["dups"], b["reordered"])
' "$a" "$b"
}

# Usage: bulk_run <name> <sw|whole|gro>: A sends BULK_BYTES to B over TCP,
# captured on A's veth as <name>. sw: TSO off on A's veth, so that the
# stack segments A's GSO packets in software before it; whole: default
# offloads, veth takes them whole; gro: as sw, with GRO on B's veth, where
# the capture is then taken, after GRO. Sets BULK_FLOWS (bulk_flows(), read
# while the connection is open), BULK_SEGS and BULK_RETR (A's TcpOutSegs
# and TcpRetransSegs during the transfer); fails with the reason in
# BULK_ERR.
bulk_run()
{
	local name=$1 hold="$TMP_DIR/$1.hold" tso=on gro=off cap=$NS_A
	local out0 retr0 out1 retr1 cpid

	[ "$2" = whole ] || tso=off
	[ "$2" = gro ] && gro=on cap=$NS_B
	BULK_FLOWS="" BULK_SEGS="" BULK_RETR=""
	# The tables keep the flows of the runs before, closed: they go.
	BULK_ERR="ip pdm flow flush failed"
	ip -n "$NS_A" pdm flow flush && ip -n "$NS_B" pdm flow flush ||
		return 1
	BULK_ERR="ethtool -K veth0 tso $tso on A, gro $gro on B failed"
	ip netns exec "$NS_A" ethtool -K veth0 tso "$tso" > /dev/null &&
		ip netns exec "$NS_B" ethtool -K veth0 gro "$gro" > /dev/null ||
		return 1
	mkdir -p "$hold" || return 1
	out0=$(tcp_mib "$NS_A" TcpOutSegs)
	retr0=$(tcp_mib "$NS_A" TcpRetransSegs)
	BULK_ERR="tcpdump did not start"
	capture_start "$name" "$cap" || return 1
	BULK_ERR="TCP server did not start"
	server_start "$NS_B" "$TMP_DIR/$name.tcp" tcp_server "$TCP_PORT" sink \
		- "$hold" || return 1
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" "$BULK_BYTES" sink &
	cpid=$!
	BG_PIDS+=("$cpid")
	BULK_ERR="B did not get the transfer's end"
	slowwait "$WAIT_S" test -e "$hold/eof" || return 1
	BULK_FLOWS=$(bulk_flows)
	touch "$hold/go"
	BULK_ERR="transfer of $BULK_BYTES bytes failed"
	server_wait "$cpid" || return 1
	BULK_ERR="TCP server failed"
	server_wait "$SRV_PID" || return 1
	out1=$(tcp_mib "$NS_A" TcpOutSegs)
	retr1=$(tcp_mib "$NS_A" TcpRetransSegs)
	BULK_ERR="nstat TcpOutSegs, TcpRetransSegs: '$out0 $out1 $retr0 $retr1'"
	[[ "$out0 $out1 $retr0 $retr1" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] ||
		return 1
	BULK_SEGS=$((out1 - out0))
	BULK_RETR=$((retr1 - retr0))
	capture_stop "$name" || { BULK_ERR=$CAP_ERR; return 1; }
	BULK_ERR="ethtool -K veth0 gro off on B failed"
	ip netns exec "$NS_B" ethtool -K veth0 gro off > /dev/null || return 1
	BULK_ERR=""
}

# What A sent in a bulk capture: every data packet with PDM, each segment
# of a GSO packet, whole or not, with a PSNTP of its own: a GSO packet that
# veth took whole stands for gsosegs() segments, whose PSNTPs follow its own.
# Then one run of consecutive PSNTPs, each once. With
# sw=1, no packet above the MTU, and full-sized ones on it exactly.
AWK_BULK='
function has_pdm() {
	return ($F["pdm"] == "ok" || $F["pdm"] == "prot") &&
	       $F["ndoh"] == 1 && $F["dohok"] == 1
}
$F["proto"] != 6 || $F["src"] != addr_a { next }
!has_pdm() { err("TCP packet without PDM (" $F["pdm"] ")"); next }
{
	k = gsosegs()
	if (k > 1)
		gso++
	else if ($F["plen"] > maxplen)
		maxplen = $F["plen"]
	if ($F["plen"] + 40 > mtu && sw)
		err("IPv6 packet of " $F["plen"] + 40 " octets")
	if (!n++)
		first = $F["psntp"]
	r = ($F["psntp"] - first + mod) % mod
	if (r >= mod / 2)
		r -= mod
	for (i = 0; i < k; i++) {
		if ((r + i) in seen)
			dup++
		seen[r + i] = 1
	}
	if (r < lo)
		lo = r
	if (r + k - 1 > hi)
		hi = r + k - 1
	segs += k
	if ($F["l4len"] > 0)
		data += k
}
END {
	if (dup)
		fail(dup " PSNTPs twice")
	if (hi - lo + 1 != segs)
		fail(segs " segments, PSNTPs over " hi - lo + 1 " values")
	if (data < int(bytes / mtu))
		fail("only " data + 0 " data segments")
	if (sw && gso)
		fail(gso " GSO packets past a device without TSO")
	if (sw && maxplen + 40 != mtu)
		fail("largest packet " maxplen + 40 ", expected " mtu)
	if (!sw && !gso)
		fail("no packet of several segments: nothing tested")
	printf("%d packets for %d segments, %d of them GSO, largest segment %d\n",
	       n, segs, gso, maxplen + 40)
}'

# Usage: bulk_ck <capture> <sw: 0 or 1> <what>: AWK_BULK on the capture
# of a bulk transfer, PSNs modulo <mod> (of bulk_version)
bulk_ck()
{
	local out rc

	out=$(pdm_awk "$1" "$AWK_BULK" -v mtu="$MTU" -v addr_a="$ADDR_A" \
		-v bytes="$BULK_BYTES" -v mod="$mod" -v sw="$2" 2>&1)
	rc=$?
	diag "$3: ${out##*$'\n'}"
	ck_out "$rc" "$out" "capture"
}

# Usage: bulk_version <label> <mod>: the bulk case's three results for the
# version set up: transfers segmented in software and passed whole
bulk_version()
{
	local label=$1 mod=$2 run out path a b lost dups reord
	local -A flows segs retr err

	for path in sw whole gro; do
		run="bulk_${label}_$path"
		bulk_run "$run" "$path"
		err[$path]=$BULK_ERR
		flows[$path]=$BULK_FLOWS
		segs[$path]=$BULK_SEGS
		retr[$path]=$BULK_RETR
	done

	[ -z "${err[sw]}" ]
	ck_err $? "software GSO: ${err[sw]}"
	bulk_ck "bulk_${label}_sw" 1 "software GSO"
	ck_end "$label, software GSO: no packet above the MTU, full-sized segments"

	[ -z "${err[sw]}" ] && [ -z "${err[whole]}" ]
	ck_err $? "the transfers failed: ${err[sw]}${err[whole]}"
	bulk_ck "bulk_${label}_whole" 0 "whole GSO packets"
	ck_end "$label: a PSNTP for each segment, software GSO and whole GSO packets"

	# Each PSN of A's flow is one that B's flow accounted or counts lost.
	# B accounts only the segments its TCP accepted: one dropped on the
	# way, or sent again after B took its data, is lost, so no more may
	# be lost than TCP sent again. B takes the segments in the order A
	# sent them (bulk_one_backlog()): none is reordered.
	for path in sw whole gro; do
		[ -z "${err[$path]}" ]
		ck_err $? "$path: the transfer failed"
		[ -n "${err[$path]}" ] && continue
		read -r a b lost dups reord <<< "${flows[$path]}"
		diag "$path: A sent $a, B got ${flows[$path]#* }" \
		     "(received lost dups reordered);" \
		     "${segs[$path]} segments sent, ${retr[$path]} retransmitted"
		out="lost $lost, dups $dups, reordered $reord"
		[[ "$a $b $lost $dups $reord" =~ ^[0-9]+( [0-9]+){4}$ ]] &&
			[ "$a" -eq $((b + lost)) ] && [ "$dups" = 0 ] &&
			[ "$reord" = 0 ] && [ "$lost" -le "${retr[$path]}" ]
		ck_err $? "$path: A's flow sent $a, B's flow received $b, $out," \
			  "TCP sent ${retr[$path]} again"
		[ "${segs[$path]}" -ge $((BULK_BYTES / MTU)) ]
		ck_err $? "$path: TcpOutSegs moved by ${segs[$path]}"
		[ $((${retr[$path]} * 100)) -le $((${segs[$path]} * RETRANS_MAX_PCT)) ]
		out="${retr[$path]} of ${segs[$path]} segments retransmitted"
		ck_err $? "$path: $out (limit ${RETRANS_MAX_PCT}%)"
	done
	ck_end "$label: B accounts every segment in order; lost ones TCP resent, below the limit"

	# After GRO, a packet above the MTU is segments merged; protected
	# options differ in more than their PSNs, so none may be.
	[ -z "${err[gro]}" ]
	ck_err $? "GRO at B: ${err[gro]}"
	if [ "$label" = protected ]; then
		bulk_ck "bulk_${label}_gro" 1 "GRO at B"
		ck_end "$label, GRO at B: no segment merged"
	else
		bulk_ck "bulk_${label}_gro" 0 "GRO at B"
		ck_end "$label, GRO at B: segments merged, their PSNTPs in one run"
	fi
}

# Usage: bulk_one_backlog: B's veth takes what A sends with netif_rx(),
# into the backlog of the CPU that sends it, and A sends from its process
# and from the softirq of B's ACKs, on any CPU: from two backlogs, B may
# take segments in another order than A sent them, which B's flow then
# rightly counts reordered. RPS steers them all into one backlog.
bulk_one_backlog()
{
	ip netns exec "$NS_B" sh -c \
		'echo 1 > /sys/class/net/veth0/queues/rx-0/rps_cpus'
}

pdm_bulk_test()
{
	SETUP_VERSION=1 flow_case_setup || return
	bulk_one_backlog
	ck_err $? "cannot steer B's veth0 to one CPU with RPS"
	bulk_version "RFC 8250" 65536
	pdm_sysctl "$NS_A" version 2 && pdm_sysctl "$NS_B" version 2
	ck_err $? "cannot set version 2"
	bulk_version PDMv2 4294967296
	prot_keys
	ck_err $? "ip pdm key add failed"
	bulk_version protected 4294967296
}

pdm_frag_test()
{
	local pad expect out rc xfer_fail

	SETUP_VERSION=2 case_setup || return

	# FRAG_DGRAMS datagrams of FRAG_SIZE octets from A, each echoed by B:
	# fragmented both ways, one flow on each side.
	counters_save "$NS_A" frag.a
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" frag.b
	ck_err $? "cannot read the counters of B"
	capture_start frag "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/frag.udp" udp_server "$UDP_PORT" \
		"$FRAG_DGRAMS" echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_big "$ADDR_B" "$UDP_PORT" "$FRAG_DGRAMS" "$FRAG_SIZE"
	ck_err $? "echo of $FRAG_DGRAMS datagrams of $FRAG_SIZE octets failed"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get $FRAG_DGRAMS datagrams"
	xfer_fail=$CK_FAIL
	ck_end "datagrams larger than the MTU delivered"

	# Every fragment of a datagram has the same DOH, so the same PSNTP;
	# successive datagrams of a side have successive PSNTP.
	capture_stop frag
	ck_err $? "$CAP_ERR"
	out=$(pdm_awk frag '
		$F["frag"] == "-" {
			if ($F["proto"] == 17)
				err("UDP datagram not fragmented")
			next
		}
		{
			split($F["frag"], fr, ":")
			id = $F["src"] " id " fr[1]
			if (!(id in nfrag)) {
				order[++ndg] = id
				src[id] = $F["src"]
				doh[id] = $F["doh"]
				psn[id] = $F["psntp"]
			}
			nfrag[id]++
			if (!pdm_ok() || $F["ver"] != 2)
				err("fragment without a valid PDMv2 option")
			else if ($F["doh"] != doh[id])
				err("DOH " $F["doh"] ", first seen " doh[id])
			if (fr[2] == 0) {
				first[id]++
				if ($F["proto"] != 17 || $F["dport"] == "-")
					err("first fragment without the UDP header")
			}
			if (fr[3] == 0)
				last[id]++
		}
		END {
			for (k = 1; k <= ndg; k++) {
				id = order[k]
				if (nfrag[id] < 2 || first[id] != 1 || last[id] != 1)
					fail(id ": " nfrag[id] " fragments, " \
					     first[id] + 0 " first, " last[id] + 0 " last")
				s = src[id]
				n[s]++
				if (s in prev && psn[id] != (prev[s] + 1) % 4294967296)
					fail(id ": PSNTP " psn[id] " after " prev[s])
				prev[s] = psn[id]
				frags += nfrag[id]
			}
			if (n[addr_a] != dgrams || n[addr_b] != dgrams)
				fail("expected " dgrams " fragmented datagrams each way")
			printf("%d datagrams from A, %d from B, %d fragments\n",
			       n[addr_a], n[addr_b], frags)
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" \
		   -v dgrams="$FRAG_DGRAMS" 2>&1)
	rc=$?
	diag "${out##*$'\n'}"
	ck_out "$rc" "$out" "capture"
	ck_end "every fragment repeats the datagram's PDM option"

	# Once per datagram, not per fragment, on both sides; later fragments
	# create no flow of their own (A's is its connected socket's).
	[ "$xfer_fail" = 0 ]
	ck_err $? "the exchange failed (see above)"
	ck_counters "$NS_B" frag.b "receiver B" Pdm6InPkts="$FRAG_DGRAMS" \
		Pdm6OutPkts="$FRAG_DGRAMS" Pdm6FlowsCreated=1 Pdm6InMalformed=0
	ck_counters "$NS_A" frag.a "sender A" Pdm6InPkts="$FRAG_DGRAMS" \
		Pdm6OutPkts="$FRAG_DGRAMS" Pdm6FlowsCreated=0 Pdm6SockFlows=1 \
		Pdm6InMalformed=0
	ck_end "PDM accounted once per datagram"

	# One datagram in two fragments whose PDM options differ, the later
	# fragment sent first: B accounts one PDM, the first fragment's, and
	# echoes it in the PSNLR of its reply.
	counters_save "$NS_B" frag2.b
	ck_err $? "cannot read the counters of B"
	capture_start frag2 "$NS_B"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/frag2.udp" udp_server "$UDP_PORT" 1 echo
	ck_err $? "UDP server did not start"
	py "$NS_A" frag_pair "$ADDR_A" "$ADDR_B" "$FRAG_PAIR_SPORT" "$UDP_PORT" \
		"$FRAG_PAIR_SIZE" "$FRAG_PAIR_PSN_FIRST" "$FRAG_PAIR_PSN_LATER"
	ck_err $? "IPV6_HDRINCL send failed"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get the datagram"
	printf -v pad '%*s' $((FRAG_PAIR_SIZE - 14)) ''
	expect="pdm-frag-pair-${pad// /y}"
	[ "$(cat "$TMP_DIR/frag2.udp")" = "$expect" ]
	ck_err $? "receiver did not get the datagram intact"
	ck_counters "$NS_B" frag2.b "receiver B" Pdm6InPkts=1 Pdm6InMalformed=0
	capture_stop frag2
	ck_err $? "$CAP_ERR"
	out=$(pdm_awk frag2 '
		$F["src"] == addr_a && $F["frag"] != "-" {
			split($F["frag"], fr, ":")
			if (!na++ && fr[2] == 0)
				fail("the first fragment arrived first")
		}
		$F["src"] == addr_b && $F["proto"] == 17 && $F["dport"] == sport {
			reply++
			if (!pdm_ok())
				err("reply without PDM")
			else if ($F["psnlr"] != psn)
				err("reply has PSNLR " $F["psnlr"] ", expected " psn)
		}
		END {
			if (na != 2 || reply != 1)
				fail(na + 0 " fragments sent and " reply + 0 \
				     " replies, expected 2 and 1")
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" \
		   -v sport="$FRAG_PAIR_SPORT" -v psn="$FRAG_PAIR_PSN_FIRST" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "first fragment's PDM accounted when a later one arrives first"
}

# Usage: sockopt_udp_run <name> <sport>/<pdm> <sport>/<pdm>: SOCKOPT_DGRAMS
# datagrams from each of two UDP sockets of A, the first with no PDM, the
# second with PDM (its PSNLR echoing B's replies, so it accounts them); B
# echoes them all with PDM. <pdm>: IPV6_PDM, "-" not set.
sockopt_udp_run()
{
	local name=$1
	local none=$2
	local pdm=$3
	local n=$SOCKOPT_DGRAMS
	local out

	counters_save "$NS_A" "$name.a"
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" "$name.b"
	ck_err $? "cannot read the counters of B"
	capture_start "$name" "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/$name.udp" udp_server "$UDP_PORT" \
		$((2 * n)) echo
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_send "$ADDR_B" "$UDP_PORT" "$n" echo "$none/-" "$pdm/-"
	ck_err $? "UDP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP server failed"
	capture_stop "$name"
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_A" "$name.a" A Pdm6OutPkts="$n" Pdm6InPkts="$n"
	ck_counters "$NS_B" "$name.b" B Pdm6OutPkts=$((2 * n)) Pdm6InPkts="$n"
	out=$(pdm_awk "$name" '
		$F["proto"] != 17 { next }
		$F["src"] == addr_a && $F["sport"] == none {
			nn++
			if ($F["ndoh"] != 0)
				err("DOH from the socket that must send no PDM")
		}
		$F["src"] == addr_a && $F["sport"] == pdm {
			np++
			if (!pdm_ok())
				err("no PDM from the socket that must send it")
			else if (rep && $F["psnlr"] != rep_psn)
				err("PSNLR " $F["psnlr"] ", last reply PSNTP " rep_psn)
		}
		$F["src"] == addr_b {
			nr++
			if (!pdm_ok())
				err("reply without PDM")
			else if ($F["dport"] == pdm) {
				rep = 1
				rep_psn = $F["psntp"]
			}
		}
		END {
			if (nn != n || np != n || nr != 2 * n)
				fail(nn + 0 " datagrams without PDM, " np + 0 " with, " \
				     nr + 0 " replies; expected " n ", " n ", " 2 * n)
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" -v none="${none%/*}" \
		   -v pdm="${pdm%/*}" -v n="$n" 2>&1)
	ck_out $? "$out" "capture"
}

# Usage: sockopt_tcp_run <name> <pdm> <0|1>: an echo exchange from a TCP
# client of A with IPV6_PDM <pdm> ("-" not set), which must carry PDM or
# not, to a listener of B with IPV6_PDM=1, whose accepted socket must.
sockopt_tcp_run()
{
	local name=$1
	local pdm=$2
	local a_pdm=$3
	local out

	counters_save "$NS_A" "$name.a"
	ck_err $? "cannot read the counters of A"
	capture_start "$name" "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/$name.tcp" tcp_server "$TCP_PORT" echo 1
	ck_err $? "TCP server did not start"
	py "$NS_A" tcp_conn "$ADDR_B" "$TCP_PORT" 2000 echo "$pdm" -
	ck_err $? "TCP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "TCP server failed"
	capture_stop "$name"
	ck_err $? "$CAP_ERR"
	# a socket set to 0 accounts nothing either
	[ "$a_pdm" = 1 ] ||
		ck_counters "$NS_A" "$name.a" A Pdm6OutPkts=0 Pdm6InPkts=0
	# SYN-ACKs follow B's netns (disabled): not checked
	out=$(pdm_awk "$name" '
		$F["proto"] != 6 || ($F["sport"] != port && $F["dport"] != port) {
			next
		}
		$F["l4len"] > 0 { data[$F["src"]]++ }
		$F["src"] == addr_a {
			na++
			if (a_pdm && !pdm_ok())
				err("no PDM from A")
			else if (!a_pdm && $F["ndoh"] != 0)
				err("DOH from A")
		}
		$F["src"] == addr_b && $F["info"] !~ /S/ {
			nb++
			if (!pdm_ok())
				err("no PDM from the accepted socket")
		}
		END {
			if (!na || !nb || !data[addr_a] || !data[addr_b])
				fail("too few packets: " na + 0 " from A, " nb + 0 \
				     " from B after its SYN-ACK")
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" -v port="$TCP_PORT" \
		   -v a_pdm="$a_pdm" 2>&1)
	ck_out $? "$out" "capture"
}

pdm_sockopt_test()
{
	local out rc

	case_setup || return

	# ping sockets for root
	ip netns exec "$NS_A" sysctl -qw net.ipv4.ping_group_range="0 0"
	ck_err $? "cannot allow ping sockets"
	out=$(py "$NS_A" sockopt udp udplite tcp raw ping 2>&1)
	ck_out $? "$out" "IPV6_PDM values"
	ck_end "IPV6_PDM: -1 at first, -1 to 2 taken, others EINVAL"

	out=$(py "$NS_A" sockopt_noproto sctp 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [[ "$out" == unsupported* ]]; then
		ck_skip "no SCTP socket (${out#unsupported: })"
	else
		ck_out "$rc" "$out" "SCTP socket"
	fi
	ck_end "IPV6_PDM: ENOPROTOOPT on an SCTP socket"

	# Both enabled: set to 0, a socket neither sends nor accounts PDM.
	sockopt_udp_run sockopt_off "$SOCKOPT_SPORT_OFF/0" \
		"$SOCKOPT_SPORT_NETNS/-"
	ck_end "UDP: IPV6_PDM=0 sends and accounts no PDM where enabled"

	# A disabled: set to 1, a socket does both.
	pdm_sysctl "$NS_A" enabled 0
	ck_err $? "cannot write enabled=0 in A"
	sockopt_udp_run sockopt_on "$SOCKOPT_SPORT_NETNS/-" \
		"$SOCKOPT_SPORT_ON/1"
	ck_end "UDP: IPV6_PDM=1 sends and accounts PDM where disabled"

	# B disabled, A enabled; B's listener set to 1.
	pdm_sysctl "$NS_A" enabled 1
	ck_err $? "cannot write enabled=1 in A"
	pdm_sysctl "$NS_B" enabled 0
	ck_err $? "cannot write enabled=0 in B"
	sockopt_tcp_run sockopt_tcp1 - 1
	out=$(cat "$TMP_DIR/sockopt_tcp1.tcp")
	[ "$out" = "accepted IPV6_PDM 1" ]
	ck_err $? "accepted socket: '$out', expected IPV6_PDM 1"
	ck_end "TCP: the listener's IPV6_PDM=1 goes to the accepted socket"

	sockopt_tcp_run sockopt_tcp0 0 0
	ck_end "TCP: an IPV6_PDM=0 connection carries no PDM where enabled"
}

# Usage: twait_flows <na> <nb>: check A's and B's flows of the twait
# connection, A having sent <na> packets and B <nb>: one flow each, in the
# tables, with every packet counted but A's FIN, which B's time-wait
# socket took (it accounts nothing), and nothing lost, duplicated or
# reordered.
twait_flows()
{
	local a b

	a=$(ip -n "$NS_A" -j pdm flow show proto tcp port "$TCP_PORT") &&
		b=$(ip -n "$NS_B" -j pdm flow show proto tcp port "$TCP_PORT") ||
		return 1
	python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
na, nb = int(sys.argv[3]), int(sys.argv[4])
if len(a) != 1 or len(b) != 1:
    sys.exit("flows: A has %d, B %d, expected 1 each" % (len(a), len(b)))
a, b = a[0], b[0]
want = [("A tx_pkts", a["tx_pkts"], na), ("A rx_pkts", a["rx_pkts"], nb),
        ("B tx_pkts", b["tx_pkts"], nb), ("B rx_pkts", b["rx_pkts"], na - 1)]
for k in ("lost", "dups", "reordered"):
    want += [("A " + k, a[k], 0), ("B " + k, b[k], 0)]
bad = ["%s %s, expected %s" % w for w in want if w[1] != w[2]]
if bad:
    sys.exit("; ".join(bad))
' "$a" "$b" "$1" "$2"
}

# Usage: twait_fw2 <file>: B's sockets of TCP_PORT in FIN-WAIT-2, full or
# time-wait, into <file>; false when there is none.
# shellcheck disable=SC2317 # called through slowwait
twait_fw2()
{
	ip netns exec "$NS_B" ss -Htano state fin-wait-2 \
		"sport = :$TCP_PORT" > "$1" && [ -s "$1" ]
}

# Usage: twait_conn <name>: a connection B closes first, A once B took
# A's ACK of B's FIN. Returns 0 when B's socket was then a time-wait one,
# 2 when it was still a full one, which takes A's FIN itself and accounts
# it (tcp_rcv_state_process() keeps the socket in FIN_WAIT2 when the ACK
# comes while B's close() holds it), 1 on failure.
twait_conn()
{
	local name=$1
	local dir="$TMP_DIR/$name.pause" fw2="$TMP_DIR/$name.fw2"
	local cpid rc=0

	rm -rf "$dir" && mkdir "$dir" || return 1
	server_start "$NS_B" "$TMP_DIR/$name.tcp" tcp_server "$TCP_PORT" \
		"close$TWAIT_BYTES" || return 1
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" "$TWAIT_BYTES" close \
		"$dir" &
	cpid=$!
	BG_PIDS+=("$cpid")
	slowwait "$WAIT_S" test -e "$dir/eof" &&
		slowwait "$WAIT_S" twait_fw2 "$fw2" || rc=1
	# ss names a time-wait socket's timer "timewait"
	[ "$rc" = 0 ] && ! grep -q "timer:(timewait" "$fw2" && rc=2
	touch "$dir/go"
	server_wait "$cpid" || rc=1
	server_wait "$SRV_PID" || rc=1
	return "$rc"
}

# Usage: twait_version <label>: B closes a connection first, A then; B's
# time-wait socket ACKs A's FIN. Up to TWAIT_TRIES connections, until B's
# socket is a time-wait one before A's FIN. One result.
twait_version()
{
	local label=$1 name="twait_${1// /_}" out try rc
	local -a counts

	for ((try = 1; try <= TWAIT_TRIES; try++)); do
		# Only this connection's flows: those of the runs before go.
		ip -n "$NS_A" pdm flow flush && ip -n "$NS_B" pdm flow flush
		ck_err $? "ip pdm flow flush failed"
		counters_save "$NS_A" "$name.a" &&
			counters_save "$NS_B" "$name.b"
		ck_err $? "cannot read the counters"
		capture_start "$name" "$NS_A"
		ck_err $? "tcpdump did not start"
		twait_conn "$name"
		rc=$?
		capture_stop "$name"
		ck_err $? "$CAP_ERR"
		[ "$rc" = 2 ] || break
		diag "$label: B's socket was still a full one after A's ACK (try $try)"
	done
	ck_err "$rc" "the connection failed, or B's socket was never a time-wait one"

	# Every packet of the connection in its direction's run of PSNTPs,
	# B's ACK of A's FIN too. Prints the packets A and B sent, and A's
	# port.
	out=$(pdm_awk "$name" "$AWK_PSN_SEQ"'
		$F["proto"] != 6 || ($F["sport"] != port && $F["dport"] != port) {
			next
		}
		$F["pdm"] != "ok" && $F["pdm"] != "prot" {
			err("TCP packet without PDM (" $F["pdm"] ")")
			next
		}
		{
			psn_seq()
			n[$F["src"]]++
		}
		$F["src"] == addr_a { aport = $F["sport"] }
		$F["src"] == addr_a && $F["info"] ~ /F/ { fin = 1 }
		$F["src"] == addr_b && fin { after++ }
		END {
			if (!after)
				fail("no packet from B after the FIN of A")
			print n[addr_a] + 0, n[addr_b] + 0, aport + 0
		}' -v port="$TCP_PORT" -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" 2>&1)
	ck_out $? "$out" "capture"
	read -r -a counts <<< "${out##*$'\n'}"
	diag "$label: A sent ${counts[0]} packets, B ${counts[1]}"
	out=$(ip netns exec "$NS_B" ss -Htan state time-wait \
		"sport = :$TCP_PORT and dport = :${counts[2]}")
	[ -n "$out" ]
	ck_err $? "B has no time-wait socket of the connection"
	out=$(twait_flows "${counts[0]}" "${counts[1]}" 2>&1)
	ck_out $? "$out" "ip pdm flow"
	ck_counters "$NS_A" "$name.a" A Pdm6InReplayed=0
	ck_counters "$NS_B" "$name.b" B Pdm6InReplayed=0
	ck_end "$label: B's time-wait ACK follows the connection's PSNs, both tables keep its flow"
}

pdm_twait_test()
{
	SETUP_VERSION=1 flow_case_setup || return
	twait_version "RFC 8250"
	pdm_sysctl "$NS_A" version 2 && pdm_sysctl "$NS_B" version 2
	ck_err $? "cannot set version 2"
	twait_version PDMv2
	prot_keys
	ck_err $? "ip pdm key add failed"
	twait_version protected
}

pdm_tcpctl_test()
{
	local opt=$TCPCTL_DSTOPTS
	local out rc xfer_fail

	case_setup || return

	# Segments as a NIC gets them: without TSO on A's veth, the stack
	# segments A's GSO packets in software before it.
	ip netns exec "$NS_A" ethtool -K veth0 tso off > /dev/null
	ck_err $? "ethtool -K veth0 tso off failed"
	# A client with its own destination option sends to B's sink.
	capture_start tcpctl "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/tcpctl.tcp" tcp_server "$TCP_PORT" sink
	ck_err $? "TCP server did not start"
	py "$NS_A" tcp_conn "$ADDR_B" "$TCP_PORT" "$TCPCTL_BYTES" sink - "$opt"
	ck_err $? "transfer of $TCPCTL_BYTES bytes failed"
	server_wait "$SRV_PID"
	ck_err $? "TCP server failed"
	capture_stop tcpctl
	ck_err $? "$CAP_ERR"
	xfer_fail=$CK_FAIL
	out=$(pdm_awk tcpctl "$AWK_CHECK_LAYOUT"'
		$F["proto"] == 6 && $F["src"] == addr_b && $F["info"] == "S." {
			synack++
			check_layout()
		}
		END {
			if (synack != 1)
				fail(synack + 0 " SYN-ACKs, expected 1")
		}' -v addr_b="$ADDR_B" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "SYN-ACK carries PDM"

	# No socket in B: its reset comes from the control socket.
	counters_save "$NS_B" tcpctl_rst.b
	ck_err $? "cannot read the counters of B"
	capture_start tcpctl_rst "$NS_A"
	ck_err $? "tcpdump did not start"
	py "$NS_A" tcp_refused "$ADDR_B" "$CLOSED_PORT"
	ck_err $? "connection to the closed port not refused"
	capture_stop tcpctl_rst
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_B" tcpctl_rst.b B Pdm6OutPkts=1
	out=$(pdm_awk tcpctl_rst '
		$F["proto"] != 6 || ($F["sport"] != port && $F["dport"] != port) {
			next
		}
		$F["src"] == addr_a && $F["info"] == "S" {
			syn++
			if (!pdm_ok())
				err("SYN without PDM")
		}
		$F["src"] == addr_b && $F["info"] ~ /R/ {
			rst++
			if (!pdm_ok())
				err("RST without PDM")
		}
		END {
			if (syn != 1 || rst != 1)
				fail(syn + 0 " SYNs and " rst + 0 " RSTs, expected 1 and 1")
		}' -v addr_a="$ADDR_A" -v addr_b="$ADDR_B" -v port="$CLOSED_PORT" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "RST to a closed port carries PDM"

	# On every packet from A, SYN on: its option as set, PDM right after
	# it (offset 8), 24 octets in all, Next Header TCP; B's plain PDM.
	[ "$xfer_fail" = 0 ]
	ck_err $? "the transfer or its capture failed (see above)"
	out=$(pdm_awk tcpctl "$AWK_CHECK_LAYOUT"'
		$F["proto"] != 6 { next }
		$F["src"] == addr_b { b++; check_layout(); next }
		{
			a++
			if ($F["info"] ~ /S/)
				syn++
			if (!pdm_ok())
				err("no valid PDM (pdm=" $F["pdm"] " ndoh=" $F["ndoh"] \
				    " dohok=" $F["dohok"] ")")
			else if (substr($F["doh"], 1, 16) != "0602" substr(opt, 5) ||
				 $F["pdmoff"] != 8 || $F["dohlen"] != 24)
				err("DOH " $F["doh"] ", expected " substr(opt, 5) \
				    " then PDM at 8, 24 octets")
		}
		END {
			if (syn != 1 || a < int(bytes / mtu) || !b)
				fail(syn + 0 " SYNs, " a + 0 " packets from A, " \
				     b + 0 " from B")
		}' -v addr_b="$ADDR_B" -v opt="$opt" -v mtu="$MTU" \
		   -v bytes="$TCPCTL_BYTES" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "the socket's IPV6_DSTOPTS and PDM in one DOH on every segment"

	# The MSS leaves room for both, no more.
	[ "$xfer_fail" = 0 ]
	ck_err $? "the transfer or its capture failed (see above)"
	out=$(pdm_awk tcpctl '
		$F["proto"] != 6 { next }
		$F["plen"] + 40 > mtu || $F["wirelen"] > mtu {
			err("IPv6 packet of " $F["plen"] + 40 " (wire " \
			    $F["wirelen"] ") octets")
		}
		$F["l4len"] > 0 && $F["src"] == addr_a {
			data++
			if ($F["plen"] + 40 == mtu)
				full++
		}
		END {
			if (data < int(bytes / mtu) || !full)
				fail(data + 0 " data segments, " full + 0 \
				     " of them of exactly " mtu " octets")
			printf("%d data segments, %d of %d octets\n", data, full, mtu)
		}' -v mtu="$MTU" -v addr_a="$ADDR_A" -v bytes="$TCPCTL_BYTES" 2>&1)
	rc=$?
	diag "${out##*$'\n'}"
	ck_out "$rc" "$out" "capture"
	ck_end "with IPV6_DSTOPTS, full-sized segments use exactly the MTU"
}

pdm_midway_test()
{
	local pause_dir="$TMP_DIR/midway.d"
	local echo_rule out pid ns xfer_fail

	case_setup || return

	mkdir -p "$pause_dir"
	capture_start midway "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/midway.tcp" tcp_server "$TCP_PORT" echo
	ck_err $? "TCP server did not start"
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" "$MIDWAY_BYTES" echo \
		"$pause_dir" &
	pid=$!
	BG_PIDS+=("$pid")
	slowwait "$WAIT_S" test -e "$pause_dir/phase1"
	ck_err $? "TCP client did not finish its first exchange"

	for ns in "$NS_A" "$NS_B"; do
		pdm_sysctl "$ns" enabled 0
		ck_err $? "cannot write enabled=0"
		counters_save "$ns" "midway.$ns"
		ck_err $? "cannot read the counters"
	done
	# Past the static key's deferred decrement (1 s), should no other
	# netns need it. The echo, without PDM, marks the second exchange.
	sleep 1.5
	ip netns exec "$NS_A" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	touch "$pause_dir/go"
	server_wait "$pid"
	ck_err $? "TCP exchange failed"
	server_wait "$SRV_PID"
	ck_err $? "TCP server failed"
	capture_stop midway
	ck_err $? "$CAP_ERR"
	xfer_fail=$CK_FAIL

	echo_rule='
		$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) {
			echo++
			if ($F["ndoh"] != 0)
				err("ICMPv6 echo with a DOH after enabled=0")
			next
		}
		$F["proto"] != 6 || ($F["sport"] != port && $F["dport"] != port) {
			next
		}
	'
	out=$(pdm_awk midway "$echo_rule"'
		!pdm_ok() { err("TCP packet without PDM"); next }
		echo && $F["l4len"] > 0 { after[$F["dport"] == port]++ }
		END {
			if (echo < 4 || !after[0] || !after[1])
				fail("too few packets: echo " echo + 0 \
				     ", tcp data after the switch " after[1] + 0 \
				     " to and " after[0] + 0 " from the server")
		}' -v port="$TCP_PORT" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "a connection set up with PDM keeps it after enabled=0"

	# the SYN-ACK included: the server's socket continues its PSNs
	[ "$xfer_fail" = 0 ]
	ck_err $? "the exchange or its capture failed (see above)"
	out=$(pdm_awk midway "$AWK_PSN_SEQ$echo_rule"'
		!pdm_ok() { next }
		{
			psn_seq()
			n[echo ? 1 : 0, $F["src"]]++
		}
		END {
			if (!n[0, a] || !n[0, b] || !n[1, a] || !n[1, b])
				fail("packets from A and B before the switch: " \
				     n[0, a] + 0 " and " n[0, b] + 0 ", after: " \
				     n[1, a] + 0 " and " n[1, b] + 0)
		}' -v port="$TCP_PORT" -v a="$ADDR_A" -v b="$ADDR_B" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "PSNTP increases by 1 per packet across the switch"

	[ "$xfer_fail" = 0 ]
	ck_err $? "the exchange or its capture failed (see above)"
	for ns in "$NS_A" "$NS_B"; do
		ck_counters "$ns" "midway.$ns" "$ns" Pdm6InPkts=0 Pdm6InMalformed=0
	done
	out=$(pdm_awk midway "$echo_rule"'
		echo && pdm_ok() {
			checked++
			if ($F["psnlr"] != 0 || $F["dtlr"] != 0 || $F["sdtlr"] != 0 ||
			    $F["dtls"] != 0 || $F["sdtls"] != 0)
				err("PSNLR " $F["psnlr"] ", DeltaTLR " $F["dtlr"] "/" \
				    $F["sdtlr"] ", DeltaTLS " $F["dtls"] "/" \
				    $F["sdtls"] " after the switch")
		}
		END {
			if (checked < 4)
				fail("only " checked + 0 " packets after the switch")
		}' -v port="$TCP_PORT" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "PSNLR and deltas 0 after the switch, nothing accounted"
}

# Usage: idle_psn_check <proto> <port>: the flow of <port> in capture idle
# has PDM throughout, PSNTP increasing by 1 in each direction, and packets
# both ways before and after the idle time.
idle_psn_check()
{
	pdm_awk idle "$AWK_PSN_SEQ"'
		$F["proto"] != proto || ($F["sport"] != port && $F["dport"] != port) {
			next
		}
		!pdm_ok() { err("no valid PDM"); next }
		{
			if (last_ts != "" && $F["ts"] - last_ts >= gap)
				idle = 1
			last_ts = $F["ts"]
			psn_seq()
			n[idle + 0, $F["src"]]++
		}
		END {
			if (!n[0, a] || !n[0, b] || !n[1, a] || !n[1, b])
				fail("packets from A and B before the idle time: " \
				     n[0, a] + 0 " and " n[0, b] + 0 ", after: " \
				     n[1, a] + 0 " and " n[1, b] + 0)
		}' -v proto="$1" -v port="$2" -v gap=$((IDLE_S - 1)) \
		   -v a="$ADDR_A" -v b="$ADDR_B" 2>&1
}

pdm_idle_test()
{
	local tcp_dir="$TMP_DIR/idle_tcp.d"
	local udp_dir="$TMP_DIR/idle_udp.d"
	local out flows ns side tcp_pid udp_pid tcp_srv udp_srv xfer_fail
	local created expired

	case_setup || return

	mkdir -p "$tcp_dir" "$udp_dir"
	for ns in "$NS_A" "$NS_B"; do
		pdm_sysctl "$ns" flow_timeout "$IDLE_TIMEOUT_S"
		ck_err $? "cannot set flow_timeout"
	done
	counters_save "$NS_A" idle.a
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" idle.b
	ck_err $? "cannot read the counters of B"
	capture_start idle "$NS_A"
	ck_err $? "tcpdump did not start"

	# A TCP connection and a pair of connected UDP sockets, each
	# exchanging before and after the idle time.
	server_start "$NS_B" "$TMP_DIR/idle.tcp" tcp_server "$TCP_PORT" echo
	ck_err $? "TCP server did not start"
	tcp_srv=$SRV_PID
	server_start "$NS_B" "$TMP_DIR/idle.udp" udp_peer "$UDP_PORT" \
		"$ADDR_A" "$IDLE_SPORT" $((2 * IDLE_DGRAMS))
	ck_err $? "UDP peer did not start"
	udp_srv=$SRV_PID
	py "$NS_A" tcp_client "$ADDR_B" "$TCP_PORT" 2000 echo "$tcp_dir" &
	tcp_pid=$!
	BG_PIDS+=("$tcp_pid")
	py "$NS_A" udp_pause "$ADDR_B" "$UDP_PORT" "$IDLE_SPORT" \
		"$IDLE_DGRAMS" "$udp_dir" &
	udp_pid=$!
	BG_PIDS+=("$udp_pid")
	slowwait "$WAIT_S" test -e "$tcp_dir/phase1"
	ck_err $? "TCP client did not finish its first exchange"
	slowwait "$WAIT_S" test -e "$udp_dir/phase1"
	ck_err $? "UDP client did not finish its first exchange"

	# A table entry on each side (ICMPv6 echo), then idle past
	# flow_timeout and the expiry period: the table empties.
	ip netns exec "$NS_A" ping -6 -q -c 1 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	sleep "$IDLE_S"
	for ns in "$NS_A" "$NS_B"; do
		flows=$(slowwait "$WAIT_S" pdm_flows_zero "$ns")
		ck_err $? "$ns: still '${flows##*$'\n'}' table entries"
	done
	touch "$tcp_dir/go" "$udp_dir/go"
	server_wait "$tcp_pid"
	ck_err $? "TCP exchange failed"
	server_wait "$udp_pid"
	ck_err $? "UDP exchange failed"
	server_wait "$tcp_srv"
	ck_err $? "TCP server failed"
	server_wait "$udp_srv"
	ck_err $? "UDP peer failed"
	capture_stop idle
	ck_err $? "$CAP_ERR"
	xfer_fail=$CK_FAIL

	# SYN and SYN-ACK included, as in midway
	out=$(idle_psn_check 6 "$TCP_PORT")
	ck_out $? "$out" "capture"
	ck_end "TCP: PSNTP increases by 1 per packet across the idle time"

	[ "$xfer_fail" = 0 ]
	ck_err $? "the exchanges or their capture failed (see above)"
	out=$(idle_psn_check 17 "$UDP_PORT")
	ck_out $? "$out" "capture"
	ck_end "connected UDP: PSNTP increases by 1 per packet across the idle time"

	# Every table entry expired: A's echo flow, and its closed TCP
	# connection's, which the table took over; B's, and its TCP server's
	# from the SYN. The sockets' flows are not in the table while open.
	[ "$xfer_fail" = 0 ]
	ck_err $? "the exchanges or their capture failed (see above)"
	ck_counters "$NS_A" idle.a A Pdm6FlowsCreated=2 Pdm6SockFlows=2 \
		Pdm6FlowsEvicted=0
	ck_counters "$NS_B" idle.b B Pdm6SockFlows=2 Pdm6FlowsEvicted=0
	for side in a b; do
		if [ $side = a ]; then ns=$NS_A; else ns=$NS_B; fi
		created=$(counters_delta "$ns" "idle.$side" Pdm6FlowsCreated)
		expired=$(counters_delta "$ns" "idle.$side" Pdm6FlowsExpired)
		diag "${side^^}: $created table entries created, $expired expired"
		[ "${created:-0}" -ge 1 ] && [ "$created" = "$expired" ]
		ck_err $? "${side^^}: Pdm6FlowsCreated +'$created', Pdm6FlowsExpired +'$expired'"
	done
	ck_end "table entries expired meanwhile, socket flows kept"
}

pdm_gso_test()
{
	local out

	case_setup || return

	counters_save "$NS_A" gso.a
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" gso.b
	ck_err $? "cannot read the counters of B"
	capture_start gso "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/gso.udp" udp_server "$UDP_PORT" \
		$((GSO_SEGS + 1)) sink
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_gso "$ADDR_B" "$UDP_PORT" "$GSO_SIZE" "$GSO_SEGS"
	ck_err $? "UDP GSO send failed"
	# then a plain datagram, with PDM
	py "$NS_A" udp_send "$ADDR_B" "$UDP_PORT" 1 noecho 0/-/-
	ck_err $? "UDP send failed"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get $GSO_SEGS segments and a datagram"
	# GSO_SIZE "a"s, "b"s..., then the plain datagram
	awk -v size="$GSO_SIZE" -v segs="$GSO_SEGS" '
		NR <= segs {
			c = substr("abcdefghijklmnopqrstuvwxyz", NR, 1)
			if (length($0) != size || $0 !~ "^" c "+$")
				bad = 1
			next
		}
		$0 != "pdm-0-0" { bad = 1 }
		END { exit bad || NR != segs + 1 }' "$TMP_DIR/gso.udp"
	ck_err $? "receiver got: $(awk '{ printf("%d x %s, ", length($0),
		substr($0, 1, 1)) }' "$TMP_DIR/gso.udp")"
	ck_end "UDP GSO send delivered in segments"

	capture_stop gso
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_A" gso.a A Pdm6OutPkts=1
	ck_counters "$NS_B" gso.b B Pdm6InPkts=1
	# one GSO packet, or its segments if the device split them
	out=$(pdm_awk gso '
		$F["src"] != addr_a || $F["proto"] != 17 || $F["dport"] != port {
			next
		}
		$F["l4len"] >= size {
			gso += $F["l4len"]
			if ($F["ndoh"] != 0)
				err("GSO packet with a DOH")
			next
		}
		{
			plain++
			if (!pdm_ok())
				err("plain datagram without PDM")
		}
		END {
			if (gso != size * segs || plain != 1)
				fail(gso + 0 " octets sent with GSO, " plain + 0 \
				     " plain datagrams; expected " size * segs " and 1")
		}' -v addr_a="$ADDR_A" -v port="$UDP_PORT" -v size="$GSO_SIZE" \
		   -v segs="$GSO_SEGS" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "no PDM on UDP GSO packets"
}

# Usage: tlv_hex <type> <data length> <data octet, hex>: an option, in hex
tlv_hex()
{
	local data

	printf -v data '%*s' "$2" ''
	printf '%02x%02x%s' "$1" "$2" "${data// /$3}"
}

# Usage: doh_hex <options, hex>: a destination options header holding them
# (Next Header 0: the kernel sets it), in hex
doh_hex()
{
	local len=$((${#1} / 2 + 2))

	printf '00%02x%s' $((len / 8 - 1)) "$1"
}

# Usage: mergelim_run <name> <delivered> <header>...: one datagram from A to
# B from a socket with each IPV6_DSTOPTS <header> (hex), the first
# <delivered> of which must reach B's socket; captured in A as <name>.
mergelim_run()
{
	local name=$1
	local count=$2
	local specs=() expect="" out i h

	shift 2
	for h in "$@"; do
		specs+=("0/-/$h")
	done
	for ((i = 0; i < count; i++)); do
		expect+="pdm-$i-0 "
	done

	counters_save "$NS_A" "$name.a"
	ck_err $? "cannot read the counters of A"
	counters_save "$NS_B" "$name.b"
	ck_err $? "cannot read the counters of B"
	capture_start "$name" "$NS_A" veth0 "$MERGELIM_SNAPLEN"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/$name.udp" udp_server "$UDP_PORT" \
		"$count" sink
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_send "$ADDR_B" "$UDP_PORT" 1 noecho "${specs[@]}"
	ck_err $? "UDP send with IPV6_DSTOPTS failed"
	server_wait "$SRV_PID"
	ck_err $? "receiver did not get $count datagrams"
	out=$(sort "$TMP_DIR/$name.udp" | tr '\n' ' ')
	[ "$out" = "$expect" ]
	ck_err $? "receiver got '$out', expected '$expect'"
	capture_stop "$name"
	ck_err $? "$CAP_ERR"
}

# Usage: mergelim_step <name> <delivered> <with PDM> <skipped> <merged>
#	 <header>...: mergelim_run <name> <delivered> <header>..., then check
# that <with PDM> datagrams had PDM (in A and in B), the others were
# counted skipped, and mergelim_check <name> <skipped> <merged>.
mergelim_step()
{
	local name=$1
	local count=$2
	local pdm=$3
	local skipped=$4
	local merged=$5
	local out

	shift 5
	mergelim_run "$name" "$count" "$@"
	ck_counters "$NS_A" "$name.a" A Pdm6OutSkipped=$(($# - pdm)) \
		Pdm6OutPkts="$pdm"
	ck_counters "$NS_B" "$name.b" B Pdm6InPkts="$pdm" Pdm6InMalformed=0
	out=$(mergelim_check "$name" "$skipped" "$merged")
	ck_out $? "$out" "capture"
}

# Usage: mergelim_check <name> <skipped> <merged>: in capture <name>, one
# datagram from A with each header of <skipped> (hex, space separated) as
# set, without PDM, and one with each of <merged> ("opts/pdmoff/dohlen",
# space separated: pdm_parser's fields) with PDM merged, padding valid.
mergelim_check()
{
	pdm_awk "$1" '
		BEGIN {
			k = split(skipped, s, " ")
			for (i = 1; i <= k; i++)
				got_s["11" substr(s[i], 3)] = 0
			k = split(merged, m, " ")
			for (i = 1; i <= k; i++) {
				split(m[i], fld, "/")
				want_m[fld[1]] = fld[2] "/" fld[3]
				got_m[fld[1]] = 0
			}
		}
		$F["src"] != addr_a || $F["proto"] != 17 || $F["dport"] != port {
			next
		}
		$F["doh"] in got_s {
			got_s[$F["doh"]]++
			if ($F["pdm"] != "none")
				err("PDM added to a header without room: pdm=" $F["pdm"])
			next
		}
		$F["opts"] in got_m {
			got_m[$F["opts"]]++
			if (!pdm_ok())
				err("no valid PDM (pdm=" $F["pdm"] " ndoh=" $F["ndoh"] \
				    " dohok=" $F["dohok"] "): " $F["doh"])
			else if ($F["pdmoff"] "/" $F["dohlen"] != want_m[$F["opts"]])
				err("PDM at " $F["pdmoff"] " in " $F["dohlen"] \
				    " octets, expected " want_m[$F["opts"]] ": " $F["doh"])
			next
		}
		{ err("unexpected DOH " substr($F["doh"], 1, 64)) }
		END {
			for (h in got_s)
				if (got_s[h] != 1)
					fail(got_s[h] " datagrams with header " \
					     substr(h, 1, 32) "..., expected 1")
			for (h in got_m)
				if (got_m[h] != 1)
					fail(got_m[h] " datagrams with options " \
					     substr(h, 1, 32) "..., expected 1")
		}' -v addr_a="$ADDR_A" -v port="$UDP_PORT" -v skipped="$2" \
		   -v merged="$3" 2>&1
}

pdm_mergelim_test()
{
	local o7="" opts7="" big="" o8 h7 h8 h8big hsize htrail ns i

	case_setup || return

	# 2040-octet headers do not fit in the first fragment of a 1500 MTU
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set veth0 mtu "$MERGELIM_MTU"
		ck_err $? "cannot set the MTU"
	done

	# Options 1e (unknown, skip): 7 of 2 octets, then 8. With PDM, 8 is
	# what a receiver takes (max_dst_opts_number).
	for i in 1 2 3 4 5 6 7; do
		o7+=$(tlv_hex 0x1e 2 "a$i")
		opts7+="${opts7:+,}1e:a${i}a$i"
		big+=$(tlv_hex 0x1e 252 "b$i")
	done
	o8=$o7$(tlv_hex 0x1e 2 a8)
	h7=$(doh_hex "$o7$(tlv_hex 1 0 00)")
	h8=$(doh_hex "$o8$(tlv_hex 1 4 00)")
	# the 7 options, then PDM at 30, padded to 48 octets
	mergelim_step mergelim_n 2 1 "$h8" "$opts7/30/48" "$h8" "$h7"
	ck_end "8 options: no PDM, skipped, delivered; 7 options: merged"

	# Both 2040 octets: 8 options of 252, then PadN; and 7 options after
	# 260 octets of padding, which only the 2048-octet bound refuses PDM
	# (receivers drop it for that padding: not delivered).
	h8big=$(doh_hex "$big$(tlv_hex 0x1e 252 b8)$(tlv_hex 1 4 00)")
	hsize=$(doh_hex "$(tlv_hex 1 253 00)$(tlv_hex 1 3 00)$big")
	[ ${#h8big} = 4080 ] && [ ${#hsize} = 4080 ]
	ck_err $? "BUG: headers of ${#h8big} and ${#hsize} hex digits"
	mergelim_step mergelim_len 1 0 "$h8big $hsize" "" "$h8big" "$hsize"
	ck_end "2040-octet headers: no PDM, skipped"

	# One option then 24 octets of padding, which the kernel takes in
	# IPV6_DSTOPTS but receivers would not after PDM: PDM right after the
	# option, padded to 24 octets.
	htrail=$(doh_hex "1e04deadbeef$(tlv_hex 1 22 00)")
	mergelim_step mergelim_pad 1 1 "" "1e:deadbeef/8/24" "$htrail"
	ck_end "long trailing padding dropped, PDM merged"
}

# Usage: link_gone <ns> <dev>
# shellcheck disable=SC2317 # called through slowwait
link_gone()
{
	! ip -n "$1" link show "$2" >/dev/null 2>&1
}

pdm_netnsdel_test()
{
	local out="$TMP_DIR/netnsdel.out"
	local stop="$TMP_DIR/netnsdel.stop"
	local pid

	case_setup || return

	counters_save "$NS_A" netnsdel.a
	ck_err $? "cannot read the counters of A"
	# Echo requests and connections to a closed port: B answers both with
	# PDM, from its table, and has no process or socket that keeps it.
	rm -f "$stop"
	py "$NS_A" netns_traffic "$ADDR_B" "$CLOSED_PORT" "$stop" > "$out" &
	pid=$!
	BG_PIDS+=("$pid")
	slowwait "$WAIT_S" counter_grew "$NS_A" netnsdel.a Pdm6InPkts \
		"$NETNSDEL_MIN_PKTS"
	ck_err $? "A accounted no PDM from B"
	kill -0 "$pid" 2>/dev/null
	ck_err $? "the traffic ended before B was deleted"

	ip netns del "$NS_B"
	ck_err $? "ip netns del failed"
	# the veth pair goes as B is dismantled, before its PDM state
	slowwait "$WAIT_S" link_gone "$NS_A" veth0
	ck_err $? "A's veth0 still there: B not dismantled"
	# A goes on sending, now to a peer that is gone, a little while.
	sleep "$NETNSDEL_AFTER_S"
	touch "$stop"
	server_wait "$pid"
	ck_err $? "traffic failed: $(cat "$out")"
	diag "echo replies, refused connections; failed sends: $(cat "$out")"
	ck_end "netns deleted under PDM traffic"
}

# check_v2(): the packet carries PDMv2 (type ptype, hex) in the layout
# used when the socket has no options of its own: a 32-octet DOH, PadN(0),
# the option at 4, then PadN(2).
AWK_CHECK_V2='
function check_v2(   doh) {
	doh = $F["doh"]
	if (!pdm_ok() || $F["ver"] != 2)
		err("no valid PDMv2 (pdm=" $F["pdm"] " ver=" $F["ver"] ")")
	else if (length(doh) != 64 || $F["pdmoff"] != 4 ||
		 substr(doh, 1, 2) != sprintf("%02x", $F["proto"]) ||
		 substr(doh, 3, 6) != "030100" ||
		 substr(doh, 9, 5) != ptype "162" ||
		 substr(doh, 57, 8) != "01020000")
		err("unexpected PDMv2 DOH layout " doh)
}
'

# Usage: v2_exchange <ns> <peer address>: UDP echo, ICMPv6 echo and a TCP
# echo from <ns> to the peer's servers; fails with the reason in V2_ERR.
v2_exchange()
{
	local ns=$1
	local peer=$2
	local srv_ns

	if [ "$ns" = "$NS_A" ]; then srv_ns=$NS_B; else srv_ns=$NS_A; fi
	V2_ERR=""
	server_start "$srv_ns" "$TMP_DIR/v2.udp" udp_server "$UDP_PORT" 2 echo ||
		V2_ERR+="UDP server did not start; "
	py "$ns" udp_client "$peer" "$UDP_PORT" 2 echo - ||
		V2_ERR+="UDP exchange failed; "
	server_wait "$SRV_PID" || V2_ERR+="UDP server failed; "
	ip netns exec "$ns" ping -6 -q -c 2 -i 0.2 -W 2 "$peer" >/dev/null 2>&1 ||
		V2_ERR+="ping failed; "
	server_start "$srv_ns" "$TMP_DIR/v2.tcp" tcp_server "$TCP_PORT" echo ||
		V2_ERR+="TCP server did not start; "
	py "$ns" tcp_client "$peer" "$TCP_PORT" 2000 echo ||
		V2_ERR+="TCP exchange failed; "
	server_wait "$SRV_PID" || V2_ERR+="TCP server failed; "
	[ -z "$V2_ERR" ]
}

pdm_v2_test()
{
	local out side me n

	# The mixed scenario of traffic, psn and psnlr, in PDMv2.
	ck_mixed mixed2 2
	for side in a b; do
		out=$(pdm_awk "mixed2_$side" "$AWK_CHECK_V2"'
			$F["proto"] == 6 || $F["proto"] == rawp ||
			($F["proto"] == 17 && $F["dport"] != closed) ||
			($F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129)) {
				n[$F["proto"]]++
				check_v2()
				next
			}
			$F["ndoh"] != 0 && $F["proto"] != 17 {
				err("a DOH on a packet PDM is not for")
			}
			END {
				if (!n[6] || !n[17] || !n[58])
					fail("TCP, UDP, ICMPv6 echo: " n[6] + 0 ", " \
					     n[17] + 0 ", " n[58] + 0 " packets")
			}' -v ptype=0f -v rawp="$RAW_PROTO" -v closed="$CLOSED_PORT" 2>&1)
		ck_out $? "$out" "capture $side"
	done
	ck_end "PDMv2 in its 32-octet layout on UDP, TCP, ICMPv6 echo and raw"

	ck_mixed mixed2 2
	ck_psn_seq mixed2 4294967296
	ck_end "PDMv2: PSNTP increases by 1 per packet in each flow, in 32 bits"

	ck_mixed mixed2 2
	ck_psnlr mixed2
	ck_end "PDMv2: PSNLR echoes the last PSNTP received, zero deltas until known"

	# Every PDMv2 packet of each namespace is in its capture: the Global
	# Pointers of its global source address are exactly 1 to n.
	ck_mixed mixed2 2
	for side in a b; do
		if [ $side = a ]; then me=$ADDR_A; else me=$ADDR_B; fi
		out=$(pdm_awk "mixed2_$side" '
			$F["src"] != me || !pdm_ok() { next }
			{
				k = gsosegs()
				n += k
				for (i = 0; i < k; i++) {
					if (($F["gp"] + i) in seen)
						err("Global Pointer " $F["gp"] + i " twice")
					seen[$F["gp"] + i] = 1
				}
				if ($F["epoch"] != 0)
					err("Epoch " $F["epoch"])
			}
			END {
				for (i = 1; i <= n; i++)
					if (!(i in seen))
						fail("Global Pointer " i " missing of 1.." n)
				if (n < 10)
					fail("only " n + 0 " PDMv2 packets")
			}' -v me="$me" 2>&1)
		ck_out $? "$out" "packets from $me"
	done
	ck_end "PDMv2: each sender's Global Pointers are 1, 2, 3..., Epoch 0"

	# A speaks RFC 8250, B PDMv2: what A starts gets RFC 8250 back, what B
	# starts gets PDMv2 back.
	SETUP_VERSION=2 case_setup || return
	pdm_sysctl "$NS_A" version 1
	ck_err $? "cannot set version=1 in A"
	capture_start v2kind "$NS_A"
	ck_err $? "tcpdump did not start"
	v2_exchange "$NS_A" "$ADDR_B"
	ck_err $? "A to B: $V2_ERR"
	# UDP: ICMPv6 echo of both ways would be one flow (no ports)
	server_start "$NS_A" "$TMP_DIR/v2kind.udp" udp_server "$V2_PORT" 2 echo
	ck_err $? "UDP server in A did not start"
	py "$NS_B" udp_client "$ADDR_A" "$V2_PORT" 2 echo -
	ck_err $? "UDP exchange B to A failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP server in A failed"
	capture_stop v2kind
	ck_err $? "$CAP_ERR"
	out=$(pdm_awk v2kind '
		!pdm_ok() { next }
		$F["proto"] == 17 && ($F["sport"] == port || $F["dport"] == port) {
			# B started these: PDMv2 both ways
			v2++
			if ($F["ver"] != 2)
				err("version " $F["ver"] " in an exchange B started")
			next
		}
		{
			v1[$F["src"] == addr_a ? "a" : "b", $F["proto"]]++
			if ($F["ver"] != 1)
				err("version " $F["ver"] " in an exchange A started")
		}
		END {
			if (v2 != 4 || !v1["b", 6] || !v1["b", 17] || !v1["b", 58])
				fail(v2 + 0 " PDMv2 datagrams, expected 4; RFC 8250 " \
				     "from B: TCP " v1["b", 6] + 0 ", UDP " \
				     v1["b", 17] + 0 ", ICMPv6 " v1["b", 58] + 0)
		}' -v addr_a="$ADDR_A" -v port="$V2_PORT" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "reply in kind: RFC 8250 to an RFC 8250 peer, PDMv2 to a PDMv2 one"
	cleanup_topo

	# Both on 0x1e: on the wire and accounted. Then B back on 0x0f: A's
	# option is an unknown one to B, skipped, the datagrams delivered.
	SETUP_VERSION=2 case_setup || return
	for side in "$NS_A" "$NS_B"; do
		pdm_sysctl "$side" v2_type 0x1e
		ck_err $? "cannot set v2_type=0x1e"
	done
	CAP_V2_TYPE=0x1e
	counters_save "$NS_B" v2type.b
	ck_err $? "cannot read the counters of B"
	capture_start v2type "$NS_A"
	ck_err $? "tcpdump did not start"
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	capture_stop v2type
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_B" v2type.b B Pdm6InPkts=3 Pdm6InMalformed=0
	out=$(pdm_awk v2type "$AWK_CHECK_V2"'
		$F["proto"] == 58 && ($F["info"] == 128 || $F["info"] == 129) {
			n++
			check_v2()
		}
		END {
			if (n != 6)
				fail(n + 0 " echo packets, expected 6")
		}' -v ptype=1e 2>&1)
	ck_out $? "$out" "capture"
	pdm_sysctl "$NS_B" v2_type 15
	ck_err $? "cannot set v2_type=15 in B"
	counters_save "$NS_B" v2type2.b
	ck_err $? "cannot read the counters of B"
	server_start "$NS_B" "$TMP_DIR/v2type.udp" udp_server "$UDP_PORT" 2 sink
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 2 noecho -
	ck_err $? "UDP send failed"
	server_wait "$SRV_PID"
	ck_err $? "B did not get both datagrams"
	ck_counters "$NS_B" v2type2.b B Pdm6InPkts=0 Pdm6InMalformed=0
	ck_end "PDMv2 under v2_type 0x1e accounted; skipped by a receiver on 0x0f"
	cleanup_topo
	CAP_V2_TYPE=0x0f

	# An option of the socket's own (1e: unknown, skip), then PDMv2 at 8,
	# 4-octet aligned, in one 32-octet header.
	SETUP_VERSION=2 case_setup || return
	counters_save "$NS_B" v2merge.b
	ck_err $? "cannot read the counters of B"
	capture_start v2merge "$NS_A"
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/v2merge.udp" udp_server "$UDP_PORT" 2 sink
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 2 noecho "$V2_DSTOPTS"
	ck_err $? "UDP send failed"
	server_wait "$SRV_PID"
	ck_err $? "B did not get both datagrams"
	capture_stop v2merge
	ck_err $? "$CAP_ERR"
	ck_counters "$NS_B" v2merge.b B Pdm6InPkts=2 Pdm6InMalformed=0
	out=$(pdm_awk v2merge '
		$F["proto"] == 17 && $F["src"] == addr_a {
			n++
			if (!pdm_ok() || $F["ver"] != 2)
				err("no valid PDMv2")
			else if ($F["opts"] != "1e:deadbeef" || $F["pdmoff"] != 8 ||
				 $F["dohlen"] != 32 || $F["dohok"] != 1)
				err("options " $F["opts"] ", PDMv2 at " $F["pdmoff"] \
				    " of " $F["dohlen"] ": " $F["doh"])
		}
		END {
			if (n != 2)
				fail(n + 0 " datagrams, expected 2")
		}' -v addr_a="$ADDR_A" 2>&1)
	ck_out $? "$out" "capture"
	ck_end "PDMv2 merged into the socket's IPV6_DSTOPTS, 4-octet aligned"
}

# Usage: have_ip_pdm: true if ip knows "ip pdm" (iproute2 with PDM)
have_ip_pdm()
{
	ip pdm help 2>&1 | grep -q "policy"
}

# Usage: policy_setup: the topology, with POL_OFF_* and POL_V2_* on the
# link as well; A speaks RFC 8250, B PDMv2.
policy_setup()
{
	setup || return 1
	ip -n "$NS_A" addr add "$POL_OFF_A/64" dev veth0 nodad &&
		ip -n "$NS_A" addr add "$POL_V2_A/64" dev veth0 nodad &&
		ip -n "$NS_B" addr add "$POL_OFF_B/64" dev veth0 nodad &&
		ip -n "$NS_B" addr add "$POL_V2_B/64" dev veth0 nodad &&
		pdm_sysctl "$NS_B" version 2
}

# Usage: policy_pings <capture>: A pings B's three addresses POL_PINGS times
# each, captured in A as <capture>.
policy_pings()
{
	local to

	capture_start "$1" "$NS_A" || { diag "tcpdump did not start"; return 1; }
	for to in "$ADDR_B" "$POL_OFF_B" "$POL_V2_B"; do
		ip netns exec "$NS_A" ping -6 -q -c "$POL_PINGS" -i 0.2 -W 2 \
			"$to" >/dev/null 2>&1 || { diag "ping $to failed"; return 1; }
	done
	capture_stop "$1" || { diag "$CAP_ERR"; return 1; }
}

# Usage: policy_check <capture> <main> <off> <v2>: the versions of PDM on
# the echo requests A sent to B's three addresses, "-" for none, and those
# of B's replies.
policy_check()
{
	pdm_awk "$1" '
		$F["proto"] != 58 || ($F["info"] != 128 && $F["info"] != 129) {
			next
		}
		{
			peer = $F["info"] == 128 ? $F["dst"] : $F["src"]
			v = $F["ndoh"] == 0 ? "-" : (pdm_ok() ? $F["ver"] : "bad")
			want = peer == off ? v_off : (peer == v2 ? v_v2 : v_main)
			# B replies in kind, and PDMv2 to what comes without
			if ($F["info"] == 129 && want == "-")
				want = 2
			n[peer]++
			if (v != want)
				err("PDM version " v ", expected " want)
		}
		END {
			if (n[main] != 2 * pings || n[off] != 2 * pings ||
			    n[v2] != 2 * pings)
				fail("echo packets to and from " main ", " off \
				     ", " v2 ": " n[main] + 0 ", " n[off] + 0 \
				     ", " n[v2] + 0 ", expected " 2 * pings " each")
		}' -v main="$ADDR_B" -v off="$POL_OFF_B" -v v2="$POL_V2_B" \
		-v v_main="$2" -v v_off="$3" -v v_v2="$4" -v pings="$POL_PINGS"
}

pdm_policy_test()
{
	local out

	if ! have_ip_pdm; then
		while [ "$CASE_DONE" -lt "${#CASE_DESCS[@]}" ]; do
			ck_skip "ip without ip pdm"
			ck_report
		done
		return
	fi
	policy_setup 2> "$TMP_DIR/setup.err" || {
		diag "$(cat "$TMP_DIR/setup.err")"
		case_abort "topology setup failed"
		return
	}

	# A: RFC 8250 by its sysctls, off to POL_OFF_B's /48, PDMv2 to
	# POL_V2_B's. What A receives from the off prefix is not accounted.
	ip -n "$NS_A" pdm policy add 2001:db8:1::/48 mode off &&
		ip -n "$NS_A" pdm policy add 2001:db8:2::/48 mode v2
	ck_err $? "ip pdm policy add failed"
	counters_save "$NS_A" policy.a
	ck_err $? "cannot read the counters of A"
	policy_pings policy1
	ck_err $? "traffic failed"
	out=$(policy_check policy1 1 - 2 2>&1)
	ck_out $? "$out" "capture"
	ck_counters "$NS_A" policy.a A Pdm6OutPkts=$((2 * POL_PINGS)) \
		Pdm6InPkts=$((2 * POL_PINGS))
	ck_end "off to one prefix, PDMv2 to another, the sysctls elsewhere"

	# Disabled in A: only the v2 entry's prefix gets PDM, TCP and UDP too.
	# B forgets its flows, and with them the versions A sent.
	pdm_sysctl "$NS_A" enabled 0
	ck_err $? "cannot set enabled=0 in A"
	pdm_sysctl "$NS_B" enabled 0 && pdm_sysctl "$NS_B" enabled 1
	ck_err $? "cannot flush B's flows"
	counters_save "$NS_A" policy2.a
	ck_err $? "cannot read the counters of A"
	policy_pings policy2
	ck_err $? "traffic failed"
	out=$(policy_check policy2 - - 2 2>&1)
	ck_out $? "$out" "capture"
	capture_start policy2x "$NS_A"
	ck_err $? "tcpdump did not start"
	v2_exchange "$NS_A" "$POL_V2_B"
	ck_err $? "to $POL_V2_B: $V2_ERR"
	v2_exchange "$NS_A" "$ADDR_B"
	ck_err $? "to $ADDR_B: $V2_ERR"
	capture_stop policy2x
	ck_err $? "$CAP_ERR"
	out=$(pdm_awk policy2x '
		$F["src"] != addr_a && $F["src"] != v2_a { next }
		$F["proto"] == 58 && $F["info"] != 128 && $F["info"] != 129 { next }
		{
			v = $F["ndoh"] == 0 ? "-" : (pdm_ok() ? $F["ver"] : "bad")
			want = $F["dst"] == v2_b ? 2 : "-"
			n[$F["dst"] == v2_b, $F["proto"]]++
			if (v != want)
				err("PDM version " v ", expected " want)
		}
		END {
			if (!n[1, 6] || !n[1, 17] || !n[1, 58] || !n[0, 6] ||
			    !n[0, 17] || !n[0, 58])
				fail("TCP, UDP, ICMPv6 from A to each address: " \
				     n[1, 6] + 0 " " n[1, 17] + 0 " " n[1, 58] + 0 \
				     ", " n[0, 6] + 0 " " n[0, 17] + 0 " " \
				     n[0, 58] + 0)
		}' -v addr_a="$ADDR_A" -v v2_a="$POL_V2_A" -v v2_b="$POL_V2_B" 2>&1)
	ck_out $? "$out" "TCP, UDP and ICMPv6 capture"
	ck_end "where disabled, a v2 entry gives PDMv2 to its prefix only"

	# Enabled again, the off entry deleted, the v2 one flushed: the
	# sysctls (RFC 8250) for every address.
	pdm_sysctl "$NS_A" enabled 1
	ck_err $? "cannot set enabled=1 in A"
	ip -n "$NS_A" pdm policy del 2001:db8:1::/48
	ck_err $? "ip pdm policy del failed"
	ip -n "$NS_A" pdm policy flush
	ck_err $? "ip pdm policy flush failed"
	out=$(ip -n "$NS_A" pdm policy show 2>&1)
	[ -z "$out" ]
	ck_out $? "$out" "entries left after the flush"
	policy_pings policy3
	ck_err $? "traffic failed"
	out=$(policy_check policy3 1 1 1 2>&1)
	ck_out $? "$out" "capture"
	ck_end "entries deleted, the sysctls decide again"
}

# Usage: json_check <json> <python expression over j>: true if the
# expression holds for the parsed <json>; prints what it got otherwise.
json_check()
{
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
ok = eval("(" + sys.argv[2] + ")")
if not ok:
    print("got:", json.dumps(j))
sys.exit(0 if ok else 1)' "$1" "$2"
}

# Usage: ck_refused <what> <ERE> <command...>: fail the current check unless
# the command fails and says something that matches <ERE>.
ck_refused()
{
	local what=$1
	local want=$2
	local out rc=0

	shift 2
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] && echo "$out" | grep -Eq "$want"
	ck_out $? "$out" "$what: exit $rc, expected an error saying /$want/"
}

# Usage: ynl <ns> <cli.py args...>: tools/net/ynl/cli.py on the pdm family
ynl()
{
	local ns=$1; shift

	ip netns exec "$ns" python3 "$YNL_CLI" --spec "$YNL_SPEC" \
		--output-json "$@"
}

# The Pdm6* counters of a snmp6 copy as ip -j pdm's stats names.
snmp6_stats_json()
{
	awk '
		BEGIN { printf("{") }
		$1 ~ /^Pdm6/ {
			name = substr($1, 5)
			gsub(/[A-Z]/, "_&", name)
			name = tolower(substr(name, 2))
			sub(/_no_mem$/, "_nomem", name)
			sub(/_no_key$/, "_nokey", name)
			printf("%s\"%s\": %s", sep, name, $2)
			sep = ", "
		}
		END { printf("}") }' "$1"
}

pdm_netlink_test()
{
	local out rc stats i cnt

	if ! have_ip_pdm; then
		while [ "$CASE_DONE" -lt "${#CASE_DESCS[@]}" ]; do
			ck_skip "ip without ip pdm"
			ck_report
		done
		return
	fi
	case_setup || return

	# Settings and counters as the sysctls and /proc/net/snmp6 say.
	pdm_sysctl "$NS_A" version 1 && pdm_sysctl "$NS_A" v2_type 0x1e &&
		pdm_sysctl "$NS_A" max_flows 1000 &&
		pdm_sysctl "$NS_A" flow_timeout 77
	ck_err $? "cannot set the sysctls of A"
	ip netns exec "$NS_A" ping -6 -q -c 2 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	counters_save "$NS_A" netlink.a
	ck_err $? "cannot read the counters of A"
	stats=$(snmp6_stats_json "$TMP_DIR/netlink.a.counters")
	out=$(ip -n "$NS_A" -j -s pdm show 2>&1)
	ck_out $? "$out" "ip -j -s pdm show failed"
	json_check "$out" '
j["enabled"] == 1 and j["version"] == 1 and j["v2_type"] == 0x1e and
j["max_flows"] == 1000 and j["flow_timeout"] == 77 and j["policies"] == 0 and
j["flows"] >= 1 and j["stats"] == '"$stats"' and j["stats"]["in_pkts"] == 2'
	ck_err $? "ip -j -s pdm show: $out; counters $stats"
	out=$(ip -n "$NS_A" -j -p pdm show 2>&1)
	[ "$(echo "$out" | wc -l)" -gt 5 ] && json_check "$out" 'j["version"] == 1'
	ck_out $? "$out" "ip -j -p pdm show: one field a line, the same values"
	out=$(ip -n "$NS_A" -s pdm show 2>&1)
	echo "$out" | grep -q "enabled 1 version 1 v2_type 0x1e max_flows 1000 flow_timeout 77s" &&
		echo "$out" | grep -q "in_pkts 2 "
	ck_out $? "$out" "ip -s pdm show"
	ck_end "ip pdm show: the sysctls and the Pdm6* counters"

	# Every op, through ip; entries come longest prefix first.
	ip -n "$NS_A" pdm policy add 2001:db8::/32 mode v2 &&
		ip -n "$NS_A" pdm policy add 2001:db8:1::5 mode v1 &&
		ip -n "$NS_A" pdm policy add default mode off &&
		ip -n "$NS_A" pdm policy add 2001:db8::/32 mode v1
	ck_err $? "ip pdm policy add failed"
	out=$(ip -n "$NS_A" -j pdm policy show 2>&1)
	json_check "$out" 'j == [{"prefix": "2001:db8:1::5/128", "mode": "v1"},
		{"prefix": "2001:db8::/32", "mode": "v1"},
		{"prefix": "default", "mode": "off"}]'
	ck_out $? "$out" "ip -j pdm policy show after add and replace"
	out=$(ip -n "$NS_A" pdm policy show 2>&1)
	[ "$out" = "2001:db8:1::5/128 mode v1
2001:db8::/32 mode v1
default mode off" ]
	ck_out $? "$out" "ip pdm policy show"
	out=$(ip -n "$NS_A" -j pdm show 2>&1)
	json_check "$out" 'j["policies"] == 3'
	ck_err $? "ip -j pdm show after add: $out"
	ip -n "$NS_A" pdm policy del 2001:db8:1::5/128
	ck_err $? "ip pdm policy del failed"
	out=$(ip -n "$NS_A" -j pdm policy show 2>&1)
	json_check "$out" 'len(j) == 2 and j[0]["prefix"] == "2001:db8::/32"'
	ck_out $? "$out" "ip -j pdm policy show after del"
	ip -n "$NS_A" pdm policy flush
	ck_err $? "ip pdm policy flush failed"
	out=$(ip -n "$NS_A" -j pdm policy show 2>&1)
	json_check "$out" 'j == []'
	ck_out $? "$out" "ip -j pdm policy show after flush"
	out=$(ip -n "$NS_B" -j pdm policy show 2>&1)
	json_check "$out" 'j == []'
	ck_out $? "$out" "B's table, which A's changes must not touch"
	ck_end "ip pdm policy add, replace, show, del and flush"

	# The same through cli.py, from the spec alone.
	if [ ! -r "$YNL_CLI" ] || [ ! -r "$YNL_SPEC" ] ||
	   ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
		ck_skip "no $YNL_CLI, $YNL_SPEC or python3 yaml and jsonschema"
	else
		out=$(ynl "$NS_A" --do state-get 2>&1)
		json_check "$out" 'j["version"] == 1 and j["v2-type"] == 0x1e and
j["stats"]["in-pkts"] == 2 and j["policies"] == 0'
		ck_out $? "$out" "cli.py state-get"
		ynl "$NS_A" --do policy-add --json \
			'{"prefix": "'"$HEX_DB8_2"'", "prefix-len": 48, "mode": "v2"}' \
			> "$TMP_DIR/ynl.out" 2>&1 &&
			ynl "$NS_A" --do policy-add --json \
			'{"prefix": "'"$HEX_FE80"'", "prefix-len": 10, "mode": "off"}' \
			>> "$TMP_DIR/ynl.out" 2>&1
		ck_out $? "$(cat "$TMP_DIR/ynl.out")" "cli.py policy-add"
		out=$(ynl "$NS_A" --dump policy-get 2>&1)
		json_check "$out" 'j == [{"prefix": "2001:db8:2::", "prefix-len": 48, "mode": "v2"},
			{"prefix": "fe80::", "prefix-len": 10, "mode": "off"}]'
		ck_out $? "$out" "cli.py policy-get"
		out=$(ip -n "$NS_A" pdm policy show 2>&1)
		echo "$out" | grep -qx "2001:db8:2::/48 mode v2"
		ck_out $? "$out" "ip pdm policy show of cli.py's entries"
		out=$(ynl "$NS_A" --do policy-del --json \
			'{"prefix": "'"$HEX_DB8_2"'", "prefix-len": 48}' 2>&1)
		ck_out $? "$out" "cli.py policy-del"
		out=$(ynl "$NS_A" --dump policy-get 2>&1)
		json_check "$out" 'len(j) == 1 and j[0]["prefix"] == "fe80::"'
		ck_out $? "$out" "cli.py policy-get after policy-del"
		out=$(ynl "$NS_A" --do policy-flush 2>&1)
		ck_out $? "$out" "cli.py policy-flush"
		out=$(ynl "$NS_A" --dump policy-get 2>&1)
		json_check "$out" 'j == []'
		ck_out $? "$out" "cli.py policy-get after policy-flush"
	fi
	ck_end "cli.py: state-get, policy-add, policy-get, policy-del, policy-flush"

	# Reading is for anyone, changing for CAP_NET_ADMIN over the netns: an
	# unprivileged user has it in a user namespace of its own, for the
	# netns it makes there, and nowhere else.
	if ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null; then
		ck_skip "no setpriv or unshare"
	else
		out=$(ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 \
			--clear-groups --inh-caps=-all ip pdm show 2>&1)
		ck_out $? "$out" "ip pdm show unprivileged"
		ck_refused "ip pdm policy add unprivileged" \
			"Operation not permitted" \
			ip netns exec "$NS_A" setpriv --reuid=65534 \
			--regid=65534 --clear-groups --inh-caps=-all \
			ip pdm policy add 2001:db8::/32 mode off
		out=$(ip -n "$NS_A" -j pdm policy show 2>&1)
		json_check "$out" 'j == []'
		ck_out $? "$out" "the unprivileged add left an entry"
		out=$(ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 \
			--clear-groups --inh-caps=-all unshare -U -r -n sh -c '
			ip pdm policy add 2001:db8::/32 mode off &&
			ip pdm policy show' 2>&1)
		[ "$out" = "2001:db8::/32 mode off" ]
		ck_out $? "$out" "policy add in a user namespace's own netns"
	fi
	ck_end "EPERM unprivileged; allowed in a user namespace's own netns"

	# Malformed requests: the kernel's extack message reaches the user.
	ck_refused "host bits" "Prefix has bits set past its length" \
		ip -n "$NS_A" pdm policy add 2001:db8::1/32 mode v1
	ck_refused "del of a missing entry" "No policy entry for this prefix" \
		ip -n "$NS_A" pdm policy del 2001:db8:9::/48
	if [ -r "$YNL_CLI" ] && [ -r "$YNL_SPEC" ]; then
		ck_refused "prefix-len 129" "bad-attr.*prefix-len" \
			ynl "$NS_A" --do policy-add --json \
			'{"prefix": "'"$HEX_DB8"'", "prefix-len": 129, "mode": "v1"}'
		ck_refused "mode 3" "bad-attr.*mode" \
			ynl "$NS_A" --do policy-add --json \
			'{"prefix": "'"$HEX_DB8"'", "prefix-len": 32, "mode": 3}'
		ck_refused "4-octet prefix" "bad-attr.*prefix" \
			ynl "$NS_A" --do policy-add --json \
			'{"prefix": "20010db8", "prefix-len": 32, "mode": "v1"}'
		ck_refused "no mode" "miss-type.*mode" \
			ynl "$NS_A" --do policy-add --json \
			'{"prefix": "'"$HEX_DB8"'", "prefix-len": 32}'
	else
		ck_skip "no $YNL_CLI or $YNL_SPEC"
	fi
	out=$(ip -n "$NS_A" -j pdm policy show 2>&1)
	json_check "$out" 'j == []'
	ck_out $? "$out" "a malformed request left an entry"
	ck_end "extack errors for malformed requests"

	# PDM_MAX_POLICIES entries, in one batch; one more is refused, a
	# replacement is not.
	for ((i = 0; i < PDM_MAX_POLICIES; i++)); do
		printf 'pdm policy add 2001:db8:%x::/48 mode v2\n' "$i"
	done > "$TMP_DIR/policies.batch"
	out=$(ip -n "$NS_A" -batch "$TMP_DIR/policies.batch" 2>&1)
	ck_out $? "$out" "ip -batch of $PDM_MAX_POLICIES adds"
	ck_refused "entry $((PDM_MAX_POLICIES + 1))" "Policy table full" \
		ip -n "$NS_A" pdm policy add 2001:db9::/32 mode v2
	ip -n "$NS_A" pdm policy add 2001:db8:7::/48 mode off
	ck_err $? "replacing an entry of a full table failed"
	cnt=$(ip -n "$NS_A" pdm policy show 2>/dev/null | wc -l)
	[ "$cnt" -eq "$PDM_MAX_POLICIES" ]
	ck_err $? "ip pdm policy show: $cnt entries, expected $PDM_MAX_POLICIES"
	out=$(ip -n "$NS_A" -j pdm show 2>&1)
	json_check "$out" 'j["policies"] == '"$PDM_MAX_POLICIES"
	ck_out $? "$out" "ip -j pdm show: policies"
	ip -n "$NS_A" pdm policy flush
	ck_err $? "ip pdm policy flush failed"
	ck_end "the table holds PDM_MAX_POLICIES entries and no more"
}

# Usage: key_add <ns> <id> <tx|rx> <peer> <epoch> <key:salt>: ip pdm key
# add, the key and salt from a file, as an operator would keep them
key_add()
{
	local file="$TMP_DIR/key.$2"

	printf '%s\n%s\n' "${6%:*}" "${6#*:}" > "$file"
	ip -n "$1" pdm key add id "$2" dir "$3" peer "$4" epoch "$5" \
		keyfile "$file"
}

# Usage: prot_keys: A and B protect what they send each other, Epoch 1
prot_keys()
{
	key_add "$NS_A" 1 tx "$ADDR_B" 1 "$KEY_AB" &&
		key_add "$NS_B" 1 rx "$ADDR_A" 1 "$KEY_AB" &&
		key_add "$NS_B" 2 tx "$ADDR_A" 1 "$KEY_BA" &&
		key_add "$NS_A" 2 rx "$ADDR_B" 1 "$KEY_BA"
}

# Usage: decrypt <name> <key:salt>...: $TMP_DIR/<name>d.txt, the capture
# <name> decrypted by pdm_crypt.py
decrypt()
{
	local name=$1; shift

	python3 "$CRYPT" decrypt "$@" < "$TMP_DIR/$name.txt" \
		> "$TMP_DIR/${name}d.txt"
}

# Usage: ck_prot_only <name> <n>: every PDM option of capture <name> is
# protected, and there are at least <n> of them
ck_prot_only()
{
	local out

	out=$(pdm_awk "$1" '
		$F["pdm"] == "none" { next }
		$F["pdm"] != "prot" { err("PDM " $F["pdm"] ", not protected") }
		{ n++ }
		END { if (n < min) fail(n + 0 " protected options, expected " min) }
	' -v min="$2" 2>&1)
	ck_out $? "$out" "capture $1"
}

pdm_protect_test()
{
	local out side pid i stop

	if ! have_ip_pdm || ! ip pdm help 2>&1 | grep -q "key add"; then
		while [ "$CASE_DONE" -lt "${#CASE_DESCS[@]}" ]; do
			ck_skip "ip without ip pdm key"
			ck_report
		done
		return
	fi
	if ! python3 -c 'import cryptography' 2>/dev/null; then
		PROT_NO_CRYPT="no python3-cryptography for pdm_crypt.py"
	fi
	SETUP_VERSION=2 case_setup || return
	tc -n "$NS_B" qdisc add dev veth0 root netem delay "${NETEM_DELAY_MS}ms"
	ck_err $? "cannot add netem to B"
	prot_keys
	ck_err $? "ip pdm key add failed"
	counters_save "$NS_A" prot.a && counters_save "$NS_B" prot.b
	ck_err $? "cannot read the counters"
	capture_start prot_a "$NS_A" veth0 512 && capture_start prot_b "$NS_B" veth0 512
	ck_err $? "tcpdump did not start"
	v2_exchange "$NS_A" "$ADDR_B"
	ck_err $? "A to B: $V2_ERR"
	ip netns exec "$NS_A" ping -6 -q -c 4 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	capture_stop prot_a && capture_stop prot_b
	ck_err $? "$CAP_ERR"
	ck_prot_only prot_a 10
	ck_prot_only prot_b 10
	# Senders on every CPU at once: the IVs of one key never repeat.
	capture_start prot_iv "$NS_A" veth0 512
	ck_err $? "tcpdump did not start"
	for ((i = 0; i < $(nproc); i++)); do
		ip netns exec "$NS_A" taskset -c "$i" ping -6 -q -c 50 -i 0.005 \
			-W 2 "$ADDR_B" >/dev/null 2>&1 &
		BG_PIDS+=("$!")
	done
	for pid in "${BG_PIDS[@]}"; do
		server_wait "$pid"
		ck_err $? "a ping pinned to a CPU failed"
	done
	capture_stop prot_iv
	ck_err $? "$CAP_ERR"
	out=$(pdm_awk prot_iv '
		$F["pdm"] == "prot" && $F["src"] == a {
			iv = substr($F["doh"], 2 * $F["pdmoff"] + 17, 16)
			if (iv in seen)
				err("IV " iv " twice")
			seen[iv] = 1
			n++
		}
		END { if (n < 50 * cpus) fail(n + 0 " options from A") }
	' -v a="$ADDR_A" -v cpus="$(nproc)" 2>&1)
	ck_out $? "$out" "IVs of the key of A"
	for side in a b; do
		out=$(counters_delta "$( [ $side = a ] && echo "$NS_A" || echo "$NS_B")" \
			"prot.$side" Pdm6InProtected)
		[ "${out:-0}" -ge 5 ]
		ck_err $? "$side: Pdm6InProtected moved by '$out'"
	done
	ck_counters "$NS_A" prot.a A Pdm6InAuthFailed=0 Pdm6InNoKey=0 \
		Pdm6InReplayed=0 Pdm6InUnprotected=0 Pdm6OutNoKey=0
	ck_counters "$NS_B" prot.b B Pdm6InAuthFailed=0 Pdm6InNoKey=0 \
		Pdm6InReplayed=0 Pdm6InUnprotected=0 Pdm6OutNoKey=0
	ck_end "protected PDMv2 both ways on UDP, TCP, ICMPv6; IVs never repeat"

	# From the capture and the keys alone, as an analyzer would.
	if [ -n "${PROT_NO_CRYPT:-}" ]; then
		ck_skip "$PROT_NO_CRYPT"
	else
		for side in a b; do
			decrypt "prot_$side" "$KEY_AB" "$KEY_BA"
			ck_err $? "pdm_crypt.py failed on prot_$side"
			out=$(pdm_awk "prot_${side}d" '
				$F["pdm"] == "forged" { err("does not open") }' 2>&1)
			ck_out $? "$out" "decryption of prot_$side"
		done
		cp "$TMP_DIR/prot_ad.txt" "$TMP_DIR/protd_a.txt"
		cp "$TMP_DIR/prot_bd.txt" "$TMP_DIR/protd_b.txt"
		ck_psn_seq protd 4294967296
		ck_psnlr protd
		# What A learns from B's reply: DeltaTLS of A's next packet,
		# from A's send to the reply, holds the netem delay.
		out=$(pdm_awk protd_a '
			$F["src"] == addr_a && pdm_ok() && $F["proto"] != 6 {
				t = decode($F["dtls"], $F["sdtls"])
				if (t > max) max = t
			}
			END {
				if (max < delay * 1e15)
					fail("largest DeltaTLS of A " max " as, " \
					     "netem delay " delay " ms")
			}' -v addr_a="$ADDR_A" -v delay="$NETEM_DELAY_MS" 2>&1)
		ck_out $? "$out" "the delay in the decrypted fields"
	fi
	ck_end "decrypted by pdm_crypt.py: PSNs, PSNLR echoes, the netem delay"

	# B's receive key replaced by a wrong one: B's pings come back, what A
	# sends fails to open at B, and B's flow does not move.
	key_add "$NS_B" 1 rx "$ADDR_A" 1 "$KEY_BAD"
	ck_err $? "cannot replace B's receive key"
	counters_save "$NS_B" protbad.b
	ck_err $? "cannot read the counters of B"
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed with a wrong key"
	ck_counters "$NS_B" protbad.b B Pdm6InAuthFailed=3 Pdm6InPkts=0 \
		Pdm6InProtected=0
	key_add "$NS_B" 1 rx "$ADDR_A" 1 "$KEY_AB"
	ck_err $? "cannot restore B's receive key"
	ck_end "a wrong key: skipped and counted, delivered, flow state kept"

	# A flips an octet of the ciphertext of what it sends, as a router on
	# the path could: B rejects the option, takes the packet.
	counters_save "$NS_B" protmod.b
	ck_err $? "cannot read the counters of B"
	tc -n "$NS_A" qdisc add dev veth0 clsact &&
		tc -n "$NS_A" filter add dev veth0 egress protocol ipv6 \
			matchall action pedit munge offset 64 u8 invert
	ck_err $? "cannot add the pedit filter"
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed through pedit"
	tc -n "$NS_A" qdisc del dev veth0 clsact
	ck_counters "$NS_B" protmod.b B Pdm6InAuthFailed=3 Pdm6InProtected=0
	ck_end "an option changed on the path: skipped and counted, delivered"

	# A datagram of A captured, then sent again as it was.
	capture_start protrep "$NS_A" veth0 512
	ck_err $? "tcpdump did not start"
	server_start "$NS_B" "$TMP_DIR/protrep.udp" udp_server "$UDP_PORT" 2 sink
	ck_err $? "UDP server did not start"
	py "$NS_A" udp_client "$ADDR_B" "$UDP_PORT" 1 noecho -
	ck_err $? "UDP send failed"
	capture_stop protrep
	ck_err $? "$CAP_ERR"
	counters_save "$NS_B" protrep.b
	ck_err $? "cannot read the counters of B"
	py "$NS_A" pcap_resend "$TMP_DIR/protrep.pcap" "$ADDR_A" 17
	ck_err $? "resend failed"
	server_wait "$SRV_PID"
	ck_err $? "B did not get the replayed datagram"
	ck_counters "$NS_B" protrep.b B Pdm6InReplayed=1 Pdm6InPkts=0
	ck_end "a replayed packet: skipped and counted, delivered"

	# A stops protecting what it sends B: B has a receive key for A.
	counters_save "$NS_B" protclr.b
	ck_err $? "cannot read the counters of B"
	ip -n "$NS_A" pdm key del id 1
	ck_err $? "ip pdm key del failed"
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	ck_counters "$NS_B" protclr.b B Pdm6InUnprotected=3 Pdm6InPkts=0
	key_add "$NS_A" 1 tx "$ADDR_B" 1 "$KEY_AB"
	ck_err $? "cannot restore A's transmit key"
	ck_end "a clear option from a keyed peer: skipped and counted"

	# Rotation under a steady exchange: receive keys of Epoch 2 first,
	# then the transmit keys, then the old receive keys go.
	counters_save "$NS_A" protrot.a && counters_save "$NS_B" protrot.b
	ck_err $? "cannot read the counters"
	capture_start protrot "$NS_A" veth0 512
	ck_err $? "tcpdump did not start"
	# Batches of PROT_PINGS pings, until the rotation is done and one
	# batch more, however slow the kernel: every batch counted whole.
	stop="$TMP_DIR/protrot.stop"
	rm -f "$stop"
	ip netns exec "$NS_A" sh -c "n=0; while [ ! -e $stop ] || [ \$n -lt 2 ]; do
		[ -e $stop ] && n=\$((n + 1))
		ping -6 -q -c $PROT_PINGS -i 0.1 -W 2 $ADDR_B || exit 1
	done" > "$TMP_DIR/protrot.ping" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	slowwait "$WAIT_S" grep -q "packets transmitted" "$TMP_DIR/protrot.ping"
	ck_err $? "no ping batch before the rotation"
	key_add "$NS_B" 3 rx "$ADDR_A" 2 "$KEY_AB2" &&
		key_add "$NS_A" 4 rx "$ADDR_B" 2 "$KEY_BA2" &&
		key_add "$NS_A" 5 tx "$ADDR_B" 2 "$KEY_AB2" &&
		key_add "$NS_B" 6 tx "$ADDR_A" 2 "$KEY_BA2" &&
		sleep 0.5 &&
		ip -n "$NS_B" pdm key del id 1 && ip -n "$NS_A" pdm key del id 2
	ck_err $? "rotation failed"
	touch "$stop"
	server_wait "$pid"
	ck_err $? "ping during the rotation: $(tail -n 2 "$TMP_DIR/protrot.ping")"
	capture_stop protrot
	ck_err $? "$CAP_ERR"
	i=$(awk '/packets transmitted/ { t += $1; r += $4 }
		END { print (t == r ? r : -1) }' "$TMP_DIR/protrot.ping")
	[ "$i" -gt 0 ]
	ck_err $? "pings lost: $(grep "packets transmitted" "$TMP_DIR/protrot.ping")"
	ck_counters "$NS_A" protrot.a A Pdm6InProtected="$i" \
		Pdm6InAuthFailed=0 Pdm6InNoKey=0 Pdm6OutNoKey=0
	ck_counters "$NS_B" protrot.b B Pdm6InProtected="$i" \
		Pdm6InAuthFailed=0 Pdm6InNoKey=0 Pdm6OutNoKey=0
	out=$(pdm_awk protrot '
		$F["pdm"] == "prot" { e[$F["src"], $F["epoch"]]++ }
		END {
			if (!e[a, 1] || !e[a, 2] || !e[b, 1] || !e[b, 2])
				fail("Epochs 1 and 2 from A: " e[a, 1] + 0 " " \
				     e[a, 2] + 0 ", from B: " e[b, 1] + 0 " " \
				     e[b, 2] + 0)
		}' -v a="$ADDR_A" -v b="$ADDR_B" 2>&1)
	ck_out $? "$out" "Epochs in the capture"
	ck_end "rotation to the next Epoch mid-flow: no failure, no sample lost"

	# Keys are CAP_NET_ADMIN's, even to list; their octets are never shown.
	for i in "pdm key show" "pdm key del id 3" \
		 "pdm key add id 9 dir rx peer ::1 epoch 0 key ${KEY_AB%:*} salt ${KEY_AB#*:}"; do
		# shellcheck disable=SC2086 # the words of the command
		ck_refused "ip $i unprivileged" "Operation not permitted" \
			ip netns exec "$NS_A" setpriv --reuid=65534 \
			--regid=65534 --clear-groups --inh-caps=-all ip $i
	done
	out=$( { ip -n "$NS_A" -j pdm key show; ip -n "$NS_A" -d pdm key show
		 [ ! -r "$YNL_CLI" ] || ynl "$NS_A" --dump key-get
		 dmesg; } 2>&1)
	for i in "$KEY_AB" "$KEY_BA" "$KEY_AB2" "$KEY_BA2" "$KEY_BAD"; do
		if echo "$out" | grep -qi -e "${i%:*}" -e "${i#*:}"; then
			ck_err 1 "key or salt $i in a dump or the kernel log"
		fi
	done
	echo "$out" | grep -q '"dir":"tx"'
	ck_err $? "ip -j pdm key show shows no transmit key: $out"
	ck_end "key ops: EPERM unprivileged; key octets in no dump or log"

	# Many receive keys in B, one prefix each; A's traffic still finds its
	# own among them.
	for ((i = 0; i < PROT_MANY_KEYS; i++)); do
		printf 'pdm key add id %u dir rx peer 2001:db8:%x:%x::/64 ' \
			$((1000 + i)) $((i >> 8)) $((i & 255))
		printf 'epoch 2 key %s salt %s\n' "${KEY_BAD%:*}" \
			"${KEY_BAD#*:}"
	done > "$TMP_DIR/keys.batch"
	ip -n "$NS_B" -batch "$TMP_DIR/keys.batch" > "$TMP_DIR/keys.out" 2>&1
	ck_out $? "$(cat "$TMP_DIR/keys.out")" "ip -batch of $PROT_MANY_KEYS keys"
	out=$(ip -n "$NS_B" -j pdm show 2>&1)
	json_check "$out" 'j["keys"] == '"$((PROT_MANY_KEYS + 2))"
	ck_out $? "$out" "ip -j pdm show: keys"
	counters_save "$NS_B" protmany.b
	ck_err $? "cannot read the counters of B"
	ip netns exec "$NS_A" ping -6 -q -c 3 -i 0.2 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	ck_counters "$NS_B" protmany.b B Pdm6InProtected=3 Pdm6InAuthFailed=0
	ck_end "ten thousand keys install and resolve"

	# A's keys deleted and added again while A pings as fast as it can:
	# some packets go without PDM (Pdm6OutNoKey), none is lost; the debug
	# kernel's checkers see the keys freed under traffic.
	stop="$TMP_DIR/protdel.stop"
	rm -f "$stop"
	ip netns exec "$NS_A" sh -c "while [ ! -e $stop ]; do
		ping -6 -q -c 50 -i 0.002 -W 2 $ADDR_B >/dev/null || exit 1; done" &
	pid=$!
	BG_PIDS+=("$pid")
	for ((i = 0; i < 20; i++)); do
		ip -n "$NS_A" pdm key del id 5 &&
			key_add "$NS_A" 5 tx "$ADDR_B" 2 "$KEY_AB2" ||
			break
	done
	ck_err $? "deleting and adding A's key failed"
	touch "$stop"
	server_wait "$pid"
	ck_err $? "pings lost while keys changed"
	ip -n "$NS_A" pdm key flush && ip -n "$NS_B" pdm key flush
	ck_err $? "ip pdm key flush failed"
	out=$(ip -n "$NS_B" -j pdm show 2>&1)
	json_check "$out" 'j["keys"] == 0'
	ck_out $? "$out" "keys left after the flush"
	ck_end "keys deleted and added under traffic"
}

# Usage: tshark_compare <pcap>: decode <pcap> with pdm_parser and tshark and
# print a line for every PDM packet where they differ; the last line gives
# the number of packets compared.
tshark_compare()
{
	local pcap=$1
	local rc

	"$PARSER" -t "$CAP_V2_TYPE" "$pcap" > "$pcap.txt" || return 1
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
	if [ "$rc" -ne 0 ]; then
		echo "tshark failed: $(grep -v 'Running as' "$pcap.tshark.err" | head -n 1)"
		return "$rc"
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
		# RFC 8250 only: tshark has no PDMv2 dissector (and, not
		# checking the length, reads PDMv2 under 0x0f as RFC 8250).
		$F["pdm"] != "ok" || $F["ver"] != 1 { next }
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
	local merged="$TMP_DIR/all.pcap"
	local files=() out rc total=0 f

	if ! command -v tshark >/dev/null 2>&1; then
		ck_skip "tshark not installed"
		ck_end "tshark decodes the same PDM fields as pdm_parser"
		return
	fi

	ck_mixed
	rm -f "$merged"
	files=("$TMP_DIR"/*.pcap)
	# one tshark run over all captures when possible: it starts slowly
	if [ ${#files[@]} -gt 1 ] && command -v mergecap >/dev/null 2>&1; then
		out=$(mergecap -F pcap -a -w "$merged" "${files[@]}" 2>&1)
		ck_out $? "$out" "mergecap failed"
		files=("$merged")
	fi

	for f in "${files[@]}"; do
		out=$(tshark_compare "$f" 2>&1)
		rc=$?
		ck_out "$rc" "$out" "${f##*/}"
		[ "$rc" -eq 0 ] && total=$((total + ${out##*$'\n'}))
	done
	diag "$total PDM packets compared"
	[ "$total" -gt 0 ]
	ck_err $? "no PDM packet to compare"
	ck_end "tshark decodes the same PDM fields as pdm_parser"
	rm -f "$merged" "$merged".*
}

################################################################################
# Per-flow metrics: ip pdm flow, ip pdm monitor

# Usage: have_ip_pdm_flow: true if ip knows "ip pdm flow" and "monitor"
have_ip_pdm_flow()
{
	ip pdm help 2>&1 | grep -q "ip pdm monitor"
}

# Usage: skip_rest <reason>: skip every result the case has not reported
skip_rest()
{
	while [ "$CASE_DONE" -lt "${#CASE_DESCS[@]}" ]; do
		ck_skip "$1"
		ck_report
	done
}

# Usage: flow_case_setup: the topology of a case that reads flows with ip
# pdm, neighbours resolved; 1, every result reported, where it cannot be
flow_case_setup()
{
	if ! have_ip_pdm_flow; then
		skip_rest "ip without ip pdm flow and monitor"
		return 1
	fi
	case_setup || return 1
	ip netns exec "$NS_A" ping -6 -q -c 1 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
}

# Usage: flow_json <ns> <file> [FILTER...]: ip -j pdm flow show into <file>
flow_json()
{
	local ns=$1 file=$2

	shift 2
	ip -n "$ns" -j pdm flow show "$@" > "$file"
}

# Usage: met_exchange <n> <pause ms>: <n> exchanges of A with B's server,
# which answers MET_WAIT_MS after each request. MET_WARM exchanges of
# another flow come first, then the flows are flushed: under TCG the
# first run of a code path is translated first, tens of ms once.
met_exchange()
{
	server_start "$NS_B" "$TMP_DIR/met.srv" udp_rr_server "$MET_PORT" \
		$(($1 + MET_WARM)) "$MET_WAIT_MS" || return 1
	py "$NS_A" udp_rr "$ADDR_B" "$MET_PORT" "$MET_WARM" "$2" || return 1
	ip -n "$NS_A" pdm flow flush port "$MET_PORT" &&
		ip -n "$NS_B" pdm flow flush port "$MET_PORT" || return 1
	py "$NS_A" udp_rr "$ADDR_B" "$MET_PORT" "$1" "$2" || return 1
	server_wait "$SRV_PID"
}

# Usage: met_check <label>: the flows of A and B on MET_PORT give the RTT
# netem makes (2 * MET_DELAY_MS), within MET_TOL_PCT, and the server delay
# the server made (at least MET_WAIT_MS), within MET_TOL_PCT of it; prints
# A's jitter (ns) last.
met_check()
{
	flow_json "$NS_A" "$TMP_DIR/met.a.json" proto udp port "$MET_PORT" &&
		flow_json "$NS_B" "$TMP_DIR/met.b.json" proto udp port "$MET_PORT" ||
		return 1
	python3 - "$TMP_DIR/met.a.json" "$TMP_DIR/met.b.json" "$1" \
		"$((2 * MET_DELAY_MS))" "$MET_TOL_PCT" "$MET_EXCHANGES" \
		"$TMP_DIR/met.srv" <<'EOF'
import json
import sys

a_file, b_file, label, rtt_ms, tol, n, srv_file = sys.argv[1:]
rtt_ms, tol, n = float(rtt_ms), float(tol), int(n)
errors = []

# The delays the server made for the exchanges the flows saw, the last n:
# PDM's server delay lies between the means up to the send and up to its
# return. Under TCG the server may answer late; PDM must see that too.
made = [l.split()[1:] for l in open(srv_file) if l.startswith("delay ")]
made = [(int(lo), int(hi)) for lo, hi in made[-n:]]
if len(made) != n:
    sys.exit("server: %d delays, expected %d" % (len(made), n))
made_lo = sum(lo for lo, _ in made) / n / 1e6
made_hi = sum(hi for _, hi in made) / n / 1e6


def one(path, side):
    flows = json.load(open(path))
    if len(flows) != 1:
        sys.exit("%s: %d flows, expected 1" % (side, len(flows)))
    return flows[0]


def mean_ms(f, key, side, lo, hi, count):
    # The mean of <key>, in ms, within lo..hi widened by tol% of lo
    st = f[key]
    if st["count"] < count:
        errors.append("%s: %d %s samples, expected %d" %
                      (side, st["count"], key, count))
        return 0
    m = st["sum"] / st["count"] / 1e6
    slack = lo * tol / 100
    if not lo - slack <= m <= hi + slack:
        errors.append("%s: %s %.3f ms, expected %.3f..%.3f ms +-%.3f ms" %
                      (side, key, m, lo, hi, slack))
    return m


a, b = one(a_file, "A"), one(b_file, "B")
want_v = 1 if label == "v1" else 2
for side, f in (("A", a), ("B", b)):
    if f["version"] != want_v or f.get("protected", False) != (label == "v2p"):
        errors.append("%s: version %s protected %s, expected %s" %
                      (side, f["version"], f.get("protected", False), label))
# A's RTT and the server's delay it sees; B's own delay, and its RTT.
rtt = mean_ms(a, "rtt", "A", rtt_ms, rtt_ms, n)
srv = mean_ms(a, "peer_delay", "A", made_lo, made_hi, n)
own = mean_ms(b, "local_delay", "B", made_lo, made_hi, n)
b_rtt = mean_ms(b, "rtt", "B", rtt_ms, rtt_ms, n - 1)
print("%s: A rtt %.3f ms (%.3f..%.3f) server delay %.3f ms; B rtt %.3f ms, "
      "own delay %.3f ms; the server made %.3f..%.3f ms; A lost %d" %
      (label, rtt, a["rtt"]["min"] / 1e6, a["rtt"]["max"] / 1e6, srv,
       b_rtt, own, made_lo, made_hi, a["lost"]))
for e in errors:
    print(e)
print(a["jitter"])
sys.exit(1 if errors else 0)
EOF
}

# Usage: met_run <label>: exchanges and checks of one version
met_run()
{
	local out rc

	met_exchange "$MET_EXCHANGES" "$MET_PAUSE_MS"
	ck_err $? "exchanges failed"
	out=$(met_check "$1" 2>&1)
	rc=$?
	diag "$(head -n 1 <<< "$out")"
	ck_out "$rc" "$out" "$1 metrics"
	MET_JITTER=${out##*$'\n'}
}

pdm_metrics_test()
{
	local out calm ns

	flow_case_setup || return
	for ns in "$NS_A" "$NS_B"; do
		tc -n "$ns" qdisc add dev veth0 root netem \
			delay "${MET_DELAY_MS}ms" 2>/dev/null ||
			ck_err 1 "cannot add netem"
	done

	met_run v1
	ck_end "$MET_DESC_V1"
	calm=$MET_JITTER

	pdm_sysctl "$NS_A" version 2 && pdm_sysctl "$NS_B" version 2
	ck_err $? "cannot set version 2"
	met_run v2
	ck_end "$MET_DESC_V2"

	prot_keys
	ck_err $? "ip pdm key add failed"
	met_run v2p
	ck_end "$MET_DESC_V2P"

	# 25 +- 5 ms each way: successive RTTs differ by 4.6 ms on average
	# (the sum of four uniform variables of +-5 ms), where the estimator
	# tends; with its gain of 1/16, after 60 samples, 999 runs in 1000 of
	# that model are within 2.7 to 7.0 ms. Under TCG, timers add their
	# own noise: 2 to 10 ms.
	for ns in "$NS_A" "$NS_B"; do
		tc -n "$ns" qdisc change dev veth0 root netem \
			delay "${MET_DELAY_MS}ms" "${MET_JITTER_MS}ms" ||
			ck_err 1 "cannot change netem"
	done
	met_exchange "$MET_JITTER_EXCHANGES" "$MET_PAUSE_MS"
	ck_err $? "exchanges failed"
	out=$(ip -n "$NS_A" -j pdm flow show proto udp port "$MET_PORT" |
	      python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["jitter"])' 2>&1)
	ck_err $? "no flow: $out"
	diag "jitter ${out} ns with variation, ${calm} ns without"
	[ "$out" -ge 2000000 ] 2>/dev/null && [ "$out" -le 10000000 ]
	ck_err $? "jitter ${out} ns, expected 2 to 10 ms"
	[ "$calm" -lt 2000000 ] 2>/dev/null
	ck_err $? "jitter ${calm} ns without variation, expected below 2 ms"
	ck_end "jitter 2 to 10 ms under netem delay variation, below 2 ms without"
	cleanup_topo
}

# Usage: loss_run <count> <netem args...>: A sends <count> datagrams to B
# through netem; LOSS_SINK is what B's receiver counted ("received missing
# late again"), LOSS_KERNEL the same from B's flow
loss_run()
{
	local count=$1 rc

	shift
	tc -n "$NS_A" qdisc replace dev veth0 root netem "$@" || return 1
	ip -n "$NS_B" pdm flow flush || return 1
	rm -f "$TMP_DIR/loss.done"
	server_start "$NS_B" "$TMP_DIR/loss.sink" udp_seq_sink "$LOSS_PORT" 1 \
		"$TMP_DIR/loss.done" || return 1
	py "$NS_A" udp_seq_send "$ADDR_B" "$LOSS_PORT" "$count" 1
	rc=$?
	touch "$TMP_DIR/loss.done"
	server_wait "$SRV_PID" && [ "$rc" = 0 ] || return 1
	LOSS_SINK=$(cat "$TMP_DIR/loss.sink")
	LOSS_KERNEL=$(ip -n "$NS_B" -j pdm flow show proto udp port "$LOSS_PORT" |
		python3 -c '
import json, sys
f = json.load(sys.stdin)
assert len(f) == 1, "%d flows" % len(f)
f = f[0]
print(f["rx_pkts"], f["lost"], f["reordered"], f["dups"])')
}

# Usage: loss_ck <field> <name> <at least> [prot]: field <field> (2:
# missing, 3: late, 4: again) of LOSS_KERNEL equals that of LOSS_SINK, and
# is at least <at least>; prot: the options were protected
loss_ck()
{
	local k s

	k=$(cut -d' ' -f"$1" <<< "$LOSS_KERNEL")
	s=$(cut -d' ' -f"$1" <<< "$LOSS_SINK")
	diag "$2: kernel $k, receiver $s (kernel: $LOSS_KERNEL, receiver: $LOSS_SINK)"
	[ -n "$k" ] && [ "$k" = "$s" ]
	ck_err $? "$2: the flow says '$k', the receiver '$s'"
	[ "${k:-0}" -ge "$3" ]
	ck_err $? "$2: $k, expected at least $3"
	# every datagram received was accounted; protected duplicates are
	# replays, counted but not taken
	k=$(cut -d' ' -f1 <<< "$LOSS_KERNEL")
	[ "${4:-}" != prot ] || k=$((k + $(cut -d' ' -f4 <<< "$LOSS_KERNEL")))
	[ "$k" = "$(cut -d' ' -f1 <<< "$LOSS_SINK")" ]
	ck_err $? "received: the flow says $k, the receiver ${LOSS_SINK%% *}"
}

pdm_loss_test()
{
	local n

	flow_case_setup || return

	loss_run "$LOSS_DGRAMS" loss "${LOSS_PCT}%"
	ck_err $? "loss run failed"
	# 10% of 1000: 100 on average, fewer than 50 once in 10^8 runs
	loss_ck 2 lost 50
	ck_end "lost packets under netem loss: those the receiver missed"

	loss_run "$REORDER_DGRAMS" delay "${REORDER_DELAY_MS}ms" reorder 25% 50%
	ck_err $? "reorder run failed"
	loss_ck 3 reordered 10
	ck_end "reordered packets under netem reorder: those the receiver saw"

	loss_run "$REORDER_DGRAMS" duplicate "${DUP_PCT}%"
	ck_err $? "duplicate run failed"
	loss_ck 4 duplicates 10
	ck_end "duplicates under netem duplicate: those the receiver saw"

	prot_keys
	ck_err $? "ip pdm key add failed"
	loss_run "$LOSS_DGRAMS" loss "${LOSS_PCT}%"
	ck_err $? "protected loss run failed"
	loss_ck 2 "protected: lost" 50 prot
	loss_run "$REORDER_DGRAMS" delay "${REORDER_DELAY_MS}ms" reorder 25% 50%
	ck_err $? "protected reorder run failed"
	loss_ck 3 "protected: reordered" 10 prot
	loss_run "$REORDER_DGRAMS" duplicate "${DUP_PCT}%"
	ck_err $? "protected duplicate run failed"
	loss_ck 4 "protected: duplicates" 10 prot
	[ "$(ip -n "$NS_B" -j pdm flow show proto udp port "$LOSS_PORT" |
	     python3 -c 'import json, sys
print(json.load(sys.stdin)[0].get("protected"))')" = True ]
	ck_err $? "B's flow is not protected"
	ck_end "protected PDMv2: the same lost, reordered and duplicate counts"

	ip -n "$NS_B" pdm flow flush
	ck_err $? "ip pdm flow flush failed"
	n=$(fd_count "$NS_B")
	[ "$n" = 0 ]
	ck_err $? "$n flows after the flush"
	ck_end "flush empties the table"
	cleanup_topo
}

pdm_monitor_test()
{
	local mon="$TMP_DIR/monitor.txt" pid out n d

	flow_case_setup || return

	ip -n "$NS_B" pdm monitor > "$mon" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	# Listening once a ping's record shows.
	slowwait "$WAIT_S" bash -c "ip netns exec $NS_A ping -6 -q -c 1 -W 1 \
		$ADDR_B >/dev/null; grep -q psntp $mon"
	ck_err $? "no record from ip pdm monitor: $(head -n 3 "$mon")"
	sleep 0.5
	counters_save "$NS_B" mon
	n=$(grep -c psntp "$mon")
	ip netns exec "$NS_A" ping -6 -q -c "$MON_PINGS" -i 0.05 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	slowwait 10 bash -c "[ \$(grep -c 'psntp' $mon) -ge $((n + MON_PINGS)) ]"
	d=$(counters_delta "$NS_B" mon Pdm6MonitorRecords)
	out=$(grep 'psntp' "$mon" | tail -n "$MON_PINGS")
	diag "$(tail -n 1 <<< "$out")"
	[ "$(grep -c " $ADDR_A > $ADDR_B len [0-9]* v1 psntp" <<< "$out")" = "$MON_PINGS" ]
	ck_out $? "$out" "expected $MON_PINGS records of A's echo requests"
	[ "$d" = "$MON_PINGS" ]
	ck_err $? "Pdm6MonitorRecords moved by $d, expected $MON_PINGS"
	ck_end "ip pdm monitor: one record per PDM option received"

	out=$(ip netns exec "$NS_B" timeout 10 setpriv --reuid=65534 \
		--regid=65534 --clear-groups ip pdm monitor 2>&1)
	[ $? -ne 0 ] && grep -q "needs CAP_NET_ADMIN" <<< "$out"
	ck_out $? "$out" "an unprivileged ip pdm monitor did not fail as expected"
	ck_end "an unprivileged listener cannot join the monitor group"

	kill "$pid"
	server_wait "$pid"
	counters_save "$NS_B" mon2
	ip netns exec "$NS_A" ping -6 -q -c "$MON_PINGS" -i 0.05 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	ck_counters "$NS_B" mon2 "no listener" Pdm6MonitorRecords=0 \
		Pdm6MonitorLimited=0 Pdm6InPkts="$MON_PINGS"
	ck_end "no record made without a listener"

	pdm_sysctl "$NS_B" monitor_rate "$MON_RATE"
	ck_err $? "cannot set monitor_rate"
	ip -n "$NS_B" pdm monitor > "$mon" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	sleep 1
	counters_save "$NS_B" mon3
	# 50 options in well under 2 seconds: at most 2 seconds' worth sent
	ip netns exec "$NS_A" ping -6 -q -c 50 -i 0.002 -W 2 "$ADDR_B" >/dev/null 2>&1
	ck_err $? "ping failed"
	d=$(counters_delta "$NS_B" mon3 Pdm6MonitorRecords)
	n=$(counters_delta "$NS_B" mon3 Pdm6MonitorLimited)
	diag "rate $MON_RATE/s: $d records sent, $n limited"
	[ "$((d + n))" = 50 ] && [ "$d" -le $((3 * MON_RATE)) ] && [ "$n" -gt 0 ]
	ck_err $? "$d records sent and $n limited of 50, at $MON_RATE per second"
	kill "$pid"
	server_wait "$pid"
	ck_end "records above net.ipv6.pdm.monitor_rate counted, not sent"
	cleanup_topo
}

# Usage: fd_count <ns> <FILTER...>: flows of a dump, and whether each id
# is there once
fd_count()
{
	local ns=$1

	shift
	ip -n "$ns" -j pdm flow show "$@" | python3 -c '
import json, sys
f = json.load(sys.stdin)
ids = [x["id"] for x in f]
if len(set(ids)) != len(ids):
    sys.exit("%d ids twice" % (len(ids) - len(set(ids))))
print(len(f))'
}

pdm_flowdump_test()
{
	local n out pid stop="$TMP_DIR/fd.stop" hex

	if ! have_ip_pdm_flow; then
		skip_rest "ip without ip pdm flow"
		return
	fi
	case_setup || return
	server_start "$NS_B" "$TMP_DIR/fd.drain" udp_drain "$FD_PORT" \
		"$FD_SOURCES" 5
	ck_err $? "UDP receiver did not start"
	py "$NS_A" flood_spoof "$FD_PREFIX" "$ADDR_B" "$FD_SPORT" "$FD_PORT" \
		"$FD_SOURCES"
	ck_err $? "flood failed"
	server_wait "$SRV_PID"
	ck_err $? "UDP receiver failed"
	# Other flows come and go while the dump runs.
	rm -f "$stop"
	(while [ ! -e "$stop" ]; do
		ip netns exec "$NS_A" ping -6 -q -c 20 -i 0.01 -W 1 "$ADDR_B"
		ip -n "$NS_B" pdm flow flush prefix "$ADDR_A/128"
	done) >/dev/null 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	n=$(fd_count "$NS_B" prefix "${FD_PREFIX}/48" 2>&1)
	ck_err $? "dump: $n"
	touch "$stop"
	server_wait "$pid"
	diag "$n flows of the flood dumped"
	[ "$n" = "$FD_SOURCES" ]
	ck_err $? "$n flows, expected $FD_SOURCES"
	ck_end "10000 flows dumped once each across messages, under traffic"

	if [ ! -r "$YNL_CLI" ] || [ ! -r "$YNL_SPEC" ] ||
	   ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
		ck_skip "no $YNL_CLI, $YNL_SPEC or python3 yaml and jsonschema"
	else
		hex=$(python3 -c 'import ipaddress, sys
print(ipaddress.ip_address(sys.argv[1]).packed.hex())' "$FD_PREFIX")
		out=$(ynl "$NS_B" --dump flow-get \
			--json "{\"prefix\": \"$hex\", \"prefix-len\": 48}" 2>&1 |
		      python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' 2>&1)
		[ "$out" = "$FD_SOURCES" ]
		ck_err $? "cli.py: '$out' flows, expected $FD_SOURCES"
	fi
	ck_end "cli.py dumps the same flows"

	n=$(fd_count "$NS_B" prefix "$FD_SUB")
	[ "$n" = "$FD_SUB_N" ]
	ck_err $? "prefix $FD_SUB: $n flows, expected $FD_SUB_N"
	n=$(fd_count "$NS_B" prefix "${FD_PREFIX}/48" port "$FD_SPORT" proto udp)
	[ "$n" = "$FD_SOURCES" ]
	ck_err $? "port $FD_SPORT, udp: $n flows, expected $FD_SOURCES"
	n=$(fd_count "$NS_B" port "$FD_SPORT" proto tcp)
	[ "$n" = 0 ]
	ck_err $? "port $FD_SPORT, tcp: $n flows, expected 0"
	out=$(ip -n "$NS_B" pdm flow show prefix "$FD_PREFIX" 2>&1 | head -n 3)
	diag "$(head -n 1 <<< "$out")"
	ck_end "prefix, port and protocol filters select the flows"

	ip -n "$NS_B" pdm flow flush prefix "$FD_SUB"
	ck_err $? "flush by prefix failed"
	n=$(fd_count "$NS_B" prefix "${FD_PREFIX}/48")
	[ "$n" = $((FD_SOURCES - FD_SUB_N)) ]
	ck_err $? "$n flows left, expected $((FD_SOURCES - FD_SUB_N))"
	ip -n "$NS_B" pdm flow flush
	ck_err $? "flush failed"
	n=$(fd_count "$NS_B")
	[ "$n" = 0 ]
	ck_err $? "$n flows after the flush"
	[ "$(pdm_counter "$NS_B" Pdm6Flows)" = 0 ]
	ck_err $? "Pdm6Flows $(pdm_counter "$NS_B" Pdm6Flows) after the flush"
	ck_end "flush by prefix, then of all: the table is empty"
	cleanup_topo
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
	*) usage >&2; exit "$KSFT_FAIL";;
	esac
done

plan=0
for t in $TESTS; do
	if [ -z "${CASE_RESULTS[$t]+set}" ]; then
		echo "Unknown test: $t" >&2
		usage >&2
		exit "$KSFT_FAIL"
	fi
	IFS='|' read -r -a descs <<< "${CASE_RESULTS[$t]}"
	plan=$((plan + ${#descs[@]}))
done

ktap_print_header

# Usage: skip_all <reason>: the script cannot run at all.
skip_all()
{
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

[ "$(id -u)" -eq 0 ] || skip_all "Need root privileges"

for tool in ip tc tcpdump python3 awk sysctl ping nstat; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not found"
done
tcpdump -h 2>&1 | grep -q immediate-mode ||
	skip_all "tcpdump with --immediate-mode option required"
[ -x "$PARSER" ] || skip_all "$PARSER not built"

# Kernel support: the per-netns sysctl only exists with CONFIG_IPV6_PDM.
sysctl -n net.ipv6.pdm.enabled >/dev/null 2>&1 ||
	skip_all "Kernel without IPv6 PDM support (no net.ipv6.pdm.enabled)"

TMP_DIR=$(mktemp -d) || ktap_exit_fail_msg "mktemp failed"
trap cleanup EXIT
write_py_helper

ktap_set_plan "$plan"
for t in $TESTS; do
	case_run "$t"
done

ktap_finished
