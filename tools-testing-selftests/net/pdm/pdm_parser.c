// SPDX-License-Identifier: GPL-2.0
/*
 * Decode IPv6 Performance and Diagnostic Metrics destination options, RFC
 * 8250 (PDM) and draft-ietf-ippm-encrypted-pdmv2-13 (PDMv2), from a classic
 * pcap file, for pdm.sh. Written from the documents' layouts, not from the
 * kernel's code.
 *
 * The file is read directly (no libpcap). Supported link types: Ethernet (1),
 * raw IP (101), Linux cooked v1 (113) and v2 (276), and raw IPv6 (229).
 *
 * For every IPv6 packet one line of whitespace separated fields is printed.
 * The first output line is a header, "# " followed by the field names:
 *
 *   n       record number in the file (1-based, counts every record)
 *   ts      capture time stamp, seconds.nanoseconds
 *   wirelen IPv6 packet length on the wire (original length minus link header)
 *   src dst IPv6 source and destination addresses
 *   proto   upper-layer protocol (last Next Header), "-" if not reached;
 *           AH is walked through, ESP (50) ends the chain
 *   sport dport
 *           TCP/UDP ports; 0 0 for other protocols (the PDM flow key);
 *           "-" "-" behind ESP, which hides them
 *   info    TCP flags (tcpdump style, e.g. "S.", "P."), ICMPv6 type, ESP
 *           SPI (hex, "0x1000"), or "-"
 *   plen    IPv6 Payload Length field
 *   l4len   upper-layer data length: TCP/UDP payload, whole ICMPv6 message
 *           (of this fragment only, in a first fragment)
 *   frag    "-" without a Fragment header, else id:offset:M, the
 *           Identification, the Fragment Offset in octets and the M flag
 *   ndoh    number of Destination Options headers in the chain
 *   dohlen  length in octets of the last Destination Options header, or 0
 *   dohok   TLV and padding rules of every DOH: 1 valid, 0 invalid,
 *           "t" truncated by the snap length, "-" no DOH
 *   pdm     "none", "ok" (one PDM option: type 0x0F with Opt Data Len 10,
 *           or the PDMv2 type with Opt Data Len 22 and Version 2), "badN"
 *           (one PDM option with Opt Data Len N), "badver" (PDMv2's
 *           length, another Version), "multi" (several PDM options), "t"
 *           (truncated), "prot" (protected PDMv2: the PDMv2 type with Opt
 *           Data Len 46 and Version 2, of which only PSN This Packet,
 *           the version and the Epoch are in clear; pdm_crypt.py decrypt
 *           decodes the rest from the doh field with the key)
 *   pdmoff  offset of the PDM option inside its header, or "-"
 *   sdtlr sdtls psntp psnlr dtlr dtls
 *           PDM fields in decimal (ScaleDTLR, ScaleDTLS, PSN This Packet,
 *           PSN Last Received, Delta Time Last Received/Sent), or "-"
 *   ver epoch gp
 *           the version (1 or 2), and PDMv2's Epoch and Global Pointer
 *           ("-" for version 1), or "-"
 *   ptype   the PDM option's type, hex, or "-"
 *   opts    other (non-padding, non-PDM) options as type:data in hex,
 *           comma separated, or "-"
 *   doh     hex dump of the last Destination Options header, or "-"
 *
 * Padding rules checked (RFC 8200 section 4.2, as enforced by Linux
 * ip6_parse_tlv()): options do not overrun the header, PadN contents are
 * zero and no run of consecutive padding is longer than 7 octets. The header
 * length is a multiple of 8 octets by construction.
 */
#include <arpa/inet.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_US		0xa1b2c3d4
#define PCAP_MAGIC_NS		0xa1b23c4d
#define PCAP_MAX_RECORD		(256 * 1024)

#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_IPV6		229
#define LINKTYPE_LINUX_SLL2	276

#define ETH_P_IPV6		0x86dd
#define ETH_P_8021Q		0x8100
#define ETH_P_8021AD		0x88a8

#define NEXTHDR_HOP		0
#define NEXTHDR_TCP		6
#define NEXTHDR_UDP		17
#define NEXTHDR_ROUTING		43
#define NEXTHDR_FRAGMENT	44
#define NEXTHDR_ESP		50
#define NEXTHDR_AUTH		51
#define NEXTHDR_ICMPV6		58
#define NEXTHDR_DEST		60
#define NEXTHDR_MOBILITY	135
#define NEXTHDR_HIP		139
#define NEXTHDR_SHIM6		140

