// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcap_scan.c - keep what a sample file holds before appending (pcap_scan.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "pcap_scan.h"

FILE *pcap_scan_open(const char *path, struct pcap_scan *sc, int *err)
{
	FILE *f = fopen(path, "re");
	struct stat st;

	memset(sc, 0, sizeof(*sc));
	*err = 0;
	if (!f) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		pr_err("--pcap %s is not a regular file", path);
		fclose(f);
		*err = -EINVAL;
		return NULL;
	}
	sc->size = (uint64_t)st.st_size;
	return f;
}

int pcap_scan_keep(const char *path, const struct pcap_scan *sc)
{
	if (sc->end < sc->size) {
		pr_warn("--pcap %s: removing the last %llu bytes, a record cut short (by a crash) "
			"that no reader can use",
			path, (unsigned long long)(sc->size - sc->end));
		if (truncate(path, (off_t)sc->end)) {
			pr_err("cannot truncate %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	if (sc->end)
		pr_info("--pcap %s: appending to the %llu samples it holds", path,
			(unsigned long long)sc->samples);
	return 0;
}
