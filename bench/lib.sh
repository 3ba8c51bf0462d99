# Shared by the benchmark scripts (run.sh, etl.sh): their databases, psql,
# and the calls into harness.sql.  Source it after scripts/common.sh, with
# BENCH_DIR and BENCH_REPEAT set; BENCH_PSQL_VARS (an array of -v options)
# is passed to every psql.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

TABLE_ROWS=$(mktemp)      # rows of the final markdown table
DATABASES=()              # bench_* databases, dropped at the end
BENCH_PSQL_VARS=(${BENCH_PSQL_VARS[@]+"${BENCH_PSQL_VARS[@]}"})

cleanup() {
    local db
    for db in "${DATABASES[@]}"; do
        dropdb --if-exists "$db" || true
    done
    rm -f "$TABLE_ROWS"
}
trap cleanup EXIT

# sql DB ARGS...: psql on DB, stopping at the first error.
sql() {
    local db=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 ${BENCH_PSQL_VARS[@]+"${BENCH_PSQL_VARS[@]}"} -d "$db" "$@"
}

# new_db DB FILE...: a fresh database with pg_hamilton, the harness and FILEs.
new_db() {
    local db=$1 file
    shift
    DATABASES+=("$db")
    dropdb --if-exists "$db"
    createdb "$db"
    sql "$db" -c "CREATE EXTENSION hamilton"
    for file in "$BENCH_DIR/harness.sql" "$@"; do
        sql "$db" -f "$file" >/dev/null
    done
}

# measure DB SECTION NAME SQL [NAME SQL]...: time the variants side by side.
measure() {
    local db=$1 section=$2 names="" stmts=""
    shift 2
    while [ $# -gt 0 ]; do
        names+="${names:+, }\$q\$$1\$q\$"
        stmts+="${stmts:+, }\$q\$$2\$q\$"
        shift 2
    done
    sql "$db" -c "CALL bench.measure('$section', ARRAY[$names], ARRAY[$stmts], $BENCH_REPEAT)"
}

# wallclock DB SECTION NAME SQL [NAME SQL]...: the variants side by side
# again, each run its own psql call (a new connection each time), timed
# from the client: what a user waits for, connection and round trip
# included.  Same order as bench.measure: a warm-up round not counted, then
# BENCH_REPEAT rounds, the variants alternating and the first one rotating.
# The times go into bench.sample under SECTION, so report and the ratios
# read them like the server-side ones.  WALLCLOCK_BEFORE, when set, is run
# before each variant, in a psql call of its own and not timed (nightly.sh:
# the day's change to the sources).
wallclock() {
    local db=$1 section=$2 r k v n start us
    shift 2
    local -a names=() stmts=()
    while [ $# -gt 0 ]; do
        names+=("$1")
        stmts+=("$2")
        shift 2
    done
    n=${#names[@]}
    for ((r = 0; r <= BENCH_REPEAT; r++)); do
        for ((k = 0; k < n; k++)); do
            v=$(((r + k) % n))
            if [ -n "${WALLCLOCK_BEFORE:-}" ]; then
                sql "$db" -c "$WALLCLOCK_BEFORE" >/dev/null
            fi
            start=$(date +%s%N)
            sql "$db" -c "${stmts[$v]}" >/dev/null
            us=$((($(date +%s%N) - start) / 1000))
            if [ "$r" -gt 0 ]; then
                sql "$db" -c "INSERT INTO bench.sample VALUES ('$section', \$q\$${names[$v]}\$q\$, $((v + 1)), $r, $us / 1000.0)"
            fi
        done
    done
}

# report DB SECTION BASELINE NODES: print the section's medians.
report() {
    sql "$1" -P footer=off -c "SELECT * FROM bench.report('$2', '$3', $4)"
}

# analyze DB: fresh statistics, so that autovacuum stays out of the timings.
analyze() {
    sql "$1" -c "VACUUM ANALYZE"
}
