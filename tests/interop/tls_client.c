/* tls_client - kvswebrtc's TLS 1.2 client (>>tls) on a real TCP connection, for
   interoperability tests against other implementations (tests/interop/tls_openssl.sh).

   Usage: tls_client --connect ADDR:PORT --host NAME --ca FILE [options]

     --connect ADDR:PORT   numeric address of the server (no name resolution)
     --host NAME           the name sent as SNI and checked in the server's certificate
     --ca FILE             trust anchors: a PEM bundle (or one DER certificate)
     --time UNIX           validation time in seconds (default: the system clock)
     --send TEXT           application data sent once connected, followed by a newline
     --repeat N            send TEXT N times on that one line (large writes; default 1)
     --expect TEXT         succeed only once the received data contains TEXT
     --alpn                offer ALPN "http/1.1"
     --half-duplex         BearSSL's shared-buffer mode
     --record N            plaintext bytes per record we send (512..16384)
     --timeout-ms N        hard limit for the whole run (default 10000)
     --verbose             the library's DEBUG log on stderr

   Output on stdout, one item per line:
     ANCHORS <n>                          trust anchors parsed
     STATE connected                      handshake complete and the chain verified, then:
     SUITE 0x<suite>  ALPN http/1.1|none  MEMORY <bytes taken from the accountant>
     RECV <bytes> <first 60 bytes as text>  all application data received, at the end
     STATE closed | STATE closing         after our close_notify: the server answered or not
     STATE failed <result> <item>         the client failed (result and log item names)
   Exit status: 0 done (connected, TEXT sent and EXPECT received when asked), 1 the handshake
   or the verification failed, 2 usage or trust anchors, 3 socket error, 4 timed out.

   Build: gcc -std=c99 -g -O1 -Wall -Wextra -Werror tests/interop/tls_client.c \
            -o build/interop/tls_client -lsrtp2 -lbearssl                                       */
#define KVS_TESTING 1
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h" /* first: it selects the POSIX feature macros it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TC_IO 65536
#define TC_RECV_MAX (4u << 20)

typedef struct tc {
    /* options */
    const char *connect, *host, *ca, *send, *expect;
    int64_t unix_time;
    long repeat, timeout_ms;
    int alpn, half_duplex, verbose;
    size_t record;
    /* state */
    kvs_posix px;
    kvs_platform pf;
    kvs__log log;
    kvs__mem mem;
    kvs__rng rng;
    int guard;
    kvs__tls_anchors anchors;
    kvs__tls t;
    kvs_sock sock;
    uint8_t out[TC_IO]; /* bytes for the socket not sent yet */
    size_t out_len;
    uint8_t in[TC_IO]; /* bytes from the socket not taken by the engine yet */
    size_t in_len;
    uint8_t *msg; /* what we send */
    size_t msg_len, msg_sent;
    uint8_t *got; /* what we received */
    size_t got_len;
    int connected, peer_closed;
} tc;

static tc C;

static const char *result_name(kvs_result r) {
    switch (r) {
#define KVS__X(name, value, desc)                                                                  \
    case KVS_##name:                                                                               \
        return #name;
        KVS_RESULTS(KVS__X)
#undef KVS__X
    default:
        return "?";
    }
}

static int usage(const char *why) {
    fprintf(stderr, "tls_client: %s\n", why);
    fprintf(stderr, "usage: tls_client --connect ADDR:PORT --host NAME --ca FILE [--time UNIX]\n"
                    "  [--send TEXT] [--repeat N] [--expect TEXT] [--alpn] [--half-duplex]\n"
                    "  [--record N] [--timeout-ms N] [--verbose]\n");
    return 2;
}

