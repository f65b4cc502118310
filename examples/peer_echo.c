/* peer_echo - a WebRTC data channel echo peer on POSIX: the interop fixture every test harness
   can drive.

   Answerer (default): reads one complete SDP offer (non-trickle, candidates inside) on stdin
   until EOF or a line holding only ".", prints the complete answer followed by a line holding
   only ".", then echoes every data channel message on the channel it came on (text as text,
   binary as binary) and accepts the channels the remote side opens.
   Offerer (--offer): prints an offer (one data channel, "echo", opened once connected) and a
   ".", then reads the answer on stdin (until EOF or "."). With --send N it sends N messages of
   sizes 1 B .. 64 KiB (text and binary in turn) on "echo", checks that each comes back intact
   and in order, and exits 0 as soon as all did (it does not echo in that mode).

   Options:
     --offer            be the offerer
     --send N           (offerer) send N messages and check the echoes
     --seconds N        exit after N seconds (default 30); 0 when --send completes earlier
     --bind ADDR        use only this local address (default: every non-link-local address)
     --turn URI         a TURN server (turn:host:port?transport=udp|tcp, turns:host:port), with
     --turn-user U --turn-pass P
     --ca FILE          (turns:) the PEM trust anchors the TURN server's certificate must chain to
     --relay-only       signal and use relayed candidates only
   Errors go to stderr with exit status 1 (bad input, a failed connection, a wrong echo), 2 for
   bad usage. The connection timeline goes to stderr at the end.

   Build: make (build/examples/peer_echo), or
          cc -std=c99 -O2 examples/peer_echo.c -o peer_echo -lsrtp2 -lbearssl                     */
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../kvswebrtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOCKS 8
#define MAX_MSG (64 * 1024)

static kvs_posix PX;
static kvs_platform PF;
static kvs__log LOG;
static kvs__rng RNG;
static kvs__mem MEM;
static int GUARD;
static kvs_cert CERT;
static kvs__peer PEER;
static kvs_sock SOCKS[MAX_SOCKS];
static int NSOCKS;
static kvs_sock TURN_TCP;
static int TURN_STREAM = -1; /* the TURN server index reached over TCP */
static uint8_t PEND[16384];
static size_t NPEND;

static int opt_offer, opt_relay_only;
static long opt_send = -1, opt_seconds = 30;
static const char *opt_bind, *opt_turn, *opt_turn_user = "", *opt_turn_pass = "", *opt_ca;
static kvs__tls_anchors ANCHORS;

/* Echoes the send buffer could not take yet: kept in order and sent as it drains (up to
   ECHO_BACKLOG bytes; beyond that the peer sends faster than the path carries for too long). */
#define ECHO_BACKLOG (8u << 20)
typedef struct echo_msg {
    struct echo_msg *next;
    uint16_t sid;
    int binary;
    size_t n;
} echo_msg;
static echo_msg *ECHO_HEAD, *ECHO_TAIL;
static size_t ECHO_BYTES;

static int gathered, failed, channel_open;
static uint16_t echo_sid;
static long sent, echoed, bad;

static void die(const char *what, kvs_result r) {
    fprintf(stderr, "peer_echo: %s: %s\n", what, r ? kvs_result_str(r) : "failed");
    exit(1);
}

/* --- peer events ------------------------------------------------------------------------------ */

static void on_candidate(void *ctx, const char *line) {
    (void)ctx;
    if (!line)
        gathered = 1;
}

static void on_event(void *ctx, int what, int value) {
    (void)ctx;
    if (what == KVS__PEER_EV_FAILED) {
        fprintf(stderr, "peer_echo: the connection failed: %s\n", kvs_result_str((kvs_result)value));
        failed = 1;
    }
}

static void on_open(void *ctx, uint16_t sid) {
    (void)ctx;
    fprintf(stderr, "peer_echo: channel %u open\n", (unsigned)sid);
    if (opt_offer && sid == echo_sid)
        channel_open = 1;
}

