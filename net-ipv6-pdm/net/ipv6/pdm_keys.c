// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): the keys of protected
 * PDMv2 in a netns.
 *
 * A transmit key protects what is sent to a peer prefix: the longest
 * matching prefix of the destination picks it, and its Epoch goes on the
 * wire. A receive key opens what comes from a peer prefix under an Epoch:
 * the source address and the option's Epoch pick it. A peer covered by a
 * receive key of any Epoch must protect what it sends (no downgrade).
 *
 * Entries are in one hash table by (direction, prefix, length, Epoch),
 * searched once per prefix length in use, longest first, under RCU. A key
 * replaced or deleted is freed after a grace period, from a work item, as
 * freeing a transform may sleep: a packet that found it keeps it until its
 * RCU read section ends. Key octets are never read back; the transform
 * zeroes its schedule when freed and the entry is freed with
 * kfree_sensitive().
 */

#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include <net/ipv6.h>
#include <net/pdm.h>
#include "pdm_internal.h"

static const struct rhashtable_params pdm_key_params = {
	.key_len		= sizeof(struct pdm_key_lookup),
	.key_offset		= offsetof(struct pdm_key_entry, lk),
	.head_offset		= offsetof(struct pdm_key_entry, node),
	.automatic_shrinking	= true,
};

/* Keys freed, for the KUnit test of the grace period. */
static atomic_t pdm_keys_freed = ATOMIC_INIT(0);

/**
 * pdm_keys_freed_count - how many key entries have been freed so far
 *
 * Return: the count.
 */
int pdm_keys_freed_count(void)
{
	return atomic_read(&pdm_keys_freed);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_keys_freed_count);

static void pdm_key_free_work(struct work_struct *work)
{
	struct pdm_key_entry *e = container_of(to_rcu_work(work),
					       struct pdm_key_entry, free_work);

	pdm_key_release(&e->key);
	kfree_sensitive(e);
	atomic_inc(&pdm_keys_freed);
}

/* Free @e once no RCU reader can hold it. */
static struct workqueue_struct *pdm_key_wq;

static void pdm_key_free_rcu(struct pdm_key_entry *e)
{
	INIT_RCU_WORK(&e->free_work, pdm_key_free_work);
	queue_rcu_work(pdm_key_wq, &e->free_work);
}

/**
 * pdm_keys_wq_init - create the workqueue that frees keys
 *
 * Return: 0 or -ENOMEM.
 */
int pdm_keys_wq_init(void)
{
	pdm_key_wq = alloc_workqueue("pdm_keys", WQ_UNBOUND, 0);
	return pdm_key_wq ? 0 : -ENOMEM;
}

/**
 * pdm_keys_wq_flush - wait until every key deleted so far is freed
 */
void pdm_keys_wq_flush(void)
{
	rcu_barrier();
	flush_workqueue(pdm_key_wq);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_keys_wq_flush);

/**
 * pdm_keys_wq_exit - free the keys still waiting, and the workqueue
 *
 * Every netns is gone: no key is queued any more but after a grace period.
 */
void pdm_keys_wq_exit(void)
{
	rcu_barrier();
	destroy_workqueue(pdm_key_wq);
}

/**
 * pdm_keys_init - set up the key table of a netns
 * @pn: its PDM data
 *
 * Return: 0 or a negative errno.
 */
int pdm_keys_init(struct pdm_net *pn)
{
	mutex_init(&pn->key_mutex);
	xa_init(&pn->key_ids);
	return rhashtable_init(&pn->keys, &pdm_key_params);
}

/* Account a prefix length of @dir as in use by one more entry, or one less. */
static void pdm_key_len_ref(struct pdm_net *pn, u8 dir, u8 plen, int delta)
{
	u32 *n = &pn->key_len_refs[dir][plen];

	*n += delta;
	if (*n)
		set_bit(plen, pn->key_lens[dir]);
	else
		clear_bit(plen, pn->key_lens[dir]);
}

/*
 * The receive prefixes, whatever their Epoch, are marker entries of
 * PDM_KEY_RX_ANY, counted: a source they cover must protect its options.
 */
static int pdm_key_rx_any_ref(struct pdm_net *pn, const struct pdm_key_lookup *lk,
			      int delta)
{
	struct pdm_key_lookup any = {
		.prefix = lk->prefix, .plen = lk->plen, .dir = PDM_KEY_RX_ANY,
	};
	struct pdm_key_entry *m;
	int err;

	m = rhashtable_lookup_fast(&pn->keys, &any, pdm_key_params);
	if (m) {
		m->refs += delta;
		if (!m->refs) {
			rhashtable_remove_fast(&pn->keys, &m->node,
					       pdm_key_params);
			pdm_key_len_ref(pn, PDM_KEY_RX_ANY, any.plen, -1);
			kfree_rcu(m, rcu);
		}
		return 0;
	}
	if (WARN_ON_ONCE(delta < 0))
		return 0;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->lk = any;
	m->refs = 1;
	err = rhashtable_insert_fast(&pn->keys, &m->node, pdm_key_params);
	if (err) {
		kfree(m);
		return err;
	}
	pdm_key_len_ref(pn, PDM_KEY_RX_ANY, any.plen, 1);
	return 0;
}

