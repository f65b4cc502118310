#!/usr/bin/env bash
# The test runner behind `make test`: every step below counts as one or more tests, and the last
# line printed is "N passed, N failed[, N skipped]". Usage: tests/run.sh [T], where T is a unit
# test section ("util", "json", ...), "compile", "fuzz", "interop", or empty for everything.
# Environment: CI=true turns a missing tool into a failure; FUZZ_SECONDS (default 5) per target.
set -u
cd "$(dirname "$0")/.."
T="${1:-}"
B=build
PASS=0 FAIL=0 SKIP=0
FAILED=()
CI="${CI:-}"
FUZZ_SECONDS="${FUZZ_SECONDS:-5}"
LIBS="-lsrtp2 -lbearssl"
WARN="-Wall -Wextra -Werror"
STRICT="-pedantic $WARN -Wshadow -Wconversion -Wsign-conversion -Wundef -Wstrict-prototypes \
-Wdouble-promotion -fno-common -Werror=declaration-after-statement -Werror=vla"
STRICT_CXX="$WARN -Wshadow -Wconversion -Wsign-conversion -Wundef"
mkdir -p "$B/compile" "$B/fuzz"

pass() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAIL=$((FAIL + 1)); FAILED+=("$1"); printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2" | head -40; return 0; }
skip() {
  if [ "$CI" = "true" ]; then fail "$1 (missing in CI: $2)"; else SKIP=$((SKIP + 1)); printf 'skip %s (%s)\n' "$1" "$2"; fi
}
# run NAME CMD...: one test that passes when CMD exits 0
run() {
  local name=$1; shift
  if "$@" > "$B/last.log" 2>&1; then pass "$name"; else fail "$name" "$B/last.log"; fi
}
want() { [ -z "$T" ] || [ "$T" = "$1" ]; }

# counted OUT RC PREFIX NAME: count the "ok   x" / "FAIL x" lines a test program wrote to OUT
# (as "PREFIXx"); the program must end with its own "N passed, N failed" line.
counted() {
  local out=$1 rc=$2 prefix=$3 name=$4 line
  while IFS= read -r line; do
    case "$line" in
      "ok   "*) pass "$prefix${line#ok   }" ;;
      "FAIL "*) fail "$prefix${line#FAIL }" ;;
      "    "*) printf '%s\n' "$line" ;;
    esac
  done < "$out"
  if ! tail -n 1 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
    fail "$name died (exit $rc)" "$out"
  elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    fail "$name: exit $rc" "$out"
  fi
}

# --- unit tests, plain and under AddressSanitizer + UBSan ------------------------------------
unit() {
  local label=$1 bin=$2 out="$B/$1.log" rc
  shift 2
  if [ ! -x "$bin" ]; then fail "$label: $bin not built"; return; fi
  "$bin" "$@" > "$out" 2>&1
  rc=$?
  counted "$out" $rc "$label: " "$label: the test binary"
}
case "$T" in
  compile|fuzz|interop) ;;
  *)
    unit unit "$B/unit" ${T:+"$T"}
    unit asan "$B/unit-asan" ${T:+"$T"}
    ;;
esac

