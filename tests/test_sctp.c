/* >>sctp / >>sctp-data / >>sctp-io: packets and chunks checked by an independent decoder here,
   lengths that lie, and two associations on the virtual network (tests/kvs_sim.h): setup (one
   side or both at once), ordered and unordered transfers under loss, duplication and reordering
   at 1 ms and 100 ms RTT, partial reliability beside a reliable stream, stream reset, abort,
   shutdown, limits, a silent peer. */

/* --- two associations ------------------------------------------------------------------------ */

#define SC_STREAMS 4

typedef struct sc_ep {
    kvs__sctp s;
    kvs__sctp_cfg cfg;
    kvs_tp tp;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log log;
    kvs__mem mem;
    int guard;
    int up, down, lows, resets;
    kvs_result down_why;
    uint16_t reset_sid;
    /* what arrived per stream: count, the next index expected (ordered), a checksum */
    unsigned long got[SC_STREAMS];
    unsigned long expect[SC_STREAMS];
    unsigned long bad; /* content, order or duplicate errors */
    unsigned char seen[SC_STREAMS][2048];
} sc_ep;

typedef struct sc_net {
    sc_ep ep[2];
    kvs_sim sim;
} sc_net;

/* Message k of stream sid: size given by the caller, first 4 bytes k (when they fit), then a
   pattern of k and the offset. */
static void sc_fill(uint8_t *p, size_t n, uint32_t k, uint16_t sid) {
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(k * 131u + i * 7u + sid);
    if (n >= 4)
        kvs__put_u32(p, k);
}

static int sc_check(const uint8_t *p, size_t n, uint32_t k, uint16_t sid) {
    size_t i;
    if (n >= 4 && kvs__get_u32(p) != k)
        return 0;
    for (i = n >= 4 ? 4 : 0; i < n; i++)
        if (p[i] != (uint8_t)(k * 131u + i * 7u + sid))
            return 0;
    return 1;
}

static void sc_up(void *ctx) {
    ((sc_ep *)ctx)->up++;
}
static void sc_down(void *ctx, kvs_result why) {
    ((sc_ep *)ctx)->down++;
    ((sc_ep *)ctx)->down_why = why;
}
static void sc_low(void *ctx) {
    ((sc_ep *)ctx)->lows++;
}
static void sc_reset(void *ctx, uint16_t sid) {
    ((sc_ep *)ctx)->resets++;
    ((sc_ep *)ctx)->reset_sid = sid;
}

/* Streams 0 and 2 carry ordered messages k = 0, 1, 2 ... (checked in order); streams 1 and 3
   unordered ones (checked exactly once, any order) - k is in the first 4 bytes, or for shorter
   messages in ppid. */
static void sc_msg(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    sc_ep *e = (sc_ep *)ctx;
    uint32_t k = n >= 4 ? kvs__get_u32(p) : ppid;
    if (sid >= SC_STREAMS || !sc_check(p, n, k, sid)) {
        e->bad++;
        return;
    }
    if (sid % 2 == 0) {
        if (k != e->expect[sid])
            e->bad++;
        e->expect[sid] = k + 1;
    } else {
        if (k < sizeof e->seen[0] * 8) {
            if (e->seen[sid][k / 8] & (1u << (k % 8)))
                e->bad++;
            e->seen[sid][k / 8] |= (uint8_t)(1u << (k % 8));
        }
    }
    e->got[sid]++;
}

static sc_net *sc_new(uint64_t seed, int loss, int dup, kvs_time delay, kvs_time jitter) {
    sc_net *n = (sc_net *)calloc(1, sizeof *n);
    int i;
    kvs_sim_init(&n->sim, seed);
    n->sim.loss_pct = loss;
    n->sim.dup_pct = dup;
    n->sim.delay = delay;
    n->sim.jitter = jitter;
    for (i = 0; i < 2; i++) {
        sc_ep *e = &n->ep[i];
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 0);
        e->pf.log = NULL;
        kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
        kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0);
        kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
    }
    return n;
}

static void sc_start(sc_net *n, int both) {
    int i;
    for (i = 0; i < 2; i++) {
        sc_ep *e = &n->ep[i];
        kvs__sctp_cb cb;
        memset(&cb, 0, sizeof cb);
        cb.ctx = e;
        cb.up = sc_up;
        cb.down = sc_down;
        cb.message = sc_msg;
        cb.stream_reset = sc_reset;
        cb.buffered_low = sc_low;
        CHECK_EQ(kvs__sctp_init(&e->s, &e->cfg, &cb, &e->rng, &e->log, &e->mem, n->sim.now), KVS_OK);
    }
    CHECK_EQ(kvs__sctp_connect(&n->ep[0].s, n->sim.now), KVS_OK);
    if (both)
        CHECK_EQ(kvs__sctp_connect(&n->ep[1].s, n->sim.now), KVS_OK);
}

static void sc_free(sc_net *n) {
    int i;
    for (i = 0; i < 2; i++) {
        kvs__sctp_deinit(&n->ep[i].s);
        CHECK_EQ(n->ep[i].mem.st.current, 0);
    }
    kvs_sim_free(&n->sim);
    free(n);
}

/* Every packet an endpoint sends passes here when set (chunk-level checks). */
static void (*sc_tap)(int from, const uint8_t *p, size_t n);

static void sc_flush(sc_net *n, int i) {
    uint8_t buf[KVS_SIM_PKT];
    size_t len;
    while (kvs__sctp_output(&n->ep[i].s, buf, sizeof buf, &len, n->sim.now) == KVS_OK) {
        if (sc_tap)
            sc_tap(i, buf, len);
        kvs_sim_send(&n->sim, 1 - i, buf, len);
    }
}

