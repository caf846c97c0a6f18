#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for a bounded
# time from its seed corpus: scripts/fuzz.sh [seconds per target, default 60].
# A crash leaves its input in Fuzz/crashes/; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD=.build-fuzz
mkdir -p "$BUILD" Fuzz/crashes

swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
  Fuzz/JSONCommandFuzzer.swift Sources/Gateway/Commands/JSONParser.swift Sources/Gateway/Commands/JSONValue.swift \
  -o "$BUILD/json-command-fuzzer" 2> >(grep -v "Cannot export local symbol" >&2)

# Work on a copy, so new corpus entries do not dirty the checkout.
rm -rf "$BUILD/corpus-json-command" && cp -r Fuzz/corpus/json-command "$BUILD/corpus-json-command"
"$BUILD/json-command-fuzzer" "$BUILD/corpus-json-command" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 \
  -timeout=5 -rss_limit_mb=2048 -artifact_prefix=Fuzz/crashes/ -print_final_stats=1 2>&1 | tail -15
