/* ice_turn - kvswebrtc's TURN client and ICE agent (>>turn, >>ice, >>ice-check) against coturn,
   over real sockets on loopback. Run inside tests/interop/coturn_env.sh, which starts coturn
   (one instance with long-term credentials, one with TURN REST API credentials, each on UDP,
   TCP and TLS) in a private network namespace and exports where they listen.

   Usage: ice_turn [--udp-dropped]
   Cases, for each credential kind (long-term, REST) and each transport to the server (UDP, TCP,
   TLS):
     alloc     one agent allocates: its relayed candidate is signalled;
     connect   two agents, relay only (no host candidates signalled or paired), each with its own
               allocation, exchange credentials and candidates, connect through coturn, send data
               both ways through the selected pairs, and release their allocations.
   With --udp-dropped (UDP to the servers blocked in the namespace; coturn_selfcheck.sh proves
   the block) only the TCP and TLS cases run, and they must work.
   Output: one line per case "ok   interop: ice-turn <case>" / "FAIL ...", then "N passed, N
   failed". Exit status 0 when every case passed.

   Environment (from coturn_env.sh): KVS_TURN_LT_UDP, KVS_TURN_LT_TCP, KVS_TURN_LT_TLS,
   KVS_TURN_REST_UDP, KVS_TURN_REST_TCP, KVS_TURN_REST_TLS (host:port), KVS_TURN_USER,
   KVS_TURN_PASS, KVS_TURN_SECRET, KVS_TURN_CA (the PEM the TLS client trusts),
   KVS_TURN_TLS_NAME (the server name in its certificate). */
#define KVS_TESTING 1
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_LIMIT KVS_SEC(20)

typedef struct side {
    kvs__ice a;
    kvs_sock udp;
    kvs_sock tcp;
    int tcp_open, stream_failed;
    kvs_addr host;
    char lines[8][160];
    int nlines, gathered, states, relayed;
    unsigned long data_in;
    uint8_t pend[8192]; /* stream bytes waiting for the connection */
    size_t npend;
} side;

static kvs_posix PX;
static kvs_platform PF;
static kvs__log LOG;
static kvs__rng RNG;
static kvs__mem MEM;
static kvs__tls_anchors ANCHORS;
static int GUARD, HAVE_ANCHORS;
static int passed, failed;

static void cand_cb(void *ctx, const kvs__ice_cand *c, const char *line) {
    side *s = (side *)ctx;
    if (!line) {
        s->gathered = 1;
        return;
    }
    if (c->type == KVS__ICE_RELAY)
        s->relayed = 1;
    if (s->nlines < 8)
        snprintf(s->lines[s->nlines++], sizeof s->lines[0], "%s", line);
}

static void state_cb(void *ctx, int state) {
    (void)ctx;
    (void)state;
}

static void data_cb(void *ctx, const uint8_t *p, size_t n) {
    side *s = (side *)ctx;
    if (n == 9 && memcmp(p, "\x17relayed!", 9) == 0)
        s->data_in++;
}

/* host:port from the environment. */
static int env_addr(const char *name, kvs_addr *out) {
    const char *v = getenv(name), *colon;
    if (!v || !(colon = strrchr(v, ':')))
        return 0;
    return kvs_addr_parse(out, v, (size_t)(colon - v), (uint16_t)atoi(colon + 1)) == KVS_OK;
}

/* TURN REST API credentials: user "<expiry>:kvs", password base64(HMAC-SHA1(secret, user)). */
static void rest_creds(char *user, size_t ucap, char *pass, size_t pcap) {
    uint8_t mac[20];
    const char *secret = getenv("KVS_TURN_SECRET");
    kvs__wr w;
    size_t n;
    snprintf(user, ucap, "%lld:kvs", (long long)kvs_posix_unix_time(NULL) + 3600);
    kvs__crypto_hmac_sha1(secret ? secret : "", secret ? strlen(secret) : 0, user, strlen(user), mac);
    kvs__wr_init(&w, pass, pcap - 1);
    kvs__b64_encode(&w, mac, sizeof mac);
    n = w.len < pcap ? w.len : pcap - 1;
    pass[n] = 0;
}

