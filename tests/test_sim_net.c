/* Tests of the simulated network elements in tests/kvs_sim_net.h, driven by hand-built STUN
   messages (the >>stun builder): the TURN server's long-term authentication (401 then success,
   wrong credentials, stale nonce), allocations (retransmission, 437, refresh, delete, expiry,
   IPv6, quotas), permissions, Send / Data indications, ChannelBind and ChannelData both ways,
   forbidden peers, TURN over a stream (fragmented input, padding, bad framing); NAT mapping and
   filtering behaviours, timeouts, hairpinning, relaying across symmetric NATs; the STUN binding
   server; replays from the seed. */

#include "kvs_sim_net.h"

/* --- a hand-driven TURN client --------------------------------------------------------------- */

typedef struct snt {
    sim_net net;
    sim_turn *turn;
    int host, peer;           /* the client host and a peer host (public) */
    kvs_addr me, srv, peer_ep; /* client endpoint, server endpoint, peer endpoint */
    int conn;                 /* stream connection, or -1: UDP */
    unsigned txn;
    uint8_t txid[12];
    uint8_t buf[KVS_SIM_PKT];
    const char *user, *pass;
    char realm[64], nonce[128];
    size_t realm_len, nonce_len;
    uint8_t key[16];
    sim_dgram d;      /* the last datagram received */
    uint8_t rx[4096]; /* the last stream frame received */
    size_t rxlen;
    kvs__stun_msg m;  /* the last answer, parsed */
    unsigned long stray;
} snt;

/* cfg NULL: the defaults, but nonces that last a day (tests that jump the clock by many minutes
   then need no new nonce; the stale nonce test sets its own lifetime). */
static void snt_init(snt *s, uint64_t seed, const sim_turn_cfg *cfg) {
    sim_turn_cfg def;
    memset(&def, 0, sizeof def);
    def.nonce_lifetime = KVS_SEC(86400);
    memset(s, 0, sizeof *s);
    sim_net_init(&s->net, seed);
    s->turn = sim_net_turn(&s->net, 0, "198.51.100.1", cfg ? cfg : &def);
    s->host = sim_net_host(&s->net, 0, "203.0.113.10");
    s->peer = sim_net_host(&s->net, 0, "203.0.113.20");
    s->me = sim_addr("203.0.113.10", 40000);
    s->peer_ep = sim_addr("203.0.113.20", 50000);
    s->srv = sim_turn_addr(s->turn, KVS_AF_INET);
    s->conn = -1;
    s->user = "kvsuser";
    s->pass = "kvspass";
}

static void snt_free(snt *s) {
    sim_net_free(&s->net);
}

/* Runs the network (advancing the clock, at most `limit` ahead) until a datagram for `node`
   arrives; 1 and s->d when it does. Datagrams for other hosts are dropped (counted in stray). */
static int snt_wait_for(snt *s, int node, kvs_time limit) {
    kvs_time end = s->net.sim.now + limit;
    for (;;) {
        kvs_time next;
        while (sim_net_pop(&s->net, &s->d)) {
            if (s->d.node == node)
                return 1;
            s->stray++;
        }
        next = sim_net_next(&s->net);
        if (next == KVS_TIME_NEVER || next > end)
            return 0;
        s->net.sim.now = next;
    }
}

static int snt_wait(snt *s, int node) {
    return snt_wait_for(s, node, KVS_SEC(5));
}

static void snt_begin(snt *s, kvs__wr *w, uint16_t method, int cls) {
    s->txn++;
    memset(s->txid, 0xa5, 12);
    kvs__put_u32(s->txid + 8, s->txn);
    kvs__wr_init(w, s->buf, sizeof s->buf);
    kvs__stun_begin(w, method, cls, s->txid);
}

/* USERNAME, REALM, NONCE and MESSAGE-INTEGRITY when auth, then FINGERPRINT; the length. */
static size_t snt_end(snt *s, kvs__wr *w, int auth) {
    size_t len = 0;
    if (auth) {
        kvs__stun_put(w, KVS__STUN_A_USERNAME, s->user, strlen(s->user));
        kvs__stun_put(w, KVS__STUN_A_REALM, s->realm, s->realm_len);
        kvs__stun_put(w, KVS__STUN_A_NONCE, s->nonce, s->nonce_len);
        kvs__stun_put_integrity(w, s->key, 16);
    }
    kvs__stun_put_fingerprint(w);
    CHECK_EQ(kvs__wr_result(w, &len), KVS_OK);
    return len;
}

/* The next frame the server wrote to the stream connection (ChannelData without its padding). */
static int snt_stream_frame(snt *s) {
    uint8_t hdr[4];
    size_t len, pad;
    sim_turn_conn *c = &s->turn->conn[s->conn];
    if (c->out_len < 4)
        return 0;
    memcpy(hdr, c->out, 4);
    if (hdr[0] >= 0x40 && hdr[0] <= 0x4F) {
        len = 4 + (size_t)kvs__get_u16(hdr + 2);
        pad = (4 - (len & 3)) & 3;
    } else {
        len = 20 + (size_t)kvs__get_u16(hdr + 2);
        pad = 0;
    }
    if (c->out_len < len + pad || len > sizeof s->rx)
        return 0;
    CHECK_EQ(sim_turn_stream_output(s->turn, s->conn, s->rx, len), len);
    if (pad) {
        uint8_t z[4] = {1, 1, 1, 1};
        CHECK_EQ(sim_turn_stream_output(s->turn, s->conn, z, pad), pad);
        CHECK(z[0] == 0 && (pad < 2 || z[1] == 0) && (pad < 3 || z[2] == 0));
    }
    s->rxlen = len;
    return 1;
}

/* Runs the network until the server has written a frame header's worth to the stream
   connection, or nothing is left within 5 s. */
static int snt_stream_wait(snt *s) {
    kvs_time end = s->net.sim.now + KVS_SEC(5);
    for (;;) {
        kvs_time next;
        while (sim_net_pop(&s->net, &s->d))
            s->stray++;
        if (sim_turn_stream_pending(s->turn, s->conn) >= 4)
            return 1;
        next = sim_net_next(&s->net);
        if (next == KVS_TIME_NEVER || next > end)
            return 0;
        s->net.sim.now = next;
    }
}

/* Sends what was built (UDP or stream) and parses the answer into s->m; 1 when there is one. */
static int snt_call(snt *s, size_t len) {
    if (s->conn >= 0) {
        CHECK_EQ(sim_turn_stream_input(s->turn, s->conn, s->buf, len), 0);
        return snt_stream_frame(s) && kvs__stun_parse(s->rx, s->rxlen, &s->m) == KVS_OK &&
               memcmp(s->m.txid, s->txid, 12) == 0;
    }
    sim_net_send(&s->net, s->host, &s->me, &s->srv, s->buf, len);
    if (!snt_wait(s, s->host))
        return 0;
    return kvs__stun_parse(s->d.data, s->d.len, &s->m) == KVS_OK && memcmp(s->m.txid, s->txid, 12) == 0;
}

/* 0 for a success response, the error code for an error response, -1 for anything else. */
static int snt_code(const kvs__stun_msg *m) {
    int code;
    const char *reason;
    size_t rlen;
    if (m->cls == KVS__STUN_SUCCESS)
        return 0;
    if (m->cls != KVS__STUN_ERROR || kvs__stun_get_error(m, &code, &reason, &rlen) != KVS_OK)
        return -1;
    return code;
}

