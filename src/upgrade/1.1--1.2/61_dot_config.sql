/*
 * hamilton_dot takes config: the picture of the graph a run with that
 * config would build, so that a node defined only by config variants can be
 * drawn as an execution path.
 */
DROP FUNCTION @extschema@.hamilton_dot(text[], bigint, text[], boolean);
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
