/* Tests of >>ice and >>ice-check: candidate lines both ways (browser forms included), and two
   agents on the virtual network: host candidates with and without loss, role conflict, trickle in
   random order (candidates before the credentials), consent freshness after the link is cut,
   ICE restart, relay-only policy without a relay. */

#define IC_MAX_LINES 16

typedef struct ic_ep {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log log;
    kvs__rng rng;
    int guard;
    kvs__ice a;
    kvs_addr host;
    char lines[IC_MAX_LINES][160];
    int nlines, gathered;
    int states[32], nstates;
    unsigned long data_in;
    uint8_t last[64];
} ic_ep;

typedef struct ic_net {
    ic_ep ep[2];
    kvs_sim sim;
    int cut;
} ic_net;

static void ic_cand(void *ctx, const kvs__ice_cand *c, const char *line) {
    ic_ep *e = (ic_ep *)ctx;
    (void)c;
    if (!line) {
        e->gathered = 1;
        return;
    }
    if (e->nlines < IC_MAX_LINES)
        snprintf(e->lines[e->nlines++], sizeof e->lines[0], "%s", line);
}

static void ic_state(void *ctx, int state) {
    ic_ep *e = (ic_ep *)ctx;
    if (e->nstates < 32)
        e->states[e->nstates++] = state;
}

static void ic_data(void *ctx, const uint8_t *p, size_t n) {
    ic_ep *e = (ic_ep *)ctx;
    e->data_in++;
    memcpy(e->last, p, n < sizeof e->last ? n : sizeof e->last);
}

static int ic_v6; /* the next ic_new uses IPv6 host addresses */

static ic_net *ic_new(uint64_t seed, int loss, int controlling0, int controlling1) {
    ic_net *n = (ic_net *)calloc(1, sizeof *n);
    int i;
    kvs_sim_init(&n->sim, seed);
    n->sim.loss_pct = loss;
    n->sim.delay = KVS_MSEC(20);
    for (i = 0; i < 2; i++) {
        ic_ep *e = &n->ep[i];
        kvs__ice_cfg cfg;
        kvs__ice_cb cb;
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 0);
        e->pf.log = NULL;
        kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
        kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
        memset(&cfg, 0, sizeof cfg);
        cfg.controlling = i == 0 ? controlling0 : controlling1;
        memset(&cb, 0, sizeof cb);
        cb.ctx = e;
        cb.candidate = ic_cand;
        cb.state = ic_state;
        cb.data = ic_data;
        CHECK_EQ(kvs__ice_init(&e->a, &cfg, &cb, &e->rng, &e->log), KVS_OK);
        if (ic_v6)
            kvs_addr_parse(&e->host, i ? "2001:db8::2" : "2001:db8::1", 11, (uint16_t)(5000 + i));
        else
            kvs_addr_parse(&e->host, i ? "10.0.0.2" : "10.0.0.1", 8, (uint16_t)(5000 + i));
        CHECK_EQ(kvs__ice_add_host(&e->a, 0, &e->host), KVS_OK);
    }
    return n;
}

/* Signal everything: credentials and candidates, both ways (in the given order). */
static void ic_signal(ic_net *n, int creds_first) {
    int i, k;
    for (i = 0; i < 2; i++) {
        ic_ep *e = &n->ep[i], *o = &n->ep[1 - i];
        if (creds_first)
            CHECK_EQ(kvs__ice_set_remote(&o->a, e->a.lufrag, 8, e->a.lpwd, 24), KVS_OK);
        for (k = 0; k < e->nlines; k++) {
            kvs__ice_cand c;
            CHECK_EQ(kvs__ice_cand_parse(e->lines[k], strlen(e->lines[k]), &c), KVS_OK);
            CHECK_EQ(kvs__ice_add_remote(&o->a, &c), KVS_OK);
        }
        if (!creds_first)
            CHECK_EQ(kvs__ice_set_remote(&o->a, e->a.lufrag, 8, e->a.lpwd, 24), KVS_OK);
        kvs__ice_remote_done(&o->a);
    }
}

