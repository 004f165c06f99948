// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc.bpf.c - per-process socket bytes from the sock:sock_send_length and
 * sock:sock_recv_length tracepoints (net/socket.c), which report what every
 * sendmsg/recvmsg-family call returned, whatever syscall led there. Attached
 * as raw tracepoints: no tracefs needed on a minimal host.
 *
 * Same exactness design as flow.bpf.c: two generations reached through
 * ARRAY_OF_MAPS, the generation read once per event, user space flipping
 * active_gen and waiting an RCU grace period before draining.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "netmon.h"

#define AF_INET_ 2
#define AF_INET6_ 10
#define MSG_PEEK_ 2
#define SOCK_RAW_ 3
#define EEXIST_ 17

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct proc_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NETMON_MAX_PROC_KEYS);
	__type(key, struct proc_key);
	__type(value, struct proc_counters);
} procs_0 SEC(".maps"), procs_1 SEC(".maps");

struct info_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NETMON_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct proc_info);
} infos_0 SEC(".maps"), infos_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NETMON_GENERATIONS);
	__type(key, __u32);
	__array(values, struct proc_table);
} proc_gens SEC(".maps") = {
	.values = { &procs_0, &procs_1 },
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NETMON_GENERATIONS);
	__type(key, __u32);
	__array(values, struct info_table);
} info_gens SEC(".maps") = {
	.values = { &infos_0, &infos_1 },
};

/* The generation programs write to; only user space changes it. */
__u32 active_gen = 0;
/* Events that found their table full: their bytes are not attributed. */
__u64 proc_table_full = 0;

/* The socket's family, protocol, ports and peer; 0 if not IPv4/IPv6. */
static __always_inline int fill_key(struct sock *sk, struct proc_key *k)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	/* Explicit sizes: BPF_CORE_READ_INTO into an array reads one element. */
	if (family == AF_INET_) {
		k->family = NETMON_FAMILY_V4;
		bpf_core_read(k->remote, 4, &sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6_) {
		k->family = NETMON_FAMILY_V6;
		bpf_core_read(k->remote, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return 0;
	}
	k->protocol = (__u8)BPF_CORE_READ(sk, sk_protocol);
	/* A raw socket keeps its protocol number where the port would be
	 * (inet_num): it has no port. */
	if (BPF_CORE_READ(sk, sk_type) != SOCK_RAW_)
		k->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return 1;
}

/* The names of the current process, once per generation. */
static __always_inline void note_process(void *infos, __u32 tgid)
{
	struct task_struct *task, *parent;
	struct proc_info info = {};

	if (bpf_map_lookup_elem(infos, &tgid))
		return;
	task = (struct task_struct *)bpf_get_current_task();
	parent = BPF_CORE_READ(task, real_parent);
	bpf_get_current_comm(info.comm, sizeof(info.comm));
	BPF_CORE_READ_STR_INTO(&info.parent_comm, parent, comm);
	info.ppid = BPF_CORE_READ(parent, tgid);
	bpf_map_update_elem(infos, &tgid, &info, BPF_NOEXIST);
}

static __always_inline void count(struct sock *sk, int ret, int sent)
{
	struct proc_key k = {};
	struct proc_counters *c, init = {};
	__u32 gen = active_gen & 1;
	void *procs, *infos;

	if (ret <= 0 || !sk || !fill_key(sk, &k))
		return;
	procs = bpf_map_lookup_elem(&proc_gens, &gen);
	infos = bpf_map_lookup_elem(&info_gens, &gen);
	if (!procs || !infos)
		return;
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	note_process(infos, k.tgid);

	c = bpf_map_lookup_elem(procs, &k);
	if (!c) {
		if (sent) {
			init.bytes_sent = ret;
			init.sends = 1;
		} else {
			init.bytes_recv = ret;
			init.recvs = 1;
		}
		long err = bpf_map_update_elem(procs, &k, &init, BPF_NOEXIST);

		if (!err)
			return;
		c = err == -EEXIST_ ? bpf_map_lookup_elem(procs, &k) : NULL;
		if (!c) {
			__sync_fetch_and_add(&proc_table_full, 1);
			return;
		}
	}
	if (sent) {
		__sync_fetch_and_add(&c->bytes_sent, ret);
		__sync_fetch_and_add(&c->sends, 1);
	} else {
		__sync_fetch_and_add(&c->bytes_recv, ret);
		__sync_fetch_and_add(&c->recvs, 1);
	}
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(netmon_sock_send, struct sock *sk, int ret, int flags)
{
	count(sk, ret, 1);
	return 0;
}

/* MSG_PEEK leaves the bytes in the socket: they are counted when read. */
SEC("raw_tp/sock_recv_length")
int BPF_PROG(netmon_sock_recv, struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK_))
		count(sk, ret, 0);
	return 0;
}
