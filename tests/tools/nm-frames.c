// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nm-frames - send malformed IPv4 frames on an interface, for the end-to-end
 * tests (tests/e2e/anomaly.bats).
 *
 *   nm-frames [-t SECS] IFACE DSTMAC COUNT
 *
 * Each frame is Ethernet to DSTMAC from IFACE's own address, ethertype IPv4,
 * with an IPv4 header whose IHL is 4 (16 bytes, shorter than the 20-byte
 * minimum of RFC 791): netmon counts it as malformed (traffic kind 1), and
 * the receiving kernel drops it without answering. 60 bytes per frame (the
 * Ethernet minimum without FCS). Sent through an AF_PACKET socket, so only on
 * the link given, to the one MAC given. Exit status: 0 all sent, 1 failure
 * or deadline, 64 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_LEN 60
#define MAX_COUNT 100000UL

static void usage(void)
{
	fprintf(stderr, "Usage: nm-frames [-t SECS] IFACE DSTMAC COUNT\n"
			"Send COUNT malformed IPv4 frames (IHL 4) to DSTMAC on IFACE.\n");
}

static void on_alarm(int sig)
{
	static const char msg[] = "nm-frames: deadline reached, giving up\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(1);
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno || *out < 1 || *out > max ? -1 : 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char extra;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
	return 0;
}

/* The frame: Ethernet header, then an IPv4 header that claims 16 bytes. */
static void build_frame(unsigned char *f, const unsigned char dst[6], const unsigned char src[6])
{
	memset(f, 0, FRAME_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08; /* ETH_P_IP */
	f[13] = 0x00;
	f[14] = 0x44; /* version 4, IHL 4: malformed */
	f[16] = 0x00; /* total length 46: the rest of the frame */
	f[17] = FRAME_LEN - 14;
	f[22] = 64; /* TTL */
	f[23] = 17; /* UDP, never parsed */
}

int main(int argc, char **argv)
{
	unsigned long timeout = 10, count;
	unsigned char dst[6], frame[FRAME_LEN];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int opt, fd;

	while ((opt = getopt(argc, argv, "+t:h")) != -1) {
		if (opt == 't' && !parse_count(optarg, 3600, &timeout))
			continue;
		usage();
		return opt == 'h' ? 0 : 64;
	}
	if (argc - optind != 3 || strlen(argv[optind]) >= IFNAMSIZ ||
	    parse_mac(argv[optind + 1], dst) || parse_count(argv[optind + 2], MAX_COUNT, &count)) {
		usage();
		return 64;
	}
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)timeout);

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: send only */
	if (fd < 0) {
		perror("nm-frames: socket");
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[optind]);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    !(sll.sll_ifindex = (int)if_nametoindex(ifr.ifr_name))) {
		fprintf(stderr, "nm-frames: interface %s: %s\n", ifr.ifr_name, strerror(errno));
		return 1;
	}
	build_frame(frame, dst, (const unsigned char *)ifr.ifr_hwaddr.sa_data);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dst, 6);
	for (unsigned long i = 0; i < count; i++) {
		if (sendto(fd, frame, FRAME_LEN, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
		    FRAME_LEN) {
			fprintf(stderr, "nm-frames: send %lu of %lu: %s\n", i + 1, count,
				strerror(errno));
			return 1;
		}
	}
	close(fd);
	printf("nm-frames iface=%s frames=%lu bytes=%lu\n", ifr.ifr_name, count, count * FRAME_LEN);
	return 0;
}
