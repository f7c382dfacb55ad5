// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM), RFC 8250.
 *
 * Per-netns configuration (net.ipv6.pdm.*), counters (/proc/net/pdm6),
 * and the receive and transmit hooks that read and write the option.
 */

#include <linux/icmpv6.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <linux/tcp.h>
#include <kunit/visibility.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/pdm.h>
#include <net/sock.h>

#define PDM_DEFAULT_MAX_FLOWS		65536
#define PDM_DEFAULT_FLOW_TIMEOUT	60	/* seconds */

/* On while PDM is enabled in at least one netns: costs nothing if not. */
DEFINE_STATIC_KEY_FALSE(ipv6_pdm_enabled_key);

/* Serialises enabled transitions with the static key and the flush. */
static DEFINE_MUTEX(pdm_sysctl_mutex);

static u32 pdm_max_flows_max = 1 << 20;
static int pdm_flow_timeout_max = 86400;

static bool pdm_proto_has_ports(u8 proto)
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

/**
 * pdm_flow_key_rcv - the flow of a received packet, from this node
 * @key: returns the key
 * @skb: the packet; its transport header is the destination options
 *	header that carries PDM
 *
 * The upper-layer header follows that header, or the Fragment header
 * after it: a destination options header without a Routing header is
 * in the unfragmentable part, so each fragment repeats the PDM of the
 * datagram, and only the first one, which has the ports, accounts it.
 * Protocols without ports (ICMPv6 among them) use port 0.
 *
 * Return: false if the option is not to be accounted: a later fragment,
 * or a header that is not the last before the upper layer.
 */
VISIBLE_IF_KUNIT bool pdm_flow_key_rcv(struct pdm_flow_key *key,
				       const struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct ipv6_opt_hdr *doh = (void *)skb_transport_header(skb);
	unsigned int off = skb_transport_offset(skb) + ipv6_optlen(doh);
	__be16 ports[2] = { 0, 0 };
	const struct frag_hdr *fh;
	struct frag_hdr _fh;
	const __be16 *pp;
	u8 proto = doh->nexthdr;

	if (proto == NEXTHDR_FRAGMENT) {
		fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
		if (!fh || fh->frag_off & htons(IP6_OFFSET))
			return false;
		proto = fh->nexthdr;
		off += sizeof(*fh);
	}
	if (ipv6_ext_hdr(proto))
		return false;

	if (pdm_proto_has_ports(proto)) {
		pp = skb_header_pointer(skb, off, sizeof(ports), ports);
		if (pp && pp != ports)
			memcpy(ports, pp, sizeof(ports));
	}
	pdm_flow_key_init(key, &ip6h->daddr, &ip6h->saddr, proto,
			  ports[1], ports[0]);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_key_rcv);

/**
 * pdm_flow_key_xmit - the flow of a packet about to be sent
 * @key: returns the key
 * @fl6: the packet's flow
 */
VISIBLE_IF_KUNIT void pdm_flow_key_xmit(struct pdm_flow_key *key,
					const struct flowi6 *fl6)
{
	bool ports = pdm_proto_has_ports(fl6->flowi6_proto);

	pdm_flow_key_init(key, &fl6->saddr, &fl6->daddr, fl6->flowi6_proto,
			  ports ? fl6->fl6_sport : 0,
			  ports ? fl6->fl6_dport : 0);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_key_xmit);

/**
 * ipv6_pdm_rcv - account a PDM option in a received Destination Options
 *	header
 * @skb: the packet; its transport header is the Destination Options header
 * @optoff: offset of the option from the network header
 *
 * Called by ip6_parse_tlv() where PDM is enabled, as early as the option
 * is seen, for the receive time. The option's action bits say skip, so this
 * never drops the packet: an option that does not parse is counted and
 * ignored; so are the copies that later fragments carry (see
 * pdm_flow_key_rcv()).
 */
void ipv6_pdm_rcv(struct sk_buff *skb, int optoff)
{
	const struct ipv6_opt_hdr *doh = (void *)skb_transport_header(skb);
	struct pdm_net *pn = dev_net(skb->dev)->ipv6.pdm;
	const u8 *opt = skb_network_header(skb) + optoff;
	u64 now = ktime_get_ns();
	struct pdm_flow_key key;
	struct pdm_flow *f;
	struct pdm_info pi;

	/* ip6_parse_tlv() checked that the option fits in the header. */
	if (pdm_parse(opt, (const u8 *)doh + ipv6_optlen(doh) - opt,
		      &pi) != PDM_OK) {
		PDM_INC_STATS(pn, PDM_MIB_INBADLEN);
		return;
	}
	if (!pdm_flow_key_rcv(&key, skb))
		return;
	PDM_INC_STATS(pn, PDM_MIB_INPKTS);

	rcu_read_lock();
	f = pdm_flow_get(pn, &key);
	if (f)
		pdm_flow_rx(f, now, &pi);
	rcu_read_unlock();
}

