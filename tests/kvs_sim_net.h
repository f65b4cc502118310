/* kvs_sim_net.h - addressed simulated networks for sans-IO tests, on top of kvs_sim.h: hosts
   with IPv4 / IPv6 addresses, NAT boxes between a private realm and the realm outside it, a TURN
   server (RFC 8656) and a STUN binding server that speak real STUN bytes through >>stun. All of
   it runs on the virtual clock of kvs_sim and draws every random choice (NAT ports, relayed
   ports, nonces, loss, jitter) from generators seeded by the seed given to sim_net_init, so a
   run replays exactly.

   Model
   - A realm is an address space: realm 0 is the public internet, every NAT creates a private
     realm behind it (nat->realm). Each address of a node belongs to one realm; a datagram is
     routed inside the realm of its source address to the node owning its destination address,
     or else to the realm's NAT (its default route); in realm 0 an unknown destination is lost
     (no_route). A NAT's outside may itself be a private realm (double NAT).
   - Hosts are the nodes a test drives (the code under test and its peers): the test sends with
     sim_net_send and receives with sim_net_pop, which runs the NATs and servers on the datagrams
     due for them and returns the next datagram due for a host, in delivery-time order. Ports are
     not bound: a host gets every datagram sent to one of its addresses.
   - Every hop (host to NAT, NAT to server, ...) costs sim.delay plus up to sim.jitter and is
     subject to sim.loss_pct / sim.dup_pct; a node marked down loses everything sent to it.
   - NAT (RFC 4787 terms): mapping endpoint-independent (EI), address-dependent (AD) or address-
     and-port-dependent (APD, "symmetric": a new external port per destination); filtering the
     same three; mappings expire after cfg.timeout without outbound traffic (inbound refreshes
     only with cfg.inbound_refresh); no hairpinning (a datagram from inside to the NAT's own
     external address is dropped); external ports drawn from the NAT's own seeded generator.
   - TURN server: long-term credentials (401 with REALM and NONCE, MESSAGE-INTEGRITY with the
     MD5 key, 438 for a nonce older than cfg.nonce_lifetime, checked after the integrity as RFC
     8489 9.2.4 orders it), Allocate (UDP relays, IPv4 or IPv6 by REQUESTED-ADDRESS-FAMILY,
     retransmissions answered again, 437 for another transaction on the same 5-tuple), Refresh
     (LIFETIME 0 deletes), CreatePermission (per peer IP, cfg.permission_lifetime), ChannelBind
     (0x4000-0x4FFF, cfg.channel_lifetime, refreshes the permission), Send and Data indications,
     ChannelData both ways, Binding requests (XOR-MAPPED-ADDRESS). Permissions are checked both
     ways, for indications and for channels. Responses carry FINGERPRINT unless cfg.no_fingerprint.
     Reachable over UDP in the network and over simulated streams (TCP, or TLS treated as TCP):
     sim_turn_stream_input takes the bytes a client writes to its connection in any pieces,
     sim_turn_stream_output gives what the server wrote (STUN messages and ChannelData padded to
     4 bytes, concatenated); stream input is processed at once (no delay).
   - STUN server: answers Binding requests with XOR-MAPPED-ADDRESS of the source it sees.
   Not modelled: TCP through NATs, ICMP, fragmentation, EVEN-PORT reservations, the 5-minute
   channel-number quarantine after a binding expires, dual (ADDITIONAL-ADDRESS-FAMILY) allocations.

   The test program includes kvswebrtc.h with its implementation (the >>stun functions are used)
   and kvs_test.h before this file. */
#ifndef KVS_SIM_NET_H
#define KVS_SIM_NET_H

#include "kvs_sim.h"

#if defined(__GNUC__) || defined(__clang__)
#define SIM_FN static __attribute__((unused))
#else
#define SIM_FN static
#endif

#define SIM_NET_MAX_NODES 32
#define SIM_NET_MAX_IPS 4 /* addresses per node */
#define SIM_NET_MAX_REALMS 16
#define SIM_NAT_MAX_MAPS 64
#define SIM_NAT_MAX_REMOTES 16 /* remote endpoints remembered per mapping, for filtering */
#define SIM_TURN_MAX_ALLOCS 16
#define SIM_TURN_MAX_PERMS 16
#define SIM_TURN_MAX_CHANS 16
#define SIM_TURN_MAX_USERS 4
#define SIM_TURN_MAX_CONNS 8
#define SIM_TURN_STREAM_IN 8192 /* the largest frame a stream connection accepts */

/* --- the network --------------------------------------------------------------------------- */

enum { SIM_NODE_HOST = 1, SIM_NODE_NAT, SIM_NODE_TURN, SIM_NODE_STUN };

/* A datagram in flight or delivered. */
typedef struct sim_dgram {
    kvs_time at;    /* delivery time */
    uint64_t order; /* ties broken by sending order */
    int node;       /* the receiving node */
    int realm;      /* the realm it travels in */
    kvs_addr from, to;
    size_t len;
    uint8_t data[KVS_SIM_PKT];
} sim_dgram;

typedef struct sim_node {
    int type;   /* SIM_NODE_* */
    void *elem; /* the NAT / server behind it; NULL for a host */
    int down;   /* 1: everything sent to it is lost */
    int nip;
    kvs_addr ip[SIM_NET_MAX_IPS]; /* ports unused */
    int realm[SIM_NET_MAX_IPS];
    unsigned long rx; /* datagrams delivered to it */
} sim_node;

typedef struct sim_net {
    kvs_sim sim; /* sim.now is the clock; sim.loss_pct, dup_pct, delay, jitter, mtu apply to every
                    hop; sim.sent/lost/duplicated/delivered/over_mtu count; its queue is unused */
    uint64_t seed;
    sim_node node[SIM_NET_MAX_NODES];
    int nnodes;
    int gateway[SIM_NET_MAX_REALMS]; /* the node that routes a realm outwards (its NAT), or -1 */
    int nrealms;
    sim_dgram *q;
    int nq, cap;
    uint64_t order;
    unsigned long no_route; /* datagrams whose destination no node owns */
} sim_net;

/* An address from text ("192.0.2.1", "2001:db8::1") and a port; aborts on a typo. */
SIM_FN kvs_addr sim_addr(const char *ip, uint16_t port) {
    kvs_addr a;
    if (kvs_addr_parse(&a, ip, strlen(ip), port) != KVS_OK) {
        fprintf(stderr, "sim_addr: bad address '%s'\n", ip);
        abort();
    }
    return a;
}

/* Same family and IP (ports and zones ignored). */
SIM_FN int sim_ip_eq(const kvs_addr *a, const kvs_addr *b) {
    return a->family == b->family && memcmp(a->ip, b->ip, 16) == 0;
}

/* Same family, IP and port. */
SIM_FN int sim_ep_eq(const kvs_addr *a, const kvs_addr *b) {
    return sim_ip_eq(a, b) && a->port == b->port;
}

/* "ip:port" into a static buffer (one of four in rotation): for failure messages. */
SIM_FN const char *sim_addr_str(const kvs_addr *a) {
    static char buf[4][KVS_ADDR_STRLEN];
    static int k;
    char *s = buf[k++ & 3];
    if (kvs_addr_format(a, 1, s, KVS_ADDR_STRLEN, NULL) != KVS_OK)
        strcpy(s, "(none)");
    return s;
}

/* A generator for one element: xorshift64* seeded from the network seed and a salt. */
SIM_FN uint64_t sim_rng_seed(uint64_t seed, uint64_t salt) {
    uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ (salt + 1) * 0xbf58476d1ce4e5b9ULL;
    return x ? x : 1;
}

SIM_FN uint64_t sim_rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

SIM_FN void sim_net_init(sim_net *n, uint64_t seed) {
    int i;
    memset(n, 0, sizeof *n);
    kvs_sim_init(&n->sim, seed);
    kvs_sim_free(&n->sim); /* the datagram queue here is n->q */
    n->seed = seed;
    n->nrealms = 1;
    for (i = 0; i < SIM_NET_MAX_REALMS; i++)
        n->gateway[i] = -1;
    n->cap = 256;
    n->q = (sim_dgram *)malloc(sizeof(sim_dgram) * (size_t)n->cap);
}

