/* >>dtls / >>dtls-hs: known answers (PRF, master secret with and without EMS, key block,
   Finished, exporter, GCM), and two endpoints on the virtual network (tests/kvs_sim.h):
   handshakes in both role assignments under loss, duplication and reordering, fragmentation,
   cookies, DTLS 1.3 ClientHellos, SRTP profile choice, wrong fingerprints, silent peers,
   replay and tampering, close_notify, memory. */

#include "kvs_test_certs.h"
#include "kvs_sim.h"

/* --- known answers ------------------------------------------------------------------------ */

static void test_dtls_kat_prf(void) {
    /* the TLS 1.2 PRF (SHA-256) vector posted to the IETF TLS list (msg03416), also checked
       against `openssl kdf TLS1-PRF` and an independent implementation */
    uint8_t secret[16], seed[16], want[100], out[100];
    kvs_test_unhex("9bbe436ba940f017b17652849a71db35", secret, sizeof secret);
    kvs_test_unhex("a0ba9f936cda311827a6f796ffd5198c", seed, sizeof seed);
    kvs_test_unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e9"
                   "0d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fc"
                   "e34f796789baa48082d122ee42c5a72e5a5110fff70187347b66",
                   want, sizeof want);
    kvs__crypto_prf(out, 100, secret, 16, "test label", seed, 16, NULL, 0);
    CHECK_MEM(out, want, 100);
    /* the seed in two pieces is the same seed */
    kvs__crypto_prf(out, 100, secret, 16, "test label", seed, 5, seed + 5, 11);
    CHECK_MEM(out, want, 100);
}

/* A handshake-free endpoint with chosen randoms, for the key-schedule vectors
   (tests/vectors/dtls/SOURCE: computed with `openssl kdf TLS1-PRF`). */
static void kvs_test_dtls_kat_setup(kvs__dtls *d, kvs__dtls_hs *hs, int ems, int role) {
    int i;
    memset(d, 0, sizeof *d);
    memset(hs, 0, sizeof *hs);
    d->hs = hs;
    d->cfg.role = role;
    d->ems = ems;
    for (i = 0; i < 32; i++) {
        d->client_random[i] = (uint8_t)(0x40 + i);
        d->server_random[i] = (uint8_t)(0x60 + i);
    }
    kvs__crypto_sha256_init(&hs->th);
    kvs__crypto_sha256_update(&hs->th, "kvswebrtc session hash", 22);
}

static void test_dtls_kat_key_schedule(void) {
    static kvs__dtls d, s;
    static kvs__dtls_hs hs, hs2;
    uint8_t pms[32], want[60], out[60], kb[40], tag1[16], tag2[16], data1[5] = "hello",
                                                                       data2[5] = "hello";
    uint8_t nonce[12] = {0};
    kvs__crypto_gcm g;
    int i;
    for (i = 0; i < 32; i++)
        pms[i] = (uint8_t)(0x20 + i);
    /* master secret without EMS: PRF(pms, "master secret", client_random + server_random) */
    kvs_test_dtls_kat_setup(&d, &hs, 0, KVS__DTLS_CLIENT);
    kvs__dtls_derive(&d, pms);
    kvs_test_unhex("700ef629b52b0df7fa5f702b1c88b0fc600e5dfea5bc4a4bc2082b64051cee1e334c6f96f3"
                   "53a60826ed50541feb0bdc",
                   want, 48);
    CHECK_MEM(d.master, want, 48);
    /* extended master secret (RFC 7627): PRF(pms, "extended master secret", session_hash) */
    kvs_test_dtls_kat_setup(&d, &hs, 1, KVS__DTLS_CLIENT);
    kvs__dtls_derive(&d, pms);
    kvs_test_unhex("ba78f4518f507e42f57c781dfe6028a3c7e4206a16372cf8f2a48891817c9826b011f4d657"
                   "04d4115af58b5639ee9ee4",
                   want, 48);
    CHECK_MEM(d.master, want, 48);
    /* key block: client key | server key | client IV | server IV */
    kvs_test_unhex("4bff9a42ef054fb7f76318d2a2f7429ddc096932461103266b7393eebd8fd13e249a60c649"
                   "3cb3d5",
                   kb, 40);
    CHECK_MEM(d.w_iv, kb + 32, 4);
    CHECK_MEM(d.r_iv, kb + 36, 4);
    kvs__crypto_gcm_init(&g, kb); /* the client writes with the client key */
    kvs__crypto_gcm_seal(&g, nonce, NULL, 0, data1, 5, tag1);
    kvs__crypto_gcm_seal(&d.wk, nonce, NULL, 0, data2, 5, tag2);
    CHECK_MEM(tag1, tag2, 16);
    CHECK_MEM(data1, data2, 5);
    /* the server side reads with the client key and writes with the server key */
    kvs_test_dtls_kat_setup(&s, &hs2, 1, KVS__DTLS_SERVER);
    kvs__dtls_derive(&s, pms);
    CHECK_MEM(s.r_iv, kb + 32, 4);
    CHECK_MEM(s.w_iv, kb + 36, 4);
    CHECK(kvs__crypto_gcm_open(&s.rk, nonce, NULL, 0, data2, 5, tag2));
    CHECK_MEM(data2, "hello", 5);
    /* Finished verify_data over the same transcript */
    kvs__dtls_finished(&d, 1, out);
    kvs_test_unhex("a6d85d8390fa5fa39394741c", want, 12);
    CHECK_MEM(out, want, 12);
    /* the RFC 5705 exporter for DTLS-SRTP */
    CHECK_EQ(kvs__dtls_export(&d, "EXTRACTOR-dtls_srtp", out, 60), KVS_ERR_STATE);
    d.state = KVS__DTLS_ST_CONNECTED;
    CHECK_EQ(kvs__dtls_export(&d, "EXTRACTOR-dtls_srtp", out, 60), KVS_OK);
    kvs_test_unhex("9b0642ba146ba02bbc1dfb3875d97320435c0572cd370ad5093dd3ad0ca78e147d74c94e22"
                   "251bc636067dfa34252fb228b4d02daab7eb8efad3b7de",
                   want, 60);
    CHECK_MEM(out, want, 60);
}

