// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): the pdm generic netlink
 * family, Documentation/netlink/specs/pdm.yaml. Its policies, op table and
 * multicast groups are generated, in pdm_nl_gen.c.
 */

#include <linux/jiffies.h>
#include <kunit/visibility.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/netlink.h>
#include <net/pdm.h>
#include "pdm_internal.h"
#include "pdm_nl_gen.h"

static struct genl_family pdm_nl_family;

/* The stats attributes, in the order of the counters. */
static const u16 pdm_nl_stats_attr[__PDM_MIB_MAX] = {
	[PDM_MIB_OUTPKTS]	= PDM_A_STATS_OUT_PKTS,
	[PDM_MIB_OUTSKIPPED]	= PDM_A_STATS_OUT_SKIPPED,
	[PDM_MIB_INPKTS]	= PDM_A_STATS_IN_PKTS,
	[PDM_MIB_INMALFORMED]	= PDM_A_STATS_IN_MALFORMED,
	[PDM_MIB_FLOWSCREATED]	= PDM_A_STATS_FLOWS_CREATED,
	[PDM_MIB_FLOWSEXPIRED]	= PDM_A_STATS_FLOWS_EXPIRED,
	[PDM_MIB_FLOWSEVICTED]	= PDM_A_STATS_FLOWS_EVICTED,
	[PDM_MIB_FLOWSNOMEM]	= PDM_A_STATS_FLOWS_NOMEM,
	[PDM_MIB_SOCKFLOWS]	= PDM_A_STATS_SOCK_FLOWS,
	[PDM_MIB_OUTPROTECTED]	= PDM_A_STATS_OUT_PROTECTED,
	[PDM_MIB_OUTNOKEY]	= PDM_A_STATS_OUT_NOKEY,
	[PDM_MIB_INPROTECTED]	= PDM_A_STATS_IN_PROTECTED,
	[PDM_MIB_INAUTHFAILED]	= PDM_A_STATS_IN_AUTH_FAILED,
	[PDM_MIB_INNOKEY]	= PDM_A_STATS_IN_NOKEY,
	[PDM_MIB_INREPLAYED]	= PDM_A_STATS_IN_REPLAYED,
	[PDM_MIB_INUNPROTECTED]	= PDM_A_STATS_IN_UNPROTECTED,
	[PDM_MIB_MONITORRECORDS] = PDM_A_STATS_MONITOR_RECORDS,
	[PDM_MIB_MONITORLIMITED] = PDM_A_STATS_MONITOR_LIMITED,
};

static int pdm_nl_fill_state(struct sk_buff *skb, struct net *net)
{
	struct pdm_net *pn = net->ipv6.pdm;
	const struct pdm_policy_table *t;
	struct nlattr *nest;
	u32 policies;
	int i;

	rcu_read_lock();
	t = rcu_dereference(pn->policies);
	policies = t ? t->n : 0;
	rcu_read_unlock();

	if (nla_put_u8(skb, PDM_A_STATE_ENABLED,
		       READ_ONCE(net->ipv6.sysctl.pdm_enabled)) ||
	    nla_put_u8(skb, PDM_A_STATE_VERSION, READ_ONCE(pn->version)) ||
	    nla_put_u8(skb, PDM_A_STATE_V2_TYPE, READ_ONCE(pn->v2_type)) ||
	    nla_put_u32(skb, PDM_A_STATE_MAX_FLOWS, READ_ONCE(pn->max_flows)) ||
	    nla_put_u32(skb, PDM_A_STATE_FLOW_TIMEOUT,
			READ_ONCE(pn->flow_timeout)) ||
	    nla_put_u32(skb, PDM_A_STATE_FLOWS, READ_ONCE(pn->nflows)) ||
	    nla_put_u32(skb, PDM_A_STATE_POLICIES, policies) ||
	    nla_put_u32(skb, PDM_A_STATE_KEYS, READ_ONCE(pn->nkeys)))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, PDM_A_STATE_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __PDM_MIB_MAX; i++)
		if (nla_put_uint(skb, pdm_nl_stats_attr[i],
				 snmp_fold_field(pn->mib, i)))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * pdm_nl_state_get_doit - PDM_CMD_STATE_GET: settings, sizes, counters
 * @skb: the request
 * @info: its attributes and netns
 *
 * Return: 0 or a negative errno.
 */
