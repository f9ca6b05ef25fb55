/* SPDX-License-Identifier: Apache-2.0 */
/* ARP/NDP probes over AF_PACKET sockets opened inside the pod namespace. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <sys/socket.h>

#include "netlink/nl.h"
#include "netlink/probe.h"

#define RESEND_MS 100

struct arp_pkt {
	uint16_t hrd, pro;
	uint8_t hln, pln;
	uint16_t op;
	uint8_t sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

struct probe_socks {
	struct rp_nl_probe *p;
	unsigned n;
	int *fd; /* 2 per probe: gateway, conflict (same socket when one family) */
	int err;
};

static uint16_t l3proto(const struct rp_nl_probe *p)
{
	return p->local.family == RP_FAM_V6 ? ETH_P_IPV6 : ETH_P_ARP;
}

static int open_socks(void *arg)
{
	struct probe_socks *ps = arg;

	for (unsigned i = 0; i < ps->n; i++) {
		struct rp_nl_probe *p = &ps->p[i];
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(l3proto(p)),
					   .sll_ifindex = p->ifindex };
		int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(l3proto(p)));
		if (fd < 0)
			return -errno;
		ps->fd[i] = fd;
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			return -errno;
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send_to(int fd, int ifindex, uint16_t proto, const uint8_t *dmac, const void *buf, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto), .sll_ifindex = ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, dmac, 6);
	/* Loss is what the resend timer is for; a send error shows as a silent gateway. */
	(void)sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll));
}

static void send_arp(const struct rp_nl_probe *p, int fd, const uint8_t *spa, const uint8_t *tpa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct arp_pkt a = { .hrd = htons(ARPHRD_ETHER), .pro = htons(ETH_P_IP), .hln = 6, .pln = 4,
			     .op = htons(ARPOP_REQUEST) };

	memcpy(a.sha, p->mac, 6);
	memcpy(a.spa, spa, 4);
	memcpy(a.tpa, tpa, 4);
	send_to(fd, p->ifindex, ETH_P_ARP, bcast, &a, sizeof(a));
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	return s;
}

/* Neighbour solicitation for @target from @src (NULL: ::, i.e. DAD, without the SLLA option). */
static void send_ns(const struct rp_nl_probe *p, int fd, const uint8_t *src, const uint8_t *target)
{
	uint8_t pkt[40 + 24 + 8] = { 0 };
	struct ip6_hdr *ip = (struct ip6_hdr *)pkt;
	uint8_t *icmp = pkt + 40;
	size_t ilen = src ? 32 : 24;
	uint8_t dmac[6] = { 0x33, 0x33, 0xff, target[13], target[14], target[15] };
	uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [13] = target[13], [14] = target[14],
			    [15] = target[15] };
	uint32_t s = 0, plen;
	uint16_t ck;

	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons((uint16_t)ilen);
	ip->ip6_nxt = IPPROTO_ICMPV6;
	ip->ip6_hlim = 255; /* RFC 4861: receivers drop NDP with any other hop limit */
	if (src)
		memcpy(&ip->ip6_src, src, 16);
	memcpy(&ip->ip6_dst, dst, 16);
	icmp[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(icmp + 8, target, 16);
	if (src) {
		icmp[24] = ND_OPT_SOURCE_LINKADDR;
		icmp[25] = 1;
		memcpy(icmp + 26, p->mac, 6);
	}
	s = csum_add(s, &ip->ip6_src, 16);
	s = csum_add(s, &ip->ip6_dst, 16);
	plen = htonl((uint32_t)ilen);
	s = csum_add(s, &plen, 4);
	s += IPPROTO_ICMPV6;
	s = csum_add(s, icmp, ilen);
	ck = htons(csum_fold(s));
	memcpy(icmp + 2, &ck, 2);
	send_to(fd, p->ifindex, ETH_P_IPV6, dmac, pkt, 40 + ilen);
}

static void send_all(struct rp_nl_probe *p, const int *fd, unsigned n)
{
	static const uint8_t zero4[4];

	for (unsigned i = 0; i < n; i++) {
		struct rp_nl_probe *q = &p[i];
		bool v6 = q->local.family == RP_FAM_V6;
		if (q->gateway.family && q->gw_result)
			v6 ? send_ns(q, fd[i], q->local.b, q->gateway.b) : send_arp(q, fd[i], q->local.b, q->gateway.b);
		if (q->conflict)
			v6 ? send_ns(q, fd[i], NULL, q->local.b) : send_arp(q, fd[i], zero4, q->local.b);
	}
}

