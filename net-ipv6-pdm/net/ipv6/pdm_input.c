// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): receive.
 *
 * ip6_parse_tlv() notes a PDM option (ipv6_pdm_note()); the upper layer
 * has it accounted here once it accepts the packet.
 */

#include <kunit/visibility.h>
#include <net/pdm.h>
#include <net/sock.h>
#include <net/tcp.h>
#include "pdm_internal.h"

/**
 * pdm_flow_key_rcv - the flow of a received packet, from this node
 * @key: returns the key
 * @skb: the packet, as the upper layer accepts it: its transport header
 *	is the upper-layer header
 * @opt: its IPv6 control block, where the upper layer keeps it
 * @proto: the upper-layer protocol
 *
 * The upper layer has checked that its header is there. Its ports, not
 * the headers in between (ESP, AH), key the flow; protocols without
 * ports (ICMPv6 among them) use port 0.
 *
 * Return: false if the packet is not to be accounted: a multicast one.
 */
VISIBLE_IF_KUNIT bool pdm_flow_key_rcv(struct pdm_flow_key *key,
				       const struct sk_buff *skb,
				       const struct inet6_skb_parm *opt,
				       u8 proto)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	__be16 sport = 0, dport = 0;
	int iif = opt->iif, sdif = 0;

	if (ipv6_addr_is_multicast(&ip6h->daddr))
		return false;
	if (pdm_proto_has_ports(proto)) {
		const __be16 *ports = (const __be16 *)skb_transport_header(skb);

		sport = ports[0];
		dport = ports[1];
	}
	/* As inet6_iif() and inet6_sdif(), from @opt. */
	if (IS_ENABLED(CONFIG_NET_L3_MASTER_DEV) &&
	    ipv6_l3mdev_skb(opt->flags)) {
		sdif = opt->iif;
		iif = skb->skb_iif;
	}
	pdm_flow_key_init(key, &ip6h->daddr, &ip6h->saddr, proto, dport,
			  sport);
	key->ifindex = pdm_flow_ifindex(&ip6h->saddr, sdif ?: iif);
	key->l3mdev = sdif ? iif : 0;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_key_rcv);

/**
 * __ipv6_pdm_note - see ipv6_pdm_note()
 * @skb: the packet
 * @type: the option's type
 *
 * Return: false where neither the netns nor a socket of it uses PDM, or
 * @type is neither RFC 8250's nor the netns' PDMv2 type.
 */
bool __ipv6_pdm_note(struct sk_buff *skb, u8 type)
{
	struct net *net = dev_net(skb->dev);

	if (!pdm_is_type(type, READ_ONCE(net->ipv6.pdm->v2_type)) ||
	    (!READ_ONCE(net->ipv6.sysctl.pdm_enabled) &&
	     !READ_ONCE(net->ipv6.pdm->optin)))
		return false;
	IP6CB(skb)->flags |= IP6SKB_PDM;
	return true;
}

/*
 * Open the protected option @opt of @skb with the receive key of its
 * source and Epoch; on success @pi has all its fields. Caller holds
 * rcu_read_lock(), so the key outlives its use.
 */
static bool pdm_rcv_open(struct pdm_net *pn, const struct sk_buff *skb,
			 const u8 *opt, struct pdm_info *pi)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	u8 plain[PDM_V2P_SEALED_LEN];
	struct pdm_key *k;

	k = pdm_key_rx(pn, &ip6->saddr, pi->epoch);
	if (!k) {
		PDM_INC_STATS(pn, PDM_MIB_INNOKEY);
		return false;
	}
	if (pdm_open(k, opt, &ip6->saddr, &ip6->daddr, plain)) {
		PDM_INC_STATS(pn, PDM_MIB_INAUTHFAILED);
		return false;
	}
	pdm_parse_sealed(plain, pi);
	memzero_explicit(plain, sizeof(plain));
	return true;
}

