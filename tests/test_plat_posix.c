/* test_plat_posix.c - >>plat-posix: clocks, randomness, UDP and TCP on loopback (IPv4 and, when
   the host has it, IPv6), the socket table, getaddrinfo on numeric names and /etc/hosts,
   getifaddrs, kvs_posix_wait and kvs_posix_log. Real sockets; every wait is bounded (about 2 s at
   most) and nothing sleeps. No test needs DNS or the Internet. */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KVS_T_PX_BIG (1u << 20) /* bytes moved each way in the TCP tests */

static kvs_time kvs_t_px_deadline(unsigned ms) {
    return kvs_posix_now(NULL) + KVS_MSEC(ms);
}

static kvs_addr kvs_t_px_addr(const char *s, uint16_t port) {
    kvs_addr a;
    kvs_result r = kvs__util_addr_parse(&a, s, strlen(s), port);
    KVS_ASSERT(r == KVS_OK);
    (void)r;
    return a;
}

static const char *kvs_t_px_loopback(int family) {
    return family == KVS_AF_INET6 ? "::1" : "127.0.0.1";
}

/* 1 when an IPv6 socket can be bound to ::1 here (containers without IPv6 skip those tests). */
static int kvs_t_px_have_v6(void) {
    struct sockaddr_in6 sin6;
    int ok, fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0)
        return 0;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    ok = bind(fd, (struct sockaddr *)&sin6, (socklen_t)sizeof sin6) == 0;
    close(fd);
    if (!ok)
        printf("    (no IPv6 loopback here: IPv6 checks skipped)\n");
    return ok;
}

static void kvs_t_px_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL, 0);
    CHECK(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}

/* A plain BSD listening TCP socket on the loopback of `family`, port chosen by the kernel;
   its address goes to *addr. -1 on failure. */
static int kvs_t_px_listen(int family, kvs_addr *addr) {
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, on = 1, small = 65536;
    *addr = kvs_t_px_addr(kvs_t_px_loopback(family), 0);
    if (kvs__posix_to_sockaddr(addr, &ss, &len) != 0)
        return -1;
    fd = socket(family == KVS_AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, (socklen_t)sizeof on);
    /* small buffers, inherited by accepted sockets, so that 1 MiB cannot sit in the kernel */
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, (socklen_t)sizeof small);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, (socklen_t)sizeof small);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4) != 0) {
        close(fd);
        return -1;
    }
    len = (socklen_t)sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
        kvs__posix_from_sockaddr((struct sockaddr *)&ss, addr) != 0) {
        close(fd);
        return -1;
    }
    kvs_t_px_nonblock(fd);
    return fd;
}

/* Wait (at most ms) until fd has `events`; 1 when it has. */
static int kvs_t_px_poll_fd(int fd, short events, int ms) {
    struct pollfd p;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    return poll(&p, 1, ms) == 1;
}

/* Accept one connection within 2 s; the accepted socket is made non-blocking. -1 on timeout. */
static int kvs_t_px_accept(int lfd) {
    int fd;
    if (!kvs_t_px_poll_fd(lfd, POLLIN, 2000))
        return -1;
    fd = accept(lfd, NULL, NULL);
    if (fd >= 0)
        kvs_t_px_nonblock(fd);
    return fd;
}

/* udp_recv, waiting with kvs_posix_wait until something arrives or the deadline passes. */
static int kvs_t_px_udp_recv_by(kvs_posix *px, kvs_sock s, kvs_addr *from, void *p, size_t cap,
                                kvs_time deadline) {
    for (;;) {
        int r = kvs_posix_udp_recv(px, s, from, p, cap);
        if (r != 0 || kvs_posix_now(NULL) >= deadline)
            return r;
        if (kvs_posix_wait(px, deadline) < 0)
            return KVS_ERR_IO;
    }
}

/* tcp_recv into p[0..n) until n bytes, an error or the deadline. Bytes read, or the error. */
static int kvs_t_px_tcp_recv_all(kvs_posix *px, kvs_sock s, void *p, size_t n, kvs_time deadline) {
    size_t got = 0;
    while (got < n) {
        int r = kvs_posix_tcp_recv(px, s, (uint8_t *)p + got, n - got);
        if (r < 0)
            return r;
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (kvs_posix_now(NULL) >= deadline)
            break;
        (void)kvs_posix_wait(px, deadline);
    }
    return (int)got;
}

/* tcp_send all of p[0..n) (0 = connecting / would block: wait), within the deadline. */
static int kvs_t_px_tcp_send_all(kvs_posix *px, kvs_sock s, const void *p, size_t n,
                                 kvs_time deadline) {
    size_t sent = 0;
    while (sent < n) {
        int r = kvs_posix_tcp_send(px, s, (const uint8_t *)p + sent, n - sent);
        if (r < 0)
            return r;
        if (r > 0) {
            sent += (size_t)r;
            continue;
        }
        if (kvs_posix_now(NULL) >= deadline)
            break;
        (void)kvs_posix_wait(px, KVS__MIN(deadline, kvs_t_px_deadline(5)));
    }
    return (int)sent;
}

