# Extra loopback clusters for the tests of nodes placed on other servers
# (several servers, issue 14): each with max_prepared_transactions > 0 and
# pg_hamilton installed from the same build, reached over its own Unix
# socket only.  Source scripts/common.sh first.
#
# Sourced (after scripts/own_cluster.sh, whose temporary directory holds
# them and whose exit trap this extends):
#   remote_clusters_start N   initdb and start N clusters, remote1..remoteN
#   remote_sock I, remote_port I   where cluster I listens
#   rq I ARGS...              psql -At on cluster I
#   remote_stop_immediate I   pg_ctl stop -m immediate (a crash)
#   remote_start I            start it again
# Run as a command (bench/): remote_clusters.sh start N | stop, in
# $HAMILTON_REMOTE_DIR.
# Ports come from HAMILTON_REMOTE_PORTS (default 54391 54392 54393 54394),
# away from the main test cluster's (scripts/common.sh, 54329) and the
# minor-release run's (54330).
HAMILTON_REMOTE_PORTS=${HAMILTON_REMOTE_PORTS:-"54391 54392 54393 54394"}
read -r -a remote_ports <<<"$HAMILTON_REMOTE_PORTS"
remote_base=${work:-${HAMILTON_REMOTE_DIR:-/tmp/pg_hamilton_remotes}}
remote_count=0

remote_sock() { echo "$remote_base/remote$1/sock"; }
remote_port() { echo "${remote_ports[$(($1 - 1))]}"; }
remote_data() { echo "$remote_base/remote$1/data"; }
rq() { local i=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$(remote_sock "$i")" -p "$(remote_port "$i")" "$@"; }
remote_start() {
    as_pg pg_ctl -D "$(remote_data "$1")" -l "$remote_base/remote$1/server.log" -w start >/dev/null
}
remote_stop_immediate() {
    as_pg pg_ctl -D "$(remote_data "$1")" -m immediate -w stop >/dev/null 2>&1 || true
}

remote_clusters_start() {
    local n=$1 i d
    [ "$n" -le "${#remote_ports[@]}" ] || { echo "HAMILTON_REMOTE_PORTS has fewer than $n ports" >&2; exit 1; }
    for i in $(seq 1 "$n"); do
        d="$remote_base/remote$i"
        rm -rf "$d"
        mkdir -p "$d/sock"
        [ "$(id -u)" = 0 ] && chown -R postgres: "$d"
        as_pg initdb -D "$d/data" -U "$PG_OS_USER" -A trust -E UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1 \
            || { cat "$d/initdb.log"; exit 1; }
        cat >>"$d/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $(remote_port "$i")
unix_socket_directories = '$d/sock'
max_prepared_transactions = 10
fsync = off
synchronous_commit = off
log_min_messages = warning
CONF
        remote_start "$i"
        rq "$i" -d postgres -c "CREATE EXTENSION hamilton"
    done
    remote_count=$n
}

remote_clusters_stop() {
    local i
    for i in $(seq 1 "$remote_count"); do
        [ -f "$(remote_data "$i")/postmaster.pid" ] && remote_stop_immediate "$i"
    done
    remote_count=0
}

if [ -n "${work:-}" ] && declare -F own_cluster_cleanup >/dev/null; then
    trap 'remote_clusters_stop; own_cluster_cleanup' EXIT
fi

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    cd "$(dirname "$0")/.."
    . scripts/common.sh
    case "${1:-}" in
        start) remote_clusters_start "${2:-2}"; echo "$remote_base" ;;
        stop) remote_count=${#remote_ports[@]}; remote_clusters_stop; rm -rf "$remote_base" ;;
        *) echo "usage: $0 start N | stop" >&2; exit 2 ;;
    esac
fi
