/* fuzz_dtls_server.c - libFuzzer target for the DTLS engine (>>dtls, >>dtls-hs) as a server: the
   record layer, the handshake reassembly and the parsers of every message a client sends.
   fuzz_dtls_client.c is this same file compiled with FD_CLIENT 1 (the client side).

   Input. Each input drives one fresh endpoint:
     byte 0   flags (below);
     then     the datagrams of the peer, each framed as a 2-byte big-endian word W followed by
              W & 0xfff bytes; W >> 12 picks how far the virtual clock moves before that datagram
              (fd_ticks: 0 to 64 s). A length running past the end of the input, or a tail shorter
              than the 2-byte word, makes the rest of the input one last datagram.
   flags    0x01  server: cfg.hello_verify = 1; both roles: MTU 256 + 64 * ((flags >> 1) & 3)
                  instead of the default 1200
            0x18  use_srtp profiles: 0 default, 1 none (0xffff), 2 SHA1_32 only, 3 SHA1_80 + GCM
            0x20  after the last datagram the peer falls silent: the timers run until none is left
            0x40  at the end: seal an application record if connected, then kvs__dtls_close
            0x80  short retransmission budget: 100 ms initial, 400 ms at most, 2 retransmissions;
                  at the end, if connected, kvs__dtls_confirm (SRTP arrived)
   The endpoint: the server has RNG seed FD_SEED_SERVER and certificate ec_b and expects the
   SHA-256 fingerprint of ec_a (tests/kvs_test_certs.h); the client has FD_SEED_CLIENT and ec_a and
   expects ec_b's, and its ClientHello has gone out before the first datagram arrives. Each
   datagram is an exact-size heap copy (kvs__dtls_input decrypts in place; ASan sees any read
   past the end). kvs__dtls_timeout runs whenever kvs__dtls_deadline has come, and
   kvs__dtls_output is drained after every call that can queue something.

   Invariants (abort on violation):
   - every datagram out is at most the MTU and is a whole number of well-formed records (types
     20..23, version fe fd, epoch 0 or 1, epoch 1 records long enough for nonce and tag, epoch 0
     handshake fragments inside their message); output returns only KVS_OK (len > 0) or
     KVS_ERR_AGAIN (len 0), and a drain ends;
   - states only move forward: HANDSHAKE -> CONNECTED / FAILED / CLOSED, CONNECTED -> FAILED /
     CLOSED, FAILED and CLOSED are final;
   - CONNECTED only after a handshake record of epoch 1 arrived (the peer's Finished must come
     under the new keys: RFC 5246 7.4.9, RFC 6347 4.1), and only with the peer verified, at most
     once. A Finished cannot be forged, so an endpoint can only connect on a replay of a genuine
     handshake made with the same seeds (the recorded seeds below do exactly that). At the
     moment it connects (seen from the log callback: the engine logs DTLS_CONNECTED inside
     kvs__dtls_connected, while the handshake state still exists) the peer-certificate flag
     must be set and the key that checked the peer's signature must be the public key of the
     certificate whose fingerprint was expected;
   - FAILED or CLOSED: the handshake state is gone and the accountant's current bytes are 0 at
     once (after the call that got there returns), d.error says why, and kvs__dtls_output yields
     at most one datagram - a single alert record - for the rest of the run, then KVS_ERR_AGAIN;
     before that, no output carries an alert;
   - the accountant holds exactly sizeof(kvs__dtls_hs) while the handshake state exists, 0 after;
     0 after kvs__dtls_deinit in every case;
   - kvs__dtls_input returns KVS_OK, except for the call that moved the endpoint to FAILED or
     CLOSED, which returns d.error; an input after that is ignored (KVS_OK, nothing changes);
     kvs__dtls_timeout returns KVS_OK, or KVS_ERR_TIMEOUT when it failed the handshake;
   - kvs__dtls_deadline is KVS_TIME_NEVER or >= now once the due timers have run, and an endpoint
     still in HANDSHAKE always has a deadline, except a server that waits for a ClientHello (no
     handshake hangs forever);
   - kvs__dtls_export works exactly when CONNECTED; kvs__dtls_send fits the MTU.

   Corpus. tests/fuzz/corpus/dtls_server/ (and dtls_client/) were written by the seed generator
   compiled into this file with KVS_FUZZ_MAKE_SEEDS. It runs genuine handshakes between a client
   and a server set up exactly as the targets set up theirs (same RNG seeds, certificates and
   flags byte), on the virtual network of tests/kvs_sim.h, and records the datagrams that the
   fuzzed side receives: for the server the client's real ClientHello and second flight (also with
   cookies and MTU 256, DTLS 1.3 extensions, no SRTP, fragments reordered, and ending in
   application data and close_notify); for the client the server's real first flight
   (ServerHello..ServerHelloDone; with the same seeds its ServerKeyExchange signature over both
   randoms verifies, so the client sends its second flight) and the server's final flight. Then it
   adds hand-made seeds (HelloVerifyRequest, records of every content type, alerts, garbage,
   unsupported versions and extensions), replays every seed through the target and prints how far
   each gets; it fails if a real seed stops reaching its milestone. To regenerate, from the
   repository root (fuzz_dtls_client.c likewise, into corpus/dtls_client):
       clang -DKVS_FUZZ_MAKE_SEEDS -g tests/fuzz/fuzz_dtls_server.c -o fd_gen -lsrtp2 -lbearssl
       ./fd_gen tests/fuzz/corpus/dtls_server
   It overwrites the files it makes and leaves other files (minimised crashes added by hand)
   alone.
   Regression seeds are named regress_*: regress_reassembly_wedge_* put one forged fragment
   before a genuine handshake (it must still complete once the reassembly cannot be wedged),
   regress_plaintext_finished ends a genuine handshake with the peer's Finished sent in the clear
   in epoch 0 (the invariant above fails while the engine accepts it). The dictionaries are
   tests/fuzz/dtls_server.dict and dtls_client.dict.

   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          tests/fuzz/fuzz_dtls_server.c -o fuzz_dtls_server -lsrtp2 -lbearssl     (or: make fuzz)
   Run:   ./fuzz_dtls_server -dict=tests/fuzz/dtls_server.dict <a copy of corpus/dtls_server> */
#ifndef FD_CLIENT
#define FD_CLIENT 0
#endif
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include "../kvs_test_certs.h"
#include <stdio.h>
#include <stdlib.h>