/* recv on a plain socket until n bytes or the deadline (poll-bounded). */
static size_t kvs_t_px_fd_recv_all(int fd, void *p, size_t n, kvs_time deadline) {
    size_t got = 0;
    while (got < n && kvs_posix_now(NULL) < deadline) {
        ssize_t r = recv(fd, (uint8_t *)p + got, n - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0)
            break;
        else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            (void)kvs_t_px_poll_fd(fd, POLLIN, 10);
        else
            break;
    }
    return got;
}

static uint8_t kvs_t_px_pattern(size_t i, unsigned seed) {
    return (uint8_t)((i * 131u + (i >> 9) + seed) & 0xffu);
}

/* --- init, platform, clocks, random ----------------------------------------------------------- */

static void test_posix_init_platform(void) {
    kvs_posix px;
    kvs_platform pf;
    int i, all_free = 1;
    memset(&px, 0x5a, sizeof px);
    kvs_posix_init(&px);
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++)
        all_free = all_free && px.priv.fd[i] == -1;
    CHECK(all_free);
    CHECK_EQ(px.priv.truncated, 0);
    CHECK_EQ(px.log_level, 0);
    memset(&pf, 0x5a, sizeof pf);
    kvs_posix_platform(&px, &pf);
    CHECK(pf.user == &px);
    CHECK(pf.now == kvs_posix_now);
    CHECK(pf.unix_time == kvs_posix_unix_time);
    CHECK(pf.random == kvs_posix_random);
    CHECK(pf.udp_open == kvs_posix_udp_open);
    CHECK(pf.udp_send == kvs_posix_udp_send);
    CHECK(pf.udp_recv == kvs_posix_udp_recv);
    CHECK(pf.tcp_connect == kvs_posix_tcp_connect);
    CHECK(pf.tcp_send == kvs_posix_tcp_send);
    CHECK(pf.tcp_recv == kvs_posix_tcp_recv);
    CHECK(pf.sock_close == kvs_posix_sock_close);
    CHECK(pf.resolve == kvs_posix_resolve);
    CHECK(pf.local_addresses == kvs_posix_local_addresses);
    CHECK(pf.log == kvs_posix_log);
    CHECK(pf.alloc == NULL);
    CHECK(pf.free == NULL);
    kvs_posix_deinit(&px);
    kvs_posix_deinit(&px); /* twice is harmless */
    kvs_posix_init(NULL);
    kvs_posix_deinit(NULL);
    kvs_posix_platform(&px, NULL);
}

static void test_posix_clocks(void) {
    kvs_time t0 = kvs_posix_now(NULL), prev = t0, t = t0;
    int i, monotonic = 1;
    long spins = 0;
    CHECK(t0 > 0);
    for (i = 0; i < 10000; i++) {
        t = kvs_posix_now(NULL);
        monotonic = monotonic && t >= prev;
        prev = t;
    }
    CHECK(monotonic);
    while (kvs_posix_now(NULL) == t && spins < 100000000L)
        spins++;
    CHECK(kvs_posix_now(NULL) > t); /* it advances */
    CHECK(kvs_posix_unix_time(NULL) > 1700000000);
    CHECK(kvs_posix_unix_time(NULL) < 4102444800); /* before 2100 */
}

