-- Results are built aside and swapped in at the end of the run
-- (src/exec/swap.c): the table keeps its OID, grants, comments, the views
-- on it and its indexes (rebuilt); a result whose rows a swap would not
-- write as the executor does is written with TRUNCATE and INSERT instead.
SELECT setval('hamilton.run_id_seq', 9400) > 0 AS ok;
CREATE SCHEMA sw;
CREATE TABLE sw.src (id int, v text);
INSERT INTO sw.src SELECT g, 'v' || g FROM generate_series(1, 5) g;
SELECT hamilton_define('sw.items', 'SELECT id, v FROM sw.src');
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);

-- What users attach to a result survives the swap.
CREATE ROLE regress_hamilton_sw_reader;
GRANT USAGE ON SCHEMA sw TO regress_hamilton_sw_reader;
GRANT SELECT ON sw.items TO regress_hamilton_sw_reader;
COMMENT ON TABLE sw.items IS 'items, refreshed by pg_hamilton';
COMMENT ON COLUMN sw.items.v IS 'the value';
CREATE UNIQUE INDEX items_id ON sw.items (id);
CREATE INDEX items_v ON sw.items (v);
CREATE VIEW sw.items_view AS SELECT count(*) AS n FROM sw.items;
ALTER TABLE sw.items ADD COLUMN gone int;
ALTER TABLE sw.items DROP COLUMN gone;     -- a dropped column in the descriptor
CREATE TEMP TABLE before AS
  SELECT c.oid, c.relfilenode, (SELECT array_agg(indexrelid ORDER BY indexrelid) FROM pg_index WHERE indrelid = c.oid) AS indexes
  FROM pg_class c WHERE c.oid = 'sw.items'::regclass;
INSERT INTO sw.src SELECT g, 'v' || g FROM generate_series(6, 8) g;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT c.oid = b.oid AS same_oid, c.relfilenode <> b.relfilenode AS new_storage,
       (SELECT array_agg(indexrelid ORDER BY indexrelid) FROM pg_index WHERE indrelid = c.oid) = b.indexes AS same_indexes
FROM pg_class c, before b WHERE c.oid = 'sw.items'::regclass;
SELECT has_table_privilege('regress_hamilton_sw_reader', 'sw.items', 'SELECT') AS granted,
       obj_description('sw.items'::regclass, 'pg_class') AS comment,
       col_description('sw.items'::regclass, 2) AS column_comment;
SELECT n FROM sw.items_view;
-- The indexes were rebuilt: they find the new rows.
SET enable_seqscan = off;
SELECT id, v FROM sw.items WHERE id = 7;
SELECT id FROM sw.items WHERE v = 'v8';
RESET enable_seqscan;
-- No staging relation is left behind, and the statistics were taken.
SELECT count(*) AS staging FROM pg_class WHERE relnamespace = 'sw'::regnamespace AND relname LIKE 'pg\_temp\_%';
SELECT reltuples FROM pg_class WHERE oid = 'sw.items'::regclass;

-- A unique index the new rows violate: the run fails, the old rows stay.
INSERT INTO sw.src VALUES (1, 'again');
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
DELETE FROM sw.src WHERE v = 'again';

-- NOT NULL is checked by the bulk path, as INSERT would.
ALTER TABLE sw.items ALTER COLUMN v SET NOT NULL;
INSERT INTO sw.src VALUES (9, NULL);
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
DELETE FROM sw.src WHERE id = 9;

-- A failing check stops the run before the swap: the old rows stay.
SELECT hamilton_define('sw.checked', 'SELECT id FROM sw.src',
                       checks => '[{"check": "range", "column": "id", "max": 8, "severity": "fail"}]');
SELECT node, rows, status FROM hamilton_execute(ARRAY['checked']);
INSERT INTO sw.src VALUES (10, 'v10');
SELECT node, rows, status FROM hamilton_execute(ARRAY['checked']);
SELECT count(*) FROM sw.checked;
DELETE FROM sw.src WHERE id = 10;

-- A downstream node and the checks read the rows built aside.
SELECT hamilton_define('sw.total', 'SELECT count(*) AS n FROM sw.items',
                       checks => '[{"check": "range", "column": "n", "min": 9, "severity": "fail"}]');
INSERT INTO sw.src VALUES (9, 'v9');
SELECT node, rows, status FROM hamilton_execute(ARRAY['items', 'total']);
SELECT n FROM sw.total;
SELECT node, relation, passed FROM hamilton.check_results
WHERE node = 'sw.total' ORDER BY run_id DESC LIMIT 1;
DELETE FROM sw.src WHERE id = 9;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);

-- The fallbacks: a CHECK constraint, a foreign key (either direction) and
-- a publication make the result go through TRUNCATE and INSERT, which
-- checks and publishes what a swap would not.
ALTER TABLE sw.items ADD CONSTRAINT small CHECK (id < 9);
INSERT INTO sw.src VALUES (9, 'v9');
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
DELETE FROM sw.src WHERE id = 9;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
ALTER TABLE sw.items DROP CONSTRAINT small;

