/* test_json.c - >>json: the token reader (RFC 8259 acceptance and refusal, token streams, string
   decoding, integer conversion, skip, object lookup) and the writer (escaping, sizing, misuse),
   plus writer -> reader round trips of generated documents. Included by the test main after
   kvswebrtc.h (KVS_TESTING, KVSWEBRTC_IMPLEMENTATION) and kvs_test.h. */

typedef struct json_t_doc {
    const char *s;
    size_t n; /* 0: strlen(s) */
} json_t_doc;

typedef struct json_t_bad {
    const char *s;
    size_t n; /* 0: strlen(s) */
    kvs_result want;
} json_t_bad;

/* The fixed documents nest up to 8 levels: with a smaller KVS_JSON_MAX_DEPTH the tests that use
   them have nothing to say (test_json_depth_limit covers any limit). */
#define JSON_T_NEED_DEPTH_8()                                                                    \
    do {                                                                                         \
        if (KVS_JSON_MAX_DEPTH < 8)                                                              \
            return;                                                                              \
    } while (0)

static size_t json_t_len(const char *s, size_t n) {
    return n ? n : strlen(s);
}

/* Walk every token; the first non-OK result, or KVS_OK after END. *count gets the tokens read. */
static kvs_result json_t_walk(const char *s, size_t n, size_t *count) {
    kvs__json_rd r;
    kvs__json_tok t;
    kvs_result res;
    size_t k = 0;
    kvs__json_rd_init(&r, s, n);
    for (;;) {
        res = kvs__json_next(&r, &t);
        if (res != KVS_OK || t.type == KVS__JSON_END)
            break;
        k++;
        if (k > 100000) {
            res = KVS_ERR_INTERNAL; /* the reader must always progress */
            break;
        }
    }
    if (count)
        *count = k;
    return res;
}

static const char json_t_kvs_offer[] =
    "{\"action\":\"SDP_OFFER\",\"recipientClientId\":\"viewer1\","
    "\"messagePayload\":\"eyJ0eXBlIjoib2ZmZXIifQ==\"}";
static const char json_t_ice[] =
    "{\"IceServerList\":[{\"Password\":\"p\",\"Ttl\":300,"
    "\"Uris\":[\"turn:1.2.3.4:443?transport=udp\",\"turns:1.2.3.4:443?transport=tcp\"],"
    "\"Username\":\"u\"}]}";
static const char json_t_mixed[] =
    " {\"a\" : [1, -2.5e+3, true, false, null, "
    "\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"],"
    "\r\n\t\"b\":{\"c\":{}, \"d\":[[]]}, \"\\u0000\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"} ";

/* --- acceptance ------------------------------------------------------------------------------ */

static void test_json_valid_documents(void) {
    static const json_t_doc docs[] = {
        {"{}", 0},
        {"[]", 0},
        {"{\"a\":1}", 0},
        {"[1,2,3]", 0},
        {"{\"a\":{\"b\":[true,false,null]}}", 0},
        {"[[],[[]],{},[{}]]", 0},
        {"{\"\":\"\"}", 0},
        {"\"str\"", 0},
        {"\"\"", 0},
        {"0", 0},
        {"-0", 0},
        {"1e308", 0},
        {"1E+2", 0},
        {"-12.5e-3", 0},
        {"0.5", 0},
        {"-0.0e-0", 0},
        {"10", 0},
        {"123456789012345678901234567890", 0},
        {"1.7976931348623157e999999999999", 0},
        {"-123456789012345678901234567890.123456789e-123456789", 0},
        {"true", 0},
        {"false", 0},
        {"null", 0},
        {" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } , \"c\" : [ ] } \n\t\r ", 0},
        {" 1 ", 0},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0},
        {"\"\\u00e9\\u20AC\\u20ac\\uFFFF\\u007f\\u0001\"", 0},
        {"\"\\ud83d\\ude00\"", 0},
        {"\"\\uD800\\uDC00\"", 0},
        {"\"\\udbff\\udfff\"", 0},
        {"\"\\u0000\"", 0},
        {"\"a\\u0000b\"", 0},
        {"\"\xc3\xa9\"", 0},                 /* U+00E9 */
        {"\"\xc2\x80\"", 0},                 /* U+0080 */
        {"\"\xdf\xbf\"", 0},                 /* U+07FF */
        {"\"\xe0\xa0\x80\"", 0},             /* U+0800 */
        {"\"\xe2\x82\xac\"", 0},             /* U+20AC */
        {"\"\xed\x9f\xbf\"", 0},             /* U+D7FF */
        {"\"\xee\x80\x80\"", 0},             /* U+E000 */
        {"\"\xef\xbf\xbf\"", 0},             /* U+FFFF */
        {"\"\xf0\x90\x80\x80\"", 0},         /* U+10000 */
        {"\"\xf0\x9f\x98\x80\"", 0},         /* U+1F600 */
        {"\"\xf4\x8f\xbf\xbf\"", 0},         /* U+10FFFF */
        {"\"\x7f\"", 0},                     /* DEL is not a control byte for JSON */
        {"[\"\\/\",\"/\"]", 0},
        {"{\"a\":1,\"a\":2}", 0},            /* duplicates: the tokenizer reports both */
        {json_t_kvs_offer, 0},
        {json_t_ice, 0},
        {json_t_mixed, 0},
    };
    size_t i, count;
    JSON_T_NEED_DEPTH_8();
    for (i = 0; i < KVS__ARRAY_LEN(docs); i++) {
        size_t n = json_t_len(docs[i].s, docs[i].n);
        kvs_result res = kvs__json_validate(docs[i].s, n);
        if (res != KVS_OK)
            printf("    valid document %lu refused: %s\n", (unsigned long)i, docs[i].s);
        CHECK_EQ(res, KVS_OK);
        CHECK_EQ(json_t_walk(docs[i].s, n, &count), KVS_OK);
        CHECK(count >= 1);
    }
}

