/*
 * The floor for `make bench` (issue 17): only the syscalls VRRPv3 over IPv6
 * needs for N instances at 0.1 s on one interface, nothing else (no config,
 * no VIPs, no logging on the hot path). The bench runs it where it runs the
 * daemons, so every idle-CPU row can say how far a daemon is from the
 * kernel's own cost.
 *
 *   floor master packet|batch|poll N IFACE
 *   floor backup packet|batch|poll N IFACE [HOLD_US]
 *
 * master: VRIDs 1..N at priority 200 advertise every 0.1 s to ff02::12 from
 *   a raw IPv6 socket, hop limit 255; the kernel writes the header and, as
 *   for keepalived, the checksum (IPV6_CHECKSUM; tinyvrrpd sums its own).
 *   packet: a timerfd per instance (periodic), a read and a sendto per
 *           advert.
 *   batch:  one timerfd for the tick; the tick's due adverts go out with one
 *           sendmmsg.
 *   poll:   the product's fixed design at its cheapest: a periodic timerfd
 *           per instance, all in one poll(2) set with the socket; a read
 *           per fired timerfd, the tick's adverts with one sendmmsg.
 * backup: VRIDs 1..N at priority 100 (master-down 3 x 0.1 s + skew
 *   60.9375 ms) take the adverts (version/type, hop limit 255, VRID in
 *   range; the kernel checks the checksum) and keep their master-down
 *   timers lazily: an advert only records its time; a timer that fires
 *   re-arms at the last advert + master-down, or reports "master down".
 *   packet: a timerfd per instance, one recvmsg per advert.
 *   batch:  one timerfd at the earliest deadline, the socket drained with
 *           recvmmsg in batches of 64 at once and, when that took fewer
 *           than N adverts (a master's burst still arriving), again after
 *           a hold-off (HOLD_US, default 1000 us; 0: none): a burst costs
 *           about two wakeups, not one per few adverts (an advert that
 *           needs action waits at most the hold-off more).
 *   poll:   the fixed design at its cheapest: a timerfd per instance, armed
 *           lazily (re-armed only when it fires), all in one poll(2) set with
 *           the socket, which is drained as in batch.
 *
 * packet and batch wait on epoll, poll on poll(2). Runs until a signal ends
 * it (SIGTERM's default action).
 * Prints one "ready" line once set up, and "master down" lines should a
 * master-down timer ever expire (the bench counts them).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define IPPROTO_VRRP 112
#define MAX_INST 255
#define BATCH 64
#define INTERVAL_NS 100000000LL
/* 3 x interval + skew, skew = (256 - 100) x interval / 256 (RFC 5798). */
#define MASTER_DOWN_NS (3 * INTERVAL_NS + (256 - 100) * INTERVAL_NS / 256)
#define TAG_SOCK 0xffff
/* The batched backup's hold-off after a wakeup (see hold_off), by default. */
#define HOLD_US 1000

/* The variants. */
enum { PACKET, BATCH_MODE, POLL };
static int n_inst, mode, ifindex;
static long hold_us = HOLD_US;
static unsigned char adverts[MAX_INST + 1][24];
static int64_t last_ns[MAX_INST + 1];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };
	return ts;
}

static void setopt(int fd, int level, int name, int value, const char *what)
{
	if (setsockopt(fd, level, name, &value, sizeof value) < 0)
		die(what);
}

static int raw6(void)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_VRRP);
	if (fd < 0)
		die("socket(AF_INET6, SOCK_RAW, 112)");
	/* The VRRP checksum is at offset 6: the kernel fills and checks it. */
	setopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
	setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
	setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
	setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
	return fd;
}

static void group(struct in6_addr *g)
{
	inet_pton(AF_INET6, "ff02::12", g);
}

static void watch(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

static int timer_at(int64_t first_ns, int64_t period_ns)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (fd < 0)
		die("timerfd_create");
	struct itimerspec its = { ts_of(period_ns), ts_of(first_ns) };
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		die("timerfd_settime");
	return fd;
}

static void arm(int fd, int64_t at_ns)
{
	struct itimerspec its = { { 0, 0 }, ts_of(at_ns) };
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		die("timerfd_settime");
}

