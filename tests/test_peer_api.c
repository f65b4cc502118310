/* Tests of the public peer API (>>api-peer, >>peer-host): two clients, sans-IO, on the virtual
   network. Everything goes through kvs_peer_* / kvs_dc_* / kvs_client_handle_* and the events of
   kvs_client_poll: offer and answer as SDP text, candidates, state and milestone events, a data
   channel each way, messages of every size echoed, an unordered partial-reliability channel,
   close seen on the other side, statistics; the event queue refusing input until drained
   without losing anything; ICE servers by name (RESOLVE / TCP_CONNECT events); bad input. */

#define PA_MSGS 60

typedef struct pa_ep {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    kvs_cert cert;
    kvs_peer_id id;
    kvs_sock sock;
    kvs_addr addr;
    int echo;     /* echo every message back on its channel */
    int no_drain; /* the application is slow: it drains every 20 ms only */
    kvs_time next_drain;
    int cands, eoc, state, states, failed, opens, closes, lows, again;
    unsigned ms_mask;
    kvs_time ms_at[KVS_MS_COUNT_];
    uint16_t open_id;
    char open_label[64];
    int open_type;
    unsigned long got, bad, got_unordered;
    uint32_t next;
} pa_ep;

typedef struct pa_net {
    pa_ep ep[2];
    kvs_sim sim;
} pa_net;

static void pa_event(pa_net *n, int i, const kvs_event *ev) {
    pa_ep *e = &n->ep[i];
    uint8_t buf[2 * sizeof(kvs_addr) + KVS_SIM_PKT];
    switch (ev->type) {
    case KVS_EV_TRANSMIT_UDP:
        CHECK(ev->u.transmit.sock == e->sock);
        CHECK(ev->u.transmit.len <= (size_t)1200);
        if (!kvs_addr_equal(&ev->u.transmit.to, &n->ep[1 - i].addr))
            break;
        memcpy(buf, &e->addr, sizeof(kvs_addr));
        memcpy(buf + sizeof(kvs_addr), ev->u.transmit.data, ev->u.transmit.len);
        kvs_sim_send(&n->sim, 1 - i, buf, sizeof(kvs_addr) + ev->u.transmit.len);
        break;
    case KVS_EV_PEER_CANDIDATE:
        CHECK(ev->u.candidate.line[ev->u.candidate.len] == 0);
        if (ev->u.candidate.len == 0)
            e->eoc++;
        else
            e->cands++;
        break;
    case KVS_EV_PEER_STATE:
        e->state = ev->u.state.state;
        e->states++;
        e->failed += ev->u.state.state == KVS_PEER_FAILED;
        break;
    case KVS_EV_PEER_MILESTONE:
        CHECK(ev->u.milestone.which >= 0 && ev->u.milestone.which < KVS_MS_COUNT_);
        CHECK(!(e->ms_mask & (1u << ev->u.milestone.which))); /* each once */
        e->ms_mask |= 1u << ev->u.milestone.which;
        e->ms_at[ev->u.milestone.which] = ev->u.milestone.at;
        break;
    case KVS_EV_DC_OPEN:
        e->opens++;
        e->open_id = ev->u.dc.id;
        e->open_type = ev->u.dc.type;
        snprintf(e->open_label, sizeof e->open_label, "%s", ev->u.dc.label);
        CHECK_EQ(strcmp(ev->u.dc.protocol, "proto"), 0);
        break;
    case KVS_EV_DC_MESSAGE:
        if (e->echo) {
            CHECK_EQ(kvs_dc_send(&e->c, ev->peer, ev->u.dc.id, ev->u.dc.data, ev->u.dc.len, ev->u.dc.binary),
                     KVS_OK);
            break;
        }
        if (e->open_type & 0x80) {
            e->got_unordered++;
            break;
        }
        if (ev->u.dc.len < 4 || kvs__get_u32(ev->u.dc.data) != e->next ||
            !sc_check(ev->u.dc.data, ev->u.dc.len, e->next, 0) || ev->u.dc.binary != (int)(e->next & 1))
            e->bad++;
        e->next++;
        e->got++;
        break;
    case KVS_EV_DC_CLOSE:
        e->closes++;
        break;
    case KVS_EV_DC_BUFFERED_LOW:
        CHECK_EQ(ev->u.dc.id, KVS_DC_ALL);
        e->lows++;
        break;
    default:
        CHECK(0); /* no servers: no RESOLVE / TCP_CONNECT */
        break;
    }
}