static void test_dtls_kat_gcm(void) {
    /* The GCM specification (McGrew, Viega), test case 4: AES-128, 96-bit IV, AAD, 60 bytes. */
    uint8_t key[16], iv[12], aad[20], pt[60], ct[60], tag[16], buf[60], t[16];
    kvs__crypto_gcm g;
    kvs_test_unhex("feffe9928665731c6d6a8f9467308308", key, 16);
    kvs_test_unhex("cafebabefacedbaddecaf888", iv, 12);
    kvs_test_unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
    kvs_test_unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c9595"
                   "6809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                   pt, 60);
    kvs_test_unhex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b254"
                   "66931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
                   ct, 60);
    kvs_test_unhex("5bc94fbc3221a5db94fae95ae7121a47", tag, 16);
    kvs__crypto_gcm_init(&g, key);
    memcpy(buf, pt, 60);
    kvs__crypto_gcm_seal(&g, iv, aad, 20, buf, 60, t);
    CHECK_MEM(buf, ct, 60);
    CHECK_MEM(t, tag, 16);
    CHECK(kvs__crypto_gcm_open(&g, iv, aad, 20, buf, 60, tag));
    CHECK_MEM(buf, pt, 60);
    memcpy(buf, ct, 60);
    buf[7] ^= 1;
    CHECK(!kvs__crypto_gcm_open(&g, iv, aad, 20, buf, 60, tag));
    memcpy(buf, ct, 60);
    aad[0] ^= 1;
    CHECK(!kvs__crypto_gcm_open(&g, iv, aad, 20, buf, 60, tag));
}

/* --- two endpoints on the virtual network ---------------------------------------------------- */

typedef struct dt_ep {
    kvs__dtls d;
    kvs__dtls_cfg cfg;
    kvs_cert cert;
    kvs_tp tp;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log log;
    kvs__mem mem;
    int guard;
    unsigned app_count;
    size_t app_bytes;
    uint8_t last_app[2048];
    size_t last_app_len;
    char keylog[256];
} dt_ep;

typedef struct dt_net {
    dt_ep ep[2];
    kvs_sim sim;
    int client; /* which endpoint is the DTLS client */
} dt_net;

static void dt_load_cert(kvs_cert *c, const unsigned char *der, size_t n, const unsigned char *key) {
    memset(c, 0, sizeof *c);
    memcpy(c->der, der, n);
    c->der_len = n;
    memcpy(c->key, key, 32);
    kvs__crypto_sha256(der, n, c->fingerprint);
}

static void dt_keylog(void *user, const char *line) {
    dt_ep *e = (dt_ep *)user;
    snprintf(e->keylog, sizeof e->keylog, "%s", line);
}

static void dt_app(void *ctx, const uint8_t *p, size_t n) {
    dt_ep *e = (dt_ep *)ctx;
    e->app_count++;
    e->app_bytes += n;
    memcpy(e->last_app, p, n < sizeof e->last_app ? n : sizeof e->last_app);
    e->last_app_len = n;
}

