# kvswebrtc - build and test. `make` builds everything that exists; `make test` installs missing
# Debian packages (deps), builds, runs every test and ends with "N passed, N failed".
# `make test T=<section>` runs one unit test section (util, json, ...), or T=compile / T=fuzz /
# T=interop.

ifeq ($(origin CC),default)
CC := gcc
endif
BUILD   := build
LIBS    := -lsrtp2 -lbearssl
CFLAGS_TEST := -std=c99 -g -O1 -Wall -Wextra -Werror
SANITIZE    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 5
FUZZ_LONG_SECONDS ?= 600

HEADER    := kvswebrtc.h
TEST_SRCS := $(wildcard tests/*.c tests/*.h)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
EXAMPLES  := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

.PHONY: all test deps fuzz fuzz-long check demo bench clean

all: $(BUILD)/unit $(BUILD)/unit-asan $(EXAMPLES) $(BUILD)/interop/dtls_peer $(BUILD)/interop/sctp_usrsctp \
     $(BUILD)/interop/ice_turn \
     $(BUILD)/interop/tls_client

# the DTLS endpoint that tests/interop/dtls_openssl.sh runs against openssl s_server / s_client
$(BUILD)/interop/dtls_peer: tests/interop/dtls_peer.c $(HEADER) tests/kvs_test_certs.h | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -o $@ $(LIBS)

# the TURN client and ICE agent against coturn (tests/interop/coturn_env.sh starts it)
$(BUILD)/interop/ice_turn: tests/interop/ice_turn.c $(HEADER) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $(SANITIZE) $< -o $@ $(LIBS)

# the TLS client that tests/interop/tls_openssl.sh runs against openssl s_server
$(BUILD)/interop/tls_client: tests/interop/tls_client.c $(HEADER) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -o $@ $(LIBS)

# kvswebrtc's SCTP and data channels against usrsctp (linked into this test program only)
$(BUILD)/interop/sctp_usrsctp: tests/interop/sctp_usrsctp.c $(HEADER) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -o $@ -lusrsctp $(LIBS)

$(BUILD)/examples/%: examples/%.c $(HEADER) | $(BUILD)
	@mkdir -p $(BUILD)/examples
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror $< -o $@ $(LIBS)

$(BUILD)/unit: $(HEADER) $(TEST_SRCS) | $(BUILD)
	$(CC) $(CFLAGS_TEST) tests/test_main.c -o $@ $(LIBS)

$(BUILD)/unit-asan: $(HEADER) $(TEST_SRCS) | $(BUILD)
	$(CC) $(CFLAGS_TEST) $(SANITIZE) tests/test_main.c -o $@ $(LIBS)

$(BUILD):
	@mkdir -p $(BUILD)/fuzz $(BUILD)/compile

deps:
	@tools/deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh $(T)

# libFuzzer targets (clang); `make fuzz-long` runs each for FUZZ_LONG_SECONDS on a scratch copy
# of its seed corpus.
fuzz: $(FUZZERS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(HEADER) | $(BUILD)
	clang $(FUZZ_FLAGS) $< -o $@ $(LIBS)

fuzz-long: fuzz
	@for f in $(FUZZERS); do \
	  t=$$(basename $$f); t=$${t#fuzz_}; d=$$(mktemp -d); cp -r tests/fuzz/corpus/$$t/. $$d/; \
	  dict=""; [ -f tests/fuzz/$$t.dict ] && dict="-dict=tests/fuzz/$$t.dict"; \
	  echo "== $$f for $(FUZZ_LONG_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_LONG_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ $$dict $$d \
	    2>&1 | grep -E '^(#[0-9]+.*(DONE|pulse)|stat::|==[0-9]+==ERROR|SUMMARY)' | tail -8 || exit 1; \
	  rm -rf $$d; done

# Benchmarks: figures printed next to the same figure for a peer measured in the same run.
BENCHES := $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(wildcard tools/bench/bench_*.c))

$(BUILD)/bench/%: tools/bench/%.c $(HEADER) $(TEST_SRCS) | $(BUILD)
	@mkdir -p $(BUILD)/bench
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror $< -o $@ -lusrsctp $(LIBS)

# bench_ice measures relayed connections too when it runs next to coturn (needs root for the
# network namespace; otherwise only the host figure is printed)
bench: deps $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; \
	  if [ "$$(basename $$b)" = bench_ice ] && [ "$$(id -u)" = 0 ] && command -v turnserver > /dev/null; then \
	    tests/interop/coturn_env.sh -- $$b || exit 1; else $$b || exit 1; fi; done
	@# loss recovery of two peer_echo processes (root: a network namespace with nftables loss)
	@$(MAKE) --no-print-directory $(BUILD)/examples/peer_echo > /dev/null
	@echo "== tools/bench/lossy_pair.sh"; \
	  if [ "$$(id -u)" = 0 ] && command -v nft > /dev/null && command -v ip > /dev/null; then \
	    tools/bench/lossy_pair.sh $(BUILD)/examples/peer_echo || exit 1; \
	  else echo "  not measured (needs root, iproute2 and nftables)"; fi
	@# against headless Chromium (node + playwright-core from tests/node, installed by deps)
	@$(MAKE) --no-print-directory $(BUILD)/examples/peer_echo > /dev/null
	@echo "== tools/bench/chromium_bench.js"; \
	  if command -v node > /dev/null && [ -f tests/node/node_modules/playwright-core/package.json ] && \
	    { command -v chromium || command -v chromium-browser; } > /dev/null; then \
	    tests/interop/chromium.sh tools/bench/chromium_bench.js $(BUILD)/examples/peer_echo || exit 1; \
	  else echo "  not measured (needs node, chromium and tests/node: make deps)"; fi

check:
	@tools/check_sections.sh $(HEADER)
	@$(MAKE) --no-print-directory test T=compile

# Until the signaling client and the local signaling server land, the demo connects two
# peer_echo processes directly (their SDP offer and answer through a pipe) and prints the
# connection timeline.
demo: deps $(BUILD)/examples/peer_echo
	@echo "== two peer_echo processes on loopback: ICE, DTLS, SCTP, a data channel, 20 echoed messages"
	@tests/interop/peer_pair.sh $(BUILD)/examples/peer_echo 20
	@echo "(the KVS signaling demo - local signaling server, master and viewer - comes with the signaling work)"

clean:
	rm -rf $(BUILD)