#define IPV6_HDR_LEN		40
#define TLV_PAD1		0x00
#define TLV_PADN		0x01
#define TLV_PDM			0x0f
#define PDM_DATA_LEN		10
#define PDM2_DATA_LEN		22
#define PDM2P_DATA_LEN		46
#define MAX_PAD_RUN		7
#define MAX_EXT_HDRS		32

#define HEX_BUF_LEN		8192

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#endif

struct pcap_file {
	FILE *fp;
	bool swapped;
	bool nsec;
	__u32 linktype;
};

struct pdm_fields {
	int version;		/* 0: not decoded */
	bool prot;		/* protected PDMv2: Epoch and PSNTP only */
	__u8 type;
	__u8 scale_dtlr;
	__u8 scale_dtls;
	__u16 epoch;
	__u32 psntp;
	__u32 psnlr;
	__u32 gp;
	__u16 dtlr;
	__u16 dtls;
};

/* PDMv2's option type (-t), besides RFC 8250's 0x0F. */
static unsigned int pdm2_type = TLV_PDM;

struct pkt_info {
	/* upper layer */
	bool l4_known;
	__u8 proto;
	bool ports_known;
	__u16 sport;
	__u16 dport;
	char info[16];
	long l4len;
	/* fragment header */
	bool frag;
	__u32 frag_id;
	__u16 frag_off;
	bool frag_more;
	/* destination options */
	int ndoh;
	bool doh_trunc;
	bool doh_bad;
	const __u8 *last_doh;
	size_t last_doh_len;
	/* PDM */
	int npdm;
	int pdm_len;
	size_t pdm_off;
	struct pdm_fields pdm;
	char opts[HEX_BUF_LEN];
	size_t opts_len;
};

static __u32 rd32(const struct pcap_file *pf, __u32 v)
{
	return pf->swapped ? __builtin_bswap32(v) : v;
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)get16(p) << 16 | get16(p + 2);
}

static void opts_append(struct pkt_info *pi, const __u8 *opt, size_t len)
{
	size_t i, room = sizeof(pi->opts) - pi->opts_len;
	int n;

	n = snprintf(pi->opts + pi->opts_len, room, "%s%02x:",
		     pi->opts_len ? "," : "", opt[0]);
	if (n < 0 || (size_t)n >= room)
		return;
	pi->opts_len += n;

	for (i = 2; i < len; i++) {
		room = sizeof(pi->opts) - pi->opts_len;
		n = snprintf(pi->opts + pi->opts_len, room, "%02x", opt[i]);
		if (n < 0 || (size_t)n >= room)
			return;
		pi->opts_len += n;
	}
}

/*
 * Decode a PDM option whose data is all there. RFC 8250 (section 2.1):
 * ScaleDTLR, ScaleDTLS, PSNTP, PSNLR, DeltaTLR, DeltaTLS. PDMv2 (draft
 * section 7): Version (4 bits), Epoch (12), PSNTP (32), PSNLR (32), Global
 * Pointer (32), ScaleDTLR, ScaleDTLS, Reserved (16), DeltaTLR, DeltaTLS.
 * The length tells the version; version stays 0 if neither fits.
 */
static void parse_pdm(const __u8 *o, struct pdm_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->type = o[0];
	if (o[0] == TLV_PDM && o[1] == PDM_DATA_LEN) {
		f->version = 1;
		f->scale_dtlr = o[2];
		f->scale_dtls = o[3];
		f->psntp = get16(o + 4);
		f->psnlr = get16(o + 6);
		f->dtlr = get16(o + 8);
		f->dtls = get16(o + 10);
	} else if (o[0] == pdm2_type && o[1] == PDM2_DATA_LEN &&
		   o[2] >> 4 == 2) {
		f->version = 2;
		f->epoch = get16(o + 2) & 0x0fff;
		f->psntp = get32(o + 4);
		f->psnlr = get32(o + 8);
		f->gp = get32(o + 12);
		f->scale_dtlr = o[16];
		f->scale_dtls = o[17];
		f->dtlr = get16(o + 20);
		f->dtls = get16(o + 22);
	} else if (o[0] == pdm2_type && o[1] == PDM2P_DATA_LEN &&
		   o[2] >> 4 == 2) {
		/* Protected: the rest is for pdm_crypt.py, with the key. */
		f->version = 2;
		f->prot = true;
		f->epoch = get16(o + 2) & 0x0fff;
		f->psntp = get32(o + 4);
	}
}

/*
 * Walk the TLVs of a complete Destination Options header of @len octets.
 * Returns false if the TLV encoding or the padding is invalid.
 */
