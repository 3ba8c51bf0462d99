/*
 * Skipping unchanged work (cache => true, src/exec/cache_skip.c).
 *
 * The change log: one row per (relation, writing transaction), written by
 * the statement trigger hamilton.change_logged (src/api/track.c) that
 * hamilton_track puts on a source and each of its partitions, and that
 * every result table a cached run writes carries too.  A row commits or
 * rolls back with the writer, so a relation has changed since a snapshot
 * when a row of it exists whose xid that snapshot did not see as committed
 * (pg_visible_in_snapshot), or is the transaction that took it.  No
 * index: a writer pays for one heap row per transaction, and a cached run
 * reads the log (pruned as it goes) in one statement.  Unlogged, so that
 * the row costs the writer no WAL: a crash empties it, and the marker rows
 * (relation 0) that cached runs keep tell the results made before it,
 * which are recomputed (src/catalog/change_log.c).
 */
CREATE UNLOGGED TABLE hamilton.change_log (
    relation    oid NOT NULL,
    xid         xid8 NOT NULL
);
REVOKE ALL ON hamilton.change_log FROM PUBLIC;

/*
 * What each cached result was made from: its key (code, inputs, config,
 * upstream data versions, settings), the snapshot its run read under (and
 * its transaction), the relations and functions its query read, and
 * whether it may be reused.  Not dumped: a restored database has no cache,
 * and recomputes.
 */
CREATE TABLE hamilton.cache_entry (
    schema_name   name NOT NULL,
    node_name     name NOT NULL,
    relation      oid NOT NULL,
    run_id        bigint NOT NULL,
    behaviour     text NOT NULL,
    cache_key     text NOT NULL,
    data_version  text NOT NULL,
    snapshot      pg_snapshot NOT NULL,
    xid           xid8 NOT NULL,
    sources       oid[] NOT NULL DEFAULT '{}',
    functions     oid[] NOT NULL DEFAULT '{}',
    deps_state    text NOT NULL,
    reusable      boolean NOT NULL,
    reason        text,
    rows          bigint,
    made_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (schema_name, node_name)
);
REVOKE ALL ON hamilton.cache_entry FROM PUBLIC;

CREATE FUNCTION hamilton.change_logged()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hamilton_change_logged'
LANGUAGE C;
COMMENT ON FUNCTION hamilton.change_logged() IS
  'statement trigger of tracked sources and cached results: logs the writing transaction in hamilton.change_log';

/*
 * The condition of the row trigger (enabled REPLICA) that hamilton_track
 * also puts on each table, for the writes of logical replication, whose
 * apply worker fires no statement trigger: logs the writing transaction
 * once, and is false, so no row event is queued (src/dag/replica_trigger.c).
 * Called by anyone, it only makes the table's cached results recompute.
 */
CREATE FUNCTION hamilton.replicated_change(source regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hamilton_replicated_change'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hamilton.replicated_change(regclass) IS
  'condition of the row trigger of tracked sources for logical replication: logs the writing transaction in hamilton.change_log, and is false';

CREATE FUNCTION @extschema@.hamilton_track(source regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_track'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_track(regclass) IS
  'by the owner of a table: log every transaction that writes it (and each of its partitions), so that cache => true can reuse results read from it';

CREATE FUNCTION @extschema@.hamilton_untrack(source regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_untrack'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_untrack(regclass) IS
  'by the owner of a tracked table: stop logging its writes; results read from it are recomputed from then on';

CREATE FUNCTION @extschema@.hamilton_invalidate(node text, downstream boolean DEFAULT true)
RETURNS TABLE (node text)
AS 'MODULE_PATHNAME', 'hamilton_invalidate'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_invalidate(text, boolean) IS
  'forget the cached result of a node (and, by default, of every node downstream of it), so that the next cached run recomputes them; returns the nodes whose cached result was forgotten';

CREATE FUNCTION hamilton.cache_refusal(schema_name name, node_name name)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_cache_refusal'
LANGUAGE C STABLE STRICT;

/*
 * Each cached result: its node, table, the run that made it, its cache key
 * and data version, and whether a run with the same inputs and config
 * would reuse it now, and why not: its own reason (hamilton.cache_refusal:
 * its behaviour, its code, what it read or called), else the nearest
 * upstream cached result that would be recomputed (from the lineage's
 * upstream results); probes: the value each probed source's probe
 * returned when it was made (source=value, ...; src/dag/source_state.c).
 */
CREATE VIEW hamilton.cache AS
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
COMMENT ON VIEW hamilton.cache IS 'each cached result: its cache key, data version, the run that made it, and whether a run with the same key would reuse it now (reason: why not)';
GRANT SELECT ON hamilton.cache TO PUBLIC;

/*
 * A partition created in, or attached to, a tracked table gets the change
 * log's trigger too, when the role running the command owns it.
 */
CREATE FUNCTION hamilton.track_partitions()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_track_partitions'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.track_partitions() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_track_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION hamilton.track_partitions();
