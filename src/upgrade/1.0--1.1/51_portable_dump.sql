/*
 * A dump restores anywhere: a SQL node's owner and a result's table were
 * regrole and regclass, which COPY cannot read in a cluster without the
 * dump's roles, or without the tables an --exclude-schema left out.  They
 * are OIDs now, with the owner's name beside (owner_name), and rows that
 * arrive by COPY are bound again by name (a missing role's nodes go to the
 * restoring role, adopted_from keeps its name; hamilton.missing_roles).
 * The lineage view depends on result.relation: it is made again.
 */
DROP VIEW hamilton.lineage;
ALTER TABLE hamilton.sql_node ALTER COLUMN owner TYPE oid;
ALTER TABLE hamilton.sql_node ADD COLUMN owner_name name;
ALTER TABLE hamilton.sql_node ADD COLUMN adopted_from name;
UPDATE hamilton.sql_node s SET owner_name = r.rolname
FROM pg_catalog.pg_roles r WHERE r.oid = s.owner;
ALTER TABLE hamilton.result ALTER COLUMN relation TYPE oid;
ALTER TABLE hamilton.result ALTER COLUMN relation DROP NOT NULL;

/*
 * A restored dump names roles and result tables, not OIDs: rows arrive by
 * COPY, through these triggers.  A SQL node's owner is bound again by name;
 * when no role of that name exists here, the node belongs to the role that
 * restores it (adopted_from keeps the name; hamilton.missing_roles lists
 * them).  A result is bound again to the table of its name, if the dump
 * brought one.  Rows pg_hamilton writes itself are already bound, and the
 * triggers' conditions leave them alone.
 */
CREATE FUNCTION hamilton.bind_restored_owner()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    role_oid oid;
BEGIN
    SELECT r.oid INTO role_oid FROM pg_roles r WHERE r.rolname = NEW.owner_name;
    IF role_oid IS NULL THEN
        RAISE WARNING 'role % of SQL node %.% does not exist: the node now belongs to role %',
            coalesce(quote_ident(NEW.owner_name), '(a dropped role)'),
            quote_ident(NEW.schema_name), quote_ident(NEW.node_name), quote_ident(current_user)
            USING DETAIL = 'The node was restored from a dump made where that role existed.',
                  HINT = 'SELECT * FROM hamilton.missing_roles; lists what the restore could not give back to its roles.';
        NEW.adopted_from := coalesce(NEW.owner_name, format('(dropped, OID %s)', NEW.owner));
        NEW.owner_name := current_user;
        role_oid := (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user);
    END IF;
    NEW.owner := role_oid;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION hamilton.bind_restored_owner() FROM PUBLIC;
CREATE TRIGGER bind_restored_owner BEFORE INSERT ON hamilton.sql_node
    FOR EACH ROW
    WHEN (NEW.owner_name IS NULL
          OR NEW.owner IS DISTINCT FROM pg_catalog.to_regrole(pg_catalog.quote_ident(NEW.owner_name))::pg_catalog.oid)
    EXECUTE FUNCTION hamilton.bind_restored_owner();

CREATE FUNCTION hamilton.bind_restored_result()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.relation := to_regclass(format('%I.%I', NEW.schema_name, NEW.node_name));
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION hamilton.bind_restored_result() FROM PUBLIC;
CREATE TRIGGER bind_restored_result BEFORE INSERT ON hamilton.result
    FOR EACH ROW
    WHEN (NEW.relation IS DISTINCT FROM
          pg_catalog.to_regclass(pg_catalog.format('%I.%I', NEW.schema_name, NEW.node_name))::pg_catalog.oid)
    EXECUTE FUNCTION hamilton.bind_restored_result();

/*
 * A result's relation is the table its row was bound to, while that table
 * is still the node's (schema_name.node_name); NULL when it is gone, or was
 * not in the dump this database was restored from.
 */
CREATE VIEW hamilton.lineage WITH (security_barrier) AS
SELECT CASE WHEN c.oid IS NOT NULL THEN res.relation::pg_catalog.regclass END AS relation,
       pg_catalog.quote_ident(res.schema_name) || '.' || pg_catalog.quote_ident(res.node_name) AS node,
       res.schema_name AS module,
       res.run_id,
       run.status AS run_status,
       res.materialized_at,
       res.fingerprint,
       res.inputs,
       res.upstream,
       res.sources
FROM hamilton.result res
LEFT JOIN hamilton.run run USING (run_id)
LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace)
       ON c.oid = res.relation AND c.relname = res.node_name AND n.nspname = res.schema_name
WHERE (c.oid IS NOT NULL AND pg_catalog.has_table_privilege(c.oid, 'SELECT'))
   OR hamilton.may_see_run(run.run_by);
COMMENT ON VIEW hamilton.lineage IS 'for each materialized table: the run and node that made it, its code fingerprint, inputs, upstream results and source tables';
GRANT SELECT ON hamilton.lineage TO PUBLIC;

/*
 * What a restore could not give back to its roles, because they do not
 * exist here: SQL nodes it gave to the restoring role, and the history
 * and modules that name a role that is gone.  For superusers and
 * the extension's owner: run history is not public.
 */
CREATE VIEW hamilton.missing_roles AS
SELECT s.adopted_from AS role, 'SQL node'::text AS kind,
       pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) AS object,
       pg_catalog.format('restored as owned by %s', pg_catalog.quote_ident(s.owner_name)) AS now
FROM hamilton.sql_node s
WHERE s.adopted_from IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = s.adopted_from)
UNION ALL
SELECT s.owner_name, 'SQL node',
       pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name),
       'owned by a dropped role: only superusers may change it'
FROM hamilton.sql_node s
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = s.owner)
UNION ALL
SELECT m.registered_by, 'module', pg_catalog.quote_ident(m.schema_name), 'registered by a role that does not exist'
FROM hamilton.module m
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = m.registered_by)
UNION ALL
SELECT ru.run_by, 'runs', pg_catalog.count(*)::text || ' runs', 'visible to superusers only'
FROM (SELECT e.run_by FROM hamilton.run e UNION ALL SELECT s.run_by FROM hamilton.run_start s
      WHERE NOT EXISTS (SELECT 1 FROM hamilton.run e WHERE e.run_id = s.run_id)) ru
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = ru.run_by)
GROUP BY ru.run_by;
COMMENT ON VIEW hamilton.missing_roles IS 'roles the catalog names that do not exist here (after a restore): SQL nodes given to the restoring role, runs and modules of roles that are gone';
