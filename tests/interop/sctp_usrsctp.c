/* sctp_usrsctp - interoperability of kvswebrtc's SCTP association and data channels (>>sctp,
   >>sctp-data, >>sctp-io, >>dcep) with usrsctp, over real UDP on 127.0.0.1 and without DTLS: each
   SCTP packet is the whole payload of one UDP datagram.

   One process, two UDP sockets. kvswebrtc's sans-IO association sits on one; usrsctp, initialised
   without threads (usrsctp_init_nothreads), sits on the other through its AF_CONN ("conn")
   interface: its output callback sends every packet with sendto on its own socket, the datagrams
   that arrive there go to usrsctp_conninput, and the loop calls usrsctp_handle_timers at least
   every 10 ms. The usrsctp side speaks DCEP (RFC 8832) itself, as a data channel stack on top of
   usrsctp does: DATA_CHANNEL_OPEN / ACK with PPID 50, PPIDs 51 / 53 / 56 / 57, and a channel
   closed by resetting its outgoing stream (RFC 8831 6.7) once it sees the peer's reset.

   Both stacks get send and receive buffers of 1 MiB. usrsctp's path MTU is 1200: on AF_CONN it
   leaves the 12-byte common header out, so its packets are up to 1212 bytes, more than
   kvswebrtc's own MTU of 1200 (which must not matter when receiving).

   Cases (each bounded by CASE_LIMIT_MS; a failure prints the states of both sides, chunk counts
   each way, the last TRACE_KEEP packets decoded and kvswebrtc's last warnings):
     kvswebrtc initiates, usrsctp listens and accepts      (kvswebrtc shuts down)
     usrsctp initiates, kvswebrtc only answers             (usrsctp shuts down)
     both initiate at once (the WebRTC way)                 (kvswebrtc shuts down)
       each: the association comes up on both sides; kvswebrtc opens a channel (label with
       non-ASCII UTF-8, protocol, priority; usrsctp checks the DATA_CHANNEL_OPEN byte for byte)
       and usrsctp answers DATA_CHANNEL_ACK; usrsctp opens one and kvswebrtc answers (its record of
       label, protocol, type and priority is checked); NMSG messages each way of mixed sizes
       (1 B .. 64 KiB, the fragmentation edges first, text and binary, empty strings and empty
       binaries as one zero byte with PPID 56 / 57), alternating between the two channels,
       checked byte for byte and in order per channel; kvswebrtc closes its channel (usrsctp must
       see SCTP_STREAM_RESET_EVENT for its incoming stream, then resets its outgoing one, and
       kvswebrtc reports the channel closed); usrsctp closes the other (kvswebrtc must report it
       closed and reset its side, which usrsctp must see); a graceful SHUTDOWN from one side
       (usrsctp: SCTP_ASSOC_CHANGE / SCTP_SHUTDOWN_COMP, and SCTP_SHUTDOWN_EVENT when kvswebrtc
       sent it; kvswebrtc: its down callback with KVS_ERR_CLOSED). Also: exactly one open and one
       closed event per channel, kvswebrtc dropped none of usrsctp's packets, usrsctp counted no
       checksum error, and kvswebrtc's association returned all its memory.
     partial reliability (maxRetransmits 0), ordered and unordered, with loss   (usrsctp shuts down)
       as above (both initiate), but kvswebrtc's channel is "partial reliable, 0 retransmissions,
       unordered" and usrsctp's "partial reliable, 0 retransmissions, ordered", both used both
       ways; every DROP_EVERY-th datagram carrying user data is dropped on the way, both ways, for
       the first three quarters of the transfer, so both senders abandon messages and skip them
       with FORWARD-TSN. Each message carries its index; the harness notes which messages lost a
       part. Checked: every message that arrives is intact and arrives once, the ordered channel
       stays in order, usrsctp sees the U flag exactly on the unordered channel, every damaged
       message is missing each way (none retransmitted), any other message missing was given up
       by its sender (a receiver whose buffer is full drops chunks that did arrive), both sides
       sent FORWARD-TSN, and kvswebrtc sent no more than 2 per abandoned message (+32): one per
       SACK would be a FORWARD-TSN / SACK storm. usrsctp's limit of 512 chunks held in its
       queues (sctp_max_chunks_on_queue) is raised: the holes make it hold more, and a drop by
       that limit would be a loss the harness cannot attribute.
     heartbeats both ways while idle                        (usrsctp initiates, kvswebrtc shuts down)
       the association idles with heartbeat intervals of 100 ms on both sides (usrsctp's RTO
       lowered so that its heartbeats come quickly) until each side had two answered; each must
       answer the other's HEARTBEAT (usrsctp's carries 40 bytes of its own information), and
       kvswebrtc must take an RTT sample from usrsctp's HEARTBEAT-ACK.

   Usage: sctp_usrsctp [--case TEXT] [--trace] [--verbose] [--stats]
     --case TEXT  only the cases whose name contains TEXT
     --trace      every SCTP packet, decoded, on stderr
     --verbose    kvswebrtc's DEBUG log on stderr
     --stats      after each case, its packet and chunk counts on stderr
   Output: one line per case, "ok   interop: sctp <case>" or "FAIL interop: sctp <case>" followed
   by indented diagnostics, then "N passed, N failed". Exit status 0 when every case passed, 1 when
   one failed, 2 on a usage error, 3 when a socket could not be set up. Nothing is written to files.

   Build: gcc -std=c99 -g -O1 -Wall -Wextra -Werror tests/interop/sctp_usrsctp.c \
            -o build/interop/sctp_usrsctp -lusrsctp -lsrtp2 -lbearssl                         */
#define KVS_TESTING 1
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h" /* first: it selects the POSIX feature macros it needs */

#include <usrsctp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NMSG 1000             /* messages each way */
#define MAXMSG 65536          /* largest message */
#define CASE_LIMIT_MS 5000    /* one case, whatever happens (a healthy one takes under 1 s) */
#define IDLE_MS 2500          /* the heartbeat case: idle at most this long */
#define TICK_MS 10            /* usrsctp's timer granularity */
#define SCTP_PORT 5000        /* both ends, as in WebRTC */
#define DROP_EVERY 17         /* the loss case: one datagram with user data in DROP_EVERY */
#define UDP_BUF (4 << 20)     /* socket buffers asked for: loopback drops nothing by itself */
#define SCTP_BUF (1 << 20)    /* send and receive buffers of both SCTP stacks */
#define TRACE_KEEP 40         /* packets remembered for a failure report */
#define LOG_KEEP 8            /* kvswebrtc warnings remembered */
#define TSN_SPAN 32768        /* the loss case: user DATA chunks tracked each way */
#ifndef TRACE_GAPS
#define TRACE_GAPS 4          /* gap blocks of a SACK shown */
#endif

#define PPID_DCEP 50
#define PPID_STRING 51
#define PPID_BINARY 53
#define PPID_STRING_EMPTY 56
#define PPID_BINARY_EMPTY 57

enum { K2U = 0, U2K = 1 }; /* directions: kvswebrtc to usrsctp, usrsctp to kvswebrtc */

enum { P_CONNECT, P_OPEN, P_DATA, P_IDLE, P_CLOSE_KVS, P_CLOSE_USR, P_SHUTDOWN, P_DONE };
static const char *const phase_name[] = {"association setup", "channel open", "data transfer",
                                         "idle (heartbeats)", "close of kvswebrtc's channel",
                                         "close of usrsctp's channel", "shutdown", "done"};

typedef struct case_def {
    const char *name;
    int kvs_connects, usr_connects; /* who sends INIT */
    int pr;                         /* partial reliability, unordered, injected loss */
    int heartbeat;                  /* no channels, no data: idle with short heartbeats */
    int kvs_shuts_down;             /* 1: kvswebrtc sends SHUTDOWN; 0: usrsctp does */
} case_def;

static const case_def CASES[] = {
    {"kvswebrtc initiates, usrsctp listens and accepts", 1, 0, 0, 0, 1},
    {"usrsctp initiates, kvswebrtc only answers", 0, 1, 0, 0, 0},
    {"both initiate at once (the WebRTC way)", 1, 1, 0, 0, 1},
    {"partial reliability (maxRetransmits 0), ordered and unordered, with loss", 1, 1, 1, 0, 0},
    {"heartbeats both ways while idle", 0, 1, 0, 1, 1},
};

/* --- the messages: sizes, types and bytes derived from (direction, index) -------------------- */

typedef struct mspec {
    size_t len;
    int binary;
    int chan; /* 0: the channel kvswebrtc opened (stream 0), 1: usrsctp's (stream 1) */
} mspec;

static uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Sizes: the edges of fragmentation first (1172 bytes of payload fit one DATA chunk in a packet
   of 1200), then mostly small messages with some large ones, 64 KiB now and then, and (reliable
   cases) an empty string or an empty binary every 25 messages. The loss case carries its index
   as 8 hex digits at the start of every message. */
