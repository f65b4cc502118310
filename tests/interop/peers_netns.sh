#!/usr/bin/env bash
# Runs a third-party WebRTC peer script against peer_echo inside fresh private network
# namespaces, then removes everything it made. Shared by the werift and aiortc interop tests.
# Usage: tests/interop/peers_netns.sh lo|veth -- COMMAND [ARGS...]
#   lo    one namespace with loopback only: COMMAND and peer_echo both use 127.0.0.1;
#   veth  two namespaces joined by a veth pair, 10.77.0.1/24 for COMMAND and 10.77.0.2/24 for
#         peer_echo, for peers that never gather loopback candidates (aiortc).
# Neither has a route out, so the candidates are exactly these addresses. COMMAND runs in the
# first namespace with:
#   KVS_PEER_NS     the namespace peer_echo is to run in (`ip netns exec $KVS_PEER_NS ...`)
#   KVS_PEER_ADDR   the address peer_echo is to bind (--bind)
#   KVS_LOCAL_ADDR  COMMAND's own address
# COMMAND gets at most PEERS_TIMEOUT seconds (default 240). Afterwards every process left in
# the namespaces is stopped and the namespaces are deleted, also on failure or a signal.
# Exits with COMMAND's status: 124 when it timed out, 2 when the namespaces could not be made.
# Needs root and iproute2.
set -u
usage() { echo "usage: $0 lo|veth -- COMMAND [ARGS...]" >&2; exit 2; }
MODE=${1:-}
[ "$MODE" = lo ] || [ "$MODE" = veth ] || usage
shift
[ "${1:-}" = -- ] || usage
shift
[ $# -gt 0 ] || usage
die() { echo "peers_netns: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
command -v ip > /dev/null || die "ip not found (apt-get install iproute2)"

TAG="$$-$RANDOM"
NSA="kvspeer-a-$TAG"
NSB="kvspeer-b-$TAG"
MADE=()
CMD_PID=""

# Stop a process that runs in one of our namespaces: TERM, up to 2 s, then KILL.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2> /dev/null || return 0
  for _ in $(seq 20); do kill -0 "$pid" 2> /dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null
  return 0
}
cleanup() {
  local ns pid
  trap '' INT TERM
  [ -n "$CMD_PID" ] && stop_pid "$CMD_PID"
  for ns in "${MADE[@]}"; do
    for pid in $(ip netns pids "$ns" 2> /dev/null); do stop_pid "$pid"; done
    ip netns del "$ns" 2> /dev/null
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkns() {
  ip netns add "$1" || die "ip netns add $1 failed"
  MADE+=("$1")
  ip -n "$1" link set lo up || die "cannot bring up lo in $1"
}

mkns "$NSA"
if [ "$MODE" = lo ]; then
  export KVS_PEER_NS="$NSA" KVS_PEER_ADDR=127.0.0.1 KVS_LOCAL_ADDR=127.0.0.1
else
  mkns "$NSB"
  # the veth ends are created inside the namespaces, so their names cannot clash with the host's
  {
    ip -n "$NSA" link add kvspa type veth peer name kvspb netns "$NSB" &&
    ip -n "$NSA" addr add 10.77.0.1/24 dev kvspa &&
    ip -n "$NSB" addr add 10.77.0.2/24 dev kvspb &&
    ip -n "$NSA" link set kvspa up &&
    ip -n "$NSB" link set kvspb up
  } || die "cannot set up the veth pair"
  for _ in $(seq 50); do # the carrier comes up a moment later
    ip -n "$NSB" -br link show kvspb | grep -qw UP && break
    sleep 0.1
  done
  ip -n "$NSB" -br link show kvspb | grep -qw UP || die "the veth pair did not come up"
  export KVS_PEER_NS="$NSB" KVS_PEER_ADDR=10.77.0.2 KVS_LOCAL_ADDR=10.77.0.1
fi

# in the background, so that a signal to this script is handled at once
timeout -k 5 "${PEERS_TIMEOUT:-240}" ip netns exec "$NSA" "$@" &
CMD_PID=$!
wait "$CMD_PID"
rc=$?
CMD_PID=""
exit $rc
