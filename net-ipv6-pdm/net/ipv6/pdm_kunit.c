// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for IPv6 PDM (RFC 8250 and PDMv2): time encoding, option
 * parsing, header layout, the flow state machine, flow keys, the flow
 * table's bound and eviction order, the counter names, the Global Pointer,
 * the choice of version and the policy table.
 */

#include <kunit/test.h>
#include <linux/icmpv6.h>
#include <linux/inet.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <linux/pdm.h>
#include <linux/pdm_genl.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/net_namespace.h>
#include <net/pdm.h>
#include "pdm_internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* PDMv2's option type where the tests do not choose: the default. */
#define V2T	IPV6_TLV_PDM

KUNIT_DEFINE_ACTION_WRAPPER(pdm_test_kfree_skb, kfree_skb, struct sk_buff *);

struct pdm_delta_case {
	const char *name;
	u64 asec;	/* delta in attoseconds, if it fits */
	u64 ns;		/* the same delta in ns, or 0 if not whole */
	u16 delta;
	u8 scale;
};

/*
 * Expected values computed exactly (Python integers): scale =
 * max(0, bitlen(asec) - 16), delta = asec >> scale.
 */
static const struct pdm_delta_case pdm_delta_cases[] = {
	{ "zero", 0, 0, 0x0000, 0 },
	{ "1 as", 1, 0, 0x0001, 0 },
	{ "65535 as", 65535, 0, 0xffff, 0 },
	{ "65536 as", 65536, 0, 0x8000, 1 },
	{ "1 ps", 1000000ULL, 0, 0xf424, 4 },
	{ "1 ns", 1000000000ULL, 1, 0xee6b, 14 },
	{ "1 us", 1000000000000ULL, 1000, 0xe8d4, 24 },
	{ "30 us", 30000000000000ULL, 30000, 0xda47, 29 },
	{ "100 us", 100000000000000ULL, 100000, 0xb5e6, 31 },
	{ "150 us", 150000000000000ULL, 150000, 0x886c, 32 },
	{ "1 ms", 1000000000000000ULL, 1000000, 0xe35f, 34 },
	/* The SecDir example: 0x9B9E us, "discarding 40 bits". */
	{ "0x9b9e us", 39838000000000000ULL, 39838000, 0x8d88, 40 },
	{ "20.150 ms", 20150000000000000ULL, 20150000, 0x8f2c, 39 },
	{ "1 s", 1000000000000000000ULL, 1000000000ULL, 0xde0b, 44 },
	{ "4 s", 4000000000000000000ULL, 4000000000ULL, 0xde0b, 46 },
	/* Beyond 2^64 attoseconds: only the ns interface reaches these. */
	{ "1 h", 0, 3600000000000ULL, 0xc328, 56 },
	{ "10^4 s", 0, 10000000000000ULL, 0x8786, 58 },
	{ "U64_MAX ns", 0, U64_MAX, 0xee6b, 78 },
};

static void pdm_delta_case_desc(const struct pdm_delta_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pdm_delta, pdm_delta_cases, pdm_delta_case_desc);

static void pdm_test_encode(struct kunit *test)
{
	const struct pdm_delta_case *c = test->param_value;
	u16 delta;
	u8 scale;

	if (c->asec || !c->ns) {
		pdm_encode_asec(c->asec, &delta, &scale);
		KUNIT_EXPECT_EQ(test, delta, c->delta);
		KUNIT_EXPECT_EQ(test, scale, c->scale);
	}
	if (c->ns || !c->asec) {
		pdm_encode_delta(c->ns, &delta, &scale);
		KUNIT_EXPECT_EQ(test, delta, c->delta);
		KUNIT_EXPECT_EQ(test, scale, c->scale);
	}
}

/* Truncation: the decoded value never exceeds the delta, by < 2^-15. */
static void pdm_test_encode_truncates(struct kunit *test)
{
	u64 ns, dec, asec;
	u16 delta;
	u8 scale;
	int i;

	for (i = 0, ns = 1; i < 2000; i++, ns = ns * 3 / 2 + i) {
		if (ns > U64_MAX / 1000000000ULL)
			break;
		asec = ns * 1000000000ULL;
		pdm_encode_delta(ns, &delta, &scale);
		KUNIT_ASSERT_LT(test, scale, 64);
		KUNIT_ASSERT_GE(test, delta, 0x8000);
		dec = (u64)delta << scale;
		KUNIT_EXPECT_LE(test, dec, asec);
		KUNIT_EXPECT_LT(test, asec - dec, (asec >> 15) + 1);
	}
}

/* The verdict pdm_parse() owes an option of @type and @len. */
static enum pdm_verdict pdm_test_want(u8 type, u8 v2_type, unsigned int len)
{
	if (!pdm_is_type(type, v2_type))
		return PDM_BADTYPE;
	if (len == PDM_V1_DATA_LEN && type == IPV6_TLV_PDM)
		return PDM_OK;
	if ((len == PDM_V2_DATA_LEN || len == PDM_V2P_DATA_LEN) &&
	    type == v2_type)
		return PDM_OK;
	return PDM_BADLEN;
}