/* Two endpoints: endpoint `client` is the DTLS client; loss and duplication in percent. */
static dt_net *dt_new(uint64_t seed, int client, int loss, int dup, kvs_time jitter) {
    dt_net *n = (dt_net *)calloc(1, sizeof *n);
    int i;
    kvs_sim_init(&n->sim, seed);
    n->sim.loss_pct = loss;
    n->sim.dup_pct = dup;
    n->sim.jitter = jitter;
    n->client = client;
    dt_load_cert(&n->ep[0].cert, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
    dt_load_cert(&n->ep[1].cert, kvs_fx_ec_b_der, sizeof kvs_fx_ec_b_der, kvs_fx_ec_b_key);
    for (i = 0; i < 2; i++) {
        dt_ep *e = &n->ep[i];
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 1);
        e->pf.log = NULL; /* quiet: the items are still recorded in e->log.last_item */
        kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
        kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0);
        kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
        e->cfg.role = i == client ? KVS__DTLS_CLIENT : KVS__DTLS_SERVER;
        e->cfg.cert = &e->cert;
        e->cfg.keylog = dt_keylog;
        e->cfg.keylog_user = e;
    }
    memcpy(n->ep[0].cfg.peer_fp, n->ep[1].cert.fingerprint, 32);
    memcpy(n->ep[1].cfg.peer_fp, n->ep[0].cert.fingerprint, 32);
    return n;
}

/* Start both endpoints (after the test adjusted cfg). */
static void dt_start(dt_net *n) {
    int i;
    for (i = 0; i < 2; i++)
        CHECK_EQ(kvs__dtls_init(&n->ep[i].d, &n->ep[i].cfg, &n->ep[i].rng, &n->ep[i].log,
                                &n->ep[i].mem, n->sim.now),
                 KVS_OK);
}

static void dt_free(dt_net *n) {
    int i;
    for (i = 0; i < 2; i++) {
        kvs__dtls_deinit(&n->ep[i].d);
        CHECK_EQ(n->ep[i].mem.st.current, 0); /* everything the handshake took came back */
    }
    kvs_sim_free(&n->sim);
    free(n);
}

static void dt_flush(dt_net *n, int i) {
    uint8_t buf[KVS_SIM_PKT];
    size_t len;
    while (kvs__dtls_output(&n->ep[i].d, buf, sizeof buf, &len, n->sim.now) == KVS_OK)
        kvs_sim_send(&n->sim, 1 - i, buf, len);
}

static int dt_settled(dt_net *n) {
    return n->ep[0].d.state != KVS__DTLS_ST_HANDSHAKE && n->ep[1].d.state != KVS__DTLS_ST_HANDSHAKE;
}

static int dt_quiet(dt_net *n) {
    (void)n;
    return 0;
}

/* Run the network until stop(n) holds, or nothing is left to do, or the virtual clock passes
   start + limit. */
static void dt_run(dt_net *n, kvs_time limit, int (*stop)(dt_net *)) {
    kvs_time end = n->sim.now + limit;
    for (;;) {
        kvs_time next = kvs_sim_next(&n->sim), t;
        kvs_sim_pkt pkt;
        int i;
        dt_flush(n, 0);
        dt_flush(n, 1);
        if (stop(n))
            return;
        next = kvs_sim_next(&n->sim);
        for (i = 0; i < 2; i++) {
            t = kvs__dtls_deadline(&n->ep[i].d);
            if (t < next)
                next = t;
        }
        if (next == KVS_TIME_NEVER || next > end)
            return;
        if (next > n->sim.now)
            n->sim.now = next;
        while (kvs_sim_pop(&n->sim, &pkt)) {
            (void)kvs__dtls_input(&n->ep[pkt.to].d, pkt.data, pkt.len, n->sim.now, dt_app,
                                  &n->ep[pkt.to]);
            dt_flush(n, pkt.to);
        }
        for (i = 0; i < 2; i++)
            if (kvs__dtls_deadline(&n->ep[i].d) <= n->sim.now)
                (void)kvs__dtls_timeout(&n->ep[i].d, n->sim.now);
    }
}

/* Send `count` application messages each way; returns how many arrived in all. */
static unsigned dt_exchange(dt_net *n, unsigned count) {
    unsigned k;
    int i;
    for (k = 0; k < count; k++) {
        for (i = 0; i < 2; i++) {
            uint8_t msg[300], out[KVS_SIM_PKT];
            size_t len;
            memset(msg, 'a' + i, sizeof msg);
            msg[0] = (uint8_t)k;
            if (kvs__dtls_send(&n->ep[i].d, msg, 1 + k % sizeof msg, out, sizeof out, &len) == KVS_OK)
                kvs_sim_send(&n->sim, 1 - i, out, len);
        }
    }
    dt_run(n, KVS_SEC(5), dt_quiet);
    return n->ep[0].app_count + n->ep[1].app_count;
}

/* A full handshake; returns 1 when both sides connected and agree on the exported keys. */
static int dt_handshake_ok(dt_net *n, kvs_time limit) {
    uint8_t k0[60], k1[60];
    dt_run(n, limit, dt_settled);
    if (n->ep[0].d.state != KVS__DTLS_ST_CONNECTED || n->ep[1].d.state != KVS__DTLS_ST_CONNECTED)
        return 0;
    if (kvs__dtls_export(&n->ep[0].d, "EXTRACTOR-dtls_srtp", k0, 60) != KVS_OK ||
        kvs__dtls_export(&n->ep[1].d, "EXTRACTOR-dtls_srtp", k1, 60) != KVS_OK)
        return 0;
    return memcmp(k0, k1, 60) == 0;
}

