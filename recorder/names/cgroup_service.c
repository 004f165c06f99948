// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup_service.c - a cgroup v2 path to the name people use for what runs
 * in it (cgroup_service.h). The patterns are those systemd and the
 * container runtimes write: systemd.unit(5) for unit names, systemd's
 * user-UID.slice for each user, each runtime's scope for a container.
 */
#include <stdio.h>
#include <string.h>
#include "cgroup_service.h"

/* One component of a path: name[0..len). */
struct part {
	const char *name;
	size_t len;
};

/* Container runtimes under systemd: the scope each one makes per container. */
static const struct runtime {
	const char *prefix, *label;
} runtimes[] = {
	{ "docker-", "docker" },
	{ "libpod-", "podman" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "crio" },
};

#define ID_SHOWN 12 /* digits of a container id shown, as docker ps does */

static int is_prefix(const struct part *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return p->len >= n && !memcmp(p->name, prefix, n);
}

static int has_suffix(const struct part *p, const char *suffix)
{
	size_t n = strlen(suffix);

	/* Something before the suffix: ".service" alone names no unit. */
	return p->len > n && !memcmp(p->name + p->len - n, suffix, n);
}

static int is_exactly(const struct part *p, const char *s)
{
	return p->len == strlen(s) && !memcmp(p->name, s, p->len);
}

/* A container id: 12 to 64 lower-case hex digits (docker's are 64). */
static int is_id(const char *s, size_t n)
{
	if (n < ID_SHOWN || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* "<runtime>-<id>.scope": its runtime's label and the id's start, or NULL. */
static const char *container_scope(const struct part *p, const char **id)
{
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		size_t pre = strlen(runtimes[i].prefix), suf = strlen(".scope");

		if (!is_prefix(p, runtimes[i].prefix) || !has_suffix(p, ".scope") ||
		    p->len < pre + suf || !is_id(p->name + pre, p->len - pre - suf))
			continue;
		*id = p->name + pre;
		return runtimes[i].label;
	}
	return NULL;
}

/* "user-UID.slice" with UID a decimal number below 2^32 - 1 (-1 is no uid). */
static int user_slice(const struct part *p, uint32_t *uid)
{
	const size_t pre = strlen("user-"), suf = strlen(".slice");
	uint64_t v = 0;

	if (!is_prefix(p, "user-") || !has_suffix(p, ".slice") || p->len <= pre + suf ||
	    p->len - pre - suf > 10)
		return 0;
	for (size_t i = pre; i < p->len - suf; i++) {
		if (p->name[i] < '0' || p->name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(p->name[i] - '0');
	}
	if (v >= UINT32_MAX)
		return 0;
	*uid = (uint32_t)v;
	return 1;
}

static int is_unit(const struct part *p)
{
	static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount",
						".swap" };

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix(p, suffixes[i]))
			return 1;
	return 0;
}

/* The next component of *s (leading slashes skipped); 0 when none is left. */
static int next_part(const char **s, struct part *p)
{
	while (**s == '/')
		(*s)++;
	if (!**s)
		return 0;
	p->name = *s;
	p->len = strcspn(*s, "/");
	*s += p->len;
	return 1;
}

enum cgroup_kind cgroup_service(const char *path, char *out, size_t size, uint32_t *uid)
{
	struct part p, prev = { "", 0 }, unit = { NULL, 0 };
	const char *s = path, *label = NULL, *id = NULL;
	int depth = 0, user = 0;
	uint32_t u = 0;

	for (; next_part(&s, &p); prev = p, depth++) {
		if (!label)
			label = container_scope(&p, &id);
		/* docker's cgroupfs driver (no systemd): /docker/<id> */
		if (!label && depth == 1 && is_exactly(&prev, "docker") && is_id(p.name, p.len)) {
			label = "docker";
			id = p.name;
		}
		if (depth == 1 && is_exactly(&prev, "user.slice"))
			user = user_slice(&p, &u);
		if (is_unit(&p))
			unit = p;
	}
	if (label) {
		snprintf(out, size, "%s:%.*s", label, ID_SHOWN, id);
		return CGROUP_CONTAINER;
	}
	if (user) {
		snprintf(out, size, "user:%u", u);
		*uid = u;
		return CGROUP_USER;
	}
	if (unit.name) {
		snprintf(out, size, "%.*s", (int)unit.len, unit.name);
		return CGROUP_UNIT;
	}
	snprintf(out, size, "%s", path);
	return CGROUP_PATH;
}
