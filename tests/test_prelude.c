/* >>prelude: byte order, read cursor, write cursor. */

static void test_byte_order(void) {
    uint8_t b[8];
    kvs__put_u16(b, 0x1234);
    CHECK(b[0] == 0x12 && b[1] == 0x34);
    CHECK_EQ(kvs__get_u16(b), 0x1234);
    kvs__put_u24(b, 0xabcdef);
    CHECK_EQ(kvs__get_u24(b), 0xabcdef);
    kvs__put_u32(b, 0xdeadbeefu);
    CHECK(b[0] == 0xde && b[3] == 0xef);
    CHECK_EQ_U64(kvs__get_u32(b), 0xdeadbeefu);
    kvs__put_u48(b, 0x123456789abcULL);
    CHECK_EQ_U64(kvs__get_u48(b), 0x123456789abcULL);
    kvs__put_u64(b, 0x0102030405060708ULL);
    CHECK(b[0] == 1 && b[7] == 8);
    CHECK_EQ_U64(kvs__get_u64(b), 0x0102030405060708ULL);
    kvs__put_u32le(b, 0x8a9136aau);
    CHECK(b[0] == 0xaa && b[3] == 0x8a);
    CHECK_EQ_U64(kvs__get_u32le(b), 0x8a9136aau);
}

static void test_rd_reads(void) {
    static const uint8_t in[] = {1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
                                 0x15, 0x16, 0x17, 0x18};
    kvs__rd r;
    uint8_t out[2];
    kvs__rd_init(&r, in, sizeof in);
    CHECK_EQ(kvs__rd_left(&r), 24);
    CHECK_EQ(kvs__rd_u8(&r), 1);
    CHECK_EQ(kvs__rd_u16(&r), 0x0203);
    CHECK_EQ(kvs__rd_u24(&r), 0x040506);
    CHECK_EQ_U64(kvs__rd_u32(&r), 0x0708090au);
    CHECK_EQ_U64(kvs__rd_u48(&r), 0x0b0c0d0e0f10ULL);
    kvs__rd_bytes(&r, out, 2);
    CHECK(out[0] == 0x11 && out[1] == 0x12);
    kvs__rd_skip(&r, 1);
    CHECK_EQ(kvs__rd_left(&r), 5);
    CHECK(kvs__rd_ok(&r));
    /* reading 8 from 5 fails, returns 0, consumes nothing and the error sticks */
    CHECK_EQ_U64(kvs__rd_u64(&r), 0);
    CHECK(!kvs__rd_ok(&r));
    CHECK_EQ(kvs__rd_left(&r), 0);
    CHECK_EQ(kvs__rd_u8(&r), 0);
    CHECK(kvs__rd_ptr(&r, 0) == NULL);
}

static void test_rd_sub_and_lying_lengths(void) {
    /* a TLV list whose second length field lies (claims 200 bytes) */
    static const uint8_t in[] = {0x00, 0x01, 0x00, 0x02, 0xaa, 0xbb, 0x00, 0x02, 0x00, 0xc8, 0xcc};
    kvs__rd r, v;
    int seen = 0;
    kvs__rd_init(&r, in, sizeof in);
    while (kvs__rd_left(&r) > 0) {
        uint16_t type = kvs__rd_u16(&r);
        uint16_t len = kvs__rd_u16(&r);
        v = kvs__rd_sub(&r, len);
        if (!kvs__rd_ok(&v))
            break;
        CHECK_EQ(type, 1);
        CHECK_EQ(kvs__rd_u16(&v), 0xaabb);
        CHECK(kvs__rd_ok(&v));
        seen++;
    }
    CHECK_EQ(seen, 1);
    CHECK(!kvs__rd_ok(&r));
    /* NULL input with zero length is an empty cursor */
    kvs__rd_init(&r, NULL, 0);
    CHECK_EQ(kvs__rd_left(&r), 0);
    CHECK(kvs__rd_ok(&r));
    kvs__rd_u8(&r);
    CHECK(!kvs__rd_ok(&r));
    /* bytes into a buffer when short: the output is zeroed */
    {
        uint8_t out[4] = {1, 2, 3, 4};
        kvs__rd_init(&r, in, 2);
        kvs__rd_bytes(&r, out, 4);
        CHECK(out[0] == 0 && out[3] == 0);
    }
}

static void test_wr_writes_and_measures(void) {
    uint8_t buf[32];
    kvs__wr w;
    size_t len = 0;
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__wr_u8(&w, 1);
    kvs__wr_u16(&w, 0x0203);
    kvs__wr_u24(&w, 0x040506);
    kvs__wr_u32(&w, 0x0708090au);
    kvs__wr_u48(&w, 0x0b0c0d0e0f10ULL);
    kvs__wr_u64(&w, 0x1112131415161718ULL);
    kvs__wr_cstr(&w, "ab");
    kvs__wr_fill(&w, 0xee, 2);
    kvs__wr_dec(&w, 0);
    kvs__wr_dec(&w, 18446744073709551615ULL);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(len, 1 + 2 + 3 + 4 + 6 + 8 + 2 + 2 + 1 + 20);
    /* measuring: NULL buffer */
    kvs__wr_init(&w, NULL, 0);
    kvs__wr_cstr(&w, "hello");
    kvs__wr_u32(&w, 1);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(len, 9);
    /* exact fit */
    kvs__wr_init(&w, buf, 9);
    kvs__wr_cstr(&w, "hello");
    kvs__wr_u32(&w, 0x01020304u);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    CHECK_EQ(len, 9);
    CHECK_MEM(buf, "hello\x01\x02\x03\x04", 9);
    /* patch a length field */
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__wr_u16(&w, 0);
    kvs__wr_cstr(&w, "xyz");
    kvs__wr_patch_u16(&w, 0, (uint16_t)(w.len - 2));
    CHECK_EQ(kvs__get_u16(buf), 3);
    /* zero-length writes never fault, even on a NULL buffer */
    kvs__wr_init(&w, NULL, 0);
    kvs__wr_bytes(&w, NULL, 0);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    CHECK_EQ(len, 0);
}

static void test_wr_text_truncation(void) {
    char buf[16];
    kvs__wr w;
    size_t len = 99, cap;
    /* every cap below the need: the stored text is a clean, NUL-terminated prefix */
    for (cap = 1; cap <= 10; cap++) {
        memset(buf, 'Z', sizeof buf);
        kvs__wr_init(&w, buf, cap);
        kvs__wr_cstr(&w, "abc");
        kvs__wr_u8(&w, '-');
        kvs__wr_cstr(&w, "defgh");
        if (cap == 10) {
            CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
            CHECK_EQ(len, 9);
            CHECK_STR(buf, "abc-defgh");
        } else {
            CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_ERR_BUFFER_TOO_SMALL);
            CHECK_EQ(len, 10);
            CHECK_EQ(strlen(buf), cap - 1);
            CHECK(strncmp(buf, "abc-defgh", cap - 1) == 0);
            CHECK(buf[cap] == 'Z'); /* nothing written past cap */
        }
    }
    /* the size counter saturates instead of wrapping */
    kvs__wr_init(&w, NULL, 0);
    kvs__wr_fill(&w, 0, (size_t)-1);
    kvs__wr_u8(&w, 0);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_ERR_LIMIT);
}

static const kvs_test_case kvs_tests_prelude[] = {
    {"byte_order", test_byte_order},
    {"rd_reads", test_rd_reads},
    {"rd_sub_and_lying_lengths", test_rd_sub_and_lying_lengths},
    {"wr_writes_and_measures", test_wr_writes_and_measures},
    {"wr_text_truncation", test_wr_text_truncation},
};
