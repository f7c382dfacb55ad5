/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): internals shared by
 * net/ipv6/pdm*.c and their KUnit tests.
 */

#ifndef _NET_IPV6_PDM_INTERNAL_H
#define _NET_IPV6_PDM_INTERNAL_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pdm.h>
#include <linux/pdm_genl.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/ipv6.h>
#include <net/snmp.h>

struct netlink_ext_ack;

/* Sizes of the options, type and length octets included. */
#define PDM_V1_OPT_SIZE		12
#define PDM_V2_OPT_SIZE		24

/*
 * Protected PDMv2 (pdm_crypto.c), 48 octets: type, length 46, Version and
 * Epoch, PSN This Packet, the 8-octet explicit IV (clear, authenticated),
 * then the clear PDMv2 option's octets 8 to 23 encrypted, then the tag.
 */
#define PDM_V2P_DATA_LEN	46
#define PDM_V2P_OPT_SIZE	48
#define PDM_V2P_IV_OFF		8
#define PDM_V2P_CLEAR_LEN	16
#define PDM_V2P_SEALED_OFF	16
#define PDM_V2P_SEALED_LEN	16
#define PDM_GCM_SALT_LEN	4
#define PDM_GCM_IV_LEN		8
#define PDM_GCM_TAG_LEN		16

struct crypto_aead;

/**
 * struct pdm_key - an AES-GCM key of protected PDMv2
 * @tfm: the keyed transform, gcm(aes), 16-octet tag
 * @iv_next: the explicit IV of the next packet sealed
 * @iv_end: where the IVs started: reached, the key is used up
 * @salt: the nonce's first octets, installed with the key
 * @key_len: 16 or 32 (AES-128 or AES-256)
 * @epoch: the Epoch that names the key on the wire
 */
struct pdm_key {
	struct crypto_aead	*tfm;
	atomic64_t		iv_next;
	u64			iv_end;
	u8			salt[PDM_GCM_SALT_LEN];
	u8			key_len;
	u16			epoch;
};

/* Prefix lengths 0 to 128. */
#define PDM_KEY_LENS		129
/* Internal direction of the markers of receive prefixes, any Epoch. */
#define PDM_KEY_RX_ANY		(PDM_KEY_DIR_RX + 1)
#define PDM_KEY_NDIRS		(PDM_KEY_RX_ANY + 1)

/**
 * struct pdm_key_lookup - where a key entry is found
 * @prefix: the peer prefix, no bit set past @plen
 * @epoch: the Epoch of a receive key; 0 for others
 * @plen: the prefix length
 * @dir: PDM_KEY_DIR_TX, PDM_KEY_DIR_RX or PDM_KEY_RX_ANY
 */
struct pdm_key_lookup {
	struct in6_addr	prefix;
	u16		epoch;
	u8		plen;
	u8		dir;
};

/**
 * struct pdm_key_entry - a key of a netns, or a marker of receive prefixes
 * @node: in pdm_net.keys
 * @lk: where it is found
 * @id: its id (keys)
 * @refs: receive keys of its prefix (markers)
 * @key: the key (keys)
 * @free_work: freeing once no reader holds it (keys)
 * @rcu: freeing once no reader holds it (markers)
 */
struct pdm_key_entry {
	struct rhash_head	node;
	struct pdm_key_lookup	lk;
	u32			id;
	u32			refs;
	struct pdm_key		key;
	struct rcu_work		free_work;
	struct rcu_head		rcu;
};

int pdm_key_setup(struct pdm_key *k, const u8 *key, unsigned int key_len,
		  const u8 *salt);
void pdm_key_release(struct pdm_key *k);
bool pdm_key_next_ivs(struct pdm_key *k, unsigned int n, u64 *iv);

/* The explicit IV of the next packet sealed, if the key has one left. */
static inline bool pdm_key_next_iv(struct pdm_key *k, u64 *iv)
{
	return pdm_key_next_ivs(k, 1, iv);
}

int pdm_seal(struct pdm_key *k, u8 *opt, u64 iv,
	     const struct in6_addr *saddr, const struct in6_addr *daddr);
int pdm_open(struct pdm_key *k, const u8 *opt, const struct in6_addr *saddr,
	     const struct in6_addr *daddr, u8 *plain);

