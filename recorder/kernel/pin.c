// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pin.c - the pin directory of one recorder (pin.h): naming, mounting bpffs,
 * locking, the ABI mark, and removal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "log.h"
#include "netmon_user.h"
#include "pin.h"

/* The abi pin's value: who made the directory, and with which contract. */
struct pin_abi {
	__u32 magic; /* PIN_MAGIC */
	__u32 abi;   /* NETMON_ABI_VERSION of the build that pinned */
};

#define PIN_MAGIC 0x6e6d706eu /* "nmpn" */
#define PIN_ABI_NAME "abi"

/* What to do about a refusal that is a missing privilege (the first thing a
 * start without them meets is the pin directory, before any BPF load). */
static const char *privilege_hint(int err)
{
	return err == -EACCES || err == -EPERM
		       ? " (run as root or with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)"
		       : "";
}

/* /sys/fs/bpf is bpffs, or is made so (a fresh machine mounts neither it nor
 * tracefs; systemd does at boot). */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		int err = -errno;

		pr_err("cannot mount bpffs on /sys/fs/bpf to pin the maps: %s%s", strerror(-err),
		       privilege_hint(err));
		return err;
	}
	return 0;
}

/* One interface name into the directory name: bpffs refuses '.' in names. */
static void append_escaped(char *out, size_t size, const char *name)
{
	size_t len = strlen(out);

	for (; *name && len + 4 < size; name++) {
		if (*name == '.' || *name == '+' || *name == '%')
			len += snprintf(out + len, size - len, "%%%02x", (unsigned char)*name);
		else
			out[len++] = *name;
	}
	out[len] = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* PIN_ROOT/<sorted names joined by '+'>; a set too long becomes a hash. */
static int dir_name(struct pin_dir *p, const char *const *names, int n)
{
	const char *sorted[n > 0 ? n : 1];
	char base[1024] = "";
	unsigned long long h = 1469598103934665603ull;

	memcpy(sorted, names, n * sizeof(*names));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	p->ifaces[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(base, "+");
		append_escaped(base, sizeof(base), sorted[i]);
		snprintf(p->ifaces + strlen(p->ifaces), sizeof(p->ifaces) - strlen(p->ifaces),
			 "%s%s", i ? ", " : "", sorted[i]);
	}
	if (strlen(base) > 200) { /* NAME_MAX is 255 */
		for (const char *c = base; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		snprintf(base, sizeof(base), "set-%016llx", h);
	}
	snprintf(p->path, sizeof(p->path), "%s/%s", PIN_ROOT, base);
	return 0;
}

static int path_of(const struct pin_dir *p, const char *name, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/%s", p->path, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int pin_exists(const struct pin_dir *p, const char *name)
{
	char path[PATH_MAX];

	return !path_of(p, name, path, sizeof(path)) && access(path, F_OK) == 0;
}

int pin_get(const struct pin_dir *p, const char *name)
{
	char path[PATH_MAX];
	int fd, err = path_of(p, name, path, sizeof(path));

	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* Entries of the directory other than . and .. (0 when empty), or -errno. */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

int pin_read_abi(const char *dir, unsigned int *abi)
{
	struct bpf_map_info info = { 0 };
	__u32 k = 0, len = sizeof(info);
	struct pin_abi v = { 0 };
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, PIN_ABI_NAME) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	/* Read only: a lookup changes nothing, not even for an array map. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(v) || bpf_map_lookup_elem(fd, &k, &v))
		v.magic = 0;
	close(fd);
	*abi = v.abi;
	return v.magic == PIN_MAGIC ? 0 : -EPROTO;
}

/*
 * What the directory holds: 0 nothing, 1 our pins, 2 a complete netmon
 * recorder's of another ABI (its version in p->old_abi: replaced, upgrade.h);
 * else refused (logged): something else's pins are never ours to remove.
 */
static int check_contents(struct pin_dir *p)
{
	unsigned int abi = 0;
	int n = count_entries(p->path);

	if (n <= 0)
		return n;
	if (pin_read_abi(p->path, &abi)) {
		pr_err("%s holds pins that are not a complete netmon recorder's (an interrupted "
		       "start, or something else): remove them with 'netmon-record --detach -i "
		       "IFACE' for each of %s",
		       p->path, p->ifaces);
		return -EEXIST;
	}
	if (abi != NETMON_ABI_VERSION) {
		p->old_abi = abi;
		return 2;
	}
	return 1;
}

int pin_open(struct pin_dir *p, const char *const *names, int n)
{
	int err;

	p->lock_fd = -1;
	p->adopted = 0;
	p->old_abi = 0;
	dir_name(p, names, n);
	err = ensure_bpffs();
	if (err)
		return err;
	if ((mkdir(PIN_ROOT, 0700) && errno != EEXIST) || (mkdir(p->path, 0700) && errno != EEXIST)) {
		err = -errno;
		pr_err("cannot create %s: %s%s", p->path, strerror(-err), privilege_hint(err));
		return err;
	}
	p->lock_fd = open(p->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err == -EWOULDBLOCK)
			pr_err("%s: another netmon-record is recording on these interfaces (its "
			       "pins are in %s)",
			       p->ifaces, p->path);
		else
			pr_err("cannot lock %s: %s", p->path, strerror(-err));
		pin_close(p, 0);
		return err;
	}
	err = check_contents(p);
	if (err < 0) {
		pin_close(p, 0);
		return err;
	}
	p->adopted = err == 1;
	return 0;
}

/* Unlink every entry of dir, the abi pin last: until it goes, a start that
 * finds what is left knows whose it was. */
static int empty_dir(const char *dir)
{
	char path[PATH_MAX];
	DIR *d = opendir(dir);
	struct dirent *e;
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, PIN_ABI_NAME))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_ABI_NAME);
	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Unlink every entry of dir, then dir itself. */
static int remove_dir(const char *dir)
{
	int err = empty_dir(dir);

	if (!err && rmdir(dir) && errno != ENOENT)
		err = -errno;
	if (err)
		pr_warn("cannot remove the pins in %s: %s", dir, strerror(-err));
	return err;
}

int pin_empty(struct pin_dir *p)
{
	int err = empty_dir(p->path);

	if (err)
		pr_err("cannot remove the pins in %s: %s", p->path, strerror(-err));
	return err;
}

void pin_close(struct pin_dir *p, int remove)
{
	if (p->lock_fd < 0)
		return;
	if (remove)
		remove_dir(p->path);
	close(p->lock_fd);
	p->lock_fd = -1;
}

/* A map or program name as a bpffs name: '.' is refused there. */
static int pin_path_for(const struct pin_dir *p, const char *prefix, const char *name, char *out,
			size_t size)
{
	char *c;
	int len = snprintf(out, size, "%s/%s%s", p->path, prefix, name);

	if (len < 0 || (size_t)len >= size)
		return -ENAMETOOLONG;
	for (c = out + strlen(p->path) + 1; *c; c++)
		if (*c == '.')
			*c = '_';
	return 0;
}

int pin_object_maps(const struct pin_dir *p, struct bpf_object *obj, const char *prefix)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int err;

	bpf_object__for_each_map(m, obj) {
		err = pin_path_for(p, prefix, bpf_map__name(m), path, sizeof(path));
		if (!err)
			err = bpf_map__set_pin_path(m, path);
		if (err)
			return err;
	}
	return 0;
}