int pdm_nl_state_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	err = pdm_nl_fill_state(msg, genl_info_net(info));
	if (err)
		goto free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free:
	nlmsg_free(msg);
	return err;
}

/* The prefix and length of a policy request: no bit set past the length. */
static int pdm_nl_policy_parse(struct genl_info *info, struct pdm_policy *p)
{
	struct in6_addr masked;

	if (GENL_REQ_ATTR_CHECK(info, PDM_A_POLICY_PREFIX) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_POLICY_PREFIX_LEN))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->prefix = nla_get_in6_addr(info->attrs[PDM_A_POLICY_PREFIX]);
	p->plen = nla_get_u8(info->attrs[PDM_A_POLICY_PREFIX_LEN]);
	ipv6_addr_prefix(&masked, &p->prefix, p->plen);
	if (!ipv6_addr_equal(&masked, &p->prefix)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[PDM_A_POLICY_PREFIX],
				    "Prefix has bits set past its length");
		return -EINVAL;
	}
	return 0;
}

/**
 * pdm_nl_policy_add_doit - PDM_CMD_POLICY_ADD: add or replace an entry
 * @skb: the request
 * @info: its attributes and netns
 *
 * Return: 0 or a negative errno.
 */
int pdm_nl_policy_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pdm_policy p;
	int err;

	err = pdm_nl_policy_parse(info, &p);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, PDM_A_POLICY_MODE))
		return -EINVAL;
	p.mode = nla_get_u32(info->attrs[PDM_A_POLICY_MODE]);
	return pdm_policy_set(genl_info_net(info)->ipv6.pdm, &p, false,
			      info->extack);
}

/**
 * pdm_nl_policy_del_doit - PDM_CMD_POLICY_DEL: delete an entry
 * @skb: the request
 * @info: its attributes and netns
 *
 * Return: 0 or a negative errno.
 */
int pdm_nl_policy_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pdm_policy p;
	int err;

	err = pdm_nl_policy_parse(info, &p);
	if (err)
		return err;
	return pdm_policy_set(genl_info_net(info)->ipv6.pdm, &p, true,
			      info->extack);
}

/**
 * pdm_nl_policy_flush_doit - PDM_CMD_POLICY_FLUSH: delete every entry
 * @skb: the request
 * @info: its netns
 *
 * Return: 0.
 */
int pdm_nl_policy_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	pdm_policy_flush(genl_info_net(info)->ipv6.pdm);
	return 0;
}

/**
 * pdm_nl_policy_get_dumpit - PDM_CMD_POLICY_GET: every entry
 * @skb: the reply being filled
 * @cb: the dump; cb->args[0] is the next entry
 *
 * A dump that spans a change of the table is flagged NLM_F_DUMP_INTR.
 *
 * Return: the reply's length, 0 at the end, or a negative errno.
 */
