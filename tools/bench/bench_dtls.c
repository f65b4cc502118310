/* bench_dtls - `make bench` figures for the DTLS layer, each next to OpenSSL measured in the same
   run:
   - the CPU time of a full DTLS 1.2 handshake per side (client, server), in memory, median of 25
     after 3 warm-up runs, with the primitive floor of the same work (ECDHE keygen + shared
     secret + one ECDSA signature + one verification) timed through the same BearSSL calls;
   - OpenSSL 3 for the same primitives, from `openssl speed -mr ecdsap256 ecdhx25519`;
   - certificate generation (kvs_cert_generate), median of 50, next to OpenSSL's cost of the same
     primitives (a P-256 scalar multiplication for the key pair, one ECDSA signature). */
#define _DEFAULT_SOURCE 1
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include "../../tests/kvs_test.h"
#include "../../tests/kvs_test_platform.h"
#include "../../tests/kvs_test_certs.h"
#include <time.h>

#define RUNS 25
#define WARMUP 3

static double cpu_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct side {
    kvs__dtls d;
    kvs__dtls_cfg cfg;
    kvs_cert cert;
    kvs_tp tp;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log log;
    kvs__mem mem;
    int guard;
    double cpu;
} side;

static void load(kvs_cert *c, const unsigned char *der, size_t n, const unsigned char *key) {
    memset(c, 0, sizeof *c);
    memcpy(c->der, der, n);
    c->der_len = n;
    memcpy(c->key, key, 32);
    kvs__crypto_sha256(der, n, c->fingerprint);
}

static void setup(side *s, int role, uint64_t seed) {
    kvs_tp_init(&s->tp, &s->pf, seed, 0);
    s->pf.log = NULL;
    kvs__log_init(&s->log, &s->pf, &s->guard, KVS_LOG_WARN);
    kvs__mem_init(&s->mem, &s->pf, &s->guard, &s->log, 0);
    kvs__crypto_rng_init(&s->rng, &s->pf, &s->guard, &s->log);
    memset(&s->cfg, 0, sizeof s->cfg);
    s->cfg.role = role;
    s->cfg.cert = &s->cert;
    s->cpu = 0;
}

/* One in-memory handshake; CPU time charged to the side whose call ran. Returns bytes moved. */
static size_t handshake(side *c, side *s, uint64_t seed) {
    uint8_t buf[2048];
    size_t len, bytes = 0;
    int i, moved = 1;
    kvs_time now = KVS_SEC(1);
    side *sd[2];
    double t;
    setup(c, KVS__DTLS_CLIENT, seed * 2 + 1);
    setup(s, KVS__DTLS_SERVER, seed * 2 + 2);
    memcpy(c->cfg.peer_fp, s->cert.fingerprint, 32);
    memcpy(s->cfg.peer_fp, c->cert.fingerprint, 32);
    sd[0] = c;
    sd[1] = s;
    for (i = 0; i < 2; i++) {
        t = cpu_us();
        kvs__dtls_init(&sd[i]->d, &sd[i]->cfg, &sd[i]->rng, &sd[i]->log, &sd[i]->mem, now);
        sd[i]->cpu += cpu_us() - t;
    }
    while (moved) {
        moved = 0;
        for (i = 0; i < 2; i++) {
            for (;;) {
                kvs_result r;
                t = cpu_us();
                r = kvs__dtls_output(&sd[i]->d, buf, sizeof buf, &len, now);
                sd[i]->cpu += cpu_us() - t;
                if (r != KVS_OK)
                    break;
                bytes += len;
                moved = 1;
                t = cpu_us();
                kvs__dtls_input(&sd[1 - i]->d, buf, len, now, NULL, NULL);
                sd[1 - i]->cpu += cpu_us() - t;
            }
        }
    }
    if (c->d.state != KVS__DTLS_ST_CONNECTED || s->d.state != KVS__DTLS_ST_CONNECTED) {
        fprintf(stderr, "bench_dtls: handshake did not complete\n");
        exit(1);
    }
    kvs__dtls_deinit(&c->d);
    kvs__dtls_deinit(&s->d);
    return bytes;
}

/* The BearSSL floor of one side's public-key work: ECDHE (X25519) keygen + shared secret,
   one ECDSA P-256 signature, one verification. */
static double floor_us(const kvs_cert *mine, const kvs_cert *peer) {
    kvs_tp tp;
    kvs_platform pf;
    kvs__rng rng;
    kvs__crypto_ecdhe a, b;
    kvs__crypto_pubkey pk;
    uint8_t h[32] = {1}, sig[KVS__CRYPTO_ECDSA_SIG_MAX], sh[32];
    size_t n;
    double t;
    kvs_tp_init(&tp, &pf, 99, 0);
    kvs__crypto_rng_init(&rng, &pf, NULL, NULL);
    kvs__crypto_ecdhe_keygen(&b, KVS__CRYPTO_GROUP_X25519, &rng);
    kvs__crypto_cert_pubkey(peer->der, peer->der_len, &pk);
    t = cpu_us();
    kvs__crypto_ecdhe_keygen(&a, KVS__CRYPTO_GROUP_X25519, &rng);
    kvs__crypto_ecdhe_shared(&a, b.pub, b.pub_len, sh);
    n = kvs__crypto_ecdsa_sign(mine->key, h, sig);
    (void)kvs__crypto_verify(&pk, KVS__CRYPTO_SIG_ECDSA_SHA256, h, sig, n);
    return cpu_us() - t;
}

