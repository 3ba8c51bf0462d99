#!/usr/bin/env bash
# Steps on background workers (hamilton_execute(..., workers => N)) against
# a serial run, side by side.  Needs the throwaway cluster running (bash
# scripts/cluster.sh start after a build).
#   bash bench/parallel.sh                        # about 1 min on 2 cores
#   BENCH_PARALLEL_ROWS=200000 bash bench/parallel.sh   # a quick look
#
# - wide: four independent nodes, each about 1 s of single-core work over
#   BENCH_PARALLEL_ROWS (1M) rows (two md5 per row, grouped), with
#   PostgreSQL's own parallel query off (max_parallel_workers_per_gather =
#   0, which the workers inherit), so that only pg_hamilton's parallelism
#   counts: workers => 2 against serial.  The goal on 2 cores is 0.6x.
# - the swap's share of those parallel runs: from the last step's end to
#   the run's end (swap, temporary tables dropped, the run recorded), over
#   the whole run, from hamilton.node_runs.
# - small: 200 small independent nodes, workers => 2 against serial.  Each
#   takes well under hamilton.worker_min_ms, so once a run has timed them
#   they run in the caller: no slower than serial.
# The variants alternate within each round, each run in a transaction of
# its own, and the median of BENCH_REPEAT rounds is reported
# (bench/harness.sql): quote the ratios, measured side by side, and the
# load (uptime), since the cores may be shared.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_PARALLEL_ROWS=${BENCH_PARALLEL_ROWS:-1000000}
BENCH_REPEAT=${BENCH_REPEAT:-3}
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0"
. "$BENCH_DIR/lib.sh"

db=bench_parallel
new_db "$db"
sql "$db" >/dev/null <<SQL
CREATE SCHEMA bp;
CREATE TABLE bp.src AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, $BENCH_PARALLEL_ROWS) g;
CREATE TABLE bp.small AS SELECT g AS id FROM generate_series(1, 100) g;
SELECT hamilton_define('bp.wide_' || n,
    format('SELECT id %% 100 AS k, sum(length(md5(md5(payload || %L)))) AS s FROM bp.src GROUP BY 1', n),
    materialize => 'table')
FROM generate_series(1, 4) n;
SELECT hamilton_define('bp.small_' || n, format('SELECT count(*) + %s AS n FROM bp.small', n), materialize => 'table')
FROM generate_series(1, 200) n;
-- the first runs create the result tables, and time the steps
SELECT count(*) FROM hamilton_execute(ARRAY['bp.wide_1', 'bp.wide_2', 'bp.wide_3', 'bp.wide_4']);
SELECT count(*) FROM hamilton_execute((SELECT array_agg('bp.small_' || n) FROM generate_series(1, 200) n));
SQL
analyze "$db"
WIDE="ARRAY['bp.wide_1', 'bp.wide_2', 'bp.wide_3', 'bp.wide_4']"
SMALL="(SELECT array_agg('bp.small_' || n) FROM generate_series(1, 200) n)"
echo "load before: $(uptime)"

echo
echo "## wide: 4 independent nodes over $BENCH_PARALLEL_ROWS rows, median of $BENCH_REPEAT"
measure "$db" wide "serial" "SELECT count(*) FROM hamilton_execute($WIDE)" \
    "workers => 2" "SELECT count(*) FROM hamilton_execute($WIDE, workers => 2)"
report "$db" wide "serial" 4
sql "$db" -At -c "SELECT format('| 4 independent nodes, workers => 2 | %s rows each | %s | serial | %s | %s× |', $BENCH_PARALLEL_ROWS,
                          round(c.subject_ms::numeric, 1), round(c.baseline_ms::numeric, 1), round(c.ratio::numeric, 2))
                   FROM bench.compare('wide', 'workers => 2', 'serial', 4) c" >>"$TABLE_ROWS"
# how the steps overlapped in the last parallel run, and the swap's share
sql "$db" -P footer=off -c "SELECT nr.step, nr.node, nr.worker_pid IS NOT NULL AS on_worker,
                                   round(extract(epoch FROM nr.started_at - r.started_at)::numeric * 1000) AS start_ms,
                                   round(extract(epoch FROM nr.ended_at - r.started_at)::numeric * 1000) AS end_ms
                            FROM hamilton.node_runs nr JOIN hamilton.runs r USING (run_id)
                            WHERE r.run_id = (SELECT max(run_id) FROM hamilton.node_runs WHERE worker_pid IS NOT NULL)
                            ORDER BY nr.step"
sql "$db" -At -c "SELECT format('| the swap (last step''s end to the run''s end), workers => 2 | 4 results | %s | whole run | %s | %s%% |',
                          round(percentile_cont(0.5) WITHIN GROUP (ORDER BY tail)::numeric, 1),
                          round(percentile_cont(0.5) WITHIN GROUP (ORDER BY whole)::numeric, 1),
                          round(100 * percentile_cont(0.5) WITHIN GROUP (ORDER BY tail / whole)::numeric, 2))
                   FROM (SELECT 1000 * extract(epoch FROM r.finished_at - max(nr.ended_at)) AS tail,
                                1000 * extract(epoch FROM r.finished_at - r.started_at) AS whole
                         FROM hamilton.runs r JOIN hamilton.node_runs nr USING (run_id)
                         WHERE r.status = 'succeeded' AND r.outputs = $WIDE
                         GROUP BY r.run_id, r.finished_at, r.started_at
                         HAVING count(nr.worker_pid) > 0) s" >>"$TABLE_ROWS"

echo
echo "## small: 200 small independent nodes, median of $BENCH_REPEAT"
measure "$db" small "serial" "SELECT count(*) FROM hamilton_execute($SMALL)" \
    "workers => 2" "SELECT count(*) FROM hamilton_execute($SMALL, workers => 2)"
report "$db" small "serial" 200
sql "$db" -At -c "SELECT format('| 200 small independent nodes, workers => 2 | 100 rows each | %s | serial | %s | %s× |',
                          round(c.subject_ms::numeric, 1), round(c.baseline_ms::numeric, 1), round(c.ratio::numeric, 2))
                   FROM bench.compare('small', 'workers => 2', 'serial', 200) c" >>"$TABLE_ROWS"
echo "load after: $(uptime)"

echo
echo "## Summary (medians of $BENCH_REPEAT runs, side by side)"
echo
echo "| Benchmark | Size | workers ms | Baseline | Baseline ms | Ratio |"
echo "|---|---|---:|---|---:|---:|"
cat "$TABLE_ROWS"
echo
echo "Total runtime of bench/parallel.sh: ${SECONDS}s"
