/*
 * The options of the nightly run, declared once for every issue that fills
 * them in: hamilton_execute, hamilton_validate and hamilton_explain take
 * cache (skip unchanged work) and workers (steps on background workers);
 * hamilton_define takes incremental and cache.  Until they are built, a
 * value that asks for them is refused.
 */
DROP FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb, text);
DROP FUNCTION @extschema@.hamilton_execute(text[], jsonb, jsonb, jsonb, text, text[], boolean);
DROP FUNCTION @extschema@.hamilton_validate(text[], jsonb, jsonb, jsonb, text, text[], boolean);
DROP FUNCTION @extschema@.hamilton_explain(text[], jsonb, jsonb, jsonb, text, text[], boolean);

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
    cache text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_define'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb, text, jsonb, text) IS
  'define (or replace) a SQL node schema.name: a read-only SELECT is a table node (a frame with key and extract_columns), an expression is a column node; refresh => ''concurrent'' refreshes its table by a diff on its key';

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
