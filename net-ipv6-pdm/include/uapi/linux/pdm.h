/* SPDX-License-Identifier: GPL-2.0+ WITH Linux-syscall-note */
/*
 * IPv6 Performance and Diagnostic Metrics (PDM) destination option:
 * RFC 8250 (version 1) and draft-ietf-ippm-encrypted-pdmv2-13 (version 2).
 */

#ifndef _UAPI_LINUX_PDM_H
#define _UAPI_LINUX_PDM_H

#include <linux/types.h>

/* Values of the IPV6_PDM socket option. */
#define IPV6_PDM_NETNS		-1	/* as net.ipv6.pdm.enabled says */
#define IPV6_PDM_OFF		0
#define IPV6_PDM_V1		1	/* RFC 8250 */
#define IPV6_PDM_V2		2	/* PDMv2 */

/* Option Data Len of an RFC 8250 PDM option (PDMv1). */
#define PDM_V1_DATA_LEN		10

/**
 * struct ipv6_pdm_v1_opt - RFC 8250 PDM option, as on the wire
 * @opt_type: option type, IPV6_TLV_PDM
 * @opt_len: option data length, PDM_V1_DATA_LEN
 * @scale_dtlr: scale (power of two) of @delta_tlr
 * @scale_dtls: scale (power of two) of @delta_tls
 * @psntp: Packet Sequence Number This Packet
 * @psnlr: Packet Sequence Number Last Received
 * @delta_tlr: Delta Time Last Received, 2^@scale_dtlr attoseconds units
 * @delta_tls: Delta Time Last Sent, 2^@scale_dtls attoseconds units
 */
struct ipv6_pdm_v1_opt {
	__u8	opt_type;
	__u8	opt_len;
	__u8	scale_dtlr;
	__u8	scale_dtls;
	__be16	psntp;
	__be16	psnlr;
	__be16	delta_tlr;
	__be16	delta_tls;
} __attribute__((packed));

/*
 * Option Data Len of a PDMv2 option: 22. The draft writes "0x22", an
 * erratum: its layout has 22 octets of data.
 */
#define PDM_V2_DATA_LEN		22
#define PDM_V2_VERSION		2
#define PDM_V2_EPOCH_MASK	0x0fff

/**
 * struct ipv6_pdm_v2_opt - PDMv2 option, as on the wire
 * @opt_type: option type, net.ipv6.pdm.v2_type
 * @opt_len: option data length, PDM_V2_DATA_LEN
 * @ver_epoch: Version (4 bits, PDM_V2_VERSION), then Epoch (12 bits)
 * @psntp: Packet Sequence Number This Packet
 * @psnlr: Packet Sequence Number Last Received
 * @gp: Global Pointer
 * @scale_dtlr: scale (power of two) of @delta_tlr
 * @scale_dtls: scale (power of two) of @delta_tls
 * @reserved: zero on transmit, ignored on receipt
 * @delta_tlr: Delta Time Last Received, 2^@scale_dtlr attoseconds units
 * @delta_tls: Delta Time Last Sent, 2^@scale_dtls attoseconds units
 */
struct ipv6_pdm_v2_opt {
	__u8	opt_type;
	__u8	opt_len;
	__be16	ver_epoch;
	__be32	psntp;
	__be32	psnlr;
	__be32	gp;
	__u8	scale_dtlr;
	__u8	scale_dtls;
	__be16	reserved;
	__be16	delta_tlr;
	__be16	delta_tls;
} __attribute__((packed));

#endif /* _UAPI_LINUX_PDM_H */