/* Takes REALM and NONCE from a 401 / 438 answer and derives the key. */
static void snt_learn(snt *s) {
    size_t n;
    const uint8_t *r = kvs__stun_get(&s->m, KVS__STUN_A_REALM, &n);
    CHECK(r != NULL && n < sizeof s->realm);
    if (r && n < sizeof s->realm) {
        memcpy(s->realm, r, n);
        s->realm_len = n;
    }
    r = kvs__stun_get(&s->m, KVS__STUN_A_NONCE, &n);
    CHECK(r != NULL && n < sizeof s->nonce);
    if (r && n < sizeof s->nonce) {
        memcpy(s->nonce, r, n);
        s->nonce_len = n;
    }
    kvs__stun_long_term_key(s->user, strlen(s->user), s->realm, s->realm_len, s->pass,
                            strlen(s->pass), s->key);
}

/* An authenticated response: integrity with the key and a good fingerprint. */
static int snt_signed(snt *s) {
    return kvs__stun_check_integrity(&s->m, s->key, 16) == KVS_OK &&
           kvs__stun_check_fingerprint(&s->m) == KVS_OK;
}

static size_t snt_allocate_msg(snt *s, int auth, int family) {
    kvs__wr w;
    snt_begin(s, &w, KVS__STUN_ALLOCATE, KVS__STUN_REQUEST);
    kvs__stun_put_u32(&w, KVS__STUN_A_REQUESTED_TRANSPORT, 17u << 24);
    if (family)
        kvs__stun_put_u32(&w, KVS__STUN_A_REQUESTED_ADDRESS_FAMILY, (uint32_t)(family == KVS_AF_INET6 ? 2 : 1) << 24);
    return snt_end(s, &w, auth);
}

/* 401, then an authenticated Allocate; the relayed address (family NONE on failure). */
static kvs_addr snt_allocate(snt *s) {
    kvs_addr relayed;
    memset(&relayed, 0, sizeof relayed);
    CHECK(snt_call(s, snt_allocate_msg(s, 0, 0)));
    CHECK_EQ(snt_code(&s->m), 401);
    snt_learn(s);
    CHECK(snt_call(s, snt_allocate_msg(s, 1, 0)));
    CHECK_EQ(snt_code(&s->m), 0);
    CHECK(snt_signed(s));
    CHECK_EQ(kvs__stun_get_addr(&s->m, KVS__STUN_A_XOR_RELAYED_ADDRESS, &relayed), KVS_OK);
    return relayed;
}

static int snt_refresh(snt *s, int with_lifetime, uint32_t lifetime) {
    kvs__wr w;
    snt_begin(s, &w, KVS__STUN_REFRESH, KVS__STUN_REQUEST);
    if (with_lifetime)
        kvs__stun_put_u32(&w, KVS__STUN_A_LIFETIME, lifetime);
    if (!snt_call(s, snt_end(s, &w, 1)))
        return -1;
    return snt_code(&s->m);
}

static int snt_permission(snt *s, const kvs_addr *peer) {
    kvs__wr w;
    snt_begin(s, &w, KVS__STUN_CREATE_PERMISSION, KVS__STUN_REQUEST);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, peer);
    if (!snt_call(s, snt_end(s, &w, 1)))
        return -1;
    return snt_code(&s->m);
}

static int snt_bind(snt *s, uint16_t num, const kvs_addr *peer) {
    kvs__wr w;
    snt_begin(s, &w, KVS__STUN_CHANNEL_BIND, KVS__STUN_REQUEST);
    kvs__stun_put_u32(&w, KVS__STUN_A_CHANNEL_NUMBER, (uint32_t)num << 16);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, peer);
    if (!snt_call(s, snt_end(s, &w, 1)))
        return -1;
    return snt_code(&s->m);
}

/* A Send indication (UDP or stream); nothing comes back. */
static void snt_send_ind(snt *s, const kvs_addr *peer, const char *data) {
    kvs__wr w;
    size_t len;
    snt_begin(s, &w, KVS__STUN_SEND, KVS__STUN_INDICATION);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, peer);
    kvs__stun_put(&w, KVS__STUN_A_DATA, data, strlen(data));
    len = snt_end(s, &w, 0);
    if (s->conn >= 0)
        CHECK_EQ(sim_turn_stream_input(s->turn, s->conn, s->buf, len), 0);
    else
        sim_net_send(&s->net, s->host, &s->me, &s->srv, s->buf, len);
}

/* ChannelData from the client: over UDP unpadded, over a stream padded to 4. */
static void snt_chan_data(snt *s, uint16_t num, const char *data) {
    size_t n = strlen(data), total = 4 + n;
    kvs__put_u16(s->buf, num);
    kvs__put_u16(s->buf + 2, (uint16_t)n);
    memcpy(s->buf + 4, data, n);
    if (s->conn >= 0) {
        while (total & 3)
            s->buf[total++] = 0;
        CHECK_EQ(sim_turn_stream_input(s->turn, s->conn, s->buf, total), 0);
    } else {
        sim_net_send(&s->net, s->host, &s->me, &s->srv, s->buf, total);
    }
}

/* The peer sends a datagram to the relayed address. */
static void snt_peer_send(snt *s, const kvs_addr *relayed, const char *data) {
    sim_net_send(&s->net, s->peer, &s->peer_ep, relayed, data, strlen(data));
}

/* The peer received exactly `data` from `from`. */
static int snt_peer_got(snt *s, const kvs_addr *from, const char *data) {
    return snt_wait(s, s->peer) && sim_ep_eq(&s->d.from, from) && s->d.len == strlen(data) &&
           memcmp(s->d.data, data, s->d.len) == 0;
}

/* The client received a Data indication from `peer` carrying `data` (UDP or stream). */
static int snt_got_data_ind(snt *s, const kvs_addr *peer, const char *data) {
    kvs__stun_msg m;
    kvs_addr from;
    const uint8_t *v;
    size_t n;
    const uint8_t *p;
    size_t len;
    if (s->conn >= 0) {
        if (!snt_stream_wait(s) || !snt_stream_frame(s))
            return 0;
        p = s->rx;
        len = s->rxlen;
    } else {
        if (!snt_wait(s, s->host))
            return 0;
        p = s->d.data;
        len = s->d.len;
    }
    if (kvs__stun_parse(p, len, &m) != KVS_OK || m.method != KVS__STUN_DATA || m.cls != KVS__STUN_INDICATION ||
        kvs__stun_check_fingerprint(&m) != KVS_OK)
        return 0;
    v = kvs__stun_get(&m, KVS__STUN_A_DATA, &n);
    return kvs__stun_get_addr(&m, KVS__STUN_A_XOR_PEER_ADDRESS, &from) == KVS_OK && sim_ep_eq(&from, peer) &&
           v && n == strlen(data) && memcmp(v, data, n) == 0;
}

/* The client received ChannelData on channel num carrying `data`. */
static int snt_got_chan_data(snt *s, uint16_t num, const char *data) {
    const uint8_t *p;
    size_t len;
    if (s->conn >= 0) {
        if (!snt_stream_wait(s) || !snt_stream_frame(s))
            return 0;
        p = s->rx;
        len = s->rxlen;
    } else {
        if (!snt_wait(s, s->host))
            return 0;
        p = s->d.data;
        len = s->d.len;
    }
    return len == 4 + strlen(data) && kvs__get_u16(p) == num && kvs__get_u16(p + 2) == strlen(data) &&
           memcmp(p + 4, data, strlen(data)) == 0;
}

/* --- TURN server --------------------------------------------------------------------------- */

