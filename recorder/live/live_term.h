/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_term.h - the live view's terminal: keys one at a time without echo,
 * the alternate screen, the window's size, and the terminal given back and
 * taken again across ^Z and fg, as less and top do.
 *
 * ^Z (SIGTSTP): the terminal as it was (modes, screen, cursor), then the
 * process stops. On SIGCONT in the foreground (fg): the modes and the screen
 * again, and a frame at once. Continued in the background (bg): the view
 * stays away from the terminal (the recording goes on) until fg, which the
 * next tick notices (live_term_back()).
 * Signals arrive through a signalfd, never a handler.
 */
#ifndef NETMON_LIVE_TERM_H
#define NETMON_LIVE_TERM_H

#include <stddef.h>
#include <termios.h>

struct live_term {
	int ansi;	      /* stdout is a terminal that speaks ANSI: draw in place */
	int width, height;    /* the window's, or 80 x 24 ($COLUMNS for plain frames) */
	int key_fd;	      /* stdin when it is a terminal, else -1: no keys */
	int sig_fd;	      /* SIGWINCH, SIGTSTP, SIGCONT */
	int away;	      /* the terminal is given back (^Z, then bg): draw nothing */
	int broken;	      /* stdout failed: draw nothing more */
	int resized;	      /* the next frame clears the screen first */
	struct termios saved; /* the modes to give back */
};

/* Takes the terminal when there is one. 0 or -errno. */
int live_term_open(struct live_term *t);
/* Gives the terminal back as it was (unless it is back already). */
void live_term_close(struct live_term *t);

/* All of s to stdout; a failure sets broken (and says so once). */
void live_term_write(struct live_term *t, const char *s, size_t n);

/* Keys typed (key_fd readable): 1 when one of them is q, else 0. */
int live_term_keys(struct live_term *t, short revents);

/*
 * The signals waiting on sig_fd: a resize, ^Z (stops the process here
 * until it is continued), fg. Returns 1 when the view came back to the
 * terminal and must draw at once, else 0.
 */
int live_term_signals(struct live_term *t);

/*
 * Away in the background: takes the terminal again once this process is in
 * its foreground (fg of a running job sends no signal, so the tick asks).
 * Returns 1 when it did: draw.
 */
int live_term_back(struct live_term *t);

#endif