static mspec spec(int pr, int dir, uint32_t i) {
    static const size_t edge[] = {1,    2,    3,    4,     5,     1171,  1172,  1173, 1174,
                                  2343, 2344, 2345, 65535, 65536, 65534, 16384, 1200, 4096};
    uint32_t h = mix32(i * 2u + (uint32_t)dir + (pr ? 0x10000u : 0u)), h2 = mix32(h ^ 0x5bd1e995u);
    mspec m;
    m.chan = (int)(i & 1u);
    m.binary = (int)((h >> 7) & 1u);
    if (!pr && i < sizeof edge / sizeof edge[0])
        m.len = edge[i];
    else if (!pr && i % 50 == 21)
        m.len = 0, m.binary = 0;
    else if (!pr && i % 50 == 46)
        m.len = 0, m.binary = 1;
    else if (i % 97 == 13)
        m.len = MAXMSG;
    else if (h % 10 < 4)
        m.len = 1 + h2 % 100;
    else if (h % 10 < 7)
        m.len = 100 + h2 % 2000;
    else if (h % 10 < 9)
        m.len = 2100 + h2 % 14000;
    else
        m.len = 16384 + h2 % (MAXMSG - 16384 + 1);
    if (pr && m.len < 8)
        m.len = 8;
    return m;
}

static void fill(int pr, int dir, uint32_t i, const mspec *m, uint8_t *p) {
    uint32_t s = mix32(i ^ ((uint32_t)dir << 30) ^ 0x9e3779b9u);
    size_t k = 0;
    if (pr) {
        static const char hex[] = "0123456789abcdef";
        for (; k < 8; k++)
            p[k] = (uint8_t)hex[(i >> (28 - 4 * k)) & 15u];
    }
    for (; k < m->len; k++) {
        uint8_t b;
        s = s * 1664525u + 1013904223u;
        b = (uint8_t)(s >> 24);
        p[k] = m->binary ? b : (uint8_t)(' ' + b % 95u);
    }
}

/* --- state ------------------------------------------------------------------------------------ */

typedef struct rxstate {
    uint32_t next[2];  /* reliable: the index expected next on each channel */
    int64_t last[2];   /* loss case: the last index delivered per channel */
    uint8_t seen[NMSG];
    uint32_t got;
    uint64_t bytes;
    char err[320];     /* the first error */
} rxstate;

typedef struct kside {
    kvs__sctp s;
    kvs__dcep d;
    kvs_platform pf;
    kvs__log log;
    kvs__mem mem;
    kvs__rng rng;
    int guard;
    kvs_sock sock;
    kvs_addr addr;
    int up, down;
    kvs_result why;
    int opened[2], closed[2];
    uint32_t tx;
    rxstate rx;
} kside;

typedef struct uside {
    struct socket *lso, *so;
    kvs_sock sock;
    kvs_addr addr;
    struct sockaddr_in peer; /* kvswebrtc's socket */
    int comm_up, shutdown_comp, comm_lost, cant_start, peer_shutdown;
    int got_open, got_ack;
    int reset_in[2];       /* the peer reset its outgoing stream: our incoming one was reset */
    int reset_out_want[2]; /* we want our outgoing stream reset */
    int reset_out_sent[2]; /* the request is out */
    int reset_out_done[2]; /* the peer performed it */
    int reset_denied;
    uint32_t send_failed;  /* messages abandoned (SCTP_SEND_FAILED_EVENT) */
    uint32_t unordered_bad;
    uint8_t *buf;          /* reassembly of a message or notification (MSG_EOR) */
    size_t len;
    int notif;
    uint32_t tx;
    int eof;
    rxstate rx;
} uside;

typedef struct trace_ent {
    kvs_time at;
    int dir;
    int dropped;
    char text[232];
} trace_ent;

typedef struct ctx {
    const case_def *c;
    kside k;
    uside u;
    kvs_posix px;
    kvs_time now, t0;
    int phase;
    int drop_on[2];
    unsigned long dg[2], dropped[2], user_dg[2];
    unsigned long chunks[2][256];
    uint32_t min_rwnd[2];     /* the smallest window each side advertised in a SACK */
    uint8_t damaged[2][NMSG]; /* loss case: messages of which a part never arrived */
    int64_t cur_msg[2];       /* the message the DATA chunks now on the wire belong to */
    uint32_t tsn_base[2];     /* the loss case: the first user DATA TSN each way ... */
    int tsn_have[2];
    int32_t tsn_msg[2][TSN_SPAN]; /* ... the message (+1) of each user DATA TSN sent ... */
    uint8_t tsn_got[2][TSN_SPAN]; /* ... and whether it reached the other side's socket */
    unsigned long rcvd[2];    /* datagrams read from the receiving socket */
    trace_ent trace[TRACE_KEEP];
    unsigned ntrace;
    char logs[LOG_KEEP][200];
    unsigned nlogs;
    char err[400];
    struct sctpstat ustat0;
} ctx;

static ctx X; /* a kvs__sctp must not move: static storage */
static int opt_trace, opt_verbose, opt_stats;
static uint8_t scratch[MAXMSG];

/* The first error of the case (later ones are consequences). */
static void failf(const char *fmt, ...) {
    va_list ap;
    if (X.err[0])
        return;
    va_start(ap, fmt);
    vsnprintf(X.err, sizeof X.err, fmt, ap);
    va_end(ap);
}

static double ms_since_start(kvs_time t) {
    return (double)(t - X.t0) / 1000.0;
}

/* --- packet decoding for traces and failure reports ------------------------------------------- */

static const char *chunk_name(unsigned t) {
    switch (t) {
    case 0: return "DATA";
    case 1: return "INIT";
    case 2: return "INIT_ACK";
    case 3: return "SACK";
    case 4: return "HEARTBEAT";
    case 5: return "HEARTBEAT_ACK";
    case 6: return "ABORT";
    case 7: return "SHUTDOWN";
    case 8: return "SHUTDOWN_ACK";
    case 9: return "ERROR";
    case 10: return "COOKIE_ECHO";
    case 11: return "COOKIE_ACK";
    case 12: return "ECNE";
    case 13: return "CWR";
    case 14: return "SHUTDOWN_COMPLETE";
    case 15: return "AUTH";
    case 64: return "I_DATA";
    case 128: return "ASCONF_ACK";
    case 130: return "RE_CONFIG";
    case 132: return "PAD";
    case 192: return "FORWARD_TSN";
    case 193: return "ASCONF";
    case 194: return "I_FORWARD_TSN";
    default: return "?";
    }
}

