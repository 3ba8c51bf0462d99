#!/usr/bin/env bash
# The standard ETL benchmark.  Needs the throwaway cluster running, with
# pg_hamilton installed (bash scripts/demo.sh, or scripts/cluster.sh start
# after a build).  Run: bash bench/etl.sh
#
#   1. ETL: 1,000 regions x 1,000 weeks of spend and signups (1M rows) and
#      10 transformation steps, three ways on the same data (bench/etl.sql,
#      bench/etl_plain.sql):
#        - hand-written: one CREATE TABLE AS, as an expert writes it (every
#          window in one level, named WINDOW clauses);
#        - column nodes: hamilton_execute(10 outputs, into_table => ...),
#          which compiles the steps into one query;
#        - every step materialized as its own table: the 10 steps as 10 SQL
#          table nodes, each kept as a table, later steps reading earlier
#          steps' tables;
#      and, to tell pg_hamilton's own cost from the query's: the column
#      nodes' compiled query run directly, and the column nodes written to a
#      table each (hamilton_execute without into_table), against into_table
#      and against the same written by hand (the query once, then one CREATE
#      TABLE AS per output).  The close comparison is timed again from the
#      client, each run its own psql call.  The tables are then checked to
#      hold the same values as the hand-written one.
#   2. Planning cost of a wide frame (bench/etl_wide.sql): one frame with
#      BENCH_WIDE_NODES column nodes (half expressions, half SQL functions)
#      over BENCH_WIDE_ROWS rows: hamilton_validate / hamilton_explain /
#      hamilton_execute of every node as an output (each to its own table),
#      and of the BENCH_WIDE_NODES / 4 sinks into one table.
#   3. Each output its own table in linear time: frames of BENCH_WIDE_SIZES
#      column nodes, every node an output written to its own table (and,
#      below 1,600 columns, the same into one table): the time per table.
#
# BENCH_ETL_SECTIONS (default "1 2 3") picks the sections to run.
#
# Same conventions as bench/run.sh (bench/harness.sql): server-side timing,
# variants alternating, median of BENCH_REPEAT runs after a warm-up run, each
# in a database of its own (bench_etl*), dropped at the end; any failed step
# or check stops the run non-zero.  Quote the ratios, not the times; on a
# machine whose load changes by the minute, the paired ratio (the median of
# the per-round ratios) is the steadier one.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_REPEAT=${BENCH_REPEAT:-5}
BENCH_ETL_REGIONS=${BENCH_ETL_REGIONS:-1000}
BENCH_ETL_WEEKS=${BENCH_ETL_WEEKS:-1000}
BENCH_WIDE_NODES=${BENCH_WIDE_NODES:-4000}
BENCH_WIDE_ROWS=${BENCH_WIDE_ROWS:-1000}
BENCH_WIDE_SIZES=${BENCH_WIDE_SIZES:-500 1000 2000 4000}
BENCH_WIDE_REPEAT=${BENCH_WIDE_REPEAT:-3}
BENCH_ETL_SECTIONS=${BENCH_ETL_SECTIONS:-1 2 3}
BENCH_PSQL_VARS=(-v regions="$BENCH_ETL_REGIONS" -v weeks="$BENCH_ETL_WEEKS")
. "$BENCH_DIR/lib.sh"

