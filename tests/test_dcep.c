/* >>dcep: data channels over two associations on the virtual network, and SCTP + DCEP over two
   DTLS endpoints. */

typedef struct dc_rx {
    uint16_t sid;
    size_t n;
    int binary;
    uint8_t first;
} dc_rx;

typedef struct dc_ep {
    kvs__sctp s;
    kvs__dcep d;
    kvs_tp tp;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log log;
    kvs__mem mem;
    int guard, up, down;
    int opens, closes;
    uint16_t last_open, last_close;
    dc_rx rx[64];
    int nrx;
    kvs_time *now;
} dc_ep;

typedef struct dc_net {
    dc_ep ep[2];
    kvs_sim sim;
} dc_net;

static void dc_up(void *ctx) {
    ((dc_ep *)ctx)->up++;
}
static void dc_down(void *ctx, kvs_result why) {
    dc_ep *e = (dc_ep *)ctx;
    (void)why;
    e->down++;
    kvs__dcep_on_down(&e->d);
}
static void dc_sctp_msg(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    dc_ep *e = (dc_ep *)ctx;
    kvs__dcep_on_message(&e->d, sid, ppid, p, n, *e->now);
}
static void dc_sctp_reset(void *ctx, uint16_t sid) {
    kvs__dcep_on_reset(&((dc_ep *)ctx)->d, sid);
}
static void dc_open(void *ctx, uint16_t sid) {
    dc_ep *e = (dc_ep *)ctx;
    e->opens++;
    e->last_open = sid;
}
static void dc_closed(void *ctx, uint16_t sid) {
    dc_ep *e = (dc_ep *)ctx;
    e->closes++;
    e->last_close = sid;
}
static void dc_msg(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary) {
    dc_ep *e = (dc_ep *)ctx;
    if (e->nrx < 64) {
        e->rx[e->nrx].sid = sid;
        e->rx[e->nrx].n = n;
        e->rx[e->nrx].binary = binary;
        e->rx[e->nrx].first = n ? p[0] : 0;
        e->nrx++;
    }
}

/* Endpoint 0 is the DTLS client (even ids), endpoint 1 the server (odd ids). */
static dc_net *dc_new(uint64_t seed, int loss) {
    dc_net *n = (dc_net *)calloc(1, sizeof *n);
    int i;
    kvs_sim_init(&n->sim, seed);
    n->sim.loss_pct = loss;
    n->sim.delay = KVS_MSEC(5);
    for (i = 0; i < 2; i++) {
        dc_ep *e = &n->ep[i];
        kvs__sctp_cfg cfg;
        kvs__sctp_cb scb;
        kvs__dcep_cb dcb;
        memset(&cfg, 0, sizeof cfg);
        memset(&scb, 0, sizeof scb);
        memset(&dcb, 0, sizeof dcb);
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 0);
        e->pf.log = NULL;
        kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
        kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0);
        kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
        e->now = &n->sim.now;
        scb.ctx = e;
        scb.up = dc_up;
        scb.down = dc_down;
        scb.message = dc_sctp_msg;
        scb.stream_reset = dc_sctp_reset;
        dcb.ctx = e;
        dcb.open = dc_open;
        dcb.closed = dc_closed;
        dcb.message = dc_msg;
        CHECK_EQ(kvs__sctp_init(&e->s, &cfg, &scb, &e->rng, &e->log, &e->mem, n->sim.now), KVS_OK);
        kvs__dcep_init(&e->d, &e->s, i == 0, &dcb, &e->log);
        CHECK_EQ(kvs__sctp_connect(&e->s, n->sim.now), KVS_OK);
    }
    return n;
}

static void dc_free(dc_net *n) {
    int i;
    for (i = 0; i < 2; i++) {
        kvs__sctp_deinit(&n->ep[i].s);
        CHECK_EQ(n->ep[i].mem.st.current, 0);
    }
    kvs_sim_free(&n->sim);
    free(n);
}

static uint8_t dc_last_flags; /* the flags of the last DATA chunk sent by endpoint 0 */

static void dc_flush(dc_net *n, int i) {
    uint8_t buf[KVS_SIM_PKT];
    size_t len;
    while (kvs__sctp_output(&n->ep[i].s, buf, sizeof buf, &len, n->sim.now) == KVS_OK) {
        size_t off = 12;
        while (i == 0 && off + 4 <= len) {
            unsigned l = kvs__get_u16(buf + off + 2);
            if (buf[off] == KVS__SCTP_DATA && kvs__get_u32(buf + off + 12) != KVS__DCEP_PPID_DCEP)
                dc_last_flags = buf[off + 1];
            if (l < 4)
                break;
            off += (l + 3u) & ~3u;
        }
        kvs_sim_send(&n->sim, 1 - i, buf, len);
    }
}

