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
