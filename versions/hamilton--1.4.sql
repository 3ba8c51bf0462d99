/* pg_hamilton: Hamilton's dataflow paradigm inside PostgreSQL (the install script of the default version, hamilton.control) */

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
    -- the owning role: its OID, which follows renames and is never inherited
    -- by a new role of the same name, and its name (owner_name), which is
    -- what a dump carries to another cluster (hamilton.bind_restored_owner)
    owner         oid NOT NULL,
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
    owner_name    name,
    -- the role that owned the node in a restored dump and did not exist here
    adopted_from  name,
    -- how its result table is refreshed: replaced, or by a diff on its key
    -- (key =>) that leaves a reader's older snapshot its old rows
    refresh       text NOT NULL DEFAULT 'replace' CHECK (refresh IN ('replace', 'concurrent')),
    -- the key it is refreshed on, when it is no frame (a frame's is frame_key)
    refresh_key   text[],
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

-- One row per run that ended: it succeeded (written by the run, in the
-- caller's transaction), failed (written by the recorder, in a transaction
-- of its own) or succeeded and was rolled back with the caller's
-- transaction (written by the recorder when the transaction aborted).
CREATE TABLE hamilton.run (
    run_id      bigint PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text NOT NULL CHECK (status IN ('succeeded', 'failed', 'rolled back')),
    outputs     text[] NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}',
    overrides   jsonb NOT NULL DEFAULT '{}',
    config      jsonb NOT NULL DEFAULT '{}',
    run_by      name NOT NULL,
    failed_node text,
    error       text,
    pid         integer,
    modules     name[],
    module_overrides boolean,
    into_table  text            -- features-a: into_table =>, as the run resolved it
);
CREATE SEQUENCE hamilton.run_id_seq OWNED BY hamilton.run.run_id;

-- Every run as it starts, written by the recorder in a transaction of its
-- own while the run goes on, so that a run whose session dies or whose
-- transaction never commits still leaves a trace.  A run with a start and
-- no row in hamilton.run is running while its session holds the run's
-- advisory lock, abandoned after (hamilton.runs).  Starts of runs that
-- ended are redundant, and the recorder deletes them as it goes.
CREATE TABLE hamilton.run_start (
    run_id      bigint PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    outputs     text[] NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}',
    overrides   jsonb NOT NULL DEFAULT '{}',
    config      jsonb NOT NULL DEFAULT '{}',
    run_by      name NOT NULL,
    pid         integer,
    modules     name[],
    module_overrides boolean,
    into_table  text            -- features-a: into_table =>, as the run resolved it
);

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
    -- a step with status cached: the run that made the result it kept (1.3 on)
    cached_from bigint,
    -- the background worker that ran the step (NULL: the calling backend), and when
    worker_pid  int,
    started_at  timestamptz,
    ended_at    timestamptz,
    -- (servers) the server a placed step ran on, or a sharded step's JSON
    -- list of them, as placement => gives it (NULL: the coordinator); 1.4 on
    placement   text,
    PRIMARY KEY (run_id, step)
);

-- The current materialized result of each persisted node: its lineage.
CREATE TABLE hamilton.result (
    schema_name     name NOT NULL,
    node_name       name NOT NULL,
    -- the result table's OID (schema_name.node_name when written), NULL when
    -- a restored dump did not bring the table (hamilton.bind_restored_result)
    relation        oid,
    run_id          bigint NOT NULL,
    materialized_at timestamptz NOT NULL,
    fingerprint     text NOT NULL,
    inputs          jsonb NOT NULL DEFAULT '{}',
    upstream        jsonb NOT NULL DEFAULT '[]',
    sources         text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (schema_name, node_name)
);

/*
 * Staging heaps built and committed by a transaction other than the run
 * that swaps them in (src/exec/swap.c; a background worker, a remote
 * server).  A staging heap is never a result: results are found through
 * hamilton.result only, and a staging heap is named pg_temp_<oid>.  Those
 * a run made in its own transaction vanish with it and are never here.
 * hamilton_staging_cleanup() drops those whose run no longer runs, and
 * reports them.
 */
