/* pg_hamilton 1.0: Hamilton's dataflow paradigm inside PostgreSQL */

\echo Use "CREATE EXTENSION hamilton" to load this file. \quit

/*
 * The catalog lives in schema "hamilton"; the API functions live in the schema
 * the extension is created in (public by default), so that
 * SELECT * FROM hamilton_execute(ARRAY['forecast']) works as written.
 *
 * Catalog tables hold portable data only (names, SQL text), so pg_dump and
 * pg_upgrade carry them.  Users read them through the views below; every write
 * goes through the C functions, which check ownership and then write as the
 * extension's owner.
 */
CREATE SCHEMA hamilton;
COMMENT ON SCHEMA hamilton IS 'pg_hamilton catalog: modules, SQL nodes, tags, runs and lineage';

-- A module is a schema whose functions are nodes.
CREATE TABLE hamilton.module (
    schema_name   name PRIMARY KEY,
    registered_at timestamptz NOT NULL DEFAULT now(),
    registered_by name NOT NULL DEFAULT current_user
);

-- Nodes defined in SQL: a SELECT is a table node, an expression a column node.
-- A node may have several variants, each chosen by config (config_when).
CREATE TABLE hamilton.sql_node (
    schema_name   name NOT NULL,
    node_name     name NOT NULL,
    definition    text NOT NULL,
    doc           text,
    materialize   text NOT NULL DEFAULT 'auto' CHECK (materialize IN ('auto', 'table')),
    declared_inputs text[] NOT NULL DEFAULT '{}',
    owner         regrole NOT NULL,
    defined_at    timestamptz NOT NULL DEFAULT now(),
    kind          text NOT NULL DEFAULT 'table' CHECK (kind IN ('table', 'column')),
    -- a frame: a table node with a key whose columns are column nodes
    frame_key     text[],
    extract_columns boolean NOT NULL DEFAULT false,
    frame_columns text[],
    frame_types   text[],
    config_when   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config_when) = 'object'),
    -- set by hamilton_parameterize: the template and the values it used
    parameterized jsonb,
    PRIMARY KEY (schema_name, node_name, config_when)
);

-- Functions that are variants of a node (Hamilton's @config.when on spend__eu):
-- the node is named before the last "__" and exists when config matches.
CREATE TABLE hamilton.function_variant (
    schema_name   name NOT NULL,
    function_name name NOT NULL,
    config_when   jsonb NOT NULL CHECK (jsonb_typeof(config_when) = 'object'),
    PRIMARY KEY (schema_name, function_name)
);

-- Checks on any node's output (Hamilton's @check_output).
CREATE TABLE hamilton.node_check (
    schema_name name NOT NULL,
    node_name   name NOT NULL,
    checks      jsonb NOT NULL CHECK (jsonb_typeof(checks) = 'array'),
    PRIMARY KEY (schema_name, node_name)
);

-- Tags of any node (function or SQL), Hamilton's @tag.
CREATE TABLE hamilton.node_tag (
    schema_name name NOT NULL,
    node_name   name NOT NULL,
    tag_key     text NOT NULL,
    tag_value   text NOT NULL,
    PRIMARY KEY (schema_name, node_name, tag_key)
);

-- One row per successful or failed execution.
CREATE TABLE hamilton.run (
    run_id      bigint PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text NOT NULL CHECK (status IN ('succeeded', 'failed')),
    outputs     text[] NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}',
    overrides   jsonb NOT NULL DEFAULT '{}',
    config      jsonb NOT NULL DEFAULT '{}',
    run_by      name NOT NULL,
    failed_node text,
    error       text
);
CREATE SEQUENCE hamilton.run_id_seq OWNED BY hamilton.run.run_id;

-- One row per plan step of a run.
CREATE TABLE hamilton.node_run (
    run_id      bigint NOT NULL REFERENCES hamilton.run ON DELETE CASCADE,
    step        int NOT NULL,
    node        text NOT NULL,
    module      name,
    kind        text NOT NULL,
    relation    text,
    rows        bigint,
    ms          double precision,
    status      text NOT NULL,
    fingerprint text,
    error       text,
    checks      jsonb,
    PRIMARY KEY (run_id, step)
);

