/* >>tls: trust anchors from PEM bundles (good, garbage, too many, truncated, DER, allocation
   failures), host name and configuration checks, and the client against BearSSL's own server
   engine in memory, deterministically (both DRBGs seeded by the tests): a chain through an
   intermediate, application data both ways in small and large pieces, close_notify both ways,
   wrong host names (wildcards, CN without subjectAltName, CN ignored beside one), expired and
   not yet valid certificates, unknown CAs and incomplete chains, directly trusted
   certificates, each cipher suite, ALPN, half-duplex and small records, one byte of input at a
   time, a server alert, garbage from the server, memory accounting and failures of the
   allocator and of the random source. Certificates: tests/kvs_test_tls_certs.h. */

#include "kvs_test_tls_certs.h"

#define TT_T2025 ((int64_t)1735689600) /* 2025-01-01T00:00:00Z: inside every "valid" range */
#define TT_Q 65536                     /* bytes queued per direction */

/* The kvs side: a deterministic platform and the contexts a client would lend. */
typedef struct tt_env {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log log;
    kvs__mem mem;
    kvs__rng rng;
    int guard;
} tt_env;

static void tt_env_init(tt_env *e, uint64_t seed) {
    memset(e, 0, sizeof *e);
    kvs_tp_init(&e->tp, &e->pf, seed, 1);
    kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_DEBUG);
    kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0);
    kvs__crypto_rng_init(&e->rng, &e->pf, &e->guard, &e->log);
}

static size_t tt_strlen(const char *s) { return strlen(s); }

/* --- trust anchors ------------------------------------------------------------------------- */

static void test_tls_anchors_good(void) {
    static tt_env env;
    static kvs__tls_anchors a;
    static char bundle[8192];
    size_t used;
    int i;
    tt_env_init(&env, 1);
    /* a bundle as the ca-certificates package writes it: comments, blank lines, CR LF */
    snprintf(bundle, sizeof bundle, "# kvswebrtc test roots\n\n%s\r\n# another one\n%s\n",
             kvs_tls_fx_root_pem, kvs_tls_fx_other_root_pem);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, tt_strlen(bundle)), KVS_OK);
    CHECK_EQ(a.n, 2);
    for (i = 0; i < 2; i++) {
        CHECK_EQ(a.ta[i].flags, BR_X509_TA_CA);
        CHECK_EQ(a.ta[i].pkey.key_type, BR_KEYTYPE_EC);
        CHECK_EQ(a.ta[i].pkey.key.ec.curve, BR_EC_secp256r1);
        CHECK_EQ(a.ta[i].pkey.key.ec.qlen, 65);
        CHECK(a.ta[i].dn.len > 10 && a.ta[i].dn.data[0] == 0x30);
    }
    used = env.mem.st.current;
    CHECK_EQ(used, a.ta[0].dn.len + 65 + a.ta[1].dn.len + 65); /* the scratch block went back */
    kvs__tls_anchors_free(&a);
    CHECK_EQ(env.mem.st.current, 0);
    CHECK_EQ(a.n, 0);
    /* a leaf certificate (no CA flag) becomes a directly trusted anchor; other PEM objects
       (the private key) are skipped */
    snprintf(bundle, sizeof bundle, "%s%s", kvs_tls_fx_leaf_key_pem, kvs_tls_fx_leaf_pem);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, tt_strlen(bundle)), KVS_OK);
    CHECK_EQ(a.n, 1);
    CHECK_EQ(a.ta[0].flags, 0);
    kvs__tls_anchors_free(&a);
    /* RSA and P-384 keys (the certificate fixtures of test_cert.c) */
    snprintf(bundle, sizeof bundle, "%s%s", kvs_tc_rsa_cert_pem, kvs_tc_p384_cert_pem);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, tt_strlen(bundle)), KVS_OK);
    CHECK_EQ(a.n, 2);
    CHECK_EQ(a.ta[0].pkey.key_type, BR_KEYTYPE_RSA);
    CHECK_EQ(a.ta[0].pkey.key.rsa.nlen, 256);
    CHECK_EQ(a.ta[0].pkey.key.rsa.elen, 3);
    CHECK_MEM(a.ta[0].pkey.key.rsa.e, "\x01\x00\x01", 3);
    CHECK_EQ(a.ta[1].pkey.key_type, BR_KEYTYPE_EC);
    CHECK_EQ(a.ta[1].pkey.key.ec.curve, BR_EC_secp384r1);
    CHECK_EQ(a.ta[1].pkey.key.ec.qlen, 97);
    kvs__tls_anchors_free(&a);
    /* no final newline */
    used = tt_strlen(kvs_tls_fx_inter_pem) - 1;
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, kvs_tls_fx_inter_pem, used), KVS_OK);
    CHECK_EQ(a.n, 1);
    kvs__tls_anchors_free(&a);
    CHECK_EQ(env.mem.st.current, 0);
}

/* The DER form of a PEM certificate. */
static size_t tt_der(const char *pem, kvs_cert *c) {
    br_pem_decoder_context pc;
    memset(c, 0, sizeof *c);
    return kvs__crypto_cert_load(c, &pc, (const uint8_t *)pem, tt_strlen(pem)) == KVS_OK
               ? c->der_len
               : 0;
}

static void test_tls_anchors_der(void) {
    static tt_env env;
    static kvs__tls_anchors a;
    static kvs_cert c;
    static uint8_t der[KVS_CERT_MAX + 1];
    size_t n;
    tt_env_init(&env, 2);
    n = tt_der(kvs_tls_fx_root_pem, &c);
    CHECK(n > 0);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, c.der, n), KVS_OK);
    CHECK_EQ(a.n, 1);
    CHECK_EQ(a.ta[0].flags, BR_X509_TA_CA);
    kvs__tls_anchors_free(&a);
    /* a DER certificate cut short, or with a byte after it, is not one */
    memcpy(der, c.der, n);
    der[n] = 0;
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, der, n + 1), KVS_ERR_PARSE);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, der, n - 1), KVS_ERR_PARSE);
    /* a well-formed outer header around a body that is not a certificate (tbsCertificate
       tagged SET); signatures of anchors are not checked, they are trusted by configuration */
    der[4] = 0x31;
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, der, n), KVS_ERR_PARSE);
    CHECK_EQ(a.n, 0);
    CHECK_EQ(env.mem.st.current, 0);
}

static void test_tls_anchors_garbage(void) {
    static tt_env env;
    static kvs__tls_anchors a;
    static char pem[4096];
    static const char *const bad[] = {
        "",
        "hello, world\n",
        "-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "\x30\x03\x02\x01\x01",
    };
    size_t i, n;
    tt_env_init(&env, 3);
    for (i = 0; i < KVS__ARRAY_LEN(bad); i++) {
        env.log.last_item = KVS_LOG_NONE;
        CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bad[i], tt_strlen(bad[i])),
                 KVS_ERR_PARSE);
        CHECK_EQ(env.log.last_item, KVS_LOG_TLS_ANCHORS);
        CHECK_EQ(a.n, 0);
    }
    /* binary junk of every length */
    for (n = 0; n < sizeof pem; n++)
        pem[n] = (char)(n * 7 + 3);
    for (n = 1; n < 600; n += 37)
        CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, pem, n), KVS_ERR_PARSE);
    /* a good certificate followed by a broken one: all or nothing */
    snprintf(pem, sizeof pem, "%s%s", kvs_tls_fx_root_pem, bad[2]);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, pem, tt_strlen(pem)), KVS_ERR_PARSE);
    CHECK_EQ(a.n, 0);
    /* a private key where the certificate should be, inside a CERTIFICATE banner */
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, NULL, 5), KVS_ERR_INVALID_ARG);
    CHECK_EQ(env.mem.st.current, 0);
    CHECK_EQ(env.mem.st.allocations > 0, 1);
}

