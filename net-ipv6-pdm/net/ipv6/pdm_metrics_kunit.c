// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the per-flow metrics of IPv6 PDM: RTT, the peer's and our
 * own delay, loss, reordering, duplicates and jitter, from hand-built
 * packet sequences.
 */

#include <kunit/test.h>
#include <linux/time64.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include "pdm_internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Send times are kept in units of 1024 ns: an RTT is within 2 of them. */
#define RING_ERR	2048

static struct pdm_flow *pdm_test_flow(struct kunit *test, u32 psn)
{
	struct pdm_flow *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	f->psntp_next = psn;
	return f;
}

/* Deliver what @from sends at @t_tx to @to at @t_rx, in @version. */
static void pdm_test_send(struct pdm_flow *from, u64 t_tx, struct pdm_flow *to,
			  u64 t_rx, u8 version)
{
	struct pdm_info pi;

	pdm_flow_tx(from, t_tx, 100, &pi);
	pi.version = version;
	if (version == 1) {
		pi.psntp &= 0xffff;
		pi.psnlr &= 0xffff;
	}
	pdm_flow_rx(to, t_rx, 100, &pi);
}

static void pdm_test_near(struct kunit *test, u64 got, u64 want, u64 err)
{
	KUNIT_EXPECT_LE_MSG(test, got, want + err, "want %llu", want);
	KUNIT_EXPECT_GE_MSG(test, got, want - err, "want %llu", want);
}

/* DeltaT and Scale back to ns: the worked example and the limits. */
static void pdm_test_decode(struct kunit *test)
{
	u16 delta;
	u8 scale;

	/* 149,997,437,845,504 asec and 20,149,650,090,622,976 asec. */
	KUNIT_EXPECT_EQ(test, pdm_decode_ns(0x886c, 32), 149997);
	KUNIT_EXPECT_EQ(test, pdm_decode_ns(0x8f2c, 39), 20149650);
	KUNIT_EXPECT_EQ(test, pdm_decode_ns(0, 0), 0);
	KUNIT_EXPECT_EQ(test, pdm_decode_ns(0xffff, 255), U64_MAX);
	/* 2^64 asec: 18.4 s. */
	pdm_test_near(test, pdm_decode_ns(1, 64), 18446744073ULL, 200000);
	pdm_encode_delta(10 * NSEC_PER_MSEC, &delta, &scale);
	pdm_test_near(test, pdm_decode_ns(delta, scale), 10 * NSEC_PER_MSEC,
		      10 * NSEC_PER_MSEC >> 15);
}

/*
 * 25 ms each way, a server that answers 10 ms after the request and a
 * client that asks again 5 ms after the answer: both ends see a 50 ms
 * RTT; the client sees 10 ms of server delay, the server 5 ms of client
 * delay; each its own delay.
 */
static void pdm_test_rtt(struct kunit *test)
{
	struct pdm_flow *c = pdm_test_flow(test, 1000);
	struct pdm_flow *s = pdm_test_flow(test, 70000);
	const u64 ms = NSEC_PER_MSEC, tc = 5000 * ms, ts = 9000 * ms;
	u64 t = 0;
	int i;

	for (i = 0; i < 10; i++, t += 65 * ms) {
		pdm_test_send(c, tc + t, s, ts + t + 25 * ms, 2);
		pdm_test_send(s, ts + t + 35 * ms, c, tc + t + 60 * ms, 2);
	}
	KUNIT_EXPECT_EQ(test, c->m.rtt.n, 10);
	pdm_test_near(test, c->m.rtt.min, 50 * ms, RING_ERR);
	pdm_test_near(test, c->m.rtt.max, 50 * ms, RING_ERR);
	pdm_test_near(test, c->m.peer_delay.last, 10 * ms, 10 * ms >> 15);
	KUNIT_EXPECT_EQ(test, c->m.local_delay.n, 9);
	KUNIT_EXPECT_EQ(test, c->m.local_delay.sum, 9 * 5 * ms);
	/* The server's first packet names nothing it sent. */
	KUNIT_EXPECT_EQ(test, s->m.rtt.n, 9);
	pdm_test_near(test, s->m.rtt.last, 50 * ms, RING_ERR);
	pdm_test_near(test, s->m.peer_delay.last, 5 * ms, 5 * ms >> 15);
	KUNIT_EXPECT_EQ(test, s->m.local_delay.n, 10);
	KUNIT_EXPECT_EQ(test, s->m.local_delay.max, 10 * ms);
	KUNIT_EXPECT_EQ(test, c->m.tx_pkts, 10);
	KUNIT_EXPECT_EQ(test, c->m.rx_bytes, 1000);
	KUNIT_EXPECT_EQ(test, c->m.lost + c->m.reordered + c->m.dups, 0);
	/* Steady RTT: no jitter. */
	KUNIT_EXPECT_LE(test, c->m.jitter >> 4, RING_ERR);
}

