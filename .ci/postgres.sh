#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 for the tests and prints the exports to
# eval: ROSTER_TEST_POSTGRES (its DSN) and ROSTER_PG_DIR (where it lives, for
# stopping it with `.ci/postgres.sh stop`). initdb and pg_ctl refuse root, so
# they run as the postgres user. Installs Debian's postgresql if it is missing.
set -euo pipefail

pg_bin() {
  local p
  p=$(command -v pg_ctl 2>/dev/null || true)
  if [ -z "$p" ]; then
    p=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ -z "$p" ]; then
    return 1
  fi
  dirname "$(readlink -f "$p")"
}

if [ "${1:-}" = stop ]; then
  bin=$(pg_bin)
  runuser -u postgres -- "$bin/pg_ctl" -D "$ROSTER_PG_DIR/data" -m fast stop >/dev/null
  rm -rf "$ROSTER_PG_DIR"
  exit 0
fi

if ! bin=$(pg_bin); then
  echo "installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(pg_bin)
fi
id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres

# The first free port from 55432 on (another PostgreSQL, a developer's say,
# may hold one), unless ROSTER_PG_PORT names it.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${ROSTER_PG_PORT:-}
if [ -z "$port" ]; then
  for p in $(seq 55432 55462); do
    if port_free "$p"; then port=$p; break; fi
  done
  [ -n "$port" ] || { echo "no free port for PostgreSQL in 55432-55462" >&2; exit 1; }
fi
d=$(mktemp -d)
chown postgres:postgres "$d"
runuser -u postgres -- "$bin/initdb" -D "$d/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -l "$d/pg.log" -w \
  -o "-p $port -k $d -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >&2 ||
  { echo "PostgreSQL did not start; its log:" >&2; cat "$d/pg.log" >&2; exit 1; }
echo "export ROSTER_PG_DIR=$d"
echo "export ROSTER_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
