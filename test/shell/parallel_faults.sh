#!/usr/bin/env bash
# A parallel run (workers => N, src/exec/parallel_run.c) under faults, on a
# cluster of its own (it restarts the server, and sets max_worker_processes):
#   - a worker killed with kill -9: the server restarts, the run shows as
#     abandoned, the old results stay, and the staging heap another worker
#     had committed is removed by hamilton_staging_cleanup();
#   - the same, removed by the next parallel run;
#   - a worker terminated (pg_terminate_backend): the run fails naming the
#     node, and its workers' heaps are dropped;
#   - a cancel of the caller while its workers run: the run fails, the
#     workers stop, nothing is left behind;
#   - the caller's session terminated: its workers finish, see it gone and
#     commit nothing; the next run drops what they had committed before;
#   - every worker slot taken (max_worker_processes): the run does its steps
#     in the caller, with a NOTICE, and the same results;
#   - hamilton.max_cluster_workers reached: the same, and a run never has
#     more workers at once than the cap.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

FAIL_RUN_COLUMNS='run_id, status, failed_node, error'
. scripts/own_cluster.sh

own_cluster_init "synchronous_commit = on  # a worker's committed heap survives the kill -9
max_worker_processes = 8"
start
# wait_for SQL: polls (at most 30 s) until the query returns t.
. test/shell/lib/crash_helpers.sh   # wait_for