/* A reply of @delay to our packet @psn, in @version, received at @now. */
static void pdm_test_reply(struct pdm_flow *f, u64 now, u32 psntp, u32 psn,
			   u64 delay, u8 version)
{
	struct pdm_info pi = { .version = version, .psntp = psntp };

	pi.psnlr = version == 1 ? psn & 0xffff : psn;
	pdm_encode_delta(delay, &pi.delta_tlr, &pi.scale_dtlr);
	pdm_flow_rx(f, now, 0, &pi);
}

/*
 * Pipelined: the reply names an older packet than our last; the send
 * times of the last PDM_TX_RING packets are kept. Only the first reply
 * to a packet counts.
 */
static void pdm_test_pipelined(struct kunit *test)
{
	struct pdm_flow *f = pdm_test_flow(test, 500);
	const u64 ms = NSEC_PER_MSEC;
	struct pdm_info pi;
	int i;

	/* PSNs 500 to 519, one a ms. */
	for (i = 0; i < 20; i++)
		pdm_flow_tx(f, i * ms, 0, &pi);
	/* 503 is too old now: 16 kept, 504 to 519. */
	pdm_test_reply(f, 40 * ms, 9000, 503, ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 0);
	/* 506 was sent at 6 ms: 40 - 6 - 1 = 33 ms. */
	pdm_test_reply(f, 40 * ms, 9001, 506, ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 1);
	pdm_test_near(test, f->m.rtt.last, 33 * ms, RING_ERR);
	/* The second reply to 506 gives nothing. */
	pdm_test_reply(f, 41 * ms, 9002, 506, 2 * ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 1);
	/* The newest, 519, at 19 ms. */
	pdm_test_reply(f, 45 * ms, 9003, 519, 6 * ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 2);
	pdm_test_near(test, f->m.rtt.last, 20 * ms, RING_ERR);
	/* A PSN we never sent, ahead of ours. */
	pdm_test_reply(f, 46 * ms, 9004, 520, ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 2);
	/* A DeltaTLR longer than the time since the send: not a reply. */
	pdm_test_reply(f, 46 * ms, 9005, 518, 30 * ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 2);
	KUNIT_EXPECT_EQ(test, f->m.peer_delay.n, 2);
	pdm_test_near(test, f->m.peer_delay.min, ms, ms >> 15);
	pdm_test_near(test, f->m.peer_delay.max, 6 * ms, 6 * ms >> 15);
}

/* RFC 8250's 16-bit PSN Last Received names our packet across a wrap. */
static void pdm_test_rtt_wrap(struct kunit *test)
{
	const u64 ms = NSEC_PER_MSEC;
	struct pdm_flow *f;
	struct pdm_info pi;

	f = pdm_test_flow(test, 0x1fffe);
	pdm_flow_tx(f, 0, 0, &pi);		/* 0x1fffe */
	pdm_flow_tx(f, ms, 0, &pi);		/* 0x1ffff */
	pdm_flow_tx(f, 2 * ms, 0, &pi);		/* 0x20000 */
	pdm_test_reply(f, 30 * ms, 1, 0x1ffff, 4 * ms, 1);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 1);
	pdm_test_near(test, f->m.rtt.last, 25 * ms, RING_ERR);
	pdm_test_reply(f, 31 * ms, 2, 0x20000, 4 * ms, 1);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 2);
	pdm_test_near(test, f->m.rtt.last, 25 * ms, RING_ERR);

	/* PDMv2's 32 bits across theirs. */
	f = pdm_test_flow(test, 0xffffffff);
	pdm_flow_tx(f, 0, 0, &pi);		/* 0xffffffff */
	pdm_flow_tx(f, ms, 0, &pi);		/* 0 */
	pdm_test_reply(f, 20 * ms, 1, 0xffffffff, 2 * ms, 2);
	pdm_test_reply(f, 21 * ms, 2, 0, 2 * ms, 2);
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 2);
	pdm_test_near(test, f->m.rtt.min, 18 * ms, RING_ERR);
}