static void test_posix_random(void) {
    uint8_t a[64], b[64], acc[64];
    uint8_t *big;
    int i, k, all = 1;
    CHECK_EQ(kvs_posix_random(NULL, a, 0), 0);
    CHECK_EQ(kvs_posix_random(NULL, NULL, 0), 0);
    CHECK_EQ(kvs_posix_random(NULL, NULL, 16), KVS_ERR_INVALID_ARG);
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_EQ(kvs_posix_random(NULL, a, sizeof a), 0);
    CHECK_EQ(kvs_posix_random(NULL, b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    /* every byte is written: OR eight fills of a zeroed buffer (a byte staying 0 in all of them
       has probability 2^-64) */
    memset(acc, 0, sizeof acc);
    for (k = 0; k < 8; k++) {
        memset(a, 0, sizeof a);
        CHECK_EQ(kvs_posix_random(NULL, a, sizeof a), 0);
        for (i = 0; i < 64; i++)
            acc[i] = (uint8_t)(acc[i] | a[i]);
    }
    for (i = 0; i < 64; i++)
        all = all && acc[i] != 0;
    CHECK(all);
    /* more than one getrandom call may be needed */
    big = (uint8_t *)calloc(1, 1u << 20);
    CHECK(big != NULL);
    if (big) {
        CHECK_EQ(kvs_posix_random(NULL, big, 1u << 20), 0);
        all = 0;
        for (i = (1 << 20) - 64; i < (1 << 20); i++)
            all = all || big[i] != 0;
        CHECK(all);
        free(big);
    }
}

/* --- UDP -------------------------------------------------------------------------------------- */

static void kvs_t_px_udp(int family) {
    kvs_posix px;
    kvs_addr la, a_bound, b_bound, from, other;
    kvs_sock a = KVS_SOCK_INVALID, b = KVS_SOCK_INVALID;
    uint8_t buf[256];
    kvs_time dl = kvs_t_px_deadline(2000);
    kvs_posix_init(&px);
    la = kvs_t_px_addr(kvs_t_px_loopback(family), 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &a, &a_bound), 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &b, &b_bound), 0);
    CHECK(a != KVS_SOCK_INVALID && b != KVS_SOCK_INVALID && a != b);
    CHECK_EQ(a_bound.family, family);
    CHECK(a_bound.port != 0 && b_bound.port != 0 && a_bound.port != b_bound.port);
    CHECK(kvs__util_addr_is_loopback(&a_bound));
    CHECK_MEM(a_bound.ip, la.ip, 16);
    /* the socket is non-blocking and close-on-exec */
    CHECK((fcntl((int)a, F_GETFL, 0) & O_NONBLOCK) != 0);
    CHECK((fcntl((int)a, F_GETFD, 0) & FD_CLOEXEC) != 0);

    /* nothing queued */
    CHECK_EQ(kvs_posix_udp_recv(&px, b, &from, buf, sizeof buf), 0);

    /* a -> b */
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "ping", 4), 4);
    CHECK_EQ(kvs_t_px_udp_recv_by(&px, b, &from, buf, sizeof buf, dl), 4);
    CHECK_MEM(buf, "ping", 4);
    CHECK(kvs__util_addr_equal(&from, &a_bound));
    CHECK_EQ(from.family, family);
    /* b -> a */
    CHECK_EQ(kvs_posix_udp_send(&px, b, &a_bound, "pong!", 5), 5);
    CHECK_EQ(kvs_t_px_udp_recv_by(&px, a, &from, buf, sizeof buf, dl), 5);
    CHECK_MEM(buf, "pong!", 5);
    CHECK(kvs__util_addr_equal(&from, &b_bound));
    CHECK_EQ(kvs_posix_udp_recv(&px, a, &from, buf, sizeof buf), 0);

    /* a 0-length datagram is skipped (0 means "nothing"), the next one is returned */
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "", 0), 0);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "x", 1), 1);
    CHECK_EQ(kvs_t_px_udp_recv_by(&px, b, &from, buf, sizeof buf, dl), 1);
    CHECK_EQ(buf[0], 'x');

    /* family mismatch, wrong kind, unknown handle, NULL */
    other = kvs_t_px_addr(family == KVS_AF_INET6 ? "127.0.0.1" : "::1", b_bound.port);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &other, "x", 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_send(&px, (kvs_sock)100000, &b_bound, "x", 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_send(&px, KVS_SOCK_INVALID, &b_bound, "x", 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_recv(&px, (kvs_sock)100000, &from, buf, sizeof buf),
             KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_send(&px, a, NULL, "x", 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, NULL, 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_send(NULL, a, &b_bound, "x", 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_recv(&px, a, NULL, buf, sizeof buf), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_tcp_send(&px, a, "x", 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_tcp_recv(&px, a, buf, sizeof buf), KVS_ERR_INVALID_ARG);

    /* binding a port in use fails; bound may be NULL */
    CHECK_EQ(kvs_posix_udp_open(&px, &a_bound, &b, NULL), KVS_ERR_IO);
    CHECK(b == KVS_SOCK_INVALID);
    la.family = KVS_AF_NONE;
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &b, NULL), KVS_ERR_INVALID_ARG);

    kvs_posix_sock_close(&px, a);
    CHECK_EQ(kvs_posix_udp_recv(&px, a, &from, buf, sizeof buf), KVS_ERR_INVALID_ARG);
    kvs_posix_sock_close(&px, a); /* unknown now: ignored */
    kvs_posix_deinit(&px);
}

static void test_posix_udp_v4(void) {
    kvs_t_px_udp(KVS_AF_INET);
}

static void test_posix_udp_v6(void) {
    if (kvs_t_px_have_v6())
        kvs_t_px_udp(KVS_AF_INET6);
}

static void test_posix_udp_truncated(void) {
    kvs_posix px;
    kvs_addr la, a_bound, b_bound, from;
    kvs_sock a, b;
    uint8_t big[100], buf[50];
    kvs_time dl = kvs_t_px_deadline(2000);
    int r;
    kvs_posix_init(&px);
    la = kvs_t_px_addr("127.0.0.1", 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &a, &a_bound), 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &b, &b_bound), 0);
    memset(big, 'B', sizeof big);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, big, sizeof big), (int)sizeof big);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "small", 5), 5);
    r = kvs_t_px_udp_recv_by(&px, b, &from, buf, sizeof buf, dl);
    CHECK_EQ(r, 5);
    CHECK_MEM(buf, "small", 5);
    CHECK_EQ(px.priv.truncated, 1);
    CHECK(kvs__util_addr_equal(&from, &a_bound));
    /* exactly cap bytes fit */
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, big, sizeof buf), (int)sizeof buf);
    CHECK_EQ(kvs_t_px_udp_recv_by(&px, b, &from, buf, sizeof buf, dl), (int)sizeof buf);
    CHECK_EQ(px.priv.truncated, 1);
    /* cap 0 takes nothing off the queue */
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "q", 1), 1);
    CHECK(kvs_posix_wait(&px, dl) > 0);
    CHECK_EQ(kvs_posix_udp_recv(&px, b, &from, NULL, 0), 0);
    CHECK_EQ(kvs_posix_udp_recv(&px, b, &from, buf, sizeof buf), 1);
    CHECK_EQ(px.priv.truncated, 1);
    kvs_posix_deinit(&px);
}