static void pa_drain(pa_net *n, int i) {
    kvs_event ev;
    while (kvs_client_poll(&n->ep[i].c, n->sim.now, &ev) == KVS_OK)
        pa_event(n, i, &ev);
}

/* The echoing side may receive a whole send buffer's worth at once: its own is larger. */
#define PA_SEND_BUFFER (4u << 20)
static uint32_t pa_send_buffer0 = PA_SEND_BUFFER; /* endpoint 0's */

static pa_net *pa_new(uint64_t seed, int loss) {
    pa_net *n = (pa_net *)calloc(1, sizeof *n);
    int i;
    pe_world(&n->sim, seed, loss, &n->ep[0].cert, &n->ep[1].cert);
    for (i = 0; i < 2; i++) {
        pa_ep *e = &n->ep[i];
        kvs_peer_config pc;
        kvs_tp_init(&e->tp, &e->pf, seed * 2 + (uint64_t)i + 1, 1);
        e->pf.log = NULL;
        CHECK_EQ(kvs_client_init(&e->c, NULL, &e->pf), KVS_OK);
        e->sock = (kvs_sock)(11 * (i + 1));
        kvs_addr_parse(&e->addr, i ? "10.0.0.2" : "10.0.0.1", 8, (uint16_t)(5000 + i));
        memset(&pc, 0, sizeof pc);
        pc.cert = &e->cert;
        pc.sockets = &e->sock;
        pc.socket_addresses = &e->addr;
        pc.n_sockets = 1;
        pc.send_buffer = i ? PA_SEND_BUFFER : pa_send_buffer0;
        CHECK_EQ(kvs_peer_create(&e->c, &pc, n->sim.now, &e->id), KVS_OK);
        CHECK(e->id.id != 0);
        pa_drain(n, i);
        CHECK_EQ(e->cands, 1); /* the host candidate */
        CHECK_EQ(e->eoc, 1);   /* no servers: gathering is complete at once */
    }
    return n;
}

/* Offer from 0, answer from 1, both as SDP text with the candidates inside. */
static void pa_negotiate(pa_net *n) {
    static char offer[8192], answer[8192];
    size_t ol, al;
    int line = -1;
    CHECK_EQ(kvs_peer_create_offer(&n->ep[0].c, n->ep[0].id, offer, sizeof offer, &ol, n->sim.now), KVS_OK);
    CHECK(strstr(offer, "a=candidate:") != NULL && strstr(offer, "a=end-of-candidates\r\n") != NULL);
    CHECK_EQ(kvs_peer_answer(&n->ep[1].c, n->ep[1].id, offer, ol, answer, sizeof answer, &al, &line, n->sim.now),
             KVS_OK);
    CHECK_EQ(line, 0);
    CHECK_EQ(kvs_peer_set_answer(&n->ep[0].c, n->ep[0].id, answer, al, &line, n->sim.now), KVS_OK);
    pa_drain(n, 0);
    pa_drain(n, 1);
}

/* A slow application looks at its client only every 20 ms. */
static kvs_time pa_deadline(pa_ep *e) {
    return e->no_drain ? e->next_drain : kvs_client_next_timeout(&e->c);
}

static void pa_run(pa_net *n, kvs_time limit, int (*stop)(pa_net *)) {
    static kvs_sim_pkt k;
    kvs_time end = n->sim.now + limit;
    while (n->sim.now < end && !(stop && stop(n))) {
        int i;
        for (i = 0; i < 2; i++) {
            pa_ep *e = &n->ep[i];
            CHECK_EQ(kvs_client_handle_timeout(&e->c, n->sim.now), KVS_OK);
            if (!e->no_drain || n->sim.now >= e->next_drain) {
                e->next_drain = n->sim.now + KVS_MSEC(20);
                pa_drain(n, i);
            }
        }
        while (kvs_sim_pop(&n->sim, &k)) {
            pa_ep *e = &n->ep[k.to];
            kvs_addr from;
            kvs_result r;
            memcpy(&from, k.data, sizeof from);
            while ((r = kvs_client_handle_datagram(&e->c, e->sock, &from, k.data + sizeof from, k.len - sizeof from,
                                                   n->sim.now)) == KVS_ERR_AGAIN) {
                e->again++; /* the queue is full: drain, then the same datagram again */
                pa_drain(n, k.to);
            }
            CHECK_EQ(r, KVS_OK);
            if (!e->no_drain)
                pa_drain(n, k.to);
        }
        if (stop && stop(n))
            return;
        kvs_sim_advance(&n->sim, pa_deadline(&n->ep[0]), pa_deadline(&n->ep[1]), end);
    }
}

