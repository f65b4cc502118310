#!/usr/bin/env bash
# Loss recovery of the data channel path: two peer_echo processes (tests/interop/peer_pair.sh,
# 200 messages of 1 B .. 64 KiB echoed, 6.2 MB each way) in a private network namespace whose
# loopback drops a random share of the UDP datagrams (nftables), median of 3 runs per rate.
# Usage: tools/bench/lossy_pair.sh PEER_ECHO   (needs root, iproute2 and nftables)
set -u
PE=${1:?usage: lossy_pair.sh PEER_ECHO}
NS=kvsbench-lossy-$$
cleanup() { ip netns del "$NS" 2> /dev/null; }
trap cleanup EXIT INT TERM
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
echo "Loss recovery: peer_echo <-> peer_echo on loopback, 200 messages echoed (6.2 MB each way),"
echo "  random UDP loss every way (nftables), median of 3 (min .. max); wall-clock seconds."
for loss in 0 5 10; do
  ip netns exec "$NS" nft flush ruleset
  ip netns exec "$NS" nft "add table inet t; add chain inet t input { type filter hook input priority filter; policy accept; }; add rule inet t input meta l4proto udp numgen random mod 100 < $loss drop"
  times=()
  for run in 1 2 3; do
    t0=$(date +%s.%N)
    if ip netns exec "$NS" tests/interop/peer_pair.sh "$PE" 200 > /dev/null 2>&1; then
      times+=("$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')")
    else
      times+=("failed")
    fi
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  printf '  %2d %% loss %28s s  (%s .. %s)\n' "$loss" "$(echo "$sorted" | sed -n 2p)" \
    "$(echo "$sorted" | sed -n 1p)" "$(echo "$sorted" | sed -n 3p)"
done