/* Adds an address (in a realm) to a node. */
SIM_FN void sim_net_node_ip(sim_net *n, int node, int realm, const kvs_addr *ip) {
    sim_node *d = &n->node[node];
    if (d->nip == SIM_NET_MAX_IPS || realm < 0 || realm >= n->nrealms) {
        fprintf(stderr, "sim_net: node %d: too many addresses or no realm %d\n", node, realm);
        abort();
    }
    d->ip[d->nip] = *ip;
    d->ip[d->nip].port = 0;
    d->realm[d->nip++] = realm;
}

SIM_FN int sim_net_node_new(sim_net *n, int type, void *elem) {
    sim_node *d;
    if (n->nnodes == SIM_NET_MAX_NODES) {
        fprintf(stderr, "sim_net: more than %d nodes\n", SIM_NET_MAX_NODES);
        abort();
    }
    d = &n->node[n->nnodes];
    memset(d, 0, sizeof *d);
    d->type = type;
    d->elem = elem;
    return n->nnodes++;
}

/* A host the test drives, with one address in a realm; returns its node number. */
SIM_FN int sim_net_host(sim_net *n, int realm, const char *ip) {
    int node = sim_net_node_new(n, SIM_NODE_HOST, NULL);
    kvs_addr a = sim_addr(ip, 0);
    sim_net_node_ip(n, node, realm, &a);
    return node;
}

/* Another address for a host (dual stack, or a second interface in another realm). */
SIM_FN void sim_net_host_ip(sim_net *n, int node, int realm, const char *ip) {
    kvs_addr a = sim_addr(ip, 0);
    sim_net_node_ip(n, node, realm, &a);
}

/* The node owning ip in realm (else the realm's NAT), or -1. */
SIM_FN int sim_net_route(const sim_net *n, int realm, const kvs_addr *ip) {
    int i, j;
    for (i = 0; i < n->nnodes; i++)
        for (j = 0; j < n->node[i].nip; j++)
            if (n->node[i].realm[j] == realm && sim_ip_eq(&n->node[i].ip[j], ip))
                return i;
    return realm >= 0 && realm < SIM_NET_MAX_REALMS ? n->gateway[realm] : -1;
}

SIM_FN void sim_net_enqueue(sim_net *n, int node, int realm, const kvs_addr *from,
                            const kvs_addr *to, const void *p, size_t len) {
    sim_dgram *d;
    if (n->nq == n->cap) {
        sim_dgram *q = (sim_dgram *)realloc(n->q, sizeof(sim_dgram) * (size_t)n->cap * 2);
        if (!q)
            return;
        n->q = q;
        n->cap *= 2;
    }
    d = &n->q[n->nq++];
    d->at = n->sim.now + n->sim.delay + (n->sim.jitter ? kvs_sim_rand(&n->sim) % n->sim.jitter : 0);
    d->order = n->order++;
    d->node = node;
    d->realm = realm;
    d->from = *from;
    d->to = *to;
    d->len = len;
    memcpy(d->data, p, len);
}

/* One hop: a datagram leaves `from` in `realm` for `to`. */
SIM_FN void sim_net_xmit(sim_net *n, int realm, const kvs_addr *from, const kvs_addr *to,
                         const void *p, size_t len) {
    int node;
    n->sim.sent++;
    if (len > n->sim.max_len)
        n->sim.max_len = len;
    if (len > n->sim.mtu)
        n->sim.over_mtu++;
    node = sim_net_route(n, realm, to);
    if (node < 0) {
        n->no_route++;
        return;
    }
    if (len > KVS_SIM_PKT || n->node[node].down || (int)(kvs_sim_rand(&n->sim) % 100) < n->sim.loss_pct) {
        n->sim.lost++;
        return;
    }
    sim_net_enqueue(n, node, realm, from, to, p, len);
    if ((int)(kvs_sim_rand(&n->sim) % 100) < n->sim.dup_pct) {
        n->sim.duplicated++;
        sim_net_enqueue(n, node, realm, from, to, p, len);
    }
}

/* A host sends a datagram from one of its addresses (from: that address and a port). */
SIM_FN void sim_net_send(sim_net *n, int node, const kvs_addr *from, const kvs_addr *to,
                         const void *p, size_t len) {
    const sim_node *d = &n->node[node];
    int j;
    for (j = 0; j < d->nip; j++)
        if (sim_ip_eq(&d->ip[j], from)) {
            sim_net_xmit(n, d->realm[j], from, to, p, len);
            return;
        }
    fprintf(stderr, "sim_net_send: node %d does not own %s\n", node, sim_addr_str(from));
    abort();
}

/* When the next datagram is due (for a host or an element), or KVS_TIME_NEVER. */
SIM_FN kvs_time sim_net_next(const sim_net *n) {
    kvs_time t = KVS_TIME_NEVER;
    int i;
    for (i = 0; i < n->nq; i++)
        if (n->q[i].at < t)
            t = n->q[i].at;
    return t;
}

static void sim_nat_input(sim_net *n, sim_dgram *d);
static void sim_turn_input(sim_net *n, sim_dgram *d);
static void sim_stun_input(sim_net *n, sim_dgram *d);

/* Delivers the datagrams due at or before sim.now in time order: those for NATs and servers are
   processed (which may queue more), the first one for a host is returned in *out. 1 if there
   was one. */
SIM_FN int sim_net_pop(sim_net *n, sim_dgram *out) {
    for (;;) {
        int i, best = -1;
        for (i = 0; i < n->nq; i++)
            if (n->q[i].at <= n->sim.now &&
                (best < 0 || n->q[i].at < n->q[best].at ||
                 (n->q[i].at == n->q[best].at && n->q[i].order < n->q[best].order)))
                best = i;
        if (best < 0)
            return 0;
        *out = n->q[best];
        n->q[best] = n->q[--n->nq];
        n->sim.delivered++;
        n->node[out->node].rx++;
        switch (n->node[out->node].type) {
        case SIM_NODE_HOST:
            return 1;
        case SIM_NODE_NAT:
            sim_nat_input(n, out);
            break;
        case SIM_NODE_TURN:
            sim_turn_input(n, out);
            break;
        case SIM_NODE_STUN:
            sim_stun_input(n, out);
            break;
        default:
            break;
        }
    }
}

/* Runs the elements until nothing is due now; datagrams for hosts stay queued. Advances nothing. */
SIM_FN void sim_net_settle(sim_net *n) {
    sim_dgram *d = (sim_dgram *)malloc(sizeof *d);
    int i, more = 1;
    while (d && more) {
        int best = -1;
        more = 0;
        for (i = 0; i < n->nq; i++)
            if (n->q[i].at <= n->sim.now && n->node[n->q[i].node].type != SIM_NODE_HOST &&
                (best < 0 || n->q[i].at < n->q[best].at ||
                 (n->q[i].at == n->q[best].at && n->q[i].order < n->q[best].order)))
                best = i;
        if (best >= 0) {
            *d = n->q[best];
            n->q[best] = n->q[--n->nq];
            n->sim.delivered++;
            n->node[d->node].rx++;
            if (n->node[d->node].type == SIM_NODE_NAT)
                sim_nat_input(n, d);
            else if (n->node[d->node].type == SIM_NODE_TURN)
                sim_turn_input(n, d);
            else
                sim_stun_input(n, d);
            more = 1;
        }
    }
    free(d);
}

/* Frees the network and every NAT and server in it. */
SIM_FN void sim_net_free(sim_net *n);

/* --- NAT ----------------------------------------------------------------------------------- */

enum { SIM_NAT_EI = 0, SIM_NAT_AD = 1, SIM_NAT_APD = 2 }; /* mapping and filtering behaviours */

typedef struct sim_nat_cfg {
    int mapping;         /* SIM_NAT_EI / AD / APD */
    int filtering;       /* SIM_NAT_EI / AD / APD */
    kvs_time timeout;    /* mapping lifetime without outbound traffic; 0: 120 s */
    int inbound_refresh; /* 1: inbound datagrams refresh the mapping too */
} sim_nat_cfg;

