/* >>srtp: kvs_global_init counting and sharing, the libsrtp2 log hook, session set-up from
   DTLS-SRTP keying material (RFC 5764 4.2 layout, both roles), RTP and SRTCP round trips for the
   three profiles, rejection of replayed, bit-flipped, truncated and random packets, buffer and
   argument errors, and known answers:
   - libsrtp2's own reference packets (test/srtp_driver.c: srtp_validate for AES-CM-128 with
     HMAC-SHA1-80, srtp_validate_gcm for AES-128-GCM), reproduced through kvs__srtp_init by placing
     their master key and salt in the client (or server) slots of the keying material;
   - RFC 3711 appendix B.3 (key derivation) and RFC 7714 sections 16.1.1 and 17.1.1
     (AEAD_AES_128_GCM SRTP and SRTCP). The RFC 7714 vectors start from session keys, which libsrtp2
     cannot take, so they check a small independent model of the SRTP transforms written here over
     BearSSL (AES-CTR, GCM, HMAC-SHA1); that model, with its key derivation checked against
     RFC 3711 B.3, must then agree byte for byte with what kvs__srtp produces for all three
     profiles on packets of every shape. */

typedef union kvs_t_srtp_buf {
    uint32_t align; /* libsrtp2 wants 4-byte aligned packets */
    uint8_t b[2048];
} kvs_t_srtp_buf;

static kvs_tp kvs_t_srtp_tp;
static kvs_platform kvs_t_srtp_pf;
static kvs__log kvs_t_srtp_lg;

/* A log context whose records land in kvs_t_srtp_tp (DEBUG and above). */
static kvs__log *kvs_t_srtp_log(void) {
    kvs_tp_init(&kvs_t_srtp_tp, &kvs_t_srtp_pf, 5, 0);
    kvs__log_init(&kvs_t_srtp_lg, &kvs_t_srtp_pf, NULL, KVS_LOG_DEBUG);
    return &kvs_t_srtp_lg;
}

static const int kvs_t_srtp_profiles[3] = {KVS_SRTP_AES128_CM_SHA1_80, KVS_SRTP_AES128_CM_SHA1_32,
                                           KVS_SRTP_AEAD_AES_128_GCM};

static size_t kvs_t_srtp_tag(int profile, int rtcp) {
    if (profile == KVS_SRTP_AEAD_AES_128_GCM)
        return 16;
    return (profile == KVS_SRTP_AES128_CM_SHA1_32 && !rtcp) ? 4 : 10;
}

static void kvs_t_srtp_km(uint8_t *km, size_t n, unsigned seed) {
    size_t i;
    for (i = 0; i < n; i++)
        km[i] = (uint8_t)(seed * 37u + i * 11u + (i >> 2));
}

/* An RTP packet: V=2, PT 96, the sequence number, a timestamp, ssrc, cc CSRCs, a one-byte-header
   extension of ext 32-bit words when ext > 0, then payload bytes. Returns its length. */
static size_t kvs_t_srtp_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, int cc, int ext,
                             size_t payload) {
    size_t n = 12, i;
    p[0] = (uint8_t)(0x80u | (ext ? 0x10u : 0u) | (unsigned)cc);
    p[1] = 96;
    kvs__put_u16(p + 2, seq);
    kvs__put_u32(p + 4, 3000u * seq);
    kvs__put_u32(p + 8, ssrc);
    for (i = 0; i < (size_t)cc; i++, n += 4)
        kvs__put_u32(p + n, 0x11110000u + (uint32_t)i);
    if (ext) {
        kvs__put_u16(p + n, 0xBEDE);
        kvs__put_u16(p + n + 2, (uint16_t)ext);
        n += 4;
        for (i = 0; i < (size_t)ext * 4; i++)
            p[n++] = (uint8_t)(i == 0 ? 0x10 : (i == 1 ? 0x2a : 0)); /* id 1, one byte, padding */
    }
    for (i = 0; i < payload; i++)
        p[n++] = (uint8_t)(i * 31u + seq);
    return n;
}

/* An RTCP sender report with one report block (52 bytes), plus an SDES CNAME chunk when sdes
   (a compound packet of 72 bytes). */
static size_t kvs_t_srtp_sr(uint8_t *p, uint32_t ssrc, int sdes) {
    size_t n = 52;
    memset(p, 0, 72);
    p[0] = 0x81;
    p[1] = 200;
    kvs__put_u16(p + 2, 12);
    kvs__put_u32(p + 4, ssrc);
    kvs__put_u32(p + 8, 0xeb0a6b3cu);  /* NTP seconds */
    kvs__put_u32(p + 12, 0x80000000u); /* NTP fraction */
    kvs__put_u32(p + 16, 123456789u);  /* RTP timestamp */
    kvs__put_u32(p + 20, 1000);        /* packets */
    kvs__put_u32(p + 24, 1000000);     /* octets */
    kvs__put_u32(p + 28, 0x22222222u); /* report block: SSRC */
    kvs__put_u32(p + 32, 0x01000003u); /* fraction lost, cumulative */
    kvs__put_u32(p + 36, 0x00010203u); /* highest sequence number */
    if (sdes) {
        p[n] = 0x81;
        p[n + 1] = 202;
        kvs__put_u16(p + n + 2, 4);
        kvs__put_u32(p + n + 4, ssrc);
        p[n + 8] = 1; /* CNAME */
        p[n + 9] = 8;
        memcpy(p + n + 10, "kvscam01", 8);
        n += 20;
    }
    return n;
}

/* A client/server pair over the same keying material. */
static int kvs_t_srtp_pair(kvs__srtp *cl, kvs__srtp *sv, int profile, unsigned seed) {
    uint8_t km[60];
    size_t n = kvs__srtp_km_len(profile);
    kvs__log *lg = kvs_t_srtp_log();
    kvs_t_srtp_km(km, n, seed);
    if (kvs__srtp_init(cl, profile, km, n, 1, lg) != KVS_OK)
        return 0;
    if (kvs__srtp_init(sv, profile, km, n, 0, lg) != KVS_OK) {
        kvs__srtp_deinit(cl);
        return 0;
    }
    return 1;
}

/* --- global state ---------------------------------------------------------------------------- */

