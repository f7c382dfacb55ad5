// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): sockets.
 *
 * The IPV6_PDM socket option; the PDM state a connected socket keeps with
 * it, so that it lasts as long as the connection; and the PDM slot a TCP
 * connection reserves in its final destination options header, so that
 * the stack sizes its segments for PDM as for any other option.
 */

#include <linux/pdm.h>
#include <kunit/visibility.h>
#include <net/pdm.h>
#include <net/sock.h>
#include "pdm_internal.h"

/* inet6_sk(sk)->pdm is IPV6_PDM + 1, so that a new socket follows its netns. */
enum {
	PDM_SK_NETNS,
	PDM_SK_OFF,
	PDM_SK_V1,
	PDM_SK_V2,
};

static u8 pdm_sk_mode(const struct sock *sk)
{
	if (sk_fullsock(sk) && sk->sk_family == AF_INET6)
		return READ_ONCE(inet6_sk(sk)->pdm);
	return PDM_SK_NETNS;
}

/**
 * pdm_mode - whether packets to or from an address carry PDM, and which
 * @sk: the socket, or NULL for a packet the kernel answers; one that is
 *	not a full socket (request, time-wait) follows its netns
 * @net: the netns
 * @remote: the remote address
 *
 * The socket's IPV6_PDM decides if it is set; else the entry of the policy
 * table that matches @remote; else net.ipv6.pdm.enabled and .version.
 *
 * Return: 0 for no PDM, else the version to send to a peer that has sent
 * none (1 or 2).
 */
u8 pdm_mode(const struct sock *sk, struct net *net,
	    const struct in6_addr *remote)
{
	u8 mode = sk ? pdm_sk_mode(sk) : PDM_SK_NETNS;
	struct pdm_net *pn = net->ipv6.pdm;
	int policy;

	if (mode != PDM_SK_NETNS)
		return mode - PDM_SK_OFF;
	/* PDM_MODE_OFF, _V1 and _V2 are 0, 1 and 2. */
	policy = pdm_policy_mode(pn, remote);
	if (policy >= 0)
		return policy;
	if (!READ_ONCE(net->ipv6.sysctl.pdm_enabled))
		return 0;
	return READ_ONCE(pn->version);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_mode);

/**
 * pdm_sk_version - the version a socket's IPV6_PDM names
 * @sk: the socket, or NULL
 *
 * Return: 1 or 2, or 0 if the socket leaves the choice to the flow.
 */
u8 pdm_sk_version(const struct sock *sk)
{
	u8 mode = sk ? pdm_sk_mode(sk) : PDM_SK_NETNS;

	return mode >= PDM_SK_V1 ? mode - PDM_SK_OFF : 0;
}

/* The sockets whose packets can carry PDM. */
static bool pdm_sk_can(const struct sock *sk)
{
	if (sk->sk_type == SOCK_RAW)
		return true;
	switch (sk->sk_protocol) {
	case IPPROTO_TCP:
		return sk->sk_type == SOCK_STREAM;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ICMPV6:
		return sk->sk_type == SOCK_DGRAM;
	default:
		return false;
	}
}

/**
 * ipv6_pdm_setsockopt - set IPV6_PDM
 * @sk: the socket, locked
 * @val: IPV6_PDM_NETNS, IPV6_PDM_OFF, IPV6_PDM_V1 or IPV6_PDM_V2
 *
 * TCP reads it when a connection is set up; the other sockets on every
 * send.
 *
 * Return: 0, -ENOPROTOOPT for a socket PDM does not apply to, or -EINVAL.
 */
int ipv6_pdm_setsockopt(struct sock *sk, int val)
{
	if (!pdm_sk_can(sk))
		return -ENOPROTOOPT;
	if (val < IPV6_PDM_NETNS || val > IPV6_PDM_V2)
		return -EINVAL;
	if (val >= IPV6_PDM_V1)
		pdm_optin(sock_net(sk));
	WRITE_ONCE(inet6_sk(sk)->pdm, val + 1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ipv6_pdm_setsockopt);

/**
 * ipv6_pdm_getsockopt - read IPV6_PDM
 * @sk: the socket
 * @val: returns the value
 *
 * Return: 0, or -ENOPROTOOPT for a socket PDM does not apply to.
 */
int ipv6_pdm_getsockopt(const struct sock *sk, int *val)
{
	if (!pdm_sk_can(sk))
		return -ENOPROTOOPT;
	*val = READ_ONCE(inet6_sk(sk)->pdm) - 1;
	return 0;
}

/* Whether @key is the flow a connected socket is connected to. */
static bool pdm_sk_connected(const struct sock *sk,
			     const struct pdm_flow_key *key)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (ipv6_addr_any(&sk->sk_v6_daddr) ||
	    !ipv6_addr_equal(&sk->sk_v6_daddr, &key->remote))
		return false;
	if (key->lport || key->rport)
		return inet->inet_dport == key->rport &&
		       inet->inet_sport == key->lport;
	return true;
}

