/* libFuzzer target: the SDP parser and the JSEP answer writer (>>sdp).
   Invariants checked beyond memory safety:
   - the parser returns one of its documented results; a refusal names a log item and a line
     number no larger than the input's line count;
   - an accepted description's views (mids, ufrag / pwd, m= tokens, section texts, BUNDLE mids,
     msid) all lie inside the input; counts stay within KVS_SDP_MAX_MEDIA /
     KVS_SDP_MAX_CANDIDATES; the transport and data channel indexes are valid sections;
     kvs__sdp_attr_next walks every section with values inside it;
   - the answer to any accepted description is written (its size measured first), parses again,
     and has the JSEP shape: the same sections in the same order with the same media tokens and
     mids, the data channel section (if any) accepted on the transport, every other one port 0. */
#include "fuzz_common.h"

static int fz_in(const kvs_str v, const char *p, size_t n) {
    return !v.p || (v.p >= p && v.n <= n && v.p + v.n <= p + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kvs__sdp s, a;
    static char out[32768];
    static const uint8_t fp[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    const char *p = (const char *)data;
    kvs__sdp_local l;
    size_t i, lines = 1, need = 0, len = 0, pos;
    int k, dc, adc;
    uint16_t port;
    uint64_t mms;
    kvs_str v;
    kvs_result r = kvs__sdp_parse(p, size, &s);
    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (r != KVS_OK) {
        fz_check(r == KVS_ERR_PARSE || r == KVS_ERR_UNSUPPORTED || r == KVS_ERR_LIMIT);
        fz_check(s.err_item > KVS_LOG_NONE && s.err_item < KVS_LOG_ITEM_COUNT_);
        fz_check(s.err_line >= 0 && (size_t)s.err_line <= lines);
        return 0;
    }
    fz_check(s.err_item == 0 && s.err_line == 0);
    fz_check(s.nmedia >= 0 && s.nmedia <= KVS_SDP_MAX_MEDIA && s.nbundle <= KVS_SDP_MAX_MEDIA);
    fz_check(s.ncand >= 0 && s.ncand <= KVS_SDP_MAX_CANDIDATES);
    fz_check(s.tr.media >= -1 && s.tr.media < s.nmedia);
    fz_check(fz_in(s.tr.ufrag, p, size) && fz_in(s.tr.pwd, p, size));
    if (s.tr.media >= 0)
        fz_check(s.tr.ufrag.p && s.tr.pwd.p && s.tr.ufrag.n >= 4 && s.tr.pwd.n >= 22);
    for (k = 0; k < s.nbundle; k++)
        fz_check(fz_in(s.bundle[k], p, size) && kvs__sdp_find_mid(&s, s.bundle[k]) >= 0);
    for (k = 0; k < s.nmedia; k++) {
        const kvs__sdp_media *m = &s.media[k];
        fz_check(m->text.p && fz_in(m->text, p, size));
        fz_check(fz_in(m->media, m->text.p, m->text.n) && fz_in(m->proto, m->text.p, m->text.n) &&
                 fz_in(m->fmts, m->text.p, m->text.n) && fz_in(m->mid, m->text.p, m->text.n) &&
                 fz_in(m->msid, m->text.p, m->text.n) && fz_in(m->lv.ufrag, m->text.p, m->text.n) &&
                 fz_in(m->lv.pwd, m->text.p, m->text.n));
        fz_check(m->media.n > 0 && m->proto.n > 0 && m->nfmts > 0);
        fz_check(m->dir >= KVS__SDP_SENDRECV && m->dir <= KVS__SDP_INACTIVE);
        fz_check(!s.has_bundle || m->mid.p);
        pos = 0;
        while (kvs__sdp_attr_next(&s, k, "rtpmap", &pos, &v))
            fz_check(fz_in(v, m->text.p, m->text.n));
        fz_check(pos <= m->text.n);
    }
    pos = 0;
    while (kvs__sdp_attr_next(&s, -1, "group", &pos, &v))
        fz_check(fz_in(v, p, size));
    dc = kvs__sdp_datachannel(&s, &port, &mms);
    fz_check(dc >= -1 && dc < s.nmedia);
    if (dc >= 0)
        fz_check(s.tr.media >= 0 && s.media[dc].kind == KVS__SDP_APPLICATION);
    /* the answer */
    memset(&l, 0, sizeof l);
    l.ufrag = "fuzz";
    l.pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    l.fingerprint = fp;
    l.session_id = 1;
    r = kvs__sdp_write_answer(&s, &l, NULL, 0, &need);
    fz_check(r == KVS_ERR_BUFFER_TOO_SMALL && need > 0);
    fz_check(need <= sizeof out); /* bounded by the input's m-lines plus fixed lines */
    r = kvs__sdp_write_answer(&s, &l, out, sizeof out, &len);
    fz_check(r == KVS_OK && len + 1 == need && strlen(out) == len);
    r = kvs__sdp_parse(out, len, &a);
    fz_check(r == KVS_OK);
    fz_check(a.nmedia == s.nmedia);
    adc = kvs__sdp_datachannel(&a, NULL, NULL);
    fz_check(adc == dc);
    for (k = 0; k < s.nmedia; k++) {
        fz_check(kvs__sdp_str_eq(a.media[k].media, s.media[k].media));
        fz_check(!s.media[k].mid.p || kvs__sdp_str_eq(a.media[k].mid, s.media[k].mid));
        fz_check(k == dc ? a.media[k].port == 9 : a.media[k].port == 0);
    }
    if (dc >= 0)
        fz_check(a.tr.media == dc && memcmp(a.tr.fingerprint, fp, 32) == 0 &&
                 (a.tr.setup == KVS__SDP_SETUP_ACTIVE || a.tr.setup == KVS__SDP_SETUP_PASSIVE));
    else
        fz_check(a.tr.media == -1);
    return 0;
}