static void test_sim_net_turn_allocate(void) {
    snt s;
    kvs_addr relayed, mapped, first;
    uint32_t lifetime = 0;
    size_t len;
    snt_init(&s, 1, NULL);
    /* no credentials: 401 with REALM and NONCE, no integrity */
    CHECK(snt_call(&s, snt_allocate_msg(&s, 0, 0)));
    CHECK_EQ(snt_code(&s.m), 401);
    CHECK(kvs__stun_has(&s.m, KVS__STUN_A_REALM) && kvs__stun_has(&s.m, KVS__STUN_A_NONCE));
    CHECK(!kvs__stun_has(&s.m, KVS__STUN_A_MESSAGE_INTEGRITY));
    CHECK_EQ(kvs__stun_check_fingerprint(&s.m), KVS_OK);
    CHECK(sim_ep_eq(&s.d.from, &s.srv));
    snt_learn(&s);
    CHECK_EQ(s.realm_len, 8);
    CHECK_MEM(s.realm, "kvs.test", 8);
    CHECK_EQ(s.turn->challenges, 1);
    /* with them: the allocation */
    len = snt_allocate_msg(&s, 1, 0);
    CHECK(snt_call(&s, len));
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK(snt_signed(&s));
    CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_RELAYED_ADDRESS, &relayed), KVS_OK);
    CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped), KVS_OK);
    CHECK_EQ(kvs__stun_get_u32(&s.m, KVS__STUN_A_LIFETIME, &lifetime), KVS_OK);
    CHECK_EQ(lifetime, 600);
    CHECK(sim_ip_eq(&relayed, &s.srv));
    CHECK(relayed.port >= 49152);
    CHECK(sim_ep_eq(&mapped, &s.me));
    CHECK_EQ(s.turn->allocations, 1);
    CHECK_EQ(sim_turn_allocations(s.turn), 1);
    CHECK(sim_turn_find_relayed(s.turn, &relayed) != NULL);
    first = relayed;
    /* the same request again (a retransmission): the same answer, still one allocation */
    sim_net_send(&s.net, s.host, &s.me, &s.srv, s.buf, len);
    CHECK(snt_wait(&s, s.host));
    CHECK_EQ(kvs__stun_parse(s.d.data, s.d.len, &s.m), KVS_OK);
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_RELAYED_ADDRESS, &relayed), KVS_OK);
    CHECK(sim_ep_eq(&relayed, &first));
    CHECK_EQ(s.turn->allocations, 1);
    /* another Allocate on the same 5-tuple: 437, signed */
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 437);
    CHECK(snt_signed(&s));
    CHECK_EQ(s.turn->mismatches, 1);
    /* a Binding request is answered without credentials */
    {
        kvs__wr w;
        snt_begin(&s, &w, KVS__STUN_BINDING, KVS__STUN_REQUEST);
        CHECK(snt_call(&s, snt_end(&s, &w, 0)));
        CHECK_EQ(snt_code(&s.m), 0);
        CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped), KVS_OK);
        CHECK(sim_ep_eq(&mapped, &s.me));
    }
    /* a second client gets another relayed port */
    s.me.port = 40001;
    relayed = snt_allocate(&s);
    CHECK(sim_ip_eq(&relayed, &first) && relayed.port != first.port);
    CHECK_EQ(sim_turn_allocations(s.turn), 2);
    CHECK_EQ(s.turn->allocations, 2);
    snt_free(&s);
}

static void test_sim_net_turn_auth_failures(void) {
    snt s;
    kvs__wr w;
    snt_init(&s, 2, NULL);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 0, 0)));
    CHECK_EQ(snt_code(&s.m), 401);
    /* wrong password */
    s.pass = "wrong";
    snt_learn(&s);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 401);
    CHECK(!kvs__stun_has(&s.m, KVS__STUN_A_MESSAGE_INTEGRITY));
    CHECK(kvs__stun_has(&s.m, KVS__STUN_A_NONCE));
    CHECK_EQ(s.turn->auth_failures, 1);
    /* unknown user */
    s.user = "nobody";
    s.pass = "kvspass";
    snt_learn(&s);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 401);
    CHECK_EQ(s.turn->auth_failures, 2);
    /* wrong realm */
    s.user = "kvsuser";
    snt_learn(&s);
    memcpy(s.realm, "kvs.tesx", 8);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 401);
    CHECK_EQ(s.turn->auth_failures, 3);
    /* integrity but no NONCE: 400 */
    snt_learn(&s);
    snt_begin(&s, &w, KVS__STUN_ALLOCATE, KVS__STUN_REQUEST);
    kvs__stun_put_u32(&w, KVS__STUN_A_REQUESTED_TRANSPORT, 17u << 24);
    kvs__stun_put(&w, KVS__STUN_A_USERNAME, "kvsuser", 7);
    kvs__stun_put(&w, KVS__STUN_A_REALM, s.realm, s.realm_len);
    kvs__stun_put_integrity(&w, s.key, 16);
    CHECK(snt_call(&s, snt_end(&s, &w, 0)));
    CHECK_EQ(snt_code(&s.m), 400);
    /* a message changed on the way (FINGERPRINT no longer matches) is not answered */
    {
        size_t len = snt_allocate_msg(&s, 1, 0);
        s.buf[KVS__STUN_HDR + 7] ^= 1; /* inside REQUESTED-TRANSPORT's reserved bytes */
        CHECK(!snt_call(&s, len));
        CHECK_EQ(s.turn->dropped_malformed, 1);
    }
    /* no REQUESTED-TRANSPORT: 400; TCP: 442 */
    snt_begin(&s, &w, KVS__STUN_ALLOCATE, KVS__STUN_REQUEST);
    CHECK(snt_call(&s, snt_end(&s, &w, 1)));
    CHECK_EQ(snt_code(&s.m), 400);
    snt_begin(&s, &w, KVS__STUN_ALLOCATE, KVS__STUN_REQUEST);
    kvs__stun_put_u32(&w, KVS__STUN_A_REQUESTED_TRANSPORT, 6u << 24);
    CHECK(snt_call(&s, snt_end(&s, &w, 1)));
    CHECK_EQ(snt_code(&s.m), 442);
    CHECK(snt_signed(&s));
    /* IPv6 relay from a server without one: 440 */
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, KVS_AF_INET6)));
    CHECK_EQ(snt_code(&s.m), 440);
    CHECK_EQ(s.turn->allocations, 0);
    CHECK_EQ(sim_turn_allocations(s.turn), 0);
    /* and finally the right credentials work */
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK_EQ(s.turn->allocations, 1);
    snt_free(&s);
}

static void test_sim_net_turn_stale_nonce(void) {
    snt s;
    sim_turn_cfg cfg;
    char old[128];
    memset(&cfg, 0, sizeof cfg);
    cfg.nonce_lifetime = KVS_SEC(30);
    snt_init(&s, 3, &cfg);
    snt_allocate(&s);
    CHECK_EQ(snt_refresh(&s, 0, 0), 0);
    s.net.sim.now += KVS_SEC(31);
    /* the nonce is too old now: 438 with a new NONCE and the REALM, no integrity */
    memcpy(old, s.nonce, s.nonce_len);
    CHECK_EQ(snt_refresh(&s, 0, 0), 438);
    CHECK(kvs__stun_has(&s.m, KVS__STUN_A_REALM) && kvs__stun_has(&s.m, KVS__STUN_A_NONCE));
    CHECK(!kvs__stun_has(&s.m, KVS__STUN_A_MESSAGE_INTEGRITY));
    CHECK_EQ(s.turn->stale_nonces, 1);
    snt_learn(&s);
    CHECK(memcmp(old, s.nonce, s.nonce_len) != 0);
    CHECK_EQ(snt_refresh(&s, 0, 0), 0);
    CHECK(snt_signed(&s));
    /* a stale nonce with a wrong password is a 401, not a 438 */
    s.net.sim.now += KVS_SEC(31);
    s.pass = "wrong";
    kvs__stun_long_term_key(s.user, strlen(s.user), s.realm, s.realm_len, s.pass, strlen(s.pass), s.key);
    CHECK_EQ(snt_refresh(&s, 0, 0), 401);
    s.pass = "kvspass";
    snt_learn(&s);
    /* forced staleness */
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    sim_turn_stale_nonces(s.turn);
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 438);
    snt_learn(&s);
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    CHECK_EQ(s.turn->stale_nonces, 2);
    snt_free(&s);
}