int pdm_keys_wq_init(void);
void pdm_keys_wq_exit(void);
void pdm_keys_wq_flush(void);
int pdm_key_unlink_locked(struct pdm_net *pn, u32 id);
int pdm_keys_freed_count(void);
struct pdm_net;
int pdm_keys_init(struct pdm_net *pn);
void pdm_keys_destroy(struct pdm_net *pn);
int pdm_key_add(struct pdm_net *pn, u32 id, const struct pdm_key_lookup *lk,
		const u8 *key, unsigned int key_len, const u8 *salt,
		struct netlink_ext_ack *extack);
int pdm_key_del(struct pdm_net *pn, u32 id);
void pdm_keys_flush(struct pdm_net *pn);
struct pdm_key *pdm_key_tx(struct pdm_net *pn, const struct in6_addr *daddr);
struct pdm_key *pdm_key_rx(struct pdm_net *pn, const struct in6_addr *saddr,
			   u16 epoch);
bool pdm_key_rx_covers(struct pdm_net *pn, const struct in6_addr *saddr);

/*
 * The forms of the option: RFC 8250, PDMv2 in clear (their versions), and
 * protected PDMv2.
 */
#define PDM_FORM_V2P		3

/* The form of the option a slot of this size holds. */
static inline u8 pdm_opt_version(u8 opt_len)
{
	switch (opt_len) {
	case PDM_V2_DATA_LEN:
		return 2;
	case PDM_V2P_DATA_LEN:
		return PDM_FORM_V2P;
	default:
		return 1;
	}
}

static inline unsigned int pdm_opt_size(u8 form)
{
	switch (form) {
	case 2:
		return PDM_V2_OPT_SIZE;
	case PDM_FORM_V2P:
		return PDM_V2P_OPT_SIZE;
	default:
		return PDM_V1_OPT_SIZE;
	}
}

/**
 * struct pdm_info - decoded PDM option, whatever its version
 * @version: 1 for RFC 8250, 2 for PDMv2
 * @prot: protected PDMv2: on receipt, the fields after @psntp are those
 *	pdm_parse_sealed() decoded once the option opened
 * @type: option type
 * @epoch: Epoch (version 2)
 * @scale_dtlr: ScaleDTLR
 * @scale_dtls: ScaleDTLS
 * @psntp: PSN This Packet (16 significant bits in version 1)
 * @psnlr: PSN Last Received (16 significant bits in version 1)
 * @gp: Global Pointer (version 2)
 * @delta_tlr: DeltaTLR mantissa
 * @delta_tls: DeltaTLS mantissa
 */
struct pdm_info {
	u8	version;
	u8	prot;
	u8	type;
	u16	epoch;
	u8	scale_dtlr;
	u8	scale_dtls;
	u32	psntp;
	u32	psnlr;
	u32	gp;
	u16	delta_tlr;
	u16	delta_tls;
};

/**
 * enum pdm_verdict - outcome of parsing one option
 * @PDM_OK: option decoded
 * @PDM_TRUNCATED: the option runs past the data available
 * @PDM_BADLEN: option length of no known PDM version
 * @PDM_BADTYPE: not a PDM option
 * @PDM_BADVER: a PDMv2-sized option whose Version is not 2
 */
enum pdm_verdict {
	PDM_OK,
	PDM_TRUNCATED,
	PDM_BADLEN,
	PDM_BADTYPE,
	PDM_BADVER,
};

/* The form of the option @pi describes: its version, or PDM_FORM_V2P. */
static inline u8 pdm_form(const struct pdm_info *pi)
{
	return pi->prot ? PDM_FORM_V2P : pi->version;
}

/* Whether @type is a PDM option type, where PDMv2 uses @v2_type. */
static inline bool pdm_is_type(u8 type, u8 v2_type)
{
	return type == IPV6_TLV_PDM || type == v2_type;
}

enum pdm_verdict pdm_parse(const u8 *opt, unsigned int avail, u8 v2_type,
			   struct pdm_info *pi);
const u8 *pdm_find(const struct ipv6_opt_hdr *doh, u8 v2_type);
void pdm_encode_asec(u64 asec, u16 *delta, u8 *scale);
void pdm_encode_delta(u64 ns, u16 *delta, u8 *scale);
unsigned int pdm_doh_len(const struct ipv6_opt_hdr *dst1, u8 version,
			 u8 v2_type);
