#!/usr/bin/env bash
# Skipping unchanged work (cache => true), and what tracking costs writers.
# Needs the throwaway cluster running (bash scripts/cluster.sh start).
#
#   1. An unchanged dataflow of BENCH_CACHE_NODES (1,000) SQL nodes, each a
#      result table (n1 reads a tracked source, n<i> reads n<i-1>), re-run
#      with cache => true, side by side in one session with
#      hamilton_validate of the same output and with the full run (cache
#      => false), BENCH_REPEAT (5) rounds; medians and ratios.
#   2. The change log's trigger under pgbench: single-row INSERTs (one
#      transaction each) into two tables of the same shape and fillfactor
#      (100), one tracked, one not, BENCH_PGBENCH_SECONDS (5) s each,
#      BENCH_PGBENCH_CLIENTS (2) clients; after a warm-up pair,
#      BENCH_PGBENCH_ROUNDS (7) pairs, the side that goes first alternating
#      from pair to pair (ABBA), a CHECKPOINT before each run; transactions
#      per second, each pair's ratio, and the median ratio with its spread
#      (lowest and highest pair).  Then (2b, with plpython3u) the
#      backend's CPU time per insert transaction, which the machine's
#      other load barely moves.
#
# Quote the ratios: the machine may be shared.
#   bash bench/cache.sh
#   BENCH_CACHE_NODES=200 BENCH_PGBENCH_SECONDS=5 bash bench/cache.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

NODES=${BENCH_CACHE_NODES:-1000}
REPEAT=${BENCH_REPEAT:-5}
PGB_SECONDS=${BENCH_PGBENCH_SECONDS:-5}
PGB_CLIENTS=${BENCH_PGBENCH_CLIENTS:-2}
PGB_ROUNDS=${BENCH_PGBENCH_ROUNDS:-7}
PGBENCH=${PGBENCH:-$(command -v "$PG_BIN/pgbench" || command -v pgbench)}
DB=bench_cache
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT

sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

echo "# pg_hamilton: skipping unchanged work"
echo "$(psql -X -At -d postgres -c "SELECT split_part(version(), ' (', 1)"), $(nproc) cores," \
     "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
sql <<SQL >/dev/null
CREATE EXTENSION hamilton;
CREATE SCHEMA raw;
CREATE TABLE raw.src (id int, v int);
INSERT INTO raw.src SELECT g, g FROM generate_series(1, 100) g;
SELECT hamilton_track('raw.src');
CREATE SCHEMA cb;
SELECT hamilton_register('cb');
SELECT hamilton_define('cb.n1', 'SELECT id, v FROM raw.src', materialize => 'table');
SELECT hamilton_define('cb.n' || i, 'SELECT id, v + 1 AS v FROM n' || (i - 1), materialize => 'table')
FROM generate_series(2, $NODES) i;
-- the first cached run computes everything and keeps the entries
SELECT count(*) FROM hamilton_execute(ARRAY['cb.n$NODES'], cache => true);
CREATE TABLE timings (round int, variant text, ms double precision);
CREATE PROCEDURE measure(rounds int) LANGUAGE plpgsql AS \$\$
DECLARE t timestamptz; n bigint;
BEGIN
    FOR r IN 1..rounds LOOP
        t := clock_timestamp();
        SELECT count(*) INTO n FROM hamilton_validate(ARRAY['cb.n$NODES']);
        INSERT INTO timings VALUES (r, 'validate', extract(epoch FROM clock_timestamp() - t) * 1000);
        t := clock_timestamp();
        SELECT count(*) INTO n FROM hamilton_execute(ARRAY['cb.n$NODES'], cache => true) WHERE status <> 'cached';
        IF n <> 0 THEN RAISE EXCEPTION 'the unchanged re-run recomputed % steps', n; END IF;
        INSERT INTO timings VALUES (r, 'cached re-run', extract(epoch FROM clock_timestamp() - t) * 1000);
        t := clock_timestamp();
        SELECT count(*) INTO n FROM hamilton_execute(ARRAY['cb.n$NODES'], cache => false);
        INSERT INTO timings VALUES (r, 'full run', extract(epoch FROM clock_timestamp() - t) * 1000);
        COMMIT;
        -- the full run rewrote every result: one cached run to keep them again
        PERFORM count(*) FROM hamilton_execute(ARRAY['cb.n$NODES'], cache => true);
        COMMIT;
    END LOOP;
END \$\$;
SQL
sql -c "CALL measure($REPEAT)"
echo
echo "## 1. An unchanged $NODES-node dataflow, re-run with cache => true (median of $REPEAT rounds)"
echo
sql -A -F ' | ' -c "
WITH m AS (SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM timings GROUP BY variant)
SELECT '| ' || variant, round(ms::numeric, 1) || ' ms',
       round((ms / (SELECT ms FROM m WHERE variant = 'validate'))::numeric, 2) || 'x validate',
       round((100 * ms / (SELECT ms FROM m WHERE variant = 'full run'))::numeric, 1) || '% of the full run |'
FROM m ORDER BY ms" | sed -n '2,$p' | grep -v '^(' || true

