// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_cgroup_names.c - service names of cgroup v2 paths (cgroup_service.h):
 * systemd units under any slice, each container runtime's scope, login
 * sessions and the user's own manager, and paths no pattern fits, hostile
 * ones included (markup, escapes, newlines, ids that are not ids).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "names/cgroup_service.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct example {
	const char *path, *service;
	enum cgroup_kind kind;
	uint32_t uid; /* CGROUP_USER only */
};

static void check(const struct example *e)
{
	size_t size = strlen(e->path) + 1; /* the smallest room the contract allows */
	char out[4200];
	uint32_t uid = 77777;
	enum cgroup_kind kind;

	memset(out, 'X', sizeof(out));
	kind = cgroup_service(e->path, out, size, &uid);
	if (strcmp(out, e->service) || kind != e->kind)
		fail_msg("'%s': got '%s' (%d), want '%s' (%d)", e->path, out, kind, e->service,
			 e->kind);
	assert_int_equal(out[size], 'X'); /* nothing past the room given */
	assert_int_equal(uid, e->kind == CGROUP_USER ? e->uid : 77777);
}

static void check_all(const struct example *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check(&e[i]);
}

#define CHECK_ALL(e) check_all(e, sizeof(e) / sizeof(e[0]))

static void test_systemd_units_under_any_slice(void **state)
{
	static const struct example e[] = {
		{ "/system.slice/nginx.service", "nginx.service", CGROUP_UNIT },
		{ "/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service",
		  CGROUP_UNIT },
		{ "/init.scope", "init.scope", CGROUP_UNIT },
		{ "/machine.slice/machine-qemu\\x2d1.scope", "machine-qemu\\x2d1.scope",
		  CGROUP_UNIT },
		{ "/system.slice/postgresql.service/worker", "postgresql.service", CGROUP_UNIT },
		{ "/system.slice/var-lib.mount", "var-lib.mount", CGROUP_UNIT },
		{ "/system.slice/sshd.socket", "sshd.socket", CGROUP_UNIT },
		{ "/system.slice/dev-sda2.swap", "dev-sda2.swap", CGROUP_UNIT },
		{ "/netmon-test.slice/netmon-test-ab12.service", "netmon-test-ab12.service",
		  CGROUP_UNIT },
		{ "/a.slice/b.slice/c.slice/deep.service", "deep.service", CGROUP_UNIT },
		/* the deepest unit names it */
		{ "/system.slice/outer.service/inner.scope", "inner.scope", CGROUP_UNIT },
	};

	CHECK_ALL(e);
}

static void test_containers_by_runtime(void **state)
{
	static const struct example e[] = {
		{ "/system.slice/docker-" ID64 ".scope", "docker:0123456789ab", CGROUP_CONTAINER },
		{ "/machine.slice/libpod-" ID64 ".scope", "podman:0123456789ab", CGROUP_CONTAINER },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
		  "cri-containerd-" ID64 ".scope",
		  "containerd:0123456789ab", CGROUP_CONTAINER },
		{ "/kubepods.slice/kubepods-besteffort.slice/crio-" ID64 ".scope",
		  "crio:0123456789ab", CGROUP_CONTAINER },
		{ "/docker/" ID64, "docker:0123456789ab", CGROUP_CONTAINER },
		/* a container's own systemd, and its units: still the container */
		{ "/system.slice/docker-" ID64 ".scope/system.slice/nginx.service",
		  "docker:0123456789ab", CGROUP_CONTAINER },
		/* rootless podman, under the user's manager: the container first */
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope",
		  "podman:0123456789ab", CGROUP_CONTAINER },
		{ "/system.slice/docker-0123456789ab.scope", "docker:0123456789ab",
		  CGROUP_CONTAINER },
	};

	CHECK_ALL(e);
}