static void test_tls_anchors_too_many(void) {
    static tt_env env;
    static kvs__tls_anchors a;
    static char bundle[(KVS_TLS_MAX_ANCHORS + 1) * 800];
    size_t off = 0, one = tt_strlen(kvs_tls_fx_root_pem);
    int i;
    tt_env_init(&env, 4);
    for (i = 0; i < KVS_TLS_MAX_ANCHORS; i++) {
        memcpy(bundle + off, kvs_tls_fx_root_pem, one);
        off += one;
    }
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, off), KVS_OK);
    CHECK_EQ(a.n, KVS_TLS_MAX_ANCHORS);
    kvs__tls_anchors_free(&a);
    memcpy(bundle + off, kvs_tls_fx_root_pem, one);
    off += one;
    env.log.last_item = KVS_LOG_NONE;
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, off), KVS_ERR_LIMIT);
    CHECK_EQ(env.log.last_item, KVS_LOG_TLS_ANCHORS);
    CHECK(strstr(env.tp.last_msg, "KVS_TLS_MAX_ANCHORS") != NULL);
    CHECK_EQ(a.n, 0);
    CHECK_EQ(env.mem.st.current, 0);
}

static void test_tls_anchors_truncated(void) {
    static tt_env env;
    static kvs__tls_anchors a;
    static char bundle[4096];
    size_t first, total, cut;
    kvs_result r;
    tt_env_init(&env, 5);
    snprintf(bundle, sizeof bundle, "%s%s", kvs_tls_fx_root_pem, kvs_tls_fx_inter_pem);
    first = tt_strlen(kvs_tls_fx_root_pem);
    total = tt_strlen(bundle);
    /* every cut: anything cut inside a certificate is refused, never half taken. The first
       certificate alone is fine once its END line has begun ("-----END ", 17 bytes before its
       end: BearSSL's PEM decoder ends the object there, and the DER inside is whole and of
       its declared length), until the next banner reaches "-----BEGIN CERTIFICATE" (22 bytes:
       an object begins, and is then truncated) */
    for (cut = 0; cut < total; cut++) {
        r = kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, cut);
        if (cut >= first - 17 && cut <= first + 21) {
            CHECK_EQ(r, KVS_OK);
            CHECK_EQ(a.n, 1);
        } else if (cut >= total - 17) {
            CHECK_EQ(r, KVS_OK);
            CHECK_EQ(a.n, 2);
        } else {
            if (r != KVS_ERR_PARSE)
                printf("    cut at %lu of %lu: %s\n", (unsigned long)cut, (unsigned long)total,
                       kvs_result_str(r));
            CHECK_EQ(r, KVS_ERR_PARSE);
            CHECK_EQ(a.n, 0);
        }
        kvs__tls_anchors_free(&a);
    }
    /* no END line at all */
    env.log.last_item = KVS_LOG_NONE;
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, first - 26), KVS_ERR_PARSE);
    CHECK(strstr(env.tp.last_msg, "no END line") != NULL);
    CHECK_EQ(env.mem.st.current, 0);
}

static void test_tls_anchors_alloc_failure(void) {
    static tt_env env;
    static kvs__tls_anchors a;
    static char bundle[4096];
    uint32_t k;
    tt_env_init(&env, 6);
    snprintf(bundle, sizeof bundle, "%s%s", kvs_tls_fx_root_pem, kvs_tls_fx_inter_pem);
    for (k = 1; k <= 3; k++) { /* the scratch block, the first anchor, the second */
        env.mem.fail_after = k;
        CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, tt_strlen(bundle)),
                 KVS_ERR_NO_MEMORY);
        CHECK_EQ(a.n, 0);
        CHECK_EQ(env.mem.st.current, 0);
    }
    env.mem.fail_after = 0;
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, bundle, tt_strlen(bundle)), KVS_OK);
    kvs__tls_anchors_free(&a);
}

/* --- configuration ------------------------------------------------------------------------- */

static void test_tls_host_names(void) {
    static const char *const good[] = {"server.kvs.test",
                                       "localhost",
                                       "a",
                                       "kinesisvideo.us-west-2.amazonaws.com",
                                       "x_y.example",
                                       "A1-b2.EXAMPLE.com",
                                       "server.kvs.test."};
    static const char *const bad[] = {"",
                                      ".",
                                      "..",
                                      "a..b",
                                      ".a",
                                      "-a.b",
                                      "a-.b",
                                      "a.b-",
                                      "*.kvs.test",
                                      "127.0.0.1",
                                      "10.1.2.3",
                                      "::1",
                                      "[::1]",
                                      "a b",
                                      "a/b",
                                      "a:443",
                                      "caf\xc3\xa9.example",
                                      "a.b..",
                                      "a.b\n"};
    char longname[300];
    size_t i;
    for (i = 0; i < KVS__ARRAY_LEN(good); i++) {
        size_t n = tt_strlen(good[i]);
        if (n > 1 && good[i][n - 1] == '.')
            n--;
        if (!kvs__tls_host_ok(good[i], n))
            printf("    refused: %s\n", good[i]);
        CHECK(kvs__tls_host_ok(good[i], n));
    }
    for (i = 0; i < KVS__ARRAY_LEN(bad); i++) {
        if (kvs__tls_host_ok(bad[i], tt_strlen(bad[i])))
            printf("    accepted: %s\n", bad[i]);
        CHECK(!kvs__tls_host_ok(bad[i], tt_strlen(bad[i])));
    }
    /* 63-byte labels yes, 64 no; 253 bytes yes, 254 no */
    memset(longname, 'a', sizeof longname);
    CHECK(kvs__tls_host_ok(longname, 63));
    CHECK(!kvs__tls_host_ok(longname, 64));
    for (i = 63; i < sizeof longname; i += 64)
        longname[i] = '.';
    CHECK(kvs__tls_host_ok(longname, 253));
    CHECK(!kvs__tls_host_ok(longname, 254));
}

static void tt_cfg(kvs__tls_cfg *cfg, const kvs__tls_anchors *a, const char *host) {
    memset(cfg, 0, sizeof *cfg);
    cfg->host.p = host;
    cfg->host.n = host ? tt_strlen(host) : 0;
    cfg->anchors = a;
    cfg->unix_time = TT_T2025;
}

