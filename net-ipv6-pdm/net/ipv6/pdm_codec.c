// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): option codec.
 *
 * Pure functions, no state: parse an option by its length into the
 * version independent struct pdm_info, encode time deltas, and lay out
 * the final Destination Options header with PDM merged in.
 */

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/pdm.h>
#include <linux/unaligned.h>
#include <kunit/visibility.h>
#include "pdm_internal.h"

/* 10^9 = 2^9 * 5^9: attoseconds = (ns * 5^9) << 9, with no rounding. */
#define PDM_NS_TO_ASEC_MUL	1953125ULL
#define PDM_NS_TO_ASEC_SHIFT	9
#define PDM_DELTA_BITS		16

/* Keep the 16 most significant bits of (hi:lo) << scale. */
static void pdm_normalize(u64 hi, u64 lo, unsigned int scale, u16 *delta,
			  u8 *scale_out)
{
	unsigned int bits = hi ? 64 + fls64(hi) : fls64(lo), shift;

	if (!bits) {
		*delta = 0;
		*scale_out = 0;
		return;
	}
	if (bits <= PDM_DELTA_BITS) {
		*delta = lo;
		*scale_out = scale;
		return;
	}
	shift = bits - PDM_DELTA_BITS;
	if (shift >= 64)
		*delta = hi >> (shift - 64);
	else if (hi)
		*delta = (lo >> shift) | (hi << (64 - shift));
	else
		*delta = lo >> shift;
	*scale_out = scale + shift;
}

/**
 * pdm_encode_asec - encode a time delta as RFC 8250 DeltaT and Scale
 * @asec: the delta in attoseconds
 * @delta: returns the 16-bit mantissa
 * @scale: returns the power of two, so that the delta is
 *	@delta * 2^@scale attoseconds
 *
 * The time base of RFC 8250 is the attosecond; the value keeps the 16
 * most significant bits and truncates the rest. Zero is 0 with scale 0.
 */
void pdm_encode_asec(u64 asec, u16 *delta, u8 *scale)
{
	pdm_normalize(0, asec, 0, delta, scale);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_encode_asec);

/**
 * pdm_encode_delta - encode a time delta in ns as RFC 8250 DeltaT and Scale
 * @ns: the delta in nanoseconds
 * @delta: returns the 16-bit mantissa
 * @scale: returns the power of two, as for pdm_encode_asec()
 *
 * The attoseconds are computed in 128 bits, so that any delta is exact
 * up to the truncation to 16 bits.
 */
void pdm_encode_delta(u64 ns, u16 *delta, u8 *scale)
{
	pdm_normalize(mul_u64_u64_shr(ns, PDM_NS_TO_ASEC_MUL, 64),
		      ns * PDM_NS_TO_ASEC_MUL, PDM_NS_TO_ASEC_SHIFT,
		      delta, scale);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_encode_delta);

/* The greatest scale at which a 16-bit DeltaT fits 64 bits of asec. */
#define PDM_SCALE_ASEC64	(64 - PDM_DELTA_BITS - 1)

/**
 * pdm_decode_ns - the time a DeltaT and its Scale say, in ns
 * @delta: the 16-bit mantissa
 * @scale: the power of two
 *
 * Return: @delta * 2^@scale attoseconds in nanoseconds, rounded down;
 * U64_MAX for more than that.
 */
u64 pdm_decode_ns(u16 delta, u8 scale)
{
	unsigned int shift;
	u64 ns;

	if (scale <= PDM_SCALE_ASEC64)
		return div_u64((u64)delta << scale, NSEC_PER_SEC);
	/* Over 9 s: the fraction of a ns lost before the shift is no matter. */
	ns = div_u64((u64)delta << PDM_SCALE_ASEC64, NSEC_PER_SEC);
	shift = scale - PDM_SCALE_ASEC64;
	if (shift >= 64 || ns > U64_MAX >> shift)
		return U64_MAX;
	return ns << shift;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_decode_ns);

static void pdm_parse_v1(const u8 *opt, struct pdm_info *pi)
{
	const struct ipv6_pdm_v1_opt *v1 = (const struct ipv6_pdm_v1_opt *)opt;

	memset(pi, 0, sizeof(*pi));
	pi->version = 1;
	pi->type = v1->opt_type;
	pi->scale_dtlr = v1->scale_dtlr;
	pi->scale_dtls = v1->scale_dtls;
	pi->psntp = get_unaligned_be16(&v1->psntp);
	pi->psnlr = get_unaligned_be16(&v1->psnlr);
	pi->delta_tlr = get_unaligned_be16(&v1->delta_tlr);
	pi->delta_tls = get_unaligned_be16(&v1->delta_tls);
}

