/* fuzz_cert.c - libFuzzer target for the certificate code of >>crypto (>>api-cert).
   Every input is fed, as an exact-size heap copy (ASan catches any read past the end), to:
   - kvs_fingerprint_parse: the result is OK, PARSE or UNSUPPORTED and the output is zero unless
     OK; an accepted value is canonical up to case and blanks (the name is "sha-256" without
     case, 95 characters of value follow the blanks, equal to kvs_fingerprint_format's output
     without case) and the formatted text parses back to the same bytes;
   - kvs__crypto_cert_pubkey (a peer's certificate is untrusted network input): OK, PARSE or
     UNSUPPORTED, an RSA modulus 128..512 bytes; a certificate that parses has its own signature
     checked with its own key (kvs__crypto_verify: OK or AUTH, never a crash);
   - the DER reader: a recursive walk over every constructed element stays inside the input, and
     kvs__crypto_cert_split returns slices inside it;
   - kvs_cert_import, with the input split in two at the first byte's value: data[0] is a
     delimiter, the certificate runs from data[1] to the next occurrence of that byte, the key is
     everything after it. Any failure leaves the kvs_cert all zero; a success is consistent (the
     fingerprint is SHA-256 of the DER, BearSSL decodes the certificate to the same point, the
     key times G is that point), and the PEM export imports back to the identical struct.
   - Inputs starting with 0xFE also drive kvs_cert_generate: validity days, clock, common name
     and the random bytes all come from the input; an accepted common name must be printable
     UTF-8 by an independent decoder, and a generated certificate decodes, carries the name and
     dates asked for, and its signature verifies.
   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          tests/fuzz/fuzz_cert.c -o fuzz_cert -lbearssl                   (or: make fuzz)
   Run:   ./fuzz_cert -dict=tests/fuzz/cert.dict <a copy of tests/fuzz/corpus/cert>          */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdio.h>
#include <stdlib.h>

