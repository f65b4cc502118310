/* bench_sctp - `make bench` figures for the SCTP association (>>sctp, >>sctp-data, >>sctp-io): the
   throughput of one reliable ordered stream, one way, each figure the median of RUNS transfers of
   TRANSFER bytes, once in 64 KiB messages and once in 1 KiB messages:
   - kvswebrtc <-> kvswebrtc in memory: a lossless virtual link, each packet handed from one
     association's output to the other's input, no system call; when neither side has anything
     to send before a timer (a delayed SACK), the clock jumps to that timer instead of waiting,
     so the figure is what the code can do, not what timers allow (the skipped time is shown).
     MB/s and CPU microseconds per MB (both ends together);
   - kvswebrtc <-> kvswebrtc over real UDP on 127.0.0.1: two sockets in one process, one poll loop;
   - usrsctp <-> usrsctp over real UDP on 127.0.0.1 in the same run: the same transfer, one process,
     usrsctp_init_nothreads, the AF_CONN interface, its output callback sending with sendto on its
     own socket, the same poll loop shape;
   - the ratio kvswebrtc / usrsctp on loopback.
   The same settings where they matter: send and receive buffers of 1 MiB on both stacks (kvswebrtc
   send_buffer / recv_buffer, usrsctp SO_SNDBUF / SO_RCVBUF), SCTP packets of at most 1200 bytes
   (kvswebrtc's default MTU; usrsctp's path MTU set so that its packets are 1200 bytes: on AF_CONN it
   does not count the 12-byte common header), Nagle off in usrsctp (SCTP_NODELAY; kvswebrtc has
   none), both with their default delayed SACK (200 ms or every second packet), UDP socket
   buffers of 4 MiB for both. kvswebrtc is built as shipped (no KVS_TESTING, so no memory fill).
   Checked at the receiver for every run of every stack: each message's length and its sequence
   number (its first 8 bytes, so order too), the count, the byte total, and a checksum of every
   byte against the sender's. The harness's own work (building each message, checksumming at both
   ends) is measured alone and printed too: it is inside every figure, the same for both stacks.

   Build: gcc -std=c99 -O2 -Wall -Wextra -Werror tools/bench/bench_sctp.c -o build/bench/bench_sctp \
            -lusrsctp -lsrtp2 -lbearssl                                                            */
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h" /* first: it selects the POSIX feature macros it needs */

#include <usrsctp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 5
#define TRANSFER (64u << 20)  /* bytes per transfer */
#define BIG 65536u            /* message sizes */
#define SMALL 1024u
#define SCTP_BUF (1u << 20)   /* send and receive buffers of both stacks */
#define UDP_BUF (4 << 20)
#define MTU 1200
#define RUN_LIMIT_S 20        /* one transfer, whatever happens */
#define TICK_MS 10            /* usrsctp's timer granularity */
#define POOL (1u << 20)       /* message bodies are cut from this many random bytes */

/* --- clocks, statistics ------------------------------------------------------------------------ */

static double wall_s(void) {
    return (double)kvs_posix_now(NULL) / 1e6;
}

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *in, int n) {
    double v[RUNS];
    memcpy(v, in, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what) {
    fprintf(stderr, "bench_sctp: %s\n", what);
    exit(1);
}

/* --- the messages and their check -------------------------------------------------------------- */

static uint8_t pool[POOL + BIG];
static uint8_t msgbuf[BIG]; /* the message being sent */

/* Order-sensitive checksum (Fletcher-like over 32-bit words, the tail bytewise). */
static void csum(uint64_t *a, uint64_t *b, const uint8_t *p, size_t n) {
    uint64_t x = *a, y = *b;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        x += w;
        y += x;
    }
    for (; i < n; i++) {
        x += p[i];
        y += x;
    }
    *a = x;
    *b = y;
}

typedef struct xfer {
    size_t msg;       /* message size */
    uint32_t count;   /* messages to move */
    /* sender */
    uint32_t sent;
    uint64_t sa, sb;  /* checksum of what was handed to the stack */
    /* receiver */
    uint32_t got;
    uint64_t bytes, ra, rb;
    int bad;
    char why[160];
} xfer;

