-- Relations named in inputs are looked up on the node's module path and
-- bound only when a role the caller trusts owns them, whatever the
-- parameter's type: regclass, a domain over it, or an array of them.  A
-- type that holds relations elsewhere (a composite's field) is refused.
-- An intruder who may create in the victim's module schema plants a view
-- named like the victim's temporary table; when it runs, it notes who ran
-- it in capture_log.
SELECT setval('hamilton.run_id_seq', 6300) > 0 AS ok;
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
CREATE SCHEMA cv AUTHORIZATION regress_hamilton_victim;
GRANT USAGE, CREATE ON SCHEMA cv TO regress_hamilton_intruder;
CREATE TABLE public.capture_log (who name, what text);
GRANT SELECT, INSERT ON public.capture_log TO PUBLIC;
CREATE FUNCTION public.trap(what text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.capture_log VALUES (current_user, what); RETURN 666; END $$;

SET ROLE regress_hamilton_intruder;
CREATE VIEW cv.events AS SELECT public.trap('cv.events') AS x;
GRANT SELECT ON cv.events TO PUBLIC;
RESET ROLE;

SET ROLE regress_hamilton_victim;
SELECT hamilton_register('cv');
CREATE DOMAIN cv.rel AS regclass;
CREATE TYPE cv.pair AS (tab regclass, n int);
-- each counts the rows of the (first) relation it is given
CREATE FUNCTION cv.n_list(tabs regclass[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN EXECUTE format('SELECT count(*) FROM %s', tabs[1]) INTO n; RETURN n; END $$;
CREATE FUNCTION cv.n_domain(evs cv.rel) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN EXECUTE format('SELECT count(*) FROM %s', evs) INTO n; RETURN n; END $$;
CREATE FUNCTION cv.n_pair(p cv.pair) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN EXECUTE format('SELECT count(*) FROM %s', p.tab) INTO n; RETURN n; END $$;
CREATE TEMP TABLE events AS SELECT 1 AS x UNION ALL SELECT 2;

-- 1. An array of relations: a bare name is the intruder's view on the
-- module path, refused, in inputs and in config alike.
SELECT * FROM hamilton_execute(ARRAY['cv.n_list'], inputs => '{"tabs": ["events"]}');
SELECT * FROM hamilton_execute(ARRAY['cv.n_list'], config => '{"tabs": ["events"]}');
SELECT problem, message FROM hamilton_validate(ARRAY['cv.n_list'], inputs => '{"tabs": ["events"]}');
-- An array written as text would be read unchecked: refused.
SELECT * FROM hamilton_execute(ARRAY['cv.n_list'], inputs => '{"tabs": "{events}"}');
-- Qualified names mean those relations.
SELECT node, status FROM hamilton_execute(ARRAY['cv.n_list'], inputs => '{"tabs": ["pg_temp.events", "cv.events"]}');
TABLE cv.n_list;

-- 2. A domain over regclass: the same rule as regclass.
SELECT * FROM hamilton_execute(ARRAY['cv.n_domain'], inputs => '{"evs": "events"}');
SELECT node, status FROM hamilton_execute(ARRAY['cv.n_domain'], inputs => '{"evs": "pg_temp.events"}');
TABLE cv.n_domain;
SELECT hamilton_explain(ARRAY['cv.n_domain'], inputs => '{"evs": "pg_temp.events"}');

-- 3. A relation inside a composite cannot be checked: refused.
SELECT * FROM hamilton_execute(ARRAY['cv.n_pair'], inputs => '{"p": "(events,1)"}');
RESET ROLE;

-- None of the intruder's code ran.
SELECT who, what FROM public.capture_log;

-- Clean up.
SELECT drop_module('cv');
DROP TABLE public.capture_log;
DROP FUNCTION public.trap(text);
DROP OWNED BY regress_hamilton_victim, regress_hamilton_intruder;
DROP ROLE regress_hamilton_victim;
DROP ROLE regress_hamilton_intruder;
