-- hamilton_execute runs only what the outputs need, in a deterministic order.
CREATE SCHEMA ex;
CREATE TABLE ex.raw (id int, v int);
INSERT INTO ex.raw SELECT i, i * 10 FROM generate_series(1, 5) i;
CREATE FUNCTION ex.scale() RETURNS int LANGUAGE sql RETURN 2;
CREATE FUNCTION ex.boom() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom was run'; END $$;
CREATE FUNCTION ex.unrelated(boom int) RETURNS int LANGUAGE sql RETURN boom;
SELECT hamilton_register('ex');
SELECT hamilton_define('ex.cleaned', 'SELECT id, v FROM ex.raw WHERE v > 10');
SELECT hamilton_define('ex.scaled', 'SELECT id, v * scale AS v FROM cleaned, scale');
SELECT hamilton_define('ex.summary', 'SELECT count(*) AS n, sum(v) AS total FROM scaled');

-- boom and unrelated are outside the closure: never touched.
SELECT node, kind, relation, rows, status FROM hamilton_execute(ARRAY['summary']);
TABLE ex.summary;
-- Only the requested output was materialized.
SELECT tablename FROM pg_tables WHERE schemaname = 'ex' ORDER BY 1;

-- Several outputs; one of them also feeds the other, which then reads the table.
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['ex.summary', 'ex.scaled']);
SELECT * FROM ex.scaled ORDER BY id;

-- Re-executing replaces the result in place: the table keeps its OID, its
-- grants and the views built on it.
CREATE VIEW ex.summary_view AS SELECT n * 100 AS pct FROM ex.summary;
CREATE TEMP TABLE oid_before AS SELECT 'ex.summary'::regclass::oid AS oid;
INSERT INTO ex.raw VALUES (6, 60);
SELECT node, rows, status FROM hamilton_execute(ARRAY['summary']);
SELECT 'ex.summary'::regclass::oid = oid AS same_table FROM oid_before;
TABLE ex.summary_view;

-- When the result's shape changes (the code changed), the table is rebuilt.
DROP VIEW ex.summary_view;
SELECT hamilton_define('ex.summary', 'SELECT count(*) AS n, sum(v) AS total, max(v) AS top FROM scaled');
SELECT node, rows, status FROM hamilton_execute(ARRAY['summary']);
TABLE ex.summary;

-- The order is deterministic: ties are broken by name.
CREATE FUNCTION ex.zeta(scale int) RETURNS int LANGUAGE sql RETURN scale;
CREATE FUNCTION ex.alpha(scale int) RETURNS int LANGUAGE sql RETURN scale;
CREATE FUNCTION ex.mid(zeta int, alpha int) RETURNS int LANGUAGE sql RETURN zeta + alpha;
SELECT node, status FROM hamilton_execute(ARRAY['mid']);

-- hamilton_explain shows the plan, in order, with the SQL each step runs.
SELECT hamilton_explain(ARRAY['summary']);
SELECT hamilton_explain(ARRAY['mid']);

-- With inlining off, every intermediate becomes a temporary table.
SET hamilton.inline_intermediates = off;
SELECT node, status FROM hamilton_execute(ARRAY['summary']);
RESET hamilton.inline_intermediates;
TABLE ex.summary;

-- The run history has a row per run and per step.
SELECT status, outputs FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
SELECT step, node, kind, status FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step;

-- A run inside a transaction that rolls back leaves no result, and stays
-- in the history, rolled back, with its steps: every step that computed
-- something is rolled back.
CREATE TEMP TABLE runs_before AS SELECT count(*) AS n FROM hamilton.runs;
BEGIN;
SELECT count(*) FROM hamilton_execute(ARRAY['summary']);
SELECT status FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
ROLLBACK;
SELECT (SELECT count(*) FROM hamilton.runs) = n + 1 AS recorded_once FROM runs_before;
SELECT status, outputs, finished_at >= started_at AS ended FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
SELECT step, node, kind, status FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step;

-- The same in a subtransaction: the run rolled back with its savepoint is
-- recorded so; the next one, committed, succeeded.
BEGIN;
SAVEPOINT before_run;
SELECT count(*) FROM hamilton_execute(ARRAY['summary']);
ROLLBACK TO SAVEPOINT before_run;
SELECT count(*) FROM hamilton_execute(ARRAY['summary']);
COMMIT;
SELECT status, outputs FROM hamilton.runs ORDER BY run_id DESC LIMIT 2;

-- hamilton.record_run_start = off records a run only when it ends, as
-- before 1.1: rolled back, the run leaves nothing.  Only superusers may
-- turn it off.
CREATE TEMP TABLE runs_before_off AS SELECT count(*) AS n FROM hamilton.runs;
BEGIN;
SET LOCAL hamilton.record_run_start = off;
SELECT count(*) FROM hamilton_execute(ARRAY['summary']);
ROLLBACK;
SELECT (SELECT count(*) FROM hamilton.runs) = n AS not_recorded FROM runs_before_off;
CREATE ROLE regress_hamilton_not_super;
SET ROLE regress_hamilton_not_super;
SET hamilton.record_run_start = off;
RESET ROLE;
DROP ROLE regress_hamilton_not_super;

-- Clean up.
SELECT drop_module('ex');