echo
echo "## 2. The change log's trigger: single-row INSERTs, $PGB_CLIENTS clients, ${PGB_SECONDS} s per run, $PGB_ROUNDS pairs (ABBA)"
echo
sql <<'SQL' >/dev/null
CREATE TABLE raw.plain (id bigint, v int, at timestamptz DEFAULT now()) WITH (fillfactor = 100);
CREATE TABLE raw.tracked (id bigint, v int, at timestamptz DEFAULT now()) WITH (fillfactor = 100);
SELECT hamilton_track('raw.tracked');
SQL
echo "INSERT INTO raw.plain (id, v) VALUES (:client_id, 1);" >"$WORK/plain.sql"
echo "INSERT INTO raw.tracked (id, v) VALUES (:client_id, 1);" >"$WORK/tracked.sql"
tps() {
    sql -c CHECKPOINT
    "$PGBENCH" -n -c "$PGB_CLIENTS" -j "$PGB_CLIENTS" -T "$PGB_SECONDS" -f "$WORK/$1.sql" "$DB" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
tps plain >/dev/null; tps tracked >/dev/null   # warm-up pair, not counted
plain=(); tracked=(); ratios=()
for r in $(seq "$PGB_ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then p=$(tps plain); t=$(tps tracked); else t=$(tps tracked); p=$(tps plain); fi
    plain+=("$p"); tracked+=("$t")
    ratios+=("$(awk -v p="$p" -v t="$t" 'BEGIN { printf "%.3f", t / p }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mp=$(median "${plain[@]}"); mt=$(median "${tracked[@]}"); mr=$(median "${ratios[@]}")
lo=$(printf '%s\n' "${ratios[@]}" | sort -g | head -1); hi=$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1)
echo "| table | tps (median) | runs |"
echo "|---|---|---|"
echo "| untracked | $mp | ${plain[*]} |"
echo "| tracked | $mt | ${tracked[*]} |"
echo
echo "tracked / untracked per pair: ${ratios[*]}"
awk -v r="$mr" -v lo="$lo" -v hi="$hi" -v c="$PGB_CLIENTS" 'BEGIN { printf "tracked / untracked, median of the pairs: %.3f (cost to writers %.1f%%, pairs from %.1f%% to %.1f%%), %d clients\n", r, 100 * (1 - r), 100 * (1 - hi), 100 * (1 - lo), c }'

# Throughput on a shared machine measures the scheduler as much as the
# trigger.  The backend's own CPU time per insert transaction does not:
# one session, one INSERT per transaction (a procedure that commits after
# each), the same tables, alternating, BENCH_CPU_ROUNDS (7) rounds of
# BENCH_CPU_TXNS (20000) transactions per table.
CPU_ROUNDS=${BENCH_CPU_ROUNDS:-7}
CPU_TXNS=${BENCH_CPU_TXNS:-20000}
if sql -c "CREATE EXTENSION IF NOT EXISTS plpython3u" >/dev/null 2>&1; then
    echo
    echo "## 2b. The same, in backend CPU per insert transaction (one session, $CPU_TXNS transactions per table, $CPU_ROUNDS rounds, alternating)"
    echo
    sql <<SQL >/dev/null
CREATE FUNCTION cpu_ms() RETURNS double precision LANGUAGE plpython3u AS \$p\$
import time
return time.process_time() * 1000
\$p\$;
CREATE TABLE cpu_timings (round int, variant text, us double precision);
CREATE PROCEDURE insert_each(tab regclass, n int) LANGUAGE plpgsql AS \$\$
BEGIN
    FOR i IN 1..n LOOP
        EXECUTE format('INSERT INTO %s (id, v) VALUES (1, 1)', tab);
        COMMIT;
    END LOOP;
END \$\$;
CREATE PROCEDURE measure_cpu(rounds int, n int) LANGUAGE plpgsql AS \$\$
DECLARE t double precision; v text;
BEGIN
    CALL insert_each('raw.plain', n / 10);
    CALL insert_each('raw.tracked', n / 10);   -- warm-up, not counted
    FOR r IN 1..rounds LOOP
        FOREACH v IN ARRAY CASE WHEN r % 2 = 1 THEN ARRAY['raw.plain', 'raw.tracked'] ELSE ARRAY['raw.tracked', 'raw.plain'] END LOOP
            t := cpu_ms();
            CALL insert_each(v::regclass, n);
            INSERT INTO cpu_timings VALUES (r, v, (cpu_ms() - t) * 1000 / n);
            COMMIT;
        END LOOP;
    END LOOP;
END \$\$;
SQL
    sql -c "CALL measure_cpu($CPU_ROUNDS, $CPU_TXNS)"
    sql -A -F ' | ' -c "
WITH pair AS (SELECT t.round, t.us AS tracked, p.us AS plain, t.us / p.us AS ratio
              FROM cpu_timings t JOIN cpu_timings p ON p.round = t.round AND p.variant = 'raw.plain'
              WHERE t.variant = 'raw.tracked')
SELECT '| untracked | ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY plain)::numeric, 2) || ' us',
       'tracked | ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY tracked)::numeric, 2) || ' us',
       'tracked / untracked, median of the rounds ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ratio)::numeric, 3)
       || ' (from ' || round(min(ratio)::numeric, 3) || ' to ' || round(max(ratio)::numeric, 3) || ') |'
FROM pair" | sed -n '2p'
fi
echo "change log rows written: $(sql -At -c "SELECT count(*) FROM hamilton.change_log")"
