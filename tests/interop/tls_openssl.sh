#!/usr/bin/env bash
# TLS 1.2 interoperability with OpenSSL's command line over real TCP on 127.0.0.1: kvswebrtc's
# client engine (tests/interop/tls_client.c) against `openssl s_server -rev` (which sends every
# line back reversed), with a test PKI the script makes in a temporary directory with
# `openssl req` / `openssl ca`: an ECDSA root and intermediate CA with server certificates for
# server.kvs.test and *.wild.kvs.test, a really expired one (2020-2021), one not yet valid
# (from 2099), one from an unrelated CA, and an RSA-2048 root with an RSA server certificate.
# Accepted cases check that the handshake completes with the expected suite (ours and
# OpenSSL's view: TLS 1.2 and the cipher), that a line we send comes back reversed (both
# directions of application data, up to 12 KB in one line), and that close_notify is answered.
# Refused cases check our result and log item (TLS_UNKNOWN_CA, TLS_BAD_HOSTNAME, TLS_EXPIRED,
# TLS_PEER_ALERT) and, for certificates, the alert OpenSSL reports receiving.
#
# Usage: tests/interop/tls_openssl.sh PATH/TO/tls_client [FILTER]
#   FILTER: only the cases whose name contains it.
# Prints one line per case, "ok   interop: tls <case>" or "FAIL interop: tls <case>" followed by
# indented diagnostics, then "N passed, N failed". Exit status 0 when every case passed.
# Ports are ephemeral: s_server binds 127.0.0.1:0 and prints "ACCEPT 127.0.0.1:PORT". Everything
# goes to a temporary directory, removed at exit (kept when KVS_INTEROP_KEEP is set); every
# process started here is killed at exit, and every wait is bounded.
set -u
client=${1:-}
filter=${2:-}
if [ -z "$client" ] || [ ! -x "$client" ]; then
  echo "usage: $0 PATH/TO/tls_client [FILTER]" >&2; exit 2
