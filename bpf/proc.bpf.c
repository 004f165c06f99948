// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc.bpf.c - per-process socket bytes from the sock:sock_send_length and
 * sock:sock_recv_length tracepoints (net/socket.c), which report what every
 * sendmsg/recvmsg-family call returned, whatever syscall led there. Both
 * program sets (tp_btf, raw_tp) attach through the raw tracepoint interface:
 * no tracefs needed on a minimal host.
 *
 * Same exactness design as flow.bpf.c: two generations, the generation read
 * once per event, user space flipping active_gen and waiting an RCU grace
 * period before draining.
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
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NETMON_PROC_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct proc_cache_entry);
} proc_cache SEC(".maps");

/* Cgroups removed, by id: their path (netmon.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NETMON_CGROUPS_GONE);
	__type(key, __u64);
	__type(value, struct cgroup_gone);
} cgroups_gone SEC(".maps");

/* Room for one path: more than the BPF stack has. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgroup_gone);
} cgroup_scratch SEC(".maps");

/* The generation programs write to; only user space changes it. */
__u32 active_gen = 0;
/* Per generation: calls (and their bytes) that found the table full, so are
 * attributed to no process. Counted per generation like the tables, so that
 * they belong to their interval exactly; user space clears them with it. */
struct proc_table_full proc_table_full[NETMON_GENERATIONS] = {};

/*
 * The socket's family, protocol, ports and peer into k; 0 if not IPv4/IPv6.
 * RD(sk, field) reads one field: a direct load in tp_btf programs (the
 * verifier knows sk's type; a fault reads 0), bpf_probe_read_kernel in
 * raw_tp ones. Both relocated with CO-RE.
 */
#define FILL_KEY(name, RD, RD_INTO)                                                                \
	static __always_inline int name(struct sock *sk, struct proc_key *k)                       \
	{                                                                                          \
		__u16 family = RD(sk, __sk_common.skc_family);                                     \
                                                                                                   \
		if (family == AF_INET_) {                                                          \
			k->family = NETMON_FAMILY_V4;                                              \
			RD_INTO(k->remote, 4, sk, __sk_common.skc_daddr);                          \
		} else if (family == AF_INET6_) {                                                  \
			k->family = NETMON_FAMILY_V6;                                              \
			RD_INTO(k->remote, 16, sk, __sk_common.skc_v6_daddr);                      \
		} else {                                                                           \
			return 0;                                                                  \
		}                                                                                  \
		k->protocol = (__u8)RD(sk, sk_protocol);                                           \
		/* A raw socket keeps its protocol number where the port would be                  \
		 * (inet_num): it has no port. */                                                  \
		if (RD(sk, sk_type) != SOCK_RAW_)                                                  \
			k->local_port = RD(sk, __sk_common.skc_num);                               \
		k->remote_port = bpf_ntohs(RD(sk, __sk_common.skc_dport));                         \
		return 1;                                                                          \
	}

#define DIRECT(sk, field) ((sk)->field)
#define DIRECT_INTO(dst, n, sk, field) __builtin_memcpy(dst, &(sk)->field, n)
#define PROBED(sk, field) BPF_CORE_READ(sk, field)
/* Explicit sizes: BPF_CORE_READ_INTO into an array reads one element. */
#define PROBED_INTO(dst, n, sk, field) bpf_core_read(dst, n, &(sk)->field)

FILL_KEY(fill_key_btf, DIRECT, DIRECT_INTO)
FILL_KEY(fill_key_raw, PROBED, PROBED_INTO)

/*
 * The names of the current process, once per generation. The process's
 * name is its thread group leader's: the thread may be another one, e.g. an
 * io_uring worker (iou-wrk-PID) or SQPOLL thread (iou-sqp-PID) sending for
 * the process, or a thread the program named itself. The cgroup and uid
 * are the calling thread's, here rather than in the key: two helper calls
 * once per process and generation instead of on every call, and a key of
 * 28 bytes instead of 40 (docs/design.md, "Services and users").
 */
static __attribute__((noinline)) void note_process(void *infos, __u32 tgid)
{
	struct task_struct *task, *leader, *parent;
	struct proc_info info = {};

	if (bpf_map_lookup_elem(infos, &tgid))
		return;
	task = (struct task_struct *)bpf_get_current_task();
	leader = BPF_CORE_READ(task, group_leader);
	parent = BPF_CORE_READ(leader, real_parent);
	BPF_CORE_READ_STR_INTO(&info.comm, leader, comm);
	BPF_CORE_READ_STR_INTO(&info.parent_comm, parent, comm);
	info.ppid = BPF_CORE_READ(parent, tgid);
	info.uid = (__u32)bpf_get_current_uid_gid();
	info.cgroup_id = bpf_get_current_cgroup_id();
	bpf_map_update_elem(infos, &tgid, &info, BPF_NOEXIST);
}