static void test_srtp_global_init_counting(void) {
    kvs__srtp s;
    uint8_t km[60];
    uint16_t prof[4];
    CHECK_EQ(kvs__srtp_global.refs, 0);
    CHECK_EQ(kvs__srtp_profiles(prof, 4), 0);
    CHECK_EQ(kvs__srtp_profile_ok(KVS_SRTP_AES128_CM_SHA1_80), 0);
    /* a session before kvs_global_init is refused, without touching libsrtp2 */
    kvs_t_srtp_km(km, 60, 1);
    memset(&s, 0x5a, sizeof s);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_80, km, 60, 1, kvs_t_srtp_log()),
             KVS_ERR_STATE);
    CHECK_EQ(kvs_t_srtp_lg.last_item, KVS_LOG_SRTP_NOT_INITIALIZED);
    CHECK(s.tx == NULL && s.rx == NULL && s.ready == 0);
    kvs__srtp_deinit(&s);

    CHECK_EQ(kvs_global_init(), KVS_OK);
    CHECK_EQ(kvs__srtp_global.refs, 1);
    CHECK_EQ(kvs__srtp_global.owned, 1);
    CHECK_EQ(kvs_global_init(), KVS_OK); /* counted */
    CHECK_EQ(kvs__srtp_global.refs, 2);
    /* every profile is usable, GCM first (Debian's libsrtp2 is built with NSS) */
    CHECK_EQ(kvs__srtp_profiles(prof, 4), 3);
    CHECK_EQ(prof[0], KVS_SRTP_AEAD_AES_128_GCM);
    CHECK_EQ(prof[1], KVS_SRTP_AES128_CM_SHA1_80);
    CHECK_EQ(prof[2], KVS_SRTP_AES128_CM_SHA1_32);
    CHECK_EQ(kvs__srtp_profiles(prof, 1), 1);
    CHECK_EQ(prof[0], KVS_SRTP_AEAD_AES_128_GCM);
    CHECK_EQ(kvs__srtp_profile_ok(0x0008), 0); /* AEAD_AES_256_GCM: not offered */
    kvs_global_shutdown();
    CHECK_EQ(kvs__srtp_global.refs, 1);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_80, km, 60, 1, kvs_t_srtp_log()), KVS_OK);
    kvs__srtp_deinit(&s);
    kvs_global_shutdown();
    CHECK_EQ(kvs__srtp_global.refs, 0);
    CHECK_EQ(kvs__srtp_global.owned, 0);
    kvs_global_shutdown(); /* one too many: nothing happens */
    CHECK_EQ(kvs__srtp_global.refs, 0);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_80, km, 60, 1, kvs_t_srtp_log()),
             KVS_ERR_STATE);
    /* init / shutdown cycles work (libsrtp2 initialises again) */
    CHECK_EQ(kvs_global_init(), KVS_OK);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AEAD_AES_128_GCM, km, 56, 0, kvs_t_srtp_log()), KVS_OK);
    kvs__srtp_deinit(&s);
    kvs_global_shutdown();
    CHECK_EQ(kvs__srtp_global.refs, 0);
}

/* Another library of the process initialised libsrtp2 first: it keeps ownership. */
static void test_srtp_global_init_shared(void) {
    kvs__srtp s;
    uint8_t km[60];
    srtp_policy_t pol;
    srtp_t raw = NULL;
    unsigned char key[30];
    CHECK_EQ(srtp_init(), srtp_err_status_ok);
    CHECK_EQ(kvs_global_init(), KVS_OK);
    CHECK_EQ(kvs__srtp_global.owned, 0);
    CHECK_EQ(kvs__srtp_profile_ok(KVS_SRTP_AEAD_AES_128_GCM), 1);
    kvs_t_srtp_km(km, 60, 2);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_32, km, 60, 1, kvs_t_srtp_log()), KVS_OK);
    kvs__srtp_deinit(&s);
    kvs_global_shutdown();
    CHECK_EQ(kvs__srtp_global.refs, 0);
    /* libsrtp2 is still initialised for its owner */
    memset(key, 0, sizeof key);
    memset(&pol, 0, sizeof pol);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
    pol.ssrc.type = ssrc_any_outbound;
    pol.key = key;
    CHECK_EQ(srtp_create(&raw, &pol), srtp_err_status_ok);
    if (raw)
        srtp_dealloc(raw);
    CHECK_EQ(srtp_shutdown(), srtp_err_status_ok);
    /* and libsrtp2 itself refuses sessions once shut down (what kvs_global_init relies on) */
    raw = NULL;
    CHECK_EQ(srtp_create(&raw, &pol), srtp_err_status_init_fail);
    CHECK(raw == NULL);
}

static struct {
    int count, level, item, line, msg_null;
    void *user;
} kvs_t_srtp_hook;

static void kvs_t_srtp_hook_fn(void *user, int level, int item, const char *msg, int line) {
    kvs_t_srtp_hook.count++;
    kvs_t_srtp_hook.user = user;
    kvs_t_srtp_hook.level = level;
    kvs_t_srtp_hook.item = item;
    kvs_t_srtp_hook.line = line;
    kvs_t_srtp_hook.msg_null = msg == NULL;
}

static void test_srtp_global_log_hook(void) {
    int tag = 0;
    memset(&kvs_t_srtp_hook, 0, sizeof kvs_t_srtp_hook);
    kvs_global_set_log(kvs_t_srtp_hook_fn, &tag);
    /* the level mapping; libsrtp2's debug lines become TRACE, above the ceiling of this build */
    kvs__srtp_log_trampoline(srtp_log_level_error, "e", NULL);
    CHECK_EQ(kvs_t_srtp_hook.count, 1);
    CHECK(kvs_t_srtp_hook.user == &tag);
    CHECK_EQ(kvs_t_srtp_hook.level, KVS_LOG_ERROR);
    CHECK_EQ(kvs_t_srtp_hook.item, KVS_LOG_SRTP_LIBRARY);
    CHECK(kvs_t_srtp_hook.line > 0);
    CHECK_EQ(kvs_t_srtp_hook.msg_null, KVS_NO_LOG_STRINGS);
    kvs__srtp_log_trampoline(srtp_log_level_warning, "w", NULL);
    CHECK_EQ(kvs_t_srtp_hook.level, KVS_LOG_WARN);
    kvs__srtp_log_trampoline(srtp_log_level_info, "i", NULL);
    CHECK_EQ(kvs_t_srtp_hook.level, KVS_LOG_DEBUG);
    kvs__srtp_log_trampoline(srtp_log_level_debug, "d", NULL);
    CHECK_EQ(kvs_t_srtp_hook.count, KVS_LOG_LEVEL_MAX >= KVS_LOG_TRACE ? 4 : 3);
    /* installed in libsrtp2 while kvswebrtc owns it: a second srtp_init fails (which is why
       kvs_global_init counts) and prints libsrtp2's status at its info level */
    CHECK_EQ(kvs_global_init(), KVS_OK);
    kvs_t_srtp_hook.count = 0;
    CHECK_EQ(srtp_init(), srtp_err_status_bad_param);
    CHECK(kvs_t_srtp_hook.count > 0);
    CHECK_EQ(kvs_t_srtp_hook.level, KVS_LOG_DEBUG);
    CHECK_EQ(kvs_t_srtp_hook.item, KVS_LOG_SRTP_LIBRARY);
    kvs_global_shutdown();
    /* removed by the last kvs_global_shutdown */
    kvs_t_srtp_hook.count = 0;
    CHECK_EQ(srtp_init(), srtp_err_status_ok);
    CHECK_EQ(srtp_init(), srtp_err_status_bad_param);
    CHECK_EQ(kvs_t_srtp_hook.count, 0);
    /* shared libsrtp2 (still initialised from just above): its owner's handler is left alone */
    CHECK_EQ(kvs_global_init(), KVS_OK);
    CHECK_EQ(kvs__srtp_global.owned, 0);
    CHECK_EQ(srtp_init(), srtp_err_status_bad_param);
    CHECK_EQ(kvs_t_srtp_hook.count, 0);
    kvs_global_shutdown();
    CHECK_EQ(srtp_shutdown(), srtp_err_status_ok);
    /* no hook: libsrtp2's lines are dropped */
    kvs_global_set_log(NULL, NULL);
    CHECK_EQ(kvs_global_init(), KVS_OK);
    CHECK_EQ(srtp_init(), srtp_err_status_bad_param);
    kvs_global_shutdown();
    CHECK_EQ(kvs_t_srtp_hook.count, 0);
}

/* --- set-up errors --------------------------------------------------------------------------- */