/* Datagrams carry their addresses in front: from, to. */
static void ic_flush(ic_net *n, int i) {
    ic_ep *e = &n->ep[i];
    uint8_t buf[1600 + 2 * sizeof(kvs_addr)];
    kvs__ice_route r;
    size_t len;
    while (kvs__ice_output(&e->a, &r, buf + 2 * sizeof(kvs_addr), 1600, &len, n->sim.now) == KVS_OK) {
        int to = kvs_addr_equal(&r.to, &n->ep[0].host) ? 0 : kvs_addr_equal(&r.to, &n->ep[1].host) ? 1 : -1;
        CHECK_EQ(r.kind, KVS__ICE_ROUTE_UDP);
        if (to < 0 || n->cut)
            continue;
        memcpy(buf, &e->host, sizeof(kvs_addr));
        memcpy(buf + sizeof(kvs_addr), &r.to, sizeof(kvs_addr));
        kvs_sim_send(&n->sim, to, buf, len + 2 * sizeof(kvs_addr));
    }
}

/* Run until stop() or the limit of virtual time. */
static void ic_run(ic_net *n, kvs_time limit, int (*stop)(ic_net *)) {
    kvs_time end = n->sim.now + limit;
    static kvs_sim_pkt pk;
    while (n->sim.now < end && !(stop && stop(n))) {
        kvs_sim_pkt *k = &pk;
        ic_flush(n, 0);
        ic_flush(n, 1);
        while (kvs_sim_pop(&n->sim, k)) {
            kvs_addr from;
            memcpy(&from, k->data, sizeof from);
            kvs__ice_input(&n->ep[k->to].a, 0, &from, k->data + 2 * sizeof(kvs_addr),
                           k->len - 2 * sizeof(kvs_addr), n->sim.now);
            ic_flush(n, 0);
            ic_flush(n, 1);
        }
        kvs_sim_advance(&n->sim, kvs__ice_deadline(&n->ep[0].a), kvs__ice_deadline(&n->ep[1].a), end);
    }
}

static int ic_connected(ic_net *n) {
    return n->ep[0].a.selected >= 0 && n->ep[1].a.selected >= 0;
}

static void ic_free(ic_net *n) {
    kvs__ice_deinit(&n->ep[0].a);
    kvs__ice_deinit(&n->ep[1].a);
    kvs_sim_free(&n->sim);
    free(n);
}

/* Data both ways through the selected pairs. */
static void ic_exchange(ic_net *n) {
    int i;
    n->sim.loss_pct = 0;
    for (i = 0; i < 2; i++) {
        uint8_t buf[1600 + 2 * sizeof(kvs_addr)];
        kvs__ice_route r;
        size_t len;
        ic_ep *e = &n->ep[i];
        CHECK_EQ(kvs__ice_send(&e->a, (const uint8_t *)"\x17\xfe\xfd payload", 11, &r,
                               buf + 2 * sizeof(kvs_addr), 1600, &len),
                 KVS_OK);
        CHECK(kvs_addr_equal(&r.to, &n->ep[1 - i].host));
        memcpy(buf, &e->host, sizeof(kvs_addr));
        memcpy(buf + sizeof(kvs_addr), &r.to, sizeof(kvs_addr));
        kvs_sim_send(&n->sim, 1 - i, buf, len + 2 * sizeof(kvs_addr));
    }
    n->ep[0].data_in = n->ep[1].data_in = 0;
    ic_run(n, KVS_SEC(1), NULL);
    CHECK_EQ(n->ep[0].data_in, 1);
    CHECK_EQ(n->ep[1].data_in, 1);
    CHECK_MEM(n->ep[0].last, "\x17\xfe\xfd payload", 11);
}

