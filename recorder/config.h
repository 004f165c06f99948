/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* config.h - netmon-record's configuration file (netmon.conf). */
#ifndef NETMON_CONFIG_H
#define NETMON_CONFIG_H

#include "cli.h"

/*
 * Read cfg->config_path into cfg, after cli_parse(): every key is the long
 * option of the same name and goes through the same parser, so a key takes
 * exactly the values its flag takes; options given on the command line keep
 * their value. A missing default file means the defaults; a missing --config
 * file is an error. Every problem is logged as "FILE:LINE: ..."; returns 0,
 * -EINVAL (bad contents) or -errno (file unreadable).
 */
int config_load(struct cli_config *cfg);

/* Free the strings every config_load() kept (cfg points into them). */
void config_free(void);

#endif