typedef struct sim_nat_map {
    int used;
    kvs_addr in;     /* the internal endpoint */
    kvs_addr ext;    /* its external endpoint */
    kvs_addr remote; /* AD mapping: the remote IP it is for (port 0); APD: the remote endpoint */
    kvs_time last;   /* last refresh */
    int nremote, next_remote;
    kvs_addr remotes[SIM_NAT_MAX_REMOTES]; /* endpoints the inside sent to (filtering) */
} sim_nat_map;

typedef struct sim_nat {
    sim_net *net;
    int node;
    int realm; /* the private realm behind it */
    int outer; /* the realm its external addresses are in */
    sim_nat_cfg cfg;
    kvs_addr ext[2]; /* external addresses (IPv4 and/or IPv6) */
    int next;
    uint64_t rng;
    sim_nat_map map[SIM_NAT_MAX_MAPS];
    unsigned long mappings, expired, out, in;
    unsigned long dropped_unmapped, dropped_filtered, dropped_hairpin, dropped_family, dropped_full;
} sim_nat;

SIM_FN sim_nat_cfg sim_nat_kind(int mapping, int filtering) {
    sim_nat_cfg c;
    memset(&c, 0, sizeof c);
    c.mapping = mapping;
    c.filtering = filtering;
    return c;
}

/* A NAT whose external address ext_ip is in realm `outer`; it creates a new private realm
   (nat->realm) and is that realm's way out. cfg NULL: EI mapping and EI filtering. */
SIM_FN sim_nat *sim_net_nat(sim_net *n, int outer, const char *ext_ip, const sim_nat_cfg *cfg) {
    sim_nat *t = (sim_nat *)calloc(1, sizeof *t);
    if (!t || n->nrealms == SIM_NET_MAX_REALMS) {
        fprintf(stderr, "sim_net_nat: out of memory or realms\n");
        abort();
    }
    t->net = n;
    if (cfg)
        t->cfg = *cfg;
    if (!t->cfg.timeout)
        t->cfg.timeout = KVS_SEC(120);
    t->node = sim_net_node_new(n, SIM_NODE_NAT, t);
    t->rng = sim_rng_seed(n->seed, 0x4e4154u + (uint64_t)t->node);
    t->realm = n->nrealms++;
    t->outer = outer;
    t->ext[0] = sim_addr(ext_ip, 0);
    sim_net_node_ip(n, t->node, outer, &t->ext[0]);
    n->gateway[t->realm] = t->node;
    return t;
}

/* A second external address (the other family). */
SIM_FN void sim_nat_ext_ip(sim_nat *t, const char *ip) {
    t->ext[1] = sim_addr(ip, 0);
    sim_net_node_ip(t->net, t->node, t->outer, &t->ext[1]);
}

SIM_FN int sim_nat_live(sim_nat *t, sim_nat_map *m) {
    if (m->used && t->net->sim.now - m->last >= t->cfg.timeout) {
        m->used = 0;
        t->expired++;
    }
    return m->used;
}

/* Live mappings now (expired ones are dropped first). */
SIM_FN int sim_nat_count(sim_nat *t) {
    int i, c = 0;
    for (i = 0; i < SIM_NAT_MAX_MAPS; i++)
        c += sim_nat_live(t, &t->map[i]);
    return c;
}

/* The external endpoint the NAT uses now for internal endpoint `in` talking to `remote` (the
   mapping that traffic would use), or family KVS_AF_NONE when there is none. */
SIM_FN kvs_addr sim_nat_mapping(sim_nat *t, const kvs_addr *in, const kvs_addr *remote) {
    kvs_addr none;
    int i;
    memset(&none, 0, sizeof none);
    for (i = 0; i < SIM_NAT_MAX_MAPS; i++) {
        sim_nat_map *m = &t->map[i];
        if (!sim_nat_live(t, m) || !sim_ep_eq(&m->in, in) || m->ext.family != remote->family)
            continue;
        if (t->cfg.mapping == SIM_NAT_EI || (t->cfg.mapping == SIM_NAT_AD && sim_ip_eq(&m->remote, remote)) ||
            (t->cfg.mapping == SIM_NAT_APD && sim_ep_eq(&m->remote, remote)))
            return m->ext;
    }
    return none;
}

SIM_FN int sim_nat_port_used(sim_nat *t, const kvs_addr *ext, uint16_t port) {
    int i;
    for (i = 0; i < SIM_NAT_MAX_MAPS; i++)
        if (sim_nat_live(t, &t->map[i]) && t->map[i].ext.port == port && sim_ip_eq(&t->map[i].ext, ext))
            return 1;
    return 0;
}

static void sim_nat_input(sim_net *n, sim_dgram *d) {
    sim_nat *t = (sim_nat *)n->node[d->node].elem;
    sim_nat_map *m = NULL;
    int i;
    if (d->realm == t->realm) {
        /* outbound */
        const kvs_addr *ext = NULL;
        for (i = 0; i < 2; i++)
            if (t->ext[i].family && sim_ip_eq(&t->ext[i], &d->to)) {
                t->dropped_hairpin++;
                return;
            }
        for (i = 0; i < 2; i++)
            if (t->ext[i].family == d->to.family)
                ext = &t->ext[i];
        if (!ext) {
            t->dropped_family++;
            return;
        }
        for (i = 0; i < SIM_NAT_MAX_MAPS && !m; i++) {
            sim_nat_map *c = &t->map[i];
            if (!sim_nat_live(t, c) || !sim_ep_eq(&c->in, &d->from) || c->ext.family != ext->family)
                continue;
            if (t->cfg.mapping == SIM_NAT_EI ||
                (t->cfg.mapping == SIM_NAT_AD && sim_ip_eq(&c->remote, &d->to)) ||
                (t->cfg.mapping == SIM_NAT_APD && sim_ep_eq(&c->remote, &d->to)))
                m = c;
        }
        if (!m) {
            uint16_t port;
            int tries = 0;
            for (i = 0; i < SIM_NAT_MAX_MAPS && !m; i++)
                if (!sim_nat_live(t, &t->map[i]))
                    m = &t->map[i];
            if (!m) {
                t->dropped_full++;
                return;
            }
            do
                port = (uint16_t)(1024 + sim_rng_next(&t->rng) % 64512u);
            while (sim_nat_port_used(t, ext, port) && ++tries < 10000);
            memset(m, 0, sizeof *m);
            m->used = 1;
            m->in = d->from;
            m->ext = *ext;
            m->ext.port = port;
            m->remote = d->to;
            if (t->cfg.mapping == SIM_NAT_AD)
                m->remote.port = 0;
            t->mappings++;
        }
        m->last = n->sim.now;
        for (i = 0; i < m->nremote; i++)
            if (sim_ep_eq(&m->remotes[i], &d->to))
                break;
        if (i == m->nremote) {
            if (m->nremote < SIM_NAT_MAX_REMOTES) {
                m->remotes[m->nremote++] = d->to;
            } else {
                m->remotes[m->next_remote] = d->to;
                m->next_remote = (m->next_remote + 1) % SIM_NAT_MAX_REMOTES;
            }
        }
        t->out++;
        sim_net_xmit(n, t->outer, &m->ext, &d->to, d->data, d->len);
        return;
    }
    /* inbound, to an external address */
    for (i = 0; i < SIM_NAT_MAX_MAPS && !m; i++)
        if (sim_nat_live(t, &t->map[i]) && sim_ep_eq(&t->map[i].ext, &d->to))
            m = &t->map[i];
    if (!m) {
        t->dropped_unmapped++;
        return;
    }
    if (t->cfg.filtering != SIM_NAT_EI) {
        for (i = 0; i < m->nremote; i++)
            if (t->cfg.filtering == SIM_NAT_AD ? sim_ip_eq(&m->remotes[i], &d->from)
                                               : sim_ep_eq(&m->remotes[i], &d->from))
                break;
        if (i == m->nremote) {
            t->dropped_filtered++;
            return;
        }
    }
    if (t->cfg.inbound_refresh)
        m->last = n->sim.now;
    t->in++;
    sim_net_xmit(n, t->realm, &d->from, &m->in, d->data, d->len);
}

/* --- STUN binding server ------------------------------------------------------------------- */

