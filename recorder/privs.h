/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* privs.h - least privilege: private files, and no capability left unused. */
#ifndef NETMON_PRIVS_H
#define NETMON_PRIVS_H

/*
 * Files and directories the recorder creates are 0640 and 0750 (umask 027),
 * whatever umask it was started with; existing ones keep their modes.
 */
void privs_private_files(void);

/*
 * Once everything is loaded, attached and open: keep only the capabilities
 * the rest of the run needs (privs.c says which and why), also in the
 * bounding set when we may change it, and log what remains. Returns 0 or
 * -errno (logged); the caller goes on either way.
 */
int privs_drop(void);

#endif
