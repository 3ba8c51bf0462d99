-- The per-node cost of a long chain of scalar steps (issue 10, section 4):
-- what a run does once, not once per step, and what it still does for each.
-- (run ids above every earlier test's: the tests below read the last run)
SELECT setval('hamilton.run_id_seq', 98000) > 0 AS ok;
CREATE SCHEMA cc;
DO $$
BEGIN
    EXECUTE 'CREATE FUNCTION cc.c1() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1';
    FOR i IN 2..300 LOOP
        EXECUTE format('CREATE FUNCTION cc.c%s(c%s int) RETURNS int LANGUAGE sql IMMUTABLE RETURN c%s + 1',
                       i, i - 1, i - 1);
    END LOOP;
END $$;
SELECT hamilton_register('cc');

-- The steps' rows reference their run (a foreign key, ON DELETE CASCADE).
-- Every step has the same run, so the run's row is looked up once, not
-- once per step as a row-by-row foreign key check does.
BEGIN;
SELECT count(*) FROM hamilton_execute(ARRAY['cc.c300']);
SELECT idx_scan < 30 AS run_row_looked_up_once_not_per_step
FROM pg_stat_xact_user_tables WHERE relid = 'hamilton.run'::regclass;
COMMIT;
-- Every step is recorded, in order, with its fingerprint.
SELECT count(*) AS steps, min(step), max(step), count(fingerprint) AS fingerprints,
       count(*) FILTER (WHERE status = 'computed') AS computed, sum(rows) AS rows
FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT step, node, module, kind, relation, rows, status, error
FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND step IN (1, 2, 300)
ORDER BY step;

-- The graph kept for the next call holds each node's fingerprint, not the
-- text it was computed from (a function's body deparsed, its signature).
SELECT sum(total_bytes) / 300 < 6000 AS graph_below_6_kb_per_node
FROM pg_backend_memory_contexts WHERE name = 'hamilton dag';

-- A trigger someone adds on hamilton.node_run still fires for every step:
-- the steps then go in by the INSERT statement.
CREATE TABLE cc_seen (step int);
CREATE FUNCTION cc_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.cc_seen VALUES (NEW.step);
    RETURN NEW;
END $$;
CREATE TRIGGER cc_seen AFTER INSERT ON hamilton.node_run FOR EACH ROW EXECUTE FUNCTION public.cc_seen();
SELECT count(*) FROM hamilton_execute(ARRAY['cc.c300']);
SELECT count(*) AS trigger_saw, min(step), max(step) FROM cc_seen;
DROP TRIGGER cc_seen ON hamilton.node_run;
DROP TABLE cc_seen;
DROP FUNCTION cc_seen();

-- Deleting a run still deletes its steps (ON DELETE CASCADE), and a step of
-- a run that is not there is still refused by the key.
CREATE TEMP TABLE cc_last AS SELECT max(run_id) AS run_id FROM hamilton.run;
SELECT count(*) AS steps_before FROM hamilton.node_run WHERE run_id = (SELECT run_id FROM cc_last);
DELETE FROM hamilton.run WHERE run_id = (SELECT run_id FROM cc_last);
SELECT count(*) AS steps_after FROM hamilton.node_run WHERE run_id = (SELECT run_id FROM cc_last);
INSERT INTO hamilton.node_run (run_id, step, node, kind, status) VALUES (-1, 1, 'x', 'scalar', 'computed');

-- A batch of one module's steps pins the module's settings once, and again
-- after a function changed one of them: each step starts with the values
-- its statement would have, and what a function set ends as with a
-- statement per step (a SET LOCAL unwound, a SET kept).
CREATE SCHEMA cs;
CREATE TABLE cs_log (mode text, node text, path text, scs text);
-- (a helper: its name starts with "_", it is no node)
CREATE FUNCTION cs._note(node text) RETURNS void LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO public.cs_log VALUES (current_setting('cs.mode'), node, current_setting('search_path'),
                                      current_setting('standard_conforming_strings'));
END;
CREATE FUNCTION cs.a() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION cs.b(a int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cs._note('b');
    PERFORM set_config('search_path', 'pg_catalog', true);
    PERFORM set_config('standard_conforming_strings', 'off', true);
    RETURN a + 1;
END $$;
CREATE FUNCTION cs.c(b int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cs._note('c');
    PERFORM set_config('search_path', 'public', false);
    RETURN b + 1;
END $$;
CREATE FUNCTION cs.d(c int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN PERFORM cs._note('d'); RETURN c + 1; END $$;
SELECT hamilton_register('cs');
SET search_path = public, pg_temp;
SET cs.mode = 'batched';
SELECT count(*) FROM hamilton_execute(ARRAY['cs.d']);
SELECT current_setting('search_path') AS path_after_batched, current_setting('standard_conforming_strings') AS scs;
SET search_path = public, pg_temp;
SET cs.mode = 'statements';
SET hamilton.batch_scalars = off;
SELECT count(*) FROM hamilton_execute(ARRAY['cs.d']);
SELECT current_setting('search_path') AS path_after_statements, current_setting('standard_conforming_strings') AS scs;
RESET hamilton.batch_scalars;
RESET search_path;
SELECT node, path, scs, string_agg(mode, ', ' ORDER BY mode) AS modes FROM cs_log GROUP BY 1, 2, 3 ORDER BY 1;

-- A run whose transaction rolls back is recorded as rolled back, with
-- every step: its steps are kept until the transaction ends, and written as
-- JSON for the recorder only then (a run rolled back with its savepoint:
-- execute.sql).
BEGIN;
SELECT count(*) FROM hamilton_execute(ARRAY['cc.c300']);
ROLLBACK;
SELECT r.status, count(*) AS steps, count(nr.fingerprint) AS fingerprints,
       string_agg(DISTINCT nr.status, ', ') AS step_statuses, sum(nr.rows) AS rows,
       max(nr.node) FILTER (WHERE nr.step = 300) AS last
FROM hamilton.runs r JOIN hamilton.node_runs nr USING (run_id)
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) GROUP BY r.status;

-- A batched step still needs USAGE on its function's schema (kept with the
-- graph, looked up once) and EXECUTE on the function, as its statement
-- does: ccu_no.mid, fed by ccu_ok.base, is refused batched and unbatched.
CREATE SCHEMA ccu_ok;
CREATE SCHEMA ccu_no;
CREATE FUNCTION ccu_ok.base() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION ccu_no.mid(base int) RETURNS int LANGUAGE sql RETURN base + 1;
CREATE FUNCTION ccu_ok.top(mid int) RETURNS int LANGUAGE sql RETURN mid + 1;
SELECT hamilton_register('ccu_ok') + hamilton_register('ccu_no') AS registered;
CREATE ROLE cc_nousage;
GRANT USAGE, CREATE ON SCHEMA ccu_ok TO cc_nousage;
CREATE FUNCTION cc_try() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hamilton_execute(ARRAY['ccu_ok.top'], modules => ARRAY['ccu_ok', 'ccu_no']);
    RETURN 'ran';
EXCEPTION WHEN insufficient_privilege THEN
    RETURN SQLERRM;
END $$;
SET ROLE cc_nousage;
SELECT cc_try() AS batched;
SET hamilton.batch_scalars = off;
SELECT cc_try() AS statements;
RESET hamilton.batch_scalars;
RESET ROLE;
GRANT USAGE ON SCHEMA ccu_no TO cc_nousage;
SET ROLE cc_nousage;
SELECT cc_try() AS with_usage;
RESET ROLE;
DROP OWNED BY cc_nousage;
DROP ROLE cc_nousage;