typedef struct sim_stun {
    sim_net *net;
    int node;
    uint16_t port;
    int no_fingerprint; /* 1: answers without FINGERPRINT */
    unsigned long requests, answered, ignored;
} sim_stun;

/* A STUN server at ip:port in a realm. */
SIM_FN sim_stun *sim_net_stun(sim_net *n, int realm, const char *ip, uint16_t port) {
    sim_stun *s = (sim_stun *)calloc(1, sizeof *s);
    kvs_addr a = sim_addr(ip, 0);
    if (!s)
        abort();
    s->net = n;
    s->port = port;
    s->node = sim_net_node_new(n, SIM_NODE_STUN, s);
    sim_net_node_ip(n, s->node, realm, &a);
    return s;
}

static void sim_stun_input(sim_net *n, sim_dgram *d) {
    sim_stun *s = (sim_stun *)n->node[d->node].elem;
    kvs__stun_msg m;
    uint8_t buf[256];
    kvs__wr w;
    size_t len;
    if (d->to.port != s->port || kvs__stun_parse(d->data, d->len, &m) != KVS_OK ||
        m.method != KVS__STUN_BINDING || m.cls != KVS__STUN_REQUEST) {
        s->ignored++;
        return;
    }
    s->requests++;
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_SUCCESS, m.txid);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_MAPPED_ADDRESS, &d->from);
    if (!s->no_fingerprint)
        kvs__stun_put_fingerprint(&w);
    if (kvs__wr_result(&w, &len) != KVS_OK)
        return;
    s->answered++;
    sim_net_xmit(n, d->realm, &d->to, &d->from, buf, len);
}

/* --- TURN server --------------------------------------------------------------------------- */

typedef struct sim_turn_cfg {
    const char *realm; /* NULL: "kvs.test" */
    struct {
        const char *user, *pass;
    } users[SIM_TURN_MAX_USERS]; /* none: kvsuser / kvspass */
    uint16_t port;               /* UDP listening port; 0: 3478 */
    uint16_t relay_min_port, relay_max_port; /* 0: 49152..65535 */
    kvs_time nonce_lifetime;     /* 0: 600 s */
    uint32_t default_lifetime, max_lifetime; /* seconds; 0: 600 and 3600 */
    kvs_time permission_lifetime;            /* 0: 300 s */
    kvs_time channel_lifetime;               /* 0: 600 s */
    int no_fingerprint;                      /* 1: responses and indications without FINGERPRINT */
    int channel_bind_needs_permission;       /* 1: ChannelBind to a peer without a permission: 403 */
    kvs_addr forbidden[4]; /* peer IPs refused with 403 (CreatePermission, ChannelBind) */
    int max_allocs;        /* 0: SIM_TURN_MAX_ALLOCS; more: 486 */
} sim_turn_cfg;

typedef struct sim_turn_perm {
    kvs_addr ip;
    kvs_time expires;
} sim_turn_perm;

typedef struct sim_turn_chan {
    uint16_t num;
    kvs_addr peer;
    kvs_time expires;
} sim_turn_chan;

typedef struct sim_turn_alloc {
    int used;
    int conn;        /* stream connection, or -1 for UDP */
    kvs_addr client; /* the 5-tuple: client as seen by the server ... */
    kvs_addr server; /* ... and the server address it came to */
    kvs_addr relayed;
    int user;        /* index in users */
    uint8_t key[16]; /* the long-term key */
    uint8_t txid[12]; /* of the Allocate that made it */
    kvs_time expires;
    sim_turn_perm perm[SIM_TURN_MAX_PERMS];
    sim_turn_chan chan[SIM_TURN_MAX_CHANS];
} sim_turn_alloc;

typedef struct sim_turn_conn {
    int used, tls, closed; /* closed: by the server (bad framing) or the test */
    kvs_addr client, server;
    uint8_t in[SIM_TURN_STREAM_IN];
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_cap;
} sim_turn_conn;

typedef struct sim_turn {
    sim_net *net;
    int node;
    int realm;
    sim_turn_cfg cfg;
    char realm_name[64];
    char user[SIM_TURN_MAX_USERS][64], pass[SIM_TURN_MAX_USERS][64];
    int nusers;
    kvs_addr listen[2]; /* UDP listening addresses (ports set) */
    kvs_addr relay[2];  /* relay addresses (ports 0) */
    uint64_t rng, secret;
    uint32_t nonce_epoch; /* sim_turn_stale_nonces bumps it: every nonce issued before goes stale */
    sim_turn_alloc alloc[SIM_TURN_MAX_ALLOCS];
    sim_turn_conn conn[SIM_TURN_MAX_CONNS];
    /* counters */
    unsigned long requests, bindings;
    unsigned long challenges;    /* 401 to a request without credentials */
    unsigned long auth_failures; /* 401 to wrong credentials (unknown user, realm, integrity) */
    unsigned long stale_nonces;  /* 438 */
    unsigned long allocations;   /* successful Allocates (retransmissions not counted) */
    unsigned long refreshes;     /* successful Refreshes (deletions included) */
    unsigned long deletions;     /* Refresh with LIFETIME 0 */
    unsigned long expirations;   /* allocations that timed out */
    unsigned long permissions;   /* permissions created or refreshed (one per peer address) */
    unsigned long channel_binds; /* successful ChannelBinds */
    unsigned long mismatches;    /* 437 */
    unsigned long forbidden;     /* 403 */
    unsigned long bad_requests;  /* 400 */
    unsigned long errors;        /* every error response */
    unsigned long send_indications, data_indications; /* accepted Send, emitted Data */
    unsigned long channel_data_in, channel_data_out;  /* from the client relayed, to the client */
    unsigned long relayed_to_peer, relayed_to_client; /* payloads relayed each way */
    unsigned long dropped_no_permission; /* payloads either way refused for lack of permission */
    unsigned long dropped_no_channel;    /* ChannelData on an unbound or expired channel */
    unsigned long dropped_no_alloc;      /* indications/ChannelData/peer datagrams with no allocation */
    unsigned long dropped_malformed;     /* neither STUN nor ChannelData, or not parsable */
    unsigned long stream_errors;         /* connections closed for bad framing */
    int last_error;                      /* the code of the last error response */
} sim_turn;

/* A TURN server listening on UDP at ip:cfg.port in a realm, relaying from the same IP. Add an
   IPv6 (or second) listening/relay address with sim_turn_add_ip. cfg may be NULL. */
SIM_FN sim_turn *sim_net_turn(sim_net *n, int realm, const char *ip, const sim_turn_cfg *cfg) {
    sim_turn *t = (sim_turn *)calloc(1, sizeof *t);
    int i;
    if (!t)
        abort();
    t->net = n;
    t->realm = realm;
    if (cfg)
        t->cfg = *cfg;
    if (!t->cfg.realm)
        t->cfg.realm = "kvs.test";
    snprintf(t->realm_name, sizeof t->realm_name, "%s", t->cfg.realm);
    for (i = 0; i < SIM_TURN_MAX_USERS; i++)
        if (t->cfg.users[i].user) {
            snprintf(t->user[t->nusers], 64, "%s", t->cfg.users[i].user);
            snprintf(t->pass[t->nusers], 64, "%s", t->cfg.users[i].pass ? t->cfg.users[i].pass : "");
            t->nusers++;
        }
    if (!t->nusers) {
        strcpy(t->user[0], "kvsuser");
        strcpy(t->pass[0], "kvspass");
        t->nusers = 1;
    }
    if (!t->cfg.port)
        t->cfg.port = 3478;
    if (!t->cfg.relay_min_port)
        t->cfg.relay_min_port = 49152;
    if (!t->cfg.relay_max_port)
        t->cfg.relay_max_port = 65535;
    if (!t->cfg.nonce_lifetime)
        t->cfg.nonce_lifetime = KVS_SEC(600);
    if (!t->cfg.default_lifetime)
        t->cfg.default_lifetime = 600;
    if (!t->cfg.max_lifetime)
        t->cfg.max_lifetime = 3600;
    if (!t->cfg.permission_lifetime)
        t->cfg.permission_lifetime = KVS_SEC(300);
    if (!t->cfg.channel_lifetime)
        t->cfg.channel_lifetime = KVS_SEC(600);
    if (t->cfg.max_allocs <= 0 || t->cfg.max_allocs > SIM_TURN_MAX_ALLOCS)
        t->cfg.max_allocs = SIM_TURN_MAX_ALLOCS;
    t->node = sim_net_node_new(n, SIM_NODE_TURN, t);
    t->rng = sim_rng_seed(n->seed, 0x5455524eu + (uint64_t)t->node);
    t->secret = sim_rng_next(&t->rng);
    t->listen[0] = sim_addr(ip, t->cfg.port);
    t->relay[0] = sim_addr(ip, 0);
    sim_net_node_ip(n, t->node, realm, &t->relay[0]);
    return t;
}

