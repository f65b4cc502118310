/* >>dtls: record protection against OpenSSL, byte for byte. Two application-data records that
   OpenSSL 3.0 sealed in real sessions with kvswebrtc (tests/vectors/dtls/openssl_record.txt and
   SOURCE.openssl-record: one from s_server, one from s_client), with the master secret from
   OpenSSL's key log and the session's randoms. From those alone the tests derive the key block
   with the engine's PRF, check it and the exporter against what OpenSSL computed, open each record
   through kvs__dtls_input, seal the same plaintext again and get OpenSSL's bytes back, and check
   that any flipped bit is refused. The records carry OpenSSL's own explicit nonces (a random start,
   not epoch + sequence number), so this also shows that the nonce is taken from the record.
   Included after test_dtls.c. */

typedef struct dr_vec {
    const char *name;
    int from_server; /* 1: OpenSSL was the server (sealed with the server write key) */
    const char *client_random, *server_random, *master_secret, *key_block, *keying_material;
    const char *record, *plaintext;
} dr_vec;

static const dr_vec dr_vectors[2] = {
    {"s2c", 1, "5f2fbaca980fdab8e889edd0c43e60ff299f58d5f6f57d6da01feb3e6aa5bff9",
     "b3423b4226712d09f7e1a1207358a49ef398327313bfc9cde1d040b9b575a829",
     "7e40422c903119a5b76da1c4fd5d1426971ca40551507eeec80306bad7d401f2"
     "6184bb85dbdabb172d43c6e88c85b7fd",
     "16814fa683024bbbedba2f8d29819c0dd66a9dc6b11b188dd79c26d610a39e26ebf96d3f07024757",
     "5fcc85a49a472ca9d640cddbad04279d4f3cc5577b0ebd4040aed882fffba6d777d95946ad5625f2"
     "f43633f3a58e93e13972a678fabbb00b36b7df12",
     "17fefd00010000000000010045235981e162c8a033d6885d254746e8a34b1a1c5d154c8da30dc07b"
     "041b65b7b896a938cfa0464fa4200fb1935d388feae949fe995a3911e302531c6896175d28a1ebec0782",
     "6f70656e73736c20735f73657276657220746f206b76737765627274633a207265636f726420766563"
     "746f720a"},
    {"c2s", 0, "6582621d9356446ce437778e6ec7440e4278da4b9232144b8259b0a782a2c530",
     "4f165bc2e38c53f1de14fb80eb7c23068eed88812f4ca04f51d1a3d9aad6caeb",
     "ae2e0f50049882ebb5ac25c023af30a165442736188a986d7d529f96b1f344a2"
     "0483d1ae822c59f7dbadfbc338aabbc2",
     "bda3631ff55ae3617a2816a94d3ba69f120d4cb03c4792149fe973a9885f90992a4bba3f84db10d6",
     "0458afed488545df251712c6ada7deb6e61954bfceb2bdeb6b4d2e4a5fa3bcc387dd8c73fb6d7c00"
     "8aee125460ffb0163d721e94f78253dfaae5199c",
     "17fefd00010000000000010045d07861f5fa49418e43f1a189b3a68fd3e67510d4c18f754266ce8858"
     "3505b804ccf2b6d1c36ce288054e179905f806a3781fcb6bee8a5b80194b1cacb820f9a6a95d9de55f",
     "6f70656e73736c20735f636c69656e7420746f206b76737765627274633a207265636f726420766563"
     "746f720a"},
};

/* The endpoint that receives OpenSSL's record, and what the application callback got. */
typedef struct dr_ep {
    kvs__dtls d;
    kvs__log log;
    uint8_t kb[40]; /* the key block we derived */
    unsigned app_count;
    uint8_t app[256];
    size_t app_len;
} dr_ep;

static void dr_app(void *ctx, const uint8_t *p, size_t n) {
    dr_ep *e = (dr_ep *)ctx;
    e->app_count++;
    e->app_len = n < sizeof e->app ? n : sizeof e->app;
    memcpy(e->app, p, e->app_len);
}

/* A connected endpoint of the other role than OpenSSL's, keyed from the master secret and the
   randoms alone by the engine's kvs__dtls_keys. e->kb keeps the key block (PRF(master, "key
   expansion", server_random + client_random)) to compare with OpenSSL's. */
