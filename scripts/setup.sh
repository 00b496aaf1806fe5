#!/usr/bin/env bash
# Install the system prerequisites of SwiftEV (libev headers, Redis server and
# client) with apt when they are missing.  Idempotent and silent when there is
# nothing to do.  Does not start, stop or configure any system Redis service:
# the test cluster (scripts/redis-cluster.sh) runs its own nodes on other ports.
#
# Usage: scripts/setup.sh
set -euo pipefail

PACKAGES=(libev-dev redis-server redis-tools curl wrk libssl-dev openssl)

log() { printf 'setup: %s\n' "$*" >&2; }

is_installed() {
    # "install ok installed" is the only status meaning the package is usable.
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
else
    # Not a dpkg system: fall back to checking for the tools themselves.
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
    if [ ! -e /usr/include/ev.h ] && [ ! -e /usr/local/include/ev.h ]; then
        missing+=(libev-dev)
    fi
fi

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    log "missing prerequisites: ${missing[*]}"
    log "apt-get is not available; install them with your package manager and re-run"
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        log "missing prerequisites: ${missing[*]}"
        log "not root and sudo is not available; run as root: apt-get install -y ${missing[*]}"
        exit 1
    fi
fi

log "installing: ${missing[*]}"
log "running apt-get update"
"${SUDO[@]}" apt-get update -qq
# Note: on Debian, installing redis-server may start the system redis service on
# port 6379.  That is left alone; our nodes use other ports.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq "${missing[@]}" >&2
log "installed: ${missing[*]}"

for cmd in redis-server redis-cli; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
        log "error: $cmd still not found after installation"
        exit 1
    fi
done
