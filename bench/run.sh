#!/usr/bin/env bash
# pg_hamilton benchmarks.  Needs the throwaway cluster running, as
# `bash scripts/demo.sh` (or `bash scripts/cluster.sh start` after a build)
# leaves it.  Run: bash bench/run.sh
#
#   1. graph scale: register / validate / explain / dot on graphs of
#      BENCH_SIZES function nodes, against reading the same catalog rows in
#      plain SQL;
#   2. per-node execution overhead: chains of BENCH_CHAIN_LENGTH scalar and
#      SQL nodes run by hamilton_execute, against the same statements run
#      directly (and, for SQL nodes, one fused query);
#   3. the example dataflow (examples/shop.sql, raw.orders of BENCH_SHOP_ROWS
#      rows) against the same forecast hand-written as one CREATE TABLE AS,
#      timed in the server and, each run its own psql call, from the client;
#   4. what recording a run's start costs: a one-node run, the chains and the
#      smaller example, with the start recorded and without
#      (hamilton.record_run_start = off).

#
# Every timing is server-side, the median of BENCH_REPEAT runs, each in a
# transaction of its own, with the variants of a comparison alternating
# (bench/harness.sql).  The machine may be shared: quote the ratios, which
# are measured side by side, rather than absolute times.
#
# Each benchmark runs in a database of its own, named bench_*, dropped at the
# end (also on failure).  Any failed step or check stops the run non-zero.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_SIZES=${BENCH_SIZES:-1000 10000 100000}
BENCH_REPEAT=${BENCH_REPEAT:-5}
BENCH_CHAIN_LENGTH=${BENCH_CHAIN_LENGTH:-1000}
BENCH_SHOP_ROWS=${BENCH_SHOP_ROWS:-3000 1000000}
. "$BENCH_DIR/lib.sh"

# table_row DB ARGS: add a row to the final table (see bench.table_row).
table_row() {
    local db=$1
    shift
    local args
    args=$(printf "\$q\$%s\$q\$, " "$@")
    sql "$db" -At -c "SELECT bench.table_row(${args%, })" >>"$TABLE_ROWS"
}

echo "# pg_hamilton benchmarks"
echo "$(sql postgres -At -c "SELECT split_part(version(), ' (', 1)"), $(nproc) cores," \
     "fsync=$(sql postgres -At -c "SHOW fsync")," \
     "median of $BENCH_REPEAT runs, $(date -u '+%Y-%m-%d %H:%M UTC')"

# --------------------------------------------------------------------------
# 1. Graph scale
# --------------------------------------------------------------------------
for n in $BENCH_SIZES; do
    db=bench_graph_$n
    echo
    echo "## Graph scale: $n function nodes (sink n1, whose closure is the whole graph)"
    new_db "$db" "$BENCH_DIR/graph.sql"
    created=$(sql "$db" -At -c "SELECT round(bench.make_graph($n))")
    sql "$db" -c "SELECT hamilton_register('g')" >/dev/null
    sql "$db" -c "SELECT bench.check_graph($n)" >/dev/null
    analyze "$db"
    echo "created the $n functions in $created ms (not part of any timing below)"
    measure "$db" graph \
        hamilton_register "SELECT hamilton_register('g')" \
        hamilton_validate "SELECT count(*) FROM hamilton_validate(ARRAY['n1'], bench.graph_inputs())" \
        "hamilton_validate, graph read" "SELECT bench.validate_uncached()" \
        hamilton_explain "SELECT length(hamilton_explain(ARRAY['n1'], bench.graph_inputs()))" \
        "hamilton_dot()" "SELECT length(hamilton_dot())" \
        "hamilton_dot(ARRAY['n1'])" "SELECT length(hamilton_dot(ARRAY['n1']))" \
        "catalog read" "SELECT count(d) FROM bench.dag_catalog_read d" \
        "pg_proc count" "SELECT count(*) FROM pg_proc WHERE pronamespace = 'g'::regnamespace"
    report "$db" graph "catalog read" "$n"
    for fn in hamilton_register hamilton_validate "hamilton_validate, graph read" hamilton_explain "hamilton_dot()" "hamilton_dot(ARRAY['n1'])"; do
        table_row "$db" "$fn" "$n nodes" graph "$fn" "catalog read" "$n" total
    done
