-- Steps on background workers (hamilton_execute(..., workers => N),
-- src/exec/parallel_run.c): the same results as a serial run, row by row;
-- a failing worker, a timeout of the caller and a deadlock between the
-- caller and a worker leave the old results and no staging heap; each
-- fallback to serial says why.
SELECT setval('hamilton.run_id_seq', 97000) > 0 AS ok;
CREATE SCHEMA par;
CREATE TABLE par.src AS SELECT g AS id, g % 50 AS k, (g * 7) % 1000 AS v FROM generate_series(1, 20000) g;
CREATE TABLE par.pace (secs float8);
INSERT INTO par.pace VALUES (0);
-- what is left of the staging heaps, once the cleanup had 10 s to drop them
CREATE FUNCTION par.left_behind(OUT staging bigint, OUT staging_rows bigint) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..200 LOOP
    SELECT count(*) INTO staging FROM pg_class WHERE relnamespace = 'par'::regnamespace AND relname LIKE 'pg\_temp\_%';
    SELECT count(*) INTO staging_rows FROM hamilton.staging;
    EXIT WHEN staging + staging_rows = 0;
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
CREATE FUNCTION par.pace() RETURNS bool LANGUAGE sql AS 'SELECT pg_sleep(secs) IS NULL FROM par.pace';
SELECT hamilton_define('par.counts', 'SELECT k, count(*) AS n FROM par.src GROUP BY k', materialize => 'table');
SELECT hamilton_define('par.sums', 'SELECT k, sum(v) AS s FROM par.src GROUP BY k', materialize => 'table');
SELECT hamilton_define('par.tops', 'SELECT k, max(v) AS m FROM par.src WHERE par.pace() IS NOT NULL GROUP BY k',
                       materialize => 'table', checks => '[{"check": "not_null", "column": "m", "severity": "fail"}]');
SELECT hamilton_define('par.wide', 'SELECT id, k, v * 2 AS w FROM par.src', materialize => 'table');
SELECT hamilton_define('par.joined', 'SELECT c.k, c.n, s.s, t.m FROM par.counts c JOIN par.sums s USING (k) JOIN par.tops t USING (k)',
                       materialize => 'table');
-- every step that can go to a worker does, however short
SET hamilton.worker_min_ms = 0;
-- the first run creates the result tables (in the calling transaction)
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.joined', 'par.wide']);

-- The same rows as a serial run.
UPDATE par.src SET v = v + 1 WHERE id % 3 = 0;
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.joined', 'par.wide']);
CREATE TABLE par.serial_joined AS TABLE par.joined;
CREATE TABLE par.serial_wide AS TABLE par.wide;
CREATE TABLE par.oids AS SELECT c.oid, c.relname FROM pg_class c WHERE c.relnamespace = 'par'::regnamespace;
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.joined', 'par.wide'], workers => 2);
SELECT count(*) AS differences FROM ((TABLE par.joined EXCEPT ALL TABLE par.serial_joined)
                                     UNION ALL (TABLE par.serial_joined EXCEPT ALL TABLE par.joined)) d;
SELECT count(*) AS differences FROM ((TABLE par.wide EXCEPT ALL TABLE par.serial_wide)
                                     UNION ALL (TABLE par.serial_wide EXCEPT ALL TABLE par.wide)) d;
-- the results kept their tables (swapped in), and no staging heap is left
SELECT count(*) AS same_oids FROM par.oids o JOIN pg_class c ON c.oid = o.oid AND c.relname = o.relname
WHERE o.relname IN ('counts', 'sums', 'tops', 'wide', 'joined');
SELECT count(*) AS staging FROM pg_class WHERE relnamespace = 'par'::regnamespace AND relname LIKE 'pg\_temp\_%';
SELECT count(*) AS staging_rows FROM hamilton.staging;
-- which steps ran on a worker, and when
SELECT step, node, worker_pid IS NOT NULL AS on_worker, started_at <= ended_at AS timed
FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step;
-- hamilton_explain marks the steps a worker may take
SELECT hamilton_explain(ARRAY['par.joined', 'par.wide'], workers => 2);
-- hamilton.max_workers gives the default
SET hamilton.max_workers = 2;
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['par.wide']);
RESET hamilton.max_workers;
SELECT count(*) AS on_worker FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND worker_pid IS NOT NULL;