/* Run until stop(n, arg) holds, nothing is left, or the clock passes now + limit. */
static void sc_run(sc_net *n, kvs_time limit, int (*stop)(sc_net *, void *), void *arg) {
    kvs_time end = n->sim.now + limit;
    for (;;) {
        kvs_time next, t;
        kvs_sim_pkt pkt;
        int i;
        sc_flush(n, 0);
        sc_flush(n, 1);
        if (stop && stop(n, arg))
            return;
        next = kvs_sim_next(&n->sim);
        for (i = 0; i < 2; i++) {
            t = kvs__sctp_deadline(&n->ep[i].s);
            if (t < next)
                next = t;
        }
        if (next == KVS_TIME_NEVER || next > end)
            return;
        if (next > n->sim.now)
            n->sim.now = next;
        while (kvs_sim_pop(&n->sim, &pkt)) {
            kvs__sctp_input(&n->ep[pkt.to].s, pkt.data, pkt.len, n->sim.now);
            sc_flush(n, pkt.to);
        }
        for (i = 0; i < 2; i++)
            if (kvs__sctp_deadline(&n->ep[i].s) <= n->sim.now)
                kvs__sctp_timeout(&n->ep[i].s, n->sim.now);
    }
}

static int sc_both_up(sc_net *n, void *arg) {
    (void)arg;
    return n->ep[0].up && n->ep[1].up;
}

/* A transfer: `count` messages per stream in `streams` from endpoint `from`; sizes from
   `sizes(k)`; partial reliability for the unordered streams when max_rtx != RELIABLE. */
typedef struct sc_plan {
    int from;
    unsigned long count;
    int streams; /* bit i: use stream i */
    uint32_t max_rtx_odd; /* for streams 1 and 3 */
    uint64_t rng;
    unsigned long sent[SC_STREAMS];
    size_t max_size;
} sc_plan;