static void test_tls_config(void) {
    static tt_env env;
    static kvs__tls_anchors a, none;
    static kvs__tls t;
    kvs__tls_cfg cfg;
    size_t len;
    uint8_t b[16];
    tt_env_init(&env, 7);
    CHECK_EQ(kvs__tls_anchors_parse(&a, &env.mem, &env.log, kvs_tls_fx_root_pem,
                                    tt_strlen(kvs_tls_fx_root_pem)),
             KVS_OK);
    memset(&none, 0, sizeof none);
    tt_cfg(&cfg, &a, "127.0.0.1");
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_INVALID_ARG);
    CHECK_EQ(env.log.last_item, KVS_LOG_TLS_CONFIG);
    CHECK_EQ(t.state, KVS__TLS_ST_FAILED);
    CHECK_EQ(t.item, KVS_LOG_TLS_CONFIG);
    /* every call on a client that failed to start says why, and deinit is harmless */
    CHECK_EQ(kvs__tls_output(&t, b, sizeof b, &len), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__tls_write(&t, "x", 1, &len), KVS_ERR_INVALID_ARG);
    kvs__tls_deinit(&t);
    tt_cfg(&cfg, &a, NULL);
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_INVALID_ARG);
    tt_cfg(&cfg, NULL, "server.kvs.test");
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_INVALID_ARG);
    tt_cfg(&cfg, &none, "server.kvs.test");
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_INVALID_ARG);
    CHECK(strstr(env.tp.last_msg, "no trust anchors") != NULL);
    tt_cfg(&cfg, &a, "server.kvs.test");
    cfg.unix_time = 0;
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_INVALID_ARG);
    CHECK(strstr(env.tp.last_msg, "unix_time") != NULL);
    tt_cfg(&cfg, &a, "server.kvs.test");
    cfg.out_record = 8192; /* not a max_fragment_length value */
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__tls_memory_size(&cfg), 0);
    CHECK_EQ(env.mem.st.current, a.ta[0].dn.len + 65);
    /* the sizes documented in the banner */
    cfg.out_record = 0;
    CHECK_EQ(kvs__tls_memory_size(&cfg), sizeof(kvs__tls_eng) + 16709 + 4096 + 85);
    CHECK_EQ(kvs__tls_memory_size(NULL), kvs__tls_memory_size(&cfg));
    cfg.out_record = 16384;
    CHECK_EQ(kvs__tls_memory_size(&cfg), sizeof(kvs__tls_eng) + BR_SSL_BUFSIZE_BIDI);
    cfg.half_duplex = 1;
    CHECK_EQ(kvs__tls_memory_size(&cfg), sizeof(kvs__tls_eng) + BR_SSL_BUFSIZE_MONO);
    /* the random source fails: nothing stays allocated */
    cfg.half_duplex = 0;
    env.tp.rng.fail = 1;
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_CRYPTO);
    CHECK_EQ(t.item, KVS_LOG_RANDOM_FAILED);
    env.tp.rng.fail = 0;
    /* the allocator fails */
    env.mem.fail_after = 1;
    CHECK_EQ(kvs__tls_init(&t, &cfg, &env.rng, &env.log, &env.mem), KVS_ERR_NO_MEMORY);
    CHECK_EQ(env.mem.st.current, a.ta[0].dn.len + 65);
    kvs__tls_deinit(&t);
    kvs__tls_anchors_free(&a);
    CHECK_EQ(env.mem.st.current, 0);
}

/* --- in-memory handshakes against BearSSL's server ----------------------------------------- */

typedef struct tt_srv {
    br_ssl_server_context sc;
    unsigned char buf[BR_SSL_BUFSIZE_BIDI];
    br_x509_certificate chain[2];
    kvs_cert leaf, inter;
    br_ec_private_key sk;
    br_skey_decoder_context rsa; /* holds the RSA key of the RSA server */
    const char *alpn[1];
} tt_srv;

/* One connection: our client, BearSSL's server, and the bytes in flight each way. */
typedef struct tt_net {
    tt_env env;
    kvs__tls_anchors anchors;
    kvs__tls_cfg cfg;
    kvs__tls t;
    tt_srv s;
    uint8_t c2s[TT_Q], s2c[TT_Q];
    size_t c2s_len, s2c_len;
    size_t chunk; /* largest piece given to kvs__tls_input at once; 0 = all */
    unsigned long c_out_calls;
} tt_net;

static tt_net *tt_new(uint64_t seed, const char *anchors_pem, const char *host) {
    tt_net *n = (tt_net *)calloc(1, sizeof *n);
    tt_env_init(&n->env, seed);
    n->env.pf.log = NULL; /* quiet; items are still recorded */
    kvs__log_init(&n->env.log, &n->env.pf, &n->env.guard, KVS_LOG_DEBUG);
    CHECK_EQ(kvs__tls_anchors_parse(&n->anchors, &n->env.mem, &n->env.log, anchors_pem,
                                    tt_strlen(anchors_pem)),
             KVS_OK);
    tt_cfg(&n->cfg, &n->anchors, host);
    return n;
}

/* The server presents leaf_pem (key: the fixture key), with the intermediate when with_inter;
   suites: NULL = BearSSL's full list. */
static void tt_srv_start(tt_net *n, const char *leaf_pem, int with_inter, const uint16_t *suites,
                         size_t nsuites, int alpn, uint64_t seed) {
    tt_srv *s = &n->s;
    br_pem_decoder_context pc;
    uint8_t ent[32];
    size_t i;
    CHECK_EQ(kvs_cert_import(&s->leaf, leaf_pem, tt_strlen(leaf_pem), kvs_tls_fx_leaf_key_pem,
                             tt_strlen(kvs_tls_fx_leaf_key_pem)),
             KVS_OK);
    CHECK_EQ(kvs__crypto_cert_load(&s->inter, &pc, (const uint8_t *)kvs_tls_fx_inter_pem,
                                   tt_strlen(kvs_tls_fx_inter_pem)),
             KVS_OK);
    s->chain[0].data = s->leaf.der;
    s->chain[0].data_len = s->leaf.der_len;
    s->chain[1].data = s->inter.der;
    s->chain[1].data_len = s->inter.der_len;
    s->sk.curve = BR_EC_secp256r1;
    s->sk.x = s->leaf.key;
    s->sk.xlen = 32;
    br_ssl_server_init_full_ec(&s->sc, s->chain, with_inter ? 2 : 1, BR_KEYTYPE_EC, &s->sk);
    if (suites)
        br_ssl_engine_set_suites(&s->sc.eng, suites, nsuites);
    if (alpn) {
        s->alpn[0] = "http/1.1";
        br_ssl_engine_set_protocol_names(&s->sc.eng, s->alpn, 1);
    }
    br_ssl_engine_set_buffer(&s->sc.eng, s->buf, sizeof s->buf, 1);
    for (i = 0; i < sizeof ent; i++)
        ent[i] = (uint8_t)(seed * 31u + i);
    br_ssl_engine_inject_entropy(&s->sc.eng, ent, sizeof ent);
    s->sc.eng.rng_os_rand_done = 1; /* deterministic: no OS entropy on the test server either */
    CHECK(br_ssl_server_reset(&s->sc));
}

