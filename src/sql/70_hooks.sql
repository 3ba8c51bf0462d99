/* ------------------------------------------------------------------------
 * Lifecycle hooks (Hamilton's lifecycle adapters): functions called before
 * and after a run and each of its nodes (exec/hooks.c)
 * ------------------------------------------------------------------------ */

/*
 * A hook belongs to the role that registered it (owner_name, a name so that
 * it survives a dump) and runs as that role.  It is called in the runs of
 * the roles that trust its owner (catalog_role_trusts): its owner, members
 * of its owner, and everyone for a superuser's hook.
 */
CREATE TABLE hamilton.hook (
    event       text NOT NULL CHECK (event IN ('before_run', 'before_node', 'after_node', 'after_run')),
    function    pg_catalog.regprocedure NOT NULL,
    owner_name  name NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (event, function)
);

/* What a hook raised: the run went on without it. */
CREATE TABLE hamilton.hook_error (
    run_id      bigint NOT NULL,
    event       text NOT NULL,
    function    text NOT NULL,
    owner_name  name NOT NULL,
    node        text,
    sqlstate    text NOT NULL,
    message     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON hamilton.hook_error (run_id);

SELECT pg_catalog.pg_extension_config_dump('hamilton.hook', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.hook_error', '');

CREATE FUNCTION @extschema@.hamilton_hook(event text, function regprocedure)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hamilton_hook'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_hook(text, regprocedure) IS
  'call function(event text, run_id bigint, node text, status text, rows bigint, ms double precision) at event (before_run, before_node, after_node, after_run) of every run of the roles that trust you, as you; false when it was already registered';

CREATE FUNCTION @extschema@.hamilton_unhook(event text, function regprocedure)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unhook'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_unhook(text, regprocedure) IS
  'stop calling a hook (yours, or a role''s you belong to)';

CREATE VIEW hamilton.hooks AS
SELECT h.event, h.function, h.owner_name AS owner, h.created_at
FROM hamilton.hook h;
COMMENT ON VIEW hamilton.hooks IS 'every lifecycle hook: the event, the function called, the role it runs as';

CREATE VIEW hamilton.hook_errors WITH (security_barrier) AS
SELECT e.run_id, e.event, e.function, e.owner_name AS owner, e.node, e.sqlstate, e.message, e.at
FROM hamilton.hook_error e
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by) OR pg_catalog.pg_has_role(e.owner_name, 'MEMBER');
COMMENT ON VIEW hamilton.hook_errors IS 'what the hooks of the runs you see (or your hooks) raised; the runs went on';

GRANT SELECT ON hamilton.hooks, hamilton.hook_errors TO PUBLIC;