static uint64_t sc_rand(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Sizes from 1 byte to max_size, spread evenly over powers of two (log-uniform): most messages
   small, some as large as allowed. */
static size_t sc_size(sc_plan *p) {
    unsigned bits = 0, e;
    size_t sz;
    while (((size_t)1 << (bits + 1)) <= p->max_size)
        bits++;
    e = (unsigned)(sc_rand(&p->rng) % (bits + 1));
    sz = ((size_t)1 << e) + (size_t)(sc_rand(&p->rng) % ((size_t)1 << e));
    return sz > p->max_size ? p->max_size : sz;
}

static int sc_feed(sc_net *n, void *arg) {
    sc_plan *p = (sc_plan *)arg;
    sc_ep *e = &n->ep[p->from], *r = &n->ep[1 - p->from];
    static uint8_t buf[256 * 1024];
    int i, all = 1;
    for (i = 0; i < SC_STREAMS; i++) {
        while ((p->streams >> i) & 1 && p->sent[i] < p->count) {
            uint64_t save = p->rng;
            size_t sz = sc_size(p);
            kvs_result res;
            if (e->s.queued_bytes + sz > e->s.cfg.send_buffer) {
                p->rng = save; /* no room yet: the same size next time */
                break;
            }
            sc_fill(buf, sz, (uint32_t)p->sent[i], (uint16_t)i);
            res = kvs__sctp_send(&e->s, (uint16_t)i, (uint32_t)p->sent[i], buf, sz, i % 2,
                                 i % 2 ? p->max_rtx_odd : KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                                 n->sim.now);
            if (res == KVS_ERR_AGAIN) {
                p->rng = save; /* the same size next time */
                break;
            }
            if (res != KVS_OK)
                return 1;
            p->sent[i]++;
        }
    }
    for (i = 0; i < SC_STREAMS; i++) {
        if (!((p->streams >> i) & 1))
            continue;
        if (p->sent[i] < p->count)
            all = 0;
        else if (i % 2 == 0 && r->got[i] < p->count)
            all = 0;
        else if (i % 2 == 1 && p->max_rtx_odd == KVS__SCTP_RELIABLE && r->got[i] < p->count)
            all = 0;
    }
    return all || e->down || r->down;
}

/* --- tests ------------------------------------------------------------------------------------ */

static void test_sctp_setup(void) {
    int both;
    for (both = 0; both < 2; both++) {
        sc_net *n = sc_new(3, 0, 0, KVS_MSEC(5), 0);
        sc_start(n, both);
        sc_run(n, KVS_SEC(10), sc_both_up, NULL);
        CHECK_EQ(n->ep[0].up, 1);
        CHECK_EQ(n->ep[1].up, 1);
        CHECK_EQ(n->ep[0].s.state, KVS__SCTP_ESTABLISHED);
        CHECK_EQ(n->ep[1].s.state, KVS__SCTP_ESTABLISHED);
        CHECK_EQ(n->ep[0].s.peer_tag, n->ep[1].s.my_tag);
        CHECK_EQ(n->ep[1].s.peer_tag, n->ep[0].s.my_tag);
        /* both at once or not, each side's next TSN is what the other expects */
        CHECK_EQ(n->ep[0].s.next_tsn, n->ep[1].s.cum_tsn + 1);
        CHECK_EQ(n->ep[1].s.next_tsn, n->ep[0].s.cum_tsn + 1);
        sc_free(n);
    }
}

static void test_sctp_small_messages(void) {
    sc_net *n = sc_new(5, 0, 0, KVS_MSEC(5), 0);
    sc_plan p;
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    memset(&p, 0, sizeof p);
    p.from = 0;
    p.count = 200;
    p.streams = 0xf;
    p.max_rtx_odd = KVS__SCTP_RELIABLE;
    p.rng = 77;
    p.max_size = 3000; /* one to three chunks */
    sc_run(n, KVS_SEC(60), sc_feed, &p);
    CHECK_EQ(n->ep[1].got[0] + n->ep[1].got[1] + n->ep[1].got[2] + n->ep[1].got[3], 800);
    CHECK_EQ(n->ep[1].bad, 0);
    CHECK_EQ(n->ep[0].s.st.retransmissions, 0);
    {
        /* statistics: counts each way, a measured RTT (2 x 5 ms, plus the peer's SACK delay at
           most), the windows */
        kvs__sctp_stats a, b;
        kvs__sctp_stats_get(&n->ep[0].s, &a);
        kvs__sctp_stats_get(&n->ep[1].s, &b);
        CHECK_EQ(a.messages_sent, 800);
        CHECK_EQ(b.messages_received, 800);
        CHECK_EQ(a.bytes_sent, b.bytes_received);
        CHECK(a.srtt >= KVS_MSEC(10) && a.srtt <= KVS_MSEC(210));
        CHECK(a.rto >= KVS_MSEC(400));
        CHECK(a.cwnd >= 4380);
        CHECK(a.packets_sent > 0 && b.packets_received == a.packets_sent);
    }
    /* the other way, at the same time as more this way */
    memset(&p, 0, sizeof p);
    p.from = 1;
    p.count = 100;
    p.streams = 0x5;
    p.max_rtx_odd = KVS__SCTP_RELIABLE;
    p.rng = 78;
    p.max_size = 64;
    sc_run(n, KVS_SEC(60), sc_feed, &p);
    CHECK_EQ(n->ep[0].got[0] + n->ep[0].got[2], 200);
    CHECK_EQ(n->ep[0].bad, 0);
    sc_free(n);
}

/* Everything sent is cumulatively acknowledged on both sides. */
static int sc_settled(sc_net *n, void *arg) {
    (void)arg;
    return !n->ep[0].s.f_head && !n->ep[0].s.q_head && !n->ep[1].s.f_head && !n->ep[1].s.q_head &&
           n->ep[1].s.cum_tsn + 1 == n->ep[0].s.next_tsn && n->ep[0].s.cum_tsn + 1 == n->ep[1].s.next_tsn;
}

typedef struct sc_case {
    int loss;
    kvs_time delay; /* one way: RTT = 2 x delay */
} sc_case;

/* The acceptance matrix: 0 / 5 / 20 % loss, 1 ms and 100 ms RTT, 10 % duplication, jitter
   that reorders; 10,000 reliable ordered messages of 1 B..256 KiB on stream 0 delivered
   exactly once and in order, and unordered reliable ones on stream 1 exactly once. */
static void test_sctp_matrix(void) {
    static const sc_case cases[] = {{0, KVS_USEC(500)}, {5, KVS_USEC(500)}, {20, KVS_USEC(500)},
                                    {0, KVS_MSEC(50)},  {5, KVS_MSEC(50)},  {20, KVS_MSEC(50)}};
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_net *n = sc_new(11 + i, cases[i].loss, 10, cases[i].delay, cases[i].delay / 2);
        sc_plan p;
        kvs_time t0;
        /* at 20 % loss both ways a retransmission round fails 36 % of the time: ten in a row
           (the default Association.Max.Retrans) would end the association. WebRTC leaves the
           detection of a dead path to ICE consent; here the transfer must simply complete */
        n->ep[0].cfg.max_retransmits = n->ep[1].cfg.max_retransmits = 100;
        sc_start(n, 1);
        sc_run(n, KVS_SEC(60), sc_both_up, NULL);
        CHECK(n->ep[0].up && n->ep[1].up);
        memset(&p, 0, sizeof p);
        p.from = 0;
        p.count = 10000;
        p.streams = 0x1;
        p.max_rtx_odd = KVS__SCTP_RELIABLE;
        p.rng = 1000 + i;
        p.max_size = 256 * 1024;
        t0 = n->sim.now;
        sc_run(n, KVS_SEC(100000), sc_feed, &p);
        if (n->ep[1].got[0] != 10000 || n->ep[1].bad)
            printf("    case %lu: %lu of 10000 delivered, %lu bad, state %d/%d, error %d/%d, %u probes, %u T3\n",
                   (unsigned long)i, n->ep[1].got[0], n->ep[1].bad, n->ep[0].s.state, n->ep[1].s.state,
                   n->ep[0].s.error, n->ep[1].s.error, n->ep[0].s.st.probes, n->ep[0].s.st.t3_expiries);
        CHECK_EQ(n->ep[1].got[0], 10000);
        CHECK_EQ(n->ep[1].bad, 0);
        /* unordered reliable: 2,000 more, exactly once each */
        memset(&p, 0, sizeof p);
        p.from = 0;
        p.count = 2000;
        p.streams = 0x2;
        p.max_rtx_odd = KVS__SCTP_RELIABLE;
        p.rng = 2000 + i;
        p.max_size = 16 * 1024;
        sc_run(n, KVS_SEC(100000), sc_feed, &p);
        CHECK_EQ(n->ep[1].got[1], 2000);
        CHECK_EQ(n->ep[1].bad, 0);
        if (cases[i].loss)
            CHECK(n->ep[0].s.st.retransmissions > 0);
        /* once settled, the books agree: nothing held, nothing queued */
        sc_run(n, KVS_SEC(100000), sc_settled, NULL);
        CHECK_EQ(n->ep[1].s.rx_bytes, 0);
        CHECK_EQ(n->ep[0].s.queued_bytes, 0);
        printf("    loss %d%%, RTT %lu ms: %.0f s virtual, %u retransmissions, %u T3, %u probes\n", cases[i].loss,
               (unsigned long)(2 * cases[i].delay / 1000), (double)(n->sim.now - t0) / 1e6,
               n->ep[0].s.st.retransmissions, n->ep[0].s.st.t3_expiries, n->ep[0].s.st.probes);
        sc_free(n);
    }
}


/* maxRetransmits = 0, unordered, on stream 1 under 20 % loss, beside a reliable ordered stream 0:
   the reliable stream delivers everything, in order, and the receiver's cumulative ack reaches
   the end (FORWARD-TSN skipped what was abandoned). */