int pdm_nl_policy_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pdm_net *pn = sock_net(skb->sk)->ipv6.pdm;
	const struct pdm_policy_table *t;
	const struct pdm_policy *p;
	unsigned int i;
	void *hdr;
	int err = 0;

	/*
	 * The generation, then the table it stands for or a newer one: parts
	 * of a dump from different tables have different cb->seq.
	 */
	cb->seq = smp_load_acquire(&pn->policy_gen) + 1;
	rcu_read_lock();
	t = rcu_dereference(pn->policies);
	for (i = cb->args[0]; t && i < t->n; i++) {
		p = &t->ent[i];
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &pdm_nl_family,
				  NLM_F_MULTI, PDM_CMD_POLICY_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_in6_addr(skb, PDM_A_POLICY_PREFIX, &p->prefix) ||
		    nla_put_u8(skb, PDM_A_POLICY_PREFIX_LEN, p->plen) ||
		    nla_put_u32(skb, PDM_A_POLICY_MODE, p->mode)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rcu_read_unlock();
	cb->args[0] = i;
	/* A full skb ends this part of the dump; the next one goes on. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* The AES key length of each algorithm. */
static const u8 pdm_nl_key_len[] = {
	[PDM_KEY_ALG_AES_GCM_128]	= 16,
	[PDM_KEY_ALG_AES_GCM_256]	= 32,
};

/**
 * pdm_nl_key_add_doit - PDM_CMD_KEY_ADD: install or replace a key
 * @skb: the request
 * @info: its attributes and netns
 *
 * Return: 0 or a negative errno.
 */
int pdm_nl_key_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pdm_key_lookup lk = {};
	struct in6_addr masked;
	u32 alg;

	if (GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_ID) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_DIR) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_PREFIX) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_PREFIX_LEN) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_EPOCH) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_ALG) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_KEY) ||
	    GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_SALT))
		return -EINVAL;
	lk.dir = nla_get_u8(tb[PDM_A_KEY_DIR]);
	lk.prefix = nla_get_in6_addr(tb[PDM_A_KEY_PREFIX]);
	lk.plen = nla_get_u8(tb[PDM_A_KEY_PREFIX_LEN]);
	lk.epoch = nla_get_u16(tb[PDM_A_KEY_EPOCH]);
	ipv6_addr_prefix(&masked, &lk.prefix, lk.plen);
	if (!ipv6_addr_equal(&masked, &lk.prefix)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PDM_A_KEY_PREFIX],
				    "Prefix has bits set past its length");
		return -EINVAL;
	}
	alg = nla_get_u32(tb[PDM_A_KEY_ALG]);
	if (nla_len(tb[PDM_A_KEY_KEY]) != pdm_nl_key_len[alg]) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, tb[PDM_A_KEY_KEY],
					"Key of %d octets, the algorithm takes %u",
					nla_len(tb[PDM_A_KEY_KEY]),
					pdm_nl_key_len[alg]);
		return -EINVAL;
	}
	return pdm_key_add(genl_info_net(info)->ipv6.pdm,
			   nla_get_u32(tb[PDM_A_KEY_ID]), &lk,
			   nla_data(tb[PDM_A_KEY_KEY]), pdm_nl_key_len[alg],
			   nla_data(tb[PDM_A_KEY_SALT]), info->extack);
}

/**
 * pdm_nl_key_del_doit - PDM_CMD_KEY_DEL: delete a key
 * @skb: the request
 * @info: its attributes and netns
 *
 * Return: 0 or a negative errno.
 */
int pdm_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PDM_A_KEY_ID))
		return -EINVAL;
	err = pdm_key_del(genl_info_net(info)->ipv6.pdm,
			  nla_get_u32(info->attrs[PDM_A_KEY_ID]));
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[PDM_A_KEY_ID],
				    "No key with this id");
	return err;
}

/**
 * pdm_nl_key_flush_doit - PDM_CMD_KEY_FLUSH: delete every key
 * @skb: the request
 * @info: its netns
 *
 * Return: 0.
 */
int pdm_nl_key_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	pdm_keys_flush(genl_info_net(info)->ipv6.pdm);
	return 0;
}

/*
 * The end of a part of a dump that goes by id, cb->args[0] the id to go on
 * from: a full skb ends the part and the next goes on from @id; the end
 * of the ids ends the dump.
 */
static int pdm_nl_dump_end(struct sk_buff *skb, struct netlink_callback *cb,
			   unsigned long id, int err)
{
	cb->args[0] = id;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (!err)
		/* Past the last id: the next call finds nothing. */
		cb->args[0] = ULONG_MAX;
	return err ?: skb->len;
}

/**
 * pdm_nl_key_get_dumpit - PDM_CMD_KEY_GET: every key, without its octets
 * @skb: the reply being filled
 * @cb: the dump; cb->args[0] is the id to go on from
 *
 * Key octets and salt are never put in a message.
 *
 * Return: the reply's length, 0 at the end, or a negative errno.
 */
int pdm_nl_key_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pdm_net *pn = sock_net(skb->sk)->ipv6.pdm;
	unsigned long id = cb->args[0];
	struct pdm_key_entry *e;
	int err = 0;
	void *hdr;

	rcu_read_lock();
	xa_for_each_start(&pn->key_ids, id, e, cb->args[0]) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &pdm_nl_family,
				  NLM_F_MULTI, PDM_CMD_KEY_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		if (nla_put_u32(skb, PDM_A_KEY_ID, e->id) ||
		    nla_put_u8(skb, PDM_A_KEY_DIR, e->lk.dir) ||
		    nla_put_in6_addr(skb, PDM_A_KEY_PREFIX, &e->lk.prefix) ||
		    nla_put_u8(skb, PDM_A_KEY_PREFIX_LEN, e->lk.plen) ||
		    nla_put_u16(skb, PDM_A_KEY_EPOCH, e->key.epoch) ||
		    nla_put_u32(skb, PDM_A_KEY_ALG,
				e->key.key_len == 32 ? PDM_KEY_ALG_AES_GCM_256 :
						       PDM_KEY_ALG_AES_GCM_128)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rcu_read_unlock();
	return pdm_nl_dump_end(skb, cb, id, err);
}

