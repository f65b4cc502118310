/* Tests of >>turn against responses built by hand with the >>stun builder: URIs, the 401 /
   438 / success flow of Allocate, integrity of authenticated answers, permissions and channels,
   Send / Data indications, ChannelData, stream framing cut at every byte, refresh and
   deallocation timing, timeouts. */

typedef struct tu_ctx {
    kvs_testing_rng seed;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log lg;
    int guard;
    kvs__turn t;
    int states[8], nstates;
    kvs_addr got_peer;
    uint8_t got[2048];
    size_t got_len;
    int ndata;
    kvs_time now;
} tu_ctx;

static void tu_data(void *ctx, const kvs_addr *peer, const uint8_t *p, size_t n) {
    tu_ctx *c = (tu_ctx *)ctx;
    c->got_peer = *peer;
    memcpy(c->got, p, n < sizeof c->got ? n : sizeof c->got);
    c->got_len = n;
    c->ndata++;
}

static void tu_state(void *ctx, int state, kvs_result why) {
    tu_ctx *c = (tu_ctx *)ctx;
    (void)why;
    if (c->nstates < 8)
        c->states[c->nstates++] = state;
}

static void tu_init(tu_ctx *c, int transport, const char *user, const char *pass) {
    kvs__turn_cb cb;
    kvs_addr server;
    memset(c, 0, sizeof *c);
    kvs_testing_rng_seed(&c->seed, 99);
    c->pf.user = &c->seed;
    c->pf.random = kvs_testing_random;
    kvs__log_init(&c->lg, &c->pf, &c->guard, KVS_LOG_ERROR);
    kvs__crypto_rng_init(&c->rng, &c->pf, &c->guard, &c->lg);
    CHECK_EQ(kvs_addr_parse(&server, "192.0.2.10", 10, 3478), KVS_OK);
    memset(&cb, 0, sizeof cb);
    cb.ctx = c;
    cb.data = tu_data;
    cb.state = tu_state;
    c->now = KVS_SEC(100);
    CHECK_EQ(kvs__turn_init(&c->t, &server, transport, user, strlen(user), pass, strlen(pass), &cb, &c->rng,
                            &c->lg),
             KVS_OK);
}

/* The request kvs__turn_output sends now, parsed (into buf). */
static int tu_next(tu_ctx *c, uint8_t *buf, size_t cap, kvs__stun_msg *m) {
    size_t len;
    if (kvs__turn_output(&c->t, buf, cap, &len, c->now) != KVS_OK)
        return 0;
    CHECK_EQ(kvs__stun_parse(buf, len, m), KVS_OK);
    CHECK_EQ(kvs__stun_check_fingerprint(m), KVS_OK);
    return 1;
}

/* A response to request m: class, optional error code, attributes via the callback, integrity
   with key (klen 0: none), fingerprint. Fed to the client. */
static void tu_answer(tu_ctx *c, const kvs__stun_msg *m, int cls, int code, const char *nonce,
                      void (*attrs)(kvs__wr *w, void *arg), void *arg, const void *key, size_t klen) {
    uint8_t out[512];
    kvs__wr w;
    size_t len;
    kvs__wr_init(&w, out, sizeof out);
    kvs__stun_begin(&w, m->method, cls, m->txid);
    if (code)
        kvs__stun_put_error(&w, code, code == 401 ? "Unauthorized" : "Stale Nonce");
    if (nonce) {
        kvs__stun_put(&w, KVS__STUN_A_REALM, "kvs.test", 8);
        kvs__stun_put(&w, KVS__STUN_A_NONCE, nonce, strlen(nonce));
    }
    if (attrs)
        attrs(&w, arg);
    if (klen)
        kvs__stun_put_integrity(&w, key, klen);
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    kvs__turn_input(&c->t, out, len, c->now);
}

static void tu_alloc_attrs(kvs__wr *w, void *arg) {
    kvs_addr relayed, mapped;
    (void)arg;
    kvs_addr_parse(&relayed, "192.0.2.10", 10, 50000);
    kvs_addr_parse(&mapped, "198.51.100.7", 12, 40000);
    kvs__stun_put_addr(w, KVS__STUN_A_XOR_RELAYED_ADDRESS, &relayed);
    kvs__stun_put_addr(w, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped);
    kvs__stun_put_u32(w, KVS__STUN_A_LIFETIME, 600);
}

