/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_hooks.h - the environment variables through which tests and
 * benchmarks steer netmon-record, all of them, read once (tests/README.md,
 * "Test hooks"). Each exists to reach a path a test cannot reach otherwise
 * (an older kernel, a full table, a crash at one exact moment); unset, as in
 * every normal run, none changes anything.
 *
 *   NETMON_PROC_PROGS=raw|btf          only that per-process program set
 *   NETMON_TEST_PROC_TP_SUFFIX=S       S appended to the tracepoint names
 *   NETMON_TEST_PROC_KEYS=N            per-process tables of N keys
 *   NETMON_TEST_CRASH_BEFORE_COMMIT    SIGKILL between a flip and its commit
 *   NETMON_TEST_CRASH_BEFORE_EXPORT    SIGKILL between a commit and its export
 */
#ifndef NETMON_TEST_HOOKS_H
#define NETMON_TEST_HOOKS_H

struct test_hooks {
	/* NETMON_PROC_PROGS; NULL when unset or empty. proc_start() checks it. */
	const char *proc_progs;
	/* NETMON_TEST_PROC_TP_SUFFIX; "" when unset. */
	const char *proc_tp_suffix;
	/* NETMON_TEST_PROC_KEYS; NULL when unset or empty. proc_start() checks
	 * it, so that a bad value turns off per-process accounting only. */
	const char *proc_keys;
	/* NETMON_TEST_CRASH_BEFORE_COMMIT is set (to anything, empty too). */
	int crash_before_commit;
	/* NETMON_TEST_CRASH_BEFORE_EXPORT is set: SIGKILL once an interval with
	 * flows is committed, before it is exported (--ipfix). */
	int crash_before_export;
};

/*
 * The hooks, read from the environment by the first call (main() makes it
 * at start; a test program linking the recorder's objects gets the same on
 * its first use).
 */
const struct test_hooks *test_hooks(void);

#endif
