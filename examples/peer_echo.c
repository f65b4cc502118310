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

   It uses only the public API: one kvs_client with the POSIX platform (the driver does the
   socket I/O), one kvs_peer, its events.

   Build: make (build/examples/peer_echo), or
          cc -std=c99 -O2 examples/peer_echo.c -o peer_echo -lsrtp2 -lbearssl                     */
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../kvswebrtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MSG (64 * 1024)

static kvs_posix PX;
static kvs_platform PF;
static kvs_client C;
static kvs_cert CERT;
static kvs_peer_id PEER;

static int opt_offer, opt_relay_only;
static long opt_send = -1, opt_seconds = 30;
static const char *opt_bind, *opt_turn, *opt_turn_user = "", *opt_turn_pass = "", *opt_ca;

/* Echoes the send buffer could not take yet: kept in order and sent as it drains (up to
   ECHO_BACKLOG bytes; beyond that the peer sends faster than the path carries for too long). */
#define ECHO_BACKLOG (8u << 20)
typedef struct echo_msg {
    struct echo_msg *next;
    uint16_t id;
    int binary;
    size_t n;
} echo_msg;
static echo_msg *ECHO_HEAD, *ECHO_TAIL;
static size_t ECHO_BYTES;

static int gathered, failed, sctp_up, channel_open;
static uint16_t echo_id = 0xffff;
static long sent, echoed, bad;

static void die(const char *what, kvs_result r) {
    fprintf(stderr, "peer_echo: %s: %s\n", what, r ? kvs_result_str(r) : "failed");
    exit(1);
}

/* --- messages --------------------------------------------------------------------------------- */

/* Message k of the --send run: 4 bytes k, then a pattern; size from k. */
static size_t msg_size(long k) {
    size_t sz = 1 + (size_t)(((unsigned long)k * 2654435761u) % MAX_MSG);
    return k < 3 ? (size_t)(k == 0 ? 1 : k == 1 ? 1200 : MAX_MSG) : sz < 4 ? 4 : sz;
}

static void msg_fill(uint8_t *p, size_t n, long k) {
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)('a' + (k * 7 + (long)i) % 26);
    if (n >= 4) {
        uint32_t v = (uint32_t)k | 0x40404040u;
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
    }
}

/* Send the echoes that wait, in order, while the send buffer takes them. */
static void echo_flush(void) {
    while (ECHO_HEAD) {
        echo_msg *m = ECHO_HEAD;
        kvs_result r = kvs_dc_send(&C, PEER, m->id, m + 1, m->n, m->binary);
        if (r == KVS_ERR_AGAIN)
            return;
        if (r != KVS_OK)
            fprintf(stderr, "peer_echo: echo on channel %u dropped: %s\n", (unsigned)m->id, kvs_result_str(r));
        ECHO_HEAD = m->next;
        if (!ECHO_HEAD)
            ECHO_TAIL = NULL;
        ECHO_BYTES -= m->n;
        free(m);
    }
}

