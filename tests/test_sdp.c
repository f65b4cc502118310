/* Tests of >>sdp: every offer in tests/vectors/sdp parses to the values written in the file
   (ufrags, fingerprint bytes, mids, candidates, data channel parameters, per-section attribute
   counts), with CRLF and with LF; malformed descriptions each give their result, line and log
   item; the offer and answer writers (buffer sizing, arguments) and round trips: every answer
   to every fixture parses back with the JSEP shape (same m-lines, data channel accepted, the
   rest rejected). The fixtures are read from tests/vectors/sdp (run from the repository root,
   as make does). */

#define SDP_VEC_DIR "tests/vectors/sdp/"

static char *sdp_load(const char *name, size_t *n) {
    char path[256];
    FILE *f;
    char *buf;
    long len;
    snprintf(path, sizeof path, "%s%s", SDP_VEC_DIR, name);
    f = fopen(path, "rb");
    if (!f) {
        snprintf(path, sizeof path, "../%s%s", SDP_VEC_DIR, name);
        f = fopen(path, "rb");
    }
    if (!f) {
        printf("    cannot open %s (run from the repository root)\n", name);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)len + 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[len] = 0;
    *n = (size_t)len;
    return buf;
}

/* kvs_str equals a C string */
static int sdp_is(kvs_str s, const char *lit) {
    return s.p && s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}
#define CHECK_SV(s, lit) CHECK(sdp_is((s), (lit)))

/* fingerprint text "AA:BB:..." as bytes */
static void sdp_fp(const char *hex, uint8_t out[32]) {
    char tmp[128];
    size_t i, k = 0;
    for (i = 0; hex[i] && k < sizeof tmp - 1; i++)
        if (hex[i] != ':')
            tmp[k++] = hex[i];
    tmp[k] = 0;
    CHECK_EQ(kvs_test_unhex(tmp, out, 32), 32);
}

static kvs__sdp sdp_s, sdp_a; /* large: static */

static int sdp_parse_file(const char *name, char **text, size_t *n) {
    kvs_result r;
    *text = sdp_load(name, n);
    CHECK(*text != NULL);
    if (!*text)
        return 0;
    r = kvs__sdp_parse(*text, *n, &sdp_s);
    CHECK_EQ(r, KVS_OK);
    if (r != KVS_OK)
        printf("    %s: line %d, %s\n", name, sdp_s.err_line, kvs_log_item_name(sdp_s.err_item));
    return r == KVS_OK;
}

/* every view lies inside the text */
static int sdp_in(const kvs__sdp *s, kvs_str v) {
    return !v.p || (v.p >= s->text && v.p + v.n <= s->text + s->len);
}
static void sdp_check_views(const kvs__sdp *s) {
    int i;
    CHECK(sdp_in(s, s->tr.ufrag) && sdp_in(s, s->tr.pwd));
    for (i = 0; i < s->nbundle; i++)
        CHECK(sdp_in(s, s->bundle[i]));
    for (i = 0; i < s->nmedia; i++) {
        const kvs__sdp_media *m = &s->media[i];
        CHECK(sdp_in(s, m->text) && sdp_in(s, m->media) && sdp_in(s, m->proto) && sdp_in(s, m->fmts) &&
              sdp_in(s, m->mid) && sdp_in(s, m->msid) && sdp_in(s, m->lv.ufrag) && sdp_in(s, m->lv.pwd));
    }
}

/* the shared checks of the three Chromium-like offers (mids 0 1 2: video, audio, data) */
static void sdp_check_vad(const kvs__sdp *s) {
    CHECK_EQ(s->nmedia, 3);
    CHECK_EQ(s->has_bundle, 1);
    CHECK_EQ(s->nbundle, 3);
    CHECK_SV(s->bundle[0], "0");
    CHECK_SV(s->bundle[2], "2");
    CHECK_EQ(s->media[0].kind, KVS__SDP_VIDEO);
    CHECK_EQ(s->media[1].kind, KVS__SDP_AUDIO);
    CHECK_EQ(s->media[2].kind, KVS__SDP_APPLICATION);
    CHECK_EQ(s->media[0].proto_id, KVS__SDP_PROTO_RTP);
    CHECK_SV(s->media[0].mid, "0");
    CHECK_SV(s->media[1].mid, "1");
    CHECK_SV(s->media[2].mid, "2");
    CHECK_EQ(s->tr.media, 0);
    CHECK_EQ(s->media[0].bundled, 1);
    sdp_check_views(s);
}

