#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer for N seconds (default 60): scripts/fuzz.sh HTTPFuzz.
#
#   scripts/fuzz-http.sh [seconds] [extra libFuzzer flags...]
exec "$(dirname "$0")/fuzz.sh" HTTPFuzz "$@"
