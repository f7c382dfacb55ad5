// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): per-flow state.
 *
 * One entry per flow, seen from this node, shared by both directions.
 * Entries are created from softirq or process context with GFP_ATOMIC,
 * found under RCU, expired when idle for flow_timeout by a delayed work,
 * and freed after a grace period. The work runs only while the table has
 * entries: each creation queues it (a no-op when queued already) and it
 * requeues itself while any remain.
 *
 * The table never holds more than max_flows entries: a new flow evicts an
 * old one (CLOCK): the oldest entry that has seen no packet since it was
 * created or last looked at, within a bounded scan; the entries passed
 * over go to the back. A flood of one-packet flows thus cannot keep a
 * flow that is in use, nor a new one, out of the table.
 *
 * Every flow, of the table or kept with a socket, also has an id in the
 * netns' flow_ids, by which dumps go through them and resume: a flow that
 * exists for the whole of a dump is in it once.
 *
 * The metrics of a flow are updated under its lock, with the state the
 * options are made from: O(1), no allocation.
 */

#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include "pdm_internal.h"

/* Entries eviction looks at, at most, for one new flow. */
#define PDM_EVICT_SCAN	8
/* Entries expiry looks at between two chances to reschedule. */
#define PDM_GC_BATCH	256
/* A gap in the peer's PSNs larger than this restarts the sequence. */
#define PDM_SEQ_JUMP	65536

static struct kmem_cache *pdm_flow_cache __read_mostly;

static int pdm_flow_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct pdm_flow *f = obj;

	return !pdm_flow_key_eq(arg->key, &f->key);
}

static const struct rhashtable_params pdm_flow_params = {
	.key_len		= sizeof(struct pdm_flow_key),
	.key_offset		= offsetof(struct pdm_flow, key),
	.head_offset		= offsetof(struct pdm_flow, node),
	.obj_cmpfn		= pdm_flow_cmp,
	.automatic_shrinking	= true,
};

/**
 * pdm_flow_key_init - build a flow key from this node's point of view
 * @key: the key to fill
 * @local: local address
 * @remote: remote address
 * @proto: upper-layer protocol
 * @lport: local port, 0 if @proto has none
 * @rport: remote port, 0 if @proto has none
 *
 * A packet sent and the reply received give the same key, so the two
 * directions share one entry. The caller sets the link and the VRF.
 */
void pdm_flow_key_init(struct pdm_flow_key *key,
		       const struct in6_addr *local,
		       const struct in6_addr *remote,
		       u8 proto, __be16 lport, __be16 rport)
{
	memset(key, 0, sizeof(*key));
	key->local = *local;
	key->remote = *remote;
	key->proto = proto;
	key->lport = lport;
	key->rport = rport;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_key_init);

/**
 * pdm_flow_cache_init - create the slab cache of flow entries
 *
 * Return: 0 or -ENOMEM.
 */
int pdm_flow_cache_init(void)
{
	pdm_flow_cache = KMEM_CACHE(pdm_flow, 0);
	return pdm_flow_cache ? 0 : -ENOMEM;
}

/**
 * pdm_flow_cache_exit - destroy the slab cache of flow entries
 */
void pdm_flow_cache_exit(void)
{
	/* Entries freed by kfree_rcu() go back to the cache first. */
	rcu_barrier();
	kmem_cache_destroy(pdm_flow_cache);
}

static void pdm_flow_destroy_cb(void *ptr, void *arg)
{
	kmem_cache_free(pdm_flow_cache, ptr);
}

/* Remove @f from the table, under pn->lock; false if gone already. */
static bool pdm_flow_unlink(struct pdm_net *pn, struct pdm_flow *f)
{
	lockdep_assert_held(&pn->lock);

	if (list_empty(&f->lru))
		return false;
	list_del_init(&f->lru);
	WARN_ON_ONCE(rhashtable_remove_fast(&pn->flows, &f->node,
					    pdm_flow_params));
	pdm_flow_id_del(pn, f);
	WRITE_ONCE(pn->nflows, pn->nflows - 1);
	kfree_rcu(f, rcu);
	return true;
}

