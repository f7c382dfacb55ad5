/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 Performance and Diagnostic Metrics (PDM), RFC 8250 and PDMv2: what
 * the rest of the stack calls. The internals are in net/ipv6/pdm_internal.h.
 */

#ifndef _NET_PDM_H
#define _NET_PDM_H

#include <linux/ipv6.h>
#include <linux/jump_label_ratelimit.h>
#include <linux/skbuff.h>
#include <net/flow.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/net_namespace.h>

struct dst_entry;
struct inet6_cork;
struct ipcm6_cookie;
struct seq_file;
struct sock;

#if IS_ENABLED(CONFIG_IPV6_PDM)

/* On while PDM is enabled in a netns; in exthdrs_core.c, as TCP tests it. */
extern struct static_key_false_deferred ipv6_pdm_needed;

int ipv6_pdm_init(void);
void ipv6_pdm_exit(void);
void ipv6_pdm_snmp6_seq_show(struct seq_file *seq, struct net *net);

int ipv6_pdm_setsockopt(struct sock *sk, int val);
int ipv6_pdm_getsockopt(const struct sock *sk, int *val);
void __ipv6_pdm_sk_destroy(struct sock *sk);

/* A socket copied from a listener starts with no PDM state of its own. */
static inline void ipv6_pdm_sk_clone(struct sock *newsk)
{
	RCU_INIT_POINTER(inet6_sk(newsk)->pdm_flow, NULL);
	RCU_INIT_POINTER(inet6_sk(newsk)->pdm_opt, NULL);
}

static inline void ipv6_pdm_sk_destroy(struct sock *sk)
{
	if (rcu_access_pointer(inet6_sk(sk)->pdm_flow) ||
	    rcu_access_pointer(inet6_sk(sk)->pdm_opt))
		__ipv6_pdm_sk_destroy(sk);
}

void __ipv6_pdm_tcp_close(struct sock *sk);

/**
 * ipv6_pdm_tcp_close - hand a closed connection's PDM state to the table
 * @sk: the TCP socket, going to TCP_CLOSE
 *
 * The packets of the connection that follow (a time-wait socket's ACKs,
 * resets) go on from its PSNs. A packet the socket itself sends after
 * this takes the state back from the table. TCP is built in while IPv6
 * may be a module: the call goes through ipv6_stub.
 */
static inline void ipv6_pdm_tcp_close(struct sock *sk)
{
	if (static_branch_unlikely(&ipv6_pdm_needed.key) &&
	    sk->sk_family == AF_INET6 &&
	    rcu_access_pointer(inet6_sk(sk)->pdm_flow))
		ipv6_stub->pdm_tcp_close(sk);
}

bool __ipv6_pdm_note(struct sk_buff *skb, u8 type);
void __ipv6_pdm_rcv(const struct sock *sk, struct sk_buff *skb, u8 proto);
void __ipv6_pdm_tcp_rcv(const struct sock *sk, struct sk_buff *skb);

/**
 * ipv6_pdm_note - note a PDM option found by ip6_parse_tlv()
 * @skb: the packet
 * @type: the type of an option ip6_parse_tlv() does not know itself
 *
 * The option is accounted later, by ipv6_pdm_rcv(), once the upper layer
 * has accepted the packet.
 *
 * Return: false where PDM is not in use or @type is not one of its types:
 * the option is then an unknown one.
 */