static void pdm_test_lengths(struct kunit *test, u8 type, u8 v2_type)
{
	unsigned int len, avail;
	enum pdm_verdict want;
	struct pdm_info pi;
	u8 *buf;

	for (len = 0; len <= 255; len++) {
		/* Exactly the option's size: a read past it is a bug. */
		buf = kunit_kzalloc(test, 2 + len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		buf[0] = type;
		buf[1] = len;
		if (len)
			buf[2] = PDM_V2_VERSION << 4;
		want = pdm_test_want(type, v2_type, len);
		KUNIT_EXPECT_EQ_MSG(test, pdm_parse(buf, 2 + len, v2_type, &pi),
				    want, "type %#x (v2 %#x), length %u", type,
				    v2_type, len);
		if (want == PDM_OK) {
			KUNIT_EXPECT_EQ(test, pi.version,
					len == PDM_V1_DATA_LEN ? 1 : 2);
			KUNIT_EXPECT_EQ(test, pi.prot,
					len == PDM_V2P_DATA_LEN);
		}
		for (avail = 0; avail < 2 + len; avail++)
			KUNIT_EXPECT_EQ_MSG(test,
					    pdm_parse(buf, avail, v2_type, &pi),
					    avail >= 2 && want == PDM_BADTYPE ?
					    PDM_BADTYPE : PDM_TRUNCATED,
					    "type %#x, length %u, %u octets",
					    type, len, avail);
		kunit_kfree(test, buf);
	}
}

/*
 * Every option length, for RFC 8250's type and an experimental one, with
 * PDMv2 under either: only 10 (RFC 8250's type) and 22 (PDMv2's type)
 * decode, and a cut option never does.
 */
static void pdm_test_parse_lengths(struct kunit *test)
{
	pdm_test_lengths(test, IPV6_TLV_PDM, IPV6_TLV_PDM);
	pdm_test_lengths(test, IPV6_TLV_PDM, 0x1e);
	pdm_test_lengths(test, 0x1e, IPV6_TLV_PDM);
	pdm_test_lengths(test, 0x1e, 0x1e);
}

/* Of PDMv2's size, only Version 2 decodes: the length tells v1 apart. */
static void pdm_test_parse_version(struct kunit *test)
{
	u8 opt[2 + PDM_V2_DATA_LEN] = { 0x1e, PDM_V2_DATA_LEN };
	struct pdm_info pi;
	unsigned int v;

	for (v = 0; v < 16; v++) {
		opt[2] = v << 4 | 0x0a;
		opt[3] = 0xbc;
		KUNIT_EXPECT_EQ_MSG(test, pdm_parse(opt, sizeof(opt), 0x1e, &pi),
				    v == PDM_V2_VERSION ? PDM_OK : PDM_BADVER,
				    "version %u", v);
	}
	KUNIT_EXPECT_EQ(test, pi.epoch, 0xabc);
}

static void pdm_test_parse_fields(struct kunit *test)
{
	static const u8 opt[] = { 0x0f, 0x0a, 0x1d, 0x27, 0x12, 0x35,
				  0xa0, 0x00, 0xda, 0x47, 0x8f, 0x2c };
	u8 other[sizeof(opt)];
	struct pdm_info pi;

	KUNIT_ASSERT_EQ(test, pdm_parse(opt, sizeof(opt), V2T, &pi), PDM_OK);
	KUNIT_EXPECT_EQ(test, pi.version, 1);
	KUNIT_EXPECT_EQ(test, pi.scale_dtlr, 29);
	KUNIT_EXPECT_EQ(test, pi.scale_dtls, 39);
	KUNIT_EXPECT_EQ(test, pi.psntp, 0x1235);
	KUNIT_EXPECT_EQ(test, pi.psnlr, 0xa000);
	KUNIT_EXPECT_EQ(test, pi.delta_tlr, 0xda47);
	KUNIT_EXPECT_EQ(test, pi.delta_tls, 0x8f2c);

	memcpy(other, opt, sizeof(opt));
	other[0] = 0x1e;
	KUNIT_EXPECT_EQ(test, pdm_parse(other, sizeof(other), V2T, &pi),
			PDM_BADTYPE);
}

/*
 * A destination options header obeys the padding rules of ip6_parse_tlv()
 * and has at most one PDM option. Returns the offset of that option, or 0.
 */
static unsigned int pdm_expect_valid_doh(struct kunit *test, const u8 *h,
					 unsigned int len)
{
	unsigned int off = 2, pad = 0, pdm_off = 0, i;

	KUNIT_ASSERT_EQ(test, len % 8, 0);
	KUNIT_ASSERT_EQ(test, (h[1] + 1) * 8, len);
	while (off < len) {
		if (h[off] == IPV6_TLV_PAD1) {
			pad++;
			off++;
			KUNIT_EXPECT_LE(test, pad, 7);
			continue;
		}
		KUNIT_ASSERT_LE(test, off + 2, len);
		KUNIT_ASSERT_LE(test, off + 2 + h[off + 1], len);
		if (h[off] == IPV6_TLV_PADN) {
			pad += 2 + h[off + 1];
			KUNIT_EXPECT_LE(test, pad, 7);
			for (i = 0; i < h[off + 1]; i++)
				KUNIT_EXPECT_EQ(test, h[off + 2 + i], 0);
		} else {
			pad = 0;
			if (h[off] == IPV6_TLV_PDM) {
				KUNIT_EXPECT_EQ_MSG(test, pdm_off, 0,
						    "second PDM option at %u",
						    off);
				pdm_off = off;
			}
		}
		off += 2 + h[off + 1];
	}
	return pdm_off;
}

/*
 * RFC 8250 style exchange, worked in the spec digest (section 4):
 * A sends a1, B answers b1 150 us after receiving a1, A receives b1
 * 20.150 ms after sending a1 and sends a2 30 us later. Run through the
 * flow state machine and the header builder, byte for byte.
 */
static void pdm_test_exchange(struct kunit *test)
{
	static const u8 a1[] = { 0x11, 0x01, 0x0f, 0x0a, 0x00, 0x00, 0x12, 0x34,
				 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00 };
	static const u8 b1[] = { 0x11, 0x01, 0x0f, 0x0a, 0x20, 0x00, 0xa0, 0x00,
				 0x12, 0x34, 0x88, 0x6c, 0x00, 0x00, 0x01, 0x00 };
	static const u8 a2[] = { 0x11, 0x01, 0x0f, 0x0a, 0x1d, 0x27, 0x12, 0x35,
				 0xa0, 0x00, 0xda, 0x47, 0x8f, 0x2c, 0x01, 0x00 };
	const u64 ta = 1000000000ULL, tb = 7000000000ULL;	/* two clocks */
	struct pdm_info pi, rx, rx_b1;
	struct pdm_flow *fa, *fb;
	u64 rtt;
	u8 buf[16];

	fa = kunit_kzalloc(test, sizeof(*fa), GFP_KERNEL);
	fb = kunit_kzalloc(test, sizeof(*fb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fa);
	KUNIT_ASSERT_NOT_NULL(test, fb);
	spin_lock_init(&fa->lock);
	spin_lock_init(&fb->lock);
	fa->psntp_next = 0x1234;
	fb->psntp_next = 0xa000;

	KUNIT_ASSERT_EQ(test, pdm_doh_len(NULL, 1, V2T), 16);

	pdm_flow_tx(fa, ta, 0, &pi);
	pdm_doh_build(buf, sizeof(buf), NULL, IPPROTO_UDP, &pi, V2T);
	KUNIT_EXPECT_MEMEQ(test, buf, a1, sizeof(a1));
	KUNIT_ASSERT_EQ(test, pdm_parse(buf + 2, 14, V2T, &rx), PDM_OK);
	pdm_flow_rx(fb, tb, 0, &rx);

	pdm_flow_tx(fb, tb + 150000, 0, &pi);
	pdm_doh_build(buf, sizeof(buf), NULL, IPPROTO_UDP, &pi, V2T);
	KUNIT_EXPECT_MEMEQ(test, buf, b1, sizeof(b1));
	KUNIT_ASSERT_EQ(test, pdm_parse(buf + 2, 14, V2T, &rx_b1), PDM_OK);
	pdm_flow_rx(fa, ta + 20150000, 0, &rx_b1);

	pdm_flow_tx(fa, ta + 20150000 + 30000, 0, &pi);
	pdm_doh_build(buf, sizeof(buf), NULL, IPPROTO_UDP, &pi, V2T);
	KUNIT_EXPECT_MEMEQ(test, buf, a2, sizeof(a2));
	KUNIT_EXPECT_EQ(test, pdm_expect_valid_doh(test, buf, sizeof(buf)), 2);

	/*
	 * What an observer derives: RTT = DeltaTLS(a2) - DeltaTLR(b1), in
	 * attoseconds, 20 ms less the truncation of both deltas.
	 */
	KUNIT_ASSERT_EQ(test, pdm_parse(buf + 2, 14, V2T, &rx), PDM_OK);
	rtt = ((u64)rx.delta_tls << rx.scale_dtls) -
	      ((u64)rx_b1.delta_tlr << rx_b1.scale_dtlr);
	KUNIT_EXPECT_EQ(test, rtt, 19999652652777472ULL);
}

/* PSNTP counts up by one per packet and wraps at 16 bits on the wire. */
static void pdm_test_psn_wrap(struct kunit *test)
{
	struct pdm_flow *f;
	struct pdm_info pi, rx;
	u8 buf[16];

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	f->psntp_next = 0xfffe;

	pdm_flow_tx(f, 1, 0, &pi);
	pdm_doh_build(buf, sizeof(buf), NULL, IPPROTO_TCP, &pi, V2T);
	KUNIT_ASSERT_EQ(test, pdm_parse(buf + 2, 14, V2T, &rx), PDM_OK);
	KUNIT_EXPECT_EQ(test, rx.psntp, 0xfffe);
	pdm_flow_tx(f, 2, 0, &pi);
	pdm_flow_tx(f, 3, 0, &pi);
	pdm_doh_build(buf, sizeof(buf), NULL, IPPROTO_TCP, &pi, V2T);
	KUNIT_ASSERT_EQ(test, pdm_parse(buf + 2, 14, V2T, &rx), PDM_OK);
	KUNIT_EXPECT_EQ(test, rx.psntp, 0);
}

/*
 * The exchange of pdm_test_exchange() in PDMv2, a2 being the worked
 * header of the spec digest (section 1.5): 4-octet aligned, 32 octets,
 * 32-bit PSNs, Global Pointers 5, 6 and 7, under either option type.
 */
static void pdm_test_exchange_v2(struct kunit *test)
{
	static const u8 a1[] = { 0x11, 0x03, 0x01, 0x00, 0x0f, 0x16, 0x20, 0x00,
				 0x12, 0x34, 0x56, 0x77, 0x00, 0x00, 0x00, 0x00,
				 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
				 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00 };
	static const u8 b1[] = { 0x11, 0x03, 0x01, 0x00, 0x0f, 0x16, 0x20, 0x00,
				 0xa0, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x77,
				 0x00, 0x00, 0x00, 0x06, 0x20, 0x00, 0x00, 0x00,
				 0x88, 0x6c, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00 };
	static const u8 a2[] = { 0x11, 0x03, 0x01, 0x00, 0x0f, 0x16, 0x20, 0x00,
				 0x12, 0x34, 0x56, 0x78, 0xa0, 0x00, 0x00, 0x01,
				 0x00, 0x00, 0x00, 0x07, 0x1d, 0x27, 0x00, 0x00,
				 0xda, 0x47, 0x8f, 0x2c, 0x01, 0x02, 0x00, 0x00 };
	static const u8 *const want[] = { a1, b1, a2 };
	const u64 ta = 1000000000ULL, tb = 7000000000ULL;
	static const u8 types[] = { IPV6_TLV_PDM, 0x1e };
	struct pdm_flow *fa, *fb, *f;
	struct pdm_info pi, rx;
	unsigned int t, i;
	u8 buf[32], exp[32];
	u64 now;

	fa = kunit_kzalloc(test, sizeof(*fa), GFP_KERNEL);
	fb = kunit_kzalloc(test, sizeof(*fb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fa);
	KUNIT_ASSERT_NOT_NULL(test, fb);
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		memset(fa, 0, sizeof(*fa));
		memset(fb, 0, sizeof(*fb));
		spin_lock_init(&fa->lock);
		spin_lock_init(&fb->lock);
		fa->psntp_next = 0x12345677;
		fb->psntp_next = 0xa0000001;
		KUNIT_ASSERT_EQ(test, pdm_doh_len(NULL, 2, types[t]), 32);
		for (i = 0; i < 3; i++) {
			/* a1 at ta; b1 150 us after it; a2 20.18 ms after a1 */
			f = i == 1 ? fb : fa;
			now = i == 0 ? ta : i == 1 ? tb + 150000 :
			      ta + 20150000 + 30000;
			if (i == 2)
				pdm_flow_rx(fa, ta + 20150000, 0, &rx);
			pdm_flow_tx(f, now, 0, &pi);
			pi.version = 2;
			pi.type = types[t];
			pi.gp = 5 + i;
			KUNIT_EXPECT_EQ(test,
					pdm_doh_build(buf, sizeof(buf), NULL,
						      IPPROTO_UDP, &pi, types[t]),
					4);
			memcpy(exp, want[i], sizeof(exp));
			exp[4] = types[t];
			KUNIT_EXPECT_MEMEQ_MSG(test, buf, exp, sizeof(exp),
					       "packet %u, type %#x", i,
					       types[t]);
			KUNIT_ASSERT_EQ(test, pdm_parse(buf + 4, 28, types[t],
							&rx), PDM_OK);
			KUNIT_EXPECT_EQ(test, rx.version, 2);
			KUNIT_EXPECT_EQ(test, rx.gp, 5 + i);
			if (i == 0)
				pdm_flow_rx(fb, tb, 0, &rx);
		}
		KUNIT_EXPECT_EQ(test, fb->peer_version, 2);
	}
}

/* PDMv2's Epoch steps when PSNTP wraps, and wraps at 12 bits. */
static void pdm_test_epoch(struct kunit *test)
{
	struct pdm_flow *f;
	struct pdm_info pi;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	f->psntp_next = 0xfffffffe;
	f->epoch = 5;

	pdm_flow_tx(f, 1, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 0xfffffffe);
	KUNIT_EXPECT_EQ(test, pi.epoch, 5);
	pdm_flow_tx(f, 2, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 0xffffffff);
	KUNIT_EXPECT_EQ(test, pi.epoch, 5);
	pdm_flow_tx(f, 3, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, 0);
	KUNIT_EXPECT_EQ(test, pi.epoch, 6);

	f->psntp_next = 0xffffffff;
	f->epoch = PDM_V2_EPOCH_MASK;
	pdm_flow_tx(f, 4, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.epoch, PDM_V2_EPOCH_MASK);
	pdm_flow_tx(f, 5, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.epoch, 0);
}

/* One Global Pointer per netns for link-local sources, one for others. */
static void pdm_test_gp(struct kunit *test)
{
	static const struct in6_addr ll = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
	static const struct in6_addr gua = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8,
							  [15] = 1 } };
	static const struct in6_addr ula = { .s6_addr = { 0xfd, [15] = 1 } };
	struct pdm_net *pn;

	pn = kunit_kzalloc(test, sizeof(*pn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pn);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &gua, 1), 1);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &gua, 1), 2);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &ll, 1), 1);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &ula, 1), 3);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &ll, 1), 2);
	/* A GSO packet of 5 segments takes 4 to 8. */
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &gua, 5), 4);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &ula, 1), 9);
	/* 32 bits, wrapping. */
	atomic_set(&pn->gp[0], -1);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &gua, 1), 0);
	KUNIT_EXPECT_EQ(test, pdm_gp_next(pn, &gua, 1), 1);
}