static void handle(struct rp_nl_probe *q, const uint8_t *buf, ssize_t len, const struct sockaddr_ll *from)
{
	const uint8_t *who = from->sll_addr;

	if (from->sll_pkttype == PACKET_OUTGOING || !memcmp(who, q->mac, 6))
		return;
	if (q->local.family == RP_FAM_V4) {
		const struct arp_pkt *a = (const void *)buf;
		if (len < (ssize_t)sizeof(*a) || a->pro != htons(ETH_P_IP) || a->pln != 4)
			return;
		if (q->gateway.family && q->gw_result && ntohs(a->op) == ARPOP_REPLY && !memcmp(a->spa, q->gateway.b, 4)) {
			q->gw_result = 0;
			memcpy(q->gw_mac, a->sha, 6);
		}
		if (q->conflict && !q->conflict_result && !memcmp(a->spa, q->local.b, 4) && memcmp(a->sha, q->mac, 6)) {
			q->conflict_result = -EADDRINUSE;
			memcpy(q->conflict_mac, a->sha, 6);
		}
		return;
	}
	/* IPv6: a neighbour advertisement directly after the fixed header. */
	if (len < 40 + 24 || buf[6] != IPPROTO_ICMPV6 || buf[40] != ND_NEIGHBOR_ADVERT)
		return;
	const uint8_t *target = buf + 40 + 8;
	if (q->gateway.family && q->gw_result && !memcmp(target, q->gateway.b, 16)) {
		q->gw_result = 0;
		memcpy(q->gw_mac, who, 6);
	}
	if (q->conflict && !q->conflict_result && !memcmp(target, q->local.b, 16)) {
		q->conflict_result = -EADDRINUSE;
		memcpy(q->conflict_mac, who, 6);
	}
}

int rp_nl_probe_run(const char *netns, struct rp_nl_probe *p, unsigned n, unsigned timeout_ms, struct rp_err *e)
{
	struct probe_socks ps = { .p = p, .n = n };
	struct pollfd *pfd = NULL;
	uint64_t deadline, next;
	bool want_conflict = false;
	int err;

	if (!n)
		return 0;
	ps.fd = malloc(n * sizeof(*ps.fd));
	pfd = calloc(n, sizeof(*pfd));
	if (!ps.fd || !pfd) {
		err = rp_err_set(e, -ENOMEM, "probe: out of memory");
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		ps.fd[i] = -1;
		p[i].gw_result = p[i].gateway.family ? -ETIMEDOUT : 0;
		p[i].conflict_result = 0;
		want_conflict |= p[i].conflict;
		if (p[i].local.family != RP_FAM_V4 && p[i].local.family != RP_FAM_V6) {
			err = rp_err_set(e, -EINVAL, "probe on %s: no local address", p[i].ifname ? p[i].ifname : "?");
			goto out;
		}
	}
	err = netns && *netns ? rp_nl_netns_run(netns, open_socks, &ps, e) : open_socks(&ps);
	if (err) {
		rp_err_set(e, err, "probe: open packet sockets in %s: %s", netns && *netns ? netns : "this netns",
			   strerror(-err));
		goto out;
	}
	for (unsigned i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = ps.fd[i], .events = POLLIN };
	deadline = now_ms() + timeout_ms;
	next = 0;
	for (;;) {
		uint64_t t = now_ms();
		bool pending = false;
		for (unsigned i = 0; i < n; i++)
			pending |= p[i].gw_result != 0;
		/* Conflicts are known only by silence, so their probes run until the deadline. */
		if ((!pending && !want_conflict) || t >= deadline)
			break;
		if (t >= next) {
			send_all(p, ps.fd, n);
			next = t + RESEND_MS;
		}
		uint64_t wake = next < deadline ? next : deadline;
		int r = poll(pfd, n, (int)(wake > t ? wake - t : 0));
		if (r < 0 && errno != EINTR) {
			err = rp_err_set(e, -errno, "probe: poll: %s", strerror(errno));
			goto out;
		}
		for (unsigned i = 0; r > 0 && i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				uint8_t buf[1500];
				struct sockaddr_ll from;
				socklen_t fl = sizeof(from);
				ssize_t len = recvfrom(ps.fd[i], buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
				if (len < 0)
					break;
				handle(&p[i], buf, len, &from);
			}
		}
	}
	err = 0;
out:
	if (ps.fd)
		for (unsigned i = 0; i < n; i++)
			if (ps.fd[i] >= 0)
				close(ps.fd[i]);
	free(ps.fd);
	free(pfd);
	return err;
}
