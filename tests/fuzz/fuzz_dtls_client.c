/* fuzz_dtls_client.c - libFuzzer target for the DTLS engine (>>dtls, >>dtls-hs) as a client: the
   record layer, the handshake reassembly and the parsers of every message a server sends
   (HelloVerifyRequest, ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
   ServerHelloDone, Finished), alerts and application data.

   The harness is fuzz_dtls_server.c compiled with FD_CLIENT 1: the input format (a flags byte,
   then datagrams framed by a 2-byte length word whose top 4 bits move the virtual clock) and the
   invariants are described there. Here the fresh endpoint is a client with RNG seed
   FD_SEED_CLIENT and certificate ec_a that expects the SHA-256 fingerprint of ec_b; its
   ClientHello has been sent (and checked) before the first datagram arrives.

   Corpus. tests/fuzz/corpus/dtls_client/ was written by the seed generator of
   fuzz_dtls_server.c built from this file: it records what a client receives in genuine
   handshakes with a server set up as the server target's (same RNG seeds and certificates), so
   the server's real first flight ServerHello..ServerHelloDone carries a ServerKeyExchange
   signature over this client's random that verifies, and the un-mutated seed
   real_server_flight1 takes the client all the way to sending its second flight (Certificate,
   ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished); real_handshake adds the
   server's final flight and connects. Hand-made seeds add a HelloVerifyRequest, records of every
   content type, alerts, garbage, a DTLS 1.3 ServerHello and a certificate with the wrong
   fingerprint. The generator replays every seed and prints how far it gets. To regenerate, from
   the repository root:
       clang -DKVS_FUZZ_MAKE_SEEDS -g tests/fuzz/fuzz_dtls_client.c -o fd_gen -lsrtp2 -lbearssl
       ./fd_gen tests/fuzz/corpus/dtls_client
   Regression seeds are named regress_*.

   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          tests/fuzz/fuzz_dtls_client.c -o fuzz_dtls_client -lsrtp2 -lbearssl     (or: make fuzz)
   Run:   ./fuzz_dtls_client -dict=tests/fuzz/dtls_client.dict <a copy of corpus/dtls_client>
   (make fuzz and tests/run.sh rebuild this target when this file or kvswebrtc.h is newer than
   the binary: after editing only fuzz_dtls_server.c, touch this file too.) */
#define FD_CLIENT 1
#include "fuzz_dtls_server.c"
