/* dtls_peer - one DTLS 1.2 endpoint of kvswebrtc (>>dtls, >>dtls-hs) on a real UDP socket, for
   interoperability tests against other implementations (tests/interop/dtls_openssl.sh).

   Usage: dtls_peer --role client --connect HOST:PORT  [options]
          dtls_peer --role server --listen [HOST:]PORT [options]     (HOST default 127.0.0.1)

     --peer-cert-der FILE  the peer's certificate (DER): its SHA-256 is the expected fingerprint
     --peer-fp HEX         the expected fingerprint itself (64 hex digits, ':' allowed)
     --mtu N               largest datagram we send (default 1200)
     --srtp 80|32|gcm|all|none  use_srtp profiles offered / accepted (default all, GCM first)
     --send TEXT           application data sent once connected
     --expect TEXT         succeed only once application data containing TEXT arrived
     --timeout-ms N        hard limit for the whole run (default 10000)
     --hello-verify        server: demand a cookie round trip (HelloVerifyRequest) first
     --dump-record         print the first protected application-data record received, raw
     --verbose             the library's DEBUG log on stderr

   The server answers the first datagram it receives and ignores every other source. Port 0
   binds an ephemeral port. Our certificate is the ec_a fixture of tests/kvs_test_certs.h.

   Output on stdout, one item per line:
     OWN_FP <hex>                    SHA-256 of the certificate we present
     LISTEN <port>                   server: bound
     STATE connected                 handshake complete, then:
     SUITE 0x<suite>  SRTP 0x<id> <name>|none  PEER_KEY ec|rsa  EXPORT <hex of 60 bytes>
     RECV <text>                     each application-data record (control bytes as \xNN)
     STATE failed <result> <item>    the endpoint failed (result and log item names)
     STATS ...                       datagrams in/out, largest, handshake messages that came in
                                     fragments, datagrams from other sources, flights we resent
     RECORD/CLIENT_RANDOM/SERVER_RANDOM/KEYLOG <hex>   with --dump-record
   Exit status: 0 done (connected, TEXT received if expected, TEXT sent if asked), 1 the
   handshake failed, 2 usage, 3 socket error, 4 timed out.

   Build: gcc -std=c99 -g -O1 -Wall -Wextra -Werror tests/interop/dtls_peer.c \
            -o build/interop/dtls_peer -lsrtp2 -lbearssl                                        */
#define KVS_TESTING 1
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h" /* first: it selects the POSIX feature macros it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kvs_test_certs.h"

#define PEER_BUF 65536

typedef struct peer {
    /* options */
    int role;
    const char *connect, *listen, *send, *expect;
    uint8_t fp[32];
    int have_fp;
    size_t mtu;
    uint16_t srtp[3];
    long timeout_ms;
    int dump, verbose, hello_verify;
    /* state */
    kvs_posix px;
    kvs_platform pf;
    kvs__log log;
    kvs__mem mem;
    kvs__rng rng;
    int guard;
    kvs_cert cert;
    kvs__dtls d;
    kvs_sock sock;
    kvs_addr peer;
    int have_peer;
    int peer_key; /* KVS__CRYPTO_KEY_EC / _RSA, seen during the handshake */
    int got_expected, sent;
    int dumped;
    char keylog[256];
    /* statistics */
    unsigned long dg_in, dg_out, dg_foreign, frag_in;
    size_t max_in, max_out;
} peer;

static peer P; /* a kvs__dtls must not move: static storage */

static const char *result_name(kvs_result r) {
    switch (r) {
#define KVS__X(name, value, desc)                                                                  \
    case KVS_##name:                                                                               \
        return #name;
        KVS_RESULTS(KVS__X)
#undef KVS__X
    default:
        return "?";
    }
}

static const char *srtp_name(uint16_t id) {
    switch (id) {
    case KVS_SRTP_AES128_CM_SHA1_80:
        return "SRTP_AES128_CM_SHA1_80";
    case KVS_SRTP_AES128_CM_SHA1_32:
        return "SRTP_AES128_CM_SHA1_32";
    case KVS_SRTP_AEAD_AES_128_GCM:
        return "SRTP_AEAD_AES_128_GCM";
    default:
        return "none";
    }
}

