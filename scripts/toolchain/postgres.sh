#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the relayer's tests and benchmark.
#
#   scripts/toolchain/postgres.sh start   # install (apt) if missing, initdb once, start; prints the URL
#   scripts/toolchain/postgres.sh url     # the URL (postgresql+psycopg://...) of the running cluster
#   scripts/toolchain/postgres.sh stop    # stop it (the data directory is kept for the next start)
#   scripts/toolchain/postgres.sh wipe    # stop it and delete the data directory
#
# Idempotent: `start` on a running cluster only prints the URL. Listens on 127.0.0.1 only
# (port $QUILTKIT_PG_PORT, default 54329), trust authentication, no Unix socket outside the data
# directory. initdb and pg_ctl refuse to run as root, so as root the cluster belongs to the
# `postgres` system user (created by the Debian package).
set -euo pipefail

PORT=${QUILTKIT_PG_PORT:-54329}
BASE=${QUILTKIT_PG_DIR:-/tmp/quiltkit-pg-$PORT}
DATA=$BASE/data
LOG=$BASE/postgres.log
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"

say() { printf 'postgres.sh: %s\n' "$*" >&2; }

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then
      printf '%s' "$dir"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  if find_bin >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "PostgreSQL is not installed and this user cannot apt-get install it"
    exit 1
  fi
  say "installing PostgreSQL with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  find_bin >/dev/null || { say "apt-get installed no pg_ctl"; exit 1; }
}

# Run a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  local bin
  bin=$(find_bin) || return 1
  [ -f "$DATA/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  install_postgres
  local bin
  bin=$(find_bin)
  if running; then
    printf '%s\n' "$URL"
    return 0
  fi
  mkdir -p "$BASE"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$BASE" postgres
    chown postgres: "$BASE"
    chmod 700 "$BASE"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-sync >/dev/null
  fi
  # fsync stays on: the relayer's crash tests rely on committed rows surviving.
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$BASE -c max_connections=200" >/dev/null \
    || { say "PostgreSQL did not start; log follows"; tail -20 "$LOG" >&2; exit 1; }
  printf '%s\n' "$URL"
}

stop() {
  local bin
  bin=$(find_bin) || return 0
  if running; then
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) running && printf '%s\n' "$URL" || { say "not running: use start"; exit 1; } ;;
  wipe) stop; rm -rf "$BASE" ;;
  *) echo "usage: $0 start|stop|url|wipe" >&2; exit 2 ;;
esac