unsigned int pdm_doh_build(u8 *buf, unsigned int len,
			   const struct ipv6_opt_hdr *dst1, u8 nexthdr,
			   const struct pdm_info *pi, u8 v2_type);
void pdm_opt_write(u8 *buf, const struct pdm_info *pi);
void pdm_parse_sealed(const u8 *plain, struct pdm_info *pi);
void pdm_opt_blank(u8 *buf, unsigned int len);

/**
 * struct pdm_flow_key - a flow seen from this node
 * @local: local address
 * @remote: remote address
 * @ifindex: the link, when @remote needs one to be told apart (link-local)
 * @l3mdev: the L3 master device (VRF) of the flow, or 0
 * @lport: local port, 0 for protocols without ports
 * @rport: remote port, 0 for protocols without ports
 * @proto: upper-layer protocol
 * @pad: zero, so that the key hashes and compares as plain bytes
 */
struct pdm_flow_key {
	struct in6_addr	local;
	struct in6_addr	remote;
	int		ifindex;
	int		l3mdev;
	__be16		lport;
	__be16		rport;
	u8		proto;
	u8		pad[3];
};

/*
 * Whether @a and @b name the same flow: field by field, as the packets of
 * a connected socket compare their flow's key with the socket's.
 */
static inline bool pdm_flow_key_eq(const struct pdm_flow_key *a,
				   const struct pdm_flow_key *b)
{
	return ipv6_addr_equal(&a->remote, &b->remote) &&
	       ipv6_addr_equal(&a->local, &b->local) &&
	       a->lport == b->lport && a->rport == b->rport &&
	       a->ifindex == b->ifindex && a->l3mdev == b->l3mdev &&
	       a->proto == b->proto;
}

/* Send times a flow keeps, to match a reply that names an older packet. */
#define PDM_TX_RING	16

/**
 * struct pdm_stat - the samples of one metric, in ns
 * @last: the last sample
 * @min: the least sample
 * @max: the greatest sample
 * @sum: their sum, for the mean
 * @n: how many
 */
struct pdm_stat {
	u64	last;
	u64	min;
	u64	max;
	u64	sum;
	u32	n;
};

/**
 * struct pdm_metrics - what a flow measured, reset by a flush
 * @tx_pkts: packets sent with PDM
 * @tx_bytes: their upper-layer octets
 * @rx_pkts: PDM options received and accounted
 * @rx_bytes: their packets' upper-layer octets
 * @rtt: round-trip times: the time from a packet of ours to the reply
 *	that names it in PSN Last Received, less the peer's DeltaTLR
 * @peer_delay: the peer's DeltaTLR in those replies: the server delay,
 *	when the peer serves
 * @local_delay: the time from a receive to the next send: our own delay
 * @jitter: the RFC 3550 estimator of the variation of @rtt, times 16
 * @lost: the peer's packets missing from its PSN This Packet sequence
 * @reordered: the peer's packets that came after a later one
 * @dups: the peer's packets that came again
 */
struct pdm_metrics {
	u64			tx_pkts;
	u64			tx_bytes;
	u64			rx_pkts;
	u64			rx_bytes;
	struct pdm_stat		rtt;
	struct pdm_stat		peer_delay;
	struct pdm_stat		local_delay;
	u64			jitter;
	u32			lost;
	u32			reordered;
	u32			dups;
};

/**
 * struct pdm_flow - per-flow PDM state
 * @node: flow table linkage
 * @key: the flow
 * @lru: place in the table's eviction order, under pdm_net.lock
 * @id: the flow's entry in pdm_net.flow_ids, 0 for none
 * @lock: protects the fields from @flags to @m
 * @flags: PDM_F_* bits
 * @peer_version: version of the last option received, 0 before any
 * @peer_prot: whether that option was protected
 * @scale_dtls: scale of @delta_tls
 * @delta_tls: DeltaTLS to send: last receive minus the send before it
 * @epoch: Epoch of the next packet sent, stepped when @psntp_next wraps
 * @psntp_next: PSN This Packet of the next packet sent
 * @psnlr: PSN This Packet of the last packet received
 * @t_tx: monotonic time of the last send, ns
 * @t_rx: monotonic time of the last receive, ns
 * @t_first: monotonic time of the first packet, ns
 * @win_top: highest PSN This Packet received, in 32 bits
 * @win: which of the 64 PSNs up to @win_top were received (bit 0: @win_top)
 * @rtt_psn: PSN Last Received of the reply that gave the last RTT sample
 * @tx_ring: send times of our last PDM_TX_RING packets, by PSN, in
 *	units of 1024 ns: enough for a reply to a packet up to 73 min old
 * @tx_ring_n: entries of @tx_ring in use, up to PDM_TX_RING
 * @m: the metrics
 * @pkts: packets sent and received, for eviction
 * @pkts_seen: @pkts when eviction last looked at the flow
 * @last_used: jiffies of the last send or receive, for expiry
 * @rcu: deferred free
 */
