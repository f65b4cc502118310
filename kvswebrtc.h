/* SPDX-License-Identifier: MIT */
/*
  kvswebrtc.h - a single-header C library that makes any camera, doorbell or C program a peer of
  Amazon Kinesis Video Streams with WebRTC.                     (full licence text: end of file)

  ================================================================================================
  0.1  WHAT THIS IS
  ================================================================================================

  kvswebrtc is one C99 header. Compiled into one translation unit it provides a WebRTC stack and the
  Kinesis Video Streams (KVS) signaling client: HTTP + AWS SigV4, the KVS REST control plane and
  WebSocket signaling, STUN/TURN/ICE, DTLS 1.2 built on BearSSL's primitives, SRTP through libsrtp2,
  SCTP data channels, SDP, and RTP/RTCP for H.264, H.265, VP8, Opus and G.711.

  The core is sans-IO: it consumes bytes, frames and the current time, and produces bytes, events and
  the time at which it wants to be called again. It creates no threads, never reads a clock, never
  blocks and never allocates outside limits the user configures. An optional POSIX platform layer
  (KVS_PLATFORM_POSIX) supplies sockets, clocks and randomness for Linux, BSD and macOS programs.

  The subsystems land one by one; the README's status table says which are complete. This version
  contains the foundation (result codes, logging, the memory accountant, cursors, hex / base64 /
  CRC / percent-encoding / dates, a JSON reader and writer, IP address helpers, the client
  object and its event queue, the POSIX platform and the optional driver over it), the BearSSL glue (hashes, HMAC, ECDHE, ECDSA, RSA verification,
  AES-GCM, the TLS PRF), WebRTC certificates (generation, import, fingerprints), a DTLS 1.2
  engine for both roles with DTLS-SRTP keying, SRTP through libsrtp2, SCTP data channels, a
  TLS 1.2 client engine (BearSSL) with trust anchors, SNI and host name verification, STUN / TURN
  / ICE, an SDP parser with a JSEP offer / answer writer for data channels, and the peer
  connection (kvs_peer_*: offer / answer, trickle ICE, data channels) that glues them together
  behind any signaling.

  ================================================================================================
  0.2  DO THIS
  ================================================================================================

  In exactly one C or C++ file:

      #define KVSWEBRTC_IMPLEMENTATION
      #define KVS_PLATFORM_POSIX 1            (optional: the POSIX platform, see >>plat-posix)
      #include "kvswebrtc.h"

  Every other file includes "kvswebrtc.h" plainly. Include it before any system header in the
  implementation file when KVS_PLATFORM_POSIX is on: the header then selects the POSIX feature
  macros it needs (_DEFAULT_SOURCE); otherwise compile that file with -D_DEFAULT_SOURCE.

  Dependencies: BearSSL (https://bearssl.org, Debian: libbearssl-dev) and libsrtp2 (Debian:
  libsrtp2-dev), plus libc. Link with -lbearssl -lsrtp2. Both allocate nothing on their own except
  libsrtp2 at session creation (see 0.7, memory).

  ================================================================================================
  0.3  TABLE OF CONTENTS      (grep for ">>name" to jump to a section; tools/check_sections.sh
                               keeps this table and the section banners in step)
  ================================================================================================

  Public half (declarations, inside the include guard):
    [1]  >>api-base       version, linkage (KVS_DEF), configuration macros, extern "C"
    [2]  >>api-result     kvs_result codes, log levels, log items (X-macro), strings
    [3]  >>api-types      kvs_time, kvs_str, kvs_addr, kvs_sock, handles
    [4]  >>api-platform   kvs_platform: clock, randomness, sockets, memory, log
    [5]  >>api-config     kvs_config (zero means default), kvs_config_resolve
    [6]  >>api-events     kvs_event and the event table
    [7]  >>api-client     kvs_client: init, deinit, memory statistics, last error
    [8]  >>api-util       address parsing and formatting, version
    [9]  >>api-cert       kvs_cert: generate / import, PEM export, SDP fingerprints
    [10] >>api-dtls       DTLS statistics, DTLS-SRTP profile ids
    [11] >>api-srtp       kvs_global_init / shutdown (libsrtp2), SRTP trailer room
    [12] >>api-peer       kvs_peer: offer / answer, candidates, data channels, the event loop
    [13] >>api-posix      the optional POSIX platform (KVS_PLATFORM_POSIX)
    [14] >>api-testing    test hooks: seeded RNG, fault injection (KVS_TESTING only)

  Implementation half (outside the include guard, only with KVSWEBRTC_IMPLEMENTATION):
    [15] >>prelude        config checks, libc macros, KVS_ASSERT, byte order, bounded cursors
    [16] >>util           hex, CRC-32, CRC-32c, percent-encoding, dates, IP addresses
    [17] >>log            log items, level ceiling, formatting into a bounded buffer
    [18] >>mem            the per-client memory accountant over the platform allocator
    [19] >>crypto         BearSSL glue: SHA-1, SHA-256, HMAC, constant-time compare, zeroize, RNG
    [20] >>json           allocation-free JSON token reader and JSON writer
    [21] >>b64            base64 (RFC 4648 section 4)
    [22] >>dtls           DTLS 1.2: record layer, flights, timers, key schedule, exporter
    [23] >>dtls-hs        DTLS 1.2 handshake: messages, reassembly, input, init/send/close
    [24] >>srtp           SRTP over libsrtp2: DTLS-SRTP keys, protect / unprotect in place
    [25] >>sctp           SCTP association: setup, DATA/SACK, congestion, PR-SCTP, stream reset
    [26] >>sctp-data      SCTP data: DATA, SACK, congestion control, FORWARD-TSN
    [27] >>sctp-io        SCTP stream reset, shutdown, packet input / output, timers
    [28] >>dcep           data channels: DCEP open / ack, PPIDs, channel close (RFC 8832, 8831)
    [29] >>tls            TLS 1.2 client over BearSSL: trust anchors, SNI, host name check
    [30] >>stun           STUN messages (RFC 8489): parse, build, integrity, fingerprint, transactions
    [31] >>turn           TURN client (RFC 8656) over UDP / TCP / TLS: allocation, permissions, channels
    [32] >>ice            ICE agent (RFC 8445, 8838): candidates, SDP candidate lines, servers
    [33] >>ice-check      ICE checks: pairs, STUN in / out, nomination, consent (RFC 7675), timers
    [34] >>sdp            SDP (RFC 8866) and JSEP (RFC 8829): parse offers, write offers and answers
    [35] >>peer           one peer connection: ICE + DTLS + SCTP / DCEP glued, timeline
    [36] >>client         the client object: platform, configuration, accounting
    [37] >>peer-host      peers inside the client: sockets, ICE servers, the event queue
    [38] >>drv            the optional driver: platform sockets around the sans-IO core
    [39] >>api            public entry points: validate arguments, then call the sections above
    [40] >>plat-posix     the POSIX platform: clocks, getrandom, UDP/TCP, getaddrinfo, getifaddrs
    [41] >>testing        seeded RNG and fault injection (KVS_TESTING only)

  ================================================================================================
  0.4  QUICK START
  ================================================================================================

      #define KVSWEBRTC_IMPLEMENTATION
      #define KVS_PLATFORM_POSIX 1
      #include "kvswebrtc.h"
      #include <stdio.h>

      int main(void) {
          kvs_posix posix;
          kvs_platform pf;
          kvs_config cfg;                       zero means "default" for every field
          kvs_client client;
          kvs_memory_stats ms;
          kvs_result r;

          kvs_posix_init(&posix);
          kvs_posix_platform(&posix, &pf);      fills the callbacks, pf.user = &posix
          memset(&cfg, 0, sizeof cfg);
          r = kvs_client_init(&client, &cfg, &pf);
          if (r != KVS_OK) { fprintf(stderr, "init: %s\n", kvs_result_str(r)); return 1; }
          kvs_client_memory_stats(&client, &ms);
          printf("heap in use: %lu bytes\n", (unsigned long)ms.current);
          kvs_client_deinit(&client);
          kvs_posix_deinit(&posix);
          return 0;
      }

  A data channel peer with your own signaling (>>api-peer), the POSIX driver doing the I/O:

      kvs_cert cert;  kvs_peer_config pc;  kvs_peer_id peer;  kvs_event ev;
      kvs_ice_server turn = {"turn:turn.example.com:3478", "user", "secret"};
      kvs_cert_generate(&cert, &pf, NULL, 0);
      memset(&pc, 0, sizeof pc);
      pc.cert = &cert;  pc.ice_servers = &turn;  pc.n_ice_servers = 1;
      kvs_peer_create(&client, &pc, kvs_posix_now(NULL), &peer);
      ... kvs_peer_answer(&client, peer, offer, offer_len, answer, sizeof answer, &len, NULL, now)
          and send the answer (or kvs_peer_create_offer, then kvs_peer_set_answer) ...
      for (;;) {
          kvs_time now = kvs_posix_now(NULL);
          kvs_run_once(&client, now);                                 sockets in, timers
          while (kvs_client_poll(&client, now, &ev) == KVS_OK)        drain every event
              switch (ev.type) {
              case KVS_EV_PEER_CANDIDATE: signal ev.u.candidate.line ("" = end-of-candidates)
              case KVS_EV_DC_OPEN:        ev.u.dc.id, ev.u.dc.label
              case KVS_EV_DC_MESSAGE:     kvs_dc_send(&client, ev.peer, ev.u.dc.id,
                                                      ev.u.dc.data, ev.u.dc.len, ev.u.dc.binary);
              ...
              }
          kvs_posix_wait(&posix, kvs_client_next_timeout(&client));  sockets or the deadline
      }

  Without the driver (no socket callbacks in the platform) the same loop feeds
  kvs_client_handle_datagram / _stream / _timeout and sends the KVS_EV_TRANSMIT_* events itself.
  examples/peer_echo.c is a complete program.

  THE INVARIANT: after any input, drain the events until the poll call returns KVS_ERR_AGAIN, then
  read the next timeout. Input calls made while handling an event are allowed as long as draining
  continues.

  ================================================================================================
  0.5  CONFIGURATION MACROS     (define before including; "impl" = only the implementation file
                                 needs it, "all" = every file that includes the header)
  ================================================================================================

    macro                    default          where  meaning
    ---------------------    --------------   -----  ----------------------------------------------
    KVSWEBRTC_IMPLEMENTATION (undefined)      impl   compile the implementation into this file
    KVS_CONFIG_FILE          (undefined)      all    a file name included first, for vendor trees
                                                     that cannot pass -D flags ("my_kvs_config.h")
    KVS_DEF                  extern           all    linkage of every public function
    KVS_STATIC               0                all    1: every public function is static
    KVS_PLATFORM_POSIX       0                all    1: declare and build the POSIX platform
    KVS_NO_MALLOC            0                impl   1: never reference malloc/free; the platform
                                                     must supply alloc and free
    KVS_LOG_LEVEL_MAX        KVS_LOG_INFO     impl   compile-time ceiling: log calls above it
                                                     compile to nothing (KVS_LOG_DEBUG under
                                                     KVS_TESTING)
    KVS_NO_LOG_STRINGS       0                impl   1: drop the log item strings and formats;
                                                     the callback gets the item id and line only
    KVS_LOG_LINE_MAX         192              impl   size of the stack buffer a log line is
                                                     formatted into (longer lines are truncated)
    KVS_MEM_FILL             0 (1 testing)    impl   1: fill new blocks with 0xAA, freed with 0x55
    KVS_NO_SIMD              0                impl   1: no CPU-specific instructions (CRC-32c by
                                                     table even where SSE4.2 / ARMv8 CRC exist)
    KVS_MAX_PEERS            10               all    upper bound of kvs_config.max_peers
    KVS_SCTP_MAX_STREAMS     64               all    SCTP streams (data channels) in use at once
    KVS_DC_LABEL_MAX         128              impl   bytes of a data channel label / protocol
    KVS_DTLS_REASM_MAX       8192             all    bytes of DTLS handshake messages reassembled
                                                     at once (bounds a peer's certificate chain)
    KVS_JSON_MAX_DEPTH       32               impl   JSON nesting limit (at most 64); bounds the
                                                     reader's stack against hostile input
    KVS_ASSERT(x)            assert(x)        impl   internal invariant check
    KVS_MEMCPY KVS_MEMMOVE   libc             impl   libc replacements for vendor trees
    KVS_MEMSET KVS_MEMCMP
    KVS_STRLEN KVS_VSNPRINTF
    KVS_SDP_MAX_MEDIA        8                impl   media sections (m= lines) an SDP may hold
    KVS_SDP_MAX_CANDIDATES   = KVS_ICE_MAX_   impl   candidates of the remote transport kept when
                             CANDIDATES              an SDP is parsed (more are counted, dropped)
    KVS_SDP_LINE_MAX         4096             impl   bytes of one SDP line (longer: refused)
    KVS_CERT_MAX             2048             all    DER bytes of the own certificate (kvs_cert)
    KVS_TLS_MAX_ANCHORS      16               impl   trust anchors (CA certificates) one parsed
                                                     bundle may hold; raise it for large bundles
    KVS_BEARSSL_INCLUDE      <bearssl.h>      impl   how BearSSL's header is included
    KVS_SRTP_INCLUDE         <srtp2/srtp.h>   impl   how libsrtp2's header is included
    KVS_POSIX_MAX_SOCKETS    32               all    sockets one kvs_posix platform tracks
    KVS_POSIX_UDP_RCVBUF     1 MiB            impl   SO_RCVBUF asked for each POSIX UDP socket
    KVS_TESTING              0                impl   1: test hooks (>>testing), asserts always on,
                                                     internal functions become extern

  ================================================================================================
  0.6  PORTING: THE kvs_platform CONTRACT
  ================================================================================================

  The platform is one struct of callbacks (>>api-platform), copied at kvs_client_init. Every
  callback receives `user` as its first argument. The rules:

  - Return values. I/O callbacks return a byte count > 0, 0 for "nothing now, try later", and a
    negative kvs_result for a hard error. A stream callback never returns 0 after the peer closed:
    it returns KVS_ERR_CLOSED. UDP callbacks move whole datagrams or nothing.
  - Non-blocking. No callback may block. What can block (name resolution, TCP connect) is started by
    one call and reports completion through later calls (0 until done).
  - No re-entry. A callback must not call any kvs_* function on the same client. Public client
    functions called from inside a callback return KVS_ERR_STATE.
  - random is mandatory. There is never a fallback generator: without `random`, kvs_client_init
    fails with KVS_ERR_INVALID_ARG, and a failing `random` fails the operation that needed it.

  now(user)             REQUIRED. Monotonic time in microseconds; never decreases. Only the optional
                        driver calls it: the core takes `now` as an argument everywhere.
  unix_time(user)       REQUIRED. UTC seconds since 1970. Used for SigV4 dates, certificate
                        validity and RTCP NTP timestamps; never for timers.
  random(user,buf,len)  REQUIRED. Fill buf with len bytes from a cryptographically secure generator;
                        return 0, or a negative value on failure.
  udp_open(user, local, out, bound)
                        Driver only. Open a non-blocking UDP socket bound to *local (port 0 = any);
                        write the handle to *out and the address actually bound to *bound. 0 or <0.
  udp_send(user, s, to, p, n)
                        Driver only. Send one datagram. n, 0 (would block: the datagram is dropped,
                        as a router would; also for n == 0) or <0.
  udp_recv(user, s, from, p, cap)
                        Driver only. Receive one datagram into p, its source into *from. Bytes, 0
                        when none is queued (or cap == 0), <0 on a hard error. A datagram longer
                        than cap is discarded whole, never truncated.
  tcp_connect(user, to, out)
                        Driver only. Start a non-blocking connect to *to; the handle goes to *out.
                        0 or <0. Completion is seen through tcp_send / tcp_recv.
  tcp_send(user, s, p, n), tcp_recv(user, s, p, cap)
                        Driver only. Bytes moved (> 0), 0 while connecting or when the kernel buffer
                        is full / empty, KVS_ERR_CLOSED after the peer closed, <0 on errors.
  sock_close(user, s)   Driver only. Close any socket; never fails.
  resolve(user, host, port, out, max)
                        Driver only. Resolve a host name (numeric addresses included) to at most
                        max addresses with the given port. Count > 0, 0 while pending (call again),
                        <0 on failure (KVS_ERR_NOT_FOUND for "no such name"). The one exception
                        to "never block" is the POSIX layer's resolve: POSIX has no portable
                        asynchronous resolver, so kvs_posix_resolve calls getaddrinfo and may
                        block for a name (never for a numeric address); a program that must
                        never block installs its own resolve (a resolver thread, c-ares).
  local_addresses(user, out, max)
                        Driver only. The addresses of the interfaces that are up, loopback included
                        (ICE filters them). Count >= 0 or <0.
  alloc(user, n), free(user, p, n)
                        Optional (required with KVS_NO_MALLOC). Memory for the client, aligned for
                        any type. free receives the size that was asked for, for pool allocators.
                        Default: malloc and free.
  log(user, level, item, msg, line)
                        Optional. One log record: a level (KVS_LOG_ERROR..TRACE), a kvs_log_item
                        id, the message (NULL under KVS_NO_LOG_STRINGS) and the header line number.
                        Must not call back into kvs; should be fast. No callback, no output.

  ================================================================================================
  0.7  CONVENTIONS
  ================================================================================================

  Ownership. Inputs are borrowed for the duration of the call. Outputs go to caller buffers
  (buf, cap, &out_len): when cap is too small the call returns KVS_ERR_BUFFER_TOO_SMALL and sets
  *out_len to the size needed; buf == NULL with cap == 0 asks for the size. Pointers inside events
  stay valid until the next kvs_* call on the same client. Strings from the network are
  length-counted (kvs_str) and never assumed to end in NUL; NUL-terminated strings are accepted in
  kvs_config only.

  Time. kvs_time is microseconds on a monotonic clock chosen by the caller (KVS_TIME_NEVER means "no
  deadline"). Every function that runs timers takes `now`; the library never reads a clock.
  Wall-clock time (unix_time) is used for dates only.

  Threading. kvswebrtc creates no threads and takes no locks. A kvs_client and all its peers belong
  to one thread at a time; the caller serialises every kvs_* call on a client. Different clients
  share no mutable state and may run on different threads. The only process-wide state is
  libsrtp2's: call kvs_global_init() once before the first client and kvs_global_shutdown()
  after the last (>>api-srtp); neither is thread-safe. Camera capture on another thread hands
  frames over through the application's own queue.

  Errors. Fallible functions return kvs_result: KVS_OK (0) or a negative code (>>api-result). Codes
  below KVS_ERR_FATAL mean "deinit this client" (kvs_result_is_fatal). The precise reason of a
  failure is a log item (kvs_client_last_error_item and the log callback). Malformed network input
  is not an API error: the packet is dropped, counted and logged at DEBUG, and every other
  connection keeps running.

  Memory. Every allocation goes through the platform allocator (default malloc/free) and is
  accounted per client: current and peak bytes, with an optional hard limit
  (kvs_config.memory_limit). kvswebrtc itself does not allocate on the steady-state media path.
  BearSSL never allocates. libsrtp2 allocates with calloc when an SRTP session is created and when
  a new SSRC appears, and its crypto library may allocate per packet (Debian's libsrtp2 is built
  with NSS, which allocates inside every protect and unprotect); none of that is counted by the
  accountant. "No malloc" therefore means kvswebrtc itself.

  Secrets. Keys and secrets are zeroed when no longer needed; MACs and fingerprints are compared in
  constant time.

  Structs. Public structs may be placed in .bss or on the stack; members named `priv` are private
  and may change in any release. A kvs_client must not be moved after kvs_client_init.

  ================================================================================================
  0.8  LIMITS AND SIZING
  ================================================================================================

  kvs_client itself holds the copied platform, the resolved configuration and counters; its size is
  sizeof(kvs_client). Heap use is reported by kvs_client_memory_stats and bounded by
  kvs_config.memory_limit. The per-peer figures are added by the sections that own the memory.

  TLS (>>tls; signaling HTTPS / WSS, TURN over TLS): each TLS connection takes one block from the
  accountant for its whole life: BearSSL's client and X.509 contexts (7096 bytes on x86-64) plus
  the I/O buffer, 16709 bytes in + 4181 out: 27986 bytes with the defaults (23805 half-duplex,
  40274 with 16 KB output records); kvs__tls_memory_size gives the exact figure. Trust anchors are
  parsed once and shared: about 100 bytes of name plus the key (65 bytes P-256, 260 RSA-2048)
  each.

  ICE (>>ice, >>turn): one agent per peer is a fixed-size object: 42096 bytes on x86-64 with the
  defaults (KVS_ICE_MAX_CANDIDATES 16 local and remote, KVS_ICE_MAX_PAIRS 64,
  KVS_ICE_MAX_SERVERS 4 STUN and 4 TURN servers), of which each TURN allocation is 6984 bytes
  (KVS_TURN_MAX_PEERS 8 permissions / channels, KVS_TURN_STREAM_BUF 4096 for TCP / TLS frames);
  a turns: server the agent runs TLS to adds one TLS client block (above) from the accountant.
  A peer connection (>>peer: ICE, DTLS, SCTP, DCEP and two packet buffers) is 86008 bytes plus
  the DTLS handshake state while it runs and the SCTP buffers; SDP parsing borrows a 4048-byte
  kvs__sdp from the accountant for the call.
  SCTP (>>sctp): 19944 bytes per association plus its buffers (send 1 MiB, receive max message +
  64 KiB by default, each bounded by the configuration).
  Peer connections (>>peer-host): each kvs_peer is one block of 95024 bytes on x86-64 (the
  peer connection above, its sockets and ICE server table) plus the SCTP buffers, the DTLS
  handshake (16240 bytes while it runs), a 16 KiB buffer per TURN TCP / TLS stream (driver)
  and a TLS block per turns: server; kvs_peer_memory_size gives the worst case (1868400 bytes
  with the defaults: a 1 MiB send buffer and a 256 KiB max message). The client adds one event
  queue, allocated with its first peer: one SCTP receive window plus a record per TSN of it,
  434176 bytes with the defaults (kvs_client_queue_size; kvs_config.max_message_size scales it).
  SDP (>>sdp): a parsed description is one fixed-size kvs__sdp with no heap use: 4048 bytes on
  x86-64 with the defaults (KVS_SDP_MAX_MEDIA 8 sections of 232 bytes, KVS_SDP_MAX_CANDIDATES 16
  candidates of 116 bytes); it holds views into the text, which the caller keeps.

  ================================================================================================
  0.9  RECENT CHANGES      (full history in README.md)
  ================================================================================================

  0.5.0  The peer connection API (kvs_peer_*, kvs_dc_*), the client's event queue and poll loop,
         the optional driver (kvs_run_once); examples/peer_echo; interop with Chromium, werift
         and aiortc data channels. SCTP: a tail-loss probe, and libwebrtc's data channel timers
         in the peer; the send buffer counts chunk headers.
  0.4.0  STUN (RFC 8489), TURN client over UDP / TCP / TLS (RFC 8656), ICE agent (RFC 8445, 8838,
         7675), TLS 1.2 client over BearSSL.
  0.3.0  SCTP (RFC 4960 subset, RFC 3758 PR-SCTP, RFC 6525 stream reset, RFC 8261 over DTLS)
         and data channels (RFC 8831 / 8832); interoperable with usrsctp. CRC-32c uses SSE4.2 or
         the ARMv8 CRC instructions when present (KVS_NO_SIMD: table only).
  0.2.0  DTLS 1.2 (client and server, RFC 6347 / 5764 / 7627), certificates, SRTP (libsrtp2).
  0.1.0  foundation: results, log, memory accountant, util, JSON, base64, crypto glue, POSIX layer.
*/

#ifndef KVSWEBRTC_H_INCLUDED
#define KVSWEBRTC_H_INCLUDED

/* ==== [1] >>api-base  version, linkage, configuration macros, extern "C" ====================== */
/* depends on: nothing.  entry points: kvs_version (in >>api-util)                                */

#ifdef KVS_CONFIG_FILE
#include KVS_CONFIG_FILE
#endif

#define KVS_VERSION_MAJOR 0
#define KVS_VERSION_MINOR 5
#define KVS_VERSION_PATCH 0
#define KVS_VERSION_STRING "0.5.0"

#ifndef KVS_STATIC
#define KVS_STATIC 0
#endif
#ifndef KVS_PLATFORM_POSIX
#define KVS_PLATFORM_POSIX 0
#endif
#ifndef KVS_TESTING
#define KVS_TESTING 0
#endif
#ifndef KVS_MAX_PEERS
#define KVS_MAX_PEERS 10          /* a KVS signaling channel admits one master and 10 viewers */
#endif
#ifndef KVS_POSIX_MAX_SOCKETS
#define KVS_POSIX_MAX_SOCKETS 32  /* host candidates x components + TURN + signaling, with room */
#endif
#ifndef KVS_POSIX_UDP_RCVBUF
#define KVS_POSIX_UDP_RCVBUF (1 << 20) /* SO_RCVBUF asked for each UDP socket (capped by the kernel) */
#endif

/* The POSIX platform needs clock_gettime, getaddrinfo and getifaddrs, which strict -std=c99 hides.
   This works when the header is the first include of the implementation file (see 0.2). */
#if defined(KVSWEBRTC_IMPLEMENTATION) && KVS_PLATFORM_POSIX && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef KVS_DEF
#if KVS_STATIC
#define KVS_DEF static
#else
#define KVS_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== [2] >>api-result  result codes, log levels, log items ================================= */
/* depends on: >>api-base.  entry points: kvs_result_str, kvs_result_is_fatal, kvs_log_item_str   */

/* X(name, value, description). Small and actionable: what to do is in each function's doc. */
#define KVS_RESULTS(X)                                                                           \
    X(OK, 0, "success")                                                                          \
    X(ERR_AGAIN, -1, "nothing now: retry after the next input or timeout")                       \
    X(ERR_INVALID_ARG, -2, "invalid argument")                                                   \
    X(ERR_BUFFER_TOO_SMALL, -3, "buffer too small: *out_len holds the size needed")              \
    X(ERR_STATE, -4, "call not allowed in the current state")                                    \
    X(ERR_NOT_FOUND, -5, "not found")                                                            \
    X(ERR_UNSUPPORTED, -6, "not supported")                                                      \
    X(ERR_LIMIT, -7, "a configured limit was reached")                                           \
    X(ERR_TIMEOUT, -8, "timed out")                                                              \
    X(ERR_IO, -9, "a platform I/O call failed")                                                  \
    X(ERR_AUTH, -10, "authentication failed")                                                    \
    X(ERR_PROTOCOL, -11, "the peer violated the protocol")                                       \
    X(ERR_CLOSED, -12, "closed")                                                                 \
    X(ERR_PARSE, -13, "malformed input")                                                         \
    X(ERR_FATAL, -100, "fatal error")                                                            \
    X(ERR_NO_MEMORY, -101, "out of memory or over the memory limit")                             \
    X(ERR_CRYPTO, -102, "cryptographic failure (random source or primitive)")                    \
    X(ERR_INTERNAL, -103, "internal error")

typedef enum kvs_result {
#define KVS__X(name, value, desc) KVS_##name = value,
    KVS_RESULTS(KVS__X)
#undef KVS__X
    KVS_RESULT_MIN_ = -1000
} kvs_result;

/* Log levels. A log record is emitted when its level is <= the compile-time ceiling
   KVS_LOG_LEVEL_MAX and <= the client's runtime kvs_config.log_level. */
#define KVS_LOG_ERROR 1
#define KVS_LOG_WARN 2
#define KVS_LOG_INFO 3
#define KVS_LOG_DEBUG 4
#define KVS_LOG_TRACE 5

/* Log items: the precise reason behind a result, as an id whose string can be compiled out
   (KVS_NO_LOG_STRINGS). X(name, description). Ids are stable within a minor version. */
#define KVS_LOG_ITEMS(X)                                                                         \
    X(NONE, "no detail")                                                                         \
    X(API_NULL_ARG, "a required pointer argument is NULL")                                       \
    X(API_REENTRY, "kvs_* called from inside a platform callback of the same client")            \
    X(API_NOT_INITIALIZED, "client not initialised, or already deinitialised")                   \
    X(CONFIG_INVALID, "a kvs_config field is out of range")                                      \
    X(PLATFORM_NO_RANDOM, "kvs_platform.random is missing: there is no fallback generator")      \
    X(PLATFORM_NO_CLOCK, "kvs_platform.now or unix_time is missing")                             \
    X(PLATFORM_NO_ALLOC, "kvs_platform.alloc/free missing (required with KVS_NO_MALLOC)")        \
    X(PLATFORM_ALLOC_PAIR, "kvs_platform.alloc and free must be given together")                 \
    X(RANDOM_FAILED, "the platform random source failed")                                        \
    X(MEM_LIMIT, "allocation refused: it would exceed kvs_config.memory_limit")                 \
    X(MEM_ALLOC_FAILED, "the platform allocator returned NULL")                                  \
    X(MEM_LEAK, "memory still allocated at kvs_client_deinit")                                  \
    X(CLIENT_INIT, "client initialised")                                                         \
    X(CLIENT_DEINIT, "client deinitialised")                                                     \
    X(POSIX_SOCKET, "POSIX socket call failed")                                                  \
    X(POSIX_TRUNCATED, "POSIX: a datagram larger than the buffer was discarded")                 \
    X(DTLS_CONNECTED, "DTLS handshake complete")                                                 \
    X(DTLS_CLOSED, "DTLS peer sent close_notify")                                                \
    X(DTLS_TIMEOUT, "DTLS peer stopped answering: handshake timed out")                          \
    X(DTLS_PEER_ALERT, "DTLS peer sent a fatal alert")                                           \
    X(DTLS_FINGERPRINT_MISMATCH, "DTLS peer certificate does not match the SDP fingerprint")     \
    X(DTLS_NO_CERT, "DTLS peer sent no certificate")                                             \
    X(DTLS_BAD_CERT, "DTLS peer certificate unusable (not P-256 ECDSA or RSA, or malformed)")    \
    X(DTLS_BAD_SIGNATURE, "DTLS peer signature does not verify")                                 \
    X(DTLS_BAD_FINISHED, "DTLS Finished does not match: keys or transcript differ")              \
    X(DTLS_BAD_MESSAGE, "DTLS handshake message malformed or unexpected")                        \
    X(DTLS_UNSUPPORTED, "DTLS peer offers nothing we support (version, suite, group, ...)")     \
    X(DTLS_BAD_RECORD, "DTLS record or fragment dropped")                                        \
    X(DTLS_BAD_MAC, "DTLS record failed authentication")                                         \
    X(SRTP_NOT_INITIALIZED, "libsrtp2 is not initialised: call kvs_global_init first")           \
    X(SRTP_PROFILE, "SRTP protection profile unknown, or not available in this libsrtp2")        \
    X(SRTP_KEYING, "SRTP keying material of the wrong length for the profile")                   \
    X(SRTP_LIBSRTP, "a libsrtp2 call failed")                                                    \
    X(SRTP_AUTH_FAILED, "SRTP/SRTCP authentication failed: packet dropped")                      \
    X(SRTP_REPLAY, "SRTP/SRTCP packet replayed or older than the replay window: dropped")        \
    X(SRTP_MALFORMED, "SRTP/SRTCP packet too short or malformed: dropped")                       \
    X(SRTP_LIBRARY, "message from libsrtp2")                                                     \
    X(SCTP_UP, "SCTP association established")                                                   \
    X(SCTP_ABORTED, "SCTP peer aborted the association")                                         \
    X(SCTP_TIMEOUT, "SCTP peer stopped answering: association failed")                           \
    X(SCTP_PROTOCOL, "SCTP peer violated the protocol or a limit")                               \
    X(SCTP_RESTART, "SCTP peer restarted the association: aborted")                              \
    X(SCTP_BAD_PACKET, "SCTP packet or chunk dropped (checksum, tag, format)")                   \
    X(SCTP_PEER_ERROR, "SCTP peer reported an error")                                            \
    X(SCTP_DROPPED_MESSAGE, "SCTP message dropped on delivery")                                  \
    X(DCEP_REFUSED, "data channel refused or DCEP message dropped")                              \
    X(TURN_ALLOCATED, "TURN allocation created")                                                 \
    X(TURN_AUTH_FAILED, "TURN server refused the credentials")                                   \
    X(TURN_TIMEOUT, "TURN server stopped answering a request")                                   \
    X(TURN_FAILED, "TURN request failed")                                                        \
    X(ICE_CONNECTED, "ICE selected a candidate pair: connected")                                  \
    X(ICE_FAILED, "ICE failed: no candidate pair works")                                         \
    X(ICE_CONSENT_LOST, "ICE consent expired: the peer stopped answering")                       \
    X(TLS_CONNECTED, "TLS handshake complete")                                                   \
    X(TLS_CLOSED, "TLS close_notify exchanged")                                                  \
    X(TLS_UNKNOWN_CA, "TLS server certificate does not chain to a trust anchor")                 \
    X(TLS_BAD_HOSTNAME, "TLS server certificate is not valid for the host name")                 \
    X(TLS_EXPIRED, "TLS server certificate expired or not yet valid at the given time")          \
    X(TLS_BAD_CERT, "TLS server certificate chain or signature unusable")                        \
    X(TLS_PEER_ALERT, "TLS server sent a fatal alert")                                           \
    X(TLS_FAILED, "TLS handshake or record layer failed")                                        \
    X(TLS_CONFIG, "TLS client configuration invalid (host name, anchors, time, record size)")    \
    X(TLS_ANCHORS, "TLS trust anchors refused (no certificate, malformed, unsupported, too many)") \
    X(SDP_SYNTAX, "SDP: a line is not <letter>=<value>, or v= / o= / s= are missing or repeated") \
    X(SDP_TOO_LONG, "SDP: a line is longer than KVS_SDP_LINE_MAX")                              \
    X(SDP_TOO_MANY, "SDP: more media sections or BUNDLE mids than KVS_SDP_MAX_MEDIA")           \
    X(SDP_BAD_MEDIA, "SDP: malformed m= line (media, port, proto or formats)")                   \
    X(SDP_BAD_ATTRIBUTE, "SDP: malformed or refused value of a known attribute")                 \
    X(SDP_BAD_CANDIDATE, "SDP: malformed a=candidate line")                                      \
    X(SDP_BAD_FINGERPRINT, "SDP: malformed a=fingerprint value")                                 \
    X(SDP_FINGERPRINT_HASH, "SDP: fingerprint of a hash function other than sha-256")            \
    X(SDP_NO_FINGERPRINT, "SDP: the transport has no a=fingerprint")                             \
    X(SDP_NO_ICE_CREDENTIALS, "SDP: the transport has no a=ice-ufrag or a=ice-pwd")              \
    X(SDP_BUNDLE, "SDP: a section without a=mid under BUNDLE, an unknown or duplicate mid")     \
    X(PEER_CONFIG, "kvs_peer_config: no certificate, a malformed ICE server URL, bad sockets")   \
    X(PEER_SERVER_DROPPED, "an ICE server was dropped: its name did not resolve or TCP failed") \
    X(PEER_STATE, "peer connection state changed")                                              \
    X(CLIENT_ANCHORS, "kvs_config.trust_anchors_pem could not be parsed")

typedef enum kvs_log_item {
#define KVS__X(name, desc) KVS_LOG_##name,
    KVS_LOG_ITEMS(KVS__X)
#undef KVS__X
    KVS_LOG_ITEM_COUNT_
} kvs_log_item;

/* The description of a result code; never NULL ("unknown result" for other values). */
KVS_DEF const char *kvs_result_str(kvs_result r);
/* 1 when r means "deinitialise this client" (r <= KVS_ERR_FATAL), else 0. */
KVS_DEF int kvs_result_is_fatal(kvs_result r);
/* The description of a log item; "" when compiled with KVS_NO_LOG_STRINGS, never NULL. */
KVS_DEF const char *kvs_log_item_str(int item);
/* The name of a log item as written in KVS_LOG_ITEMS ("MEM_LIMIT"); "" under KVS_NO_LOG_STRINGS,
   "?" for an unknown id; never NULL. */
KVS_DEF const char *kvs_log_item_name(int item);
/* The upper-case name of a log level ("ERROR".."TRACE"), "?" for others. */
KVS_DEF const char *kvs_log_level_str(int level);

/* ==== [3] >>api-types  time, strings, addresses, sockets, handles ========================== */
/* depends on: >>api-base.  entry points: none (helpers in >>api-util)                            */

typedef uint64_t kvs_time;                    /* microseconds on the caller's monotonic clock */
#define KVS_TIME_NEVER ((kvs_time)UINT64_MAX) /* "no deadline" */
#define KVS_USEC(x) ((kvs_time)(x))
#define KVS_MSEC(x) ((kvs_time)(x) * (kvs_time)1000u)
#define KVS_SEC(x) ((kvs_time)(x) * (kvs_time)1000000u)

/* A length-counted string; p need not be NUL-terminated. */
typedef struct kvs_str {
    const char *p;
    size_t n;
} kvs_str;

#define KVS_AF_NONE 0
#define KVS_AF_INET 4
#define KVS_AF_INET6 6
/* Longest text kvs_addr_format writes: "[" + 45-char IPv6 + "%" + 10-digit scope + "]:65535",
   plus the NUL. */
#define KVS_ADDR_STRLEN 72

/* An IPv4 or IPv6 transport address. Plain data: copy and compare freely (kvs_addr_equal). */
typedef struct kvs_addr {
    uint8_t family;    /* KVS_AF_NONE, KVS_AF_INET or KVS_AF_INET6 */
    uint8_t reserved_; /* zero */
    uint16_t port;     /* host byte order */
    uint32_t scope_id; /* IPv6 zone (interface index) of link-local addresses; 0 otherwise */
    uint8_t ip[16];    /* network byte order; IPv4 uses ip[0..3], the rest is zero */
} kvs_addr;

/* A socket handle chosen by the platform (a file descriptor, an lwIP socket, a table index). */
typedef intptr_t kvs_sock;
#define KVS_SOCK_INVALID ((kvs_sock)-1)

/* Typed handles (sokol style): 0 is never a valid id. */
typedef struct kvs_peer_id {
    uint32_t id;
} kvs_peer_id;

/* ==== [4] >>api-platform  kvs_platform: the porting surface (contract: prologue 0.6) ========= */
/* depends on: >>api-types.  entry points: none                                                   */

typedef struct kvs_platform {
    void *user; /* passed to every callback */
    /* required */
    kvs_time (*now)(void *user);
    int64_t (*unix_time)(void *user);
    int (*random)(void *user, void *buf, size_t len);
    /* required by the optional driver only */
    int (*udp_open)(void *user, const kvs_addr *local, kvs_sock *out, kvs_addr *bound);
    int (*udp_send)(void *user, kvs_sock s, const kvs_addr *to, const void *p, size_t n);
    int (*udp_recv)(void *user, kvs_sock s, kvs_addr *from, void *p, size_t cap);
    int (*tcp_connect)(void *user, const kvs_addr *to, kvs_sock *out);
    int (*tcp_send)(void *user, kvs_sock s, const void *p, size_t n);
    int (*tcp_recv)(void *user, kvs_sock s, void *p, size_t cap);
    void (*sock_close)(void *user, kvs_sock s);
    int (*resolve)(void *user, const char *host, uint16_t port, kvs_addr *out, int max);
    int (*local_addresses)(void *user, kvs_addr *out, int max);
    /* optional */
    void *(*alloc)(void *user, size_t n);
    void (*free)(void *user, void *p, size_t n);
    void (*log)(void *user, int level, int item, const char *msg, int line);
} kvs_platform;

/* ==== [5] >>api-config  kvs_config: every zero field means "default" ======================== */
/* depends on: >>api-result.  entry points: kvs_config_resolve                                    */

typedef struct kvs_config {
    /* Runtime log level (KVS_LOG_ERROR..KVS_LOG_TRACE); 0 = KVS_LOG_INFO. Records above the
       compile-time ceiling KVS_LOG_LEVEL_MAX are compiled out whatever this says. */
    int log_level;
    /* Hard cap on the client's heap bytes (payload, as accounted); 0 = no cap beyond the
       structural bounds of the configuration. An allocation past it fails with
       KVS_ERR_NO_MEMORY and log item MEM_LIMIT. */
    size_t memory_limit;
    /* Peers (viewers, for a master) served at once: 1..KVS_MAX_PEERS; 0 = KVS_MAX_PEERS. */
    int max_peers;
    /* Largest UDP payload sent, bytes: 576..65507; 0 = 1200 (safe for IPv6 + TURN overhead). */
    int mtu;
    /* Largest data channel message either way (a=max-message-size), bytes: 1024..16 MiB;
       0 = 256 KiB. The event queue holds one receive window: this plus 64 KiB. */
    uint32_t max_message_size;
    /* PEM bundle of the CA certificates TLS servers (turns: TURN servers) must chain to; parsed
       and kept by kvs_client_init (the text may be freed afterwards). NULL: no TLS. */
    const char *trust_anchors_pem;
    size_t trust_anchors_len;
} kvs_config;

/* Resolve every zero field of *in to its default and validate the rest.
   Parameters: in (may be NULL: all defaults), out (required; may equal in).
   Returns: KVS_OK; KVS_ERR_INVALID_ARG when out is NULL or a field is out of range (out is then
   left unchanged). */
KVS_DEF kvs_result kvs_config_resolve(const kvs_config *in, kvs_config *out);

/* ==== [6] >>api-events  kvs_event ======================================================== */
/* depends on: >>api-types.  entry points: kvs_client_poll (>>api-peer) hands them out            */

/* Event table: type                  union member   meaning
                KVS_EV_TRANSMIT_UDP   transmit       send data/len from sock to `to`
                KVS_EV_TRANSMIT_TCP   transmit       send data/len on stream sock (`to` unused), all of
                                                     it and in order (buffer what the socket defers)
                KVS_EV_ERROR          error          a peer or the client failed: result + item
                KVS_EV_RESOLVE        resolve        sans-IO: look up host, answer kvs_peer_resolved
                KVS_EV_TCP_CONNECT    tcp_connect    sans-IO: connect a TCP socket to `to`, answer
                                                     kvs_peer_tcp_connected
                KVS_EV_PEER_CANDIDATE candidate      a local candidate to signal ("candidate:..."),
                                                     "" = gathering complete (end-of-candidates)
                KVS_EV_PEER_STATE     state          the peer connection state changed
                KVS_EV_PEER_MILESTONE milestone      a timeline milestone was reached
                KVS_EV_DC_OPEN        dc             a channel opened (ours acked, or the remote's)
                KVS_EV_DC_MESSAGE     dc             a message: data/len, binary or text
                KVS_EV_DC_CLOSE       dc             a channel is closed both ways
                KVS_EV_DC_BUFFERED_LOW dc            the send buffer drained below half (id
                                                     KVS_DC_ALL: it is per peer)
   Pointers inside an event stay valid until the next kvs_* call on the client. */
typedef enum kvs_event_type {
    KVS_EV_NONE = 0,
    KVS_EV_TRANSMIT_UDP,
    KVS_EV_TRANSMIT_TCP,
    KVS_EV_ERROR,
    KVS_EV_RESOLVE,
    KVS_EV_TCP_CONNECT,
    KVS_EV_PEER_CANDIDATE,
    KVS_EV_PEER_STATE,
    KVS_EV_PEER_MILESTONE,
    KVS_EV_DC_OPEN,
    KVS_EV_DC_MESSAGE,
    KVS_EV_DC_CLOSE,
    KVS_EV_DC_BUFFERED_LOW
} kvs_event_type;

typedef struct kvs_event {
    kvs_event_type type;
    kvs_peer_id peer; /* the peer concerned; id 0 for the client itself */
    void *user;       /* the peer's kvs_peer_config.user */
    union {
        struct {
            kvs_sock sock;
            kvs_addr to;
            const uint8_t *data;
            size_t len;
        } transmit;
        struct {
            kvs_result result;
            int item; /* kvs_log_item */
        } error;
        struct {
            const char *host; /* NUL-terminated */
            uint16_t port;
            int server; /* pass back to kvs_peer_resolved */
        } resolve;
        struct {
            kvs_addr to;
            int server; /* pass back to kvs_peer_tcp_connected */
        } tcp_connect;
        struct {
            const char *line; /* NUL-terminated, without "a="; "" = end-of-candidates */
            size_t len;
        } candidate;
        struct {
            int state;         /* kvs_peer_state */
            kvs_result result; /* KVS_PEER_FAILED / CLOSED: why */
        } state;
        struct {
            int which; /* kvs_peer_milestone */
            kvs_time at;
        } milestone;
        struct {
            uint16_t id;          /* the stream id (RTCDataChannel.id) */
            int binary;           /* DC_MESSAGE */
            const uint8_t *data;  /* DC_MESSAGE */
            size_t len;           /* DC_MESSAGE */
            const char *label;    /* DC_OPEN: NUL-terminated */
            const char *protocol; /* DC_OPEN: NUL-terminated */
            int type;             /* DC_OPEN: KVS_DC_* */
            uint32_t reliability; /* DC_OPEN */
        } dc;
    } u;
} kvs_event;

/* ==== [7] >>api-client  kvs_client ======================================================== */
/* depends on: >>api-platform, >>api-config.  entry points: kvs_client_*                          */

typedef struct kvs_memory_stats {
    size_t current;       /* bytes allocated now (payload, as requested) */
    size_t peak;          /* highest `current` since init */
    size_t limit;         /* kvs_config.memory_limit after resolution; 0 = no cap */
    uint32_t allocations; /* successful allocations since init */
    uint32_t failures;    /* allocations refused (limit) or failed (platform) */
} kvs_memory_stats;

/* Private: the memory accountant, the log context and the RNG glue the client lends its sections.
   Declared here only so that kvs_client can live in .bss; do not touch. */
typedef struct kvs__log {
    void (*fn)(void *user, int level, int item, const char *msg, int line);
    void *user;
    int *guard;
    int level;     /* runtime level */
    int last_item; /* last item logged at KVS_LOG_WARN or above */
} kvs__log;

typedef struct kvs__mem {
    void *(*alloc)(void *user, size_t n);
    void (*free)(void *user, void *p, size_t n);
    void *user;
    int *guard; /* the client's in-callback counter, incremented around each callback */
    kvs__log *log;
    kvs_memory_stats st;
    uint32_t fail_after; /* KVS_TESTING: fail the allocation after this many more (0 = off) */
} kvs__mem;

typedef struct kvs__rng {
    int (*fn)(void *user, void *buf, size_t len);
    void *user;
    int *guard;
    kvs__log *log;
} kvs__rng;

typedef struct kvs_client {
    struct {
        uint32_t magic; /* set by init, cleared by deinit */
        int in_callback;
        kvs_platform pf;
        kvs_config cfg; /* resolved */
        kvs__mem mem;
        kvs__log log;
        kvs__rng rng;
        /* peers and the event queue (>>peer-host), the driver (>>drv) */
        struct kvs__peer_slot *slot[KVS_MAX_PEERS];
        uint32_t next_id;
        int rr;     /* the slot whose output goes first */
        int driver; /* the platform does the I/O */
        struct kvs__tls_anchors *anchors;
        uint8_t *q;                 /* the event queue: records, then payloads */
        size_t q_cap, q_head, q_tail;
        uint8_t tx[2048];           /* the datagram of the last TRANSMIT event */
    } priv;
} kvs_client;

/* Initialise a client.
   Parameters: c (storage, owned by the caller, must not move until deinit); cfg (may be NULL:
   all defaults; copied and resolved); pf (required; copied).
   Returns: KVS_OK; KVS_ERR_INVALID_ARG when a pointer is NULL, a config field is out of range
   (item CONFIG_INVALID), random is missing (PLATFORM_NO_RANDOM), now/unix_time are missing
   (PLATFORM_NO_CLOCK), alloc and free are not given together (PLATFORM_ALLOC_PAIR) or are
   missing under KVS_NO_MALLOC (PLATFORM_NO_ALLOC). On failure *c is zeroed and need not be
   deinitialised; kvs_client_last_error_item(c) still names the reason.
   Thread: the calling thread owns the client from now on. */
KVS_DEF kvs_result kvs_client_init(kvs_client *c, const kvs_config *cfg, const kvs_platform *pf);

/* Release everything the client holds. Safe on a zeroed or already deinitialised client.
   Not allowed from inside one of the client's callbacks (it then does nothing). */
KVS_DEF void kvs_client_deinit(kvs_client *c);

/* Copy the client's heap statistics to *out.
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (NULL); KVS_ERR_STATE (not initialised, or called from
   inside a callback of this client). */
KVS_DEF kvs_result kvs_client_memory_stats(const kvs_client *c, kvs_memory_stats *out);

/* The resolved configuration of an initialised client, or NULL. */
KVS_DEF const kvs_config *kvs_client_config(const kvs_client *c);

/* The last log item recorded at KVS_LOG_WARN or above (KVS_LOG_NONE if none), whether or not a
   log callback is installed. Use kvs_log_item_str for its text. */
KVS_DEF int kvs_client_last_error_item(const kvs_client *c);

/* ==== [8] >>api-util  addresses, version ================================================== */
/* depends on: >>api-types.  entry points: kvs_addr_*, kvs_version                                */

/* The library version as "MAJOR.MINOR.PATCH" (KVS_VERSION_STRING of the implementation). */
KVS_DEF const char *kvs_version(void);

/* Parse a numeric IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1", "::ffff:192.0.2.1", "fe80::1%3")
   address of exactly n bytes (no brackets, no port, no host names) and store it with `port`.
   A zone ("%" + decimal interface index) is accepted on IPv6 only. IPv4 accepts exactly four
   decimal parts 0-255 without leading zeros (no octal, no shorthand forms).
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (NULL pointer); KVS_ERR_PARSE (not such an address; *out is
   then cleared). */
KVS_DEF kvs_result kvs_addr_parse(kvs_addr *out, const char *s, size_t n, uint16_t port);

/* Format an address: IPv6 in RFC 5952 canonical form. with_port: 0 = address only,
   1 = "192.0.2.1:3478" / "[2001:db8::1]:3478". Always NUL-terminates when cap > 0.
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (NULL out, or an address of family KVS_AF_NONE);
   KVS_ERR_BUFFER_TOO_SMALL (*out_len, when out_len is not NULL, is the size needed including
   the NUL; KVS_ADDR_STRLEN always suffices). out_len may be NULL; on success it gets the length
   without the NUL. */
KVS_DEF kvs_result kvs_addr_format(const kvs_addr *a, int with_port, char *out, size_t cap,
                                   size_t *out_len);

/* 1 when a and b have the same family, address, port and scope, else 0. */
KVS_DEF int kvs_addr_equal(const kvs_addr *a, const kvs_addr *b);
/* 1 for 127.0.0.0/8 and ::1. */
KVS_DEF int kvs_addr_is_loopback(const kvs_addr *a);
/* 1 for 169.254.0.0/16 and fe80::/10. */
KVS_DEF int kvs_addr_is_link_local(const kvs_addr *a);

/* ==== [9] >>api-cert  certificates and fingerprints ====================================== */
/* depends on: >>api-result, >>api-platform.  entry points: kvs_cert_generate, kvs_cert_import,
   kvs_cert_export_pem, kvs_cert_export_key_pem, kvs_cert_fingerprint_str, kvs_cert_clear,
   kvs_fingerprint_format, kvs_fingerprint_parse.
   A WebRTC endpoint proves its DTLS identity with a certificate whose SHA-256 fingerprint travels
   in the SDP (a=fingerprint, RFC 8122); the peer checks the certificate against that value, not
   against a CA. kvs_cert holds one such identity: an ECDSA P-256 key and its certificate, either
   generated here (self-signed, the profile browsers generate) or imported from files. A filled
   kvs_cert is plain data: copy it, store it, share it read-only between clients and threads.
   Sizes: KVS_CERT_MAX bounds the DER certificate (generated ones are 300-800 bytes; 2048 leaves
   room for imported certificates with a few extensions).                                       */

#ifndef KVS_CERT_MAX
#define KVS_CERT_MAX 2048 /* DER bytes of the own certificate; bounds kvs_cert (same everywhere) */
#endif
#if KVS_CERT_MAX < 512 || KVS_CERT_MAX > 65535
#error "KVS_CERT_MAX must be 512..65535"
#endif
/* "sha-256 " + 32 x "XX:" - 1 + NUL: the buffer kvs_cert_fingerprint_str always fits. */
#define KVS_FINGERPRINT_STRLEN 104
/* The PEM text of any kvs_cert certificate fits in KVS_CERT_PEM_MAX bytes (NUL included):
   base64 of KVS_CERT_MAX bytes in 64-character lines, plus the two banner lines. */
#define KVS_CERT_PEM_MAX                                                                         \
    (((KVS_CERT_MAX) + 2) / 3 * 4 + (((KVS_CERT_MAX) + 2) / 3 * 4 + 63) / 64 + 28 + 26 + 1)
/* The PEM text of the private key (PKCS#8, NUL included) fits in KVS_CERT_KEY_PEM_MAX bytes. */
#define KVS_CERT_KEY_PEM_MAX 256

/* One DTLS identity. Fill it with kvs_cert_generate or kvs_cert_import; every field is then
   consistent (fingerprint = SHA-256(der), pub = key x G). A zeroed kvs_cert is "no certificate".
   The struct holds a private key: keep it out of logs and core dumps, clear it with
   kvs_cert_clear when done. */
typedef struct kvs_cert {
    uint8_t der[KVS_CERT_MAX]; /* the certificate, DER */
    size_t der_len;
    uint8_t key[32];         /* the P-256 private scalar, big-endian: SECRET (kvs_cert_clear) */
    uint8_t pub[65];         /* the public point, uncompressed (0x04 || X || Y) */
    uint8_t fingerprint[32]; /* SHA-256 of der: the value SDP a=fingerprint carries */
} kvs_cert;

/* Generate a fresh ECDSA P-256 key pair and a self-signed X.509 v3 certificate for it.
   The certificate: a random positive 128-bit-wide serial (16 bytes, 126 random bits), subject
   = issuer = CN=common_name, validity from one day before pf->unix_time() (clock skew between
   the peers) to validity_days after it, signed with ecdsa-with-SHA256, no extensions - what
   Chrome, Firefox and Safari generate for WebRTC. Random bytes come only from pf->random
   (never a fallback); pf->log, when set, receives the reason of a random failure.
   Parameters: c (output, owned by the caller); pf (required: random and unix_time are used,
   nothing else is needed); common_name (NULL = "kvswebrtc"; printable UTF-8 of 1..64
   characters, no control characters); validity_days (0 = 30; at most 3650).
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (c, pf, pf->random or pf->unix_time NULL, a bad common
   name, validity_days < 0 or > 3650, or a clock outside 1970..9999 once the validity is added);
   KVS_ERR_CRYPTO (the random source failed: fix the platform, then retry); KVS_ERR_LIMIT (the
   certificate would not fit KVS_CERT_MAX: raise it). On failure *c is zeroed.
   Secrets: c->key is the private key; every other copy made on the way is zeroed.
   Thread: touches only *c and calls pf->random / pf->unix_time / pf->log; safe to run on any
   thread, e.g. ahead of time on a worker (about 0.5 ms on a desktop CPU, one key generation and
   one signature; far longer on a microcontroller: generate once and store the PEM). */
KVS_DEF kvs_result kvs_cert_generate(kvs_cert *c, const kvs_platform *pf, const char *common_name,
                                     int validity_days);

/* Use the caller's own certificate and private key, e.g. from files.
   Parameters: cert, cert_len: the certificate, DER or PEM ("CERTIFICATE"; in a PEM bundle the
   first certificate is used, other objects and text around them are skipped); key, key_len:
   the P-256 private key, DER or PEM, as SEC1 ("EC PRIVATE KEY", what `openssl ecparam -genkey`
   writes; an "EC PARAMETERS" block before it is skipped) or unencrypted PKCS#8 ("PRIVATE KEY",
   what `openssl genpkey` writes). DER input must be exactly one element, nothing after it.
   The certificate's key must be ECDSA P-256 (the DTLS handshake signs with ECDSA P-256) and
   must be the public key of the private key. The certificate's validity dates, issuer and
   extensions are not checked: WebRTC peers authenticate it by its fingerprint.
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (a NULL pointer, a private key that is not a valid
   P-256 scalar, or a key that does not belong to the certificate: check the file pair);
   KVS_ERR_PARSE (not a certificate or not a key: malformed DER, no PEM object of the right
   kind, broken base64); KVS_ERR_UNSUPPORTED (an RSA or non-P-256 certificate or key, an
   encrypted key: convert it, e.g. `openssl pkcs8 -topk8 -nocrypt`); KVS_ERR_LIMIT (the
   certificate is larger than KVS_CERT_MAX). On failure *c is zeroed.
   Secrets: the key bytes are read, never kept outside c->key; decoder states are zeroed.
   Thread: touches only *c; about 5 KB of stack for the decoders. */
KVS_DEF kvs_result kvs_cert_import(kvs_cert *c, const void *cert, size_t cert_len, const void *key,
                                   size_t key_len);

/* Write the certificate as PEM ("-----BEGIN CERTIFICATE-----", 64-character lines, LF) and
   NUL-terminate it. out == NULL with cap == 0 asks for the size; KVS_CERT_PEM_MAX always fits.
   Returns: KVS_OK (*out_len, when out_len is not NULL, = length without the NUL);
   KVS_ERR_INVALID_ARG (c NULL or empty, out NULL with cap > 0); KVS_ERR_BUFFER_TOO_SMALL
   (*out_len = the size needed, NUL included; out[0] = 0 when cap > 0). */
KVS_DEF kvs_result kvs_cert_export_pem(const kvs_cert *c, char *out, size_t cap, size_t *out_len);

/* Write the private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", with the
   public key inside, what `openssl pkey` and most TLS libraries read), NUL-terminated.
   Same sizing rules and results as kvs_cert_export_pem; KVS_CERT_KEY_PEM_MAX always fits.
   Secrets: the output IS the private key: store it with restricted permissions (0600) and
   zero the buffer after use. Temporary copies are zeroed. */
KVS_DEF kvs_result kvs_cert_export_key_pem(const kvs_cert *c, char *out, size_t cap,
                                           size_t *out_len);

/* Format the certificate's fingerprint as the SDP a=fingerprint value (RFC 8122 section 5):
   "sha-256 AB:CD:...:EF", upper-case hex, 103 characters, NUL-terminated.
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (c NULL or empty, out NULL with cap > 0);
   KVS_ERR_BUFFER_TOO_SMALL (*out_len = 104 = KVS_FINGERPRINT_STRLEN, the NUL included). */
KVS_DEF kvs_result kvs_cert_fingerprint_str(const kvs_cert *c, char *out, size_t cap,
                                            size_t *out_len);

/* The same formatting for any SHA-256 fingerprint (e.g. the peer's, for a log line). */
KVS_DEF kvs_result kvs_fingerprint_format(const uint8_t fp[32], char *out, size_t cap,
                                          size_t *out_len);

/* Parse an SDP fingerprint value, the part after "a=fingerprint:" without the line end:
   "sha-256 AB:CD:..." of exactly n bytes (no NUL needed). The hash name is compared without
   case, the hex digits may be of either case, one or more spaces or tabs separate name and
   value, nothing may come before or after. Exactly 32 bytes for sha-256.
   Returns: KVS_OK (out[32] filled); KVS_ERR_UNSUPPORTED (a well-formed value for another hash
   function: "sha-1", "sha-384", "sha-512", ...: refuse the peer clearly; every browser
   sends sha-256); KVS_ERR_PARSE (anything else malformed: missing or extra colon, bad hex,
   wrong length, trailing bytes); KVS_ERR_INVALID_ARG (out NULL, or s NULL with n > 0).
   out is zeroed on failure. */
KVS_DEF kvs_result kvs_fingerprint_parse(const char *s, size_t n, uint8_t out[32]);

/* Zero the whole kvs_cert, private key included (a store the compiler may not elide).
   NULL is ignored. */
KVS_DEF void kvs_cert_clear(kvs_cert *c);

/* ==== [10] >>api-dtls  DTLS statistics and DTLS-SRTP profiles =============================== */
/* depends on: >>api-types.  entry points: none (the peer reports these in its statistics)       */

#ifndef KVS_DTLS_REASM_MAX
#define KVS_DTLS_REASM_MAX 8192 /* bytes of peer handshake messages reassembled at once */
#endif

/* DTLS-SRTP protection profiles (RFC 5764 section 4.1.2, RFC 7714 section 14.2): the values of
   the use_srtp extension. kvswebrtc prefers them in the order AEAD_AES_128_GCM,
   AES128_CM_SHA1_80, AES128_CM_SHA1_32; GCM is used only when the libsrtp2 in use supports it
   (libsrtp2 built with a crypto library: NSS, OpenSSL or mbedTLS; Debian's uses NSS). */
#define KVS_SRTP_AES128_CM_SHA1_80 0x0001
#define KVS_SRTP_AES128_CM_SHA1_32 0x0002
#define KVS_SRTP_AEAD_AES_128_GCM 0x0007

typedef struct kvs_dtls_stats {
    kvs_time handshake_us;          /* first flight to Finished; 0 until connected */
    uint32_t flights_sent;          /* new flights */
    uint32_t flights_retransmitted; /* flights sent again (timer, or the peer repeating itself) */
    uint32_t records_sent, records_received;
    uint32_t app_records_sent, app_records_received;
    uint32_t dropped_bad_mac;   /* records whose authentication failed */
    uint32_t dropped_replay;    /* records seen before (replay window) */
    uint32_t dropped_epoch;     /* records of an epoch that cannot be read (yet) */
    uint32_t dropped_malformed; /* records or fragments that do not parse */
} kvs_dtls_stats;

/* ==== [11] >>api-srtp  process-wide SRTP setup, trailer room ============================== */
/* depends on: >>api-result.  entry points: kvs_global_init, kvs_global_shutdown,
   kvs_global_set_log (defined in >>srtp)                                                        */


/* Room, in bytes, that every buffer handed to SRTP or SRTCP protection must leave after the
   packet: libsrtp2 protects in place and may write up to its SRTP_MAX_TRAILER_LEN (144: a tag of
   up to 16 bytes and an MKI of up to 128) plus, for SRTCP, the 4-byte E flag and index. The bytes
   actually added on the wire are fewer: 10 (AES128_CM_SHA1_80), 4 (AES128_CM_SHA1_32) or 16
   (AEAD_AES_128_GCM) for RTP; 4 + 10 or 4 + 16 for RTCP. The implementation checks at compile
   time that this value covers the libsrtp2 it is built against. */
#define KVS_SRTP_MAX_TRAILER 148

/* Process-wide setup of libsrtp2: srtp_init, then a probe of the protection profiles it
   supports. Call it once before the first kvs_client, and kvs_global_shutdown after the last.
   Calls are counted: every successful kvs_global_init needs one kvs_global_shutdown, and only the
   first does the work.
   If the process has already initialised libsrtp2 itself (another library using libsrtp2 in the
   same program), that initialisation is shared: kvswebrtc then neither installs its libsrtp2 log
   handler nor calls srtp_shutdown.
   Returns: KVS_OK; KVS_ERR_CRYPTO when srtp_init fails (a libsrtp2 self-test failed, or its
   crypto library could not start): SRTP cannot be used in this process, report it and stop.
   Thread: not thread-safe. Call it from one thread while no client exists (libsrtp2 keeps its
   crypto kernel and its log handler in process-wide variables). */
KVS_DEF kvs_result kvs_global_init(void);

/* Undo one successful kvs_global_init; the last one calls srtp_shutdown (when kvswebrtc did the
   srtp_init) and removes the libsrtp2 log handler. Extra calls do nothing.
   Thread: not thread-safe; call it after every client has been deinitialised. */
KVS_DEF void kvs_global_shutdown(void);

/* Route libsrtp2's log messages to fn(user, level, item, msg, line). libsrtp2 has one log
   handler for the whole process, so these records cannot say which client they concern: fn gets
   no client, item is KVS_LOG_SRTP_LIBRARY and line is the line of the header's forwarding
   function. libsrtp2 2.5 says little: self-test failures, the status report of its crypto kernel
   (when srtp_init runs again while initialised) and, once a debug module is switched on with
   srtp_set_debug_module, per-packet debug lines. Its error, warning, info and debug levels become
   KVS_LOG_ERROR, WARN, DEBUG and TRACE, filtered by the compile-time ceiling KVS_LOG_LEVEL_MAX;
   msg is NULL under KVS_NO_LOG_STRINGS. The signature is the one of kvs_platform.log, so
   kvs_posix_log can be given with a kvs_posix as user.
   Parameters: fn (NULL: discard, the default); user (passed back to fn).
   Ownership: user must stay valid until the hook is replaced or removed.
   Thread: not thread-safe; set it while no client runs. fn itself may be called from any thread
   that runs a client, and from kvs_global_init; it must be thread-safe when clients run on
   several threads, must not call any kvs_* function and should be fast. Records arrive only while
   kvswebrtc's handler is installed: from the first kvs_global_init that initialised libsrtp2
   itself to the last kvs_global_shutdown. */
KVS_DEF void kvs_global_set_log(void (*fn)(void *user, int level, int item, const char *msg,
                                           int line),
                                void *user);

/* ==== [12] >>api-peer  peer connections, data channels, the event loop ===================== */
/* depends on: >>api-client, >>api-events, >>api-cert.  entry points: kvs_peer_*, kvs_dc_*,
   kvs_client_handle_*, kvs_client_poll, kvs_client_next_timeout, kvs_run_once.
   A peer connection (kvs_peer_*) is WebRTC's RTCPeerConnection for data channels: ICE (host,
   server-reflexive and relayed candidates, TURN over UDP / TCP / TLS), DTLS with the SDP
   fingerprint check, SCTP and data channels, behind an offer / answer API that works with any
   signaling. Peers live in a client (up to kvs_config.max_peers); every input goes to the
   client, every output and every happening comes out of kvs_client_poll as a kvs_event.

   Two ways to drive it:
   - sans-IO: leave the platform's socket callbacks NULL. Open UDP sockets yourself and pass
     them in kvs_peer_config.sockets; feed datagrams (kvs_client_handle_datagram), TURN stream
     bytes (kvs_client_handle_stream) and timeouts (kvs_client_handle_timeout); send what the
     TRANSMIT events say; answer KVS_EV_RESOLVE and KVS_EV_TCP_CONNECT.
   - driver: give the platform udp_open / udp_send / udp_recv (and tcp_* / resolve /
     local_addresses for TURN over TCP / TLS and host names; kvs_posix_platform fills them all).
     kvs_peer_create then opens a UDP socket per local address, kvs_run_once reads every socket,
     and kvs_client_poll sends, resolves and connects itself: it returns only the events that
     are news to the application.

   THE INVARIANT: after any input (handle_*, kvs_run_once, kvs_peer_* calls that take a
   description or a candidate, kvs_dc_send), drain kvs_client_poll until it returns
   KVS_ERR_AGAIN, then read kvs_client_next_timeout. A handle_* call made while more than a
   little is still queued returns KVS_ERR_AGAIN and consumes nothing.                           */

/* A STUN or TURN server, as in RTCIceServer (one URL per entry):
   "stun:host[:port]", "turn:host[:port][?transport=udp|tcp]", "turns:host[:port]". host is a
   name (resolved through KVS_EV_RESOLVE or the platform), an IPv4 literal or [IPv6]. turns: is
   verified against kvs_config.trust_anchors_pem with host as the expected name. */
typedef struct kvs_ice_server {
    const char *url;        /* NUL-terminated; copied by kvs_peer_create */
    const char *username;   /* TURN long-term credentials (copied), NULL for STUN */
    const char *credential;
} kvs_ice_server;

#define KVS_ICE_POLICY_ALL 0   /* host, server-reflexive and relayed candidates */
#define KVS_ICE_POLICY_RELAY 1 /* relayed candidates only (RTCIceTransportPolicy "relay") */

#ifndef KVS_PEER_MAX_SOCKETS
#define KVS_PEER_MAX_SOCKETS 8 /* UDP sockets (host candidates) per peer */
#endif

typedef struct kvs_peer_config {
    /* Our DTLS identity (required; borrowed: must outlive the peer). */
    const kvs_cert *cert;
    /* STUN and TURN servers (at most 4 of each); the array is read during kvs_peer_create. */
    const kvs_ice_server *ice_servers;
    int n_ice_servers;
    int ice_policy; /* KVS_ICE_POLICY_* */
    /* sans-IO: the UDP sockets the peer uses and the address each is bound to (a host candidate
       each, unless ice_policy is RELAY). Driver: leave n_sockets 0 and the driver opens one per
       address of local_addresses (or, when n_local_addresses is 0, of the platform's
       local_addresses, link-local ones left out). Sockets the driver opened are closed with the
       peer; yours stay yours. */
    const kvs_sock *sockets;
    const kvs_addr *socket_addresses;
    int n_sockets;
    const kvs_addr *local_addresses; /* port 0 = any */
    int n_local_addresses;
    /* Data channels: bytes of messages queued or in flight (0 = 1 MiB; kvs_dc_send returns
       KVS_ERR_AGAIN beyond it, then KVS_EV_DC_BUFFERED_LOW once it drains below half). */
    uint32_t send_buffer;
    /* 0 = 30 s: no working candidate pair this long after checks start fails the peer. */
    kvs_time ice_timeout;
    void *user; /* returned in every event of this peer (kvs_event.user) */
} kvs_peer_config;

/* Peer connection states (KVS_EV_PEER_STATE), as RTCPeerConnectionState. */
typedef enum kvs_peer_state {
    KVS_PEER_NEW = 0,
    KVS_PEER_CONNECTING,   /* ICE checks or DTLS handshake under way */
    KVS_PEER_CONNECTED,    /* DTLS is up over a working pair: channels can open */
    KVS_PEER_DISCONNECTED, /* consent lost on the selected pair; may come back */
    KVS_PEER_FAILED,       /* for good: ICE found no pair, DTLS failed (wrong fingerprint), ... */
    KVS_PEER_CLOSED        /* the SCTP association was shut down or aborted by the peer */
} kvs_peer_state;

/* Milestones of a connection (kvs_peer_timeline, KVS_EV_PEER_MILESTONE). */
typedef enum kvs_peer_milestone {
    KVS_MS_REMOTE_DESCRIPTION = 0, /* the remote offer or answer was taken */
    KVS_MS_FIRST_CANDIDATE,        /* the first local candidate was gathered */
    KVS_MS_ICE_CONNECTED,          /* a candidate pair works */
    KVS_MS_DTLS_CONNECTED,         /* the handshake completed and the fingerprint matched */
    KVS_MS_SCTP_UP,                /* the SCTP association is established */
    KVS_MS_FIRST_CHANNEL,          /* the first data channel opened */
    KVS_MS_COUNT_
} kvs_peer_milestone;

/* When each milestone was reached (the `now` of the call; 0 = not yet), and creation. */
typedef struct kvs_peer_timeline {
    kvs_time created;
    kvs_time at[KVS_MS_COUNT_];
} kvs_peer_timeline;

typedef struct kvs_peer_stats {
    kvs_peer_timeline timeline;
    kvs_peer_state state;
    int local_candidates, remote_candidates;
    int selected_local_type, selected_remote_type; /* KVS_CAND_*, -1 = no pair yet */
    kvs_addr selected_local, selected_remote;      /* the working pair's addresses */
    uint32_t channels_open;
    uint64_t bytes_sent, bytes_received;     /* data channel payload */
    uint32_t messages_sent, messages_received;
    uint32_t sctp_retransmissions;
    kvs_time sctp_srtt;
} kvs_peer_stats;

#define KVS_CAND_HOST 0
#define KVS_CAND_SRFLX 1
#define KVS_CAND_PRFLX 2
#define KVS_CAND_RELAY 3

/* Data channel types (RFC 8832 5.1): reliability and order. */
#define KVS_DC_RELIABLE 0x00
#define KVS_DC_RELIABLE_UNORDERED 0x80
#define KVS_DC_REXMIT 0x01           /* at most `reliability` retransmissions */
#define KVS_DC_REXMIT_UNORDERED 0x81
#define KVS_DC_TIMED 0x02            /* retransmitted for at most `reliability` ms */
#define KVS_DC_TIMED_UNORDERED 0x82
#define KVS_DC_ALL 0xffffu           /* KVS_EV_DC_BUFFERED_LOW: the peer's whole send buffer */

typedef struct kvs_dc_config {
    const char *label;    /* NUL-terminated, up to 128 bytes (may be NULL: "") */
    const char *protocol; /* NUL-terminated, up to 128 bytes (may be NULL: "") */
    int type;             /* KVS_DC_* */
    uint32_t reliability; /* REXMIT: retransmissions; TIMED: milliseconds */
    int negotiated;       /* 1: no DCEP; the other side creates the same id itself */
    int id;               /* negotiated: the stream id (0..65534); otherwise -1 = next free */
} kvs_dc_config;

/* The worst-case heap bytes one peer takes from the client's accountant (its state, SCTP and
   DTLS buffers, TLS for each turns: server) with cfg's sizes, for budgeting memory_limit; the
   client adds its event queue once (kvs_client_queue_size). */
KVS_DEF size_t kvs_peer_memory_size(const kvs_config *client_cfg, const kvs_peer_config *cfg);
KVS_DEF size_t kvs_client_queue_size(const kvs_config *client_cfg);

/* Create a peer connection. It starts gathering at once (KVS_EV_PEER_CANDIDATE events; an
   empty line when gathering completes). *out gets its id.
   Returns: KVS_OK; KVS_ERR_INVALID_ARG (NULL pointers, no certificate, a malformed ICE server
   URL: log item PEER_CONFIG names it); KVS_ERR_LIMIT (max_peers reached, too many servers or
   sockets); KVS_ERR_NO_MEMORY; KVS_ERR_IO (driver: no socket could be opened);
   KVS_ERR_STATE (client not initialised, or called from a callback). */
KVS_DEF kvs_result kvs_peer_create(kvs_client *c, const kvs_peer_config *cfg, kvs_time now,
                                   kvs_peer_id *out);

/* Close a peer at once (no more events from it; its memory goes back). */
KVS_DEF kvs_result kvs_peer_destroy(kvs_client *c, kvs_peer_id p);

/* Write our offer (SDP, CRLF line ends, one data channel section) into out[0..cap) and its
   length to *len (a NUL follows when there is room). We become the ICE controlling side. The
   candidates gathered so far are in it (end-of-candidates too once gathering is complete);
   trickle the later ones. KVS_ERR_BUFFER_TOO_SMALL: 8 KiB always suffices. */
KVS_DEF kvs_result kvs_peer_create_offer(kvs_client *c, kvs_peer_id p, char *out, size_t cap,
                                         size_t *len, kvs_time now);

/* Take the remote offer (sdp[0..n)) and write our answer into out (as for offers). The offer
   must carry a data channel section (m=application ... webrtc-datachannel) and a sha-256
   fingerprint. Returns KVS_ERR_PARSE (malformed: *err_line, may be NULL, gets the line
   number), KVS_ERR_UNSUPPORTED (no data channel section, another fingerprint hash),
   KVS_ERR_STATE (a remote description with another certificate was already taken). */
KVS_DEF kvs_result kvs_peer_answer(kvs_client *c, kvs_peer_id p, const char *sdp, size_t n,
                                   char *out, size_t cap, size_t *len, int *err_line,
                                   kvs_time now);

/* Take the remote answer to our offer. Errors as kvs_peer_answer. */
KVS_DEF kvs_result kvs_peer_set_answer(kvs_client *c, kvs_peer_id p, const char *sdp, size_t n,
                                       int *err_line, kvs_time now);

/* A trickled remote candidate: "candidate:..." with or without "a=" (n bytes, no NUL
   needed); n == 0 (or line NULL) means end-of-candidates. Candidates the agent cannot use
   (TCP, unresolvable names) are ignored with KVS_OK; a malformed line is KVS_ERR_PARSE. */
KVS_DEF kvs_result kvs_peer_add_candidate(kvs_client *c, kvs_peer_id p, const char *line,
                                          size_t n, kvs_time now);

/* sans-IO answers. KVS_EV_RESOLVE: the addresses of the server's host (n 0: not found; the
   server is then dropped). KVS_EV_TCP_CONNECT: the connected stream socket, or
   KVS_SOCK_INVALID when the connection failed. */
KVS_DEF kvs_result kvs_peer_resolved(kvs_client *c, kvs_peer_id p, int server,
                                     const kvs_addr *addrs, int n, kvs_time now);
KVS_DEF kvs_result kvs_peer_tcp_connected(kvs_client *c, kvs_peer_id p, int server,
                                          kvs_sock s, kvs_time now);

KVS_DEF kvs_result kvs_peer_stats_get(const kvs_client *c, kvs_peer_id p, kvs_peer_stats *out);

/* Open a data channel (after KVS_PEER_CONNECTED; *id gets its stream id). The open event
   follows when the peer acknowledges (at once for negotiated channels). KVS_ERR_STATE before
   the SCTP association is up. */
KVS_DEF kvs_result kvs_dc_open(kvs_client *c, kvs_peer_id p, const kvs_dc_config *cfg,
                               uint16_t *id);
/* Send a message (binary 0: text, UTF-8 the caller's business). KVS_ERR_AGAIN: the send buffer
   is full (wait for KVS_EV_DC_BUFFERED_LOW); KVS_ERR_TOO_LARGE: over the negotiated
   max-message-size; KVS_ERR_NOT_FOUND: no such open channel. */
KVS_DEF kvs_result kvs_dc_send(kvs_client *c, kvs_peer_id p, uint16_t id, const void *data,
                               size_t n, int binary);
/* Close a channel (stream reset); KVS_EV_DC_CLOSE follows when both directions are closed. */
KVS_DEF kvs_result kvs_dc_close(kvs_client *c, kvs_peer_id p, uint16_t id);

/* Inputs. A datagram that arrived on socket s from `from`; stream bytes that arrived on the
   stream socket s (TURN over TCP / TLS); timers. KVS_ERR_NOT_FOUND: s belongs to no peer (the
   bytes are dropped); KVS_ERR_AGAIN: drain kvs_client_poll first (nothing consumed). */
KVS_DEF kvs_result kvs_client_handle_datagram(kvs_client *c, kvs_sock s, const kvs_addr *from,
                                              const void *data, size_t n, kvs_time now);
KVS_DEF kvs_result kvs_client_handle_stream(kvs_client *c, kvs_sock s, const void *data,
                                            size_t n, kvs_time now);
KVS_DEF kvs_result kvs_client_handle_timeout(kvs_client *c, kvs_time now);

/* The next event: KVS_OK with *ev filled (pointers inside stay valid until the next kvs_* call
   on the client), or KVS_ERR_AGAIN when nothing is due now. */
KVS_DEF kvs_result kvs_client_poll(kvs_client *c, kvs_time now, kvs_event *ev);

/* When to call kvs_client_handle_timeout (or kvs_run_once) next; KVS_TIME_NEVER when idle. */
KVS_DEF kvs_time kvs_client_next_timeout(const kvs_client *c);

/* Driver: read every socket of every peer through the platform (as long as the event queue
   has room), then run the timers. Drain kvs_client_poll afterwards; wait for the sockets until
   kvs_client_next_timeout (kvs_posix_wait on POSIX). */
KVS_DEF kvs_result kvs_run_once(kvs_client *c, kvs_time now);

/* ==== [13] >>api-posix  the optional POSIX platform (KVS_PLATFORM_POSIX) ==================== */
/* depends on: >>api-platform.  entry points: kvs_posix_*                                         */

#if KVS_PLATFORM_POSIX
typedef struct kvs_posix {
    struct {
        int fd[KVS_POSIX_MAX_SOCKETS];             /* -1 = free slot */
        uint8_t kind[KVS_POSIX_MAX_SOCKETS];       /* 1 = UDP, 2 = TCP */
        uint8_t family[KVS_POSIX_MAX_SOCKETS];     /* KVS_AF_INET or KVS_AF_INET6 */
        uint8_t connecting[KVS_POSIX_MAX_SOCKETS]; /* TCP: 0 = done, 1 = in progress, 2 = failed */
        uint32_t truncated; /* datagrams discarded because the buffer was too small */
    } priv;
    int log_level; /* kvs_posix_log prints records of this level or more severe; 0 = KVS_LOG_INFO */
} kvs_posix;

/* Prepare a POSIX platform state (no system call is made). */
KVS_DEF void kvs_posix_init(kvs_posix *px);
/* Close every socket the state still tracks. */
KVS_DEF void kvs_posix_deinit(kvs_posix *px);
/* Fill *pf with the POSIX callbacks and pf->user = px (alloc/free stay NULL: malloc is used;
   log = kvs_posix_log, one line per record on stderr, filtered by px->log_level). Linux needs
   <sys/random.h> (glibc 2.25, musl 1.1.20, Android API 28 or later). */
KVS_DEF void kvs_posix_platform(kvs_posix *px, kvs_platform *pf);
/* Wait until one of the tracked sockets is readable, in error, or a connecting TCP socket
   completes, or until `deadline` on the kvs_posix_now clock (KVS_TIME_NEVER: no limit; with no
   socket tracked that waits for a signal). Returns the number of ready sockets, 0 on timeout or
   when a signal interrupted the wait, KVS_ERR_INVALID_ARG for px == NULL, KVS_ERR_IO. */
KVS_DEF int kvs_posix_wait(kvs_posix *px, kvs_time deadline);
/* The POSIX callbacks, usable on their own (user = a kvs_posix *, where one is needed). */
KVS_DEF kvs_time kvs_posix_now(void *user);
KVS_DEF int64_t kvs_posix_unix_time(void *user);
KVS_DEF int kvs_posix_random(void *user, void *buf, size_t len);
KVS_DEF int kvs_posix_udp_open(void *user, const kvs_addr *local, kvs_sock *out,
                               kvs_addr *bound);
KVS_DEF int kvs_posix_udp_send(void *user, kvs_sock s, const kvs_addr *to, const void *p,
                               size_t n);
KVS_DEF int kvs_posix_udp_recv(void *user, kvs_sock s, kvs_addr *from, void *p, size_t cap);
KVS_DEF int kvs_posix_tcp_connect(void *user, const kvs_addr *to, kvs_sock *out);
KVS_DEF int kvs_posix_tcp_send(void *user, kvs_sock s, const void *p, size_t n);
KVS_DEF int kvs_posix_tcp_recv(void *user, kvs_sock s, void *p, size_t cap);
KVS_DEF void kvs_posix_sock_close(void *user, kvs_sock s);
KVS_DEF int kvs_posix_resolve(void *user, const char *host, uint16_t port, kvs_addr *out, int max);
KVS_DEF int kvs_posix_local_addresses(void *user, kvs_addr *out, int max);
KVS_DEF void kvs_posix_log(void *user, int level, int item, const char *msg, int line);
#endif

/* ==== [14] >>api-testing  test hooks (KVS_TESTING only) =================================== */
/* depends on: >>api-client.  entry points: kvs_testing_*                                         */

#if KVS_TESTING
/* A seeded, deterministic generator for tests: NOT cryptographically secure. */
typedef struct kvs_testing_rng {
    uint64_t s;
    int fail; /* 1: kvs_testing_random fails */
} kvs_testing_rng;
KVS_DEF void kvs_testing_rng_seed(kvs_testing_rng *r, uint64_t seed);
/* A kvs_platform.random implementation; user = a kvs_testing_rng *. */
KVS_DEF int kvs_testing_random(void *user, void *buf, size_t len);
/* Make the n-th allocation from now on fail (1 = the next one); 0 switches it off. */
KVS_DEF void kvs_testing_fail_alloc(kvs_client *c, uint32_t n);
#endif

#ifdef __cplusplus
}
#endif

#endif /* KVSWEBRTC_H_INCLUDED */

/* ============================================================================================ */
/*                                      IMPLEMENTATION                                          */
/* ============================================================================================ */

#if defined(KVSWEBRTC_IMPLEMENTATION) && !defined(KVSWEBRTC_IMPLEMENTATION_INCLUDED)
#define KVSWEBRTC_IMPLEMENTATION_INCLUDED

/* ==== [15] >>prelude  config checks, libc macros, KVS_ASSERT, byte order, bounded cursors ==== */
/* depends on: the public half.  entry points: none.
   The cursors are the only way parsers read and serialisers write:
   - kvs__rd {p, end, err}: every read checks the bounds; the first overrun sets err, which then
     sticks: later reads return 0 and move nothing. Check kvs__rd_ok once at the end.
   - kvs__wr {p, cap, len, err}: writes past cap are not stored but still counted, so len is the
     size the whole output needs; p == NULL with cap == 0 measures. kvs__wr_result turns that into
     KVS_ERR_BUFFER_TOO_SMALL with the needed size.                                              */

#ifndef KVS_NO_MALLOC
#define KVS_NO_MALLOC 0
#endif
#ifndef KVS_NO_LOG_STRINGS
#define KVS_NO_LOG_STRINGS 0
#endif
#ifndef KVS_LOG_LEVEL_MAX
#if KVS_TESTING
#define KVS_LOG_LEVEL_MAX KVS_LOG_DEBUG
#else
#define KVS_LOG_LEVEL_MAX KVS_LOG_INFO
#endif
#endif
#ifndef KVS_LOG_LINE_MAX
#define KVS_LOG_LINE_MAX 192
#endif
#ifndef KVS_MEM_FILL
#define KVS_MEM_FILL KVS_TESTING
#endif
#ifndef KVS_JSON_MAX_DEPTH
#define KVS_JSON_MAX_DEPTH 32
#endif
#ifndef KVS_BEARSSL_INCLUDE
#define KVS_BEARSSL_INCLUDE <bearssl.h>
#endif

#if KVS_JSON_MAX_DEPTH < 1 || KVS_JSON_MAX_DEPTH > 64
#error "KVS_JSON_MAX_DEPTH must be 1..64 (the reader keeps one bit per level in a uint64_t)"
#endif
#if KVS_MAX_PEERS < 1 || KVS_MAX_PEERS > 64
#error "KVS_MAX_PEERS must be 1..64"
#endif
#if KVS_LOG_LINE_MAX < 32
#error "KVS_LOG_LINE_MAX must be at least 32"
#endif
#if KVS_LOG_LEVEL_MAX < 0 || KVS_LOG_LEVEL_MAX > KVS_LOG_TRACE
#error "KVS_LOG_LEVEL_MAX must be 0 (nothing) .. KVS_LOG_TRACE"
#endif

#include <stdarg.h>
#include <stdio.h>
#if !KVS_NO_MALLOC || KVS_TESTING
#include <stdlib.h>
#endif
#include KVS_BEARSSL_INCLUDE

#ifndef KVS_MEMCPY
#define KVS_MEMCPY(d, s, n) memcpy((d), (s), (n))
#endif
#ifndef KVS_MEMMOVE
#define KVS_MEMMOVE(d, s, n) memmove((d), (s), (n))
#endif
#ifndef KVS_MEMSET
#define KVS_MEMSET(d, c, n) memset((d), (c), (n))
#endif
#ifndef KVS_MEMCMP
#define KVS_MEMCMP(a, b, n) memcmp((a), (b), (n))
#endif
#ifndef KVS_STRLEN
#define KVS_STRLEN(s) strlen(s)
#endif
#ifndef KVS_VSNPRINTF
#define KVS_VSNPRINTF(b, n, f, a) vsnprintf((b), (n), (f), (a))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define KVS__UNUSED __attribute__((unused))
#define KVS__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KVS__UNUSED
#define KVS__PRINTF(f, a)
#endif

/* Internal linkage: static, unless KVS_TESTING exports the internals to multi-file tests. */
#if KVS_TESTING
#define KVS_PRIVATE
#else
#define KVS_PRIVATE static KVS__UNUSED
#endif
/* Definitions of the public functions (their declarations carry KVS_DEF). */
#if KVS_STATIC
#define KVS__API static KVS__UNUSED
#else
#define KVS__API
#endif

#ifndef KVS_ASSERT
#if KVS_TESTING
KVS_PRIVATE void kvs__assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "%s:%d: KVS_ASSERT(%s) failed\n", file, line, expr);
    abort();
}
#define KVS_ASSERT(x) ((x) ? (void)0 : kvs__assert_fail(#x, __FILE__, __LINE__))
#else
#include <assert.h>
#define KVS_ASSERT(x) assert(x)
#endif
#endif

#define KVS__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KVS__MIN(a, b) ((a) < (b) ? (a) : (b))
#define KVS__MAX(a, b) ((a) > (b) ? (a) : (b))

/* --- big-endian (network order) and little-endian accessors; never cast a packet to a struct --- */

KVS_PRIVATE uint16_t kvs__get_u16(const uint8_t *p) {
    return (uint16_t)(((unsigned)p[0] << 8) | (unsigned)p[1]);
}
KVS_PRIVATE uint32_t kvs__get_u24(const uint8_t *p) {
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | (uint32_t)p[2];
}
KVS_PRIVATE uint32_t kvs__get_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
KVS_PRIVATE uint64_t kvs__get_u48(const uint8_t *p) {
    return ((uint64_t)kvs__get_u16(p) << 32) | (uint64_t)kvs__get_u32(p + 2);
}
KVS_PRIVATE uint64_t kvs__get_u64(const uint8_t *p) {
    return ((uint64_t)kvs__get_u32(p) << 32) | (uint64_t)kvs__get_u32(p + 4);
}
KVS_PRIVATE uint32_t kvs__get_u32le(const uint8_t *p) {
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | (uint32_t)p[0];
}
KVS_PRIVATE void kvs__put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
KVS_PRIVATE void kvs__put_u24(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}
KVS_PRIVATE void kvs__put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
KVS_PRIVATE void kvs__put_u48(uint8_t *p, uint64_t v) {
    kvs__put_u16(p, (uint16_t)(v >> 32));
    kvs__put_u32(p + 2, (uint32_t)v);
}
KVS_PRIVATE void kvs__put_u64(uint8_t *p, uint64_t v) {
    kvs__put_u32(p, (uint32_t)(v >> 32));
    kvs__put_u32(p + 4, (uint32_t)v);
}
KVS_PRIVATE void kvs__put_u32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* --- read cursor ------------------------------------------------------------------------------ */

typedef struct kvs__rd {
    const uint8_t *p;
    const uint8_t *end;
    int err; /* sticky: set by the first read past the end */
} kvs__rd;

KVS_PRIVATE void kvs__rd_init(kvs__rd *r, const void *p, size_t n) {
    r->p = (const uint8_t *)p;
    r->end = r->p ? r->p + n : r->p;
    r->err = 0;
}
KVS_PRIVATE size_t kvs__rd_left(const kvs__rd *r) {
    return r->err ? 0 : (size_t)(r->end - r->p);
}
KVS_PRIVATE int kvs__rd_ok(const kvs__rd *r) {
    return !r->err;
}
/* Borrow the next n bytes (NULL and err set when fewer remain). */
KVS_PRIVATE const uint8_t *kvs__rd_ptr(kvs__rd *r, size_t n) {
    const uint8_t *q;
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = 1;
        return NULL;
    }
    q = r->p;
    r->p += n;
    return q;
}
KVS_PRIVATE void kvs__rd_skip(kvs__rd *r, size_t n) {
    (void)kvs__rd_ptr(r, n);
}
KVS_PRIVATE void kvs__rd_bytes(kvs__rd *r, void *out, size_t n) {
    const uint8_t *q = kvs__rd_ptr(r, n);
    if (q)
        KVS_MEMCPY(out, q, n);
    else if (n)
        KVS_MEMSET(out, 0, n);
}
/* A sub-cursor over the next n bytes (a length-prefixed field); the parent moves past them. */
KVS_PRIVATE kvs__rd kvs__rd_sub(kvs__rd *r, size_t n) {
    kvs__rd s;
    const uint8_t *q = kvs__rd_ptr(r, n);
    kvs__rd_init(&s, q, q ? n : 0);
    s.err = q ? 0 : 1;
    return s;
}
KVS_PRIVATE uint8_t kvs__rd_u8(kvs__rd *r) {
    const uint8_t *q = kvs__rd_ptr(r, 1);
    return q ? q[0] : 0;
}
KVS_PRIVATE uint16_t kvs__rd_u16(kvs__rd *r) {
    const uint8_t *q = kvs__rd_ptr(r, 2);
    return q ? kvs__get_u16(q) : 0;
}
KVS_PRIVATE uint32_t kvs__rd_u24(kvs__rd *r) {
    const uint8_t *q = kvs__rd_ptr(r, 3);
    return q ? kvs__get_u24(q) : 0;
}
KVS_PRIVATE uint32_t kvs__rd_u32(kvs__rd *r) {
    const uint8_t *q = kvs__rd_ptr(r, 4);
    return q ? kvs__get_u32(q) : 0;
}
KVS_PRIVATE uint64_t kvs__rd_u48(kvs__rd *r) {
    const uint8_t *q = kvs__rd_ptr(r, 6);
    return q ? kvs__get_u48(q) : 0;
}
KVS_PRIVATE uint64_t kvs__rd_u64(kvs__rd *r) {
    const uint8_t *q = kvs__rd_ptr(r, 8);
    return q ? kvs__get_u64(q) : 0;
}

/* --- write cursor ----------------------------------------------------------------------------- */

typedef struct kvs__wr {
    uint8_t *p;
    size_t cap;
    size_t len; /* bytes the output needs so far (may exceed cap) */
    int err;    /* sticky: 1 = something did not fit, 2 = the size itself overflowed */
} kvs__wr;

KVS_PRIVATE void kvs__wr_init(kvs__wr *w, void *p, size_t cap) {
    w->p = (uint8_t *)p;
    w->cap = p ? cap : 0;
    w->len = 0;
    w->err = 0;
}
/* The bytes that still fit before the first overflow (text output stays a clean prefix). */
KVS_PRIVATE size_t kvs__wr_room(const kvs__wr *w) {
    return w->err ? 0 : w->cap - KVS__MIN(w->cap, w->len);
}
/* Reserve n bytes: a pointer to write them, or NULL when they do not fit (still counted). */
KVS_PRIVATE uint8_t *kvs__wr_reserve(kvs__wr *w, size_t n) {
    uint8_t *q;
    if (w->err == 2)
        return NULL;
    if (n > (size_t)-1 - w->len) {
        w->err = 2;
        return NULL;
    }
    if (n == 0)
        return NULL;
    if (kvs__wr_room(w) < n) {
        w->err = 1;
        w->len += n;
        return NULL;
    }
    q = w->p + w->len;
    w->len += n;
    return q;
}
KVS_PRIVATE void kvs__wr_bytes(kvs__wr *w, const void *p, size_t n) {
    size_t room = kvs__wr_room(w);
    uint8_t *q = kvs__wr_reserve(w, n);
    if (q && n)
        KVS_MEMCPY(q, p, n);
    else if (!q && w->p && room && room < n)
        KVS_MEMCPY(w->p + w->cap - room, p, room);
}
KVS_PRIVATE void kvs__wr_fill(kvs__wr *w, uint8_t v, size_t n) {
    size_t room = kvs__wr_room(w);
    uint8_t *q = kvs__wr_reserve(w, n);
    if (q && n)
        KVS_MEMSET(q, v, n);
    else if (!q && w->p && room && room < n)
        KVS_MEMSET(w->p + w->cap - room, v, room);
}
KVS_PRIVATE void kvs__wr_cstr(kvs__wr *w, const char *s) {
    kvs__wr_bytes(w, s, KVS_STRLEN(s));
}
KVS_PRIVATE void kvs__wr_u8(kvs__wr *w, uint8_t v) {
    uint8_t *q = kvs__wr_reserve(w, 1);
    if (q)
        q[0] = v;
}
KVS_PRIVATE void kvs__wr_u16(kvs__wr *w, uint16_t v) {
    uint8_t *q = kvs__wr_reserve(w, 2);
    if (q)
        kvs__put_u16(q, v);
}
KVS_PRIVATE void kvs__wr_u24(kvs__wr *w, uint32_t v) {
    uint8_t *q = kvs__wr_reserve(w, 3);
    if (q)
        kvs__put_u24(q, v);
}
KVS_PRIVATE void kvs__wr_u32(kvs__wr *w, uint32_t v) {
    uint8_t *q = kvs__wr_reserve(w, 4);
    if (q)
        kvs__put_u32(q, v);
}
KVS_PRIVATE void kvs__wr_u48(kvs__wr *w, uint64_t v) {
    uint8_t *q = kvs__wr_reserve(w, 6);
    if (q)
        kvs__put_u48(q, v);
}
KVS_PRIVATE void kvs__wr_u64(kvs__wr *w, uint64_t v) {
    uint8_t *q = kvs__wr_reserve(w, 8);
    if (q)
        kvs__put_u64(q, v);
}
/* Write decimal digits of v (no sign, no padding). */
KVS_PRIVATE void kvs__wr_dec(kvs__wr *w, uint64_t v) {
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    kvs__wr_bytes(w, tmp + i, sizeof tmp - i);
}
/* Patch 2 bytes at offset off (a length field reserved earlier); ignored if not stored. */
KVS_PRIVATE void kvs__wr_patch_u16(kvs__wr *w, size_t off, uint16_t v) {
    if (w->p && off <= w->cap && w->cap - off >= 2 && off + 2 <= w->len)
        kvs__put_u16(w->p + off, v);
}
/* KVS_OK, or KVS_ERR_BUFFER_TOO_SMALL with *out_len = the size needed (KVS_ERR_LIMIT when the
   size does not fit a size_t). out_len may be NULL. */
KVS_PRIVATE kvs_result kvs__wr_result(const kvs__wr *w, size_t *out_len) {
    if (out_len)
        *out_len = w->len;
    if (w->err == 2)
        return KVS_ERR_LIMIT;
    return w->err ? KVS_ERR_BUFFER_TOO_SMALL : KVS_OK;
}
/* NUL-terminate text output: the NUL is counted in the size needed but not in *out_len. */
KVS_PRIVATE kvs_result kvs__wr_result_str(kvs__wr *w, size_t *out_len) {
    kvs_result r;
    kvs__wr_u8(w, 0);
    r = kvs__wr_result(w, out_len);
    if (r == KVS_OK && out_len)
        *out_len -= 1;
    else if (r != KVS_OK && w->p && w->cap)
        w->p[w->cap - 1] = 0; /* the stored part is a clean prefix: truncate it */
    return r;
}

/* ==== [16] >>util  hex, CRC-32, CRC-32c, percent-encoding, dates, IP addresses =============== */
/* depends on: >>prelude.  entry points: kvs_addr_* and kvs_version go through >>api.
   - CRC-32 is the ISO-HDLC / zlib CRC (reflected 0x04C11DB7) that STUN FINGERPRINT (RFC 8489
     section 14.7) XORs with 0x5354554e; CRC-32c is the Castagnoli CRC of SCTP (RFC 4960 appendix B,
     RFC 3720 B.4). Both take and return the finished value, so calls chain over pieces:
     crc = kvs__util_crc32(crc, piece, n) starting from crc = 0.
   - Percent-encoding is RFC 3986 section 2: the unreserved set A-Z a-z 0-9 - . _ ~ stays, every
     other byte becomes %XX with upper-case hex (what AWS SigV4 requires).
   - Dates cover 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z (the four-digit year forms);
     conversions use Howard Hinnant's days-from-civil algorithms, exact for the proleptic Gregorian
     calendar; there is no time zone or leap second table.
   - Addresses: numeric IPv4 / IPv6 text forms (RFC 4291 section 2.2, RFC 6874 zones as decimal
     interface indexes) and RFC 5952 canonical output.                                           */

static const uint32_t kvs__util_crc32_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};
static const uint32_t kvs__util_crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
    0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
    0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
    0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
    0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
    0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
    0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
    0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
    0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
    0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
    0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
    0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
    0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
    0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
    0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
    0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
    0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
    0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
    0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
    0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
    0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
    0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

KVS_PRIVATE uint32_t kvs__util_crc32(uint32_t crc, const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    crc = ~crc;
    for (i = 0; i < n; i++)
        crc = kvs__util_crc32_table[(crc ^ b[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* CRC-32c (every SCTP packet, both ways) uses the CPU's instruction where there is one: SSE4.2
   on x86-64 with GCC or Clang (checked at run time), the ARMv8 CRC extension when the compiler
   targets it. KVS_NO_SIMD keeps the table everywhere. */
#if !defined(KVS_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KVS__CRC32C_X86 1
__attribute__((target("sse4.2"))) static uint32_t kvs__util_crc32c_hw(uint32_t crc, const uint8_t *b,
                                                                     size_t n) {
    unsigned long long c = crc;
    for (; n >= 8; n -= 8, b += 8) {
        unsigned long long v;
        KVS_MEMCPY(&v, b, 8); /* little-endian, the order the instruction reads */
        c = __builtin_ia32_crc32di(c, v);
    }
    crc = (uint32_t)c;
    for (; n; n--, b++)
        crc = __builtin_ia32_crc32qi(crc, *b);
    return crc;
}
#elif !defined(KVS_NO_SIMD) && defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#define KVS__CRC32C_ARM 1
static uint32_t kvs__util_crc32c_hw(uint32_t crc, const uint8_t *b, size_t n) {
    for (; n >= 8; n -= 8, b += 8) {
        uint64_t v;
        KVS_MEMCPY(&v, b, 8);
        crc = __crc32cd(crc, v);
    }
    for (; n; n--, b++)
        crc = __crc32cb(crc, *b);
    return crc;
}
#endif

KVS_PRIVATE uint32_t kvs__util_crc32c(uint32_t crc, const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    crc = ~crc;
#if defined(KVS__CRC32C_X86)
    if (__builtin_cpu_supports("sse4.2"))
        return ~kvs__util_crc32c_hw(crc, b, n);
#elif defined(KVS__CRC32C_ARM)
    return ~kvs__util_crc32c_hw(crc, b, n);
#endif
    for (i = 0; i < n; i++)
        crc = kvs__util_crc32c_table[(crc ^ b[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* --- characters and hex ------------------------------------------------------------------------ */

KVS_PRIVATE int kvs__util_is_digit(int c) {
    return c >= '0' && c <= '9';
}
KVS_PRIVATE int kvs__util_lower(int c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}
/* The value of one hex digit, or -1. */
KVS_PRIVATE int kvs__util_hex_val(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
/* 1 when s[0..n) equals the NUL-terminated lit, ASCII case ignored. */
KVS_PRIVATE int kvs__util_eq_nocase(const char *s, size_t n, const char *lit) {
    size_t i;
    for (i = 0; i < n; i++)
        if (!lit[i] || kvs__util_lower((unsigned char)s[i]) != kvs__util_lower((unsigned char)lit[i]))
            return 0;
    return lit[n] == 0;
}

KVS_PRIVATE void kvs__util_hex_encode(kvs__wr *w, const void *p, size_t n, int upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        kvs__wr_u8(w, (uint8_t)digits[b[i] >> 4]);
        kvs__wr_u8(w, (uint8_t)digits[b[i] & 15u]);
    }
}

/* Decode n hex digits (either case) into w. KVS_ERR_PARSE for an odd count or a non-hex byte
   (nothing is written then). */
KVS_PRIVATE kvs_result kvs__util_hex_decode(const char *s, size_t n, kvs__wr *w) {
    size_t i;
    if (n % 2u)
        return KVS_ERR_PARSE;
    for (i = 0; i < n; i++)
        if (kvs__util_hex_val((unsigned char)s[i]) < 0)
            return KVS_ERR_PARSE;
    for (i = 0; i < n; i += 2)
        kvs__wr_u8(w, (uint8_t)(kvs__util_hex_val((unsigned char)s[i]) * 16 +
                                kvs__util_hex_val((unsigned char)s[i + 1])));
    return KVS_OK;
}

/* --- percent-encoding (RFC 3986) --------------------------------------------------------------- */

KVS_PRIVATE int kvs__util_is_unreserved(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Percent-encode n bytes into w. keep_slash = 1 leaves '/' as is (SigV4 canonical URI paths). */
KVS_PRIVATE void kvs__util_pct_encode(kvs__wr *w, const void *p, size_t n, int keep_slash) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        if (kvs__util_is_unreserved(b[i]) || (keep_slash && b[i] == '/')) {
            kvs__wr_u8(w, b[i]);
        } else {
            kvs__wr_u8(w, '%');
            kvs__util_hex_encode(w, b + i, 1, 1);
        }
    }
}

/* Decode %XX escapes (either case) into w; plus_is_space = 1 maps '+' to ' ' (form encoding).
   KVS_ERR_PARSE for '%' not followed by two hex digits. */
KVS_PRIVATE kvs_result kvs__util_pct_decode(const char *s, size_t n, kvs__wr *w, int plus_is_space) {
    size_t i;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (n - i < 3)
                return KVS_ERR_PARSE;
            hi = kvs__util_hex_val((unsigned char)s[i + 1]);
            lo = kvs__util_hex_val((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return KVS_ERR_PARSE;
            kvs__wr_u8(w, (uint8_t)(hi * 16 + lo));
            i += 2;
        } else {
            kvs__wr_u8(w, (uint8_t)(plus_is_space && c == '+' ? ' ' : c));
        }
    }
    return KVS_OK;
}

/* --- dates ------------------------------------------------------------------------------------- */

#define KVS__UTIL_TIME_MAX ((int64_t)253402300799) /* 9999-12-31T23:59:59Z */

typedef struct kvs__util_tm {
    int year, mon, day, hour, min, sec; /* mon 1..12, day 1..31 */
} kvs__util_tm;

KVS_PRIVATE int64_t kvs__util_days_from_civil(int64_t y, int m, int d) {
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

KVS_PRIVATE int kvs__util_days_in_month(int y, int m) {
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

/* Split unix time t (0..KVS__UTIL_TIME_MAX) into UTC fields. KVS_ERR_INVALID_ARG out of range. */
KVS_PRIVATE kvs_result kvs__util_gmtime(int64_t t, kvs__util_tm *tm) {
    int64_t z, era, doe, yoe, doy, mp, secs;
    if (t < 0 || t > KVS__UTIL_TIME_MAX)
        return KVS_ERR_INVALID_ARG;
    secs = t % 86400;
    z = t / 86400 + 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = (int)(yoe + era * 400 + (tm->mon <= 2));
    tm->hour = (int)(secs / 3600);
    tm->min = (int)(secs / 60 % 60);
    tm->sec = (int)(secs % 60);
    return KVS_OK;
}

/* The unix time of UTC fields, validated (second 60 is accepted as a leap second and counts as
   the next minute). KVS_ERR_PARSE for impossible fields or a result outside the range. */
KVS_PRIVATE kvs_result kvs__util_timegm(const kvs__util_tm *tm, int64_t *t) {
    int64_t v;
    if (tm->year < 1970 || tm->year > 9999 || tm->mon < 1 || tm->mon > 12 || tm->day < 1 ||
        tm->day > kvs__util_days_in_month(tm->year, tm->mon) || tm->hour < 0 || tm->hour > 23 ||
        tm->min < 0 || tm->min > 59 || tm->sec < 0 || tm->sec > 60)
        return KVS_ERR_PARSE;
    v = kvs__util_days_from_civil(tm->year, tm->mon, tm->day) * 86400 + tm->hour * 3600 +
        tm->min * 60 + tm->sec;
    if (v > KVS__UTIL_TIME_MAX)
        return KVS_ERR_PARSE;
    *t = v;
    return KVS_OK;
}

KVS_PRIVATE void kvs__util_put_dec(char *out, int v, int digits) {
    while (digits-- > 0) {
        out[digits] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "YYYYMMDDTHHMMSSZ" (AWS X-Amz-Date) into out[17], NUL-terminated. */
KVS_PRIVATE kvs_result kvs__util_amz_date(int64_t t, char out[17]) {
    kvs__util_tm tm;
    kvs_result r = kvs__util_gmtime(t, &tm);
    if (r != KVS_OK)
        return r;
    kvs__util_put_dec(out, tm.year, 4);
    kvs__util_put_dec(out + 4, tm.mon, 2);
    kvs__util_put_dec(out + 6, tm.day, 2);
    out[8] = 'T';
    kvs__util_put_dec(out + 9, tm.hour, 2);
    kvs__util_put_dec(out + 11, tm.min, 2);
    kvs__util_put_dec(out + 13, tm.sec, 2);
    out[15] = 'Z';
    out[16] = 0;
    return KVS_OK;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (ISO 8601 / RFC 3339, UTC) into out[21], NUL-terminated. */
KVS_PRIVATE kvs_result kvs__util_iso8601(int64_t t, char out[21]) {
    kvs__util_tm tm;
    kvs_result r = kvs__util_gmtime(t, &tm);
    if (r != KVS_OK)
        return r;
    kvs__util_put_dec(out, tm.year, 4);
    out[4] = '-';
    kvs__util_put_dec(out + 5, tm.mon, 2);
    out[7] = '-';
    kvs__util_put_dec(out + 8, tm.day, 2);
    out[10] = 'T';
    kvs__util_put_dec(out + 11, tm.hour, 2);
    out[13] = ':';
    kvs__util_put_dec(out + 14, tm.min, 2);
    out[16] = ':';
    kvs__util_put_dec(out + 17, tm.sec, 2);
    out[19] = 'Z';
    out[20] = 0;
    return KVS_OK;
}

/* Read exactly `digits` decimal digits at s; -1 if any is not a digit. */
KVS_PRIVATE int kvs__util_get_dec(const char *s, int digits) {
    int v = 0, i;
    for (i = 0; i < digits; i++) {
        if (!kvs__util_is_digit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Parse "YYYYMMDDTHHMMSSZ" (exactly 16 bytes). KVS_ERR_PARSE otherwise. */
KVS_PRIVATE kvs_result kvs__util_amz_date_parse(const char *s, size_t n, int64_t *t) {
    kvs__util_tm tm;
    if (n != 16 || s[8] != 'T' || s[15] != 'Z')
        return KVS_ERR_PARSE;
    tm.year = kvs__util_get_dec(s, 4);
    tm.mon = kvs__util_get_dec(s + 4, 2);
    tm.day = kvs__util_get_dec(s + 6, 2);
    tm.hour = kvs__util_get_dec(s + 9, 2);
    tm.min = kvs__util_get_dec(s + 11, 2);
    tm.sec = kvs__util_get_dec(s + 13, 2);
    return kvs__util_timegm(&tm, t);
}

/* Parse RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" ('T'/'Z' in either case; the
   fraction is dropped) into unix seconds. KVS_ERR_PARSE otherwise. */
KVS_PRIVATE kvs_result kvs__util_iso8601_parse(const char *s, size_t n, int64_t *t) {
    kvs__util_tm tm;
    size_t i = 19;
    int64_t v, off = 0;
    kvs_result r;
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return KVS_ERR_PARSE;
    tm.year = kvs__util_get_dec(s, 4);
    tm.mon = kvs__util_get_dec(s + 5, 2);
    tm.day = kvs__util_get_dec(s + 8, 2);
    tm.hour = kvs__util_get_dec(s + 11, 2);
    tm.min = kvs__util_get_dec(s + 14, 2);
    tm.sec = kvs__util_get_dec(s + 17, 2);
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < n && kvs__util_is_digit((unsigned char)s[i]))
            i++;
        if (i == start)
            return KVS_ERR_PARSE;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (n - i < 6 || s[i + 3] != ':')
            return KVS_ERR_PARSE;
        oh = kvs__util_get_dec(s + i + 1, 2);
        om = kvs__util_get_dec(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return KVS_ERR_PARSE;
        off = (int64_t)(oh * 3600 + om * 60);
        if (s[i] == '+')
            off = -off;
        i += 6;
    } else {
        return KVS_ERR_PARSE;
    }
    if (i != n)
        return KVS_ERR_PARSE;
    r = kvs__util_timegm(&tm, &v);
    if (r != KVS_OK)
        return r;
    v += off;
    if (v < 0 || v > KVS__UTIL_TIME_MAX)
        return KVS_ERR_PARSE;
    *t = v;
    return KVS_OK;
}

/* --- IP addresses ------------------------------------------------------------------------------ */

/* Parse exactly n bytes of dotted-quad IPv4 into ip[4]. 1 on success, 0 otherwise. */
KVS_PRIVATE int kvs__util_ipv4_parse(const char *s, size_t n, uint8_t ip[4]) {
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t start = i;
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return 0;
            start = ++i;
        }
        while (i < n && kvs__util_is_digit((unsigned char)s[i]) && i - start < 3)
            v = v * 10u + (unsigned)(s[i++] - '0');
        if (i == start || v > 255u || (s[start] == '0' && i - start > 1))
            return 0;
        ip[part] = (uint8_t)v;
    }
    return i == n;
}

/* Parse exactly n bytes of IPv6 text (no zone) into ip[16]. 1 on success, 0 otherwise. */
KVS_PRIVATE int kvs__util_ipv6_parse(const char *s, size_t n, uint8_t ip[16]) {
    uint8_t tmp[16];
    size_t i = 0;
    int groups = 0, gap = -1;
    if (n < 2)
        return 0;
    KVS_MEMSET(tmp, 0, sizeof tmp);
    if (s[0] == ':') {
        if (s[1] != ':')
            return 0;
        gap = 0;
        i = 2;
    }
    while (i < n) {
        size_t start = i;
        unsigned v = 0;
        while (i < n && i - start < 4 && kvs__util_hex_val((unsigned char)s[i]) >= 0)
            v = v * 16u + (unsigned)kvs__util_hex_val((unsigned char)s[i++]);
        if (i < n && s[i] == '.') {
            /* embedded IPv4 in the last 32 bits */
            size_t j = start;
            while (j < n && s[j] != ':')
                j++;
            if (j != n || groups > 6 || !kvs__util_ipv4_parse(s + start, n - start, tmp + groups * 2))
                return 0;
            groups += 2;
            break;
        }
        if (i == start || groups >= 8)
            return 0;
        tmp[groups * 2] = (uint8_t)(v >> 8);
        tmp[groups * 2 + 1] = (uint8_t)v;
        groups++;
        if (i == n)
            break;
        if (s[i] != ':')
            return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return 0;
            gap = groups;
            i++;
        } else if (i == n) {
            return 0; /* trailing single ':' */
        }
    }
    if (gap >= 0) {
        int tail = groups - gap;
        if (groups > 7)
            return 0;
        KVS_MEMMOVE(tmp + 16 - tail * 2, tmp + gap * 2, (size_t)(tail * 2));
        KVS_MEMSET(tmp + gap * 2, 0, (size_t)((8 - groups) * 2));
    } else if (groups != 8) {
        return 0;
    }
    KVS_MEMCPY(ip, tmp, 16);
    return 1;
}

KVS_PRIVATE kvs_result kvs__util_addr_parse(kvs_addr *out, const char *s, size_t n, uint16_t port) {
    size_t pct = 0;
    KVS_MEMSET(out, 0, sizeof *out);
    out->port = port;
    if (kvs__util_ipv4_parse(s, n, out->ip)) {
        out->family = KVS_AF_INET;
        return KVS_OK;
    }
    while (pct < n && s[pct] != '%')
        pct++;
    if (kvs__util_ipv6_parse(s, pct, out->ip)) {
        if (pct < n) {
            uint64_t scope = 0;
            size_t i = pct + 1;
            if (i == n || n - i > 10)
                goto fail;
            for (; i < n; i++) {
                if (!kvs__util_is_digit((unsigned char)s[i]))
                    goto fail;
                scope = scope * 10u + (uint64_t)(s[i] - '0');
            }
            if (scope > 0xffffffffu)
                goto fail;
            out->scope_id = (uint32_t)scope;
        }
        out->family = KVS_AF_INET6;
        return KVS_OK;
    }
fail:
    KVS_MEMSET(out, 0, sizeof *out);
    return KVS_ERR_PARSE;
}

KVS_PRIVATE int kvs__util_addr_is_v4mapped(const kvs_addr *a) {
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return a->family == KVS_AF_INET6 && KVS_MEMCMP(a->ip, pfx, 12) == 0;
}

KVS_PRIVATE void kvs__util_ipv4_write(kvs__wr *w, const uint8_t *ip) {
    int i;
    for (i = 0; i < 4; i++) {
        if (i)
            kvs__wr_u8(w, '.');
        kvs__wr_dec(w, ip[i]);
    }
}

/* The address text (RFC 5952 for IPv6) into w, optionally with the port. */
KVS_PRIVATE void kvs__util_addr_write(kvs__wr *w, const kvs_addr *a, int with_port) {
    if (a->family == KVS_AF_INET) {
        kvs__util_ipv4_write(w, a->ip);
    } else {
        int best = -1, best_len = 0, i;
        if (with_port)
            kvs__wr_u8(w, '[');
        for (i = 0; i < 8;) {
            int j = i;
            while (j < 8 && a->ip[j * 2] == 0 && a->ip[j * 2 + 1] == 0)
                j++;
            if (j - i > best_len && j - i >= 2) {
                best = i;
                best_len = j - i;
            }
            i = j > i ? j : i + 1;
        }
        if (kvs__util_addr_is_v4mapped(a)) {
            kvs__wr_cstr(w, "::ffff:");
            kvs__util_ipv4_write(w, a->ip + 12);
        } else {
            for (i = 0; i < 8; i++) {
                unsigned v = ((unsigned)a->ip[i * 2] << 8) | a->ip[i * 2 + 1];
                char hex[4];
                int k = 0;
                if (i == best) {
                    kvs__wr_cstr(w, "::");
                    i += best_len - 1;
                    continue;
                }
                if (i > 0 && i != best + best_len)
                    kvs__wr_u8(w, ':');
                do {
                    hex[k++] = "0123456789abcdef"[v & 15u];
                    v >>= 4;
                } while (v);
                while (k > 0)
                    kvs__wr_u8(w, (uint8_t)hex[--k]);
            }
        }
        if (a->scope_id) {
            kvs__wr_u8(w, '%');
            kvs__wr_dec(w, a->scope_id);
        }
        if (with_port)
            kvs__wr_u8(w, ']');
    }
    if (with_port) {
        kvs__wr_u8(w, ':');
        kvs__wr_dec(w, a->port);
    }
}

KVS_PRIVATE int kvs__util_addr_equal(const kvs_addr *a, const kvs_addr *b) {
    return a->family == b->family && a->port == b->port && a->scope_id == b->scope_id &&
           KVS_MEMCMP(a->ip, b->ip, 16) == 0;
}

KVS_PRIVATE int kvs__util_addr_is_loopback(const kvs_addr *a) {
    static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (a->family == KVS_AF_INET)
        return a->ip[0] == 127;
    return a->family == KVS_AF_INET6 && KVS_MEMCMP(a->ip, lo6, 16) == 0;
}

KVS_PRIVATE int kvs__util_addr_is_link_local(const kvs_addr *a) {
    if (a->family == KVS_AF_INET)
        return a->ip[0] == 169 && a->ip[1] == 254;
    return a->family == KVS_AF_INET6 && a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80;
}

/* ==== [17] >>log  log items, level ceiling, bounded formatting ============================== */
/* depends on: >>prelude.  entry points: kvs_result_str, kvs_log_item_str, kvs_log_level_str (via
   >>api).
   Sections log through a kvs__log context lent by the client (NULL: nothing is logged or
   recorded, for code that runs without a client), with the macros below:
     KVS__LOG_WARN(lg, ITEM)                     message = the item's text
     KVS__LOGF_WARN(lg, ITEM, "fmt", args...)    message = "item text: formatted detail"
   A call above the compile-time ceiling KVS_LOG_LEVEL_MAX compiles to nothing (ERROR and WARN
   still record the item for kvs_client_last_error_item). Under KVS_NO_LOG_STRINGS the format and
   its arguments are not compiled at all: keep side effects out of log arguments. Lines are
   formatted into a KVS_LOG_LINE_MAX stack buffer; longer ones end in "...".                     */

#if !KVS_NO_LOG_STRINGS
static const char *const kvs__log_item_strs[] = {
#define KVS__X(name, desc) desc,
    KVS_LOG_ITEMS(KVS__X)
#undef KVS__X
};
static const char *const kvs__log_item_names[] = {
#define KVS__X(name, desc) #name,
    KVS_LOG_ITEMS(KVS__X)
#undef KVS__X
};
#endif

KVS_PRIVATE void kvs__log_init(kvs__log *lg, const kvs_platform *pf, int *guard, int level) {
    lg->fn = pf ? pf->log : NULL;
    lg->user = pf ? pf->user : NULL;
    lg->guard = guard;
    lg->level = level;
    lg->last_item = KVS_LOG_NONE;
}

KVS_PRIVATE void kvs__log_deliver(kvs__log *lg, int level, int item, const char *msg, int line) {
    if (!lg)
        return;
    if (level <= KVS_LOG_WARN)
        lg->last_item = item;
    if (!lg->fn || level > lg->level)
        return;
    if (lg->guard)
        ++*lg->guard;
    lg->fn(lg->user, level, item, msg, line);
    if (lg->guard)
        --*lg->guard;
}

/* Record (and deliver) an item whose message is the item's own text. */
KVS_PRIVATE void kvs__log_item(kvs__log *lg, int level, int item, int line) {
#if KVS_NO_LOG_STRINGS
    kvs__log_deliver(lg, level, item, NULL, line);
#else
    kvs__log_deliver(lg, level, item, kvs__log_item_strs[item], line);
#endif
}

/* Record an item without delivering it (calls compiled out by the level ceiling). */
KVS_PRIVATE void kvs__log_note(kvs__log *lg, int item) {
    if (lg)
        lg->last_item = item;
}

#if !KVS_NO_LOG_STRINGS
KVS_PRIVATE void kvs__log_fmt(kvs__log *lg, int level, int item, int line, const char *fmt, ...)
    KVS__PRINTF(5, 6);
KVS_PRIVATE void kvs__log_fmt(kvs__log *lg, int level, int item, int line, const char *fmt, ...) {
    char buf[KVS_LOG_LINE_MAX];
    kvs__wr w;
    va_list ap;
    int n;
    size_t used;
    if (!lg || !lg->fn || level > lg->level) {
        kvs__log_deliver(lg, level, item, NULL, line);
        return;
    }
    kvs__wr_init(&w, buf, sizeof buf);
    kvs__wr_cstr(&w, kvs__log_item_strs[item]);
    kvs__wr_cstr(&w, ": ");
    used = KVS__MIN(w.len, sizeof buf - 1);
    va_start(ap, fmt);
    n = KVS_VSNPRINTF(buf + used, sizeof buf - used, fmt, ap);
    va_end(ap);
    if (n < 0)
        buf[used] = 0;
    else if ((size_t)n >= sizeof buf - used)
        KVS_MEMCPY(buf + sizeof buf - 4, "...", 4);
    buf[sizeof buf - 1] = 0;
    kvs__log_deliver(lg, level, item, buf, line);
}
#endif

#if KVS_NO_LOG_STRINGS
#define KVS__LOG_AT(lg, lvl, item) kvs__log_item((lg), (lvl), KVS_LOG_##item, __LINE__)
#define KVS__LOGF_AT(lg, lvl, item, fmt, ...) kvs__log_item((lg), (lvl), KVS_LOG_##item, __LINE__)
#else
#define KVS__LOG_AT(lg, lvl, item) kvs__log_item((lg), (lvl), KVS_LOG_##item, __LINE__)
#define KVS__LOGF_AT(lg, lvl, item, fmt, ...)                                                    \
    kvs__log_fmt((lg), (lvl), KVS_LOG_##item, __LINE__, fmt, __VA_ARGS__)
#endif
#define KVS__LOG_OFF(lg, item) ((void)(lg))
#define KVS__LOG_NOTE(lg, item) kvs__log_note((lg), KVS_LOG_##item)

#if KVS_LOG_LEVEL_MAX >= KVS_LOG_ERROR
#define KVS__LOG_ERROR(lg, item) KVS__LOG_AT(lg, KVS_LOG_ERROR, item)
#define KVS__LOGF_ERROR(lg, item, ...) KVS__LOGF_AT(lg, KVS_LOG_ERROR, item, __VA_ARGS__)
#else
#define KVS__LOG_ERROR(lg, item) KVS__LOG_NOTE(lg, item)
#define KVS__LOGF_ERROR(lg, item, ...) KVS__LOG_NOTE(lg, item)
#endif
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_WARN
#define KVS__LOG_WARN(lg, item) KVS__LOG_AT(lg, KVS_LOG_WARN, item)
#define KVS__LOGF_WARN(lg, item, ...) KVS__LOGF_AT(lg, KVS_LOG_WARN, item, __VA_ARGS__)
#else
#define KVS__LOG_WARN(lg, item) KVS__LOG_NOTE(lg, item)
#define KVS__LOGF_WARN(lg, item, ...) KVS__LOG_NOTE(lg, item)
#endif
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_INFO
#define KVS__LOG_INFO(lg, item) KVS__LOG_AT(lg, KVS_LOG_INFO, item)
#define KVS__LOGF_INFO(lg, item, ...) KVS__LOGF_AT(lg, KVS_LOG_INFO, item, __VA_ARGS__)
#else
#define KVS__LOG_INFO(lg, item) KVS__LOG_OFF(lg, item)
#define KVS__LOGF_INFO(lg, item, ...) KVS__LOG_OFF(lg, item)
#endif
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_DEBUG
#define KVS__LOG_DEBUG(lg, item) KVS__LOG_AT(lg, KVS_LOG_DEBUG, item)
#define KVS__LOGF_DEBUG(lg, item, ...) KVS__LOGF_AT(lg, KVS_LOG_DEBUG, item, __VA_ARGS__)
#else
#define KVS__LOG_DEBUG(lg, item) KVS__LOG_OFF(lg, item)
#define KVS__LOGF_DEBUG(lg, item, ...) KVS__LOG_OFF(lg, item)
#endif
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_TRACE
#define KVS__LOG_TRACE(lg, item) KVS__LOG_AT(lg, KVS_LOG_TRACE, item)
#define KVS__LOGF_TRACE(lg, item, ...) KVS__LOGF_AT(lg, KVS_LOG_TRACE, item, __VA_ARGS__)
#else
#define KVS__LOG_TRACE(lg, item) KVS__LOG_OFF(lg, item)
#define KVS__LOGF_TRACE(lg, item, ...) KVS__LOG_OFF(lg, item)
#endif

/* A hex dump at TRACE: one record per 16 bytes, "offset: hex  ascii". */
KVS_PRIVATE void kvs__log_hexdump(kvs__log *lg, int item, const void *p, size_t n) {
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_TRACE && !KVS_NO_LOG_STRINGS
    const uint8_t *b = (const uint8_t *)p;
    size_t off, i;
    if (!lg || !lg->fn || lg->level < KVS_LOG_TRACE)
        return;
    for (off = 0; off < n; off += 16) {
        char line[80];
        kvs__wr w;
        size_t k = KVS__MIN((size_t)16, n - off);
        kvs__wr_init(&w, line, sizeof line);
        kvs__wr_u8(&w, (uint8_t)"0123456789abcdef"[(off >> 12) & 15u]);
        kvs__wr_u8(&w, (uint8_t)"0123456789abcdef"[(off >> 8) & 15u]);
        kvs__wr_u8(&w, (uint8_t)"0123456789abcdef"[(off >> 4) & 15u]);
        kvs__wr_u8(&w, (uint8_t)"0123456789abcdef"[off & 15u]);
        kvs__wr_cstr(&w, ": ");
        for (i = 0; i < 16; i++) {
            if (i < k)
                kvs__util_hex_encode(&w, b + off + i, 1, 0);
            else
                kvs__wr_cstr(&w, "  ");
            kvs__wr_u8(&w, ' ');
        }
        for (i = 0; i < k; i++)
            kvs__wr_u8(&w, (b[off + i] >= 32 && b[off + i] < 127) ? b[off + i] : (uint8_t)'.');
        (void)kvs__wr_result_str(&w, NULL);
        kvs__log_deliver(lg, KVS_LOG_TRACE, item, line, __LINE__);
    }
#else
    (void)lg;
    (void)item;
    (void)p;
    (void)n;
#endif
}

/* ==== [18] >>mem  the per-client memory accountant ========================================== */
/* depends on: >>prelude, >>log.  entry points: kvs_client_memory_stats (via >>api).
   Every allocation of a client goes through kvs__mem_alloc: the platform allocator (default
   malloc/free unless KVS_NO_MALLOC) behind a small header that records the size, so the accountant
   knows current and peak bytes, can enforce kvs_config.memory_limit and hands the size back to the
   platform's free. With KVS_MEM_FILL, new blocks are filled with 0xAA and freed ones with 0x55,
   so reads of uninitialised or freed memory show up in tests.                                    */

/* The block header: as large and as aligned as the most demanding scalar type, so the payload
   after it keeps the allocator's alignment. */
typedef union kvs__mem_hdr {
    size_t n;
    void *p;
    void (*f)(void);
    uint64_t u;
    double d;
    long double ld;
} kvs__mem_hdr;

#define KVS__MEM_FILL_NEW 0xAA
#define KVS__MEM_FILL_FREED 0x55

#if !KVS_NO_MALLOC
KVS_PRIVATE void *kvs__mem_malloc(void *user, size_t n) {
    (void)user;
    return malloc(n);
}
KVS_PRIVATE void kvs__mem_libc_free(void *user, void *p, size_t n) {
    (void)user;
    (void)n;
    free(p);
}
#endif

/* Set the accountant up over the platform allocator. KVS_ERR_INVALID_ARG (with the log item
   recorded) when alloc/free are unpaired, or missing under KVS_NO_MALLOC. */
KVS_PRIVATE kvs_result kvs__mem_init(kvs__mem *m, const kvs_platform *pf, int *guard, kvs__log *lg,
                                     size_t limit) {
    KVS_MEMSET(m, 0, sizeof *m);
    m->guard = guard;
    m->log = lg;
    m->st.limit = limit;
    if ((pf->alloc == NULL) != (pf->free == NULL)) {
        KVS__LOG_ERROR(lg, PLATFORM_ALLOC_PAIR);
        return KVS_ERR_INVALID_ARG;
    }
    if (pf->alloc) {
        m->alloc = pf->alloc;
        m->free = pf->free;
        m->user = pf->user;
        return KVS_OK;
    }
#if KVS_NO_MALLOC
    KVS__LOG_ERROR(lg, PLATFORM_NO_ALLOC);
    return KVS_ERR_INVALID_ARG;
#else
    m->alloc = kvs__mem_malloc;
    m->free = kvs__mem_libc_free;
    return KVS_OK;
#endif
}

/* n bytes aligned for any type, or NULL (over the limit, platform failure or injected fault;
   counted in failures and logged). */
KVS_PRIVATE void *kvs__mem_alloc(kvs__mem *m, size_t n) {
    kvs__mem_hdr *h;
    if (n > (size_t)-1 - sizeof(kvs__mem_hdr) || (m->st.limit && n > m->st.limit - m->st.current)) {
        m->st.failures++;
        KVS__LOGF_WARN(m->log, MEM_LIMIT, "%lu bytes asked, %lu of %lu in use", (unsigned long)n,
                       (unsigned long)m->st.current, (unsigned long)m->st.limit);
        return NULL;
    }
#if KVS_TESTING
    if (m->fail_after && --m->fail_after == 0) {
        m->st.failures++;
        KVS__LOG_WARN(m->log, MEM_ALLOC_FAILED);
        return NULL;
    }
#endif
    if (m->guard)
        ++*m->guard;
    h = (kvs__mem_hdr *)m->alloc(m->user, sizeof(kvs__mem_hdr) + n);
    if (m->guard)
        --*m->guard;
    if (!h) {
        m->st.failures++;
        KVS__LOGF_WARN(m->log, MEM_ALLOC_FAILED, "%lu bytes", (unsigned long)n);
        return NULL;
    }
    h->n = n;
    m->st.current += n;
    m->st.allocations++;
    if (m->st.current > m->st.peak)
        m->st.peak = m->st.current;
#if KVS_MEM_FILL
    KVS_MEMSET(h + 1, KVS__MEM_FILL_NEW, n);
#endif
    return h + 1;
}

/* Like kvs__mem_alloc, zero-filled. */
KVS_PRIVATE void *kvs__mem_calloc(kvs__mem *m, size_t n) {
    void *p = kvs__mem_alloc(m, n);
    if (p)
        KVS_MEMSET(p, 0, n);
    return p;
}

/* Release a block from kvs__mem_alloc (NULL is ignored). */
KVS_PRIVATE void kvs__mem_free(kvs__mem *m, void *p) {
    kvs__mem_hdr *h;
    size_t n;
    if (!p)
        return;
    h = (kvs__mem_hdr *)p - 1;
    n = h->n;
    KVS_ASSERT(n <= m->st.current);
    m->st.current -= n;
#if KVS_MEM_FILL
    KVS_MEMSET(p, KVS__MEM_FILL_FREED, n);
#endif
    if (m->guard)
        ++*m->guard;
    m->free(m->user, h, sizeof(kvs__mem_hdr) + n);
    if (m->guard)
        --*m->guard;
}

/* ==== [19] >>crypto  BearSSL glue: SHA-1, SHA-256, HMAC, constant-time compare, zeroize, RNG == */
/* depends on: >>prelude, >>util (dates, hex), >>log, BearSSL.  entry points: kvs_cert_*,
   kvs_fingerprint_* (certificates, at the end of the section); the rest serves every secured
   section.
   - Hashes and HMAC are BearSSL's (br_sha1, br_sha256, br_hmac); the HMAC context keeps the keyed
     state, so a key used for many messages (STUN MESSAGE-INTEGRITY, SigV4) is scheduled once.
   - kvs__crypto_zero clears secrets through a volatile pointer, which the compiler may not elide.
   - kvs__crypto_ct_eq compares MACs and fingerprints in time independent of the contents.
   - Random bytes come only from kvs_platform.random through the client's kvs__rng. There is no
     fallback: a missing or failing generator fails the operation with KVS_ERR_CRYPTO and the
     buffer is zeroed, never left partly random.                                               */

#define KVS__CRYPTO_SHA1 1
#define KVS__CRYPTO_SHA256 2
#define KVS__CRYPTO_SHA1_LEN 20
#define KVS__CRYPTO_SHA256_LEN 32

KVS_PRIVATE void kvs__crypto_zero(void *p, size_t n) {
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--)
        *v++ = 0;
}

/* 1 when the n bytes at a and b are equal, else 0; the time depends on n only. */
KVS_PRIVATE int kvs__crypto_ct_eq(const void *a, const void *b, size_t n) {
    const volatile uint8_t *x = (const volatile uint8_t *)a;
    const volatile uint8_t *y = (const volatile uint8_t *)b;
    uint32_t d = 0;
    size_t i;
    for (i = 0; i < n; i++)
        d |= (uint32_t)(x[i] ^ y[i]);
    return (int)(((d - 1u) >> 8) & 1u);
}

KVS_PRIVATE void kvs__crypto_sha1(const void *p, size_t n, uint8_t out[20]) {
    br_sha1_context c;
    br_sha1_init(&c);
    br_sha1_update(&c, p, n);
    br_sha1_out(&c, out);
}

KVS_PRIVATE void kvs__crypto_sha256(const void *p, size_t n, uint8_t out[32]) {
    br_sha256_context c;
    br_sha256_init(&c);
    br_sha256_update(&c, p, n);
    br_sha256_out(&c, out);
}

/* Incremental SHA-256 (SigV4 canonical requests, DTLS transcripts). */
typedef br_sha256_context kvs__crypto_sha256_ctx;
KVS_PRIVATE void kvs__crypto_sha256_init(kvs__crypto_sha256_ctx *c) {
    br_sha256_init(c);
}
KVS_PRIVATE void kvs__crypto_sha256_update(kvs__crypto_sha256_ctx *c, const void *p, size_t n) {
    br_sha256_update(c, p, n);
}
/* The digest of what was hashed so far; the context may continue. */
KVS_PRIVATE void kvs__crypto_sha256_out(const kvs__crypto_sha256_ctx *c, uint8_t out[32]) {
    br_sha256_out(c, out);
}

typedef struct kvs__crypto_hmac {
    br_hmac_key_context kc; /* the keyed inner/outer states: secret */
    br_hmac_context hc;
} kvs__crypto_hmac;

/* Key an HMAC with SHA-1 or SHA-256 (KVS__CRYPTO_SHA1 / KVS__CRYPTO_SHA256) and start a message. */
KVS_PRIVATE void kvs__crypto_hmac_init(kvs__crypto_hmac *h, int hash, const void *key, size_t klen) {
    br_hmac_key_init(&h->kc, hash == KVS__CRYPTO_SHA1 ? &br_sha1_vtable : &br_sha256_vtable, key,
                     klen);
    br_hmac_init(&h->hc, &h->kc, 0);
}
KVS_PRIVATE void kvs__crypto_hmac_update(kvs__crypto_hmac *h, const void *p, size_t n) {
    br_hmac_update(&h->hc, p, n);
}
/* Write the MAC (20 or 32 bytes; the count is returned) and restart a new message with the same
   key. */
KVS_PRIVATE size_t kvs__crypto_hmac_out(kvs__crypto_hmac *h, void *out) {
    size_t n = br_hmac_out(&h->hc, out);
    br_hmac_init(&h->hc, &h->kc, 0);
    return n;
}
/* Forget the key. */
KVS_PRIVATE void kvs__crypto_hmac_clear(kvs__crypto_hmac *h) {
    kvs__crypto_zero(h, sizeof *h);
}

KVS_PRIVATE void kvs__crypto_hmac_sha1(const void *key, size_t klen, const void *msg, size_t n,
                                       uint8_t out[20]) {
    kvs__crypto_hmac h;
    kvs__crypto_hmac_init(&h, KVS__CRYPTO_SHA1, key, klen);
    kvs__crypto_hmac_update(&h, msg, n);
    (void)kvs__crypto_hmac_out(&h, out);
    kvs__crypto_hmac_clear(&h);
}

KVS_PRIVATE void kvs__crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
                                         uint8_t out[32]) {
    kvs__crypto_hmac h;
    kvs__crypto_hmac_init(&h, KVS__CRYPTO_SHA256, key, klen);
    kvs__crypto_hmac_update(&h, msg, n);
    (void)kvs__crypto_hmac_out(&h, out);
    kvs__crypto_hmac_clear(&h);
}

KVS_PRIVATE void kvs__crypto_rng_init(kvs__rng *r, const kvs_platform *pf, int *guard,
                                      kvs__log *lg) {
    r->fn = pf->random;
    r->user = pf->user;
    r->guard = guard;
    r->log = lg;
}

/* n bytes from the platform's generator. KVS_OK, or KVS_ERR_CRYPTO (log item RANDOM_FAILED or
   PLATFORM_NO_RANDOM) with buf zeroed. */
KVS_PRIVATE kvs_result kvs__crypto_random(kvs__rng *r, void *buf, size_t n) {
    int rc;
    if (!r->fn) {
        KVS__LOG_ERROR(r->log, PLATFORM_NO_RANDOM);
        kvs__crypto_zero(buf, n);
        return KVS_ERR_CRYPTO;
    }
    if (r->guard)
        ++*r->guard;
    rc = r->fn(r->user, buf, n);
    if (r->guard)
        --*r->guard;
    if (rc != 0) {
        kvs__crypto_zero(buf, n);
        KVS__LOGF_ERROR(r->log, RANDOM_FAILED, "code %d", rc);
        return KVS_ERR_CRYPTO;
    }
    return KVS_OK;
}

/* A uniformly random value in [0, bound) (bound > 0), by rejection sampling. */
KVS_PRIVATE kvs_result kvs__crypto_random_below(kvs__rng *r, uint32_t bound, uint32_t *out) {
    uint8_t b[4];
    uint32_t v, limit;
    kvs_result res;
    KVS_ASSERT(bound > 0);
    limit = (uint32_t)(0xffffffffu - (0xffffffffu % bound + 1u) % bound);
    do {
        res = kvs__crypto_random(r, b, sizeof b);
        if (res != KVS_OK)
            return res;
        v = kvs__get_u32(b);
    } while (v > limit);
    *out = v % bound;
    return KVS_OK;
}

/* --- public-key and record primitives for the DTLS handshake ---------------------------------
   ECDHE on P-256 and X25519 (BearSSL's default EC implementation, constant-time m31/i31 code),
   ECDSA P-256 signatures (RFC 6979 deterministic nonces: signing needs no random bytes), ECDSA and
   RSA PKCS#1 v1.5 verification with a key taken from a peer's X.509 certificate, the TLS 1.2 PRF
   with SHA-256, and AES-128-GCM (AES-NI and PCLMUL when the CPU has them, else BearSSL's
   constant-time 64-bit or 32-bit code).                                                      */

#define KVS__CRYPTO_GROUP_P256 23   /* TLS NamedGroup secp256r1 */
#define KVS__CRYPTO_GROUP_X25519 29 /* TLS NamedGroup x25519 */
#define KVS__CRYPTO_SIG_ECDSA_SHA256 0x0403
#define KVS__CRYPTO_SIG_RSA_SHA256 0x0401
#define KVS__CRYPTO_KEY_EC 1
#define KVS__CRYPTO_KEY_RSA 2
#define KVS__CRYPTO_ECDSA_SIG_MAX 72 /* DER ECDSA P-256 signature, worst case */

/* A peer's public key, copied out of its certificate. */
typedef struct kvs__crypto_pubkey {
    int type;          /* KVS__CRYPTO_KEY_EC (P-256 only) or KVS__CRYPTO_KEY_RSA */
    uint8_t ec[65];    /* uncompressed P-256 point */
    uint8_t n[512];    /* RSA modulus, big-endian, 1024..4096 bits */
    size_t n_len;
    uint8_t e[8];      /* RSA public exponent */
    size_t e_len;
} kvs__crypto_pubkey;

/* An ephemeral ECDHE key pair. */
typedef struct kvs__crypto_ecdhe {
    int group;
    uint8_t priv[32]; /* secret */
    uint8_t pub[65];  /* P-256: 65-byte uncompressed point; X25519: 32 bytes */
    size_t pub_len;
} kvs__crypto_ecdhe;

/* A BearSSL HMAC-DRBG over SHA-256 as the br_prng_class some BearSSL calls want, seeded from the
   platform generator. Lives on the stack for one operation and is zeroed afterwards. */
KVS_PRIVATE kvs_result kvs__crypto_drbg_seed(br_hmac_drbg_context *d, kvs__rng *r) {
    uint8_t seed[48];
    kvs_result res = kvs__crypto_random(r, seed, sizeof seed);
    if (res != KVS_OK)
        return res;
    br_hmac_drbg_init(d, &br_sha256_vtable, seed, sizeof seed);
    kvs__crypto_zero(seed, sizeof seed);
    return KVS_OK;
}

/* A fresh key pair on `group` (KVS__CRYPTO_GROUP_P256 or _X25519). KVS_ERR_UNSUPPORTED for other
   groups, KVS_ERR_CRYPTO when the generator fails. */
KVS_PRIVATE kvs_result kvs__crypto_ecdhe_keygen(kvs__crypto_ecdhe *e, int group, kvs__rng *r) {
    const br_ec_impl *impl = br_ec_get_default();
    br_hmac_drbg_context drbg;
    br_ec_private_key sk;
    kvs_result res;
    size_t xlen;
    KVS_MEMSET(e, 0, sizeof *e);
    if (group != KVS__CRYPTO_GROUP_P256 && group != KVS__CRYPTO_GROUP_X25519)
        return KVS_ERR_UNSUPPORTED;
    res = kvs__crypto_drbg_seed(&drbg, r);
    if (res != KVS_OK)
        return res;
    xlen = br_ec_keygen(&drbg.vtable, impl, &sk, e->priv, group);
    kvs__crypto_zero(&drbg, sizeof drbg);
    if (xlen != 32)
        return KVS_ERR_CRYPTO;
    e->pub_len = br_ec_compute_pub(impl, NULL, e->pub, &sk);
    if (e->pub_len != (group == KVS__CRYPTO_GROUP_P256 ? 65u : 32u)) {
        kvs__crypto_zero(e, sizeof *e);
        return KVS_ERR_CRYPTO;
    }
    e->group = group;
    return KVS_OK;
}

/* The shared secret with the peer's public value: the 32-byte X coordinate (P-256) or the X25519
   output. KVS_ERR_PROTOCOL for a point that is malformed, not on the curve, or of small order
   (an all-zero X25519 result, RFC 7748 section 6.1). */
KVS_PRIVATE kvs_result kvs__crypto_ecdhe_shared(const kvs__crypto_ecdhe *e, const uint8_t *peer,
                                                size_t n, uint8_t out[32]) {
    const br_ec_impl *impl = br_ec_get_default();
    uint8_t g[65];
    size_t xoff, xlen;
    uint32_t ok, nz = 0;
    size_t i;
    if (n != e->pub_len || n > sizeof g)
        return KVS_ERR_PROTOCOL;
    KVS_MEMCPY(g, peer, n);
    ok = impl->mul(g, n, e->priv, sizeof e->priv, e->group);
    xoff = impl->xoff(e->group, &xlen);
    if (ok && xlen == 32) {
        KVS_MEMCPY(out, g + xoff, 32);
        for (i = 0; i < 32; i++)
            nz |= out[i];
    }
    kvs__crypto_zero(g, sizeof g);
    if (!ok || xlen != 32 || nz == 0) {
        kvs__crypto_zero(out, 32);
        return KVS_ERR_PROTOCOL;
    }
    return KVS_OK;
}

/* ECDSA P-256 signature of a SHA-256 hash with the private scalar key[32], DER-encoded into
   sig (at least KVS__CRYPTO_ECDSA_SIG_MAX bytes). Returns the length, 0 on failure. */
KVS_PRIVATE size_t kvs__crypto_ecdsa_sign(const uint8_t key[32], const uint8_t hash[32],
                                          uint8_t sig[KVS__CRYPTO_ECDSA_SIG_MAX]) {
    br_ec_private_key sk;
    uint8_t x[32];
    size_t n;
    KVS_MEMCPY(x, key, 32);
    sk.curve = BR_EC_secp256r1;
    sk.x = x;
    sk.xlen = 32;
    n = br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), &br_sha256_vtable, hash, &sk, sig);
    kvs__crypto_zero(x, sizeof x);
    return n;
}

/* 1 when q[65] is an uncompressed point on P-256 (BearSSL's point decoding, through a scalar
   multiplication by 1, which validates the encoding and the curve equation). */
KVS_PRIVATE int kvs__crypto_p256_point_ok(const uint8_t q[65]) {
    static const uint8_t one[1] = {1};
    uint8_t g[65];
    uint32_t ok;
    KVS_MEMCPY(g, q, 65);
    ok = br_ec_get_default()->mul(g, 65, one, 1, BR_EC_secp256r1);
    return ok == 1;
}

/* The public key of a DER X.509 certificate. KVS_ERR_PARSE for a certificate BearSSL cannot
   decode; KVS_ERR_UNSUPPORTED for keys other than P-256 ECDSA and RSA of 1024-4096 bits. */
KVS_PRIVATE kvs_result kvs__crypto_cert_pubkey(const uint8_t *der, size_t n, kvs__crypto_pubkey *pk) {
    br_x509_decoder_context dc;
    const br_x509_pkey *k;
    KVS_MEMSET(pk, 0, sizeof *pk);
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, der, n);
    k = br_x509_decoder_get_pkey(&dc);
    if (!k)
        return KVS_ERR_PARSE;
    if (k->key_type == BR_KEYTYPE_EC) {
        if (k->key.ec.curve != BR_EC_secp256r1 || k->key.ec.qlen != 65)
            return KVS_ERR_UNSUPPORTED;
        if (k->key.ec.q[0] != 0x04 || !kvs__crypto_p256_point_ok(k->key.ec.q))
            return KVS_ERR_PARSE; /* BearSSL's decoder checks neither the form nor the curve */
        pk->type = KVS__CRYPTO_KEY_EC;
        KVS_MEMCPY(pk->ec, k->key.ec.q, 65);
        return KVS_OK;
    }
    if (k->key_type == BR_KEYTYPE_RSA) {
        const uint8_t *nn = k->key.rsa.n;
        size_t nlen = k->key.rsa.nlen, elen = k->key.rsa.elen;
        while (nlen > 0 && nn[0] == 0) {
            nn++;
            nlen--;
        }
        if (nlen < 128 || nlen > sizeof pk->n || elen == 0 || elen > sizeof pk->e)
            return KVS_ERR_UNSUPPORTED;
        pk->type = KVS__CRYPTO_KEY_RSA;
        KVS_MEMCPY(pk->n, nn, nlen);
        pk->n_len = nlen;
        KVS_MEMCPY(pk->e, k->key.rsa.e, elen);
        pk->e_len = elen;
        return KVS_OK;
    }
    return KVS_ERR_UNSUPPORTED;
}

/* Verify a TLS signature (scheme KVS__CRYPTO_SIG_ECDSA_SHA256 or _RSA_SHA256) of a SHA-256 hash.
   KVS_OK, or KVS_ERR_AUTH (bad signature, or a scheme that does not match the key). */
KVS_PRIVATE kvs_result kvs__crypto_verify(const kvs__crypto_pubkey *pk, int scheme,
                                          const uint8_t hash[32], const uint8_t *sig, size_t n) {
    if (pk->type == KVS__CRYPTO_KEY_EC && scheme == KVS__CRYPTO_SIG_ECDSA_SHA256) {
        br_ec_public_key k;
        uint8_t q[65];
        KVS_MEMCPY(q, pk->ec, 65);
        k.curve = BR_EC_secp256r1;
        k.q = q;
        k.qlen = 65;
        return br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(), hash, 32, &k, sig, n)
                   ? KVS_OK
                   : KVS_ERR_AUTH;
    }
    if (pk->type == KVS__CRYPTO_KEY_RSA && scheme == KVS__CRYPTO_SIG_RSA_SHA256) {
        br_rsa_public_key k;
        uint8_t nn[512], ee[8], out[32];
        if (n != pk->n_len)
            return KVS_ERR_AUTH;
        KVS_MEMCPY(nn, pk->n, pk->n_len);
        KVS_MEMCPY(ee, pk->e, pk->e_len);
        k.n = nn;
        k.nlen = pk->n_len;
        k.e = ee;
        k.elen = pk->e_len;
        if (!br_rsa_pkcs1_vrfy_get_default()(sig, n, BR_HASH_OID_SHA256, 32, &k, out))
            return KVS_ERR_AUTH;
        return kvs__crypto_ct_eq(out, hash, 32) ? KVS_OK : KVS_ERR_AUTH;
    }
    return KVS_ERR_AUTH;
}

/* The TLS 1.2 PRF with SHA-256 (RFC 5246 section 5): len bytes of P_SHA256(secret,
   label + seed1 + seed2). */
KVS_PRIVATE void kvs__crypto_prf(uint8_t *out, size_t len, const uint8_t *secret, size_t slen,
                                 const char *label, const uint8_t *seed1, size_t n1,
                                 const uint8_t *seed2, size_t n2) {
    br_tls_prf_seed_chunk seed[2];
    seed[0].data = seed1;
    seed[0].len = n1;
    seed[1].data = seed2;
    seed[1].len = n2;
    br_tls12_sha256_prf(out, len, secret, slen, label, n2 ? 2u : 1u, seed);
}

/* AES-128-GCM with a 16-byte tag. The context points into itself: do not move it after init. */
typedef struct kvs__crypto_gcm {
    br_aes_gen_ctr_keys keys; /* secret */
    br_gcm_context gcm;
} kvs__crypto_gcm;

KVS_PRIVATE void kvs__crypto_gcm_init(kvs__crypto_gcm *g, const uint8_t key[16]) {
    const br_block_ctr_class *aes = br_aes_x86ni_ctr_get_vtable();
    br_ghash gh = br_ghash_pclmul_get();
    if (!aes)
        aes = (sizeof(void *) >= 8) ? &br_aes_ct64_ctr_vtable : &br_aes_ct_ctr_vtable;
    if (!gh)
        gh = (sizeof(void *) >= 8) ? br_ghash_ctmul64 : br_ghash_ctmul;
    aes->init(&g->keys.vtable, key, 16);
    br_gcm_init(&g->gcm, &g->keys.vtable, gh);
}

/* Encrypt data[0..n) in place and write the tag. */
KVS_PRIVATE void kvs__crypto_gcm_seal(kvs__crypto_gcm *g, const uint8_t nonce[12], const uint8_t *aad,
                                      size_t alen, uint8_t *data, size_t n, uint8_t tag[16]) {
    br_gcm_reset(&g->gcm, nonce, 12);
    br_gcm_aad_inject(&g->gcm, aad, alen);
    br_gcm_flip(&g->gcm);
    br_gcm_run(&g->gcm, 1, data, n);
    br_gcm_get_tag(&g->gcm, tag);
}

/* Check the tag and decrypt data[0..n) in place. 1 when authentic; 0 otherwise (data is then
   garbage and must be dropped). The tag is checked in constant time. */
KVS_PRIVATE int kvs__crypto_gcm_open(kvs__crypto_gcm *g, const uint8_t nonce[12], const uint8_t *aad,
                                     size_t alen, uint8_t *data, size_t n, const uint8_t tag[16]) {
    br_gcm_reset(&g->gcm, nonce, 12);
    br_gcm_aad_inject(&g->gcm, aad, alen);
    br_gcm_flip(&g->gcm);
    br_gcm_run(&g->gcm, 0, data, n);
    return (int)br_gcm_check_tag(&g->gcm, tag);
}

/* --- certificates and fingerprints: a DER writer, the self-signed certificate, import --------
   The own DTLS identity of >>api-cert. Sources: RFC 5280 (X.509 profile), ITU-T X.690 section
   10 (DER), RFC 5480 and RFC 5758 section 3.2 (EC keys and ecdsa-with-SHA256 in X.509), RFC 5915
   and RFC 5208 / 5958 (SEC1 and PKCS#8 private keys), RFC 7468 (PEM), RFC 8122 section 5 (the
   SDP a=fingerprint grammar with hash names as RFC 4566 tokens; the hash is taken over the DER
   certificate with the hash function of its signature, so SHA-256 here), as JSEP (RFC 8829)
   uses it.

   What kvs_cert_generate writes, field by field (DER, every length in minimal form):
     Certificate SEQUENCE {
       tbsCertificate SEQUENCE {
         version               [0] EXPLICIT INTEGER 2 (v3)
         serialNumber          INTEGER, 16 content bytes: random, top bit cleared and bit 6 set,
                               so the value is positive, minimally encoded and always exactly 16
                               bytes long (126 random bits; RFC 5280 4.1.2.2 allows 20 octets)
         signature             SEQUENCE { OID 1.2.840.10045.4.3.2 ecdsa-with-SHA256 }, the
                               parameters absent (RFC 5758 section 3.2)
         issuer                SEQUENCE { SET { SEQUENCE { OID 2.5.4.3 commonName,
                                                           UTF8String common name } } }
         validity              SEQUENCE { notBefore now - 1 day (never before 1970-01-01),
                                          notAfter now + validity days }
         subject               the same Name as the issuer (self-signed)
         subjectPublicKeyInfo  SEQUENCE { SEQUENCE { OID 1.2.840.10045.2.1 id-ecPublicKey,
                                                     OID 1.2.840.10045.3.1.7 secp256r1 },
                                          BIT STRING 04 || X || Y } (RFC 5480 section 2)
       }
       signatureAlgorithm      the same AlgorithmIdentifier as `signature`
       signatureValue          BIT STRING, 0 unused bits, the DER Ecdsa-Sig-Value
     }
   Times follow RFC 5280 4.1.2.5: UTCTime "YYMMDDHHMMSSZ" for the years 1950-2049 (so 1970-2049
   here), GeneralizedTime "YYYYMMDDHHMMSSZ" from 2050 on; seconds always present, always UTC.
   No extensions: the peer authenticates the certificate by its fingerprint, never through a
   chain, so basicConstraints, key usage or alternative names would add bytes and nothing else.
   Version 3 without extensions departs from RFC 5280 4.1.2.1's "SHOULD be v1", on purpose: it
   is what libwebrtc (Chrome) generates, so every WebRTC stack accepts exactly this profile.
   The common name is printable UTF-8 (RFC 3629, no C0/C1 controls, no DEL) of 1..64 characters
   (ub-common-name), written as UTF8String (RFC 5280 4.1.2.4: MUST for new certificates).
   ECDSA signing uses RFC 6979 nonces, so the same random bytes and the same time give the same
   certificate, byte for byte.

   What kvs_cert_import accepts: a DER certificate (exactly one SEQUENCE, nothing after it) or
   PEM text, where the first "CERTIFICATE" object is taken and everything else is skipped; a DER
   private key (one SEQUENCE) or PEM text whose first "EC PRIVATE KEY" (SEC1) or "PRIVATE KEY"
   (unencrypted PKCS#8) object is taken. BearSSL's decoders do the work (br_pem_decoder_*,
   br_skey_decoder_*, br_x509_decoder_* through kvs__crypto_cert_pubkey); CR LF line ends and a
   missing final newline after the END line are tolerated. The certificate's key must be P-256
   ECDSA; the private scalar must satisfy 0 < x < n, and x G must equal the certificate's point.
   Nothing is ever pushed into a BearSSL decoder that has stopped (see kvs__crypto_sink_push).

   The DER writer sits on kvs__wr: kvs__crypto_der_open writes the tag and reserves a 3-byte
   length, kvs__crypto_der_close rewrites that length in minimal form and moves the contents
   down, so nested elements are written in one pass (and measured when they do not fit). The
   reader kvs__crypto_der_next takes strict DER headers only: low tag numbers, definite lengths
   in minimal form, at most three length bytes.                                              */

#define KVS__CRYPTO_DER_INTEGER 0x02
#define KVS__CRYPTO_DER_BIT_STRING 0x03
#define KVS__CRYPTO_DER_UTF8STRING 0x0c
#define KVS__CRYPTO_DER_UTCTIME 0x17
#define KVS__CRYPTO_DER_GENTIME 0x18
#define KVS__CRYPTO_DER_SEQUENCE 0x30
#define KVS__CRYPTO_DER_SET 0x31
#define KVS__CRYPTO_CN_DEFAULT "kvswebrtc"
#define KVS__CRYPTO_CN_MAX_CHARS 64 /* ub-common-name, RFC 5280 appendix A.1 */
#define KVS__CRYPTO_VALIDITY_DEFAULT 30
#define KVS__CRYPTO_VALIDITY_MAX 3650
#define KVS__CRYPTO_DAY 86400

/* AlgorithmIdentifier { ecdsa-with-SHA256 } */
static const uint8_t kvs__crypto_der_alg_ecdsa_sha256[12] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
/* SubjectPublicKeyInfo for P-256 up to the point: the 65-byte point follows */
static const uint8_t kvs__crypto_der_spki_p256[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
/* version [0] EXPLICIT INTEGER 2 */
static const uint8_t kvs__crypto_der_v3[5] = {0xa0, 0x03, 0x02, 0x01, 0x02};
/* OID id-at-commonName */
static const uint8_t kvs__crypto_der_oid_cn[5] = {0x06, 0x03, 0x55, 0x04, 0x03};
/* The order n of the P-256 group, big-endian. */
static const uint8_t kvs__crypto_p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* --- DER reader ------------------------------------------------------------------------------- */

/* Read one element from r: *tag = its identifier octet, *body = a cursor over its contents; r
   moves past it. 1, or 0 (r->err and body->err set, *tag = 0) for a truncated element or a
   header that is not strict DER. */
KVS_PRIVATE int kvs__crypto_der_next(kvs__rd *r, uint8_t *tag, kvs__rd *body) {
    uint8_t t = kvs__rd_u8(r), l = kvs__rd_u8(r);
    size_t n = 0, k, i;
    int ok = kvs__rd_ok(r) && (t & 0x1fu) != 0x1fu; /* high tag numbers are never used here */
    if (ok && l < 0x80) {
        n = l;
    } else if (ok) {
        k = l & 0x7fu;
        ok = k >= 1 && k <= 3; /* 0x80 = indefinite length (BER only) */
        for (i = 0; ok && i < k; i++)
            n = (n << 8) | kvs__rd_u8(r);
        /* minimal: long form only from 128 on, no leading zero length byte */
        ok = ok && kvs__rd_ok(r) && n >= 0x80 && (k == 1 || (n >> (8 * (k - 1))) != 0);
    }
    if (ok) {
        *body = kvs__rd_sub(r, n);
        ok = kvs__rd_ok(r);
    }
    if (!ok) {
        r->err = 1;
        kvs__rd_init(body, NULL, 0);
        body->err = 1;
        *tag = 0;
        return 0;
    }
    *tag = t;
    return 1;
}

/* 1 when p[0..n) is exactly one DER SEQUENCE, with nothing after it. */
KVS_PRIVATE int kvs__crypto_der_is_seq(const uint8_t *p, size_t n) {
    kvs__rd r, body;
    uint8_t tag;
    kvs__rd_init(&r, p, n);
    return kvs__crypto_der_next(&r, &tag, &body) && tag == KVS__CRYPTO_DER_SEQUENCE &&
           kvs__rd_left(&r) == 0;
}

/* Slice a certificate: *tbs = the whole tbsCertificate element (header included: the signed
   bytes), *sig = the contents of signatureValue after the unused-bits octet (for ECDSA, the DER
   Ecdsa-Sig-Value). KVS_OK or KVS_ERR_PARSE. Checks the outer structure only. */
KVS_PRIVATE kvs_result kvs__crypto_cert_split(const uint8_t *der, size_t n, kvs__rd *tbs,
                                              kvs__rd *sig) {
    kvs__rd r, cert, body;
    const uint8_t *start;
    uint8_t tag;
    kvs__rd_init(&r, der, n);
    if (!kvs__crypto_der_next(&r, &tag, &cert) || tag != KVS__CRYPTO_DER_SEQUENCE ||
        kvs__rd_left(&r) != 0)
        return KVS_ERR_PARSE;
    start = cert.p;
    if (!kvs__crypto_der_next(&cert, &tag, &body) || tag != KVS__CRYPTO_DER_SEQUENCE)
        return KVS_ERR_PARSE;
    kvs__rd_init(tbs, start, (size_t)(cert.p - start));
    if (!kvs__crypto_der_next(&cert, &tag, &body) || tag != KVS__CRYPTO_DER_SEQUENCE)
        return KVS_ERR_PARSE;
    if (!kvs__crypto_der_next(&cert, &tag, sig) || tag != KVS__CRYPTO_DER_BIT_STRING ||
        kvs__rd_left(&cert) != 0 || kvs__rd_u8(sig) != 0 || !kvs__rd_ok(sig))
        return KVS_ERR_PARSE;
    return KVS_OK;
}

/* --- DER writer ------------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__crypto_der_len(kvs__wr *w, size_t n) {
    if (n < 0x80) {
        kvs__wr_u8(w, (uint8_t)n);
    } else if (n < 0x100) {
        kvs__wr_u8(w, 0x81);
        kvs__wr_u8(w, (uint8_t)n);
    } else if (n < 0x10000) {
        kvs__wr_u8(w, 0x82);
        kvs__wr_u16(w, (uint16_t)n);
    } else {
        kvs__wr_u8(w, 0x83);
        kvs__wr_u24(w, (uint32_t)n);
    }
}

/* A primitive element: tag, length, n bytes. */
KVS_PRIVATE void kvs__crypto_der_prim(kvs__wr *w, uint8_t tag, const void *p, size_t n) {
    kvs__wr_u8(w, tag);
    kvs__crypto_der_len(w, n);
    kvs__wr_bytes(w, p, n);
}

/* Start a constructed element; returns the offset to pass to kvs__crypto_der_close. */
KVS_PRIVATE size_t kvs__crypto_der_open(kvs__wr *w, uint8_t tag) {
    size_t at = w->len;
    kvs__wr_u8(w, tag);
    kvs__wr_fill(w, 0, 3);
    return at;
}

/* End the element opened at `at`: its contents are everything written since. Contents of 64 KB
   or more are refused (w->err), far above any element written here. */
KVS_PRIVATE void kvs__crypto_der_close(kvs__wr *w, size_t at) {
    uint8_t h[3];
    size_t n, hl;
    if (w->err == 2 || w->len < at + 4) {
        w->err = 2;
        return;
    }
    n = w->len - (at + 4);
    if (n < 0x80) {
        h[0] = (uint8_t)n;
        hl = 1;
    } else if (n < 0x100) {
        h[0] = 0x81;
        h[1] = (uint8_t)n;
        hl = 2;
    } else if (n < 0x10000) {
        h[0] = 0x82;
        h[1] = (uint8_t)(n >> 8);
        h[2] = (uint8_t)n;
        hl = 3;
    } else {
        w->err = 1;
        return;
    }
    if (!w->err) { /* no overflow so far: every byte up to len is stored */
        KVS_MEMCPY(w->p + at + 1, h, hl);
        if (hl < 3)
            KVS_MEMMOVE(w->p + at + 1 + hl, w->p + at + 4, n);
    }
    w->len -= 3 - hl;
}

/* INTEGER from an unsigned big-endian value (leading zeros dropped, 0x00 added when the top bit
   is set, so the value stays positive). */
KVS_PRIVATE void kvs__crypto_der_uint(kvs__wr *w, const uint8_t *p, size_t n) {
    size_t pad;
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    if (n == 0) {
        kvs__crypto_der_prim(w, KVS__CRYPTO_DER_INTEGER, "", 1); /* the NUL: INTEGER 0 */
        return;
    }
    pad = p[0] >= 0x80 ? 1u : 0u;
    kvs__wr_u8(w, KVS__CRYPTO_DER_INTEGER);
    kvs__crypto_der_len(w, n + pad);
    if (pad)
        kvs__wr_u8(w, 0);
    kvs__wr_bytes(w, p, n);
}

/* UTCTime (1950-2049) or GeneralizedTime, RFC 5280 4.1.2.5. KVS_ERR_INVALID_ARG outside
   1970..9999. */
KVS_PRIVATE kvs_result kvs__crypto_der_time(kvs__wr *w, int64_t t) {
    kvs__util_tm tm;
    char s[15];
    int utc;
    size_t y;
    if (kvs__util_gmtime(t, &tm) != KVS_OK)
        return KVS_ERR_INVALID_ARG;
    utc = tm.year >= 1950 && tm.year <= 2049;
    y = utc ? 2u : 4u;
    kvs__util_put_dec(s, utc ? tm.year % 100 : tm.year, (int)y);
    kvs__util_put_dec(s + y, tm.mon, 2);
    kvs__util_put_dec(s + y + 2, tm.day, 2);
    kvs__util_put_dec(s + y + 4, tm.hour, 2);
    kvs__util_put_dec(s + y + 6, tm.min, 2);
    kvs__util_put_dec(s + y + 8, tm.sec, 2);
    s[y + 10] = 'Z';
    kvs__crypto_der_prim(w, utc ? KVS__CRYPTO_DER_UTCTIME : KVS__CRYPTO_DER_GENTIME, s, y + 11);
    return KVS_OK;
}

/* Name: one RDN with one commonName attribute, UTF8String. */
KVS_PRIVATE void kvs__crypto_der_name_cn(kvs__wr *w, const char *cn, size_t n) {
    size_t name, rdn, atv;
    name = kvs__crypto_der_open(w, KVS__CRYPTO_DER_SEQUENCE);
    rdn = kvs__crypto_der_open(w, KVS__CRYPTO_DER_SET);
    atv = kvs__crypto_der_open(w, KVS__CRYPTO_DER_SEQUENCE);
    kvs__wr_bytes(w, kvs__crypto_der_oid_cn, sizeof kvs__crypto_der_oid_cn);
    kvs__crypto_der_prim(w, KVS__CRYPTO_DER_UTF8STRING, cn, n);
    kvs__crypto_der_close(w, atv);
    kvs__crypto_der_close(w, rdn);
    kvs__crypto_der_close(w, name);
}

/* --- the self-signed certificate -------------------------------------------------------------- */

/* The byte length of an acceptable common name: printable UTF-8 (well-formed per RFC 3629, no
   C0 or C1 control, no DEL) of 1..KVS__CRYPTO_CN_MAX_CHARS characters. 0 when it is not. Reads
   at most 4 x 64 bytes of s. */
KVS_PRIVATE size_t kvs__crypto_cn_len(const char *s) {
    const uint8_t *b = (const uint8_t *)s;
    size_t i = 0, chars = 0, k, more;
    uint32_t c, min;
    while (b[i]) {
        if (++chars > KVS__CRYPTO_CN_MAX_CHARS)
            return 0;
        c = b[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            c &= 0x1fu;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            c &= 0x0fu;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            c &= 0x07u;
            min = 0x10000;
        } else {
            return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
        }
        for (k = 1; k <= more; k++) {
            if ((b[i + k] & 0xc0u) != 0x80u) /* also stops at the NUL */
                return 0;
            c = (c << 6) | (b[i + k] & 0x3fu);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c <= 0x9f)
            return 0; /* overlong, out of range, a surrogate, a C1 control */
        i += more + 1;
    }
    return i;
}

/* Write the certificate for the key pair (key, pub) into w, per the profile above.
   KVS_OK; KVS_ERR_INVALID_ARG for a time outside 1970..9999; KVS_ERR_LIMIT when it does not fit
   w; KVS_ERR_CRYPTO when signing fails. */
KVS_PRIVATE kvs_result kvs__crypto_cert_build(kvs__wr *w, const uint8_t key[32],
                                              const uint8_t pub[65], const uint8_t serial[16],
                                              const char *cn, size_t cn_len, int64_t not_before,
                                              int64_t not_after) {
    kvs__util_tm tm;
    uint8_t hash[32], sig[KVS__CRYPTO_ECDSA_SIG_MAX];
    size_t cert, tbs, seq, sig_len;
    if (kvs__util_gmtime(not_before, &tm) != KVS_OK || kvs__util_gmtime(not_after, &tm) != KVS_OK)
        return KVS_ERR_INVALID_ARG;
    if (!w->p || w->err) /* the signature needs the TBS bytes: a measuring cursor cannot sign */
        return KVS_ERR_LIMIT;
    cert = kvs__crypto_der_open(w, KVS__CRYPTO_DER_SEQUENCE);
    tbs = kvs__crypto_der_open(w, KVS__CRYPTO_DER_SEQUENCE);
    kvs__wr_bytes(w, kvs__crypto_der_v3, sizeof kvs__crypto_der_v3);
    kvs__crypto_der_uint(w, serial, 16);
    kvs__wr_bytes(w, kvs__crypto_der_alg_ecdsa_sha256, sizeof kvs__crypto_der_alg_ecdsa_sha256);
    kvs__crypto_der_name_cn(w, cn, cn_len); /* issuer */
    seq = kvs__crypto_der_open(w, KVS__CRYPTO_DER_SEQUENCE);
    (void)kvs__crypto_der_time(w, not_before);
    (void)kvs__crypto_der_time(w, not_after);
    kvs__crypto_der_close(w, seq);
    kvs__crypto_der_name_cn(w, cn, cn_len); /* subject */
    kvs__wr_bytes(w, kvs__crypto_der_spki_p256, sizeof kvs__crypto_der_spki_p256);
    kvs__wr_bytes(w, pub, 65);
    kvs__crypto_der_close(w, tbs);
    if (w->err)
        return KVS_ERR_LIMIT;
    kvs__crypto_sha256(w->p + tbs, w->len - tbs, hash); /* the TBS now spans [tbs, len) */
    sig_len = kvs__crypto_ecdsa_sign(key, hash, sig);
    if (sig_len == 0 || sig_len > sizeof sig)
        return KVS_ERR_CRYPTO;
    kvs__wr_bytes(w, kvs__crypto_der_alg_ecdsa_sha256, sizeof kvs__crypto_der_alg_ecdsa_sha256);
    seq = kvs__crypto_der_open(w, KVS__CRYPTO_DER_BIT_STRING);
    kvs__wr_u8(w, 0); /* unused bits */
    kvs__wr_bytes(w, sig, sig_len);
    kvs__crypto_der_close(w, seq);
    kvs__crypto_der_close(w, cert);
    return w->err ? KVS_ERR_LIMIT : KVS_OK;
}

/* --- import ----------------------------------------------------------------------------------- */

/* Where decoded PEM bytes go: a bounded buffer, or a private key decoder. */
typedef struct kvs__crypto_sink {
    uint8_t *buf;
    size_t cap, len;
    int over; /* 1: more than cap bytes arrived, or bytes the key decoder could not take */
    br_skey_decoder_context *sk;
} kvs__crypto_sink;

/* The PEM decoder's output callback. Bytes go into the key decoder only while it still wants
   more: BearSSL 0.6's br_skey_decoder crashes (NULL instruction pointer) when fed again after it
   stopped on an error, so later bytes only mark the sink `over` (a malformed object). */
KVS_PRIVATE void kvs__crypto_sink_push(void *ctx, const void *p, size_t n) {
    kvs__crypto_sink *s = (kvs__crypto_sink *)ctx;
    if (s->sk) {
        if (br_skey_decoder_last_error(s->sk) == BR_ERR_X509_TRUNCATED)
            br_skey_decoder_push(s->sk, p, n);
        else
            s->over = 1;
    } else if (!s->over && n <= s->cap - s->len) {
        KVS_MEMCPY(s->buf + s->len, p, n);
    } else {
        s->over = 1;
    }
    s->len += n;
}

#define KVS__CRYPTO_PEM_CERT 0
#define KVS__CRYPTO_PEM_KEY 1

/* 1 when a PEM object name (upper case, as BearSSL reports it) is what `want` takes; 2 for
   another kind of private key (RSA, encrypted, ...); 0 for anything else. Trailing dashes and
   blanks are ignored: BearSSL 0.6 keeps the dashes of a banner line that ends in CR LF. */
KVS_PRIVATE int kvs__crypto_pem_kind(const char *name, int want) {
    size_t n = KVS_STRLEN(name);
    while (n > 0 && (name[n - 1] == '-' || name[n - 1] == ' ' || name[n - 1] == '\r'))
        n--;
    if (want == KVS__CRYPTO_PEM_CERT)
        return n == 11 && KVS_MEMCMP(name, "CERTIFICATE", 11) == 0;
    if ((n == 14 && KVS_MEMCMP(name, "EC PRIVATE KEY", 14) == 0) ||
        (n == 11 && KVS_MEMCMP(name, "PRIVATE KEY", 11) == 0))
        return 1;
    return (n >= 11 && KVS_MEMCMP(name + n - 11, "PRIVATE KEY", 11) == 0) ? 2 : 0;
}

/* Stream the decoded contents of the first PEM object of kind `want` in p[0..n) into s.
   KVS_OK; KVS_ERR_PARSE for a malformed object or no such object; KVS_ERR_UNSUPPORTED when the
   text holds only private keys of another kind. */
KVS_PRIVATE kvs_result kvs__crypto_pem_find(br_pem_decoder_context *pc, const uint8_t *p, size_t n,
                                            int want, kvs__crypto_sink *s) {
    size_t k;
    int ev, kind, extra_nl = 1, inside = 0, other = 0;
    br_pem_decoder_init(pc);
    for (;;) {
        if (n > 0) {
            k = br_pem_decoder_push(pc, p, n);
            p += k;
            n -= k;
        } else if (extra_nl) { /* tolerate a missing newline after the END line */
            k = br_pem_decoder_push(pc, "\n", 1);
            extra_nl = k == 0;
        } else {
            k = 0;
        }
        ev = br_pem_decoder_event(pc);
        if (ev == BR_PEM_BEGIN_OBJ) {
            kind = kvs__crypto_pem_kind(br_pem_decoder_name(pc), want);
            other |= kind == 2;
            inside = kind == 1;
            if (inside)
                br_pem_decoder_setdest(pc, kvs__crypto_sink_push, s);
            else
                br_pem_decoder_setdest(pc, NULL, NULL);
        } else if (ev == BR_PEM_END_OBJ || ev == BR_PEM_ERROR) {
            if (inside)
                return ev == BR_PEM_END_OBJ ? KVS_OK : KVS_ERR_PARSE;
        } else if (k == 0) {
            break; /* all input consumed */
        }
    }
    return (other && !inside) ? KVS_ERR_UNSUPPORTED : KVS_ERR_PARSE;
}

/* The certificate (DER or PEM) into c->der. KVS_OK, KVS_ERR_PARSE or KVS_ERR_LIMIT. */
KVS_PRIVATE kvs_result kvs__crypto_cert_load(kvs_cert *c, br_pem_decoder_context *pc,
                                             const uint8_t *p, size_t n) {
    kvs__crypto_sink s;
    kvs_result res;
    if (kvs__crypto_der_is_seq(p, n)) {
        if (n > sizeof c->der)
            return KVS_ERR_LIMIT;
        KVS_MEMCPY(c->der, p, n);
        c->der_len = n;
        return KVS_OK;
    }
    KVS_MEMSET(&s, 0, sizeof s);
    s.buf = c->der;
    s.cap = sizeof c->der;
    res = kvs__crypto_pem_find(pc, p, n, KVS__CRYPTO_PEM_CERT, &s);
    if (res != KVS_OK)
        return res;
    if (s.over)
        return KVS_ERR_LIMIT;
    if (!kvs__crypto_der_is_seq(c->der, s.len))
        return KVS_ERR_PARSE;
    c->der_len = s.len;
    return KVS_OK;
}

/* 1 when x is a valid P-256 private scalar, 0 < x < n; the time does not depend on x. */
KVS_PRIVATE int kvs__crypto_p256_scalar_ok(const uint8_t x[32]) {
    uint32_t borrow = 0, nz = 0, d;
    int i;
    for (i = 31; i >= 0; i--) {
        d = (uint32_t)x[i] - (uint32_t)kvs__crypto_p256_order[i] - borrow;
        borrow = d >> 31;
        nz |= x[i];
    }
    return (int)(borrow & ((nz + 0xffu) >> 8)); /* x - n borrowed (x < n) and x != 0 */
}

/* Decode the private key (DER or PEM, SEC1 or PKCS#8) with sk, check it and store it in c with
   its public point, which must equal cert_pub. */
KVS_PRIVATE kvs_result kvs__crypto_key_load(kvs_cert *c, br_skey_decoder_context *sk,
                                            br_pem_decoder_context *pc, const uint8_t *p, size_t n,
                                            const uint8_t cert_pub[65]) {
    const br_ec_private_key *ek;
    br_ec_private_key k;
    kvs__crypto_sink s;
    kvs_result res = KVS_OK;
    const uint8_t *x;
    size_t xlen;
    int err;
    br_skey_decoder_init(sk);
    if (kvs__crypto_der_is_seq(p, n)) {
        br_skey_decoder_push(sk, p, n);
    } else {
        KVS_MEMSET(&s, 0, sizeof s);
        s.sk = sk;
        res = kvs__crypto_pem_find(pc, p, n, KVS__CRYPTO_PEM_KEY, &s);
        if (res != KVS_OK)
            return res;
        if (s.over)
            return KVS_ERR_PARSE; /* more bytes after the key, or after a decoding error */
    }
    err = br_skey_decoder_last_error(sk);
    if (err != 0)
        return err == BR_ERR_X509_UNSUPPORTED ? KVS_ERR_UNSUPPORTED : KVS_ERR_PARSE;
    ek = br_skey_decoder_get_ec(sk);
    if (!ek || ek->curve != BR_EC_secp256r1)
        return KVS_ERR_UNSUPPORTED; /* RSA, or another curve */
    x = ek->x;
    xlen = ek->xlen;
    while (xlen > 32 && x[0] == 0) {
        x++;
        xlen--;
    }
    if (xlen == 0 || xlen > 32)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMSET(c->key, 0, 32);
    KVS_MEMCPY(c->key + 32 - xlen, x, xlen);
    if (!kvs__crypto_p256_scalar_ok(c->key))
        return KVS_ERR_INVALID_ARG;
    k.curve = BR_EC_secp256r1;
    k.x = c->key;
    k.xlen = 32;
    if (br_ec_compute_pub(br_ec_get_default(), NULL, c->pub, &k) != 65)
        return KVS_ERR_CRYPTO;
    if (!kvs__crypto_ct_eq(c->pub, cert_pub, 65))
        return KVS_ERR_INVALID_ARG; /* the key does not belong to the certificate */
    return KVS_OK;
}

/* --- fingerprints ----------------------------------------------------------------------------- */

/* "sha-256 AB:CD:...", upper-case hex. */
KVS_PRIVATE void kvs__crypto_fingerprint_write(kvs__wr *w, const uint8_t fp[32]) {
    size_t i;
    kvs__wr_cstr(w, "sha-256 ");
    for (i = 0; i < 32; i++) {
        if (i)
            kvs__wr_u8(w, ':');
        kvs__util_hex_encode(w, fp + i, 1, 1);
    }
}

/* token-char of RFC 4566 section 9 (the hash function name of RFC 8122). */
KVS_PRIVATE int kvs__crypto_is_token_char(int c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
           c == 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
           (c >= 0x5e && c <= 0x7e);
}

/* See kvs_fingerprint_parse. */
KVS_PRIVATE kvs_result kvs__crypto_fingerprint_parse(const char *s, size_t n, uint8_t out[32]) {
    uint8_t fp[32];
    size_t i = 0, name_len, bytes = 0;
    int hi, lo;
    KVS_MEMSET(out, 0, 32);
    while (i < n && kvs__crypto_is_token_char((unsigned char)s[i]))
        i++;
    name_len = i;
    if (name_len == 0 || i == n || (s[i] != ' ' && s[i] != '\t'))
        return KVS_ERR_PARSE;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    /* 2HEX *(":" 2HEX) up to the end */
    for (;;) {
        if (n - i < 2)
            return KVS_ERR_PARSE;
        hi = kvs__util_hex_val((unsigned char)s[i]);
        lo = kvs__util_hex_val((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return KVS_ERR_PARSE;
        if (bytes < sizeof fp)
            fp[bytes] = (uint8_t)(hi * 16 + lo);
        bytes++;
        i += 2;
        if (i == n)
            break;
        if (s[i] != ':')
            return KVS_ERR_PARSE;
        i++;
    }
    if (!kvs__util_eq_nocase(s, name_len, "sha-256"))
        return KVS_ERR_UNSUPPORTED;
    if (bytes != sizeof fp)
        return KVS_ERR_PARSE;
    KVS_MEMCPY(out, fp, sizeof fp);
    return KVS_OK;
}

/* DER (n bytes) as PEM text with NUL into out; see kvs_cert_export_pem. */
KVS_PRIVATE kvs_result kvs__crypto_pem_out(const uint8_t *der, size_t n, const char *banner,
                                           char *out, size_t cap, size_t *out_len) {
    size_t need = br_pem_encode(NULL, der, n, banner, BR_PEM_LINE64) + 1;
    if (cap < need) {
        if (out_len)
            *out_len = need;
        if (out && cap)
            out[0] = 0;
        return KVS_ERR_BUFFER_TOO_SMALL;
    }
    (void)br_pem_encode(out, der, n, banner, BR_PEM_LINE64);
    if (out_len)
        *out_len = need - 1;
    return KVS_OK;
}

/* 1 when c holds a certificate (filled by generate or import). */
KVS_PRIVATE int kvs__crypto_cert_filled(const kvs_cert *c) {
    return c && c->der_len > 0 && c->der_len <= sizeof c->der;
}

/* --- public entry points of >>api-cert -------------------------------------------------------- */

KVS__API kvs_result kvs_cert_generate(kvs_cert *c, const kvs_platform *pf, const char *common_name,
                                      int validity_days) {
    kvs__crypto_ecdhe e;
    kvs__log lg;
    kvs__rng rng;
    kvs__wr w;
    uint8_t serial[16];
    const char *cn = common_name ? common_name : KVS__CRYPTO_CN_DEFAULT;
    size_t cn_len;
    int64_t now, days;
    kvs_result res;
    if (!c)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMSET(c, 0, sizeof *c);
    if (!pf || !pf->random || !pf->unix_time || validity_days < 0 ||
        validity_days > KVS__CRYPTO_VALIDITY_MAX)
        return KVS_ERR_INVALID_ARG;
    days = validity_days ? validity_days : KVS__CRYPTO_VALIDITY_DEFAULT;
    cn_len = kvs__crypto_cn_len(cn);
    if (cn_len == 0)
        return KVS_ERR_INVALID_ARG;
    now = pf->unix_time(pf->user);
    if (now < 0 || now > KVS__UTIL_TIME_MAX - days * KVS__CRYPTO_DAY)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMSET(&e, 0, sizeof e);
    kvs__log_init(&lg, pf, NULL, KVS_LOG_INFO);
    kvs__crypto_rng_init(&rng, pf, NULL, &lg);
    res = kvs__crypto_random(&rng, serial, sizeof serial);
    if (res == KVS_OK)
        res = kvs__crypto_ecdhe_keygen(&e, KVS__CRYPTO_GROUP_P256, &rng);
    if (res == KVS_OK) {
        serial[0] = (uint8_t)((serial[0] & 0x7fu) | 0x40u); /* positive, exactly 16 bytes */
        kvs__wr_init(&w, c->der, sizeof c->der);
        res = kvs__crypto_cert_build(&w, e.priv, e.pub, serial, cn, cn_len,
                                     KVS__MAX(now - KVS__CRYPTO_DAY, 0),
                                     now + days * KVS__CRYPTO_DAY);
    }
    if (res == KVS_OK) {
        c->der_len = w.len;
        KVS_MEMSET(c->der + w.len, 0, sizeof c->der - w.len); /* the writer's leftovers */
        KVS_MEMCPY(c->key, e.priv, 32);
        KVS_MEMCPY(c->pub, e.pub, 65);
        kvs__crypto_sha256(c->der, c->der_len, c->fingerprint);
    }
    kvs__crypto_zero(&e, sizeof e);
    if (res != KVS_OK)
        kvs__crypto_zero(c, sizeof *c);
    return res;
}

KVS__API kvs_result kvs_cert_import(kvs_cert *c, const void *cert, size_t cert_len, const void *key,
                                    size_t key_len) {
    br_pem_decoder_context pc;
    br_skey_decoder_context sk;
    kvs__crypto_pubkey pk;
    kvs_result res;
    if (!c)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMSET(c, 0, sizeof *c);
    if (!cert || !key)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMSET(&sk, 0, sizeof sk);
    res = kvs__crypto_cert_load(c, &pc, (const uint8_t *)cert, cert_len);
    if (res == KVS_OK)
        res = kvs__crypto_cert_pubkey(c->der, c->der_len, &pk);
    if (res == KVS_OK && pk.type != KVS__CRYPTO_KEY_EC)
        res = KVS_ERR_UNSUPPORTED; /* an RSA certificate: the DTLS layer signs with ECDSA */
    if (res == KVS_OK)
        res = kvs__crypto_key_load(c, &sk, &pc, (const uint8_t *)key, key_len, pk.ec);
    if (res == KVS_OK)
        kvs__crypto_sha256(c->der, c->der_len, c->fingerprint);
    kvs__crypto_zero(&sk, sizeof sk); /* the decoded key */
    kvs__crypto_zero(&pc, sizeof pc); /* a line of the key's base64 */
    if (res != KVS_OK)
        kvs__crypto_zero(c, sizeof *c);
    return res;
}

KVS__API kvs_result kvs_cert_export_pem(const kvs_cert *c, char *out, size_t cap,
                                        size_t *out_len) {
    if (!kvs__crypto_cert_filled(c) || (!out && cap))
        return KVS_ERR_INVALID_ARG;
    return kvs__crypto_pem_out(c->der, c->der_len, "CERTIFICATE", out, cap, out_len);
}

KVS__API kvs_result kvs_cert_export_key_pem(const kvs_cert *c, char *out, size_t cap,
                                            size_t *out_len) {
    br_ec_private_key sk;
    br_ec_public_key pk;
    uint8_t x[32], q[65], der[160];
    size_t n;
    kvs_result res;
    if (!kvs__crypto_cert_filled(c) || (!out && cap))
        return KVS_ERR_INVALID_ARG;
    KVS_MEMCPY(x, c->key, 32);
    KVS_MEMCPY(q, c->pub, 65);
    sk.curve = BR_EC_secp256r1;
    sk.x = x;
    sk.xlen = 32;
    pk.curve = BR_EC_secp256r1;
    pk.q = q;
    pk.qlen = 65;
    n = br_encode_ec_pkcs8_der(NULL, &sk, &pk);
    if (n == 0 || n > sizeof der) {
        res = KVS_ERR_INTERNAL;
    } else {
        (void)br_encode_ec_pkcs8_der(der, &sk, &pk);
        res = kvs__crypto_pem_out(der, n, BR_ENCODE_PEM_PKCS8, out, cap, out_len);
    }
    kvs__crypto_zero(x, sizeof x);
    kvs__crypto_zero(der, sizeof der);
    return res;
}

KVS__API kvs_result kvs_fingerprint_format(const uint8_t fp[32], char *out, size_t cap,
                                           size_t *out_len) {
    kvs__wr w;
    if (!fp || (!out && cap))
        return KVS_ERR_INVALID_ARG;
    kvs__wr_init(&w, out, cap);
    kvs__crypto_fingerprint_write(&w, fp);
    return kvs__wr_result_str(&w, out_len);
}

KVS__API kvs_result kvs_cert_fingerprint_str(const kvs_cert *c, char *out, size_t cap,
                                             size_t *out_len) {
    if (!kvs__crypto_cert_filled(c))
        return KVS_ERR_INVALID_ARG;
    return kvs_fingerprint_format(c->fingerprint, out, cap, out_len);
}

KVS__API kvs_result kvs_fingerprint_parse(const char *s, size_t n, uint8_t out[32]) {
    if (!out)
        return KVS_ERR_INVALID_ARG;
    if (!s && n) {
        KVS_MEMSET(out, 0, 32);
        return KVS_ERR_INVALID_ARG;
    }
    return kvs__crypto_fingerprint_parse(s ? s : "", n, out);
}

KVS__API void kvs_cert_clear(kvs_cert *c) {
    if (c)
        kvs__crypto_zero(c, sizeof *c);
}

/* ==== [20] >>json  allocation-free JSON token reader and JSON writer ==================== */
/* depends on: >>prelude (kvs__wr), >>util (kvs__util_hex_val, kvs__util_lower).
   entry points: none (the KVS REST answers and signaling messages go through it).
   RFC 8259, strict. The reader is a pull tokenizer over a length-counted buffer: it never
   allocates, never recurses (one bit per open container in a uint64_t, so stack use is constant
   whatever the input), never reads past p + n and never assumes a NUL terminator.
   Accepted / refused:
   - Any single value is a document (scalars at top level included). Empty input, a byte order
     mark, anything but whitespace after the value (a second value, garbage), trailing commas,
     single quotes, comments, NaN / Infinity, a leading '+', leading zeros ("01"), "1.", ".5",
     "1e" are KVS_ERR_PARSE. Whitespace is space, tab, LF and CR only.
   - Strings: raw bytes below 0x20 (NUL included) are refused; the escapes are \" \\ \/ \b \f \n
     \r \t and \uXXXX only; \u surrogates must pair (a high D800-DBFF immediately followed by a
     \u low DC00-DFFF), a lone or reversed surrogate is refused; raw bytes must be well-formed
     UTF-8 (no overlong forms, no encoded surrogates ED A0-BF, nothing above U+10FFFF, no
     truncated or stray continuation bytes). \u0000 is allowed and decodes to a NUL byte, so
     decoded strings are length-counted.
   - Numbers: the full RFC grammar is checked by the tokenizer, at any length; the token is the
     literal. kvs__json_i64 / kvs__json_u64 convert integers and report KVS_ERR_LIMIT when the
     value does not fit (never wrapped, never rounded) and KVS_ERR_PARSE for a fraction or an
     exponent.
   - Nesting: at most KVS_JSON_MAX_DEPTH open containers; one more is KVS_ERR_LIMIT.
   - Errors are sticky; err_off is the byte offset of the first offending byte (n when the input
     ended early). The reader streams: the tokens before an error are delivered first, so a
     caller that acts before reaching KVS__JSON_END validates the document first (obj_get does).
   - Duplicate keys: the tokenizer reports every member as it comes; kvs__json_obj_get never
     picks one of two values: a key that appears twice under the matching rule (exact or ASCII
     case-insensitive) is KVS_ERR_PARSE.
   Token depth: 0 is the top-level value; the keys and values inside the top container are at
   depth 1; a closing bracket has the depth of its opening one.
   The writer puts commas, colons and escapes in by itself and adds no whitespace: '"' and '\' are
   escaped, bytes below 0x20 become \b \f \n \r \t or \u00xx, everything else (valid UTF-8, '/',
   DEL) passes through, invalid UTF-8 is refused (KVS_ERR_INVALID_ARG). Numbers are integers
   (kvs__json_i64v / kvs__json_u64v) or a literal checked against the RFC grammar
   (kvs__json_raw_number). Misuse (a value where a key is due, a key outside an object, unbalanced
   or mismatched ends, an unfinished document, a second top-level value, nesting past
   KVS_JSON_MAX_DEPTH) is KVS_ERR_STATE. Both errors stick and are reported by
   kvs__json_wr_finish, before any buffer size problem. Like the reader, the writer keeps its
   container stack in bits and never recurses. Reading a document and writing its tokens back
   gives a compact form (no whitespace, the fewest escapes) that is a fixed point of the trip. */

typedef enum kvs__json_type {
    KVS__JSON_NONE = 0,
    KVS__JSON_OBJ_BEGIN,
    KVS__JSON_OBJ_END,
    KVS__JSON_ARR_BEGIN,
    KVS__JSON_ARR_END,
    KVS__JSON_KEY,
    KVS__JSON_STRING,
    KVS__JSON_NUMBER,
    KVS__JSON_TRUE,
    KVS__JSON_FALSE,
    KVS__JSON_NULL,
    KVS__JSON_END /* the document is complete: only whitespace followed the top-level value */
} kvs__json_type;

typedef struct kvs__json_tok {
    kvs__json_type type;
    const char *p; /* KEY/STRING: the raw bytes between the quotes (escapes not decoded);
                      NUMBER/TRUE/FALSE/NULL: the literal; OBJ_END/ARR_END: the bracket;
                      OBJ_BEGIN/ARR_BEGIN: the bracket, and after kvs__json_skip or from
                      kvs__json_obj_get the whole container through its closing bracket;
                      END: the end of the input (n = 0) */
    size_t n;
    int depth;   /* nesting depth of the token (see the banner) */
    int escaped; /* KEY/STRING: 1 when p contains backslash escapes */
} kvs__json_tok;

/* What the reader expects next. */
#define KVS__JSON_S_VALUE 0     /* a value: document start, after ':', after ',' in an array */
#define KVS__JSON_S_ELEM0 1     /* after '[': a value or ']' */
#define KVS__JSON_S_KEY0 2      /* after '{': a key or '}' */
#define KVS__JSON_S_KEY 3       /* after ',' in an object: a key */
#define KVS__JSON_S_COLON 4     /* after a key: ':' */
#define KVS__JSON_S_AFTER 5     /* after a value: ',' or a closing bracket; the end at depth 0 */
#define KVS__JSON_S_DONE 6      /* the document is complete */

typedef struct kvs__json_rd {
    const uint8_t *begin; /* input bounds */
    const uint8_t *end;
    const uint8_t *cur;   /* next byte to look at */
    uint64_t obj;         /* bit i set: the open container at level i (0-based) is an object */
    int depth;            /* open containers */
    int state;            /* KVS__JSON_S_* */
    kvs_result err;       /* sticky: KVS_OK until the first error */
    size_t err_off;       /* byte offset of the first error */
} kvs__json_rd;

/* --- shared helpers ---------------------------------------------------------------------------- */

/* The length (1-4) of the well-formed UTF-8 sequence at s (left bytes available), or 0 when it
   is malformed or truncated (Unicode table 3-7). */
KVS_PRIVATE size_t kvs__json_utf8_len(const uint8_t *s, size_t left) {
    unsigned c = s[0];
    unsigned lo = 0x80u, hi = 0xbfu;
    size_t len, i;
    if (c < 0x80u)
        return 1;
    if (c >= 0xc2u && c <= 0xdfu) {
        len = 2;
    } else if (c >= 0xe0u && c <= 0xefu) {
        len = 3;
        if (c == 0xe0u)
            lo = 0xa0u;
        else if (c == 0xedu)
            hi = 0x9fu;
    } else if (c >= 0xf0u && c <= 0xf4u) {
        len = 4;
        if (c == 0xf0u)
            lo = 0x90u;
        else if (c == 0xf4u)
            hi = 0x8fu;
    } else {
        return 0;
    }
    if (left < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++)
        if (s[i] < 0x80u || s[i] > 0xbfu)
            return 0;
    return len;
}

/* The value of 4 hex digits at q (q < end), or -1 with *bad = the first non-hex byte (or end). */
KVS_PRIVATE long kvs__json_hex4(const uint8_t *q, const uint8_t *end, const uint8_t **bad) {
    long v = 0;
    int i, d;
    for (i = 0; i < 4; i++) {
        if (q + i >= end) {
            *bad = end;
            return -1;
        }
        d = kvs__util_hex_val(q[i]);
        if (d < 0) {
            *bad = q + i;
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* Decode the escape at s[*i] (s[*i] == '\\') into UTF-8 in out; *i moves past it. Returns the
   byte count (1-4), or 0 when the escape is malformed (*i then points at the offending byte, or
   equals n when the string ended early). */
KVS_PRIVATE size_t kvs__json_unescape(const uint8_t *s, size_t n, size_t *i, uint8_t out[4]) {
    const uint8_t *q = s + *i, *end = s + n, *bad = end;
    long cp, lo;
    if (end - q < 2) {
        *i = n;
        return 0;
    }
    switch (q[1]) {
    case '"': out[0] = '"'; break;
    case '\\': out[0] = '\\'; break;
    case '/': out[0] = '/'; break;
    case 'b': out[0] = 8; break;
    case 'f': out[0] = 12; break;
    case 'n': out[0] = 10; break;
    case 'r': out[0] = 13; break;
    case 't': out[0] = 9; break;
    case 'u':
        cp = kvs__json_hex4(q + 2, end, &bad);
        if (cp < 0) {
            *i = (size_t)(bad - s);
            return 0;
        }
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return 0; /* a low surrogate first: lone or reversed */
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - q < 12 || q[6] != '\\' || q[7] != 'u')
                return 0; /* a lone high surrogate */
            lo = kvs__json_hex4(q + 8, end, &bad);
            if (lo < 0xdc00 || lo > 0xdfff)
                return 0;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            out[0] = (uint8_t)(0xf0 | (cp >> 18));
            out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[3] = (uint8_t)(0x80 | (cp & 0x3f));
            *i += 12;
            return 4;
        }
        *i += 6;
        if (cp < 0x80) {
            out[0] = (uint8_t)cp;
            return 1;
        }
        if (cp < 0x800) {
            out[0] = (uint8_t)(0xc0 | (cp >> 6));
            out[1] = (uint8_t)(0x80 | (cp & 0x3f));
            return 2;
        }
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    default:
        *i += 1;
        return 0;
    }
    *i += 2;
    return 1;
}

/* The length of the RFC 8259 number at the start of s[0..n), or 0 when there is none; then
   *bad_off is the offset of the offending byte (n when the input ended inside the number). */
KVS_PRIVATE size_t kvs__json_scan_number(const uint8_t *s, size_t n, size_t *bad_off) {
    size_t i = 0, d;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        goto bad;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        goto bad;
    }
    if (i < n && s[i] == '.') {
        i++;
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == d)
            goto bad;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == d)
            goto bad;
    }
    return i;
bad:
    *bad_off = i;
    return 0;
}

/* --- reader ------------------------------------------------------------------------------------- */

/* Start reading the document p[0..n). p may be NULL only with n == 0 (which is then an empty, thus
   malformed, document). */
KVS_PRIVATE void kvs__json_rd_init(kvs__json_rd *r, const char *p, size_t n) {
    r->begin = (const uint8_t *)p;
    r->end = r->begin ? r->begin + n : r->begin;
    r->cur = r->begin;
    r->obj = 0;
    r->depth = 0;
    r->state = KVS__JSON_S_VALUE;
    r->err = KVS_OK;
    r->err_off = 0;
    if (!p && n) {
        r->err = KVS_ERR_INVALID_ARG;
    }
}

KVS_PRIVATE void kvs__json_tok_set(kvs__json_tok *t, kvs__json_type type, const uint8_t *p,
                                   size_t n, int depth) {
    t->type = type;
    t->p = (const char *)p;
    t->n = n;
    t->depth = depth;
    t->escaped = 0;
}

/* Record the first error (at byte `at`) and report it. */
KVS_PRIVATE kvs_result kvs__json_fail(kvs__json_rd *r, kvs__json_tok *t, kvs_result e,
                                      const uint8_t *at) {
    if (r->err == KVS_OK) {
        r->err = e;
        r->err_off = (size_t)(at - r->begin);
        r->cur = at;
    }
    kvs__json_tok_set(t, KVS__JSON_NONE, r->cur, 0, r->depth);
    return r->err;
}

/* The string whose opening quote is at r->cur, as a KEY or STRING token. */
KVS_PRIVATE kvs_result kvs__json_rd_string(kvs__json_rd *r, kvs__json_tok *t, kvs__json_type type) {
    const uint8_t *s = r->cur + 1, *q = s, *end = r->end;
    int escaped = 0;
    uint8_t tmp[4];
    size_t i, k;
    for (;;) {
        if (q >= end)
            return kvs__json_fail(r, t, KVS_ERR_PARSE, end);
        if (*q == '"')
            break;
        if (*q == '\\') {
            i = (size_t)(q - s);
            if (kvs__json_unescape(s, (size_t)(end - s), &i, tmp) == 0)
                return kvs__json_fail(r, t, KVS_ERR_PARSE, s + i);
            q = s + i;
            escaped = 1;
        } else if (*q < 0x20u) {
            return kvs__json_fail(r, t, KVS_ERR_PARSE, q);
        } else if (*q < 0x80u) {
            q++;
        } else {
            k = kvs__json_utf8_len(q, (size_t)(end - q));
            if (k == 0)
                return kvs__json_fail(r, t, KVS_ERR_PARSE, q);
            q += k;
        }
    }
    kvs__json_tok_set(t, type, s, (size_t)(q - s), r->depth);
    t->escaped = escaped;
    r->cur = q + 1;
    r->state = type == KVS__JSON_KEY ? KVS__JSON_S_COLON : KVS__JSON_S_AFTER;
    return KVS_OK;
}

/* The value starting at r->cur (r->cur < r->end). */
KVS_PRIVATE kvs_result kvs__json_rd_value(kvs__json_rd *r, kvs__json_tok *t) {
    const uint8_t *q = r->cur;
    size_t left = (size_t)(r->end - q), k, bad = 0;
    const char *lit = NULL;
    kvs__json_type type = KVS__JSON_NONE;
    switch (*q) {
    case '{':
    case '[':
        if (r->depth >= KVS_JSON_MAX_DEPTH)
            return kvs__json_fail(r, t, KVS_ERR_LIMIT, q);
        kvs__json_tok_set(t, *q == '{' ? KVS__JSON_OBJ_BEGIN : KVS__JSON_ARR_BEGIN, q, 1, r->depth);
        if (*q == '{')
            r->obj |= (uint64_t)1 << r->depth;
        else
            r->obj &= ~((uint64_t)1 << r->depth);
        r->depth++;
        r->cur = q + 1;
        r->state = *q == '{' ? KVS__JSON_S_KEY0 : KVS__JSON_S_ELEM0;
        return KVS_OK;
    case '"':
        return kvs__json_rd_string(r, t, KVS__JSON_STRING);
    case 't':
        lit = "true";
        type = KVS__JSON_TRUE;
        break;
    case 'f':
        lit = "false";
        type = KVS__JSON_FALSE;
        break;
    case 'n':
        lit = "null";
        type = KVS__JSON_NULL;
        break;
    default:
        k = kvs__json_scan_number(q, left, &bad);
        if (k == 0)
            return kvs__json_fail(r, t, KVS_ERR_PARSE, q + bad);
        kvs__json_tok_set(t, KVS__JSON_NUMBER, q, k, r->depth);
        r->cur = q + k;
        r->state = KVS__JSON_S_AFTER;
        return KVS_OK;
    }
    for (k = 0; lit[k]; k++)
        if (k >= left || q[k] != (uint8_t)lit[k])
            return kvs__json_fail(r, t, KVS_ERR_PARSE, q + k);
    kvs__json_tok_set(t, type, q, k, r->depth);
    r->cur = q + k;
    r->state = KVS__JSON_S_AFTER;
    return KVS_OK;
}

/* Next token. KVS_OK with *t filled (KVS__JSON_END once the document is complete, and again on
   every later call); KVS_ERR_PARSE for malformed input; KVS_ERR_LIMIT for nesting deeper than
   KVS_JSON_MAX_DEPTH; KVS_ERR_INVALID_ARG for a NULL input of non-zero length. Errors are sticky
   (r->err, r->err_off) and leave *t as a KVS__JSON_NONE token. */
KVS_PRIVATE kvs_result kvs__json_next(kvs__json_rd *r, kvs__json_tok *t) {
    const uint8_t *end = r->end;
    int top_obj;
    if (r->err != KVS_OK)
        return kvs__json_fail(r, t, r->err, r->cur);
    for (;;) { /* at most twice: a ',' or ':' and then the token after it */
        while (r->cur < end &&
               (*r->cur == ' ' || *r->cur == '\t' || *r->cur == '\n' || *r->cur == '\r'))
            r->cur++;
        if (r->state == KVS__JSON_S_DONE) {
            kvs__json_tok_set(t, KVS__JSON_END, end, 0, 0);
            return KVS_OK;
        }
        top_obj = r->depth > 0 && ((r->obj >> (r->depth - 1)) & 1u);
        if (r->state == KVS__JSON_S_AFTER && r->depth == 0) {
            if (r->cur != end)
                return kvs__json_fail(r, t, KVS_ERR_PARSE, r->cur); /* after the document */
            r->state = KVS__JSON_S_DONE;
            kvs__json_tok_set(t, KVS__JSON_END, end, 0, 0);
            return KVS_OK;
        }
        if (r->cur >= end)
            return kvs__json_fail(r, t, KVS_ERR_PARSE, end);
        switch (r->state) {
        case KVS__JSON_S_AFTER:
            if (*r->cur == ',') {
                r->cur++;
                r->state = top_obj ? KVS__JSON_S_KEY : KVS__JSON_S_VALUE;
                continue;
            }
            if (*r->cur != (top_obj ? '}' : ']'))
                return kvs__json_fail(r, t, KVS_ERR_PARSE, r->cur);
            break; /* the closing bracket, below */
        case KVS__JSON_S_COLON:
            if (*r->cur != ':')
                return kvs__json_fail(r, t, KVS_ERR_PARSE, r->cur);
            r->cur++;
            r->state = KVS__JSON_S_VALUE;
            continue;
        case KVS__JSON_S_KEY0:
            if (*r->cur == '}')
                break;
            /* fall through */
        case KVS__JSON_S_KEY:
            if (*r->cur != '"')
                return kvs__json_fail(r, t, KVS_ERR_PARSE, r->cur);
            return kvs__json_rd_string(r, t, KVS__JSON_KEY);
        case KVS__JSON_S_ELEM0:
            if (*r->cur == ']')
                break;
            return kvs__json_rd_value(r, t);
        default:
            return kvs__json_rd_value(r, t);
        }
        /* a closing bracket that matches the innermost container */
        r->depth--;
        kvs__json_tok_set(t, top_obj ? KVS__JSON_OBJ_END : KVS__JSON_ARR_END, r->cur, 1, r->depth);
        r->cur++;
        r->state = KVS__JSON_S_AFTER;
        return KVS_OK;
    }
}

/* After a token that begins a value (t, the last token read from r): move the reader past that
   whole value. For OBJ_BEGIN / ARR_BEGIN, t->n is extended to cover the container through its
   closing bracket; scalars are a no-op. KVS_OK; the reader's error; KVS_ERR_INVALID_ARG when t
   is a KEY, a closing bracket, END, or a container the reader has already left. */
KVS_PRIVATE kvs_result kvs__json_skip(kvs__json_rd *r, kvs__json_tok *t) {
    kvs__json_tok u;
    kvs_result res;
    kvs__json_type close;
    if (r->err != KVS_OK)
        return r->err;
    switch (t->type) {
    case KVS__JSON_STRING:
    case KVS__JSON_NUMBER:
    case KVS__JSON_TRUE:
    case KVS__JSON_FALSE:
    case KVS__JSON_NULL:
        return KVS_OK;
    case KVS__JSON_OBJ_BEGIN:
        close = KVS__JSON_OBJ_END;
        break;
    case KVS__JSON_ARR_BEGIN:
        close = KVS__JSON_ARR_END;
        break;
    default:
        return KVS_ERR_INVALID_ARG;
    }
    if (t->depth < 0 || r->depth <= t->depth)
        return KVS_ERR_INVALID_ARG;
    for (;;) {
        res = kvs__json_next(r, &u);
        if (res != KVS_OK)
            return res;
        if (u.depth == t->depth && u.type == close)
            break;
    }
    t->n = (size_t)(u.p + 1 - t->p);
    return KVS_OK;
}

/* Whole-document check: exactly one value, nothing after it but whitespace. KVS_OK,
   KVS_ERR_PARSE, KVS_ERR_LIMIT (KVS_ERR_INVALID_ARG for p NULL with n > 0). */
KVS_PRIVATE kvs_result kvs__json_validate(const char *p, size_t n) {
    kvs__json_rd r;
    kvs__json_tok t;
    kvs_result res;
    kvs__json_rd_init(&r, p, n);
    do
        res = kvs__json_next(&r, &t);
    while (res == KVS_OK && t.type != KVS__JSON_END);
    return res;
}

/* Decode a KEY/STRING token into UTF-8 bytes in w (no NUL added). The decoded form is never
   longer than t->n, so a buffer of t->n bytes always suffices. KVS_OK; KVS_ERR_BUFFER_TOO_SMALL
   when w is full (w->len counts the bytes needed, as with every cursor writer); KVS_ERR_PARSE
   for a malformed escape (impossible for tokens from the reader); KVS_ERR_INVALID_ARG for other
   token types. */
KVS_PRIVATE kvs_result kvs__json_str(const kvs__json_tok *t, kvs__wr *w) {
    const uint8_t *s = (const uint8_t *)t->p;
    uint8_t tmp[4];
    size_t i = 0, run, k;
    if (t->type != KVS__JSON_KEY && t->type != KVS__JSON_STRING)
        return KVS_ERR_INVALID_ARG;
    while (i < t->n) {
        for (run = i; run < t->n && s[run] != '\\'; run++)
            ;
        kvs__wr_bytes(w, s + i, run - i);
        i = run;
        if (i < t->n) {
            k = kvs__json_unescape(s, t->n, &i, tmp);
            if (k == 0)
                return KVS_ERR_PARSE;
            kvs__wr_bytes(w, tmp, k);
        }
    }
    return kvs__wr_result(w, NULL);
}

/* Flags of kvs__json_str_eq and kvs__json_obj_get. */
#define KVS__JSON_NOCASE 1

/* 1 when the decoded KEY/STRING token equals the n bytes of s (length-counted: "\u0000" decodes
   to a NUL byte), else 0 (also for other token types). flags: 0 or KVS__JSON_NOCASE (ASCII letters
   compare case-insensitively). No allocation, no size limit. */
KVS_PRIVATE int kvs__json_str_eq(const kvs__json_tok *t, const char *s, size_t n, int flags) {
    const uint8_t *p = (const uint8_t *)t->p;
    const uint8_t *b = (const uint8_t *)s;
    uint8_t tmp[4];
    size_t i = 0, j = 0, k, m;
    if (t->type != KVS__JSON_KEY && t->type != KVS__JSON_STRING)
        return 0;
    if (!t->escaped && !(flags & KVS__JSON_NOCASE))
        return t->n == n && (n == 0 || KVS_MEMCMP(p, b, n) == 0);
    while (i < t->n) {
        if (p[i] == '\\') {
            k = kvs__json_unescape(p, t->n, &i, tmp);
            if (k == 0)
                return 0;
        } else {
            tmp[0] = p[i++];
            k = 1;
        }
        if (n - j < k)
            return 0;
        for (m = 0; m < k; m++, j++) {
            if (tmp[m] == b[j])
                continue;
            if (!(flags & KVS__JSON_NOCASE) || kvs__util_lower(tmp[m]) != kvs__util_lower(b[j]))
                return 0;
        }
    }
    return j == n;
}

/* The magnitude of an integer NUMBER literal: KVS_ERR_PARSE unless t is a NUMBER of the form
   -?(0|[1-9][0-9]*); KVS_ERR_LIMIT above UINT64_MAX. */
KVS_PRIVATE kvs_result kvs__json_mag(const kvs__json_tok *t, uint64_t *mag, int *neg) {
    const char *s = t->p;
    size_t i = 0;
    uint64_t v = 0, d;
    kvs_result res = KVS_OK;
    *mag = 0;
    *neg = 0;
    if (t->type != KVS__JSON_NUMBER || t->n == 0)
        return KVS_ERR_PARSE;
    if (s[0] == '-') {
        *neg = 1;
        i = 1;
    }
    if (i >= t->n || (s[i] == '0' && t->n - i > 1))
        return KVS_ERR_PARSE;
    for (; i < t->n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return KVS_ERR_PARSE; /* a fraction or an exponent */
        d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            res = KVS_ERR_LIMIT; /* keep scanning: a later '.' or 'e' is still PARSE */
        else
            v = v * 10u + d;
    }
    *mag = v;
    return res;
}

/* The integer value of a NUMBER token. KVS_OK; KVS_ERR_PARSE if the literal has a fraction or an
   exponent (or t is not a NUMBER); KVS_ERR_LIMIT if it does not fit an int64_t (*v is then 0). */
KVS_PRIVATE kvs_result kvs__json_i64(const kvs__json_tok *t, int64_t *v) {
    uint64_t mag;
    int neg;
    kvs_result res = kvs__json_mag(t, &mag, &neg);
    *v = 0;
    if (res != KVS_OK)
        return res;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1u)
            return KVS_ERR_LIMIT;
        *v = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return KVS_ERR_LIMIT;
        *v = (int64_t)mag;
    }
    return KVS_OK;
}

/* As kvs__json_i64 for uint64_t; a negative value is KVS_ERR_LIMIT ("-0" is 0). */
KVS_PRIVATE kvs_result kvs__json_u64(const kvs__json_tok *t, uint64_t *v) {
    uint64_t mag;
    int neg;
    kvs_result res = kvs__json_mag(t, &mag, &neg);
    *v = 0;
    if (res != KVS_OK)
        return res;
    if (neg && mag != 0)
        return KVS_ERR_LIMIT;
    *v = mag;
    return KVS_OK;
}

/* Look key (NUL-terminated) up among the direct members of the object that is the whole document
   p[0..n); the whole document is validated too. *val (may be NULL) gets the member's value token;
   a container spans its full text, so a new reader can run over val->p, val->n (its depth is 1).
   flags: 0 or KVS__JSON_NOCASE.
   Returns: KVS_OK; KVS_ERR_NOT_FOUND; KVS_ERR_PARSE (malformed, not an object, or the key appears
   more than once under the matching rule: a lookup never silently picks one of two values);
   KVS_ERR_LIMIT (nesting); KVS_ERR_INVALID_ARG (key NULL, or p NULL with n > 0). */
KVS_PRIVATE kvs_result kvs__json_obj_get(const char *p, size_t n, const char *key, int flags,
                                         kvs__json_tok *val) {
    kvs__json_rd r;
    kvs__json_tok t, found;
    kvs_result res;
    size_t klen;
    int hits = 0, match;
    if (!key || (!p && n))
        return KVS_ERR_INVALID_ARG;
    klen = KVS_STRLEN(key);
    kvs__json_tok_set(&found, KVS__JSON_NONE, NULL, 0, 0);
    kvs__json_rd_init(&r, p, n);
    res = kvs__json_next(&r, &t);
    if (res != KVS_OK)
        return res;
    if (t.type != KVS__JSON_OBJ_BEGIN)
        return KVS_ERR_PARSE;
    for (;;) {
        res = kvs__json_next(&r, &t);
        if (res != KVS_OK)
            return res;
        if (t.type == KVS__JSON_OBJ_END)
            break;
        /* t is a key of the top object */
        match = kvs__json_str_eq(&t, key, klen, flags);
        res = kvs__json_next(&r, &t);
        if (res == KVS_OK)
            res = kvs__json_skip(&r, &t);
        if (res != KVS_OK)
            return res;
        if (match) {
            hits++;
            found = t;
        }
    }
    res = kvs__json_next(&r, &t);
    if (res != KVS_OK)
        return res;
    if (hits > 1)
        return KVS_ERR_PARSE;
    if (hits == 0)
        return KVS_ERR_NOT_FOUND;
    if (val)
        *val = found;
    return KVS_OK;
}

/* --- writer ------------------------------------------------------------------------------------- */

typedef struct kvs__json_wr {
    kvs__wr w;
    uint64_t obj;      /* bit i set: the open container at level i (0-based) is an object */
    uint64_t nonempty; /* bit i set: the container at level i has an element (a comma is due) */
    int depth;         /* open containers */
    int key_due;       /* 1: a key was written, its value must follow */
    int top_done;      /* 1: the top-level value is complete */
    kvs_result err;    /* sticky misuse: KVS_ERR_STATE or KVS_ERR_INVALID_ARG */
} kvs__json_wr;

/* Start a document in buf[0..cap); buf NULL with cap 0 measures. */
KVS_PRIVATE void kvs__json_wr_init(kvs__json_wr *j, void *buf, size_t cap) {
    kvs__wr_init(&j->w, buf, cap);
    j->obj = 0;
    j->nonempty = 0;
    j->depth = 0;
    j->key_due = 0;
    j->top_done = 0;
    j->err = KVS_OK;
}

KVS_PRIVATE void kvs__json_wr_fail(kvs__json_wr *j, kvs_result e) {
    if (j->err == KVS_OK)
        j->err = e;
}

/* 1 when the innermost open container is an object. */
KVS_PRIVATE int kvs__json_wr_in_obj(const kvs__json_wr *j) {
    return j->depth > 0 && ((j->obj >> (j->depth - 1)) & 1u);
}

/* Before any value: check that one is allowed here and write the comma it needs. 0 = refused. */
KVS_PRIVATE int kvs__json_wr_value(kvs__json_wr *j) {
    uint64_t bit;
    if (j->err != KVS_OK)
        return 0;
    if (j->depth == 0) {
        if (j->top_done) {
            kvs__json_wr_fail(j, KVS_ERR_STATE); /* a second top-level value */
            return 0;
        }
        return 1;
    }
    if (kvs__json_wr_in_obj(j)) {
        if (!j->key_due) {
            kvs__json_wr_fail(j, KVS_ERR_STATE); /* a value where a key is due */
            return 0;
        }
        j->key_due = 0;
        return 1;
    }
    bit = (uint64_t)1 << (j->depth - 1);
    if (j->nonempty & bit)
        kvs__wr_u8(&j->w, ',');
    j->nonempty |= bit;
    return 1;
}

/* After a complete value. */
KVS_PRIVATE void kvs__json_wr_done(kvs__json_wr *j) {
    if (j->depth == 0)
        j->top_done = 1;
}

/* The escaped body of a string (without quotes); invalid UTF-8 is a sticky KVS_ERR_INVALID_ARG. */
KVS_PRIVATE void kvs__json_wr_escaped(kvs__json_wr *j, const char *s, size_t n) {
    const uint8_t *b = (const uint8_t *)s;
    size_t i = 0, run, k;
    uint8_t c, esc[6];
    if (!s && n) {
        kvs__json_wr_fail(j, KVS_ERR_INVALID_ARG);
        return;
    }
    while (i < n) {
        /* a run of bytes that go out as they are */
        for (run = i; run < n; run += k) {
            c = b[run];
            if (c < 0x20u || c == '"' || c == '\\')
                break;
            k = c < 0x80u ? 1 : kvs__json_utf8_len(b + run, n - run);
            if (k == 0) {
                kvs__json_wr_fail(j, KVS_ERR_INVALID_ARG);
                return;
            }
        }
        kvs__wr_bytes(&j->w, b + i, run - i);
        i = run;
        if (i >= n)
            break;
        c = b[i++];
        esc[0] = '\\';
        k = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case 8: esc[1] = 'b'; break;
        case 12: esc[1] = 'f'; break;
        case 10: esc[1] = 'n'; break;
        case 13: esc[1] = 'r'; break;
        case 9: esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = (uint8_t)"0123456789abcdef"[c >> 4];
            esc[5] = (uint8_t)"0123456789abcdef"[c & 15u];
            k = 6;
            break;
        }
        kvs__wr_bytes(&j->w, esc, k);
    }
}

KVS_PRIVATE void kvs__json_wr_open(kvs__json_wr *j, int is_obj) {
    uint64_t bit;
    if (!kvs__json_wr_value(j))
        return;
    if (j->depth >= KVS_JSON_MAX_DEPTH) {
        kvs__json_wr_fail(j, KVS_ERR_STATE);
        return;
    }
    bit = (uint64_t)1 << j->depth;
    if (is_obj)
        j->obj |= bit;
    else
        j->obj &= ~bit;
    j->nonempty &= ~bit;
    j->depth++;
    kvs__wr_u8(&j->w, is_obj ? '{' : '[');
}

KVS_PRIVATE void kvs__json_wr_close(kvs__json_wr *j, int is_obj) {
    if (j->err != KVS_OK)
        return;
    if (j->depth == 0 || kvs__json_wr_in_obj(j) != is_obj || j->key_due) {
        kvs__json_wr_fail(j, KVS_ERR_STATE); /* unbalanced, mismatched, or a key without value */
        return;
    }
    j->depth--;
    kvs__wr_u8(&j->w, is_obj ? '}' : ']');
    kvs__json_wr_done(j);
}

KVS_PRIVATE void kvs__json_obj_begin(kvs__json_wr *j) {
    kvs__json_wr_open(j, 1);
}
KVS_PRIVATE void kvs__json_obj_end(kvs__json_wr *j) {
    kvs__json_wr_close(j, 1);
}
KVS_PRIVATE void kvs__json_arr_begin(kvs__json_wr *j) {
    kvs__json_wr_open(j, 0);
}
KVS_PRIVATE void kvs__json_arr_end(kvs__json_wr *j) {
    kvs__json_wr_close(j, 0);
}

/* A member name: only directly inside an object, and not right after another key. */
KVS_PRIVATE void kvs__json_key(kvs__json_wr *j, const char *s, size_t n) {
    uint64_t bit;
    if (j->err != KVS_OK)
        return;
    if (!kvs__json_wr_in_obj(j) || j->key_due) {
        kvs__json_wr_fail(j, KVS_ERR_STATE);
        return;
    }
    bit = (uint64_t)1 << (j->depth - 1);
    if (j->nonempty & bit)
        kvs__wr_u8(&j->w, ',');
    j->nonempty |= bit;
    kvs__wr_u8(&j->w, '"');
    kvs__json_wr_escaped(j, s, n);
    kvs__wr_u8(&j->w, '"');
    kvs__wr_u8(&j->w, ':');
    j->key_due = 1;
}

KVS_PRIVATE void kvs__json_string(kvs__json_wr *j, const char *s, size_t n) {
    if (!kvs__json_wr_value(j))
        return;
    kvs__wr_u8(&j->w, '"');
    kvs__json_wr_escaped(j, s, n);
    kvs__wr_u8(&j->w, '"');
    kvs__json_wr_done(j);
}

/* NUL-terminated convenience (NULL is KVS_ERR_INVALID_ARG). */
KVS_PRIVATE void kvs__json_cstr(kvs__json_wr *j, const char *s) {
    if (!s) {
        kvs__json_wr_fail(j, KVS_ERR_INVALID_ARG);
        return;
    }
    kvs__json_string(j, s, KVS_STRLEN(s));
}

KVS_PRIVATE void kvs__json_u64v(kvs__json_wr *j, uint64_t v) {
    if (!kvs__json_wr_value(j))
        return;
    kvs__wr_dec(&j->w, v);
    kvs__json_wr_done(j);
}

KVS_PRIVATE void kvs__json_i64v(kvs__json_wr *j, int64_t v) {
    if (!kvs__json_wr_value(j))
        return;
    if (v < 0) {
        kvs__wr_u8(&j->w, '-');
        kvs__wr_dec(&j->w, (uint64_t)0 - (uint64_t)v);
    } else {
        kvs__wr_dec(&j->w, (uint64_t)v);
    }
    kvs__json_wr_done(j);
}

/* A number given as its literal (fractions, exponents, any length), copied as is; anything but
   one complete RFC 8259 number is KVS_ERR_INVALID_ARG. */
KVS_PRIVATE void kvs__json_raw_number(kvs__json_wr *j, const char *s, size_t n) {
    size_t bad = 0;
    if (j->err != KVS_OK)
        return;
    if (!s || kvs__json_scan_number((const uint8_t *)s, n, &bad) != n || n == 0) {
        kvs__json_wr_fail(j, KVS_ERR_INVALID_ARG);
        return;
    }
    if (!kvs__json_wr_value(j))
        return;
    kvs__wr_bytes(&j->w, s, n);
    kvs__json_wr_done(j);
}

KVS_PRIVATE void kvs__json_bool(kvs__json_wr *j, int v) {
    if (!kvs__json_wr_value(j))
        return;
    kvs__wr_cstr(&j->w, v ? "true" : "false");
    kvs__json_wr_done(j);
}

KVS_PRIVATE void kvs__json_null(kvs__json_wr *j) {
    if (!kvs__json_wr_value(j))
        return;
    kvs__wr_cstr(&j->w, "null");
    kvs__json_wr_done(j);
}

/* KVS_OK and *out_len = bytes written; KVS_ERR_BUFFER_TOO_SMALL with *out_len = bytes needed;
   KVS_ERR_STATE for misuse (see the banner) or an unfinished document; KVS_ERR_INVALID_ARG when a
   string was not valid UTF-8 (or a raw number not a number). Misuse wins over the buffer size;
   *out_len is then 0. out_len may be NULL. No NUL is added. */
KVS_PRIVATE kvs_result kvs__json_wr_finish(kvs__json_wr *j, size_t *out_len) {
    if (out_len)
        *out_len = 0;
    if (j->err != KVS_OK)
        return j->err;
    if (j->depth != 0 || !j->top_done)
        return KVS_ERR_STATE;
    return kvs__wr_result(&j->w, out_len);
}

/* ==== [21] >>b64  base64 (RFC 4648 section 4) ============================================= */
/* depends on: >>prelude.  entry points: none (KVS signaling payloads, certificates).
   Standard alphabet A-Z a-z 0-9 + /. The encoder always pads with '='. The decoder is strict and
   canonical: only alphabet characters (no whitespace, no URL alphabet); padding may be present
   (then it must complete the last quartet: "xx==" or "xxx=") or absent (a last group of 2 or 3
   characters); a length of 4k+1 characters is refused; the unused low bits of the last character
   must be zero (RFC 4648 section 3.5), so every byte string has exactly one accepted encoding
   (with or without padding). Characters are mapped without secret-dependent branches or table
   lookups, so keys in PEM can go through it.                                                     */

/* 1 when lo <= x <= hi, computed without branches. */
KVS_PRIVATE uint32_t kvs__b64_in(int x, int lo, int hi) {
    return ((uint32_t)(lo - 1 - x) & (uint32_t)(x - hi - 1)) >> 31;
}

KVS_PRIVATE uint8_t kvs__b64_chr(uint32_t v) {
    int x = (int)v;
    int c = x + 'A';
    c += (int)kvs__b64_in(x, 26, 51) * ('a' - 26 - 'A');
    c += (int)kvs__b64_in(x, 52, 61) * ('0' - 52 - 'A');
    c += (int)kvs__b64_in(x, 62, 62) * ('+' - 62 - 'A');
    c += (int)kvs__b64_in(x, 63, 63) * ('/' - 63 - 'A');
    return (uint8_t)c;
}

/* The 6-bit value of a base64 character, or -1. */
KVS_PRIVATE int kvs__b64_val(int x) {
    int v = -1;
    v += (int)kvs__b64_in(x, 'A', 'Z') * (x - 'A' + 1);
    v += (int)kvs__b64_in(x, 'a', 'z') * (x - 'a' + 27);
    v += (int)kvs__b64_in(x, '0', '9') * (x - '0' + 53);
    v += (int)kvs__b64_in(x, '+', '+') * 63;
    v += (int)kvs__b64_in(x, '/', '/') * 64;
    return v;
}

/* The encoded length of n bytes (with padding), or 0 when it would not fit a size_t. */
KVS_PRIVATE size_t kvs__b64_encoded_len(size_t n) {
    if (n / 3u >= ((size_t)-1) / 4u - 1u)
        return 0;
    return (n + 2u) / 3u * 4u;
}

KVS_PRIVATE void kvs__b64_encode(kvs__wr *w, const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)b[i] << 16) | ((uint32_t)b[i + 1] << 8) | b[i + 2];
        kvs__wr_u8(w, kvs__b64_chr(v >> 18));
        kvs__wr_u8(w, kvs__b64_chr((v >> 12) & 63u));
        kvs__wr_u8(w, kvs__b64_chr((v >> 6) & 63u));
        kvs__wr_u8(w, kvs__b64_chr(v & 63u));
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)b[i] << 16;
        kvs__wr_u8(w, kvs__b64_chr(v >> 18));
        kvs__wr_u8(w, kvs__b64_chr((v >> 12) & 63u));
        kvs__wr_cstr(w, "==");
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)b[i] << 16) | ((uint32_t)b[i + 1] << 8);
        kvs__wr_u8(w, kvs__b64_chr(v >> 18));
        kvs__wr_u8(w, kvs__b64_chr((v >> 12) & 63u));
        kvs__wr_u8(w, kvs__b64_chr((v >> 6) & 63u));
        kvs__wr_u8(w, '=');
    }
}

/* Decode n characters into w. KVS_OK, or KVS_ERR_PARSE (nothing written) for anything but a
   canonical encoding as described in the banner. */
KVS_PRIVATE kvs_result kvs__b64_decode(const char *s, size_t n, kvs__wr *w) {
    size_t i, m = n, pass;
    uint32_t bad = 0;
    /* padding: only at the end, completing the last quartet */
    if (m % 4u == 0 && m > 0 && s[m - 1] == '=') {
        m--;
        if (s[m - 1] == '=')
            m--;
    }
    if (m % 4u == 1)
        return KVS_ERR_PARSE;
    /* pass 0 validates (so nothing is written for bad input), pass 1 writes */
    for (pass = 0; pass < 2; pass++) {
        uint32_t acc = 0;
        int bits = 0;
        for (i = 0; i < m; i++) {
            int v = kvs__b64_val((unsigned char)s[i]);
            bad |= (uint32_t)v >> 31; /* v == -1 */
            acc = (acc << 6) | ((uint32_t)v & 63u);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                if (pass)
                    kvs__wr_u8(w, (uint8_t)(acc >> bits));
                acc &= (1u << bits) - 1u;
            }
        }
        if (bad || acc != 0) /* a foreign character, or non-zero unused bits */
            return KVS_ERR_PARSE;
    }
    return KVS_OK;
}

/* ==== [22] >>dtls  DTLS 1.2 for WebRTC (RFC 6347, RFC 5764, RFC 7627) ====================== */
/* depends on: >>prelude, >>log, >>mem, >>crypto.  entry points: none yet (the peer drives it).
   A sans-IO DTLS 1.2 endpoint, client or server, for the WebRTC profile: datagrams go in
   (kvs__dtls_input), datagrams come out (kvs__dtls_output), and kvs__dtls_deadline says when
   kvs__dtls_timeout wants to run. Application data is sealed one record per datagram
   (kvs__dtls_send) and handed to a callback when it arrives.
   Implemented:
   - suites TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (both roles) and
     TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (client only: for a server with an RSA certificate);
     groups X25519 (preferred) and P-256; signature schemes ecdsa_secp256r1_sha256 and
     rsa_pkcs1_sha256; our own certificate is always ECDSA P-256 (kvs_cert).
   - extensions extended_master_secret (RFC 7627), renegotiation_info (RFC 5746, initial
     handshake only; the SCSV is understood), use_srtp (RFC 5764: SRTP_AES128_CM_SHA1_80,
     SRTP_AES128_CM_SHA1_32, SRTP_AEAD_AES_128_GCM; no MKI), supported_groups,
     signature_algorithms, ec_point_formats. As server, unknown extensions are ignored and a
     ClientHello offering DTLS 1.3 (supported_versions, key_share ...) is answered with 1.2; as
     client, an extension we did not offer is refused (unsupported_extension), as RFC 5246 says.
   - mutual authentication: the server always sends CertificateRequest; each side accepts the
     peer only when the SHA-256 of its leaf certificate equals the fingerprint from SDP (compared
     in constant time), else fails with a bad_certificate alert. There is no CA validation: the
     fingerprint is the trust anchor, as in every WebRTC stack.
   - record layer: epochs 0 and 1, 48-bit sequence numbers, AES-128-GCM with the 8-byte explicit
     nonce = epoch + sequence (RFC 5288), a 64-record sliding replay window (RFC 6347 4.1.2.6),
     several records per datagram both ways, records of an unknown type, version or epoch dropped
     and counted. One record of epoch 1 that arrives before its keys is kept and replayed once
     they exist (reordering of Finished around ChangeCipherSpec).
   - handshake messages are fragmented to the MTU when sent and reassembled from any fragments,
     in any order, duplicated or overlapping, for up to KVS__DTLS_SLOTS messages ahead and
     KVS_DTLS_REASM_MAX bytes; anything beyond is dropped (the peer retransmits).
   - retransmission (RFC 6347 4.2.4): the last flight is kept and sent again when the timer fires
     (initial 1 s, doubling to 8 s by default, at most 10 times per flight - OpenSSL allows 12 -
     after which the endpoint fails with KVS_ERR_TIMEOUT: 71 s with the defaults), or at once
     when a message of the peer's previous flight arrives again.
     The server keeps its last flight after the handshake, to answer a client that did not get
     it, until the client's first application record (or SRTP packet: kvs__dtls_confirm), or for
     twice its own retry window.
   - HelloVerifyRequest: handled as client; optional as server (a stateless HMAC cookie over the
     client random). ChangeCipherSpec is sent and accepted but not required before Finished,
     whose record is authenticated on its own.
   - alerts: fatal alerts sent on every failure with the matching code, close_notify both ways;
     received fatal alerts fail the endpoint. Warning alerts other than close_notify are ignored.
   - RFC 5705 exporter (kvs__dtls_export) for DTLS-SRTP ("EXTRACTOR-dtls_srtp"), and an optional
     key log in the SSLKEYLOGFILE format ("CLIENT_RANDOM <random> <master secret>").
   Left out: renegotiation, session resumption and tickets, CBC suites, compression, DTLS 1.3,
   connection IDs. Memory: kvs__dtls is about 1.1 KB and lives in its owner; the handshake state
   (flight, reassembly: KVS_DTLS_REASM_MAX * 9/8 + KVS_CERT_MAX + about 5 KB, 16 KB with the
   defaults) is allocated from the client's accountant at the start of the handshake and freed
   at its end. A kvs__dtls must not
   move once initialised (the GCM contexts point into it).                                       */

#define KVS__DTLS_CLIENT 1
#define KVS__DTLS_SERVER 2

#define KVS__DTLS_ST_HANDSHAKE 1
#define KVS__DTLS_ST_CONNECTED 2
#define KVS__DTLS_ST_CLOSED 3
#define KVS__DTLS_ST_FAILED 4

#define KVS__DTLS_CT_CCS 20
#define KVS__DTLS_CT_ALERT 21
#define KVS__DTLS_CT_HANDSHAKE 22
#define KVS__DTLS_CT_APP 23

#define KVS__DTLS_HT_CLIENT_HELLO 1
#define KVS__DTLS_HT_SERVER_HELLO 2
#define KVS__DTLS_HT_HELLO_VERIFY 3
#define KVS__DTLS_HT_CERTIFICATE 11
#define KVS__DTLS_HT_SERVER_KEX 12
#define KVS__DTLS_HT_CERT_REQUEST 13
#define KVS__DTLS_HT_SERVER_DONE 14
#define KVS__DTLS_HT_CERT_VERIFY 15
#define KVS__DTLS_HT_CLIENT_KEX 16
#define KVS__DTLS_HT_FINISHED 20

#define KVS__DTLS_V10 0xfeffu
#define KVS__DTLS_V12 0xfefdu
#define KVS__DTLS_V13 0xfefcu

#define KVS__DTLS_SUITE_ECDSA 0xc02bu /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
#define KVS__DTLS_SUITE_RSA 0xc02fu   /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
#define KVS__DTLS_SUITE_SCSV 0x00ffu  /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */

#define KVS__DTLS_EXT_GROUPS 10
#define KVS__DTLS_EXT_POINT_FORMATS 11
#define KVS__DTLS_EXT_SIG_ALGS 13
#define KVS__DTLS_EXT_USE_SRTP 14
#define KVS__DTLS_EXT_EMS 23
#define KVS__DTLS_EXT_VERSIONS 43
#define KVS__DTLS_EXT_RENEG 0xff01u

#define KVS__DTLS_AL_CLOSE_NOTIFY 0
#define KVS__DTLS_AL_UNEXPECTED_MESSAGE 10
#define KVS__DTLS_AL_HANDSHAKE_FAILURE 40
#define KVS__DTLS_AL_BAD_CERTIFICATE 42
#define KVS__DTLS_AL_UNSUPPORTED_CERTIFICATE 43
#define KVS__DTLS_AL_ILLEGAL_PARAMETER 47
#define KVS__DTLS_AL_DECODE_ERROR 50
#define KVS__DTLS_AL_DECRYPT_ERROR 51
#define KVS__DTLS_AL_PROTOCOL_VERSION 70
#define KVS__DTLS_AL_INTERNAL_ERROR 80
#define KVS__DTLS_AL_UNSUPPORTED_EXTENSION 110

#define KVS__DTLS_RH 13        /* record header */
#define KVS__DTLS_HH 12        /* handshake message header */
#define KVS__DTLS_AEAD 24      /* explicit nonce + GCM tag */
#define KVS__DTLS_SLOTS 8      /* handshake messages reassembled ahead of the next expected one */
#define KVS__DTLS_ITEMS 8      /* messages (and ChangeCipherSpec) in one of our flights */
#define KVS__DTLS_FLIGHT_MAX (KVS_CERT_MAX + 1536)
#define KVS__DTLS_EARLY_MAX 1536
#define KVS__DTLS_LINGER KVS_SEC(30)
#define KVS__DTLS_MIN_MTU 256

/* What the handshake waits for next. */
#define KVS__DTLS_E_SERVER_HELLO 1 /* client: HelloVerifyRequest or ServerHello */
#define KVS__DTLS_E_CERT 2         /* both: the peer's Certificate */
#define KVS__DTLS_E_SKE 3          /* client */
#define KVS__DTLS_E_CR_OR_DONE 4   /* client */
#define KVS__DTLS_E_DONE 5         /* client */
#define KVS__DTLS_E_FINISHED 6     /* both */
#define KVS__DTLS_E_CLIENT_HELLO 7 /* server */
#define KVS__DTLS_E_CKE 8          /* server */
#define KVS__DTLS_E_CV 9           /* server */
#define KVS__DTLS_E_NONE 10        /* handshake over */

typedef struct kvs__dtls_cfg {
    int role;                /* KVS__DTLS_CLIENT or KVS__DTLS_SERVER */
    const kvs_cert *cert;    /* our certificate and key: borrowed, must outlive the endpoint */
    uint8_t peer_fp[32];     /* SHA-256 fingerprint the peer's certificate must have */
    size_t mtu;              /* largest datagram sent; 0 = 1200 */
    kvs_time rto_initial;    /* 0 = 1 s */
    kvs_time rto_max;        /* 0 = 8 s */
    int max_retransmits;     /* retransmissions of one flight before failing; 0 = 10 */
    uint16_t srtp[3];        /* use_srtp profiles in preference order; all zero = all three, */
                             /* GCM first; 0xffff in srtp[0] = do not offer/accept use_srtp */
    int hello_verify;        /* server: demand a cookie round trip first */
    void (*keylog)(void *user, const char *line); /* debug: SSLKEYLOGFILE lines; NULL = off */
    void *keylog_user;
    const uint8_t *test_ext; /* KVS_TESTING: raw extensions appended to our ClientHello */
    size_t test_ext_len;
} kvs__dtls_cfg;

typedef struct kvs__dtls_slot {
    uint32_t len, off, have; /* message body length, arena offset, bytes received */
    uint16_t seq;
    uint8_t type, used;
} kvs__dtls_slot;

typedef struct kvs__dtls_item {
    uint32_t off, len; /* in the flight buffer: the whole message, header included */
    uint8_t ccs, epoch;
} kvs__dtls_item;

typedef struct kvs__dtls_hs {
    int expect;
    uint16_t send_seq, recv_seq;
    int32_t peer_last_seq;   /* message_seq ending the peer's previous flight; -1 none */
    uint16_t peer_prev_first; /* message_seq starting the peer's previous flight */
    uint16_t peer_next_first; /* message_seq the peer's next flight starts with */
    kvs__crypto_sha256_ctx th; /* the handshake transcript */
    kvs__crypto_ecdhe ecdhe;
    kvs__crypto_pubkey peer_key;
    uint8_t peer_point[65];
    size_t peer_point_len;
    int group, cert_requested, peer_point_formats, peer_reneg, peer_ems, peer_cert;
    uint16_t suite;
    uint8_t cookie[255];
    size_t cookie_len;
    uint8_t cookie_key[32]; /* server, hello_verify: the HMAC key of the cookies */
    /* our current flight, kept for retransmission */
    uint8_t flight[KVS__DTLS_FLIGHT_MAX];
    size_t flight_len;
    kvs__dtls_item item[KVS__DTLS_ITEMS];
    int nitems, tx_item, tx_active;
    size_t tx_off;
    int timer_on, retransmits;
    kvs_time deadline, rto, last_tx, started, linger_until;
    /* one datagram sent once (HelloVerifyRequest) */
    uint8_t oneshot[320];
    size_t oneshot_len;
    /* reassembly of the peer's messages */
    kvs__dtls_slot slot[KVS__DTLS_SLOTS];
    uint32_t arena_used;
    uint8_t arena[KVS_DTLS_REASM_MAX];
    uint8_t bits[KVS_DTLS_REASM_MAX / 8];
    /* one record of epoch 1 that came before its keys */
    uint8_t early[KVS__DTLS_EARLY_MAX];
    size_t early_len;
} kvs__dtls_hs;

typedef struct kvs__dtls {
    kvs__dtls_cfg cfg;
    kvs__rng *rng;
    kvs__log *log;
    kvs__mem *mem;
    int state;
    kvs_result error;    /* why it failed */
    int alert_pending;   /* an alert to send: -1 none, else its description */
    int alert_level;
    uint16_t w_epoch;
    uint64_t w_seq[2];   /* next record sequence number per epoch */
    int r_keys;          /* epoch 1 can be read */
    uint64_t r_top;      /* replay window: highest sequence number seen in epoch 1 */
    uint64_t r_bits;     /* bit i: r_top - i seen */
    int r_any;
    int hs_release;      /* server: the client's first record arrived; free the handshake state */
    kvs__crypto_gcm wk, rk;
    uint8_t w_iv[4], r_iv[4];
    uint8_t client_random[32], server_random[32];
    uint8_t master[48];  /* secret: kept for the exporter, zeroed at deinit */
    int ems;
    uint16_t suite, srtp_profile;
    kvs__dtls_hs *hs;
    kvs_dtls_stats st;
} kvs__dtls;

/* Called with each application-data record's plaintext. */
typedef void (*kvs__dtls_app_fn)(void *ctx, const uint8_t *p, size_t n);

/* --- failure and alerts ------------------------------------------------------------------ */

/* Fail the endpoint: queue a fatal alert (alert < 0: none), remember the result. */
KVS_PRIVATE kvs_result kvs__dtls_fail(kvs__dtls *d, int alert, kvs_result r) {
    if (d->state == KVS__DTLS_ST_FAILED || d->state == KVS__DTLS_ST_CLOSED)
        return d->error;
    d->state = KVS__DTLS_ST_FAILED;
    d->error = r;
    d->alert_pending = alert;
    d->alert_level = 2;
    return r;
}

/* --- record layer ------------------------------------------------------------------------- */

/* The 12-byte AEAD nonce: the 4-byte implicit IV then epoch and sequence number. */
KVS_PRIVATE void kvs__dtls_nonce(uint8_t nonce[12], const uint8_t iv[4], const uint8_t explicit_[8]) {
    KVS_MEMCPY(nonce, iv, 4);
    KVS_MEMCPY(nonce + 4, explicit_, 8);
}

/* The 13-byte additional data of a record: epoch+seq, type, version, plaintext length. */
KVS_PRIVATE void kvs__dtls_aad(uint8_t aad[13], const uint8_t seq8[8], int type, size_t len) {
    KVS_MEMCPY(aad, seq8, 8);
    aad[8] = (uint8_t)type;
    kvs__put_u16(aad + 9, (uint16_t)KVS__DTLS_V12);
    kvs__put_u16(aad + 11, (uint16_t)len);
}

/* Begin a record at w: header with a placeholder length (and room for the explicit nonce in
   epoch 1). Returns the offset of the record. */
KVS_PRIVATE size_t kvs__dtls_rec_begin(kvs__dtls *d, kvs__wr *w, int type, uint16_t epoch,
                                       uint64_t seq) {
    size_t start = w->len;
    kvs__wr_u8(w, (uint8_t)type);
    kvs__wr_u16(w, (uint16_t)KVS__DTLS_V12);
    kvs__wr_u16(w, epoch);
    kvs__wr_u48(w, seq);
    kvs__wr_u16(w, 0);
    if (epoch)
        kvs__wr_u64(w, 0); /* explicit nonce, filled at the end */
    (void)d;
    return start;
}

/* Finish the record started at `start`: set the length, and in epoch 1 encrypt the payload
   in place and append the tag. */
KVS_PRIVATE void kvs__dtls_rec_end(kvs__dtls *d, kvs__wr *w, size_t start) {
    uint8_t *rec;
    uint16_t epoch;
    size_t plen;
    if (w->err)
        return;
    rec = w->p + start;
    epoch = kvs__get_u16(rec + 3);
    if (epoch == 0) {
        kvs__put_u16(rec + 11, (uint16_t)(w->len - start - KVS__DTLS_RH));
    } else {
        uint8_t nonce[12], aad[13];
        uint8_t *tag = kvs__wr_reserve(w, 16);
        if (!tag)
            return;
        plen = w->len - start - KVS__DTLS_RH - KVS__DTLS_AEAD;
        KVS_MEMCPY(rec + KVS__DTLS_RH, rec + 3, 8); /* explicit nonce = epoch + sequence */
        kvs__dtls_nonce(nonce, d->w_iv, rec + KVS__DTLS_RH);
        kvs__dtls_aad(aad, rec + 3, rec[0], plen);
        kvs__crypto_gcm_seal(&d->wk, nonce, aad, 13, rec + KVS__DTLS_RH + 8, plen, tag);
        kvs__put_u16(rec + 11, (uint16_t)(plen + KVS__DTLS_AEAD));
    }
    d->st.records_sent++;
}

/* The next write sequence number of the current epoch. */
KVS_PRIVATE uint64_t kvs__dtls_next_seq(kvs__dtls *d, uint16_t epoch) {
    return d->w_seq[epoch ? 1 : 0]++;
}

/* Replay window (RFC 6347 4.1.2.6). 1 when seq is new. */
KVS_PRIVATE int kvs__dtls_replay_ok(const kvs__dtls *d, uint64_t seq) {
    if (!d->r_any || seq > d->r_top)
        return 1;
    if (d->r_top - seq >= 64)
        return 0;
    return !((d->r_bits >> (d->r_top - seq)) & 1u);
}

KVS_PRIVATE void kvs__dtls_replay_mark(kvs__dtls *d, uint64_t seq) {
    if (!d->r_any) {
        d->r_any = 1;
        d->r_top = seq;
        d->r_bits = 1;
    } else if (seq > d->r_top) {
        uint64_t shift = seq - d->r_top;
        d->r_bits = shift >= 64 ? 1u : (d->r_bits << shift) | 1u;
        d->r_top = seq;
    } else {
        d->r_bits |= (uint64_t)1u << (d->r_top - seq);
    }
}

/* --- our flights ---------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__dtls_flight_reset(kvs__dtls_hs *hs) {
    hs->flight_len = 0;
    hs->nitems = 0;
    hs->tx_active = 0;
    hs->tx_item = 0;
    hs->tx_off = 0;
}

/* Start a handshake message in the flight buffer: w writes its body after a 12-byte header. */
KVS_PRIVATE void kvs__dtls_msg_begin(kvs__dtls_hs *hs, kvs__wr *w) {
    kvs__wr_init(w, hs->flight + hs->flight_len, sizeof hs->flight - hs->flight_len);
    kvs__wr_fill(w, 0, KVS__DTLS_HH);
}

/* Finish the message: fill its header, add it to the transcript and to the flight. */
KVS_PRIVATE kvs_result kvs__dtls_msg_end(kvs__dtls *d, kvs__wr *w, int type, int epoch) {
    kvs__dtls_hs *hs = d->hs;
    uint8_t *m = hs->flight + hs->flight_len;
    size_t body;
    if (w->err || hs->nitems >= KVS__DTLS_ITEMS)
        return kvs__dtls_fail(d, KVS__DTLS_AL_INTERNAL_ERROR, KVS_ERR_LIMIT);
    body = w->len - KVS__DTLS_HH;
    m[0] = (uint8_t)type;
    kvs__put_u24(m + 1, (uint32_t)body);
    kvs__put_u16(m + 4, hs->send_seq++);
    kvs__put_u24(m + 6, 0);
    kvs__put_u24(m + 9, (uint32_t)body);
    kvs__crypto_sha256_update(&hs->th, m, w->len);
    hs->item[hs->nitems].off = (uint32_t)hs->flight_len;
    hs->item[hs->nitems].len = (uint32_t)w->len;
    hs->item[hs->nitems].ccs = 0;
    hs->item[hs->nitems].epoch = (uint8_t)epoch;
    hs->nitems++;
    hs->flight_len += w->len;
    return KVS_OK;
}

KVS_PRIVATE void kvs__dtls_flight_ccs(kvs__dtls_hs *hs) {
    hs->item[hs->nitems].off = 0;
    hs->item[hs->nitems].len = 0;
    hs->item[hs->nitems].ccs = 1;
    hs->item[hs->nitems].epoch = 0;
    hs->nitems++;
}

/* Queue the flight for transmission; with expect_reply the retransmission timer runs. */
KVS_PRIVATE void kvs__dtls_flight_send(kvs__dtls *d, kvs_time now, int expect_reply) {
    kvs__dtls_hs *hs = d->hs;
    hs->tx_active = 1;
    hs->tx_item = 0;
    hs->tx_off = 0;
    hs->last_tx = now;
    /* a new flight: the peer's previous one is complete, the timer starts afresh (RFC 6347
       4.2.4); the final flight has none (it is sent again only when the peer repeats itself) */
    hs->timer_on = expect_reply;
    hs->peer_prev_first = hs->peer_next_first;
    hs->peer_next_first = hs->recv_seq;
    hs->retransmits = 0;
    hs->rto = d->cfg.rto_initial;
    if (expect_reply)
        hs->deadline = now + hs->rto;
    d->st.flights_sent++;
}

/* Send the flight again (timer, or the peer repeated its previous flight). */
KVS_PRIVATE void kvs__dtls_flight_resend(kvs__dtls *d, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    if (!hs->nitems)
        return;
    hs->tx_active = 1;
    hs->tx_item = 0;
    hs->tx_off = 0;
    hs->last_tx = now;
    if (hs->timer_on)
        hs->deadline = now + hs->rto;
    d->st.flights_retransmitted++;
}

/* Pack as much of the pending flight as fits into one datagram. */
KVS_PRIVATE void kvs__dtls_flight_pack(kvs__dtls *d, kvs__wr *w) {
    kvs__dtls_hs *hs = d->hs;
    while (hs->tx_item < hs->nitems) {
        const kvs__dtls_item *it = &hs->item[hs->tx_item];
        size_t overhead = KVS__DTLS_RH + (it->epoch ? KVS__DTLS_AEAD : 0);
        size_t room = w->cap - w->len, start, body, left, frag;
        const uint8_t *m;
        if (it->ccs) {
            if (room < overhead + 1)
                return;
            start = kvs__dtls_rec_begin(d, w, KVS__DTLS_CT_CCS, 0, kvs__dtls_next_seq(d, 0));
            kvs__wr_u8(w, 1);
            kvs__dtls_rec_end(d, w, start);
            hs->tx_item++;
            continue;
        }
        m = hs->flight + it->off;
        body = it->len - KVS__DTLS_HH;
        left = body - hs->tx_off;
        if (room < overhead + KVS__DTLS_HH + (left ? 1u : 0u))
            return;
        frag = KVS__MIN(left, room - overhead - KVS__DTLS_HH);
        start = kvs__dtls_rec_begin(d, w, KVS__DTLS_CT_HANDSHAKE, it->epoch,
                                    kvs__dtls_next_seq(d, it->epoch));
        kvs__wr_bytes(w, m, 6); /* type, length, message_seq */
        kvs__wr_u24(w, (uint32_t)hs->tx_off);
        kvs__wr_u24(w, (uint32_t)frag);
        kvs__wr_bytes(w, m + KVS__DTLS_HH + hs->tx_off, frag);
        kvs__dtls_rec_end(d, w, start);
        hs->tx_off += frag;
        if (hs->tx_off == body) {
            hs->tx_item++;
            hs->tx_off = 0;
        }
    }
    hs->tx_active = 0;
}

/* Release the handshake state (zeroed first: it holds the ephemeral key and the transcript). */
KVS_PRIVATE void kvs__dtls_hs_free(kvs__dtls *d) {
    if (d->hs) {
        kvs__crypto_zero(d->hs, sizeof *d->hs);
        kvs__mem_free(d->mem, d->hs);
        d->hs = NULL;
    }
}

/* The next datagram to send into buf (at most the MTU). KVS_OK with *len, or KVS_ERR_AGAIN
   when there is nothing to send. */
KVS_PRIVATE kvs_result kvs__dtls_output(kvs__dtls *d, uint8_t *buf, size_t cap, size_t *len,
                                        kvs_time now) {
    kvs__wr w;
    (void)now;
    *len = 0;
    kvs__wr_init(&w, buf, KVS__MIN(cap, d->cfg.mtu));
    if (d->alert_pending >= 0) {
        size_t start;
        uint16_t ep = d->w_epoch;
        start = kvs__dtls_rec_begin(d, &w, KVS__DTLS_CT_ALERT, ep, kvs__dtls_next_seq(d, ep));
        kvs__wr_u8(&w, (uint8_t)d->alert_level);
        kvs__wr_u8(&w, (uint8_t)d->alert_pending);
        kvs__dtls_rec_end(d, &w, start);
        d->alert_pending = -1;
        if (w.err)
            return KVS_ERR_BUFFER_TOO_SMALL;
        *len = w.len;
        return KVS_OK;
    }
    if (!d->hs || d->state == KVS__DTLS_ST_FAILED || d->state == KVS__DTLS_ST_CLOSED)
        return KVS_ERR_AGAIN;
    if (d->hs->oneshot_len) {
        if (d->hs->oneshot_len > w.cap)
            return KVS_ERR_BUFFER_TOO_SMALL;
        KVS_MEMCPY(buf, d->hs->oneshot, d->hs->oneshot_len);
        *len = d->hs->oneshot_len;
        d->hs->oneshot_len = 0;
        return KVS_OK;
    }
    if (!d->hs->tx_active)
        return KVS_ERR_AGAIN;
    kvs__dtls_flight_pack(d, &w);
    if (w.err)
        return KVS_ERR_BUFFER_TOO_SMALL;
    if (w.len == 0) { /* the MTU is below one fragment */
        kvs_result r = kvs__dtls_fail(d, -1, KVS_ERR_BUFFER_TOO_SMALL);
        kvs__dtls_hs_free(d);
        return r;
    }
    *len = w.len;
    return KVS_OK;
}

/* When kvs__dtls_timeout wants to run, or KVS_TIME_NEVER. */
KVS_PRIVATE kvs_time kvs__dtls_deadline(const kvs__dtls *d) {
    if (!d->hs || d->state == KVS__DTLS_ST_FAILED || d->state == KVS__DTLS_ST_CLOSED)
        return KVS_TIME_NEVER;
    if (d->state == KVS__DTLS_ST_CONNECTED)
        return d->hs->linger_until;
    return d->hs->timer_on ? d->hs->deadline : KVS_TIME_NEVER;
}

/* Run the timers: retransmit the flight, give up after the retry budget, drop the server's
   lingering handshake state. */
KVS_PRIVATE kvs_result kvs__dtls_timeout(kvs__dtls *d, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    if (!hs || now < kvs__dtls_deadline(d))
        return KVS_OK;
    if (d->state == KVS__DTLS_ST_CONNECTED) {
        kvs__dtls_hs_free(d);
        return KVS_OK;
    }
    if (hs->retransmits >= d->cfg.max_retransmits) {
        KVS__LOGF_WARN(d->log, DTLS_TIMEOUT, "no answer after %d retransmissions", hs->retransmits);
        kvs__dtls_fail(d, -1, KVS_ERR_TIMEOUT);
        kvs__dtls_hs_free(d);
        return KVS_ERR_TIMEOUT;
    }
    hs->retransmits++;
    hs->rto = KVS__MIN(hs->rto * 2u, d->cfg.rto_max);
    kvs__dtls_flight_resend(d, now);
    return KVS_OK;
}

/* --- key schedule --------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__dtls_keylog(kvs__dtls *d) {
    char line[14 + 64 + 1 + 96 + 1];
    kvs__wr w;
    if (!d->cfg.keylog)
        return;
    kvs__wr_init(&w, line, sizeof line);
    kvs__wr_cstr(&w, "CLIENT_RANDOM ");
    kvs__util_hex_encode(&w, d->client_random, 32, 0);
    kvs__wr_u8(&w, ' ');
    kvs__util_hex_encode(&w, d->master, 48, 0);
    if (kvs__wr_result_str(&w, NULL) == KVS_OK)
        d->cfg.keylog(d->cfg.keylog_user, line);
    kvs__crypto_zero(line, sizeof line);
}

/* The record keys from the master secret and the randoms (RFC 5246 6.3): key_block =
   client_write_key | server_write_key | client_write_IV | server_write_IV. */
KVS_PRIVATE void kvs__dtls_keys(kvs__dtls *d) {
    uint8_t kb[40];
    int client = d->cfg.role == KVS__DTLS_CLIENT;
    kvs__crypto_prf(kb, sizeof kb, d->master, 48, "key expansion", d->server_random, 32,
                    d->client_random, 32);
    kvs__crypto_gcm_init(&d->wk, client ? kb : kb + 16);
    kvs__crypto_gcm_init(&d->rk, client ? kb + 16 : kb);
    KVS_MEMCPY(d->w_iv, client ? kb + 32 : kb + 36, 4);
    KVS_MEMCPY(d->r_iv, client ? kb + 36 : kb + 32, 4);
    d->r_keys = 1;
    kvs__crypto_zero(kb, sizeof kb);
}

/* From the ECDHE shared secret: the master secret (extended, RFC 7627, when both sides agreed:
   over the session hash, i.e. the transcript through ClientKeyExchange) and the record keys. */
KVS_PRIVATE void kvs__dtls_derive(kvs__dtls *d, const uint8_t shared[32]) {
    uint8_t sh[32];
    if (d->ems) {
        kvs__crypto_sha256_out(&d->hs->th, sh);
        kvs__crypto_prf(d->master, 48, shared, 32, "extended master secret", sh, 32, NULL, 0);
    } else {
        kvs__crypto_prf(d->master, 48, shared, 32, "master secret", d->client_random, 32,
                        d->server_random, 32);
    }
    kvs__dtls_keys(d);
    kvs__dtls_keylog(d);
}

/* verify_data of a Finished message over the transcript so far. */
KVS_PRIVATE void kvs__dtls_finished(kvs__dtls *d, int from_client, uint8_t out[12]) {
    uint8_t h[32];
    kvs__crypto_sha256_out(&d->hs->th, h);
    kvs__crypto_prf(out, 12, d->master, 48, from_client ? "client finished" : "server finished", h,
                    32, NULL, 0);
}

/* RFC 5705 keying material: PRF(master, label, client_random + server_random), no context. */
KVS_PRIVATE kvs_result kvs__dtls_export(const kvs__dtls *d, const char *label, uint8_t *out,
                                        size_t n) {
    if (d->state != KVS__DTLS_ST_CONNECTED)
        return KVS_ERR_STATE;
    kvs__crypto_prf(out, n, d->master, 48, label, d->client_random, 32, d->server_random, 32);
    return KVS_OK;
}

/* ==== [23] >>dtls-hs  DTLS 1.2 handshake: messages both ways, reassembly, input, lifecycle ==== */
/* depends on: >>dtls.  entry points: none yet (the peer drives it).
   The second half of the DTLS endpoint (see the >>dtls banner for what is implemented): the
   messages of both roles, the order they must come in, reassembly of the peer's fragments, the
   record input path, and init / deinit / send / close. Names keep the kvs__dtls_ prefix.        */

/* --- messages we send ------------------------------------------------------------------------ */

/* The use_srtp profiles we offer / accept, in preference order; returns their count. */
KVS_PRIVATE int kvs__dtls_srtp_list(const kvs__dtls *d, uint16_t out[3]) {
    int n = 0, i;
    if (d->cfg.srtp[0] == 0xffffu)
        return 0;
    if (d->cfg.srtp[0] == 0) {
        out[0] = KVS_SRTP_AEAD_AES_128_GCM;
        out[1] = KVS_SRTP_AES128_CM_SHA1_80;
        out[2] = KVS_SRTP_AES128_CM_SHA1_32;
        return 3;
    }
    for (i = 0; i < 3 && d->cfg.srtp[i]; i++)
        out[n++] = d->cfg.srtp[i];
    return n;
}

/* The Certificate message with our certificate. */
KVS_PRIVATE kvs_result kvs__dtls_send_certificate(kvs__dtls *d) {
    kvs__wr w;
    size_t n = d->cfg.cert->der_len;
    kvs__dtls_msg_begin(d->hs, &w);
    kvs__wr_u24(&w, (uint32_t)(n + 3));
    kvs__wr_u24(&w, (uint32_t)n);
    kvs__wr_bytes(&w, d->cfg.cert->der, n);
    return kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_CERTIFICATE, 0);
}

/* A signature over hash with our key, as a digitally-signed struct (scheme + length + DER). */
KVS_PRIVATE kvs_result kvs__dtls_put_signature(kvs__dtls *d, kvs__wr *w, const uint8_t hash[32]) {
    uint8_t sig[KVS__CRYPTO_ECDSA_SIG_MAX];
    size_t n = kvs__crypto_ecdsa_sign(d->cfg.cert->key, hash, sig);
    if (!n)
        return kvs__dtls_fail(d, KVS__DTLS_AL_INTERNAL_ERROR, KVS_ERR_CRYPTO);
    kvs__wr_u16(w, KVS__CRYPTO_SIG_ECDSA_SHA256);
    kvs__wr_u16(w, (uint16_t)n);
    kvs__wr_bytes(w, sig, n);
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__dtls_send_client_hello(kvs__dtls *d, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    uint16_t prof[3];
    int np = kvs__dtls_srtp_list(d, prof), i;
    size_t ext;
    kvs__wr w;
    kvs_result r;
    kvs__dtls_flight_reset(hs);
    kvs__dtls_msg_begin(hs, &w);
    kvs__wr_u16(&w, (uint16_t)KVS__DTLS_V12);
    kvs__wr_bytes(&w, d->client_random, 32);
    kvs__wr_u8(&w, 0); /* session_id */
    kvs__wr_u8(&w, (uint8_t)hs->cookie_len);
    kvs__wr_bytes(&w, hs->cookie, hs->cookie_len);
    kvs__wr_u16(&w, 4);
    kvs__wr_u16(&w, (uint16_t)KVS__DTLS_SUITE_ECDSA);
    kvs__wr_u16(&w, (uint16_t)KVS__DTLS_SUITE_RSA);
    kvs__wr_u8(&w, 1);
    kvs__wr_u8(&w, 0); /* null compression */
    ext = w.len;
    kvs__wr_u16(&w, 0);
    kvs__wr_u16(&w, KVS__DTLS_EXT_GROUPS);
    kvs__wr_u16(&w, 6);
    kvs__wr_u16(&w, 4);
    kvs__wr_u16(&w, KVS__CRYPTO_GROUP_X25519);
    kvs__wr_u16(&w, KVS__CRYPTO_GROUP_P256);
    kvs__wr_u16(&w, KVS__DTLS_EXT_POINT_FORMATS);
    kvs__wr_u16(&w, 2);
    kvs__wr_u8(&w, 1);
    kvs__wr_u8(&w, 0); /* uncompressed */
    kvs__wr_u16(&w, KVS__DTLS_EXT_SIG_ALGS);
    kvs__wr_u16(&w, 6);
    kvs__wr_u16(&w, 4);
    kvs__wr_u16(&w, KVS__CRYPTO_SIG_ECDSA_SHA256);
    kvs__wr_u16(&w, KVS__CRYPTO_SIG_RSA_SHA256);
    if (np) {
        kvs__wr_u16(&w, KVS__DTLS_EXT_USE_SRTP);
        kvs__wr_u16(&w, (uint16_t)(2 + 2 * np + 1));
        kvs__wr_u16(&w, (uint16_t)(2 * np));
        for (i = 0; i < np; i++)
            kvs__wr_u16(&w, prof[i]);
        kvs__wr_u8(&w, 0); /* no MKI */
    }
    kvs__wr_u16(&w, KVS__DTLS_EXT_EMS);
    kvs__wr_u16(&w, 0);
    kvs__wr_u16(&w, (uint16_t)KVS__DTLS_EXT_RENEG);
    kvs__wr_u16(&w, 1);
    kvs__wr_u8(&w, 0);
#if KVS_TESTING
    if (d->cfg.test_ext_len)
        kvs__wr_bytes(&w, d->cfg.test_ext, d->cfg.test_ext_len);
#endif
    if (!w.err)
        kvs__put_u16(w.p + ext, (uint16_t)(w.len - ext - 2));
    r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_CLIENT_HELLO, 0);
    if (r != KVS_OK)
        return r;
    hs->expect = KVS__DTLS_E_SERVER_HELLO;
    kvs__dtls_flight_send(d, now, 1);
    return KVS_OK;
}

/* The server's answer to a good ClientHello: ServerHello, Certificate, ServerKeyExchange,
   CertificateRequest, ServerHelloDone. */
KVS_PRIVATE kvs_result kvs__dtls_send_server_flight(kvs__dtls *d, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    uint8_t h[32];
    size_t ext, params;
    kvs__wr w;
    kvs__crypto_sha256_ctx sc;
    kvs_result r;
    r = kvs__crypto_random(d->rng, d->server_random, 32);
    if (r == KVS_OK)
        r = kvs__crypto_ecdhe_keygen(&hs->ecdhe, hs->group, d->rng);
    if (r != KVS_OK)
        return kvs__dtls_fail(d, KVS__DTLS_AL_INTERNAL_ERROR, r);
    kvs__dtls_flight_reset(hs);
    /* ServerHello */
    kvs__dtls_msg_begin(hs, &w);
    kvs__wr_u16(&w, (uint16_t)KVS__DTLS_V12);
    kvs__wr_bytes(&w, d->server_random, 32);
    kvs__wr_u8(&w, 0); /* no session id: no resumption */
    kvs__wr_u16(&w, (uint16_t)KVS__DTLS_SUITE_ECDSA);
    kvs__wr_u8(&w, 0);
    ext = w.len;
    kvs__wr_u16(&w, 0);
    if (hs->peer_reneg) {
        kvs__wr_u16(&w, (uint16_t)KVS__DTLS_EXT_RENEG);
        kvs__wr_u16(&w, 1);
        kvs__wr_u8(&w, 0);
    }
    if (d->ems) {
        kvs__wr_u16(&w, KVS__DTLS_EXT_EMS);
        kvs__wr_u16(&w, 0);
    }
    if (d->srtp_profile) {
        kvs__wr_u16(&w, KVS__DTLS_EXT_USE_SRTP);
        kvs__wr_u16(&w, 5);
        kvs__wr_u16(&w, 2);
        kvs__wr_u16(&w, d->srtp_profile);
        kvs__wr_u8(&w, 0);
    }
    if (hs->peer_point_formats) {
        kvs__wr_u16(&w, KVS__DTLS_EXT_POINT_FORMATS);
        kvs__wr_u16(&w, 2);
        kvs__wr_u8(&w, 1);
        kvs__wr_u8(&w, 0);
    }
    if (!w.err) {
        if (w.len - ext == 2)
            w.len -= 2; /* no extensions: omit the block */
        else
            kvs__put_u16(w.p + ext, (uint16_t)(w.len - ext - 2));
    }
    r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_SERVER_HELLO, 0);
    if (r == KVS_OK)
        r = kvs__dtls_send_certificate(d);
    if (r != KVS_OK)
        return r;
    /* ServerKeyExchange: named curve, our ephemeral point, signed with the randoms */
    kvs__dtls_msg_begin(hs, &w);
    params = w.len;
    kvs__wr_u8(&w, 3);
    kvs__wr_u16(&w, (uint16_t)hs->group);
    kvs__wr_u8(&w, (uint8_t)hs->ecdhe.pub_len);
    kvs__wr_bytes(&w, hs->ecdhe.pub, hs->ecdhe.pub_len);
    if (w.err)
        return kvs__dtls_fail(d, KVS__DTLS_AL_INTERNAL_ERROR, KVS_ERR_LIMIT);
    kvs__crypto_sha256_init(&sc);
    kvs__crypto_sha256_update(&sc, d->client_random, 32);
    kvs__crypto_sha256_update(&sc, d->server_random, 32);
    kvs__crypto_sha256_update(&sc, w.p + params, w.len - params);
    kvs__crypto_sha256_out(&sc, h);
    r = kvs__dtls_put_signature(d, &w, h);
    if (r == KVS_OK)
        r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_SERVER_KEX, 0);
    if (r != KVS_OK)
        return r;
    /* CertificateRequest: ecdsa_sign or rsa_sign, SHA-256 schemes, any authority */
    kvs__dtls_msg_begin(hs, &w);
    kvs__wr_u8(&w, 2);
    kvs__wr_u8(&w, 64);
    kvs__wr_u8(&w, 1);
    kvs__wr_u16(&w, 4);
    kvs__wr_u16(&w, KVS__CRYPTO_SIG_ECDSA_SHA256);
    kvs__wr_u16(&w, KVS__CRYPTO_SIG_RSA_SHA256);
    kvs__wr_u16(&w, 0);
    r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_CERT_REQUEST, 0);
    if (r != KVS_OK)
        return r;
    kvs__dtls_msg_begin(hs, &w);
    r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_SERVER_DONE, 0);
    if (r != KVS_OK)
        return r;
    hs->expect = KVS__DTLS_E_CERT;
    kvs__dtls_flight_send(d, now, 1);
    return KVS_OK;
}

/* The client's second flight: [Certificate], ClientKeyExchange, [CertificateVerify],
   ChangeCipherSpec, Finished. */
KVS_PRIVATE kvs_result kvs__dtls_send_client_flight(kvs__dtls *d, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    uint8_t shared[32], h[32], fin[12];
    kvs__wr w;
    kvs_result r;
    kvs__dtls_flight_reset(hs);
    if (hs->cert_requested && (r = kvs__dtls_send_certificate(d)) != KVS_OK)
        return r;
    r = kvs__crypto_ecdhe_keygen(&hs->ecdhe, hs->group, d->rng);
    if (r != KVS_OK)
        return kvs__dtls_fail(d, KVS__DTLS_AL_INTERNAL_ERROR, r);
    if (kvs__crypto_ecdhe_shared(&hs->ecdhe, hs->peer_point, hs->peer_point_len, shared) != KVS_OK) {
        KVS__LOG_WARN(d->log, DTLS_BAD_MESSAGE);
        return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
    }
    kvs__dtls_msg_begin(hs, &w);
    kvs__wr_u8(&w, (uint8_t)hs->ecdhe.pub_len);
    kvs__wr_bytes(&w, hs->ecdhe.pub, hs->ecdhe.pub_len);
    r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_CLIENT_KEX, 0);
    if (r == KVS_OK) {
        kvs__dtls_derive(d, shared);
        if (hs->cert_requested) {
            kvs__crypto_sha256_out(&hs->th, h);
            kvs__dtls_msg_begin(hs, &w);
            r = kvs__dtls_put_signature(d, &w, h);
            if (r == KVS_OK)
                r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_CERT_VERIFY, 0);
        }
    }
    kvs__crypto_zero(shared, sizeof shared);
    kvs__crypto_zero(&hs->ecdhe, sizeof hs->ecdhe);
    if (r != KVS_OK)
        return r;
    kvs__dtls_flight_ccs(hs);
    d->w_epoch = 1;
    kvs__dtls_finished(d, 1, fin);
    kvs__dtls_msg_begin(hs, &w);
    kvs__wr_bytes(&w, fin, 12);
    r = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_FINISHED, 1);
    if (r != KVS_OK)
        return r;
    hs->expect = KVS__DTLS_E_FINISHED;
    kvs__dtls_flight_send(d, now, 1);
    return KVS_OK;
}

/* --- messages we receive --------------------------------------------------------------------- */

/* Fail with a decode_error: the message does not parse. */
KVS_PRIVATE kvs_result kvs__dtls_bad(kvs__dtls *d, int type) {
    (void)type; /* only in the log line, which may be compiled out */
    KVS__LOGF_WARN(d->log, DTLS_BAD_MESSAGE, "handshake message %d", type);
    return kvs__dtls_fail(d, KVS__DTLS_AL_DECODE_ERROR, KVS_ERR_PROTOCOL);
}

/* A Certificate message: check the leaf against the SDP fingerprint, keep its public key. */
KVS_PRIVATE kvs_result kvs__dtls_on_certificate(kvs__dtls *d, kvs__rd *r) {
    kvs__dtls_hs *hs = d->hs;
    kvs__rd list = kvs__rd_sub(r, kvs__rd_u24(r)), leaf;
    uint8_t fp[32];
    kvs_result res;
    if (!kvs__rd_ok(r) || !kvs__rd_ok(&list) || kvs__rd_left(r))
        return kvs__dtls_bad(d, KVS__DTLS_HT_CERTIFICATE);
    if (kvs__rd_left(&list) == 0) {
        KVS__LOG_WARN(d->log, DTLS_NO_CERT);
        return kvs__dtls_fail(d, KVS__DTLS_AL_HANDSHAKE_FAILURE, KVS_ERR_AUTH);
    }
    leaf = kvs__rd_sub(&list, kvs__rd_u24(&list));
    if (!kvs__rd_ok(&list) || !kvs__rd_ok(&leaf) || kvs__rd_left(&leaf) == 0)
        return kvs__dtls_bad(d, KVS__DTLS_HT_CERTIFICATE);
    kvs__crypto_sha256(leaf.p, kvs__rd_left(&leaf), fp);
    if (!kvs__crypto_ct_eq(fp, d->cfg.peer_fp, 32)) {
        KVS__LOG_WARN(d->log, DTLS_FINGERPRINT_MISMATCH);
        return kvs__dtls_fail(d, KVS__DTLS_AL_BAD_CERTIFICATE, KVS_ERR_AUTH);
    }
    res = kvs__crypto_cert_pubkey(leaf.p, kvs__rd_left(&leaf), &hs->peer_key);
    if (res != KVS_OK) {
        KVS__LOG_WARN(d->log, DTLS_BAD_CERT);
        return kvs__dtls_fail(d, KVS__DTLS_AL_UNSUPPORTED_CERTIFICATE, KVS_ERR_AUTH);
    }
    if (d->cfg.role == KVS__DTLS_CLIENT &&
        hs->peer_key.type != (hs->suite == KVS__DTLS_SUITE_ECDSA ? KVS__CRYPTO_KEY_EC : KVS__CRYPTO_KEY_RSA)) {
        KVS__LOG_WARN(d->log, DTLS_BAD_CERT);
        return kvs__dtls_fail(d, KVS__DTLS_AL_UNSUPPORTED_CERTIFICATE, KVS_ERR_AUTH);
    }
    hs->peer_cert = 1;
    return KVS_OK;
}

/* Read a digitally-signed struct and verify it over hash with the peer's key. */
KVS_PRIVATE kvs_result kvs__dtls_check_signature(kvs__dtls *d, kvs__rd *r, const uint8_t hash[32],
                                                 int type) {
    uint16_t scheme = kvs__rd_u16(r);
    size_t n = kvs__rd_u16(r);
    const uint8_t *sig = kvs__rd_ptr(r, n);
    if (!sig || kvs__rd_left(r))
        return kvs__dtls_bad(d, type);
    if (scheme != KVS__CRYPTO_SIG_ECDSA_SHA256 && scheme != KVS__CRYPTO_SIG_RSA_SHA256) {
        KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "signature scheme 0x%04x", (unsigned)scheme);
        return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
    }
    if (kvs__crypto_verify(&d->hs->peer_key, scheme, hash, sig, n) != KVS_OK) {
        KVS__LOGF_WARN(d->log, DTLS_BAD_SIGNATURE, "handshake message %d", type);
        return kvs__dtls_fail(d, KVS__DTLS_AL_DECRYPT_ERROR, KVS_ERR_AUTH);
    }
    return KVS_OK;
}

/* Client: HelloVerifyRequest -> the ClientHello again, with the cookie. */
KVS_PRIVATE kvs_result kvs__dtls_on_hello_verify(kvs__dtls *d, kvs__rd *r, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    uint16_t v = kvs__rd_u16(r);
    size_t n = kvs__rd_u8(r);
    const uint8_t *c = kvs__rd_ptr(r, n);
    if (!c || kvs__rd_left(r) || (v != KVS__DTLS_V10 && v != KVS__DTLS_V12))
        return kvs__dtls_bad(d, KVS__DTLS_HT_HELLO_VERIFY);
    KVS_MEMCPY(hs->cookie, c, n);
    hs->cookie_len = n;
    /* the first ClientHello and the HelloVerifyRequest are not part of the transcript */
    kvs__crypto_sha256_init(&hs->th);
    hs->peer_last_seq = -1;
    return kvs__dtls_send_client_hello(d, now);
}

KVS_PRIVATE kvs_result kvs__dtls_on_server_hello(kvs__dtls *d, kvs__rd *r) {
    kvs__dtls_hs *hs = d->hs;
    uint16_t v = kvs__rd_u16(r), prof[3];
    int np = kvs__dtls_srtp_list(d, prof), i;
    uint32_t seen = 0;
    kvs__rd ext;
    kvs__rd_bytes(r, d->server_random, 32);
    kvs__rd_skip(r, kvs__rd_u8(r)); /* session id */
    hs->suite = kvs__rd_u16(r);
    if (kvs__rd_u8(r) != 0 || !kvs__rd_ok(r))
        return kvs__dtls_bad(d, KVS__DTLS_HT_SERVER_HELLO);
    if (v != KVS__DTLS_V12) {
        KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "server version 0x%04x", (unsigned)v);
        return kvs__dtls_fail(d, KVS__DTLS_AL_PROTOCOL_VERSION, KVS_ERR_PROTOCOL);
    }
    if (hs->suite != KVS__DTLS_SUITE_ECDSA && hs->suite != KVS__DTLS_SUITE_RSA) {
        KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "cipher suite 0x%04x", (unsigned)hs->suite);
        return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
    }
    ext = kvs__rd_sub(r, kvs__rd_left(r) ? kvs__rd_u16(r) : 0);
    if (!kvs__rd_ok(r) || kvs__rd_left(r))
        return kvs__dtls_bad(d, KVS__DTLS_HT_SERVER_HELLO);
    while (kvs__rd_left(&ext)) {
        uint16_t type = kvs__rd_u16(&ext);
        kvs__rd e = kvs__rd_sub(&ext, kvs__rd_u16(&ext));
        uint32_t bit;
        if (!kvs__rd_ok(&ext))
            return kvs__dtls_bad(d, KVS__DTLS_HT_SERVER_HELLO);
        bit = type == KVS__DTLS_EXT_RENEG ? 1u : type == KVS__DTLS_EXT_EMS ? 2u
              : type == KVS__DTLS_EXT_USE_SRTP ? 4u : type == KVS__DTLS_EXT_POINT_FORMATS ? 8u : 0u;
        if (!bit || (type == KVS__DTLS_EXT_USE_SRTP && !np)) {
            KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "extension %u not offered", (unsigned)type);
            return kvs__dtls_fail(d, KVS__DTLS_AL_UNSUPPORTED_EXTENSION, KVS_ERR_PROTOCOL);
        }
        if (seen & bit)
            return kvs__dtls_bad(d, KVS__DTLS_HT_SERVER_HELLO);
        seen |= bit;
        if (type == KVS__DTLS_EXT_RENEG) {
            /* secure renegotiation: empty on the initial handshake (RFC 5746 3.4); we never
               renegotiate, so its absence needs no action */
            if (kvs__rd_u8(&e) != 0 || !kvs__rd_ok(&e) || kvs__rd_left(&e))
                return kvs__dtls_fail(d, KVS__DTLS_AL_HANDSHAKE_FAILURE, KVS_ERR_PROTOCOL);
        } else if (type == KVS__DTLS_EXT_EMS) {
            if (kvs__rd_left(&e))
                return kvs__dtls_bad(d, KVS__DTLS_HT_SERVER_HELLO);
            d->ems = 1;
        } else if (type == KVS__DTLS_EXT_USE_SRTP) {
            uint16_t plen = kvs__rd_u16(&e), p = kvs__rd_u16(&e);
            size_t mki = kvs__rd_u8(&e);
            int ok = 0;
            for (i = 0; i < np; i++)
                ok |= prof[i] == p;
            if (plen != 2 || mki != 0 || !kvs__rd_ok(&e) || kvs__rd_left(&e) || !ok)
                return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
            d->srtp_profile = p;
        } else {
            kvs__rd pf = kvs__rd_sub(&e, kvs__rd_u8(&e));
            int unc = 0;
            while (kvs__rd_left(&pf))
                unc |= kvs__rd_u8(&pf) == 0;
            if (!kvs__rd_ok(&e) || kvs__rd_left(&e) || !unc)
                return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
        }
    }
    d->suite = hs->suite;
    hs->expect = KVS__DTLS_E_CERT;
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__dtls_on_server_kex(kvs__dtls *d, kvs__rd *r) {
    kvs__dtls_hs *hs = d->hs;
    const uint8_t *params = r->p, *pt;
    uint8_t h[32];
    kvs__crypto_sha256_ctx sc;
    int ctype = kvs__rd_u8(r);
    uint16_t group = kvs__rd_u16(r);
    size_t n = kvs__rd_u8(r);
    pt = kvs__rd_ptr(r, n);
    if (!pt || ctype != 3)
        return kvs__dtls_bad(d, KVS__DTLS_HT_SERVER_KEX);
    if ((group != KVS__CRYPTO_GROUP_P256 && group != KVS__CRYPTO_GROUP_X25519) ||
        n != (group == KVS__CRYPTO_GROUP_P256 ? 65u : 32u)) {
        KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "group %u", (unsigned)group);
        return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
    }
    hs->group = group;
    KVS_MEMCPY(hs->peer_point, pt, n);
    hs->peer_point_len = n;
    kvs__crypto_sha256_init(&sc);
    kvs__crypto_sha256_update(&sc, d->client_random, 32);
    kvs__crypto_sha256_update(&sc, d->server_random, 32);
    kvs__crypto_sha256_update(&sc, params, (size_t)(r->p - params));
    kvs__crypto_sha256_out(&sc, h);
    if (kvs__dtls_check_signature(d, r, h, KVS__DTLS_HT_SERVER_KEX) != KVS_OK)
        return d->error;
    hs->expect = KVS__DTLS_E_CR_OR_DONE;
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__dtls_on_cert_request(kvs__dtls *d, kvs__rd *r) {
    kvs__rd types = kvs__rd_sub(r, kvs__rd_u8(r));
    kvs__rd algs = kvs__rd_sub(r, kvs__rd_u16(r));
    kvs__rd cas = kvs__rd_sub(r, kvs__rd_u16(r));
    if (!kvs__rd_ok(r) || kvs__rd_left(r) || !kvs__rd_ok(&types) || !kvs__rd_ok(&algs) ||
        !kvs__rd_ok(&cas) || kvs__rd_left(&algs) % 2u)
        return kvs__dtls_bad(d, KVS__DTLS_HT_CERT_REQUEST);
    d->hs->cert_requested = 1;
    d->hs->expect = KVS__DTLS_E_DONE;
    return KVS_OK;
}

/* Server: the ClientHello. Picks suite, group, SRTP profile; may answer with a cookie. */
KVS_PRIVATE kvs_result kvs__dtls_on_client_hello(kvs__dtls *d, kvs__rd *r, uint16_t mseq,
                                                 uint64_t rseq, int *stateless) {
    kvs__dtls_hs *hs = d->hs;
    uint16_t v = kvs__rd_u16(r), prof[3];
    int np = kvs__dtls_srtp_list(d, prof), i, ecdsa = 0, null_comp = 0, sig_ok = 0, v12 = 1;
    int x25519 = 0, p256 = 0, groups_ext = 0, sigalgs_ext = 0;
    uint32_t seen = 0;
    size_t sid, clen;
    const uint8_t *cookie;
    kvs__rd suites, comp, ext;
    *stateless = 0;
    kvs__rd_bytes(r, d->client_random, 32);
    sid = kvs__rd_u8(r);
    kvs__rd_skip(r, sid);
    clen = kvs__rd_u8(r);
    cookie = kvs__rd_ptr(r, clen);
    suites = kvs__rd_sub(r, kvs__rd_u16(r));
    comp = kvs__rd_sub(r, kvs__rd_u8(r));
    ext = kvs__rd_sub(r, kvs__rd_left(r) ? kvs__rd_u16(r) : 0);
    if (!kvs__rd_ok(r) || kvs__rd_left(r) || sid > 32 || !kvs__rd_ok(&suites) ||
        kvs__rd_left(&suites) % 2u || !kvs__rd_ok(&comp))
        return kvs__dtls_bad(d, KVS__DTLS_HT_CLIENT_HELLO);
    /* DTLS versions count down: 0xfeff is 1.0, 0xfefd is 1.2 */
    if (v > KVS__DTLS_V12 || v < 0xfe00u) {
        KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "client version 0x%04x", (unsigned)v);
        return kvs__dtls_fail(d, KVS__DTLS_AL_PROTOCOL_VERSION, KVS_ERR_PROTOCOL);
    }
    if (d->cfg.hello_verify) {
        uint8_t want[32];
        kvs__crypto_hmac_sha256(hs->cookie_key, 32, d->client_random, 32, want);
        if (clen != 16 || !kvs__crypto_ct_eq(cookie, want, 16)) {
            /* HelloVerifyRequest: stateless, sent once, with the ClientHello's record number */
            kvs__wr w;
            size_t start;
            kvs__wr_init(&w, hs->oneshot, sizeof hs->oneshot);
            start = kvs__dtls_rec_begin(d, &w, KVS__DTLS_CT_HANDSHAKE, 0, rseq);
            kvs__wr_u8(&w, KVS__DTLS_HT_HELLO_VERIFY);
            kvs__wr_u24(&w, 3 + 16);
            kvs__wr_u16(&w, mseq);
            kvs__wr_u24(&w, 0);
            kvs__wr_u24(&w, 3 + 16);
            kvs__wr_u16(&w, (uint16_t)KVS__DTLS_V12);
            kvs__wr_u8(&w, 16);
            kvs__wr_bytes(&w, want, 16);
            kvs__dtls_rec_end(d, &w, start);
            hs->oneshot_len = w.err ? 0 : w.len;
            hs->send_seq = (uint16_t)(mseq + 1);
            /* the client's replay window has seen this record number: our next records must
               come after it (OpenSSL drops a ServerHello that reuses it) */
            if (d->w_seq[0] <= rseq)
                d->w_seq[0] = rseq + 1;
            *stateless = 1;
            return KVS_OK;
        }
    }
    while (kvs__rd_left(&suites)) {
        uint16_t s = kvs__rd_u16(&suites);
        ecdsa |= s == KVS__DTLS_SUITE_ECDSA;
        hs->peer_reneg |= s == KVS__DTLS_SUITE_SCSV;
    }
    while (kvs__rd_left(&comp))
        null_comp |= kvs__rd_u8(&comp) == 0;
    while (kvs__rd_left(&ext)) {
        uint16_t type = kvs__rd_u16(&ext);
        kvs__rd e = kvs__rd_sub(&ext, kvs__rd_u16(&ext)), l;
        uint32_t bit = type == KVS__DTLS_EXT_GROUPS ? 1u : type == KVS__DTLS_EXT_POINT_FORMATS ? 2u
                       : type == KVS__DTLS_EXT_SIG_ALGS ? 4u : type == KVS__DTLS_EXT_USE_SRTP ? 8u
                       : type == KVS__DTLS_EXT_EMS ? 16u : type == KVS__DTLS_EXT_RENEG ? 32u
                       : type == KVS__DTLS_EXT_VERSIONS ? 64u : 0u;
        if (!kvs__rd_ok(&ext) || (seen & bit)) /* one extension of a type (RFC 5246 7.4.1.4) */
            return kvs__dtls_bad(d, KVS__DTLS_HT_CLIENT_HELLO);
        seen |= bit;
        switch (type) {
        case KVS__DTLS_EXT_GROUPS:
            groups_ext = 1;
            l = kvs__rd_sub(&e, kvs__rd_u16(&e));
            while (kvs__rd_left(&l) >= 2) {
                uint16_t g = kvs__rd_u16(&l);
                x25519 |= g == KVS__CRYPTO_GROUP_X25519;
                p256 |= g == KVS__CRYPTO_GROUP_P256;
            }
            break;
        case KVS__DTLS_EXT_POINT_FORMATS: {
            int unc = 0;
            l = kvs__rd_sub(&e, kvs__rd_u8(&e));
            while (kvs__rd_left(&l))
                unc |= kvs__rd_u8(&l) == 0;
            if (!unc)
                return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
            hs->peer_point_formats = 1;
            break;
        }
        case KVS__DTLS_EXT_SIG_ALGS:
            sigalgs_ext = 1;
            l = kvs__rd_sub(&e, kvs__rd_u16(&e));
            while (kvs__rd_left(&l) >= 2)
                sig_ok |= kvs__rd_u16(&l) == KVS__CRYPTO_SIG_ECDSA_SHA256;
            break;
        case KVS__DTLS_EXT_USE_SRTP:
            l = kvs__rd_sub(&e, kvs__rd_u16(&e));
            if (!kvs__rd_ok(&l) || kvs__rd_left(&l) % 2u)
                return kvs__dtls_bad(d, KVS__DTLS_HT_CLIENT_HELLO);
            /* our preference among what the client offers */
            for (i = 0; i < np && !d->srtp_profile; i++) {
                kvs__rd scan = l;
                while (kvs__rd_left(&scan) >= 2)
                    if (kvs__rd_u16(&scan) == prof[i])
                        d->srtp_profile = prof[i];
            }
            break;
        case KVS__DTLS_EXT_EMS:
            d->ems = 1;
            break;
        case KVS__DTLS_EXT_RENEG:
            if (kvs__rd_u8(&e) != 0 || kvs__rd_left(&e))
                return kvs__dtls_fail(d, KVS__DTLS_AL_HANDSHAKE_FAILURE, KVS_ERR_PROTOCOL);
            hs->peer_reneg = 1;
            break;
        case KVS__DTLS_EXT_VERSIONS: /* a DTLS 1.3 client: fine as long as it can do 1.2 */
            l = kvs__rd_sub(&e, kvs__rd_u8(&e));
            v12 = 0;
            while (kvs__rd_left(&l) >= 2)
                v12 |= kvs__rd_u16(&l) == KVS__DTLS_V12;
            break;
        default: /* unknown extensions are ignored (RFC 5246 7.4.1.4) */
            break;
        }
        if (!kvs__rd_ok(&e))
            return kvs__dtls_bad(d, KVS__DTLS_HT_CLIENT_HELLO);
    }
    if (!v12) {
        KVS__LOG_WARN(d->log, DTLS_UNSUPPORTED);
        return kvs__dtls_fail(d, KVS__DTLS_AL_PROTOCOL_VERSION, KVS_ERR_PROTOCOL);
    }
    if (!ecdsa || !null_comp || (sigalgs_ext && !sig_ok) || !sigalgs_ext ||
        (groups_ext && !x25519 && !p256)) {
        KVS__LOGF_WARN(d->log, DTLS_UNSUPPORTED, "suite %d, compression %d, ecdsa-sha256 %d, group %d",
                       ecdsa, null_comp, sig_ok, x25519 || p256 || !groups_ext);
        return kvs__dtls_fail(d, KVS__DTLS_AL_HANDSHAKE_FAILURE, KVS_ERR_PROTOCOL);
    }
    hs->group = x25519 ? KVS__CRYPTO_GROUP_X25519 : KVS__CRYPTO_GROUP_P256;
    d->suite = KVS__DTLS_SUITE_ECDSA;
    return KVS_OK;
}

/* Server: the client's ClientKeyExchange -> keys. */
KVS_PRIVATE kvs_result kvs__dtls_on_client_kex(kvs__dtls *d, kvs__rd *r) {
    kvs__dtls_hs *hs = d->hs;
    size_t n = kvs__rd_u8(r);
    const uint8_t *pt = kvs__rd_ptr(r, n);
    uint8_t shared[32];
    if (!pt || kvs__rd_left(r))
        return kvs__dtls_bad(d, KVS__DTLS_HT_CLIENT_KEX);
    if (kvs__crypto_ecdhe_shared(&hs->ecdhe, pt, n, shared) != KVS_OK) {
        KVS__LOG_WARN(d->log, DTLS_BAD_MESSAGE);
        return kvs__dtls_fail(d, KVS__DTLS_AL_ILLEGAL_PARAMETER, KVS_ERR_PROTOCOL);
    }
    kvs__dtls_derive(d, shared); /* the transcript already holds this message */
    kvs__crypto_zero(shared, sizeof shared);
    kvs__crypto_zero(&hs->ecdhe, sizeof hs->ecdhe);
    hs->expect = KVS__DTLS_E_CV;
    return KVS_OK;
}

/* Add a received message to the transcript, as if it had come in one fragment. */
KVS_PRIVATE void kvs__dtls_th_add(kvs__dtls_hs *hs, int type, uint16_t mseq, const uint8_t *body,
                                  size_t len) {
    uint8_t h[KVS__DTLS_HH];
    h[0] = (uint8_t)type;
    kvs__put_u24(h + 1, (uint32_t)len);
    kvs__put_u16(h + 4, mseq);
    kvs__put_u24(h + 6, 0);
    kvs__put_u24(h + 9, (uint32_t)len);
    kvs__crypto_sha256_update(&hs->th, h, sizeof h);
    kvs__crypto_sha256_update(&hs->th, body, len);
}

/* How long the server keeps its final flight for a client that may not have it: twice our own
   retry window (a peer with the same settings gives up within one), at least KVS__DTLS_LINGER. */
KVS_PRIVATE kvs_time kvs__dtls_linger(const kvs__dtls *d) {
    kvs_time rto = d->cfg.rto_initial, total = 0;
    int i;
    for (i = 0; i <= d->cfg.max_retransmits; i++) {
        total += rto;
        rto = KVS__MIN(rto * 2u, d->cfg.rto_max);
    }
    return KVS__MAX(2u * total, KVS__DTLS_LINGER);
}

/* The handshake is complete on this side. */
KVS_PRIVATE void kvs__dtls_connected(kvs__dtls *d, kvs_time now) {
    d->state = KVS__DTLS_ST_CONNECTED;
    d->hs->expect = KVS__DTLS_E_NONE;
    d->hs->timer_on = 0;
    d->st.handshake_us = now - d->hs->started;
    d->hs->linger_until = now + kvs__dtls_linger(d);
    KVS__LOGF_INFO(d->log, DTLS_CONNECTED, "%s, srtp 0x%04x, ems %d, %lu us, %u retransmitted flights",
                   d->cfg.role == KVS__DTLS_CLIENT ? "client" : "server", (unsigned)d->srtp_profile,
                   d->ems, (unsigned long)d->st.handshake_us, (unsigned)d->st.flights_retransmitted);
}

/* One complete handshake message from the peer, in order. */
KVS_PRIVATE kvs_result kvs__dtls_on_message(kvs__dtls *d, int type, uint16_t mseq, const uint8_t *body,
                                            size_t len, uint64_t rseq, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    int client = d->cfg.role == KVS__DTLS_CLIENT, stateless = 0;
    uint8_t h[32], fin[12];
    kvs__rd r;
    kvs_result res = KVS_OK;
    kvs__rd_init(&r, body, len);
    switch (hs->expect) {
    case KVS__DTLS_E_SERVER_HELLO:
        if (type == KVS__DTLS_HT_HELLO_VERIFY)
            return kvs__dtls_on_hello_verify(d, &r, now);
        if (type != KVS__DTLS_HT_SERVER_HELLO)
            break;
        kvs__dtls_th_add(hs, type, mseq, body, len);
        return kvs__dtls_on_server_hello(d, &r);
    case KVS__DTLS_E_CLIENT_HELLO:
        if (type != KVS__DTLS_HT_CLIENT_HELLO)
            break;
        hs->started = now;
        res = kvs__dtls_on_client_hello(d, &r, mseq, rseq, &stateless);
        if (res != KVS_OK || stateless)
            return res;
        kvs__dtls_th_add(hs, type, mseq, body, len);
        hs->peer_last_seq = mseq;
        return kvs__dtls_send_server_flight(d, now);
    case KVS__DTLS_E_CERT:
        if (type != KVS__DTLS_HT_CERTIFICATE)
            break;
        kvs__dtls_th_add(hs, type, mseq, body, len);
        res = kvs__dtls_on_certificate(d, &r);
        if (res == KVS_OK)
            hs->expect = client ? KVS__DTLS_E_SKE : KVS__DTLS_E_CKE;
        return res;
    case KVS__DTLS_E_SKE:
        if (type != KVS__DTLS_HT_SERVER_KEX)
            break;
        kvs__dtls_th_add(hs, type, mseq, body, len);
        return kvs__dtls_on_server_kex(d, &r);
    case KVS__DTLS_E_CR_OR_DONE:
        if (type == KVS__DTLS_HT_CERT_REQUEST) {
            kvs__dtls_th_add(hs, type, mseq, body, len);
            return kvs__dtls_on_cert_request(d, &r);
        }
        /* no CertificateRequest: this must be ServerHelloDone */
        /* fall through */
    case KVS__DTLS_E_DONE:
        if (type != KVS__DTLS_HT_SERVER_DONE)
            break;
        if (len)
            return kvs__dtls_bad(d, type);
        kvs__dtls_th_add(hs, type, mseq, body, len);
        hs->peer_last_seq = mseq;
        return kvs__dtls_send_client_flight(d, now);
    case KVS__DTLS_E_CKE:
        if (type != KVS__DTLS_HT_CLIENT_KEX)
            break;
        kvs__dtls_th_add(hs, type, mseq, body, len);
        return kvs__dtls_on_client_kex(d, &r);
    case KVS__DTLS_E_CV:
        if (type != KVS__DTLS_HT_CERT_VERIFY)
            break;
        kvs__crypto_sha256_out(&hs->th, h);
        if (kvs__dtls_check_signature(d, &r, h, type) != KVS_OK)
            return d->error;
        kvs__dtls_th_add(hs, type, mseq, body, len);
        hs->expect = KVS__DTLS_E_FINISHED;
        return KVS_OK;
    case KVS__DTLS_E_FINISHED:
        if (type != KVS__DTLS_HT_FINISHED)
            break;
        kvs__dtls_finished(d, !client, fin);
        if (len != 12 || !kvs__crypto_ct_eq(fin, body, 12)) {
            KVS__LOG_WARN(d->log, DTLS_BAD_FINISHED);
            return kvs__dtls_fail(d, KVS__DTLS_AL_DECRYPT_ERROR, KVS_ERR_AUTH);
        }
        kvs__dtls_th_add(hs, type, mseq, body, len);
        hs->peer_last_seq = mseq;
        if (!client) {
            kvs__wr w;
            kvs__dtls_flight_reset(hs);
            kvs__dtls_flight_ccs(hs);
            d->w_epoch = 1;
            kvs__dtls_finished(d, 0, fin);
            kvs__dtls_msg_begin(hs, &w);
            kvs__wr_bytes(&w, fin, 12);
            res = kvs__dtls_msg_end(d, &w, KVS__DTLS_HT_FINISHED, 1);
            if (res != KVS_OK)
                return res;
            kvs__dtls_flight_send(d, now, 0);
        }
        kvs__dtls_connected(d, now);
        return KVS_OK;
    default:
        break;
    }
    KVS__LOGF_WARN(d->log, DTLS_BAD_MESSAGE, "unexpected handshake message %d in step %d", type,
                   hs->expect);
    return kvs__dtls_fail(d, KVS__DTLS_AL_UNEXPECTED_MESSAGE, KVS_ERR_PROTOCOL);
}

KVS_PRIVATE void kvs__dtls_slot_release(kvs__dtls_hs *hs, kvs__dtls_slot *s);

/* The reassembly slot of message mseq: found, or made for (type, len); NULL when it cannot be
   kept (no slot or arena room, or a fragment that disagrees with earlier ones). The message the
   handshake waits for (recv_seq) always gets a slot: a slot of it that disagrees, and when room
   is short the messages kept ahead of it, are dropped (the peer sends them again), so a forged
   or stale fragment cannot wedge the reassembly. */
KVS_PRIVATE kvs__dtls_slot *kvs__dtls_slot_get(kvs__dtls_hs *hs, uint16_t mseq, int type,
                                               uint32_t len) {
    kvs__dtls_slot *free_slot = NULL;
    int i;
    for (i = 0; i < KVS__DTLS_SLOTS; i++) {
        kvs__dtls_slot *s = &hs->slot[i];
        if (s->used && s->seq == mseq) {
            if (s->type == type && s->len == len)
                return s;
            if (mseq != hs->recv_seq)
                return NULL;
            kvs__dtls_slot_release(hs, s);
        }
        if (!s->used && !free_slot)
            free_slot = s;
    }
    if ((!free_slot || len > sizeof hs->arena - hs->arena_used) && mseq == hs->recv_seq) {
        for (i = 0; i < KVS__DTLS_SLOTS; i++)
            if (hs->slot[i].used)
                kvs__dtls_slot_release(hs, &hs->slot[i]);
        free_slot = &hs->slot[0];
    }
    if (!free_slot || len > sizeof hs->arena - hs->arena_used)
        return NULL;
    free_slot->used = 1;
    free_slot->seq = mseq;
    free_slot->type = (uint8_t)type;
    free_slot->len = len;
    free_slot->off = hs->arena_used;
    free_slot->have = 0;
    hs->arena_used += len;
    return free_slot;
}

/* Copy a fragment into its slot; counts the bytes that were new. */
KVS_PRIVATE void kvs__dtls_slot_fill(kvs__dtls_hs *hs, kvs__dtls_slot *s, uint32_t off,
                                     const uint8_t *p, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint32_t a = s->off + off + i;
        uint8_t bit = (uint8_t)(1u << (a & 7u));
        if (!(hs->bits[a >> 3] & bit)) {
            hs->bits[a >> 3] |= bit;
            hs->arena[a] = p[i];
            s->have++;
        }
    }
}

KVS_PRIVATE void kvs__dtls_slot_release(kvs__dtls_hs *hs, kvs__dtls_slot *s) {
    uint32_t i;
    int j, any = 0;
    for (i = s->off; i < s->off + s->len; i++)
        hs->bits[i >> 3] &= (uint8_t)~(1u << (i & 7u));
    s->used = 0;
    for (j = 0; j < KVS__DTLS_SLOTS; j++)
        any |= hs->slot[j].used;
    if (!any)
        hs->arena_used = 0;
}

/* One handshake fragment from a record. */
KVS_PRIVATE kvs_result kvs__dtls_on_fragment(kvs__dtls *d, int type, uint32_t len, uint16_t mseq,
                                             uint32_t off, const uint8_t *p, uint32_t n,
                                             uint64_t rseq, kvs_time now) {
    kvs__dtls_hs *hs = d->hs;
    kvs__dtls_slot *s;
    int progress = 1;
    if (!hs)
        return KVS_OK;
    /* a stateless server (cookies) treats a repeated first ClientHello as new */
    if (hs->expect == KVS__DTLS_E_CLIENT_HELLO && type == KVS__DTLS_HT_CLIENT_HELLO)
        hs->recv_seq = KVS__MIN(hs->recv_seq, mseq);
    if (mseq < hs->recv_seq) {
        /* a message of the peer's previous flight again: it did not get ours; answer the
           first of a burst (a repeated flight holds several messages) */
        if (mseq >= hs->peer_prev_first && (int32_t)mseq <= hs->peer_last_seq && hs->nitems &&
            !hs->tx_active && now - hs->last_tx >= d->cfg.rto_initial / 4u)
            kvs__dtls_flight_resend(d, now);
        return KVS_OK;
    }
    if (d->state != KVS__DTLS_ST_HANDSHAKE || (uint32_t)(mseq - hs->recv_seq) >= KVS__DTLS_SLOTS)
        return KVS_OK;
    s = kvs__dtls_slot_get(hs, mseq, type, len);
    if (!s) {
        d->st.dropped_malformed++;
        KVS__LOGF_DEBUG(d->log, DTLS_BAD_RECORD, "fragment of message %u not kept", (unsigned)mseq);
        return KVS_OK;
    }
    kvs__dtls_slot_fill(hs, s, off, p, n);
    /* deliver every complete message in order */
    while (progress && d->state == KVS__DTLS_ST_HANDSHAKE && d->hs) {
        int i;
        progress = 0;
        for (i = 0; i < KVS__DTLS_SLOTS; i++) {
            kvs__dtls_slot *c = &hs->slot[i];
            if (c->used && c->seq == hs->recv_seq && c->have == c->len) {
                kvs_result r;
                uint16_t cseq = c->seq;
                hs->recv_seq++;
                r = kvs__dtls_on_message(d, c->type, cseq, hs->arena + c->off, c->len, rseq, now);
                kvs__dtls_slot_release(hs, c);
                if (r != KVS_OK)
                    return r;
                progress = 1;
                break;
            }
        }
    }
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__dtls_record(kvs__dtls *d, int type, uint16_t epoch, uint64_t rseq,
                                        uint8_t *p, size_t n, kvs_time now, kvs__dtls_app_fn app,
                                        void *ctx);

/* The plaintext of one record (epoch 0, or epoch 1 after decryption). */
KVS_PRIVATE kvs_result kvs__dtls_plaintext(kvs__dtls *d, int type, uint16_t epoch, uint64_t rseq,
                                           const uint8_t *p, size_t n, kvs_time now,
                                           kvs__dtls_app_fn app, void *ctx) {
    kvs__rd r;
    kvs__rd_init(&r, p, n);
    switch (type) {
    case KVS__DTLS_CT_HANDSHAKE:
        while (kvs__rd_left(&r) && d->hs) {
            int ht = kvs__rd_u8(&r);
            uint32_t len = kvs__rd_u24(&r);
            uint16_t mseq = kvs__rd_u16(&r);
            uint32_t off = kvs__rd_u24(&r), fl = kvs__rd_u24(&r);
            const uint8_t *frag = kvs__rd_ptr(&r, fl);
            kvs_result res;
            if (!frag || off > len || fl > len - off) {
                d->st.dropped_malformed++;
                KVS__LOG_DEBUG(d->log, DTLS_BAD_RECORD);
                return KVS_OK;
            }
            if (ht == KVS__DTLS_HT_FINISHED && epoch == 0) {
                /* the Finished comes under the new keys (RFC 5246 7.4.9, RFC 6347 4.1) */
                d->st.dropped_epoch++;
                KVS__LOG_DEBUG(d->log, DTLS_BAD_RECORD);
                continue;
            }
            res = kvs__dtls_on_fragment(d, ht, len, mseq, off, frag, fl, rseq, now);
            if (res != KVS_OK)
                return res;
        }
        return KVS_OK;
    case KVS__DTLS_CT_CCS:
        if (n != 1 || p[0] != 1)
            d->st.dropped_malformed++;
        return KVS_OK;
    case KVS__DTLS_CT_ALERT:
        if (n != 2) {
            d->st.dropped_malformed++;
            return KVS_OK;
        }
        if (p[1] == KVS__DTLS_AL_CLOSE_NOTIFY) {
            KVS__LOG_INFO(d->log, DTLS_CLOSED);
            if (d->state == KVS__DTLS_ST_CONNECTED) {
                d->state = KVS__DTLS_ST_CLOSED;
                d->error = KVS_ERR_CLOSED;
                return KVS_ERR_CLOSED;
            }
            kvs__dtls_fail(d, -1, KVS_ERR_CLOSED);
            return KVS_ERR_CLOSED;
        }
        if (p[0] == 2) {
            KVS__LOGF_WARN(d->log, DTLS_PEER_ALERT, "fatal alert %u", (unsigned)p[1]);
            kvs__dtls_fail(d, -1, KVS_ERR_PROTOCOL);
            return KVS_ERR_PROTOCOL;
        }
        return KVS_OK; /* warnings are ignored */
    case KVS__DTLS_CT_APP:
        if (d->state != KVS__DTLS_ST_CONNECTED || epoch == 0) {
            d->st.dropped_epoch++;
            return KVS_OK;
        }
        /* the client has our Finished: the server's flight need not be kept (freed after this
           datagram, as the record may lie in the handshake state) */
        d->hs_release = 1;
        d->st.app_records_received++;
        if (app)
            app(ctx, p, n);
        return KVS_OK;
    default:
        d->st.dropped_malformed++;
        return KVS_OK;
    }
}

/* One record: decrypt (epoch 1) and dispatch. p is modified in place. */
KVS_PRIVATE kvs_result kvs__dtls_record(kvs__dtls *d, int type, uint16_t epoch, uint64_t rseq,
                                        uint8_t *p, size_t n, kvs_time now, kvs__dtls_app_fn app,
                                        void *ctx) {
    uint8_t nonce[12], aad[13], seq8[8];
    size_t plen;
    if (epoch == 0) {
        if (type == KVS__DTLS_CT_APP) {
            d->st.dropped_epoch++;
            return KVS_OK;
        }
        return kvs__dtls_plaintext(d, type, 0, rseq, p, n, now, app, ctx);
    }
    if (epoch != 1) {
        d->st.dropped_epoch++;
        return KVS_OK;
    }
    if (!d->r_keys) {
        /* keep one record until the keys exist (Finished overtook ClientKeyExchange) */
        if (d->hs && n + KVS__DTLS_RH <= sizeof d->hs->early && !d->hs->early_len) {
            uint8_t *e = d->hs->early;
            e[0] = (uint8_t)type;
            kvs__put_u16(e + 1, (uint16_t)KVS__DTLS_V12);
            kvs__put_u16(e + 3, epoch);
            kvs__put_u48(e + 5, rseq);
            kvs__put_u16(e + 11, (uint16_t)n);
            KVS_MEMCPY(e + KVS__DTLS_RH, p, n);
            d->hs->early_len = n + KVS__DTLS_RH;
        } else {
            d->st.dropped_epoch++;
        }
        return KVS_OK;
    }
    if (n < KVS__DTLS_AEAD) {
        d->st.dropped_malformed++;
        return KVS_OK;
    }
    if (!kvs__dtls_replay_ok(d, rseq)) {
        d->st.dropped_replay++;
        return KVS_OK;
    }
    plen = n - KVS__DTLS_AEAD;
    kvs__put_u16(seq8, epoch);
    kvs__put_u48(seq8 + 2, rseq);
    kvs__dtls_nonce(nonce, d->r_iv, p);
    kvs__dtls_aad(aad, seq8, type, plen);
    if (!kvs__crypto_gcm_open(&d->rk, nonce, aad, 13, p + 8, plen, p + 8 + plen)) {
        d->st.dropped_bad_mac++;
        KVS__LOG_DEBUG(d->log, DTLS_BAD_MAC);
        return KVS_OK;
    }
    kvs__dtls_replay_mark(d, rseq);
    return kvs__dtls_plaintext(d, type, epoch, rseq, p + 8, plen, now, app, ctx);
}

/* One datagram from the peer (modified in place: records are decrypted where they lie).
   Malformed records are dropped and counted. Returns KVS_OK, or the failure this datagram caused
   (the endpoint is then FAILED or CLOSED and has an alert queued for kvs__dtls_output). */
KVS_PRIVATE kvs_result kvs__dtls_input(kvs__dtls *d, uint8_t *p, size_t n, kvs_time now,
                                       kvs__dtls_app_fn app, void *ctx) {
    kvs__rd r;
    kvs_result res = KVS_OK;
    if (d->state == KVS__DTLS_ST_FAILED || d->state == KVS__DTLS_ST_CLOSED)
        return KVS_OK;
    kvs__rd_init(&r, p, n);
    while (kvs__rd_left(&r) >= KVS__DTLS_RH && res == KVS_OK) {
        int type = kvs__rd_u8(&r);
        uint16_t ver = kvs__rd_u16(&r), epoch = kvs__rd_u16(&r);
        uint64_t seq = kvs__rd_u48(&r);
        size_t len = kvs__rd_u16(&r);
        uint8_t *rec = (uint8_t *)(uintptr_t)kvs__rd_ptr(&r, len);
        if (!rec) {
            d->st.dropped_malformed++;
            break;
        }
        d->st.records_received++;
        /* DTLS 1.0's version only in epoch 0 (a ClientHello may use it): a protected record
           must carry the negotiated version, which its additional data authenticates */
        if (type < KVS__DTLS_CT_CCS || type > KVS__DTLS_CT_APP ||
            (ver != KVS__DTLS_V12 && (ver != KVS__DTLS_V10 || epoch != 0))) {
            d->st.dropped_malformed++;
            continue;
        }
        res = kvs__dtls_record(d, type, epoch, seq, rec, len, now, app, ctx);
        /* a record of epoch 1 kept before its keys: try it now that they may exist */
        if (res == KVS_OK && d->r_keys && d->hs && d->hs->early_len) {
            size_t el = d->hs->early_len;
            uint8_t *e = d->hs->early;
            d->hs->early_len = 0;
            res = kvs__dtls_record(d, e[0], 1, kvs__get_u48(e + 5), e + KVS__DTLS_RH,
                                   el - KVS__DTLS_RH, now, app, ctx);
        }
    }
    if (kvs__rd_left(&r) && res == KVS_OK)
        d->st.dropped_malformed++;
    if (d->state == KVS__DTLS_ST_FAILED || d->state == KVS__DTLS_ST_CLOSED)
        kvs__dtls_hs_free(d);
    else if (d->state == KVS__DTLS_ST_CONNECTED && (d->cfg.role == KVS__DTLS_CLIENT || d->hs_release))
        kvs__dtls_hs_free(d);
    return res;
}

/* Set an endpoint up. The client's first flight is queued at once (read it with
   kvs__dtls_output); the server waits for a ClientHello. KVS_ERR_INVALID_ARG for a missing
   certificate or a bad MTU, KVS_ERR_NO_MEMORY, KVS_ERR_CRYPTO. */
KVS_PRIVATE kvs_result kvs__dtls_init(kvs__dtls *d, const kvs__dtls_cfg *cfg, kvs__rng *rng,
                                      kvs__log *lg, kvs__mem *mem, kvs_time now) {
    kvs_result r;
    KVS_MEMSET(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->rng = rng;
    d->log = lg;
    d->mem = mem;
    d->alert_pending = -1;
    d->state = KVS__DTLS_ST_HANDSHAKE;
    if (!d->cfg.mtu)
        d->cfg.mtu = 1200;
    if (!d->cfg.rto_initial)
        d->cfg.rto_initial = KVS_SEC(1);
    if (!d->cfg.rto_max)
        d->cfg.rto_max = KVS_SEC(8);
    if (d->cfg.rto_max < d->cfg.rto_initial)
        d->cfg.rto_max = d->cfg.rto_initial;
    if (!d->cfg.max_retransmits)
        d->cfg.max_retransmits = 10;
    if (!cfg->cert || !cfg->cert->der_len || d->cfg.mtu < KVS__DTLS_MIN_MTU || d->cfg.mtu > 65535 ||
        (cfg->role != KVS__DTLS_CLIENT && cfg->role != KVS__DTLS_SERVER)) {
        d->state = KVS__DTLS_ST_FAILED;
        return d->error = KVS_ERR_INVALID_ARG;
    }
    d->hs = (kvs__dtls_hs *)kvs__mem_alloc(mem, sizeof *d->hs);
    if (!d->hs) {
        d->state = KVS__DTLS_ST_FAILED;
        return d->error = KVS_ERR_NO_MEMORY;
    }
    KVS_MEMSET(d->hs, 0, sizeof *d->hs);
    d->hs->peer_last_seq = -1;
    d->hs->rto = d->cfg.rto_initial;
    d->hs->started = now;
    kvs__crypto_sha256_init(&d->hs->th);
    if (cfg->role == KVS__DTLS_SERVER) {
        d->hs->expect = KVS__DTLS_E_CLIENT_HELLO;
        r = cfg->hello_verify ? kvs__crypto_random(rng, d->hs->cookie_key, 32) : KVS_OK;
    } else {
        r = kvs__crypto_random(rng, d->client_random, 32);
        if (r == KVS_OK)
            r = kvs__dtls_send_client_hello(d, now);
    }
    if (r != KVS_OK) {
        kvs__dtls_hs_free(d);
        d->state = KVS__DTLS_ST_FAILED;
        d->error = r;
    }
    return r;
}

/* Release the handshake state and forget every secret. */
KVS_PRIVATE void kvs__dtls_deinit(kvs__dtls *d) {
    kvs__dtls_hs_free(d);
    kvs__crypto_zero(d, sizeof *d);
}

/* Seal n bytes of application data as one record, the datagram written to out.
   KVS_ERR_STATE before the handshake completes or after a close; KVS_ERR_LIMIT when the record
   would exceed the MTU; KVS_ERR_BUFFER_TOO_SMALL. */
KVS_PRIVATE kvs_result kvs__dtls_send(kvs__dtls *d, const void *p, size_t n, uint8_t *out, size_t cap,
                                      size_t *len) {
    kvs__wr w;
    size_t start;
    *len = 0;
    if (d->state != KVS__DTLS_ST_CONNECTED)
        return KVS_ERR_STATE;
    if (n + KVS__DTLS_RH + KVS__DTLS_AEAD > d->cfg.mtu)
        return KVS_ERR_LIMIT;
    kvs__wr_init(&w, out, cap);
    start = kvs__dtls_rec_begin(d, &w, KVS__DTLS_CT_APP, 1, kvs__dtls_next_seq(d, 1));
    kvs__wr_bytes(&w, p, n);
    kvs__dtls_rec_end(d, &w, start);
    if (w.err) {
        d->w_seq[1]--;
        return KVS_ERR_BUFFER_TOO_SMALL;
    }
    d->st.app_records_sent++;
    *len = w.len;
    return KVS_OK;
}

/* The peer has certainly completed the handshake (authenticated SRTP arrived from it): the
   server's final flight need not be kept. */
KVS_PRIVATE void kvs__dtls_confirm(kvs__dtls *d) {
    if (d->state == KVS__DTLS_ST_CONNECTED)
        kvs__dtls_hs_free(d);
}

/* Close: queue close_notify (read it with kvs__dtls_output); the endpoint is CLOSED. */
KVS_PRIVATE void kvs__dtls_close(kvs__dtls *d) {
    if (d->state == KVS__DTLS_ST_FAILED || d->state == KVS__DTLS_ST_CLOSED)
        return;
    d->alert_pending = KVS__DTLS_AL_CLOSE_NOTIFY;
    d->alert_level = 1;
    d->state = KVS__DTLS_ST_CLOSED;
    d->error = KVS_ERR_CLOSED;
    kvs__dtls_hs_free(d);
}

/* ==== [24] >>srtp  SRTP over libsrtp2: DTLS-SRTP keys, protect and unprotect in place ===== */
/* depends on: >>prelude (byte order, KVS_ASSERT), >>log, >>crypto (kvs__crypto_zero), libsrtp2.
   entry points: kvs_global_init, kvs_global_shutdown, kvs_global_set_log (defined here); the
   kvs__srtp_* functions serve the peer layer (the profiles to hand to >>dtls for use_srtp, the
   keys from its exporter) and >>rtp / >>rtcp (protect, unprotect). This section is the only
   caller of libsrtp2.
   RFC 3711 (SRTP, SRTCP), RFC 5764 section 4.1.2 (protection profiles) and section 4.2 (the key
   layout of the exporter output), RFC 7714 (AEAD_AES_128_GCM).
   Implemented:
   - Profiles SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AES128_CM_HMAC_SHA1_32 (its SRTCP tag stays 80
     bits, RFC 5764 section 4.1.2) and SRTP_AEAD_AES_128_GCM (16-byte tag). The profiles a process
     can use are probed once in kvs_global_init: GCM needs libsrtp2 built with a crypto library
     (Debian's uses NSS); kvs__srtp_profiles lists the available ones in the order of preference
     GCM, _80, _32, for the use_srtp extension.
   - One kvs__srtp per DTLS association: a send session (template ssrc_any_outbound) and a receive
     session (ssrc_any_inbound), so every SSRC works without being declared. Replay window 1024
     packets for SRTP (the choice of libwebrtc: a key frame is a burst of hundreds of packets and
     reordering spans it); SRTCP uses libsrtp2's fixed 128. allow_repeat_tx = 1 on the send side,
     so a packet retransmitted after a NACK may be protected again with its sequence number.
   - Protect and unprotect in place; packets are checked before libsrtp2 sees them (version 2,
     CSRC list and header extension inside the packet, room for the tag), so libsrtp2 never parses
     a malformed header. Counters of protected, unprotected and rejected packets.
   Results of unprotect, all of them "drop the packet", none fatal but the last:
     KVS_ERR_AUTH      bad tag (counted in auth_failures; so is any other libsrtp2 refusal);
     KVS_ERR_PROTOCOL  replayed, or older than the replay window (counted in replays). Real networks
                       duplicate packets, so this is normal at a low rate and not an attack signal;
     KVS_ERR_PARSE     too short or malformed (counted in malformed);
     KVS_ERR_LIMIT     the key is worn out (2^48 SRTP or 2^31 SRTCP packets): a new DTLS
                       handshake must re-key;
     KVS_ERR_NO_MEMORY libsrtp2 could not allocate the stream of a new SSRC.
   Left out: MKI, a key derivation rate (DTLS-SRTP uses none), encrypted header extensions (RFC
   6904), the AES-256 and NULL-cipher profiles, EKT, setting the rollover counter, forgetting an
   SSRC, and re-keying a live object (deinit, then init with the new keys).
   Process-wide state: libsrtp2 keeps its crypto kernel (srtp_init / srtp_shutdown) and its one
   log handler in global variables, so kvs_global_init / kvs_global_shutdown fence them (counted,
   not thread-safe) and log lines from libsrtp2 go to one process-wide hook (kvs_global_set_log):
   they cannot name a client. If something else in the process already initialised libsrtp2,
   kvs_global_init shares that (detected by srtp_create refusing to work before srtp_init) and
   leaves srtp_init, srtp_shutdown and the log handler to their owner.
   Memory: "no malloc" means kvswebrtc itself. libsrtp2 allocates with calloc in srtp_create and
   when a new SSRC shows up in either direction (a stream cloned from the template, kept until
   deinit); its crypto library may allocate more: with Debian's NSS build every protect and
   unprotect allocates inside NSS. None of it is counted in kvs_client_memory_stats.
   Alignment: libsrtp2 2.x reads packets through 32-bit pointers, so packets must start 4-byte
   aligned (asserted).                                                                           */

#ifndef KVS_SRTP_INCLUDE
#define KVS_SRTP_INCLUDE <srtp2/srtp.h>
#endif
#include KVS_SRTP_INCLUDE

/* The public trailer room must cover what libsrtp2 may write after an SRTCP packet, and the key
   lengths below must be libsrtp2's. */
typedef char kvs__srtp_check_trailer[(KVS_SRTP_MAX_TRAILER >= SRTP_MAX_TRAILER_LEN + 4) ? 1 : -1];
typedef char kvs__srtp_check_keys[(SRTP_AES_ICM_128_KEY_LEN_WSALT == 30 &&
                                   SRTP_AES_GCM_128_KEY_LEN_WSALT == 28) ? 1 : -1];

#define KVS__SRTP_REPLAY_WINDOW 1024
#define KVS__SRTP_MAX_PACKET 65535 /* largest RTP or RTCP packet accepted (a UDP payload) */
#define KVS__SRTP_KEY_SALT_MAX 30  /* master key + master salt of the largest profile */

typedef struct kvs__srtp_prof {
    int id;           /* KVS_SRTP_* */
    unsigned bit;     /* in kvs__srtp_global.profiles */
    uint8_t key_len;  /* master key */
    uint8_t salt_len; /* master salt */
    uint8_t rtp_tag;
    uint8_t rtcp_tag;
} kvs__srtp_prof;

/* In order of preference. */
static const kvs__srtp_prof kvs__srtp_profs[] = {
    {KVS_SRTP_AEAD_AES_128_GCM, 1u, 16, 12, 16, 16},
    {KVS_SRTP_AES128_CM_SHA1_80, 2u, 16, 14, 10, 10},
    {KVS_SRTP_AES128_CM_SHA1_32, 4u, 16, 14, 4, 10},
};

typedef void (*kvs__srtp_log_fn)(void *user, int level, int item, const char *msg, int line);

/* The process-wide state that fences libsrtp2's own (see the banner). */
static struct {
    int refs;          /* successful kvs_global_init calls not yet undone */
    int owned;         /* 1: kvswebrtc called srtp_init and installed the log handler */
    unsigned profiles; /* kvs__srtp_prof.bit of each profile libsrtp2 can run */
    kvs__srtp_log_fn log_fn;
    void *log_user;
} kvs__srtp_global;

typedef struct kvs__srtp_stats {
    uint32_t rtp_protected, rtcp_protected;
    uint32_t rtp_unprotected, rtcp_unprotected;
    uint32_t auth_failures; /* unprotect: bad tag, or another refusal of libsrtp2 */
    uint32_t replays;       /* unprotect: replayed or older than the window */
    uint32_t malformed;     /* unprotect: too short or malformed */
} kvs__srtp_stats;

/* The SRTP state of one DTLS association. Zeroed = not initialised. */
typedef struct kvs__srtp {
    srtp_t tx;   /* send session: template for any outbound SSRC */
    srtp_t rx;   /* receive session: template for any inbound SSRC */
    int profile; /* KVS_SRTP_*; 0 when not initialised */
    int ready;   /* 1 between a successful kvs__srtp_init and kvs__srtp_deinit */
    uint8_t rtp_tag, rtcp_tag;
    kvs__log *log;
    kvs__srtp_stats st;
} kvs__srtp;

KVS_PRIVATE const kvs__srtp_prof *kvs__srtp_prof_find(int profile) {
    size_t i;
    for (i = 0; i < KVS__ARRAY_LEN(kvs__srtp_profs); i++)
        if (kvs__srtp_profs[i].id == profile)
            return &kvs__srtp_profs[i];
    return NULL;
}

/* Bytes of DTLS exporter output ("EXTRACTOR-dtls_srtp") a profile needs: 2 * (key + salt), 60
   for the AES-CM profiles, 56 for AEAD_AES_128_GCM; 0 for an unknown profile. */
KVS_PRIVATE size_t kvs__srtp_km_len(int profile) {
    const kvs__srtp_prof *pr = kvs__srtp_prof_find(profile);
    return pr ? 2u * ((size_t)pr->key_len + pr->salt_len) : 0;
}

/* 1 when profile is known and the libsrtp2 of this process can run it (known after
   kvs_global_init), else 0. */
KVS_PRIVATE int kvs__srtp_profile_ok(int profile) {
    const kvs__srtp_prof *pr = kvs__srtp_prof_find(profile);
    return pr && kvs__srtp_global.refs > 0 && (kvs__srtp_global.profiles & pr->bit) != 0;
}

/* The usable profiles in order of preference (use_srtp values for >>dtls): at most max of them
   go to out; returns how many were written (0 before kvs_global_init). */
KVS_PRIVATE size_t kvs__srtp_profiles(uint16_t *out, size_t max) {
    size_t i, n = 0;
    for (i = 0; i < KVS__ARRAY_LEN(kvs__srtp_profs) && n < max; i++)
        if (kvs__srtp_profile_ok(kvs__srtp_profs[i].id))
            out[n++] = (uint16_t)kvs__srtp_profs[i].id;
    return n;
}

/* A libsrtp2 policy for one direction of a profile, keyed with key (master key | master salt,
   borrowed until srtp_create returns). */
KVS_PRIVATE void kvs__srtp_policy(srtp_policy_t *p, const kvs__srtp_prof *pr, int outbound,
                                  unsigned char *key) {
    KVS_MEMSET(p, 0, sizeof *p);
    switch (pr->id) {
    case KVS_SRTP_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
        break;
    case KVS_SRTP_AES128_CM_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp); /* RFC 5764 4.1.2 */
        break;
    default:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        break;
    }
    p->ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    p->ssrc.value = 0;
    p->key = key;
    p->window_size = KVS__SRTP_REPLAY_WINDOW;
    p->allow_repeat_tx = outbound;
    p->next = NULL;
}

/* --- process-wide setup ---------------------------------------------------------------------- */

/* libsrtp2's log handler: forwards to the hook of kvs_global_set_log (no client is known). */
KVS_PRIVATE void kvs__srtp_log_trampoline(srtp_log_level_t level, const char *msg, void *data) {
    kvs__srtp_log_fn fn = kvs__srtp_global.log_fn;
    int lv;
    (void)data;
    if (!fn)
        return;
    switch (level) {
    case srtp_log_level_error:
        lv = KVS_LOG_ERROR;
        break;
    case srtp_log_level_warning:
        lv = KVS_LOG_WARN;
        break;
    case srtp_log_level_info:
        lv = KVS_LOG_DEBUG; /* the crypto kernel's status report */
        break;
    default:
        lv = KVS_LOG_TRACE;
        break;
    }
    if (lv > KVS_LOG_LEVEL_MAX)
        return;
#if KVS_NO_LOG_STRINGS
    msg = NULL;
#endif
    fn(kvs__srtp_global.log_user, lv, KVS_LOG_SRTP_LIBRARY, msg, __LINE__);
}

/* 1 when libsrtp2 accepts a session for the profile (a throwaway one with a zero key), else 0. */
KVS_PRIVATE int kvs__srtp_probe(const kvs__srtp_prof *pr) {
    unsigned char key[KVS__SRTP_KEY_SALT_MAX];
    srtp_policy_t pol;
    srtp_t t = NULL;
    KVS_MEMSET(key, 0, sizeof key);
    kvs__srtp_policy(&pol, pr, 1, key);
    if (srtp_create(&t, &pol) != srtp_err_status_ok)
        return 0;
    (void)srtp_dealloc(t);
    return 1;
}

KVS__API kvs_result kvs_global_init(void) {
    size_t i;
    if (kvs__srtp_global.refs > 0) {
        kvs__srtp_global.refs++;
        return KVS_OK;
    }
    /* libsrtp2 refuses every session before srtp_init: a working probe (AES-CM, which every
       build has) means that someone else in the process owns the initialisation (and perhaps
       the log handler). */
    if (kvs__srtp_probe(&kvs__srtp_profs[1])) {
        kvs__srtp_global.owned = 0;
    } else {
        (void)srtp_install_log_handler(kvs__srtp_log_trampoline, NULL);
        if (srtp_init() != srtp_err_status_ok) {
            (void)srtp_shutdown(); /* frees what a half-done srtp_init registered */
            (void)srtp_install_log_handler(NULL, NULL);
            return KVS_ERR_CRYPTO;
        }
        kvs__srtp_global.owned = 1;
    }
    kvs__srtp_global.profiles = 0;
    for (i = 0; i < KVS__ARRAY_LEN(kvs__srtp_profs); i++)
        if (kvs__srtp_probe(&kvs__srtp_profs[i]))
            kvs__srtp_global.profiles |= kvs__srtp_profs[i].bit;
    kvs__srtp_global.refs = 1;
    return KVS_OK;
}

KVS__API void kvs_global_shutdown(void) {
    if (kvs__srtp_global.refs <= 0 || --kvs__srtp_global.refs > 0)
        return;
    if (kvs__srtp_global.owned) {
        (void)srtp_shutdown();
        (void)srtp_install_log_handler(NULL, NULL);
    }
    kvs__srtp_global.owned = 0;
    kvs__srtp_global.profiles = 0;
}

KVS__API void kvs_global_set_log(void (*fn)(void *user, int level, int item, const char *msg,
                                            int line),
                                 void *user) {
    kvs__srtp_global.log_fn = fn;
    kvs__srtp_global.log_user = user;
}

/* --- sessions -------------------------------------------------------------------------------- */

/* Release both sessions and zero *s (counters included). Safe on a zeroed, failed or already
   deinitialised object. Call it before kvs_global_shutdown. */
KVS_PRIVATE void kvs__srtp_deinit(kvs__srtp *s) {
    if (!s)
        return;
    if (s->tx)
        (void)srtp_dealloc(s->tx);
    if (s->rx)
        (void)srtp_dealloc(s->rx);
    KVS_MEMSET(s, 0, sizeof *s);
}

/* Create the send and receive sessions from the DTLS exporter output km, laid out as RFC 5764
   section 4.2 says: client_write_key | server_write_key | client_write_salt | server_write_salt.
   is_client = 1 when this side was the DTLS client: it then sends with the client key and salt and
   receives with the server's (and the reverse for 0).
   Parameters: s (overwritten: it must not hold live sessions); km (borrowed; the caller zeroes
   it); lg (required, kept for the packet functions).
   Returns: KVS_OK; KVS_ERR_STATE (kvs_global_init was not called: item SRTP_NOT_INITIALIZED);
   KVS_ERR_UNSUPPORTED (unknown profile, or one this libsrtp2 cannot run: SRTP_PROFILE);
   KVS_ERR_INVALID_ARG (km NULL or km_len != kvs__srtp_km_len(profile): SRTP_KEYING);
   KVS_ERR_NO_MEMORY (libsrtp2 could not allocate: SRTP_LIBSRTP); KVS_ERR_CRYPTO (any other
   libsrtp2 failure, logged with its status: SRTP_LIBSRTP). On failure *s is zeroed (deinit is
   harmless). The key copies made here are zeroed before returning.
   Memory: libsrtp2 allocates both sessions with calloc, outside the client's accounting. */
KVS_PRIVATE kvs_result kvs__srtp_init(kvs__srtp *s, int profile, const uint8_t *km, size_t km_len,
                                      int is_client, kvs__log *lg) {
    unsigned char key_tx[KVS__SRTP_KEY_SALT_MAX], key_rx[KVS__SRTP_KEY_SALT_MAX];
    const kvs__srtp_prof *pr;
    const uint8_t *key_c, *key_s, *salt_c, *salt_s;
    srtp_policy_t pol;
    srtp_err_status_t st;
    size_t kl, sl;
    KVS_ASSERT(s && lg);
    KVS_MEMSET(s, 0, sizeof *s);
    if (kvs__srtp_global.refs <= 0) {
        KVS__LOG_ERROR(lg, SRTP_NOT_INITIALIZED);
        return KVS_ERR_STATE;
    }
    pr = kvs__srtp_prof_find(profile);
    if (!pr || !kvs__srtp_profile_ok(profile)) {
        KVS__LOGF_WARN(lg, SRTP_PROFILE, "0x%04x", (unsigned)profile & 0xffffu);
        return KVS_ERR_UNSUPPORTED;
    }
    if (!km || km_len != kvs__srtp_km_len(profile)) {
        KVS__LOGF_WARN(lg, SRTP_KEYING, "%lu bytes for profile 0x%04x, %lu expected",
                       (unsigned long)km_len, (unsigned)profile,
                       (unsigned long)kvs__srtp_km_len(profile));
        return KVS_ERR_INVALID_ARG;
    }
    kl = pr->key_len;
    sl = pr->salt_len;
    key_c = km;
    key_s = km + kl;
    salt_c = km + 2 * kl;
    salt_s = km + 2 * kl + sl;
    /* libsrtp2 takes master key | master salt */
    KVS_MEMCPY(key_tx, is_client ? key_c : key_s, kl);
    KVS_MEMCPY(key_tx + kl, is_client ? salt_c : salt_s, sl);
    KVS_MEMCPY(key_rx, is_client ? key_s : key_c, kl);
    KVS_MEMCPY(key_rx + kl, is_client ? salt_s : salt_c, sl);
    kvs__srtp_policy(&pol, pr, 1, key_tx);
    st = srtp_create(&s->tx, &pol);
    if (st == srtp_err_status_ok) {
        kvs__srtp_policy(&pol, pr, 0, key_rx);
        st = srtp_create(&s->rx, &pol);
    }
    kvs__crypto_zero(key_tx, sizeof key_tx);
    kvs__crypto_zero(key_rx, sizeof key_rx);
    if (st != srtp_err_status_ok) {
        KVS__LOGF_ERROR(lg, SRTP_LIBSRTP, "srtp_create: status %d", (int)st);
        kvs__srtp_deinit(s);
        return st == srtp_err_status_alloc_fail ? KVS_ERR_NO_MEMORY : KVS_ERR_CRYPTO;
    }
    s->profile = profile;
    s->rtp_tag = pr->rtp_tag;
    s->rtcp_tag = pr->rtcp_tag;
    s->log = lg;
    s->ready = 1;
    return KVS_OK;
}

/* Bytes protection adds on the wire: the tag for RTP (10, 4 or 16); the 4-byte E flag and SRTCP
   index plus the tag for RTCP (14 or 20). 0 when s is not initialised. For MTU budgets; buffers
   still need KVS_SRTP_MAX_TRAILER of room. */
KVS_PRIVATE size_t kvs__srtp_overhead(const kvs__srtp *s, int rtcp) {
    if (!s->ready)
        return 0;
    return rtcp ? 4u + (size_t)s->rtcp_tag : (size_t)s->rtp_tag;
}

/* The length of the RTP header at p (fixed part, CSRC list, header extension) when it is
   version 2 and lies within len bytes; 0 otherwise. */
KVS_PRIVATE size_t kvs__srtp_rtp_header_len(const uint8_t *p, size_t len) {
    size_t h;
    if (len < 12 || (p[0] >> 6) != 2)
        return 0;
    h = 12 + 4u * (size_t)(p[0] & 0x0fu);
    if (p[0] & 0x10u) {
        if (len < h + 4)
            return 0;
        h += 4 + 4u * (size_t)kvs__get_u16(p + h + 2);
    }
    return h <= len ? h : 0;
}

/* The kvs_result for a libsrtp2 failure; counts and logs it (packet faults at DEBUG). */
KVS_PRIVATE kvs_result kvs__srtp_fail(kvs__srtp *s, srtp_err_status_t st, int unprotect,
                                      int rtcp) {
    const char *what = rtcp ? "SRTCP" : "SRTP";
    (void)what; /* only in log lines, which may be compiled out */
    switch (st) {
    case srtp_err_status_auth_fail:
        s->st.auth_failures++;
        KVS__LOGF_DEBUG(s->log, SRTP_AUTH_FAILED, "%s", what);
        return KVS_ERR_AUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        if (unprotect)
            s->st.replays++;
        KVS__LOGF_DEBUG(s->log, SRTP_REPLAY, "%s, status %d", what, (int)st);
        return KVS_ERR_PROTOCOL;
    case srtp_err_status_key_expired:
        KVS__LOGF_WARN(s->log, SRTP_LIBSRTP, "%s key expired: re-key", what);
        return KVS_ERR_LIMIT;
    case srtp_err_status_alloc_fail:
        KVS__LOGF_WARN(s->log, SRTP_LIBSRTP, "%s: no memory for a new SSRC", what);
        return KVS_ERR_NO_MEMORY;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_mki:
    case srtp_err_status_no_ctx:
        if (unprotect) {
            s->st.malformed++;
            KVS__LOGF_DEBUG(s->log, SRTP_MALFORMED, "%s, status %d", what, (int)st);
            return KVS_ERR_PARSE;
        }
        KVS__LOGF_WARN(s->log, SRTP_LIBSRTP, "%s protect: status %d", what, (int)st);
        return KVS_ERR_INVALID_ARG;
    default:
        if (unprotect) {
            s->st.auth_failures++;
            KVS__LOGF_DEBUG(s->log, SRTP_AUTH_FAILED, "%s, status %d", what, (int)st);
            return KVS_ERR_AUTH;
        }
        KVS__LOGF_ERROR(s->log, SRTP_LIBSRTP, "%s protect: status %d", what, (int)st);
        return KVS_ERR_CRYPTO;
    }
}

KVS_PRIVATE kvs_result kvs__srtp_protect(kvs__srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                         size_t *out_len, int rtcp) {
    srtp_err_status_t st;
    int n;
    KVS_ASSERT(s && out_len);
    *out_len = 0;
    if (!s->ready)
        return KVS_ERR_STATE;
    if (!pkt || len > KVS__SRTP_MAX_PACKET ||
        (rtcp ? len < 8 || (pkt[0] >> 6) != 2 : kvs__srtp_rtp_header_len(pkt, len) == 0))
        return KVS_ERR_INVALID_ARG;
    KVS_ASSERT(((uintptr_t)pkt & 3u) == 0);
    if (cap < len + KVS_SRTP_MAX_TRAILER) {
        *out_len = len + KVS_SRTP_MAX_TRAILER;
        return KVS_ERR_BUFFER_TOO_SMALL;
    }
    n = (int)len;
    st = rtcp ? srtp_protect_rtcp(s->tx, pkt, &n) : srtp_protect(s->tx, pkt, &n);
    if (st != srtp_err_status_ok)
        return kvs__srtp_fail(s, st, 0, rtcp);
    if (rtcp)
        s->st.rtcp_protected++;
    else
        s->st.rtp_protected++;
    *out_len = (size_t)n;
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__srtp_unprotect(kvs__srtp *s, uint8_t *pkt, size_t len,
                                           size_t *out_len, int rtcp) {
    srtp_err_status_t st;
    size_t h;
    int n;
    KVS_ASSERT(s && out_len);
    *out_len = 0;
    if (!s->ready)
        return KVS_ERR_STATE;
    if (!pkt)
        return KVS_ERR_INVALID_ARG;
    KVS_ASSERT(((uintptr_t)pkt & 3u) == 0);
    /* What libsrtp2 would have to trust: the header inside the packet, room for the tag (and
       the SRTCP E flag and index). */
    if (rtcp)
        h = (len >= 8 && (pkt[0] >> 6) == 2) ? 8u + 4u : 0;
    else
        h = kvs__srtp_rtp_header_len(pkt, len);
    if (h == 0 || len - h < (size_t)(rtcp ? s->rtcp_tag : s->rtp_tag) ||
        len > KVS__SRTP_MAX_PACKET + KVS_SRTP_MAX_TRAILER) {
        s->st.malformed++;
        KVS__LOGF_DEBUG(s->log, SRTP_MALFORMED, "%s, %lu bytes", rtcp ? "SRTCP" : "SRTP",
                        (unsigned long)len);
        return KVS_ERR_PARSE;
    }
    n = (int)len;
    st = rtcp ? srtp_unprotect_rtcp(s->rx, pkt, &n) : srtp_unprotect(s->rx, pkt, &n);
    if (st != srtp_err_status_ok)
        return kvs__srtp_fail(s, st, 1, rtcp);
    if (rtcp)
        s->st.rtcp_unprotected++;
    else
        s->st.rtp_unprotected++;
    *out_len = (size_t)n;
    return KVS_OK;
}

/* Protect an RTP packet in place: pkt holds len bytes (a version-2 RTP packet, at most 65535
   bytes, 4-byte aligned) in a buffer of cap bytes.
   Returns: KVS_OK with *out_len = the protected length (len + the tag); KVS_ERR_BUFFER_TOO_SMALL
   when cap < len + KVS_SRTP_MAX_TRAILER (nothing changed, *out_len = the size needed);
   KVS_ERR_INVALID_ARG (NULL, or not an RTP packet); KVS_ERR_STATE (s not initialised);
   KVS_ERR_PROTOCOL (sequence number older than the replay window: too late to retransmit);
   KVS_ERR_LIMIT (key worn out: re-key); KVS_ERR_NO_MEMORY (first packet of a new SSRC and
   libsrtp2 could not allocate its stream); KVS_ERR_CRYPTO (libsrtp2 failed). On failure the
   packet's bytes are unspecified (build it again). */
KVS_PRIVATE kvs_result kvs__srtp_protect_rtp(kvs__srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                             size_t *out_len) {
    return kvs__srtp_protect(s, pkt, len, cap, out_len, 0);
}

/* Protect an RTCP packet (compound or not) in place; as kvs__srtp_protect_rtp, with *out_len =
   len + 4 (E flag and SRTCP index) + the tag. The first packet must be at least 8 bytes. */
KVS_PRIVATE kvs_result kvs__srtp_protect_rtcp(kvs__srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                              size_t *out_len) {
    return kvs__srtp_protect(s, pkt, len, cap, out_len, 1);
}

/* Unprotect an SRTP packet in place (pkt 4-byte aligned). Returns KVS_OK with *out_len = the RTP
   length, or, with *out_len = 0 and the packet to be dropped: KVS_ERR_AUTH, KVS_ERR_PROTOCOL
   (replay), KVS_ERR_PARSE, KVS_ERR_LIMIT, KVS_ERR_NO_MEMORY (see the banner);
   KVS_ERR_INVALID_ARG (pkt NULL); KVS_ERR_STATE (s not initialised). A rejected packet leaves
   the session as it was (the next good packet is accepted); its bytes are unspecified. */
KVS_PRIVATE kvs_result kvs__srtp_unprotect_rtp(kvs__srtp *s, uint8_t *pkt, size_t len,
                                               size_t *out_len) {
    return kvs__srtp_unprotect(s, pkt, len, out_len, 0);
}

/* Unprotect an SRTCP packet in place; as kvs__srtp_unprotect_rtp. */
KVS_PRIVATE kvs_result kvs__srtp_unprotect_rtcp(kvs__srtp *s, uint8_t *pkt, size_t len,
                                                size_t *out_len) {
    return kvs__srtp_unprotect(s, pkt, len, out_len, 1);
}

/* ==== [25] >>sctp  SCTP for data channels (RFC 4960 subset over DTLS, RFC 8261) ============== */
/* depends on: >>prelude, >>util (CRC-32c), >>log, >>mem, >>crypto.  entry points: none yet (the
   peer drives it, >>dcep sits on top).
   A sans-IO SCTP association as WebRTC data channels use it: packets in (kvs__sctp_input, the
   plaintext of DTLS application records), packets out (kvs__sctp_output), a deadline
   (kvs__sctp_deadline / kvs__sctp_timeout), messages in and out per stream.
   Implemented (RFC 4960 unless said):
   - association setup: INIT / INIT-ACK with a state cookie signed by HMAC-SHA256 (the responder
     keeps no state before COOKIE-ECHO; cookies live 60 s), COOKIE-ECHO / COOKIE-ACK, both sides
     initiating at once (WebRTC peers do) and the other collision cases of section 5.2 (a peer
     restart is refused with an ABORT: a data channel association is not restarted);
     verification tags checked on every packet (section 8.5, with the T-bit rules); CRC-32c on
     every packet (appendix B: stored least significant byte first).
   - DATA and SACK: TSNs, stream ids, stream sequence numbers, PPIDs; SACK with gap blocks and up
     to 16 duplicate TSNs; delayed SACK (every second packet or 200 ms, at once on a gap or a
     duplicate); RTO from RTT samples (Karn's rule) with min / max and back-off; T3-rtx; fast
     retransmit on the third miss indication with one fast recovery per loss episode (section
     7.2.4); cwnd / ssthresh slow start and congestion avoidance (section 7.2); the peer's rwnd
     with a zero-window probe; bundling of control chunks and DATA up to the MTU (the size of an
     SCTP packet, 1200 bytes by default).
   - messages: fragmentation and reassembly up to max_message (256 KiB by default; a larger
     incoming message aborts the association), ordered delivery per stream by SSN and unordered
     delivery; fragments of a message must carry consecutive TSNs (no I-DATA, RFC 8260).
   - partial reliability (RFC 3758): per message, a maximum number of retransmissions or a
     lifetime; abandoned chunks are skipped with FORWARD-TSN, whose stream / SSN pairs let the
     receiver go on with ordered streams; received FORWARD-TSN handled.
   - stream reset (RFC 6525): outgoing and incoming SSN reset requests and their responses, with
     retransmission, to close a data channel (RFC 8831 section 6.7).
   - SHUTDOWN / SHUTDOWN-ACK / SHUTDOWN-COMPLETE, ABORT (sent and received: both sides report it),
     ERROR chunks (received: logged; sent for unrecognized chunk types that ask for a report),
     HEARTBEAT answered (and sent when idle, for RTT and liveness), unknown chunk types and
     parameters handled by their two upper bits.
   Memory: bounded by the configuration. Outgoing messages are cut into chunks allocated from the
   client's accountant; send_buffer caps the bytes queued or in flight (a full buffer makes
   kvs__sctp_send return KVS_ERR_AGAIN, and the "buffered low" callback follows when it drains).
   Incoming chunks are held until their message is delivered, capped by recv_buffer (which is also
   the advertised receive window); the TSN window tracks KVS__SCTP_WINDOW chunks above the
   cumulative ack; at most KVS_SCTP_MAX_STREAMS streams are in use at once.
   Left out: multi-homing (one path, as over DTLS), ECN, authentication chunks (RFC 4895), I-DATA
   (RFC 8260), adding streams (RFC 6525 section 4.5), stream schedulers beyond FIFO.               */

#ifndef KVS_SCTP_MAX_STREAMS
#define KVS_SCTP_MAX_STREAMS 64 /* streams (data channels x 1) in use at once per association */
#endif

#define KVS__SCTP_DATA 0
#define KVS__SCTP_INIT 1
#define KVS__SCTP_INIT_ACK 2
#define KVS__SCTP_SACK 3
#define KVS__SCTP_HEARTBEAT 4
#define KVS__SCTP_HEARTBEAT_ACK 5
#define KVS__SCTP_ABORT 6
#define KVS__SCTP_SHUTDOWN 7
#define KVS__SCTP_SHUTDOWN_ACK 8
#define KVS__SCTP_ERROR 9
#define KVS__SCTP_COOKIE_ECHO 10
#define KVS__SCTP_COOKIE_ACK 11
#define KVS__SCTP_SHUTDOWN_COMPLETE 14
#define KVS__SCTP_RECONFIG 130
#define KVS__SCTP_FORWARD_TSN 192

#define KVS__SCTP_P_COOKIE 7
#define KVS__SCTP_P_UNRECOGNIZED 8
#define KVS__SCTP_P_HB_INFO 1
#define KVS__SCTP_P_FORWARD_TSN 0xc000u
#define KVS__SCTP_P_EXTENSIONS 0x8008u
#define KVS__SCTP_P_OUT_RESET 13
#define KVS__SCTP_P_IN_RESET 14
#define KVS__SCTP_P_RECONF_RESP 16

#define KVS__SCTP_DATA_U 0x04
#define KVS__SCTP_DATA_B 0x02
#define KVS__SCTP_DATA_E 0x01

/* association states */
#define KVS__SCTP_CLOSED 0
#define KVS__SCTP_COOKIE_WAIT 1
#define KVS__SCTP_COOKIE_ECHOED 2
#define KVS__SCTP_ESTABLISHED 3
#define KVS__SCTP_SHUTDOWN_PENDING 4
#define KVS__SCTP_SHUTDOWN_SENT 5
#define KVS__SCTP_SHUTDOWN_RECEIVED 6
#define KVS__SCTP_SHUTDOWN_ACK_SENT 7

/* outgoing chunk states */
#define KVS__SCTP_C_QUEUED 0    /* not sent yet */
#define KVS__SCTP_C_FLIGHT 1    /* sent, not acknowledged */
#define KVS__SCTP_C_GAP_ACKED 2 /* acknowledged by a gap block (may be revoked) */
#define KVS__SCTP_C_RTX 3       /* to be sent again */
#define KVS__SCTP_C_ABANDONED 4 /* given up (partial reliability): skipped by FORWARD-TSN */

#define KVS__SCTP_COMMON 12        /* common header */
#define KVS__SCTP_DATA_HDR 16      /* DATA chunk header */
#define KVS__SCTP_WINDOW 2048      /* TSNs tracked above the cumulative ack (receiver) */
#define KVS__SCTP_COOKIE_LIFE KVS_SEC(60)
#define KVS__SCTP_COOKIE_LEN 64    /* the state cookie we issue */
/* the largest state cookie of a peer we keep: usrsctp's carries copies of both INIT chunks
   (about 260 bytes with our INIT), dcSCTP's is under 100 */
#define KVS__SCTP_PEER_COOKIE_MAX 512
#define KVS__SCTP_MAX_DUPS 16
#define KVS__SCTP_MAX_GAPS 64
#define KVS__SCTP_SACK_DELAY KVS_MSEC(200)
#define KVS__SCTP_RELIABLE 0xffffffffu

typedef struct kvs__sctp_cfg {
    uint16_t local_port, remote_port; /* 0 = 5000 (the WebRTC default, a=sctp-port) */
    size_t mtu;                       /* largest SCTP packet; 0 = 1200 */
    uint32_t max_message;             /* largest message either way; 0 = 256 KiB */
    uint32_t send_buffer;             /* bytes queued or in flight; 0 = 1 MiB */
    uint32_t recv_buffer;             /* bytes held for reassembly = our window; 0 = max_message
                                         + 64 KiB */
    kvs_time rto_initial, rto_min, rto_max; /* 0 = 1 s, 400 ms, 60 s */
    int max_init_retransmits;         /* INIT / COOKIE-ECHO attempts; 0 = 8 */
    int max_retransmits;              /* consecutive T3 expiries before the association fails;
                                         0 = 10 */
    kvs_time heartbeat;               /* idle time before a HEARTBEAT; 0 = 30 s */
} kvs__sctp_cfg;

/* One DATA chunk, outgoing (queued or in flight) or incoming (held until delivered); the
   payload follows the struct in the same allocation. */
typedef struct kvs__sctp_chunk {
    struct kvs__sctp_chunk *next;
    uint32_t tsn, ppid, msg;  /* msg: the message it belongs to (outgoing) */
    uint32_t max_rtx;         /* partial reliability: retransmissions allowed (RELIABLE = any) */
    uint16_t sid, ssn, len;
    uint8_t flags, state, miss, rtx, fast, seen;
    kvs_time sent_at, expires; /* expires: lifetime limit (KVS_TIME_NEVER = none) */
} kvs__sctp_chunk;

#define KVS__SCTP_PAYLOAD(c) ((uint8_t *)((c) + 1))

/* Per stream in use. */
typedef struct kvs__sctp_stream {
    uint16_t sid, out_ssn, in_ssn;
    uint8_t used;
    uint8_t reset_out;   /* an outgoing reset is wanted / requested for it */
    uint8_t reset_in;    /* the peer's reset of its outgoing side waits for reset_tsn */
    uint32_t reset_tsn;  /* incoming reset: applies once the cumulative ack reaches this TSN */
    uint32_t buffered;   /* bytes of this stream queued or in flight */
    uint16_t pending;    /* complete ordered messages waiting for an earlier SSN */
} kvs__sctp_stream;

typedef struct kvs__sctp_cb {
    void *ctx;
    void (*up)(void *ctx);                                   /* association established */
    void (*down)(void *ctx, kvs_result why);                 /* aborted, timed out, shut down */
    void (*message)(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n);
    void (*stream_reset)(void *ctx, uint16_t sid);           /* the peer reset (closed) a stream */
    void (*buffered_low)(void *ctx);                          /* the send buffer drained below half */
} kvs__sctp_cb;

typedef struct kvs__sctp_stats {
    uint32_t messages_sent, messages_received;
    uint64_t bytes_sent, bytes_received;
    uint32_t packets_sent, packets_received, packets_dropped; /* dropped: bad CRC, tag, format */
    uint32_t retransmissions, fast_retransmits, t3_expiries, abandoned, probes;
    kvs_time srtt, rto;
    uint32_t cwnd, ssthresh, peer_rwnd, flight;
} kvs__sctp_stats;

typedef struct kvs__sctp {
    kvs__sctp_cfg cfg;
    kvs__sctp_cb cb;
    kvs__rng *rng;
    kvs__log *log;
    kvs__mem *mem;
    int state;
    kvs_result error;
    uint8_t secret[32];          /* cookie HMAC key */
    uint32_t my_tag, peer_tag;
    uint32_t my_init_tsn;        /* kept for the INIT we sent (collisions) */
    uint16_t peer_streams_in, peer_streams_out;
    /* timers */
    kvs_time t1, t3, t2, tsack, thb, treconf, now;
    kvs_time tprobe, pto;        /* tail-loss probe, ahead of T3 (see kvs__sctp_arm_probe) */
    int init_tries, t3_tries, t2_tries, reconf_tries;
    int hb_unacked;              /* heartbeats sent without an answer (RFC 4960 8.1, 8.3) */
    int gone;                    /* went down: every later packet is dropped */
    kvs_time rto, srtt, rttvar;
    int rtt_any;
    /* sender */
    uint32_t next_tsn;           /* next TSN to assign */
    uint32_t peer_cum;           /* the peer's cumulative ack (last acked TSN) */
    uint32_t adv_peer_ack;       /* advanced peer ack point (RFC 3758) */
    uint32_t cwnd, ssthresh, partial_acked, flight, peer_rwnd;
    uint32_t queued_bytes;       /* bytes queued or in flight, chunk headers included */
    uint32_t next_msg;
    int in_recovery;
    uint32_t recovery_tsn;       /* fast recovery exit point */
    int need_fwd_tsn, low_armed;
    int rtx_pending;             /* a chunk may be marked for retransmission (saves list walks) */
    int gap_acked_any;           /* a chunk may be in state GAP_ACKED (saves list walks) */
    kvs__sctp_chunk *q_head, *q_tail;       /* queued, not sent (TSN order once assigned) */
    kvs__sctp_chunk *f_head, *f_tail;       /* sent, not yet cumulatively acked, TSN order */
    /* receiver */
    uint32_t cum_tsn;            /* our cumulative ack (last TSN received in sequence) */
    uint8_t rx_bits[KVS__SCTP_WINDOW / 8];  /* TSNs cum_tsn+1.. received */
    kvs__sctp_chunk *rx[KVS__SCTP_WINDOW];  /* held chunks by TSN */
    uint32_t rx_bytes;           /* payload bytes held */
    uint32_t rx_high;            /* the highest TSN received (at least cum_tsn once set) */
    uint32_t dups[KVS__SCTP_MAX_DUPS];
    int ndups, sack_due, sack_now, data_pkts;
    /* streams */
    kvs__sctp_stream streams[KVS_SCTP_MAX_STREAMS];
    /* stream reset (RFC 6525) */
    uint32_t reconf_seq;         /* our next request sequence number */
    uint32_t peer_reconf_seq;    /* the peer's next expected request sequence number */
    int reconf_out;              /* a request of ours is outstanding */
    int reconf_resend;           /* its timer fired: send it again */
    uint16_t reconf_sids[KVS_SCTP_MAX_STREAMS];
    int reconf_n;
    uint32_t reconf_last_tsn;
    uint32_t resp_seq, resp_result;
    int resp_pending;
    int deferred;                /* a peer reset request waits for the cumulative ack */
    uint32_t deferred_seq, deferred_tsn;
    uint32_t implicit_resp;      /* the peer's incoming-reset request our next request answers */
    int implicit_pending;
    /* control chunks to send */
    int send_init, send_cookie_ack, send_shutdown, send_shutdown_ack, send_shutdown_complete;
    int send_abort, send_cookie, send_hb_ack, send_hb;
    uint8_t cookie[KVS__SCTP_PEER_COOKIE_MAX]; /* the peer's cookie to echo (as received) */
    size_t cookie_len;
    uint8_t initack[256];        /* an INIT-ACK to send (stateless answer) */
    size_t initack_len;
    uint8_t hb_ack[64];          /* heartbeat info to echo */
    size_t hb_ack_len;
    uint8_t err_chunk[64];       /* an unrecognized chunk to report (its start) */
    size_t err_len;
    int shutdown_wanted;
    kvs__sctp_stats st;
} kvs__sctp;

/* --- serial number arithmetic (RFC 1982) on TSNs and SSNs --------------------------------- */

KVS_PRIVATE int kvs__sctp_lt(uint32_t a, uint32_t b) {
    return a != b && (uint32_t)(b - a) < 0x80000000u;
}
KVS_PRIVATE int kvs__sctp_le(uint32_t a, uint32_t b) {
    return a == b || kvs__sctp_lt(a, b);
}
KVS_PRIVATE int kvs__sctp_ssn_lt(uint16_t a, uint16_t b) {
    return a != b && (uint16_t)(b - a) < 0x8000u;
}

/* --- packets --------------------------------------------------------------------------------- */

/* Start a packet: common header with the verification tag; the checksum is set at the end. */
KVS_PRIVATE void kvs__sctp_pkt_begin(const kvs__sctp *s, kvs__wr *w, uint32_t tag) {
    kvs__wr_u16(w, s->cfg.local_port);
    kvs__wr_u16(w, s->cfg.remote_port);
    kvs__wr_u32(w, tag);
    kvs__wr_u32(w, 0);
}

/* CRC-32c over the packet with a zero checksum field, stored least significant byte first. */
KVS_PRIVATE void kvs__sctp_pkt_end(uint8_t *p, size_t n) {
    kvs__put_u32(p + 8, 0);
    kvs__put_u32le(p + 8, kvs__util_crc32c(0, p, n));
}

/* 1 when the checksum of a received packet is right. */
KVS_PRIVATE int kvs__sctp_crc_ok(const uint8_t *p, size_t n) {
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t c = kvs__util_crc32c(0, p, 8);
    c = kvs__util_crc32c(c, zero, 4);
    c = kvs__util_crc32c(c, p + 12, n - 12);
    return c == kvs__get_u32le(p + 8);
}

/* Begin a chunk; returns its offset for kvs__sctp_chunk_end. */
KVS_PRIVATE size_t kvs__sctp_chunk_begin(kvs__wr *w, int type, int flags) {
    size_t at = w->len;
    kvs__wr_u8(w, (uint8_t)type);
    kvs__wr_u8(w, (uint8_t)flags);
    kvs__wr_u16(w, 0);
    return at;
}

/* Set the chunk length (unpadded) and pad to 4 bytes. */
KVS_PRIVATE void kvs__sctp_chunk_end(kvs__wr *w, size_t at) {
    size_t len = w->len - at;
    kvs__wr_patch_u16(w, at + 2, (uint16_t)len);
    kvs__wr_fill(w, 0, (4u - (len & 3u)) & 3u);
}

/* Write a parameter (type, length, value, padding). */
KVS_PRIVATE void kvs__sctp_param(kvs__wr *w, uint16_t type, const void *v, size_t n) {
    kvs__wr_u16(w, type);
    kvs__wr_u16(w, (uint16_t)(4 + n));
    kvs__wr_bytes(w, v, n);
    kvs__wr_fill(w, 0, (4u - (n & 3u)) & 3u);
}

/* Look up a stream in use, optionally adding it. NULL when absent (or the table is full). */
KVS_PRIVATE kvs__sctp_stream *kvs__sctp_stream_get(kvs__sctp *s, uint16_t sid, int add) {
    kvs__sctp_stream *free_st = NULL;
    int i;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++) {
        kvs__sctp_stream *t = &s->streams[i];
        if (t->used && t->sid == sid)
            return t;
        if (!t->used && !free_st)
            free_st = t;
    }
    if (!add || !free_st)
        return NULL;
    KVS_MEMSET(free_st, 0, sizeof *free_st);
    free_st->used = 1;
    free_st->sid = sid;
    return free_st;
}

/* --- association lifecycle ------------------------------------------------------------------- */

/* The association is over: release every chunk, report once. */
KVS_PRIVATE void kvs__sctp_free_chunks(kvs__sctp *s) {
    kvs__sctp_chunk *c, *n;
    int i;
    for (c = s->q_head; c; c = n) {
        n = c->next;
        kvs__mem_free(s->mem, c);
    }
    for (c = s->f_head; c; c = n) {
        n = c->next;
        kvs__mem_free(s->mem, c);
    }
    s->q_head = s->q_tail = s->f_head = s->f_tail = NULL;
    for (i = 0; i < KVS__SCTP_WINDOW; i++) {
        if (s->rx[i]) {
            kvs__mem_free(s->mem, s->rx[i]);
            s->rx[i] = NULL;
        }
    }
    s->rx_bytes = 0;
    s->queued_bytes = 0;
    s->flight = 0;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
        s->streams[i].buffered = 0;
}

KVS_PRIVATE void kvs__sctp_down(kvs__sctp *s, kvs_result why) {
    int was = s->state;
    s->state = KVS__SCTP_CLOSED;
    s->gone = 1; /* an association is not started again (a new one needs a new object) */
    s->error = why;
    s->t1 = s->t2 = s->t3 = s->tsack = s->thb = s->treconf = s->tprobe = KVS_TIME_NEVER;
    kvs__sctp_free_chunks(s);
    if (was != KVS__SCTP_CLOSED && s->cb.down)
        s->cb.down(s->cb.ctx, why);
}

/* Abort: send ABORT (once) and go down. */
KVS_PRIVATE void kvs__sctp_abort(kvs__sctp *s, kvs_result why) {
    if (s->state == KVS__SCTP_CLOSED && !s->peer_tag)
        return;
    s->send_abort = 1;
    kvs__sctp_down(s, why);
}

KVS_PRIVATE kvs_result kvs__sctp_init(kvs__sctp *s, const kvs__sctp_cfg *cfg, const kvs__sctp_cb *cb,
                                      kvs__rng *rng, kvs__log *lg, kvs__mem *mem, kvs_time now) {
    uint8_t r[8];
    kvs_result res;
    int i;
    KVS_MEMSET(s, 0, sizeof *s);
    s->cfg = *cfg;
    if (cb)
        s->cb = *cb;
    s->rng = rng;
    s->log = lg;
    s->mem = mem;
    s->now = now;
    if (!s->cfg.local_port)
        s->cfg.local_port = 5000;
    if (!s->cfg.remote_port)
        s->cfg.remote_port = 5000;
    if (!s->cfg.mtu)
        s->cfg.mtu = 1200;
    if (!s->cfg.max_message)
        s->cfg.max_message = 256 * 1024;
    if (!s->cfg.send_buffer)
        s->cfg.send_buffer = 1024 * 1024;
    if (!s->cfg.recv_buffer)
        s->cfg.recv_buffer = s->cfg.max_message + 64 * 1024;
    if (!s->cfg.rto_initial)
        s->cfg.rto_initial = KVS_SEC(1);
    if (!s->cfg.rto_min)
        s->cfg.rto_min = KVS_MSEC(400); /* above the peer's 200 ms delayed SACK */
    if (!s->cfg.rto_max)
        s->cfg.rto_max = KVS_SEC(60);
    if (!s->cfg.max_init_retransmits)
        s->cfg.max_init_retransmits = 8;
    if (!s->cfg.max_retransmits)
        s->cfg.max_retransmits = 10;
    if (!s->cfg.heartbeat)
        s->cfg.heartbeat = KVS_SEC(30);
    if (s->cfg.mtu < 256 || s->cfg.mtu > 65535 || s->cfg.recv_buffer < s->cfg.max_message ||
        s->cfg.max_message < 1 || s->cfg.send_buffer < 1)
        return KVS_ERR_INVALID_ARG;
    /* our tag and initial TSN are fixed for the object: every INIT and INIT-ACK we send carries
       them, so any cookie we issued matches (RFC 4960 5.2.1 asks the same of a colliding INIT) */
    res = kvs__crypto_random(rng, s->secret, sizeof s->secret);
    if (res == KVS_OK)
        res = kvs__crypto_random(rng, r, sizeof r);
    if (res != KVS_OK)
        return res;
    s->my_tag = kvs__get_u32(r);
    if (!s->my_tag)
        s->my_tag = 1;
    s->my_init_tsn = kvs__get_u32(r + 4);
    s->next_tsn = s->my_init_tsn;
    s->peer_cum = s->adv_peer_ack = s->my_init_tsn - 1;
    s->reconf_seq = s->my_init_tsn;
    s->rto = s->cfg.rto_initial;
    s->t1 = s->t2 = s->t3 = s->tsack = s->thb = s->treconf = s->tprobe = KVS_TIME_NEVER;
    s->state = KVS__SCTP_CLOSED;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
        s->streams[i].used = 0;
    return KVS_OK;
}

KVS_PRIVATE void kvs__sctp_deinit(kvs__sctp *s) {
    kvs__sctp_free_chunks(s);
    kvs__crypto_zero(s, sizeof *s);
}

/* Start the association (WebRTC: both sides do, RFC 8831 section 6). */
KVS_PRIVATE kvs_result kvs__sctp_connect(kvs__sctp *s, kvs_time now) {
    if (s->state != KVS__SCTP_CLOSED || s->peer_tag || s->gone)
        return KVS_ERR_STATE;
    s->state = KVS__SCTP_COOKIE_WAIT;
    s->send_init = 1;
    s->init_tries = 0;
    s->t1 = now + s->rto;
    return KVS_OK;
}

/* INIT or INIT-ACK body: our tag, window, streams, initial TSN, and the extensions we use. */
KVS_PRIVATE void kvs__sctp_put_init(const kvs__sctp *s, kvs__wr *w) {
    static const uint8_t ext[2] = {KVS__SCTP_FORWARD_TSN, KVS__SCTP_RECONFIG};
    kvs__wr_u32(w, s->my_tag);
    kvs__wr_u32(w, s->cfg.recv_buffer);
    kvs__wr_u16(w, 65535); /* outbound streams: WebRTC channels use ids up to 65534 */
    kvs__wr_u16(w, 65535); /* inbound streams */
    kvs__wr_u32(w, s->my_init_tsn);
    kvs__sctp_param(w, KVS__SCTP_P_FORWARD_TSN, NULL, 0);
    kvs__sctp_param(w, KVS__SCTP_P_EXTENSIONS, ext, sizeof ext);
}

/* The state cookie of an INIT-ACK: what establishing needs, signed, with its creation time. */
KVS_PRIVATE void kvs__sctp_make_cookie(const kvs__sctp *s, uint8_t out[KVS__SCTP_COOKIE_LEN],
                                       uint32_t peer_tag, uint32_t peer_tsn, uint32_t peer_rwnd,
                                       uint16_t peer_os, uint16_t peer_mis, int fwd, int reconf) {
    uint8_t mac[32];
    kvs__put_u64(out, s->now);
    kvs__put_u32(out + 8, s->my_tag);
    kvs__put_u32(out + 12, peer_tag);
    kvs__put_u32(out + 16, s->my_init_tsn);
    kvs__put_u32(out + 20, peer_tsn);
    kvs__put_u32(out + 24, peer_rwnd);
    kvs__put_u16(out + 28, peer_os);
    kvs__put_u16(out + 30, peer_mis);
    out[32] = (uint8_t)fwd;
    out[33] = (uint8_t)reconf;
    KVS_MEMSET(out + 34, 0, 10);
    kvs__crypto_hmac_sha256(s->secret, sizeof s->secret, out, 44, mac);
    KVS_MEMCPY(out + 44, mac, 20);
    kvs__crypto_zero(mac, sizeof mac);
}

/* The next chunk of a packet's chunk list: its type, flags, length field and body (the length
   minus the 4-byte header; the padding after it is skipped). 1 for a chunk, 0 at the end (fewer
   than 4 bytes left), -1 for a length that lies (below 4, or past the end of the packet). */
KVS_PRIVATE int kvs__sctp_chunk_next(kvs__rd *r, uint8_t *type, uint8_t *flags, uint16_t *len,
                                     kvs__rd *body) {
    if (kvs__rd_left(r) < 4)
        return 0;
    *type = kvs__rd_u8(r);
    *flags = kvs__rd_u8(r);
    *len = kvs__rd_u16(r);
    if (*len < 4 || (size_t)*len - 4 > kvs__rd_left(r))
        return -1;
    *body = kvs__rd_sub(r, (size_t)*len - 4);
    kvs__rd_skip(r, KVS__MIN((size_t)((4u - (*len & 3u)) & 3u), kvs__rd_left(r)));
    return 1;
}

/* Parse the parameters of an INIT / INIT-ACK: FORWARD-TSN and RE-CONFIG support, the cookie.
   Returns 0 when the chunk must be dropped (a parameter says "stop"), 1 otherwise. */
KVS_PRIVATE int kvs__sctp_init_params(kvs__rd *r, int *fwd, int *reconf, const uint8_t **cookie,
                                      size_t *cookie_len) {
    *fwd = *reconf = 0;
    *cookie = NULL;
    *cookie_len = 0;
    while (kvs__rd_left(r) >= 4) {
        uint16_t type = kvs__rd_u16(r), len = kvs__rd_u16(r);
        kvs__rd v;
        if (len < 4)
            return 0;
        v = kvs__rd_sub(r, (size_t)len - 4);
        kvs__rd_skip(r, KVS__MIN((size_t)((4u - (len & 3u)) & 3u), kvs__rd_left(r)));
        if (!kvs__rd_ok(&v))
            return 0;
        if (type == KVS__SCTP_P_FORWARD_TSN) {
            *fwd = 1;
        } else if (type == KVS__SCTP_P_EXTENSIONS) {
            while (kvs__rd_left(&v)) {
                uint8_t t = kvs__rd_u8(&v);
                *fwd |= t == KVS__SCTP_FORWARD_TSN;
                *reconf |= t == KVS__SCTP_RECONFIG;
            }
        } else if (type == KVS__SCTP_P_COOKIE) {
            *cookie = v.p;
            *cookie_len = kvs__rd_left(&v);
        } else if (!(type & 0x8000u)) {
            return 0; /* upper bit 0: stop processing (the 01 case would also report it) */
        }
    }
    return 1;
}

/* Established: the peer's side is known. */
KVS_PRIVATE void kvs__sctp_establish(kvs__sctp *s, uint32_t peer_tag, uint32_t peer_tsn,
                                     uint32_t peer_rwnd, uint16_t peer_os, uint16_t peer_mis) {
    uint32_t mtu = (uint32_t)s->cfg.mtu;
    s->peer_tag = peer_tag;
    s->cum_tsn = s->rx_high = peer_tsn - 1;
    s->peer_reconf_seq = peer_tsn;
    s->peer_rwnd = peer_rwnd;
    s->peer_streams_in = peer_mis;
    s->peer_streams_out = peer_os;
    s->cwnd = KVS__MIN(4 * mtu, KVS__MAX(2 * mtu, 4380u));
    s->ssthresh = peer_rwnd;
    s->state = KVS__SCTP_ESTABLISHED;
    s->t1 = KVS_TIME_NEVER;
    s->thb = s->now + s->cfg.heartbeat;
    KVS__LOGF_INFO(s->log, SCTP_UP, "peer window %lu, streams %u/%u", (unsigned long)peer_rwnd,
                   (unsigned)peer_os, (unsigned)peer_mis);
    if (s->cb.up)
        s->cb.up(s->cb.ctx);
}

KVS_PRIVATE void kvs__sctp_on_init(kvs__sctp *s, uint32_t vtag, kvs__rd *r, int ack) {
    uint32_t tag = kvs__rd_u32(r), rwnd = kvs__rd_u32(r);
    uint16_t os = kvs__rd_u16(r), mis = kvs__rd_u16(r);
    uint32_t tsn = kvs__rd_u32(r);
    int fwd, reconf;
    const uint8_t *cookie;
    size_t clen;
    if (!kvs__rd_ok(r) || tag == 0 || os == 0 || mis == 0 ||
        !kvs__sctp_init_params(r, &fwd, &reconf, &cookie, &clen)) {
        s->st.packets_dropped++;
        return;
    }
    if (!ack) {
        /* INIT: answer at once, keeping nothing (the cookie carries it) */
        kvs__wr w;
        size_t at;
        uint8_t ck[KVS__SCTP_COOKIE_LEN];
        if (vtag != 0)
            return; /* an INIT travels with tag 0 (RFC 4960 8.5.1) */
        kvs__sctp_make_cookie(s, ck, tag, tsn, rwnd, os, mis, fwd, reconf);
        kvs__wr_init(&w, s->initack, sizeof s->initack);
        kvs__sctp_pkt_begin(s, &w, tag);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_INIT_ACK, 0);
        kvs__sctp_put_init(s, &w);
        kvs__sctp_param(&w, KVS__SCTP_P_COOKIE, ck, sizeof ck);
        kvs__sctp_chunk_end(&w, at);
        if (!w.err) {
            kvs__sctp_pkt_end(s->initack, w.len);
            s->initack_len = w.len;
        }
        return;
    }
    /* INIT-ACK: only for our INIT */
    if (s->state != KVS__SCTP_COOKIE_WAIT || vtag != s->my_tag || !cookie || clen == 0 ||
        clen > sizeof s->cookie)
        return;
    KVS_MEMCPY(s->cookie, cookie, clen);
    s->cookie_len = clen;
    s->peer_tag = tag;
    s->cum_tsn = s->rx_high = tsn - 1;
    s->peer_reconf_seq = tsn;
    s->peer_rwnd = rwnd;
    s->peer_streams_out = os;
    s->peer_streams_in = mis;
    s->state = KVS__SCTP_COOKIE_ECHOED;
    s->send_cookie = 1;
    s->init_tries = 0;
    s->t1 = s->now + s->rto;
    (void)fwd;
    (void)reconf;
}

/* COOKIE-ECHO (RFC 4960 5.1 D and 5.2.4): a cookie we signed, fresh, for this object's tag. */
KVS_PRIVATE void kvs__sctp_on_cookie_echo(kvs__sctp *s, const uint8_t *ck, size_t n) {
    uint8_t mac[32];
    kvs_time made;
    uint32_t peer_tag;
    int ok;
    if (n != KVS__SCTP_COOKIE_LEN)
        return;
    kvs__crypto_hmac_sha256(s->secret, sizeof s->secret, ck, 44, mac);
    ok = kvs__crypto_ct_eq(mac, ck + 44, 20);
    kvs__crypto_zero(mac, sizeof mac);
    made = kvs__get_u64(ck);
    if (!ok || kvs__get_u32(ck + 8) != s->my_tag || kvs__get_u32(ck + 16) != s->my_init_tsn) {
        s->st.packets_dropped++;
        return;
    }
    if (made > s->now || s->now - made > KVS__SCTP_COOKIE_LIFE) {
        KVS__LOG_DEBUG(s->log, SCTP_BAD_PACKET); /* stale cookie */
        return;
    }
    peer_tag = kvs__get_u32(ck + 12);
    if (s->state >= KVS__SCTP_ESTABLISHED) {
        if (peer_tag == s->peer_tag) {
            s->send_cookie_ack = 1; /* action D: our COOKIE-ACK was lost */
        } else {
            /* action A: the peer restarted; a data channel association is not restarted */
            KVS__LOG_WARN(s->log, SCTP_RESTART);
            kvs__sctp_abort(s, KVS_ERR_PROTOCOL);
        }
        return;
    }
    s->send_cookie_ack = 1;
    kvs__sctp_establish(s, peer_tag, kvs__get_u32(ck + 20), kvs__get_u32(ck + 24),
                        kvs__get_u16(ck + 28), kvs__get_u16(ck + 30));
}

/* ==== [26] >>sctp-data  SCTP data transfer: DATA, SACK, congestion control, FORWARD-TSN ===== */
/* depends on: >>sctp.  entry points: none (kvs__sctp_send and the rest serve the peer and
   >>dcep). The receiver's TSN window, reassembly and delivery, SACK; the sender's queue,
   retransmission (T3, fast retransmit), cwnd / ssthresh and partial reliability.               */

/* --- receiving DATA -------------------------------------------------------------------------- */

KVS_PRIVATE int kvs__sctp_rx_has(const kvs__sctp *s, uint32_t tsn) {
    uint32_t i = tsn % KVS__SCTP_WINDOW;
    return (s->rx_bits[i >> 3] >> (i & 7u)) & 1u;
}
KVS_PRIVATE void kvs__sctp_rx_mark(kvs__sctp *s, uint32_t tsn, int on) {
    uint32_t i = tsn % KVS__SCTP_WINDOW;
    if (on && kvs__sctp_lt(s->rx_high, tsn))
        s->rx_high = tsn;
    if (on)
        s->rx_bits[i >> 3] |= (uint8_t)(1u << (i & 7u));
    else
        s->rx_bits[i >> 3] &= (uint8_t)~(1u << (i & 7u));
}
/* The held (undelivered) chunk of tsn, or NULL. */
KVS_PRIVATE kvs__sctp_chunk *kvs__sctp_held(const kvs__sctp *s, uint32_t tsn) {
    kvs__sctp_chunk *c = s->rx[tsn % KVS__SCTP_WINDOW];
    return (c && c->tsn == tsn) ? c : NULL;
}

KVS_PRIVATE void kvs__sctp_release(kvs__sctp *s, kvs__sctp_chunk *c) {
    s->rx[c->tsn % KVS__SCTP_WINDOW] = NULL;
    s->rx_bytes -= c->len;
    kvs__mem_free(s->mem, c);
}

/* Move the cumulative ack over every TSN received in sequence. */
KVS_PRIVATE void kvs__sctp_advance_cum(kvs__sctp *s) {
    while (kvs__sctp_rx_has(s, s->cum_tsn + 1)) {
        s->cum_tsn++;
        kvs__sctp_rx_mark(s, s->cum_tsn, 0);
    }
}

/* If the message containing tsn is complete (consecutive TSNs from B to E, same stream, SSN and
   ordering), give its first and last TSN and size. 0 if not yet; -1 if inconsistent. */
KVS_PRIVATE int kvs__sctp_message_span(const kvs__sctp *s, uint32_t tsn, uint32_t *first,
                                       uint32_t *last, size_t *size) {
    kvs__sctp_chunk *c = kvs__sctp_held(s, tsn), *e;
    uint32_t t = tsn, n = 0;
    size_t total = 0;
    if (!c)
        return 0;
    while (!(kvs__sctp_held(s, t)->flags & KVS__SCTP_DATA_B)) {
        if (++n > KVS__SCTP_WINDOW || !kvs__sctp_held(s, t - 1))
            return 0;
        t--;
    }
    *first = t;
    for (;;) {
        e = kvs__sctp_held(s, t);
        if (!e)
            return 0;
        if (e->sid != c->sid || e->ssn != c->ssn ||
            ((e->flags ^ c->flags) & KVS__SCTP_DATA_U) ||
            (t != *first && (e->flags & KVS__SCTP_DATA_B)))
            return -1;
        total += e->len;
        if (e->flags & KVS__SCTP_DATA_E)
            break;
        if (++n > KVS__SCTP_WINDOW)
            return 0;
        t++;
    }
    *last = t;
    *size = total;
    return 1;
}

/* Hand a complete message to the callback and release its chunks. */
KVS_PRIVATE void kvs__sctp_deliver(kvs__sctp *s, uint32_t first, uint32_t last, size_t size) {
    kvs__sctp_chunk *c = kvs__sctp_held(s, first);
    uint16_t sid = c->sid;
    uint32_t ppid = c->ppid, t;
    s->st.messages_received++;
    s->st.bytes_received += size;
    if (first == last) {
        /* detached first: the callback may abort the association, which frees what is held */
        s->rx[c->tsn % KVS__SCTP_WINDOW] = NULL;
        s->rx_bytes -= c->len;
        if (s->cb.message)
            s->cb.message(s->cb.ctx, sid, ppid, KVS__SCTP_PAYLOAD(c), size);
        kvs__mem_free(s->mem, c);
        return;
    }
    {
        uint8_t *buf = (uint8_t *)kvs__mem_alloc(s->mem, size);
        size_t off = 0;
        for (t = first;; t++) {
            c = kvs__sctp_held(s, t);
            if (buf)
                KVS_MEMCPY(buf + off, KVS__SCTP_PAYLOAD(c), c->len);
            off += c->len;
            kvs__sctp_release(s, c);
            if (t == last)
                break;
        }
        if (!buf) {
            KVS__LOGF_WARN(s->log, SCTP_DROPPED_MESSAGE, "%lu bytes: no memory", (unsigned long)size);
            return;
        }
        if (s->cb.message)
            s->cb.message(s->cb.ctx, sid, ppid, buf, size);
        kvs__mem_free(s->mem, buf);
    }
}

/* Deliver what the stream can deliver in order now. */
KVS_PRIVATE void kvs__sctp_drain_stream(kvs__sctp *s, kvs__sctp_stream *st) {
    int more = st->pending != 0;
    while (more && s->state != KVS__SCTP_CLOSED) {
        uint32_t i;
        more = 0;
        for (i = 0; i < KVS__SCTP_WINDOW; i++) {
            kvs__sctp_chunk *c = s->rx[i];
            uint32_t first, last;
            size_t size;
            if (c && c->sid == st->sid && (c->flags & KVS__SCTP_DATA_B) &&
                !(c->flags & KVS__SCTP_DATA_U) && c->ssn == st->in_ssn &&
                kvs__sctp_message_span(s, c->tsn, &first, &last, &size) == 1) {
                st->in_ssn++;
                if (st->pending)
                    st->pending--;
                kvs__sctp_deliver(s, first, last, size);
                more = 1;
                break;
            }
        }
    }
}

/* Count again the complete ordered messages that wait per stream (after FORWARD-TSN released
   some of them). */
KVS_PRIVATE void kvs__sctp_recount_pending(kvs__sctp *s) {
    uint32_t i, first, last;
    size_t size;
    int j;
    for (j = 0; j < KVS_SCTP_MAX_STREAMS; j++)
        s->streams[j].pending = 0;
    for (i = 0; i < KVS__SCTP_WINDOW; i++) {
        kvs__sctp_chunk *c = s->rx[i];
        kvs__sctp_stream *st;
        if (!c || !(c->flags & KVS__SCTP_DATA_B) || (c->flags & KVS__SCTP_DATA_U))
            continue;
        st = kvs__sctp_stream_get(s, c->sid, 0);
        if (st && c->ssn != st->in_ssn && kvs__sctp_message_span(s, c->tsn, &first, &last, &size) == 1)
            st->pending++;
    }
}

/* A chunk that arrived: deliver its message if it is now complete and deliverable. */
KVS_PRIVATE void kvs__sctp_try_deliver(kvs__sctp *s, uint32_t tsn) {
    uint32_t first, last;
    size_t size;
    kvs__sctp_chunk *c;
    kvs__sctp_stream *st;
    int r = kvs__sctp_message_span(s, tsn, &first, &last, &size);
    if (r == 0)
        return;
    if (r < 0 || size > s->cfg.max_message) {
        KVS__LOGF_WARN(s->log, SCTP_PROTOCOL, "message of %lu bytes (limit %lu) or bad fragments",
                       (unsigned long)size, (unsigned long)s->cfg.max_message);
        kvs__sctp_abort(s, KVS_ERR_PROTOCOL);
        return;
    }
    c = kvs__sctp_held(s, first);
    if (c->flags & KVS__SCTP_DATA_U) {
        kvs__sctp_deliver(s, first, last, size);
        return;
    }
    st = kvs__sctp_stream_get(s, c->sid, 1);
    if (!st) {
        KVS__LOGF_WARN(s->log, SCTP_PROTOCOL, "more than %d streams in use", KVS_SCTP_MAX_STREAMS);
        kvs__sctp_abort(s, KVS_ERR_LIMIT);
        return;
    }
    if (c->ssn == st->in_ssn) {
        st->in_ssn++;
        kvs__sctp_deliver(s, first, last, size);
        kvs__sctp_drain_stream(s, st);
    } else if (kvs__sctp_ssn_lt(c->ssn, st->in_ssn)) {
        /* an SSN already passed (skipped by FORWARD-TSN): nothing will take it */
        uint32_t t;
        for (t = first;; t++) {
            kvs__sctp_release(s, kvs__sctp_held(s, t));
            if (t == last)
                break;
        }
    } else {
        st->pending++;
    }
}

/* The buffer is full and a chunk below what we hold above the cumulative ack arrives: drop the
   highest out-of-order chunks to make room (RFC 4960 6.2: they were only gap-acknowledged; the
   next SACK revokes them and the sender sends them again). Without this, out-of-order chunks
   could fill the buffer and lock out the one that moves the cumulative ack. */
KVS_PRIVATE void kvs__sctp_renege(kvs__sctp *s, uint32_t tsn, size_t n) {
    uint32_t off;
    for (off = KVS__SCTP_WINDOW; off > 0 && s->rx_bytes + n > s->cfg.recv_buffer; off--) {
        uint32_t t = s->cum_tsn + off;
        kvs__sctp_chunk *c;
        if (!kvs__sctp_lt(tsn, t))
            break;
        c = kvs__sctp_held(s, t);
        if (c) {
            kvs__sctp_release(s, c);
            kvs__sctp_rx_mark(s, t, 0);
        }
    }
}

/* One DATA chunk. Returns 1 when it was new and kept. */
KVS_PRIVATE int kvs__sctp_on_data(kvs__sctp *s, int flags, kvs__rd *r) {
    uint32_t tsn = kvs__rd_u32(r), ppid;
    uint16_t sid = kvs__rd_u16(r), ssn = kvs__rd_u16(r);
    size_t n;
    kvs__sctp_chunk *c;
    ppid = kvs__rd_u32(r);
    n = kvs__rd_left(r);
    if (!kvs__rd_ok(r) || n == 0) {
        s->st.packets_dropped++;
        return 0;
    }
    if (kvs__sctp_le(tsn, s->cum_tsn) || kvs__sctp_rx_has(s, tsn)) {
        if (s->ndups < KVS__SCTP_MAX_DUPS)
            s->dups[s->ndups++] = tsn;
        s->sack_now = 1;
        return 0;
    }
    if (s->rx_bytes + n > s->cfg.recv_buffer)
        kvs__sctp_renege(s, tsn, n);
    if ((uint32_t)(tsn - s->cum_tsn) > KVS__SCTP_WINDOW || s->rx[tsn % KVS__SCTP_WINDOW] ||
        s->rx_bytes + n > s->cfg.recv_buffer) {
        s->sack_now = 1; /* outside what we can hold: not acknowledged, the peer sends it again */
        return 0;
    }
    c = (kvs__sctp_chunk *)kvs__mem_alloc(s->mem, sizeof *c + n);
    if (!c)
        return 0;
    KVS_MEMSET(c, 0, sizeof *c);
    c->tsn = tsn;
    c->sid = sid;
    c->ssn = ssn;
    c->ppid = ppid;
    c->flags = (uint8_t)flags;
    c->len = (uint16_t)n;
    KVS_MEMCPY(KVS__SCTP_PAYLOAD(c), r->p, n);
    s->rx[tsn % KVS__SCTP_WINDOW] = c;
    s->rx_bytes += (uint32_t)n;
    kvs__sctp_rx_mark(s, tsn, 1);
    if (tsn != s->cum_tsn + 1)
        s->sack_now = 1; /* out of order: tell the sender at once */
    kvs__sctp_advance_cum(s);
    kvs__sctp_try_deliver(s, tsn);
    return 1;
}

/* A stream whose reset waits for the cumulative ack: done now? */
KVS_PRIVATE void kvs__sctp_resets_due(kvs__sctp *s);

/* FORWARD-TSN (RFC 3758 3.6): skip to the new cumulative TSN; go on with ordered streams. */
KVS_PRIVATE void kvs__sctp_on_forward_tsn(kvs__sctp *s, kvs__rd *r) {
    uint32_t to = kvs__rd_u32(r), i;
    if (!kvs__rd_ok(r))
        return;
    s->sack_due = s->sack_now = 1; /* a SACK answers every FORWARD-TSN (RFC 3758 3.6) */
    if (kvs__sctp_le(to, s->cum_tsn))
        return;
    /* forget every partial message up to it */
    for (i = 0; i < KVS__SCTP_WINDOW; i++) {
        kvs__sctp_chunk *c = s->rx[i];
        if (c && kvs__sctp_le(c->tsn, to))
            kvs__sctp_release(s, c);
    }
    if ((uint32_t)(to - s->cum_tsn) >= KVS__SCTP_WINDOW) {
        KVS_MEMSET(s->rx_bits, 0, sizeof s->rx_bits);
    } else {
        uint32_t t;
        for (t = s->cum_tsn + 1; t != to + 1; t++)
            kvs__sctp_rx_mark(s, t, 0);
    }
    s->cum_tsn = to;
    kvs__sctp_advance_cum(s);
    while (kvs__rd_left(r) >= 4) {
        uint16_t sid = kvs__rd_u16(r), ssn = kvs__rd_u16(r);
        kvs__sctp_stream *st = kvs__sctp_stream_get(s, sid, 1);
        if (st && !kvs__sctp_ssn_lt(ssn, st->in_ssn))
            st->in_ssn = (uint16_t)(ssn + 1);
    }
    kvs__sctp_recount_pending(s);
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
        if (s->streams[i].used)
            kvs__sctp_drain_stream(s, &s->streams[i]);
    /* messages now complete after the skip (unordered, or fragments past the gap) */
    for (i = 0; i < KVS__SCTP_WINDOW && s->state != KVS__SCTP_CLOSED; i++) {
        kvs__sctp_chunk *c = s->rx[i];
        if (c && (c->flags & KVS__SCTP_DATA_B))
            kvs__sctp_try_deliver(s, c->tsn);
    }
    kvs__sctp_resets_due(s);
}

/* Our advertised window: what is left of the receive buffer. */
KVS_PRIVATE uint32_t kvs__sctp_a_rwnd(const kvs__sctp *s) {
    return s->rx_bytes >= s->cfg.recv_buffer ? 0 : s->cfg.recv_buffer - s->rx_bytes;
}

/* A SACK chunk: cumulative TSN, window, gap blocks of what we hold above it, duplicates. */
KVS_PRIVATE void kvs__sctp_put_sack(kvs__sctp *s, kvs__wr *w, size_t room) {
    size_t at = kvs__sctp_chunk_begin(w, KVS__SCTP_SACK, 0), ngap_at;
    uint32_t off, start = 0, span;
    int ngaps = 0, in = 0, i, ndups = s->ndups;
    size_t max_gaps = room > 16 ? (room - 16) / 4 : 0;
    kvs__wr_u32(w, s->cum_tsn);
    kvs__wr_u32(w, kvs__sctp_a_rwnd(s));
    ngap_at = w->len;
    kvs__wr_u16(w, 0);
    kvs__wr_u16(w, 0);
    if ((size_t)ndups > max_gaps / 2)
        ndups = (int)(max_gaps / 2);
    max_gaps -= (size_t)ndups;
    if (max_gaps > KVS__SCTP_MAX_GAPS)
        max_gaps = KVS__SCTP_MAX_GAPS;
    /* gaps lie between cum_tsn and the highest TSN received: scan no further */
    span = kvs__sctp_lt(s->cum_tsn, s->rx_high) ? s->rx_high - s->cum_tsn + 1 : 1;
    if (span > KVS__SCTP_WINDOW)
        span = KVS__SCTP_WINDOW;
    for (off = 1; off <= span; off++) {
        int has = off < span && kvs__sctp_rx_has(s, s->cum_tsn + off);
        if (has && !in) {
            start = off;
            in = 1;
        } else if (!has && in) {
            if ((size_t)ngaps >= max_gaps)
                break;
            kvs__wr_u16(w, (uint16_t)start);
            kvs__wr_u16(w, (uint16_t)(off - 1));
            ngaps++;
            in = 0;
        }
    }
    for (i = 0; i < ndups; i++)
        kvs__wr_u32(w, s->dups[i]);
    kvs__wr_patch_u16(w, ngap_at, (uint16_t)ngaps);
    kvs__wr_patch_u16(w, ngap_at + 2, (uint16_t)ndups);
    kvs__sctp_chunk_end(w, at);
    s->ndups = 0;
    s->sack_due = s->sack_now = 0;
    s->data_pkts = 0;
    s->tsack = KVS_TIME_NEVER;
}

/* --- sending DATA ---------------------------------------------------------------------------- */

/* Largest DATA payload in one packet, its padding included (chunks are padded to 4 bytes: with
   an MTU that is not a multiple of 4, the last 1..3 bytes stay unused). */
KVS_PRIVATE size_t kvs__sctp_max_payload(const kvs__sctp *s) {
    return (s->cfg.mtu - KVS__SCTP_COMMON - KVS__SCTP_DATA_HDR) & ~(size_t)3;
}

/* Queue a message on stream sid: cut into chunks now, TSNs and SSN given at first transmission.
   unordered: deliver as soon as complete; max_rtx: retransmissions allowed
   (KVS__SCTP_RELIABLE = no limit); lifetime: give up after this long (KVS_TIME_NEVER = no
   limit). KVS_ERR_AGAIN when the send buffer is full (a buffered_low callback follows);
   KVS_ERR_LIMIT above max_message; KVS_ERR_STATE when the association is going or gone;
   KVS_ERR_NO_MEMORY. */
KVS_PRIVATE kvs_result kvs__sctp_send(kvs__sctp *s, uint16_t sid, uint32_t ppid, const void *p,
                                      size_t n, int unordered, uint32_t max_rtx, kvs_time lifetime,
                                      kvs_time now) {
    const uint8_t *b = (const uint8_t *)p;
    size_t maxp = kvs__sctp_max_payload(s), off = 0;
    kvs__sctp_stream *st;
    kvs__sctp_chunk *head = NULL, *tail = NULL, *c;
    uint32_t msg;
    if (n == 0 || n > s->cfg.max_message)
        return n == 0 ? KVS_ERR_INVALID_ARG : KVS_ERR_LIMIT;
    if (s->state == KVS__SCTP_CLOSED || s->state >= KVS__SCTP_SHUTDOWN_PENDING || s->shutdown_wanted)
        return KVS_ERR_STATE;
    /* the chunk headers count too: the buffer bounds the memory, whatever the message sizes */
    if (s->queued_bytes + n + (n + maxp - 1) / maxp * sizeof(kvs__sctp_chunk) > s->cfg.send_buffer) {
        s->low_armed = 1;
        return KVS_ERR_AGAIN;
    }
    st = kvs__sctp_stream_get(s, sid, 1);
    if (!st)
        return KVS_ERR_LIMIT;
    if (st->reset_out)
        return KVS_ERR_STATE; /* closing */
    msg = s->next_msg++;
    while (off < n) {
        size_t len = KVS__MIN(maxp, n - off);
        c = (kvs__sctp_chunk *)kvs__mem_alloc(s->mem, sizeof *c + len);
        if (!c) {
            while (head) {
                c = head->next;
                kvs__mem_free(s->mem, head);
                head = c;
            }
            return KVS_ERR_NO_MEMORY;
        }
        KVS_MEMSET(c, 0, sizeof *c);
        c->sid = sid;
        c->ppid = ppid;
        c->msg = msg;
        c->len = (uint16_t)len;
        c->max_rtx = max_rtx;
        c->expires = lifetime == KVS_TIME_NEVER ? KVS_TIME_NEVER : now + lifetime;
        c->flags = (uint8_t)((unordered ? KVS__SCTP_DATA_U : 0) | (off == 0 ? KVS__SCTP_DATA_B : 0) |
                             (off + len == n ? KVS__SCTP_DATA_E : 0));
        c->state = KVS__SCTP_C_QUEUED;
        KVS_MEMCPY(KVS__SCTP_PAYLOAD(c), b + off, len);
        if (tail)
            tail->next = c;
        else
            head = c;
        tail = c;
        off += len;
    }
    if (s->q_tail)
        s->q_tail->next = head;
    else
        s->q_head = head;
    s->q_tail = tail;
    s->queued_bytes += (uint32_t)(n + (n + maxp - 1) / maxp * sizeof(kvs__sctp_chunk));
    st->buffered += (uint32_t)n;
    s->st.messages_sent++;
    s->st.bytes_sent += n;
    return KVS_OK;
}

/* The association's statistics, with the live values (RTT, RTO, windows) filled in. */
KVS_PRIVATE void kvs__sctp_stats_get(const kvs__sctp *s, kvs__sctp_stats *out) {
    *out = s->st;
    out->srtt = s->srtt;
    out->rto = s->rto;
    out->cwnd = s->cwnd;
    out->ssthresh = s->ssthresh;
    out->peer_rwnd = s->peer_rwnd;
    out->flight = s->flight;
}

/* Bytes of stream sid queued or in flight (the data channel's bufferedAmount). */
KVS_PRIVATE uint32_t kvs__sctp_buffered(kvs__sctp *s, uint16_t sid) {
    kvs__sctp_stream *st = kvs__sctp_stream_get(s, sid, 0);
    return st ? st->buffered : 0;
}

/* A chunk leaves the sender's books (acknowledged or abandoned for good). */
KVS_PRIVATE void kvs__sctp_forget(kvs__sctp *s, kvs__sctp_chunk *c) {
    kvs__sctp_stream *st = kvs__sctp_stream_get(s, c->sid, 0);
    s->queued_bytes -= (uint32_t)(c->len + sizeof *c);
    if (st)
        st->buffered -= c->len;
    kvs__mem_free(s->mem, c);
}

/* Partial reliability: give up every chunk of message msg still in the queue or in flight. The
   queued part never gets TSNs and is freed now; the part in flight is skipped with FORWARD-TSN
   and keeps its place in the send buffer until the peer's cumulative ack passes it, so the
   buffer bounds every byte allocated. */
KVS_PRIVATE void kvs__sctp_abandon(kvs__sctp *s, uint32_t msg) {
    kvs__sctp_chunk *c, *prev = NULL, *n;
    for (c = s->f_head; c; c = c->next) {
        if (c->msg != msg || c->state == KVS__SCTP_C_ABANDONED)
            continue;
        if (c->state == KVS__SCTP_C_FLIGHT)
            s->flight -= c->len;
        c->state = KVS__SCTP_C_ABANDONED;
        s->need_fwd_tsn = 1;
    }
    for (c = s->q_head; c; c = n) {
        n = c->next;
        if (c->msg != msg) {
            prev = c;
            continue;
        }
        if (prev)
            prev->next = n;
        else
            s->q_head = n;
        if (s->q_tail == c)
            s->q_tail = prev;
        kvs__sctp_forget(s, c);
    }
    s->st.abandoned++;
}

/* The advanced peer ack point (RFC 3758 3.5 C1): past the cumulative ack over abandoned
   chunks. */
KVS_PRIVATE void kvs__sctp_advance_peer_ack(kvs__sctp *s, int on_sack) {
    kvs__sctp_chunk *c;
    uint32_t before = s->adv_peer_ack;
    if (kvs__sctp_lt(s->adv_peer_ack, s->peer_cum))
        s->adv_peer_ack = s->peer_cum;
    for (c = s->f_head; c; c = c->next) {
        if (kvs__sctp_le(c->tsn, s->adv_peer_ack))
            continue;
        if (c->tsn != s->adv_peer_ack + 1 || c->state != KVS__SCTP_C_ABANDONED)
            break;
        s->adv_peer_ack = c->tsn;
    }
    /* FORWARD-TSN when the point moved, and again on T3 expiry while the peer has not caught
       up (RFC 3758 3.5 C2, A3) - not on every SACK that leaves it unacknowledged: a peer SACKs
       each FORWARD-TSN at once, and SACKs already on the way when it went out would each
       trigger another, an endless FORWARD-TSN / SACK loop */
    if (kvs__sctp_lt(s->peer_cum, s->adv_peer_ack) && (!on_sack || s->adv_peer_ack != before))
        s->need_fwd_tsn = 1;
}

/* FORWARD-TSN: the new cumulative TSN and, per ordered stream, the last SSN skipped. */
KVS_PRIVATE void kvs__sctp_put_forward_tsn(kvs__sctp *s, kvs__wr *w, size_t room) {
    size_t at = kvs__sctp_chunk_begin(w, KVS__SCTP_FORWARD_TSN, 0);
    uint16_t sids[KVS_SCTP_MAX_STREAMS], ssns[KVS_SCTP_MAX_STREAMS];
    int n = 0, i;
    kvs__sctp_chunk *c;
    kvs__wr_u32(w, s->adv_peer_ack);
    for (c = s->f_head; c && kvs__sctp_le(c->tsn, s->adv_peer_ack); c = c->next) {
        if (c->state != KVS__SCTP_C_ABANDONED || (c->flags & KVS__SCTP_DATA_U))
            continue;
        for (i = 0; i < n && sids[i] != c->sid; i++)
            ;
        if (i == n) {
            if (n == KVS_SCTP_MAX_STREAMS || 8 + 4 * (size_t)(n + 1) > room)
                continue;
            sids[n] = c->sid;
            ssns[n++] = c->ssn;
        } else if (kvs__sctp_ssn_lt(ssns[i], c->ssn)) {
            ssns[i] = c->ssn;
        }
    }
    for (i = 0; i < n; i++) {
        kvs__wr_u16(w, sids[i]);
        kvs__wr_u16(w, ssns[i]);
    }
    kvs__sctp_chunk_end(w, at);
    s->need_fwd_tsn = 0;
}

/* Arm the tail-loss probe with T3: two smoothed round trips, plus the peer's delayed SACK
   (200 ms) when at most one packet is in flight (its SACK may wait for a second one); 10 ms at
   least. Not armed before an RTT sample, nor when T3 comes first. */
KVS_PRIVATE void kvs__sctp_arm_probe(kvs__sctp *s, kvs_time now) {
    kvs_time pto = 2 * s->srtt;
    if (s->flight <= kvs__sctp_max_payload(s))
        pto += KVS_MSEC(200);
    if (pto < KVS_MSEC(10))
        pto = KVS_MSEC(10);
    s->pto = pto;
    s->tprobe = (s->rtt_any && now + pto < s->t3) ? now + pto : KVS_TIME_NEVER;
}

/* Put DATA chunks into the packet: retransmissions first, then new chunks, within cwnd and the
   peer's window. Returns the number of chunks written. */
KVS_PRIVATE int kvs__sctp_put_data(kvs__sctp *s, kvs__wr *w, kvs_time now) {
    kvs__sctp_chunk *c;
    int n = 0, n_rtx;
    /* retransmissions, in TSN order (the walk is skipped while none is marked) */
    for (c = s->rtx_pending ? s->f_head : NULL; c; c = c->next) {
        size_t need = KVS__SCTP_DATA_HDR + c->len + ((4u - (c->len & 3u)) & 3u);
        if (c->state != KVS__SCTP_C_RTX)
            continue;
        if (need > w->cap - w->len)
            return n;
        if (!c->fast && s->flight && s->flight + c->len > s->cwnd)
            return n;
        kvs__wr_u8(w, KVS__SCTP_DATA);
        kvs__wr_u8(w, c->flags);
        kvs__wr_u16(w, (uint16_t)(KVS__SCTP_DATA_HDR + c->len));
        kvs__wr_u32(w, c->tsn);
        kvs__wr_u16(w, c->sid);
        kvs__wr_u16(w, c->ssn);
        kvs__wr_u32(w, c->ppid);
        kvs__wr_bytes(w, KVS__SCTP_PAYLOAD(c), c->len);
        kvs__wr_fill(w, 0, (4u - (c->len & 3u)) & 3u);
        c->state = KVS__SCTP_C_FLIGHT;
        c->fast = 0;
        c->miss = 0;
        c->sent_at = now;
        s->flight += c->len;
        s->st.retransmissions++;
        n++;
    }
    s->rtx_pending = 0; /* the walk reached the end: every marked chunk went out */
    n_rtx = n;
    /* new chunks */
    while ((c = s->q_head) != NULL) {
        size_t need = KVS__SCTP_DATA_HDR + c->len + ((4u - (c->len & 3u)) & 3u);
        /* expired before it could leave (a lifetime of 0 still goes out once, now) */
        if (c->expires != KVS_TIME_NEVER && now > c->expires) {
            kvs__sctp_abandon(s, c->msg);
            continue;
        }
        if (need > w->cap - w->len)
            break;
        if (s->flight && (s->flight + c->len > s->cwnd || c->len > s->peer_rwnd))
            break;
        if (c->flags & KVS__SCTP_DATA_B) {
            /* the SSN is taken when the message starts to leave */
            kvs__sctp_stream *st = kvs__sctp_stream_get(s, c->sid, 0);
            kvs__sctp_chunk *f;
            uint16_t ssn = 0;
            if (!(c->flags & KVS__SCTP_DATA_U) && st)
                ssn = st->out_ssn++;
            for (f = c; f; f = f->next) {
                f->ssn = ssn;
                if (f->flags & KVS__SCTP_DATA_E)
                    break;
            }
        }
        s->q_head = c->next;
        if (!s->q_head)
            s->q_tail = NULL;
        c->next = NULL;
        c->tsn = s->next_tsn++;
        c->state = KVS__SCTP_C_FLIGHT;
        c->sent_at = now;
        if (s->f_tail)
            s->f_tail->next = c;
        else
            s->f_head = c;
        s->f_tail = c;
        s->flight += c->len;
        s->peer_rwnd = s->peer_rwnd > c->len ? s->peer_rwnd - c->len : 0;
        kvs__wr_u8(w, KVS__SCTP_DATA);
        kvs__wr_u8(w, c->flags);
        kvs__wr_u16(w, (uint16_t)(KVS__SCTP_DATA_HDR + c->len));
        kvs__wr_u32(w, c->tsn);
        kvs__wr_u16(w, c->sid);
        kvs__wr_u16(w, c->ssn);
        kvs__wr_u32(w, c->ppid);
        kvs__wr_bytes(w, KVS__SCTP_PAYLOAD(c), c->len);
        kvs__wr_fill(w, 0, (4u - (c->len & 3u)) & 3u);
        n++;
    }
    if (n && s->t3 == KVS_TIME_NEVER) {
        s->t3 = now + s->rto;
        kvs__sctp_arm_probe(s, now);
    } else if (n > n_rtx) {
        kvs__sctp_arm_probe(s, now); /* the probe counts from the last new data (RFC 8985 7.2) */
    }
    return n;
}

/* An RTT sample (RFC 4960 6.3.1). */
KVS_PRIVATE void kvs__sctp_rtt(kvs__sctp *s, kvs_time r) {
    if (!s->rtt_any) {
        s->srtt = r;
        s->rttvar = r / 2;
        s->rtt_any = 1;
    } else {
        kvs_time d = s->srtt > r ? s->srtt - r : r - s->srtt;
        s->rttvar = (3 * s->rttvar + d) / 4;
        s->srtt = (7 * s->srtt + r) / 8;
    }
    s->rto = s->srtt + 4 * s->rttvar;
    if (s->rto < s->cfg.rto_min)
        s->rto = s->cfg.rto_min;
    if (s->rto > s->cfg.rto_max)
        s->rto = s->cfg.rto_max;
}

/* SACK (RFC 4960 6.2.1, 7.2): acknowledgements, window, congestion control, fast retransmit. */
KVS_PRIVATE void kvs__sctp_on_sack(kvs__sctp *s, kvs__rd *r, kvs_time now) {
    uint32_t cum = kvs__rd_u32(r), rwnd = kvs__rd_u32(r), acked = 0, highest_new, flight_before;
    uint16_t ngaps = kvs__rd_u16(r), ndups = kvs__rd_u16(r);
    kvs__sctp_chunk *c, *n;
    kvs_time rtt = 0;
    int i, cum_moved, gaps_before;
    (void)ndups;
    if (!kvs__rd_ok(r) || kvs__rd_left(r) < 4u * ngaps)
        return;
    if (kvs__sctp_lt(cum, s->peer_cum) || !kvs__sctp_lt(cum, s->next_tsn))
        return; /* old, or acknowledging what was never sent */
    flight_before = s->flight;
    cum_moved = kvs__sctp_lt(s->peer_cum, cum);
    highest_new = s->peer_cum; /* the highest TSN this SACK newly acknowledges */
    /* the cumulative part: those chunks are done */
    while ((c = s->f_head) != NULL && kvs__sctp_le(c->tsn, cum)) {
        if (c->state == KVS__SCTP_C_FLIGHT || c->state == KVS__SCTP_C_RTX) {
            if (c->state == KVS__SCTP_C_FLIGHT) {
                s->flight -= c->len;
                if (!c->rtx)
                    rtt = now - c->sent_at;
            }
            acked += c->len;
            highest_new = c->tsn;
        }
        s->f_head = c->next;
        if (!s->f_head)
            s->f_tail = NULL;
        kvs__sctp_forget(s, c);
    }
    s->peer_cum = cum;
    /* gap blocks: acknowledged above the cumulative point; a gap ack missing from this SACK
       was revoked (RFC 4960 6.2.1: the receiver dropped it) and the chunk is out again. The
       walks are skipped when there is nothing to mark or revoke (the common lossless case) */
    gaps_before = s->gap_acked_any;
    if (gaps_before || ngaps)
        for (c = s->f_head; c; c = c->next)
            c->seen = 0;
    for (i = 0; i < ngaps; i++) {
        uint32_t lo = cum + kvs__rd_u16(r), hi = cum + kvs__rd_u16(r);
        if (kvs__sctp_lt(hi, lo))
            continue;
        for (c = s->f_head; c; c = c->next) {
            if (kvs__sctp_lt(c->tsn, lo))
                continue;
            if (kvs__sctp_lt(hi, c->tsn))
                break;
            c->seen = 1;
            if (c->state == KVS__SCTP_C_FLIGHT || c->state == KVS__SCTP_C_RTX) {
                if (c->state == KVS__SCTP_C_FLIGHT) {
                    s->flight -= c->len;
                    if (!c->rtx)
                        rtt = now - c->sent_at;
                }
                acked += c->len;
                c->state = KVS__SCTP_C_GAP_ACKED;
                s->gap_acked_any = 1;
                if (kvs__sctp_lt(highest_new, c->tsn))
                    highest_new = c->tsn;
            }
        }
    }
    if (gaps_before || ngaps) {
        s->gap_acked_any = 0;
        for (c = s->f_head; c; c = c->next) {
            if (c->state == KVS__SCTP_C_GAP_ACKED && !c->seen) {
                c->state = KVS__SCTP_C_FLIGHT;
                s->flight += c->len;
            }
            if (c->state == KVS__SCTP_C_GAP_ACKED)
                s->gap_acked_any = 1;
        }
    }
    if (rtt)
        kvs__sctp_rtt(s, rtt);
    /* miss indications only below the highest TSN this SACK newly acknowledges (the HTNA rule
       of RFC 9260 7.2.4): a repeated or reordered SACK does not count twice */
    for (c = s->f_head; c && kvs__sctp_lt(c->tsn, highest_new); c = n) {
        n = c->next;
        if (c->state != KVS__SCTP_C_FLIGHT)
            continue;
        if (++c->miss >= 3) {
            c->miss = 0;
            if (c->max_rtx != KVS__SCTP_RELIABLE && c->rtx >= c->max_rtx) {
                kvs__sctp_abandon(s, c->msg); /* takes it out of the flight size */
                continue;
            }
            s->flight -= c->len;
            c->state = KVS__SCTP_C_RTX;
            s->rtx_pending = 1;
            c->rtx++;
            c->fast = !s->in_recovery;
            s->st.fast_retransmits++;
            if (!s->in_recovery) {
                /* one reduction per loss episode (RFC 4960 7.2.4) */
                s->ssthresh = KVS__MAX(s->cwnd / 2, 4u * (uint32_t)s->cfg.mtu);
                s->cwnd = s->ssthresh;
                s->partial_acked = 0;
                s->in_recovery = 1;
                s->recovery_tsn = s->next_tsn - 1;
            }
        }
    }
    if (s->in_recovery && !kvs__sctp_lt(cum, s->recovery_tsn))
        s->in_recovery = 0;
    /* congestion window (RFC 4960 7.2.1, 7.2.2). "Fully used" means no further full chunk
       fitted: flight counts payload, cwnd whole packets, so flight never quite reaches cwnd */
    if (cum_moved && !s->in_recovery) {
        uint32_t mtu = (uint32_t)s->cfg.mtu;
        int full = flight_before + (uint32_t)kvs__sctp_max_payload(s) > s->cwnd;
        if (s->cwnd <= s->ssthresh) {
            if (full)
                s->cwnd += KVS__MIN(acked, mtu);
        } else {
            s->partial_acked += acked;
            if (s->partial_acked >= s->cwnd && full) {
                s->partial_acked -= s->cwnd;
                s->cwnd += mtu;
            }
        }
    }
    s->peer_rwnd = rwnd > s->flight ? rwnd - s->flight : 0;
    if (cum_moved)
        s->t3_tries = s->hb_unacked = 0;
    /* T3 runs while anything is not cumulatively acknowledged - chunks in flight, to resend,
       gap-acknowledged (may be revoked) or abandoned (a FORWARD-TSN may be lost: RFC 3758
       3.5 A3) - and restarts when the earliest outstanding one moved */
    if (!s->f_head) {
        s->t3 = s->tprobe = KVS_TIME_NEVER;
    } else if (cum_moved || s->t3 == KVS_TIME_NEVER) {
        s->t3 = now + s->rto;
        kvs__sctp_arm_probe(s, now);
    }
    kvs__sctp_advance_peer_ack(s, 1);
    if (s->low_armed && s->queued_bytes <= s->cfg.send_buffer / 2) {
        s->low_armed = 0;
        if (s->cb.buffered_low)
            s->cb.buffered_low(s->cb.ctx);
    }
}

/* A chunk in flight is to be sent again: marked for retransmission (1), or abandoned when its
   partial reliability allows no more (0; its whole message goes, out of the flight size). */
KVS_PRIVATE int kvs__sctp_mark_rtx(kvs__sctp *s, kvs__sctp_chunk *c, kvs_time now) {
    if ((c->max_rtx != KVS__SCTP_RELIABLE && c->rtx >= c->max_rtx) ||
        (c->expires != KVS_TIME_NEVER && now >= c->expires)) {
        kvs__sctp_abandon(s, c->msg);
        return 0;
    }
    s->flight -= c->len;
    c->state = KVS__SCTP_C_RTX;
    s->rtx_pending = 1;
    c->rtx++;
    c->miss = 0;
    return 1;
}

/* T3-rtx expired (RFC 4960 6.3.3): back off, shrink cwnd, send everything out again. */
KVS_PRIVATE void kvs__sctp_t3_expired(kvs__sctp *s, kvs_time now) {
    kvs__sctp_chunk *c, *n;
    s->st.t3_expiries++;
    if (++s->t3_tries > s->cfg.max_retransmits) {
        KVS__LOG_WARN(s->log, SCTP_TIMEOUT);
        kvs__sctp_abort(s, KVS_ERR_TIMEOUT);
        return;
    }
    s->ssthresh = KVS__MAX(s->cwnd / 2, 4u * (uint32_t)s->cfg.mtu);
    s->cwnd = (uint32_t)s->cfg.mtu;
    s->partial_acked = 0;
    s->in_recovery = 0;
    s->rto = KVS__MIN(s->rto * 2, s->cfg.rto_max);
    for (c = s->f_head; c; c = n) {
        n = c->next;
        if (c->state == KVS__SCTP_C_FLIGHT)
            (void)kvs__sctp_mark_rtx(s, c, now);
    }
    s->flight = 0;
    kvs__sctp_advance_peer_ack(s, 0);
    s->t3 = now + s->rto;
    s->tprobe = KVS_TIME_NEVER; /* everything goes out again anyway */
}

/* The tail-loss probe fired (in the spirit of RFC 8985's TLP): no acknowledgement moved the
   cumulative point for a probe timeout. Resend the earliest chunk still in flight, outside the
   congestion window, without shrinking the window; again after twice the wait while T3 has not
   come (one packet per probe timeout at most: below one per round trip). It turns a lost
   retransmission, a lost last chunk or a receiver window filled behind one hole into a round
   trip or two instead of a retransmission timeout. */
KVS_PRIVATE void kvs__sctp_probe(kvs__sctp *s, kvs_time now) {
    kvs__sctp_chunk *c;
    s->pto *= 2;
    s->tprobe = now + s->pto < s->t3 ? now + s->pto : KVS_TIME_NEVER;
    /* the earliest chunk in flight that may still be retransmitted: partial reliability gives
       up on the others at T3, not on a guess */
    for (c = s->f_head; c; c = c->next)
        if (c->state == KVS__SCTP_C_FLIGHT && (c->max_rtx == KVS__SCTP_RELIABLE || c->rtx < c->max_rtx) &&
            (c->expires == KVS_TIME_NEVER || now < c->expires))
            break;
    if (c && kvs__sctp_mark_rtx(s, c, now)) {
        c->fast = 1;
        s->st.probes++;
    }
}

/* ==== [27] >>sctp-io  SCTP stream reset, shutdown, packet input and output, timers ========== */
/* depends on: >>sctp, >>sctp-data.  entry points: none (kvs__sctp_input / output / deadline /
   timeout / reset_stream / shutdown serve the peer and >>dcep).                                  */

/* --- stream reset (RFC 6525) ------------------------------------------------------------------ */

/* Close our outgoing side of stream sid (the data channel close of RFC 8831 6.7): the request
   leaves once the stream's queued data has TSNs, and its SSN restarts at 0 when the peer
   accepts. */
KVS_PRIVATE kvs_result kvs__sctp_reset_stream(kvs__sctp *s, uint16_t sid) {
    kvs__sctp_stream *st;
    if (s->state != KVS__SCTP_ESTABLISHED)
        return KVS_ERR_STATE;
    st = kvs__sctp_stream_get(s, sid, 1);
    if (!st)
        return KVS_ERR_LIMIT;
    st->reset_out = 1;
    return KVS_OK;
}

/* Perform a deferred incoming reset once everything up to its TSN has arrived (and, ordered
   delivery being per TSN, been delivered). */
KVS_PRIVATE void kvs__sctp_resets_due(kvs__sctp *s) {
    int i;
    if (!s->deferred || kvs__sctp_lt(s->cum_tsn, s->deferred_tsn))
        return;
    s->deferred = 0;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++) {
        kvs__sctp_stream *st = &s->streams[i];
        if (st->used && st->reset_in) {
            st->reset_in = 0;
            st->in_ssn = 0;
            st->pending = 0;
            if (s->cb.stream_reset)
                s->cb.stream_reset(s->cb.ctx, st->sid);
            if (!st->reset_out && !st->buffered && st->out_ssn == 0)
                st->used = 0;
        }
    }
    s->resp_seq = s->deferred_seq;
    s->resp_result = 1; /* success - performed */
    s->resp_pending = 1;
}

KVS_PRIVATE void kvs__sctp_on_reconfig(kvs__sctp *s, kvs__rd *r) {
    while (kvs__rd_left(r) >= 4) {
        uint16_t type = kvs__rd_u16(r), len = kvs__rd_u16(r);
        kvs__rd v;
        if (len < 4)
            return;
        v = kvs__rd_sub(r, (size_t)len - 4);
        kvs__rd_skip(r, KVS__MIN((size_t)((4u - (len & 3u)) & 3u), kvs__rd_left(r)));
        if (!kvs__rd_ok(&v))
            return;
        if (type == KVS__SCTP_P_OUT_RESET || type == KVS__SCTP_P_IN_RESET) {
            uint32_t seq = kvs__rd_u32(&v), last = 0;
            if (type == KVS__SCTP_P_OUT_RESET) {
                kvs__rd_skip(&v, 4); /* response sequence number */
                last = kvs__rd_u32(&v);
            }
            if (!kvs__rd_ok(&v) || kvs__rd_left(&v) % 2u)
                return;
            if (seq == s->peer_reconf_seq - 1) {
                /* a retransmitted request: repeat the answer (or "in progress") */
                s->resp_seq = seq;
                s->resp_result = s->deferred ? 6 : 1;
                s->resp_pending = 1;
                continue;
            }
            if (seq != s->peer_reconf_seq || s->deferred) {
                s->resp_seq = seq;
                s->resp_result = seq != s->peer_reconf_seq ? 5 : 4; /* bad sequence / in progress */
                s->resp_pending = 1;
                continue;
            }
            s->peer_reconf_seq++;
            while (kvs__rd_left(&v) >= 2) {
                kvs__sctp_stream *st = kvs__sctp_stream_get(s, kvs__rd_u16(&v), 1);
                if (!st)
                    continue;
                if (type == KVS__SCTP_P_OUT_RESET)
                    st->reset_in = 1;
                else
                    st->reset_out = 1; /* the peer asks us to reset ours */
            }
            if (type == KVS__SCTP_P_OUT_RESET) {
                s->deferred = 1;
                s->deferred_seq = seq;
                s->deferred_tsn = last;
                kvs__sctp_resets_due(s); /* at once if everything has arrived */
            } else {
                s->implicit_resp = seq; /* our outgoing request answers it (RFC 6525 5.2.3) */
                s->implicit_pending = 1;
            }
        } else if (type == KVS__SCTP_P_RECONF_RESP) {
            uint32_t seq = kvs__rd_u32(&v), result = kvs__rd_u32(&v);
            int i;
            if (!kvs__rd_ok(&v) || !s->reconf_out || seq != s->reconf_seq - 1)
                continue;
            if (result == 6)
                continue; /* in progress: our timer asks again */
            s->reconf_out = 0;
            s->treconf = KVS_TIME_NEVER;
            for (i = 0; i < s->reconf_n; i++) {
                kvs__sctp_stream *st = kvs__sctp_stream_get(s, s->reconf_sids[i], 0);
                if (!st)
                    continue;
                st->reset_out = 0;
                if (result <= 1) {
                    st->out_ssn = 0;
                    if (!st->reset_in && st->in_ssn == 0 && !st->buffered)
                        st->used = 0;
                }
            }
            if (result > 1)
                KVS__LOGF_WARN(s->log, SCTP_PROTOCOL, "stream reset refused: result %lu",
                               (unsigned long)result);
            s->reconf_n = 0;
        }
    }
}

/* The RE-CONFIG chunk to send, if any: a response and/or our outgoing reset request. */
KVS_PRIVATE void kvs__sctp_put_reconfig(kvs__sctp *s, kvs__wr *w, kvs_time now, int resend) {
    size_t at = 0;
    int i, n = 0, any = 0;
    uint16_t sids[KVS_SCTP_MAX_STREAMS];
    if (!s->reconf_out || resend) {
        /* streams to reset whose data all has TSNs */
        for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++) {
            kvs__sctp_stream *st = &s->streams[i];
            kvs__sctp_chunk *c;
            int queued = 0;
            if (!st->used || !st->reset_out)
                continue;
            for (c = s->q_head; c && !queued; c = c->next)
                queued = c->sid == st->sid;
            if (!queued)
                sids[n++] = st->sid;
        }
    }
    if (s->resp_pending) {
        at = kvs__sctp_chunk_begin(w, KVS__SCTP_RECONFIG, 0);
        any = 1;
        kvs__wr_u16(w, KVS__SCTP_P_RECONF_RESP);
        kvs__wr_u16(w, 12);
        kvs__wr_u32(w, s->resp_seq);
        kvs__wr_u32(w, s->resp_result);
        s->resp_pending = 0;
    }
    if ((n && !s->reconf_out) || (resend && s->reconf_out)) {
        if (!resend) {
            s->reconf_n = n;
            for (i = 0; i < n; i++)
                s->reconf_sids[i] = sids[i];
            s->reconf_last_tsn = s->next_tsn - 1;
            s->reconf_seq++;
            s->reconf_out = 1;
            s->reconf_tries = 0;
        }
        if (!any)
            at = kvs__sctp_chunk_begin(w, KVS__SCTP_RECONFIG, 0);
        any = 1;
        kvs__wr_u16(w, KVS__SCTP_P_OUT_RESET);
        kvs__wr_u16(w, (uint16_t)(16 + 2 * s->reconf_n));
        kvs__wr_u32(w, s->reconf_seq - 1);
        kvs__wr_u32(w, s->implicit_pending ? s->implicit_resp : s->peer_reconf_seq - 1);
        kvs__wr_u32(w, s->reconf_last_tsn);
        for (i = 0; i < s->reconf_n; i++)
            kvs__wr_u16(w, s->reconf_sids[i]);
        kvs__wr_fill(w, 0, (s->reconf_n & 1) ? 2u : 0u);
        s->implicit_pending = 0;
        s->treconf = now + s->rto;
    }
    if (any)
        kvs__sctp_chunk_end(w, at);
}

/* --- shutdown ------------------------------------------------------------------------------ */

/* Graceful close: once every queued message is acknowledged, SHUTDOWN. */
KVS_PRIVATE void kvs__sctp_shutdown(kvs__sctp *s) {
    s->shutdown_wanted = 1;
    if (s->state == KVS__SCTP_ESTABLISHED)
        s->state = KVS__SCTP_SHUTDOWN_PENDING;
    else if (s->state == KVS__SCTP_COOKIE_WAIT || s->state == KVS__SCTP_COOKIE_ECHOED)
        kvs__sctp_abort(s, KVS_ERR_CLOSED);
}

KVS_PRIVATE int kvs__sctp_idle(const kvs__sctp *s) {
    return !s->q_head && !s->f_head;
}

/* --- input ---------------------------------------------------------------------------------- */

/* One SCTP packet (the plaintext of a DTLS application record). Malformed packets are dropped
   and counted; the association goes on. */
KVS_PRIVATE void kvs__sctp_input(kvs__sctp *s, const uint8_t *p, size_t n, kvs_time now) {
    kvs__rd r, ch;
    uint32_t vtag;
    int got_data = 0, first = 1;
    s->now = now;
    if (n < KVS__SCTP_COMMON + 4 || (n & 3u) || !kvs__sctp_crc_ok(p, n) ||
        kvs__get_u16(p) != s->cfg.remote_port || kvs__get_u16(p + 2) != s->cfg.local_port) {
        s->st.packets_dropped++;
        KVS__LOG_DEBUG(s->log, SCTP_BAD_PACKET);
        return;
    }
    vtag = kvs__get_u32(p + 4);
    if (s->gone) {
        /* the association is over. A SHUTDOWN-ACK repeated because our SHUTDOWN-COMPLETE was
           lost is answered again (RFC 4960 8.4 item 5); everything else is dropped */
        if (vtag == s->my_tag && p[KVS__SCTP_COMMON] == KVS__SCTP_SHUTDOWN_ACK && s->peer_tag)
            s->send_shutdown_complete = 1;
        s->st.packets_dropped++;
        return;
    }
    s->st.packets_received++;
    kvs__rd_init(&r, p + KVS__SCTP_COMMON, n - KVS__SCTP_COMMON);
    for (;;) {
        uint8_t type, flags;
        uint16_t len;
        int tag_ok, more = kvs__sctp_chunk_next(&r, &type, &flags, &len, &ch);
        if (more <= 0) {
            if (more < 0)
                s->st.packets_dropped++;
            break;
        }
        if (type == KVS__SCTP_INIT) {
            /* alone in its packet, with tag 0 (RFC 4960 6.10, 8.5.1) */
            if (first && kvs__rd_left(&r) == 0)
                kvs__sctp_on_init(s, vtag, &ch, 0);
            break;
        }
        if (type == KVS__SCTP_ABORT || type == KVS__SCTP_SHUTDOWN_COMPLETE)
            tag_ok = vtag == s->my_tag || ((flags & 1) && s->peer_tag && vtag == s->peer_tag);
        else
            tag_ok = vtag == s->my_tag;
        if (!tag_ok) {
            s->st.packets_dropped++;
            break;
        }
        first = 0;
        switch (type) {
        case KVS__SCTP_DATA:
            if (s->state == KVS__SCTP_ESTABLISHED || s->state == KVS__SCTP_SHUTDOWN_PENDING ||
                s->state == KVS__SCTP_SHUTDOWN_SENT) {
                kvs__sctp_on_data(s, flags, &ch);
                got_data = 1;
            }
            break;
        case KVS__SCTP_INIT_ACK:
            kvs__sctp_on_init(s, vtag, &ch, 1);
            break;
        case KVS__SCTP_SACK:
            if (s->state >= KVS__SCTP_ESTABLISHED)
                kvs__sctp_on_sack(s, &ch, now);
            break;
        case KVS__SCTP_HEARTBEAT:
            if (kvs__rd_left(&ch) <= sizeof s->hb_ack) {
                s->hb_ack_len = kvs__rd_left(&ch);
                kvs__rd_bytes(&ch, s->hb_ack, s->hb_ack_len);
                s->send_hb_ack = 1;
            }
            break;
        case KVS__SCTP_HEARTBEAT_ACK: {
            /* our info: parameter 1 with the sending time */
            uint16_t pt = kvs__rd_u16(&ch), pl = kvs__rd_u16(&ch);
            kvs_time sent = kvs__rd_u64(&ch);
            if (kvs__rd_ok(&ch) && pt == KVS__SCTP_P_HB_INFO && pl == 12 && sent <= now &&
                now - sent < KVS_SEC(60)) {
                kvs__sctp_rtt(s, now - sent);
                s->hb_unacked = 0;
            }
            break;
        }
        case KVS__SCTP_ABORT:
            if (s->state == KVS__SCTP_CLOSED)
                break; /* no association to abort: out of the blue, dropped (RFC 4960 8.4) */
            KVS__LOG_WARN(s->log, SCTP_ABORTED);
            kvs__sctp_down(s, KVS_ERR_CLOSED);
            return;
        case KVS__SCTP_SHUTDOWN: {
            uint32_t cum = kvs__rd_u32(&ch);
            if (s->state < KVS__SCTP_ESTABLISHED || !kvs__rd_ok(&ch))
                break;
            if (kvs__sctp_lt(s->peer_cum, cum) && kvs__sctp_lt(cum, s->next_tsn)) {
                /* SHUTDOWN carries a cumulative ack: treat it as a SACK without gaps */
                uint8_t sack[12];
                kvs__rd sr;
                kvs__put_u32(sack, cum);
                kvs__put_u32(sack + 4, s->peer_rwnd + s->flight);
                kvs__put_u32(sack + 8, 0);
                kvs__rd_init(&sr, sack, sizeof sack);
                kvs__sctp_on_sack(s, &sr, now);
            }
            if (s->state == KVS__SCTP_ESTABLISHED || s->state == KVS__SCTP_SHUTDOWN_PENDING ||
                s->state == KVS__SCTP_SHUTDOWN_SENT)
                s->state = KVS__SCTP_SHUTDOWN_RECEIVED;
            break;
        }
        case KVS__SCTP_SHUTDOWN_ACK:
            if (s->state == KVS__SCTP_SHUTDOWN_SENT || s->state == KVS__SCTP_SHUTDOWN_ACK_SENT) {
                s->send_shutdown_complete = 1;
                kvs__sctp_down(s, KVS_ERR_CLOSED);
                return;
            }
            break;
        case KVS__SCTP_SHUTDOWN_COMPLETE:
            if (s->state == KVS__SCTP_SHUTDOWN_ACK_SENT) {
                kvs__sctp_down(s, KVS_ERR_CLOSED);
                return;
            }
            break;
        case KVS__SCTP_ERROR:
            KVS__LOGF_DEBUG(s->log, SCTP_PEER_ERROR, "cause %u",
                            (unsigned)(kvs__rd_left(&ch) >= 2 ? kvs__get_u16(ch.p) : 0));
            break;
        case KVS__SCTP_COOKIE_ECHO:
            kvs__sctp_on_cookie_echo(s, ch.p, kvs__rd_left(&ch));
            break;
        case KVS__SCTP_COOKIE_ACK:
            if (s->state == KVS__SCTP_COOKIE_ECHOED)
                kvs__sctp_establish(s, s->peer_tag, s->cum_tsn + 1, s->peer_rwnd,
                                    s->peer_streams_out, s->peer_streams_in);
            break;
        case KVS__SCTP_RECONFIG:
            if (s->state >= KVS__SCTP_ESTABLISHED)
                kvs__sctp_on_reconfig(s, &ch);
            break;
        case KVS__SCTP_FORWARD_TSN:
            if (s->state >= KVS__SCTP_ESTABLISHED)
                kvs__sctp_on_forward_tsn(s, &ch);
            break;
        default:
            /* unknown: the two upper bits say stop (0x) or skip (1x), and report (x1) with an
               ERROR chunk, cause 6 "Unrecognized Chunk Type" (RFC 4960 3.2, 3.3.10.6) */
            KVS__LOGF_DEBUG(s->log, SCTP_BAD_PACKET, "unknown chunk type %u", (unsigned)type);
            if ((type & 0x40u) && !s->err_len) {
                size_t keep = KVS__MIN((size_t)len, sizeof s->err_chunk);
                s->err_chunk[0] = type;
                s->err_chunk[1] = flags;
                kvs__put_u16(s->err_chunk + 2, len);
                KVS_MEMCPY(s->err_chunk + 4, ch.p, keep - 4);
                s->err_len = keep;
            }
            if (!(type & 0x80u))
                goto done;
            break;
        }
        if (s->state == KVS__SCTP_CLOSED && !s->peer_tag)
            break;
    }
done:
    if (got_data) {
        s->sack_due = 1;
        if (++s->data_pkts >= 2)
            s->sack_now = 1;
        else if (s->tsack == KVS_TIME_NEVER)
            s->tsack = now + KVS__SCTP_SACK_DELAY;
    }
    kvs__sctp_resets_due(s);
}

/* --- output and timers ---------------------------------------------------------------------- */

/* The next packet to send into buf (at most the MTU). KVS_OK with *len, or KVS_ERR_AGAIN. */
KVS_PRIVATE kvs_result kvs__sctp_output(kvs__sctp *s, uint8_t *buf, size_t cap, size_t *len,
                                        kvs_time now) {
    kvs__wr w;
    size_t at, body;
    *len = 0;
    s->now = now;
    kvs__wr_init(&w, buf, KVS__MIN(cap, s->cfg.mtu));
    if (w.cap < 64)
        return KVS_ERR_BUFFER_TOO_SMALL;
    if (s->send_abort) {
        s->send_abort = 0;
        if (!s->peer_tag)
            return KVS_ERR_AGAIN;
        kvs__sctp_pkt_begin(s, &w, s->peer_tag);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_ABORT, 0);
        kvs__sctp_chunk_end(&w, at);
        goto send;
    }
    if (s->initack_len) {
        if (s->initack_len > w.cap)
            return KVS_ERR_BUFFER_TOO_SMALL;
        KVS_MEMCPY(buf, s->initack, s->initack_len);
        *len = s->initack_len;
        s->initack_len = 0;
        s->st.packets_sent++;
        return KVS_OK;
    }
    if (s->send_shutdown_complete) {
        s->send_shutdown_complete = 0;
        kvs__sctp_pkt_begin(s, &w, s->peer_tag);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_SHUTDOWN_COMPLETE, 0);
        kvs__sctp_chunk_end(&w, at);
        goto send;
    }
    if (s->state == KVS__SCTP_COOKIE_WAIT) {
        if (!s->send_init)
            return KVS_ERR_AGAIN;
        s->send_init = 0;
        kvs__sctp_pkt_begin(s, &w, 0);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_INIT, 0);
        kvs__sctp_put_init(s, &w);
        kvs__sctp_chunk_end(&w, at);
        goto send;
    }
    if (s->state == KVS__SCTP_COOKIE_ECHOED) {
        if (!s->send_cookie)
            return KVS_ERR_AGAIN;
        s->send_cookie = 0;
        kvs__sctp_pkt_begin(s, &w, s->peer_tag);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_COOKIE_ECHO, 0);
        kvs__wr_bytes(&w, s->cookie, s->cookie_len);
        kvs__sctp_chunk_end(&w, at);
        goto send;
    }
    if (s->state == KVS__SCTP_CLOSED)
        return KVS_ERR_AGAIN;
    kvs__sctp_pkt_begin(s, &w, s->peer_tag);
    body = w.len;
    if (s->send_cookie_ack) {
        s->send_cookie_ack = 0;
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_COOKIE_ACK, 0);
        kvs__sctp_chunk_end(&w, at);
    }
    if (s->sack_due && (s->sack_now || s->q_head)) {
        /* room for it, keeping space for data */
        kvs__sctp_put_sack(s, &w, (w.cap - w.len) / 2);
    }
    if (s->need_fwd_tsn && kvs__sctp_lt(s->peer_cum, s->adv_peer_ack))
        kvs__sctp_put_forward_tsn(s, &w, (w.cap - w.len) / 2);
    else
        s->need_fwd_tsn = 0;
    if (s->send_hb_ack && w.cap - w.len >= 4 + s->hb_ack_len + 4) {
        s->send_hb_ack = 0;
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_HEARTBEAT_ACK, 0);
        kvs__wr_bytes(&w, s->hb_ack, s->hb_ack_len);
        kvs__sctp_chunk_end(&w, at);
    }
    if (s->err_len) {
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_ERROR, 0);
        kvs__sctp_param(&w, 6, s->err_chunk, s->err_len); /* cause 6: the chunk (its start) */
        kvs__sctp_chunk_end(&w, at);
        s->err_len = 0;
    }
    if (s->send_hb) {
        uint8_t info[8];
        s->send_hb = 0;
        kvs__put_u64(info, now);
        at = kvs__sctp_chunk_begin(&w, KVS__SCTP_HEARTBEAT, 0);
        kvs__sctp_param(&w, KVS__SCTP_P_HB_INFO, info, sizeof info);
        kvs__sctp_chunk_end(&w, at);
    }
    if (s->state == KVS__SCTP_ESTABLISHED) {
        kvs__sctp_put_reconfig(s, &w, now, s->reconf_resend);
        s->reconf_resend = 0;
    }
    if (kvs__sctp_idle(s) && s->t2 == KVS_TIME_NEVER) {
        if (s->state == KVS__SCTP_SHUTDOWN_PENDING) {
            s->state = KVS__SCTP_SHUTDOWN_SENT;
            at = kvs__sctp_chunk_begin(&w, KVS__SCTP_SHUTDOWN, 0);
            kvs__wr_u32(&w, s->cum_tsn);
            kvs__sctp_chunk_end(&w, at);
            s->t2 = now + s->rto;
        } else if (s->state == KVS__SCTP_SHUTDOWN_RECEIVED) {
            s->state = KVS__SCTP_SHUTDOWN_ACK_SENT;
            at = kvs__sctp_chunk_begin(&w, KVS__SCTP_SHUTDOWN_ACK, 0);
            kvs__sctp_chunk_end(&w, at);
            s->t2 = now + s->rto;
        }
    }
    if (kvs__sctp_put_data(s, &w, now))
        s->thb = now + s->cfg.heartbeat;
    if (w.len == body)
        return KVS_ERR_AGAIN;
send:
    if (w.err)
        return KVS_ERR_BUFFER_TOO_SMALL;
    kvs__sctp_pkt_end(buf, w.len);
    s->st.packets_sent++;
    *len = w.len;
    return KVS_OK;
}

/* When kvs__sctp_timeout wants to run, or KVS_TIME_NEVER. */
KVS_PRIVATE kvs_time kvs__sctp_deadline(const kvs__sctp *s) {
    kvs_time t = KVS_TIME_NEVER;
    if (s->state == KVS__SCTP_CLOSED)
        return t;
    if (s->t1 < t)
        t = s->t1;
    if (s->t2 < t)
        t = s->t2;
    if (s->t3 < t)
        t = s->t3;
    if (s->tprobe < t)
        t = s->tprobe;
    if (s->tsack < t)
        t = s->tsack;
    if (s->treconf < t)
        t = s->treconf;
    if (s->state == KVS__SCTP_ESTABLISHED && s->thb < t)
        t = s->thb;
    return t;
}

KVS_PRIVATE void kvs__sctp_timeout(kvs__sctp *s, kvs_time now) {
    s->now = now;
    if (s->state == KVS__SCTP_CLOSED)
        return;
    if (now >= s->t1) {
        if (++s->init_tries > s->cfg.max_init_retransmits) {
            KVS__LOG_WARN(s->log, SCTP_TIMEOUT);
            kvs__sctp_down(s, KVS_ERR_TIMEOUT);
            return;
        }
        s->rto = KVS__MIN(s->rto * 2, s->cfg.rto_max);
        s->t1 = now + s->rto;
        if (s->state == KVS__SCTP_COOKIE_WAIT)
            s->send_init = 1;
        else if (s->state == KVS__SCTP_COOKIE_ECHOED)
            s->send_cookie = 1;
        else
            s->t1 = KVS_TIME_NEVER;
    }
    if (now >= s->t3) {
        kvs__sctp_t3_expired(s, now);
        if (s->state == KVS__SCTP_CLOSED)
            return;
    }
    if (now >= s->tprobe)
        kvs__sctp_probe(s, now);
    if (now >= s->t2) {
        if (++s->t2_tries > s->cfg.max_retransmits) {
            KVS__LOG_WARN(s->log, SCTP_TIMEOUT);
            kvs__sctp_abort(s, KVS_ERR_TIMEOUT);
            return;
        }
        s->rto = KVS__MIN(s->rto * 2, s->cfg.rto_max);
        /* SHUTDOWN or SHUTDOWN-ACK again */
        s->t2 = KVS_TIME_NEVER;
        if (s->state == KVS__SCTP_SHUTDOWN_SENT)
            s->state = KVS__SCTP_SHUTDOWN_PENDING;
        else if (s->state == KVS__SCTP_SHUTDOWN_ACK_SENT)
            s->state = KVS__SCTP_SHUTDOWN_RECEIVED;
    }
    if (now >= s->tsack) {
        s->tsack = KVS_TIME_NEVER;
        s->sack_now = 1;
    }
    if (now >= s->treconf) {
        if (++s->reconf_tries > s->cfg.max_retransmits) {
            KVS__LOG_WARN(s->log, SCTP_TIMEOUT);
            kvs__sctp_abort(s, KVS_ERR_TIMEOUT);
            return;
        }
        s->treconf = KVS_TIME_NEVER;
        s->rto = KVS__MIN(s->rto * 2, s->cfg.rto_max);
        if (s->reconf_out)
            s->reconf_resend = 1; /* kvs__sctp_output sends the request again */
    }
    if (s->state == KVS__SCTP_ESTABLISHED && now >= s->thb && s->f_head) {
        s->thb = now + s->cfg.heartbeat; /* not idle: T3 watches the peer */
    } else if (s->state == KVS__SCTP_ESTABLISHED && now >= s->thb) {
        /* an idle peer that stops answering heartbeats is dead (RFC 4960 8.1, 8.3) */
        if (++s->hb_unacked > s->cfg.max_retransmits) {
            KVS__LOG_WARN(s->log, SCTP_TIMEOUT);
            kvs__sctp_abort(s, KVS_ERR_TIMEOUT);
            return;
        }
        s->send_hb = 1;
        s->thb = now + s->cfg.heartbeat + s->rto;
    }
}

/* ==== [28] >>dcep  data channels: DCEP (RFC 8832) over SCTP, RFC 8831 ======================= */
/* depends on: >>sctp, >>sctp-data, >>sctp-io.  entry points: none yet (the peer drives it).
   Data channels on one SCTP association. Implemented:
   - DATA_CHANNEL_OPEN for every channel type (reliable, partial reliable by retransmissions or
     by time, each ordered or unordered) with label, protocol and priority; DATA_CHANNEL_ACK. The
     opener may send before the ACK; until it arrives those messages go ordered (RFC 8832 6).
   - stream ids by the DTLS role: the DTLS client takes even ids, the server odd (RFC 8832 6);
     an incoming OPEN on an id of our parity, on an id in use, of an unknown type, or with a
     label / protocol over KVS_DC_LABEL_MAX is refused by resetting the stream.
   - pre-negotiated channels (both sides create the same id; no OPEN / ACK).
   - PPIDs: 50 DCEP, 51 string, 53 binary, 56 empty string, 57 empty binary (an empty message is
     sent as one zero byte with the empty PPID, RFC 8831 6.6); the deprecated partial PPIDs 52 /
     54 are delivered as string / binary.
   - closing: our outgoing stream is reset; when the peer resets its side we reset ours too; the
     channel is closed (event) when the peer's reset arrived (RFC 8831 6.7).
   - per channel: messages and bytes each way; the bytes still buffered (bufferedAmount).
   Channels are a fixed table of KVS_SCTP_MAX_STREAMS entries.                                   */

#ifndef KVS_DC_LABEL_MAX
#define KVS_DC_LABEL_MAX 128 /* bytes of a channel label or protocol kept (longer: refused) */
#endif

#define KVS__DCEP_PPID_DCEP 50
#define KVS__DCEP_PPID_STRING 51
#define KVS__DCEP_PPID_STRING_PARTIAL 52
#define KVS__DCEP_PPID_BINARY 53
#define KVS__DCEP_PPID_BINARY_PARTIAL 54
#define KVS__DCEP_PPID_STRING_EMPTY 56
#define KVS__DCEP_PPID_BINARY_EMPTY 57

#define KVS__DCEP_MSG_ACK 0x02
#define KVS__DCEP_MSG_OPEN 0x03

/* channel types: KVS_DC_* (>>api-peer) */

#define KVS__DC_FREE 0
#define KVS__DC_OPENING 1 /* we sent OPEN, no ACK yet (we may already send) */
#define KVS__DC_OPEN 2
#define KVS__DC_CLOSING 3 /* our reset is out, the peer's not seen yet */

typedef struct kvs__dc {
    uint16_t sid, priority;
    uint8_t state, type, negotiated, acked, we_reset;
    uint32_t rel; /* reliability parameter: retransmissions, or lifetime in ms */
    char label[KVS_DC_LABEL_MAX + 1];
    char protocol[KVS_DC_LABEL_MAX + 1];
    uint32_t msgs_sent, msgs_received;
    uint64_t bytes_sent, bytes_received;
} kvs__dc;

typedef struct kvs__dcep_cb {
    void *ctx;
    void (*open)(void *ctx, uint16_t sid);       /* a channel is open (ours acked, or theirs) */
    void (*message)(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary);
    void (*closed)(void *ctx, uint16_t sid);     /* the channel is closed */
} kvs__dcep_cb;

typedef struct kvs__dcep {
    kvs__sctp *sctp;
    kvs__log *log;
    kvs__dcep_cb cb;
    int dtls_client; /* our DTLS role: even stream ids when 1 */
    kvs__dc ch[KVS_SCTP_MAX_STREAMS];
} kvs__dcep;

KVS_PRIVATE void kvs__dcep_init(kvs__dcep *d, kvs__sctp *s, int dtls_client, const kvs__dcep_cb *cb,
                                kvs__log *lg) {
    KVS_MEMSET(d, 0, sizeof *d);
    d->sctp = s;
    d->log = lg;
    d->dtls_client = dtls_client;
    if (cb)
        d->cb = *cb;
}

KVS_PRIVATE kvs__dc *kvs__dcep_find(kvs__dcep *d, uint16_t sid) {
    int i;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
        if (d->ch[i].state != KVS__DC_FREE && d->ch[i].sid == sid)
            return &d->ch[i];
    return NULL;
}

KVS_PRIVATE kvs__dc *kvs__dcep_slot(kvs__dcep *d) {
    int i;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++)
        if (d->ch[i].state == KVS__DC_FREE)
            return &d->ch[i];
    return NULL;
}

/* Copy a label or protocol (n bytes, not NUL-terminated) into a bounded string. */
KVS_PRIVATE int kvs__dcep_copy_name(char out[KVS_DC_LABEL_MAX + 1], const void *p, size_t n) {
    if (n > KVS_DC_LABEL_MAX)
        return 0;
    if (n)
        KVS_MEMCPY(out, p, n);
    out[n] = 0;
    return 1;
}

KVS_PRIVATE int kvs__dcep_type_ok(int type) {
    return type == KVS_DC_RELIABLE || type == KVS_DC_RELIABLE_UNORDERED || type == KVS_DC_REXMIT ||
           type == KVS_DC_REXMIT_UNORDERED || type == KVS_DC_TIMED || type == KVS_DC_TIMED_UNORDERED;
}

/* Open a channel. id < 0: the next free id of our parity; negotiated: no OPEN / ACK, the peer
   creates the same id itself. The id goes to *sid_out. KVS_ERR_INVALID_ARG (type, names),
   KVS_ERR_LIMIT (no free id or slot), KVS_ERR_STATE (the association is gone), or what sending
   the OPEN returned. */
KVS_PRIVATE kvs_result kvs__dcep_open(kvs__dcep *d, const char *label, const char *protocol, int type,
                                      uint32_t rel, uint16_t priority, int negotiated, int id,
                                      uint16_t *sid_out, kvs_time now) {
    kvs__dc *c;
    size_t ll = label ? KVS_STRLEN(label) : 0, pl = protocol ? KVS_STRLEN(protocol) : 0;
    uint8_t msg[12 + 2 * KVS_DC_LABEL_MAX];
    kvs__wr w;
    kvs_result r;
    uint16_t sid;
    if (!kvs__dcep_type_ok(type) || ll > KVS_DC_LABEL_MAX || pl > KVS_DC_LABEL_MAX || id > 65534)
        return KVS_ERR_INVALID_ARG;
    if (d->sctp->state == KVS__SCTP_CLOSED && d->sctp->peer_tag)
        return KVS_ERR_STATE;
    if (id >= 0) {
        sid = (uint16_t)id;
        if (kvs__dcep_find(d, sid))
            return KVS_ERR_LIMIT;
    } else {
        /* the lowest free id of our parity */
        int cand;
        for (cand = d->dtls_client ? 0 : 1; cand <= 65534 && kvs__dcep_find(d, (uint16_t)cand); cand += 2)
            ;
        if (cand > 65534)
            return KVS_ERR_LIMIT;
        sid = (uint16_t)cand;
    }
    c = kvs__dcep_slot(d);
    if (!c)
        return KVS_ERR_LIMIT;
    KVS_MEMSET(c, 0, sizeof *c);
    c->sid = sid;
    c->type = (uint8_t)type;
    c->rel = rel;
    c->priority = priority;
    c->negotiated = (uint8_t)(negotiated != 0);
    kvs__dcep_copy_name(c->label, label, ll);
    kvs__dcep_copy_name(c->protocol, protocol, pl);
    if (negotiated) {
        c->state = KVS__DC_OPEN;
        c->acked = 1;
        *sid_out = sid;
        return KVS_OK;
    }
    kvs__wr_init(&w, msg, sizeof msg);
    kvs__wr_u8(&w, KVS__DCEP_MSG_OPEN);
    kvs__wr_u8(&w, (uint8_t)type);
    kvs__wr_u16(&w, priority);
    kvs__wr_u32(&w, rel);
    kvs__wr_u16(&w, (uint16_t)ll);
    kvs__wr_u16(&w, (uint16_t)pl);
    kvs__wr_bytes(&w, label, ll);
    kvs__wr_bytes(&w, protocol, pl);
    /* DCEP messages travel ordered and reliable on the channel's stream */
    r = kvs__sctp_send(d->sctp, sid, KVS__DCEP_PPID_DCEP, msg, w.len, 0, KVS__SCTP_RELIABLE,
                       KVS_TIME_NEVER, now);
    if (r != KVS_OK) {
        c->state = KVS__DC_FREE;
        return r;
    }
    c->state = KVS__DC_OPENING;
    *sid_out = sid;
    return KVS_OK;
}

/* Send a message on an open channel; n may be 0. binary: 1 binary, 0 text. KVS_ERR_NOT_FOUND,
   KVS_ERR_STATE (closing), and what kvs__sctp_send returns (KVS_ERR_AGAIN when the buffer is
   full). */
KVS_PRIVATE kvs_result kvs__dcep_send(kvs__dcep *d, uint16_t sid, const void *p, size_t n,
                                      int binary, kvs_time now) {
    static const uint8_t zero[1] = {0};
    kvs__dc *c = kvs__dcep_find(d, sid);
    int unordered;
    uint32_t max_rtx = KVS__SCTP_RELIABLE, ppid;
    kvs_time life = KVS_TIME_NEVER;
    kvs_result r;
    if (!c)
        return KVS_ERR_NOT_FOUND;
    if (c->state != KVS__DC_OPEN && c->state != KVS__DC_OPENING)
        return KVS_ERR_STATE;
    /* ordered until the ACK (RFC 8832 6) */
    unordered = (c->type & 0x80) && c->acked;
    if ((c->type & 0x7f) == KVS_DC_REXMIT)
        max_rtx = c->rel;
    else if ((c->type & 0x7f) == KVS_DC_TIMED)
        life = KVS_MSEC(c->rel);
    if (n == 0) {
        ppid = binary ? KVS__DCEP_PPID_BINARY_EMPTY : KVS__DCEP_PPID_STRING_EMPTY;
        p = zero;
        n = 1;
    } else {
        ppid = binary ? KVS__DCEP_PPID_BINARY : KVS__DCEP_PPID_STRING;
    }
    r = kvs__sctp_send(d->sctp, sid, ppid, p, n, unordered, max_rtx, life, now);
    if (r == KVS_OK) {
        c->msgs_sent++;
        c->bytes_sent += ppid >= KVS__DCEP_PPID_STRING_EMPTY ? 0 : n;
    }
    return r;
}

/* Close a channel: reset our outgoing stream; "closed" follows when the peer's reset arrives. */
KVS_PRIVATE kvs_result kvs__dcep_close(kvs__dcep *d, uint16_t sid) {
    kvs__dc *c = kvs__dcep_find(d, sid);
    if (!c)
        return KVS_ERR_NOT_FOUND;
    if (c->state == KVS__DC_CLOSING)
        return KVS_OK;
    c->state = KVS__DC_CLOSING;
    if (!c->we_reset) {
        c->we_reset = 1;
        return kvs__sctp_reset_stream(d->sctp, sid);
    }
    return KVS_OK;
}

/* The bytes of a channel still queued or in flight (bufferedAmount). */
KVS_PRIVATE uint32_t kvs__dcep_buffered(kvs__dcep *d, uint16_t sid) {
    return kvs__sctp_buffered(d->sctp, sid);
}

/* Refuse an incoming channel (or a bad OPEN): reset the stream. */
KVS_PRIVATE void kvs__dcep_refuse(kvs__dcep *d, uint16_t sid, const char *why) {
    (void)why;
    KVS__LOGF_WARN(d->log, DCEP_REFUSED, "stream %u: %s", (unsigned)sid, why);
    kvs__sctp_reset_stream(d->sctp, sid);
}

/* A DCEP message (PPID 50). */
KVS_PRIVATE void kvs__dcep_control(kvs__dcep *d, uint16_t sid, const uint8_t *p, size_t n,
                                   kvs_time now) {
    kvs__rd r;
    kvs__dc *c = kvs__dcep_find(d, sid);
    uint8_t type;
    kvs__rd_init(&r, p, n);
    type = kvs__rd_u8(&r);
    if (type == KVS__DCEP_MSG_ACK) {
        if (c && c->state == KVS__DC_OPENING && n == 1) {
            c->acked = 1;
            c->state = KVS__DC_OPEN;
            if (d->cb.open)
                d->cb.open(d->cb.ctx, sid);
        }
        return;
    }
    if (type == KVS__DCEP_MSG_OPEN) {
        uint8_t ctype = kvs__rd_u8(&r), ack = KVS__DCEP_MSG_ACK;
        uint16_t prio = kvs__rd_u16(&r);
        uint32_t rel = kvs__rd_u32(&r);
        uint16_t ll = kvs__rd_u16(&r), pl = kvs__rd_u16(&r);
        const uint8_t *label = kvs__rd_ptr(&r, ll), *proto = kvs__rd_ptr(&r, pl);
        if (!kvs__rd_ok(&r) || kvs__rd_left(&r)) {
            kvs__dcep_refuse(d, sid, "malformed DATA_CHANNEL_OPEN");
            return;
        }
        if (c || (sid % 2 == 0) == (d->dtls_client != 0)) {
            kvs__dcep_refuse(d, sid, c ? "stream in use" : "stream id of our parity");
            return;
        }
        if (!kvs__dcep_type_ok(ctype) || ll > KVS_DC_LABEL_MAX || pl > KVS_DC_LABEL_MAX) {
            kvs__dcep_refuse(d, sid, "unknown type or label too long");
            return;
        }
        c = kvs__dcep_slot(d);
        if (!c) {
            kvs__dcep_refuse(d, sid, "no free channel");
            return;
        }
        KVS_MEMSET(c, 0, sizeof *c);
        c->sid = sid;
        c->type = ctype;
        c->rel = rel;
        c->priority = prio;
        c->acked = 1;
        c->state = KVS__DC_OPEN;
        kvs__dcep_copy_name(c->label, label, ll);
        kvs__dcep_copy_name(c->protocol, proto, pl);
        (void)kvs__sctp_send(d->sctp, sid, KVS__DCEP_PPID_DCEP, &ack, 1, 0, KVS__SCTP_RELIABLE,
                             KVS_TIME_NEVER, now);
        if (d->cb.open)
            d->cb.open(d->cb.ctx, sid);
        return;
    }
    KVS__LOGF_DEBUG(d->log, DCEP_REFUSED, "unknown DCEP message %u", (unsigned)type);
}

/* The association's message callback: DCEP or user data. */
KVS_PRIVATE void kvs__dcep_on_message(kvs__dcep *d, uint16_t sid, uint32_t ppid, const uint8_t *p,
                                      size_t n, kvs_time now) {
    kvs__dc *c;
    int binary;
    if (ppid == KVS__DCEP_PPID_DCEP) {
        kvs__dcep_control(d, sid, p, n, now);
        return;
    }
    c = kvs__dcep_find(d, sid);
    if (!c || c->state == KVS__DC_FREE) {
        KVS__LOGF_DEBUG(d->log, DCEP_REFUSED, "data on stream %u without a channel", (unsigned)sid);
        return;
    }
    switch (ppid) {
    case KVS__DCEP_PPID_STRING:
    case KVS__DCEP_PPID_STRING_PARTIAL:
        binary = 0;
        break;
    case KVS__DCEP_PPID_BINARY:
    case KVS__DCEP_PPID_BINARY_PARTIAL:
        binary = 1;
        break;
    case KVS__DCEP_PPID_STRING_EMPTY:
        binary = 0;
        n = 0;
        break;
    case KVS__DCEP_PPID_BINARY_EMPTY:
        binary = 1;
        n = 0;
        break;
    default:
        KVS__LOGF_DEBUG(d->log, DCEP_REFUSED, "unknown PPID %lu", (unsigned long)ppid);
        return;
    }
    /* data from the peer implies it has our OPEN: it acknowledges it (RFC 8832 6) */
    if (c->state == KVS__DC_OPENING) {
        c->acked = 1;
        c->state = KVS__DC_OPEN;
        if (d->cb.open)
            d->cb.open(d->cb.ctx, sid);
    }
    c->msgs_received++;
    c->bytes_received += n;
    if (d->cb.message)
        d->cb.message(d->cb.ctx, sid, p, n, binary);
}

/* The association's stream-reset callback: the peer closed its side. */
KVS_PRIVATE void kvs__dcep_on_reset(kvs__dcep *d, uint16_t sid) {
    kvs__dc *c = kvs__dcep_find(d, sid);
    if (!c)
        return;
    if (!c->we_reset) {
        c->we_reset = 1;
        (void)kvs__sctp_reset_stream(d->sctp, sid); /* close our side too (RFC 8831 6.7) */
    }
    c->state = KVS__DC_FREE;
    if (d->cb.closed)
        d->cb.closed(d->cb.ctx, sid);
}

/* The association went down: every channel is closed. */
KVS_PRIVATE void kvs__dcep_on_down(kvs__dcep *d) {
    int i;
    for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++) {
        if (d->ch[i].state != KVS__DC_FREE) {
            uint16_t sid = d->ch[i].sid;
            d->ch[i].state = KVS__DC_FREE;
            if (d->cb.closed)
                d->cb.closed(d->cb.ctx, sid);
        }
    }
}

/* ==== [29] >>tls  TLS 1.2 client over BearSSL: trust anchors, SNI, host name check ========== */
/* depends on: >>prelude, >>util (dates, IPv4 literals), >>log, >>mem, >>crypto (PEM object
   names, RNG, zeroize), BearSSL.  entry points: none yet (the signaling client's HTTPS and WSS,
   and TURN over TLS on port 443, will drive it).
   A sans-IO TLS 1.2 client for one byte stream (RFC 5246; RFC 6066 server_name; RFC 7301 ALPN;
   suites of RFC 5289 and RFC 7905), a thin wrapper over BearSSL's client engine and its
   "minimal" X.509 validator:
   - bytes from the socket go in (kvs__tls_input), bytes for the socket come out
     (kvs__tls_output), application data is written (kvs__tls_write: whatever fits now, each
     call flushed as a record) and read (kvs__tls_read); kvs__tls_close queues close_notify.
     Nothing blocks and nothing reads a clock: certificates are checked at the caller's
     unix_time. Randomness: 32 bytes from the platform generator seed BearSSL's HMAC-DRBG, and
     BearSSL's own OS seeding is switched off (a seeded test platform gives byte-identical
     handshakes).
   - TLS 1.2 only. Suites, in our order (the server chooses): ECDHE_ECDSA and ECDHE_RSA with
     AES_128_GCM_SHA256, CHACHA20_POLY1305_SHA256 and AES_256_GCM_SHA384. Groups X25519, P-256,
     P-384, P-521; server signatures ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512. SNI always;
     ALPN "http/1.1" on request (a server without ALPN is still accepted). Left out: session
     resumption, renegotiation (a HelloRequest is answered with a no_renegotiation warning),
     client certificates, TLS 1.3. There are no timers (TCP retransmits): the owner bounds the
     time a handshake may take.
   - Verification (BearSSL x509_minimal): the chain must lead to one of the trust anchors
     (kvs__tls_anchors, from a PEM bundle: CA certificates; a non-CA certificate in the bundle
     is trusted directly, name and key, as a pinned server certificate); every certificate of
     the chain must be valid at unix_time; intermediates need basicConstraints CA; certificate
     signatures with SHA-256/384/512 (SHA-1 is refused); RSA keys of 1017 bits or more. The
     host name is compared without case with the dNSName entries of the server certificate's
     subjectAltName, or with its subject CN when it has no subjectAltName (RFC 6125 6.4.4). A
     wildcard counts only as the whole leftmost label: "*.example.com" matches "a.example.com",
     neither "example.com" nor "a.b.example.com". An IP address is refused as host name
     (certificates are matched by DNS name only). tests/test_tls.c checks each of these rules.
   - A failure leaves the client FAILED with a result and a log item: KVS_ERR_AUTH with
     TLS_UNKNOWN_CA, TLS_BAD_HOSTNAME, TLS_EXPIRED (expired or not yet valid) or TLS_BAD_CERT
     (any other certificate problem, or a server signature that does not verify);
     KVS_ERR_PROTOCOL with TLS_PEER_ALERT (the server's fatal alert) or TLS_FAILED (anything
     else; the log line names BearSSL's error). A refused certificate is reported to the server
     with a fatal alert (unknown_ca, certificate_expired, bad_certificate, decrypt_error), which
     BearSSL alone would not send.
   Memory: BearSSL's contexts and I/O buffer are one block from the accountant, allocated by
   kvs__tls_init, zeroed and freed by kvs__tls_deinit; kvs__tls itself is small and may move.
   The input side must hold a whole 16 KB record plus overhead (16709 bytes, BearSSL's
   BR_SSL_BUFSIZE_INPUT: servers need not honour a smaller max_fragment_length). The output
   side holds one record: out_record bytes of plaintext + 85 (default 4096: an HTTP request or
   a TURN frame is one record; a longer write, such as a large WebSocket message, becomes
   several, and BearSSL then offers max_fragment_length 4096, which a server may honour). Full
   duplex by default (TURN relays media both ways); on request BearSSL's half-duplex mode, one
   16709-byte buffer for both directions (fine for one HTTPS request and its response).
   kvs__tls_memory_size gives the exact figure; on x86-64 with BearSSL 0.6: 7096 bytes of
   contexts, so 27986 bytes per client with the defaults, 23805 half-duplex, 40274 with 16 KB
   output records. Trust anchors are shared read-only by every client: the subject name (about
   100 bytes) and the key (65 bytes P-256, 259 RSA-2048) each. Parsing them borrows a 3 KB
   scratch block from the accountant (nothing large on the stack).                            */

#ifndef KVS_TLS_MAX_ANCHORS
#define KVS_TLS_MAX_ANCHORS 16 /* trust anchors one kvs__tls_anchors holds */
#endif
#if KVS_TLS_MAX_ANCHORS < 1 || KVS_TLS_MAX_ANCHORS > 4096
#error "KVS_TLS_MAX_ANCHORS must be 1..4096"
#endif

#define KVS__TLS_DN_MAX 1024                 /* bytes of one anchor's subject name (DER) */
#define KVS__TLS_HOST_MAX 253                /* a DNS name without its trailing dot */
#define KVS__TLS_IN_BUF BR_SSL_BUFSIZE_INPUT /* one record: 16384 + 325 = 16709 bytes */
#define KVS__TLS_OUT_OVERHEAD (BR_SSL_BUFSIZE_OUTPUT - 16384) /* 85: header, IV, MAC, padding */
#define KVS__TLS_OUT_RECORD 4096 /* default plaintext bytes per record we send */
#define KVS__TLS_NAME_MAX 64     /* server certificate names kept for the log */

#define KVS__TLS_ST_HANDSHAKE 1
#define KVS__TLS_ST_OPEN 2
#define KVS__TLS_ST_CLOSING 3 /* we sent close_notify; the server's has not come yet */
#define KVS__TLS_ST_CLOSED 4  /* close_notify both ways */
#define KVS__TLS_ST_FAILED 5

typedef struct kvs__tls_cfg {
    kvs_str host;                           /* DNS name: SNI and verification (a trailing dot is
                                               ignored); copied by init */
    const struct kvs__tls_anchors *anchors; /* borrowed: must outlive the client */
    int64_t unix_time;                      /* validation time, UTC seconds (> 0) */
    int alpn_http11;                        /* 1: offer ALPN "http/1.1" */
    int half_duplex;                        /* 1: one shared I/O buffer (BearSSL "mono") */
    size_t out_record;                      /* plaintext bytes per record sent: 512, 1024,
                                               2048, 4096 or 16384; 0 = 4096 (full duplex) */
} kvs__tls_cfg;

/* Trust anchors: each anchor's DN and key are one block from the accountant. */
typedef struct kvs__tls_anchors {
    br_x509_trust_anchor ta[KVS_TLS_MAX_ANCHORS];
    size_t n;
    kvs__mem *mem;
} kvs__tls_anchors;

/* BearSSL's state for one client; the I/O buffer follows it in the same block. */
typedef struct kvs__tls_eng {
    br_ssl_client_context sc;
    br_x509_minimal_context xc;
    br_name_element names[2]; /* the server certificate's CN and first dNSName, for the log */
    char cn[KVS__TLS_NAME_MAX], dns[KVS__TLS_NAME_MAX];
    const char *alpn[1];
    size_t size; /* of the whole block */
} kvs__tls_eng;

typedef struct kvs__tls {
    kvs__tls_eng *e; /* NULL before init and after deinit */
    kvs__log *log;
    kvs__mem *mem;
    int state;        /* KVS__TLS_ST_* */
    kvs_result error; /* FAILED: why; CLOSED: KVS_ERR_CLOSED */
    int item;         /* FAILED: the log item of the reason */
    int br_err;       /* FAILED: BearSSL's error code */
    uint16_t suite;   /* OPEN: the cipher suite */
    int alpn;         /* OPEN: 1 when the server selected "http/1.1" */
    int64_t unix_time;
    uint8_t alert[7]; /* FAILED on a certificate: the fatal alert record still to send */
    size_t alert_len, alert_off;
} kvs__tls;

/* --- trust anchors ---------------------------------------------------------------------------- */

/* The scratch state of one parse (from the accountant: about 3 KB). */
typedef struct kvs__tls_dec {
    br_pem_decoder_context pem;
    br_x509_decoder_context x509;
    uint8_t dn[KVS__TLS_DN_MAX];
    size_t dn_len;
    int dn_over;    /* the DN did not fit */
    uint8_t hdr[6]; /* the first bytes of the DER: its declared length */
    size_t der_len; /* bytes of DER received */
    int extra;      /* bytes after the decoder finished */
} kvs__tls_dec;

KVS_PRIVATE void kvs__tls_dec_dn(void *ctx, const void *p, size_t n) {
    kvs__tls_dec *d = (kvs__tls_dec *)ctx;
    if (d->dn_over || n > sizeof d->dn - d->dn_len) {
        d->dn_over = 1;
        return;
    }
    KVS_MEMCPY(d->dn + d->dn_len, p, n);
    d->dn_len += n;
}

/* DER bytes of one certificate into the X.509 decoder. Bytes arriving after it finished (or
   failed) are only counted: BearSSL's decoders must not be fed once they stopped. */
KVS_PRIVATE void kvs__tls_dec_push(void *ctx, const void *p, size_t n) {
    kvs__tls_dec *d = (kvs__tls_dec *)ctx;
    size_t k;
    for (k = 0; k < n && d->der_len + k < sizeof d->hdr; k++)
        d->hdr[d->der_len + k] = ((const uint8_t *)p)[k];
    d->der_len += n;
    if (br_x509_decoder_last_error(&d->x509) == BR_ERR_X509_TRUNCATED)
        br_x509_decoder_push(&d->x509, p, n);
    else if (n)
        d->extra = 1;
}

KVS_PRIVATE void kvs__tls_dec_start(kvs__tls_dec *d) {
    br_x509_decoder_init(&d->x509, kvs__tls_dec_dn, d);
    d->dn_len = 0;
    d->dn_over = 0;
    d->der_len = 0;
    d->extra = 0;
}

/* 1 when the DER header in d->hdr declares exactly d->der_len bytes (nothing after the
   certificate inside its PEM object). */
KVS_PRIVATE int kvs__tls_dec_exact(const kvs__tls_dec *d) {
    size_t len, hl, i;
    if (d->der_len < 2 || d->hdr[0] != KVS__CRYPTO_DER_SEQUENCE)
        return 0;
    if (d->hdr[1] < 0x80) {
        len = d->hdr[1];
        hl = 2;
    } else {
        hl = (size_t)(d->hdr[1] & 0x7fu);
        if (hl < 1 || hl > 3 || d->der_len < 2 + hl)
            return 0;
        for (len = 0, i = 0; i < hl; i++)
            len = (len << 8) | d->hdr[2 + i];
        hl += 2;
    }
    return d->der_len == hl + len;
}

/* The certificate just decoded becomes anchor a->n. */
KVS_PRIVATE kvs_result kvs__tls_anchor_add(kvs__tls_anchors *a, kvs__tls_dec *d, kvs__log *lg) {
    br_x509_trust_anchor *ta = &a->ta[a->n];
    const br_x509_pkey *pk;
    uint8_t *blob;
    size_t klen;
    int err = br_x509_decoder_last_error(&d->x509);
    if (err == BR_ERR_X509_UNSUPPORTED || err == BR_ERR_X509_LIMIT_EXCEEDED) {
        KVS__LOGF_WARN(lg, TLS_ANCHORS, "certificate %lu: %s", (unsigned long)a->n + 1,
                       err == BR_ERR_X509_UNSUPPORTED ? "unsupported key type or curve"
                                                      : "key larger than BearSSL supports");
        return KVS_ERR_UNSUPPORTED;
    }
    if (d->dn_over) {
        KVS__LOGF_WARN(lg, TLS_ANCHORS, "certificate %lu: subject name over %d bytes",
                       (unsigned long)a->n + 1, KVS__TLS_DN_MAX);
        return KVS_ERR_LIMIT;
    }
    pk = br_x509_decoder_get_pkey(&d->x509);
    if (err || !pk || d->extra || !kvs__tls_dec_exact(d) || d->dn_len == 0) {
        KVS__LOGF_WARN(lg, TLS_ANCHORS, "certificate %lu: malformed (BearSSL error %d)",
                       (unsigned long)a->n + 1, err);
        return KVS_ERR_PARSE;
    }
    klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
    blob = (uint8_t *)kvs__mem_alloc(a->mem, d->dn_len + klen);
    if (!blob)
        return KVS_ERR_NO_MEMORY;
    KVS_MEMCPY(blob, d->dn, d->dn_len);
    KVS_MEMSET(ta, 0, sizeof *ta);
    ta->dn.data = blob;
    ta->dn.len = d->dn_len;
    ta->flags = br_x509_decoder_isCA(&d->x509) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        KVS_MEMCPY(blob + d->dn_len, pk->key.rsa.n, pk->key.rsa.nlen);
        KVS_MEMCPY(blob + d->dn_len + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.n = blob + d->dn_len;
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = blob + d->dn_len + pk->key.rsa.nlen;
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        KVS_MEMCPY(blob + d->dn_len, pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = blob + d->dn_len;
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    a->n++;
    return KVS_OK;
}

/* Release every anchor (the struct may then be parsed into again). */
KVS_PRIVATE void kvs__tls_anchors_free(kvs__tls_anchors *a) {
    size_t i;
    for (i = 0; i < a->n; i++)
        kvs__mem_free(a->mem, a->ta[i].dn.data);
    a->n = 0;
}

/* Walk the PEM text: every CERTIFICATE object becomes an anchor; other objects and text
   between objects are skipped. */
KVS_PRIVATE kvs_result kvs__tls_anchors_pem(kvs__tls_anchors *a, kvs__tls_dec *d, const uint8_t *p,
                                            size_t n, kvs__log *lg) {
    size_t k;
    int ev, extra_nl = 1, inside = 0;
    kvs_result r;
    br_pem_decoder_init(&d->pem);
    for (;;) {
        if (n > 0) {
            k = br_pem_decoder_push(&d->pem, p, n);
            p += k;
            n -= k;
        } else if (extra_nl) { /* tolerate a missing newline after the last END line */
            k = br_pem_decoder_push(&d->pem, "\n", 1);
            extra_nl = k == 0;
        } else {
            k = 0;
        }
        ev = br_pem_decoder_event(&d->pem);
        if (ev == BR_PEM_BEGIN_OBJ) {
            inside = kvs__crypto_pem_kind(br_pem_decoder_name(&d->pem), KVS__CRYPTO_PEM_CERT);
            if (inside && a->n == KVS_TLS_MAX_ANCHORS) {
                KVS__LOGF_WARN(lg, TLS_ANCHORS, "more than KVS_TLS_MAX_ANCHORS (%d) certificates",
                               KVS_TLS_MAX_ANCHORS);
                return KVS_ERR_LIMIT;
            }
            if (inside)
                kvs__tls_dec_start(d);
            br_pem_decoder_setdest(&d->pem, inside ? kvs__tls_dec_push : NULL, d);
        } else if (ev == BR_PEM_END_OBJ) {
            if (inside && (r = kvs__tls_anchor_add(a, d, lg)) != KVS_OK)
                return r;
            inside = 0;
        } else if (ev == BR_PEM_ERROR) {
            KVS__LOGF_WARN(lg, TLS_ANCHORS, "malformed PEM after certificate %lu",
                           (unsigned long)a->n);
            return KVS_ERR_PARSE;
        } else if (k == 0) {
            break; /* all input consumed */
        }
    }
    if (inside) {
        KVS__LOGF_WARN(lg, TLS_ANCHORS, "certificate %lu has no END line (truncated)",
                       (unsigned long)a->n + 1);
        return KVS_ERR_PARSE;
    }
    if (a->n == 0) {
        KVS__LOG_WARN(lg, TLS_ANCHORS);
        return KVS_ERR_PARSE;
    }
    return KVS_OK;
}

/* Parse trust anchors: a PEM bundle of one or more CERTIFICATE objects (text around them and
   objects of other kinds are skipped), or one DER certificate. All or nothing: on failure *a
   holds no anchor and nothing stays allocated.
   KVS_OK; KVS_ERR_PARSE (no certificate, broken PEM or base64, a truncated or malformed
   certificate, bytes after one); KVS_ERR_UNSUPPORTED (a key BearSSL cannot use: not RSA up to
   4096 bits nor EC on P-256/384/521); KVS_ERR_LIMIT (more than KVS_TLS_MAX_ANCHORS
   certificates, or a subject name over 1 KB); KVS_ERR_NO_MEMORY; KVS_ERR_INVALID_ARG (p NULL
   with n > 0). Log item TLS_ANCHORS says which certificate and why. */
KVS_PRIVATE kvs_result kvs__tls_anchors_parse(kvs__tls_anchors *a, kvs__mem *mem, kvs__log *lg,
                                              const void *p, size_t n) {
    kvs__tls_dec *d;
    kvs_result r;
    KVS_MEMSET(a, 0, sizeof *a);
    a->mem = mem;
    if (!p && n)
        return KVS_ERR_INVALID_ARG;
    d = (kvs__tls_dec *)kvs__mem_alloc(mem, sizeof *d);
    if (!d)
        return KVS_ERR_NO_MEMORY;
    if (kvs__crypto_der_is_seq((const uint8_t *)p, n)) {
        kvs__tls_dec_start(d);
        kvs__tls_dec_push(d, p, n);
        r = kvs__tls_anchor_add(a, d, lg);
    } else {
        r = kvs__tls_anchors_pem(a, d, (const uint8_t *)p, n, lg);
    }
    kvs__mem_free(mem, d);
    if (r != KVS_OK)
        kvs__tls_anchors_free(a);
    return r;
}

/* --- the client ------------------------------------------------------------------------------- */

static const uint16_t kvs__tls_suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

/* Object identifiers in BearSSL's name-element form: length, then the bytes; {0, 2} = the
   first subjectAltName dNSName. */
static const unsigned char kvs__tls_oid_cn[] = {3, 0x55, 0x04, 0x03};
static const unsigned char kvs__tls_oid_dns[] = {0, 2};

/* 1 when s[0..n) is a host name we can check: 1..253 bytes of labels of 1..63 letters, digits,
   '-' (not first or last) or '_', separated by single dots; not an IPv4 address. */
KVS_PRIVATE int kvs__tls_host_ok(const char *s, size_t n) {
    size_t i, label = 0;
    uint8_t ip[4];
    if (n == 0 || n > KVS__TLS_HOST_MAX || kvs__util_ipv4_parse(s, n, ip))
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || (c == '-' && label > 0)) {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && s[n - 1] != '-';
}

/* Bytes of the I/O buffer for cfg (NULL: the defaults); 0 for an invalid out_record. */
KVS_PRIVATE size_t kvs__tls_buffer_size(const kvs__tls_cfg *cfg) {
    size_t rec = cfg && cfg->out_record ? cfg->out_record : KVS__TLS_OUT_RECORD;
    if (cfg && cfg->half_duplex)
        return KVS__TLS_IN_BUF;
    if (rec != 512 && rec != 1024 && rec != 2048 && rec != 4096 && rec != 16384)
        return 0;
    return KVS__TLS_IN_BUF + rec + KVS__TLS_OUT_OVERHEAD;
}

/* The bytes one client takes from the accountant with cfg (NULL: the defaults), or 0 when
   cfg->out_record is not one of the accepted sizes. */
KVS_PRIVATE size_t kvs__tls_memory_size(const kvs__tls_cfg *cfg) {
    size_t b = kvs__tls_buffer_size(cfg);
    return b ? sizeof(kvs__tls_eng) + b : 0;
}

#if !KVS_NO_LOG_STRINGS
/* BearSSL's name for an error code, for log lines ("" for codes without one here). */
KVS_PRIVATE const char *kvs__tls_br_err_str(int err) {
    switch (err) {
    case BR_ERR_BAD_PARAM: return "BAD_PARAM";
    case BR_ERR_BAD_STATE: return "BAD_STATE";
    case BR_ERR_UNSUPPORTED_VERSION: return "UNSUPPORTED_VERSION";
    case BR_ERR_BAD_VERSION: return "BAD_VERSION";
    case BR_ERR_BAD_LENGTH: return "BAD_LENGTH";
    case BR_ERR_TOO_LARGE: return "TOO_LARGE";
    case BR_ERR_BAD_MAC: return "BAD_MAC";
    case BR_ERR_NO_RANDOM: return "NO_RANDOM";
    case BR_ERR_UNKNOWN_TYPE: return "UNKNOWN_TYPE";
    case BR_ERR_UNEXPECTED: return "UNEXPECTED";
    case BR_ERR_BAD_CCS: return "BAD_CCS";
    case BR_ERR_BAD_ALERT: return "BAD_ALERT";
    case BR_ERR_BAD_HANDSHAKE: return "BAD_HANDSHAKE";
    case BR_ERR_OVERSIZED_ID: return "OVERSIZED_ID";
    case BR_ERR_BAD_CIPHER_SUITE: return "BAD_CIPHER_SUITE";
    case BR_ERR_BAD_COMPRESSION: return "BAD_COMPRESSION";
    case BR_ERR_BAD_FRAGLEN: return "BAD_FRAGLEN";
    case BR_ERR_BAD_SECRENEG: return "BAD_SECRENEG";
    case BR_ERR_EXTRA_EXTENSION: return "EXTRA_EXTENSION";
    case BR_ERR_BAD_SNI: return "BAD_SNI";
    case BR_ERR_BAD_HELLO_DONE: return "BAD_HELLO_DONE";
    case BR_ERR_LIMIT_EXCEEDED: return "LIMIT_EXCEEDED";
    case BR_ERR_BAD_FINISHED: return "BAD_FINISHED";
    case BR_ERR_INVALID_ALGORITHM: return "INVALID_ALGORITHM";
    case BR_ERR_BAD_SIGNATURE: return "BAD_SIGNATURE";
    case BR_ERR_WRONG_KEY_USAGE: return "WRONG_KEY_USAGE";
    case BR_ERR_NO_CLIENT_AUTH: return "NO_CLIENT_AUTH";
    case BR_ERR_X509_TRUNCATED: return "X509_TRUNCATED";
    case BR_ERR_X509_EMPTY_CHAIN: return "X509_EMPTY_CHAIN";
    case BR_ERR_X509_BAD_TIME: return "X509_BAD_TIME";
    case BR_ERR_X509_UNSUPPORTED: return "X509_UNSUPPORTED";
    case BR_ERR_X509_LIMIT_EXCEEDED: return "X509_LIMIT_EXCEEDED";
    case BR_ERR_X509_WRONG_KEY_TYPE: return "X509_WRONG_KEY_TYPE";
    case BR_ERR_X509_BAD_SIGNATURE: return "X509_BAD_SIGNATURE";
    case BR_ERR_X509_DN_MISMATCH: return "X509_DN_MISMATCH";
    case BR_ERR_X509_CRITICAL_EXTENSION: return "X509_CRITICAL_EXTENSION";
    case BR_ERR_X509_NOT_CA: return "X509_NOT_CA";
    case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "X509_FORBIDDEN_KEY_USAGE";
    case BR_ERR_X509_WEAK_PUBLIC_KEY: return "X509_WEAK_PUBLIC_KEY";
    default: return err > BR_ERR_X509_OK && err < 64 ? "X509 (malformed)" : "";
    }
}
#endif

/* BearSSL stops without telling the server when it refuses the certificate chain: queue the
   fatal alert ourselves, a plaintext record (the handshake has not reached ChangeCipherSpec:
   the client verifies the chain before it sends its key exchange). */
KVS_PRIVATE void kvs__tls_alert(kvs__tls *t, uint8_t desc) {
    t->alert[0] = 21; /* alert */
    kvs__put_u16(t->alert + 1, (uint16_t)BR_TLS12);
    kvs__put_u16(t->alert + 3, 2);
    t->alert[5] = 2; /* fatal */
    t->alert[6] = desc;
    t->alert_len = sizeof t->alert;
    t->alert_off = 0;
}

/* The client failed with BearSSL error err: map it to a result and a log item. */
KVS_PRIVATE void kvs__tls_failed(kvs__tls *t, int err) {
    char when[21];
    int cert = (err > BR_ERR_X509_OK && err < 64) || err == BR_ERR_BAD_SIGNATURE ||
               err == BR_ERR_WRONG_KEY_USAGE;
    if (cert && t->state == KVS__TLS_ST_HANDSHAKE)
        kvs__tls_alert(t, err == BR_ERR_X509_NOT_TRUSTED ? 48  /* unknown_ca */
                          : err == BR_ERR_X509_EXPIRED   ? 45  /* certificate_expired */
                          : err == BR_ERR_BAD_SIGNATURE  ? 51  /* decrypt_error */
                                                         : 42); /* bad_certificate */
    t->state = KVS__TLS_ST_FAILED;
    t->br_err = err;
    if (kvs__util_iso8601(t->unix_time, when) != KVS_OK)
        when[0] = 0;
    (void)when;
    if (err == BR_ERR_X509_NOT_TRUSTED) {
        t->error = KVS_ERR_AUTH;
        t->item = KVS_LOG_TLS_UNKNOWN_CA;
        KVS__LOGF_WARN(t->log, TLS_UNKNOWN_CA, "server %s, %lu trust anchor(s)",
                       t->e->sc.eng.server_name, (unsigned long)t->e->xc.trust_anchors_num);
    } else if (err == BR_ERR_X509_BAD_SERVER_NAME) {
        t->error = KVS_ERR_AUTH;
        t->item = KVS_LOG_TLS_BAD_HOSTNAME;
        KVS__LOGF_WARN(t->log, TLS_BAD_HOSTNAME,
                       "host %s; certificate CN '%s', first DNS name '%s'",
                       t->e->sc.eng.server_name, t->e->names[0].status == 1 ? t->e->cn : "",
                       t->e->names[1].status == 1 ? t->e->dns : "");
    } else if (err == BR_ERR_X509_EXPIRED) {
        t->error = KVS_ERR_AUTH;
        t->item = KVS_LOG_TLS_EXPIRED;
        KVS__LOGF_WARN(t->log, TLS_EXPIRED, "server %s, checked at %s", t->e->sc.eng.server_name,
                       when);
    } else if (cert) {
        t->error = KVS_ERR_AUTH;
        t->item = KVS_LOG_TLS_BAD_CERT;
        KVS__LOGF_WARN(t->log, TLS_BAD_CERT, "server %s: BearSSL error %d %s",
                       t->e->sc.eng.server_name, err, kvs__tls_br_err_str(err));
    } else if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT) {
        t->error = KVS_ERR_PROTOCOL;
        t->item = KVS_LOG_TLS_PEER_ALERT;
        KVS__LOGF_WARN(t->log, TLS_PEER_ALERT, "server %s: alert %d", t->e->sc.eng.server_name,
                       err - BR_ERR_RECV_FATAL_ALERT);
    } else {
        t->error = err == BR_ERR_NO_RANDOM                                ? KVS_ERR_CRYPTO
                   : (err == BR_ERR_BAD_PARAM || err == BR_ERR_BAD_STATE) ? KVS_ERR_INTERNAL
                                                                          : KVS_ERR_PROTOCOL;
        t->item = KVS_LOG_TLS_FAILED;
        if (err >= BR_ERR_SEND_FATAL_ALERT) {
            KVS__LOGF_WARN(t->log, TLS_FAILED, "server %s: we sent alert %d",
                           t->e->sc.eng.server_name, err - BR_ERR_SEND_FATAL_ALERT);
        } else {
            KVS__LOGF_WARN(t->log, TLS_FAILED, "server %s: BearSSL error %d %s",
                           t->e->sc.eng.server_name, err, kvs__tls_br_err_str(err));
        }
    }
}

/* Follow the engine after any step: handshake done, closed, failed. */
KVS_PRIVATE void kvs__tls_update(kvs__tls *t) {
    br_ssl_engine_context *eng;
    unsigned st;
    if (!t->e || t->state == KVS__TLS_ST_FAILED || t->state == KVS__TLS_ST_CLOSED)
        return;
    eng = &t->e->sc.eng;
    st = br_ssl_engine_current_state(eng);
    if (st & BR_SSL_CLOSED) {
        int err = br_ssl_engine_last_error(eng);
        if (err != BR_ERR_OK) {
            kvs__tls_failed(t, err);
            return;
        }
        if (t->state == KVS__TLS_ST_HANDSHAKE) { /* closed before it was open */
            kvs__tls_failed(t, BR_ERR_UNEXPECTED);
            return;
        }
        t->state = KVS__TLS_ST_CLOSED;
        t->error = KVS_ERR_CLOSED;
        KVS__LOGF_DEBUG(t->log, TLS_CLOSED, "server %s", eng->server_name);
        return;
    }
    if (t->state == KVS__TLS_ST_HANDSHAKE && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
        const char *proto = br_ssl_engine_get_selected_protocol(eng);
        t->state = KVS__TLS_ST_OPEN;
        t->suite = eng->session.cipher_suite;
        t->alpn = proto != NULL;
        KVS__LOGF_INFO(t->log, TLS_CONNECTED, "server %s, suite 0x%04x%s", eng->server_name,
                       (unsigned)t->suite, t->alpn ? ", ALPN http/1.1" : "");
    }
}

/* Start a client: validate cfg, take the engine block from the accountant, seed the DRBG from
   the platform and queue the ClientHello (read it with kvs__tls_output).
   KVS_OK; KVS_ERR_INVALID_ARG (a host name that is empty, too long, an IP address or not a DNS
   name; no anchors; unix_time <= 0 or after 9999; a bad out_record: item TLS_CONFIG);
   KVS_ERR_NO_MEMORY; KVS_ERR_CRYPTO (the random source failed); KVS_ERR_INTERNAL. On failure
   nothing stays allocated and the client is FAILED (deinit is still allowed). */
KVS_PRIVATE kvs_result kvs__tls_init(kvs__tls *t, const kvs__tls_cfg *cfg, kvs__rng *rng,
                                     kvs__log *lg, kvs__mem *mem) {
    char host[KVS__TLS_HOST_MAX + 1];
    uint8_t seed[32];
    size_t hn, size, bsize;
    kvs__tls_eng *e;
    br_ssl_engine_context *eng;
    unsigned char *buf;
    kvs_result r;
    KVS_MEMSET(t, 0, sizeof *t);
    t->log = lg;
    t->mem = mem;
    t->state = KVS__TLS_ST_FAILED;
    t->error = KVS_ERR_INVALID_ARG;
    t->item = KVS_LOG_TLS_CONFIG;
    hn = cfg->host.p ? cfg->host.n : 0;
    if (hn > 1 && cfg->host.p[hn - 1] == '.')
        hn--;
    bsize = kvs__tls_buffer_size(cfg);
    if (!kvs__tls_host_ok(cfg->host.p, hn)) {
        KVS__LOGF_WARN(lg, TLS_CONFIG, "host name '%.*s': not a DNS name of 1..253 bytes",
                       (int)KVS__MIN(hn, (size_t)64), hn ? cfg->host.p : "");
        return KVS_ERR_INVALID_ARG;
    }
    if (!cfg->anchors || cfg->anchors->n == 0 || cfg->unix_time <= 0 ||
        cfg->unix_time > KVS__UTIL_TIME_MAX || !bsize) {
        KVS__LOGF_WARN(lg, TLS_CONFIG, "%s",
                       !cfg->anchors || cfg->anchors->n == 0 ? "no trust anchors"
                       : !bsize ? "out_record not 512, 1024, 2048, 4096 or 16384"
                                : "unix_time outside 1970..9999");
        return KVS_ERR_INVALID_ARG;
    }
    KVS_MEMCPY(host, cfg->host.p, hn);
    host[hn] = 0;
    t->unix_time = cfg->unix_time;
    size = sizeof(kvs__tls_eng) + bsize;
    e = (kvs__tls_eng *)kvs__mem_alloc(mem, size);
    if (!e) {
        t->error = KVS_ERR_NO_MEMORY;
        t->item = KVS_LOG_MEM_ALLOC_FAILED;
        return KVS_ERR_NO_MEMORY;
    }
    KVS_MEMSET(e, 0, sizeof *e);
    e->size = size;
    t->e = e;
    eng = &e->sc.eng;
    buf = (unsigned char *)(e + 1);

    br_ssl_client_zero(&e->sc);
    br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION); /* a HelloRequest gets a warning */
    br_ssl_engine_set_suites(eng, kvs__tls_suites, KVS__ARRAY_LEN(kvs__tls_suites));
    br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
    br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
    br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
    br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
    br_ssl_engine_set_default_aes_gcm(eng);
    br_ssl_engine_set_default_chapol(eng);
    br_ssl_engine_set_default_ec(eng);
    br_ssl_engine_set_default_rsavrfy(eng);
    br_ssl_engine_set_default_ecdsa(eng);

    br_x509_minimal_init(&e->xc, &br_sha256_vtable, cfg->anchors->ta, cfg->anchors->n);
    br_x509_minimal_set_hash(&e->xc, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(&e->xc, br_sha384_ID, &br_sha384_vtable);
    br_x509_minimal_set_hash(&e->xc, br_sha512_ID, &br_sha512_vtable);
    br_x509_minimal_set_rsa(&e->xc, br_rsa_pkcs1_vrfy_get_default());
    br_x509_minimal_set_ecdsa(&e->xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
    /* days since 0000-01-01 (proleptic Gregorian; 1970-01-01 is day 719528), seconds of day */
    br_x509_minimal_set_time(&e->xc, (uint32_t)(cfg->unix_time / 86400 + 719528),
                             (uint32_t)(cfg->unix_time % 86400));
    e->names[0].oid = kvs__tls_oid_cn;
    e->names[0].buf = e->cn;
    e->names[0].len = sizeof e->cn;
    e->names[1].oid = kvs__tls_oid_dns;
    e->names[1].buf = e->dns;
    e->names[1].len = sizeof e->dns;
    br_x509_minimal_set_name_elements(&e->xc, e->names, 2);
    br_ssl_engine_set_x509(eng, &e->xc.vtable);
    if (cfg->alpn_http11) {
        e->alpn[0] = "http/1.1";
        br_ssl_engine_set_protocol_names(eng, e->alpn, 1);
    }
    if (cfg->half_duplex)
        br_ssl_engine_set_buffer(eng, buf, bsize, 0);
    else
        br_ssl_engine_set_buffers_bidi(eng, buf, KVS__TLS_IN_BUF, buf + KVS__TLS_IN_BUF,
                                       bsize - KVS__TLS_IN_BUF);

    /* the DRBG: seeded from the platform only (rng_os_rand_done = 1 keeps BearSSL from
       reading the operating system's generator on its own) */
    r = kvs__crypto_random(rng, seed, sizeof seed);
    if (r == KVS_OK) {
        br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
        eng->rng_os_rand_done = 1;
        if (!br_ssl_client_reset(&e->sc, host, 0))
            r = KVS_ERR_INTERNAL;
    }
    kvs__crypto_zero(seed, sizeof seed);
    if (r != KVS_OK) {
        t->error = r;
        t->item = r == KVS_ERR_CRYPTO ? KVS_LOG_RANDOM_FAILED : KVS_LOG_TLS_FAILED;
        KVS__LOGF_WARN(lg, TLS_FAILED, "BearSSL client reset: error %d",
                       br_ssl_engine_last_error(eng));
        kvs__crypto_zero(e, size);
        kvs__mem_free(mem, e);
        t->e = NULL;
        return r;
    }
    t->state = KVS__TLS_ST_HANDSHAKE;
    t->error = KVS_OK;
    t->item = KVS_LOG_NONE;
    return KVS_OK;
}

/* Zero every secret and give the block back. Safe on a zeroed, failed or deinitialised
   client. */
KVS_PRIVATE void kvs__tls_deinit(kvs__tls *t) {
    if (t->e) {
        size_t size = t->e->size;
        kvs__crypto_zero(t->e, size);
        kvs__mem_free(t->mem, t->e);
    }
    kvs__crypto_zero(t, sizeof *t);
}

/* KVS_OK when the engine can still move bytes; else what the calls below return. */
KVS_PRIVATE kvs_result kvs__tls_usable(const kvs__tls *t) {
    if (!t->e)
        return t->state == KVS__TLS_ST_FAILED ? t->error : KVS_ERR_STATE;
    if (t->state == KVS__TLS_ST_FAILED)
        return t->error;
    return t->state == KVS__TLS_ST_CLOSED ? KVS_ERR_CLOSED : KVS_OK;
}

/* One of BearSSL's four engine buffers (record in / out, application in / out): its get and
   ack functions. */
typedef unsigned char *(*kvs__tls_buf_fn)(const br_ssl_engine_context *cc, size_t *len);
typedef void (*kvs__tls_ack_fn)(br_ssl_engine_context *cc, size_t len);

/* Move bytes between p[0..n) and an engine buffer (to_engine: from p into it), as many as both
   sides allow (once: one chunk only). The bytes moved; 0 when the engine has nothing or no room
   now. */
KVS_PRIVATE size_t kvs__tls_move(kvs__tls *t, kvs__tls_buf_fn get, kvs__tls_ack_fn ack, uint8_t *p,
                                 size_t n, int to_engine, int once) {
    size_t done = 0;
    while (n > 0) {
        size_t avail = 0, k;
        unsigned char *buf = get(&t->e->sc.eng, &avail);
        if (!buf || avail == 0)
            break;
        k = KVS__MIN(avail, n);
        if (to_engine)
            KVS_MEMCPY(buf, p, k);
        else
            KVS_MEMCPY(p, buf, k);
        ack(&t->e->sc.eng, k);
        p += k;
        n -= k;
        done += k;
        if (once)
            break;
    }
    return done;
}

/* Bytes received from the socket: as many of p[0..n) as the engine takes now go in (*used).
   It takes fewer (KVS_OK with *used < n) or none (KVS_ERR_AGAIN) while application data waits
   to be read (kvs__tls_read) or, in half-duplex mode, output waits to be sent: keep the rest
   and give it again after that.
   Returns KVS_OK / KVS_ERR_AGAIN; once failed the failure's result (KVS_ERR_AUTH,
   KVS_ERR_PROTOCOL, ...: see the banner); KVS_ERR_CLOSED after close_notify both ways. */
KVS_PRIVATE kvs_result kvs__tls_input(kvs__tls *t, const void *p, size_t n, size_t *used) {
    const uint8_t *q = (const uint8_t *)p;
    kvs_result r = kvs__tls_usable(t);
    *used = 0;
    while (r == KVS_OK && n > 0) {
        size_t k = kvs__tls_move(t, br_ssl_engine_recvrec_buf, br_ssl_engine_recvrec_ack,
                                 (uint8_t *)q, n, 1, 1);
        if (k == 0)
            break;
        q += k;
        n -= k;
        *used += k;
        kvs__tls_update(t);
        if (t->state == KVS__TLS_ST_FAILED)
            return t->error;
        if (t->state == KVS__TLS_ST_CLOSED)
            break;
    }
    if (r != KVS_OK)
        return r;
    return (*used || n == 0) ? KVS_OK : KVS_ERR_AGAIN;
}

/* Bytes for the socket: up to cap bytes into out (*len). KVS_OK, or KVS_ERR_AGAIN when
   nothing is waiting. Call it after every other call until it stops returning KVS_OK: after a
   failure it still hands out the fatal alert (unknown_ca, certificate_expired, bad_certificate
   ... for a refused certificate), then returns the failure's result. */
KVS_PRIVATE kvs_result kvs__tls_output(kvs__tls *t, void *out, size_t cap, size_t *len) {
    uint8_t *o = (uint8_t *)out;
    kvs_result r = kvs__tls_usable(t);
    *len = 0;
    if (t->alert_off < t->alert_len && cap > 0) {
        *len = KVS__MIN(cap, t->alert_len - t->alert_off);
        KVS_MEMCPY(o, t->alert + t->alert_off, *len);
        t->alert_off += *len;
        return KVS_OK;
    }
    if (r != KVS_OK)
        return r;
    *len = kvs__tls_move(t, br_ssl_engine_sendrec_buf, br_ssl_engine_sendrec_ack, o, cap, 0, 0);
    kvs__tls_update(t);
    return *len ? KVS_OK : KVS_ERR_AGAIN;
}

/* The bytes kvs__tls_output has for the socket right now (0: none). */
KVS_PRIVATE size_t kvs__tls_pending(kvs__tls *t) {
    size_t avail = t->alert_len - t->alert_off;
    if (kvs__tls_usable(t) == KVS_OK)
        (void)br_ssl_engine_sendrec_buf(&t->e->sc.eng, &avail);
    return avail;
}

/* Application data to send: as much of p[0..n) as the engine takes now (*used), sealed and
   flushed into records for kvs__tls_output. KVS_OK (*used may be < n: send the output, then
   write the rest); KVS_ERR_AGAIN when nothing fits now (during the handshake, or until the
   output is sent); KVS_ERR_CLOSED after kvs__tls_close or the server's close_notify; the
   failure's result once failed. */
KVS_PRIVATE kvs_result kvs__tls_write(kvs__tls *t, const void *p, size_t n, size_t *used) {
    kvs_result r = kvs__tls_usable(t);
    *used = 0;
    if (r != KVS_OK)
        return r;
    if (t->state == KVS__TLS_ST_CLOSING)
        return KVS_ERR_CLOSED;
    *used = kvs__tls_move(t, br_ssl_engine_sendapp_buf, br_ssl_engine_sendapp_ack, (uint8_t *)p, n,
                          1, 0);
    n -= *used;
    if (*used)
        br_ssl_engine_flush(&t->e->sc.eng, 0);
    kvs__tls_update(t);
    if (t->state == KVS__TLS_ST_FAILED)
        return t->error;
    return (*used || n == 0) ? KVS_OK : KVS_ERR_AGAIN;
}

/* Application data received: up to cap bytes into out (*len). KVS_OK; KVS_ERR_AGAIN when
   none is waiting (feed more input); KVS_ERR_CLOSED once the server closed and everything was
   read; the failure's result once failed. */
KVS_PRIVATE kvs_result kvs__tls_read(kvs__tls *t, void *out, size_t cap, size_t *len) {
    uint8_t *o = (uint8_t *)out;
    kvs_result r = kvs__tls_usable(t);
    *len = 0;
    if (r != KVS_OK)
        return r;
    *len = kvs__tls_move(t, br_ssl_engine_recvapp_buf, br_ssl_engine_recvapp_ack, o, cap, 0, 0);
    kvs__tls_update(t);
    if (*len)
        return KVS_OK;
    r = kvs__tls_usable(t);
    return r != KVS_OK ? r : KVS_ERR_AGAIN;
}

/* Close: queue close_notify (send it with kvs__tls_output); the client is CLOSING until the
   server's close_notify arrives (CLOSED). Deinit may follow at once, without waiting. */
KVS_PRIVATE void kvs__tls_close(kvs__tls *t) {
    if (!t->e || (t->state != KVS__TLS_ST_HANDSHAKE && t->state != KVS__TLS_ST_OPEN))
        return;
    br_ssl_engine_close(&t->e->sc.eng);
    t->state = KVS__TLS_ST_CLOSING;
    kvs__tls_update(t);
}

/* ==== [30] >>stun  STUN (RFC 8489): parse, build, integrity, fingerprint, transactions ======= */
/* depends on: >>prelude (cursors), >>util (CRC-32), >>crypto (HMAC-SHA1/SHA-256, MD5, random).
   entry points: none (>>turn and >>ice use it).
   - kvs__stun_parse checks a whole message (header, cookie, length, every attribute inside the
     message, the lengths of the attributes it knows, FINGERPRINT last, nothing but
     MESSAGE-INTEGRITY-SHA256 and FINGERPRINT after MESSAGE-INTEGRITY) and indexes its attributes
     without copying; accessors decode them (XOR addresses for IPv4 and IPv6, ERROR-CODE, strings,
     integers). The first instance of an attribute counts (RFC 8489 14).
   - MESSAGE-INTEGRITY (HMAC-SHA1) and MESSAGE-INTEGRITY-SHA256 are checked in constant time over
     the message with its length field rewritten as the attribute's end, FINGERPRINT against
     CRC-32 xor 0x5354554e; the long-term key is MD5(username ":" realm ":" password) with the
     password as given (no SASLprep: TURN REST and KVS credentials are ASCII).
   - the builder writes a message into a kvs__wr whose position 0 is the message start and keeps
     the length field right after each attribute, so integrity and fingerprint can follow.
   - a client transaction: RTO doubling from 500 ms, Rc = 7 sends, the last wait Rm = 16 x RTO
     (RFC 8489 6.2.1); over TCP / TLS one send and 39.5 s.
   Limits: KVS__STUN_MAX_ATTRS attributes are indexed (more: the message is refused). */

#define KVS__STUN_HDR 20
#define KVS__STUN_COOKIE 0x2112A442u
#define KVS__STUN_FP_XOR 0x5354554eu
#define KVS__STUN_MAX_ATTRS 32
#define KVS__STUN_MAX_UNKNOWN 8

/* methods */
#define KVS__STUN_BINDING 0x001
#define KVS__STUN_ALLOCATE 0x003
#define KVS__STUN_REFRESH 0x004
#define KVS__STUN_SEND 0x006
#define KVS__STUN_DATA 0x007
#define KVS__STUN_CREATE_PERMISSION 0x008
#define KVS__STUN_CHANNEL_BIND 0x009

/* classes */
#define KVS__STUN_REQUEST 0
#define KVS__STUN_INDICATION 1
#define KVS__STUN_SUCCESS 2
#define KVS__STUN_ERROR 3

/* attributes (RFC 8489 18.3, RFC 8656 18, RFC 8445 16.1) */
#define KVS__STUN_A_MAPPED_ADDRESS 0x0001
#define KVS__STUN_A_USERNAME 0x0006
#define KVS__STUN_A_MESSAGE_INTEGRITY 0x0008
#define KVS__STUN_A_ERROR_CODE 0x0009
#define KVS__STUN_A_UNKNOWN_ATTRIBUTES 0x000A
#define KVS__STUN_A_CHANNEL_NUMBER 0x000C
#define KVS__STUN_A_LIFETIME 0x000D
#define KVS__STUN_A_XOR_PEER_ADDRESS 0x0012
#define KVS__STUN_A_DATA 0x0013
#define KVS__STUN_A_REALM 0x0014
#define KVS__STUN_A_NONCE 0x0015
#define KVS__STUN_A_XOR_RELAYED_ADDRESS 0x0016
#define KVS__STUN_A_REQUESTED_ADDRESS_FAMILY 0x0017
#define KVS__STUN_A_EVEN_PORT 0x0018
#define KVS__STUN_A_REQUESTED_TRANSPORT 0x0019
#define KVS__STUN_A_DONT_FRAGMENT 0x001A
#define KVS__STUN_A_MESSAGE_INTEGRITY_SHA256 0x001C
#define KVS__STUN_A_PASSWORD_ALGORITHM 0x001D
#define KVS__STUN_A_USERHASH 0x001E
#define KVS__STUN_A_XOR_MAPPED_ADDRESS 0x0020
#define KVS__STUN_A_RESERVATION_TOKEN 0x0022
#define KVS__STUN_A_PRIORITY 0x0024
#define KVS__STUN_A_USE_CANDIDATE 0x0025
#define KVS__STUN_A_ADDITIONAL_ADDRESS_FAMILY 0x8000
#define KVS__STUN_A_ADDRESS_ERROR_CODE 0x8001
#define KVS__STUN_A_PASSWORD_ALGORITHMS 0x8002
#define KVS__STUN_A_ALTERNATE_DOMAIN 0x8003
#define KVS__STUN_A_ICMP 0x8004
#define KVS__STUN_A_SOFTWARE 0x8022
#define KVS__STUN_A_ALTERNATE_SERVER 0x8023
#define KVS__STUN_A_FINGERPRINT 0x8028
#define KVS__STUN_A_ICE_CONTROLLED 0x8029
#define KVS__STUN_A_ICE_CONTROLLING 0x802A

/* transaction timing (RFC 8489 6.2.1) */
#define KVS__STUN_RTO KVS_MSEC(500)
#define KVS__STUN_RC 7
#define KVS__STUN_RM 16
#define KVS__STUN_TCP_TIMEOUT KVS_MSEC(39500)

typedef struct kvs__stun_attr {
    uint16_t type, len, off; /* off: the value's offset from the message start */
} kvs__stun_attr;

/* A parsed message: views into the caller's bytes, valid while they are. */
typedef struct kvs__stun_msg {
    const uint8_t *p;
    size_t n;
    uint16_t method;
    uint8_t cls;
    uint8_t txid[12];
    int nattrs;
    kvs__stun_attr attrs[KVS__STUN_MAX_ATTRS];
    int mi, mi256, fp; /* index of MESSAGE-INTEGRITY(-SHA256), FINGERPRINT; -1 when absent */
    int nunknown;      /* comprehension-required attributes not understood ... */
    uint16_t unknown[KVS__STUN_MAX_UNKNOWN]; /* ... their types (for a 420 answer) */
} kvs__stun_msg;

/* A client transaction (retransmission timing only: the caller keeps the bytes). */
typedef struct kvs__stun_txn {
    uint8_t txid[12];
    kvs_time next; /* when to send again (or give up); KVS_TIME_NEVER when done */
    kvs_time rto;
    int sends;    /* sends so far */
    int reliable; /* over TCP / TLS: one send, one long wait */
} kvs__stun_txn;

/* --- message type and header --------------------------------------------------------------- */

KVS_PRIVATE uint16_t kvs__stun_type(uint16_t method, int cls) {
    return (uint16_t)((method & 0x000Fu) | ((method & 0x0070u) << 1) | ((method & 0x0F80u) << 2) |
                      (((unsigned)cls & 1u) << 4) | (((unsigned)cls & 2u) << 7));
}

/* Whether p starts like a STUN message (RFC 7983: first byte 0..3, the magic cookie). */
KVS_PRIVATE int kvs__stun_is(const uint8_t *p, size_t n) {
    return n >= KVS__STUN_HDR && p[0] < 4 && kvs__get_u32(p + 4) == KVS__STUN_COOKIE;
}

/* The length of the STUN message at the start of a stream (TURN over TCP / TLS): 0 when fewer
   than 4 bytes are there. */
KVS_PRIVATE size_t kvs__stun_frame_len(const uint8_t *p, size_t n) {
    return n < 4 ? 0 : KVS__STUN_HDR + (size_t)kvs__get_u16(p + 2);
}

/* --- parsing --------------------------------------------------------------------------------- */

/* The value length an attribute this section knows must have: -1 any, -2 an address (8 or 20),
   -3 MESSAGE-INTEGRITY-SHA256 (16..32 in steps of 4), or the exact length. Types it does not
   know return -4. */
KVS_PRIVATE int kvs__stun_attr_rule(uint16_t type, uint16_t *max) {
    *max = 0xffff;
    switch (type) {
    case KVS__STUN_A_MAPPED_ADDRESS:
    case KVS__STUN_A_XOR_PEER_ADDRESS:
    case KVS__STUN_A_XOR_RELAYED_ADDRESS:
    case KVS__STUN_A_XOR_MAPPED_ADDRESS:
    case KVS__STUN_A_ALTERNATE_SERVER:
        return -2;
    case KVS__STUN_A_MESSAGE_INTEGRITY:
        return 20;
    case KVS__STUN_A_MESSAGE_INTEGRITY_SHA256:
        return -3;
    case KVS__STUN_A_FINGERPRINT:
    case KVS__STUN_A_PRIORITY:
    case KVS__STUN_A_CHANNEL_NUMBER:
    case KVS__STUN_A_LIFETIME:
    case KVS__STUN_A_REQUESTED_TRANSPORT:
    case KVS__STUN_A_REQUESTED_ADDRESS_FAMILY:
    case KVS__STUN_A_ADDITIONAL_ADDRESS_FAMILY:
        return 4;
    case KVS__STUN_A_ICE_CONTROLLED:
    case KVS__STUN_A_ICE_CONTROLLING:
    case KVS__STUN_A_RESERVATION_TOKEN:
        return 8;
    case KVS__STUN_A_USE_CANDIDATE:
    case KVS__STUN_A_DONT_FRAGMENT:
        return 0;
    case KVS__STUN_A_EVEN_PORT:
        return 1;
    case KVS__STUN_A_USERNAME:
        *max = 513;
        return -1;
    case KVS__STUN_A_REALM:
    case KVS__STUN_A_NONCE:
    case KVS__STUN_A_SOFTWARE:
    case KVS__STUN_A_ALTERNATE_DOMAIN:
        *max = 763;
        return -1;
    case KVS__STUN_A_ERROR_CODE:
    case KVS__STUN_A_ADDRESS_ERROR_CODE:
        *max = 4 + 763;
        return -1;
    case KVS__STUN_A_UNKNOWN_ATTRIBUTES:
    case KVS__STUN_A_DATA:
    case KVS__STUN_A_PASSWORD_ALGORITHM:
    case KVS__STUN_A_PASSWORD_ALGORITHMS:
    case KVS__STUN_A_USERHASH:
    case KVS__STUN_A_ICMP:
        return -1;
    default:
        return -4;
    }
}

/* Parse one whole message (a datagram, or a frame cut by kvs__stun_frame_len). KVS_ERR_PARSE for
   anything malformed; KVS_ERR_LIMIT when it has more than KVS__STUN_MAX_ATTRS attributes. */
KVS_PRIVATE kvs_result kvs__stun_parse(const uint8_t *p, size_t n, kvs__stun_msg *m) {
    size_t off = KVS__STUN_HDR;
    uint16_t type;
    KVS_MEMSET(m, 0, sizeof *m);
    m->mi = m->mi256 = m->fp = -1;
    if (n < KVS__STUN_HDR || (p[0] & 0xC0u) || kvs__get_u32(p + 4) != KVS__STUN_COOKIE ||
        (kvs__get_u16(p + 2) & 3u) || (size_t)kvs__get_u16(p + 2) + KVS__STUN_HDR != n)
        return KVS_ERR_PARSE;
    m->p = p;
    m->n = n;
    type = kvs__get_u16(p);
    m->method = (uint16_t)((type & 0x000Fu) | ((type >> 1) & 0x0070u) | ((type >> 2) & 0x0F80u));
    m->cls = (uint8_t)(((type >> 4) & 1u) | ((type >> 7) & 2u));
    KVS_MEMCPY(m->txid, p + 8, 12);
    while (off < n) {
        uint16_t at, len, max;
        int rule;
        if (n - off < 4)
            return KVS_ERR_PARSE;
        at = kvs__get_u16(p + off);
        len = kvs__get_u16(p + off + 2);
        if ((size_t)len > n - off - 4 || (((size_t)len + 3u) & ~(size_t)3u) > n - off - 4)
            return KVS_ERR_PARSE;
        if (m->fp >= 0)
            return KVS_ERR_PARSE; /* FINGERPRINT is the last attribute */
        rule = kvs__stun_attr_rule(at, &max);
        if ((rule >= 0 && len != rule) || (rule == -1 && len > max) ||
            (rule == -2 && len != 8 && len != 20) ||
            (rule == -3 && (len < 16 || len > 32 || (len & 3u))))
            return KVS_ERR_PARSE;
        /* after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count; after
           MESSAGE-INTEGRITY-SHA256 only FINGERPRINT (RFC 8489 14.5, 14.6) */
        if ((m->mi >= 0 && at != KVS__STUN_A_MESSAGE_INTEGRITY_SHA256 &&
             at != KVS__STUN_A_FINGERPRINT) ||
            (m->mi256 >= 0 && at != KVS__STUN_A_FINGERPRINT)) {
            off += 4 + (((size_t)len + 3u) & ~(size_t)3u);
            continue;
        }
        if (m->nattrs == KVS__STUN_MAX_ATTRS)
            return KVS_ERR_LIMIT;
        m->attrs[m->nattrs].type = at;
        m->attrs[m->nattrs].len = len;
        m->attrs[m->nattrs].off = (uint16_t)(off + 4);
        if (at == KVS__STUN_A_MESSAGE_INTEGRITY && m->mi < 0)
            m->mi = m->nattrs;
        else if (at == KVS__STUN_A_MESSAGE_INTEGRITY_SHA256 && m->mi256 < 0)
            m->mi256 = m->nattrs;
        else if (at == KVS__STUN_A_FINGERPRINT)
            m->fp = m->nattrs;
        if (rule == -4 && at < 0x8000u && m->nunknown < KVS__STUN_MAX_UNKNOWN)
            m->unknown[m->nunknown++] = at;
        m->nattrs++;
        off += 4 + (((size_t)len + 3u) & ~(size_t)3u);
    }
    return KVS_OK;
}

/* The first attribute of a type: its index, or -1. */
KVS_PRIVATE int kvs__stun_find(const kvs__stun_msg *m, uint16_t type) {
    int i;
    for (i = 0; i < m->nattrs; i++)
        if (m->attrs[i].type == type)
            return i;
    return -1;
}

/* An attribute's value: a pointer into the message and its length; NULL when absent. */
KVS_PRIVATE const uint8_t *kvs__stun_get(const kvs__stun_msg *m, uint16_t type, size_t *len) {
    int i = kvs__stun_find(m, type);
    *len = 0;
    if (i < 0)
        return NULL;
    *len = m->attrs[i].len;
    return m->p + m->attrs[i].off;
}

KVS_PRIVATE int kvs__stun_has(const kvs__stun_msg *m, uint16_t type) {
    return kvs__stun_find(m, type) >= 0;
}

/* A 4-byte attribute (PRIORITY, LIFETIME, CHANNEL-NUMBER, ...). KVS_ERR_NOT_FOUND when absent. */
KVS_PRIVATE kvs_result kvs__stun_get_u32(const kvs__stun_msg *m, uint16_t type, uint32_t *v) {
    size_t n;
    const uint8_t *p = kvs__stun_get(m, type, &n);
    if (!p || n != 4)
        return KVS_ERR_NOT_FOUND;
    *v = kvs__get_u32(p);
    return KVS_OK;
}

/* An 8-byte attribute (ICE-CONTROLLING / ICE-CONTROLLED tie-breaker, RESERVATION-TOKEN). */
KVS_PRIVATE kvs_result kvs__stun_get_u64(const kvs__stun_msg *m, uint16_t type, uint64_t *v) {
    size_t n;
    const uint8_t *p = kvs__stun_get(m, type, &n);
    if (!p || n != 8)
        return KVS_ERR_NOT_FOUND;
    *v = ((uint64_t)kvs__get_u32(p) << 32) | kvs__get_u32(p + 4);
    return KVS_OK;
}

/* An address attribute, XOR-decoded for the XOR-* types (RFC 8489 14.2). KVS_ERR_PARSE for an
   unknown family or a length that does not fit it. */
KVS_PRIVATE kvs_result kvs__stun_get_addr(const kvs__stun_msg *m, uint16_t type, kvs_addr *a) {
    size_t n, i;
    const uint8_t *p = kvs__stun_get(m, type, &n);
    int x = type != KVS__STUN_A_MAPPED_ADDRESS && type != KVS__STUN_A_ALTERNATE_SERVER;
    uint8_t mask[16];
    KVS_MEMSET(a, 0, sizeof *a);
    if (!p)
        return KVS_ERR_NOT_FOUND;
    kvs__put_u32(mask, KVS__STUN_COOKIE);
    KVS_MEMCPY(mask + 4, m->txid, 12);
    if (p[1] == 0x01 && n == 8) {
        a->family = KVS_AF_INET;
        for (i = 0; i < 4; i++)
            a->ip[i] = (uint8_t)(p[4 + i] ^ (x ? mask[i] : 0));
    } else if (p[1] == 0x02 && n == 20) {
        a->family = KVS_AF_INET6;
        for (i = 0; i < 16; i++)
            a->ip[i] = (uint8_t)(p[4 + i] ^ (x ? mask[i] : 0));
    } else {
        return KVS_ERR_PARSE;
    }
    a->port = (uint16_t)(kvs__get_u16(p + 2) ^ (x ? (KVS__STUN_COOKIE >> 16) : 0u));
    return KVS_OK;
}

/* ERROR-CODE: the code (300..699) and the reason phrase (not terminated). */
KVS_PRIVATE kvs_result kvs__stun_get_error(const kvs__stun_msg *m, int *code, const char **reason,
                                           size_t *reason_len) {
    size_t n;
    const uint8_t *p = kvs__stun_get(m, KVS__STUN_A_ERROR_CODE, &n);
    *code = 0;
    *reason = "";
    *reason_len = 0;
    if (!p || n < 4)
        return KVS_ERR_NOT_FOUND;
    if ((p[2] & 7u) < 3 || (p[2] & 7u) > 6 || p[3] > 99)
        return KVS_ERR_PARSE;
    *code = (p[2] & 7) * 100 + p[3];
    *reason = (const char *)(p + 4);
    *reason_len = n - 4;
    return KVS_OK;
}

/* --- integrity and fingerprint ------------------------------------------------------------- */

/* The HMAC over the message up to attribute idx (exclusive), with the length field saying the
   message ends where that attribute ends. */
KVS_PRIVATE size_t kvs__stun_mac(const uint8_t *p, size_t upto, size_t attr_end, int hash,
                                 const void *key, size_t klen, uint8_t out[32]) {
    kvs__crypto_hmac h;
    uint8_t hdr[4];
    size_t n;
    kvs__put_u16(hdr, kvs__get_u16(p));
    kvs__put_u16(hdr + 2, (uint16_t)(attr_end - KVS__STUN_HDR));
    kvs__crypto_hmac_init(&h, hash, key, klen);
    kvs__crypto_hmac_update(&h, hdr, 4);
    kvs__crypto_hmac_update(&h, p + 4, upto - 4);
    n = kvs__crypto_hmac_out(&h, out);
    kvs__crypto_hmac_clear(&h);
    return n;
}

/* Check MESSAGE-INTEGRITY-SHA256 when present, else MESSAGE-INTEGRITY, with the key (the
   short-term password, or the long-term key). KVS_ERR_NOT_FOUND when the message has neither,
   KVS_ERR_AUTH when it does not match. */
KVS_PRIVATE kvs_result kvs__stun_check_integrity(const kvs__stun_msg *m, const void *key,
                                                 size_t klen) {
    uint8_t mac[32];
    int ok, i = m->mi256 >= 0 ? m->mi256 : m->mi;
    const kvs__stun_attr *a;
    if (i < 0)
        return KVS_ERR_NOT_FOUND;
    a = &m->attrs[i];
    kvs__stun_mac(m->p, (size_t)a->off - 4, (size_t)a->off + a->len,
                  i == m->mi256 ? KVS__CRYPTO_SHA256 : KVS__CRYPTO_SHA1, key, klen, mac);
    ok = kvs__crypto_ct_eq(mac, m->p + a->off, a->len);
    kvs__crypto_zero(mac, sizeof mac);
    return ok ? KVS_OK : KVS_ERR_AUTH;
}

KVS_PRIVATE uint32_t kvs__stun_crc(const uint8_t *p, size_t upto) {
    uint8_t hdr[4];
    uint32_t crc;
    kvs__put_u16(hdr, kvs__get_u16(p));
    kvs__put_u16(hdr + 2, (uint16_t)(upto + 8 - KVS__STUN_HDR));
    crc = kvs__util_crc32(0, hdr, 4);
    crc = kvs__util_crc32(crc, p + 4, upto - 4);
    return crc ^ KVS__STUN_FP_XOR;
}

/* KVS_OK when FINGERPRINT is present and right, KVS_ERR_NOT_FOUND when absent, else
   KVS_ERR_AUTH. */
KVS_PRIVATE kvs_result kvs__stun_check_fingerprint(const kvs__stun_msg *m) {
    const kvs__stun_attr *a;
    if (m->fp < 0)
        return KVS_ERR_NOT_FOUND;
    a = &m->attrs[m->fp];
    return kvs__stun_crc(m->p, (size_t)a->off - 4) == kvs__get_u32(m->p + a->off) ? KVS_OK
                                                                                  : KVS_ERR_AUTH;
}

/* The long-term credential key (RFC 8489 9.2.2): MD5(username ":" realm ":" password). */
KVS_PRIVATE void kvs__stun_long_term_key(const void *user, size_t ulen, const void *realm,
                                         size_t rlen, const void *pass, size_t plen,
                                         uint8_t key[16]) {
    br_md5_context c;
    br_md5_init(&c);
    br_md5_update(&c, user, ulen);
    br_md5_update(&c, ":", 1);
    br_md5_update(&c, realm, rlen);
    br_md5_update(&c, ":", 1);
    br_md5_update(&c, pass, plen);
    br_md5_out(&c, key);
    kvs__crypto_zero(&c, sizeof c);
}

/* --- building ------------------------------------------------------------------------------ */

/* Start a message at position 0 of w. txid: 12 bytes. */
KVS_PRIVATE void kvs__stun_begin(kvs__wr *w, uint16_t method, int cls, const uint8_t txid[12]) {
    kvs__wr_u16(w, kvs__stun_type(method, cls));
    kvs__wr_u16(w, 0);
    kvs__wr_u32(w, KVS__STUN_COOKIE);
    kvs__wr_bytes(w, txid, 12);
}

/* Keep the header's length field equal to what was written. */
KVS_PRIVATE void kvs__stun_fix_len(kvs__wr *w) {
    if (w->len >= KVS__STUN_HDR && w->len - KVS__STUN_HDR <= 0xffff)
        kvs__wr_patch_u16(w, 2, (uint16_t)(w->len - KVS__STUN_HDR));
    else
        w->err |= 1;
}

KVS_PRIVATE void kvs__stun_put(kvs__wr *w, uint16_t type, const void *v, size_t n) {
    if (n > 0xffff) {
        w->err |= 1;
        return;
    }
    kvs__wr_u16(w, type);
    kvs__wr_u16(w, (uint16_t)n);
    kvs__wr_bytes(w, v, n);
    kvs__wr_fill(w, 0, (4u - (n & 3u)) & 3u);
    kvs__stun_fix_len(w);
}

KVS_PRIVATE void kvs__stun_put_u32(kvs__wr *w, uint16_t type, uint32_t v) {
    uint8_t b[4];
    kvs__put_u32(b, v);
    kvs__stun_put(w, type, b, 4);
}

KVS_PRIVATE void kvs__stun_put_u64(kvs__wr *w, uint16_t type, uint64_t v) {
    uint8_t b[8];
    kvs__put_u32(b, (uint32_t)(v >> 32));
    kvs__put_u32(b + 4, (uint32_t)v);
    kvs__stun_put(w, type, b, 8);
}

/* An address attribute; XOR-encoded for the XOR-* types with the message's transaction id (read
   back from the header at position 8 of w). */
KVS_PRIVATE void kvs__stun_put_addr(kvs__wr *w, uint16_t type, const kvs_addr *a) {
    uint8_t v[20], mask[16];
    size_t n = a->family == KVS_AF_INET6 ? 16 : 4, i;
    int x = type != KVS__STUN_A_MAPPED_ADDRESS && type != KVS__STUN_A_ALTERNATE_SERVER;
    KVS_MEMSET(mask, 0, sizeof mask);
    if (x && w->len >= KVS__STUN_HDR && w->cap >= KVS__STUN_HDR) {
        kvs__put_u32(mask, KVS__STUN_COOKIE);
        KVS_MEMCPY(mask + 4, w->p + 8, 12);
    }
    v[0] = 0;
    v[1] = a->family == KVS_AF_INET6 ? 0x02 : 0x01;
    kvs__put_u16(v + 2, (uint16_t)(a->port ^ (x ? (KVS__STUN_COOKIE >> 16) : 0u)));
    for (i = 0; i < n; i++)
        v[4 + i] = (uint8_t)(a->ip[i] ^ mask[i]);
    kvs__stun_put(w, type, v, 4 + n);
}

/* ERROR-CODE with a reason phrase. */
KVS_PRIVATE void kvs__stun_put_error(kvs__wr *w, int code, const char *reason) {
    uint8_t v[4 + 128];
    size_t n = KVS_STRLEN(reason);
    if (n > sizeof v - 4)
        n = sizeof v - 4;
    v[0] = v[1] = 0;
    v[2] = (uint8_t)(code / 100);
    v[3] = (uint8_t)(code % 100);
    KVS_MEMCPY(v + 4, reason, n);
    kvs__stun_put(w, KVS__STUN_A_ERROR_CODE, v, 4 + n);
}

/* MESSAGE-INTEGRITY (HMAC-SHA1 with key) over everything written so far. */
KVS_PRIVATE void kvs__stun_put_integrity(kvs__wr *w, const void *key, size_t klen) {
    uint8_t mac[32];
    size_t upto = w->len;
    if (w->err || upto > w->cap || upto < KVS__STUN_HDR) {
        w->err |= 1;
        return;
    }
    kvs__stun_mac(w->p, upto, upto + 24, KVS__CRYPTO_SHA1, key, klen, mac);
    kvs__stun_put(w, KVS__STUN_A_MESSAGE_INTEGRITY, mac, 20);
    kvs__crypto_zero(mac, sizeof mac);
}

/* FINGERPRINT over everything written so far (the last attribute). */
KVS_PRIVATE void kvs__stun_put_fingerprint(kvs__wr *w) {
    size_t upto = w->len;
    if (w->err || upto > w->cap || upto < KVS__STUN_HDR) {
        w->err |= 1;
        return;
    }
    kvs__stun_put_u32(w, KVS__STUN_A_FINGERPRINT, kvs__stun_crc(w->p, upto));
}

/* --- client transactions ------------------------------------------------------------------- */

/* Start a transaction: a fresh random transaction id, the first send due now. */
KVS_PRIVATE kvs_result kvs__stun_txn_start(kvs__stun_txn *t, kvs__rng *rng, int reliable,
                                           kvs_time now) {
    kvs_result r = kvs__crypto_random(rng, t->txid, sizeof t->txid);
    t->next = now;
    t->rto = KVS__STUN_RTO;
    t->sends = 0;
    t->reliable = reliable;
    return r;
}

/* Called when now >= t->next: 1 = send the request (again) now, 0 = the transaction timed out
   (t->next becomes KVS_TIME_NEVER). */
KVS_PRIVATE int kvs__stun_txn_due(kvs__stun_txn *t, kvs_time now) {
    if (t->reliable) {
        if (t->sends) {
            t->next = KVS_TIME_NEVER;
            return 0;
        }
        t->sends = 1;
        t->next = now + KVS__STUN_TCP_TIMEOUT;
        return 1;
    }
    if (t->sends >= KVS__STUN_RC) {
        t->next = KVS_TIME_NEVER;
        return 0;
    }
    t->sends++;
    t->next = now + (t->sends == KVS__STUN_RC ? KVS__STUN_RM * KVS__STUN_RTO : t->rto);
    t->rto *= 2;
    return 1;
}

/* Whether a message answers this transaction. */
KVS_PRIVATE int kvs__stun_txn_match(const kvs__stun_txn *t, const kvs__stun_msg *m) {
    return t->next != KVS_TIME_NEVER &&
           (m->cls == KVS__STUN_SUCCESS || m->cls == KVS__STUN_ERROR) &&
           KVS_MEMCMP(t->txid, m->txid, 12) == 0;
}

/* ==== [31] >>turn  TURN client (RFC 8656) over UDP, TCP, TLS: allocation, peers, channels = */
/* depends on: >>stun.  entry points: none (>>ice drives it).
   One kvs__turn is one allocation on one TURN server, reached over UDP or over a byte stream
   (TCP, or TLS: the caller runs >>tls and hands this object the plaintext). It is sans-IO:
   kvs__turn_output gives the next request to send (a datagram, or bytes to append to the
   stream), kvs__turn_input / kvs__turn_stream_input take what the server sent, data from peers
   comes out through a callback, and kvs__turn_wrap turns data for a peer into ChannelData (a
   channel is bound) or a Send indication.
   - Allocate (REQUESTED-TRANSPORT UDP, LIFETIME) answered by 401 takes REALM and NONCE and
     retries with the long-term key MD5(user:realm:pass); a 438 (stale nonce) retries with the
     new nonce; a second 401 is an authentication failure. Responses to authenticated requests
     must carry a MESSAGE-INTEGRITY that checks; others are dropped.
   - Refresh before the lifetime ends (60 s before, or at 3/4 of a short lifetime); permissions
     (CreatePermission) are refreshed every 240 s of their 300, channels (ChannelBind, which also
     installs the permission) every 540 s of their 600; deallocation by Refresh with LIFETIME 0.
   - Servers come as URIs exactly as GetIceServerConfig returns them:
     turn:host[:port][?transport=udp|tcp], turns:host[:port][?transport=tcp] (port 3478 / 5349
     by default, IPv6 literals in brackets); kvs__turn_uri_parse splits them.
   Bounded: KVS_TURN_MAX_PEERS permissions and channels per allocation, no allocation at all
   (the object is fixed-size; a stream frame larger than KVS_TURN_STREAM_BUF is skipped and
   counted). */

#ifndef KVS_TURN_MAX_PEERS
#define KVS_TURN_MAX_PEERS 8 /* permissions (and channels) per TURN allocation */
#endif
#ifndef KVS_TURN_STREAM_BUF
#define KVS_TURN_STREAM_BUF 4096 /* bytes of one STUN / ChannelData frame over TCP or TLS */
#endif
#define KVS__TURN_CRED_MAX 512 /* username and password bytes kept (KVS's are ~200) */
#define KVS__TURN_NONCE_MAX 256
#define KVS__TURN_REALM_MAX 128

#define KVS__TURN_UDP 0
#define KVS__TURN_TCP 1
#define KVS__TURN_TLS 2

/* allocation states */
#define KVS__TURN_IDLE 0
#define KVS__TURN_ALLOCATING 1
#define KVS__TURN_ALLOCATED 2
#define KVS__TURN_DEALLOCATING 3
#define KVS__TURN_CLOSED 4
#define KVS__TURN_FAILED 5

#define KVS__TURN_LIFETIME 600u /* seconds asked for */
#define KVS__TURN_PERM_LIFETIME KVS_SEC(300)
#define KVS__TURN_PERM_REFRESH KVS_SEC(240)
#define KVS__TURN_CHAN_LIFETIME KVS_SEC(600)
#define KVS__TURN_CHAN_REFRESH KVS_SEC(540)
#define KVS__TURN_CHAN_FIRST 0x4000u
#define KVS__TURN_MAX_RETRIES 3 /* 401 / 438 answers followed per request */

/* request kinds */
#define KVS__TURN_RQ_NONE 0
#define KVS__TURN_RQ_ALLOCATE 1
#define KVS__TURN_RQ_REFRESH 2
#define KVS__TURN_RQ_PERMISSION 3
#define KVS__TURN_RQ_CHANNEL 4

typedef struct kvs__turn_req {
    kvs__stun_txn txn;
    uint8_t kind;      /* KVS__TURN_RQ_*; NONE = free slot */
    uint8_t retries;   /* 401 / 438 answers followed */
    uint8_t peer;      /* index into peers[] */
    uint8_t authed;    /* sent with credentials: the answer must carry a MESSAGE-INTEGRITY */
    uint32_t lifetime; /* REFRESH: the lifetime asked for (0 = deallocate) */
} kvs__turn_req;

/* A peer (by IP address: permissions ignore the port) and its channel (by address and port). */
typedef struct kvs__turn_peer {
    kvs_addr addr;
    uint8_t used;
    uint8_t perm;    /* 0 none, 1 requested, 2 installed, 3 refused */
    uint8_t chan;    /* 0 none, 1 requested, 2 bound, 3 refused */
    uint16_t number; /* the channel number */
    kvs_time perm_refresh, chan_refresh;
} kvs__turn_peer;

typedef struct kvs__turn_stats {
    uint32_t requests, retransmissions, auth_retries, refreshes, permissions, channels;
    uint32_t sent_send, sent_channel, recv_data, recv_channel, dropped;
    uint64_t bytes_sent, bytes_received;
} kvs__turn_stats;

typedef struct kvs__turn_cb {
    void *ctx;
    /* data from a peer through the relay */
    void (*data)(void *ctx, const kvs_addr *peer, const uint8_t *p, size_t n);
    /* the allocation changed state (KVS__TURN_*); why is KVS_OK or the reason of a failure */
    void (*state)(void *ctx, int state, kvs_result why);
} kvs__turn_cb;

typedef struct kvs__turn {
    int state, transport;
    kvs_result error;
    kvs_addr server;
    kvs__turn_cb cb;
    kvs__rng *rng;
    kvs__log *log;
    char user[KVS__TURN_CRED_MAX];
    char pass[KVS__TURN_CRED_MAX];
    size_t ulen, plen;
    uint8_t realm[KVS__TURN_REALM_MAX], nonce[KVS__TURN_NONCE_MAX];
    size_t realm_len, nonce_len;
    uint8_t key[16];
    int have_key;
    kvs_addr relayed, mapped;
    uint32_t lifetime;
    kvs_time refresh_at;
    uint16_t next_channel;
    kvs__turn_peer peers[KVS_TURN_MAX_PEERS];
    kvs__turn_req reqs[KVS_TURN_MAX_PEERS * 2 + 1];
    uint8_t rx[KVS_TURN_STREAM_BUF]; /* stream: the frame being received */
    size_t rx_len, rx_skip;          /* bytes held; bytes of an oversized frame still to skip */
    kvs__turn_stats st;
} kvs__turn;

/* --- URIs ------------------------------------------------------------------------------------ */

/* Split a TURN or STUN URI: turn: / turns: / stun: / stuns:, host (a name, an IPv4 literal or an
   IPv6 literal in brackets, returned without them), optional port, optional ?transport=udp|tcp.
   *transport: KVS__TURN_UDP / _TCP / _TLS (turns: is TLS over TCP; stun: gives UDP). *is_turn
   says turn(s): rather than stun(s):. KVS_ERR_PARSE for anything else. */
KVS_PRIVATE kvs_result kvs__turn_uri_parse(const char *uri, size_t n, const char **host,
                                           size_t *host_len, uint16_t *port, int *transport,
                                           int *is_turn) {
    size_t i = 0, h0, h1;
    int secure = 0, tcp = -1;
    unsigned long p = 0;
    if (n >= 6 && KVS_MEMCMP(uri, "turns:", 6) == 0) {
        *is_turn = 1;
        secure = 1;
        i = 6;
    } else if (n >= 5 && KVS_MEMCMP(uri, "turn:", 5) == 0) {
        *is_turn = 1;
        i = 5;
    } else if (n >= 6 && KVS_MEMCMP(uri, "stuns:", 6) == 0) {
        *is_turn = 0;
        secure = 1;
        i = 6;
    } else if (n >= 5 && KVS_MEMCMP(uri, "stun:", 5) == 0) {
        *is_turn = 0;
        i = 5;
    } else {
        return KVS_ERR_PARSE;
    }
    if (i < n && uri[i] == '[') {
        h0 = ++i;
        while (i < n && uri[i] != ']')
            i++;
        if (i == n)
            return KVS_ERR_PARSE;
        h1 = i++;
    } else {
        h0 = i;
        while (i < n && uri[i] != ':' && uri[i] != '?' && uri[i] != '/')
            i++;
        h1 = i;
    }
    if (h1 == h0 || h1 - h0 > 253)
        return KVS_ERR_PARSE;
    if (i < n && uri[i] == ':') {
        size_t d0 = ++i;
        while (i < n && uri[i] >= '0' && uri[i] <= '9' && i - d0 < 6)
            p = p * 10 + (unsigned long)(uri[i++] - '0');
        if (i == d0 || p == 0 || p > 65535)
            return KVS_ERR_PARSE;
    } else {
        p = secure ? 5349 : 3478;
    }
    if (i < n) {
        static const char tq[] = "?transport=";
        if (n - i < sizeof tq - 1 || KVS_MEMCMP(uri + i, tq, sizeof tq - 1) != 0)
            return KVS_ERR_PARSE;
        i += sizeof tq - 1;
        if (n - i == 3 &&
            (KVS_MEMCMP(uri + i, "udp", 3) == 0 || KVS_MEMCMP(uri + i, "UDP", 3) == 0))
            tcp = 0;
        else if (n - i == 3 &&
                 (KVS_MEMCMP(uri + i, "tcp", 3) == 0 || KVS_MEMCMP(uri + i, "TCP", 3) == 0))
            tcp = 1;
        else
            return KVS_ERR_PARSE;
    }
    if (secure && tcp == 0)
        return KVS_ERR_PARSE; /* DTLS to the server is not supported */
    *host = uri + h0;
    *host_len = h1 - h0;
    *port = (uint16_t)p;
    *transport = secure ? KVS__TURN_TLS : tcp == 1 ? KVS__TURN_TCP : KVS__TURN_UDP;
    return KVS_OK;
}

/* --- lifecycle ----------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__turn_set_state(kvs__turn *t, int state, kvs_result why) {
    if (t->state == state)
        return;
    t->state = state;
    if (why != KVS_OK)
        t->error = why;
    if (t->cb.state)
        t->cb.state(t->cb.ctx, state, why);
}

/* server: the resolved address; transport: KVS__TURN_UDP / _TCP / _TLS; user / pass: the
   credentials as given (TURN REST / KVS credentials included). */
KVS_PRIVATE kvs_result kvs__turn_init(kvs__turn *t, const kvs_addr *server, int transport,
                                      const char *user, size_t ulen, const char *pass, size_t plen,
                                      const kvs__turn_cb *cb, kvs__rng *rng, kvs__log *lg) {
    KVS_MEMSET(t, 0, sizeof *t);
    if (ulen > sizeof t->user || plen > sizeof t->pass || transport < KVS__TURN_UDP ||
        transport > KVS__TURN_TLS ||
        (server->family != KVS_AF_INET && server->family != KVS_AF_INET6))
        return KVS_ERR_INVALID_ARG;
    t->server = *server;
    t->transport = transport;
    KVS_MEMCPY(t->user, user, ulen);
    KVS_MEMCPY(t->pass, pass, plen);
    t->ulen = ulen;
    t->plen = plen;
    if (cb)
        t->cb = *cb;
    t->rng = rng;
    t->log = lg;
    t->next_channel = KVS__TURN_CHAN_FIRST;
    t->refresh_at = KVS_TIME_NEVER;
    return KVS_OK;
}

KVS_PRIVATE void kvs__turn_deinit(kvs__turn *t) {
    kvs__crypto_zero(t, sizeof *t);
}

/* A free request slot started as a new transaction (a fresh transaction id). */
KVS_PRIVATE kvs__turn_req *kvs__turn_req_new(kvs__turn *t, int kind, int peer, kvs_time now) {
    size_t i;
    for (i = 0; i < sizeof t->reqs / sizeof t->reqs[0]; i++) {
        kvs__turn_req *q = &t->reqs[i];
        if (q->kind != KVS__TURN_RQ_NONE)
            continue;
        KVS_MEMSET(q, 0, sizeof *q);
        if (kvs__stun_txn_start(&q->txn, t->rng, t->transport != KVS__TURN_UDP, now) != KVS_OK)
            return NULL;
        q->kind = (uint8_t)kind;
        q->peer = (uint8_t)peer;
        q->lifetime = KVS__TURN_LIFETIME;
        t->st.requests++;
        return q;
    }
    return NULL;
}

/* The same request again as a new transaction (after 401 / 438). */
KVS_PRIVATE kvs_result kvs__turn_req_retry(kvs__turn *t, kvs__turn_req *q, kvs_time now) {
    if (++q->retries > KVS__TURN_MAX_RETRIES)
        return KVS_ERR_AUTH;
    t->st.auth_retries++;
    return kvs__stun_txn_start(&q->txn, t->rng, t->transport != KVS__TURN_UDP, now);
}

/* Start allocating. */
KVS_PRIVATE kvs_result kvs__turn_start(kvs__turn *t, kvs_time now) {
    if (t->state != KVS__TURN_IDLE)
        return KVS_ERR_STATE;
    if (!kvs__turn_req_new(t, KVS__TURN_RQ_ALLOCATE, 0, now))
        return KVS_ERR_CRYPTO;
    kvs__turn_set_state(t, KVS__TURN_ALLOCATING, KVS_OK);
    return KVS_OK;
}

/* Release the allocation (Refresh with LIFETIME 0); the object ends CLOSED. */
KVS_PRIVATE void kvs__turn_close(kvs__turn *t, kvs_time now) {
    size_t i;
    kvs__turn_req *q;
    if (t->state != KVS__TURN_ALLOCATED) {
        if (t->state != KVS__TURN_DEALLOCATING)
            kvs__turn_set_state(
                t, t->state == KVS__TURN_FAILED ? KVS__TURN_FAILED : KVS__TURN_CLOSED, KVS_OK);
        return;
    }
    for (i = 0; i < sizeof t->reqs / sizeof t->reqs[0]; i++)
        t->reqs[i].kind = KVS__TURN_RQ_NONE;
    q = kvs__turn_req_new(t, KVS__TURN_RQ_REFRESH, 0, now);
    if (!q) {
        kvs__turn_set_state(t, KVS__TURN_CLOSED, KVS_OK);
        return;
    }
    q->lifetime = 0;
    t->refresh_at = KVS_TIME_NEVER;
    kvs__turn_set_state(t, KVS__TURN_DEALLOCATING, KVS_OK);
}

/* --- peers: permissions and channels --------------------------------------------------------- */

KVS_PRIVATE int kvs__turn_same_ip(const kvs_addr *a, const kvs_addr *b) {
    return a->family == b->family &&
           KVS_MEMCMP(a->ip, b->ip, a->family == KVS_AF_INET6 ? 16 : 4) == 0;
}

/* The peer entry of an address (exact address and port), or -1. */
KVS_PRIVATE int kvs__turn_peer_find(const kvs__turn *t, const kvs_addr *a) {
    int i;
    for (i = 0; i < KVS_TURN_MAX_PEERS; i++)
        if (t->peers[i].used && kvs__turn_same_ip(&t->peers[i].addr, a) &&
            t->peers[i].addr.port == a->port)
            return i;
    return -1;
}

/* Whether the server lets this peer's IP in (a permission installed or requested). */
KVS_PRIVATE int kvs__turn_ip_permitted(const kvs__turn *t, const kvs_addr *a) {
    int i;
    for (i = 0; i < KVS_TURN_MAX_PEERS; i++)
        if (t->peers[i].used &&
            (t->peers[i].perm == 1 || t->peers[i].perm == 2 || t->peers[i].chan == 2) &&
            kvs__turn_same_ip(&t->peers[i].addr, a))
            return 1;
    return 0;
}

/* Ask for a permission and a channel for a peer (ICE does this for each remote candidate it
   checks through the relay). KVS_ERR_LIMIT when every peer slot is taken, KVS_ERR_STATE before
   the allocation exists. */
KVS_PRIVATE kvs_result kvs__turn_permit(kvs__turn *t, const kvs_addr *peer, kvs_time now) {
    int i = kvs__turn_peer_find(t, peer);
    kvs__turn_peer *p;
    if (t->state != KVS__TURN_ALLOCATED)
        return KVS_ERR_STATE;
    if (peer->family != t->relayed.family)
        return KVS_ERR_INVALID_ARG;
    if (i >= 0)
        return KVS_OK;
    for (i = 0; i < KVS_TURN_MAX_PEERS && t->peers[i].used; i++)
        ;
    if (i == KVS_TURN_MAX_PEERS)
        return KVS_ERR_LIMIT;
    p = &t->peers[i];
    KVS_MEMSET(p, 0, sizeof *p);
    p->used = 1;
    p->addr = *peer;
    p->perm_refresh = p->chan_refresh = KVS_TIME_NEVER;
    if (!kvs__turn_ip_permitted(t, peer)) {
        if (!kvs__turn_req_new(t, KVS__TURN_RQ_PERMISSION, i, now))
            return KVS_ERR_LIMIT;
        p->perm = 1;
    } else {
        p->perm = 2; /* another port of the same IP holds it */
    }
    if (t->next_channel <= 0x4FFFu && kvs__turn_req_new(t, KVS__TURN_RQ_CHANNEL, i, now)) {
        p->number = t->next_channel++;
        p->chan = 1;
    }
    return KVS_OK;
}

/* Data for a peer, framed for the server: ChannelData when the peer's channel is bound (padded
   to 4 bytes on a stream), else a Send indication. KVS_ERR_STATE without an allocation or a
   permission asked for; KVS_ERR_BUFFER_TOO_SMALL with *len the size needed. */
KVS_PRIVATE kvs_result kvs__turn_wrap(kvs__turn *t, const kvs_addr *peer, const void *data,
                                      size_t n, uint8_t *buf, size_t cap, size_t *len) {
    int i = kvs__turn_peer_find(t, peer);
    kvs__wr w;
    *len = 0;
    if (t->state != KVS__TURN_ALLOCATED || i < 0 || t->peers[i].perm == 3)
        return KVS_ERR_STATE;
    if (n > 65535 - 64)
        return KVS_ERR_INVALID_ARG;
    kvs__wr_init(&w, buf, cap);
    if (t->peers[i].chan == 2) {
        kvs__wr_u16(&w, t->peers[i].number);
        kvs__wr_u16(&w, (uint16_t)n);
        kvs__wr_bytes(&w, data, n);
        if (t->transport != KVS__TURN_UDP)
            kvs__wr_fill(&w, 0, (4u - (n & 3u)) & 3u);
        t->st.sent_channel++;
    } else {
        uint8_t txid[12];
        if (kvs__crypto_random(t->rng, txid, sizeof txid) != KVS_OK)
            return KVS_ERR_CRYPTO;
        kvs__stun_begin(&w, KVS__STUN_SEND, KVS__STUN_INDICATION, txid);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, peer);
        kvs__stun_put(&w, KVS__STUN_A_DATA, data, n);
        kvs__stun_put_fingerprint(&w);
        t->st.sent_send++;
    }
    t->st.bytes_sent += n;
    return kvs__wr_result(&w, len);
}

/* --- requests out ----------------------------------------------------------------------------- */

/* Build request q (with credentials once the server asked for them). */
KVS_PRIVATE kvs_result kvs__turn_build(kvs__turn *t, kvs__turn_req *q, uint8_t *buf, size_t cap,
                                       size_t *len) {
    kvs__wr w;
    const kvs__turn_peer *p = &t->peers[q->peer];
    static const uint8_t udp[4] = {17, 0, 0, 0};
    kvs__wr_init(&w, buf, cap);
    switch (q->kind) {
    case KVS__TURN_RQ_ALLOCATE:
        kvs__stun_begin(&w, KVS__STUN_ALLOCATE, KVS__STUN_REQUEST, q->txn.txid);
        kvs__stun_put(&w, KVS__STUN_A_REQUESTED_TRANSPORT, udp, 4);
        kvs__stun_put_u32(&w, KVS__STUN_A_LIFETIME, KVS__TURN_LIFETIME);
        break;
    case KVS__TURN_RQ_REFRESH:
        kvs__stun_begin(&w, KVS__STUN_REFRESH, KVS__STUN_REQUEST, q->txn.txid);
        kvs__stun_put_u32(&w, KVS__STUN_A_LIFETIME, q->lifetime);
        break;
    case KVS__TURN_RQ_PERMISSION:
        kvs__stun_begin(&w, KVS__STUN_CREATE_PERMISSION, KVS__STUN_REQUEST, q->txn.txid);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &p->addr);
        break;
    default:
        kvs__stun_begin(&w, KVS__STUN_CHANNEL_BIND, KVS__STUN_REQUEST, q->txn.txid);
        kvs__stun_put_u32(&w, KVS__STUN_A_CHANNEL_NUMBER, (uint32_t)p->number << 16);
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_PEER_ADDRESS, &p->addr);
        break;
    }
    q->authed = (uint8_t)t->have_key;
    if (t->have_key) {
        kvs__stun_put(&w, KVS__STUN_A_USERNAME, t->user, t->ulen);
        kvs__stun_put(&w, KVS__STUN_A_REALM, t->realm, t->realm_len);
        kvs__stun_put(&w, KVS__STUN_A_NONCE, t->nonce, t->nonce_len);
        kvs__stun_put_integrity(&w, t->key, sizeof t->key);
    }
    kvs__stun_put_fingerprint(&w);
    return kvs__wr_result(&w, len);
}

/* A request failed for good. */
KVS_PRIVATE void kvs__turn_req_failed(kvs__turn *t, kvs__turn_req *q, kvs_result why) {
    kvs__turn_peer *p = &t->peers[q->peer];
    int kind = q->kind;
    q->kind = KVS__TURN_RQ_NONE;
    if (kind == KVS__TURN_RQ_PERMISSION) {
        p->perm = 3;
    } else if (kind == KVS__TURN_RQ_CHANNEL) {
        p->chan = 3;
    } else if (t->state == KVS__TURN_DEALLOCATING) {
        kvs__turn_set_state(t, KVS__TURN_CLOSED, KVS_OK);
    } else {
        kvs__turn_set_state(t, KVS__TURN_FAILED, why); /* the caller logged why */
    }
}

/* The next datagram (or stream bytes) for the server: a request due now. KVS_ERR_AGAIN when
   nothing is. */
KVS_PRIVATE kvs_result kvs__turn_output(kvs__turn *t, uint8_t *buf, size_t cap, size_t *len,
                                        kvs_time now) {
    size_t i;
    *len = 0;
    for (i = 0; i < sizeof t->reqs / sizeof t->reqs[0]; i++) {
        kvs__turn_req *q = &t->reqs[i];
        if (q->kind == KVS__TURN_RQ_NONE || now < q->txn.next)
            continue;
        if (!kvs__stun_txn_due(&q->txn, now)) {
            KVS__LOG_WARN(t->log, TURN_TIMEOUT);
            kvs__turn_req_failed(t, q, KVS_ERR_TIMEOUT);
            continue;
        }
        if (q->txn.sends > 1)
            t->st.retransmissions++;
        return kvs__turn_build(t, q, buf, cap, len);
    }
    return KVS_ERR_AGAIN;
}

/* When kvs__turn_timeout / kvs__turn_output want to run next. */
KVS_PRIVATE kvs_time kvs__turn_deadline(const kvs__turn *t) {
    kvs_time d = t->refresh_at;
    size_t i;
    for (i = 0; i < sizeof t->reqs / sizeof t->reqs[0]; i++)
        if (t->reqs[i].kind != KVS__TURN_RQ_NONE && t->reqs[i].txn.next < d)
            d = t->reqs[i].txn.next;
    for (i = 0; i < KVS_TURN_MAX_PEERS; i++) {
        if (!t->peers[i].used)
            continue;
        if (t->peers[i].perm_refresh < d)
            d = t->peers[i].perm_refresh;
        if (t->peers[i].chan_refresh < d)
            d = t->peers[i].chan_refresh;
    }
    return d;
}

/* Refreshes that are due become requests (kvs__turn_output sends them). */
KVS_PRIVATE void kvs__turn_timeout(kvs__turn *t, kvs_time now) {
    int i;
    if (t->state != KVS__TURN_ALLOCATED)
        return;
    if (now >= t->refresh_at) {
        t->refresh_at = KVS_TIME_NEVER;
        if (kvs__turn_req_new(t, KVS__TURN_RQ_REFRESH, 0, now))
            t->st.refreshes++;
    }
    for (i = 0; i < KVS_TURN_MAX_PEERS; i++) {
        kvs__turn_peer *p = &t->peers[i];
        if (!p->used)
            continue;
        if (now >= p->perm_refresh) {
            p->perm_refresh = KVS_TIME_NEVER;
            if (kvs__turn_req_new(t, KVS__TURN_RQ_PERMISSION, i, now))
                p->perm = 1;
        }
        if (now >= p->chan_refresh) {
            p->chan_refresh = KVS_TIME_NEVER;
            kvs__turn_req_new(t, KVS__TURN_RQ_CHANNEL, i, now);
        }
    }
}

/* --- input ------------------------------------------------------------------------------------ */

KVS_PRIVATE void kvs__turn_deliver(kvs__turn *t, const kvs_addr *peer, const uint8_t *p, size_t n) {
    t->st.bytes_received += n;
    if (t->cb.data)
        t->cb.data(t->cb.ctx, peer, p, n);
}

/* A response to one of our requests. */
KVS_PRIVATE void kvs__turn_on_response(kvs__turn *t, kvs__turn_req *q, const kvs__stun_msg *m,
                                       kvs_time now) {
    kvs__turn_peer *p = &t->peers[q->peer];
    uint32_t life = 0;
    if (m->cls == KVS__STUN_ERROR) {
        int code;
        const char *reason;
        size_t rl, n;
        const uint8_t *v;
        if (kvs__stun_get_error(m, &code, &reason, &rl) != KVS_OK) {
            t->st.dropped++;
            return;
        }
        if (code == 401 || code == 438) {
            /* (re)authenticate: a 401 after we sent credentials under the same nonce is a wrong
               password; otherwise take REALM / NONCE and retry */
            const uint8_t *realm = kvs__stun_get(m, KVS__STUN_A_REALM, &rl);
            v = kvs__stun_get(m, KVS__STUN_A_NONCE, &n);
            if (!v || n > sizeof t->nonce || (code == 401 && (!realm || rl > sizeof t->realm)) ||
                (code == 401 && t->have_key && n == t->nonce_len &&
                 KVS_MEMCMP(v, t->nonce, n) == 0)) {
                KVS__LOGF_WARN(t->log, TURN_AUTH_FAILED, "error %d", code);
                kvs__turn_req_failed(t, q, KVS_ERR_AUTH);
                return;
            }
            KVS_MEMCPY(t->nonce, v, n);
            t->nonce_len = n;
            if (realm && rl <= sizeof t->realm) {
                KVS_MEMCPY(t->realm, realm, rl);
                t->realm_len = rl;
            }
            kvs__stun_long_term_key(t->user, t->ulen, t->realm, t->realm_len, t->pass, t->plen,
                                    t->key);
            t->have_key = 1;
            if (kvs__turn_req_retry(t, q, now) != KVS_OK) {
                KVS__LOGF_WARN(t->log, TURN_AUTH_FAILED, "error %d after %d retries", code,
                               q->retries - 1);
                kvs__turn_req_failed(t, q, KVS_ERR_AUTH);
            }
            return;
        }
        KVS__LOGF_WARN(t->log, TURN_FAILED, "error %d", code);
        kvs__turn_req_failed(t, q, code == 403 ? KVS_ERR_AUTH : KVS_ERR_PROTOCOL);
        return;
    }
    q->kind = KVS__TURN_RQ_NONE;
    switch (m->method) {
    case KVS__STUN_ALLOCATE:
        if (kvs__stun_get_addr(m, KVS__STUN_A_XOR_RELAYED_ADDRESS, &t->relayed) != KVS_OK) {
            kvs__turn_set_state(t, KVS__TURN_FAILED, KVS_ERR_PROTOCOL);
            return;
        }
        (void)kvs__stun_get_addr(m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &t->mapped);
        if (kvs__stun_get_u32(m, KVS__STUN_A_LIFETIME, &life) != KVS_OK || life == 0)
            life = KVS__TURN_LIFETIME;
        t->lifetime = life;
        t->refresh_at = now + (life > 240 ? KVS_SEC(life - 60) : KVS_SEC(life) * 3 / 4);
        KVS__LOG_INFO(t->log, TURN_ALLOCATED);
        kvs__turn_set_state(t, KVS__TURN_ALLOCATED, KVS_OK);
        break;
    case KVS__STUN_REFRESH:
        if (t->state == KVS__TURN_DEALLOCATING) {
            kvs__turn_set_state(t, KVS__TURN_CLOSED, KVS_OK);
            break;
        }
        if (kvs__stun_get_u32(m, KVS__STUN_A_LIFETIME, &life) != KVS_OK || life == 0)
            life = t->lifetime;
        t->lifetime = life;
        t->refresh_at = now + (life > 240 ? KVS_SEC(life - 60) : KVS_SEC(life) * 3 / 4);
        break;
    case KVS__STUN_CREATE_PERMISSION:
        p->perm = 2;
        p->perm_refresh = now + KVS__TURN_PERM_REFRESH;
        t->st.permissions++;
        break;
    case KVS__STUN_CHANNEL_BIND:
        p->chan = 2;
        p->chan_refresh = now + KVS__TURN_CHAN_REFRESH;
        t->st.channels++;
        break;
    default:
        break;
    }
}

/* One datagram from the server (UDP), or one whole frame (stream). */
KVS_PRIVATE void kvs__turn_input(kvs__turn *t, const uint8_t *p, size_t n, kvs_time now) {
    kvs__stun_msg m;
    size_t i;
    if (n >= 4 && p[0] >= 0x40 && p[0] <= 0x4F) {
        /* ChannelData: number, length, data (padding after it on a stream) */
        uint16_t num = kvs__get_u16(p), len = kvs__get_u16(p + 2);
        if ((size_t)len > n - 4) {
            t->st.dropped++;
            return;
        }
        for (i = 0; i < KVS_TURN_MAX_PEERS; i++) {
            if (t->peers[i].used && t->peers[i].chan == 2 && t->peers[i].number == num) {
                t->st.recv_channel++;
                kvs__turn_deliver(t, &t->peers[i].addr, p + 4, len);
                return;
            }
        }
        t->st.dropped++;
        return;
    }
    if (kvs__stun_parse(p, n, &m) != KVS_OK || kvs__stun_check_fingerprint(&m) == KVS_ERR_AUTH) {
        t->st.dropped++;
        return;
    }
    if (m.cls == KVS__STUN_INDICATION && m.method == KVS__STUN_DATA) {
        kvs_addr peer;
        size_t dn;
        const uint8_t *d = kvs__stun_get(&m, KVS__STUN_A_DATA, &dn);
        if (!d || kvs__stun_get_addr(&m, KVS__STUN_A_XOR_PEER_ADDRESS, &peer) != KVS_OK ||
            !kvs__turn_ip_permitted(t, &peer)) {
            t->st.dropped++;
            return;
        }
        t->st.recv_data++;
        kvs__turn_deliver(t, &peer, d, dn);
        return;
    }
    for (i = 0; i < sizeof t->reqs / sizeof t->reqs[0]; i++) {
        kvs__turn_req *q = &t->reqs[i];
        if (q->kind == KVS__TURN_RQ_NONE || !kvs__stun_txn_match(&q->txn, &m))
            continue;
        /* an answer to an authenticated request must prove the server knows the key; a 401 /
           438 need not (the nonce may have changed) */
        if (q->authed) {
            int code = 0;
            const char *r;
            size_t rl;
            if (m.cls == KVS__STUN_ERROR)
                (void)kvs__stun_get_error(&m, &code, &r, &rl);
            if (code != 401 && code != 438 &&
                kvs__stun_check_integrity(&m, t->key, sizeof t->key) != KVS_OK) {
                t->st.dropped++;
                return;
            }
        }
        kvs__turn_on_response(t, q, &m, now);
        return;
    }
    t->st.dropped++;
}

/* Bytes of the stream from the server (TCP, or TLS plaintext): whole frames go to
   kvs__turn_input. STUN frames are 20 + length bytes, ChannelData 4 + length padded to 4. */
KVS_PRIVATE void kvs__turn_stream_input(kvs__turn *t, const uint8_t *p, size_t n, kvs_time now) {
    while (n) {
        size_t need, take;
        if (t->rx_skip) {
            take = KVS__MIN(t->rx_skip, n);
            t->rx_skip -= take;
            p += take;
            n -= take;
            continue;
        }
        take = KVS__MIN(n, 4 - KVS__MIN(t->rx_len, (size_t)4));
        if (t->rx_len < 4) {
            KVS_MEMCPY(t->rx + t->rx_len, p, take);
            t->rx_len += take;
            p += take;
            n -= take;
            if (t->rx_len < 4)
                return;
        }
        if (t->rx[0] >= 0x40 && t->rx[0] <= 0x7F)
            need = 4 + (((size_t)kvs__get_u16(t->rx + 2) + 3u) & ~(size_t)3u);
        else if (t->rx[0] < 0x40)
            need = kvs__stun_frame_len(t->rx, 4);
        else
            need = 0; /* neither: the stream is out of step; nothing to resynchronise on */
        if (need == 0 || need > sizeof t->rx) {
            t->st.dropped++;
            if (need == 0) {
                t->rx_len = 0;
                kvs__turn_set_state(t, KVS__TURN_FAILED, KVS_ERR_PROTOCOL);
                return;
            }
            t->rx_skip = need - t->rx_len;
            t->rx_len = 0;
            continue;
        }
        take = KVS__MIN(n, need - t->rx_len);
        KVS_MEMCPY(t->rx + t->rx_len, p, take);
        t->rx_len += take;
        p += take;
        n -= take;
        if (t->rx_len == need) {
            t->rx_len = 0;
            kvs__turn_input(t, t->rx, need, now);
        }
    }
}

/* ==== [32] >>ice  ICE agent (RFC 8445, 8838, 7675): candidates, pairs, SDP candidate lines ====== */
/* depends on: >>stun, >>turn.  entry points: none yet (the peer drives it).
   A sans-IO ICE agent for one component (BUNDLE + rtcp-mux: WebRTC needs no other), both roles.
   The caller owns the sockets: it registers each UDP socket with the address it is bound to
   (kvs__ice_add_host: a host candidate, none for link-local addresses unless allowed), STUN
   servers (server-reflexive candidates) and TURN servers (relayed candidates; over UDP through
   a host socket, or over a TCP / TLS stream the caller connects and decrypts), hands in what
   arrives (kvs__ice_input for datagrams, kvs__ice_stream_input for a TURN stream) and sends what
   kvs__ice_output gives, each with a route (a socket and a destination, or a TURN stream).
   - candidates: priorities (type preference host 126, prflx 110, srflx 100, relay 0; local
     preference by socket order and, for relays, UDP > TCP > TLS), foundations (type, base IP,
     server), SDP candidate lines both ways (upper-case transport, tcptype, IPv6, `.local`
     names: such a candidate is kept unresolved, never paired, and never fails the agent - the
     peer's checks reach us and the peer-reflexive path learns its address);
   - pairs formed as candidates arrive (trickle, RFC 8838: before or after the description),
     same family, pruned by local base, bounded by KVS_ICE_MAX_PAIRS (lowest priority dropped);
     a check list paced by Ta (default 50 ms) with triggered checks first; role conflicts (487)
     both ways; peer-reflexive candidates both ways; regular nomination by the controlling side
     (the best valid pair, once no better pair is still being checked, or after
     KVS__ICE_NOMINATE_WAIT); end-of-candidates; ICE restart (new credentials, new checks, the
     gathered candidates and TURN allocations kept);
   - consent freshness (RFC 7675): a Binding request on the selected pair every 4-6 s (random);
     no answer for KVS__ICE_DISCONNECTED_AFTER → disconnected (an answer brings it back), for 30 s →
     failed; the same checks keep NAT bindings alive;
   - states new, checking, connected, completed (end-of-candidates and nothing left to check),
     failed (every pair failed after end-of-candidates, or no pair valid within
     cfg.timeout), disconnected, closed; policy "relay only" (no host / srflx candidates are
     signalled or paired).
   Demultiplexing (RFC 7983): a datagram from a TURN server on its socket goes to that
   allocation; STUN (first byte 0-3) to the agent; anything else, from the remote address of a
   valid pair, to the layer above (data callback). Sending for the layer above goes through the
   selected pair, relayed or not (kvs__ice_send). */

#ifndef KVS_ICE_MAX_CANDIDATES
#define KVS_ICE_MAX_CANDIDATES 16 /* local, and remote, candidates per agent */
#endif
#ifndef KVS_ICE_MAX_PAIRS
#define KVS_ICE_MAX_PAIRS 64 /* candidate pairs per agent */
#endif
#ifndef KVS_ICE_MAX_SERVERS
#define KVS_ICE_MAX_SERVERS 4 /* STUN servers, and TURN servers, per agent */
#endif

#define KVS__ICE_HOST 0
#define KVS__ICE_SRFLX 1
#define KVS__ICE_PRFLX 2
#define KVS__ICE_RELAY 3

/* pair states */
#define KVS__ICE_P_WAITING 0
#define KVS__ICE_P_PROGRESS 1
#define KVS__ICE_P_SUCCEEDED 2
#define KVS__ICE_P_FAILED 3

/* agent states */
#define KVS__ICE_NEW 0
#define KVS__ICE_CHECKING 1
#define KVS__ICE_CONNECTED 2
#define KVS__ICE_COMPLETED 3
#define KVS__ICE_FAILED 4
#define KVS__ICE_DISCONNECTED 5
#define KVS__ICE_CLOSED 6

/* routes of outgoing bytes */
#define KVS__ICE_ROUTE_UDP 0    /* a datagram on socket r->sock to r->to */
#define KVS__ICE_ROUTE_STREAM 1 /* bytes for the stream of TURN server r->sock */

#define KVS__ICE_NOMINATE_WAIT KVS_MSEC(1000) /* a valid pair waits this long for a better one */
#define KVS__ICE_CONSENT_MIN KVS_MSEC(4000)
#define KVS__ICE_CONSENT_SPAN KVS_MSEC(2000)
#define KVS__ICE_DISCONNECTED_AFTER KVS_SEC(8)
#define KVS__ICE_CONSENT_LOST KVS_SEC(30)
#define KVS__ICE_RESPONSES 8 /* answers queued for sending */

typedef struct kvs__ice_route {
    int kind, sock;
    kvs_addr to;
} kvs__ice_route;

typedef struct kvs__ice_cand {
    kvs_addr addr;    /* the transport address (remote: as signalled or learned) */
    kvs_addr base;    /* local: the address it sends from (host; relayed for relay) */
    kvs_addr related; /* srflx / relay: raddr / rport */
    uint32_t priority;
    uint8_t type, used;
    uint8_t sock;       /* local host / srflx / prflx: the socket; relay: the TURN server index */
    uint8_t unresolved; /* remote: an mDNS name (.local) not resolved: never paired */
    uint8_t signalled;  /* local: given to the application */
    char foundation[33];
} kvs__ice_cand;

typedef struct kvs__ice_pair {
    uint64_t prio;
    kvs__stun_txn txn;
    kvs_time valid_at;
    uint8_t local, remote, state, used;
    uint8_t valid, nominated, nominating; /* nominating: the check in flight has USE-CANDIDATE */
    uint8_t triggered;                    /* queued for a triggered check */
    uint8_t use_cand_seen;                /* controlled: the peer nominated it */
    uint8_t old_valid;                    /* old_txid: a cancelled check still answered */
    uint8_t old_txid[12];
} kvs__ice_pair;

typedef struct kvs__ice_server {
    kvs_addr addr;
    kvs__stun_txn txn; /* STUN: the Binding request */
    uint8_t used, sock, done;
} kvs__ice_server;

typedef struct kvs__ice_resp {
    kvs__ice_route route;
    uint8_t txid[12];
    kvs_addr mapped;                            /* the source we saw */
    int error;                                  /* 0, or 401 / 420 / 487 */
    uint8_t unknown[2 * KVS__STUN_MAX_UNKNOWN]; /* 420: the attribute types, network order */
    int nunknown;
    uint8_t relay; /* arrived through TURN server `relay - 1` */
} kvs__ice_resp;

typedef struct kvs__ice_cfg {
    int controlling;
    int relay_only;       /* gather and pair relayed candidates only */
    int allow_link_local; /* host candidates on link-local addresses */
    kvs_time ta;          /* pacing of checks; 0 = 50 ms */
    kvs_time timeout;     /* no valid pair this long after checks start: failed; 0 = 30 s */
} kvs__ice_cfg;

typedef struct kvs__ice_cb {
    void *ctx;
    /* a local candidate to signal (line: "candidate:..." without "a="), or NULL when gathering
       is complete (end-of-candidates) */
    void (*candidate)(void *ctx, const kvs__ice_cand *c, const char *line);
    void (*state)(void *ctx, int state);
    /* data for the layer above (DTLS, SRTP) from the remote side */
    void (*data)(void *ctx, const uint8_t *p, size_t n);
} kvs__ice_cb;

typedef struct kvs__ice_stats {
    uint32_t checks_sent, checks_received, responses_sent, retransmissions, role_conflicts;
    uint32_t prflx_local, prflx_remote, packets_before_connected, dropped;
    kvs_time checking_at, connected_at;
} kvs__ice_stats;

typedef struct kvs__ice {
    kvs__ice_cfg cfg;
    kvs__ice_cb cb;
    kvs__rng *rng;
    kvs__log *log;
    int state;
    uint64_t tiebreaker;
    char lufrag[9], lpwd[33];
    char rufrag[257], rpwd[257];
    size_t rufrag_len, rpwd_len;
    int have_remote, remote_done, gathering_done;
    kvs__ice_cand local[KVS_ICE_MAX_CANDIDATES];
    kvs__ice_cand remote[KVS_ICE_MAX_CANDIDATES];
    kvs__ice_pair pairs[KVS_ICE_MAX_PAIRS];
    kvs__ice_server stun[KVS_ICE_MAX_SERVERS];
    kvs__turn turn[KVS_ICE_MAX_SERVERS];
    uint8_t turn_used[KVS_ICE_MAX_SERVERS];
    uint8_t turn_sock[KVS_ICE_MAX_SERVERS]; /* UDP: the host socket; stream: unused */
    kvs__tls tls[KVS_ICE_MAX_SERVERS];      /* turns: servers added with kvs__ice_add_turn_tls */
    uint8_t tls_on[KVS_ICE_MAX_SERVERS];
    uint8_t tls_buf[1600];                  /* plaintext on its way into a TLS client */
    kvs__ice_resp resp[KVS__ICE_RESPONSES];
    int nresp;
    int selected;         /* pair index, or -1 */
    kvs_time next_check;  /* Ta pacing */
    kvs_time first_valid; /* when the first pair became valid (nomination wait) */
    kvs_time consent_next, consent_rx;
    kvs__stun_txn consent; /* the consent check in flight */
    kvs__ice_stats st;
    kvs_time now;          /* the time of the current call */
    uint8_t cur_turn;      /* the TURN allocation whose input is being handled */
    uint8_t scratch[1500]; /* a check or response being wrapped for TURN */
} kvs__ice;

/* --- candidates --------------------------------------------------------------------------- */

KVS_PRIVATE uint32_t kvs__ice_priority(int type, uint32_t local_pref) {
    static const uint32_t type_pref[4] = {126, 100, 110, 0};
    return (type_pref[type] << 24) | ((local_pref & 0xffffu) << 8) | (256u - 1u);
}

/* Foundation: the same for candidates of one type, base IP and server (RFC 8445 5.1.1.3). */
KVS_PRIVATE void kvs__ice_foundation(kvs__ice_cand *c, const kvs_addr *server) {
    uint8_t b[1 + 16 + 18];
    uint32_t h;
    kvs__wr w;
    KVS_MEMSET(b, 0, sizeof b);
    b[0] = c->type;
    KVS_MEMCPY(b + 1, c->base.ip, 16);
    if (server) {
        KVS_MEMCPY(b + 17, server->ip, 16);
        kvs__put_u16(b + 33, server->port);
    }
    h = kvs__util_crc32(0, b, sizeof b);
    kvs__wr_init(&w, c->foundation, sizeof c->foundation - 1);
    kvs__wr_dec(&w, h);
    c->foundation[w.len < sizeof c->foundation ? w.len : sizeof c->foundation - 1] = 0;
}

/* The SDP attribute value of a candidate: "candidate:F 1 udp P IP PORT typ T [raddr R rport N]". */
KVS_PRIVATE kvs_result kvs__ice_cand_line(const kvs__ice_cand *c, char *out, size_t cap) {
    static const char *const types[4] = {"host", "srflx", "prflx", "relay"};
    kvs__wr w;
    size_t len;
    kvs__wr_init(&w, out, cap);
    kvs__wr_cstr(&w, "candidate:");
    kvs__wr_cstr(&w, c->foundation);
    kvs__wr_cstr(&w, " 1 udp ");
    kvs__wr_dec(&w, c->priority);
    kvs__wr_u8(&w, ' ');
    kvs__util_addr_write(&w, &c->addr, 0);
    kvs__wr_u8(&w, ' ');
    kvs__wr_dec(&w, c->addr.port);
    kvs__wr_cstr(&w, " typ ");
    kvs__wr_cstr(&w, types[c->type & 3]);
    if (c->type == KVS__ICE_SRFLX || c->type == KVS__ICE_RELAY) {
        kvs__wr_cstr(&w, " raddr ");
        kvs__util_addr_write(&w, &c->related, 0);
        kvs__wr_cstr(&w, " rport ");
        kvs__wr_dec(&w, c->related.port);
    }
    return kvs__wr_result_str(&w, &len);
}

/* Next space-separated token of [*p, end). */
KVS_PRIVATE int kvs__ice_tok(const char **p, const char *end, const char **t, size_t *n) {
    while (*p < end && **p == ' ')
        (*p)++;
    *t = *p;
    while (*p < end && **p != ' ')
        (*p)++;
    *n = (size_t)(*p - *t);
    return *n > 0;
}

KVS_PRIVATE int kvs__ice_tok_is(const char *t, size_t n, const char *want) {
    size_t i, k = KVS_STRLEN(want);
    if (n != k)
        return 0;
    for (i = 0; i < n; i++) {
        char a = t[i], b = want[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

KVS_PRIVATE int kvs__ice_tok_u32(const char *t, size_t n, uint32_t max, uint32_t *v) {
    size_t i;
    uint64_t x = 0;
    if (n == 0 || n > 10)
        return 0;
    for (i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(t[i] - '0');
    }
    if (x > max)
        return 0;
    *v = (uint32_t)x;
    return 1;
}

/* Parse a candidate line ("candidate:..." with or without "a=", from SDP or trickle). Only UDP
   candidates of component 1 are kept: KVS_ERR_UNSUPPORTED for TCP ones and other components
   (ignore them), KVS_ERR_PARSE for malformed lines. A `.local` address gives an unresolved
   candidate. */
KVS_PRIVATE kvs_result kvs__ice_cand_parse(const char *s, size_t n, kvs__ice_cand *c) {
    const char *p = s, *end = s + n, *t;
    size_t tn;
    uint32_t comp, prio, port, v;
    int type = -1;
    KVS_MEMSET(c, 0, sizeof *c);
    while (end > p && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    if (end - p >= 2 && p[0] == 'a' && p[1] == '=')
        p += 2;
    if (end - p < 10 || KVS_MEMCMP(p, "candidate:", 10) != 0)
        return KVS_ERR_PARSE;
    p += 10;
    if (!kvs__ice_tok(&p, end, &t, &tn) || tn > 32)
        return KVS_ERR_PARSE;
    KVS_MEMCPY(c->foundation, t, tn);
    if (!kvs__ice_tok(&p, end, &t, &tn) || !kvs__ice_tok_u32(t, tn, 256, &comp) || comp == 0)
        return KVS_ERR_PARSE;
    if (!kvs__ice_tok(&p, end, &t, &tn))
        return KVS_ERR_PARSE;
    if (!kvs__ice_tok_is(t, tn, "udp")) {
        if (!kvs__ice_tok_is(t, tn, "tcp"))
            return KVS_ERR_PARSE;
        type = -2; /* TCP: checked for form, then ignored */
    }
    if (!kvs__ice_tok(&p, end, &t, &tn) || !kvs__ice_tok_u32(t, tn, 0xffffffffu, &prio) ||
        prio == 0)
        return KVS_ERR_PARSE;
    c->priority = prio;
    if (!kvs__ice_tok(&p, end, &t, &tn) || tn > 253)
        return KVS_ERR_PARSE;
    if (kvs__util_addr_parse(&c->addr, t, tn, 0) != KVS_OK) {
        if (tn > 6 && kvs__ice_tok_is(t + tn - 6, 6, ".local"))
            c->unresolved = 1;
        else
            return KVS_ERR_PARSE;
    }
    if (!kvs__ice_tok(&p, end, &t, &tn) || !kvs__ice_tok_u32(t, tn, 65535, &port))
        return KVS_ERR_PARSE;
    c->addr.port = (uint16_t)port;
    if (!kvs__ice_tok(&p, end, &t, &tn) || !kvs__ice_tok_is(t, tn, "typ") ||
        !kvs__ice_tok(&p, end, &t, &tn))
        return KVS_ERR_PARSE;
    if (kvs__ice_tok_is(t, tn, "host"))
        c->type = KVS__ICE_HOST;
    else if (kvs__ice_tok_is(t, tn, "srflx"))
        c->type = KVS__ICE_SRFLX;
    else if (kvs__ice_tok_is(t, tn, "prflx"))
        c->type = KVS__ICE_PRFLX;
    else if (kvs__ice_tok_is(t, tn, "relay"))
        c->type = KVS__ICE_RELAY;
    else
        return KVS_ERR_PARSE;
    /* extensions: name value pairs (raddr, rport, tcptype, generation, ufrag, network-id, ...) */
    while (kvs__ice_tok(&p, end, &t, &tn)) {
        const char *vt;
        size_t vn;
        if (!kvs__ice_tok(&p, end, &vt, &vn))
            return KVS_ERR_PARSE;
        if (kvs__ice_tok_is(t, tn, "raddr")) {
            if (kvs__util_addr_parse(&c->related, vt, vn, c->related.port) != KVS_OK)
                KVS_MEMSET(&c->related, 0, sizeof c->related); /* "0.0.0.0" or a name: ignored */
        } else if (kvs__ice_tok_is(t, tn, "rport")) {
            if (!kvs__ice_tok_u32(vt, vn, 65535, &v))
                return KVS_ERR_PARSE;
            c->related.port = (uint16_t)v;
        }
    }
    if (type == -2 || comp != 1)
        return KVS_ERR_UNSUPPORTED;
    c->used = 1;
    return KVS_OK;
}

/* --- lifecycle -------------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__ice_set_state(kvs__ice *a, int state) {
    if (a->state == state)
        return;
    a->state = state;
    if (state == KVS__ICE_CONNECTED && !a->st.connected_at)
        a->st.connected_at = a->now;
    if (a->cb.state)
        a->cb.state(a->cb.ctx, state);
}

/* Random ice-chars (RFC 8445 5.3: ALPHA / DIGIT / "+" / "/"). */
KVS_PRIVATE kvs_result kvs__ice_random_str(kvs__rng *rng, char *out, size_t n) {
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t r[32];
    size_t i;
    kvs_result res;
    if (n > sizeof r)
        return KVS_ERR_INVALID_ARG;
    res = kvs__crypto_random(rng, r, n);
    if (res != KVS_OK)
        return res;
    for (i = 0; i < n; i++)
        out[i] = set[r[i] & 63u];
    out[n] = 0;
    kvs__crypto_zero(r, sizeof r);
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__ice_new_credentials(kvs__ice *a) {
    kvs_result r = kvs__ice_random_str(a->rng, a->lufrag, 8);
    if (r == KVS_OK)
        r = kvs__ice_random_str(a->rng, a->lpwd, 24);
    return r;
}

KVS_PRIVATE kvs_result kvs__ice_init(kvs__ice *a, const kvs__ice_cfg *cfg, const kvs__ice_cb *cb,
                                     kvs__rng *rng, kvs__log *lg) {
    uint8_t tb[8];
    kvs_result r;
    KVS_MEMSET(a, 0, sizeof *a);
    a->cfg = *cfg;
    if (!a->cfg.ta)
        a->cfg.ta = KVS_MSEC(50);
    if (!a->cfg.timeout)
        a->cfg.timeout = KVS_SEC(30);
    if (cb)
        a->cb = *cb;
    a->rng = rng;
    a->log = lg;
    a->selected = -1;
    a->consent_next = a->next_check = KVS_TIME_NEVER;
    a->consent.next = KVS_TIME_NEVER;
    r = kvs__crypto_random(rng, tb, sizeof tb);
    if (r == KVS_OK)
        r = kvs__ice_new_credentials(a);
    a->tiebreaker = ((uint64_t)kvs__get_u32(tb) << 32) | kvs__get_u32(tb + 4);
    return r;
}

KVS_PRIVATE void kvs__ice_deinit(kvs__ice *a) {
    int i;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        kvs__turn_deinit(&a->turn[i]);
        if (a->tls_on[i])
            kvs__tls_deinit(&a->tls[i]);
    }
    kvs__crypto_zero(a, sizeof *a);
}

/* Remove pairs and add the pairs of one candidate (index i, local or remote side). */
KVS_PRIVATE void kvs__ice_pair_up(kvs__ice *a, int li, int ri);

KVS_PRIVATE int kvs__ice_local_add(kvs__ice *a, const kvs__ice_cand *c) {
    int i, r;
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES && a->local[i].used; i++)
        if (kvs__util_addr_equal(&a->local[i].addr, &c->addr) && a->local[i].type == c->type)
            return i;
    if (i == KVS_ICE_MAX_CANDIDATES)
        return -1;
    a->local[i] = *c;
    a->local[i].used = 1;
    /* host and relayed candidates pair; srflx ones share their host's base (pruned) */
    if (c->type == KVS__ICE_HOST || c->type == KVS__ICE_RELAY)
        for (r = 0; r < KVS_ICE_MAX_CANDIDATES; r++)
            if (a->remote[r].used)
                kvs__ice_pair_up(a, i, r);
    return i;
}

/* Signal a local candidate to the application (not under relay-only unless relayed; never
   peer-reflexive ones). */
KVS_PRIVATE void kvs__ice_signal(kvs__ice *a, int i) {
    char line[160];
    kvs__ice_cand *c = &a->local[i];
    if (c->signalled || c->type == KVS__ICE_PRFLX ||
        (a->cfg.relay_only && c->type != KVS__ICE_RELAY))
        return;
    c->signalled = 1;
    if (kvs__ice_cand_line(c, line, sizeof line) == KVS_OK && a->cb.candidate)
        a->cb.candidate(a->cb.ctx, c, line);
}

/* A UDP socket bound to addr: a host candidate (KVS_ERR_UNSUPPORTED for link-local addresses
   unless allowed, KVS_ERR_LIMIT when the table is full). sock: the caller's index (0..254). */
KVS_PRIVATE kvs_result kvs__ice_add_host(kvs__ice *a, int sock, const kvs_addr *addr) {
    kvs__ice_cand c;
    int i, n = 0;
    if (sock < 0 || sock > 254 || (addr->family != KVS_AF_INET && addr->family != KVS_AF_INET6))
        return KVS_ERR_INVALID_ARG;
    if (kvs__util_addr_is_link_local(addr) && !a->cfg.allow_link_local)
        return KVS_ERR_UNSUPPORTED;
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES; i++)
        n += a->local[i].used && a->local[i].type == KVS__ICE_HOST;
    KVS_MEMSET(&c, 0, sizeof c);
    c.type = KVS__ICE_HOST;
    c.addr = c.base = *addr;
    c.sock = (uint8_t)sock;
    /* the first socket is preferred; IPv6 before IPv4 within the same position */
    c.priority =
        kvs__ice_priority(KVS__ICE_HOST, 65535u - (uint32_t)n * 2u - (addr->family == KVS_AF_INET));
    kvs__ice_foundation(&c, NULL);
    i = kvs__ice_local_add(a, &c);
    if (i < 0)
        return KVS_ERR_LIMIT;
    kvs__ice_signal(a, i);
    return KVS_OK;
}

/* A STUN server reached through host socket sock (server-reflexive candidate). */
KVS_PRIVATE kvs_result kvs__ice_add_stun_server(kvs__ice *a, int sock, const kvs_addr *server,
                                                kvs_time now) {
    int i;
    a->now = now;
    for (i = 0; i < KVS_ICE_MAX_SERVERS && a->stun[i].used; i++)
        ;
    if (i == KVS_ICE_MAX_SERVERS)
        return KVS_ERR_LIMIT;
    KVS_MEMSET(&a->stun[i], 0, sizeof a->stun[i]);
    a->stun[i].used = 1;
    a->stun[i].sock = (uint8_t)sock;
    a->stun[i].addr = *server;
    a->gathering_done = 0;
    return kvs__stun_txn_start(&a->stun[i].txn, a->rng, 0, now);
}

KVS_PRIVATE void kvs__ice_turn_data(void *ctx, const kvs_addr *peer, const uint8_t *p, size_t n);
KVS_PRIVATE void kvs__ice_turn_state(void *ctx, int state, kvs_result why);

/* A TURN server: over UDP through host socket sock, or over a TCP / TLS stream (the caller
   connects it; its bytes go through kvs__ice_stream_input and ROUTE_STREAM). *index: the
   server's index (the route's sock for streams). */
KVS_PRIVATE kvs_result kvs__ice_add_turn_server(kvs__ice *a, int sock, const kvs_addr *server,
                                                int transport, const char *user, size_t ulen,
                                                const char *pass, size_t plen, kvs_time now,
                                                int *index) {
    kvs__turn_cb cb;
    kvs_result r;
    int i;
    a->now = now;
    for (i = 0; i < KVS_ICE_MAX_SERVERS && a->turn_used[i]; i++)
        ;
    if (i == KVS_ICE_MAX_SERVERS)
        return KVS_ERR_LIMIT;
    KVS_MEMSET(&cb, 0, sizeof cb);
    cb.ctx = a;
    cb.data = kvs__ice_turn_data;
    cb.state = kvs__ice_turn_state;
    r = kvs__turn_init(&a->turn[i], server, transport, user, ulen, pass, plen, &cb, a->rng, a->log);
    if (r != KVS_OK)
        return r;
    /* in use before it starts: its first state change must not look like gathering is over */
    a->turn_used[i] = 1;
    a->turn_sock[i] = (uint8_t)sock;
    a->gathering_done = 0;
    r = kvs__turn_start(&a->turn[i], now);
    if (r != KVS_OK) {
        a->turn_used[i] = 0;
        return r;
    }
    if (index)
        *index = i;
    return KVS_OK;
}

/* A TURN server over TLS (turns:) whose TLS the agent runs itself: the caller connects TCP to
   `server` and moves bytes both ways (kvs__ice_output's ROUTE_STREAM, kvs__ice_stream_input);
   host: the name the certificate must have (SNI); anchors: borrowed, must outlive the agent;
   unix_time: for certificate validity; mem: the TLS client's memory (kvs__tls_memory_size). */
KVS_PRIVATE kvs_result kvs__ice_add_turn_tls(kvs__ice *a, const kvs_addr *server, const char *host, size_t hn,
                                             const kvs__tls_anchors *anchors, int64_t unix_time, kvs__mem *mem,
                                             const char *user, size_t ulen, const char *pass, size_t plen,
                                             kvs_time now, int *index) {
    kvs__tls_cfg tc;
    kvs_result r;
    int i;
    for (i = 0; i < KVS_ICE_MAX_SERVERS && a->turn_used[i]; i++)
        ;
    if (i == KVS_ICE_MAX_SERVERS)
        return KVS_ERR_LIMIT;
    KVS_MEMSET(&tc, 0, sizeof tc);
    tc.host.p = host;
    tc.host.n = hn;
    tc.anchors = anchors;
    tc.unix_time = unix_time;
    r = kvs__tls_init(&a->tls[i], &tc, a->rng, a->log, mem);
    if (r != KVS_OK)
        return r;
    a->tls_on[i] = 1;
    r = kvs__ice_add_turn_server(a, 0, server, KVS__TURN_TLS, user, ulen, pass, plen, now, index);
    if (r != KVS_OK) {
        kvs__tls_deinit(&a->tls[i]);
        a->tls_on[i] = 0;
    }
    return r;
}

/* Gathering is complete when every STUN and TURN server answered or gave up. */
KVS_PRIVATE void kvs__ice_check_gathering(kvs__ice *a) {
    int i;
    if (a->gathering_done)
        return;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        if (a->stun[i].used && !a->stun[i].done)
            return;
        if (a->turn_used[i] && a->turn[i].state == KVS__TURN_ALLOCATING)
            return;
    }
    a->gathering_done = 1;
    if (a->cb.candidate)
        a->cb.candidate(a->cb.ctx, NULL, NULL);
}

/* A local candidate of a TURN server's relayed address. */
KVS_PRIVATE void kvs__ice_turn_state(void *ctx, int state, kvs_result why) {
    kvs__ice *a = (kvs__ice *)ctx;
    int i;
    (void)why;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        kvs__turn *t = &a->turn[i];
        kvs__ice_cand c;
        int k;
        if (!a->turn_used[i] || t->state != state || state != KVS__TURN_ALLOCATED)
            continue;
        KVS_MEMSET(&c, 0, sizeof c);
        c.type = KVS__ICE_RELAY;
        c.addr = c.base = t->relayed;
        c.related = t->mapped;
        c.sock = (uint8_t)i;
        c.priority = kvs__ice_priority(KVS__ICE_RELAY,
                                       65535u - (uint32_t)t->transport * 4096u - (uint32_t)i);
        kvs__ice_foundation(&c, &t->server);
        k = kvs__ice_local_add(a, &c);
        if (k >= 0)
            kvs__ice_signal(a, k);
    }
    kvs__ice_check_gathering(a);
}
/* ==== [33] >>ice-check  ICE checks: pairs, STUN in and out, nomination, consent, timers ========= */
/* depends on: >>ice.  entry points: none yet (the peer drives it). */

/* --- pairs ------------------------------------------------------------------------------------ */

KVS_PRIVATE uint64_t kvs__ice_pair_prio(const kvs__ice *a, const kvs__ice_cand *l,
                                        const kvs__ice_cand *r) {
    uint64_t g = a->cfg.controlling ? l->priority : r->priority;
    uint64_t d = a->cfg.controlling ? r->priority : l->priority;
    return (KVS__MIN(g, d) << 32) + 2 * KVS__MAX(g, d) + (g > d ? 1 : 0);
}

KVS_PRIVATE int kvs__ice_pair_find(const kvs__ice *a, int li, int ri) {
    int i;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++)
        if (a->pairs[i].used && a->pairs[i].local == li && a->pairs[i].remote == ri)
            return i;
    return -1;
}

KVS_PRIVATE void kvs__ice_pair_up(kvs__ice *a, int li, int ri) {
    const kvs__ice_cand *l = &a->local[li], *r = &a->remote[ri];
    kvs__ice_pair *p = NULL;
    uint64_t prio;
    int i;
    if (r->unresolved || l->addr.family != r->addr.family || kvs__ice_pair_find(a, li, ri) >= 0 ||
        (l->type != KVS__ICE_HOST && l->type != KVS__ICE_RELAY) ||
        (a->cfg.relay_only && l->type != KVS__ICE_RELAY))
        return;
    prio = kvs__ice_pair_prio(a, l, r);
    for (i = 0; i < KVS_ICE_MAX_PAIRS && a->pairs[i].used; i++)
        ;
    if (i < KVS_ICE_MAX_PAIRS) {
        p = &a->pairs[i];
    } else {
        /* full: replace the lowest-priority waiting pair if this one is better */
        int low = -1;
        for (i = 0; i < KVS_ICE_MAX_PAIRS; i++)
            if (a->pairs[i].state == KVS__ICE_P_WAITING && !a->pairs[i].triggered &&
                i != a->selected && (low < 0 || a->pairs[i].prio < a->pairs[low].prio))
                low = i;
        if (low < 0 || a->pairs[low].prio > prio)
            return;
        p = &a->pairs[low];
    }
    KVS_MEMSET(p, 0, sizeof *p);
    p->used = 1;
    p->local = (uint8_t)li;
    p->remote = (uint8_t)ri;
    p->prio = prio;
    p->state = KVS__ICE_P_WAITING;
    p->txn.next = KVS_TIME_NEVER;
    if (l->type == KVS__ICE_RELAY)
        (void)kvs__turn_permit(&a->turn[l->sock], &r->addr, a->now);
    if (a->next_check == KVS_TIME_NEVER)
        a->next_check = 0; /* checks may start at once */
}

/* Add a remote candidate (trickled or from the description). Duplicates of an address update a
   peer-reflexive entry's type and priority. KVS_ERR_LIMIT when the table is full. */
KVS_PRIVATE kvs_result kvs__ice_add_remote(kvs__ice *a, const kvs__ice_cand *c) {
    int i, l;
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES; i++) {
        kvs__ice_cand *r = &a->remote[i];
        if (r->used && !r->unresolved && !c->unresolved &&
            kvs__util_addr_equal(&r->addr, &c->addr)) {
            if (r->type == KVS__ICE_PRFLX) {
                r->type = c->type;
                r->priority = c->priority;
                KVS_MEMCPY(r->foundation, c->foundation, sizeof r->foundation);
            }
            return KVS_OK;
        }
    }
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES && a->remote[i].used; i++)
        ;
    if (i == KVS_ICE_MAX_CANDIDATES)
        return KVS_ERR_LIMIT;
    a->remote[i] = *c;
    a->remote[i].used = 1;
    for (l = 0; l < KVS_ICE_MAX_CANDIDATES; l++)
        if (a->local[l].used)
            kvs__ice_pair_up(a, l, i);
    return KVS_OK;
}

/* The remote side's ufrag and password (from its description; again after its ICE restart). */
KVS_PRIVATE kvs_result kvs__ice_set_remote(kvs__ice *a, const char *ufrag, size_t un,
                                           const char *pwd, size_t pn) {
    if (un == 0 || un > 256 || pn == 0 || pn > 256)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMCPY(a->rufrag, ufrag, un);
    a->rufrag[un] = 0;
    a->rufrag_len = un;
    KVS_MEMCPY(a->rpwd, pwd, pn);
    a->rpwd[pn] = 0;
    a->rpwd_len = pn;
    a->have_remote = 1;
    return KVS_OK;
}

/* The remote side signalled end-of-candidates. */
KVS_PRIVATE void kvs__ice_remote_done(kvs__ice *a) {
    a->remote_done = 1;
}

/* ICE restart: new local credentials; the remote side's credentials, candidates and every pair
   are forgotten (the caller signals the new credentials and sets the remote ones when they come);
   gathered candidates and TURN allocations stay. */
KVS_PRIVATE kvs_result kvs__ice_restart(kvs__ice *a) {
    int i;
    kvs_result r = kvs__ice_new_credentials(a);
    KVS_MEMSET(a->remote, 0, sizeof a->remote);
    KVS_MEMSET(a->pairs, 0, sizeof a->pairs);
    a->have_remote = a->remote_done = 0;
    a->selected = -1;
    a->nresp = 0;
    a->first_valid = 0;
    a->consent_next = KVS_TIME_NEVER;
    a->consent.next = KVS_TIME_NEVER;
    a->next_check = KVS_TIME_NEVER;
    a->st.checking_at = a->st.connected_at = 0;
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES; i++)
        if (a->local[i].type == KVS__ICE_PRFLX)
            a->local[i].used = 0;
    a->state = KVS__ICE_NEW;
    if (a->cb.state)
        a->cb.state(a->cb.ctx, KVS__ICE_NEW);
    return r;
}

/* Close: TURN allocations are released (their Refresh goes out through kvs__ice_output). */
KVS_PRIVATE void kvs__ice_close(kvs__ice *a, kvs_time now) {
    int i;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++)
        if (a->turn_used[i])
            kvs__turn_close(&a->turn[i], now);
    a->selected = -1;
    kvs__ice_set_state(a, KVS__ICE_CLOSED);
}

/* --- building and routing STUN messages --------------------------------------------------------- */

/* The route of a packet from local candidate li to addr; relayed packets are wrapped for the
   TURN server into out. Returns the bytes to send (in out) or KVS_ERR_*. */
KVS_PRIVATE kvs_result kvs__ice_route_to(kvs__ice *a, int li, const kvs_addr *to, const uint8_t *p,
                                         size_t n, uint8_t *out, size_t cap, kvs__ice_route *r,
                                         size_t *len) {
    const kvs__ice_cand *l = &a->local[li];
    if (l->type != KVS__ICE_RELAY) {
        if (n > cap)
            return KVS_ERR_BUFFER_TOO_SMALL;
        if (out != p)
            KVS_MEMMOVE(out, p, n);
        r->kind = KVS__ICE_ROUTE_UDP;
        r->sock = l->sock;
        r->to = *to;
        *len = n;
        return KVS_OK;
    }
    {
        kvs__turn *t = &a->turn[l->sock];
        kvs_result res;
        (void)kvs__turn_permit(t, to, a->now);
        if (a->tls_on[l->sock]) {
            size_t k;
            res = kvs__turn_wrap(t, to, p, n, a->tls_buf, sizeof a->tls_buf, &k);
            if (res == KVS_OK)
                res = kvs__tls_write(&a->tls[l->sock], a->tls_buf, k, &k);
            if (res == KVS_OK)
                res = kvs__tls_output(&a->tls[l->sock], out, cap, len);
            if (res != KVS_OK)
                return res;
            r->kind = KVS__ICE_ROUTE_STREAM;
            r->sock = l->sock;
            r->to = t->server;
            return KVS_OK;
        }
        res = kvs__turn_wrap(t, to, p, n, out, cap, len);
        if (res != KVS_OK)
            return res;
        r->kind = t->transport == KVS__TURN_UDP ? KVS__ICE_ROUTE_UDP : KVS__ICE_ROUTE_STREAM;
        r->sock = t->transport == KVS__TURN_UDP ? a->turn_sock[l->sock] : l->sock;
        r->to = t->server;
        return KVS_OK;
    }
}

/* A Binding request on pair pi (a check, a nomination, or a consent check). */
KVS_PRIVATE kvs_result kvs__ice_build_check(kvs__ice *a, int pi, const uint8_t txid[12],
                                            int use_cand, uint8_t *buf, size_t cap,
                                            kvs__ice_route *r, size_t *len) {
    const kvs__ice_pair *p = &a->pairs[pi];
    const kvs__ice_cand *l = &a->local[p->local];
    kvs__wr w;
    size_t n;
    kvs_result res;
    kvs__wr_init(&w, a->scratch, sizeof a->scratch);
    kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, txid);
    kvs__wr_u16(&w, KVS__STUN_A_USERNAME);
    kvs__wr_u16(&w, (uint16_t)(a->rufrag_len + 1 + 8));
    kvs__wr_bytes(&w, a->rufrag, a->rufrag_len);
    kvs__wr_u8(&w, ':');
    kvs__wr_bytes(&w, a->lufrag, 8);
    kvs__wr_fill(&w, 0, (4u - ((a->rufrag_len + 9) & 3u)) & 3u);
    kvs__stun_fix_len(&w);
    kvs__stun_put_u32(&w, KVS__STUN_A_PRIORITY, (110u << 24) | (l->priority & 0xffffffu));
    kvs__stun_put_u64(&w,
                      a->cfg.controlling ? KVS__STUN_A_ICE_CONTROLLING : KVS__STUN_A_ICE_CONTROLLED,
                      a->tiebreaker);
    if (use_cand)
        kvs__stun_put(&w, KVS__STUN_A_USE_CANDIDATE, NULL, 0);
    kvs__stun_put_integrity(&w, a->rpwd, a->rpwd_len);
    kvs__stun_put_fingerprint(&w);
    res = kvs__wr_result(&w, &n);
    if (res != KVS_OK)
        return res;
    return kvs__ice_route_to(a, p->local, &a->remote[p->remote].addr, a->scratch, n, buf, cap, r,
                             len);
}

/* A queued answer to a Binding request. */
KVS_PRIVATE kvs_result kvs__ice_build_resp(kvs__ice *a, const kvs__ice_resp *q, uint8_t *buf,
                                           size_t cap, kvs__ice_route *r, size_t *len) {
    kvs__wr w;
    size_t n;
    kvs_result res;
    kvs__wr_init(&w, a->scratch, sizeof a->scratch);
    kvs__stun_begin(&w, KVS__STUN_BINDING, q->error ? KVS__STUN_ERROR : KVS__STUN_SUCCESS, q->txid);
    if (q->error)
        kvs__stun_put_error(&w, q->error,
                            q->error == 487   ? "Role Conflict"
                            : q->error == 420 ? "Unknown Attribute"
                                              : "Unauthorized");
    if (q->error == 420)
        kvs__stun_put(&w, KVS__STUN_A_UNKNOWN_ATTRIBUTES, q->unknown, 2u * (size_t)q->nunknown);
    else if (!q->error)
        kvs__stun_put_addr(&w, KVS__STUN_A_XOR_MAPPED_ADDRESS, &q->mapped);
    if (q->error != 401)
        kvs__stun_put_integrity(&w, a->lpwd, 24);
    kvs__stun_put_fingerprint(&w);
    res = kvs__wr_result(&w, &n);
    if (res != KVS_OK)
        return res;
    if (q->relay) {
        int li;
        for (li = 0; li < KVS_ICE_MAX_CANDIDATES; li++)
            if (a->local[li].used && a->local[li].type == KVS__ICE_RELAY &&
                a->local[li].sock == q->relay - 1)
                return kvs__ice_route_to(a, li, &q->mapped, a->scratch, n, buf, cap, r, len);
        return KVS_ERR_NOT_FOUND;
    }
    if (n > cap)
        return KVS_ERR_BUFFER_TOO_SMALL;
    KVS_MEMCPY(buf, a->scratch, n);
    *r = q->route;
    *len = n;
    return KVS_OK;
}

/* --- selection ---------------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__ice_select(kvs__ice *a, int pi) {
    uint32_t r = 0;
    kvs__ice_pair *p = &a->pairs[pi];
    p->nominated = 1;
    if (a->selected >= 0 && a->selected != pi && a->pairs[a->selected].prio >= p->prio)
        return;
    a->selected = pi;
    a->consent_rx = a->now;
    (void)kvs__crypto_random_below(a->rng, (uint32_t)KVS__ICE_CONSENT_SPAN, &r);
    a->consent_next = a->now + KVS__ICE_CONSENT_MIN + r;
    KVS__LOG_INFO(a->log, ICE_CONNECTED);
    kvs__ice_set_state(a, KVS__ICE_CONNECTED);
}

/* A check on pair pi succeeded. */
KVS_PRIVATE void kvs__ice_pair_ok(kvs__ice *a, int pi) {
    kvs__ice_pair *p = &a->pairs[pi];
    p->state = KVS__ICE_P_SUCCEEDED;
    p->txn.next = KVS_TIME_NEVER;
    if (!p->valid) {
        p->valid = 1;
        p->valid_at = a->now;
        if (!a->first_valid)
            a->first_valid = a->now;
    }
    if ((a->cfg.controlling && p->nominating) || (!a->cfg.controlling && p->use_cand_seen))
        kvs__ice_select(a, pi);
}

/* Queue a triggered check of pair pi (RFC 8445 7.3.1.4). */
KVS_PRIVATE void kvs__ice_trigger(kvs__ice *a, int pi) {
    kvs__ice_pair *p = &a->pairs[pi];
    if (p->state == KVS__ICE_P_SUCCEEDED || (p->state == KVS__ICE_P_WAITING && p->triggered))
        return;
    if (p->state == KVS__ICE_P_PROGRESS) {
        /* the check in flight may have been lost before the peer could answer it (its TURN
           permission did not exist yet): cancel it - its answer is still taken - and check again
           now (RFC 8445 7.3.1.4) */
        KVS_MEMCPY(p->old_txid, p->txn.txid, 12);
        p->old_valid = 1;
    }
    p->state = KVS__ICE_P_WAITING;
    p->triggered = 1;
    if (a->next_check == KVS_TIME_NEVER)
        a->next_check = a->now;
}

/* --- STUN in ------------------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__ice_queue_resp(kvs__ice *a, int li, const kvs_addr *from,
                                     const uint8_t txid[12], int error) {
    kvs__ice_resp *q;
    if (a->nresp == KVS__ICE_RESPONSES) {
        a->st.dropped++;
        return;
    }
    q = &a->resp[a->nresp++];
    KVS_MEMSET(q, 0, sizeof *q);
    KVS_MEMCPY(q->txid, txid, 12);
    q->mapped = *from;
    q->error = error;
    if (a->local[li].type == KVS__ICE_RELAY) {
        q->relay = (uint8_t)(a->local[li].sock + 1);
    } else {
        q->route.kind = KVS__ICE_ROUTE_UDP;
        q->route.sock = a->local[li].sock;
        q->route.to = *from;
    }
}

/* Switch roles (after a role conflict): pair priorities change with the role. */
KVS_PRIVATE void kvs__ice_switch_role(kvs__ice *a) {
    int i;
    a->cfg.controlling = !a->cfg.controlling;
    a->st.role_conflicts++;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++)
        if (a->pairs[i].used)
            a->pairs[i].prio =
                kvs__ice_pair_prio(a, &a->local[a->pairs[i].local], &a->remote[a->pairs[i].remote]);
}

/* A Binding request from the peer, received on local candidate li from `from`. */
KVS_PRIVATE void kvs__ice_on_request(kvs__ice *a, int li, const kvs_addr *from,
                                     const kvs__stun_msg *m) {
    size_t un;
    const uint8_t *user = kvs__stun_get(m, KVS__STUN_A_USERNAME, &un);
    uint64_t theirs;
    uint32_t prio = 0;
    int ri, pi;
    a->st.checks_received++;
    if (m->nunknown) {
        /* comprehension-required attributes we do not know: 420 with their list */
        int k, before = a->nresp;
        kvs__ice_queue_resp(a, li, from, m->txid, 420);
        if (a->nresp > before) {
            for (k = 0; k < m->nunknown; k++)
                kvs__put_u16(a->resp[before].unknown + 2 * k, m->unknown[k]);
            a->resp[before].nunknown = m->nunknown;
        }
        return;
    }
    if (!user || un < 10 || KVS_MEMCMP(user, a->lufrag, 8) != 0 || user[8] != ':' ||
        kvs__stun_check_integrity(m, a->lpwd, 24) != KVS_OK) {
        if (m->mi >= 0)
            kvs__ice_queue_resp(a, li, from, m->txid, 401);
        a->st.dropped++;
        return;
    }
    /* role conflict (RFC 8445 7.3.1.1) */
    if (a->cfg.controlling &&
        kvs__stun_get_u64(m, KVS__STUN_A_ICE_CONTROLLING, &theirs) == KVS_OK) {
        if (a->tiebreaker >= theirs) {
            kvs__ice_queue_resp(a, li, from, m->txid, 487);
            return;
        }
        kvs__ice_switch_role(a);
    } else if (!a->cfg.controlling &&
               kvs__stun_get_u64(m, KVS__STUN_A_ICE_CONTROLLED, &theirs) == KVS_OK) {
        if (a->tiebreaker < theirs) {
            kvs__ice_queue_resp(a, li, from, m->txid, 487);
            return;
        }
        kvs__ice_switch_role(a);
    }
    kvs__ice_queue_resp(a, li, from, m->txid, 0);
    if (a->state == KVS__ICE_CLOSED)
        return;
    /* the remote candidate: known, or peer-reflexive */
    for (ri = 0; ri < KVS_ICE_MAX_CANDIDATES; ri++)
        if (a->remote[ri].used && !a->remote[ri].unresolved &&
            kvs__util_addr_equal(&a->remote[ri].addr, from))
            break;
    if (ri == KVS_ICE_MAX_CANDIDATES) {
        kvs__ice_cand c;
        (void)kvs__stun_get_u32(m, KVS__STUN_A_PRIORITY, &prio);
        KVS_MEMSET(&c, 0, sizeof c);
        c.type = KVS__ICE_PRFLX;
        c.addr = *from;
        c.priority = prio ? prio : kvs__ice_priority(KVS__ICE_PRFLX, 0);
        kvs__ice_foundation(&c, NULL);
        if (kvs__ice_add_remote(a, &c) != KVS_OK)
            return;
        a->st.prflx_remote++;
        for (ri = 0; ri < KVS_ICE_MAX_CANDIDATES; ri++)
            if (a->remote[ri].used && kvs__util_addr_equal(&a->remote[ri].addr, from))
                break;
        if (ri == KVS_ICE_MAX_CANDIDATES)
            return;
    }
    pi = kvs__ice_pair_find(a, li, ri);
    if (pi < 0) {
        kvs__ice_pair_up(a, li, ri);
        pi = kvs__ice_pair_find(a, li, ri);
        if (pi < 0)
            return;
    }
    if (!a->cfg.controlling && kvs__stun_has(m, KVS__STUN_A_USE_CANDIDATE)) {
        a->pairs[pi].use_cand_seen = 1;
        if (a->pairs[pi].valid)
            kvs__ice_select(a, pi);
    }
    if (a->have_remote)
        kvs__ice_trigger(a, pi);
    else
        a->pairs[pi].triggered = 1; /* checked once the remote credentials arrive */
}

/* A response to a check, a nomination or a consent check, received on local li from `from`. */
KVS_PRIVATE void kvs__ice_on_response(kvs__ice *a, int li, const kvs_addr *from,
                                      const kvs__stun_msg *m) {
    int pi, code = 0;
    kvs__ice_pair *p;
    if (kvs__stun_check_integrity(m, a->rpwd, a->rpwd_len) != KVS_OK) {
        a->st.dropped++;
        return;
    }
    if (a->selected >= 0 && kvs__stun_txn_match(&a->consent, m)) {
        a->consent.next = KVS_TIME_NEVER;
        if (m->cls == KVS__STUN_SUCCESS) {
            a->consent_rx = a->now;
            if (a->state == KVS__ICE_DISCONNECTED)
                kvs__ice_set_state(a, KVS__ICE_CONNECTED);
        }
        return;
    }
    for (pi = 0; pi < KVS_ICE_MAX_PAIRS; pi++)
        if (a->pairs[pi].used &&
            ((a->pairs[pi].state == KVS__ICE_P_PROGRESS && kvs__stun_txn_match(&a->pairs[pi].txn, m)) ||
             (a->pairs[pi].state != KVS__ICE_P_SUCCEEDED && a->pairs[pi].old_valid &&
              KVS_MEMCMP(a->pairs[pi].old_txid, m->txid, 12) == 0)))
            break;
    if (pi == KVS_ICE_MAX_PAIRS) {
        a->st.dropped++;
        return;
    }
    p = &a->pairs[pi];
    p->txn.next = KVS_TIME_NEVER;
    if (m->cls == KVS__STUN_ERROR) {
        const char *r;
        size_t rl;
        (void)kvs__stun_get_error(m, &code, &r, &rl);
        if (code == 487) {
            kvs__ice_switch_role(a);
            p->state = KVS__ICE_P_WAITING;
            p->nominating = 0;
            kvs__ice_trigger(a, pi);
            return;
        }
        p->state = KVS__ICE_P_FAILED;
        return;
    }
    /* the answer must come from where the check went, on the candidate it left from */
    if (p->local != li || !kvs__util_addr_equal(from, &a->remote[p->remote].addr)) {
        p->state = KVS__ICE_P_FAILED;
        return;
    }
    {
        kvs_addr mapped;
        int k;
        if (kvs__stun_get_addr(m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped) == KVS_OK &&
            a->local[li].type == KVS__ICE_HOST) {
            for (k = 0; k < KVS_ICE_MAX_CANDIDATES; k++)
                if (a->local[k].used && kvs__util_addr_equal(&a->local[k].addr, &mapped))
                    break;
            if (k == KVS_ICE_MAX_CANDIDATES) {
                /* a peer-reflexive local candidate: the same base, the pair stays this one */
                kvs__ice_cand c;
                KVS_MEMSET(&c, 0, sizeof c);
                c.type = KVS__ICE_PRFLX;
                c.addr = mapped;
                c.base = a->local[li].base;
                c.sock = a->local[li].sock;
                c.priority = kvs__ice_priority(KVS__ICE_PRFLX, a->local[li].priority >> 8);
                kvs__ice_foundation(&c, NULL);
                if (kvs__ice_local_add(a, &c) >= 0)
                    a->st.prflx_local++;
            }
        }
    }
    kvs__ice_pair_ok(a, pi);
}

/* STUN from the peer on local candidate li. */
KVS_PRIVATE void kvs__ice_on_stun(kvs__ice *a, int li, const kvs_addr *from, const uint8_t *p,
                                  size_t n) {
    kvs__stun_msg m;
    if (kvs__stun_parse(p, n, &m) != KVS_OK || kvs__stun_check_fingerprint(&m) != KVS_OK ||
        m.method != KVS__STUN_BINDING) {
        a->st.dropped++;
        return;
    }
    if (m.cls == KVS__STUN_REQUEST)
        kvs__ice_on_request(a, li, from, &m);
    else if (m.cls == KVS__STUN_SUCCESS || m.cls == KVS__STUN_ERROR)
        kvs__ice_on_response(a, li, from, &m);
    /* indications (keepalives) need nothing */
}

/* Non-STUN data: to the layer above when it comes from the remote side of a valid pair. */
KVS_PRIVATE void kvs__ice_on_data(kvs__ice *a, int li, const kvs_addr *from, const uint8_t *p,
                                  size_t n) {
    int i;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++) {
        const kvs__ice_pair *q = &a->pairs[i];
        if (q->used && q->valid && q->local == li &&
            kvs__util_addr_equal(&a->remote[q->remote].addr, from)) {
            if (a->cb.data)
                a->cb.data(a->cb.ctx, p, n);
            return;
        }
    }
    a->st.dropped++;
}

/* The TURN allocation being fed (set around kvs__turn_input calls). */
KVS_PRIVATE void kvs__ice_turn_data(void *ctx, const kvs_addr *peer, const uint8_t *p, size_t n) {
    kvs__ice *a = (kvs__ice *)ctx;
    int li;
    for (li = 0; li < KVS_ICE_MAX_CANDIDATES; li++)
        if (a->local[li].used && a->local[li].type == KVS__ICE_RELAY &&
            a->local[li].sock == a->cur_turn)
            break;
    if (li == KVS_ICE_MAX_CANDIDATES) {
        a->st.dropped++;
        return;
    }
    if (kvs__stun_is(p, n))
        kvs__ice_on_stun(a, li, peer, p, n);
    else
        kvs__ice_on_data(a, li, peer, p, n);
}

/* A datagram received on host socket sock from `from`. */
KVS_PRIVATE void kvs__ice_input(kvs__ice *a, int sock, const kvs_addr *from, const uint8_t *p,
                                size_t n, kvs_time now) {
    int i, li;
    a->now = now;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        if (a->turn_used[i] && a->turn[i].transport == KVS__TURN_UDP && a->turn_sock[i] == sock &&
            kvs__util_addr_equal(&a->turn[i].server, from)) {
            a->cur_turn = (uint8_t)i;
            kvs__turn_input(&a->turn[i], p, n, now);
            return;
        }
        if (a->stun[i].used && !a->stun[i].done && a->stun[i].sock == sock &&
            kvs__util_addr_equal(&a->stun[i].addr, from)) {
            kvs__stun_msg m;
            kvs_addr mapped;
            if (kvs__stun_parse(p, n, &m) == KVS_OK && kvs__stun_txn_match(&a->stun[i].txn, &m)) {
                a->stun[i].done = 1;
                a->stun[i].txn.next = KVS_TIME_NEVER;
                if (m.cls == KVS__STUN_SUCCESS &&
                    kvs__stun_get_addr(&m, KVS__STUN_A_XOR_MAPPED_ADDRESS, &mapped) == KVS_OK) {
                    for (li = 0; li < KVS_ICE_MAX_CANDIDATES; li++)
                        if (a->local[li].used && a->local[li].type == KVS__ICE_HOST &&
                            a->local[li].sock == sock)
                            break;
                    if (li < KVS_ICE_MAX_CANDIDATES &&
                        !kvs__util_addr_equal(&mapped, &a->local[li].addr)) {
                        kvs__ice_cand c;
                        int k;
                        KVS_MEMSET(&c, 0, sizeof c);
                        c.type = KVS__ICE_SRFLX;
                        c.addr = mapped;
                        c.base = c.related = a->local[li].addr;
                        c.sock = (uint8_t)sock;
                        c.priority = kvs__ice_priority(KVS__ICE_SRFLX, a->local[li].priority >> 8);
                        kvs__ice_foundation(&c, &a->stun[i].addr);
                        k = kvs__ice_local_add(a, &c);
                        if (k >= 0)
                            kvs__ice_signal(a, k);
                    }
                }
                kvs__ice_check_gathering(a);
                return;
            }
        }
    }
    for (li = 0; li < KVS_ICE_MAX_CANDIDATES; li++)
        if (a->local[li].used && a->local[li].type == KVS__ICE_HOST && a->local[li].sock == sock)
            break;
    if (li == KVS_ICE_MAX_CANDIDATES) {
        a->st.dropped++;
        return;
    }
    if (kvs__stun_is(p, n))
        kvs__ice_on_stun(a, li, from, p, n);
    else
        kvs__ice_on_data(a, li, from, p, n);
}

/* Bytes from the TCP / TLS stream of TURN server `server` (its index). */
KVS_PRIVATE void kvs__ice_stream_input(kvs__ice *a, int server, const uint8_t *p, size_t n,
                                       kvs_time now) {
    a->now = now;
    if (server < 0 || server >= KVS_ICE_MAX_SERVERS || !a->turn_used[server])
        return;
    a->cur_turn = (uint8_t)server;
    if (!a->tls_on[server]) {
        kvs__turn_stream_input(&a->turn[server], p, n, now);
        return;
    }
    /* turns: ciphertext in, the plaintext the TLS client gives out to the TURN client */
    for (;;) {
        size_t used = 0, len;
        kvs_result r = n ? kvs__tls_input(&a->tls[server], p, n, &used) : KVS_ERR_AGAIN;
        int got = 0;
        p += used;
        n -= used;
        while (kvs__tls_read(&a->tls[server], a->tls_buf, sizeof a->tls_buf, &len) == KVS_OK && len) {
            kvs__turn_stream_input(&a->turn[server], a->tls_buf, len, now);
            got = 1;
        }
        if (r != KVS_OK && r != KVS_ERR_AGAIN) {
            /* the TLS connection failed (certificate refused, alert): so did the allocation */
            kvs__turn_set_state(&a->turn[server], KVS__TURN_FAILED, r);
            return;
        }
        if (!n || (!used && !got))
            return;
    }
}

/* --- output and timers ---------------------------------------------------------------------------- */

/* The check to send now (paced by Ta): a triggered one first, then the highest-priority pair
   whose retransmission is due, then the highest-priority waiting pair. -1 when none. */
KVS_PRIVATE int kvs__ice_next_pair(kvs__ice *a, kvs_time now) {
    int i, best = -1, kind = 3;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++) {
        const kvs__ice_pair *p = &a->pairs[i];
        int k;
        if (!p->used)
            continue;
        if (p->state == KVS__ICE_P_WAITING && p->triggered)
            k = 0;
        else if (p->state == KVS__ICE_P_PROGRESS && now >= p->txn.next)
            k = 1;
        else if (p->state == KVS__ICE_P_WAITING)
            k = 2;
        else
            continue;
        if (k < kind || (k == kind && p->prio > a->pairs[best].prio)) {
            best = i;
            kind = k;
        }
    }
    return best;
}

/* A nomination waiting to be sent (it is not paced), or -1. */
KVS_PRIVATE int kvs__ice_nomination_due(const kvs__ice *a) {
    int i;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++)
        if (a->pairs[i].used && a->pairs[i].nominating && a->pairs[i].state == KVS__ICE_P_WAITING)
            return i;
    return -1;
}

/* The controlling side nominates: the best valid pair once no better pair is being checked, or
   once it waited KVS__ICE_NOMINATE_WAIT. */
KVS_PRIVATE void kvs__ice_nominate(kvs__ice *a, kvs_time now) {
    int i, best = -1, better_pending = 0;
    if (!a->cfg.controlling || !a->first_valid)
        return;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++) {
        const kvs__ice_pair *p = &a->pairs[i];
        if (p->used && (p->nominating || p->nominated))
            return; /* one nomination at a time */
        if (p->used && p->valid && (best < 0 || p->prio > a->pairs[best].prio))
            best = i;
    }
    if (best < 0)
        return;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++) {
        const kvs__ice_pair *p = &a->pairs[i];
        if (p->used && p->prio > a->pairs[best].prio &&
            (p->state == KVS__ICE_P_WAITING || p->state == KVS__ICE_P_PROGRESS))
            better_pending = 1;
    }
    if (better_pending && now < a->first_valid + KVS__ICE_NOMINATE_WAIT)
        return;
    a->pairs[best].nominating = 1;
    a->pairs[best].state = KVS__ICE_P_WAITING;
    kvs__ice_trigger(a, best);
}

/* Overall state: failure, completion, consent. */
KVS_PRIVATE void kvs__ice_update(kvs__ice *a, kvs_time now) {
    int i, pending = 0, valid = 0;
    if (a->state == KVS__ICE_CLOSED || a->state == KVS__ICE_FAILED)
        return;
    for (i = 0; i < KVS_ICE_MAX_PAIRS; i++) {
        const kvs__ice_pair *p = &a->pairs[i];
        if (!p->used)
            continue;
        pending += p->state == KVS__ICE_P_WAITING || p->state == KVS__ICE_P_PROGRESS;
        valid += p->valid;
    }
    if (a->selected < 0) {
        if (a->state == KVS__ICE_CHECKING &&
            ((!valid && !pending && a->remote_done && a->gathering_done) ||
             now >= a->st.checking_at + a->cfg.timeout)) {
            KVS__LOG_WARN(a->log, ICE_FAILED);
            kvs__ice_set_state(a, KVS__ICE_FAILED);
        }
        return;
    }
    if (now >= a->consent_rx + KVS__ICE_CONSENT_LOST) {
        KVS__LOG_WARN(a->log, ICE_CONSENT_LOST);
        a->selected = -1;
        kvs__ice_set_state(a, KVS__ICE_FAILED);
        return;
    }
    if (now >= a->consent_rx + KVS__ICE_DISCONNECTED_AFTER) {
        kvs__ice_set_state(a, KVS__ICE_DISCONNECTED);
        return;
    }
    if (a->state == KVS__ICE_CONNECTED && a->remote_done && !pending)
        kvs__ice_set_state(a, KVS__ICE_COMPLETED);
}

/* The next datagram or stream bytes to send, and where (*r). KVS_ERR_AGAIN when nothing is due
   now (kvs__ice_deadline says when). */
KVS_PRIVATE kvs_result kvs__ice_output(kvs__ice *a, kvs__ice_route *r, uint8_t *buf, size_t cap,
                                       size_t *len, kvs_time now) {
    int i;
    kvs_result res;
    a->now = now;
    *len = 0;
    /* answers first */
    while (a->nresp) {
        kvs__ice_resp q = a->resp[0];
        a->nresp--;
        KVS_MEMMOVE(a->resp, a->resp + 1, sizeof a->resp[0] * (size_t)a->nresp);
        res = kvs__ice_build_resp(a, &q, buf, cap, r, len);
        if (res == KVS_OK) {
            a->st.responses_sent++;
            return KVS_OK;
        }
    }
    /* TURN requests */
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        kvs__turn *t = &a->turn[i];
        if (!a->turn_used[i])
            continue;
        a->cur_turn = (uint8_t)i;
        kvs__turn_timeout(t, now);
        if (a->tls_on[i]) {
            /* turns: the TLS client's records first (handshake, alerts); TURN once it is open */
            size_t k;
            if (kvs__tls_output(&a->tls[i], buf, cap, len) == KVS_OK && *len) {
                r->kind = KVS__ICE_ROUTE_STREAM;
                r->sock = i;
                r->to = t->server;
                return KVS_OK;
            }
            if (a->tls[i].state != KVS__TLS_ST_OPEN ||
                kvs__turn_output(t, a->tls_buf, sizeof a->tls_buf, &k, now) != KVS_OK)
                continue;
            (void)kvs__tls_write(&a->tls[i], a->tls_buf, k, &k);
            if (kvs__tls_output(&a->tls[i], buf, cap, len) == KVS_OK && *len) {
                r->kind = KVS__ICE_ROUTE_STREAM;
                r->sock = i;
                r->to = t->server;
                return KVS_OK;
            }
            continue;
        }
        if (kvs__turn_output(t, buf, cap, len, now) == KVS_OK) {
            r->kind = t->transport == KVS__TURN_UDP ? KVS__ICE_ROUTE_UDP : KVS__ICE_ROUTE_STREAM;
            r->sock = t->transport == KVS__TURN_UDP ? a->turn_sock[i] : i;
            r->to = t->server;
            return KVS_OK;
        }
    }
    kvs__ice_check_gathering(a);
    /* STUN servers */
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        kvs__ice_server *s = &a->stun[i];
        kvs__wr w;
        if (!s->used || s->done || now < s->txn.next)
            continue;
        if (!kvs__stun_txn_due(&s->txn, now)) {
            s->done = 1;
            kvs__ice_check_gathering(a);
            continue;
        }
        kvs__wr_init(&w, buf, cap);
        kvs__stun_begin(&w, KVS__STUN_BINDING, KVS__STUN_REQUEST, s->txn.txid);
        kvs__stun_put_fingerprint(&w);
        res = kvs__wr_result(&w, len);
        if (res != KVS_OK)
            return res;
        r->kind = KVS__ICE_ROUTE_UDP;
        r->sock = s->sock;
        r->to = s->addr;
        return KVS_OK;
    }
    if (!a->have_remote || a->state == KVS__ICE_CLOSED || a->state == KVS__ICE_FAILED)
        return KVS_ERR_AGAIN;
    kvs__ice_update(a, now);
    /* consent freshness on the selected pair */
    if (a->selected >= 0 && now >= a->consent_next) {
        uint32_t rnd = 0;
        (void)kvs__crypto_random_below(a->rng, (uint32_t)KVS__ICE_CONSENT_SPAN, &rnd);
        a->consent_next = now + KVS__ICE_CONSENT_MIN + rnd;
        if (kvs__stun_txn_start(&a->consent, a->rng, 0, now) == KVS_OK) {
            a->consent.next = now + KVS__ICE_CONSENT_LOST;
            return kvs__ice_build_check(a, a->selected, a->consent.txid, 0, buf, cap, r, len);
        }
    }
    /* checks, paced; a nomination goes at once (it follows a check that just succeeded) */
    kvs__ice_nominate(a, now);
    if ((a->next_check != KVS_TIME_NEVER && now >= a->next_check) ||
        kvs__ice_nomination_due(a) >= 0) {
        int pi = kvs__ice_nomination_due(a), k;
        kvs__ice_pair *p;
        if (pi < 0)
            pi = kvs__ice_next_pair(a, now);
        if (pi < 0) {
            /* nothing to send now; stop pacing only when no check is in flight either */
            for (k = 0; k < KVS_ICE_MAX_PAIRS; k++)
                if (a->pairs[k].used && a->pairs[k].state == KVS__ICE_P_PROGRESS)
                    return KVS_ERR_AGAIN;
            a->next_check = KVS_TIME_NEVER;
            return KVS_ERR_AGAIN;
        }
        p = &a->pairs[pi];
        if (p->state == KVS__ICE_P_PROGRESS) {
            if (!kvs__stun_txn_due(&p->txn, now)) {
                p->state = KVS__ICE_P_FAILED;
                p->nominating = 0;
                kvs__ice_update(a, now);
                return KVS_ERR_AGAIN;
            }
            a->st.retransmissions++;
        } else {
            int reliable = 0;
            if (kvs__stun_txn_start(&p->txn, a->rng, reliable, now) != KVS_OK)
                return KVS_ERR_CRYPTO;
            (void)kvs__stun_txn_due(&p->txn, now);
            p->state = KVS__ICE_P_PROGRESS;
            p->triggered = 0;
        }
        if (a->state == KVS__ICE_NEW) {
            a->st.checking_at = now;
            kvs__ice_set_state(a, KVS__ICE_CHECKING);
        }
        a->next_check = now + a->cfg.ta;
        a->st.checks_sent++;
        if (a->selected < 0)
            a->st.packets_before_connected++;
        res = kvs__ice_build_check(a, pi, p->txn.txid, p->nominating, buf, cap, r, len);
        if (res == KVS_ERR_STATE)
            return KVS_ERR_AGAIN; /* relayed, no permission yet: as if lost, retransmitted later */
        return res;
    }
    return KVS_ERR_AGAIN;
}

/* When kvs__ice_output next has something to do. */
KVS_PRIVATE kvs_time kvs__ice_deadline(const kvs__ice *a) {
    kvs_time d = KVS_TIME_NEVER;
    int i;
    if (a->nresp || kvs__ice_nomination_due(a) >= 0)
        return a->now;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++)
        if (a->tls_on[i] && kvs__tls_pending((kvs__tls *)&a->tls[i]))
            return a->now;
    for (i = 0; i < KVS_ICE_MAX_SERVERS; i++) {
        if (a->turn_used[i]) {
            kvs_time t = kvs__turn_deadline(&a->turn[i]);
            if (t < d)
                d = t;
        }
        if (a->stun[i].used && !a->stun[i].done && a->stun[i].txn.next < d)
            d = a->stun[i].txn.next;
    }
    if (!a->have_remote || a->state == KVS__ICE_CLOSED || a->state == KVS__ICE_FAILED)
        return d;
    if (a->next_check != KVS_TIME_NEVER) {
        kvs_time t = a->next_check, soonest = KVS_TIME_NEVER;
        int any = 0;
        for (i = 0; i < KVS_ICE_MAX_PAIRS; i++) {
            const kvs__ice_pair *p = &a->pairs[i];
            if (!p->used)
                continue;
            if (p->state == KVS__ICE_P_WAITING)
                any = 1;
            else if (p->state == KVS__ICE_P_PROGRESS && p->txn.next < soonest)
                soonest = p->txn.next;
        }
        if (!any)
            t = soonest > t ? soonest : t;
        if (t < d)
            d = t;
    }
    if (a->selected >= 0) {
        if (a->consent_next < d)
            d = a->consent_next;
        if (a->consent_rx + KVS__ICE_DISCONNECTED_AFTER < d && a->state != KVS__ICE_DISCONNECTED)
            d = a->consent_rx + KVS__ICE_DISCONNECTED_AFTER;
        if (a->consent_rx + KVS__ICE_CONSENT_LOST < d)
            d = a->consent_rx + KVS__ICE_CONSENT_LOST;
    } else if (a->state == KVS__ICE_CHECKING && a->st.checking_at + a->cfg.timeout < d) {
        d = a->st.checking_at + a->cfg.timeout;
    }
    if (a->cfg.controlling && a->first_valid && a->selected < 0 &&
        a->first_valid + KVS__ICE_NOMINATE_WAIT < d)
        d = a->first_valid + KVS__ICE_NOMINATE_WAIT;
    return d;
}

/* Data of the layer above to the peer through the selected pair (a valid pair before
   nomination completes). KVS_ERR_STATE without one. */
KVS_PRIVATE kvs_result kvs__ice_send(kvs__ice *a, const uint8_t *p, size_t n, kvs__ice_route *r,
                                     uint8_t *buf, size_t cap, size_t *len) {
    int pi = a->selected, i;
    if (pi < 0)
        for (i = 0; i < KVS_ICE_MAX_PAIRS; i++)
            if (a->pairs[i].used && a->pairs[i].valid &&
                (pi < 0 || a->pairs[i].prio > a->pairs[pi].prio))
                pi = i;
    if (pi < 0)
        return KVS_ERR_STATE;
    return kvs__ice_route_to(a, a->pairs[pi].local, &a->remote[a->pairs[pi].remote].addr, p, n, buf,
                             cap, r, len);
}

/* ==== [34] >>sdp  SDP offers and answers (RFC 8866, JSEP RFC 8829): parse, write ============ */
/* depends on: >>prelude (kvs__wr), >>util, >>crypto (fingerprints), >>ice (candidate lines).
   entry points: none yet (the peer drives it).
   Parser (kvs__sdp_parse): one pass over the caller's text, no allocation, no copies: every string
   in kvs__sdp is a view (kvs_str) into that text, which must outlive the result. CRLF and LF line
   ends, empty lines ignored, trailing spaces of a line ignored. Kept: the session level and up to
   KVS_SDP_MAX_MEDIA media sections (m= kind, port, proto, formats), a=group:BUNDLE, a=mid,
   a=bundle-only, a=rtcp-mux / rtcp-mux-only, a=ice-ufrag / ice-pwd / ice-options / ice-lite,
   a=fingerprint (sha-256 only, RFC 8122), a=setup (RFC 8842), a=candidate (>>ice's parser: TCP
   and component 2 lines are ignored, `.local` ones kept unresolved), a=end-of-candidates,
   a=sctp-port / a=max-message-size (RFC 8841) and the legacy a=sctpmap, directions, a=msid.
   For the media issue a section keeps its whole text and counts of its rtpmap / fmtp / rtcp-fb
   / extmap / ssrc / ssrc-group / msid lines; kvs__sdp_attr_next walks any attribute of a section
   without interpreting it. Unknown attributes are ignored. A malformed description gives a
   kvs_result, the 1-based line number (err_line, 0 when the problem is the whole description)
   and a log item (err_item) naming the reason; nothing of it is used.
   The transport (RFC 8843 BUNDLE): the section of the first mid of the BUNDLE group that is not
   rejected (port 0 without a=bundle-only); without a group, the first section with a port. Its
   effective ufrag / pwd / fingerprint / setup / ice-options (media level over session level)
   are resolved into kvs__sdp.tr, which must have them all; only its candidates are kept
   (KVS_SDP_MAX_CANDIDATES, more are counted in cand_dropped).
   Writer (JSEP): a data-channel offer, and an answer to a parsed offer with the same m-lines in
   the same order: the data channel section (UDP/DTLS/SCTP webrtc-datachannel, or the legacy
   DTLS/SCTP + a=sctpmap form when offered so) is accepted when it uses the transport; every
   other section is rejected (port 0, its first format, a=mid, a=inactive). setup:active unless
   the offer is active (then passive); the BUNDLE group lists the accepted mids. CRLF line ends,
   into a caller buffer (KVS_ERR_BUFFER_TOO_SMALL + the size needed).
   Left out: codec negotiation and accepting audio / video (the media issue), several transports
   without BUNDLE, session-level c= / b= / t= semantics (ignored), ICE restart detection (compare
   tr.ufrag between descriptions), a=candidate at session level (ignored).                    */

#ifndef KVS_SDP_MAX_MEDIA
#define KVS_SDP_MAX_MEDIA 8 /* media sections (m= lines) one description may hold */
#endif
#ifndef KVS_SDP_MAX_CANDIDATES
#define KVS_SDP_MAX_CANDIDATES KVS_ICE_MAX_CANDIDATES /* transport candidates kept per parse */
#endif
#ifndef KVS_SDP_LINE_MAX
#define KVS_SDP_LINE_MAX 4096 /* bytes of one line, line end excluded */
#endif
#if KVS_SDP_MAX_MEDIA < 1 || KVS_SDP_MAX_MEDIA > 64
#error "KVS_SDP_MAX_MEDIA must be 1..64"
#endif

/* m= kinds */
#define KVS__SDP_OTHER 0
#define KVS__SDP_AUDIO 1
#define KVS__SDP_VIDEO 2
#define KVS__SDP_APPLICATION 3
/* m= protocols */
#define KVS__SDP_PROTO_OTHER 0
#define KVS__SDP_PROTO_RTP 1        /* UDP/TLS/RTP/SAVPF (or TCP/TLS/RTP/SAVPF) */
#define KVS__SDP_PROTO_SCTP 2       /* UDP/DTLS/SCTP (or TCP/DTLS/SCTP) */
#define KVS__SDP_PROTO_SCTP_LEGACY 3 /* DTLS/SCTP <port> + a=sctpmap (pre RFC 8841) */
/* a=setup */
#define KVS__SDP_SETUP_NONE 0
#define KVS__SDP_SETUP_ACTPASS 1
#define KVS__SDP_SETUP_ACTIVE 2
#define KVS__SDP_SETUP_PASSIVE 3
/* directions (0 = not given: the session's, else sendrecv) */
#define KVS__SDP_SENDRECV 1
#define KVS__SDP_SENDONLY 2
#define KVS__SDP_RECVONLY 3
#define KVS__SDP_INACTIVE 4

#define KVS__SDP_DEFAULT_SCTP_PORT 5000
#define KVS__SDP_DEFAULT_MAX_MESSAGE 65536u    /* RFC 8841 6.1: no attribute means 64 KiB */
#define KVS__SDP_OUR_MAX_MESSAGE 262144u       /* what we announce unless told otherwise */

/* The attributes that may sit at session or media level (media wins). */
typedef struct kvs__sdp_level {
    kvs_str ufrag, pwd;
    uint8_t fingerprint[32];
    uint8_t has_fingerprint;   /* a sha-256 a=fingerprint was parsed into fingerprint */
    uint8_t setup;             /* KVS__SDP_SETUP_* */
    uint8_t dir;               /* KVS__SDP_SENDRECV.., 0 = not given */
    uint8_t has_ice_options, trickle;
    uint8_t end_of_candidates;
    int fp_other_line;         /* line of the first a=fingerprint of another hash, 0 = none */
} kvs__sdp_level;

typedef struct kvs__sdp_media {
    kvs__sdp_level lv;   /* this section's own attributes (not merged with the session's) */
    kvs_str text;        /* the whole section: its m= line up to the next m= line */
    kvs_str media;       /* m= media token ("video") */
    kvs_str proto;       /* m= proto token ("UDP/TLS/RTP/SAVPF") */
    kvs_str fmts;        /* the format list ("96 97 102", "webrtc-datachannel", "5000") */
    kvs_str mid;         /* a=mid value; p == NULL when absent */
    kvs_str msid;        /* the first a=msid value; p == NULL when absent */
    int line;            /* line number of the m= line */
    uint16_t port;       /* 0 = rejected (unless bundle_only) */
    uint16_t nfmts;
    uint8_t kind, proto_id;       /* KVS__SDP_AUDIO.., KVS__SDP_PROTO_* */
    uint8_t dir;                  /* effective direction (media, else session, else sendrecv) */
    uint8_t rtcp_mux, rtcp_mux_only, bundle_only, bundled; /* bundled: its mid is in the group */
    uint8_t has_sctp_port, has_max_message_size;
    uint16_t sctp_port;           /* a=sctp-port, or the legacy fmt / a=sctpmap port */
    uint64_t max_message_size;    /* a=max-message-size (0 = no limit) */
    uint16_t nrtpmap, nfmtp, nrtcp_fb, nextmap, nssrc, nssrc_group, nmsid;
    uint16_t ncand, ncand_ignored; /* usable a=candidate lines; TCP / component 2 ones */
} kvs__sdp_media;

/* The transport the BUNDLE group (or the only section) runs on, levels merged. */
typedef struct kvs__sdp_transport {
    int media;                 /* its section index; -1: no section with a port */
    kvs_str ufrag, pwd;
    uint8_t fingerprint[32];
    uint8_t setup;             /* KVS__SDP_SETUP_*, NONE when absent */
    uint8_t trickle, ice_lite, end_of_candidates;
} kvs__sdp_transport;

typedef struct kvs__sdp {
    const char *text;          /* the parsed text (views point into it) */
    size_t len;
    kvs__sdp_level session;
    uint8_t ice_lite;
    uint8_t has_bundle;        /* an a=group:BUNDLE line was seen */
    int nbundle;
    kvs_str bundle[KVS_SDP_MAX_MEDIA]; /* the BUNDLE group's mids, in order */
    int nmedia;
    kvs__sdp_media media[KVS_SDP_MAX_MEDIA];
    kvs__sdp_transport tr;
    int ncand;                 /* candidates of the transport section kept in cand[] */
    int cand_dropped;          /* ... and those beyond KVS_SDP_MAX_CANDIDATES */
    kvs__ice_cand cand[KVS_SDP_MAX_CANDIDATES];
    int err_line;              /* on failure: 1-based line, 0 = the description as a whole */
    int err_item;              /* on failure: a KVS_LOG_SDP_* item */
} kvs__sdp;

/* What we put into an offer or answer. */
typedef struct kvs__sdp_local {
    const char *ufrag, *pwd;      /* NUL-terminated ice-chars: 4..256 and 22..256 of them */
    const uint8_t *fingerprint;   /* SHA-256 of our certificate, 32 bytes */
    uint64_t session_id;          /* o= sess-id (JSEP: random, < 2^63) */
    uint64_t session_version;     /* o= sess-version */
    uint16_t sctp_port;           /* 0 = 5000 */
    uint64_t max_message_size;    /* 0 = 262144 */
    const kvs__ice_cand *cand;    /* candidates to include (may be NULL), written in order */
    size_t ncand;
    int end_of_candidates;        /* 1: a=end-of-candidates after them */
    int setup;                    /* answer: 0 = active (passive when the offer is active);
                                     KVS__SDP_SETUP_ACTIVE / PASSIVE to force one */
} kvs__sdp_local;

/* --- lexical helpers -------------------------------------------------------------------------- */

/* The first c in [p, p+n), or NULL. */
KVS_PRIVATE const char *kvs__sdp_chr(const char *p, size_t n, char c) {
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] == c)
            return p + i;
    return NULL;
}
/* token-char (RFC 8866 section 9). */
KVS_PRIVATE int kvs__sdp_is_token_char(int c) {
    return c == '!' || (c >= '#' && c <= '\'') || c == '*' || c == '+' || c == '-' || c == '.' ||
           (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= '^' && c <= '~');
}
KVS_PRIVATE int kvs__sdp_is_token(const char *p, size_t n, int allow_slash) {
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (!kvs__sdp_is_token_char((unsigned char)p[i]) && !(allow_slash && p[i] == '/'))
            return 0;
    return 1;
}
/* ice-char (RFC 8839): ALPHA / DIGIT / "+" / "/", lengths min..256. */
KVS_PRIVATE int kvs__sdp_is_ice_chars(const char *p, size_t n, size_t min) {
    size_t i;
    if (n < min || n > 256)
        return 0;
    for (i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '/'))
            return 0;
    }
    return 1;
}
/* Next token of [*p, end) separated by spaces or tabs; 0 when none is left. */
KVS_PRIVATE int kvs__sdp_tok(const char **p, const char *end, kvs_str *t) {
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    t->p = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    t->n = (size_t)(*p - t->p);
    return t->n > 0;
}
/* Decimal digits only, at most max. */
KVS_PRIVATE int kvs__sdp_u64(const char *p, size_t n, uint64_t max, uint64_t *v) {
    size_t i;
    uint64_t x = 0;
    if (n == 0 || n > 20)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned d;
        if (p[i] < '0' || p[i] > '9')
            return 0;
        d = (unsigned)(p[i] - '0');
        if (x > (max - d) / 10u)
            return 0;
        x = x * 10u + d;
    }
    *v = x;
    return 1;
}
KVS_PRIVATE int kvs__sdp_str_is(kvs_str s, const char *lit) {
    size_t n = KVS_STRLEN(lit);
    return s.n == n && KVS_MEMCMP(s.p, lit, n) == 0;
}
KVS_PRIVATE int kvs__sdp_str_eq(kvs_str a, kvs_str b) {
    return a.n == b.n && (a.n == 0 || KVS_MEMCMP(a.p, b.p, a.n) == 0);
}

/* The line starting at *pos of [p, p+n): its text without the line end (one CR before the LF
   is dropped, then trailing spaces and tabs); *raw_len = its length before that trimming of
   spaces; *pos moves past the LF. 0 at the end. */
KVS_PRIVATE int kvs__sdp_line(const char *p, size_t n, size_t *pos, kvs_str *line, size_t *raw_len) {
    const char *s, *e, *nl;
    if (*pos >= n)
        return 0;
    s = p + *pos;
    nl = kvs__sdp_chr(s, n - *pos, '\n');
    e = nl ? nl : p + n;
    *pos = nl ? (size_t)(nl - p) + 1 : n;
    if (e > s && e[-1] == '\r')
        e--;
    *raw_len = (size_t)(e - s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    line->p = s;
    line->n = (size_t)(e - s);
    return 1;
}

/* Walk the attributes named `name` of section `media` (-1: the session level): each call gives
   the next one's value (after "a=name:", empty for a flag) and returns 1, then 0. *pos starts
   at 0. The description must have parsed. */
KVS_PRIVATE int kvs__sdp_attr_next(const kvs__sdp *s, int media, const char *name, size_t *pos,
                                   kvs_str *value) {
    const char *base;
    size_t n, raw, k = KVS_STRLEN(name);
    kvs_str l;
    if (media >= s->nmedia)
        return 0;
    if (media >= 0) {
        base = s->media[media].text.p;
        n = s->media[media].text.n;
    } else {
        base = s->text;
        n = s->nmedia > 0 ? (size_t)(s->media[0].text.p - s->text) : s->len;
    }
    while (kvs__sdp_line(base, n, pos, &l, &raw)) {
        if (l.n < 2 + k || l.p[0] != 'a' || l.p[1] != '=' || KVS_MEMCMP(l.p + 2, name, k) != 0)
            continue;
        if (l.n == 2 + k) {
            value->p = l.p + l.n;
            value->n = 0;
            return 1;
        }
        if (l.p[2 + k] == ':') {
            value->p = l.p + 3 + k;
            value->n = l.n - 3 - k;
            return 1;
        }
    }
    return 0;
}

/* --- parser ----------------------------------------------------------------------------------- */

KVS_PRIVATE kvs_result kvs__sdp_fail(kvs__sdp *s, kvs_result r, int line, int item) {
    s->err_line = line;
    s->err_item = item;
    return r;
}

/* An m= line's value: "<media> <port>[/<count>] <proto> <fmt> ...". */
KVS_PRIVATE int kvs__sdp_mline(kvs__sdp_media *m, kvs_str v) {
    const char *p = v.p, *end = v.p + v.n, *slash;
    kvs_str t;
    uint64_t port, cnt;
    if (!kvs__sdp_tok(&p, end, &m->media) || !kvs__sdp_is_token(m->media.p, m->media.n, 0))
        return 0;
    if (!kvs__sdp_tok(&p, end, &t))
        return 0;
    slash = kvs__sdp_chr(t.p, t.n, '/');
    if (slash) {
        if (!kvs__sdp_u64(slash + 1, (size_t)(t.p + t.n - slash - 1), 65535, &cnt))
            return 0;
        t.n = (size_t)(slash - t.p);
    }
    if (!kvs__sdp_u64(t.p, t.n, 65535, &port))
        return 0;
    m->port = (uint16_t)port;
    if (!kvs__sdp_tok(&p, end, &m->proto) || !kvs__sdp_is_token(m->proto.p, m->proto.n, 1))
        return 0;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    m->fmts.p = p;
    m->fmts.n = (size_t)(end - p);
    while (kvs__sdp_tok(&p, end, &t)) {
        if (!kvs__sdp_is_token(t.p, t.n, 0) || m->nfmts == 0xffff)
            return 0;
        m->nfmts++;
    }
    if (m->nfmts == 0)
        return 0;
    if (kvs__sdp_str_is(m->media, "audio"))
        m->kind = KVS__SDP_AUDIO;
    else if (kvs__sdp_str_is(m->media, "video"))
        m->kind = KVS__SDP_VIDEO;
    else if (kvs__sdp_str_is(m->media, "application"))
        m->kind = KVS__SDP_APPLICATION;
    if (kvs__sdp_str_is(m->proto, "UDP/TLS/RTP/SAVPF") || kvs__sdp_str_is(m->proto, "TCP/TLS/RTP/SAVPF"))
        m->proto_id = KVS__SDP_PROTO_RTP;
    else if (kvs__sdp_str_is(m->proto, "UDP/DTLS/SCTP") || kvs__sdp_str_is(m->proto, "TCP/DTLS/SCTP"))
        m->proto_id = KVS__SDP_PROTO_SCTP;
    else if (kvs__sdp_str_is(m->proto, "DTLS/SCTP"))
        m->proto_id = KVS__SDP_PROTO_SCTP_LEGACY;
    if (m->proto_id == KVS__SDP_PROTO_SCTP_LEGACY) {
        p = m->fmts.p;
        if (kvs__sdp_tok(&p, end, &t) && kvs__sdp_u64(t.p, t.n, 65535, &port)) {
            m->sctp_port = (uint16_t)port;
            m->has_sctp_port = 1;
        }
    }
    return 1;
}

/* One attribute line; m == NULL at session level. */
KVS_PRIVATE kvs_result kvs__sdp_attr(kvs__sdp *s, kvs__sdp_media *m, kvs_str a, int line) {
    kvs__sdp_level *lv = m ? &m->lv : &s->session;
    const char *colon = kvs__sdp_chr(a.p, a.n, ':');
    kvs_str name, v, t;
    const char *p, *end;
    uint64_t u;
    kvs_result r;
    name.p = a.p;
    name.n = colon ? (size_t)(colon - a.p) : a.n;
    v.p = colon ? colon + 1 : a.p + a.n;
    v.n = (size_t)(a.p + a.n - v.p);
    p = v.p;
    end = v.p + v.n;
#define KVS__SDP_BAD(res) return kvs__sdp_fail(s, res, line, KVS_LOG_SDP_BAD_ATTRIBUTE)
    if (kvs__sdp_str_is(name, "ice-ufrag")) {
        if (!kvs__sdp_is_ice_chars(v.p, v.n, 4))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        lv->ufrag = v;
    } else if (kvs__sdp_str_is(name, "ice-pwd")) {
        if (!kvs__sdp_is_ice_chars(v.p, v.n, 22))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        lv->pwd = v;
    } else if (kvs__sdp_str_is(name, "ice-options")) {
        lv->has_ice_options = 1;
        lv->trickle = 0;
        while (kvs__sdp_tok(&p, end, &t))
            if (kvs__sdp_str_is(t, "trickle"))
                lv->trickle = 1;
    } else if (kvs__sdp_str_is(name, "ice-lite")) {
        if (!m)
            s->ice_lite = 1;
    } else if (kvs__sdp_str_is(name, "fingerprint")) {
        uint8_t fp[32];
        r = kvs__crypto_fingerprint_parse(v.p, v.n, fp);
        if (r == KVS_ERR_UNSUPPORTED) {
            if (!lv->fp_other_line)
                lv->fp_other_line = line;
        } else if (r != KVS_OK) {
            return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_BAD_FINGERPRINT);
        } else if (!lv->has_fingerprint) {
            KVS_MEMCPY(lv->fingerprint, fp, 32);
            lv->has_fingerprint = 1;
        }
    } else if (kvs__sdp_str_is(name, "setup")) {
        if (kvs__sdp_str_is(v, "actpass"))
            lv->setup = KVS__SDP_SETUP_ACTPASS;
        else if (kvs__sdp_str_is(v, "active"))
            lv->setup = KVS__SDP_SETUP_ACTIVE;
        else if (kvs__sdp_str_is(v, "passive"))
            lv->setup = KVS__SDP_SETUP_PASSIVE;
        else if (kvs__sdp_str_is(v, "holdconn"))
            KVS__SDP_BAD(KVS_ERR_UNSUPPORTED);
        else
            KVS__SDP_BAD(KVS_ERR_PARSE);
    } else if (kvs__sdp_str_is(name, "sendrecv") && !colon) {
        lv->dir = KVS__SDP_SENDRECV;
    } else if (kvs__sdp_str_is(name, "sendonly") && !colon) {
        lv->dir = KVS__SDP_SENDONLY;
    } else if (kvs__sdp_str_is(name, "recvonly") && !colon) {
        lv->dir = KVS__SDP_RECVONLY;
    } else if (kvs__sdp_str_is(name, "inactive") && !colon) {
        lv->dir = KVS__SDP_INACTIVE;
    } else if (kvs__sdp_str_is(name, "end-of-candidates")) {
        lv->end_of_candidates = 1;
    } else if (kvs__sdp_str_is(name, "group")) {
        if (!kvs__sdp_tok(&p, end, &t))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        if (m || !kvs__sdp_str_is(t, "BUNDLE") || s->has_bundle)
            return KVS_OK; /* other semantics (LS), a second group: ignored */
        s->has_bundle = 1;
        while (kvs__sdp_tok(&p, end, &t)) {
            if (s->nbundle == KVS_SDP_MAX_MEDIA)
                return kvs__sdp_fail(s, KVS_ERR_LIMIT, line, KVS_LOG_SDP_TOO_MANY);
            if (!kvs__sdp_is_token(t.p, t.n, 0))
                KVS__SDP_BAD(KVS_ERR_PARSE);
            s->bundle[s->nbundle++] = t;
        }
    } else if (!m) {
        return KVS_OK; /* the remaining ones are media-level only */
    } else if (kvs__sdp_str_is(name, "mid")) {
        int i;
        if (m->mid.p || v.n > 32 || !kvs__sdp_is_token(v.p, v.n, 0))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        for (i = 0; i < s->nmedia - 1; i++)
            if (s->media[i].mid.p && kvs__sdp_str_eq(s->media[i].mid, v))
                return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_BUNDLE);
        m->mid = v;
    } else if (kvs__sdp_str_is(name, "candidate")) {
        kvs__ice_cand c;
        r = kvs__ice_cand_parse(a.p, a.n, &c);
        if (r == KVS_ERR_UNSUPPORTED) {
            if (m->ncand_ignored < 0xffff)
                m->ncand_ignored++;
        } else if (r != KVS_OK) {
            return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_BAD_CANDIDATE);
        } else if (m->ncand < 0xffff) {
            m->ncand++;
        }
    } else if (kvs__sdp_str_is(name, "sctp-port")) {
        if (!kvs__sdp_u64(v.p, v.n, 65535, &u))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        m->sctp_port = (uint16_t)u;
        m->has_sctp_port = 1;
    } else if (kvs__sdp_str_is(name, "sctpmap")) {
        /* legacy: "a=sctpmap:5000 webrtc-datachannel 65535" */
        if (!kvs__sdp_tok(&p, end, &t) || !kvs__sdp_u64(t.p, t.n, 65535, &u))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        m->sctp_port = (uint16_t)u;
        m->has_sctp_port = 1;
    } else if (kvs__sdp_str_is(name, "max-message-size")) {
        if (!kvs__sdp_u64(v.p, v.n, (uint64_t)-1, &u))
            KVS__SDP_BAD(KVS_ERR_PARSE);
        m->max_message_size = u;
        m->has_max_message_size = 1;
    } else if (kvs__sdp_str_is(name, "rtcp-mux") && !colon) {
        m->rtcp_mux = 1;
    } else if (kvs__sdp_str_is(name, "rtcp-mux-only") && !colon) {
        m->rtcp_mux = 1;
        m->rtcp_mux_only = 1;
    } else if (kvs__sdp_str_is(name, "bundle-only") && !colon) {
        m->bundle_only = 1;
    } else if (kvs__sdp_str_is(name, "msid")) {
        if (!m->msid.p)
            m->msid = v;
        m->nmsid++;
    } else if (kvs__sdp_str_is(name, "rtpmap")) {
        m->nrtpmap++;
    } else if (kvs__sdp_str_is(name, "fmtp")) {
        m->nfmtp++;
    } else if (kvs__sdp_str_is(name, "rtcp-fb")) {
        m->nrtcp_fb++;
    } else if (kvs__sdp_str_is(name, "extmap")) {
        m->nextmap++;
    } else if (kvs__sdp_str_is(name, "ssrc")) {
        m->nssrc++;
    } else if (kvs__sdp_str_is(name, "ssrc-group")) {
        m->nssrc_group++;
    }
#undef KVS__SDP_BAD
    return KVS_OK;
}

/* The section index whose mid is `mid`, or -1. */
KVS_PRIVATE int kvs__sdp_find_mid(const kvs__sdp *s, kvs_str mid) {
    int i;
    for (i = 0; i < s->nmedia; i++)
        if (s->media[i].mid.p && kvs__sdp_str_eq(s->media[i].mid, mid))
            return i;
    return -1;
}

/* 1 when section i is rejected: port 0 without a=bundle-only. */
KVS_PRIVATE int kvs__sdp_rejected(const kvs__sdp *s, int i) {
    return s->media[i].port == 0 && !s->media[i].bundle_only;
}

/* After the last line: BUNDLE, directions, the transport and its candidates. */
KVS_PRIVATE kvs_result kvs__sdp_finish(kvs__sdp *s) {
    kvs__sdp_transport *tr = &s->tr;
    const kvs__sdp_level *ml, *sl = &s->session;
    kvs__sdp_media *m;
    int i, k, fp_line;
    size_t pos = 0;
    kvs_str v;
    for (i = 0; i < s->nmedia; i++) {
        m = &s->media[i];
        m->dir = m->lv.dir ? m->lv.dir : sl->dir ? sl->dir : KVS__SDP_SENDRECV;
        if (s->has_bundle && !m->mid.p)
            return kvs__sdp_fail(s, KVS_ERR_PARSE, m->line, KVS_LOG_SDP_BUNDLE);
    }
    for (k = 0; k < s->nbundle; k++) {
        i = kvs__sdp_find_mid(s, s->bundle[k]);
        if (i < 0)
            return kvs__sdp_fail(s, KVS_ERR_PARSE, 0, KVS_LOG_SDP_BUNDLE);
        s->media[i].bundled = 1;
    }
    tr->media = -1;
    for (k = 0; k < s->nbundle && tr->media < 0; k++) { /* the first bundled section with a port */
        i = kvs__sdp_find_mid(s, s->bundle[k]);
        if (s->media[i].port)
            tr->media = i;
    }
    for (k = 0; k < s->nbundle && tr->media < 0; k++) { /* only bundle-only ones: the first */
        i = kvs__sdp_find_mid(s, s->bundle[k]);
        if (!kvs__sdp_rejected(s, i))
            tr->media = i;
    }
    for (i = 0; i < s->nmedia && tr->media < 0 && !s->nbundle; i++)
        if (s->media[i].port)
            tr->media = i;
    if (tr->media < 0)
        return KVS_OK; /* nothing to connect to: every section rejected, or none */
    m = &s->media[tr->media];
    ml = &m->lv;
    tr->ufrag = ml->ufrag.p ? ml->ufrag : sl->ufrag;
    tr->pwd = ml->pwd.p ? ml->pwd : sl->pwd;
    if (!tr->ufrag.p || !tr->pwd.p)
        return kvs__sdp_fail(s, KVS_ERR_PARSE, m->line, KVS_LOG_SDP_NO_ICE_CREDENTIALS);
    if (ml->has_fingerprint || sl->has_fingerprint) {
        KVS_MEMCPY(tr->fingerprint, ml->has_fingerprint ? ml->fingerprint : sl->fingerprint, 32);
    } else {
        fp_line = ml->fp_other_line ? ml->fp_other_line : sl->fp_other_line;
        if (fp_line)
            return kvs__sdp_fail(s, KVS_ERR_UNSUPPORTED, fp_line, KVS_LOG_SDP_FINGERPRINT_HASH);
        return kvs__sdp_fail(s, KVS_ERR_PARSE, m->line, KVS_LOG_SDP_NO_FINGERPRINT);
    }
    tr->setup = ml->setup ? ml->setup : sl->setup;
    tr->trickle = ml->has_ice_options ? ml->trickle : sl->trickle;
    tr->ice_lite = s->ice_lite;
    tr->end_of_candidates = (uint8_t)(ml->end_of_candidates | sl->end_of_candidates);
    /* second pass over the transport section: keep its candidates (every line parsed before) */
    while (kvs__sdp_attr_next(s, tr->media, "candidate", &pos, &v)) {
        kvs__ice_cand c;
        if (kvs__ice_cand_parse(v.p - 10, v.n + 10, &c) != KVS_OK)
            continue; /* TCP, component 2 */
        if (s->ncand < KVS_SDP_MAX_CANDIDATES)
            s->cand[s->ncand++] = c;
        else
            s->cand_dropped++;
    }
    return KVS_OK;
}

/* Parse an SDP description of n bytes (no NUL needed) into *s (views into p: keep p alive).
   Returns: KVS_OK; KVS_ERR_PARSE (malformed: s->err_line, s->err_item say where and why);
   KVS_ERR_UNSUPPORTED (well-formed but refused: a fingerprint of another hash function than
   sha-256, a=setup:holdconn); KVS_ERR_LIMIT (a line over KVS_SDP_LINE_MAX, more sections or
   BUNDLE mids than KVS_SDP_MAX_MEDIA); KVS_ERR_INVALID_ARG (s NULL, p NULL with n > 0). */
KVS_PRIVATE kvs_result kvs__sdp_parse(const char *p, size_t n, kvs__sdp *s) {
    size_t pos = 0, raw, i;
    int line = 0, seen_v = 0, seen_o = 0, seen_s = 0;
    kvs__sdp_media *m = NULL;
    kvs_str l, v;
    kvs_result r;
    if (!s)
        return KVS_ERR_INVALID_ARG;
    KVS_MEMSET(s, 0, sizeof *s);
    s->tr.media = -1;
    if (!p && n)
        return KVS_ERR_INVALID_ARG;
    s->text = p ? p : "";
    s->len = n;
    while (kvs__sdp_line(s->text, n, &pos, &l, &raw)) {
        line++;
        if (raw > KVS_SDP_LINE_MAX)
            return kvs__sdp_fail(s, KVS_ERR_LIMIT, line, KVS_LOG_SDP_TOO_LONG);
        if (l.n == 0)
            continue;
        for (i = 0; i < l.n; i++)
            if (((unsigned char)l.p[i] < 0x20 && l.p[i] != '\t') || l.p[i] == 0x7f)
                return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
        if (l.n < 2 || l.p[1] != '=' || l.p[0] < 'a' || l.p[0] > 'z')
            return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
        v.p = l.p + 2;
        v.n = l.n - 2;
        if (!seen_v && l.p[0] != 'v')
            return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
        switch (l.p[0]) {
        case 'v':
            if (seen_v || !kvs__sdp_str_is(v, "0"))
                return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
            seen_v = 1;
            break;
        case 'o':
        case 's':
            if (m || (l.p[0] == 'o' ? seen_o : seen_s))
                return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
            if (l.p[0] == 'o')
                seen_o = 1;
            else
                seen_s = 1;
            break;
        case 't':
        case 'r':
        case 'z':
        case 'u':
        case 'e':
        case 'p':
            if (m)
                return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
            break;
        case 'i':
        case 'c':
        case 'b':
        case 'k':
            break;
        case 'm':
            if (s->nmedia == KVS_SDP_MAX_MEDIA)
                return kvs__sdp_fail(s, KVS_ERR_LIMIT, line, KVS_LOG_SDP_TOO_MANY);
            if (m)
                m->text.n = (size_t)(l.p - m->text.p);
            m = &s->media[s->nmedia++];
            m->line = line;
            m->text.p = l.p;
            if (!kvs__sdp_mline(m, v))
                return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_BAD_MEDIA);
            break;
        case 'a':
            r = kvs__sdp_attr(s, m, v, line);
            if (r != KVS_OK)
                return r;
            break;
        default:
            return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
        }
    }
    if (!seen_v)
        return kvs__sdp_fail(s, KVS_ERR_PARSE, line, KVS_LOG_SDP_SYNTAX);
    if (m)
        m->text.n = (size_t)(s->text + n - m->text.p);
    return kvs__sdp_finish(s);
}

/* --- accessors -------------------------------------------------------------------------------- */

/* The transport (BUNDLE) parameters, or KVS_ERR_NOT_FOUND when every section is rejected. */
KVS_PRIVATE kvs_result kvs__sdp_transport_get(const kvs__sdp *s, kvs__sdp_transport *t) {
    if (s->tr.media < 0)
        return KVS_ERR_NOT_FOUND;
    *t = s->tr;
    return KVS_OK;
}

/* The data channel section that runs on the transport (it or bundled with it): its index, or -1.
   *sctp_port and *max_message (when not NULL) get its effective values: the port 5000 when not
   given, 64 KiB when a=max-message-size is absent, 0 for "no limit". */
KVS_PRIVATE int kvs__sdp_datachannel(const kvs__sdp *s, uint16_t *sctp_port, uint64_t *max_message) {
    int i;
    const kvs__sdp_media *m;
    for (i = 0; i < s->nmedia; i++) {
        m = &s->media[i];
        if (m->kind != KVS__SDP_APPLICATION || kvs__sdp_rejected(s, i) || s->tr.media < 0)
            continue;
        if (!(m->proto_id == KVS__SDP_PROTO_SCTP && kvs__sdp_str_is(m->fmts, "webrtc-datachannel")) &&
            m->proto_id != KVS__SDP_PROTO_SCTP_LEGACY)
            continue;
        if (i != s->tr.media && !(m->bundled && s->media[s->tr.media].bundled))
            continue;
        if (sctp_port)
            *sctp_port = m->has_sctp_port ? m->sctp_port : (uint16_t)KVS__SDP_DEFAULT_SCTP_PORT;
        if (max_message)
            *max_message = m->has_max_message_size ? m->max_message_size : KVS__SDP_DEFAULT_MAX_MESSAGE;
        return i;
    }
    return -1;
}

/* The transport's candidates one by one: *it starts at 0; NULL at the end. */
KVS_PRIVATE const kvs__ice_cand *kvs__sdp_cand_next(const kvs__sdp *s, int *it) {
    if (*it < 0 || *it >= s->ncand)
        return NULL;
    return &s->cand[(*it)++];
}

/* --- writer ----------------------------------------------------------------------------------- */

KVS_PRIVATE void kvs__sdp_wr_str(kvs__wr *w, kvs_str s) {
    kvs__wr_bytes(w, s.p, s.n);
}
KVS_PRIVATE void kvs__sdp_wr_line(kvs__wr *w, const char *a, const char *b) {
    kvs__wr_cstr(w, a);
    if (b)
        kvs__wr_cstr(w, b);
    kvs__wr_cstr(w, "\r\n");
}

KVS_PRIVATE kvs_result kvs__sdp_local_check(const kvs__sdp_local *l) {
    size_t i;
    if (!l || !l->ufrag || !l->pwd || !l->fingerprint || (l->ncand && !l->cand))
        return KVS_ERR_INVALID_ARG;
    if (!kvs__sdp_is_ice_chars(l->ufrag, KVS_STRLEN(l->ufrag), 4) ||
        !kvs__sdp_is_ice_chars(l->pwd, KVS_STRLEN(l->pwd), 22))
        return KVS_ERR_INVALID_ARG;
    for (i = 0; i < l->ncand; i++)
        if (!l->cand[i].used || l->cand[i].unresolved)
            return KVS_ERR_INVALID_ARG;
    return KVS_OK;
}

KVS_PRIVATE void kvs__sdp_wr_session(kvs__wr *w, const kvs__sdp_local *l) {
    kvs__wr_cstr(w, "v=0\r\no=- ");
    kvs__wr_dec(w, l->session_id);
    kvs__wr_u8(w, ' ');
    kvs__wr_dec(w, l->session_version);
    kvs__wr_cstr(w, " IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
}

/* The transport and data channel lines of an accepted data channel section (after its m=). */
KVS_PRIVATE kvs_result kvs__sdp_wr_datachannel(kvs__wr *w, const kvs__sdp_local *l, kvs_str mid,
                                               int setup, int legacy, int with_cands) {
    static const char *const setups[4] = {"actpass", "actpass", "active", "passive"};
    char cl[160];
    size_t i;
    uint16_t port = l->sctp_port ? l->sctp_port : (uint16_t)KVS__SDP_DEFAULT_SCTP_PORT;
    kvs__wr_cstr(w, "c=IN IP4 0.0.0.0\r\n");
    kvs__sdp_wr_line(w, "a=ice-ufrag:", l->ufrag);
    kvs__sdp_wr_line(w, "a=ice-pwd:", l->pwd);
    kvs__sdp_wr_line(w, "a=ice-options:trickle", NULL);
    kvs__wr_cstr(w, "a=fingerprint:");
    kvs__crypto_fingerprint_write(w, l->fingerprint);
    kvs__wr_cstr(w, "\r\n");
    kvs__sdp_wr_line(w, "a=setup:", setups[setup & 3]);
    if (mid.p) {
        kvs__wr_cstr(w, "a=mid:");
        kvs__sdp_wr_str(w, mid);
        kvs__wr_cstr(w, "\r\n");
    }
    if (legacy) {
        kvs__wr_cstr(w, "a=sctpmap:");
        kvs__wr_dec(w, port);
        kvs__wr_cstr(w, " webrtc-datachannel 65535\r\n");
    } else {
        kvs__wr_cstr(w, "a=sctp-port:");
        kvs__wr_dec(w, port);
        kvs__wr_cstr(w, "\r\n");
    }
    kvs__wr_cstr(w, "a=max-message-size:");
    kvs__wr_dec(w, l->max_message_size ? l->max_message_size : KVS__SDP_OUR_MAX_MESSAGE);
    kvs__wr_cstr(w, "\r\n");
    for (i = 0; with_cands && i < l->ncand; i++) {
        if (kvs__ice_cand_line(&l->cand[i], cl, sizeof cl) != KVS_OK)
            return KVS_ERR_INVALID_ARG;
        kvs__sdp_wr_line(w, "a=", cl);
    }
    if (with_cands && l->end_of_candidates)
        kvs__sdp_wr_line(w, "a=end-of-candidates", NULL);
    return KVS_OK;
}

/* Write a JSEP offer with one data channel section (mid "0", BUNDLE, setup:actpass) into
   out/cap (NUL-terminated; out NULL with cap 0 measures).
   Returns: KVS_OK (*out_len = length without the NUL); KVS_ERR_BUFFER_TOO_SMALL (*out_len =
   the size needed, NUL included); KVS_ERR_INVALID_ARG (l incomplete: ufrag / pwd not ice-chars
   of the right length, no fingerprint, an unused or unresolved candidate). */
KVS_PRIVATE kvs_result kvs__sdp_write_offer(const kvs__sdp_local *l, char *out, size_t cap, size_t *out_len) {
    kvs__wr w;
    kvs_str mid;
    kvs_result r = kvs__sdp_local_check(l);
    if (r != KVS_OK || (!out && cap))
        return KVS_ERR_INVALID_ARG;
    mid.p = "0";
    mid.n = 1;
    kvs__wr_init(&w, out, cap);
    kvs__sdp_wr_session(&w, l);
    kvs__wr_cstr(&w, "a=group:BUNDLE 0\r\n");
    kvs__wr_cstr(&w, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
    r = kvs__sdp_wr_datachannel(&w, l, mid, KVS__SDP_SETUP_ACTPASS, 0, 1);
    if (r != KVS_OK)
        return r;
    return kvs__wr_result_str(&w, out_len);
}

/* Write the JSEP answer to a parsed offer (see the section comment for what is accepted).
   Same buffer rules and results as kvs__sdp_write_offer; KVS_ERR_INVALID_ARG also for an offer
   that did not parse (it must come from a successful kvs__sdp_parse). An offer without a data
   channel section gets an answer with every section rejected (still a valid answer). */
KVS_PRIVATE kvs_result kvs__sdp_write_answer(const kvs__sdp *o, const kvs__sdp_local *l, char *out, size_t cap,
                                             size_t *out_len) {
    kvs__wr w;
    int i, dc, setup, first = 1;
    const kvs__sdp_media *m;
    const char *p, *end;
    kvs_str fmt;
    kvs_result r = kvs__sdp_local_check(l);
    if (r != KVS_OK || !o || (!out && cap) || o->err_item || o->nmedia > KVS_SDP_MAX_MEDIA)
        return KVS_ERR_INVALID_ARG;
    dc = kvs__sdp_datachannel(o, NULL, NULL);
    setup = l->setup == KVS__SDP_SETUP_ACTIVE || l->setup == KVS__SDP_SETUP_PASSIVE
                ? l->setup
                : o->tr.setup == KVS__SDP_SETUP_ACTIVE ? KVS__SDP_SETUP_PASSIVE : KVS__SDP_SETUP_ACTIVE;
    kvs__wr_init(&w, out, cap);
    kvs__sdp_wr_session(&w, l);
    if (o->has_bundle && dc >= 0 && o->media[dc].mid.p) {
        kvs__wr_cstr(&w, "a=group:BUNDLE ");
        kvs__sdp_wr_str(&w, o->media[dc].mid);
        kvs__wr_cstr(&w, "\r\n");
    }
    for (i = 0; i < o->nmedia; i++) {
        m = &o->media[i];
        kvs__wr_cstr(&w, "m=");
        kvs__sdp_wr_str(&w, m->media);
        if (i == dc) {
            if (m->proto_id == KVS__SDP_PROTO_SCTP_LEGACY) {
                kvs__wr_cstr(&w, " 9 DTLS/SCTP ");
                kvs__wr_dec(&w, l->sctp_port ? l->sctp_port : (uint16_t)KVS__SDP_DEFAULT_SCTP_PORT);
                kvs__wr_cstr(&w, "\r\n");
            } else {
                kvs__wr_cstr(&w, " 9 ");
                kvs__sdp_wr_str(&w, m->proto);
                kvs__wr_cstr(&w, " webrtc-datachannel\r\n");
            }
            r = kvs__sdp_wr_datachannel(&w, l, m->mid, setup, m->proto_id == KVS__SDP_PROTO_SCTP_LEGACY,
                                        first);
            if (r != KVS_OK)
                return r;
            first = 0;
            continue;
        }
        /* rejected: port 0, the offer's first format, its mid, inactive */
        p = m->fmts.p;
        end = m->fmts.p + m->fmts.n;
        if (!kvs__sdp_tok(&p, end, &fmt))
            return KVS_ERR_INVALID_ARG;
        kvs__wr_cstr(&w, " 0 ");
        kvs__sdp_wr_str(&w, m->proto);
        kvs__wr_u8(&w, ' ');
        kvs__sdp_wr_str(&w, fmt);
        kvs__wr_cstr(&w, "\r\nc=IN IP4 0.0.0.0\r\n");
        if (m->mid.p) {
            kvs__wr_cstr(&w, "a=mid:");
            kvs__sdp_wr_str(&w, m->mid);
            kvs__wr_cstr(&w, "\r\n");
        }
        kvs__wr_cstr(&w, "a=inactive\r\n");
    }
    return kvs__wr_result_str(&w, out_len);
}

/* ==== [35] >>peer  one peer connection: ICE + DTLS + SCTP / DCEP glued, timeline ========== */
/* depends on: >>ice, >>ice-check, >>dtls, >>sctp, >>dcep, >>sdp.  entry points: kvs_peer_* and
   kvs_dc_* through >>peer-host.
   The transport stack of one WebRTC peer connection, sans-IO, independent of any signaling:
   the caller gives the remote ICE credentials, the remote certificate fingerprint and the DTLS
   role (from SDP), trickles candidates, feeds datagrams / TURN stream bytes and sends what
   kvs__peer_output returns on the route it names. Once ICE has a pair, DTLS runs over it (the
   client starts), once DTLS is connected both sides start SCTP (RFC 8831 6), and data channels
   come and go through DCEP. The timeline (remote description, first local candidate, ICE
   connected, DTLS connected, SCTP up, first channel open) is kept in `tl` and reported through
   the event callback. A DTLS, SCTP or ICE failure fails the peer and nothing else. */

/* peer events (kvs__peer_cb.event) */
#define KVS__PEER_EV_ICE 1       /* ICE changed state: value = KVS__ICE_* */
#define KVS__PEER_EV_DTLS 2      /* DTLS connected (value 1) or failed (value 0) */
#define KVS__PEER_EV_SCTP 3      /* SCTP up (1) or down (0) */
#define KVS__PEER_EV_FAILED 4    /* the peer failed for good: value = the kvs_result */

typedef struct kvs__peer_timeline {
    kvs_time created, remote_set, first_candidate, ice_connected, dtls_connected, sctp_up,
        first_channel;
} kvs__peer_timeline;

typedef struct kvs__peer_cfg {
    kvs__ice_cfg ice;      /* controlling = the offerer */
    kvs__sctp_cfg sctp;
    const kvs_cert *cert;  /* our DTLS identity: borrowed, must outlive the peer */
    size_t mtu;            /* DTLS record / SCTP packet bound; 0 = 1200 */
} kvs__peer_cfg;

typedef struct kvs__peer_cb {
    void *ctx;
    void (*candidate)(void *ctx, const char *line); /* NULL line: end-of-candidates */
    void (*event)(void *ctx, int what, int value);
    void (*open)(void *ctx, uint16_t sid);
    void (*message)(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary);
    void (*closed)(void *ctx, uint16_t sid);
    void (*buffered_low)(void *ctx); /* the SCTP send buffer drained below half */
} kvs__peer_cb;

typedef struct kvs__peer {
    kvs__peer_cfg cfg;
    kvs__peer_cb cb;
    kvs__rng *rng;
    kvs__log *log;
    kvs__mem *mem;
    kvs__ice ice;
    kvs__dtls dtls;
    kvs__sctp sctp;
    kvs__dcep dcep;
    int dtls_client, dtls_started, sctp_started, failed;
    int servers_pending; /* ICE servers still being resolved / connected: gathering goes on */
    uint8_t remote_fp[32];
    int have_fp;
    kvs_time now;
    kvs__peer_timeline tl;
    uint8_t rec[1500];     /* a DTLS record on its way to ICE */
    uint8_t pkt[1500];     /* an SCTP packet on its way to DTLS */
} kvs__peer;

KVS_PRIVATE void kvs__peer_fail(kvs__peer *p, kvs_result why) {
    if (p->failed)
        return;
    p->failed = 1;
    if (p->cb.event)
        p->cb.event(p->cb.ctx, KVS__PEER_EV_FAILED, (int)why);
}

/* --- callbacks from the layers -------------------------------------------------------------- */

KVS_PRIVATE void kvs__peer_ice_cand(void *ctx, const kvs__ice_cand *c, const char *line) {
    kvs__peer *p = (kvs__peer *)ctx;
    (void)c;
    if (line && !p->tl.first_candidate)
        p->tl.first_candidate = p->now;
    if (p->cb.candidate)
        p->cb.candidate(p->cb.ctx, line);
}

KVS_PRIVATE void kvs__peer_ice_state(void *ctx, int state) {
    kvs__peer *p = (kvs__peer *)ctx;
    if ((state == KVS__ICE_CONNECTED || state == KVS__ICE_COMPLETED) && !p->tl.ice_connected)
        p->tl.ice_connected = p->now;
    if (p->cb.event)
        p->cb.event(p->cb.ctx, KVS__PEER_EV_ICE, state);
    if (state == KVS__ICE_FAILED)
        kvs__peer_fail(p, KVS_ERR_TIMEOUT);
}

KVS_PRIVATE void kvs__peer_start(kvs__peer *p, int on_record);

/* DTLS is connected: report it once, and start SCTP (both sides start the association,
   RFC 8831 6). */
KVS_PRIVATE void kvs__peer_dtls_up(kvs__peer *p) {
    if (!p->tl.dtls_connected) {
        p->tl.dtls_connected = p->now;
        if (p->cb.event)
            p->cb.event(p->cb.ctx, KVS__PEER_EV_DTLS, 1);
    }
    if (!p->sctp_started) {
        p->sctp_started = 1;
        (void)kvs__sctp_connect(&p->sctp, p->now);
    }
}

/* DTLS application data: an SCTP packet. It may come in the same batch of datagrams as the
   flight that completed the handshake, before any output: SCTP starts here then, so the peer's
   INIT is not lost. */
KVS_PRIVATE void kvs__peer_dtls_app(void *ctx, const uint8_t *d, size_t n) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (!p->sctp_started && p->dtls.state == KVS__DTLS_ST_CONNECTED)
        kvs__peer_dtls_up(p);
    if (p->sctp_started)
        kvs__sctp_input(&p->sctp, d, n, p->now);
}

/* A datagram that ICE hands up: DTLS (RFC 7983: 20..63); RTP / RTCP comes with the media
   issue and is dropped here. */
KVS_PRIVATE void kvs__peer_ice_data(void *ctx, const uint8_t *d, size_t n) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (n == 0 || d[0] < 20 || d[0] > 63 || n > sizeof p->rec)
        return;
    kvs__peer_start(p, 1);
    if (!p->dtls_started)
        return;
    KVS_MEMCPY(p->rec, d, n); /* kvs__dtls_input decrypts in place */
    (void)kvs__dtls_input(&p->dtls, p->rec, n, p->now, kvs__peer_dtls_app, p);
    if (p->dtls.state == KVS__DTLS_ST_FAILED)
        kvs__peer_fail(p, KVS_ERR_AUTH);
}

KVS_PRIVATE void kvs__peer_sctp_up(void *ctx) {
    kvs__peer *p = (kvs__peer *)ctx;
    p->tl.sctp_up = p->now;
    if (p->cb.event)
        p->cb.event(p->cb.ctx, KVS__PEER_EV_SCTP, 1);
}

KVS_PRIVATE void kvs__peer_sctp_down(void *ctx, kvs_result why) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (p->cb.event)
        p->cb.event(p->cb.ctx, KVS__PEER_EV_SCTP, 0);
    if (why != KVS_ERR_CLOSED)
        kvs__peer_fail(p, why);
}

KVS_PRIVATE void kvs__peer_sctp_msg(void *ctx, uint16_t sid, uint32_t ppid, const uint8_t *d, size_t n) {
    kvs__peer *p = (kvs__peer *)ctx;
    kvs__dcep_on_message(&p->dcep, sid, ppid, d, n, p->now);
}

KVS_PRIVATE void kvs__peer_sctp_reset(void *ctx, uint16_t sid) {
    kvs__peer *p = (kvs__peer *)ctx;
    kvs__dcep_on_reset(&p->dcep, sid);
}

KVS_PRIVATE void kvs__peer_sctp_low(void *ctx) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (p->cb.buffered_low)
        p->cb.buffered_low(p->cb.ctx);
}

KVS_PRIVATE void kvs__peer_dc_open(void *ctx, uint16_t sid) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (!p->tl.first_channel)
        p->tl.first_channel = p->now;
    if (p->cb.open)
        p->cb.open(p->cb.ctx, sid);
}

KVS_PRIVATE void kvs__peer_dc_msg(void *ctx, uint16_t sid, const uint8_t *d, size_t n, int binary) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (p->cb.message)
        p->cb.message(p->cb.ctx, sid, d, n, binary);
}

KVS_PRIVATE void kvs__peer_dc_closed(void *ctx, uint16_t sid) {
    kvs__peer *p = (kvs__peer *)ctx;
    if (p->cb.closed)
        p->cb.closed(p->cb.ctx, sid);
}

/* --- lifecycle ------------------------------------------------------------------------------ */

KVS_PRIVATE kvs_result kvs__peer_init(kvs__peer *p, const kvs__peer_cfg *cfg, const kvs__peer_cb *cb,
                                      kvs__rng *rng, kvs__log *lg, kvs__mem *mem, kvs_time now) {
    kvs__ice_cb icb;
    kvs_result r;
    KVS_MEMSET(p, 0, sizeof *p);
    if (!cfg->cert || !cfg->cert->der_len)
        return KVS_ERR_INVALID_ARG;
    p->cfg = *cfg;
    if (!p->cfg.mtu)
        p->cfg.mtu = 1200;
    /* SCTP timers of today's WebRTC data channels (libwebrtc's dcsctp): RTO 500 ms at first,
       between 220 ms (above the 200 ms delayed SACK) and 800 ms, so a loss never costs more than
       0.8 s. A path outage is ICE consent's to detect (30 s): the association keeps trying as
       long (40 expiries of at most 0.8 s) instead of dying after ten. */
    if (!p->cfg.sctp.rto_initial)
        p->cfg.sctp.rto_initial = KVS_MSEC(500);
    if (!p->cfg.sctp.rto_min)
        p->cfg.sctp.rto_min = KVS_MSEC(220);
    if (!p->cfg.sctp.rto_max)
        p->cfg.sctp.rto_max = KVS_MSEC(800);
    if (!p->cfg.sctp.max_retransmits)
        p->cfg.sctp.max_retransmits = 40;
    if (cb)
        p->cb = *cb;
    p->rng = rng;
    p->log = lg;
    p->mem = mem;
    p->now = p->tl.created = now;
    KVS_MEMSET(&icb, 0, sizeof icb);
    icb.ctx = p;
    icb.candidate = kvs__peer_ice_cand;
    icb.state = kvs__peer_ice_state;
    icb.data = kvs__peer_ice_data;
    r = kvs__ice_init(&p->ice, &p->cfg.ice, &icb, rng, lg);
    return r;
}

KVS_PRIVATE void kvs__peer_deinit(kvs__peer *p) {
    if (p->sctp_started)
        kvs__sctp_deinit(&p->sctp);
    if (p->dtls_started)
        kvs__dtls_deinit(&p->dtls);
    kvs__ice_deinit(&p->ice);
    kvs__crypto_zero(p, sizeof *p);
}

/* The remote side's transport description: ICE credentials, the SHA-256 fingerprint of its
   certificate, and our DTLS role (1: we are the DTLS client, the answer's setup:active or the
   offer's setup:passive). Again after an ICE restart with the new credentials. */
KVS_PRIVATE kvs_result kvs__peer_set_remote(kvs__peer *p, const char *ufrag, size_t un, const char *pwd,
                                            size_t pn, const uint8_t fp[32], int dtls_client,
                                            kvs_time now) {
    kvs_result r;
    p->now = now;
    if (p->have_fp && (KVS_MEMCMP(fp, p->remote_fp, 32) != 0 || dtls_client != p->dtls_client))
        return KVS_ERR_STATE; /* a new certificate or role needs a new peer connection */
    r = kvs__ice_set_remote(&p->ice, ufrag, un, pwd, pn);
    if (r != KVS_OK)
        return r;
    KVS_MEMCPY(p->remote_fp, fp, 32);
    p->have_fp = 1;
    p->dtls_client = dtls_client;
    if (!p->tl.remote_set)
        p->tl.remote_set = now;
    return KVS_OK;
}

/* A remote candidate line (SDP or trickle); KVS_OK also for lines that are ignored (TCP). */
KVS_PRIVATE kvs_result kvs__peer_add_candidate(kvs__peer *p, const char *line, size_t n) {
    kvs__ice_cand c;
    kvs_result r = kvs__ice_cand_parse(line, n, &c);
    if (r == KVS_ERR_UNSUPPORTED)
        return KVS_OK;
    if (r != KVS_OK)
        return r;
    return kvs__ice_add_remote(&p->ice, &c);
}

/* Start DTLS once ICE has a pair to send on, or when the peer's first DTLS record arrives on a
   valid pair (its side selected first: the record is not lost). */
KVS_PRIVATE void kvs__peer_start(kvs__peer *p, int on_record) {
    kvs__dtls_cfg dc;
    kvs__sctp_cb sc;
    kvs__dcep_cb ec;
    if (p->dtls_started || !p->have_fp || p->failed || (p->ice.selected < 0 && !on_record))
        return;
    KVS_MEMSET(&dc, 0, sizeof dc);
    dc.role = p->dtls_client ? KVS__DTLS_CLIENT : KVS__DTLS_SERVER;
    dc.cert = p->cfg.cert;
    KVS_MEMCPY(dc.peer_fp, p->remote_fp, 32);
    dc.mtu = p->cfg.mtu;
    if (kvs__dtls_init(&p->dtls, &dc, p->rng, p->log, p->mem, p->now) != KVS_OK) {
        kvs__peer_fail(p, KVS_ERR_NO_MEMORY);
        return;
    }
    p->dtls_started = 1;
    KVS_MEMSET(&sc, 0, sizeof sc);
    sc.ctx = p;
    sc.up = kvs__peer_sctp_up;
    sc.down = kvs__peer_sctp_down;
    sc.message = kvs__peer_sctp_msg;
    sc.stream_reset = kvs__peer_sctp_reset;
    sc.buffered_low = kvs__peer_sctp_low;
    if (!p->cfg.sctp.mtu)
        p->cfg.sctp.mtu = p->cfg.mtu - 40; /* DTLS 1.2 record: header 13, nonce 8, tag 16 */
    if (kvs__sctp_init(&p->sctp, &p->cfg.sctp, &sc, p->rng, p->log, p->mem, p->now) != KVS_OK) {
        kvs__peer_fail(p, KVS_ERR_INVALID_ARG);
        return;
    }
    KVS_MEMSET(&ec, 0, sizeof ec);
    ec.ctx = p;
    ec.open = kvs__peer_dc_open;
    ec.message = kvs__peer_dc_msg;
    ec.closed = kvs__peer_dc_closed;
    kvs__dcep_init(&p->dcep, &p->sctp, p->dtls_client, &ec, p->log);
}

/* --- input, output, timers -------------------------------------------------------------------- */

KVS_PRIVATE void kvs__peer_input(kvs__peer *p, int sock, const kvs_addr *from, const uint8_t *d, size_t n,
                                 kvs_time now) {
    p->now = now;
    kvs__ice_input(&p->ice, sock, from, d, n, now);
}

KVS_PRIVATE void kvs__peer_stream_input(kvs__peer *p, int server, const uint8_t *d, size_t n, kvs_time now) {
    p->now = now;
    kvs__ice_stream_input(&p->ice, server, d, n, now);
}

/* What to send now, and where: ICE's own packets first, then DTLS records (handshake, then SCTP
   packets sealed) through the selected pair. KVS_ERR_AGAIN when nothing is due. */
KVS_PRIVATE kvs_result kvs__peer_output(kvs__peer *p, kvs__ice_route *r, uint8_t *buf, size_t cap, size_t *len,
                                        kvs_time now) {
    size_t n;
    kvs_result res;
    p->now = now;
    res = kvs__ice_output(&p->ice, r, buf, cap, len, now);
    if (res != KVS_ERR_AGAIN)
        return res;
    kvs__peer_start(p, 0);
    if (!p->dtls_started)
        return KVS_ERR_AGAIN;
    if (kvs__dtls_output(&p->dtls, p->rec, sizeof p->rec, &n, now) == KVS_OK)
        return kvs__ice_send(&p->ice, p->rec, n, r, buf, cap, len);
    if (p->dtls.state == KVS__DTLS_ST_FAILED) {
        kvs__peer_fail(p, KVS_ERR_AUTH);
        return KVS_ERR_AGAIN;
    }
    if (p->dtls.state != KVS__DTLS_ST_CONNECTED)
        return KVS_ERR_AGAIN;
    kvs__peer_dtls_up(p);
    if (kvs__sctp_output(&p->sctp, p->pkt, sizeof p->pkt, &n, now) == KVS_OK &&
        kvs__dtls_send(&p->dtls, p->pkt, n, p->rec, sizeof p->rec, &n) == KVS_OK)
        return kvs__ice_send(&p->ice, p->rec, n, r, buf, cap, len);
    return KVS_ERR_AGAIN;
}

KVS_PRIVATE kvs_time kvs__peer_deadline(const kvs__peer *p) {
    kvs_time d = kvs__ice_deadline(&p->ice), t;
    if (!p->dtls_started && p->have_fp && p->ice.selected >= 0)
        return p->now;
    if (p->dtls_started) {
        t = kvs__dtls_deadline(&p->dtls);
        if (t < d)
            d = t;
        if (p->dtls.state == KVS__DTLS_ST_CONNECTED && !p->sctp_started)
            return p->now;
    }
    if (p->sctp_started) {
        t = kvs__sctp_deadline(&p->sctp);
        if (t < d)
            d = t;
    }
    return d;
}

KVS_PRIVATE void kvs__peer_timeout(kvs__peer *p, kvs_time now) {
    p->now = now;
    if (p->dtls_started && kvs__dtls_deadline(&p->dtls) <= now)
        (void)kvs__dtls_timeout(&p->dtls, now);
    if (p->sctp_started && kvs__sctp_deadline(&p->sctp) <= now)
        kvs__sctp_timeout(&p->sctp, now);
}

/* --- SDP offer / answer ---------------------------------------------------------------------- */

/* Take a parsed remote description: transport credentials, fingerprint, our DTLS role, the data
   channel's SCTP port and message size, candidates. we_offered: it is the answer to our offer. */
KVS_PRIVATE kvs_result kvs__peer_apply(kvs__peer *p, const kvs__sdp *s, int we_offered, kvs_time now) {
    int it = 0, dtls_client;
    const kvs__ice_cand *c;
    uint16_t port;
    uint64_t maxm;
    kvs_result r;
    if (kvs__sdp_datachannel(s, &port, &maxm) < 0)
        return KVS_ERR_UNSUPPORTED; /* no data channel section on the transport */
    /* the answerer is active unless the offer said active (JSEP); an answer's passive makes us,
       the offerer, the client */
    dtls_client = we_offered ? s->tr.setup == KVS__SDP_SETUP_PASSIVE : s->tr.setup != KVS__SDP_SETUP_ACTIVE;
    if (!p->have_fp)
        p->ice.cfg.controlling = we_offered; /* the offerer controls (RFC 8445 6.1.1) */
    r = kvs__peer_set_remote(p, s->tr.ufrag.p, s->tr.ufrag.n, s->tr.pwd.p, s->tr.pwd.n, s->tr.fingerprint,
                             dtls_client, now);
    if (r != KVS_OK)
        return r;
    if (!p->sctp_started) {
        p->cfg.sctp.remote_port = port;
        if (maxm && (!p->cfg.sctp.max_message || maxm < p->cfg.sctp.max_message))
            p->cfg.sctp.max_message = (uint32_t)KVS__MIN(maxm, (uint64_t)0xffffffffu);
    }
    while ((c = kvs__sdp_cand_next(s, &it)) != NULL)
        (void)kvs__ice_add_remote(&p->ice, c);
    if (s->tr.end_of_candidates)
        kvs__ice_remote_done(&p->ice);
    return KVS_OK;
}

/* Our description into out: an answer to `offer`, or (offer NULL) an offer with one data
   channel section. Every local candidate signalled so far goes in, and end-of-candidates once
   gathering is complete (trickle the rest otherwise). */
KVS_PRIVATE kvs_result kvs__peer_describe(kvs__peer *p, const kvs__sdp *offer, char *out, size_t cap, size_t *len) {
    kvs__sdp_local l;
    kvs__ice_cand cands[KVS_ICE_MAX_CANDIDATES];
    uint8_t rnd[8];
    size_t nc = 0;
    int i;
    kvs_result r;
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES; i++)
        if (p->ice.local[i].used && p->ice.local[i].signalled)
            cands[nc++] = p->ice.local[i];
    r = kvs__crypto_random(p->rng, rnd, sizeof rnd);
    if (r != KVS_OK)
        return r;
    KVS_MEMSET(&l, 0, sizeof l);
    l.ufrag = p->ice.lufrag;
    l.pwd = p->ice.lpwd;
    l.fingerprint = p->cfg.cert->fingerprint;
    l.session_id = (((uint64_t)kvs__get_u32(rnd) << 32) | kvs__get_u32(rnd + 4)) & 0x7fffffffffffffffull;
    l.session_version = 2;
    l.sctp_port = p->cfg.sctp.local_port;
    l.max_message_size = p->cfg.sctp.max_message;
    l.cand = cands;
    l.ncand = nc;
    l.end_of_candidates = p->ice.gathering_done && !p->servers_pending;
    return offer ? kvs__sdp_write_answer(offer, &l, out, cap, len) : kvs__sdp_write_offer(&l, out, cap, len);
}

/* We offer: our offer into out. */
KVS_PRIVATE kvs_result kvs__peer_create_offer(kvs__peer *p, char *out, size_t cap, size_t *len) {
    if (!p->have_fp)
        p->ice.cfg.controlling = 1;
    return kvs__peer_describe(p, NULL, out, cap, len);
}

/* Parse a remote description into s (from the accountant) and take it; *err_line (may be
   NULL) gets the line of a malformed one. */
KVS_PRIVATE kvs_result kvs__peer_take(kvs__peer *p, const char *text, size_t n, int we_offered, int *err_line,
                                      kvs__sdp *s, kvs_time now) {
    kvs_result r;
    if (!s)
        return KVS_ERR_NO_MEMORY;
    r = kvs__sdp_parse(text, n, s);
    if (err_line)
        *err_line = r == KVS_OK ? 0 : s->err_line;
    return r == KVS_OK ? kvs__peer_apply(p, s, we_offered, now) : r;
}

/* We answer: parse the remote offer (text[0..n)), take it, write our answer into out. The parsed
   form (kvs__sdp, 4 KB) is taken from the accountant for the call. */
KVS_PRIVATE kvs_result kvs__peer_answer(kvs__peer *p, const char *text, size_t n, char *out, size_t cap,
                                        size_t *len, int *err_line, kvs_time now) {
    kvs__sdp *s = (kvs__sdp *)kvs__mem_alloc(p->mem, sizeof *s);
    kvs_result r = kvs__peer_take(p, text, n, 0, err_line, s, now);
    *len = 0;
    if (r == KVS_OK)
        r = kvs__peer_describe(p, s, out, cap, len);
    if (s)
        kvs__mem_free(p->mem, s);
    return r;
}

/* We offered: take the remote answer (text[0..n)). */
KVS_PRIVATE kvs_result kvs__peer_set_answer(kvs__peer *p, const char *text, size_t n, int *err_line, kvs_time now) {
    kvs__sdp *s = (kvs__sdp *)kvs__mem_alloc(p->mem, sizeof *s);
    kvs_result r = kvs__peer_take(p, text, n, 1, err_line, s, now);
    if (s)
        kvs__mem_free(p->mem, s);
    return r;
}

/* --- data channels ---------------------------------------------------------------------------- */

/* Open a channel (label / protocol NUL-terminated; type KVS_DC_*; negotiated with a fixed id, or
   id -1). KVS_ERR_STATE before SCTP exists. */
KVS_PRIVATE kvs_result kvs__peer_open_channel(kvs__peer *p, const char *label, const char *protocol, int type,
                                              uint32_t rel, int negotiated, int id, uint16_t *sid) {
    if (!p->sctp_started)
        return KVS_ERR_STATE;
    return kvs__dcep_open(&p->dcep, label, protocol, type, rel, 0, negotiated, id, sid, p->now);
}

KVS_PRIVATE kvs_result kvs__peer_send(kvs__peer *p, uint16_t sid, const void *d, size_t n, int binary) {
    if (!p->sctp_started)
        return KVS_ERR_STATE;
    return kvs__dcep_send(&p->dcep, sid, d, n, binary, p->now);
}

KVS_PRIVATE kvs_result kvs__peer_close_channel(kvs__peer *p, uint16_t sid) {
    if (!p->sctp_started)
        return KVS_ERR_STATE;
    return kvs__dcep_close(&p->dcep, sid);
}

/* ==== [36] >>client  the client object: platform, configuration, accounting ================== */
/* depends on: >>log, >>mem, >>crypto.  entry points: kvs_client_init, kvs_client_deinit,
   kvs_config_resolve (via >>api).
   The client owns the copied platform and lends its sections three contexts: the log (items,
   runtime level, last error), the memory accountant and the RNG. Each of them increments the
   client's in_callback counter around every platform callback, which is how the public entry
   points detect re-entry from inside a callback.                                                */

#define KVS__CLIENT_MAGIC 0x6b767363u /* "kvsc" */
#define KVS__CLIENT_DEFAULT_MTU 1200
#define KVS__CLIENT_MIN_MTU 576    /* the IPv4 minimum reassembly size (RFC 791) */
#define KVS__CLIENT_MAX_MTU 65507  /* the largest UDP payload over IPv4 */

KVS_PRIVATE kvs_result kvs__client_config_resolve(const kvs_config *in, kvs_config *out) {
    kvs_config c;
    if (in)
        c = *in;
    else
        KVS_MEMSET(&c, 0, sizeof c);
    if (c.log_level == 0)
        c.log_level = KVS_LOG_INFO;
    if (c.max_peers == 0)
        c.max_peers = KVS_MAX_PEERS;
    if (c.mtu == 0)
        c.mtu = KVS__CLIENT_DEFAULT_MTU;
    if (c.max_message_size == 0)
        c.max_message_size = 256u * 1024u;
    if (c.max_message_size < 1024u || c.max_message_size > (16u << 20) || (!c.trust_anchors_pem && c.trust_anchors_len))
        return KVS_ERR_INVALID_ARG;
    if (c.log_level < KVS_LOG_ERROR || c.log_level > KVS_LOG_TRACE || c.max_peers < 1 ||
        c.max_peers > KVS_MAX_PEERS || c.mtu < KVS__CLIENT_MIN_MTU || c.mtu > KVS__CLIENT_MAX_MTU)
        return KVS_ERR_INVALID_ARG;
    *out = c;
    return KVS_OK;
}

/* On failure the client is left zeroed except for the last error item. */
KVS_PRIVATE kvs_result kvs__client_fail(kvs_client *c, kvs_result r) {
    int item = c->priv.log.last_item;
    KVS_MEMSET(c, 0, sizeof *c);
    c->priv.log.last_item = item;
    return r;
}

KVS_PRIVATE kvs_result kvs__client_init(kvs_client *c, const kvs_config *cfg, const kvs_platform *pf) {
    kvs_result r;
    KVS_MEMSET(c, 0, sizeof *c);
    c->priv.pf = *pf;
    /* the log first, at the requested level when valid, so every failure below is reported */
    kvs__log_init(&c->priv.log, &c->priv.pf, &c->priv.in_callback,
                  (cfg && cfg->log_level >= KVS_LOG_ERROR && cfg->log_level <= KVS_LOG_TRACE)
                      ? cfg->log_level
                      : KVS_LOG_INFO);
    r = kvs__client_config_resolve(cfg, &c->priv.cfg);
    if (r != KVS_OK) {
        KVS__LOGF_ERROR(&c->priv.log, CONFIG_INVALID, "log_level %d, max_peers %d (1..%d), mtu %d",
                        cfg->log_level, cfg->max_peers, KVS_MAX_PEERS, cfg->mtu);
        return kvs__client_fail(c, r);
    }
    if (!pf->random) {
        KVS__LOG_ERROR(&c->priv.log, PLATFORM_NO_RANDOM);
        return kvs__client_fail(c, KVS_ERR_INVALID_ARG);
    }
    if (!pf->now || !pf->unix_time) {
        KVS__LOG_ERROR(&c->priv.log, PLATFORM_NO_CLOCK);
        return kvs__client_fail(c, KVS_ERR_INVALID_ARG);
    }
    r = kvs__mem_init(&c->priv.mem, &c->priv.pf, &c->priv.in_callback, &c->priv.log,
                      c->priv.cfg.memory_limit);
    if (r != KVS_OK)
        return kvs__client_fail(c, r);
    kvs__crypto_rng_init(&c->priv.rng, &c->priv.pf, &c->priv.in_callback, &c->priv.log);
    c->priv.driver = pf->udp_open && pf->udp_send && pf->udp_recv && pf->sock_close;
    if (c->priv.cfg.trust_anchors_pem) {
        c->priv.anchors = (kvs__tls_anchors *)kvs__mem_alloc(&c->priv.mem, sizeof *c->priv.anchors);
        r = c->priv.anchors ? kvs__tls_anchors_parse(c->priv.anchors, &c->priv.mem, &c->priv.log,
                                                     c->priv.cfg.trust_anchors_pem, c->priv.cfg.trust_anchors_len)
                            : KVS_ERR_NO_MEMORY;
        c->priv.cfg.trust_anchors_pem = NULL; /* parsed: the text is not kept */
        if (r != KVS_OK) {
            KVS__LOG_ERROR(&c->priv.log, CLIENT_ANCHORS);
            if (c->priv.anchors)
                kvs__mem_free(&c->priv.mem, c->priv.anchors);
            return kvs__client_fail(c, r);
        }
    }
    c->priv.magic = KVS__CLIENT_MAGIC;
    KVS__LOGF_INFO(&c->priv.log, CLIENT_INIT, "kvswebrtc %s, max_peers %d, mtu %d, memory limit %lu",
                   KVS_VERSION_STRING, c->priv.cfg.max_peers, c->priv.cfg.mtu,
                   (unsigned long)c->priv.cfg.memory_limit);
    return KVS_OK;
}

/* The peers are gone already (kvs_client_deinit frees them first). */
KVS_PRIVATE void kvs__client_deinit(kvs_client *c) {
    if (c->priv.q)
        kvs__mem_free(&c->priv.mem, c->priv.q);
    if (c->priv.anchors) {
        kvs__tls_anchors_free(c->priv.anchors);
        kvs__mem_free(&c->priv.mem, c->priv.anchors);
    }
    if (c->priv.mem.st.current) {
        KVS__LOGF_WARN(&c->priv.log, MEM_LEAK, "%lu bytes", (unsigned long)c->priv.mem.st.current);
    }
    KVS__LOG_INFO(&c->priv.log, CLIENT_DEINIT);
    KVS_MEMSET(c, 0, sizeof *c);
}

/* ==== [37] >>peer-host  peers inside the client: sockets, ICE servers, events, the queue ====== */
/* depends on: >>peer, >>client, >>turn (URIs), >>tls (anchors).  entry points: kvs_peer_*,
   kvs_dc_*, kvs_client_handle_*, kvs_client_poll, kvs_client_next_timeout (via >>api).
   A slot wraps one kvs__peer with what the public API adds: its id, its sockets (ICE's socket
   index i is sock[i]), its ICE servers on their way from URL to the agent (name resolution and
   TCP connection are the application's, or the driver's, through events), its state for
   KVS_EV_PEER_STATE, and the milestones already reported. Everything the layers report becomes
   a record in the client's event queue; kvs_client_poll hands the records out first and then
   pulls the peers' datagrams, round robin.

   The queue holds one SCTP receive window of messages (kvs_config.max_message_size + 64 KiB)
   plus a record per TSN of the window: an input is refused (KVS_ERR_AGAIN) unless that much is
   free, so what one datagram delivers always fits and nothing is ever dropped.                */

#define KVS__SRV_UNUSED 0
#define KVS__SRV_RESOLVE 1    /* a host name to resolve */
#define KVS__SRV_RESOLVING 2  /* KVS_EV_RESOLVE is out */
#define KVS__SRV_CONNECT 3    /* TCP / TLS: to connect */
#define KVS__SRV_CONNECTING 4 /* KVS_EV_TCP_CONNECT is out */
#define KVS__SRV_STARTED 5    /* handed to the ICE agent */
#define KVS__SRV_DROPPED 6
#define KVS__SRV_LITERAL 7    /* an address literal: started once the sockets exist */

#define KVS__PEER_HOST_MAX 255     /* bytes of an ICE server's host name */
#define KVS__PEER_USER_MAX 511     /* bytes of a TURN user name (KVS: ~150) */
#define KVS__PEER_PASS_MAX 255     /* bytes of a TURN credential */
#define KVS__PEER_STREAM_BUF 16384 /* driver: stream bytes a slow TCP socket may owe */
#define KVS__Q_REC 32u             /* bytes of a queue record header */
#define KVS__Q_SLACK (2048u * (KVS__Q_REC + 8u) + 8192u) /* records of one window, small events */

typedef struct kvs__peer_srv {
    char host[KVS__PEER_HOST_MAX + 1];
    char user[KVS__PEER_USER_MAX + 1];
    char pass[KVS__PEER_PASS_MAX + 1];
    kvs_addr addr;
    uint16_t port;
    uint8_t state, transport, is_turn;
    int ice;         /* TURN: the agent's server index (for streams, the route's sock) */
    kvs_sock stream; /* TCP / TLS: the connected socket */
    uint8_t *pend;   /* driver: stream bytes the socket has not taken yet */
    size_t npend;
} kvs__peer_srv;

typedef struct kvs__peer_slot {
    kvs_client *c;
    uint32_t id;
    void *user;
    int state; /* kvs_peer_state */
    int eoc_sent;
    unsigned milestones; /* bit per kvs_peer_milestone already reported */
    int nsock;
    kvs_sock sock[KVS_PEER_MAX_SOCKETS];
    kvs_addr sock_addr[KVS_PEER_MAX_SOCKETS];
    uint8_t sock_ours[KVS_PEER_MAX_SOCKETS]; /* opened by the driver: closed with the peer */
    kvs__peer_srv srv[2 * KVS_ICE_MAX_SERVERS];
    int nsrv;
    kvs__peer peer;
} kvs__peer_slot;

/* --- the event queue ------------------------------------------------------------------------- */

/* Queue record: type, id, peer, a, b, t, payload length; the payload follows, padded to 8. */
KVS_PRIVATE size_t kvs__peer_q_used(const kvs_client *c) {
    return c->priv.q_tail - c->priv.q_head;
}

/* Room for `need` more bytes at the tail (compacting), or 0. */
KVS_PRIVATE int kvs__peer_q_room(kvs_client *c, size_t need) {
    size_t used = kvs__peer_q_used(c);
    if (!c->priv.q)
        return 0;
    if (c->priv.q_cap - c->priv.q_tail < need && c->priv.q_head) {
        KVS_MEMMOVE(c->priv.q, c->priv.q + c->priv.q_head, used);
        c->priv.q_head = 0;
        c->priv.q_tail = used;
    }
    return c->priv.q_cap - c->priv.q_tail >= need;
}

KVS_PRIVATE void kvs__peer_q_push(kvs__peer_slot *sl, int type, uint16_t id, int32_t a, uint32_t b, kvs_time t,
                                  const void *p1, size_t n1, const void *p2, size_t n2) {
    kvs_client *c = sl->c;
    size_t len = n1 + n2, need = KVS__Q_REC + ((len + 7u) & ~(size_t)7u);
    uint8_t *r;
    if (!kvs__peer_q_room(c, need)) {
        /* only when the application broke the invariant (inputs refuse to run without room) */
        KVS__LOGF_ERROR(&c->priv.log, PEER_STATE, "peer %lu: event queue full, event %d lost",
                        (unsigned long)sl->id, type);
        return;
    }
    r = c->priv.q + c->priv.q_tail;
    KVS_MEMSET(r, 0, KVS__Q_REC);
    kvs__put_u16(r, (uint16_t)type);
    kvs__put_u16(r + 2, id);
    kvs__put_u32(r + 4, sl->id);
    kvs__put_u32(r + 8, (uint32_t)a);
    kvs__put_u32(r + 12, b);
    kvs__put_u32(r + 16, (uint32_t)(t >> 32));
    kvs__put_u32(r + 20, (uint32_t)t);
    kvs__put_u32(r + 24, (uint32_t)len);
    if (n1)
        KVS_MEMCPY(r + KVS__Q_REC, p1, n1);
    if (n2)
        KVS_MEMCPY(r + KVS__Q_REC + n1, p2, n2);
    c->priv.q_tail += need;
}

KVS_PRIVATE kvs__peer_slot *kvs__peer_find(const kvs_client *c, uint32_t id) {
    int i;
    for (i = 0; i < KVS_MAX_PEERS; i++)
        if (c->priv.slot[i] && c->priv.slot[i]->id == id)
            return c->priv.slot[i];
    return NULL;
}

/* The oldest record as an event (its pointers into the queue stay until the next push). */
KVS_PRIVATE int kvs__peer_q_pop(kvs_client *c, kvs_event *ev) {
    const uint8_t *r, *pl;
    kvs__peer_slot *sl;
    size_t len;
    int32_t a;
    uint32_t b;
    if (c->priv.q_head == c->priv.q_tail)
        return 0;
    r = c->priv.q + c->priv.q_head;
    pl = r + KVS__Q_REC;
    len = kvs__get_u32(r + 24);
    a = (int32_t)kvs__get_u32(r + 8);
    b = kvs__get_u32(r + 12);
    c->priv.q_head += KVS__Q_REC + ((len + 7u) & ~(size_t)7u);
    KVS_MEMSET(ev, 0, sizeof *ev);
    ev->type = (kvs_event_type)kvs__get_u16(r);
    ev->peer.id = kvs__get_u32(r + 4);
    sl = kvs__peer_find(c, ev->peer.id);
    ev->user = sl ? sl->user : NULL;
    switch (ev->type) {
    case KVS_EV_RESOLVE:
        ev->u.resolve.host = (const char *)pl;
        ev->u.resolve.port = (uint16_t)b;
        ev->u.resolve.server = a;
        break;
    case KVS_EV_TCP_CONNECT:
        KVS_MEMCPY(&ev->u.tcp_connect.to, pl, sizeof(kvs_addr));
        ev->u.tcp_connect.server = a;
        break;
    case KVS_EV_PEER_CANDIDATE:
        ev->u.candidate.line = (const char *)pl;
        ev->u.candidate.len = len ? len - 1 : 0;
        break;
    case KVS_EV_PEER_STATE:
        ev->u.state.state = a;
        ev->u.state.result = (kvs_result)(int32_t)b;
        break;
    case KVS_EV_PEER_MILESTONE:
        ev->u.milestone.which = a;
        ev->u.milestone.at = ((kvs_time)kvs__get_u32(r + 16) << 32) | kvs__get_u32(r + 20);
        break;
    case KVS_EV_DC_OPEN:
        ev->u.dc.id = kvs__get_u16(r + 2);
        ev->u.dc.type = a;
        ev->u.dc.reliability = b;
        ev->u.dc.label = (const char *)pl;
        ev->u.dc.protocol = (const char *)pl + KVS_STRLEN((const char *)pl) + 1;
        break;
    case KVS_EV_DC_MESSAGE:
        ev->u.dc.id = kvs__get_u16(r + 2);
        ev->u.dc.binary = a;
        ev->u.dc.data = pl;
        ev->u.dc.len = len;
        break;
    case KVS_EV_ERROR:
        ev->u.error.result = (kvs_result)a;
        ev->u.error.item = (int)b;
        break;
    default: /* DC_CLOSE, DC_BUFFERED_LOW */
        ev->u.dc.id = kvs__get_u16(r + 2);
        break;
    }
    return 1;
}

/* --- what the layers report ---------------------------------------------------------------- */

KVS_PRIVATE void kvs__peer_set_state(kvs__peer_slot *sl, int state, kvs_result why) {
    if (sl->state == state || sl->state == KVS_PEER_FAILED || sl->state == KVS_PEER_CLOSED)
        return;
    sl->state = state;
    KVS__LOGF_INFO(&sl->c->priv.log, PEER_STATE, "peer %lu: state %d", (unsigned long)sl->id, state);
    kvs__peer_q_push(sl, KVS_EV_PEER_STATE, 0, state, (uint32_t)(int32_t)why, 0, NULL, 0, NULL, 0);
}

/* Report the milestones reached since the last call. */
KVS_PRIVATE void kvs__peer_milestones(kvs__peer_slot *sl) {
    const kvs__peer_timeline *tl = &sl->peer.tl;
    kvs_time at[KVS_MS_COUNT_];
    int i;
    at[KVS_MS_REMOTE_DESCRIPTION] = tl->remote_set;
    at[KVS_MS_FIRST_CANDIDATE] = tl->first_candidate;
    at[KVS_MS_ICE_CONNECTED] = tl->ice_connected;
    at[KVS_MS_DTLS_CONNECTED] = tl->dtls_connected;
    at[KVS_MS_SCTP_UP] = tl->sctp_up;
    at[KVS_MS_FIRST_CHANNEL] = tl->first_channel;
    for (i = 0; i < KVS_MS_COUNT_; i++)
        if (at[i] && !(sl->milestones & (1u << i))) {
            sl->milestones |= 1u << i;
            kvs__peer_q_push(sl, KVS_EV_PEER_MILESTONE, 0, i, 0, at[i], NULL, 0, NULL, 0);
        }
}

KVS_PRIVATE void kvs__peer_eoc(kvs__peer_slot *sl) {
    if (sl->eoc_sent || sl->peer.servers_pending || !sl->peer.ice.gathering_done)
        return;
    sl->eoc_sent = 1;
    kvs__peer_q_push(sl, KVS_EV_PEER_CANDIDATE, 0, 0, 0, 0, "", 1, NULL, 0);
}

KVS_PRIVATE void kvs__peer_on_candidate(void *ctx, const char *line) {
    kvs__peer_slot *sl = (kvs__peer_slot *)ctx;
    if (line)
        kvs__peer_q_push(sl, KVS_EV_PEER_CANDIDATE, 0, 0, 0, 0, line, KVS_STRLEN(line) + 1, NULL, 0);
    else
        kvs__peer_eoc(sl); /* held while servers are still resolving or connecting */
}

KVS_PRIVATE void kvs__peer_on_event(void *ctx, int what, int value) {
    kvs__peer_slot *sl = (kvs__peer_slot *)ctx;
    switch (what) {
    case KVS__PEER_EV_ICE:
        if (value == KVS__ICE_CHECKING && sl->state == KVS_PEER_NEW)
            kvs__peer_set_state(sl, KVS_PEER_CONNECTING, KVS_OK);
        else if (value == KVS__ICE_DISCONNECTED)
            kvs__peer_set_state(sl, KVS_PEER_DISCONNECTED, KVS_OK);
        else if ((value == KVS__ICE_CONNECTED || value == KVS__ICE_COMPLETED) && sl->state == KVS_PEER_DISCONNECTED)
            kvs__peer_set_state(sl, sl->peer.tl.dtls_connected ? KVS_PEER_CONNECTED : KVS_PEER_CONNECTING, KVS_OK);
        break;
    case KVS__PEER_EV_DTLS:
        if (value)
            kvs__peer_set_state(sl, KVS_PEER_CONNECTED, KVS_OK);
        break;
    case KVS__PEER_EV_SCTP:
        if (!value && !sl->peer.failed)
            kvs__peer_set_state(sl, KVS_PEER_CLOSED, KVS_ERR_CLOSED);
        break;
    case KVS__PEER_EV_FAILED:
        kvs__peer_set_state(sl, KVS_PEER_FAILED, (kvs_result)value);
        break;
    default:
        break;
    }
}

KVS_PRIVATE void kvs__peer_on_open(void *ctx, uint16_t sid) {
    kvs__peer_slot *sl = (kvs__peer_slot *)ctx;
    const kvs__dc *d = kvs__dcep_find(&sl->peer.dcep, sid);
    if (!d)
        return;
    kvs__peer_q_push(sl, KVS_EV_DC_OPEN, sid, d->type, d->rel, 0, d->label, KVS_STRLEN(d->label) + 1, d->protocol,
                     KVS_STRLEN(d->protocol) + 1);
}

KVS_PRIVATE void kvs__peer_on_message(void *ctx, uint16_t sid, const uint8_t *p, size_t n, int binary) {
    kvs__peer_q_push((kvs__peer_slot *)ctx, KVS_EV_DC_MESSAGE, sid, binary, 0, 0, p, n, NULL, 0);
}

KVS_PRIVATE void kvs__peer_on_closed(void *ctx, uint16_t sid) {
    kvs__peer_q_push((kvs__peer_slot *)ctx, KVS_EV_DC_CLOSE, sid, 0, 0, 0, NULL, 0, NULL, 0);
}

KVS_PRIVATE void kvs__peer_on_low(void *ctx) {
    kvs__peer_q_push((kvs__peer_slot *)ctx, KVS_EV_DC_BUFFERED_LOW, KVS_DC_ALL, 0, 0, 0, NULL, 0, NULL, 0);
}

/* --- ICE servers ------------------------------------------------------------------------------ */

/* The first socket of the server's address family, or -1. */
KVS_PRIVATE int kvs__peer_sock_for(const kvs__peer_slot *sl, const kvs_addr *a) {
    int i;
    for (i = 0; i < sl->nsock; i++)
        if (sl->sock_addr[i].family == a->family)
            return i;
    return -1;
}

KVS_PRIVATE void kvs__peer_srv_done(kvs__peer_slot *sl, kvs__peer_srv *s, int state) {
    if (s->state != KVS__SRV_STARTED && s->state != KVS__SRV_DROPPED)
        sl->peer.servers_pending--;
    s->state = (uint8_t)state;
    kvs__crypto_zero(s->pass, sizeof s->pass);
    if (state == KVS__SRV_DROPPED)
        KVS__LOGF_WARN(&sl->c->priv.log, PEER_SERVER_DROPPED, "peer %lu: %s", (unsigned long)sl->id, s->host);
    kvs__peer_eoc(sl);
}

/* Hand a server whose address is known (and, for TCP / TLS, whose stream is connected) to the
   ICE agent. */
KVS_PRIVATE void kvs__peer_srv_start(kvs__peer_slot *sl, kvs__peer_srv *s, kvs_time now) {
    kvs__ice *a = &sl->peer.ice;
    kvs_result r;
    int sock = kvs__peer_sock_for(sl, &s->addr);
    size_t ul = KVS_STRLEN(s->user), pl = KVS_STRLEN(s->pass);
    if (!s->is_turn)
        r = sock < 0 ? KVS_ERR_UNSUPPORTED : kvs__ice_add_stun_server(a, sock, &s->addr, now);
    else if (s->transport == KVS__TURN_UDP)
        r = sock < 0 ? KVS_ERR_UNSUPPORTED
                     : kvs__ice_add_turn_server(a, sock, &s->addr, KVS__TURN_UDP, s->user, ul, s->pass, pl, now, &s->ice);
    else if (s->transport == KVS__TURN_TCP)
        r = kvs__ice_add_turn_server(a, 0, &s->addr, KVS__TURN_TCP, s->user, ul, s->pass, pl, now, &s->ice);
    else
        r = kvs__ice_add_turn_tls(a, &s->addr, s->host, KVS_STRLEN(s->host), sl->c->priv.anchors,
                                  sl->c->priv.pf.unix_time(sl->c->priv.pf.user), &sl->c->priv.mem, s->user, ul,
                                  s->pass, pl, now, &s->ice);
    kvs__peer_srv_done(sl, s, r == KVS_OK ? KVS__SRV_STARTED : KVS__SRV_DROPPED);
}

/* The address is known: start it, or connect its stream first. */
KVS_PRIVATE void kvs__peer_srv_addr(kvs__peer_slot *sl, kvs__peer_srv *s, const kvs_addr *addr, kvs_time now) {
    s->addr = *addr;
    s->addr.port = s->port;
    if (s->is_turn && s->transport != KVS__TURN_UDP)
        s->state = KVS__SRV_CONNECT;
    else
        kvs__peer_srv_start(sl, s, now);
}

/* Parse one RTCIceServer entry into the next server slot. */
KVS_PRIVATE kvs_result kvs__peer_srv_add(kvs__peer_slot *sl, const kvs_ice_server *is, int relay_only) {
    kvs__peer_srv *s;
    const char *host;
    size_t hl, ul, pl;
    kvs_addr a;
    int transport, is_turn;
    uint16_t port;
    if (!is->url || kvs__turn_uri_parse(is->url, KVS_STRLEN(is->url), &host, &hl, &port, &transport, &is_turn) != KVS_OK ||
        hl == 0 || hl > KVS__PEER_HOST_MAX)
        return KVS_ERR_INVALID_ARG;
    ul = is->username ? KVS_STRLEN(is->username) : 0;
    pl = is->credential ? KVS_STRLEN(is->credential) : 0;
    if (ul > KVS__PEER_USER_MAX || pl > KVS__PEER_PASS_MAX || (is_turn && (!ul || !pl)) || (!is_turn && transport != KVS__TURN_UDP))
        return KVS_ERR_INVALID_ARG;
    if (transport == KVS__TURN_TLS && (!sl->c->priv.anchors || !sl->c->priv.anchors->n))
        return KVS_ERR_INVALID_ARG; /* turns: without trust anchors would trust anything */
    if (!is_turn && relay_only)
        return KVS_OK; /* a STUN server gives nothing under the relay policy */
    if (sl->nsrv == 2 * KVS_ICE_MAX_SERVERS)
        return KVS_ERR_LIMIT;
    s = &sl->srv[sl->nsrv++];
    KVS_MEMSET(s, 0, sizeof *s);
    KVS_MEMCPY(s->host, host, hl);
    if (ul)
        KVS_MEMCPY(s->user, is->username, ul);
    if (pl)
        KVS_MEMCPY(s->pass, is->credential, pl);
    s->port = port;
    s->transport = (uint8_t)transport;
    s->is_turn = (uint8_t)is_turn;
    s->stream = KVS_SOCK_INVALID;
    s->state = KVS__SRV_RESOLVE;
    sl->peer.servers_pending++;
    if (kvs__util_addr_parse(&a, host, hl, port) == KVS_OK) {
        s->addr = a;
        s->state = KVS__SRV_LITERAL;
    }
    return KVS_OK;
}

/* --- lifecycle ------------------------------------------------------------------------------- */

KVS_PRIVATE size_t kvs__peer_queue_size(const kvs_config *cc) {
    uint32_t mm = cc && cc->max_message_size ? cc->max_message_size : 256u * 1024u;
    return (size_t)mm + 65536u + KVS__Q_SLACK + 16384u;
}

KVS_PRIVATE void kvs__peer_slot_free(kvs_client *c, int i) {
    kvs__peer_slot *sl = c->priv.slot[i];
    int k;
    for (k = 0; k < sl->nsrv; k++) {
        kvs__peer_srv *s = &sl->srv[k];
        if (s->stream != KVS_SOCK_INVALID && c->priv.driver && c->priv.pf.sock_close)
            c->priv.pf.sock_close(c->priv.pf.user, s->stream);
        if (s->pend)
            kvs__mem_free(&c->priv.mem, s->pend);
    }
    for (k = 0; k < sl->nsock; k++)
        if (sl->sock_ours[k] && c->priv.pf.sock_close)
            c->priv.pf.sock_close(c->priv.pf.user, sl->sock[k]);
    kvs__peer_deinit(&sl->peer);
    kvs__crypto_zero(sl, sizeof *sl);
    kvs__mem_free(&c->priv.mem, sl);
    c->priv.slot[i] = NULL;
}

/* A new slot with the peer initialised (sockets and servers come next). */
KVS_PRIVATE kvs_result kvs__peer_slot_new(kvs_client *c, const kvs_peer_config *cfg, kvs_time now, int *index) {
    kvs__peer_cfg pc;
    kvs__peer_cb cb;
    kvs__peer_slot *sl;
    kvs_result r;
    int i, n = 0;
    for (i = 0; i < KVS_MAX_PEERS; i++)
        n += c->priv.slot[i] != NULL;
    if (n >= c->priv.cfg.max_peers)
        return KVS_ERR_LIMIT;
    for (i = 0; c->priv.slot[i]; i++)
        ;
    if (!c->priv.q) {
        c->priv.q_cap = kvs__peer_queue_size(&c->priv.cfg);
        c->priv.q = (uint8_t *)kvs__mem_alloc(&c->priv.mem, c->priv.q_cap);
        if (!c->priv.q)
            return KVS_ERR_NO_MEMORY;
        c->priv.q_head = c->priv.q_tail = 0;
    }
    sl = (kvs__peer_slot *)kvs__mem_alloc(&c->priv.mem, sizeof *sl);
    if (!sl)
        return KVS_ERR_NO_MEMORY;
    KVS_MEMSET(sl, 0, sizeof *sl);
    sl->c = c;
    sl->id = ++c->priv.next_id ? c->priv.next_id : ++c->priv.next_id;
    sl->user = cfg->user;
    KVS_MEMSET(&pc, 0, sizeof pc);
    pc.ice.relay_only = cfg->ice_policy == KVS_ICE_POLICY_RELAY;
    pc.ice.timeout = cfg->ice_timeout;
    pc.cert = cfg->cert;
    pc.mtu = (size_t)c->priv.cfg.mtu;
    pc.sctp.max_message = c->priv.cfg.max_message_size;
    pc.sctp.recv_buffer = c->priv.cfg.max_message_size + 65536u;
    pc.sctp.send_buffer = cfg->send_buffer;
    KVS_MEMSET(&cb, 0, sizeof cb);
    cb.ctx = sl;
    cb.candidate = kvs__peer_on_candidate;
    cb.event = kvs__peer_on_event;
    cb.open = kvs__peer_on_open;
    cb.message = kvs__peer_on_message;
    cb.closed = kvs__peer_on_closed;
    cb.buffered_low = kvs__peer_on_low;
    r = kvs__peer_init(&sl->peer, &pc, &cb, &c->priv.rng, &c->priv.log, &c->priv.mem, now);
    if (r != KVS_OK) {
        kvs__mem_free(&c->priv.mem, sl);
        return r;
    }
    c->priv.slot[i] = sl;
    *index = i;
    return KVS_OK;
}

/* A UDP socket of the peer (a host candidate unless relay-only). */
KVS_PRIVATE kvs_result kvs__peer_add_socket(kvs__peer_slot *sl, kvs_sock s, const kvs_addr *bound, int ours) {
    kvs_result r;
    if (sl->nsock == KVS_PEER_MAX_SOCKETS)
        return KVS_ERR_LIMIT;
    r = kvs__ice_add_host(&sl->peer.ice, sl->nsock, bound);
    if (r != KVS_OK && r != KVS_ERR_UNSUPPORTED)
        return r;
    sl->sock[sl->nsock] = s;
    sl->sock_addr[sl->nsock] = *bound;
    sl->sock_ours[sl->nsock] = (uint8_t)ours;
    sl->nsock++;
    return KVS_OK;
}

/* Servers whose address is a literal start now that the sockets exist. */
KVS_PRIVATE void kvs__peer_start_literals(kvs__peer_slot *sl, kvs_time now) {
    int k;
    for (k = 0; k < sl->nsrv; k++)
        if (sl->srv[k].state == KVS__SRV_LITERAL)
            kvs__peer_srv_addr(sl, &sl->srv[k], &sl->srv[k].addr, now);
    kvs__peer_milestones(sl);
}

KVS_PRIVATE kvs__peer_srv *kvs__peer_srv_get(kvs__peer_slot *sl, int server, int state) {
    if (server < 0 || server >= sl->nsrv || sl->srv[server].state != state)
        return NULL;
    return &sl->srv[server];
}

KVS_PRIVATE kvs_result kvs__peer_resolved(kvs__peer_slot *sl, int server, const kvs_addr *addrs, int n,
                                          kvs_time now) {
    kvs__peer_srv *s = kvs__peer_srv_get(sl, server, KVS__SRV_RESOLVING);
    int i, pick = -1;
    if (!s)
        return KVS_ERR_STATE;
    /* the first address of a family one of our sockets has (TCP / TLS: the first address) */
    for (i = 0; i < n && pick < 0; i++)
        if ((s->is_turn && s->transport != KVS__TURN_UDP) || kvs__peer_sock_for(sl, &addrs[i]) >= 0)
            pick = i;
    if (pick < 0)
        kvs__peer_srv_done(sl, s, KVS__SRV_DROPPED);
    else
        kvs__peer_srv_addr(sl, s, &addrs[pick], now);
    kvs__peer_milestones(sl);
    return KVS_OK;
}

KVS_PRIVATE kvs_result kvs__peer_tcp_connected(kvs__peer_slot *sl, int server, kvs_sock sock, kvs_time now) {
    kvs__peer_srv *s = kvs__peer_srv_get(sl, server, KVS__SRV_CONNECTING);
    if (!s)
        return KVS_ERR_STATE;
    if (sock == KVS_SOCK_INVALID) {
        kvs__peer_srv_done(sl, s, KVS__SRV_DROPPED);
        return KVS_OK;
    }
    s->stream = sock;
    kvs__peer_srv_start(sl, s, now);
    kvs__peer_milestones(sl);
    return KVS_OK;
}

/* --- inputs and outputs ------------------------------------------------------------------------- */

/* Free room an input needs: one receive window of deliveries. */
KVS_PRIVATE int kvs__peer_input_room(kvs_client *c) {
    return kvs__peer_q_room(c, (size_t)c->priv.cfg.max_message_size + 65536u + KVS__Q_SLACK);
}

KVS_PRIVATE kvs_result kvs__peer_datagram(kvs_client *c, kvs_sock s, const kvs_addr *from, const uint8_t *d, size_t n,
                                          kvs_time now) {
    int i, k;
    for (i = 0; i < KVS_MAX_PEERS; i++) {
        kvs__peer_slot *sl = c->priv.slot[i];
        for (k = 0; sl && k < sl->nsock; k++)
            if (sl->sock[k] == s) {
                if (!kvs__peer_input_room(c))
                    return KVS_ERR_AGAIN;
                kvs__peer_input(&sl->peer, k, from, d, n, now);
                kvs__peer_milestones(sl);
                return KVS_OK;
            }
    }
    return KVS_ERR_NOT_FOUND;
}

KVS_PRIVATE kvs_result kvs__peer_stream(kvs_client *c, kvs_sock s, const uint8_t *d, size_t n, kvs_time now) {
    int i, k;
    for (i = 0; i < KVS_MAX_PEERS; i++) {
        kvs__peer_slot *sl = c->priv.slot[i];
        for (k = 0; sl && k < sl->nsrv; k++)
            if (sl->srv[k].stream == s && sl->srv[k].state == KVS__SRV_STARTED) {
                if (!kvs__peer_input_room(c))
                    return KVS_ERR_AGAIN;
                kvs__peer_stream_input(&sl->peer, sl->srv[k].ice, d, n, now);
                kvs__peer_milestones(sl);
                return KVS_OK;
            }
    }
    return KVS_ERR_NOT_FOUND;
}

KVS_PRIVATE void kvs__peer_timers(kvs_client *c, kvs_time now) {
    int i;
    for (i = 0; i < KVS_MAX_PEERS; i++)
        if (c->priv.slot[i]) {
            kvs__peer_timeout(&c->priv.slot[i]->peer, now);
            kvs__peer_milestones(c->priv.slot[i]);
        }
}

/* The server of the stream route r (ICE's TURN index), or NULL. */
KVS_PRIVATE kvs__peer_srv *kvs__peer_srv_of(kvs__peer_slot *sl, int ice_index) {
    int k;
    for (k = 0; k < sl->nsrv; k++)
        if (sl->srv[k].state == KVS__SRV_STARTED && sl->srv[k].is_turn && sl->srv[k].transport != KVS__TURN_UDP &&
            sl->srv[k].ice == ice_index)
            return &sl->srv[k];
    return NULL;
}

/* The next datagram or stream bytes of slot sl as a TRANSMIT event (data in c->priv.tx). */
KVS_PRIVATE int kvs__peer_transmit(kvs__peer_slot *sl, kvs_event *ev, kvs_time now) {
    kvs_client *c = sl->c;
    kvs__ice_route r;
    size_t len;
    for (;;) {
        kvs__peer_srv *s;
        if (kvs__peer_output(&sl->peer, &r, c->priv.tx, sizeof c->priv.tx, &len, now) != KVS_OK)
            return 0;
        KVS_MEMSET(ev, 0, sizeof *ev);
        ev->peer.id = sl->id;
        ev->user = sl->user;
        ev->u.transmit.data = c->priv.tx;
        ev->u.transmit.len = len;
        if (r.kind == KVS__ICE_ROUTE_UDP && r.sock >= 0 && r.sock < sl->nsock) {
            ev->type = KVS_EV_TRANSMIT_UDP;
            ev->u.transmit.sock = sl->sock[r.sock];
            ev->u.transmit.to = r.to;
            return 1;
        }
        if (r.kind == KVS__ICE_ROUTE_STREAM && (s = kvs__peer_srv_of(sl, r.sock)) != NULL) {
            ev->type = KVS_EV_TRANSMIT_TCP;
            ev->u.transmit.sock = s->stream;
            return 1;
        }
        /* a route to nothing (a server dropped meanwhile): the bytes go nowhere, as on a network */
    }
}

/* Servers that wait for the application: the next KVS_EV_RESOLVE / KVS_EV_TCP_CONNECT. */
KVS_PRIVATE int kvs__peer_srv_event(kvs__peer_slot *sl, kvs_event *ev) {
    int k;
    for (k = 0; k < sl->nsrv; k++) {
        kvs__peer_srv *s = &sl->srv[k];
        if (s->state != KVS__SRV_RESOLVE && s->state != KVS__SRV_CONNECT)
            continue;
        KVS_MEMSET(ev, 0, sizeof *ev);
        ev->peer.id = sl->id;
        ev->user = sl->user;
        if (s->state == KVS__SRV_RESOLVE) {
            s->state = KVS__SRV_RESOLVING;
            ev->type = KVS_EV_RESOLVE;
            ev->u.resolve.host = s->host;
            ev->u.resolve.port = s->port;
            ev->u.resolve.server = k;
        } else {
            s->state = KVS__SRV_CONNECTING;
            ev->type = KVS_EV_TCP_CONNECT;
            ev->u.tcp_connect.to = s->addr;
            ev->u.tcp_connect.server = k;
        }
        return 1;
    }
    return 0;
}

KVS_PRIVATE kvs_time kvs__peer_next(const kvs_client *c) {
    kvs_time d = KVS_TIME_NEVER, t;
    int i, k;
    if (c->priv.q_head != c->priv.q_tail)
        return 0;
    for (i = 0; i < KVS_MAX_PEERS; i++) {
        const kvs__peer_slot *sl = c->priv.slot[i];
        if (!sl)
            continue;
        for (k = 0; k < sl->nsrv; k++)
            if (sl->srv[k].state == KVS__SRV_RESOLVE || sl->srv[k].state == KVS__SRV_CONNECT)
                return 0;
        t = kvs__peer_deadline(&sl->peer);
        if (t < d)
            d = t;
    }
    return d;
}

KVS_PRIVATE void kvs__peer_stats(const kvs__peer_slot *sl, kvs_peer_stats *o) {
    const kvs__peer *p = &sl->peer;
    int i;
    KVS_MEMSET(o, 0, sizeof *o);
    o->timeline.created = p->tl.created;
    o->timeline.at[KVS_MS_REMOTE_DESCRIPTION] = p->tl.remote_set;
    o->timeline.at[KVS_MS_FIRST_CANDIDATE] = p->tl.first_candidate;
    o->timeline.at[KVS_MS_ICE_CONNECTED] = p->tl.ice_connected;
    o->timeline.at[KVS_MS_DTLS_CONNECTED] = p->tl.dtls_connected;
    o->timeline.at[KVS_MS_SCTP_UP] = p->tl.sctp_up;
    o->timeline.at[KVS_MS_FIRST_CHANNEL] = p->tl.first_channel;
    o->state = (kvs_peer_state)sl->state;
    for (i = 0; i < KVS_ICE_MAX_CANDIDATES; i++) {
        o->local_candidates += p->ice.local[i].used;
        o->remote_candidates += p->ice.remote[i].used;
    }
    o->selected_local_type = o->selected_remote_type = -1;
    if (p->ice.selected >= 0) {
        const kvs__ice_pair *pr = &p->ice.pairs[p->ice.selected];
        o->selected_local_type = p->ice.local[pr->local].type;
        o->selected_remote_type = p->ice.remote[pr->remote].type;
        o->selected_local = p->ice.local[pr->local].addr;
        o->selected_remote = p->ice.remote[pr->remote].addr;
    }
    if (p->sctp_started) {
        for (i = 0; i < KVS_SCTP_MAX_STREAMS; i++) {
            const kvs__dc *d = &p->dcep.ch[i];
            if (d->state == KVS__DC_FREE)
                continue;
            o->channels_open += d->state == KVS__DC_OPEN;
            o->bytes_sent += d->bytes_sent;
            o->bytes_received += d->bytes_received;
            o->messages_sent += d->msgs_sent;
            o->messages_received += d->msgs_received;
        }
        o->sctp_retransmissions = p->sctp.st.retransmissions;
        o->sctp_srtt = p->sctp.st.srtt;
    }
}

/* ==== [38] >>drv  the optional driver: the platform's sockets around the sans-IO core ========= */
/* depends on: >>peer-host, >>client.  entry points: kvs_run_once, kvs_client_poll (via >>api).
   With the platform's socket callbacks the client does its own I/O: kvs_peer_create opens a UDP
   socket per local address, kvs_run_once reads the sockets and runs the timers, and
   kvs_client_poll sends datagrams, resolves names and connects TURN streams itself instead of
   returning those events. No protocol logic lives here. Stream bytes are never dropped: what a
   TCP socket does not take waits in a per-server buffer, and while that buffer cannot take
   another packet the peer's output is not pulled.                                              */

/* Open the peer's UDP sockets: one per local address (link-local ones left out). */
KVS_PRIVATE kvs_result kvs__drv_open_sockets(kvs_client *c, kvs__peer_slot *sl, const kvs_peer_config *cfg) {
    kvs_addr addrs[KVS_PEER_MAX_SOCKETS];
    int n, i;
    const kvs_platform *pf = &c->priv.pf;
    if (cfg->n_local_addresses > 0) {
        n = KVS__MIN(cfg->n_local_addresses, KVS_PEER_MAX_SOCKETS);
        KVS_MEMCPY(addrs, cfg->local_addresses, (size_t)n * sizeof addrs[0]);
    } else {
        n = pf->local_addresses ? pf->local_addresses(pf->user, addrs, KVS_PEER_MAX_SOCKETS) : 0;
        if (n < 0)
            return KVS_ERR_IO;
    }
    for (i = 0; i < n; i++) {
        kvs_sock s;
        kvs_addr bound;
        if (kvs__util_addr_is_link_local(&addrs[i]) || pf->udp_open(pf->user, &addrs[i], &s, &bound) < 0)
            continue;
        if (kvs__peer_add_socket(sl, s, &bound, 1) != KVS_OK)
            pf->sock_close(pf->user, s);
    }
    return sl->nsock ? KVS_OK : KVS_ERR_IO;
}

/* Push what a stream server owes its socket; 1 when it cannot take another packet. */
KVS_PRIVATE int kvs__drv_flush(kvs_client *c, kvs__peer_srv *s) {
    const kvs_platform *pf = &c->priv.pf;
    while (s->npend) {
        int k = pf->tcp_send(pf->user, s->stream, s->pend, s->npend);
        if (k <= 0)
            break;
        KVS_MEMMOVE(s->pend, s->pend + k, s->npend - (size_t)k);
        s->npend -= (size_t)k;
    }
    return KVS__PEER_STREAM_BUF - s->npend < sizeof c->priv.tx;
}

/* 1 while one of the slot's streams is too full to take its next packet. */
KVS_PRIVATE int kvs__drv_blocked(kvs_client *c, kvs__peer_slot *sl) {
    int k, blocked = 0;
    for (k = 0; k < sl->nsrv; k++)
        if (sl->srv[k].pend && kvs__drv_flush(c, &sl->srv[k]))
            blocked = 1;
    return blocked;
}

/* Carry out a RESOLVE, TCP_CONNECT or TRANSMIT event through the platform. */
KVS_PRIVATE void kvs__drv_serve(kvs_client *c, kvs__peer_slot *sl, const kvs_event *ev, kvs_time now) {
    const kvs_platform *pf = &c->priv.pf;
    kvs_addr addrs[4];
    kvs_sock s = KVS_SOCK_INVALID;
    int n, k;
    switch (ev->type) {
    case KVS_EV_TRANSMIT_UDP:
        (void)pf->udp_send(pf->user, ev->u.transmit.sock, &ev->u.transmit.to, ev->u.transmit.data,
                           ev->u.transmit.len); /* a datagram the kernel refuses is lost, as on a wire */
        break;
    case KVS_EV_TRANSMIT_TCP:
        for (k = 0; k < sl->nsrv; k++) {
            kvs__peer_srv *v = &sl->srv[k];
            if (v->stream == ev->u.transmit.sock && v->pend && ev->u.transmit.len <= KVS__PEER_STREAM_BUF - v->npend) {
                KVS_MEMCPY(v->pend + v->npend, ev->u.transmit.data, ev->u.transmit.len);
                v->npend += ev->u.transmit.len;
                (void)kvs__drv_flush(c, v);
            }
        }
        break;
    case KVS_EV_RESOLVE:
        n = pf->resolve ? pf->resolve(pf->user, ev->u.resolve.host, ev->u.resolve.port, addrs, 4) : -1;
        if (n == 0)
            sl->srv[ev->u.resolve.server].state = KVS__SRV_RESOLVE; /* pending: ask again later */
        else
            (void)kvs__peer_resolved(sl, ev->u.resolve.server, addrs, n < 0 ? 0 : n, now);
        break;
    case KVS_EV_TCP_CONNECT: {
        kvs__peer_srv *v = &sl->srv[ev->u.tcp_connect.server];
        if (pf->tcp_connect && pf->tcp_send && pf->tcp_recv &&
            pf->tcp_connect(pf->user, &ev->u.tcp_connect.to, &s) >= 0) {
            v->pend = (uint8_t *)kvs__mem_alloc(&c->priv.mem, KVS__PEER_STREAM_BUF);
            if (!v->pend) {
                pf->sock_close(pf->user, s);
                s = KVS_SOCK_INVALID;
            }
        }
        (void)kvs__peer_tcp_connected(sl, ev->u.tcp_connect.server, s, now);
        break;
    }
    default:
        break;
    }
}

/* kvs_client_poll: queued events first, then servers waiting for the application, then the
   peers' datagrams round robin. The driver carries out what it can itself. */
KVS_PRIVATE kvs_result kvs__drv_poll(kvs_client *c, kvs_time now, kvs_event *ev) {
    int i, n, busy;
    for (;;) {
        if (kvs__peer_q_pop(c, ev))
            return KVS_OK;
        busy = 0;
        for (i = 0; i < KVS_MAX_PEERS && !busy; i++) {
            kvs__peer_slot *sl = c->priv.slot[i];
            if (sl && kvs__peer_srv_event(sl, ev)) {
                if (!c->priv.driver)
                    return KVS_OK;
                kvs__drv_serve(c, sl, ev, now);
                busy = ev->type != KVS_EV_RESOLVE || sl->srv[ev->u.resolve.server].state != KVS__SRV_RESOLVE;
            }
        }
        for (n = 0; n < KVS_MAX_PEERS && !busy; n++) {
            kvs__peer_slot *sl;
            i = (c->priv.rr + n) % KVS_MAX_PEERS;
            sl = c->priv.slot[i];
            if (!sl || (c->priv.driver && kvs__drv_blocked(c, sl)))
                continue;
            busy = kvs__peer_transmit(sl, ev, now);
            kvs__peer_milestones(sl);
            if (busy) {
                c->priv.rr = (i + 1) % KVS_MAX_PEERS;
                if (!c->priv.driver)
                    return KVS_OK;
                kvs__drv_serve(c, sl, ev, now);
            }
        }
        if (!busy && c->priv.q_head == c->priv.q_tail)
            return KVS_ERR_AGAIN;
    }
}

/* kvs_run_once: every socket of every peer, while the queue has room, then the timers. */
KVS_PRIVATE kvs_result kvs__drv_run(kvs_client *c, kvs_time now) {
    const kvs_platform *pf = &c->priv.pf;
    uint8_t buf[2048];
    kvs_addr from;
    int i, k, n;
    for (i = 0; i < KVS_MAX_PEERS; i++) {
        kvs__peer_slot *sl = c->priv.slot[i];
        if (!sl)
            continue;
        for (k = 0; k < sl->nsock; k++)
            while (kvs__peer_input_room(c) && (n = pf->udp_recv(pf->user, sl->sock[k], &from, buf, sizeof buf)) > 0)
                kvs__peer_input(&sl->peer, k, &from, buf, (size_t)n, now);
        for (k = 0; k < sl->nsrv; k++) {
            kvs__peer_srv *s = &sl->srv[k];
            if (s->state != KVS__SRV_STARTED || !s->pend)
                continue;
            (void)kvs__drv_flush(c, s);
            while (kvs__peer_input_room(c) && (n = pf->tcp_recv(pf->user, s->stream, buf, sizeof buf)) > 0)
                kvs__peer_stream_input(&sl->peer, s->ice, buf, (size_t)n, now);
        }
        kvs__peer_milestones(sl);
    }
    kvs__peer_timers(c, now);
    return KVS_OK;
}

/* ==== [39] >>api  public entry points: validate arguments, then call the sections ============ */
/* depends on: every section above.  entry points: every KVS_DEF function but the POSIX platform
   and the testing hooks. Public functions stay thin: argument and state checks here, the work in
   the sections. A client function refuses to run inside one of its own callbacks.               */

/* KVS_OK when c may be used now; else the result to return. */
KVS_PRIVATE kvs_result kvs__api_check(const kvs_client *c) {
    if (!c)
        return KVS_ERR_INVALID_ARG;
    if (c->priv.magic != KVS__CLIENT_MAGIC)
        return KVS_ERR_STATE;
    if (c->priv.in_callback)
        return KVS_ERR_STATE;
    return KVS_OK;
}

KVS__API const char *kvs_result_str(kvs_result r) {
    switch (r) {
#define KVS__X(name, value, desc)                                                                \
    case KVS_##name:                                                                             \
        return desc;
        KVS_RESULTS(KVS__X)
#undef KVS__X
    default:
        return "unknown result";
    }
}

KVS__API int kvs_result_is_fatal(kvs_result r) {
    return r <= KVS_ERR_FATAL;
}

KVS__API const char *kvs_log_item_str(int item) {
#if KVS_NO_LOG_STRINGS
    (void)item;
    return "";
#else
    if (item < 0 || item >= (int)KVS_LOG_ITEM_COUNT_)
        return "unknown log item";
    return kvs__log_item_strs[item];
#endif
}

KVS__API const char *kvs_log_item_name(int item) {
#if KVS_NO_LOG_STRINGS
    (void)item;
    return "";
#else
    if (item < 0 || item >= (int)KVS_LOG_ITEM_COUNT_)
        return "?";
    return kvs__log_item_names[item];
#endif
}

KVS__API const char *kvs_log_level_str(int level) {
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    if (level < KVS_LOG_ERROR || level > KVS_LOG_TRACE)
        return "?";
    return names[level - KVS_LOG_ERROR];
}

KVS__API const char *kvs_version(void) {
    return KVS_VERSION_STRING;
}

KVS__API kvs_result kvs_config_resolve(const kvs_config *in, kvs_config *out) {
    if (!out)
        return KVS_ERR_INVALID_ARG;
    return kvs__client_config_resolve(in, out);
}

KVS__API kvs_result kvs_client_init(kvs_client *c, const kvs_config *cfg, const kvs_platform *pf) {
    if (!c)
        return KVS_ERR_INVALID_ARG;
    if (!pf) {
        KVS_MEMSET(c, 0, sizeof *c);
        c->priv.log.last_item = KVS_LOG_API_NULL_ARG;
        return KVS_ERR_INVALID_ARG;
    }
    return kvs__client_init(c, cfg, pf);
}

KVS__API void kvs_client_deinit(kvs_client *c) {
    int i;
    if (kvs__api_check(c) != KVS_OK)
        return;
    for (i = 0; i < KVS_MAX_PEERS; i++)
        if (c->priv.slot[i])
            kvs__peer_slot_free(c, i);
    kvs__client_deinit(c);
}

KVS__API kvs_result kvs_client_memory_stats(const kvs_client *c, kvs_memory_stats *out) {
    kvs_result r = kvs__api_check(c);
    if (r != KVS_OK)
        return r;
    if (!out)
        return KVS_ERR_INVALID_ARG;
    *out = c->priv.mem.st;
    return KVS_OK;
}

KVS__API const kvs_config *kvs_client_config(const kvs_client *c) {
    return (c && c->priv.magic == KVS__CLIENT_MAGIC) ? &c->priv.cfg : NULL;
}

KVS__API int kvs_client_last_error_item(const kvs_client *c) {
    return c ? c->priv.log.last_item : (int)KVS_LOG_API_NULL_ARG;
}

KVS__API kvs_result kvs_addr_parse(kvs_addr *out, const char *s, size_t n, uint16_t port) {
    if (!out || (!s && n))
        return KVS_ERR_INVALID_ARG;
    return kvs__util_addr_parse(out, s ? s : "", n, port);
}

KVS__API kvs_result kvs_addr_format(const kvs_addr *a, int with_port, char *out, size_t cap,
                                    size_t *out_len) {
    kvs__wr w;
    if (!a || (!out && cap) || (a->family != KVS_AF_INET && a->family != KVS_AF_INET6))
        return KVS_ERR_INVALID_ARG;
    kvs__wr_init(&w, out, cap);
    kvs__util_addr_write(&w, a, with_port);
    return kvs__wr_result_str(&w, out_len);
}

KVS__API int kvs_addr_equal(const kvs_addr *a, const kvs_addr *b) {
    return a && b && kvs__util_addr_equal(a, b);
}

KVS__API int kvs_addr_is_loopback(const kvs_addr *a) {
    return a && kvs__util_addr_is_loopback(a);
}

KVS__API int kvs_addr_is_link_local(const kvs_addr *a) {
    return a && kvs__util_addr_is_link_local(a);
}

/* --- peer connections (>>peer-host, >>drv) --------------------------------------------------- */

/* The slot of peer p, or NULL with *r set. */
KVS_PRIVATE kvs__peer_slot *kvs__api_slot(const kvs_client *c, kvs_peer_id p, kvs_result *r) {
    kvs__peer_slot *sl;
    *r = kvs__api_check(c);
    if (*r != KVS_OK)
        return NULL;
    sl = kvs__peer_find(c, p.id);
    if (!sl)
        *r = KVS_ERR_NOT_FOUND;
    return sl;
}

KVS__API size_t kvs_client_queue_size(const kvs_config *client_cfg) {
    kvs_config cc;
    if (kvs__client_config_resolve(client_cfg, &cc) != KVS_OK)
        return 0;
    return kvs__peer_queue_size(&cc);
}

KVS__API size_t kvs_peer_memory_size(const kvs_config *client_cfg, const kvs_peer_config *cfg) {
    kvs_config cc;
    kvs__tls_cfg tc;
    size_t n, send = cfg && cfg->send_buffer ? cfg->send_buffer : 1u << 20;
    int k, tls = 0, streams = 0;
    if (kvs__client_config_resolve(client_cfg, &cc) != KVS_OK)
        return 0;
    for (k = 0; cfg && k < cfg->n_ice_servers && cfg->ice_servers; k++) {
        const char *u = cfg->ice_servers[k].url, *h;
        size_t hl;
        uint16_t port;
        int transport, is_turn;
        if (!u || kvs__turn_uri_parse(u, KVS_STRLEN(u), &h, &hl, &port, &transport, &is_turn) != KVS_OK || !is_turn)
            continue;
        tls += transport == KVS__TURN_TLS;
        streams += transport != KVS__TURN_UDP;
    }
    KVS_MEMSET(&tc, 0, sizeof tc);
    /* the slot (peer, ICE, SCTP, DCEP), the DTLS handshake while it runs, the SDP parsed for a
       call, the SCTP send buffer, the receive window with a header per held chunk plus one
       message being reassembled, and per TURN stream its buffer and TLS */
    n = sizeof(kvs__peer_slot) + sizeof(kvs__dtls_hs) + sizeof(kvs__sdp) + send;
    n += (size_t)cc.max_message_size + 65536u + KVS__SCTP_WINDOW * sizeof(kvs__sctp_chunk) + cc.max_message_size;
    n += (size_t)streams * KVS__PEER_STREAM_BUF + (size_t)tls * kvs__tls_memory_size(&tc);
    return n;
}

KVS__API kvs_result kvs_peer_create(kvs_client *c, const kvs_peer_config *cfg, kvs_time now, kvs_peer_id *out) {
    kvs_result r = kvs__api_check(c);
    kvs__peer_slot *sl;
    int i, k;
    if (r != KVS_OK)
        return r;
    if (out)
        out->id = 0;
    if (!cfg || !out) {
        KVS__LOG_WARN(&c->priv.log, API_NULL_ARG);
        return KVS_ERR_INVALID_ARG;
    }
    if (!cfg->cert || !cfg->cert->der_len || cfg->n_ice_servers < 0 || (cfg->n_ice_servers && !cfg->ice_servers) ||
        cfg->n_sockets < 0 || (cfg->n_sockets && (!cfg->sockets || !cfg->socket_addresses)) ||
        cfg->n_local_addresses < 0 || (cfg->n_local_addresses && !cfg->local_addresses) ||
        (cfg->ice_policy != KVS_ICE_POLICY_ALL && cfg->ice_policy != KVS_ICE_POLICY_RELAY)) {
        KVS__LOG_WARN(&c->priv.log, PEER_CONFIG);
        return KVS_ERR_INVALID_ARG;
    }
    r = kvs__peer_slot_new(c, cfg, now, &i);
    if (r != KVS_OK)
        return r;
    sl = c->priv.slot[i];
    for (k = 0; k < cfg->n_ice_servers && r == KVS_OK; k++) {
        r = kvs__peer_srv_add(sl, &cfg->ice_servers[k], cfg->ice_policy == KVS_ICE_POLICY_RELAY);
        if (r != KVS_OK)
            KVS__LOGF_WARN(&c->priv.log, PEER_CONFIG, "ice_servers[%d]: %s", k,
                           cfg->ice_servers[k].url ? cfg->ice_servers[k].url : "NULL");
    }
    for (k = 0; k < cfg->n_sockets && r == KVS_OK; k++)
        r = kvs__peer_add_socket(sl, cfg->sockets[k], &cfg->socket_addresses[k], 0);
    if (r == KVS_OK && !cfg->n_sockets && c->priv.driver)
        r = kvs__drv_open_sockets(c, sl, cfg);
    if (r != KVS_OK) {
        kvs__peer_slot_free(c, i);
        return r;
    }
    kvs__peer_start_literals(sl, now);
    out->id = sl->id;
    return KVS_OK;
}

KVS__API kvs_result kvs_peer_destroy(kvs_client *c, kvs_peer_id p) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    int i;
    if (!sl)
        return r;
    for (i = 0; c->priv.slot[i] != sl; i++)
        ;
    kvs__peer_slot_free(c, i);
    return KVS_OK;
}

KVS__API kvs_result kvs_peer_create_offer(kvs_client *c, kvs_peer_id p, char *out, size_t cap, size_t *len,
                                          kvs_time now) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    if (!len || (!out && cap))
        return KVS_ERR_INVALID_ARG;
    sl->peer.now = now;
    return kvs__peer_create_offer(&sl->peer, out, cap, len);
}

KVS__API kvs_result kvs_peer_answer(kvs_client *c, kvs_peer_id p, const char *sdp, size_t n, char *out, size_t cap,
                                    size_t *len, int *err_line, kvs_time now) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    if (!len || (!out && cap) || (!sdp && n))
        return KVS_ERR_INVALID_ARG;
    r = kvs__peer_answer(&sl->peer, sdp ? sdp : "", n, out, cap, len, err_line, now);
    kvs__peer_milestones(sl);
    return r;
}

KVS__API kvs_result kvs_peer_set_answer(kvs_client *c, kvs_peer_id p, const char *sdp, size_t n, int *err_line,
                                        kvs_time now) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    if (!sdp && n)
        return KVS_ERR_INVALID_ARG;
    r = kvs__peer_set_answer(&sl->peer, sdp ? sdp : "", n, err_line, now);
    kvs__peer_milestones(sl);
    return r;
}

KVS__API kvs_result kvs_peer_add_candidate(kvs_client *c, kvs_peer_id p, const char *line, size_t n, kvs_time now) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    sl->peer.now = now;
    if (!line || n == 0) {
        kvs__ice_remote_done(&sl->peer.ice);
        return KVS_OK;
    }
    if (n >= 2 && line[0] == 'a' && line[1] == '=') {
        line += 2;
        n -= 2;
    }
    while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    return kvs__peer_add_candidate(&sl->peer, line, n);
}

KVS__API kvs_result kvs_peer_resolved(kvs_client *c, kvs_peer_id p, int server, const kvs_addr *addrs, int n,
                                      kvs_time now) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    if (n < 0 || (n && !addrs))
        return KVS_ERR_INVALID_ARG;
    return kvs__peer_resolved(sl, server, addrs, n, now);
}

KVS__API kvs_result kvs_peer_tcp_connected(kvs_client *c, kvs_peer_id p, int server, kvs_sock s, kvs_time now) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    return kvs__peer_tcp_connected(sl, server, s, now);
}

KVS__API kvs_result kvs_peer_stats_get(const kvs_client *c, kvs_peer_id p, kvs_peer_stats *out) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    if (!out)
        return KVS_ERR_INVALID_ARG;
    kvs__peer_stats(sl, out);
    return KVS_OK;
}

KVS__API kvs_result kvs_dc_open(kvs_client *c, kvs_peer_id p, const kvs_dc_config *cfg, uint16_t *id) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    uint16_t sid = 0;
    if (!sl)
        return r;
    if (!cfg)
        return KVS_ERR_INVALID_ARG;
    r = kvs__peer_open_channel(&sl->peer, cfg->label ? cfg->label : "", cfg->protocol ? cfg->protocol : "", cfg->type,
                               cfg->reliability, cfg->negotiated, cfg->negotiated ? cfg->id : -1, &sid);
    if (r == KVS_OK && id)
        *id = sid;
    return r;
}

KVS__API kvs_result kvs_dc_send(kvs_client *c, kvs_peer_id p, uint16_t id, const void *data, size_t n, int binary) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    if (!data && n)
        return KVS_ERR_INVALID_ARG;
    return kvs__peer_send(&sl->peer, id, data, n, binary);
}

KVS__API kvs_result kvs_dc_close(kvs_client *c, kvs_peer_id p, uint16_t id) {
    kvs_result r;
    kvs__peer_slot *sl = kvs__api_slot(c, p, &r);
    if (!sl)
        return r;
    return kvs__peer_close_channel(&sl->peer, id);
}

KVS__API kvs_result kvs_client_handle_datagram(kvs_client *c, kvs_sock s, const kvs_addr *from, const void *data,
                                               size_t n, kvs_time now) {
    kvs_result r = kvs__api_check(c);
    if (r != KVS_OK)
        return r;
    if (!from || (!data && n))
        return KVS_ERR_INVALID_ARG;
    return kvs__peer_datagram(c, s, from, (const uint8_t *)data, n, now);
}

KVS__API kvs_result kvs_client_handle_stream(kvs_client *c, kvs_sock s, const void *data, size_t n, kvs_time now) {
    kvs_result r = kvs__api_check(c);
    if (r != KVS_OK)
        return r;
    if (!data && n)
        return KVS_ERR_INVALID_ARG;
    return kvs__peer_stream(c, s, (const uint8_t *)data, n, now);
}

KVS__API kvs_result kvs_client_handle_timeout(kvs_client *c, kvs_time now) {
    kvs_result r = kvs__api_check(c);
    if (r != KVS_OK)
        return r;
    kvs__peer_timers(c, now);
    return KVS_OK;
}

KVS__API kvs_result kvs_client_poll(kvs_client *c, kvs_time now, kvs_event *ev) {
    kvs_result r = kvs__api_check(c);
    if (r != KVS_OK)
        return r;
    if (!ev)
        return KVS_ERR_INVALID_ARG;
    return kvs__drv_poll(c, now, ev);
}

KVS__API kvs_time kvs_client_next_timeout(const kvs_client *c) {
    if (kvs__api_check(c) != KVS_OK)
        return KVS_TIME_NEVER;
    return kvs__peer_next(c);
}

KVS__API kvs_result kvs_run_once(kvs_client *c, kvs_time now) {
    kvs_result r = kvs__api_check(c);
    if (r != KVS_OK)
        return r;
    if (!c->priv.driver)
        return KVS_ERR_STATE; /* the platform has no sockets: feed kvs_client_handle_* instead */
    return kvs__drv_run(c, now);
}

/* ==== [40] >>plat-posix  the POSIX platform: clocks, getrandom, UDP/TCP, DNS, interfaces ===== */
/* depends on: >>prelude, >>util (kvs__util_addr_parse), kvs_log_level_str, kvs_log_item_str and kvs_log_item_name
   (>>api). Built only with KVS_PLATFORM_POSIX.
   entry points: kvs_posix_init, kvs_posix_deinit, kvs_posix_platform, kvs_posix_wait, and the
   callbacks kvs_posix_now, kvs_posix_unix_time, kvs_posix_random, kvs_posix_udp_open,
   kvs_posix_udp_send, kvs_posix_udp_recv, kvs_posix_tcp_connect, kvs_posix_tcp_send,
   kvs_posix_tcp_recv, kvs_posix_sock_close, kvs_posix_resolve, kvs_posix_local_addresses,
   kvs_posix_log.
   Linux, the BSDs and macOS. A kvs_posix tracks at most KVS_POSIX_MAX_SOCKETS sockets; a kvs_sock
   is the file descriptor. A handle the table does not hold is KVS_ERR_INVALID_ARG, and
   sock_close ignores it: this layer never closes a descriptor it did not open. Opening a socket
   when the table is full is KVS_ERR_LIMIT (checked before any system call). There is no global
   state: two kvs_posix may serve two threads.
   - Clocks: now is CLOCK_MONOTONIC in microseconds, unix_time is CLOCK_REALTIME in seconds.
   - Randomness: getrandom(2) on Linux (/dev/urandom when the kernel lacks the system call; like
     every getrandom user it may wait once, in early boot, until the kernel pool is seeded),
     arc4random_buf on macOS and the BSDs, /dev/urandom elsewhere. Never a weaker generator: a
     failure is KVS_ERR_CRYPTO, with the buffer zeroed.
   - Sockets are non-blocking and close-on-exec. IPv6 sockets are IPV6_V6ONLY: they never carry
     IPv4 (mapped) traffic, so a dual-stack host opens one socket per family. A zone (scope_id)
     is honoured when binding, sending and connecting.
   - UDP: a datagram longer than the receive buffer is discarded whole (MSG_TRUNC), counted in
     priv.truncated and logged at DEBUG (item POSIX_TRUNCATED), and the call goes on with the
     next queued datagram. Empty datagrams and ICMP errors reported on the socket (ECONNREFUSED)
     are skipped the same way; after 64 skips in one call it returns 0 and the socket stays
     readable. A full send buffer (EAGAIN, ENOBUFS) drops the datagram and returns 0.
   - TCP: connect starts non-blocking, with TCP_NODELAY. tcp_send / tcp_recv return 0 until it
     completes (checked with a zero-timeout poll and SO_ERROR) and KVS_ERR_IO from then on if it
     failed. The peer's orderly close or reset is KVS_ERR_CLOSED. SIGPIPE is never raised:
     MSG_NOSIGNAL on Linux and the BSDs, SO_NOSIGPIPE on macOS; on a system with neither the
     application must ignore SIGPIPE itself.
   - resolve BLOCKS. It calls getaddrinfo(3), which is synchronous: for a name it may wait
     seconds for DNS answers (the resolver's timeouts and retries). POSIX has no portable
     asynchronous resolver (getaddrinfo_a is glibc-only and runs threads), so this resolve never
     returns 0 ("pending"); a program that must never block resolves names on a thread of its
     own, or with its own resolver, and installs its own resolve callback. Numeric addresses
     ("192.0.2.1", "2001:db8::1", "fe80::1%2") are parsed without getaddrinfo and never block.
     Names give at most max addresses in getaddrinfo's order (RFC 6724 on glibc), without
     duplicates; only IPv4 and IPv6 addresses are returned.
   - local_addresses: getifaddrs(3); the IPv4 and IPv6 addresses of the interfaces that are up,
     loopback included; a link-local IPv6 address carries its interface index in scope_id.
   - wait: poll(2) over every tracked socket (readable, or a pending connect completing; wait
     records the outcome of such a connect, which tcp_send / tcp_recv then report).
     KVS_TIME_NEVER with no socket tracked waits until a signal arrives.
   - log: one line per record on stderr, "kvs LEVEL ITEM line N: message", ITEM being the log
     item's name (its number under KVS_NO_LOG_STRINGS).                                          */

#if KVS_PLATFORM_POSIX

#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <poll.h>
#include <time.h>
#include <netdb.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) ||  \
    defined(__DragonFly__)
#define KVS__POSIX_BSD 1
#else
#define KVS__POSIX_BSD 0
#endif

#if defined(__linux__)
#include <sys/random.h>
#define KVS__POSIX_GETRANDOM 1
#else
#define KVS__POSIX_GETRANDOM 0
#endif
#if KVS__POSIX_BSD
#include <stdlib.h> /* arc4random_buf */
#endif

#define KVS__POSIX_UDP 1
#define KVS__POSIX_TCP 2
#define KVS__POSIX_CONN_DONE 0
#define KVS__POSIX_CONN_PENDING 1
#define KVS__POSIX_CONN_FAILED 2
/* Datagrams (too long, empty, ICMP errors) one udp_recv call skips before returning 0. */
#define KVS__POSIX_RECV_SKIP_MAX 64

/* Set atomically at creation where the system allows it; fcntl makes sure everywhere. */
#ifdef SOCK_CLOEXEC
#define KVS__POSIX_SOCK_CLOEXEC SOCK_CLOEXEC
#else
#define KVS__POSIX_SOCK_CLOEXEC 0
#endif
#ifdef MSG_NOSIGNAL
#define KVS__POSIX_MSG_NOSIGNAL MSG_NOSIGNAL
#else
#define KVS__POSIX_MSG_NOSIGNAL 0
#endif

/* --- log -------------------------------------------------------------------------------------- */

KVS__API void kvs_posix_log(void *user, int level, int item, const char *msg, int line) {
    const kvs_posix *px = (const kvs_posix *)user;
    char num[24];
    const char *name = kvs_log_item_name(item);
    if (px && level > (px->log_level ? px->log_level : KVS_LOG_INFO))
        return;
    if (!msg)
        msg = kvs_log_item_str(item);
    if (!*name || *name == '?') {
        snprintf(num, sizeof num, "%d", item);
        name = num;
    }
    fprintf(stderr, "kvs %s %s line %d: %s\n", kvs_log_level_str(level), name, line, msg);
}

/* Log a failed system call at DEBUG (only with a kvs_posix to filter on) and return `result`. */
KVS_PRIVATE int kvs__posix_fail(kvs_posix *px, int item, const char *call, int err, int line,
                                int result) {
#if KVS_LOG_LEVEL_MAX >= KVS_LOG_DEBUG
    if (px) {
#if KVS_NO_LOG_STRINGS
        (void)call;
        (void)err;
        kvs_posix_log(px, KVS_LOG_DEBUG, item, NULL, line);
#else
        char msg[128];
        snprintf(msg, sizeof msg, "%s: %s (error %d)", kvs_log_item_str(item), call, err);
        kvs_posix_log(px, KVS_LOG_DEBUG, item, msg, line);
#endif
    }
#else
    (void)px;
    (void)item;
    (void)call;
    (void)err;
    (void)line;
#endif
    return result;
}
#define KVS__POSIX_FAIL(px, call, err, result)                                                   \
    kvs__posix_fail((px), KVS_LOG_POSIX_SOCKET, (call), (err), __LINE__, (result))

/* --- clocks and randomness -------------------------------------------------------------------- */

KVS__API kvs_time kvs_posix_now(void *user) {
    struct timespec ts;
    (void)user;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (kvs_time)ts.tv_sec * 1000000u + (kvs_time)ts.tv_nsec / 1000u;
}

KVS__API int64_t kvs_posix_unix_time(void *user) {
    struct timespec ts;
    (void)user;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec;
}

#if !KVS__POSIX_BSD
/* Fill b[0..len) from /dev/urandom. 0, or -1 on failure. */
KVS_PRIVATE int kvs__posix_urandom(uint8_t *b, size_t len) {
    size_t done = 0;
    int fd, flags = O_RDONLY;
#ifdef O_CLOEXEC
    flags |= O_CLOEXEC;
#endif
    do
        fd = open("/dev/urandom", flags);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    while (done < len) {
        ssize_t r = read(fd, b + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            (void)close(fd);
            return -1;
        }
        done += (size_t)r;
    }
    (void)close(fd);
    return 0;
}
#endif

KVS__API int kvs_posix_random(void *user, void *buf, size_t len) {
    uint8_t *b = (uint8_t *)buf;
    int ok;
    (void)user;
    if (len == 0)
        return 0;
    if (!b)
        return KVS_ERR_INVALID_ARG;
#if KVS__POSIX_BSD
    arc4random_buf(b, len);
    ok = 1;
#elif KVS__POSIX_GETRANDOM
    {
        size_t done = 0;
        ok = 1;
        while (done < len) {
            ssize_t r = getrandom(b + done, len - done, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && errno == ENOSYS) {
                ok = kvs__posix_urandom(b + done, len - done) == 0;
                break;
            }
            if (r <= 0) {
                ok = 0;
                break;
            }
            done += (size_t)r;
        }
    }
#else
    ok = kvs__posix_urandom(b, len) == 0;
#endif
    if (ok)
        return 0;
    KVS_MEMSET(b, 0, len);
    return KVS_ERR_CRYPTO;
}

/* --- kvs_addr <-> sockaddr -------------------------------------------------------------------- */

/* *a as a sockaddr in *ss (length in *len). 0, or -1 for a family other than INET / INET6. */
KVS_PRIVATE int kvs__posix_to_sockaddr(const kvs_addr *a, struct sockaddr_storage *ss,
                                       socklen_t *len) {
    uint8_t port[2];
    KVS_MEMSET(ss, 0, sizeof *ss);
    kvs__put_u16(port, a->port);
    if (a->family == KVS_AF_INET) {
        struct sockaddr_in sin;
        KVS_MEMSET(&sin, 0, sizeof sin);
#ifdef SIN6_LEN
        sin.sin_len = (uint8_t)sizeof sin;
#endif
        sin.sin_family = AF_INET;
        KVS_MEMCPY(&sin.sin_port, port, 2);
        KVS_MEMCPY(&sin.sin_addr, a->ip, 4);
        KVS_MEMCPY(ss, &sin, sizeof sin);
        *len = (socklen_t)sizeof sin;
        return 0;
    }
    if (a->family == KVS_AF_INET6) {
        struct sockaddr_in6 sin6;
        KVS_MEMSET(&sin6, 0, sizeof sin6);
#ifdef SIN6_LEN
        sin6.sin6_len = (uint8_t)sizeof sin6;
#endif
        sin6.sin6_family = AF_INET6;
        KVS_MEMCPY(&sin6.sin6_port, port, 2);
        KVS_MEMCPY(&sin6.sin6_addr, a->ip, 16);
        sin6.sin6_scope_id = a->scope_id;
        KVS_MEMCPY(ss, &sin6, sizeof sin6);
        *len = (socklen_t)sizeof sin6;
        return 0;
    }
    return -1;
}

/* *sa (an AF_INET or AF_INET6 sockaddr) as a kvs_addr. 0, or -1 (*out cleared) for others. */
KVS_PRIVATE int kvs__posix_from_sockaddr(const struct sockaddr *sa, kvs_addr *out) {
    KVS_MEMSET(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in sin;
        KVS_MEMCPY(&sin, sa, sizeof sin);
        out->family = KVS_AF_INET;
        out->port = kvs__get_u16((const uint8_t *)&sin.sin_port);
        KVS_MEMCPY(out->ip, &sin.sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 sin6;
        KVS_MEMCPY(&sin6, sa, sizeof sin6);
        out->family = KVS_AF_INET6;
        out->port = kvs__get_u16((const uint8_t *)&sin6.sin6_port);
        out->scope_id = (uint32_t)sin6.sin6_scope_id;
        KVS_MEMCPY(out->ip, &sin6.sin6_addr, 16);
        return 0;
    }
    return -1;
}

/* --- the socket table ------------------------------------------------------------------------- */

KVS__API void kvs_posix_init(kvs_posix *px) {
    int i;
    if (!px)
        return;
    KVS_MEMSET(px, 0, sizeof *px);
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++)
        px->priv.fd[i] = -1;
}

KVS__API void kvs_posix_deinit(kvs_posix *px) {
    int i;
    if (!px)
        return;
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++) {
        if (px->priv.fd[i] >= 0)
            (void)close(px->priv.fd[i]);
        px->priv.fd[i] = -1;
        px->priv.kind[i] = 0;
        px->priv.family[i] = 0;
        px->priv.connecting[i] = 0;
    }
}

KVS__API void kvs_posix_platform(kvs_posix *px, kvs_platform *pf) {
    if (!pf)
        return;
    KVS_MEMSET(pf, 0, sizeof *pf);
    pf->user = px;
    pf->now = kvs_posix_now;
    pf->unix_time = kvs_posix_unix_time;
    pf->random = kvs_posix_random;
    pf->udp_open = kvs_posix_udp_open;
    pf->udp_send = kvs_posix_udp_send;
    pf->udp_recv = kvs_posix_udp_recv;
    pf->tcp_connect = kvs_posix_tcp_connect;
    pf->tcp_send = kvs_posix_tcp_send;
    pf->tcp_recv = kvs_posix_tcp_recv;
    pf->sock_close = kvs_posix_sock_close;
    pf->resolve = kvs_posix_resolve;
    pf->local_addresses = kvs_posix_local_addresses;
    pf->log = kvs_posix_log;
}

/* The slot holding handle s (of the given kind; 0 = any), or -1. */
KVS_PRIVATE int kvs__posix_slot(const kvs_posix *px, kvs_sock s, int kind) {
    int i;
    if (!px || s < 0 || s > INT_MAX)
        return -1;
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++)
        if (px->priv.fd[i] == (int)s)
            return (kind == 0 || px->priv.kind[i] == kind) ? i : -1;
    return -1;
}

KVS_PRIVATE int kvs__posix_free_slot(const kvs_posix *px) {
    int i;
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++)
        if (px->priv.fd[i] < 0)
            return i;
    return -1;
}

/* A non-blocking, close-on-exec socket of `family` (KVS_AF_*) and `type`; -1 with errno set. */
KVS_PRIVATE int kvs__posix_socket(int family, int type) {
    int fd, fl, e;
    fd = socket(family == KVS_AF_INET6 ? AF_INET6 : AF_INET, type | KVS__POSIX_SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        goto fail;
    fl = fcntl(fd, F_GETFD, 0);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        goto fail;
    return fd;
fail:
    e = errno;
    (void)close(fd);
    errno = e;
    return -1;
}

KVS_PRIVATE void kvs__posix_track(kvs_posix *px, int slot, int fd, int kind, int family,
                                  int connecting) {
    px->priv.fd[slot] = fd;
    px->priv.kind[slot] = (uint8_t)kind;
    px->priv.family[slot] = (uint8_t)family;
    px->priv.connecting[slot] = (uint8_t)connecting;
}

KVS_PRIVATE int kvs__posix_would_block(int e) {
    return e == EAGAIN || e == EWOULDBLOCK;
}

KVS__API void kvs_posix_sock_close(void *user, kvs_sock s) {
    kvs_posix *px = (kvs_posix *)user;
    int i = kvs__posix_slot(px, s, 0);
    if (i < 0)
        return;
    (void)close(px->priv.fd[i]); /* never retried: the descriptor is gone even on EINTR */
    kvs__posix_track(px, i, -1, 0, 0, KVS__POSIX_CONN_DONE);
}

/* --- UDP -------------------------------------------------------------------------------------- */

KVS__API int kvs_posix_udp_open(void *user, const kvs_addr *local, kvs_sock *out, kvs_addr *bound) {
    kvs_posix *px = (kvs_posix *)user;
    struct sockaddr_storage ss;
    socklen_t len;
    int slot, fd, e, on = 1;
    if (out)
        *out = KVS_SOCK_INVALID;
    if (!px || !local || !out || kvs__posix_to_sockaddr(local, &ss, &len) != 0)
        return KVS_ERR_INVALID_ARG;
    slot = kvs__posix_free_slot(px);
    if (slot < 0)
        return KVS_ERR_LIMIT;
    fd = kvs__posix_socket(local->family, SOCK_DGRAM);
    if (fd < 0)
        return KVS__POSIX_FAIL(px, "socket", errno, KVS_ERR_IO);
    if (local->family == KVS_AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, (socklen_t)sizeof on) != 0) {
        e = errno;
        (void)close(fd);
        return KVS__POSIX_FAIL(px, "setsockopt(IPV6_V6ONLY)", e, KVS_ERR_IO);
    }
    if (bind(fd, (const struct sockaddr *)&ss, len) != 0) {
        e = errno;
        (void)close(fd);
        return KVS__POSIX_FAIL(px, "bind", e, KVS_ERR_IO);
    }
    {
        /* room for a burst of a peer's SCTP window; best effort (the kernel caps it at
           net.core.rmem_max): a datagram the kernel drops is lost for a partly reliable channel */
        int rcv = KVS_POSIX_UDP_RCVBUF;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, (socklen_t)sizeof rcv);
    }
    if (bound) {
        len = (socklen_t)sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
            kvs__posix_from_sockaddr((const struct sockaddr *)&ss, bound) != 0) {
            e = errno;
            (void)close(fd);
            return KVS__POSIX_FAIL(px, "getsockname", e, KVS_ERR_IO);
        }
    }
    kvs__posix_track(px, slot, fd, KVS__POSIX_UDP, local->family, KVS__POSIX_CONN_DONE);
    *out = (kvs_sock)fd;
    return 0;
}

KVS__API int kvs_posix_udp_send(void *user, kvs_sock s, const kvs_addr *to, const void *p,
                                size_t n) {
    kvs_posix *px = (kvs_posix *)user;
    struct sockaddr_storage ss;
    socklen_t len;
    int i = kvs__posix_slot(px, s, KVS__POSIX_UDP), stale = 0;
    if (i < 0 || !to || (!p && n) || n > (size_t)INT_MAX || to->family != px->priv.family[i] ||
        kvs__posix_to_sockaddr(to, &ss, &len) != 0)
        return KVS_ERR_INVALID_ARG;
    for (;;) {
        ssize_t r = sendto(px->priv.fd[i], p, n, 0, (const struct sockaddr *)&ss, len);
        int e;
        if (r >= 0)
            return (int)r;
        e = errno;
        if (e == EINTR)
            continue;
        if (kvs__posix_would_block(e) || e == ENOBUFS)
            return 0; /* dropped, as a full router queue would */
        if (e == ECONNREFUSED && !stale++)
            continue; /* an ICMP error left by an earlier datagram: it is now consumed */
        return KVS__POSIX_FAIL(px, "sendto", e, KVS_ERR_IO);
    }
}

KVS__API int kvs_posix_udp_recv(void *user, kvs_sock s, kvs_addr *from, void *p, size_t cap) {
    kvs_posix *px = (kvs_posix *)user;
    int i = kvs__posix_slot(px, s, KVS__POSIX_UDP), skipped = 0;
    if (i < 0 || !from || (!p && cap))
        return KVS_ERR_INVALID_ARG;
    if (cap == 0)
        return 0; /* nothing fits: leave the queue alone */
    while (skipped < KVS__POSIX_RECV_SKIP_MAX) {
        struct sockaddr_storage ss;
        struct msghdr msg;
        struct iovec iov;
        ssize_t r;
        int e;
        KVS_MEMSET(&msg, 0, sizeof msg);
        KVS_MEMSET(&ss, 0, sizeof ss);
        iov.iov_base = p;
        iov.iov_len = cap;
        msg.msg_name = &ss;
        msg.msg_namelen = (socklen_t)sizeof ss;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        r = recvmsg(px->priv.fd[i], &msg, 0);
        if (r < 0) {
            e = errno;
            if (e == EINTR)
                continue;
            if (kvs__posix_would_block(e))
                return 0;
            if (e == ECONNREFUSED) { /* ICMP port unreachable for an earlier send: not ours */
                skipped++;
                continue;
            }
            return KVS__POSIX_FAIL(px, "recvmsg", e, KVS_ERR_IO);
        }
        if (msg.msg_flags & MSG_TRUNC) {
            px->priv.truncated++;
            kvs__posix_fail(px, KVS_LOG_POSIX_TRUNCATED, "recvmsg", 0, __LINE__, 0);
            skipped++;
            continue;
        }
        if (r == 0 || kvs__posix_from_sockaddr((const struct sockaddr *)&ss, from) != 0) {
            skipped++; /* empty: 0 would read as "nothing queued" */
            continue;
        }
        return (int)r;
    }
    return 0;
}

/* --- TCP -------------------------------------------------------------------------------------- */

KVS__API int kvs_posix_tcp_connect(void *user, const kvs_addr *to, kvs_sock *out) {
    kvs_posix *px = (kvs_posix *)user;
    struct sockaddr_storage ss;
    socklen_t len;
    int slot, fd, e, on = 1, pending = KVS__POSIX_CONN_DONE;
    if (out)
        *out = KVS_SOCK_INVALID;
    if (!px || !to || !out || kvs__posix_to_sockaddr(to, &ss, &len) != 0)
        return KVS_ERR_INVALID_ARG;
    slot = kvs__posix_free_slot(px);
    if (slot < 0)
        return KVS_ERR_LIMIT;
    fd = kvs__posix_socket(to->family, SOCK_STREAM);
    if (fd < 0)
        return KVS__POSIX_FAIL(px, "socket", errno, KVS_ERR_IO);
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, (socklen_t)sizeof on) != 0) {
        e = errno;
        (void)close(fd);
        return KVS__POSIX_FAIL(px, "setsockopt(TCP_NODELAY)", e, KVS_ERR_IO);
    }
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, (socklen_t)sizeof on) != 0) {
        e = errno;
        (void)close(fd);
        return KVS__POSIX_FAIL(px, "setsockopt(SO_NOSIGPIPE)", e, KVS_ERR_IO);
    }
#endif
    if (connect(fd, (const struct sockaddr *)&ss, len) != 0) {
        e = errno;
        /* EINTR: a non-blocking connect goes on in the background, as with EINPROGRESS */
        if (e != EINPROGRESS && e != EINTR && !kvs__posix_would_block(e)) {
            (void)close(fd);
            return KVS__POSIX_FAIL(px, "connect", e, KVS_ERR_IO);
        }
        pending = KVS__POSIX_CONN_PENDING;
    }
    kvs__posix_track(px, slot, fd, KVS__POSIX_TCP, to->family, pending);
    *out = (kvs_sock)fd;
    return 0;
}

/* Has the connect of slot i completed? 1 yes, 0 not yet, KVS_ERR_IO failed (for good). */
KVS_PRIVATE int kvs__posix_tcp_ready(kvs_posix *px, int i) {
    struct pollfd pfd;
    int err = 0, r;
    socklen_t elen = (socklen_t)sizeof err;
    if (px->priv.connecting[i] == KVS__POSIX_CONN_DONE)
        return 1;
    if (px->priv.connecting[i] == KVS__POSIX_CONN_FAILED)
        return KVS_ERR_IO;
    pfd.fd = px->priv.fd[i];
    pfd.events = POLLOUT;
    pfd.revents = 0;
    r = poll(&pfd, 1, 0);
    if (r < 0)
        return errno == EINTR ? 0 : KVS__POSIX_FAIL(px, "poll", errno, KVS_ERR_IO);
    if (r == 0)
        return 0;
    if (getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        err = errno;
    else if (err == 0 && !(pfd.revents & POLLOUT))
        err = ECONNREFUSED; /* hung up without a reason */
    if (err != 0) {
        px->priv.connecting[i] = KVS__POSIX_CONN_FAILED;
        return KVS__POSIX_FAIL(px, "connect", err, KVS_ERR_IO);
    }
    px->priv.connecting[i] = KVS__POSIX_CONN_DONE;
    return 1;
}

KVS__API int kvs_posix_tcp_send(void *user, kvs_sock s, const void *p, size_t n) {
    kvs_posix *px = (kvs_posix *)user;
    int i = kvs__posix_slot(px, s, KVS__POSIX_TCP), r;
    if (i < 0 || (!p && n))
        return KVS_ERR_INVALID_ARG;
    if (n == 0)
        return 0;
    r = kvs__posix_tcp_ready(px, i);
    if (r <= 0)
        return r;
    if (n > (size_t)INT_MAX)
        n = (size_t)INT_MAX;
    for (;;) {
        ssize_t k = send(px->priv.fd[i], p, n, KVS__POSIX_MSG_NOSIGNAL);
        int e;
        if (k >= 0)
            return (int)k;
        e = errno;
        if (e == EINTR)
            continue;
        if (kvs__posix_would_block(e) || e == ENOBUFS)
            return 0;
        if (e == EPIPE || e == ECONNRESET)
            return KVS_ERR_CLOSED;
        return KVS__POSIX_FAIL(px, "send", e, KVS_ERR_IO);
    }
}

KVS__API int kvs_posix_tcp_recv(void *user, kvs_sock s, void *p, size_t cap) {
    kvs_posix *px = (kvs_posix *)user;
    int i = kvs__posix_slot(px, s, KVS__POSIX_TCP), r;
    if (i < 0 || (!p && cap))
        return KVS_ERR_INVALID_ARG;
    if (cap == 0)
        return 0;
    r = kvs__posix_tcp_ready(px, i);
    if (r <= 0)
        return r;
    if (cap > (size_t)INT_MAX)
        cap = (size_t)INT_MAX;
    for (;;) {
        ssize_t k = recv(px->priv.fd[i], p, cap, 0);
        int e;
        if (k > 0)
            return (int)k;
        if (k == 0)
            return KVS_ERR_CLOSED; /* orderly close: never 0, which means "nothing now" */
        e = errno;
        if (e == EINTR)
            continue;
        if (kvs__posix_would_block(e))
            return 0;
        if (e == ECONNRESET || e == EPIPE)
            return KVS_ERR_CLOSED;
        return KVS__POSIX_FAIL(px, "recv", e, KVS_ERR_IO);
    }
}

/* --- names and interfaces --------------------------------------------------------------------- */

KVS__API int kvs_posix_resolve(void *user, const char *host, uint16_t port, kvs_addr *out,
                               int max) {
    struct addrinfo hints, *res = NULL, *ai;
    kvs_addr a;
    int n = 0, r, j;
    if (!host || !out || max <= 0 || !*host)
        return KVS_ERR_INVALID_ARG;
    if (kvs__util_addr_parse(&a, host, KVS_STRLEN(host), port) == KVS_OK) {
        out[0] = a;
        return 1;
    }
    KVS_MEMSET(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM; /* one entry per address, not one per socket type */
    r = getaddrinfo(host, NULL, &hints, &res);
    if (r != 0) {
        int nf = r == EAI_NONAME;
#ifdef EAI_NODATA
        nf = nf || r == EAI_NODATA;
#endif
#ifdef EAI_ADDRFAMILY
        nf = nf || r == EAI_ADDRFAMILY;
#endif
        return kvs__posix_fail((kvs_posix *)user, KVS_LOG_POSIX_SOCKET, "getaddrinfo", r, __LINE__,
                               nf ? KVS_ERR_NOT_FOUND : KVS_ERR_IO);
    }
    for (ai = res; ai && n < max; ai = ai->ai_next) {
        int dup = 0;
        if (!ai->ai_addr || kvs__posix_from_sockaddr(ai->ai_addr, &a) != 0)
            continue;
        a.port = port;
        for (j = 0; j < n && !dup; j++)
            dup = kvs__util_addr_equal(&out[j], &a);
        if (!dup)
            out[n++] = a;
    }
    freeaddrinfo(res);
    return n > 0 ? n : KVS_ERR_NOT_FOUND;
}

KVS__API int kvs_posix_local_addresses(void *user, kvs_addr *out, int max) {
    struct ifaddrs *list = NULL, *ifa;
    int n = 0;
    if (!out || max <= 0)
        return KVS_ERR_INVALID_ARG;
    if (getifaddrs(&list) != 0)
        return KVS__POSIX_FAIL((kvs_posix *)user, "getifaddrs", errno, KVS_ERR_IO);
    for (ifa = list; ifa && n < max; ifa = ifa->ifa_next) {
        kvs_addr a;
        if (!ifa->ifa_addr || !(ifa->ifa_flags & (unsigned)IFF_UP) ||
            kvs__posix_from_sockaddr(ifa->ifa_addr, &a) != 0)
            continue;
        if (kvs__util_addr_is_link_local(&a) && a.family == KVS_AF_INET6) {
#if KVS__POSIX_BSD
            /* KAME stacks embed the interface index in bytes 2-3 of a link-local address */
            if (a.scope_id == 0)
                a.scope_id = (uint32_t)kvs__get_u16(a.ip + 2);
            a.ip[2] = 0;
            a.ip[3] = 0;
#endif
            if (a.scope_id == 0 && ifa->ifa_name)
                a.scope_id = (uint32_t)if_nametoindex(ifa->ifa_name);
        } else {
            a.scope_id = 0;
        }
        out[n++] = a;
    }
    freeifaddrs(list);
    return n;
}

/* --- wait ------------------------------------------------------------------------------------- */

/* The poll timeout until `deadline`: -1 for KVS_TIME_NEVER, else milliseconds rounded up. */
KVS_PRIVATE int kvs__posix_timeout_ms(kvs_time deadline) {
    kvs_time now, d;
    if (deadline == KVS_TIME_NEVER)
        return -1;
    now = kvs_posix_now(NULL);
    if (deadline <= now)
        return 0;
    d = deadline - now;
    d = d / 1000u + (d % 1000u != 0);
    return d > (kvs_time)INT_MAX ? INT_MAX : (int)d;
}

KVS__API int kvs_posix_wait(kvs_posix *px, kvs_time deadline) {
    struct pollfd pfd[KVS_POSIX_MAX_SOCKETS];
    int slot[KVS_POSIX_MAX_SOCKETS];
    nfds_t n = 0, k;
    int i, r;
    if (!px)
        return KVS_ERR_INVALID_ARG;
    for (i = 0; i < KVS_POSIX_MAX_SOCKETS; i++) {
        if (px->priv.fd[i] < 0)
            continue;
        slot[n] = i;
        pfd[n].fd = px->priv.fd[i];
        pfd[n].events = (short)(px->priv.connecting[i] == KVS__POSIX_CONN_PENDING
                                    ? POLLIN | POLLOUT
                                    : POLLIN);
        pfd[n].revents = 0;
        n++;
    }
    for (;;) {
        int ms = kvs__posix_timeout_ms(deadline);
        r = poll(n ? pfd : NULL, n, ms);
        if (r > 0) {
            /* settle the connects that finished, so that they are not polled for POLLOUT again */
            for (k = 0; k < n; k++)
                if (pfd[k].revents && px->priv.connecting[slot[k]] == KVS__POSIX_CONN_PENDING)
                    (void)kvs__posix_tcp_ready(px, slot[k]);
            return r;
        }
        if (r < 0)
            return errno == EINTR ? 0 : KVS__POSIX_FAIL(px, "poll", errno, KVS_ERR_IO);
        /* a timeout: poll rounds to its own clock, so make sure the deadline really passed */
        if (ms == 0 || kvs_posix_now(NULL) >= deadline)
            return 0;
    }
}

#endif /* KVS_PLATFORM_POSIX */

/* ==== [41] >>testing  seeded RNG and fault injection (KVS_TESTING only) ======================= */
/* depends on: >>client.  entry points: kvs_testing_*.
   Nothing here changes protocol behaviour: the hooks only replace the random source with a
   reproducible one and make chosen allocations fail.                                            */

#if KVS_TESTING
KVS__API void kvs_testing_rng_seed(kvs_testing_rng *r, uint64_t seed) {
    r->s = seed ? seed : 0x9e3779b97f4a7c15u;
    r->fail = 0;
}

/* splitmix64: every seed gives a full-period, well-mixed stream. */
KVS__API int kvs_testing_random(void *user, void *buf, size_t len) {
    kvs_testing_rng *r = (kvs_testing_rng *)user;
    uint8_t *b = (uint8_t *)buf;
    size_t i;
    if (!r || r->fail)
        return KVS_ERR_CRYPTO;
    for (i = 0; i < len; i += 8) {
        uint64_t z;
        size_t k;
        r->s += 0x9e3779b97f4a7c15u;
        z = r->s;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        for (k = 0; k < 8 && i + k < len; k++)
            b[i + k] = (uint8_t)(z >> (8 * k));
    }
    return 0;
}

KVS__API void kvs_testing_fail_alloc(kvs_client *c, uint32_t n) {
    if (c)
        c->priv.mem.fail_after = n;
}
#endif

#endif /* KVSWEBRTC_IMPLEMENTATION */

/*
  ------------------------------------------------------------------------------------------------
  MIT License

  Copyright (c) 2026 the kvswebrtc authors

  Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
  associated documentation files (the "Software"), to deal in the Software without restriction,
  including without limitation the rights to use, copy, modify, merge, publish, distribute,
  sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
  furnished to do so, subject to the following conditions:

  The above copyright notice and this permission notice shall be included in all copies or
  substantial portions of the Software.

  THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
  NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
  NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
  DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
  OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
  ------------------------------------------------------------------------------------------------
*/
