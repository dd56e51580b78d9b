#!/usr/bin/env bash
# Throwaway PostgreSQL + Redis on loopback for the test suite (no persistence, trust auth).
#   bash scripts/services.sh start   -> starts both (idempotent), prints the env exports
#   bash scripts/services.sh stop    -> stops both and removes the PostgreSQL data dir
#   bash scripts/services.sh status
# Needs the Debian packages postgresql and redis-server. PostgreSQL refuses to run as root, so when
# run as root the cluster is created and started as the `postgres` user.
set -euo pipefail

PGPORT="${PGPORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
STATE_DIR="${SERVICES_DIR:-/tmp/owui-services}"
PGDATA="$STATE_DIR/pgdata"

pg_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do [ -x "$b/pg_ctl" ] && { echo "$b"; return; }; done
  dirname "$(command -v pg_ctl)"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" >/dev/null 2>&1; }
redis_ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_pg() {
  if pg_ready; then echo "postgres: already listening on 127.0.0.1:$PGPORT" >&2; return; fi
  local bin; bin="$(pg_bin)"
  mkdir -p "$STATE_DIR"
  chmod 755 "$STATE_DIR"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
    as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  fi
  # fsync off and a unix socket in the data dir: a test cluster, never a real one.
  as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 start \
    -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
  as_pg "$bin/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  echo "postgres: started on 127.0.0.1:$PGPORT (data $PGDATA)" >&2
}

start_redis() {
  if redis_ready; then echo "redis: already listening on 127.0.0.1:$REDIS_PORT" >&2; return; fi
  mkdir -p "$STATE_DIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
    --dir "$STATE_DIR" --pidfile "$STATE_DIR/redis.pid" --logfile "$STATE_DIR/redis.log"
  for _ in $(seq 50); do redis_ready && break; sleep 0.1; done
  redis_ready || { echo "redis: did not start, see $STATE_DIR/redis.log" >&2; exit 1; }
  echo "redis: started on 127.0.0.1:$REDIS_PORT" >&2
}

stop_all() {
  if [ -f "$PGDATA/PG_VERSION" ]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGDATA"
  fi
  if [ -f "$STATE_DIR/redis.pid" ]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/redis.pid"
  fi
  echo "services stopped" >&2
}

exports() {
  echo "export TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:$PGPORT/postgres"
  echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

case "${1:-start}" in
  start) start_pg; start_redis; exports ;;
  stop) stop_all ;;
  status)
    pg_ready && echo "postgres: up" || echo "postgres: down"
    redis_ready && echo "redis: up" || echo "redis: down"
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