static void print_hex(const char *tag, const uint8_t *p, size_t n) {
    size_t i;
    printf("%s ", tag);
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

static int usage(const char *why) {
    fprintf(stderr, "dtls_peer: %s\n", why);
    fprintf(stderr, "usage: dtls_peer --role client|server (--connect HOST:PORT | --listen "
                    "[HOST:]PORT)\n"
                    "  (--peer-cert-der FILE | --peer-fp HEX) [--mtu N] [--srtp 80|32|gcm|all|none]\n"
                    "  [--send TEXT] [--expect TEXT] [--timeout-ms N] [--hello-verify] "
                    "[--dump-record]\n  [--verbose]\n");
    return 2;
}

static int hexval(int c) {
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* 64 hex digits, optionally separated by ':' (the SDP form). */
static int parse_fp(const char *s, uint8_t out[32]) {
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s == ':')
            continue;
        if ((v = hexval(*s)) < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n == 32)
                return -1;
            out[n++] = (uint8_t)(hi * 16 + v);
            hi = -1;
        }
    }
    return n == 32 && hi < 0 ? 0 : -1;
}

static int fp_from_file(const char *path, uint8_t out[32]) {
    static uint8_t der[16384];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "dtls_peer: cannot open %s\n", path);
        return -1;
    }
    n = fread(der, 1, sizeof der, f);
    if (ferror(f) || !feof(f) || n == 0) {
        fprintf(stderr, "dtls_peer: cannot read %s (empty, or larger than %lu bytes)\n", path,
                (unsigned long)sizeof der);
        fclose(f);
        return -1;
    }
    fclose(f);
    kvs__crypto_sha256(der, n, out);
    return 0;
}

/* "HOST:PORT", "[V6]:PORT", or (listen only, default_host set) "PORT". */
static int parse_hostport(const char *s, const char *default_host, kvs_addr *out) {
    const char *colon = strrchr(s, ':'), *host = s, *end;
    char *stop;
    long port;
    size_t hn;
    if (!colon) {
        if (!default_host)
            return -1;
        host = default_host;
        hn = strlen(default_host);
        colon = s - 1;
    } else {
        hn = (size_t)(colon - s);
        if (hn >= 2 && s[0] == '[' && s[hn - 1] == ']') {
            host = s + 1;
            hn -= 2;
        }
    }
    end = colon + 1;
    port = strtol(end, &stop, 10);
    if (*end == 0 || *stop != 0 || port < 0 || port > 65535)
        return -1;
    return kvs_addr_parse(out, host, hn, (uint16_t)port) == KVS_OK ? 0 : -1;
}