static void test_dtls_handshake_both_roles(void) {
    int client;
    for (client = 0; client < 2; client++) {
        dt_net *n = dt_new(7, client, 0, 0, 0);
        dt_ep *c, *s;
        char want[256];
        dt_start(n);
        CHECK(dt_handshake_ok(n, KVS_SEC(10)));
        c = &n->ep[client];
        s = &n->ep[1 - client];
        CHECK_EQ(c->d.srtp_profile, KVS_SRTP_AEAD_AES_128_GCM); /* both prefer GCM */
        CHECK_EQ(s->d.srtp_profile, KVS_SRTP_AEAD_AES_128_GCM);
        CHECK(c->d.ems && s->d.ems);
        CHECK_EQ(c->d.suite, KVS__DTLS_SUITE_ECDSA);
        CHECK_EQ(c->d.st.flights_sent, 2);
        CHECK_EQ(s->d.st.flights_sent, 2);
        CHECK_EQ(c->d.st.flights_retransmitted + s->d.st.flights_retransmitted, 0);
        CHECK_EQ(c->d.st.handshake_us, KVS_MSEC(40)); /* two round trips of 2 x 10 ms */
        CHECK(s->d.st.handshake_us > 0);
        CHECK(c->d.hs == NULL);      /* the client's handshake state is gone */
        CHECK(s->d.hs != NULL);      /* the server keeps its last flight for a while */
        CHECK_EQ(dt_exchange(n, 20), 40);
        CHECK(s->d.hs == NULL);      /* ... until the client's first record */
        CHECK_EQ(s->d.st.dropped_bad_mac + c->d.st.dropped_bad_mac, 0);
        CHECK_EQ(n->ep[0].last_app_len, 20);
        CHECK_EQ(n->ep[0].last_app[1], 'b');
        /* the key log line is the SSLKEYLOGFILE format with the real master secret */
        {
            kvs__wr w;
            kvs__wr_init(&w, want, sizeof want);
            kvs__wr_cstr(&w, "CLIENT_RANDOM ");
            kvs__util_hex_encode(&w, c->d.client_random, 32, 0);
            kvs__wr_u8(&w, ' ');
            kvs__util_hex_encode(&w, c->d.master, 48, 0);
            kvs__wr_result_str(&w, NULL);
            CHECK_STR(c->keylog, want);
            CHECK_STR(s->keylog, want);
        }
        dt_free(n);
    }
}

static void test_dtls_loss_matrix(void) {
    static const int loss[] = {0, 10, 30};
    int li, client, failures = 0, runs = 0;
    uint64_t seed;
    unsigned long retrans = 0;
    for (li = 0; li < 3; li++)
        for (client = 0; client < 2; client++)
            for (seed = 1; seed <= 8; seed++) {
                /* loss, 10 % duplication, up to 30 ms of jitter (reordering) */
                dt_net *n = dt_new(seed * 101 + (uint64_t)li, client, loss[li], 10, KVS_MSEC(30));
                int ok;
                dt_start(n);
                ok = dt_handshake_ok(n, KVS_SEC(600));
                runs++;
                if (!ok) {
                    failures++;
                    printf("    handshake failed: loss %d%%, client %d, seed %lu (states %d/%d)\n",
                           loss[li], client, (unsigned long)(seed * 101 + (uint64_t)li),
                           n->ep[0].d.state, n->ep[1].d.state);
                } else {
                    unsigned got = dt_exchange(n, 50);
                    /* no duplicate deliveries despite 10 % duplication, nothing corrupted */
                    if (got > 100 || n->ep[0].d.st.dropped_bad_mac || n->ep[1].d.st.dropped_bad_mac)
                        failures++;
                    if (loss[li] == 0 && got != 100)
                        failures++;
                    if (loss[li] > 0 && got < 20)
                        failures++;
                }
                retrans += n->ep[0].d.st.flights_retransmitted + n->ep[1].d.st.flights_retransmitted;
                dt_free(n);
            }
    CHECK_EQ(failures, 0);
    CHECK_EQ(runs, 48);
    CHECK(retrans > 0); /* the lossy runs did need retransmissions */
}