static void dc_run(dc_net *n, kvs_time limit) {
    kvs_time end = n->sim.now + limit;
    for (;;) {
        kvs_time next, t;
        kvs_sim_pkt pkt;
        int i;
        dc_flush(n, 0);
        dc_flush(n, 1);
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
            dc_flush(n, pkt.to);
        }
        for (i = 0; i < 2; i++)
            if (kvs__sctp_deadline(&n->ep[i].s) <= n->sim.now)
                kvs__sctp_timeout(&n->ep[i].s, n->sim.now);
    }
}

static void test_dcep_open_every_type(void) {
    static const int types[] = {KVS_DC_RELIABLE, KVS_DC_RELIABLE_UNORDERED, KVS_DC_REXMIT,
                                KVS_DC_REXMIT_UNORDERED, KVS_DC_TIMED, KVS_DC_TIMED_UNORDERED};
    dc_net *n = dc_new(41, 0);
    uint16_t sid[6];
    size_t i;
    for (i = 0; i < 6; i++) {
        /* opened before the association is even up: the OPEN waits in the queue */
        CHECK_EQ(kvs__dcep_open(&n->ep[i % 2].d, "label", "proto", types[i], (uint32_t)(i * 100),
                                (uint16_t)(256 + i), 0, -1, &sid[i], n->sim.now),
                 KVS_OK);
        CHECK_EQ(sid[i] % 2, i % 2); /* DTLS client even, server odd */
    }
    dc_run(n, KVS_SEC(10));
    CHECK_EQ(n->ep[0].opens, 6); /* acks for its 3, OPENs of the peer's 3 */
    CHECK_EQ(n->ep[1].opens, 6);
    for (i = 0; i < 6; i++) {
        kvs__dc *mine = kvs__dcep_find(&n->ep[i % 2].d, sid[i]);
        kvs__dc *theirs = kvs__dcep_find(&n->ep[1 - i % 2].d, sid[i]);
        CHECK(mine && theirs);
        if (!mine || !theirs)
            continue;
        CHECK_EQ(mine->state, KVS__DC_OPEN);
        CHECK_EQ(theirs->state, KVS__DC_OPEN);
        CHECK_EQ(theirs->type, types[i]);
        CHECK_EQ(theirs->rel, i * 100);
        CHECK_EQ(theirs->priority, 256 + i);
        CHECK_STR(theirs->label, "label");
        CHECK_STR(theirs->protocol, "proto");
    }
    /* the next id of each side's parity */
    CHECK_EQ(sid[0], 0);
    CHECK_EQ(sid[2], 2);
    CHECK_EQ(sid[1], 1);
    dc_free(n);
}

static void test_dcep_messages(void) {
    dc_net *n = dc_new(43, 0);
    uint16_t a, b;
    uint8_t big[70000];
    CHECK_EQ(kvs__dcep_open(&n->ep[0].d, "chat", "", KVS_DC_RELIABLE, 0, 0, 0, -1, &a, n->sim.now),
             KVS_OK);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "hello", 5, 0, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "\x01\x02", 2, 1, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, NULL, 0, 0, n->sim.now), KVS_OK); /* empty string */
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, NULL, 0, 1, n->sim.now), KVS_OK); /* empty binary */
    memset(big, 7, sizeof big);
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, big, sizeof big, 1, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__dcep_send(&n->ep[1].d, a, "back", 4, 0, n->sim.now), KVS_OK);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[1].nrx, 5);
    CHECK(n->ep[1].rx[0].n == 5 && !n->ep[1].rx[0].binary && n->ep[1].rx[0].first == 'h');
    CHECK(n->ep[1].rx[1].n == 2 && n->ep[1].rx[1].binary);
    CHECK(n->ep[1].rx[2].n == 0 && !n->ep[1].rx[2].binary);
    CHECK(n->ep[1].rx[3].n == 0 && n->ep[1].rx[3].binary);
    CHECK(n->ep[1].rx[4].n == sizeof big && n->ep[1].rx[4].binary && n->ep[1].rx[4].first == 7);
    CHECK_EQ(n->ep[0].nrx, 1);
    CHECK_EQ(n->ep[0].rx[0].n, 4);
    {
        kvs__dc *c = kvs__dcep_find(&n->ep[1].d, a);
        CHECK(c != NULL);
        if (c) {
            CHECK_EQ(c->msgs_received, 5);
            CHECK_EQ(c->bytes_received, 5 + 2 + sizeof big);
            CHECK_EQ(c->msgs_sent, 1);
        }
    }
    /* unknown channel, and a pre-negotiated one on a fixed id (both sides create it) */
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, 99, "x", 1, 0, n->sim.now), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__dcep_open(&n->ep[0].d, "neg", "", KVS_DC_RELIABLE, 0, 0, 1, 7, &b, n->sim.now),
             KVS_OK);
    CHECK_EQ(b, 7);
    CHECK_EQ(kvs__dcep_open(&n->ep[1].d, "neg", "", KVS_DC_RELIABLE, 0, 0, 1, 7, &b, n->sim.now),
             KVS_OK);
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, 7, "n", 1, 0, n->sim.now), KVS_OK);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[1].nrx, 6);
    CHECK_EQ(n->ep[1].rx[5].sid, 7);
    CHECK_EQ(n->ep[1].opens, 1); /* no open event for a negotiated channel */
    dc_free(n);
}