/* --- TCP -------------------------------------------------------------------------------------- */

static void kvs_t_px_tcp(int family) {
    kvs_posix px;
    kvs_addr srv;
    kvs_sock c = KVS_SOCK_INVALID;
    int lfd, sfd = -1, r, closed = 0, i, blocked, bufsz = 65536;
    uint8_t buf[64];
    uint8_t *tx = (uint8_t *)malloc(KVS_T_PX_BIG), *rx = (uint8_t *)malloc(KVS_T_PX_BIG);
    size_t k, sent, got;
    kvs_time dl = kvs_t_px_deadline(2000);
    kvs_posix_init(&px);
    lfd = kvs_t_px_listen(family, &srv);
    CHECK(lfd >= 0 && tx && rx);
    if (lfd < 0 || !tx || !rx)
        goto done;
    CHECK_EQ(kvs_posix_tcp_connect(&px, &srv, &c), 0);
    CHECK(c != KVS_SOCK_INVALID);
    CHECK(setsockopt((int)c, SOL_SOCKET, SO_SNDBUF, &bufsz, (socklen_t)sizeof bufsz) == 0);
    CHECK(setsockopt((int)c, SOL_SOCKET, SO_RCVBUF, &bufsz, (socklen_t)sizeof bufsz) == 0);
    CHECK((fcntl((int)c, F_GETFL, 0) & O_NONBLOCK) != 0);
    CHECK((fcntl((int)c, F_GETFD, 0) & FD_CLOEXEC) != 0);
    CHECK_EQ(kvs_posix_tcp_send(&px, c, "x", 0), 0);
    CHECK_EQ(kvs_posix_tcp_recv(&px, c, buf, 0), 0);
    CHECK_EQ(kvs_posix_udp_send(&px, c, &srv, "x", 1), KVS_ERR_INVALID_ARG);
    /* the kernel completes the handshake before accept: wait sees the connect finish, then
       nothing more (the finished connect is not polled for POLLOUT again) */
    CHECK(kvs_posix_wait(&px, dl) >= 1);
    CHECK_EQ(kvs_posix_wait(&px, kvs_t_px_deadline(20)), 0);

    /* client -> server, through the connecting phase */
    CHECK_EQ(kvs_t_px_tcp_send_all(&px, c, "hello", 5, dl), 5);
    sfd = kvs_t_px_accept(lfd);
    CHECK(sfd >= 0);
    if (sfd < 0)
        goto done;
    CHECK_EQ(kvs_t_px_fd_recv_all(sfd, buf, 5, dl), 5);
    CHECK_MEM(buf, "hello", 5);
    /* nothing to read yet: 0 */
    CHECK_EQ(kvs_posix_tcp_recv(&px, c, buf, sizeof buf), 0);
    /* server -> client */
    CHECK_EQ(send(sfd, "world!", 6, 0), 6);
    CHECK_EQ(kvs_t_px_tcp_recv_all(&px, c, buf, 6, dl), 6);
    CHECK_MEM(buf, "world!", 6);

    /* 1 MiB client -> server in chunks; the server reads only when the client's send returns
       0 (the kernel buffers are full) or everything was sent */
    for (k = 0; k < KVS_T_PX_BIG; k++)
        tx[k] = kvs_t_px_pattern(k, 1);
    sent = got = 0;
    blocked = 0;
    while ((sent < KVS_T_PX_BIG || got < KVS_T_PX_BIG) && kvs_posix_now(NULL) < dl) {
        ssize_t n;
        if (sent < KVS_T_PX_BIG) {
            r = kvs_posix_tcp_send(&px, c, tx + sent, KVS__MIN((size_t)65536, KVS_T_PX_BIG - sent));
            CHECK(r >= 0);
            if (r < 0)
                break;
            sent += (size_t)r;
            blocked += r == 0;
            if (r > 0)
                continue;
        }
        n = recv(sfd, rx + got, KVS_T_PX_BIG - got, 0);
        if (n > 0)
            got += (size_t)n;
        else
            (void)kvs_t_px_poll_fd(sfd, POLLIN, 10);
    }
    CHECK(blocked > 0); /* the would-block path was taken */
    CHECK_EQ(sent, KVS_T_PX_BIG);
    CHECK_EQ(got, KVS_T_PX_BIG);
    CHECK(memcmp(tx, rx, KVS_T_PX_BIG) == 0);

    /* 1 MiB server -> client; the client waits with kvs_posix_wait when nothing is there */
    for (k = 0; k < KVS_T_PX_BIG; k++)
        tx[k] = kvs_t_px_pattern(k, 7);
    memset(rx, 0, KVS_T_PX_BIG);
    sent = got = 0;
    while ((sent < KVS_T_PX_BIG || got < KVS_T_PX_BIG) && kvs_posix_now(NULL) < dl) {
        int progress = 0;
        if (sent < KVS_T_PX_BIG) {
            ssize_t n = send(sfd, tx + sent, KVS_T_PX_BIG - sent, 0);
            if (n > 0) {
                sent += (size_t)n;
                progress = 1;
            }
        }
        r = kvs_posix_tcp_recv(&px, c, rx + got, KVS__MIN((size_t)30000, KVS_T_PX_BIG - got));
        CHECK(r >= 0);
        if (r < 0)
            break;
        got += (size_t)r;
        progress |= r > 0;
        if (!progress)
            (void)kvs_posix_wait(&px, KVS__MIN(dl, kvs_t_px_deadline(10)));
    }
    CHECK_EQ(sent, KVS_T_PX_BIG);
    CHECK_EQ(got, KVS_T_PX_BIG);
    CHECK(memcmp(tx, rx, KVS_T_PX_BIG) == 0);

    /* the server closes: KVS_ERR_CLOSED, never 0, and it stays so */
    close(sfd);
    sfd = -1;
    r = 0;
    while (r == 0 && kvs_posix_now(NULL) < dl) {
        r = kvs_posix_tcp_recv(&px, c, buf, sizeof buf);
        if (r == 0)
            (void)kvs_posix_wait(&px, dl);
    }
    CHECK_EQ(r, KVS_ERR_CLOSED);
    CHECK_EQ(kvs_posix_tcp_recv(&px, c, buf, sizeof buf), KVS_ERR_CLOSED);
    /* sending to the closed peer: KVS_ERR_CLOSED (after its RST), and no SIGPIPE */
    for (i = 0; i < 1000 && !closed && kvs_posix_now(NULL) < dl; i++) {
        r = kvs_posix_tcp_send(&px, c, "z", 1);
        CHECK(r == 1 || r == 0 || r == KVS_ERR_CLOSED);
        closed = r == KVS_ERR_CLOSED;
        if (!closed)
            (void)kvs_t_px_poll_fd((int)c, POLLERR, 1);
    }
    CHECK(closed);
    kvs_posix_sock_close(&px, c);
    CHECK_EQ(kvs_posix_tcp_recv(&px, c, buf, sizeof buf), KVS_ERR_INVALID_ARG);
done:
    if (sfd >= 0)
        close(sfd);
    if (lfd >= 0)
        close(lfd);
    free(tx);
    free(rx);
    kvs_posix_deinit(&px);
}

