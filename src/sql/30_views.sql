/* ------------------------------------------------------------------------
 * Introspection: the views over the graph, the runs and the lineage
 * ------------------------------------------------------------------------ */

CREATE FUNCTION hamilton.node_list()
RETURNS TABLE (node text, module name, name name, kind text, language text, type text,
               inputs text[], sources text[], doc text, tags jsonb, materialize text,
               definition text, fingerprint text, owner name,
               frame text, key text[], config_when jsonb, checks jsonb, parameterized jsonb,
               refresh text, refresh_key text[])
AS 'MODULE_PATHNAME', 'hamilton_node_list'
LANGUAGE C VOLATILE;

CREATE FUNCTION hamilton.edge_list()
RETURNS TABLE (upstream text, downstream text, via text)
AS 'MODULE_PATHNAME', 'hamilton_edge_list'
LANGUAGE C VOLATILE;

CREATE VIEW hamilton.nodes AS
SELECT l.*, l.tags ->> 'placement' AS placement, l.tags ->> 'shard_key' AS shard_key FROM hamilton.node_list() l;
COMMENT ON VIEW hamilton.nodes IS 'every node of the dataflow (every variant of it), as the next execution will see it; placement: the server it runs on, or a sharded node''s JSON list of them (NULL: the coordinator); shard_key: the column a sharded node''s result is partitioned on, one foreign partition per server (NULL: a UNION ALL view of its servers'' results)';

CREATE VIEW hamilton.edges AS SELECT * FROM hamilton.edge_list();
COMMENT ON VIEW hamilton.edges IS 'upstream -> downstream, and the parameter or relation reference that makes the edge';

CREATE VIEW hamilton.modules AS
SELECT m.schema_name AS module,
       m.registered_at,
       m.registered_by,
       n.oid IS NOT NULL AS schema_exists
FROM hamilton.module m
LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = m.schema_name;

CREATE VIEW hamilton.tags AS
SELECT pg_catalog.quote_ident(t.schema_name) || '.' || pg_catalog.quote_ident(t.node_name) AS node,
       t.schema_name AS module,
       t.node_name AS name,
       t.tag_key AS key,
       t.tag_value AS value
FROM hamilton.node_tag t;
COMMENT ON VIEW hamilton.tags IS 'one row per (node, tag key)';

/*
 * A run is in hamilton.run once it ended, and in hamilton.run_start from
 * the moment the recorder wrote its start.  A start with no end is running
 * while the run's session holds the run's advisory lock (taken when the run
 * starts, released when the transaction or subtransaction it ran in ends:
 * database, run_id >> 32, run_id & 0xffffffff, 18514, as
 * HAMILTON_RUN_LOCK_FIELD4 in include/hamilton.h says), and abandoned after:
 * its session died, or its transaction ended, without recording an end.
 */
CREATE VIEW hamilton.runs WITH (security_barrier) AS
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

CREATE VIEW hamilton.node_runs WITH (security_barrier) AS
SELECT nr.run_id, nr.step, nr.node, nr.module, nr.kind, nr.relation, nr.rows, nr.ms,
       nr.status, nr.fingerprint, nr.error, nr.cached_from, nr.worker_pid, nr.started_at, nr.ended_at,
       nr.placement
FROM hamilton.node_run nr
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.node_runs IS 'every step of the runs in hamilton.runs; cached_from: the run whose result a cached step kept; worker_pid, started_at and ended_at say which background worker ran a step of a parallel run, and when; placement: the server a placed step ran on, or a sharded step''s JSON list of them (NULL: the coordinator)';

/*
 * A result's relation is the table its row was bound to, while that table
 * is still the node's (schema_name.node_name); NULL when it is gone, or was
 * not in the dump this database was restored from.
 */
