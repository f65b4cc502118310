#!/usr/bin/env bash
# Two coturn TURN servers in a private network namespace, for interop tests against a real TURN
# server. Usage:
#   tests/interop/coturn_env.sh [--drop-udp | --drop-all-udp] -- COMMAND [ARGS...]
# Needs root, iproute2 (ip, ss), coturn (turnserver, turnutils_peer), openssl, and nftables for
# the --drop options. Each run:
#   - creates a network namespace with loopback only (127.0.0.1, ::1), named uniquely;
#   - makes a test CA and a TLS certificate signed by it for the servers (CN localhost, SAN
#     DNS:localhost and IP:127.0.0.1); clients trust the CA file in KVS_TURN_CA;
#   - starts two turnservers on 127.0.0.1, each on UDP, TCP and TLS (and DTLS on the TLS port),
#     relaying from 127.0.0.1, loopback peers allowed, FINGERPRINT on, no CLI:
#       "lt"   long-term credentials kvsuser / kvspass, realm kvs.test
#       "rest" TURN REST API credentials from the static secret kvssecret, realm kvs.test
#              (username "<unix expiry>:<name>", password base64(HMAC-SHA1(secret, username)))
#     and waits (bounded) until every listener is up;
#   - --drop-udp: an nftables rule set in the namespace drops every UDP datagram except those
#     from or to the relay port ranges (KVS_TURN_RELAY_PORTS), so clients cannot use UDP (TURN
#     over UDP, direct or STUN traffic all fail) while the servers' relayed legs to peers still
#     work, which is what a client behind a UDP-blocking firewall sees. --drop-all-udp drops
#     every UDP datagram, relays included. Either is checked with a UDP echo probe;
#   - runs COMMAND inside the namespace with the variables below, then stops everything it
#     started (the servers and whatever COMMAND left running in the namespace), deletes the
#     namespace and the scratch directory, and exits with COMMAND's status (2 when the
#     environment could not be set up, 130 / 143 on SIGINT / SIGTERM).
# Variables given to COMMAND:
#   KVS_TURN_NETNS       the namespace name
#   KVS_TURN_LT_UDP, KVS_TURN_LT_TCP, KVS_TURN_LT_TLS        127.0.0.1:PORT of the "lt" server
#   KVS_TURN_REST_UDP, KVS_TURN_REST_TCP, KVS_TURN_REST_TLS  127.0.0.1:PORT of the "rest" server
#   KVS_TURN_USER, KVS_TURN_PASS   long-term user and password (kvsuser / kvspass)
#   KVS_TURN_SECRET                the REST shared secret (kvssecret)
#   KVS_TURN_REST_USER, KVS_TURN_REST_PASS  REST credentials computed from it, valid 24 hours
#   KVS_TURN_REALM                 kvs.test
#   KVS_TURN_CA                    PEM file of the CA that signed the servers' certificate
#   KVS_TURN_TLS_NAME              the name the certificate is for (localhost)
#   KVS_TURN_LT_RELAY_PORTS, KVS_TURN_REST_RELAY_PORTS, KVS_TURN_RELAY_PORTS  relay port ranges
#   KVS_TURN_DROP_UDP              none, relay-only (--drop-udp: all UDP but the relays dropped)
#                                  or all (--drop-all-udp)
#   KVS_TURN_LOG_LT, KVS_TURN_LOG_REST  the servers' logs (gone after the run)
set -u
umask 077

LT_PORT=3478 LT_TLS_PORT=5349
REST_PORT=3578 REST_TLS_PORT=5449
LT_RELAY_MIN=20000 LT_RELAY_MAX=20499
REST_RELAY_MIN=20500 REST_RELAY_MAX=20999
PROBE_PORT=40000 # a UDP port outside the relay ranges, for the drop probe
WAIT_TENTHS=150  # how long to wait for the listeners, in tenths of a second

