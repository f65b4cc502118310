/* fuzz_sctp_assoc.c - libFuzzer target for the SCTP association (>>sctp, >>sctp-data,
   >>sctp-io): the packet and chunk parsers of kvs__sctp_input and everything they drive (setup,
   DATA / SACK, congestion control, PR-SCTP, stream reset, shutdown, abort), with one association
   fed arbitrary packets in each of its starting states. (fuzz_sctp_chunks.c fuzzes the chunk
   and parameter parsers alone.)

   Input. Each input drives one fresh association ("the endpoint"):
     byte 0   flags (below);
     then     records, each starting with a 2-byte big-endian word W:
              W & 0x8000 == 0: a packet of W & 0x7ff bytes follows;
              W & 0x8000 != 0: an API call: op = (W >> 8) & 7, p = W & 0xff, and one more byte q;
              in both, (W >> 11) & 15 picks how far the virtual clock moves first (sx_ticks: 0 to
              64 s). A length running past the end of the input, or a tail shorter than the word,
              makes the rest of the input one last packet.
   flags    0x03  the starting state: 0 CLOSED (listening), 1 COOKIE_WAIT (kvs__sctp_connect has
                  run and its INIT has gone out), 2 ESTABLISHED by a genuine handshake initiated
                  by a second association (the peer) before the first record, 3 the same with the
                  endpoint initiating. RNG seeds are fixed (SX_SEED_A for the peer, SX_SEED_B for
                  the endpoint), so the verification tags and initial TSNs are always the same.
            0x04  fix tag and CRC: every packet is padded with zeros to a multiple of 4, gets ports
                  5000 / 5000, the endpoint's verification tag (0 when its first chunk is an INIT,
                  the peer's tag for an ABORT or SHUTDOWN COMPLETE with the T bit) and a correct
                  CRC-32c, so that mutations reach the chunk parsers; without it packets go in as
                  given.
            0x18  configuration (sx_config): 0 the defaults (MTU 1200, 256 KiB messages); 1 MTU 256
                  with 2000-byte messages and 4 KiB buffers; 2 MTU 577 (not a multiple of 4),
                  16 KiB messages; 3 short timers (RTO 50..800 ms, 3 retransmissions, heartbeat
                  2 s).
            0x20  the message callback calls back into the association by the message's PPID
                  modulo 4: 0 sends part of it back, 2 resets its stream, 3 shuts down (even
                  length) or aborts (odd length).
            0x40  after the last record the peer falls silent: the timers run for 10 virtual
                  minutes.
            0x80  a memory limit on the endpoint's accountant (a quarter of its buffers), so that
                  allocations fail.
   API calls (op): 0 kvs__sctp_send of one message, 1 sixteen of them (fills the buffer): size by
   p (sx_size: 0 = empty, 0xfe = max_message + 1, 0xff = max_message, else 1..62 KiB on a log
   scale, capped at max_message), and by q: stream (q & 7, or 65528 + (q & 7) with q & 8),
   unordered (q & 0x10), reliability (q >> 5: 0-3 reliable, 4 max_rtx 0, 5 max_rtx 2, 6 lifetime
   0, 7 lifetime 500 ms); 2 kvs__sctp_reset_stream(p & 7, or p with p & 0x80); 3 kvs__sctp_shutdown;
   4 kvs__sctp_abort; 5 kvs__sctp_connect; 6 kvs__sctp_timeout whether due or not; 7 the previous
   packet once more (a duplicate). Every packet is an exact-size heap copy (ASan sees reads past
   the end). kvs__sctp_timeout runs whenever kvs__sctp_deadline has come, and kvs__sctp_output is
   drained into a buffer far larger than the MTU after every call that can queue something.

   Invariants (abort on violation):
   - every packet out is 16..MTU bytes, a multiple of 4, with ports 5000 / 5000 and a correct
     CRC-32c (computed here bit by bit, independently of kvs__util_crc32c), and a well-formed
     chunk list: lengths inside the packet, zero padding of at most 3 bytes, nothing after the
     last chunk, only chunk types the engine sends, DATA after every control chunk; INIT,
     INIT-ACK and COOKIE-ECHO alone; the verification tag 0 on INIT and the peer's tag on
     everything else but INIT-ACK. Per chunk: INIT / INIT-ACK carry the endpoint's tag and initial
     TSN and well-formed parameters (INIT-ACK a 64-byte cookie); COOKIE-ECHO is the cookie
     received; SACK has the endpoint's cumulative TSN and window, at most 16 duplicates, gap
     blocks ascending, disjoint, maximal and covering only TSNs actually received; every DATA
     chunk is a chunk of the f_head list, byte for byte; FORWARD-TSN carries adv_peer_ack above
     the peer's cumulative ack; RE-CONFIG only well-formed requests (type 13) and responses (16);
     SHUTDOWN the cumulative TSN; ERROR / ABORT well-formed causes;
   - kvs__sctp_output returns KVS_OK with 0 < len <= MTU, or KVS_ERR_AGAIN with len 0, and a drain
     ends (KVS_ERR_BUFFER_TOO_SMALL with a buffer larger than the MTU would mean control chunks
     overflowed the packet);
   - no DATA before the association came up or after it went down; "up" at most once and never
     after "down", "down" at most once (the association is not restarted);
   - the books, after every call (sx_check_state): the q_head list holds QUEUED chunks only and
     q_tail is its last; the f_head list is in strictly increasing TSN order, every TSN in
     (peer_cum, next_tsn), f_tail its last; flight == the bytes of the chunks in state FLIGHT;
     queued_bytes == the bytes of the chunks of both lists, each chunk's header included
     (abandoned ones too: they keep their place until acknowledged) and <= send_buffer; each stream's buffered ==
     its share of those bytes, and no such chunk belongs to an unused stream; stream ids in use
     are distinct; every held rx[] chunk sits at its TSN modulo the window, its TSN in
     (cum_tsn - WINDOW, cum_tsn + WINDOW], marked received when above cum_tsn; rx_bytes == the
     bytes held and <= recv_buffer; CLOSED holds nothing;
   - memory: the accountant's current bytes equal exactly what the lists and rx[] hold
     (sizeof(kvs__sctp_chunk) + payload per chunk), and during a message callback that plus the
     message (plus one chunk header when the message was a single chunk); hence current <=
     (queued_bytes + abandoned bytes in flight) + rx_bytes + chunks x sizeof(kvs__sctp_chunk) +
     max_message + sizeof(kvs__sctp_chunk). The payload bounds are checked as well: the bytes of
     every chunk on the sending side, abandoned ones included, stay <= send_buffer;
   - messages delivered: 1..max_message bytes, only while up;
   - kvs__sctp_deadline is KVS_TIME_NEVER or later than now once the due timers have run;
   - API results: kvs__sctp_send returns what its arguments and state call for and moves
     queued_bytes by exactly the message size plus a chunk header per fragment when it succeeds; kvs__sctp_connect succeeds only
     from CLOSED before any association;
   - kvs__sctp_deinit brings the accountant back to 0.

   Corpus. tests/fuzz/corpus/sctp_assoc/ is written by the seed generator compiled into this
   file with KVS_FUZZ_MAKE_SEEDS. It runs the target's own driver on the endpoint while a genuine
   peer (the same association code, seed SX_SEED_A) answers, and records what the peer sends as
   packet records next to the endpoint's API calls, so every seed is a real exchange: INIT and
   COOKIE-ECHO (CLOSED), INIT-ACK and COOKIE-ACK (COOKIE_WAIT), and once established DATA
   (ordered, unordered, fragmented), SACK with gap blocks and duplicate TSNs (the endpoint's
   DATA to the peer dropped and duplicated), HEARTBEAT and HEARTBEAT-ACK, FORWARD-TSN (the peer's
   PR-SCTP messages lost), RE-CONFIG requests and responses, SHUTDOWN, SHUTDOWN-ACK,
   SHUTDOWN-COMPLETE, ABORT, ERROR (the peer reporting an unrecognized chunk), a restart attempt
   and a replayed COOKIE-ECHO; with each configuration. It checks that every chunk type appears,
   replays every seed through the target and prints how far each gets. To regenerate, from the
   repository root:
       clang -DKVS_FUZZ_MAKE_SEEDS -g tests/fuzz/fuzz_sctp_assoc.c -o sx_gen -lsrtp2 -lbearssl
       ./sx_gen tests/fuzz/corpus/sctp_assoc
   It overwrites the files it makes and leaves other files (minimised crashes added by hand)
   alone. Regression seeds are named regress_*. The dictionary is tests/fuzz/sctp_assoc.dict.

   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          tests/fuzz/fuzz_sctp_assoc.c -o fuzz_sctp_assoc -lsrtp2 -lbearssl   (or: make fuzz)
   Run:   ./fuzz_sctp_assoc -dict=tests/fuzz/sctp_assoc.dict <a copy of corpus/sctp_assoc> */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SX_NAME