/* Take @e out of the table; it is freed after a grace period. */
static void pdm_key_unlink(struct pdm_net *pn, struct pdm_key_entry *e,
			   bool replaced)
{
	lockdep_assert_held(&pn->key_mutex);
	if (!replaced)
		rhashtable_remove_fast(&pn->keys, &e->node, pdm_key_params);
	/* Its id may name its replacement already. */
	xa_cmpxchg(&pn->key_ids, e->id, e, NULL, 0);
	pdm_key_len_ref(pn, e->lk.dir, e->lk.plen, -1);
	if (e->lk.dir == PDM_KEY_DIR_RX)
		pdm_key_rx_any_ref(pn, &e->lk, -1);
	pn->nkeys--;
	pdm_key_free_rcu(e);
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pdm_key_unlink_locked - pdm_key_del() with pn->key_mutex held, no sleep
 * @pn: the netns' PDM data
 * @id: the key's id
 *
 * For KUnit: the part of a delete or a replace that readers race with.
 *
 * Return: 0, or -ENOENT.
 */
int pdm_key_unlink_locked(struct pdm_net *pn, u32 id)
{
	struct pdm_key_entry *e = xa_load(&pn->key_ids, id);

	if (!e)
		return -ENOENT;
	pdm_key_unlink(pn, e, false);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_unlink_locked);
#endif

/**
 * pdm_key_add - install a key, or replace the one of its place
 * @pn: the netns' PDM data
 * @id: the entry's id, unique in the netns
 * @lk: its direction, prefix (no bit set past its length), length, and
 *	Epoch (of a transmit key: the Epoch it sends)
 * @key: the AES key
 * @key_len: its length, 16 or 32 octets
 * @salt: PDM_GCM_SALT_LEN octets
 * @extack: where to say what is wrong
 *
 * A transmit key replaces the transmit key of its prefix, whatever its
 * Epoch: that is how a sender switches to the next Epoch. A receive key
 * replaces the one of its prefix and Epoch. Packets see the old key or the
 * new one, never neither. Process context.
 *
 * Return: 0, -EEXIST if @id names another entry, -ENOSPC when the table
 * is full, or -ENOMEM or the crypto API's error.
 */
int pdm_key_add(struct pdm_net *pn, u32 id, const struct pdm_key_lookup *lk,
		const u8 *key, unsigned int key_len, const u8 *salt,
		struct netlink_ext_ack *extack)
{
	struct pdm_key_entry *e, *old;
	int err;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->id = id;
	e->lk = *lk;
	e->key.epoch = lk->epoch;
	/* A transmit key is found by its prefix alone. */
	if (lk->dir == PDM_KEY_DIR_TX)
		e->lk.epoch = 0;
	err = pdm_key_setup(&e->key, key, key_len, salt);
	if (err) {
		NL_SET_ERR_MSG(extack, "Cannot set up AES-GCM with this key");
		kfree_sensitive(e);
		return err;
	}

	mutex_lock(&pn->key_mutex);
	old = rhashtable_lookup_fast(&pn->keys, &e->lk, pdm_key_params);
	if (xa_load(&pn->key_ids, id) && (!old || old->id != id)) {
		NL_SET_ERR_MSG_FMT(extack, "Key id %u is another entry's", id);
		err = -EEXIST;
		goto unlock;
	}
	if (!old && pn->nkeys >= PDM_MAX_KEYS) {
		NL_SET_ERR_MSG_FMT(extack, "Key table full (%u entries)",
				   PDM_MAX_KEYS);
		err = -ENOSPC;
		goto unlock;
	}
	err = xa_reserve(&pn->key_ids, id, GFP_KERNEL);
	if (err)
		goto unlock;
	if (!old && e->lk.dir == PDM_KEY_DIR_RX) {
		err = pdm_key_rx_any_ref(pn, &e->lk, 1);
		if (err)
			goto release;
	}
	if (old)
		err = rhashtable_replace_fast(&pn->keys, &old->node, &e->node,
					      pdm_key_params);
	else
		err = rhashtable_insert_fast(&pn->keys, &e->node,
					     pdm_key_params);
	if (err) {
		if (!old && e->lk.dir == PDM_KEY_DIR_RX)
			pdm_key_rx_any_ref(pn, &e->lk, -1);
		goto release;
	}
	/* Reserved above, or @old's: no allocation, cannot fail. */
	xa_store(&pn->key_ids, id, e, GFP_KERNEL);
	pdm_key_len_ref(pn, e->lk.dir, e->lk.plen, 1);
	pn->nkeys++;
	if (old) {
		/* Its marker counts the new entry instead. */
		if (old->lk.dir == PDM_KEY_DIR_RX)
			pdm_key_rx_any_ref(pn, &old->lk, 1);
		pdm_key_unlink(pn, old, true);
	}
	mutex_unlock(&pn->key_mutex);
	return 0;

release:
	if (!xa_load(&pn->key_ids, id))
		xa_release(&pn->key_ids, id);
unlock:
	mutex_unlock(&pn->key_mutex);
	pdm_key_release(&e->key);
	kfree_sensitive(e);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_add);

/**
 * pdm_key_del - delete a key
 * @pn: the netns' PDM data
 * @id: its id
 *
 * Return: 0, or -ENOENT.
 */
int pdm_key_del(struct pdm_net *pn, u32 id)
{
	struct pdm_key_entry *e;
	int err = -ENOENT;

	mutex_lock(&pn->key_mutex);
	e = xa_load(&pn->key_ids, id);
	if (e) {
		pdm_key_unlink(pn, e, false);
		err = 0;
	}
	mutex_unlock(&pn->key_mutex);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_del);

/**
 * pdm_keys_flush - delete every key of a netns
 * @pn: its PDM data
 */
void pdm_keys_flush(struct pdm_net *pn)
{
	struct pdm_key_entry *e;
	unsigned long id;

	mutex_lock(&pn->key_mutex);
	xa_for_each(&pn->key_ids, id, e)
		pdm_key_unlink(pn, e, false);
	mutex_unlock(&pn->key_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_keys_flush);

/**
 * pdm_keys_destroy - free the key table of a netns going away
 * @pn: its PDM data
 */
void pdm_keys_destroy(struct pdm_net *pn)
{
	pdm_keys_flush(pn);
	rhashtable_destroy(&pn->keys);
	xa_destroy(&pn->key_ids);
}

/*
 * The entry of @dir for the longest prefix that matches @addr, under
 * @epoch. Caller holds rcu_read_lock().
 */
static struct pdm_key_entry *pdm_key_match(struct pdm_net *pn, u8 dir,
					   const struct in6_addr *addr,
					   u16 epoch)
{
	struct pdm_key_lookup lk = { .dir = dir, .epoch = epoch };
	unsigned long size = PDM_KEY_LENS, plen;
	struct pdm_key_entry *e;

	if (!READ_ONCE(pn->nkeys))
		return NULL;
	while ((plen = find_last_bit(pn->key_lens[dir], size)) < size) {
		lk.plen = plen;
		ipv6_addr_prefix(&lk.prefix, addr, plen);
		e = rhashtable_lookup(&pn->keys, &lk, pdm_key_params);
		if (e)
			return e;
		size = plen;
	}
	return NULL;
}

/**
 * pdm_key_tx - the key that protects what is sent to an address
 * @pn: the netns' PDM data
 * @daddr: the destination
 *
 * Caller holds rcu_read_lock(); the key stays valid until it drops it.
 *
 * Return: the key, or NULL if what goes to @daddr is not protected.
 */
struct pdm_key *pdm_key_tx(struct pdm_net *pn, const struct in6_addr *daddr)
{
	struct pdm_key_entry *e = pdm_key_match(pn, PDM_KEY_DIR_TX, daddr, 0);

	return e ? &e->key : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_tx);

/**
 * pdm_key_rx - the key that opens what comes from an address under an Epoch
 * @pn: the netns' PDM data
 * @saddr: the source
 * @epoch: the option's Epoch
 *
 * Caller holds rcu_read_lock().
 *
 * Return: the key, or NULL.
 */
struct pdm_key *pdm_key_rx(struct pdm_net *pn, const struct in6_addr *saddr,
			   u16 epoch)
{
	struct pdm_key_entry *e = pdm_key_match(pn, PDM_KEY_DIR_RX, saddr,
						epoch);

	return e ? &e->key : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_rx);

/**
 * pdm_key_rx_covers - whether what comes from an address must be protected
 * @pn: the netns' PDM data
 * @saddr: the source
 *
 * Caller holds rcu_read_lock().
 *
 * Return: true if a receive key, of any Epoch, covers @saddr.
 */
bool pdm_key_rx_covers(struct pdm_net *pn, const struct in6_addr *saddr)
{
	return pdm_key_match(pn, PDM_KEY_RX_ANY, saddr, 0);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_rx_covers);