static void test_json_invalid_documents(void) {
    static const json_t_bad docs[] = {
        {"", 0, KVS_ERR_PARSE},
        {" ", 0, KVS_ERR_PARSE},
        {" \t\r\n", 0, KVS_ERR_PARSE},
        {"\xef\xbb\xbf{}", 0, KVS_ERR_PARSE}, /* BOM */
        {"{\"a\":1,}", 0, KVS_ERR_PARSE},
        {"[1,]", 0, KVS_ERR_PARSE},
        {"[1,,2]", 0, KVS_ERR_PARSE},
        {"[,1]", 0, KVS_ERR_PARSE},
        {"{,}", 0, KVS_ERR_PARSE},
        {"[1 2]", 0, KVS_ERR_PARSE},
        {"{\"a\" 1}", 0, KVS_ERR_PARSE},
        {"{\"a\":}", 0, KVS_ERR_PARSE},
        {"{\"a\"}", 0, KVS_ERR_PARSE},
        {"{\"a\":1 \"b\":2}", 0, KVS_ERR_PARSE},
        {"{\"a\"::1}", 0, KVS_ERR_PARSE},
        {"{1:2}", 0, KVS_ERR_PARSE},
        {"{a:1}", 0, KVS_ERR_PARSE},
        {"{'a':1}", 0, KVS_ERR_PARSE},
        {"['a']", 0, KVS_ERR_PARSE},
        {"/*c*/1", 0, KVS_ERR_PARSE},
        {"1//c", 0, KVS_ERR_PARSE},
        {"[1]/**/", 0, KVS_ERR_PARSE},
        {"NaN", 0, KVS_ERR_PARSE},
        {"Infinity", 0, KVS_ERR_PARSE},
        {"-Infinity", 0, KVS_ERR_PARSE},
        {"+1", 0, KVS_ERR_PARSE},
        {"01", 0, KVS_ERR_PARSE},
        {"-01", 0, KVS_ERR_PARSE},
        {"00", 0, KVS_ERR_PARSE},
        {"1.", 0, KVS_ERR_PARSE},
        {".5", 0, KVS_ERR_PARSE},
        {"1e", 0, KVS_ERR_PARSE},
        {"1e+", 0, KVS_ERR_PARSE},
        {"1E-", 0, KVS_ERR_PARSE},
        {"1.e5", 0, KVS_ERR_PARSE},
        {"-", 0, KVS_ERR_PARSE},
        {"-.5", 0, KVS_ERR_PARSE},
        {"- 1", 0, KVS_ERR_PARSE},
        {"0x10", 0, KVS_ERR_PARSE},
        {"1.5.3", 0, KVS_ERR_PARSE},
        {"[1e]", 0, KVS_ERR_PARSE},
        {"tru", 0, KVS_ERR_PARSE},
        {"truee", 0, KVS_ERR_PARSE},
        {"nul", 0, KVS_ERR_PARSE},
        {"nulll", 0, KVS_ERR_PARSE},
        {"True", 0, KVS_ERR_PARSE},
        {"NULL", 0, KVS_ERR_PARSE},
        {"fals", 0, KVS_ERR_PARSE},
        {"{}{}", 0, KVS_ERR_PARSE},
        {"{} {}", 0, KVS_ERR_PARSE},
        {"1 2", 0, KVS_ERR_PARSE},
        {"\"a\" \"b\"", 0, KVS_ERR_PARSE},
        {"{}x", 0, KVS_ERR_PARSE},
        {"[1]]", 0, KVS_ERR_PARSE},
        {"]", 0, KVS_ERR_PARSE},
        {"}", 0, KVS_ERR_PARSE},
        {":", 0, KVS_ERR_PARSE},
        {",", 0, KVS_ERR_PARSE},
        {"{\"a\":1]", 0, KVS_ERR_PARSE},
        {"[1}", 0, KVS_ERR_PARSE},
        {"[}", 0, KVS_ERR_PARSE},
        {"{]", 0, KVS_ERR_PARSE},
        {"\"abc", 0, KVS_ERR_PARSE},
        {"\"", 0, KVS_ERR_PARSE},
        {"\"\\", 0, KVS_ERR_PARSE},
        {"\"\\\"", 0, KVS_ERR_PARSE},
        {"\"\\x\"", 0, KVS_ERR_PARSE},
        {"\"\\a\"", 0, KVS_ERR_PARSE},
        {"\"\\'\"", 0, KVS_ERR_PARSE},
        {"\"\\U0041\"", 0, KVS_ERR_PARSE},
        {"\"\\u\"", 0, KVS_ERR_PARSE},
        {"\"\\u12\"", 0, KVS_ERR_PARSE},
        {"\"\\u123\"", 0, KVS_ERR_PARSE},
        {"\"\\uZZZZ\"", 0, KVS_ERR_PARSE},
        {"\"\\u12G4\"", 0, KVS_ERR_PARSE},
        {"\"\\u-123\"", 0, KVS_ERR_PARSE},
        {"\"\\ud83d\"", 0, KVS_ERR_PARSE},           /* lone high */
        {"\"\\ud83dx\"", 0, KVS_ERR_PARSE},
        {"\"\\ud83d\\\"", 0, KVS_ERR_PARSE},
        {"\"\\ud83d\\u0041\"", 0, KVS_ERR_PARSE},   /* high + not a low */
        {"\"\\ud83d\\ud83d\"", 0, KVS_ERR_PARSE},   /* high + high */
        {"\"\\ud83d\\ude0\"", 0, KVS_ERR_PARSE},
        {"\"\\ude00\"", 0, KVS_ERR_PARSE},           /* lone low */
        {"\"\\ude00\\ud83d\"", 0, KVS_ERR_PARSE},   /* reversed pair */
        {"\"\\ud83d \\ude00\"", 0, KVS_ERR_PARSE},  /* not immediately followed */
        {"\"a\x01" "b\"", 0, KVS_ERR_PARSE},
        {"\"\x1f\"", 0, KVS_ERR_PARSE},
        {"\"\t\"", 0, KVS_ERR_PARSE},
        {"\"\n\"", 0, KVS_ERR_PARSE},
        {"\"a\0b\"", 5, KVS_ERR_PARSE},              /* raw NUL inside a string */
        {"\0", 1, KVS_ERR_PARSE},
        {"{}\0", 3, KVS_ERR_PARSE},
        {"[1,\0]", 5, KVS_ERR_PARSE},
        {"\"\xc0\xaf\"", 0, KVS_ERR_PARSE},          /* overlong '/' */
        {"\"\xc1\xbf\"", 0, KVS_ERR_PARSE},
        {"\"\xe0\x80\xaf\"", 0, KVS_ERR_PARSE},      /* overlong, 3 bytes */
        {"\"\xe0\x9f\xbf\"", 0, KVS_ERR_PARSE},
        {"\"\xf0\x80\x80\xaf\"", 0, KVS_ERR_PARSE},  /* overlong, 4 bytes */
        {"\"\xf0\x8f\xbf\xbf\"", 0, KVS_ERR_PARSE},
        {"\"\xed\xa0\x80\"", 0, KVS_ERR_PARSE},      /* encoded surrogate D800 */
        {"\"\xed\xbf\xbf\"", 0, KVS_ERR_PARSE},      /* encoded surrogate DFFF */
        {"\"\xf4\x90\x80\x80\"", 0, KVS_ERR_PARSE},  /* U+110000 */
        {"\"\xf5\x80\x80\x80\"", 0, KVS_ERR_PARSE},
        {"\"\xf8\x88\x80\x80\x80\"", 0, KVS_ERR_PARSE},
        {"\"\xff\"", 0, KVS_ERR_PARSE},
        {"\"\xfe\"", 0, KVS_ERR_PARSE},
        {"\"\x80\"", 0, KVS_ERR_PARSE},              /* lone continuation */
        {"\"a\xbf" "b\"", 0, KVS_ERR_PARSE},
        {"\"\xe2\x82\"", 0, KVS_ERR_PARSE},          /* truncated 3-byte */
        {"\"\xe2\x82", 0, KVS_ERR_PARSE},
        {"\"\xc3\"", 0, KVS_ERR_PARSE},
        {"\"\xc3" "A\"", 0, KVS_ERR_PARSE},
        {"\"\xf0\x9f\x98\"", 0, KVS_ERR_PARSE},      /* truncated 4-byte */
        {"\"\xe2\x28\xa1\"", 0, KVS_ERR_PARSE},
        {"\xc3\xa9", 0, KVS_ERR_PARSE},              /* raw UTF-8 outside a string */
        {"\f1", 0, KVS_ERR_PARSE},                   /* not JSON whitespace */
        {"\v1", 0, KVS_ERR_PARSE},
        {"\xc2\xa0" "1", 0, KVS_ERR_PARSE},
        {"[1,\f2]", 0, KVS_ERR_PARSE},
    };
    size_t i;
    for (i = 0; i < KVS__ARRAY_LEN(docs); i++) {
        size_t n = json_t_len(docs[i].s, docs[i].n);
        kvs_result res = kvs__json_validate(docs[i].s, n);
        if (res != docs[i].want)
            printf("    invalid document %lu: got %d\n", (unsigned long)i, (int)res);
        CHECK_EQ(res, docs[i].want);
        CHECK_EQ(json_t_walk(docs[i].s, n, NULL), docs[i].want);
    }
}

/* Every proper prefix of a container document is incomplete, thus refused. */
static void test_json_every_prefix_fails(void) {
    const char *docs[4];
    size_t d, k, n;
    JSON_T_NEED_DEPTH_8();
    docs[0] = json_t_kvs_offer;
    docs[1] = json_t_ice;
    docs[2] = json_t_mixed;
    docs[3] = "[{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\\ud83d\\ude00\"},-0.5e+7,true,false]";
    for (d = 0; d < KVS__ARRAY_LEN(docs); d++) {
        n = strlen(docs[d]);
        CHECK_EQ(kvs__json_validate(docs[d], n), KVS_OK);
        for (k = 0; k < n; k++) {
            /* the mixed document ends in a space: only its last prefix is complete */
            if (d == 2 && k == n - 1)
                continue;
            CHECK_EQ(kvs__json_validate(docs[d], k), KVS_ERR_PARSE);
        }
    }
}

