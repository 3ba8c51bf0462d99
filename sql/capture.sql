-- Nobody can capture a name a dataflow reads.  A victim's dataflow, and an
-- intruder who may create in schema public (as every role could before
-- PostgreSQL 15) and in one of the victim's module schemas.  Each of the
-- intruder's objects, when it runs, notes who ran it in capture_log.
SELECT setval('hamilton.run_id_seq', 6200) > 0 AS ok;
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
CREATE SCHEMA va AUTHORIZATION regress_hamilton_victim;
CREATE SCHEMA va2 AUTHORIZATION regress_hamilton_victim;
GRANT CREATE ON SCHEMA public TO regress_hamilton_intruder;
GRANT USAGE, CREATE ON SCHEMA va TO regress_hamilton_intruder;
CREATE TABLE public.capture_log (who name, what text);
GRANT SELECT, INSERT ON public.capture_log TO PUBLIC;

SET ROLE regress_hamilton_intruder;
CREATE FUNCTION public.trap(what text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.capture_log VALUES (current_user, what); RETURN 666; END $$;
-- a relation in public, named like a node the victim reads
CREATE VIEW public.weekly AS SELECT public.trap('public.weekly') AS v;
-- a better-matching function and operator in public
CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE sql
    RETURN 'captured ' || public.trap('public.lower(varchar)');
CREATE FUNCTION public.int_eq_numeric(int, numeric) RETURNS boolean LANGUAGE sql
    RETURN public.trap('public.=(int, numeric)') > 0;
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = numeric, FUNCTION = public.int_eq_numeric);
-- a relation on the victim's module path
CREATE VIEW va.daily AS SELECT public.trap('va.daily') AS v;
-- relations named like the ones the victim means in an override and a
-- regclass input
CREATE VIEW public.fixed_base AS SELECT public.trap('public.fixed_base') AS v;
CREATE VIEW public.events AS SELECT public.trap('public.events') AS x;
GRANT SELECT ON public.weekly, va.daily, public.fixed_base, public.events TO PUBLIC;
RESET ROLE;

SET ROLE regress_hamilton_victim;
CREATE TABLE va2.src (week int, name varchar, amount int);
INSERT INTO va2.src VALUES (1, 'A', 1), (2, 'B', 2);
SELECT hamilton_register('va');
SELECT hamilton_register('va2');
SELECT hamilton_define('va2.weekly', 'SELECT count(*)::int AS v FROM va2.src');
SELECT hamilton_define('va.report', 'SELECT v FROM weekly');
SELECT hamilton_define('va.names', 'SELECT lower(name) AS name FROM va2.src');
SELECT hamilton_define('va.ones', 'SELECT week FROM va2.src WHERE amount = 1.0');
SELECT hamilton_define('va.daily_total', 'SELECT v FROM daily');
SELECT hamilton_define('va.base', 'SELECT 1 AS v');
SELECT hamilton_define('va.top', 'SELECT v FROM base');
CREATE TABLE va.fixed_base AS SELECT 42 AS v;
CREATE FUNCTION va.row_count(events regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN EXECUTE format('SELECT count(*) FROM %s', events) INTO n; RETURN n; END $$;
CREATE TEMP TABLE events AS SELECT 1 AS x UNION ALL SELECT 2;

-- 1. A relation in public.  public is off the path of the victim's nodes
-- (a role it does not trust can create in it): weekly is not public.weekly.
-- Without va2 among the run's modules it is an input; the error says why.
SELECT * FROM hamilton_execute(ARRAY['va.report']);
-- With va2, the node va2.weekly.
SELECT node, status FROM hamilton_execute(ARRAY['va.report'], modules => ARRAY['va', 'va2']);
TABLE va.report;
SELECT hamilton_explain(ARRAY['va.report'], modules => ARRAY['va', 'va2']);

-- 2. A function and an operator in public: the victim's SQL calls
-- pg_catalog's lower and =, never the intruder's better matches.
SELECT node, status FROM hamilton_execute(ARRAY['va.names', 'va.ones']);
TABLE va.names;
TABLE va.ones;

-- 3. The module path: a relation the intruder made in the victim's module
-- schema is not read by a bare name.
SELECT * FROM hamilton_execute(ARRAY['va.daily_total']);

-- 4. An override names a relation as the overridden node's SQL would: on
-- its module's path, never through the session's search_path.
SHOW search_path;
SELECT node, status FROM hamilton_execute(ARRAY['va.top'], overrides => '{"base": "fixed_base"}');
TABLE va.top;
-- A relation there that the intruder owns is refused.
SELECT * FROM hamilton_execute(ARRAY['va.top'], overrides => '{"base": "daily"}');

-- 5. A regclass input is looked up on the path of the node that reads it.
SELECT node, status FROM hamilton_execute(ARRAY['va.row_count'], inputs => '{"events": "events"}');
TABLE va.row_count;
SELECT * FROM hamilton_execute(ARRAY['va.row_count'], inputs => '{"events": "daily"}');
RESET ROLE;

-- Once the intruder may no longer create in public, its objects there
-- still keep public off the victim's path, and a relation it owns is never
-- read by a bare name: a clear error, not the intruder's view.
REVOKE CREATE ON SCHEMA public FROM regress_hamilton_intruder;
SET ROLE regress_hamilton_victim;
SELECT node, status FROM hamilton_execute(ARRAY['va.names']);
TABLE va.names;
SELECT hamilton_explain(ARRAY['va.names']) LIKE '%public left out: role regress_hamilton_intruder, whom you do not trust, owns objects in it%' AS public_left_out;
RESET ROLE;
SET ROLE regress_hamilton_intruder;
DROP OPERATOR public.= (int, numeric);
DROP FUNCTION public.int_eq_numeric(int, numeric);
DROP FUNCTION public.lower(varchar);
RESET ROLE;
-- Its views remain, so public is still off the path; a qualified name
-- still reads a relation there.
SET ROLE regress_hamilton_victim;
SELECT hamilton_define('va.logged', 'SELECT count(*) AS n FROM public.capture_log');
SELECT node, status FROM hamilton_execute(ARRAY['va.logged']);
RESET ROLE;
ALTER VIEW public.weekly OWNER TO regress_hamilton_victim;
ALTER VIEW public.fixed_base OWNER TO regress_hamilton_victim;
ALTER VIEW public.events OWNER TO regress_hamilton_victim;
ALTER FUNCTION public.trap(text) OWNER TO regress_hamilton_victim;
SET ROLE regress_hamilton_victim;
-- Once the intruder owns nothing in public, it is on the path again, and
-- still never ahead of a node of the run's modules.
SELECT hamilton_explain(ARRAY['va.report'], modules => ARRAY['va', 'va2']) NOT LIKE '%public left out%' AS public_on_path;
SELECT node, status FROM hamilton_execute(ARRAY['va.report'], modules => ARRAY['va', 'va2']);
TABLE va.report;
RESET ROLE;
-- None of the intruder's code ran.
SELECT who, what FROM public.capture_log;

-- Clean up.
SELECT drop_module('va');
SELECT drop_module('va2');
DROP TABLE public.capture_log;
DROP OWNED BY regress_hamilton_victim, regress_hamilton_intruder;
DROP ROLE regress_hamilton_victim;
DROP ROLE regress_hamilton_intruder;