static void on_closed(void *ctx, uint16_t sid) {
    (void)ctx;
    fprintf(stderr, "peer_echo: channel %u closed\n", (unsigned)sid);
}

/* Message k of the --send run: 4 bytes k, then a pattern; size from k. */
static size_t msg_size(long k) {
    size_t sz = 1 + (size_t)(((unsigned long)k * 2654435761u) % MAX_MSG);
    return k < 3 ? (size_t)(k == 0 ? 1 : k == 1 ? 1200 : MAX_MSG) : sz < 4 ? 4 : sz;
}

static void msg_fill(uint8_t *p, size_t n, long k) {
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)('a' + (k * 7 + (long)i) % 26);
    if (n >= 4)
        kvs__put_u32(p, (uint32_t)k | 0x40404040u);
}

static void on_message(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary) {
    (void)ctx;
    if (opt_send >= 0) {
        static uint8_t want[MAX_MSG];
        size_t sz = msg_size(echoed);
        msg_fill(want, sz, echoed);
        if (sid != echo_sid || n != sz || memcmp(p, want, n) != 0 || binary != (int)(echoed & 1))
            bad++;
        echoed++;
        return;
    }
    if (!ECHO_HEAD && kvs__peer_send(&PEER, sid, p, n, binary) == KVS_OK)
        return;
    {
        echo_msg *m;
        if (ECHO_BYTES + n > ECHO_BACKLOG || !(m = (echo_msg *)malloc(sizeof *m + n))) {
            fprintf(stderr, "peer_echo: echo on channel %u dropped (backlog full)\n", (unsigned)sid);
            return;
        }
        m->next = NULL;
        m->sid = sid;
        m->binary = binary;
        m->n = n;
        memcpy(m + 1, p, n);
        if (ECHO_TAIL)
            ECHO_TAIL->next = m;
        else
            ECHO_HEAD = m;
        ECHO_TAIL = m;
        ECHO_BYTES += n;
    }
}

/* Send the echoes that wait, in order, while the send buffer takes them. */
static void echo_flush(void) {
    while (ECHO_HEAD) {
        echo_msg *m = ECHO_HEAD;
        kvs_result r = kvs__peer_send(&PEER, m->sid, m + 1, m->n, m->binary);
        if (r == KVS_ERR_AGAIN)
            return;
        if (r != KVS_OK)
            fprintf(stderr, "peer_echo: echo on channel %u dropped: %s\n", (unsigned)m->sid, kvs_result_str(r));
        ECHO_HEAD = m->next;
        if (!ECHO_HEAD)
            ECHO_TAIL = NULL;
        ECHO_BYTES -= m->n;
        free(m);
    }
}

/* --- sockets ---------------------------------------------------------------------------------- */

static void open_sockets(void) {
    kvs_addr addrs[MAX_SOCKS];
    int n, i;
    if (opt_bind) {
        if (kvs_addr_parse(&addrs[0], opt_bind, strlen(opt_bind), 0) != KVS_OK) {
            fprintf(stderr, "peer_echo: --bind %s: not an IP address\n", opt_bind);
            exit(2);
        }
        n = 1;
    } else {
        n = kvs_posix_local_addresses(&PX, addrs, MAX_SOCKS);
        if (n <= 0)
            die("no local address", (kvs_result)n);
    }
    for (i = 0; i < n && NSOCKS < MAX_SOCKS; i++) {
        kvs_addr bound;
        if (kvs_addr_is_link_local(&addrs[i]) || kvs_posix_udp_open(&PX, &addrs[i], &SOCKS[NSOCKS], &bound) < 0)
            continue;
        if (kvs__ice_add_host(&PEER.ice, NSOCKS, &bound) == KVS_OK)
            NSOCKS++;
        else
            kvs_posix_sock_close(&PX, SOCKS[NSOCKS]);
    }
    if (!NSOCKS)
        die("no usable local address", KVS_ERR_IO);
}