CREATE TABLE sw.allowed (id int PRIMARY KEY);
INSERT INTO sw.allowed SELECT generate_series(1, 8);
ALTER TABLE sw.items ADD CONSTRAINT items_allowed FOREIGN KEY (id) REFERENCES sw.allowed;
INSERT INTO sw.src VALUES (9, 'v9');
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
DELETE FROM sw.src WHERE id = 9;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
ALTER TABLE sw.items DROP CONSTRAINT items_allowed;

CREATE TABLE sw.refers (id int REFERENCES sw.items (id));
INSERT INTO sw.refers VALUES (1);
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
DROP TABLE sw.refers;

SET client_min_messages = error;   -- wal_level may warn
CREATE PUBLICATION sw_pub FOR TABLE sw.items;
RESET client_min_messages;
INSERT INTO sw.src VALUES (9, 'v9');
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
SELECT count(*) FROM sw.items;
DROP PUBLICATION sw_pub;

-- A caller with neither ownership nor TRUNCATE and INSERT is refused.
CREATE ROLE regress_hamilton_sw_writer;
GRANT USAGE ON SCHEMA sw TO regress_hamilton_sw_writer;
GRANT SELECT ON sw.src, sw.items TO regress_hamilton_sw_writer;
SET ROLE regress_hamilton_sw_writer;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
RESET ROLE;
GRANT TRUNCATE, INSERT ON sw.items TO regress_hamilton_sw_writer;
SET ROLE regress_hamilton_sw_writer;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
RESET ROLE;
SELECT count(*) FROM sw.items;

-- A result whose shape changed is built as a new table and replaces the
-- old one at the end; the next run finds it as its own.
SELECT hamilton_define('sw.total', 'SELECT count(*) AS n, max(id) AS top FROM sw.items');
SELECT node, rows, status FROM hamilton_execute(ARRAY['total']);
SELECT n, top FROM sw.total;
SELECT node, rows, status FROM hamilton_execute(ARRAY['total']);
SELECT count(*) AS staging FROM pg_class WHERE relnamespace = 'sw'::regnamespace AND relname LIKE 'pg\_temp\_%';

-- A cursor of the caller's on the result: the swap is refused.
BEGIN;
DECLARE c CURSOR FOR SELECT * FROM sw.items;
FETCH 1 FROM c;
SELECT node, rows, status FROM hamilton_execute(ARRAY['items']);
ROLLBACK;

-- Staging heaps committed by other transactions (for a run that no longer
-- runs) are dropped by hamilton_staging_cleanup, and reported; a row that
-- names a result, or a relation that is gone, drops nothing.
CREATE TABLE sw.pg_temp_stale (id int);
INSERT INTO hamilton.staging (relation, schema_name, node_name, run_id)
VALUES ('sw.pg_temp_stale'::regclass, 'sw', 'items', 9401),
       ('sw.items'::regclass, 'sw', 'items', 9401),
       (4000000000, 'sw', 'items', 9401);
SELECT staging, result, run_id, dropped FROM hamilton_staging_cleanup() ORDER BY staging;
SELECT to_regclass('sw.pg_temp_stale') AS stale, to_regclass('sw.items') AS items,
       (SELECT count(*) FROM hamilton.staging) AS rows_left;
SELECT has_function_privilege('public', 'hamilton_staging_cleanup()', 'EXECUTE') AS public_may_clean;

DROP VIEW sw.items_view;
-- Each result built aside holds about 16 locks until the run ends: a run
-- builds aside at most hamilton.max_results_aside results (by default what
-- half the lock table holds), writes the others in place, and says so once.
SELECT hamilton_define('sw.aside_1', 'SELECT 1 AS v');
SELECT hamilton_define('sw.aside_2', 'SELECT 2 AS v');
SELECT hamilton_define('sw.aside_3', 'SELECT 3 AS v');
SELECT count(*) FROM hamilton_execute(ARRAY['sw.aside_1', 'sw.aside_2', 'sw.aside_3']);
SET hamilton.max_results_aside = 1;
SELECT node, rows, status FROM hamilton_execute(ARRAY['sw.aside_1', 'sw.aside_2', 'sw.aside_3']);
RESET hamilton.max_results_aside;
SELECT (SELECT v FROM sw.aside_1) AS a1, (SELECT v FROM sw.aside_2) AS a2, (SELECT v FROM sw.aside_3) AS a3;
SELECT count(*) AS staging FROM pg_class WHERE relnamespace = 'sw'::regnamespace AND relname LIKE 'pg\_temp\_%';

SELECT hamilton_drop(node) FROM hamilton.nodes WHERE module = 'sw' AND language = 'sql';
DROP SCHEMA sw CASCADE;
DELETE FROM hamilton.result WHERE schema_name = 'sw';
DROP ROLE regress_hamilton_sw_reader;
DROP ROLE regress_hamilton_sw_writer;