/* Octets PDM adds to the final destination options header of @opt. */
static unsigned int pdm_extra_len(const struct ipv6_txoptions *opt)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	unsigned int len = pdm_doh_len(dst1);

	return len ? len - (dst1 ? ipv6_optlen(dst1) : 0) : 0;
}

/**
 * ipv6_pdm_xmit_len - octets PDM adds to a packet sent by ip6_xmit()
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @fl6: the packet's flow
 *
 * Only TCP: connections sized for PDM when they were set up (see
 * ipv6_pdm_tcp_init()), SYN-ACKs of listeners, and the resets and ACKs
 * of the control socket. Other users of ip6_xmit() leave no room for it.
 *
 * Return: how much longer than @opt's final destination options header
 * the header grows with PDM in it, or 0 if the packet gets no PDM.
 */
unsigned int ipv6_pdm_xmit_len(const struct sock *sk,
			       const struct ipv6_txoptions *opt,
			       const struct flowi6 *fl6)
{
	if (!ipv6_pdm_active(sock_net(sk)) ||
	    fl6->flowi6_proto != IPPROTO_TCP ||
	    ipv6_addr_is_multicast(&fl6->daddr))
		return 0;
	if (sk_fullsock(sk) && sk_is_tcp(sk) && sk->sk_state != TCP_LISTEN &&
	    !inet6_test_bit(PDM, sk))
		return 0;
	return pdm_extra_len(opt);
}

/**
 * ipv6_pdm_cork_len - octets PDM adds to a packet built by ip6_append_data()
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @fl6: the packet's flow
 *
 * UDP, raw and ping sockets, and ICMPv6 echo replies; never ICMPv6
 * errors (nor ND or MLD, which do not come this way).
 *
 * Return: as ipv6_pdm_xmit_len().
 */
unsigned int ipv6_pdm_cork_len(const struct sock *sk,
			       const struct ipv6_txoptions *opt,
			       const struct flowi6 *fl6)
{
	if (!ipv6_pdm_active(sock_net(sk)) ||
	    ipv6_addr_is_multicast(&fl6->daddr))
		return 0;
	if (fl6->flowi6_proto == IPPROTO_ICMPV6 &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REQUEST &&
	    fl6->fl6_icmp_type != ICMPV6_ECHO_REPLY)
		return 0;
	return pdm_extra_len(opt);
}

/**
 * ipv6_pdm_push - push the final Destination Options header, with PDM
 * @skb: the packet, data at the upper-layer header
 * @sk: the sending socket
 * @opt: the packet's IPv6 options, or NULL
 * @proto: the upper-layer protocol
 * @fl6: the packet's flow
 *
 * Stands for ipv6_push_frag_opts() on a packet that ipv6_pdm_xmit_len()
 * or ipv6_pdm_cork_len() sized for PDM, with headroom for it. Without a
 * flow entry (table full, memory short) the packet leaves without PDM.
 *
 * Return: the next header value for the header in front.
 */
u8 ipv6_pdm_push(struct sk_buff *skb, const struct sock *sk,
		 struct ipv6_txoptions *opt, u8 proto, const struct flowi6 *fl6)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	struct pdm_flow_key key;
	unsigned int len;
	struct pdm_flow *f;
	struct pdm_info pi;

	pdm_flow_key_xmit(&key, fl6);
	len = pdm_doh_len(dst1);

	rcu_read_lock();
	f = len ? pdm_flow_get(pn, &key) : NULL;
	if (!f) {
		rcu_read_unlock();
		return dst1 ? ipv6_push_frag_opts(skb, opt, proto) : proto;
	}
	pdm_flow_tx(f, ktime_get_ns(), &pi);
	rcu_read_unlock();

	pdm_doh_build(skb_push(skb, len), len, dst1, proto, &pi);
	PDM_INC_STATS(pn, PDM_MIB_OUTPKTS);
	return NEXTHDR_DEST;
}

/**
 * ipv6_pdm_tcp_len - PDM octets to count in a TCP socket's header length
 * @sk: the socket
 * @opt: its IPv6 options, or NULL
 *
 * Return: what PDM adds to icsk_ext_hdr_len, so that MSS leaves room.
 */
unsigned int ipv6_pdm_tcp_len(const struct sock *sk,
			      const struct ipv6_txoptions *opt)
{
	return inet6_test_bit(PDM, sk) ? pdm_extra_len(opt) : 0;
}