typedef struct sbuf {
    char *p;
    size_t cap, len;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    int n;
    if (b->len + 1 >= b->cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = KVS__MIN(b->cap - 1, b->len + (size_t)n);
}

static uint16_t g16(const uint8_t *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t g32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One packet in a line: ports, tag, then each chunk with its main fields. */
static void describe(const uint8_t *p, size_t n, char *out, size_t cap) {
    sbuf b;
    size_t off = 12;
    b.p = out;
    b.cap = cap;
    b.len = 0;
    out[0] = 0;
    if (n < 12) {
        sb_printf(&b, "runt of %lu bytes", (unsigned long)n);
        return;
    }
    sb_printf(&b, "tag %08lx len %lu:", (unsigned long)g32(p + 4), (unsigned long)n);
    while (off + 4 <= n) {
        unsigned t = p[off], fl = p[off + 1], l = g16(p + off + 2);
        const uint8_t *v = p + off + 4;
        size_t vl;
        if (l < 4 || off + l > n) {
            sb_printf(&b, " [chunk length %u at %lu]", l, (unsigned long)off);
            break;
        }
        vl = l - 4u;
        if (t == 0 && vl >= 12) {
            sb_printf(&b, " DATA(%s%s%s tsn %lu sid %u ssn %u ppid %lu %lu B", fl & 4 ? "U" : "",
                      fl & 2 ? "B" : "", fl & 1 ? "E" : "", (unsigned long)g32(v), g16(v + 4),
                      g16(v + 6), (unsigned long)g32(v + 8), (unsigned long)(vl - 12));
            if (X.c && X.c->pr && (fl & 2) && vl >= 20)
                sb_printf(&b, " \"%.8s\"", (const char *)(v + 12)); /* the loss case's index */
            sb_printf(&b, ")");
        } else if ((t == 1 || t == 2) && vl >= 16) {
            size_t q = 16;
            sb_printf(&b, " %s(tag %08lx a_rwnd %lu os %u mis %u tsn %lu; params", chunk_name(t),
                      (unsigned long)g32(v), (unsigned long)g32(v + 4), g16(v + 8), g16(v + 10),
                      (unsigned long)g32(v + 12));
            while (q + 4 <= vl) {
                unsigned pt = g16(v + q), pl = g16(v + q + 2);
                sb_printf(&b, " %04x/%u", pt, pl);
                if (pl < 4)
                    break;
                q += (pl + 3u) & ~3u;
            }
            sb_printf(&b, ")");
        } else if (t == 3 && vl >= 12) {
            unsigned ng = g16(v + 8), nd = g16(v + 10), i;
            sb_printf(&b, " SACK(cum %lu a_rwnd %lu", (unsigned long)g32(v), (unsigned long)g32(v + 4));
            for (i = 0; i < ng && i < TRACE_GAPS && 12 + 4 * (size_t)i + 4 <= vl; i++)
                sb_printf(&b, " gap +%u..+%u", g16(v + 12 + 4 * i), g16(v + 14 + 4 * i));
            if (ng > TRACE_GAPS)
                sb_printf(&b, " (%u gaps)", ng);
            if (nd)
                sb_printf(&b, " dups %u", nd);
            sb_printf(&b, ")");
        } else if (t == 130) {
            size_t q = 0;
            sb_printf(&b, " RE_CONFIG(");
            while (q + 4 <= vl) {
                unsigned pt = g16(v + q), pl = g16(v + q + 2);
                if (pl < 4 || q + pl > vl)
                    break;
                if (pt == 13 && pl >= 16) {
                    unsigned s;
                    sb_printf(&b, " out-reset req %lu resp %lu last %lu sids", (unsigned long)g32(v + q + 4),
                              (unsigned long)g32(v + q + 8), (unsigned long)g32(v + q + 12));
                    for (s = 16; s + 2 <= pl; s += 2)
                        sb_printf(&b, " %u", g16(v + q + s));
                } else if (pt == 14 && pl >= 8) {
                    sb_printf(&b, " in-reset req %lu", (unsigned long)g32(v + q + 4));
                } else if (pt == 16 && pl >= 12) {
                    sb_printf(&b, " response seq %lu result %lu", (unsigned long)g32(v + q + 4),
                              (unsigned long)g32(v + q + 8));
                } else {
                    sb_printf(&b, " param %u/%u", pt, pl);
                }
                q += (pl + 3u) & ~3u;
            }
            sb_printf(&b, ")");
        } else if (t == 192 && vl >= 4) {
            size_t q;
            sb_printf(&b, " FORWARD_TSN(cum %lu", (unsigned long)g32(v));
            for (q = 4; q + 4 <= vl; q += 4)
                sb_printf(&b, " %u:%u", g16(v + q), g16(v + q + 2));
            sb_printf(&b, ")");
        } else if ((t == 6 || t == 9) && vl >= 4) {
            sb_printf(&b, " %s(%scause %u)", chunk_name(t), (fl & 1) ? "T " : "", g16(v));
        } else if (t == 7 && vl >= 4) {
            sb_printf(&b, " SHUTDOWN(cum %lu)", (unsigned long)g32(v));
        } else if (t == 4 || t == 5) {
            sb_printf(&b, " %s(%lu B)", chunk_name(t), (unsigned long)vl);
        } else {
            sb_printf(&b, " %s%s(%u B)", chunk_name(t), (fl & 1) ? "/T" : "", (unsigned)vl);
        }
        off += (l + 3u) & ~3u;
    }
}

/* Does this packet carry a DATA chunk with user data (not DCEP)? */
static int has_user_data(const uint8_t *p, size_t n) {
    size_t off = 12;
    while (off + 16 <= n) {
        unsigned l = g16(p + off + 2);
        if (p[off] == 0 && l >= 16 && g32(p + off + 12) != PPID_DCEP)
            return 1;
        if (l < 4)
            break;
        off += (l + 3u) & ~3u;
    }
    return 0;
}

/* The loss case: which message each user DATA chunk belongs to, as it is sent. A message's first
   chunk (B) starts with its index in hex; the chunks that follow it in TSN order belong to it
   until the next B (nothing is retransmitted there: every channel allows 0 retransmissions). */
static void track_sent(int dir, const uint8_t *p, size_t n) {
    size_t off = 12;
    while (off + 16 <= n) {
        unsigned l = g16(p + off + 2);
        if (l < 4)
            break;
        if (p[off] == 0 && l >= 16 && off + l <= n && g32(p + off + 12) != PPID_DCEP) {
            if (p[off + 1] & 2) {
                uint32_t i = 0;
                int k, ok = l >= 16 + 8;
                for (k = 0; ok && k < 8; k++) {
                    int c = p[off + 16 + k];
                    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
                    ok = v >= 0;
                    i = i << 4 | (uint32_t)(v & 15);
                }
                X.cur_msg[dir] = ok && i < NMSG ? (int64_t)i : -1;
            }
            {
                uint32_t tsn = g32(p + off + 4), k;
                if (!X.tsn_have[dir]) {
                    X.tsn_base[dir] = tsn;
                    X.tsn_have[dir] = 1;
                }
                k = tsn - X.tsn_base[dir];
                if (k >= TSN_SPAN || X.cur_msg[dir] < 0)
                    failf("a user DATA chunk (TSN %lu) the harness cannot attribute to a message",
                          (unsigned long)tsn);
                else if (!X.tsn_msg[dir][k])
                    X.tsn_msg[dir][k] = (int32_t)X.cur_msg[dir] + 1;
            }
        }
        off += (l + 3u) & ~3u;
    }
}

/* The loss case: the user DATA chunks that reached the receiving socket. */
static void track_arrived(int dir, const uint8_t *p, size_t n) {
    size_t off = 12;
    X.rcvd[dir]++;
    while (X.c->pr && X.tsn_have[dir] && off + 16 <= n) {
        unsigned l = g16(p + off + 2);
        if (l < 4)
            break;
        if (p[off] == 0 && l >= 16 && g32(p + off + 12) != PPID_DCEP) {
            uint32_t k = g32(p + off + 4) - X.tsn_base[dir];
            if (k < TSN_SPAN)
                X.tsn_got[dir][k] = 1;
        }
        off += (l + 3u) & ~3u;
    }
}

/* The loss case: a message is damaged when a chunk of it was sent and never arrived (dropped
   by the harness on purpose, or by the kernel). */
static void find_damaged(void) {
    int d;
    uint32_t k;
    for (d = 0; d < 2; d++)
        for (k = 0; k < TSN_SPAN; k++)
            if (X.tsn_msg[d][k] && !X.tsn_got[d][k])
                X.damaged[d][X.tsn_msg[d][k] - 1] = 1;
}

/* Every packet either way passes here: counted, remembered, maybe dropped (loss case).
   Returns 1 when it is to be dropped. */
static int on_packet(int dir, const uint8_t *p, size_t n) {
    trace_ent *e = &X.trace[X.ntrace++ % TRACE_KEEP];
    size_t off = 12;
    int drop = 0;
    X.dg[dir]++;
    while (off + 4 <= n) {
        unsigned l = g16(p + off + 2);
        X.chunks[dir][p[off]]++;
        if (p[off] == 3 && l >= 16 && off + 12 <= n && g32(p + off + 8) < X.min_rwnd[dir])
            X.min_rwnd[dir] = g32(p + off + 8);
        if (l < 4)
            break;
        off += (l + 3u) & ~3u;
    }
    if (has_user_data(p, n)) {
        X.user_dg[dir]++;
        drop = X.drop_on[dir] && X.user_dg[dir] % DROP_EVERY == 0;
    }
    if (drop)
        X.dropped[dir]++;
    if (X.c->pr)
        track_sent(dir, p, n);
    e->at = X.now;
    e->dir = dir;
    e->dropped = drop;
    describe(p, n, e->text, sizeof e->text);
    if (opt_trace)
        fprintf(stderr, "%9.3f ms %s %s%s\n", ms_since_start(X.now), dir == K2U ? "kvs>usr" : "usr>kvs",
                drop ? "(dropped) " : "", e->text);
    return drop;
}

/* --- kvswebrtc's side -------------------------------------------------------------------------- */

static void k_log(void *user, int level, int item, const char *msg, int line) {
    (void)user;
    if (opt_verbose)
        fprintf(stderr, "kvs %s %s line %d: %s\n", kvs_log_level_str(level), kvs_log_item_name(item),
                line, msg ? msg : "");
    if (level <= KVS_LOG_WARN)
        snprintf(X.logs[X.nlogs++ % LOG_KEEP], sizeof X.logs[0], "%s %s line %d: %s",
                 kvs_log_level_str(level), kvs_log_item_name(item), line, msg ? msg : "");
}

static int chan_of(uint16_t sid) {
    return sid == 0 ? 0 : sid == 1 ? 1 : -1;
}

static void rx_check(rxstate *r, int dir, int chan, const uint8_t *p, size_t n, int binary) {
    const char *who = dir == K2U ? "usrsctp" : "kvswebrtc";
    int pr = X.c->pr;
    uint32_t i;
    mspec m;
    size_t k;
    if (r->err[0])
        return;
    if (chan < 0) {
        snprintf(r->err, sizeof r->err, "%s: a message on a stream without a channel", who);
        return;
    }
    if (!pr) {
        i = r->next[chan];
        if (i >= NMSG) {
            snprintf(r->err, sizeof r->err, "%s: more messages than were sent on channel %d", who, chan);
            return;
        }
        r->next[chan] += 2;
    } else {
        i = 0;
        for (k = 0; k < 8 && k < n; k++) {
            int c = p[k], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (v < 0)
                break;
            i = i << 4 | (uint32_t)v;
        }
        if (k < 8 || i >= NMSG) {
            snprintf(r->err, sizeof r->err, "%s: a message of %lu bytes without a valid index", who,
                     (unsigned long)n);
            return;
        }
        if (r->seen[i]) {
            snprintf(r->err, sizeof r->err, "%s: message %lu delivered twice", who, (unsigned long)i);
            return;
        }
        if (chan == 1 && (int64_t)i <= r->last[1]) {
            snprintf(r->err, sizeof r->err,
                     "%s: ordered channel: message %lu delivered after message %lld", who,
                     (unsigned long)i, (long long)r->last[1]);
            return;
        }
        r->seen[i] = 1;
        r->last[chan] = i;
    }
    m = spec(pr, dir, i);
    if (m.chan != chan || m.len != n || m.binary != binary) {
        snprintf(r->err, sizeof r->err,
                 "%s: message %lu: %lu bytes %s on channel %d, expected %lu bytes %s on channel %d",
                 who, (unsigned long)i, (unsigned long)n, binary ? "binary" : "text", chan,
                 (unsigned long)m.len, m.binary ? "binary" : "text", m.chan);
        return;
    }
    fill(pr, dir, i, &m, scratch);
    if (n && memcmp(p, scratch, n) != 0) {
        for (k = 0; k < n && p[k] == scratch[k]; k++)
            ;
        snprintf(r->err, sizeof r->err, "%s: message %lu (%lu bytes): content differs from byte %lu",
                 who, (unsigned long)i, (unsigned long)n, (unsigned long)k);
        return;
    }
    r->got++;
    r->bytes += n;
}

static void k_up(void *ctx) {
    (void)ctx;
    X.k.up = 1;
}
static void k_down(void *ctx, kvs_result why) {
    (void)ctx;
    X.k.down = 1;
    X.k.why = why;
    kvs__dcep_on_down(&X.k.d);
}
static void k_sctp_message(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n) {
    (void)ctx;
    kvs__dcep_on_message(&X.k.d, sid, ppid, p, n, X.now);
}
static void k_sctp_reset(void *ctx, uint16_t sid) {
    (void)ctx;
    kvs__dcep_on_reset(&X.k.d, sid);
}
static void k_open(void *ctx, uint16_t sid) {
    int c = chan_of(sid);
    (void)ctx;
    if (c < 0)
        failf("kvswebrtc: open event for stream %u", (unsigned)sid);
    else
        X.k.opened[c]++;
}
static void k_closed(void *ctx, uint16_t sid) {
    int c = chan_of(sid);
    (void)ctx;
    if (c >= 0)
        X.k.closed[c]++;
}
static void k_message(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary) {
    (void)ctx;
    rx_check(&X.k.rx, U2K, chan_of(sid), p, n, binary);
}

/* Send everything kvswebrtc has to send. */
static void k_flush(void) {
    static uint8_t buf[2048];
    size_t len;
    while (kvs__sctp_output(&X.k.s, buf, sizeof buf, &len, X.now) == KVS_OK) {
        if (on_packet(K2U, buf, len))
            continue;
        if (kvs_posix_udp_send(&X.px, X.k.sock, &X.u.addr, buf, len) < 0)
            failf("kvswebrtc: udp_send failed");
    }
}

/* --- usrsctp's side ---------------------------------------------------------------------------- */

static int u_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df) {
    uside *u = (uside *)addr;
    (void)tos;
    (void)set_df;
    if (u != &X.u)
        return 0; /* an association of an earlier case, going away */
    if (on_packet(U2K, (const uint8_t *)buf, len))
        return 0;
    if (sendto((int)u->sock, buf, len, 0, (const struct sockaddr *)&u->peer, sizeof u->peer) < 0 &&
        errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
        failf("usrsctp: sendto: %s", strerror(errno));
    return 0;
}

static int u_setopt(struct socket *so, int level, int name, const void *v, socklen_t n, const char *what) {
    if (usrsctp_setsockopt(so, level, name, v, n) == 0)
        return 0;
    failf("usrsctp_setsockopt(%s): %s", what, strerror(errno));
    return -1;
}

/* What a data channel stack sets on its usrsctp socket. */
static void u_options(struct socket *so) {
    static const uint16_t events[] = {SCTP_ASSOC_CHANGE,    SCTP_STREAM_RESET_EVENT,
                                      SCTP_SEND_FAILED_EVENT, SCTP_SHUTDOWN_EVENT,
                                      SCTP_REMOTE_ERROR,    SCTP_PARTIAL_DELIVERY_EVENT};
    struct sctp_assoc_value av;
    struct sctp_initmsg im;
    struct sctp_paddrparams pp;
    struct sctp_event ev;
    size_t i;
    int on = 1;
    int buf = SCTP_BUF;
    usrsctp_set_non_blocking(so, 1);
    /* the same buffers as kvswebrtc's (send_buffer 1 MiB; recv_buffer: see run_case) */
    u_setopt(so, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf, "SO_SNDBUF");
    u_setopt(so, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf, "SO_RCVBUF");
    u_setopt(so, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO");
    u_setopt(so, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY");
    memset(&av, 0, sizeof av);
    av.assoc_id = SCTP_ALL_ASSOC;
    av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
    u_setopt(so, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof av, "SCTP_ENABLE_STREAM_RESET");
    memset(&im, 0, sizeof im);
    im.sinit_num_ostreams = 1024;
    im.sinit_max_instreams = 1024;
    u_setopt(so, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im, "SCTP_INITMSG");
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
    pp.spp_flags = SPP_PMTUD_DISABLE;
    pp.spp_pathmtu = 1200; /* the SCTP packet: the same MTU as kvswebrtc's default */
    if (X.c->heartbeat) {
        pp.spp_flags |= SPP_HB_ENABLE;
        pp.spp_hbinterval = 100;
    }
    u_setopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp, "SCTP_PEER_ADDR_PARAMS");
    if (X.c->heartbeat) {
        /* the heartbeat timer is the interval plus RTO: a short RTO makes them come quickly */
        struct sctp_rtoinfo ri;
        memset(&ri, 0, sizeof ri);
        ri.srto_assoc_id = SCTP_FUTURE_ASSOC;
        ri.srto_initial = 300;
        ri.srto_min = 100;
        ri.srto_max = 1000;
        u_setopt(so, IPPROTO_SCTP, SCTP_RTOINFO, &ri, sizeof ri, "SCTP_RTOINFO");
    }
    for (i = 0; i < sizeof events / sizeof events[0]; i++) {
        memset(&ev, 0, sizeof ev);
        ev.se_assoc_id = SCTP_ALL_ASSOC;
        ev.se_type = events[i];
        ev.se_on = 1;
        u_setopt(so, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev, "SCTP_EVENT");
    }
}

/* The channel type of each channel: how usrsctp sends on it. */
static int chan_type(int chan) {
    if (!X.c->pr)
        return KVS_DC_RELIABLE;
    return chan == 0 ? KVS_DC_REXMIT_UNORDERED : KVS_DC_REXMIT;
}

/* 1 sent, 0 would block, -1 error. */
static int u_send(uint16_t sid, uint32_t ppid, const void *p, size_t n, int chan) {
    struct sctp_sendv_spa spa;
    int type = chan < 0 ? KVS_DC_RELIABLE : chan_type(chan);
    ssize_t r;
    memset(&spa, 0, sizeof spa);
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = sid;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    if (type & 0x80)
        spa.sendv_sndinfo.snd_flags = SCTP_UNORDERED;
    if ((type & 0x7f) == KVS_DC_REXMIT) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
        spa.sendv_prinfo.pr_value = 0;
    }
    r = usrsctp_sendv(X.u.so, p, n, NULL, 0, &spa, (socklen_t)sizeof spa, SCTP_SENDV_SPA, 0);
    if (r < 0) {
        if (errno == EWOULDBLOCK || errno == EAGAIN)
            return 0;
        failf("usrsctp_sendv(%lu bytes, stream %u): %s", (unsigned long)n, (unsigned)sid, strerror(errno));
        return -1;
    }
    if ((size_t)r != n) {
        failf("usrsctp_sendv: %ld of %lu bytes taken", (long)r, (unsigned long)n);
        return -1;
    }
    return 1;
}

/* DCEP DATA_CHANNEL_OPEN as RFC 8832 5.1 lays it out. */
static size_t dcep_open_msg(uint8_t *m, int type, uint16_t prio, uint32_t rel, const char *label,
                            const char *proto) {
    size_t ll = strlen(label), pl = strlen(proto);
    m[0] = 0x03;
    m[1] = (uint8_t)type;
    m[2] = (uint8_t)(prio >> 8);
    m[3] = (uint8_t)prio;
    m[4] = (uint8_t)(rel >> 24);
    m[5] = (uint8_t)(rel >> 16);
    m[6] = (uint8_t)(rel >> 8);
    m[7] = (uint8_t)rel;
    m[8] = (uint8_t)(ll >> 8);
    m[9] = (uint8_t)ll;
    m[10] = (uint8_t)(pl >> 8);
    m[11] = (uint8_t)pl;
    memcpy(m + 12, label, ll);
    memcpy(m + 12 + ll, proto, pl);
    return 12 + ll + pl;
}

static const char *k_label(void) {
    return X.c->pr ? "kvs partial unordered" : "kvs-chan \xc3\xa9t\xc3\xa9";
}
static const char *u_label(void) {
    return X.c->pr ? "usrsctp partial ordered" : "usrsctp-chan";
}

static void u_dcep(uint16_t sid, const uint8_t *p, size_t n) {
    if (n == 1 && p[0] == 0x02) {
        if (sid != 1 || X.u.got_ack)
            failf("usrsctp: unexpected DATA_CHANNEL_ACK on stream %u", (unsigned)sid);
        X.u.got_ack = 1;
        return;
    }
    if (n >= 12 && p[0] == 0x03) {
        uint8_t want[512];
        size_t wn = dcep_open_msg(want, chan_type(0), 256, 0, k_label(), "kvs-proto");
        static const uint8_t ack = 0x02;
        if (sid != 0 || X.u.got_open) {
            failf("usrsctp: unexpected DATA_CHANNEL_OPEN on stream %u", (unsigned)sid);
            return;
        }
        if (n != wn || memcmp(p, want, n) != 0) {
            failf("usrsctp: kvswebrtc's DATA_CHANNEL_OPEN is not the one expected (type 0x%02x, "
                  "%lu bytes, want %lu)", p[1], (unsigned long)n, (unsigned long)wn);
            return;
        }
        X.u.got_open = 1;
        if (u_send(sid, PPID_DCEP, &ack, 1, -1) != 1)
            failf("usrsctp: could not send DATA_CHANNEL_ACK");
        return;
    }
    failf("usrsctp: unknown DCEP message (type 0x%02x, %lu bytes) on stream %u", n ? p[0] : 0,
          (unsigned long)n, (unsigned)sid);
}

static void u_notification(const uint8_t *p, size_t n) {
    union sctp_notification nt;
    memset(&nt, 0, sizeof nt);
    memcpy(&nt, p, KVS__MIN(n, sizeof nt));
    switch (nt.sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
        switch (nt.sn_assoc_change.sac_state) {
        case SCTP_COMM_UP:
            X.u.comm_up = 1;
            break;
        case SCTP_SHUTDOWN_COMP:
            X.u.shutdown_comp = 1;
            break;
        case SCTP_COMM_LOST:
            X.u.comm_lost = 1;
            if (X.phase != P_SHUTDOWN)
                failf("usrsctp: SCTP_COMM_LOST (error %u)", nt.sn_assoc_change.sac_error);
            break;
        case SCTP_CANT_STR_ASSOC:
            X.u.cant_start = 1;
            failf("usrsctp: SCTP_CANT_STR_ASSOC");
            break;
        case SCTP_RESTART:
            failf("usrsctp: SCTP_RESTART");
            break;
        }
        break;
    case SCTP_STREAM_RESET_EVENT: {
        const uint8_t *list = p + sizeof(struct sctp_stream_reset_event);
        uint16_t flags = nt.sn_strreset_event.strreset_flags;
        size_t i, cnt = n > sizeof(struct sctp_stream_reset_event)
                            ? (n - sizeof(struct sctp_stream_reset_event)) / 2 : 0;
        if (flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) {
            X.u.reset_denied = 1;
            failf("usrsctp: stream reset %s (flags 0x%x)",
                  (flags & SCTP_STREAM_RESET_DENIED) ? "denied" : "failed", flags);
            break;
        }
        for (i = 0; i < cnt; i++) {
            uint16_t sid;
            int c;
            memcpy(&sid, list + 2 * i, 2);
            c = chan_of(sid);
            if (c < 0) {
                failf("usrsctp: reset of stream %u", (unsigned)sid);
                continue;
            }
            if (flags & SCTP_STREAM_RESET_INCOMING_SSN) {
                X.u.reset_in[c] = 1;
                X.u.reset_out_want[c] = 1; /* close our side too (RFC 8831 6.7) */
            }
            if (flags & SCTP_STREAM_RESET_OUTGOING_SSN)
                X.u.reset_out_done[c] = 1;
        }
        break;
    }
    case SCTP_SEND_FAILED_EVENT:
        X.u.send_failed++;
        if (!X.c->pr)
            failf("usrsctp: a message could not be sent (error %lu)",
                  (unsigned long)nt.sn_send_failed_event.ssfe_error);
        break;
    case SCTP_SHUTDOWN_EVENT:
        X.u.peer_shutdown = 1;
        break;
    case SCTP_REMOTE_ERROR:
        failf("usrsctp: the peer sent an ERROR chunk (cause %u)", ntohs(nt.sn_remote_error.sre_error));
        break;
    case SCTP_PARTIAL_DELIVERY_EVENT:
        failf("usrsctp: partial delivery aborted");
        break;
    default:
        break;
    }
}

static void u_message(const struct sctp_rcvinfo *ri, const uint8_t *p, size_t n) {
    uint32_t ppid = ntohl(ri->rcv_ppid);
    int c = chan_of(ri->rcv_sid), binary;
    if (ppid == PPID_DCEP) {
        u_dcep(ri->rcv_sid, p, n);
        return;
    }
    switch (ppid) {
    case PPID_STRING:
    case PPID_BINARY:
        binary = ppid == PPID_BINARY;
        break;
    case PPID_STRING_EMPTY:
    case PPID_BINARY_EMPTY:
        binary = ppid == PPID_BINARY_EMPTY;
        if (n != 1 || p[0] != 0) /* RFC 8831 6.6: one zero byte */
            failf("usrsctp: an empty message (PPID %lu) of %lu bytes", (unsigned long)ppid,
                  (unsigned long)n);
        n = 0;
        break;
    default:
        failf("usrsctp: PPID %lu on stream %u", (unsigned long)ppid, (unsigned)ri->rcv_sid);
        return;
    }
    if (c >= 0 && ((ri->rcv_flags & SCTP_UNORDERED) != 0) != ((chan_type(c) & 0x80) != 0))
        X.u.unordered_bad++;
    rx_check(&X.u.rx, K2U, c, p, n, binary);
}

/* Read everything usrsctp has for us: messages (reassembled up to MSG_EOR) and notifications. */
static void u_drain(void) {
    if (!X.u.so && X.u.lso) {
        X.u.so = usrsctp_accept(X.u.lso, NULL, NULL);
        if (!X.u.so && errno != EWOULDBLOCK && errno != EAGAIN)
            failf("usrsctp_accept: %s", strerror(errno));
        if (X.u.so)
            usrsctp_set_non_blocking(X.u.so, 1);
    }
    while (X.u.so && !X.u.eof) {
        struct sctp_rcvinfo ri;
        struct sockaddr_conn from;
        socklen_t flen = (socklen_t)sizeof from, ilen = (socklen_t)sizeof ri;
        unsigned itype = 0;
        int flags = 0;
        ssize_t r;
        memset(&ri, 0, sizeof ri);
        r = usrsctp_recvv(X.u.so, X.u.buf + X.u.len, MAXMSG + 4096 - X.u.len, (struct sockaddr *)&from,
                          &flen, &ri, &ilen, &itype, &flags);
        if (r < 0) {
            if (errno != EWOULDBLOCK && errno != EAGAIN && errno != ENOTCONN)
                failf("usrsctp_recvv: %s", strerror(errno));
            return;
        }
        if (r == 0 && !(flags & MSG_NOTIFICATION)) {
            X.u.eof = 1; /* the association is gone */
            return;
        }
        if (X.u.len && X.u.notif != ((flags & MSG_NOTIFICATION) != 0)) {
            failf("usrsctp: a notification inside a message");
            X.u.len = 0;
        }
        X.u.notif = (flags & MSG_NOTIFICATION) != 0;
        X.u.len += (size_t)r;
        if (!(flags & MSG_EOR)) {
            if (X.u.len >= MAXMSG + 4096) {
                failf("usrsctp: a message longer than %d bytes", MAXMSG);
                X.u.len = 0;
            }
            continue;
        }
        if (X.u.notif)
            u_notification(X.u.buf, X.u.len);
        else if (itype != SCTP_RECVV_RCVINFO)
            failf("usrsctp_recvv: no sctp_rcvinfo");
        else
            u_message(&ri, X.u.buf, X.u.len);
        X.u.len = 0;
    }
}

/* Ask for the outgoing resets we want (one request at a time: retried until usrsctp takes it). */
static void u_resets(void) {
    int c;
    for (c = 0; c < 2 && X.u.so; c++) {
        uint8_t raw[sizeof(struct sctp_reset_streams) + 4];
        struct sctp_reset_streams *rs = (struct sctp_reset_streams *)(void *)raw;
        uint16_t sid = (uint16_t)c;
        if (!X.u.reset_out_want[c] || X.u.reset_out_sent[c])
            continue;
        memset(raw, 0, sizeof raw);
        rs->srs_assoc_id = SCTP_ALL_ASSOC;
        rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
        rs->srs_number_streams = 1;
        memcpy(raw + sizeof(struct sctp_reset_streams), &sid, 2);
        if (usrsctp_setsockopt(X.u.so, IPPROTO_SCTP, SCTP_RESET_STREAMS, raw,
                               (socklen_t)(sizeof(struct sctp_reset_streams) + 2)) == 0)
            X.u.reset_out_sent[c] = 1;
        else if (errno != EAGAIN && errno != EBUSY && errno != EALREADY && errno != EINPROGRESS)
            failf("usrsctp: SCTP_RESET_STREAMS on stream %d: %s", c, strerror(errno));
    }
}

static int u_status(struct sctp_status *st) {
    socklen_t n = (socklen_t)sizeof *st;
    memset(st, 0, sizeof *st);
    return X.u.so ? usrsctp_getsockopt(X.u.so, IPPROTO_SCTP, SCTP_STATUS, st, &n) : -1;
}

/* --- the case ---------------------------------------------------------------------------------- */

static int bind_udp(kvs_sock *s, kvs_addr *a) {
    kvs_addr local;
    int sz = UDP_BUF;
    memset(&local, 0, sizeof local);
    kvs_addr_parse(&local, "127.0.0.1", 9, 0);
    if (kvs_posix_udp_open(&X.px, &local, s, a) != 0)
        return -1;
    /* large socket buffers: a burst of a full window must not be dropped by the kernel */
#ifdef SO_RCVBUFFORCE
    if (setsockopt((int)*s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
#endif
        (void)setsockopt((int)*s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
#ifdef SO_SNDBUFFORCE
    if (setsockopt((int)*s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
#endif
        (void)setsockopt((int)*s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    return 0;
}

/* Pump the senders of the data phase; the loss case stops losing after 3/4 of the messages. */
static void pump(void) {
    static uint8_t buf[MAXMSG];
    int pr = X.c->pr;
    while (X.k.tx < NMSG && !X.err[0]) {
        mspec m = spec(pr, K2U, X.k.tx);
        kvs_result r;
        fill(pr, K2U, X.k.tx, &m, buf);
        r = kvs__dcep_send(&X.k.d, (uint16_t)m.chan, buf, m.len, m.binary, X.now);
        if (r == KVS_ERR_AGAIN)
            break;
        if (r != KVS_OK) {
            failf("kvswebrtc: kvs__dcep_send(message %lu): %s", (unsigned long)X.k.tx, kvs_result_str(r));
            break;
        }
        X.k.tx++;
    }
    while (X.u.tx < NMSG && !X.err[0]) {
        mspec m = spec(pr, U2K, X.u.tx);
        static const uint8_t zero = 0;
        int r;
        fill(pr, U2K, X.u.tx, &m, buf);
        if (m.len)
            r = u_send((uint16_t)m.chan, m.binary ? PPID_BINARY : PPID_STRING, buf, m.len, m.chan);
        else
            r = u_send((uint16_t)m.chan, m.binary ? PPID_BINARY_EMPTY : PPID_STRING_EMPTY, &zero, 1, m.chan);
        if (r <= 0)
            break;
        X.u.tx++;
    }
    X.drop_on[K2U] = pr && X.k.tx < NMSG * 3 / 4;
    X.drop_on[U2K] = pr && X.u.tx < NMSG * 3 / 4;
}

static int usr_idle(void) {
    struct sctp_status st;
    return u_status(&st) == 0 && st.sstat_unackdata == 0 && st.sstat_penddata == 0;
}

static void start_shutdown(void) {
    X.phase = P_SHUTDOWN;
    if (X.c->kvs_shuts_down)
        kvs__sctp_shutdown(&X.k.s);
    else if (usrsctp_shutdown(X.u.so, SHUT_WR) != 0)
        failf("usrsctp_shutdown: %s", strerror(errno));
}

/* Move the case on; returns 1 when a phase was entered (loop again at once). */
static int advance(void) {
    switch (X.phase) {
    case P_CONNECT:
        if (!X.k.up || !X.u.so || !X.u.comm_up)
            return 0;
        if (X.c->heartbeat) {
            X.phase = P_IDLE;
            return 1;
        }
        X.phase = P_OPEN;
        {
            uint16_t sid = 0xffff;
            uint8_t m[512];
            size_t n;
            kvs_result r = kvs__dcep_open(&X.k.d, k_label(), "kvs-proto", chan_type(0), 0, 256, 0, -1,
                                          &sid, X.now);
            if (r != KVS_OK || sid != 0)
                failf("kvswebrtc: kvs__dcep_open: %s, stream %u", kvs_result_str(r), (unsigned)sid);
            n = dcep_open_msg(m, chan_type(1), 512, 0, u_label(), "usrsctp-proto");
            if (u_send(1, PPID_DCEP, m, n, -1) != 1)
                failf("usrsctp: could not send DATA_CHANNEL_OPEN");
        }
        return 1;
    case P_OPEN: {
        kvs__dc *dc;
        if (!X.k.opened[0] || !X.k.opened[1] || !X.u.got_open || !X.u.got_ack)
            return 0;
        dc = kvs__dcep_find(&X.k.d, 1);
        if (!dc || strcmp(dc->label, u_label()) != 0 || strcmp(dc->protocol, "usrsctp-proto") != 0 ||
            dc->type != chan_type(1) || dc->priority != 512 || dc->rel != 0) {
            failf("kvswebrtc: usrsctp's channel recorded wrong: label '%s' protocol '%s' type 0x%02x "
                  "priority %u", dc ? dc->label : "?", dc ? dc->protocol : "?", dc ? dc->type : 0,
                  dc ? dc->priority : 0);
            return 0;
        }
        X.phase = P_DATA;
        return 1;
    }
    case P_DATA:
        if (X.k.tx < NMSG || X.u.tx < NMSG)
            return 0;
        if (!X.c->pr) {
            if (X.k.rx.got < NMSG || X.u.rx.got < NMSG)
                return 0;
        } else if (!kvs__sctp_idle(&X.k.s) || !usr_idle() || X.k.s.resp_pending) {
            return 0; /* everything acknowledged or skipped by FORWARD-TSN both ways */
        }
        X.phase = P_CLOSE_KVS;
        if (kvs__dcep_close(&X.k.d, 0) != KVS_OK)
            failf("kvswebrtc: kvs__dcep_close failed");
        return 1;
    case P_IDLE:
        if (X.now - X.t0 < KVS_MSEC(IDLE_MS) &&
            (X.chunks[K2U][KVS__SCTP_HEARTBEAT_ACK] < 2 || X.chunks[U2K][KVS__SCTP_HEARTBEAT_ACK] < 2))
            return 0;
        start_shutdown();
        return 1;
    case P_CLOSE_KVS:
        if (!X.u.reset_in[0] || !X.k.closed[0] || !X.u.reset_out_done[0])
            return 0;
        X.phase = P_CLOSE_USR;
        X.u.reset_out_want[1] = 1;
        return 1;
    case P_CLOSE_USR:
        if (!X.k.closed[1] || !X.u.reset_in[1] || !X.u.reset_out_done[1])
            return 0;
        start_shutdown();
        return 1;
    case P_SHUTDOWN:
        if (!X.k.down || !X.u.shutdown_comp)
            return 0;
        if (X.k.why != KVS_ERR_CLOSED)
            failf("kvswebrtc: down with %s, expected KVS_ERR_CLOSED", kvs_result_str(X.k.why));
        X.phase = P_DONE;
        return 1;
    default:
        return 0;
    }
}

static void report_state(void) {
    struct sctp_status st;
    unsigned i;
    const kvs__sctp *s = &X.k.s;
    printf("    reached: %s, after %.0f ms\n", phase_name[X.phase], ms_since_start(X.now));
    printf("    kvswebrtc: state %d up %d down %d (%s) sent %lu/%d received %lu (%llu B) opened %d/%d "
           "closed %d/%d\n",
           s->state, X.k.up, X.k.down, X.k.down ? kvs_result_str(X.k.why) : "-", (unsigned long)X.k.tx,
           NMSG, (unsigned long)X.k.rx.got, (unsigned long long)X.k.rx.bytes, X.k.opened[0],
           X.k.opened[1], X.k.closed[0], X.k.closed[1]);
    printf("      cwnd %lu ssthresh %lu flight %lu peer_rwnd %lu queued %lu cum_tsn %lu next_tsn %lu "
           "peer_cum %lu packets in %lu out %lu dropped %lu rtx %lu fast %lu t3 %lu abandoned %lu\n",
           (unsigned long)s->cwnd, (unsigned long)s->ssthresh, (unsigned long)s->flight,
           (unsigned long)s->peer_rwnd, (unsigned long)s->queued_bytes, (unsigned long)s->cum_tsn,
           (unsigned long)s->next_tsn, (unsigned long)s->peer_cum, (unsigned long)s->st.packets_received,
           (unsigned long)s->st.packets_sent, (unsigned long)s->st.packets_dropped,
           (unsigned long)s->st.retransmissions, (unsigned long)s->st.fast_retransmits,
           (unsigned long)s->st.t3_expiries, (unsigned long)s->st.abandoned);
    if (X.k.rx.err[0])
        printf("      %s\n", X.k.rx.err);
    printf("    usrsctp: socket %s comm_up %d shutdown_comp %d sent %lu/%d received %lu (%llu B) open %d "
           "ack %d reset in %d/%d out %d/%d send_failed %lu\n",
           X.u.so ? "yes" : "no", X.u.comm_up, X.u.shutdown_comp, (unsigned long)X.u.tx, NMSG,
           (unsigned long)X.u.rx.got, (unsigned long long)X.u.rx.bytes, X.u.got_open, X.u.got_ack,
           X.u.reset_in[0], X.u.reset_in[1], X.u.reset_out_done[0], X.u.reset_out_done[1],
           (unsigned long)X.u.send_failed);
    if (u_status(&st) == 0)
        printf("      state %ld rwnd %lu unacked %u pending %u\n", (long)st.sstat_state,
               (unsigned long)st.sstat_rwnd, (unsigned)st.sstat_unackdata, (unsigned)st.sstat_penddata);
    if (X.u.rx.err[0])
        printf("      %s\n", X.u.rx.err);
    printf("    datagrams kvs>usr %lu (dropped on purpose %lu), usr>kvs %lu (dropped on purpose %lu)\n",
           X.dg[K2U], X.dropped[K2U], X.dg[U2K], X.dropped[U2K]);
    printf("    chunks kvs>usr / usr>kvs: DATA %lu / %lu, SACK %lu / %lu, FORWARD_TSN %lu / %lu, "
           "RE_CONFIG %lu / %lu, HEARTBEAT %lu / %lu, HEARTBEAT_ACK %lu / %lu\n",
           X.chunks[K2U][0], X.chunks[U2K][0], X.chunks[K2U][3], X.chunks[U2K][3], X.chunks[K2U][192],
           X.chunks[U2K][192], X.chunks[K2U][130], X.chunks[U2K][130], X.chunks[K2U][4], X.chunks[U2K][4],
           X.chunks[K2U][5], X.chunks[U2K][5]);
    printf("    last packets:\n");
    for (i = X.ntrace > TRACE_KEEP ? X.ntrace - TRACE_KEEP : 0; i < X.ntrace; i++) {
        const trace_ent *e = &X.trace[i % TRACE_KEEP];
        printf("      %8.1f ms %s %s%s\n", ms_since_start(e->at), e->dir == K2U ? "kvs>usr" : "usr>kvs",
               e->dropped ? "(dropped) " : "", e->text);
    }
    if (X.nlogs) {
        printf("    kvswebrtc's last warnings:\n");
        for (i = X.nlogs > LOG_KEEP ? X.nlogs - LOG_KEEP : 0; i < X.nlogs; i++)
            printf("      %s\n", X.logs[i % LOG_KEEP]);
    }
}

static void print_stats(void) {
    static const unsigned types[] = {0, 3, 4, 5, 130, 192};
    const kvs__sctp *s = &X.k.s;
    int d;
    size_t i;
    fprintf(stderr, "stats: %s: %.1f ms; kvswebrtc abandoned %lu, rtx %lu (fast %lu), t3 %lu; "
                    "usrsctp send failures %lu\n", X.c->name, ms_since_start(X.now),
            (unsigned long)s->st.abandoned, (unsigned long)s->st.retransmissions,
            (unsigned long)s->st.fast_retransmits, (unsigned long)s->st.t3_expiries,
            (unsigned long)X.u.send_failed);
    if (X.c->pr)
        find_damaged();
    for (d = 0; d < 2 && X.c->pr; d++) {
        uint32_t j, dmg = 0;
        for (j = 0; j < NMSG; j++)
            dmg += X.damaged[d][j];
        fprintf(stderr, "stats:   %s: %lu messages damaged by the loss, %lu delivered\n",
                d == K2U ? "kvs>usr" : "usr>kvs", (unsigned long)dmg,
                (unsigned long)(d == K2U ? X.u.rx.got : X.k.rx.got));
    }
    for (d = 0; d < 2; d++) {
        fprintf(stderr, "stats:   %s: %lu datagrams (%lu dropped on purpose, %lu received), smallest "
                "a_rwnd %lu", d == K2U ? "kvs>usr" : "usr>kvs", X.dg[d], X.dropped[d], X.rcvd[d],
                (unsigned long)X.min_rwnd[d]);
        for (i = 0; i < sizeof types / sizeof types[0]; i++)
            fprintf(stderr, ", %s %lu", chunk_name(types[i]), X.chunks[d][types[i]]);
        fprintf(stderr, "\n");
    }
}

/* Checks once the case ran to the end. */
static void final_checks(void) {
    struct sctpstat us;
    const kvs__sctp *s = &X.k.s;
    if (X.k.rx.err[0])
        failf("%s", X.k.rx.err);
    if (X.u.rx.err[0])
        failf("%s", X.u.rx.err);
    if (s->st.packets_dropped)
        failf("kvswebrtc dropped %lu of usrsctp's packets as malformed or foreign",
              (unsigned long)s->st.packets_dropped);
    usrsctp_get_stat(&us);
    if (us.sctps_checksumerrors != X.ustat0.sctps_checksumerrors)
        failf("usrsctp: %lu checksum errors", (unsigned long)(us.sctps_checksumerrors - X.ustat0.sctps_checksumerrors));
    if (!X.c->heartbeat && (X.k.opened[0] != 1 || X.k.opened[1] != 1 || X.k.closed[0] != 1 ||
                            X.k.closed[1] != 1))
        failf("kvswebrtc: open events %d/%d, closed events %d/%d (want 1 each)", X.k.opened[0],
              X.k.opened[1], X.k.closed[0], X.k.closed[1]);
    if (X.c->kvs_shuts_down && !X.u.peer_shutdown)
        failf("usrsctp: no SCTP_SHUTDOWN_EVENT for kvswebrtc's SHUTDOWN");
    if (X.u.unordered_bad)
        failf("usrsctp: %lu messages with the wrong U flag for their channel", (unsigned long)X.u.unordered_bad);
    if (X.c->heartbeat) {
        if (X.chunks[U2K][KVS__SCTP_HEARTBEAT] == 0 || X.chunks[K2U][KVS__SCTP_HEARTBEAT_ACK] == 0)
            failf("kvswebrtc answered %lu of usrsctp's %lu HEARTBEATs",
                  X.chunks[K2U][KVS__SCTP_HEARTBEAT_ACK], X.chunks[U2K][KVS__SCTP_HEARTBEAT]);
        if (X.chunks[K2U][KVS__SCTP_HEARTBEAT] == 0 || X.chunks[U2K][KVS__SCTP_HEARTBEAT_ACK] == 0)
            failf("usrsctp answered %lu of kvswebrtc's %lu HEARTBEATs",
                  X.chunks[U2K][KVS__SCTP_HEARTBEAT_ACK], X.chunks[K2U][KVS__SCTP_HEARTBEAT]);
        if (!s->rtt_any)
            failf("kvswebrtc took no RTT sample from usrsctp's HEARTBEAT-ACK");
    } else if (X.c->pr) {
        /* exactly the messages of which a part never arrived are missing, both ways */
        int d;
        find_damaged();
        for (d = 0; d < 2; d++) {
            const rxstate *r = d == K2U ? &X.u.rx : &X.k.rx;
            const char *way = d == K2U ? "kvswebrtc to usrsctp" : "usrsctp to kvswebrtc";
            uint32_t i, dmg = 0, extra = 0, lost = 0;
            char list[160] = "";
            for (i = 0; i < NMSG; i++) {
                dmg += X.damaged[d][i];
                if (X.damaged[d][i] && r->seen[i]) {
                    extra++;
                } else if (!X.damaged[d][i] && !r->seen[i]) {
                    if (lost++ < 12)
                        snprintf(list + strlen(list), sizeof list - strlen(list), " %lu", (unsigned long)i);
                }
            }
            if (extra)
                failf("%s: %lu messages were delivered although a part of them never arrived "
                      "(retransmitted with maxRetransmits 0?)", way, (unsigned long)extra);
            /* a message whose chunks all reached the socket may still be dropped by the
               receiver (its buffer full); the sender then gives it up like a lost one. So every
               message missing must be one its sender abandoned */
            if (dmg + lost > (d == K2U ? s->st.abandoned : X.u.send_failed))
                failf("%s: %lu messages lost although all their chunks arrived:%s%s, more than "
                      "the sender abandoned", way, (unsigned long)lost, list, lost > 12 ? " ..." : "");
            if (opt_stats)
                fprintf(stderr, "    %s: %lu messages damaged on the way, %lu more abandoned\n", way,
                        (unsigned long)dmg, (unsigned long)lost);
            if (dmg == 0)
                failf("%s: no message lost a part: the loss did not test partial reliability", way);
        }
        if (s->st.abandoned == 0 || X.u.send_failed == 0)
            failf("abandoned: kvswebrtc %lu messages, usrsctp %lu chunks", (unsigned long)s->st.abandoned,
                  (unsigned long)X.u.send_failed);
        if (X.chunks[K2U][KVS__SCTP_FORWARD_TSN] == 0 || X.chunks[U2K][KVS__SCTP_FORWARD_TSN] == 0)
            failf("FORWARD-TSN: kvswebrtc sent %lu, usrsctp %lu", X.chunks[K2U][KVS__SCTP_FORWARD_TSN],
                  X.chunks[U2K][KVS__SCTP_FORWARD_TSN]);
        /* a FORWARD-TSN per abandoned message and a few repeats are fine; one per SACK is a
           FORWARD-TSN / SACK ping-pong */
        if (X.chunks[K2U][KVS__SCTP_FORWARD_TSN] > 2 * s->st.abandoned + 32)
            failf("kvswebrtc sent %lu FORWARD-TSN chunks for %lu abandoned messages (usrsctp: %lu for "
                  "%lu chunks): a FORWARD-TSN / SACK storm", X.chunks[K2U][KVS__SCTP_FORWARD_TSN],
                  (unsigned long)s->st.abandoned, X.chunks[U2K][KVS__SCTP_FORWARD_TSN],
                  (unsigned long)X.u.send_failed);
    } else if (X.k.rx.got != NMSG || X.u.rx.got != NMSG) {
        failf("delivered: to kvswebrtc %lu, to usrsctp %lu, of %d", (unsigned long)X.k.rx.got,
              (unsigned long)X.u.rx.got, NMSG);
    }
}

static int run_case(const case_def *c) {
    kvs__sctp_cfg cfg;
    kvs__sctp_cb scb;
    kvs__dcep_cb dcb;
    struct sockaddr_conn sc;
    kvs_time end, tick;
    int ok;
    uint8_t *ubuf = X.u.buf;
    static uint8_t dg[65536];

    memset(&X, 0, sizeof X);
    X.c = c;
    X.u.buf = ubuf;
    X.k.rx.last[0] = X.k.rx.last[1] = X.u.rx.last[0] = X.u.rx.last[1] = -1;
    X.k.rx.next[1] = X.u.rx.next[1] = 1;
    X.cur_msg[K2U] = X.cur_msg[U2K] = -1;
    X.min_rwnd[K2U] = X.min_rwnd[U2K] = UINT32_MAX;
    kvs_posix_init(&X.px);
    X.now = X.t0 = kvs_posix_now(NULL);
    end = X.t0 + KVS_MSEC(CASE_LIMIT_MS);
    usrsctp_get_stat(&X.ustat0);

    if (bind_udp(&X.k.sock, &X.k.addr) != 0 || bind_udp(&X.u.sock, &X.u.addr) != 0) {
        printf("FAIL interop: sctp %s\n    cannot open UDP sockets on 127.0.0.1\n", c->name);
        kvs_posix_deinit(&X.px);
        return 3;
    }
    memset(&X.u.peer, 0, sizeof X.u.peer);
    X.u.peer.sin_family = AF_INET;
    X.u.peer.sin_port = htons(X.k.addr.port);
    X.u.peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    /* kvswebrtc: the association and DCEP as the peer wires them; the DTLS client role (even ids) */
    kvs_posix_platform(&X.px, &X.k.pf);
    X.k.pf.log = k_log;
    kvs__log_init(&X.k.log, &X.k.pf, &X.k.guard, opt_verbose ? KVS_LOG_DEBUG : KVS_LOG_WARN);
    kvs__mem_init(&X.k.mem, &X.k.pf, &X.k.guard, &X.k.log, 0);
    kvs__crypto_rng_init(&X.k.rng, &X.k.pf, &X.k.guard, &X.k.log);
    memset(&cfg, 0, sizeof cfg);
    cfg.send_buffer = SCTP_BUF;
    cfg.recv_buffer = SCTP_BUF;
    if (c->heartbeat)
        cfg.heartbeat = KVS_MSEC(100);
    memset(&scb, 0, sizeof scb);
    scb.up = k_up;
    scb.down = k_down;
    scb.message = k_sctp_message;
    scb.stream_reset = k_sctp_reset;
    memset(&dcb, 0, sizeof dcb);
    dcb.open = k_open;
    dcb.closed = k_closed;
    dcb.message = k_message;
    if (kvs__sctp_init(&X.k.s, &cfg, &scb, &X.k.rng, &X.k.log, &X.k.mem, X.now) != KVS_OK)
        failf("kvs__sctp_init failed");
    kvs__dcep_init(&X.k.d, &X.k.s, 1, &dcb, &X.k.log);

    /* usrsctp: one socket on the conn interface, address = this case's state */
    usrsctp_register_address(&X.u);
    memset(&sc, 0, sizeof sc);
    sc.sconn_family = AF_CONN;
    sc.sconn_port = htons(SCTP_PORT);
    sc.sconn_addr = &X.u;
    if (c->usr_connects) {
        X.u.so = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
        if (!X.u.so)
            failf("usrsctp_socket: %s", strerror(errno));
        else {
            u_options(X.u.so);
            if (usrsctp_bind(X.u.so, (struct sockaddr *)&sc, sizeof sc) != 0)
                failf("usrsctp_bind: %s", strerror(errno));
        }
    } else {
        X.u.lso = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
        if (!X.u.lso)
            failf("usrsctp_socket: %s", strerror(errno));
        else {
            u_options(X.u.lso);
            if (usrsctp_bind(X.u.lso, (struct sockaddr *)&sc, sizeof sc) != 0 || usrsctp_listen(X.u.lso, 1) != 0)
                failf("usrsctp_bind / listen: %s", strerror(errno));
        }
    }
    if (c->kvs_connects && kvs__sctp_connect(&X.k.s, X.now) != KVS_OK)
        failf("kvs__sctp_connect failed");
    if (c->usr_connects && X.u.so && usrsctp_connect(X.u.so, (struct sockaddr *)&sc, sizeof sc) != 0 &&
        errno != EINPROGRESS)
        failf("usrsctp_connect: %s", strerror(errno));

    tick = X.now;
    while (!X.err[0] && X.phase != P_DONE) {
        kvs_time deadline, kd;
        int rc;
        X.now = kvs_posix_now(NULL);
        if (X.k.rx.err[0] || X.u.rx.err[0]) {
            failf("%s", X.k.rx.err[0] ? X.k.rx.err : X.u.rx.err);
            break;
        }
        if (X.now >= end) {
            failf("timed out after %d ms in the phase \"%s\"", CASE_LIMIT_MS, phase_name[X.phase]);
            break;
        }
        /* timers */
        if (kvs__sctp_deadline(&X.k.s) <= X.now)
            kvs__sctp_timeout(&X.k.s, X.now);
        if (X.now - tick >= KVS_MSEC(1)) {
            uint32_t ms = (uint32_t)((X.now - tick) / 1000u);
            usrsctp_handle_timers(ms);
            tick += KVS_MSEC(ms);
        }
        /* the application on both sides */
        u_drain();
        while (advance())
            ;
        if (X.phase == P_DATA)
            pump();
        u_resets();
        k_flush();
        if (X.err[0] || X.phase == P_DONE)
            break;
        /* wait for a datagram or the next timer */
        kd = kvs__sctp_deadline(&X.k.s);
        deadline = tick + KVS_MSEC(TICK_MS);
        if (kd < deadline)
            deadline = kd;
        if (end < deadline)
            deadline = end;
        rc = kvs_posix_wait(&X.px, deadline);
        if (rc < 0) {
            failf("kvs_posix_wait: %s", kvs_result_str((kvs_result)rc));
            break;
        }
        X.now = kvs_posix_now(NULL);
        for (;;) {
            kvs_addr from;
            int n = kvs_posix_udp_recv(&X.px, X.k.sock, &from, dg, sizeof dg);
            if (n <= 0)
                break;
            track_arrived(U2K, dg, (size_t)n);
            kvs__sctp_input(&X.k.s, dg, (size_t)n, X.now);
            if (opt_trace)
                fprintf(stderr, "%9.3f ms kvs: input; peer_cum %lu flight %lu peer_rwnd %lu cwnd %lu\n",
                        ms_since_start(X.now), (unsigned long)X.k.s.peer_cum, (unsigned long)X.k.s.flight,
                        (unsigned long)X.k.s.peer_rwnd, (unsigned long)X.k.s.cwnd);
            k_flush();
        }
        for (;;) {
            kvs_addr from;
            int n = kvs_posix_udp_recv(&X.px, X.u.sock, &from, dg, sizeof dg);
            if (n <= 0)
                break;
            track_arrived(K2U, dg, (size_t)n);
            usrsctp_conninput(&X.u, dg, (size_t)n, 0);
        }
    }
    if (!X.err[0])
        final_checks();
    if (opt_stats)
        print_stats();
    if (X.err[0]) {
        printf("FAIL interop: sctp %s\n    %s\n", c->name, X.err);
        report_state();
    }

    /* tear down: usrsctp's sockets (an association still up is aborted), then ours */
    if (X.u.so)
        usrsctp_close(X.u.so);
    if (X.u.lso)
        usrsctp_close(X.u.lso);
    X.u.so = X.u.lso = NULL;
    usrsctp_handle_timers(0);
    usrsctp_deregister_address(&X.u);
    kvs__sctp_deinit(&X.k.s);
    ok = !X.err[0];
    if (ok && X.k.mem.st.current != 0) {
        printf("FAIL interop: sctp %s\n    kvswebrtc's association still holds %lu bytes after "
               "kvs__sctp_deinit\n", c->name, (unsigned long)X.k.mem.st.current);
        ok = 0;
    } else if (ok) {
        printf("ok   interop: sctp %s\n", c->name);
    }
    fflush(stdout);
    kvs_posix_deinit(&X.px);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    const char *filter = NULL;
    int i, pass = 0, fail = 0, rc;
    size_t k;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trace") == 0) {
            opt_trace = 1;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            opt_verbose = 1;
        } else if (strcmp(argv[i], "--stats") == 0) {
            opt_stats = 1;
        } else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
            filter = argv[++i];
        } else {
            fprintf(stderr, "usage: sctp_usrsctp [--case TEXT] [--trace] [--verbose] [--stats]\n");
            return 2;
        }
    }
    X.u.buf = (uint8_t *)malloc(MAXMSG + 4096);
    if (!X.u.buf)
        return 3;
    usrsctp_init_nothreads(0, u_output, NULL);
    /* usrsctp drops DATA once 512 chunks wait in its queues (sctp_max_chunks_on_queue); the loss
       case holds more than that behind its holes, and a drop by the receiver's own limit would
       make the accounting of lost messages inexact. Its window (1 MiB) still applies. */
    usrsctp_sysctl_set_sctp_max_chunks_on_queue(8192);
    for (k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        if (filter && !strstr(CASES[k].name, filter))
            continue;
        rc = run_case(&CASES[k]);
        if (rc == 3) {
            fail++;
            break;
        }
        if (rc == 0)
            pass++;
        else
            fail++;
    }
    /* usrsctp frees its endpoints from its timers */
    for (i = 0; i < 300 && usrsctp_finish() != 0; i++)
        usrsctp_handle_timers(TICK_MS);
    if (opt_stats)
        fprintf(stderr, "stats: usrsctp_finish %s\n", i < 300 ? "done" : "refused (endpoints left)");
    free(X.u.buf);
    printf("%d passed, %d failed\n", pass, fail);
    return fail ? 1 : (pass ? 0 : 1);
}