/* Evict one entry, under pn->lock; false if the table is empty. */
static bool pdm_flows_evict(struct pdm_net *pn)
{
	struct pdm_flow *f;
	u32 pkts;
	int i;

	for (i = 0; i < PDM_EVICT_SCAN; i++) {
		f = list_first_entry_or_null(&pn->lru, struct pdm_flow, lru);
		if (!f)
			return false;
		pkts = READ_ONCE(f->pkts);
		if (pkts == f->pkts_seen)
			break;
		/* Used since the last look: a second chance. */
		f->pkts_seen = pkts;
		list_move_tail(&f->lru, &pn->lru);
	}
	f = list_first_entry(&pn->lru, struct pdm_flow, lru);
	return pdm_flow_unlink(pn, f);
}

/*
 * Whether the table has room for one more entry, once up to
 * PDM_EVICT_SCAN entries were evicted (added to @evicted), under
 * pn->lock. Bounded: after max_flows is lowered the table shrinks by
 * steps.
 */
static bool pdm_flows_room(struct pdm_net *pn, unsigned int *evicted)
{
	unsigned int max = READ_ONCE(pn->max_flows), n = 0;

	lockdep_assert_held(&pn->lock);

	while (pn->nflows >= max && n < PDM_EVICT_SCAN && pdm_flows_evict(pn))
		n++;
	*evicted += n;
	return pn->nflows < max;
}

static void pdm_flows_gc_schedule(struct pdm_net *pn)
{
	unsigned long delay = READ_ONCE(pn->flow_timeout) * HZ / 4;

	/* Frequent enough that a flow goes at most 25% past its timeout. */
	queue_delayed_work(system_power_efficient_wq, &pn->gc_work,
			   clamp(delay, HZ / 4UL, 15UL * HZ));
}

static void pdm_flows_gc(struct work_struct *work)
{
	struct pdm_net *pn = container_of(to_delayed_work(work),
					  struct pdm_net, gc_work);

	pdm_flows_expire(pn, false);
	/* A flow created from now on queues the work again by itself. */
	if (READ_ONCE(pn->nflows))
		pdm_flows_gc_schedule(pn);
}

/**
 * pdm_flows_init - set up an empty flow table and its expiry
 * @pn: per-netns PDM data; max_flows, flow_timeout and mib must be set
 *
 * Return: 0 or a negative errno.
 */