static void test_sctp_partial_reliability(void) {
    sc_net *n = sc_new(21, 20, 5, KVS_MSEC(10), KVS_MSEC(2));
    sc_plan p;
    unsigned long lost;
    sc_start(n, 1);
    sc_run(n, KVS_SEC(60), sc_both_up, NULL);
    memset(&p, 0, sizeof p);
    p.from = 0;
    p.count = 3000;
    p.streams = 0x3;
    p.max_rtx_odd = 0;
    p.rng = 5;
    p.max_size = 4000;
    sc_run(n, KVS_SEC(100000), sc_feed, &p);
    CHECK_EQ(n->ep[1].got[0], 3000);
    CHECK_EQ(n->ep[1].bad, 0);
    /* settle: FORWARD-TSN moves the receiver past every abandoned TSN */
    sc_run(n, KVS_SEC(3600), sc_settled, NULL);
    lost = 3000 - n->ep[1].got[1];
    CHECK(lost > 0);                      /* some unreliable messages were given up */
    CHECK(n->ep[1].got[1] > 1500);        /* most arrived */
    CHECK(n->ep[0].s.st.abandoned > 0);
    CHECK_EQ(n->ep[1].s.cum_tsn + 1, n->ep[0].s.next_tsn);
    CHECK_EQ(n->ep[0].s.f_head == NULL, 1);
    CHECK_EQ(n->ep[1].s.rx_bytes, 0);
    /* lifetime 0: sent once, never again. Lost here (the link is cut), it is abandoned at the
       first T3 and skipped with FORWARD-TSN once the link is back */
    {
        uint8_t m[1000]; /* one chunk: a longer message may not leave at once with cwnd at 1 MTU */
        sc_fill(m, sizeof m, 0, 3);
        n->sim.blackhole[1] = 1;
        CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 3, 0, m, sizeof m, 1, KVS__SCTP_RELIABLE, 0,
                                n->sim.now), KVS_OK);
        sc_run(n, KVS_SEC(5), NULL, NULL);
        n->sim.blackhole[1] = 0;
        sc_run(n, KVS_SEC(600), sc_settled, NULL);
        CHECK_EQ(n->ep[1].got[3], 0);
        CHECK_EQ(n->ep[0].s.queued_bytes, 0);
        CHECK_EQ(n->ep[1].s.cum_tsn + 1, n->ep[0].s.next_tsn);
        /* and on a good link it arrives */
        n->sim.loss_pct = 0;
        CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 3, 0, m, sizeof m, 1, KVS__SCTP_RELIABLE, 0,
                                n->sim.now), KVS_OK);
        sc_run(n, KVS_SEC(600), sc_settled, NULL);
        CHECK_EQ(n->ep[1].got[3], 1);
    }
    sc_free(n);
}

static int sc_reset_done(sc_net *n, void *arg) {
    (void)arg;
    return n->ep[1].resets && !n->ep[0].s.reconf_out;
}

static void test_sctp_stream_reset(void) {
    sc_net *n = sc_new(23, 0, 0, KVS_MSEC(5), 0);
    uint8_t m[100];
    kvs__sctp_stream *st;
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    sc_fill(m, sizeof m, 0, 2);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 2, 0, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_OK);
    sc_fill(m, sizeof m, 1, 2);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 2, 1, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_OK);
    /* close the stream right away: the reset waits for the data, which is delivered first */
    CHECK_EQ(kvs__sctp_reset_stream(&n->ep[0].s, 2), KVS_OK);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 2, 2, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_ERR_STATE); /* closing */
    sc_run(n, KVS_SEC(10), sc_reset_done, NULL);
    CHECK_EQ(n->ep[1].got[2], 2);
    CHECK_EQ(n->ep[1].resets, 1);
    CHECK_EQ(n->ep[1].reset_sid, 2);
    /* the peer closes its side too (RFC 8831 6.7); then the id is free for a new channel */
    CHECK_EQ(kvs__sctp_reset_stream(&n->ep[1].s, 2), KVS_OK);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    CHECK_EQ(n->ep[0].resets, 1);
    st = kvs__sctp_stream_get(&n->ep[0].s, 2, 0);
    CHECK(st == NULL || (st->out_ssn == 0 && st->in_ssn == 0));
    /* a new channel on the same id starts again at SSN 0 and is delivered */
    n->ep[1].expect[2] = 0;
    sc_fill(m, sizeof m, 0, 2);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 2, 0, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_OK);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    CHECK_EQ(n->ep[1].got[2], 3);
    CHECK_EQ(n->ep[1].bad, 0);
    sc_free(n);
}

static void test_sctp_abort_and_shutdown(void) {
    sc_net *n = sc_new(25, 0, 0, KVS_MSEC(5), 0);
    uint8_t m[5000];
    sc_start(n, 0);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    kvs__sctp_abort(&n->ep[0].s, KVS_ERR_CLOSED);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    CHECK_EQ(n->ep[0].down, 1);
    CHECK_EQ(n->ep[1].down, 1);
    CHECK_EQ(n->ep[1].down_why, KVS_ERR_CLOSED);
    CHECK_EQ(n->ep[1].log.last_item, KVS_LOG_SCTP_ABORTED);
    CHECK_EQ(kvs__sctp_send(&n->ep[1].s, 0, 0, m, 10, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_ERR_STATE);
    /* an association that went down is not started again, from either end: connect is refused
       and a new INIT is dropped without an answer */
    CHECK_EQ(kvs__sctp_connect(&n->ep[1].s, n->sim.now), KVS_ERR_STATE);
    {
        kvs__sctp fresh;
        kvs__sctp_cfg cfg;
        uint8_t pkt[1500];
        size_t len;
        uint32_t dropped = n->ep[0].s.st.packets_dropped;
        memset(&cfg, 0, sizeof cfg);
        CHECK_EQ(kvs__sctp_init(&fresh, &cfg, NULL, &n->ep[1].rng, &n->ep[1].log, &n->ep[1].mem,
                                n->sim.now), KVS_OK);
        CHECK_EQ(kvs__sctp_connect(&fresh, n->sim.now), KVS_OK);
        CHECK_EQ(kvs__sctp_output(&fresh, pkt, sizeof pkt, &len, n->sim.now), KVS_OK);
        kvs__sctp_input(&n->ep[0].s, pkt, len, n->sim.now);
        CHECK_EQ(n->ep[0].s.st.packets_dropped, dropped + 1);
        CHECK_EQ(kvs__sctp_output(&n->ep[0].s, pkt, sizeof pkt, &len, n->sim.now), KVS_ERR_AGAIN);
        CHECK_EQ(n->ep[0].up, 1);
        kvs__sctp_deinit(&fresh);
    }
    sc_free(n);
    /* graceful: everything queued is delivered before SHUTDOWN; both sides report the end */
    n = sc_new(26, 10, 0, KVS_MSEC(5), 0);
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    {
        uint32_t k;
        for (k = 0; k < 20; k++) {
            sc_fill(m, sizeof m, k, 0);
            CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, k, m, sizeof m, 0, KVS__SCTP_RELIABLE,
                                    KVS_TIME_NEVER, n->sim.now), KVS_OK);
        }
    }
    kvs__sctp_shutdown(&n->ep[0].s);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, 99, m, 10, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_ERR_STATE);
    sc_run(n, KVS_SEC(60), NULL, NULL);
    CHECK_EQ(n->ep[1].got[0], 20);
    CHECK_EQ(n->ep[0].down, 1);
    CHECK_EQ(n->ep[1].down, 1);
    CHECK_EQ(n->ep[0].down_why, KVS_ERR_CLOSED);
    CHECK_EQ(n->ep[1].down_why, KVS_ERR_CLOSED);
    CHECK_EQ(n->ep[0].s.state, KVS__SCTP_CLOSED);
    CHECK_EQ(n->ep[1].s.state, KVS__SCTP_CLOSED);
    /* a SHUTDOWN-ACK repeated after we closed (our SHUTDOWN-COMPLETE lost) is answered again */
    {
        uint8_t pkt[64], out[1500];
        size_t len;
        kvs__wr w;
        size_t at;
        kvs__wr_init(&w, pkt, sizeof pkt);
        kvs__sctp_pkt_begin(&n->ep[1].s, &w, n->ep[0].s.my_tag);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_SHUTDOWN_ACK, 0);
        kvs__sctp_chunk_end(&w, at);
        kvs__sctp_pkt_end(pkt, w.len);
        kvs__sctp_input(&n->ep[0].s, pkt, w.len, n->sim.now);
        CHECK_EQ(kvs__sctp_output(&n->ep[0].s, out, sizeof out, &len, n->sim.now), KVS_OK);
        CHECK_EQ(len, 16);
        CHECK_EQ(out[12], KVS__SCTP_SHUTDOWN_COMPLETE);
        CHECK_EQ(n->ep[0].down, 1);
    }
    sc_free(n);
}

