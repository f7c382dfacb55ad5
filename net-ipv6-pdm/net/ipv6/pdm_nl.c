// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): the pdm generic netlink
 * family, Documentation/netlink/specs/pdm.yaml. Its policies and op table
 * are generated, in pdm_nl_gen.c.
 */

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
	cb->args[0] = id;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (!err)
		/* Past the last id: the next call finds nothing. */
		cb->args[0] = ULONG_MAX;
	return err ?: skb->len;
}

static struct genl_family pdm_nl_family __ro_after_init = {
	.name		= PDM_FAMILY_NAME,
	.version	= PDM_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= pdm_nl_ops,
	.n_split_ops	= ARRAY_SIZE(pdm_nl_ops),
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