static void test_srtp_init_errors(void) {
    kvs__srtp s, z;
    uint8_t km[64];
    kvs__log *lg;
    CHECK_EQ(kvs__srtp_km_len(KVS_SRTP_AES128_CM_SHA1_80), 60);
    CHECK_EQ(kvs__srtp_km_len(KVS_SRTP_AES128_CM_SHA1_32), 60);
    CHECK_EQ(kvs__srtp_km_len(KVS_SRTP_AEAD_AES_128_GCM), 56);
    CHECK_EQ(kvs__srtp_km_len(0), 0);
    CHECK_EQ(kvs__srtp_km_len(0x0008), 0);
    CHECK_EQ(kvs__srtp_km_len(0x0005), 0);
    CHECK_EQ(kvs_global_init(), KVS_OK);
    lg = kvs_t_srtp_log();
    kvs_t_srtp_km(km, sizeof km, 3);
    memset(&z, 0, sizeof z);
    /* unknown profiles */
    CHECK_EQ(kvs__srtp_init(&s, 0, km, 60, 1, lg), KVS_ERR_UNSUPPORTED);
    CHECK_EQ(lg->last_item, KVS_LOG_SRTP_PROFILE);
    CHECK_EQ(kvs__srtp_init(&s, 0x0008, km, 60, 1, lg), KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs__srtp_init(&s, -1, km, 60, 1, lg), KVS_ERR_UNSUPPORTED);
    CHECK_MEM(&s, &z, sizeof s);
    /* keying material of the wrong length */
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_80, km, 59, 1, lg), KVS_ERR_INVALID_ARG);
    CHECK_EQ(lg->last_item, KVS_LOG_SRTP_KEYING);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_80, km, 61, 1, lg), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AES128_CM_SHA1_32, km, 56, 0, lg), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AEAD_AES_128_GCM, km, 60, 0, lg), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AEAD_AES_128_GCM, km, 0, 0, lg), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AEAD_AES_128_GCM, NULL, 56, 0, lg), KVS_ERR_INVALID_ARG);
    CHECK_MEM(&s, &z, sizeof s);
    /* deinit: zeroed, twice, after a failure, NULL */
    kvs__srtp_deinit(&s);
    kvs__srtp_deinit(&s);
    kvs__srtp_deinit(NULL);
    CHECK_EQ(kvs__srtp_init(&s, KVS_SRTP_AEAD_AES_128_GCM, km, 56, 0, lg), KVS_OK);
    CHECK_EQ(s.ready, 1);
    CHECK_EQ(s.profile, KVS_SRTP_AEAD_AES_128_GCM);
    kvs__srtp_deinit(&s);
    CHECK_MEM(&s, &z, sizeof s);
    kvs__srtp_deinit(&s);
    kvs_global_shutdown();
}

static void test_srtp_packet_errors(void) {
    kvs__srtp a, b, z;
    kvs_t_srtp_buf buf, copy;
    size_t n, out = 99;
    memset(&z, 0, sizeof z);
    n = kvs_t_srtp_rtp(buf.b, 1, 0x1234, 0, 0, 100);
    /* not initialised */
    CHECK_EQ(kvs__srtp_protect_rtp(&z, buf.b, n, sizeof buf.b, &out), KVS_ERR_STATE);
    CHECK_EQ(out, 0);
    CHECK_EQ(kvs__srtp_protect_rtcp(&z, buf.b, n, sizeof buf.b, &out), KVS_ERR_STATE);
    CHECK_EQ(kvs__srtp_unprotect_rtp(&z, buf.b, n, &out), KVS_ERR_STATE);
    CHECK_EQ(kvs__srtp_unprotect_rtcp(&z, buf.b, n, &out), KVS_ERR_STATE);
    CHECK_EQ(kvs__srtp_overhead(&z, 0), 0);
    CHECK_EQ(kvs_global_init(), KVS_OK);
    if (!kvs_t_srtp_pair(&a, &b, KVS_SRTP_AES128_CM_SHA1_80, 4)) {
        CHECK(0);
        kvs_global_shutdown();
        return;
    }
    CHECK_EQ(kvs__srtp_overhead(&a, 0), 10);
    CHECK_EQ(kvs__srtp_overhead(&a, 1), 14);
    /* room after the packet: KVS_SRTP_MAX_TRAILER or nothing changes */
    memcpy(copy.b, buf.b, n);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, n + KVS_SRTP_MAX_TRAILER - 1, &out),
             KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(out, n + KVS_SRTP_MAX_TRAILER);
    CHECK_MEM(buf.b, copy.b, n);
    CHECK_EQ(kvs__srtp_protect_rtcp(&a, buf.b, 52, 52 + 10, &out), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(out, 52 + KVS_SRTP_MAX_TRAILER);
    CHECK_MEM(buf.b, copy.b, n);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, 0, &out), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(a.st.rtp_protected, 0);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, n + KVS_SRTP_MAX_TRAILER, &out), KVS_OK);
    CHECK_EQ(out, n + 10);
    /* not RTP / RTCP: the caller's own packet is wrong */
    n = kvs_t_srtp_rtp(buf.b, 2, 0x1234, 0, 0, 10);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, NULL, n, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, 11, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    buf.b[0] = 0x40; /* version 1 */
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    buf.b[0] = 0x8f; /* 15 CSRCs do not fit in 22 bytes */
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    buf.b[0] = 0x90; /* an extension header whose length runs past the end */
    kvs__put_u16(buf.b + 14, 100);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_protect_rtcp(&a, buf.b, 7, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, 70000, sizeof buf.b, &out), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs__srtp_unprotect_rtp(&b, NULL, 10, &out), KVS_ERR_INVALID_ARG);
    CHECK_EQ(a.st.rtp_protected, 1);
    /* malformed input is refused before libsrtp2 sees it: KVS_ERR_PARSE, counted, DEBUG item */
    n = kvs_t_srtp_rtp(buf.b, 3, 0x1234, 0, 0, 28);
    CHECK_EQ(kvs__srtp_unprotect_rtp(&b, buf.b, 11, &out), KVS_ERR_PARSE);
    CHECK_EQ(kvs__srtp_unprotect_rtp(&b, buf.b, 12 + 9, &out), KVS_ERR_PARSE); /* no tag room */
    buf.b[0] = 0x40;
    CHECK_EQ(kvs__srtp_unprotect_rtp(&b, buf.b, n, &out), KVS_ERR_PARSE);
    buf.b[0] = 0x8f;
    CHECK_EQ(kvs__srtp_unprotect_rtp(&b, buf.b, n, &out), KVS_ERR_PARSE);
    buf.b[0] = 0x90;
    kvs__put_u16(buf.b + 14, 0xffff);
    CHECK_EQ(kvs__srtp_unprotect_rtp(&b, buf.b, n, &out), KVS_ERR_PARSE);
    buf.b[0] = 0x81;
    CHECK_EQ(kvs__srtp_unprotect_rtcp(&b, buf.b, 8 + 4 + 9, &out), KVS_ERR_PARSE);
    buf.b[0] = 0x01;
    CHECK_EQ(kvs__srtp_unprotect_rtcp(&b, buf.b, n, &out), KVS_ERR_PARSE);
    CHECK_EQ(b.st.malformed, 7);
    CHECK_EQ(b.st.auth_failures, 0);
    CHECK_EQ(kvs_t_srtp_tp.last_item, KVS_LOG_SRTP_MALFORMED);
    CHECK_EQ(kvs_t_srtp_tp.last_level, KVS_LOG_DEBUG);
    kvs__srtp_deinit(&a);
    kvs__srtp_deinit(&b);
    kvs_global_shutdown();
}

/* --- round trips ----------------------------------------------------------------------------- */

/* Protect plain (len bytes of RTP or RTCP) with tx, check the length and that the header stayed
   clear, unprotect with rx and compare. */