/* The filter of a flow request; bits past the prefix length are ignored. */
static void pdm_nl_flow_filter(struct nlattr **tb,
			       struct pdm_flow_filter *flt)
{
	memset(flt, 0, sizeof(*flt));
	if (tb[PDM_A_FLOW_PREFIX] && tb[PDM_A_FLOW_PREFIX_LEN]) {
		flt->prefix = nla_get_in6_addr(tb[PDM_A_FLOW_PREFIX]);
		flt->plen = nla_get_u8(tb[PDM_A_FLOW_PREFIX_LEN]);
	}
	if (tb[PDM_A_FLOW_PORT])
		flt->port = nla_get_be16(tb[PDM_A_FLOW_PORT]);
	if (tb[PDM_A_FLOW_PROTO])
		flt->proto = nla_get_u8(tb[PDM_A_FLOW_PROTO]);
}

static int pdm_nl_flow_check(struct nlattr **tb,
			     struct netlink_ext_ack *extack)
{
	if (!tb[PDM_A_FLOW_PREFIX] != !tb[PDM_A_FLOW_PREFIX_LEN]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[PDM_A_FLOW_PREFIX] ?:
				    tb[PDM_A_FLOW_PREFIX_LEN],
				    "Prefix and prefix length go together");
		return -EINVAL;
	}
	return 0;
}

static int pdm_nl_put_stat(struct sk_buff *skb, int type,
			   const struct pdm_stat *st)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_uint(skb, PDM_A_STAT_LAST, st->last) ||
	    nla_put_uint(skb, PDM_A_STAT_MIN, st->min) ||
	    nla_put_uint(skb, PDM_A_STAT_MAX, st->max) ||
	    nla_put_uint(skb, PDM_A_STAT_SUM, st->sum) ||
	    nla_put_uint(skb, PDM_A_STAT_COUNT, st->n))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static u64 pdm_nl_since(u64 now, u64 then)
{
	return now > then ? now - then : 0;
}

/* The flow @f, a snapshot, as the attributes of a flow message. */
static int pdm_nl_fill_flow(struct sk_buff *skb, const struct pdm_flow *f,
			    u64 now)
{
	const struct pdm_metrics *m = &f->m;
	u64 last = max(f->t_tx, f->t_rx);

	if (nla_put_u32(skb, PDM_A_FLOW_ID, f->id) ||
	    nla_put_in6_addr(skb, PDM_A_FLOW_LOCAL, &f->key.local) ||
	    nla_put_in6_addr(skb, PDM_A_FLOW_REMOTE, &f->key.remote) ||
	    nla_put_u32(skb, PDM_A_FLOW_IFINDEX, f->key.ifindex) ||
	    nla_put_u32(skb, PDM_A_FLOW_L3MDEV, f->key.l3mdev) ||
	    nla_put_be16(skb, PDM_A_FLOW_LOCAL_PORT, f->key.lport) ||
	    nla_put_be16(skb, PDM_A_FLOW_REMOTE_PORT, f->key.rport) ||
	    nla_put_u8(skb, PDM_A_FLOW_PROTO, f->key.proto) ||
	    nla_put_u8(skb, PDM_A_FLOW_VERSION, f->peer_version) ||
	    (f->peer_prot && nla_put_flag(skb, PDM_A_FLOW_PROTECTED)) ||
	    ((f->flags & PDM_F_SOCK) && nla_put_flag(skb, PDM_A_FLOW_SOCKET)) ||
	    nla_put_uint(skb, PDM_A_FLOW_AGE, pdm_nl_since(now, f->t_first)) ||
	    nla_put_uint(skb, PDM_A_FLOW_IDLE,
			 pdm_nl_since(now, last ?: f->t_first)) ||
	    nla_put_uint(skb, PDM_A_FLOW_TX_PKTS, m->tx_pkts) ||
	    nla_put_uint(skb, PDM_A_FLOW_TX_BYTES, m->tx_bytes) ||
	    nla_put_uint(skb, PDM_A_FLOW_RX_PKTS, m->rx_pkts) ||
	    nla_put_uint(skb, PDM_A_FLOW_RX_BYTES, m->rx_bytes) ||
	    pdm_nl_put_stat(skb, PDM_A_FLOW_RTT, &m->rtt) ||
	    pdm_nl_put_stat(skb, PDM_A_FLOW_PEER_DELAY, &m->peer_delay) ||
	    pdm_nl_put_stat(skb, PDM_A_FLOW_LOCAL_DELAY, &m->local_delay) ||
	    nla_put_uint(skb, PDM_A_FLOW_JITTER, m->jitter >> 4) ||
	    nla_put_uint(skb, PDM_A_FLOW_LOST, m->lost) ||
	    nla_put_uint(skb, PDM_A_FLOW_REORDERED, m->reordered) ||
	    nla_put_uint(skb, PDM_A_FLOW_DUPS, m->dups))
		return -EMSGSIZE;
	return 0;
}

