/*
 * Several servers (issue 14), declared once: hamilton_define takes
 * placement (the postgres_fdw server, or a JSON array of servers, a node
 * runs on) and shard_key (the column a sharded node's union is partitioned
 * on).  Until they are built, a value that asks for them is refused.
 */
DROP FUNCTION @extschema@.hamilton_define(text, text, text, jsonb, text, text[], text[], boolean, jsonb, jsonb, text, jsonb, text);

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
