#!/usr/bin/env bash
# DTLS 1.2 interoperability with OpenSSL's command line over real UDP on 127.0.0.1: kvswebrtc's
# engine (tests/interop/dtls_peer.c) as client against `openssl s_server`, and as server against
# `openssl s_client`, with ECDSA P-256 and RSA-2048 OpenSSL certificates, OpenSSL's default MTU
# and -mtu 500 (OpenSSL then fragments its flights; one case also shrinks ours), and each
# DTLS-SRTP profile. Every case checks: the handshake completes on both sides, the exporter
# output for "EXTRACTOR-dtls_srtp" (60 bytes) equals OpenSSL's "Keying material", the SRTP
# profile OpenSSL reports equals ours and the one expected, the cipher suite, that OpenSSL got
# our certificate (its fingerprint) and that we verified OpenSSL's against its SHA-256
# fingerprint, and that a line OpenSSL sends reaches us and our message reaches OpenSSL.
# Two negative cases give our side a wrong fingerprint: the handshake must fail with
# bad_certificate, and OpenSSL must report that alert.
#
# Usage: tests/interop/dtls_openssl.sh PATH/TO/dtls_peer [FILTER]
#   FILTER: only the cases whose name contains it.
# Prints one line per case, "ok   interop: dtls <case>" or "FAIL interop: dtls <case>" followed
# by indented diagnostics, then "N passed, N failed". Exit status 0 when every case passed.
# Ports are ephemeral: s_server binds 127.0.0.1:0 and prints "ACCEPT 127.0.0.1:PORT", dtls_peer
# binds port 0 and prints "LISTEN PORT", so two runs never collide. Everything it writes goes to
# a temporary directory, removed at exit (kept, for debugging, when KVS_INTEROP_KEEP is set);
# every process it starts is killed at exit.
set -u
peer=${1:-}
filter=${2:-}
if [ -z "$peer" ] || [ ! -x "$peer" ]; then
  echo "usage: $0 PATH/TO/dtls_peer [FILTER]" >&2; exit 2
