/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * netmon_user.h - bpf/netmon.h for user space, with its layout pinned down:
 * a struct that changes size here no longer matches what the BPF programs
 * write, so the build stops instead of the counts going wrong.
 */
#ifndef NETMON_USER_H
#define NETMON_USER_H

#include <stddef.h>
#include <linux/types.h>
#include "netmon.h"

_Static_assert(sizeof(struct flow_key) == 44, "ABI: flow_key");
_Static_assert(offsetof(struct flow_key, src) == 12, "ABI: flow_key.src");
_Static_assert(sizeof(struct flow_counters) == 48, "ABI: flow_counters");
_Static_assert(sizeof(struct total_key) == 8, "ABI: total_key");
_Static_assert(sizeof(struct total_counters) == 16, "ABI: total_counters");
_Static_assert(sizeof(struct proc_key) == 28, "ABI: proc_key");
_Static_assert(sizeof(struct proc_counters) == 32, "ABI: proc_counters");
_Static_assert(sizeof(struct proc_info) == 40, "ABI: proc_info");

#endif