static void test_sctp_limits(void) {
    sc_net *n = sc_new(27, 0, 0, KVS_MSEC(5), 0);
    static uint8_t m[300 * 1024];
    int k, again = 0;
    n->ep[0].cfg.send_buffer = 64 * 1024;
    n->ep[0].cfg.max_message = 32 * 1024;
    n->ep[1].cfg.max_message = 32 * 1024;
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, 0, m, 0, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, 0, m, 32 * 1024 + 1, 0, KVS__SCTP_RELIABLE,
                            KVS_TIME_NEVER, n->sim.now), KVS_ERR_LIMIT);
    for (k = 0; k < 10; k++) {
        kvs_result r;
        sc_fill(m, 16 * 1024, (uint32_t)k, 0);
        r = kvs__sctp_send(&n->ep[0].s, 0, (uint32_t)k, m, 16 * 1024, 0, KVS__SCTP_RELIABLE,
                           KVS_TIME_NEVER, n->sim.now);
        if (r == KVS_ERR_AGAIN)
            again++;
        else
            CHECK_EQ(r, KVS_OK);
    }
    /* 16 KiB messages with their chunk headers: three fit in 64 KiB, the fourth does not */
    CHECK_EQ(again, 7);
    CHECK_EQ(kvs__sctp_buffered(&n->ep[0].s, 0), 48 * 1024);
    CHECK(n->ep[0].s.queued_bytes <= 64 * 1024);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    CHECK_EQ(n->ep[0].lows, 1); /* "buffered amount low" once it drained */
    CHECK_EQ(kvs__sctp_buffered(&n->ep[0].s, 0), 0);
    CHECK_EQ(n->ep[1].got[0], 3);
    /* tiny messages: the headers count, so the buffer bounds the memory, not just the payload */
    {
        kvs_memory_stats before = n->ep[0].mem.st;
        for (k = 0; k < 100000; k++)
            if (kvs__sctp_send(&n->ep[0].s, 0, 0, m, 1, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER, n->sim.now) != KVS_OK)
                break;
        CHECK(k > 100 && k < 100000);
        CHECK(n->ep[0].mem.st.current - before.current <= 64 * 1024);
        sc_run(n, KVS_SEC(30), NULL, NULL);
        CHECK_EQ(kvs__sctp_buffered(&n->ep[0].s, 0), 0);
    }
    /* more streams than the table holds */
    for (k = 0; k < KVS_SCTP_MAX_STREAMS + 1; k++) {
        kvs_result r = kvs__sctp_send(&n->ep[0].s, (uint16_t)(100 + k), 0, m, 1, 1,
                                      KVS__SCTP_RELIABLE, KVS_TIME_NEVER, n->sim.now);
        if (k >= KVS_SCTP_MAX_STREAMS - 1)
            CHECK(r == KVS_OK || r == KVS_ERR_LIMIT);
    }
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 9999, 0, m, 1, 1, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_ERR_LIMIT);
    sc_free(n);
    /* a message over the receiver's limit aborts the association (the peer broke the limit) */
    n = sc_new(28, 0, 0, KVS_MSEC(5), 0);
    n->ep[1].cfg.max_message = 10 * 1024;
    n->ep[1].cfg.recv_buffer = 200 * 1024;
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, 0, m, 20 * 1024, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_OK);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    CHECK_EQ(n->ep[1].down, 1);
    CHECK_EQ(n->ep[1].down_why, KVS_ERR_PROTOCOL);
    CHECK_EQ(n->ep[0].down, 1);
    sc_free(n);
}