DROP=none
usage() { echo "usage: $0 [--drop-udp | --drop-all-udp] -- COMMAND [ARGS...]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --drop-udp) DROP=relay-only; shift ;;
    --drop-all-udp) DROP=all; shift ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[ $# -gt 0 ] || usage

die() { echo "coturn_env: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for tool in ip ss turnserver turnutils_peer openssl timeout; do
  command -v "$tool" > /dev/null || die "$tool not found (apt-get install coturn iproute2 openssl)"
done
if [ "$DROP" != none ]; then command -v nft > /dev/null || die "nft not found (apt-get install nftables)"; fi

NS="kvsturn-$$-$RANDOM"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/kvs-coturn.XXXXXX") || die "mktemp failed"
PIDS=()
CMD_PID=""
NS_MADE=0

# Stop a process we started: TERM, up to 3 s, then KILL; reap it when it is our child.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2> /dev/null || { wait "$pid" 2> /dev/null; return 0; }
  for i in $(seq 30); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  return 0
}

cleanup() {
  local pid
  trap '' INT TERM
  [ -n "$CMD_PID" ] && stop_pid "$CMD_PID"
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ "$NS_MADE" = 1 ]; then
    # anything COMMAND left behind in the namespace (all of it started by this run)
    for pid in $(ip netns pids "$NS" 2> /dev/null); do stop_pid "$pid"; done
    ip netns del "$NS" 2> /dev/null
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || die "ip netns add $NS failed"
NS_MADE=1
ip -n "$NS" link set lo up || die "cannot bring up lo in $NS"

# --- certificates: a test CA and a server certificate it signs -----------------------------
{
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kvswebrtc test TURN CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$DIR/ca.key" -out "$DIR/ca.pem" &&
  openssl req -new -newkey rsa:2048 -nodes -subj /CN=localhost \
    -keyout "$DIR/turn.key" -out "$DIR/turn.csr" &&
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$DIR/turn.ext" &&
  openssl x509 -req -in "$DIR/turn.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$DIR/turn.ext" -out "$DIR/turn.pem" &&
  openssl verify -CAfile "$DIR/ca.pem" "$DIR/turn.pem"
} > "$DIR/certs.log" 2>&1 || { cat "$DIR/certs.log" >&2; die "certificate generation failed"; }
chmod 644 "$DIR/ca.pem"
chmod 755 "$DIR"

# --- the two servers ------------------------------------------------------------------------
start_turn() { # NAME PORT TLS_PORT RELAY_MIN RELAY_MAX AUTH...
  local name=$1 port=$2 tls=$3 rmin=$4 rmax=$5
  shift 5
  in_ns turnserver -n \
    --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
    --listening-port="$port" --tls-listening-port="$tls" \
    --alt-listening-port=0 --alt-tls-listening-port=0 --no-rfc5780 \
    --min-port="$rmin" --max-port="$rmax" \
    --realm=kvs.test --fingerprint "$@" \
    --cert="$DIR/turn.pem" --pkey="$DIR/turn.key" \
    --allow-loopback-peers --no-multicast-peers --no-cli \
    --userdb="$DIR/turndb-$name" --pidfile="$DIR/turnserver-$name.pid" \
    --log-file=stdout --simple-log > "$DIR/turnserver-$name.log" 2>&1 &
  PIDS+=($!)
}
start_turn lt "$LT_PORT" "$LT_TLS_PORT" "$LT_RELAY_MIN" "$LT_RELAY_MAX" --lt-cred-mech --user=kvsuser:kvspass
start_turn rest "$REST_PORT" "$REST_TLS_PORT" "$REST_RELAY_MIN" "$REST_RELAY_MAX" \
  --use-auth-secret --static-auth-secret=kvssecret

# Every listener up: TCP on the four ports, UDP on the four ports (UDP and DTLS).
listening() {
  local tcp udp p
  tcp=$(in_ns ss -H -ltn 2> /dev/null) || return 1
  udp=$(in_ns ss -H -lun 2> /dev/null) || return 1
  for p in "$LT_PORT" "$LT_TLS_PORT" "$REST_PORT" "$REST_TLS_PORT"; do
    grep -q "127.0.0.1:$p " <<< "$tcp" || return 1
    grep -q "127.0.0.1:$p " <<< "$udp" || return 1
  done
}
up=0
for _ in $(seq "$WAIT_TENTHS"); do
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2> /dev/null || { tail -20 "$DIR"/turnserver-*.log >&2; die "turnserver exited"; }
  done
  if listening; then up=1; break; fi
  sleep 0.1
done
[ "$up" = 1 ] || { tail -20 "$DIR"/turnserver-*.log >&2; die "turnserver not listening after $((WAIT_TENTHS / 10)) s"; }

# --- optional UDP drop, proven with an echo probe --------------------------------------------
# probe PORT: 0 when a datagram sent to a UDP echo server on 127.0.0.1:PORT comes back within 1 s
probe() {
  in_ns bash -c '
    turnutils_peer -L 127.0.0.1 -p "$1" > /dev/null 2>&1 & peer=$!
    ok=1
    for _ in $(seq 20); do
      ss -H -lun 2> /dev/null | grep -q "127.0.0.1:$1 " && break
      sleep 0.1
    done
    if exec 3<> "/dev/udp/127.0.0.1/$1"; then
      printf probe >&3
      read -t 1 -r -N 1 _ <&3 && ok=0
      exec 3<&-
    fi
    kill "$peer" 2> /dev/null; wait "$peer" 2> /dev/null
    exit $ok' probe "$1"
}
if [ "$DROP" != none ]; then
  probe "$PROBE_PORT" || die "UDP probe failed before any rule was installed"
  if [ "$DROP" = relay-only ]; then
    EXEMPT="    udp sport $LT_RELAY_MIN-$REST_RELAY_MAX accept
    udp dport $LT_RELAY_MIN-$REST_RELAY_MAX accept"
  else
    EXEMPT=""
  fi
  in_ns nft -f - << EOF || die "nft rule set refused"
table inet kvs_drop_udp {
  chain input {
    type filter hook input priority filter; policy accept;
$EXEMPT
    meta l4proto udp drop
  }
}
EOF
  ! probe "$PROBE_PORT" || die "UDP still gets through after the drop rules"
  if [ "$DROP" = relay-only ]; then
    probe "$REST_RELAY_MAX" || die "UDP to the relay port range is dropped too"
  fi
fi

# --- the command ------------------------------------------------------------------------------
REST_USER="$(($(date +%s) + 86400)):kvsviewer"
REST_PASS=$(printf %s "$REST_USER" | openssl dgst -sha1 -hmac kvssecret -binary | openssl base64 -A)
export KVS_TURN_NETNS="$NS"
export KVS_TURN_LT_UDP="127.0.0.1:$LT_PORT" KVS_TURN_LT_TCP="127.0.0.1:$LT_PORT" KVS_TURN_LT_TLS="127.0.0.1:$LT_TLS_PORT"
export KVS_TURN_REST_UDP="127.0.0.1:$REST_PORT" KVS_TURN_REST_TCP="127.0.0.1:$REST_PORT" KVS_TURN_REST_TLS="127.0.0.1:$REST_TLS_PORT"
export KVS_TURN_USER=kvsuser KVS_TURN_PASS=kvspass KVS_TURN_SECRET=kvssecret KVS_TURN_REALM=kvs.test
export KVS_TURN_REST_USER="$REST_USER" KVS_TURN_REST_PASS="$REST_PASS"
export KVS_TURN_CA="$DIR/ca.pem" KVS_TURN_TLS_NAME=localhost
export KVS_TURN_LT_RELAY_PORTS="$LT_RELAY_MIN-$LT_RELAY_MAX" KVS_TURN_REST_RELAY_PORTS="$REST_RELAY_MIN-$REST_RELAY_MAX"
export KVS_TURN_RELAY_PORTS="$LT_RELAY_MIN-$REST_RELAY_MAX"
export KVS_TURN_DROP_UDP="$DROP"
export KVS_TURN_LOG_LT="$DIR/turnserver-lt.log" KVS_TURN_LOG_REST="$DIR/turnserver-rest.log"

# In the background, so that INT / TERM reach the traps at once; standard input passed on.
exec 3<&0
in_ns "$@" <&3 3<&- &
CMD_PID=$!
wait "$CMD_PID"
rc=$?
CMD_PID=""
exit "$rc"