/* Allocate through 401 and success; returns the long-term key. */
static void tu_allocate(tu_ctx *c, uint8_t key[16]) {
    uint8_t buf[1024];
    kvs__stun_msg m;
    size_t n;
    const uint8_t *v;
    CHECK_EQ(kvs__turn_start(&c->t, c->now), KVS_OK);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    CHECK_EQ(m.method, KVS__STUN_ALLOCATE);
    CHECK(!kvs__stun_has(&m, KVS__STUN_A_USERNAME));
    CHECK(kvs__stun_has(&m, KVS__STUN_A_REQUESTED_TRANSPORT));
    tu_answer(c, &m, KVS__STUN_ERROR, 401, "nonce-1", NULL, NULL, NULL, 0);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    CHECK_EQ(m.method, KVS__STUN_ALLOCATE);
    v = kvs__stun_get(&m, KVS__STUN_A_USERNAME, &n);
    CHECK(v && n == 7 && memcmp(v, "kvsuser", 7) == 0);
    v = kvs__stun_get(&m, KVS__STUN_A_NONCE, &n);
    CHECK(v && n == 7 && memcmp(v, "nonce-1", 7) == 0);
    kvs__stun_long_term_key("kvsuser", 7, "kvs.test", 8, "kvspass", 7, key);
    CHECK_EQ(kvs__stun_check_integrity(&m, key, 16), KVS_OK);
    tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, tu_alloc_attrs, NULL, key, 16);
    CHECK_EQ(c->t.state, KVS__TURN_ALLOCATED);
}

static void test_turn_uri(void) {
    const char *h;
    size_t hl;
    uint16_t port;
    int tr, turn;
#define URI(s) kvs__turn_uri_parse(s, strlen(s), &h, &hl, &port, &tr, &turn)
    CHECK_EQ(URI("turn:1.2.3.4:3478?transport=udp"), KVS_OK);
    CHECK(hl == 7 && memcmp(h, "1.2.3.4", 7) == 0 && port == 3478 && tr == KVS__TURN_UDP && turn);
    CHECK_EQ(URI("turns:abc.kinesisvideo.us-west-2.amazonaws.com:443?transport=tcp"), KVS_OK);
    CHECK(hl == 40 && port == 443 && tr == KVS__TURN_TLS && turn);
    CHECK_EQ(URI("turn:host?transport=tcp"), KVS_OK);
    CHECK(hl == 4 && port == 3478 && tr == KVS__TURN_TCP);
    CHECK_EQ(URI("turns:host"), KVS_OK);
    CHECK(port == 5349 && tr == KVS__TURN_TLS);
    CHECK_EQ(URI("stun:stun.kinesisvideo.us-west-2.amazonaws.com:443"), KVS_OK);
    CHECK(!turn && port == 443 && tr == KVS__TURN_UDP);
    CHECK_EQ(URI("turn:[2001:db8::1]:3479"), KVS_OK);
    CHECK(hl == 11 && memcmp(h, "2001:db8::1", 11) == 0 && port == 3479);
    CHECK_EQ(URI("turn:h:3478?transport=TCP"), KVS_OK);
    CHECK_EQ(tr, KVS__TURN_TCP);
    CHECK_EQ(URI("turn:"), KVS_ERR_PARSE);
    CHECK_EQ(URI("http://host"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turn:host:0"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turn:host:65536"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turn:host:12x"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turn:[::1"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turn:host?transport=sctp"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turns:host?transport=udp"), KVS_ERR_PARSE);
    CHECK_EQ(URI("turn:host?foo=bar"), KVS_ERR_PARSE);
#undef URI
}