#define SX_NAME "fuzz_sctp_assoc"
#endif

#define SX_CHECK(c)                                                                              \
    do {                                                                                         \
        if (!(c)) {                                                                              \
            fprintf(stderr, SX_NAME ": line %d: invariant failed: %s\n", __LINE__, #c);         \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

#define SX_T0 KVS_SEC(1000)                  /* the virtual clock at the start */
#define SX_SEED_A 0x6b76732d73637441ULL      /* RNG seed of the peer (pair: side A) */
#define SX_SEED_B 0x6b76732d73637442ULL      /* RNG seed of the endpoint (pair: side B) */
#define SX_OUT_CAP 4096                      /* output buffer: far above every MTU used */
#define SX_PKT_MAX 2047                      /* largest packet of a record */

/* Clock steps selected by 4 bits of a record word. */
static const kvs_time sx_ticks[16] = {
    0,              KVS_MSEC(1),   KVS_MSEC(2),   KVS_MSEC(5),   KVS_MSEC(10),  KVS_MSEC(20),
    KVS_MSEC(50),   KVS_MSEC(100), KVS_MSEC(250), KVS_MSEC(500), KVS_SEC(1),    KVS_SEC(2),
    KVS_SEC(4),     KVS_SEC(8),    KVS_SEC(16),   KVS_SEC(64)};

/* The configurations an input can pick. */
static void sx_config(kvs__sctp_cfg *c, unsigned preset) {
    memset(c, 0, sizeof *c);
    switch (preset & 3u) {
    case 1: /* small packets, messages and buffers */
        c->mtu = 256;
        c->max_message = 2000;
        c->send_buffer = 4096;
        c->recv_buffer = 3000;
        break;
    case 2: /* an MTU that is not a multiple of 4 */
        c->mtu = 577;
        c->max_message = 16384;
        c->send_buffer = 32768;
        c->recv_buffer = 20000;
        break;
    case 3: /* short timers */
        c->rto_initial = KVS_MSEC(100);
        c->rto_min = KVS_MSEC(50);
        c->rto_max = KVS_MSEC(800);
        c->max_init_retransmits = 3;
        c->max_retransmits = 3;
        c->heartbeat = KVS_SEC(2);
        break;
    default:
        break;
    }
}

/* --- one association and what its callbacks saw ---------------------------------------------- */

typedef struct sx_ep sx_ep;

struct sx_ep {
    kvs__sctp s;
    kvs__sctp_cfg cfg;
    kvs_platform pf;
    kvs_testing_rng rng;
    kvs__rng krng;
    kvs__log log;
    kvs__mem mem;
    int guard;
    int ups, downs;
    kvs_result why;
    unsigned long msgs, resets, lows, pkts_out, data_out;
    unsigned chunk_types[8]; /* bit t of word t / 32: chunk type t sent */
    /* owner hooks, called after the common checks */
    void (*on_msg)(sx_ep *e, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n);
    void (*on_reset)(sx_ep *e, uint16_t sid);
    void (*on_down)(sx_ep *e);
    void *user;
};

static uint16_t sx_be16(const uint8_t *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t sx_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t sx_le32(const uint8_t *p) {
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* CRC-32c (Castagnoli, reflected 0x82f63b78) bit by bit: independent of the engine's table. */
static uint32_t sx_crc_upd(uint32_t c, const uint8_t *p, size_t n) {
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
    }
    return c;
}

/* The checksum of a packet as it should be stored (the field taken as zero). */
static uint32_t sx_crc_packet(const uint8_t *p, size_t n) {
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t c = 0xffffffffu;
    c = sx_crc_upd(c, p, 8);
    c = sx_crc_upd(c, zero, 4);
    c = sx_crc_upd(c, p + 12, n - 12);
    return ~c;
}

static void sx_put_crc(uint8_t *p, size_t n) {
    uint32_t c = sx_crc_packet(p, n);
    p[8] = (uint8_t)c;
    p[9] = (uint8_t)(c >> 8);
    p[10] = (uint8_t)(c >> 16);
    p[11] = (uint8_t)(c >> 24);
}

/* Bytes the accountant should hold for the lists and rx[]: a chunk is allocated as the struct
   followed by its payload. */
static size_t sx_books(const kvs__sctp *s) {
    const kvs__sctp_chunk *c;
    size_t b = 0;
    int i;
    for (c = s->q_head; c; c = c->next)
        b += sizeof *c + c->len;
    for (c = s->f_head; c; c = c->next)
        b += sizeof *c + c->len;
    for (i = 0; i < KVS__SCTP_WINDOW; i++)
        if (s->rx[i])
            b += sizeof *s->rx[i] + s->rx[i]->len;
    return b;
}

static int sx_random(void *user, void *buf, size_t len) {
    return kvs_testing_random(&((sx_ep *)user)->rng, buf, len);
}

static void sx_cb_up(void *ctx) {
    sx_ep *e = (sx_ep *)ctx;
    e->ups++;
    SX_CHECK(e->ups == 1);   /* up once ... */
    SX_CHECK(e->downs == 0); /* ... and never after down: the association is not restarted */
    SX_CHECK(e->s.state == KVS__SCTP_ESTABLISHED);
}

static void sx_cb_down(void *ctx, kvs_result why) {
    sx_ep *e = (sx_ep *)ctx;
    e->downs++;
    e->why = why;
    SX_CHECK(e->downs == 1);
    SX_CHECK(why < 0);
    SX_CHECK(e->s.state == KVS__SCTP_CLOSED);
    SX_CHECK(!e->s.q_head && !e->s.f_head && e->s.rx_bytes == 0);
    if (e->on_down)
        e->on_down(e);
}

static void sx_cb_message(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    sx_ep *e = (sx_ep *)ctx;
    size_t books = sx_books(&e->s);
    SX_CHECK(p != NULL);
    SX_CHECK(n >= 1 && n <= e->s.cfg.max_message);
    SX_CHECK(e->ups == 1 && e->downs == 0);
    SX_CHECK(e->s.state != KVS__SCTP_CLOSED);
    /* the message is either one detached chunk or a buffer of exactly its size */
    SX_CHECK(e->mem.st.current == books + n ||
             e->mem.st.current == books + n + sizeof(kvs__sctp_chunk));
    e->msgs++;
    if (e->on_msg)
        e->on_msg(e, sid, ppid, p, n);
}

static void sx_cb_reset(void *ctx, uint16_t sid) {
    sx_ep *e = (sx_ep *)ctx;
    SX_CHECK(e->ups == 1 && e->downs == 0);
    e->resets++;
    if (e->on_reset)
        e->on_reset(e, sid);
}

static void sx_cb_low(void *ctx) {
    sx_ep *e = (sx_ep *)ctx;
    SX_CHECK(e->s.queued_bytes <= e->s.cfg.send_buffer / 2);
    e->lows++;
}

/* A fresh endpoint (the struct is zeroed first: hooks are set by the caller afterwards). */
static void sx_ep_setup(sx_ep *e, uint64_t seed, const kvs__sctp_cfg *cfg, size_t mem_limit,
                        kvs_time now) {
    kvs__sctp_cb cb;
    memset(e, 0, sizeof *e);
    kvs_testing_rng_seed(&e->rng, seed);
    e->pf.user = e;
    e->pf.random = sx_random;
    kvs__log_init(&e->log, &e->pf, &e->guard, KVS_LOG_ERROR);
    SX_CHECK(kvs__mem_init(&e->mem, &e->pf, &e->guard, &e->log, mem_limit) == KVS_OK);
    kvs__crypto_rng_init(&e->krng, &e->pf, &e->guard, &e->log);
    e->cfg = *cfg;
    memset(&cb, 0, sizeof cb);
    cb.ctx = e;
    cb.up = sx_cb_up;
    cb.down = sx_cb_down;
    cb.message = sx_cb_message;
    cb.stream_reset = sx_cb_reset;
    cb.buffered_low = sx_cb_low;
    SX_CHECK(kvs__sctp_init(&e->s, &e->cfg, &cb, &e->krng, &e->log, &e->mem, now) == KVS_OK);
}

static void sx_ep_free(sx_ep *e) {
    kvs__sctp_deinit(&e->s);
    SX_CHECK(e->mem.st.current == 0);
}

/* --- the books ----------------------------------------------------------------------------- */

static void sx_check_state(const sx_ep *e) {
    const kvs__sctp *s = &e->s;
    const kvs__sctp_chunk *c, *last;
    uint64_t flight = 0, queued = 0, all_send = 0, held = 0;
    uint64_t buffered[KVS_SCTP_MAX_STREAMS];
    size_t books = 0, count = 0, max_payload = kvs__sctp_max_payload(s);
    int i, j;
    SX_CHECK(s->state >= KVS__SCTP_CLOSED && s->state <= KVS__SCTP_SHUTDOWN_ACK_SENT);
    if (s->state >= KVS__SCTP_ESTABLISHED)
        SX_CHECK(e->ups == 1 && e->downs == 0);
    if (e->downs)
        SX_CHECK(s->state == KVS__SCTP_CLOSED);
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++) {
        buffered[i] = 0;
        if (!s->streams[i].used)
            continue;
        for (j = 0; j < i; j++)
            SX_CHECK(!s->streams[j].used || s->streams[j].sid != s->streams[i].sid);
    }
    /* sender: the queue, then what is in flight */
    last = NULL;
    for (c = s->q_head; c; c = c->next) {
        SX_CHECK(++count <= 16u * 1024 * 1024);
        SX_CHECK(c->state == KVS__SCTP_C_QUEUED);
        SX_CHECK(c->len >= 1 && c->len <= max_payload);
        queued += sizeof *c + c->len;
        all_send += c->len;
        books += sizeof *c + c->len;
        for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
            if (s->streams[i].used && s->streams[i].sid == c->sid)
                break;
        SX_CHECK(i < KVS_SCTP_MAX_STREAMS); /* a buffered chunk keeps its stream in use */
        buffered[i] += c->len;
        last = c;
    }
    SX_CHECK(s->q_tail == last);
    last = NULL;
    for (c = s->f_head; c; c = c->next) {
        SX_CHECK(++count <= 16u * 1024 * 1024);
        SX_CHECK(c->state >= KVS__SCTP_C_FLIGHT && c->state <= KVS__SCTP_C_ABANDONED);
        SX_CHECK(c->len >= 1 && c->len <= max_payload);
        SX_CHECK(kvs__sctp_lt(s->peer_cum, c->tsn) && kvs__sctp_lt(c->tsn, s->next_tsn));
        if (last)
            SX_CHECK(kvs__sctp_lt(last->tsn, c->tsn));
        if (c->state == KVS__SCTP_C_FLIGHT)
            flight += c->len;
        queued += sizeof *c + c->len;
        for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
            if (s->streams[i].used && s->streams[i].sid == c->sid)
                break;
        SX_CHECK(i < KVS_SCTP_MAX_STREAMS);
        buffered[i] += c->len;
        all_send += c->len;
        books += sizeof *c + c->len;
        last = c;
    }
    SX_CHECK(s->f_tail == last);
    SX_CHECK(flight == s->flight);
    SX_CHECK(queued == s->queued_bytes);
    SX_CHECK(s->queued_bytes <= s->cfg.send_buffer);
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
        if (s->streams[i].used)
            SX_CHECK(buffered[i] == s->streams[i].buffered);
    /* the configured bound on the sending side: payload of every chunk still allocated */
    SX_CHECK(all_send <= s->cfg.send_buffer);
    /* receiver: the chunks held until their message is delivered */
    for (i = 0; i < KVS__SCTP_WINDOW; i++) {
        c = s->rx[i];
        if (!c)
            continue;
        SX_CHECK(c->tsn % KVS__SCTP_WINDOW == (uint32_t)i);
        SX_CHECK(kvs__sctp_lt(s->cum_tsn - KVS__SCTP_WINDOW, c->tsn) &&
                 kvs__sctp_le(c->tsn, s->cum_tsn + KVS__SCTP_WINDOW));
        if (kvs__sctp_lt(s->cum_tsn, c->tsn))
            SX_CHECK(kvs__sctp_rx_has(s, c->tsn));
        SX_CHECK(c->len >= 1);
        held += c->len;
        books += sizeof *c + c->len;
    }
    SX_CHECK(held == s->rx_bytes);
    SX_CHECK(s->rx_bytes <= s->cfg.recv_buffer);
    SX_CHECK(s->ndups >= 0 && s->ndups <= KVS__SCTP_MAX_DUPS);
    SX_CHECK(e->mem.st.current == books);
    if (s->state == KVS__SCTP_CLOSED)
        SX_CHECK(books == 0 && s->flight == 0 && s->queued_bytes == 0);
}

/* --- the decoder of every packet sent --------------------------------------------------------- */

/* Causes or parameters: type / length / value, padded to 4, exactly filling n bytes. */
static void sx_check_tlvs(const uint8_t *p, size_t n, size_t min_len) {
    size_t off = 0;
    while (off < n) {
        size_t len, k;
        SX_CHECK(n - off >= 4);
        len = sx_be16(p + off + 2);
        SX_CHECK(len >= min_len && len <= n - off);
        for (k = len; k < ((len + 3u) & ~(size_t)3) && off + k < n; k++)
            SX_CHECK(p[off + k] == 0);
        off += (len + 3u) & ~(size_t)3;
    }
}

/* One packet from kvs__sctp_output, read independently of the engine and compared with the
   books it was made from (output changes none of the fields compared). */
static void sx_check_packet(sx_ep *e, const uint8_t *p, size_t n) {
    const kvs__sctp *s = &e->s;
    size_t off = KVS__SCTP_COMMON;
    uint32_t vtag;
    int nchunks = 0, alone = 0, init = 0, initack = 0, data_seen = 0;
    SX_CHECK(n >= 16 && n <= s->cfg.mtu && n % 4 == 0);
    SX_CHECK(sx_be16(p) == s->cfg.local_port && sx_be16(p + 2) == s->cfg.remote_port);
    SX_CHECK(sx_le32(p + 8) == sx_crc_packet(p, n));
    vtag = sx_be32(p + 4);
    while (off < n) {
        unsigned type, flags;
        size_t len, padded, vl, k;
        const uint8_t *v;
        SX_CHECK(n - off >= 4);
        type = p[off];
        flags = p[off + 1];
        len = sx_be16(p + off + 2);
        SX_CHECK(len >= 4 && len <= n - off);
        padded = (len + 3u) & ~(size_t)3;
        SX_CHECK(padded <= n - off);
        for (k = len; k < padded; k++)
            SX_CHECK(p[off + k] == 0);
        v = p + off + 4;
        vl = len - 4;
        nchunks++;
        e->chunk_types[type / 32] |= 1u << (type % 32);
        if (type != KVS__SCTP_DATA)
            SX_CHECK(!data_seen); /* control chunks come first */
        switch (type) {
        case KVS__SCTP_DATA: {
            const kvs__sctp_chunk *c;
            uint32_t tsn;
            SX_CHECK(vl >= 13 && vl - 12 <= kvs__sctp_max_payload(s));
            SX_CHECK((flags & ~7u) == 0);
            SX_CHECK(e->ups == 1 && e->downs == 0 && s->state >= KVS__SCTP_ESTABLISHED);
            tsn = sx_be32(v);
            for (c = s->f_head; c && c->tsn != tsn; c = c->next)
                ;
            SX_CHECK(c != NULL);
            SX_CHECK(c->len == vl - 12 && c->flags == flags && c->sid == sx_be16(v + 4) &&
                     c->ssn == sx_be16(v + 6) && c->ppid == sx_be32(v + 8));
            SX_CHECK(memcmp(v + 12, KVS__SCTP_PAYLOAD(c), c->len) == 0);
            data_seen = 1;
            e->data_out++;
            break;
        }
        case KVS__SCTP_INIT:
        case KVS__SCTP_INIT_ACK: {
            size_t q = 16;
            int cookie = 0;
            SX_CHECK(vl >= 16);
            SX_CHECK(sx_be32(v) == s->my_tag && sx_be32(v + 12) == s->my_init_tsn);
            SX_CHECK(sx_be32(v + 4) == s->cfg.recv_buffer);
            SX_CHECK(sx_be16(v + 8) != 0 && sx_be16(v + 10) != 0);
            sx_check_tlvs(v + 16, vl - 16, 4);
            while (q + 4 <= vl) {
                unsigned pt = sx_be16(v + q), pl = sx_be16(v + q + 2);
                cookie |= pt == KVS__SCTP_P_COOKIE && pl == 4 + KVS__SCTP_COOKIE_LEN;
                q += (pl + 3u) & ~3u;
            }
            SX_CHECK(cookie == (type == KVS__SCTP_INIT_ACK));
            alone = 1;
            if (type == KVS__SCTP_INIT)
                init = 1;
            else
                initack = 1;
            break;
        }
        case KVS__SCTP_COOKIE_ECHO:
            SX_CHECK(vl == s->cookie_len && memcmp(v, s->cookie, vl) == 0);
            alone = 1;
            break;
        case KVS__SCTP_SACK: {
            uint32_t cum;
            unsigned g, d, i;
            size_t prev_end = 0;
            SX_CHECK(vl >= 12);
            cum = sx_be32(v);
            g = sx_be16(v + 8);
            d = sx_be16(v + 10);
            SX_CHECK(vl == 12 + 4u * g + 4u * d);
            SX_CHECK(cum == s->cum_tsn);
            SX_CHECK(sx_be32(v + 4) == kvs__sctp_a_rwnd(s));
            SX_CHECK(d <= KVS__SCTP_MAX_DUPS);
            for (i = 0; i < g; i++) {
                size_t lo = sx_be16(v + 12 + 4 * i), hi = sx_be16(v + 14 + 4 * i), t;
                SX_CHECK(lo >= 2 && lo <= hi && hi < KVS__SCTP_WINDOW && lo > prev_end + 1);
                SX_CHECK(!kvs__sctp_rx_has(s, cum + (uint32_t)lo - 1));
                for (t = lo; t <= hi; t++)
                    SX_CHECK(kvs__sctp_rx_has(s, cum + (uint32_t)t));
                SX_CHECK(!kvs__sctp_rx_has(s, cum + (uint32_t)hi + 1)); /* maximal */
                prev_end = hi;
            }
            break;
        }
        case KVS__SCTP_FORWARD_TSN: {
            uint32_t to;
            size_t i;
            SX_CHECK(vl >= 4 && vl % 4 == 0);
            to = sx_be32(v);
            SX_CHECK(to == s->adv_peer_ack && kvs__sctp_lt(s->peer_cum, to));
            for (i = 4; i < vl; i += 4) {
                const kvs__sctp_chunk *c;
                uint16_t sid = sx_be16(v + i), ssn = sx_be16(v + i + 2);
                for (c = s->f_head; c && kvs__sctp_le(c->tsn, to); c = c->next)
                    if (c->state == KVS__SCTP_C_ABANDONED && c->sid == sid && c->ssn == ssn &&
                        !(c->flags & KVS__SCTP_DATA_U))
                        break;
                SX_CHECK(c != NULL && kvs__sctp_le(c->tsn, to)); /* a stream it skipped */
            }
            break;
        }
        case KVS__SCTP_RECONFIG: {
            size_t q = 0;
            SX_CHECK(vl >= 4);
            sx_check_tlvs(v, vl, 4);
            while (q + 4 <= vl) {
                unsigned pt = sx_be16(v + q), pl = sx_be16(v + q + 2);
                if (pt == KVS__SCTP_P_OUT_RESET)
                    SX_CHECK(pl >= 16 && pl % 2 == 0 && sx_be32(v + q + 4) == s->reconf_seq - 1);
                else
                    SX_CHECK(pt == KVS__SCTP_P_RECONF_RESP && pl == 12);
                q += (pl + 3u) & ~3u;
            }
            break;
        }
        case KVS__SCTP_HEARTBEAT:
            SX_CHECK(vl == 12 && sx_be16(v) == KVS__SCTP_P_HB_INFO && sx_be16(v + 2) == 12);
            break;
        case KVS__SCTP_HEARTBEAT_ACK:
            SX_CHECK(vl <= sizeof s->hb_ack);
            break;
        case KVS__SCTP_SHUTDOWN:
            SX_CHECK(vl == 4 && sx_be32(v) == s->cum_tsn);
            break;
        case KVS__SCTP_ABORT:
        case KVS__SCTP_ERROR:
            sx_check_tlvs(v, vl, 4);
            break;
        case KVS__SCTP_COOKIE_ACK:
        case KVS__SCTP_SHUTDOWN_ACK:
        case KVS__SCTP_SHUTDOWN_COMPLETE:
            SX_CHECK(vl == 0);
            break;
        default:
            SX_CHECK(!"a chunk type the engine does not send");
            break;
        }
        off += padded;
    }
    SX_CHECK(off == n);
    if (alone)
        SX_CHECK(nchunks == 1);
    if (init)
        SX_CHECK(vtag == 0);
    else if (!initack)
        SX_CHECK(vtag == s->peer_tag && vtag != 0);
    e->pkts_out++;
}

/* --- driving an association ------------------------------------------------------------------- */

typedef void (*sx_sink)(void *u, const uint8_t *p, size_t n);

/* Everything the association wants to send, checked, to sink (may be NULL). */
static void sx_drain(sx_ep *e, kvs_time now, sx_sink sink, void *u) {
    static uint8_t buf[SX_OUT_CAP];
    unsigned long k;
    for (k = 0;; k++) {
        size_t len = (size_t)-1;
        kvs_result r = kvs__sctp_output(&e->s, buf, sizeof buf, &len, now);
        if (r == KVS_ERR_AGAIN) {
            SX_CHECK(len == 0);
            break;
        }
        SX_CHECK(r == KVS_OK); /* KVS_ERR_BUFFER_TOO_SMALL: chunks overflowed the MTU */
        SX_CHECK(len > 0 && len <= e->s.cfg.mtu);
        SX_CHECK(k < 100000); /* a drain ends */
        sx_check_packet(e, buf, len);
        sx_check_state(e);
        if (sink)
            sink(u, buf, len);
    }
    sx_check_state(e);
}

/* Run every timer that is due (the outputs they cause included). */
static void sx_timers(sx_ep *e, kvs_time now, sx_sink sink, void *u) {
    kvs_time dl;
    int k;
    for (k = 0; k < 4; k++) {
        dl = kvs__sctp_deadline(&e->s);
        if (dl == KVS_TIME_NEVER || dl > now)
            break;
        kvs__sctp_timeout(&e->s, now);
        sx_check_state(e);
        sx_drain(e, now, sink, u);
    }
    dl = kvs__sctp_deadline(&e->s);
    SX_CHECK(dl == KVS_TIME_NEVER || dl > now);
    if (e->s.state == KVS__SCTP_CLOSED)
        SX_CHECK(dl == KVS_TIME_NEVER);
}

/* One packet in: an exact-size heap copy. */
static void sx_input(sx_ep *e, const uint8_t *p, size_t n, kvs_time now, sx_sink sink, void *u) {
    uint8_t *copy = (uint8_t *)malloc(n ? n : 1);
    SX_CHECK(copy != NULL);
    if (n)
        memcpy(copy, p, n);
    kvs__sctp_input(&e->s, copy, n, now);
    free(copy);
    sx_check_state(e);
    sx_drain(e, now, sink, u);
}

/* Message sizes from one byte: 0 = empty, 0xfe = one over the limit, 0xff = the limit, else
   1..62 KiB on a log scale (16 steps per power of two), capped at the limit. */
static size_t sx_size(const kvs__sctp *s, unsigned p) {
    size_t n;
    if (p == 0)
        return 0;
    if (p == 0xff)
        return s->cfg.max_message;
    if (p == 0xfe)
        return (size_t)s->cfg.max_message + 1;
    n = ((size_t)(16u + (p & 15u)) << (p >> 4)) >> 4;
    if (n > s->cfg.max_message)
        n = s->cfg.max_message;
    return n ? n : 1;
}

/* kvs__sctp_send with its result checked against the state and arguments. */
static kvs_result sx_send(sx_ep *e, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n,
                          int unordered, uint32_t max_rtx, kvs_time life, kvs_time now) {
    kvs__sctp *s = &e->s;
    uint32_t before = s->queued_bytes;
    int st = s->state, sw = s->shutdown_wanted;
    const kvs__sctp_chunk *c;
    size_t held = 0; /* payload of every chunk of the sending side, abandoned ones included */
    for (c = s->f_head; c; c = c->next)
        held += c->len;
    for (c = s->q_head; c; c = c->next)
        held += c->len;
    size_t maxp = kvs__sctp_max_payload(s);
    size_t cost = n + (n + maxp - 1) / maxp * sizeof(kvs__sctp_chunk); /* headers count */
    kvs_result r = kvs__sctp_send(s, sid, ppid, p, n, unordered, max_rtx, life, now);
    if (n == 0)
        SX_CHECK(r == KVS_ERR_INVALID_ARG);
    else if (n > s->cfg.max_message)
        SX_CHECK(r == KVS_ERR_LIMIT);
    else if (st == KVS__SCTP_CLOSED || st >= KVS__SCTP_SHUTDOWN_PENDING || sw)
        SX_CHECK(r == KVS_ERR_STATE);
    else if (before + cost > s->cfg.send_buffer)
        SX_CHECK(r == KVS_ERR_AGAIN);
    else
        SX_CHECK(r == KVS_OK || r == KVS_ERR_LIMIT || r == KVS_ERR_STATE ||
                 r == KVS_ERR_NO_MEMORY || (r == KVS_ERR_AGAIN && held + n > s->cfg.send_buffer));
    if (r == KVS_OK)
        SX_CHECK(s->queued_bytes == before + cost);
    else
        SX_CHECK(s->queued_bytes == before);
    sx_check_state(e);
    return r;
}

/* --- the association target ------------------------------------------------------------- */

#define CX_F_STATE 0x03u
#define CX_F_FIX 0x04u
#define CX_F_CONFIG 0x18u
#define CX_F_REENTER 0x20u
#define CX_F_SILENT 0x40u
#define CX_F_MEMLIMIT 0x80u

#define CX_OP_SEND 0
#define CX_OP_BURST 1
#define CX_OP_RESET 2
#define CX_OP_SHUTDOWN 3
#define CX_OP_ABORT 4
#define CX_OP_CONNECT 5
#define CX_OP_TIMEOUT 6
#define CX_OP_AGAIN 7

static sx_ep cx_ep;   /* the endpoint */
static sx_ep cx_peer; /* the genuine peer of the handshake (and of the seed generator) */
static uint8_t cx_msg[256 * 1024 + 1];

typedef struct cx_run {
    sx_ep *e;
    kvs_time now;
    unsigned flags;
    sx_sink sink; /* where the endpoint's packets go (the seed generator's peer), or NULL */
    void *sink_u;
    uint8_t last[SX_PKT_MAX + 4];
    size_t last_len;
} cx_run;

/* The handshake of the ESTABLISHED starts: packets between the two in memory, at T0. */
typedef struct cx_hs {
    uint8_t pkt[8][SX_OUT_CAP];
    size_t len[8];
    int n;
} cx_hs;

static void cx_hs_sink(void *u, const uint8_t *p, size_t n) {
    cx_hs *q = (cx_hs *)u;
    SX_CHECK(q->n < 8);
    memcpy(q->pkt[q->n], p, n);
    q->len[q->n++] = n;
}

static void cx_handshake(sx_ep *a, sx_ep *b, kvs_time now) {
    static cx_hs q[2];
    int round, i, from;
    q[0].n = q[1].n = 0;
    sx_drain(a, now, cx_hs_sink, &q[0]);
    sx_drain(b, now, cx_hs_sink, &q[1]);
    for (round = 0; round < 8 && (q[0].n || q[1].n); round++) {
        for (from = 0; from < 2; from++) {
            static cx_hs in;
            sx_ep *to = from ? a : b;
            in = q[from];
            q[from].n = 0;
            for (i = 0; i < in.n; i++)
                sx_input(to, in.pkt[i], in.len[i], now, cx_hs_sink, &q[1 - from]);
        }
    }
    SX_CHECK(a->s.state == KVS__SCTP_ESTABLISHED && b->s.state == KVS__SCTP_ESTABLISHED);
    SX_CHECK(a->s.peer_tag == b->s.my_tag && b->s.peer_tag == a->s.my_tag);
}

/* The message callback of the re-entrant mode (flag 0x20). */
static void cx_on_msg(sx_ep *e, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    switch (ppid & 3u) {
    case 0:
        (void)kvs__sctp_send(&e->s, sid, ppid + 1, p, n > 100 ? 100 : n, 0, KVS__SCTP_RELIABLE,
                             KVS_TIME_NEVER, e->s.now);
        break;
    case 2:
        (void)kvs__sctp_reset_stream(&e->s, sid);
        break;
    case 3:
        if (n & 1u)
            kvs__sctp_abort(&e->s, KVS_ERR_CLOSED);
        else
            kvs__sctp_shutdown(&e->s);
        break;
    default:
        break;
    }
}

static void cx_begin(cx_run *r, unsigned flags, sx_sink sink, void *u) {
    kvs__sctp_cfg cfg;
    size_t limit = 0;
    memset(r, 0, sizeof *r);
    r->e = &cx_ep;
    r->now = SX_T0;
    r->flags = flags;
    r->sink = sink;
    r->sink_u = u;
    sx_config(&cfg, (flags & CX_F_CONFIG) >> 3);
    if (flags & CX_F_MEMLIMIT) {
        kvs__sctp_cfg d = cfg;
        if (!d.send_buffer)
            d.send_buffer = 1024 * 1024;
        if (!d.recv_buffer)
            d.recv_buffer = 256 * 1024 + 64 * 1024;
        limit = (d.send_buffer + d.recv_buffer) / 4;
    }
    sx_ep_setup(&cx_peer, SX_SEED_A, &cfg, 0, r->now);
    sx_ep_setup(&cx_ep, SX_SEED_B, &cfg, limit, r->now);
    switch (flags & CX_F_STATE) {
    case 1:
        SX_CHECK(kvs__sctp_connect(&cx_ep.s, r->now) == KVS_OK);
        sx_drain(&cx_ep, r->now, sink, u); /* the INIT */
        break;
    case 2:
        SX_CHECK(kvs__sctp_connect(&cx_peer.s, r->now) == KVS_OK);
        cx_handshake(&cx_peer, &cx_ep, r->now);
        break;
    case 3:
        SX_CHECK(kvs__sctp_connect(&cx_ep.s, r->now) == KVS_OK);
        cx_handshake(&cx_ep, &cx_peer, r->now);
        break;
    default:
        break;
    }
    if (flags & CX_F_REENTER)
        cx_ep.on_msg = cx_on_msg;
    sx_check_state(&cx_ep);
}

/* The clock moves, then the due timers run. */
static void cx_tick(cx_run *r, unsigned tick) {
    r->now += sx_ticks[tick & 15u];
    sx_timers(r->e, r->now, r->sink, r->sink_u);
}

static void cx_packet(cx_run *r, const uint8_t *p, size_t n) {
    static uint8_t b[SX_PKT_MAX + 4];
    sx_ep *e = r->e;
    SX_CHECK(n <= SX_PKT_MAX);
    memcpy(b, p, n);
    if (r->flags & CX_F_FIX) {
        while (n % 4u)
            b[n++] = 0;
        if (n >= KVS__SCTP_COMMON) {
            uint32_t tag = e->s.my_tag;
            if (n >= 16 && b[12] == KVS__SCTP_INIT)
                tag = 0;
            else if (n >= 16 && (b[12] == KVS__SCTP_ABORT || b[12] == KVS__SCTP_SHUTDOWN_COMPLETE) &&
                     (b[13] & 1u))
                tag = e->s.peer_tag;
            kvs__put_u16(b, e->s.cfg.remote_port);
            kvs__put_u16(b + 2, e->s.cfg.local_port);
            kvs__put_u32(b + 4, tag);
            sx_put_crc(b, n);
        }
    }
    memcpy(r->last, b, n);
    r->last_len = n;
    sx_input(e, b, n, r->now, r->sink, r->sink_u);
}

static void cx_api(cx_run *r, unsigned op, unsigned p, unsigned q) {
    sx_ep *e = r->e;
    kvs__sctp *s = &e->s;
    int i, count = op == CX_OP_BURST ? 16 : 1;
    switch (op) {
    case CX_OP_SEND:
    case CX_OP_BURST: {
        uint16_t sid = (uint16_t)((q & 7u) | ((q & 8u) ? 0xfff8u : 0u));
        int unordered = (q & 0x10u) != 0;
        uint32_t max_rtx = KVS__SCTP_RELIABLE;
        kvs_time life = KVS_TIME_NEVER;
        size_t n = sx_size(s, p);
        switch (q >> 5) {
        case 4:
            max_rtx = 0;
            break;
        case 5:
            max_rtx = 2;
            break;
        case 6:
            life = 0;
            break;
        case 7:
            life = KVS_MSEC(500);
            break;
        default:
            break;
        }
        for (i = 0; i < count; i++) {
            if (n <= sizeof cx_msg)
                memset(cx_msg, (int)(p + (unsigned)i), n < 64 ? n : 64);
            (void)sx_send(e, sid, p << 8 | q, cx_msg, n, unordered, max_rtx, life, r->now);
        }
        break;
    }
    case CX_OP_RESET: {
        int st = s->state;
        kvs_result res = kvs__sctp_reset_stream(s, (uint16_t)((p & 0x80u) ? p : (p & 7u)));
        SX_CHECK(res == KVS_OK || res == KVS_ERR_STATE || res == KVS_ERR_LIMIT);
        SX_CHECK((res == KVS_ERR_STATE) == (st != KVS__SCTP_ESTABLISHED));
        break;
    }
    case CX_OP_SHUTDOWN:
        kvs__sctp_shutdown(s);
        break;
    case CX_OP_ABORT:
        kvs__sctp_abort(s, KVS_ERR_CLOSED);
        SX_CHECK(s->state == KVS__SCTP_CLOSED);
        break;
    case CX_OP_CONNECT: {
        /* only before any association: one that went down is not started again */
        int ok = s->state == KVS__SCTP_CLOSED && !s->peer_tag && !e->downs;
        kvs_result res = kvs__sctp_connect(s, r->now);
        SX_CHECK(res == (ok ? KVS_OK : KVS_ERR_STATE));
        break;
    }
    case CX_OP_TIMEOUT:
        kvs__sctp_timeout(s, r->now);
        break;
    default: /* CX_OP_AGAIN */
        if (r->last_len)
            sx_input(e, r->last, r->last_len, r->now, r->sink, r->sink_u);
        return;
    }
    sx_check_state(e);
    sx_drain(e, r->now, r->sink, r->sink_u);
    sx_timers(e, r->now, r->sink, r->sink_u);
}

/* What an input achieved (for the seed generator's report). */
typedef struct cx_report {
    int state, ups, downs;
    kvs_result why;
    unsigned long msgs, resets, pkts_out, data_out;
    uint32_t received, dropped;
} cx_report;

static void cx_end(cx_run *r, cx_report *rep) {
    sx_ep *e = r->e;
    if (r->flags & CX_F_SILENT) {
        kvs_time end = r->now + KVS_SEC(1800);
        int k;
        for (k = 0; k < 2000; k++) {
            kvs_time dl = kvs__sctp_deadline(&e->s);
            if (dl == KVS_TIME_NEVER || dl > end)
                break;
            r->now = dl;
            sx_timers(e, r->now, r->sink, r->sink_u);
        }
        /* half an hour without a word from the peer: every state has a timer that ends it (an
           idle ESTABLISHED one counts unanswered heartbeats) */
        SX_CHECK(e->s.state == KVS__SCTP_CLOSED);
    }
    sx_check_state(e);
    if (rep) {
        rep->state = e->s.state;
        rep->ups = e->ups;
        rep->downs = e->downs;
        rep->why = e->why;
        rep->msgs = e->msgs;
        rep->resets = e->resets;
        rep->pkts_out = e->pkts_out;
        rep->data_out = e->data_out;
        rep->received = e->s.st.packets_received;
        rep->dropped = e->s.st.packets_dropped;
    }
    sx_ep_free(&cx_ep);
    sx_ep_free(&cx_peer);
}

static void cx_run_input(const uint8_t *data, size_t size, cx_report *rep) {
    cx_run r;
    size_t pos = 1;
    cx_begin(&r, size ? data[0] : 0u, NULL, NULL);
    while (pos < size) {
        size_t len = size - pos;
        unsigned tick = 0;
        if (len >= 2) {
            unsigned w = (unsigned)data[pos] << 8 | data[pos + 1];
            pos += 2;
            tick = (w >> 11) & 15u;
            if (w & 0x8000u) {
                unsigned q = pos < size ? data[pos++] : 0u;
                cx_tick(&r, tick);
                cx_api(&r, (w >> 8) & 7u, w & 0xffu, q);
                continue;
            }
            len = KVS__MIN((size_t)(w & 0x7ffu), size - pos);
        }
        cx_tick(&r, tick);
        cx_packet(&r, data + pos, len);
        pos += len;
    }
    cx_end(&r, rep);
}

#ifndef KVS_FUZZ_MAKE_SEEDS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_run_input(data, size, NULL);
    return 0;
}

#else /* KVS_FUZZ_MAKE_SEEDS: the seed generator (see the top of this file) */

#include <errno.h>

#define G_MAXPKT 256

typedef struct g_pkts {
    int n;
    size_t len[G_MAXPKT];
    uint8_t p[G_MAXPKT][SX_OUT_CAP];
} g_pkts;

static g_pkts g_from_ep;   /* the endpoint's packets, not yet given to the peer */
static g_pkts g_from_peer; /* the peer's packets, not yet given to the endpoint */
static uint8_t g_seed[1 << 20];
static size_t g_n;
static cx_run g_r;
static const char *g_dir;
static int g_bad, g_written;
static unsigned g_types[8];     /* chunk types in the packets recorded, over every seed */
static int g_sack_gaps, g_sack_dups;
static sx_ep g_third;           /* a second peer (a restart attempt) */

static void g_push(g_pkts *l, const uint8_t *p, size_t n) {
    SX_CHECK(n <= SX_OUT_CAP);
    if (l->n == G_MAXPKT)
        return; /* lost */
    memcpy(l->p[l->n], p, n);
    l->len[l->n++] = n;
}
static void g_ep_sink(void *u, const uint8_t *p, size_t n) {
    (void)u;
    g_push(&g_from_ep, p, n);
}
static void g_peer_sink(void *u, const uint8_t *p, size_t n) {
    (void)u;
    g_push(&g_from_peer, p, n);
}

static void g_begin(unsigned flags) {
    g_from_ep.n = g_from_peer.n = 0;
    cx_begin(&g_r, flags, g_ep_sink, NULL);
    g_seed[0] = (uint8_t)flags;
    g_n = 1;
}

static void g_word(unsigned w) {
    SX_CHECK(g_n + 2 <= sizeof g_seed);
    g_seed[g_n++] = (uint8_t)(w >> 8);
    g_seed[g_n++] = (uint8_t)w;
}

/* Record the chunk types of a packet given to the endpoint. */
static void g_note(const uint8_t *p, size_t n) {
    size_t off = 12;
    while (off + 4 <= n) {
        unsigned type = p[off], len = sx_be16(p + off + 2);
        if (len < 4)
            break;
        g_types[type / 32] |= 1u << (type % 32);
        if (type == KVS__SCTP_SACK && len >= 16) {
            g_sack_gaps |= sx_be16(p + off + 12) != 0;
            g_sack_dups |= sx_be16(p + off + 14) != 0;
        }
        off += (len + 3u) & ~3u;
    }
}

/* An API call of the endpoint, after the clock moved by tick; the peer's timers follow. */
static void g_api(unsigned tick, unsigned op, unsigned p, unsigned q) {
    g_word(0x8000u | tick << 11 | op << 8 | p);
    g_seed[g_n++] = (uint8_t)q;
    cx_tick(&g_r, tick);
    cx_api(&g_r, op, p, q);
    sx_timers(&cx_peer, g_r.now, g_peer_sink, NULL);
}

/* A pure clock step: a kvs__sctp_timeout call (harmless when nothing is due). */
static void g_wait(unsigned tick) {
    g_api(tick, CX_OP_TIMEOUT, 0, 0);
}

static void g_packet(unsigned tick, const uint8_t *p, size_t n) {
    SX_CHECK(n <= 0x7ffu && g_n + 2 + n <= sizeof g_seed);
    g_word(tick << 11 | (unsigned)n);
    memcpy(g_seed + g_n, p, n);
    g_n += n;
    g_note(p, n);
    cx_tick(&g_r, tick);
    cx_packet(&g_r, p, n);
    sx_timers(&cx_peer, g_r.now, g_peer_sink, NULL);
}

/* The endpoint's packets to the peer; plan[i]: 'd' drops packet i, '2' delivers it twice. */
static void g_to_peer(const char *plan) {
    static g_pkts l;
    int i;
    l = g_from_ep;
    g_from_ep.n = 0;
    for (i = 0; i < l.n; i++) {
        char c = plan && plan[i] ? plan[i] : '.';
        if (c == 'd')
            continue;
        sx_input(&cx_peer, l.p[i], l.len[i], g_r.now, g_peer_sink, NULL);
        if (c == '2')
            sx_input(&cx_peer, l.p[i], l.len[i], g_r.now, g_peer_sink, NULL);
    }
}

/* The peer's packets to the endpoint, as records: the first after `tick`. */
static void g_to_ep(unsigned tick) {
    static g_pkts l;
    int i;
    l = g_from_peer;
    g_from_peer.n = 0;
    for (i = 0; i < l.n; i++)
        g_packet(i == 0 ? tick : 0, l.p[i], l.len[i]);
}

static void g_exchange(int rounds) {
    while (rounds-- > 0 && (g_from_ep.n || g_from_peer.n)) {
        g_to_peer(NULL);
        g_to_ep(0);
    }
}

/* The peer sends a message of n bytes; its packets wait in g_from_peer. */
static void g_peer_send(uint16_t sid, uint32_t ppid, size_t n, int unordered, uint32_t max_rtx,
                        kvs_time life) {
    size_t i;
    kvs_result r;
    if (n > cx_peer.s.cfg.max_message)
        n = cx_peer.s.cfg.max_message;
    for (i = 0; i < n && i < sizeof cx_msg; i++)
        cx_msg[i] = (uint8_t)(i * 7u + ppid);
    r = sx_send(&cx_peer, sid, ppid, cx_msg, n, unordered, max_rtx, life, g_r.now);
    SX_CHECK(r == KVS_OK || r == KVS_ERR_AGAIN); /* AGAIN: the endpoint is not taking it */
    sx_drain(&cx_peer, g_r.now, g_peer_sink, NULL);
}

static void g_end(const char *name) {
    cx_report live, replay;
    char path[4096];
    FILE *f;
    cx_end(&g_r, &live);
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    f = fopen(path, "wb");
    SX_CHECK(f != NULL);
    SX_CHECK(fwrite(g_seed, 1, g_n, f) == g_n);
    fclose(f);
    cx_run_input(g_seed, g_n, &replay);
    if (memcmp(&live, &replay, sizeof live) != 0) {
        fprintf(stderr, "%s: the replay differs from the recording\n", name);
        g_bad = 1;
    }
    printf("%-36s %6lu bytes  in %3u (dropped %2u)  out %3lu (DATA %4lu)  state %d up %d down %d"
           "  msgs %lu resets %lu\n",
           name, (unsigned long)g_n, replay.received, replay.dropped, replay.pkts_out,
           replay.data_out, replay.state, replay.ups, replay.downs, replay.msgs, replay.resets);
    g_written++;
}

/* Checks that a scenario reached what it was written for. */
static void g_expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "seed generator: expected %s\n", what);
        g_bad = 1;
    }
}

