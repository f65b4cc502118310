/* ICE through simulated NATs, a STUN server and a TURN server (tests/kvs_sim_net.h): two agents,
   each behind its own NAT, gather host, server-reflexive and relayed candidates, trickle them in
   random order and connect. Endpoint-independent NATs connect server-reflexive (no relay);
   address-and-port-dependent ("symmetric") NATs connect only through the relay; loss on top. */

typedef struct in_ep {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log log;
    kvs__rng rng;
    int guard;
    kvs__ice a;
    int node;
    kvs_addr host;
    char lines[KVS_ICE_MAX_CANDIDATES][160];
    int nlines, gathered;
    unsigned long data_in;
} in_ep;

typedef struct in_net {
    sim_net net;
    in_ep ep[2];
    sim_turn *turn;
    sim_stun *stun;
    int conn[2]; /* TURN over TCP: each agent's stream to the server (-1: TURN over UDP) */
} in_net;

static int in_tcp; /* the next in_new reaches the TURN server over TCP */

static void in_cand(void *ctx, const kvs__ice_cand *c, const char *line) {
    in_ep *e = (in_ep *)ctx;
    (void)c;
    if (!line)
        e->gathered = 1;
    else if (e->nlines < KVS_ICE_MAX_CANDIDATES)
        snprintf(e->lines[e->nlines++], sizeof e->lines[0], "%s", line);
}

static void in_data(void *ctx, const uint8_t *p, size_t n) {
    (void)p;
    (void)n;
    ((in_ep *)ctx)->data_in++;
}

/* mapping / filtering of both NATs (SIM_NAT_EI / _AD / _APD) */
static in_net *in_new(uint64_t seed, int mapping, int filtering, int loss) {
    in_net *n = (in_net *)calloc(1, sizeof *n);
    sim_nat_cfg nc = sim_nat_kind(mapping, filtering);
    sim_turn_cfg tc;
    kvs_addr stun, turn;
    int i;
    sim_net_init(&n->net, seed);
    n->net.sim.loss_pct = loss;
    n->net.sim.delay = KVS_MSEC(15);
    memset(&tc, 0, sizeof tc);
    n->stun = sim_net_stun(&n->net, 0, "198.51.100.2", 3478);
    n->turn = sim_net_turn(&n->net, 0, "198.51.100.1", &tc);
    stun = sim_addr("198.51.100.2", 3478);
    turn = sim_turn_addr(n->turn, KVS_AF_INET);
    for (i = 0; i < 2; i++) {
        in_ep *e = &n->ep[i];
        sim_nat *nat = sim_net_nat(&n->net, 0, i ? "203.0.113.2" : "203.0.113.1", &nc);
        kvs__ice_cfg cfg;
        kvs__ice_cb cb;
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 0);
        e->pf.log = NULL;
        kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
        kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
        e->node = sim_net_host(&n->net, nat->realm, i ? "192.168.2.10" : "192.168.1.10");
        e->host = sim_addr(i ? "192.168.2.10" : "192.168.1.10", 40000);
        memset(&cfg, 0, sizeof cfg);
        cfg.controlling = i == 0;
        memset(&cb, 0, sizeof cb);
        cb.ctx = e;
        cb.candidate = in_cand;
        cb.data = in_data;
        CHECK_EQ(kvs__ice_init(&e->a, &cfg, &cb, &e->rng, &e->log), KVS_OK);
        CHECK_EQ(kvs__ice_add_host(&e->a, 0, &e->host), KVS_OK);
        CHECK_EQ(kvs__ice_add_stun_server(&e->a, 0, &stun, n->net.sim.now), KVS_OK);
        n->conn[i] = -1;
        if (in_tcp) {
            /* the stream as the server sees it: from the NAT's external address */
            kvs_addr ext = sim_addr(i ? "203.0.113.2" : "203.0.113.1", 30000);
            n->conn[i] = sim_turn_stream_open(n->turn, &ext, 0);
            CHECK(n->conn[i] >= 0);
        }
        CHECK_EQ(kvs__ice_add_turn_server(&e->a, 0, &turn, in_tcp ? KVS__TURN_TCP : KVS__TURN_UDP, "kvsuser",
                                          7, "kvspass", 7, n->net.sim.now, NULL),
                 KVS_OK);
    }
    return n;
}