static void test_turn_allocate(void) {
    tu_ctx *c = (tu_ctx *)calloc(1, sizeof *c);
    uint8_t key[16], buf[1024];
    kvs__stun_msg m;
    char text[64];
    tu_init(c, KVS__TURN_UDP, "kvsuser", "kvspass");
    tu_allocate(c, key);
    CHECK_EQ(c->nstates, 2);
    CHECK_EQ(c->states[0], KVS__TURN_ALLOCATING);
    CHECK_EQ(c->states[1], KVS__TURN_ALLOCATED);
    CHECK_EQ(kvs_addr_format(&c->t.relayed, 1, text, sizeof text, NULL), KVS_OK);
    CHECK_STR(text, "192.0.2.10:50000");
    CHECK_EQ(kvs_addr_format(&c->t.mapped, 1, text, sizeof text, NULL), KVS_OK);
    CHECK_STR(text, "198.51.100.7:40000");
    /* refresh 60 s before the 600 s lifetime ends */
    CHECK_EQ_U64(kvs__turn_deadline(&c->t), c->now + KVS_SEC(540));
    c->now += KVS_SEC(540);
    kvs__turn_timeout(&c->t, c->now);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    CHECK_EQ(m.method, KVS__STUN_REFRESH);
    CHECK_EQ(kvs__stun_check_integrity(&m, key, 16), KVS_OK);
    /* the nonce went stale: 438 with a new one, the refresh goes again with it */
    tu_answer(c, &m, KVS__STUN_ERROR, 438, "nonce-2", NULL, NULL, NULL, 0);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    CHECK_EQ(m.method, KVS__STUN_REFRESH);
    {
        size_t n;
        const uint8_t *v = kvs__stun_get(&m, KVS__STUN_A_NONCE, &n);
        CHECK(v && n == 7 && memcmp(v, "nonce-2", 7) == 0);
    }
    /* an answer without integrity is dropped; the real one is taken */
    tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, NULL, NULL, NULL, 0);
    CHECK_EQ(c->t.st.dropped, 1);
    tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, NULL, NULL, key, 16);
    CHECK_EQ_U64(kvs__turn_deadline(&c->t), c->now + KVS_SEC(540));
    /* deallocation: Refresh with LIFETIME 0, then CLOSED */
    kvs__turn_close(&c->t, c->now);
    CHECK_EQ(c->t.state, KVS__TURN_DEALLOCATING);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    {
        uint32_t life = 1;
        CHECK_EQ(kvs__stun_get_u32(&m, KVS__STUN_A_LIFETIME, &life), KVS_OK);
        CHECK_EQ(life, 0);
    }
    tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, NULL, NULL, key, 16);
    CHECK_EQ(c->t.state, KVS__TURN_CLOSED);
    kvs__turn_deinit(&c->t);
    free(c);
}

static void test_turn_auth_failures(void) {
    tu_ctx *c = (tu_ctx *)calloc(1, sizeof *c);
    uint8_t buf[1024];
    kvs__stun_msg m;
    /* a second 401 under the same nonce: wrong password */
    tu_init(c, KVS__TURN_UDP, "kvsuser", "wrong");
    CHECK_EQ(kvs__turn_start(&c->t, c->now), KVS_OK);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    tu_answer(c, &m, KVS__STUN_ERROR, 401, "n1", NULL, NULL, NULL, 0);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    tu_answer(c, &m, KVS__STUN_ERROR, 401, "n1", NULL, NULL, NULL, 0);
    CHECK_EQ(c->t.state, KVS__TURN_FAILED);
    CHECK_EQ(c->t.error, KVS_ERR_AUTH);
    CHECK_EQ(c->lg.last_item, KVS_LOG_TURN_AUTH_FAILED);
    /* a server that never answers: 7 sends over 39.5 s, then KVS_ERR_TIMEOUT */
    tu_init(c, KVS__TURN_UDP, "kvsuser", "kvspass");
    CHECK_EQ(kvs__turn_start(&c->t, c->now), KVS_OK);
    {
        int sends = 0;
        kvs_time start = c->now;
        while (c->t.state == KVS__TURN_ALLOCATING && c->now < start + KVS_SEC(100)) {
            size_t len;
            if (kvs__turn_output(&c->t, buf, sizeof buf, &len, c->now) == KVS_OK)
                sends++;
            else if (c->t.state == KVS__TURN_ALLOCATING)
                c->now = kvs__turn_deadline(&c->t) == KVS_TIME_NEVER ? c->now + KVS_SEC(1)
                                                                     : kvs__turn_deadline(&c->t);
        }
        CHECK_EQ(sends, 7);
        CHECK_EQ(c->t.state, KVS__TURN_FAILED);
        CHECK_EQ(c->t.error, KVS_ERR_TIMEOUT);
        CHECK_EQ_U64(c->now - start, KVS_MSEC(39500));
    }
    /* an error other than 401 / 438 */
    tu_init(c, KVS__TURN_UDP, "kvsuser", "kvspass");
    CHECK_EQ(kvs__turn_start(&c->t, c->now), KVS_OK);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    {
        uint8_t out[128];
        kvs__wr w;
        size_t len;
        kvs__wr_init(&w, out, sizeof out);
        kvs__stun_begin(&w, KVS__STUN_ALLOCATE, KVS__STUN_ERROR, m.txid);
        kvs__stun_put_error(&w, 508, "Insufficient Capacity");
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        kvs__turn_input(&c->t, out, len, c->now);
    }
    CHECK_EQ(c->t.state, KVS__TURN_FAILED);
    CHECK_EQ(c->t.error, KVS_ERR_PROTOCOL);
    free(c);
}

