/*
 * (servers) Nodes placed on other servers (issue 14).  A run whose placed
 * nodes built their results on other PostgreSQL servers prepares each
 * remote swap (PREPARE TRANSACTION) once every step has passed, records the
 * gids here in its own transaction, commits, then sends COMMIT PREPARED to
 * each server.  A row whose resolved_at is NULL is a remote transaction
 * that may still be in doubt: hamilton_recover() decides it from this row
 * and the status of the coordinator's transaction (xid).
 */
CREATE TABLE hamilton.remote_commit (
    gid          text PRIMARY KEY,
    run_id       bigint NOT NULL,
    server_name  text NOT NULL,
    node         text NOT NULL,
    xid          xid8 NOT NULL,
    prepared_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    resolved_at  timestamptz,
    outcome      text CHECK (outcome IN ('committed', 'rolled back'))
);
CREATE INDEX ON hamilton.remote_commit (run_id);
SELECT pg_catalog.pg_extension_config_dump('hamilton.remote_commit', '');
REVOKE ALL ON hamilton.remote_commit FROM PUBLIC;
COMMENT ON TABLE hamilton.remote_commit IS
    'The remote transactions (gids) each run prepared on the servers of its placed nodes, and how they were resolved';

/*
 * A run that committed while a remote transaction it prepared is not
 * known to be committed is "in doubt" in the history: until the session
 * that ran it confirms its COMMIT PREPAREDs (at its next run) or
 * hamilton_recover() resolves them.
 */
CREATE OR REPLACE VIEW hamilton.runs WITH (security_barrier) AS
SELECT r.run_id,
       CASE WHEN r.status = 'succeeded' AND EXISTS (SELECT 1 FROM hamilton.remote_commit g
                                                    WHERE g.run_id = r.run_id AND g.resolved_at IS NULL)
            THEN 'in doubt' ELSE r.status END AS status,
       r.started_at, r.finished_at,
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
COMMENT ON VIEW hamilton.runs IS 'every run you (or a role you belong to) made: status (running, succeeded, failed, rolled back, abandoned, in doubt: a remote transaction it prepared is not known to be committed yet), outputs, inputs, error, the modules its names resolved among, and the table into_table named';

CREATE FUNCTION @extschema@.hamilton_recover(
    OUT gid text, OUT server_name text, OUT run_id bigint, OUT outcome text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hamilton_recover'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_recover() IS
    'Resolves the prepared transactions runs left in doubt on the servers of their placed nodes: committed when the run committed, rolled back when it aborted, untouched while it runs';
