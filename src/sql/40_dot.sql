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