static void test_json_depth_limit(void) {
    static char buf[8 * KVS_JSON_MAX_DEPTH + 64];
    static char huge[100000];
    kvs__json_rd r;
    kvs__json_tok t;
    kvs_result res;
    size_t n = 0;
    int i, maxdepth = -1;
    /* arrays: exactly at the limit */
    for (i = 0; i < KVS_JSON_MAX_DEPTH; i++)
        buf[n++] = '[';
    for (i = 0; i < KVS_JSON_MAX_DEPTH; i++)
        buf[n++] = ']';
    CHECK_EQ(kvs__json_validate(buf, n), KVS_OK);
    kvs__json_rd_init(&r, buf, n);
    while ((res = kvs__json_next(&r, &t)) == KVS_OK && t.type != KVS__JSON_END)
        if (t.depth > maxdepth)
            maxdepth = t.depth;
    CHECK_EQ(res, KVS_OK);
    CHECK_EQ(maxdepth, KVS_JSON_MAX_DEPTH - 1);
    /* one more: the limit, reported at the offending bracket */
    n = 0;
    for (i = 0; i <= KVS_JSON_MAX_DEPTH; i++)
        buf[n++] = '[';
    for (i = 0; i <= KVS_JSON_MAX_DEPTH; i++)
        buf[n++] = ']';
    CHECK_EQ(kvs__json_validate(buf, n), KVS_ERR_LIMIT);
    kvs__json_rd_init(&r, buf, n);
    while ((res = kvs__json_next(&r, &t)) == KVS_OK)
        ;
    CHECK_EQ(res, KVS_ERR_LIMIT);
    CHECK_EQ(r.err_off, KVS_JSON_MAX_DEPTH);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_ERR_LIMIT); /* sticky */
    CHECK_EQ(t.type, KVS__JSON_NONE);
    /* objects: {"a":{"a":...1...}} at the limit, then one deeper */
    n = 0;
    for (i = 0; i < KVS_JSON_MAX_DEPTH - 1; i++) {
        memcpy(buf + n, "{\"a\":", 5);
        n += 5;
    }
    memcpy(buf + n, "{}", 2);
    n += 2;
    for (i = 0; i < KVS_JSON_MAX_DEPTH - 1; i++)
        buf[n++] = '}';
    CHECK_EQ(kvs__json_validate(buf, n), KVS_OK);
    n = 0;
    for (i = 0; i < KVS_JSON_MAX_DEPTH; i++) {
        memcpy(buf + n, "{\"a\":", 5);
        n += 5;
    }
    memcpy(buf + n, "[]", 2);
    n += 2;
    for (i = 0; i < KVS_JSON_MAX_DEPTH; i++)
        buf[n++] = '}';
    CHECK_EQ(kvs__json_validate(buf, n), KVS_ERR_LIMIT);
    CHECK_EQ(kvs__json_obj_get(buf, n, "a", 0, &t), KVS_ERR_LIMIT);
    /* hostile input: 100000 open brackets, unterminated */
    memset(huge, '[', sizeof huge);
    CHECK_EQ(kvs__json_validate(huge, sizeof huge), KVS_ERR_LIMIT);
    /* the limit wins over truncation, and truncation below the limit is a parse error */
    CHECK_EQ(kvs__json_validate(huge, (size_t)KVS_JSON_MAX_DEPTH + 1), KVS_ERR_LIMIT);
    CHECK_EQ(kvs__json_validate(huge, (size_t)KVS_JSON_MAX_DEPTH), KVS_ERR_PARSE);
}

static void test_json_error_offsets(void) {
    static const struct {
        const char *s;
        size_t off;
    } v[] = {
        {"", 0},
        {"   ", 3},
        {"{\"a\":1,}", 7},
        {"[1 2]", 3},
        {"\"abc", 4},
        {"\"\\x\"", 2},
        {"\"\\u12G4\"", 5},
        {"\"\\ud83d\"", 1},
        {"01", 1},
        {"1.x", 2},
        {"tRue", 1},
        {"[1]  x", 5},
        {"\"a\x01\"", 2},
        {"\"\xe2\x82\"", 1},
        {"{\"a\"1}", 4},
    };
    kvs__json_rd r;
    kvs__json_tok t;
    size_t i;
    kvs_result res;
    for (i = 0; i < KVS__ARRAY_LEN(v); i++) {
        kvs__json_rd_init(&r, v[i].s, strlen(v[i].s));
        while ((res = kvs__json_next(&r, &t)) == KVS_OK && t.type != KVS__JSON_END)
            ;
        CHECK_EQ(res, KVS_ERR_PARSE);
        if (r.err_off != v[i].off)
            printf("    error offset of document %lu\n", (unsigned long)i);
        CHECK_EQ(r.err_off, v[i].off);
    }
}

static void test_json_null_input(void) {
    kvs__json_rd r;
    kvs__json_tok t;
    CHECK_EQ(kvs__json_validate(NULL, 0), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_validate(NULL, 5), KVS_ERR_INVALID_ARG);
    kvs__json_rd_init(&r, NULL, 3);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__json_obj_get(NULL, 0, "a", 0, &t), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get(NULL, 2, "a", 0, &t), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__json_obj_get("{}", 2, NULL, 0, &t), KVS_ERR_INVALID_ARG);
}

/* --- token streams --------------------------------------------------------------------------- */

typedef struct json_t_want {
    kvs__json_type type;
    int depth;
    const char *raw; /* the token's bytes (NULL: not checked) */
} json_t_want;

static void json_t_expect(const char *doc, const json_t_want *w, size_t nw) {
    kvs__json_rd r;
    kvs__json_tok t;
    size_t i;
    kvs__json_rd_init(&r, doc, strlen(doc));
    for (i = 0; i < nw; i++) {
        CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
        CHECK_EQ(t.type, w[i].type);
        CHECK_EQ(t.depth, w[i].depth);
        if (w[i].raw) {
            CHECK_EQ(t.n, strlen(w[i].raw));
            CHECK(t.n == strlen(w[i].raw) && memcmp(t.p, w[i].raw, t.n) == 0);
        }
        if (t.type != w[i].type)
            break;
    }
    /* END is sticky */
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_END);
    CHECK_EQ(t.n, 0);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_END);
}

static void test_json_token_stream_kvs_message(void) {
    static const json_t_want w[] = {
        {KVS__JSON_OBJ_BEGIN, 0, "{"},
        {KVS__JSON_KEY, 1, "action"},
        {KVS__JSON_STRING, 1, "SDP_OFFER"},
        {KVS__JSON_KEY, 1, "recipientClientId"},
        {KVS__JSON_STRING, 1, "viewer1"},
        {KVS__JSON_KEY, 1, "messagePayload"},
        {KVS__JSON_STRING, 1, "eyJ0eXBlIjoib2ZmZXIifQ=="},
        {KVS__JSON_OBJ_END, 0, "}"},
        {KVS__JSON_END, 0, ""},
    };
    static const json_t_want w2[] = {
        {KVS__JSON_OBJ_BEGIN, 0, "{"},
        {KVS__JSON_KEY, 1, "IceServerList"},
        {KVS__JSON_ARR_BEGIN, 1, "["},
        {KVS__JSON_OBJ_BEGIN, 2, "{"},
        {KVS__JSON_KEY, 3, "Password"},
        {KVS__JSON_STRING, 3, "p"},
        {KVS__JSON_KEY, 3, "Ttl"},
        {KVS__JSON_NUMBER, 3, "300"},
        {KVS__JSON_KEY, 3, "Uris"},
        {KVS__JSON_ARR_BEGIN, 3, "["},
        {KVS__JSON_STRING, 4, "turn:1.2.3.4:443?transport=udp"},
        {KVS__JSON_STRING, 4, "turns:1.2.3.4:443?transport=tcp"},
        {KVS__JSON_ARR_END, 3, "]"},
        {KVS__JSON_KEY, 3, "Username"},
        {KVS__JSON_STRING, 3, "u"},
        {KVS__JSON_OBJ_END, 2, "}"},
        {KVS__JSON_ARR_END, 1, "]"},
        {KVS__JSON_OBJ_END, 0, "}"},
        {KVS__JSON_END, 0, ""},
    };
    static const json_t_want w3[] = {
        {KVS__JSON_ARR_BEGIN, 0, "["},
        {KVS__JSON_NUMBER, 1, "-0.5e+7"},
        {KVS__JSON_TRUE, 1, "true"},
        {KVS__JSON_FALSE, 1, "false"},
        {KVS__JSON_NULL, 1, "null"},
        {KVS__JSON_STRING, 1, "a\\\"b"},
        {KVS__JSON_ARR_BEGIN, 1, "["},
        {KVS__JSON_ARR_END, 1, "]"},
        {KVS__JSON_OBJ_BEGIN, 1, "{"},
        {KVS__JSON_OBJ_END, 1, "}"},
        {KVS__JSON_ARR_END, 0, "]"},
        {KVS__JSON_END, 0, ""},
    };
    static const json_t_want w4[] = {
        {KVS__JSON_NUMBER, 0, "42"},
        {KVS__JSON_END, 0, ""},
    };
    kvs__json_rd r;
    kvs__json_tok t;
    JSON_T_NEED_DEPTH_8();
    json_t_expect(json_t_kvs_offer, w, KVS__ARRAY_LEN(w));
    json_t_expect(json_t_ice, w2, KVS__ARRAY_LEN(w2));
    json_t_expect(" [ -0.5e+7 , true,false ,null,\"a\\\"b\",[ ],{ }] ", w3, KVS__ARRAY_LEN(w3));
    json_t_expect(" 42\n", w4, KVS__ARRAY_LEN(w4));
    /* the escaped flag */
    kvs__json_rd_init(&r, "[\"plain\",\"a\\nb\"]", 16);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.escaped, 0);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.escaped, 1);
    /* tokens before an error are delivered; the error then sticks */
    kvs__json_rd_init(&r, "[1,2,]", 6);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_ERR_PARSE);
    CHECK_EQ(r.err_off, 5);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_ERR_PARSE);
    CHECK_EQ(r.err_off, 5);
    /* the reader never looks past n: a valid document followed by garbage outside the bounds */
    CHECK_EQ(kvs__json_validate("{\"a\":1}garbage", 7), KVS_OK);
    CHECK_EQ(kvs__json_validate("\"abc\"", 4), KVS_ERR_PARSE);
}

/* --- strings ---------------------------------------------------------------------------------- */

