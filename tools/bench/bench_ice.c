/* bench_ice - `make bench` figures for the ICE agent (>>ice, >>ice-check) over real UDP on
   loopback: the time from the first connectivity check to connected (both agents selected a
   pair) and the packets both agents sent before that, median of RUNS connections:
   - host: two agents, one host candidate each on 127.0.0.1;
   - relay: two agents, relay only, through coturn (TURN over UDP, long-term credentials), when
     the bench runs inside tests/interop/coturn_env.sh (KVS_TURN_LT_UDP set; `make bench` does
     that); the allocation itself is not in the figure (it happens before the first check).
   Ta is the default 50 ms; a check that waits for its pacing slot counts in the time. */
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 21

typedef struct bside {
    kvs__ice a;
    kvs_sock udp;
    kvs_addr host;
    char lines[8][160];
    int nlines, relayed;
    unsigned long sent;
} bside;

static kvs_posix PX;
static kvs_platform PF;
static kvs__log LOG;
static kvs__rng RNG;
static int GUARD;

static void cand_cb(void *ctx, const kvs__ice_cand *c, const char *line) {
    bside *s = (bside *)ctx;
    if (!line)
        return;
    if (c->type == KVS__ICE_RELAY)
        s->relayed = 1;
    if (s->nlines < 8)
        snprintf(s->lines[s->nlines++], sizeof s->lines[0], "%s", line);
}

static int cmp_time(const void *a, const void *b) {
    kvs_time x = *(const kvs_time *)a, y = *(const kvs_time *)b;
    return x < y ? -1 : x > y;
}

