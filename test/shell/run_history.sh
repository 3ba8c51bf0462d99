#!/usr/bin/env bash
# Every run leaves a row in hamilton.runs, whatever becomes of it, with the
# status that says what became of it:
#   - running while its session lives, also while it waits for another run's
#     lock;
#   - failed when it is cancelled or times out waiting for that lock
#     (statement_timeout, lock_timeout, pg_cancel_backend);
#   - rolled back when it succeeded and its transaction then aborted (here:
#     its session, idle in that transaction, is terminated);
#   - abandoned when its session died while it ran: pg_terminate_backend, a
#     backend killed with kill -9 (the server restarts), pg_ctl stop -m
#     immediate.
# The last two restart the server: this test runs a cluster of its own, in
# a temporary directory, reached over its own Unix socket only.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

FAIL_RUN_COLUMNS='run_id, status, inputs, pid, error'
. scripts/own_cluster.sh

own_cluster_init
start

q >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE SCHEMA t;
-- a run that takes secs seconds, and a quick one that writes t.shared
CREATE FUNCTION t.slow(tag text, secs float8) RETURNS TABLE (tag text) LANGUAGE sql
    AS $$ SELECT tag FROM pg_sleep(secs) $$;
CREATE FUNCTION t.shared(tag text) RETURNS TABLE (tag text) LANGUAGE sql AS $$ SELECT tag $$;
SELECT hamilton_register('t');
-- a chain of 2000 trivial steps, for cancels that land anywhere in a run
CREATE SCHEMA c;
CREATE FUNCTION c.n1(tag text) RETURNS int LANGUAGE sql RETURN length(tag);
DO $$ BEGIN
    FOR i IN 2..2000 LOOP
        EXECUTE format('CREATE FUNCTION c.n%s(n%s int) RETURNS int LANGUAGE sql RETURN n%s + 1', i, i - 1, i - 1);
    END LOOP;
END $$;
SELECT hamilton_register('c');
SQL

# run OUTPUT TAG [SECS] [SETTING]: starts a run in the background, in a
# session of its own, its inputs tagged; its output and errors go to
# $work/TAG.out.
run() {
    local output=$1 tag=$2 secs=${3:-} setting=${4:-"SELECT 1"}
    psql -X -q -At -c "$setting" \
        -c "SELECT count(*) FROM hamilton_execute(ARRAY['$output'], inputs => '{\"tag\": \"$tag\"${secs:+, \"secs\": $secs}}')" \
        >"$work/$tag.out" 2>&1 &
    pids+=($!)
}
# wait_for SQL: polls (at most 30 s) until the query returns t.
. test/shell/lib/crash_helpers.sh   # wait_for
status_of() { q -c "SELECT string_agg(status, ',') FROM hamilton.runs WHERE inputs->>'tag' = '$1'"; }
pid_of() { q -c "SELECT pid FROM hamilton.runs WHERE inputs->>'tag' = '$1' AND status = 'running'"; }
# waiting TAG: the run is recorded as running and its session waits for a lock.
waiting() {
    wait_for "SELECT EXISTS (SELECT 1 FROM hamilton.runs r JOIN pg_stat_activity a USING (pid)
                             WHERE r.inputs->>'tag' = '$1' AND r.status = 'running' AND a.wait_event_type = 'Lock')"
}