struct pdm_flow {
	struct rhash_head	node;
	struct pdm_flow_key	key;
	struct list_head	lru;
	u32			id;
	spinlock_t		lock;	/* protects the fields below */
	u8			flags;
	u8			peer_version;
	u8			peer_prot;
	u8			scale_dtls;
	u16			delta_tls;
	u16			epoch;
	u32			psntp_next;
	u32			psnlr;
	u64			t_tx;
	u64			t_rx;
	u64			t_first;
	u32			win_top;
	u32			rtt_psn;
	u64			win;
	u32			tx_ring[PDM_TX_RING];
	u32			tx_ring_n;
	struct pdm_metrics	m;
	u32			pkts;
	u32			pkts_seen;
	unsigned long		last_used;
	struct rcu_head		rcu;
};

#define PDM_F_TX	BIT(0)	/* sent at least once: t_tx valid */
#define PDM_F_RX	BIT(1)	/* received at least once: t_rx, psnlr valid */
#define PDM_F_DTLS	BIT(2)	/* delta_tls valid */
#define PDM_F_WIN	BIT(3)	/* win_top, win valid */
#define PDM_F_RTT	BIT(4)	/* rtt_psn valid */
#define PDM_F_LDLY	BIT(5)	/* sent since the last receive */
#define PDM_F_SOCK	BIT(6)	/* kept with a socket, not in the table */

/* Counters, shown in /proc/net/snmp6; names in pdm_mib_names[]. */
enum {
	PDM_MIB_OUTPKTS,
	PDM_MIB_OUTSKIPPED,
	PDM_MIB_INPKTS,
	PDM_MIB_INMALFORMED,
	PDM_MIB_FLOWSCREATED,
	PDM_MIB_FLOWSEXPIRED,
	PDM_MIB_FLOWSEVICTED,
	PDM_MIB_FLOWSNOMEM,
	PDM_MIB_SOCKFLOWS,
	PDM_MIB_OUTPROTECTED,
	PDM_MIB_OUTNOKEY,
	PDM_MIB_INPROTECTED,
	PDM_MIB_INAUTHFAILED,
	PDM_MIB_INNOKEY,
	PDM_MIB_INREPLAYED,
	PDM_MIB_INUNPROTECTED,
	PDM_MIB_MONITORRECORDS,
	PDM_MIB_MONITORLIMITED,
	__PDM_MIB_MAX
};

struct pdm_mib {
	unsigned long	mibs[__PDM_MIB_MAX];
};

/**
 * struct pdm_net - per network namespace PDM data
 * @flows: flow table
 * @lock: serialises insertion into and removal from @flows and @lru
 * @lru: the flows, oldest first, but for those given a second chance
 * @nflows: number of entries in @flows, under @lock
 * @flow_ids: every flow, those of the table and those kept with sockets,
 *	by id, for dumps to resume where they stopped
 * @flow_id_next: the next id to try
 * @gc_work: expiry of idle flows
 * @mib: counters
 * @max_flows: net.ipv6.pdm.max_flows
 * @flow_timeout: net.ipv6.pdm.flow_timeout, seconds
 * @version: net.ipv6.pdm.version
 * @v2_type: net.ipv6.pdm.v2_type
 * @gp: next Global Pointers, for link-local and other source addresses
 * @keys: the keys of protected PDMv2, and markers of receive prefixes
 * @key_ids: the keys by id
 * @key_mutex: serialises changes to @keys and @key_ids
 * @nkeys: entries of @key_ids
 * @key_lens: per direction, the prefix lengths of @keys in use
 * @key_len_refs: per direction and prefix length, entries of @keys
 * @policies: the policy table, NULL when empty
 * @policy_mutex: serialises changes to @policies
 * @policy_gen: changes to @policies so far, for dumps to see one
 * @monitor_rate: net.ipv6.pdm.monitor_rate, records per second
 * @monitor_stamp: jiffies when the current second of records began
 * @monitor_sent: records of that second
 * @sysctl_hdr: the net.ipv6.pdm sysctl table
 * @optin: a socket opted in with IPV6_PDM: the static key is held for it
 */
