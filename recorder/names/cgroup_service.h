/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cgroup_service.h - what people call a cgroup: the systemd unit, the
 * container or the login session a cgroup v2 path stands for. A pure
 * function of the path (docs/design.md, "Services and users").
 */
#ifndef NETMON_CGROUP_SERVICE_H
#define NETMON_CGROUP_SERVICE_H

#include <stddef.h>
#include <stdint.h>

enum cgroup_kind {
	CGROUP_PATH,	  /* no pattern fits: the service is the path itself */
	CGROUP_UNIT,	  /* a systemd unit: "nginx.service", "init.scope" */
	CGROUP_CONTAINER, /* "docker:<12 hex>", "podman:", "containerd:", "crio:" */
	CGROUP_USER,	  /* under user.slice/user-UID.slice: "user:UID" */
};

/*
 * The service name of path (as /proc/PID/cgroup writes it: "/" for the
 * root, "/system.slice/nginx.service" below it) into out[0..size), NUL
 * ended; size must be at least strlen(path) + 1, which every name fits.
 * In order of precedence:
 * - a container: the component nearest the root that is a container's
 *   scope, "docker-<id>.scope" (or "/docker/<id>", the cgroupfs driver),
 *   "libpod-<id>.scope", "cri-containerd-<id>.scope", "crio-<id>.scope"
 *   with <id> 12 to 64 lower-case hex digits: "docker:" and its first 12;
 * - a user's: below "/user.slice/user-UID.slice" (login sessions, the
 *   user's own systemd and its units): "user:UID", with *uid = UID, for the
 *   caller to put the user's name in;
 * - a unit: the deepest component ending in .service, .scope, .socket,
 *   .mount or .swap (a unit under any slice, or a unit's own sub-cgroup);
 * - else the path.
 * Returns the kind. The name holds the path's bytes as they are (any byte
 * but '/' and NUL can be in a cgroup's name): whoever shows it escapes it.
 */
enum cgroup_kind cgroup_service(const char *path, char *out, size_t size, uint32_t *uid);

#endif
