#!/usr/bin/env bash
# Builds a fuzz target with libFuzzer and runs it for N seconds (default 60).
#
#   scripts/fuzz.sh RESPFuzz|HTTPFuzz [seconds] [extra libFuzzer flags...]
#   (scripts/fuzz-resp.sh and scripts/fuzz-http.sh name the target for you)
#
# The build goes to .build-fuzz so it does not clobber the normal .build. The target's seed
# corpus (Fuzz/corpus for RESPFuzz, Fuzz/http-corpus for HTTPFuzz) is copied to a temporary
# directory that the fuzzer may grow, so the committed corpus stays as it is. Crash inputs land
# in fuzz-out/; replay one with a plain build: swift run <target> fuzz-out/crash-...
set -euo pipefail

target="${1:?usage: scripts/fuzz.sh RESPFuzz|HTTPFuzz [seconds] [libFuzzer flags...]}"
seconds="${2:-60}"
shift 2 || shift $#
case "$target" in
    RESPFuzz) seeds=Fuzz/corpus dict=Fuzz/resp.dict ;;
    HTTPFuzz) seeds=Fuzz/http-corpus dict=Fuzz/http.dict ;;
    *) echo "fuzz.sh: unknown target $target" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

flags=(-c release --product "$target" --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)/$target"

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp "$seeds"/* "$corpus/"
mkdir -p fuzz-out

# Swift's backtracer would take the crash signal before libFuzzer can save the input.
SWIFT_BACKTRACE=enable=no "$bin" \
    -max_total_time="$seconds" \
    -dict="$dict" \
    -artifact_prefix="$root/fuzz-out/" \
    -print_final_stats=1 \
    "$@" "$corpus"
