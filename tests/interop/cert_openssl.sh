#!/bin/sh
# Cross-checks kvs_cert_generate with the OpenSSL command line: a certificate and key made by a
# built examples/certgen must parse as an X.509 v3 ecdsa-with-SHA256 / prime256v1 certificate,
# carry the name and validity asked for, verify as self-signed (signature included: plain
# `openssl verify` skips the signature of a trust anchor, -check_ss_sig checks it, and a copy
# with one flipped signature bit must fail), hold a valid key that belongs to the certificate,
# and the printed a=fingerprint must equal `openssl x509 -fingerprint -sha256`.
# Usage: tests/interop/cert_openssl.sh PATH/TO/certgen      (exit 0 when every check passes)
# (shellcheck SC2015: `cond && ok || bad` is safe here, ok and bad always return 0.)
# shellcheck disable=SC2015
set -u
certgen=${1:-}
if [ -z "$certgen" ] || [ ! -x "$certgen" ]; then
  echo "usage: $0 PATH/TO/certgen (a built examples/certgen)"; exit 2
fi
if ! command -v openssl > /dev/null; then
  echo "cert_openssl: openssl is not installed"; exit 2
fi
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
failed=0 passed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2" | head -20; return 0; }

cert="$dir/cert.pem" key="$dir/key.pem"
if "$certgen" --cn "kvswebrtc interop" --days 10 "$cert" "$key" > "$dir/out" 2> "$dir/err"; then
  ok
else
  bad "certgen exited with status $?" "$dir/err"; echo "cert_openssl: $passed passed, $failed failed"; exit 1
fi

# the key file is private
[ -n "$(find "$key" -perm 600)" ] && ok || bad "the key file's mode is not 0600"

# the certificate parses, with the profile asked for
if openssl x509 -in "$cert" -noout -text > "$dir/text" 2>&1; then
  ok
  for want in "Version: 3 (0x2)" "Signature Algorithm: ecdsa-with-SHA256" "ASN1 OID: prime256v1" \
              "Issuer: CN = kvswebrtc interop" "Subject: CN = kvswebrtc interop" \
              "Public Key Algorithm: id-ecPublicKey"; do
    grep -qF "$want" "$dir/text" && ok || bad "x509 -text lacks \"$want\"" "$dir/text"
  done
  grep -q "X509v3 extensions" "$dir/text" && bad "unexpected extensions" "$dir/text" || ok
else
  bad "openssl x509 cannot parse the certificate" "$dir/text"
fi

# valid now, still valid in 9 days, expired in 11 (--days 10)
openssl x509 -in "$cert" -noout -checkend 0 > /dev/null && ok || bad "expired already"
openssl x509 -in "$cert" -noout -checkend $((9 * 86400)) > /dev/null && ok || bad "expires before 9 days"
openssl x509 -in "$cert" -noout -checkend $((11 * 86400)) > /dev/null && bad "valid after 11 days" || ok

# self-signed, signature checked; and the check bites on a damaged signature
if openssl verify -check_ss_sig -CAfile "$cert" "$cert" > "$dir/verify" 2>&1 && grep -q ": OK" "$dir/verify"; then
  ok
else
  bad "openssl verify -check_ss_sig" "$dir/verify"
fi
openssl x509 -in "$cert" -outform DER -out "$dir/cert.der" 2> /dev/null
n=$(wc -c < "$dir/cert.der")
last=$(tail -c 1 "$dir/cert.der" | od -An -tu1 | tr -d ' ')
head -c $((n - 1)) "$dir/cert.der" > "$dir/bad.der"
# shellcheck disable=SC2059
printf "\\$(printf '%03o' $((last ^ 1)))" >> "$dir/bad.der"
openssl x509 -inform DER -in "$dir/bad.der" -out "$dir/bad.pem" 2> /dev/null
if openssl verify -check_ss_sig -CAfile "$dir/bad.pem" "$dir/bad.pem" > "$dir/verify_bad" 2>&1; then
  bad "a certificate with a damaged signature verified" "$dir/verify_bad"
else
  ok
fi

# the key is valid and belongs to the certificate
openssl ec -in "$key" -check -noout > "$dir/ec" 2>&1 && grep -q "valid" "$dir/ec" && ok || bad "openssl ec -check" "$dir/ec"
kpub=$(openssl pkey -in "$key" -pubout -outform DER 2> /dev/null | od -An -tx1 | tr -d ' \n')
cpub=$(openssl x509 -in "$cert" -noout -pubkey 2> /dev/null | openssl pkey -pubin -outform DER 2> /dev/null | od -An -tx1 | tr -d ' \n')
[ -n "$kpub" ] && [ "$kpub" = "$cpub" ] && ok || bad "the key's public key differs from the certificate's"

# the fingerprint: "a=fingerprint:sha-256 AB:.." against "sha256 Fingerprint=AB:.." (normalised)
ours=$(sed -n 's/^a=fingerprint:sha-256 //p' "$dir/out" | tr 'a-f' 'A-F')
theirs=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 | sed 's/^.*=//' | tr 'a-f' 'A-F')
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then ok; else bad "fingerprint: certgen printed '$ours', openssl says '$theirs'" "$dir/out"; fi

# bad arguments are refused, nothing is written
if "$certgen" --days 4000 "$dir/x.pem" "$dir/y.pem" > /dev/null 2>&1 || [ -e "$dir/y.pem" ]; then
  bad "certgen accepted --days 4000"
else
  ok
fi
if "$certgen" --cn "" "$dir/x.pem" "$dir/y.pem" > /dev/null 2>&1 || [ -e "$dir/y.pem" ]; then
  bad "certgen accepted an empty --cn"
else
  ok
fi

echo "cert_openssl: $passed passed, $failed failed"
[ $failed -eq 0 ]