static void test_dtls_small_mtu(void) {
    int client;
    unsigned long full;
    dt_net *n = dt_new(3, 0, 0, 0, KVS_MSEC(5));
    dt_start(n);
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    full = n->sim.sent; /* datagrams of a handshake at the default MTU */
    dt_free(n);
    for (client = 0; client < 2; client++) {
        n = dt_new(3, client, 0, 0, KVS_MSEC(5));
        n->ep[0].cfg.mtu = KVS__DTLS_MIN_MTU;
        n->ep[1].cfg.mtu = KVS__DTLS_MIN_MTU;
        n->sim.mtu = KVS__DTLS_MIN_MTU;
        dt_start(n);
        CHECK(dt_handshake_ok(n, KVS_SEC(10)));
        CHECK_EQ(n->sim.over_mtu, 0); /* every datagram within the MTU */
        CHECK(n->sim.max_len <= KVS__DTLS_MIN_MTU);
        CHECK(n->sim.sent >= full + 3); /* the flights went in more, fragmented datagrams */
        dt_free(n);
    }
    /* below the minimum: refused at init */
    {
        dt_net *n = dt_new(3, 0, 0, 0, 0);
        n->ep[0].cfg.mtu = 100;
        CHECK_EQ(kvs__dtls_init(&n->ep[0].d, &n->ep[0].cfg, &n->ep[0].rng, &n->ep[0].log,
                                &n->ep[0].mem, n->sim.now),
                 KVS_ERR_INVALID_ARG);
        kvs__dtls_init(&n->ep[1].d, &n->ep[1].cfg, &n->ep[1].rng, &n->ep[1].log, &n->ep[1].mem,
                       n->sim.now);
        dt_free(n);
    }
}

static void test_dtls_hello_verify(void) {
    uint64_t seed;
    for (seed = 1; seed <= 4; seed++) {
        dt_net *n = dt_new(seed, 0, seed > 1 ? 20 : 0, 0, KVS_MSEC(20));
        n->ep[1].cfg.hello_verify = 1;
        dt_start(n);
        CHECK(dt_handshake_ok(n, KVS_SEC(300)));
        if (seed == 1)
            CHECK_EQ(n->ep[0].d.st.flights_sent, 3); /* ClientHello, again with the cookie, then 5 */
        dt_free(n);
    }
}

/* After a HelloVerifyRequest, the server's next record numbers come after the one the cookie
   exchange used (a peer's epoch-0 replay window has seen it: OpenSSL drops a reuse). */
static void test_dtls_hello_verify_record_numbers(void) {
    dt_net *n = dt_new(31, 0, 0, 0, 0);
    uint8_t buf[KVS_SIM_PKT];
    size_t len;
    uint64_t hvr_seq;
    kvs_time now = n->sim.now;
    n->ep[1].cfg.hello_verify = 1;
    dt_start(n);
    CHECK_EQ(kvs__dtls_output(&n->ep[0].d, buf, sizeof buf, &len, now), KVS_OK); /* ClientHello */
    kvs__dtls_input(&n->ep[1].d, buf, len, now, NULL, NULL);
    CHECK_EQ(kvs__dtls_output(&n->ep[1].d, buf, sizeof buf, &len, now), KVS_OK); /* cookie */
    CHECK_EQ(buf[13], KVS__DTLS_HT_HELLO_VERIFY);
    hvr_seq = kvs__get_u48(buf + 5);
    kvs__dtls_input(&n->ep[0].d, buf, len, now, NULL, NULL);
    CHECK_EQ(kvs__dtls_output(&n->ep[0].d, buf, sizeof buf, &len, now), KVS_OK); /* with cookie */
    kvs__dtls_input(&n->ep[1].d, buf, len, now, NULL, NULL);
    CHECK_EQ(kvs__dtls_output(&n->ep[1].d, buf, sizeof buf, &len, now), KVS_OK); /* ServerHello.. */
    CHECK_EQ(buf[13], KVS__DTLS_HT_SERVER_HELLO);
    CHECK(kvs__get_u48(buf + 5) > hvr_seq);
    dt_free(n);
}

/* One forged or stale fragment must not wedge the reassembly: a claim of a huge message ahead of
   the expected one, or a first fragment of the expected message with another length, arriving
   before the genuine flight. */
static void test_dtls_forged_fragments(void) {
    static const uint8_t forged[2][26] = {
        /* handshake record, epoch 0, seq 0, 12 bytes: ClientHello seq 1, length 8192, empty */
        {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 1, 0, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0},
        /* 13 bytes: ClientHello seq 0 claiming 8 bytes, the first byte of it */
        {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 1, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 0x42}};
    static const size_t flen[2] = {25, 26};
    int k;
    for (k = 0; k < 2; k++) {
        dt_net *n = dt_new(37 + (uint64_t)k, 0, 0, 0, 0);
        uint8_t buf[26];
        int i, kept = 0;
        dt_start(n);
        memcpy(buf, forged[k], flen[k]);
        CHECK_EQ(kvs__dtls_input(&n->ep[1].d, buf, flen[k], n->sim.now, NULL, NULL), KVS_OK);
        for (i = 0; i < KVS__DTLS_SLOTS; i++)
            kept |= n->ep[1].d.hs->slot[i].used;
        CHECK(kept); /* the forgery did take a slot */
        CHECK_EQ(n->ep[1].d.st.dropped_malformed, 0);
        CHECK(dt_handshake_ok(n, KVS_SEC(10)));
        CHECK_EQ(n->ep[0].d.st.flights_retransmitted, 0); /* not even a delay */
        dt_free(n);
    }
}