static void add_turn(void) {
    const char *host;
    size_t hl;
    uint16_t port;
    int transport, is_turn, idx;
    char name[256];
    kvs_addr server;
    kvs_result r;
    if (kvs__turn_uri_parse(opt_turn, strlen(opt_turn), &host, &hl, &port, &transport, &is_turn) != KVS_OK ||
        !is_turn || hl >= sizeof name) {
        fprintf(stderr, "peer_echo: --turn %s: not a turn: URI\n", opt_turn);
        exit(2);
    }
    if (transport == KVS__TURN_TLS && !opt_ca) {
        fprintf(stderr, "peer_echo: --turn %s: turns: needs --ca\n", opt_turn);
        exit(2);
    }
    memcpy(name, host, hl);
    name[hl] = 0;
    if (kvs_posix_resolve(&PX, name, port, &server, 1) < 1)
        die("resolving the TURN server", KVS_ERR_NOT_FOUND);
    if (transport != KVS__TURN_UDP && kvs_posix_tcp_connect(&PX, &server, &TURN_TCP) < 0)
        die("connecting to the TURN server", KVS_ERR_IO);
    if (transport == KVS__TURN_TLS) {
        /* the library runs TLS to the server itself; we carry the bytes */
        static char pem[65536];
        FILE *f = fopen(opt_ca, "rb");
        size_t n = f ? fread(pem, 1, sizeof pem, f) : 0;
        if (f)
            fclose(f);
        if (!n || (r = kvs__tls_anchors_parse(&ANCHORS, &MEM, &LOG, pem, n)) != KVS_OK)
            die("--ca: reading the trust anchors", n ? r : KVS_ERR_IO);
        r = kvs__ice_add_turn_tls(&PEER.ice, &server, name, hl, &ANCHORS, kvs_posix_unix_time(NULL), &MEM,
                                  opt_turn_user, strlen(opt_turn_user), opt_turn_pass, strlen(opt_turn_pass),
                                  kvs_posix_now(NULL), &idx);
    } else {
        r = kvs__ice_add_turn_server(&PEER.ice, 0, &server, transport, opt_turn_user, strlen(opt_turn_user),
                                     opt_turn_pass, strlen(opt_turn_pass), kvs_posix_now(NULL), &idx);
    }
    if (r != KVS_OK)
        die("TURN server", r);
    if (transport != KVS__TURN_UDP)
        TURN_STREAM = idx;
}

/* --- the loop ---------------------------------------------------------------------------------- */

static void pump(kvs_time now) {
    uint8_t buf[2048];
    kvs_addr from;
    kvs__ice_route r;
    size_t len;
    int i, n;
    for (i = 0; i < NSOCKS; i++)
        while ((n = kvs_posix_udp_recv(&PX, SOCKS[i], &from, buf, sizeof buf)) > 0)
            kvs__peer_input(&PEER, i, &from, buf, (size_t)n, now);
    if (TURN_STREAM >= 0) {
        while ((n = kvs_posix_tcp_recv(&PX, TURN_TCP, buf, sizeof buf)) > 0)
            kvs__peer_stream_input(&PEER, TURN_STREAM, buf, (size_t)n, now);
    }
    kvs__peer_timeout(&PEER, now);
    echo_flush();
    /* stream bytes are never dropped (a lost TLS record breaks the connection): while the TCP
       connection does not take them, nothing more is pulled out of the peer */
    for (;;) {
        while (NPEND) {
            int k = kvs_posix_tcp_send(&PX, TURN_TCP, PEND, NPEND);
            if (k <= 0)
                break;
            memmove(PEND, PEND + k, NPEND - (size_t)k);
            NPEND -= (size_t)k;
        }
        if (NPEND + sizeof buf > sizeof PEND || kvs__peer_output(&PEER, &r, buf, sizeof buf, &len, now) != KVS_OK)
            break;
        if (r.kind == KVS__ICE_ROUTE_UDP && r.sock >= 0 && r.sock < NSOCKS)
            (void)kvs_posix_udp_send(&PX, SOCKS[r.sock], &r.to, buf, len);
        else if (r.kind == KVS__ICE_ROUTE_STREAM) {
            memcpy(PEND + NPEND, buf, len);
            NPEND += len;
        }
    }
}

