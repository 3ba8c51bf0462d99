-- hamilton_schedule, hamilton_unschedule and hamilton.schedules in a
-- database without pg_cron (pg_cron lives in database hamilton_cron of the
-- test cluster; test/shell/schedule.sh runs jobs there).  Every error shows
-- its SQLSTATE.  Arguments and the dataflow are checked before pg_cron is
-- looked for.
\set SHOW_CONTEXT never
CREATE SCHEMA sc;
CREATE FUNCTION sc.doubled(sc_n int) RETURNS int LANGUAGE sql RETURN sc_n * 2;
SELECT hamilton_register('sc');

-- Arguments.
SELECT hamilton_schedule(NULL, '0 3 * * *', ARRAY['doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT hamilton_schedule(' ', '0 3 * * *', ARRAY['doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT hamilton_schedule(repeat('j', 64), '0 3 * * *', ARRAY['doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', NULL, ARRAY['doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '', ARRAY['doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', NULL);
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled', NULL]);
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled'], inputs => '[2]');
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled'], '{"sc_n": 2}', config => '"x"');
\echo :SQLSTATE

-- A dataflow that cannot run is refused, with the error hamilton_execute
-- would raise.
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubld'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled']);
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled', 'nothing_like_it']);
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY[]::text[]);
\echo :SQLSTATE
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled'], '{"sc_n": "two"}');
\echo :SQLSTATE

-- A valid dataflow needs pg_cron in this database; the error says why it
-- is not usable here and how to set it up.
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
SELECT count(*) AS schedules FROM hamilton.schedules;
-- A role that may not read pg_cron's settings is told what to ask for.
CREATE ROLE regress_hamilton_cronless;
GRANT USAGE ON SCHEMA sc TO regress_hamilton_cronless;
SET ROLE regress_hamilton_cronless;
SELECT hamilton_schedule('nightly', '0 3 * * *', ARRAY['sc.doubled'], '{"sc_n": 2}');
\echo :SQLSTATE
RESET ROLE;
DROP OWNED BY regress_hamilton_cronless;
DROP ROLE regress_hamilton_cronless;

-- Unscheduling.
SELECT hamilton_unschedule(NULL);
\echo :SQLSTATE
SELECT hamilton_unschedule('');
\echo :SQLSTATE
SELECT hamilton_unschedule('nightly');
\echo :SQLSTATE

-- A schedule restored by pg_restore into a database without pg_cron (the
-- table is dumped with the extension's configuration): the view shows it,
-- with no job, and hamilton_unschedule forgets it, returning false (no
-- pg_cron job was removed).
INSERT INTO hamilton.schedule (job, jobid, schedule, outputs, inputs)
VALUES ('restored', 42, '0 3 * * *', ARRAY['doubled'], '{"sc_n": 2}');
SELECT job, jobid, schedule, active, job_exists, outputs, inputs, overrides, config,
       created_by = current_user AS mine, last_cron_runid, last_cron_status, last_run_id, last_run_status
FROM hamilton.schedules;

-- Each role sees the schedules of the roles it is a member of, writes only
-- its own, and removes only its own.
CREATE ROLE regress_hamilton_scheduler;
SET ROLE regress_hamilton_scheduler;
SELECT count(*) AS visible FROM hamilton.schedules;
SELECT count(*) AS visible FROM hamilton.schedule;
INSERT INTO hamilton.schedule (job, created_by, jobid, schedule, outputs)
VALUES ('sneaky', session_user, 43, '0 3 * * *', ARRAY['doubled']);
\echo :SQLSTATE
WITH changed AS (UPDATE hamilton.schedule SET jobid = 44 WHERE job = 'restored' RETURNING job)
SELECT count(*) AS updated FROM changed;
WITH removed AS (DELETE FROM hamilton.schedule WHERE job = 'restored' RETURNING job)
SELECT count(*) AS deleted FROM removed;
SELECT hamilton_unschedule('restored');
\echo :SQLSTATE
RESET ROLE;
SELECT job, jobid FROM hamilton.schedules;
SELECT hamilton_unschedule('restored') AS removed_a_pg_cron_job;
SELECT count(*) AS schedules FROM hamilton.schedules;
DROP ROLE regress_hamilton_scheduler;

-- Clean up.
SELECT drop_module('sc');
