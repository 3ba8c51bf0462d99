-- (review2) Adversarial review of this session's merges, second part.
--
-- 1. A kept fingerprint (hamilton.function_fingerprint) is keyed by the
-- pg_proc row version's OID, raw xmin and ctid.  Two versions of one
-- function written by one transaction share their xmin; a table rewrite
-- (VACUUM FULL pg_proc) then moves the newer one into the older one's
-- ctid, and the fingerprint kept for the older one's code was taken for
-- the newer one's: the run history (and hamilton.nodes, and the cache key)
-- named code the run did not run.  A row version is now kept only once the
-- transaction that wrote it has committed.
SELECT setval('hamilton.run_id_seq', 108800) > 0 AS ok;
SET client_min_messages = warning;
CREATE SCHEMA rv19b;
SELECT hamilton_register('rv19b');
VACUUM FULL pg_proc;
BEGIN;
CREATE FUNCTION rv19b.answer() RETURNS TABLE (v int) LANGUAGE sql IMMUTABLE AS 'SELECT 1';
SELECT hamilton_tag('rv19b.answer', '{"materialize": "table"}');
SELECT node, status FROM hamilton_execute(ARRAY['rv19b.answer']);
CREATE TEMP TABLE rv19b_first AS
SELECT r.fingerprint, p.ctid AS proc_ctid FROM hamilton.node_runs r, pg_proc p
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) AND p.oid = 'rv19b.answer'::regproc;
-- nothing is kept for a row version this transaction wrote
SELECT count(*) AS kept_in_its_transaction FROM hamilton.function_fingerprint
WHERE funcoid = 'rv19b.answer'::regproc;
CREATE OR REPLACE FUNCTION rv19b.answer() RETURNS TABLE (v int) LANGUAGE sql IMMUTABLE AS 'SELECT 2';
COMMIT;
VACUUM FULL pg_proc;
SELECT node, status FROM hamilton_execute(ARRAY['rv19b.answer']);
SELECT * FROM rv19b.answer;
SELECT r.fingerprint <> f.fingerprint AS not_the_first_code,
       r.fingerprint = n.fingerprint AS the_view_agrees
FROM hamilton.node_runs r, rv19b_first f, hamilton.nodes n
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) AND n.node = 'rv19b.answer';
-- kept now, for the committed row version
SELECT count(*) AS rows_kept, bool_and(f.proc_xmin = p.xmin AND f.proc_ctid = p.ctid) AS for_the_current_row
FROM hamilton.function_fingerprint f JOIN pg_proc p ON p.oid = f.funcoid
WHERE f.funcoid = 'rv19b.answer'::regproc;
DROP TABLE rv19b_first;
SELECT hamilton_unregister('rv19b');
DROP SCHEMA rv19b CASCADE;
RESET client_min_messages;

-- 2. A frame group runs at its last target's step; an error while it wrote
-- or checked another target's own table (here a CHECK constraint the owner
-- added to fm.c2's result) named the group's step: "node ...c4 failed"
-- for a violation in c2's table, and the history recorded c4 as the failed
-- node.  (Older than this session: 37ec8e4 did the same.)
SET client_min_messages = warning;
CREATE SCHEMA rv19b_f;
SELECT hamilton_define('rv19b_f.frame', 'SELECT i AS id, i AS x FROM generate_series(1, 5) i',
                       key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('rv19b_f.c1', 'x + 1');
SELECT hamilton_define('rv19b_f.c2', 'x + 2');
SELECT hamilton_define('rv19b_f.c3', 'x + 3');
SELECT hamilton_define('rv19b_f.c4', 'x + 4');
SELECT node, status FROM hamilton_execute(ARRAY['rv19b_f.c1', 'rv19b_f.c2', 'rv19b_f.c3', 'rv19b_f.c4']);
DELETE FROM rv19b_f.c2 WHERE c2 >= 5;
ALTER TABLE rv19b_f.c2 ADD CONSTRAINT small CHECK (c2 < 5);
SELECT node, status FROM hamilton_execute(ARRAY['rv19b_f.c1', 'rv19b_f.c2', 'rv19b_f.c3', 'rv19b_f.c4']);
SELECT status, failed_node, error FROM hamilton.runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT node, status FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND status = 'failed';
-- earlier results unchanged
SELECT count(*) AS c2_rows FROM rv19b_f.c2;
DROP SCHEMA rv19b_f CASCADE;
RESET client_min_messages;
