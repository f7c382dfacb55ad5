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

/* PDMv2's option type in @sk's netns, or RFC 8250's for form 1. */
static u8 pdm_tx_type(const struct sock *sk, u8 form)
{
	return form >= 2 ? READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type) :
			   IPV6_TLV_PDM;
}

/*
 * Octets PDM of @form adds to the final destination options header of
 * @opt; 0 when the socket's own options leave no room for it.
 */
static unsigned int pdm_extra_len(const struct sock *sk,
				  const struct ipv6_txoptions *opt, u8 form)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	u8 v2_type = READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type);
	unsigned int len = pdm_doh_len(dst1, form, v2_type);

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
 * room for protected PDMv2, or for what fits of the other forms.
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
	len = pdm_extra_len(sk, opt, PDM_FORM_V2P) ?:
	      pdm_extra_len(sk, opt, 2) ?: pdm_extra_len(sk, opt, 1);
	if (!len)
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTSKIPPED);
	return len;
}

/*
 * The PDM fields of a packet of @len upper-layer octets about to be sent
 * on the flow of @key, in an option of @version and @type; for a GSO
 * packet of @segs segments, those of the first.
 */
static void pdm_xmit_info(const struct sock *sk,
			  const struct pdm_flow_key *key, u8 version, u8 type,
			  unsigned int len, unsigned int segs,
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
		pdm_flow_tx_n(f, ktime_get_ns(), len, segs, pi);
	rcu_read_unlock();
	pi->version = version;
	pi->type = type;
	if (version == 2)
		pi->gp = pdm_gp_next(pn, &key->local, segs);
	if (!on) {
		/* Disabled since the slot was made: nothing is measured. */
		pi->psnlr = 0;
		pi->scale_dtlr = 0;
		pi->delta_tlr = 0;
		pi->scale_dtls = 0;
		pi->delta_tls = 0;
	}
	PDM_ADD_STATS(pn, PDM_MIB_OUTPKTS, segs);
}

/*
 * Fill the slot @slot of @form, of a packet of @len upper-layer octets
 * about to be sent on the flow of @key, a GSO packet of @segs segments or
 * a packet (1). A protected option is sealed under the transmit key of
 * the peer; without one now (deleted since the slot was made, or used
 * up), the slot becomes an option receivers skip: the packet goes without
 * PDM and the flow's state does not move.
 */
