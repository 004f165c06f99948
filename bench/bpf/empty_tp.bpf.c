// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty_tp.bpf.c - programs that do nothing on the socket tracepoints the
 * per-process programs use: the floor (tracepoint dispatch, bpf_stats'
 * clock reads) that bench/send_cost.sh measures next to them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sock_send_length")
int BPF_PROG(empty_send, struct sock *sk, int ret, int flags)
{
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(empty_recv, struct sock *sk, int ret, int flags)
{
	return 0;
}