static void test_sdp_chromium(void) {
    char *t;
    size_t n, pos = 0;
    uint8_t fp[32];
    uint16_t port = 0;
    uint64_t mms = 0;
    kvs_str v;
    int k = 0;
    kvs__sdp_transport tr;
    if (!sdp_parse_file("chromium-offer-video-audio-datachannel.sdp", &t, &n))
        return;
    sdp_check_vad(&sdp_s);
    CHECK_SV(sdp_s.tr.ufrag, "4ntC");
    CHECK_SV(sdp_s.tr.pwd, "EU1/vYXUKwqCdvFHbpVxq1Ek");
    sdp_fp("4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:5E:A6:57:CD:3E:59", fp);
    CHECK_MEM(sdp_s.tr.fingerprint, fp, 32);
    CHECK_EQ(sdp_s.tr.setup, KVS__SDP_SETUP_ACTPASS);
    CHECK_EQ(sdp_s.tr.trickle, 1);
    CHECK_EQ(sdp_s.tr.end_of_candidates, 0);
    CHECK_EQ(sdp_s.ncand, 0);
    CHECK_EQ(sdp_s.media[0].port, 9);
    CHECK_EQ(sdp_s.media[0].nfmts, 23);
    CHECK(strncmp(sdp_s.media[0].fmts.p, "96 97 102 ", 10) == 0);
    CHECK_EQ(sdp_s.media[0].rtcp_mux, 1);
    CHECK_EQ(sdp_s.media[0].dir, KVS__SDP_SENDRECV);
    CHECK_EQ(sdp_s.media[0].nrtpmap, 23);
    CHECK_EQ(sdp_s.media[0].nfmtp, 20);
    CHECK_EQ(sdp_s.media[0].nrtcp_fb, 50);
    CHECK_EQ(sdp_s.media[0].nextmap, 11);
    CHECK_EQ(sdp_s.media[0].nssrc, 4);
    CHECK_EQ(sdp_s.media[0].nssrc_group, 1);
    CHECK_EQ(sdp_s.media[0].nmsid, 1);
    CHECK_SV(sdp_s.media[0].msid, "0d22316f-1d6a-468c-97ef-90256fde8fef 5e63b4ae-5b7c-4127-885e-5732a8e16ed3");
    CHECK_EQ(sdp_s.media[1].nrtpmap, 8);
    CHECK_EQ(sdp_s.media[1].nfmts, 8);
    CHECK_EQ(sdp_s.media[2].proto_id, KVS__SDP_PROTO_SCTP);
    CHECK_SV(sdp_s.media[2].fmts, "webrtc-datachannel");
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, &port, &mms), 2);
    CHECK_EQ(port, 5000);
    CHECK_EQ(mms, 262144);
    CHECK_EQ(kvs__sdp_transport_get(&sdp_s, &tr), KVS_OK);
    CHECK_EQ(tr.media, 0);
    /* the attribute walker: every rtpmap of the video section, in order */
    while (kvs__sdp_attr_next(&sdp_s, 0, "rtpmap", &pos, &v)) {
        if (k == 0)
            CHECK_SV(v, "96 VP8/90000");
        if (k == 22)
            CHECK_SV(v, "120 ulpfec/90000");
        k++;
    }
    CHECK_EQ(k, 23);
    pos = 0;
    CHECK(kvs__sdp_attr_next(&sdp_s, -1, "group", &pos, &v));
    CHECK_SV(v, "BUNDLE 0 1 2");
    CHECK(!kvs__sdp_attr_next(&sdp_s, -1, "group", &pos, &v));
    pos = 0;
    CHECK(kvs__sdp_attr_next(&sdp_s, 2, "rtcp-mux", &pos, &v) == 0); /* not in the data section */
    pos = 0;
    CHECK(kvs__sdp_attr_next(&sdp_s, 1, "rtcp-mux", &pos, &v) == 1 && v.n == 0);
    free(t);
}

static void test_sdp_chromium_gathered(void) {
    char *t;
    size_t n;
    int it = 0;
    const kvs__ice_cand *c;
    kvs_addr want;
    if (!sdp_parse_file("chromium-offer-video-audio-datachannel-gathered.sdp", &t, &n))
        return;
    sdp_check_vad(&sdp_s);
    CHECK_EQ(sdp_s.media[0].port, 48699);
    CHECK_EQ(sdp_s.media[2].port, 53400);
    CHECK_EQ(sdp_s.media[0].ncand, 1);
    CHECK_EQ(sdp_s.media[0].ncand_ignored, 1); /* the TCP one */
    CHECK_EQ(sdp_s.ncand, 1);
    c = kvs__sdp_cand_next(&sdp_s, &it);
    CHECK(c != NULL);
    if (c) {
        kvs_addr_parse(&want, "127.0.0.1", 9, 48699);
        CHECK(kvs_addr_equal(&c->addr, &want));
        CHECK_EQ(c->priority, 2122260223u);
        CHECK_EQ(c->type, KVS__ICE_HOST);
        CHECK_STR(c->foundation, "2632511554");
    }
    CHECK(kvs__sdp_cand_next(&sdp_s, &it) == NULL);
    free(t);
}

static void test_sdp_werift(void) {
    char *t;
    size_t n;
    uint8_t fp[32];
    uint16_t port = 0;
    uint64_t mms = 0;
    if (!sdp_parse_file("werift-offer-video-audio-datachannel.sdp", &t, &n))
        return;
    sdp_check_vad(&sdp_s);
    CHECK_SV(sdp_s.tr.ufrag, "5a59");
    CHECK_SV(sdp_s.tr.pwd, "9631b27bb6331106ed8aa9");
    sdp_fp("DE:83:CB:D6:53:5A:AC:1A:62:3A:B0:5B:3F:A2:AD:6D:AA:E0:25:E3:5A:54:0D:EF:DF:F0:3D:64:CF:0C:78:E2", fp);
    CHECK_MEM(sdp_s.tr.fingerprint, fp, 32);
    CHECK_EQ(sdp_s.tr.end_of_candidates, 1);
    CHECK_EQ(sdp_s.ncand, 1);
    CHECK_EQ(sdp_s.cand[0].addr.port, 56399); /* mid 0's candidate, not the other sections' */
    CHECK_STR(sdp_s.cand[0].foundation, "626da4e5384a0ce2d0d93678a");
    CHECK_EQ(sdp_s.media[0].nfmts, 1);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, &port, &mms), 2);
    CHECK_EQ(mms, 65536);
    free(t);
}

