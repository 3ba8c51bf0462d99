-- Every case of cache_interplay.sql holds when the runs' steps go to
-- background workers (cachew): checks set after the result was made,
-- savers, node hooks, the settings catalog functions read, and pipes.
-- The output is cache_interplay's, line for line, but for this header
-- and the run ids.
\set ci_base 100700
SET hamilton.max_workers = 2;
SET hamilton.worker_min_ms = 0;
\i sql/cache_interplay.sql
-- the steps that ran on workers
SELECT run_id - 100700 AS run, node, status FROM hamilton.node_runs
WHERE run_id > 100700 AND worker_pid IS NOT NULL ORDER BY run_id, step;
RESET hamilton.max_workers;
RESET hamilton.worker_min_ms;