q >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE SCHEMA t;
CREATE TABLE t.src AS SELECT g AS x FROM generate_series(1, 100) g;
CREATE TABLE t.pace (secs float8);
INSERT INTO t.pace VALUES (0);
CREATE FUNCTION t.pace() RETURNS bool LANGUAGE sql AS 'SELECT pg_sleep(secs) IS NULL FROM t.pace';
-- t.quick is done at once; t.slow and t.slow2 take 100 * secs
SELECT hamilton_define('t.quick', 'SELECT count(*) AS n FROM t.src', materialize => 'table');
SELECT hamilton_define('t.slow', 'SELECT count(*) AS n FROM t.src WHERE t.pace() IS NOT NULL', materialize => 'table');
SELECT hamilton_define('t.slow2', 'SELECT sum(x) AS s FROM t.src WHERE t.pace() IS NOT NULL', materialize => 'table');
SELECT count(*) FROM hamilton_execute(ARRAY['t.quick', 't.slow', 't.slow2']);
INSERT INTO t.src SELECT generate_series(101, 200);  -- a run that ended would show 200
UPDATE t.pace SET secs = 0.2;                         -- 20 s per slow step
SQL
ALL="ARRAY['t.quick', 't.slow', 't.slow2']"
run_bg() {  # run_bg TAG [OUTPUTS]: a parallel run in the background
    psql -X -q -At -c "SET hamilton.worker_min_ms = 0" \
        -c "SELECT count(*) FROM hamilton_execute(${2:-$ALL}, inputs => '{\"tag\": \"$1\"}', workers => 3)" \
        >"$work/$1.out" 2>&1 &
    pids+=($!)
}
old_rows() {
    [ "$(q -c "SELECT (SELECT n FROM t.quick) || ',' || (SELECT n FROM t.slow) || ',' || (SELECT s FROM t.slow2)")" = 100,100,5050 ] \
        || fail "$1: the results lost their old rows"
}
staging() { q -c "SELECT (SELECT count(*) FROM hamilton.staging) + (SELECT count(*) FROM pg_class WHERE relnamespace = 't'::regnamespace AND relname LIKE 'pg\_temp\_%')"; }
worker_pids() { q -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker'"; }
status_of() { q -c "SELECT string_agg(status, ',') FROM hamilton.runs WHERE inputs->>'tag' = '$1'"; }

# --- kill -9 of a worker, twice ----------------------------------------------
for cleaner in "hamilton_staging_cleanup()" "next run"; do
    tag="killed_$RANDOM"
    run_bg "$tag"
    # t.quick's heap is committed, both slow steps run
    wait_for "SELECT (SELECT count(*) FROM hamilton.staging) = 1 AND (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker') = 2"
    kill -9 $(worker_pids | cut -d' ' -f1)
    wait_for "SELECT status = 'abandoned' FROM hamilton.runs WHERE inputs->>'tag' = '$tag'"
    old_rows "kill -9"
    [ "$(staging)" = 2 ] || fail "kill -9: the committed staging heap and its row should be left, found $(staging)"
    if [ "$cleaner" = "next run" ]; then
        q -c "SET hamilton.worker_min_ms = 0" -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.quick'], workers => 2)" >/dev/null
    else
        [ "$(q -c "SELECT count(*) FILTER (WHERE dropped) FROM hamilton_staging_cleanup()")" = 1 ] \
            || fail "hamilton_staging_cleanup() dropped nothing"
    fi
    [ "$(staging)" = 0 ] || fail "kill -9: the $cleaner left $(staging) staging heaps or rows"
    echo "kill -9 of a worker: the server restarted, run abandoned, old rows, the leftover heap removed by the $cleaner"
done
# t.quick was recomputed by the "next run": put its old rows back
q -c "UPDATE t.pace SET secs = 0; DELETE FROM t.src WHERE x > 100" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute($ALL)" >/dev/null
q -c "INSERT INTO t.src SELECT generate_series(101, 200); UPDATE t.pace SET secs = 0.2" >/dev/null
old_rows "reset"

# --- a worker terminated -----------------------------------------------------
tag=terminated
run_bg "$tag"
wait_for "SELECT (SELECT count(*) FROM hamilton.staging) = 1 AND (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker') = 2"
q -c "SELECT pg_terminate_backend($(worker_pids | cut -d' ' -f1))" >/dev/null
wait_for "SELECT status = 'failed' FROM hamilton.runs WHERE inputs->>'tag' = '$tag'"
wait "${pids[-1]}" || true
grep -q "the background worker running the step stopped before it finished" "$work/$tag.out" \
    || fail "terminated worker: $(cat "$work/$tag.out")"
wait_for "SELECT (SELECT count(*) FROM hamilton.staging) + (SELECT count(*) FROM pg_class WHERE relnamespace = 't'::regnamespace AND relname LIKE 'pg\_temp\_%') = 0"
[ -z "$(worker_pids)" ] || fail "terminated worker: the other worker still runs"
old_rows "terminated worker"
echo "a worker terminated: the run failed naming the node, old rows, no staging heap, no worker left"

# --- a cancel of the caller --------------------------------------------------
tag=cancelled
run_bg "$tag"
wait_for "SELECT (SELECT count(*) FROM hamilton.staging) = 1 AND (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker') = 2"
q -c "SELECT pg_cancel_backend(pid) FROM hamilton.runs WHERE inputs->>'tag' = '$tag'" >/dev/null
wait_for "SELECT status = 'failed' FROM hamilton.runs WHERE inputs->>'tag' = '$tag'"
wait "${pids[-1]}" || true
grep -q "canceling statement due to user request" "$work/$tag.out" || fail "cancel: $(cat "$work/$tag.out")"
wait_for "SELECT (SELECT count(*) FROM hamilton.staging) + (SELECT count(*) FROM pg_class WHERE relnamespace = 't'::regnamespace AND relname LIKE 'pg\_temp\_%') = 0"
[ -z "$(worker_pids)" ] || fail "cancel: a worker still runs"
old_rows "cancel"
echo "a cancel of the caller: the run failed, its workers stopped, old rows, no staging heap"

# --- the caller's session terminated -------------------------------------------
q -c "UPDATE t.pace SET secs = 0.05" >/dev/null     # 10 s per slow step
tag=caller_gone
run_bg "$tag"
wait_for "SELECT (SELECT count(*) FROM hamilton.staging) = 1 AND (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker') = 2"
q -c "SELECT pg_terminate_backend(pid) FROM hamilton.runs WHERE inputs->>'tag' = '$tag'" >/dev/null
wait_for "SELECT status = 'abandoned' FROM hamilton.runs WHERE inputs->>'tag' = '$tag'"
# the workers finish their steps, see that the run's session is gone, and keep nothing
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker'"
[ "$(staging)" = 2 ] || fail "caller gone: only t.quick's heap (committed before) should be left, found $(staging)"
q -c "SET hamilton.worker_min_ms = 0" -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.quick'], workers => 2)" >/dev/null
[ "$(staging)" = 0 ] || fail "caller gone: the next run left $(staging)"
q -c "DELETE FROM t.src WHERE x > 100" -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.quick'])" \
  -c "INSERT INTO t.src SELECT generate_series(101, 200)" >/dev/null
old_rows "caller gone"
echo "the caller's session terminated: the run abandoned, its workers kept nothing they had not committed before"

# --- exhausted worker slots, and the cap --------------------------------------
q -c "UPDATE t.pace SET secs = 0.03" >/dev/null     # 3 s per slow step
q -c "SELECT hamilton_define('t.slow3', 'SELECT min(x) AS m FROM t.src WHERE t.pace() IS NOT NULL', materialize => 'table')" >/dev/null
q -c "UPDATE t.pace SET secs = 0" -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.slow3'])" -c "UPDATE t.pace SET secs = 0.05" >/dev/null
SLOW="ARRAY['t.slow', 't.slow2', 't.slow3']"
# the background workers that take slots of max_worker_processes now
slots_taken="SELECT count(*) FROM pg_stat_activity WHERE backend_type IN ('pg_hamilton step worker', 'logical replication launcher')"
for limit in slots cap; do
    if [ $limit = slots ]; then
        q -c "ALTER SYSTEM SET max_worker_processes = 3" >/dev/null
    else
        q -c "LOAD 'hamilton'" -c "ALTER SYSTEM RESET max_worker_processes" -c "ALTER SYSTEM SET hamilton.max_cluster_workers = 2" >/dev/null
    fi
    as_pg pg_ctl -D "$data" -l "$work/server.log" -w restart >/dev/null
    tag="busy_$limit"
    run_bg "$tag" "$SLOW"   # its workers take every slot (or the whole cap)
    if [ $limit = slots ]; then
        wait_for "SELECT ($slots_taken) = 3"
    else
        wait_for "SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker'"
    fi
    out=$(q -c "SET hamilton.worker_min_ms = 0" \
            -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.quick'], inputs => '{\"tag\": \"second_$limit\"}', workers => 2)" 2>&1)
    case $limit in
        slots) echo "$out" | grep -q "no background worker slot was free" || fail "no slot: $out" ;;
        cap) echo "$out" | grep -q "hamilton.max_cluster_workers (2) step workers already run" || fail "cap: $out" ;;
    esac
    echo "$out" | grep -q "runs in the calling backend" || fail "$limit: no NOTICE: $out"
    [ "$(q -c "SELECT n FROM t.quick")" = 200 ] || fail "$limit: the serial step's result"
    [ "$(q -c "SELECT worker_pid IS NULL FROM hamilton.node_runs nr JOIN hamilton.runs r USING (run_id) WHERE r.inputs->>'tag' = 'second_$limit'")" = t ] \
        || fail "$limit: the step did not run in the caller"
    wait "${pids[-1]}" || fail "$limit: the first run failed: $(cat "$work/$tag.out")"
    [ "$(status_of "$tag")" = succeeded ] || fail "$limit: the first run is $(status_of "$tag")"
    echo "$limit exhausted: the second run did its step in the caller, with a NOTICE saying why"
done
# the cap of 1: a run never has more than one worker at once
q -c "LOAD 'hamilton'" -c "ALTER SYSTEM SET hamilton.max_cluster_workers = 1" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
run_bg capped "$SLOW"
most=0
while kill -0 "${pids[-1]}" 2>/dev/null; do
    n=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker'")
    [ "$n" -gt "$most" ] && most=$n
    sleep 0.1
done
[ "$most" = 1 ] || fail "cap 1: $most workers ran at once"
[ "$(status_of capped)" = succeeded ] || fail "cap 1: the run is $(status_of capped)"
[ "$(q -c "SELECT count(worker_pid) FROM hamilton.node_runs nr JOIN hamilton.runs r USING (run_id) WHERE r.inputs->>'tag' = 'capped'")" = 3 ] \
    || fail "cap 1: not every step ran on the one worker"
echo "hamilton.max_cluster_workers = 1: the run's three steps ran on one worker at a time"