/* Extensions a DTLS 1.3 client adds: supported_versions (1.3 and 1.2), key_share (x25519, 32
   bytes), psk_key_exchange_modes, and an unknown one. */
static const uint8_t kvs_test_dtls13_ext[] = {
    0x00, 0x2b, 0x00, 0x05, 0x04, 0xfe, 0xfc, 0xfe, 0xfd,                         /* versions */
    0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, /* key_share */
    0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,                                            /* psk modes */
    0x7a, 0x7a, 0x00, 0x01, 0x00,                                                  /* GREASE */
};
static const uint8_t kvs_test_dtls13_only[] = {0x00, 0x2b, 0x00, 0x03, 0x02, 0xfe, 0xfc};

static void test_dtls_13_client_hello(void) {
    dt_net *n = dt_new(5, 0, 0, 0, 0);
    n->ep[0].cfg.test_ext = kvs_test_dtls13_ext;
    n->ep[0].cfg.test_ext_len = sizeof kvs_test_dtls13_ext;
    dt_start(n);
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    dt_free(n);
    /* a client that can only do 1.3 gets protocol_version */
    n = dt_new(5, 0, 0, 0, 0);
    n->ep[0].cfg.test_ext = kvs_test_dtls13_only;
    n->ep[0].cfg.test_ext_len = sizeof kvs_test_dtls13_only;
    dt_start(n);
    dt_run(n, KVS_SEC(10), dt_settled);
    CHECK_EQ(n->ep[1].d.state, KVS__DTLS_ST_FAILED);
    CHECK_EQ(n->ep[1].d.error, KVS_ERR_PROTOCOL);
    CHECK_EQ(n->ep[0].d.state, KVS__DTLS_ST_FAILED); /* it got the alert */
    CHECK_EQ(n->ep[0].log.last_item, KVS_LOG_DTLS_PEER_ALERT);
    dt_free(n);
}

static void test_dtls_srtp_choice(void) {
    dt_net *n = dt_new(9, 0, 0, 0, 0);
    /* the server picks by its own preference among what the client offers */
    n->ep[0].cfg.srtp[0] = KVS_SRTP_AES128_CM_SHA1_80;
    n->ep[0].cfg.srtp[1] = KVS_SRTP_AES128_CM_SHA1_32;
    n->ep[1].cfg.srtp[0] = KVS_SRTP_AES128_CM_SHA1_32;
    n->ep[1].cfg.srtp[1] = KVS_SRTP_AES128_CM_SHA1_80;
    dt_start(n);
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    CHECK_EQ(n->ep[0].d.srtp_profile, KVS_SRTP_AES128_CM_SHA1_32);
    CHECK_EQ(n->ep[1].d.srtp_profile, KVS_SRTP_AES128_CM_SHA1_32);
    dt_free(n);
    /* nothing in common, or not offered at all: no SRTP, the handshake still completes */
    n = dt_new(9, 1, 0, 0, 0);
    n->ep[0].cfg.srtp[0] = KVS_SRTP_AES128_CM_SHA1_80;
    n->ep[1].cfg.srtp[0] = KVS_SRTP_AEAD_AES_128_GCM;
    dt_start(n);
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    CHECK_EQ(n->ep[0].d.srtp_profile, 0);
    dt_free(n);
    n = dt_new(9, 0, 0, 0, 0);
    n->ep[0].cfg.srtp[0] = 0xffff;
    dt_start(n);
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    CHECK_EQ(n->ep[1].d.srtp_profile, 0);
    dt_free(n);
}

static void test_dtls_wrong_fingerprint(void) {
    int side;
    for (side = 0; side < 2; side++) {
        /* side 0: the client expects another certificate; side 1: the server does */
        int client;
        for (client = 0; client < 2; client++) {
            dt_net *n = dt_new(11, client, 0, 0, 0);
            int checker = side == 0 ? client : 1 - client;
            n->ep[checker].cfg.peer_fp[5] ^= 0x40;
            dt_start(n);
            dt_run(n, KVS_SEC(30), dt_settled);
            CHECK_EQ(n->ep[checker].d.state, KVS__DTLS_ST_FAILED);
            CHECK_EQ(n->ep[checker].d.error, KVS_ERR_AUTH);
            CHECK_EQ(n->ep[checker].log.last_item, KVS_LOG_DTLS_FINGERPRINT_MISMATCH);
            /* the other side got the bad_certificate alert and failed too */
            CHECK_EQ(n->ep[1 - checker].d.state, KVS__DTLS_ST_FAILED);
            CHECK_EQ(n->ep[1 - checker].log.last_item, KVS_LOG_DTLS_PEER_ALERT);
            CHECK(n->ep[0].d.hs == NULL && n->ep[1].d.hs == NULL);
            dt_free(n);
        }
    }
}