static enum pdm_verdict pdm_parse_v2(const u8 *opt, struct pdm_info *pi)
{
	const struct ipv6_pdm_v2_opt *v2 = (const struct ipv6_pdm_v2_opt *)opt;
	u16 ver_epoch = get_unaligned_be16(&v2->ver_epoch);

	if (ver_epoch >> 12 != PDM_V2_VERSION)
		return PDM_BADVER;
	memset(pi, 0, sizeof(*pi));
	pi->version = 2;
	pi->type = v2->opt_type;
	pi->epoch = ver_epoch & PDM_V2_EPOCH_MASK;
	pi->psntp = get_unaligned_be32(&v2->psntp);
	pi->psnlr = get_unaligned_be32(&v2->psnlr);
	pi->gp = get_unaligned_be32(&v2->gp);
	pi->scale_dtlr = v2->scale_dtlr;
	pi->scale_dtls = v2->scale_dtls;
	/* Reserved is ignored on receipt. */
	pi->delta_tlr = get_unaligned_be16(&v2->delta_tlr);
	pi->delta_tls = get_unaligned_be16(&v2->delta_tls);
	return PDM_OK;
}

/* The clear fields of protected PDMv2; the rest waits for pdm_open(). */
static enum pdm_verdict pdm_parse_v2p(const u8 *opt, struct pdm_info *pi)
{
	u16 ver_epoch = get_unaligned_be16(opt + 2);

	if (ver_epoch >> 12 != PDM_V2_VERSION)
		return PDM_BADVER;
	memset(pi, 0, sizeof(*pi));
	pi->version = 2;
	pi->prot = 1;
	pi->type = opt[0];
	pi->epoch = ver_epoch & PDM_V2_EPOCH_MASK;
	pi->psntp = get_unaligned_be32(opt + 4);
	return PDM_OK;
}

/**
 * pdm_parse_sealed - decode the fields a protected PDMv2 option hid
 * @plain: the PDM_V2P_SEALED_LEN octets pdm_open() decrypted: those of a
 *	clear PDMv2 option from PSN Last Received on
 * @pi: the option, as pdm_parse() decoded its clear fields
 */
void pdm_parse_sealed(const u8 *plain, struct pdm_info *pi)
{
	u8 opt[PDM_V2_OPT_SIZE];
	struct pdm_info clear;

	memset(opt, 0, offsetof(struct ipv6_pdm_v2_opt, psnlr));
	put_unaligned_be16(PDM_V2_VERSION << 12, opt + 2);
	memcpy(opt + offsetof(struct ipv6_pdm_v2_opt, psnlr), plain,
	       PDM_V2P_SEALED_LEN);
	pdm_parse_v2(opt, &clear);
	pi->psnlr = clear.psnlr;
	pi->gp = clear.gp;
	pi->scale_dtlr = clear.scale_dtlr;
	pi->scale_dtls = clear.scale_dtls;
	pi->delta_tlr = clear.delta_tlr;
	pi->delta_tls = clear.delta_tls;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_parse_sealed);

/**
 * pdm_parse - decode a PDM option
 * @opt: the option, starting at its type octet
 * @avail: octets available from @opt on
 * @v2_type: the option type PDMv2 uses (net.ipv6.pdm.v2_type)
 * @pi: returns the decoded option when the verdict is PDM_OK
 *
 * The version is told by the option length: RFC 8250's octet 2 is
 * ScaleDTLR, which any value may fill, so the Version nibble of PDMv2
 * cannot tell the two apart; it is checked once the length said PDMv2.
 * RFC 8250 options are of type IPV6_TLV_PDM only. Of a protected PDMv2
 * option (@pi->prot) only the clear fields are decoded.
 *
 * Return: PDM_OK, or why the option cannot be used.
 */
enum pdm_verdict pdm_parse(const u8 *opt, unsigned int avail, u8 v2_type,
			   struct pdm_info *pi)
{
	if (avail < 2)
		return PDM_TRUNCATED;
	if (!pdm_is_type(opt[0], v2_type))
		return PDM_BADTYPE;
	if (avail < 2U + opt[1])
		return PDM_TRUNCATED;

	switch (opt[1]) {
	case PDM_V1_DATA_LEN:
		if (opt[0] != IPV6_TLV_PDM)
			return PDM_BADLEN;
		pdm_parse_v1(opt, pi);
		return PDM_OK;
	case PDM_V2_DATA_LEN:
		if (opt[0] != v2_type)
			return PDM_BADLEN;
		return pdm_parse_v2(opt, pi);
	case PDM_V2P_DATA_LEN:
		if (opt[0] != v2_type)
			return PDM_BADLEN;
		return pdm_parse_v2p(opt, pi);
	default:
		return PDM_BADLEN;
	}
}
EXPORT_SYMBOL_IF_KUNIT(pdm_parse);