/**
 * pdm_nl_flow_get_dumpit - PDM_CMD_FLOW_GET: the flows a filter matches
 * @skb: the reply being filled
 * @cb: the dump; cb->args[0] is the id to go on from
 *
 * Flows are taken by id, each a snapshot under its lock: one that exists
 * for the whole of the dump is in it once, however many messages the
 * dump takes and whatever else comes and goes.
 *
 * Return: the reply's length, 0 at the end, or a negative errno.
 */
int pdm_nl_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct pdm_net *pn = sock_net(skb->sk)->ipv6.pdm;
	unsigned long id = cb->args[0];
	struct pdm_flow_filter flt;
	u64 now = ktime_get_ns();
	struct pdm_flow *f, snap;
	int err = 0;
	void *hdr;

	if (!id) {
		err = pdm_nl_flow_check(info->attrs, cb->extack);
		if (err)
			return err;
	}
	pdm_nl_flow_filter(info->attrs, &flt);
	rcu_read_lock();
	xa_for_each_start(&pn->flow_ids, id, f, cb->args[0]) {
		if (!pdm_flow_match(f, &flt))
			continue;
		pdm_flow_snapshot(f, &snap);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &pdm_nl_family,
				  NLM_F_MULTI, PDM_CMD_FLOW_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		if (pdm_nl_fill_flow(skb, &snap, now)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rcu_read_unlock();
	return pdm_nl_dump_end(skb, cb, id, err);
}

/**
 * pdm_nl_flow_flush_doit - PDM_CMD_FLOW_FLUSH: forget flows
 * @skb: the request
 * @info: its attributes and netns
 *
 * Return: 0 or a negative errno.
 */
int pdm_nl_flow_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pdm_flow_filter flt;
	int err;

	err = pdm_nl_flow_check(info->attrs, info->extack);
	if (err)
		return err;
	pdm_nl_flow_filter(info->attrs, &flt);
	pdm_flows_flush_match(genl_info_net(info)->ipv6.pdm, &flt);
	return 0;
}

/* Whether a record may go now: net.ipv6.pdm.monitor_rate per second. */
static bool pdm_nl_monitor_budget(struct pdm_net *pn)
{
	unsigned long stamp = READ_ONCE(pn->monitor_stamp), now = jiffies;

	if (time_after_eq(now, stamp + HZ) &&
	    try_cmpxchg(&pn->monitor_stamp, &stamp, now))
		atomic_set(&pn->monitor_sent, 0);
	return atomic_inc_return(&pn->monitor_sent) <=
	       READ_ONCE(pn->monitor_rate);
}

/* The size of a record, all its attributes there. */
static size_t pdm_nl_record_size(void)
{
	return nla_total_size(sizeof(u64)) +		/* TIME */
	       2 * nla_total_size(sizeof(struct in6_addr)) +
	       3 * nla_total_size(sizeof(u32)) +	/* IFINDEX, L3MDEV, LEN */
	       2 * nla_total_size(sizeof(__be16)) +	/* ports */
	       2 * nla_total_size(sizeof(u8)) +		/* PROTO, VERSION */
	       nla_total_size(0) +			/* PROTECTED */
	       nla_total_size(sizeof(u16)) +		/* EPOCH */
	       3 * nla_total_size(sizeof(u32)) +	/* PSNTP, PSNLR, GP */
	       2 * nla_total_size(sizeof(u8)) +		/* scales */
	       2 * nla_total_size(sizeof(u16));		/* deltas */
}