/* The peer connects to the listening endpoint; optionally data from the peer after. */
static void g_closed(unsigned flags, const char *name, int data) {
    g_begin(flags);
    SX_CHECK(kvs__sctp_connect(&cx_peer.s, g_r.now) == KVS_OK);
    sx_drain(&cx_peer, g_r.now, g_peer_sink, NULL);
    g_to_ep(0); /* INIT */
    if (data >= 0) {
        g_to_peer(NULL);
        g_to_ep(3); /* COOKIE-ECHO */
        g_to_peer(NULL);
        g_expect(cx_ep.s.state == KVS__SCTP_ESTABLISHED && cx_peer.s.state == KVS__SCTP_ESTABLISHED,
                 "an association");
    }
    if (data > 0) {
        g_peer_send(0, 1, 100, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
        g_peer_send(1, 2, 3000, 1, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
        g_to_ep(4);
        g_exchange(8);
        g_wait(8);
        g_exchange(8);
    }
    g_end(name);
}

/* The endpoint connects (its INIT went out in cx_begin); the peer listens. */
static void g_cookie_wait(unsigned flags, const char *name, int full) {
    g_begin(flags);
    g_to_peer(NULL);
    g_to_ep(3); /* INIT-ACK */
    if (full) {
        g_to_peer(NULL);
        g_to_ep(3); /* COOKIE-ACK */
        g_expect(cx_ep.s.state == KVS__SCTP_ESTABLISHED, "established by COOKIE-ACK");
        g_peer_send(2, 3, 500, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
        g_api(0, CX_OP_SEND, 0x60, 0x02); /* 64 bytes on stream 2 */
        g_to_ep(2);
        g_exchange(8);
        g_wait(8);
        g_exchange(8);
    }
    g_end(name);
}

/* Messages from the peer of every kind, and from the endpoint. */
static void g_est_data(unsigned flags, const char *name) {
    g_begin(flags);
    g_peer_send(0, 0, 1, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(0, 1, 1000, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(1, 2, 2500, 1, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(2, 3, 40, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(65534, 4, 7, 1, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_to_ep(3);
    g_exchange(8);
    g_api(1, CX_OP_SEND, 0x45, 0x00);
    g_api(0, CX_OP_SEND, 0x81, 0x11);
    g_exchange(8);
    g_wait(8);
    g_exchange(8);
    g_peer_send(3, 5, 9000, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_to_ep(2);
    g_exchange(16);
    g_wait(8);
    g_exchange(16);
    g_end(name);
}

/* The endpoint's DATA to the peer dropped and duplicated: SACKs with gap blocks and duplicate
   TSNs, fast retransmission, T3. */
static void g_est_sack(unsigned flags, const char *name) {
    g_begin(flags);
    g_api(1, CX_OP_BURST, 0x50, 0x00); /* 16 messages on stream 0 */
    g_api(0, CX_OP_SEND, 0x40, 0x11);  /* unordered on stream 1 */
    g_to_peer(".d.2.d2..d.2");
    g_to_ep(2);
    g_to_peer("2.d.2");
    g_to_ep(2);
    g_exchange(8);
    g_wait(10); /* T3 */
    g_exchange(16);
    g_wait(8);
    g_exchange(16);
    g_end(name);
}

static void g_est_heartbeat(unsigned flags, const char *name) {
    g_begin(flags);
    g_wait(15); /* 64 s idle: both send HEARTBEAT */
    g_to_peer(NULL);
    g_to_ep(0); /* the peer's HEARTBEAT and its HEARTBEAT-ACK */
    g_exchange(4);
    g_end(name);
}

/* The peer's PR-SCTP messages are lost; it gives them up and skips them with FORWARD-TSN. */
static void g_est_forward_tsn(unsigned flags, const char *name) {
    g_begin(flags);
    g_peer_send(1, 6, 300, 1, 0, KVS_TIME_NEVER);
    g_peer_send(2, 7, 2500, 0, 0, KVS_TIME_NEVER);
    g_peer_send(3, 8, 200, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_from_peer.n = 0; /* lost */
    g_wait(10);        /* the peer's T3: abandoned, FORWARD-TSN and the reliable one again */
    g_to_ep(0);
    g_exchange(8);
    g_wait(8);
    g_exchange(8);
    g_expect(cx_ep.s.cum_tsn + 1 == cx_peer.s.next_tsn, "the endpoint past the abandoned TSNs");
    g_end(name);
}

/* Stream reset: the peer's request (then the endpoint's answer), or the endpoint's. */
static void g_est_reconfig(unsigned flags, const char *name, int by_peer) {
    g_begin(flags);
    if (by_peer) {
        g_peer_send(3, 9, 50, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
        SX_CHECK(kvs__sctp_reset_stream(&cx_peer.s, 3) == KVS_OK);
        sx_drain(&cx_peer, g_r.now, g_peer_sink, NULL);
        g_to_ep(2);
    } else {
        g_api(1, CX_OP_SEND, 0x50, 0x05);
        g_api(0, CX_OP_RESET, 5, 0);
    }
    g_exchange(8);
    g_wait(8);
    g_exchange(8);
    if (by_peer) { /* and the endpoint closes its side too */
        g_api(1, CX_OP_RESET, 3, 0);
        g_exchange(8);
    }
    g_end(name);
}

static void g_est_shutdown(unsigned flags, const char *name, int by_peer) {
    g_begin(flags);
    g_api(1, CX_OP_SEND, 0x60, 0x00);
    g_exchange(4);
    if (by_peer) {
        kvs__sctp_shutdown(&cx_peer.s);
        sx_drain(&cx_peer, g_r.now, g_peer_sink, NULL);
        g_to_ep(2);
    } else {
        g_api(2, CX_OP_SHUTDOWN, 0, 0);
    }
    g_exchange(8);
    g_wait(8); /* the delayed SACK */
    g_exchange(8);
    g_expect(cx_ep.s.state == KVS__SCTP_CLOSED && cx_ep.downs == 1, "a graceful shutdown");
    g_end(name);
}

static void g_est_abort(unsigned flags, const char *name) {
    g_begin(flags);
    g_peer_send(0, 0, 10, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_to_ep(2);
    kvs__sctp_abort(&cx_peer.s, KVS_ERR_CLOSED);
    sx_drain(&cx_peer, g_r.now, g_peer_sink, NULL);
    g_to_ep(3);
    g_expect(cx_ep.downs == 1, "the ABORT taken");
    g_end(name);
}

/* A packet from the peer with an unknown chunk type 0x7f (stop and report): the peer answers
   with an ERROR chunk (cause 6) when the engine reports such chunks, else one is made here. */
static void g_est_error(unsigned flags, const char *name) {
    uint8_t pkt[64];
    int i, found = 0;
    g_begin(flags);
    memset(pkt, 0, sizeof pkt);
    kvs__put_u16(pkt, 5000);
    kvs__put_u16(pkt + 2, 5000);
    kvs__put_u32(pkt + 4, cx_peer.s.my_tag);
    pkt[12] = 0x7f;
    kvs__put_u16(pkt + 14, 8);
    kvs__put_u32(pkt + 16, 0x01020304);
    sx_put_crc(pkt, 20);
    sx_input(&cx_peer, pkt, 20, g_r.now, g_peer_sink, NULL);
    for (i = 0; i < g_from_peer.n; i++)
        found |= g_from_peer.len[i] > 12 && g_from_peer.p[i][12] == KVS__SCTP_ERROR;
    if (!found) { /* made here: ERROR, cause 6 with the chunk */
        memset(pkt, 0, sizeof pkt);
        kvs__put_u16(pkt, 5000);
        kvs__put_u16(pkt + 2, 5000);
        kvs__put_u32(pkt + 4, cx_ep.s.my_tag);
        pkt[12] = KVS__SCTP_ERROR;
        kvs__put_u16(pkt + 14, 16);
        kvs__put_u16(pkt + 16, 6);
        kvs__put_u16(pkt + 18, 12);
        pkt[20] = 0x7f;
        kvs__put_u16(pkt + 22, 8);
        kvs__put_u32(pkt + 24, 0x01020304);
        sx_put_crc(pkt, 28);
        g_push(&g_from_peer, pkt, 28);
    }
    g_to_ep(2);
    g_api(1, CX_OP_SEND, 0x30, 0x00); /* still working */
    g_exchange(4);
    g_end(name);
}

/* A second peer (another RNG seed) starts an association with the established endpoint: INIT,
   then COOKIE-ECHO with another tag, which the endpoint refuses with ABORT. */
static void g_est_restart(unsigned flags, const char *name) {
    static g_pkts l;
    int i;
    kvs__sctp_cfg cfg;
    g_begin(flags);
    sx_config(&cfg, (flags & CX_F_CONFIG) >> 3);
    sx_ep_setup(&g_third, SX_SEED_A ^ 0x55, &cfg, 0, g_r.now);
    SX_CHECK(kvs__sctp_connect(&g_third.s, g_r.now) == KVS_OK);
    sx_drain(&g_third, g_r.now, g_peer_sink, NULL);
    g_to_ep(2); /* INIT */
    l = g_from_ep;
    g_from_ep.n = 0;
    for (i = 0; i < l.n; i++) /* INIT-ACK */
        sx_input(&g_third, l.p[i], l.len[i], g_r.now, g_peer_sink, NULL);
    g_to_ep(2); /* COOKIE-ECHO */
    g_expect(cx_ep.downs == 1, "the restart refused");
    sx_ep_free(&g_third);
    g_to_peer(NULL); /* the ABORT */
    g_expect(cx_peer.downs == 1, "the ABORT seen by the peer");
    g_end(name);
}

/* The COOKIE-ECHO of the handshake again (lost COOKIE-ACK: answered again); with `abort`, after
   an ABORT from the peer (the association must stay down). */
static void g_est_cookie_replay(unsigned flags, const char *name, int abort_first) {
    uint8_t pkt[16 + 2 * KVS__SCTP_COOKIE_LEN];
    size_t n;
    g_begin(flags);
    n = 16 + cx_peer.s.cookie_len;
    memset(pkt, 0, sizeof pkt);
    kvs__put_u16(pkt, 5000);
    kvs__put_u16(pkt + 2, 5000);
    kvs__put_u32(pkt + 4, cx_ep.s.my_tag);
    pkt[12] = KVS__SCTP_COOKIE_ECHO;
    kvs__put_u16(pkt + 14, (uint16_t)(4 + cx_peer.s.cookie_len));
    memcpy(pkt + 16, cx_peer.s.cookie, cx_peer.s.cookie_len);
    sx_put_crc(pkt, n);
    g_packet(3, pkt, n);
    g_to_peer(NULL);
    if (abort_first) {
        kvs__sctp_abort(&cx_peer.s, KVS_ERR_CLOSED);
        sx_drain(&cx_peer, g_r.now, g_peer_sink, NULL);
        g_to_ep(3);
        g_packet(3, pkt, n);
        g_api(3, CX_OP_SEND, 0x40, 0x00);
    }
    g_end(name);
}

/* The endpoint initiated: data both ways, with loss. */
static void g_est_active(unsigned flags, const char *name) {
    g_begin(flags);
    g_api(1, CX_OP_BURST, 0x68, 0x13);
    g_peer_send(4, 10, 700, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(5, 11, 4000, 1, 2, KVS_TIME_NEVER);
    g_to_peer("..d.2");
    g_to_ep(2);
    g_exchange(8);
    g_wait(10);
    g_exchange(16);
    g_wait(9);
    g_exchange(16);
    g_end(name);
}

/* The re-entrant callback: messages whose PPID asks it to send back, reset, shut down. */
static void g_est_reenter(unsigned flags, const char *name) {
    g_begin(flags);
    g_peer_send(0, 4, 300, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(1, 6, 20, 1, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_peer_send(2, 5, 30, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER);
    g_to_ep(2);
    g_exchange(8);
    g_peer_send(3, 7, 40, 0, KVS__SCTP_RELIABLE, KVS_TIME_NEVER); /* even length: shutdown */
    g_to_ep(2);
    g_exchange(8);
    g_end(name);
}

/* Enough data from the peer that the endpoint's accountant (0x80) refuses some of it. */
static void g_est_memlimit(unsigned flags, const char *name) {
    int i;
    g_begin(flags);
    for (i = 0; i < 8; i++) {
        g_peer_send((uint16_t)(i & 1), (uint32_t)i, 20000, i & 1, KVS__SCTP_RELIABLE,
                    KVS_TIME_NEVER);
        g_to_ep(2);
        g_exchange(16);
    }
    g_api(1, CX_OP_BURST, 0xc0, 0x00);
    g_exchange(16);
    g_wait(10);
    g_exchange(16);
    g_end(name);
}

/* The endpoint sends, then the peer falls silent: T3, back-off, the association fails (0x40). */
static void g_est_silent(unsigned flags, const char *name) {
    g_begin(flags);
    g_api(1, CX_OP_SEND, 0x90, 0x00);
    g_api(0, CX_OP_SEND, 0x90, 0x91);
    g_from_ep.n = 0; /* lost */
    g_end(name);
}

int main(int argc, char **argv) {
    static const unsigned want[] = {KVS__SCTP_DATA, KVS__SCTP_INIT, KVS__SCTP_INIT_ACK,
                                    KVS__SCTP_SACK, KVS__SCTP_HEARTBEAT, KVS__SCTP_HEARTBEAT_ACK,
                                    KVS__SCTP_ABORT, KVS__SCTP_SHUTDOWN, KVS__SCTP_SHUTDOWN_ACK,
                                    KVS__SCTP_ERROR, KVS__SCTP_COOKIE_ECHO, KVS__SCTP_COOKIE_ACK,
                                    KVS__SCTP_SHUTDOWN_COMPLETE, KVS__SCTP_RECONFIG,
                                    KVS__SCTP_FORWARD_TSN};
    const unsigned F = CX_F_FIX;
    size_t i;
    if (argc != 2) {
        fprintf(stderr, "usage: %s <existing corpus directory>\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_closed(0, "closed_init_as_given", -1);
    g_closed(F, "closed_handshake", 0);
    g_closed(0, "closed_handshake_data_as_given", 1);
    g_closed(F | 0x08, "closed_handshake_data_mtu256", 1);
    g_cookie_wait(1, "cookie_wait_init_ack_as_given", 0);
    g_cookie_wait(1 | F, "cookie_wait_handshake_data", 1);
    g_cookie_wait(1 | F | 0x10, "cookie_wait_handshake_mtu577", 1);
    g_est_data(2 | F, "est_data");
    g_est_data(2, "est_data_as_given");
    g_est_data(2 | F | 0x08, "est_data_mtu256");
    g_est_data(2 | F | 0x10, "est_data_mtu577");
    g_est_sack(2 | F, "est_sack_gaps_dups");
    g_est_sack(2 | F | 0x08, "est_sack_gaps_dups_mtu256");
    g_est_heartbeat(2 | F, "est_heartbeat");
    g_est_forward_tsn(2 | F, "est_forward_tsn");
    g_est_forward_tsn(2 | F | 0x08, "est_forward_tsn_mtu256");
    g_est_reconfig(2 | F, "est_reconfig_request", 1);
    g_est_reconfig(2 | F, "est_reconfig_response", 0);
    g_est_shutdown(2 | F, "est_shutdown", 1);
    g_est_shutdown(2 | F, "est_shutdown_ack", 0);
    g_est_abort(2 | F, "est_abort");
    g_est_error(2 | F, "est_error");
    g_est_restart(2 | F, "est_restart_refused");
    g_est_cookie_replay(2 | F, "est_cookie_echo_again", 0);
    g_est_active(3 | F, "est_active_data_loss");
    g_est_active(3 | F | 0x18, "est_active_data_loss_short_timers");
    g_est_reenter(2 | F | CX_F_REENTER, "est_reentrant_callbacks");
    g_est_memlimit(2 | F | CX_F_MEMLIMIT, "est_memory_limit");
    g_est_memlimit(2 | F | CX_F_MEMLIMIT | 0x08, "est_memory_limit_mtu256");
    g_est_silent(3 | F | 0x18 | CX_F_SILENT, "est_silent_peer_short_timers");
    g_est_silent(2 | F | CX_F_SILENT, "est_silent_peer");
    g_est_cookie_replay(2 | F, "regress_cookie_echo_after_abort", 1);
    for (i = 0; i < sizeof want / sizeof want[0]; i++)
        g_expect((g_types[want[i] / 32] >> (want[i] % 32)) & 1u, "every chunk type recorded");
    g_expect(g_sack_gaps && g_sack_dups, "SACK with gap blocks and duplicates");
    printf("%d seeds written to %s\n", g_written, g_dir);
    if (g_bad)
        fprintf(stderr, "a seed did not do what it was written for\n");
    return g_bad;
}

#endif /* KVS_FUZZ_MAKE_SEEDS */
