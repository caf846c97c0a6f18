#!/usr/bin/env bash
# BENCHMARKS.md §7 in one run: chat-gateway on SQLite, chat-gateway on PostgreSQL, and two
# chat-gateways on PostgreSQL behind haproxy (chat-bench through the balancer), each on a
# fresh database, interleaved, RUNS times; then the PostgreSQL append rate beside a raw
# INSERT … SELECT FROM unnest of the same rows.
#
#   scripts/scale-out-bench.sh                 # RUNS=3
#   RUNS=1 SKIP_APPENDS=1 scripts/scale-out-bench.sh
#
# PostgreSQL is a throw-away cluster on loopback with fsync and synchronous_commit on
# (scripts/postgres.sh), as durable as chat-gateway's synchronous=FULL.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
USERS=${USERS:-200}
FRAMING=${FRAMING:-ws}
P99_BOUND_MS=${P99_BOUND_MS:-10}
OUT=${OUT:-$(mktemp -d /tmp/scale-out-bench.XXXXXX)}
PG_PORT=${PG_PORT:-55490}
PORTS=(5611 5612)
BALANCER_PORT=5610

swift build -c release --product chat-gateway
swift build -c release --package-path Benchmarks --product chat-bench
swift build -c release --package-path Benchmarks --product chat-benchmarks
GATEWAY=.build/release/chat-gateway
BENCH=Benchmarks/.build/release/chat-bench

DIR=$(mktemp -d /tmp/scale-out-bench-db.XXXXXX)
chmod 755 "$DIR"  # the PostgreSQL server runs as its own user
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
URL=$(bash scripts/postgres.sh start "$DIR/pg" "$PG_PORT")
trap 'stop_all; bash scripts/postgres.sh stop "$DIR/pg" || true; rm -rf "$DIR"' EXIT

wait_for_port() {
  for _ in $(seq 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listening on port $1" >&2
  return 1
}

fresh_database() {
  psql -X -q -d "$URL" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  rm -f "$DIR"/chat.db* "$DIR"/master.key
  echo "${URL%/*}/bench"
}

# start CONFIG: sqlite, postgres (one gateway) or pair (two behind haproxy); sets TARGET_PORT.
start() {
  local database
  case "$1" in
    sqlite)
      "$GATEWAY" --db "$DIR/chat.db" --port "${PORTS[0]}" --log-level warning --max-connections 20000 &
      PIDS+=($!); wait_for_port "${PORTS[0]}"; TARGET_PORT=${PORTS[0]} ;;
    postgres)
      database=$(fresh_database)
      "$GATEWAY" --db "$database" --key-file "$DIR/master.key" --port "${PORTS[0]}" --log-level warning \
        --max-connections 20000 &
      PIDS+=($!); wait_for_port "${PORTS[0]}"; TARGET_PORT=${PORTS[0]} ;;
    pair)
      database=$(fresh_database)
      for port in "${PORTS[@]}"; do
        "$GATEWAY" --db "$database" --key-file "$DIR/master.key" --port "$port" --log-level warning \
          --max-connections 20000 &
        PIDS+=($!); wait_for_port "$port"
      done
      cat > "$DIR/haproxy.cfg" <<CONFIG
global
    maxconn 4096
defaults
    mode tcp
    timeout connect 1s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
frontend chat
    bind 127.0.0.1:$BALANCER_PORT
    default_backend gateways
backend gateways
    balance roundrobin
    server a 127.0.0.1:${PORTS[0]} check
    server b 127.0.0.1:${PORTS[1]} check
CONFIG
      bash scripts/haproxy.sh "$DIR/haproxy.cfg" >/dev/null 2>&1 &
      PIDS+=($!); wait_for_port "$BALANCER_PORT"; TARGET_PORT=$BALANCER_PORT ;;
  esac
}

mkdir -p "$OUT"
echo "results in $OUT" >&2
for run in $(seq "$RUNS"); do
  for config in sqlite postgres pair; do
    start "$config"
    echo "run $run: $config" >&2
    pid_option=(); [[ "$config" != pair ]] && pid_option=(--server-pid "${PIDS[0]}")
    "$BENCH" sweep --users "$USERS" --group-size 5 --from 250 --step 250 --to 30000 --duration 5 --warmup 2 \
      --p99-bound-ms "$P99_BOUND_MS" --port "$TARGET_PORT" --framing "$FRAMING" "${pid_option[@]}" --json --quiet \
      > "$OUT/$config-sweep-$run.json" || echo "  (exit $?: see $OUT/$config-sweep-$run.json)" >&2
    stop_all
  done
done

python3 - "$OUT" <<'REPORT'
import json, sys, glob, statistics
print("| configuration | sustainable msg/s (median) | runs | p99 ack at that rate, ms (median) |")
print("|---|---:|---|---:|")
medians = {}
for config in ["sqlite", "postgres", "pair"]:
    reports = [json.load(open(f)) for f in sorted(glob.glob(f"{sys.argv[1]}/{config}-sweep-*.json"))]
    rates = [r.get("sustainableRate") or 0 for r in reports]
    def p99(report):
        passed = [step for step in report.get("steps", []) if step.get("passed")]
        return passed[-1]["result"]["ackLatencyMs"]["p99"] if passed else 0
    p99s = [p99(r) for r in reports]
    medians[config] = statistics.median(rates) if rates else 0
    print(f"| {config} | {int(medians[config])} | {', '.join(str(int(x)) for x in rates)} | "
          f"{statistics.median(p99s) if p99s else 0:.1f} |")
if medians.get("sqlite"):
    print(f"\npostgres / sqlite = {medians['postgres'] / medians['sqlite']:.2f}; "
          f"pair / postgres = {medians['pair'] / max(medians['postgres'], 1):.2f}")
REPORT

if [[ -z "${SKIP_APPENDS:-}" ]]; then
  psql -X -q -d "$URL" -c "DROP DATABASE IF EXISTS appends" -c "CREATE DATABASE appends"
  Benchmarks/.build/release/chat-benchmarks postgres --postgres-url "${URL%/*}/appends" --runs "$RUNS"
fi