static void test_posix_tcp_v4(void) {
    kvs_t_px_tcp(KVS_AF_INET);
}

static void test_posix_tcp_v6(void) {
    if (kvs_t_px_have_v6())
        kvs_t_px_tcp(KVS_AF_INET6);
}

/* Connect to a port nobody listens on: tcp_connect fails at once or a later send/recv says
   KVS_ERR_IO, and keeps saying it. */
static void kvs_t_px_refused(int family) {
    kvs_posix px;
    kvs_addr to;
    kvs_sock c = KVS_SOCK_INVALID;
    kvs_time dl = kvs_t_px_deadline(2000);
    uint8_t buf[8];
    int lfd, r;
    kvs_posix_init(&px);
    lfd = kvs_t_px_listen(family, &to); /* a port that was just free... */
    CHECK(lfd >= 0);
    if (lfd < 0)
        return;
    close(lfd); /* ...and is closed now */
    r = kvs_posix_tcp_connect(&px, &to, &c);
    CHECK(r == 0 || r == KVS_ERR_IO);
    if (r == 0) {
        int rs = 0;
        while (r == 0 && kvs_posix_now(NULL) < dl) {
            r = kvs_posix_tcp_recv(&px, c, buf, sizeof buf);
            if (r == 0)
                (void)kvs_posix_wait(&px, dl);
        }
        CHECK_EQ(r, KVS_ERR_IO);
        rs = kvs_posix_tcp_send(&px, c, "x", 1);
        CHECK_EQ(rs, KVS_ERR_IO);
        CHECK_EQ(kvs_posix_tcp_recv(&px, c, buf, sizeof buf), KVS_ERR_IO);
        kvs_posix_sock_close(&px, c);
    } else {
        CHECK(c == KVS_SOCK_INVALID);
    }
    /* the same with tcp_send first */
    c = KVS_SOCK_INVALID;
    r = kvs_posix_tcp_connect(&px, &to, &c);
    if (r == 0) {
        while (r == 0 && kvs_posix_now(NULL) < dl) {
            r = kvs_posix_tcp_send(&px, c, "x", 1);
            if (r == 0)
                (void)kvs_posix_wait(&px, dl);
        }
        CHECK_EQ(r, KVS_ERR_IO);
    } else {
        CHECK_EQ(r, KVS_ERR_IO);
    }
    kvs_posix_deinit(&px);
}