/* The server with the RSA-2048 fixture (ECDHE_RSA suites). */
static void tt_srv_start_rsa(tt_net *n, uint64_t seed) {
    tt_srv *s = &n->s;
    br_pem_decoder_context pc;
    kvs__crypto_sink sink;
    uint8_t ent[32];
    size_t i;
    CHECK_EQ(kvs__crypto_cert_load(&s->leaf, &pc, (const uint8_t *)kvs_tls_fx_rsa_leaf_pem,
                                   tt_strlen(kvs_tls_fx_rsa_leaf_pem)),
             KVS_OK);
    memset(&sink, 0, sizeof sink);
    br_skey_decoder_init(&s->rsa);
    sink.sk = &s->rsa;
    CHECK_EQ(kvs__crypto_pem_find(&pc, (const uint8_t *)kvs_tls_fx_rsa_leaf_key_pem,
                                  tt_strlen(kvs_tls_fx_rsa_leaf_key_pem), KVS__CRYPTO_PEM_KEY,
                                  &sink),
             KVS_OK);
    CHECK(br_skey_decoder_get_rsa(&s->rsa) != NULL);
    s->chain[0].data = s->leaf.der;
    s->chain[0].data_len = s->leaf.der_len;
    br_ssl_server_init_full_rsa(&s->sc, s->chain, 1, br_skey_decoder_get_rsa(&s->rsa));
    br_ssl_engine_set_buffer(&s->sc.eng, s->buf, sizeof s->buf, 1);
    for (i = 0; i < sizeof ent; i++)
        ent[i] = (uint8_t)(seed * 17u + i);
    br_ssl_engine_inject_entropy(&s->sc.eng, ent, sizeof ent);
    s->sc.eng.rng_os_rand_done = 1;
    CHECK(br_ssl_server_reset(&s->sc));
}

static kvs_result tt_start(tt_net *n) {
    return kvs__tls_init(&n->t, &n->cfg, &n->env.rng, &n->env.log, &n->env.mem);
}

static void tt_free(tt_net *n) {
    kvs__tls_deinit(&n->t);
    kvs__tls_anchors_free(&n->anchors);
    CHECK_EQ(n->env.mem.st.current, 0);
    free(n);
}

/* Move bytes until nothing moves: client output -> server, server output -> client. Application
   data is left where it is (the tests read it). Returns the number of rounds that moved bytes. */
static int tt_pump(tt_net *n) {
    br_ssl_engine_context *se = &n->s.sc.eng;
    int rounds = 0, moved, guard;
    for (guard = 0; guard < 10000; guard++) {
        size_t len, k, used;
        unsigned char *b;
        moved = 0;
        /* client -> queue */
        while (n->c2s_len < TT_Q &&
               kvs__tls_output(&n->t, n->c2s + n->c2s_len, TT_Q - n->c2s_len, &len) == KVS_OK) {
            n->c2s_len += len;
            n->c_out_calls++;
            moved = 1;
        }
        /* queue -> server */
        while (n->c2s_len && (b = br_ssl_engine_recvrec_buf(se, &k)) != NULL && k) {
            k = KVS__MIN(k, n->c2s_len);
            memcpy(b, n->c2s, k);
            br_ssl_engine_recvrec_ack(se, k);
            memmove(n->c2s, n->c2s + k, n->c2s_len - k);
            n->c2s_len -= k;
            moved = 1;
        }
        /* server -> queue */
        while (n->s2c_len < TT_Q && (b = br_ssl_engine_sendrec_buf(se, &k)) != NULL && k) {
            k = KVS__MIN(k, TT_Q - n->s2c_len);
            memcpy(n->s2c + n->s2c_len, b, k);
            br_ssl_engine_sendrec_ack(se, k);
            n->s2c_len += k;
            moved = 1;
        }
        /* queue -> client */
        while (n->s2c_len) {
            k = n->chunk ? KVS__MIN(n->chunk, n->s2c_len) : n->s2c_len;
            if (kvs__tls_input(&n->t, n->s2c, k, &used) != KVS_OK || used == 0)
                break;
            memmove(n->s2c, n->s2c + used, n->s2c_len - used);
            n->s2c_len -= used;
            moved = 1;
        }
        if (!moved)
            break;
        rounds++;
    }
    return rounds;
}

