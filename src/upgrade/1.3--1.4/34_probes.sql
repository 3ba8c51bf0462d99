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

/* hamilton.cache shows the value each probe returned when a result was made (probes). */
CREATE OR REPLACE VIEW hamilton.cache AS
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
