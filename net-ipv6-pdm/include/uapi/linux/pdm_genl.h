/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pdm.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_PDM_GENL_H
#define _UAPI_LINUX_PDM_GENL_H

#define PDM_FAMILY_NAME		"pdm"
#define PDM_FAMILY_VERSION	1

/**
 * enum pdm_mode - What a policy entry gives the destinations it matches.
 * @PDM_MODE_OFF: No PDM, whatever net.ipv6.pdm.enabled says.
 * @PDM_MODE_V1: RFC 8250, or the version the peer last sent on the flow.
 * @PDM_MODE_V2: PDMv2, or the version the peer last sent on the flow.
 */
enum pdm_mode {
	PDM_MODE_OFF,
	PDM_MODE_V1,
	PDM_MODE_V2,
};

/**
 * enum pdm_key_dir - What a key protects.
 * @PDM_KEY_DIR_TX: What this netns sends to the key's prefix.
 * @PDM_KEY_DIR_RX: What comes from the key's prefix under the key's Epoch.
 */
enum pdm_key_dir {
	PDM_KEY_DIR_TX,
	PDM_KEY_DIR_RX,
};

/**
 * enum pdm_key_alg - The algorithm of a key.
 * @PDM_KEY_ALG_AES_GCM_128: AES-128 in GCM, 16-octet tag.
 * @PDM_KEY_ALG_AES_GCM_256: AES-256 in GCM, 16-octet tag.
 */
enum pdm_key_alg {
	PDM_KEY_ALG_AES_GCM_128,
	PDM_KEY_ALG_AES_GCM_256,
};

#define PDM_MAX_KEYS		65536
#define PDM_MAX_POLICIES	1024

enum {
	PDM_A_POLICY_PREFIX = 1,
	PDM_A_POLICY_PREFIX_LEN,
	PDM_A_POLICY_MODE,

	__PDM_A_POLICY_MAX,
	PDM_A_POLICY_MAX = (__PDM_A_POLICY_MAX - 1)
};

enum {
	PDM_A_KEY_ID = 1,
	PDM_A_KEY_DIR,
	PDM_A_KEY_PREFIX,
	PDM_A_KEY_PREFIX_LEN,
	PDM_A_KEY_EPOCH,
	PDM_A_KEY_ALG,
	PDM_A_KEY_KEY,
	PDM_A_KEY_SALT,

	__PDM_A_KEY_MAX,
	PDM_A_KEY_MAX = (__PDM_A_KEY_MAX - 1)
};

enum {
	PDM_A_STATS_OUT_PKTS = 1,
	PDM_A_STATS_OUT_SKIPPED,
	PDM_A_STATS_IN_PKTS,
	PDM_A_STATS_IN_MALFORMED,
	PDM_A_STATS_FLOWS_CREATED,
	PDM_A_STATS_FLOWS_EXPIRED,
	PDM_A_STATS_FLOWS_EVICTED,
	PDM_A_STATS_FLOWS_NOMEM,
	PDM_A_STATS_SOCK_FLOWS,
	PDM_A_STATS_OUT_PROTECTED,
	PDM_A_STATS_OUT_NOKEY,
	PDM_A_STATS_IN_PROTECTED,
	PDM_A_STATS_IN_AUTH_FAILED,
	PDM_A_STATS_IN_NOKEY,
	PDM_A_STATS_IN_REPLAYED,
	PDM_A_STATS_IN_UNPROTECTED,

	__PDM_A_STATS_MAX,
	PDM_A_STATS_MAX = (__PDM_A_STATS_MAX - 1)
};

enum {
	PDM_A_STATE_ENABLED = 1,
	PDM_A_STATE_VERSION,
	PDM_A_STATE_V2_TYPE,
	PDM_A_STATE_MAX_FLOWS,
	PDM_A_STATE_FLOW_TIMEOUT,
	PDM_A_STATE_FLOWS,
	PDM_A_STATE_POLICIES,
	PDM_A_STATE_KEYS,
	PDM_A_STATE_STATS,

	__PDM_A_STATE_MAX,
	PDM_A_STATE_MAX = (__PDM_A_STATE_MAX - 1)
};

enum {
	PDM_CMD_STATE_GET = 1,
	PDM_CMD_POLICY_ADD,
	PDM_CMD_POLICY_DEL,
	PDM_CMD_POLICY_GET,
	PDM_CMD_POLICY_FLUSH,
	PDM_CMD_KEY_ADD,
	PDM_CMD_KEY_DEL,
	PDM_CMD_KEY_GET,
	PDM_CMD_KEY_FLUSH,

	__PDM_CMD_MAX,
	PDM_CMD_MAX = (__PDM_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_PDM_GENL_H */