static void pdm_test_release_sock(void *arg)
{
	sock_release(arg);
}

static void pdm_test_restore_version(void *arg)
{
	struct pdm_net *pn = init_net.ipv6.pdm;

	WRITE_ONCE(pn->version, (unsigned long)arg);
	pdm_flows_flush(pn);
}

/*
 * The version a socket sends: its IPV6_PDM if it names one, else the one
 * its peer sent on the flow (reply in kind), else the netns'.
 */
static void pdm_test_version_choice(struct kunit *test)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct in6_addr b = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	struct pdm_net *pn = init_net.ipv6.pdm;
	struct pdm_info rx = { .version = 1 };
	struct pdm_flow_key key;
	struct pdm_flow *f;
	struct socket *sock;
	unsigned long old;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, PF_INET6, SOCK_DGRAM,
					       IPPROTO_UDP, &sock), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pdm_test_release_sock,
							sock), 0);
	old = READ_ONCE(pn->version);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pdm_test_restore_version,
							(void *)old), 0);
	pdm_flow_key_init(&key, &a, &b, IPPROTO_UDP, htons(1000), htons(2000));

	WRITE_ONCE(pn->version, 2);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 2);
	WRITE_ONCE(pn->version, 1);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 1);

	/* An RFC 8250 peer gets RFC 8250 back; a PDMv2 one PDMv2. */
	WRITE_ONCE(pn->version, 2);
	rcu_read_lock();
	f = pdm_flow_get(pn, &key);
	KUNIT_ASSERT_NOT_NULL(test, f);
	pdm_flow_rx(f, 1, 0, &rx);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 1);
	rx.version = 2;
	pdm_flow_rx(f, 2, 0, &rx);
	WRITE_ONCE(pn->version, 1);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 2);
	rx.version = 1;
	pdm_flow_rx(f, 3, 0, &rx);
	rcu_read_unlock();

	/* A version the socket names wins. */
	KUNIT_EXPECT_EQ(test, ipv6_pdm_setsockopt(sock->sk, IPV6_PDM_V2), 0);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 2);
	KUNIT_EXPECT_EQ(test, ipv6_pdm_setsockopt(sock->sk, IPV6_PDM_V1), 0);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 1);
	KUNIT_EXPECT_EQ(test, ipv6_pdm_setsockopt(sock->sk, IPV6_PDM_V2 + 1),
			-EINVAL);
}