static void drain_timer(int fd)
{
	uint64_t expirations;
	if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
		die("read(timerfd)");
}

/* VRRPv3 advert: version 3 type 1, VRID, priority 200, one IPv6 address,
 * max advert interval 10 cs, checksum (kernel), 2001:db8::1:VRID. */
static void build_adverts(void)
{
	for (int v = 1; v <= n_inst; v++) {
		unsigned char *a = adverts[v];
		memset(a, 0, sizeof adverts[v]);
		a[0] = 0x31;
		a[1] = (unsigned char)v;
		a[2] = 200;
		a[3] = 1;
		a[5] = 10;
		a[8] = 0x20;
		a[9] = 0x01;
		a[10] = 0x0d;
		a[11] = 0xb8;
		a[21] = 1;
		a[23] = (unsigned char)v;
	}
}

static void master_packet(int ep, int fd, struct sockaddr_in6 *to)
{
	int tfd[MAX_INST + 1];
	int64_t start = now_ns() + INTERVAL_NS;
	for (int v = 1; v <= n_inst; v++) {
		tfd[v] = timer_at(start, INTERVAL_NS);
		watch(ep, tfd[v], (uint32_t)v);
	}
	printf("floor: master packet %d ready\n", n_inst);
	fflush(stdout);
	struct epoll_event evs[MAX_INST];
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_INST, -1);
		for (int i = 0; i < n; i++) {
			int v = (int)evs[i].data.u32;
			drain_timer(tfd[v]);
			if (sendto(fd, adverts[v], sizeof adverts[v], 0,
				   (struct sockaddr *)to, sizeof *to) < 0)
				perror("sendto");
		}
	}
}

/* Sends the n messages with sendmmsg, as many calls as it takes. */
static void send_all(int fd, struct mmsghdr *msgs, int n)
{
	for (int sent = 0; sent < n;) {
		int k = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
		if (k <= 0) {
			perror("sendmmsg");
			return;
		}
		sent += k;
	}
}

static void master_batch(int ep, int fd, struct sockaddr_in6 *to)
{
	static struct mmsghdr msgs[MAX_INST];
	static struct iovec iov[MAX_INST];
	for (int v = 1; v <= n_inst; v++) {
		iov[v - 1] = (struct iovec){ adverts[v], sizeof adverts[v] };
		msgs[v - 1].msg_hdr = (struct msghdr){
			.msg_name = to, .msg_namelen = sizeof *to,
			.msg_iov = &iov[v - 1], .msg_iovlen = 1,
		};
	}
	int tfd = timer_at(now_ns() + INTERVAL_NS, INTERVAL_NS);
	watch(ep, tfd, 0);
	printf("floor: master batch %d ready\n", n_inst);
	fflush(stdout);
	struct epoll_event ev;
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) < 1)
			continue;
		drain_timer(tfd);
		/* Every instance is due at each tick (same phase). */
		send_all(fd, msgs, n_inst);
	}
}

/* The fixed design's master: poll(2) over every instance's timerfd (same
 * phase, so a tick wakes once), a read per fired timerfd, the due adverts
 * with one sendmmsg. */
static void master_poll(int fd, struct sockaddr_in6 *to)
{
	static struct pollfd pfd[MAX_INST + 1];
	static struct mmsghdr msgs[MAX_INST];
	static struct iovec iov[MAX_INST];
	int64_t start = now_ns() + INTERVAL_NS;
	pfd[0] = (struct pollfd){ .fd = fd, .events = 0 };
	for (int v = 1; v <= n_inst; v++)
		pfd[v] = (struct pollfd){ .fd = timer_at(start, INTERVAL_NS), .events = POLLIN };
	printf("floor: master poll %d ready\n", n_inst);
	fflush(stdout);
	for (;;) {
		if (poll(pfd, (nfds_t)n_inst + 1, -1) < 1)
			continue;
		int due = 0;
		for (int v = 1; v <= n_inst; v++) {
			if (!(pfd[v].revents & POLLIN))
				continue;
			drain_timer(pfd[v].fd);
			iov[due] = (struct iovec){ adverts[v], sizeof adverts[v] };
			msgs[due].msg_hdr = (struct msghdr){
				.msg_name = to, .msg_namelen = sizeof *to,
				.msg_iov = &iov[due], .msg_iovlen = 1,
			};
			due++;
		}
		send_all(fd, msgs, due);
	}
}

