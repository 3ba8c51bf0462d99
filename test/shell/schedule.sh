#!/usr/bin/env bash
# Scheduling through pg_cron, end to end, in database hamilton_cron of the
# running cluster (cron.database_name, the only database where pg_cron can be
# created): jobs made by hamilton_schedule really run hamilton_execute, as the
# role that scheduled them; hamilton.schedules links each job to the runs it
# produced (succeeded or failed); rescheduling a job name changes the job;
# hamilton_unschedule removes it; DROP EXTENSION hamilton removes the jobs it
# made, and nothing else does; every error says why.  Everything the test
# makes is removed afterwards, so it can run again.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

db=hamilton_cron
role=regress_hamilton_cron_user
admin=regress_hamilton_cron_admin
q() { psql -X -q -At -d $db -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

made_cron=$(q -c "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron')")
made_hamilton=$(q -c "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'hamilton')")

cleanup() {
    psql -X -q -d $db >/dev/null 2>&1 <<SQL || true
SET client_min_messages = warning;
DELETE FROM cron.job_run_details d USING cron.job j WHERE d.jobid = j.jobid AND j.jobname LIKE 'hamilton_test_%';
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'hamilton_test_%';
DELETE FROM hamilton.schedule WHERE job LIKE 'hamilton_test_%';
SELECT hamilton_drop(node) FROM hamilton.nodes WHERE module IN ('cron_t', 'cron_u') AND language = 'sql';
SELECT hamilton_unregister(module::regnamespace) FROM hamilton.modules WHERE module IN ('cron_t', 'hamilton_test_early');
DROP SCHEMA IF EXISTS cron_t CASCADE;
DROP SCHEMA IF EXISTS hamilton_test_early CASCADE;
DROP SCHEMA IF EXISTS cron_u CASCADE;
DROP OWNED BY $role;
DROP ROLE IF EXISTS $role;
ALTER ROLE $admin SUPERUSER;
DO \$\$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner
               WHERE e.extname = 'hamilton' AND r.rolname = '$admin') THEN
        DROP EXTENSION hamilton CASCADE;
        CREATE EXTENSION hamilton;
    END IF;
END \$\$;
DROP OWNED BY $admin;
DROP ROLE IF EXISTS $admin;
SQL
    if [ "${made_hamilton:-f}" = t ]; then q -c "DROP EXTENSION IF EXISTS hamilton CASCADE" >/dev/null 2>&1 || true; fi
    if [ "${made_cron:-f}" = t ]; then q -c "DROP EXTENSION IF EXISTS pg_cron" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
q -c "CREATE EXTENSION IF NOT EXISTS hamilton" >/dev/null
if [ "$made_cron" = t ]; then
    # pg_cron is preloaded for this database but not created in it yet
    out=$(psql -X -d $db -v VERBOSITY=verbose -c "CREATE SCHEMA hamilton_test_early" \
          -c "CREATE FUNCTION hamilton_test_early.one() RETURNS int LANGUAGE sql RETURN 1" \
          -c "SELECT hamilton_register('hamilton_test_early')" \
          -c "SELECT hamilton_schedule('hamilton_test_early', '0 3 * * *', ARRAY['hamilton_test_early.one'])" 2>&1 || true)
    q -c "SELECT hamilton_unregister('hamilton_test_early')" -c "DROP SCHEMA hamilton_test_early CASCADE" >/dev/null 2>&1
    grep -q "ERROR:  0A000: scheduling needs the pg_cron extension in this database" <<<"$out" || fail "no pg_cron error: $out"
    grep -q "DETAIL:  pg_cron is loaded for this database, but the extension is not created in it." <<<"$out" || fail "$out"
    grep -q "HINT:  Run CREATE EXTENSION pg_cron; in this database" <<<"$out" || fail "$out"
fi
q -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null
# what an earlier, interrupted run may have left
made_cron_saved=$made_cron; made_hamilton_saved=$made_hamilton; made_cron=f; made_hamilton=f
cleanup
made_cron=$made_cron_saved; made_hamilton=$made_hamilton_saved
schema=$(q -c "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'hamilton'")

# expect_error SQLSTATE TEXT [psql args...]: the statement fails with that
# SQLSTATE, its message or detail contains TEXT, and it has a hint.
expect_error() {
    local state=$1 text=$2 out
    shift 2
    if out=$(psql -X -d $db -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@" 2>&1); then
        fail "expected error $state ($text), but it succeeded: $*"
    fi
    grep -q "ERROR:  $state:" <<<"$out" || fail "expected SQLSTATE $state, got: $out"
    grep -qF -- "$text" <<<"$out" || fail "expected '$text' in: $out"
    grep -q "^HINT:" <<<"$out" || fail "no hint in: $out"
}

# The dataflow: a SQL node reading a source table and an input, and a scalar
# that fails when its input is 0.
q >/dev/null <<SQL
CREATE ROLE $role LOGIN;
CREATE SCHEMA cron_t;
CREATE TABLE cron_t.events (x int);
INSERT INTO cron_t.events VALUES (1), (2), (3);
CREATE FUNCTION cron_t.ratio(divisor int) RETURNS numeric LANGUAGE sql RETURN 1.0 / divisor;
SELECT hamilton_register('cron_t');
SELECT hamilton_define('cron_t.tally', 'SELECT count(*) AS n, sum(x) * min(factor) AS total FROM cron_t.events, factor');
GRANT USAGE ON SCHEMA cron_t TO $role;
GRANT SELECT ON cron_t.events TO $role;
CREATE SCHEMA cron_u AUTHORIZATION $role;
SET ROLE $role;
SELECT hamilton_define('cron_u.mine', 'SELECT count(*) AS n FROM cron_t.events');
RESET ROLE;
SQL

# pg_cron 1.5 and later run jobs every few seconds; older ones every minute.
if q -c "SELECT cron.schedule('hamilton_test_probe', '2 seconds', 'SELECT 1')" >/dev/null 2>&1; then
    every='2 seconds'; patience=30
else
    every='* * * * *'; patience=90
fi
q -c "SELECT cron.unschedule('hamilton_test_probe')" >/dev/null 2>&1 || true

# --- errors ------------------------------------------------------------------
expect_error 22023 'invalid schedule: every tuesday' \
    -c "SELECT hamilton_schedule('hamilton_test_tally', 'every tuesday', ARRAY['cron_t.tally'], '{\"factor\": 3}')"
expect_error 42P02 'cannot schedule job "hamilton_test_tally": missing input: factor' \
    -c "SELECT hamilton_schedule('hamilton_test_tally', '$every', ARRAY['cron_t.tally'])"
expect_error 42704 'unknown output "cron_t.tallly"' \
    -c "SELECT hamilton_schedule('hamilton_test_tally', '$every', ARRAY['cron_t.tallly'], '{\"factor\": 3}')"
# a pg_cron job that hamilton_schedule did not make is neither replaced nor removed
q -c "SELECT cron.schedule('hamilton_test_foreign', '0 3 * * *', 'SELECT 1')" >/dev/null
expect_error 42710 'pg_cron job "hamilton_test_foreign" exists and was not made by hamilton_schedule' \
    -c "SELECT hamilton_schedule('hamilton_test_foreign', '$every', ARRAY['cron_t.tally'], '{\"factor\": 3}')"
expect_error 42809 'pg_cron job "hamilton_test_foreign" was not made by hamilton_schedule' \
    -c "SELECT hamilton_unschedule('hamilton_test_foreign')"
[ "$(q -c "SELECT command FROM cron.job WHERE jobname = 'hamilton_test_foreign'")" = "SELECT 1" ] \
    || fail "the foreign pg_cron job was changed"
q -c "SELECT cron.unschedule('hamilton_test_foreign')" >/dev/null
expect_error 42704 'no schedule named "hamilton_test_nothing"' -c "SELECT hamilton_unschedule('hamilton_test_nothing')"
# a role without USAGE on schema cron is told how to get it
expect_error 42501 "GRANT USAGE ON SCHEMA cron TO $role" \
    -c "SET ROLE $role" -c "SELECT hamilton_schedule('hamilton_test_mine', '$every', ARRAY['cron_u.mine'])"
[ "$(q -c "SELECT count(*) FROM hamilton.schedule") $(q -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'hamilton_test_%'")" = "0 0" ] \
    || fail "a refused schedule left a record or a job"

# --- scheduling --------------------------------------------------------------
q -c "GRANT USAGE ON SCHEMA cron TO $role" >/dev/null
tally=$(q -c "SELECT hamilton_schedule('hamilton_test_tally', '$every', ARRAY['cron_t.tally'], '{\"factor\": 3}')")
ratio=$(q -c "SELECT hamilton_schedule('hamilton_test_ratio', '$every', ARRAY['cron_t.ratio'], '{\"divisor\": 0}')")
mine=$(psql -X -q -At -d $db -v ON_ERROR_STOP=1 -c "SET ROLE $role" \
    -c "SELECT hamilton_schedule('hamilton_test_mine', '$every', ARRAY['cron_u.mine'])")
[ -n "$tally" ] && [ -n "$ratio" ] && [ -n "$mine" ] || fail "hamilton_schedule returned no job id"
# the job runs hamilton_execute, its arguments quoted, as the scheduling role
expected="SELECT count(*) FROM $schema.hamilton_execute('{cron_t.tally}'::text[], '{\"factor\": 3}'::jsonb, '{}'::jsonb, '{}'::jsonb)"
[ "$(q -c "SELECT command FROM cron.job WHERE jobid = $tally")" = "$expected" ] \
    || fail "unexpected command: $(q -c "SELECT command FROM cron.job WHERE jobid = $tally")"
[ "$(q -c "SELECT username FROM cron.job WHERE jobid = $mine")" = "$role" ] || fail "the role's job does not run as the role"
[ "$(q -c "SELECT string_agg(job || ':' || jobid || ':' || schedule, ' ' ORDER BY job) FROM hamilton.schedules")" \
  = "hamilton_test_mine:$mine:$every hamilton_test_ratio:$ratio:$every hamilton_test_tally:$tally:$every" ] \
    || fail "hamilton.schedules: $(q -c "TABLE hamilton.schedules")"

# wait_for SQL: polls (bounded) until the query returns t
wait_for() {
    local i
    for ((i = 0; i < patience; i++)); do
        [ "$(q -c "$1")" = t ] && return 0
        sleep 1
    done
    echo "gave up after $patience s waiting for: $1" >&2
    q -x -c "SELECT * FROM hamilton.schedules" -c "SELECT * FROM cron.job_run_details ORDER BY runid DESC LIMIT 6" \
      -c "SELECT run_id, status, outputs, inputs, run_by, started_at, error FROM hamilton.runs ORDER BY run_id DESC LIMIT 6" >&2
    exit 1
}
wait_for "SELECT count(*) = 3 FROM hamilton.schedules WHERE last_run_id IS NOT NULL AND job LIKE 'hamilton_test_%'"

# Each job's runs, as hamilton.schedules links them.
[ "$(q -c "SELECT last_run_status || ' ' || last_cron_status FROM hamilton.schedules WHERE job = 'hamilton_test_tally'")" = "succeeded succeeded" ] \
    || fail "tally: $(q -x -c "SELECT * FROM hamilton.schedules WHERE job = 'hamilton_test_tally'")"
[ "$(q -c "SELECT r.run_by || ' ' || r.outputs::text || ' ' || r.inputs::text FROM hamilton.schedules s JOIN hamilton.runs r ON r.run_id = s.last_run_id WHERE s.job = 'hamilton_test_tally'")" \
  = "$PGUSER {cron_t.tally} {\"factor\": 3}" ] || fail "the tally run is not the job's"
[ "$(q -c "TABLE cron_t.tally")" = "3|18" ] || fail "cron_t.tally holds $(q -c "TABLE cron_t.tally")"
[ "$(q -c "SELECT last_run_status || ' ' || last_run_error FROM hamilton.schedules WHERE job = 'hamilton_test_ratio'")" = "failed division by zero" ] \
    || fail "ratio: $(q -x -c "SELECT * FROM hamilton.schedules WHERE job = 'hamilton_test_ratio'")"
wait_for "SELECT last_cron_status = 'failed' FROM hamilton.schedules WHERE job = 'hamilton_test_ratio'"
[ "$(q -c "SELECT r.run_by FROM hamilton.schedules s JOIN hamilton.runs r ON r.run_id = s.last_run_id WHERE s.job = 'hamilton_test_mine'")" = "$role" ] \
    || fail "the role's job did not run as the role"
[ "$(q -c "SELECT tableowner FROM pg_tables WHERE schemaname = 'cron_u' AND tablename = 'mine'")" = "$role" ] \
    || fail "cron_u.mine was not made by the role"
# the role sees its own schedule, its job and its runs, and no one else's
[ "$(psql -X -q -At -d $db -c "SET ROLE $role" -c "SELECT string_agg(job || ' ' || job_exists || ' ' || last_run_status, ',') FROM hamilton.schedules")" \
  = "hamilton_test_mine true succeeded" ] || fail "what the role sees: $(psql -X -d $db -c "SET ROLE $role" -c "TABLE hamilton.schedules")"
# and it cannot remove another role's job
expect_error 42704 'no schedule named "hamilton_test_tally"' -c "SET ROLE $role" -c "SELECT hamilton_unschedule('hamilton_test_tally')"

# --- rescheduling: the same name changes the job -----------------------------
first=$(q -c "SELECT last_run_id FROM hamilton.schedules WHERE job = 'hamilton_test_tally'")
again=$(q -c "SELECT hamilton_schedule('hamilton_test_tally', '$every', ARRAY['cron_t.tally'], '{\"factor\": 5}')")
[ "$again" = "$tally" ] || fail "rescheduling made job $again instead of changing job $tally"
[ "$(q -c "SELECT count(*) FROM cron.job WHERE jobname = 'hamilton_test_tally'")" = 1 ] || fail "two jobs of one name"
q -c "SELECT command FROM cron.job WHERE jobid = $tally" | grep -qF '{"factor": 5}' || fail "the job's command was not changed"
[ "$(q -c "SELECT inputs FROM hamilton.schedules WHERE job = 'hamilton_test_tally'")" = '{"factor": 5}' ] || fail "the record was not changed"
wait_for "SELECT last_run_id > $first AND last_run_status = 'succeeded' FROM hamilton.schedules WHERE job = 'hamilton_test_tally'"
[ "$(q -c "TABLE cron_t.tally")" = "3|30" ] || fail "after rescheduling cron_t.tally holds $(q -c "TABLE cron_t.tally")"

# --- unscheduling ------------------------------------------------------------
[ "$(q -c "SELECT hamilton_unschedule('hamilton_test_tally')")" = t ] || fail "unschedule tally"
[ "$(q -c "SELECT hamilton_unschedule('hamilton_test_ratio')")" = t ] || fail "unschedule ratio"
[ "$(psql -X -q -At -d $db -c "SET ROLE $role" -c "SELECT hamilton_unschedule('hamilton_test_mine')")" = t ] || fail "unschedule mine"
[ "$(q -c "SELECT count(*) FROM cron.job WHERE jobid IN ($tally, $ratio, $mine)")" = 0 ] || fail "jobs are left in cron.job"
[ "$(q -c "SELECT count(*) FROM hamilton.schedules WHERE job LIKE 'hamilton_test_%'")" = 0 ] || fail "schedules are left"
expect_error 42704 'no schedule named "hamilton_test_tally"' -c "SELECT hamilton_unschedule('hamilton_test_tally')"
# a job removed behind hamilton's back: unscheduling forgets it and says so
q -c "SELECT hamilton_schedule('hamilton_test_tally', '0 3 * * *', ARRAY['cron_t.tally'], '{\"factor\": 3}')" >/dev/null
q -c "SELECT cron.unschedule('hamilton_test_tally')" >/dev/null
[ "$(q -c "SELECT job_exists FROM hamilton.schedules WHERE job = 'hamilton_test_tally'")" = f ] || fail "job_exists should be false"
[ "$(q -c "SELECT hamilton_unschedule('hamilton_test_tally')")" = f ] || fail "unscheduling a vanished job should return false"

# --- DROP EXTENSION takes its jobs with it -----------------------------------
# Left behind, pg_cron's jobs would fail at every tick.  A command that drops
# something else, or a drop that rolls back, leaves them; DROP EXTENSION
# hamilton removes each (a role's too) and says so.
q -c "SELECT hamilton_schedule('hamilton_test_tally', '0 3 * * *', ARRAY['cron_t.tally'], '{\"factor\": 3}')" >/dev/null
psql -X -q -At -d $db -v ON_ERROR_STOP=1 -c "SET ROLE $role" \
    -c "SELECT hamilton_schedule('hamilton_test_mine', '0 3 * * *', ARRAY['cron_u.mine'])" >/dev/null
jobs() { q -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'hamilton_test_%'"; }
[ "$(jobs)" = 2 ] || fail "expected 2 jobs, found $(jobs)"
q -c "CREATE SCHEMA hamilton_test_early" -c "DROP SCHEMA hamilton_test_early CASCADE" >/dev/null
if q -c "SELECT 1 FROM pg_available_extensions WHERE name = 'citext'" | grep -q 1 \
   && [ "$(q -c "SELECT count(*) FROM pg_extension WHERE extname = 'citext'")" = 0 ]; then
    q -c "CREATE EXTENSION citext" -c "DROP EXTENSION citext" >/dev/null
fi
[ "$(jobs)" = 2 ] || fail "dropping something else removed jobs"
q -c "BEGIN" -c "DROP EXTENSION hamilton" -c "ROLLBACK" >/dev/null 2>&1
[ "$(jobs)" = 2 ] || fail "a drop that rolled back removed jobs"
out=$(psql -X -d $db -v ON_ERROR_STOP=1 -c "DROP EXTENSION hamilton" 2>&1) || fail "DROP EXTENSION hamilton: $out"
[ "$(jobs)" = 0 ] || fail "DROP EXTENSION hamilton left jobs behind: $(q -c "SELECT jobname, command FROM cron.job")"
grep -q "NOTICE:  removed pg_cron job [0-9]* (job \"hamilton_test_tally\" of role $PGUSER) made by hamilton_schedule" <<<"$out" \
    || fail "no notice for the tally job: $out"
grep -q "NOTICE:  removed pg_cron job [0-9]* (job \"hamilton_test_mine\" of role $role) made by hamilton_schedule" <<<"$out" \
    || fail "no notice for the role's job: $out"
# A job pg_cron will not let the dropping role remove stops the drop, which
# says how to remove it: here the extension's owner is a superuser no more,
# and the job is another role's.
q >/dev/null <<SQL
CREATE ROLE $admin SUPERUSER;
GRANT USAGE ON SCHEMA cron TO $admin;
SET ROLE $admin;
CREATE EXTENSION hamilton;
SET ROLE $role;
SELECT hamilton_define('cron_u.again', 'SELECT count(*) AS n FROM cron_t.events');
SELECT hamilton_schedule('hamilton_test_again', '0 3 * * *', ARRAY['cron_u.again']);
RESET ROLE;
ALTER ROLE $admin NOSUPERUSER;
SQL
expect_error 2BP01 "(job \"hamilton_test_again\" of role $role) cannot be removed" \
    -c "SET ROLE $admin" -c "DROP EXTENSION hamilton"
[ "$(jobs)" = 1 ] || fail "a refused drop removed jobs: $(jobs) left"
q -c "ALTER ROLE $admin SUPERUSER" >/dev/null
psql -X -q -d $db -v ON_ERROR_STOP=1 -c "SET ROLE $admin" -c "DROP EXTENSION hamilton" >/dev/null 2>&1 \
    || fail "the owner, superuser again, could not drop the extension"
[ "$(jobs)" = 0 ] || fail "jobs left: $(jobs)"

# the extension comes back for the cleanup, and for whoever had it here
q -c "CREATE EXTENSION hamilton" >/dev/null

echo "pg_cron ran the jobs every '$every'; hamilton.schedules linked their runs; DROP EXTENSION removed its jobs"