static bool parse_dest_opts(const __u8 *h, size_t len, struct pkt_info *pi)
{
	size_t off = 2, optlen, i;
	int padlen = 0;
	bool ok = true;

	while (off < len) {
		if (h[off] == TLV_PAD1) {
			if (++padlen > MAX_PAD_RUN)
				ok = false;
			off++;
			continue;
		}

		if (off + 2 > len)
			return false;
		optlen = h[off + 1] + 2;
		if (off + optlen > len)
			return false;

		if (h[off] == TLV_PDM || h[off] == pdm2_type) {
			padlen = 0;
			pi->npdm++;
			pi->pdm_len = h[off + 1];
			pi->pdm_off = off;
			parse_pdm(h + off, &pi->pdm);
			off += optlen;
			continue;
		}

		switch (h[off]) {
		case TLV_PADN:
			padlen += optlen;
			if (padlen > MAX_PAD_RUN)
				ok = false;
			for (i = 2; i < optlen; i++)
				if (h[off + i])
					ok = false;
			break;
		default:
			padlen = 0;
			opts_append(pi, h + off, optlen);
			break;
		}
		off += optlen;
	}

	return ok;
}

static void parse_upper(const __u8 *l4, size_t caplen, long len,
			struct pkt_info *pi)
{
	static const char tcp_flags[] = "FSRP";
	size_t i, n = 0;
	long hlen;

	pi->l4len = -1;
	switch (pi->proto) {
	case NEXTHDR_TCP:
		if (caplen < 14)
			break;
		pi->sport = get16(l4);
		pi->dport = get16(l4 + 2);
		pi->ports_known = true;
		for (i = 0; i < 4; i++)
			if (l4[13] & (1 << i))
				pi->info[n++] = tcp_flags[i];
		if (l4[13] & 0x10)
			pi->info[n++] = '.';
		if (!n)
			pi->info[n++] = 'n';
		pi->info[n] = '\0';
		hlen = (l4[12] >> 4) * 4;
		pi->l4len = len >= hlen ? len - hlen : -1;
		break;
	case NEXTHDR_UDP:
		if (caplen < 4)
			break;
		pi->sport = get16(l4);
		pi->dport = get16(l4 + 2);
		pi->ports_known = true;
		pi->l4len = len >= 8 ? len - 8 : -1;
		break;
	case NEXTHDR_ICMPV6:
		pi->sport = 0;
		pi->dport = 0;
		pi->ports_known = true;
		pi->l4len = len;
		if (caplen >= 1)
			snprintf(pi->info, sizeof(pi->info), "%u", l4[0]);
		break;
	case NEXTHDR_ESP:
		/* the upper layer and its ports are encrypted */
		pi->l4len = len;
		if (caplen >= 4)
			snprintf(pi->info, sizeof(pi->info), "0x%x",
				 get32(l4));
		break;
	default:
		/* no ports: the PDM flow key uses 0 */
		pi->sport = 0;
		pi->dport = 0;
		pi->ports_known = true;
		pi->l4len = len;
		break;
	}
}

static void parse_ipv6(const __u8 *ip, size_t caplen, struct pkt_info *pi)
{
	size_t off = IPV6_HDR_LEN, hlen, end;
	__u8 nh = ip[6];
	unsigned int plen;
	int i;

	plen = get16(ip + 4);
	/* a zero Payload Length (jumbogram) is not expected here */
	end = plen ? IPV6_HDR_LEN + plen : caplen;

	for (i = 0; i < MAX_EXT_HDRS; i++) {
		switch (nh) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_MOBILITY:
		case NEXTHDR_HIP:
		case NEXTHDR_SHIM6:
		case NEXTHDR_AUTH:
			if (off + 2 > caplen) {
				if (nh == NEXTHDR_DEST) {
					pi->ndoh++;
					pi->doh_trunc = true;
				}
				return;
			}
			if (nh == NEXTHDR_AUTH)
				hlen = (ip[off + 1] + 2) * 4;
			else
				hlen = (ip[off + 1] + 1) * 8;
			if (nh == NEXTHDR_DEST) {
				pi->ndoh++;
				if (off + hlen > caplen) {
					pi->doh_trunc = true;
					return;
				}
				pi->last_doh = ip + off;
				pi->last_doh_len = hlen;
				if (off + hlen > end ||
				    !parse_dest_opts(ip + off, hlen, pi))
					pi->doh_bad = true;
			}
			nh = ip[off];
			off += hlen;
			break;
		case NEXTHDR_FRAGMENT:
			if (off + 8 > caplen)
				return;
			nh = ip[off];
			pi->frag = true;
			pi->frag_off = get16(ip + off + 2) & 0xfff8;
			pi->frag_more = get16(ip + off + 2) & 1;
			pi->frag_id = get32(ip + off + 4);
			/* later fragments carry no upper-layer header */
			if (pi->frag_off)
				return;
			off += 8;
			break;
		default:
			pi->l4_known = true;
			pi->proto = nh;
			parse_upper(ip + off, caplen > off ? caplen - off : 0,
				    (long)end - (long)off, pi);
			return;
		}
	}
}