# wanted N: is section N in BENCH_ETL_SECTIONS?
wanted() { case " $BENCH_ETL_SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

# row DB SECTION VARIANT LABEL SIZE BASELINE NODES: a row of the final table:
# | benchmark | size | median ms | min-max ms | baseline | ratio | paired ratio | per node |
# ratio: of the medians; paired ratio: the median, over the rounds, of the
# run's time / the baseline's time in the same round (robust to load that
# changes from minute to minute).  BASELINE may be empty (no ratio); NODES 0
# means no per-node figure.
row() {
    local db=$1 section=$2 variant=$3 label=$4 size=$5 baseline=$6 nodes=$7
    sql "$db" -At -c "
        SELECT format('| %s | %s | %s | %s–%s | %s | %s | %s | %s |',
                      \$q\$$label\$q\$, \$q\$$size\$q\$,
                      round(s.median::numeric, 1), round(s.min::numeric, 1), round(s.max::numeric, 1),
                      coalesce(nullif(\$q\$$baseline\$q\$, ''), '—'),
                      coalesce(round((s.median / b.median)::numeric, 2) || '×', '—'),
                      coalesce(round(p.ratio::numeric, 2) || '×', '—'),
                      CASE WHEN $nodes > 0 THEN round((1000 * s.median / $nodes)::numeric, 1) || ' µs' ELSE '—' END)
        FROM bench.summary s
        LEFT JOIN bench.summary b ON b.section = s.section AND b.variant = \$q\$$baseline\$q\$
        LEFT JOIN LATERAL (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x.ms / y.ms) AS ratio
            FROM bench.sample x JOIN bench.sample y ON y.section = x.section AND y.round = x.round
            WHERE x.section = s.section AND x.variant = s.variant AND y.variant = b.variant) p ON true
        WHERE s.section = '$section' AND s.variant = \$q\$$variant\$q\$" >>"$TABLE_ROWS"
}

echo "# pg_hamilton: the standard ETL benchmark"
echo "$(sql postgres -At -c "SELECT split_part(version(), ' (', 1)"), $(nproc) cores," \
     "fsync=$(sql postgres -At -c "SHOW fsync"), jit=$(sql postgres -At -c "SHOW jit")," \
     "median of $BENCH_REPEAT runs, $(date -u '+%Y-%m-%d %H:%M UTC')"

# --------------------------------------------------------------------------
# 1. ETL: 10 steps over regions x weeks
# --------------------------------------------------------------------------
if wanted 1; then
rows=$((BENCH_ETL_REGIONS * BENCH_ETL_WEEKS))
size="$rows rows, 10 steps"
db=bench_etl
echo
echo "## ETL: $BENCH_ETL_REGIONS regions x $BENCH_ETL_WEEKS weeks ($rows rows), 10 steps"
new_db "$db" "$BENCH_DIR/etl.sql" "$BENCH_DIR/etl_plain.sql"
analyze "$db"
etl_outputs="(SELECT array_agg('etl.' || c) FROM unnest(bench.etl_outputs()) AS c)"
steps_outputs="(SELECT array_agg('steps.' || c) FROM unnest(bench.etl_outputs()) AS c)"
# the query hamilton_execute compiles the column nodes into, kept for the
# variant that runs it directly
sql "$db" -c "CREATE TABLE bench.compiled AS
    SELECT bench.compiled_query(hamilton_explain($etl_outputs, into_table => 'etl.features')) AS query"
sql "$db" -At -c "SELECT query IS NOT NULL FROM bench.compiled" | grep -qx t ||
    { echo "could not find the compiled query in hamilton_explain's output" >&2; exit 1; }
echo "The column nodes' compiled query (hamilton_explain):"
sql "$db" -At -c "SELECT query FROM bench.compiled" | sed 's/^/    /'

hand="hand-written CREATE TABLE AS"
columns="column nodes, into_table"
steps="10 table nodes, each its own table"
own="column nodes, each output its own table"
hand_own="hand-written, each output its own table"
direct="compiled query run directly"
# the variants compared closely run in short rounds of their own; the slow
# ones against the hand-written query again, in a second section
measure "$db" etl \
    "$hand" "SELECT bench.plain_features()" \
    "$columns" "SELECT count(*) FROM hamilton_execute($etl_outputs, into_table => 'etl.features')" \
    "$direct" "SELECT bench.run_compiled('plain.compiled', (SELECT query FROM bench.compiled))"
report "$db" etl "$hand" 10
# the same, each run its own psql call, timed by the client
wallclock "$db" etl_wall \
    "$hand" "SELECT bench.plain_features()" \
    "$columns" "SELECT count(*) FROM hamilton_execute($etl_outputs, into_table => 'etl.features')" \
    "$direct" "SELECT bench.run_compiled('plain.compiled', (SELECT query FROM bench.compiled))"
echo "The same, each run its own psql call (wall clock, from the client):"
report "$db" etl_wall "$hand" 10
measure "$db" etl_tables \
    "$hand" "SELECT bench.plain_features()" \
    "$columns" "SELECT count(*) FROM hamilton_execute($etl_outputs, into_table => 'etl.features')" \
    "$steps" "SELECT count(*) FROM hamilton_execute($steps_outputs)" \
    "$own" "SELECT count(*) FROM hamilton_execute($etl_outputs)" \
    "$hand_own" "SELECT bench.plain_own_tables()"
