// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): transmit.
 *
 * Which locally originated packets carry PDM, how many octets it adds to
 * them, and the final destination options header with PDM in it.
 */

#include <linux/icmpv6.h>
#include <linux/tcp.h>
#include <kunit/visibility.h>
#include <net/inet_connection_sock.h>
#include <net/l3mdev.h>
#include <net/pdm.h>
#include <net/sock.h>
#include "pdm_internal.h"

/**
 * pdm_flow_key_xmit - the flow of a packet about to be sent
 * @key: returns the key
 * @fl6: the packet's flow
 * @dst: its route
 */
VISIBLE_IF_KUNIT void pdm_flow_key_xmit(struct pdm_flow_key *key,
					const struct flowi6 *fl6,
					const struct dst_entry *dst)
{
	bool ports = pdm_proto_has_ports(fl6->flowi6_proto);

	pdm_flow_key_init(key, &fl6->saddr, &fl6->daddr, fl6->flowi6_proto,
			  ports ? fl6->fl6_sport : 0,
			  ports ? fl6->fl6_dport : 0);
	key->ifindex = pdm_flow_ifindex(&fl6->daddr, fl6->flowi6_oif);
	if (dst && dst->dev) {
		rcu_read_lock();
		key->l3mdev = l3mdev_master_ifindex_rcu(dst->dev);
		rcu_read_unlock();
	}
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_key_xmit);

/*
 * Octets PDM adds to the final destination options header of @opt; 0 when
 * the socket's own options leave no room for it (Pdm6OutSkipped).
 */
static unsigned int pdm_extra_len(const struct sock *sk,
				  const struct ipv6_txoptions *opt)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	unsigned int len = pdm_doh_len(dst1);

	if (!len) {
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTSKIPPED);
		return 0;
	}
	return len - (dst1 ? ipv6_optlen(dst1) : 0);
}

/**
 * __ipv6_pdm_xmit_len - octets PDM adds to a packet sent by ip6_xmit()
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @fl6: the packet's flow
 *
 * Only TCP: connections sized for PDM when they were set up (see
 * ipv6_pdm_tcp_init()), SYN-ACKs of listeners, and the resets and ACKs
 * of the control socket. Other users of ip6_xmit() leave no room for it.
 *
 * Return: how much longer than @opt's final destination options header
 * the header grows with PDM in it, or 0 if the packet gets no PDM.
 */
unsigned int __ipv6_pdm_xmit_len(const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6)
{
	if (!READ_ONCE(sock_net(sk)->ipv6.sysctl.pdm_enabled) ||
	    fl6->flowi6_proto != IPPROTO_TCP ||
	    ipv6_addr_is_multicast(&fl6->daddr))
		return 0;
	if (sk_fullsock(sk) && sk_is_tcp(sk) && sk->sk_state != TCP_LISTEN &&
	    !inet6_test_bit(PDM, sk))
		return 0;
	return pdm_extra_len(sk, opt);
}

/**
 * __ipv6_pdm_cork_len - octets PDM adds to a packet built by ip6_append_data()
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @fl6: the packet's flow
 *
 * UDP, raw and ping sockets, and ICMPv6 echo replies; never ICMPv6
 * errors (nor ND or MLD, which do not come this way).
 *
 * Return: as __ipv6_pdm_xmit_len().
 */
unsigned int __ipv6_pdm_cork_len(const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6)
{
	if (!READ_ONCE(sock_net(sk)->ipv6.sysctl.pdm_enabled) ||
	    ipv6_addr_is_multicast(&fl6->daddr))
		return 0;
	if (fl6->flowi6_proto == IPPROTO_ICMPV6 &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REQUEST &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REPLY)
		return 0;
	return pdm_extra_len(sk, opt);
}

/**
 * ipv6_pdm_push - push the final Destination Options header, with PDM
 * @skb: the packet, data at the upper-layer header
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @proto: the upper-layer protocol
 * @fl6: the packet's flow
 * @dst: its route
 *
 * Stands for ipv6_push_frag_opts() on a packet that ipv6_pdm_xmit_len()
 * or ipv6_pdm_cork_len() sized for PDM, with headroom for it. Without a
 * flow entry (table full, memory short) the packet leaves without PDM.
 *
 * Return: the next header value for the header in front.
 */
u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
		 struct ipv6_txoptions *opt, u8 proto, const struct flowi6 *fl6,
		 const struct dst_entry *dst)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	struct pdm_flow_key key;
	unsigned int len;
	struct pdm_flow *f;
	struct pdm_info pi;

	pdm_flow_key_xmit(&key, fl6, dst);
	len = pdm_doh_len(dst1);

	rcu_read_lock();
	f = len ? pdm_flow_get(pn, &key) : NULL;
	if (!f) {
		rcu_read_unlock();
		return dst1 ? ipv6_push_frag_opts(skb, opt, proto) : proto;
	}
	pdm_flow_tx(f, ktime_get_ns(), &pi);
	rcu_read_unlock();

	pdm_doh_build(skb_push(skb, len), len, dst1, proto, &pi);
	PDM_INC_STATS(pn, PDM_MIB_OUTPKTS);
	return NEXTHDR_DEST;
}

/**
 * ipv6_pdm_tcp_len - PDM octets to count in a TCP socket's header length
 * @sk: the socket
 * @opt: its IPv6 options, or NULL
 *
 * Return: what PDM adds to icsk_ext_hdr_len, so that MSS leaves room.
 */
unsigned int ipv6_pdm_tcp_len(const struct sock *sk,
			      const struct ipv6_txoptions *opt)
{
	return inet6_test_bit(PDM, sk) ? pdm_extra_len(sk, opt) : 0;
}

/**
 * __ipv6_pdm_tcp_init - decide whether a new TCP connection carries PDM
 * @sk: the connecting or accepted socket
 * @opt: its IPv6 options, or NULL
 *
 * Called where icsk_ext_hdr_len is set. A connection made while PDM is
 * enabled keeps it for life, with its MSS sized for it. GSO is off for
 * such a socket, as for TCP-MD5: the segments of one GSO packet would
 * share one copy of the header, and so one PSN.
 */
void __ipv6_pdm_tcp_init(struct sock *sk, const struct ipv6_txoptions *opt)
{
	unsigned int len;

	inet6_clear_bit(PDM, sk);
	if (!READ_ONCE(sock_net(sk)->ipv6.sysctl.pdm_enabled) ||
	    ipv6_addr_is_multicast(&sk->sk_v6_daddr))
		return;
	len = pdm_extra_len(sk, opt);
	if (!len)
		return;
	inet6_set_bit(PDM, sk);
	sk_gso_disable(sk);
	/* The route is set already: undo what sk_setup_caps() did for GSO. */
	sk->sk_gso_max_segs = 1;
	inet_csk(sk)->icsk_ext_hdr_len += len;
}
