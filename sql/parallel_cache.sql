-- Caching, node hooks, savers and loaders with background workers
-- (cachew; src/exec/parallel_steps.c): a cached run decides in the caller
-- which steps it reuses and hands the others to workers; its node_runs
-- and hamilton.cache are those of a serial cached run, row by row; hooks
-- fire in the caller with the workers' rows and times; savers write their
-- files from what the workers built; the files a worker's step reads are
-- in hamilton.files.
SELECT setval('hamilton.run_id_seq', 100600) > 0 AS ok;
CREATE SCHEMA pc_raw;
CREATE TABLE pc_raw.a AS SELECT g AS id, g % 7 AS v FROM generate_series(1, 2000) g;
CREATE TABLE pc_raw.b AS TABLE pc_raw.a;
CREATE TABLE pc_raw.c AS TABLE pc_raw.a;
CREATE TABLE pc_raw.d AS TABLE pc_raw.a;
SELECT hamilton_track(t) FROM unnest(ARRAY['pc_raw.a', 'pc_raw.b', 'pc_raw.c', 'pc_raw.d']::regclass[]) t;
CREATE SCHEMA pc;
SELECT hamilton_register('pc');
-- four branches, each an intermediate (kept, for its check) and a table,
-- and a summary of them
SELECT hamilton_define(format('pc.%s_clean', b), format('SELECT id, v FROM pc_raw.%s WHERE v > 0', b),
                       checks => '[{"check": "not_null", "column": "v", "severity": "fail"}]'),
       hamilton_define(format('pc.%s_agg', b), format('SELECT count(*) AS n, sum(v) AS s FROM %s_clean', b),
                       materialize => 'table')
FROM unnest(ARRAY['a', 'b', 'c', 'd']) b;
SELECT hamilton_define('pc.summary', 'SELECT a.s AS a, b.s AS b, c.s AS c, d.s AS d FROM a_agg a, b_agg b, c_agg c, d_agg d',
                       materialize => 'table');
-- every step that can go to a worker does, however short
SET hamilton.worker_min_ms = 0;
-- the results' tables exist (a worker builds only into an existing one)
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['pc.summary']);
-- what a run did and what the cache keeps, the runs named
CREATE TABLE pc_raw.run_names (run_id bigint PRIMARY KEY, name text);
CREATE FUNCTION pc.run_name(run bigint) RETURNS text LANGUAGE sql
AS $$ SELECT COALESCE((SELECT name FROM pc_raw.run_names WHERE run_id = run), run::text) $$;
CREATE FUNCTION pc.steps(run bigint)
RETURNS TABLE (step int, node text, status text, rows bigint, cached_from text, on_worker boolean)
LANGUAGE sql AS $$
  SELECT step, node, status, rows, pc.run_name(cached_from), worker_pid IS NOT NULL
  FROM hamilton.node_runs WHERE run_id = run ORDER BY step $$;
CREATE FUNCTION pc.entries()
RETURNS TABLE (node text, made_by text, cache_key text, data_version text, rows bigint, reusable boolean, reason text)
LANGUAGE sql AS $$
  SELECT node, pc.run_name(run_id), cache_key, pc.run_name(data_version::bigint), rows, reusable, reason
  FROM hamilton.cache WHERE module = 'pc' ORDER BY node $$;
CREATE FUNCTION pc.last_run(name text) RETURNS bigint LANGUAGE sql
AS $$ INSERT INTO pc_raw.run_names SELECT max(run_id), name FROM hamilton.runs RETURNING run_id $$;

-- The first cached run computes every step, on workers.
SELECT node, status FROM hamilton_execute(ARRAY['pc.summary'], cache => true, workers => 2);
SELECT pc.last_run('first') AS first \gset
SELECT * FROM pc.steps(:first);
-- Nothing changed: every step is cached, decided in the caller.
SELECT node, status FROM hamilton_execute(ARRAY['pc.summary'], cache => true, workers => 2);
SELECT * FROM pc.steps(pc.last_run('unchanged'));