static void test_users_sessions_and_managers(void **state)
{
	static const struct example e[] = {
		{ "/user.slice/user-1000.slice/session-3.scope", "user:1000", CGROUP_USER, 1000 },
		{ "/user.slice/user-0.slice/session-c1.scope", "user:0", CGROUP_USER, 0 },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
		  "user:1000", CGROUP_USER, 1000 },
		{ "/user.slice/user-4294967294.slice/session-1.scope", "user:4294967294",
		  CGROUP_USER, 4294967294u },
		/* not a uid: the unit names it */
		{ "/user.slice/user-4294967295.slice/session-1.scope", "session-1.scope",
		  CGROUP_UNIT },
		{ "/user.slice/user-99999999999.slice/session-1.scope", "session-1.scope",
		  CGROUP_UNIT },
		{ "/user.slice/user-.slice/session-1.scope", "session-1.scope", CGROUP_UNIT },
		{ "/user.slice/user-10x0.slice/session-1.scope", "session-1.scope", CGROUP_UNIT },
		/* user.slice anywhere but at the root is not systemd's */
		{ "/x/user.slice/user-1000.slice/session-1.scope", "session-1.scope", CGROUP_UNIT },
		{ "/user.slice", "/user.slice", CGROUP_PATH },
	};

	CHECK_ALL(e);
}

static void test_paths_no_pattern_fits(void **state)
{
	static const struct example e[] = {
		{ "/", "/", CGROUP_PATH },
		{ "/system.slice", "/system.slice", CGROUP_PATH },
		{ "/mygroup/sub", "/mygroup/sub", CGROUP_PATH },
		{ "/.service", "/.service", CGROUP_PATH },
		{ "/docker", "/docker", CGROUP_PATH },
		{ "", "", CGROUP_PATH },
		{ "//", "//", CGROUP_PATH },
	};

	CHECK_ALL(e);
}

/* Names hold any byte but '/' and NUL: they pass through as they are, never
 * taken for another pattern, never longer than the path. */
static void test_hostile_names(void **state)
{
	static const struct example e[] = {
		{ "/<script>alert(1)</script>", "/<script>alert(1)</script>", CGROUP_PATH },
		{ "/system.slice/<b onclick=x>\"'.service", "<b onclick=x>\"'.service",
		  CGROUP_UNIT },
		{ "/evil\n0::/system.slice/fake.service", "fake.service", CGROUP_UNIT },
		{ "/a\x1b[31mred\x1b[0m", "/a\x1b[31mred\x1b[0m", CGROUP_PATH },
		{ "/x\r\n.scope", "x\r\n.scope", CGROUP_UNIT },
		/* not hex, upper case, too short, too long: not a container */
		{ "/system.slice/docker-<img src=x>.scope", "docker-<img src=x>.scope",
		  CGROUP_UNIT },
		{ "/system.slice/docker-0123456789AB.scope", "docker-0123456789AB.scope",
		  CGROUP_UNIT },
		{ "/system.slice/docker-0123456789a.scope", "docker-0123456789a.scope",
		  CGROUP_UNIT },
		{ "/system.slice/docker-" ID64 "0.scope", "docker-" ID64 "0.scope", CGROUP_UNIT },
		{ "/system.slice/docker-.scope", "docker-.scope", CGROUP_UNIT },
		{ "/system.slice/libpod-conmon-" ID64 ".scope", "libpod-conmon-" ID64 ".scope",
		  CGROUP_UNIT },
		{ "/docker/" ID64 "/x", "docker:0123456789ab", CGROUP_CONTAINER },
		{ "/docker/zz" ID64, "/docker/zz" ID64, CGROUP_PATH },
		{ "/%s%n%x.service", "%s%n%x.service", CGROUP_UNIT },
	};

	CHECK_ALL(e);
}

/* A path as long as the kernel allows: the name fits the room of the path. */
static void test_long_paths(void **state)
{
	char path[4096], want[4096];
	struct example e = { path, want, CGROUP_PATH };

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	strcpy(want, path);
	check(&e);
	memcpy(path + sizeof(path) - 1 - strlen(".service"), ".service", strlen(".service"));
	strcpy(want, path + 1);
	e.kind = CGROUP_UNIT;
	check(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_units_under_any_slice),
		cmocka_unit_test(test_containers_by_runtime),
		cmocka_unit_test(test_users_sessions_and_managers),
		cmocka_unit_test(test_paths_no_pattern_fits),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_long_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