static void test_sctp_silent_peer(void) {
    /* INIT to nobody: 1 + 2 + 4 + ... then KVS_ERR_TIMEOUT */
    sc_net *n = sc_new(29, 0, 0, KVS_MSEC(5), 0);
    sc_start(n, 0);
    n->sim.blackhole[1] = 1;
    sc_run(n, KVS_SEC(100000), NULL, NULL);
    CHECK_EQ(n->ep[0].down, 1);
    CHECK_EQ(n->ep[0].down_why, KVS_ERR_TIMEOUT);
    sc_free(n);
    /* established, then the peer goes away with data outstanding */
    n = sc_new(30, 0, 0, KVS_MSEC(5), 0);
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    n->sim.blackhole[0] = n->sim.blackhole[1] = 1;
    {
        uint8_t m[100] = {0};
        CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, 0, m, sizeof m, 0, KVS__SCTP_RELIABLE,
                                KVS_TIME_NEVER, n->sim.now), KVS_OK);
    }
    sc_run(n, KVS_SEC(100000), NULL, NULL);
    CHECK_EQ(n->ep[0].down, 1);
    CHECK_EQ(n->ep[0].down_why, KVS_ERR_TIMEOUT);
    CHECK_EQ(n->ep[0].s.st.t3_expiries, 11);
    sc_free(n);
    /* established and idle, then the link goes: both notice by unanswered heartbeats */
    n = sc_new(31, 0, 0, KVS_MSEC(5), 0);
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    n->sim.blackhole[0] = n->sim.blackhole[1] = 1;
    sc_run(n, KVS_SEC(100000), NULL, NULL);
    CHECK_EQ(n->ep[0].down, 1);
    CHECK_EQ(n->ep[0].down_why, KVS_ERR_TIMEOUT);
    CHECK_EQ(n->ep[1].down, 1);
    CHECK_EQ(n->ep[1].down_why, KVS_ERR_TIMEOUT);
    CHECK_EQ(n->ep[0].s.t3_tries, 0);
    sc_free(n);
}

/* --- chunks, checked by a decoder independent of the implementation -------------------------- */

static unsigned sc_seen[256], sc_bad_pkts, sc_sack_gaps, sc_sack_dups, sc_reconf_req, sc_reconf_resp;

static void sc_decode(int from, const uint8_t *p, size_t n) {
    size_t off = 12;
    uint32_t crc;
    uint8_t tmp[KVS_SIM_PKT];
    (void)from;
    /* common header: ports 5000, CRC-32c over the packet with a zero field, stored LSB first */
    memcpy(tmp, p, n);
    memset(tmp + 8, 0, 4);
    crc = kvs__util_crc32c(0, tmp, n);
    if (n < 16 || n % 4 || (p[0] << 8 | p[1]) != 5000 || (p[2] << 8 | p[3]) != 5000 ||
        p[8] != (uint8_t)crc || p[9] != (uint8_t)(crc >> 8) || p[10] != (uint8_t)(crc >> 16) ||
        p[11] != (uint8_t)(crc >> 24)) {
        sc_bad_pkts++;
        return;
    }
    while (off + 4 <= n) {
        unsigned type = p[off], len = (unsigned)(p[off + 2] << 8 | p[off + 3]);
        const uint8_t *v = p + off + 4;
        size_t vl = len - 4;
        if (len < 4 || off + len > n) {
            sc_bad_pkts++;
            return;
        }
        sc_seen[type]++;
        switch (type) {
        case KVS__SCTP_DATA:
            if (len < 17)
                sc_bad_pkts++;
            break;
        case KVS__SCTP_INIT:
        case KVS__SCTP_INIT_ACK: {
            /* tag, window, 65535 streams each way, TSN, then FORWARD-TSN support and the
               extension list with FORWARD-TSN and RE-CONFIG (and a 64-byte cookie in INIT-ACK) */
            size_t q = 16;
            int fwd = 0, ext = 0, cookie = 0;
            if (vl < 16 || kvs__get_u32(v) == 0 || kvs__get_u16(v + 8) != 65535 ||
                kvs__get_u16(v + 10) != 65535)
                sc_bad_pkts++;
            while (q + 4 <= vl) {
                unsigned pt = kvs__get_u16(v + q), pl = kvs__get_u16(v + q + 2);
                if (pl < 4 || q + pl > vl) {
                    sc_bad_pkts++;
                    break;
                }
                fwd |= pt == 0xc000u;
                if (pt == 0x8008u && pl == 6 && v[q + 4] == 192 && v[q + 5] == 130)
                    ext = 1;
                cookie |= pt == 7 && pl == 4 + KVS__SCTP_COOKIE_LEN;
                q += (pl + 3u) & ~3u;
            }
            if (!fwd || !ext || (type == KVS__SCTP_INIT_ACK) != cookie)
                sc_bad_pkts++;
            break;
        }
        case KVS__SCTP_SACK: {
            unsigned g = kvs__get_u16(v + 8), d = kvs__get_u16(v + 10), i;
            uint32_t prev = 0;
            if (vl != 12 + 4u * g + 4u * d)
                sc_bad_pkts++;
            for (i = 0; i < g && vl >= 12 + 4u * g; i++) {
                uint16_t lo = kvs__get_u16(v + 12 + 4 * i), hi = kvs__get_u16(v + 14 + 4 * i);
                if (lo < 2 || hi < lo || lo <= prev + 1) /* ascending, disjoint, above cum+1 */
                    sc_bad_pkts++;
                prev = hi;
            }
            sc_sack_gaps += g;
            sc_sack_dups += d;
            break;
        }
        case KVS__SCTP_HEARTBEAT:
        case KVS__SCTP_HEARTBEAT_ACK:
            if (vl != 12 || kvs__get_u16(v) != 1 || kvs__get_u16(v + 2) != 12)
                sc_bad_pkts++;
            break;
        case KVS__SCTP_SHUTDOWN:
            if (vl != 4)
                sc_bad_pkts++;
            break;
        case KVS__SCTP_FORWARD_TSN:
            if (vl < 4 || vl % 4)
                sc_bad_pkts++;
            break;
        case KVS__SCTP_RECONFIG: {
            size_t q = 0;
            while (q + 4 <= vl) {
                unsigned pt = kvs__get_u16(v + q), pl = kvs__get_u16(v + q + 2);
                if (pl < 4 || q + pl > vl || (pt == 13 && (pl < 16 || pl % 2)) || (pt == 16 && pl != 12)) {
                    sc_bad_pkts++;
                    break;
                }
                sc_reconf_req += pt == 13;
                sc_reconf_resp += pt == 16;
                q += (pl + 3u) & ~3u;
            }
            break;
        }
        case KVS__SCTP_ERROR:
            /* cause 6 with the unrecognized chunk */
            if (vl < 8 || kvs__get_u16(v) != 6 || kvs__get_u16(v + 2) > vl)
                sc_bad_pkts++;
            break;
        case KVS__SCTP_COOKIE_ECHO:
            if (vl != KVS__SCTP_COOKIE_LEN)
                sc_bad_pkts++;
            break;
        case KVS__SCTP_COOKIE_ACK:
        case KVS__SCTP_SHUTDOWN_ACK:
        case KVS__SCTP_SHUTDOWN_COMPLETE:
        case KVS__SCTP_ABORT:
            if (vl != 0)
                sc_bad_pkts++;
            break;
        default:
            sc_bad_pkts++;
            break;
        }
        off += (len + 3u) & ~3u;
    }
    if (off != n)
        sc_bad_pkts++;
}