-- Two branches changed: they run on workers, the other two are cached.
UPDATE pc_raw.a SET v = v + 1 WHERE id % 10 = 0;
UPDATE pc_raw.b SET v = v + 2 WHERE id % 10 = 0;
SELECT node, status FROM hamilton_execute(ARRAY['pc.summary'], cache => true, workers => 2);
CREATE TABLE pc_raw.par_steps AS SELECT * FROM pc.steps(pc.last_run('parallel'));
CREATE TABLE pc_raw.par_entries AS SELECT * FROM pc.entries();
CREATE TABLE pc_raw.par_summary AS TABLE pc.summary;
TABLE pc_raw.par_steps;
SELECT node, made_by, data_version, rows, reusable, reason FROM pc_raw.par_entries;
-- A serial cached run finds the parallel run's keys its own: all cached.
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['pc.summary'], cache => true);
SELECT * FROM pc.steps(pc.last_run('serial after parallel'));

-- The same change again, run serially: the same steps, statuses, rows,
-- cached_from and cache entries as the parallel run (only where the steps
-- ran differs), and the same results.
UPDATE pc_raw.a SET v = v + 1 WHERE id % 10 = 0;
UPDATE pc_raw.a SET v = v - 1 WHERE id % 10 = 0;
UPDATE pc_raw.b SET v = v + 2 WHERE id % 10 = 0;
UPDATE pc_raw.b SET v = v - 2 WHERE id % 10 = 0;
SELECT node, status FROM hamilton_execute(ARRAY['pc.summary'], cache => true);
SELECT pc.last_run('serial') AS ser \gset
SELECT p.step, p.node, (p.status, p.rows, p.cached_from) IS NOT DISTINCT FROM (s.status, s.rows, s.cached_from) AS same,
       s.status, s.cached_from, p.on_worker, s.on_worker AS serial_on_worker
FROM pc_raw.par_steps p JOIN pc.steps(:ser) s USING (step) ORDER BY step;
-- The same entries but for the names of the runs that made them, and
-- for the summary's key: it holds the data versions of a_agg and b_agg,
-- the runs that made them.
SELECT p.node, p.made_by, s.made_by AS serial_made_by, p.cache_key = s.cache_key AS same_key,
       (p.rows, p.reusable, p.reason) IS NOT DISTINCT FROM (s.rows, s.reusable, s.reason) AS same
FROM pc_raw.par_entries p JOIN pc.entries() s USING (node) ORDER BY node;
SELECT count(*) AS differences FROM ((TABLE pc.summary EXCEPT ALL TABLE pc_raw.par_summary)
                                     UNION ALL (TABLE pc_raw.par_summary EXCEPT ALL TABLE pc.summary)) d;
-- And a parallel cached run finds the serial run's keys its own.
SELECT count(*) AS steps FROM hamilton_execute(ARRAY['pc.summary'], cache => true, workers => 2);
SELECT * FROM pc.steps(pc.last_run('parallel after serial'));