enum { FLUSH_ADDED, FLUSH_INSERTED, FLUSH_NO_ROOM };

/* Add a cache entry's calls to its key's counters in one generation's table. */
static __always_inline int flush_into(void *procs, struct proc_table_full *full,
				      const struct proc_cache_entry *e, int sent)
{
	struct proc_counters *c, init = {};
	long err;

	c = bpf_map_lookup_elem(procs, &e->key);
	if (!c) {
		if (sent) {
			init.bytes_sent = e->bytes;
			init.sends = e->calls;
		} else {
			init.bytes_recv = e->bytes;
			init.recvs = e->calls;
		}
		err = bpf_map_update_elem(procs, &e->key, &init, BPF_NOEXIST);
		if (!err)
			return FLUSH_INSERTED;
		c = err == -EEXIST_ ? bpf_map_lookup_elem(procs, &e->key) : NULL;
		if (!c) {
			__sync_fetch_and_add(&full->calls, e->calls);
			__sync_fetch_and_add(&full->bytes, e->bytes);
			return FLUSH_NO_ROOM;
		}
	}
	if (sent) {
		__sync_fetch_and_add(&c->bytes_sent, e->bytes);
		__sync_fetch_and_add(&c->sends, e->calls);
	} else {
		__sync_fetch_and_add(&c->bytes_recv, e->bytes);
		__sync_fetch_and_add(&c->recvs, e->calls);
	}
	return FLUSH_ADDED;
}

/* Seven words, padding included (keys are zeroed before they are filled). */
static __always_inline int same_key(const struct proc_key *a, const struct proc_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) |
		 (x[5] ^ y[5]) | (x[6] ^ y[6]));
}

/* Keep the compiler's stores in program order (x86 keeps the CPU's; the
 * order matters only to the live view's peek, see count()). */
#define barrier() asm volatile("" ::: "memory")

/*
 * The tables are named directly, one call site each, rather than reached
 * through an ARRAY_OF_MAPS: the verifier then inlines each hash lookup as a
 * direct call, where an inner map's goes through the generic helper and an
 * indirect call (a retpoline here): ~50 ns per event less, measured. The
 * grace period after a flip still comes from the flow maps' ARRAY_OF_MAPS
 * update (snapshot.c): it waits for every BPF program, these included.
 */

/* One call counted in the table itself, names noted with a new key. */
static __attribute__((noinline)) void count_direct(const struct proc_cache_entry *one, __u32 gen,
						   int sent)
{
	if (gen) {
		if (flush_into(&procs_1, &proc_table_full[1], one, sent) == FLUSH_INSERTED)
			note_process(&infos_1, one->key.tgid);
	} else {
		if (flush_into(&procs_0, &proc_table_full[0], one, sent) == FLUSH_INSERTED)
			note_process(&infos_0, one->key.tgid);
	}
}

/*
 * Move a replaced cache entry's sums (if any) into the table and note the
 * names of the process taking the entry, unless the entry was already that
 * process's in this generation (one process going from socket to socket):
 * an entry with calls was filled in this generation, since user space
 * clears a generation's entries with its names table.
 */
static __attribute__((noinline)) void evict(const struct proc_cache_entry *e, __u32 gen, __u32 tgid,
					    int sent)
{
	int noted = e->calls && e->key.tgid == tgid;

	if (gen) {
		if (e->calls)
			flush_into(&procs_1, &proc_table_full[1], e, sent);
		if (!noted)
			note_process(&infos_1, tgid);
	} else {
		if (e->calls)
			flush_into(&procs_0, &proc_table_full[0], e, sent);
		if (!noted)
			note_process(&infos_0, tgid);
	}
}

/* Which key last missed the cache: a fold of its words (a collision only
 * makes a key take the entry one call early). */
static __always_inline __u32 fingerprint(const struct proc_key *k)
{
	const __u32 *x = (const __u32 *)k;

	return x[0] ^ (x[1] * 0x9e3779b1) ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[6];
}