static void pa_free(pa_net *n) {
    int i;
    for (i = 0; i < 2; i++) {
        kvs_memory_stats ms;
        CHECK_EQ(kvs_peer_destroy(&n->ep[i].c, n->ep[i].id), KVS_OK);
        CHECK_EQ(kvs_peer_destroy(&n->ep[i].c, n->ep[i].id), KVS_ERR_NOT_FOUND);
        kvs_client_memory_stats(&n->ep[i].c, &ms);
        CHECK_EQ(ms.current, n->ep[i].c.priv.q_cap); /* only the event queue is left */
        kvs_client_deinit(&n->ep[i].c);
        CHECK_EQ(n->ep[i].tp.live_bytes, 0);
    }
    kvs_sim_free(&n->sim);
    free(n);
}

static int pa_connected(pa_net *n) {
    return n->ep[0].state == KVS_PEER_CONNECTED && n->ep[1].state == KVS_PEER_CONNECTED &&
           (n->ep[0].ms_mask & (1u << KVS_MS_SCTP_UP)) && (n->ep[1].ms_mask & (1u << KVS_MS_SCTP_UP));
}
static int pa_open(pa_net *n) {
    return n->ep[0].opens && n->ep[1].opens;
}
static unsigned long pa_target;
static uint16_t pa_sid;
static int pa_echoed(pa_net *n) {
    static uint8_t msg[64 * 1024];
    static unsigned long sent;
    pa_ep *e = &n->ep[0];
    if (!e->got && !sent)
        sent = 0;
    while (sent < pa_target) {
        size_t sz = sent == 0 ? 4 : sent == 1 ? 1200 : sent == 2 ? 64 * 1024 : 4 + (size_t)((sent * 2654435761u) % (64 * 1024 - 4));
        kvs_result r;
        sc_fill(msg, sz, (uint32_t)sent, 0);
        r = kvs_dc_send(&e->c, e->id, pa_sid, msg, sz, (int)(sent & 1));
        if (r == KVS_ERR_AGAIN)
            break;
        CHECK_EQ(r, KVS_OK);
        sent++;
    }
    if (e->got >= pa_target) {
        sent = 0;
        return 1;
    }
    return 0;
}