/* Builds a table entry by entry, as the netlink ops do. */
static struct pdm_policy_table *pdm_test_policy(struct kunit *test,
						struct pdm_policy_table *t,
						const char *prefix, u8 plen,
						u8 mode, bool del)
{
	struct pdm_policy p = { .plen = plen, .mode = mode };
	struct pdm_policy_table *nt;

	KUNIT_ASSERT_EQ(test, in6_pton(prefix, -1, p.prefix.s6_addr, -1, NULL),
			1);
	nt = pdm_policies_with(t, &p, del, NULL);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(nt), "%s/%u: %ld", prefix, plen,
			       PTR_ERR(nt));
	kvfree(t);
	return nt;
}

static int pdm_test_match(struct kunit *test, struct pdm_policy_table *t,
			  const char *addr)
{
	struct in6_addr a;

	KUNIT_EXPECT_EQ(test, in6_pton(addr, -1, a.s6_addr, -1, NULL), 1);
	return pdm_policies_match(t, &a);
}

KUNIT_DEFINE_ACTION_WRAPPER(pdm_test_kvfree, kvfree, const void *);

/* The longest matching prefix decides; entries replace, delete, bound. */
static void pdm_test_policy_match(struct kunit *test)
{
	struct pdm_policy_table *t = NULL, *full;
	struct pdm_policy p = {};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, pdm_test_match(test, NULL, "2001:db8::1"), -1);
	t = pdm_test_policy(test, t, "2001:db8::", 32, PDM_MODE_V2, false);
	t = pdm_test_policy(test, t, "2001:db8:1::", 48, PDM_MODE_OFF, false);
	t = pdm_test_policy(test, t, "2001:db8:1::5", 128, PDM_MODE_V1, false);
	t = pdm_test_policy(test, t, "fe80::", 10, PDM_MODE_V1, false);
	t = pdm_test_policy(test, t, "2001:db8:2::", 48, PDM_MODE_V1, false);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pdm_test_kvfree,
							t), 0);
	KUNIT_EXPECT_EQ(test, t->n, 5);
	KUNIT_EXPECT_EQ(test, t->ngroups, 4);

	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db8::1"),
			PDM_MODE_V2);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db8:1::1"),
			PDM_MODE_OFF);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db8:1::5"),
			PDM_MODE_V1);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db8:2:ffff::"),
			PDM_MODE_V1);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db8:3::1"),
			PDM_MODE_V2);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "febf::1"), PDM_MODE_V1);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "fec0::1"), -1);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db9::1"), -1);

	/* ::/0 matches what nothing longer does; an entry is replaced. */
	kunit_release_action(test, pdm_test_kvfree, t);
	t = pdm_test_policy(test, NULL, "2001:db8::", 32, PDM_MODE_V2, false);
	t = pdm_test_policy(test, t, "::", 0, PDM_MODE_OFF, false);
	t = pdm_test_policy(test, t, "2001:db8::", 32, PDM_MODE_V1, false);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pdm_test_kvfree,
							t), 0);
	KUNIT_EXPECT_EQ(test, t->n, 2);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "2001:db8::1"),
			PDM_MODE_V1);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "::1"), PDM_MODE_OFF);

	/* Delete: a missing entry is an error; the last one empties it. */
	p.plen = 64;
	KUNIT_EXPECT_EQ(test, PTR_ERR(pdm_policies_with(t, &p, true, NULL)),
			-ENOENT);
	kunit_release_action(test, pdm_test_kvfree, t);
	t = pdm_test_policy(test, NULL, "::", 0, PDM_MODE_OFF, false);
	t = pdm_test_policy(test, t, "2001:db8::", 32, PDM_MODE_V1, false);
	t = pdm_test_policy(test, t, "::", 0, 0, true);
	KUNIT_EXPECT_EQ(test, t->n, 1);
	KUNIT_EXPECT_EQ(test, pdm_test_match(test, t, "::1"), -1);
	t = pdm_test_policy(test, t, "2001:db8::", 32, 0, true);
	KUNIT_EXPECT_NULL(test, t);

	/* PDM_MAX_POLICIES entries, then no more, but replacing one works. */
	for (i = 0; i < PDM_MAX_POLICIES; i++) {
		p.prefix.s6_addr32[0] = htonl(0x20010db8);
		p.prefix.s6_addr32[1] = htonl(i);
		p.plen = 64;
		full = pdm_policies_with(t, &p, false, NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(full));
		kvfree(t);
		t = full;
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pdm_test_kvfree,
							t), 0);
	p.plen = 63;
	KUNIT_EXPECT_EQ(test, PTR_ERR(pdm_policies_with(t, &p, false, NULL)),
			-ENOSPC);
	p.plen = 64;
	p.mode = PDM_MODE_V1;
	full = pdm_policies_with(t, &p, false, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(full));
	KUNIT_EXPECT_EQ(test, full->n, PDM_MAX_POLICIES);
	KUNIT_EXPECT_EQ(test, pdm_policies_match(full, &p.prefix), PDM_MODE_V1);
	p.prefix.s6_addr32[1] = htonl(7);
	KUNIT_EXPECT_EQ(test, pdm_policies_match(full, &p.prefix), PDM_MODE_OFF);
	kvfree(full);
}

