#!/usr/bin/env bash
# The end-to-end comparison of BENCHMARKS.md §0, in one run: the echo ceiling, chat-gateway
# and the seed's design rebuilt in Node.js (../shared/peers/seed-node), under the same
# chat-bench, interleaved, each on a fresh database, RUNS times.
#
#   scripts/chat-bench.sh                    # everything, RUNS=3 times each, WebSocket
#   FRAMING=tcp scripts/chat-bench.sh        # the same over raw TCP (no echo ceiling there)
#   RUNS=1 ROOM_MEMBERS=0 scripts/chat-bench.sh   # a quick look, without the 1,000-member room
#   ONLY=sweep P99_BOUND_MS=50 scripts/chat-bench.sh  # only the sweeps, with a looser latency bound
#
# Per run and server: a rate sweep (groups of 5), fixed rates of 1,000 and 2,000 msg/s
# (groups of 5), 500 msg/s in groups of 50, 10,000 idle connections, and one room of
# ROOM_MEMBERS members; then chat-gateway again at half its median sustainable rate.
# Both servers run with synchronous=FULL and their default limits (but the connection
# maximum). Results go to $OUT, one JSON file per measurement; the table is printed last.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
USERS=${USERS:-200}
FRAMING=${FRAMING:-ws}
CONNECTIONS=${CONNECTIONS:-10000}
ROOM_MEMBERS=${ROOM_MEMBERS:-1000}
P99_BOUND_MS=${P99_BOUND_MS:-10}
ONLY=${ONLY:-}
OUT=${OUT:-$(mktemp -d /tmp/chat-bench.XXXXXX)}
PORT=${PORT:-5600}
SEED_PORT=${SEED_PORT:-5650}
ECHO_PORT=${ECHO_PORT:-5700}
SEED=${SEED:-../shared/peers/seed-node}

swift build -c release --product chat-gateway
swift build -c release --package-path Benchmarks --product chat-bench
swift build -c release --package-path Benchmarks --product chat-echo-server
"$SEED/setup.sh" >/dev/null
GATEWAY=.build/release/chat-gateway
BENCH=Benchmarks/.build/release/chat-bench
ECHO=Benchmarks/.build/release/chat-echo-server

DIR=$(mktemp -d /tmp/chat-bench-db.XXXXXX)
SERVER_PID=
SERVER_PORT=
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

# start SERVER: chat (chat-gateway), seed (the Node.js peer) or echo, on a fresh database.
start() {
  rm -f "$DIR"/*.db*
  case "$1" in
    chat) "$GATEWAY" --db "$DIR/chat.db" --port "$PORT" --log-level warning --max-connections 20000 &
      SERVER_PORT=$PORT ;;
    # exec: the process measured is node itself, not a shell.
    seed) "$SEED/run.sh" --port "$SEED_PORT" --db "$DIR/seed.db" --sync FULL --quiet >/dev/null &
      SERVER_PORT=$SEED_PORT ;;
    echo) "$ECHO" --port "$ECHO_PORT" & SERVER_PORT=$ECHO_PORT ;;
  esac
  SERVER_PID=$!
  wait_for_port "$SERVER_PORT"
}

# bench SERVER NAME ARGS...: one chat-bench measurement on a freshly started server.
bench() {
  local server=$1 name=$2; shift 2
  start "$server"
  echo "run $run: $server $name" >&2
  "$BENCH" "$@" --port "$SERVER_PORT" --framing "$FRAMING" --server-pid "$SERVER_PID" --json --quiet \
    > "$OUT/$server-$name-$run.json" || echo "  (exit $?: see $OUT/$server-$name-$run.json)" >&2
  stop_server
}

mkdir -p "$OUT"
echo "results in $OUT" >&2
for run in $(seq "$RUNS"); do
  if [[ "$FRAMING" == ws ]]; then
    bench echo sweep sweep --echo --users "$USERS" --from 5000 --step 5000 --to 150000 --duration 5 --warmup 2 \
      --p99-bound-ms "$P99_BOUND_MS"
  fi
  for server in chat seed; do
    bench "$server" sweep sweep --users "$USERS" --group-size 5 --from 250 --step 250 --to 30000 --duration 5 --warmup 2 \
      --p99-bound-ms "$P99_BOUND_MS"
    [[ "$ONLY" == sweep ]] && continue
    # Two fixed rates on one population; the latency bound is lifted so that both are measured.
    bench "$server" fixed sweep --users "$USERS" --group-size 5 --from 1000 --step 1000 --to 2000 \
      --p99-bound-ms 1000000 --duration 5 --warmup 2
    bench "$server" group50 throughput --users "$USERS" --group-size 50 --rate 500 --duration 5 --warmup 2
    bench "$server" connections connections --count "$CONNECTIONS" --users 100 --hold 10
    if [[ "$ROOM_MEMBERS" -gt 0 ]]; then
      extra=(); [[ "$server" == seed ]] && extra=(--no-chat-new)
      bench "$server" room room --members "$ROOM_MEMBERS" --rate 20 --duration 10 --warmup 3 "${extra[@]}"
    fi
  done
done

# Latency at half of chat-gateway's median sustainable rate.
[[ "$ONLY" == sweep ]] && RUNS=0
HALF=$(python3 - "$OUT" <<'EOF'
import json, sys, glob, statistics
rates = [json.load(open(f)).get("sustainableRate") or 0 for f in glob.glob(sys.argv[1] + "/chat-sweep-*.json")]
print(int(statistics.median(rates) / 2) if rates and statistics.median(rates) else 100)
EOF
)
for run in $(seq "$RUNS"); do
  bench chat half throughput --users "$USERS" --group-size 5 --rate "$HALF" --duration 10 --warmup 3
done

python3 scripts/chat-bench-table.py "$OUT"