static void dr_setup(dr_ep *e, const dr_vec *v) {
    kvs__dtls *d = &e->d;
    int client = v->from_server; /* OpenSSL was the server: we are the client */
    memset(e, 0, sizeof *e);
    kvs__log_init(&e->log, NULL, NULL, KVS_LOG_DEBUG);
    d->log = &e->log;
    d->cfg.role = client ? KVS__DTLS_CLIENT : KVS__DTLS_SERVER;
    d->cfg.mtu = 1200;
    d->state = KVS__DTLS_ST_CONNECTED;
    d->alert_pending = -1;
    d->ems = 1;
    d->suite = KVS__DTLS_SUITE_ECDSA;
    d->w_epoch = 1;
    CHECK_EQ(kvs_test_unhex(v->client_random, d->client_random, 32), 32);
    CHECK_EQ(kvs_test_unhex(v->server_random, d->server_random, 32), 32);
    CHECK_EQ(kvs_test_unhex(v->master_secret, d->master, 48), 48);
    kvs__crypto_prf(e->kb, 40, d->master, 48, "key expansion", d->server_random, 32,
                    d->client_random, 32);
    kvs__dtls_keys(d);
}

static void test_dtls_record_openssl_keys(void) {
    static dr_ep e;
    uint8_t want[60], out[60];
    size_t i;
    for (i = 0; i < 2; i++) {
        const dr_vec *v = &dr_vectors[i];
        dr_setup(&e, v);
        /* the key block as `openssl kdf TLS1-PRF` computed it from OpenSSL's master secret */
        CHECK_EQ(kvs_test_unhex(v->key_block, want, sizeof want), 40);
        CHECK_MEM(e.kb, want, 40);
        /* the DTLS-SRTP keying material OpenSSL printed (-keymatexport EXTRACTOR-dtls_srtp) */
        CHECK_EQ(kvs_test_unhex(v->keying_material, want, sizeof want), 60);
        CHECK_EQ(kvs__dtls_export(&e.d, "EXTRACTOR-dtls_srtp", out, 60), KVS_OK);
        CHECK_MEM(out, want, 60);
        kvs__dtls_deinit(&e.d);
    }
}

static void test_dtls_record_openssl_open(void) {
    static dr_ep e;
    uint8_t rec[128], copy[128], pt[64];
    size_t i, n, pn;
    for (i = 0; i < 2; i++) {
        const dr_vec *v = &dr_vectors[i];
        dr_setup(&e, v);
        n = kvs_test_unhex(v->record, rec, sizeof rec);
        pn = kvs_test_unhex(v->plaintext, pt, sizeof pt);
        CHECK_EQ(n, 13 + 8 + pn + 16);
        memcpy(copy, rec, n);
        CHECK_EQ(kvs__dtls_input(&e.d, copy, n, 0, dr_app, &e), KVS_OK);
        CHECK_EQ(e.app_count, 1);
        CHECK_EQ(e.app_len, pn);
        CHECK_MEM(e.app, pt, pn);
        CHECK_EQ(e.d.st.app_records_received, 1);
        CHECK_EQ(e.d.st.dropped_bad_mac + e.d.st.dropped_malformed + e.d.st.dropped_epoch, 0);
        CHECK_EQ(e.d.state, KVS__DTLS_ST_CONNECTED);
        /* the same record again is a replay */
        memcpy(copy, rec, n);
        CHECK_EQ(kvs__dtls_input(&e.d, copy, n, 0, dr_app, &e), KVS_OK);
        CHECK_EQ(e.app_count, 1);
        CHECK_EQ(e.d.st.dropped_replay, 1);
        kvs__dtls_deinit(&e.d);
    }
}

/* Sealing: the engine's nonce and additional-data layout with OpenSSL's explicit nonce and record
   number reproduce OpenSSL's ciphertext and tag exactly. */
static void test_dtls_record_openssl_seal(void) {
    static dr_ep e;
    uint8_t rec[128], pt[64], nonce[12], aad[13], tag[16];
    size_t i, n, pn;
    for (i = 0; i < 2; i++) {
        const dr_vec *v = &dr_vectors[i];
        kvs__crypto_gcm g;
        dr_setup(&e, v);
        n = kvs_test_unhex(v->record, rec, sizeof rec);
        pn = kvs_test_unhex(v->plaintext, pt, sizeof pt);
        /* OpenSSL's side sealed with its write key: the one we read with */
        kvs__crypto_gcm_init(&g, v->from_server ? e.kb + 16 : e.kb);
        kvs__dtls_nonce(nonce, e.d.r_iv, rec + 13);
        kvs__dtls_aad(aad, rec + 3, rec[0], pn);
        kvs__crypto_gcm_seal(&g, nonce, aad, 13, pt, pn, tag);
        CHECK_EQ(n, 13 + 8 + pn + 16);
        CHECK_MEM(pt, rec + 21, pn);
        CHECK_MEM(tag, rec + 21 + pn, 16);
        kvs__crypto_zero(&g, sizeof g);
        kvs__dtls_deinit(&e.d);
    }
}