static void test_posix_tcp_refused_v4(void) {
    kvs_t_px_refused(KVS_AF_INET);
}

static void test_posix_tcp_refused_v6(void) {
    if (kvs_t_px_have_v6())
        kvs_t_px_refused(KVS_AF_INET6);
}

/* A connect that stays pending: the listener's accept queue (backlog 0) is full, so the kernel
   ignores further SYNs for a while. tcp_send / tcp_recv return 0 meanwhile, and wait does not
   report the socket. Skipped where the kernel completes such connects anyway. */
static void test_posix_tcp_pending(void) {
    kvs_posix px;
    kvs_addr srv;
    kvs_sock c[5];
    uint8_t buf[8];
    int lfd, i, n = 0, pending = -1;
    kvs_posix_init(&px);
    lfd = kvs_t_px_listen(KVS_AF_INET, &srv);
    CHECK(lfd >= 0);
    if (lfd < 0)
        return;
    CHECK(listen(lfd, 0) == 0);
    for (i = 0; i < 5 && pending < 0; i++) {
        CHECK_EQ(kvs_posix_tcp_connect(&px, &srv, &c[i]), 0);
        n = i + 1;
        /* the earlier connects are settled and not readable: wait wakes up early only if
           c[i] completes */
        (void)kvs_posix_wait(&px, kvs_t_px_deadline(30));
        if (kvs_posix_tcp_send(&px, c[i], "x", 1) == 0)
            pending = i;
    }
    if (pending < 0) {
        printf("    (connects complete at once here: pending-connect checks skipped)\n");
    } else {
        CHECK_EQ(kvs_posix_tcp_recv(&px, c[pending], buf, sizeof buf), 0);
        CHECK_EQ(kvs_posix_wait(&px, kvs_t_px_deadline(20)), 0);
        CHECK_EQ(kvs_posix_tcp_send(&px, c[pending], "x", 1), 0);
        CHECK_EQ(px.priv.connecting[kvs__posix_slot(&px, c[pending], 0)], 1);
    }
    for (i = 0; i < n; i++)
        kvs_posix_sock_close(&px, c[i]);
    close(lfd);
    kvs_posix_deinit(&px);
}

/* --- the socket table ------------------------------------------------------------------------- */

static void test_posix_table(void) {
    kvs_posix px;
    kvs_addr la, to;
    kvs_sock s[KVS_POSIX_MAX_SOCKETS], extra = 0;
    int i, opened = 1, closed = 1, foreign;
    kvs_posix_init(&px);
    la = kvs_t_px_addr("127.0.0.1", 0);
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++)
        opened = opened && kvs_posix_udp_open(&px, &la, &s[i], NULL) == 0;
    CHECK(opened);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &extra, NULL), KVS_ERR_LIMIT);
    CHECK(extra == KVS_SOCK_INVALID);
    to = kvs_t_px_addr("127.0.0.1", 9);
    extra = 0;
    CHECK_EQ(kvs_posix_tcp_connect(&px, &to, &extra), KVS_ERR_LIMIT);
    CHECK(extra == KVS_SOCK_INVALID);
    /* a freed slot is reused */
    kvs_posix_sock_close(&px, s[3]);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &s[3], NULL), 0);
    /* a descriptor the table does not hold is left alone */
    foreign = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(foreign >= 0);
    kvs_posix_sock_close(&px, (kvs_sock)foreign);
    CHECK(fcntl(foreign, F_GETFD, 0) >= 0);
    CHECK_EQ(kvs_posix_udp_send(&px, (kvs_sock)foreign, &to, "x", 1), KVS_ERR_INVALID_ARG);
    close(foreign);
    /* deinit closes everything */
    kvs_posix_deinit(&px);
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++) {
        errno = 0;
        closed = closed && fcntl((int)s[i], F_GETFD, 0) == -1 && errno == EBADF;
    }
    CHECK(closed);
    CHECK_EQ(kvs_posix_udp_send(&px, s[0], &to, "x", 1), KVS_ERR_INVALID_ARG);
    /* NULL arguments */
    CHECK_EQ(kvs_posix_udp_open(NULL, &la, &extra, NULL), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_open(&px, NULL, &extra, NULL), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, NULL, NULL), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_tcp_connect(NULL, &to, &extra), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_tcp_connect(&px, NULL, &extra), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_tcp_connect(&px, &to, NULL), KVS_ERR_INVALID_ARG);
    to.family = 5;
    CHECK_EQ(kvs_posix_tcp_connect(&px, &to, &extra), KVS_ERR_INVALID_ARG);
    kvs_posix_sock_close(NULL, 3);
    CHECK_EQ(kvs_posix_wait(NULL, 0), KVS_ERR_INVALID_ARG);
}

/* --- names and interfaces --------------------------------------------------------------------- */

