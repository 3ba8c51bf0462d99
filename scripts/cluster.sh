#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the demo and the tests.
#   scripts/cluster.sh start   create it afresh and start it
#   scripts/cluster.sh stop    stop it and remove it
# It listens on a Unix socket in $HAMILTON_CLUSTER_DIR/sock and on 127.0.0.1
# (port $HAMILTON_PORT, default 54329), trusts local connections, and preloads
# pg_cron (whose jobs connect back over 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

start() {
    stop_quiet
    mkdir -p "$HAMILTON_CLUSTER_DIR/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$HAMILTON_CLUSTER_DIR"
    say "starting a throwaway cluster in $HAMILTON_CLUSTER_DIR (port $HAMILTON_PORT)"
    as_pg initdb -D "$HAMILTON_CLUSTER_DIR/data" -U "$PG_OS_USER" -A trust -E UTF8 \
        --locale=C.UTF-8 >"$HAMILTON_CLUSTER_DIR/initdb.log" 2>&1 \
        || { cat "$HAMILTON_CLUSTER_DIR/initdb.log"; exit 1; }
    cat >>"$HAMILTON_CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $HAMILTON_PORT
unix_socket_directories = '$HAMILTON_CLUSTER_DIR/sock'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'hamilton_cron'
cron.host = '127.0.0.1'
max_worker_processes = 32
max_prepared_transactions = 4
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
CONF
    as_pg pg_ctl -D "$HAMILTON_CLUSTER_DIR/data" -l "$HAMILTON_CLUSTER_DIR/server.log" -w start >/dev/null
    # pg_cron's launcher waits for its database (cron.database_name)
    as_pg psql -q -X -d postgres -c 'CREATE DATABASE hamilton_cron' >/dev/null
}

stop_quiet() {
    if [ -f "$HAMILTON_CLUSTER_DIR/data/postmaster.pid" ]; then
        as_pg pg_ctl -D "$HAMILTON_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$HAMILTON_CLUSTER_DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop_quiet ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
