#!/usr/bin/env bash
# Runs a Node script that drives headless Chromium (tests/interop/chromium_peer.js, the tests;
# tools/bench/chromium_bench.js, the benchmark) with playwright-core from tests/node.
# Usage: tests/interop/chromium.sh SCRIPT.js [ARGS...]
# As root, and unless already inside a private namespace (coturn_env.sh exports
# KVS_TURN_NETNS), the script runs in a fresh network namespace holding only loopback: Chromium
# then gathers exactly its 127.0.0.1 candidates, like peer_echo --bind 127.0.0.1, and nothing
# outside can disturb the ports. Otherwise it runs in place (Chromium also gathers the host's
# other addresses; the 127.0.0.1 pair still connects).
# Everything started is stopped on exit: the script is bounded by CHROMIUM_TIMEOUT seconds
# (default 300), and every process left in the namespace is killed before it is deleted.
# Environment: CHROMIUM, the browser executable (default: chromium on PATH).
set -u
[ $# -ge 1 ] || { echo "usage: $0 SCRIPT.js [ARGS...]" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NODE_PATH="$ROOT/tests/node/node_modules"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)} ||
  { echo "chromium.sh: chromium not found" >&2; exit 2; }
export CHROMIUM
LIMIT=${CHROMIUM_TIMEOUT:-300}

NS=""
PID=""
cleanup() {
  local p
  trap '' INT TERM
  [ -n "$PID" ] && kill -TERM "$PID" 2> /dev/null && wait "$PID" 2> /dev/null
  if [ -n "$NS" ]; then
    for p in $(ip netns pids "$NS" 2> /dev/null); do kill -KILL "$p" 2> /dev/null; done
    ip netns del "$NS" 2> /dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RUN=()
if [ "$(id -u)" = 0 ] && [ -z "${KVS_TURN_NETNS:-}" ] && command -v ip > /dev/null; then
  NS="kvschromium-$$-$RANDOM"
  if ip netns add "$NS" && ip -n "$NS" link set lo up; then
    RUN=(ip netns exec "$NS")
  else
    echo "chromium.sh: no private network namespace; running in place" >&2
    ip netns del "$NS" 2> /dev/null
    NS=""
  fi
fi
# in the background, so that INT / TERM reach the traps at once
"${RUN[@]}" timeout -k 5 "$LIMIT" node "$@" &
PID=$!
wait "$PID"
rc=$?
PID=""
exit "$rc"