static void tu_chan_attrs(kvs__wr *w, void *arg) {
    (void)w;
    (void)arg;
}

static void test_turn_peers(void) {
    tu_ctx *c = (tu_ctx *)calloc(1, sizeof *c);
    uint8_t key[16], buf[1024], out[1024];
    kvs__stun_msg m;
    kvs_addr peer, other;
    size_t len;
    int k;
    uint32_t chan = 0;
    tu_init(c, KVS__TURN_UDP, "kvsuser", "kvspass");
    tu_allocate(c, key);
    kvs_addr_parse(&peer, "203.0.113.5", 11, 6000);
    /* wrapping before a permission is asked for is refused */
    CHECK_EQ(kvs__turn_wrap(&c->t, &peer, "x", 1, out, sizeof out, &len), KVS_ERR_STATE);
    CHECK_EQ(kvs__turn_permit(&c->t, &peer, c->now), KVS_OK);
    /* CreatePermission and ChannelBind go out, both authenticated */
    for (k = 0; k < 2; k++) {
        CHECK(tu_next(c, buf, sizeof buf, &m));
        CHECK_EQ(kvs__stun_check_integrity(&m, key, 16), KVS_OK);
        CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_PEER_ADDRESS, &other), KVS_OK);
        if (m.method == KVS__STUN_CHANNEL_BIND) {
            CHECK_EQ(kvs__stun_get_u32(&m, KVS__STUN_A_CHANNEL_NUMBER, &chan), KVS_OK);
            CHECK(kvs_addr_equal(&other, &peer));
        } else {
            CHECK_EQ(m.method, KVS__STUN_CREATE_PERMISSION);
        }
        /* before the channel is bound: Send indications */
        CHECK_EQ(kvs__turn_wrap(&c->t, &peer, "hello", 5, out, sizeof out, &len), KVS_OK);
        {
            kvs__stun_msg s;
            size_t dn;
            const uint8_t *d;
            CHECK_EQ(kvs__stun_parse(out, len, &s), KVS_OK);
            CHECK_EQ(s.method, KVS__STUN_SEND);
            CHECK_EQ(s.cls, KVS__STUN_INDICATION);
            d = kvs__stun_get(&s, KVS__STUN_A_DATA, &dn);
            CHECK(d && dn == 5 && memcmp(d, "hello", 5) == 0);
        }
        tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, tu_chan_attrs, NULL, key, 16);
    }
    CHECK_EQ(chan >> 16, 0x4000);
    CHECK_EQ(c->t.st.permissions, 1);
    CHECK_EQ(c->t.st.channels, 1);
    /* bound: ChannelData, no padding over UDP */
    CHECK_EQ(kvs__turn_wrap(&c->t, &peer, "hello", 5, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(len, 9);
    CHECK_MEM(out, "\x40\x00\x00\x05hello", 9);
    /* ChannelData in: delivered as from the peer */
    kvs__turn_input(&c->t, (const uint8_t *)"\x40\x00\x00\x03" "abc", 7, c->now);
    CHECK_EQ(c->ndata, 1);
    CHECK(c->got_len == 3 && memcmp(c->got, "abc", 3) == 0 && kvs_addr_equal(&c->got_peer, &peer));
    /* an unbound channel number, a length past the end: dropped */
    kvs__turn_input(&c->t, (const uint8_t *)"\x40\x01\x00\x03" "abc", 7, c->now);
    kvs__turn_input(&c->t, (const uint8_t *)"\x40\x00\x00\x09" "abc", 7, c->now);
    CHECK_EQ(c->ndata, 1);
    /* a Data indication from the permitted IP (another port) is delivered; from another IP not */
    {
        uint8_t ind[128], txid[12] = {1};
        kvs__wr w;
        kvs_addr p2;
        kvs_addr_parse(&p2, "203.0.113.5", 11, 7000);
        kvs__wr_init(&w, ind, sizeof ind);
        kvs__stun_begin(&w, KVS__STUN_DATA, KVS__STUN_INDICATION, txid);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &p2);
        kvs__stun_put(&w, KVS__STUN_A_DATA, "xyz", 3);
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        kvs__turn_input(&c->t, ind, len, c->now);
        CHECK_EQ(c->ndata, 2);
        CHECK(kvs_addr_equal(&c->got_peer, &p2));
        kvs_addr_parse(&p2, "203.0.113.6", 11, 7000);
        kvs__wr_init(&w, ind, sizeof ind);
        kvs__stun_begin(&w, KVS__STUN_DATA, KVS__STUN_INDICATION, txid);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &p2);
        kvs__stun_put(&w, KVS__STUN_A_DATA, "xyz", 3);
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        kvs__turn_input(&c->t, ind, len, c->now);
        CHECK_EQ(c->ndata, 2);
    }
    /* permission refresh at 240 s, channel refresh at 540 s */
    CHECK_EQ_U64(kvs__turn_deadline(&c->t), c->now + KVS_SEC(240));
    c->now += KVS_SEC(240);
    kvs__turn_timeout(&c->t, c->now);
    CHECK(tu_next(c, buf, sizeof buf, &m));
    CHECK_EQ(m.method, KVS__STUN_CREATE_PERMISSION);
    tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, NULL, NULL, key, 16);
    /* the peer table is bounded */
    for (k = 1; k < KVS_TURN_MAX_PEERS; k++) {
        kvs_addr_parse(&other, "203.0.113.5", 11, (uint16_t)(6000 + k));
        CHECK_EQ(kvs__turn_permit(&c->t, &other, c->now), KVS_OK);
    }
    kvs_addr_parse(&other, "203.0.113.9", 11, 1);
    CHECK_EQ(kvs__turn_permit(&c->t, &other, c->now), KVS_ERR_LIMIT);
    /* another family than the relayed address: refused */
    kvs_addr_parse(&other, "2001:db8::1", 11, 1);
    CHECK_EQ(kvs__turn_permit(&c->t, &other, c->now), KVS_ERR_INVALID_ARG);
    free(c);
}

