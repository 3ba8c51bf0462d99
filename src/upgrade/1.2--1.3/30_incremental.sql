/*
 * Incremental nodes (issue 11, part 2): their specs, the ranges they
 * processed, the views over them, hamilton_incremental, hamilton_restate
 * and hamilton_reset.  The same objects as src/sql/70_incremental.sql.
 */
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