static int tt_srv_open(tt_net *n) {
    return (br_ssl_engine_current_state(&n->s.sc.eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) != 0;
}

/* Handshake: start, pump, and report the client state. */
static int tt_handshake(tt_net *n) {
    CHECK_EQ(tt_start(n), KVS_OK);
    CHECK_EQ(n->t.state, KVS__TLS_ST_HANDSHAKE);
    tt_pump(n);
    return n->t.state;
}

/* Read everything the server has received, into out (at most cap); returns the count. */
static size_t tt_srv_read(tt_net *n, uint8_t *out, size_t cap) {
    size_t got = 0, k;
    unsigned char *b;
    while (got < cap && (b = br_ssl_engine_recvapp_buf(&n->s.sc.eng, &k)) != NULL && k) {
        k = KVS__MIN(k, cap - got);
        memcpy(out + got, b, k);
        br_ssl_engine_recvapp_ack(&n->s.sc.eng, k);
        got += k;
    }
    return got;
}

/* Send len bytes client -> server and server -> client at once, in pieces of at most piece
   bytes, pumping in between; returns 1 when both sides received exactly what was sent. */
static int tt_exchange(tt_net *n, size_t len, size_t piece) {
    uint8_t *c_data = (uint8_t *)malloc(len), *s_data = (uint8_t *)malloc(len);
    uint8_t *c_got = (uint8_t *)malloc(len + 1), *s_got = (uint8_t *)malloc(len + 1);
    size_t c_sent = 0, s_sent = 0, c_recv = 0, s_recv = 0, i, used, k;
    int ok, idle = 0;
    for (i = 0; i < len; i++) {
        c_data[i] = (uint8_t)(i * 13 + 1);
        s_data[i] = (uint8_t)(i * 29 + 7);
    }
    while ((c_sent < len || s_sent < len || c_recv < len || s_recv < len) && idle < 50) {
        size_t before = c_sent + s_sent + c_recv + s_recv;
        unsigned char *b;
        if (c_sent < len &&
            kvs__tls_write(&n->t, c_data + c_sent, KVS__MIN(piece, len - c_sent), &used) == KVS_OK)
            c_sent += used;
        while (s_sent < len && (b = br_ssl_engine_sendapp_buf(&n->s.sc.eng, &k)) != NULL && k) {
            k = KVS__MIN(KVS__MIN(k, piece), len - s_sent);
            memcpy(b, s_data + s_sent, k);
            br_ssl_engine_sendapp_ack(&n->s.sc.eng, k);
            br_ssl_engine_flush(&n->s.sc.eng, 0);
            s_sent += k;
        }
        tt_pump(n);
        s_recv += tt_srv_read(n, s_got + s_recv, len + 1 - s_recv);
        while (kvs__tls_read(&n->t, c_got + c_recv, len + 1 - c_recv, &k) == KVS_OK)
            c_recv += k;
        tt_pump(n);
        idle = (c_sent + s_sent + c_recv + s_recv == before) ? idle + 1 : 0;
    }
    ok = c_sent == len && s_sent == len && s_recv == len && c_recv == len &&
         memcmp(s_got, c_data, len) == 0 && memcmp(c_got, s_data, len) == 0;
    if (!ok)
        printf("    exchange of %lu in %lu: sent %lu/%lu, received %lu/%lu\n", (unsigned long)len,
               (unsigned long)piece, (unsigned long)c_sent, (unsigned long)s_sent,
               (unsigned long)s_recv, (unsigned long)c_recv);
    free(c_data);
    free(s_data);
    free(c_got);
    free(s_got);
    return ok;
}

static void test_tls_handshake_chain(void) {
    tt_net *n = tt_new(11, kvs_tls_fx_root_pem, "server.kvs.test");
    size_t anchors_mem = n->env.mem.st.current, len, used;
    uint8_t buf[64];
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 11);
    CHECK_EQ(tt_start(n), KVS_OK);
    /* the engine block is the documented size, taken from the accountant */
    CHECK_EQ(n->env.mem.st.current - anchors_mem, kvs__tls_memory_size(&n->cfg));
    /* nothing can be written or read before the handshake */
    CHECK_EQ(kvs__tls_write(&n->t, "early", 5, &used), KVS_ERR_AGAIN);
    CHECK_EQ(used, 0);
    CHECK_EQ(kvs__tls_read(&n->t, buf, sizeof buf, &len), KVS_ERR_AGAIN);
    CHECK(kvs__tls_pending(&n->t) > 0); /* the ClientHello */
    tt_pump(n);
    CHECK_EQ(n->t.state, KVS__TLS_ST_OPEN);
    CHECK(tt_srv_open(n));
    CHECK_EQ(n->t.suite, BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    CHECK_EQ(n->t.alpn, 0);
    CHECK_EQ(n->env.log.last_item, KVS_LOG_NONE); /* no warning on the way */
    /* SNI reached the server */
    CHECK_STR(br_ssl_engine_get_server_name(&n->s.sc.eng), "server.kvs.test");
    CHECK_EQ(n->s.sc.eng.session.version, BR_TLS12);
    /* application data both ways: small, then large pieces split into several records */
    CHECK(tt_exchange(n, 5, 5));
    CHECK(tt_exchange(n, 100000, 30000));
    CHECK(tt_exchange(n, 3000, 1));
    /* close_notify from us: CLOSING, then CLOSED once the server answers */
    kvs__tls_close(&n->t);
    CHECK_EQ(n->t.state, KVS__TLS_ST_CLOSING);
    CHECK_EQ(kvs__tls_write(&n->t, "x", 1, &used), KVS_ERR_CLOSED);
    tt_pump(n);
    CHECK_EQ(n->t.state, KVS__TLS_ST_CLOSED);
    CHECK_EQ(n->t.error, KVS_ERR_CLOSED);
    CHECK(br_ssl_engine_current_state(&n->s.sc.eng) & BR_SSL_CLOSED);
    CHECK_EQ(br_ssl_engine_last_error(&n->s.sc.eng), BR_ERR_OK);
    CHECK_EQ(kvs__tls_read(&n->t, buf, sizeof buf, &len), KVS_ERR_CLOSED);
    CHECK_EQ(kvs__tls_input(&n->t, "x", 1, &used), KVS_ERR_CLOSED);
    CHECK_EQ(n->env.log.last_item, KVS_LOG_NONE);
    tt_free(n);
}

static void test_tls_server_closes(void) {
    tt_net *n = tt_new(12, kvs_tls_fx_root_pem, "server.kvs.test");
    uint8_t buf[64];
    size_t len;
    unsigned char *b;
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 12);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    /* the server sends data, then close_notify: the data is read first, then CLOSED */
    b = br_ssl_engine_sendapp_buf(&n->s.sc.eng, &len);
    CHECK(b != NULL && len >= 5);
    memcpy(b, "bye!\n", 5);
    br_ssl_engine_sendapp_ack(&n->s.sc.eng, 5);
    br_ssl_engine_close(&n->s.sc.eng);
    tt_pump(n);
    CHECK_EQ(kvs__tls_read(&n->t, buf, sizeof buf, &len), KVS_OK);
    CHECK_EQ(len, 5);
    CHECK_MEM(buf, "bye!\n", 5);
    tt_pump(n); /* now the close_notify is read, ours goes back */
    CHECK_EQ(n->t.state, KVS__TLS_ST_CLOSED);
    CHECK_EQ(kvs__tls_read(&n->t, buf, sizeof buf, &len), KVS_ERR_CLOSED);
    CHECK(br_ssl_engine_current_state(&n->s.sc.eng) & BR_SSL_CLOSED);
    CHECK_EQ(br_ssl_engine_last_error(&n->s.sc.eng), BR_ERR_OK);
    tt_free(n);
}

/* One verification case: the server presents leaf_pem (with the intermediate when
   with_inter) to a client trusting anchors_pem and connecting to host at time t; want_item is
   KVS_LOG_NONE for success, else the failure's item (result KVS_ERR_AUTH). */
static void tt_verify(const char *what, const char *anchors_pem, const char *leaf_pem,
                      int with_inter, const char *host, int64_t t, int want_item) {
    tt_net *n = tt_new(13, anchors_pem, host);
    int st;
    n->cfg.unix_time = t;
    tt_srv_start(n, leaf_pem, with_inter, NULL, 0, 0, 13);
    st = tt_handshake(n);
    if (want_item == KVS_LOG_NONE) {
        if (st != KVS__TLS_ST_OPEN)
            printf("    %s: state %d, item %s\n", what, st, kvs_log_item_name(n->t.item));
        CHECK_EQ(st, KVS__TLS_ST_OPEN);
        CHECK(tt_exchange(n, 10, 10));
    } else {
        if (st != KVS__TLS_ST_FAILED || n->t.item != want_item)
            printf("    %s: state %d, item %s, want %s\n", what, st, kvs_log_item_name(n->t.item),
                   kvs_log_item_name(want_item));
        CHECK_EQ(st, KVS__TLS_ST_FAILED);
        CHECK_EQ(n->t.error, KVS_ERR_AUTH);
        CHECK_EQ(n->t.item, want_item);
        CHECK_EQ(n->env.log.last_item, want_item);
        CHECK(!tt_srv_open(n));
        /* the server got our fatal alert */
        CHECK(br_ssl_engine_current_state(&n->s.sc.eng) & BR_SSL_CLOSED);
        CHECK_EQ(br_ssl_engine_last_error(&n->s.sc.eng),
                 BR_ERR_RECV_FATAL_ALERT + (want_item == KVS_LOG_TLS_UNKNOWN_CA ? 48
                                            : want_item == KVS_LOG_TLS_EXPIRED  ? 45
                                                                                : 42));
    }
    tt_free(n);
}