int pdm_flows_init(struct pdm_net *pn)
{
	spin_lock_init(&pn->lock);
	INIT_LIST_HEAD(&pn->lru);
	pn->nflows = 0;
	xa_init_flags(&pn->flow_ids, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	pn->flow_id_next = 1;
	INIT_DELAYED_WORK(&pn->gc_work, pdm_flows_gc);
	return rhashtable_init(&pn->flows, &pdm_flow_params);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flows_init);

/**
 * pdm_flows_destroy - stop the expiry, free the flow table and every entry
 * @pn: per-netns PDM data
 *
 * Only when no packet can reach the table any more.
 */
void pdm_flows_destroy(struct pdm_net *pn)
{
	cancel_delayed_work_sync(&pn->gc_work);
	rhashtable_free_and_destroy(&pn->flows, pdm_flow_destroy_cb, NULL);
	/* The sockets that kept flows are gone: only the table's were left. */
	xa_destroy(&pn->flow_ids);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flows_destroy);

/**
 * pdm_flows_expire - remove idle flows
 * @pn: per-netns PDM data
 * @all: remove every flow, idle or not
 *
 * Process context. The walk lets others run every PDM_GC_BATCH entries,
 * so that no RCU read section or lock hold spans a large table.
 * Concurrent users of a removed entry keep it until the RCU grace period
 * ends.
 *
 * Return: the number of flows removed, also added to Pdm6FlowsExpired.
 */
unsigned int pdm_flows_expire(struct pdm_net *pn, bool all)
{
	unsigned long idle = READ_ONCE(pn->flow_timeout) * HZ;
	struct rhashtable_iter iter;
	unsigned int n = 0, seen = 0;
	struct pdm_flow *f;

	rhashtable_walk_enter(&pn->flows, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f)) {
			if (PTR_ERR(f) == -EAGAIN)
				continue;
			break;
		}
		if (all ||
		    !time_before(jiffies, READ_ONCE(f->last_used) + idle)) {
			spin_lock_bh(&pn->lock);
			n += pdm_flow_unlink(pn, f);
			spin_unlock_bh(&pn->lock);
		}
		if (++seen % PDM_GC_BATCH == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	PDM_ADD_STATS(pn, PDM_MIB_FLOWSEXPIRED, n);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flows_expire);

/**
 * pdm_flows_flush - remove every flow
 * @pn: per-netns PDM data
 */
void pdm_flows_flush(struct pdm_net *pn)
{
	pdm_flows_expire(pn, true);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flows_flush);

/**
 * pdm_flow_id_add - give a flow its id, for dumps
 * @pn: per-netns PDM data
 * @f: the flow, not yet seen by others
 *
 * Return: 0, or -ENOMEM (or -EBUSY when 2^32 - 1 flows exist).
 */
int pdm_flow_id_add(struct pdm_net *pn, struct pdm_flow *f)
{
	int err;

	err = xa_alloc_cyclic_bh(&pn->flow_ids, &f->id, f, xa_limit_32b,
				 &pn->flow_id_next, GFP_ATOMIC | __GFP_NOWARN);
	return err < 0 ? err : 0;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_id_add);

/**
 * pdm_flow_id_del - take a flow's id back
 * @pn: per-netns PDM data
 * @f: the flow, going away
 */
void pdm_flow_id_del(struct pdm_net *pn, struct pdm_flow *f)
{
	if (f->id)
		xa_erase_bh(&pn->flow_ids, f->id);
}

/**
 * pdm_flow_match - whether a flow is one a dump or flush is about
 * @f: the flow
 * @flt: the filter
 *
 * Return: true if it is.
 */
bool pdm_flow_match(const struct pdm_flow *f,
		    const struct pdm_flow_filter *flt)
{
	if (flt->plen &&
	    !ipv6_prefix_equal(&f->key.remote, &flt->prefix, flt->plen))
		return false;
	if (flt->port && f->key.lport != flt->port &&
	    f->key.rport != flt->port)
		return false;
	return !flt->proto || f->key.proto == flt->proto;
}

/* Start a socket's flow's metrics again; the PDM state goes on. */
static void pdm_flow_reset(struct pdm_flow *f)
{
	spin_lock_bh(&f->lock);
	memset(&f->m, 0, sizeof(f->m));
	f->flags &= ~(PDM_F_RTT | PDM_F_LDLY);
	spin_unlock_bh(&f->lock);
}

/**
 * pdm_flows_flush_match - forget the flows a filter matches
 * @pn: per-netns PDM data
 * @flt: the filter
 *
 * Process context. Entries of the table go, counted as Pdm6FlowsExpired;
 * flows kept with connected sockets stay as long as their sockets, but
 * their metrics start again.
 *
 * Return: the number of flows removed or reset.
 */
unsigned int pdm_flows_flush_match(struct pdm_net *pn,
				   const struct pdm_flow_filter *flt)
{
	unsigned int n = 0, gone = 0, seen = 0;
	struct pdm_flow *f;
	unsigned long id;

	rcu_read_lock();
	xa_for_each(&pn->flow_ids, id, f) {
		if (pdm_flow_match(f, flt)) {
			if (f->flags & PDM_F_SOCK) {
				pdm_flow_reset(f);
				n++;
			} else {
				spin_lock_bh(&pn->lock);
				gone += pdm_flow_unlink(pn, f);
				spin_unlock_bh(&pn->lock);
			}
		}
		if (++seen % PDM_GC_BATCH == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	/* As pdm_flows_flush() counts them. */
	PDM_ADD_STATS(pn, PDM_MIB_FLOWSEXPIRED, gone);
	return n + gone;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flows_flush_match);

/**
 * pdm_flow_alloc - a new flow, in no table yet
 * @key: the flow
 * @gfp: allocation flags
 *
 * A new flow starts with a random PSN This Packet, as RFC 8250 asks.
 *
 * Return: the flow, or NULL. Free it with kfree_rcu() once it was seen.
 */
struct pdm_flow *pdm_flow_alloc(const struct pdm_flow_key *key, gfp_t gfp)
{
	struct pdm_flow *f;

	f = kmem_cache_zalloc(pdm_flow_cache, gfp | __GFP_NOWARN);
	if (!f)
		return NULL;
	f->key = *key;
	INIT_LIST_HEAD(&f->lru);
	spin_lock_init(&f->lock);
	f->psntp_next = get_random_u32();
	f->t_first = ktime_get_ns();
	f->last_used = jiffies;
	/* The packet that creates the flow is no sign of use. */
	f->pkts_seen = 1;
	return f;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_alloc);

/**
 * pdm_flow_free - free a flow no one else has seen
 * @f: the flow
 */
void pdm_flow_free(struct pdm_flow *f)
{
	kmem_cache_free(pdm_flow_cache, f);
}

/**
 * pdm_flow_lookup - find the flow of @key in the table
 * @pn: per-netns PDM data
 * @key: the flow
 *
 * Caller holds rcu_read_lock().
 *
 * Return: the flow, valid until rcu_read_unlock(), or NULL.
 */
struct pdm_flow *pdm_flow_lookup(struct pdm_net *pn,
				 const struct pdm_flow_key *key)
{
	return rhashtable_lookup(&pn->flows, key, pdm_flow_params);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_lookup);

/**
 * pdm_flow_copy - carry the state of a flow over to another
 * @to: a new flow, not yet seen by others
 * @from: the flow whose state it continues
 */
void pdm_flow_copy(struct pdm_flow *to, struct pdm_flow *from)
{
	spin_lock_bh(&from->lock);
	to->flags = from->flags;
	to->peer_version = from->peer_version;
	to->peer_prot = from->peer_prot;
	to->scale_dtls = from->scale_dtls;
	to->delta_tls = from->delta_tls;
	to->epoch = from->epoch;
	to->psntp_next = from->psntp_next;
	to->psnlr = from->psnlr;
	to->t_tx = from->t_tx;
	to->t_rx = from->t_rx;
	to->t_first = from->t_first;
	to->win_top = from->win_top;
	to->rtt_psn = from->rtt_psn;
	to->win = from->win;
	memcpy(to->tx_ring, from->tx_ring, sizeof(to->tx_ring));
	to->tx_ring_n = from->tx_ring_n;
	to->m = from->m;
	spin_unlock_bh(&from->lock);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_copy);

/**
 * pdm_flow_snapshot - a consistent copy of a flow, for a dump
 * @f: the flow
 * @to: returns its key, id and state
 */
void pdm_flow_snapshot(struct pdm_flow *f, struct pdm_flow *to)
{
	to->key = f->key;
	to->id = f->id;
	pdm_flow_copy(to, f);
}

/**
 * pdm_flow_get - find the flow of @key, or create it
 * @pn: per-netns PDM data
 * @key: the flow, from this node's point of view
 *
 * Caller holds rcu_read_lock(). Any context but hard IRQ. When the table
 * is at max_flows, a new flow evicts an old one (see the top of this
 * file).
 *
 * Return: the flow, valid until rcu_read_unlock(), or NULL when memory
 * is short or no room could be made (Pdm6FlowsNoMem).
 */
struct pdm_flow *pdm_flow_get(struct pdm_net *pn,
			      const struct pdm_flow_key *key)
{
	unsigned int evicted = 0;
	struct pdm_flow *f, *old;

	f = rhashtable_lookup(&pn->flows, key, pdm_flow_params);
	if (likely(f))
		return f;

	f = pdm_flow_alloc(key, GFP_ATOMIC);
	if (!f)
		goto nomem;

	spin_lock_bh(&pn->lock);
	if (pdm_flows_room(pn, &evicted))
		old = rhashtable_lookup_get_insert_fast(&pn->flows, &f->node,
							pdm_flow_params);
	else
		old = ERR_PTR(-ENOSPC);
	if (!old && pdm_flow_id_add(pn, f)) {
		/* Readers may have found it already. */
		rhashtable_remove_fast(&pn->flows, &f->node, pdm_flow_params);
		spin_unlock_bh(&pn->lock);
		PDM_ADD_STATS(pn, PDM_MIB_FLOWSEVICTED, evicted);
		kfree_rcu(f, rcu);
		goto nomem;
	}
	if (!old) {
		list_add_tail(&f->lru, &pn->lru);
		WRITE_ONCE(pn->nflows, pn->nflows + 1);
	}
	spin_unlock_bh(&pn->lock);
	PDM_ADD_STATS(pn, PDM_MIB_FLOWSEVICTED, evicted);

	if (likely(!old)) {
		PDM_INC_STATS(pn, PDM_MIB_FLOWSCREATED);
		pdm_flows_gc_schedule(pn);
		return f;
	}
	kmem_cache_free(pdm_flow_cache, f);
	/* Else lost a race with another CPU creating the same flow. */
	if (!IS_ERR(old))
		return old;
nomem:
	PDM_INC_STATS(pn, PDM_MIB_FLOWSNOMEM);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_get);

/**
 * pdm_flow_adopt - have the table keep a flow a socket kept
 * @pn: per-netns PDM data
 * @f: the flow, with its id, no longer the socket's
 *
 * A connection's packets go on after its socket: a time-wait socket's
 * ACKs, resets to late segments. The table sends and receives them, from
 * the connection's state: its PSNs, the peer's, the metrics. @f takes
 * the place of the table's entry of its key, if there is one (an accepted
 * connection's, of its SYN-ACK); else it is a new entry, counted as
 * created, and evicts an old one when the table is full. Freed when no
 * room could be made (Pdm6FlowsNoMem).
 */
void pdm_flow_adopt(struct pdm_net *pn, struct pdm_flow *f)
{
	unsigned int evicted = 0;
	struct pdm_flow *old;
	int err = -ENOSPC;

	spin_lock_bh(&f->lock);
	f->flags &= ~PDM_F_SOCK;
	spin_unlock_bh(&f->lock);

	spin_lock_bh(&pn->lock);
	old = rhashtable_lookup_fast(&pn->flows, &f->key, pdm_flow_params);
	if (old) {
		err = rhashtable_replace_fast(&pn->flows, &old->node, &f->node,
					      pdm_flow_params);
		if (!err) {
			list_replace_init(&old->lru, &f->lru);
			pdm_flow_id_del(pn, old);
			kfree_rcu(old, rcu);
		}
	} else {
		if (pdm_flows_room(pn, &evicted))
			err = rhashtable_insert_fast(&pn->flows, &f->node,
						     pdm_flow_params);
		if (!err) {
			list_add_tail(&f->lru, &pn->lru);
			WRITE_ONCE(pn->nflows, pn->nflows + 1);
		}
	}
	spin_unlock_bh(&pn->lock);
	PDM_ADD_STATS(pn, PDM_MIB_FLOWSEVICTED, evicted);

	if (err) {
		pdm_flow_id_del(pn, f);
		kfree_rcu(f, rcu);
		PDM_INC_STATS(pn, PDM_MIB_FLOWSNOMEM);
		return;
	}
	if (!old)
		PDM_INC_STATS(pn, PDM_MIB_FLOWSCREATED);
	pdm_flows_gc_schedule(pn);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_adopt);

/* Mark the flow used, for expiry. */
static void pdm_flow_touch(struct pdm_flow *f)
{
	/* Once a jiffy at most: the entry is shared by both directions. */
	if (time_after(jiffies, READ_ONCE(f->last_used)))
		WRITE_ONCE(f->last_used, jiffies);
}

/* Deltas are unsigned: a clock read before a concurrent update gives 0. */
static u64 pdm_elapsed(u64 now, u64 then)
{
	return now > then ? now - then : 0;
}

static void pdm_stat_add(struct pdm_stat *st, u64 v)
{
	st->last = v;
	if (!st->n || v < st->min)
		st->min = v;
	if (v > st->max)
		st->max = v;
	st->sum += v;
	st->n++;
}

/* Send times are kept in units of 1024 ns, in 32 bits. */
static u32 pdm_ring_time(u64 ns)
{
	return ns >> 10;
}

/**
 * pdm_flow_tx_n - fill the PDM fields of a packet about to be sent
 * @f: the flow
 * @now: send time, monotonic ns
 * @len: the packet's upper-layer octets
 * @segs: the packets it stands for: a GSO packet's segments, else 1
 * @pi: returns the fields to put in the option, those of the first
 *
 * RFC 8250: PSNTP counts up from its random start, PSNLR echoes the last
 * PSNTP received, DeltaTLR is this send minus the last receive, and
 * DeltaTLS is the last receive minus the send that preceded it, as
 * frozen by pdm_flow_rx_n(). All are 0 until there is something to report.
 * The state is the same for both versions: PSNs count in 32 bits, of
 * which RFC 8250 sends 16; the Epoch steps when the 32 bits wrap, so that
 * no two PDMv2 packets of a flow carry the same Epoch and PSNTP. The
 * fields are those of version 1: the caller sets what version 2 adds.
 *
 * A GSO packet takes @segs PSNs: segment i gets the first plus i when the
 * stack segments it (ipv6_pdm_gso_segment()), and a receiver of the whole
 * packet accounts them all.
 *
 * The send time is kept, by PSN, for the RTT of the reply; the first send
 * after a receive gives a sample of our own delay.
 */
void pdm_flow_tx_n(struct pdm_flow *f, u64 now, unsigned int len,
		   unsigned int segs, struct pdm_info *pi)
{
	u32 psn, t = pdm_ring_time(now), i;

	memset(pi, 0, sizeof(*pi));
	pi->version = 1;
	pi->type = IPV6_TLV_PDM;

	spin_lock_bh(&f->lock);
	pi->epoch = f->epoch;
	pi->psntp = f->psntp_next;
	f->psntp_next += segs;
	if (f->psntp_next < pi->psntp)
		f->epoch = (f->epoch + 1) & PDM_V2_EPOCH_MASK;
	if (f->flags & PDM_F_RX) {
		u64 since = pdm_elapsed(now, f->t_rx);

		pi->psnlr = f->psnlr;
		pdm_encode_delta(since, &pi->delta_tlr, &pi->scale_dtlr);
		if (!(f->flags & PDM_F_LDLY)) {
			pdm_stat_add(&f->m.local_delay, since);
			f->flags |= PDM_F_LDLY;
		}
	}
	if (f->flags & PDM_F_DTLS) {
		pi->delta_tls = f->delta_tls;
		pi->scale_dtls = f->scale_dtls;
	}
	/* Every segment was sent now: the ring keeps the last ones. */
	psn = f->psntp_next - min_t(u32, segs, PDM_TX_RING);
	for (i = 0; i < min_t(u32, segs, PDM_TX_RING); i++)
		f->tx_ring[(psn + i) % PDM_TX_RING] = t;
	f->tx_ring_n = min_t(u32, f->tx_ring_n + segs, PDM_TX_RING);
	f->t_tx = now;
	f->flags |= PDM_F_TX;
	f->m.tx_pkts += segs;
	f->m.tx_bytes += len;
	WRITE_ONCE(f->pkts, f->pkts + segs);
	spin_unlock_bh(&f->lock);

	pdm_flow_touch(f);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_tx_n);

/* A PSN of @version, whole: RFC 8250's 16 bits are the low ones of the
 * 32 the flow counts in; the nearest value to @ref has them.
 */
static u32 pdm_psn32(u32 psn, u8 version, u32 ref)
{
	return version == 1 ? ref + (s16)(u16)(psn - ref) : psn;
}

enum pdm_seq {
	PDM_SEQ_NEXT,	/* after every PSN received so far */
	PDM_SEQ_LATE,	/* within the window, not received before */
	PDM_SEQ_DUP,	/* within the window, received before */
	PDM_SEQ_OLD,	/* below the window: late or again, who knows */
};

/*
 * Place the peer's PSN This Packet @psn in its sequence, as IPsec's
 * anti-replay window does (RFC 4303 3.4.3): a PSN above the highest seen
 * moves the window, and the PSNs it skips count as lost; one within the
 * 64 below it is taken once. Serial-number arithmetic: PSNs wrap. Caller
 * holds f->lock.
 */
static enum pdm_seq pdm_flow_seq(struct pdm_flow *f, u32 psn)
{
	u32 back;
	s32 d;

	if (!(f->flags & PDM_F_WIN)) {
		f->win_top = psn;
		f->win = 1;
		f->flags |= PDM_F_WIN;
		return PDM_SEQ_NEXT;
	}
	d = psn - f->win_top;
	if (d > 0) {
		if (d <= PDM_SEQ_JUMP)
			f->m.lost += d - 1;
		f->win = d >= 64 ? 1 : f->win << d | 1;
		f->win_top = psn;
		return PDM_SEQ_NEXT;
	}
	back = f->win_top - psn;
	if (back >= 64)
		return PDM_SEQ_OLD;
	if (f->win & BIT_ULL(back))
		return PDM_SEQ_DUP;
	f->win |= BIT_ULL(back);
	return PDM_SEQ_LATE;
}

/*
 * The RTT of the reply @pi to a packet of ours, named by its PSN Last
 * Received: from our send to its receive, less the peer's DeltaTLR,
 * which is the peer's delay, the server delay when the peer serves. Only
 * the first reply to a packet counts, and only one to a packet whose
 * send time is still kept. Caller holds f->lock.
 */
static void pdm_flow_rtt(struct pdm_flow *f, u64 now,
			 const struct pdm_info *pi)
{
	u32 last = f->psntp_next - 1, psn, back;
	u64 sent, delay, rtt, d;

	/* A peer that received nothing sends neither PSNLR nor DeltaTLR. */
	if (!(f->flags & PDM_F_TX) || (!pi->delta_tlr && !pi->scale_dtlr))
		return;
	psn = pdm_psn32(pi->psnlr, pi->version, last);
	back = last - psn;
	if (back >= f->tx_ring_n ||
	    ((f->flags & PDM_F_RTT) && psn == f->rtt_psn))
		return;
	f->rtt_psn = psn;
	f->flags |= PDM_F_RTT;
	sent = (u64)(u32)(pdm_ring_time(now) -
			  f->tx_ring[psn % PDM_TX_RING]) << 10;
	delay = pdm_decode_ns(pi->delta_tlr, pi->scale_dtlr);
	/* Clock granularity aside, not a reply to that packet. */
	if (delay > sent + (1 << 10))
		return;
	rtt = sent > delay ? sent - delay : 0;
	if (f->m.rtt.n) {
		/* RFC 3550 6.4.1, on successive RTTs; kept times 16. */
		d = rtt > f->m.rtt.last ? rtt - f->m.rtt.last :
					  f->m.rtt.last - rtt;
		f->m.jitter += d;
		f->m.jitter -= (f->m.jitter - d + 8) >> 4;
	}
	pdm_stat_add(&f->m.rtt, rtt);
	pdm_stat_add(&f->m.peer_delay, delay);
}

/* Count a PSN of the peer's that pdm_flow_seq() placed, as it placed it. */
static void pdm_flow_seq_count(struct pdm_flow *f, enum pdm_seq seq)
{
	switch (seq) {
	case PDM_SEQ_NEXT:
		break;
	case PDM_SEQ_DUP:
		f->m.dups++;
		break;
	case PDM_SEQ_OLD:
	case PDM_SEQ_LATE:
		f->m.reordered++;
		/* Counted lost when the PSNs after it came. */
		if (f->m.lost)
			f->m.lost--;
		break;
	}
}

/**
 * pdm_flow_rx_n - account a PDM option received on a flow
 * @f: the flow
 * @now: receive time, monotonic ns
 * @len: the packet's upper-layer octets
 * @segs: the packets it stands for: the segments of a GSO packet whose
 *	sender took a PSN for each (SKB_GSO_PDM), else 1
 * @pi: the decoded option, that of the first
 *
 * The option's PSN This Packet gives the peer's losses, reordering and
 * duplicates; its PSN Last Received and DeltaTLR the RTT and the peer's
 * delay. A GSO packet that came whole stands for the PSNs from its
 * option's on: so it is accounted, whether or not it was segmented on
 * the way.
 *
 * Return: false, the flow's state for what it sends left as it was, for
 * a protected option whose PSN This Packet the flow has taken already
 * (counted as a duplicate) or is too old to tell.
 */
bool pdm_flow_rx_n(struct pdm_flow *f, u64 now, unsigned int len,
		   unsigned int segs, const struct pdm_info *pi)
{
	enum pdm_seq seq;
	u32 psn, i;

	spin_lock_bh(&f->lock);
	/*
	 * RFC 8250 counts in 16 bits, PDMv2 in 32, and only protected PSNs
	 * are authentic: a PSN is compared with those of its own form. A
	 * peer that changes form (its settings or its keys changed) starts
	 * the window again.
	 */
	if (pi->version != f->peer_version || pi->prot != f->peer_prot)
		f->flags &= ~PDM_F_WIN;
	psn = pdm_psn32(pi->psntp, pi->version, f->win_top);
	seq = pdm_flow_seq(f, psn);
	if (pi->prot && (seq == PDM_SEQ_DUP || seq == PDM_SEQ_OLD)) {
		if (seq == PDM_SEQ_DUP)
			f->m.dups++;
		spin_unlock_bh(&f->lock);
		return false;
	}
	pdm_flow_seq_count(f, seq);
	/* In order, each step is O(1). */
	for (i = 1; i < segs; i++)
		pdm_flow_seq_count(f, pdm_flow_seq(f, psn + i));
	pdm_flow_rtt(f, now, pi);
	f->psnlr = pi->psntp + segs - 1;
	f->peer_version = pi->version;
	f->peer_prot = pi->prot;
	if (f->flags & PDM_F_TX) {
		pdm_encode_delta(pdm_elapsed(now, f->t_tx), &f->delta_tls,
				 &f->scale_dtls);
		f->flags |= PDM_F_DTLS;
	}
	f->t_rx = now;
	f->flags = (f->flags | PDM_F_RX) & ~PDM_F_LDLY;
	f->m.rx_pkts += segs;
	f->m.rx_bytes += len;
	WRITE_ONCE(f->pkts, f->pkts + segs);
	spin_unlock_bh(&f->lock);

	pdm_flow_touch(f);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_rx_n);

/**
 * pdm_gp_next - the Global Pointers of a PDMv2 packet about to be sent
 * @pn: per-netns PDM data
 * @saddr: the packet's source address
 * @segs: the packets it stands for: a GSO packet's segments, else 1
 *
 * One count per netns for link-local sources and one for the others, as
 * the draft has one per source address type; each starts at 1 and counts
 * the PDMv2 packets the netns sends from that type of address, wrapping
 * at 2^32. A GSO packet takes one for each segment.
 *
 * Return: the Global Pointer of the first.
 */
u32 pdm_gp_next(struct pdm_net *pn, const struct in6_addr *saddr,
		unsigned int segs)
{
	bool ll = ipv6_addr_type(saddr) & IPV6_ADDR_LINKLOCAL;

	return atomic_add_return(segs, &pn->gp[ll]) - segs + 1;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_gp_next);
