# Shared settings for pg_hamilton's scripts: where the throwaway cluster lives
# and how to reach it.  Source it; every value can be overridden from the
# environment.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGXS_DIR=$(dirname "$("$PG_BIN/pg_config" --pgxs)")/..
HAMILTON_CLUSTER_DIR=${HAMILTON_CLUSTER_DIR:-/tmp/pg_hamilton_cluster}
HAMILTON_PORT=${HAMILTON_PORT:-54329}

# PostgreSQL refuses to run as root: as root, the cluster runs as "postgres".
if [ "$(id -u)" = 0 ]; then
    PG_OS_USER=postgres
    as_pg() { runuser -u postgres -- "$@"; }
    SUDO=""
else
    PG_OS_USER=$(id -un)
    as_pg() { "$@"; }
    SUDO=$(command -v sudo >/dev/null && echo sudo || echo "")
fi

export PGHOST="$HAMILTON_CLUSTER_DIR/sock"
export PGPORT="$HAMILTON_PORT"
export PGUSER="$PG_OS_USER"
export PGDATABASE=${PGDATABASE:-postgres}
export PATH="$PG_BIN:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