/*
 * One call's bytes; k is its key, the tgid filled by the caller. The
 * common case, another call on the socket the CPU's program last counted,
 * adds to the per-CPU cache entry: no hash lookup of the shared table
 * (whose bucket and element are cold after the rest of a send: ~100 ns,
 * measured), no atomic. A key that misses is counted in the
 * table directly, as without a cache, and becomes the entry's candidate;
 * the candidate's next call takes the entry, moving the entry's sums into
 * the table. So a run of calls on one socket is cached from its second
 * call, while calls going round many sockets (a server's connections)
 * cost one table update each, not an eviction each.
 *
 * The entry belongs to the generation the program read, like a table: user
 * space drains it after the flip's grace period. Programs run with
 * preemption off, and each program (send, receive) has its own entry and
 * does not nest on a CPU (the kernel skips a recursive run), so nothing else
 * writes the entry meanwhile. The live view reads the active generation's
 * table and then its entries while programs run: an entry being replaced
 * shows no calls from before its sums move to the table until it holds the
 * new key, so a peek may miss those sums for a moment but never counts them
 * twice.
 */
static __always_inline void count(struct proc_key *k, int ret, int sent)
{
	__u32 gen = active_gen & 1, slot = NETMON_PROC_CACHE_SLOT(gen, sent), fp;
	struct proc_cache_entry *e, moving;

	e = bpf_map_lookup_elem(&proc_cache, &slot);
	if (!e)
		return;
	if (same_key(&e->key, k)) {
		e->bytes += ret;
		e->calls++;
		return;
	}
	fp = fingerprint(k);
	if (e->calls && e->candidate != fp) {
		e->candidate = fp;
		moving.key = *k;
		moving.bytes = ret;
		moving.calls = 1;
		count_direct(&moving, gen, sent);
		return;
	}
	moving = *e;
	e->calls = 0;
	barrier();
	evict(&moving, gen, k->tgid, sent);
	e->key = *k;
	e->bytes = ret;
	barrier();
	e->calls = 1;
}

/*
 * Two sets of the same programs; the recorder loads one. tp_btf (typed
 * arguments, direct reads of struct sock) is the cheaper; raw_tp is the
 * fallback for a kernel that refuses it.
 */
/* The process: a typed load from the current task in tp_btf programs,
 * ~3 ns less per event on the real path than bpf_get_current_pid_tgid()
 * (bench/RESULTS.md, issue 18), which the raw_tp fallback keeps. */
#define TGID_BTF() (bpf_get_current_task_btf()->tgid)
#define TGID_RAW() ((__u32)(bpf_get_current_pid_tgid() >> 32))

SEC("tp_btf/sock_send_length")
int BPF_PROG(netmon_send_btf, struct sock *sk, int ret, int flags)
{
	struct proc_key k = {};

	if (ret > 0 && sk && fill_key_btf(sk, &k)) {
		k.tgid = TGID_BTF();
		count(&k, ret, 1);
	}
	return 0;
}

/* MSG_PEEK leaves the bytes in the socket: they are counted when read. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(netmon_recv_btf, struct sock *sk, int ret, int flags)
{
	struct proc_key k = {};

	if (ret > 0 && !(flags & MSG_PEEK_) && sk && fill_key_btf(sk, &k)) {
		k.tgid = TGID_BTF();
		count(&k, ret, 0);
	}
	return 0;
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(netmon_send_raw, struct sock *sk, int ret, int flags)
{
	struct proc_key k = {};

	if (ret > 0 && sk && fill_key_raw(sk, &k)) {
		k.tgid = TGID_RAW();
		count(&k, ret, 1);
	}
	return 0;
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(netmon_recv_raw, struct sock *sk, int ret, int flags)
{
	struct proc_key k = {};

	if (ret > 0 && !(flags & MSG_PEEK_) && sk && fill_key_raw(sk, &k)) {
		k.tgid = TGID_RAW();
		count(&k, ret, 0);
	}
	return 0;
}

/*
 * A cgroup v2 directory being removed: keep its path for user space, which
 * finds the live ones by walking the hierarchy but cannot find this one any
 * more (docs/design.md, "Services and users"). The kernel builds the path
 * only while a program is attached here (TRACE_CGROUP_PATH in
 * kernel/cgroup/cgroup-internal.h); removals are rare. Hierarchy 0 is the
 * v2 one; the others are cgroup v1 hierarchies of a hybrid host. raw_tp
 * only: one program whatever set counts the sockets.
 */
SEC("raw_tp/cgroup_rmdir")
int BPF_PROG(netmon_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	struct cgroup_gone *g;
	__u32 zero = 0;
	__u64 id;
	long n;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	g = bpf_map_lookup_elem(&cgroup_scratch, &zero);
	if (!g)
		return 0;
	n = bpf_probe_read_kernel_str(g->path, sizeof(g->path), path);
	/* Filled to the end: maybe cut short, and a cut path names nothing. */
	if (n <= 1 || n >= (long)sizeof(g->path))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_update_elem(&cgroups_gone, &id, g, BPF_ANY);
	return 0;
}