/* Over a stream: frames cut at every byte boundary, ChannelData padded, an oversized frame
   skipped without losing step. */
static void test_turn_stream(void) {
    tu_ctx *c = (tu_ctx *)calloc(1, sizeof *c);
    uint8_t key[16], buf[1024], stream[8192];
    kvs__stun_msg m;
    kvs_addr peer;
    size_t len, n = 0, cut, i;
    tu_init(c, KVS__TURN_TCP, "kvsuser", "kvspass");
    tu_allocate(c, key);
    kvs_addr_parse(&peer, "203.0.113.5", 11, 6000);
    CHECK_EQ(kvs__turn_permit(&c->t, &peer, c->now), KVS_OK);
    while (tu_next(c, buf, sizeof buf, &m))
        tu_answer(c, &m, KVS__STUN_SUCCESS, 0, NULL, NULL, NULL, key, 16);
    CHECK_EQ(c->t.peers[0].chan, 2);
    /* over TCP a request is sent once: nothing is due again */
    CHECK_EQ(kvs__turn_output(&c->t, buf, sizeof buf, &len, c->now), KVS_ERR_AGAIN);
    CHECK_EQ(kvs__turn_wrap(&c->t, &peer, "hello", 5, buf, sizeof buf, &len), KVS_OK);
    CHECK_EQ(len, 12); /* padded */
    /* the stream: ChannelData "abc" (padded), an oversized ChannelData, ChannelData "defgh" */
    memcpy(stream + n, "\x40\x00\x00\x03" "abc\0", 8);
    n += 8;
    stream[n] = 0x40;
    stream[n + 1] = 0;
    kvs__put_u16(stream + n + 2, 6000);
    memset(stream + n + 4, 0x77, 6000);
    n += 4 + 6000;
    memcpy(stream + n, "\x40\x00\x00\x05" "defgh\0\0\0", 12);
    n += 12;
    for (cut = 0; cut < n; cut += (cut < 64 ? 1 : 397)) {
        c->ndata = 0;
        kvs__turn_stream_input(&c->t, stream, cut, c->now);
        for (i = cut; i < n; i += 100)
            kvs__turn_stream_input(&c->t, stream + i, KVS__MIN((size_t)100, n - i), c->now);
        CHECK_EQ(c->ndata, 2);
        CHECK(c->got_len == 5 && memcmp(c->got, "defgh", 5) == 0);
        CHECK_EQ(c->t.rx_len, 0);
    }
    /* garbage on the stream: the allocation fails (no way to find the next frame) */
    kvs__turn_stream_input(&c->t, (const uint8_t *)"\x80\x00\x00\x00", 4, c->now);
    CHECK_EQ(c->t.state, KVS__TURN_FAILED);
    free(c);
}

static const kvs_test_case kvs_tests_turn[] = {
    {"uri", test_turn_uri},
    {"allocate", test_turn_allocate},
    {"auth_failures", test_turn_auth_failures},
    {"peers", test_turn_peers},
    {"stream", test_turn_stream},
};
