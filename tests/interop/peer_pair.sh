#!/usr/bin/env bash
# kvswebrtc <-> kvswebrtc over real UDP on loopback: two peer_echo processes, one offering (it
# sends messages of 1 B .. 64 KiB, text and binary, and checks every echo) and one answering
# (it echoes). The descriptions go through files and a FIFO, exactly as a harness would pass
# them: the offer and its "." line to the answerer's stdin, the answer back.
# Usage: tests/interop/peer_pair.sh PEER_ECHO [MESSAGES [OPTIONS...]]
#   OPTIONS go to both peers (e.g. --relay-only --turn turn:127.0.0.1:3478 --turn-user U ...).
# Prints "ok   interop: peer_echo <-> peer_echo ..." or "FAIL ..." and "N passed, N failed".
set -u
PE=${1:?usage: peer_pair.sh PEER_ECHO [MESSAGES]}
N=${2:-200}
shift; [ $# -gt 0 ] && shift
OPTS=("$@")
T=$(mktemp -d)
APID=""; BPID=""
cleanup() {
  [ -n "$APID" ] && kill "$APID" 2> /dev/null
  [ -n "$BPID" ] && kill "$BPID" 2> /dev/null
  exec 3>&- 2> /dev/null
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

wait_dot() { # file, tenths of a second
  local i
  for i in $(seq "$2"); do
    grep -q '^\.$' "$1" 2> /dev/null && return 0
    sleep 0.1
  done
  return 1
}

how="over UDP on loopback"
for o in "${OPTS[@]}"; do
  case "$o" in
    --relay-only) how="relay-only through TURN" ;;
    turn:*|turns:*) how="$how ($o)" ;;
  esac
done
name="interop: peer_echo <-> peer_echo $how, $N messages echoed"
mkfifo "$T/answer"
exec 3<> "$T/answer"
timeout 60 "$PE" --offer --send "$N" --bind 127.0.0.1 --seconds 50 "${OPTS[@]}" < "$T/answer" > "$T/offer" 2> "$T/a.err" &
APID=$!
if ! wait_dot "$T/offer" 100; then
  echo "FAIL $name"; echo "    no offer"; sed 's/^/    /' "$T/a.err"; echo "0 passed, 1 failed"; exit 1
fi
sed '/^\.$/q' "$T/offer" | timeout 60 "$PE" --bind 127.0.0.1 --seconds 55 "${OPTS[@]}" > "$T/b.out" 2> "$T/b.err" &
BPID=$!
if ! wait_dot "$T/b.out" 100; then
  echo "FAIL $name"; echo "    no answer"; sed 's/^/    /' "$T/b.err"; echo "0 passed, 1 failed"; exit 1
fi
cat "$T/b.out" >&3
wait "$APID"; rc=$?; APID=""
if [ "$rc" = 0 ]; then
  echo "ok   $name"
  sed 's/^/    /' "$T/a.err" | grep timeline
  echo "1 passed, 0 failed"; exit 0
fi
echo "FAIL $name (exit $rc)"
sed 's/^/    offerer: /' "$T/a.err" | tail -5
sed 's/^/    answerer: /' "$T/b.err" | tail -5
echo "0 passed, 1 failed"
exit 1