/* Decode the first STRING or KEY of doc into out; returns the decoded length (or (size_t)-1). */
static size_t json_t_first_str(const char *doc, uint8_t *out, size_t cap, kvs__json_tok *tok) {
    kvs__json_rd r;
    kvs__json_tok t;
    kvs__wr w;
    kvs__json_rd_init(&r, doc, strlen(doc));
    while (kvs__json_next(&r, &t) == KVS_OK && t.type != KVS__JSON_END) {
        if (t.type == KVS__JSON_STRING || t.type == KVS__JSON_KEY) {
            kvs__wr_init(&w, out, cap);
            if (kvs__json_str(&t, &w) != KVS_OK)
                return (size_t)-1;
            if (tok)
                *tok = t;
            return w.len;
        }
    }
    return (size_t)-1;
}

static void test_json_str_decode(void) {
    static const struct {
        const char *doc;
        const char *hex;
    } v[] = {
        {"\"abc\"", "616263"},
        {"\"\"", ""},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "225c2f080c0a0d09"},
        {"\"\\u0041\\u00e9\\u20ac\"", "41c3a9e282ac"},
        {"\"\\u0000\"", "00"},
        {"\"a\\u0000b\"", "610062"},
        {"\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"", "7fc280dfbfe0a080efbfbf"},
        {"\"\\ud83d\\ude00\"", "f09f9880"},
        {"\"\\uD800\\uDC00\"", "f0908080"},
        {"\"\\udbff\\udfff\"", "f48fbfbf"},
        {"\"\xf0\x9f\x98\x80 \\ud83d\\ude00\"", "f09f988020f09f9880"},
        {"\"\xc3\xa9\\n\xe2\x82\xac\"", "c3a90ae282ac"},
        {"{\"k\\u0065y\":1}", "6b6579"},
    };
    uint8_t out[64], want[64];
    size_t i, n, wn;
    kvs__json_tok t;
    kvs__wr w;
    for (i = 0; i < KVS__ARRAY_LEN(v); i++) {
        n = json_t_first_str(v[i].doc, out, sizeof out, &t);
        wn = kvs_test_unhex(v[i].hex, want, sizeof want);
        CHECK_EQ(n, wn);
        if (n == wn)
            CHECK_MEM(out, want, n);
        CHECK(n <= t.n); /* decoding never grows */
    }
    /* too small: counted, reported */
    n = json_t_first_str("\"\\ud83d\\ude00xyz\"", out, sizeof out, &t);
    CHECK_EQ(n, 7);
    kvs__wr_init(&w, out, 3);
    CHECK_EQ(kvs__json_str(&t, &w), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(w.len, 7);
    kvs__wr_init(&w, NULL, 0);
    CHECK_EQ(kvs__json_str(&t, &w), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(w.len, 7);
    /* not a string token */
    t.type = KVS__JSON_NUMBER;
    kvs__wr_init(&w, out, sizeof out);
    CHECK_EQ(kvs__json_str(&t, &w), KVS_ERR_INVALID_ARG);
    t.type = KVS__JSON_OBJ_BEGIN;
    CHECK_EQ(kvs__json_str(&t, &w), KVS_ERR_INVALID_ARG);
    /* a hand-made token with a broken escape */
    t.type = KVS__JSON_STRING;
    t.p = "a\\q";
    t.n = 3;
    t.escaped = 1;
    CHECK_EQ(kvs__json_str(&t, &w), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_str_eq(&t, "a", 1, 0), 0);
}

static void test_json_str_eq(void) {
    kvs__json_tok t;
    uint8_t out[32];
    CHECK(json_t_first_str("\"action\"", out, sizeof out, &t) == 6);
    CHECK_EQ(kvs__json_str_eq(&t, "action", 6, 0), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "actio", 5, 0), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "actions", 7, 0), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "Action", 6, 0), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "ACTION", 6, KVS__JSON_NOCASE), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "actioN", 6, KVS__JSON_NOCASE), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "ACTIOM", 6, KVS__JSON_NOCASE), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "", 0, 0), 0);
    /* escaped forms compare decoded */
    CHECK(json_t_first_str("\"\\u0061\\u0063tion\"", out, sizeof out, &t) == 6);
    CHECK_EQ(kvs__json_str_eq(&t, "action", 6, 0), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "ACTION", 6, KVS__JSON_NOCASE), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "actionx", 7, 0), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "actio", 5, 0), 0);
    /* length-counted: an embedded NUL */
    CHECK(json_t_first_str("\"a\\u0000b\"", out, sizeof out, &t) == 3);
    CHECK_EQ(kvs__json_str_eq(&t, "a\0b", 3, 0), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "a", 1, 0), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "a\0c", 3, 0), 0);
    /* surrogate pair and raw UTF-8; NOCASE leaves non-ASCII bytes alone */
    CHECK(json_t_first_str("\"\\ud83d\\ude00\xc3\xa9\"", out, sizeof out, &t) == 6);
    CHECK_EQ(kvs__json_str_eq(&t, "\xf0\x9f\x98\x80\xc3\xa9", 6, 0), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "\xf0\x9f\x98\x80\xc3\xa9", 6, KVS__JSON_NOCASE), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "\xf0\x9f\x98\x80\xc3\x89", 6, KVS__JSON_NOCASE), 0);
    CHECK_EQ(kvs__json_str_eq(&t, "\xf0\x9f\x98", 3, 0), 0);
    /* empty */
    CHECK(json_t_first_str("\"\"", out, sizeof out, &t) == 0);
    CHECK_EQ(kvs__json_str_eq(&t, "", 0, 0), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "", 0, KVS__JSON_NOCASE), 1);
    CHECK_EQ(kvs__json_str_eq(&t, "a", 1, 0), 0);
    /* keys too; other types never match */
    CHECK(json_t_first_str("{\"Type\":\"x\"}", out, sizeof out, &t) == 4);
    CHECK_EQ(t.type, KVS__JSON_KEY);
    CHECK_EQ(kvs__json_str_eq(&t, "type", 4, KVS__JSON_NOCASE), 1);
    t.type = KVS__JSON_NUMBER;
    CHECK_EQ(kvs__json_str_eq(&t, "Type", 4, 0), 0);
}

/* --- integers --------------------------------------------------------------------------------- */

static kvs__json_tok json_t_num(const char *lit) {
    kvs__json_tok t;
    t.type = KVS__JSON_NUMBER;
    t.p = lit;
    t.n = strlen(lit);
    t.depth = 0;
    t.escaped = 0;
    return t;
}

static void test_json_integers(void) {
    kvs__json_tok t;
    int64_t v;
    uint64_t u;
    kvs__json_rd r;
    t = json_t_num("0");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK_EQ(v, 0);
    t = json_t_num("-0");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK_EQ(v, 0);
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_OK);
    CHECK_EQ_U64(u, 0);
    t = json_t_num("300");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK_EQ(v, 300);
    t = json_t_num("-42");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK_EQ(v, -42);
    t = json_t_num("9223372036854775807");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK(v == INT64_MAX);
    t = json_t_num("-9223372036854775808");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK(v == INT64_MIN);
    t = json_t_num("9223372036854775808");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_LIMIT);
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_OK);
    CHECK_EQ_U64(u, (uint64_t)INT64_MAX + 1u);
    t = json_t_num("-9223372036854775809");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_LIMIT);
    t = json_t_num("18446744073709551615");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_OK);
    CHECK_EQ_U64(u, UINT64_MAX);
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_LIMIT);
    t = json_t_num("18446744073709551616");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_LIMIT);
    CHECK_EQ_U64(u, 0);
    t = json_t_num("184467440737095516150");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_LIMIT);
    t = json_t_num("123456789012345678901234567890");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_LIMIT);
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_LIMIT);
    t = json_t_num("-1");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_LIMIT);
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK_EQ(v, -1);
    t = json_t_num("1.0");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_PARSE);
    t = json_t_num("1e3");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    t = json_t_num("1E+0");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_PARSE);
    t = json_t_num("-0.0");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    t = json_t_num("123456789012345678901234567890.5"); /* a fraction is PARSE even when huge */
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    /* malformed hand-made tokens */
    t = json_t_num("");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    t = json_t_num("-");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    t = json_t_num("01");
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    t = json_t_num("+1");
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_PARSE);
    t = json_t_num("12");
    t.type = KVS__JSON_STRING;
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_ERR_PARSE);
    /* from the reader */
    kvs__json_rd_init(&r, "[-9223372036854775808]", 22);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK(v == INT64_MIN);
}

/* --- skip and lookup -------------------------------------------------------------------------- */

