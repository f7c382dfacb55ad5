/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 Performance and Diagnostic Metrics (PDM), RFC 8250.
 *
 * The codec turns an option into a version independent decoded form
 * (struct pdm_info) and back; the flow table keeps per 5-tuple state;
 * the glue in pdm.c hooks both into the IPv6 receive and transmit paths.
 */

#ifndef _NET_PDM_H
#define _NET_PDM_H

#include <linux/in6.h>
#include <linux/jump_label.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/flow.h>
#include <net/ipv6.h>

/* Size of an RFC 8250 option, type and length octets included. */
#define PDM_V1_OPT_SIZE		12

/**
 * struct pdm_info - decoded PDM option, whatever its version
 * @version: 1 for RFC 8250
 * @scale_dtlr: ScaleDTLR
 * @scale_dtls: ScaleDTLS
 * @psntp: PSN This Packet (16 significant bits in version 1)
 * @psnlr: PSN Last Received (16 significant bits in version 1)
 * @delta_tlr: DeltaTLR mantissa
 * @delta_tls: DeltaTLS mantissa
 */
struct pdm_info {
	u8	version;
	u8	scale_dtlr;
	u8	scale_dtls;
	u32	psntp;
	u32	psnlr;
	u16	delta_tlr;
	u16	delta_tls;
};

/**
 * enum pdm_verdict - outcome of parsing one option
 * @PDM_OK: option decoded
 * @PDM_TRUNCATED: the option runs past the data available
 * @PDM_BADLEN: option length of no known PDM version
 * @PDM_BADTYPE: not a PDM option
 */
enum pdm_verdict {
	PDM_OK,
	PDM_TRUNCATED,
	PDM_BADLEN,
	PDM_BADTYPE,
};

enum pdm_verdict pdm_parse(const u8 *opt, unsigned int avail,
			   struct pdm_info *pi);
void pdm_encode_asec(u64 asec, u16 *delta, u8 *scale);
void pdm_encode_delta(u64 ns, u16 *delta, u8 *scale);
unsigned int pdm_doh_len(const struct ipv6_opt_hdr *dst1);
void pdm_doh_build(u8 *buf, unsigned int len, const struct ipv6_opt_hdr *dst1,
		   u8 nexthdr, const struct pdm_info *pi);

/**
 * struct pdm_flow_key - a flow seen from this node
 * @local: local address
 * @remote: remote address
 * @lport: local port, 0 for protocols without ports
 * @rport: remote port, 0 for protocols without ports
 * @proto: upper-layer protocol
 * @pad: zero, so that the key hashes and compares as plain bytes
 */
struct pdm_flow_key {
	struct in6_addr	local;
	struct in6_addr	remote;
	__be16		lport;
	__be16		rport;
	u8		proto;
	u8		pad[3];
};

/**
 * struct pdm_flow - per 5-tuple PDM state
 * @node: flow table linkage
 * @key: the flow
 * @lock: protects the fields below
 * @flags: PDM_F_* bits
 * @psntp_next: PSN This Packet of the next packet sent
 * @psnlr: PSN This Packet of the last packet received
 * @t_tx: monotonic time of the last send, ns
 * @t_rx: monotonic time of the last receive, ns
 * @delta_tls: DeltaTLS to send: last receive minus the send before it
 * @scale_dtls: scale of @delta_tls
 * @last_used: jiffies of the last send or receive, for expiry
 * @rcu: deferred free
 */
struct pdm_flow {
	struct rhash_head	node;
	struct pdm_flow_key	key;
	spinlock_t		lock;	/* protects the fields below */
	u8			flags;
	u8			scale_dtls;
	u16			delta_tls;
	u32			psntp_next;
	u32			psnlr;
	u64			t_tx;
	u64			t_rx;
	unsigned long		last_used;
	struct rcu_head		rcu;
};