# --- a run holds t.shared's lock in an open transaction ---------------------
psql -X -q -At -c "BEGIN" \
    -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.shared'], inputs => '{\"tag\": \"holder\"}')" \
    -c "SELECT pg_sleep(300)" >"$work/holder.out" 2>&1 &
pids+=($!)
wait_for "SELECT status = 'running' FROM hamilton.runs WHERE inputs->>'tag' = 'holder'"

# Runs that wait for it, cancelled or timed out, fail, and say so.
run t.shared stmt_timeout "" "SET statement_timeout = '2s'"
waiting stmt_timeout
wait_for "SELECT status = 'failed' FROM hamilton.runs WHERE inputs->>'tag' = 'stmt_timeout'"
[ "$(q -c "SELECT error FROM hamilton.runs WHERE inputs->>'tag' = 'stmt_timeout'")" = \
  "canceling statement due to statement timeout" ] || fail "statement_timeout: $(cat "$work/stmt_timeout.out")"
grep -q "DETAIL:  Run [0-9]* was waiting for the locks of its results, which another run holds; nothing ran." \
    "$work/stmt_timeout.out" || fail "no detail: $(cat "$work/stmt_timeout.out")"
[ "$(q -c "SELECT string_agg(n.status, ',' ORDER BY n.step) FROM hamilton.node_runs n JOIN hamilton.runs r USING (run_id)
           WHERE r.inputs->>'tag' = 'stmt_timeout'")" = "not run,not run" ] \
    || fail "the steps of a run that never got its locks: $(q -c "SELECT * FROM hamilton.node_runs")"

run t.shared lock_timeout "" "SET lock_timeout = '2s'"
waiting lock_timeout
wait_for "SELECT status = 'failed' FROM hamilton.runs WHERE inputs->>'tag' = 'lock_timeout'"
[ "$(q -c "SELECT error FROM hamilton.runs WHERE inputs->>'tag' = 'lock_timeout'")" = \
  "canceling statement due to lock timeout" ] || fail "lock_timeout: $(cat "$work/lock_timeout.out")"

run t.shared cancelled
waiting cancelled
[ "$(q -c "SELECT pg_cancel_backend($(pid_of cancelled))")" = t ] || fail "pg_cancel_backend"
wait_for "SELECT status = 'failed' FROM hamilton.runs WHERE inputs->>'tag' = 'cancelled'"
[ "$(q -c "SELECT error FROM hamilton.runs WHERE inputs->>'tag' = 'cancelled'")" = \
  "canceling statement due to user request" ] || fail "pg_cancel_backend: $(cat "$work/cancelled.out")"

# A run terminated while it waits is abandoned.
run t.shared terminated_waiting
waiting terminated_waiting
[ "$(q -c "SELECT pg_terminate_backend($(pid_of terminated_waiting), 10000)")" = t ] || fail "pg_terminate_backend"
wait_for "SELECT status = 'abandoned' FROM hamilton.runs WHERE inputs->>'tag' = 'terminated_waiting'"

# OpenLineage sees a run that runs as started, nothing more.
[ "$(q -c "SELECT string_agg(e->>'eventType', ',') FROM hamilton.runs r, hamilton_openlineage(r.run_id) e
           WHERE r.inputs->>'tag' = 'holder'")" = START ] || fail "OpenLineage events of a running run"

# The holder succeeded; terminated while idle in its transaction, its run is
# rolled back with it, and stays in the history as such.
[ "$(status_of holder)" = running ] || fail "the holder is $(status_of holder)"
[ "$(q -c "SELECT pg_terminate_backend($(pid_of holder), 10000)")" = t ] || fail "pg_terminate_backend holder"
wait_for "SELECT status = 'rolled back' FROM hamilton.runs WHERE inputs->>'tag' = 'holder'"
[ "$(q -c "SELECT string_agg(n.status, ',' ORDER BY n.step) FROM hamilton.node_runs n JOIN hamilton.runs r USING (run_id)
           WHERE r.inputs->>'tag' = 'holder'")" = "input,rolled back" ] \
    || fail "the holder's steps: $(q -c "SELECT * FROM hamilton.node_runs n JOIN hamilton.runs r USING (run_id) WHERE r.inputs->>'tag' = 'holder'")"
[ "$(q -c "SELECT to_regclass('t.shared') IS NULL")" = t ] || fail "the rolled-back run's result is there"

# --- sessions that die while their run runs ---------------------------------
run t.slow terminated 60
wait_for "SELECT status = 'running' FROM hamilton.runs WHERE inputs->>'tag' = 'terminated'"
[ "$(q -c "SELECT pg_terminate_backend($(pid_of terminated), 10000)")" = t ] || fail "pg_terminate_backend"
wait_for "SELECT status = 'abandoned' FROM hamilton.runs WHERE inputs->>'tag' = 'terminated'"

# kill -9: the postmaster restarts every backend and recovers.
run t.slow killed 60
wait_for "SELECT status = 'running' FROM hamilton.runs WHERE inputs->>'tag' = 'killed'"
kill -9 "$(pid_of killed)"
# The server restarts every backend and recovers; a query may still reach it
# before it notices the death, or while it recovers: wait for the outcome
# (wait_for polls through refused connections, and fails after 30 s).
wait_for "SELECT status = 'abandoned' FROM hamilton.runs WHERE inputs->>'tag' = 'killed'"
[ "$(status_of killed)" = abandoned ] || fail "after kill -9 the run is $(status_of killed)"
[ "$(q -c "SELECT string_agg(e->>'eventType', ',') FROM hamilton.runs r, hamilton_openlineage(r.run_id) e
           WHERE r.inputs->>'tag' = 'killed'")" = START,ABORT ] || fail "OpenLineage events of an abandoned run"

# pg_ctl stop -m immediate, then a start: the run's session is gone.
run t.slow immediate 60
wait_for "SELECT status = 'running' FROM hamilton.runs WHERE inputs->>'tag' = 'immediate'"
as_pg pg_ctl -D "$data" -m immediate -w stop >/dev/null
start
[ "$(status_of immediate)" = abandoned ] || fail "after an immediate stop the run is $(status_of immediate)"

# A cancel fails the run wherever it lands: in a step, in the notices that
# report the steps (hamilton.progress), between steps, at the end.
for i in $(seq 12); do
    run c.n2000 "chain$i" "" "SET hamilton.progress = on"
    # its start (or, on a loaded machine, already its end) is in the history
    wait_for "SELECT EXISTS (SELECT 1 FROM hamilton.runs WHERE inputs->>'tag' = 'chain$i')"
    sleep "0.0$((i % 10))"
    q -c "SELECT pg_cancel_backend(pid) FROM hamilton.runs WHERE inputs->>'tag' = 'chain$i' AND status = 'running'" >/dev/null
    wait_for "SELECT status <> 'running' FROM hamilton.runs WHERE inputs->>'tag' = 'chain$i'"
    case "$(status_of "chain$i")" in
        # succeeded: it ended before the cancel came; rolled back: the cancel
        # came after hamilton_execute had returned, and aborted the statement
        # (and its transaction) around a run that had succeeded
        failed|succeeded|"rolled back") ;;
        *) fail "a run cancelled after 0.0$((i % 10)) s is $(status_of "chain$i"): $(cat "$work/chain$i.out")" ;;
    esac