static void test_json_skip(void) {
    static const char doc[] =
        "{\"a\":{\"x\":[1,{\"y\":[]}],\"z\":\"}\"},\"b\":[[\"]\"],[]],\"c\":7}";
    kvs__json_rd r;
    kvs__json_tok t, k;
    JSON_T_NEED_DEPTH_8();
    CHECK_EQ(kvs__json_validate(doc, strlen(doc)), KVS_OK);
    kvs__json_rd_init(&r, doc, strlen(doc));
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &k), KVS_OK); /* "a" */
    CHECK_EQ(k.type, KVS__JSON_KEY);
    CHECK_EQ(kvs__json_skip(&r, &k), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_OBJ_BEGIN);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_OK);
    CHECK_EQ(t.n, strlen("{\"x\":[1,{\"y\":[]}],\"z\":\"}\"}"));
    CHECK(memcmp(t.p, "{\"x\":[1,{\"y\":[]}],\"z\":\"}\"}", t.n) == 0);
    CHECK_EQ(kvs__json_validate(t.p, t.n), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &k), KVS_OK);
    CHECK(kvs__json_str_eq(&k, "b", 1, 0));
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_ARR_BEGIN);
    /* read into the array, then skip the rest of it */
    CHECK_EQ(kvs__json_next(&r, &k), KVS_OK);
    CHECK_EQ(k.type, KVS__JSON_ARR_BEGIN);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_OK);
    CHECK_EQ(t.n, strlen("[[\"]\"],[]]"));
    CHECK_EQ(kvs__json_skip(&r, &k), KVS_ERR_INVALID_ARG); /* already left */
    CHECK_EQ(kvs__json_next(&r, &k), KVS_OK);
    CHECK(kvs__json_str_eq(&k, "c", 1, 0));
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_NUMBER);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_OK);
    CHECK_EQ(t.n, 1);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_OBJ_END);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_END);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_ERR_INVALID_ARG);
    /* an error inside the skipped value */
    kvs__json_rd_init(&r, "[[1,2,}]]", 9);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_ERR_PARSE);
    /* top-level container */
    kvs__json_rd_init(&r, " [1,[2]] ", 9);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_OK);
    CHECK_EQ(t.n, 7);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_END);
}

static void test_json_obj_get(void) {
    kvs__json_tok v;
    kvs__json_rd r;
    kvs__json_tok t;
    int64_t i64;
    uint8_t out[64];
    kvs__wr w;
    const char *doc = json_t_kvs_offer;
    size_t n = strlen(doc);
    JSON_T_NEED_DEPTH_8();
    /* found scalars */
    CHECK_EQ(kvs__json_obj_get(doc, n, "action", 0, &v), KVS_OK);
    CHECK_EQ(v.type, KVS__JSON_STRING);
    CHECK_EQ(v.depth, 1);
    CHECK(kvs__json_str_eq(&v, "SDP_OFFER", 9, 0));
    CHECK_EQ(kvs__json_obj_get(doc, n, "messagePayload", 0, &v), KVS_OK);
    kvs__wr_init(&w, out, sizeof out);
    CHECK_EQ(kvs__json_str(&v, &w), KVS_OK);
    CHECK_EQ(w.len, 24);
    CHECK_MEM(out, "eyJ0eXBlIjoib2ZmZXIifQ==", 24);
    CHECK_EQ(kvs__json_obj_get(doc, n, "ACTION", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get(doc, n, "ACTION", KVS__JSON_NOCASE, &v), KVS_OK);
    CHECK_EQ(kvs__json_obj_get(doc, n, "actio", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get(doc, n, "", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get(doc, n, "action", 0, NULL), KVS_OK);
    CHECK_EQ(kvs__json_obj_get("{\"a\":true,\"b\":null,\"c\":-5}", 26, "c", 0, &v), KVS_OK);
    CHECK_EQ(v.type, KVS__JSON_NUMBER);
    CHECK_EQ(kvs__json_i64(&v, &i64), KVS_OK);
    CHECK_EQ(i64, -5);
    CHECK_EQ(kvs__json_obj_get("{\"a\":true,\"b\":null,\"c\":-5}", 26, "b", 0, &v), KVS_OK);
    CHECK_EQ(v.type, KVS__JSON_NULL);
    CHECK_EQ(kvs__json_obj_get("{\"\":1}", 6, "", 0, &v), KVS_OK);
    CHECK_EQ(kvs__json_obj_get("{\"k\\u0065y\":2}", 14, "key", 0, &v), KVS_OK);
    CHECK_EQ(v.type, KVS__JSON_NUMBER);
    /* a container: its full text, readable by a new reader */
    CHECK_EQ(kvs__json_obj_get(json_t_ice, strlen(json_t_ice), "IceServerList", 0, &v), KVS_OK);
    CHECK_EQ(v.type, KVS__JSON_ARR_BEGIN);
    CHECK_EQ(v.p[0], '[');
    CHECK_EQ(v.p[v.n - 1], ']');
    CHECK_EQ(v.p + v.n, json_t_ice + strlen(json_t_ice) - 1);
    CHECK_EQ(kvs__json_validate(v.p, v.n), KVS_OK);
    kvs__json_rd_init(&r, v.p, v.n);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_ARR_BEGIN);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_OBJ_BEGIN);
    CHECK_EQ(kvs__json_skip(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_obj_get(t.p, t.n, "Ttl", 0, &v), KVS_OK);
    CHECK_EQ(kvs__json_i64(&v, &i64), KVS_OK);
    CHECK_EQ(i64, 300);
    CHECK_EQ(kvs__json_obj_get(t.p, t.n, "Uris", 0, &v), KVS_OK);
    CHECK_EQ(v.type, KVS__JSON_ARR_BEGIN);
    CHECK_EQ(v.n,
             strlen("[\"turn:1.2.3.4:443?transport=udp\",\"turns:1.2.3.4:443?transport=tcp\"]"));
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_ARR_END);
    /* a nested key is not a top-level member */
    CHECK_EQ(kvs__json_obj_get(json_t_ice, strlen(json_t_ice), "Ttl", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get("{\"a\":{\"b\":1}}", 13, "b", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get("{\"a\":\"b\"}", 9, "b", 0, &v), KVS_ERR_NOT_FOUND);
    /* duplicate keys */
    CHECK_EQ(kvs__json_obj_get("{\"a\":1,\"a\":2}", 13, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1,\"b\":0,\"a\":1}", 19, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1,\"\\u0061\":2}", 18, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1,\"a\":2}", 13, "b", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get("{\"a\":{\"b\":1,\"b\":2}}", 19, "a", 0, &v), KVS_OK);
    CHECK_EQ(kvs__json_obj_get("{\"type\":1,\"Type\":2}", 19, "type", 0, &v), KVS_OK);
    CHECK_EQ(kvs__json_i64(&v, &i64), KVS_OK);
    CHECK_EQ(i64, 1);
    CHECK_EQ(kvs__json_obj_get("{\"type\":1,\"Type\":2}", 19, "Type", 0, &v), KVS_OK);
    CHECK_EQ(kvs__json_i64(&v, &i64), KVS_OK);
    CHECK_EQ(i64, 2);
    CHECK_EQ(kvs__json_obj_get("{\"type\":1,\"Type\":2}", 19, "type", KVS__JSON_NOCASE, &v),
             KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"type\":1,\"Type\":2}", 19, "TYPE", KVS__JSON_NOCASE, &v),
             KVS_ERR_PARSE);
    /* not an object */
    CHECK_EQ(kvs__json_obj_get("[1,2]", 5, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("\"a\"", 3, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("null", 4, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("", 0, "a", 0, &v), KVS_ERR_PARSE);
    /* malformed: also after the member, and after the object */
    CHECK_EQ(kvs__json_obj_get("{\"a\":1,}", 8, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1,\"b\":[}", 13, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1} x", 9, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1}{}", 9, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":1", 6, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{\"a\":\"\\ud800\"}", 14, "a", 0, &v), KVS_ERR_PARSE);
    CHECK_EQ(kvs__json_obj_get("{}", 2, "a", 0, &v), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__json_obj_get(" { } ", 5, "a", 0, &v), KVS_ERR_NOT_FOUND);
}

/* --- writer ----------------------------------------------------------------------------------- */

static void test_json_writer_kvs_message(void) {
    static const char want[] =
        "{\"action\":\"SDP_OFFER\",\"recipientClientId\":\"viewer1\","
        "\"messagePayload\":\"eyJ0eXBlIjoib2ZmZXIifQ==\",\"correlationId\":1,\"list\":[true,false,"
        "null,-3,[],{}]}";
    char buf[256];
    kvs__json_wr j;
    size_t n = 0;
    kvs__json_tok v;
    JSON_T_NEED_DEPTH_8();
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_obj_begin(&j);
    kvs__json_key(&j, "action", 6);
    kvs__json_cstr(&j, "SDP_OFFER");
    kvs__json_key(&j, "recipientClientId", 17);
    kvs__json_string(&j, "viewer1", 7);
    kvs__json_key(&j, "messagePayload", 14);
    kvs__json_cstr(&j, "eyJ0eXBlIjoib2ZmZXIifQ==");
    kvs__json_key(&j, "correlationId", 13);
    kvs__json_u64v(&j, 1);
    kvs__json_key(&j, "list", 4);
    kvs__json_arr_begin(&j);
    kvs__json_bool(&j, 1);
    kvs__json_bool(&j, 0);
    kvs__json_null(&j);
    kvs__json_i64v(&j, -3);
    kvs__json_arr_begin(&j);
    kvs__json_arr_end(&j);
    kvs__json_obj_begin(&j);
    kvs__json_obj_end(&j);
    kvs__json_arr_end(&j);
    kvs__json_obj_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(n, strlen(want));
    CHECK(n == strlen(want) && memcmp(buf, want, n) == 0);
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_OK);
    /* and back */
    CHECK_EQ(kvs__json_validate(buf, n), KVS_OK);
    CHECK_EQ(kvs__json_obj_get(buf, n, "recipientClientId", 0, &v), KVS_OK);
    CHECK(kvs__json_str_eq(&v, "viewer1", 7, 0));
    /* top-level scalars are documents too */
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_cstr(&j, "x");
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(n, 3);
    CHECK_MEM(buf, "\"x\"", 3);
}

static void test_json_writer_ascii_roundtrip(void) {
    char in[128], buf[1024];
    uint8_t dec[128];
    kvs__json_wr j;
    kvs__json_rd r;
    kvs__json_tok t;
    kvs__wr w;
    size_t i, n = 0;
    for (i = 0; i < 127; i++)
        in[i] = (char)(i + 1); /* 0x01 .. 0x7f */
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_arr_begin(&j);
    kvs__json_string(&j, in, 127);
    kvs__json_string(&j, "\0", 1);
    kvs__json_string(&j, "", 0);
    kvs__json_arr_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(kvs__json_validate(buf, n), KVS_OK);
    /* the short escapes, \u00xx for the other control bytes, nothing else escaped */
    CHECK(memcmp(buf, "[\"\\u0001\\u0002", 14) == 0);
    CHECK(strstr(buf, "\\b\\t\\n\\u000b\\f\\r\\u000e") != NULL);
    CHECK(strstr(buf, " !\\\"#$%&'()*+,-./0") != NULL);
    CHECK(strstr(buf, "Z[\\\\]^_`a") != NULL);
    CHECK(strstr(buf, "xyz{|}~\x7f\"") != NULL);
    CHECK(strstr(buf, ",\"\\u0000\",\"\"]") != NULL);
    kvs__json_rd_init(&r, buf, n);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(t.type, KVS__JSON_STRING);
    CHECK_EQ(t.escaped, 1);
    kvs__wr_init(&w, dec, sizeof dec);
    CHECK_EQ(kvs__json_str(&t, &w), KVS_OK);
    CHECK_EQ(w.len, 127);
    CHECK_MEM(dec, in, 127);
    CHECK_EQ(kvs__json_str_eq(&t, in, 127, 0), 1);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_str_eq(&t, "\0", 1, 0), 1);
    /* every single byte alone */
    for (i = 0; i < 128; i++) {
        char c = (char)i;
        kvs__json_wr_init(&j, buf, sizeof buf);
        kvs__json_string(&j, &c, 1);
        CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
        kvs__json_rd_init(&r, buf, n);
        CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
        CHECK_EQ(kvs__json_str_eq(&t, &c, 1, 0), 1);
        CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
        CHECK_EQ(t.type, KVS__JSON_END);
    }
}

static void test_json_writer_utf8(void) {
    static const char ok[] =
        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80";
    static const json_t_doc bad[] = {
        {"\xc0\xaf", 0},         {"\xe0\x80\xaf", 0}, {"\xed\xa0\x80", 0}, {"\xf4\x90\x80\x80", 0},
        {"\x80", 0},             {"\xe2\x82", 0},     {"a\xff", 0},        {"\xc3", 0},
        {"\xf0\x9f\x98", 0},     {"\xc3" "A", 0},     {"\xf8\x88\x80\x80\x80", 0},
    };
    char buf[128];
    kvs__json_wr j;
    size_t n = 0, i;
    kvs__json_tok t;
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_obj_begin(&j);
    kvs__json_key(&j, ok, sizeof ok - 1);
    kvs__json_string(&j, ok, sizeof ok - 1);
    kvs__json_obj_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(n, 2 * (sizeof ok - 1) + 7);
    CHECK_EQ(kvs__json_validate(buf, n), KVS_OK);
    CHECK_EQ(kvs__json_obj_get(buf, n, ok, 0, &t), KVS_OK);
    CHECK_EQ(t.escaped, 0);
    CHECK(t.n == sizeof ok - 1 && memcmp(t.p, ok, t.n) == 0); /* passed through unescaped */
    for (i = 0; i < KVS__ARRAY_LEN(bad); i++) {
        kvs__json_wr_init(&j, buf, sizeof buf);
        kvs__json_string(&j, bad[i].s, strlen(bad[i].s));
        CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_ERR_INVALID_ARG);
        CHECK_EQ(n, 0);
        /* as a key, inside an object */
        kvs__json_wr_init(&j, buf, sizeof buf);
        kvs__json_obj_begin(&j);
        kvs__json_key(&j, bad[i].s, strlen(bad[i].s));
        kvs__json_null(&j);
        kvs__json_obj_end(&j);
        CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_ERR_INVALID_ARG);
    }
    /* the sequence-length helper itself, at the edges of Unicode table 3-7 */
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"A", 1), 1);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xc2\x80", 2), 2);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xc2\x80", 1), 0);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xe0\xa0\x80", 3), 3);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xed\x9f\xbf", 3), 3);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xed\xa0\x80", 3), 0);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xf0\x90\x80\x80", 4), 4);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xf4\x8f\xbf\xbf", 4), 4);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xf4\x90\x80\x80", 4), 0);
    CHECK_EQ(kvs__json_utf8_len((const uint8_t *)"\xf0\x9f\x98\x41", 4), 0);
    /* sticky: later valid calls do not clear it */
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_arr_begin(&j);
    kvs__json_string(&j, "\xff", 1);
    kvs__json_string(&j, "ok", 2);
    kvs__json_arr_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_INVALID_ARG);
    /* NULL strings */
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_cstr(&j, NULL);
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_INVALID_ARG);
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_string(&j, NULL, 3);
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_INVALID_ARG);
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_string(&j, NULL, 0);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(n, 2);
}

