// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tls_hello.c - the server name of a TLS ClientHello (tls_hello.h).
 */
#include <string.h>
#include "tls_hello.h"

#define RECORD_HANDSHAKE 22
#define CLIENT_HELLO 1
#define EXT_SERVER_NAME 0
#define NAME_TYPE_HOST 0

/*
 * A walk over the hello: have is where the data ends (the first segment's
 * bytes of the record), end where the hello says it ends. A field past end
 * is malformed; one past have but within end was simply not captured.
 */
struct walk {
	const uint8_t *d;
	size_t pos, have, end;
	enum tls_hello_result out; /* set when a read failed */
};

/* n bytes at the position, or 0 (and w->out says why). */
static int room(struct walk *w, size_t n)
{
	if (w->pos + n > w->end) {
		w->out = TLS_HELLO_MALFORMED;
		return 0;
	}
	if (w->pos + n > w->have) {
		w->out = TLS_HELLO_NO_NAME;
		return 0;
	}
	return 1;
}

/* A big-endian number of n (1 to 3) bytes, consumed; -1 when not there. */
static long take(struct walk *w, size_t n)
{
	long v = 0;

	if (!room(w, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | w->d[w->pos++];
	return v;
}

/* n bytes skipped; 0 when they are not all there. */
static int skip(struct walk *w, long n)
{
	if (n < 0 || !room(w, (size_t)n))
		return 0;
	w->pos += (size_t)n;
	return 1;
}

/* A host name as RFC 6066 has it, lower case into name; 0 when it is none. */
static int host_name(const uint8_t *s, size_t len, char name[TLS_NAME_MAX])
{
	if (len && s[len - 1] == '.')
		len--; /* a trailing dot, which the RFC says is not sent */
	if (!len || len >= TLS_NAME_MAX || s[len - 1] == '.')
		return 0; /* empty, too long, or an empty last label */
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c == '.' && (i == 0 || s[i - 1] == '.'))
			return 0; /* an empty label */
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			   c == '_' || c == '.'))
			return 0;
		name[i] = (char)c;
	}
	name[len] = '\0';
	return 1;
}

/* The server_name extension's data, ending at w->end: its first host name. */
static enum tls_hello_result server_name(struct walk *w, char name[TLS_NAME_MAX])
{
	long list = take(w, 2);

	if (list < 0)
		return w->out;
	if (w->pos + (size_t)list != w->end)
		return TLS_HELLO_MALFORMED;
	while (w->pos < w->end) {
		long type = take(w, 1), len = type < 0 ? -1 : take(w, 2);

		if (len < 0 || !room(w, (size_t)len))
			return w->out;
		if (type == NAME_TYPE_HOST)
			return host_name(w->d + w->pos, (size_t)len, name) ? TLS_HELLO_NAME
									   : TLS_HELLO_MALFORMED;
		w->pos += (size_t)len;
	}
	return TLS_HELLO_NO_NAME;
}

/* The fields before the extensions: version, random, session id, suites, compression. */
static int skip_to_extensions(struct walk *w)
{
	return skip(w, 2 + 32) && skip(w, take(w, 1)) && skip(w, take(w, 2)) && skip(w, take(w, 1));
}

enum tls_hello_result tls_hello_name(const uint8_t *data, size_t len, char name[TLS_NAME_MAX])
{
	struct walk w = { .d = data, .have = len, .end = len };
	long record, hello, exts;

	if (len < 9 || data[0] != RECORD_HANDSHAKE || data[1] != 3 || data[5] != CLIENT_HELLO)
		return TLS_HELLO_MALFORMED;
	record = (long)data[3] << 8 | data[4];
	hello = (long)data[6] << 16 | (long)data[7] << 8 | data[8];
	/* The hello within its record (one longer than a record goes on in the
	 * next, whose header the data would hold: not read past this one). */
	w.end = 9 + (size_t)hello;
	if (w.have > 5 + (size_t)record)
		w.have = 5 + (size_t)record;
	if (w.have > w.end)
		w.have = w.end;
	w.pos = 9;
	if (!skip_to_extensions(&w))
		return w.out;
	if (w.pos == w.end)
		return TLS_HELLO_NO_NAME; /* no extensions at all (RFC 5246 7.4.1.2) */
	exts = take(&w, 2);
	if (exts < 0)
		return w.out;
	if (w.pos + (size_t)exts != w.end)
		return TLS_HELLO_MALFORMED;
	while (w.pos < w.end) {
		long type = take(&w, 2), ext = type < 0 ? -1 : take(&w, 2);
		size_t next = w.pos + (size_t)ext;

		if (ext < 0)
			return w.out;
		if (next > w.end)
			return TLS_HELLO_MALFORMED;
		if (type == EXT_SERVER_NAME) {
			struct walk sni = { .d = data, .pos = w.pos, .have = w.have, .end = next };

			return server_name(&sni, name);
		}
		if (next > w.have)
			return TLS_HELLO_NO_NAME; /* the rest was not captured */
		w.pos = next;
	}
	return TLS_HELLO_NO_NAME;
}
