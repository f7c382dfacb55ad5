/* SPDX-License-Identifier: GPL-2.0+ WITH Linux-syscall-note */
/*
 * IPv6 Performance and Diagnostic Metrics (PDM) destination option,
 * RFC 8250.
 */

#ifndef _UAPI_LINUX_PDM_H
#define _UAPI_LINUX_PDM_H

#include <linux/types.h>

/* Values of the IPV6_PDM socket option. */
#define IPV6_PDM_NETNS		-1	/* as net.ipv6.pdm.enabled says */
#define IPV6_PDM_OFF		0
#define IPV6_PDM_V1		1	/* RFC 8250 */

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

#endif /* _UAPI_LINUX_PDM_H */