static int side_init(side *s, int controlling, const kvs_addr *server, int transport, int rest, kvs_time now) {
    kvs__ice_cfg cfg;
    kvs__ice_cb cb;
    kvs_addr any;
    char user[128], pass[128];
    int idx;
    memset(s, 0, sizeof *s);
    memset(&cfg, 0, sizeof cfg);
    cfg.controlling = controlling;
    cfg.relay_only = 1;
    memset(&cb, 0, sizeof cb);
    cb.ctx = s;
    cb.candidate = cand_cb;
    cb.state = state_cb;
    cb.data = data_cb;
    if (kvs__ice_init(&s->a, &cfg, &cb, &RNG, &LOG) != KVS_OK)
        return 0;
    kvs_addr_parse(&any, "127.0.0.1", 9, 0);
    if (kvs_posix_udp_open(&PX, &any, &s->udp, &s->host) < 0)
        return 0;
    if (kvs__ice_add_host(&s->a, 0, &s->host) != KVS_OK)
        return 0;
    if (rest) {
        rest_creds(user, sizeof user, pass, sizeof pass);
    } else {
        snprintf(user, sizeof user, "%s", getenv("KVS_TURN_USER") ? getenv("KVS_TURN_USER") : "");
        snprintf(pass, sizeof pass, "%s", getenv("KVS_TURN_PASS") ? getenv("KVS_TURN_PASS") : "");
    }
    if (transport != KVS__TURN_UDP) {
        if (kvs_posix_tcp_connect(&PX, server, &s->tcp) < 0)
            return 0;
        s->tcp_open = 1;
    }
    if (transport == KVS__TURN_TLS) {
        /* the agent runs the TLS client itself: we only carry the bytes */
        const char *name = getenv("KVS_TURN_TLS_NAME");
        if (!name)
            name = "localhost";
        return HAVE_ANCHORS &&
               kvs__ice_add_turn_tls(&s->a, server, name, strlen(name), &ANCHORS, kvs_posix_unix_time(NULL), &MEM,
                                     user, strlen(user), pass, strlen(pass), now, &idx) == KVS_OK;
    }
    return kvs__ice_add_turn_server(&s->a, 0, server, transport, user, strlen(user), pass, strlen(pass), now,
                                    &idx) == KVS_OK;
}

static void side_close(side *s) {
    kvs_posix_sock_close(&PX, s->udp);
    if (s->tcp_open)
        kvs_posix_sock_close(&PX, s->tcp);
    kvs__ice_deinit(&s->a);
}

static void stream_flush(side *s) {
    while (s->npend && !s->stream_failed) {
        int k = kvs_posix_tcp_send(&PX, s->tcp, s->pend, s->npend);
        if (k < 0) {
            s->stream_failed = 1;
            return;
        }
        if (k == 0)
            return;
        memmove(s->pend, s->pend + k, s->npend - (size_t)k);
        s->npend -= (size_t)k;
    }
}

static void side_out(side *s, kvs_time now) {
    uint8_t buf[1600];
    kvs__ice_route r;
    size_t len;
    while (kvs__ice_output(&s->a, &r, buf, sizeof buf, &len, now) == KVS_OK) {
        if (r.kind == KVS__ICE_ROUTE_UDP) {
            (void)kvs_posix_udp_send(&PX, s->udp, &r.to, buf, len);
        } else if (s->npend + len <= sizeof s->pend) {
            memcpy(s->pend + s->npend, buf, len);
            s->npend += len;
        }
    }
    stream_flush(s);
}

static void side_in(side *s, kvs_time now) {
    uint8_t buf[4096];
    kvs_addr from;
    int n;
    while ((n = kvs_posix_udp_recv(&PX, s->udp, &from, buf, sizeof buf)) > 0)
        kvs__ice_input(&s->a, 0, &from, buf, (size_t)n, now);
    if (s->tcp_open && !s->stream_failed) {
        while ((n = kvs_posix_tcp_recv(&PX, s->tcp, buf, sizeof buf)) > 0)
            kvs__ice_stream_input(&s->a, 0, buf, (size_t)n, now);
        if (n < 0)
            s->stream_failed = 1;
    }
}

