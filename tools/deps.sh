#!/bin/sh
# Installs what building and testing kvswebrtc needs on Debian 12 (apt-get as root; otherwise it
# prints the command to run). Exit status 0 when everything is present afterwards.
PKGS="gcc g++ make binutils clang llvm libclang-rt-14-dev libbearssl-dev libsrtp2-dev libusrsctp-dev openssl coturn nftables iproute2"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing > /dev/null || exit 1
else
  echo "deps: missing packages:$missing"
  echo "deps: run: sudo apt-get install -y$missing"
  exit 1
fi