static void test_sim_net_turn_refresh(void) {
    snt s;
    uint32_t lifetime = 0;
    kvs_addr relayed;
    snt_init(&s, 4, NULL);
    relayed = snt_allocate(&s);
    /* a longer lifetime, capped at the maximum */
    CHECK_EQ(snt_refresh(&s, 1, 1200), 0);
    CHECK(snt_signed(&s));
    CHECK_EQ(kvs__stun_get_u32(&s.m, KVS__STUN_A_LIFETIME, &lifetime), KVS_OK);
    CHECK_EQ(lifetime, 1200);
    CHECK_EQ(snt_refresh(&s, 1, 100000), 0);
    CHECK_EQ(kvs__stun_get_u32(&s.m, KVS__STUN_A_LIFETIME, &lifetime), KVS_OK);
    CHECK_EQ(lifetime, 3600);
    /* no LIFETIME: the default */
    CHECK_EQ(snt_refresh(&s, 0, 0), 0);
    CHECK_EQ(kvs__stun_get_u32(&s.m, KVS__STUN_A_LIFETIME, &lifetime), KVS_OK);
    CHECK_EQ(lifetime, 600);
    CHECK_EQ(s.turn->refreshes, 3);
    /* without refresh it expires */
    s.net.sim.now += KVS_SEC(599);
    CHECK_EQ(sim_turn_allocations(s.turn), 1);
    s.net.sim.now += KVS_SEC(2);
    CHECK_EQ(sim_turn_allocations(s.turn), 0);
    CHECK_EQ(s.turn->expirations, 1);
    CHECK(sim_turn_find_relayed(s.turn, &relayed) == NULL);
    CHECK_EQ(snt_refresh(&s, 0, 0), 437);
    CHECK_EQ(s.turn->mismatches, 1);
    /* a new one, deleted with LIFETIME 0 */
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK_EQ(sim_turn_allocations(s.turn), 1);
    CHECK_EQ(snt_refresh(&s, 1, 0), 0);
    CHECK_EQ(kvs__stun_get_u32(&s.m, KVS__STUN_A_LIFETIME, &lifetime), KVS_OK);
    CHECK_EQ(lifetime, 0);
    CHECK_EQ(sim_turn_allocations(s.turn), 0);
    CHECK_EQ(s.turn->deletions, 1);
    /* the deletion again (a retransmission after the answer got lost): 437 */
    CHECK_EQ(snt_refresh(&s, 1, 0), 437);
    /* requests other than Allocate need an allocation */
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 437);
    CHECK_EQ(snt_bind(&s, 0x4000, &s.peer_ep), 437);
    snt_free(&s);
}

static void test_sim_net_turn_permissions(void) {
    snt s;
    kvs_addr relayed, other;
    snt_init(&s, 5, NULL);
    relayed = snt_allocate(&s);
    /* no permission: the relay drops both ways */
    snt_send_ind(&s, &s.peer_ep, "hello");
    CHECK(!snt_wait(&s, s.peer));
    CHECK_EQ(s.turn->dropped_no_permission, 1);
    snt_peer_send(&s, &relayed, "unsolicited");
    CHECK(!snt_wait(&s, s.host));
    CHECK_EQ(s.turn->dropped_no_permission, 2);
    CHECK_EQ(s.turn->relayed_to_peer, 0);
    /* with one: Send indication out, Data indication back */
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    CHECK(snt_signed(&s));
    CHECK_EQ(s.turn->permissions, 1);
    snt_send_ind(&s, &s.peer_ep, "hello");
    CHECK(snt_peer_got(&s, &relayed, "hello"));
    snt_peer_send(&s, &relayed, "world");
    CHECK(snt_got_data_ind(&s, &s.peer_ep, "world"));
    /* permissions are per IP: another port of the same peer passes too */
    other = s.peer_ep;
    other.port = 50001;
    sim_net_send(&s.net, s.peer, &other, &relayed, "port2", 5);
    CHECK(snt_got_data_ind(&s, &other, "port2"));
    CHECK_EQ(s.turn->send_indications, 1);
    CHECK_EQ(s.turn->data_indications, 2);
    CHECK_EQ(s.turn->relayed_to_peer, 1);
    CHECK_EQ(s.turn->relayed_to_client, 2);
    /* several peers in one request */
    {
        kvs__wr w;
        kvs_addr a = sim_addr("192.0.2.7", 1), b = sim_addr("192.0.2.8", 2);
        snt_begin(&s, &w, KVS__STUN_CREATE_PERMISSION, KVS__STUN_REQUEST);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &a);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &b);
        CHECK(snt_call(&s, snt_end(&s, &w, 1)));
        CHECK_EQ(snt_code(&s.m), 0);
        CHECK_EQ(sim_turn_perm_count(sim_turn_find_relayed(s.turn, &relayed)), 3);
        /* none: 400; an IPv6 peer for an IPv4 relay: 443 */
        snt_begin(&s, &w, KVS__STUN_CREATE_PERMISSION, KVS__STUN_REQUEST);
        CHECK(snt_call(&s, snt_end(&s, &w, 1)));
        CHECK_EQ(snt_code(&s.m), 400);
        a = sim_addr("2001:db8::7", 1);
        CHECK_EQ(snt_permission(&s, &a), 443);
    }
    /* a permission lasts 300 s unless refreshed */
    s.net.sim.now += KVS_SEC(299);
    snt_peer_send(&s, &relayed, "late");
    CHECK(snt_got_data_ind(&s, &s.peer_ep, "late"));
    s.net.sim.now += KVS_SEC(2);
    snt_peer_send(&s, &relayed, "too late");
    CHECK(!snt_wait(&s, s.host));
    CHECK_EQ(s.turn->dropped_no_permission, 3);
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    snt_peer_send(&s, &relayed, "again");
    CHECK(snt_got_data_ind(&s, &s.peer_ep, "again"));
    CHECK_EQ(s.stray, 0);
    snt_free(&s);
}