static void print_hex(const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

static void print_pkt(unsigned long n, __u32 sec, __u32 nsec,
		      long wirelen, const __u8 *ip, const struct pkt_info *pi)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const char *dohok;

	inet_ntop(AF_INET6, ip + 8, src, sizeof(src));
	inet_ntop(AF_INET6, ip + 24, dst, sizeof(dst));

	printf("%lu %u.%09u %ld %s %s ", n, sec, nsec, wirelen, src, dst);
	if (pi->l4_known)
		printf("%u ", pi->proto);
	else
		printf("- ");
	if (pi->ports_known)
		printf("%u %u ", pi->sport, pi->dport);
	else
		printf("- - ");
	printf("%s %u ", pi->info[0] ? pi->info : "-", get16(ip + 4));
	if (pi->l4_known && pi->l4len >= 0)
		printf("%ld ", pi->l4len);
	else
		printf("- ");
	if (pi->frag)
		printf("%u:%u:%d ", pi->frag_id, pi->frag_off, pi->frag_more);
	else
		printf("- ");

	if (!pi->ndoh)
		dohok = "-";
	else if (pi->doh_trunc)
		dohok = "t";
	else
		dohok = pi->doh_bad ? "0" : "1";
	printf("%d %zu %s ", pi->ndoh, pi->last_doh_len, dohok);

	if (pi->doh_trunc)
		printf("t - - - - - - - - - - - ");
	else if (!pi->npdm)
		printf("none - - - - - - - - - - - ");
	else if (pi->npdm > 1)
		printf("multi - - - - - - - - - - - ");
	else if (!pi->pdm.version && pi->pdm_len == PDM2_DATA_LEN &&
		 pi->pdm.type == pdm2_type)
		printf("badver %zu - - - - - - - - - %02x ", pi->pdm_off,
		       pi->pdm.type);
	else if (!pi->pdm.version)
		printf("bad%d %zu - - - - - - - - - %02x ", pi->pdm_len,
		       pi->pdm_off, pi->pdm.type);
	else if (pi->pdm.prot)
		printf("prot %zu - - %u - - - 2 %u - %02x ", pi->pdm_off,
		       pi->pdm.psntp, pi->pdm.epoch, pi->pdm.type);
	else if (pi->pdm.version == 1)
		printf("ok %zu %u %u %u %u %u %u 1 - - %02x ", pi->pdm_off,
		       pi->pdm.scale_dtlr, pi->pdm.scale_dtls,
		       pi->pdm.psntp, pi->pdm.psnlr,
		       pi->pdm.dtlr, pi->pdm.dtls, pi->pdm.type);
	else
		printf("ok %zu %u %u %u %u %u %u 2 %u %u %02x ", pi->pdm_off,
		       pi->pdm.scale_dtlr, pi->pdm.scale_dtls,
		       pi->pdm.psntp, pi->pdm.psnlr,
		       pi->pdm.dtlr, pi->pdm.dtls, pi->pdm.epoch,
		       pi->pdm.gp, pi->pdm.type);

	printf("%s ", pi->opts_len ? pi->opts : "-");
	if (pi->doh_trunc) {
		printf("t\n");
	} else if (pi->last_doh) {
		print_hex(pi->last_doh, pi->last_doh_len);
		printf("\n");
	} else {
		printf("-\n");
	}
}

/* Returns the offset of the IPv6 header, or -1 if this is not IPv6. */
static long link_offset(__u32 linktype, const __u8 *p, size_t len)
{
	__u16 proto;
	size_t off;

	switch (linktype) {
	case LINKTYPE_ETHERNET:
		off = 12;
		if (len < off + 2)
			return -1;
		proto = get16(p + off);
		while (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
			off += 4;
			if (len < off + 2)
				return -1;
			proto = get16(p + off);
		}
		off += 2;
		break;
	case LINKTYPE_LINUX_SLL:
		if (len < 16)
			return -1;
		proto = get16(p + 14);
		off = 16;
		break;
	case LINKTYPE_LINUX_SLL2:
		if (len < 20)
			return -1;
		proto = get16(p);
		off = 20;
		break;
	case LINKTYPE_RAW:
	case LINKTYPE_IPV6:
		proto = ETH_P_IPV6;
		off = 0;
		break;
	default:
		return -1;
	}

	if (proto != ETH_P_IPV6 || len < off + IPV6_HDR_LEN ||
	    (p[off] >> 4) != 6)
		return -1;

	return off;
}

