#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on loopback, for the PostgreSQL tests and benchmarks.
#
#   scripts/postgres.sh start DIR [PORT]   creates DIR if new, starts the server, prints its URL
#   scripts/postgres.sh stop DIR           stops the server of DIR (by its data directory)
#
# Installs Debian's postgresql when it is missing. The cluster trusts loopback connections
# (no password) and syncs nothing to disk at init: it is for tests, never for data.
set -euo pipefail

command="${1:?usage: postgres.sh start|stop DIR [PORT]}"
dir="${2:?usage: postgres.sh start|stop DIR [PORT]}"
port="${3:-55432}"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$bin" ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

# initdb and the server refuse to run as root: run them as the postgres user then.
as_postgres() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    # The server inherits every descriptor of this script: one left open from a caller (a
    # test runner's output pipe) would keep that caller waiting for its end. Close them.
    for fd in /proc/$$/fd/*; do
      fd="${fd##*/}"
      if (( fd > 2 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    mkdir -p "$dir"
    [[ "$(id -u)" == 0 ]] && chown postgres "$dir"
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      as_postgres "$bin/initdb" -D "$dir" -A trust -U postgres --no-sync >/dev/null
    fi
    as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c synchronous_commit=on -c max_connections=1000" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: postgres.sh start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