/* An option in clear from a source a receive key covers is not taken. */
static bool pdm_rcv_downgrade(struct pdm_net *pn, const struct sk_buff *skb)
{
	if (!pdm_key_rx_covers(pn, &ipv6_hdr(skb)->saddr))
		return false;
	PDM_INC_STATS(pn, PDM_MIB_INUNPROTECTED);
	return true;
}

/*
 * Account the PDM option of an accepted packet. ipv6_pdm_note() marked the
 * packet when ip6_parse_tlv() found the option; the option counted is the
 * one of the final destination options header, the header in front of the
 * upper layer or of ESP or AH. The option's action bits say skip, so this
 * never drops the packet: an option that does not parse is counted and
 * ignored. A reassembled datagram is accounted once; a GSO packet whose
 * sender took a PSN for each segment, and that came whole (over veth or
 * loopback), as those segments.
 */
static void pdm_rcv(const struct sock *sk, struct sk_buff *skb,
		    const struct inet6_skb_parm *opt, u8 proto)
{
	struct net *net = sk ? sock_net(sk) : dev_net(skb->dev);
	struct pdm_net *pn = net->ipv6.pdm;
	u8 v2_type = READ_ONCE(pn->v2_type);
	u64 now = ktime_get_ns();
	unsigned int len, segs = 1;
	struct pdm_flow_key key;
	struct pdm_flow *f;
	struct pdm_info pi;
	const u8 *p;

	if (!opt->dst1 || !pdm_mode(sk, net, &ipv6_hdr(skb)->saddr))
		return;
	p = pdm_find((void *)(skb_network_header(skb) + opt->dst1), v2_type);
	if (!p || !pdm_flow_key_rcv(&key, skb, opt, proto))
		return;
	if (pdm_parse(p, 2 + p[1], v2_type, &pi) != PDM_OK) {
		PDM_INC_STATS(pn, PDM_MIB_INMALFORMED);
		return;
	}

	/* The upper layer's octets, wherever its data is now. */
	len = skb->len - skb_transport_offset(skb);
	if (skb_is_gso(skb) && (skb_shinfo(skb)->gso_type & SKB_GSO_PDM))
		segs = max_t(u16, skb_shinfo(skb)->gso_segs, 1);

	rcu_read_lock();
	if (pi.prot ? !pdm_rcv_open(pn, skb, p, &pi) :
		      pdm_rcv_downgrade(pn, skb))
		goto unlock;
	f = pdm_sk_flow(sk, &key);
	if (!f)
		f = pdm_flow_get(pn, &key);
	if (f && !pdm_flow_rx_n(f, now, len, segs, &pi)) {
		PDM_INC_STATS(pn, PDM_MIB_INREPLAYED);
		goto unlock;
	}
	PDM_ADD_STATS(pn, PDM_MIB_INPKTS, segs);
	if (pi.prot)
		PDM_ADD_STATS(pn, PDM_MIB_INPROTECTED, segs);
	rcu_read_unlock();
	pdm_nl_monitor(net, &key, &pi, len);
	return;
unlock:
	rcu_read_unlock();
}

/**
 * __ipv6_pdm_rcv - see ipv6_pdm_rcv()
 * @sk: the socket the packet goes to, or NULL
 * @skb: the packet, its IP6CB intact
 * @proto: the upper-layer protocol
 */
void __ipv6_pdm_rcv(const struct sock *sk, struct sk_buff *skb, u8 proto)
{
	pdm_rcv(sk, skb, IP6CB(skb), proto);
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_rcv);

/**
 * __ipv6_pdm_tcp_rcv - see ipv6_pdm_tcp_rcv()
 * @sk: the socket that accepts the segment
 * @skb: the segment, its IPv6 control block moved into TCP_SKB_CB()
 */
void __ipv6_pdm_tcp_rcv(const struct sock *sk, struct sk_buff *skb)
{
	pdm_rcv(sk, skb, &TCP_SKB_CB(skb)->header.h6, IPPROTO_TCP);
}
