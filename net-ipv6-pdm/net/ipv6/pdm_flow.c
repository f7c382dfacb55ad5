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
 */

#include <linux/jiffies.h>
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

static struct kmem_cache *pdm_flow_cache __read_mostly;

static const struct rhashtable_params pdm_flow_params = {
	.key_len		= sizeof(struct pdm_flow_key),
	.key_offset		= offsetof(struct pdm_flow, key),
	.head_offset		= offsetof(struct pdm_flow, node),
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
	f->last_used = jiffies;
	/* The packet that creates the flow is no sign of use. */
	f->pkts_seen = 1;
	return f;
}

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
	to->epoch = from->epoch;
	to->scale_dtls = from->scale_dtls;
	to->delta_tls = from->delta_tls;
	to->psntp_next = from->psntp_next;
	to->psnlr = from->psnlr;
	to->t_tx = from->t_tx;
	to->t_rx = from->t_rx;
	to->win_top = from->win_top;
	to->win = from->win;
	spin_unlock_bh(&from->lock);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_copy);

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
	unsigned int evicted = 0, max;
	struct pdm_flow *f, *old;

	f = rhashtable_lookup(&pn->flows, key, pdm_flow_params);
	if (likely(f))
		return f;

	f = pdm_flow_alloc(key, GFP_ATOMIC);
	if (!f)
		goto nomem;

	max = READ_ONCE(pn->max_flows);
	spin_lock_bh(&pn->lock);
	/* Bounded: after max_flows is lowered the table shrinks by steps. */
	while (pn->nflows >= max && evicted < PDM_EVICT_SCAN &&
	       pdm_flows_evict(pn))
		evicted++;
	if (pn->nflows < max)
		old = rhashtable_lookup_get_insert_fast(&pn->flows, &f->node,
							pdm_flow_params);
	else
		old = ERR_PTR(-ENOSPC);
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

/**
 * pdm_flow_tx - fill the PDM fields of a packet about to be sent
 * @f: the flow
 * @now: send time, monotonic ns
 * @pi: returns the fields to put in the option
 *
 * RFC 8250: PSNTP counts up from its random start, PSNLR echoes the last
 * PSNTP received, DeltaTLR is this send minus the last receive, and
 * DeltaTLS is the last receive minus the send that preceded it, as
 * frozen by pdm_flow_rx(). All are 0 until there is something to report.
 * The state is the same for both versions: PSNs count in 32 bits, of
 * which RFC 8250 sends 16; the Epoch steps when the 32 bits wrap, so that
 * no two PDMv2 packets of a flow carry the same Epoch and PSNTP. The
 * fields are those of version 1: the caller sets what version 2 adds.
 */
void pdm_flow_tx(struct pdm_flow *f, u64 now, struct pdm_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->version = 1;
	pi->type = IPV6_TLV_PDM;

	spin_lock_bh(&f->lock);
	pi->epoch = f->epoch;
	pi->psntp = f->psntp_next++;
	if (!f->psntp_next)
		f->epoch = (f->epoch + 1) & PDM_V2_EPOCH_MASK;
	if (f->flags & PDM_F_RX) {
		pi->psnlr = f->psnlr;
		pdm_encode_delta(pdm_elapsed(now, f->t_rx), &pi->delta_tlr,
				 &pi->scale_dtlr);
	}
	if (f->flags & PDM_F_DTLS) {
		pi->delta_tls = f->delta_tls;
		pi->scale_dtls = f->scale_dtls;
	}
	f->t_tx = now;
	f->flags |= PDM_F_TX;
	WRITE_ONCE(f->pkts, f->pkts + 1);
	spin_unlock_bh(&f->lock);

	pdm_flow_touch(f);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_tx);

/*
 * Anti-replay of authentic protected options, on PSN This Packet, as
 * IPsec's window (RFC 4303 3.4.3): a PSN above the highest seen moves the
 * window; one within the 64 below it is taken once; older ones are not.
 * Serial-number arithmetic: PSNs wrap. Caller holds f->lock.
 */
static bool pdm_flow_replayed(struct pdm_flow *f, u32 psn)
{
	u32 back;
	s32 d;

	if (!(f->flags & PDM_F_WIN)) {
		f->win_top = psn;
		f->win = 1;
		f->flags |= PDM_F_WIN;
		return false;
	}
	d = psn - f->win_top;
	if (d > 0) {
		f->win = d >= 64 ? 1 : f->win << d | 1;
		f->win_top = psn;
		return false;
	}
	back = f->win_top - psn;
	if (back >= 64 || (f->win & BIT_ULL(back)))
		return true;
	f->win |= BIT_ULL(back);
	return false;
}

/**
 * pdm_flow_rx - account a PDM option received on a flow
 * @f: the flow
 * @now: receive time, monotonic ns
 * @pi: the decoded option
 *
 * Return: false, the flow left as it was, for a protected option whose
 * PSN This Packet the flow has taken already or is too old to tell.
 */
bool pdm_flow_rx(struct pdm_flow *f, u64 now, const struct pdm_info *pi)
{
	spin_lock_bh(&f->lock);
	if (pi->prot && pdm_flow_replayed(f, pi->psntp)) {
		spin_unlock_bh(&f->lock);
		return false;
	}
	f->psnlr = pi->psntp;
	f->peer_version = pi->version;
	if (f->flags & PDM_F_TX) {
		pdm_encode_delta(pdm_elapsed(now, f->t_tx), &f->delta_tls,
				 &f->scale_dtls);
		f->flags |= PDM_F_DTLS;
	}
	f->t_rx = now;
	f->flags |= PDM_F_RX;
	WRITE_ONCE(f->pkts, f->pkts + 1);
	spin_unlock_bh(&f->lock);

	pdm_flow_touch(f);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_rx);

/**
 * pdm_gp_next - the Global Pointer of a PDMv2 packet about to be sent
 * @pn: per-netns PDM data
 * @saddr: the packet's source address
 *
 * One count per netns for link-local sources and one for the others, as
 * the draft has one per source address type; each starts at 1 and counts
 * the PDMv2 packets the netns sends from that type of address, wrapping
 * at 2^32.
 *
 * Return: the Global Pointer.
 */
u32 pdm_gp_next(struct pdm_net *pn, const struct in6_addr *saddr)
{
	bool ll = ipv6_addr_type(saddr) & IPV6_ADDR_LINKLOCAL;

	return atomic_inc_return(&pn->gp[ll]);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_gp_next);