static void pa_data_channel(int loss, int slow_app) {
    pa_net *n = pa_new(41 + (uint64_t)loss, loss);
    kvs_dc_config dc;
    kvs_peer_stats st;
    kvs_memory_stats ms;
    kvs_config cc;
    kvs_peer_config pc;
    size_t bound;
    int i, k;
    n->ep[1].echo = 1;
    n->ep[1].no_drain = slow_app;
    pa_negotiate(n);
    pa_run(n, KVS_SEC(30), pa_connected);
    CHECK(pa_connected(n));
    /* 0 opens a reliable channel; 1 sees it with its label and protocol */
    memset(&dc, 0, sizeof dc);
    dc.label = "chat";
    dc.protocol = "proto";
    dc.type = KVS_DC_RELIABLE;
    dc.id = -1;
    CHECK_EQ(kvs_dc_open(&n->ep[0].c, n->ep[0].id, &dc, &pa_sid), KVS_OK);
    pa_run(n, KVS_SEC(30), pa_open);
    CHECK(pa_open(n));
    CHECK_EQ(strcmp(n->ep[1].open_label, "chat"), 0);
    CHECK_EQ(n->ep[1].open_id, pa_sid);
    /* messages of 4 B .. 64 KiB, text and binary in turn, echoed intact and in order */
    pa_target = PA_MSGS;
    pa_run(n, KVS_SEC(600), pa_echoed);
    CHECK_EQ(n->ep[0].got, PA_MSGS);
    CHECK_EQ(n->ep[0].bad, 0);
    if (slow_app)
        CHECK(n->ep[1].again > 0); /* inputs were refused until drained: and nothing was lost */
    if (pa_send_buffer0 < PA_SEND_BUFFER)
        CHECK(n->ep[0].lows > 0); /* the sender waited for "buffered amount low" */
    /* an unordered channel without retransmissions, opened by the answerer this time */
    dc.label = "fast";
    dc.type = KVS_DC_REXMIT_UNORDERED;
    dc.reliability = 0;
    n->ep[0].echo = 1;
    n->ep[1].echo = 0;
    CHECK_EQ(kvs_dc_open(&n->ep[1].c, n->ep[1].id, &dc, &pa_sid), KVS_OK);
    pa_run(n, KVS_SEC(10), NULL);
    CHECK_EQ(n->ep[0].opens, 2);
    CHECK_EQ(n->ep[0].open_type, KVS_DC_REXMIT_UNORDERED);
    for (k = 0; k < 20; k++) { /* 20 ms apart: not all in one packet that one loss would take */
        CHECK_EQ(kvs_dc_send(&n->ep[1].c, n->ep[1].id, pa_sid, "abcd", 4, 0), KVS_OK);
        pa_run(n, KVS_MSEC(20), NULL);
    }
    pa_run(n, KVS_SEC(10), NULL);
    CHECK(n->ep[1].got_unordered > 0 && n->ep[1].got_unordered <= 20);
    if (!loss)
        CHECK_EQ(n->ep[1].got_unordered, 20);
    /* 1 closes it: both sides see it closed */
    CHECK_EQ(kvs_dc_close(&n->ep[1].c, n->ep[1].id, pa_sid), KVS_OK);
    pa_run(n, KVS_SEC(10), NULL);
    CHECK_EQ(n->ep[0].closes, 1);
    CHECK_EQ(n->ep[1].closes, 1);
    CHECK_EQ(kvs_dc_send(&n->ep[1].c, n->ep[1].id, pa_sid, "x", 1, 0), KVS_ERR_NOT_FOUND);
    /* the timeline: every milestone once, in order; the same figures in the statistics */
    for (i = 0; i < 2; i++) {
        pa_ep *e = &n->ep[i];
        CHECK_EQ(e->ms_mask, (1u << KVS_MS_COUNT_) - 1);
        /* SCTP comes up a round trip or two after DTLS, without waiting for a retransmission */
        CHECK(e->ms_at[KVS_MS_SCTP_UP] - e->ms_at[KVS_MS_DTLS_CONNECTED] < KVS_MSEC(500));
        for (k = 1; k < KVS_MS_COUNT_; k++)
            if (k != KVS_MS_REMOTE_DESCRIPTION + 1) /* the first candidate comes before the remote */
                CHECK(e->ms_at[k] >= e->ms_at[k - 1]);
        CHECK_EQ(kvs_peer_stats_get(&e->c, e->id, &st), KVS_OK);
        for (k = 0; k < KVS_MS_COUNT_; k++)
            CHECK_EQ(st.timeline.at[k], e->ms_at[k]);
        CHECK_EQ(st.state, KVS_PEER_CONNECTED);
        CHECK_EQ(st.selected_local_type, KVS_CAND_HOST);
        CHECK(kvs_addr_equal(&st.selected_local, &e->addr));
        CHECK_EQ(st.channels_open, 1);
        CHECK(st.bytes_received > 0 && st.messages_received >= PA_MSGS);
        CHECK_EQ(e->failed, 0);
        /* the memory a peer may take, from the API, bounds what it took */
        kvs_client_memory_stats(&e->c, &ms);
        memset(&cc, 0, sizeof cc);
        memset(&pc, 0, sizeof pc);
        pc.send_buffer = PA_SEND_BUFFER;
        bound = kvs_peer_memory_size(&cc, &pc) + kvs_client_queue_size(&cc);
        CHECK(ms.peak <= bound);
    }
    pa_free(n);
}

static void test_peer_api_data_channel(void) {
    pa_data_channel(0, 0);
}

static void test_peer_api_lossy(void) {
    pa_data_channel(5, 0);
}

/* The answerer's application does not drain after each datagram: inputs are refused with
   KVS_ERR_AGAIN until it does, and every message still arrives once, in order. */
static void test_peer_api_slow_app(void) {
    pa_data_channel(0, 1);
}

/* A 256 KiB send buffer: kvs_dc_send says KVS_ERR_AGAIN, KVS_EV_DC_BUFFERED_LOW follows once it
   drained below half, and the sender goes on. */
