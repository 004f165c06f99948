// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcapng.c - the three block types a sample file needs: one Section Header
 * Block, an Interface Description Block for each interface the first time
 * one of its packets comes, then an Enhanced Packet Block per packet. Blocks
 * are written in host byte order: the section header's byte-order magic
 * tells readers which.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "pcap_scan.h"
#include "pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_PB 0x00000002u  /* the obsolete Packet Block */
#define BT_SPB 0x00000003u /* Simple Packet Block */
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define LINKTYPE_ETHERNET 1
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
#define EPB_INBOUND 1u /* epb_flags bits 0-1: the direction */
#define EPB_OUTBOUND 2u
#define TSRESOL_NS 9 /* 10^-9 s */
/* Longer than any block netmon writes (an EPB is at most 324 bytes): a cut
 * record at the end of a file is shorter than this. */
#define TORN_MAX 4096

struct pcapng {
	FILE *fp;
	char *path;
	unsigned int snaplen;
	uint64_t bytes;
	uint32_t *ifindex; /* interface id i of this file is ifindex[i] */
	unsigned int n_ifaces, cap_ifaces;
};

static unsigned int pad4(size_t n)
{
	return (unsigned int)((4 - n % 4) % 4);
}

static int put(struct pcapng *p, const void *buf, size_t n)
{
	static const uint8_t zeros[4];

	if (n && fwrite(buf, 1, n, p->fp) != n)
		return -EIO;
	if (pad4(n) && fwrite(zeros, 1, pad4(n), p->fp) != pad4(n))
		return -EIO;
	p->bytes += n + pad4(n);
	return 0;
}

static int put32(struct pcapng *p, uint32_t v)
{
	return put(p, &v, 4);
}

/* An option: code, length, value padded to 4 bytes. */
static int put_opt(struct pcapng *p, uint16_t code, const void *val, size_t len)
{
	uint16_t hdr[2] = { code, (uint16_t)len };
	int err = put(p, hdr, sizeof(hdr));

	return err ? err : put(p, val, len);
}

static size_t opt_size(size_t len)
{
	return 4 + len + pad4(len);
}

static int fail(struct pcapng *p, const char *what)
{
	int err = errno ? -errno : -EIO;

	pr_err("cannot %s %s: %s", what, p->path, strerror(-err));
	return err;
}

static int write_shb(struct pcapng *p, const char *comment)
{
	static const char appl[] = "netmon-record";
	size_t len = 24 + opt_size(strlen(comment)) + opt_size(strlen(appl)) + opt_size(0) + 4;
	uint16_t version[2] = { 1, 0 };
	int64_t section_len = -1; /* not given */
	int err;

	err = put32(p, BT_SHB);
	err = err ? err : put32(p, (uint32_t)len);
	err = err ? err : put32(p, BYTE_ORDER_MAGIC);
	err = err ? err : put(p, version, sizeof(version));
	err = err ? err : put(p, &section_len, sizeof(section_len));
	err = err ? err : put_opt(p, OPT_COMMENT, comment, strlen(comment));
	err = err ? err : put_opt(p, OPT_SHB_USERAPPL, appl, strlen(appl));
	err = err ? err : put_opt(p, OPT_END, NULL, 0);
	return err ? err : put32(p, (uint32_t)len);
}

/* The file's interface id for ifindex, its description written on first use. */
static int iface_id(struct pcapng *p, uint32_t ifindex, uint32_t *id)
{
	char name[IF_NAMESIZE] = "";
	uint8_t tsresol = TSRESOL_NS;
	uint16_t link[2] = { LINKTYPE_ETHERNET, 0 };
	size_t len;
	int err;

	for (unsigned int i = 0; i < p->n_ifaces; i++) {
		if (p->ifindex[i] == ifindex) {
			*id = i;
			return 0;
		}
	}
	if (p->n_ifaces == p->cap_ifaces) {
		unsigned int cap = p->cap_ifaces ? 2 * p->cap_ifaces : 8;
		uint32_t *a = realloc(p->ifindex, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->ifindex = a;
		p->cap_ifaces = cap;
	}
	/* A vanished interface keeps its number as its name. */
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "ifindex%u", ifindex);
	len = 16 + opt_size(strlen(name)) + opt_size(1) + opt_size(0) + 4;
	err = put32(p, BT_IDB);
	err = err ? err : put32(p, (uint32_t)len);
	err = err ? err : put(p, link, sizeof(link));
	err = err ? err : put32(p, p->snaplen);
	err = err ? err : put_opt(p, OPT_IF_NAME, name, strlen(name));
	err = err ? err : put_opt(p, OPT_IF_TSRESOL, &tsresol, 1);
	err = err ? err : put_opt(p, OPT_END, NULL, 0);
	err = err ? err : put32(p, (uint32_t)len);
	if (err)
		return err;
	p->ifindex[p->n_ifaces] = ifindex;
	*id = p->n_ifaces++;
	return 0;
}

