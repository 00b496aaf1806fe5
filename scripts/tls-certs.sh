#!/usr/bin/env bash
# Writes a throwaway TLS world into DIR with the `openssl` command (EC P-256 keys: quick):
#
#   ca.crt ca.key              the CA every good certificate below is signed by
#   other-ca.crt other-ca.key  a second CA, for "wrong CA" tests (it signed nothing of ours)
#   node-K.crt/.key (K=0..N-1) one per cluster node: DNS node-K.tls.swiftev.invalid, IP 127.0.0.1
#   server.crt/.key            standalone node: DNS redis-tls.swiftev.invalid, IP 127.0.0.1
#   client.crt/.key            a client certificate (mutual TLS)
#   expired.crt/.key           server certificate that expired (notAfter before notBefore)
#   wrong-name.crt/.key        server certificate for elsewhere.swiftev.invalid only (no IP)
#
# Certificates are valid for 2 days: nobody should trust them for longer. Every name is under
# .invalid (RFC 6761) and every address is loopback.
#
# Usage: scripts/tls-certs.sh DIR [NODES]   (NODES default 6)
set -euo pipefail
DIR="${1:?usage: $0 DIR [NODES]}"
NODES="${2:-6}"
command -v openssl >/dev/null 2>&1 || { echo "tls-certs: openssl not found; run scripts/setup.sh" >&2; exit 1; }
mkdir -p "$DIR"
cd "$DIR"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
ca() { # name subject
    key "$1"
    openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 2 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() { # name common-name subjectAltName days
    key "$1"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$4" \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

ca ca "SwiftEV test CA"
ca other-ca "SwiftEV other CA"
for ((k = 0; k < NODES; k++)); do
    leaf "node-$k" "node-$k.tls.swiftev.invalid" "DNS:node-$k.tls.swiftev.invalid,IP:127.0.0.1" 2
done
leaf server redis-tls.swiftev.invalid "DNS:redis-tls.swiftev.invalid,IP:127.0.0.1" 2
leaf client swiftev-client "DNS:swiftev-client.swiftev.invalid" 2
leaf expired redis-tls.swiftev.invalid "DNS:redis-tls.swiftev.invalid,IP:127.0.0.1" -1
leaf wrong-name elsewhere.swiftev.invalid "DNS:elsewhere.swiftev.invalid" 2
chmod 600 ./*.key
