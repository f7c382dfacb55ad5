// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pdm.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "pdm_nl_gen.h"

#include <uapi/linux/pdm_genl.h>

/* PDM_CMD_POLICY_ADD - do */
static const struct nla_policy pdm_policy_add_nl_policy[PDM_A_POLICY_MODE + 1] = {
	[PDM_A_POLICY_PREFIX] = NLA_POLICY_EXACT_LEN(16),
	[PDM_A_POLICY_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[PDM_A_POLICY_MODE] = NLA_POLICY_MAX(NLA_U32, 2),
};

/* PDM_CMD_POLICY_DEL - do */
static const struct nla_policy pdm_policy_del_nl_policy[PDM_A_POLICY_PREFIX_LEN + 1] = {
	[PDM_A_POLICY_PREFIX] = NLA_POLICY_EXACT_LEN(16),
	[PDM_A_POLICY_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

/* PDM_CMD_KEY_ADD - do */
static const struct nla_policy pdm_key_add_nl_policy[PDM_A_KEY_SALT + 1] = {
	[PDM_A_KEY_ID] = { .type = NLA_U32, },
	[PDM_A_KEY_DIR] = NLA_POLICY_MAX(NLA_U8, 1),
	[PDM_A_KEY_PREFIX] = NLA_POLICY_EXACT_LEN(16),
	[PDM_A_KEY_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[PDM_A_KEY_EPOCH] = NLA_POLICY_MAX(NLA_U16, 4095),
	[PDM_A_KEY_ALG] = NLA_POLICY_MAX(NLA_U32, 1),
	[PDM_A_KEY_KEY] = { .type = NLA_BINARY, },
	[PDM_A_KEY_SALT] = NLA_POLICY_EXACT_LEN(4),
};

/* PDM_CMD_KEY_DEL - do */
static const struct nla_policy pdm_key_del_nl_policy[PDM_A_KEY_ID + 1] = {
	[PDM_A_KEY_ID] = { .type = NLA_U32, },
};

/* PDM_CMD_FLOW_GET - dump */
static const struct nla_policy pdm_flow_get_nl_policy[PDM_A_FLOW_PORT + 1] = {
	[PDM_A_FLOW_PREFIX] = NLA_POLICY_EXACT_LEN(16),
	[PDM_A_FLOW_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[PDM_A_FLOW_PORT] = { .type = NLA_U16, },
	[PDM_A_FLOW_PROTO] = { .type = NLA_U8, },
};

/* PDM_CMD_FLOW_FLUSH - do */
static const struct nla_policy pdm_flow_flush_nl_policy[PDM_A_FLOW_PORT + 1] = {
	[PDM_A_FLOW_PREFIX] = NLA_POLICY_EXACT_LEN(16),
	[PDM_A_FLOW_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[PDM_A_FLOW_PORT] = { .type = NLA_U16, },
	[PDM_A_FLOW_PROTO] = { .type = NLA_U8, },
};

/* Ops table for pdm */
const struct genl_split_ops pdm_nl_ops[11] = {
	{
		.cmd	= PDM_CMD_STATE_GET,
		.doit	= pdm_nl_state_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PDM_CMD_POLICY_ADD,
		.doit		= pdm_nl_policy_add_doit,
		.policy		= pdm_policy_add_nl_policy,
		.maxattr	= PDM_A_POLICY_MODE,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PDM_CMD_POLICY_DEL,
		.doit		= pdm_nl_policy_del_doit,
		.policy		= pdm_policy_del_nl_policy,
		.maxattr	= PDM_A_POLICY_PREFIX_LEN,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PDM_CMD_POLICY_GET,
		.dumpit	= pdm_nl_policy_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= PDM_CMD_POLICY_FLUSH,
		.doit	= pdm_nl_policy_flush_doit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PDM_CMD_KEY_ADD,
		.doit		= pdm_nl_key_add_doit,
		.policy		= pdm_key_add_nl_policy,
		.maxattr	= PDM_A_KEY_SALT,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PDM_CMD_KEY_DEL,
		.doit		= pdm_nl_key_del_doit,
		.policy		= pdm_key_del_nl_policy,
		.maxattr	= PDM_A_KEY_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PDM_CMD_KEY_GET,
		.dumpit	= pdm_nl_key_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= PDM_CMD_KEY_FLUSH,
		.doit	= pdm_nl_key_flush_doit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PDM_CMD_FLOW_GET,
		.dumpit		= pdm_nl_flow_get_dumpit,
		.policy		= pdm_flow_get_nl_policy,
		.maxattr	= PDM_A_FLOW_PORT,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= PDM_CMD_FLOW_FLUSH,
		.doit		= pdm_nl_flow_flush_doit,
		.policy		= pdm_flow_flush_nl_policy,
		.maxattr	= PDM_A_FLOW_PORT,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

const struct genl_multicast_group pdm_nl_mcgrps[] = {
	[PDM_NLGRP_MONITOR] = { "monitor", .flags = GENL_MCAST_CAP_NET_ADMIN, },
};