static void master(void)
{
	int fd = raw6();
	int ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
	group(&to.sin6_addr);
	build_adverts();
	if (mode == BATCH_MODE)
		master_batch(ep, fd, &to);
	else if (mode == POLL)
		master_poll(fd, &to);
	else
		master_packet(ep, fd, &to);
}

/* An advert we take: VRRPv3 advertisement, hop limit 255 (from the control
 * message), a VRID we run. The VRID, or 0. */
static int accept_advert(const unsigned char *p, ssize_t len, struct msghdr *mh)
{
	if (len < 8 || p[0] != 0x31 || p[1] == 0 || p[1] > n_inst)
		return 0;
	int hops = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&hops, CMSG_DATA(c), sizeof hops);
	return hops == 255 ? p[1] : 0;
}

static void master_down(int v)
{
	printf("floor: VRID %d master down (last advert %lld ms ago)\n", v,
	       (long long)((now_ns() - last_ns[v]) / 1000000));
	fflush(stdout);
	last_ns[v] = now_ns();
}

struct rx {
	unsigned char buf[256];
	char ctl[CMSG_SPACE(sizeof(int)) * 2];
	struct sockaddr_in6 from;
	struct iovec iov;
};

static void rx_init(struct rx *r, struct msghdr *mh)
{
	r->iov = (struct iovec){ r->buf, sizeof r->buf };
	*mh = (struct msghdr){
		.msg_name = &r->from, .msg_namelen = sizeof r->from,
		.msg_iov = &r->iov, .msg_iovlen = 1,
		.msg_control = r->ctl, .msg_controllen = sizeof r->ctl,
	};
}

static int backup_socket(void)
{
	int fd = raw6();
	setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
	struct ipv6_mreq mreq = { .ipv6mr_interface = ifindex };
	group(&mreq.ipv6mr_multiaddr);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
		die("IPV6_ADD_MEMBERSHIP");
	return fd;
}

static void backup_packet(int ep, int fd)
{
	int tfd[MAX_INST + 1];
	int64_t start = now_ns();
	for (int v = 1; v <= n_inst; v++) {
		last_ns[v] = start;
		tfd[v] = timer_at(start + MASTER_DOWN_NS, 0);
		watch(ep, tfd[v], (uint32_t)v);
	}
	watch(ep, fd, TAG_SOCK);
	printf("floor: backup packet %d ready\n", n_inst);
	fflush(stdout);
	static struct rx r;
	struct msghdr mh;
	struct epoll_event evs[MAX_INST + 1];
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_INST + 1, -1);
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;
			if (tag != TAG_SOCK) {
				int v = (int)tag;
				drain_timer(tfd[v]);
				if (now_ns() >= last_ns[v] + MASTER_DOWN_NS)
					master_down(v);
				arm(tfd[v], last_ns[v] + MASTER_DOWN_NS);
				continue;
			}
			for (;;) {
				rx_init(&r, &mh);
				ssize_t len = recvmsg(fd, &mh, 0);
				if (len < 0)
					break;
				int v = accept_advert(r.buf, len, &mh);
				if (v)
					last_ns[v] = now_ns();
			}
		}
	}
}

/* Drains the socket with recvmmsg; one clock read per batch. The number of
 * datagrams taken. */
static int drain_batches(int fd)
{
	static struct rx r[BATCH];
	static struct mmsghdr msgs[BATCH];
	int total = 0;
	for (;;) {
		for (int i = 0; i < BATCH; i++)
			rx_init(&r[i], &msgs[i].msg_hdr);
		int k = recvmmsg(fd, msgs, BATCH, 0, NULL);
		if (k <= 0)
			return total;
		total += k;
		int64_t now = now_ns();
		for (int i = 0; i < k; i++) {
			int v = accept_advert(r[i].buf, msgs[i].msg_len, &msgs[i].msg_hdr);
			if (v)
				last_ns[v] = now;
		}
		if (k < BATCH)
			return total;
	}
}

