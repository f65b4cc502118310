/* Tests of >>stun: RFC 5769 vectors (sample request, IPv4 and IPv6 responses, long-term
   authentication), malformed messages (lengths that lie, bad integrity, bad fingerprint,
   attributes after FINGERPRINT), the builder against the vectors, transaction timing. */

/* RFC 5769 2.2: Binding success, XOR-MAPPED-ADDRESS 192.0.2.1:32853, same credentials as 2.1 */
static const char *const kvs_test_rfc5769_v4 =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a1"
    "47e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
/* RFC 5769 2.3: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853 */
static const char *const kvs_test_rfc5769_v6 =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1"
    "470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180"
    "280004c8fb0b4c";
/* RFC 5769 2.4: request with long-term authentication (USERNAME in UTF-8, NONCE, REALM) */
static const char *const kvs_test_rfc5769_lt =
    "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b900"
    "000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d706c"
    "652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666";

#define STUN_PASS "VOkJxbRl1RmTxUk/WvJxBt"

static void test_stun_rfc5769_request(void) {
    uint8_t msg[128];
    kvs__stun_msg m;
    size_t n = kvs_test_unhex(kvs_test_rfc5769_req, msg, sizeof msg), len;
    const uint8_t *v;
    uint32_t pri;
    uint64_t tb;
    CHECK_EQ(n, 108);
    CHECK_EQ(kvs__stun_parse(msg, n, &m), KVS_OK);
    CHECK_EQ(m.method, KVS__STUN_BINDING);
    CHECK_EQ(m.cls, KVS__STUN_REQUEST);
    CHECK_MEM(m.txid, "\xb7\xe7\xa7\x01\xbc\x34\xd6\x86\xfa\x87\xdf\xae", 12);
    CHECK_EQ(m.nattrs, 6);
    v = kvs__stun_get(&m, KVS__STUN_A_SOFTWARE, &len);
    CHECK(v && len == 16 && memcmp(v, "STUN test client", 16) == 0);
    v = kvs__stun_get(&m, KVS__STUN_A_USERNAME, &len);
    CHECK(v && len == 9 && memcmp(v, "evtj:h6vY", 9) == 0);
    CHECK_EQ(kvs__stun_get_u32(&m, KVS__STUN_A_PRIORITY, &pri), KVS_OK);
    CHECK_EQ_U64(pri, 0x6e0001ffu);
    CHECK_EQ(kvs__stun_get_u64(&m, KVS__STUN_A_ICE_CONTROLLED, &tb), KVS_OK);
    CHECK_EQ_U64(tb, 0x932ff9b151263b36ull);
    CHECK(!kvs__stun_has(&m, KVS__STUN_A_ICE_CONTROLLING));
    CHECK_EQ(kvs__stun_check_integrity(&m, STUN_PASS, strlen(STUN_PASS)), KVS_OK);
    CHECK_EQ(kvs__stun_check_integrity(&m, "VOkJxbRl1RmTxUk/WvJxBT", 22), KVS_ERR_AUTH);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_OK);
    CHECK_EQ(m.nunknown, 0);
}

static void test_stun_rfc5769_responses(void) {
    uint8_t msg[128];
    kvs__stun_msg m;
    kvs_addr a, want;
    size_t n = kvs_test_unhex(kvs_test_rfc5769_v4, msg, sizeof msg);
    CHECK_EQ(n, 80);
    CHECK_EQ(kvs__stun_parse(msg, n, &m), KVS_OK);
    CHECK_EQ(m.method, KVS__STUN_BINDING);
    CHECK_EQ(m.cls, KVS__STUN_SUCCESS);
    CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &a), KVS_OK);
    CHECK_EQ(kvs_addr_parse(&want, "192.0.2.1", 9, 32853), KVS_OK);
    CHECK(kvs_addr_equal(&a, &want));
    CHECK_EQ(kvs__stun_check_integrity(&m, STUN_PASS, strlen(STUN_PASS)), KVS_OK);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_OK);
    n = kvs_test_unhex(kvs_test_rfc5769_v6, msg, sizeof msg);
    CHECK_EQ(n, 92);
    CHECK_EQ(kvs__stun_parse(msg, n, &m), KVS_OK);
    CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &a), KVS_OK);
    CHECK_EQ(kvs_addr_parse(&want, "2001:db8:1234:5678:11:2233:4455:6677", 36, 32853), KVS_OK);
    CHECK(kvs_addr_equal(&a, &want));
    CHECK_EQ(kvs__stun_check_integrity(&m, STUN_PASS, strlen(STUN_PASS)), KVS_OK);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_OK);
}