report "$db" etl_tables "$hand" 10

echo
echo "Checks against the hand-written plain.features (row by row on the key; floats exactly, and to 9 significant digits):"
check() {
    local what=$1 rel=$2 result
    result=$(sql "$db" -At -c "SELECT format('%s rows differ exactly (outputs: %s), %s to 9 significant digits',
        exact_rows, exact_columns, rounded_rows) FROM bench.check_same($rel, 'plain.features')")
    echo "* $what: $result"
}
check "$columns (etl.features)" "'etl.features'"
check "$direct (plain.compiled)" "'plain.compiled'"
check "$steps (steps.*, joined)" "bench.joined('steps')"
check "$own (etl.*, joined)" "bench.joined('etl')"
check "$hand_own (plain_own.*, joined)" "bench.joined('plain_own')"

row "$db" etl "$hand" "ETL: $hand" "$size" "" 0
row "$db" etl "$columns" "ETL: $columns" "$size" "$hand" 0
row "$db" etl "$direct" "ETL: $direct" "$size" "$hand" 0
row "$db" etl "$columns" "ETL: $columns" "$size" "$direct" 0
row "$db" etl_wall "$columns" "ETL, wall clock: $columns" "$size" "$hand" 0
row "$db" etl_wall "$direct" "ETL, wall clock: $direct" "$size" "$hand" 0
row "$db" etl_tables "$steps" "ETL: $steps" "$size" "$hand" 0
row "$db" etl_tables "$own" "ETL: $own" "$size" "$hand" 0
row "$db" etl_tables "$own" "ETL: $own" "$size" "$columns" 0
row "$db" etl_tables "$own" "ETL: $own" "$size" "$hand_own" 0
row "$db" etl_tables "$hand_own" "ETL: $hand_own" "$size" "$columns" 0

fi
# --------------------------------------------------------------------------
# 2. Planning cost of a wide frame
# --------------------------------------------------------------------------
if wanted 2; then
n=$BENCH_WIDE_NODES
sinks=$((n / 4))
db=bench_etl_wide
echo
echo "## Wide frame: $n column nodes ($((n / 2)) expressions, $((n / 2)) SQL functions) over $BENCH_WIDE_ROWS rows"
new_db "$db" "$BENCH_DIR/etl_plain.sql" "$BENCH_DIR/etl_wide.sql"
start=$(date +%s%N)
how=$(sql "$db" -At -c "SELECT bench.make_wide($n, $BENCH_WIDE_ROWS)")
echo "defined in $(( ($(date +%s%N) - start) / 1000000 )) ms (not part of any timing below); expressions by $how"
analyze "$db"
all="bench.wide_all($n)"
sink_list="bench.wide_sinks($n)"
sql "$db" -c "CREATE TABLE bench.compiled AS
    SELECT bench.compiled_query(hamilton_explain($sink_list, into_table => 'wide.sinks')) AS query"
