/* Tests of >>peer: two peer connections on the virtual network (host candidates, loss, jitter)
   go through ICE, DTLS (fingerprints checked), SCTP and DCEP; a data channel opens, messages of
   every size cross both ways, the peer closes it; the timeline is filled in order; a wrong
   fingerprint fails the peer and nothing else. */

typedef struct pe_ep {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log log;
    kvs__rng rng;
    kvs__mem mem;
    int guard;
    kvs_cert cert;
    kvs__peer p;
    kvs_addr host;
    char lines[8][160];
    int nlines, failed, opens, closes;
    unsigned long got, bad;
    uint32_t next;
    uint16_t last_sid;
} pe_ep;

typedef struct pe_net {
    pe_ep ep[2];
    kvs_sim sim;
} pe_net;

static void pe_cand(void *ctx, const char *line) {
    pe_ep *e = (pe_ep *)ctx;
    if (line && e->nlines < 8)
        snprintf(e->lines[e->nlines++], sizeof e->lines[0], "%s", line);
}
static void pe_event(void *ctx, int what, int value) {
    pe_ep *e = (pe_ep *)ctx;
    (void)value;
    if (what == KVS__PEER_EV_FAILED)
        e->failed++;
}
static void pe_open(void *ctx, uint16_t sid) {
    pe_ep *e = (pe_ep *)ctx;
    e->opens++;
    e->last_sid = sid;
}
static void pe_msg(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary) {
    pe_ep *e = (pe_ep *)ctx;
    (void)sid;
    if (!binary || n < 4 || kvs__get_u32(p) != e->next || !sc_check(p, n, e->next, 0))
        e->bad++;
    e->next++;
    e->got++;
}
static void pe_closed(void *ctx, uint16_t sid) {
    (void)sid;
    ((pe_ep *)ctx)->closes++;
}

static int pe_sdp; /* the next pe_new exchanges real SDP text (offer, answer) */

/* The virtual network of the peer tests (10 ms one way, 4 ms jitter, loss %) and two
   identities. */
