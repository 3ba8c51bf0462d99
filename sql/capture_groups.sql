-- public is on a node's path only when every role that can create in it is
-- trusted.  A member of a role that holds CREATE there can create too, as
-- that role, even without INHERIT (it can SET ROLE to it), and what it
-- creates belongs to that role, which the victim, a member too, trusts.  So
-- that member counts as a role that can create in public.
SELECT setval('hamilton.run_id_seq', 6380) > 0 AS ok;
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder NOINHERIT;
CREATE ROLE regress_hamilton_staff NOLOGIN;
GRANT regress_hamilton_staff TO regress_hamilton_victim, regress_hamilton_intruder;
GRANT CREATE ON SCHEMA public TO regress_hamilton_staff;
CREATE SCHEMA cg AUTHORIZATION regress_hamilton_victim;
CREATE TABLE public.capture_log (who name, what text);
GRANT SELECT, INSERT ON public.capture_log TO PUBLIC;
CREATE FUNCTION public.trap(what text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.capture_log VALUES (current_user, what); RETURN 666; END $$;

SET ROLE regress_hamilton_victim;
SELECT hamilton_register('cg');
SELECT hamilton_define('cg.names', 'SELECT lower(''X''::varchar) AS n');
-- public is left out: the intruder can create in it, as staff.
SELECT substring(hamilton_explain(ARRAY['cg.names']) from 'search_path: [^\n]*') AS path;
RESET ROLE;

-- The intruder, as staff, plants a better-matching lower in public.
SET ROLE regress_hamilton_staff;
CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE sql
    RETURN 'captured ' || public.trap('public.lower(varchar)');
RESET ROLE;

SET ROLE regress_hamilton_victim;
SELECT node, status FROM hamilton_execute(ARRAY['cg.names']);
TABLE cg.names;
RESET ROLE;
-- None of the intruder's code ran.
SELECT who, what FROM public.capture_log;

-- Clean up.
DROP FUNCTION public.lower(varchar);
SELECT drop_module('cg');
DROP TABLE public.capture_log;
DROP FUNCTION public.trap(text);
REVOKE CREATE ON SCHEMA public FROM regress_hamilton_staff;
DROP ROLE regress_hamilton_victim;
DROP ROLE regress_hamilton_intruder;
DROP ROLE regress_hamilton_staff;