/**
 * pdm_find - find the PDM option of a destination options header
 * @doh: the header, as ip6_parse_tlv() accepted it: its options fit
 * @v2_type: the option type PDMv2 uses
 *
 * Return: the first PDM option, from its type octet, or NULL.
 */
const u8 *pdm_find(const struct ipv6_opt_hdr *doh, u8 v2_type)
{
	unsigned int len = ipv6_optlen(doh), off = 2;
	const u8 *p = (const u8 *)doh;

	while (off + 2 <= len) {
		if (p[off] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 + p[off + 1] > len)
			break;
		if (pdm_is_type(p[off], v2_type))
			return p + off;
		off += 2 + p[off + 1];
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_find);

static void pdm_write_v1(u8 *buf, const struct pdm_info *pi)
{
	struct ipv6_pdm_v1_opt *v1 = (struct ipv6_pdm_v1_opt *)buf;

	v1->opt_type = IPV6_TLV_PDM;
	v1->opt_len = PDM_V1_DATA_LEN;
	v1->scale_dtlr = pi->scale_dtlr;
	v1->scale_dtls = pi->scale_dtls;
	put_unaligned_be16(pi->psntp, &v1->psntp);
	put_unaligned_be16(pi->psnlr, &v1->psnlr);
	put_unaligned_be16(pi->delta_tlr, &v1->delta_tlr);
	put_unaligned_be16(pi->delta_tls, &v1->delta_tls);
}

static void pdm_write_v2(u8 *buf, const struct pdm_info *pi)
{
	struct ipv6_pdm_v2_opt *v2 = (struct ipv6_pdm_v2_opt *)buf;

	v2->opt_type = pi->type;
	v2->opt_len = PDM_V2_DATA_LEN;
	put_unaligned_be16(PDM_V2_VERSION << 12 |
			   (pi->epoch & PDM_V2_EPOCH_MASK), &v2->ver_epoch);
	put_unaligned_be32(pi->psntp, &v2->psntp);
	put_unaligned_be32(pi->psnlr, &v2->psnlr);
	put_unaligned_be32(pi->gp, &v2->gp);
	v2->scale_dtlr = pi->scale_dtlr;
	v2->scale_dtls = pi->scale_dtls;
	put_unaligned_be16(0, &v2->reserved);
	put_unaligned_be16(pi->delta_tlr, &v2->delta_tlr);
	put_unaligned_be16(pi->delta_tls, &v2->delta_tls);
}

/*
 * Protected PDMv2, not sealed yet: the clear PDMv2 option's octets from
 * PSN Last Received on where pdm_seal() encrypts them; IV and tag 0.
 */
static void pdm_write_v2p(u8 *buf, const struct pdm_info *pi)
{
	u8 clear[PDM_V2_OPT_SIZE];

	pdm_write_v2(clear, pi);
	memcpy(buf, clear, PDM_V2P_IV_OFF);
	buf[1] = PDM_V2P_DATA_LEN;
	memset(buf + PDM_V2P_IV_OFF, 0, PDM_GCM_IV_LEN);
	memcpy(buf + PDM_V2P_SEALED_OFF,
	       clear + offsetof(struct ipv6_pdm_v2_opt, psnlr),
	       PDM_V2P_SEALED_LEN);
	memset(buf + PDM_V2P_SEALED_OFF + PDM_V2P_SEALED_LEN, 0,
	       PDM_GCM_TAG_LEN);
}

/**
 * pdm_opt_write - write a PDM option
 * @buf: where, pdm_opt_size(pdm_form(@pi)) octets from the option type on
 * @pi: the fields; @pi->type is the type of a PDMv2 option
 *
 * A protected option is written in clear, for pdm_seal() to seal.
 */
void pdm_opt_write(u8 *buf, const struct pdm_info *pi)
{
	if (pi->prot)
		pdm_write_v2p(buf, pi);
	else if (pi->version == 2)
		pdm_write_v2(buf, pi);
	else
		pdm_write_v1(buf, pi);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_opt_write);

/*
 * Most options in front of PDM: with PDM, as many as the default
 * net.ipv6.max_dst_opts_number lets a receiver take (IP6_DEFAULT_MAX_DST_OPTS_CNT).
 */
#define PDM_MAX_OTHER_OPTS	(IP6_DEFAULT_MAX_DST_OPTS_CNT - 1)
/* Longest destination options header: Hdr Ext Len is 8 bits. */
#define PDM_MAX_DOH_LEN		2048

/*
 * End of the last option that is not padding in a socket's own
 * destination options header, or 0 if PDM must not be merged into it:
 * it carries a PDM option of its own, its options do not parse, or there
 * are so many that receivers would drop the packet with one more.
 */
static unsigned int pdm_opts_end(const struct ipv6_opt_hdr *dst1, u8 v2_type)
{
	unsigned int len = ipv6_optlen(dst1), off = 2, end = 2, n = 0;
	const u8 *p = (const u8 *)dst1;

	while (off < len) {
		u8 type = p[off];

		if (type == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 > len || off + 2 + p[off + 1] > len ||
		    pdm_is_type(type, v2_type))
			return 0;
		off += 2 + p[off + 1];
		if (type != IPV6_TLV_PADN) {
			if (++n > PDM_MAX_OTHER_OPTS)
				return 0;
			end = off;
		}
	}
	return end;
}

/*
 * Where the option starts after @end: RFC 8250 on a 2-octet boundary, so
 * that its 16-bit fields are aligned; PDMv2 on a 4-octet one, for its
 * 32-bit fields.
 */
static unsigned int pdm_opt_start(unsigned int end, u8 form)
{
	return form >= 2 ? ALIGN(end, 4) : ALIGN(end, 2);
}

/**
 * pdm_doh_len - length of the final Destination Options header with PDM
 * @dst1: the socket's own final destination options header, or NULL
 * @version: the form of the option: its version, or PDM_FORM_V2P
 * @v2_type: the option type PDMv2 uses
 *
 * PDM goes after the last option of @dst1, aligned for its fields, and
 * the header is padded to a multiple of 8 octets. The trailing padding of
 * @dst1, however long, is dropped.
 *
 * Return: the header length in octets, or 0 if PDM is not to be added.
 */
unsigned int pdm_doh_len(const struct ipv6_opt_hdr *dst1, u8 version,
			 u8 v2_type)
{
	unsigned int end = dst1 ? pdm_opts_end(dst1, v2_type) : 2, len;

	if (!end)
		return 0;
	len = ALIGN(pdm_opt_start(end, version) + pdm_opt_size(version), 8);
	return len <= PDM_MAX_DOH_LEN ? len : 0;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_doh_len);

static void pdm_pad(u8 *buf, unsigned int n)
{
	if (!n)
		return;
	if (n == 1) {
		buf[0] = IPV6_TLV_PAD1;
		return;
	}
	buf[0] = IPV6_TLV_PADN;
	buf[1] = n - 2;
	memset(buf + 2, 0, n - 2);
}

/*
 * What fills a slot that gets no PDM: RFC 4727's experimental type 0x3E,
 * which receivers skip (action 00). Not padding, as receivers drop runs of
 * more than 7 octets of it; and never a PDM type, as its change-en-route
 * bit is set.
 */
#define PDM_TLV_VOID	0x3e

/**
 * pdm_opt_blank - turn a slot into an option receivers skip
 * @buf: the slot
 * @len: its length, 2 to 257 octets
 *
 * For a protected option that cannot be sealed: the packet goes without
 * PDM rather than with it in clear or under a reused nonce.
 */
void pdm_opt_blank(u8 *buf, unsigned int len)
{
	buf[0] = PDM_TLV_VOID;
	buf[1] = len - 2;
	memset(buf + 2, 0, len - 2);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_opt_blank);

/**
 * pdm_doh_build - write the final Destination Options header
 * @buf: where to write @len octets
 * @len: the header length, as returned by pdm_doh_len(@dst1)
 * @dst1: the socket's own final destination options header, or NULL
 * @nexthdr: next header value of the header
 * @pi: the PDM fields, of the version @len was computed for
 * @v2_type: the option type PDMv2 uses
 *
 * The options of @dst1 are kept as they are, without their trailing
 * padding, so that no run of padding exceeds 7 octets (RFC 4942 2.1.9.5,
 * enforced by ip6_parse_tlv()).
 *
 * Return: the offset of the PDM option in the header.
 */
unsigned int pdm_doh_build(u8 *buf, unsigned int len,
			   const struct ipv6_opt_hdr *dst1, u8 nexthdr,
			   const struct pdm_info *pi, u8 v2_type)
{
	unsigned int off = dst1 ? pdm_opts_end(dst1, v2_type) : 2, pdm_off;

	if (dst1)
		memcpy(buf, dst1, off);
	buf[0] = nexthdr;
	buf[1] = len / 8 - 1;
	pdm_off = pdm_opt_start(off, pdm_form(pi));
	pdm_pad(buf + off, pdm_off - off);
	pdm_opt_write(buf + pdm_off, pi);
	off = pdm_off + pdm_opt_size(pdm_form(pi));
	pdm_pad(buf + off, len - off);
	return pdm_off;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_doh_build);
