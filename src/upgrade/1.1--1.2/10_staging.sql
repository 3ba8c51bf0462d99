/*
 * Staging heaps committed by other transactions, for the swap of results
 * built aside (src/exec/swap.c), and the function that removes them.
 */

/*
 * Staging heaps built and committed by a transaction other than the run
 * that swaps them in (src/exec/swap.c; a background worker, a remote
 * server).  A staging heap is never a result: results are found through
 * hamilton.result only, and a staging heap is named pg_temp_<oid>.  Those
 * a run made in its own transaction vanish with it and are never here.
 * hamilton_staging_cleanup() drops those whose run no longer runs, and
 * reports them.
 */
CREATE TABLE hamilton.staging (
    relation     oid PRIMARY KEY,
    schema_name  name NOT NULL,
    node_name    name NOT NULL,
    run_id       bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- as a fresh install's REVOKE ALL ON ALL TABLES IN SCHEMA hamilton does
REVOKE ALL ON hamilton.staging FROM PUBLIC;

CREATE FUNCTION @extschema@.hamilton_staging_cleanup()
RETURNS TABLE (staging text, result text, run_id bigint, dropped boolean)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    s record;
BEGIN
    FOR s IN
        SELECT st.relation, st.schema_name, st.node_name, st.run_id, c.oid IS NOT NULL AS present
        FROM hamilton.staging st
        LEFT JOIN pg_class c ON c.oid = st.relation AND c.relname LIKE 'pg\_temp\_%'
             AND NOT EXISTS (SELECT 1 FROM hamilton.result r WHERE r.relation::oid = c.oid)
        WHERE NOT EXISTS (SELECT 1 FROM hamilton.runs r WHERE r.run_id = st.run_id AND r.status = 'running')
        ORDER BY st.relation
    LOOP
        staging := coalesce((SELECT s.relation::regclass::text FROM pg_class c WHERE c.oid = s.relation),
                            s.relation::text);
        result := format('%I.%I', s.schema_name, s.node_name);
        run_id := s.run_id;
        dropped := s.present;
        IF s.present THEN
            EXECUTE format('DROP TABLE %s', s.relation::regclass);
        END IF;
        DELETE FROM hamilton.staging st WHERE st.relation = s.relation;
        RETURN NEXT;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION @extschema@.hamilton_staging_cleanup() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.hamilton_staging_cleanup() IS
  'drops the staging heaps other transactions built for runs that no longer run, and reports them (dropped is false for a row whose relation is gone, or is not a staging heap)';
