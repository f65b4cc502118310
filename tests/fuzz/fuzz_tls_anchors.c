/* fuzz_tls_anchors.c - libFuzzer target for the trust-anchor parser of >>tls
   (kvs__tls_anchors_parse: PEM bundles or one DER certificate, through BearSSL's PEM and X.509
   decoders). Every input is fed as an exact-size heap copy (ASan catches any read past the end).
   Invariants beyond memory safety:
   - the result is KVS_OK, KVS_ERR_PARSE, KVS_ERR_UNSUPPORTED or KVS_ERR_LIMIT (the accountant
     has no limit here, so never KVS_ERR_NO_MEMORY);
   - all or nothing: a failure leaves no anchor and no byte allocated;
   - a success holds 1..KVS_TLS_MAX_ANCHORS anchors, each with a DER name (a SEQUENCE) and an
     RSA or EC key whose bytes lie in the anchor's own block, and the accountant holds exactly
     the sum of those blocks; freeing returns every byte;
   - the anchors work: BearSSL's X.509 validator runs the test chain of tests/test_tls.c against
     them to a clean verdict, and a TLS client can be started on them and deinitialised.
   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          tests/fuzz/fuzz_tls_anchors.c -o fuzz_tls_anchors -lbearssl -lsrtp2   (or: make fuzz)
   Run:   ./fuzz_tls_anchors -dict=tests/fuzz/tls_anchors.dict <a copy of
          tests/fuzz/corpus/tls_anchors>                                                    */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdio.h>
#include <stdlib.h>

#include "../kvs_test_tls_certs.h"

#define FT_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_tls_anchors.c:%d: invariant failed: %s\n", __LINE__, #c);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ft_random(void *user, void *buf, size_t len) {
    (void)user;
    memset(buf, 0x5a, len);
    return 0;
}

/* The leaf and intermediate of the test PKI, as DER, once. */
static kvs_cert ft_leaf, ft_inter;
static int ft_loaded;

static void ft_load(void) {
    br_pem_decoder_context pc;
    if (ft_loaded)
        return;
    FT_CHECK(kvs__crypto_cert_load(&ft_leaf, &pc, (const uint8_t *)kvs_tls_fx_leaf_pem,
                                   strlen(kvs_tls_fx_leaf_pem)) == KVS_OK);
    FT_CHECK(kvs__crypto_cert_load(&ft_inter, &pc, (const uint8_t *)kvs_tls_fx_inter_pem,
                                   strlen(kvs_tls_fx_inter_pem)) == KVS_OK);
    ft_loaded = 1;
}

