/* libFuzzer target: the SCTP chunk-list and INIT parameter parsers (>>sctp). The input is the
   chunk list of one packet (what follows the 12-byte common header).
   Invariants checked beyond memory safety:
   - kvs__sctp_chunk_next walks the list front to back: every body lies inside the input, right
     after its 4-byte header, its length is the length field minus 4, and the walk ends (at the
     end, or with -1 exactly when a length field is below 4 or runs past the input);
   - a chunk re-encoded with the writer the engine sends with (header, body, zero padding) gives
     the input's bytes back, padding aside;
   - for INIT and INIT-ACK bodies kvs__sctp_init_params returns 0 or 1 and a cookie, when found,
     lies inside the body;
   - the same bytes as a packet with a correct header (the association's tag, 0 before an INIT)
     and CRC-32c go into an association that is listening and one that has sent its INIT; what
     they send fits the MTU, and all their memory comes back. */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_random(void *user, void *buf, size_t len) {
    return kvs_testing_random((kvs_testing_rng *)user, buf, len);
}

static void fz_feed(uint8_t *pkt, size_t n, int connect) {
    static kvs_testing_rng seed;
    kvs_platform pf;
    kvs__rng rng;
    kvs__mem mem;
    kvs__log lg;
    kvs__sctp s;
    kvs__sctp_cfg cfg;
    uint8_t out[1500];
    size_t len;
    int k, guard = 0;
    KVS_MEMSET(&cfg, 0, sizeof cfg);
    KVS_MEMSET(&pf, 0, sizeof pf);
    kvs_testing_rng_seed(&seed, 0x736374702d667aULL);
    pf.user = &seed;
    pf.random = fz_random;
    kvs__log_init(&lg, &pf, &guard, KVS_LOG_ERROR);
    if (kvs__mem_init(&mem, &pf, &guard, &lg, 0) != KVS_OK)
        abort();
    kvs__crypto_rng_init(&rng, &pf, &guard, &lg);
    if (kvs__sctp_init(&s, &cfg, NULL, &rng, &lg, &mem, KVS_SEC(1)) != KVS_OK)
        abort();
    if (connect && kvs__sctp_connect(&s, KVS_SEC(1)) != KVS_OK)
        abort();
    /* the association's own tag unless the packet starts with an INIT */
    kvs__put_u32(pkt + 8, 0);
    kvs__put_u32(pkt + 4, n > 12 && pkt[12] == KVS__SCTP_INIT ? 0 : s.my_tag);
    kvs__sctp_pkt_end(pkt, n);
    kvs__sctp_input(&s, pkt, n, KVS_SEC(1));
    for (k = 0; k < 8; k++) {
        kvs_result r = kvs__sctp_output(&s, out, sizeof out, &len, KVS_SEC(1));
        if (r == KVS_ERR_AGAIN)
            break;
        if (r != KVS_OK || len < 16 || len > s.cfg.mtu)
            abort();
    }
    kvs__sctp_deinit(&s);
    if (mem.st.current != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t re[70000], pkt[70000];
    kvs__rd r, body;
    kvs__wr w;
    size_t pos = 0;
    uint8_t type, flags;
    uint16_t len;
    int more;
    if (size > 65535 - 12)
        return 0;
    kvs__rd_init(&r, data, size);
    for (;;) {
        size_t at, n;
        more = kvs__sctp_chunk_next(&r, &type, &flags, &len, &body);
        if (more == 0) {
            if (size - pos >= 4)
                abort();
            break;
        }
        if (more < 0) {
            uint16_t lf = (uint16_t)(data[pos + 2] << 8 | data[pos + 3]);
            if (size - pos < 4 || (lf >= 4 && (size_t)lf - 4 <= size - pos - 4))
                abort();
            break;
        }
        /* the body: right after the header, inside the input, length - 4 bytes */
        if (len != (uint16_t)(data[pos + 2] << 8 | data[pos + 3]) || type != data[pos] ||
            flags != data[pos + 1] || body.p != data + pos + 4 || kvs__rd_left(&body) != len - 4u)
            abort();
        /* re-encoded, the same bytes */
        kvs__wr_init(&w, re, sizeof re);
        at = kvs__sctp_chunk_begin(&w, type, flags);
        kvs__wr_bytes(&w, body.p, kvs__rd_left(&body));
        kvs__sctp_chunk_end(&w, at);
        if (w.err || w.len < len || w.len > (size_t)len + 3 || memcmp(re, data + pos, len) != 0)
            abort();
        for (n = len; n < w.len; n++)
            if (re[n])
                abort();
        if ((type == KVS__SCTP_INIT || type == KVS__SCTP_INIT_ACK) && kvs__rd_left(&body) >= 16) {
            kvs__rd params = body;
            int fwd, reconf, ok;
            const uint8_t *cookie;
            size_t cookie_len;
            kvs__rd_skip(&params, 16);
            ok = kvs__sctp_init_params(&params, &fwd, &reconf, &cookie, &cookie_len);
            if (ok != 0 && ok != 1)
                abort();
            if (cookie && (cookie < body.p + 16 ||
                           cookie + cookie_len > body.p + kvs__rd_left(&body)))
                abort();
        }
        /* the reader moved to the next chunk (padding skipped, at most to the end) */
        n = (size_t)(r.p - data);
        if (n < pos + len || n > pos + len + 3u || n > size)
            abort();
        pos = n;
    }
    /* as a packet: ports 5000, the tag and CRC-32c filled in by fz_feed */
    memset(pkt, 0, 12);
    pkt[0] = pkt[2] = 0x13;
    pkt[1] = pkt[3] = 0x88;
    memcpy(pkt + 12, data, size);
    {
        size_t n = (12 + size + 3) & ~(size_t)3;
        memset(pkt + 12 + size, 0, n - 12 - size);
        fz_feed(pkt, n, 0);
        fz_feed(pkt, n, 1);
    }
    return 0;
}