static void kvs_t_srtp_trip(kvs__srtp *tx, kvs__srtp *rx, int profile, int rtcp,
                            const uint8_t *plain, size_t len) {
    kvs_t_srtp_buf buf;
    size_t out = 0, back = 0, clear = rtcp ? 8 : kvs__srtp_rtp_header_len(plain, len);
    kvs_result r;
    memcpy(buf.b, plain, len);
    r = rtcp ? kvs__srtp_protect_rtcp(tx, buf.b, len, sizeof buf.b, &out)
             : kvs__srtp_protect_rtp(tx, buf.b, len, sizeof buf.b, &out);
    CHECK_EQ(r, KVS_OK);
    CHECK_EQ(out, len + (rtcp ? 4 : 0) + kvs_t_srtp_tag(profile, rtcp));
    CHECK_MEM(buf.b, plain, clear);
    if (len - clear >= 8)
        CHECK(memcmp(buf.b + clear, plain + clear, len - clear) != 0); /* encrypted */
    if (rtcp) /* E flag set: SRTCP is encrypted */
        CHECK(buf.b[profile == KVS_SRTP_AEAD_AES_128_GCM ? out - 4 : len] & 0x80);
    r = rtcp ? kvs__srtp_unprotect_rtcp(rx, buf.b, out, &back)
             : kvs__srtp_unprotect_rtp(rx, buf.b, out, &back);
    CHECK_EQ(r, KVS_OK);
    CHECK_EQ(back, len);
    CHECK_MEM(buf.b, plain, len);
}

static void test_srtp_round_trip(void) {
    static const size_t payloads[] = {0, 1, 5, 160, 1188};
    kvs__srtp a, b, c;
    kvs_t_srtp_buf plain;
    size_t i, k, n, out;
    int p;
    uint16_t seq = 65531; /* the sequence number wraps: the rollover counter must follow */
    CHECK_EQ(kvs_global_init(), KVS_OK);
    for (p = 0; p < 3; p++) {
        int prof = kvs_t_srtp_profiles[p];
        if (!kvs_t_srtp_pair(&a, &b, prof, (unsigned)p + 10)) {
            CHECK(0);
            continue;
        }
        for (i = 0; i < KVS__ARRAY_LEN(payloads); i++) {
            for (k = 0; k < 3; k++) { /* plain, CSRCs, CSRCs + header extension */
                n = kvs_t_srtp_rtp(plain.b, seq, 0x5501a0b2, (int)k, k == 2 ? 2 : 0, payloads[i]);
                kvs_t_srtp_trip(&a, &b, prof, 0, plain.b, n); /* client to server */
                n = kvs_t_srtp_rtp(plain.b, seq, 0x0badcafe, (int)k * 2, (int)k, payloads[i]);
                kvs_t_srtp_trip(&b, &a, prof, 0, plain.b, n); /* server to client */
                seq++;
            }
        }
        n = kvs_t_srtp_sr(plain.b, 0x5501a0b2, 0);
        kvs_t_srtp_trip(&a, &b, prof, 1, plain.b, n);
        n = kvs_t_srtp_sr(plain.b, 0x0badcafe, 1); /* compound SR + SDES */
        kvs_t_srtp_trip(&b, &a, prof, 1, plain.b, n);
        kvs_t_srtp_trip(&b, &a, prof, 1, plain.b, n);
        CHECK_EQ(a.st.rtp_protected, 15);
        CHECK_EQ(b.st.rtp_unprotected, 15);
        CHECK_EQ(b.st.rtp_protected, 15);
        CHECK_EQ(a.st.rtp_unprotected, 15);
        CHECK_EQ(a.st.rtcp_protected, 1);
        CHECK_EQ(b.st.rtcp_protected, 2);
        CHECK_EQ(a.st.rtcp_unprotected, 2);
        CHECK_EQ(a.st.auth_failures + a.st.replays + a.st.malformed, 0);
        /* the two directions use different keys: a cannot read its own packets */
        n = kvs_t_srtp_rtp(plain.b, 7, 0x77, 0, 0, 40);
        CHECK_EQ(kvs__srtp_protect_rtp(&a, plain.b, n, sizeof plain.b, &out), KVS_OK);
        CHECK_EQ(kvs__srtp_unprotect_rtp(&a, plain.b, out, &n), KVS_ERR_AUTH);
        /* two clients do not understand each other */
        {
            uint8_t km[60];
            kvs_t_srtp_km(km, kvs__srtp_km_len(prof), (unsigned)p + 10);
            CHECK_EQ(kvs__srtp_init(&c, prof, km, kvs__srtp_km_len(prof), 1, &kvs_t_srtp_lg),
                     KVS_OK);
            n = kvs_t_srtp_rtp(plain.b, 8, 0x77, 0, 0, 40);
            CHECK_EQ(kvs__srtp_protect_rtp(&a, plain.b, n, sizeof plain.b, &out), KVS_OK);
            CHECK_EQ(kvs__srtp_unprotect_rtp(&c, plain.b, out, &n), KVS_ERR_AUTH);
            kvs__srtp_deinit(&c);
        }
        kvs__srtp_deinit(&a);
        kvs__srtp_deinit(&b);
    }
    kvs_global_shutdown();
}

/* A retransmission (same sequence number, same payload) may be protected again; the receiver
   sees it as a replay. Also the replay window: 1024 packets, not libsrtp2's default 128. */
static void test_srtp_replay(void) {
    kvs__srtp a, b;
    kvs_t_srtp_buf first, again, late;
    size_t n, out1, out2, back;
    uint16_t seq;
    int p;
    CHECK_EQ(kvs_global_init(), KVS_OK);
    for (p = 0; p < 3; p++) {
        int prof = kvs_t_srtp_profiles[p];
        if (!kvs_t_srtp_pair(&a, &b, prof, (unsigned)p + 20)) {
            CHECK(0);
            continue;
        }
        n = kvs_t_srtp_rtp(first.b, 100, 0x42, 1, 0, 200);
        memcpy(again.b, first.b, n);
        CHECK_EQ(kvs__srtp_protect_rtp(&a, first.b, n, sizeof first.b, &out1), KVS_OK);
        CHECK_EQ(kvs__srtp_protect_rtp(&a, again.b, n, sizeof again.b, &out2), KVS_OK);
        CHECK_EQ(out1, out2);
        CHECK_MEM(first.b, again.b, out1); /* same index, same bytes */
        CHECK_EQ(kvs__srtp_unprotect_rtp(&b, first.b, out1, &back), KVS_OK);
        CHECK_EQ(kvs__srtp_unprotect_rtp(&b, again.b, out2, &back), KVS_ERR_PROTOCOL);
        CHECK_EQ(back, 0);
        CHECK_EQ(b.st.replays, 1);
        CHECK_EQ(kvs_t_srtp_tp.last_item, KVS_LOG_SRTP_REPLAY); /* at DEBUG */
        /* SRTCP replay */
        n = kvs_t_srtp_sr(first.b, 0x42, 0);
        CHECK_EQ(kvs__srtp_protect_rtcp(&a, first.b, n, sizeof first.b, &out1), KVS_OK);
        memcpy(again.b, first.b, out1);
        CHECK_EQ(kvs__srtp_unprotect_rtcp(&b, first.b, out1, &back), KVS_OK);
        CHECK_EQ(kvs__srtp_unprotect_rtcp(&b, again.b, out1, &back), KVS_ERR_PROTOCOL);
        CHECK_EQ(b.st.replays, 2);
        /* window: send 101..1200, deliver only the last, then older ones */
        for (seq = 101; seq <= 1200; seq++) {
            n = kvs_t_srtp_rtp(first.b, seq, 0x42, 0, 0, 20);
            CHECK_EQ(kvs__srtp_protect_rtp(&a, first.b, n, sizeof first.b, &out1), KVS_OK);
            if (seq == 101)
                memcpy(late.b, first.b, out1); /* 1099 behind the last: out of the window */
            if (seq == 300)
                memcpy(again.b, first.b, out1); /* 900 behind: inside it */
        }
        CHECK_EQ(kvs__srtp_unprotect_rtp(&b, first.b, out1, &back), KVS_OK);
        CHECK_EQ(kvs__srtp_unprotect_rtp(&b, again.b, out1, &back), KVS_OK);
        CHECK_EQ(kvs__srtp_unprotect_rtp(&b, late.b, out1, &back), KVS_ERR_PROTOCOL);
        CHECK_EQ(b.st.replays, 3);
        /* retransmitting that old packet is too late on the sending side too */
        n = kvs_t_srtp_rtp(first.b, 101, 0x42, 0, 0, 20);
        CHECK_EQ(kvs__srtp_protect_rtp(&a, first.b, n, sizeof first.b, &out1), KVS_ERR_PROTOCOL);
        kvs__srtp_deinit(&a);
        kvs__srtp_deinit(&b);
    }
    kvs_global_shutdown();
}