static void pdm_test_policy_restore(void *arg)
{
	struct pdm_net *pn = init_net.ipv6.pdm;

	pdm_policy_flush(pn);
	WRITE_ONCE(init_net.ipv6.sysctl.pdm_enabled, (unsigned long)arg);
	pdm_flows_flush(pn);
}

/* The policy entry for the peer decides over the sysctls, not a socket. */
static void pdm_test_policy_choice(struct kunit *test)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct in6_addr b = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	struct in6_addr c = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb9, [15] = 2 } };
	struct pdm_policy p = { .prefix = b, .plen = 128 };
	struct pdm_net *pn = init_net.ipv6.pdm;
	struct pdm_flow_key key;
	unsigned long enabled;
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, PF_INET6, SOCK_DGRAM,
					       IPPROTO_UDP, &sock), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pdm_test_release_sock,
							sock), 0);
	enabled = init_net.ipv6.sysctl.pdm_enabled;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pdm_test_policy_restore,
							(void *)enabled), 0);
	pdm_flow_key_init(&key, &a, &b, IPPROTO_UDP, htons(1000), htons(2000));

	/* Disabled: on towards b only, in the entry's version. */
	WRITE_ONCE(init_net.ipv6.sysctl.pdm_enabled, 0);
	p.mode = PDM_MODE_V1;
	KUNIT_ASSERT_EQ(test, pdm_policy_set(pn, &p, false, NULL), 0);
	KUNIT_EXPECT_EQ(test, pdm_mode(sock->sk, &init_net, &b), 1);
	KUNIT_EXPECT_EQ(test, pdm_mode(NULL, &init_net, &b), 1);
	KUNIT_EXPECT_EQ(test, pdm_mode(sock->sk, &init_net, &c), 0);
	KUNIT_EXPECT_EQ(test, pdm_tx_version(sock->sk, &key), 1);

	/* Enabled: off towards b only; elsewhere the sysctl's version. */
	WRITE_ONCE(init_net.ipv6.sysctl.pdm_enabled, 1);
	p.mode = PDM_MODE_OFF;
	KUNIT_ASSERT_EQ(test, pdm_policy_set(pn, &p, false, NULL), 0);
	KUNIT_EXPECT_EQ(test, pdm_mode(sock->sk, &init_net, &b), 0);
	KUNIT_EXPECT_EQ(test, pdm_mode(sock->sk, &init_net, &c),
			READ_ONCE(pn->version));

	/* A socket's own IPV6_PDM wins over the table. */
	KUNIT_EXPECT_EQ(test, ipv6_pdm_setsockopt(sock->sk, IPV6_PDM_V2), 0);
	KUNIT_EXPECT_EQ(test, pdm_mode(sock->sk, &init_net, &b), 2);
	KUNIT_EXPECT_EQ(test, ipv6_pdm_setsockopt(sock->sk, IPV6_PDM_OFF), 0);
	KUNIT_EXPECT_EQ(test, pdm_mode(sock->sk, &init_net, &c), 0);

	/* Deleted: the sysctls decide again. */
	KUNIT_ASSERT_EQ(test, pdm_policy_set(pn, &p, true, NULL), 0);
	KUNIT_EXPECT_EQ(test, pdm_mode(NULL, &init_net, &b),
			READ_ONCE(pn->version));
	KUNIT_EXPECT_EQ(test, pdm_policy_set(pn, &p, true, NULL), -ENOENT);
}

/*
 * What writing and parsing one option costs, per version: printed, not
 * checked, as timings depend on the machine. The round trip is checked.
 */
static void pdm_test_codec_cost(struct kunit *test)
{
	const unsigned int n = 1 << 20;
	struct pdm_info pi = {
		.type = 0x1e, .epoch = 3, .psnlr = 0xa0000001, .gp = 7,
		.scale_dtlr = 29, .delta_tlr = 0xda47,
		.scale_dtls = 39, .delta_tls = 0x8f2c,
	};
	unsigned int i, ok;
	struct pdm_info rx;
	u8 buf[PDM_V2_OPT_SIZE];
	u64 t0, dt;
	u8 v;

	for (v = 1; v <= 2; v++) {
		pi.version = v;
		ok = 0;
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++) {
			pi.psntp = i;
			pdm_opt_write(buf, &pi);
			ok += pdm_parse(buf, sizeof(buf), 0x1e, &rx) == PDM_OK;
		}
		dt = ktime_get_ns() - t0;
		kunit_info(test, "PDMv%u write and parse: %llu ps per option\n",
			   v, div_u64(dt * 1000, n));
		KUNIT_EXPECT_EQ(test, ok, n);
		KUNIT_EXPECT_EQ(test, rx.version, v);
		KUNIT_EXPECT_EQ(test, rx.psntp, v == 2 ? n - 1 : (n - 1) & 0xffff);
		KUNIT_EXPECT_EQ(test, rx.delta_tls, 0x8f2c);
	}
}

struct pdm_merge_case {
	const char *name;
	u8 dst1[16];		/* hdrlen in dst1[1] */
	unsigned int len;	/* expected header length, 0: no PDM */
	unsigned int pdm_off;	/* where PDM goes */
};