fi
case "$client" in /*) ;; *) client="$PWD/$client" ;; esac
if ! command -v openssl > /dev/null; then echo "tls_openssl: openssl is not installed" >&2; exit 2; fi
if ! command -v timeout > /dev/null; then echo "tls_openssl: timeout (coreutils) is missing" >&2; exit 2; fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/kvs-tls-openssl.XXXXXX") || exit 1
pids=""
cleanup() {
  local p
  for p in $pids; do kill "$p" 2> /dev/null; done
  for p in $pids; do wait "$p" 2> /dev/null; done
  if [ -n "${KVS_INTEROP_KEEP:-}" ]; then echo "tls_openssl: files kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0
BUDGET=60 # seconds: cases not started by then fail at once (a healthy run takes a few seconds)
SECONDS=0

# --- the test PKI ------------------------------------------------------------------------------
pki() {
  cd "$dir" || return 1
  cat > ca.cnf <<'EOF'
[ ca ]
default_ca = kvs_ca
[ kvs_ca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = kvs_policy
unique_subject = no
email_in_dn = no
copy_extensions = none
default_days = 2
[ kvs_policy ]
commonName = supplied
[ ext_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ext_inter ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ext_leaf ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.kvs.test, DNS:*.wild.kvs.test
EOF
  : > index.txt
  echo 1000 > serial
  # ecdsa NAME / rsa NAME: a key
  ecdsa() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"; }
  rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"; }
  # sign NAME "/CN=..." ISSUER|self EXT [START END]: a certificate for NAME.key
  sign() {
    local dates=()
    [ -n "${5:-}" ] && dates=(-startdate "$5" -enddate "$6")
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" || return 1
    if [ "$3" = self ]; then
      openssl ca -batch -config ca.cnf -selfsign -keyfile "$1.key" -in "$1.csr" -extensions "$4" \
        "${dates[@]}" -notext -out "$1.pem"
    else
      openssl ca -batch -config ca.cnf -cert "$3.pem" -keyfile "$3.key" -in "$1.csr" \
        -extensions "$4" "${dates[@]}" -notext -out "$1.pem"
    fi
  }
  ecdsa root && sign root "/CN=kvs interop root" self ext_ca &&
  ecdsa inter && sign inter "/CN=kvs interop intermediate" root ext_inter &&
  ecdsa leaf && sign leaf "/CN=kvs interop server" inter ext_leaf &&
  cp leaf.key expired.key &&
  sign expired "/CN=kvs interop expired" inter ext_leaf 20200101000000Z 20210101000000Z &&
  cp leaf.key future.key &&
  sign future "/CN=kvs interop future" inter ext_leaf 20990101000000Z 20991231000000Z &&
  ecdsa other_root && sign other_root "/CN=kvs interop other root" self ext_ca &&
  ecdsa other && sign other "/CN=kvs interop other server" other_root ext_leaf &&
  rsa rsa_root && sign rsa_root "/CN=kvs interop rsa root" self ext_ca &&
  rsa rsa_leaf && sign rsa_leaf "/CN=kvs interop rsa server" rsa_root ext_leaf
}
if ! (pki) > "$dir/pki.log" 2>&1; then
  echo "FAIL interop: tls test PKI (openssl req / ca)"; tail -20 "$dir/pki.log" | sed 's/^/    /'
  echo "0 passed, 1 failed"; exit 1
fi
# the expired one is really expired, the future one not yet valid (by OpenSSL's own check)
openssl verify -CAfile "$dir/root.pem" -untrusted "$dir/inter.pem" "$dir/expired.pem" > "$dir/verify.log" 2>&1
grep -q "certificate has expired" "$dir/verify.log" || { echo "FAIL interop: tls test PKI: expired certificate not expired"; echo "0 passed, 1 failed"; exit 1; }

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
ours() { sed -n "s/^$1 //p" "$2" | head -n 1; }
rev() { printf '%s' "$1" | awk '{ s = ""; for (i = length($0); i > 0; i--) s = s substr($0, i, 1); printf "%s", s }'; }

# --- one case ------------------------------------------------------------------------------------
# run_case NAME "S_SERVER OPTIONS" "TLS_CLIENT OPTIONS" EXPECT
#   EXPECT: "ok SUITE OSSL_CIPHER" for a connection that must work (suite as 0x...., OpenSSL's
#   cipher name), or "fail RESULT ITEM [OSSL_ALERT_TEXT]" for one that must be refused.
run_case() {
  local name=$1 sopts=$2 copts=$3 expect=$4
  local c="$dir/case$((PASS + FAIL))" errs="" port spid cpid rc="" src="" text
  local -a so co want
  case "$name" in *"$filter"*) ;; *) return ;; esac
  if [ $SECONDS -ge $BUDGET ]; then
    FAIL=$((FAIL + 1)); printf 'FAIL interop: tls %s\n    not run: the %d s budget is spent\n' "$name" $BUDGET
    return
  fi
  mkdir -p "$c"
  # shellcheck disable=SC2206
  so=($sopts)
  # shellcheck disable=SC2206
  co=($copts)
  # shellcheck disable=SC2206
  want=($expect)
  text=$(printf 'kvs-to-openssl-%05d%05d' $RANDOM $RANDOM) # 25 bytes
  (cd "$dir" && exec timeout 15 openssl s_server -accept 127.0.0.1:0 -naccept 1 -rev "${so[@]}") \
    > "$c/openssl.log" 2>&1 < /dev/null &
  spid=$!; pids="$pids $spid"
  if wait_for "$c/openssl.log" "ACCEPT " 100 $spid; then
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$c/openssl.log" | head -n 1)
    (cd "$dir" && exec timeout 10 "$client" --connect "127.0.0.1:$port" --timeout-ms 8000 \
      --send "$text" --expect "$(rev "$text")" "${co[@]}") > "$c/kvs.log" 2> "$c/kvs.err" < /dev/null &
    cpid=$!; pids="$pids $cpid"
    wait_exit "$cpid" 200; rc=$?
    wait_exit "$spid" 60; src=$?
  else
    errs="$errs; s_server did not start"
    wait_exit "$spid" 1
  fi

  if [ -z "$errs" ] && [ "${want[0]}" = ok ]; then
    [ "$rc" = 0 ] || errs="$errs; tls_client exit $rc"
    grep -q "^STATE connected" "$c/kvs.log" || errs="$errs; not connected"
    [ "$(ours SUITE "$c/kvs.log")" = "${want[1]}" ] ||
      errs="$errs; suite $(ours SUITE "$c/kvs.log"), want ${want[1]}"
    grep -q "^Protocol version: TLSv1.2$" "$c/openssl.log" || errs="$errs; OpenSSL saw no TLS 1.2"
    grep -q "^Ciphersuite: ${want[2]}$" "$c/openssl.log" || errs="$errs; OpenSSL's cipher is not ${want[2]}"
    grep -q "^STATE closed$" "$c/kvs.log" || errs="$errs; our close_notify was not answered"
    grep -q "ERROR\|:error:" "$c/openssl.log" && errs="$errs; OpenSSL reported an error"
  elif [ -z "$errs" ]; then
    [ "$rc" = 1 ] || errs="$errs; tls_client exit $rc, want 1"
    grep -q "^STATE connected" "$c/kvs.log" && errs="$errs; connected although it must be refused"
    grep -q "^STATE failed ${want[1]} ${want[2]}$" "$c/kvs.log" ||
      errs="$errs; no 'STATE failed ${want[1]} ${want[2]}'"
    if [ -n "${want[3]:-}" ]; then
      grep -q "SSL alert number ${want[3]}" "$c/openssl.log" ||
        errs="$errs; OpenSSL did not report alert ${want[3]}"
    fi
  fi
  # case-specific checks (shell code in CHECK)
  if [ -z "$errs" ] && [ -n "${CHECK:-}" ]; then
    local why
    why=$(cd "$c" && eval "$CHECK") || errs="$errs; $why"
  fi
  if [ -z "$errs" ]; then
    PASS=$((PASS + 1)); printf 'ok   interop: tls %s\n' "$name"
  else
    FAIL=$((FAIL + 1)); printf 'FAIL interop: tls %s\n' "$name"
    printf '    %s\n' "${errs#; }"
    echo "    --- tls_client (exit ${rc:-?}), last lines:"
    cat "$c/kvs.log" "$c/kvs.err" 2> /dev/null | tail -n 10 | sed 's/^/      /'
    echo "    --- openssl s_server (exit ${src:-?}), last lines:"
    grep -v '^ *[0-9]* \(items\|client\|server\|session\|callback\|cache\)' "$c/openssl.log" 2> /dev/null |
      tail -n 10 | sed 's/^/      /'
  fi
}

EC="-cert leaf.pem -cert_chain inter.pem -key leaf.key"
HOST="--host server.kvs.test --ca root.pem"
# the echo came back and nothing more is needed
CHECK=""
run_case "trusted chain through an intermediate, ECDSA, echo both ways" \
  "$EC" "$HOST" "ok 0xc02b ECDHE-ECDSA-AES128-GCM-SHA256"
CHECK='grep -q "^Hostname in TLS extension: \"server.kvs.test\"$" openssl.log || echo "SNI not seen by OpenSSL"'
run_case "SNI reaches the server (intermediate as trust anchor)" \
  "-cert leaf.pem -key leaf.key -servername server.kvs.test -cert2 leaf.pem -key2 leaf.key" \
  "--host server.kvs.test --ca inter.pem" "ok 0xc02b ECDHE-ECDSA-AES128-GCM-SHA256"
CHECK=""
run_case "wildcard name *.wild.kvs.test" \
  "$EC" "--host a.wild.kvs.test --ca root.pem" "ok 0xc02b ECDHE-ECDSA-AES128-GCM-SHA256"
CHECK='[ "$(sed -n "s/^RECV \([0-9]*\) .*/\1/p" kvs.log)" = 12001 ] || echo "did not get 12001 bytes back"'
run_case "RSA root and server (ECDHE-RSA), a 12 KB line both ways" \
  "-cert rsa_leaf.pem -key rsa_leaf.key" "--host server.kvs.test --ca rsa_root.pem --repeat 480" \
  "ok 0xc02f ECDHE-RSA-AES128-GCM-SHA256"