static void test_json_writer_numbers(void) {
    static const char want[] =
        "[-9223372036854775808,9223372036854775807,0,-1,18446744073709551615,0,-0.5e+10,"
        "123456789012345678901234567890,1E2]";
    static const char *const badnum[] = {"", "01", "1.", ".5", "+1", "1e", "-", "1 ", " 1", "NaN",
                                         "0x1", "1,2"};
    char buf[256];
    kvs__json_wr j;
    kvs__json_rd r;
    kvs__json_tok t;
    size_t n = 0, i;
    int64_t v;
    uint64_t u;
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_arr_begin(&j);
    kvs__json_i64v(&j, INT64_MIN);
    kvs__json_i64v(&j, INT64_MAX);
    kvs__json_i64v(&j, 0);
    kvs__json_i64v(&j, -1);
    kvs__json_u64v(&j, UINT64_MAX);
    kvs__json_u64v(&j, 0);
    kvs__json_raw_number(&j, "-0.5e+10", 8);
    kvs__json_raw_number(&j, "123456789012345678901234567890", 30);
    kvs__json_raw_number(&j, "1E2xyz", 3);
    kvs__json_arr_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(n, strlen(want));
    CHECK(n == strlen(want) && memcmp(buf, want, n) == 0);
    kvs__json_rd_init(&r, buf, n);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK(v == INT64_MIN);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_i64(&t, &v), KVS_OK);
    CHECK(v == INT64_MAX);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_next(&r, &t), KVS_OK);
    CHECK_EQ(kvs__json_u64(&t, &u), KVS_OK);
    CHECK_EQ_U64(u, UINT64_MAX);
    for (i = 0; i < KVS__ARRAY_LEN(badnum); i++) {
        kvs__json_wr_init(&j, buf, sizeof buf);
        kvs__json_raw_number(&j, badnum[i], strlen(badnum[i]));
        CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_INVALID_ARG);
    }
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_raw_number(&j, NULL, 0);
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_INVALID_ARG);
}

/* Build one fixed document into j (for the sizing tests). */
static void json_t_build(kvs__json_wr *j) {
    kvs__json_obj_begin(j);
    kvs__json_key(j, "IceServerList", 13);
    kvs__json_arr_begin(j);
    kvs__json_obj_begin(j);
    kvs__json_key(j, "Password", 8);
    kvs__json_string(j, "p\"\\\n\x01", 5);
    kvs__json_key(j, "Ttl", 3);
    kvs__json_i64v(j, 300);
    kvs__json_key(j, "Uris", 4);
    kvs__json_arr_begin(j);
    kvs__json_cstr(j, "turn:1.2.3.4:443?transport=udp");
    kvs__json_cstr(j, "\xf0\x9f\x98\x80");
    kvs__json_arr_end(j);
    kvs__json_key(j, "Username", 8);
    kvs__json_cstr(j, "u");
    kvs__json_obj_end(j);
    kvs__json_arr_end(j);
    kvs__json_obj_end(j);
}