/* A master sends a tick's adverts in a burst that takes a while to cross
 * the LAN: woken by its first advert, the backup waits hold_us before it
 * drains again, so the burst comes in two batches rather than one wakeup per
 * few adverts. An advert that needs action (priority 0, a better master)
 * waits at most that long. */
static void hold_off(void)
{
	struct timespec ts = ts_of(hold_us * 1000LL);
	if (hold_us > 0)
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static int64_t earliest_deadline(void)
{
	int64_t now = now_ns(), first = INT64_MAX;
	for (int v = 1; v <= n_inst; v++) {
		if (now >= last_ns[v] + MASTER_DOWN_NS)
			master_down(v);
		if (last_ns[v] + MASTER_DOWN_NS < first)
			first = last_ns[v] + MASTER_DOWN_NS;
	}
	return first;
}

static void backup_batch(int ep, int fd)
{
	int64_t start = now_ns();
	for (int v = 1; v <= n_inst; v++)
		last_ns[v] = start;
	int tfd = timer_at(start + MASTER_DOWN_NS, 0);
	watch(ep, tfd, 0);
	watch(ep, fd, TAG_SOCK);
	printf("floor: backup batch %d ready\n", n_inst);
	fflush(stdout);
	struct epoll_event evs[2];
	for (;;) {
		int n = epoll_wait(ep, evs, 2, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_SOCK) {
				/* Fewer than a tick's adverts: the burst is
				 * still arriving. */
				if (drain_batches(fd) < n_inst) {
					hold_off();
					drain_batches(fd);
				}
				continue;
			}
			drain_timer(tfd);
			arm(tfd, earliest_deadline());
		}
	}
}

/* The fixed design's backup: poll(2) over the socket and every instance's
 * timerfd, armed lazily (an advert records its time; a timer that fires
 * re-arms at the last advert + master-down); the socket drained in batches
 * with the hold-off, as in backup_batch. */
static void backup_poll(int fd)
{
	static struct pollfd pfd[MAX_INST + 1];
	int64_t start = now_ns();
	pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (int v = 1; v <= n_inst; v++) {
		last_ns[v] = start;
		pfd[v] = (struct pollfd){ .fd = timer_at(start + MASTER_DOWN_NS, 0), .events = POLLIN };
	}
	printf("floor: backup poll %d ready\n", n_inst);
	fflush(stdout);
	for (;;) {
		if (poll(pfd, (nfds_t)n_inst + 1, -1) < 1)
			continue;
		if (pfd[0].revents & POLLIN) {
			if (drain_batches(fd) < n_inst) {
				hold_off();
				drain_batches(fd);
			}
		}
		for (int v = 1; v <= n_inst; v++) {
			if (!(pfd[v].revents & POLLIN))
				continue;
			drain_timer(pfd[v].fd);
			if (now_ns() >= last_ns[v] + MASTER_DOWN_NS)
				master_down(v);
			arm(pfd[v].fd, last_ns[v] + MASTER_DOWN_NS);
		}
	}
}

static void backup(void)
{
	int fd = backup_socket();
	int ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	if (mode == BATCH_MODE)
		backup_batch(ep, fd);
	else if (mode == POLL)
		backup_poll(fd);
	else
		backup_packet(ep, fd);
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: floor master|backup packet|batch|poll N IFACE [HOLD_US]\n");
		return 2;
	}
	if (!strcmp(argv[2], "batch"))
		mode = BATCH_MODE;
	else if (!strcmp(argv[2], "poll"))
		mode = POLL;
	else if (strcmp(argv[2], "packet")) {
		fprintf(stderr, "floor: packet, batch or poll\n");
		return 2;
	}
	if (argc == 6)
		hold_us = atol(argv[5]);
	n_inst = atoi(argv[3]);
	ifindex = (int)if_nametoindex(argv[4]);
	if (n_inst < 1 || n_inst > MAX_INST || ifindex == 0) {
		fprintf(stderr, "floor: N in 1..%d and an existing IFACE\n", MAX_INST);
		return 2;
	}
	if (!strcmp(argv[1], "master"))
		master();
	else if (!strcmp(argv[1], "backup"))
		backup();
	fprintf(stderr, "floor: master or backup\n");
	return 2;
}
