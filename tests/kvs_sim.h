/* kvs_sim.h - a deterministic virtual network for sans-IO tests: datagrams between numbered
   endpoints on a virtual clock, with loss, duplication, delay and jitter (jitter reorders), all
   drawn from a seeded generator so that a failing seed can be replayed. Endpoints are driven by
   the test: it sends with kvs_sim_send and delivers what kvs_sim_pop returns. */
#ifndef KVS_SIM_H
#define KVS_SIM_H

#define KVS_SIM_PKT 2048 /* largest datagram carried */

typedef struct kvs_sim_pkt {
    kvs_time at;    /* delivery time */
    uint64_t order; /* ties broken by sending order */
    int to;
    size_t len;
    uint8_t data[KVS_SIM_PKT];
} kvs_sim_pkt;

typedef struct kvs_sim {
    kvs_time now;
    uint64_t rng;
    int loss_pct, dup_pct;   /* probability of loss / duplication, percent */
    kvs_time delay, jitter;  /* one-way delay and uniform extra delay (reordering) */
    size_t mtu;              /* datagrams longer than this are counted in over_mtu */
    int blackhole[4];        /* 1: everything sent to that endpoint is lost */
    kvs_sim_pkt *q;
    int nq, cap;
    uint64_t order;
    unsigned long sent, lost, duplicated, delivered, over_mtu;
    size_t max_len;
} kvs_sim;

static uint64_t kvs_sim_rand(kvs_sim *s) {
    /* xorshift64* */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 2685821657736338717ULL;
}

static void kvs_sim_init(kvs_sim *s, uint64_t seed) {
    memset(s, 0, sizeof *s);
    s->rng = seed * 0x9e3779b97f4a7c15ULL + 1;
    s->now = KVS_SEC(1000);
    s->delay = KVS_MSEC(10);
    s->cap = 4096;
    s->q = (kvs_sim_pkt *)malloc(sizeof(kvs_sim_pkt) * (size_t)s->cap);
    s->mtu = (size_t)-1;
}

static void kvs_sim_free(kvs_sim *s) {
    free(s->q);
    s->q = NULL;
}

static void kvs_sim_enqueue(kvs_sim *s, int to, const uint8_t *p, size_t n) {
    kvs_sim_pkt *k;
    if (s->nq == s->cap || n > KVS_SIM_PKT)
        return;
    k = &s->q[s->nq++];
    k->at = s->now + s->delay + (s->jitter ? kvs_sim_rand(s) % s->jitter : 0);
    k->order = s->order++;
    k->to = to;
    k->len = n;
    memcpy(k->data, p, n);
}

/* Send a datagram to endpoint `to`: maybe lost, maybe duplicated, delivered after the delay. */
static void kvs_sim_send(kvs_sim *s, int to, const uint8_t *p, size_t n) {
    s->sent++;
    if (n > s->max_len)
        s->max_len = n;
    if (n > s->mtu)
        s->over_mtu++;
    if ((to >= 0 && to < 4 && s->blackhole[to]) || (int)(kvs_sim_rand(s) % 100) < s->loss_pct) {
        s->lost++;
        return;
    }
    kvs_sim_enqueue(s, to, p, n);
    if ((int)(kvs_sim_rand(s) % 100) < s->dup_pct) {
        s->duplicated++;
        kvs_sim_enqueue(s, to, p, n);
    }
}

/* When the next datagram is due, or KVS_TIME_NEVER. */
static kvs_time kvs_sim_next(const kvs_sim *s) {
    kvs_time t = KVS_TIME_NEVER;
    int i;
    for (i = 0; i < s->nq; i++)
        if (s->q[i].at < t)
            t = s->q[i].at;
    return t;
}

/* Take the earliest datagram due at or before s->now into *out. 1 if there was one. */
/* Move the clock to the earliest of: the endpoints' deadlines (d0, d1), the next delivery, `end`;
   at least 1 ms ahead so that a loop always progresses. */
static void kvs_sim_advance(kvs_sim *s, kvs_time d0, kvs_time d1, kvs_time end) {
    kvs_time next = end;
    if (d0 < next)
        next = d0;
    if (d1 < next)
        next = d1;
    if (kvs_sim_next(s) < next)
        next = kvs_sim_next(s);
    if (next <= s->now)
        next = s->now + KVS_MSEC(1);
    s->now = next > end ? end : next;
}

static int kvs_sim_pop(kvs_sim *s, kvs_sim_pkt *out) {
    int i, best = -1;
    for (i = 0; i < s->nq; i++)
        if (s->q[i].at <= s->now &&
            (best < 0 || s->q[i].at < s->q[best].at ||
             (s->q[i].at == s->q[best].at && s->q[i].order < s->q[best].order)))
            best = i;
    if (best < 0)
        return 0;
    *out = s->q[best];
    s->q[best] = s->q[--s->nq];
    s->delivered++;
    return 1;
}

#endif