static void test_tls_host_name_checks(void) {
    const char *root = kvs_tls_fx_root_pem, *leaf = kvs_tls_fx_leaf_pem;
    tt_verify("exact", root, leaf, 1, "server.kvs.test", TT_T2025, KVS_LOG_NONE);
    tt_verify("upper case", root, leaf, 1, "SERVER.Kvs.Test", TT_T2025, KVS_LOG_NONE);
    tt_verify("trailing dot", root, leaf, 1, "server.kvs.test.", TT_T2025, KVS_LOG_NONE);
    tt_verify("wrong host", root, leaf, 1, "other.kvs.test", TT_T2025, KVS_LOG_TLS_BAD_HOSTNAME);
    tt_verify("suffix", root, leaf, 1, "kvs.test", TT_T2025, KVS_LOG_TLS_BAD_HOSTNAME);
    tt_verify("prefix", root, leaf, 1, "xserver.kvs.test", TT_T2025, KVS_LOG_TLS_BAD_HOSTNAME);
    tt_verify("longer", root, leaf, 1, "server.kvs.test.example", TT_T2025,
              KVS_LOG_TLS_BAD_HOSTNAME);
    /* *.wild.kvs.test: one whole leftmost label */
    tt_verify("wildcard", root, leaf, 1, "a.wild.kvs.test", TT_T2025, KVS_LOG_NONE);
    tt_verify("wildcard, long label", root, leaf, 1, "abc-def_9.wild.kvs.test", TT_T2025,
              KVS_LOG_NONE);
    tt_verify("wildcard, two labels", root, leaf, 1, "a.b.wild.kvs.test", TT_T2025,
              KVS_LOG_TLS_BAD_HOSTNAME);
    tt_verify("wildcard, no label", root, leaf, 1, "wild.kvs.test", TT_T2025,
              KVS_LOG_TLS_BAD_HOSTNAME);
    /* no subjectAltName: the CN is the name; with a subjectAltName the CN is ignored */
    tt_verify("CN only", root, kvs_tls_fx_leaf_cn_pem, 1, "legacy.kvs.test", TT_T2025,
              KVS_LOG_NONE);
    tt_verify("CN only, other host", root, kvs_tls_fx_leaf_cn_pem, 1, "server.kvs.test", TT_T2025,
              KVS_LOG_TLS_BAD_HOSTNAME);
    tt_verify("SAN beside CN", root, kvs_tls_fx_leaf_san_pem, 1, "san.kvs.test", TT_T2025,
              KVS_LOG_NONE);
    tt_verify("CN beside SAN", root, kvs_tls_fx_leaf_san_pem, 1, "cn.kvs.test", TT_T2025,
              KVS_LOG_TLS_BAD_HOSTNAME);
}

static void test_tls_hostname_log(void) {
    tt_net *n = tt_new(14, kvs_tls_fx_root_pem, "other.kvs.test");
    n->env.pf.log = kvs_tp_log;
    kvs__log_init(&n->env.log, &n->env.pf, &n->env.guard, KVS_LOG_DEBUG);
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 14);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_FAILED);
    CHECK_EQ(n->env.tp.last_item, KVS_LOG_TLS_BAD_HOSTNAME);
    CHECK(strstr(n->env.tp.last_msg, "host other.kvs.test") != NULL);
    CHECK(strstr(n->env.tp.last_msg, "CN 'kvs test server'") != NULL);
    CHECK(strstr(n->env.tp.last_msg, "DNS name 'server.kvs.test'") != NULL);
    tt_free(n);
}

static void test_tls_validity(void) {
    const char *root = kvs_tls_fx_root_pem;
    /* leaf: 2024-01-01 .. 2044-01-01; leaf_expired: 2020-01-01 .. 2021-01-01 */
    tt_verify("expired", root, kvs_tls_fx_leaf_expired_pem, 1, "server.kvs.test", TT_T2025,
              KVS_LOG_TLS_EXPIRED);
    /* in 2020 the leaf was valid, but not yet its intermediate */
    tt_verify("expired leaf in its time", root, kvs_tls_fx_leaf_expired_pem, 1, "server.kvs.test",
              (int64_t)1593561600 /* 2020-07-01 */, KVS_LOG_TLS_EXPIRED);
    tt_verify("not yet valid", root, kvs_tls_fx_leaf_pem, 1, "server.kvs.test",
              (int64_t)1703980800 /* 2023-12-31 */, KVS_LOG_TLS_EXPIRED);
    tt_verify("first second", root, kvs_tls_fx_leaf_pem, 1, "server.kvs.test",
              (int64_t)1704067200 /* 2024-01-01T00:00:00Z */, KVS_LOG_NONE);
    tt_verify("one second early", root, kvs_tls_fx_leaf_pem, 1, "server.kvs.test",
              (int64_t)1704067199, KVS_LOG_TLS_EXPIRED);
    tt_verify("past the end", root, kvs_tls_fx_leaf_pem, 1, "server.kvs.test",
              (int64_t)2335219201 /* 2044-01-01T00:00:01Z */, KVS_LOG_TLS_EXPIRED);
    /* the order of the checks: an expired certificate for the wrong host says "expired" */
    tt_verify("expired and wrong host", root, kvs_tls_fx_leaf_expired_pem, 1, "other.kvs.test",
              TT_T2025, KVS_LOG_TLS_EXPIRED);
}

static void test_tls_trust(void) {
    const char *leaf = kvs_tls_fx_leaf_pem;
    static char both[4096];
    /* a server certificate from a CA we do not trust */
    tt_verify("unknown CA", kvs_tls_fx_root_pem, kvs_tls_fx_other_leaf_pem, 0, "server.kvs.test",
              TT_T2025, KVS_LOG_TLS_UNKNOWN_CA);
    tt_verify("other root only", kvs_tls_fx_other_root_pem, leaf, 1, "server.kvs.test", TT_T2025,
              KVS_LOG_TLS_UNKNOWN_CA);
    /* the server forgets its intermediate */
    tt_verify("chain without intermediate", kvs_tls_fx_root_pem, leaf, 0, "server.kvs.test",
              TT_T2025, KVS_LOG_TLS_UNKNOWN_CA);
    /* the intermediate as anchor, with or without being sent */
    tt_verify("intermediate anchor", kvs_tls_fx_inter_pem, leaf, 1, "server.kvs.test", TT_T2025,
              KVS_LOG_NONE);
    tt_verify("intermediate anchor, leaf alone", kvs_tls_fx_inter_pem, leaf, 0, "server.kvs.test",
              TT_T2025, KVS_LOG_NONE);
    /* one of several anchors */
    snprintf(both, sizeof both, "%s%s", kvs_tls_fx_other_root_pem, kvs_tls_fx_root_pem);
    tt_verify("second anchor", both, leaf, 1, "server.kvs.test", TT_T2025, KVS_LOG_NONE);
    tt_verify("second anchor, unknown CA", both, kvs_tls_fx_leaf_pem, 0, "server.kvs.test",
              TT_T2025, KVS_LOG_TLS_UNKNOWN_CA);
    /* a pinned server certificate (not a CA): trusted directly, the name still checked */
    tt_verify("pinned leaf", leaf, leaf, 0, "server.kvs.test", TT_T2025, KVS_LOG_NONE);
    tt_verify("pinned leaf, wrong host", leaf, leaf, 0, "other.kvs.test", TT_T2025,
              KVS_LOG_TLS_BAD_HOSTNAME);
    tt_verify("pinned leaf, another server", kvs_tls_fx_leaf_cn_pem, leaf, 0, "server.kvs.test",
              TT_T2025, KVS_LOG_TLS_UNKNOWN_CA);
}

static void test_tls_suites(void) {
    static const uint16_t chacha[] = {BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256};
    static const uint16_t aes256[] = {BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384};
    static const uint16_t cbc[] = {BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
                                   BR_TLS_ECDHE_ECDSA_WITH_AES_128_CCM};
    tt_net *n;
    n = tt_new(15, kvs_tls_fx_root_pem, "server.kvs.test");
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, chacha, 1, 0, 15);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    CHECK_EQ(n->t.suite, BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
    CHECK(tt_exchange(n, 20000, 7000));
    tt_free(n);
    n = tt_new(16, kvs_tls_fx_root_pem, "server.kvs.test");
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, aes256, 1, 0, 16);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    CHECK_EQ(n->t.suite, BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384);
    CHECK(tt_exchange(n, 20000, 7000));
    tt_free(n);
    /* nothing in common: the server's handshake_failure alert */
    n = tt_new(17, kvs_tls_fx_root_pem, "server.kvs.test");
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, cbc, 2, 0, 17);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_FAILED);
    CHECK_EQ(n->t.error, KVS_ERR_PROTOCOL);
    CHECK_EQ(n->t.item, KVS_LOG_TLS_PEER_ALERT);
    CHECK_EQ(n->t.br_err, BR_ERR_RECV_FATAL_ALERT + 40);
    tt_free(n);
}