static void test_sim_net_turn_channels(void) {
    snt s;
    kvs_addr relayed, other = sim_addr("203.0.113.20", 50002);
    sim_turn_alloc *a;
    snt_init(&s, 6, NULL);
    relayed = snt_allocate(&s);
    /* numbers outside 0x4000-0x4FFF: 400 */
    CHECK_EQ(snt_bind(&s, 0x3FFF, &s.peer_ep), 400);
    CHECK_EQ(snt_bind(&s, 0x5000, &s.peer_ep), 400);
    /* bind, which also installs the permission */
    CHECK_EQ(snt_bind(&s, 0x4001, &s.peer_ep), 0);
    CHECK(snt_signed(&s));
    CHECK_EQ(s.turn->channel_binds, 1);
    a = sim_turn_find_relayed(s.turn, &relayed);
    CHECK(a && sim_turn_chan_count(a) == 1 && sim_turn_perm_count(a) == 1);
    /* ChannelData both ways */
    snt_chan_data(&s, 0x4001, "to peer");
    CHECK(snt_peer_got(&s, &relayed, "to peer"));
    snt_peer_send(&s, &relayed, "to client");
    CHECK(snt_got_chan_data(&s, 0x4001, "to client"));
    CHECK_EQ(s.turn->channel_data_in, 1);
    CHECK_EQ(s.turn->channel_data_out, 1);
    /* a different port of the same peer has no channel: Data indication */
    sim_net_send(&s.net, s.peer, &other, &relayed, "other", 5);
    CHECK(snt_got_data_ind(&s, &other, "other"));
    /* the number to another peer, or the peer to another number: 400; the same: a refresh */
    CHECK_EQ(snt_bind(&s, 0x4001, &other), 400);
    CHECK_EQ(snt_bind(&s, 0x4002, &s.peer_ep), 400);
    CHECK_EQ(snt_bind(&s, 0x4001, &s.peer_ep), 0);
    CHECK_EQ(s.turn->channel_binds, 2);
    /* an unbound channel: dropped */
    snt_chan_data(&s, 0x4003, "nowhere");
    CHECK(!snt_wait(&s, s.peer));
    CHECK_EQ(s.turn->dropped_no_channel, 1);
    /* after 300 s the permission is gone (the channel is not): dropped both ways */
    s.net.sim.now += KVS_SEC(301);
    snt_chan_data(&s, 0x4001, "x");
    CHECK(!snt_wait(&s, s.peer));
    snt_peer_send(&s, &relayed, "y");
    CHECK(!snt_wait(&s, s.host));
    CHECK_EQ(s.turn->dropped_no_permission, 2);
    /* re-binding refreshes both */
    CHECK_EQ(snt_bind(&s, 0x4001, &s.peer_ep), 0);
    snt_chan_data(&s, 0x4001, "back");
    CHECK(snt_peer_got(&s, &relayed, "back"));
    /* 600 s later the channel has expired: the number is free again, payloads are dropped */
    CHECK_EQ(snt_refresh(&s, 1, 3600), 0);
    s.net.sim.now += KVS_SEC(601);
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    CHECK_EQ(sim_turn_chan_count(a), 0);
    snt_chan_data(&s, 0x4001, "expired");
    CHECK(!snt_wait(&s, s.peer));
    CHECK_EQ(s.turn->dropped_no_channel, 2);
    snt_peer_send(&s, &relayed, "as data");
    CHECK(snt_got_data_ind(&s, &s.peer_ep, "as data"));
    CHECK_EQ(snt_bind(&s, 0x4001, &other), 0);
    CHECK_EQ(s.stray, 0);
    snt_free(&s);
}

static void test_sim_net_turn_forbidden(void) {
    snt s;
    sim_turn_cfg cfg;
    kvs_addr bad = sim_addr("192.0.2.66", 9);
    memset(&cfg, 0, sizeof cfg);
    cfg.forbidden[0] = sim_addr("192.0.2.66", 0);
    cfg.channel_bind_needs_permission = 1;
    cfg.max_allocs = 1;
    snt_init(&s, 7, &cfg);
    snt_allocate(&s);
    CHECK_EQ(snt_permission(&s, &bad), 403);
    CHECK(snt_signed(&s));
    CHECK_EQ(snt_bind(&s, 0x4000, &bad), 403);
    /* ChannelBind to a peer without a permission: 403 in this configuration */
    CHECK_EQ(snt_bind(&s, 0x4000, &s.peer_ep), 403);
    CHECK_EQ(s.turn->forbidden, 3);
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    CHECK_EQ(snt_bind(&s, 0x4000, &s.peer_ep), 0);
    /* quota: one allocation */
    s.me.port++;
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 486);
    CHECK_EQ(s.turn->last_error, 486);
    snt_free(&s);
}

static void test_sim_net_turn_ipv6(void) {
    snt s;
    kvs_addr relayed, mapped, peer6 = sim_addr("2001:db8:2::20", 50000), v4peer = sim_addr("203.0.113.20", 1);
    snt_init(&s, 8, NULL);
    sim_turn_add_ip(s.turn, "2001:db8:1::1");
    sim_net_host_ip(&s.net, s.host, 0, "2001:db8:3::10");
    sim_net_host_ip(&s.net, s.peer, 0, "2001:db8:2::20");
    s.me = sim_addr("2001:db8:3::10", 40000);
    s.srv = sim_turn_addr(s.turn, KVS_AF_INET6);
    s.peer_ep = peer6;
    CHECK_EQ(s.srv.family, KVS_AF_INET6);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 0, KVS_AF_INET6)));
    CHECK_EQ(snt_code(&s.m), 401);
    snt_learn(&s);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, KVS_AF_INET6)));
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_RELAYED_ADDRESS, &relayed), KVS_OK);
    CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped), KVS_OK);
    CHECK_EQ(relayed.family, KVS_AF_INET6);
    CHECK(sim_ip_eq(&relayed, &s.srv));
    CHECK(sim_ep_eq(&mapped, &s.me));
    CHECK_EQ(snt_permission(&s, &v4peer), 443);
    CHECK_EQ(snt_bind(&s, 0x4ABC, &peer6), 0);
    snt_chan_data(&s, 0x4ABC, "six");
    CHECK(snt_peer_got(&s, &relayed, "six"));
    snt_peer_send(&s, &relayed, "back6");
    CHECK(snt_got_chan_data(&s, 0x4ABC, "back6"));
    /* an IPv4 client to the same server, on its IPv4 address, gets an IPv4 relay by default */
    s.me = sim_addr("203.0.113.10", 40000);
    s.srv = sim_turn_addr(s.turn, KVS_AF_INET);
    relayed = snt_allocate(&s);
    CHECK_EQ(relayed.family, KVS_AF_INET);
    snt_free(&s);
}