static const struct pdm_merge_case pdm_merge_cases[] = {
	{ "one option", { 0, 0, 0x1e, 4, 1, 2, 3, 4 }, 24, 8 },
	{ "padding only", { 0, 0, 0x01, 4, 0, 0, 0, 0 }, 16, 2 },
	{ "odd end", { 0, 0, 0x1e, 1, 9, 0, 0, 0 }, 24, 6 },
	{ "padded option", { 0, 1, 0x1e, 6, 1, 2, 3, 4, 5, 6, 0x01, 4 }, 24, 10 },
	{ "has PDM", { 0, 1, 0x0f, 10 }, 0, 0 },
	/* Padding the application left, however long, is dropped. */
	{ "long padding", { 0, 1, 0x1e, 2, 1, 2, 0x01, 8 }, 24, 6 },
	{ "overrun", { 0, 0, 0x1e, 9, 1, 2, 3, 4 }, 0, 0 },
};

static void pdm_merge_case_desc(const struct pdm_merge_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pdm_merge, pdm_merge_cases, pdm_merge_case_desc);

static void pdm_test_merge(struct kunit *test)
{
	const struct pdm_merge_case *c = test->param_value;
	const struct ipv6_opt_hdr *dst1 = (const void *)c->dst1;
	struct pdm_info pi = { .version = 1, .psntp = 0x4242 }, rx;
	unsigned int len = pdm_doh_len(dst1, 1, V2T), off;
	u8 buf[32];

	KUNIT_ASSERT_EQ(test, len, c->len);
	if (!len)
		return;
	KUNIT_ASSERT_LE(test, len, sizeof(buf));
	memset(buf, 0xff, sizeof(buf));
	pdm_doh_build(buf, len, dst1, IPPROTO_UDP, &pi, V2T);
	KUNIT_EXPECT_EQ(test, buf[0], IPPROTO_UDP);
	off = pdm_expect_valid_doh(test, buf, len);
	KUNIT_EXPECT_EQ(test, off, c->pdm_off);
	KUNIT_EXPECT_EQ(test, off % 2, 0);
	KUNIT_ASSERT_EQ(test, pdm_parse(buf + c->pdm_off, len - c->pdm_off,
					V2T, &rx), PDM_OK);
	KUNIT_EXPECT_EQ(test, rx.psntp, 0x4242);
	/* The socket's own options are kept as they were. */
	if (c->dst1[2] != IPV6_TLV_PADN)
		KUNIT_EXPECT_MEMEQ(test, buf + 2, c->dst1 + 2, 2 + c->dst1[3]);
}

/* An skb as UDP or ICMPv6 hands it to ipv6_pdm_rcv(): B receives from A. */
static struct sk_buff *pdm_test_rx_skb(struct kunit *test,
				       const struct in6_addr *a,
				       const struct in6_addr *b)
{
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	struct sk_buff *skb;
	u8 *doh;

	skb = alloc_skb(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pdm_test_kfree_skb,
							skb), 0);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = NEXTHDR_DEST;
	ip6h->saddr = *a;
	ip6h->daddr = *b;
	doh = skb_put_zero(skb, 16);
	doh[0] = IPPROTO_UDP;
	doh[1] = 1;
	skb_set_transport_header(skb, skb->len);
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = htons(1000);
	uh->dest = htons(2000);
	return skb;
}

/* B's answer, 2000 -> 1000, to the datagram of pdm_test_rx_skb(). */
static void pdm_test_reply_fl6(struct flowi6 *fl6, const struct in6_addr *a,
			       const struct in6_addr *b)
{
	memset(fl6, 0, sizeof(*fl6));
	fl6->saddr = *b;
	fl6->daddr = *a;
	fl6->flowi6_proto = IPPROTO_UDP;
	fl6->fl6_sport = htons(2000);
	fl6->fl6_dport = htons(1000);
}

static void pdm_test_key_symmetry(struct kunit *test)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct in6_addr b = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	struct pdm_flow_key krx, ktx;
	struct flowi6 fl6;
	struct sk_buff *skb;

	/* B receives UDP 1000 -> 2000 from A. */
	skb = pdm_test_rx_skb(test, &a, &b);
	KUNIT_ASSERT_TRUE(test, pdm_flow_key_rcv(&krx, skb, IP6CB(skb),
						 IPPROTO_UDP));

	pdm_test_reply_fl6(&fl6, &a, &b);
	pdm_flow_key_xmit(&ktx, &fl6, NULL);
	KUNIT_EXPECT_MEMEQ(test, &krx, &ktx, sizeof(krx));
	KUNIT_EXPECT_EQ(test, ntohs(ktx.lport), 2000);

	/* The link does not enter the key of a global peer. */
	fl6.flowi6_oif = 3;
	pdm_flow_key_xmit(&ktx, &fl6, NULL);
	KUNIT_EXPECT_MEMEQ(test, &krx, &ktx, sizeof(krx));

	/* ICMPv6 has no ports: its type and code must not enter the key. */
	KUNIT_ASSERT_TRUE(test, pdm_flow_key_rcv(&krx, skb, IP6CB(skb),
						 IPPROTO_ICMPV6));
	fl6.flowi6_proto = IPPROTO_ICMPV6;
	fl6.fl6_icmp_type = ICMPV6_ECHO_REPLY;
	pdm_flow_key_xmit(&ktx, &fl6, NULL);
	KUNIT_EXPECT_MEMEQ(test, &krx, &ktx, sizeof(krx));
	KUNIT_EXPECT_EQ(test, ntohs(ktx.lport), 0);

	/* Multicast is not accounted. */
	ipv6_hdr(skb)->daddr.s6_addr[0] = 0xff;
	KUNIT_EXPECT_FALSE(test, pdm_flow_key_rcv(&krx, skb, IP6CB(skb),
						  IPPROTO_UDP));
}

static void pdm_test_key_link_local(struct kunit *test)
{
	struct in6_addr a = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
	struct in6_addr b = { .s6_addr = { 0xfe, 0x80, [15] = 2 } };
	struct pdm_flow_key krx, ktx;
	struct flowi6 fl6;
	struct sk_buff *skb;

	/* The same link-local peer on links 3 and 4: two flows. */
	skb = pdm_test_rx_skb(test, &a, &b);
	IP6CB(skb)->iif = 3;
	KUNIT_ASSERT_TRUE(test, pdm_flow_key_rcv(&krx, skb, IP6CB(skb),
						 IPPROTO_UDP));
	KUNIT_EXPECT_EQ(test, krx.ifindex, 3);

	pdm_test_reply_fl6(&fl6, &a, &b);
	fl6.flowi6_oif = 3;
	pdm_flow_key_xmit(&ktx, &fl6, NULL);
	KUNIT_EXPECT_MEMEQ(test, &krx, &ktx, sizeof(krx));

	fl6.flowi6_oif = 4;
	pdm_flow_key_xmit(&ktx, &fl6, NULL);
	KUNIT_EXPECT_MEMNEQ(test, &krx, &ktx, sizeof(krx));

	/* In a VRF, the link is the enslaved device, the VRF keys too. */
	IP6CB(skb)->flags |= IP6SKB_L3SLAVE;
	skb->skb_iif = 10;
	KUNIT_ASSERT_TRUE(test, pdm_flow_key_rcv(&krx, skb, IP6CB(skb),
						 IPPROTO_UDP));
	KUNIT_EXPECT_EQ(test, krx.ifindex, 3);
	KUNIT_EXPECT_EQ(test, krx.l3mdev, IS_ENABLED(CONFIG_NET_L3_MASTER_DEV) ?
					  10 : 0);
}

