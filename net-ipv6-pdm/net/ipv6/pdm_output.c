// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): transmit.
 *
 * Which locally originated packets carry PDM, how many octets it adds to
 * them, and the final destination options header with PDM in it.
 */

#include <linux/icmpv6.h>
#include <kunit/visibility.h>
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

/**
 * pdm_flow_key_sk - the flow of a connected socket's packets
 * @key: returns the key, as pdm_flow_key_xmit() makes it for them
 * @sk: the socket
 */
void pdm_flow_key_sk(struct pdm_flow_key *key, const struct sock *sk)
{
	struct flowi6 fl6 = {
		.flowi6_oif	= sk->sk_bound_dev_if,
		.flowi6_proto	= sk->sk_protocol,
		.saddr		= inet6_sk(sk)->saddr,
		.daddr		= sk->sk_v6_daddr,
		.fl6_sport	= inet_sk(sk)->inet_sport,
		.fl6_dport	= inet_sk(sk)->inet_dport,
	};

	rcu_read_lock();
	pdm_flow_key_xmit(key, &fl6, __sk_dst_get(sk));
	rcu_read_unlock();
}

/* PDMv2's option type in @sk's netns, or RFC 8250's for version 1. */
static u8 pdm_tx_type(const struct sock *sk, u8 version)
{
	return version == 2 ? READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type) :
			      IPV6_TLV_PDM;
}

/*
 * Octets PDM of @version adds to the final destination options header of
 * @opt; 0 when the socket's own options leave no room for it.
 */
static unsigned int pdm_extra_len(const struct sock *sk,
				  const struct ipv6_txoptions *opt, u8 version)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	u8 v2_type = READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type);
	unsigned int len = pdm_doh_len(dst1, version, v2_type);

	return len ? len - (dst1 ? ipv6_optlen(dst1) : 0) : 0;
}

/**
 * __ipv6_pdm_xmit_len - octets PDM adds on the fly to a packet ip6_xmit() sends
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @fl6: the packet's flow
 *
 * TCP segments that no connection of a stream socket sends: a listener's
 * SYN-ACKs (as the listener decides), ACKs and resets of time-wait
 * sockets and of the netns' control socket (as the netns decides). They
 * carry no data, so they need no room reserved. A connected stream socket
 * has a slot for PDM, or no PDM, for life (see ipv6_pdm_sk_opt()); other
 * users of ip6_xmit() get none.
 *
 * Return: how much longer than @opt's final destination options header
 * the header grows with PDM in it, or 0 if the packet gets no PDM here:
 * room for PDMv2, or for RFC 8250 where only that fits.
 */
unsigned int __ipv6_pdm_xmit_len(const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6)
{
	unsigned int len;

	if ((opt && opt->pdm_off) ||
	    (sk_fullsock(sk) && sk->sk_type == SOCK_STREAM &&
	     !ipv6_addr_any(&sk->sk_v6_daddr)) ||
	    fl6->flowi6_proto != IPPROTO_TCP ||
	    ipv6_addr_is_multicast(&fl6->daddr) ||
	    !pdm_mode(sk, sock_net(sk), &fl6->daddr))
		return 0;
	len = pdm_extra_len(sk, opt, 2) ?: pdm_extra_len(sk, opt, 1);
	if (!len)
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTSKIPPED);
	return len;
}

/*
 * The PDM fields of a packet about to be sent on the flow of @key, in an
 * option of @version and @type.
 */
static void pdm_xmit_info(const struct sock *sk,
			  const struct pdm_flow_key *key, u8 version, u8 type,
			  struct pdm_info *pi)
{
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	bool on = pdm_mode(sk, sock_net(sk), &key->remote);
	struct pdm_flow *f;

	memset(pi, 0, sizeof(*pi));
	rcu_read_lock();
	f = pdm_sk_flow(sk, key);
	if (!f && on)
		f = pdm_flow_get(pn, key);
	if (f)
		pdm_flow_tx(f, ktime_get_ns(), pi);
	rcu_read_unlock();
	pi->version = version;
	pi->type = type;
	if (version == 2)
		pi->gp = pdm_gp_next(pn, &key->local);
	if (!on) {
		/* Disabled since the slot was made: nothing is measured. */
		pi->psnlr = 0;
		pi->scale_dtlr = 0;
		pi->delta_tlr = 0;
		pi->scale_dtls = 0;
		pi->delta_tls = 0;
	}
	PDM_INC_STATS(pn, PDM_MIB_OUTPKTS);
}

/**
 * ipv6_pdm_push - push the final Destination Options header, with PDM
 * @skb: the packet, data at the upper-layer header
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @proto: the upper-layer protocol
 * @fl6: the packet's flow
 * @dst: its route
 * @room: what ipv6_pdm_xmit_len() returned: the headroom left for PDM
 *
 * Stands for ipv6_push_frag_opts() on a packet ipv6_pdm_xmit_len() sized
 * for PDM, with headroom for it.
 *
 * Return: the next header value for the header in front.
 */