/* A second listening and relay address, normally of the other family. */
SIM_FN void sim_turn_add_ip(sim_turn *t, const char *ip) {
    t->listen[1] = sim_addr(ip, t->cfg.port);
    t->relay[1] = sim_addr(ip, 0);
    sim_net_node_ip(t->net, t->node, t->realm, &t->relay[1]);
}

/* The UDP address clients send to (family KVS_AF_INET or KVS_AF_INET6). */
SIM_FN kvs_addr sim_turn_addr(const sim_turn *t, int family) {
    return t->listen[1].family == family ? t->listen[1] : t->listen[0];
}

/* Makes every nonce issued so far stale (the next authenticated request gets 438). */
SIM_FN void sim_turn_stale_nonces(sim_turn *t) {
    t->nonce_epoch++;
}

SIM_FN void sim_turn_nonce_make(const sim_turn *t, kvs_time issued, char out[25]) {
    uint64_t h = t->secret ^ (issued * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)t->nonce_epoch << 40);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    snprintf(out, 25, "%016llx%08lx", (unsigned long long)issued, (unsigned long)(h & 0xffffffffu));
}

/* 1 when the nonce was issued by this server, in this epoch, less than nonce_lifetime ago. */
SIM_FN int sim_turn_nonce_ok(const sim_turn *t, const uint8_t *p, size_t n) {
    char s[25], want[25];
    unsigned long long issued;
    if (n != 24)
        return 0;
    memcpy(s, p, 24);
    s[24] = 0;
    if (sscanf(s, "%16llx", &issued) != 1)
        return 0;
    sim_turn_nonce_make(t, (kvs_time)issued, want);
    return memcmp(want, s, 24) == 0 && t->net->sim.now - (kvs_time)issued < t->cfg.nonce_lifetime;
}

SIM_FN void sim_turn_alloc_free(sim_turn *t, sim_turn_alloc *a) {
    (void)t;
    memset(a, 0, sizeof *a);
}

/* Drops what has expired (allocations, permissions, channels). */
SIM_FN void sim_turn_sweep(sim_turn *t) {
    kvs_time now = t->net->sim.now;
    int i, j;
    for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++) {
        sim_turn_alloc *a = &t->alloc[i];
        if (!a->used)
            continue;
        if (now >= a->expires) {
            t->expirations++;
            sim_turn_alloc_free(t, a);
            continue;
        }
        for (j = 0; j < SIM_TURN_MAX_PERMS; j++)
            if (a->perm[j].ip.family && now >= a->perm[j].expires)
                memset(&a->perm[j], 0, sizeof a->perm[j]);
        for (j = 0; j < SIM_TURN_MAX_CHANS; j++)
            if (a->chan[j].num && now >= a->chan[j].expires)
                memset(&a->chan[j], 0, sizeof a->chan[j]);
    }
}

/* Live allocations, permissions of an allocation, channels of an allocation. */
SIM_FN int sim_turn_allocations(sim_turn *t) {
    int i, c = 0;
    sim_turn_sweep(t);
    for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++)
        c += t->alloc[i].used;
    return c;
}

/* The live allocation whose relayed address is `relayed`, or NULL. */
SIM_FN sim_turn_alloc *sim_turn_find_relayed(sim_turn *t, const kvs_addr *relayed) {
    int i;
    sim_turn_sweep(t);
    for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++)
        if (t->alloc[i].used && sim_ep_eq(&t->alloc[i].relayed, relayed))
            return &t->alloc[i];
    return NULL;
}

SIM_FN int sim_turn_perm_count(const sim_turn_alloc *a) {
    int j, c = 0;
    for (j = 0; j < SIM_TURN_MAX_PERMS; j++)
        c += a->perm[j].ip.family != 0;
    return c;
}

SIM_FN int sim_turn_chan_count(const sim_turn_alloc *a) {
    int j, c = 0;
    for (j = 0; j < SIM_TURN_MAX_CHANS; j++)
        c += a->chan[j].num != 0;
    return c;
}

/* Where a message came from: a UDP datagram (conn -1) or a stream connection. */
typedef struct sim_turn_src {
    int conn;
    kvs_addr client, server;
} sim_turn_src;

SIM_FN void sim_turn_stream_write(sim_turn_conn *c, const uint8_t *p, size_t n) {
    size_t pad = (4 - (n & 3)) & 3;
    if (c->closed)
        return;
    if (c->out_len + n + pad > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        uint8_t *o;
        while (cap < c->out_len + n + pad)
            cap *= 2;
        o = (uint8_t *)realloc(c->out, cap);
        if (!o)
            return;
        c->out = o;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    memset(c->out + c->out_len + n, 0, pad);
    c->out_len += n + pad;
}

/* Sends a message or ChannelData to the client. */
SIM_FN void sim_turn_to_client(sim_turn *t, const sim_turn_src *s, const uint8_t *p, size_t n) {
    if (s->conn < 0)
        sim_net_xmit(t->net, t->realm, &s->server, &s->client, p, n);
    else
        sim_turn_stream_write(&t->conn[s->conn], p, n);
}

SIM_FN sim_turn_alloc *sim_turn_find(sim_turn *t, const sim_turn_src *s) {
    int i;
    for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++) {
        sim_turn_alloc *a = &t->alloc[i];
        if (!a->used || a->conn != s->conn)
            continue;
        if (s->conn >= 0 || (sim_ep_eq(&a->client, &s->client) && sim_ep_eq(&a->server, &s->server)))
            return a;
    }
    return NULL;
}

SIM_FN void sim_turn_finish(sim_turn *t, kvs__wr *w, const uint8_t *key) {
    if (key)
        kvs__stun_put_integrity(w, key, 16);
    if (!t->cfg.no_fingerprint)
        kvs__stun_put_fingerprint(w);
}

SIM_FN void sim_turn_send_msg(sim_turn *t, const sim_turn_src *s, kvs__wr *w) {
    size_t len;
    if (kvs__wr_result(w, &len) == KVS_OK)
        sim_turn_to_client(t, s, w->p, len);
}

/* An error response; with REALM and a fresh NONCE for 401 and 438, with MESSAGE-INTEGRITY when
   key is given (the request was authenticated). */
SIM_FN void sim_turn_error(sim_turn *t, const sim_turn_src *s, const kvs__stun_msg *m, int code,
                           const char *reason, const uint8_t *key) {
    uint8_t buf[512];
    kvs__wr w;
    t->errors++;
    t->last_error = code;
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__stun_begin(&w, m->method, KVS__STUN_ERROR, m->txid);
    kvs__stun_put_error(&w, code, reason);
    if (code == 401 || code == 438) {
        char nonce[25];
        sim_turn_nonce_make(t, t->net->sim.now, nonce);
        kvs__stun_put(&w, KVS__STUN_A_REALM, t->realm_name, strlen(t->realm_name));
        kvs__stun_put(&w, KVS__STUN_A_NONCE, nonce, 24);
    }
    if (code == 420) {
        uint8_t u[2 * KVS__STUN_MAX_UNKNOWN];
        int i;
        for (i = 0; i < m->nunknown; i++)
            kvs__put_u16(u + 2 * i, m->unknown[i]);
        kvs__stun_put(&w, KVS__STUN_A_UNKNOWN_ATTRIBUTES, u, 2 * (size_t)m->nunknown);
    }
    sim_turn_finish(t, &w, key);
    sim_turn_send_msg(t, s, &w);
}

/* The long-term credential checks of RFC 8489 9.2.4. 0 and the user's index in *user when the
   request is authenticated; else the error code (already answered). */