static int parse_args(int argc, char **argv) {
    int i;
    C.timeout_ms = 10000;
    C.repeat = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--alpn") == 0) {
            C.alpn = 1;
            continue;
        }
        if (strcmp(a, "--half-duplex") == 0) {
            C.half_duplex = 1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            C.verbose = 1;
            continue;
        }
        if (!v)
            return usage("an option lacks its value");
        i++;
        if (strcmp(a, "--connect") == 0) {
            C.connect = v;
        } else if (strcmp(a, "--host") == 0) {
            C.host = v;
        } else if (strcmp(a, "--ca") == 0) {
            C.ca = v;
        } else if (strcmp(a, "--time") == 0) {
            C.unix_time = (int64_t)strtoll(v, NULL, 10);
            if (C.unix_time <= 0)
                return usage("--time wants seconds since 1970");
        } else if (strcmp(a, "--send") == 0) {
            C.send = v;
        } else if (strcmp(a, "--repeat") == 0) {
            C.repeat = strtol(v, NULL, 10);
            if (C.repeat < 1 || C.repeat > 100000)
                return usage("--repeat is 1..100000");
        } else if (strcmp(a, "--expect") == 0) {
            C.expect = v;
        } else if (strcmp(a, "--record") == 0) {
            C.record = (size_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--timeout-ms") == 0) {
            C.timeout_ms = strtol(v, NULL, 10);
            if (C.timeout_ms <= 0 || C.timeout_ms > 600000)
                return usage("--timeout-ms is 1..600000");
        } else {
            return usage("unknown option");
        }
    }
    if (!C.connect || !C.host || !C.ca)
        return usage("--connect, --host and --ca are required");
    return 0;
}

/* "ADDR:PORT" or "[V6]:PORT", numeric. */
static int parse_hostport(const char *s, kvs_addr *out) {
    const char *colon = strrchr(s, ':'), *host = s;
    char *stop;
    long port;
    size_t hn;
    if (!colon)
        return -1;
    hn = (size_t)(colon - s);
    if (hn >= 2 && s[0] == '[' && s[hn - 1] == ']') {
        host = s + 1;
        hn -= 2;
    }
    port = strtol(colon + 1, &stop, 10);
    if (colon[1] == 0 || *stop != 0 || port <= 0 || port > 65535)
        return -1;
    return kvs_addr_parse(out, host, hn, (uint16_t)port) == KVS_OK ? 0 : -1;
}

static int load_anchors(void) {
    static uint8_t buf[1 << 20];
    size_t n;
    kvs_result r;
    FILE *f = fopen(C.ca, "rb");
    if (!f) {
        fprintf(stderr, "tls_client: cannot open %s\n", C.ca);
        return -1;
    }
    n = fread(buf, 1, sizeof buf, f);
    if (ferror(f) || !feof(f)) {
        fprintf(stderr, "tls_client: cannot read %s (or larger than 1 MB)\n", C.ca);
        fclose(f);
        return -1;
    }
    fclose(f);
    r = kvs__tls_anchors_parse(&C.anchors, &C.mem, &C.log, buf, n);
    if (r != KVS_OK) {
        printf("ANCHORS failed %s %s\n", result_name(r), kvs_log_item_name(C.log.last_item));
        return -1;
    }
    printf("ANCHORS %lu\n", (unsigned long)C.anchors.n);
    return 0;
}

/* Move engine output to the socket; 0, or -1 on a socket error. */
static int flush(void) {
    for (;;) {
        size_t len;
        int n;
        if (C.out_len < sizeof C.out &&
            kvs__tls_output(&C.t, C.out + C.out_len, sizeof C.out - C.out_len, &len) == KVS_OK)
            C.out_len += len;
        if (C.out_len == 0)
            return 0;
        n = kvs_posix_tcp_send(&C.px, C.sock, C.out, C.out_len);
        if (n < 0) {
            fprintf(stderr, "tls_client: tcp_send: %s\n", kvs_result_str((kvs_result)n));
            return -1;
        }
        if (n == 0)
            return 0; /* connecting, or the kernel buffer is full: later */
        memmove(C.out, C.out + n, C.out_len - (size_t)n);
        C.out_len -= (size_t)n;
    }
}

