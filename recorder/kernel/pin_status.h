/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pin_status.h - what the pin directories under /sys/fs/bpf/netmon say about
 * the recorders, read without changing anything (netmon-record --status):
 * no lock taken, no pin written, nothing attached.
 */
#ifndef NETMON_PIN_STATUS_H
#define NETMON_PIN_STATUS_H

#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <linux/types.h>

#define PIN_STATUS_MAX_IFACES 64

struct pin_status_iface {
	char name[IF_NAMESIZE];
	int present;		/* the interface exists */
	int tc_in, tc_out, xdp; /* the directory's pinned program runs on that hook */
};

struct pin_status {
	char path[PATH_MAX];
	int abi_err;	  /* pin_read_abi(): 0, -ENOENT (interrupted start), -EPROTO (not ours) */
	unsigned int abi; /* the build's BPF ABI (when abi_err is 0) */
	int locked;	  /* a running recorder holds the directory's lock */
	int pid;	  /* its pid, as this /proc sees it (0: not visible) */
	int64_t started;  /* when that process started, unix seconds (0: unknown) */
	int64_t loaded;	  /* when the pinned programs were loaded, unix seconds (0: unknown) */
	struct pin_status_iface ifaces[PIN_STATUS_MAX_IFACES];
	int n_ifaces;
	int have_state; /* the kernel state below was read (this build's ABI only) */
	uint64_t run;	/* the pins' identity, as stored in meta pin_run */
	__u32 seq;	/* the programs' flip sequence (generation being counted) */
	__u32 used4, used6, max4, max6; /* flow table slots taken this interval, and room */
};

/*
 * Every pin directory under /sys/fs/bpf/netmon, at most max, into out.
 * Returns how many (0 when there is no such directory), or -errno (logged).
 */
int pin_status_scan(struct pin_status *out, int max);

/* Whether interface name is one of st's. */
int pin_status_has(const struct pin_status *st, const char *name);

#endif