/* OpenSSL's figures: ops per second for ECDSA P-256 sign/verify, P-256 ECDH and X25519. */
static int openssl_speed(double *sign_s, double *verify_s, double *x25519_s, double *p256_s) {
    FILE *p = popen("openssl speed -seconds 1 -mr ecdsap256 ecdhp256 ecdhx25519 2>/dev/null", "r");
    char line[256];
    int got = 0;
    if (!p)
        return 0;
    while (fgets(line, sizeof line, p)) {
        unsigned idx, bits;
        double a, b;
        if (sscanf(line, "+F4:%u:%u:%lf:%lf", &idx, &bits, &a, &b) == 4 && bits == 256) {
            *sign_s = a;
            *verify_s = b;
            got |= 1;
        } else if (sscanf(line, "+F5:%u:%u:%lf:%lf", &idx, &bits, &a, &b) == 4 && bits == 253) {
            *x25519_s = a;
            got |= 2;
        } else if (sscanf(line, "+F5:%u:%u:%lf:%lf", &idx, &bits, &a, &b) == 4 && bits == 256) {
            *p256_s = a;
            got |= 4;
        }
    }
    pclose(p);
    return got == 7;
}

#define CERT_RUNS 50

/* kvs_cert_generate: key pair + self-signed certificate, median of CERT_RUNS. */
static double cert_gen_us(void) {
    double v[CERT_RUNS], t;
    kvs_tp tp;
    kvs_platform pf;
    kvs_cert c;
    int i;
    kvs_tp_init(&tp, &pf, 5, 0);
    for (i = 0; i < CERT_RUNS; i++) {
        t = cpu_us();
        if (kvs_cert_generate(&c, &pf, "kvswebrtc", 30) != KVS_OK) {
            fprintf(stderr, "bench_dtls: kvs_cert_generate failed\n");
            exit(1);
        }
        v[i] = cpu_us() - t;
    }
    kvs_cert_clear(&c);
    return median(v, CERT_RUNS);
}

int main(void) {
    static side c, s;
    double cl[RUNS], sv[RUNS], fl[RUNS], osl_sign = 0, osl_verify = 0, osl_x = 0, osl_p256 = 0;
    double cert_us = cert_gen_us();
    size_t bytes = 0;
    int i;
    load(&c.cert, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
    load(&s.cert, kvs_fx_ec_b_der, sizeof kvs_fx_ec_b_der, kvs_fx_ec_b_key);
    for (i = 0; i < WARMUP + RUNS; i++) {
        bytes = handshake(&c, &s, (uint64_t)i);
        fl[i % RUNS] = floor_us(&c.cert, &s.cert);
        if (i >= WARMUP) {
            cl[i - WARMUP] = c.cpu;
            sv[i - WARMUP] = s.cpu;
        }
    }
    printf("DTLS 1.2 handshake (ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, X25519, mutual auth), in memory\n");
    printf("  %-52s %9s\n", "", "median");
    printf("  %-52s %8.0f us\n", "kvswebrtc client CPU per handshake", median(cl, RUNS));
    printf("  %-52s %8.0f us\n", "kvswebrtc server CPU per handshake", median(sv, RUNS));
    printf("  %-52s %8.0f us\n", "BearSSL floor per side (keygen+ECDH+sign+verify)", median(fl, RUNS));
    printf("  %-52s %8lu B\n", "bytes exchanged (both ways)", (unsigned long)bytes);
    if (openssl_speed(&osl_sign, &osl_verify, &osl_x, &osl_p256)) {
        double osl = 2e6 / osl_x + 1e6 / osl_sign + 1e6 / osl_verify;
        double osl_cert = 1e6 / osl_p256 + 1e6 / osl_sign;
        printf("  %-52s %8.0f us\n", "OpenSSL same primitives per side (openssl speed)", osl);
        printf("  %-52s %8.1fx\n", "kvswebrtc client / OpenSSL primitives", median(cl, RUNS) / osl);
        printf("  (OpenSSL: ECDSA P-256 sign %.0f/s, verify %.0f/s, X25519 derive %.0f/s,"
               " P-256 ECDH %.0f/s, measured now; runs=%d)\n",
               osl_sign, osl_verify, osl_x, osl_p256, RUNS);
        printf("\nCertificate generation (P-256 key pair + self-signed X.509 v3, ECDSA-SHA256)\n");
        printf("  %-52s %8.0f us\n", "kvs_cert_generate (median of 50)", cert_us);
        printf("  %-52s %8.0f us\n", "OpenSSL same primitives (P-256 scalar mult + sign)", osl_cert);
        printf("  %-52s %8.1fx\n", "kvswebrtc / OpenSSL primitives", cert_us / osl_cert);
    } else {
        printf("  OpenSSL figures: `openssl speed` unavailable\n");
        printf("\nCertificate generation: kvs_cert_generate (median of 50) %.0f us\n", cert_us);
    }
    return 0;
}
