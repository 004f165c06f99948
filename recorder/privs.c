// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * privs.c - least privilege with libcap-ng.
 *
 * Loading and attaching need CAP_BPF, CAP_PERFMON (the socket tracepoints)
 * and CAP_NET_ADMIN (TC and XDP), measured on Linux 6.x. Afterwards the
 * recorder only reads and clears maps through the fds it holds, writes its
 * database and, on exit, removes its filters: that last step is netlink and
 * needs CAP_NET_ADMIN, which is all that is kept (measured: see
 * tests/e2e/service.bats). Everything else, CAP_DAC_OVERRIDE included, goes:
 * the database must be writable by its owner, root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cap-ng.h>
#include "log.h"
#include "privs.h"

static const unsigned int keep_caps[] = { CAP_NET_ADMIN };

void privs_private_files(void)
{
	umask(027);
}

int privs_drop(void)
{
	int held[sizeof(keep_caps) / sizeof(keep_caps[0])];
	capng_select_t set = CAPNG_SELECT_CAPS;
	char kept[128] = "";
	size_t i;

	if (capng_get_caps_process()) {
		pr_warn("cannot read this process's capabilities; keeping them");
		return -EIO;
	}
	/* Keeping one we do not hold would make capng_apply() fail. */
	for (i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++)
		held[i] = capng_have_capability(CAPNG_PERMITTED, keep_caps[i]);
	/* The bounding set too, when we may (root, or systemd left CAP_SETPCAP). */
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		set = CAPNG_SELECT_BOTH;
	capng_clear(set);
	for (i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++) {
		const char *name = capng_capability_to_name(keep_caps[i]);

		if (!held[i])
			continue;
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			     keep_caps[i]);
		snprintf(kept + strlen(kept), sizeof(kept) - strlen(kept), "%scap_%s",
			 *kept ? ", " : "", name ? name : "?");
	}
	if (capng_apply(set)) {
		pr_warn("cannot drop capabilities (capng_apply failed); keeping them");
		return -EPERM;
	}
	pr_info("capabilities dropped; kept: %s", *kept ? kept : "none");
	return 0;
}