static void test_stun_rfc5769_long_term(void) {
    /* USERNAME "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>", the password after SASLprep
       "TheMatrIX", REALM "example.org" */
    static const char user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
    uint8_t msg[128], key[16];
    kvs__stun_msg m;
    size_t n = kvs_test_unhex(kvs_test_rfc5769_lt, msg, sizeof msg), len;
    const uint8_t *v;
    CHECK_EQ(n, 116);
    CHECK_EQ(kvs__stun_parse(msg, n, &m), KVS_OK);
    v = kvs__stun_get(&m, KVS__STUN_A_USERNAME, &len);
    CHECK(v && len == 18 && memcmp(v, user, 18) == 0);
    v = kvs__stun_get(&m, KVS__STUN_A_NONCE, &len);
    CHECK(v && len == 28 && memcmp(v, "f//499k954d6OL34oL9FSTvy64sA", 28) == 0);
    v = kvs__stun_get(&m, KVS__STUN_A_REALM, &len);
    CHECK(v && len == 11 && memcmp(v, "example.org", 11) == 0);
    kvs__stun_long_term_key(user, 18, "example.org", 11, "TheMatrIX", 9, key);
    CHECK_EQ(kvs__stun_check_integrity(&m, key, 16), KVS_OK);
    key[0] ^= 1;
    CHECK_EQ(kvs__stun_check_integrity(&m, key, 16), KVS_ERR_AUTH);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_ERR_NOT_FOUND);
}

/* The builder reproduces the 2.1 request and the 2.2 response byte for byte. */
static void test_stun_build_vectors(void) {
    uint8_t want[128], out[256], txid[12];
    kvs__wr w;
    kvs_addr a;
    size_t n, len;
    n = kvs_test_unhex(kvs_test_rfc5769_req, want, sizeof want);
    memcpy(txid, want + 8, 12);
    kvs__wr_init(&w, out, sizeof out);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__stun_put(&w, KVS__STUN_A_SOFTWARE, "STUN test client", 16);
    kvs__stun_put_u32(&w, KVS__STUN_A_PRIORITY, 0x6e0001ffu);
    kvs__stun_put_u64(&w, KVS__STUN_A_ICE_CONTROLLED, 0x932ff9b151263b36ull);
    /* the vector pads USERNAME with spaces, the builder with zeros: write the padding as data */
    kvs__wr_u16(&w, KVS__STUN_A_USERNAME);
    kvs__wr_u16(&w, 9);
    kvs__wr_bytes(&w, "evtj:h6vY   ", 12);
    kvs__stun_fix_len(&w);
    kvs__stun_put_integrity(&w, STUN_PASS, strlen(STUN_PASS));
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    CHECK_EQ(len, n);
    CHECK_MEM(out, want, n);
    n = kvs_test_unhex(kvs_test_rfc5769_v4, want, sizeof want);
    kvs__wr_init(&w, out, sizeof out);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_SUCCESS, txid);
    kvs__wr_u16(&w, KVS__STUN_A_SOFTWARE);
    kvs__wr_u16(&w, 11);
    kvs__wr_bytes(&w, "test vector ", 12);
    kvs__stun_fix_len(&w);
    CHECK_EQ(kvs_addr_parse(&a, "192.0.2.1", 9, 32853), KVS_OK);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_MAPPED_ADDRESS, &a);
    kvs__stun_put_integrity(&w, STUN_PASS, strlen(STUN_PASS));
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    CHECK_EQ(len, n);
    CHECK_MEM(out, want, n);
    /* too small a buffer: a clear result, never a write past it */
    kvs__wr_init(&w, out, 30);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__stun_put(&w, KVS__STUN_A_SOFTWARE, "STUN test client", 16);
    kvs__stun_put_integrity(&w, STUN_PASS, strlen(STUN_PASS));
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_ERR_BUFFER_TOO_SMALL);
}