/* The peer's PSNs arrive as @psn; the flow counts what is missing. */
static void pdm_test_arrivals(struct pdm_flow *f, const u32 *psn, int n,
			      u8 version)
{
	struct pdm_info pi = { .version = version };
	int i;

	for (i = 0; i < n; i++) {
		pi.psntp = psn[i];
		pdm_flow_rx(f, i, 0, &pi);
	}
}

/* Loss, reordering and duplicates, as a receiver tells them. */
static void pdm_test_loss(struct kunit *test)
{
	/*
	 * 102 and 105 to 109 missing when 110 comes; 102 comes late; 104
	 * twice; 60 late but within the window; 40 below it.
	 */
	static const u32 seq[] = { 100, 101, 103, 104, 102, 104, 110, 60, 40 };
	static const u32 wrap16[] = { 0xfffe, 0xffff, 1, 2, 0 };
	static const u32 wrap32[] = { 0xfffffffe, 3, 0xffffffff, 4 };
	struct pdm_flow *f;

	f = pdm_test_flow(test, 0);
	pdm_test_arrivals(f, seq, ARRAY_SIZE(seq), 2);
	/* 1 + 5 lost, less 102, 60 and 40 that came late. */
	KUNIT_EXPECT_EQ(test, f->m.lost, 3);
	KUNIT_EXPECT_EQ(test, f->m.reordered, 3);
	KUNIT_EXPECT_EQ(test, f->m.dups, 1);
	KUNIT_EXPECT_EQ(test, f->m.rx_pkts, ARRAY_SIZE(seq));

	f = pdm_test_flow(test, 0);
	pdm_test_arrivals(f, wrap16, ARRAY_SIZE(wrap16), 1);
	KUNIT_EXPECT_EQ(test, f->m.lost, 0);
	KUNIT_EXPECT_EQ(test, f->m.reordered, 1);

	f = pdm_test_flow(test, 0);
	pdm_test_arrivals(f, wrap32, ARRAY_SIZE(wrap32), 2);
	/* 0 to 2 missing; 0xffffffff late. */
	KUNIT_EXPECT_EQ(test, f->m.lost, 3);
	KUNIT_EXPECT_EQ(test, f->m.reordered, 1);
	KUNIT_EXPECT_EQ(test, f->m.dups, 0);
}

/* A protected duplicate is a replay: counted, and the flow does not move. */
static void pdm_test_protected_dup(struct kunit *test)
{
	struct pdm_info pi = { .version = 2, .prot = 1, .psntp = 7 };
	struct pdm_flow *f = pdm_test_flow(test, 0);

	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(f, 1, 0, &pi));
	KUNIT_EXPECT_FALSE(test, pdm_flow_rx(f, 2, 0, &pi));
	KUNIT_EXPECT_EQ(test, f->m.dups, 1);
	KUNIT_EXPECT_EQ(test, f->m.rx_pkts, 1);
	KUNIT_EXPECT_EQ(test, f->t_rx, 1);
}

/*
 * A peer that changes form counts anew: 16-bit RFC 8250 PSNs, then 32-bit
 * PDMv2 ones far from them, then protected ones far behind those. Each
 * change starts the window again: no loss or reordering is counted across
 * it, and no protected option is refused as older than the PSNs in clear
 * before it. Within a form the window holds.
 */
static void pdm_test_form_change(struct kunit *test)
{
	struct pdm_info pi = { .version = 1, .psntp = 0x1234 };
	struct pdm_flow *f = pdm_test_flow(test, 0);

	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(f, 1, 0, &pi));
	pi.psntp = 0x1235;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(f, 2, 0, &pi));
	pi.version = 2;
	pi.psntp = 0x80001236;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(f, 3, 0, &pi));
	pi.prot = 1;
	pi.psntp = 0x70000000;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(f, 4, 0, &pi));
	pi.psntp = 0x70000001;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(f, 5, 0, &pi));
	KUNIT_EXPECT_FALSE(test, pdm_flow_rx(f, 6, 0, &pi));
	KUNIT_EXPECT_EQ(test, f->m.lost, 0);
	KUNIT_EXPECT_EQ(test, f->m.reordered, 0);
	KUNIT_EXPECT_EQ(test, f->m.dups, 1);
	KUNIT_EXPECT_EQ(test, f->m.rx_pkts, 5);
	KUNIT_EXPECT_EQ(test, f->psnlr, 0x70000001);
}