/**
 * pdm_sk_flow - the PDM state of a connected socket
 * @sk: the socket a packet is sent from or goes to, or NULL
 * @key: the packet's flow
 *
 * A connected socket keeps its flow's state with it, created on its first
 * packet, so that it lasts as long as the connection, however long it
 * idles. It continues what the table kept for the flow: the SYN-ACK of a
 * server's connection was sent before the socket existed. Caller holds
 * rcu_read_lock().
 *
 * Return: the socket's state, or NULL if the table is to serve @key.
 */
struct pdm_flow *pdm_sk_flow(const struct sock *sk,
			     const struct pdm_flow_key *key)
{
	struct ipv6_pinfo *np;
	struct pdm_flow *f, *t;
	struct pdm_net *pn;

	if (!sk || !sk_fullsock(sk) || sk->sk_family != AF_INET6)
		return NULL;
	np = inet6_sk(sk);
	f = rcu_dereference(np->pdm_flow);
	if (f)
		return pdm_flow_key_eq(&f->key, key) ? f : NULL;
	if (!pdm_sk_connected(sk, key))
		return NULL;

	pn = sock_net(sk)->ipv6.pdm;
	f = pdm_flow_alloc(key, GFP_ATOMIC);
	if (!f) {
		PDM_INC_STATS(pn, PDM_MIB_FLOWSNOMEM);
		return NULL;
	}
	t = pdm_flow_lookup(pn, key);
	if (t)
		pdm_flow_copy(f, t);
	f->flags |= PDM_F_SOCK;
	/*
	 * Dumps list it; not that of a kernel socket, which may outlive the
	 * netns' PDM data.
	 */
	if (sk->sk_net_refcnt && pdm_flow_id_add(pn, f)) {
		pdm_flow_free(f);
		PDM_INC_STATS(pn, PDM_MIB_FLOWSNOMEM);
		return NULL;
	}
	t = unrcu_pointer(cmpxchg(&np->pdm_flow, NULL, RCU_INITIALIZER(f)));
	if (t) {
		/* Another CPU was first. */
		pdm_flow_id_del(pn, f);
		kfree_rcu(f, rcu);
		return pdm_flow_key_eq(&t->key, key) ? t : NULL;
	}
	PDM_INC_STATS(pn, PDM_MIB_SOCKFLOWS);
	return f;
}

/**
 * pdm_tx_version - the version of PDM a socket sends on a flow
 * @sk: the sending socket
 * @key: the flow
 *
 * The socket's IPV6_PDM if it names a version; else the version the peer
 * last sent on the flow (reply in kind: an RFC 8250 peer gets RFC 8250);
 * else that of the policy entry for the peer, or net.ipv6.pdm.version.
 *
 * Return: 1 or 2.
 */
u8 pdm_tx_version(const struct sock *sk, const struct pdm_flow_key *key)
{
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	struct pdm_flow *f = NULL;
	u8 version = pdm_sk_version(sk);

	if (version)
		return version;
	rcu_read_lock();
	if (sk_fullsock(sk) && sk->sk_family == AF_INET6)
		f = rcu_dereference(inet6_sk(sk)->pdm_flow);
	if (!f || !pdm_flow_key_eq(&f->key, key))
		f = pdm_flow_lookup(pn, key);
	if (f)
		version = READ_ONCE(f->peer_version);
	rcu_read_unlock();
	return version ?: pdm_mode(sk, sock_net(sk), &key->remote) ?:
			   READ_ONCE(pn->version);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_tx_version);

/**
 * pdm_tx_form - the form of PDM a socket sends on a flow
 * @sk: the sending socket
 * @key: the flow
 *
 * Protected PDMv2 where a transmit key covers the peer, unless the socket
 * asks for RFC 8250; else the version pdm_tx_version() chooses.
 *
 * Return: 1, 2 or PDM_FORM_V2P.
 */
u8 pdm_tx_form(const struct sock *sk, const struct pdm_flow_key *key)
{
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	bool prot;

	if (pdm_sk_version(sk) == 1)
		return 1;
	rcu_read_lock();
	prot = pdm_key_tx(pn, &key->remote);
	rcu_read_unlock();
	return prot ? PDM_FORM_V2P : pdm_tx_version(sk, key);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_tx_form);

/*
 * Take a socket's flow from it. A TCP connection's goes to the table: its
 * packets go on without the socket (see pdm_flow_adopt()). Those of the
 * other sockets do not: the flow goes with the socket.
 */
