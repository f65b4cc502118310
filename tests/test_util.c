/* >>util: hex, CRC-32 (STUN FINGERPRINT), CRC-32c, percent-encoding, dates, IP addresses. */

static void test_hex(void) {
    static const uint8_t bin[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff};
    char out[16];
    uint8_t back[8];
    kvs__wr w;
    size_t len;
    kvs__wr_init(&w, out, sizeof out);
    kvs__util_hex_encode(&w, bin, sizeof bin, 0);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, "0001abcdefff");
    kvs__wr_init(&w, out, sizeof out);
    kvs__util_hex_encode(&w, bin, sizeof bin, 1);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, "0001ABCDEFFF");
    kvs__wr_init(&w, back, sizeof back);
    CHECK_EQ(kvs__util_hex_decode("0001AbCdEfff", 12, &w), KVS_OK);
    CHECK_EQ(kvs__wr_result(&w, &len), KVS_OK);
    CHECK_EQ(len, 6);
    CHECK_MEM(back, bin, 6);
    kvs__wr_init(&w, back, sizeof back);
    CHECK_EQ(kvs__util_hex_decode("abc", 3, &w), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_hex_decode("zz", 2, &w), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_hex_decode("0g", 2, &w), KVS_ERR_PARSE);
    CHECK_EQ(w.len, 0); /* nothing written for bad input */
    CHECK_EQ(kvs__util_hex_val('/'), -1);
    CHECK_EQ(kvs__util_hex_val(':'), -1);
    CHECK_EQ(kvs__util_hex_val('G'), -1);
    CHECK_EQ(kvs__util_hex_val('F'), 15);
}

/* RFC 5769 section 2.1, the sample request (with its FINGERPRINT 0xe57a3bcf). */
static const char *const kvs_test_rfc5769_req =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
    "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149a"
    "eaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";

static void test_crc32_stun_fingerprint(void) {
    uint8_t msg[128];
    size_t n = kvs_test_unhex(kvs_test_rfc5769_req, msg, sizeof msg);
    uint32_t fp;
    CHECK_EQ(n, 108);
    /* FINGERPRINT = CRC-32 of the message up to the attribute, XOR 0x5354554e (RFC 8489 14.7) */
    fp = kvs__util_crc32(0, msg, n - 8) ^ 0x5354554eu;
    CHECK_EQ_U64(fp, 0xe57a3bcfu);
    CHECK_EQ_U64(fp, kvs__get_u32(msg + n - 4));
    /* chained in pieces gives the same value */
    CHECK_EQ_U64(kvs__util_crc32(kvs__util_crc32(0, msg, 33), msg + 33, n - 8 - 33) ^ 0x5354554eu, fp);
    /* the catalogue check value of CRC-32/ISO-HDLC */
    CHECK_EQ_U64(kvs__util_crc32(0, "123456789", 9), 0xcbf43926u);
    CHECK_EQ_U64(kvs__util_crc32(0, "", 0), 0);
}

