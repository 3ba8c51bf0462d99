#!/usr/bin/env bash
# Incremental nodes against a full rebuild of the same node, side by side:
#   append: 1% new rows appended to a source of BENCH_INCR_ROWS rows; the
#           incremental run (append by sequence) against the node's full
#           rebuild (the same SELECT over the whole source);
#   merge:  1% of the keys of a BENCH_INCR_ROWS-key table changed (new
#           rows for existing keys); the incremental run (merge on the key)
#           against a full rebuild (the latest row per key, from scratch).
# After every round the incremental result must equal the rebuilt one
# (EXCEPT ALL both ways), or the benchmark fails.  Needs the throwaway
# cluster running (bash scripts/cluster.sh start after a build).
#   bash bench/incremental.sh                                    # 1,000,000 rows, about a minute
#   BENCH_INCR_ROWS=10000000 BENCH_REPEAT=3 bash bench/incremental.sh   # the issue's 10M (several minutes)
#
# Each round first appends the new rows (not timed), then times the two
# variants, each hamilton_execute in a transaction of its own, in
# alternating order; the medians of BENCH_REPEAT rounds are reported.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_INCR_ROWS=${BENCH_INCR_ROWS:-1000000}
BENCH_REPEAT=${BENCH_REPEAT:-3}
. "$BENCH_DIR/lib.sh"

db=bench_incremental
new_db "$db"
new=$((BENCH_INCR_ROWS / 100))
sql "$db" >/dev/null <<SQL
CREATE SCHEMA bi;
CREATE TABLE bi.times (part text, variant text, round int, ms float8);
-- append: events with an identity id
CREATE TABLE bi.events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k int NOT NULL, amount numeric NOT NULL);
INSERT INTO bi.events (k, amount) SELECT g % 1000, g FROM generate_series(1, $BENCH_INCR_ROWS) g;
SELECT hamilton_define('bi.enriched_inc',
  'SELECT id, k, amount * 2 AS amount2, amount > 100 AS big FROM bi.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "append", "by": "sequence", "source": "bi.events", "column": "id"}');
SELECT hamilton_define('bi.enriched_full',
  'SELECT id, k, amount * 2 AS amount2, amount > 100 AS big FROM bi.events');
-- merge: updates of keys; the result is the latest value of each key
CREATE TABLE bi.updates (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key int NOT NULL, v numeric NOT NULL);
INSERT INTO bi.updates (key, v) SELECT g, g FROM generate_series(1, $BENCH_INCR_ROWS) g;
CREATE INDEX ON bi.updates (key, id);
SELECT hamilton_define('bi.latest_inc',
  'SELECT DISTINCT ON (key) key, v, id FROM bi.updates, range_start, range_end WHERE id BETWEEN range_start AND range_end ORDER BY key, id DESC',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "bi.updates", "column": "id", "unique_key": ["key"]}');
SELECT hamilton_define('bi.latest_full',
  'SELECT DISTINCT ON (key) key, v, id FROM bi.updates ORDER BY key, id DESC');
SELECT count(*) FROM hamilton_execute(ARRAY['bi.enriched_inc', 'bi.enriched_full', 'bi.latest_inc', 'bi.latest_full']);
SQL
analyze "$db"

# timed PART VARIANT ROUND NODE: one run of NODE in a transaction of its own.
timed() {
    sql "$db" -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN
                    PERFORM count(*) FROM hamilton_execute(ARRAY['$4']);
                    INSERT INTO bi.times VALUES ('$1', '$2', $3, extract(epoch FROM clock_timestamp() - t0) * 1000);
                  END \$\$"
}
# same A B: the two results hold the same rows.
same() {
    [ "$(sql "$db" -At -c "SELECT (SELECT count(*) FROM (TABLE $1 EXCEPT ALL TABLE $2) x)
                                 + (SELECT count(*) FROM (TABLE $2 EXCEPT ALL TABLE $1) y)")" = 0 ] \
        || { echo "FAILED: $1 and $2 differ" >&2; exit 1; }
}

for ((r = 1; r <= BENCH_REPEAT; r++)); do
    sql "$db" >/dev/null <<SQL
INSERT INTO bi.events (k, amount) SELECT g % 1000, g FROM generate_series(1, $new) g;
INSERT INTO bi.updates (key, v) SELECT 1 + (g * 7919) % $BENCH_INCR_ROWS, g + $r FROM generate_series(1, $new) g;
SQL
    if [ $((r % 2)) -eq 1 ]; then
        timed append incremental "$r" bi.enriched_inc; timed append rebuild "$r" bi.enriched_full
        timed merge incremental "$r" bi.latest_inc; timed merge rebuild "$r" bi.latest_full
    else
        timed append rebuild "$r" bi.enriched_full; timed append incremental "$r" bi.enriched_inc
        timed merge rebuild "$r" bi.latest_full; timed merge incremental "$r" bi.latest_inc
    fi
    same bi.enriched_inc bi.enriched_full
    same bi.latest_inc bi.latest_full
done

echo
echo "## Incremental runs against full rebuilds, $BENCH_INCR_ROWS rows, 1% new or changed per round, median of $BENCH_REPEAT"
echo
echo "| Benchmark | Size | incremental ms | rebuild ms | Ratio |"
echo "|---|---|---:|---:|---:|"
sql "$db" -At -c "
SELECT format('| %s, 1%% %s | %s rows | %s | %s | %s%% |', part,
              CASE part WHEN 'append' THEN 'new rows' ELSE 'changed keys' END, $BENCH_INCR_ROWS,
              round(i::numeric, 1), round(f::numeric, 1), round((100 * i / f)::numeric, 1))
FROM (SELECT part,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = 'incremental') AS i,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = 'rebuild') AS f
      FROM bi.times GROUP BY part) m ORDER BY part DESC"
echo
echo "Results identical after every round (EXCEPT ALL both ways). Total runtime of bench/incremental.sh: ${SECONDS}s"