/* Round trips of everything the builder writes, IPv6 addresses, errors, unknown attributes. */
static void test_stun_build_parse(void) {
    uint8_t out[512], txid[12];
    kvs__wr w;
    kvs__stun_msg m;
    kvs_addr a, b;
    size_t len;
    int code;
    const char *reason;
    static const uint8_t unk[4] = {1, 2, 3, 4};
    memset(txid, 0x5a, sizeof txid);
    kvs__wr_init(&w, out, sizeof out);
    kvs__stun_begin(&w, KVS__STUN_ALLOCATE, KVS__STUN_ERROR, txid);
    kvs__stun_put_error(&w, 401, "Unauthorized");
    kvs__stun_put(&w, KVS__STUN_A_REALM, "kvs", 3);
    kvs__stun_put(&w, KVS__STUN_A_NONCE, "abcdef", 6);
    CHECK_EQ(kvs_addr_parse(&a, "fe80::1", 7, 3478), KVS_OK);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &a);
    kvs__stun_put_addr(&w, KVS__STUN_A_MAPPED_ADDRESS, &a);
    kvs__stun_put(&w, 0x7777, unk, 4);  /* comprehension-required, unknown */
    kvs__stun_put(&w, 0xC777, unk, 3);  /* comprehension-optional, unknown */
    kvs__stun_put_fingerprint(&w);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
    CHECK_EQ(m.method, KVS__STUN_ALLOCATE);
    CHECK_EQ(m.cls, KVS__STUN_ERROR);
    CHECK_EQ(kvs__stun_get_error(&m, &code, &reason, &len), KVS_OK);
    CHECK_EQ(code, 401);
    CHECK(len == 12 && memcmp(reason, "Unauthorized", 12) == 0);
    CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_PEER_ADDRESS, &b), KVS_OK);
    CHECK(kvs_addr_equal(&a, &b));
    CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_MAPPED_ADDRESS, &b), KVS_OK);
    CHECK(kvs_addr_equal(&a, &b));
    CHECK_EQ(m.nunknown, 1);
    CHECK_EQ(m.unknown[0], 0x7777);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_OK);
    CHECK_EQ(kvs__stun_check_integrity(&m, "x", 1), KVS_ERR_NOT_FOUND);
    /* every method and class survives the type encoding */
    {
        uint16_t meth;
        int cls;
        for (meth = 0; meth < 0x1000; meth = (uint16_t)(meth * 3 + 1)) {
            for (cls = 0; cls < 4; cls++) {
                kvs__wr_init(&w, out, sizeof out);
                kvs__stun_begin(&w, meth, cls, txid);
                CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
                CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
                CHECK_EQ(m.method, meth);
                CHECK_EQ(m.cls, cls);
            }
        }
    }
}

/* Malformed messages: each refused with KVS_ERR_PARSE (or a failed check), never read past. */
static void test_stun_malformed(void) {
    uint8_t msg[128], bad[128];
    kvs__stun_msg m;
    size_t n = kvs_test_unhex(kvs_test_rfc5769_req, msg, sizeof msg), i;
    /* every truncation */
    for (i = 0; i < n; i++)
        CHECK_EQ(kvs__stun_parse(msg, i, &m), KVS_ERR_PARSE);
    /* the length field off by 4 either way, and not a multiple of 4 */
    memcpy(bad, msg, n);
    kvs__put_u16(bad + 2, (uint16_t)(n - 20 + 4));
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_ERR_PARSE);
    kvs__put_u16(bad + 2, (uint16_t)(n - 20 - 4));
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_ERR_PARSE);
    kvs__put_u16(bad + 2, (uint16_t)(n - 20 - 1));
    CHECK_EQ(kvs__stun_parse(bad, n - 1, &m), KVS_ERR_PARSE);
    /* the top bits set, a wrong cookie */
    memcpy(bad, msg, n);
    bad[0] |= 0x40;
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_ERR_PARSE);
    memcpy(bad, msg, n);
    bad[4] ^= 1;
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_ERR_PARSE);
    /* an attribute length that runs past the message (SOFTWARE says 0x0100) */
    memcpy(bad, msg, n);
    kvs__put_u16(bad + 22, 0x0100);
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_ERR_PARSE);
    /* a known attribute with the wrong length (PRIORITY 8 instead of 4: the next attribute's
       header is taken as its value, so the walk then fails too) */
    memcpy(bad, msg, n);
    kvs__put_u16(bad + 42, 8);
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_ERR_PARSE);
    /* a flipped bit in the username: integrity and fingerprint both fail */
    memcpy(bad, msg, n);
    bad[68] ^= 0x20;
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_OK);
    CHECK_EQ(kvs__stun_check_integrity(&m, STUN_PASS, strlen(STUN_PASS)), KVS_ERR_AUTH);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_ERR_AUTH);
    /* a bad fingerprint alone */
    memcpy(bad, msg, n);
    bad[n - 1] ^= 1;
    CHECK_EQ(kvs__stun_parse(bad, n, &m), KVS_OK);
    CHECK_EQ(kvs__stun_check_integrity(&m, STUN_PASS, strlen(STUN_PASS)), KVS_OK);
    CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_ERR_AUTH);
    /* an attribute after FINGERPRINT */
    memcpy(bad, msg, n);
    kvs__put_u16(bad + 2, (uint16_t)(n - 20 + 8));
    memcpy(bad + n, "\x80\x22\x00\x04" "abcd", 8);
    CHECK_EQ(kvs__stun_parse(bad, n + 8, &m), KVS_ERR_PARSE);
    /* an address with an unknown family */
    {
        uint8_t v4[128];
        size_t n4 = kvs_test_unhex(kvs_test_rfc5769_v4, v4, sizeof v4);
        kvs_addr a;
        v4[41] = 3; /* XOR-MAPPED-ADDRESS family */
        CHECK_EQ(kvs__stun_parse(v4, n4, &m), KVS_OK);
        CHECK_EQ(kvs__stun_get_addr(&m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &a), KVS_ERR_PARSE);
    }
    /* attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored */
    {
        uint8_t out[256], txid[12] = {0};
        kvs__wr w;
        size_t len;
        kvs__wr_init(&w, out, sizeof out);
        kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
        kvs__stun_put_integrity(&w, "k", 1);
        kvs__stun_put(&w, KVS__STUN_A_USERNAME, "late", 4);
        kvs__stun_put_fingerprint(&w);
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
        CHECK(!kvs__stun_has(&m, KVS__STUN_A_USERNAME));
        CHECK_EQ(kvs__stun_check_integrity(&m, "k", 1), KVS_OK);
        CHECK_EQ(kvs__stun_check_fingerprint(&m), KVS_OK);
    }
    /* too many attributes: refused, not truncated */
    {
        uint8_t out[1024], txid[12] = {0};
        kvs__wr w;
        size_t len;
        int k;
        kvs__wr_init(&w, out, sizeof out);
        kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
        for (k = 0; k <= KVS__STUN_MAX_ATTRS; k++)
            kvs__stun_put(&w, KVS__STUN_A_SOFTWARE, "s", 1);
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_ERR_LIMIT);
    }
    /* the stream frame length */
    CHECK_EQ(kvs__stun_frame_len(msg, 3), 0);
    CHECK_EQ(kvs__stun_frame_len(msg, 4), n);
}

