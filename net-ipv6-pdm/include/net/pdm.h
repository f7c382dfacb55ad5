/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 Performance and Diagnostic Metrics (PDM), RFC 8250: what the rest
 * of the IPv6 stack calls. The internals are in net/ipv6/pdm_internal.h.
 */

#ifndef _NET_PDM_H
#define _NET_PDM_H

#include <linux/ipv6.h>
#include <linux/jump_label_ratelimit.h>
#include <linux/skbuff.h>
#include <net/flow.h>
#include <net/net_namespace.h>

struct dst_entry;
struct ipv6_txoptions;
struct seq_file;
struct sock;

#if IS_ENABLED(CONFIG_IPV6_PDM)

/* On while PDM is enabled in a netns; turned off at most once a second. */
extern struct static_key_false_deferred ipv6_pdm_needed;

int ipv6_pdm_init(void);
void ipv6_pdm_exit(void);
void ipv6_pdm_snmp6_seq_show(struct seq_file *seq, struct net *net);

static inline bool ipv6_pdm_enabled(const struct net *net)
{
	return static_branch_unlikely(&ipv6_pdm_needed.key) &&
	       READ_ONCE(net->ipv6.sysctl.pdm_enabled);
}

void __ipv6_pdm_rcv(struct sock *sk, struct sk_buff *skb, u8 proto);

/**
 * ipv6_pdm_note - note a PDM option found by ip6_parse_tlv()
 * @skb: the packet
 *
 * The option is accounted later, by ipv6_pdm_rcv(), once the upper layer
 * has accepted the packet.
 *
 * Return: false where PDM is disabled: the option is then an unknown one.
 */
static inline bool ipv6_pdm_note(struct sk_buff *skb)
{
	if (!ipv6_pdm_enabled(dev_net(skb->dev)))
		return false;
	IP6CB(skb)->flags |= IP6SKB_PDM;
	return true;
}

/* Whether the upper layer is to call ipv6_pdm_rcv() for @skb. */
static inline bool ipv6_pdm_pending(const struct sk_buff *skb)
{
	return static_branch_unlikely(&ipv6_pdm_needed.key) &&
	       (IP6CB(skb)->flags & IP6SKB_PDM);
}

/**
 * ipv6_pdm_rcv - account the PDM option of a packet the upper layer accepts
 * @sk: the socket it goes to, or NULL if the kernel answers it
 * @skb: the packet, its IP6CB intact, its transport header set
 * @proto: the upper-layer protocol
 *
 * The caller has checked the upper-layer checksum.
 */
static inline void ipv6_pdm_rcv(struct sock *sk, struct sk_buff *skb,
				u8 proto)
{
	if (ipv6_pdm_pending(skb))
		__ipv6_pdm_rcv(sk, skb, proto);
}

unsigned int __ipv6_pdm_xmit_len(const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6);
unsigned int __ipv6_pdm_cork_len(const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6);
u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
		 struct ipv6_txoptions *opt, u8 proto, const struct flowi6 *fl6,
		 const struct dst_entry *dst);
void __ipv6_pdm_tcp_init(struct sock *sk, const struct ipv6_txoptions *opt);
unsigned int ipv6_pdm_tcp_len(const struct sock *sk,
			      const struct ipv6_txoptions *opt);

/* Octets PDM adds to a packet ip6_xmit() sends; 0 if none. */
static inline unsigned int ipv6_pdm_xmit_len(const struct sock *sk,
					     const struct ipv6_txoptions *opt,
					     const struct flowi6 *fl6)
{
	if (!static_branch_unlikely(&ipv6_pdm_needed.key))
		return 0;
	return __ipv6_pdm_xmit_len(sk, opt, fl6);
}

/* Octets PDM adds to a packet ip6_append_data() builds; 0 if none. */
static inline unsigned int ipv6_pdm_cork_len(const struct sock *sk,
					     const struct ipv6_txoptions *opt,
					     const struct flowi6 *fl6)
{
	if (!static_branch_unlikely(&ipv6_pdm_needed.key))
		return 0;
	return __ipv6_pdm_cork_len(sk, opt, fl6);
}

static inline void ipv6_pdm_tcp_init(struct sock *sk,
				     const struct ipv6_txoptions *opt)
{
	if (static_branch_unlikely(&ipv6_pdm_needed.key))
		__ipv6_pdm_tcp_init(sk, opt);
}

#else

static inline int ipv6_pdm_init(void)
{
	return 0;
}

static inline void ipv6_pdm_exit(void)
{
}

static inline void ipv6_pdm_snmp6_seq_show(struct seq_file *seq,
					   struct net *net)
{
}

static inline bool ipv6_pdm_note(struct sk_buff *skb)
{
	return false;
}

static inline bool ipv6_pdm_pending(const struct sk_buff *skb)
{
	return false;
}

static inline void ipv6_pdm_rcv(struct sock *sk, struct sk_buff *skb,
				u8 proto)
{
}

static inline unsigned int ipv6_pdm_xmit_len(const struct sock *sk,
					     const struct ipv6_txoptions *opt,
					     const struct flowi6 *fl6)
{
	return 0;
}

static inline unsigned int ipv6_pdm_cork_len(const struct sock *sk,
					     const struct ipv6_txoptions *opt,
					     const struct flowi6 *fl6)
{
	return 0;
}

static inline u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
			       struct ipv6_txoptions *opt, u8 proto,
			       const struct flowi6 *fl6,
			       const struct dst_entry *dst)
{
	return proto;
}

static inline void ipv6_pdm_tcp_init(struct sock *sk,
				     const struct ipv6_txoptions *opt)
{
}

static inline unsigned int ipv6_pdm_tcp_len(const struct sock *sk,
					    const struct ipv6_txoptions *opt)
{
	return 0;
}

#endif /* CONFIG_IPV6_PDM */

#endif /* _NET_PDM_H */
