#!/usr/bin/env bash
# Builds the RESP decoder fuzz target with libFuzzer and runs it for N seconds (default 60).
#
#   scripts/fuzz-resp.sh [seconds] [extra libFuzzer flags...]
#
# The build goes to .build-fuzz so it does not clobber the normal .build. The seed corpus in
# Fuzz/corpus is copied to a temporary directory that the fuzzer may grow, so the committed
# corpus stays as it is. Crash inputs land in fuzz-out/; replay one with a plain build:
#   swift run RESPFuzz fuzz-out/crash-...
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

flags=(-c release --product RESPFuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)/RESPFuzz"

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp Fuzz/corpus/* "$corpus/"
mkdir -p fuzz-out

# Swift's backtracer would take the crash signal before libFuzzer can save the input.
SWIFT_BACKTRACE=enable=no "$bin" \
    -max_total_time="$seconds" \
    -dict=Fuzz/resp.dict \
    -artifact_prefix="$root/fuzz-out/" \
    -print_final_stats=1 \
    "$@" "$corpus"
