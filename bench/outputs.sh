#!/usr/bin/env bash
# Per-output tables against one table (issue 10, item 5).  Needs the
# throwaway cluster running with pg_hamilton installed.  Run:
#   bash bench/outputs.sh
#
#   1. The ETL frame of bench/etl.sql (BENCH_ETL_REGIONS x BENCH_ETL_WEEKS
#      rows, 10 column nodes, key region, week), in alternating rounds:
#        - one table: hamilton_execute(10 outputs, into_table => ...);
#        - each output its own table: hamilton_execute(10 outputs);
#        - the same 10 narrow tables written by hand, the fastest way:
#          the hand-written query once into a temporary table, then one
#          CREATE TABLE AS per output (bench.plain_own_tables);
#        - one wide table written by hand (bench.plain_features).
#        - both hand-written variants again, each table then analyzed
#          (pg_hamilton analyzes every result it swaps in);
#      Ratios: pg_hamilton's N tables against its one table (the goal),
#      and the hand-written N tables against the hand-written one table
#      (what writing, and analyzing, narrow tables costs by itself).
#   2. Linear in the number of tables: bench/etl.sh's section 3 (frames of
#      BENCH_WIDE_SIZES column nodes, every node an output of its own).
#
# BENCH_OUTPUTS_SECTIONS (default "1 2") picks the sections.  Same
# conventions as bench/etl.sh: server-side timing, variants alternating,
# medians of BENCH_REPEAT rounds after a warm-up round; the paired ratio
# (median over the rounds of the ratio within the round) is the steadier.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_OUTPUTS_SECTIONS=${BENCH_OUTPUTS_SECTIONS:-1 2}
BENCH_REPEAT=${BENCH_REPEAT:-5}
# the ETL's size, as bench/etl.sh has it (section 2 runs bench/etl.sh)
export BENCH_ETL_REGIONS=${BENCH_ETL_REGIONS:-1000} BENCH_ETL_WEEKS=${BENCH_ETL_WEEKS:-1000}
BENCH_PSQL_VARS=(-v regions="$BENCH_ETL_REGIONS" -v weeks="$BENCH_ETL_WEEKS")
. "$BENCH_DIR/lib.sh"

# ratio DB SECTION VARIANT BASELINE: "median ratio (paired ratio, spread)"
ratio() {
    sql "$1" -At -c "
        SELECT format('%s: %s× of %s (paired %s×, rounds %s×–%s×)', \$q\$$3\$q\$,
                      round((s.median / b.median)::numeric, 2), \$q\$$4\$q\$,
                      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x.ms / y.ms)::numeric, 2),
                      round(min(x.ms / y.ms)::numeric, 2), round(max(x.ms / y.ms)::numeric, 2))
        FROM bench.summary s, bench.summary b, bench.sample x, bench.sample y
        WHERE s.section = '$2' AND s.variant = \$q\$$3\$q\$
          AND b.section = '$2' AND b.variant = \$q\$$4\$q\$
          AND x.section = s.section AND x.variant = s.variant
          AND y.section = s.section AND y.variant = b.variant AND y.round = x.round
        GROUP BY s.median, b.median"
}

case " $BENCH_OUTPUTS_SECTIONS " in *" 1 "*)
rows=$((BENCH_ETL_REGIONS * BENCH_ETL_WEEKS))
db=bench_outputs
echo "## Per-output tables: $rows rows, 10 outputs, key (region, week)"
new_db "$db" "$BENCH_DIR/etl.sql" "$BENCH_DIR/etl_plain.sql"
sql "$db" >/dev/null <<'SQL'
-- The hand-written variants again, each table then analyzed, as
-- pg_hamilton analyzes every result it swaps in.
CREATE FUNCTION bench.hand_one_analyzed() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bench.plain_features();
    ANALYZE plain.features;
END $$;
CREATE FUNCTION bench.hand_own_analyzed() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    PERFORM bench.plain_own_tables();
    FOREACH c IN ARRAY bench.etl_outputs() LOOP
        EXECUTE format('ANALYZE plain_own.%I', c);
    END LOOP;
END $$;
SQL
analyze "$db"
outs="(SELECT array_agg('etl.' || c) FROM unnest(bench.etl_outputs()) AS c)"
measure "$db" outputs \
    "one table" "SELECT count(*) FROM hamilton_execute($outs, into_table => 'etl.features')" \
    "own tables" "SELECT count(*) FROM hamilton_execute($outs)" \
    "hand, one table" "SELECT bench.plain_features()" \
    "hand, own tables by CTAS" "SELECT bench.plain_own_tables()" \
    "hand, one table, analyzed" "SELECT bench.hand_one_analyzed()" \
    "hand, own tables by CTAS, analyzed" "SELECT bench.hand_own_analyzed()"
report "$db" outputs "one table" 10
ratio "$db" outputs "own tables" "one table"
ratio "$db" outputs "hand, own tables by CTAS" "hand, one table"
ratio "$db" outputs "hand, own tables by CTAS, analyzed" "hand, one table, analyzed"
ratio "$db" outputs "own tables" "hand, own tables by CTAS"
ratio "$db" outputs "own tables" "hand, own tables by CTAS, analyzed"
ratio "$db" outputs "one table" "hand, one table"
echo "Checks against the hand-written plain.features:"
sql "$db" -At -c "SELECT format('own tables: %s rows differ exactly (outputs: %s)', exact_rows, exact_columns)
    FROM bench.check_same(bench.joined('etl'), 'plain.features')"
;; esac

case " $BENCH_OUTPUTS_SECTIONS " in *" 2 "*)
BENCH_ETL_SECTIONS=3 bash "$BENCH_DIR/etl.sh"
;; esac