#define FD_CHECK(c)                                                                              \
    do {                                                                                         \
        if (!(c)) {                                                                              \
            fprintf(stderr, "fuzz_dtls_%s: line %d: invariant failed: %s\n",                    \
                    FD_CLIENT ? "client" : "server", __LINE__, #c);                              \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

#define FD_T0 KVS_SEC(1000)                   /* the virtual clock at the start */
#define FD_SEED_CLIENT 0x6b76732d63303031ULL  /* the RNG seeds: shared with the seed generator */
#define FD_SEED_SERVER 0x6b76732d73303031ULL
#define FD_OUT_CAP 65536                      /* output buffer: far above any MTU */

#define FD_F_SMALL 0x01u
#define FD_F_SILENT 0x20u
#define FD_F_CLOSE 0x40u
#define FD_F_SHORT 0x80u

/* Clock steps selected by the top 4 bits of a datagram's length word. */
static const kvs_time fd_ticks[16] = {
    0,              KVS_MSEC(1),   KVS_MSEC(2),   KVS_MSEC(5),   KVS_MSEC(10),  KVS_MSEC(20),
    KVS_MSEC(50),   KVS_MSEC(100), KVS_MSEC(250), KVS_MSEC(500), KVS_SEC(1),    KVS_SEC(2),
    KVS_SEC(4),     KVS_SEC(8),    KVS_SEC(16),   KVS_SEC(64)};

/* One endpoint and the context the engine borrows from its owner. */
typedef struct fd_ep {
    kvs__dtls d;
    kvs__dtls_cfg cfg;
    kvs_platform pf;
    kvs_testing_rng rng;
    kvs__rng krng;
    kvs__log log;
    kvs__mem mem;
    int guard;
    const uint8_t *peer_pub; /* the public key of the certificate the peer must present */
    int connect_seen;        /* DTLS_CONNECTED records logged */
    int connect_ok;          /* at the last one, the verified peer key was in place */
    int e1_handshake_in;     /* a handshake record of epoch 1 has been given to the endpoint */
    unsigned app_records;
} fd_ep;

static kvs_cert fd_cert_a, fd_cert_b;
static uint8_t fd_pub_a[65], fd_pub_b[65];

static void fd_load_cert(kvs_cert *c, uint8_t pub[65], const unsigned char *der, size_t n,
                         const unsigned char *key) {
    kvs__crypto_pubkey pk;
    memset(c, 0, sizeof *c);
    memcpy(c->der, der, n);
    c->der_len = n;
    memcpy(c->key, key, 32);
    kvs__crypto_sha256(der, n, c->fingerprint);
    FD_CHECK(kvs__crypto_cert_pubkey(der, n, &pk) == KVS_OK && pk.type == KVS__CRYPTO_KEY_EC);
    memcpy(pub, pk.ec, 65);
    memcpy(c->pub, pk.ec, 65);
}

static void fd_fixtures(void) {
    static int done;
    if (done)
        return;
    fd_load_cert(&fd_cert_a, fd_pub_a, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
    fd_load_cert(&fd_cert_b, fd_pub_b, kvs_fx_ec_b_der, sizeof kvs_fx_ec_b_der, kvs_fx_ec_b_key);
    (void)kvs_fx_rsa_der; /* the RSA fixture serves the seed generator only */
    done = 1;
}

static int fd_random(void *user, void *buf, size_t len) {
    return kvs_testing_random(&((fd_ep *)user)->rng, buf, len);
}

/* The engine logs DTLS_CONNECTED from kvs__dtls_connected, before the handshake state is freed:
   the moment to see which certificate and key it accepted. */
static void fd_log(void *user, int level, int item, const char *msg, int line) {
    fd_ep *e = (fd_ep *)user;
    const kvs__dtls_hs *hs = e->d.hs;
    (void)level;
    (void)msg;
    (void)line;
    if (item != KVS_LOG_DTLS_CONNECTED)
        return;
    e->connect_seen++;
    e->connect_ok = e->d.state == KVS__DTLS_ST_CONNECTED && hs != NULL && hs->peer_cert == 1 &&
                    hs->peer_key.type == KVS__CRYPTO_KEY_EC &&
                    memcmp(hs->peer_key.ec, e->peer_pub, 65) == 0 &&
                    memcmp(e->d.cfg.peer_fp, e->cfg.peer_fp, 32) == 0;
}

static void fd_app(void *ctx, const uint8_t *p, size_t n) {
    fd_ep *e = (fd_ep *)ctx;
    FD_CHECK(e->d.state == KVS__DTLS_ST_CONNECTED);
    FD_CHECK(n == 0 || p != NULL);
    e->app_records++;
}

/* The configuration an input's flags byte asks for; role is KVS__DTLS_CLIENT or _SERVER. */
static void fd_config(fd_ep *e, int role, unsigned flags) {
    int client = role == KVS__DTLS_CLIENT;
    fd_fixtures();
    memset(e, 0, sizeof *e);
    kvs_testing_rng_seed(&e->rng, client ? FD_SEED_CLIENT : FD_SEED_SERVER);
    e->pf.user = e;
    e->pf.random = fd_random;
    e->pf.log = fd_log;
    kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_INFO);
    FD_CHECK(kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, 0) == KVS_OK);
    kvs__crypto_rng_init(&e->krng, &e->pf, &e->guard, &e->log);
    e->cfg.role = role;
    e->cfg.cert = client ? &fd_cert_a : &fd_cert_b;
    memcpy(e->cfg.peer_fp, client ? fd_cert_b.fingerprint : fd_cert_a.fingerprint, 32);
    e->peer_pub = client ? fd_pub_b : fd_pub_a;
    if (flags & FD_F_SMALL) {
        e->cfg.mtu = 256u + 64u * ((flags >> 1) & 3u);
        e->cfg.hello_verify = !client;
    }
    switch ((flags >> 3) & 3u) {
    case 1:
        e->cfg.srtp[0] = 0xffff;
        break;
    case 2:
        e->cfg.srtp[0] = KVS_SRTP_AES128_CM_SHA1_32;
        break;
    case 3:
        e->cfg.srtp[0] = KVS_SRTP_AES128_CM_SHA1_80;
        e->cfg.srtp[1] = KVS_SRTP_AEAD_AES_128_GCM;
        break;
    default:
        break;
    }
    if (flags & FD_F_SHORT) {
        e->cfg.rto_initial = KVS_MSEC(100);
        e->cfg.rto_max = KVS_MSEC(400);
        e->cfg.max_retransmits = 2;
    }
}

static kvs_result fd_start(fd_ep *e, kvs_time now) {
    return kvs__dtls_init(&e->d, &e->cfg, &e->krng, &e->log, &e->mem, now);
}

/* How far one input got (for the seed generator's report). */
typedef struct fd_progress {
    unsigned hs_types_out; /* bit t: we sent a handshake message of type t (epoch 0) */
    int finished_out;      /* we sent a handshake record of epoch 1 (our Finished) */
    int connected, final_state;
    kvs_result error;
    unsigned datagrams_in, datagrams_out, app_records;
    uint32_t flights_sent;
} fd_progress;

typedef struct fd_run {
    fd_ep *e;
    kvs_time now;
    int state;        /* the last state seen */
    int terminal_out; /* datagrams output in FAILED / CLOSED */
    fd_progress *pg;
} fd_run;

static int fd_terminal(int s) {
    return s == KVS__DTLS_ST_FAILED || s == KVS__DTLS_ST_CLOSED;
}

/* The checks that hold between any two calls. */
static void fd_step(fd_run *r) {
    fd_ep *e = r->e;
    int s = e->d.state;
    kvs_time dl;
    FD_CHECK(s >= KVS__DTLS_ST_HANDSHAKE && s <= KVS__DTLS_ST_FAILED);
    if (s != r->state) {
        FD_CHECK(!fd_terminal(r->state));
        FD_CHECK(s != KVS__DTLS_ST_HANDSHAKE);
        r->state = s;
    }
    if (s == KVS__DTLS_ST_CONNECTED) {
        FD_CHECK(e->connect_seen == 1 && e->connect_ok);
        FD_CHECK(e->e1_handshake_in);
        r->pg->connected = 1;
    }
    if (s == KVS__DTLS_ST_HANDSHAKE)
        FD_CHECK(e->connect_seen == 0);
    if (fd_terminal(s)) {
        FD_CHECK(e->d.hs == NULL);
        FD_CHECK(e->mem.st.current == 0);
        FD_CHECK(e->d.error < 0);
    }
    FD_CHECK(e->mem.st.current == (e->d.hs ? sizeof(kvs__dtls_hs) : 0u));
    dl = kvs__dtls_deadline(&e->d);
    FD_CHECK(dl == KVS_TIME_NEVER || dl >= r->now);
    if (s == KVS__DTLS_ST_HANDSHAKE && dl == KVS_TIME_NEVER)
        FD_CHECK(e->cfg.role == KVS__DTLS_SERVER && e->d.hs &&
                 e->d.hs->expect == KVS__DTLS_E_CLIENT_HELLO);
    if (fd_terminal(s))
        FD_CHECK(dl == KVS_TIME_NEVER);
}

static uint32_t fd_u16(const uint8_t *p) {
    return (uint32_t)p[0] << 8 | p[1];
}
static uint32_t fd_u24(const uint8_t *p) {
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* One datagram from kvs__dtls_output, parsed independently of the engine. */
static void fd_check_output(fd_run *r, const uint8_t *p, size_t n, int terminal) {
    size_t off = 0;
    unsigned records = 0, alerts = 0;
    FD_CHECK(n > 0 && n <= r->e->d.cfg.mtu);
    while (off < n) {
        unsigned type, epoch;
        size_t len;
        const uint8_t *body;
        FD_CHECK(n - off >= 13);
        type = p[off];
        epoch = fd_u16(p + off + 3);
        len = fd_u16(p + off + 11);
        FD_CHECK(type >= 20 && type <= 23);
        FD_CHECK(fd_u16(p + off + 1) == 0xfefdu);
        FD_CHECK(epoch <= 1);
        FD_CHECK(len <= n - off - 13);
        body = p + off + 13;
        records++;
        if (epoch == 1) {
            FD_CHECK(len >= 24);
            FD_CHECK(memcmp(body, p + off + 3, 8) == 0); /* explicit nonce = epoch + sequence */
        }
        if (type == 21) {
            alerts++;
            if (epoch == 0)
                FD_CHECK(len == 2 && (body[0] == 1 || body[0] == 2));
            else
                FD_CHECK(len == 2 + 24);
        } else if (type == 20) {
            FD_CHECK(epoch == 0 && len == 1 && body[0] == 1);
        } else if (type == 23) {
            FD_CHECK(epoch == 1);
        } else if (epoch == 0) { /* handshake fragments */
            size_t k = 0;
            while (k < len) {
                uint32_t mlen, foff, flen;
                FD_CHECK(len - k >= 12);
                mlen = fd_u24(body + k + 1);
                foff = fd_u24(body + k + 6);
                flen = fd_u24(body + k + 9);
                FD_CHECK(foff <= mlen && flen <= mlen - foff && flen <= len - k - 12);
                if (body[k] < 32)
                    r->pg->hs_types_out |= 1u << body[k];
                k += 12 + flen;
            }
        } else {
            r->pg->finished_out = 1;
        }
        off += 13 + len;
    }
    if (terminal) {
        FD_CHECK(records == 1 && alerts == 1);
        FD_CHECK(++r->terminal_out <= 1);
    } else {
        FD_CHECK(alerts == 0);
    }
    r->pg->datagrams_out++;
}

static void fd_drain(fd_run *r) {
    static uint8_t buf[FD_OUT_CAP];
    int k;
    for (k = 0;; k++) {
        int terminal = fd_terminal(r->e->d.state);
        size_t len = (size_t)-1;
        kvs_result res = kvs__dtls_output(&r->e->d, buf, sizeof buf, &len, r->now);
        fd_step(r);
        if (res == KVS_ERR_AGAIN) {
            FD_CHECK(len == 0);
            return;
        }
        FD_CHECK(res == KVS_OK);
        FD_CHECK(k < 256); /* a drain ends */
        fd_check_output(r, buf, len, terminal);
    }
}

/* Run every timer that is due. */
static void fd_timers(fd_run *r) {
    int k;
    for (k = 0; k < 4; k++) {
        kvs_time dl = kvs__dtls_deadline(&r->e->d);
        int before = r->e->d.state;
        kvs_result res;
        if (dl == KVS_TIME_NEVER || dl > r->now)
            break;
        res = kvs__dtls_timeout(&r->e->d, r->now);
        FD_CHECK(res == KVS_OK || (res == KVS_ERR_TIMEOUT && before == KVS__DTLS_ST_HANDSHAKE &&
                                   r->e->d.state == KVS__DTLS_ST_FAILED &&
                                   r->e->d.error == KVS_ERR_TIMEOUT));
        fd_step(r);
        fd_drain(r);
    }
    fd_step(r);
}

static void fd_deliver(fd_run *r, const uint8_t *p, size_t n) {
    fd_ep *e = r->e;
    uint8_t *copy = (uint8_t *)malloc(n ? n : 1);
    int before = e->d.state;
    kvs_result res;
    size_t off = 0;
    FD_CHECK(copy != NULL);
    if (n)
        memcpy(copy, p, n);
    while (n - off >= 13) { /* the records as the engine will see them */
        size_t len = fd_u16(p + off + 11);
        if (len > n - off - 13)
            break;
        if (p[off] == 22 && fd_u16(p + off + 3) == 1 && len >= 24)
            e->e1_handshake_in = 1;
        off += 13 + len;
    }
    res = kvs__dtls_input(&e->d, copy, n, r->now, fd_app, e);
    free(copy);
    r->pg->datagrams_in++;
    if (fd_terminal(before)) {
        FD_CHECK(res == KVS_OK && e->d.state == before);
    } else if (fd_terminal(e->d.state)) {
        FD_CHECK(res < 0 && res == e->d.error);
    } else {
        FD_CHECK(res == KVS_OK);
    }
    fd_step(r);
    fd_drain(r);
}

/* The end of an input: optional silence, optional send and close, then deinit. */
static void fd_finish(fd_run *r, unsigned flags) {
    fd_ep *e = r->e;
    uint8_t out[64];
    static uint8_t big[FD_OUT_CAP];
    size_t len;
    int k;
    if (flags & FD_F_SILENT) {
        for (k = 0; k < 32; k++) {
            kvs_time dl = kvs__dtls_deadline(&e->d);
            if (dl == KVS_TIME_NEVER)
                break;
            r->now = dl;
            fd_timers(r);
        }
        FD_CHECK(kvs__dtls_deadline(&e->d) == KVS_TIME_NEVER);
    }
    if (e->d.state == KVS__DTLS_ST_CONNECTED) {
        FD_CHECK(kvs__dtls_export(&e->d, "EXTRACTOR-dtls_srtp", out, 60) == KVS_OK);
        if (flags & FD_F_SHORT) { /* SRTP from the peer arrived: the handshake state goes */
            kvs__dtls_confirm(&e->d);
            FD_CHECK(e->d.hs == NULL && e->d.state == KVS__DTLS_ST_CONNECTED);
            fd_step(r);
        }
    } else {
        FD_CHECK(kvs__dtls_export(&e->d, "EXTRACTOR-dtls_srtp", out, 60) == KVS_ERR_STATE);
        FD_CHECK(kvs__dtls_send(&e->d, "x", 1, big, sizeof big, &len) == KVS_ERR_STATE);
    }
    if (flags & FD_F_CLOSE) {
        if (e->d.state == KVS__DTLS_ST_CONNECTED) {
            size_t most = e->d.cfg.mtu - 13 - 24;
            FD_CHECK(kvs__dtls_send(&e->d, "ping", 4, big, sizeof big, &len) == KVS_OK);
            FD_CHECK(len == 13 + 24 + 4);
            memset(big, 'a', most + 1);
            FD_CHECK(kvs__dtls_send(&e->d, big, most + 1, big + most + 1, sizeof big - most - 1,
                                    &len) == KVS_ERR_LIMIT);
            FD_CHECK(kvs__dtls_send(&e->d, big, most, big + most + 1, sizeof big - most - 1,
                                    &len) == KVS_OK);
            FD_CHECK(len == e->d.cfg.mtu);
        }
        kvs__dtls_close(&e->d);
        fd_step(r);
        fd_drain(r);
    }
    fd_step(r);
    r->pg->final_state = e->d.state;
    r->pg->error = e->d.error;
    r->pg->app_records = e->app_records;
    r->pg->flights_sent = e->d.st.flights_sent;
    kvs__dtls_deinit(&e->d);
    FD_CHECK(e->mem.st.current == 0);
}

static void fd_run_input(const uint8_t *data, size_t size, fd_progress *pg) {
    static fd_ep ep;
    fd_run r;
    unsigned flags = size ? data[0] : 0u;
    size_t pos = 1;
    memset(pg, 0, sizeof *pg);
    fd_config(&ep, FD_CLIENT ? KVS__DTLS_CLIENT : KVS__DTLS_SERVER, flags);
    FD_CHECK(fd_start(&ep, FD_T0) == KVS_OK);
    r.e = &ep;
    r.now = FD_T0;
    r.state = KVS__DTLS_ST_HANDSHAKE;
    r.terminal_out = 0;
    r.pg = pg;
    fd_step(&r);
    fd_drain(&r); /* the client's ClientHello */
    while (pos < size) {
        size_t len = size - pos;
        unsigned tick = 0;
        if (len >= 2) {
            unsigned w = (unsigned)data[pos] << 8 | data[pos + 1];
            pos += 2;
            tick = w >> 12;
            len = KVS__MIN((size_t)(w & 0xfffu), size - pos);
        }
        r.now += fd_ticks[tick];
        fd_timers(&r);
        fd_deliver(&r, data + pos, len);
        pos += len;
    }
    fd_finish(&r, flags);
}

#ifndef KVS_FUZZ_MAKE_SEEDS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fd_progress pg;
    fd_run_input(data, size, &pg);
    return 0;
}

#else /* KVS_FUZZ_MAKE_SEEDS: the seed generator (see the top of this file) */

#include "../kvs_sim.h"
#include <sys/wait.h>
#include <unistd.h>

#define FD_MAXDG 64

/* Datagrams received by one endpoint in a genuine handshake, with their arrival times. */
typedef struct fd_list {
    int n;
    kvs_time at[FD_MAXDG];
    size_t len[FD_MAXDG];
    uint8_t data[FD_MAXDG][KVS_SIM_PKT];
} fd_list;

typedef struct fd_seed {
    uint8_t b[32768];
    size_t n;
    kvs_time t; /* the time of the last datagram added */
} fd_seed;

static fd_ep fd_gen_ep[2]; /* [0] client, [1] server */

static void fd_gen_flush(kvs_sim *sim, int i) {
    uint8_t buf[KVS_SIM_PKT];
    size_t len;
    while (kvs__dtls_output(&fd_gen_ep[i].d, buf, sizeof buf, &len, sim->now) == KVS_OK)
        kvs_sim_send(sim, 1 - i, buf, len);
}

static void fd_list_add(fd_list *l, kvs_time at, const uint8_t *p, size_t n) {
    FD_CHECK(l->n < FD_MAXDG && n <= KVS_SIM_PKT);
    l->at[l->n] = at;
    l->len[l->n] = n;
    memcpy(l->data[l->n], p, n);
    l->n++;
}

/* A genuine handshake between two endpoints configured from `flags` exactly as the targets do
   it; records in *l what endpoint `to` (0 client, 1 server) receives. With `finish`, once both
   are connected the other endpoint sends an application record and then close_notify. The
   client adds ext (DTLS 1.3 extensions) to its ClientHello when given. Returns 1 when both
   connected. */
static int fd_gen_handshake(unsigned flags, const uint8_t *ext, size_t ext_len, int to, int finish,
                            fd_list *l) {
    kvs_sim sim;
    int i, iter, ok;
    memset(l, 0, sizeof *l);
    fd_config(&fd_gen_ep[0], KVS__DTLS_CLIENT, flags);
    fd_config(&fd_gen_ep[1], KVS__DTLS_SERVER, flags);
    fd_gen_ep[0].cfg.test_ext = ext;
    fd_gen_ep[0].cfg.test_ext_len = ext_len;
    kvs_sim_init(&sim, 1);
    sim.now = FD_T0;
    for (i = 0; i < 2; i++)
        FD_CHECK(fd_start(&fd_gen_ep[i], sim.now) == KVS_OK);
    for (iter = 0; iter < 100000; iter++) {
        kvs_time next;
        kvs_sim_pkt pkt;
        fd_gen_flush(&sim, 0);
        fd_gen_flush(&sim, 1);
        if (fd_gen_ep[0].d.state != KVS__DTLS_ST_HANDSHAKE &&
            fd_gen_ep[1].d.state != KVS__DTLS_ST_HANDSHAKE)
            break;
        next = kvs_sim_next(&sim);
        for (i = 0; i < 2; i++)
            next = KVS__MIN(next, kvs__dtls_deadline(&fd_gen_ep[i].d));
        if (next == KVS_TIME_NEVER || next > FD_T0 + KVS_SEC(60))
            break;
        if (next > sim.now)
            sim.now = next;
        while (kvs_sim_pop(&sim, &pkt)) {
            if (pkt.to == to)
                fd_list_add(l, sim.now, pkt.data, pkt.len);
            (void)kvs__dtls_input(&fd_gen_ep[pkt.to].d, pkt.data, pkt.len, sim.now, fd_app,
                                  &fd_gen_ep[pkt.to]);
            fd_gen_flush(&sim, pkt.to);
        }
        for (i = 0; i < 2; i++)
            if (kvs__dtls_deadline(&fd_gen_ep[i].d) <= sim.now)
                (void)kvs__dtls_timeout(&fd_gen_ep[i].d, sim.now);
    }
    ok = fd_gen_ep[0].d.state == KVS__DTLS_ST_CONNECTED &&
         fd_gen_ep[1].d.state == KVS__DTLS_ST_CONNECTED;
    if (ok && finish) {
        uint8_t buf[KVS_SIM_PKT];
        size_t len;
        fd_ep *other = &fd_gen_ep[1 - to];
        FD_CHECK(kvs__dtls_send(&other->d, "hello from the peer", 19, buf, sizeof buf, &len) ==
                 KVS_OK);
        fd_list_add(l, sim.now + KVS_MSEC(10), buf, len);
        kvs__dtls_close(&other->d);
        FD_CHECK(kvs__dtls_output(&other->d, buf, sizeof buf, &len, sim.now) == KVS_OK);
        fd_list_add(l, sim.now + KVS_MSEC(20), buf, len);
    }
    for (i = 0; i < 2; i++)
        kvs__dtls_deinit(&fd_gen_ep[i].d);
    kvs_sim_free(&sim);
    return ok;
}

/* 1 when the datagram holds a ChangeCipherSpec or an epoch 1 record (a final flight). */
static int fd_is_final(const uint8_t *p, size_t n) {
    size_t off = 0;
    while (n - off >= 13) {
        if (p[off] == 20 || fd_u16(p + off + 3) != 0)
            return 1;
        off += 13 + fd_u16(p + off + 11);
    }
    return 0;
}

static void fd_seed_begin(fd_seed *s, unsigned flags) {
    s->b[0] = (uint8_t)flags;
    s->n = 1;
    s->t = FD_T0;
}

/* The largest clock step not above dt. */
static unsigned fd_tick_of(kvs_time dt) {
    unsigned k = 0, i;
    for (i = 0; i < 16; i++)
        if (fd_ticks[i] <= dt)
            k = i;
    return k;
}

static void fd_seed_add(fd_seed *s, unsigned tick, const uint8_t *p, size_t n) {
    FD_CHECK(n <= 0xfffu && tick < 16 && s->n + 2 + n <= sizeof s->b);
    s->b[s->n] = (uint8_t)(tick << 4 | (unsigned)(n >> 8));
    s->b[s->n + 1] = (uint8_t)n;
    memcpy(s->b + s->n + 2, p, n);
    s->n += 2 + n;
    s->t += fd_ticks[tick];
}

/* Datagrams [from, to) of a list, with the clock steps that come closest to their times. */
static void fd_seed_list(fd_seed *s, const fd_list *l, int from, int to) {
    int i;
    for (i = from; i < to; i++)
        fd_seed_add(s, fd_tick_of(l->at[i] > s->t ? l->at[i] - s->t : 0), l->data[i], l->len[i]);
}

/* Records and handshake fragments, for the hand-made seeds. */
static size_t fd_put_rec(uint8_t *out, unsigned type, unsigned ver, unsigned epoch, uint64_t seq,
                         const uint8_t *p, size_t n) {
    out[0] = (uint8_t)type;
    kvs__put_u16(out + 1, (uint16_t)ver);
    kvs__put_u16(out + 3, (uint16_t)epoch);
    kvs__put_u48(out + 5, seq);
    kvs__put_u16(out + 11, (uint16_t)n);
    if (n)
        memcpy(out + 13, p, n);
    return 13 + n;
}

static size_t fd_put_hs(uint8_t *out, unsigned type, size_t len, unsigned mseq, size_t off,
                        const uint8_t *frag, size_t fl) {
    out[0] = (uint8_t)type;
    kvs__put_u24(out + 1, (uint32_t)len);
    kvs__put_u16(out + 4, (uint16_t)mseq);
    kvs__put_u24(out + 6, (uint32_t)off);
    kvs__put_u24(out + 9, (uint32_t)fl);
    if (fl)
        memcpy(out + 12, frag, fl);
    return 12 + fl;
}

/* The records of datagram p, with every epoch 0 handshake fragment cut into `parts` pieces that
   overlap by 5 bytes, each piece in its own record, and all records in reverse order. */
static size_t fd_refrag(const uint8_t *p, size_t n, int parts, uint8_t *out) {
    static uint8_t unit[256][KVS_SIM_PKT];
    static size_t ulen[256];
    int nu = 0, i;
    size_t off = 0, o = 0;
    while (n - off >= 13) {
        size_t len = fd_u16(p + off + 11);
        const uint8_t *body = p + off + 13;
        uint64_t seq = kvs__get_u48(p + off + 5);
        FD_CHECK(off + 13 + len <= n);
        if (p[off] == 22 && fd_u16(p + off + 3) == 0) {
            size_t k = 0;
            while (k + 12 <= len) {
                size_t mlen = fd_u24(body + k + 1), foff = fd_u24(body + k + 6);
                size_t flen = fd_u24(body + k + 9);
                size_t step = (flen + (size_t)parts - 1) / (size_t)parts;
                unsigned mseq = fd_u16(body + k + 4);
                size_t a;
                uint8_t frag[KVS_SIM_PKT];
                if (step == 0)
                    step = 1;
                for (a = 0; a < flen || (flen == 0 && a == 0); a += step) {
                    size_t b = KVS__MIN(flen, a + step + 5), fl;
                    fl = fd_put_hs(frag, body[k], mlen, mseq, foff + a, body + k + 12 + a, b - a);
                    FD_CHECK(nu < 256);
                    ulen[nu] = fd_put_rec(unit[nu], 22, fd_u16(p + off + 1), 0, seq, frag, fl);
                    nu++;
                    if (flen == 0)
                        break;
                }
                k += 12 + flen;
            }
        } else {
            FD_CHECK(nu < 256);
            memcpy(unit[nu], p + off, 13 + len);
            ulen[nu] = 13 + len;
            nu++;
        }
        off += 13 + len;
    }
    for (i = nu - 1; i >= 0; i--) {
        memcpy(out + o, unit[i], ulen[i]);
        o += ulen[i];
    }
    return o;
}

/* Add delta to the message_seq of every epoch 0 handshake fragment of datagram p. */
static void fd_renumber(uint8_t *p, size_t n, unsigned delta) {
    size_t off = 0;
    while (n - off >= 13) {
        size_t len = fd_u16(p + off + 11), k = 0;
        uint8_t *body = p + off + 13;
        if (p[off] == 22 && fd_u16(p + off + 3) == 0)
            for (; k + 12 <= len; k += 12 + fd_u24(body + k + 9))
                kvs__put_u16(body + k + 4, (uint16_t)(fd_u16(body + k + 4) + delta));
        off += 13 + len;
    }
}

static const char *fd_dir;
static int fd_bad;

static const char *fd_state_name(int s) {
    return s == KVS__DTLS_ST_HANDSHAKE   ? "HANDSHAKE"
           : s == KVS__DTLS_ST_CONNECTED ? "CONNECTED"
           : s == KVS__DTLS_ST_CLOSED    ? "CLOSED"
                                         : "FAILED";
}

/* Write a seed and replay it through the target (in a child process: a seed that makes an
   invariant fail aborts there). want: 0 nothing; 1 the client's second flight went out (its
   Finished) / the server's first flight went out (ServerHelloDone); 2 connected; -1 a
   regression seed of an engine finding, which aborts until the engine is fixed. */
static void fd_write(const char *name, const fd_seed *s, int want) {
    char path[1024];
    FILE *f;
    int status = 0;
    pid_t pid;
    snprintf(path, sizeof path, "%s/%s", fd_dir, name);
    f = fopen(path, "wb");
    FD_CHECK(f != NULL);
    FD_CHECK(fwrite(s->b, 1, s->n, f) == s->n);
    fclose(f);
    fflush(stdout);
    pid = fork();
    FD_CHECK(pid >= 0);
    if (pid == 0) {
        fd_progress pg;
        int got;
        const char *sent;
        fd_run_input(s->b, s->n, &pg);
        got = pg.connected ? 2
              : (FD_CLIENT ? pg.finished_out : (pg.hs_types_out >> KVS__DTLS_HT_SERVER_DONE) & 1);
        if (FD_CLIENT)
            sent = pg.finished_out ? "CH, flight 2 (Finished)"
                   : (pg.hs_types_out & 2u) ? "ClientHello" : "-";
        else if ((pg.hs_types_out >> KVS__DTLS_HT_SERVER_DONE) & 1)
            sent = "SH..ServerHelloDone";
        else
            sent = (pg.hs_types_out >> KVS__DTLS_HT_HELLO_VERIFY) & 1 ? "HelloVerifyRequest" : "-";
        printf("%-36s %5lu bytes %2u in %2u out  sent %-22s%s  %-9s %-16s app %u%s\n", name,
               (unsigned long)s->n, pg.datagrams_in, pg.datagrams_out, sent,
               pg.finished_out && !FD_CLIENT ? " +Finished" : "", fd_state_name(pg.final_state),
               pg.error ? kvs_result_str(pg.error) : "", pg.app_records,
               got < want ? "   <-- MILESTONE MISSED" : "");
        fflush(stdout);
        _exit(got < want ? 1 : 0);
    }
    FD_CHECK(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
        if (WIFSIGNALED(status))
            printf("%-36s %5lu bytes  ABORTS: an invariant failed%s\n", name, (unsigned long)s->n,
                   want < 0 ? " (regression seed: until the engine is fixed)"
                            : "   <-- UNEXPECTED");
        if (want >= 0)
            fd_bad = 1;
    }
}

/* Seed helpers: a flags byte and a list of datagrams. */
static void fd_one(const char *name, unsigned flags, const uint8_t *p, size_t n) {
    static fd_seed s;
    fd_seed_begin(&s, flags);
    fd_seed_add(&s, 4, p, n);
    fd_write(name, &s, 0);
}

static const uint8_t fd_dtls13_ext[] = {
    0x00, 0x2b, 0x00, 0x05, 0x04, 0xfe, 0xfc, 0xfe, 0xfd, /* supported_versions 1.3, 1.2 */
    0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
    0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,      /* psk_key_exchange_modes */
    0x00, 0x2c, 0x00, 0x04, 0x00, 0x02, 0xab, 0xcd, /* cookie (1.3) */
    0x7a, 0x7a, 0x00, 0x01, 0x00,            /* GREASE */
};
static const uint8_t fd_dtls13_only[] = {0x00, 0x2b, 0x00, 0x03, 0x02, 0xfe, 0xfc};

/* The records of datagram p other than ChangeCipherSpec and epoch 1 (a final flight's tail). */
static size_t fd_strip_final(const uint8_t *p, size_t n, uint8_t *out) {
    size_t off = 0, o = 0;
    while (n - off >= 13) {
        size_t len = fd_u16(p + off + 11);
        FD_CHECK(off + 13 + len <= n);
        if (p[off] != 20 && fd_u16(p + off + 3) == 0) {
            memcpy(out + o, p + off, 13 + len);
            o += 13 + len;
        }
        off += 13 + len;
    }
    return o;
}

/* A seed: datagrams [0, upto) of l without their ChangeCipherSpec and epoch 1 records, then the
   peer's genuine Finished as a plaintext handshake record of epoch 0. The Finished is computed
   by an endpoint set up as the target's that has received the same datagrams. */
static void fd_plain_finished(unsigned flags, const fd_list *l, int upto, fd_seed *s) {
    static fd_ep e;
    uint8_t d[KVS_SIM_PKT], fin[12], frag[64], out[KVS_SIM_PKT];
    size_t n, len;
    kvs_time now = FD_T0;
    int i;
    fd_config(&e, FD_CLIENT ? KVS__DTLS_CLIENT : KVS__DTLS_SERVER, flags);
    FD_CHECK(fd_start(&e, now) == KVS_OK);
    while (kvs__dtls_output(&e.d, out, sizeof out, &len, now) == KVS_OK)
        ;
    fd_seed_begin(s, flags);
    for (i = 0; i < upto; i++) {
        n = fd_strip_final(l->data[i], l->len[i], d);
        fd_seed_add(s, fd_tick_of(l->at[i] > s->t ? l->at[i] - s->t : 0), d, n);
        now = s->t;
        FD_CHECK(kvs__dtls_input(&e.d, d, n, now, fd_app, &e) == KVS_OK);
        while (kvs__dtls_output(&e.d, out, sizeof out, &len, now) == KVS_OK)
            ;
    }
    FD_CHECK(e.d.hs && e.d.hs->expect == KVS__DTLS_E_FINISHED);
    kvs__dtls_finished(&e.d, !FD_CLIENT, fin);
    n = fd_put_hs(frag, KVS__DTLS_HT_FINISHED, 12, e.d.hs->recv_seq, 0, fin, 12);
    n = fd_put_rec(d, 22, 0xfefd, 0, 9, frag, n);
    fd_seed_add(s, 4, d, n);
    kvs__dtls_deinit(&e.d);
}

/* Seeds of the findings: one datagram of 25 bytes before a genuine handshake wedges the
   reassembly for good (a fragment that claims the whole arena for a later message, or another
   length for the next message), and the peer's Finished accepted in plaintext. */
static void fd_gen_regress(const fd_list *l, int upto, unsigned next_type, unsigned later_type) {
    static fd_seed s;
    uint8_t d[64], frag[64];
    size_t n;
    n = fd_put_hs(frag, later_type, KVS_DTLS_REASM_MAX, FD_CLIENT ? 4 : 1, 0, NULL, 0);
    n = fd_put_rec(d, 22, 0xfefd, 0, 0, frag, n);
    fd_seed_begin(&s, 0);
    fd_seed_add(&s, 4, d, n);
    fd_seed_list(&s, l, 0, l->n);
    fd_write("regress_reassembly_wedge_arena", &s, 0);
    n = fd_put_hs(frag, next_type, 1000, 0, 0, (const uint8_t *)"\xfe", 1);
    n = fd_put_rec(d, 22, 0xfefd, 0, 0, frag, n);
    fd_seed_begin(&s, 0);
    fd_seed_add(&s, 4, d, n);
    fd_seed_list(&s, l, 0, l->n);
    fd_write("regress_reassembly_wedge_length", &s, 0);
    fd_plain_finished(0, l, upto, &s);
    fd_write("regress_plaintext_finished", &s, -1);
}

/* Hand-made datagrams common to both roles. */
static void fd_gen_common(const fd_list *real) {
    static fd_seed s;
    uint8_t d[4096], body[512];
    size_t n = 0, i;
    uint64_t x = 0x1234567887654321ULL;
    /* records of every content type, and of unknown types, versions and epochs, then the real
       first datagram */
    body[0] = 1;
    n += fd_put_rec(d + n, 20, 0xfefd, 0, 0, body, 1);             /* ChangeCipherSpec */
    body[0] = 1, body[1] = 90;
    n += fd_put_rec(d + n, 21, 0xfefd, 0, 1, body, 2);             /* warning user_canceled */
    n += fd_put_rec(d + n, 22, 0xfefd, 0, 2, body, 0);             /* empty handshake */
    memcpy(body, "early application data", 22);
    n += fd_put_rec(d + n, 23, 0xfefd, 0, 3, body, 22);            /* app data in epoch 0 */
    body[0] = 1, body[1] = 0, body[2] = 16;
    n += fd_put_rec(d + n, 24, 0xfefd, 0, 4, body, 19);            /* heartbeat */
    n += fd_put_rec(d + n, 25, 0xfefd, 0, 5, body, 4);             /* tls12_cid */
    n += fd_put_rec(d + n, 22, 0xfefc, 0, 6, real->data[0] + 13, 40); /* version 1.3 */
    n += fd_put_rec(d + n, 22, 0xfeff, 0, 7, body, 3);             /* DTLS 1.0, truncated hs */
    memset(body, 0x5a, 64);
    n += fd_put_rec(d + n, 22, 0xfefd, 1, 0, body, 64);            /* epoch 1 before keys */
    n += fd_put_rec(d + n, 23, 0xfefd, 2, 9, body, 40);            /* epoch 2 */
    fd_seed_begin(&s, 0);
    fd_seed_add(&s, 4, d, n);
    fd_seed_list(&s, real, 0, 1);
    fd_write("records_every_type", &s, 0);
    /* alerts */
    body[0] = 2, body[1] = 40;
    n = fd_put_rec(d, 21, 0xfefd, 0, 0, body, 2);
    fd_one("alert_fatal_handshake_failure", 0, d, n);
    body[0] = 1, body[1] = 0;
    n = fd_put_rec(d, 21, 0xfefd, 0, 0, body, 2);
    fd_one("alert_close_notify", FD_F_CLOSE, d, n);
    body[0] = 2, body[1] = 10, body[2] = 0;
    n = fd_put_rec(d, 21, 0xfefd, 0, 0, body, 3);
    fd_seed_begin(&s, 0);
    fd_seed_add(&s, 4, d, n);                                      /* malformed: dropped */
    body[0] = 1, body[1] = 100;
    n = fd_put_rec(d, 21, 0xfeff, 0, 1, body, 2);                  /* warning: ignored */
    fd_seed_add(&s, 4, d, n);
    fd_seed_list(&s, real, 0, 1);
    fd_write("alerts_ignored_then_real", &s, 0);
    /* garbage: random bytes, a truncated header, a length past the end, empty datagrams */
    fd_seed_begin(&s, FD_F_SILENT);
    for (i = 0; i < sizeof d; i++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        d[i] = (uint8_t)((x * 2685821657736338717ULL) >> 56);
    }
    fd_seed_add(&s, 0, d, 1);
    fd_seed_add(&s, 1, d + 1, 12);
    fd_seed_add(&s, 2, d + 13, 100);
    fd_seed_add(&s, 3, d + 113, 600);
    fd_seed_add(&s, 8, d, 0);
    n = fd_put_rec(d + 1000, 22, 0xfefd, 0, 0, d, 0);
    kvs__put_u16(d + 1000 + 11, 0xffff);
    fd_seed_add(&s, 4, d + 1000, n + 50);
    fd_write("garbage", &s, 0);
}

static void fd_gen_server(void) {
    static fd_list l, l2;
    static fd_seed s;
    uint8_t d[8192];
    size_t n;
    int i;
    /* the genuine handshake: ClientHello, then the client's second flight */
    FD_CHECK(fd_gen_handshake(0, NULL, 0, 1, 0, &l));
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l, 0, 1);
    fd_write("real_client_hello", &s, 1);
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l, 0, l.n);
    fd_write("real_handshake", &s, 2);
    fd_seed_begin(&s, FD_F_SILENT);
    fd_seed_list(&s, &l, 0, 1);
    fd_write("real_client_hello_then_silence", &s, 1);
    /* the same with the ClientHello and the second flight cut into pieces, in reverse order */
    fd_seed_begin(&s, 0);
    for (i = 0; i < l.n; i++) {
        n = fd_refrag(l.data[i], l.len[i], 3, d);
        fd_seed_add(&s, fd_tick_of(l.at[i] > s.t ? l.at[i] - s.t : 0), d, n);
    }
    fd_write("real_handshake_refragmented", &s, 2);
    /* application data and close_notify after the handshake */
    FD_CHECK(fd_gen_handshake(FD_F_CLOSE, NULL, 0, 1, 1, &l2));
    fd_seed_begin(&s, FD_F_CLOSE);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_handshake_app_close", &s, 2);
    /* cookies and MTU 256: ClientHello, again with the cookie, the second flight fragmented;
       then the same with the datagrams of the second flight in reverse order (Finished first) */
    FD_CHECK(fd_gen_handshake(FD_F_SMALL, NULL, 0, 1, 0, &l2));
    fd_seed_begin(&s, FD_F_SMALL);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_cookie_mtu256", &s, 2);
    fd_seed_begin(&s, FD_F_SMALL);
    fd_seed_list(&s, &l2, 0, 2);
    for (i = l2.n - 1; i >= 2; i--)
        fd_seed_add(&s, 0, l2.data[i], l2.len[i]);
    fd_write("real_cookie_mtu256_reversed", &s, 2);
    /* no SRTP offered or accepted; short timers with silence after the ClientHello */
    FD_CHECK(fd_gen_handshake(0x08, NULL, 0, 1, 0, &l2));
    fd_seed_begin(&s, 0x08);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_handshake_no_srtp", &s, 2);
    fd_seed_begin(&s, FD_F_SHORT | FD_F_SILENT);
    fd_seed_list(&s, &l2, 0, 1);
    fd_write("real_client_hello_short_timers", &s, 0);
    /* a ClientHello with DTLS 1.3 extensions: answered with 1.2, the handshake completes */
    FD_CHECK(fd_gen_handshake(0, fd_dtls13_ext, sizeof fd_dtls13_ext, 1, 0, &l2));
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_handshake_dtls13_extensions", &s, 2);
    /* a client that can only do 1.3: protocol_version */
    (void)fd_gen_handshake(0, fd_dtls13_only, sizeof fd_dtls13_only, 1, 0, &l2);
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l2, 0, 1);
    fd_write("real_client_hello_dtls13_only", &s, 0);
    /* the ClientHello twice (a retransmission), then the second flight twice */
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l, 0, 1);
    fd_seed_add(&s, 10, l.data[0], l.len[0]);
    for (i = 1; i < l.n; i++)
        fd_seed_add(&s, 0, l.data[i], l.len[i]);
    for (i = 1; i < l.n; i++)
        fd_seed_add(&s, 4, l.data[i], l.len[i]);
    fd_write("real_handshake_duplicated", &s, 2);
    /* a HelloVerifyRequest sent to a server: unexpected */
    {
        uint8_t hv[40], frag[64];
        size_t m;
        hv[0] = 0xfe, hv[1] = 0xff, hv[2] = 16;
        memset(hv + 3, 0xc0, 16);
        m = fd_put_hs(frag, KVS__DTLS_HT_HELLO_VERIFY, 19, 0, 0, hv, 19);
        n = fd_put_rec(d, 22, 0xfefd, 0, 0, frag, m);
        fd_one("hello_verify_request_to_server", 0, d, n);
    }
    /* the real ClientHello, then a Certificate with an empty list: handshake_failure */
    {
        uint8_t frag[32];
        size_t m = fd_put_hs(frag, KVS__DTLS_HT_CERTIFICATE, 3, 1, 0, (const uint8_t *)"\0\0\0", 3);
        n = fd_put_rec(d, 22, 0xfefd, 0, 1, frag, m);
        fd_seed_begin(&s, 0);
        fd_seed_list(&s, &l, 0, 1);
        fd_seed_add(&s, 5, d, n);
        fd_write("certificate_empty", &s, 1);
    }
    fd_gen_common(&l);
    fd_gen_regress(&l, l.n, KVS__DTLS_HT_CLIENT_HELLO, KVS__DTLS_HT_CERTIFICATE);
}

