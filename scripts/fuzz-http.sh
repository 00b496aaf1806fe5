#!/usr/bin/env bash
# Builds the HTTP request parser fuzz target with libFuzzer and runs it for N seconds (default 60).
#
#   scripts/fuzz-http.sh [seconds] [extra libFuzzer flags...]
#
# As scripts/fuzz-resp.sh: the build goes to .build-fuzz, the seed corpus (Fuzz/http-corpus) is
# copied to a temporary directory the fuzzer may grow, crash inputs land in fuzz-out/; replay
# one with a plain build: swift run HTTPFuzz fuzz-out/crash-...
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

flags=(-c release --product HTTPFuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)/HTTPFuzz"

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp Fuzz/http-corpus/* "$corpus/"
mkdir -p fuzz-out

# Swift's backtracer would take the crash signal before libFuzzer can save the input.
SWIFT_BACKTRACE=enable=no "$bin" \
    -max_total_time="$seconds" \
    -dict=Fuzz/http.dict \
    -artifact_prefix="$root/fuzz-out/" \
    -print_final_stats=1 \
    "$@" "$corpus"
