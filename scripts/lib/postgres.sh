# PostgreSQL from Debian's package, for the tests: a private cluster in the cache on port
# ${PERISCOPE_PG_PORT:-25432}, owned by the postgres system user (initdb refuses root).
# Below 32768, outside Linux's ephemeral port range: a port in that range can be held, at random,
# by the local end of one of the cluster's many loopback connections, and then the bind fails.
PERISCOPE_PG_PORT="${PERISCOPE_PG_PORT:-25432}"
# outside $HOME: the postgres system user must be able to enter it
PERISCOPE_PG_DIR="${PERISCOPE_PG_DIR:-/var/tmp/periscope-postgres}"

pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$d" ] || die "PostgreSQL binaries are missing: apt-get install -y postgresql"
  echo "$d"
}

pg_up() {
  local bin; bin="$(pg_bin)"
  require_port_free "$PERISCOPE_PG_PORT" "the test PostgreSQL (set PERISCOPE_PG_PORT to use another)"
  rm -rf "$PERISCOPE_PG_DIR" && mkdir -p "$PERISCOPE_PG_DIR" && chown postgres "$PERISCOPE_PG_DIR"
  su postgres -s /bin/sh -c "'$bin/initdb' -D '$PERISCOPE_PG_DIR/data' -U postgres --auth=trust >'$PERISCOPE_PG_DIR/initdb.log' 2>&1" \
    || die "initdb failed: see $PERISCOPE_PG_DIR/initdb.log"
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$PERISCOPE_PG_DIR/data' -l '$PERISCOPE_PG_DIR/server.log' -o '-p $PERISCOPE_PG_PORT -k /tmp -c listen_addresses=127.0.0.1' -w start >/dev/null" \
    || die "PostgreSQL did not start: see $PERISCOPE_PG_DIR/server.log"
  export PERISCOPE_PG_URL="postgresql://postgres:postgres@127.0.0.1:$PERISCOPE_PG_PORT"
}

pg_down() {
  local bin; bin="$(pg_bin)"
  [ -d "$PERISCOPE_PG_DIR/data" ] && su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$PERISCOPE_PG_DIR/data' -m fast stop >/dev/null 2>&1" || true
}
