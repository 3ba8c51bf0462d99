/*
 * refresh => 'concurrent': a node's result table may be refreshed by a diff
 * on its key (DELETE, UPDATE and INSERT of what changed, as REFRESH
 * MATERIALIZED VIEW CONCURRENTLY does), so that a reader whose snapshot
 * predates the run still sees the old rows.  SQL nodes keep it per variant
 * (hamilton_define's refresh =>); any node may carry the tags refresh and
 * refresh_key; hamilton.nodes shows both.
 */

-- (the default set after the rows are filled, as a fresh install's table
-- has it, with no value "missing" from old rows)
ALTER TABLE hamilton.sql_node
    ADD COLUMN refresh text,
    ADD COLUMN refresh_key text[];
UPDATE hamilton.sql_node SET refresh = 'replace';
ALTER TABLE hamilton.sql_node
    ALTER COLUMN refresh SET DEFAULT 'replace',
    ALTER COLUMN refresh SET NOT NULL,
    ADD CONSTRAINT sql_node_refresh_check CHECK (refresh IN ('replace', 'concurrent'));

DROP FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb);
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
    refresh text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_define'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb, text) IS
  'define (or replace) a SQL node schema.name: a read-only SELECT is a table node (a frame with key and extract_columns), an expression is a column node; refresh => ''concurrent'' refreshes its table by a diff on its key';

DROP VIEW hamilton.nodes;
DROP FUNCTION hamilton.node_list();
CREATE FUNCTION hamilton.node_list()
RETURNS TABLE (node text, module name, name name, kind text, language text, type text,
               inputs text[], sources text[], doc text, tags jsonb, materialize text,
               definition text, fingerprint text, owner name,
               frame text, key text[], config_when jsonb, checks jsonb, parameterized jsonb,
               refresh text, refresh_key text[])
AS 'MODULE_PATHNAME', 'hamilton_node_list'
LANGUAGE C VOLATILE;
CREATE VIEW hamilton.nodes AS SELECT * FROM hamilton.node_list();
COMMENT ON VIEW hamilton.nodes IS 'every node of the dataflow (every variant of it), as the next execution will see it';
GRANT SELECT ON hamilton.nodes TO PUBLIC;
REVOKE ALL ON FUNCTION hamilton.node_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hamilton.node_list() TO PUBLIC;
