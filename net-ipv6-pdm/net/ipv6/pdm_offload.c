// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): segmentation offload.
 *
 * A GSO packet of a flow with PDM took a PSN for each of its segments
 * (pdm_flow_tx_n()), and its option holds the first one's fields. When the
 * stack segments it, each segment gets its own: the PSN This Packet and
 * Global Pointer of the first plus its index, and, protected, its own IV
 * and seal. A device cannot do this, so SKB_GSO_PDM keeps such packets
 * from any that would segment them.
 *
 * GRO does the reverse: it merges TCP segments whose options are those
 * segmentation would give, and the packet it makes is accounted as the
 * segments it stands for, as one that came whole.
 */

#include <kunit/visibility.h>
#include <linux/unaligned.h>
#include <net/pdm.h>
#include <net/sock.h>
#include "pdm_internal.h"

/*
 * Where the PDM option of the final destination options header is, in the
 * headers at @nh, @avail octets from the IPv6 header on: its offset from
 * @nh, or 0 for none. @proto returns the upper-layer protocol after it,
 * @thoff the upper-layer header's offset from @nh.
 */
static unsigned int pdm_hdrs_find(const u8 *nh, unsigned int avail,
				  u8 v2_type, u8 *proto, unsigned int *thoff)
{
	unsigned int off = sizeof(struct ipv6hdr), len;
	const struct ipv6_opt_hdr *h;
	const u8 *p;
	u8 nexthdr;

	if (avail < off)
		return 0;
	nexthdr = ((const struct ipv6hdr *)nh)->nexthdr;
	while (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
	       nexthdr == NEXTHDR_DEST) {
		if (avail < off + sizeof(*h))
			return 0;
		h = (const struct ipv6_opt_hdr *)(nh + off);
		len = ipv6_optlen(h);
		if (avail < off + len)
			return 0;
		if (nexthdr == NEXTHDR_DEST && !ipv6_ext_hdr(h->nexthdr)) {
			p = pdm_find(h, v2_type);
			*proto = h->nexthdr;
			*thoff = off + len;
			return p ? p - nh : 0;
		}
		nexthdr = h->nexthdr;
		off += len;
	}
	return 0;
}

/**
 * pdm_gso_find - where the PDM option of a packet about to be segmented is
 * @skb: the packet, or a segment of it, from its network header on
 * @v2_type: the option type PDMv2 uses
 *
 * The option of the final destination options header, the one in front of
 * the upper layer, as the receiver reads it. The stack pulled the headers
 * into the linear part before segmenting.
 *
 * Return: its offset from the network header, or 0 for none.
 */
VISIBLE_IF_KUNIT unsigned int pdm_gso_find(const struct sk_buff *skb,
					   u8 v2_type)
{
	unsigned int thoff;
	u8 proto;

	return pdm_hdrs_find(skb_network_header(skb),
			     skb_headlen(skb) - skb_network_offset(skb),
			     v2_type, &proto, &thoff);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_gso_find);

/**
 * pdm_gso_info - the PDM fields of segment @i of a GSO packet
 * @first: those of its first segment
 * @i: the segment's index
 * @pi: returns them
 *
 * PSN This Packet and Global Pointer count on from the first segment's,
 * as the sender took them; the rest is the same, all segments having left
 * at once. PDMv2 in clear steps its Epoch where the PSN wraps, as
 * pdm_flow_tx_n() does; protected PDMv2's Epoch names the key.
 */
VISIBLE_IF_KUNIT void pdm_gso_info(const struct pdm_info *first,
				   unsigned int i, struct pdm_info *pi)
{
	*pi = *first;
	pi->psntp = first->psntp + i;
	if (pi->version == 1) {
		pi->psntp &= 0xffff;
		return;
	}
	pi->gp = first->gp + i;
	if (!pi->prot && pi->psntp < first->psntp)
		pi->epoch = (first->epoch + 1) & PDM_V2_EPOCH_MASK;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_gso_info);

/*
 * The segments after the first go without PDM: the option of @size octets
 * at @off from their network header becomes one receivers skip.
 */
static void pdm_gso_blank(struct pdm_net *pn, struct sk_buff *segs,
			  unsigned int off, unsigned int size)
{
	struct sk_buff *seg;

	for (seg = segs->next; seg; seg = seg->next) {
		pdm_opt_blank(skb_network_header(seg) + off, size);
		PDM_INC_STATS(pn, PDM_MIB_OUTNOKEY);
	}
}

/**
 * __ipv6_pdm_gso_segment - see ipv6_pdm_gso_segment()
 * @segs: the segments ipv6_gso_segment() made, network headers set
 * @gso_skb: the packet they were made from
 *
 * The first segment keeps the option ipv6_pdm_fill() wrote. A protected
 * option is opened once with the transmit key that sealed it, and each
 * other segment sealed with the next IV the sender took for it. If that
 * key is gone (deleted or replaced since), they go without PDM, counted
 * in Pdm6OutNoKey.
 */