static void pe_world(kvs_sim *sim, uint64_t seed, int loss, kvs_cert *a, kvs_cert *b) {
    kvs_sim_init(sim, seed);
    sim->loss_pct = loss;
    sim->delay = KVS_MSEC(10);
    sim->jitter = KVS_MSEC(4);
    dt_load_cert(a, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
    dt_load_cert(b, kvs_fx_ec_b_der, sizeof kvs_fx_ec_b_der, kvs_fx_ec_b_key);
}

static pe_net *pe_new(uint64_t seed, int loss, int wrong_fp) {
    pe_net *n = (pe_net *)calloc(1, sizeof *n);
    int i;
    pe_world(&n->sim, seed, loss, &n->ep[0].cert, &n->ep[1].cert);
    for (i = 0; i < 2; i++) {
        pe_ep *e = &n->ep[i];
        kvs__peer_cfg cfg;
        kvs__peer_cb cb;
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 1);
        e->pf.log = NULL;
        kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
        kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0);
        kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
        memset(&cfg, 0, sizeof cfg);
        cfg.ice.controlling = i == 0;
        cfg.cert = &e->cert;
        memset(&cb, 0, sizeof cb);
        cb.ctx = e;
        cb.candidate = pe_cand;
        cb.event = pe_event;
        cb.open = pe_open;
        cb.message = pe_msg;
        cb.closed = pe_closed;
        CHECK_EQ(kvs__peer_init(&e->p, &cfg, &cb, &e->rng, &e->log, &e->mem, n->sim.now), KVS_OK);
        kvs_addr_parse(&e->host, i ? "10.0.0.2" : "10.0.0.1", 8, (uint16_t)(5000 + i));
        CHECK_EQ(kvs__ice_add_host(&e->p.ice, 0, &e->host), KVS_OK);
    }
    if (pe_sdp) {
        static char offer[8192], answer[8192];
        size_t ol, al;
        int line = -1;
        CHECK_EQ(kvs__peer_create_offer(&n->ep[0].p, offer, sizeof offer, &ol), KVS_OK);
        CHECK(strstr(offer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n") != NULL);
        CHECK(strstr(offer, "a=setup:actpass\r\n") != NULL);
        CHECK_EQ(kvs__peer_answer(&n->ep[1].p, offer, ol, answer, sizeof answer, &al, &line, n->sim.now), KVS_OK);
        CHECK_EQ(line, 0);
        CHECK(strstr(answer, "a=setup:active\r\n") != NULL);
        CHECK_EQ(kvs__peer_set_answer(&n->ep[0].p, answer, al, &line, n->sim.now), KVS_OK);
        /* a malformed answer: a clear error with its line, nothing taken */
        CHECK_EQ(kvs__peer_set_answer(&n->ep[0].p, "v=0\r\nbogus\r\n", 12, &line, n->sim.now), KVS_ERR_PARSE);
        CHECK_EQ(line, 2);
        CHECK_EQ(n->ep[0].mem.st.current, 0);
        return n;
    }
    /* the offerer (0) says actpass, the answerer (1) takes active: 1 is the DTLS client */
    for (i = 0; i < 2; i++) {
        pe_ep *e = &n->ep[i], *o = &n->ep[1 - i];
        uint8_t fp[32];
        int k;
        memcpy(fp, o->cert.fingerprint, 32);
        if (wrong_fp && i == 1)
            fp[0] ^= 1;
        CHECK_EQ(kvs__peer_set_remote(&e->p, o->p.ice.lufrag, 8, o->p.ice.lpwd, 24, fp, i == 1, n->sim.now),
                 KVS_OK);
        for (k = 0; k < o->nlines; k++)
            CHECK_EQ(kvs__peer_add_candidate(&e->p, o->lines[k], strlen(o->lines[k])), KVS_OK);
    }
    return n;
}

static void pe_flush(pe_net *n, int i) {
    pe_ep *e = &n->ep[i];
    uint8_t buf[1600 + 2 * sizeof(kvs_addr)];
    kvs__ice_route r;
    size_t len;
    while (kvs__peer_output(&e->p, &r, buf + 2 * sizeof(kvs_addr), 1600, &len, n->sim.now) == KVS_OK) {
        int to = kvs_addr_equal(&r.to, &n->ep[0].host) ? 0 : kvs_addr_equal(&r.to, &n->ep[1].host) ? 1 : -1;
        if (to < 0)
            continue;
        memcpy(buf, &e->host, sizeof(kvs_addr));
        memcpy(buf + sizeof(kvs_addr), &r.to, sizeof(kvs_addr));
        kvs_sim_send(&n->sim, to, buf, len + 2 * sizeof(kvs_addr));
    }
}

static void pe_run(pe_net *n, kvs_time limit, int (*stop)(pe_net *)) {
    static kvs_sim_pkt k;
    kvs_time end = n->sim.now + limit;
    while (n->sim.now < end && !(stop && stop(n))) {
        int i;
        for (i = 0; i < 2; i++) {
            kvs__peer_timeout(&n->ep[i].p, n->sim.now);
            pe_flush(n, i);
        }
        while (kvs_sim_pop(&n->sim, &k)) {
            kvs_addr from;
            memcpy(&from, k.data, sizeof from);
            kvs__peer_input(&n->ep[k.to].p, 0, &from, k.data + 2 * sizeof(kvs_addr), k.len - 2 * sizeof(kvs_addr),
                            n->sim.now);
            pe_flush(n, 0);
            pe_flush(n, 1);
        }
        if (stop && stop(n))
            return;
        kvs_sim_advance(&n->sim, kvs__peer_deadline(&n->ep[0].p), kvs__peer_deadline(&n->ep[1].p), end);
    }
}

static int pe_sctp_up(pe_net *n) {
    return n->ep[0].p.tl.sctp_up && n->ep[1].p.tl.sctp_up;
}
static int pe_open_both(pe_net *n) {
    return n->ep[0].opens && n->ep[1].opens;
}
static int pe_failed(pe_net *n) {
    return n->ep[0].failed || n->ep[1].failed;
}
static unsigned long pe_target;
static uint16_t pe_sid;
static int pe_all(pe_net *n) {
    static uint8_t msg[64 * 1024];
    static unsigned long sent[2];
    int i;
    if (!n->ep[0].got && !n->ep[1].got && !sent[0] && !sent[1])
        sent[0] = sent[1] = 0;
    for (i = 0; i < 2; i++) {
        while (sent[i] < pe_target) {
            size_t sz = 1 + (size_t)((sent[i] * 2654435761u) % (64 * 1024));
            if (sz < 4)
                sz = 4;
            sc_fill(msg, sz, (uint32_t)sent[i], 0);
            if (kvs__peer_send(&n->ep[i].p, pe_sid, msg, sz, 1) != KVS_OK)
                break;
            sent[i]++;
        }
    }
    if (n->ep[0].got >= pe_target && n->ep[1].got >= pe_target) {
        sent[0] = sent[1] = 0;
        return 1;
    }
    return 0;
}

static void pe_free(pe_net *n) {
    int i;
    for (i = 0; i < 2; i++) {
        kvs__peer_deinit(&n->ep[i].p);
        CHECK_EQ(n->ep[i].mem.st.current, 0);
    }
    kvs_sim_free(&n->sim);
    free(n);
}

static void test_peer_data_channel(void) {
    static const int losses[2] = {0, 10};
    int k;
    for (k = 0; k < 2; k++) {
        pe_net *n = pe_new(300 + (uint64_t)k, losses[k], 0);
        const kvs__peer_timeline *tl = &n->ep[0].p.tl;
        pe_run(n, KVS_SEC(60), pe_sctp_up);
        CHECK(pe_sctp_up(n));
        CHECK_EQ(kvs__peer_open_channel(&n->ep[0].p, "chat", "", KVS_DC_RELIABLE, 0, 0, -1, &pe_sid), KVS_OK);
        pe_run(n, KVS_SEC(30), pe_open_both);
        CHECK(pe_open_both(n));
        CHECK_EQ(n->ep[1].last_sid, pe_sid);
        pe_target = 200;
        pe_run(n, KVS_SEC(600), pe_all);
        CHECK_EQ(n->ep[0].got, 200);
        CHECK_EQ(n->ep[1].got, 200);
        CHECK_EQ(n->ep[0].bad + n->ep[1].bad, 0);
        /* the timeline, in order */
        CHECK(tl->created <= tl->remote_set && tl->remote_set <= tl->ice_connected);
        CHECK(tl->first_candidate && tl->ice_connected <= tl->dtls_connected);
        CHECK(tl->dtls_connected <= tl->sctp_up && tl->sctp_up <= tl->first_channel);
        /* the opener closes: both see it closed */
        CHECK_EQ(kvs__peer_close_channel(&n->ep[0].p, pe_sid), KVS_OK);
        pe_run(n, KVS_SEC(10), NULL);
        CHECK_EQ(n->ep[0].closes, 1);
        CHECK_EQ(n->ep[1].closes, 1);
        CHECK_EQ(n->ep[0].failed + n->ep[1].failed, 0);
        pe_free(n);
    }
}

/* The same through real SDP: offer, answer (non-trickle, host candidates inside). */
static void test_peer_sdp(void) {
    pe_net *n;
    pe_sdp = 1;
    n = pe_new(320, 5, 0);
    pe_sdp = 0;
    pe_run(n, KVS_SEC(60), pe_sctp_up);
    CHECK(pe_sctp_up(n));
    CHECK_EQ(n->ep[1].p.dtls_client, 1);
    CHECK_EQ(kvs__peer_open_channel(&n->ep[0].p, "sdp", "", KVS_DC_RELIABLE_UNORDERED, 0, 0, -1, &pe_sid), KVS_OK);
    pe_run(n, KVS_SEC(30), pe_open_both);
    CHECK(pe_open_both(n));
    pe_free(n);
}

static void test_peer_wrong_fingerprint(void) {
    pe_net *n = pe_new(310, 0, 1);
    pe_run(n, KVS_SEC(120), pe_failed);
    CHECK(pe_failed(n));
    CHECK(!n->ep[0].p.tl.sctp_up && !n->ep[1].p.tl.sctp_up);
    pe_free(n);
}

static const kvs_test_case kvs_tests_peer[] = {
    {"data_channel", test_peer_data_channel},
    {"wrong_fingerprint", test_peer_wrong_fingerprint},
    {"sdp", test_peer_sdp},
};
