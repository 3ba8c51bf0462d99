-- (rerun) A cached run looks up, once for all its entries, which relations
-- inherit from another, the change log's trigger function and the row
-- trigger's condition (dag/deps_memo.c).  Nothing of that is kept from one
-- run to the next: each change below, made between two runs in one session,
-- is seen by the next run, which recomputes.
SELECT setval('hamilton.run_id_seq', 107000) > 0 AS ok;
CREATE SCHEMA rr_raw;
CREATE TABLE rr_raw.src (id int, v int);
INSERT INTO rr_raw.src SELECT g, g FROM generate_series(1, 5) g;
SELECT hamilton_track('rr_raw.src');
CREATE SCHEMA rr;
SELECT hamilton_register('rr');
SELECT hamilton_define('rr.a', 'SELECT id, v FROM rr_raw.src', materialize => 'table');
SELECT hamilton_define('rr.b', 'SELECT sum(v) AS s FROM a', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;

-- the row trigger for logical replication's writes dropped: recomputed, and
-- the entry the run keeps says why it cannot be reused
DROP TRIGGER hamilton_change_log_replica ON rr_raw.src;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE schema_name = 'rr' ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT hamilton_track('rr_raw.src');
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;

-- the change log's trigger replaced by one of its name on another function
CREATE FUNCTION rr_raw.change_logged() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
DROP TRIGGER hamilton_change_log ON rr_raw.src;
CREATE TRIGGER hamilton_change_log BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON rr_raw.src
    FOR EACH STATEMENT EXECUTE FUNCTION rr_raw.change_logged();
ALTER TABLE rr_raw.src ENABLE ALWAYS TRIGGER hamilton_change_log;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE schema_name = 'rr' ORDER BY 1;
DROP TRIGGER hamilton_change_log ON rr_raw.src;
SELECT hamilton_track('rr_raw.src');
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;

-- the source made to inherit from another table (whose writes only its own
-- triggers see) after the entry was kept
CREATE TABLE rr_raw.parent (id int, v int);
ALTER TABLE rr_raw.src INHERIT rr_raw.parent;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE schema_name = 'rr' ORDER BY 1;
ALTER TABLE rr_raw.src NO INHERIT rr_raw.parent;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
-- the result stays right throughout
INSERT INTO rr_raw.src VALUES (6, 6);
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
TABLE rr.b;


-- the change log is pruned below the oldest snapshot an entry depends on:
-- a write that only an older entry has not seen stays, though a run kept a
-- newer entry (and pruned) since
CREATE TABLE rr_raw.other (id int, v int);
INSERT INTO rr_raw.other VALUES (1, 100);
SELECT hamilton_track('rr_raw.other');
SELECT hamilton_define('rr.c', 'SELECT sum(v) AS s FROM rr_raw.other', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['rr.b', 'rr.c'], cache => true) ORDER BY node;
INSERT INTO rr_raw.src VALUES (7, 7);
INSERT INTO rr_raw.other VALUES (2, 200);
SELECT node, status FROM hamilton_execute(ARRAY['rr.c'], cache => true) ORDER BY node;
SELECT count(*) > 0 AS src_write_kept FROM hamilton.change_log WHERE relation = 'rr_raw.src'::regclass;
SELECT node, status FROM hamilton_execute(ARRAY['rr.b'], cache => true) ORDER BY node;
TABLE rr.b;
-- the log keeps no row that every entry (of this database: other tests'
-- too) has seen
SELECT node, status FROM hamilton_execute(ARRAY['rr.b', 'rr.c'], cache => true) ORDER BY node;
SELECT count(*) AS rows_left FROM hamilton.change_log c
WHERE c.relation <> 0 AND c.xid < ALL (SELECT pg_snapshot_xmin(e.snapshot) FROM hamilton.cache_entry e);

DROP SCHEMA rr CASCADE;
DROP SCHEMA rr_raw CASCADE;
