/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pdm.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_PDM_GEN_H
#define _LINUX_PDM_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/pdm_genl.h>

/* Ops table for pdm */
extern const struct genl_split_ops pdm_nl_ops[11];

int pdm_nl_state_get_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_policy_add_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_policy_del_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_policy_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pdm_nl_policy_flush_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_key_add_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_key_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pdm_nl_key_flush_doit(struct sk_buff *skb, struct genl_info *info);
int pdm_nl_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pdm_nl_flow_flush_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	PDM_NLGRP_MONITOR,
};

extern const struct genl_multicast_group pdm_nl_mcgrps[1];

#endif /* _LINUX_PDM_GEN_H */