static void xfer_init(xfer *x, size_t msg) {
    memset(x, 0, sizeof *x);
    x->msg = msg;
    x->count = (uint32_t)(TRANSFER / msg);
}

/* Build message number x->sent: its sequence number, then bytes of the pool. */
static const uint8_t *next_msg(xfer *x) {
    uint64_t seq = x->sent;
    memcpy(msgbuf, pool + (size_t)(x->sent * 4099u) % POOL, x->msg);
    memcpy(msgbuf, &seq, 8);
    return msgbuf;
}

static void msg_sent(xfer *x) {
    csum(&x->sa, &x->sb, msgbuf, x->msg);
    x->sent++;
}

static void msg_received(xfer *x, const uint8_t *p, size_t n) {
    uint64_t seq;
    if (x->bad)
        return;
    if (n != x->msg || x->got >= x->count) {
        x->bad = 1;
        snprintf(x->why, sizeof x->why, "message %lu: %lu bytes, expected %lu", (unsigned long)x->got,
                 (unsigned long)n, (unsigned long)x->msg);
        return;
    }
    memcpy(&seq, p, 8);
    if (seq != x->got) {
        x->bad = 1;
        snprintf(x->why, sizeof x->why, "message %lu arrived as number %lu", (unsigned long)seq,
                 (unsigned long)x->got);
        return;
    }
    csum(&x->ra, &x->rb, p, n);
    x->got++;
    x->bytes += n;
}

static void xfer_verify(const xfer *x, const char *who) {
    char m[300];
    if (x->bad) {
        snprintf(m, sizeof m, "%s: %s", who, x->why);
        die(m);
    }
    if (x->got != x->count || x->bytes != (uint64_t)x->count * x->msg || x->ra != x->sa || x->rb != x->sb) {
        snprintf(m, sizeof m, "%s: received %lu messages, %llu bytes, checksum %s", who,
                 (unsigned long)x->got, (unsigned long long)x->bytes,
                 x->ra == x->sa && x->rb == x->sb ? "equal" : "DIFFERENT");
        die(m);
    }
}

/* The harness alone: build, checksum at the sender, checksum at the receiver. */
static double harness_cpu(size_t msg) {
    static xfer x;
    double c0 = cpu_s();
    uint32_t i;
    xfer_init(&x, msg);
    for (i = 0; i < x.count; i++) {
        next_msg(&x);
        msg_sent(&x);
        msg_received(&x, msgbuf, x.msg);
    }
    xfer_verify(&x, "harness");
    return cpu_s() - c0;
}

/* --- one run's figures ------------------------------------------------------------------------- */

typedef struct result {
    double wall, cpu, skipped;
    unsigned long packets, rtx, largest;
} result;

/* --- kvswebrtc endpoints ------------------------------------------------------------------------ */

typedef struct kep {
    kvs__sctp s;
    kvs_platform pf;
    kvs__log log;
    kvs__mem mem;
    kvs__rng rng;
    int guard, up, down;
    xfer *rx; /* the receiving end's transfer, or NULL */
    kvs_sock sock;
    kvs_addr addr;
} kep;

static kep KA, KB; /* a kvs__sctp must not move: static storage */
static kvs_posix PX;

static void k_up(void *ctx) {
    ((kep *)ctx)->up = 1;
}
static void k_down(void *ctx, kvs_result why) {
    (void)why;
    ((kep *)ctx)->down = 1;
}
static void k_message(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    kep *e = (kep *)ctx;
    (void)sid;
    (void)ppid;
    if (e->rx)
        msg_received(e->rx, p, n);
}

