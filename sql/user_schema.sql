-- search_path reads "$user", quoted or not, as the schema named after the
-- current role, so a schema literally named $user cannot be put on its
-- nodes' path: its nodes' names would be looked up in the caller's
-- namesake schema, which another role may own.  It cannot be registered,
-- hold a SQL node, or run (a catalog that has one from before).
SELECT setval('hamilton.run_id_seq', 6390) > 0 AS ok;
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
CREATE SCHEMA "$user" AUTHORIZATION regress_hamilton_victim;
-- the intruder owns the schema named after the victim
CREATE SCHEMA regress_hamilton_victim AUTHORIZATION regress_hamilton_intruder;
GRANT USAGE ON SCHEMA regress_hamilton_victim TO regress_hamilton_victim;
CREATE TABLE public.capture_log (who name, what text);
GRANT SELECT, INSERT ON public.capture_log TO PUBLIC;
CREATE FUNCTION public.trap(what text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.capture_log VALUES (current_user, what); RETURN 666; END $$;
SET ROLE regress_hamilton_intruder;
CREATE FUNCTION regress_hamilton_victim.lower(varchar) RETURNS text LANGUAGE sql
    RETURN 'captured ' || public.trap('regress_hamilton_victim.lower(varchar)');
RESET ROLE;

SET ROLE regress_hamilton_victim;
SELECT hamilton_register('"$user"');
SELECT hamilton_define('"$user".low', 'SELECT lower(''X''::varchar) AS n');
RESET ROLE;
-- A row from before (written as a 1.1 catalog would hold it) does not run.
INSERT INTO hamilton.sql_node (schema_name, node_name, definition, owner, owner_name)
VALUES ('$user', 'low', 'SELECT lower(''X''::varchar) AS n', 'regress_hamilton_victim'::regrole,
        'regress_hamilton_victim');
SET ROLE regress_hamilton_victim;
SELECT * FROM hamilton_execute(ARRAY['"$user".low']);
RESET ROLE;
-- None of the intruder's code ran.
SELECT who, what FROM public.capture_log;

-- Clean up.
DELETE FROM hamilton.sql_node WHERE schema_name = '$user';
DROP SCHEMA "$user";
DROP SCHEMA regress_hamilton_victim CASCADE;
DROP TABLE public.capture_log;
DROP FUNCTION public.trap(text);
DROP ROLE regress_hamilton_victim;
DROP ROLE regress_hamilton_intruder;
