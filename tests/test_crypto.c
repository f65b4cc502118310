/* >>crypto: SHA-1/SHA-256 (FIPS 180-4 examples), HMAC-SHA-256 (RFC 4231 cases 1-7), HMAC-SHA-1
   (RFC 2202 cases 1-7, RFC 5769 MESSAGE-INTEGRITY), constant-time compare, zeroize, RNG. */

typedef struct kvs_test_hmac {
    const char *key_hex; /* NULL: key_rep repeated key_len times */
    int key_rep;
    size_t key_len;
    const char *data; /* NULL: data_rep repeated data_len times */
    int data_rep;
    size_t data_len;
    const char *mac_hex; /* may be truncated (RFC 4231 case 5, RFC 2202 case 5 as printed) */
} kvs_test_hmac;

static void kvs_test_hmac_run(const kvs_test_hmac *v, size_t count, int hash) {
    size_t i;
    for (i = 0; i < count; i++) {
        unsigned char key[200], data[200], want[32], got[32];
        size_t klen, dlen, mlen;
        if (v[i].key_hex) {
            klen = kvs_test_unhex(v[i].key_hex, key, sizeof key);
        } else {
            klen = v[i].key_len;
            memset(key, v[i].key_rep, klen);
        }
        if (v[i].data) {
            dlen = strlen(v[i].data);
            memcpy(data, v[i].data, dlen);
        } else {
            dlen = v[i].data_len;
            memset(data, v[i].data_rep, dlen);
        }
        mlen = kvs_test_unhex(v[i].mac_hex, want, sizeof want);
        if (hash == KVS__CRYPTO_SHA256)
            kvs__crypto_hmac_sha256(key, klen, data, dlen, got);
        else
            kvs__crypto_hmac_sha1(key, klen, data, dlen, got);
        if (memcmp(got, want, mlen) != 0)
            printf("    case %lu\n", (unsigned long)i + 1);
        CHECK_MEM(got, want, mlen);
    }
}

