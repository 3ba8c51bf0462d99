-- Catalog rows name their schema.  The event triggers act only on the schema
-- a DDL command names: a rename moves that schema's rows, a drop forgets
-- them.  Rows whose schema does not exist (orphans: a dump restored with
-- pg_dump --exclude-schema, or a catalog an older pg_hamilton left) are
-- never adopted by another schema, never deleted behind anyone's back, and
-- never inherited by a new schema of their name: hamilton_orphans() reports
-- them and removes them on request.
SELECT setval('hamilton.run_id_seq', 8400) > 0 AS ok;
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
CREATE SCHEMA vict AUTHORIZATION regress_hamilton_victim;
-- Whoever runs the intruder's code leaves its role here.
CREATE TABLE public.se_ran (who name);
GRANT INSERT ON public.se_ran TO PUBLIC;
CREATE FUNCTION public.se_spy() RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.se_ran VALUES (current_user); RETURN 666; END $$;
CREATE TABLE public.se_sales AS SELECT 10 AS amount;
GRANT SELECT ON public.se_sales TO PUBLIC;

-- The victim's module: a report reading the source table se_sales.
SET ROLE regress_hamilton_victim;
CREATE FUNCTION vict.base() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('vict');
SELECT hamilton_define('vict.report', 'SELECT sum(amount) AS total FROM se_sales');
SELECT hamilton_tag('vict.report', '{"owner": "victim"}');
SELECT node, status FROM hamilton_execute(ARRAY['vict.report']);
RESET ROLE;

-- Rows of the intruder's schema "gone", which does not exist: its node
-- se_sales, which runs the intruder's code, and a tag.
INSERT INTO hamilton.sql_node (schema_name, node_name, definition, owner, owner_name)
VALUES ('gone', 'se_sales', 'SELECT public.se_spy() AS amount', 'regress_hamilton_intruder'::regrole, 'regress_hamilton_intruder');
INSERT INTO hamilton.node_tag VALUES ('gone', 'se_sales', 'planted', 'yes');

-- ALTER SCHEMA ... OWNER TO on the victim's schema adopts none of them: the
-- report still reads the table, and nobody runs the intruder's code.
ALTER SCHEMA vict OWNER TO regress_hamilton_victim;
SELECT node, owner FROM hamilton.nodes WHERE language = 'sql' AND module IN ('vict', 'gone') ORDER BY 1;
SET ROLE regress_hamilton_victim;
SELECT node, status FROM hamilton_execute(ARRAY['vict.report']);
TABLE vict.report;
RESET ROLE;
SELECT * FROM public.se_ran;

-- Renaming the victim's schema, with two names in the catalog that no
-- schema has, moves exactly its rows, and deletes nothing.
INSERT INTO hamilton.module (schema_name, registered_by) VALUES ('gone_too', 'regress_hamilton_intruder');
ALTER SCHEMA vict RENAME TO vict_renamed;
SELECT module, schema_exists FROM hamilton.modules WHERE module IN ('vict', 'vict_renamed', 'gone', 'gone_too') ORDER BY 1;
SELECT node, tags FROM hamilton.nodes WHERE module = 'vict_renamed' ORDER BY 1;
SELECT relation, node FROM hamilton.lineage WHERE module = 'vict_renamed';
ALTER SCHEMA vict_renamed RENAME TO vict;
SELECT node FROM hamilton.nodes WHERE module = 'vict' ORDER BY 1;

-- hamilton_orphans() reports the rows without a schema.  A new schema of
-- their name would inherit them: creating it, or renaming a schema to it,
-- is refused until they are removed.
SELECT * FROM hamilton_orphans();
CREATE SCHEMA gone;
ALTER SCHEMA vict RENAME TO gone;
SELECT nspname FROM pg_namespace WHERE nspname IN ('gone', 'vict') ORDER BY 1;
-- Only the catalog's owner removes them.
SET ROLE regress_hamilton_intruder;
SELECT * FROM hamilton_orphans();
SELECT sqlstate_of('SELECT * FROM hamilton_orphans(remove => true)'),
       error_of('SELECT * FROM hamilton_orphans(remove => true)');
RESET ROLE;
SELECT * FROM hamilton_orphans(remove => NULL);
SELECT * FROM hamilton_orphans(remove => true);
SELECT * FROM hamilton_orphans();
CREATE SCHEMA gone;
SELECT count(*) AS inherited FROM hamilton.nodes WHERE module = 'gone';
DROP SCHEMA gone;

-- Dropping a schema forgets its rows, and only its rows.
INSERT INTO hamilton.node_tag VALUES ('gone', 'x', 'left', 'behind');
DROP SCHEMA vict CASCADE;
SELECT * FROM hamilton_orphans();
SELECT * FROM hamilton_orphans(remove => true);

-- The triggers' functions run only as event triggers.
SELECT hamilton.follow_renamed_schemas();

-- Clean up.
DROP TABLE public.se_ran, public.se_sales;
DROP FUNCTION public.se_spy();
DROP ROLE regress_hamilton_victim, regress_hamilton_intruder;
