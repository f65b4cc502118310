#!/bin/sh
# Installs what building and testing kvswebrtc needs on Debian 12 (apt-get as root; otherwise it
# prints the command to run), then the interop tests' npm packages (tests/node, `npm ci` from the
# committed lockfile). Exit status 0 when everything is present afterwards.
PKGS="gcc g++ make binutils clang llvm libclang-rt-14-dev libbearssl-dev libsrtp2-dev libusrsctp-dev openssl coturn nftables iproute2 chromium python3-aiortc"
# Node.js and npm: the machine's own when present (any Node >= 18), else Debian's
command -v node > /dev/null && command -v npm > /dev/null || PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing > /dev/null || exit 1
  else
    echo "deps: missing packages:$missing"
    echo "deps: run: sudo apt-get install -y$missing"
    exit 1
  fi
fi
N=tests/node
if [ ! -f $N/node_modules/.package-lock.json ] || [ $N/package-lock.json -nt $N/node_modules/.package-lock.json ]; then
  echo "deps: npm ci in $N"
  (cd $N && npm ci --loglevel=error --no-audit --no-fund > /dev/null) || exit 1
fi
exit 0
