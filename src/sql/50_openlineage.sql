/* ------------------------------------------------------------------------
 * OpenLineage: a run's START and COMPLETE/FAIL events
 * ------------------------------------------------------------------------ */

/*
 * plpgsql over the views of 30_views.sql, with the caller's privileges
 * (SECURITY INVOKER): an event shows only the runs the caller may see.
 */

-- The producer named in events and facets.
CREATE FUNCTION hamilton.openlineage_producer()
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'https://github.com/pg_hamilton/pg_hamilton/tree/1.0' $$;

/*
 * The server as OpenLineage's naming spec writes it for PostgreSQL:
 * postgres://host:port.  The host is the first address the server listens
 * on (localhost when it listens on every address or on Unix sockets only),
 * so every session of the server names it alike, whatever way it connected.
 */
CREATE FUNCTION hamilton.openlineage_server()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'postgres://'
        || CASE WHEN h IS NULL OR h IN ('', '*', '0.0.0.0', '::') THEN 'localhost'
                WHEN h LIKE '%:%' THEN '[' || h || ']'
                ELSE h END
        || ':' || current_setting('port')
    FROM (SELECT nullif(btrim(split_part(current_setting('listen_addresses'), ',', 1)), '') AS h) AS a
$$;

/*
 * The OpenLineage runId of a run: a name-based (version 3, RFC 4122) UUID
 * of the cluster's system identifier, the database and the run id, so it is
 * the same every time it is asked for, and differs between databases.
 */
CREATE FUNCTION hamilton.openlineage_run_uuid(run_id bigint)
RETURNS uuid
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (substr(h, 1, 12) || '3' || substr(h, 14, 3)
            || substr('89ab', (('x' || substr(h, 17, 1))::bit(4)::int & 3) + 1, 1)
            || substr(h, 18))::uuid
    FROM (SELECT md5(decode('b0deaef349d742a9b46cc845eb660e43', 'hex')
                     || convert_to(c.system_identifier || '/' || current_database() || '/' || run_id, 'UTF8')) AS h
          FROM pg_control_system() AS c) AS d
$$;

-- (servers2) A postgres_fdw foreign server as OpenLineage names it, for
-- the current user: {namespace: postgres://host:port of its options,
-- database: its dbname (libpq's default: the mapped user's name)}.
CREATE FUNCTION hamilton.openlineage_foreign_server(server oid)
RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
               'namespace', 'postgres://'
                   || CASE WHEN o.host IS NULL OR o.host = '' OR o.host LIKE '/%' THEN 'localhost'
                           WHEN o.host LIKE '%:%' THEN '[' || o.host || ']'
                           ELSE o.host END
                   || ':' || coalesce(o.port, '5432'),
               'database', coalesce(o.dbname,
                                    (SELECT substr(x, 6) FROM pg_user_mappings m, unnest(m.umoptions) AS x
                                     WHERE m.srvid = s.oid AND x LIKE 'user=%'
                                       AND m.umuser IN (0, (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user))
                                     ORDER BY m.umuser DESC LIMIT 1),
                                    current_user))
    FROM pg_foreign_server s,
         LATERAL (SELECT (SELECT substr(x, 6) FROM unnest(s.srvoptions) AS x WHERE x LIKE 'host=%') AS host,
                         (SELECT substr(x, 6) FROM unnest(s.srvoptions) AS x WHERE x LIKE 'port=%') AS port,
                         (SELECT substr(x, 8) FROM unnest(s.srvoptions) AS x WHERE x LIKE 'dbname=%') AS dbname) AS o
    WHERE s.oid = server
$$;