CREATE VIEW hamilton.lineage WITH (security_barrier) AS
SELECT CASE WHEN c.oid IS NOT NULL THEN res.relation::pg_catalog.regclass END AS relation,
       pg_catalog.quote_ident(res.schema_name) || '.' || pg_catalog.quote_ident(res.node_name) AS node,
       res.schema_name AS module,
       res.run_id,
       run.status AS run_status,
       res.materialized_at,
       res.fingerprint,
       res.inputs,
       res.upstream,
       res.sources,
       (SELECT nr.placement FROM hamilton.node_run nr
        WHERE nr.run_id = res.run_id AND nr.module = res.schema_name
          AND nr.node = pg_catalog.quote_ident(res.schema_name) || '.' || pg_catalog.quote_ident(res.node_name)
        ORDER BY nr.step LIMIT 1) AS placement
FROM hamilton.result res
LEFT JOIN hamilton.run run USING (run_id)
LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace)
       ON c.oid = res.relation AND c.relname = res.node_name AND n.nspname = res.schema_name
WHERE (c.oid IS NOT NULL AND pg_catalog.has_table_privilege(c.oid, 'SELECT'))
   OR hamilton.may_see_run(run.run_by);
COMMENT ON VIEW hamilton.lineage IS 'for each materialized table: the run and node that made it, its code fingerprint, inputs, upstream results and source tables; placement: the server the run built it on, or a sharded node''s JSON list of them (NULL: the coordinator)';

CREATE VIEW hamilton.check_results WITH (security_barrier) AS
SELECT nr.run_id, nr.step, nr.node, c.ord::int AS check_no, c.e->>'check' AS "check",
       c.e->>'severity' AS severity, (c.e->>'passed')::boolean AS passed,
       (c.e->>'failing_rows')::bigint AS failing_rows, (c.e->>'rows')::bigint AS rows,
       c.e->>'relation' AS relation, c.e->'spec' AS spec, r.status AS run_status
FROM hamilton.node_run nr
JOIN hamilton.run r USING (run_id)
CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(nr.checks) WITH ORDINALITY AS c(e, ord)
WHERE nr.checks IS NOT NULL AND hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.check_results IS 'the outcome of every check of every run: passed, and how many rows failed';

/*
 * What a restore could not give back to its roles, because they do not
 * exist here: SQL nodes it gave to the restoring role, and the history
 * and modules that name a role that is gone.  For superusers and
 * the extension's owner: run history is not public.
 */
CREATE VIEW hamilton.missing_roles AS
SELECT s.adopted_from AS role, 'SQL node'::text AS kind,
       pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) AS object,
       pg_catalog.format('restored as owned by %s', pg_catalog.quote_ident(s.owner_name)) AS now
FROM hamilton.sql_node s
WHERE s.adopted_from IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = s.adopted_from)
UNION ALL
SELECT s.owner_name, 'SQL node',
       pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name),
       'owned by a dropped role: only superusers may change it'
FROM hamilton.sql_node s
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = s.owner)
UNION ALL
SELECT m.registered_by, 'module', pg_catalog.quote_ident(m.schema_name), 'registered by a role that does not exist'
FROM hamilton.module m
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = m.registered_by)
UNION ALL
SELECT ru.run_by, 'runs', pg_catalog.count(*)::text || ' runs', 'visible to superusers only'
FROM (SELECT e.run_by FROM hamilton.run e UNION ALL SELECT s.run_by FROM hamilton.run_start s
      WHERE NOT EXISTS (SELECT 1 FROM hamilton.run e WHERE e.run_id = s.run_id)) ru
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = ru.run_by)
GROUP BY ru.run_by;
COMMENT ON VIEW hamilton.missing_roles IS 'roles the catalog names that do not exist here (after a restore): SQL nodes given to the restoring role, runs and modules of roles that are gone';

GRANT SELECT ON hamilton.check_results TO PUBLIC;
GRANT SELECT ON hamilton.nodes, hamilton.edges, hamilton.modules, hamilton.tags,
    hamilton.runs, hamilton.node_runs, hamilton.lineage TO PUBLIC;
REVOKE ALL ON FUNCTION hamilton.node_list() FROM PUBLIC;
REVOKE ALL ON FUNCTION hamilton.edge_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hamilton.node_list() TO PUBLIC;
GRANT EXECUTE ON FUNCTION hamilton.edge_list() TO PUBLIC;