static int dt_server_heard(dt_net *n) {
    return n->ep[1].d.hs && n->ep[1].d.hs->expect != KVS__DTLS_E_CLIENT_HELLO;
}

static void test_dtls_silent_peer(void) {
    /* the client alone: 1 + 2 + 4 + 8 x 8 s (ten retransmissions), then KVS_ERR_TIMEOUT */
    dt_net *n = dt_new(13, 0, 0, 0, 0);
    kvs_time t0 = n->sim.now;
    n->sim.blackhole[1] = 1;
    dt_start(n);
    dt_run(n, KVS_SEC(600), dt_settled);
    CHECK_EQ(n->ep[0].d.state, KVS__DTLS_ST_FAILED);
    CHECK_EQ(n->ep[0].d.error, KVS_ERR_TIMEOUT);
    CHECK_EQ(n->ep[0].log.last_item, KVS_LOG_DTLS_TIMEOUT);
    CHECK_EQ(n->sim.now - t0, KVS_SEC(71));
    CHECK_EQ(n->ep[0].d.st.flights_retransmitted, 10);
    CHECK_EQ(kvs__dtls_deadline(&n->ep[0].d), KVS_TIME_NEVER);
    CHECK_EQ(n->ep[1].d.state, KVS__DTLS_ST_HANDSHAKE); /* the server never heard anything */
    dt_free(n);
    /* the server: the client vanishes after its ClientHello */
    n = dt_new(13, 0, 0, 0, 0);
    n->ep[0].cfg.rto_initial = KVS_MSEC(100);
    n->ep[1].cfg.rto_initial = KVS_MSEC(100);
    n->ep[1].cfg.max_retransmits = 3;
    n->sim.blackhole[0] = 1;
    dt_start(n);
    dt_run(n, KVS_SEC(600), dt_server_heard);
    n->sim.blackhole[1] = 1; /* from now on the client is gone */
    dt_run(n, KVS_SEC(600), dt_settled);
    CHECK_EQ(n->ep[1].d.state, KVS__DTLS_ST_FAILED);
    CHECK_EQ(n->ep[1].d.error, KVS_ERR_TIMEOUT);
    CHECK_EQ(n->ep[1].d.st.flights_retransmitted, 3);
    dt_free(n);
}