-- A dataset: {namespace, name} with name database.schema.table.
-- (servers2) A foreign table of postgres_fdw (the result of a node placed
-- on another server) is named by its own server: postgres://host:port of
-- the foreign server's options, and the database, schema and table there.
CREATE FUNCTION hamilton.openlineage_dataset(relation text)
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
        SELECT hamilton.openlineage_foreign_server(t.ftserver) AS srv,
               coalesce((SELECT substr(x, 13) FROM unnest(t.ftoptions) AS x WHERE x LIKE 'schema_name=%'), nsp) AS nsp,
               coalesce((SELECT substr(x, 12) FROM unnest(t.ftoptions) AS x WHERE x LIKE 'table_name=%'), relname) AS relname
          INTO remote
        FROM pg_foreign_table t
        JOIN pg_foreign_server s ON s.oid = t.ftserver
        JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw AND w.fdwname = 'postgres_fdw'
        WHERE t.ftrelid = rel;
        IF FOUND THEN
            RETURN jsonb_build_object('namespace', remote.srv->>'namespace',
                                      'name', (remote.srv->>'database') || '.' || remote.nsp || '.' || remote.relname);
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

-- (servers2) A source table a node placed on server read there: named by
-- that server; an unqualified name is the module's table, as the node's
-- search_path there (its module first) resolves it.
CREATE FUNCTION hamilton.openlineage_remote_dataset(server text, module text, relation text)
RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object('namespace', f->>'namespace',
                              'name', (f->>'database') || '.'
                                      || coalesce(p[cardinality(p) - 1], module) || '.' || p[cardinality(p)])
    FROM (SELECT hamilton.openlineage_foreign_server(s.oid) AS f, parse_ident(relation, false) AS p
          FROM pg_foreign_server s WHERE s.srvname = server) AS d
$$;

-- The schema facet of a relation: its columns' names and types.
CREATE FUNCTION hamilton.openlineage_schema_facet(relation text)
RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
               '_producer', hamilton.openlineage_producer(),
               '_schemaURL', 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
               'fields', coalesce(jsonb_agg(jsonb_build_object('name', a.attname::text,
                                                               'type', format_type(a.atttypid, a.atttypmod))
                                            ORDER BY a.attnum), '[]'::jsonb))
    FROM pg_attribute a
    WHERE a.attrelid = to_regclass(relation) AND a.attnum > 0 AND NOT a.attisdropped
    HAVING to_regclass(relation) IS NOT NULL
$$;

/*
 * hamilton_openlineage(run_id): the run as OpenLineage run events, a START,
 * a RUNNING per node that ran, and a COMPLETE (or FAIL), ready to POST to
 * an OpenLineage endpoint.  Every event carries the run's config, inputs
 * and overrides (run facet pg_hamilton_config); each output, the lineage
 * of its columns (columnLineage, from hamilton.column_lineage).
 */
CREATE FUNCTION @extschema@.hamilton_openlineage(run_id bigint)
RETURNS SETOF jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    the_run record;
    producer text := hamilton.openlineage_producer();
    run_uuid text;
    job jsonb;
    v_inputs jsonb;
    v_outputs jsonb;
    end_facets jsonb := '{}';
    config_facet jsonb;
    file_ns text := regexp_replace(hamilton.openlineage_server(), '^postgres://(.*):[0-9]+$', 'file://\1');
    step record;
    elapsed double precision := 0;
