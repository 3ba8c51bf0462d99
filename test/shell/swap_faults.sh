#!/usr/bin/env bash
# A run cancelled or terminated at any point of building aside and swapping
# in leaves its results' old rows, no staging relation behind (the staging
# heaps are made in the run's transaction, and go with it), and a run
# record.  Points: while a result's staging heap is being filled, while a
# later step runs (the heap built), and while the swap waits for a reader.
# While a later step runs, a reader of the result built aside does not
# wait (lock_timeout 500 ms would stop it).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

DB=hamilton_swap_faults
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fail() {
    echo "FAILED: $*" >&2
    q -c "SELECT run_id, status, error FROM hamilton.runs ORDER BY run_id" >&2 || true
    exit 1
}

dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
q >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE SCHEMA t;
CREATE TABLE t.src (x int);
INSERT INTO t.src SELECT generate_series(1, 10);
CREATE TABLE t.pace (secs float8);
INSERT INTO t.pace VALUES (0);
-- t.a takes 20 * secs to fill; t.b, a later step, takes 20 * secs more
SELECT hamilton_define('t.a', 'SELECT x FROM t.src, LATERAL (SELECT pg_sleep(secs) FROM t.pace WHERE x > 0) AS s');
SELECT hamilton_define('t.b', 'SELECT count(*) AS n FROM t.a, LATERAL (SELECT pg_sleep(secs) FROM t.pace WHERE x > 0) AS s');
SELECT count(*) FROM hamilton_execute(ARRAY['t.a', 't.b']);
INSERT INTO t.src SELECT generate_series(11, 20);  -- a run that ended would show 20
UPDATE t.pace SET secs = 0.15;                      -- 3 s per step
SQL

# run_at SIGNAL DELAY [READER]: start a run, signal it (cancel|terminate)
# after DELAY seconds; READER=1 holds t.b in an open transaction meanwhile.
run_at() {
    local how=$1 delay=$2 reader=${3:-} runs_before pid rpid
    runs_before=$(q -c "SELECT count(*) FROM hamilton.runs")
    if [ -n "$reader" ]; then
        psql -X -q -d "$DB" -c "BEGIN; SELECT n FROM t.b; SELECT pg_sleep(15); COMMIT;" >/dev/null 2>&1 &
        rpid=$!; pids+=("$rpid")
        sleep 0.5
    fi
    psql -X -q -d "$DB" -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.a', 't.b'])" >/dev/null 2>&1 &
    pids+=($!)
    sleep "$delay"
    pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%hamilton_execute(ARRAY[''t.a''%' AND pid <> pg_backend_pid()")
    [ -n "$pid" ] || fail "$how at ${delay}s: the run was not running"
    if [ "$delay" = 4.5 ] && [ -z "$reader" ]; then
        # a later step runs: t.a's new rows are built aside; readers do not wait
        q -c "SET lock_timeout = '500ms'; SELECT count(*) FROM t.a" >/dev/null \
            || fail "a reader of t.a waited for the run's later step"
        [ "$(q -c "SELECT count(*) FROM pg_class WHERE relnamespace = 't'::regnamespace AND relname LIKE 'pg\_temp\_%'")" = 0 ] \
            || fail "a staging heap is visible to other sessions"
    fi
    q -c "SELECT pg_${how}_backend($pid)" >/dev/null
    for _ in $(seq 1 50); do
        q -c "SELECT 1 FROM pg_stat_activity WHERE pid = $pid" | grep -q 1 || break
        q -c "SELECT state FROM pg_stat_activity WHERE pid = $pid" | grep -q '^idle$' && break
        sleep 0.2
    done
    [ -n "$reader" ] && { q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(15)%' AND pid <> pg_backend_pid()" >/dev/null; wait "$rpid" 2>/dev/null || true; }
    [ "$(q -c "SELECT count(*) FROM t.a")" = 10 ] || fail "$how at ${delay}s: t.a lost its old rows"
    [ "$(q -c "SELECT n FROM t.b")" = 10 ] || fail "$how at ${delay}s: t.b lost its old rows"
    [ "$(q -c "SELECT count(*) FROM pg_class WHERE relname LIKE 'pg\_temp\_%' AND relnamespace = 't'::regnamespace")" = 0 ] \
        || fail "$how at ${delay}s: a staging relation was left behind"
    [ "$(q -c "SELECT count(*) FROM hamilton.runs")" -gt "$runs_before" ] || fail "$how at ${delay}s: no run record"
    echo "$how at ${delay}s${reader:+ (swap waiting for a reader)}: old rows, no staging relation, run $(q -c "SELECT status FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")"
}

run_at cancel 1.5        # filling t.a's staging heap
run_at cancel 4.5        # t.b runs, t.a built aside
run_at terminate 1.5
run_at terminate 4.5
run_at cancel 7.5 1      # the swap waits for the reader holding t.b
run_at terminate 7.5 1