/* 1 when [p, p + n) lies inside [b, b + bn). */
static int ft_inside(const unsigned char *p, size_t n, const unsigned char *b, size_t bn) {
    return p >= b && n <= bn && (size_t)(p - b) <= bn - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kvs__tls_anchors a;
    static kvs__tls t;
    static br_x509_minimal_context xc;
    kvs_platform pf;
    kvs__log lg;
    kvs__mem mem;
    kvs__rng rng;
    kvs__tls_cfg cfg;
    uint8_t *copy;
    size_t i, sum = 0;
    kvs_result r;
    unsigned err;

    ft_load();
    memset(&pf, 0, sizeof pf);
    pf.random = ft_random;
    kvs__log_init(&lg, &pf, NULL, KVS_LOG_DEBUG);
    FT_CHECK(kvs__mem_init(&mem, &pf, NULL, &lg, 0) == KVS_OK);
    kvs__crypto_rng_init(&rng, &pf, NULL, &lg);
    copy = (uint8_t *)malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);

    r = kvs__tls_anchors_parse(&a, &mem, &lg, size ? copy : NULL, size);
    FT_CHECK(r == KVS_OK || r == KVS_ERR_PARSE || r == KVS_ERR_UNSUPPORTED || r == KVS_ERR_LIMIT);
    if (r != KVS_OK) {
        FT_CHECK(a.n == 0);
        FT_CHECK(mem.st.current == 0);
        FT_CHECK(lg.last_item == KVS_LOG_TLS_ANCHORS);
        free(copy);
        return 0;
    }
    FT_CHECK(a.n >= 1 && a.n <= KVS_TLS_MAX_ANCHORS);
    for (i = 0; i < a.n; i++) {
        const br_x509_trust_anchor *ta = &a.ta[i];
        size_t klen;
        FT_CHECK(ta->dn.len >= 2 && ta->dn.len <= KVS__TLS_DN_MAX && ta->dn.data[0] == 0x30);
        FT_CHECK(ta->flags == 0 || ta->flags == BR_X509_TA_CA);
        if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
            klen = ta->pkey.key.rsa.nlen + ta->pkey.key.rsa.elen;
            FT_CHECK(ta->pkey.key.rsa.nlen > 0 && ta->pkey.key.rsa.elen > 0);
            FT_CHECK(ft_inside(ta->pkey.key.rsa.n, ta->pkey.key.rsa.nlen, ta->dn.data,
                               ta->dn.len + klen));
            FT_CHECK(ft_inside(ta->pkey.key.rsa.e, ta->pkey.key.rsa.elen, ta->dn.data,
                               ta->dn.len + klen));
        } else {
            FT_CHECK(ta->pkey.key_type == BR_KEYTYPE_EC);
            klen = ta->pkey.key.ec.qlen;
            FT_CHECK(ta->pkey.key.ec.curve == BR_EC_secp256r1 ||
                     ta->pkey.key.ec.curve == BR_EC_secp384r1 ||
                     ta->pkey.key.ec.curve == BR_EC_secp521r1);
            FT_CHECK(ft_inside(ta->pkey.key.ec.q, klen, ta->dn.data, ta->dn.len + klen));
        }
        sum += ta->dn.len + klen;
    }
    FT_CHECK(mem.st.current == sum);

    /* BearSSL's validator over the test chain with these anchors: any clean verdict */
    br_x509_minimal_init(&xc, &br_sha256_vtable, a.ta, a.n);
    br_x509_minimal_set_hash(&xc, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(&xc, br_sha384_ID, &br_sha384_vtable);
    br_x509_minimal_set_hash(&xc, br_sha512_ID, &br_sha512_vtable);
    br_x509_minimal_set_rsa(&xc, br_rsa_pkcs1_vrfy_get_default());
    br_x509_minimal_set_ecdsa(&xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
    br_x509_minimal_set_time(&xc, 739617, 0); /* 2025-01-01 */
    xc.vtable->start_chain(&xc.vtable, "server.kvs.test");
    xc.vtable->start_cert(&xc.vtable, (uint32_t)ft_leaf.der_len);
    xc.vtable->append(&xc.vtable, ft_leaf.der, ft_leaf.der_len);
    xc.vtable->end_cert(&xc.vtable);
    xc.vtable->start_cert(&xc.vtable, (uint32_t)ft_inter.der_len);
    xc.vtable->append(&xc.vtable, ft_inter.der, ft_inter.der_len);
    xc.vtable->end_cert(&xc.vtable);
    err = xc.vtable->end_chain(&xc.vtable);
    FT_CHECK(err == 0 || (err > BR_ERR_X509_OK && err < 64));

    /* a client starts on them and goes away without a trace */
    memset(&cfg, 0, sizeof cfg);
    cfg.host.p = "server.kvs.test";
    cfg.host.n = 15;
    cfg.anchors = &a;
    cfg.unix_time = 1735689600;
    FT_CHECK(kvs__tls_init(&t, &cfg, &rng, &lg, &mem) == KVS_OK);
    FT_CHECK(t.state == KVS__TLS_ST_HANDSHAKE && kvs__tls_pending(&t) > 0);
    kvs__tls_deinit(&t);
    FT_CHECK(mem.st.current == sum);

    kvs__tls_anchors_free(&a);
    FT_CHECK(mem.st.current == 0 && a.n == 0);
    free(copy);
    return 0;
}