/* Feed every single-bit variant of the record at positions [from, to) to a fresh endpoint;
   returns how many of them were delivered (printing the first), the endpoint's counters in e. */
static unsigned dr_flip_all(dr_ep *e, const dr_vec *v, const uint8_t *rec, size_t n, size_t from,
                            size_t to) {
    uint8_t copy[128];
    unsigned delivered = 0;
    size_t pos;
    int bit;
    dr_setup(e, v);
    for (pos = from; pos < to; pos++) {
        for (bit = 0; bit < 8; bit++) {
            unsigned before = e->app_count;
            memcpy(copy, rec, n);
            copy[pos] ^= (uint8_t)(1u << bit);
            (void)kvs__dtls_input(&e->d, copy, n, 0, dr_app, e);
            if (e->app_count != before && delivered++ == 0)
                printf("    %s: delivered with bit %d of byte %lu flipped\n", v->name, bit,
                       (unsigned long)pos);
        }
    }
    return delivered;
}

/* One flipped bit anywhere in the protected part (explicit nonce, ciphertext, tag), or in the
   type or the sequence number that the additional data covers: an authentication failure. */
static void test_dtls_record_openssl_tamper(void) {
    static dr_ep e;
    uint8_t rec[128], copy[128];
    size_t i, n;
    for (i = 0; i < 2; i++) {
        const dr_vec *v = &dr_vectors[i];
        n = kvs_test_unhex(v->record, rec, sizeof rec);
        CHECK_EQ(dr_flip_all(&e, v, rec, n, 13, n), 0);
        CHECK_EQ(e.d.st.dropped_bad_mac, 8 * (n - 13));
        CHECK_EQ(dr_flip_all(&e, v, rec, n, 5, 11), 0); /* the sequence number */
        CHECK_EQ(e.d.st.dropped_bad_mac, 8 * 6);
        /* the type: 23 becomes handshake (22) or alert (21), which the tag refutes, or a
           content type that does not exist */
        CHECK_EQ(dr_flip_all(&e, v, rec, n, 0, 1), 0);
        CHECK_EQ(e.d.st.dropped_bad_mac, 2);
        CHECK_EQ(e.d.st.dropped_malformed, 6);
        CHECK_EQ(e.d.state, KVS__DTLS_ST_CONNECTED);
        /* the genuine record still opens afterwards (nothing was marked as seen) */
        memcpy(copy, rec, n);
        CHECK_EQ(kvs__dtls_input(&e.d, copy, n, 0, dr_app, &e), KVS_OK);
        CHECK_EQ(e.app_count, 1);
        CHECK_MEM(e.app, "openssl s_", 10);
        kvs__dtls_deinit(&e.d);
    }
}

/* One flipped bit in the version, epoch or length of the header: never delivered either (OpenSSL
   drops a protected record whose version is not the negotiated one). */
static void test_dtls_record_openssl_tamper_header(void) {
    static dr_ep e;
    uint8_t rec[128];
    size_t i, n;
    for (i = 0; i < 2; i++) {
        const dr_vec *v = &dr_vectors[i];
        n = kvs_test_unhex(v->record, rec, sizeof rec);
        CHECK_EQ(dr_flip_all(&e, v, rec, n, 1, 5), 0);  /* version, epoch */
        CHECK_EQ(dr_flip_all(&e, v, rec, n, 11, 13), 0); /* length */
        CHECK_EQ(e.d.state, KVS__DTLS_ST_CONNECTED);
        kvs__dtls_deinit(&e.d);
    }
}

static const kvs_test_case kvs_tests_dtls_record[] = {
    {"openssl_keys", test_dtls_record_openssl_keys},
    {"openssl_open", test_dtls_record_openssl_open},
    {"openssl_seal", test_dtls_record_openssl_seal},
    {"openssl_tamper", test_dtls_record_openssl_tamper},
    {"openssl_tamper_header", test_dtls_record_openssl_tamper_header},
};