static void test_crc32c_rfc3720(void) {
    /* RFC 3720 appendix B.4: the CRC bytes are listed as sent, i.e. little-endian */
    uint8_t buf[48];
    size_t i, n;
    uint8_t crc[4];
    memset(buf, 0, 32);
    kvs__put_u32le(crc, kvs__util_crc32c(0, buf, 32));
    CHECK_MEM(crc, "\xaa\x36\x91\x8a", 4);
    memset(buf, 0xff, 32);
    kvs__put_u32le(crc, kvs__util_crc32c(0, buf, 32));
    CHECK_MEM(crc, "\x43\xab\xa8\x62", 4);
    for (i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    kvs__put_u32le(crc, kvs__util_crc32c(0, buf, 32));
    CHECK_MEM(crc, "\x4e\x79\xdd\x46", 4);
    for (i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    kvs__put_u32le(crc, kvs__util_crc32c(0, buf, 32));
    CHECK_MEM(crc, "\x5c\xdb\x3f\x11", 4);
    /* an iSCSI SCSI Read (10) command PDU */
    n = kvs_test_unhex("01c00000000000000000000000000000 14000000000004000000001400000018"
                       "28000000000000000200000000000000",
                       buf, sizeof buf);
    CHECK_EQ(n, 48);
    kvs__put_u32le(crc, kvs__util_crc32c(0, buf, n));
    CHECK_MEM(crc, "\x56\x3a\x96\xd9", 4);
    /* chained */
    CHECK_EQ_U64(kvs__util_crc32c(kvs__util_crc32c(0, buf, 7), buf + 7, n - 7), 0xd9963a56u);
    CHECK_EQ_U64(kvs__util_crc32c(0, "123456789", 9), 0xe3069283u);
    /* whichever path this CPU takes (instruction or table): equal to the bitwise definition at
       every length 0..80 and every alignment 0..7 */
    {
        uint8_t data[96];
        size_t len, al, i;
        int k;
        for (i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 37u + 11u);
        for (len = 0; len <= 80; len++) {
            for (al = 0; al < 8; al++) {
                uint32_t ref = 0xffffffffu;
                for (i = 0; i < len; i++) {
                    ref ^= data[al + i];
                    for (k = 0; k < 8; k++)
                        ref = (ref >> 1) ^ (0x82f63b78u & (0u - (ref & 1u)));
                }
                CHECK_EQ_U64(kvs__util_crc32c(0, data + al, len), ~ref);
            }
        }
    }
}

static void test_pct_every_byte(void) {
    char out[4];
    kvs__wr w;
    size_t len;
    int b;
    for (b = 0; b < 256; b++) {
        uint8_t in = (uint8_t)b;
        int unreserved = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
                         b == '-' || b == '_' || b == '.' || b == '~';
        char expect[4];
        uint8_t back[2];
        if (unreserved)
            snprintf(expect, sizeof expect, "%c", b);
        else
            snprintf(expect, sizeof expect, "%%%02X", b);
        kvs__wr_init(&w, out, sizeof out);
        kvs__util_pct_encode(&w, &in, 1, 0);
        CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
        CHECK_STR(out, expect);
        /* decode inverts it, upper- or lower-case hex */
        kvs__wr_init(&w, back, sizeof back);
        CHECK_EQ(kvs__util_pct_decode(out, len, &w, 0), KVS_OK);
        CHECK_EQ(w.len, 1);
        CHECK_EQ(back[0], b);
    }
    /* '/' kept only on request (SigV4 paths) */
    kvs__wr_init(&w, out, sizeof out);
    kvs__util_pct_encode(&w, "/", 1, 1);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, "/");
}

static void test_pct_sigv4_vector(void) {
    /* the channel ARN as the AWS SDK encodes it in a presigned KVS URL (captured fixture) */
    static const char arn[] =
        "arn:aws:kinesisvideo:us-west-2:123456789012:channel/kvs-interop-channel/1700000000000";
    static const char enc[] = "arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A123456789012%3Achannel%2Fkvs-"
                              "interop-channel%2F1700000000000";
    char out[160];
    kvs__wr w;
    size_t len;
    kvs__wr_init(&w, out, sizeof out);
    kvs__util_pct_encode(&w, arn, strlen(arn), 0);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, enc);
    kvs__wr_init(&w, out, sizeof out);
    CHECK_EQ(kvs__util_pct_decode(enc, strlen(enc), &w, 0), KVS_OK);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, arn);
    /* lower-case escapes, '+' as space on request, bad escapes */
    kvs__wr_init(&w, out, sizeof out);
    CHECK_EQ(kvs__util_pct_decode("a%2fb+c", 7, &w, 1), KVS_OK);
    CHECK_EQ(kvs__wr_result_str(&w, &len), KVS_OK);
    CHECK_STR(out, "a/b c");
    CHECK_EQ(kvs__util_pct_decode("%", 1, &w, 0), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_pct_decode("%4", 2, &w, 0), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_pct_decode("%G1", 3, &w, 0), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_pct_decode("ab%", 3, &w, 0), KVS_ERR_PARSE);
}