/* RFC 8489 6.2.1: sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms; timeout at 39500 ms. */
static void test_stun_transaction(void) {
    static const kvs_time at[7] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    kvs__stun_txn t;
    kvs_testing_rng seed;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log lg;
    int guard = 0, k;
    kvs_time now = KVS_SEC(10);
    memset(&pf, 0, sizeof pf);
    kvs_testing_rng_seed(&seed, 7);
    pf.user = &seed;
    pf.random = kvs_testing_random;
    kvs__log_init(&lg, &pf, &guard, KVS_LOG_ERROR);
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    CHECK_EQ(kvs__stun_txn_start(&t, &rng, 0, now), KVS_OK);
    for (k = 0; k < 7; k++) {
        CHECK_EQ_U64(t.next, now + KVS_MSEC(at[k]));
        CHECK_EQ(kvs__stun_txn_due(&t, t.next), 1);
    }
    CHECK_EQ_U64(t.next, now + KVS_MSEC(39500));
    CHECK_EQ(kvs__stun_txn_due(&t, t.next), 0);
    CHECK_EQ_U64(t.next, KVS_TIME_NEVER);
    /* reliable transport: one send, 39.5 s */
    CHECK_EQ(kvs__stun_txn_start(&t, &rng, 1, now), KVS_OK);
    CHECK_EQ(kvs__stun_txn_due(&t, now), 1);
    CHECK_EQ_U64(t.next, now + KVS_MSEC(39500));
    CHECK_EQ(kvs__stun_txn_due(&t, t.next), 0);
    /* matching answers */
    {
        uint8_t out[64];
        kvs__wr w;
        kvs__stun_msg m;
        size_t len;
        CHECK_EQ(kvs__stun_txn_start(&t, &rng, 0, now), KVS_OK);
        kvs__wr_init(&w, out, sizeof out);
        kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_SUCCESS, t.txid);
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
        CHECK(kvs__stun_txn_match(&t, &m));
        out[19] ^= 1;
        CHECK_EQ(kvs__stun_parse(out, len, &m), KVS_OK);
        CHECK(!kvs__stun_txn_match(&t, &m));
    }
}

static const kvs_test_case kvs_tests_stun[] = {
    {"rfc5769_request", test_stun_rfc5769_request},
    {"rfc5769_responses", test_stun_rfc5769_responses},
    {"rfc5769_long_term", test_stun_rfc5769_long_term},
    {"build_vectors", test_stun_build_vectors},
    {"build_parse", test_stun_build_parse},
    {"malformed", test_stun_malformed},
    {"transaction", test_stun_transaction},
};
