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
 *   NETMON_TEST_CRASH_BEFORE_EXPORT=PORT SIGKILL between a commit and its export
 *   NETMON_TEST_STOP_AT=POINT[:N]      stop at the Nth visit of a named point
 *   NETMON_TEST_SLOW_WRITE=MS[:N]      the Nth interval write takes MS ms longer
 *   NETMON_TEST_MAP_WINDOW=N           flow tables mapped N slots at a time
 *   NETMON_TEST_TC_LEGACY              TC programs as clsact filters, never tcx
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
	/* NETMON_TEST_CRASH_BEFORE_EXPORT=PORT: SIGKILL once an interval with a
	 * flow from source port PORT is committed, before it is exported
	 * (--ipfix); 0 when unset or not a port. A port, not "any flow": the
	 * kernel's own packets (IPv6 neighbour discovery) may fill an earlier one. */
	unsigned int crash_before_export;
	/* NETMON_TEST_STOP_AT=POINT[:N]: POINT ("" when unset) and N (1 when
	 * absent; a value that is no whole number from 1 leaves it unset). */
	char stop_point[32];
	unsigned long stop_nth;
	/* NETMON_TEST_SLOW_WRITE=MS[:N]: MS (0 when unset or not a whole
	 * number; at most 60000) and N (1 when absent). */
	unsigned long slow_write_ms, slow_write_nth;
	/* NETMON_TEST_MAP_WINDOW=N: every flow table mapped a window of N
	 * slots at a time (0: whole), whatever its size, as
	 * snapshot_set_window(); -1 (as the snapshot chooses) when unset or
	 * not a whole number. */
	long map_window;
	/* NETMON_TEST_TC_LEGACY is set (to anything): the TC programs attached
	 * as clsact filters, as on a kernel before tcx (attach.h). */
	int tc_legacy;
};

/*
 * The hooks, read from the environment by the first call (main() makes it
 * at start; a test program linking the recorder's objects gets the same on
 * its first use).
 */
const struct test_hooks *test_hooks(void);

/*
 * A named moment of the recording cycle (tests/README.md, "Test hooks",
 * lists them). With NETMON_TEST_STOP_AT=POINT[:N], the Nth time the recorder
 * comes here it logs "test hook: stopped at POINT" and waits, doing nothing,
 * for the test's kill -9 (at most 120 s, then it kills itself): the crash
 * tests (tests/crash/) kill it at each moment on purpose. Otherwise nothing.
 */
void test_point(const char *point);

/*
 * Called once per interval write, before its COMMIT: with
 * NETMON_TEST_SLOW_WRITE=MS[:N], the Nth call sleeps MS ms, as a write of a
 * burst of new hosts slower than its interval would take (the recorder falls
 * behind: docs/design.md, "Falling behind"). Otherwise nothing.
 */
void test_slow_write(void);

#endif