problems=$(sql "$db" -At -c "SELECT coalesce(string_agg(message, '; '), 'none')
    FROM hamilton_validate($all, into_table => 'wide.all')")
executed=$(sql "$db" -At -c "SELECT coalesce(bench.try_execute($all, 'wide.all'), 'ran')")
echo "all $n nodes into one table: hamilton_validate finds: $problems; hamilton_execute: $executed"
measure "$db" wide \
    "validate, all $n outputs into one table" "SELECT count(*) FROM hamilton_validate($all, into_table => 'wide.all')" \
    "validate, all $n outputs" "SELECT count(*) FROM hamilton_validate($all)" \
    "explain, all $n outputs" "SELECT length(hamilton_explain($all))" \
    "validate, $sinks sinks" "SELECT count(*) FROM hamilton_validate($sink_list, into_table => 'wide.sinks')" \
    "explain, $sinks sinks" "SELECT length(hamilton_explain($sink_list, into_table => 'wide.sinks'))" \
    "execute, $sinks sinks" "SELECT count(*) FROM hamilton_execute($sink_list, into_table => 'wide.sinks')" \
    "compiled query run directly" "SELECT bench.run_compiled('plain.wide_sinks', (SELECT query FROM bench.compiled))"
sql "$db" -c "SELECT bench.check_wide($n, $BENCH_WIDE_ROWS)" >/dev/null
echo "wide.sinks holds the values plain SQL computes"
report "$db" wide "compiled query run directly" "$n"
# every node as an output, each written to its own table (key + column)
measure "$db" wide_all \
    "execute, all $n outputs" "SELECT count(*) FROM hamilton_execute($all)"
report "$db" wide_all "execute, all $n outputs" "$n"
wsize="$n nodes, $BENCH_WIDE_ROWS rows"
row "$db" wide "validate, all $n outputs into one table" "hamilton_validate, all $n nodes as outputs into one table" "$wsize" "" "$n"
row "$db" wide "validate, all $n outputs" "hamilton_validate, all $n nodes as outputs, each its own table" "$wsize" "" "$n"
row "$db" wide "explain, all $n outputs" "hamilton_explain, all $n nodes as outputs, each its own table" "$wsize" "" "$n"
row "$db" wide_all "execute, all $n outputs" "hamilton_execute, all $n nodes as outputs, each its own table" "$wsize" "" "$n"
row "$db" wide "validate, $sinks sinks" "hamilton_validate, the $sinks sinks into one table (closure: all $n)" "$wsize" "" "$n"
row "$db" wide "explain, $sinks sinks" "hamilton_explain, the $sinks sinks into one table" "$wsize" "" "$n"
row "$db" wide "execute, $sinks sinks" "hamilton_execute, the $sinks sinks into one table" "$wsize" "compiled query run directly" "$n"

fi
# --------------------------------------------------------------------------
# 3. Each output its own table, in linear time
# --------------------------------------------------------------------------
if wanted 3; then
# make_wide(n) frames of n column nodes each, every node an output written
# to its own table (key + column); at sizes where they fit in one table
# (at most 1,600 columns), against the same outputs into one table.  The
# time per table should not grow with n.
for n in $BENCH_WIDE_SIZES; do
    db=bench_etl_outputs_$n
    echo
    echo "## Each output its own table: $n column nodes over $BENCH_WIDE_ROWS rows, every one an output"
    new_db "$db" "$BENCH_DIR/etl_plain.sql" "$BENCH_DIR/etl_wide.sql"
    sql "$db" -At -c "SELECT bench.make_wide($n, $BENCH_WIDE_ROWS)" >/dev/null
    analyze "$db"
    variants=("$n tables" "SELECT count(*) FROM hamilton_execute(bench.wide_all($n))")
    if [ "$n" -lt 1600 ]; then
        variants+=("one table" "SELECT count(*) FROM hamilton_execute(bench.wide_all($n), into_table => 'wide.all')")
    fi
    BENCH_REPEAT=$BENCH_WIDE_REPEAT measure "$db" outputs "${variants[@]}"
    report "$db" outputs "${variants[0]}" "$n"
    wsize="$n outputs, $BENCH_WIDE_ROWS rows"
    if [ "$n" -lt 1600 ]; then
        row "$db" outputs "$n tables" "each output its own table (per node: per table; median of $BENCH_WIDE_REPEAT)" "$wsize" "one table" "$n"
        row "$db" outputs "one table" "the same outputs into one table (median of $BENCH_WIDE_REPEAT)" "$wsize" "" "$n"
    else
        row "$db" outputs "$n tables" "each output its own table (per node: per table; median of $BENCH_WIDE_REPEAT)" "$wsize" "" "$n"
    fi
    dropdb "$db"
done

fi
# --------------------------------------------------------------------------
echo
echo "## Summary (medians of $BENCH_REPEAT runs; ratio: median / baseline's median;" \
     "paired ratio: median of each round's time / the baseline's in that round; per node: median / nodes)"
echo
echo "| Benchmark | Size | Median ms | Min–max ms | Baseline | Ratio | Paired ratio | Per node |"
echo "|---|---|---:|---:|---|---:|---:|---:|"
cat "$TABLE_ROWS"
echo
echo "Total runtime of bench/etl.sh: ${SECONDS}s"