/* Run both sides (or one) until done(), or the limit. */
static int run(side *s, int ns, kvs_time limit, int (*done)(side *, int)) {
    kvs_time end = kvs_posix_now(NULL) + limit;
    for (;;) {
        kvs_time now = kvs_posix_now(NULL), d = now + KVS_MSEC(20);
        int i;
        for (i = 0; i < ns; i++) {
            side_in(&s[i], now);
            side_out(&s[i], now);
        }
        if (done(s, ns))
            return 1;
        if (now >= end)
            return 0;
        for (i = 0; i < ns; i++) {
            kvs_time t = kvs__ice_deadline(&s[i].a);
            if (t < d)
                d = t;
        }
        kvs_posix_wait(&PX, d > now ? d : now + KVS_MSEC(1));
    }
}

static int done_alloc(side *s, int ns) {
    (void)ns;
    return s[0].relayed || s[0].a.turn[0].state == KVS__TURN_FAILED;
}

static int done_connect(side *s, int ns) {
    (void)ns;
    return (s[0].a.selected >= 0 && s[1].a.selected >= 0) || s[0].a.state == KVS__ICE_FAILED ||
           s[1].a.state == KVS__ICE_FAILED || s[0].a.turn[0].state == KVS__TURN_FAILED ||
           s[1].a.turn[0].state == KVS__TURN_FAILED;
}

static int done_data(side *s, int ns) {
    (void)ns;
    return s[0].data_in && s[1].data_in;
}

static int done_closed(side *s, int ns) {
    int i;
    for (i = 0; i < ns; i++)
        if (s[i].a.turn[0].state == KVS__TURN_DEALLOCATING)
            return 0;
    return 1;
}

static void report(int ok, const char *name, const char *why) {
    if (ok) {
        passed++;
        printf("ok   interop: ice-turn %s\n", name);
    } else {
        failed++;
        printf("FAIL interop: ice-turn %s\n    %s\n", name, why);
    }
    fflush(stdout);
}

