#!/usr/bin/env bash
# refresh => 'concurrent' against the default path (the result replaced),
# on a result of BENCH_REFRESH_ROWS rows, with 0.1% and with 100% of its
# rows changed since the last run: the time of a run, and the WAL it
# writes.  Needs the throwaway cluster running (bash scripts/cluster.sh
# start after a build).
#   bash bench/refresh.sh                                   # 200,000 rows, about 40 s
#   BENCH_REFRESH_ROWS=1000000 BENCH_REPEAT=1 bash bench/refresh.sh   # about 2 min
#
# Both nodes are the same SELECT over rf.src (id, v, a 40-byte payload),
# whose rows change from one run to the next through an input, gen, that
# every call draws anew: 0.1% of the rows (id % 1000 = 0) or all of them
# take it.  Both result tables have the same unique index on id (the
# concurrent refresh needs it; a reader looking rows up by key has it on
# the replaced table too, and TRUNCATE + INSERT keeps it up).
#
# The two variants alternate within each round, each run in a transaction
# of its own, and the median of BENCH_REPEAT rounds is reported
# (bench/harness.sql): quote the ratios, which are measured side by side.
# A concurrent refresh leaves dead row versions behind, as any UPDATE
# does; VACUUM runs between the two sections, autovacuum as it likes.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_REFRESH_ROWS=${BENCH_REFRESH_ROWS:-200000}
BENCH_REPEAT=${BENCH_REPEAT:-3}
. "$BENCH_DIR/lib.sh"

db=bench_refresh
wal_file=$(mktemp)
trap 'rm -f "$wal_file"; cleanup' EXIT
new_db "$db"
sql "$db" >/dev/null <<SQL
CREATE SCHEMA rf;
CREATE TABLE rf.src (id int PRIMARY KEY, v bigint NOT NULL, payload text NOT NULL);
INSERT INTO rf.src SELECT g, g, md5(g::text) || 'abcdefgh' FROM generate_series(1, $BENCH_REFRESH_ROWS) g;
CREATE SEQUENCE rf.gen_seq;
SELECT hamilton_register('rf');
-- gen is an input: a one-row relation of that name in the nodes' SQL
SELECT hamilton_define('rf.few_concurrent',
    'SELECT s.id, CASE WHEN s.id % 1000 = 0 THEN s.v + g.gen ELSE s.v END AS v, s.payload FROM rf.src s, gen g',
    key => ARRAY['id'], refresh => 'concurrent');
SELECT hamilton_define('rf.few_replace',
    'SELECT s.id, CASE WHEN s.id % 1000 = 0 THEN s.v + g.gen ELSE s.v END AS v, s.payload FROM rf.src s, gen g');
SELECT hamilton_define('rf.all_concurrent',
    'SELECT s.id, s.v + g.gen AS v, s.payload FROM rf.src s, gen g',
    key => ARRAY['id'], refresh => 'concurrent');
SELECT hamilton_define('rf.all_replace',
    'SELECT s.id, s.v + g.gen AS v, s.payload FROM rf.src s, gen g');
SELECT count(*) FROM hamilton_execute(ARRAY['rf.few_concurrent', 'rf.few_replace', 'rf.all_concurrent', 'rf.all_replace'],
                                      inputs => '{"gen": 0}');
CREATE UNIQUE INDEX ON rf.few_replace (id);
CREATE UNIQUE INDEX ON rf.all_replace (id);
SQL
analyze "$db"

# run NODE: one refresh of node NODE, with a new gen.
run() {
    printf "SELECT count(*) FROM hamilton_execute(ARRAY['rf.%s'], inputs => jsonb_build_object('gen', nextval('rf.gen_seq')))" "$1"
}

for part in few all; do
    case $part in
        few) what="0.1% of the rows changed" ;;
        all) what="100% of the rows changed" ;;
    esac
    echo
    echo "## $what, $BENCH_REFRESH_ROWS rows, median of $BENCH_REPEAT"
    measure "$db" "$part" "replace (TRUNCATE + INSERT)" "$(run "${part}_replace")" \
        "concurrent (diff on the key)" "$(run "${part}_concurrent")"
    report "$db" "$part" "replace (TRUNCATE + INSERT)" 1
    sql "$db" -At -c "SELECT format('| refresh, %s | %s rows | %s | replace | %s | %s× |', '$what', $BENCH_REFRESH_ROWS,
                              round(c.subject_ms::numeric, 1), round(c.baseline_ms::numeric, 1), round(c.ratio::numeric, 2))
                       FROM bench.compare('$part', 'concurrent (diff on the key)', 'replace (TRUNCATE + INSERT)', 1) c" \
        >>"$TABLE_ROWS"
    # the WAL one run of each writes (what a replica and the archive receive)
    for variant in replace concurrent; do
        sql "$db" -At -c "SELECT pg_current_wal_insert_lsn()" >"$wal_file"
        sql "$db" -c "$(run "${part}_${variant}")" >/dev/null
        sql "$db" -At -c "SELECT format('WAL of one %s run: %s', '$variant',
                                  pg_size_pretty(pg_current_wal_insert_lsn() - '$(cat "$wal_file")'::pg_lsn))"
    done
    analyze "$db"
done

echo
echo "## Summary (medians of $BENCH_REPEAT runs, side by side)"
echo
echo "| Benchmark | Size | concurrent ms | Baseline | Baseline ms | Ratio |"
echo "|---|---|---:|---|---:|---:|"
cat "$TABLE_ROWS"
echo
echo "Total runtime of bench/refresh.sh: ${SECONDS}s"
