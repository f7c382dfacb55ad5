// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): per-flow state.
 *
 * One entry per 5-tuple, seen from this node, shared by both directions.
 * Entries are created from softirq or process context with GFP_ATOMIC,
 * never beyond max_flows, found under RCU, expired when idle for
 * flow_timeout by a delayed work, and freed after a grace period. The
 * work runs only while the table has entries: each creation queues it
 * (a no-op when queued already) and it requeues itself while any remain.
 */

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include <net/pdm.h>

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
 * directions share one entry.
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

static void pdm_flow_free(void *ptr, void *arg)
{
	kfree(ptr);
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
	unsigned int n;

	n = pdm_flows_expire(pn, false);
	this_cpu_add(pn->mib->mibs[PDM_MIB_FLOWSEXPIRED], n);
	/* A flow created from now on queues the work again by itself. */
	if (atomic_read(&pn->nflows))
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
	atomic_set(&pn->nflows, 0);
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
	rhashtable_free_and_destroy(&pn->flows, pdm_flow_free, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flows_destroy);

/**
 * pdm_flows_expire - remove idle flows
 * @pn: per-netns PDM data
 * @all: remove every flow, idle or not
 *
 * Process context. Concurrent users of a removed entry keep it until
 * the RCU grace period ends.
 *
 * Return: the number of flows removed.
 */
unsigned int pdm_flows_expire(struct pdm_net *pn, bool all)
{
	unsigned long idle = READ_ONCE(pn->flow_timeout) * HZ;
	struct rhashtable_iter iter;
	unsigned int n = 0;
	struct pdm_flow *f;

	rhashtable_walk_enter(&pn->flows, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f)) {
			if (PTR_ERR(f) == -EAGAIN)
				continue;
			break;
		}
		if (!all &&
		    time_before(jiffies, READ_ONCE(f->last_used) + idle))
			continue;
		if (rhashtable_remove_fast(&pn->flows, &f->node,
					   pdm_flow_params))
			continue;
		atomic_dec(&pn->nflows);
		kfree_rcu(f, rcu);
		n++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
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

/**
 * pdm_flow_get - find the flow of @key, or create it
 * @pn: per-netns PDM data
 * @key: the flow, from this node's point of view
 *
 * Caller holds rcu_read_lock(). Any context but hard IRQ. A new flow
 * starts with a random PSN This Packet, as RFC 8250 asks.
 *
 * Return: the flow, valid until rcu_read_unlock(), or NULL when the
 * table is at max_flows or memory is short.
 */
struct pdm_flow *pdm_flow_get(struct pdm_net *pn,
			      const struct pdm_flow_key *key)
{
	struct pdm_flow *f, *old;

	f = rhashtable_lookup(&pn->flows, key, pdm_flow_params);
	if (likely(f))
		return f;

	if (atomic_inc_return(&pn->nflows) > READ_ONCE(pn->max_flows)) {
		atomic_dec(&pn->nflows);
		PDM_INC_STATS(pn, PDM_MIB_FLOWSFULL);
		return NULL;
	}

	f = kzalloc(sizeof(*f), GFP_ATOMIC | __GFP_NOWARN);
	if (!f)
		goto undo;
	f->key = *key;
	spin_lock_init(&f->lock);
	f->psntp_next = get_random_u32();
	f->last_used = jiffies;

	old = rhashtable_lookup_get_insert_fast(&pn->flows, &f->node,
						pdm_flow_params);
	if (likely(!old)) {
		PDM_INC_STATS(pn, PDM_MIB_FLOWSCREATED);
		pdm_flows_gc_schedule(pn);
		return f;
	}
	kfree(f);
	if (!IS_ERR(old)) {
		/* Lost a race with another CPU creating the same flow. */
		atomic_dec(&pn->nflows);
		return old;
	}
undo:
	atomic_dec(&pn->nflows);
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
 */
void pdm_flow_tx(struct pdm_flow *f, u64 now, struct pdm_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->version = 1;

	spin_lock_bh(&f->lock);
	pi->psntp = f->psntp_next++;
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
	spin_unlock_bh(&f->lock);

	pdm_flow_touch(f);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_tx);

/**
 * pdm_flow_rx - account a PDM option received on a flow
 * @f: the flow
 * @now: receive time, monotonic ns
 * @pi: the decoded option
 */
void pdm_flow_rx(struct pdm_flow *f, u64 now, const struct pdm_info *pi)
{
	spin_lock_bh(&f->lock);
	f->psnlr = pi->psntp;
	if (f->flags & PDM_F_TX) {
		pdm_encode_delta(pdm_elapsed(now, f->t_tx), &f->delta_tls,
				 &f->scale_dtls);
		f->flags |= PDM_F_DTLS;
	}
	f->t_rx = now;
	f->flags |= PDM_F_RX;
	spin_unlock_bh(&f->lock);

	pdm_flow_touch(f);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_flow_rx);