/* Every one-bit change and every truncation of a protected packet is rejected, and the session
   still accepts the original afterwards (once). */
static void kvs_t_srtp_reject_all(kvs__srtp *tx, kvs__srtp *rx, int rtcp, const uint8_t *plain,
                                  size_t len) {
    kvs_t_srtp_buf saved, work;
    size_t out = 0, back, i, t;
    uint32_t before = rx->st.auth_failures + rx->st.malformed;
    int bit, accepted = 0;
    kvs_result r;
    memcpy(saved.b, plain, len);
    r = rtcp ? kvs__srtp_protect_rtcp(tx, saved.b, len, sizeof saved.b, &out)
             : kvs__srtp_protect_rtp(tx, saved.b, len, sizeof saved.b, &out);
    CHECK_EQ(r, KVS_OK);
    for (i = 0; i < out; i++) {
        for (bit = 0; bit < 8; bit++) {
            memcpy(work.b, saved.b, out);
            work.b[i] ^= (uint8_t)(1u << bit);
            r = rtcp ? kvs__srtp_unprotect_rtcp(rx, work.b, out, &back)
                     : kvs__srtp_unprotect_rtp(rx, work.b, out, &back);
            if (r == KVS_OK || r == KVS_ERR_PROTOCOL) {
                if (!accepted++)
                    printf("    bit %d of byte %lu: result %d\n", bit, (unsigned long)i, (int)r);
            }
        }
    }
    for (t = 0; t < out; t++) {
        memcpy(work.b, saved.b, out);
        r = rtcp ? kvs__srtp_unprotect_rtcp(rx, work.b, t, &back)
                 : kvs__srtp_unprotect_rtp(rx, work.b, t, &back);
        if (r == KVS_OK || r == KVS_ERR_PROTOCOL) {
            if (!accepted++)
                printf("    truncated to %lu: result %d\n", (unsigned long)t, (int)r);
        }
    }
    CHECK_EQ(accepted, 0);
    CHECK_EQ(rx->st.auth_failures + rx->st.malformed - before, out * 8 + out);
    memcpy(work.b, saved.b, out);
    r = rtcp ? kvs__srtp_unprotect_rtcp(rx, work.b, out, &back)
             : kvs__srtp_unprotect_rtp(rx, work.b, out, &back);
    CHECK_EQ(r, KVS_OK);
    CHECK_EQ(back, len);
    CHECK_MEM(work.b, plain, len);
    memcpy(work.b, saved.b, out);
    r = rtcp ? kvs__srtp_unprotect_rtcp(rx, work.b, out, &back)
             : kvs__srtp_unprotect_rtp(rx, work.b, out, &back);
    CHECK_EQ(r, KVS_ERR_PROTOCOL);
}

static void test_srtp_reject_tampering(void) {
    kvs__srtp a, b;
    kvs_t_srtp_buf plain;
    size_t n;
    int p;
    CHECK_EQ(kvs_global_init(), KVS_OK);
    for (p = 0; p < 3; p++) {
        int prof = kvs_t_srtp_profiles[p];
        if (!kvs_t_srtp_pair(&a, &b, prof, (unsigned)p + 30)) {
            CHECK(0);
            continue;
        }
        n = kvs_t_srtp_rtp(plain.b, 1000, 0x1234abcd, 1, 1, 48);
        kvs_t_srtp_reject_all(&a, &b, 0, plain.b, n);
        n = kvs_t_srtp_rtp(plain.b, 1001, 0x1234abcd, 0, 0, 0); /* header only */
        kvs_t_srtp_reject_all(&b, &a, 0, plain.b, n);
        n = kvs_t_srtp_sr(plain.b, 0x1234abcd, 1);
        kvs_t_srtp_reject_all(&a, &b, 1, plain.b, n);
        CHECK_EQ(kvs_t_srtp_tp.last_level, KVS_LOG_DEBUG); /* packet faults log at DEBUG */
        CHECK(kvs_t_srtp_tp.last_item == KVS_LOG_SRTP_REPLAY);
        kvs__srtp_deinit(&a);
        kvs__srtp_deinit(&b);
    }
    kvs_global_shutdown();
}

/* Random datagrams (some with an RTP-looking first byte) never pass and never crash; the session
   keeps working. */
static void test_srtp_random_input(void) {
    kvs__srtp a, b;
    kvs_t_srtp_buf buf;
    kvs_testing_rng rng;
    size_t n, out, back;
    int i, p, accepted = 0;
    CHECK_EQ(kvs_global_init(), KVS_OK);
    kvs_testing_rng_seed(&rng, 1234);
    for (p = 0; p < 3; p++) {
        int prof = kvs_t_srtp_profiles[p];
        if (!kvs_t_srtp_pair(&a, &b, prof, (unsigned)p + 40)) {
            CHECK(0);
            continue;
        }
        for (i = 0; i < 3000; i++) {
            uint8_t r[2];
            kvs_testing_random(&rng, r, 2);
            n = (size_t)r[0] + (size_t)(r[1] & 1) * 256u;
            kvs_testing_random(&rng, buf.b, n);
            if (n > 0 && (i & 1))
                buf.b[0] = (uint8_t)(0x80 | (buf.b[0] & 0x3f));
            if ((i & 3) == 1 && n > 1)
                buf.b[1] = (uint8_t)(200 + (buf.b[1] & 7)); /* an RTCP packet type */
            if ((i & 3) == 3) {
                if (kvs__srtp_unprotect_rtcp(&b, buf.b, n, &back) == KVS_OK)
                    accepted++;
            } else if (kvs__srtp_unprotect_rtp(&b, buf.b, n, &back) == KVS_OK) {
                accepted++;
            }
        }
        CHECK_EQ(accepted, 0);
        CHECK_EQ(b.st.auth_failures + b.st.malformed + b.st.replays, 3000);
        CHECK(b.st.malformed > 0 && b.st.auth_failures > 0);
        n = kvs_t_srtp_rtp(buf.b, 5, 0x99, 0, 0, 33);
        CHECK_EQ(kvs__srtp_protect_rtp(&a, buf.b, n, sizeof buf.b, &out), KVS_OK);
        CHECK_EQ(kvs__srtp_unprotect_rtp(&b, buf.b, out, &back), KVS_OK);
        CHECK_EQ(back, n);
        kvs__srtp_deinit(&a);
        kvs__srtp_deinit(&b);
    }
    kvs_global_shutdown();
}

/* --- known answers --------------------------------------------------------------------------- */

/* libsrtp2 test/srtp_driver.c, srtp_validate (AES-CM-128, HMAC-SHA1-80): the packets use SSRC
   0xcafebabe; libsrtp2 numbers SRTCP from 1. */