static void test_sim_net_turn_stream(void) {
    snt s;
    kvs_addr relayed;
    size_t len, i;
    uint8_t junk[4] = {0xff, 0, 0, 0};
    int conn2;
    snt_init(&s, 9, NULL);
    s.conn = sim_turn_stream_open(s.turn, &s.me, 0);
    CHECK(s.conn >= 0);
    /* an Allocate written one byte at a time: no answer until the message is complete */
    len = snt_allocate_msg(&s, 0, 0);
    for (i = 0; i + 1 < len; i++)
        CHECK_EQ(sim_turn_stream_input(s.turn, s.conn, s.buf + i, 1), 0);
    CHECK_EQ(sim_turn_stream_pending(s.turn, s.conn), 0);
    CHECK_EQ(sim_turn_stream_input(s.turn, s.conn, s.buf + i, 1), 0);
    CHECK(snt_stream_frame(&s));
    CHECK_EQ(kvs__stun_parse(s.rx, s.rxlen, &s.m), KVS_OK);
    CHECK_EQ(snt_code(&s.m), 401);
    snt_learn(&s);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK(snt_signed(&s));
    CHECK_EQ(kvs__stun_get_addr(&s.m, KVS__STUN_A_XOR_RELAYED_ADDRESS, &relayed), KVS_OK);
    /* a permission and a Send indication, then ChannelData (odd lengths: padding both ways) */
    CHECK_EQ(snt_permission(&s, &s.peer_ep), 0);
    snt_send_ind(&s, &s.peer_ep, "tcp send");
    CHECK(snt_peer_got(&s, &relayed, "tcp send"));
    snt_peer_send(&s, &relayed, "tcp data");
    CHECK(snt_got_data_ind(&s, &s.peer_ep, "tcp data"));
    CHECK_EQ(snt_bind(&s, 0x4010, &s.peer_ep), 0);
    snt_chan_data(&s, 0x4010, "odd");
    CHECK(snt_peer_got(&s, &relayed, "odd"));
    snt_peer_send(&s, &relayed, "12345");
    CHECK(snt_got_chan_data(&s, 0x4010, "12345"));
    /* two frames in one write, and one frame split across writes */
    {
        uint8_t two[64];
        size_t n = 0;
        memcpy(two, "\x40\x10\x00\x02" "ab\0\0" "\x40\x10\x00\x03" "cde\0", 16);
        n = 16;
        CHECK_EQ(sim_turn_stream_input(s.turn, s.conn, two, 6), 0);
        CHECK_EQ(sim_turn_stream_input(s.turn, s.conn, two + 6, n - 6), 0);
        CHECK(snt_peer_got(&s, &relayed, "ab"));
        CHECK(snt_peer_got(&s, &relayed, "cde"));
    }
    CHECK_EQ(s.turn->channel_data_in, 3);
    /* a second connection is another 5-tuple */
    conn2 = sim_turn_stream_open(s.turn, &s.me, 1);
    CHECK(conn2 >= 0 && conn2 != s.conn);
    CHECK_EQ(sim_turn_allocations(s.turn), 1);
    /* bytes that are neither STUN nor ChannelData: the server closes, the allocation goes */
    CHECK_EQ(sim_turn_stream_input(s.turn, s.conn, junk, 4), -1);
    CHECK(sim_turn_stream_closed(s.turn, s.conn));
    CHECK_EQ(s.turn->stream_errors, 1);
    CHECK_EQ(sim_turn_allocations(s.turn), 0);
    CHECK(!sim_turn_stream_closed(s.turn, conn2));
    sim_turn_stream_close(s.turn, s.conn);
    /* closing a connection deletes its allocation */
    s.conn = conn2;
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)));
    CHECK_EQ(snt_code(&s.m), 0);
    CHECK_EQ(sim_turn_allocations(s.turn), 1);
    sim_turn_stream_close(s.turn, conn2);
    CHECK_EQ(sim_turn_allocations(s.turn), 0);
    CHECK_EQ(sim_turn_stream_input(s.turn, conn2, junk, 1), -1);
    snt_free(&s);
}

/* --- STUN server and NATs ------------------------------------------------------------------ */

typedef struct snat {
    sim_net net;
    sim_nat *nat;
    sim_stun *stun1, *stun2;
    int in, out1, out2; /* a host behind the NAT, two public hosts */
    kvs_addr in_ep;
    sim_dgram d;
} snat;

static void snat_init(snat *t, uint64_t seed, int mapping, int filtering) {
    sim_nat_cfg cfg = sim_nat_kind(mapping, filtering);
    memset(t, 0, sizeof *t);
    sim_net_init(&t->net, seed);
    t->nat = sim_net_nat(&t->net, 0, "198.51.100.77", &cfg);
    t->in = sim_net_host(&t->net, t->nat->realm, "192.168.1.10");
    t->in_ep = sim_addr("192.168.1.10", 5000);
    t->stun1 = sim_net_stun(&t->net, 0, "192.0.2.1", 3478);
    t->stun2 = sim_net_stun(&t->net, 0, "192.0.2.2", 3478);
    t->out1 = sim_net_host(&t->net, 0, "203.0.113.1");
    t->out2 = sim_net_host(&t->net, 0, "203.0.113.2");
}

/* Runs until a datagram for node arrives (1, in t->d) or nothing is left within 5 s. */
static int snat_wait(snat *t, int node) {
    kvs_time end = t->net.sim.now + KVS_SEC(5);
    for (;;) {
        kvs_time next;
        while (sim_net_pop(&t->net, &t->d))
            if (t->d.node == node)
                return 1;
        next = sim_net_next(&t->net);
        if (next == KVS_TIME_NEVER || next > end)
            return 0;
        t->net.sim.now = next;
    }
}

/* A Binding request from the inside host to a STUN server; the reflexive address. */
static kvs_addr snat_binding(snat *t, const kvs_addr *from, const char *server) {
    uint8_t buf[64], txid[12];
    kvs__wr w;
    kvs__stun_msg m;
    kvs_addr srv = sim_addr(server, 3478), mapped;
    size_t len = 0;
    memset(&mapped, 0, sizeof mapped);
    memset(txid, 0x33, sizeof txid);
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    sim_net_send(&t->net, t->in, from, &srv, buf, len);
    CHECK(snat_wait(t, t->in));
    CHECK(sim_ep_eq(&t->d.from, &srv) && sim_ep_eq(&t->d.to, from));
    CHECK_EQ(kvs__stun_parse(t->d.data, t->d.len, &m), KVS_OK);
    CHECK_EQ(m.cls, KVS__STUN_SUCCESS);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_OK);
    CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped), KVS_OK);
    return mapped;
}

/* A public host sends to an address; 1 when the inside host gets it (from that host). */
static int snat_reaches_inside(snat *t, int node, const kvs_addr *from, const kvs_addr *to) {
    sim_net_send(&t->net, node, from, to, "ping", 4);
    return snat_wait(t, t->in) && sim_ep_eq(&t->d.from, from) && sim_ep_eq(&t->d.to, &t->in_ep) &&
           t->d.len == 4;
}

static void test_sim_net_stun_server(void) {
    snat t;
    kvs_addr a, pub = sim_addr("203.0.113.1", 7000), srv = sim_addr("192.0.2.1", 3478);
    uint8_t buf[64], txid[12] = {1, 2, 3};
    kvs__wr w;
    kvs__stun_msg m;
    size_t len = 0;
    snat_init(&t, 10, SIM_NAT_EI, SIM_NAT_EI);
    /* a public host sees itself */
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    sim_net_send(&t.net, t.out1, &pub, &srv, buf, len);
    CHECK(snat_wait(&t, t.out1));
    CHECK_EQ(kvs__stun_parse(t.d.data, t.d.len, &m), KVS_OK);
    CHECK_MEM(m.txid, txid, 12);
    CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &a), KVS_OK);
    CHECK(sim_ep_eq(&a, &pub));
    /* other messages and other ports are ignored */
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_INDICATION, txid);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    sim_net_send(&t.net, t.out1, &pub, &srv, buf, len);
    srv.port = 3479;
    sim_net_send(&t.net, t.out1, &pub, &srv, buf, len);
    CHECK(!snat_wait(&t, t.out1));
    CHECK_EQ(t.stun1->requests, 1);
    CHECK_EQ(t.stun1->ignored, 2);
    /* the inside host sees the NAT's address */
    a = snat_binding(&t, &t.in_ep, "192.0.2.1");
    CHECK(sim_ip_eq(&a, &t.nat->ext[0]));
    CHECK(a.port != 0);
    /* nobody owns this address: lost on the way */
    srv = sim_addr("192.0.2.99", 3478);
    sim_net_send(&t.net, t.out1, &pub, &srv, buf, len);
    CHECK(!snat_wait(&t, t.out1));
    CHECK_EQ(t.net.no_route, 1);
    sim_net_free(&t.net);
}

/* Endpoint-independent mapping and filtering ("full cone"): one external port for every
   destination, and anyone may send to it. */