static inline bool ipv6_pdm_note(struct sk_buff *skb, u8 type)
{
	return static_branch_unlikely(&ipv6_pdm_needed.key) &&
	       __ipv6_pdm_note(skb, type);
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
static inline void ipv6_pdm_rcv(const struct sock *sk, struct sk_buff *skb,
				u8 proto)
{
	if (ipv6_pdm_pending(skb))
		__ipv6_pdm_rcv(sk, skb, proto);
}

/**
 * ipv6_pdm_tcp_rcv - account the PDM option of a segment TCP accepts
 * @sk: the socket that accepts it
 * @skb: the segment, IPv4 or IPv6
 * @h6: its IPv6 control block, in TCP_SKB_CB()
 *
 * TCP calls this once the segment passed its own checks (sequence number,
 * PAWS, RST, SYN) and its checksum is good. TCP is built in while IPv6 may
 * be a module: the call goes through ipv6_stub.
 */
static inline void ipv6_pdm_tcp_rcv(const struct sock *sk,
				    struct sk_buff *skb,
				    const struct inet6_skb_parm *h6)
{
	if (static_branch_unlikely(&ipv6_pdm_needed.key) &&
	    skb->protocol == htons(ETH_P_IPV6) && (h6->flags & IP6SKB_PDM))
		ipv6_stub->pdm_tcp_rcv(sk, skb);
}

void __ipv6_pdm_gso_segment(struct sk_buff *segs,
			    const struct sk_buff *gso_skb);

/**
 * ipv6_pdm_gso_segment - give each segment of a PDM packet its own fields
 * @segs: the segments ipv6_gso_segment() made of @gso_skb
 * @gso_skb: the packet, SKB_GSO_PDM set in its gso_type
 *
 * Segmentation offload is built in while IPv6 may be a module; only IPv6
 * sets SKB_GSO_PDM.
 */
static inline void ipv6_pdm_gso_segment(struct sk_buff *segs,
					const struct sk_buff *gso_skb)
{
	if (ipv6_stub->pdm_gso_segment)
		ipv6_stub->pdm_gso_segment(segs, gso_skb);
}

int __ipv6_pdm_gro_same(const struct sk_buff *skb, const struct ipv6hdr *held,
			const struct ipv6hdr *iph, unsigned int nlen, u16 count);
void __ipv6_pdm_gro_complete(struct sk_buff *skb, int nhoff);

/* Whether GRO is to look at PDM options: where PDM is in use. */
static inline bool ipv6_pdm_gro(void)
{
	return static_branch_unlikely(&ipv6_pdm_needed.key) &&
	       ipv6_stub->pdm_gro_same;
}

/**
 * ipv6_pdm_gro_same - whether GRO may merge a TCP segment with PDM
 * @skb: the segment arriving
 * @held: the IPv6 header of a packet GRO holds, with its extension headers
 * @iph: that of @skb, with as many octets of extension headers
 * @nlen: the length of either, IPv6 header included
 * @count: the segments @held stands for
 *
 * PDM gives each segment of a flow its own PSN, so no two segments have
 * the same options; @skb may join @held if its option is the one the
 * sender's segmentation would give it. Only where ipv6_pdm_gro().
 *
 * Return: 1 if so; 0 if not, @held then being a TCP segment whose
 * headers are @nlen octets long; -1 where @held has no PDM option, or is
 * not such a segment.
 */
static inline int ipv6_pdm_gro_same(const struct sk_buff *skb,
				    const struct ipv6hdr *held,
				    const struct ipv6hdr *iph,
				    unsigned int nlen, u16 count)
{
	return ipv6_stub->pdm_gro_same(skb, held, iph, nlen, count);
}

/**
 * ipv6_pdm_gro_complete - mark a packet GRO made of segments with PDM
 * @skb: the packet, of more than one segment
 * @nhoff: the offset of its IPv6 header
 */
static inline void ipv6_pdm_gro_complete(struct sk_buff *skb, int nhoff)
{
	if (static_branch_unlikely(&ipv6_pdm_needed.key) &&
	    ipv6_stub->pdm_gro_complete)
		ipv6_stub->pdm_gro_complete(skb, nhoff);
}

unsigned int __ipv6_pdm_xmit_len(const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6);
u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
		 struct ipv6_txoptions *opt, u8 proto, const struct flowi6 *fl6,
		 const struct dst_entry *dst, unsigned int room);
int __ipv6_pdm_cork(struct sock *sk, struct inet6_cork *v6_cork,
		    const struct ipcm6_cookie *ipc6, const struct flowi6 *fl6,
		    const struct dst_entry *dst);
void __ipv6_pdm_fill(struct sk_buff *skb, const struct sock *sk,
		     unsigned int off, const struct flowi6 *fl6,
		     const struct dst_entry *dst);

/* Octets PDM adds on the fly to a packet ip6_xmit() sends; 0 if none. */
static inline unsigned int ipv6_pdm_xmit_len(const struct sock *sk,
					     const struct ipv6_txoptions *opt,
					     const struct flowi6 *fl6)
{
	if (!static_branch_unlikely(&ipv6_pdm_needed.key))
		return 0;
	return __ipv6_pdm_xmit_len(sk, opt, fl6);
}

/**
 * ipv6_pdm_cork - reserve PDM's octets in a cork's final destination options
 * @sk: the socket
 * @v6_cork: the cork, its options (a copy of the packet's, or none) set up
 * @ipc6: the packet's settings
 * @fl6: the packet's flow
 * @dst: its route
 *
 * Return: 0, or -ENOBUFS.
 */
static inline int ipv6_pdm_cork(struct sock *sk, struct inet6_cork *v6_cork,
				const struct ipcm6_cookie *ipc6,
				const struct flowi6 *fl6,
				const struct dst_entry *dst)
{
	if (!static_branch_unlikely(&ipv6_pdm_needed.key))
		return 0;
	return __ipv6_pdm_cork(sk, v6_cork, ipc6, fl6, dst);
}