static const char kvs_t_srtp_cm_key[] = "e1f97a0d3e018be0d64fa32c06de4139";
static const char kvs_t_srtp_cm_salt[] = "0ec675ad498afeebb6960b3aabe6";
static const char kvs_t_srtp_ref_rtp[] = "800f1234decafbadcafebabe"
                                         " abababababababababababababababab";
static const char kvs_t_srtp_cm_srtp[] =
    "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb";
static const char kvs_t_srtp_ref_rtcp[] = "81c8000bcafebabe abababababababababababababababab";
static const char kvs_t_srtp_cm_srtcp[] =
    "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798";
/* srtp_validate_gcm (AES-128-GCM, 16-byte tag) */
static const char kvs_t_srtp_gcm_key[] = "000102030405060708090a0b0c0d0e0f";
static const char kvs_t_srtp_gcm_salt[] = "a0a1a2a3a4a5a6a7a8a9aaab";
static const char kvs_t_srtp_gcm_srtp[] = "800f1234decafbadcafebabe"
                                          " c5002ede04cfdd2eb91159e0880aa06e"
                                          " d2976826f796b201df3131a127e8a392";
static const char kvs_t_srtp_gcm_srtcp[] = "81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025"
                                           " c52c6fbea2b3b446ea31123ba88ce61e 80000001";

/* Keying material whose client (is_client = 1) or server slots hold key and salt; the other
   slots get filler. */
static size_t kvs_t_srtp_km_with(uint8_t *km, int profile, int client_slots, const char *key_hex,
                                 const char *salt_hex) {
    uint8_t key[16], salt[14];
    size_t n = kvs__srtp_km_len(profile), sl = n / 2 - 16;
    CHECK_EQ(kvs_test_unhex(key_hex, key, sizeof key), 16);
    CHECK_EQ(kvs_test_unhex(salt_hex, salt, sizeof salt), sl);
    memset(km, 0xee, n);
    memcpy(km + (client_slots ? 0 : 16), key, 16);
    memcpy(km + 32 + (client_slots ? 0 : sl), salt, sl);
    return n;
}

/* Protect the reference RTP and RTCP packets with the sender keyed from key/salt and compare. */
static void kvs_t_srtp_kat(int profile, const char *key_hex, const char *salt_hex,
                           const char *want_rtp_hex, size_t want_rtp_len,
                           const char *want_rtcp_hex) {
    kvs__srtp tx, rx;
    kvs_t_srtp_buf buf;
    uint8_t km[60], plain[64], want[64];
    size_t kn, pn, wn, out, back;
    int role;
    for (role = 0; role < 2; role++) { /* the vector in the client slots, then the server's */
        kn = kvs_t_srtp_km_with(km, profile, role == 0, key_hex, salt_hex);
        CHECK_EQ(kvs__srtp_init(&tx, profile, km, kn, role == 0, kvs_t_srtp_log()), KVS_OK);
        CHECK_EQ(kvs__srtp_init(&rx, profile, km, kn, role != 0, &kvs_t_srtp_lg), KVS_OK);
        pn = kvs_test_unhex(kvs_t_srtp_ref_rtp, plain, sizeof plain);
        wn = kvs_test_unhex(want_rtp_hex, want, sizeof want);
        CHECK(want_rtp_len <= wn);
        memcpy(buf.b, plain, pn);
        CHECK_EQ(kvs__srtp_protect_rtp(&tx, buf.b, pn, sizeof buf.b, &out), KVS_OK);
        CHECK_EQ(out, want_rtp_len);
        CHECK_MEM(buf.b, want, want_rtp_len);
        CHECK_EQ(kvs__srtp_unprotect_rtp(&rx, buf.b, out, &back), KVS_OK);
        CHECK_EQ(back, pn);
        CHECK_MEM(buf.b, plain, pn);
        pn = kvs_test_unhex(kvs_t_srtp_ref_rtcp, plain, sizeof plain);
        wn = kvs_test_unhex(want_rtcp_hex, want, sizeof want);
        memcpy(buf.b, plain, pn);
        CHECK_EQ(kvs__srtp_protect_rtcp(&tx, buf.b, pn, sizeof buf.b, &out), KVS_OK);
        CHECK_EQ(out, wn);
        CHECK_MEM(buf.b, want, wn);
        CHECK_EQ(kvs__srtp_unprotect_rtcp(&rx, buf.b, out, &back), KVS_OK);
        CHECK_EQ(back, pn);
        CHECK_MEM(buf.b, plain, pn);
        kvs__srtp_deinit(&tx);
        kvs__srtp_deinit(&rx);
    }
}

static void test_srtp_kat_libsrtp_vectors(void) {
    CHECK_EQ(kvs_global_init(), KVS_OK);
    kvs_t_srtp_kat(KVS_SRTP_AES128_CM_SHA1_80, kvs_t_srtp_cm_key, kvs_t_srtp_cm_salt,
                   kvs_t_srtp_cm_srtp, 38, kvs_t_srtp_cm_srtcp);
    /* _32: the same keystream, the HMAC-SHA1 tag cut to its first 4 bytes (RFC 3711 4.2); SRTCP
       keeps the 80-bit tag (RFC 5764 4.1.2), so the SRTCP packet is the same */
    kvs_t_srtp_kat(KVS_SRTP_AES128_CM_SHA1_32, kvs_t_srtp_cm_key, kvs_t_srtp_cm_salt,
                   kvs_t_srtp_cm_srtp, 32, kvs_t_srtp_cm_srtcp);
    kvs_t_srtp_kat(KVS_SRTP_AEAD_AES_128_GCM, kvs_t_srtp_gcm_key, kvs_t_srtp_gcm_salt,
                   kvs_t_srtp_gcm_srtp, 44, kvs_t_srtp_gcm_srtcp);
    kvs_global_shutdown();
}

/* A model of the SRTP transforms over BearSSL, independent of libsrtp2. */

typedef struct kvs_t_srtp_keys {
    uint8_t ek[16], salt[14], ak[20];
} kvs_t_srtp_keys;

/* AES-128 in counter mode with a 16-byte IV whose last 16 bits count blocks (RFC 3711 4.1.1). */
static void kvs_t_srtp_aes_cm(const uint8_t key[16], const uint8_t iv[16], uint8_t *data,
                              size_t n) {
    br_aes_ct_ctr_keys k;
    br_aes_ct_ctr_init(&k, key, 16);
    (void)br_aes_ct_ctr_run(&k, iv, kvs__get_u32(iv + 12), data, n);
}

/* The SRTP key derivation of RFC 3711 4.3 with no key derivation rate: AES-CM keystream under
   the master key, IV = (master salt XOR label << 48) << 16. A 12-byte (GCM) master salt is
   padded with zeros to 14 bytes, as libsrtp2 does (RFC 7714 section 11 leaves the KDF as is). */
static void kvs_t_srtp_kdf(const uint8_t mk[16], const uint8_t *ms, size_t ms_len, int label,
                           uint8_t *out, size_t n) {
    uint8_t iv[16];
    memset(iv, 0, sizeof iv);
    memcpy(iv, ms, ms_len);
    iv[7] ^= (uint8_t)label;
    memset(out, 0, n);
    kvs_t_srtp_aes_cm(mk, iv, out, n);
}

static void kvs_t_srtp_derive(const uint8_t mk[16], const uint8_t *ms, size_t ms_len, int rtcp,
                              kvs_t_srtp_keys *k) {
    kvs_t_srtp_kdf(mk, ms, ms_len, rtcp ? 3 : 0, k->ek, 16);
    kvs_t_srtp_kdf(mk, ms, ms_len, rtcp ? 4 : 1, k->ak, 20);
    kvs_t_srtp_kdf(mk, ms, ms_len, rtcp ? 5 : 2, k->salt, 14);
}

