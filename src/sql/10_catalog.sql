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