static int pcap_open(struct pcap_file *pf, const char *path)
{
	__u32 hdr[6];

	pf->fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!pf->fp) {
		perror(path);
		return -1;
	}
	if (fread(hdr, sizeof(hdr), 1, pf->fp) != 1) {
		fprintf(stderr, "%s: short pcap file header\n", path);
		return -1;
	}

	switch (hdr[0]) {
	case PCAP_MAGIC_US:
	case PCAP_MAGIC_NS:
		pf->swapped = false;
		break;
	case __builtin_bswap32(PCAP_MAGIC_US):
	case __builtin_bswap32(PCAP_MAGIC_NS):
		pf->swapped = true;
		break;
	default:
		fprintf(stderr, "%s: not a classic pcap file\n", path);
		return -1;
	}
	pf->nsec = rd32(pf, hdr[0]) == PCAP_MAGIC_NS;
	pf->linktype = rd32(pf, hdr[5]) & 0xffff;

	switch (pf->linktype) {
	case LINKTYPE_ETHERNET:
	case LINKTYPE_RAW:
	case LINKTYPE_LINUX_SLL:
	case LINKTYPE_IPV6:
	case LINKTYPE_LINUX_SLL2:
		return 0;
	default:
		fprintf(stderr, "%s: unsupported link type %u\n", path,
			pf->linktype);
		return -1;
	}
}

static void print_header(void)
{
	static const char * const fields[] = {
		"n", "ts", "wirelen", "src", "dst", "proto", "sport", "dport",
		"info", "plen", "l4len", "frag", "ndoh", "dohlen", "dohok", "pdm",
		"pdmoff", "sdtlr", "sdtls", "psntp", "psnlr", "dtlr", "dtls",
		"ver", "epoch", "gp", "ptype", "opts", "doh",
	};
	size_t i;

	printf("#");
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		printf(" %s", fields[i]);
	printf("\n");
}

static int pcap_dump(struct pcap_file *pf)
{
	static __u8 buf[PCAP_MAX_RECORD];
	unsigned long n = 0;
	__u32 rec[4];

	print_header();

	while (fread(rec, sizeof(rec), 1, pf->fp) == 1) {
		__u32 sec = rd32(pf, rec[0]);
		__u32 frac = rd32(pf, rec[1]);
		__u32 caplen = rd32(pf, rec[2]);
		__u32 origlen = rd32(pf, rec[3]);
		struct pkt_info *pi;
		long off;

		n++;
		if (caplen > sizeof(buf)) {
			fprintf(stderr, "record %lu: bad length %u\n", n,
				caplen);
			return -1;
		}
		if (fread(buf, caplen, 1, pf->fp) != 1 && caplen) {
			fprintf(stderr, "record %lu: truncated file\n", n);
			break;
		}

		off = link_offset(pf->linktype, buf, caplen);
		if (off < 0)
			continue;

		pi = calloc(1, sizeof(*pi));
		if (!pi) {
			perror("calloc");
			return -1;
		}
		parse_ipv6(buf + off, caplen - off, pi);
		print_pkt(n, sec, pf->nsec ? frac : frac * 1000,
			  (long)origlen - off, buf + off, pi);
		free(pi);
	}

	if (ferror(pf->fp)) {
		perror("read");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pcap_file pf = {};
	const char *path;
	char *end;
	int ret;

	if (argc == 4 && !strcmp(argv[1], "-t")) {
		pdm2_type = strtoul(argv[2], &end, 0);
		if (*end || !*argv[2] || pdm2_type > 0xff) {
			fprintf(stderr, "bad option type %s\n", argv[2]);
			return 1;
		}
		path = argv[3];
	} else if (argc == 2 && strcmp(argv[1], "-h")) {
		path = argv[1];
	} else {
		fprintf(stderr, "usage: %s [-t PDMV2_TYPE] FILE.pcap|-\n",
			argv[0]);
		return 1;
	}

	if (pcap_open(&pf, path))
		return 1;

	ret = pcap_dump(&pf);
	if (pf.fp != stdin)
		fclose(pf.fp);
	if (fflush(stdout))
		ret = -1;

	return ret ? 1 : 0;
}
