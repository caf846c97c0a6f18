#!/usr/bin/env bash
# Builds the libFuzzer targets (with AddressSanitizer) and runs each for a bounded time
# from its seed corpus: scripts/fuzz.sh [seconds per target, default 60] [target...]
#   json-command     the strict JSON parser (Sources/JSON, driven by Fuzz/JSONCommandFuzzer.swift)
#   framing          first-byte sniffer, NDJSON lines, HTTP routes and upgrade (Fuzz/Sources)
#   websocket        frames after an upgrade: decoder, validator, aggregator, handler
# A crash leaves its input in Fuzz/crashes/; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(json-command framing websocket)
BUILD=.build-fuzz
mkdir -p "$BUILD" Fuzz/crashes

build_json_command() {
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    Fuzz/JSONCommandFuzzer.swift Sources/JSON/JSONParser.swift Sources/JSON/JSONValue.swift \
    -o "$BUILD/json-command-fuzzer" 2> >(grep -v "Cannot export local symbol" >&2)
}

# The pipeline targets link the Gateway module and NIO, so SwiftPM builds them, in debug so
# that `@testable import` reaches the internal pipeline.
build_pipeline_targets() {
  swift build --package-path Fuzz --scratch-path "$BUILD/package" -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -3
  cp "$BUILD/package/debug/framing-fuzzer" "$BUILD/package/debug/websocket-fuzzer" "$BUILD/"
}

run_target() {
  local name=$1 max_len=$2
  # Work on a copy, so new corpus entries do not dirty the checkout.
  rm -rf "$BUILD/corpus-$name" && cp -r "Fuzz/corpus/$name" "$BUILD/corpus-$name"
  echo "== $name: $SECONDS_PER_TARGET s"
  "$BUILD/$name-fuzzer" "$BUILD/corpus-$name" -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" \
    -timeout=5 -rss_limit_mb=2048 -artifact_prefix=Fuzz/crashes/ -print_final_stats=1 2>&1 | tail -6
}

for target in "${TARGETS[@]}"; do
  case $target in
    json-command) build_json_command ;;
    framing | websocket) [[ -n "${PIPELINE_BUILT:-}" ]] || { build_pipeline_targets; PIPELINE_BUILT=1; } ;;
    *) echo "unknown fuzz target: $target" >&2; exit 2 ;;
  esac
  case $target in
    json-command) run_target json-command 4096 ;;
    *) run_target "$target" 8192 ;;
  esac
done
