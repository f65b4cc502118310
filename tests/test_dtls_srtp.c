/* DTLS-SRTP end to end: keys exported from a real handshake (two endpoints on the virtual
   network) protect RTP and RTCP on one side and unprotect them on the other, both directions,
   for each profile; a replayed or tampered packet is rejected. */

static void dts_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, size_t payload) {
    size_t i;
    p[0] = 0x80;
    p[1] = 96;
    kvs__put_u16(p + 2, seq);
    kvs__put_u32(p + 4, 90000u * seq);
    kvs__put_u32(p + 8, ssrc);
    for (i = 0; i < payload; i++)
        p[12 + i] = (uint8_t)(i * 7 + seq);
}

static void test_dtls_srtp_real_keys(void) {
    static const uint16_t profiles[3] = {KVS_SRTP_AEAD_AES_128_GCM, KVS_SRTP_AES128_CM_SHA1_80,
                                         KVS_SRTP_AES128_CM_SHA1_32};
    int pi;
    CHECK_EQ(kvs_global_init(), KVS_OK);
    for (pi = 0; pi < 3; pi++) {
        dt_net *n = dt_new(23 + (uint64_t)pi, pi % 2, 0, 0, 0);
        uint8_t km[2][60];
        kvs__srtp s[2];
        int i, dir;
        size_t kl;
        n->ep[0].cfg.srtp[0] = profiles[pi];
        n->ep[1].cfg.srtp[0] = profiles[pi];
        dt_start(n);
        CHECK(dt_handshake_ok(n, KVS_SEC(10)));
        CHECK_EQ(n->ep[0].d.srtp_profile, profiles[pi]);
        kl = kvs__srtp_km_len(profiles[pi]);
        CHECK_EQ(kl, pi == 0 ? 56 : 60);
        memset(s, 0, sizeof s);
        for (i = 0; i < 2; i++) {
            CHECK_EQ(kvs__dtls_export(&n->ep[i].d, "EXTRACTOR-dtls_srtp", km[i], kl), KVS_OK);
            CHECK_EQ(kvs__srtp_init(&s[i], n->ep[i].d.srtp_profile, km[i], kl,
                                    n->ep[i].d.cfg.role == KVS__DTLS_CLIENT, &n->ep[i].log),
                     KVS_OK);
            kvs__crypto_zero(km[i], sizeof km[i]);
        }
        for (dir = 0; dir < 2; dir++) {
            /* 4-byte aligned buffers: libsrtp2 reads 32-bit words */
            uint32_t a32[(12 + 100 + KVS_SRTP_MAX_TRAILER) / 4 + 1], b32[sizeof a32 / 4];
            uint8_t *a = (uint8_t *)a32, *b = (uint8_t *)b32;
            size_t plen, ulen;
            uint16_t seq;
            for (seq = 1; seq <= 5; seq++) {
                dts_rtp(a, seq, 0x1234u + (uint32_t)dir, 100);
                memcpy(b, a, 112);
                CHECK_EQ(kvs__srtp_protect_rtp(&s[dir], a, 112, sizeof a32, &plen), KVS_OK);
                CHECK_EQ(plen, 112 + (pi == 0 ? 16u : pi == 1 ? 10u : 4u));
                CHECK(memcmp(a + 12, b + 12, 100) != 0); /* the payload is encrypted */
                memcpy(b32, a32, sizeof a32);
                CHECK_EQ(kvs__srtp_unprotect_rtp(&s[1 - dir], b, plen, &ulen), KVS_OK);
                CHECK_EQ(ulen, 112);
                dts_rtp(a, seq, 0x1234u + (uint32_t)dir, 100);
                CHECK_MEM(b, a, 112);
                if (seq == 3) {
                    /* the same packet again: replay */
                    dts_rtp(a, seq, 0x1234u + (uint32_t)dir, 100);
                    kvs__srtp_protect_rtp(&s[dir], a, 112, sizeof a32, &plen);
                    CHECK_EQ(kvs__srtp_unprotect_rtp(&s[1 - dir], a, plen, &ulen), KVS_ERR_PROTOCOL);
                }
                if (seq == 4) {
                    /* a flipped payload bit: authentication fails */
                    dts_rtp(a, 40, 0x1234u + (uint32_t)dir, 100);
                    kvs__srtp_protect_rtp(&s[dir], a, 112, sizeof a32, &plen);
                    a[50] ^= 0x01;
                    CHECK_EQ(kvs__srtp_unprotect_rtp(&s[1 - dir], a, plen, &ulen), KVS_ERR_AUTH);
                }
            }
            /* RTCP: a receiver report */
            {
                static const uint8_t rr[8] = {0x80, 201, 0x00, 0x01, 0, 0, 0x12, 0x34};
                memcpy(a, rr, 8);
                CHECK_EQ(kvs__srtp_protect_rtcp(&s[dir], a, 8, sizeof a32, &plen), KVS_OK);
                CHECK_EQ(kvs__srtp_unprotect_rtcp(&s[1 - dir], a, plen, &ulen), KVS_OK);
                CHECK_EQ(ulen, 8);
                CHECK_MEM(a, rr, 8);
            }
        }
        kvs__srtp_deinit(&s[0]);
        kvs__srtp_deinit(&s[1]);
        dt_free(n);
    }
    kvs_global_shutdown();
}

static const kvs_test_case kvs_tests_dtls_srtp[] = {
    {"real_keys_all_profiles", test_dtls_srtp_real_keys},
};