/**
 * ipv6_pdm_tcp_init - decide whether a new TCP connection carries PDM
 * @sk: the connecting or accepted socket
 * @opt: its IPv6 options, or NULL
 *
 * Called where icsk_ext_hdr_len is set. A connection made while PDM is
 * enabled keeps it for life, with its MSS sized for it. GSO is off for
 * such a socket, as for TCP-MD5: the segments of one GSO packet would
 * share one copy of the header, and so one PSN.
 */
void ipv6_pdm_tcp_init(struct sock *sk, const struct ipv6_txoptions *opt)
{
	unsigned int len;

	inet6_clear_bit(PDM, sk);
	if (!ipv6_pdm_active(sock_net(sk)) ||
	    ipv6_addr_is_multicast(&sk->sk_v6_daddr))
		return;
	len = pdm_extra_len(opt);
	if (!len)
		return;
	inet6_set_bit(PDM, sk);
	sk_gso_disable(sk);
	/* The route is set already: undo what sk_setup_caps() did for GSO. */
	sk->sk_gso_max_segs = 1;
	inet_csk(sk)->icsk_ext_hdr_len += len;
}

static int pdm_sysctl_enabled(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos)
{
	struct pdm_net *pn = container_of(table->data, struct pdm_net,
					  enabled);
	u8 old;
	int ret;

	mutex_lock(&pdm_sysctl_mutex);
	old = READ_ONCE(pn->enabled);
	ret = proc_dou8vec_minmax(table, write, buffer, lenp, ppos);
	if (write && !ret && old != READ_ONCE(pn->enabled)) {
		if (old) {
			static_branch_dec(&ipv6_pdm_enabled_key);
			pdm_flows_flush(pn);
		} else {
			static_branch_inc(&ipv6_pdm_enabled_key);
		}
	}
	mutex_unlock(&pdm_sysctl_mutex);
	return ret;
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
};

static int pdm_sysctl_register(struct net *net, struct pdm_net *pn)
{
	struct ctl_table *table;

	table = kmemdup(pdm_sysctl_template, sizeof(pdm_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = &pn->enabled;
	table[1].data = &pn->max_flows;
	table[2].data = &pn->flow_timeout;

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

static const char * const pdm_mib_names[__PDM_MIB_MAX] = {
	[PDM_MIB_OUTPKTS]	= "Pdm6OutPkts",
	[PDM_MIB_INPKTS]	= "Pdm6InPkts",
	[PDM_MIB_INBADLEN]	= "Pdm6InBadLen",
	[PDM_MIB_FLOWSCREATED]	= "Pdm6FlowsCreated",
	[PDM_MIB_FLOWSEXPIRED]	= "Pdm6FlowsExpired",
	[PDM_MIB_FLOWSFULL]	= "Pdm6FlowsFull",
};

static int pdm_seq_show(struct seq_file *seq, void *v)
{
	struct pdm_net *pn = seq_file_single_net(seq)->ipv6.pdm;
	u64 sum[__PDM_MIB_MAX] = {};
	int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < __PDM_MIB_MAX; i++)
			sum[i] += per_cpu_ptr(pn->mib, cpu)->mibs[i];

	seq_printf(seq, "%-32s\t%d\n", "Pdm6Flows", atomic_read(&pn->nflows));
	for (i = 0; i < __PDM_MIB_MAX; i++)
		seq_printf(seq, "%-32s\t%llu\n", pdm_mib_names[i], sum[i]);
	return 0;
}

static int __net_init pdm_net_init(struct net *net)
{
	struct pdm_net *pn;
	int err = -ENOMEM;

	pn = kzalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn)
		return -ENOMEM;
	pn->max_flows = PDM_DEFAULT_MAX_FLOWS;
	pn->flow_timeout = PDM_DEFAULT_FLOW_TIMEOUT;

	pn->mib = alloc_percpu(struct pdm_mib);
	if (!pn->mib)
		goto free_pn;
	err = pdm_flows_init(pn);
	if (err)
		goto free_mib;
	err = pdm_sysctl_register(net, pn);
	if (err)
		goto free_flows;
	err = -ENOMEM;
	if (!proc_create_net_single("pdm6", 0444, net->proc_net, pdm_seq_show,
				    NULL))
		goto free_sysctl;

	net->ipv6.pdm = pn;
	return 0;

free_sysctl:
	pdm_sysctl_unregister(pn);
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

	remove_proc_entry("pdm6", net->proc_net);
	pdm_sysctl_unregister(pn);
	if (pn->enabled)
		static_branch_dec(&ipv6_pdm_enabled_key);
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
 * pdm_init - register PDM's per-netns state
 *
 * Return: 0 or a negative errno.
 */
int __init pdm_init(void)
{
	return register_pernet_subsys(&pdm_net_ops);
}

/**
 * pdm_exit - unregister PDM's per-netns state
 */
void pdm_exit(void)
{
	unregister_pernet_subsys(&pdm_net_ops);
}
