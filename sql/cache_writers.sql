-- The change log's trigger fires before each statement (hamilton_track),
-- so it has logged the writer before the statement does anything: a
-- statement that then fails takes its log row with it, with its
-- subtransaction, and a later write of the same transaction must log
-- again.  Each case below leaves a committed change that the next cached
-- run must see.
SELECT setval('hamilton.run_id_seq', 104400) > 0 AS ok;
CREATE SCHEMA cw_raw;
CREATE TABLE cw_raw.src (id int CHECK (id > 0), v int);
INSERT INTO cw_raw.src VALUES (1, 1);
SELECT hamilton_track('cw_raw.src');
-- before each statement, enabled ALWAYS
SELECT tgname, tgenabled, tgtype & 2 = 2 AS before, tgtype & 1 = 0 AS per_statement
FROM pg_trigger WHERE tgrelid = 'cw_raw.src'::regclass ORDER BY tgname;
CREATE SCHEMA cw;
SELECT hamilton_register('cw');
SELECT hamilton_define('cw.total', 'SELECT sum(v) AS s FROM cw_raw.src', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);

-- a statement that fails after the trigger ran, in a savepoint rolled back,
-- then a write that commits
BEGIN;
SAVEPOINT a;
INSERT INTO cw_raw.src VALUES (-1, 100);
ROLLBACK TO SAVEPOINT a;
INSERT INTO cw_raw.src VALUES (2, 2);
COMMIT;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
TABLE cw.total;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);

-- the same in a plpgsql block that catches the error
DO $$
BEGIN
    BEGIN
        UPDATE cw_raw.src SET id = -id;
    EXCEPTION WHEN check_violation THEN
        NULL;
    END;
    UPDATE cw_raw.src SET v = v * 10;
END $$;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
TABLE cw.total;

-- nested savepoints: the inner one fails after logging, the outer one is
-- released, and the write before it counts
BEGIN;
SAVEPOINT outer_sp;
DELETE FROM cw_raw.src WHERE id = 2;
SAVEPOINT inner_sp;
INSERT INTO cw_raw.src VALUES (0, 0);
ROLLBACK TO SAVEPOINT inner_sp;
RELEASE SAVEPOINT outer_sp;
COMMIT;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
TABLE cw.total;

-- the first write rolled back with its savepoint, the second (in the same
-- transaction, after it) commits
BEGIN;
SAVEPOINT a;
UPDATE cw_raw.src SET v = 5;
ROLLBACK TO SAVEPOINT a;
UPDATE cw_raw.src SET v = 7;
COMMIT;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
TABLE cw.total;

-- TRUNCATE rolled back with its savepoint, then an INSERT that commits
BEGIN;
SAVEPOINT a;
TRUNCATE cw_raw.src;
ROLLBACK TO SAVEPOINT a;
INSERT INTO cw_raw.src VALUES (3, 3);
COMMIT;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
TABLE cw.total;

-- a statement that fails in a transaction that aborts leaves nothing
BEGIN;
INSERT INTO cw_raw.src VALUES (-5, 5);
ROLLBACK;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);

-- a table tracked by 1.3 carries the trigger after each statement: it
-- still counts, and hamilton_track puts it again, before each statement
DROP TRIGGER hamilton_change_log ON cw_raw.src;
CREATE TRIGGER hamilton_change_log AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cw_raw.src
    FOR EACH STATEMENT EXECUTE FUNCTION hamilton.change_logged();
ALTER TABLE cw_raw.src ENABLE ALWAYS TRIGGER hamilton_change_log;
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
INSERT INTO cw_raw.src VALUES (4, 4);
SELECT node, status FROM hamilton_execute(ARRAY['cw.total'], cache => true);
TABLE cw.total;
SELECT hamilton_track('cw_raw.src');
SELECT tgname, tgenabled, tgtype & 2 = 2 AS before FROM pg_trigger WHERE tgrelid = 'cw_raw.src'::regclass ORDER BY tgname;

-- each cached run that keeps results keeps a marker row (relation 0) in
-- the unlogged change log, unless one it saw is there already
SELECT relpersistence FROM pg_class WHERE oid = 'hamilton.change_log'::regclass;
SELECT count(*) > 0 AS has_marker FROM hamilton.change_log WHERE relation = 0;