fi
case "$peer" in /*) ;; *) peer="$PWD/$peer" ;; esac
if ! command -v openssl > /dev/null; then echo "dtls_openssl: openssl is not installed" >&2; exit 2; fi
if ! command -v timeout > /dev/null; then echo "dtls_openssl: timeout (coreutils) is missing" >&2; exit 2; fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/kvs-dtls-openssl.XXXXXX") || exit 1
pids=""
cleanup() {
  local p
  exec 3>&- 2> /dev/null
  for p in $pids; do kill "$p" 2> /dev/null; done
  for p in $pids; do wait "$p" 2> /dev/null; done
  if [ -n "${KVS_INTEROP_KEEP:-}" ]; then echo "dtls_openssl: logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0
LABEL="EXTRACTOR-dtls_srtp"
BUDGET=45 # seconds: cases not started by then fail at once (a healthy run takes about 6 s)
SECONDS=0

# --- OpenSSL's certificates: ECDSA P-256 and RSA-2048, self-signed ---------------------------
gen() {
  openssl req -x509 -newkey "$1" $2 -nodes -keyout "$dir/$3.key" -out "$dir/$3.pem" -days 2 \
    -subj "/CN=openssl-interop-$3" > "$dir/gen-$3.log" 2>&1 &&
    openssl x509 -in "$dir/$3.pem" -outform DER -out "$dir/$3.der" 2>> "$dir/gen-$3.log"
}
if ! gen ec "-pkeyopt ec_paramgen_curve:P-256" ec || ! gen rsa:2048 "" rsa; then
  echo "FAIL interop: dtls certificates (openssl req)"; sed 's/^/    /' "$dir"/gen-*.log | tail -20
  echo "0 passed, 1 failed"; exit 1
fi
# "AB:CD:..." as `openssl x509 -fingerprint -sha256` prints it
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }

# --- helpers -----------------------------------------------------------------------------------
# wait_for FILE TEXT TICKS [PID]: until FILE holds the fixed string TEXT, at most TICKS x 50 ms,
# or until PID has exited (then one last look).
wait_for() {
  local i=0
  while [ $i -lt "$3" ]; do
    grep -qF -- "$2" "$1" 2> /dev/null && return 0
    if [ -n "${4:-}" ] && ! kill -0 "$4" 2> /dev/null; then grep -qF -- "$2" "$1" 2> /dev/null; return; fi
    sleep 0.05; i=$((i + 1))
  done
  return 1
}
# wait_exit PID TICKS: wait at most TICKS x 50 ms for PID to end (else kill it); returns its status.
wait_exit() {
  local i=0
  while kill -0 "$1" 2> /dev/null && [ $i -lt "$2" ]; do sleep 0.05; i=$((i + 1)); done
  kill -0 "$1" 2> /dev/null && kill "$1" 2> /dev/null
  wait "$1"
}
# the value after "TAG " on our output
ours() { sed -n "s/^$1 //p" "$2" | head -n 1; }
lower() { tr 'A-F' 'a-f'; }
# the SHA-256 fingerprint (lower-case hex) of the first certificate after line MARK in a log
cert_fp_after() {
  sed -n "/^$1/,/^-----END CERTIFICATE-----/p" "$2" | sed -n '/^-----BEGIN CERTIFICATE/,$p' |
    openssl x509 -noout -fingerprint -sha256 2> /dev/null | sed 's/^.*=//; s/://g' | lower
}

# --- one case ------------------------------------------------------------------------------------
# run_case NAME ROLE CERT OSSL_MTU OUR_MTU OSSL_SRTP OUR_SRTP WANT_PROFILE FP_MODE [EXTRA]
#   ROLE: client (we are the client, OpenSSL s_server) or server (OpenSSL s_client)
#   CERT: ec or rsa (OpenSSL's); OSSL_MTU / OUR_MTU: a number or "-" for the default
#   OSSL_SRTP: OpenSSL's -use_srtp list; OUR_SRTP: dtls_peer --srtp; WANT_PROFILE: the name
#   FP_MODE: der (--peer-cert-der), sdp (--peer-fp from openssl x509 -fingerprint), bad (a wrong one)
#   EXTRA: more dtls_peer options
run_case() {
  local name=$1 role=$2 cert=$3 omtu=$4 kmtu=$5 osrtp=$6 ksrtp=$7 want=$8 fpmode=$9 extra=${10:-}
  local c="$dir/case$((PASS + FAIL))" errs="" to_ossl to_kvs port fp ossl_pid peer_pid rc orc
  local -a popt oopt
  case "$name" in *"$filter"*) ;; *) return ;; esac
  if [ $SECONDS -ge $BUDGET ]; then
    FAIL=$((FAIL + 1)); printf 'FAIL interop: dtls %s\n    not run: the %d s budget is spent\n' "$name" $BUDGET
    return
  fi
  mkdir -p "$c"
  to_ossl="kvs-to-openssl $RANDOM$RANDOM"
  to_kvs="openssl-to-kvs $RANDOM$RANDOM"
  case $fpmode in
    der) popt=(--peer-cert-der "$dir/$cert.der") ;;
    sdp) popt=(--peer-fp "$(fingerprint "$dir/$cert.pem")") ;;
    bad) # the right fingerprint with its last digit changed
      fp=$(fingerprint "$dir/$cert.pem")
      if [ "${fp: -1}" = F ]; then fp="${fp%?}0"; else fp="${fp%?}F"; fi
      popt=(--peer-fp "$fp") ;;
  esac
  popt+=(--srtp "$ksrtp" --timeout-ms 4000)
  [ "$kmtu" != "-" ] && popt+=(--mtu "$kmtu")
  # shellcheck disable=SC2206
  [ -n "$extra" ] && popt+=($extra)
  if [ "$fpmode" != bad ]; then popt+=(--send "$to_ossl" --expect "$to_kvs"); fi
  oopt=(-dtls1_2 -cert "$dir/$cert.pem" -key "$dir/$cert.key" -use_srtp "$osrtp"
        -keymatexport "$LABEL" -keymatexportlen 60)
  [ "$omtu" != "-" ] && oopt+=(-mtu "$omtu")

  # OpenSSL's stdin: a FIFO held open here (read-write, so opening never blocks), written once
  # we are connected, closed at the end (s_client / s_server leave on end of input)
  mkfifo "$c/stdin" && exec 3<> "$c/stdin"
  if [ "$role" = client ]; then
    timeout 12 openssl s_server "${oopt[@]}" -accept 127.0.0.1:0 -naccept 1 -Verify 1 \
      < "$c/stdin" > "$c/openssl.log" 2>&1 3>&- &
    ossl_pid=$!; pids="$pids $ossl_pid"
    if wait_for "$c/openssl.log" "ACCEPT " 100 $ossl_pid; then
      port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$c/openssl.log" | head -n 1)
      timeout 8 "$peer" --role client --connect "127.0.0.1:$port" "${popt[@]}" \
        > "$c/kvs.log" 2> "$c/kvs.err" 3>&- < /dev/null &
      peer_pid=$!; pids="$pids $peer_pid"
    else
      errs="$errs; s_server did not start"
    fi
  else
    timeout 8 "$peer" --role server --listen 0 "${popt[@]}" > "$c/kvs.log" 2> "$c/kvs.err" 3>&- < /dev/null &
    peer_pid=$!; pids="$pids $peer_pid"
    if wait_for "$c/kvs.log" "LISTEN " 100 $peer_pid; then
      port=$(ours LISTEN "$c/kvs.log")
      timeout 12 openssl s_client "${oopt[@]}" -connect "127.0.0.1:$port" \
        < "$c/stdin" > "$c/openssl.log" 2>&1 3>&- &
      ossl_pid=$!; pids="$pids $ossl_pid"
    else
      errs="$errs; dtls_peer did not listen"
    fi
  fi

  if [ -n "${peer_pid:-}" ] && [ -n "${ossl_pid:-}" ]; then
    # once we are connected, OpenSSL sends its line; then we finish (--expect) and close
    if wait_for "$c/kvs.log" "STATE " 100 $peer_pid && grep -q "^STATE connected" "$c/kvs.log"; then
      printf '%s\n' "$to_kvs" >&3
    fi
    wait_exit "$peer_pid" 100; rc=$?
    if [ "$fpmode" = bad ]; then
      wait_for "$c/openssl.log" "SSL alert number" 60 $ossl_pid
    else
      wait_for "$c/openssl.log" "$to_ossl" 60 $ossl_pid
    fi
  fi
  exec 3>&-
  [ -n "${ossl_pid:-}" ] && { wait_exit "$ossl_pid" 60; orc=$?; }

  # --- verdict ---
  local ossl_log="$c/openssl.log" kvs_log="$c/kvs.log"
  if [ -z "$errs" ] && [ "$fpmode" = bad ]; then
    [ "${rc:-}" = 1 ] || errs="$errs; dtls_peer exit ${rc:-?}, want 1"
    grep -q "^STATE failed ERR_AUTH DTLS_FINGERPRINT_MISMATCH$" "$kvs_log" ||
      errs="$errs; no 'STATE failed ERR_AUTH DTLS_FINGERPRINT_MISMATCH'"
    grep -q "alert bad certificate" "$ossl_log" && grep -q "SSL alert number 42" "$ossl_log" ||
      errs="$errs; OpenSSL did not report alert 42 (bad_certificate)"
    grep -q "^STATE connected" "$kvs_log" && errs="$errs; connected despite the wrong fingerprint"
  elif [ -z "$errs" ]; then
    local exp oexp prof oprof suite ocipher wantc wantsuite frag max_in max_out retx ownfp ofp
    [ "${rc:-}" = 0 ] || errs="$errs; dtls_peer exit ${rc:-?}"
    grep -q "^STATE connected" "$kvs_log" || errs="$errs; not connected"
    exp=$(ours EXPORT "$kvs_log")
    oexp=$(sed -n 's/^ *Keying material: //p' "$ossl_log" | head -n 1 | lower)
    [ ${#exp} -eq 120 ] && [ "$exp" = "$oexp" ] || errs="$errs; exporter: ours '$exp', OpenSSL '$oexp'"
    prof=$(ours SRTP "$kvs_log" | cut -d' ' -f2)
    oprof=$(sed -n 's/^SRTP Extension negotiated, profile=//p' "$ossl_log" | head -n 1)
    [ "$prof" = "$oprof" ] && [ "$prof" = "$want" ] ||
      errs="$errs; SRTP profile: ours '$prof', OpenSSL '$oprof', expected '$want'"
    # the suite: ECDHE-RSA only when OpenSSL is the server with an RSA certificate
    if [ "$role" = client ] && [ "$cert" = rsa ]; then
      wantc=ECDHE-RSA-AES128-GCM-SHA256 wantsuite=0xc02f
    else
      wantc=ECDHE-ECDSA-AES128-GCM-SHA256 wantsuite=0xc02b
    fi
    suite=$(ours SUITE "$kvs_log")
    ocipher=$(sed -n 's/^.*Cipher is //p; s/^CIPHER is //p' "$ossl_log" | head -n 1)
    [ "$suite" = "$wantsuite" ] && [ "$ocipher" = "$wantc" ] ||
      errs="$errs; suite: ours '$suite', OpenSSL '$ocipher', expected $wantsuite $wantc"
    # we verified OpenSSL's certificate (and its signature: CertificateVerify or ServerKeyExchange)
    [ "$(ours PEER_KEY "$kvs_log")" = "$cert" ] || errs="$errs; PEER_KEY is not $cert"
    # OpenSSL got our certificate
    ownfp=$(ours OWN_FP "$kvs_log")
    if [ "$role" = client ]; then ofp=$(cert_fp_after "Client certificate" "$ossl_log")
    else ofp=$(cert_fp_after "Server certificate" "$ossl_log"); fi
    [ -n "$ownfp" ] && [ "$ownfp" = "$ofp" ] || errs="$errs; OpenSSL got certificate '$ofp', we sent '$ownfp'"
    # application data both ways
    grep -qxF "RECV $to_kvs" "$kvs_log" || errs="$errs; OpenSSL's line did not reach us"
    grep -qF "$to_ossl" "$ossl_log" || errs="$errs; our message did not reach OpenSSL"
    # fragmentation: OpenSSL's datagrams stay within its MTU (minus 28 bytes of IPv4 + UDP) and a
    # handshake message came in fragments; ours within our MTU
    max_in=$(ours STATS "$kvs_log" | sed -n 's/.*max_in=\([0-9]*\).*/\1/p')
    frag=$(ours STATS "$kvs_log" | sed -n 's/.*fragmented_in=\([0-9]*\).*/\1/p')
    max_out=$(ours STATS "$kvs_log" | sed -n 's/.*max_out=\([0-9]*\).*/\1/p')
    if [ "$omtu" != "-" ]; then
      [ "${max_in:-99999}" -le $((omtu - 28)) ] && [ "${max_in:-0}" -gt 228 ] && [ "${frag:-0}" -ge 1 ] ||
        errs="$errs; OpenSSL -mtu $omtu: largest datagram ${max_in:-?}, fragmented messages ${frag:-?}"
    fi
    # nothing is lost on loopback: a flight we had to send again means OpenSSL dropped it
    retx=$(ours STATS "$kvs_log" | sed -n 's/.*retransmitted=\([0-9]*\).*/\1/p')
    [ "${retx:-1}" = 0 ] || errs="$errs; we retransmitted ${retx:-?} flight(s): OpenSSL ignored one"
    if [ "$kmtu" != "-" ]; then
      [ "${max_out:-99999}" -le "$kmtu" ] || errs="$errs; our largest datagram ${max_out:-?} > $kmtu"
    fi
  fi
  if [ -z "$errs" ]; then
    PASS=$((PASS + 1)); printf 'ok   interop: dtls %s\n' "$name"
  else
    FAIL=$((FAIL + 1)); printf 'FAIL interop: dtls %s\n' "$name"
    printf '    %s\n' "${errs#; }"
    echo "    --- dtls_peer (exit ${rc:-?}), last lines:"
    cat "$kvs_log" "$c/kvs.err" 2> /dev/null | tail -n 12 | sed 's/^/      /'
    echo "    --- openssl (exit ${orc:-?}), last lines:"
    tail -n 12 "$ossl_log" 2> /dev/null | sed 's/^/      /'
  fi
}