int pcapng_write(struct pcapng *p, const struct sample_record *r, uint64_t realtime_ns)
{
	uint32_t caplen = r->caplen <= NETMON_SNAP_MAX ? r->caplen : NETMON_SNAP_MAX;
	uint32_t flags = r->direction == NETMON_DIR_OUT ? EPB_OUTBOUND : EPB_INBOUND;
	size_t len = 28 + caplen + pad4(caplen) + opt_size(4) + opt_size(0) + 4;
	uint32_t id, head[5];
	int err;

	errno = 0;
	err = iface_id(p, r->ifindex, &id);
	if (err)
		return err == -ENOMEM ? err : fail(p, "write to");
	head[0] = id;
	head[1] = (uint32_t)(realtime_ns >> 32);
	head[2] = (uint32_t)realtime_ns;
	head[3] = caplen;
	head[4] = r->len;
	err = put32(p, BT_EPB);
	err = err ? err : put32(p, (uint32_t)len);
	err = err ? err : put(p, head, sizeof(head));
	err = err ? err : put(p, r->data, caplen);
	err = err ? err : put_opt(p, OPT_EPB_FLAGS, &flags, 4);
	err = err ? err : put_opt(p, OPT_END, NULL, 0);
	err = err ? err : put32(p, (uint32_t)len);
	return err ? fail(p, "write to") : 0;
}

/* What an existing file holds: where its last whole block ends, its packets. */
static uint32_t order32(uint32_t v, int swapped)
{
	return swapped ? __builtin_bswap32(v) : v;
}

/*
 * One block at sc->end, got (up to 12) bytes of it in head: 1 when it is
 * whole (sc->end moved past it), 0 when it is the cut record a crash leaves
 * at the end of a file, -EINVAL when it is no pcapng block.
 */
static int scan_block(FILE *f, struct pcap_scan *sc, const uint32_t *head, size_t got, int *swapped)
{
	uint64_t left = sc->size - sc->end;
	uint32_t len, trail;

	if (got < 12)
		return left < TORN_MAX ? 0 : -EINVAL;
	if (head[0] == BT_SHB) { /* a section: its byte order */
		if (head[2] != BYTE_ORDER_MAGIC && __builtin_bswap32(head[2]) != BYTE_ORDER_MAGIC)
			return -EINVAL;
		*swapped = head[2] != BYTE_ORDER_MAGIC;
	}
	len = order32(head[1], *swapped);
	if (len < 12 || len % 4 || (head[0] == BT_SHB && len < 28))
		return -EINVAL;
	if (len > left)
		return left < TORN_MAX ? 0 : -EINVAL;
	if (fseeko(f, (off_t)(sc->end + len - 4), SEEK_SET) || fread(&trail, 4, 1, f) != 1 ||
	    order32(trail, *swapped) != len)
		return -EINVAL;
	if (head[0] == BT_EPB || head[0] == BT_SPB || head[0] == BT_PB)
		sc->samples++;
	sc->end += len;
	return 1;
}

/*
 * Walk path's blocks before appending to it. 0 (sc filled; sc->end < sc->size
 * when a crash cut the last record), -ENOENT, or -EINVAL (logged): not a
 * pcapng file, or damaged before its end; netmon leaves such a file alone.
 */
static int scan(const char *path, struct pcap_scan *sc)
{
	uint32_t head[3];
	int swapped = 0, err;
	FILE *f = pcap_scan_open(path, sc, &err);

	if (!f)
		return err;
	while (sc->end < sc->size) {
		size_t got;

		memset(head, 0, sizeof(head));
		if (fseeko(f, (off_t)sc->end, SEEK_SET))
			break;
		got = fread(head, 1, sizeof(head), f);
		/* The first block is a section header, or its first bytes. */
		if (!sc->end && head[0] != BT_SHB &&
		    memcmp(head, &(uint32_t){ BT_SHB }, got < 4 ? got : 4))
			err = -EINVAL;
		else
			err = scan_block(f, sc, head, got, &swapped);
		if (err <= 0)
			break;
		err = 0;
	}
	fclose(f);
	if (err < 0 && !sc->end)
		pr_err("--pcap %s exists and is not a pcapng file: netmon leaves it alone (move it "
		       "away, or name another file)",
		       path);
	else if (err < 0)
		pr_err("--pcap %s is damaged at byte %llu (not a block netmon wrote): netmon "
		       "appends "
		       "only to a file it can read whole (move it away, or name another file)",
		       path, (unsigned long long)sc->end);
	return err < 0 ? -EINVAL : 0;
}

/* The samples of earlier runs stay: a cut record at the end is removed, and
 * what this run writes is a new section after them. */
static int keep_earlier(const char *path, struct pcap_scan *sc)
{
	int err = scan(path, sc);

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	return pcap_scan_keep(path, sc);
}

int pcapng_open(struct pcapng **out, const char *path, const char *comment, unsigned int snaplen)
{
	struct pcapng *p = calloc(1, sizeof(*p));
	struct pcap_scan sc;
	int fd, err;

	*out = NULL;
	if (!p || !(p->path = strdup(path))) {
		free(p);
		return -ENOMEM;
	}
	p->snaplen = snaplen;
	err = keep_earlier(path, &sc);
	if (err) {
		pcapng_close(p);
		return err;
	}
	p->bytes = sc.end;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	p->fp = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!p->fp) {
		err = fail(p, "create");
		if (fd >= 0)
			close(fd);
		pcapng_close(p);
		return err;
	}
	errno = 0;
	if (write_shb(p, comment)) {
		err = fail(p, "write to");
		pcapng_close(p);
		return err;
	}
	*out = p;
	return 0;
}

uint64_t pcapng_bytes(const struct pcapng *p)
{
	return p->bytes;
}

int pcapng_flush(struct pcapng *p)
{
	errno = 0;
	return fflush(p->fp) ? fail(p, "write to") : 0;
}

int pcapng_close(struct pcapng *p)
{
	int err = 0;

	if (!p)
		return 0;
	if (p->fp) {
		errno = 0;
		if (fclose(p->fp))
			err = fail(p, "close");
	}
	free(p->ifindex);
	free(p->path);
	free(p);
	return err;
}