-- Node hooks fire in the caller: before_node as a step is handed to its
-- worker (or found cached), after_node once the caller took it in, with
-- the worker's rows and time; a hook that raises is reported and the run
-- goes on, as in a serial run.
CREATE TABLE pc_raw.hook_log (seq serial, event text, node text, status text, rows bigint, ms float8);
CREATE FUNCTION pc_raw.log_hook(event text, run_id bigint, node text, status text, rows bigint, ms double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF event = 'before_node' AND node = 'pc.c_agg' THEN
    RAISE EXCEPTION 'the hook refuses %', node;
  END IF;
  INSERT INTO pc_raw.hook_log (event, node, status, rows, ms) VALUES (event, node, status, rows, ms);
END $$;
SELECT hamilton_hook('before_node', 'pc_raw.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_hook('after_node', 'pc_raw.log_hook(text, bigint, text, text, bigint, double precision)');
UPDATE pc_raw.c SET v = v + 1 WHERE id % 10 = 0;
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.summary'], cache => true, workers => 2);
SELECT pc.last_run('hooked') AS hooked \gset
SELECT s.step, s.node, s.status, s.on_worker, b.seq < a.seq AS before_first, b.status AS before_status,
       a.status AS after_status, a.rows IS NOT DISTINCT FROM s.rows AS same_rows, abs(a.ms - r.ms) <= 0.0005 AS same_ms
FROM pc.steps(:hooked) s JOIN hamilton.node_runs r ON r.run_id = :hooked AND r.step = s.step
LEFT JOIN pc_raw.hook_log b ON b.node = s.node AND b.event = 'before_node'
LEFT JOIN pc_raw.hook_log a ON a.node = s.node AND a.event = 'after_node'
ORDER BY s.step;
-- the summary starts only when the branches it reads have finished
SELECT bool_and(a.seq < b.seq) AS in_order FROM pc_raw.hook_log a, pc_raw.hook_log b
WHERE a.event = 'after_node' AND a.node LIKE '%\_agg' AND b.event = 'before_node' AND b.node = 'pc.summary';
SELECT node, message FROM hamilton.hook_errors WHERE run_id = :hooked;
SELECT hamilton_unhook('before_node', 'pc_raw.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_unhook('after_node', 'pc_raw.log_hook(text, bigint, text, text, bigint, double precision)');

-- A saver: the caller writes its file from what the worker built, and it
-- is in the run's history; a run rolled back leaves the file as it was.
\set pc_out '/tmp/pg_hamilton_regress_pc_d_agg.csv'
SELECT hamilton_save('pc.d_agg', :'pc_out');
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.d_agg'], workers => 2);
SELECT pc.last_run('saved') AS saved \gset
SELECT * FROM pc.steps(:saved);
SELECT node, direction, path = :'pc_out' AS the_file, rows FROM hamilton.files WHERE run_id = :saved;
SELECT * FROM hamilton_read_file(:'pc_out') AS f(n bigint, s bigint);
TABLE pc.d_agg;
UPDATE pc_raw.d SET v = v + 1 WHERE id % 10 = 0;
BEGIN;
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.d_agg'], workers => 2);
SELECT on_worker FROM pc.steps((SELECT max(run_id) FROM hamilton.runs)) WHERE node = 'pc.d_agg';
ROLLBACK;
SELECT * FROM hamilton_read_file(:'pc_out') AS f(n bigint, s bigint);
-- savers under workers with the cache: the node is computed every run
SELECT node, status FROM hamilton_execute(ARRAY['pc.d_agg'], workers => 2, cache => true);
SELECT * FROM hamilton_read_file(:'pc_out') AS f(n bigint, s bigint);
TABLE pc.d_agg;
SELECT hamilton_unsave('pc.d_agg', :'pc_out');
-- a saver that fails fails the step, as in a serial run: the old result
-- stays and the run's history has the failure, no file
\set pc_bad '/tmp/pg_hamilton_regress_no_such_dir/d_agg.csv'
SELECT hamilton_save('pc.d_agg', :'pc_bad');
UPDATE pc_raw.d SET v = v + 1 WHERE id % 10 = 0;
\set VERBOSITY sqlstate
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.d_agg'], workers => 2);
\set VERBOSITY default
SELECT status, failed_node, error LIKE 'could not open file %' AS error FROM hamilton.runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT count(*) AS files FROM hamilton.files WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
TABLE pc.d_agg;
SELECT hamilton_unsave('pc.d_agg', :'pc_bad');

-- Files a worker's step reads are in hamilton.files, by the step that
-- read them (the loader is inlined into its consumer).
\set pc_in '/tmp/pg_hamilton_regress_pc_input.csv'
COPY (SELECT g AS id, g % 5 AS v FROM generate_series(1, 300) g) TO :'pc_in' WITH (FORMAT csv, HEADER true);
SELECT hamilton_load('pc.loaded', :'pc_in', 'id int, v int');
SELECT hamilton_define('pc.loaded_agg', 'SELECT count(*) AS n, sum(v) AS s FROM loaded', materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.loaded_agg']);
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.loaded_agg'], workers => 2);
SELECT pc.last_run('loaded') AS loaded \gset
SELECT * FROM pc.steps(:loaded);
SELECT node, direction, path = :'pc_in' AS the_file, rows FROM hamilton.files WHERE run_id = :loaded;
-- More files than a worker can hand back: an error, not a gap in
-- hamilton.files; the old result stays.
SELECT hamilton_define('pc.many', format($$SELECT count(*) AS n FROM generate_series(1, 1000) g,
  LATERAL hamilton_read_file(CASE WHEN g > 0 THEN %L END) AS f(id int, v int)$$, :'pc_in'), materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.many']);
SELECT count(*) AS reads FROM hamilton.files WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT node, rows, status FROM hamilton_execute(ARRAY['pc.many'], workers => 2);
SELECT status FROM hamilton.runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
TABLE pc.many;

-- Clean up.
RESET hamilton.worker_min_ms;
SELECT hamilton_untrack(t) FROM unnest(ARRAY['pc_raw.a', 'pc_raw.b', 'pc_raw.c', 'pc_raw.d']::regclass[]) t;
SELECT drop_module('pc');
DROP SCHEMA pc_raw CASCADE;