/* RTP, AES-CM + HMAC-SHA1 truncated to tag bytes; p has room. Returns the protected length. */
static size_t kvs_t_srtp_model_cm_rtp(const kvs_t_srtp_keys *k, uint32_t roc, size_t tag,
                                      uint8_t *p, size_t len) {
    uint8_t iv[16], mac[20], r[4];
    size_t h = kvs__srtp_rtp_header_len(p, len), i;
    kvs__crypto_hmac hm;
    memset(iv, 0, sizeof iv);
    memcpy(iv, k->salt, 14);
    for (i = 0; i < 4; i++)
        iv[4 + i] ^= p[8 + i]; /* SSRC */
    kvs__put_u32(r, roc);
    for (i = 0; i < 4; i++)
        iv[8 + i] ^= r[i]; /* index = ROC || SEQ */
    iv[12] ^= p[2];
    iv[13] ^= p[3];
    kvs_t_srtp_aes_cm(k->ek, iv, p + h, len - h);
    kvs__crypto_hmac_init(&hm, KVS__CRYPTO_SHA1, k->ak, 20);
    kvs__crypto_hmac_update(&hm, p, len);
    kvs__crypto_hmac_update(&hm, r, 4);
    (void)kvs__crypto_hmac_out(&hm, mac);
    memcpy(p + len, mac, tag);
    return len + tag;
}

/* SRTCP, AES-CM + HMAC-SHA1-80, encrypted, with the given index. */
static size_t kvs_t_srtp_model_cm_rtcp(const kvs_t_srtp_keys *k, uint32_t index, uint8_t *p,
                                       size_t len) {
    uint8_t iv[16], mac[20], ei[4];
    size_t i;
    kvs__crypto_hmac hm;
    memset(iv, 0, sizeof iv);
    memcpy(iv, k->salt, 14);
    for (i = 0; i < 4; i++)
        iv[4 + i] ^= p[4 + i]; /* sender SSRC */
    kvs__put_u32(ei, index);
    for (i = 0; i < 4; i++)
        iv[10 + i] ^= ei[i];
    kvs_t_srtp_aes_cm(k->ek, iv, p + 8, len - 8);
    kvs__put_u32(p + len, 0x80000000u | index);
    kvs__crypto_hmac_init(&hm, KVS__CRYPTO_SHA1, k->ak, 20);
    kvs__crypto_hmac_update(&hm, p, len + 4);
    (void)kvs__crypto_hmac_out(&hm, mac);
    memcpy(p + len + 4, mac, 10);
    return len + 14;
}

/* AES-128-GCM over p[off, len) with the IV and AAD given; the tag goes to tag_out. */
static void kvs_t_srtp_gcm(const uint8_t ek[16], const uint8_t iv[12], const uint8_t *aad,
                           size_t aad_len, uint8_t *p, size_t n, uint8_t *tag_out) {
    br_aes_ct_ctr_keys a;
    br_gcm_context g;
    br_aes_ct_ctr_init(&a, ek, 16);
    br_gcm_init(&g, &a.vtable, br_ghash_ctmul32);
    br_gcm_reset(&g, iv, 12);
    br_gcm_aad_inject(&g, aad, aad_len);
    br_gcm_flip(&g);
    br_gcm_run(&g, 1, p, n);
    br_gcm_get_tag(&g, tag_out);
}

/* RTP, AEAD_AES_128_GCM (RFC 7714 section 8): IV = salt XOR (0 0 | SSRC | ROC | SEQ), AAD = the
   header. */
static size_t kvs_t_srtp_model_gcm_rtp(const uint8_t ek[16], const uint8_t salt[12], uint32_t roc,
                                       uint8_t *p, size_t len) {
    uint8_t iv[12];
    size_t h = kvs__srtp_rtp_header_len(p, len), i;
    memset(iv, 0, sizeof iv);
    memcpy(iv + 2, p + 8, 4);
    kvs__put_u32(iv + 6, roc);
    memcpy(iv + 10, p + 2, 2);
    for (i = 0; i < 12; i++)
        iv[i] ^= salt[i];
    kvs_t_srtp_gcm(ek, iv, p, h, p + h, len - h, p + len);
    return len + 16;
}

/* SRTCP, AEAD_AES_128_GCM (RFC 7714 section 9): IV = salt XOR (0 0 | SSRC | 0 0 | index), AAD =
   the first 8 bytes | E flag and index; the packet ends with the tag, then E flag and index. */
static size_t kvs_t_srtp_model_gcm_rtcp(const uint8_t ek[16], const uint8_t salt[12],
                                        uint32_t index, uint8_t *p, size_t len) {
    uint8_t iv[12], aad[12];
    size_t i;
    memset(iv, 0, sizeof iv);
    memcpy(iv + 2, p + 4, 4);
    kvs__put_u32(iv + 8, index);
    for (i = 0; i < 12; i++)
        iv[i] ^= salt[i];
    memcpy(aad, p, 8);
    kvs__put_u32(aad + 8, 0x80000000u | index);
    kvs_t_srtp_gcm(ek, iv, aad, 12, p + 8, len - 8, p + len);
    memcpy(p + len + 16, aad + 8, 4);
    return len + 20;
}

/* RFC 3711 B.3 and RFC 7714 16.1.1 / 17.1.1 against the model. */
static void test_srtp_kat_rfc_model(void) {
    static const char rfc7714_key[] = "000102030405060708090a0b0c0d0e0f";
    static const char rfc7714_salt[] = "517569642070726f2071756f"; /* "Quid pro quo" */
    static const char rfc7714_rtp[] = "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e6973"
                                      "2064697669736120696e2070617274657320747265 73";
    static const char rfc7714_srtp[] =
        "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a"
        "51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce";
    static const char rfc7714_rtcp[] = "81c8000d4d617273 4e5450314e545032525450200000042a"
                                       "0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
    static const char rfc7714_srtcp[] =
        "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda"
        "4ce09b4686303ded0bb9275bc84aa458 96cf4d2fc5abf87245d9eade 800005d4";
    uint8_t mk[16], ms[14], want[128], p[128], ek[16], salt[12];
    kvs_t_srtp_keys k;
    size_t n, wn;
    /* RFC 3711 B.3: session keys from the master key and salt */
    kvs_test_unhex(kvs_t_srtp_cm_key, mk, sizeof mk);
    kvs_test_unhex(kvs_t_srtp_cm_salt, ms, sizeof ms);
    kvs_t_srtp_derive(mk, ms, 14, 0, &k);
    kvs_test_unhex("c61e7a93744f39ee10734afe3ff7a087", want, sizeof want);
    CHECK_MEM(k.ek, want, 16);
    kvs_test_unhex("30cbbc08863d8c85d49db34a9ae1", want, sizeof want);
    CHECK_MEM(k.salt, want, 14);
    kvs_test_unhex("cebe321f6ff7716b6fd4ab49af256a156d38baa4", want, sizeof want);
    CHECK_MEM(k.ak, want, 20);
    /* the model reproduces libsrtp2's AES-CM reference packets from the derived keys */
    n = kvs_test_unhex(kvs_t_srtp_ref_rtp, p, sizeof p);
    wn = kvs_test_unhex(kvs_t_srtp_cm_srtp, want, sizeof want);
    CHECK_EQ(kvs_t_srtp_model_cm_rtp(&k, 0, 10, p, n), wn);
    CHECK_MEM(p, want, wn);
    kvs_t_srtp_derive(mk, ms, 14, 1, &k);
    n = kvs_test_unhex(kvs_t_srtp_ref_rtcp, p, sizeof p);
    wn = kvs_test_unhex(kvs_t_srtp_cm_srtcp, want, sizeof want);
    CHECK_EQ(kvs_t_srtp_model_cm_rtcp(&k, 1, p, n), wn);
    CHECK_MEM(p, want, wn);
    /* RFC 7714 16.1.1 (SRTP, ROC 0) and 17.1.1 (SRTCP index 0x5d4), session key and salt given */
    kvs_test_unhex(rfc7714_key, ek, sizeof ek);
    kvs_test_unhex(rfc7714_salt, salt, sizeof salt);
    n = kvs_test_unhex(rfc7714_rtp, p, sizeof p);
    wn = kvs_test_unhex(rfc7714_srtp, want, sizeof want);
    CHECK_EQ(n, 50);
    CHECK_EQ(kvs_t_srtp_model_gcm_rtp(ek, salt, 0, p, n), wn);
    CHECK_MEM(p, want, wn);
    n = kvs_test_unhex(rfc7714_rtcp, p, sizeof p);
    wn = kvs_test_unhex(rfc7714_srtcp, want, sizeof want);
    CHECK_EQ(kvs_t_srtp_model_gcm_rtcp(ek, salt, 0x5d4, p, n), wn);
    CHECK_MEM(p, want, wn);
    /* ... and libsrtp2's GCM reference packets, from the derived keys */
    kvs_test_unhex(kvs_t_srtp_gcm_key, mk, sizeof mk);
    kvs_test_unhex(kvs_t_srtp_gcm_salt, ms, 12);
    kvs_t_srtp_derive(mk, ms, 12, 0, &k);
    n = kvs_test_unhex(kvs_t_srtp_ref_rtp, p, sizeof p);
    wn = kvs_test_unhex(kvs_t_srtp_gcm_srtp, want, sizeof want);
    CHECK_EQ(kvs_t_srtp_model_gcm_rtp(k.ek, k.salt, 0, p, n), wn);
    CHECK_MEM(p, want, wn);
    kvs_t_srtp_derive(mk, ms, 12, 1, &k);
    n = kvs_test_unhex(kvs_t_srtp_ref_rtcp, p, sizeof p);
    wn = kvs_test_unhex(kvs_t_srtp_gcm_srtcp, want, sizeof want);
    CHECK_EQ(kvs_t_srtp_model_gcm_rtcp(k.ek, k.salt, 1, p, n), wn);
    CHECK_MEM(p, want, wn);
}