int pin_object_progs(const struct pin_dir *p, struct bpf_object *obj, const char *prefix)
{
	char path[PATH_MAX], name[128];
	struct bpf_program *prog;
	int err;

	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		snprintf(name, sizeof(name), "prog_%s", bpf_program__name(prog));
		err = pin_path_for(p, prefix, name, path, sizeof(path));
		if (!err)
			err = bpf_program__pin(prog, path);
		if (err) {
			pr_err("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int pin_link(const struct pin_dir *p, struct bpf_link *link, const char *name)
{
	char path[PATH_MAX];
	int err = path_of(p, name, path, sizeof(path));

	if (!err)
		err = bpf_link__pin(link, path);
	if (err)
		pr_err("cannot pin %s: %s", path, strerror(-err));
	return err;
}

void pin_unlink(const struct pin_dir *p, const char *name)
{
	char path[PATH_MAX];

	if (!path_of(p, name, path, sizeof(path)) && unlink(path) && errno != ENOENT)
		pr_warn("cannot remove %s: %s", path, strerror(errno));
}

int pin_fd(const struct pin_dir *p, int fd, const char *name)
{
	char path[PATH_MAX];
	int err = path_of(p, name, path, sizeof(path));

	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	if (err)
		pr_err("cannot pin %s: %s", path, strerror(-err));
	return err;
}

int pin_mark_complete(const struct pin_dir *p)
{
	struct pin_abi v = { .magic = PIN_MAGIC, .abi = NETMON_ABI_VERSION };
	char path[PATH_MAX];
	__u32 k = 0;
	int fd, err = path_of(p, PIN_ABI_NAME, path, sizeof(path));

	if (err)
		return err;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "netmon_abi", sizeof(k), sizeof(v), 1, NULL);
	if (fd < 0 || bpf_map_update_elem(fd, &k, &v, BPF_ANY) || bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_err("cannot pin %s: %s", path, strerror(-err));
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* Whether directory entry name (a '+'-joined set) includes interface iface. */
static int names_iface(const char *name, const char *iface)
{
	char want[64] = "", copy[NAME_MAX + 1], *tok, *save = NULL;

	append_escaped(want, sizeof(want), iface);
	snprintf(copy, sizeof(copy), "%s", name);
	for (tok = strtok_r(copy, "+", &save); tok; tok = strtok_r(NULL, "+", &save))
		if (!strcmp(tok, want))
			return 1;
	return 0;
}

/*
 * Each pin directory that includes iface, opened and locked (*fd), in turn:
 * visit(dir path, fd or -1 when a running recorder holds it, arg). The
 * number of directories visited, or -errno.
 */
static int for_iface_dirs(const char *iface, void (*visit)(const char *, int, void *), void *arg)
{
	DIR *d = opendir(PIN_ROOT);
	struct dirent *e;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		int fd;

		if (e->d_name[0] == '.' || !names_iface(e->d_name, iface))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PIN_ROOT, e->d_name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			fd = -1;
		}
		visit(path, fd, arg);
		n++;
	}
	closedir(d);
	return n;
}

static void note_busy(const char *path, int fd, void *busy)
{
	if (fd < 0)
		*(int *)busy = 1;
	else
		close(fd);
}

int pin_iface_busy(const char *iface)
{
	int busy = 0;

	for_iface_dirs(iface, note_busy, &busy);
	return busy;
}

struct removal {
	const char *iface;
	int removed, busy;
};

static void remove_dir_pins(const char *path, int fd, void *arg)
{
	struct removal *r = arg;
	struct pin_dir p = { .lock_fd = fd };

	if (fd < 0) {
		pr_err("%s: a running netmon-record holds %s: stop it instead", r->iface, path);
		r->busy = 1;
		return;
	}
	snprintf(p.path, sizeof(p.path), "%s", path);
	pin_close(&p, 1);
	pr_info("%s: removed the pins in %s", r->iface, path);
	r->removed = 1;
}

int pin_remove_iface(const char *iface)
{
	struct removal r = { .iface = iface };
	int n = for_iface_dirs(iface, remove_dir_pins, &r);

	if (n < 0)
		return n;
	return r.busy ? -EBUSY : r.removed;
}