static void test_ice_candidate_lines(void) {
    kvs__ice_cand c;
    char out[160];
    static const char *const good[] = {
        /* Chromium host (mDNS), srflx, relay; Firefox; upper-case transport; IPv6; trickle form */
        "candidate:3745012045 1 udp 2122260223 7c5b0e62-2e2c-4b8f-9d3a-1f0cfe0b8e07.local 54400 typ host "
        "generation 0 network-id 1",
        "candidate:842163049 1 udp 1686052607 203.0.113.7 47209 typ srflx raddr 192.168.1.5 rport 54400 "
        "generation 0 network-id 1 network-cost 10",
        "a=candidate:1 1 UDP 2013266431 fe80::1 50000 typ host",
        "candidate:2 1 udp 41885439 198.51.100.2 3478 typ relay raddr 0.0.0.0 rport 0 generation 0\r\n",
        "candidate:0 1 UDP 2122252543 2001:db8::5 60000 typ host",
        "candidate:7 1 udp 1845501695 198.51.100.9 12345 typ prflx raddr 10.0.0.1 rport 5000",
    };
    static const char *const bad[] = {
        "candidate:1 1 udp 2122260223 10.0.0.1 typ host",        /* no port */
        "candidate:1 1 udp 2122260223 10.0.0.1 70000 typ host",  /* port */
        "candidate:1 1 udp x 10.0.0.1 5000 typ host",            /* priority */
        "candidate:1 1 udp 1 not_an_address 5000 typ host",
        "candidate:1 1 sctp 1 10.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 10.0.0.1 5000 typ bogus",
        "candidate:1 1 udp 1 10.0.0.1 5000 type host",
        "candidate:1 1 udp 1 10.0.0.1 5000 typ srflx raddr",     /* a name without value */
        "candidate:1 1 udp 1 10.0.0.1 5000 typ srflx rport x",
        "cand:1 1 udp 1 10.0.0.1 5000 typ host",
        "candidate:123456789012345678901234567890123 1 udp 1 10.0.0.1 5000 typ host",
        "",
    };
    size_t i;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        kvs_result r = kvs__ice_cand_parse(good[i], strlen(good[i]), &c);
        if (r != KVS_OK)
            printf("    good[%lu]: %s\n", (unsigned long)i, kvs_result_str(r));
        CHECK_EQ(r, KVS_OK);
    }
    CHECK_EQ(kvs__ice_cand_parse(good[0], strlen(good[0]), &c), KVS_OK);
    CHECK(c.unresolved && c.type == KVS__ICE_HOST && c.addr.port == 54400);
    CHECK_EQ(kvs__ice_cand_parse(good[1], strlen(good[1]), &c), KVS_OK);
    CHECK_EQ(c.type, KVS__ICE_SRFLX);
    CHECK_EQ(c.related.port, 54400);
    CHECK_EQ(c.priority, 1686052607u);
    CHECK_STR(c.foundation, "842163049");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kvs_result r = kvs__ice_cand_parse(bad[i], strlen(bad[i]), &c);
        if (r != KVS_ERR_PARSE)
            printf("    bad[%lu] accepted: %s\n", (unsigned long)i, bad[i]);
        CHECK_EQ(r, KVS_ERR_PARSE);
    }
    /* TCP and component 2: well-formed, ignored */
    CHECK_EQ(kvs__ice_cand_parse("candidate:5 1 tcp 1518280447 10.0.0.1 9 typ host tcptype active", 63, &c),
             KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs__ice_cand_parse("candidate:5 2 udp 1 10.0.0.1 9 typ host", 39, &c), KVS_ERR_UNSUPPORTED);
    /* our lines parse back to the same candidate */
    CHECK_EQ(kvs__ice_cand_parse(good[1], strlen(good[1]), &c), KVS_OK);
    CHECK_EQ(kvs__ice_cand_line(&c, out, sizeof out), KVS_OK);
    CHECK_STR(out, "candidate:842163049 1 udp 1686052607 203.0.113.7 47209 typ srflx raddr 192.168.1.5 rport 54400");
    CHECK_EQ(kvs__ice_cand_line(&c, out, 20), KVS_ERR_BUFFER_TOO_SMALL);
}

