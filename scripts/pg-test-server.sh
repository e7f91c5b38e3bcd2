#!/usr/bin/env bash
# A throwaway PostgreSQL server for the queue tests: `start` runs initdb (as the
# postgres user when run as root, else as the current user) in a folder under the
# build area, starts it on a Unix socket in that folder only (no TCP port), creates
# the test database and prints its URL; `url` prints the URL of a running server;
# `stop` stops it. The folder is .build/pg-test, or $REELPACK_PG_DIR; a path too long
# for a Unix socket falls back to $TMPDIR.
#
#   bash scripts/pg-test-server.sh start   # prints postgresql://reelpack@/reelpack_test?host=...
#   bash scripts/pg-test-server.sh stop
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${REELPACK_PG_DIR:-$root/.build/pg-test}
port=${REELPACK_PG_PORT:-5432}
database=reelpack_test
user=reelpack
# A Unix socket path holds at most 107 bytes; and as root the server runs as postgres,
# which must be able to reach its folder (a clone under /root or a private temporary
# folder is closed to it). Either way the folder moves under $TMPDIR, named after the
# clone, so each clone still has its own server.
fallback=${TMPDIR:-/tmp}/reelpack-pg-$(printf '%s' "$root" | cksum | cut -d' ' -f1)
if [ $(( ${#dir} + 20 )) -gt 100 ]; then
  dir=$fallback
elif [ -z "${REELPACK_PG_DIR:-}" ] && [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 \
     && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
  dir=$fallback
fi
data=$dir/data

bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  # Debian keeps the server's programs in a versioned folder, off the PATH.
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ] && command -v initdb >/dev/null; then bin=$(dirname "$(command -v initdb)"); fi
fi
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ] || [ ! -x "$bin/psql" ]; then
  echo "pg-test-server: PostgreSQL is not installed (pg_ctl not found); run scripts/install-deps.sh" >&2
  exit 1
fi

# Runs a command as the server's owner: postgres when we are root (the server refuses
# to run as root), else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /: postgres may not be allowed into the caller's folder.
    if command -v runuser >/dev/null; then
      (cd / && runuser -u postgres -- "$@")
    else
      (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
    fi
  else
    "$@"
  fi
}

url() { echo "postgresql://$user@/$database?host=$dir&port=$port"; }

running() { [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

# The server outlives this script: it must not keep descriptors the caller gave us
# (a test reading our output through a pipe would wait for its end forever).
close_inherited() {
  local fd
  for fd in $(ls /proc/$$/fd 2>/dev/null); do
    [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
}

case "${1:-}" in
  start)
    if ! running; then
      close_inherited
      if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$dir"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
        as_owner "$bin/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
          || { cat "$dir/initdb.log" >&2; exit 1; }
      fi
      as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k '$dir' -p $port -c fsync=off -c max_connections=200" start </dev/null >/dev/null 2>&1 \
        || { tail -20 "$dir/server.log" >&2; exit 1; }
    fi
    if ! as_owner "$bin/psql" -h "$dir" -p "$port" -U "$user" -d postgres -tAc \
         "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
      as_owner "$bin/createdb" -h "$dir" -p "$port" -U "$user" "$database"
    fi
    url
    ;;
  stop)
    if running; then as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    ;;
  url)
    running || { echo "pg-test-server: not running (start it first)" >&2; exit 1; }
    url
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
