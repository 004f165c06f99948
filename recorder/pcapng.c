// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcapng.c - the three block types a sample file needs: one Section Header
 * Block, an Interface Description Block for each interface the first time
 * one of its packets comes, then an Enhanced Packet Block per packet. Blocks
 * are written in host byte order: the section header's byte-order magic
 * tells readers which.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
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

int pcapng_open(struct pcapng **out, const char *path, const char *comment,
		unsigned int snaplen)
{
	struct pcapng *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p || !(p->path = strdup(path))) {
		free(p);
		return -ENOMEM;
	}
	p->snaplen = snaplen;
	p->fp = fopen(path, "we");
	if (!p->fp) {
		err = fail(p, "create");
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