static void test_dcep_ordered_until_ack(void) {
    dc_net *n = dc_new(45, 0);
    uint16_t a;
    dc_run(n, KVS_SEC(5)); /* association up */
    CHECK_EQ(kvs__dcep_open(&n->ep[0].d, "u", "", KVS_DC_RELIABLE_UNORDERED, 0, 0, 0, -1, &a,
                            n->sim.now), KVS_OK);
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "early", 5, 0, n->sim.now), KVS_OK);
    dc_flush(n, 0);
    CHECK_EQ(dc_last_flags & KVS__SCTP_DATA_U, 0); /* before the ACK: ordered */
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "late", 4, 0, n->sim.now), KVS_OK);
    dc_flush(n, 0);
    CHECK(dc_last_flags & KVS__SCTP_DATA_U); /* after it: unordered */
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[1].nrx, 2);
    dc_free(n);
}

static void test_dcep_refuse_and_close(void) {
    dc_net *n = dc_new(47, 0);
    uint16_t a, bad;
    dc_run(n, KVS_SEC(5));
    /* the server opens an id of the client's parity: the client refuses by resetting it */
    CHECK_EQ(kvs__dcep_open(&n->ep[1].d, "wrong", "", KVS_DC_RELIABLE, 0, 0, 0, 4, &bad, n->sim.now),
             KVS_OK);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[0].opens, 0);
    CHECK_EQ(n->ep[0].log.last_item, KVS_LOG_DCEP_REFUSED);
    CHECK_EQ(n->ep[1].closes, 1); /* the opener sees it closed */
    CHECK(kvs__dcep_find(&n->ep[1].d, 4) == NULL);
    /* a normal channel, closed by one side: both see it closed, the id is free again */
    CHECK_EQ(kvs__dcep_open(&n->ep[0].d, "c", "", KVS_DC_RELIABLE, 0, 0, 0, -1, &a, n->sim.now),
             KVS_OK);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "last", 4, 0, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__dcep_close(&n->ep[0].d, a), KVS_OK);
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "more", 4, 0, n->sim.now), KVS_ERR_STATE);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[1].nrx, 1); /* the message before the close arrived */
    CHECK_EQ(n->ep[1].closes, 2);
    CHECK_EQ(n->ep[1].last_close, a);
    CHECK_EQ(n->ep[0].closes, 1);
    CHECK(kvs__dcep_find(&n->ep[0].d, a) == NULL && kvs__dcep_find(&n->ep[1].d, a) == NULL);
    CHECK_EQ(kvs__dcep_open(&n->ep[0].d, "again", "", KVS_DC_RELIABLE, 0, 0, 0, -1, &bad,
                            n->sim.now), KVS_OK);
    CHECK_EQ(bad, a);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(kvs__dcep_send(&n->ep[0].d, a, "new", 3, 0, n->sim.now), KVS_OK);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[1].nrx, 2);
    /* the association goes: every channel closes */
    kvs__sctp_abort(&n->ep[0].s, KVS_ERR_CLOSED);
    dc_run(n, KVS_SEC(5));
    CHECK_EQ(n->ep[0].closes, 2);
    CHECK_EQ(n->ep[1].closes, 3);
    /* bad arguments */
    CHECK_EQ(kvs__dcep_open(&n->ep[0].d, "x", "", 0x55, 0, 0, 0, -1, &a, n->sim.now),
             KVS_ERR_INVALID_ARG);
    dc_free(n);
}

static const kvs_test_case kvs_tests_dcep[] = {
    {"open_every_type", test_dcep_open_every_type},
    {"messages", test_dcep_messages},
    {"ordered_until_ack", test_dcep_ordered_until_ack},
    {"refuse_and_close", test_dcep_refuse_and_close},
};