static void test_sctp_chunks(void) {
    sc_net *n = sc_new(31, 10, 10, KVS_MSEC(5), KVS_MSEC(3));
    sc_plan p;
    uint8_t m[100] = {0};
    memset(sc_seen, 0, sizeof sc_seen);
    sc_bad_pkts = sc_sack_gaps = sc_sack_dups = sc_reconf_req = sc_reconf_resp = 0;
    sc_tap = sc_decode;
    sc_start(n, 0);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    memset(&p, 0, sizeof p);
    p.from = 0;
    p.count = 300;
    p.streams = 0x3;
    p.max_rtx_odd = 0; /* abandoned messages: FORWARD-TSN */
    p.rng = 9;
    p.max_size = 5000;
    sc_run(n, KVS_SEC(1000), sc_feed, &p);
    sc_run(n, KVS_SEC(40), NULL, NULL); /* idle: heartbeats */
    kvs__sctp_reset_stream(&n->ep[0].s, 0);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    kvs__sctp_send(&n->ep[1].s, 1, 0, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER, n->sim.now);
    kvs__sctp_shutdown(&n->ep[1].s);
    sc_run(n, KVS_SEC(60), NULL, NULL);
    sc_tap = NULL;
    CHECK_EQ(sc_bad_pkts, 0);
    CHECK(sc_seen[KVS__SCTP_INIT] && sc_seen[KVS__SCTP_INIT_ACK] && sc_seen[KVS__SCTP_COOKIE_ECHO] &&
          sc_seen[KVS__SCTP_COOKIE_ACK]);
    CHECK(sc_seen[KVS__SCTP_DATA] && sc_seen[KVS__SCTP_SACK] && sc_sack_gaps && sc_sack_dups);
    CHECK(sc_seen[KVS__SCTP_HEARTBEAT] && sc_seen[KVS__SCTP_HEARTBEAT_ACK]);
    CHECK(sc_seen[KVS__SCTP_FORWARD_TSN]);
    CHECK(sc_reconf_req && sc_reconf_resp);
    CHECK(sc_seen[KVS__SCTP_SHUTDOWN] && sc_seen[KVS__SCTP_SHUTDOWN_ACK] &&
          sc_seen[KVS__SCTP_SHUTDOWN_COMPLETE]);
    CHECK_EQ(n->ep[0].down + n->ep[1].down, 2);
    sc_free(n);
    /* ABORT */
    n = sc_new(32, 0, 0, KVS_MSEC(5), 0);
    sc_tap = sc_decode;
    memset(sc_seen, 0, sizeof sc_seen);
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    kvs__sctp_abort(&n->ep[1].s, KVS_ERR_CLOSED);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    sc_tap = NULL;
    CHECK(sc_seen[KVS__SCTP_ABORT]);
    CHECK_EQ(sc_bad_pkts, 0);
    sc_free(n);
}

/* Feed crafted packets to a live association; it must drop them and keep working. */
static void sc_inject(sc_net *n, int to, uint8_t *p, size_t len) {
    kvs__sctp_pkt_end(p, len);
    kvs__sctp_input(&n->ep[to].s, p, len, n->sim.now);
    sc_flush(n, to);
}

