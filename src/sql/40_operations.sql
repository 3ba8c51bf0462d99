/* ------------------------------------------------------------------------
 * Daily operations: pictures (hamilton_dot), OpenLineage export, and
 * scheduling through pg_cron.
 * ------------------------------------------------------------------------ */

/*
 * Everything here is plpgsql over the views of 10_core.sql, and runs with
 * the caller's privileges (SECURITY INVOKER): a picture, an OpenLineage
 * event or a schedule shows only the nodes, runs and jobs the caller may see.
 * pg_cron is optional: nothing below names schema "cron" outside dynamic
 * SQL, so the extension installs and works without it.
 */

/* ------------------------------------------------------------------------
 * Pictures: Graphviz DOT of the DAG or of one execution path
 * ------------------------------------------------------------------------ */

-- Text for a DOT quoted string: backslashes and quotes escaped, control
-- characters (which DOT would keep or reject) turned into spaces.
CREATE FUNCTION hamilton.dot_escape(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT replace(replace(regexp_replace(s, '[[:cntrl:]]', ' ', 'g'), E'\\', E'\\\\'), '"', E'\\"')
$$;

-- A DOT quoted string of escaped text.  DOT reads \" as a quote even after
-- an escaped backslash, so the string never ends with one.
CREATE FUNCTION hamilton.dot_enquote(escaped text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '"' || escaped || CASE WHEN right(escaped, 1) = E'\\' THEN ' ' ELSE '' END || '"'
$$;

CREATE FUNCTION hamilton.dot_quote(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$ SELECT hamilton.dot_enquote(hamilton.dot_escape(s)) $$;

-- A DOT label of several lines (each escaped, joined by \n).
CREATE FUNCTION hamilton.dot_label(lines text[])
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT hamilton.dot_enquote(string_agg(hamilton.dot_escape(l.line), E'\\n' ORDER BY l.i))
    FROM unnest(lines) WITH ORDINALITY AS l(line, i)
    WHERE l.line IS NOT NULL
$$;

/*
 * dot_node is one node's statement: its shape says its kind, a dashed
 * outline an input, a thick outline a requested output; with a run, the
 * fill says how the step ended (failed in red).
 */
CREATE FUNCTION hamilton.dot_node(
    node text, kind text, language text, type text, tags jsonb, defined boolean,
    is_output boolean, with_run boolean, in_run boolean,
    status text, rows bigint, ms double precision, error text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lines text[] := ARRAY[node];
    what text;
    shape text;
    styles text[] := '{}';
    attrs text[] := '{}';
    fill text;
    line text;
BEGIN
    what := CASE
        WHEN kind = 'input' THEN 'input'
        WHEN kind = 'scalar' THEN 'scalar' || coalesce(' ' || type, '') || coalesce(' (' || language || ')', '')
        WHEN kind = 'table' AND language = 'sql' THEN 'table: SQL'
        WHEN kind = 'table' THEN 'table: ' || coalesce(language || ' function', 'function')
        WHEN kind = 'column' THEN 'column' || coalesce(' ' || type, '')
        ELSE kind || coalesce(' ' || type, '')
    END;
    IF NOT defined THEN
        what := what || ' (no longer defined)';
    END IF;
    lines := lines || what;
    IF tags IS NOT NULL THEN
        lines := lines || ARRAY(SELECT t.key || '=' || t.value
                                FROM jsonb_each_text(tags) AS t
                                ORDER BY t.key COLLATE "C");
    END IF;
    IF with_run THEN
        IF in_run THEN
            line := status;
            IF rows IS NOT NULL THEN
                line := line || ', ' || rows || CASE WHEN rows = 1 THEN ' row' ELSE ' rows' END;
            END IF;
            IF ms IS NOT NULL THEN
                line := line || ', ' || round(ms::numeric, 3) || ' ms';
            END IF;
            lines := lines || line;
            IF error IS NOT NULL THEN
                lines := lines || ('error: ' || CASE WHEN length(error) > 80
                                                     THEN left(error, 77) || '...' ELSE error END);
            END IF;
        ELSE
            lines := lines || 'not in this run'::text;
        END IF;
    END IF;

    CASE
        WHEN kind = 'input' THEN shape := 'box'; styles := styles || 'dashed'::text;
        WHEN kind = 'scalar' THEN shape := 'ellipse';
        WHEN kind = 'table' AND language = 'sql' THEN shape := 'tab';
        WHEN kind = 'table' THEN shape := 'box'; styles := styles || 'rounded'::text;
        WHEN kind = 'column' THEN shape := 'parallelogram';
        ELSE shape := 'box';
    END CASE;

    IF with_run AND in_run THEN
        fill := CASE status
                    WHEN 'failed' THEN '#f4a6a6'
                    WHEN 'rolled back' THEN '#fde2b8'
                    WHEN 'not run' THEN '#e8e8e8'
                    ELSE '#cdebc5' END;
        IF status = 'failed' THEN
            attrs := attrs || 'color="#b00020"'::text;
        ELSIF status = 'not run' THEN
            attrs := attrs || 'fontcolor="#666666"'::text;
        END IF;
    ELSIF with_run THEN
        attrs := attrs || 'color="#999999"'::text || 'fontcolor="#666666"'::text;
    ELSIF is_output THEN
        fill := '#ffe08a';
    END IF;
    IF fill IS NOT NULL THEN
        styles := styles || 'filled'::text;
        attrs := ('fillcolor="' || fill || '"') || attrs;
    END IF;
    IF is_output THEN
        attrs := attrs || 'penwidth=3'::text;
    END IF;

    RETURN '  ' || hamilton.dot_quote(node) || ' [label=' || hamilton.dot_label(lines)
        || ', shape=' || shape
        || CASE WHEN cardinality(styles) > 0
                THEN ', style=' || hamilton.dot_quote(array_to_string(styles, ',')) ELSE '' END
        || CASE WHEN cardinality(attrs) > 0 THEN ', ' || array_to_string(attrs, ', ') ELSE '' END
        || '];';
END $$;

/*
 * hamilton_dot(outputs, run_id): Graphviz DOT of the whole DAG (no
 * outputs), of the execution path of outputs (their upstream closure,
 * Hamilton's visualize_execution), or of a run (the steps it took), with
 * each step's status, rows and time when run_id is given.
 */
CREATE FUNCTION @extschema@.hamilton_dot(outputs text[] DEFAULT NULL, run_id bigint DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    has_run boolean := false;
    rid bigint;
    run_status text;
    run_outputs text[];
    members text[];         -- the nodes to draw; NULL: every node
    wanted text[] := '{}';  -- the requested outputs, as node names
    o text;
    resolved text;
    title text;
    body text;
BEGIN
    IF hamilton_dot.outputs IS NOT NULL THEN
        IF cardinality(hamilton_dot.outputs) = 0 THEN
            RAISE EXCEPTION 'outputs must not be empty'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'An empty array names no node to draw the execution path of.',
                      HINT = 'Pass NULL (or nothing) for the whole DAG, or name outputs, e.g. ARRAY[''forecast''].';
        END IF;
        IF array_position(hamilton_dot.outputs, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'outputs must not contain NULL'
                USING ERRCODE = 'null_value_not_allowed',
                      DETAIL = format('Element %s is NULL.', array_position(hamilton_dot.outputs, NULL)),
                      HINT = 'Remove the NULL element.';
        END IF;
    END IF;

    IF hamilton_dot.run_id IS NOT NULL THEN
        SELECT r.run_id, r.status, r.outputs INTO rid, run_status, run_outputs
        FROM hamilton.runs r WHERE r.run_id = hamilton_dot.run_id;
        has_run := FOUND;
        IF NOT has_run THEN
            RAISE EXCEPTION 'run % does not exist or is not visible to you', hamilton_dot.run_id
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'hamilton.runs shows the runs of the roles you are a member of.',
                      HINT = 'SELECT run_id, status, outputs FROM hamilton.runs ORDER BY run_id DESC; lists the runs you may see.';
        END IF;
    END IF;

    IF hamilton_dot.outputs IS NOT NULL THEN
        -- the upstream closure; unknown names raise hamilton_upstream's error
        members := '{}';
        FOREACH o IN ARRAY hamilton_dot.outputs LOOP
            SELECT p.node INTO resolved FROM @extschema@.hamilton_path(o, o) AS p;
            wanted := wanted || resolved;
            members := members || resolved
                || ARRAY(SELECT u.node FROM @extschema@.hamilton_upstream(o) AS u);
        END LOOP;
        title := 'execution path of ' || array_to_string(ARRAY(SELECT DISTINCT w COLLATE "C" FROM unnest(wanted) AS w
                                                               ORDER BY 1), ', ');
        IF has_run THEN
            title := title || format(', run %s (%s)', rid, run_status);
        END IF;
    ELSIF has_run THEN
        -- the steps the run took (an override cuts the closure, and nodes
        -- may have changed since)
        members := ARRAY(SELECT nr.node FROM hamilton.node_runs nr WHERE nr.run_id = rid);
        FOREACH o IN ARRAY run_outputs LOOP
            BEGIN
                SELECT p.node INTO resolved FROM @extschema@.hamilton_path(o, o) AS p;
            EXCEPTION WHEN OTHERS THEN
                -- gone or renamed since: the step of that name, if one
                SELECT min(nr.node) INTO resolved
                FROM hamilton.node_runs nr
                WHERE nr.run_id = rid AND (nr.node = o OR nr.node LIKE '%.' || o)
                HAVING count(*) = 1;
            END;
            IF resolved IS NOT NULL THEN
                wanted := wanted || resolved;
            END IF;
        END LOOP;
        title := format('run %s (%s) of %s', rid, run_status, array_to_string(run_outputs, ', '));
    ELSE
        title := 'every node';
    END IF;

    WITH defined AS (
        SELECT n.node, n.kind, n.language, n.type, n.tags, n.sources
        FROM hamilton.nodes n
        WHERE members IS NULL OR n.node IN (SELECT unnest(members))
    ),
    steps AS (
        SELECT nr.node, nr.kind, nr.status, nr.rows, nr.ms, nr.error
        FROM hamilton.node_runs nr
        WHERE nr.run_id = rid
    ),
    drawn AS (
        SELECT d.node, d.kind, d.language, d.type, d.tags, d.sources, true AS defined
        FROM defined d
        UNION ALL
        SELECT s.node, s.kind, NULL, NULL, NULL, '{}', false
        FROM steps s
        WHERE (members IS NULL OR s.node IN (SELECT unnest(members)))
          AND NOT EXISTS (SELECT 1 FROM defined d WHERE d.node = s.node)
    ),
    sources AS (
        SELECT DISTINCT src, d.node
        FROM drawn d, unnest(d.sources) AS src
    ),
    edges AS (
        SELECT e.upstream, e.downstream, bool_and(e.via = 'declared') AS declared
        FROM hamilton.edges e
        WHERE e.upstream IN (SELECT node FROM drawn) AND e.downstream IN (SELECT node FROM drawn)
        GROUP BY e.upstream, e.downstream
    ),
    statements AS (
        SELECT 1 AS section, 'source ' || s.src AS sort_key,
               '  ' || hamilton.dot_quote('source ' || s.src) || ' [label='
               || hamilton.dot_label(ARRAY[s.src, 'source table'])
               || ', shape=cylinder, style="filled", fillcolor="#dde7f5"];' AS line
        FROM (SELECT DISTINCT src FROM sources) AS s
        UNION ALL
        SELECT 2, d.node,
               hamilton.dot_node(d.node, d.kind, d.language, d.type, d.tags, d.defined,
                                 d.node = ANY (wanted), has_run, s.node IS NOT NULL,
                                 s.status, s.rows, s.ms, s.error)
        FROM drawn d LEFT JOIN steps s ON s.node = d.node
        UNION ALL
        SELECT 3, s.src || ' ' || s.node,
               '  ' || hamilton.dot_quote('source ' || s.src) || ' -> ' || hamilton.dot_quote(s.node)
               || ' [color="#7f8fa6"];'
        FROM sources s
        UNION ALL
        SELECT 4, e.upstream || ' ' || e.downstream,
               '  ' || hamilton.dot_quote(e.upstream) || ' -> ' || hamilton.dot_quote(e.downstream)
               || CASE WHEN e.declared THEN ' [style=dotted]' ELSE '' END || ';'
        FROM edges e
    )
    SELECT string_agg(st.line, E'\n' ORDER BY st.section, st.sort_key COLLATE "C", st.line COLLATE "C")
    INTO body
    FROM statements st;

    RETURN 'digraph hamilton {' || E'\n'
        || '  graph [label=' || hamilton.dot_quote('pg_hamilton: ' || title)
        || ', labelloc=t, rankdir=LR, fontname="Helvetica"];' || E'\n'
        || '  node [fontname="Helvetica", fontsize=10];' || E'\n'
        || '  edge [color="#555555"];' || E'\n'
        || coalesce(body || E'\n', '')
        || '}' || E'\n';
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_dot(text[], bigint) IS
  'Graphviz DOT of the DAG, of the execution path of outputs, or of a run with each step''s status';

/* ------------------------------------------------------------------------
 * OpenLineage: a run's START and COMPLETE/FAIL events
 * ------------------------------------------------------------------------ */

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

-- A dataset: {namespace, name} with name database.schema.table.
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
BEGIN
    IF rel IS NOT NULL THEN
        SELECT n.nspname, c.relname INTO nsp, relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;
    ELSE
        -- gone since: its recorded name
        parts := parse_ident(relation, false);
        relname := parts[cardinality(parts)];
        nsp := coalesce(parts[cardinality(parts) - 1], 'public');
    END IF;
    RETURN jsonb_build_object('namespace', hamilton.openlineage_server(),
                              'name', current_database() || '.' || nsp || '.' || relname);
END $$;

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
 * hamilton_openlineage(run_id): the run as OpenLineage run events, a START
 * and a COMPLETE (or FAIL), ready to POST to an OpenLineage endpoint.
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
    WITH steps AS (
        SELECT nr.node, nr.kind, nr.relation, nr.status
        FROM hamilton.node_runs nr WHERE nr.run_id = the_run.run_id
    ),
    read_rel AS (
        SELECT src AS relation
        FROM steps s JOIN hamilton.nodes n ON n.node = s.node, unnest(n.sources) AS src
        WHERE s.status NOT IN ('overridden', 'not run')
        UNION
        SELECT src FROM hamilton.result res, unnest(res.sources) AS src
        WHERE res.run_id = the_run.run_id
        UNION
        SELECT s.relation FROM steps s
        WHERE s.status = 'overridden' AND s.kind <> 'scalar' AND s.relation IS NOT NULL
    ),
    datasets AS (
        SELECT DISTINCT hamilton.openlineage_dataset(r.relation) AS ds
        FROM read_rel r WHERE r.relation NOT LIKE 'pg\_temp%'
    )
    SELECT coalesce(jsonb_agg(d.ds ORDER BY d.ds->>'name' COLLATE "C"), '[]') INTO v_inputs
    FROM datasets d;

    -- Outputs: the results the run wrote (or, for a failed run, meant to
    -- write), with their columns and, when kept, their row counts.
    WITH written AS (
        SELECT DISTINCT ON (nr.relation) nr.relation, nr.rows, nr.status
        FROM hamilton.node_runs nr
        WHERE nr.run_id = the_run.run_id AND nr.relation IS NOT NULL
          AND nr.relation NOT LIKE 'pg\_temp%'
          AND nr.status <> 'overridden'
        ORDER BY nr.relation, nr.step DESC
    )
    SELECT coalesce(jsonb_agg(
               hamilton.openlineage_dataset(w.relation)
               || jsonb_build_object('facets',
                      jsonb_strip_nulls(jsonb_build_object('schema', hamilton.openlineage_schema_facet(w.relation))))
               || CASE WHEN w.status = 'materialized' AND w.rows IS NOT NULL
                       THEN jsonb_build_object('outputFacets', jsonb_build_object('outputStatistics', jsonb_build_object(
                                '_producer', producer,
                                '_schemaURL', 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
                                'rowCount', w.rows)))
                       ELSE '{}' END
               ORDER BY w.relation COLLATE "C"), '[]')
    INTO v_outputs
    FROM written w;

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
        'run', jsonb_build_object('runId', run_uuid, 'facets', '{}'::jsonb),
        'job', job,
        'inputs', v_inputs,
        'outputs', (SELECT coalesce(jsonb_agg(o - 'outputFacets' ORDER BY i), '[]')
                    FROM jsonb_array_elements(v_outputs) WITH ORDINALITY AS e(o, i)));
    RETURN NEXT jsonb_build_object(
        'eventType', CASE WHEN the_run.status = 'failed' THEN 'FAIL' ELSE 'COMPLETE' END,
        'eventTime', to_char(coalesce(the_run.finished_at, the_run.started_at) AT TIME ZONE 'UTC',
                             'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'producer', producer,
        'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        'run', jsonb_build_object('runId', run_uuid, 'facets', end_facets),
        'job', job,
        'inputs', v_inputs,
        'outputs', v_outputs);
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_openlineage(bigint) IS
  'the run as OpenLineage run events: START, then COMPLETE or FAIL';

/* ------------------------------------------------------------------------
 * Scheduling through pg_cron
 * ------------------------------------------------------------------------ */

/*
 * The schedules hamilton_schedule made: one pg_cron job each, run as the
 * role that scheduled it.  The request is kept here, not parsed back out of
 * the job's command, so that hamilton.schedules can find the runs the job
 * produced.  Each role writes only its own rows (row-level security); the
 * members of a role see its schedules, as they see its runs.
 */
CREATE TABLE hamilton.schedule (
    job         text NOT NULL,
    created_by  name NOT NULL DEFAULT current_user,
    jobid       bigint NOT NULL,
    schedule    text NOT NULL,
    outputs     text[] NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}',
    overrides   jsonb NOT NULL DEFAULT '{}',
    config      jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedule_pkey PRIMARY KEY (created_by, job)
);
SELECT pg_catalog.pg_extension_config_dump('hamilton.schedule', '');

ALTER TABLE hamilton.schedule ENABLE ROW LEVEL SECURITY;
CREATE POLICY schedule_read ON hamilton.schedule FOR SELECT
    USING (hamilton.may_see_run(created_by));
CREATE POLICY schedule_add ON hamilton.schedule FOR INSERT
    WITH CHECK (created_by = current_user);
CREATE POLICY schedule_change ON hamilton.schedule FOR UPDATE
    USING (created_by = current_user) WITH CHECK (created_by = current_user);
CREATE POLICY schedule_remove ON hamilton.schedule FOR DELETE
    USING (created_by = current_user);
REVOKE ALL ON hamilton.schedule FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON hamilton.schedule TO PUBLIC;

/*
 * cron_unavailable says why pg_cron cannot be used from this database, as
 * {detail, hint}; NULL when it can.  pg_cron's jobs live in one database
 * (cron.database_name), the only one where CREATE EXTENSION pg_cron works.
 */
CREATE FUNCTION hamilton.cron_unavailable()
RETURNS text[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cron_db text;
    readable boolean := true;
    install text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        RETURN NULL;
    END IF;
    BEGIN
        cron_db := current_setting('cron.database_name', true);
    EXCEPTION WHEN insufficient_privilege THEN
        readable := false;      -- visible to superusers only
    END;
    install := format('Install pg_cron (apt-get install postgresql-15-cron), set shared_preload_libraries = ''pg_cron'' '
                      'and cron.database_name = %L in postgresql.conf, restart PostgreSQL, '
                      'then run CREATE EXTENSION pg_cron in that database.', current_database());
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_cron') THEN
        RETURN ARRAY['The pg_cron extension is not installed on this server.', install];
    ELSIF NOT readable THEN
        RETURN ARRAY['The pg_cron extension is not created in this database.',
                     install || ' Ask a superuser: those settings are visible to superusers only.'];
    ELSIF cron_db IS NULL THEN
        RETURN ARRAY['pg_cron is installed on this server but not loaded: shared_preload_libraries does not include it.',
                     install];
    ELSIF cron_db <> current_database() THEN
        RETURN ARRAY[format('pg_cron runs its jobs from database %s (cron.database_name), and this is database %s.',
                            quote_ident(cron_db), quote_ident(current_database())),
                     format('Schedule from database %s (CREATE EXTENSION hamilton there, with your dataflow), '
                            'or set cron.database_name = %L in postgresql.conf, restart PostgreSQL '
                            'and run CREATE EXTENSION pg_cron here.', quote_ident(cron_db), current_database())];
    ELSE
        RETURN ARRAY['pg_cron is loaded for this database, but the extension is not created in it.',
                     'Run CREATE EXTENSION pg_cron; in this database (as a superuser).'];
    END IF;
END $$;

CREATE FUNCTION hamilton.raise_cron_unavailable()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    why text[] := hamilton.cron_unavailable();
BEGIN
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'scheduling needs the pg_cron extension in this database'
            USING ERRCODE = 'feature_not_supported', DETAIL = why[1], HINT = why[2];
    END IF;
END $$;

-- The error for a role without USAGE on schema cron.
CREATE FUNCTION hamilton.raise_cron_denied(message text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '%', message
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s may not use pg_cron''s schema cron.', quote_ident(current_user)),
              HINT = format('A superuser can allow it: GRANT USAGE ON SCHEMA cron TO %s;', quote_ident(current_user));
END $$;

-- A job name pg_cron keeps as given: not empty, at most 63 bytes (type name).
CREATE FUNCTION hamilton.check_job_name(job text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF job IS NULL THEN
        RAISE EXCEPTION 'job must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'job names the pg_cron job; one role has one job of a name.',
                  HINT = 'Name it, e.g. ''nightly_forecast''.';
    ELSIF btrim(job) = '' THEN
        RAISE EXCEPTION 'job must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'job names the pg_cron job; one role has one job of a name.',
                  HINT = 'Name it, e.g. ''nightly_forecast''.';
    ELSIF octet_length(job) > 63 THEN
        RAISE EXCEPTION 'job name "%" is too long', job
            USING ERRCODE = 'name_too_long',
                  DETAIL = format('It is %s bytes long; pg_cron keeps job names of at most 63 bytes.', octet_length(job)),
                  HINT = 'Use a shorter name.';
    END IF;
END $$;

/*
 * hamilton_schedule(job, schedule, outputs, inputs, overrides, config)
 * makes (or, for a job name the caller already used, changes) a pg_cron job
 * that runs hamilton_execute with those arguments, as the calling role.
 * The dataflow is validated first; nothing is scheduled if it cannot run.
 */
CREATE FUNCTION @extschema@.hamilton_schedule(
    job text,
    schedule text,
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    v_inputs jsonb := coalesce(hamilton_schedule.inputs, '{}');
    v_overrides jsonb := coalesce(hamilton_schedule.overrides, '{}');
    v_config jsonb := coalesce(hamilton_schedule.config, '{}');
    problems int;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
    command text;
    existing bigint;
    new_jobid bigint;
BEGIN
    PERFORM hamilton.check_job_name(hamilton_schedule.job);
    IF hamilton_schedule.schedule IS NULL OR btrim(hamilton_schedule.schedule) = '' THEN
        RAISE EXCEPTION 'schedule must not be %', CASE WHEN hamilton_schedule.schedule IS NULL THEN 'NULL' ELSE 'empty' END
            USING ERRCODE = CASE WHEN hamilton_schedule.schedule IS NULL THEN 'null_value_not_allowed'
                                 ELSE 'invalid_parameter_value' END,
                  DETAIL = 'schedule says when pg_cron runs the job.',
                  HINT = 'Write a cron expression, e.g. ''0 3 * * *'' (every day at 03:00) or ''*/10 * * * *''.';
    END IF;

    -- Refuse a dataflow that cannot run, with the error hamilton_execute
    -- would raise (its SQLSTATE, every problem in the detail).
    SELECT count(*) INTO problems
    FROM @extschema@.hamilton_validate(hamilton_schedule.outputs, v_inputs, v_overrides, v_config);
    IF problems > 0 THEN
        BEGIN
            PERFORM @extschema@.hamilton_explain(hamilton_schedule.outputs, v_inputs, v_overrides, v_config);
            err_state := 'invalid_parameter_value';
            err_message := format('the dataflow has %s problems', problems);
            err_hint := 'SELECT * FROM hamilton_validate(...) lists them.';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                    err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
        END;
        RAISE EXCEPTION 'cannot schedule job "%": %', hamilton_schedule.job, err_message
            USING ERRCODE = err_state,
                  DETAIL = coalesce(err_detail, ''),
                  HINT = concat_ws(E'\n', nullif(err_hint, ''),
                                   'Nothing was scheduled: fix the dataflow or the arguments, then schedule it again.');
    END IF;

    PERFORM hamilton.raise_cron_unavailable();

    command := format('SELECT count(*) FROM %s.hamilton_execute(%L::text[], %L::jsonb, %L::jsonb, %L::jsonb)',
                      '@extschema@', hamilton_schedule.outputs, v_inputs, v_overrides, v_config);
    BEGIN
        -- a job of that name that hamilton_schedule did not make is not ours to replace
        EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
            INTO existing USING hamilton_schedule.job;
        IF existing IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM hamilton.schedule s
                WHERE s.created_by = current_user AND s.job = hamilton_schedule.job AND s.jobid = existing) THEN
            RAISE EXCEPTION 'pg_cron job "%" exists and was not made by hamilton_schedule', hamilton_schedule.job
                USING ERRCODE = 'duplicate_object',
                      DETAIL = format('It is pg_cron job %s of role %s; hamilton_schedule replaces only its own jobs.',
                                      existing, quote_ident(current_user)),
                      HINT = format('Choose another job name, or remove that job first: SELECT cron.unschedule(%s);', existing);
        END IF;
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO new_jobid
            USING hamilton_schedule.job, hamilton_schedule.schedule, command;
    EXCEPTION
        WHEN invalid_parameter_value THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            RAISE EXCEPTION '%', err_message
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('pg_cron refused the schedule %L of job "%s".',
                                      hamilton_schedule.schedule, hamilton_schedule.job),
                      HINT = 'Write five cron fields, minute hour day-of-month month day-of-week, as in '
                             '''*/5 * * * *'' or ''0 3 * * 1-5'', or @hourly, @daily, @weekly; '
                             'pg_cron 1.5 and later also take ''[1-59] seconds''.';
        WHEN insufficient_privilege THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            PERFORM hamilton.raise_cron_denied(err_message);
    END;

    INSERT INTO hamilton.schedule AS s (job, created_by, jobid, schedule, outputs, inputs, overrides, config)
    VALUES (hamilton_schedule.job, current_user, new_jobid, hamilton_schedule.schedule,
            hamilton_schedule.outputs, v_inputs, v_overrides, v_config)
    ON CONFLICT ON CONSTRAINT schedule_pkey DO UPDATE
        SET jobid = EXCLUDED.jobid, schedule = EXCLUDED.schedule, outputs = EXCLUDED.outputs,
            inputs = EXCLUDED.inputs, overrides = EXCLUDED.overrides, config = EXCLUDED.config,
            updated_at = now();
    RETURN new_jobid;
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_schedule(text, text, text[], jsonb, jsonb, jsonb) IS
  'run hamilton_execute(outputs, inputs, overrides, config) on a pg_cron schedule, as the calling role; returns the pg_cron job id';

/*
 * hamilton_unschedule(job) removes the caller's job of that name and its
 * record.  It returns true when it removed a pg_cron job, false when the job
 * was already gone (removed outside, or a record restored without it).
 */
CREATE FUNCTION @extschema@.hamilton_unschedule(job text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    recorded bigint;
    named bigint;
    live bigint;
    cron_usable boolean := hamilton.cron_unavailable() IS NULL;
    err_message text;
BEGIN
    PERFORM hamilton.check_job_name(hamilton_unschedule.job);
    SELECT s.jobid INTO recorded FROM hamilton.schedule s
    WHERE s.created_by = current_user AND s.job = hamilton_unschedule.job;

    IF cron_usable THEN
        BEGIN
            EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
                INTO named USING hamilton_unschedule.job;
            IF recorded IS NOT NULL THEN
                EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobid = $1 AND j.username = current_user'
                    INTO live USING recorded;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            PERFORM hamilton.raise_cron_denied(err_message);
        END;
    END IF;

    IF recorded IS NULL THEN
        IF named IS NOT NULL THEN
            RAISE EXCEPTION 'pg_cron job "%" was not made by hamilton_schedule', hamilton_unschedule.job
                USING ERRCODE = 'wrong_object_type',
                      DETAIL = format('It is pg_cron job %s; hamilton_unschedule removes only the jobs hamilton_schedule made.', named),
                      HINT = format('Remove it with pg_cron: SELECT cron.unschedule(%s);', named);
        END IF;
        RAISE EXCEPTION 'no schedule named "%"', hamilton_unschedule.job
            USING ERRCODE = 'undefined_object',
                  DETAIL = format('Role %s has no job of that name made by hamilton_schedule.', quote_ident(current_user)),
                  HINT = 'SELECT job, created_by FROM hamilton.schedules; lists the schedules you may see; '
                         'a job is removed by the role that scheduled it.';
    END IF;

    IF live IS NOT NULL THEN
        EXECUTE 'SELECT cron.unschedule($1::bigint)' USING live;
    END IF;
    DELETE FROM hamilton.schedule s WHERE s.created_by = current_user AND s.job = hamilton_unschedule.job;
    RETURN live IS NOT NULL;
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_unschedule(text) IS
  'remove a job made by hamilton_schedule; true when a pg_cron job was removed, false when it was already gone';

/*
 * schedule_list is hamilton.schedules: each schedule you may see, its
 * pg_cron job, the job's last run, and the last pg_hamilton run the job
 * produced.  A job's runs are the runs of hamilton.runs by the job's role,
 * with exactly the job's outputs, inputs, overrides and config, that started
 * within one of the job's runs in cron.job_run_details.
 */
CREATE FUNCTION hamilton.schedule_list()
RETURNS TABLE (job text, jobid bigint, schedule text, active boolean, job_exists boolean,
               outputs text[], inputs jsonb, overrides jsonb, config jsonb,
               created_by name, created_at timestamptz, updated_at timestamptz,
               last_cron_runid bigint, last_cron_status text, last_cron_start timestamptz,
               last_cron_end timestamptz, last_cron_message text,
               last_run_id bigint, last_run_status text, last_run_started_at timestamptz,
               last_run_ms numeric, last_run_error text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF hamilton.cron_unavailable() IS NOT NULL OR NOT has_schema_privilege('cron', 'USAGE') THEN
        RETURN QUERY
        SELECT s.job, s.jobid, s.schedule, NULL::boolean,
               CASE WHEN hamilton.cron_unavailable() IS NOT NULL THEN false END,
               s.outputs, s.inputs, s.overrides, s.config, s.created_by, s.created_at, s.updated_at,
               NULL::bigint, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::text,
               NULL::bigint, NULL::text, NULL::timestamptz, NULL::numeric, NULL::text
        FROM hamilton.schedule s
        ORDER BY s.created_by, s.job;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        SELECT s.job, s.jobid, coalesce(j.schedule, s.schedule), j.active,
               -- pg_cron shows a role only its own jobs (superusers see all)
               CASE WHEN s.created_by = current_user
                         OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls))
                    THEN j.jobid IS NOT NULL END,
               s.outputs, s.inputs, s.overrides, s.config, s.created_by, s.created_at, s.updated_at,
               d.runid, d.status, d.start_time, d.end_time, d.return_message,
               r.run_id, r.status, r.started_at, r.ms, r.error
        FROM hamilton.schedule s
        LEFT JOIN cron.job j ON j.jobid = s.jobid AND j.username = s.created_by
        LEFT JOIN LATERAL (
            SELECT c.runid, c.status, c.start_time, c.end_time, c.return_message
            FROM cron.job_run_details c
            WHERE c.jobid = s.jobid AND c.username = s.created_by
            ORDER BY c.runid DESC LIMIT 1) d ON true
        LEFT JOIN LATERAL (
            SELECT hr.run_id, hr.status, hr.started_at, hr.ms, hr.error
            FROM hamilton.runs hr
            WHERE hr.run_by = s.created_by AND hr.outputs = s.outputs AND hr.inputs = s.inputs
              AND hr.overrides = s.overrides AND hr.config = s.config
              AND EXISTS (SELECT 1 FROM cron.job_run_details c
                          WHERE c.jobid = s.jobid AND c.username = s.created_by
                            AND hr.started_at >= c.start_time
                            AND hr.started_at <= coalesce(c.end_time, 'infinity'))
            ORDER BY hr.run_id DESC LIMIT 1) r ON true
        ORDER BY s.created_by, s.job
    $q$;
END $$;

CREATE VIEW hamilton.schedules AS SELECT * FROM hamilton.schedule_list();
COMMENT ON VIEW hamilton.schedules IS 'each schedule made by hamilton_schedule: its pg_cron job, the job''s last run and the last pg_hamilton run it produced';
GRANT SELECT ON hamilton.schedules TO PUBLIC;