static void test_tls_rsa_server(void) {
    /* an RSA server key under the ECDSA root: ECDHE_RSA, the ServerKeyExchange signed with
       RSA PKCS#1 v1.5 */
    tt_net *n = tt_new(36, kvs_tls_fx_root_pem, "server.kvs.test");
    tt_srv_start_rsa(n, 36);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    CHECK_EQ(n->t.suite, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    CHECK(tt_exchange(n, 30000, 10000));
    tt_free(n);
    /* the same server for the wrong name */
    n = tt_new(37, kvs_tls_fx_root_pem, "other.kvs.test");
    tt_srv_start_rsa(n, 37);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_FAILED);
    CHECK_EQ(n->t.item, KVS_LOG_TLS_BAD_HOSTNAME);
    tt_free(n);
}

static void test_tls_alpn(void) {
    tt_net *n = tt_new(18, kvs_tls_fx_root_pem, "server.kvs.test");
    n->cfg.alpn_http11 = 1;
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 1, 18);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    CHECK_EQ(n->t.alpn, 1);
    CHECK_STR(br_ssl_engine_get_selected_protocol(&n->s.sc.eng), "http/1.1");
    tt_free(n);
    /* a server without ALPN is accepted */
    n = tt_new(19, kvs_tls_fx_root_pem, "server.kvs.test");
    n->cfg.alpn_http11 = 1;
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 19);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    CHECK_EQ(n->t.alpn, 0);
    tt_free(n);
}

static void test_tls_buffers(void) {
    static const size_t recs[] = {512, 1024, 2048, 16384};
    tt_net *n;
    size_t i, used;
    /* half duplex: one 16709-byte buffer; a request, then its response */
    n = tt_new(20, kvs_tls_fx_root_pem, "server.kvs.test");
    n->cfg.half_duplex = 1;
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 20);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    CHECK(tt_exchange(n, 50000, 9000));
    tt_free(n);
    /* smaller and larger records we send */
    for (i = 0; i < KVS__ARRAY_LEN(recs); i++) {
        n = tt_new(21 + i, kvs_tls_fx_root_pem, "server.kvs.test");
        n->cfg.out_record = recs[i];
        tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 21 + i);
        CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
        /* one write takes at most one record of plaintext */
        CHECK_EQ(kvs__tls_write(&n->t, n->c2s, 20000, &used), KVS_OK);
        CHECK_EQ(used, recs[i]);
        CHECK(kvs__tls_pending(&n->t) <= recs[i] + 85);
        CHECK(kvs__tls_pending(&n->t) >= recs[i] + 29); /* header + explicit nonce + tag */
        tt_pump(n);
        CHECK_EQ(tt_srv_read(n, n->s2c, recs[i] + 1), recs[i]);
        CHECK(tt_exchange(n, 40000, 40000));
        tt_free(n);
    }
}

static void test_tls_no_renegotiation(void) {
    tt_net *n = tt_new(34, kvs_tls_fx_root_pem, "server.kvs.test");
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 34);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    /* the server asks for a new handshake: we say no_renegotiation (a warning; BearSSL's
       server takes it as fatal) and stay open */
    CHECK(br_ssl_engine_renegotiate(&n->s.sc.eng));
    tt_pump(n);
    CHECK_EQ(n->t.state, KVS__TLS_ST_OPEN);
    CHECK_EQ(br_ssl_engine_last_error(&n->s.sc.eng), BR_ERR_RECV_FATAL_ALERT + 100);
    tt_free(n);
}

static void test_tls_byte_at_a_time(void) {
    static const size_t chunks[] = {1, 2, 5, 7, 100, 1499};
    size_t i;
    for (i = 0; i < KVS__ARRAY_LEN(chunks); i++) {
        tt_net *n = tt_new(30 + i, kvs_tls_fx_root_pem, "server.kvs.test");
        n->chunk = chunks[i];
        tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 30 + i);
        CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
        CHECK(tt_exchange(n, 5000, 5000));
        kvs__tls_close(&n->t);
        tt_pump(n);
        CHECK_EQ(n->t.state, KVS__TLS_ST_CLOSED);
        tt_free(n);
    }
}

static void test_tls_input_waits_for_reader(void) {
    tt_net *n = tt_new(31, kvs_tls_fx_root_pem, "server.kvs.test");
    uint8_t rec[2][512], buf[600];
    size_t len[2], used, got, total = 0;
    unsigned char *b;
    int i;
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 31);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    /* two records from the server, taken as they come out */
    for (i = 0; i < 2; i++) {
        b = br_ssl_engine_sendapp_buf(&n->s.sc.eng, &len[i]);
        memset(b, 'a' + i, 100);
        br_ssl_engine_sendapp_ack(&n->s.sc.eng, 100);
        br_ssl_engine_flush(&n->s.sc.eng, 0);
        b = br_ssl_engine_sendrec_buf(&n->s.sc.eng, &len[i]);
        CHECK(len[i] <= sizeof rec[i]);
        memcpy(rec[i], b, len[i]);
        br_ssl_engine_sendrec_ack(&n->s.sc.eng, len[i]);
    }
    memcpy(buf, rec[0], len[0]);
    memcpy(buf + len[0], rec[1], len[1]);
    /* both at once: the first record is taken, the second waits until the first is read */
    CHECK_EQ(kvs__tls_input(&n->t, buf, len[0] + len[1], &used), KVS_OK);
    CHECK_EQ(used, len[0]);
    CHECK_EQ(kvs__tls_input(&n->t, buf + used, len[1], &got), KVS_ERR_AGAIN);
    CHECK_EQ(got, 0);
    CHECK_EQ(kvs__tls_read(&n->t, rec[0], 60, &got), KVS_OK); /* a partial read */
    CHECK_EQ(got, 60);
    total += got;
    CHECK_EQ(kvs__tls_read(&n->t, rec[0], sizeof rec[0], &got), KVS_OK);
    total += got;
    CHECK_EQ(total, 100);
    CHECK_EQ(kvs__tls_input(&n->t, buf + used, len[1], &got), KVS_OK);
    CHECK_EQ(got, len[1]);
    CHECK_EQ(kvs__tls_read(&n->t, rec[0], sizeof rec[0], &got), KVS_OK);
    CHECK_EQ(got, 100);
    CHECK_EQ(rec[0][99], 'b');
    tt_free(n);
}