static void pdm_test_find(struct kunit *test)
{
	static const u8 pdm_last[24] = { 17, 2, 0x01, 0x00, 0x1e, 2, 1, 2,
					 0x0f, 10, [20] = 1, 2, 0, 0 };
	static const u8 none[16] = { 17, 1, 0x1e, 2, 1, 2, 0x01, 8 };
	static const u8 cut[8] = { 17, 0, 0x1e, 2, 1, 2, 0x0f, 10 };

	KUNIT_EXPECT_PTR_EQ(test, pdm_find((const void *)pdm_last, V2T),
			    &pdm_last[8]);
	KUNIT_EXPECT_NULL(test, pdm_find((const void *)none, V2T));
	/* An option running past the header is not returned. */
	KUNIT_EXPECT_NULL(test, pdm_find((const void *)cut, V2T));
}

static void pdm_test_free_mib(void *arg)
{
	struct pdm_net *pn = arg;

	free_percpu(pn->mib);
}

static void pdm_test_destroy_flows(void *arg)
{
	struct pdm_net *pn = arg;

	/* Also stops the expiry work: it must not outlive the test. */
	pdm_flows_destroy(pn);
	/* Flows expired by the test are freed after a grace period. */
	rcu_barrier();
}

/* A header of @n experimental options, each of @dlen octets of data. */
static struct ipv6_opt_hdr *pdm_test_opts(struct kunit *test, int n, int dlen)
{
	unsigned int len = 2 + n * (2 + dlen), off = 2;
	struct ipv6_opt_hdr *h;
	u8 *p;

	len = ALIGN(len, 8);
	h = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	p = (u8 *)h;
	h->hdrlen = len / 8 - 1;
	while (n--) {
		p[off] = 0x1e;
		p[off + 1] = dlen;
		off += 2 + dlen;
	}
	if (len - off == 1) {
		p[off] = IPV6_TLV_PAD1;
	} else if (len > off) {
		p[off] = IPV6_TLV_PADN;
		p[off + 1] = len - off - 2;
	}
	return h;
}

static void pdm_test_merge_limits(struct kunit *test)
{
	struct ipv6_opt_hdr *h;

	/* Seven options and PDM: as many as default receivers take. */
	h = pdm_test_opts(test, 7, 0);
	KUNIT_EXPECT_EQ(test, pdm_doh_len(h, 1, V2T), 32);
	/* An eighth would make receivers with the default limit drop it. */
	h = pdm_test_opts(test, 8, 0);
	KUNIT_EXPECT_EQ(test, pdm_doh_len(h, 1, V2T), 0);
	/* The longest header the options allow still takes PDM. */
	h = pdm_test_opts(test, 7, 255);
	KUNIT_EXPECT_EQ(test, ipv6_optlen(h), 1808);
	KUNIT_EXPECT_EQ(test, pdm_doh_len(h, 1, V2T), 1816);
	/* 2040 octets: no room under the 2048 limit, and too many options. */
	h = pdm_test_opts(test, 8, 252);
	KUNIT_EXPECT_EQ(test, ipv6_optlen(h), 2040);
	KUNIT_EXPECT_EQ(test, pdm_doh_len(h, 1, V2T), 0);
}

static u64 pdm_test_mib(struct pdm_net *pn, int field)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(pn->mib, cpu)->mibs[field];
	return sum;
}

static struct pdm_flow *pdm_test_get(struct pdm_net *pn, int port, int pkts)
{
	struct in6_addr a = {}, b = {};
	struct pdm_flow_key key;
	struct pdm_info pi;
	struct pdm_flow *f;

	pdm_flow_key_init(&key, &a, &b, IPPROTO_UDP, htons(port), htons(9));
	f = pdm_flow_get(pn, &key);
	while (f && pkts--)
		pdm_flow_tx(f, 0, 0, &pi);
	return f;
}

/* A flow table of at most @max flows, of its own, with its counters. */
static struct pdm_net *pdm_test_table(struct kunit *test, u32 max)
{
	struct pdm_net *pn;

	pn = kunit_kzalloc(test, sizeof(*pn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pn);
	pn->max_flows = max;
	/* Long enough that the expiry work cannot run during the test. */
	pn->flow_timeout = 60;
	pn->mib = alloc_percpu(struct pdm_mib);
	KUNIT_ASSERT_TRUE(test, !!pn->mib);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pdm_test_free_mib,
							pn), 0);
	KUNIT_ASSERT_EQ(test, pdm_flows_init(pn), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pdm_test_destroy_flows,
							pn), 0);
	return pn;
}

static void pdm_test_table_evict(struct kunit *test)
{
	struct pdm_net *pn = pdm_test_table(test, 8);
	struct pdm_flow *flows[8];
	u64 created;
	int i;

	rcu_read_lock();
	/* Flows 0 and 1 see a second packet; 2 to 7 one each. */
	for (i = 0; i < 8; i++)
		flows[i] = pdm_test_get(pn, i, i < 2 ? 2 : 1);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, flows[i], "flow %d", i);
	KUNIT_EXPECT_EQ(test, pn->nflows, 8);
	/* Creating a flow queues its expiry. */
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pn->gc_work));

	/* A known flow is found, not created. */
	KUNIT_EXPECT_PTR_EQ(test, pdm_test_get(pn, 5, 0), flows[5]);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSCREATED), 8);

	/* Two new flows evict 2 and 3: 0 and 1 were in use. */
	KUNIT_EXPECT_NOT_NULL(test, pdm_test_get(pn, 100, 1));
	KUNIT_EXPECT_NOT_NULL(test, pdm_test_get(pn, 101, 1));
	KUNIT_EXPECT_EQ(test, pn->nflows, 8);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSEVICTED), 2);
	KUNIT_EXPECT_PTR_EQ(test, pdm_test_get(pn, 0, 0), flows[0]);
	KUNIT_EXPECT_PTR_EQ(test, pdm_test_get(pn, 1, 0), flows[1]);
	KUNIT_EXPECT_PTR_EQ(test, pdm_test_get(pn, 4, 0), flows[4]);
	created = pdm_test_mib(pn, PDM_MIB_FLOWSCREATED);
	KUNIT_EXPECT_EQ(test, created, 10);

	/* 2 is gone: asking for it creates it again, evicting 4. */
	KUNIT_EXPECT_NOT_NULL(test, pdm_test_get(pn, 2, 1));
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSCREATED),
			created + 1);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSEVICTED), 3);
	KUNIT_EXPECT_PTR_EQ(test, pdm_test_get(pn, 5, 0), flows[5]);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSNOMEM), 0);

	/* Idle expiry takes only the idle ones. */
	for (i = 5; i < 8; i++)
		flows[i]->last_used = jiffies - 61 * HZ;
	KUNIT_EXPECT_EQ(test, pdm_flows_expire(pn, false), 3);
	KUNIT_EXPECT_EQ(test, pn->nflows, 5);
	KUNIT_EXPECT_EQ(test, pdm_flows_expire(pn, true), 5);
	KUNIT_EXPECT_EQ(test, pn->nflows, 0);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSEXPIRED), 8);
}