-- The current materialized result of each persisted node: its lineage.
CREATE TABLE hamilton.result (
    schema_name     name NOT NULL,
    node_name       name NOT NULL,
    relation        regclass NOT NULL,
    run_id          bigint NOT NULL,
    materialized_at timestamptz NOT NULL,
    fingerprint     text NOT NULL,
    inputs          jsonb NOT NULL DEFAULT '{}',
    upstream        jsonb NOT NULL DEFAULT '[]',
    sources         text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (schema_name, node_name)
);

-- pg_dump keeps users' definitions and history (the tables are extension members).
SELECT pg_catalog.pg_extension_config_dump('hamilton.module', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.sql_node', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.node_tag', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.node_check', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.function_variant', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.node_run', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.result', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run_id_seq', '');

/*
 * When a schema is dropped, forget its module, SQL nodes, tags and lineage:
 * catalog rows are keyed by schema name, and a new schema of that name,
 * created by anyone, must not inherit them.  Run history is kept.
 */
CREATE FUNCTION hamilton.forget_dropped_schemas()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped text[];
BEGIN
    SELECT array_agg(object_name) INTO dropped
    FROM pg_event_trigger_dropped_objects()
    WHERE object_type = 'schema';
    IF dropped IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM hamilton.module WHERE schema_name = ANY (dropped);
    DELETE FROM hamilton.sql_node WHERE schema_name = ANY (dropped);
    DELETE FROM hamilton.node_tag WHERE schema_name = ANY (dropped);
    DELETE FROM hamilton.node_check WHERE schema_name = ANY (dropped);
    DELETE FROM hamilton.function_variant WHERE schema_name = ANY (dropped);
    DELETE FROM hamilton.result WHERE schema_name = ANY (dropped);
END $$;
REVOKE ALL ON FUNCTION hamilton.forget_dropped_schemas() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_forget_dropped_schemas ON sql_drop
    EXECUTE FUNCTION hamilton.forget_dropped_schemas();

/*
 * When a module's schema is renamed, follow it.  The renamed schema's old
 * name is the one name in the catalog that no longer exists (dropped schemas
 * are forgotten at once, above); if that is ever ambiguous, forget them all
 * rather than guess.
 */
CREATE FUNCTION hamilton.follow_renamed_schemas()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cmd record;
    stale name[];
    new_name name;
BEGIN
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'schema' LOOP
        SELECT nspname INTO new_name FROM pg_namespace WHERE oid = cmd.objid;
        SELECT array_agg(DISTINCT s) INTO stale
        FROM (SELECT schema_name FROM hamilton.module
              UNION SELECT schema_name FROM hamilton.sql_node
              UNION SELECT schema_name FROM hamilton.node_tag
              UNION SELECT schema_name FROM hamilton.node_check
              UNION SELECT schema_name FROM hamilton.function_variant
              UNION SELECT schema_name FROM hamilton.result) AS t(s)
        WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = t.s);
        IF stale IS NULL THEN
            CONTINUE;
        ELSIF cardinality(stale) = 1 THEN
            UPDATE hamilton.module SET schema_name = new_name WHERE schema_name = stale[1];
            UPDATE hamilton.sql_node SET schema_name = new_name WHERE schema_name = stale[1];
            UPDATE hamilton.node_tag SET schema_name = new_name WHERE schema_name = stale[1];
            UPDATE hamilton.node_check SET schema_name = new_name WHERE schema_name = stale[1];
            UPDATE hamilton.function_variant SET schema_name = new_name WHERE schema_name = stale[1];
            UPDATE hamilton.result SET schema_name = new_name WHERE schema_name = stale[1];
        ELSE
            DELETE FROM hamilton.module WHERE schema_name = ANY (stale);
            DELETE FROM hamilton.sql_node WHERE schema_name = ANY (stale);
            DELETE FROM hamilton.node_tag WHERE schema_name = ANY (stale);
            DELETE FROM hamilton.node_check WHERE schema_name = ANY (stale);
            DELETE FROM hamilton.function_variant WHERE schema_name = ANY (stale);
            DELETE FROM hamilton.result WHERE schema_name = ANY (stale);
        END IF;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION hamilton.follow_renamed_schemas() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_follow_renamed_schemas ON ddl_command_end
    WHEN TAG IN ('ALTER SCHEMA')
    EXECUTE FUNCTION hamilton.follow_renamed_schemas();

