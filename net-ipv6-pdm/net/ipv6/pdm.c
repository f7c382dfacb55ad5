// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): RFC 8250 and PDMv2.
 *
 * Per-netns configuration (net.ipv6.pdm.*) and counters (in
 * /proc/net/snmp6), and the set-up of PDM as a whole.
 */

#include <linux/ip6_tunnel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <kunit/visibility.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/pdm.h>
#include <net/sock.h>
#include "pdm_internal.h"

#define PDM_DEFAULT_MAX_FLOWS		65536
#define PDM_DEFAULT_FLOW_TIMEOUT	60	/* seconds */
#define PDM_DEFAULT_VERSION		2
#define PDM_DEFAULT_MONITOR_RATE	10000	/* records per second */

/* Serialises enabled transitions with the static key and the flush. */
static DEFINE_MUTEX(pdm_sysctl_mutex);

static u32 pdm_max_flows_max = 1 << 20;
static int pdm_flow_timeout_max = 86400;
static int pdm_monitor_rate_max = 1000000;

/*
 * PDMv2's option type: one a receiver that does not know it skips (action
 * bits 00) and that does not change en route (RFC 8200 4.2), and that is
 * not padding nor the Tunnel Encapsulation Limit, which tunnels read.
 */
static bool pdm_v2_type_ok(unsigned int type)
{
	return type < 0x20 && type != IPV6_TLV_PAD1 &&
	       type != IPV6_TLV_PADN && type != IPV6_TLV_TNL_ENCAP_LIMIT;
}