static void pdm_sk_flow_release(struct sock *sk)
{
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	struct pdm_flow *f;

	f = unrcu_pointer(xchg(&inet6_sk(sk)->pdm_flow, NULL));
	if (!f)
		return;
	/* Not a kernel socket's, which may outlive the netns' PDM data. */
	if (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP &&
	    sk->sk_net_refcnt) {
		pdm_flow_adopt(pn, f);
		return;
	}
	pdm_flow_id_del(pn, f);
	kfree_rcu(f, rcu);
}

/**
 * __ipv6_pdm_tcp_close - see ipv6_pdm_tcp_close()
 * @sk: the socket, its connection closed
 */
void __ipv6_pdm_tcp_close(struct sock *sk)
{
	pdm_sk_flow_release(sk);
}

/**
 * __ipv6_pdm_sk_destroy - free a socket's PDM state
 * @sk: the socket, going away
 */
void __ipv6_pdm_sk_destroy(struct sock *sk)
{
	pdm_sk_flow_release(sk);
	txopt_put(unrcu_pointer(xchg(&inet6_sk(sk)->pdm_opt, NULL)));
}
EXPORT_SYMBOL_IF_KUNIT(__ipv6_pdm_sk_destroy);

static unsigned int pdm_hdr_space(const void *hdr)
{
	return hdr ? CMSG_ALIGN(ipv6_optlen((const struct ipv6_opt_hdr *)hdr)) :
		     0;
}

static void *pdm_hdr_copy(char **p, const void *hdr)
{
	void *copy = *p;

	if (!hdr)
		return NULL;
	memcpy(copy, hdr, ipv6_optlen((const struct ipv6_opt_hdr *)hdr));
	*p += pdm_hdr_space(hdr);
	return copy;
}

/*
 * @opt, or no options, with a slot for PDM of @form in the final
 * destination options header, allocated as ipv6_renew_options() does,
 * and charged to the socket's option memory if @charge. NULL when the
 * socket's own header leaves no room (Pdm6OutSkipped) or memory is short.
 */
static struct ipv6_txoptions *pdm_opt_slot(struct sock *sk,
					   const struct ipv6_txoptions *opt,
					   gfp_t gfp, u8 form, bool charge)
{
	const struct ipv6_opt_hdr *dst1 = opt ? opt->dst1opt : NULL;
	struct pdm_net *pn = sock_net(sk)->ipv6.pdm;
	u8 v2_type = READ_ONCE(pn->v2_type);
	struct pdm_info blank = {
		.version = form == 1 ? 1 : 2,
		.prot = form == PDM_FORM_V2P,
		.type = form == 1 ? IPV6_TLV_PDM : v2_type,
	};
	unsigned int len = pdm_doh_len(dst1, form, v2_type), tot;
	struct ipv6_txoptions *nopt;
	char *p;

	if (!len) {
		PDM_INC_STATS(sock_net(sk)->ipv6.pdm, PDM_MIB_OUTSKIPPED);
		return NULL;
	}
	tot = sizeof(*nopt) + CMSG_ALIGN(len);
	if (opt)
		tot += pdm_hdr_space(opt->hopopt) + pdm_hdr_space(opt->dst0opt) +
		       pdm_hdr_space(opt->srcrt);
	nopt = charge ? sock_kmalloc(sk, tot, gfp) : kmalloc(tot, gfp);
	if (!nopt)
		return NULL;
	memset(nopt, 0, sizeof(*nopt));
	refcount_set(&nopt->refcnt, 1);
	nopt->tot_len = tot;
	p = (char *)(nopt + 1);
	if (opt) {
		nopt->hopopt = pdm_hdr_copy(&p, opt->hopopt);
		nopt->dst0opt = pdm_hdr_copy(&p, opt->dst0opt);
		nopt->srcrt = pdm_hdr_copy(&p, opt->srcrt);
		nopt->opt_nflen = opt->opt_nflen;
	}
	nopt->pdm_off = pdm_doh_build(p, len, dst1, 0, &blank, v2_type);
	nopt->dst1opt = (struct ipv6_opt_hdr *)p;
	nopt->opt_flen = len;
	return nopt;
}

/**
 * __ipv6_pdm_sk_opt - give a new connection PDM's slot if it has PDM
 * @sk: the connecting or accepted socket
 * @opt: its options, or NULL
 *
 * See ipv6_pdm_sk_opt(). The connection keeps GSO: SKB_GSO_PDM in its GSO
 * type has each segment of a GSO packet get its own PSN when the stack
 * segments it, in software (see ipv6_pdm_gso_segment()). The version is
 * chosen here, for the connection's life: an accepted connection answers
 * in the version of its SYN.
 *
 * Return: the socket's options.
 */