void __ipv6_pdm_gso_segment(struct sk_buff *segs,
			    const struct sk_buff *gso_skb)
{
	const struct sock *sk = gso_skb->sk;
	struct net *net = sk && sk_fullsock(sk) ? sock_net(sk) :
						  dev_net(gso_skb->dev);
	struct pdm_net *pn = net->ipv6.pdm;
	u8 v2_type = READ_ONCE(pn->v2_type);
	struct pdm_key *k = NULL;
	struct pdm_info first, pi;
	const struct ipv6hdr *ip6;
	unsigned int off, i;
	struct sk_buff *seg;
	u8 *p, plain[PDM_V2P_SEALED_LEN];
	u64 iv = 0;

	if (!segs->next)
		return;
	off = pdm_gso_find(segs, v2_type);
	if (!off)
		return;
	p = skb_network_header(segs) + off;
	if (pdm_parse(p, 2 + p[1], v2_type, &first) != PDM_OK)
		return;
	ip6 = ipv6_hdr(segs);

	rcu_read_lock();
	if (first.prot) {
		k = pdm_key_tx(pn, &ip6->daddr);
		if (!k || k->epoch != first.epoch ||
		    pdm_open(k, p, &ip6->saddr, &ip6->daddr, plain)) {
			pdm_gso_blank(pn, segs, off, PDM_V2P_OPT_SIZE);
			goto out;
		}
		pdm_parse_sealed(plain, &first);
		memzero_explicit(plain, sizeof(plain));
		iv = get_unaligned_be64(p + PDM_V2P_IV_OFF);
	}
	for (seg = segs->next, i = 1; seg; seg = seg->next, i++) {
		p = skb_network_header(seg) + off;
		pdm_gso_info(&first, i, &pi);
		pdm_opt_write(p, &pi);
		if (k && pdm_seal(k, p, iv + i, &ip6->saddr, &ip6->daddr)) {
			pdm_opt_blank(p, PDM_V2P_OPT_SIZE);
			PDM_INC_STATS(pn, PDM_MIB_OUTNOKEY);
		}
	}
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_gso_segment);

/**
 * __ipv6_pdm_gro_same - see ipv6_pdm_gro_same()
 * @skb: the TCP segment arriving
 * @held: the IPv6 header of a packet GRO holds, with its extension headers
 * @iph: that of @skb, with as many octets of extension headers
 * @nlen: the length of either, IPv6 header included
 * @count: the segments @held stands for
 *
 * Return: -1 where @held has no PDM option, or is not a TCP segment whose
 * headers are @nlen octets long: the caller compares the headers as for
 * any packet. Else 1 if @iph's are those segmentation
 * gives segment @count of a GSO packet whose first segment is @held (see
 * pdm_gso_info()): the same octets but for PSN This Packet and the Global
 * Pointer, @count on. Else 0: equal options are duplicates, and a
 * protected option is opened for itself.
 */
int __ipv6_pdm_gro_same(const struct sk_buff *skb, const struct ipv6hdr *held,
			const struct ipv6hdr *iph, unsigned int nlen, u16 count)
{
	u8 v2_type = READ_ONCE(dev_net(skb->dev)->ipv6.pdm->v2_type);
	const u8 *a = (const u8 *)held, *b = (const u8 *)iph;
	unsigned int off, size, thoff;
	struct pdm_info first, pi;
	u8 opt[PDM_V2_OPT_SIZE];
	u8 proto;

	/* So the caller can read the ports of @held, as of @iph, at @nlen. */
	off = pdm_hdrs_find(a, nlen, v2_type, &proto, &thoff);
	if (!off || thoff != nlen || proto != IPPROTO_TCP)
		return -1;
	size = 2 + a[off + 1];
	if (pdm_parse(a + off, size, v2_type, &first) != PDM_OK ||
	    first.prot || size != pdm_opt_size(pdm_form(&first)))
		return 0;
	pdm_gso_info(&first, count, &pi);
	pdm_opt_write(opt, &pi);
	return !memcmp(a + sizeof(*held), b + sizeof(*iph),
		       off - sizeof(*held)) &&
	       !memcmp(b + off, opt, size) &&
	       !memcmp(a + off + size, b + off + size, nlen - off - size);
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_gro_same);

/**
 * __ipv6_pdm_gro_complete - see ipv6_pdm_gro_complete()
 * @skb: a packet GRO made of several segments
 * @nhoff: the offset of its IPv6 header
 *
 * With a PDM option, the packet is TCP segments that
 * __ipv6_pdm_gro_same() merged: SKB_GSO_PDM has the receiver account the
 * segments, and a device it is forwarded to leaves their segmentation to
 * ipv6_pdm_gso_segment(), which gives each its option back.
 */
void __ipv6_pdm_gro_complete(struct sk_buff *skb, int nhoff)
{
	u8 v2_type = READ_ONCE(dev_net(skb->dev)->ipv6.pdm->v2_type);
	unsigned int thoff;
	u8 proto;

	if (pdm_hdrs_find(skb->data + nhoff, skb_headlen(skb) - nhoff,
			  v2_type, &proto, &thoff) && proto == IPPROTO_TCP)
		skb_shinfo(skb)->gso_type |= SKB_GSO_PDM;
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_gro_complete);