/* A TCP socket's flow of local port @port, in no table, with its id. */
static struct pdm_flow *pdm_test_sk_flow(struct kunit *test,
					 struct pdm_net *pn, int port)
{
	struct in6_addr a = {}, b = {};
	struct pdm_flow_key key;
	struct pdm_flow *f;

	pdm_flow_key_init(&key, &a, &b, IPPROTO_TCP, htons(port), htons(9));
	f = pdm_flow_alloc(&key, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->flags |= PDM_F_SOCK;
	KUNIT_ASSERT_EQ(test, pdm_flow_id_add(pn, f), 0);
	return f;
}

static void pdm_test_table_adopt(struct kunit *test)
{
	struct pdm_net *pn = pdm_test_table(test, 2);
	struct pdm_flow *f = pdm_test_sk_flow(test, pn, 1);
	struct pdm_flow *g = pdm_test_sk_flow(test, pn, 3);
	struct pdm_flow *t;
	struct pdm_info pi;
	u32 psntp;
	int i;

	rcu_read_lock();
	/* The table's flow of a SYN-ACK; the accepted socket continues it. */
	t = pdm_flow_get(pn, &f->key);
	if (!t) {
		rcu_read_unlock();
		KUNIT_FAIL(test, "no flow in the table");
		return;
	}
	pdm_flow_tx(t, 0, 0, &pi);
	psntp = pi.psntp;
	pdm_flow_copy(f, t);
	for (i = 0; i < 3; i++)
		pdm_flow_tx(f, 0, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, psntp + 3);

	/* Closed, the connection's flow takes the place of the table's. */
	pdm_flow_adopt(pn, f);
	KUNIT_EXPECT_PTR_EQ(test, pdm_flow_get(pn, &f->key), f);
	KUNIT_EXPECT_FALSE(test, f->flags & PDM_F_SOCK);
	KUNIT_EXPECT_EQ(test, pn->nflows, 1);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSCREATED), 1);
	/* A time-wait socket's ACK goes on from the connection's PSNs. */
	pdm_flow_tx(f, 0, 0, &pi);
	KUNIT_EXPECT_EQ(test, pi.psntp, psntp + 4);

	/* Without an entry of its own, it is a new one: here it evicts. */
	KUNIT_EXPECT_NOT_NULL(test, pdm_test_get(pn, 2, 1));
	pdm_flow_adopt(pn, g);
	KUNIT_EXPECT_PTR_EQ(test, pdm_flow_lookup(pn, &g->key), g);
	KUNIT_EXPECT_EQ(test, pn->nflows, 2);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSCREATED), 3);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSEVICTED), 1);
	rcu_read_unlock();

	/* The table frees them as its own. */
	KUNIT_EXPECT_EQ(test, pdm_flows_expire(pn, true), 2);
	KUNIT_EXPECT_EQ(test, pn->nflows, 0);
	KUNIT_EXPECT_EQ(test, pdm_test_mib(pn, PDM_MIB_FLOWSNOMEM), 0);
}

static void pdm_test_mib_names(struct kunit *test)
{
	int i, j;

	for (i = 0; i < __PDM_MIB_MAX; i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, pdm_mib_names[i], "counter %d", i);
		/* One prefix, as nstat filters; no name for one version only. */
		KUNIT_EXPECT_TRUE_MSG(test,
				      str_has_prefix(pdm_mib_names[i], "Pdm6"),
				      "%s", pdm_mib_names[i]);
		KUNIT_EXPECT_NULL(test, strstr(pdm_mib_names[i], "V1"));
		KUNIT_EXPECT_NULL(test, strstr(pdm_mib_names[i], "Len"));
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, pdm_mib_names[i],
					    pdm_mib_names[j]);
	}
	KUNIT_EXPECT_STREQ(test, pdm_mib_names[PDM_MIB_INPKTS], "Pdm6InPkts");
	KUNIT_EXPECT_STREQ(test, pdm_mib_names[PDM_MIB_FLOWSEVICTED],
			   "Pdm6FlowsEvicted");
}

static struct kunit_case pdm_test_cases[] = {
	KUNIT_CASE_PARAM(pdm_test_encode, pdm_delta_gen_params),
	KUNIT_CASE(pdm_test_encode_truncates),
	KUNIT_CASE(pdm_test_parse_lengths),
	KUNIT_CASE(pdm_test_parse_version),
	KUNIT_CASE(pdm_test_parse_fields),
	KUNIT_CASE(pdm_test_exchange),
	KUNIT_CASE(pdm_test_psn_wrap),
	KUNIT_CASE(pdm_test_exchange_v2),
	KUNIT_CASE(pdm_test_epoch),
	KUNIT_CASE(pdm_test_gp),
	KUNIT_CASE(pdm_test_version_choice),
	KUNIT_CASE(pdm_test_policy_match),
	KUNIT_CASE(pdm_test_policy_choice),
	KUNIT_CASE(pdm_test_codec_cost),
	KUNIT_CASE_PARAM(pdm_test_merge, pdm_merge_gen_params),
	KUNIT_CASE(pdm_test_merge_limits),
	KUNIT_CASE(pdm_test_key_symmetry),
	KUNIT_CASE(pdm_test_key_link_local),
	KUNIT_CASE(pdm_test_find),
	KUNIT_CASE(pdm_test_table_evict),
	KUNIT_CASE(pdm_test_table_adopt),
	KUNIT_CASE(pdm_test_mib_names),
	{}
};

static struct kunit_suite pdm_test_suite = {
	.name = "ipv6-pdm",
	.test_cases = pdm_test_cases,
};

kunit_test_suite(pdm_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for IPv6 PDM (RFC 8250)");