static void kep_init(kep *e, xfer *rx, kvs_time now) {
    kvs__sctp_cfg cfg;
    kvs__sctp_cb cb;
    memset(&cfg, 0, sizeof cfg);
    cfg.mtu = MTU;
    cfg.send_buffer = SCTP_BUF;
    cfg.recv_buffer = SCTP_BUF;
    memset(&cb, 0, sizeof cb);
    cb.ctx = e;
    cb.up = k_up;
    cb.down = k_down;
    cb.message = k_message;
    e->up = e->down = 0;
    e->rx = rx;
    kvs_posix_platform(&PX, &e->pf);
    e->pf.log = NULL;
    kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_WARN);
    kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0);
    kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
    if (kvs__sctp_init(&e->s, &cfg, &cb, &e->rng, &e->log, &e->mem, now) != KVS_OK ||
        kvs__sctp_connect(&e->s, now) != KVS_OK)
        die("kvs__sctp_init / connect failed");
}

/* Queue messages until the send buffer is full. */
static void k_pump(xfer *x, kvs_time now) {
    while (x->sent < x->count) {
        kvs_result r = kvs__sctp_send(&KA.s, 1, 53, next_msg(x), x->msg, 0, KVS__SCTP_RELIABLE,
                                      KVS_TIME_NEVER, now);
        if (r == KVS_ERR_AGAIN)
            return;
        if (r != KVS_OK)
            die("kvs__sctp_send failed");
        msg_sent(x);
    }
}

static void k_timers(kep *e, kvs_time now) {
    if (kvs__sctp_deadline(&e->s) <= now)
        kvs__sctp_timeout(&e->s, now);
}

/* In memory: output of one side is the other's input, at once. */
static void run_kvs_memory(size_t msg, result *res) {
    static xfer x;
    static uint8_t pkt[MTU];
    kvs_time skip = 0, now, limit;
    double w0, c0;
    size_t len;
    int moved;
    xfer_init(&x, msg);
    now = kvs_posix_now(NULL);
    kep_init(&KA, NULL, now);
    kep_init(&KB, &x, now);
    res->packets = 0;
    res->largest = 0;
    w0 = wall_s();
    c0 = cpu_s();
    limit = now + KVS_SEC(RUN_LIMIT_S);
    for (;;) {
        now = kvs_posix_now(NULL) + skip;
        if (now - skip > limit)
            die("kvswebrtc in memory: the transfer did not finish in time");
        k_timers(&KA, now);
        k_timers(&KB, now);
        if (KA.s.state == KVS__SCTP_ESTABLISHED)
            k_pump(&x, now);
        /* one packet of the sender, then whatever the receiver answers: each packet is seen by
           the other side before the next leaves, as over UDP (the receiver's delayed SACK rule
           then works per packet, not per burst) */
        moved = 0;
        if (kvs__sctp_output(&KA.s, pkt, sizeof pkt, &len, now) == KVS_OK) {
            kvs__sctp_input(&KB.s, pkt, len, now);
            res->packets++;
            res->largest = len > res->largest ? len : res->largest;
            moved = 1;
        }
        while (kvs__sctp_output(&KB.s, pkt, sizeof pkt, &len, now) == KVS_OK) {
            kvs__sctp_input(&KA.s, pkt, len, now);
            res->packets++;
            moved = 1;
        }
        if (x.got == x.count || x.bad)
            break;
        if (KA.down || KB.down)
            die("kvswebrtc in memory: the association went down");
        if (!moved) {
            /* nothing to send before a timer: jump to it */
            kvs_time d = kvs__sctp_deadline(&KA.s), db = kvs__sctp_deadline(&KB.s);
            if (db < d)
                d = db;
            if (d == KVS_TIME_NEVER)
                die("kvswebrtc in memory: stuck with no timer");
            if (d > now)
                skip += d - now;
        }
    }
    res->wall = wall_s() - w0;
    res->cpu = cpu_s() - c0;
    res->skipped = (double)skip / 1e6;
    res->rtx = KA.s.st.retransmissions;
    xfer_verify(&x, "kvswebrtc in memory");
    kvs__sctp_deinit(&KA.s);
    kvs__sctp_deinit(&KB.s);
}

/* --- UDP sockets for both stacks ---------------------------------------------------------------- */