static void wait_until(kvs_time end, int (*done)(void)) {
    for (;;) {
        kvs_time now = kvs_posix_now(NULL), d;
        pump(now);
        if ((done && done()) || now >= end || failed)
            return;
        d = kvs__peer_deadline(&PEER);
        if (d > end)
            d = end;
        if (d > now + KVS_MSEC(50))
            d = now + KVS_MSEC(50);
        kvs_posix_wait(&PX, d > now ? d : now + KVS_MSEC(1));
    }
}

static int is_gathered(void) {
    return gathered;
}

/* stdin until EOF or a line holding only "." */
static size_t read_sdp(char *buf, size_t cap) {
    size_t n = 0;
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        size_t k = strlen(line);
        if (strcmp(line, ".\n") == 0 || strcmp(line, ".\r\n") == 0 || strcmp(line, ".") == 0)
            break;
        if (n + k >= cap) {
            fprintf(stderr, "peer_echo: the description is larger than %lu bytes\n", (unsigned long)cap);
            exit(1);
        }
        memcpy(buf + n, line, k);
        n += k;
    }
    buf[n] = 0;
    return n;
}

static int all_echoed(void) {
    static uint8_t msg[MAX_MSG];
    if (!channel_open && PEER.sctp_started && echo_sid == 0xffff) {
        if (kvs__peer_open_channel(&PEER, "echo", "", KVS_DC_RELIABLE, 0, 0, -1, &echo_sid) != KVS_OK)
            echo_sid = 0xffff;
    }
    while (channel_open && sent < opt_send) {
        size_t sz = msg_size(sent);
        msg_fill(msg, sz, sent);
        if (kvs__peer_send(&PEER, echo_sid, msg, sz, (int)(sent & 1)) != KVS_OK)
            break;
        sent++;
    }
    return opt_send >= 0 && echoed >= opt_send;
}