static void test_ice_host(void) {
    static const int losses[3] = {0, 10, 30};
    int k;
    for (k = 0; k < 3; k++) {
        ic_net *n = ic_new(40 + (uint64_t)k, losses[k], 1, 0);
        CHECK_EQ(n->ep[0].nlines, 1);
        CHECK_EQ(n->ep[0].gathered, 0);
        ic_signal(n, 1);
        ic_run(n, KVS_SEC(60), ic_connected);
        CHECK(ic_connected(n));
        CHECK(n->ep[0].a.state == KVS__ICE_CONNECTED || n->ep[0].a.state == KVS__ICE_COMPLETED);
        CHECK_EQ(n->ep[0].states[0], KVS__ICE_CHECKING);
        ic_exchange(n);
        /* nothing left to check and end-of-candidates: completed */
        ic_run(n, KVS_SEC(5), NULL);
        CHECK_EQ(n->ep[0].a.state, KVS__ICE_COMPLETED);
        CHECK_EQ(n->ep[1].a.state, KVS__ICE_COMPLETED);
        if (k == 0)
            CHECK(n->ep[0].a.st.connected_at - n->ep[0].a.st.checking_at < KVS_MSEC(200));
        ic_free(n);
    }
}

static void test_ice_role_conflict(void) {
    int both;
    for (both = 0; both < 2; both++) {
        ic_net *n = ic_new(50 + (uint64_t)both, 0, both, both);
        ic_signal(n, 1);
        ic_run(n, KVS_SEC(30), ic_connected);
        CHECK(ic_connected(n));
        CHECK(n->ep[0].a.cfg.controlling != n->ep[1].a.cfg.controlling);
        CHECK(n->ep[0].a.st.role_conflicts + n->ep[1].a.st.role_conflicts >= 1);
        ic_exchange(n);
        ic_free(n);
    }
}

/* Trickle: the candidates arrive before the credentials, in random order, some late. */
static void test_ice_trickle(void) {
    int seed;
    for (seed = 0; seed < 8; seed++) {
        ic_net *n = ic_new(60 + (uint64_t)seed, 5, 1, 0);
        kvs_addr extra;
        /* a second host each, signalled later */
        kvs_addr_parse(&extra, seed & 1 ? "10.0.1.1" : "10.0.2.1", 8, 6000);
        if (seed & 2)
            ic_signal(n, 0);
        else
            ic_signal(n, 1);
        ic_run(n, KVS_SEC(60), ic_connected);
        CHECK(ic_connected(n));
        ic_free(n);
    }
    /* candidates only by peer-reflexive learning: the controlled side never gets a candidate */
    {
        ic_net *n = ic_new(70, 0, 1, 0);
        kvs__ice_cand c;
        CHECK_EQ(kvs__ice_set_remote(&n->ep[1].a, n->ep[0].a.lufrag, 8, n->ep[0].a.lpwd, 24), KVS_OK);
        CHECK_EQ(kvs__ice_set_remote(&n->ep[0].a, n->ep[1].a.lufrag, 8, n->ep[1].a.lpwd, 24), KVS_OK);
        CHECK_EQ(kvs__ice_cand_parse(n->ep[1].lines[0], strlen(n->ep[1].lines[0]), &c), KVS_OK);
        CHECK_EQ(kvs__ice_add_remote(&n->ep[0].a, &c), KVS_OK);
        /* the browser's mDNS candidate that never resolves */
        {
            static const char mdns[] = "candidate:1 1 udp 2122260223 abc.local 5000 typ host";
            CHECK_EQ(kvs__ice_cand_parse(mdns, strlen(mdns), &c), KVS_OK);
        }
        CHECK_EQ(kvs__ice_add_remote(&n->ep[1].a, &c), KVS_OK);
        ic_run(n, KVS_SEC(30), ic_connected);
        CHECK(ic_connected(n));
        CHECK_EQ(n->ep[1].a.st.prflx_remote, 1);
        ic_exchange(n);
        ic_free(n);
    }
}