typedef struct kvs_test_date {
    int64_t t;
    const char *amz, *iso;
} kvs_test_date;

static void test_dates_known(void) {
    static const kvs_test_date v[] = {
        {0, "19700101T000000Z", "1970-01-01T00:00:00Z"},
        {94694399, "19721231T235959Z", "1972-12-31T23:59:59Z"}, /* end of the first leap year */
        {951782399, "20000228T235959Z", "2000-02-28T23:59:59Z"},
        {951782400, "20000229T000000Z", "2000-02-29T00:00:00Z"}, /* 2000: divisible by 400 */
        {951868800, "20000301T000000Z", "2000-03-01T00:00:00Z"},
        {1709251199, "20240229T235959Z", "2024-02-29T23:59:59Z"},
        {1735689600, "20250101T000000Z", "2025-01-01T00:00:00Z"}, /* the fixtures' date */
        {2147483647, "20380119T031407Z", "2038-01-19T03:14:07Z"}, /* INT32_MAX */
        {2147483648, "20380119T031408Z", "2038-01-19T03:14:08Z"}, /* one past it */
        {4107542399, "21000228T235959Z", "2100-02-28T23:59:59Z"}, /* 2100: not a leap year */
        {4107542400, "21000301T000000Z", "2100-03-01T00:00:00Z"},
        {4294967295, "21060207T062815Z", "2106-02-07T06:28:15Z"}, /* UINT32_MAX */
        {4294967296, "21060207T062816Z", "2106-02-07T06:28:16Z"},
        {253402300799, "99991231T235959Z", "9999-12-31T23:59:59Z"},
    };
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        char amz[17], iso[21];
        int64_t t = -1;
        CHECK_EQ(kvs__util_amz_date(v[i].t, amz), KVS_OK);
        CHECK_STR(amz, v[i].amz);
        CHECK_EQ(kvs__util_iso8601(v[i].t, iso), KVS_OK);
        CHECK_STR(iso, v[i].iso);
        CHECK_EQ(kvs__util_amz_date_parse(amz, 16, &t), KVS_OK);
        CHECK_EQ(t, v[i].t);
        t = -1;
        CHECK_EQ(kvs__util_iso8601_parse(iso, 20, &t), KVS_OK);
        CHECK_EQ(t, v[i].t);
    }
    {
        char amz[17];
        CHECK_EQ(kvs__util_amz_date(-1, amz), KVS_ERR_INVALID_ARG);
        CHECK_EQ(kvs__util_amz_date(253402300800, amz), KVS_ERR_INVALID_ARG);
    }
}

static void test_dates_round_trip(void) {
    /* every day from 1970 to 2500 at a varying second, through both formats */
    int64_t day;
    uint64_t x = 88172645463325252ULL;
    for (day = 0; day < 194000; day++) {
        int64_t t, back = -1;
        char amz[17], iso[21];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t = day * 86400 + (int64_t)(x % 86400u);
        if (kvs__util_amz_date(t, amz) != KVS_OK || kvs__util_amz_date_parse(amz, 16, &back) != KVS_OK ||
            back != t) {
            CHECK_EQ(back, t);
            break;
        }
        if (kvs__util_iso8601(t, iso) != KVS_OK || kvs__util_iso8601_parse(iso, 20, &back) != KVS_OK ||
            back != t) {
            CHECK_EQ(back, t);
            break;
        }
    }
    CHECK_EQ(day, 194000);
}

