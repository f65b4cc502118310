/* >>b64: RFC 4648 section 10 vectors, strict decoding, round trips. */

static void test_b64_rfc4648(void) {
    static const char *const v[][2] = {
        {"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    size_t i, len;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[16];
        kvs__wr w;
        kvs__wr_init(&w, out, sizeof out);
        kvs__b64_encode(&w, v[i][0], strlen(v[i][0]));
        CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
        CHECK_STR(out, v[i][1]);
        CHECK_EQ(kvs__b64_encoded_len(strlen(v[i][0])), strlen(v[i][1]));
        kvs__wr_init(&w, out, sizeof out);
        CHECK_EQ(kvs__b64_decode(v[i][1], strlen(v[i][1]), &w), KVS_OK);
        CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
        CHECK_STR(out, v[i][0]);
    }
}

static void test_b64_kvs_payload(void) {
    /* the ICE candidate message of kvs-protocol.md section 4.3 */
    static const char json[] = "{\"candidate\":\"candidate:1 1 udp 2122260223 192.168.1.10 50000 typ "
                               "host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
    static const char b64[] = "eyJjYW5kaWRhdGUiOiJjYW5kaWRhdGU6MSAxIHVkcCAyMTIyMjYwMjIzIDE5Mi4xNjguMS4x"
                              "MCA1MDAwMCB0eXAgaG9zdCIsInNkcE1pZCI6IjAiLCJzZHBNTGluZUluZGV4IjowfQ==";
    char out[256];
    kvs__wr w;
    size_t len;
    kvs__wr_init(&w, out, sizeof out);
    kvs__b64_encode(&w, json, strlen(json));
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, b64);
    kvs__wr_init(&w, out, sizeof out);
    CHECK_EQ(kvs__b64_decode(b64, strlen(b64), &w), KVS_OK);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, json);
}

static void test_b64_strict(void) {
    static const char *const bad[] = {
        "Z",        /* 4k+1 characters */
        "Zm9vY",    "Zg=",      /* padding that does not complete a quartet */
        "Z===",     "====",     "Zg==Zg==", /* padding in the middle */
        "Zh==",     /* non-zero unused bits (canonical form is Zg==) */
        "Zm9=",     /* "fo" would be Zm8= */
        "Zm9v\n",   "Zm 9v",    "Zm9v-_8=", /* whitespace, URL alphabet */
        "Zm9v====", "Zg===",    "Zm9v\0Zm9", /* NUL inside (length counted below) */
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        kvs__wr w;
        size_t n = strlen(bad[i]);
        if (i == sizeof bad / sizeof bad[0] - 1)
            n = 9;
        kvs__wr_init(&w, out, sizeof out);
        if (kvs__b64_decode(bad[i], n, &w) != KVS_ERR_PARSE)
            printf("    accepted \"%s\"\n", bad[i]);
        CHECK_EQ(kvs__b64_decode(bad[i], n, &w), KVS_ERR_PARSE);
        CHECK_EQ(w.len, 0); /* nothing written */
    }
    /* unpadded input is accepted */
    {
        uint8_t out[8];
        kvs__wr w;
        kvs__wr_init(&w, out, sizeof out);
        CHECK_EQ(kvs__b64_decode("Zm9vYg", 6, &w), KVS_OK);
        CHECK_EQ(w.len, 4);
        CHECK_MEM(out, "foob", 4);
        kvs__wr_init(&w, out, sizeof out);
        CHECK_EQ(kvs__b64_decode("Zm9vYmE", 7, &w), KVS_OK);
        CHECK_EQ(w.len, 5);
    }
}

static void test_b64_every_char_and_round_trip(void) {
    int c, n;
    uint8_t in[300], back[300];
    char enc[420];
    uint64_t x = 0x243f6a8885a308d3ULL;
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (c = 0; c < 256; c++) {
        const char *pos = c ? strchr(alphabet, c) : NULL;
        CHECK_EQ(kvs__b64_val(c), pos ? (int)(pos - alphabet) : -1);
    }
    for (c = 0; c < 64; c++)
        CHECK_EQ(kvs__b64_chr((uint32_t)c), alphabet[c]);
    for (n = 0; n <= 300; n++) {
        kvs__wr w;
        size_t len, blen;
        int i;
        for (i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            in[i] = (uint8_t)x;
        }
        kvs__wr_init(&w, enc, sizeof enc);
        kvs__b64_encode(&w, in, (size_t)n);
        CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
        CHECK_EQ(len, kvs__b64_encoded_len((size_t)n));
        kvs__wr_init(&w, back, sizeof back);
        CHECK_EQ(kvs__b64_decode(enc, len, &w), KVS_OK);
        CHECK_EQ(kvs__wr_result(&w, &blen), KVS_OK);
        CHECK_EQ(blen, n);
        CHECK_MEM(back, in, (size_t)n);
        /* too small an output: the size needed */
        if (n > 0) {
            kvs__wr_init(&w, back, (size_t)n - 1);
            CHECK_EQ(kvs__b64_decode(enc, len, &w), KVS_OK);
            CHECK_EQ(kvs__wr_result(&w, &blen), KVS_ERR_BUFFER_TOO_SMALL);
            CHECK_EQ(blen, n);
        }
    }
}

static const kvs_test_case kvs_tests_b64[] = {
    {"rfc4648", test_b64_rfc4648},
    {"kvs_payload", test_b64_kvs_payload},
    {"strict", test_b64_strict},
    {"every_char_and_round_trip", test_b64_every_char_and_round_trip},
};