static void test_ice_consent(void) {
    ic_net *n = ic_new(80, 0, 1, 0);
    int i, saw_disc = 0;
    ic_signal(n, 1);
    ic_run(n, KVS_SEC(30), ic_connected);
    CHECK(ic_connected(n));
    /* a minute of consent checks keeps it up */
    ic_run(n, KVS_SEC(60), NULL);
    CHECK(n->ep[0].a.state == KVS__ICE_COMPLETED || n->ep[0].a.state == KVS__ICE_CONNECTED);
    CHECK(n->ep[1].a.state == KVS__ICE_COMPLETED || n->ep[1].a.state == KVS__ICE_CONNECTED);
    /* cut: disconnected, then failed */
    n->cut = 1;
    ic_run(n, KVS_SEC(60), NULL);
    for (i = 0; i < n->ep[0].nstates; i++)
        saw_disc |= n->ep[0].states[i] == KVS__ICE_DISCONNECTED;
    CHECK(saw_disc);
    CHECK_EQ(n->ep[0].a.state, KVS__ICE_FAILED);
    CHECK_EQ(n->ep[0].log.last_item, KVS_LOG_ICE_CONSENT_LOST);
    ic_free(n);
    /* a short cut: disconnected, then connected again */
    n = ic_new(81, 0, 1, 0);
    ic_signal(n, 1);
    ic_run(n, KVS_SEC(30), ic_connected);
    n->cut = 1;
    ic_run(n, KVS_SEC(14), NULL);
    CHECK_EQ(n->ep[0].a.state, KVS__ICE_DISCONNECTED);
    n->cut = 0;
    ic_run(n, KVS_SEC(10), NULL);
    CHECK(n->ep[0].a.state == KVS__ICE_CONNECTED || n->ep[0].a.state == KVS__ICE_COMPLETED);
    ic_free(n);
}

static void test_ice_restart(void) {
    ic_net *n = ic_new(90, 0, 1, 0);
    char old[9];
    int i;
    ic_signal(n, 1);
    ic_run(n, KVS_SEC(30), ic_connected);
    CHECK(ic_connected(n));
    memcpy(old, n->ep[0].a.lufrag, 9);
    for (i = 0; i < 2; i++)
        CHECK_EQ(kvs__ice_restart(&n->ep[i].a), KVS_OK);
    CHECK(memcmp(old, n->ep[0].a.lufrag, 8) != 0);
    CHECK_EQ(n->ep[0].a.state, KVS__ICE_NEW);
    ic_signal(n, 1);
    ic_run(n, KVS_SEC(30), ic_connected);
    CHECK(ic_connected(n));
    ic_exchange(n);
    ic_free(n);
}

/* Relay only, no relay: nothing is signalled or paired, and the agent fails after its timeout
   once both sides said end-of-candidates. */
static void test_ice_no_pairs(void) {
    ic_net *n = ic_new(95, 0, 1, 0);
    n->ep[0].a.cfg.relay_only = 1;
    memset(n->ep[0].a.pairs, 0, sizeof n->ep[0].a.pairs);
    ic_signal(n, 1);
    ic_run(n, KVS_SEC(60), NULL);
    CHECK(n->ep[0].a.selected < 0);
    CHECK(n->ep[0].a.state == KVS__ICE_NEW || n->ep[0].a.state == KVS__ICE_FAILED);
    CHECK_EQ(n->ep[1].a.state, KVS__ICE_FAILED);
    ic_free(n);
}

/* Answers to malformed or unauthenticated checks: 420 with UNKNOWN-ATTRIBUTES, 401, and a
   role conflict answered 487 when our tie-breaker is larger. */