static void test_peer_api_buffered_low(void) {
    pa_send_buffer0 = 256u * 1024u;
    pa_data_channel(0, 0);
    pa_send_buffer0 = PA_SEND_BUFFER;
}

/* Servers by name in sans-IO mode: RESOLVE, then TCP_CONNECT for TURN over TCP; a name that
   does not resolve and a connection that fails drop their server; end-of-candidates waits for
   both. */
static void test_peer_api_servers(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    kvs_cert cert;
    kvs_peer_config pc;
    kvs_ice_server is[2];
    kvs_peer_id id;
    kvs_event ev;
    kvs_sock s = 7;
    kvs_addr a, t;
    int resolves = 0, connects = 0, eoc = 0, stun = -1, turn = -1;
    kvs_tp_init(&tp, &pf, 5, 1);
    pf.log = NULL;
    dt_load_cert(&cert, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_OK);
    kvs_addr_parse(&a, "10.0.0.1", 8, 5000);
    memset(is, 0, sizeof is);
    is[0].url = "stun:stun.example.com";
    is[1].url = "turn:turn.example.com:3478?transport=tcp";
    is[1].username = "user";
    is[1].credential = "pass";
    memset(&pc, 0, sizeof pc);
    pc.cert = &cert;
    pc.ice_servers = is;
    pc.n_ice_servers = 2;
    pc.sockets = &s;
    pc.socket_addresses = &a;
    pc.n_sockets = 1;
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id), KVS_OK);
    CHECK_EQ(kvs_client_next_timeout(&c), 0); /* events are due now */
    while (kvs_client_poll(&c, tp.now, &ev) == KVS_OK) {
        if (ev.type == KVS_EV_RESOLVE) {
            resolves++;
            if (strcmp(ev.u.resolve.host, "stun.example.com") == 0) {
                CHECK_EQ(ev.u.resolve.port, 3478);
                stun = ev.u.resolve.server;
            } else {
                CHECK_EQ(strcmp(ev.u.resolve.host, "turn.example.com"), 0);
                turn = ev.u.resolve.server;
            }
        } else if (ev.type == KVS_EV_PEER_CANDIDATE && ev.u.candidate.len == 0) {
            eoc++;
        }
    }
    CHECK_EQ(resolves, 2);
    CHECK_EQ(eoc, 0);
    CHECK_EQ(kvs_peer_resolved(&c, id, stun, NULL, 0, tp.now), KVS_OK); /* no such name */
    CHECK_EQ(kvs_peer_resolved(&c, id, stun, NULL, 0, tp.now), KVS_ERR_STATE);
    kvs_addr_parse(&t, "192.0.2.9", 9, 3478);
    CHECK_EQ(kvs_peer_resolved(&c, id, turn, &t, 1, tp.now), KVS_OK);
    while (kvs_client_poll(&c, tp.now, &ev) == KVS_OK) {
        if (ev.type == KVS_EV_TCP_CONNECT) {
            connects++;
            CHECK_EQ(ev.u.tcp_connect.server, turn);
            CHECK(kvs_addr_equal(&ev.u.tcp_connect.to, &t));
        }
        eoc += ev.type == KVS_EV_PEER_CANDIDATE && ev.u.candidate.len == 0;
    }
    CHECK_EQ(connects, 1);
    CHECK_EQ(eoc, 0);
    CHECK_EQ(kvs_peer_tcp_connected(&c, id, turn, KVS_SOCK_INVALID, tp.now), KVS_OK);
    while (kvs_client_poll(&c, tp.now, &ev) == KVS_OK)
        eoc += ev.type == KVS_EV_PEER_CANDIDATE && ev.u.candidate.len == 0;
    CHECK_EQ(eoc, 1);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_PEER_SERVER_DROPPED);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.live_bytes, 0);
}

