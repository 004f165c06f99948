// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pin_status.c - read the pin directories as they are (pin_status.h). A
 * recorder's lock is found in /proc/locks rather than tried: trying it would
 * take it for a moment, and a recorder starting then would be refused.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "flow.skel.h"
#include "log.h"
#include "netmon_user.h"
#include "pin.h"
#include "pin_status.h"

/* The pid holding an flock on the inode of path (/proc/locks), 0 when it is
 * not visible here, -1 when nobody holds one. */
static int lock_holder(const char *path)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[256], kind[16];
	struct stat st;
	int pid, found = -1;
	FILE *f;

	if (stat(path, &st))
		return -1;
	f = fopen("/proc/locks", "re");
	if (!f)
		return -1;
	/* "1: FLOCK  ADVISORY  WRITE 1234 00:2d:5678 0 EOF"; waiters have "->". */
	while (found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &maj, &min, &ino) ==
			    5 &&
		    !strcmp(kind, "FLOCK") && ino == st.st_ino && maj == major(st.st_dev) &&
		    min == minor(st.st_dev))
			found = pid > 0 ? pid : 0;
	fclose(f);
	return found;
}

/* When process pid started, unix seconds (0: unknown): its start in clock
 * ticks after boot (/proc/PID/stat, field 22) plus the boot time. */
static int64_t process_start(int pid)
{
	unsigned long long ticks = 0, btime = 0;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 &ticks) != 1)
		return 0;
	f = fopen("/proc/stat", "re");
	while (f && fgets(buf, sizeof(buf), f) && sscanf(buf, "btime %llu", &btime) != 1)
		;
	if (f)
		fclose(f);
	return btime ? (int64_t)(btime + ticks / (unsigned long long)sysconf(_SC_CLK_TCK)) : 0;
}

/* A pinned program's id and load time (unix seconds), or 0s. */
static __u32 pinned_prog(const char *dir, const char *name, int64_t *loaded)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct timespec real, boot;
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	/* load_time is CLOCK_BOOTTIME in ns. */
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	if (info.id && info.load_time)
		*loaded = real.tv_sec - (boot.tv_sec - (int64_t)(info.load_time / 1000000000ull));
	return info.id;
}

/* Value 0 of the pinned ARRAY map name of dir into buf of size bytes. */
static int pinned_value(const char *dir, const char *name, void *buf, __u32 size)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), k = 0;
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != size ||
	    bpf_map_lookup_elem(fd, &k, buf))
		err = -EPROTO;
	close(fd);
	return err;
}

/* This build's pins: the flip sequence, the run and the flow tables' use. */
static void read_state(struct pin_status *st)
{
	struct flow_bpf__rodata ro;
	struct flow_bpf__bss *bss = calloc(1, sizeof(*bss));

	if (bss && !pinned_value(st->path, "flow_flow_bpf_bss", bss, sizeof(*bss)) &&
	    !pinned_value(st->path, "flow_flow_bpf_rodata", &ro, sizeof(ro))) {
		st->have_state = 1;
		st->run = ro.hash_seed;
		st->seq = bss->active_gen;
		st->used4 = bss->used4;
		st->used6 = bss->used6;
		st->max4 = ro.max_flows4;
		st->max6 = ro.max_flows6;
	}
	free(bss);
}

static void add_iface(struct pin_status *st, const char *name)
{
	if (st->n_ifaces == PIN_STATUS_MAX_IFACES || pin_status_has(st, name))
		return;
	snprintf(st->ifaces[st->n_ifaces++].name, IF_NAMESIZE, "%s", name);
}

/* The interfaces of a directory's name ("eth0+eth1", '%2e' for '.'): none
 * for a set too long to be named ("set-<hash>"), found by its hooks then. */
static void names_of(struct pin_status *st, const char *entry)
{
	char name[IF_NAMESIZE + 1];
	size_t n = 0;

	if (!strncmp(entry, "set-", 4))
		return;
	for (const char *c = entry;; c++) {
		unsigned int x;

		if (*c == '+' || !*c) {
			name[n] = 0;
			if (n)
				add_iface(st, name);
			n = 0;
			if (!*c)
				return;
		} else if (*c == '%' && sscanf(c + 1, "%2x", &x) == 1 && n < IF_NAMESIZE) {
			name[n++] = (char)x;
			c += 2;
		} else if (n < IF_NAMESIZE) {
			name[n++] = *c;
		}
	}
}

/* Which hooks of which interface run this directory's programs. */
static void hooks_of(struct pin_status *st)
{
	__u32 in = pinned_prog(st->path, "flow_prog_netmon_tc_ingress", &st->loaded);
	__u32 out = pinned_prog(st->path, "flow_prog_netmon_tc_egress", &st->loaded);
	__u32 xdp = pinned_prog(st->path, "flow_prog_netmon_xdp_ingress", &st->loaded);
	struct if_nameindex *all = if_nameindex();

	for (struct if_nameindex *it = all; it && it->if_index; it++) {
		__u32 i, o, x;

		if (attach_query((int)it->if_index, &i, &o, &x) || !in ||
		    !((i && i == in) || (o && o == out) || (x && x == xdp)))
			continue;
		add_iface(st, it->if_name);
	}
	for (int k = 0; k < st->n_ifaces; k++) {
		struct pin_status_iface *f = &st->ifaces[k];
		int ifindex = (int)if_nametoindex(f->name);
		__u32 i = 0, o = 0, x = 0;

		f->present = ifindex > 0;
		if (!f->present || attach_query(ifindex, &i, &o, &x))
			continue;
		f->tc_in = in && i == in;
		f->tc_out = out && o == out;
		f->xdp = xdp && x == xdp;
	}
	if (all)
		if_freenameindex(all);
}

int pin_status_has(const struct pin_status *st, const char *name)
{
	for (int i = 0; i < st->n_ifaces; i++)
		if (!strcmp(st->ifaces[i].name, name))
			return 1;
	return 0;
}

int pin_status_scan(struct pin_status *out, int max)
{
	DIR *d = opendir(PIN_ROOT);
	struct dirent *e;
	int n = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		pr_err("cannot read %s: %s%s", PIN_ROOT, strerror(errno),
		       errno == EACCES ? " (run as root)" : "");
		return -errno;
	}
	while (n < max && (e = readdir(d))) {
		struct pin_status *st = &out[n];
		int holder;

		if (e->d_name[0] == '.')
			continue;
		memset(st, 0, sizeof(*st));
		snprintf(st->path, sizeof(st->path), "%s/%s", PIN_ROOT, e->d_name);
		st->abi_err = pin_read_abi(st->path, &st->abi);
		holder = lock_holder(st->path);
		st->locked = holder >= 0;
		st->pid = holder > 0 ? holder : 0;
		st->started = st->pid > 0 ? process_start(st->pid) : 0;
		names_of(st, e->d_name);
		if (!st->abi_err && st->abi == NETMON_ABI_VERSION) {
			hooks_of(st);
			read_state(st);
		}
		n++;
	}
	closedir(d);
	return n;
}
