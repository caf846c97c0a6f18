#!/usr/bin/env bash
# The end-to-end benchmarks of BENCHMARKS.md, side by side in one run: the echo ceiling,
# the chat server's sustainable rate, latency and CPU at half of it, and idle connections.
#
#   scripts/chat-bench.sh            # everything, RUNS=3 times each
#   RUNS=1 scripts/chat-bench.sh     # a quick look
#
# Each chat run starts chat-gateway on a fresh database (synchronous=FULL, default limits
# but --max-connections) and stops it after; results go to $OUT (JSON, one file per run).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
USERS=${USERS:-200}
GROUP=${GROUP:-5}
OUT=${OUT:-$(mktemp -d /tmp/chat-bench.XXXXXX)}
PORT=${PORT:-5600}
ECHO_PORT=${ECHO_PORT:-5700}
CONNECTIONS=${CONNECTIONS:-10000}

swift build -c release --product chat-gateway
swift build -c release --package-path Benchmarks --product chat-bench
swift build -c release --package-path Benchmarks --product chat-echo-server
GATEWAY=.build/release/chat-gateway
BENCH=Benchmarks/.build/release/chat-bench
ECHO=Benchmarks/.build/release/chat-echo-server

DIR=$(mktemp -d /tmp/chat-bench-db.XXXXXX)
SERVER_PID=
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap 'stop_server; rm -rf "$DIR"' EXIT

wait_for_port() {
  for _ in $(seq 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listening on port $1" >&2
  return 1
}

start_gateway() {
  rm -f "$DIR"/chat.db*
  "$GATEWAY" --db "$DIR/chat.db" --port "$PORT" --log-level warning --max-connections 20000 &
  SERVER_PID=$!
  wait_for_port "$PORT"
}

mkdir -p "$OUT"
echo "results in $OUT"
for run in $(seq "$RUNS"); do
  "$ECHO" --port "$ECHO_PORT" & SERVER_PID=$!
  wait_for_port "$ECHO_PORT"
  "$BENCH" sweep --port "$ECHO_PORT" --echo --users "$USERS" --from 5000 --step 5000 --to 100000 \
    --duration 5 --warmup 2 --server-pid "$SERVER_PID" --json --quiet > "$OUT/echo-sweep-$run.json"
  stop_server

  start_gateway
  "$BENCH" sweep --port "$PORT" --users "$USERS" --group-size "$GROUP" --from 250 --step 250 --to 20000 \
    --duration 5 --warmup 2 --server-pid "$SERVER_PID" --json --quiet > "$OUT/chat-sweep-$run.json"
  stop_server
done

# Latency and CPU at half of the median sustainable chat rate.
HALF=$(python3 - "$OUT" <<'EOF'
import json, sys, glob, statistics
rates = [json.load(open(f))["sustainableRate"] or 0 for f in glob.glob(sys.argv[1] + "/chat-sweep-*.json")]
print(int(statistics.median(rates) / 2) or 100)
EOF
)
for run in $(seq "$RUNS"); do
  start_gateway
  "$BENCH" throughput --port "$PORT" --users "$USERS" --group-size "$GROUP" --rate "$HALF" --duration 10 --warmup 3 \
    --server-pid "$SERVER_PID" --json --quiet > "$OUT/chat-half-$run.json"
  stop_server
  start_gateway
  "$BENCH" connections --port "$PORT" --count "$CONNECTIONS" --users 100 --hold 10 \
    --server-pid "$SERVER_PID" --json --quiet > "$OUT/connections-$run.json"
  stop_server
done

python3 - "$OUT" <<'EOF'
import json, sys, glob, statistics
out = sys.argv[1]
def load(pattern): return [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{pattern}"))]
def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
echo = median([r["sustainableRate"] for r in load("echo-sweep-*.json")])
chat = median([r["sustainableRate"] for r in load("chat-sweep-*.json")])
half = load("chat-half-*.json")
conns = load("connections-*.json")
print(f"echo ceiling (sustainable, p99 < 10 ms): {echo} messages/s (runs: {[r['sustainableRate'] for r in load('echo-sweep-*.json')]})")
print(f"chat sustainable rate, group {half[0]['groupSize'] if half else '?'}: {chat} messages/s (runs: {[r['sustainableRate'] for r in load('chat-sweep-*.json')]})")
if echo and chat: print(f"ratio chat / echo: {chat / echo:.3f}")
if half:
    print(f"at {half[0]['result']['offeredRate']:.0f}/s: p99 ack {median([r['result']['ackLatencyMs']['p99'] for r in half])} ms, "
          f"p99 delivery {median([r['result']['deliveryLatencyMs']['p99'] for r in half])} ms, "
          f"server CPU {median([r['result']['server']['cpuMicrosecondsPerDelivery'] for r in half]):.1f} µs/delivery, "
          f"lost {sum(r['result']['unanswered'] + r['result']['lostDeliveries'] for r in half)}, "
          f"duplicated {sum(r['result']['duplicates'] for r in half)}")
if conns:
    print(f"{conns[0]['requested']} idle connections: held {[c['openAtEnd'] for c in conns]}, "
          f"{median([c['serverBytesPerConnection'] for c in conns]) / 1024:.1f} KB each on the server, "
          f"deliveries {[str(c['deliveriesReceived']) + '/' + str(c['deliveriesExpected']) for c in conns]}")
EOF
