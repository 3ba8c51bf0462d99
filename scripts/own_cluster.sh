# Sourced by the shell tests that need a cluster of their own (they restart
# it, kill its processes or change its settings): a temporary directory
# with the cluster, reached over its own Unix socket only, removed at exit
# with every background job listed in pids.  After sourcing:
#   own_cluster_init [CONF]   initdb, the common settings, then CONF's lines
#   start                     start it; PGHOST points to it
#   q ARGS...                 psql -At on it, stopping at the first error
#   fail MESSAGE              say it, the runs (the columns in FAIL_RUN_COLUMNS)
#                             and the server log's end, and exit 1
# Source scripts/common.sh first.
work=$(mktemp -d)
data=$work/data
sock=$work/sock
mkdir -p "$sock"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"
pids=()
own_cluster_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$data/postmaster.pid" ] && as_pg pg_ctl -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap own_cluster_cleanup EXIT

own_cluster_init() {
    as_pg initdb -D "$data" -U "$PG_OS_USER" -A trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
        || { cat "$work/initdb.log"; exit 1; }
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
log_min_messages = warning
${1:-}
CONF
}
start() { as_pg pg_ctl -D "$data" -l "$work/server.log" -w start >/dev/null; }
export PGHOST=$sock PGDATABASE=postgres
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
fail() {
    echo "FAILED: $*" >&2
    q -c "SELECT ${FAIL_RUN_COLUMNS:-run_id, status, error} FROM hamilton.runs ORDER BY run_id" >&2 || true
    tail -20 "$work/server.log" >&2 || true
    exit 1
}
