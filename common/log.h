/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* log.h - messages to stderr, prefixed with the program's name. */
#ifndef NETMON_LOG_H
#define NETMON_LOG_H

enum log_level { LOGLVL_SILENT = -1, LOGLVL_ERR, LOGLVL_WARN, LOGLVL_INFO, LOGLVL_DEBUG };

/* Program name for the prefix and the most verbose level printed. */
void log_init(const char *prog, enum log_level max);
enum log_level log_max_level(void);
/* A place every message names until cleared (NULL), e.g. "FILE:LINE". */
void log_set_context(const char *where);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOGLVL_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOGLVL_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOGLVL_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOGLVL_DEBUG, __VA_ARGS__)

#endif