SIM_FN int sim_turn_auth(sim_turn *t, const sim_turn_src *s, const kvs__stun_msg *m, int *user,
                         uint8_t key[16]) {
    size_t ul, rl, nl;
    const uint8_t *u, *r, *no;
    int i;
    if (m->mi < 0 && m->mi256 < 0) {
        t->challenges++;
        sim_turn_error(t, s, m, 401, "Unauthorized", NULL);
        return 401;
    }
    u = kvs__stun_get(m, KVS__STUN_A_USERNAME, &ul);
    r = kvs__stun_get(m, KVS__STUN_A_REALM, &rl);
    no = kvs__stun_get(m, KVS__STUN_A_NONCE, &nl);
    if (!u || !r || !no) {
        t->bad_requests++;
        sim_turn_error(t, s, m, 400, "Bad Request", NULL);
        return 400;
    }
    for (i = 0; i < t->nusers; i++)
        if (strlen(t->user[i]) == ul && memcmp(t->user[i], u, ul) == 0)
            break;
    if (i == t->nusers || rl != strlen(t->realm_name) || memcmp(r, t->realm_name, rl) != 0) {
        t->auth_failures++;
        sim_turn_error(t, s, m, 401, "Unauthorized", NULL);
        return 401;
    }
    kvs__stun_long_term_key(u, ul, r, rl, t->pass[i], strlen(t->pass[i]), key);
    if (kvs__stun_check_integrity(m, key, 16) != KVS_OK) {
        t->auth_failures++;
        sim_turn_error(t, s, m, 401, "Unauthorized", NULL);
        return 401;
    }
    if (!sim_turn_nonce_ok(t, no, nl)) {
        t->stale_nonces++;
        sim_turn_error(t, s, m, 438, "Stale Nonce", NULL);
        return 438;
    }
    *user = i;
    return 0;
}

/* The i-th attribute as an XOR address (CreatePermission may carry several XOR-PEER-ADDRESS). */
SIM_FN int sim_turn_xor_addr(const kvs__stun_msg *m, int i, kvs_addr *a) {
    const uint8_t *p = m->p + m->attrs[i].off;
    size_t n = m->attrs[i].len, k;
    uint8_t mask[16];
    memset(a, 0, sizeof *a);
    kvs__put_u32(mask, KVS__STUN_COOKIE);
    memcpy(mask + 4, m->txid, 12);
    if (n == 8 && p[1] == 1)
        a->family = KVS_AF_INET;
    else if (n == 20 && p[1] == 2)
        a->family = KVS_AF_INET6;
    else
        return -1;
    for (k = 0; k < (a->family == KVS_AF_INET ? 4u : 16u); k++)
        a->ip[k] = (uint8_t)(p[4 + k] ^ mask[k]);
    a->port = (uint16_t)(kvs__get_u16(p + 2) ^ (KVS__STUN_COOKIE >> 16));
    return 0;
}

SIM_FN int sim_turn_forbidden(const sim_turn *t, const kvs_addr *peer) {
    int i;
    for (i = 0; i < 4; i++)
        if (t->cfg.forbidden[i].family && sim_ip_eq(&t->cfg.forbidden[i], peer))
            return 1;
    return 0;
}

SIM_FN sim_turn_perm *sim_turn_perm_find(sim_turn_alloc *a, const kvs_addr *ip) {
    int j;
    for (j = 0; j < SIM_TURN_MAX_PERMS; j++)
        if (a->perm[j].ip.family && sim_ip_eq(&a->perm[j].ip, ip))
            return &a->perm[j];
    return NULL;
}

/* Installs or refreshes a permission; 0, or -1 when the table is full. */
SIM_FN int sim_turn_perm_set(sim_turn *t, sim_turn_alloc *a, const kvs_addr *ip) {
    sim_turn_perm *p = sim_turn_perm_find(a, ip);
    int j;
    for (j = 0; j < SIM_TURN_MAX_PERMS && !p; j++)
        if (!a->perm[j].ip.family)
            p = &a->perm[j];
    if (!p)
        return -1;
    p->ip = *ip;
    p->ip.port = 0;
    p->expires = t->net->sim.now + t->cfg.permission_lifetime;
    t->permissions++;
    return 0;
}

SIM_FN uint16_t sim_turn_relay_port(sim_turn *t, const kvs_addr *ip) {
    unsigned span = (unsigned)t->cfg.relay_max_port - t->cfg.relay_min_port + 1u;
    int tries, i;
    for (tries = 0; tries < 100000; tries++) {
        uint16_t port = (uint16_t)(t->cfg.relay_min_port + sim_rng_next(&t->rng) % span);
        for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++)
            if (t->alloc[i].used && t->alloc[i].relayed.port == port && sim_ip_eq(&t->alloc[i].relayed, ip))
                break;
        if (i == SIM_TURN_MAX_ALLOCS && !(port == t->cfg.port && sim_ip_eq(ip, &t->listen[0])))
            return port;
    }
    return 0;
}

SIM_FN void sim_turn_allocate(sim_turn *t, const sim_turn_src *s, const kvs__stun_msg *m, int user,
                              const uint8_t key[16]) {
    sim_turn_alloc *a = sim_turn_find(t, s);
    uint32_t v, lifetime = t->cfg.default_lifetime;
    int family = KVS_AF_INET, i;
    const kvs_addr *rip = NULL;
    uint8_t buf[256];
    kvs__wr w;
    if (a) {
        if (memcmp(a->txid, m->txid, 12) != 0) {
            t->mismatches++;
            sim_turn_error(t, s, m, 437, "Allocation Mismatch", key);
            return;
        }
        /* a retransmission: answered again below */
    } else {
        if (kvs__stun_get_u32(m, KVS__STUN_A_REQUESTED_TRANSPORT, &v) != KVS_OK) {
            t->bad_requests++;
            sim_turn_error(t, s, m, 400, "Bad Request", key);
            return;
        }
        if ((v >> 24) != 17) {
            sim_turn_error(t, s, m, 442, "Unsupported Transport Protocol", key);
            return;
        }
        if (kvs__stun_get_u32(m, KVS__STUN_A_REQUESTED_ADDRESS_FAMILY, &v) == KVS_OK) {
            if ((v >> 24) == 1)
                family = KVS_AF_INET;
            else if ((v >> 24) == 2)
                family = KVS_AF_INET6;
            else
                family = KVS_AF_NONE;
        }
        for (i = 0; i < 2; i++)
            if (t->relay[i].family && t->relay[i].family == family)
                rip = &t->relay[i];
        if (!rip) {
            sim_turn_error(t, s, m, 440, "Address Family not Supported", key);
            return;
        }
        for (i = 0; i < t->cfg.max_allocs && !a; i++)
            if (!t->alloc[i].used)
                a = &t->alloc[i];
        if (!a) {
            sim_turn_error(t, s, m, 486, "Allocation Quota Reached", key);
            return;
        }
        if (kvs__stun_get_u32(m, KVS__STUN_A_LIFETIME, &v) == KVS_OK) {
            lifetime = v < t->cfg.max_lifetime ? v : t->cfg.max_lifetime;
            if (lifetime < t->cfg.default_lifetime)
                lifetime = t->cfg.default_lifetime;
        }
        memset(a, 0, sizeof *a);
        a->used = 1;
        a->conn = s->conn;
        a->client = s->client;
        a->server = s->server;
        a->relayed = *rip;
        a->relayed.port = sim_turn_relay_port(t, rip);
        a->user = user;
        memcpy(a->key, key, 16);
        memcpy(a->txid, m->txid, 12);
        a->expires = t->net->sim.now + KVS_SEC(lifetime);
        t->allocations++;
    }
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__stun_begin(&w, KVS__STUN_ALLOCATE, KVS__STUN_SUCCESS, m->txid);
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_RELAYED_ADDRESS, &a->relayed);
    kvs__stun_put_u32(&w, KVS__STUN_A_LIFETIME, (uint32_t)((a->expires - t->net->sim.now) / KVS_SEC(1)));
    kvs__stun_put_addr(&w, KVS__STUN_A_XOR_MAPPED_ADDRESS, &s->client);
    sim_turn_finish(t, &w, key);
    sim_turn_send_msg(t, s, &w);
}