struct ipv6_txoptions *__ipv6_pdm_sk_opt(struct sock *sk,
					 struct ipv6_txoptions *opt)
{
	struct ipv6_txoptions *nopt, *old;
	struct pdm_flow_key key;

	if ((opt && opt->pdm_off) ||
	    ipv6_addr_is_multicast(&sk->sk_v6_daddr) ||
	    !pdm_mode(sk, sock_net(sk), &sk->sk_v6_daddr))
		return opt;
	pdm_flow_key_sk(&key, sk);
	nopt = pdm_opt_slot(sk, opt, gfp_any(), pdm_tx_form(sk, &key), true);
	if (!nopt)
		return opt;
	old = unrcu_pointer(xchg(&inet6_sk(sk)->opt, RCU_INITIALIZER(nopt)));
	if (old) {
		atomic_sub(old->tot_len, &sk->sk_omem_alloc);
		txopt_put(old);
	}
	sk->sk_gso_type |= SKB_GSO_PDM;
	return nopt;
}

/**
 * __ipv6_pdm_sk_reslot - keep a connection's slot when its options change
 * @sk: the socket, locked
 * @old: its options, with a slot
 * @opt: its new options, not yet in use, or NULL
 *
 * Return: @opt, or the copy with the slot that replaces it. Without room
 * for PDM in the new header, the connection goes on without it.
 */
struct ipv6_txoptions *__ipv6_pdm_sk_reslot(struct sock *sk,
					    const struct ipv6_txoptions *old,
					    struct ipv6_txoptions *opt)
{
	const struct ipv6_opt_hdr *d = opt ? opt->dst1opt : NULL;
	struct ipv6_txoptions *nopt;

	/* Another header changed: the final one, slot and all, was copied. */
	if (d && old->dst1opt && ipv6_optlen(d) == ipv6_optlen(old->dst1opt) &&
	    !memcmp(d, old->dst1opt, ipv6_optlen(d))) {
		opt->pdm_off = old->pdm_off;
		return opt;
	}
	nopt = pdm_opt_slot(sk, opt, GFP_KERNEL,
			    pdm_opt_version(((u8 *)old->dst1opt)[old->pdm_off + 1]),
			    true);
	if (!nopt) {
		/* Its GSO packets need no PSNs given out any more. */
		sk->sk_gso_type &= ~SKB_GSO_PDM;
		return opt;
	}
	if (opt)
		sock_kfree_s(sk, opt, opt->tot_len);
	return nopt;
}

/* Whether the slot of @opt is one for PDM of @form as @sk sends it now. */
static bool pdm_opt_slot_is(const struct sock *sk,
			    const struct ipv6_txoptions *opt, u8 form)
{
	const u8 *slot = (const u8 *)opt->dst1opt + opt->pdm_off;
	u8 type = form == 1 ? IPV6_TLV_PDM :
			      READ_ONCE(sock_net(sk)->ipv6.pdm->v2_type);

	return slot[0] == type && pdm_opt_version(slot[1]) == form;
}

/**
 * pdm_sk_cork_opt - the options of a send from a socket without its own
 * @sk: the sending socket: UDP, UDP-Lite, raw or ping
 * @form: the form of PDM the send carries
 * @gfp: allocation flags
 *
 * A final destination options header with a slot for PDM of @form and
 * nothing else. It is made once and kept with the socket; the corks of
 * its sends share it, read only, each with a reference, instead of each
 * making its own copy: the fields are written in the packet, not here.
 * It is made again when the form or PDMv2's option type changes. Not
 * charged to the socket's option memory: one, of a few octets, per
 * socket, as its flow.
 *
 * Return: a reference to the options (txopt_put() drops it), or NULL.
 */
struct ipv6_txoptions *pdm_sk_cork_opt(struct sock *sk, u8 form, gfp_t gfp)
{
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct ipv6_txoptions *opt, *old;

	rcu_read_lock();
	opt = rcu_dereference(np->pdm_opt);
	if (opt && pdm_opt_slot_is(sk, opt, form) &&
	    refcount_inc_not_zero(&opt->refcnt)) {
		rcu_read_unlock();
		return opt;
	}
	rcu_read_unlock();

	opt = pdm_opt_slot(sk, NULL, gfp, form, false);
	if (!opt)
		return NULL;
	/* One reference for the socket, one for the caller. */
	refcount_inc(&opt->refcnt);
	old = unrcu_pointer(xchg(&np->pdm_opt, RCU_INITIALIZER(opt)));
	txopt_put(old);
	return opt;
}
