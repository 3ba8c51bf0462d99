-- A result table is written only when its owner is the caller, or a role the
-- caller trusts (one it is a member of, or a superuser), and it has no
-- trigger or rule: otherwise writing it would run somebody's code with the
-- caller's rights.  A refused run changes nothing.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 8300) > 0 AS ok;
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
CREATE ROLE regress_hamilton_team;
CREATE ROLE regress_hamilton_admin SUPERUSER;
CREATE SCHEMA rt;
GRANT USAGE, CREATE ON SCHEMA rt TO regress_hamilton_victim, regress_hamilton_intruder, regress_hamilton_team;
-- Whatever code runs while a result is written leaves its role here.
CREATE TABLE public.rt_fired (who name, what text);
GRANT INSERT ON public.rt_fired TO PUBLIC;
CREATE FUNCTION public.rt_spy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.rt_fired VALUES (current_user, TG_NAME); RETURN NULL; END $$;
CREATE FUNCTION public.rt_spy_check(n int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.rt_fired VALUES (current_user, 'check'); RETURN true; END $$;

-- 1. The intruder runs rt.daily, then drops the node: its table and lineage stay.
SET ROLE regress_hamilton_intruder;
SELECT hamilton_define('rt.daily', 'SELECT 1 AS n');
SELECT node, status FROM hamilton_execute(ARRAY['rt.daily']);
SELECT hamilton_drop('rt.daily');
-- 2. It plants a trigger on the table and grants everything on it.
CREATE TRIGGER planted AFTER INSERT ON rt.daily FOR EACH STATEMENT EXECUTE FUNCTION public.rt_spy();
GRANT ALL ON rt.daily TO regress_hamilton_victim;
RESET ROLE;
-- 3. The victim defines its own rt.daily and runs it: refused, nothing fires.
SET ROLE regress_hamilton_victim;
SELECT hamilton_define('rt.daily', 'SELECT 2 AS n');
SELECT * FROM hamilton_execute(ARRAY['rt.daily']);
SELECT node, status FROM hamilton.node_runs WHERE run_id = 8302;
RESET ROLE;
SELECT * FROM public.rt_fired;
SELECT n FROM rt.daily;
-- Without its trigger the table is still the intruder's: a constraint (or a
-- default, an index expression, a policy) would run its code just as well.
DROP TRIGGER planted ON rt.daily;
SET ROLE regress_hamilton_intruder;
ALTER TABLE rt.daily ADD CHECK (public.rt_spy_check(n));
RESET ROLE;
SET ROLE regress_hamilton_victim;
SELECT error_of($$SELECT * FROM hamilton_execute(ARRAY['rt.daily'])$$);
RESET ROLE;
SELECT * FROM public.rt_fired;
-- Once the table is gone, the victim's run makes its own.
DROP TABLE rt.daily;
SET ROLE regress_hamilton_victim;
SELECT node, status FROM hamilton_execute(ARRAY['rt.daily']);
SELECT n FROM rt.daily;
SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'rt.daily'::regclass;

-- The caller's own result table gets no trigger or rule either: pg_hamilton
-- makes none, so whatever is there was added behind its back.
CREATE TRIGGER audit AFTER INSERT ON rt.daily FOR EACH STATEMENT EXECUTE FUNCTION public.rt_spy();
SELECT * FROM hamilton_execute(ARRAY['rt.daily']);
DROP TRIGGER audit ON rt.daily;
CREATE RULE keep_copy AS ON INSERT TO rt.daily DO ALSO INSERT INTO public.rt_fired VALUES (current_user, 'rule');
SELECT * FROM hamilton_execute(ARRAY['rt.daily']);
DROP RULE keep_copy ON rt.daily;
-- A trigger of the table's owner that fires on TRUNCATE alone is refused too.
CREATE TRIGGER on_truncate AFTER TRUNCATE ON rt.daily FOR EACH STATEMENT EXECUTE FUNCTION public.rt_spy();
SELECT error_of($$SELECT * FROM hamilton_execute(ARRAY['rt.daily'])$$);
DROP TRIGGER on_truncate ON rt.daily;
RESET ROLE;
SELECT * FROM public.rt_fired;

-- The triggers PostgreSQL makes for its own constraints (here a foreign key
-- and a deferrable unique key) run no code of anybody's: the result is
-- refilled as before.
SET ROLE regress_hamilton_victim;
CREATE TABLE rt.known (n int PRIMARY KEY);
INSERT INTO rt.known VALUES (2);
ALTER TABLE rt.daily ADD FOREIGN KEY (n) REFERENCES rt.known, ADD UNIQUE (n) DEFERRABLE;
SELECT count(*) AS internal_triggers FROM pg_trigger WHERE tgrelid = 'rt.daily'::regclass AND tgisinternal;
SELECT node, status FROM hamilton_execute(ARRAY['rt.daily']);
RESET ROLE;

-- A table of a role the caller is a member of is trusted, and so is one a
-- superuser owns.
GRANT regress_hamilton_team TO regress_hamilton_victim;
ALTER TABLE rt.daily OWNER TO regress_hamilton_team;
SET ROLE regress_hamilton_victim;
SELECT node, status FROM hamilton_execute(ARRAY['rt.daily']);
RESET ROLE;
ALTER TABLE rt.daily OWNER TO CURRENT_USER;
GRANT ALL ON rt.daily TO regress_hamilton_victim;
SET ROLE regress_hamilton_victim;
SELECT node, status FROM hamilton_execute(ARRAY['rt.daily']);
RESET ROLE;
-- But a superuser does not write into a table an ordinary role owns.
ALTER TABLE rt.daily OWNER TO regress_hamilton_victim;
SET ROLE regress_hamilton_admin;
SELECT * FROM hamilton_execute(ARRAY['rt.daily']);
RESET ROLE;

-- Clean up.
SELECT hamilton_drop('rt.daily');
DROP SCHEMA rt CASCADE;
DROP TABLE public.rt_fired;
DROP FUNCTION public.rt_spy(), public.rt_spy_check(int);
DROP ROLE regress_hamilton_victim, regress_hamilton_intruder, regress_hamilton_team, regress_hamilton_admin;