/*
 * RTTs alternating 40 and 60 ms vary by 20 ms each time: the RFC 3550
 * estimator, gain 1/16, approaches 20 ms; after n samples it is
 * 20 ms * (1 - (15/16)^(n - 1)).
 */
static void pdm_test_jitter(struct kunit *test)
{
	struct pdm_flow *f = pdm_test_flow(test, 0);
	const u64 ms = NSEC_PER_MSEC;
	struct pdm_info pi;
	u64 t = 0;
	int i;

	for (i = 0; i < 100; i++, t += 100 * ms) {
		pdm_flow_tx(f, t, 0, &pi);
		pdm_test_reply(f, t + (i % 2 ? 60 : 40) * ms, i, pi.psntp, 0,
			       2);
	}
	/* pdm_test_reply() of 0 delay: DeltaTLR 0 names nothing. */
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 0);

	f = pdm_test_flow(test, 0);
	for (i = 0; i < 100; i++, t += 100 * ms) {
		pdm_flow_tx(f, t, 0, &pi);
		pdm_test_reply(f, t + (i % 2 ? 61 : 41) * ms, i, pi.psntp, ms,
			       2);
	}
	KUNIT_EXPECT_EQ(test, f->m.rtt.n, 100);
	/* (15/16)^99 is 0.17 %. */
	pdm_test_near(test, f->m.jitter >> 4, 20 * ms, 20 * ms / 100);
	pdm_test_near(test, f->m.rtt.min, 40 * ms, RING_ERR + (ms >> 15));
	pdm_test_near(test, f->m.rtt.max, 60 * ms, RING_ERR + (ms >> 15));
	pdm_test_near(test, div_u64(f->m.rtt.sum, f->m.rtt.n), 50 * ms,
		      RING_ERR + (ms >> 15));
}

/*
 * Without a listener to the monitor group, a record costs a test of the
 * group's listeners: none is made and nothing counted. Its cost is shown
 * beside what every option received pays anyway, pdm_parse() and
 * pdm_flow_rx(), and must be below it.
 */
static void pdm_test_monitor_idle(struct kunit *test)
{
	struct pdm_info pi = { .version = 2, .psnlr = 1, .delta_tlr = 1 };
	struct pdm_flow *f = pdm_test_flow(test, 0);
	u8 opt[PDM_V2_OPT_SIZE];
	struct pdm_net *pn = init_net.ipv6.pdm;
	const unsigned int n = 1 << 18;
	unsigned long sent, limited;
	struct pdm_flow_key key;
	u64 t0, t_mon, t_rx;
	unsigned int i;

	memset(&key, 0, sizeof(key));
	sent = snmp_fold_field(pn->mib, PDM_MIB_MONITORRECORDS);
	limited = snmp_fold_field(pn->mib, PDM_MIB_MONITORLIMITED);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		pdm_nl_monitor(&init_net, &key, &pi, 100);
	t_mon = ktime_get_ns() - t0;
	pi.type = 0x1e;
	pdm_opt_write(opt, &pi);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		opt[7] = i;	/* PSNTP's last octet */
		KUNIT_ASSERT_EQ(test, pdm_parse(opt, sizeof(opt), 0x1e, &pi),
				PDM_OK);
		pdm_flow_rx(f, i, 100, &pi);
	}
	t_rx = ktime_get_ns() - t0;
	kunit_info(test, "no listener: %llu ps a record not made; parse and account: %llu ps\n",
		   div_u64(t_mon * 1000, n), div_u64(t_rx * 1000, n));
	KUNIT_EXPECT_EQ(test, snmp_fold_field(pn->mib, PDM_MIB_MONITORRECORDS),
			sent);
	KUNIT_EXPECT_EQ(test, snmp_fold_field(pn->mib, PDM_MIB_MONITORLIMITED),
			limited);
	KUNIT_EXPECT_LT(test, t_mon, t_rx);
}

/*
 * A GSO packet takes a PSN for each segment; one that comes whole counts
 * as its segments, so the peer's loss count, PSN Last Received and the RTT
 * are those of the segments, whether or not they were made on the way.
 */