static void test_sctp_lying_lengths(void) {
    sc_net *n = sc_new(33, 0, 0, KVS_MSEC(5), 0);
    uint8_t pkt[256], m[50];
    unsigned long before;
    size_t i;
    uint32_t tag;
    sc_start(n, 1);
    sc_run(n, KVS_SEC(10), sc_both_up, NULL);
    tag = n->ep[1].s.my_tag;
    /* a DATA chunk with a length beyond the packet, below 4, and 16 (no user data) */
    {
        static const uint16_t lens[] = {200, 3, 0, 16, 17 + 100};
        for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            memset(pkt, 0, sizeof pkt);
            kvs__put_u16(pkt, 5000);
            kvs__put_u16(pkt + 2, 5000);
            kvs__put_u32(pkt + 4, tag);
            pkt[12] = KVS__SCTP_DATA;
            pkt[13] = 3;
            kvs__put_u16(pkt + 14, lens[i]);
            kvs__put_u32(pkt + 16, n->ep[1].s.cum_tsn + 1);
            sc_inject(n, 1, pkt, 12 + 32);
        }
    }
    /* a SACK claiming 1000 gap blocks; an INIT with a parameter longer than itself; a
       FORWARD-TSN far ahead with an odd length; a RE-CONFIG with a short parameter; a COOKIE-ECHO
       with garbage; unknown chunk types that say "stop" and "skip" */
    {
        memset(pkt, 0, sizeof pkt);
        kvs__put_u16(pkt, 5000);
        kvs__put_u16(pkt + 2, 5000);
        kvs__put_u32(pkt + 4, tag);
        pkt[12] = KVS__SCTP_SACK;
        kvs__put_u16(pkt + 14, 16);
        kvs__put_u32(pkt + 16, n->ep[0].s.next_tsn + 100); /* acknowledges what was never sent */
        kvs__put_u16(pkt + 24, 1000);
        sc_inject(n, 1, pkt, 28);
        pkt[12] = KVS__SCTP_RECONFIG;
        kvs__put_u16(pkt + 14, 8);
        kvs__put_u16(pkt + 16, 13);
        kvs__put_u16(pkt + 18, 2);
        sc_inject(n, 1, pkt, 20);
        pkt[12] = KVS__SCTP_COOKIE_ECHO;
        kvs__put_u16(pkt + 14, 4 + KVS__SCTP_COOKIE_LEN);
        sc_inject(n, 1, pkt, 12 + 4 + KVS__SCTP_COOKIE_LEN);
        pkt[12] = 0x3f; /* unknown, "stop": the DATA behind it is not processed */
        kvs__put_u16(pkt + 14, 4);
        pkt[16] = KVS__SCTP_DATA;
        pkt[17] = 3;
        kvs__put_u16(pkt + 18, 17);
        kvs__put_u32(pkt + 20, n->ep[1].s.cum_tsn + 1000); /* ahead: no real TSN is taken */
        kvs__put_u16(pkt + 24, 3);                         /* stream 3, SSN 0, PPID 0 */
        kvs__put_u16(pkt + 26, 0);
        kvs__put_u32(pkt + 28, 0);
        pkt[32] = 3; /* message 0 of stream 3 by sc_fill's pattern */
        before = n->ep[1].got[3];
        memset(sc_seen, 0, sizeof sc_seen);
        sc_bad_pkts = 0;
        sc_tap = sc_decode;
        sc_inject(n, 1, pkt, 12 + 4 + 20);
        CHECK_EQ(n->ep[1].got[3], before);
        CHECK_EQ(sc_seen[KVS__SCTP_ERROR], 0); /* 0x3f: stop, no report */
        pkt[12] = 0x7f;                        /* 01: stop and report: an ERROR chunk, cause 6 */
        sc_inject(n, 1, pkt, 12 + 4 + 20);
        CHECK_EQ(n->ep[1].got[3], before);
        CHECK_EQ(sc_seen[KVS__SCTP_ERROR], 1);
        pkt[12] = 0xff;                        /* 11: skip and report: the DATA is taken */
        sc_inject(n, 1, pkt, 12 + 4 + 20);
        CHECK_EQ(n->ep[1].got[3], before + 1);
        CHECK_EQ(sc_seen[KVS__SCTP_ERROR], 2);
        sc_tap = NULL;
        CHECK_EQ(sc_bad_pkts, 0);
        kvs__put_u32(pkt + 4, 0); /* an INIT with a lying parameter */
        pkt[12] = KVS__SCTP_INIT;
        kvs__put_u16(pkt + 14, 4 + 16 + 8);
        kvs__put_u32(pkt + 16, 1234);
        kvs__put_u32(pkt + 20, 100000);
        kvs__put_u16(pkt + 24, 10);
        kvs__put_u16(pkt + 26, 10);
        kvs__put_u16(pkt + 32, 0x8000);
        kvs__put_u16(pkt + 34, 200);
        sc_inject(n, 1, pkt, 12 + 28);
        memset(pkt + 12, 0, 40);
        kvs__put_u32(pkt + 4, tag); /* a packet with a wrong checksum */
        pkt[12] = KVS__SCTP_HEARTBEAT;
        kvs__put_u16(pkt + 14, 4);
        kvs__sctp_pkt_end(pkt, 16);
        pkt[15] ^= 1;
        kvs__sctp_input(&n->ep[1].s, pkt, 16, n->sim.now);
        kvs__put_u32(pkt + 4, tag ^ 1); /* a wrong verification tag */
        pkt[15] ^= 1;
        sc_inject(n, 1, pkt, 16);
    }
    CHECK_EQ(n->ep[1].s.state, KVS__SCTP_ESTABLISHED);
    CHECK(n->ep[1].s.st.packets_dropped >= 5);
    /* still working, both ways */
    sc_fill(m, sizeof m, 0, 0);
    CHECK_EQ(kvs__sctp_send(&n->ep[0].s, 0, 0, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_OK);
    CHECK_EQ(kvs__sctp_send(&n->ep[1].s, 0, 0, m, sizeof m, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER,
                            n->sim.now), KVS_OK);
    sc_run(n, KVS_SEC(10), NULL, NULL);
    CHECK_EQ(n->ep[1].got[0], 1);
    CHECK_EQ(n->ep[0].got[0], 1);
    CHECK_EQ(n->ep[0].bad + n->ep[1].bad, 0);
    sc_free(n);
}

/* MTUs that are not multiples of 4 (over DTLS the SCTP packet is the datagram size minus 37):
   every packet within the MTU, full chunks still fit. */
static void test_sctp_odd_mtu(void) {
    static const size_t mtus[] = {1163, 1201, 1202, 1203, 301};
    size_t i;
    for (i = 0; i < sizeof mtus / sizeof mtus[0]; i++) {
        sc_net *n = sc_new(35 + i, 0, 0, KVS_MSEC(5), 0);
        sc_plan p;
        n->ep[0].cfg.mtu = n->ep[1].cfg.mtu = mtus[i];
        n->sim.mtu = mtus[i];
        sc_start(n, 1);
        sc_run(n, KVS_SEC(10), sc_both_up, NULL);
        memset(&p, 0, sizeof p);
        p.from = 0;
        p.count = 50;
        p.streams = 0x1;
        p.max_rtx_odd = KVS__SCTP_RELIABLE;
        p.rng = 3 + i;
        p.max_size = 20000;
        sc_run(n, KVS_SEC(600), sc_feed, &p);
        CHECK_EQ(n->ep[1].got[0], 50);
        CHECK_EQ(n->sim.over_mtu, 0);
        sc_free(n);
    }
}

static const kvs_test_case kvs_tests_sctp[] = {
    {"odd_mtu", test_sctp_odd_mtu},
    {"setup", test_sctp_setup},
    {"small_messages", test_sctp_small_messages},
    {"matrix", test_sctp_matrix},
    {"partial_reliability", test_sctp_partial_reliability},
    {"stream_reset", test_sctp_stream_reset},
    {"abort_and_shutdown", test_sctp_abort_and_shutdown},
    {"limits", test_sctp_limits},
    {"silent_peer", test_sctp_silent_peer},
    {"chunks", test_sctp_chunks},
    {"lying_lengths", test_sctp_lying_lengths},
};