static int parse_args(int argc, char **argv) {
    int i;
    P.timeout_ms = 10000;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--dump-record") == 0) {
            P.dump = 1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            P.verbose = 1;
            continue;
        }
        if (strcmp(a, "--hello-verify") == 0) {
            P.hello_verify = 1;
            continue;
        }
        if (!v)
            return usage("an option lacks its value");
        i++;
        if (strcmp(a, "--role") == 0) {
            P.role = strcmp(v, "client") == 0 ? KVS__DTLS_CLIENT
                     : strcmp(v, "server") == 0 ? KVS__DTLS_SERVER : 0;
            if (!P.role)
                return usage("--role is client or server");
        } else if (strcmp(a, "--connect") == 0) {
            P.connect = v;
        } else if (strcmp(a, "--listen") == 0) {
            P.listen = v;
        } else if (strcmp(a, "--peer-cert-der") == 0) {
            if (fp_from_file(v, P.fp) != 0)
                return 2;
            P.have_fp = 1;
        } else if (strcmp(a, "--peer-fp") == 0) {
            if (parse_fp(v, P.fp) != 0)
                return usage("--peer-fp wants 32 bytes in hex");
            P.have_fp = 1;
        } else if (strcmp(a, "--mtu") == 0) {
            long m = strtol(v, NULL, 10);
            if (m < KVS__DTLS_MIN_MTU || m > 65507)
                return usage("--mtu is 256..65507");
            P.mtu = (size_t)m;
        } else if (strcmp(a, "--srtp") == 0) {
            memset(P.srtp, 0, sizeof P.srtp);
            if (strcmp(v, "80") == 0)
                P.srtp[0] = KVS_SRTP_AES128_CM_SHA1_80;
            else if (strcmp(v, "32") == 0)
                P.srtp[0] = KVS_SRTP_AES128_CM_SHA1_32;
            else if (strcmp(v, "gcm") == 0)
                P.srtp[0] = KVS_SRTP_AEAD_AES_128_GCM;
            else if (strcmp(v, "none") == 0)
                P.srtp[0] = 0xffff;
            else if (strcmp(v, "all") != 0)
                return usage("--srtp is 80, 32, gcm, all or none");
        } else if (strcmp(a, "--send") == 0) {
            P.send = v;
        } else if (strcmp(a, "--expect") == 0) {
            P.expect = v;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            P.timeout_ms = strtol(v, NULL, 10);
            if (P.timeout_ms <= 0 || P.timeout_ms > 600000)
                return usage("--timeout-ms is 1..600000");
        } else {
            return usage("unknown option");
        }
    }
    if (!P.role)
        return usage("--role is required");
    if (P.role == KVS__DTLS_CLIENT ? !P.connect || P.listen : !P.listen || P.connect)
        return usage("a client needs --connect, a server --listen");
    if (!P.have_fp)
        return usage("--peer-cert-der or --peer-fp is required");
    return 0;
}

static void on_keylog(void *user, const char *line) {
    (void)user;
    snprintf(P.keylog, sizeof P.keylog, "%s", line);
}