CREATE TABLE hamilton.staging (
    relation     oid PRIMARY KEY,
    schema_name  name NOT NULL,
    node_name    name NOT NULL,
    run_id       bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- pg_dump keeps users' definitions and history (the tables are extension members).
SELECT pg_catalog.pg_extension_config_dump('hamilton.module', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.sql_node', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.node_tag', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.node_check', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.function_variant', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run_start', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.node_run', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.result', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run_id_seq', '');

/*
 * A restored dump names roles and result tables, not OIDs: rows arrive by
 * COPY, through these triggers.  A SQL node's owner is bound again by name;
 * when no role of that name exists here, the node belongs to the role that
 * restores it (adopted_from keeps the name; hamilton.missing_roles lists
 * them).  A result is bound again to the table of its name, if the dump
 * brought one.  Rows pg_hamilton writes itself are already bound, and the
 * triggers' conditions leave them alone.
 */
CREATE FUNCTION hamilton.bind_restored_owner()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    role_oid oid;
BEGIN
    SELECT r.oid INTO role_oid FROM pg_roles r WHERE r.rolname = NEW.owner_name;
    IF role_oid IS NULL THEN
        RAISE WARNING 'role % of SQL node %.% does not exist: the node now belongs to role %',
            coalesce(quote_ident(NEW.owner_name), '(a dropped role)'),
            quote_ident(NEW.schema_name), quote_ident(NEW.node_name), quote_ident(current_user)
            USING DETAIL = 'The node was restored from a dump made where that role existed.',
                  HINT = 'SELECT * FROM hamilton.missing_roles; lists what the restore could not give back to its roles.';
        NEW.adopted_from := coalesce(NEW.owner_name, format('(dropped, OID %s)', NEW.owner));
        NEW.owner_name := current_user;
        role_oid := (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user);
    END IF;
    NEW.owner := role_oid;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION hamilton.bind_restored_owner() FROM PUBLIC;
CREATE TRIGGER bind_restored_owner BEFORE INSERT ON hamilton.sql_node
    FOR EACH ROW
    WHEN (NEW.owner_name IS NULL
          OR NEW.owner IS DISTINCT FROM pg_catalog.to_regrole(pg_catalog.quote_ident(NEW.owner_name))::pg_catalog.oid)
    EXECUTE FUNCTION hamilton.bind_restored_owner();

CREATE FUNCTION hamilton.bind_restored_result()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.relation := to_regclass(format('%I.%I', NEW.schema_name, NEW.node_name));
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION hamilton.bind_restored_result() FROM PUBLIC;
CREATE TRIGGER bind_restored_result BEFORE INSERT ON hamilton.result
    FOR EACH ROW
    WHEN (NEW.relation IS DISTINCT FROM
          pg_catalog.to_regclass(pg_catalog.format('%I.%I', NEW.schema_name, NEW.node_name))::pg_catalog.oid)
    EXECUTE FUNCTION hamilton.bind_restored_result();

/*
 * Catalog rows name their schema.  Three event triggers keep those names
 * true, each acting only on the schema its DDL command names (C,
 * src/api/schema_events.c and src/define/schemas.c):
 *   - a dropped schema's module, SQL nodes, tags, checks, variants and
 *     lineage are forgotten, so that a new schema of that name, created by
 *     anyone, inherits nothing (run history is kept);
 *   - a renamed schema's rows follow it from its old name to its new one,
 *     once every transaction writing rows that name it has ended;
 *   - rows whose schema does not exist (a dump restored without it) are
 *     never attached to a schema: creating a schema of their name, or
 *     renaming one to it, is refused until hamilton_orphans(remove => true)
 *     removes them.
 */
CREATE FUNCTION hamilton.forget_dropped_schemas()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_forget_dropped_schemas'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.forget_dropped_schemas() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_forget_dropped_schemas ON sql_drop
    EXECUTE FUNCTION hamilton.forget_dropped_schemas();

CREATE FUNCTION hamilton.follow_renamed_schemas()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_follow_renamed_schemas'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.follow_renamed_schemas() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_follow_renamed_schemas ON ddl_command_end
    WHEN TAG IN ('ALTER SCHEMA')
    EXECUTE FUNCTION hamilton.follow_renamed_schemas();

CREATE FUNCTION hamilton.check_new_schemas()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_check_new_schemas'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.check_new_schemas() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_check_new_schemas ON ddl_command_end
    WHEN TAG IN ('CREATE SCHEMA')
    EXECUTE FUNCTION hamilton.check_new_schemas();

/*
 * Each session keeps the graph a request built for its next identical
 * request (src/dag/cache.c).  PostgreSQL's cache invalidations announce a
 * change of functions, schemas, types and roles; these triggers announce
 * the rest, to every session: a change of the rows of the catalog tables
 * a graph is read from (also under session_replication_role = replica,
 * hence ENABLE ALWAYS), and of comments, security labels and extensions'
 * members, which no cache invalidation covers.
 */
CREATE FUNCTION hamilton.graph_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hamilton_graph_changed'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.graph_changed() FROM PUBLIC;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['module', 'sql_node', 'function_variant', 'node_check', 'node_tag'] LOOP
        EXECUTE format('CREATE TRIGGER graph_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hamilton.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION hamilton.graph_changed()', t);
        EXECUTE format('ALTER TABLE hamilton.%I ENABLE ALWAYS TRIGGER graph_changed', t);
    END LOOP;
END $$;

CREATE FUNCTION hamilton.graph_changed_ddl()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_graph_changed_ddl'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.graph_changed_ddl() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_graph_changed ON ddl_command_end
    WHEN TAG IN ('COMMENT', 'SECURITY LABEL', 'ALTER EXTENSION')
    EXECUTE FUNCTION hamilton.graph_changed_ddl();
ALTER EVENT TRIGGER hamilton_graph_changed ENABLE ALWAYS;

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

/*
 * The SQL API: defining, running and querying the dataflow.  Every function
 * here is C (src/api/); node SQL always runs with the caller's rights.
 */

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
    checks jsonb DEFAULT NULL,
    refresh text DEFAULT NULL,
    incremental jsonb DEFAULT NULL,
    cache text DEFAULT NULL,
    placement text DEFAULT NULL,
    shard_key text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_define'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb, text, jsonb, text, text, text) IS
  'define (or replace) a SQL node schema.name: a read-only SELECT is a table node (a frame with key and extract_columns), an expression is a column node; refresh => ''concurrent'' refreshes its table by a diff on its key';

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

-- features-a: nodes made from one function (@parameterize with value() and source(), @does)
CREATE FUNCTION @extschema@.hamilton_parameterize(function regproc, nodes jsonb)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hamilton_parameterize_function'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_parameterize(regproc, jsonb) IS
  'one function, many nodes: each key of nodes is a node, the function with the parameters it binds to {"value": v} (a constant) or {"source": "node"} (an edge); returns the nodes defined';

CREATE FUNCTION @extschema@.hamilton_does(node text, function regproc, mapping jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_does'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_does(text, regproc, jsonb) IS
  'node computed by function, its parameters mapped to nodes ("tv_spend" or {"source": "tv_spend"}) or constants ({"value": 2}); returns the node';

CREATE FUNCTION @extschema@.hamilton_extract_fields(node text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hamilton_extract_fields'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_extract_fields(text) IS
  'each field of a one-row node (OUT parameters, a composite, a one-row SELECT) becomes a scalar node named after it; returns the nodes made';

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
 *
 * A run's names resolve among its modules: modules => as given, or the
 * modules of the requested outputs; with module_overrides, of nodes of one
 * name in several of them, the one of the later module wins.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_execute(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false,
    cache boolean DEFAULT NULL,
    workers integer DEFAULT NULL)
RETURNS TABLE (node text, kind text, relation text, rows bigint, ms double precision, status text)
AS 'MODULE_PATHNAME', 'hamilton_execute'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_execute(text[], jsonb, jsonb, jsonb, text, text[], boolean, boolean, integer) IS
  'validate, run the upstream closure of the outputs, materialize them; returns the run report';

CREATE FUNCTION @extschema@.hamilton_validate(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false,
    cache boolean DEFAULT NULL,
    workers integer DEFAULT NULL)
RETURNS TABLE (problem text, node text, message text, detail text, hint text)
AS 'MODULE_PATHNAME', 'hamilton_validate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_validate(text[], jsonb, jsonb, jsonb, text, text[], boolean, boolean, integer) IS
  'dry run: every problem that would stop hamilton_execute, one row each (no rows: valid)';

CREATE FUNCTION @extschema@.hamilton_explain(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false,
    cache boolean DEFAULT NULL,
    workers integer DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_explain'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_explain(text[], jsonb, jsonb, jsonb, text, text[], boolean, boolean, integer) IS
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

/* ------------------------------------------------------------------------
 * Catalog rows whose schema does not exist
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_orphans(remove boolean DEFAULT false)
RETURNS TABLE (module name, catalog text, name text, rows bigint)
AS 'MODULE_PATHNAME', 'hamilton_orphans'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_orphans(boolean) IS
  'the catalog''s rows whose schema does not exist (left by a dump restored without it), per module, table and name; remove => true removes them';

CREATE FUNCTION @extschema@.hamilton_staging_cleanup()
RETURNS TABLE (staging text, result text, run_id bigint, dropped boolean)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    s record;
BEGIN
    FOR s IN
        SELECT st.relation, st.schema_name, st.node_name, st.run_id, c.oid IS NOT NULL AS present
        FROM hamilton.staging st
        LEFT JOIN pg_class c ON c.oid = st.relation AND c.relname LIKE 'pg\_temp\_%'
             AND NOT EXISTS (SELECT 1 FROM hamilton.result r WHERE r.relation::oid = c.oid)
        WHERE NOT EXISTS (SELECT 1 FROM hamilton.runs r WHERE r.run_id = st.run_id AND r.status = 'running')
        ORDER BY st.relation
    LOOP
        staging := coalesce((SELECT s.relation::regclass::text FROM pg_class c WHERE c.oid = s.relation),
                            s.relation::text);
        result := format('%I.%I', s.schema_name, s.node_name);
        run_id := s.run_id;
        dropped := s.present;
        IF s.present THEN
            EXECUTE format('DROP TABLE %s', s.relation::regclass);
        END IF;
        DELETE FROM hamilton.staging st WHERE st.relation = s.relation;
        RETURN NEXT;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION @extschema@.hamilton_staging_cleanup() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.hamilton_staging_cleanup() IS
  'drops the staging heaps other transactions built for runs that no longer run, and reports them (dropped is false for a row whose relation is gone, or is not a staging heap)';
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
SELECT l.*, l.tags ->> 'placement' AS placement FROM hamilton.node_list() l;
COMMENT ON VIEW hamilton.nodes IS 'every node of the dataflow (every variant of it), as the next execution will see it; placement: the server it runs on, or a sharded node''s JSON list of them (NULL: the coordinator)';

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
/*
 * Pictures: Graphviz DOT of the DAG, of one execution path, or of a run.
 *
 * hamilton_dot is C (src/api/dot.c, drawing in src/dot/).  It runs with the
 * caller's privileges, reading runs through hamilton.runs and
 * hamilton.node_runs: a picture shows only the runs the caller may see.
 */

/*
 * hamilton_dot(outputs, run_id, modules, module_overrides, config): Graphviz DOT
 * of the whole DAG (no outputs), of the execution path of outputs (their
 * upstream closure, Hamilton's visualize_execution, its names resolved
 * among the run's modules as hamilton_execute resolves them), or of a run
 * (the steps it took), with each step's status, rows and time when run_id
 * is given.  Without config it draws every variant of a node; with config,
 * the variant that config chooses, as a run with that config would.
 */
CREATE FUNCTION @extschema@.hamilton_dot(
    outputs text[] DEFAULT NULL,
    run_id bigint DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false,
    config jsonb DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_dot'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_dot(text[], bigint, text[], boolean, jsonb) IS
  'Graphviz DOT of the DAG, of the execution path of outputs, or of a run with each step''s status; with config, of the variants that config chooses';
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
/* ------------------------------------------------------------------------
 * Scheduling through pg_cron
 * ------------------------------------------------------------------------ */

/*
 * pg_cron is optional: nothing below names schema "cron" outside dynamic
 * SQL, so the extension installs and works without it.  Everything runs with
 * the caller's privileges, so a role sees and changes only its own jobs.
 */

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
    modules     text[],                         -- NULL: the outputs' modules
    module_overrides boolean NOT NULL DEFAULT false,
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
 * schedule_command is the command of a schedule's pg_cron job: a call of
 * hamilton_execute with the schedule's arguments, every one quoted (modules
 * and module_overrides only when given).
 */
CREATE FUNCTION hamilton.schedule_command(outputs text[], inputs jsonb, overrides jsonb, config jsonb,
                                          modules text[], module_overrides boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN format('SELECT count(*) FROM %s.hamilton_execute(%L::text[], %L::jsonb, %L::jsonb, %L::jsonb%s%s)',
              '@extschema@', outputs, inputs, overrides, config,
              CASE WHEN modules IS NOT NULL THEN format(', modules => %L::text[]', modules) ELSE '' END,
              CASE WHEN module_overrides THEN ', module_overrides => true' ELSE '' END);

/*
 * hamilton_schedule(job, schedule, outputs, inputs, overrides, config,
 * modules, module_overrides) makes (or, for a job name the caller already
 * used, changes) a pg_cron job that runs hamilton_execute with those
 * arguments, as the calling role.  The dataflow is validated first; nothing
 * is scheduled if it cannot run.  Like every function of the extension it
 * runs with search_path pinned: with the caller's, a role that can create
 * in a schema on it could plant a better-matching function (quote_ident(name),
 * format(text, integer)) that this body would call with the caller's rights.
 */
CREATE FUNCTION @extschema@.hamilton_schedule(
    job text,
    schedule text,
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_inputs jsonb := coalesce(hamilton_schedule.inputs, '{}');
    v_overrides jsonb := coalesce(hamilton_schedule.overrides, '{}');
    v_config jsonb := coalesce(hamilton_schedule.config, '{}');
    v_module_overrides boolean := coalesce(hamilton_schedule.module_overrides, false);
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
    FROM @extschema@.hamilton_validate(hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
                                       modules => hamilton_schedule.modules,
                                       module_overrides => v_module_overrides);
    IF problems > 0 THEN
        BEGIN
            PERFORM @extschema@.hamilton_explain(hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
                                                 modules => hamilton_schedule.modules,
                                                 module_overrides => v_module_overrides);
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

    command := hamilton.schedule_command(hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
                                         hamilton_schedule.modules, v_module_overrides);
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

    INSERT INTO hamilton.schedule AS s (job, created_by, jobid, schedule, outputs, inputs, overrides, config,
                                        modules, module_overrides)
    VALUES (hamilton_schedule.job, current_user, new_jobid, hamilton_schedule.schedule,
            hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
            hamilton_schedule.modules, v_module_overrides)
    ON CONFLICT ON CONSTRAINT schedule_pkey DO UPDATE
        SET jobid = EXCLUDED.jobid, schedule = EXCLUDED.schedule, outputs = EXCLUDED.outputs,
            inputs = EXCLUDED.inputs, overrides = EXCLUDED.overrides, config = EXCLUDED.config,
            modules = EXCLUDED.modules, module_overrides = EXCLUDED.module_overrides,
            updated_at = now();
    RETURN new_jobid;
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_schedule(text, text, text[], jsonb, jsonb, jsonb, text[], boolean) IS
  'run hamilton_execute(outputs, inputs, overrides, config, modules => modules, module_overrides => module_overrides) on a pg_cron schedule, as the calling role; returns the pg_cron job id';

/*
 * hamilton_unschedule(job) removes the caller's job of that name and its
 * record.  It returns true when it removed a pg_cron job, false when the job
 * was already gone (removed outside, or a record restored without it).
 */
CREATE FUNCTION @extschema@.hamilton_unschedule(job text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
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
               modules text[], module_overrides boolean,
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
               s.outputs, s.inputs, s.overrides, s.config, s.modules, s.module_overrides,
               s.created_by, s.created_at, s.updated_at,
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
               s.outputs, s.inputs, s.overrides, s.config, s.modules, s.module_overrides,
               s.created_by, s.created_at, s.updated_at,
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

/*
 * DROP EXTENSION hamilton takes hamilton.schedule with it, but pg_cron's
 * jobs live in cron.job: left behind, they would fail at every tick.  The
 * extension's own event triggers do not fire for its own drop (they go with
 * it), so hamilton.before_drop runs at ddl_command_start, reads the command
 * (DROP EXTENSION hamilton, DROP SCHEMA ... CASCADE of a schema the
 * extension lives in, DROP OWNED BY its owner) and, when it takes the
 * extension, calls remove_cron_jobs first, in the same transaction: if the
 * drop fails, the jobs are back.  A job that cannot be removed stops the
 * drop, with the way to remove it.
 */
CREATE FUNCTION hamilton.remove_cron_jobs()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s record;
    live boolean;
    sees_all boolean;
    err_message text;
BEGIN
    IF hamilton.cron_unavailable() IS NOT NULL THEN
        RETURN;                 -- without pg_cron there is no job to remove
    END IF;
    -- pg_cron shows a role only its own jobs, unless it is a superuser
    SELECT r.rolsuper OR r.rolbypassrls INTO sees_all FROM pg_roles r WHERE r.rolname = current_user;
    FOR s IN SELECT sc.job, sc.created_by, sc.jobid FROM hamilton.schedule sc ORDER BY sc.created_by, sc.job LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job j WHERE j.jobid = $1 AND j.username = $2)'
            INTO live USING s.jobid, s.created_by;
        -- a job not there is gone only if it would be seen: else pg_cron decides
        CONTINUE WHEN NOT live AND (sees_all OR s.created_by = current_user);
        BEGIN
            EXECUTE 'SELECT cron.unschedule($1::bigint)' USING s.jobid;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            RAISE EXCEPTION 'cannot drop extension hamilton: its pg_cron job % (job "%" of role %) cannot be removed',
                s.jobid, s.job, quote_ident(s.created_by)
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = format('pg_cron refused: %s', err_message),
                      HINT = format('Remove it first, as role %s or a superuser: SELECT cron.unschedule(%s); '
                                    'or drop the extension as a superuser.', quote_ident(s.created_by), s.jobid);
        END;
        RAISE NOTICE 'removed pg_cron job % (job "%" of role %) made by hamilton_schedule',
            s.jobid, s.job, quote_ident(s.created_by);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION hamilton.remove_cron_jobs() FROM PUBLIC;

CREATE FUNCTION hamilton.before_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_before_drop'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.before_drop() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_before_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION hamilton.before_drop();
/*
 * Skipping unchanged work (cache => true, src/exec/cache_skip.c).
 *
 * The change log: one row per (relation, writing transaction), written by
 * the statement trigger hamilton.change_logged (src/api/track.c) that
 * hamilton_track puts on a source and each of its partitions, and that
 * every result table a cached run writes carries too.  A row commits or
 * rolls back with the writer, so a relation has changed since a snapshot
 * when a row of it exists whose xid that snapshot did not see as committed
 * (pg_visible_in_snapshot), or is the transaction that took it.  No
 * index: a writer pays for one heap row per transaction, and a cached run
 * reads the log (pruned as it goes) in one statement.  Unlogged, so that
 * the row costs the writer no WAL: a crash empties it, and the marker rows
 * (relation 0) that cached runs keep tell the results made before it,
 * which are recomputed (src/catalog/change_log.c).
 */
CREATE UNLOGGED TABLE hamilton.change_log (
    relation    oid NOT NULL,
    xid         xid8 NOT NULL
);
REVOKE ALL ON hamilton.change_log FROM PUBLIC;

/*
 * What each cached result was made from: its key (code, inputs, config,
 * upstream data versions, settings), the snapshot its run read under (and
 * its transaction), the relations and functions its query read, and
 * whether it may be reused.  Not dumped: a restored database has no cache,
 * and recomputes.
 */
CREATE TABLE hamilton.cache_entry (
    schema_name   name NOT NULL,
    node_name     name NOT NULL,
    relation      oid NOT NULL,
    run_id        bigint NOT NULL,
    behaviour     text NOT NULL,
    cache_key     text NOT NULL,
    data_version  text NOT NULL,
    snapshot      pg_snapshot NOT NULL,
    xid           xid8 NOT NULL,
    sources       oid[] NOT NULL DEFAULT '{}',
    functions     oid[] NOT NULL DEFAULT '{}',
    deps_state    text NOT NULL,
    reusable      boolean NOT NULL,
    reason        text,
    rows          bigint,
    made_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (schema_name, node_name)
);
REVOKE ALL ON hamilton.cache_entry FROM PUBLIC;

CREATE FUNCTION hamilton.change_logged()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hamilton_change_logged'
LANGUAGE C;
COMMENT ON FUNCTION hamilton.change_logged() IS
  'statement trigger of tracked sources and cached results: logs the writing transaction in hamilton.change_log';

/*
 * The condition of the row trigger (enabled REPLICA) that hamilton_track
 * also puts on each table, for the writes of logical replication, whose
 * apply worker fires no statement trigger: logs the writing transaction
 * once, and is false, so no row event is queued (src/dag/replica_trigger.c).
 * Called by anyone, it only makes the table's cached results recompute.
 */
CREATE FUNCTION hamilton.replicated_change(source regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hamilton_replicated_change'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hamilton.replicated_change(regclass) IS
  'condition of the row trigger of tracked sources for logical replication: logs the writing transaction in hamilton.change_log, and is false';

CREATE FUNCTION @extschema@.hamilton_track(source regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_track'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_track(regclass) IS
  'by the owner of a table: log every transaction that writes it (and each of its partitions), so that cache => true can reuse results read from it';

CREATE FUNCTION @extschema@.hamilton_untrack(source regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_untrack'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_untrack(regclass) IS
  'by the owner of a tracked table: stop logging its writes; results read from it are recomputed from then on';

CREATE FUNCTION @extschema@.hamilton_invalidate(node text, downstream boolean DEFAULT true)
RETURNS TABLE (node text)
AS 'MODULE_PATHNAME', 'hamilton_invalidate'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_invalidate(text, boolean) IS
  'forget the cached result of a node (and, by default, of every node downstream of it), so that the next cached run recomputes them; returns the nodes whose cached result was forgotten';

CREATE FUNCTION hamilton.cache_refusal(schema_name name, node_name name)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_cache_refusal'
LANGUAGE C STABLE STRICT;

/*
 * Each cached result: its node, table, the run that made it, its cache key
 * and data version, and whether a run with the same inputs and config
 * would reuse it now, and why not: its own reason (hamilton.cache_refusal:
 * its behaviour, its code, what it read or called), else the nearest
 * upstream cached result that would be recomputed (from the lineage's
 * upstream results); probes: the value each probed source's probe
 * returned when it was made (source=value, ...; src/dag/source_state.c).
 */
CREATE VIEW hamilton.cache AS
WITH RECURSIVE entry AS (
    SELECT pg_catalog.quote_ident(e.schema_name) || '.' || pg_catalog.quote_ident(e.node_name) AS node,
           e.*, hamilton.cache_refusal(e.schema_name, e.node_name) AS own_reason
    FROM hamilton.cache_entry e),
upstream AS (
    SELECT en.node, u.value OPERATOR(pg_catalog.->>) 'node' AS upstream
    FROM entry en
    JOIN hamilton.result r ON r.schema_name = en.schema_name AND r.node_name = en.node_name
    CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(r.upstream) u
    WHERE u.value OPERATOR(pg_catalog.?) 'run_id'),
refused (node, reason, depth) AS (
    SELECT en.node, en.own_reason, 0 FROM entry en WHERE en.own_reason IS NOT NULL
    UNION
    SELECT up.node, 'its upstream ' || rf.node || ' would be recomputed', rf.depth + 1
    FROM upstream up JOIN refused rf ON rf.node = up.upstream
    WHERE rf.depth < (SELECT pg_catalog.count(*) FROM entry))
SELECT en.node,
       en.schema_name AS module,
       CASE WHEN c.oid IS NOT NULL THEN en.relation::pg_catalog.regclass END AS relation,
       en.run_id,
       en.made_at,
       en.behaviour AS made_as,
       en.cache_key,
       en.data_version,
       en.rows,
       w.reason IS NULL AS reusable,
       COALESCE(w.reason, 'reused by a run with the same inputs and config while its code and that of the steps that feed it are unchanged') AS reason,
       NULLIF(pg_catalog.replace(pg_catalog.substr(en.deps_state, 34), E'\x1e', ', '), '') AS probes
FROM entry en
LEFT JOIN pg_catalog.pg_class c ON c.oid = en.relation
LEFT JOIN LATERAL (SELECT rf.reason FROM refused rf WHERE rf.node = en.node
                   ORDER BY rf.depth, rf.reason LIMIT 1) w ON true;
COMMENT ON VIEW hamilton.cache IS 'each cached result: its cache key, data version, the run that made it, and whether a run with the same key would reuse it now (reason: why not)';
GRANT SELECT ON hamilton.cache TO PUBLIC;

/*
 * A partition created in, or attached to, a tracked table gets the change
 * log's trigger too, when the role running the command owns it.
 */
CREATE FUNCTION hamilton.track_partitions()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_track_partitions'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.track_partitions() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_track_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION hamilton.track_partitions();
/* ------------------------------------------------------------------------
 * Lifecycle hooks (Hamilton's lifecycle adapters): functions called before
 * and after a run and each of its nodes (exec/hooks.c)
 * ------------------------------------------------------------------------ */

/*
 * A hook belongs to the role that registered it (owner_name, a name so that
 * it survives a dump) and runs as that role.  It is called in the runs of
 * the roles that trust its owner (catalog_role_trusts): its owner, members
 * of its owner, and everyone for a superuser's hook.
 */
CREATE TABLE hamilton.hook (
    event       text NOT NULL CHECK (event IN ('before_run', 'before_node', 'after_node', 'after_run')),
    function    pg_catalog.regprocedure NOT NULL,
    owner_name  name NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (event, function)
);

/* What a hook raised: the run went on without it. */
CREATE TABLE hamilton.hook_error (
    run_id      bigint NOT NULL,
    event       text NOT NULL,
    function    text NOT NULL,
    owner_name  name NOT NULL,
    node        text,
    sqlstate    text NOT NULL,
    message     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON hamilton.hook_error (run_id);

SELECT pg_catalog.pg_extension_config_dump('hamilton.hook', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.hook_error', '');

CREATE FUNCTION @extschema@.hamilton_hook(event text, function regprocedure)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hamilton_hook'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_hook(text, regprocedure) IS
  'call function(event text, run_id bigint, node text, status text, rows bigint, ms double precision) at event (before_run, before_node, after_node, after_run) of every run of the roles that trust you, as you; false when it was already registered';

CREATE FUNCTION @extschema@.hamilton_unhook(event text, function regprocedure)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unhook'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_unhook(text, regprocedure) IS
  'stop calling a hook (yours, or a role''s you belong to)';

CREATE VIEW hamilton.hooks AS
SELECT h.event, h.function, h.owner_name AS owner, h.created_at
FROM hamilton.hook h;
COMMENT ON VIEW hamilton.hooks IS 'every lifecycle hook: the event, the function called, the role it runs as';

CREATE VIEW hamilton.hook_errors WITH (security_barrier) AS
SELECT e.run_id, e.event, e.function, e.owner_name AS owner, e.node, e.sqlstate, e.message, e.at
FROM hamilton.hook_error e
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by) OR pg_catalog.pg_has_role(e.owner_name, 'MEMBER');
COMMENT ON VIEW hamilton.hook_errors IS 'what the hooks of the runs you see (or your hooks) raised; the runs went on';

GRANT SELECT ON hamilton.hooks, hamilton.hook_errors TO PUBLIC;
/* ------------------------------------------------------------------------
 * Incremental nodes (incremental => ..., hamilton_incremental): a node that
 * processes the ranges of a source not processed yet, by a sequence column
 * or by time, and appends, merges or replaces them in its result table.
 * What each node processed commits with the rows it wrote.
 * ------------------------------------------------------------------------ */

-- The incremental nodes: the spec as checked when it was declared, and the
-- fingerprint of the code its processed ranges were computed by (NULL: the
-- next run's code is accepted, after hamilton_restate or hamilton_reset).
CREATE TABLE hamilton.incremental_node (
    schema_name  name NOT NULL,
    node_name    name NOT NULL,
    spec         jsonb NOT NULL CHECK (pg_catalog.jsonb_typeof(spec) = 'object'),
    fingerprint  text,
    declared_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (schema_name, node_name)
);

-- One row per processed batch: its range (a sequence's ids, inclusive at
-- both ends, kept as int8range; or a time range [start, end)), the run
-- that processed it, and how many rows it wrote.
CREATE TABLE hamilton.incremental_range (
    schema_name  name NOT NULL,
    node_name    name NOT NULL,
    id_range     int8range,
    time_range   tstzrange,
    run_id       bigint,
    rows         bigint,
    processed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CHECK ((id_range IS NULL) <> (time_range IS NULL)),
    FOREIGN KEY (schema_name, node_name) REFERENCES hamilton.incremental_node
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX incremental_range_node ON hamilton.incremental_range (schema_name, node_name);

-- a node's spec is part of the graph: every session's cached graph hears of a change
CREATE TRIGGER graph_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hamilton.incremental_node
    FOR EACH STATEMENT EXECUTE FUNCTION hamilton.graph_changed();
ALTER TABLE hamilton.incremental_node ENABLE ALWAYS TRIGGER graph_changed;

SELECT pg_catalog.pg_extension_config_dump('hamilton.incremental_node', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.incremental_range', '');
REVOKE ALL ON hamilton.incremental_node, hamilton.incremental_range FROM PUBLIC;
GRANT SELECT ON hamilton.incremental_node TO PUBLIC;

/*
 * hamilton.incremental: per incremental node, its spec, the ranges it has
 * processed (merged; ids as int8range, [1,16) is ids 1 to 15), the ranges
 * missing between its start and the last one processed (left by
 * hamilton_restate), its batches and the rows its result holds.  Shown to
 * whoever may read the node's result (and, while it has none, to anyone:
 * specs are public, as definitions are).
 */
CREATE VIEW hamilton.incremental WITH (security_barrier) AS
SELECT pg_catalog.quote_ident(n.schema_name) || '.' || pg_catalog.quote_ident(n.node_name) AS node,
       n.schema_name AS module,
       n.spec->>'strategy' AS strategy,
       n.spec->>'by' AS "by",
       n.spec->>'source' AS source,
       n.spec->>'column' AS "column",
       coalesce(n.spec->>'on_change', 'refuse') AS on_change,
       r.processed,
       CASE WHEN n.spec->>'by' = 'sequence'
            THEN (pg_catalog.int8multirange(pg_catalog.int8range((n.spec->>'start')::bigint, r.id_upper))
                  OPERATOR(pg_catalog.-) r.ids)::text
            ELSE (pg_catalog.tstzmultirange(pg_catalog.tstzrange((n.spec->>'start')::timestamptz, r.time_upper))
                  OPERATOR(pg_catalog.-) r.times)::text
       END AS missing,
       coalesce(r.batches, 0) AS batches,
       CASE WHEN c.oid IS NOT NULL
            THEN ((pg_catalog.xpath('/row/c/text()', pg_catalog.query_to_xml(pg_catalog.format('SELECT pg_catalog.count(*) AS c FROM %I.%I',
                   n.schema_name, n.node_name), false, true, '')))[1])::text::bigint
       END AS rows,
       r.last_run_id,
       r.last_processed_at
FROM hamilton.incremental_node n
LEFT JOIN LATERAL (
    SELECT pg_catalog.count(*) AS batches,
           pg_catalog.sum(x.rows)::bigint AS rows,
           pg_catalog.max(x.run_id) AS last_run_id,
           pg_catalog.max(x.processed_at) AS last_processed_at,
           pg_catalog.range_agg(x.id_range) AS ids,
           pg_catalog.range_agg(x.time_range) AS times,
           pg_catalog.max(pg_catalog.upper(x.id_range)) AS id_upper,
           pg_catalog.max(pg_catalog.upper(x.time_range)) AS time_upper,
           coalesce(pg_catalog.range_agg(x.id_range)::text, pg_catalog.range_agg(x.time_range)::text) AS processed
    FROM hamilton.incremental_range x
    WHERE x.schema_name = n.schema_name AND x.node_name = n.node_name
) r ON true
LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace)
       ON c.relname = n.node_name AND ns.nspname = n.schema_name AND c.relkind IN ('r', 'p')
WHERE c.oid IS NULL
   OR (pg_catalog.has_table_privilege(c.oid, 'SELECT') AND pg_catalog.has_schema_privilege(ns.oid, 'USAGE'));
COMMENT ON VIEW hamilton.incremental IS 'each incremental node: its strategy, the ranges processed and missing, its batches and the rows of its result';
GRANT SELECT ON hamilton.incremental TO PUBLIC;

/*
 * hamilton.incremental_batches: lineage of incremental nodes, the range
 * each run processed.
 */
CREATE VIEW hamilton.incremental_batches WITH (security_barrier) AS
SELECT pg_catalog.quote_ident(x.schema_name) || '.' || pg_catalog.quote_ident(x.node_name) AS node,
       x.run_id,
       CASE WHEN x.id_range IS NOT NULL THEN pg_catalog.lower(x.id_range)::text
            ELSE pg_catalog.lower(x.time_range)::text END AS range_start,
       CASE WHEN x.id_range IS NOT NULL THEN (pg_catalog.upper(x.id_range) - 1)::text
            ELSE pg_catalog.upper(x.time_range)::text END AS range_end,
       x.rows,
       x.processed_at
FROM hamilton.incremental_range x
LEFT JOIN hamilton.run run USING (run_id)
LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace)
       ON c.relname = x.node_name AND ns.nspname = x.schema_name AND c.relkind IN ('r', 'p')
WHERE (c.oid IS NOT NULL AND pg_catalog.has_table_privilege(c.oid, 'SELECT'))
   OR hamilton.may_see_run(run.run_by);
COMMENT ON VIEW hamilton.incremental_batches IS 'the range each run of an incremental node processed (range_end inclusive for a sequence, exclusive for time)';
GRANT SELECT ON hamilton.incremental_batches TO PUBLIC;

CREATE FUNCTION @extschema@.hamilton_incremental("function" text, spec jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hamilton_incremental'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_incremental(text, jsonb) IS
  'make a function node incremental (spec as hamilton_define''s incremental =>), or, with NULL, not; returns the spec as checked';

CREATE FUNCTION @extschema@.hamilton_restate(node text, "from" text, "to" text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hamilton_restate'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_restate(text, text, text) IS
  'mark the range [from, to] (by time: [from, to)) of an incremental node as not processed, so that the next run computes it again; returns the rows it deleted (append deletes the range''s rows at once)';

CREATE FUNCTION @extschema@.hamilton_reset(node text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hamilton_reset'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_reset(text) IS
  'forget what an incremental node processed, so that its next run rebuilds its result from its start; returns the batches forgotten';
/* ------------------------------------------------------------------------
 * Column-level lineage: for each column of a SQL node's result, the
 * columns it is computed from (runlog/column_lineage.c)
 * ------------------------------------------------------------------------ */

/*
 * One row per column of a result hamilton.result holds, written with it by
 * the same run: sources is a JSON array of {"node": n, "column": c} (a
 * column of an upstream node's result), {"relation": r, "column": c} (a
 * column of a source table) and {"file": f, "column": c} (a column of a
 * file a loader reads), found by PostgreSQL's analyzer in the query
 * tree of the SQL that ran, through subqueries, joins, CTEs and the
 * unpersisted steps on the way.
 */
CREATE TABLE hamilton.result_column (
    schema_name name NOT NULL,
    node_name   name NOT NULL,
    ordinal     int NOT NULL,
    column_name name NOT NULL,
    run_id      bigint NOT NULL,
    sources     jsonb NOT NULL CHECK (jsonb_typeof(sources) = 'array'),
    PRIMARY KEY (schema_name, node_name, ordinal)
);
SELECT pg_catalog.pg_extension_config_dump('hamilton.result_column', '');

CREATE VIEW hamilton.column_lineage WITH (security_barrier) AS
SELECT l.relation, l.node, l.module, rc.run_id, rc.ordinal, rc.column_name AS "column",
       s.e->>'node' AS source_node, s.e->>'relation' AS source_relation,
       s.e->>'file' AS source_file, s.e->>'column' AS source_column
FROM hamilton.result_column rc
JOIN hamilton.lineage l
  ON l.module = rc.schema_name
 AND l.node = pg_catalog.quote_ident(rc.schema_name) || '.' || pg_catalog.quote_ident(rc.node_name)
 AND l.run_id = rc.run_id
LEFT JOIN LATERAL pg_catalog.jsonb_array_elements(rc.sources) AS s(e) ON true;
COMMENT ON VIEW hamilton.column_lineage IS 'for each column of a SQL node''s result: the upstream node columns, source table columns and loaded file columns it is computed from (one row per source; none for a constant)';

/*
 * The columnLineage facet of the result node wrote in run run_id, from
 * hamilton.column_lineage: each column's input fields (NULL: none kept).
 */
CREATE FUNCTION hamilton.openlineage_column_facet(run_id bigint, node text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
               '_producer', hamilton.openlineage_producer(),
               '_schemaURL', 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
               'fields', jsonb_object_agg(c.col, c.inputs))
    FROM (SELECT cl."column" AS col,
                 jsonb_build_object('inputFields', coalesce(jsonb_agg(
                     CASE WHEN cl.source_file IS NOT NULL
                          THEN jsonb_build_object('namespace', regexp_replace(hamilton.openlineage_server(),
                                                                              '^postgres://(.*):[0-9]+$', 'file://\1'),
                                                  'name', cl.source_file)
                          ELSE hamilton.openlineage_dataset(coalesce(cl.source_node, cl.source_relation)) END
                     || jsonb_build_object('field', cl.source_column)
                     ORDER BY cl.source_node, cl.source_relation, cl.source_file, cl.source_column)
                     FILTER (WHERE cl.source_column IS NOT NULL), '[]')) AS inputs
          FROM hamilton.column_lineage cl
          WHERE cl.run_id = openlineage_column_facet.run_id AND cl.node = openlineage_column_facet.node
          GROUP BY cl.ordinal, cl."column") AS c
    HAVING count(*) > 0
$$;

GRANT SELECT ON hamilton.column_lineage TO PUBLIC;
/* ------------------------------------------------------------------------
 * Loaders and savers (Hamilton's @load_from / @dataloader, @save_to /
 * @datasaver): files read by COPY FROM and written by COPY TO, as the
 * caller, and the files of each run (exec/files.c)
 * ------------------------------------------------------------------------ */

/*
 * A saver writes a node's result to a file whenever a run computes the
 * node; it belongs to the role that made it (who must own the node).
 */
CREATE TABLE hamilton.saver (
    schema_name name NOT NULL,
    node_name   name NOT NULL,
    path        text NOT NULL CHECK (path LIKE '/%'),
    options     jsonb CHECK (options IS NULL OR jsonb_typeof(options) = 'object'),
    owner_name  name NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (schema_name, node_name, path)
);

/* Every file a run read or wrote, by the step that did. */
CREATE TABLE hamilton.run_file (
    run_id      bigint NOT NULL,
    node        text NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('read', 'written')),
    path        text NOT NULL,
    rows        bigint,
    at          timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX ON hamilton.run_file (run_id);

SELECT pg_catalog.pg_extension_config_dump('hamilton.saver', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run_file', '');

CREATE FUNCTION @extschema@.hamilton_read_file(path text, options jsonb DEFAULT NULL)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hamilton_read_file'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_read_file(text, jsonb) IS
  'the rows of a file on the server, read by COPY FROM as the caller (pg_read_server_files): SELECT * FROM hamilton_read_file(''/path.csv'') AS f(a int, b text); a run records the file it read';

CREATE FUNCTION @extschema@.hamilton_load(node text, path text, columns text, options jsonb DEFAULT NULL,
                                          doc text DEFAULT NULL, key text[] DEFAULT NULL,
                                          extract_columns boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_load'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_load(text, text, text, jsonb, text, text[], boolean) IS
  'define a SQL node schema.name whose rows are read from a file (columns: ''a int, b text''; options: COPY''s, CSV with a header by default)';

CREATE FUNCTION @extschema@.hamilton_save(node text, path text, options jsonb DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_save'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_save(text, text, jsonb) IS
  'write the node''s result to a file on the server by COPY TO, as the caller (pg_write_server_files), whenever a run computes it; the run records the file';

CREATE FUNCTION @extschema@.hamilton_unsave(node text, path text)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unsave'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_unsave(text, text) IS
  'stop writing the node''s result to that file';

CREATE VIEW hamilton.savers AS
SELECT pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) AS node,
       s.schema_name AS module, s.path, s.options, s.owner_name AS owner, s.created_at
FROM hamilton.saver s;
COMMENT ON VIEW hamilton.savers IS 'the files each node''s result is written to when a run computes it';

CREATE VIEW hamilton.files WITH (security_barrier) AS
SELECT f.run_id, f.node, f.direction, f.path, f.rows, f.at
FROM hamilton.run_file f
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.files IS 'every file the runs you see read (hamilton_read_file) or wrote (a saver), by the node whose step did';

GRANT SELECT ON hamilton.savers, hamilton.files TO PUBLIC;
/* ------------------------------------------------------------------------
 * Chains of transforms on one node's value: Hamilton's @pipe_output,
 * @mutate and @pipe_input (define/pipes.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_pipe_output(node text, steps jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_pipe_output'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_pipe_output(text, jsonb) IS
  'transform a SQL node''s output by steps [{"step": s, "sql": "SELECT ... FROM node"}]: its SELECT becomes node_raw, each step node_<step>, and the node reads the last; returns the nodes written';

CREATE FUNCTION @extschema@.hamilton_mutate(node text, step text, sql text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_mutate'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_mutate(text, text, text) IS
  'add one step (a SELECT reading the node by its name) at the end of a SQL node''s output chain; returns the nodes written';

CREATE FUNCTION @extschema@.hamilton_pipe_input(node text, input text, steps jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_pipe_input'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_pipe_input(text, text, jsonb) IS
  'transform what a SQL node reads as input by steps [{"step": s, "sql": "SELECT ... FROM input"}] (nodes node_<input>_<step>); returns the nodes written';
/* ------------------------------------------------------------------------
 * A module's dataflow again, under a namespace: Hamilton's @subdag and
 * @parameterized_subdag
 * ------------------------------------------------------------------------ */

/*
 * hamilton_subdag('us', 'feat', inputs => '{"marketing": {"source":
 * "raw.us_marketing"}}', config => '{"region": "us"}') makes schema "us" a
 * module holding a node for every node of module "feat" (or for the
 * closure of outputs =>): a SQL node's definition again, a function node a
 * function calling feat's (hamilton_does), with their tags, checks,
 * materialize, refresh, key and doc; the names they read resolve in "us".
 * Each bound input becomes a node of "us": a source a table node reading
 * the relation or node, a value a scalar node returning it.  Config picks
 * the variants when the subdag is made: a condition on a key the config
 * gives is decided, one on another key is left to the run's config.
 *
 * Everything is made by the caller, through the public API, so the
 * ownership rules are those of hamilton_define and hamilton_does; the row
 * below says what was made, and from which state of the module
 * (fingerprint): when the module changes, the runs that need a node of
 * the namespace are refused (stale_subdag, dag/subdag.c) until
 * hamilton_refresh_subdag makes it again.
 */
CREATE TABLE hamilton.subdag (
    namespace      name PRIMARY KEY,
    module         name NOT NULL,
    inputs         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(inputs) = 'object'),
    config         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    outputs        text[],
    sql_nodes      text[] NOT NULL DEFAULT '{}',   -- names of the SQL nodes made
    functions      text[] NOT NULL DEFAULT '{}',   -- regprocedure of the functions made
    fingerprint    text NOT NULL,
    created_schema boolean NOT NULL,
    defined_by     name NOT NULL DEFAULT current_user,
    defined_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    module_owner   name NOT NULL                   -- the module schema's owner then
);
SELECT pg_catalog.pg_extension_config_dump('hamilton.subdag', '');
ALTER TABLE hamilton.subdag ENABLE ROW LEVEL SECURITY;
CREATE POLICY subdag_read ON hamilton.subdag FOR SELECT USING (true);
CREATE POLICY subdag_write ON hamilton.subdag FOR ALL
    USING (pg_catalog.pg_has_role(current_user,
           (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = namespace), 'USAGE'))
    WITH CHECK (pg_catalog.pg_has_role(current_user,
           (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = namespace), 'USAGE'));
REVOKE ALL ON hamilton.subdag FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON hamilton.subdag TO PUBLIC;
CREATE TRIGGER graph_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hamilton.subdag
    FOR EACH STATEMENT EXECUTE FUNCTION hamilton.graph_changed();
ALTER TABLE hamilton.subdag ENABLE ALWAYS TRIGGER graph_changed;

/*
 * hamilton.subdag_fingerprint is what a subdag is made from: module's SQL
 * nodes, tags, checks and variants, and its functions' signatures, results,
 * docs and volatility (their bodies are called, not copied).  The graph
 * cache (dag/cache.c) sees a change of each.  Incremental nodes and savers
 * are refused when a subdag is made, and one added to the module later
 * stays the module's node's alone (a subdag's nodes never save nor
 * append).
 */
CREATE FUNCTION hamilton.subdag_fingerprint(module name)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT md5(concat_ws(E'\n',
    (SELECT string_agg((to_jsonb(s) - 'defined_at' - 'owner' - 'owner_name' - 'adopted_from')::text, E'\n'
                       ORDER BY s.node_name, s.config_when::text)
     FROM hamilton.sql_node s WHERE s.schema_name = $1),
    (SELECT string_agg(to_jsonb(t)::text, E'\n' ORDER BY t.node_name, t.tag_key)
     FROM hamilton.node_tag t WHERE t.schema_name = $1),
    (SELECT string_agg(to_jsonb(c)::text, E'\n' ORDER BY c.node_name)
     FROM hamilton.node_check c WHERE c.schema_name = $1),
    (SELECT string_agg(to_jsonb(v)::text, E'\n' ORDER BY v.function_name)
     FROM hamilton.function_variant v WHERE v.schema_name = $1),
    (SELECT string_agg(concat_ws(' ', p.proname, pg_get_function_arguments(p.oid),
                                 pg_get_function_result(p.oid), p.provolatile, p.proisstrict,
                                 obj_description(p.oid, 'pg_proc')), E'\n'
                       ORDER BY p.proname, pg_get_function_arguments(p.oid))
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1),
    (SELECT 'owner ' || n.nspowner::regrole::text FROM pg_namespace n WHERE n.nspname = $1),
    (SELECT 'registered' FROM hamilton.module m WHERE m.schema_name = $1)))
$$;

/*
 * hamilton.subdag_stateful_nodes names the nodes among names of module
 * that keep state under their own names (incremental nodes, savers), which
 * a subdag cannot make again; NULL when none does.  It runs as the
 * catalog's owner, as those tables are not public, and shows only names.
 */
CREATE FUNCTION hamilton.subdag_stateful_nodes(module name, names text[])
RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
SELECT string_agg(DISTINCT x, ', ') FROM (
    SELECT i.node_name::text AS x FROM hamilton.incremental_node i
    WHERE i.schema_name = $1 AND i.node_name = ANY ($2)
    UNION SELECT v.node_name FROM hamilton.saver v
    WHERE v.schema_name = $1 AND v.node_name = ANY ($2)) s
$$;

/*
 * hamilton.subdag_graph is hamilton.nodes and hamilton.edges, read once, as
 * {"nodes": [...], "edges": [...]}; subdag_nodes and subdag_edges read
 * them back as rows.
 */
CREATE FUNCTION hamilton.subdag_graph()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_build_object(
    'nodes', (SELECT coalesce(jsonb_agg(jsonb_build_object('node', n.node, 'module', n.module, 'name', n.name,
                                                            'kind', n.kind, 'frame', n.frame,
                                                            'config_when', n.config_when)), '[]')
              FROM hamilton.nodes n),
    'edges', (SELECT coalesce(jsonb_agg(jsonb_build_object('upstream', e.upstream, 'downstream', e.downstream)), '[]')
              FROM hamilton.edges e))
$$;

CREATE FUNCTION hamilton.subdag_nodes(graph jsonb)
RETURNS TABLE (node text, module text, name text, kind text, frame text, config_when jsonb)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM jsonb_to_recordset(graph -> 'nodes')
    AS n(node text, module text, name text, kind text, frame text, config_when jsonb)
$$;

CREATE FUNCTION hamilton.subdag_edges(graph jsonb)
RETURNS TABLE (upstream text, downstream text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM jsonb_to_recordset(graph -> 'edges') AS e(upstream text, downstream text)
$$;

/*
 * hamilton.subdag_when decides a condition (config_when) with the keys
 * config gives, as dag/variants.c does with a run's config (values compare
 * as written); rest is the condition on the other keys, left to the run.
 */
CREATE FUNCTION hamilton.subdag_when(cond jsonb, config jsonb, OUT matched boolean, OUT rest jsonb)
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
    c jsonb;
    want jsonb;
    negate boolean;
    hit boolean;
BEGIN
    matched := true;
    rest := '{}';
    FOR k, c IN SELECT * FROM jsonb_each(coalesce(cond, '{}')) LOOP
        IF NOT config ? k THEN
            rest := rest || jsonb_build_object(k, c);
            CONTINUE;
        END IF;
        negate := jsonb_typeof(c) = 'object' AND c ? 'not';
        want := CASE WHEN negate THEN c -> 'not' ELSE c END;
        SELECT coalesce(bool_or(jsonb_typeof(w) = jsonb_typeof(config -> k)
                                AND w #>> '{}' = config ->> k), false)
        INTO hit
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(want) = 'array' THEN want
                                       ELSE jsonb_build_array(want) END) w
        WHERE jsonb_typeof(config -> k) NOT IN ('object', 'array', 'null');
        IF hit = negate THEN
            matched := false;
            RETURN;
        END IF;
    END LOOP;
END $$;

/*
 * hamilton.subdag_drop_nodes drops what subdag ns made (its row is kept):
 * its SQL nodes and functions, and, with results, their result tables.
 * It returns the names of the nodes it dropped.
 */
CREATE FUNCTION hamilton.subdag_drop_nodes(ns name, results boolean)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s hamilton.subdag;
    x text;
    names text[];
BEGIN
    SELECT * INTO s FROM hamilton.subdag d WHERE d.namespace = ns;
    SELECT coalesce(array_agg(DISTINCT y), '{}') INTO names FROM (
        SELECT unnest(s.sql_nodes) AS y
        UNION SELECT p.proname FROM unnest(s.functions) f JOIN pg_proc p ON p.oid = to_regprocedure(f)
        UNION SELECT substring(p.proname from '^(.*)__') FROM unnest(s.functions) f JOIN pg_proc p ON p.oid = to_regprocedure(f)) n
    WHERE y IS NOT NULL;
    FOREACH x IN ARRAY s.functions LOOP
        IF to_regprocedure(x) IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION %s', x);
        END IF;
    END LOOP;
    FOREACH x IN ARRAY s.sql_nodes LOOP
        IF EXISTS (SELECT 1 FROM hamilton.sql_node n WHERE n.schema_name = ns AND n.node_name = x) THEN
            PERFORM @extschema@.hamilton_drop(format('%I.%I', ns, x));
        END IF;
    END LOOP;
    IF results THEN
        PERFORM hamilton.subdag_drop_results(ns, names);
    END IF;
    RETURN names;
END $$;

/*
 * hamilton.subdag_drop_results drops the result tables in ns of the nodes
 * named, but of those ns has again.
 */
CREATE FUNCTION hamilton.subdag_drop_results(ns name, names text[])
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x text;
BEGIN
    FOR x IN
        SELECT format('%I.%I', ns, c.relname) FROM pg_class c
        WHERE c.relnamespace = to_regnamespace(quote_ident(ns)) AND c.relkind = 'r'
          AND c.relname = ANY (names)
          AND NOT EXISTS (SELECT 1 FROM hamilton.nodes n WHERE n.module = ns AND n.name = c.relname)
    LOOP
        EXECUTE format('DROP TABLE %s', x);
    END LOOP;
END $$;

/*
 * hamilton.subdag_check_owner refuses action on subdag ns to a role that
 * is not a member of its schema's owner; hamilton.subdag_of also finds its
 * row, or says there is none.
 */
CREATE FUNCTION hamilton.subdag_check_owner(ns name, action text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner oid := (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = ns);
BEGIN
    IF owner IS NOT NULL AND NOT pg_has_role(current_user, owner, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to % subdag %', action, quote_ident(ns)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Schema %s, its namespace, belongs to role %s.', quote_ident(ns), owner::regrole),
                  HINT = format('Ask role %s, or make a subdag of your own under another namespace.', owner::regrole);
    END IF;
END $$;

CREATE FUNCTION hamilton.subdag_of(ns text, action text)
RETURNS hamilton.subdag
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s hamilton.subdag;
BEGIN
    SELECT * INTO s FROM hamilton.subdag d WHERE d.namespace = ns;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subdag % does not exist', ns
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'No subdag was made under that namespace.',
                  HINT = 'SELECT namespace FROM hamilton.subdags lists them.';
    END IF;
    PERFORM hamilton.subdag_check_owner(s.namespace, action);
    RETURN s;
END $$;

CREATE FUNCTION @extschema@.hamilton_subdag(
    namespace text,
    module text,
    inputs jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    outputs text[] DEFAULT NULL)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ns name := hamilton_subdag.namespace;
    v_module name := hamilton_subdag.module;
    v_inputs jsonb := coalesce(hamilton_subdag.inputs, '{}');
    v_config jsonb := coalesce(hamilton_subdag.config, '{}');
    v_outputs text[] := hamilton_subdag.outputs;
    v_sources jsonb := '{}';
    old_names text[] := '{}';
    g jsonb;
    g2 jsonb;
    existing hamilton.subdag;
    created boolean := false;
    keep text[];
    input_names text[];
    made text[] := '{}';
    sql_made text[] := '{}';
    fn_made text[] := '{}';
    held text;
    k text;
    b jsonb;
    src text;
    src_kind text;
    typ text;
    r record;
    w record;
    target text;
    n int;
BEGIN
    IF v_ns IS NULL OR v_module IS NULL THEN
        RAISE EXCEPTION 'namespace and module must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'A subdag is made from a module, under a namespace (a schema of its own).',
                  HINT = 'SELECT hamilton_subdag(''us'', ''feat'', inputs => ''{"marketing": {"source": "raw.us_marketing"}}'').';
    END IF;
    IF octet_length(hamilton_subdag.namespace) > 63 THEN
        RAISE EXCEPTION 'namespace "%" is too long', hamilton_subdag.namespace
            USING ERRCODE = 'name_too_long',
                  DETAIL = format('It has %s bytes; a schema''s name has at most 63.', octet_length(hamilton_subdag.namespace)),
                  HINT = 'Choose a shorter namespace.';
    END IF;
    IF jsonb_typeof(v_inputs) <> 'object' OR jsonb_typeof(v_config) <> 'object' THEN
        RAISE EXCEPTION '% must be a JSON object', CASE WHEN jsonb_typeof(v_inputs) <> 'object' THEN 'inputs' ELSE 'config' END
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', CASE WHEN jsonb_typeof(v_inputs) <> 'object' THEN v_inputs ELSE v_config END),
                  HINT = 'inputs => ''{"spend": {"source": "raw.us_spend"}, "budget": {"value": 100}}'', config => ''{"region": "us"}''.';
    END IF;
    FOR k, b IN SELECT * FROM jsonb_each(v_inputs) LOOP
        IF NOT (jsonb_typeof(b) = 'string'
                OR (jsonb_typeof(b) = 'object' AND (SELECT count(*) FROM jsonb_object_keys(b)) = 1
                    AND ((b ? 'source' AND jsonb_typeof(b -> 'source') = 'string')
                         OR (b ? 'value' AND jsonb_typeof(b -> 'value') IN ('string', 'number', 'boolean'))))) THEN
            RAISE EXCEPTION 'input "%" of subdag % has an unknown binding', k, v_ns
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is %s; a binding is {"source": "module.node"} (or a node''s name), or {"value": a string, number or boolean}.', b),
                      HINT = format('Write "%s": {"source": "raw.table"} or "%s": {"value": 1}.', k, k);
        END IF;
    END LOOP;
    FOR k, b IN SELECT * FROM jsonb_each(v_config) LOOP
        IF jsonb_typeof(b) NOT IN ('string', 'number', 'boolean') THEN
            RAISE EXCEPTION 'config key "%" of subdag % is not a string, number or boolean', k, v_ns
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is %s; config values are compared with the conditions of config_when.', b),
                      HINT = 'Give config => a JSON object of strings, numbers or booleans.';
        END IF;
    END LOOP;

    -- The graph as the views show it, read once (each read builds it).
    g := hamilton.subdag_graph();
    -- Sources: nodes (table nodes) or relations, outside the namespace.
    FOR k, src IN SELECT e.key, coalesce(e.value ->> 'source', e.value #>> '{}') FROM jsonb_each(v_inputs) e
                  WHERE jsonb_typeof(e.value) = 'string' OR e.value ? 'source' LOOP
        target := NULL;
        SELECT n.node, n.kind INTO target, src_kind FROM hamilton.subdag_nodes(g) n WHERE n.node = src AND n.kind <> 'input' LIMIT 1;
        IF target IS NULL THEN
            BEGIN
                target := to_regclass(src)::text;
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'input "%" of subdag % is bound to "%", which you may not read', k, v_ns, src
                    USING ERRCODE = 'insufficient_privilege',
                          DETAIL = 'Its schema is not yours to use.',
                          HINT = 'Ask for USAGE on its schema and SELECT on it, or bind another source.';
            END;
            src_kind := 'relation';
        END IF;
        IF target IS NULL THEN
            RAISE EXCEPTION 'input "%" of subdag % is bound to "%", which is neither a node nor a relation', k, v_ns, src
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'A source binding reads a table node (module.name) or an existing table or view.',
                      HINT = 'SELECT node FROM hamilton.nodes lists the nodes; qualify a table with its schema.';
        END IF;
        IF (SELECT n.module FROM hamilton.subdag_nodes(g) n WHERE n.node = target LIMIT 1) = v_ns THEN
            RAISE EXCEPTION 'input "%" of subdag % is bound to its own node %', k, v_ns, target
                USING ERRCODE = 'invalid_recursion',
                      DETAIL = 'The subdag''s nodes would read themselves.',
                      HINT = 'Bind the input to a node outside the namespace.';
        END IF;
        IF src_kind NOT IN ('table', 'relation') THEN
            RAISE EXCEPTION 'input "%" of subdag % is bound to % node %', k, v_ns, src_kind, target
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'A subdag reads the node it is bound to as a relation (SELECT * FROM it), which only a table node yields.',
                      HINT = 'Bind a table node, a table or a view, or a constant with {"value": ...}.';
        END IF;
        v_sources := v_sources || jsonb_build_object(k, target);
    END LOOP;

    IF NOT EXISTS (SELECT 1 FROM hamilton.module m WHERE m.schema_name = v_module) THEN
        RAISE EXCEPTION 'module % is not registered', quote_ident(v_module)
            USING ERRCODE = 'invalid_schema_name',
                  DETAIL = 'A subdag is made from the nodes of a module.',
                  HINT = 'SELECT module FROM hamilton.modules lists the modules; hamilton_register(schema) registers one.';
    END IF;
    IF v_ns = v_module THEN
        RAISE EXCEPTION 'namespace % is module % itself', quote_ident(v_ns), quote_ident(v_module)
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = 'A subdag''s nodes are made in a schema of their own, beside the module''s.',
                  HINT = 'Choose another namespace, e.g. ''us''.';
    END IF;

    SELECT * INTO existing FROM hamilton.subdag d WHERE d.namespace = v_ns;
    IF FOUND THEN
        PERFORM hamilton.subdag_check_owner(v_ns, 'replace');
        created := existing.created_schema;
        old_names := hamilton.subdag_drop_nodes(v_ns, false);
    ELSIF EXISTS (SELECT 1 FROM hamilton.module m WHERE m.schema_name = v_ns) THEN
        RAISE EXCEPTION 'namespace % is already a module', quote_ident(v_ns)
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = format('Module %s has nodes of its own; a subdag''s namespace holds only what the subdag makes.', quote_ident(v_ns)),
                  HINT = 'Choose another namespace.';
    ELSIF to_regnamespace(quote_ident(v_ns)) IS NOT NULL THEN
        SELECT concat_ws(', ',
                   nullif(format('%s relation(s)', (SELECT count(*) FROM pg_class c WHERE c.relnamespace = to_regnamespace(quote_ident(v_ns)))), '0 relation(s)'),
                   nullif(format('%s function(s)', (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = to_regnamespace(quote_ident(v_ns)))), '0 function(s)'),
                   nullif(format('%s type(s)', (SELECT count(*) FROM pg_type t WHERE t.typnamespace = to_regnamespace(quote_ident(v_ns))
                                               AND t.typrelid = 0 AND t.typelem = 0)), '0 type(s)'),
                   nullif(format('%s SQL node(s)', (SELECT count(*) FROM hamilton.sql_node s WHERE s.schema_name = v_ns)), '0 SQL node(s)'))
        INTO held;
        IF held <> '' THEN
            RAISE EXCEPTION 'namespace % is a schema that holds other objects', quote_ident(v_ns)
                USING ERRCODE = 'duplicate_schema',
                      DETAIL = format('Schema %s holds %s; a subdag''s namespace holds only what the subdag makes.', quote_ident(v_ns), held),
                      HINT = 'Choose another namespace, or empty the schema first.';
        END IF;
    ELSE
        BEGIN
            EXECUTE format('CREATE SCHEMA %I', v_ns);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'permission denied to create schema % for subdag %', quote_ident(v_ns), quote_ident(v_ns)
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'A subdag''s nodes are made in a schema of their own, which the caller creates and owns; it needs the CREATE privilege on the database.',
                      HINT = format('GRANT CREATE ON DATABASE %I TO %I, or create an empty schema %s for the caller (AUTHORIZATION) and make the subdag in it.',
                                    current_database(), current_user, quote_ident(v_ns));
        END;
        created := true;
    END IF;

    -- The template's nodes: all, or the closure of outputs within the module.
    IF v_outputs IS NULL THEN
        SELECT coalesce(array_agg(DISTINCT n.name), '{}') INTO keep
        FROM hamilton.subdag_nodes(g) n WHERE n.module = v_module AND n.kind <> 'input';
    ELSE
        FOREACH k IN ARRAY v_outputs LOOP
            IF NOT EXISTS (SELECT 1 FROM hamilton.subdag_nodes(g) n WHERE n.module = v_module AND n.kind <> 'input'
                           AND (n.name = k OR n.node = k)) THEN
                RAISE EXCEPTION 'output "%" of subdag % is not a node of module %', k, v_ns, quote_ident(v_module)
                    USING ERRCODE = 'undefined_object',
                          DETAIL = format('Module %s has the nodes %s.', quote_ident(v_module),
                                          (SELECT string_agg(DISTINCT n.name, ', ') FROM hamilton.subdag_nodes(g) n
                                           WHERE n.module = v_module AND n.kind <> 'input')),
                          HINT = 'Name the outputs by their names in the module.';
            END IF;
        END LOOP;
        WITH RECURSIVE c(node) AS (
            SELECT n.node FROM hamilton.subdag_nodes(g) n
            WHERE n.module = v_module AND n.kind <> 'input' AND (n.name = ANY (v_outputs) OR n.node = ANY (v_outputs))
            UNION
            SELECT u.node FROM c JOIN (SELECT e.downstream AS down, e.upstream AS up FROM hamilton.subdag_edges(g) e
                                       UNION SELECT x.node, x.frame FROM hamilton.subdag_nodes(g) x WHERE x.frame IS NOT NULL) p
                                   ON p.down = c.node
                 JOIN hamilton.subdag_nodes(g) u ON u.node = p.up AND u.module = v_module)
        SELECT array_agg(DISTINCT n.name) INTO keep
        FROM c JOIN hamilton.subdag_nodes(g) n ON n.node = c.node AND n.kind <> 'input';
    END IF;
    SELECT coalesce(array_agg(DISTINCT i.name), '{}') INTO input_names
    FROM hamilton.subdag_edges(g) e
         JOIN hamilton.subdag_nodes(g) d ON d.node = e.downstream AND d.module = v_module AND d.name = ANY (keep)
         JOIN hamilton.subdag_nodes(g) i ON i.node = e.upstream AND i.kind = 'input';

    -- Refusals before anything of the module is made.
    held := hamilton.subdag_stateful_nodes(v_module, keep);
    IF held IS NOT NULL THEN
        RAISE EXCEPTION 'module % has incremental nodes or savers, which a subdag cannot make again', quote_ident(v_module)
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('Nodes %s keep state (ranges, files) under their own names.', held),
                  HINT = 'Leave them out with outputs =>, or define them in the namespace yourself after the subdag is made.';
    END IF;
    FOR k IN SELECT jsonb_object_keys(v_inputs) LOOP
        IF NOT k = ANY (input_names) THEN
            RAISE EXCEPTION 'input "%" of subdag % is not an input of module %', k, v_ns, quote_ident(v_module)
                USING ERRCODE = 'undefined_parameter',
                      DETAIL = CASE WHEN k = ANY (keep) THEN format('%s is a node of module %s.', k, quote_ident(v_module))
                                    ELSE format('The inputs of its nodes are: %s.', coalesce(nullif(array_to_string(input_names, ', '), ''), 'none')) END,
                      HINT = 'A subdag binds the names its nodes read and no node computes.';
        END IF;
    END LOOP;

    EXECUTE format('SELECT @extschema@.hamilton_register(%L::regnamespace)', quote_ident(v_ns));

    -- Bound inputs, and config values read as inputs: nodes of the namespace.
    FOR k, b IN SELECT e.key, CASE WHEN jsonb_typeof(e.value) = 'string' THEN jsonb_build_object('source', e.value) ELSE e.value END
                FROM jsonb_each(v_inputs) e
                UNION ALL
                SELECT c.key, jsonb_build_object('value', c.value) FROM jsonb_each(v_config) c
                WHERE c.key = ANY (input_names) AND NOT v_inputs ? c.key
    LOOP
        IF b ? 'source' THEN
            target := (v_sources ->> k);
            PERFORM @extschema@.hamilton_define(format('%I.%I', v_ns, k), format('SELECT * FROM %s', target),
                        doc => format('input %s of subdag %s: source %s', k, v_ns, target),
                        tags => jsonb_build_object('subdag', v_ns, 'subdag_input', target));
            sql_made := sql_made || k;
        ELSE
            -- its type: that of the module's function parameters of its name, else the JSON's
            SELECT CASE WHEN count(DISTINCT a.t) = 1 THEN format_type(min(a.t), NULL) END INTO typ
            FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace,
                 unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) a(name, t)
            WHERE s.nspname = v_module AND a.name = k AND p.proallargtypes IS NULL;
            typ := coalesce(typ, CASE jsonb_typeof(b -> 'value') WHEN 'number' THEN 'numeric'
                                      WHEN 'boolean' THEN 'boolean' ELSE 'text' END);
            EXECUTE format('CREATE FUNCTION %I.%I() RETURNS %s LANGUAGE sql IMMUTABLE RETURN %L::%s',
                           v_ns, k, typ, b ->> 'value', typ);
            EXECUTE format('COMMENT ON FUNCTION %I.%I() IS %L', v_ns, k,
                           format('input %s of subdag %s: value %s', k, v_ns, b -> 'value'));
            PERFORM @extschema@.hamilton_tag(format('%I.%I', v_ns, k),
                        jsonb_build_object('subdag', v_ns, 'subdag_input', b -> 'value'));
            fn_made := fn_made || format('%I.%I()', v_ns, k);
        END IF;
    END LOOP;

    -- SQL nodes, each variant config keeps.
    FOR r IN SELECT s.* FROM hamilton.sql_node s
             WHERE s.schema_name = v_module AND s.node_name = ANY (keep) ORDER BY s.node_name, s.config_when::text
    LOOP
        SELECT * INTO w FROM hamilton.subdag_when(r.config_when, v_config);
        CONTINUE WHEN NOT w.matched;
        IF w.rest = '{}' AND EXISTS (SELECT 1 FROM hamilton.sql_node s WHERE s.schema_name = v_ns
                                     AND s.node_name = r.node_name AND s.config_when = '{}') THEN
            RAISE EXCEPTION 'several variants of node %.% match the config of subdag %', quote_ident(v_module), quote_ident(r.node_name), v_ns
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('Config %s matches more than one of its conditions.', v_config),
                      HINT = 'Give the subdag a config that chooses one variant.';
        END IF;
        PERFORM @extschema@.hamilton_define(format('%I.%I', v_ns, r.node_name), r.definition,
                    doc => r.doc, materialize => r.materialize,
                    inputs => nullif(r.declared_inputs, '{}'),
                    key => coalesce(r.frame_key, r.refresh_key),
                    extract_columns => r.extract_columns,
                    config_when => w.rest,
                    refresh => r.refresh);
        IF NOT r.node_name = ANY (sql_made) THEN
            sql_made := sql_made || r.node_name::text;
        END IF;
    END LOOP;

    -- Function nodes: a function calling the module's, each variant config keeps.
    FOR r IN SELECT p.oid, p.proname::text AS fname, coalesce(substring(v.function_name from '^(.*)__'), p.proname) AS node,
                    coalesce(v.config_when, '{}') AS config_when
             FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
                  LEFT JOIN hamilton.function_variant v ON v.schema_name = s.nspname AND v.function_name = p.proname
             WHERE s.nspname = v_module AND p.prokind = 'f' AND p.proname !~ '^_'
               AND coalesce(substring(v.function_name from '^(.*)__'), p.proname) = ANY (keep)
               AND NOT EXISTS (SELECT 1 FROM hamilton.sql_node q WHERE q.schema_name = v_module
                               AND q.node_name = coalesce(substring(v.function_name from '^(.*)__'), p.proname))
             ORDER BY 3, 2
    LOOP
        SELECT * INTO w FROM hamilton.subdag_when(r.config_when, v_config);
        CONTINUE WHEN NOT w.matched;
        target := CASE WHEN w.rest = '{}' THEN r.node ELSE r.fname END;
        IF to_regproc(format('%I.%I', v_ns, target)) IS NOT NULL THEN
            RAISE EXCEPTION 'several variants of node %.% match the config of subdag %', quote_ident(v_module), quote_ident(r.node), v_ns
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('Config %s matches more than one of its conditions.', v_config),
                      HINT = 'Give the subdag a config that chooses one variant.';
        END IF;
        PERFORM @extschema@.hamilton_does(format('%I.%I', v_ns, target), r.oid::regproc, '{}');
        IF w.rest <> '{}' THEN
            PERFORM @extschema@.hamilton_when(format('%I.%I', v_ns, target), w.rest);
        END IF;
        fn_made := fn_made || (SELECT p.oid::regprocedure::text FROM pg_proc p
                               WHERE p.pronamespace = to_regnamespace(quote_ident(v_ns)) AND p.proname = target);
    END LOOP;

    g2 := hamilton.subdag_graph();
    -- A node none of whose variants config keeps.
    SELECT k2 INTO k FROM unnest(keep) k2
    WHERE NOT EXISTS (SELECT 1 FROM hamilton.subdag_nodes(g2) n WHERE n.module = v_ns AND n.name = k2)
    LIMIT 1;
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'no variant of node %.% matches the config of subdag %', quote_ident(v_module), quote_ident(k), v_ns
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its variants are chosen by config_when: %s; the subdag''s config is %s.',
                                  (SELECT string_agg(DISTINCT n.config_when::text, ', ') FROM hamilton.subdag_nodes(g2) n
                                   WHERE n.module = v_module AND n.name = k), v_config),
                  HINT = 'Give the subdag a config => with the values of one variant.';
    END IF;

    -- Tags and checks of every node made, and where it came from.
    FOR k IN SELECT DISTINCT n.name FROM hamilton.subdag_nodes(g2) n WHERE n.module = v_ns
             AND n.name = ANY (keep) AND n.kind <> 'input' LOOP
        PERFORM @extschema@.hamilton_tag(format('%I.%I', v_ns, k),
                    coalesce((SELECT jsonb_object_agg(t.tag_key, t.tag_value) FROM hamilton.node_tag t
                              WHERE t.schema_name = v_module AND t.node_name = k), '{}')
                    || jsonb_build_object('subdag', v_ns, 'subdag_template', format('%I.%I', v_module, k)));
        IF EXISTS (SELECT 1 FROM hamilton.node_check c WHERE c.schema_name = v_module AND c.node_name = k) THEN
            PERFORM @extschema@.hamilton_check(format('%I.%I', v_ns, k),
                        (SELECT c.checks FROM hamilton.node_check c WHERE c.schema_name = v_module AND c.node_name = k));
        END IF;
    END LOOP;

    -- A node that names one of the module's own nodes by the module's name
    -- would read the module's node, not the namespace's.
    SELECT format('%s reads %s', e.downstream, e.upstream) INTO held
    FROM hamilton.subdag_edges(g2) e JOIN hamilton.subdag_nodes(g2) d ON d.node = e.downstream AND d.module = v_ns
         JOIN hamilton.subdag_nodes(g2) u ON u.node = e.upstream AND u.module = v_module
    LIMIT 1;
    IF held IS NOT NULL THEN
        RAISE EXCEPTION 'a node of module % names the module''s own node by its module', quote_ident(v_module)
            USING ERRCODE = 'invalid_object_definition',
                  DETAIL = format('In subdag %s, %s: the module''s node, not the namespace''s.', v_ns, held),
                  HINT = format('Write the name unqualified in module %s, so that it resolves in each namespace.', quote_ident(v_module));
    END IF;
    -- A source that reads the namespace: a cycle through the subdag.
    SELECT string_agg(DISTINCT c.node, ', ') INTO held FROM (
        WITH RECURSIVE c(node) AS (
            SELECT e.upstream FROM hamilton.subdag_edges(g2) e JOIN hamilton.subdag_nodes(g2) d ON d.node = e.downstream AND d.module = v_ns
                 JOIN hamilton.subdag_nodes(g2) u ON u.node = e.upstream AND u.module <> v_ns
            UNION
            SELECT e.upstream FROM c JOIN hamilton.subdag_edges(g2) e ON e.downstream = c.node
                 JOIN hamilton.subdag_nodes(g2) u ON u.node = e.upstream AND u.module <> v_ns)
        SELECT c.node FROM c) c
    WHERE EXISTS (SELECT 1 FROM hamilton.subdag_edges(g2) e JOIN hamilton.subdag_nodes(g2) u ON u.node = e.upstream AND u.module = v_ns
                  WHERE e.downstream = c.node);
    IF held IS NOT NULL THEN
        RAISE EXCEPTION 'subdag % would be part of a cycle', v_ns
            USING ERRCODE = 'invalid_recursion',
                  DETAIL = format('Its inputs read %s, which read nodes of namespace %s.', held, v_ns),
                  HINT = 'Bind the inputs to nodes that do not depend on the namespace.';
    END IF;

    -- the results of nodes the subdag no longer has
    PERFORM hamilton.subdag_drop_results(v_ns, old_names);
    DELETE FROM hamilton.subdag d WHERE d.namespace = v_ns;
    INSERT INTO hamilton.subdag (namespace, module, inputs, config, outputs, sql_nodes, functions, fingerprint, created_schema,
                                 module_owner)
    VALUES (v_ns, v_module, v_inputs, v_config, v_outputs, sql_made, fn_made,
            hamilton.subdag_fingerprint(v_module), created,
            (SELECT n.nspowner::regrole::name FROM pg_namespace n WHERE n.nspname = v_module));
    SELECT array_agg(DISTINCT n.node ORDER BY n.node) INTO made FROM hamilton.subdag_nodes(g2) n WHERE n.module = v_ns AND n.kind <> 'input';
    RETURN coalesce(made, '{}');
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_subdag(text, text, jsonb, jsonb, text[]) IS
  'Hamilton''s @subdag: make module''s nodes (or the closure of outputs) again in schema namespace, its inputs bound to {"source": node or table} or {"value": v} and its variants chosen by config; returns the nodes made';

CREATE FUNCTION @extschema@.hamilton_parameterized_subdag(module text, subdags jsonb, outputs text[] DEFAULT NULL)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ns text;
    spec jsonb;
    made text[] := '{}';
BEGIN
    IF jsonb_typeof(subdags) IS DISTINCT FROM 'object' OR subdags = '{}' THEN
        RAISE EXCEPTION 'subdags must be a non-empty JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', coalesce(subdags::text, 'NULL')),
                  HINT = 'subdags => ''{"us": {"inputs": {...}, "config": {...}}, "eu": {...}}''.';
    END IF;
    FOR ns, spec IN SELECT * FROM jsonb_each(subdags) LOOP
        IF jsonb_typeof(spec) <> 'object' OR EXISTS (SELECT 1 FROM jsonb_object_keys(spec) x WHERE x NOT IN ('inputs', 'config')) THEN
            RAISE EXCEPTION 'subdag % is not {"inputs": {...}, "config": {...}}', ns
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is %s.', spec),
                      HINT = 'Each namespace takes an object with the keys inputs and config, both optional.';
        END IF;
        made := made || @extschema@.hamilton_subdag(ns, module, coalesce(spec -> 'inputs', '{}'),
                                                   coalesce(spec -> 'config', '{}'), outputs);
    END LOOP;
    RETURN made;
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_parameterized_subdag(text, jsonb, text[]) IS
  'Hamilton''s @parameterized_subdag: hamilton_subdag for each namespace of {"us": {"inputs": ..., "config": ...}, ...}; returns the nodes made';

CREATE FUNCTION @extschema@.hamilton_refresh_subdag(namespace text)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s hamilton.subdag;
    owner_now name;
BEGIN
    s := hamilton.subdag_of(hamilton_refresh_subdag.namespace, 'refresh');
    -- a module dropped and made again by another role is not the template
    -- the subdag was made from: refreshing would run that role's code as you
    SELECT n.nspowner::regrole::name INTO owner_now FROM pg_namespace n WHERE n.nspname = s.module;
    IF owner_now IS DISTINCT FROM s.module_owner THEN
        RAISE EXCEPTION 'module % of subdag % changed owner since the subdag was made', s.module, s.namespace
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('The subdag was made from schema %s of role %s; it is now %s.', s.module,
                                  s.module_owner, coalesce('of role ' || owner_now, 'gone')),
                  HINT = format('If you trust the module as it is now, make the subdag again: SELECT hamilton_drop_subdag(%L), then hamilton_subdag.',
                                s.namespace);
    END IF;
    RETURN @extschema@.hamilton_subdag(s.namespace, s.module, s.inputs, s.config, s.outputs);
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_refresh_subdag(text) IS
  'make subdag namespace again from its module as it is now, with the same inputs, config and outputs; returns the nodes made';

CREATE FUNCTION @extschema@.hamilton_drop_subdag(namespace text)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s hamilton.subdag;
    dropped text[];
BEGIN
    s := hamilton.subdag_of(hamilton_drop_subdag.namespace, 'drop');
    SELECT array_agg(n.node ORDER BY n.node) INTO dropped FROM hamilton.nodes n WHERE n.module = s.namespace AND n.kind <> 'input';
    PERFORM hamilton.subdag_drop_nodes(s.namespace, true);
    DELETE FROM hamilton.subdag d WHERE d.namespace = s.namespace;
    IF EXISTS (SELECT 1 FROM hamilton.module m WHERE m.schema_name = s.namespace)
       AND NOT EXISTS (SELECT 1 FROM hamilton.sql_node q WHERE q.schema_name = s.namespace) THEN
        PERFORM @extschema@.hamilton_unregister(to_regnamespace(quote_ident(s.namespace)));
    END IF;
    IF s.created_schema AND to_regnamespace(quote_ident(s.namespace)) IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = to_regnamespace(quote_ident(s.namespace)))
           OR EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = to_regnamespace(quote_ident(s.namespace))) THEN
            RAISE NOTICE 'schema % is kept: it holds objects the subdag did not make', quote_ident(s.namespace);
        ELSE
            EXECUTE format('DROP SCHEMA %I', s.namespace);
        END IF;
    END IF;
    RETURN coalesce(dropped, '{}');
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_drop_subdag(text) IS
  'drop what subdag namespace made (its nodes and their result tables), unregister it, and drop its schema if the subdag created it and it is empty; returns the nodes dropped';

CREATE VIEW hamilton.subdags AS
SELECT s.namespace, s.module, s.inputs, s.config, s.outputs,
       (SELECT array_agg(n.node ORDER BY n.node) FROM hamilton.nodes n
        WHERE n.module = s.namespace AND n.kind <> 'input') AS nodes,
       s.fingerprint IS DISTINCT FROM hamilton.subdag_fingerprint(s.module) AS stale,
       s.defined_by, s.defined_at
FROM hamilton.subdag s;
COMMENT ON VIEW hamilton.subdags IS
  'every subdag: its namespace, module, bindings, config, outputs, the nodes it made, and whether the module changed since (stale: runs that need its nodes are refused until hamilton_refresh_subdag)';
GRANT SELECT ON hamilton.subdags TO PUBLIC;
/*
 * Probes (issue 11): a source that cannot carry the change log's trigger
 * (a foreign table, a materialized view) declares, by its owner, a query
 * whose one value is its data version: a cached result read from it is
 * reused while the probe returns what it returned when the result was
 * made (src/dag/probe_value.c).  Dumped: it is the owner's declaration.
 */
CREATE TABLE hamilton.source_probe (
    source      regclass PRIMARY KEY,
    probe       text NOT NULL,
    declared_by name NOT NULL DEFAULT CURRENT_USER,
    declared_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON hamilton.source_probe FROM PUBLIC;
GRANT SELECT ON hamilton.source_probe TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('hamilton.source_probe', '');

CREATE FUNCTION @extschema@.hamilton_probe(source regclass, probe text)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_probe'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_probe(regclass, text) IS
  'by the owner of a foreign table or materialized view: a read-only SELECT of one column and one row whose value is its data version, so that cache => true can reuse results read from it while that value is unchanged';

CREATE FUNCTION @extschema@.hamilton_unprobe(source regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unprobe'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_unprobe(regclass) IS
  'by the owner of a probed source: forget its probe; results read from it are recomputed from then on';
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