static void test_ice_bad_requests(void) {
    ic_net *n = ic_new(97, 0, 1, 0);
    kvs__ice *a = &n->ep[0].a;
    uint8_t req[256], out[512], txid[12] = {9, 9, 9};
    char user[64];
    kvs__wr w;
    kvs__stun_msg m;
    kvs__ice_route r;
    size_t len, n2;
    int code;
    const char *reason;
    const uint8_t *v;
    ic_signal(n, 1);
    snprintf(user, sizeof user, "%s:%s", a->lufrag, n->ep[1].a.lufrag);
    /* an unknown comprehension-required attribute */
    kvs__wr_init(&w, req, sizeof req);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__stun_put(&w, KVS__STUN_A_USERNAME, user, strlen(user));
    kvs__stun_put(&w, 0x7abc, "x", 1);
    kvs__stun_put_integrity(&w, a->lpwd, 24);
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    kvs__ice_input(a, 0, &n->ep[1].host, req, len, n->sim.now);
    CHECK_EQ(kvs__ice_output(a, &r, out, sizeof out, &len, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
    CHECK_EQ(m.cls, KVS__STUN_ERROR);
    CHECK_EQ(kvs__stun_get_error(&m, &code, &reason, &n2), KVS_OK);
    CHECK_EQ(code, 420);
    v = kvs__stun_get(&m, KVS__STUN_A_UNKNOWN_ATTRIBUTES, &n2);
    CHECK(v && n2 == 2 && kvs__get_u16(v) == 0x7abc);
    CHECK_EQ(kvs__stun_check_integrity(&m, a->lpwd, 24), KVS_OK);
    /* a wrong password: 401 */
    kvs__wr_init(&w, req, sizeof req);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__stun_put(&w, KVS__STUN_A_USERNAME, user, strlen(user));
    kvs__stun_put_integrity(&w, "wrong password wrong pw", 23);
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    kvs__ice_input(a, 0, &n->ep[1].host, req, len, n->sim.now);
    CHECK_EQ(kvs__ice_output(a, &r, out, sizeof out, &len, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
    CHECK_EQ(kvs__stun_get_error(&m, &code, &reason, &n2), KVS_OK);
    CHECK_EQ(code, 401);
    /* both controlling, ours larger: 487 */
    a->tiebreaker = ~(uint64_t)0;
    kvs__wr_init(&w, req, sizeof req);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__stun_put(&w, KVS__STUN_A_USERNAME, user, strlen(user));
    kvs__stun_put_u64(&w, KVS__STUN_A_ICE_CONTROLLING, 5);
    kvs__stun_put_integrity(&w, a->lpwd, 24);
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    kvs__ice_input(a, 0, &n->ep[1].host, req, len, n->sim.now);
    CHECK_EQ(kvs__ice_output(a, &r, out, sizeof out, &len, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
    CHECK_EQ(kvs__stun_get_error(&m, &code, &reason, &n2), KVS_OK);
    CHECK_EQ(code, 487);
    CHECK(a->cfg.controlling);
    /* a datagram from nowhere known: dropped, not handed up */
    kvs__ice_input(a, 0, &n->ep[1].host, (const uint8_t *)"\x17\xfe\xfd", 3, n->sim.now);
    CHECK_EQ(n->ep[0].data_in, 0);
    ic_free(n);
}

/* IPv6 host candidates; a link-local address is refused as a host candidate by default. */
static void test_ice_ipv6(void) {
    ic_net *n;
    kvs_addr ll;
    ic_v6 = 1;
    n = ic_new(99, 10, 1, 0);
    ic_v6 = 0;
    CHECK(strstr(n->ep[0].lines[0], " 2001:db8::1 5000 typ host") != NULL);
    ic_signal(n, 1);
    ic_run(n, KVS_SEC(30), ic_connected);
    CHECK(ic_connected(n));
    ic_exchange(n);
    kvs_addr_parse(&ll, "fe80::1", 7, 7000);
    CHECK_EQ(kvs__ice_add_host(&n->ep[0].a, 1, &ll), KVS_ERR_UNSUPPORTED);
    ic_free(n);
}

/* Gathering is not complete while a TURN server is still allocating (it was, when the TURN
   server was the only server: its first state change came before it counted). */
static void test_ice_gathering_turn_only(void) {
    ic_net *n = ic_new(98, 0, 1, 0);
    kvs_addr turn;
    kvs_addr_parse(&turn, "198.51.100.1", 12, 3478);
    CHECK_EQ(kvs__ice_add_turn_server(&n->ep[0].a, 0, &turn, KVS__TURN_UDP, "u", 1, "p", 1, n->sim.now,
                                      NULL),
             KVS_OK);
    CHECK_EQ(n->ep[0].gathered, 0);
    {
        uint8_t buf[1600];
        kvs__ice_route r;
        size_t len;
        CHECK_EQ(kvs__ice_output(&n->ep[0].a, &r, buf, sizeof buf, &len, n->sim.now), KVS_OK);
        CHECK(kvs_addr_equal(&r.to, &turn));
    }
    CHECK_EQ(n->ep[0].gathered, 0);
    ic_free(n);
}

/* The answerer checks first and its checks are lost (the offerer's side is not ready: a TURN
   permission missing); when the offerer's check arrives, the answerer checks again at once
   instead of waiting for its retransmission (RFC 8445 7.3.1.4). */
static void test_ice_retrigger(void) {
    ic_net *n = ic_new(96, 0, 1, 0);
    kvs_time t0;
    int k;
    n->sim.delay = KVS_MSEC(5);
    for (k = 0; k < n->ep[0].nlines; k++) {
        kvs__ice_cand c;
        CHECK_EQ(kvs__ice_cand_parse(n->ep[0].lines[k], strlen(n->ep[0].lines[k]), &c), KVS_OK);
        CHECK_EQ(kvs__ice_add_remote(&n->ep[1].a, &c), KVS_OK);
    }
    CHECK_EQ(kvs__ice_set_remote(&n->ep[1].a, n->ep[0].a.lufrag, 8, n->ep[0].a.lpwd, 24), KVS_OK);
    n->sim.blackhole[0] = 1;
    ic_run(n, KVS_MSEC(20), NULL);
    CHECK(n->ep[1].a.st.checks_sent >= 1);
    n->sim.blackhole[0] = 0;
    t0 = n->sim.now;
    for (k = 0; k < n->ep[1].nlines; k++) {
        kvs__ice_cand c;
        CHECK_EQ(kvs__ice_cand_parse(n->ep[1].lines[k], strlen(n->ep[1].lines[k]), &c), KVS_OK);
        CHECK_EQ(kvs__ice_add_remote(&n->ep[0].a, &c), KVS_OK);
    }
    CHECK_EQ(kvs__ice_set_remote(&n->ep[0].a, n->ep[1].a.lufrag, 8, n->ep[1].a.lpwd, 24), KVS_OK);
    ic_run(n, KVS_SEC(5), ic_connected);
    CHECK(ic_connected(n));
    /* the clock of ic_run may run past the moment: the agents' own record counts */
    CHECK(KVS__MAX(n->ep[0].a.st.connected_at, n->ep[1].a.st.connected_at) - t0 < KVS_MSEC(200));
    ic_free(n);
}

static const kvs_test_case kvs_tests_ice[] = {
    {"retrigger", test_ice_retrigger},
    {"gathering_turn_only", test_ice_gathering_turn_only},
    {"ipv6", test_ice_ipv6},
    {"bad_requests", test_ice_bad_requests},
    {"candidate_lines", test_ice_candidate_lines},
    {"host", test_ice_host},
    {"role_conflict", test_ice_role_conflict},
    {"trickle", test_ice_trickle},
    {"consent", test_ice_consent},
    {"restart", test_ice_restart},
    {"no_pairs", test_ice_no_pairs},
};