#define PDM_F_TX	BIT(0)	/* sent at least once: t_tx valid */
#define PDM_F_RX	BIT(1)	/* received at least once: t_rx, psnlr valid */
#define PDM_F_DTLS	BIT(2)	/* delta_tls valid */

enum {
	PDM_MIB_OUTPKTS,
	PDM_MIB_INPKTS,
	PDM_MIB_INBADLEN,
	PDM_MIB_FLOWSCREATED,
	PDM_MIB_FLOWSEXPIRED,
	PDM_MIB_FLOWSFULL,
	__PDM_MIB_MAX
};

struct pdm_mib {
	u64	mibs[__PDM_MIB_MAX];
};

/**
 * struct pdm_net - per network namespace PDM data
 * @flows: flow table
 * @nflows: number of entries in @flows, at most @max_flows
 * @gc_work: expiry of idle flows
 * @mib: counters
 * @enabled: net.ipv6.pdm.enabled
 * @max_flows: net.ipv6.pdm.max_flows
 * @flow_timeout: net.ipv6.pdm.flow_timeout, seconds
 * @sysctl_hdr: the net.ipv6.pdm sysctl table
 */
struct pdm_net {
	struct rhashtable	flows;
	atomic_t		nflows;
	struct delayed_work	gc_work;
	struct pdm_mib __percpu	*mib;
	u8			enabled;
	u32			max_flows;
	int			flow_timeout;
	struct ctl_table_header	*sysctl_hdr;
};

#define PDM_INC_STATS(pn, field)	this_cpu_inc((pn)->mib->mibs[field])

void pdm_flow_key_init(struct pdm_flow_key *key,
		       const struct in6_addr *local,
		       const struct in6_addr *remote,
		       u8 proto, __be16 lport, __be16 rport);
int pdm_flows_init(struct pdm_net *pn);
void pdm_flows_destroy(struct pdm_net *pn);
void pdm_flows_flush(struct pdm_net *pn);
unsigned int pdm_flows_expire(struct pdm_net *pn, bool all);
struct pdm_flow *pdm_flow_get(struct pdm_net *pn,
			      const struct pdm_flow_key *key);
void pdm_flow_tx(struct pdm_flow *f, u64 now, struct pdm_info *pi);
void pdm_flow_rx(struct pdm_flow *f, u64 now, const struct pdm_info *pi);

#if IS_ENABLED(CONFIG_IPV6_PDM)

DECLARE_STATIC_KEY_FALSE(ipv6_pdm_enabled_key);

#if IS_ENABLED(CONFIG_KUNIT)
bool pdm_flow_key_rcv(struct pdm_flow_key *key, const struct sk_buff *skb);
void pdm_flow_key_xmit(struct pdm_flow_key *key, const struct flowi6 *fl6);
#endif

int pdm_init(void);
void pdm_exit(void);

void ipv6_pdm_rcv(struct sk_buff *skb, int optoff);
unsigned int ipv6_pdm_xmit_len(const struct sock *sk,
			       const struct ipv6_txoptions *opt,
			       const struct flowi6 *fl6);
unsigned int ipv6_pdm_cork_len(const struct sock *sk,
			       const struct ipv6_txoptions *opt,
			       const struct flowi6 *fl6);
u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
		 struct ipv6_txoptions *opt, u8 proto, const struct flowi6 *fl6);
void ipv6_pdm_tcp_init(struct sock *sk, const struct ipv6_txoptions *opt);
unsigned int ipv6_pdm_tcp_len(const struct sock *sk,
			      const struct ipv6_txoptions *opt);

static inline bool ipv6_pdm_active(const struct net *net)
{
	return static_branch_unlikely(&ipv6_pdm_enabled_key) &&
	       READ_ONCE(net->ipv6.pdm->enabled);
}

#else

static inline int pdm_init(void)
{
	return 0;
}

static inline void pdm_exit(void)
{
}

static inline bool ipv6_pdm_active(const struct net *net)
{
	return false;
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
			       const struct flowi6 *fl6)
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