CHECK=""
run_case "ChaCha20-Poly1305" \
  "$EC -cipher ECDHE-ECDSA-CHACHA20-POLY1305" "$HOST" "ok 0xcca9 ECDHE-ECDSA-CHACHA20-POLY1305"
run_case "AES-256-GCM-SHA384 (server preference)" \
  "$EC -serverpref -cipher ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256" "$HOST" \
  "ok 0xc02c ECDHE-ECDSA-AES256-GCM-SHA384"
CHECK='grep -q "^ALPN http/1.1$" kvs.log || echo "ALPN not negotiated"'
run_case "ALPN http/1.1" "$EC -alpn http/1.1" "$HOST --alpn" "ok 0xc02b ECDHE-ECDSA-AES128-GCM-SHA256"
CHECK='[ "$(sed -n "s/^RECV \([0-9]*\) .*/\1/p" kvs.log)" = 6001 ] || echo "did not get 6001 bytes back"'
run_case "half duplex, a 6 KB line" "$EC" "$HOST --half-duplex --repeat 240" \
  "ok 0xc02b ECDHE-ECDSA-AES128-GCM-SHA256"
run_case "512-byte records out, a 6 KB line" "$EC" "$HOST --record 512 --repeat 240" \
  "ok 0xc02b ECDHE-ECDSA-AES128-GCM-SHA256"
CHECK=""
run_case "unknown CA: refused" "-cert other.pem -key other.key" "$HOST" \
  "fail ERR_AUTH TLS_UNKNOWN_CA 48"
run_case "server without its intermediate: refused" "-cert leaf.pem -key leaf.key" "$HOST" \
  "fail ERR_AUTH TLS_UNKNOWN_CA 48"
run_case "wrong host name: refused" "$EC" "--host other.kvs.test --ca root.pem" \
  "fail ERR_AUTH TLS_BAD_HOSTNAME 42"
run_case "wildcard does not cover two labels: refused" "$EC" "--host a.b.wild.kvs.test --ca root.pem" \
  "fail ERR_AUTH TLS_BAD_HOSTNAME 42"
run_case "expired certificate (2020-2021): refused" \
  "-cert expired.pem -cert_chain inter.pem -key expired.key" "$HOST" "fail ERR_AUTH TLS_EXPIRED 45"
run_case "certificate not yet valid (2099): refused" \
  "-cert future.pem -cert_chain inter.pem -key future.key" "$HOST" "fail ERR_AUTH TLS_EXPIRED 45"
CHECK='grep -q "server server.kvs.test: alert 70$" kvs.err || echo "our log does not name alert 70"'
run_case "TLS 1.3-only server: protocol_version alert" "$EC -tls1_3" "$HOST" \
  "fail ERR_PROTOCOL TLS_PEER_ALERT"
CHECK='grep -q "server server.kvs.test: alert 40$" kvs.err || echo "our log does not name alert 40"'
run_case "no common cipher suite: handshake_failure alert" "$EC -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256" \
  "$HOST" "fail ERR_PROTOCOL TLS_PEER_ALERT"

echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ] && [ $PASS -gt 0 ]