static void udp_open(kvs_sock *s, kvs_addr *bound) {
    kvs_addr local;
    int sz = UDP_BUF;
    memset(&local, 0, sizeof local);
    kvs_addr_parse(&local, "127.0.0.1", 9, 0);
    if (kvs_posix_udp_open(&PX, &local, s, bound) != 0)
        die("cannot open a UDP socket on 127.0.0.1");
#ifdef SO_RCVBUFFORCE
    if (setsockopt((int)*s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
#endif
        (void)setsockopt((int)*s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
#ifdef SO_SNDBUFFORCE
    if (setsockopt((int)*s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
#endif
        (void)setsockopt((int)*s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

static void k_flush(kep *from, const kep *to, kvs_time now, result *res) {
    static uint8_t pkt[MTU];
    size_t len;
    while (kvs__sctp_output(&from->s, pkt, sizeof pkt, &len, now) == KVS_OK) {
        if (kvs_posix_udp_send(&PX, from->sock, &to->addr, pkt, len) < 0)
            die("udp_send failed");
        res->packets++;
        res->largest = len > res->largest ? len : res->largest;
    }
}

static void k_drain(kep *e, kep *peer, result *res) {
    static uint8_t dg[65536];
    for (;;) {
        kvs_addr from;
        kvs_time now;
        int n = kvs_posix_udp_recv(&PX, e->sock, &from, dg, sizeof dg);
        if (n < 0)
            die("udp_recv failed");
        if (n == 0)
            return;
        now = kvs_posix_now(NULL);
        kvs__sctp_input(&e->s, dg, (size_t)n, now);
        k_flush(e, peer, now, res);
    }
}

/* Over UDP on loopback: one poll loop over both sockets. */
static void run_kvs_udp(size_t msg, result *res) {
    static xfer x;
    kvs_time now, limit, d;
    double w0 = 0, c0 = 0;
    int started = 0;
    xfer_init(&x, msg);
    kvs_posix_init(&PX);
    udp_open(&KA.sock, &KA.addr);
    udp_open(&KB.sock, &KB.addr);
    now = kvs_posix_now(NULL);
    kep_init(&KA, NULL, now);
    kep_init(&KB, &x, now);
    res->packets = 0;
    res->largest = 0;
    limit = now + KVS_SEC(RUN_LIMIT_S);
    for (;;) {
        now = kvs_posix_now(NULL);
        if (now > limit)
            die("kvswebrtc over UDP: the transfer did not finish in time");
        if (!started && KA.up && KB.up) {
            started = 1; /* the clocks start once the association is up */
            w0 = wall_s();
            c0 = cpu_s();
            res->packets = 0;
        }
        k_timers(&KA, now);
        k_timers(&KB, now);
        if (started)
            k_pump(&x, now);
        k_flush(&KA, &KB, now, res);
        k_flush(&KB, &KA, now, res);
        if (x.got == x.count || x.bad)
            break;
        if (KA.down || KB.down)
            die("kvswebrtc over UDP: the association went down");
        d = kvs__sctp_deadline(&KA.s);
        if (kvs__sctp_deadline(&KB.s) < d)
            d = kvs__sctp_deadline(&KB.s);
        if (d > now + KVS_MSEC(TICK_MS))
            d = now + KVS_MSEC(TICK_MS);
        if (kvs_posix_wait(&PX, d) < 0)
            die("kvs_posix_wait failed");
        k_drain(&KB, &KA, res);
        k_drain(&KA, &KB, res);
    }
    res->wall = wall_s() - w0;
    res->cpu = cpu_s() - c0;
    res->skipped = 0;
    res->rtx = KA.s.st.retransmissions;
    xfer_verify(&x, "kvswebrtc over UDP");
    kvs__sctp_deinit(&KA.s);
    kvs__sctp_deinit(&KB.s);
    kvs_posix_deinit(&PX);
}

/* --- usrsctp endpoints -------------------------------------------------------------------------- */

typedef struct uep {
    struct socket *so, *lso;
    kvs_sock sock;
    kvs_addr addr;
    struct sockaddr_in peer;
    int up;
    xfer *rx;
    uint8_t *buf; /* reassembly up to MSG_EOR */
    size_t len;
} uep;

/* A fresh pair of AF_CONN addresses for every run: nothing of an earlier run can match. */
static uep UEPS[2 * (2 * RUNS + 2)];
static int uep_next;
static result *UOUT; /* where the output callback counts */

static int u_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df) {
    uep *e = (uep *)addr;
    (void)tos;
    (void)set_df;
    if (e->sock == KVS_SOCK_INVALID)
        return 0;
    if (sendto((int)e->sock, buf, len, 0, (const struct sockaddr *)&e->peer, sizeof e->peer) < 0 &&
        errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
        die("usrsctp output: sendto failed");
    if (UOUT) {
        UOUT->packets++;
        UOUT->largest = len > UOUT->largest ? len : UOUT->largest;
    }
    return 0;
}

static void u_opt(struct socket *so, int level, int name, const void *v, socklen_t n) {
    if (usrsctp_setsockopt(so, level, name, v, n) != 0) {
        fprintf(stderr, "bench_sctp: usrsctp_setsockopt %d: %s\n", name, strerror(errno));
        exit(1);
    }
}

static void u_options(struct socket *so) {
    struct sctp_paddrparams pp;
    struct sctp_event ev;
    int buf = (int)SCTP_BUF, on = 1;
    usrsctp_set_non_blocking(so, 1);
    u_opt(so, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    u_opt(so, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    u_opt(so, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on);
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
    pp.spp_flags = SPP_PMTUD_DISABLE;
    pp.spp_pathmtu = MTU - 12; /* on AF_CONN usrsctp leaves the common header out of the MTU */
    u_opt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp);
    memset(&ev, 0, sizeof ev);
    ev.se_assoc_id = SCTP_ALL_ASSOC;
    ev.se_type = SCTP_ASSOC_CHANGE;
    ev.se_on = 1;
    u_opt(so, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev);
}

/* Read what a socket has: notifications (COMM_UP) and messages up to MSG_EOR. */
static void u_read(uep *e) {
    if (!e->so && e->lso) {
        e->so = usrsctp_accept(e->lso, NULL, NULL);
        if (e->so)
            usrsctp_set_non_blocking(e->so, 1);
    }
    while (e->so) {
        struct sockaddr_conn from;
        struct sctp_rcvinfo ri;
        socklen_t flen = (socklen_t)sizeof from, ilen = (socklen_t)sizeof ri;
        unsigned itype = 0;
        int flags = 0;
        ssize_t r = usrsctp_recvv(e->so, e->buf + e->len, 2 * BIG - e->len, (struct sockaddr *)&from,
                                  &flen, &ri, &ilen, &itype, &flags);
        if (r <= 0)
            return;
        e->len += (size_t)r;
        if (!(flags & MSG_EOR)) {
            if (e->len >= 2 * BIG)
                die("usrsctp: a message longer than expected");
            continue;
        }
        if (flags & MSG_NOTIFICATION) {
            const union sctp_notification *n = (const union sctp_notification *)(const void *)e->buf;
            if (n->sn_header.sn_type == SCTP_ASSOC_CHANGE && n->sn_assoc_change.sac_state == SCTP_COMM_UP)
                e->up = 1;
        } else if (e->rx) {
            msg_received(e->rx, e->buf, e->len);
        }
        e->len = 0;
    }
}

static void u_drain(uep *e) {
    static uint8_t dg[65536];
    for (;;) {
        kvs_addr from;
        int n = kvs_posix_udp_recv(&PX, e->sock, &from, dg, sizeof dg);
        if (n < 0)
            die("udp_recv failed");
        if (n == 0)
            return;
        usrsctp_conninput(e, dg, (size_t)n, 0);
    }
}

static void u_pump(uep *a, xfer *x) {
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof si);
    si.snd_sid = 1;
    si.snd_ppid = htonl(53);
    while (x->sent < x->count) {
        ssize_t r = usrsctp_sendv(a->so, next_msg(x), x->msg, NULL, 0, &si, (socklen_t)sizeof si,
                                  SCTP_SENDV_SNDINFO, 0);
        if (r < 0 && (errno == EWOULDBLOCK || errno == EAGAIN))
            return;
        if (r != (ssize_t)x->msg)
            die("usrsctp_sendv failed");
        msg_sent(x);
    }
}

static void u_peer(uep *e, const uep *to) {
    memset(&e->peer, 0, sizeof e->peer);
    e->peer.sin_family = AF_INET;
    e->peer.sin_port = htons(to->addr.port);
    e->peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void run_usrsctp_udp(size_t msg, result *res) {
    static xfer x;
    struct sockaddr_conn sc;
    struct sctpstat st0, st1;
    uep *a, *b;
    kvs_time now, tick, limit;
    double w0 = 0, c0 = 0;
    int started = 0;
    if (uep_next + 2 > (int)(sizeof UEPS / sizeof UEPS[0]))
        die("out of usrsctp endpoints");
    a = &UEPS[uep_next++];
    b = &UEPS[uep_next++];
    xfer_init(&x, msg);
    kvs_posix_init(&PX);
    udp_open(&a->sock, &a->addr);
    udp_open(&b->sock, &b->addr);
    u_peer(a, b);
    u_peer(b, a);
    b->rx = &x;
    a->buf = (uint8_t *)malloc(2 * BIG);
    b->buf = (uint8_t *)malloc(2 * BIG);
    if (!a->buf || !b->buf)
        die("out of memory");
    res->packets = 0;
    res->largest = 0;
    UOUT = res;
    usrsctp_register_address(a);
    usrsctp_register_address(b);
    memset(&sc, 0, sizeof sc);
    sc.sconn_family = AF_CONN;
    sc.sconn_port = htons(5000);
    b->lso = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    a->so = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    if (!a->so || !b->lso)
        die("usrsctp_socket failed");
    u_options(b->lso);
    u_options(a->so);
    sc.sconn_addr = b;
    if (usrsctp_bind(b->lso, (struct sockaddr *)&sc, sizeof sc) != 0 || usrsctp_listen(b->lso, 1) != 0)
        die("usrsctp_bind / listen failed");
    sc.sconn_addr = a;
    if (usrsctp_bind(a->so, (struct sockaddr *)&sc, sizeof sc) != 0)
        die("usrsctp_bind failed");
    if (usrsctp_connect(a->so, (struct sockaddr *)&sc, sizeof sc) != 0 && errno != EINPROGRESS)
        die("usrsctp_connect failed");
    usrsctp_get_stat(&st0);
    now = tick = kvs_posix_now(NULL);
    limit = now + KVS_SEC(RUN_LIMIT_S);
    for (;;) {
        now = kvs_posix_now(NULL);
        if (now > limit)
            die("usrsctp over UDP: the transfer did not finish in time");
        if (now - tick >= KVS_MSEC(1)) {
            uint32_t ms = (uint32_t)((now - tick) / 1000u);
            usrsctp_handle_timers(ms);
            tick += KVS_MSEC(ms);
        }
        u_read(a);
        u_read(b);
        if (!started && a->up && b->so) {
            started = 1;
            w0 = wall_s();
            c0 = cpu_s();
            res->packets = 0;
        }
        if (started)
            u_pump(a, &x);
        if (x.got == x.count || x.bad)
            break;
        if (kvs_posix_wait(&PX, tick + KVS_MSEC(TICK_MS)) < 0)
            die("kvs_posix_wait failed");
        u_drain(b);
        u_drain(a);
    }
    res->wall = wall_s() - w0;
    res->cpu = cpu_s() - c0;
    res->skipped = 0;
    usrsctp_get_stat(&st1);
    res->rtx = st1.sctps_sendretransdata - st0.sctps_sendretransdata;
    UOUT = NULL;
    xfer_verify(&x, "usrsctp over UDP");
    usrsctp_close(a->so);
    if (b->so)
        usrsctp_close(b->so);
    usrsctp_close(b->lso);
    a->sock = b->sock = KVS_SOCK_INVALID; /* anything usrsctp still sends goes nowhere */
    usrsctp_handle_timers(0);
    usrsctp_deregister_address(a);
    usrsctp_deregister_address(b);
    free(a->buf);
    free(b->buf);
    kvs_posix_deinit(&PX);
}

/* --- main --------------------------------------------------------------------------------------- */

typedef void (*runner)(size_t, result *);

typedef struct series {
    double mbs[RUNS], cpu_mb[RUNS], skipped[RUNS];
    unsigned long packets, rtx, largest;
} series;

static void measure(runner fn, size_t msg, series *s) {
    int i;
    memset(s, 0, sizeof *s);
    for (i = 0; i < RUNS; i++) {
        result r;
        memset(&r, 0, sizeof r);
        fn(msg, &r);
        s->mbs[i] = (double)TRANSFER / 1e6 / r.wall;
        s->cpu_mb[i] = r.cpu * 1e6 / ((double)TRANSFER / 1e6);
        s->skipped[i] = r.skipped * 1e3;
        s->packets += r.packets;
        s->rtx += r.rtx;
        if (r.largest > s->largest)
            s->largest = r.largest;
    }
}

static void row(const char *what, const series *s) {
    double lo = s->mbs[0], hi = s->mbs[0];
    int i;
    for (i = 1; i < RUNS; i++) {
        lo = s->mbs[i] < lo ? s->mbs[i] : lo;
        hi = s->mbs[i] > hi ? s->mbs[i] : hi;
    }
    printf("  %-40s %8.1f MB/s  (%6.1f .. %6.1f)  %7.0f us CPU/MB  %6lu pkt/MB  rtx %lu\n", what,
           median(s->mbs, RUNS), lo, hi, median(s->cpu_mb, RUNS),
           (unsigned long)((double)s->packets / RUNS / ((double)TRANSFER / 1e6)), s->rtx);
}

int main(void) {
    static const size_t sizes[2] = {BIG, SMALL};
    double t0 = wall_s();
    size_t i;
    uint32_t k, seed = 0x2545f491u;
    for (k = 0; k < sizeof pool; k++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        pool[k] = (uint8_t)seed;
    }
    usrsctp_init_nothreads(0, u_output, NULL);
    printf("SCTP throughput, one reliable ordered stream, one way, %u MiB per transfer, median of %d "
           "(min .. max)\n", TRANSFER >> 20, RUNS);
    printf("  MB = 10^6 bytes of user data; CPU/MB: process CPU (user + system, both ends); pkt/MB: "
           "SCTP packets both ways;\n  rtx: DATA chunks retransmitted in all runs. Buffers 1 MiB, "
           "packets <= %d bytes, UDP socket buffers 4 MiB.\n", MTU);
    for (i = 0; i < 2; i++) {
        static series mem, kudp, uudp;
        size_t msg = sizes[i];
        double h = harness_cpu(msg);
        printf("\n%lu-byte messages (%lu of them):\n", (unsigned long)msg, (unsigned long)(TRANSFER / msg));
        measure(run_kvs_memory, msg, &mem);
        measure(run_kvs_udp, msg, &kudp);
        measure(run_usrsctp_udp, msg, &uudp);
        row("kvswebrtc <-> kvswebrtc, in memory", &mem);
        row("kvswebrtc <-> kvswebrtc, UDP 127.0.0.1", &kudp);
        row("usrsctp   <-> usrsctp,   UDP 127.0.0.1", &uudp);
        printf("  %-40s %8.2fx\n", "kvswebrtc / usrsctp on loopback", median(kudp.mbs, RUNS) / median(uudp.mbs, RUNS));
        printf("  (in memory: %.0f ms of timer waits skipped per run (median); largest packet: kvswebrtc "
               "%lu B, usrsctp %lu B;\n   the harness alone, build + both checksums: %.0f us CPU/MB)\n",
               median(mem.skipped, RUNS), kudp.largest, uudp.largest, h * 1e6 / ((double)TRANSFER / 1e6));
    }
    for (k = 0; k < 300 && usrsctp_finish() != 0; k++)
        usrsctp_handle_timers(TICK_MS);
    printf("\n(%.1f s)\n", wall_s() - t0);
    return 0;
}