static void in_flush(in_net *n, int i) {
    in_ep *e = &n->ep[i];
    uint8_t buf[1600];
    kvs__ice_route r;
    size_t len;
    while (kvs__ice_output(&e->a, &r, buf, sizeof buf, &len, n->net.sim.now) == KVS_OK) {
        if (r.kind == KVS__ICE_ROUTE_STREAM) {
            CHECK(n->conn[i] >= 0);
            sim_turn_stream_input(n->turn, n->conn[i], buf, len);
            continue;
        }
        sim_net_send(&n->net, e->node, &e->host, &r.to, buf, len);
    }
    if (n->conn[i] >= 0) {
        size_t k;
        while ((k = sim_turn_stream_output(n->turn, n->conn[i], buf, 7)) > 0) /* small pieces */
            kvs__ice_stream_input(&e->a, 0, buf, k, n->net.sim.now);
    }
}

static int in_connected(in_net *n) {
    return n->ep[0].a.selected >= 0 && n->ep[1].a.selected >= 0;
}

static int in_gathered(in_net *n) {
    return n->ep[0].gathered && n->ep[1].gathered;
}

static void in_run(in_net *n, kvs_time limit, int (*stop)(in_net *)) {
    static sim_dgram d;
    kvs_time end = n->net.sim.now + limit;
    while (n->net.sim.now < end && !(stop && stop(n))) {
        kvs_time next = end;
        int i;
        in_flush(n, 0);
        in_flush(n, 1);
        while (sim_net_pop(&n->net, &d)) {
            for (i = 0; i < 2; i++)
                if (d.node == n->ep[i].node)
                    kvs__ice_input(&n->ep[i].a, 0, &d.from, d.data, d.len, n->net.sim.now);
            in_flush(n, 0);
            in_flush(n, 1);
        }
        for (i = 0; i < 2; i++) {
            kvs_time t = kvs__ice_deadline(&n->ep[i].a);
            if (t < next)
                next = t;
        }
        if (sim_net_next(&n->net) < next)
            next = sim_net_next(&n->net);
        if (next <= n->net.sim.now)
            next = n->net.sim.now + KVS_MSEC(1);
        n->net.sim.now = next > end ? end : next;
    }
}