SIM_FN void sim_turn_request(sim_turn *t, const sim_turn_src *s, const kvs__stun_msg *m) {
    uint8_t key[16], buf[256];
    kvs__wr w;
    sim_turn_alloc *a;
    uint32_t v;
    int user, i;
    t->requests++;
    if (m->method == KVS__STUN_BINDING) {
        t->bindings++;
        kvs__wr_init(&w, buf, sizeof buf);
        kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_SUCCESS, m->txid);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_MAPPED_ADDRESS, &s->client);
        sim_turn_finish(t, &w, NULL);
        sim_turn_send_msg(t, s, &w);
        return;
    }
    if (m->method != KVS__STUN_ALLOCATE && m->method != KVS__STUN_REFRESH &&
        m->method != KVS__STUN_CREATE_PERMISSION && m->method != KVS__STUN_CHANNEL_BIND) {
        t->bad_requests++;
        sim_turn_error(t, s, m, 400, "Bad Request", NULL);
        return;
    }
    if (sim_turn_auth(t, s, m, &user, key) != 0)
        return;
    if (m->nunknown) {
        sim_turn_error(t, s, m, 420, "Unknown Attribute", key);
        return;
    }
    if (m->method == KVS__STUN_ALLOCATE) {
        sim_turn_allocate(t, s, m, user, key);
        return;
    }
    a = sim_turn_find(t, s);
    if (!a) {
        t->mismatches++;
        sim_turn_error(t, s, m, 437, "Allocation Mismatch", key);
        return;
    }
    if (a->user != user) {
        sim_turn_error(t, s, m, 441, "Wrong Credentials", key);
        return;
    }
    kvs__wr_init(&w, buf, sizeof buf);
    if (m->method == KVS__STUN_REFRESH) {
        uint32_t lifetime = t->cfg.default_lifetime;
        if (kvs__stun_get_u32(m, KVS__STUN_A_LIFETIME, &v) == KVS_OK)
            lifetime = v < t->cfg.max_lifetime ? v : t->cfg.max_lifetime;
        t->refreshes++;
        if (lifetime == 0) {
            t->deletions++;
            sim_turn_alloc_free(t, a);
        } else {
            a->expires = t->net->sim.now + KVS_SEC(lifetime);
        }
        kvs__stun_begin(&w, KVS__STUN_REFRESH, KVS__STUN_SUCCESS, m->txid);
        kvs__stun_put_u32(&w, KVS__STUN_A_LIFETIME, lifetime);
    } else if (m->method == KVS__STUN_CREATE_PERMISSION) {
        kvs_addr peers[KVS__STUN_MAX_ATTRS];
        int np = 0;
        for (i = 0; i < m->nattrs; i++)
            if (m->attrs[i].type == KVS__STUN_A_XOR_PEER_ADDRESS) {
                if (sim_turn_xor_addr(m, i, &peers[np]) != 0) {
                    t->bad_requests++;
                    sim_turn_error(t, s, m, 400, "Bad Request", key);
                    return;
                }
                if (peers[np].family != a->relayed.family) {
                    sim_turn_error(t, s, m, 443, "Peer Address Family Mismatch", key);
                    return;
                }
                if (sim_turn_forbidden(t, &peers[np])) {
                    t->forbidden++;
                    sim_turn_error(t, s, m, 403, "Forbidden", key);
                    return;
                }
                np++;
            }
        if (!np) {
            t->bad_requests++;
            sim_turn_error(t, s, m, 400, "Bad Request", key);
            return;
        }
        for (i = 0; i < np; i++)
            if (sim_turn_perm_set(t, a, &peers[i]) != 0) {
                sim_turn_error(t, s, m, 508, "Insufficient Capacity", key);
                return;
            }
        kvs__stun_begin(&w, KVS__STUN_CREATE_PERMISSION, KVS__STUN_SUCCESS, m->txid);
    } else {
        kvs_addr peer;
        sim_turn_chan *c = NULL, *freec = NULL;
        int pi = kvs__stun_find(m, KVS__STUN_A_XOR_PEER_ADDRESS);
        if (kvs__stun_get_u32(m, KVS__STUN_A_CHANNEL_NUMBER, &v) != KVS_OK || pi < 0 ||
            sim_turn_xor_addr(m, pi, &peer) != 0 || (v >> 16) < 0x4000 || (v >> 16) > 0x4FFF) {
            t->bad_requests++;
            sim_turn_error(t, s, m, 400, "Bad Request", key);
            return;
        }
        if (peer.family != a->relayed.family) {
            sim_turn_error(t, s, m, 443, "Peer Address Family Mismatch", key);
            return;
        }
        if (sim_turn_forbidden(t, &peer) ||
            (t->cfg.channel_bind_needs_permission && !sim_turn_perm_find(a, &peer))) {
            t->forbidden++;
            sim_turn_error(t, s, m, 403, "Forbidden", key);
            return;
        }
        for (i = 0; i < SIM_TURN_MAX_CHANS; i++) {
            sim_turn_chan *k = &a->chan[i];
            if (!k->num) {
                if (!freec)
                    freec = k;
                continue;
            }
            if ((k->num == (v >> 16)) != sim_ep_eq(&k->peer, &peer)) {
                /* the number is bound to another peer, or the peer to another number */
                t->bad_requests++;
                sim_turn_error(t, s, m, 400, "Bad Request", key);
                return;
            }
            if (k->num == (v >> 16))
                c = k;
        }
        if (!c)
            c = freec;
        if (!c || (!sim_turn_perm_find(a, &peer) && sim_turn_perm_count(a) == SIM_TURN_MAX_PERMS)) {
            sim_turn_error(t, s, m, 508, "Insufficient Capacity", key);
            return;
        }
        c->num = (uint16_t)(v >> 16);
        c->peer = peer;
        c->expires = t->net->sim.now + t->cfg.channel_lifetime;
        sim_turn_perm_set(t, a, &peer);
        t->channel_binds++;
        kvs__stun_begin(&w, KVS__STUN_CHANNEL_BIND, KVS__STUN_SUCCESS, m->txid);
    }
    sim_turn_finish(t, &w, key);
    sim_turn_send_msg(t, s, &w);
}

/* The relay sends a payload from the allocation's relayed address to a peer. */
SIM_FN void sim_turn_to_peer(sim_turn *t, sim_turn_alloc *a, const kvs_addr *peer, const uint8_t *p, size_t n) {
    t->relayed_to_peer++;
    sim_net_xmit(t->net, t->realm, &a->relayed, peer, p, n);
}

/* A STUN message or ChannelData from a client (UDP datagram or stream frame). */
SIM_FN void sim_turn_client_input(sim_turn *t, const sim_turn_src *s, const uint8_t *p, size_t n) {
    kvs__stun_msg m;
    sim_turn_alloc *a;
    sim_turn_sweep(t);
    if (n >= 4 && p[0] >= 0x40 && p[0] <= 0x4F) {
        uint16_t num = kvs__get_u16(p), len = kvs__get_u16(p + 2);
        int i;
        if ((size_t)len > n - 4) {
            t->dropped_malformed++;
            return;
        }
        a = sim_turn_find(t, s);
        if (!a) {
            t->dropped_no_alloc++;
            return;
        }
        for (i = 0; i < SIM_TURN_MAX_CHANS; i++)
            if (a->chan[i].num == num)
                break;
        if (i == SIM_TURN_MAX_CHANS) {
            t->dropped_no_channel++;
            return;
        }
        if (!sim_turn_perm_find(a, &a->chan[i].peer)) {
            t->dropped_no_permission++;
            return;
        }
        t->channel_data_in++;
        sim_turn_to_peer(t, a, &a->chan[i].peer, p + 4, len);
        return;
    }
    if (kvs__stun_parse(p, n, &m) != KVS_OK ||
        (m.fp >= 0 && kvs__stun_check_fingerprint(&m) != KVS_OK)) {
        t->dropped_malformed++;
        return;
    }
    if (m.cls == KVS__STUN_REQUEST) {
        sim_turn_request(t, s, &m);
    } else if (m.cls == KVS__STUN_INDICATION && m.method == KVS__STUN_SEND) {
        kvs_addr peer;
        const uint8_t *data;
        size_t dlen;
        int pi = kvs__stun_find(&m, KVS__STUN_A_XOR_PEER_ADDRESS);
        a = sim_turn_find(t, s);
        data = kvs__stun_get(&m, KVS__STUN_A_DATA, &dlen);
        if (!a) {
            t->dropped_no_alloc++;
            return;
        }
        if (pi < 0 || !data || sim_turn_xor_addr(&m, pi, &peer) != 0) {
            t->dropped_malformed++;
            return;
        }
        if (!sim_turn_perm_find(a, &peer)) {
            t->dropped_no_permission++;
            return;
        }
        t->send_indications++;
        sim_turn_to_peer(t, a, &peer, data, dlen);
    } else {
        t->dropped_malformed++;
    }
}

