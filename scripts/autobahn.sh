#!/usr/bin/env bash
# WebSocket conformance: builds chat-gateway, starts it with the echo endpoint (the /ws
# pipeline with an echoing handler), runs Autobahn|Testsuite cases 1-10 against it, stops it.
# Exit status 0 iff no case FAILED. Needs the harness in $AUTOBAHN_HARNESS (default ../shared/tools/autobahn; see its setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS="${AUTOBAHN_HARNESS:-../shared/tools/autobahn}"
PORT="${AUTOBAHN_PORT:-9001}"
DB="$(mktemp -d)/autobahn.db"

swift build -c release --product chat-gateway
# The suite sends messages up to 16 MiB and thousands of frames a second: lift the limits
# that protect the chat endpoint, which the echo endpoint shares.
.build/release/chat-gateway --db "$DB" --port "$PORT" --echo-path /echo \
  --max-message-bytes 16777216 --max-output-bytes 67108864 --rate-limit 1000000 --rate-burst 1000000 \
  --log-level warning &
GATEWAY=$!
trap 'kill -TERM $GATEWAY 2>/dev/null; wait $GATEWAY 2>/dev/null; rm -rf "$(dirname "$DB")"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
bash "$HARNESS/run.sh" 127.0.0.1 "$PORT" /echo