static void test_posix_resolve(void) {
    kvs_addr out[8], want;
    int n, i, loop = 1;
    n = kvs_posix_resolve(NULL, "127.0.0.1", 443, out, 8);
    CHECK_EQ(n, 1);
    want = kvs_t_px_addr("127.0.0.1", 443);
    CHECK(kvs__util_addr_equal(&out[0], &want));
    n = kvs_posix_resolve(NULL, "::1", 8443, out, 8);
    CHECK_EQ(n, 1);
    want = kvs_t_px_addr("::1", 8443);
    CHECK(kvs__util_addr_equal(&out[0], &want));
    CHECK_EQ(out[0].family, KVS_AF_INET6);
    n = kvs_posix_resolve(NULL, "fe80::1%2", 1, out, 1);
    CHECK_EQ(n, 1);
    CHECK_EQ(out[0].scope_id, 2);
    /* a name from /etc/hosts: loopback addresses, the port carried through */
    n = kvs_posix_resolve(NULL, "localhost", 3478, out, 8);
    CHECK(n >= 1 && n <= 8);
    for (i = 0; i < n && i < 8; i++)
        loop = loop && kvs__util_addr_is_loopback(&out[i]) && out[i].port == 3478;
    CHECK(loop);
    n = kvs_posix_resolve(NULL, "localhost", 3478, out, 1);
    CHECK_EQ(n, 1);
    /* arguments */
    CHECK_EQ(kvs_posix_resolve(NULL, "127.0.0.1", 1, out, 0), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_resolve(NULL, "127.0.0.1", 1, out, -1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_resolve(NULL, NULL, 1, out, 8), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_resolve(NULL, "127.0.0.1", 1, NULL, 8), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_resolve(NULL, "", 1, out, 8), KVS_ERR_INVALID_ARG);
}

static void test_posix_local_addresses(void) {
    kvs_addr out[64], lo;
    int n, i, found = 0, ports = 1;
    lo = kvs_t_px_addr("127.0.0.1", 0);
    n = kvs_posix_local_addresses(NULL, out, 64);
    CHECK(n >= 1 && n <= 64);
    for (i = 0; i < n && i < 64; i++) {
        found = found || kvs__util_addr_equal(&out[i], &lo);
        ports = ports && out[i].port == 0 &&
                (out[i].family == KVS_AF_INET || out[i].family == KVS_AF_INET6);
        if (out[i].family == KVS_AF_INET6 && kvs__util_addr_is_link_local(&out[i]))
            CHECK(out[i].scope_id != 0);
        else
            CHECK_EQ(out[i].scope_id, 0);
    }
    CHECK(found);
    CHECK(ports);
    CHECK_EQ(kvs_posix_local_addresses(NULL, out, 1), 1);
    CHECK_EQ(kvs_posix_local_addresses(NULL, out, 0), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_posix_local_addresses(NULL, NULL, 4), KVS_ERR_INVALID_ARG);
}

/* --- wait ------------------------------------------------------------------------------------- */

static void test_posix_wait(void) {
    kvs_posix px;
    kvs_addr la, a_bound, b_bound, from;
    kvs_sock a, b;
    kvs_time t0, dl, t1;
    uint8_t buf[16];
    kvs_posix_init(&px);
    /* nothing tracked: a plain timeout */
    dl = kvs_t_px_deadline(5);
    CHECK_EQ(kvs_posix_wait(&px, dl), 0);
    CHECK(kvs_posix_now(NULL) >= dl);
    la = kvs_t_px_addr("127.0.0.1", 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &a, &a_bound), 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &b, &b_bound), 0);
    /* nothing pending: 0 at the deadline, not before it */
    t0 = kvs_posix_now(NULL);
    dl = t0 + KVS_MSEC(20);
    CHECK_EQ(kvs_posix_wait(&px, dl), 0);
    t1 = kvs_posix_now(NULL);
    CHECK(t1 >= dl);
    CHECK(t1 - t0 < KVS_MSEC(1000));
    /* a deadline in the past: at once */
    t0 = kvs_posix_now(NULL);
    CHECK_EQ(kvs_posix_wait(&px, t0 > 1000 ? t0 - 1000 : 0), 0);
    CHECK_EQ(kvs_posix_wait(&px, 0), 0);
    /* a queued datagram: > 0, long before the deadline */
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "w", 1), 1);
    t0 = kvs_posix_now(NULL);
    CHECK(kvs_posix_wait(&px, t0 + KVS_MSEC(2000)) > 0);
    CHECK(kvs_posix_now(NULL) - t0 < KVS_MSEC(1000));
    /* KVS_TIME_NEVER with data pending returns at once; so does a past deadline */
    CHECK_EQ(kvs_posix_wait(&px, KVS_TIME_NEVER), 1);
    CHECK_EQ(kvs_posix_wait(&px, 0), 1);
    CHECK_EQ(kvs_posix_udp_recv(&px, b, &from, buf, sizeof buf), 1);
    /* both sockets readable: 2 */
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "1", 1), 1);
    CHECK_EQ(kvs_posix_udp_send(&px, b, &a_bound, "2", 1), 1);
    dl = kvs_t_px_deadline(2000);
    while (kvs_posix_wait(&px, 0) < 2 && kvs_posix_now(NULL) < dl)
        (void)kvs_posix_wait(&px, KVS__MIN(dl, kvs_t_px_deadline(1)));
    CHECK_EQ(kvs_posix_wait(&px, dl), 2);
    kvs_posix_deinit(&px);
}