/**
 * pdm_nl_monitor - send the record of a PDM option received
 * @net: the netns
 * @key: the flow it came on
 * @pi: the option, decoded (and opened)
 * @len: its packet's upper-layer octets
 *
 * Free of cost but a test while no one listens to the monitor group.
 * Softirq or process context.
 */
void pdm_nl_monitor(struct net *net, const struct pdm_flow_key *key,
		    const struct pdm_info *pi, unsigned int len)
{
	struct pdm_net *pn = net->ipv6.pdm;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&pdm_nl_family, net, PDM_NLGRP_MONITOR))
		return;
	if (!pdm_nl_monitor_budget(pn))
		goto limited;
	msg = genlmsg_new(pdm_nl_record_size(), GFP_ATOMIC);
	if (!msg)
		goto limited;
	hdr = genlmsg_put(msg, 0, 0, &pdm_nl_family, 0, PDM_CMD_MONITOR);
	if (!hdr)
		goto free;
	if (nla_put_uint(msg, PDM_A_RECORD_TIME, ktime_get_real_ns()) ||
	    nla_put_in6_addr(msg, PDM_A_RECORD_LOCAL, &key->local) ||
	    nla_put_in6_addr(msg, PDM_A_RECORD_REMOTE, &key->remote) ||
	    nla_put_u32(msg, PDM_A_RECORD_IFINDEX, key->ifindex) ||
	    nla_put_u32(msg, PDM_A_RECORD_L3MDEV, key->l3mdev) ||
	    nla_put_be16(msg, PDM_A_RECORD_LOCAL_PORT, key->lport) ||
	    nla_put_be16(msg, PDM_A_RECORD_REMOTE_PORT, key->rport) ||
	    nla_put_u8(msg, PDM_A_RECORD_PROTO, key->proto) ||
	    nla_put_u32(msg, PDM_A_RECORD_LEN, len) ||
	    nla_put_u8(msg, PDM_A_RECORD_VERSION, pi->version) ||
	    (pi->prot && nla_put_flag(msg, PDM_A_RECORD_PROTECTED)) ||
	    nla_put_u16(msg, PDM_A_RECORD_EPOCH, pi->epoch) ||
	    nla_put_u32(msg, PDM_A_RECORD_PSNTP, pi->psntp) ||
	    nla_put_u32(msg, PDM_A_RECORD_PSNLR, pi->psnlr) ||
	    nla_put_u8(msg, PDM_A_RECORD_SCALE_DTLR, pi->scale_dtlr) ||
	    nla_put_u8(msg, PDM_A_RECORD_SCALE_DTLS, pi->scale_dtls) ||
	    nla_put_u16(msg, PDM_A_RECORD_DELTA_TLR, pi->delta_tlr) ||
	    nla_put_u16(msg, PDM_A_RECORD_DELTA_TLS, pi->delta_tls) ||
	    (pi->version == 2 && nla_put_u32(msg, PDM_A_RECORD_GP, pi->gp)))
		goto free;
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&pdm_nl_family, net, msg, 0,
				PDM_NLGRP_MONITOR, GFP_ATOMIC);
	PDM_INC_STATS(pn, PDM_MIB_MONITORRECORDS);
	return;

free:
	nlmsg_free(msg);
limited:
	PDM_INC_STATS(pn, PDM_MIB_MONITORLIMITED);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_nl_monitor);

static struct genl_family pdm_nl_family __ro_after_init = {
	.name		= PDM_FAMILY_NAME,
	.version	= PDM_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= pdm_nl_ops,
	.n_split_ops	= ARRAY_SIZE(pdm_nl_ops),
	.mcgrps		= pdm_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(pdm_nl_mcgrps),
	.resv_start_op	= PDM_CMD_KEY_FLUSH + 1,
};

/**
 * pdm_nl_init - register the pdm generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init pdm_nl_init(void)
{
	return genl_register_family(&pdm_nl_family);
}

/**
 * pdm_nl_exit - unregister the pdm generic netlink family
 */
void pdm_nl_exit(void)
{
	genl_unregister_family(&pdm_nl_family);
}
