/* libFuzzer target: the STUN message parser and its accessors (>>stun).
   Invariants checked beyond memory safety:
   - an accepted message has its length field equal to the input length - 20, a multiple of 4;
     every indexed attribute lies inside the message, after the header, in increasing order;
     FINGERPRINT, when indexed, is the last attribute of the input;
   - every accessor (addresses, integers, ERROR-CODE, integrity with a fixed key, fingerprint)
     returns one of its documented results, and a decoded address has a known family;
   - a message rebuilt from the parsed attributes with the builder (same type, transaction id,
     attribute values; integrity and fingerprint recomputed) parses again to the same attributes,
     and its integrity and fingerprint check. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t out[70000];
    kvs__stun_msg m, m2;
    kvs__wr w;
    kvs_addr a;
    size_t len, i;
    int code, k, last_off = 0;
    const char *reason;
    uint32_t u32;
    uint64_t u64;
    kvs_result r;
    static const uint16_t addrs[5] = {KVS__STUN_A_MAPPED_ADDRESS, KVS__STUN_A_XOR_MAPPED_ADDRESS,
                                      KVS__STUN_A_XOR_PEER_ADDRESS, KVS__STUN_A_XOR_RELAYED_ADDRESS,
                                      KVS__STUN_A_ALTERNATE_SERVER};
    r = kvs__stun_parse(data, size, &m);
    if (r != KVS_OK) {
        fz_check(r == KVS_ERR_PARSE || r == KVS_ERR_LIMIT);
        return 0;
    }
    fz_check(size >= 20 && kvs__get_u16(data + 2) + 20u == size && (size & 3u) == 0);
    for (k = 0; k < m.nattrs; k++) {
        fz_check(m.attrs[k].off >= 24 && (size_t)m.attrs[k].off + m.attrs[k].len <= size);
        fz_check(m.attrs[k].off > last_off);
        last_off = m.attrs[k].off;
    }
    if (m.fp >= 0)
        fz_check(m.fp == m.nattrs - 1 && (size_t)m.attrs[m.fp].off + 4 == size);
    for (k = 0; k < 5; k++) {
        r = kvs__stun_get_addr(&m, addrs[k], &a);
        fz_check(r == KVS_OK || r == KVS_ERR_NOT_FOUND || r == KVS_ERR_PARSE);
        if (r == KVS_OK)
            fz_check(a.family == KVS_AF_INET || a.family == KVS_AF_INET6);
    }
    r = kvs__stun_get_u32(&m, KVS__STUN_A_PRIORITY, &u32);
    fz_check(r == KVS_OK || r == KVS_ERR_NOT_FOUND);
    r = kvs__stun_get_u64(&m, KVS__STUN_A_ICE_CONTROLLING, &u64);
    fz_check(r == KVS_OK || r == KVS_ERR_NOT_FOUND);
    r = kvs__stun_get_error(&m, &code, &reason, &len);
    fz_check(r == KVS_OK || r == KVS_ERR_NOT_FOUND || r == KVS_ERR_PARSE);
    if (r == KVS_OK)
        fz_check(code >= 300 && code <= 699 && reason + len <= (const char *)data + size);
    r = kvs__stun_check_integrity(&m, "key", 3);
    fz_check(r == KVS_OK || r == KVS_ERR_NOT_FOUND || r == KVS_ERR_AUTH);
    r = kvs__stun_check_fingerprint(&m);
    fz_check(r == KVS_OK || r == KVS_ERR_NOT_FOUND || r == KVS_ERR_AUTH);
    /* rebuild: the same attributes (integrity and fingerprint recomputed with "key") */
    kvs__wr_init(&w, out, sizeof out);
    kvs__stun_begin(&w, m.method, m.cls, m.txid);
    for (k = 0; k < m.nattrs; k++) {
        uint16_t t = m.attrs[k].type;
        if (t == KVS__STUN_A_MESSAGE_INTEGRITY || t == KVS__STUN_A_MESSAGE_INTEGRITY_SHA256 ||
            t == KVS__STUN_A_FINGERPRINT)
            continue;
        kvs__stun_put(&w, t, data + m.attrs[k].off, m.attrs[k].len);
    }
    kvs__stun_put_integrity(&w, "key", 3);
    kvs__stun_put_fingerprint(&w);
    if (kvs__wr_result(&w, &len) != KVS_OK)
        return 0; /* larger than 64 KiB with the two attributes added */
    r = kvs__stun_parse(out, len, &m2);
    if (r == KVS_ERR_LIMIT)
        return 0; /* integrity and fingerprint pushed it over the attribute limit */
    fz_check(r == KVS_OK);
    fz_check(m2.method == m.method && m2.cls == m.cls && memcmp(m2.txid, m.txid, 12) == 0);
    fz_check(kvs__stun_check_integrity(&m2, "key", 3) == KVS_OK);
    fz_check(kvs__stun_check_fingerprint(&m2) == KVS_OK);
    for (k = 0, i = 0; k < m.nattrs; k++) {
        uint16_t t = m.attrs[k].type;
        if (t == KVS__STUN_A_MESSAGE_INTEGRITY || t == KVS__STUN_A_MESSAGE_INTEGRITY_SHA256 ||
            t == KVS__STUN_A_FINGERPRINT)
            continue;
        fz_check(m2.attrs[i].type == t && m2.attrs[i].len == m.attrs[k].len &&
                 memcmp(out + m2.attrs[i].off, data + m.attrs[k].off, m.attrs[k].len) == 0);
        i++;
    }
    return 0;
}