static void test_json_writer_sizing(void) {
    char full[256], small[256];
    kvs__json_wr j;
    size_t need = 0, n = 0, cap;
    JSON_T_NEED_DEPTH_8();
    kvs__json_wr_init(&j, full, sizeof full);
    json_t_build(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(kvs__json_validate(full, n), KVS_OK);
    /* measuring */
    kvs__json_wr_init(&j, NULL, 0);
    json_t_build(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(need, n);
    /* every cap below the size: too small, with the size needed; what was stored is a prefix */
    for (cap = 0; cap < need; cap++) {
        size_t got = 0;
        memset(small, 0x5a, sizeof small);
        kvs__json_wr_init(&j, small, cap);
        json_t_build(&j);
        CHECK_EQ(kvs__json_wr_finish(&j, &got), KVS_ERR_BUFFER_TOO_SMALL);
        CHECK_EQ(got, need);
        CHECK(memcmp(small, full, cap) == 0);
        CHECK((unsigned char)small[cap] == 0x5a); /* nothing written past cap */
    }
    /* exactly the size */
    kvs__json_wr_init(&j, small, need);
    json_t_build(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_OK);
    CHECK_EQ(n, need);
    CHECK_MEM(small, full, need);
}

typedef void (*json_t_step)(kvs__json_wr *j);
static void json_t_ob(kvs__json_wr *j) { kvs__json_obj_begin(j); }
static void json_t_oe(kvs__json_wr *j) { kvs__json_obj_end(j); }
static void json_t_ab(kvs__json_wr *j) { kvs__json_arr_begin(j); }
static void json_t_ae(kvs__json_wr *j) { kvs__json_arr_end(j); }
static void json_t_k(kvs__json_wr *j) { kvs__json_key(j, "k", 1); }
static void json_t_s(kvs__json_wr *j) { kvs__json_string(j, "s", 1); }
static void json_t_i(kvs__json_wr *j) { kvs__json_i64v(j, 1); }
static void json_t_u(kvs__json_wr *j) { kvs__json_u64v(j, 1); }
static void json_t_b(kvs__json_wr *j) { kvs__json_bool(j, 1); }
static void json_t_z(kvs__json_wr *j) { kvs__json_null(j); }
static void json_t_r(kvs__json_wr *j) { kvs__json_raw_number(j, "1.5", 3); }

static void test_json_writer_misuse(void) {
    /* each sequence, ended by 0, is misuse: KVS_ERR_STATE */
    static const json_t_step seqs[][6] = {
        {0},                                          /* nothing written */
        {json_t_ob, json_t_s, 0},                     /* value where a key is due */
        {json_t_ob, json_t_i, 0},
        {json_t_ob, json_t_ab, 0},
        {json_t_ob, json_t_z, json_t_oe, 0},
        {json_t_k, 0},                                /* key at top level */
        {json_t_ab, json_t_k, 0},                     /* key in an array */
        {json_t_ob, json_t_k, json_t_k, 0},           /* key after key */
        {json_t_ob, json_t_k, json_t_oe, 0},          /* key without value */
        {json_t_ob, json_t_k, 0},
        {json_t_ab, json_t_oe, 0},                    /* mismatched */
        {json_t_ob, json_t_ae, 0},
        {json_t_oe, 0},                               /* unbalanced */
        {json_t_ae, 0},
        {json_t_ab, json_t_ae, json_t_ae, 0},
        {json_t_ab, 0},                               /* unfinished */
        {json_t_ob, json_t_k, json_t_ab, json_t_ae, 0},
        {json_t_z, json_t_z, 0},                      /* two top-level values */
        {json_t_ob, json_t_oe, json_t_ab, json_t_ae, 0},
        {json_t_s, json_t_u, 0},
        {json_t_b, json_t_r, 0},
        {json_t_ob, json_t_oe, json_t_k, 0},
        {json_t_ob, json_t_b, 0},
        {json_t_ob, json_t_r, 0},
        {json_t_ob, json_t_u, 0},
        {json_t_ae, json_t_k, json_t_r, json_t_ob, json_t_s, 0}, /* calls after the error */
    };
    kvs__json_wr j;
    char buf[64];
    size_t i, k, n = 99;
    int d;
    for (i = 0; i < KVS__ARRAY_LEN(seqs); i++) {
        kvs__json_wr_init(&j, buf, sizeof buf);
        for (k = 0; k < 6 && seqs[i][k]; k++)
            seqs[i][k](&j);
        if (kvs__json_wr_finish(&j, &n) != KVS_ERR_STATE)
            printf("    misuse sequence %lu accepted\n", (unsigned long)i);
        CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_ERR_STATE);
        CHECK_EQ(n, 0);
    }
    /* misuse wins over the buffer size, and sticks */
    kvs__json_wr_init(&j, NULL, 0);
    kvs__json_arr_begin(&j);
    kvs__json_key(&j, "k", 1);
    kvs__json_cstr(&j, "x");
    kvs__json_arr_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_STATE);
    kvs__json_wr_init(&j, buf, sizeof buf);
    kvs__json_obj_end(&j);
    kvs__json_string(&j, "\xff", 1); /* the first error is kept */
    CHECK_EQ(kvs__json_wr_finish(&j, NULL), KVS_ERR_STATE);
    /* nesting: the limit is fine, one more is misuse */
    kvs__json_wr_init(&j, NULL, 0);
    for (d = 0; d < KVS_JSON_MAX_DEPTH; d++)
        kvs__json_arr_begin(&j);
    for (d = 0; d < KVS_JSON_MAX_DEPTH; d++)
        kvs__json_arr_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(n, 2 * KVS_JSON_MAX_DEPTH);
    kvs__json_wr_init(&j, NULL, 0);
    for (d = 0; d <= KVS_JSON_MAX_DEPTH; d++)
        kvs__json_arr_begin(&j);
    for (d = 0; d <= KVS_JSON_MAX_DEPTH; d++)
        kvs__json_arr_end(&j);
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_ERR_STATE);
    kvs__json_wr_init(&j, NULL, 0);
    kvs__json_obj_begin(&j);
    for (d = 1; d <= KVS_JSON_MAX_DEPTH; d++) {
        kvs__json_key(&j, "a", 1);
        kvs__json_obj_begin(&j);
    }
    CHECK_EQ(kvs__json_wr_finish(&j, &n), KVS_ERR_STATE);
}

/* --- writer -> reader round trips of generated documents -------------------------------------- */

typedef struct json_t_gen {
    uint64_t s;             /* xorshift64 state */
    kvs__json_wr j;
    kvs__json_type type[4096];
    int depth[4096];
    size_t off[4096];       /* KEY/STRING: decoded bytes, NUMBER: literal, in pool */
    size_t len[4096];
    size_t ntok;
    uint8_t pool[65536];
    size_t npool;
    int overflow;
} json_t_gen;

static uint32_t json_t_rand(json_t_gen *g) {
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return (uint32_t)(g->s >> 32);
}

static void json_t_tok(json_t_gen *g, kvs__json_type type, int depth, const void *p, size_t n) {
    if (g->ntok >= KVS__ARRAY_LEN(g->type) || n > sizeof g->pool - g->npool) {
        g->overflow = 1;
        return;
    }
    g->type[g->ntok] = type;
    g->depth[g->ntok] = depth;
    g->off[g->ntok] = g->npool;
    g->len[g->ntok] = n;
    if (n)
        memcpy(g->pool + g->npool, p, n);
    g->npool += n;
    g->ntok++;
}

/* Random bytes for a string: ASCII, control bytes, quotes, backslashes, valid UTF-8. */
static size_t json_t_rand_str(json_t_gen *g, uint8_t *out) {
    size_t n = 0, len = json_t_rand(g) % 24u, i;
    uint32_t cp;
    for (i = 0; i < len; i++) {
        switch (json_t_rand(g) % 8u) {
        case 0:
            out[n++] = (uint8_t)(json_t_rand(g) % 0x20u);
            break;
        case 1:
            out[n++] = (uint8_t)"\"\\/"[json_t_rand(g) % 3u];
            break;
        case 2:
            cp = 0x80u + json_t_rand(g) % (0x800u - 0x80u);
            out[n++] = (uint8_t)(0xc0u | (cp >> 6));
            out[n++] = (uint8_t)(0x80u | (cp & 0x3fu));
            break;
        case 3:
            do
                cp = 0x800u + json_t_rand(g) % (0x10000u - 0x800u);
            while (cp >= 0xd800u && cp <= 0xdfffu);
            out[n++] = (uint8_t)(0xe0u | (cp >> 12));
            out[n++] = (uint8_t)(0x80u | ((cp >> 6) & 0x3fu));
            out[n++] = (uint8_t)(0x80u | (cp & 0x3fu));
            break;
        case 4:
            cp = 0x10000u + json_t_rand(g) % (0x110000u - 0x10000u);
            out[n++] = (uint8_t)(0xf0u | (cp >> 18));
            out[n++] = (uint8_t)(0x80u | ((cp >> 12) & 0x3fu));
            out[n++] = (uint8_t)(0x80u | ((cp >> 6) & 0x3fu));
            out[n++] = (uint8_t)(0x80u | (cp & 0x3fu));
            break;
        default:
            out[n++] = (uint8_t)(0x20u + json_t_rand(g) % 0x60u); /* 0x20..0x7f */
            break;
        }
    }
    return n;
}

