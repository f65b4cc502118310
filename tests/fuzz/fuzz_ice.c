/* libFuzzer target: the ICE agent's input (>>ice, >>ice-check): datagrams from anywhere on its
   host socket, in an agent that has a host candidate, two remote candidates, the remote
   credentials and a TURN server over UDP (so the input may also reach the TURN client).
   Input: byte 0 flags (bit 0 controlling, bit 1 the remote credentials set, bit 2 datagrams
   claim to come from the TURN server, bit 3 from the first remote candidate); then records of a
   2-byte length (top bit: advance the clock to the agent's deadline first) and the datagram.
   After each record the agent's output is drained and every datagram it sends is checked: STUN
   with a valid FINGERPRINT (checks and answers also a MESSAGE-INTEGRITY that checks with the
   password of the side that must verify it), or TURN framing towards the TURN server. */
#include "fuzz_common.h"

static void fz_data(void *ctx, const uint8_t *p, size_t n) {
    (void)ctx;
    fz_check(n > 0 && p[0] > 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kvs__ice a;
    static uint8_t buf[2048];
    kvs_testing_rng seed;
    kvs_platform pf;
    kvs__rng rng;
    kvs__log lg;
    kvs__ice_cfg cfg;
    kvs__ice_cb cb;
    kvs__ice_cand c;
    kvs_addr host, turn, r1, r2, from;
    int guard = 0, k;
    size_t pos = 1, len;
    kvs_time now = KVS_SEC(100);
    kvs__ice_route r;
    static const char l1[] = "candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host";
    static const char l2[] = "candidate:2 1 udp 1686052607 203.0.113.9 6000 typ srflx raddr 10.0.0.2 rport 5000";
    if (size < 1)
        return 0;
    memset(&pf, 0, sizeof pf);
    kvs_testing_rng_seed(&seed, 3);
    pf.user = &seed;
    pf.random = fz_random;
    kvs__log_init(&lg, &pf, &guard, KVS_LOG_ERROR);
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    memset(&cfg, 0, sizeof cfg);
    cfg.controlling = data[0] & 1;
    memset(&cb, 0, sizeof cb);
    cb.data = fz_data;
    fz_check(kvs__ice_init(&a, &cfg, &cb, &rng, &lg) == KVS_OK);
    kvs_addr_parse(&host, "10.0.0.1", 8, 4000);
    kvs_addr_parse(&turn, "198.51.100.1", 12, 3478);
    kvs_addr_parse(&r1, "10.0.0.2", 8, 5000);
    kvs_addr_parse(&r2, "198.51.100.77", 13, 7777);
    fz_check(kvs__ice_add_host(&a, 0, &host) == KVS_OK);
    fz_check(kvs__ice_add_turn_server(&a, 0, &turn, KVS__TURN_UDP, "u", 1, "p", 1, now, NULL) == KVS_OK);
    fz_check(kvs__ice_cand_parse(l1, sizeof l1 - 1, &c) == KVS_OK && kvs__ice_add_remote(&a, &c) == KVS_OK);
    fz_check(kvs__ice_cand_parse(l2, sizeof l2 - 1, &c) == KVS_OK && kvs__ice_add_remote(&a, &c) == KVS_OK);
    if (data[0] & 2)
        fz_check(kvs__ice_set_remote(&a, "rufrag", 6, "remote-password-0123456789", 26) == KVS_OK);
    from = data[0] & 4 ? turn : data[0] & 8 ? r1 : r2;
    while (pos + 2 <= size) {
        size_t n = (size_t)(data[pos] << 8 | data[pos + 1]) & 0x7fff;
        int step = data[pos] >> 7;
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        if (step) {
            kvs_time d = kvs__ice_deadline(&a);
            now = d != KVS_TIME_NEVER && d > now ? d : now + KVS_MSEC(100);
        }
        kvs__ice_input(&a, 0, &from, data + pos, n, now);
        pos += n;
        for (k = 0; k < 32 && kvs__ice_output(&a, &r, buf, sizeof buf, &len, now) == KVS_OK; k++) {
            kvs__stun_msg m;
            fz_check(r.kind == KVS__ICE_ROUTE_UDP && r.sock == 0 && len > 0 && len <= sizeof buf);
            if (kvs_addr_equal(&r.to, &turn)) {
                fz_check(kvs__stun_is(buf, len) || (buf[0] >= 0x40 && buf[0] <= 0x4f));
                continue;
            }
            fz_check(kvs__stun_parse(buf, len, &m) == KVS_OK);
            fz_check(kvs__stun_check_fingerprint(&m) == KVS_OK);
            if (m.cls == KVS__STUN_REQUEST)
                fz_check(kvs__stun_check_integrity(&m, "remote-password-0123456789", 26) == KVS_OK);
            else if (m.cls == KVS__STUN_SUCCESS)
                fz_check(kvs__stun_check_integrity(&m, a.lpwd, 24) == KVS_OK);
        }
        fz_check(a.state >= KVS__ICE_NEW && a.state <= KVS__ICE_CLOSED);
        fz_check(a.nresp >= 0 && a.nresp <= KVS__ICE_RESPONSES);
    }
    kvs__ice_deinit(&a);
    return 0;
}