static void test_dates_parse_errors(void) {
    static const char *const bad_iso[] = {
        "2023-02-29T00:00:00Z", /* not a leap year */
        "2100-02-29T00:00:00Z", /* century, not a leap year */
        "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-04-31T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z", "2024-01-01T23:59:61Z",
        "2024-01-01 00:00:00Z", /* space instead of T */
        "2024-01-01T00:00:00",  /* no zone */
        "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00+24:00",
        "1969-12-31T23:59:59Z", "2024-1-01T00:00:00Z", "2024-01-01T00:00:00Zjunk",
        "+024-01-01T00:00:00Z", "",
    };
    size_t i;
    int64_t t;
    for (i = 0; i < sizeof bad_iso / sizeof bad_iso[0]; i++) {
        CHECK_EQ(kvs__util_iso8601_parse(bad_iso[i], strlen(bad_iso[i]), &t), KVS_ERR_PARSE);
    }
    /* offsets, fractions, lower-case letters, the leap second */
    CHECK_EQ(kvs__util_iso8601_parse("2025-01-01T01:30:00+01:30", 25, &t), KVS_OK);
    CHECK_EQ(t, 1735689600);
    CHECK_EQ(kvs__util_iso8601_parse("2024-12-31T22:00:00.123456-02:00", 32, &t), KVS_OK);
    CHECK_EQ(t, 1735689600);
    CHECK_EQ(kvs__util_iso8601_parse("2025-01-01t00:00:00z", 20, &t), KVS_OK);
    CHECK_EQ(t, 1735689600);
    CHECK_EQ(kvs__util_iso8601_parse("2016-12-31T23:59:60Z", 20, &t), KVS_OK);
    CHECK_EQ(t, 1483228800);
    CHECK_EQ(kvs__util_iso8601_parse("1970-01-01T00:30:00+01:00", 25, &t), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_amz_date_parse("20250101T000000", 15, &t), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_amz_date_parse("20250101X000000Z", 16, &t), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_amz_date_parse("2025010IT000000Z", 16, &t), KVS_ERR_PARSE);
    CHECK_EQ(kvs__util_amz_date_parse("20250230T000000Z", 16, &t), KVS_ERR_PARSE);
}

typedef struct kvs_test_addr {
    const char *in, *canon; /* canon NULL = must be refused */
} kvs_test_addr;

static void test_addr_parse_format(void) {
    static const kvs_test_addr v[] = {
        {"0.0.0.0", "0.0.0.0"},
        {"192.0.2.1", "192.0.2.1"},
        {"255.255.255.255", "255.255.255.255"},
        {"256.0.0.1", NULL},
        {"1.2.3", NULL},
        {"1.2.3.4.5", NULL},
        {"01.2.3.4", NULL}, /* no octal */
        {"1.2.3.4 ", NULL},
        {"1..3.4", NULL},
        {"1.2.3.", NULL},
        {"1234.1.1.1", NULL},
        {"::", "::"},
        {"::1", "::1"},
        {"1::", "1::"},
        /* RFC 5952 section 4 examples */
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8::0:1", "2001:db8::1"},
        {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero group is not shortened */
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},          /* the longest run */
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    /* the first of equal runs */
        {"2001:DB8::ABCD", "2001:db8::abcd"},              /* lower case */
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
        {"::ffff:c000:0201", "::ffff:192.0.2.1"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
        {"fe80::1%3", "fe80::1%3"},
        {"fe80::1%", NULL},
        {"fe80::1%eth0", NULL},
        {"fe80::1%99999999999", NULL},
        {"1.2.3.4%1", NULL},
        {"1:2:3:4:5:6:7:8:9", NULL},
        {"1:2:3:4:5:6:7::8", NULL},
        {"1::2::3", NULL},
        {":1::2", NULL},
        {"1::2:", NULL},
        {"12345::", NULL},
        {":::", NULL},
        {"g::1", NULL},
        {"::1.2.3", NULL},
        {"1:2:3:4:5:6:7:1.2.3.4", NULL},
        {"[::1]", NULL},
        {"", NULL},
        {":", NULL},
    };
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        kvs_addr a;
        char out[KVS_ADDR_STRLEN];
        size_t len = 0;
        kvs_result r = kvs_addr_parse(&a, v[i].in, strlen(v[i].in), 3478);
        if (!v[i].canon) {
            if (r != KVS_ERR_PARSE)
                printf("    accepted: \"%s\"\n", v[i].in);
            CHECK_EQ(r, KVS_ERR_PARSE);
            CHECK_EQ(a.family, KVS_AF_NONE);
            continue;
        }
        if (r != KVS_OK)
            printf("    refused: \"%s\"\n", v[i].in);
        CHECK_EQ(r, KVS_OK);
        CHECK_EQ(a.port, 3478);
        CHECK_EQ(kvs_addr_format(&a, 0, out, sizeof out, &len), KVS_OK);
        CHECK_STR(out, v[i].canon);
        CHECK_EQ(len, strlen(v[i].canon));
    }
}

