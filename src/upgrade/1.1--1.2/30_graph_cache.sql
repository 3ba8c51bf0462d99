/*
 * 1.1 -> 1.2: the triggers that tell every session's graph cache that
 * what graphs are read from changed (src/dag/cache.c).
 */

/*
 * Each session keeps the graph a request built for its next identical
 * request (src/dag/cache.c).  PostgreSQL's cache invalidations announce a
 * change of functions, schemas, types and roles; these triggers announce
 * the rest, to every session: a change of the rows of the catalog tables
 * a graph is read from (also under session_replication_role = replica,
 * hence ENABLE ALWAYS), and of comments, security labels and extensions'
 * members, which no cache invalidation covers.
 */
CREATE FUNCTION hamilton.graph_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hamilton_graph_changed'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.graph_changed() FROM PUBLIC;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['module', 'sql_node', 'function_variant', 'node_check', 'node_tag'] LOOP
        EXECUTE format('CREATE TRIGGER graph_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hamilton.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION hamilton.graph_changed()', t);
        EXECUTE format('ALTER TABLE hamilton.%I ENABLE ALWAYS TRIGGER graph_changed', t);
    END LOOP;
END $$;

CREATE FUNCTION hamilton.graph_changed_ddl()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_graph_changed_ddl'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.graph_changed_ddl() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_graph_changed ON ddl_command_end
    WHEN TAG IN ('COMMENT', 'SECURITY LABEL', 'ALTER EXTENSION')
    EXECUTE FUNCTION hamilton.graph_changed_ddl();
ALTER EVENT TRIGGER hamilton_graph_changed ENABLE ALWAYS;