BEGIN
    IF hamilton_openlineage.run_id IS NULL THEN
        RAISE EXCEPTION 'run_id must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'hamilton_openlineage describes one run of hamilton.runs.',
                  HINT = 'SELECT run_id, status, outputs FROM hamilton.runs ORDER BY run_id DESC; lists the runs you may see.';
    END IF;
    SELECT r.* INTO the_run FROM hamilton.runs r WHERE r.run_id = hamilton_openlineage.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist or is not visible to you', hamilton_openlineage.run_id
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'hamilton.runs shows the runs of the roles you are a member of.',
                  HINT = 'SELECT run_id, status, outputs FROM hamilton.runs ORDER BY run_id DESC; lists the runs you may see.';
    END IF;

    run_uuid := hamilton.openlineage_run_uuid(the_run.run_id)::text;
    config_facet := jsonb_build_object('pg_hamilton_config', jsonb_build_object(
        '_producer', producer,
        '_schemaURL', producer || '/docs/openlineage.md#pg_hamilton_config',
        'config', the_run.config,
        'inputs', the_run.inputs,
        'overrides', the_run.overrides,
        'modules', to_jsonb(the_run.modules)));
    job := jsonb_build_object(
        'namespace', 'pg_hamilton://' || substr(hamilton.openlineage_server(), length('postgres://') + 1)
                     || '/' || current_database(),
        'name', array_to_string(ARRAY(SELECT DISTINCT o COLLATE "C" FROM unnest(the_run.outputs) AS o
                                      ORDER BY 1), ','),
        'facets', jsonb_build_object('jobType', jsonb_build_object(
            '_producer', producer,
            '_schemaURL', 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
            'processingType', 'BATCH',
            'integration', 'PG_HAMILTON',
            'jobType', 'DAG')));

    -- Inputs: the source tables the steps that ran read, and the relations
    -- given as overrides of table nodes.  Temporary tables are not datasets.
    -- (servers2) A placed step's sources are its server's (each shard's).
    WITH steps AS (
        SELECT nr.node, nr.module, nr.kind, nr.relation, nr.status, nr.placement
        FROM hamilton.node_runs nr WHERE nr.run_id = the_run.run_id
    ),
    read_rel AS (
        SELECT src AS relation, s.module, s.placement
        FROM steps s JOIN hamilton.nodes n ON n.node = s.node, unnest(n.sources) AS src
        WHERE s.status NOT IN ('overridden', 'not run')
        UNION
        SELECT src, res.schema_name::text, s.placement
        FROM hamilton.result res
        LEFT JOIN steps s ON s.node = quote_ident(res.schema_name) || '.' || quote_ident(res.node_name),
             unnest(res.sources) AS src
        WHERE res.run_id = the_run.run_id
        UNION
        SELECT s.relation, s.module, NULL FROM steps s
        WHERE s.status = 'overridden' AND s.kind <> 'scalar' AND s.relation IS NOT NULL
    ),
    datasets AS (
        SELECT DISTINCT CASE WHEN r.placement IS NULL THEN hamilton.openlineage_dataset(r.relation)
                             ELSE hamilton.openlineage_remote_dataset(srv.server, r.module, r.relation) END AS ds
        FROM read_rel r
        LEFT JOIN LATERAL jsonb_array_elements_text(CASE WHEN r.placement LIKE '[%' THEN r.placement::jsonb
                                                         ELSE jsonb_build_array(r.placement) END) AS srv(server)
               ON r.placement IS NOT NULL
        WHERE r.relation NOT LIKE 'pg\_temp%'
    )
    SELECT coalesce(jsonb_agg(d.ds ORDER BY d.ds->>'name' COLLATE "C"), '[]') INTO v_inputs
    FROM datasets d;

    -- Outputs: the results the run wrote (or, for a failed run, meant to
    -- write), with their columns and, when kept, their row counts.
    WITH written AS (
        SELECT DISTINCT ON (nr.relation) nr.relation, nr.rows, nr.status, nr.node
        FROM hamilton.node_runs nr
        WHERE nr.run_id = the_run.run_id AND nr.relation IS NOT NULL
          AND nr.relation NOT LIKE 'pg\_temp%'
          AND nr.status <> 'overridden'
        ORDER BY nr.relation, nr.step DESC
    )
    SELECT coalesce(jsonb_agg(
               hamilton.openlineage_dataset(w.relation)
               || jsonb_build_object('facets',
                      jsonb_strip_nulls(jsonb_build_object('schema', hamilton.openlineage_schema_facet(w.relation),
                                                           'columnLineage', hamilton.openlineage_column_facet(the_run.run_id, w.node))))
               || CASE WHEN w.status = 'materialized' AND w.rows IS NOT NULL
                       THEN jsonb_build_object('outputFacets', jsonb_build_object('outputStatistics', jsonb_build_object(
                                '_producer', producer,
                                '_schemaURL', 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
                                'rowCount', w.rows)))
                       ELSE '{}' END
               ORDER BY w.relation COLLATE "C"), '[]')
    INTO v_outputs
    FROM written w;

    -- Files: what hamilton_read_file read and the savers wrote
    -- (hamilton.files), as datasets of the server's file system.
    v_inputs := v_inputs || (
        SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('namespace', file_ns, 'name', f.path)), '[]')
        FROM hamilton.files f WHERE f.run_id = the_run.run_id AND f.direction = 'read');
    v_outputs := v_outputs || (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'namespace', file_ns, 'name', f.path, 'facets', '{}'::jsonb,
                   'outputFacets', jsonb_build_object('outputStatistics', jsonb_build_object(
                       '_producer', producer,
                       '_schemaURL', 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
                       'rowCount', f.rows))) ORDER BY f.path COLLATE "C"), '[]')
        FROM hamilton.files f WHERE f.run_id = the_run.run_id AND f.direction = 'written');

    IF the_run.status = 'failed' THEN
        end_facets := jsonb_build_object('errorMessage', jsonb_strip_nulls(jsonb_build_object(
            '_producer', producer,
            '_schemaURL', 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
            'message', coalesce(the_run.error, 'the run failed'),
            'programmingLanguage', 'SQL',
            'stackTrace', CASE WHEN the_run.failed_node IS NOT NULL
                               THEN format('node %s failed in pg_hamilton run %s', the_run.failed_node, the_run.run_id) END)));
    END IF;

    -- statistics are known once the run is over
    RETURN NEXT jsonb_build_object(
        'eventType', 'START',
        'eventTime', to_char(the_run.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'producer', producer,
        'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        'run', jsonb_build_object('runId', run_uuid, 'facets', config_facet),
        'job', job,
        'inputs', v_inputs,
        'outputs', (SELECT coalesce(jsonb_agg(o - 'outputFacets' ORDER BY i), '[]')
                    FROM jsonb_array_elements(v_outputs) WITH ORDINALITY AS e(o, i)));
    -- one RUNNING event per node that ran, at the time it was done (the
    -- run's start plus the steps' times so far; the time is the event's)
    FOR step IN
        SELECT nr.step, nr.node, nr.kind, nr.relation, nr.rows, nr.ms, nr.status
        FROM hamilton.node_runs nr
        WHERE nr.run_id = the_run.run_id AND nr.status NOT IN ('input', 'default', 'overridden', 'not run')
        ORDER BY nr.step
    LOOP
        elapsed := elapsed + coalesce(step.ms, 0);
        RETURN NEXT jsonb_build_object(
            'eventType', 'RUNNING',
            'eventTime', to_char(least(the_run.started_at + make_interval(secs => elapsed / 1000),
                                       coalesce(the_run.finished_at, 'infinity')) AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'producer', producer,
            'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
            'run', jsonb_build_object('runId', run_uuid, 'facets', config_facet || jsonb_build_object(
                'pg_hamilton_node', jsonb_strip_nulls(jsonb_build_object(
                    '_producer', producer,
                    '_schemaURL', producer || '/docs/openlineage.md#pg_hamilton_node',
                    'step', step.step, 'node', step.node, 'kind', step.kind, 'status', step.status,
                    'rows', step.rows)))),
            'job', job,
            'inputs', '[]'::jsonb,
            'outputs', (SELECT coalesce(jsonb_agg(o ORDER BY i), '[]')
                        FROM jsonb_array_elements(v_outputs) WITH ORDINALITY AS e(o, i)
                        WHERE step.relation IS NOT NULL
                          AND o->>'name' = (hamilton.openlineage_dataset(step.relation))->>'name'));
    END LOOP;
    -- a run still running has only started; one rolled back with its
    -- transaction, or abandoned by its session, was aborted
    IF the_run.status = 'running' THEN
        RETURN;
    END IF;
    RETURN NEXT jsonb_build_object(
        'eventType', CASE the_run.status WHEN 'failed' THEN 'FAIL' WHEN 'succeeded' THEN 'COMPLETE'
                                         ELSE 'ABORT' END,
        'eventTime', to_char(coalesce(the_run.finished_at, the_run.started_at) AT TIME ZONE 'UTC',
                             'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'producer', producer,
        'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        'run', jsonb_build_object('runId', run_uuid, 'facets', config_facet || end_facets),
        'job', job,
        'inputs', v_inputs,
        'outputs', v_outputs);
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_openlineage(bigint) IS
  'the run as OpenLineage run events: START, RUNNING for each node that ran, then COMPLETE, FAIL or ABORT (rolled back or abandoned); START only while it runs; the config in facet pg_hamilton_config, column lineage in columnLineage';
