#!/usr/bin/env bash
# Fuzzes the RESP decoder with libFuzzer for N seconds (default 60): scripts/fuzz.sh RESPFuzz.
#
#   scripts/fuzz-resp.sh [seconds] [extra libFuzzer flags...]
exec "$(dirname "$0")/fuzz.sh" RESPFuzz "$@"
