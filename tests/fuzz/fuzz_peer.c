/* libFuzzer target: a peer connection behind the public API (>>api-peer, >>peer-host, >>peer).
   Client A offers, client B answers (real SDP text, host candidates 10.0.0.1 / 10.0.0.2); then
   the input drives B: records of a 2-byte length and a body. Top bit of the length: advance the
   clock to B's next timeout first. Next bit: the body is not a datagram but an API call chosen
   by its first byte (a trickled candidate line, open / send / close a channel, a remote answer
   taken again, end-of-candidates). Otherwise the body is a datagram from A's address to B's
   socket. After each record B's events are drained and checked: known types, TRANSMIT datagrams
   on B's socket within the MTU, candidate lines NUL-terminated, message data within bounds, the
   heap within kvs_peer_memory_size + kvs_client_queue_size, nothing left after deinit. */
#include "fuzz_common.h"
#include "../kvs_test_certs.h"
static kvs_time fz_now(void *user) {
    (void)user;
    return 0;
}
static int64_t fz_unix(void *user) {
    (void)user;
    return 1735689600;
}

static void fz_cert(kvs_cert *c, const unsigned char *der, size_t n, const unsigned char *key) {
    memset(c, 0, sizeof *c);
    memcpy(c->der, der, n);
    c->der_len = n;
    memcpy(c->key, key, 32);
    kvs__crypto_sha256(der, n, c->fingerprint);
}

typedef struct fz_side {
    kvs_testing_rng rng;
    kvs_platform pf;
    kvs_client c;
    kvs_peer_id id;
    kvs_sock sock;
    kvs_addr addr;
} fz_side;

static kvs_cert CERT_A, CERT_B;

static void fz_side_init(fz_side *s, uint64_t seed, const kvs_cert *cert, const char *ip, kvs_time now) {
    kvs_peer_config pc;
    memset(s, 0, sizeof *s);
    kvs_testing_rng_seed(&s->rng, seed);
    s->pf.user = &s->rng;
    s->pf.random = fz_random;
    s->pf.now = fz_now;
    s->pf.unix_time = fz_unix;
    fz_check(kvs_client_init(&s->c, NULL, &s->pf) == KVS_OK);
    s->sock = (kvs_sock)seed;
    kvs_addr_parse(&s->addr, ip, strlen(ip), 5000);
    memset(&pc, 0, sizeof pc);
    pc.cert = cert;
    pc.sockets = &s->sock;
    pc.socket_addresses = &s->addr;
    pc.n_sockets = 1;
    fz_check(kvs_peer_create(&s->c, &pc, now, &s->id) == KVS_OK);
}

static void fz_drain(fz_side *s, kvs_time now) {
    kvs_event ev;
    kvs_memory_stats ms;
    kvs_config cc;
    kvs_peer_config pc;
    while (kvs_client_poll(&s->c, now, &ev) == KVS_OK) {
        fz_check(ev.type >= KVS_EV_TRANSMIT_UDP && ev.type <= KVS_EV_DC_BUFFERED_LOW);
        fz_check(ev.type != KVS_EV_RESOLVE && ev.type != KVS_EV_TCP_CONNECT && ev.type != KVS_EV_TRANSMIT_TCP);
        if (ev.type == KVS_EV_TRANSMIT_UDP)
            fz_check(ev.u.transmit.sock == s->sock && ev.u.transmit.len > 0 && ev.u.transmit.len <= 1200);
        if (ev.type == KVS_EV_PEER_CANDIDATE)
            fz_check(ev.u.candidate.line[ev.u.candidate.len] == 0);
        if (ev.type == KVS_EV_DC_MESSAGE) {
            volatile uint8_t sink = 0;
            size_t i;
            fz_check(ev.u.dc.len <= 256u * 1024u);
            for (i = 0; i < ev.u.dc.len; i++)
                sink ^= ev.u.dc.data[i]; /* the bytes are readable */
            (void)sink;
        }
        if (ev.type == KVS_EV_DC_OPEN)
            fz_check(strlen(ev.u.dc.label) <= KVS_DC_LABEL_MAX && strlen(ev.u.dc.protocol) <= KVS_DC_LABEL_MAX);
    }
    memset(&cc, 0, sizeof cc);
    memset(&pc, 0, sizeof pc);
    kvs_client_memory_stats(&s->c, &ms);
    fz_check(ms.current <= kvs_peer_memory_size(&cc, &pc) + kvs_client_queue_size(&cc));
}

/* An API call chosen by b[0]. */
static void fz_call(fz_side *s, const uint8_t *b, size_t n, const char *answer, size_t alen, kvs_time now) {
    kvs_dc_config dc;
    uint16_t id;
    if (n == 0)
        return;
    switch (b[0] % 6) {
    case 0:
        (void)kvs_peer_add_candidate(&s->c, s->id, (const char *)b + 1, n - 1, now);
        break;
    case 1:
        memset(&dc, 0, sizeof dc);
        dc.label = "fz";
        dc.type = n > 1 ? b[1] : 0;
        dc.reliability = n > 2 ? b[2] : 0;
        dc.negotiated = n > 3 && (b[3] & 1);
        dc.id = n > 4 ? b[4] : -1;
        (void)kvs_dc_open(&s->c, s->id, &dc, &id);
        break;
    case 2:
        (void)kvs_dc_send(&s->c, s->id, n > 1 ? b[1] : 0, b, n, (int)(n & 1));
        break;
    case 3:
        (void)kvs_dc_close(&s->c, s->id, n > 1 ? b[1] : 0);
        break;
    case 4:
        (void)kvs_peer_set_answer(&s->c, s->id, answer, alen, NULL, now);
        (void)kvs_peer_answer(&s->c, s->id, (const char *)b + 1, n - 1, NULL, 0, &alen, NULL, now);
        break;
    default:
        (void)kvs_peer_add_candidate(&s->c, s->id, NULL, 0, now);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static fz_side a, b;
    static char offer[8192], answer[8192];
    static int certs;
    size_t ol, al, pos = 0;
    kvs_time now = KVS_SEC(100);
    if (!certs) {
        fz_cert(&CERT_A, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
        fz_cert(&CERT_B, kvs_fx_ec_b_der, sizeof kvs_fx_ec_b_der, kvs_fx_ec_b_key);
        certs = 1;
    }
    fz_side_init(&a, 11, &CERT_A, "10.0.0.1", now);
    fz_side_init(&b, 22, &CERT_B, "10.0.0.2", now);
    fz_check(kvs_peer_create_offer(&a.c, a.id, offer, sizeof offer, &ol, now) == KVS_OK);
    fz_check(kvs_peer_answer(&b.c, b.id, offer, ol, answer, sizeof answer, &al, NULL, now) == KVS_OK);
    fz_drain(&b, now);
    while (pos + 2 <= size) {
        size_t len = ((size_t)(data[pos] & 0x3f) << 8) | data[pos + 1];
        int tick = data[pos] & 0x80, call = data[pos] & 0x40;
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        if (tick) {
            kvs_time t = kvs_client_next_timeout(&b.c);
            if (t != KVS_TIME_NEVER && t > now)
                now = t;
            (void)kvs_client_handle_timeout(&b.c, now);
        }
        if (call)
            fz_call(&b, data + pos, len, answer, al, now);
        else if (kvs_client_handle_datagram(&b.c, b.sock, &a.addr, data + pos, len, now) == KVS_ERR_AGAIN)
            fz_drain(&b, now);
        pos += len;
        fz_drain(&b, now);
    }
    kvs_client_deinit(&a.c);
    kvs_client_deinit(&b.c);
    return 0;
}