static void pdm_test_gso(struct kunit *test)
{
	const u64 ms = NSEC_PER_MSEC;
	struct pdm_info pi, rx;
	struct pdm_flow *a, *b;

	a = pdm_test_flow(test, 1000);
	b = pdm_test_flow(test, 5000);

	/* A sends 5 segments whole, then 1 packet, then 3 segments. */
	pdm_flow_tx_n(a, 0, 7000, 5, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 1000);
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx_n(b, 25 * ms, 7000, 5, &pi));
	KUNIT_EXPECT_EQ(test, b->psnlr, 1004);
	pdm_flow_tx(a, ms, 100, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 1005);
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(b, 26 * ms, 100, &pi));
	pdm_flow_tx_n(a, 2 * ms, 4200, 3, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 1006);
	KUNIT_EXPECT_EQ(test, a->psntp_next, 1009);
	KUNIT_EXPECT_EQ(test, a->m.tx_pkts, 9);
	KUNIT_EXPECT_EQ(test, a->m.tx_bytes, 11300);

	/* The 3 were segmented on the way, and the second was lost. */
	rx = pi;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(b, 27 * ms, 1400, &rx));
	rx.psntp = pi.psntp + 2;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(b, 27 * ms, 1400, &rx));
	KUNIT_EXPECT_EQ(test, b->m.rx_pkts, 8);
	KUNIT_EXPECT_EQ(test, b->m.lost, 1);
	KUNIT_EXPECT_EQ(test, b->m.reordered, 0);
	KUNIT_EXPECT_EQ(test, b->psnlr, 1008);

	/* B's reply names the last segment: A has its send time. */
	pdm_flow_tx(b, 28 * ms, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psnlr, 1008);
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx(a, 53 * ms, 0, &pi));
	KUNIT_EXPECT_EQ(test, a->m.rtt.n, 1);
	pdm_test_near(test, a->m.rtt.last, 50 * ms, RING_ERR);

	/* One that fills the gap and repeats a PSN: late, then again. */
	rx.psntp = 1007;
	KUNIT_EXPECT_TRUE(test, pdm_flow_rx_n(b, 30 * ms, 2800, 2, &rx));
	KUNIT_EXPECT_EQ(test, b->m.dups, 1);
	KUNIT_EXPECT_EQ(test, b->m.reordered, 1);
	KUNIT_EXPECT_EQ(test, b->m.lost, 0);

	/* The Epoch steps where the range wraps, as the segments' do. */
	a = pdm_test_flow(test, 0xfffffffe);
	a->epoch = 7;
	pdm_flow_tx_n(a, 0, 0, 4, &pi);
	KUNIT_EXPECT_EQ(test, pi.epoch, 7);
	pi.version = 2;
	pdm_gso_info(&pi, 1, &rx);
	KUNIT_EXPECT_EQ(test, rx.psntp, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rx.epoch, 7);
	pdm_gso_info(&pi, 2, &rx);
	KUNIT_EXPECT_EQ(test, rx.psntp, 0);
	KUNIT_EXPECT_EQ(test, rx.epoch, 8);
	pdm_flow_tx(a, 0, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 2);
	KUNIT_EXPECT_EQ(test, pi.epoch, 8);
}

static struct kunit_case pdm_metrics_test_cases[] = {
	KUNIT_CASE(pdm_test_decode),
	KUNIT_CASE(pdm_test_rtt),
	KUNIT_CASE(pdm_test_pipelined),
	KUNIT_CASE(pdm_test_rtt_wrap),
	KUNIT_CASE(pdm_test_loss),
	KUNIT_CASE(pdm_test_protected_dup),
	KUNIT_CASE(pdm_test_form_change),
	KUNIT_CASE(pdm_test_jitter),
	KUNIT_CASE(pdm_test_monitor_idle),
	KUNIT_CASE(pdm_test_gso),
	{}
};

static struct kunit_suite pdm_metrics_test_suite = {
	.name = "ipv6-pdm-metrics",
	.test_cases = pdm_metrics_test_cases,
};

kunit_test_suite(pdm_metrics_test_suite);

MODULE_DESCRIPTION("KUnit tests for the per-flow metrics of IPv6 PDM");
MODULE_LICENSE("GPL");
