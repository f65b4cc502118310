#!/usr/bin/env bash
# Proves the environment of tests/interop/coturn_env.sh with coturn's own clients
# (turnutils_uclient allocating and relaying 10 messages to a turnutils_peer echo server):
#   - plain: allocations work over UDP, TCP and TLS with long-term credentials and with TURN
#     REST API credentials (the secret via -W, and the precomputed KVS_TURN_REST_USER / PASS);
#     a wrong password is refused; both TLS listeners present a certificate that verifies
#     against KVS_TURN_CA for KVS_TURN_TLS_NAME;
#   - --drop-udp: TURN over UDP gets nowhere, over TCP and TLS it still allocates and relays.
# Prints "ok   interop: coturn env <case>" / "FAIL interop: coturn env <case>" per case and ends
# with "N passed, N failed". Needs what coturn_env.sh needs (root, coturn, nftables, iproute2).
# Usage: tests/interop/coturn_selfcheck.sh   (--inside MODE is how it runs itself in the env)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = --inside ]; then
  MODE=$2
  PEER_PORT=3480
  LOG=$(mktemp)
  trap 'rm -f "$LOG"' EXIT
  res() { # STATUS CASE: report, with the end of the last client log on failure
    if [ "$1" = 0 ]; then
      echo "ok   interop: coturn env $2"
    else
      echo "FAIL interop: coturn env $2"
      tail -n 6 "$LOG" | sed 's/^/    /'
    fi
  }
  # uc SECONDS ADDR ARGS...: turnutils_uclient to ADDR (host:port) relaying to the echo peer
  uc() {
    local secs=$1 addr=$2
    shift 2
    timeout "$secs" turnutils_uclient "$@" -p "${addr##*:}" -e 127.0.0.1 -r "$PEER_PORT" -n 10 -l 200 \
      "${addr%:*}" > "$LOG" 2>&1
  }
  lossless() { grep -q "Total lost packets 0 (0.000000%)" "$LOG"; }
  relays() { uc 60 "$@" && lossless; }
  refused() { uc 30 "$@"; grep -q "Cannot complete Allocation" "$LOG"; }
  no_allocation() { uc 10 "$@"; ! grep -q "Total lost packets" "$LOG"; }
  tls_verifies() {
    timeout 20 openssl s_client -connect "$1" -CAfile "$KVS_TURN_CA" -servername "$KVS_TURN_TLS_NAME" \
      -verify_hostname "$KVS_TURN_TLS_NAME" -verify_return_error < /dev/null > "$LOG" 2>&1 &&
      grep -q "Verify return code: 0 (ok)" "$LOG"
  }

  turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" > /dev/null 2>&1 &
  PEER=$!
  for _ in $(seq 30); do ss -H -lun | grep -q "127.0.0.1:$PEER_PORT " && break; sleep 0.1; done
  LT=(-u "$KVS_TURN_USER" -w "$KVS_TURN_PASS")
  REST=(-W "$KVS_TURN_SECRET" -u kvsviewer)
  case "$MODE" in
    plain)
      relays "$KVS_TURN_LT_UDP" "${LT[@]}";             res $? "long-term credentials, UDP"
      relays "$KVS_TURN_LT_TCP" -t "${LT[@]}";          res $? "long-term credentials, TCP"
      relays "$KVS_TURN_LT_TLS" -t -S "${LT[@]}";       res $? "long-term credentials, TLS"
      relays "$KVS_TURN_REST_UDP" "${REST[@]}";         res $? "REST credentials, UDP"
      relays "$KVS_TURN_REST_TCP" -t "${REST[@]}";      res $? "REST credentials, TCP"
      relays "$KVS_TURN_REST_TLS" -t -S "${REST[@]}";   res $? "REST credentials, TLS"
      relays "$KVS_TURN_REST_UDP" -u "$KVS_TURN_REST_USER" -w "$KVS_TURN_REST_PASS"
      res $? "KVS_TURN_REST_USER / KVS_TURN_REST_PASS accepted"
      refused "$KVS_TURN_LT_UDP" -u "$KVS_TURN_USER" -w wrong; res $? "wrong password refused"
      tls_verifies "$KVS_TURN_LT_TLS";                  res $? "TLS certificate (long-term server) verifies with KVS_TURN_CA"
      tls_verifies "$KVS_TURN_REST_TLS";                res $? "TLS certificate (REST server) verifies with KVS_TURN_CA"
      ;;
    drop-udp)
      [ "$KVS_TURN_DROP_UDP" = relay-only ];            res $? "--drop-udp: KVS_TURN_DROP_UDP=relay-only"
      no_allocation "$KVS_TURN_LT_UDP" "${LT[@]}";      res $? "--drop-udp: long-term credentials, UDP fails"
      no_allocation "$KVS_TURN_REST_UDP" "${REST[@]}";  res $? "--drop-udp: REST credentials, UDP fails"
      relays "$KVS_TURN_LT_TCP" -t "${LT[@]}";          res $? "--drop-udp: long-term credentials, TCP works"
      relays "$KVS_TURN_LT_TLS" -t -S "${LT[@]}";       res $? "--drop-udp: long-term credentials, TLS works"
      relays "$KVS_TURN_REST_TCP" -t "${REST[@]}";      res $? "--drop-udp: REST credentials, TCP works"
      relays "$KVS_TURN_REST_TLS" -t -S "${REST[@]}";   res $? "--drop-udp: REST credentials, TLS works"
      ;;
  esac
  kill "$PEER" 2> /dev/null
  wait "$PEER" 2> /dev/null
  exit 0
fi

PASS=0 FAIL=0
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
# env MODE [coturn_env options]: run the inside checks in a fresh environment
env_run() {
  local mode=$1 rc line n=0
  shift
  timeout 600 "$HERE/coturn_env.sh" "$@" -- "$HERE/coturn_selfcheck.sh" --inside "$mode" > "$OUT" 2>&1
  rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok   "*) PASS=$((PASS + 1)); n=$((n + 1)); printf '%s\n' "$line" ;;
      "FAIL "*) FAIL=$((FAIL + 1)); n=$((n + 1)); printf '%s\n' "$line" ;;
      "    "*) printf '%s\n' "$line" ;;
    esac
  done < "$OUT"
  if [ "$rc" -ne 0 ] || [ "$n" -eq 0 ]; then
    FAIL=$((FAIL + 1))
    echo "FAIL interop: coturn env $mode: environment (exit $rc)"
    tail -n 15 "$OUT" | sed 's/^/    /'
  fi
}
env_run plain
env_run drop-udp --drop-udp
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
