-- A function node's fingerprint is kept in hamilton.function_fingerprint
-- for the pg_proc row version it was computed from (its OID, xmin and
-- ctid), so that a new backend reads it with the graph instead of
-- deparsing every function again (issue 10: the cold chain).
-- (run ids above every earlier test's: the tests below read the last run)
SELECT setval('hamilton.run_id_seq', 107600) > 0 AS ok;
CREATE SCHEMA cf;
CREATE FUNCTION cf.a() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1;
CREATE FUNCTION cf.b(a int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + 1;
SELECT hamilton_register('cf');

-- A run keeps the fingerprint of each function it computed, for its row.
SELECT node, status FROM hamilton_execute(ARRAY['cf.b']) ORDER BY node;
SELECT r.node, f.fingerprint = r.fingerprint AS kept_as_recorded,
       f.proc_xmin = p.xmin AND f.proc_ctid = p.ctid AS for_this_row
FROM hamilton.node_runs r
JOIN hamilton.function_fingerprint f ON f.funcoid = r.node::regproc
JOIN pg_proc p ON p.oid = f.funcoid
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY r.node;

-- A run on a graph read again takes the kept fingerprint for that very
-- row version (shown here by one a superuser alters, then removes).
UPDATE hamilton.function_fingerprint SET fingerprint = 'kept'
WHERE funcoid = 'cf.b'::regproc;
SELECT hamilton_tag('cf.a', '{"owner": "x"}');     -- a catalog change: the graph is read again
SELECT count(*) FROM hamilton_execute(ARRAY['cf.b']);
SELECT node, fingerprint = 'kept' AS the_kept_one FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY node;
DELETE FROM hamilton.function_fingerprint WHERE funcoid = 'cf.b'::regproc;
SELECT hamilton_tag('cf.a', '{"owner": "y"}');
SELECT count(*) FROM hamilton_execute(ARRAY['cf.b']);
SELECT r.fingerprint = n.fingerprint AS computed_again, f.fingerprint = n.fingerprint AS kept_again
FROM hamilton.node_runs r, hamilton.nodes n, hamilton.function_fingerprint f
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) AND r.node = 'cf.b' AND n.node = 'cf.b'
  AND f.funcoid = 'cf.b'::regproc;

-- A replaced function is another row version: its fingerprint is computed
-- again, even when it is replaced twice in one transaction (the same
-- xmin, another ctid); nothing is kept for a row version the current
-- transaction wrote (review_s19b.sql): the row kept is still the one of
-- the version committed before, not the newest.
BEGIN;
CREATE OR REPLACE FUNCTION cf.b(a int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + 2;
SELECT status FROM hamilton_execute(ARRAY['cf.b']) WHERE node = 'cf.b';
CREATE TEMP TABLE cf_first AS
SELECT fingerprint FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND node = 'cf.b';
CREATE OR REPLACE FUNCTION cf.b(a int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + 3;
SELECT status FROM hamilton_execute(ARRAY['cf.b']) WHERE node = 'cf.b';
SELECT r.fingerprint <> c.fingerprint AS fingerprint_changed,
       r.fingerprint = n.fingerprint AS matches_current_code
FROM hamilton.node_runs r, cf_first c, hamilton.nodes n
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) AND r.node = 'cf.b' AND n.node = 'cf.b';
SELECT count(*) AS rows_kept, bool_and(f.proc_xmin = p.xmin AND f.proc_ctid = p.ctid) AS for_the_newest_row
FROM hamilton.function_fingerprint f JOIN pg_proc p ON p.oid = f.funcoid
WHERE f.funcoid = 'cf.b'::regproc;
COMMIT;

-- A rolled-back replacement leaves nothing kept for its row.
BEGIN;
CREATE OR REPLACE FUNCTION cf.b(a int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + 4;
SELECT status FROM hamilton_execute(ARRAY['cf.b']) WHERE node = 'cf.b';
ROLLBACK;
SELECT status FROM hamilton_execute(ARRAY['cf.b']) WHERE node = 'cf.b';
SELECT count(*) AS rows_kept, bool_and(f.proc_xmin = p.xmin AND f.proc_ctid = p.ctid) AS for_the_current_row
FROM hamilton.function_fingerprint f JOIN pg_proc p ON p.oid = f.funcoid
WHERE f.funcoid = 'cf.b'::regproc;

-- Only the catalog's owner writes these rows: a forged fingerprint would
-- make the cache keep a result its code no longer makes.  Anyone may read
-- them (the fingerprints are in hamilton.nodes).  A run by another role
-- keeps its fingerprints all the same.
CREATE ROLE regress_hamilton_fp;
GRANT USAGE, CREATE ON SCHEMA cf TO regress_hamilton_fp;
CREATE FUNCTION cf.c(b int) RETURNS int LANGUAGE sql IMMUTABLE RETURN b * 10;
SET ROLE regress_hamilton_fp;
INSERT INTO hamilton.function_fingerprint VALUES ('cf.c'::regproc, '1', '(0,1)', 'forged');
UPDATE hamilton.function_fingerprint SET fingerprint = 'forged';
DELETE FROM hamilton.function_fingerprint;
SELECT count(*) > 0 AS readable FROM hamilton.function_fingerprint;
SELECT status FROM hamilton_execute(ARRAY['cf.c']) WHERE node = 'cf.c';
RESET ROLE;
SELECT count(*) AS kept_for_c FROM hamilton.function_fingerprint WHERE funcoid = 'cf.c'::regproc;

-- A rename changes a SQL-standard body's deparsed text, not its row: the
-- runs keep the fingerprint of that row version, and hamilton.nodes shows
-- the same one, so lineage still says the result matches the current code.
CREATE TABLE cf.t AS SELECT 5 AS v;
CREATE FUNCTION cf.d(c int) RETURNS int LANGUAGE sql STABLE
BEGIN ATOMIC SELECT c + v FROM cf.t; END;
SELECT status FROM hamilton_execute(ARRAY['cf.d']) WHERE node = 'cf.d';
ALTER TABLE cf.t RENAME TO t_renamed;
SELECT status FROM hamilton_execute(ARRAY['cf.d']) WHERE node = 'cf.d';
SELECT r.fingerprint = n.fingerprint AS view_agrees_with_the_run
FROM hamilton.node_runs r, hamilton.nodes n
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) AND r.node = 'cf.d' AND n.node = 'cf.d';

DROP SCHEMA cf CASCADE;
DROP ROLE regress_hamilton_fp;
