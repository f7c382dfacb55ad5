// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): the per-prefix policy.
 *
 * Some paths drop packets with destination options (RFC 7872), so an
 * operator keeps PDM off towards them, or has it on only towards some
 * prefixes. The table is small and changes rarely; packets read it on
 * every send and receive. So it is an immutable sorted array, replaced
 * whole under RCU on each change: a lookup takes no lock and binary
 * searches one group of entries per prefix length in use.
 */

#include <linux/bsearch.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include <net/ipv6.h>
#include <net/pdm.h>
#include "pdm_internal.h"

/* Entries by prefix length, longest first, then by prefix. */
static int pdm_policy_cmp(const struct pdm_policy *a,
			  const struct pdm_policy *b)
{
	if (a->plen != b->plen)
		return a->plen > b->plen ? -1 : 1;
	return memcmp(&a->prefix, &b->prefix, sizeof(a->prefix));
}

static int pdm_policy_prefix_cmp(const void *key, const void *elt)
{
	const struct pdm_policy *p = elt;

	return memcmp(key, &p->prefix, sizeof(p->prefix));
}

/**
 * pdm_policies_match - the policy of the longest prefix that matches
 * @t: the table, or NULL for an empty one
 * @addr: the address
 *
 * Return: the entry's PDM_MODE_*, or -1 if no entry matches.
 */
int pdm_policies_match(const struct pdm_policy_table *t,
		       const struct in6_addr *addr)
{
	const struct pdm_policy *p;
	struct in6_addr masked;
	unsigned int g;

	if (!t)
		return -1;
	for (g = 0; g < t->ngroups; g++) {
		ipv6_addr_prefix(&masked, addr, t->group[g].plen);
		p = bsearch(&masked, &t->ent[t->group[g].start],
			    t->group[g + 1].start - t->group[g].start,
			    sizeof(*p), pdm_policy_prefix_cmp);
		if (p)
			return p->mode;
	}
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_policies_match);

/**
 * pdm_policies_with - a copy of a table with one entry added or deleted
 * @t: the table, or NULL for an empty one
 * @p: the entry: with @del, only its prefix counts
 * @del: delete the entry of @p's prefix instead of adding or replacing it
 * @extack: where to say what is wrong
 *
 * Process context.
 *
 * Return: the new table, NULL if it is empty, or an ERR_PTR(): -ENOENT
 * when @del finds no entry, -ENOSPC when the table has PDM_MAX_POLICIES
 * entries already, -ENOMEM.
 */
struct pdm_policy_table *
pdm_policies_with(const struct pdm_policy_table *t,
		  const struct pdm_policy *p, bool del,
		  struct netlink_ext_ack *extack)
{
	unsigned int n = t ? t->n : 0, i, j, at = n;
	struct pdm_policy_table *nt;
	bool found = false;
	int cmp;

	for (i = 0; i < n; i++) {
		cmp = pdm_policy_cmp(p, &t->ent[i]);
		if (cmp <= 0) {
			at = i;
			found = !cmp;
			break;
		}
	}
	if (del && !found) {
		NL_SET_ERR_MSG(extack, "No policy entry for this prefix");
		return ERR_PTR(-ENOENT);
	}
	if (!del && !found && n >= PDM_MAX_POLICIES) {
		NL_SET_ERR_MSG_FMT(extack, "Policy table full (%u entries)",
				   PDM_MAX_POLICIES);
		return ERR_PTR(-ENOSPC);
	}
	if (del && n == 1)
		return NULL;

	n += del ? -1 : !found;
	nt = kvzalloc(struct_size(nt, ent, n), GFP_KERNEL);
	if (!nt)
		return ERR_PTR(-ENOMEM);
	nt->n = n;
	for (i = 0, j = 0; t && i < t->n; i++) {
		if (i == at) {
			if (!del)
				nt->ent[j++] = *p;
			if (found)
				continue;
		}
		nt->ent[j++] = t->ent[i];
	}
	if (at == (t ? t->n : 0) && !del)
		nt->ent[j++] = *p;

	/* The groups of one prefix length each; group[ngroups] ends them. */
	for (i = 0; i < n; i++) {
		if (i && nt->ent[i].plen == nt->ent[i - 1].plen)
			continue;
		nt->group[nt->ngroups].plen = nt->ent[i].plen;
		nt->group[nt->ngroups++].start = i;
	}
	nt->group[nt->ngroups].start = n;
	return nt;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_policies_with);

/* Publish @nt; the static key is held while the table has entries. */
static void pdm_policy_replace(struct pdm_net *pn,
			       struct pdm_policy_table *nt)
{
	struct pdm_policy_table *t;

	lockdep_assert_held(&pn->policy_mutex);
	t = rcu_replace_pointer(pn->policies, nt,
				lockdep_is_held(&pn->policy_mutex));
	if (!t && nt)
		static_branch_inc(&ipv6_pdm_needed.key);
	else if (t && !nt)
		static_branch_slow_dec_deferred(&ipv6_pdm_needed);
	/* After the table: see pdm_nl_policy_get_dumpit(). */
	smp_store_release(&pn->policy_gen, pn->policy_gen + 1);
	if (t)
		kvfree_rcu(t, rcu);
}

/**
 * pdm_policy_set - add, replace or delete the entry of a prefix
 * @pn: the netns' PDM data
 * @p: the entry; its prefix has no bit set past its length
 * @del: delete the entry of @p's prefix
 * @extack: where to say what is wrong
 *
 * Return: 0, or an error of pdm_policies_with().
 */
int pdm_policy_set(struct pdm_net *pn, const struct pdm_policy *p, bool del,
		   struct netlink_ext_ack *extack)
{
	struct pdm_policy_table *t, *nt;
	int err = 0;

	mutex_lock(&pn->policy_mutex);
	t = rcu_dereference_protected(pn->policies,
				      lockdep_is_held(&pn->policy_mutex));
	nt = pdm_policies_with(t, p, del, extack);
	if (IS_ERR(nt))
		err = PTR_ERR(nt);
	else
		pdm_policy_replace(pn, nt);
	mutex_unlock(&pn->policy_mutex);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_policy_set);

/**
 * pdm_policy_flush - delete every entry
 * @pn: the netns' PDM data
 */
void pdm_policy_flush(struct pdm_net *pn)
{
	mutex_lock(&pn->policy_mutex);
	pdm_policy_replace(pn, NULL);
	mutex_unlock(&pn->policy_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_policy_flush);

/**
 * pdm_policy_mode - what the policy table says for an address
 * @pn: the netns' PDM data
 * @addr: the remote address of a flow
 *
 * Return: PDM_MODE_OFF, PDM_MODE_V1 or PDM_MODE_V2, or -1 without a
 * matching entry.
 */
int pdm_policy_mode(struct pdm_net *pn, const struct in6_addr *addr)
{
	int mode;

	if (!rcu_access_pointer(pn->policies))
		return -1;
	rcu_read_lock();
	mode = pdm_policies_match(rcu_dereference(pn->policies), addr);
	rcu_read_unlock();
	return mode;
}