/* A datagram from a peer to a relayed address. */
SIM_FN void sim_turn_peer_input(sim_turn *t, const sim_dgram *d) {
    sim_turn_alloc *a = sim_turn_find_relayed(t, &d->to);
    sim_turn_src s;
    uint8_t buf[KVS_SIM_PKT + 64];
    int i;
    if (!a) {
        t->dropped_no_alloc++;
        return;
    }
    if (!sim_turn_perm_find(a, &d->from)) {
        t->dropped_no_permission++;
        return;
    }
    s.conn = a->conn;
    s.client = a->client;
    s.server = a->server;
    t->relayed_to_client++;
    for (i = 0; i < SIM_TURN_MAX_CHANS; i++)
        if (a->chan[i].num && sim_ep_eq(&a->chan[i].peer, &d->from))
            break;
    if (i < SIM_TURN_MAX_CHANS) {
        kvs__put_u16(buf, a->chan[i].num);
        kvs__put_u16(buf + 2, (uint16_t)d->len);
        memcpy(buf + 4, d->data, d->len);
        t->channel_data_out++;
        sim_turn_to_client(t, &s, buf, 4 + d->len);
    } else {
        kvs__wr w;
        uint8_t txid[12];
        uint64_t r1 = sim_rng_next(&t->rng), r2 = sim_rng_next(&t->rng);
        memcpy(txid, &r1, 8);
        memcpy(txid + 8, &r2, 4);
        kvs__wr_init(&w, buf, sizeof buf);
        kvs__stun_begin(&w, KVS__STUN_DATA, KVS__STUN_INDICATION, txid);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &d->from);
        kvs__stun_put(&w, KVS__STUN_A_DATA, d->data, d->len);
        sim_turn_finish(t, &w, NULL);
        t->data_indications++;
        sim_turn_send_msg(t, &s, &w);
    }
}

static void sim_turn_input(sim_net *n, sim_dgram *d) {
    sim_turn *t = (sim_turn *)n->node[d->node].elem;
    int i;
    for (i = 0; i < 2; i++)
        if (t->listen[i].family && sim_ep_eq(&t->listen[i], &d->to)) {
            sim_turn_src s;
            s.conn = -1;
            s.client = d->from;
            s.server = d->to;
            sim_turn_client_input(t, &s, d->data, d->len);
            return;
        }
    sim_turn_peer_input(t, d);
}

/* --- TURN over a stream (TCP, or TLS treated as TCP) --------------------------------------- */

/* A client connects (client: its address as the server sees it; tls: 1 for TLS, which only
   changes the port the server says it listens on). The connection number, or -1. */
SIM_FN int sim_turn_stream_open(sim_turn *t, const kvs_addr *client, int tls) {
    int i;
    for (i = 0; i < SIM_TURN_MAX_CONNS; i++)
        if (!t->conn[i].used) {
            sim_turn_conn *c = &t->conn[i];
            free(c->out);
            memset(c, 0, sizeof *c);
            c->used = 1;
            c->tls = tls;
            c->client = *client;
            c->server = sim_turn_addr(t, client->family);
            c->server.port = tls ? 5349 : t->cfg.port;
            return i;
        }
    return -1;
}

/* The test closes a connection: its allocation goes with it (RFC 8656 3.1). */
SIM_FN void sim_turn_stream_close(sim_turn *t, int conn) {
    int i;
    if (conn < 0 || conn >= SIM_TURN_MAX_CONNS || !t->conn[conn].used)
        return;
    for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++)
        if (t->alloc[i].used && t->alloc[i].conn == conn)
            sim_turn_alloc_free(t, &t->alloc[i]);
    free(t->conn[conn].out);
    memset(&t->conn[conn], 0, sizeof t->conn[conn]);
}

/* Bytes the client wrote to its connection, in any pieces. 0, or -1 when the server closed the
   connection (framing it cannot read: neither STUN nor ChannelData, or a frame too large). */
SIM_FN int sim_turn_stream_input(sim_turn *t, int conn, const void *p, size_t n) {
    sim_turn_conn *c;
    sim_turn_src s;
    size_t off = 0;
    int i;
    if (conn < 0 || conn >= SIM_TURN_MAX_CONNS || !t->conn[conn].used || t->conn[conn].closed)
        return -1;
    c = &t->conn[conn];
    s.conn = conn;
    s.client = c->client;
    s.server = c->server;
    while (off < n) {
        size_t take = n - off, frame;
        if (take > sizeof c->in - c->in_len)
            take = sizeof c->in - c->in_len;
        memcpy(c->in + c->in_len, (const uint8_t *)p + off, take);
        c->in_len += take;
        off += take;
        for (;;) {
            if (c->in_len < 4)
                break;
            if (c->in[0] >= 0x40 && c->in[0] <= 0x4F)
                frame = 4 + (((size_t)kvs__get_u16(c->in + 2) + 3u) & ~(size_t)3u);
            else if (c->in[0] < 0x40)
                frame = kvs__stun_frame_len(c->in, c->in_len);
            else
                frame = 0;
            if (frame == 0 || frame > sizeof c->in) {
                t->stream_errors++;
                for (i = 0; i < SIM_TURN_MAX_ALLOCS; i++)
                    if (t->alloc[i].used && t->alloc[i].conn == conn)
                        sim_turn_alloc_free(t, &t->alloc[i]);
                c->closed = 1;
                return -1;
            }
            if (c->in_len < frame)
                break;
            sim_turn_client_input(t, &s, c->in, c->in[0] >= 0x40 ? 4 + (size_t)kvs__get_u16(c->in + 2) : frame);
            memmove(c->in, c->in + frame, c->in_len - frame);
            c->in_len -= frame;
        }
    }
    return 0;
}

/* Bytes the server has written to a connection and the client has not read yet. */
SIM_FN size_t sim_turn_stream_pending(const sim_turn *t, int conn) {
    return conn >= 0 && conn < SIM_TURN_MAX_CONNS ? t->conn[conn].out_len : 0;
}

/* Reads (and consumes) up to cap bytes the server wrote to a connection; returns the count. */
SIM_FN size_t sim_turn_stream_output(sim_turn *t, int conn, void *buf, size_t cap) {
    sim_turn_conn *c;
    size_t k;
    if (conn < 0 || conn >= SIM_TURN_MAX_CONNS || !t->conn[conn].used)
        return 0;
    c = &t->conn[conn];
    k = c->out_len < cap ? c->out_len : cap;
    memcpy(buf, c->out, k);
    memmove(c->out, c->out + k, c->out_len - k);
    c->out_len -= k;
    return k;
}

/* 1 when the server closed the connection. */
SIM_FN int sim_turn_stream_closed(const sim_turn *t, int conn) {
    return conn < 0 || conn >= SIM_TURN_MAX_CONNS || !t->conn[conn].used || t->conn[conn].closed;
}

SIM_FN void sim_net_free(sim_net *n) {
    int i, j;
    for (i = 0; i < n->nnodes; i++) {
        if (n->node[i].type == SIM_NODE_TURN) {
            sim_turn *t = (sim_turn *)n->node[i].elem;
            for (j = 0; j < SIM_TURN_MAX_CONNS; j++)
                free(t->conn[j].out);
        }
        free(n->node[i].elem);
        n->node[i].elem = NULL;
    }
    free(n->q);
    n->q = NULL;
    n->nq = n->cap = 0;
}

#endif