static void test_tls_garbage_from_server(void) {
    tt_net *n = tt_new(32, kvs_tls_fx_root_pem, "server.kvs.test");
    uint8_t junk[300], out[2048];
    size_t used, len;
    int i;
    for (i = 0; i < (int)sizeof junk; i++)
        junk[i] = (uint8_t)(i * 11 + 5);
    CHECK_EQ(tt_start(n), KVS_OK);
    CHECK_EQ(kvs__tls_output(&n->t, out, sizeof out, &len), KVS_OK);
    CHECK(len > 100 && out[0] == 22); /* a handshake record: the ClientHello */
    CHECK_EQ(kvs__tls_input(&n->t, junk, sizeof junk, &used), KVS_ERR_PROTOCOL);
    CHECK_EQ(n->t.state, KVS__TLS_ST_FAILED);
    CHECK_EQ(n->t.item, KVS_LOG_TLS_FAILED);
    CHECK_EQ(kvs__tls_write(&n->t, "x", 1, &used), KVS_ERR_PROTOCOL);
    CHECK_EQ(kvs__tls_read(&n->t, out, sizeof out, &len), KVS_ERR_PROTOCOL);
    kvs__tls_close(&n->t); /* harmless */
    CHECK_EQ(n->t.state, KVS__TLS_ST_FAILED);
    tt_free(n);
    /* a plausible record header announcing a record larger than TLS allows */
    n = tt_new(33, kvs_tls_fx_root_pem, "server.kvs.test");
    CHECK_EQ(tt_start(n), KVS_OK);
    junk[0] = 22;
    junk[1] = 3;
    junk[2] = 3;
    junk[3] = 0xff;
    junk[4] = 0xff;
    (void)kvs__tls_input(&n->t, junk, 5, &used);
    CHECK_EQ(n->t.state, KVS__TLS_ST_FAILED);
    CHECK_EQ(n->t.error, KVS_ERR_PROTOCOL);
    tt_free(n);
}

/* Same seeds, same bytes: the client draws randomness from the platform only and reads no
   clock (its ClientHello and the whole handshake repeat exactly). */
static void test_tls_deterministic(void) {
    static uint8_t first[3][1024];
    size_t len[3];
    uint64_t seeds[3] = {40, 40, 41};
    int i;
    for (i = 0; i < 3; i++) {
        tt_net *n = tt_new(seeds[i], kvs_tls_fx_root_pem, "server.kvs.test");
        CHECK_EQ(tt_start(n), KVS_OK);
        CHECK_EQ(kvs__tls_output(&n->t, first[i], sizeof first[i], &len[i]), KVS_OK);
        tt_free(n);
    }
    CHECK_EQ(len[0], len[1]);
    CHECK_MEM(first[0], first[1], len[0]);
    CHECK(len[0] != len[2] || memcmp(first[0], first[2], len[0]) != 0);
}

/* The ClientHello offers what the banner says: TLS 1.2, our six suites in order, SNI, and ALPN
   only on request. */
static void test_tls_client_hello(void) {
    static const uint16_t want[] = {0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030};
    int alpn;
    for (alpn = 0; alpn < 2; alpn++) {
        tt_net *n = tt_new(42, kvs_tls_fx_root_pem, "server.kvs.test");
        uint8_t ch[2048];
        size_t len, i, nsuites;
        kvs__rd r, ext;
        int sni = 0, have_alpn = 0;
        n->cfg.alpn_http11 = alpn;
        CHECK_EQ(tt_start(n), KVS_OK);
        CHECK_EQ(kvs__tls_output(&n->t, ch, sizeof ch, &len), KVS_OK);
        kvs__rd_init(&r, ch, len);
        CHECK_EQ(kvs__rd_u8(&r), 22);      /* handshake record */
        kvs__rd_skip(&r, 4);               /* version, length */
        CHECK_EQ(kvs__rd_u8(&r), 1);       /* ClientHello */
        kvs__rd_skip(&r, 3);               /* length */
        CHECK_EQ(kvs__rd_u16(&r), 0x0303); /* TLS 1.2 */
        kvs__rd_skip(&r, 32);              /* random */
        kvs__rd_skip(&r, kvs__rd_u8(&r));  /* session id */
        nsuites = kvs__rd_u16(&r) / 2u;
        CHECK_EQ(nsuites, 6);
        for (i = 0; i < nsuites && i < 6; i++)
            CHECK_EQ(kvs__rd_u16(&r), want[i]);
        kvs__rd_skip(&r, kvs__rd_u8(&r)); /* compression */
        ext = kvs__rd_sub(&r, kvs__rd_u16(&r));
        while (kvs__rd_left(&ext) >= 4) {
            uint16_t type = kvs__rd_u16(&ext);
            kvs__rd body = kvs__rd_sub(&ext, kvs__rd_u16(&ext));
            if (type == 0) {
                kvs__rd_skip(&body, 3); /* list length, name type */
                CHECK_EQ(kvs__rd_u16(&body), 15);
                CHECK(kvs__rd_left(&body) == 15 && memcmp(body.p, "server.kvs.test", 15) == 0);
                sni = 1;
            }
            if (type == 16)
                have_alpn = kvs__rd_left(&body) == 11 && memcmp(body.p + 3, "http/1.1", 8) == 0;
        }
        CHECK(kvs__rd_ok(&r));
        CHECK(sni);
        CHECK_EQ(have_alpn, alpn);
        tt_free(n);
    }
}

static void test_tls_alloc_failure_in_handshake(void) {
    /* the anchors are parsed, then every allocation of init fails in turn */
    tt_net *n = tt_new(50, kvs_tls_fx_root_pem, "server.kvs.test");
    size_t base = n->env.mem.st.current;
    n->env.mem.fail_after = 1;
    CHECK_EQ(tt_start(n), KVS_ERR_NO_MEMORY);
    CHECK_EQ(n->t.state, KVS__TLS_ST_FAILED);
    CHECK_EQ(n->env.mem.st.current, base);
    kvs__tls_deinit(&n->t);
    n->env.mem.fail_after = 0;
    tt_srv_start(n, kvs_tls_fx_leaf_pem, 1, NULL, 0, 0, 50);
    CHECK_EQ(tt_handshake(n), KVS__TLS_ST_OPEN);
    /* the handshake allocated nothing more: the engine block is all */
    CHECK_EQ(n->env.mem.st.current, base + kvs__tls_memory_size(&n->cfg));
    CHECK_EQ(n->env.mem.st.peak, n->env.mem.st.current);
    tt_free(n);
}

static const kvs_test_case kvs_tests_tls[] = {
    {"anchors_good", test_tls_anchors_good},
    {"anchors_der", test_tls_anchors_der},
    {"anchors_garbage", test_tls_anchors_garbage},
    {"anchors_too_many", test_tls_anchors_too_many},
    {"anchors_truncated", test_tls_anchors_truncated},
    {"anchors_alloc_failure", test_tls_anchors_alloc_failure},
    {"host_names", test_tls_host_names},
    {"config", test_tls_config},
    {"handshake_chain", test_tls_handshake_chain},
    {"server_closes", test_tls_server_closes},
    {"host_name_checks", test_tls_host_name_checks},
    {"hostname_log", test_tls_hostname_log},
    {"validity", test_tls_validity},
    {"trust", test_tls_trust},
    {"suites", test_tls_suites},
    {"rsa_server", test_tls_rsa_server},
    {"alpn", test_tls_alpn},
    {"buffers", test_tls_buffers},
    {"no_renegotiation", test_tls_no_renegotiation},
    {"byte_at_a_time", test_tls_byte_at_a_time},
    {"input_waits_for_reader", test_tls_input_waits_for_reader},
    {"garbage_from_server", test_tls_garbage_from_server},
    {"deterministic", test_tls_deterministic},
    {"client_hello", test_tls_client_hello},
    {"alloc_failure_in_handshake", test_tls_alloc_failure_in_handshake},
};
