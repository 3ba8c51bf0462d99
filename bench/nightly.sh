#!/usr/bin/env bash
# A nightly run that skips unchanged work and runs the rest in parallel:
# cache => true together with workers => 2, against the cached serial run
# and against the uncached parallel run, side by side.  Needs the
# throwaway cluster running (bash scripts/cluster.sh start after a build).
#   bash bench/nightly.sh                          # about 1 min on 2 cores
#   BENCH_NIGHTLY_ROWS=50000 bash bench/nightly.sh   # a quick look
#
# A 4-branch dataflow: each branch a tracked source of BENCH_NIGHTLY_ROWS
# (250,000) rows, an intermediate over it (inlined into its one consumer)
# and an aggregate of about 0.5 s of single-core work (two md5 per row),
# and a summary of the four.  Before
# each run two of the four sources change (one row each, committed): the
# cached runs recompute those two branches and the summary, and reuse the
# other two; the uncached run recomputes all four.  PostgreSQL's own
# parallel query is off (the workers inherit it), so that only
# pg_hamilton's parallelism counts.  The uncached run has a module of its
# own over the same sources: its results would otherwise make the cached
# runs' entries stale.  Each run is its own psql call, timed from the
# client (lib.sh's wallclock); the median of BENCH_REPEAT rounds is
# reported.  Quote the ratios, measured side by side, and the load.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_NIGHTLY_ROWS=${BENCH_NIGHTLY_ROWS:-250000}
BENCH_REPEAT=${BENCH_REPEAT:-3}
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0"
. "$BENCH_DIR/lib.sh"

db=bench_nightly
new_db "$db"
sql "$db" >/dev/null <<SQL
CREATE SCHEMA bn_raw;
CREATE SCHEMA bn;
CREATE SCHEMA bu;
SELECT format('CREATE TABLE bn_raw.%s AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, $BENCH_NIGHTLY_ROWS) g', b)
FROM unnest(ARRAY['a', 'b', 'c', 'd']) b \gexec
SELECT hamilton_track(format('bn_raw.%s', b)::regclass) FROM unnest(ARRAY['a', 'b', 'c', 'd']) b;
-- bn: the cached runs' module; bu: the uncached run's, the same nodes
SELECT hamilton_define(format('%s.%s_clean', m, b), format('SELECT id, payload FROM bn_raw.%s WHERE id > 0', b)),
       hamilton_define(format('%s.%s_agg', m, b),
                       format('SELECT id %% 100 AS k, sum(length(md5(md5(payload || %L)))) AS s FROM %s_clean GROUP BY 1', b, b),
                       materialize => 'table')
FROM unnest(ARRAY['bn', 'bu']) m, unnest(ARRAY['a', 'b', 'c', 'd']) b;
SELECT hamilton_define(format('%s.summary', m),
                       'SELECT k, a.s + b.s + c.s + d.s AS s FROM a_agg a JOIN b_agg b USING (k) JOIN c_agg c USING (k) JOIN d_agg d USING (k)',
                       materialize => 'table')
FROM unnest(ARRAY['bn', 'bu']) m;
-- the first runs create the result tables, time the steps, and fill the cache
SELECT count(*) FROM hamilton_execute(ARRAY['bn.summary']);
SELECT count(*) FROM hamilton_execute(ARRAY['bn.summary'], cache => true, workers => 2);
SELECT count(*) FROM hamilton_execute(ARRAY['bu.summary']);
SQL
analyze "$db"
echo "load before: $(uptime)"

echo
echo "## nightly: 4 branches over $BENCH_NIGHTLY_ROWS rows each, 2 changed before each run, median of $BENCH_REPEAT"
WALLCLOCK_BEFORE="UPDATE bn_raw.a SET payload = payload WHERE id = 1; UPDATE bn_raw.b SET payload = payload WHERE id = 1" \
wallclock "$db" nightly \
    "cache + workers => 2" "SELECT count(*) FROM hamilton_execute(ARRAY['bn.summary'], cache => true, workers => 2)" \
    "cache, serial" "SELECT count(*) FROM hamilton_execute(ARRAY['bn.summary'], cache => true)" \
    "no cache, workers => 2" "SELECT count(*) FROM hamilton_execute(ARRAY['bu.summary'], workers => 2)"
report "$db" nightly "cache, serial" 9
# what the last round's runs did (one of each variant)
sql "$db" -P footer=off -c "SELECT run_id, string_agg(node || ' ' || status || CASE WHEN worker_pid IS NOT NULL THEN ' (worker)' ELSE '' END,
                                               ', ' ORDER BY step) AS steps
                            FROM hamilton.node_runs WHERE run_id IN (SELECT run_id FROM hamilton.runs ORDER BY run_id DESC LIMIT 3)
                              AND (node LIKE '%agg' OR node LIKE '%summary')
                            GROUP BY run_id ORDER BY run_id"
# how the steps of the last cached run on workers overlapped
sql "$db" -P footer=off -c "SELECT nr.step, nr.node, nr.status, nr.worker_pid IS NOT NULL AS on_worker,
                                   round(extract(epoch FROM nr.started_at - r.started_at)::numeric * 1000) AS start_ms,
                                   round(extract(epoch FROM nr.ended_at - r.started_at)::numeric * 1000) AS end_ms
                            FROM hamilton.node_runs nr JOIN hamilton.runs r USING (run_id)
                            WHERE r.run_id = (SELECT max(run_id) FROM hamilton.node_runs WHERE module = 'bn' AND worker_pid IS NOT NULL)
                            ORDER BY nr.step"
for base in "cache, serial" "no cache, workers => 2"; do
    sql "$db" -At -c "SELECT format('| cache + workers => 2, 2 of 4 branches changed | $BENCH_NIGHTLY_ROWS rows per branch | %s | %s | %s | %s× |',
                              round(c.subject_ms::numeric, 1), '$base', round(c.baseline_ms::numeric, 1), round(c.ratio::numeric, 2))
                       FROM bench.compare('nightly', 'cache + workers => 2', '$base', 9) c" >>"$TABLE_ROWS"
done
echo "load after: $(uptime)"

echo
echo "## Summary (medians of $BENCH_REPEAT runs, side by side)"
echo
echo "| Benchmark | Size | ms | Baseline | Baseline ms | Ratio |"
echo "|---|---|---:|---|---:|---:|"
cat "$TABLE_ROWS"
echo
echo "Total runtime of bench/nightly.sh: ${SECONDS}s"