static void test_sdp_wrtc(void) {
    char *t;
    size_t n;
    uint8_t fp[32];
    kvs_addr want;
    if (!sdp_parse_file("wrtc-offer-video-audio-datachannel.sdp", &t, &n))
        return;
    sdp_check_vad(&sdp_s);
    CHECK_SV(sdp_s.tr.ufrag, "0V7h");
    CHECK_SV(sdp_s.tr.pwd, "/dO4fEo/b995zcJWkl0XA+eA");
    sdp_fp("5B:BE:AC:61:88:E2:AF:ED:2D:B0:11:A1:D7:34:B3:6A:CB:2F:CF:CE:1D:A4:41:C9:08:C2:B9:40:85:A6:5A:4C", fp);
    CHECK_MEM(sdp_s.tr.fingerprint, fp, 32);
    CHECK_EQ(sdp_s.media[0].nfmts, 11);
    CHECK_EQ(sdp_s.media[1].nfmts, 15);
    CHECK_EQ(sdp_s.ncand, 2);
    CHECK_EQ(sdp_s.media[0].ncand_ignored, 2);
    kvs_addr_parse(&want, "::1", 3, 53935);
    CHECK(kvs_addr_equal(&sdp_s.cand[0].addr, &want));
    kvs_addr_parse(&want, "127.0.0.1", 9, 37361);
    CHECK(kvs_addr_equal(&sdp_s.cand[1].addr, &want));
    CHECK_SV(sdp_s.media[0].msid, "- e31e5407-f34b-4374-8387-3b159c6a6309");
    free(t);
}

static void test_sdp_aiortc(void) {
    char *t;
    size_t n;
    uint8_t fp[32];
    uint16_t port = 0;
    uint64_t mms = 0;
    if (!sdp_parse_file("aiortc-offer-video-audio-datachannel.sdp", &t, &n))
        return;
    sdp_check_vad(&sdp_s);
    CHECK_SV(sdp_s.tr.ufrag, "QtSy"); /* mid 0's, not the audio or data section's */
    CHECK_SV(sdp_s.tr.pwd, "FrxRg9hO6LpSrjBi3f8e59");
    CHECK_SV(sdp_s.media[1].lv.ufrag, "F56Q");
    CHECK_SV(sdp_s.media[2].lv.ufrag, "4WPb");
    sdp_fp("51:A2:04:6D:03:28:17:4B:B4:FB:FE:F9:E0:44:12:DE:1E:D8:4D:02:4B:4E:B6:38:9A:CF:06:CC:ED:CC:D5:87", fp);
    CHECK_MEM(sdp_s.tr.fingerprint, fp, 32);
    CHECK_EQ(sdp_s.tr.trickle, 0); /* no a=ice-options */
    CHECK_EQ(sdp_s.tr.end_of_candidates, 1);
    CHECK_EQ(sdp_s.ncand, 4);
    CHECK_EQ(sdp_s.cand[1].addr.family, KVS_AF_INET6);
    CHECK_EQ(sdp_s.cand[3].addr.port, 42464);
    CHECK_EQ(sdp_s.media[2].proto_id, KVS__SDP_PROTO_SCTP_LEGACY);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, &port, &mms), 2);
    CHECK_EQ(port, 5000);
    CHECK_EQ(mms, 65536);
    CHECK_EQ(sdp_s.media[0].nssrc_group, 1);
    free(t);
}

static void test_sdp_firefox(void) {
    char *t;
    size_t n;
    uint8_t fp[32];
    uint16_t port = 0;
    uint64_t mms = 0;
    kvs_addr want;
    if (!sdp_parse_file("firefox-offer-audio-video-datachannel.sdp", &t, &n))
        return;
    CHECK_EQ(sdp_s.nmedia, 3);
    CHECK_EQ(sdp_s.media[0].kind, KVS__SDP_AUDIO);
    CHECK_EQ(sdp_s.media[1].kind, KVS__SDP_VIDEO);
    CHECK_EQ(sdp_s.media[2].kind, KVS__SDP_APPLICATION);
    CHECK_EQ(sdp_s.session.has_fingerprint, 1);
    CHECK_EQ(sdp_s.media[0].lv.has_fingerprint, 0);
    CHECK_EQ(sdp_s.session.trickle, 1);
    CHECK_EQ(sdp_s.tr.media, 0);
    CHECK_SV(sdp_s.tr.ufrag, "b3e5c7d9");
    CHECK_SV(sdp_s.tr.pwd, "6a1f3c9e2b7d4e8f0a5c1b3d9e7f2a4c");
    sdp_fp("9A:0C:3E:71:5B:D2:48:F6:01:9E:C4:27:8A:B3:55:6D:E0:12:7F:A9:34:C8:6B:0D:F1:92:5E:A7:3C:D4:88:21", fp);
    CHECK_MEM(sdp_s.tr.fingerprint, fp, 32);
    CHECK_EQ(sdp_s.tr.trickle, 1);
    CHECK_EQ(sdp_s.tr.setup, KVS__SDP_SETUP_ACTPASS);
    CHECK_EQ(sdp_s.tr.end_of_candidates, 1);
    CHECK_EQ(sdp_s.media[0].ncand, 3);
    CHECK_EQ(sdp_s.media[0].ncand_ignored, 2); /* TCP, component 2 */
    CHECK_EQ(sdp_s.ncand, 3);
    CHECK_EQ(sdp_s.cand[0].unresolved, 1); /* .local */
    CHECK_EQ(sdp_s.cand[0].addr.port, 54321);
    CHECK_EQ(sdp_s.cand[1].type, KVS__ICE_SRFLX);
    CHECK_EQ(sdp_s.cand[2].type, KVS__ICE_RELAY);
    kvs_addr_parse(&want, "203.0.113.7", 11, 54321);
    CHECK(kvs_addr_equal(&sdp_s.cand[2].related, &want));
    CHECK_EQ(sdp_s.media[1].port, 0);
    CHECK_EQ(sdp_s.media[1].bundle_only, 1);
    CHECK_EQ(sdp_s.media[2].bundle_only, 1);
    CHECK_EQ(sdp_s.media[1].nrtcp_fb, 10);
    CHECK_EQ(sdp_s.media[1].nfmtp, 8);
    CHECK_EQ(sdp_s.media[0].nextmap, 3);
    CHECK_SV(sdp_s.media[1].mid, "1");
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, &port, &mms), 2); /* bundle-only: not rejected */
    CHECK_EQ(mms, 1073741823u);
    sdp_check_views(&sdp_s);
    free(t);
}