-- An intermediate that feeds workers' steps (here read twice, so kept in a
-- temporary table by a serial run) is kept by a worker in a table of its
-- module, which the run drops at the end.
SELECT hamilton_define('par.base', 'SELECT id, k, v FROM par.src WHERE id % 3 <> 0');
SELECT hamilton_define('par.base_n', 'SELECT k, count(*) AS n FROM par.base GROUP BY k', materialize => 'table');
SELECT hamilton_define('par.base_s', 'SELECT k, sum(v) AS s FROM par.base GROUP BY k', materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.base_n', 'par.base_s']);
CREATE TABLE par.serial_base AS SELECT n.k, n.n, s.s FROM par.base_n n JOIN par.base_s s USING (k);
UPDATE par.src SET v = v WHERE false;
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.base_n', 'par.base_s'], workers => 2);
SELECT step, node, status, worker_pid IS NOT NULL AS on_worker
FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step;
SELECT count(*) AS differences FROM (
  (SELECT n.k, n.n, s.s FROM par.base_n n JOIN par.base_s s USING (k) EXCEPT ALL TABLE par.serial_base)
  UNION ALL (TABLE par.serial_base EXCEPT ALL SELECT n.k, n.n, s.s FROM par.base_n n JOIN par.base_s s USING (k))) d;
SELECT * FROM par.left_behind();

-- A failing worker stops the run: the node's error, old results, no staging.
CREATE TABLE par.before AS TABLE par.sums;
SELECT hamilton_define('par.sums', 'SELECT k, sum(v) / (k - 7) AS s FROM par.src GROUP BY k', materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.joined', 'par.wide'], workers => 2);
SELECT status, failed_node, error FROM hamilton.runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT count(*) AS differences FROM ((TABLE par.sums EXCEPT ALL TABLE par.before)
                                     UNION ALL (TABLE par.before EXCEPT ALL TABLE par.sums)) d;
SELECT hamilton_define('par.sums', 'SELECT k, sum(v) AS s FROM par.src GROUP BY k', materialize => 'table');
-- the heaps the other workers committed are dropped once the run's transaction ended
SELECT * FROM par.left_behind();

-- A failing check of a worker's step fails the run too.
UPDATE par.src SET v = NULL WHERE k = 3;
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.tops'], workers => 2);
UPDATE par.src SET v = 3 WHERE v IS NULL;

-- The caller's timeout while workers run: the run fails, old rows stay.
UPDATE par.pace SET secs = 0.0005;   -- par.tops takes 10 s
SET statement_timeout = '1s';
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.joined', 'par.wide'], workers => 2);
RESET statement_timeout;
UPDATE par.pace SET secs = 0;
SELECT status, failed_node, error FROM hamilton.runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT count(*) AS differences FROM ((TABLE par.sums EXCEPT ALL TABLE par.before)
                                     UNION ALL (TABLE par.before EXCEPT ALL TABLE par.sums)) d;
SELECT count(*) AS busy_workers FROM pg_stat_activity WHERE backend_type = 'pg_hamilton step worker';

-- A worker waiting for a lock the caller holds is a deadlock, detected.
CREATE FUNCTION par.locked() RETURNS bool LANGUAGE sql AS 'SELECT pg_advisory_xact_lock(97001) IS NULL';
SELECT hamilton_define('par.wide', 'SELECT id, k, v * 2 AS w FROM par.src WHERE par.locked()', materialize => 'table');
BEGIN;
SELECT pg_advisory_xact_lock(97001);
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.wide'], workers => 1);
ROLLBACK;
SELECT hamilton_define('par.wide', 'SELECT id, k, v * 2 AS w FROM par.src', materialize => 'table');

-- Falling back to serial, each time with a NOTICE that says why.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['par.wide'], workers => 2);
COMMIT;
BEGIN;
INSERT INTO par.pace VALUES (0);
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['par.wide'], workers => 2);
ROLLBACK;
BEGIN;
LOCK TABLE par.src IN SHARE MODE;
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['par.wide'], workers => 2);
COMMIT;
SET hamilton.record_run_start = off;
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['par.wide'], workers => 2);
RESET hamilton.record_run_start;
-- a step that reads a temporary table runs in the caller, the others on workers
CREATE TEMP TABLE par_local AS SELECT 1 AS one;
SELECT hamilton_define('par.local', 'SELECT one, k FROM par_local, par.counts', materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.local', 'par.sums']);
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.local', 'par.sums'], workers => 2);
-- a result that does not exist yet is created by the caller
SELECT hamilton_define('par.fresh', 'SELECT k, n * 2 AS n2 FROM par.counts', materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.fresh'], workers => 2);
SELECT count(*) AS staging_rows FROM hamilton.staging;

-- A run that succeeded in a transaction that then rolls back: the old rows
-- come back, and the heaps the workers had committed are dropped.
CREATE TABLE par.wide_before AS TABLE par.wide;
UPDATE par.src SET v = v + 5;
BEGIN;
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.wide', 'par.sums'], workers => 2);
ROLLBACK;
SELECT * FROM par.left_behind();
SELECT count(*) AS differences FROM ((TABLE par.wide EXCEPT ALL TABLE par.wide_before)
                                     UNION ALL (TABLE par.wide_before EXCEPT ALL TABLE par.wide)) d;

-- A caller that SET ROLE to a role that cannot log in: the workers act as it.
CREATE ROLE regress_hamilton_par_nologin NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA par TO regress_hamilton_par_nologin;
GRANT SELECT ON par.src TO regress_hamilton_par_nologin;
ALTER TABLE par.wide OWNER TO regress_hamilton_par_nologin;
-- its rows are there only when the worker runs as the role
SELECT hamilton_define('par.wide', $$SELECT id, k, v * 2 AS w FROM par.src WHERE current_user = 'regress_hamilton_par_nologin'$$,
                       materialize => 'table');
SET ROLE regress_hamilton_par_nologin;
SELECT node, rows, status FROM hamilton_execute(ARRAY['par.wide'], workers => 1);
SELECT worker_pid IS NOT NULL AS on_worker, run_by FROM hamilton.node_runs nr JOIN hamilton.runs r USING (run_id)
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs);
RESET ROLE;
SELECT count(*) AS differences FROM ((SELECT id, k, (v) * 2 FROM par.src EXCEPT ALL TABLE par.wide)
                                     UNION ALL (TABLE par.wide EXCEPT ALL SELECT id, k, (v) * 2 FROM par.src)) d;
ALTER TABLE par.wide OWNER TO CURRENT_USER;
SELECT hamilton_define('par.wide', 'SELECT id, k, v * 2 AS w FROM par.src', materialize => 'table');
REVOKE ALL ON SCHEMA par FROM regress_hamilton_par_nologin;
REVOKE ALL ON par.src FROM regress_hamilton_par_nologin;
DROP OWNED BY regress_hamilton_par_nologin;
DROP ROLE regress_hamilton_par_nologin;

-- A caller who may not create tables in the module: its intermediate stays
-- in a temporary table of the caller's, and so do the steps that read it.
CREATE SCHEMA parx;
CREATE TABLE parx.src AS SELECT g AS x FROM generate_series(1, 100) g;
SELECT hamilton_define('parx.ib', 'SELECT x FROM parx.src WHERE x % 2 = 0');
SELECT hamilton_define('parx.c1', 'SELECT count(*) AS n FROM parx.ib', materialize => 'table');
SELECT hamilton_define('parx.c2', 'SELECT sum(x) AS s FROM parx.ib', materialize => 'table');
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['parx.c1', 'parx.c2']);
CREATE ROLE regress_hamilton_par_nocreate;
GRANT USAGE ON SCHEMA parx TO regress_hamilton_par_nocreate;
GRANT SELECT ON parx.src TO regress_hamilton_par_nocreate;
ALTER TABLE parx.c1 OWNER TO regress_hamilton_par_nocreate;
ALTER TABLE parx.c2 OWNER TO regress_hamilton_par_nocreate;
SET ROLE regress_hamilton_par_nocreate;
SELECT node, rows, status FROM hamilton_execute(ARRAY['parx.c1', 'parx.c2'], workers => 2);
RESET ROLE;
SELECT n, s FROM parx.c1, parx.c2;
DROP OWNED BY regress_hamilton_par_nocreate;
DROP ROLE regress_hamilton_par_nocreate;

-- An incremental node runs in the caller, which writes only its new ranges
-- into its result in place; a worker would rebuild it whole.
CREATE TABLE parx.ev (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int);
INSERT INTO parx.ev (v) SELECT g FROM generate_series(1, 100) g;
SELECT hamilton_define('parx.ev2',
    'SELECT id, v * 2 AS v2 FROM parx.ev, range_start, range_end WHERE id BETWEEN range_start AND range_end',
    incremental => '{"strategy": "append", "by": "sequence", "source": "parx.ev", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['parx.ev2', 'parx.c1'], workers => 2);
INSERT INTO parx.ev (v) SELECT g FROM generate_series(101, 110) g;
SELECT node, rows, status FROM hamilton_execute(ARRAY['parx.ev2', 'parx.c1'], workers => 2);
SELECT count(*) AS rows, count(DISTINCT id) AS ids, sum(v2) AS sum FROM parx.ev2;
SELECT range_start, range_end, rows FROM hamilton.incremental_batches WHERE node = 'parx.ev2' ORDER BY run_id;