done
# A chain may end before the recorder has written its start (batched
# scalar steps make it quick): let every recorder finish, so that no start
# arrives after its run's row is deleted, then forget the chains.
wait_for "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_hamilton recorder')"
q -c "DELETE FROM hamilton.run WHERE inputs->>'tag' LIKE 'chain%'" >/dev/null
q -c "DELETE FROM hamilton.run_start WHERE inputs->>'tag' LIKE 'chain%'" >/dev/null

# Each run is in the history once; a run that ended normally reads succeeded.
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.shared'], inputs => '{\"tag\": \"plain\"}')" >/dev/null
[ "$(status_of plain)" = succeeded ] || fail "a plain run is $(status_of plain)"
[ "$(q -c "SELECT count(*) = count(DISTINCT run_id) FROM hamilton.runs")" = t ] || fail "a run is listed twice"
[ "$(q -c "SELECT string_agg(inputs->>'tag' || '=' || status, ' ' ORDER BY run_id) FROM hamilton.runs")" = \
  "holder=rolled back stmt_timeout=failed lock_timeout=failed cancelled=failed terminated_waiting=abandoned terminated=abandoned killed=abandoned immediate=abandoned plain=succeeded" ] \
    || fail "the history: $(q -c "SELECT string_agg(inputs->>'tag' || '=' || status, ' ' ORDER BY run_id) FROM hamilton.runs")"
# The starts of runs that ended are deleted by the recorder as it goes: once
# the last run's start is written, at most that one is left.
wait_for "SELECT count(*) <= 1 FROM hamilton.run_start s JOIN hamilton.run r USING (run_id)"
! grep -q "could not record" "$work/server.log" || fail "a record was lost: $(grep "could not record" "$work/server.log")"

# Without a free background worker slot, a run says that its start is not
# recorded, and runs: its end still is.
as_pg pg_ctl -D "$data" -m fast -w stop >/dev/null
echo "max_worker_processes = 0" >>"$data/postgresql.conf"
start
out=$(psql -X -q -At -v ON_ERROR_STOP=1 \
      -c "SELECT count(*) FROM hamilton_execute(ARRAY['t.shared'], inputs => '{\"tag\": \"no_slot\"}')" 2>&1) \
    || fail "a run without a worker slot: $out"
grep -q "WARNING:  could not record the start of run [0-9]* in hamilton.runs" <<<"$out" || fail "no warning: $out"
grep -q "DETAIL:  No background worker slot was free." <<<"$out" || fail "no detail: $out"
grep -q "HINT:  Raise max_worker_processes." <<<"$out" || fail "no hint: $out"
[ "$(status_of no_slot)" = succeeded ] || fail "the run without a worker slot is $(status_of no_slot)"

echo "every run left its row: running, failed (cancelled, timed out), rolled back, abandoned (terminated, kill -9, immediate stop)"