/* Trickle everything both ways, candidates in a shuffled order. */
static void in_signal(in_net *n, uint64_t seed) {
    int i, k;
    for (i = 0; i < 2; i++) {
        in_ep *e = &n->ep[i], *o = &n->ep[1 - i];
        int order[KVS_ICE_MAX_CANDIDATES];
        for (k = 0; k < e->nlines; k++)
            order[k] = k;
        for (k = e->nlines - 1; k > 0; k--) {
            int j = (int)((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) % (k + 1), t;
            t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        CHECK_EQ(kvs__ice_set_remote(&o->a, e->a.lufrag, 8, e->a.lpwd, 24), KVS_OK);
        for (k = 0; k < e->nlines; k++) {
            kvs__ice_cand c;
            CHECK_EQ(kvs__ice_cand_parse(e->lines[order[k]], strlen(e->lines[order[k]]), &c), KVS_OK);
            CHECK_EQ(kvs__ice_add_remote(&o->a, &c), KVS_OK);
        }
        kvs__ice_remote_done(&o->a);
    }
}

static int in_selected_type(const in_ep *e) {
    const kvs__ice_pair *p = &e->a.pairs[e->a.selected];
    return e->a.local[p->local].type;
}

static void in_free(in_net *n) {
    kvs__ice_deinit(&n->ep[0].a);
    kvs__ice_deinit(&n->ep[1].a);
    sim_net_free(&n->net);
    free(n);
}

/* Endpoint-independent mapping: server-reflexive candidates work, no relay is used. */
static void test_ice_nat_eim(void) {
    int f;
    for (f = 0; f < 2; f++) {
        in_net *n = in_new(200 + (uint64_t)f, SIM_NAT_EI, f ? SIM_NAT_APD : SIM_NAT_EI, 0);
        in_run(n, KVS_SEC(30), in_gathered);
        CHECK(in_gathered(n));
        CHECK_EQ(n->ep[0].nlines, 3); /* host, srflx, relay */
        in_signal(n, 7 + (uint64_t)f);
        in_run(n, KVS_SEC(60), in_connected);
        CHECK(in_connected(n));
        CHECK(in_selected_type(&n->ep[0]) != KVS__ICE_RELAY);
        CHECK(in_selected_type(&n->ep[1]) != KVS__ICE_RELAY);
        in_free(n);
    }
}

/* Address-and-port-dependent mapping on both sides: only the relay works. */
static void test_ice_nat_symmetric(void) {
    static const int losses[2] = {0, 10};
    int k;
    for (k = 0; k < 2; k++) {
        in_net *n = in_new(210 + (uint64_t)k, SIM_NAT_APD, SIM_NAT_APD, losses[k]);
        in_run(n, KVS_SEC(60), in_gathered);
        CHECK(in_gathered(n));
        in_signal(n, 11 + (uint64_t)k);
        in_run(n, KVS_SEC(90), in_connected);
        CHECK(in_connected(n));
        if (in_connected(n))
            CHECK(in_selected_type(&n->ep[0]) == KVS__ICE_RELAY || in_selected_type(&n->ep[1]) == KVS__ICE_RELAY);
        CHECK(n->turn->relayed_to_peer > 0);
        /* data through the selected pairs, relayed */
        if (in_connected(n)) {
            int i;
            n->net.sim.loss_pct = 0;
            for (i = 0; i < 2; i++) {
                uint8_t buf[1600];
                kvs__ice_route r;
                size_t len;
                CHECK_EQ(kvs__ice_send(&n->ep[i].a, (const uint8_t *)"\x80rtp", 4, &r, buf, sizeof buf, &len),
                         KVS_OK);
                sim_net_send(&n->net, n->ep[i].node, &n->ep[i].host, &r.to, buf, len);
            }
            in_run(n, KVS_SEC(2), NULL);
            CHECK(n->ep[0].data_in >= 1 && n->ep[1].data_in >= 1);
        }
        in_free(n);
    }
}

/* Symmetric NATs, TURN over TCP (stream framing, the server's answers in 7-byte pieces). */
static void test_ice_nat_turn_tcp(void) {
    in_net *n;
    in_tcp = 1;
    n = in_new(220, SIM_NAT_APD, SIM_NAT_APD, 0);
    in_tcp = 0;
    in_run(n, KVS_SEC(60), in_gathered);
    CHECK(n->ep[0].a.turn[0].state == KVS__TURN_ALLOCATED);
    in_signal(n, 21);
    in_run(n, KVS_SEC(90), in_connected);
    CHECK(in_connected(n));
    if (in_connected(n))
        CHECK(in_selected_type(&n->ep[0]) == KVS__ICE_RELAY || in_selected_type(&n->ep[1]) == KVS__ICE_RELAY);
    CHECK(n->turn->channel_data_in + n->turn->send_indications > 0);
    in_free(n);
}

static const kvs_test_case kvs_tests_ice_nat[] = {
    {"turn_tcp", test_ice_nat_turn_tcp},
    {"eim", test_ice_nat_eim},
    {"symmetric_relay", test_ice_nat_symmetric},
};