static void test_sdp_safari(void) {
    char *t;
    size_t n;
    uint8_t fp[32];
    if (!sdp_parse_file("safari-offer-audio-video-datachannel.sdp", &t, &n))
        return;
    CHECK_EQ(sdp_s.nmedia, 3);
    CHECK_EQ(sdp_s.media[0].kind, KVS__SDP_AUDIO);
    CHECK_SV(sdp_s.tr.ufrag, "Qs7v");
    CHECK_SV(sdp_s.tr.pwd, "hR3mK9pLx2VbN8cF4tYw6ZqJ");
    sdp_fp("C7:41:0E:9B:6A:2F:D5:83:1C:70:E4:B9:5D:28:F6:0A:93:1E:7C:45:B2:DA:68:0F:39:A4:E1:5B:C8:76:2D:9F", fp);
    CHECK_MEM(sdp_s.tr.fingerprint, fp, 32);
    CHECK_EQ(sdp_s.ncand, 2);
    CHECK_EQ(sdp_s.cand[0].unresolved, 1);
    CHECK_EQ(sdp_s.cand[1].type, KVS__ICE_SRFLX);
    CHECK_EQ(sdp_s.media[1].nrtpmap, 9);
    CHECK_EQ(sdp_s.media[1].nrtcp_fb, 20);
    CHECK_EQ(sdp_s.media[1].nssrc, 4);
    CHECK_SV(sdp_s.media[0].msid, "8b0c1d2e-3f4a-4b5c-9d6e-7f8091a2b3c4 a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, NULL, NULL), 2);
    free(t);
}

/* the same description with LF only parses to the same values */
static void test_sdp_lf(void) {
    char *t, *lf;
    size_t n, i, k = 0;
    kvs_result r;
    t = sdp_load("chromium-offer-video-audio-datachannel-gathered.sdp", &n);
    CHECK(t != NULL);
    if (!t)
        return;
    lf = (char *)malloc(n);
    for (i = 0; i < n; i++)
        if (t[i] != '\r')
            lf[k++] = t[i];
    r = kvs__sdp_parse(lf, k, &sdp_s);
    CHECK_EQ(r, KVS_OK);
    sdp_check_vad(&sdp_s);
    CHECK_SV(sdp_s.tr.ufrag, "4ntC");
    CHECK_SV(sdp_s.tr.pwd, "EU1/vYXUKwqCdvFHbpVxq1Ek");
    CHECK_EQ(sdp_s.ncand, 1);
    CHECK_EQ(sdp_s.media[0].nrtpmap, 23);
    /* no line end after the last line */
    r = kvs__sdp_parse(lf, k - 1, &sdp_s);
    CHECK_EQ(r, KVS_OK);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, NULL, NULL), 2);
    free(lf);
    free(t);
}

/* --- malformed descriptions ------------------------------------------------------------------ */

#define SDP_HEAD "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define SDP_TR "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
#define SDP_FP "a=fingerprint:sha-256 " \
    "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F\r\n"
#define SDP_DC "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"

typedef struct sdp_bad {
    const char *text;
    kvs_result r;
    int line;
    int item;
} sdp_bad;