struct pdm_net {
	struct rhashtable	flows;
	spinlock_t		lock;	/* insertion and removal */
	struct list_head	lru;
	u32			nflows;
	struct xarray		flow_ids;
	u32			flow_id_next;
	struct delayed_work	gc_work;
	struct pdm_mib __percpu	*mib;
	u32			max_flows;
	int			flow_timeout;
	u8			version;
	u8			v2_type;
	atomic_t		gp[2];
	struct rhashtable	keys;
	struct xarray		key_ids;
	struct mutex		key_mutex;	/* changes to keys */
	u32			nkeys;
	unsigned long		key_lens[PDM_KEY_NDIRS][BITS_TO_LONGS(PDM_KEY_LENS)];
	u32			key_len_refs[PDM_KEY_NDIRS][PDM_KEY_LENS];
	struct pdm_policy_table __rcu *policies;
	struct mutex		policy_mutex;	/* changes to policies */
	u32			policy_gen;
	int			monitor_rate;
	unsigned long		monitor_stamp;
	atomic_t		monitor_sent;
	struct ctl_table_header	*sysctl_hdr;
	bool			optin;
};

/**
 * struct pdm_policy - an entry of the policy table
 * @prefix: the prefix, no bit set past @plen
 * @plen: its length
 * @mode: PDM_MODE_OFF, PDM_MODE_V1 or PDM_MODE_V2
 */
struct pdm_policy {
	struct in6_addr	prefix;
	u8		plen;
	u8		mode;
};

/**
 * struct pdm_policy_table - the policy table of a netns, never changed
 * @rcu: deferred free, once replaced
 * @n: entries in @ent
 * @ngroups: groups in @group, one per prefix length in use
 * @group: the entries of one prefix length, @plen, are from @start to the
 *	next group's @start; group[@ngroups].start is @n
 * @group.plen: the prefix length of the group
 * @group.start: index of the group's first entry
 * @ent: the entries, longest prefix first, then by prefix
 */
struct pdm_policy_table {
	struct rcu_head		rcu;
	u32			n;
	u32			ngroups;
	struct {
		u8	plen;
		u16	start;
	} group[129 + 1];
	struct pdm_policy	ent[] __counted_by(n);
};

int pdm_policies_match(const struct pdm_policy_table *t,
		       const struct in6_addr *addr);
struct pdm_policy_table *
pdm_policies_with(const struct pdm_policy_table *t,
		  const struct pdm_policy *p, bool del,
		  struct netlink_ext_ack *extack);
int pdm_policy_set(struct pdm_net *pn, const struct pdm_policy *p, bool del,
		   struct netlink_ext_ack *extack);
void pdm_policy_flush(struct pdm_net *pn);
int pdm_policy_mode(struct pdm_net *pn, const struct in6_addr *addr);

int pdm_nl_init(void);
void pdm_nl_exit(void);

#define PDM_INC_STATS(pn, field)	SNMP_INC_STATS((pn)->mib, field)
#define PDM_ADD_STATS(pn, field, n)	SNMP_ADD_STATS((pn)->mib, field, n)

extern const char * const pdm_mib_names[__PDM_MIB_MAX];

void pdm_optin(struct net *net);

void pdm_flow_key_init(struct pdm_flow_key *key,
		       const struct in6_addr *local,
		       const struct in6_addr *remote,
		       u8 proto, __be16 lport, __be16 rport);
int pdm_flow_cache_init(void);
void pdm_flow_cache_exit(void);
int pdm_flows_init(struct pdm_net *pn);
void pdm_flows_destroy(struct pdm_net *pn);
void pdm_flows_flush(struct pdm_net *pn);
unsigned int pdm_flows_expire(struct pdm_net *pn, bool all);
struct pdm_flow *pdm_flow_alloc(const struct pdm_flow_key *key, gfp_t gfp);
void pdm_flow_free(struct pdm_flow *f);
struct pdm_flow *pdm_flow_lookup(struct pdm_net *pn,
				 const struct pdm_flow_key *key);