static void on_app(void *ctx, const uint8_t *p, size_t n) {
    size_t i, len = n;
    (void)ctx;
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    printf("RECV ");
    for (i = 0; i < len; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
    printf("\n");
    if (P.expect) {
        size_t k = strlen(P.expect);
        for (i = 0; k && i + k <= n; i++)
            if (memcmp(p + i, P.expect, k) == 0)
                P.got_expected = 1;
    }
}

/* Look at a datagram before it is decrypted in place: count handshake messages that came in
   fragments (epoch 0 is plaintext), and keep the first protected application-data record. */
static void inspect(const uint8_t *p, size_t n) {
    size_t off = 0;
    while (n - off >= KVS__DTLS_RH) {
        const uint8_t *r = p + off;
        size_t len = kvs__get_u16(r + 11);
        uint16_t epoch = kvs__get_u16(r + 3);
        if (len > n - off - KVS__DTLS_RH)
            return;
        if (r[0] == KVS__DTLS_CT_HANDSHAKE && epoch == 0) {
            const uint8_t *h = r + KVS__DTLS_RH;
            size_t left = len;
            while (left >= KVS__DTLS_HH) {
                uint32_t mlen = kvs__get_u24(h + 1), flen = kvs__get_u24(h + 9);
                if (flen > left - KVS__DTLS_HH)
                    break;
                if (flen < mlen)
                    P.frag_in++;
                h += KVS__DTLS_HH + flen;
                left -= KVS__DTLS_HH + flen;
            }
        }
        if (P.dump && !P.dumped && r[0] == KVS__DTLS_CT_APP && epoch == 1) {
            print_hex("RECORD", r, KVS__DTLS_RH + len);
            P.dumped = 1;
        }
        off += KVS__DTLS_RH + len;
    }
}

static int send_datagram(const uint8_t *p, size_t n) {
    int rc;
    if (!P.have_peer)
        return 0;
    rc = kvs_posix_udp_send(&P.px, P.sock, &P.peer, p, n);
    if (rc < 0) {
        fprintf(stderr, "dtls_peer: udp_send: %s\n", kvs_result_str((kvs_result)rc));
        return -1;
    }
    P.dg_out++;
    if (n > P.max_out)
        P.max_out = n;
    return 0;
}

static void flush(kvs_time now) {
    static uint8_t buf[PEER_BUF];
    size_t len;
    while (kvs__dtls_output(&P.d, buf, sizeof buf, &len, now) == KVS_OK)
        if (send_datagram(buf, len) != 0)
            return;
}

static void print_stats(void) {
    printf("STATS datagrams_in=%lu max_in=%lu fragmented_in=%lu datagrams_out=%lu max_out=%lu "
           "foreign=%lu retransmitted=%u\n",
           P.dg_in, (unsigned long)P.max_in, P.frag_in, P.dg_out, (unsigned long)P.max_out,
           P.dg_foreign, (unsigned)P.d.st.flights_retransmitted);
}

static int finish(int code) {
    print_stats();
    fflush(stdout);
    kvs__dtls_deinit(&P.d);
    kvs_posix_deinit(&P.px);
    return code;
}

static void on_connected(kvs_time now) {
    uint8_t key[60];
    printf("STATE connected\n");
    printf("SUITE 0x%04x\n", (unsigned)P.d.suite);
    printf("SRTP 0x%04x %s\n", (unsigned)P.d.srtp_profile, srtp_name(P.d.srtp_profile));
    printf("PEER_KEY %s\n", P.peer_key == KVS__CRYPTO_KEY_EC ? "ec"
                            : P.peer_key == KVS__CRYPTO_KEY_RSA ? "rsa" : "?");
    if (kvs__dtls_export(&P.d, "EXTRACTOR-dtls_srtp", key, sizeof key) == KVS_OK)
        print_hex("EXPORT", key, sizeof key);
    if (P.dump) {
        print_hex("CLIENT_RANDOM", P.d.client_random, 32);
        print_hex("SERVER_RANDOM", P.d.server_random, 32);
        printf("KEYLOG %s\n", P.keylog);
    }
    if (P.send) {
        static uint8_t out[PEER_BUF];
        size_t len;
        kvs_result r = kvs__dtls_send(&P.d, P.send, strlen(P.send), out, sizeof out, &len);
        if (r != KVS_OK)
            fprintf(stderr, "dtls_peer: send: %s\n", result_name(r));
        else if (send_datagram(out, len) == 0)
            P.sent = 1;
    }
    (void)now;
    fflush(stdout);
}

int main(int argc, char **argv) {
    kvs__dtls_cfg cfg;
    kvs_addr local, bound;
    kvs_time start, hard;
    int rc, connected = 0;
    kvs_result r;
    static uint8_t buf[PEER_BUF];

    if ((rc = parse_args(argc, argv)) != 0)
        return rc;
    kvs_posix_init(&P.px);
    P.px.log_level = P.verbose ? KVS_LOG_DEBUG : KVS_LOG_WARN;
    kvs_posix_platform(&P.px, &P.pf);
    kvs__log_init(&P.log, &P.pf, &P.guard, P.verbose ? KVS_LOG_DEBUG : KVS_LOG_WARN);
    if (kvs__mem_init(&P.mem, &P.pf, &P.guard, &P.log, 0) != KVS_OK) {
        fprintf(stderr, "dtls_peer: memory accountant\n");
        return 3;
    }
    kvs__crypto_rng_init(&P.rng, &P.pf, &P.guard, &P.log);

    /* our identity: the ec_a fixture, as test_dtls.c loads it */
    memcpy(P.cert.der, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der);
    P.cert.der_len = sizeof kvs_fx_ec_a_der;
    memcpy(P.cert.key, kvs_fx_ec_a_key, 32);
    kvs__crypto_sha256(P.cert.der, P.cert.der_len, P.cert.fingerprint);
    print_hex("OWN_FP", P.cert.fingerprint, 32);

    /* the socket */
    memset(&local, 0, sizeof local);
    if (P.role == KVS__DTLS_CLIENT) {
        if (parse_hostport(P.connect, NULL, &P.peer) != 0)
            return usage("--connect wants HOST:PORT with a numeric host");
        P.have_peer = 1;
        local.family = P.peer.family;
    } else if (parse_hostport(P.listen, "127.0.0.1", &local) != 0) {
        return usage("--listen wants [HOST:]PORT with a numeric host");
    }
    rc = kvs_posix_udp_open(&P.px, &local, &P.sock, &bound);
    if (rc < 0) {
        fprintf(stderr, "dtls_peer: cannot bind UDP %s: %s\n", P.listen ? P.listen : "(any)",
                kvs_result_str((kvs_result)rc));
        kvs_posix_deinit(&P.px);
        return 3;
    }
    if (P.role == KVS__DTLS_SERVER) {
        printf("LISTEN %u\n", (unsigned)bound.port);
        fflush(stdout);
    }

    memset(&cfg, 0, sizeof cfg);
    cfg.role = P.role;
    cfg.cert = &P.cert;
    memcpy(cfg.peer_fp, P.fp, 32);
    cfg.mtu = P.mtu;
    memcpy(cfg.srtp, P.srtp, sizeof cfg.srtp);
    cfg.hello_verify = P.hello_verify;
    cfg.keylog = on_keylog;
    start = kvs_posix_now(NULL);
    hard = start + KVS_MSEC(P.timeout_ms);
    r = kvs__dtls_init(&P.d, &cfg, &P.rng, &P.log, &P.mem, start);
    if (r != KVS_OK) {
        printf("STATE failed %s %s\n", result_name(r), kvs_log_item_name(P.log.last_item));
        return finish(1);
    }

    for (;;) {
        kvs_time now = kvs_posix_now(NULL), deadline;
        flush(now);
        if (P.d.state == KVS__DTLS_ST_FAILED || P.d.state == KVS__DTLS_ST_CLOSED) {
            if (connected && P.d.state == KVS__DTLS_ST_CLOSED && (!P.expect || P.got_expected))
                return finish(0); /* the peer closed after everything arrived */
            printf("STATE failed %s %s\n", result_name(P.d.error),
                   kvs_log_item_name(P.log.last_item));
            return finish(1);
        }
        if (P.d.state == KVS__DTLS_ST_CONNECTED && !connected) {
            connected = 1;
            on_connected(now);
        }
        if (connected && (!P.expect || P.got_expected) && (!P.send || P.sent)) {
            kvs__dtls_close(&P.d);
            flush(now);
            return finish(0);
        }
        if (now >= hard) {
            printf("STATE failed ERR_TIMEOUT %s\n", connected ? "after the handshake"
                                                              : "during the handshake");
            return finish(4);
        }
        deadline = kvs__dtls_deadline(&P.d);
        if (deadline > hard)
            deadline = hard;
        rc = kvs_posix_wait(&P.px, deadline);
        if (rc < 0) {
            fprintf(stderr, "dtls_peer: wait: %s\n", kvs_result_str((kvs_result)rc));
            return finish(3);
        }
        now = kvs_posix_now(NULL);
        for (;;) {
            kvs_addr from;
            int n = kvs_posix_udp_recv(&P.px, P.sock, &from, buf, sizeof buf);
            if (n < 0) {
                fprintf(stderr, "dtls_peer: udp_recv: %s\n", kvs_result_str((kvs_result)n));
                return finish(3);
            }
            if (n == 0)
                break;
            if (!P.have_peer) {
                P.peer = from; /* the server answers whoever spoke first */
                P.have_peer = 1;
            } else if (!kvs_addr_equal(&from, &P.peer)) {
                P.dg_foreign++;
                continue;
            }
            P.dg_in++;
            if ((size_t)n > P.max_in)
                P.max_in = (size_t)n;
            inspect(buf, (size_t)n);
            (void)kvs__dtls_input(&P.d, buf, (size_t)n, now, on_app, NULL);
            if (P.d.hs && P.d.hs->peer_cert)
                P.peer_key = P.d.hs->peer_key.type;
            flush(now);
        }
        if (kvs__dtls_deadline(&P.d) <= now)
            (void)kvs__dtls_timeout(&P.d, now);
    }
}