ALL=SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32:SRTP_AEAD_AES_128_GCM
#        name                                                          role   cert omtu kmtu OpenSSL's -use_srtp     ours want                   fp
run_case "client vs s_server, ECDSA, SRTP_AES128_CM_SHA1_80"           client ec   -    -    SRTP_AES128_CM_SHA1_80  all  SRTP_AES128_CM_SHA1_80 der
run_case "client vs s_server, ECDSA, -mtu 500, our MTU 300, AEAD GCM"  client ec   500  300  SRTP_AEAD_AES_128_GCM   gcm  SRTP_AEAD_AES_128_GCM  der
run_case "client vs s_server, RSA (ECDHE-RSA), SRTP_AES128_CM_SHA1_32" client rsa  -    -    SRTP_AES128_CM_SHA1_32  32   SRTP_AES128_CM_SHA1_32 sdp
run_case "client vs s_server, RSA, -mtu 500, its preference of three" client rsa  500  -    $ALL                    all  SRTP_AES128_CM_SHA1_80 der
run_case "server vs s_client, ECDSA, SRTP_AEAD_AES_128_GCM"            server ec   -    -    SRTP_AEAD_AES_128_GCM   all  SRTP_AEAD_AES_128_GCM  der
run_case "server vs s_client, ECDSA, -mtu 500, our MTU 256, SHA1_32"   server ec   500  256  SRTP_AES128_CM_SHA1_32  32   SRTP_AES128_CM_SHA1_32 sdp
run_case "server vs s_client, RSA CertificateVerify, SHA1_80"          server rsa  -    -    SRTP_AES128_CM_SHA1_80  80   SRTP_AES128_CM_SHA1_80 der
run_case "server vs s_client, RSA, -mtu 500, our preference of three"  server rsa  500  -    $ALL                    all  SRTP_AEAD_AES_128_GCM  der
run_case "server vs s_client, HelloVerifyRequest cookie, ECDSA, GCM"   server ec   -    -    $ALL                    gcm  SRTP_AEAD_AES_128_GCM  sdp --hello-verify
run_case "client vs s_server, wrong fingerprint: bad_certificate"      client ec   -    -    SRTP_AES128_CM_SHA1_80  all  -                      bad
run_case "server vs s_client, wrong fingerprint: bad_certificate"      server rsa  -    -    SRTP_AES128_CM_SHA1_80  all  -                      bad

echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ] && [ $PASS -gt 0 ]