/* --- log -------------------------------------------------------------------------------------- */

static void test_posix_log(void) {
    kvs_posix px;
    kvs_addr la, a_bound, b_bound, from;
    kvs_sock a, b;
    uint8_t big[64], small[8];
    char out[2048];
    FILE *tf = tmpfile();
    int saved, n;
    size_t len;
    kvs_posix_init(&px);
    CHECK(tf != NULL);
    if (!tf)
        return;
    fflush(stderr);
    saved = dup(2);
    CHECK(saved >= 0 && dup2(fileno(tf), 2) == 2);

    kvs_posix_log(NULL, KVS_LOG_WARN, KVS_LOG_POSIX_SOCKET, "hello", 42);
    kvs_posix_log(NULL, KVS_LOG_TRACE, KVS_LOG_NONE, "no filter without a kvs_posix", 1);
    px.log_level = KVS_LOG_ERROR;
    kvs_posix_log(&px, KVS_LOG_WARN, KVS_LOG_POSIX_SOCKET, "filtered", 2);
    kvs_posix_log(&px, KVS_LOG_ERROR, KVS_LOG_POSIX_TRUNCATED, NULL, 7);
    px.log_level = 0; /* INFO */
    kvs_posix_log(&px, KVS_LOG_DEBUG, KVS_LOG_POSIX_SOCKET, "filtered", 3);
    kvs_posix_log(&px, KVS_LOG_INFO, 999, "odd item", 4);
    /* the platform's own DEBUG record of a discarded datagram */
    px.log_level = KVS_LOG_DEBUG;
    la = kvs_t_px_addr("127.0.0.1", 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &a, &a_bound), 0);
    CHECK_EQ(kvs_posix_udp_open(&px, &la, &b, &b_bound), 0);
    memset(big, 1, sizeof big);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, big, sizeof big), (int)sizeof big);
    CHECK_EQ(kvs_posix_udp_send(&px, a, &b_bound, "s", 1), 1);
    CHECK_EQ(kvs_t_px_udp_recv_by(&px, b, &from, small, sizeof small, kvs_t_px_deadline(2000)), 1);
    kvs_posix_deinit(&px);

    fflush(stderr);
    CHECK(dup2(saved, 2) == 2);
    close(saved);
    rewind(tf);
    len = fread(out, 1, sizeof out - 1, tf);
    out[len] = 0;
    fclose(tf);
    n = 0;
    {
        const char *p;
        for (p = out; *p; p++)
            n += *p == '\n';
    }
    CHECK_EQ(n, KVS_LOG_LEVEL_MAX >= KVS_LOG_DEBUG ? 5 : 4);
    CHECK(strstr(out, "filtered") == NULL);
#if !KVS_NO_LOG_STRINGS
    CHECK(strstr(out, "kvs WARN POSIX_SOCKET line 42: hello\n") == out);
    CHECK(strstr(out, "kvs TRACE NONE line 1: no filter without a kvs_posix\n") != NULL);
    CHECK(strstr(out, "kvs ERROR POSIX_TRUNCATED line 7: "
                      "POSIX: a datagram larger than the buffer was discarded\n") != NULL);
    CHECK(strstr(out, "kvs INFO 999 line 4: odd item\n") != NULL);
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_DEBUG
    CHECK(strstr(out, "kvs DEBUG POSIX_TRUNCATED line ") != NULL);
#endif
#else
    {
        char want[64];
        snprintf(want, sizeof want, "kvs WARN %d line 42: hello\n", (int)KVS_LOG_POSIX_SOCKET);
        CHECK(strstr(out, want) == out);
        snprintf(want, sizeof want, "kvs ERROR %d line 7: \n", (int)KVS_LOG_POSIX_TRUNCATED);
        CHECK(strstr(out, want) != NULL);
    }
#endif
}

static const kvs_test_case kvs_tests_plat_posix[] = {
    {"init_platform", test_posix_init_platform},
    {"clocks", test_posix_clocks},
    {"random", test_posix_random},
    {"udp_v4", test_posix_udp_v4},
    {"udp_v6", test_posix_udp_v6},
    {"udp_truncated", test_posix_udp_truncated},
    {"tcp_v4", test_posix_tcp_v4},
    {"tcp_v6", test_posix_tcp_v6},
    {"tcp_refused_v4", test_posix_tcp_refused_v4},
    {"tcp_refused_v6", test_posix_tcp_refused_v6},
    {"tcp_pending", test_posix_tcp_pending},
    {"table", test_posix_table},
    {"resolve", test_posix_resolve},
    {"local_addresses", test_posix_local_addresses},
    {"wait", test_posix_wait},
    {"log", test_posix_log},
};
