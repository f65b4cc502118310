/* libFuzzer target: the TURN client's input (>>turn): STUN responses and indications,
   ChannelData, and the TCP / TLS stream framing, fed to an allocation that is set up by a genuine
   exchange first (401, authenticated Allocate, a permission and a bound channel).
   Input: byte 0 picks the mode: bit 0 stream (else datagrams), bits 1-2 how the allocation is
   left before the input (0 allocated, 1 allocating after the 401, 2 allocating before any
   answer, 3 deallocating); the rest is records of a 2-byte length and that many bytes (stream
   mode: chunks of the stream), each followed by a clock step of up to 64 s and a run of the
   timers and the output.
   Invariants beyond memory safety: every request the client sends parses as STUN with a valid
   FINGERPRINT and, once the server asked for credentials, a MESSAGE-INTEGRITY that checks with
   the long-term key; data handed up is never longer than the datagram it came in (on a stream: than the frame
   buffer); the state is one
   of the defined ones; the stream buffer never holds more than its size. */
#include "fuzz_common.h"

static size_t fz_frame;

static void fz_data(void *ctx, const kvs_addr *peer, const uint8_t *p, size_t n) {
    (void)ctx;
    (void)peer;
    (void)p;
    fz_check(n <= fz_frame);
}

/* The request going out now, checked; 1 when there was one (parsed into m). */
static int fz_out(kvs__turn *t, uint8_t *buf, size_t cap, kvs__stun_msg *m, kvs_time now) {
    size_t len;
    kvs_result r = kvs__turn_output(t, buf, cap, &len, now);
    if (r != KVS_OK)
        return 0;
    fz_check(kvs__stun_parse(buf, len, m) == KVS_OK);
    fz_check(kvs__stun_check_fingerprint(m) == KVS_OK);
    if (t->have_key)
        fz_check(kvs__stun_check_integrity(m, t->key, 16) == KVS_OK);
    return 1;
}

static void fz_answer(kvs__turn *t, const kvs__stun_msg *m, int code, const uint8_t *key, kvs_time now) {
    uint8_t out[256];
    kvs__wr w;
    size_t len;
    kvs_addr a;
    kvs__wr_init(&w, out, sizeof out);
    kvs__stun_begin(&w, m->method, code ? KVS__STUN_ERROR : KVS__STUN_SUCCESS, m->txid);
    if (code) {
        kvs__stun_put_error(&w, code, "Unauthorized");
        kvs__stun_put(&w, KVS__STUN_A_REALM, "kvs.test", 8);
        kvs__stun_put(&w, KVS__STUN_A_NONCE, "nonce", 5);
    } else if (m->method == KVS__STUN_ALLOCATE) {
        kvs_addr_parse(&a, "192.0.2.10", 10, 50000);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_RELAYED_ADDRESS, &a);
        kvs__stun_put_u32(&w, KVS__STUN_A_LIFETIME, 600);
    }
    if (key)
        kvs__stun_put_integrity(&w, key, 16);
    kvs__stun_put_fingerprint(&w);
    if (kvs__wr_result(&w, &len) == KVS_OK) {
        fz_frame = len;
        kvs__turn_input(t, out, len, now);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kvs__turn t;
    static uint8_t buf[4096];
    kvs_testing_rng seed;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log lg;
    kvs__turn_cb cb;
    kvs__stun_msg m;
    kvs_addr server, peer;
    uint8_t key[16];
    int guard = 0, stream, setup, k;
    size_t pos = 1;
    kvs_time now = KVS_SEC(100);
    if (size < 1)
        return 0;
    stream = data[0] & 1;
    setup = (data[0] >> 1) & 3;
    memset(&pf, 0, sizeof pf);
    kvs_testing_rng_seed(&seed, 5);
    pf.user = &seed;
    pf.random = fz_random;
    kvs__log_init(&lg, &pf, &guard, KVS_LOG_ERROR);
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    memset(&cb, 0, sizeof cb);
    cb.data = fz_data;
    kvs_addr_parse(&server, "192.0.2.10", 10, 3478);
    kvs_addr_parse(&peer, "203.0.113.5", 11, 6000);
    kvs__stun_long_term_key("kvsuser", 7, "kvs.test", 8, "kvspass", 7, key);
    fz_check(kvs__turn_init(&t, &server, stream ? KVS__TURN_TCP : KVS__TURN_UDP, "kvsuser", 7, "kvspass", 7, &cb,
                            &rng, &lg) == KVS_OK);
    fz_check(kvs__turn_start(&t, now) == KVS_OK);
    if (setup != 2) {
        fz_check(fz_out(&t, buf, sizeof buf, &m, now));
        fz_answer(&t, &m, 401, NULL, now);
    }
    if (setup == 0 || setup == 3) {
        fz_check(fz_out(&t, buf, sizeof buf, &m, now));
        fz_answer(&t, &m, 0, key, now);
        fz_check(t.state == KVS__TURN_ALLOCATED);
        fz_check(kvs__turn_permit(&t, &peer, now) == KVS_OK);
        for (k = 0; k < 2 && fz_out(&t, buf, sizeof buf, &m, now); k++)
            fz_answer(&t, &m, 0, key, now);
        if (setup == 3)
            kvs__turn_close(&t, now);
    }
    while (pos + 2 <= size) {
        size_t n = (size_t)(data[pos] << 8 | data[pos + 1]) & 0x7fff;
        int step = data[pos] >> 7;
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        fz_frame = stream ? sizeof t.rx : n; /* a stream frame may span several chunks */
        if (stream)
            kvs__turn_stream_input(&t, data + pos, n, now);
        else
            kvs__turn_input(&t, data + pos, n, now);
        fz_check(t.rx_len <= sizeof t.rx);
        fz_check(t.state >= KVS__TURN_IDLE && t.state <= KVS__TURN_FAILED);
        pos += n;
        if (step) {
            kvs_time d = kvs__turn_deadline(&t);
            now = d != KVS_TIME_NEVER && d > now ? d : now + KVS_SEC(1);
        }
        kvs__turn_timeout(&t, now);
        for (k = 0; k < 8 && fz_out(&t, buf, sizeof buf, &m, now); k++)
            ;
        {
            size_t len;
            kvs_result r = kvs__turn_wrap(&t, &peer, "data", 4, buf, sizeof buf, &len);
            fz_check(r == KVS_OK || r == KVS_ERR_STATE);
        }
    }
    kvs__turn_deinit(&t);
    return 0;
}