done

# --------------------------------------------------------------------------
# 2. Per-node execution overhead
# --------------------------------------------------------------------------
k=$BENCH_CHAIN_LENGTH

echo
echo "## Scalar chain: $k function nodes n1 -> ... -> n$k"
db=bench_scalar_chain
new_db "$db" "$BENCH_DIR/chains.sql"
sql "$db" -c "SELECT bench.make_scalar_chain($k)" >/dev/null
analyze "$db"
measure "$db" scalar \
    hamilton_execute "SELECT count(*) FROM hamilton_execute(ARRAY['n$k'])" \
    "$k SELECTs" "SELECT bench.direct_scalar_chain($k)"
sql "$db" -c "SELECT bench.check_chain(ARRAY['chain.n$k', 'direct.scalar_result'], $k)" >/dev/null
report "$db" scalar "$k SELECTs" "$k"
table_row "$db" "scalar chain, hamilton_execute" "$k nodes" scalar hamilton_execute "$k SELECTs" "$k" over

echo
echo "## SQL chain: $k SQL nodes s1 -> ... -> s$k"
db=bench_sql_chain
new_db "$db" "$BENCH_DIR/chains.sql"
sql "$db" -c "SELECT bench.make_sql_chain($k)" >/dev/null
analyze "$db"
measure "$db" sqlchain \
    hamilton_execute "SELECT count(*) FROM hamilton_execute(ARRAY['s$k'])" \
    "hamilton_execute, inlining off" "SELECT bench.execute_without_inlining(ARRAY['s$k'])" \
    "$k CREATE TEMP TABLE AS" "SELECT bench.direct_temp_chain($k)" \
    "one fused query" "SELECT bench.fused_chain($k)"
sql "$db" -c "SELECT bench.check_chain(ARRAY['sqlchain.s$k', 'direct.sql_result', 'direct.fused_result'], $k)" >/dev/null
echo "hamilton_execute's steps: $(sql "$db" -At -c "SELECT string_agg(n || ' ' || status, ', ' ORDER BY status)
    FROM (SELECT status, count(*) AS n FROM hamilton_execute(ARRAY['s$k']) GROUP BY status) s")"
report "$db" sqlchain "$k CREATE TEMP TABLE AS" "$k"
table_row "$db" "SQL chain, hamilton_execute" "$k nodes" sqlchain hamilton_execute "$k CREATE TEMP TABLE AS" "$k" over
table_row "$db" "SQL chain, hamilton_execute, inlining off" "$k nodes" sqlchain "hamilton_execute, inlining off" "$k CREATE TEMP TABLE AS" "$k" over
table_row "$db" "SQL chain, hamilton_execute" "$k nodes" sqlchain hamilton_execute "one fused query" "$k" over

# --------------------------------------------------------------------------
# 3. The example dataflow
# --------------------------------------------------------------------------
shop_insert='FROM generate_series(1, 3000) AS i;'
grep -qF "$shop_insert" "$BENCH_DIR/../examples/shop.sql" ||
    { echo "examples/shop.sql no longer fills raw.orders with: $shop_insert" >&2; exit 1; }