static void test_sdp_malformed(void) {
    static const sdp_bad cases[] = {
        {"", KVS_ERR_PARSE, 0, KVS_LOG_SDP_SYNTAX},
        {"o=- 1 1 IN IP4 0.0.0.0\r\n", KVS_ERR_PARSE, 1, KVS_LOG_SDP_SYNTAX},
        {"v=1\r\n", KVS_ERR_PARSE, 1, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "v=0\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "s=again\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "this line has no equals sign\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "a\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "A=foo\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "q=unknown\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "a=x\001y\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD SDP_DC "o=- 1 1 IN IP4 0.0.0.0\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD SDP_DC "t=0 0\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_SYNTAX},
        {SDP_HEAD "m=application 70000 UDP/DTLS/SCTP webrtc-datachannel\r\n", KVS_ERR_PARSE, 5,
         KVS_LOG_SDP_BAD_MEDIA},
        {SDP_HEAD "m=application 9x UDP/DTLS/SCTP webrtc-datachannel\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_MEDIA},
        {SDP_HEAD "m=application -1 UDP/DTLS/SCTP webrtc-datachannel\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_MEDIA},
        {SDP_HEAD "m=application 9 UDP/DTLS/SCTP\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_MEDIA},
        {SDP_HEAD "m=application\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_MEDIA},
        {SDP_HEAD "m=video 9/x UDP/TLS/RTP/SAVPF 96\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_MEDIA},
        {SDP_HEAD "m=vid\"eo 9 UDP/TLS/RTP/SAVPF 96\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_MEDIA},
        /* transport */
        {SDP_HEAD SDP_DC SDP_TR, KVS_ERR_PARSE, 5, KVS_LOG_SDP_NO_FINGERPRINT},
        {SDP_HEAD SDP_DC SDP_FP, KVS_ERR_PARSE, 5, KVS_LOG_SDP_NO_ICE_CREDENTIALS},
        {SDP_HEAD SDP_DC SDP_FP "a=ice-ufrag:abcd\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_NO_ICE_CREDENTIALS},
        {SDP_HEAD SDP_DC SDP_TR "a=fingerprint:sha-1 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13\r\n",
         KVS_ERR_UNSUPPORTED, 8, KVS_LOG_SDP_FINGERPRINT_HASH},
        {SDP_HEAD "a=fingerprint:sha-512 00:01\r\n" SDP_DC SDP_TR, KVS_ERR_UNSUPPORTED, 5,
         KVS_LOG_SDP_FINGERPRINT_HASH},
        {SDP_HEAD SDP_DC SDP_TR "a=fingerprint:sha-256 00:01:02\r\n", KVS_ERR_PARSE, 8, KVS_LOG_SDP_BAD_FINGERPRINT},
        {SDP_HEAD SDP_DC SDP_TR "a=fingerprint:sha-256 zz\r\n", KVS_ERR_PARSE, 8, KVS_LOG_SDP_BAD_FINGERPRINT},
        {SDP_HEAD SDP_DC SDP_TR "a=fingerprint\r\n", KVS_ERR_PARSE, 8, KVS_LOG_SDP_BAD_FINGERPRINT},
        {SDP_HEAD SDP_DC "a=ice-ufrag:ab\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=ice-ufrag:ab cd\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=ice-pwd:short\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=setup:sometimes\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=setup:holdconn\r\n", KVS_ERR_UNSUPPORTED, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=sctp-port:x\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=sctp-port:65536\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=max-message-size:18446744073709551616\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=max-message-size:\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=sctpmap:webrtc-datachannel\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD "a=group:\r\n", KVS_ERR_PARSE, 5, KVS_LOG_SDP_BAD_ATTRIBUTE},
        /* candidates */
        {SDP_HEAD SDP_DC "a=candidate:1 1 udp 2122260223 127.0.0.1 99999 typ host\r\n", KVS_ERR_PARSE, 6,
         KVS_LOG_SDP_BAD_CANDIDATE},
        {SDP_HEAD SDP_DC "a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ hots\r\n", KVS_ERR_PARSE, 6,
         KVS_LOG_SDP_BAD_CANDIDATE},
        {SDP_HEAD SDP_DC "a=candidate:1 1 sctp 2122260223 127.0.0.1 9 typ host\r\n", KVS_ERR_PARSE, 6,
         KVS_LOG_SDP_BAD_CANDIDATE},
        {SDP_HEAD SDP_DC "a=candidate:\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_CANDIDATE},
        {SDP_HEAD SDP_DC "a=candidate:1 1 udp 2122260223 not-an-address 9 typ host\r\n", KVS_ERR_PARSE, 6,
         KVS_LOG_SDP_BAD_CANDIDATE},
        /* BUNDLE and mids */
        {SDP_HEAD "a=group:BUNDLE 0\r\n" SDP_DC SDP_TR SDP_FP, KVS_ERR_PARSE, 6, KVS_LOG_SDP_BUNDLE},
        {SDP_HEAD "a=group:BUNDLE 0 1\r\n" SDP_DC SDP_TR SDP_FP "a=mid:0\r\n", KVS_ERR_PARSE, 0, KVS_LOG_SDP_BUNDLE},
        {SDP_HEAD SDP_DC "a=mid:0\r\n" SDP_DC "a=mid:0\r\n", KVS_ERR_PARSE, 8, KVS_LOG_SDP_BUNDLE},
        {SDP_HEAD SDP_DC "a=mid:0\r\na=mid:1\r\n", KVS_ERR_PARSE, 7, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=mid:\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=mid:a b\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        {SDP_HEAD SDP_DC "a=mid:0123456789012345678901234567890123\r\n", KVS_ERR_PARSE, 6, KVS_LOG_SDP_BAD_ATTRIBUTE},
        /* limits */
        {SDP_HEAD SDP_DC SDP_DC SDP_DC SDP_DC SDP_DC SDP_DC SDP_DC SDP_DC SDP_DC, KVS_ERR_LIMIT, 13,
         KVS_LOG_SDP_TOO_MANY},
        {SDP_HEAD "a=group:BUNDLE 0 1 2 3 4 5 6 7 8\r\n", KVS_ERR_LIMIT, 5, KVS_LOG_SDP_TOO_MANY},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kvs_result r = kvs__sdp_parse(cases[i].text, strlen(cases[i].text), &sdp_s);
        if (r != cases[i].r || sdp_s.err_line != cases[i].line || sdp_s.err_item != cases[i].item)
            printf("    case %lu: result %d line %d item %s\n", (unsigned long)i, (int)r, sdp_s.err_line,
                   kvs_log_item_name(sdp_s.err_item));
        CHECK_EQ(r, cases[i].r);
        CHECK_EQ(sdp_s.err_line, cases[i].line);
        CHECK_EQ(sdp_s.err_item, cases[i].item);
    }
    /* a NUL byte inside a line */
    {
        static const char nul[] = SDP_HEAD "a=x\0y\r\n";
        CHECK_EQ(kvs__sdp_parse(nul, sizeof nul - 1, &sdp_s), KVS_ERR_PARSE);
        CHECK_EQ(sdp_s.err_line, 5);
    }
    /* a huge line */
    {
        size_t n = KVS_SDP_LINE_MAX + 100, h = strlen(SDP_HEAD);
        char *big = (char *)malloc(h + n + 2);
        memcpy(big, SDP_HEAD, h);
        memcpy(big + h, "a=x:", 4);
        memset(big + h + 4, 'y', n - 4);
        memcpy(big + h + n, "\r\n", 2);
        CHECK_EQ(kvs__sdp_parse(big, h + n + 2, &sdp_s), KVS_ERR_LIMIT);
        CHECK_EQ(sdp_s.err_line, 5);
        CHECK_EQ(sdp_s.err_item, KVS_LOG_SDP_TOO_LONG);
        /* just at the limit: fine (an unknown attribute) */
        n = KVS_SDP_LINE_MAX;
        memset(big + h + 4, 'y', n - 4);
        memcpy(big + h + n, "\r\n", 2);
        CHECK_EQ(kvs__sdp_parse(big, h + n + 2, &sdp_s), KVS_OK);
        free(big);
    }
    CHECK_EQ(kvs__sdp_parse(NULL, 3, &sdp_s), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__sdp_parse("v=0", 3, NULL), KVS_ERR_INVALID_ARG);
}

/* accepted odd forms: levels, unknown attributes, directions, no sections at all */
static void test_sdp_levels(void) {
    static const char a[] = SDP_HEAD "a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsession1\r\n" SDP_FP
                            "a=sendonly\r\na=ice-lite\r\na=unknown-thing:whatever\r\n"
                            "m=audio 0 UDP/TLS/RTP/SAVPF 0 8\r\na=mid:a\r\n"
                            "m=application 4000 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:d\r\n"
                            "a=ice-ufrag:medi\r\na=recvonly\r\na=setup:active\r\na=x-custom\r\n\r\n"
                            "a=candidate:1 2 udp 1 10.0.0.1 1 typ host\r\n";
    static const char none[] = "v=0\n";
    uint16_t port = 0;
    uint64_t mms = 0;
    kvs__sdp_transport tr;
    CHECK_EQ(kvs__sdp_parse(a, sizeof a - 1, &sdp_s), KVS_OK);
    CHECK_EQ(sdp_s.tr.media, 1); /* the first with a port */
    CHECK_SV(sdp_s.tr.ufrag, "medi");
    CHECK_SV(sdp_s.tr.pwd, "sessionpasswordsession1");
    CHECK_EQ(sdp_s.tr.setup, KVS__SDP_SETUP_ACTIVE);
    CHECK_EQ(sdp_s.tr.ice_lite, 1);
    CHECK_EQ(sdp_s.media[0].dir, KVS__SDP_SENDONLY);
    CHECK_EQ(sdp_s.media[1].dir, KVS__SDP_RECVONLY);
    CHECK_EQ(sdp_s.media[1].ncand_ignored, 1);
    CHECK_EQ(sdp_s.ncand, 0);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, &port, &mms), 1);
    CHECK_EQ(port, 5000); /* no a=sctp-port: the default */
    CHECK_EQ(mms, 65536);  /* no a=max-message-size: 64 KiB */
    CHECK_EQ(kvs__sdp_parse(none, sizeof none - 1, &sdp_s), KVS_OK);
    CHECK_EQ(sdp_s.nmedia, 0);
    CHECK_EQ(kvs__sdp_transport_get(&sdp_s, &tr), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, NULL, NULL), -1);
}

/* more candidates than KVS_SDP_MAX_CANDIDATES: kept up to the limit, the rest counted */
static void test_sdp_many_candidates(void) {
    static char buf[8192];
    size_t n;
    int i;
    n = (size_t)snprintf(buf, sizeof buf, "%s%s%s%s", SDP_HEAD, SDP_DC, SDP_TR, SDP_FP);
    for (i = 0; i < KVS_SDP_MAX_CANDIDATES + 3; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "a=candidate:%d 1 udp %d 10.0.0.%d %d typ host\r\n", i,
                              1000 + i, i + 1, 2000 + i);
    CHECK_EQ(kvs__sdp_parse(buf, n, &sdp_s), KVS_OK);
    CHECK_EQ(sdp_s.ncand, KVS_SDP_MAX_CANDIDATES);
    CHECK_EQ(sdp_s.cand_dropped, 3);
    CHECK_EQ(sdp_s.media[0].ncand, KVS_SDP_MAX_CANDIDATES + 3);
    CHECK_EQ(sdp_s.cand[0].addr.port, 2000);
}

/* --- writer ----------------------------------------------------------------------------------- */

static const uint8_t sdp_our_fp[32] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
                                       0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
                                       0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0x0f};

static void sdp_local(kvs__sdp_local *l) {
    memset(l, 0, sizeof *l);
    l->ufrag = "kvsU";
    l->pwd = "kvsPasswordPassword0123";
    l->fingerprint = sdp_our_fp;
    l->session_id = 4611686018427387903ull;
    l->session_version = 2;
}

static void test_sdp_offer(void) {
    static char out[4096];
    kvs__sdp_local l;
    kvs__ice_cand c[2];
    size_t len = 0, need = 0;
    uint16_t port = 0;
    uint64_t mms = 0;
    kvs_result r;
    sdp_local(&l);
    memset(c, 0, sizeof c);
    {
        static const char c0[] = "candidate:1 1 udp 2130706431 192.0.2.1 50000 typ host";
        static const char c1[] = "candidate:2 1 udp 1694498815 203.0.113.1 50001 typ srflx raddr 192.0.2.1 rport 50000";
        CHECK_EQ(kvs__ice_cand_parse(c0, sizeof c0 - 1, &c[0]), KVS_OK);
        CHECK_EQ(kvs__ice_cand_parse(c1, sizeof c1 - 1, &c[1]), KVS_OK);
    }
    l.cand = c;
    l.ncand = 2;
    l.end_of_candidates = 1;
    r = kvs__sdp_write_offer(&l, out, sizeof out, &len);
    CHECK_EQ(r, KVS_OK);
    CHECK_EQ(strlen(out), len);
    CHECK(strstr(out, "\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n") != NULL);
    CHECK(strstr(out, "\r\na=setup:actpass\r\n") != NULL);
    CHECK(strstr(out, "\r\na=group:BUNDLE 0\r\n") != NULL);
    CHECK(strstr(out, "\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n") != NULL);
    CHECK(strstr(out, "\r\na=fingerprint:sha-256 A0:A1:A2:") != NULL);
    CHECK(strstr(out, "\na\n") == NULL && strstr(out, "\r\r") == NULL);
    CHECK(out[len - 2] == '\r' && out[len - 1] == '\n');
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    CHECK_EQ(sdp_a.nmedia, 1);
    CHECK_SV(sdp_a.media[0].mid, "0");
    CHECK_SV(sdp_a.tr.ufrag, "kvsU");
    CHECK_SV(sdp_a.tr.pwd, "kvsPasswordPassword0123");
    CHECK_MEM(sdp_a.tr.fingerprint, sdp_our_fp, 32);
    CHECK_EQ(sdp_a.tr.setup, KVS__SDP_SETUP_ACTPASS);
    CHECK_EQ(sdp_a.tr.trickle, 1);
    CHECK_EQ(sdp_a.tr.end_of_candidates, 1);
    CHECK_EQ(sdp_a.ncand, 2);
    CHECK(kvs_addr_equal(&sdp_a.cand[1].addr, &c[1].addr));
    CHECK(kvs_addr_equal(&sdp_a.cand[1].related, &c[1].related));
    CHECK_EQ(sdp_a.cand[1].priority, 1694498815u);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_a, &port, &mms), 0);
    CHECK_EQ(port, 5000);
    CHECK_EQ(mms, 262144);
    /* sizes: measure, too small, exact */
    CHECK_EQ(kvs__sdp_write_offer(&l, NULL, 0, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(need, len + 1);
    CHECK_EQ(kvs__sdp_write_offer(&l, out, len, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(need, len + 1);
    CHECK_EQ(out[len - 1], 0);
    CHECK_EQ(kvs__sdp_write_offer(&l, out, len + 1, &need), KVS_OK);
    CHECK_EQ(need, len);
    /* other values, no candidates */
    l.ncand = 0;
    l.end_of_candidates = 0;
    l.sctp_port = 5001;
    l.max_message_size = 1024;
    CHECK_EQ(kvs__sdp_write_offer(&l, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    CHECK_EQ(sdp_a.ncand, 0);
    CHECK_EQ(sdp_a.tr.end_of_candidates, 0);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_a, &port, &mms), 0);
    CHECK_EQ(port, 5001);
    CHECK_EQ(mms, 1024);
    /* bad arguments */
    CHECK_EQ(kvs__sdp_write_offer(NULL, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    l.ufrag = "abc";
    CHECK_EQ(kvs__sdp_write_offer(&l, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    l.ufrag = "ab:d";
    CHECK_EQ(kvs__sdp_write_offer(&l, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    sdp_local(&l);
    l.pwd = "tooshort";
    CHECK_EQ(kvs__sdp_write_offer(&l, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    sdp_local(&l);
    l.fingerprint = NULL;
    CHECK_EQ(kvs__sdp_write_offer(&l, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    sdp_local(&l);
    l.ncand = 1;
    CHECK_EQ(kvs__sdp_write_offer(&l, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
    sdp_local(&l);
    CHECK_EQ(kvs__sdp_write_offer(&l, NULL, 10, &len), KVS_ERR_INVALID_ARG);
}

/* the JSEP shape of our answer (sdp_a) to the offer (sdp_s) */
static void sdp_check_answer(const kvs__sdp *o, const kvs__sdp *a, int want_setup) {
    int i, dc = kvs__sdp_datachannel(o, NULL, NULL);
    CHECK_EQ(a->nmedia, o->nmedia);
    for (i = 0; i < o->nmedia && i < a->nmedia; i++) {
        const kvs__sdp_media *om = &o->media[i], *am = &a->media[i];
        kvs_str first;
        const char *p = om->fmts.p;
        CHECK(kvs__sdp_str_eq(om->media, am->media));
        CHECK(!om->mid.p || kvs__sdp_str_eq(om->mid, am->mid));
        if (i == dc) {
            CHECK_EQ(am->port, 9);
            CHECK_EQ(a->tr.media, i);
            CHECK_EQ(am->proto_id, om->proto_id);
            continue;
        }
        CHECK_EQ(am->port, 0);
        CHECK_EQ(am->bundle_only, 0);
        CHECK_EQ(am->dir, KVS__SDP_INACTIVE);
        CHECK(kvs__sdp_str_eq(om->proto, am->proto));
        kvs__sdp_tok(&p, om->fmts.p + om->fmts.n, &first);
        CHECK(kvs__sdp_str_eq(first, am->fmts));
        CHECK_EQ(am->nfmts, 1);
    }
    if (dc >= 0) {
        CHECK_EQ(a->nbundle, o->has_bundle ? 1 : 0);
        if (o->has_bundle)
            CHECK(kvs__sdp_str_eq(a->bundle[0], o->media[dc].mid));
        CHECK_MEM(a->tr.fingerprint, sdp_our_fp, 32);
        CHECK_SV(a->tr.ufrag, "kvsU");
        CHECK_EQ(a->tr.setup, want_setup);
        CHECK_EQ(a->tr.trickle, 1);
        CHECK_EQ(kvs__sdp_datachannel(a, NULL, NULL), dc);
    } else {
        CHECK_EQ(a->tr.media, -1);
        CHECK_EQ(a->nbundle, 0);
    }
}

static void test_sdp_answers(void) {
    static const char *const files[] = {
        "chromium-offer-video-audio-datachannel.sdp", "chromium-offer-video-audio-datachannel-gathered.sdp",
        "werift-offer-video-audio-datachannel.sdp",   "wrtc-offer-video-audio-datachannel.sdp",
        "aiortc-offer-video-audio-datachannel.sdp",   "firefox-offer-audio-video-datachannel.sdp",
        "safari-offer-audio-video-datachannel.sdp",
    };
    static char out[4096];
    kvs__sdp_local l;
    size_t i, len, need;
    char *t;
    size_t n;
    sdp_local(&l);
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (!sdp_parse_file(files[i], &t, &n))
            continue;
        CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_OK);
        CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, NULL, 0, &need), KVS_ERR_BUFFER_TOO_SMALL);
        CHECK_EQ(need, len + 1);
        if (kvs__sdp_parse(out, len, &sdp_a) != KVS_OK) {
            CHECK(0);
            printf("    answer to %s: line %d %s\n%s\n", files[i], sdp_a.err_line, kvs_log_item_name(sdp_a.err_item),
                   out);
        } else {
            sdp_check_answer(&sdp_s, &sdp_a, KVS__SDP_SETUP_ACTIVE);
        }
        if (i == 0) { /* the whole answer to Chromium, line by line */
            static const char want[] =
                "v=0\r\no=- 4611686018427387903 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                "a=group:BUNDLE 2\r\n"
                "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=inactive\r\n"
                "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=inactive\r\n"
                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
                "a=ice-ufrag:kvsU\r\na=ice-pwd:kvsPasswordPassword0123\r\na=ice-options:trickle\r\n"
                "a=fingerprint:sha-256 A0:A1:A2:A3:A4:A5:A6:A7:A8:A9:AA:AB:AC:AD:AE:AF:B0:B1:B2:B3:B4:B5:B6:B7:"
                "B8:B9:BA:BB:BC:BD:BE:0F\r\n"
                "a=setup:active\r\na=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";
            CHECK_STR(out, want);
        }
        if (i == 4) { /* aiortc: the legacy data channel form back */
            CHECK(strstr(out, "\r\nm=application 9 DTLS/SCTP 5000\r\n") != NULL);
            CHECK(strstr(out, "\r\na=sctpmap:5000 webrtc-datachannel 65535\r\n") != NULL);
        }
        free(t);
    }
}

/* setup: passive answers an active offer; forced roles; offers without a data channel */
static void test_sdp_answer_roles(void) {
    static const char active[] = SDP_HEAD "a=group:BUNDLE x\r\n" SDP_DC SDP_TR SDP_FP "a=setup:active\r\na=mid:x\r\n";
    static const char passive[] = SDP_HEAD SDP_DC SDP_TR SDP_FP "a=setup:passive\r\n";
    static const char video[] = SDP_HEAD "a=group:BUNDLE v\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n" SDP_TR SDP_FP
                                "a=mid:v\r\na=rtpmap:96 H264/90000\r\n";
    static const char unbundled[] = SDP_HEAD "a=group:BUNDLE v\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n" SDP_TR SDP_FP
                                    "a=mid:v\r\n" SDP_DC "a=mid:d\r\n";
    static char out[4096];
    kvs__sdp_local l;
    size_t len;
    sdp_local(&l);
    CHECK_EQ(kvs__sdp_parse(active, sizeof active - 1, &sdp_s), KVS_OK);
    CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    sdp_check_answer(&sdp_s, &sdp_a, KVS__SDP_SETUP_PASSIVE);
    l.setup = KVS__SDP_SETUP_ACTIVE; /* forced (the offerer would refuse it, but it is asked for) */
    CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    CHECK_EQ(sdp_a.tr.setup, KVS__SDP_SETUP_ACTIVE);
    l.setup = 0;
    CHECK_EQ(kvs__sdp_parse(passive, sizeof passive - 1, &sdp_s), KVS_OK);
    CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    sdp_check_answer(&sdp_s, &sdp_a, KVS__SDP_SETUP_ACTIVE);
    CHECK(strstr(out, "a=group") == NULL); /* the offer had no BUNDLE */
    CHECK(strstr(out, "a=mid") == NULL);
    CHECK_EQ(kvs__sdp_parse(video, sizeof video - 1, &sdp_s), KVS_OK);
    CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    sdp_check_answer(&sdp_s, &sdp_a, 0);
    CHECK(strstr(out, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n") != NULL);
    /* a data channel outside the BUNDLE group does not use the transport: rejected */
    CHECK_EQ(kvs__sdp_parse(unbundled, sizeof unbundled - 1, &sdp_s), KVS_OK);
    CHECK_EQ(kvs__sdp_datachannel(&sdp_s, NULL, NULL), -1);
    CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_OK);
    CHECK_EQ(kvs__sdp_parse(out, len, &sdp_a), KVS_OK);
    sdp_check_answer(&sdp_s, &sdp_a, 0);
    /* a failed parse is not an offer */
    CHECK_EQ(kvs__sdp_parse("v=2", 3, &sdp_s), KVS_ERR_PARSE);
    CHECK_EQ(kvs__sdp_write_answer(&sdp_s, &l, out, sizeof out, &len), KVS_ERR_INVALID_ARG);
}

static const kvs_test_case kvs_tests_sdp[] = {
    {"chromium", test_sdp_chromium},
    {"chromium_gathered", test_sdp_chromium_gathered},
    {"werift", test_sdp_werift},
    {"wrtc", test_sdp_wrtc},
    {"aiortc", test_sdp_aiortc},
    {"firefox", test_sdp_firefox},
    {"safari", test_sdp_safari},
    {"lf", test_sdp_lf},
    {"malformed", test_sdp_malformed},
    {"levels", test_sdp_levels},
    {"many_candidates", test_sdp_many_candidates},
    {"offer", test_sdp_offer},
    {"answers", test_sdp_answers},
    {"answer_roles", test_sdp_answer_roles},
};