void pdm_flow_copy(struct pdm_flow *to, struct pdm_flow *from);
void pdm_flow_adopt(struct pdm_net *pn, struct pdm_flow *f);
struct pdm_flow *pdm_flow_get(struct pdm_net *pn,
			      const struct pdm_flow_key *key);
void pdm_flow_tx_n(struct pdm_flow *f, u64 now, unsigned int len,
		   unsigned int segs, struct pdm_info *pi);
u32 pdm_gp_next(struct pdm_net *pn, const struct in6_addr *saddr,
		unsigned int segs);
bool pdm_flow_rx_n(struct pdm_flow *f, u64 now, unsigned int len,
		   unsigned int segs, const struct pdm_info *pi);

/* pdm_flow_tx_n() for a packet that is not GSO. */
static inline void pdm_flow_tx(struct pdm_flow *f, u64 now, unsigned int len,
			       struct pdm_info *pi)
{
	pdm_flow_tx_n(f, now, len, 1, pi);
}

/* pdm_flow_rx_n() for a packet that is not GSO. */
static inline bool pdm_flow_rx(struct pdm_flow *f, u64 now, unsigned int len,
			       const struct pdm_info *pi)
{
	return pdm_flow_rx_n(f, now, len, 1, pi);
}

u64 pdm_decode_ns(u16 delta, u8 scale);
int pdm_flow_id_add(struct pdm_net *pn, struct pdm_flow *f);
void pdm_flow_id_del(struct pdm_net *pn, struct pdm_flow *f);
void pdm_flow_snapshot(struct pdm_flow *f, struct pdm_flow *to);

/**
 * struct pdm_flow_filter - which flows a dump or flush is about
 * @prefix: the remote address's prefix
 * @plen: its length, 0 for any address
 * @port: a port the flow uses, local or remote, 0 for any
 * @proto: the upper-layer protocol, 0 for any
 */
struct pdm_flow_filter {
	struct in6_addr	prefix;
	u8		plen;
	u8		proto;
	__be16		port;
};

bool pdm_flow_match(const struct pdm_flow *f,
		    const struct pdm_flow_filter *flt);
unsigned int pdm_flows_flush_match(struct pdm_net *pn,
				   const struct pdm_flow_filter *flt);
void pdm_nl_monitor(struct net *net, const struct pdm_flow_key *key,
		    const struct pdm_info *pi, unsigned int len);

static inline bool pdm_proto_has_ports(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		return true;
	default:
		return false;
	}
}

/* The link of a flow, for a peer whose address means nothing without one. */
static inline int pdm_flow_ifindex(const struct in6_addr *remote, int ifindex)
{
	return __ipv6_addr_needs_scope_id(__ipv6_addr_type(remote)) ?
	       ifindex : 0;
}

u8 pdm_mode(const struct sock *sk, struct net *net,
	    const struct in6_addr *remote);
u8 pdm_sk_version(const struct sock *sk);
u8 pdm_tx_version(const struct sock *sk, const struct pdm_flow_key *key);
u8 pdm_tx_form(const struct sock *sk, const struct pdm_flow_key *key);
struct pdm_flow *pdm_sk_flow(const struct sock *sk,
			     const struct pdm_flow_key *key);
struct ipv6_txoptions *pdm_sk_cork_opt(struct sock *sk, u8 form, gfp_t gfp);
void pdm_flow_key_sk(struct pdm_flow_key *key, const struct sock *sk);

#if IS_ENABLED(CONFIG_KUNIT)
bool pdm_flow_key_rcv(struct pdm_flow_key *key, const struct sk_buff *skb,
		      const struct inet6_skb_parm *opt, u8 proto);
void pdm_flow_key_xmit(struct pdm_flow_key *key, const struct flowi6 *fl6,
		       const struct dst_entry *dst);
unsigned int pdm_gso_find(const struct sk_buff *skb, u8 v2_type);
void pdm_gso_info(const struct pdm_info *first, unsigned int i,
		  struct pdm_info *pi);
#endif

#endif /* _NET_IPV6_PDM_INTERNAL_H */
