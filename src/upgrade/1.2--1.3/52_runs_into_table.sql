/*
 * features-a: hamilton.runs records the table a run's into_table => named
 * (hamilton run --into-table), as the run resolved it.
 */
ALTER TABLE hamilton.run ADD COLUMN into_table text;
ALTER TABLE hamilton.run_start ADD COLUMN into_table text;
CREATE OR REPLACE VIEW hamilton.runs WITH (security_barrier) AS
SELECT r.run_id, r.status, r.started_at, r.finished_at,
       round(extract(epoch FROM r.finished_at - r.started_at)::numeric * 1000, 3) AS ms,
       r.outputs, r.inputs, r.overrides, r.config, r.run_by, r.failed_node, r.error, r.pid,
       r.modules, r.module_overrides, r.into_table
FROM (SELECT e.run_id, e.status, e.started_at, e.finished_at, e.outputs, e.inputs, e.overrides,
             e.config, e.run_by, e.failed_node, e.error, e.pid, e.modules, e.module_overrides,
             e.into_table
      FROM hamilton.run e
      UNION ALL
      SELECT s.run_id,
             CASE WHEN s.run_id IN (SELECT (l.classid::bigint << 32) | l.objid::bigint
                                    FROM pg_catalog.pg_locks l
                                    WHERE l.locktype = 'advisory' AND l.objsubid = 18514 AND l.granted
                                      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                                        WHERE d.datname = pg_catalog.current_database()))
                  THEN 'running' ELSE 'abandoned' END,
             s.started_at, NULL::timestamptz, s.outputs, s.inputs, s.overrides, s.config, s.run_by,
             NULL::text, NULL::text, s.pid, s.modules, s.module_overrides, s.into_table
      FROM hamilton.run_start s
      WHERE NOT EXISTS (SELECT 1 FROM hamilton.run e WHERE e.run_id = s.run_id)) r
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.runs IS 'every run you (or a role you belong to) made: status (running, succeeded, failed, rolled back, abandoned), outputs, inputs, error, the modules its names resolved among, and the table into_table named';