static int cmp_ul(const void *a, const void *b) {
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static int side_init(bside *s, int controlling, const kvs_addr *turn) {
    kvs__ice_cfg cfg;
    kvs__ice_cb cb;
    kvs_addr any;
    memset(s, 0, sizeof *s);
    memset(&cfg, 0, sizeof cfg);
    cfg.controlling = controlling;
    cfg.relay_only = turn != NULL;
    memset(&cb, 0, sizeof cb);
    cb.ctx = s;
    cb.candidate = cand_cb;
    if (kvs__ice_init(&s->a, &cfg, &cb, &RNG, &LOG) != KVS_OK)
        return 0;
    kvs_addr_parse(&any, "127.0.0.1", 9, 0);
    if (kvs_posix_udp_open(&PX, &any, &s->udp, &s->host) < 0 || kvs__ice_add_host(&s->a, 0, &s->host) != KVS_OK)
        return 0;
    if (turn) {
        const char *u = getenv("KVS_TURN_USER"), *p = getenv("KVS_TURN_PASS");
        if (!u || !p || kvs__ice_add_turn_server(&s->a, 0, turn, KVS__TURN_UDP, u, strlen(u), p, strlen(p),
                                                 kvs_posix_now(NULL), NULL) != KVS_OK)
            return 0;
    }
    return 1;
}

static void pump(bside *s, int ns, kvs_time until, int (*done)(bside *)) {
    for (;;) {
        kvs_time now = kvs_posix_now(NULL), d = now + KVS_MSEC(10);
        int i;
        for (i = 0; i < ns; i++) {
            uint8_t buf[2048];
            kvs_addr from;
            kvs__ice_route r;
            size_t len;
            int n;
            while ((n = kvs_posix_udp_recv(&PX, s[i].udp, &from, buf, sizeof buf)) > 0)
                kvs__ice_input(&s[i].a, 0, &from, buf, (size_t)n, now);
            while (kvs__ice_output(&s[i].a, &r, buf, sizeof buf, &len, now) == KVS_OK) {
                (void)kvs_posix_udp_send(&PX, s[i].udp, &r.to, buf, len);
                s[i].sent++;
            }
            if (kvs__ice_deadline(&s[i].a) < d)
                d = kvs__ice_deadline(&s[i].a);
        }
        if (done(s) || now >= until)
            return;
        kvs_posix_wait(&PX, d > now ? d : now + KVS_MSEC(1));
    }
}

static int done_gathered(bside *s) {
    return (!s[0].a.turn_used[0] || s[0].relayed) && (!s[1].a.turn_used[0] || s[1].relayed);
}

static int done_connected(bside *s) {
    return s[0].a.selected >= 0 && s[1].a.selected >= 0;
}

static int done_released(bside *s) {
    return s[0].a.turn[0].state != KVS__TURN_DEALLOCATING && s[1].a.turn[0].state != KVS__TURN_DEALLOCATING;
}

/* One connection: time from the first check to both connected, packets sent before. */
static int one(const kvs_addr *turn, kvs_time *t, unsigned long *pkts) {
    static bside s[2];
    int i, ok;
    kvs_time start, first;
    for (i = 0; i < 2; i++)
        if (!side_init(&s[i], i == 0, turn))
            return 0;
    pump(s, 2, kvs_posix_now(NULL) + KVS_SEC(10), done_gathered);
    for (i = 0; i < 2; i++) {
        bside *o = &s[1 - i];
        int k;
        kvs__ice_set_remote(&o->a, s[i].a.lufrag, 8, s[i].a.lpwd, 24);
        for (k = 0; k < s[i].nlines; k++) {
            kvs__ice_cand c;
            if (kvs__ice_cand_parse(s[i].lines[k], strlen(s[i].lines[k]), &c) == KVS_OK)
                kvs__ice_add_remote(&o->a, &c);
        }
        s[i].sent = 0;
    }
    start = kvs_posix_now(NULL);
    pump(s, 2, start + KVS_SEC(10), done_connected);
    ok = done_connected(s);
    first = s[0].a.st.checking_at;
    if (s[1].a.st.checking_at && s[1].a.st.checking_at < first)
        first = s[1].a.st.checking_at;
    *t = KVS__MAX(s[0].a.st.connected_at, s[1].a.st.connected_at) - first;
    *pkts = s[0].sent + s[1].sent;
    for (i = 0; i < 2; i++)
        kvs__ice_close(&s[i].a, kvs_posix_now(NULL));
    if (turn)
        pump(s, 2, kvs_posix_now(NULL) + KVS_SEC(3), done_released);
    for (i = 0; i < 2; i++) {
        kvs_posix_sock_close(&PX, s[i].udp);
        kvs__ice_deinit(&s[i].a);
    }
    return ok;
}

static void row(const char *what, const kvs_addr *turn) {
    kvs_time t[RUNS];
    unsigned long p[RUNS];
    int i, ok = 0;
    for (i = 0; i < RUNS; i++)
        ok += one(turn, &t[ok], &p[ok]);
    if (!ok) {
        printf("  %-34s failed\n", what);
        return;
    }
    qsort(t, (size_t)ok, sizeof t[0], cmp_time);
    qsort(p, (size_t)ok, sizeof p[0], cmp_ul);
    printf("  %-34s %7.3f ms  (%.3f .. %.3f)   %3lu packets (%lu .. %lu)   %d/%d connected\n", what,
           (double)t[ok / 2] / 1e3, (double)t[0] / 1e3, (double)t[ok - 1] / 1e3, p[ok / 2], p[0], p[ok - 1], ok,
           RUNS);
}

int main(void) {
    const char *v = getenv("KVS_TURN_LT_UDP"), *colon;
    kvs_addr turn;
    kvs_posix_init(&PX);
    kvs_posix_platform(&PX, &PF);
    PF.log = NULL;
    kvs__log_init(&LOG, &PF, &GUARD, KVS_LOG_ERROR);
    kvs__crypto_rng_init(&RNG, &PF, &GUARD, &LOG);
    printf("ICE: first check to connected (both agents), UDP on loopback, median of %d (min .. max);\n"
           "  packets: every datagram both agents sent from the first check to connected (checks,\n"
           "  answers, TURN requests and indications); Ta 50 ms.\n",
           RUNS);
    row("host candidates", NULL);
    if (v && (colon = strrchr(v, ':')) &&
        kvs_addr_parse(&turn, v, (size_t)(colon - v), (uint16_t)atoi(colon + 1)) == KVS_OK)
        row("relay only, coturn over UDP", &turn);
    else
        printf("  %-34s not measured (run inside tests/interop/coturn_env.sh)\n", "relay only, coturn over UDP");
    kvs_posix_deinit(&PX);
    return 0;
}