static void test_dtls_replay_tamper_close(void) {
    dt_net *n = dt_new(17, 0, 0, 0, 0);
    uint8_t out[KVS_SIM_PKT], copy[KVS_SIM_PKT];
    size_t len;
    dt_ep *c = &n->ep[0], *s = &n->ep[1];
    dt_start(n);
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    CHECK_EQ(kvs__dtls_send(&c->d, "ping", 4, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(len, 13 + 8 + 4 + 16);
    memcpy(copy, out, len);
    CHECK_EQ(kvs__dtls_input(&s->d, out, len, n->sim.now, dt_app, s), KVS_OK);
    CHECK_EQ(s->app_count, 1);
    CHECK_MEM(s->last_app, "ping", 4);
    /* the same record again: replay */
    memcpy(out, copy, len);
    CHECK_EQ(kvs__dtls_input(&s->d, out, len, n->sim.now, dt_app, s), KVS_OK);
    CHECK_EQ(s->app_count, 1);
    CHECK_EQ(s->d.st.dropped_replay, 1);
    /* a fresh record with one bit flipped, anywhere after the header: bad MAC */
    {
        size_t pos;
        for (pos = 13; pos < 13 + 8 + 4 + 16; pos++) {
            CHECK_EQ(kvs__dtls_send(&c->d, "pong", 4, out, sizeof out, &len), KVS_OK);
            out[pos] ^= 0x10;
            CHECK_EQ(kvs__dtls_input(&s->d, out, len, n->sim.now, dt_app, s), KVS_OK);
        }
        CHECK_EQ(s->app_count, 1);
        CHECK_EQ(s->d.st.dropped_bad_mac, 28); /* nonce, ciphertext and tag: every byte */
    }
    /* records out of order inside the window are fine; far behind it are replays */
    {
        uint8_t r[3][128];
        size_t l[3];
        int i;
        for (i = 0; i < 3; i++)
            CHECK_EQ(kvs__dtls_send(&c->d, "xyz", 3, r[i], sizeof r[i], &l[i]), KVS_OK);
        CHECK_EQ(kvs__dtls_input(&s->d, r[2], l[2], n->sim.now, dt_app, s), KVS_OK);
        CHECK_EQ(kvs__dtls_input(&s->d, r[0], l[0], n->sim.now, dt_app, s), KVS_OK);
        CHECK_EQ(kvs__dtls_input(&s->d, r[1], l[1], n->sim.now, dt_app, s), KVS_OK);
        CHECK_EQ(s->app_count, 4);
        for (i = 0; i < 70; i++) {
            CHECK_EQ(kvs__dtls_send(&c->d, "z", 1, out, sizeof out, &len), KVS_OK);
            if (i == 0)
                memcpy(copy, out, len);
            else
                CHECK_EQ(kvs__dtls_input(&s->d, out, len, n->sim.now, dt_app, s), KVS_OK);
        }
        CHECK_EQ(kvs__dtls_input(&s->d, copy, len, n->sim.now, dt_app, s), KVS_OK); /* 69 behind */
        CHECK_EQ(s->app_count, 4 + 69);
    }
    /* garbage and truncated records: dropped, the connection survives */
    {
        uint8_t junk[40];
        memset(junk, 0x17, sizeof junk);
        CHECK_EQ(kvs__dtls_input(&s->d, junk, sizeof junk, n->sim.now, dt_app, s), KVS_OK);
        CHECK_EQ(kvs__dtls_send(&c->d, "ok", 2, out, sizeof out, &len), KVS_OK);
        CHECK_EQ(kvs__dtls_input(&s->d, out, len - 1, n->sim.now, dt_app, s), KVS_OK);
        CHECK_EQ(s->d.state, KVS__DTLS_ST_CONNECTED);
    }
    /* limits of send */
    CHECK_EQ(kvs__dtls_send(&c->d, out, 1200 - 37 + 1, copy, sizeof copy, &len), KVS_ERR_LIMIT);
    CHECK_EQ(kvs__dtls_send(&c->d, out, 1200 - 37, copy, sizeof copy, &len), KVS_OK);
    CHECK_EQ(len, 1200);
    CHECK_EQ(kvs__dtls_send(&c->d, "a", 1, copy, 20, &len), KVS_ERR_BUFFER_TOO_SMALL);
    /* close_notify */
    kvs__dtls_close(&c->d);
    CHECK_EQ(c->d.state, KVS__DTLS_ST_CLOSED);
    CHECK_EQ(kvs__dtls_output(&c->d, out, sizeof out, &len, n->sim.now), KVS_OK);
    CHECK_EQ(kvs__dtls_input(&s->d, out, len, n->sim.now, dt_app, s), KVS_ERR_CLOSED);
    CHECK_EQ(s->d.state, KVS__DTLS_ST_CLOSED);
    CHECK_EQ(kvs__dtls_send(&s->d, "a", 1, copy, sizeof copy, &len), KVS_ERR_STATE);
    dt_free(n);
}

static void test_dtls_memory(void) {
    dt_net *n = dt_new(19, 0, 0, 0, 0);
    dt_start(n);
    /* the client holds its handshake state from the first flight */
    CHECK_EQ(n->ep[0].mem.st.current, sizeof(kvs__dtls_hs));
    CHECK(dt_handshake_ok(n, KVS_SEC(10)));
    CHECK_EQ(n->ep[0].mem.st.current, 0);
    CHECK_EQ(n->ep[1].mem.st.current, sizeof(kvs__dtls_hs));
    CHECK_EQ(n->ep[0].mem.st.peak, sizeof(kvs__dtls_hs));
    /* the server lets go after the linger time even if the client stays silent */
    dt_run(n, kvs__dtls_linger(&n->ep[1].d) + KVS_SEC(1), dt_quiet);
    CHECK_EQ(n->ep[1].mem.st.current, 0);
    CHECK(n->ep[1].d.state == KVS__DTLS_ST_CONNECTED);
    dt_free(n);
    /* allocation failure at the start is reported, not a crash */
    n = dt_new(19, 0, 0, 0, 0);
    n->ep[0].mem.fail_after = 1;
    CHECK_EQ(kvs__dtls_init(&n->ep[0].d, &n->ep[0].cfg, &n->ep[0].rng, &n->ep[0].log, &n->ep[0].mem,
                            n->sim.now),
             KVS_ERR_NO_MEMORY);
    kvs__dtls_init(&n->ep[1].d, &n->ep[1].cfg, &n->ep[1].rng, &n->ep[1].log, &n->ep[1].mem,
                   n->sim.now);
    dt_free(n);
}

static const kvs_test_case kvs_tests_dtls[] = {
    {"kat_prf", test_dtls_kat_prf},
    {"kat_key_schedule", test_dtls_kat_key_schedule},
    {"kat_gcm", test_dtls_kat_gcm},
    {"handshake_both_roles", test_dtls_handshake_both_roles},
    {"loss_matrix", test_dtls_loss_matrix},
    {"small_mtu", test_dtls_small_mtu},
    {"hello_verify", test_dtls_hello_verify},
    {"hello_verify_record_numbers", test_dtls_hello_verify_record_numbers},
    {"forged_fragments", test_dtls_forged_fragments},
    {"dtls13_client_hello", test_dtls_13_client_hello},
    {"srtp_choice", test_dtls_srtp_choice},
    {"wrong_fingerprint", test_dtls_wrong_fingerprint},
    {"silent_peer", test_dtls_silent_peer},
    {"replay_tamper_close", test_dtls_replay_tamper_close},
    {"memory", test_dtls_memory},
};
