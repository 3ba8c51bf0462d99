/*
 * Steps on background workers (issue 12): hamilton.node_run says which
 * worker ran each step of a parallel run, and when it started and ended,
 * so that the overlap is visible; hamilton.node_runs shows them (after
 * cached_from, which 20_cache added).
 */
ALTER TABLE hamilton.node_run
    ADD COLUMN worker_pid int,
    ADD COLUMN started_at timestamptz,
    ADD COLUMN ended_at timestamptz;

CREATE OR REPLACE VIEW hamilton.node_runs WITH (security_barrier) AS
SELECT nr.run_id, nr.step, nr.node, nr.module, nr.kind, nr.relation, nr.rows, nr.ms,
       nr.status, nr.fingerprint, nr.error, nr.cached_from, nr.worker_pid, nr.started_at, nr.ended_at
FROM hamilton.node_run nr
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.node_runs IS 'every step of the runs in hamilton.runs; cached_from: the run whose result a cached step kept; worker_pid, started_at and ended_at say which background worker ran a step of a parallel run, and when';
