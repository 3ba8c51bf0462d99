/*
 * (servers2) Lineage and history show each node's server (issue 14):
 * hamilton.node_run keeps the server a placed step ran on (placement), and
 * hamilton.nodes, hamilton.node_runs and hamilton.lineage show it, each as
 * its last column.
 */
ALTER TABLE hamilton.node_run ADD COLUMN placement text;

CREATE OR REPLACE VIEW hamilton.nodes AS
SELECT l.*, l.tags ->> 'placement' AS placement FROM hamilton.node_list() l;
COMMENT ON VIEW hamilton.nodes IS 'every node of the dataflow (every variant of it), as the next execution will see it; placement: the server it runs on, or a sharded node''s JSON list of them (NULL: the coordinator)';

CREATE OR REPLACE VIEW hamilton.node_runs WITH (security_barrier) AS
SELECT nr.run_id, nr.step, nr.node, nr.module, nr.kind, nr.relation, nr.rows, nr.ms,
       nr.status, nr.fingerprint, nr.error, nr.cached_from, nr.worker_pid, nr.started_at, nr.ended_at,
       nr.placement
FROM hamilton.node_run nr
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.node_runs IS 'every step of the runs in hamilton.runs; cached_from: the run whose result a cached step kept; worker_pid, started_at and ended_at say which background worker ran a step of a parallel run, and when; placement: the server a placed step ran on, or a sharded step''s JSON list of them (NULL: the coordinator)';

CREATE OR REPLACE VIEW hamilton.lineage WITH (security_barrier) AS
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

-- A dataset: {namespace, name} with name database.schema.table.
-- (servers2) A foreign table of postgres_fdw (the result of a node placed
-- on another server) is named by its own server: postgres://host:port of
-- the foreign server's options, and the database, schema and table there.
CREATE OR REPLACE FUNCTION hamilton.openlineage_dataset(relation text)
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel regclass := to_regclass(relation);
    parts text[];
    nsp text;
    relname text;
    remote record;
BEGIN
    IF rel IS NOT NULL THEN
        SELECT n.nspname, c.relname INTO nsp, relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;
        SELECT (SELECT o.v FROM (SELECT split_part(x, '=', 1) AS k, substr(x, strpos(x, '=') + 1) AS v
                                 FROM unnest(s.srvoptions) AS x) o WHERE o.k = 'host') AS host,
               coalesce((SELECT substr(x, 6) FROM unnest(s.srvoptions) AS x WHERE x LIKE 'port=%'), '5432') AS port,
               coalesce((SELECT substr(x, 8) FROM unnest(s.srvoptions) AS x WHERE x LIKE 'dbname=%'),
                        (SELECT substr(x, 6) FROM pg_user_mappings m, unnest(m.umoptions) AS x
                         WHERE m.srvid = s.oid AND m.umuser IN (0, (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user))
                           AND x LIKE 'user=%' ORDER BY m.umuser DESC LIMIT 1),
                        current_user) AS dbname,
               coalesce((SELECT substr(x, 13) FROM unnest(t.ftoptions) AS x WHERE x LIKE 'schema_name=%'), nsp) AS nsp,
               coalesce((SELECT substr(x, 12) FROM unnest(t.ftoptions) AS x WHERE x LIKE 'table_name=%'), relname) AS relname
          INTO remote
        FROM pg_foreign_table t
        JOIN pg_foreign_server s ON s.oid = t.ftserver
        JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw AND w.fdwname = 'postgres_fdw'
        WHERE t.ftrelid = rel;
        IF FOUND THEN
            RETURN jsonb_build_object('namespace', 'postgres://'
                                          || CASE WHEN remote.host IS NULL OR remote.host = '' OR remote.host LIKE '/%'
                                                  THEN 'localhost'
                                                  WHEN remote.host LIKE '%:%' THEN '[' || remote.host || ']'
                                                  ELSE remote.host END
                                          || ':' || remote.port,
                                      'name', remote.dbname || '.' || remote.nsp || '.' || remote.relname);
        END IF;
    ELSE
        -- gone since: its recorded name
        parts := parse_ident(relation, false);
        relname := parts[cardinality(parts)];
        nsp := coalesce(parts[cardinality(parts) - 1], 'public');
    END IF;
    RETURN jsonb_build_object('namespace', hamilton.openlineage_server(),
                              'name', current_database() || '.' || nsp || '.' || relname);
END $$;
