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