static void one_case(int connect, int rest, int transport, int udp_dropped) {
    static const char *const tn[3] = {"udp", "tcp", "tls"};
    static const char *const envs[2][3] = {{"KVS_TURN_LT_UDP", "KVS_TURN_LT_TCP", "KVS_TURN_LT_TLS"},
                                           {"KVS_TURN_REST_UDP", "KVS_TURN_REST_TCP", "KVS_TURN_REST_TLS"}};
    static side s[2];
    char name[96], why[256];
    kvs_addr server;
    int ok, i, ns = connect ? 2 : 1;
    kvs_time limit = CASE_LIMIT;
    snprintf(name, sizeof name, "%s, %s credentials, TURN over %s%s", connect ? "two agents connect relay-only" : "allocation",
             rest ? "REST" : "long-term", tn[transport], udp_dropped ? " (UDP dropped)" : "");
    if (!env_addr(envs[rest][transport], &server)) {
        report(0, name, "no server address in the environment (run inside coturn_env.sh)");
        return;
    }
    for (i = 0; i < ns; i++) {
        if (!side_init(&s[i], i == 0, &server, transport, rest, kvs_posix_now(NULL))) {
            report(0, name, "setup failed (sockets)");
            return;
        }
    }
    if (!connect) {
        run(s, 1, limit, done_alloc);
        ok = s[0].relayed;
        snprintf(why, sizeof why, "relayed candidate %s; TURN state %d, error %s", s[0].relayed ? "signalled" : "missing",
                 s[0].a.turn[0].state, kvs_result_str(s[0].a.turn[0].error));
    } else {
        /* gather, then signal everything both ways */
        run(s, 2, limit, done_alloc);
        for (i = 0; i < 2 && run(&s[i], 1, limit, done_alloc); i++)
            ;
        for (i = 0; i < 2; i++) {
            side *o = &s[1 - i];
            int k;
            kvs__ice_set_remote(&o->a, s[i].a.lufrag, 8, s[i].a.lpwd, 24);
            for (k = 0; k < s[i].nlines; k++) {
                kvs__ice_cand c;
                if (kvs__ice_cand_parse(s[i].lines[k], strlen(s[i].lines[k]), &c) == KVS_OK)
                    kvs__ice_add_remote(&o->a, &c);
            }
            kvs__ice_remote_done(&o->a);
        }
        ok = run(s, 2, limit, done_connect) && s[0].a.selected >= 0 && s[1].a.selected >= 0;
        if (ok) {
            /* data both ways through the relays */
            for (i = 0; i < 2; i++) {
                uint8_t buf[1600];
                kvs__ice_route r;
                size_t len;
                if (kvs__ice_send(&s[i].a, (const uint8_t *)"\x17relayed!", 9, &r, buf, sizeof buf, &len) == KVS_OK) {
                    if (r.kind == KVS__ICE_ROUTE_UDP) {
                        (void)kvs_posix_udp_send(&PX, s[i].udp, &r.to, buf, len);
                    } else if (s[i].npend + len <= sizeof s[i].pend) {
                        memcpy(s[i].pend + s[i].npend, buf, len);
                        s[i].npend += len;
                    }
                }
            }
            ok = run(s, 2, KVS_SEC(5), done_data);
        }
        if (!ok && getenv("KVS_VERBOSE"))
            for (i = 0; i < 2; i++) {
                int k;
                kvs__turn_stats *ts = &s[i].a.turn[0].st;
                fprintf(stderr, "side %d: checks sent %u recv %u resp %u dropped %u; turn req %u perm %u chan %u "
                        "send %u chan-out %u data-in %u chan-in %u dropped %u\n", i, s[i].a.st.checks_sent,
                        s[i].a.st.checks_received, s[i].a.st.responses_sent, s[i].a.st.dropped, ts->requests,
                        ts->permissions, ts->channels, ts->sent_send, ts->sent_channel, ts->recv_data,
                        ts->recv_channel, ts->dropped);
                for (k = 0; k < KVS_ICE_MAX_PAIRS; k++)
                    if (s[i].a.pairs[k].used)
                        fprintf(stderr, "  pair %d: state %d valid %d\n", k, s[i].a.pairs[k].state,
                                s[i].a.pairs[k].valid);
            }
        snprintf(why, sizeof why, "ICE states %d / %d, selected %d / %d, data in %lu / %lu, TURN %d / %d (%s)",
                 s[0].a.state, s[1].a.state, s[0].a.selected, s[1].a.selected, s[0].data_in, s[1].data_in,
                 s[0].a.turn[0].state, s[1].a.turn[0].state, kvs_result_str(s[0].a.turn[0].error));
    }
    /* release the allocations */
    for (i = 0; i < ns; i++)
        kvs__ice_close(&s[i].a, kvs_posix_now(NULL));
    run(s, ns, KVS_SEC(3), done_closed);
    for (i = 0; i < ns; i++)
        side_close(&s[i]);
    report(ok, name, why);
}

int main(int argc, char **argv) {
    int udp_dropped = argc > 1 && strcmp(argv[1], "--udp-dropped") == 0, rest, tr;
    kvs_posix_init(&PX);
    kvs_posix_platform(&PX, &PF);
    PF.log = NULL;
    if (getenv("KVS_VERBOSE"))
        PF.log = kvs_posix_log;
    kvs__log_init(&LOG, &PF, &GUARD, KVS_LOG_DEBUG);
    kvs__crypto_rng_init(&RNG, &PF, &GUARD, &LOG);
    kvs__mem_init(&MEM, &PF, &GUARD, &LOG, 0);
    {
        /* the CA the TURN servers' certificate chains to */
        static char pem[65536];
        const char *path = getenv("KVS_TURN_CA");
        FILE *f = path ? fopen(path, "rb") : NULL;
        size_t n = f ? fread(pem, 1, sizeof pem, f) : 0;
        if (f)
            fclose(f);
        HAVE_ANCHORS = n > 0 && kvs__tls_anchors_parse(&ANCHORS, &MEM, &LOG, pem, n) == KVS_OK;
    }
    for (rest = 0; rest < 2; rest++)
        for (tr = udp_dropped ? 1 : 0; tr < 3; tr++) {
            one_case(0, rest, tr, udp_dropped);
            one_case(1, rest, tr, udp_dropped);
        }
    if (HAVE_ANCHORS)
        kvs__tls_anchors_free(&ANCHORS);
    kvs_posix_deinit(&PX);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
