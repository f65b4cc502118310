/* SCTP and data channels over DTLS (RFC 8261) on the virtual network: two endpoints do the DTLS
   handshake, then the association, then a data channel, with loss and reordering; messages of
   all sizes cross both ways. */

typedef struct ds_side {
    kvs__sctp s;
    kvs__dcep d;
    int up;
    unsigned long got, bad, bytes;
    uint32_t next;
    kvs_time *now;
} ds_side;

typedef struct ds_net {
    dt_net *dt;
    ds_side side[2];
    int sctp_started;
} ds_net;

static void ds_sctp_up(void *ctx) {
    ((ds_side *)ctx)->up = 1;
}
static void ds_sctp_msg(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    ds_side *e = (ds_side *)ctx;
    kvs__dcep_on_message(&e->d, sid, ppid, p, n, *e->now);
}
static void ds_dc_msg(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary) {
    ds_side *e = (ds_side *)ctx;
    (void)sid;
    (void)binary;
    if (n < 4 || kvs__get_u32(p) != e->next || !sc_check(p, n, e->next, 0))
        e->bad++;
    e->next++;
    e->got++;
    e->bytes += n;
}
/* DTLS application data is an SCTP packet. */
static void ds_dtls_app(void *ctx, const uint8_t *p, size_t n) {
    ds_side *e = (ds_side *)ctx;
    kvs__sctp_input(&e->s, p, n, *e->now);
}

static void ds_flush(ds_net *n, int i) {
    uint8_t buf[KVS_SIM_PKT], rec[KVS_SIM_PKT];
    size_t len, rlen;
    dt_flush(n->dt, i);
    if (n->dt->ep[i].d.state != KVS__DTLS_ST_CONNECTED)
        return;
    while (kvs__sctp_output(&n->side[i].s, buf, sizeof buf, &len, n->dt->sim.now) == KVS_OK) {
        if (kvs__dtls_send(&n->dt->ep[i].d, buf, len, rec, sizeof rec, &rlen) == KVS_OK)
            kvs_sim_send(&n->dt->sim, 1 - i, rec, rlen);
        else
            n->side[i].bad++;
    }
}

static void ds_run(ds_net *n, kvs_time limit, int (*stop)(ds_net *)) {
    kvs_sim *sim = &n->dt->sim;
    kvs_time end = sim->now + limit;
    for (;;) {
        kvs_time next, t;
        kvs_sim_pkt pkt;
        int i;
        if (!n->sctp_started && n->dt->ep[0].d.state == KVS__DTLS_ST_CONNECTED &&
            n->dt->ep[1].d.state == KVS__DTLS_ST_CONNECTED) {
            /* both sides start the association (RFC 8831 6) */
            kvs__sctp_connect(&n->side[0].s, sim->now);
            kvs__sctp_connect(&n->side[1].s, sim->now);
            n->sctp_started = 1;
        }
        ds_flush(n, 0);
        ds_flush(n, 1);
        if (stop && stop(n))
            return;
        next = kvs_sim_next(sim);
        for (i = 0; i < 2; i++) {
            t = kvs__dtls_deadline(&n->dt->ep[i].d);
            if (t < next)
                next = t;
            t = kvs__sctp_deadline(&n->side[i].s);
            if (t < next)
                next = t;
        }
        if (next == KVS_TIME_NEVER || next > end)
            return;
        if (next > sim->now)
            sim->now = next;
        while (kvs_sim_pop(sim, &pkt)) {
            kvs__dtls_input(&n->dt->ep[pkt.to].d, pkt.data, pkt.len, sim->now, ds_dtls_app,
                            &n->side[pkt.to]);
            ds_flush(n, pkt.to);
        }
        for (i = 0; i < 2; i++) {
            if (kvs__dtls_deadline(&n->dt->ep[i].d) <= sim->now)
                kvs__dtls_timeout(&n->dt->ep[i].d, sim->now);
            if (kvs__sctp_deadline(&n->side[i].s) <= sim->now)
                kvs__sctp_timeout(&n->side[i].s, sim->now);
        }
    }
}

static int ds_both_up(ds_net *n) {
    return n->side[0].up && n->side[1].up;
}

static uint16_t ds_chan;
static unsigned long ds_target;