static void json_t_gen_value(json_t_gen *g, int depth) {
    static const char *const raw[] = {"-0", "0.5", "1e308", "-12.5e-3", "1E+2",
                                      "123456789012345678901234567890", "0.0000001"};
    uint8_t s[128];
    char lit[32];
    size_t n, i, count;
    uint32_t kind = depth < 2 ? 7u + json_t_rand(g) % 4u : json_t_rand(g) % (depth < 8 ? 11u : 7u);
    int64_t v;
    uint64_t u;
    switch (kind) {
    case 0: /* string */
        n = json_t_rand_str(g, s);
        kvs__json_string(&g->j, (const char *)s, n);
        json_t_tok(g, KVS__JSON_STRING, depth, s, n);
        break;
    case 1:
        v = (int64_t)(((uint64_t)json_t_rand(g) << 32) | json_t_rand(g));
        if (json_t_rand(g) % 2u)
            v = v % 1000;
        kvs__json_i64v(&g->j, v);
        snprintf(lit, sizeof lit, "%lld", (long long)v);
        json_t_tok(g, KVS__JSON_NUMBER, depth, lit, strlen(lit));
        break;
    case 2:
        i = json_t_rand(g) % KVS__ARRAY_LEN(raw);
        kvs__json_raw_number(&g->j, raw[i], strlen(raw[i]));
        json_t_tok(g, KVS__JSON_NUMBER, depth, raw[i], strlen(raw[i]));
        break;
    case 3:
        kvs__json_bool(&g->j, 1);
        json_t_tok(g, KVS__JSON_TRUE, depth, NULL, 0);
        break;
    case 4:
        kvs__json_bool(&g->j, 0);
        json_t_tok(g, KVS__JSON_FALSE, depth, NULL, 0);
        break;
    case 5:
        kvs__json_null(&g->j);
        json_t_tok(g, KVS__JSON_NULL, depth, NULL, 0);
        break;
    case 6:
        u = UINT64_MAX - json_t_rand(g) % 3u;
        kvs__json_u64v(&g->j, u);
        snprintf(lit, sizeof lit, "%llu", (unsigned long long)u);
        json_t_tok(g, KVS__JSON_NUMBER, depth, lit, strlen(lit));
        break;
    case 7: /* object */
    case 8:
        kvs__json_obj_begin(&g->j);
        json_t_tok(g, KVS__JSON_OBJ_BEGIN, depth, NULL, 0);
        count = json_t_rand(g) % 6u;
        for (i = 0; i < count; i++) {
            n = json_t_rand_str(g, s);
            kvs__json_key(&g->j, (const char *)s, n);
            json_t_tok(g, KVS__JSON_KEY, depth + 1, s, n);
            json_t_gen_value(g, depth + 1);
        }
        kvs__json_obj_end(&g->j);
        json_t_tok(g, KVS__JSON_OBJ_END, depth, NULL, 0);
        break;
    default: /* array */
        kvs__json_arr_begin(&g->j);
        json_t_tok(g, KVS__JSON_ARR_BEGIN, depth, NULL, 0);
        count = json_t_rand(g) % 6u;
        for (i = 0; i < count; i++)
            json_t_gen_value(g, depth + 1);
        kvs__json_arr_end(&g->j);
        json_t_tok(g, KVS__JSON_ARR_END, depth, NULL, 0);
        break;
    }
}

/* Generate document number `doc` from the generator's current state into j's buffer. */
static void json_t_gen_doc(json_t_gen *g, int doc, void *buf, size_t cap) {
    g->ntok = 0;
    g->npool = 0;
    g->overflow = 0;
    kvs__json_wr_init(&g->j, buf, cap);
    if (doc % 2 == 0) { /* half of them inside a top object */
        kvs__json_obj_begin(&g->j);
        json_t_tok(g, KVS__JSON_OBJ_BEGIN, 0, NULL, 0);
        kvs__json_key(&g->j, "k", 1);
        json_t_tok(g, KVS__JSON_KEY, 1, "k", 1);
        json_t_gen_value(g, 1);
        kvs__json_obj_end(&g->j);
        json_t_tok(g, KVS__JSON_OBJ_END, 0, NULL, 0);
    } else {
        json_t_gen_value(g, 0);
    }
}

static void test_json_roundtrip_generated(void) {
    static json_t_gen g;
    static char buf[65536];
    static uint8_t dec[4096];
    kvs__json_rd r;
    kvs__json_tok t;
    kvs__wr w;
    size_t n = 0, need = 0, i, total = 0;
    int doc, bad = 0;
    uint64_t seed;
    JSON_T_NEED_DEPTH_8();
    g.s = 0x9e3779b97f4a7c15ull;
    for (doc = 0; doc < 1000 && !bad; doc++) {
        /* measure first, then write the same document (same generator state) */
        seed = g.s;
        json_t_gen_doc(&g, doc, NULL, 0);
        CHECK_EQ(kvs__json_wr_finish(&g.j, &need), KVS_ERR_BUFFER_TOO_SMALL);
        g.s = seed;
        json_t_gen_doc(&g, doc, buf, sizeof buf);
        CHECK(!g.overflow);
        CHECK_EQ(kvs__json_wr_finish(&g.j, &n), KVS_OK);
        CHECK_EQ(n, need);
        CHECK_EQ(kvs__json_validate(buf, n), KVS_OK);
        total += g.ntok;
        /* compare the token stream */
        kvs__json_rd_init(&r, buf, n);
        for (i = 0; i < g.ntok; i++) {
            if (kvs__json_next(&r, &t) != KVS_OK || t.type != g.type[i] || t.depth != g.depth[i]) {
                bad = 1;
                break;
            }
            if (t.type == KVS__JSON_KEY || t.type == KVS__JSON_STRING) {
                kvs__wr_init(&w, dec, sizeof dec);
                if (kvs__json_str(&t, &w) != KVS_OK || w.len != g.len[i] ||
                    memcmp(dec, g.pool + g.off[i], w.len) != 0 ||
                    !kvs__json_str_eq(&t, (const char *)g.pool + g.off[i], g.len[i], 0)) {
                    bad = 1;
                    break;
                }
            } else if (t.type == KVS__JSON_NUMBER) {
                if (t.n != g.len[i] || memcmp(t.p, g.pool + g.off[i], t.n) != 0) {
                    bad = 1;
                    break;
                }
            }
        }
        if (!bad && (kvs__json_next(&r, &t) != KVS_OK || t.type != KVS__JSON_END))
            bad = 1;
        if (bad)
            printf("    generated document %d differs at token %lu: %.*s\n", doc, (unsigned long)i,
                   (int)KVS__MIN(n, (size_t)300), buf);
        CHECK(!bad);
    }
    CHECK_EQ(doc, 1000);
    CHECK(total > 20000); /* the generator does produce substantial documents */
    if (total <= 20000)
        printf("    %lu tokens\n", (unsigned long)total);
}

static const kvs_test_case kvs_tests_json[] = {
    {"valid_documents", test_json_valid_documents},
    {"invalid_documents", test_json_invalid_documents},
    {"every_prefix_fails", test_json_every_prefix_fails},
    {"depth_limit", test_json_depth_limit},
    {"error_offsets", test_json_error_offsets},
    {"null_input", test_json_null_input},
    {"token_stream_kvs_message", test_json_token_stream_kvs_message},
    {"str_decode", test_json_str_decode},
    {"str_eq", test_json_str_eq},
    {"integers", test_json_integers},
    {"skip", test_json_skip},
    {"obj_get", test_json_obj_get},
    {"writer_kvs_message", test_json_writer_kvs_message},
    {"writer_ascii_roundtrip", test_json_writer_ascii_roundtrip},
    {"writer_utf8", test_json_writer_utf8},
    {"writer_numbers", test_json_writer_numbers},
    {"writer_sizing", test_json_writer_sizing},
    {"writer_misuse", test_json_writer_misuse},
    {"roundtrip_generated", test_json_roundtrip_generated},
};