#define FC_CHECK(c)                                                                              \
    do {                                                                                         \
        if (!(c)) {                                                                              \
            fprintf(stderr, "fuzz_cert.c:%d: invariant failed: %s\n", __LINE__, #c);             \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

static int fc_zero(const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static int fc_inside(const uint8_t *base, size_t n, const kvs__rd *r) {
    return r->p >= base && r->end >= r->p && r->end <= base + n;
}

/* --- fingerprints ----------------------------------------------------------------------------- */

static int fc_lower(int c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static void fc_fingerprint(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    uint8_t out[32], back[32];
    char f[KVS_FINGERPRINT_STRLEN];
    size_t n = 0, i, j;
    kvs_result r = kvs_fingerprint_parse(s, size, out);
    FC_CHECK(r == KVS_OK || r == KVS_ERR_PARSE || r == KVS_ERR_UNSUPPORTED);
    if (r != KVS_OK) {
        FC_CHECK(fc_zero(out, sizeof out));
        return;
    }
    FC_CHECK(kvs_fingerprint_format(out, f, sizeof f, &n) == KVS_OK);
    FC_CHECK(n == 103 && strlen(f) == 103);
    /* the input is the canonical text up to case and the blanks after the name */
    FC_CHECK(size >= 8 + 95);
    for (i = 0; i < 7; i++)
        FC_CHECK(fc_lower(s[i]) == "sha-256"[i]);
    for (j = 7; j < size && (s[j] == ' ' || s[j] == '\t'); j++)
        ;
    FC_CHECK(j > 7 && size - j == 95);
    for (i = 0; i < 95; i++)
        FC_CHECK(fc_lower(s[j + i]) == fc_lower(f[8 + i]));
    /* and the canonical text parses to the same bytes */
    FC_CHECK(kvs_fingerprint_parse(f, n, back) == KVS_OK);
    FC_CHECK(memcmp(out, back, 32) == 0);
}

/* --- DER -------------------------------------------------------------------------------------- */

static void fc_der_walk(const uint8_t *base, size_t n, kvs__rd *r, int depth) {
    kvs__rd body;
    uint8_t tag;
    while (kvs__rd_left(r) > 0) {
        if (!kvs__crypto_der_next(r, &tag, &body)) {
            FC_CHECK(!kvs__rd_ok(r) && kvs__rd_left(r) == 0);
            return;
        }
        FC_CHECK(fc_inside(base, n, &body));
        FC_CHECK((tag & 0x1f) != 0x1f);
        if ((tag & 0x20) && depth < 16)
            fc_der_walk(base, n, &body, depth + 1);
    }
}

static void fc_der(const uint8_t *data, size_t size) {
    kvs__rd r, tbs, sig;
    kvs__crypto_pubkey pk;
    kvs_result res;
    size_t i;
    kvs__rd_init(&r, data, size);
    fc_der_walk(data, size, &r, 0);
    if (kvs__crypto_cert_split(data, size, &tbs, &sig) == KVS_OK) {
        FC_CHECK(fc_inside(data, size, &tbs) && fc_inside(data, size, &sig));
        FC_CHECK(tbs.p > data && sig.p > tbs.end);
        FC_CHECK(kvs__crypto_der_is_seq(data, size));
    }
    res = kvs__crypto_cert_pubkey(data, size, &pk);
    FC_CHECK(res == KVS_OK || res == KVS_ERR_PARSE || res == KVS_ERR_UNSUPPORTED);
    if (res == KVS_OK && pk.type == KVS__CRYPTO_KEY_EC) {
        /* 65 bytes copied as they are: BearSSL's X.509 decoder checks neither the 0x04 prefix nor
           that the point is on the curve; the signature check below must refuse such keys */
        FC_CHECK(pk.n_len == 0 && pk.e_len == 0);
    } else if (res == KVS_OK) {
        FC_CHECK(pk.type == KVS__CRYPTO_KEY_RSA);
        FC_CHECK(pk.n_len >= 128 && pk.n_len <= 512 && pk.n[0] != 0);
        FC_CHECK(pk.e_len >= 1 && pk.e_len <= 8);
    } else {
        for (i = 0; i < sizeof pk; i++)
            FC_CHECK(((const uint8_t *)&pk)[i] == 0);
    }
    /* a peer's certificate: its own signature checked with its own key, whatever they are */
    if (res == KVS_OK && kvs__crypto_cert_split(data, size, &tbs, &sig) == KVS_OK) {
        uint8_t h[32];
        int scheme = pk.type == KVS__CRYPTO_KEY_EC ? KVS__CRYPTO_SIG_ECDSA_SHA256
                                                   : KVS__CRYPTO_SIG_RSA_SHA256;
        kvs__crypto_sha256(tbs.p, kvs__rd_left(&tbs), h);
        res = kvs__crypto_verify(&pk, scheme, h, sig.p, kvs__rd_left(&sig));
        FC_CHECK(res == KVS_OK || res == KVS_ERR_AUTH);
        if (res == KVS_OK && pk.type == KVS__CRYPTO_KEY_EC)
            FC_CHECK(pk.ec[0] == 0x04); /* a verified key is a real point */
    }
}

/* --- import ----------------------------------------------------------------------------------- */

static void fc_consistent(const kvs_cert *c) {
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    br_ec_private_key k;
    uint8_t q[65], x[32], h[32];
    FC_CHECK(c->der_len > 0 && c->der_len <= KVS_CERT_MAX);
    FC_CHECK(fc_zero(c->der + c->der_len, KVS_CERT_MAX - c->der_len));
    kvs__crypto_sha256(c->der, c->der_len, h);
    FC_CHECK(memcmp(h, c->fingerprint, 32) == 0);
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, c->der, c->der_len);
    pk = br_x509_decoder_get_pkey(&dc);
    FC_CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_EC && pk->key.ec.curve == BR_EC_secp256r1);
    FC_CHECK(pk->key.ec.qlen == 65 && memcmp(pk->key.ec.q, c->pub, 65) == 0);
    memcpy(x, c->key, 32);
    k.curve = BR_EC_secp256r1;
    k.x = x;
    k.xlen = 32;
    FC_CHECK(br_ec_compute_pub(br_ec_get_default(), NULL, q, &k) == 65);
    FC_CHECK(memcmp(q, c->pub, 65) == 0);
}

static void fc_import(const uint8_t *data, size_t size) {
    static kvs_cert c, d;
    static char cp[8192], kp[512];
    const uint8_t *cert, *key, *cut;
    size_t cn, kn, pn = 0, qn = 0;
    kvs_result r;
    uint8_t *cert_copy, *key_copy;
    if (size < 1)
        return;
    cert = data + 1;
    cut = (const uint8_t *)memchr(cert, data[0], size - 1);
    cn = cut ? (size_t)(cut - cert) : size - 1;
    key = cut ? cut + 1 : data + size;
    kn = (size_t)(data + size - key);
    /* exact-size copies, so that reads past either part are caught */
    cert_copy = (uint8_t *)malloc(cn ? cn : 1);
    key_copy = (uint8_t *)malloc(kn ? kn : 1);
    FC_CHECK(cert_copy && key_copy);
    memcpy(cert_copy, cert, cn);
    memcpy(key_copy, key, kn);
    memset(&c, 0xa5, sizeof c);
    r = kvs_cert_import(&c, cert_copy, cn, key_copy, kn);
    FC_CHECK(r == KVS_OK || r == KVS_ERR_PARSE || r == KVS_ERR_UNSUPPORTED || r == KVS_ERR_LIMIT ||
             r == KVS_ERR_INVALID_ARG);
    if (r != KVS_OK) {
        FC_CHECK(fc_zero(&c, sizeof c));
    } else {
        fc_consistent(&c);
        FC_CHECK(kvs_cert_export_pem(&c, cp, sizeof cp, &pn) == KVS_OK);
        FC_CHECK(kvs_cert_export_key_pem(&c, kp, sizeof kp, &qn) == KVS_OK);
        FC_CHECK(pn < KVS_CERT_MAX * 2 && qn < 256);
        FC_CHECK(kvs_cert_import(&d, cp, pn, kp, qn) == KVS_OK);
        FC_CHECK(memcmp(&c, &d, sizeof c) == 0);
        kvs_cert_clear(&d);
    }
    kvs_cert_clear(&c);
    free(cert_copy);
    free(key_copy);
}

/* --- generate --------------------------------------------------------------------------------- */

typedef struct fc_plat {
    const uint8_t *p;
    size_t n;
    int64_t t;
} fc_plat;

static int fc_random(void *user, void *buf, size_t len) {
    fc_plat *f = (fc_plat *)user;
    if (f->n < len)
        return -1;
    memcpy(buf, f->p, len);
    f->p += len;
    f->n -= len;
    return 0;
}

static int64_t fc_unix_time(void *user) {
    return ((fc_plat *)user)->t;
}

/* Code points of printable UTF-8 (no C0, DEL, C1, surrogates, overlongs, > U+10FFFF), or -1. */
static long fc_utf8_chars(const uint8_t *s, size_t n) {
    size_t i = 0;
    long count = 0;
    while (i < n) {
        unsigned long cp;
        size_t len, k;
        uint8_t b = s[i];
        if (b < 0x80) {
            cp = b;
            len = 1;
        } else if ((b & 0xe0) == 0xc0) {
            cp = b & 0x1fu;
            len = 2;
        } else if ((b & 0xf0) == 0xe0) {
            cp = b & 0x0fu;
            len = 3;
        } else if ((b & 0xf8) == 0xf0) {
            cp = b & 0x07u;
            len = 4;
        } else {
            return -1;
        }
        if (n - i < len)
            return -1;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
            return -1;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0x20 ||
            (cp >= 0x7f && cp <= 0x9f))
            return -1;
        i += len;
        count++;
    }
    return count;
}

static void fc_generate(const uint8_t *data, size_t size) {
    static kvs_cert c;
    fc_plat f;
    kvs_platform pf;
    char cn[300];
    size_t cn_len = 0, i;
    int days;
    long chars;
    int64_t nb, na;
    kvs_result r;
    br_x509_decoder_context dc;
    kvs__crypto_pubkey pk;
    kvs__rd tbs, sig;
    uint8_t h[32];
    if (size < 7)
        return;
    days = (int)data[1] * 16 - 16;                                   /* -16 .. 4064 */
    f.t = (int64_t)kvs__get_u32(data + 2) * 64 - 100000 + data[6]; /* before 1970 .. past 9999 */
    for (i = 7; i < size && data[i] && cn_len < sizeof cn - 1; i++)
        cn[cn_len++] = (char)data[i];
    cn[cn_len] = 0;
    f.p = data + i + (i < size);
    f.n = size - (size_t)(f.p - data);
    memset(&pf, 0, sizeof pf);
    pf.user = &f;
    pf.random = fc_random;
    pf.unix_time = fc_unix_time;
    memset(&c, 0x5a, sizeof c);
    r = kvs_cert_generate(&c, &pf, cn_len ? cn : NULL, days);
    FC_CHECK(r == KVS_OK || r == KVS_ERR_INVALID_ARG || r == KVS_ERR_CRYPTO);
    chars = cn_len ? fc_utf8_chars((const uint8_t *)cn, cn_len) : 9;
    if (days == 0)
        days = 30;
    nb = f.t - 86400 < 0 ? 0 : f.t - 86400;
    na = f.t + (int64_t)days * 86400;
    if (r != KVS_OK) {
        FC_CHECK(fc_zero(&c, sizeof c));
        if (r == KVS_ERR_INVALID_ARG)
            FC_CHECK(chars < 1 || chars > 64 || days < 0 || days > 3650 || f.t < 0 ||
                     na > (int64_t)253402300799);
        return;
    }
    FC_CHECK(chars >= 1 && chars <= 64 && days >= 0 && days <= 3650 && f.t >= 0 &&
             na <= (int64_t)253402300799);
    fc_consistent(&c);
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, c.der, c.der_len);
    FC_CHECK(br_x509_decoder_last_error(&dc) == 0);
    FC_CHECK(dc.notbefore_days == (uint32_t)(nb / 86400 + 719528));
    FC_CHECK(dc.notbefore_seconds == (uint32_t)(nb % 86400));
    FC_CHECK(dc.notafter_days == (uint32_t)(na / 86400 + 719528));
    FC_CHECK(dc.notafter_seconds == (uint32_t)(na % 86400));
    FC_CHECK(kvs__crypto_cert_split(c.der, c.der_len, &tbs, &sig) == KVS_OK);
    FC_CHECK(kvs__crypto_cert_pubkey(c.der, c.der_len, &pk) == KVS_OK);
    kvs__crypto_sha256(tbs.p, kvs__rd_left(&tbs), h);
    FC_CHECK(kvs__crypto_verify(&pk, KVS__CRYPTO_SIG_ECDSA_SHA256, h, sig.p, kvs__rd_left(&sig)) ==
             KVS_OK);
    if (cn_len) /* the name is in the DER, twice (issuer and subject) */
        FC_CHECK(c.der_len > 2 * cn_len);
    kvs_cert_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = (uint8_t *)malloc(size ? size : 1);
    FC_CHECK(copy != NULL);
    memcpy(copy, data, size);
    fc_fingerprint(copy, size);
    fc_der(copy, size);
    fc_import(copy, size);
    if (size > 0 && copy[0] == 0xfe)
        fc_generate(copy, size);
    free(copy);
    return 0;
}