static int open_channel_when_up(void) {
    if (opt_offer && PEER.sctp_started && echo_sid == 0xffff)
        (void)kvs__peer_open_channel(&PEER, "echo", "", KVS_DC_RELIABLE, 0, 0, -1, &echo_sid);
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: peer_echo [--offer [--send N]] [--seconds N] [--bind ADDR] [--turn URI --turn-user U "
                    "--turn-pass P [--ca FILE]] [--relay-only]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static char sdp_text[65536];
    kvs__peer_cfg cfg;
    kvs__peer_cb cb;
    kvs_result r;
    kvs_time start, end;
    int i;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--offer"))
            opt_offer = 1;
        else if (!strcmp(argv[i], "--relay-only"))
            opt_relay_only = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "--send"))
            opt_send = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--seconds"))
            opt_seconds = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--bind"))
            opt_bind = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--turn"))
            opt_turn = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--turn-user"))
            opt_turn_user = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--turn-pass"))
            opt_turn_pass = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--ca"))
            opt_ca = argv[++i];
        else
            usage();
    }
    if ((opt_send >= 0 && !opt_offer) || (opt_relay_only && !opt_turn) || opt_seconds < 0)
        usage();
    echo_sid = 0xffff;
    kvs_posix_init(&PX);
    kvs_posix_platform(&PX, &PF);
    PF.log = getenv("KVS_VERBOSE") ? kvs_posix_log : NULL;
    kvs__log_init(&LOG, &PF, &GUARD, KVS_LOG_DEBUG);
    kvs__mem_init(&MEM, &PF, &GUARD, &LOG, 0);
    kvs__crypto_rng_init(&RNG, &PF, &GUARD, &LOG);
    if ((r = kvs_cert_generate(&CERT, &PF, NULL, 0)) != KVS_OK)
        die("generating the certificate", r);
    memset(&cfg, 0, sizeof cfg);
    cfg.ice.controlling = opt_offer;
    cfg.ice.relay_only = opt_relay_only;
    cfg.cert = &CERT;
    memset(&cb, 0, sizeof cb);
    cb.candidate = on_candidate;
    cb.event = on_event;
    cb.open = on_open;
    cb.message = on_message;
    cb.closed = on_closed;
    start = kvs_posix_now(NULL);
    if ((r = kvs__peer_init(&PEER, &cfg, &cb, &RNG, &LOG, &MEM, start)) != KVS_OK)
        die("creating the peer", r);
    open_sockets();
    if (opt_turn)
        add_turn();
    end = start + KVS_SEC(opt_seconds);
    if (!opt_offer) {
        static char answer[16384];
        size_t n = read_sdp(sdp_text, sizeof sdp_text), len;
        int line = 0;
        wait_until(start + KVS_SEC(10), is_gathered);
        r = kvs__peer_answer(&PEER, sdp_text, n, answer, sizeof answer, &len, &line, kvs_posix_now(NULL));
        if (r != KVS_OK) {
            fprintf(stderr, "peer_echo: the offer%s%d: %s\n", line ? ", line " : " ", line, kvs_result_str(r));
            return 1;
        }
        fwrite(answer, 1, len, stdout);
        fputs(".\n", stdout);
        fflush(stdout);
        wait_until(end, NULL);
    } else {
        static char offer[16384];
        size_t n, len;
        int line = 0;
        wait_until(start + KVS_SEC(10), is_gathered);
        if ((r = kvs__peer_create_offer(&PEER, offer, sizeof offer, &len)) != KVS_OK)
            die("writing the offer", r);
        fwrite(offer, 1, len, stdout);
        fputs(".\n", stdout);
        fflush(stdout);
        n = read_sdp(sdp_text, sizeof sdp_text);
        r = kvs__peer_set_answer(&PEER, sdp_text, n, &line, kvs_posix_now(NULL));
        if (r != KVS_OK) {
            fprintf(stderr, "peer_echo: the answer%s%d: %s\n", line ? ", line " : " ", line, kvs_result_str(r));
            return 1;
        }
        wait_until(end, opt_send >= 0 ? all_echoed : open_channel_when_up);
    }
    fprintf(stderr,
            "peer_echo: timeline (ms from start): remote description %.1f, first candidate %.1f, ICE %.1f, "
            "DTLS %.1f, SCTP %.1f, first channel %.1f\n",
            PEER.tl.remote_set ? (double)(PEER.tl.remote_set - start) / 1e3 : -1.0,
            PEER.tl.first_candidate ? (double)(PEER.tl.first_candidate - start) / 1e3 : -1.0,
            PEER.tl.ice_connected ? (double)(PEER.tl.ice_connected - start) / 1e3 : -1.0,
            PEER.tl.dtls_connected ? (double)(PEER.tl.dtls_connected - start) / 1e3 : -1.0,
            PEER.tl.sctp_up ? (double)(PEER.tl.sctp_up - start) / 1e3 : -1.0,
            PEER.tl.first_channel ? (double)(PEER.tl.first_channel - start) / 1e3 : -1.0);
    if (opt_send >= 0) {
        fprintf(stderr, "peer_echo: %ld of %ld messages echoed, %ld wrong\n", echoed, opt_send, bad);
        if (echoed < opt_send || bad)
            return 1;
    }
    while (ECHO_HEAD) {
        echo_msg *m = ECHO_HEAD;
        ECHO_HEAD = m->next;
        free(m);
    }
    kvs__peer_deinit(&PEER);
    if (opt_ca)
        kvs__tls_anchors_free(&ANCHORS);
    kvs_cert_clear(&CERT);
    kvs_posix_deinit(&PX);
    return failed ? 1 : 0;
}