/* Application data: write what the engine takes, read what it has. */
static void app(void) {
    size_t used, len;
    while (C.msg_sent < C.msg_len &&
           kvs__tls_write(&C.t, C.msg + C.msg_sent, C.msg_len - C.msg_sent, &used) == KVS_OK) {
        C.msg_sent += used;
        if (flush() != 0)
            return;
    }
    while (C.got_len < TC_RECV_MAX &&
           kvs__tls_read(&C.t, C.got + C.got_len, TC_RECV_MAX - C.got_len, &len) == KVS_OK)
        C.got_len += len;
}

/* Socket bytes into the engine; 0, 1 when the server closed the connection, -1 on errors. */
static int pull(void) {
    int n, closed = 0;
    for (;;) {
        size_t used;
        if (C.in_len < sizeof C.in) {
            n = kvs_posix_tcp_recv(&C.px, C.sock, C.in + C.in_len, sizeof C.in - C.in_len);
            if (n == KVS_ERR_CLOSED) {
                closed = 1;
            } else if (n < 0) {
                fprintf(stderr, "tls_client: tcp_recv: %s\n", kvs_result_str((kvs_result)n));
                return -1;
            } else {
                C.in_len += (size_t)n;
            }
        }
        if (C.in_len == 0)
            return closed;
        if (kvs__tls_input(&C.t, C.in, C.in_len, &used) != KVS_OK || used == 0) {
            app(); /* the engine may wait for us to read */
            if (kvs__tls_input(&C.t, C.in, C.in_len, &used) != KVS_OK || used == 0)
                return closed;
        }
        memmove(C.in, C.in + used, C.in_len - used);
        C.in_len -= used;
        app();
        if (flush() != 0)
            return -1;
    }
}

static int expected(void) {
    size_t k, i;
    if (!C.expect)
        return 1;
    k = strlen(C.expect);
    for (i = 0; k && i + k <= C.got_len; i++)
        if (memcmp(C.got + i, C.expect, k) == 0)
            return 1;
    return 0;
}

static int finish(int code) {
    size_t i;
    if (C.got_len) {
        printf("RECV %lu ", (unsigned long)C.got_len);
        for (i = 0; i < C.got_len && i < 60; i++)
            putchar(C.got[i] >= 0x20 && C.got[i] < 0x7f ? C.got[i] : '.');
        printf("\n");
    }
    fflush(stdout);
    kvs__tls_deinit(&C.t);
    kvs__tls_anchors_free(&C.anchors);
    if (C.mem.st.current)
        fprintf(stderr, "tls_client: %lu bytes still allocated\n", (unsigned long)C.mem.st.current);
    kvs_posix_deinit(&C.px);
    free(C.msg);
    free(C.got);
    return code;
}