/**
 * ipv6_pdm_fill - write PDM into its slot, after ipv6_push_frag_opts()
 * @skb: the packet, data at the final destination options header
 * @sk: the sending socket
 * @opt: the options pushed
 * @fl6: the packet's flow
 * @dst: its route
 *
 * Not behind the static key: a connection keeps its slot for life.
 */
static inline void ipv6_pdm_fill(struct sk_buff *skb, const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6,
				 const struct dst_entry *dst)
{
	if (unlikely(opt->pdm_off))
		__ipv6_pdm_fill(skb, sk, opt->pdm_off, fl6, dst);
}

struct ipv6_txoptions *__ipv6_pdm_sk_opt(struct sock *sk,
					 struct ipv6_txoptions *opt);
struct ipv6_txoptions *__ipv6_pdm_sk_reslot(struct sock *sk,
					    const struct ipv6_txoptions *old,
					    struct ipv6_txoptions *opt);

/**
 * ipv6_pdm_sk_opt - a new connection's options, with PDM's slot if it has PDM
 * @sk: the connecting or accepted socket
 * @opt: its options, or NULL
 *
 * Called before the connection sizes its headers (icsk_ext_hdr_len): PDM's
 * octets then count as any option's. The connection keeps the choice.
 *
 * Return: the socket's options, @opt or a copy with the slot.
 */
static inline struct ipv6_txoptions *
ipv6_pdm_sk_opt(struct sock *sk, struct ipv6_txoptions *opt)
{
	if (!static_branch_unlikely(&ipv6_pdm_needed.key))
		return opt;
	return __ipv6_pdm_sk_opt(sk, opt);
}

/* New sticky options keep the slot of a connection that has one. */
static inline struct ipv6_txoptions *
ipv6_pdm_sk_reslot(struct sock *sk, const struct ipv6_txoptions *old,
		   struct ipv6_txoptions *opt)
{
	if (old && old->pdm_off)
		return __ipv6_pdm_sk_reslot(sk, old, opt);
	return opt;
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

static inline int ipv6_pdm_setsockopt(struct sock *sk, int val)
{
	return -ENOPROTOOPT;
}

static inline int ipv6_pdm_getsockopt(const struct sock *sk, int *val)
{
	return -ENOPROTOOPT;
}

static inline void ipv6_pdm_sk_clone(struct sock *newsk)
{
}

static inline void ipv6_pdm_sk_destroy(struct sock *sk)
{
}

static inline void ipv6_pdm_tcp_close(struct sock *sk)
{
}

static inline bool ipv6_pdm_note(struct sk_buff *skb, u8 type)
{
	return false;
}

static inline bool ipv6_pdm_pending(const struct sk_buff *skb)
{
	return false;
}

static inline void ipv6_pdm_rcv(const struct sock *sk, struct sk_buff *skb,
				u8 proto)
{
}

static inline void ipv6_pdm_tcp_rcv(const struct sock *sk,
				    struct sk_buff *skb,
				    const struct inet6_skb_parm *h6)
{
}

static inline void ipv6_pdm_gso_segment(struct sk_buff *segs,
					const struct sk_buff *gso_skb)
{
}

static inline bool ipv6_pdm_gro(void)
{
	return false;
}

static inline int ipv6_pdm_gro_same(const struct sk_buff *skb,
				    const struct ipv6hdr *held,
				    const struct ipv6hdr *iph,
				    unsigned int nlen, u16 count)
{
	return -1;
}

static inline void ipv6_pdm_gro_complete(struct sk_buff *skb, int nhoff)
{
}

static inline unsigned int ipv6_pdm_xmit_len(const struct sock *sk,
					     const struct ipv6_txoptions *opt,
					     const struct flowi6 *fl6)
{
	return 0;
}

static inline u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
			       struct ipv6_txoptions *opt, u8 proto,
			       const struct flowi6 *fl6,
			       const struct dst_entry *dst, unsigned int room)
{
	return proto;
}

static inline int ipv6_pdm_cork(struct sock *sk, struct inet6_cork *v6_cork,
				const struct ipcm6_cookie *ipc6,
				const struct flowi6 *fl6,
				const struct dst_entry *dst)
{
	return 0;
}

static inline void ipv6_pdm_fill(struct sk_buff *skb, const struct sock *sk,
				 const struct ipv6_txoptions *opt,
				 const struct flowi6 *fl6,
				 const struct dst_entry *dst)
{
}

static inline struct ipv6_txoptions *
ipv6_pdm_sk_opt(struct sock *sk, struct ipv6_txoptions *opt)
{
	return opt;
}

static inline struct ipv6_txoptions *
ipv6_pdm_sk_reslot(struct sock *sk, const struct ipv6_txoptions *old,
		   struct ipv6_txoptions *opt)
{
	return opt;
}

#endif /* CONFIG_IPV6_PDM */

#endif /* _NET_PDM_H */