/* kvs__srtp (libsrtp2) and the model agree on random packets of every shape, for the three
   profiles, across a sequence number wrap, with the RFC 5764 key layout; the RFC 7714 packets
   are among them. */
static void test_srtp_matches_model(void) {
    kvs__srtp tx;
    kvs_t_srtp_buf buf;
    kvs_testing_rng rng;
    kvs_t_srtp_keys krtp, krtcp;
    uint8_t km[60], model[1600];
    size_t kn, sl, n, out, mn;
    uint32_t roc, index;
    uint16_t seq;
    int p, i;
    CHECK_EQ(kvs_global_init(), KVS_OK);
    kvs_testing_rng_seed(&rng, 77);
    for (p = 0; p < 3; p++) {
        int prof = kvs_t_srtp_profiles[p], gcm = prof == KVS_SRTP_AEAD_AES_128_GCM;
        int role = p == 1; /* the _32 run keys the sender from the server slots */
        kn = kvs__srtp_km_len(prof);
        sl = kn / 2 - 16;
        kvs_testing_random(&rng, km, kn);
        if (kvs__srtp_init(&tx, prof, km, kn, !role, kvs_t_srtp_log()) != KVS_OK) {
            CHECK(0);
            continue;
        }
        kvs_t_srtp_derive(km + (role ? 16 : 0), km + 32 + (role ? sl : 0), sl, 0, &krtp);
        kvs_t_srtp_derive(km + (role ? 16 : 0), km + 32 + (role ? sl : 0), sl, 1, &krtcp);
        /* the RFC 7714 packet first: SSRC 0x5501a0b2, sequence number 0xf17b */
        n = kvs_test_unhex("8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e6973"
                           "2064697669736120696e2070617274657320747265 73",
                           buf.b, sizeof buf.b);
        memcpy(model, buf.b, n);
        CHECK_EQ(kvs__srtp_protect_rtp(&tx, buf.b, n, sizeof buf.b, &out), KVS_OK);
        mn = gcm ? kvs_t_srtp_model_gcm_rtp(krtp.ek, krtp.salt, 0, model, n)
                 : kvs_t_srtp_model_cm_rtp(&krtp, 0, kvs_t_srtp_tag(prof, 0), model, n);
        CHECK_EQ(out, mn);
        CHECK_MEM(buf.b, model, mn);
        /* random RTP on another SSRC, across the wrap */
        seq = 65400;
        roc = 0;
        for (i = 0; i < 300; i++) {
            uint8_t r[4];
            kvs_testing_random(&rng, r, 4);
            n = kvs_t_srtp_rtp(buf.b, seq, 0x0a0b0c0d, r[0] & 3, (r[0] >> 2) & 3,
                               (size_t)r[1] * 4u + (r[2] & 3));
            memcpy(model, buf.b, n);
            CHECK_EQ(kvs__srtp_protect_rtp(&tx, buf.b, n, sizeof buf.b, &out), KVS_OK);
            mn = gcm ? kvs_t_srtp_model_gcm_rtp(krtp.ek, krtp.salt, roc, model, n)
                     : kvs_t_srtp_model_cm_rtp(&krtp, roc, kvs_t_srtp_tag(prof, 0), model, n);
            CHECK_EQ(out, mn);
            if (memcmp(buf.b, model, mn) != 0) {
                printf("    profile %d, packet %d (seq %u, roc %u) differs\n", prof, i,
                       (unsigned)seq, (unsigned)roc);
                CHECK(0);
                break;
            }
            seq = (uint16_t)(seq + 1 + (r[3] & 1));
            if (seq < 2)
                roc++;
        }
        /* SRTCP: the RFC 7714 packet and SRs, numbered from 1 by libsrtp2 */
        index = 1;
        n = kvs_test_unhex("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
                           "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
                           buf.b, sizeof buf.b);
        for (i = 0; i < 20; i++, index++) {
            if (i > 0)
                n = kvs_t_srtp_sr(buf.b, 0x4d617273, i & 1);
            memcpy(model, buf.b, n);
            CHECK_EQ(kvs__srtp_protect_rtcp(&tx, buf.b, n, sizeof buf.b, &out), KVS_OK);
            mn = gcm ? kvs_t_srtp_model_gcm_rtcp(krtcp.ek, krtcp.salt, index, model, n)
                     : kvs_t_srtp_model_cm_rtcp(&krtcp, index, model, n);
            CHECK_EQ(out, mn);
            CHECK_MEM(buf.b, model, mn);
        }
        kvs__srtp_deinit(&tx);
    }
    kvs_global_shutdown();
}

static const kvs_test_case kvs_tests_srtp[] = {
    {"global_init_counting", test_srtp_global_init_counting},
    {"global_init_shared", test_srtp_global_init_shared},
    {"global_log_hook", test_srtp_global_log_hook},
    {"init_errors", test_srtp_init_errors},
    {"packet_errors", test_srtp_packet_errors},
    {"round_trip", test_srtp_round_trip},
    {"replay", test_srtp_replay},
    {"reject_tampering", test_srtp_reject_tampering},
    {"random_input", test_srtp_random_input},
    {"kat_libsrtp_vectors", test_srtp_kat_libsrtp_vectors},
    {"kat_rfc3711_rfc7714_model", test_srtp_kat_rfc_model},
    {"matches_model", test_srtp_matches_model},
};