# --- compile checks --------------------------------------------------------------------------
if want compile; then
  for cc in gcc clang; do
    if ! command -v $cc > /dev/null; then skip "compile: $cc" "$cc not installed"; continue; fi
    run "compile: header alone, $cc -std=c99 strict" $cc -std=c99 $STRICT -c tests/compile/header_only.c -o "$B/compile/header_$cc.o"
    run "compile: implementation + POSIX, $cc -std=c99 strict" $cc -std=c99 $STRICT -c tests/compile/impl.c -o "$B/compile/impl_$cc.o"
    run "compile: implementation + KVS_TESTING, $cc -std=c99 strict" $cc -std=c99 $STRICT -DKVS_TESTING=1 -c tests/compile/impl.c -o "$B/compile/impl_testing_$cc.o"
    run "compile: KVS_NO_LOG_STRINGS + KVS_LOG_LEVEL_MAX=0, $cc strict" $cc -std=c99 $STRICT -DKVS_NO_LOG_STRINGS=1 -DKVS_LOG_LEVEL_MAX=0 -c tests/compile/impl.c -o "$B/compile/impl_nolog_$cc.o"
    for ex in examples/*.c; do
      [ -f "$ex" ] && run "compile: $ex, $cc -std=c99 strict" $cc -std=c99 $STRICT "$ex" -o "$B/compile/$(basename "$ex" .c)_$cc" $LIBS
    done
  done
  for cxx in g++ clang++; do
    if ! command -v $cxx > /dev/null; then skip "compile: $cxx" "$cxx not installed"; continue; fi
    run "compile: header alone as C++, $cxx" $cxx -x c++ $STRICT_CXX -c tests/compile/header_only.c -o "$B/compile/header_$cxx.o"
    run "compile: implementation + POSIX as C++, $cxx" $cxx -x c++ $STRICT_CXX -c tests/compile/impl.c -o "$B/compile/impl_$cxx.o"
  done
  run "compile: KVS_STATIC in two translation units linked together" sh -c "
    gcc -std=c99 $STRICT -c tests/compile/static_a.c -o $B/compile/static_a.o &&
    gcc -std=c99 $STRICT -c tests/compile/static_b.c -o $B/compile/static_b.o &&
    gcc $B/compile/static_a.o $B/compile/static_b.o -o $B/compile/static_ab $LIBS && $B/compile/static_ab"
  run "compile: KVS_NO_MALLOC references no malloc/calloc/realloc/free" sh -c "
    gcc -std=c99 $STRICT -c tests/compile/nomalloc.c -o $B/compile/nomalloc.o &&
    ! nm -u $B/compile/nomalloc.o | grep -Ew '(malloc|calloc|realloc|free)'"
  for o in impl_gcc impl_testing_gcc impl_g++; do
    [ -f "$B/compile/$o.o" ] && run "symbols: every exported symbol of $o.o starts with kvs_" tools/check_symbols.sh "$B/compile/$o.o"
  done
  run "log: KVS_NO_LOG_STRINGS at ceiling WARN (ids only, INFO compiled out)" sh -c "
    gcc -std=c99 $WARN -g -DVARIANT=1 tests/compile/log_variants.c -o $B/compile/log_v1 $LIBS && $B/compile/log_v1 &&
    ! grep -q 'allocation refused' $B/compile/log_v1 && ! grep -q 'client initialised' $B/compile/log_v1"
  run "KVS_NO_SIMD: util and SCTP unit tests with the portable code paths" sh -c "
    gcc -std=c99 $WARN -g -O1 -DKVS_NO_SIMD=1 tests/test_main.c -o $B/compile/unit_nosimd $LIBS && $B/compile/unit_nosimd util && $B/compile/unit_nosimd sctp"
  run "log: ceiling TRACE (trace records, hex dump)" sh -c "
    gcc -std=c99 $WARN -g -DVARIANT=2 tests/compile/log_variants.c -o $B/compile/log_v2 $LIBS && $B/compile/log_v2"
  if command -v clang > /dev/null; then
    run "static analysis: clang --analyze finds nothing" sh -c "
      clang --analyze -Xanalyzer -analyzer-output=text -DKVS_TESTING=1 tests/compile/impl.c -o /dev/null 2>&1 | tee $B/analyze.log;
      ! grep -q 'warning:' $B/analyze.log"
  else
    skip "static analysis" "clang not installed"
  fi
  run "sections: table of contents, banners, section sizes, private prefixes" tools/check_sections.sh kvswebrtc.h
fi

# --- interoperability with real peers on loopback ----------------------------------------------
if want interop; then
  if ! command -v openssl > /dev/null; then
    skip "interop: certgen checked by openssl" "openssl not installed"
  elif [ ! -x "$B/examples/certgen" ]; then
    fail "interop: $B/examples/certgen not built"
  else
    run "interop: certgen certificate checked by openssl" tests/interop/cert_openssl.sh "$B/examples/certgen"
  fi
  # the DTLS engine against openssl s_server / s_client: one counted test per case
  if ! command -v openssl > /dev/null; then
    skip "interop: dtls vs openssl" "openssl not installed"
  elif [ ! -x "$B/interop/dtls_peer" ]; then
    fail "interop: $B/interop/dtls_peer not built (make all)"
  else
    tests/interop/dtls_openssl.sh "$B/interop/dtls_peer" > "$B/interop-dtls.log" 2>&1
    counted "$B/interop-dtls.log" $? "" "interop: tests/interop/dtls_openssl.sh"
  fi
  # the TLS client engine against openssl s_server over TCP on loopback: one counted test per case
  if ! command -v openssl > /dev/null; then
    skip "interop: tls vs openssl" "openssl not installed"
  elif [ ! -x "$B/interop/tls_client" ]; then
    fail "interop: $B/interop/tls_client not built (make all)"
  else
    tests/interop/tls_openssl.sh "$B/interop/tls_client" > "$B/interop-tls.log" 2>&1
    counted "$B/interop-tls.log" $? "" "interop: tests/interop/tls_openssl.sh"
  fi
  # SCTP and data channels against usrsctp over UDP on loopback: one counted test per case
  if [ ! -x "$B/interop/sctp_usrsctp" ]; then
    fail "interop: $B/interop/sctp_usrsctp not built (make all; needs libusrsctp-dev)"
  else
    "$B/interop/sctp_usrsctp" > "$B/interop-sctp.log" 2>&1
    counted "$B/interop-sctp.log" $? "" "interop: sctp_usrsctp"
  fi
  # two peer_echo processes (ICE, DTLS, SCTP, DCEP) over real UDP on loopback
  if [ ! -x "$B/examples/peer_echo" ]; then
    fail "interop: $B/examples/peer_echo not built (make all)"
  else
    tests/interop/peer_pair.sh "$B/examples/peer_echo" 200 > "$B/interop-peer-pair.log" 2>&1
    counted "$B/interop-peer-pair.log" $? "" "interop: peer_pair.sh"
  fi
  # coturn (long-term and REST credentials, UDP / TCP / TLS, with and without UDP blocked) in a
  # private network namespace, the environment of the TURN interop tests: one counted test per case
  missing=""
  for tool in turnserver turnutils_uclient turnutils_peer nft ip ss; do
    command -v $tool > /dev/null || missing="$missing $tool"
  done
  if [ -n "$missing" ]; then
    skip "interop: coturn env" "not installed:$missing"
  elif [ "$(id -u)" != 0 ]; then
    skip "interop: coturn env" "network namespaces need root"
  else
    tests/interop/coturn_selfcheck.sh > "$B/interop-coturn.log" 2>&1
    counted "$B/interop-coturn.log" $? "" "interop: tests/interop/coturn_selfcheck.sh"
    # the TURN client and ICE agent through coturn: every transport, then TCP / TLS with UDP
    # to the servers dropped
    if [ ! -x "$B/interop/ice_turn" ]; then
      fail "interop: $B/interop/ice_turn not built (make all)"
    else
      tests/interop/coturn_env.sh -- "$B/interop/ice_turn" > "$B/interop-ice-turn.log" 2>&1
      counted "$B/interop-ice-turn.log" $? "" "interop: ice_turn"
      tests/interop/coturn_env.sh --drop-udp -- "$B/interop/ice_turn" --udp-dropped \
        > "$B/interop-ice-turn-noudp.log" 2>&1
      counted "$B/interop-ice-turn-noudp.log" $? "" "interop: ice_turn --udp-dropped"
    fi
    # two peer_echo processes relay-only through coturn, TURN over UDP and over TCP
    if [ -x "$B/examples/peer_echo" ]; then
      for tr in udp tcp; do
        TR=$tr tests/interop/coturn_env.sh -- bash -c 'a=KVS_TURN_LT_${TR^^}; \
          exec tests/interop/peer_pair.sh "$0" 100 --relay-only --turn "turn:${!a}?transport=$TR" \
            --turn-user "$KVS_TURN_USER" --turn-pass "$KVS_TURN_PASS"' "$B/examples/peer_echo" \
          > "$B/interop-peer-relay-$tr.log" 2>&1
        counted "$B/interop-peer-relay-$tr.log" $? "" "interop: peer_pair.sh relay-only over TURN $tr"
      done
      tests/interop/coturn_env.sh -- bash -c 'exec tests/interop/peer_pair.sh "$0" 100 --relay-only \
          --turn "turns:$KVS_TURN_TLS_NAME:${KVS_TURN_LT_TLS##*:}" --ca "$KVS_TURN_CA" \
          --turn-user "$KVS_TURN_USER" --turn-pass "$KVS_TURN_PASS"' "$B/examples/peer_echo" \
        > "$B/interop-peer-relay-tls.log" 2>&1
      counted "$B/interop-peer-relay-tls.log" $? "" "interop: peer_pair.sh relay-only over TURN tls"
    fi
  fi
  # data channels with third-party WebRTC stacks, both ways round, each run in private network
  # namespaces made by tests/interop/peers_netns.sh: werift (npm, tests/node) on loopback, aiortc
  # (Debian python3-aiortc, which never uses loopback) across a veth pair between two namespaces
  if [ ! -x "$B/examples/peer_echo" ]; then
    fail "interop: werift, aiortc: $B/examples/peer_echo not built (make all)"
  elif [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null; then
    skip "interop: werift, aiortc" "network namespaces need root and iproute2"
  else
    if ! command -v node > /dev/null || [ ! -f tests/node/node_modules/werift/package.json ]; then
      skip "interop: werift" "node or werift not installed (make deps)"
    else
      tests/interop/peers_netns.sh lo -- node tests/interop/werift_echo.js "$B/examples/peer_echo" \
        > "$B/interop-werift.log" 2>&1
      counted "$B/interop-werift.log" $? "" "interop: tests/interop/werift_echo.js"
    fi
    if ! /usr/bin/python3 -c 'import aiortc' > /dev/null 2>&1; then
      skip "interop: aiortc" "python3-aiortc not installed (make deps)"
    else
      tests/interop/peers_netns.sh veth -- /usr/bin/python3 tests/interop/aiortc_echo.py "$B/examples/peer_echo" \
        > "$B/interop-aiortc.log" 2>&1
      counted "$B/interop-aiortc.log" $? "" "interop: tests/interop/aiortc_echo.py"
    fi
  fi
  # headless Chromium (playwright-core) against peer_echo: data channels with Chromium offering
  # and answering, in a loopback-only namespace; then relay-only through coturn over TURN UDP,
  # TCP and TLS. One counted test per case.
  missing=""
  command -v node > /dev/null || missing="$missing node"
  command -v chromium > /dev/null || command -v chromium-browser > /dev/null || missing="$missing chromium"
  [ -f tests/node/node_modules/playwright-core/package.json ] || missing="$missing playwright-core(make deps)"
  if [ -n "$missing" ]; then
    skip "interop: Chromium <-> peer_echo" "not installed:$missing"
  elif [ ! -x "$B/examples/peer_echo" ]; then
    fail "interop: Chromium <-> peer_echo: $B/examples/peer_echo not built (make all)"
  else
    tests/interop/chromium.sh tests/interop/chromium_peer.js "$B/examples/peer_echo" > "$B/interop-chromium.log" 2>&1
    counted "$B/interop-chromium.log" $? "" "interop: tests/interop/chromium_peer.js"
    if [ "$(id -u)" != 0 ] || ! command -v turnserver > /dev/null; then
      skip "interop: Chromium <-> peer_echo relay-only through coturn" "needs root and coturn"
    else
      tests/interop/coturn_env.sh -- tests/interop/chromium.sh tests/interop/chromium_peer.js \
        "$B/examples/peer_echo" --relay > "$B/interop-chromium-relay.log" 2>&1
      counted "$B/interop-chromium-relay.log" $? "" "interop: tests/interop/chromium_peer.js --relay"
    fi
  fi
fi

# --- fuzz smoke runs (the long runs are `make fuzz-long`) --------------------------------------
if want fuzz; then
  if ! command -v clang > /dev/null; then
    skip "fuzz" "clang not installed"
  else
    for src in tests/fuzz/fuzz_*.c; do
      name=$(basename "$src" .c); target=${name#fuzz_}
      bin="$B/fuzz/$name"
      if [ ! -x "$bin" ] || [ "$bin" -ot "$src" ] || [ "$bin" -ot kvswebrtc.h ]; then
        if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all "$src" -o "$bin" $LIBS > "$B/last.log" 2>&1; then
          fail "fuzz: build $name" "$B/last.log"; continue
        fi
      fi
      work=$(mktemp -d); cp -r "tests/fuzz/corpus/$target/." "$work/" 2>/dev/null
      dict=""; [ -f "tests/fuzz/$target.dict" ] && dict="-dict=tests/fuzz/$target.dict"
      run "fuzz: $name for ${FUZZ_SECONDS}s" "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -artifact_prefix="$B/fuzz/$name-" $dict "$work"
      rm -rf "$work"
    done
  fi
fi

if [ $FAIL -gt 0 ]; then
  echo; echo "failed:"; printf '  %s\n' "${FAILED[@]}"
fi
if [ $SKIP -gt 0 ]; then
  echo "$PASS passed, $FAIL failed, $SKIP skipped"
else
  echo "$PASS passed, $FAIL failed"
fi
[ $FAIL -eq 0 ]
