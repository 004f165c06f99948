// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_term.c - the live view's terminal (live_term.h): its modes, its
 * screen, its size, and ^Z / fg.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "live_term.h"
#include "log.h"

/* The alternate screen (the terminal's own comes back on leaving), no
 * cursor, cleared once: each frame then overwrites in place. */
#define SCREEN_ENTER "\033[?1049h\033[?25l\033[2J"
#define SCREEN_LEAVE "\033[?25h\033[?1049l"

void live_term_write(struct live_term *t, const char *s, size_t n)
{
	while (n && !t->broken) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pr_warn("live view: cannot write to stdout (%s); recording goes on",
				w < 0 ? strerror(errno) : "nothing written");
			t->broken = 1;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void read_size(struct live_term *t)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	t->width = 80;
	t->height = 24;
	if (t->ansi && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		t->width = ws.ws_col;
		t->height = ws.ws_row;
	} else if (!t->ansi && cols && atoi(cols) >= 20 && atoi(cols) <= 1000) {
		t->width = atoi(cols);
	}
}

/*
 * Keys one at a time without echo; ^C and ^Z still raise their signals
 * (ISIG stays). Coming back from away, the modes to give back are read
 * again: the user may have changed them while the view was stopped. Never
 * otherwise: after a SIGSTOP the view did not see, they may be its own.
 */
static int enter(struct live_term *t)
{
	struct termios raw;
	int was_away = t->away;

	read_size(t);
	if (t->ansi)
		live_term_write(t, SCREEN_ENTER, sizeof(SCREEN_ENTER) - 1);
	t->away = 0;
	t->resized = 0; /* SCREEN_ENTER clears */
	if (t->key_fd < 0)
		return 0;
	if (was_away && tcgetattr(t->key_fd, &t->saved))
		return -errno;
	raw = t->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(t->key_fd, TCSANOW, &raw))
		return -errno;
	return 0;
}

static void leave(struct live_term *t)
{
	if (t->ansi && !t->broken)
		live_term_write(t, SCREEN_LEAVE, sizeof(SCREEN_LEAVE) - 1);
	if (t->key_fd >= 0)
		tcsetattr(t->key_fd, TCSANOW, &t->saved);
	t->away = 1;
}

int live_term_open(struct live_term *t)
{
	const char *term = getenv("TERM");
	sigset_t set;

	t->key_fd = t->sig_fd = -1;
	t->away = 1; /* until enter(): a failure before it leaves nothing to undo */
	t->ansi = isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb");
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &t->saved))
		t->key_fd = STDIN_FILENO;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTSTP);
	sigaddset(&set, SIGCONT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    (t->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		pr_err("live view: cannot set up its signals: %s", strerror(errno));
		return -errno;
	}
	if (enter(t)) {
		pr_err("live view: cannot set up the terminal: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void live_term_close(struct live_term *t)
{
	if (!t->away)
		leave(t);
	if (t->sig_fd >= 0)
		close(t->sig_fd);
	t->sig_fd = -1;
}

/* Keys typed: 1 when one of them is q. A hung-up terminal stops the reading. */
int live_term_keys(struct live_term *t, short revents)
{
	char buf[64];
	ssize_t n;

	/* Away in the background, a read would stop the process (SIGTTIN). */
	if (t->away || t->key_fd < 0)
		return 0;
	n = read(t->key_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0 && (revents & (POLLHUP | POLLERR))) {
		t->key_fd = -1; /* nothing to restore on a terminal that is gone */
		return 0;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q')
			return 1;
	return 0;
}

/*
 * ^Z: the terminal given back, then the stop the default action would have
 * made. The signalfd took the signal, so it is raised again with SIGTSTP
 * unblocked (its action is the default: an ignored SIGTSTP never reaches
 * the signalfd). SIGTSTP rather than SIGSTOP: the kernel does not stop an
 * orphaned process group for SIGTSTP, where no shell would ever continue it.
 * Returns once continued.
 */
static void stop_here(struct live_term *t)
{
	sigset_t tstp;

	if (!t->away)
		leave(t);
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);
	raise(SIGTSTP);
	sigprocmask(SIG_BLOCK, &tstp, NULL);
}

/* No terminal to share, or this process group is the terminal's foreground. */
static int in_foreground(const struct live_term *t)
{
	int fd = t->key_fd >= 0 ? t->key_fd : t->ansi ? STDOUT_FILENO : -1;

	return fd < 0 || tcgetpgrp(fd) == getpgrp();
}

/*
 * Continued: in the foreground (fg) the terminal is taken again; in the
 * background (bg) the shell has it, and changing its modes from there
 * would stop the process again (SIGTTOU): the view stays away. 1: draw.
 */
static int come_back(struct live_term *t)
{
	if (!in_foreground(t)) {
		t->away = 1;
		return 0;
	}
	if (enter(t)) {
		pr_warn("live view: cannot set up the terminal again (%s): no keys; ^C quits",
			strerror(errno));
		t->key_fd = -1;
	}
	return 1;
}

int live_term_signals(struct live_term *t)
{
	struct signalfd_siginfo si;
	int draw = 0;

	while (read(t->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			read_size(t);
			t->resized = 1;
		} else if (si.ssi_signo == SIGTSTP) {
			stop_here(t);
			draw |= come_back(t);
		} else if (si.ssi_signo == SIGCONT) {
			/* Also after a SIGSTOP the view never saw: the shell may
			 * have reset the modes when the process stopped. */
			draw |= come_back(t);
		}
	}
	return draw;
}

int live_term_back(struct live_term *t)
{
	return t->away && come_back(t);
}