static void pdm_fill_slot(u8 *slot, const struct sock *sk,
			  const struct pdm_flow_key *key, u8 form, u8 type,
			  unsigned int len, unsigned int segs)
{
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	struct pdm_info pi;
	struct pdm_key *k;
	u64 iv;

	if (form != PDM_FORM_V2P) {
		pdm_xmit_info(sk, key, form, type, len, segs, &pi);
		pdm_opt_write(slot, &pi);
		return;
	}
	rcu_read_lock();
	k = pdm_key_tx(pn, &key->remote);
	if (k && pdm_key_next_ivs(k, segs, &iv)) {
		pdm_xmit_info(sk, key, 2, type, len, segs, &pi);
		pi.prot = 1;
		/* The Epoch names the key. */
		pi.epoch = k->epoch;
		pdm_opt_write(slot, &pi);
		if (!pdm_seal(k, slot, iv, &key->local, &key->remote)) {
			rcu_read_unlock();
			PDM_ADD_STATS(pn, PDM_MIB_OUTPROTECTED, segs);
			return;
		}
	}
	rcu_read_unlock();
	pdm_opt_blank(slot, PDM_V2P_OPT_SIZE);
	PDM_ADD_STATS(pn, PDM_MIB_OUTNOKEY, segs);
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
	struct pdm_info blank = {};
	struct pdm_flow_key key;
	unsigned int len, off;
	u8 *buf, form, want;

	pdm_flow_key_xmit(&key, fl6, dst);
	form = pdm_tx_form(sk, &key);
	want = form;
	len = pdm_extra_len(sk, opt, form);
	/* Only what ipv6_pdm_xmit_len() found room for: RFC 8250 at least. */
	if (!len || len > room) {
		len = pdm_extra_len(sk, opt, 2);
		form = len && len <= room ? 2 : 1;
	}
	len = pdm_doh_len(dst1, form, v2_type);
	if (WARN_ON_ONCE(!len || len - (dst1 ? ipv6_optlen(dst1) : 0) > room))
		return dst1 ? ipv6_push_frag_opts(skb, opt, proto) : proto;
	blank.version = form == 1 ? 1 : 2;
	blank.prot = form == PDM_FORM_V2P;
	blank.type = pdm_tx_type(sk, form);
	buf = skb_push(skb, len);
	off = pdm_doh_build(buf, len, dst1, proto, &blank, v2_type);
	if (want == PDM_FORM_V2P && form != want) {
		/* Never in clear to a peer that has a key. */
		pdm_opt_blank(buf + off, pdm_opt_size(form));
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTNOKEY);
	} else {
		pdm_fill_slot(buf + off, sk, &key, form, blank.type,
			      skb->len - len, 1);
	}
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
 * send: the cork gets a final destination options header with a slot for
 * PDM, so that sizing, fragmentation, and the raw checksum offset count
 * its octets as any option's. Without options of its own, the send shares
 * the socket's header (see pdm_sk_cork_opt()); with them, the cork's copy
 * of the final header is made again with the slot. Never ICMPv6 errors
 * (nor ND or MLD, which do not come this way), nor UDP GSO sends, whose
 * segments would share one header and so one PSN. The slot is for the
 * form pdm_tx_form() chooses, which ipv6_pdm_fill() then writes.
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
	u8 *buf, form;

	if (ipc6->gso_size || ipv6_addr_is_multicast(&fl6->daddr) ||
	    !pdm_mode(sk, sock_net(sk), &fl6->daddr))
		return 0;
	if (fl6->flowi6_proto == IPPROTO_ICMPV6 &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REQUEST &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REPLY)
		return 0;

	pdm_flow_key_xmit(&key, fl6, dst);
	form = pdm_tx_form(sk, &key);
	if (!opt) {
		/* The common case: the socket's own header, shared. */
		opt = pdm_sk_cork_opt(sk, form, sk->sk_allocation);
		if (!opt)
			return -ENOBUFS;
		v6_cork->opt = opt;
		v6_cork->opt_ref = 1;
		return 0;
	}
	memset(&blank, 0, sizeof(blank));
	blank.version = form == 1 ? 1 : 2;
	blank.prot = form == PDM_FORM_V2P;
	blank.type = pdm_tx_type(sk, form);
	dst1 = opt->dst1opt;
	len = pdm_doh_len(dst1, form, v2_type);
	if (!len) {
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTSKIPPED);
		return 0;
	}
	buf = kmalloc(len, sk->sk_allocation);
	if (!buf)
		return -ENOBUFS;
	opt->pdm_off = pdm_doh_build(buf, len, dst1, 0, &blank, v2_type);
	opt->opt_flen += len - (dst1 ? ipv6_optlen(dst1) : 0);
	kfree(opt->dst1opt);
	opt->dst1opt = (struct ipv6_opt_hdr *)buf;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_cork);

/**
 * __ipv6_pdm_fill - see ipv6_pdm_fill()
 * @skb: the packet, data at the final destination options header
 * @sk: the sending socket
 * @off: where PDM's slot is in the header
 * @fl6: the packet's flow
 * @dst: its route
 *
 * The send time is taken here, after routing, before the qdisc. The slot
 * says the form and type: those chosen when it was made. A GSO packet
 * takes a PSN for each of its segments, and SKB_GSO_PDM has the stack
 * give them out when it segments the packet: in software, as no device
 * can (see ipv6_pdm_gso_segment()).
 */
void __ipv6_pdm_fill(struct sk_buff *skb, const struct sock *sk,
		     unsigned int off, const struct flowi6 *fl6,
		     const struct dst_entry *dst)
{
	unsigned int segs = 1;
	u8 *slot = skb->data + off;
	struct pdm_flow_key key;

	if (skb_is_gso(skb)) {
		skb_shinfo(skb)->gso_type |= SKB_GSO_PDM;
		segs = max_t(u16, skb_shinfo(skb)->gso_segs, 1);
	}
	pdm_flow_key_xmit(&key, fl6, dst);
	pdm_fill_slot(slot, sk, &key, pdm_opt_version(slot[1]), slot[0],
		      skb->len - ipv6_optlen((struct ipv6_opt_hdr *)skb->data),
		      segs);
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_fill);