static int ds_chan_open(ds_net *n) {
    kvs__dc *c = kvs__dcep_find(&n->side[0].d, ds_chan);
    return kvs__dcep_find(&n->side[1].d, ds_chan) != NULL && c && c->state == KVS__DC_OPEN;
}

static unsigned long ds_sent[2];

static size_t ds_size(unsigned long k) {
    size_t sz = 1 + (size_t)((k * 2654435761u) % (64 * 1024));
    return sz < 4 ? 4 : sz;
}

/* Send what fits (KVS_ERR_AGAIN is back-pressure: go on when the buffer drained); stop once
   every message crossed both ways. */
static int ds_feed(ds_net *n) {
    static uint8_t msg[64 * 1024];
    int i;
    for (i = 0; i < 2; i++) {
        while (ds_sent[i] < ds_target) {
            size_t sz = ds_size(ds_sent[i]);
            sc_fill(msg, sz, (uint32_t)ds_sent[i], 0);
            if (kvs__dcep_send(&n->side[i].d, ds_chan, msg, sz, 1, n->dt->sim.now) != KVS_OK)
                break;
            ds_sent[i]++;
        }
    }
    return n->side[1].got >= ds_target && n->side[0].got >= ds_target;
}

static void test_dtls_sctp_data_channel(void) {
    static const int loss[] = {0, 10};
    int li;
    for (li = 0; li < 2; li++) {
        ds_net n;
        int i;
        memset(&n, 0, sizeof n);
        n.dt = dt_new(51 + (uint64_t)li, li, loss[li], 5, KVS_MSEC(3));
        dt_start(n.dt);
        for (i = 0; i < 2; i++) {
            ds_side *e = &n.side[i];
            dt_ep *de = &n.dt->ep[i];
            kvs__sctp_cfg cfg;
            kvs__sctp_cb scb;
            kvs__dcep_cb dcb;
            memset(&cfg, 0, sizeof cfg);
            memset(&scb, 0, sizeof scb);
            memset(&dcb, 0, sizeof dcb);
            cfg.mtu = 1200 - KVS__DTLS_RH - KVS__DTLS_AEAD; /* one SCTP packet per DTLS record */
            scb.ctx = e;
            scb.up = ds_sctp_up;
            scb.message = ds_sctp_msg;
            dcb.ctx = e;
            dcb.message = ds_dc_msg;
            e->now = &n.dt->sim.now;
            CHECK_EQ(kvs__sctp_init(&e->s, &cfg, &scb, &de->rng, &de->log, &de->mem, n.dt->sim.now),
                     KVS_OK);
            kvs__dcep_init(&e->d, &e->s, de->cfg.role == KVS__DTLS_CLIENT, &dcb, &de->log);
        }
        ds_run(&n, KVS_SEC(600), ds_both_up);
        CHECK(n.side[0].up && n.side[1].up);
        CHECK_EQ(kvs__dcep_open(&n.side[0].d, "over-dtls", "", KVS_DC_RELIABLE, 0, 0, 0, -1, &ds_chan,
                                n.dt->sim.now),
                 KVS_OK);
        ds_run(&n, KVS_SEC(600), ds_chan_open);
        CHECK(ds_chan_open(&n));
        /* 300 messages each way, 4 B .. 64 KiB */
        ds_target = 300;
        ds_sent[0] = ds_sent[1] = 0;
        ds_run(&n, KVS_SEC(6000), ds_feed);
        CHECK_EQ(n.side[1].got, 300);
        CHECK_EQ(n.side[0].got, 300);
        CHECK_EQ(n.side[0].bad + n.side[1].bad, 0);
        CHECK_EQ(n.dt->ep[0].d.st.dropped_bad_mac + n.dt->ep[1].d.st.dropped_bad_mac, 0);
        if (loss[li])
            CHECK(n.side[0].s.st.retransmissions + n.side[1].s.st.retransmissions > 0);
        for (i = 0; i < 2; i++)
            kvs__sctp_deinit(&n.side[i].s);
        dt_free(n.dt);
    }
}

static const kvs_test_case kvs_tests_dtls_sctp[] = {
    {"data_channel", test_dtls_sctp_data_channel},
};