static int pdm_sysctl_v2_type(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos)
{
	u8 *valp = table->data;
	unsigned int val = READ_ONCE(*valp);
	struct ctl_table tmp = {
		.data	= &val,
		.maxlen	= sizeof(val),
		.mode	= table->mode,
	};
	int ret;

	ret = proc_douintvec(&tmp, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	if (!pdm_v2_type_ok(val))
		return -EINVAL;
	WRITE_ONCE(*valp, val);
	return 0;
}

static int pdm_sysctl_enabled(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos)
{
	struct net *net = container_of(table->data, struct net,
				       ipv6.sysctl.pdm_enabled);
	u8 old;
	int ret;

	mutex_lock(&pdm_sysctl_mutex);
	old = READ_ONCE(net->ipv6.sysctl.pdm_enabled);
	ret = proc_dou8vec_minmax(table, write, buffer, lenp, ppos);
	if (write && !ret && old != READ_ONCE(net->ipv6.sysctl.pdm_enabled)) {
		if (old) {
			static_branch_slow_dec_deferred(&ipv6_pdm_needed);
			pdm_flows_flush(net->ipv6.pdm);
		} else {
			static_branch_inc(&ipv6_pdm_needed.key);
		}
	}
	mutex_unlock(&pdm_sysctl_mutex);
	return ret;
}

/**
 * pdm_optin - hold the static key for a netns in which a socket opts in
 * @net: the socket's netns
 *
 * Process context. Held until the netns goes: a socket may opt in where
 * PDM is disabled, and its packets must then still reach the hooks.
 */
void pdm_optin(struct net *net)
{
	struct pdm_net *pn = net->ipv6.pdm;

	if (READ_ONCE(pn->optin))
		return;
	mutex_lock(&pdm_sysctl_mutex);
	if (!pn->optin) {
		static_branch_inc(&ipv6_pdm_needed.key);
		WRITE_ONCE(pn->optin, true);
	}
	mutex_unlock(&pdm_sysctl_mutex);
}

static const struct ctl_table pdm_sysctl_template[] = {
	{
		.procname	= "enabled",
		.maxlen		= sizeof(u8),
		.mode		= 0644,
		.proc_handler	= pdm_sysctl_enabled,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "max_flows",
		.maxlen		= sizeof(u32),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &pdm_max_flows_max,
	},
	{
		.procname	= "flow_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &pdm_flow_timeout_max,
	},
	{
		.procname	= "version",
		.maxlen		= sizeof(u8),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ONE,	/* RFC 8250 */
		.extra2		= SYSCTL_TWO,	/* PDMv2 */
	},
	{
		.procname	= "v2_type",
		.maxlen		= sizeof(u8),
		.mode		= 0644,
		.proc_handler	= pdm_sysctl_v2_type,
	},
	{
		.procname	= "monitor_rate",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &pdm_monitor_rate_max,
	},
};

static int pdm_sysctl_register(struct net *net, struct pdm_net *pn)
{
	struct ctl_table *table;

	table = kmemdup(pdm_sysctl_template, sizeof(pdm_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = &net->ipv6.sysctl.pdm_enabled;
	table[1].data = &pn->max_flows;
	table[2].data = &pn->flow_timeout;
	table[3].data = &pn->version;
	table[4].data = &pn->v2_type;
	table[5].data = &pn->monitor_rate;
	/* Memory is not the namespace's to give: the initial one bounds it. */
	if (!net_eq(net, &init_net))
		table[1].extra2 = &init_net.ipv6.pdm->max_flows;

	pn->sysctl_hdr = register_net_sysctl_sz(net, "net/ipv6/pdm", table,
						ARRAY_SIZE(pdm_sysctl_template));
	if (!pn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

static void pdm_sysctl_unregister(struct pdm_net *pn)
{
	const struct ctl_table *table = pn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(pn->sysctl_hdr);
	kfree(table);
}

/* Named for every version of the option: the flow state is shared. */
const char * const pdm_mib_names[__PDM_MIB_MAX] = {
	[PDM_MIB_OUTPKTS]	= "Pdm6OutPkts",
	[PDM_MIB_OUTSKIPPED]	= "Pdm6OutSkipped",
	[PDM_MIB_INPKTS]	= "Pdm6InPkts",
	[PDM_MIB_INMALFORMED]	= "Pdm6InMalformed",
	[PDM_MIB_FLOWSCREATED]	= "Pdm6FlowsCreated",
	[PDM_MIB_FLOWSEXPIRED]	= "Pdm6FlowsExpired",
	[PDM_MIB_FLOWSEVICTED]	= "Pdm6FlowsEvicted",
	[PDM_MIB_FLOWSNOMEM]	= "Pdm6FlowsNoMem",
	[PDM_MIB_SOCKFLOWS]	= "Pdm6SockFlows",
	[PDM_MIB_OUTPROTECTED]	= "Pdm6OutProtected",
	[PDM_MIB_OUTNOKEY]	= "Pdm6OutNoKey",
	[PDM_MIB_INPROTECTED]	= "Pdm6InProtected",
	[PDM_MIB_INAUTHFAILED]	= "Pdm6InAuthFailed",
	[PDM_MIB_INNOKEY]	= "Pdm6InNoKey",
	[PDM_MIB_INREPLAYED]	= "Pdm6InReplayed",
	[PDM_MIB_INUNPROTECTED]	= "Pdm6InUnprotected",
	[PDM_MIB_MONITORRECORDS] = "Pdm6MonitorRecords",
	[PDM_MIB_MONITORLIMITED] = "Pdm6MonitorLimited",
};
EXPORT_SYMBOL_IF_KUNIT(pdm_mib_names);

/**
 * ipv6_pdm_snmp6_seq_show - print the PDM counters of a netns in /proc/net/snmp6
 * @seq: the file
 * @net: the netns
 */
void ipv6_pdm_snmp6_seq_show(struct seq_file *seq, struct net *net)
{
	struct pdm_net *pn = net->ipv6.pdm;
	int i;

	if (!pn)
		return;
	for (i = 0; i < __PDM_MIB_MAX; i++)
		seq_printf(seq, "%-32s\t%lu\n", pdm_mib_names[i],
			   snmp_fold_field(pn->mib, i));
}

static int __net_init pdm_net_init(struct net *net)
{
	struct pdm_net *pn;
	int err = -ENOMEM;

	pn = kzalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn)
		return -ENOMEM;
	pn->max_flows = PDM_DEFAULT_MAX_FLOWS;
	if (!net_eq(net, &init_net))
		pn->max_flows = min(pn->max_flows,
				    READ_ONCE(init_net.ipv6.pdm->max_flows));
	pn->flow_timeout = PDM_DEFAULT_FLOW_TIMEOUT;
	pn->version = PDM_DEFAULT_VERSION;
	/* As draft-ietf-ippm-encrypted-pdmv2-13 writes, until IANA assigns. */
	pn->v2_type = IPV6_TLV_PDM;
	pn->monitor_rate = PDM_DEFAULT_MONITOR_RATE;
	pn->monitor_stamp = jiffies;
	mutex_init(&pn->policy_mutex);

	pn->mib = alloc_percpu(struct pdm_mib);
	if (!pn->mib)
		goto free_pn;
	err = pdm_flows_init(pn);
	if (err)
		goto free_mib;
	err = pdm_keys_init(pn);
	if (err)
		goto free_flows;
	err = pdm_sysctl_register(net, pn);
	if (err)
		goto free_keys;

	net->ipv6.pdm = pn;
	return 0;

free_keys:
	pdm_keys_destroy(pn);
free_flows:
	pdm_flows_destroy(pn);
free_mib:
	free_percpu(pn->mib);
free_pn:
	kfree(pn);
	return err;
}

static void __net_exit pdm_net_exit(struct net *net)
{
	struct pdm_net *pn = net->ipv6.pdm;

	pdm_sysctl_unregister(pn);
	if (net->ipv6.sysctl.pdm_enabled)
		static_branch_slow_dec_deferred(&ipv6_pdm_needed);
	if (pn->optin)
		static_branch_slow_dec_deferred(&ipv6_pdm_needed);
	pdm_policy_flush(pn);
	pdm_keys_destroy(pn);
	pdm_flows_destroy(pn);
	free_percpu(pn->mib);
	kfree(pn);
	net->ipv6.pdm = NULL;
}

static struct pernet_operations pdm_net_ops = {
	.init = pdm_net_init,
	.exit = pdm_net_exit,
};

/**
 * ipv6_pdm_init - set up PDM: the flow entry cache, the per-netns state,
 * the pdm generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init ipv6_pdm_init(void)
{
	int err;

	err = pdm_flow_cache_init();
	if (err)
		return err;
	err = pdm_keys_wq_init();
	if (err)
		goto cache_exit;
	err = register_pernet_subsys(&pdm_net_ops);
	if (err)
		goto wq_exit;
	err = pdm_nl_init();
	if (err)
		goto pernet_exit;
	return 0;

pernet_exit:
	unregister_pernet_subsys(&pdm_net_ops);
wq_exit:
	pdm_keys_wq_exit();
cache_exit:
	pdm_flow_cache_exit();
	return err;
}

/**
 * ipv6_pdm_exit - undo ipv6_pdm_init()
 */
void ipv6_pdm_exit(void)
{
	pdm_nl_exit();
	unregister_pernet_subsys(&pdm_net_ops);
	pdm_keys_wq_exit();
	static_key_deferred_flush(&ipv6_pdm_needed);
	pdm_flow_cache_exit();
}