/*
 * Definitions (modules, SQL nodes, tags) are public, like function sources
 * in pg_proc.  Run history and lineage are not: inputs and error texts can
 * quote data.  Users see them through the views below, which show a run to
 * members of the role that ran it (and superusers), and a result's lineage
 * also to whoever may read the result.
 */
REVOKE ALL ON ALL TABLES IN SCHEMA hamilton FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA hamilton FROM PUBLIC;
GRANT USAGE ON SCHEMA hamilton TO PUBLIC;
GRANT SELECT ON hamilton.module, hamilton.sql_node, hamilton.node_tag, hamilton.node_check,
    hamilton.function_variant TO PUBLIC;

CREATE FUNCTION hamilton.may_see_run(run_by name)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = run_by)
                THEN pg_has_role(run_by, 'MEMBER')
                ELSE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper)
           END
$$;

/* ------------------------------------------------------------------------
 * Defining the dataflow
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_register(module regnamespace)
RETURNS integer
AS 'MODULE_PATHNAME', 'hamilton_register'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_register(regnamespace) IS
  'make a schema a module: its functions (names not starting with _) become nodes; returns how many';

CREATE FUNCTION @extschema@.hamilton_unregister(module regnamespace)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unregister'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_unregister(regnamespace) IS
  'forget a module: its functions stop being nodes (its SQL nodes stay)';

CREATE FUNCTION @extschema@.hamilton_define(
    node text,
    sql text,
    doc text DEFAULT NULL,
    tags jsonb DEFAULT NULL,
    materialize text DEFAULT 'auto',
    inputs text[] DEFAULT NULL,
    key text[] DEFAULT NULL,
    extract_columns boolean DEFAULT false,
    config_when jsonb DEFAULT '{}',
    checks jsonb DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_define'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb) IS
  'define (or replace) a SQL node schema.name: a read-only SELECT is a table node (a frame with key and extract_columns), an expression is a column node';

CREATE FUNCTION @extschema@.hamilton_parameterize(
    template text,
    sql text,
    params jsonb,
    doc text DEFAULT NULL,
    tags jsonb DEFAULT NULL,
    checks jsonb DEFAULT NULL)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hamilton_parameterize'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_parameterize(text, text, jsonb, text, jsonb, jsonb) IS
  'one definition, many nodes: {key} in the template, SQL and doc takes each set of values in params; returns the nodes defined';

CREATE FUNCTION @extschema@.hamilton_when(function text, config_when jsonb)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_when'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_when(text, jsonb) IS
  'make function module.name__suffix the variant of node module.name chosen when config matches config_when (NULL or {} undoes it); returns the node''s name';

CREATE FUNCTION @extschema@.hamilton_check(node text, checks jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hamilton_check'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_check(text, jsonb) IS
  'set the checks on any node''s output (an empty array removes them); returns them';

CREATE FUNCTION @extschema@.hamilton_drop(node text)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_drop'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_drop(text) IS
  'remove a SQL node (its last result table is left in place)';

CREATE FUNCTION @extschema@.hamilton_tag(node text, tags jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hamilton_tag'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_tag(text, jsonb) IS
  'merge tags into a node (a JSON null removes a key); returns the node''s tags';

/* ------------------------------------------------------------------------
 * Running it
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_execute(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL)
RETURNS TABLE (node text, kind text, relation text, rows bigint, ms double precision, status text)
AS 'MODULE_PATHNAME', 'hamilton_execute'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_execute(text[], jsonb, jsonb, jsonb, text) IS
  'validate, run the upstream closure of the outputs, materialize them; returns the run report';

CREATE FUNCTION @extschema@.hamilton_validate(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL)
RETURNS TABLE (problem text, node text, message text, detail text, hint text)
AS 'MODULE_PATHNAME', 'hamilton_validate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_validate(text[], jsonb, jsonb, jsonb, text) IS
  'dry run: every problem that would stop hamilton_execute, one row each (no rows: valid)';

CREATE FUNCTION @extschema@.hamilton_explain(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_explain'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_explain(text[], jsonb, jsonb, jsonb, text) IS
  'the plan hamilton_execute would follow, step by step, with the SQL each step runs';

/* ------------------------------------------------------------------------
 * Graph queries and introspection
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_upstream(node text)
RETURNS TABLE (node text, depth integer)
AS 'MODULE_PATHNAME', 'hamilton_upstream'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION @extschema@.hamilton_downstream(node text)
RETURNS TABLE (node text, depth integer)
AS 'MODULE_PATHNAME', 'hamilton_downstream'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION @extschema@.hamilton_path(from_node text, to_node text)
RETURNS TABLE (node text, depth integer)
AS 'MODULE_PATHNAME', 'hamilton_path'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION hamilton.node_list()
RETURNS TABLE (node text, module name, name name, kind text, language text, type text,
               inputs text[], sources text[], doc text, tags jsonb, materialize text,
               definition text, fingerprint text, owner name,
               frame text, key text[], config_when jsonb, checks jsonb, parameterized jsonb)
AS 'MODULE_PATHNAME', 'hamilton_node_list'
LANGUAGE C VOLATILE;

CREATE FUNCTION hamilton.edge_list()
RETURNS TABLE (upstream text, downstream text, via text)
AS 'MODULE_PATHNAME', 'hamilton_edge_list'
LANGUAGE C VOLATILE;

CREATE VIEW hamilton.nodes AS SELECT * FROM hamilton.node_list();
COMMENT ON VIEW hamilton.nodes IS 'every node of the dataflow (every variant of it), as the next execution will see it';

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

CREATE VIEW hamilton.runs WITH (security_barrier) AS
SELECT r.run_id, r.status, r.started_at, r.finished_at,
       round(extract(epoch FROM r.finished_at - r.started_at)::numeric * 1000, 3) AS ms,
       r.outputs, r.inputs, r.overrides, r.config, r.run_by, r.failed_node, r.error
FROM hamilton.run r
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.runs IS 'every run you (or a role you belong to) made: status, outputs, inputs, error';

CREATE VIEW hamilton.node_runs WITH (security_barrier) AS
SELECT nr.run_id, nr.step, nr.node, nr.module, nr.kind, nr.relation, nr.rows, nr.ms,
       nr.status, nr.fingerprint, nr.error
FROM hamilton.node_run nr
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.node_runs IS 'every step of the runs in hamilton.runs';

CREATE VIEW hamilton.lineage WITH (security_barrier) AS
SELECT res.relation,
       pg_catalog.quote_ident(res.schema_name) || '.' || pg_catalog.quote_ident(res.node_name) AS node,
       res.schema_name AS module,
       res.run_id,
       run.status AS run_status,
       res.materialized_at,
       res.fingerprint,
       res.inputs,
       res.upstream,
       res.sources
FROM hamilton.result res
LEFT JOIN hamilton.run run USING (run_id)
WHERE coalesce(pg_catalog.has_table_privilege(res.relation::pg_catalog.oid, 'SELECT'), false)
   OR hamilton.may_see_run(run.run_by);
COMMENT ON VIEW hamilton.lineage IS 'for each materialized table: the run and node that made it, its code fingerprint, inputs, upstream results and source tables';

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

GRANT SELECT ON hamilton.check_results TO PUBLIC;
GRANT SELECT ON hamilton.nodes, hamilton.edges, hamilton.modules, hamilton.tags,
    hamilton.runs, hamilton.node_runs, hamilton.lineage TO PUBLIC;
REVOKE ALL ON FUNCTION hamilton.node_list() FROM PUBLIC;
REVOKE ALL ON FUNCTION hamilton.edge_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hamilton.node_list() TO PUBLIC;
GRANT EXECUTE ON FUNCTION hamilton.edge_list() TO PUBLIC;