int main(int argc, char **argv) {
    kvs__tls_cfg cfg;
    kvs_addr to;
    kvs_time hard, close_by = KVS_TIME_NEVER;
    kvs_result r;
    long i;
    int rc;

    if ((rc = parse_args(argc, argv)) != 0)
        return rc;
    if (parse_hostport(C.connect, &to) != 0)
        return usage("--connect wants ADDR:PORT with a numeric address");
    kvs_posix_init(&C.px);
    C.px.log_level = C.verbose ? KVS_LOG_DEBUG : KVS_LOG_WARN;
    kvs_posix_platform(&C.px, &C.pf);
    kvs__log_init(&C.log, &C.pf, &C.guard, C.verbose ? KVS_LOG_DEBUG : KVS_LOG_WARN);
    if (kvs__mem_init(&C.mem, &C.pf, &C.guard, &C.log, 0) != KVS_OK)
        return 3;
    kvs__crypto_rng_init(&C.rng, &C.pf, &C.guard, &C.log);
    C.got = (uint8_t *)malloc(TC_RECV_MAX);
    if (C.send) {
        size_t one = strlen(C.send);
        C.msg_len = one * (size_t)C.repeat + 1;
        C.msg = (uint8_t *)malloc(C.msg_len);
        for (i = 0; i < C.repeat; i++)
            memcpy(C.msg + (size_t)i * one, C.send, one);
        C.msg[C.msg_len - 1] = '\n';
    }
    if (!C.got || (C.send && !C.msg) || load_anchors() != 0)
        return finish(2);

    rc = kvs_posix_tcp_connect(&C.px, &to, &C.sock);
    if (rc < 0) {
        fprintf(stderr, "tls_client: connect %s: %s\n", C.connect, kvs_result_str((kvs_result)rc));
        return finish(3);
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.host.p = C.host;
    cfg.host.n = strlen(C.host);
    cfg.anchors = &C.anchors;
    cfg.unix_time = C.unix_time ? C.unix_time : kvs_posix_unix_time(&C.px);
    cfg.alpn_http11 = C.alpn;
    cfg.half_duplex = C.half_duplex;
    cfg.out_record = C.record;
    r = kvs__tls_init(&C.t, &cfg, &C.rng, &C.log, &C.mem);
    if (r != KVS_OK) {
        printf("STATE failed %s %s\n", result_name(r), kvs_log_item_name(C.t.item));
        return finish(1);
    }
    hard = kvs_posix_now(NULL) + KVS_MSEC(C.timeout_ms);

    for (;;) {
        kvs_time now = kvs_posix_now(NULL), deadline;
        if (flush() != 0)
            return finish(3);
        rc = pull();
        if (rc < 0)
            return finish(3);
        if (rc == 1)
            C.peer_closed = 1;
        if (C.t.state == KVS__TLS_ST_FAILED) {
            (void)flush(); /* the fatal alert, for a refused certificate */
            printf("STATE failed %s %s\n", result_name(C.t.error), kvs_log_item_name(C.t.item));
            return finish(1);
        }
        if (C.t.state == KVS__TLS_ST_OPEN && !C.connected) {
            C.connected = 1;
            printf("STATE connected\nSUITE 0x%04x\nALPN %s\nMEMORY %lu\n", (unsigned)C.t.suite,
                   C.t.alpn ? "http/1.1" : "none", (unsigned long)C.mem.st.current);
            fflush(stdout);
            app();
            if (flush() != 0)
                return finish(3);
        }
        if (C.t.state == KVS__TLS_ST_CLOSED) {
            printf("STATE closed\n");
            return finish(C.connected && C.msg_sent == C.msg_len && expected() ? 0 : 1);
        }
        if (C.connected && close_by == KVS_TIME_NEVER && C.msg_sent == C.msg_len && expected()) {
            kvs__tls_close(&C.t); /* done: close_notify, then wait a little for the answer */
            if (flush() != 0)
                return finish(3);
            close_by = now + KVS_MSEC(1000);
        }
        if (close_by != KVS_TIME_NEVER && (now >= close_by || C.peer_closed)) {
            printf("STATE %s\n", C.t.state == KVS__TLS_ST_CLOSED ? "closed" : "closing");
            return finish(0);
        }
        if (C.peer_closed && C.t.state != KVS__TLS_ST_CLOSED) {
            printf("STATE failed ERR_CLOSED the server closed the connection\n");
            return finish(1);
        }
        if (now >= hard) {
            printf("STATE failed ERR_TIMEOUT %s\n",
                   C.connected ? "after the handshake" : "during the handshake");
            return finish(4);
        }
        deadline = close_by < hard ? close_by : hard;
        if (C.out_len && deadline > now + KVS_MSEC(10))
            deadline = now + KVS_MSEC(10); /* the kernel buffer was full: try again soon */
        if (kvs_posix_wait(&C.px, deadline) < 0)
            return finish(3);
    }
}
