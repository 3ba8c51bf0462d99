-- hamilton_schedule and hamilton_unschedule run with search_path pinned, as
-- every function of the extension does: a role that may create in a schema
-- on the caller's search_path (here public, as every role could before
-- PostgreSQL 15) cannot plant a better-matching function that their bodies
-- would call with the caller's rights.  Each trap says who ran it.
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
GRANT CREATE ON SCHEMA public TO regress_hamilton_intruder;
SET ROLE regress_hamilton_intruder;
CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'public.quote_ident(name) ran as %', current_user; RETURN 'captured'; END $$;
CREATE FUNCTION public.concat_ws(text, text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'public.concat_ws(text, text, text) ran as %', current_user; RETURN 'captured'; END $$;
RESET ROLE;

SET ROLE regress_hamilton_victim;
SHOW search_path;
-- The errors are pg_hamilton's own, with nothing of the intruder's in them.
SELECT try_sql($$SELECT hamilton_unschedule('no_such_job')$$);
SELECT try_sql($$SELECT hamilton_schedule('job', '* * * * *', ARRAY['no_such_node'])$$);
RESET ROLE;

-- Both are pinned, like the extension's other functions in SQL or plpgsql.
SELECT p.proname, p.proconfig
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.proname IN ('hamilton_schedule', 'hamilton_unschedule')
ORDER BY 1;
SELECT count(*) AS unpinned
FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
JOIN pg_language l ON l.oid = p.prolang
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hamilton')
  AND l.lanname IN ('sql', 'plpgsql') AND p.proconfig IS NULL;

-- Clean up.
DROP FUNCTION public.quote_ident(name);
DROP FUNCTION public.concat_ws(text, text, text);
REVOKE CREATE ON SCHEMA public FROM regress_hamilton_intruder;
DROP ROLE regress_hamilton_victim;
DROP ROLE regress_hamilton_intruder;