static void test_sim_net_nat_full_cone(void) {
    snat t;
    kvs_addr a1, a2, q;
    kvs_addr o1 = sim_addr("203.0.113.1", 7000);
    snat_init(&t, 11, SIM_NAT_EI, SIM_NAT_EI);
    a1 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    a2 = snat_binding(&t, &t.in_ep, "192.0.2.2");
    CHECK(sim_ep_eq(&a1, &a2));
    CHECK_EQ(t.nat->mappings, 1);
    CHECK_EQ(sim_nat_count(t.nat), 1);
    q = sim_nat_mapping(t.nat, &t.in_ep, &o1);
    CHECK(sim_ep_eq(&q, &a1));
    /* unsolicited from a host never contacted: passes */
    CHECK(snat_reaches_inside(&t, t.out1, &o1, &a1));
    CHECK_EQ(t.nat->in, 3);
    /* another inside port gets another mapping */
    q = t.in_ep;
    q.port = 5001;
    a2 = snat_binding(&t, &q, "192.0.2.1");
    CHECK(a2.port != a1.port);
    CHECK_EQ(sim_nat_count(t.nat), 2);
    /* nothing maps this port: dropped */
    a2.port = (uint16_t)(a2.port ^ 0x100);
    if (a2.port == a1.port)
        a2.port++;
    sim_net_send(&t.net, t.out1, &o1, &a2, "x", 1);
    CHECK(!snat_wait(&t, t.in));
    CHECK_EQ(t.nat->dropped_unmapped, 1);
    sim_net_free(&t.net);
}

/* Endpoint-independent mapping, address-dependent filtering: replies from a contacted IP pass
   whatever the port; other IPs are dropped. Port-dependent filtering also needs the port. */
static void test_sim_net_nat_filtering(void) {
    snat t;
    kvs_addr a, o1 = sim_addr("203.0.113.1", 7000), o1b = sim_addr("203.0.113.1", 7001),
                o2 = sim_addr("203.0.113.2", 7000);
    snat_init(&t, 12, SIM_NAT_EI, SIM_NAT_AD);
    sim_net_send(&t.net, t.in, &t.in_ep, &o1, "open", 4);
    CHECK(snat_wait(&t, t.out1));
    a = t.d.from;
    CHECK(sim_ip_eq(&a, &t.nat->ext[0]));
    CHECK(snat_reaches_inside(&t, t.out1, &o1, &a));
    CHECK(snat_reaches_inside(&t, t.out1, &o1b, &a));
    CHECK(!snat_reaches_inside(&t, t.out2, &o2, &a));
    CHECK_EQ(t.nat->dropped_filtered, 1);
    /* the srflx address works for the contacted one: the same external port for o2 */
    sim_net_send(&t.net, t.in, &t.in_ep, &o2, "open", 4);
    CHECK(snat_wait(&t, t.out2));
    CHECK(sim_ep_eq(&t.d.from, &a));
    CHECK(snat_reaches_inside(&t, t.out2, &o2, &a));
    sim_net_free(&t.net);

    snat_init(&t, 12, SIM_NAT_EI, SIM_NAT_APD);
    sim_net_send(&t.net, t.in, &t.in_ep, &o1, "open", 4);
    CHECK(snat_wait(&t, t.out1));
    a = t.d.from;
    CHECK(snat_reaches_inside(&t, t.out1, &o1, &a));
    CHECK(!snat_reaches_inside(&t, t.out1, &o1b, &a));
    CHECK(!snat_reaches_inside(&t, t.out2, &o2, &a));
    CHECK_EQ(t.nat->dropped_filtered, 2);
    sim_net_free(&t.net);
}

/* Address-and-port-dependent mapping ("symmetric"): a new external port per destination, so
   the port a STUN server reports is useless to anyone else. */
static void test_sim_net_nat_symmetric(void) {
    snat t;
    kvs_addr a1, a2, a3, o1 = sim_addr("203.0.113.1", 7000);
    snat_init(&t, 13, SIM_NAT_APD, SIM_NAT_APD);
    a1 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    a2 = snat_binding(&t, &t.in_ep, "192.0.2.2");
    CHECK(sim_ip_eq(&a1, &a2));
    CHECK(a1.port != a2.port);
    CHECK_EQ(t.nat->mappings, 2);
    /* the same destination again: the same mapping */
    a3 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    CHECK(sim_ep_eq(&a1, &a3));
    CHECK_EQ(t.nat->mappings, 2);
    /* a public host told the srflx address cannot use it */
    CHECK(!snat_reaches_inside(&t, t.out1, &o1, &a1));
    CHECK_EQ(t.nat->dropped_filtered, 1);
    sim_net_free(&t.net);

    /* address-dependent mapping: per destination IP, not port */
    snat_init(&t, 13, SIM_NAT_AD, SIM_NAT_APD);
    {
        kvs_addr p1 = sim_addr("203.0.113.1", 1), p2 = sim_addr("203.0.113.1", 2), p3 = sim_addr("203.0.113.2", 1);
        kvs_addr e1, e2, e3;
        sim_net_send(&t.net, t.in, &t.in_ep, &p1, "a", 1);
        CHECK(snat_wait(&t, t.out1));
        e1 = t.d.from;
        sim_net_send(&t.net, t.in, &t.in_ep, &p2, "b", 1);
        CHECK(snat_wait(&t, t.out1));
        e2 = t.d.from;
        sim_net_send(&t.net, t.in, &t.in_ep, &p3, "c", 1);
        CHECK(snat_wait(&t, t.out2));
        e3 = t.d.from;
        CHECK(sim_ep_eq(&e1, &e2));
        CHECK(e1.port != e3.port);
    }
    sim_net_free(&t.net);
}

static void test_sim_net_nat_timeout(void) {
    snat t;
    sim_nat_cfg cfg = sim_nat_kind(SIM_NAT_EI, SIM_NAT_EI);
    kvs_addr a1, a2, o1 = sim_addr("203.0.113.1", 7000);
    snat_init(&t, 14, SIM_NAT_EI, SIM_NAT_EI);
    CHECK_EQ(t.nat->cfg.timeout, KVS_SEC(120));
    a1 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    /* kept alive by outbound traffic */
    t.net.sim.now += KVS_SEC(100);
    a2 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    CHECK(sim_ep_eq(&a1, &a2));
    t.net.sim.now += KVS_SEC(100);
    CHECK(snat_reaches_inside(&t, t.out1, &o1, &a1));
    /* inbound does not refresh: 120 s after the last outbound it is gone */
    t.net.sim.now += KVS_SEC(25);
    CHECK(!snat_reaches_inside(&t, t.out1, &o1, &a1));
    CHECK_EQ(t.nat->expired, 1);
    CHECK_EQ(t.nat->dropped_unmapped, 1);
    CHECK_EQ(sim_nat_count(t.nat), 0);
    a2 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    CHECK(a2.port != a1.port);
    sim_net_free(&t.net);

    /* a short timeout, refreshed by inbound traffic */
    cfg.timeout = KVS_SEC(30);
    cfg.inbound_refresh = 1;
    snat_init(&t, 14, SIM_NAT_EI, SIM_NAT_EI);
    t.nat->cfg = cfg;
    a1 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    t.net.sim.now += KVS_SEC(20);
    CHECK(snat_reaches_inside(&t, t.out1, &o1, &a1));
    t.net.sim.now += KVS_SEC(20);
    CHECK(snat_reaches_inside(&t, t.out1, &o1, &a1));
    t.net.sim.now += KVS_SEC(31);
    CHECK(!snat_reaches_inside(&t, t.out1, &o1, &a1));
    sim_net_free(&t.net);
}