static void test_hmac_sha256_rfc4231(void) {
    static const kvs_test_hmac v[] = {
        {NULL, 0x0b, 20, "Hi There", 0, 0,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {NULL, 0xaa, 20, NULL, 0xdd, 50,
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 0, NULL, 0xcd, 50,
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {NULL, 0x0c, 20, "Test With Truncation", 0, 0, "a3b6167473100ee06e0c796c2955552b"},
        {NULL, 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {NULL, 0xaa, 131,
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         0, 0, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    kvs_test_hmac_run(v, sizeof v / sizeof v[0], KVS__CRYPTO_SHA256);
}

static void test_hmac_sha1_rfc2202(void) {
    static const kvs_test_hmac v[] = {
        {NULL, 0x0b, 20, "Hi There", 0, 0, "b617318655057264e28bc0b6fb378c8ef146be00"},
        {"4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {NULL, 0xaa, 20, NULL, 0xdd, 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 0, NULL, 0xcd, 50,
         "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
        {NULL, 0x0c, 20, "Test With Truncation", 0, 0, "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
        {NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
        {NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
         0, 0, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
    };
    kvs_test_hmac_run(v, sizeof v / sizeof v[0], KVS__CRYPTO_SHA1);
}

static void test_hmac_stun_rfc5769(void) {
    /* MESSAGE-INTEGRITY of the RFC 5769 2.1 request: HMAC-SHA1 keyed with the short-term password,
       over the message up to the attribute with the length field covering it (RFC 8489 14.5) */
    uint8_t msg[128], mac[20];
    size_t n = kvs_test_unhex(kvs_test_rfc5769_req, msg, sizeof msg);
    size_t upto = n - 8 - 24; /* before MESSAGE-INTEGRITY */
    static const char pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";
    kvs__crypto_hmac h;
    kvs__put_u16(msg + 2, (uint16_t)(upto - 20 + 24));
    kvs__crypto_hmac_sha1(pwd, strlen(pwd), msg, upto, mac);
    CHECK_MEM(mac, msg + upto + 4, 20);
    /* incrementally, twice with the same keyed context */
    kvs__crypto_hmac_init(&h, KVS__CRYPTO_SHA1, pwd, strlen(pwd));
    kvs__crypto_hmac_update(&h, msg, 20);
    kvs__crypto_hmac_update(&h, msg + 20, upto - 20);
    CHECK_EQ(kvs__crypto_hmac_out(&h, mac), 20);
    CHECK_MEM(mac, msg + upto + 4, 20);
    kvs__crypto_hmac_update(&h, msg, upto);
    CHECK_EQ(kvs__crypto_hmac_out(&h, mac), 20);
    CHECK_MEM(mac, msg + upto + 4, 20);
    kvs__crypto_hmac_clear(&h);
    {
        size_t i;
        int zero = 1;
        for (i = 0; i < sizeof h; i++)
            zero &= ((unsigned char *)&h)[i] == 0;
        CHECK(zero);
    }
}

static void test_sha(void) {
    /* FIPS 180-4 examples: "abc" and the two-block message */
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    uint8_t d[32], want[32];
    kvs__crypto_sha256_ctx c;
    kvs__crypto_sha1("abc", 3, d);
    kvs_test_unhex("a9993e364706816aba3e25717850c26c9cd0d89d", want, 20);
    CHECK_MEM(d, want, 20);
    kvs__crypto_sha256("abc", 3, d);
    kvs_test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    CHECK_MEM(d, want, 32);
    kvs__crypto_sha256(two, strlen(two), d);
    kvs_test_unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want, 32);
    CHECK_MEM(d, want, 32);
    kvs__crypto_sha1(two, strlen(two), d);
    kvs_test_unhex("84983e441c3bd26ebaae4aa1f95129e5e54670f1", want, 20);
    CHECK_MEM(d, want, 20);
    /* incremental, with an intermediate digest */
    kvs__crypto_sha256_init(&c);
    kvs__crypto_sha256_update(&c, "a", 1);
    kvs__crypto_sha256_update(&c, "bc", 2);
    kvs__crypto_sha256_out(&c, d);
    kvs_test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    CHECK_MEM(d, want, 32);
    kvs__crypto_sha256_update(&c, two + 3, strlen(two) - 3);
    kvs__crypto_sha256_out(&c, d);
    kvs__crypto_sha256(two, strlen(two), want);
    CHECK_MEM(d, want, 32); /* the intermediate digest did not disturb the context */
    kvs__crypto_sha256("", 0, d);
    kvs_test_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
    CHECK_MEM(d, want, 32);
}

static void test_ct_eq_and_zero(void) {
    uint8_t a[64], b[64];
    size_t i;
    memset(a, 0x5a, sizeof a);
    memcpy(b, a, sizeof b);
    CHECK_EQ(kvs__crypto_ct_eq(a, b, sizeof a), 1);
    CHECK_EQ(kvs__crypto_ct_eq(a, b, 0), 1);
    for (i = 0; i < sizeof a; i++) {
        int bit;
        for (bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            CHECK_EQ(kvs__crypto_ct_eq(a, b, sizeof a), 0);
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    kvs__crypto_zero(a, sizeof a);
    for (i = 0; i < sizeof a; i++)
        CHECK_EQ(a[i], 0);
}

static int kvs_test_random_fails(void *user, void *buf, size_t len) {
    (void)user;
    memset(buf, 0x77, len); /* a partial fill the library must not keep */
    return -5;
}

static void test_random_from_platform_only(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log lg;
    kvs__rng rng;
    int guard = 0;
    uint8_t buf[32], buf2[32];
    uint32_t v;
    int i, seen_low = 0, seen_high = 0;
    kvs_tp_init(&tp, &pf, 42, 0);
    kvs__log_init(&lg, &pf, &guard, KVS_LOG_INFO);
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    CHECK_EQ(kvs__crypto_random(&rng, buf, sizeof buf), KVS_OK);
    CHECK_EQ(kvs__crypto_random(&rng, buf2, sizeof buf2), KVS_OK);
    CHECK(memcmp(buf, buf2, sizeof buf) != 0);
    for (i = 0; i < 2000; i++) {
        CHECK_EQ(kvs__crypto_random_below(&rng, 10, &v), KVS_OK);
        CHECK(v < 10);
        seen_low |= v == 0;
        seen_high |= v == 9;
    }
    CHECK(seen_low && seen_high);
    /* the same seed gives the same stream (reproducible simulations) */
    {
        kvs_testing_rng r1, r2;
        kvs_testing_rng_seed(&r1, 7);
        kvs_testing_rng_seed(&r2, 7);
        kvs_testing_random(&r1, buf, 13);
        kvs_testing_random(&r2, buf2, 13);
        CHECK_MEM(buf, buf2, 13);
    }
    /* a failing generator: KVS_ERR_CRYPTO, the buffer zeroed, the reason logged */
    pf.random = kvs_test_random_fails;
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    memset(buf, 1, sizeof buf);
    CHECK_EQ(kvs__crypto_random(&rng, buf, sizeof buf), KVS_ERR_CRYPTO);
    for (i = 0; i < (int)sizeof buf; i++)
        CHECK_EQ(buf[i], 0);
    CHECK_EQ(lg.last_item, KVS_LOG_RANDOM_FAILED);
    CHECK_EQ(kvs__crypto_random_below(&rng, 10, &v), KVS_ERR_CRYPTO);
    /* no generator at all: never a fallback */
    pf.random = NULL;
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    memset(buf, 1, sizeof buf);
    CHECK_EQ(kvs__crypto_random(&rng, buf, sizeof buf), KVS_ERR_CRYPTO);
    CHECK_EQ(buf[0], 0);
    CHECK_EQ(lg.last_item, KVS_LOG_PLATFORM_NO_RANDOM);
    CHECK_EQ(guard, 0);
}

static const kvs_test_case kvs_tests_crypto[] = {
    {"sha_fips180", test_sha},
    {"hmac_sha256_rfc4231", test_hmac_sha256_rfc4231},
    {"hmac_sha1_rfc2202", test_hmac_sha1_rfc2202},
    {"hmac_stun_rfc5769", test_hmac_stun_rfc5769},
    {"ct_eq_and_zero", test_ct_eq_and_zero},
    {"random_from_platform_only", test_random_from_platform_only},
};