for rows in $BENCH_SHOP_ROWS; do
    db=bench_shop_$rows
    echo
    echo "## Example dataflow: examples/shop.sql, forecast with horizon 4, raw.orders of $rows rows"
    new_db "$db"
    sed "s/$shop_insert/FROM generate_series(1, $rows) AS i;/" "$BENCH_DIR/../examples/shop.sql" |
        sql "$db" >/dev/null
    sql "$db" -f "$BENCH_DIR/shop_plain.sql"
    analyze "$db"
    measure "$db" shop \
        hamilton_execute "SELECT count(*) FROM hamilton_execute(ARRAY['forecast'], inputs => '{\"horizon\": 4}')" \
        "hand-written CREATE TABLE AS" "SELECT bench.plain_forecast()"
    sql "$db" -c "SELECT bench.check_forecast()" >/dev/null
    echo "shop.forecast and the hand-written plain.forecast hold the same rows"
    report "$db" shop "hand-written CREATE TABLE AS" 4
    # the same, each run its own psql call, timed by the client
    wallclock "$db" shop_wall \
        hamilton_execute "SELECT count(*) FROM hamilton_execute(ARRAY['forecast'], inputs => '{\"horizon\": 4}')" \
        "hand-written CREATE TABLE AS" "SELECT bench.plain_forecast()"
    echo "The same, each run its own psql call (wall clock, from the client):"
    report "$db" shop_wall "hand-written CREATE TABLE AS" 4
    table_row "$db" "shop forecast, hamilton_execute" "$rows orders" shop hamilton_execute "hand-written CREATE TABLE AS" 4 none
    table_row "$db" "shop forecast, hamilton_execute, wall clock" "$rows orders" shop_wall hamilton_execute "hand-written CREATE TABLE AS" 4 none
done

# --------------------------------------------------------------------------
# 4. What recording a run's start costs
# --------------------------------------------------------------------------
# The same runs with the start recorded (a background worker started for
# each, not waited for) and without (hamilton.record_run_start = off), side
# by side, BENCH_RECORD_REPEAT times: the difference is a fraction of a
# millisecond, which wants more rounds than the other sections.
record_repeat=${BENCH_RECORD_REPEAT:-61}
shop_small=$(set -- $BENCH_SHOP_ROWS; echo "$1")
for spec in "bench_scalar_chain|one trivial node|ARRAY['n1']|{}|1 node" \
            "bench_scalar_chain|scalar chain|ARRAY['n$k']|{}|$k nodes" \
            "bench_sql_chain|SQL chain|ARRAY['s$k']|{}|$k nodes" \
            "bench_shop_$shop_small|shop forecast|ARRAY['forecast']|{\"horizon\": 4}|$shop_small orders"; do
    IFS='|' read -r db what outputs inputs size <<<"$spec"
    section="record ${what// /_}"
    echo
    echo "## Recording the start of a run: $what ($size), median of $record_repeat"
    sql "$db" -c "CALL bench.measure('$section', ARRAY['start recorded', 'start not recorded'],
        ARRAY[\$q\$SELECT bench.execute_start_recorded($outputs, '$inputs')\$q\$,
              \$q\$SELECT bench.execute_start_unrecorded($outputs, '$inputs')\$q\$], $record_repeat)"
    report "$db" "$section" "start not recorded" 1
    # the two variants of a round ran back to back: their difference drifts least with the load
    sql "$db" -At -c "SELECT 'paired rounds: start recorded minus not recorded, median '
                             || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.ms - b.ms)::numeric, 2) || ' ms, quartiles '
                             || round(percentile_cont(0.25) WITHIN GROUP (ORDER BY a.ms - b.ms)::numeric, 2) || ' to '
                             || round(percentile_cont(0.75) WITHIN GROUP (ORDER BY a.ms - b.ms)::numeric, 2) || ' ms'
                      FROM bench.sample a JOIN bench.sample b USING (section, round)
                      WHERE section = '$section' AND a.variant = 'start recorded' AND b.variant = 'start not recorded'"
    table_row "$db" "$what, start recorded (per run over not recorded)" "$size" "$section" "start recorded" "start not recorded" 1 over
done

# --------------------------------------------------------------------------
echo
echo "## Summary (medians of $BENCH_REPEAT runs; per node: time per node for graph operations, time per node over the baseline for chains)"
echo
echo "| Benchmark | Size | pg_hamilton ms | Baseline | Baseline ms | Ratio | Per node |"
echo "|---|---|---:|---|---:|---:|---:|"
cat "$TABLE_ROWS"
echo
echo "Total runtime of bench/run.sh: ${SECONDS}s"