static void test_addr_ports_and_classes(void) {
    kvs_addr a, b;
    char out[KVS_ADDR_STRLEN];
    size_t len;
    CHECK_EQ(kvs_addr_parse(&a, "2001:db8::1", 11, 443), KVS_OK);
    CHECK_EQ(kvs_addr_format(&a, 1, out, sizeof out, &len), KVS_OK);
    CHECK_STR(out, "[2001:db8::1]:443");
    CHECK_EQ(kvs_addr_parse(&a, "10.1.2.3", 8, 65535), KVS_OK);
    CHECK_EQ(kvs_addr_format(&a, 1, out, sizeof out, NULL), KVS_OK);
    CHECK_STR(out, "10.1.2.3:65535");
    /* too small: the size needed, a truncated NUL-terminated text */
    CHECK_EQ(kvs_addr_format(&a, 1, out, 5, &len), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(len, 15);
    CHECK_STR(out, "10.1");
    CHECK_EQ(kvs_addr_format(&a, 1, NULL, 0, &len), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(len, 15);
    /* the longest form fits KVS_ADDR_STRLEN */
    CHECK_EQ(kvs_addr_parse(&a, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%4294967295", 56, 65535),
             KVS_OK);
    CHECK_EQ(kvs_addr_format(&a, 1, out, sizeof out, &len), KVS_OK);
    CHECK(len < KVS_ADDR_STRLEN);
    /* classes */
    kvs_addr_parse(&a, "127.0.0.53", 10, 0);
    CHECK(kvs_addr_is_loopback(&a));
    kvs_addr_parse(&a, "::1", 3, 0);
    CHECK(kvs_addr_is_loopback(&a));
    kvs_addr_parse(&a, "::2", 3, 0);
    CHECK(!kvs_addr_is_loopback(&a));
    kvs_addr_parse(&a, "169.254.10.1", 12, 0);
    CHECK(kvs_addr_is_link_local(&a));
    kvs_addr_parse(&a, "febf::1", 7, 0);
    CHECK(kvs_addr_is_link_local(&a));
    kvs_addr_parse(&a, "fec0::1", 7, 0);
    CHECK(!kvs_addr_is_link_local(&a));
    /* equality covers port and scope */
    kvs_addr_parse(&a, "fe80::1%2", 9, 1);
    kvs_addr_parse(&b, "fe80::1%2", 9, 1);
    CHECK(kvs_addr_equal(&a, &b));
    b.port = 2;
    CHECK(!kvs_addr_equal(&a, &b));
    kvs_addr_parse(&b, "fe80::1%3", 9, 1);
    CHECK(!kvs_addr_equal(&a, &b));
    /* argument checks */
    CHECK_EQ(kvs_addr_parse(NULL, "1.2.3.4", 7, 0), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_addr_parse(&a, NULL, 3, 0), KVS_ERR_INVALID_ARG);
    memset(&a, 0, sizeof a);
    CHECK_EQ(kvs_addr_format(&a, 0, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    CHECK(!kvs_addr_equal(NULL, &a));
}

static const kvs_test_case kvs_tests_util[] = {
    {"hex", test_hex},
    {"crc32_stun_fingerprint_rfc5769", test_crc32_stun_fingerprint},
    {"crc32c_rfc3720", test_crc32c_rfc3720},
    {"pct_every_byte", test_pct_every_byte},
    {"pct_sigv4_vector", test_pct_sigv4_vector},
    {"dates_known", test_dates_known},
    {"dates_round_trip", test_dates_round_trip},
    {"dates_parse_errors", test_dates_parse_errors},
    {"addr_parse_format", test_addr_parse_format},
    {"addr_ports_and_classes", test_addr_ports_and_classes},
};