/* No hairpinning: two hosts behind the same NAT cannot reach each other's external address. */
static void test_sim_net_nat_hairpin(void) {
    snat t;
    kvs_addr a1, b_ep = sim_addr("192.168.1.11", 6000);
    int b;
    snat_init(&t, 15, SIM_NAT_EI, SIM_NAT_EI);
    b = sim_net_host(&t.net, t.nat->realm, "192.168.1.11");
    a1 = snat_binding(&t, &t.in_ep, "192.0.2.1");
    sim_net_send(&t.net, b, &b_ep, &a1, "hairpin", 7);
    CHECK(!snat_wait(&t, t.in));
    CHECK_EQ(t.nat->dropped_hairpin, 1);
    /* but the private addresses work directly, without the NAT */
    sim_net_send(&t.net, b, &b_ep, &t.in_ep, "direct", 6);
    CHECK(snat_wait(&t, t.in));
    CHECK(sim_ep_eq(&t.d.from, &b_ep));
    /* IPv6 from inside, with no external IPv6 address: dropped */
    {
        kvs_addr v6 = sim_addr("2001:db8::1", 1), me6 = sim_addr("fd00::10", 1);
        sim_net_host_ip(&t.net, t.in, t.nat->realm, "fd00::10");
        sim_net_send(&t.net, t.in, &me6, &v6, "six", 3);
        CHECK(!snat_wait(&t, t.in));
        CHECK_EQ(t.nat->dropped_family, 1);
    }
    sim_net_free(&t.net);
}

/* Two clients behind symmetric NATs: direct traffic to each other's reflexive address fails,
   traffic through a TURN relay works. Double NAT on one side. */
static void test_sim_net_nat_relay(void) {
    snt s;
    sim_nat *na, *nb, *cgn;
    sim_nat_cfg sym = sim_nat_kind(SIM_NAT_APD, SIM_NAT_APD);
    kvs_addr relayed, b_ep = sim_addr("10.0.0.5", 6000), b_srflx, a_srflx, direct;
    int b;
    snt_init(&s, 16, NULL);
    na = sim_net_nat(&s.net, 0, "198.51.100.50", &sym);
    cgn = sim_net_nat(&s.net, 0, "198.51.100.60", &sym);
    nb = sim_net_nat(&s.net, cgn->realm, "100.64.0.1", &sym);
    /* the client moves behind NAT A, the peer is a host behind NAT B behind a carrier NAT */
    sim_net_host_ip(&s.net, s.host, na->realm, "192.168.0.10");
    s.me = sim_addr("192.168.0.10", 40000);
    b = sim_net_host(&s.net, nb->realm, "10.0.0.5");
    relayed = snt_allocate(&s);
    CHECK(snt_call(&s, snt_allocate_msg(&s, 1, 0)) && snt_code(&s.m) == 437);
    {
        /* the client's reflexive address as the TURN server saw it */
        sim_turn_alloc *a = sim_turn_find_relayed(s.turn, &relayed);
        CHECK(a != NULL);
        a_srflx = a ? a->client : relayed;
        CHECK(sim_ip_eq(&a_srflx, &na->ext[0]));
    }
    /* B sends to A's reflexive address: A's NAT filters it */
    sim_net_send(&s.net, b, &b_ep, &a_srflx, "direct", 6);
    CHECK(!snt_wait(&s, s.host));
    CHECK_EQ(na->dropped_filtered, 1);
    /* B's datagrams to the relayed address come from CGN's address; A permits that IP */
    sim_net_send(&s.net, b, &b_ep, &relayed, "first", 5);
    CHECK(!snt_wait(&s, s.host));
    CHECK_EQ(s.turn->dropped_no_permission, 1);
    b_srflx = sim_nat_mapping(nb, &b_ep, &relayed);
    CHECK(sim_ip_eq(&b_srflx, &nb->ext[0]));
    direct = sim_nat_mapping(cgn, &b_srflx, &relayed);
    CHECK(sim_ip_eq(&direct, &cgn->ext[0]));
    CHECK_EQ(snt_permission(&s, &direct), 0);
    sim_net_send(&s.net, b, &b_ep, &relayed, "via relay", 9);
    CHECK(snt_got_data_ind(&s, &direct, "via relay"));
    snt_send_ind(&s, &direct, "reply");
    CHECK(snt_wait(&s, b));
    CHECK(sim_ep_eq(&s.d.from, &relayed) && s.d.len == 5 && memcmp(s.d.data, "reply", 5) == 0);
    CHECK_EQ(cgn->in, 1);
    CHECK_EQ(nb->in, 1);
    snt_free(&s);
}

/* The same seed gives the same ports, nonces and datagram order; another seed other ports.
   Loss, duplication and jitter apply per hop. */
static uint64_t sim_net_replay(uint64_t seed, int impair) {
    snt s;
    sim_nat *nat;
    sim_nat_cfg sym = sim_nat_kind(SIM_NAT_APD, SIM_NAT_APD);
    kvs_addr relayed;
    uint64_t h = 1469598103934665603ULL;
    int i;
    snt_init(&s, seed, NULL);
    nat = sim_net_nat(&s.net, 0, "198.51.100.50", &sym);
    sim_net_host_ip(&s.net, s.host, nat->realm, "192.168.0.10");
    s.me = sim_addr("192.168.0.10", 40000);
    relayed = snt_allocate(&s);
    CHECK_EQ(snt_bind(&s, 0x4000, &s.peer_ep), 0);
    if (impair) {
        s.net.sim.loss_pct = 20;
        s.net.sim.dup_pct = 20;
        s.net.sim.jitter = KVS_MSEC(30);
    }
    for (i = 0; i < 50; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "m%d", i);
        snt_peer_send(&s, &relayed, msg);
    }
    for (;;) {
        kvs_time next;
        while (sim_net_pop(&s.net, &s.d)) {
            size_t k;
            for (k = 0; k < s.d.len; k++)
                h = (h ^ s.d.data[k]) * 1099511628211ULL;
            h = (h ^ s.d.at) * 1099511628211ULL;
        }
        next = sim_net_next(&s.net);
        if (next == KVS_TIME_NEVER)
            break;
        s.net.sim.now = next;
    }
    h = (h ^ relayed.port) * 1099511628211ULL;
    h = (h ^ sim_nat_mapping(nat, &s.me, &s.srv).port) * 1099511628211ULL;
    if (impair) {
        CHECK(s.net.sim.lost > 0 && s.net.sim.duplicated > 0);
    } else {
        CHECK_EQ(s.turn->channel_data_out, 50);
    }
    snt_free(&s);
    return h;
}

static void test_sim_net_replay(void) {
    CHECK_EQ_U64(sim_net_replay(21, 0), sim_net_replay(21, 0));
    CHECK_EQ_U64(sim_net_replay(21, 1), sim_net_replay(21, 1));
    CHECK(sim_net_replay(21, 0) != sim_net_replay(22, 0));
    CHECK(sim_net_replay(21, 0) != sim_net_replay(21, 1));
}

static const kvs_test_case kvs_tests_sim_net[] = {
    {"turn_allocate", test_sim_net_turn_allocate},
    {"turn_auth_failures", test_sim_net_turn_auth_failures},
    {"turn_stale_nonce", test_sim_net_turn_stale_nonce},
    {"turn_refresh", test_sim_net_turn_refresh},
    {"turn_permissions", test_sim_net_turn_permissions},
    {"turn_channels", test_sim_net_turn_channels},
    {"turn_forbidden", test_sim_net_turn_forbidden},
    {"turn_ipv6", test_sim_net_turn_ipv6},
    {"turn_stream", test_sim_net_turn_stream},
    {"stun_server", test_sim_net_stun_server},
    {"nat_full_cone", test_sim_net_nat_full_cone},
    {"nat_filtering", test_sim_net_nat_filtering},
    {"nat_symmetric", test_sim_net_nat_symmetric},
    {"nat_timeout", test_sim_net_nat_timeout},
    {"nat_hairpin", test_sim_net_nat_hairpin},
    {"nat_relay", test_sim_net_nat_relay},
    {"replay", test_sim_net_replay},
};