/* Bad input: a clear error, nothing allocated, other peers untouched. */
static void test_peer_api_errors(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    kvs_config cc;
    kvs_cert cert;
    kvs_peer_config pc;
    kvs_ice_server is;
    kvs_peer_id id, id2, bogus;
    kvs_sock s = 7;
    kvs_addr a;
    kvs_event ev;
    char out[4096];
    size_t len;
    int line = 0;
    uint16_t sid;
    kvs_dc_config dc;
    kvs_tp_init(&tp, &pf, 6, 1);
    pf.log = NULL;
    dt_load_cert(&cert, kvs_fx_ec_a_der, sizeof kvs_fx_ec_a_der, kvs_fx_ec_a_key);
    memset(&cc, 0, sizeof cc);
    cc.max_peers = 1;
    CHECK_EQ(kvs_client_init(&c, &cc, &pf), KVS_OK);
    kvs_addr_parse(&a, "10.0.0.1", 8, 5000);
    memset(&pc, 0, sizeof pc);
    pc.sockets = &s;
    pc.socket_addresses = &a;
    pc.n_sockets = 1;
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id), KVS_ERR_INVALID_ARG); /* no certificate */
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_PEER_CONFIG);
    pc.cert = &cert;
    memset(&is, 0, sizeof is);
    pc.ice_servers = &is;
    pc.n_ice_servers = 1;
    is.url = "http://example.com";
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id), KVS_ERR_INVALID_ARG);
    is.url = "turn:192.0.2.1"; /* TURN without credentials */
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id), KVS_ERR_INVALID_ARG);
    is.url = "turns:turn.example.com";
    is.username = "u";
    is.credential = "p";
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id), KVS_ERR_INVALID_ARG); /* no trust anchors */
    {
        kvs_memory_stats ms;
        kvs_client_memory_stats(&c, &ms);
        CHECK_EQ(ms.current, c.priv.q_cap); /* the event queue, nothing else */
    }
    pc.n_ice_servers = 0;
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id), KVS_OK);
    CHECK_EQ(kvs_peer_create(&c, &pc, tp.now, &id2), KVS_ERR_LIMIT); /* max_peers 1 */
    bogus.id = id.id + 100;
    CHECK_EQ(kvs_peer_create_offer(&c, bogus, out, sizeof out, &len, tp.now), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs_dc_send(&c, id, 1, "x", 1, 0), KVS_ERR_STATE); /* not connected */
    memset(&dc, 0, sizeof dc);
    CHECK_EQ(kvs_dc_open(&c, id, &dc, &sid), KVS_ERR_STATE);
    CHECK_EQ(kvs_client_handle_datagram(&c, 99, &a, "x", 1, tp.now), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs_client_handle_stream(&c, 99, "x", 1, tp.now), KVS_ERR_NOT_FOUND);
    CHECK_EQ(kvs_peer_answer(&c, id, "v=0\r\nbogus\r\n", 12, out, sizeof out, &len, &line, tp.now), KVS_ERR_PARSE);
    CHECK_EQ(line, 2);
    {
        static const char audio_only[] = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                         "a=fingerprint:sha-256 "
                                         "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                         "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
                                         "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                                         "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                                         "a=rtcp-mux\r\na=setup:actpass\r\n";
        CHECK_EQ(kvs_peer_answer(&c, id, audio_only, sizeof audio_only - 1, out, sizeof out, &len, &line, tp.now),
                 KVS_ERR_UNSUPPORTED);
    }
    CHECK_EQ(kvs_peer_add_candidate(&c, id, "candidate:bogus", 15, tp.now), KVS_ERR_PARSE);
    CHECK_EQ(kvs_peer_add_candidate(&c, id, "a=candidate:1 1 TCP 1 10.0.0.2 9 typ host tcptype active\r\n", 58,
                                     tp.now),
             KVS_OK); /* TCP candidates are ignored */
    CHECK_EQ(kvs_peer_add_candidate(&c, id, NULL, 0, tp.now), KVS_OK); /* end-of-candidates */
    CHECK_EQ(kvs_peer_create_offer(&c, id, out, 10, &len, tp.now), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(kvs_peer_create_offer(&c, id, out, sizeof out, &len, tp.now), KVS_OK);
    while (kvs_client_poll(&c, tp.now, &ev) == KVS_OK)
        ;
    CHECK_EQ(kvs_run_once(&c, tp.now), KVS_ERR_STATE); /* no platform sockets: no driver */
    CHECK_EQ(kvs_peer_destroy(&c, id), KVS_OK);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.live_bytes, 0);
}

static const kvs_test_case kvs_tests_peer_api[] = {
    {"data_channel", test_peer_api_data_channel},
    {"lossy", test_peer_api_lossy},
    {"slow_app", test_peer_api_slow_app},
    {"buffered_low", test_peer_api_buffered_low},
    {"servers", test_peer_api_servers},
    {"errors", test_peer_api_errors},
};
