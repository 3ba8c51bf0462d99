#!/usr/bin/env bash
# Deadlocks between runs and readers, under pgbench.
#
# 8 clients (DEADLOCK_CLIENTS) for 30 s (DEADLOCK_SECONDS) against the
# running throwaway cluster (scripts/cluster.sh): overlapping runs of
# dataflows that share results, readers that hold one result and then read
# another (in both orders), and redefinitions (one of which changes a
# result's shape).  Reports the deadlocks: pgbench's count of deadlock
# failures (--failures-detailed) and the "deadlock detected" lines the
# server logged meanwhile.  Exits non-zero if there was any.
#
#   bash bench/deadlocks.sh                 # 8 clients, 30 s
#   DEADLOCK_SECONDS=10 bash bench/deadlocks.sh
#   READER_LATENCY=1 bash bench/deadlocks.sh  # also readers' p50/p99 latency
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

CLIENTS=${DEADLOCK_CLIENTS:-8}
SECONDS_=${DEADLOCK_SECONDS:-30}
DB=bench_deadlocks
PGBENCH=${PGBENCH:-$(command -v "$PG_BIN/pgbench" || command -v pgbench)}
LOG="$HAMILTON_CLUSTER_DIR/server.log"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT

dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE SCHEMA dl;
CREATE TABLE dl.src (x int);
INSERT INTO dl.src SELECT generate_series(1, 20000);
CREATE INDEX ON dl.src (x);
SELECT hamilton_define('dl.a', 'SELECT x FROM dl.src');
SELECT hamilton_define('dl.b', 'SELECT count(*) AS n FROM dl.a');
SELECT hamilton_define('dl.c', 'SELECT x * 2 AS y FROM dl.src');
SELECT hamilton_define('dl.d', 'SELECT count(*) AS n FROM dl.c');
SELECT hamilton_define('dl.e', 'SELECT max(x) AS top FROM dl.a');
SELECT count(*) FROM hamilton_execute(ARRAY['dl.a', 'dl.b', 'dl.c', 'dl.d', 'dl.e']);
CREATE INDEX ON dl.a (x);
SQL

# runs whose results overlap, in different orders
echo "SELECT count(*) FROM hamilton_execute(ARRAY['dl.a', 'dl.b', 'dl.e']);" >"$WORK/run_abe.sql"
echo "SELECT count(*) FROM hamilton_execute(ARRAY['dl.c', 'dl.d', 'dl.b']);" >"$WORK/run_cdb.sql"
echo "SELECT count(*) FROM hamilton_execute(ARRAY['dl.e', 'dl.c', 'dl.a']);" >"$WORK/run_eca.sql"
# readers that hold one result and then read another
cat >"$WORK/read_ba.sql" <<'SQL'
BEGIN;
SELECT n FROM dl.b;
SELECT count(*) FROM dl.a;
COMMIT;
SQL
cat >"$WORK/read_ac.sql" <<'SQL'
BEGIN;
SELECT count(*) FROM dl.a WHERE x < 100;
SELECT count(*) FROM dl.c;
SELECT n FROM dl.d;
COMMIT;
SQL
cat >"$WORK/read_edb.sql" <<'SQL'
BEGIN;
SELECT top FROM dl.e;
SELECT n FROM dl.d;
SELECT n FROM dl.b;
COMMIT;
SQL
# redefinitions: the same definition again, or a new shape for dl.e
cat >"$WORK/redefine.sql" <<'SQL'
\set k random(1, 2)
SELECT hamilton_define('dl.e', CASE WHEN :k = 1 THEN 'SELECT max(x) AS top FROM dl.a'
                                    ELSE 'SELECT max(x) AS top, min(x) AS bottom FROM dl.a' END);
SQL

log_before=$(wc -l <"$LOG" 2>/dev/null || echo 0)
say "pgbench: $CLIENTS clients, $SECONDS_ s, runs + readers + redefinitions"
set +e
"$PGBENCH" -n -d "$DB" -c "$CLIENTS" -j 2 -T "$SECONDS_" --failures-detailed \
    -f "$WORK/run_abe.sql@2" -f "$WORK/run_cdb.sql@2" -f "$WORK/run_eca.sql@2" \
    -f "$WORK/read_ba.sql@3" -f "$WORK/read_ac.sql@3" -f "$WORK/read_edb.sql@3" \
    -f "$WORK/redefine.sql@1" ${READER_LATENCY:+-l --log-prefix="$WORK/tx"} \
    >"$WORK/pgbench.out" 2>"$WORK/pgbench.err"
rc=$?
set -e
sed -n "/^number of transactions actually processed/,/^tps/p" "$WORK/pgbench.out" | grep -v "^ *-\? *number of serialization" || true
pgbench_deadlocks=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$WORK/pgbench.out" | head -1)
log_deadlocks=$(tail -n +"$((log_before + 1))" "$LOG" 2>/dev/null | grep -c "deadlock detected" || true)
other_errors=$(grep -c "ERROR" "$WORK/pgbench.err" || true)
if [ -n "${READER_LATENCY:-}" ]; then
    # pgbench's per-transaction log: client tx latency(us) script_no ...; scripts 3-5 (from 0) are the readers
    cat "$WORK"/tx.* | awk '$4 >= 3 && $4 <= 5 { print $3 }' | sort -n >"$WORK/lat"
    n=$(wc -l <"$WORK/lat")
    if [ "$n" -gt 0 ]; then
        p50=$(sed -n "$(( (n * 50 + 99) / 100 ))p" "$WORK/lat")
        p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$WORK/lat")
        echo "readers: $n transactions, p50 $((p50 / 1000)) ms, p99 $((p99 / 1000)) ms"
    fi
fi
echo "deadlocks: pgbench ${pgbench_deadlocks:-?}, server log $log_deadlocks; other client errors: $other_errors (pgbench exit $rc)"
[ "$other_errors" -gt 0 ] && grep -A3 "ERROR" "$WORK/pgbench.err" | head -12
[ "${pgbench_deadlocks:-0}" = 0 ] && [ "$log_deadlocks" = 0 ]