static void fd_gen_client(void) {
    static fd_list l, l2;
    static fd_seed s;
    uint8_t d[8192], frag[4096];
    size_t n, m;
    int i, first_final, final2;
    /* the server's first flight, then its final flight */
    FD_CHECK(fd_gen_handshake(0, NULL, 0, 0, 0, &l));
    for (first_final = 0; first_final < l.n; first_final++)
        if (fd_is_final(l.data[first_final], l.len[first_final]))
            break;
    FD_CHECK(first_final > 0 && first_final < l.n);
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l, 0, first_final);
    fd_write("real_server_flight1", &s, 1);
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l, 0, l.n);
    fd_write("real_handshake", &s, 2);
    fd_seed_begin(&s, FD_F_SILENT | FD_F_SHORT);
    fd_seed_list(&s, &l, 0, first_final);
    fd_write("real_server_flight1_then_silence", &s, 1);
    fd_seed_begin(&s, 0);
    for (i = 0; i < l.n; i++) {
        n = fd_refrag(l.data[i], l.len[i], 3, d);
        fd_seed_add(&s, fd_tick_of(l.at[i] > s.t ? l.at[i] - s.t : 0), d, n);
    }
    fd_write("real_handshake_refragmented", &s, 2);
    FD_CHECK(fd_gen_handshake(FD_F_CLOSE, NULL, 0, 0, 1, &l2));
    fd_seed_begin(&s, FD_F_CLOSE);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_handshake_app_close", &s, 2);
    /* a server with cookies and MTU 256: HelloVerifyRequest, then the first flight fragmented;
       then the same with the first flight's datagrams in reverse order */
    FD_CHECK(fd_gen_handshake(FD_F_SMALL, NULL, 0, 0, 0, &l2));
    for (final2 = 0; final2 < l2.n; final2++)
        if (fd_is_final(l2.data[final2], l2.len[final2]))
            break;
    FD_CHECK(final2 > 1 && final2 < l2.n);
    fd_seed_begin(&s, FD_F_SMALL);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_cookie_mtu256", &s, 2);
    fd_seed_begin(&s, FD_F_SMALL);
    fd_seed_list(&s, &l2, 0, 1);
    for (i = final2 - 1; i >= 1; i--)
        fd_seed_add(&s, 0, l2.data[i], l2.len[i]);
    fd_write("real_cookie_mtu256_flight1_reversed", &s, 1);
    FD_CHECK(fd_gen_handshake(0x08, NULL, 0, 0, 0, &l2));
    fd_seed_begin(&s, 0x08);
    fd_seed_list(&s, &l2, 0, l2.n);
    fd_write("real_handshake_no_srtp", &s, 2);
    /* the first flight twice (the server retransmitted), the final flight twice */
    fd_seed_begin(&s, 0);
    fd_seed_list(&s, &l, 0, first_final);
    for (i = 0; i < l.n; i++)
        fd_seed_add(&s, i == 0 ? 10 : 0, l.data[i], l.len[i]);
    for (i = first_final; i < l.n; i++)
        fd_seed_add(&s, 4, l.data[i], l.len[i]);
    fd_write("real_handshake_duplicated", &s, 2);
    /* a hand-made HelloVerifyRequest (DTLS 1.0 version, 32-byte cookie): the ClientHello goes
       again with the cookie; then the real first flight with its message numbers moved up by
       one (its signature does not cover the transcript, so the client still sends its second
       flight) */
    {
        uint8_t hv[40];
        hv[0] = 0xfe, hv[1] = 0xff, hv[2] = 32;
        for (i = 0; i < 32; i++)
            hv[3 + i] = (uint8_t)(0xa0 + i);
        m = fd_put_hs(frag, KVS__DTLS_HT_HELLO_VERIFY, 35, 0, 0, hv, 35);
        n = fd_put_rec(d, 22, 0xfeff, 0, 0, frag, m);
        fd_one("hello_verify_request", 0, d, n);
        fd_seed_begin(&s, 0);
        fd_seed_add(&s, 4, d, n);
        for (i = 0; i < first_final; i++) {
            memcpy(frag, l.data[i], l.len[i]);
            fd_renumber(frag, l.len[i], 1);
            fd_seed_add(&s, 4, frag, l.len[i]);
        }
        fd_write("hello_verify_request_then_flight1", &s, 1);
    }
    /* a ServerHello for DTLS 1.3 (supported_versions, not offered), and one with version fe fc */
    {
        uint8_t sh[128];
        size_t k = 0;
        sh[k++] = 0xfe, sh[k++] = 0xfd;
        for (i = 0; i < 32; i++)
            sh[k++] = (uint8_t)(0x30 + i);
        sh[k++] = 0;
        sh[k++] = 0xc0, sh[k++] = 0x2b, sh[k++] = 0;
        sh[k++] = 0, sh[k++] = 6;
        sh[k++] = 0x00, sh[k++] = 0x2b, sh[k++] = 0x00, sh[k++] = 0x02, sh[k++] = 0xfe,
        sh[k++] = 0xfc;
        m = fd_put_hs(frag, KVS__DTLS_HT_SERVER_HELLO, k, 0, 0, sh, k);
        n = fd_put_rec(d, 22, 0xfefd, 0, 0, frag, m);
        fd_one("server_hello_supported_versions", 0, d, n);
        sh[0] = 0xfe, sh[1] = 0xfc;
        m = fd_put_hs(frag, KVS__DTLS_HT_SERVER_HELLO, k - 8, 0, 0, sh, k - 8);
        n = fd_put_rec(d, 22, 0xfefd, 0, 0, frag, m);
        fd_one("server_hello_version_13", 0, d, n);
    }
    /* a Certificate with the RSA fixture (not the expected fingerprint) after the real
       ServerHello: bad_certificate */
    {
        size_t k = 0, ml = 3 + 3 + sizeof kvs_fx_rsa_der;
        uint8_t cert[1024];
        kvs__put_u24(cert, (uint32_t)(3 + sizeof kvs_fx_rsa_der));
        kvs__put_u24(cert + 3, (uint32_t)sizeof kvs_fx_rsa_der);
        memcpy(cert + 6, kvs_fx_rsa_der, sizeof kvs_fx_rsa_der);
        /* the real ServerHello is the first record of the first datagram */
        n = 13 + fd_u16(l.data[0] + 11);
        memcpy(d, l.data[0], n);
        k = fd_put_hs(frag, KVS__DTLS_HT_CERTIFICATE, ml, 1, 0, cert, ml);
        n += fd_put_rec(d + n, 22, 0xfefd, 0, 1, frag, k);
        fd_one("certificate_rsa_wrong_fingerprint", 0, d, n);
        /* the same with an empty certificate list: handshake_failure */
        n = 13 + fd_u16(l.data[0] + 11);
        k = fd_put_hs(frag, KVS__DTLS_HT_CERTIFICATE, 3, 1, 0, (const uint8_t *)"\0\0\0", 3);
        n += fd_put_rec(d + n, 22, 0xfefd, 0, 1, frag, k);
        fd_one("certificate_empty", 0, d, n);
    }
    fd_gen_common(&l);
    fd_gen_regress(&l, first_final, KVS__DTLS_HT_SERVER_HELLO, KVS__DTLS_HT_SERVER_DONE);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <existing corpus directory of the %s target>\n", argv[0],
                FD_CLIENT ? "client" : "server");
        return 2;
    }
    fd_dir = argv[1];
    if (FD_CLIENT)
        fd_gen_client();
    else
        fd_gen_server();
    if (fd_bad)
        fprintf(stderr, "a real seed did not reach its milestone\n");
    return fd_bad;
}

#endif /* KVS_FUZZ_MAKE_SEEDS */