static void echo(uint16_t id, const uint8_t *p, size_t n, int binary) {
    echo_msg *m;
    if (!ECHO_HEAD && kvs_dc_send(&C, PEER, id, p, n, binary) == KVS_OK)
        return;
    if (ECHO_BYTES + n > ECHO_BACKLOG || !(m = (echo_msg *)malloc(sizeof *m + n))) {
        fprintf(stderr, "peer_echo: echo on channel %u dropped (backlog full)\n", (unsigned)id);
        return;
    }
    m->next = NULL;
    m->id = id;
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

static void check_echo(uint16_t id, const uint8_t *p, size_t n, int binary) {
    static uint8_t want[MAX_MSG];
    size_t sz = msg_size(echoed);
    msg_fill(want, sz, echoed);
    if (id != echo_id || n != sz || memcmp(p, want, n) != 0 || binary != (int)(echoed & 1))
        bad++;
    echoed++;
}

/* --- events ------------------------------------------------------------------------------------ */

static void on_event(const kvs_event *ev) {
    switch (ev->type) {
    case KVS_EV_PEER_CANDIDATE:
        if (ev->u.candidate.len == 0)
            gathered = 1;
        break;
    case KVS_EV_PEER_STATE:
        if (ev->u.state.state == KVS_PEER_FAILED) {
            fprintf(stderr, "peer_echo: the connection failed: %s\n", kvs_result_str(ev->u.state.result));
            failed = 1;
        }
        break;
    case KVS_EV_PEER_MILESTONE:
        if (ev->u.milestone.which == KVS_MS_SCTP_UP)
            sctp_up = 1;
        break;
    case KVS_EV_DC_OPEN:
        fprintf(stderr, "peer_echo: channel %u open\n", (unsigned)ev->u.dc.id);
        if (opt_offer && ev->u.dc.id == echo_id)
            channel_open = 1;
        break;
    case KVS_EV_DC_MESSAGE:
        if (opt_send >= 0)
            check_echo(ev->u.dc.id, ev->u.dc.data, ev->u.dc.len, ev->u.dc.binary);
        else
            echo(ev->u.dc.id, ev->u.dc.data, ev->u.dc.len, ev->u.dc.binary);
        break;
    case KVS_EV_DC_CLOSE:
        fprintf(stderr, "peer_echo: channel %u closed\n", (unsigned)ev->u.dc.id);
        break;
    case KVS_EV_DC_BUFFERED_LOW:
        echo_flush();
        break;
    default:
        break;
    }
}

/* --- the loop ---------------------------------------------------------------------------------- */

/* Offerer: open "echo" once SCTP is up; with --send, keep the send buffer full. */
static void offerer_work(void) {
    static uint8_t msg[MAX_MSG];
    if (opt_offer && sctp_up && echo_id == 0xffff) {
        kvs_dc_config dc;
        memset(&dc, 0, sizeof dc);
        dc.label = "echo";
        dc.type = KVS_DC_RELIABLE;
        dc.id = -1;
        if (kvs_dc_open(&C, PEER, &dc, &echo_id) != KVS_OK)
            echo_id = 0xffff;
    }
    while (channel_open && sent < opt_send) {
        size_t sz = msg_size(sent);
        msg_fill(msg, sz, sent);
        if (kvs_dc_send(&C, PEER, echo_id, msg, sz, (int)(sent & 1)) != KVS_OK)
            break;
        sent++;
    }
}

static void step(void) {
    kvs_event ev;
    kvs_time now = kvs_posix_now(NULL);
    (void)kvs_run_once(&C, now);
    while (kvs_client_poll(&C, now, &ev) == KVS_OK)
        on_event(&ev);
    echo_flush();
    offerer_work();
    while (kvs_client_poll(&C, now, &ev) == KVS_OK) /* what the sends above produced */
        on_event(&ev);
}

static int is_gathered(void) {
    return gathered;
}

static int all_echoed(void) {
    return opt_send >= 0 && echoed >= opt_send;
}

static void wait_until(kvs_time end, int (*done)(void)) {
    for (;;) {
        kvs_time now, d;
        step();
        now = kvs_posix_now(NULL);
        if ((done && done()) || now >= end || failed)
            return;
        d = kvs_client_next_timeout(&C);
        if (d > end)
            d = end;
        if (d > now + KVS_MSEC(50))
            d = now + KVS_MSEC(50);
        kvs_posix_wait(&PX, d > now ? d : now);
    }
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

static void usage(void) {
    fprintf(stderr, "usage: peer_echo [--offer [--send N]] [--seconds N] [--bind ADDR] [--turn URI --turn-user U "
                    "--turn-pass P [--ca FILE]] [--relay-only]\n");
    exit(2);
}

static void print_timeline(kvs_time start) {
    static const char *names[KVS_MS_COUNT_] = {"remote description", "first candidate", "ICE", "DTLS", "SCTP",
                                               "first channel"};
    kvs_peer_stats st;
    int i;
    if (kvs_peer_stats_get(&C, PEER, &st) != KVS_OK)
        return;
    fprintf(stderr, "peer_echo: timeline (ms from start):");
    for (i = 0; i < KVS_MS_COUNT_; i++)
        fprintf(stderr, "%s %s %.1f", i ? "," : "", names[i],
                st.timeline.at[i] ? (double)(st.timeline.at[i] - start) / 1e3 : -1.0);
    fprintf(stderr, "\n");
}

int main(int argc, char **argv) {
    static char sdp_text[65536], pem[65536], out[16384];
    kvs_config cc;
    kvs_peer_config pc;
    kvs_ice_server turn;
    kvs_addr bind_addr;
    kvs_result r;
    kvs_time start, end;
    size_t n, len;
    int i, line = 0;
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
    if (opt_bind && kvs_addr_parse(&bind_addr, opt_bind, strlen(opt_bind), 0) != KVS_OK) {
        fprintf(stderr, "peer_echo: --bind %s: not an IP address\n", opt_bind);
        return 2;
    }
    kvs_posix_init(&PX);
    kvs_posix_platform(&PX, &PF);
    PF.log = getenv("KVS_VERBOSE") ? kvs_posix_log : NULL;
    memset(&cc, 0, sizeof cc);
    if (opt_ca) { /* the trust anchors a turns: server's certificate must chain to */
        FILE *f = fopen(opt_ca, "rb");
        n = f ? fread(pem, 1, sizeof pem, f) : 0;
        if (f)
            fclose(f);
        if (!n)
            die("--ca: reading the trust anchors", KVS_ERR_IO);
        cc.trust_anchors_pem = pem;
        cc.trust_anchors_len = n;
    }
    if ((r = kvs_client_init(&C, &cc, &PF)) != KVS_OK) {
        fprintf(stderr, "peer_echo: %s: %s\n", kvs_result_str(r), kvs_log_item_str(kvs_client_last_error_item(&C)));
        return 1;
    }
    if ((r = kvs_cert_generate(&CERT, &PF, NULL, 0)) != KVS_OK)
        die("generating the certificate", r);
    memset(&pc, 0, sizeof pc);
    pc.cert = &CERT;
    if (opt_turn) {
        turn.url = opt_turn;
        turn.username = opt_turn_user;
        turn.credential = opt_turn_pass;
        pc.ice_servers = &turn;
        pc.n_ice_servers = 1;
    }
    pc.ice_policy = opt_relay_only ? KVS_ICE_POLICY_RELAY : KVS_ICE_POLICY_ALL;
    if (opt_bind) {
        pc.local_addresses = &bind_addr;
        pc.n_local_addresses = 1;
    }
    start = kvs_posix_now(NULL);
    if ((r = kvs_peer_create(&C, &pc, start, &PEER)) != KVS_OK) {
        fprintf(stderr, "peer_echo: creating the peer: %s (%s)\n", kvs_result_str(r),
                kvs_log_item_str(kvs_client_last_error_item(&C)));
        return r == KVS_ERR_INVALID_ARG ? 2 : 1;
    }
    end = start + KVS_SEC(opt_seconds);
    wait_until(start + KVS_SEC(10), is_gathered);
    if (!opt_offer) {
        n = read_sdp(sdp_text, sizeof sdp_text);
        r = kvs_peer_answer(&C, PEER, sdp_text, n, out, sizeof out, &len, &line, kvs_posix_now(NULL));
        if (r != KVS_OK) {
            fprintf(stderr, "peer_echo: the offer%s%d: %s\n", line ? ", line " : " ", line, kvs_result_str(r));
            return 1;
        }
        fwrite(out, 1, len, stdout);
        fputs(".\n", stdout);
        fflush(stdout);
        wait_until(end, NULL);
    } else {
        if ((r = kvs_peer_create_offer(&C, PEER, out, sizeof out, &len, kvs_posix_now(NULL))) != KVS_OK)
            die("writing the offer", r);
        fwrite(out, 1, len, stdout);
        fputs(".\n", stdout);
        fflush(stdout);
        n = read_sdp(sdp_text, sizeof sdp_text);
        r = kvs_peer_set_answer(&C, PEER, sdp_text, n, &line, kvs_posix_now(NULL));
        if (r != KVS_OK) {
            fprintf(stderr, "peer_echo: the answer%s%d: %s\n", line ? ", line " : " ", line, kvs_result_str(r));
            return 1;
        }
        wait_until(end, opt_send >= 0 ? all_echoed : NULL);
    }
    print_timeline(start);
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
    kvs_client_deinit(&C);
    kvs_cert_clear(&CERT);
    kvs_posix_deinit(&PX);
    return failed ? 1 : 0;
}