u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
		 struct ipv6_txoptions *opt, u8 proto, const struct flowi6 *fl6,
		 const struct dst_entry *dst, unsigned int room)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	u8 v2_type = READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type);
	struct pdm_flow_key key;
	struct pdm_info pi;
	unsigned int len;
	u8 version;

	pdm_flow_key_xmit(&key, fl6, dst);
	version = pdm_tx_version(sk, &key);
	len = pdm_extra_len(sk, opt, version);
	/* Only RFC 8250 fits what ipv6_pdm_xmit_len() found room for. */
	if (!len || len > room)
		version = 1;
	len = pdm_doh_len(dst1, version, v2_type);
	if (WARN_ON_ONCE(!len || len - (dst1 ? ipv6_optlen(dst1) : 0) > room))
		return dst1 ? ipv6_push_frag_opts(skb, opt, proto) : proto;
	pdm_xmit_info(sk, &key, version, pdm_tx_type(sk, version), &pi);
	pdm_doh_build(skb_push(skb, len), len, dst1, proto, &pi, v2_type);
	return NEXTHDR_DEST;
}

/**
 * __ipv6_pdm_cork - see ipv6_pdm_cork()
 * @sk: the socket
 * @v6_cork: the cork
 * @ipc6: the packet's settings
 * @fl6: the packet's flow
 * @dst: its route
 *
 * UDP, UDP-Lite, raw and ping sockets, and ICMPv6 echo replies, on every
 * send: the cork's copy of the final destination options header is made
 * again with a slot for PDM, so that sizing, fragmentation, and the raw
 * checksum offset count its octets as any option's. Never ICMPv6 errors
 * (nor ND or MLD, which do not come this way), nor UDP GSO sends, whose
 * segments would share one header and so one PSN. The slot is for the
 * version pdm_tx_version() chooses, which ipv6_pdm_fill() then writes.
 *
 * Return: 0, or -ENOBUFS.
 */
int __ipv6_pdm_cork(struct sock *sk, struct inet6_cork *v6_cork,
		    const struct ipcm6_cookie *ipc6, const struct flowi6 *fl6,
		    const struct dst_entry *dst)
{
	u8 v2_type = READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type);
	struct ipv6_txoptions *opt = v6_cork->opt;
	const struct ipv6_opt_hdr *dst1;
	struct pdm_flow_key key;
	struct pdm_info blank;
	unsigned int len;
	u8 *buf;

	if (ipc6->gso_size || ipv6_addr_is_multicast(&fl6->daddr) ||
	    !pdm_mode(sk, sock_net(sk), &fl6->daddr))
		return 0;
	if (fl6->flowi6_proto == IPPROTO_ICMPV6 &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REQUEST &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REPLY)
		return 0;

	pdm_flow_key_xmit(&key, fl6, dst);
	memset(&blank, 0, sizeof(blank));
	blank.version = pdm_tx_version(sk, &key);
	blank.type = pdm_tx_type(sk, blank.version);
	dst1 = opt ? opt->dst1opt : NULL;
	len = pdm_doh_len(dst1, blank.version, v2_type);
	if (!len) {
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTSKIPPED);
		return 0;
	}
	buf = kmalloc(len, sk->sk_allocation);
	if (!buf)
		return -ENOBUFS;
	if (!opt) {
		opt = kzalloc(sizeof(*opt), sk->sk_allocation);
		if (!opt) {
			kfree(buf);
			return -ENOBUFS;
		}
		opt->tot_len = sizeof(*opt);
		v6_cork->opt = opt;
	}
	opt->pdm_off = pdm_doh_build(buf, len, dst1, 0, &blank, v2_type);
	opt->opt_flen += len - (dst1 ? ipv6_optlen(dst1) : 0);
	kfree(opt->dst1opt);
	opt->dst1opt = (struct ipv6_opt_hdr *)buf;
	return 0;
}

/**
 * __ipv6_pdm_fill - see ipv6_pdm_fill()
 * @skb: the packet, data at the final destination options header
 * @sk: the sending socket
 * @off: where PDM's slot is in the header
 * @fl6: the packet's flow
 * @dst: its route
 *
 * The send time is taken here, after routing, before the qdisc. The slot
 * says the version and type: those chosen when it was made.
 */
void __ipv6_pdm_fill(struct sk_buff *skb, const struct sock *sk,
		     unsigned int off, const struct flowi6 *fl6,
		     const struct dst_entry *dst)
{
	u8 *slot = skb->data + off;
	struct pdm_flow_key key;
	struct pdm_info pi;

	pdm_flow_key_xmit(&key, fl6, dst);
	pdm_xmit_info(sk, &key, pdm_opt_version(slot[1]), slot[0], &pi);
	pdm_opt_write(slot, &pi);
}
