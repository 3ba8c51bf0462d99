-- Frames over any table node (issue 13 item 7): a frame's columns are found
-- from the definitions of the nodes it reads, so it may read a node that
-- has never run, and never the columns an older result left behind; a run
-- whose frame yields other columns than when it was defined is refused;
-- a key on two rows is refused.
SELECT setval('hamilton.run_id_seq', 102200) > 0 AS ok;
CREATE SCHEMA fs;
CREATE TABLE fs.raw (id int, grp text, v int);
INSERT INTO fs.raw VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 30);
CREATE FUNCTION fs.params() RETURNS TABLE (grp text, weight numeric) LANGUAGE sql
AS $$ VALUES ('a', 1.5), ('b', 2.0) $$;
SELECT hamilton_register('fs');

-- 1. A frame over a SQL node that has never run: its table does not exist.
SELECT hamilton_define('fs.cleaned', 'SELECT id, grp, v * 2 AS v2 FROM fs.raw WHERE v > 0');
SELECT to_regclass('fs.cleaned') IS NULL AS cleaned_never_ran;
SELECT hamilton_define('fs.f', 'SELECT c.id, c.v2, p.weight, c.v2 * p.weight AS weighted
    FROM cleaned c JOIN params p USING (grp)', key => ARRAY['id'], extract_columns => true);
SELECT frame_key, frame_columns, frame_types FROM hamilton.sql_node
WHERE schema_name = 'fs' AND node_name = 'f';
SELECT node, kind, type, frame FROM hamilton.nodes WHERE frame = 'fs.f' ORDER BY node;
SELECT hamilton_define('fs.score', 'weighted + v2');
SELECT node, relation, status FROM hamilton_execute(ARRAY['fs.score', 'fs.weight'], into_table => 'fs.out');
SELECT * FROM fs.out ORDER BY id;
-- A frame over a frame (a table node too), and over a function returning a
-- table, neither of them run.
SELECT hamilton_define('fs.g', 'SELECT id, weighted * 10 AS w10 FROM f', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('fs.h', 'SELECT grp, weight AS pweight FROM params()', key => ARRAY['grp'], extract_columns => true);
SELECT node, type, frame FROM hamilton.nodes WHERE frame IN ('fs.g', 'fs.h') ORDER BY node;
SELECT node, relation, status FROM hamilton_execute(ARRAY['fs.w10']);
SELECT * FROM fs.w10 ORDER BY id;

-- 2. An older result is not read: up ran (as a table) with u int;
-- redefined with u numeric, a frame defined now has the new type.
SELECT hamilton_define('fs.up', 'SELECT id, v * 2 AS u FROM fs.raw');
SELECT node, status FROM hamilton_execute(ARRAY['fs.up']);
SELECT hamilton_define('fs.up', 'SELECT id, v * 2.5 AS u FROM fs.raw');
SELECT hamilton_define('fs.k', 'SELECT id, u AS ku FROM up', key => ARRAY['id'], extract_columns => true);
SELECT frame_types FROM hamilton.sql_node WHERE schema_name = 'fs' AND node_name = 'k';
SELECT format_type(atttypid, atttypmod) AS stale_table_type FROM pg_attribute
WHERE attrelid = 'fs.up'::regclass AND attname = 'u';
SELECT node, relation, status FROM hamilton_execute(ARRAY['fs.ku']);
SELECT * FROM fs.ku ORDER BY id;

-- 3. What a frame reads changes after it was defined: the run is refused
-- (a type changed, a column added, a column gone), nothing is written, and
-- the earlier results stay.  Redefining the frame reads its columns again.
CREATE TEMP TABLE before_change AS SELECT * FROM fs.ku;
SELECT hamilton_define('fs.up', 'SELECT id, (v * 2.5)::text AS u FROM fs.raw');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.ku'])$$);
SELECT hamilton_define('fs.up', 'SELECT id, v * 2.5 AS u FROM fs.raw');
SELECT hamilton_define('fs.k', 'SELECT * FROM up', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('fs.up', 'SELECT id, v * 2.5 AS u, v AS extra FROM fs.raw');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.u'], into_table => 'fs.kk')$$);
SELECT to_regclass('fs.kk') IS NULL AS no_kk;
SELECT hamilton_define('fs.k', 'SELECT * FROM up', key => ARRAY['id'], extract_columns => true);
SELECT frame_columns FROM hamilton.sql_node WHERE schema_name = 'fs' AND node_name = 'k';
SELECT node, relation, status FROM hamilton_execute(ARRAY['fs.u', 'fs.extra'], into_table => 'fs.kk');
SELECT * FROM fs.kk ORDER BY id;
SELECT (SELECT string_agg(id || '=' || ku, ',' ORDER BY id) FROM fs.ku) =
       (SELECT string_agg(id || '=' || ku, ',' ORDER BY id) FROM before_change) AS ku_intact;
-- A source table altered: a column dropped under a frame.
CREATE TABLE fs.src (id int, a int, b int);
INSERT INTO fs.src VALUES (1, 1, 1);
SELECT hamilton_define('fs.s', 'SELECT * FROM fs.src', key => ARRAY['id'], extract_columns => true);
SELECT node, status FROM hamilton_execute(ARRAY['fs.a']);
ALTER TABLE fs.src DROP COLUMN b;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.a'])$$);
ALTER TABLE fs.src ALTER COLUMN a TYPE bigint;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.a'])$$);
SELECT count(*) AS a_rows FROM fs.a;

-- 4. Definition errors: a node whose columns only a run can tell (it reads
-- an input), and a node read with TABLE.
SELECT hamilton_define('fs.from_input', 'SELECT 1 AS id, n FROM n');
SELECT try_sql($$SELECT hamilton_define('fs.bad', 'SELECT id, n AS nn FROM from_input', key => ARRAY['id'], extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fs.bad', 'SELECT * FROM (TABLE up) t', key => ARRAY['id'], extract_columns => true)$$);
-- A node whose own SELECT cannot be analysed (it reads a missing table).
SELECT hamilton_define('fs.missing', 'SELECT id FROM fs.not_yet');
SELECT try_sql($$SELECT hamilton_define('fs.bad', 'SELECT id FROM missing', key => ARRAY['id'], extract_columns => true)$$);
SELECT count(*) AS no_bad FROM hamilton.sql_node WHERE schema_name = 'fs' AND node_name = 'bad';

-- 5. Duplicate keys are refused, whatever is requested: into_table, one
-- column, several columns (split into parts), a column read as a table.
INSERT INTO fs.raw VALUES (3, 'a', 40);
CREATE TEMP TABLE before_dup AS SELECT * FROM fs.out;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.score', 'fs.weight'], into_table => 'fs.out')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.score'])$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.score', 'fs.weight'])$$);
SELECT hamilton_define('fs.score_sum', 'SELECT sum(score) AS total FROM score');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.score_sum'])$$);
-- A NULL key twice is a duplicate too; with more than one key column the
-- message shows each.
SELECT hamilton_define('fs.two', 'SELECT grp, id, v FROM fs.raw', key => ARRAY['grp', 'id'], extract_columns => true);
SELECT node, status FROM hamilton_execute(ARRAY['fs.v']);
INSERT INTO fs.raw VALUES (NULL, NULL, 1), (NULL, NULL, 2);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.v'])$$);
-- A key that a primary key makes unique needs no probe; a unique index
-- on a nullable column, a table with inheritance children, or a SELECT
-- that repeats rows is no proof, and the key is still checked.
CREATE TABLE fs.pk (id int PRIMARY KEY, pv int);
INSERT INTO fs.pk VALUES (1, 1), (2, 2);
SELECT hamilton_define('fs.fpk', 'SELECT id, pv FROM fs.pk', key => ARRAY['id'], extract_columns => true);
SELECT node, status FROM hamilton_execute(ARRAY['fs.pv']);
CREATE TABLE fs.pk_child () INHERITS (fs.pk);
INSERT INTO fs.pk_child VALUES (1, 10);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.pv'])$$);
DROP TABLE fs.pk_child;
SELECT hamilton_define('fs.fpk', 'SELECT id, pv FROM fs.pk CROSS JOIN generate_series(1, 2) AS g',
    key => ARRAY['id'], extract_columns => true);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.pv'])$$);
CREATE TABLE fs.uq (uid int UNIQUE, uv int);
INSERT INTO fs.uq VALUES (NULL, 1), (NULL, 2);
SELECT hamilton_define('fs.fuq', 'SELECT uid, uv FROM fs.uq', key => ARRAY['uid'], extract_columns => true);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fs.uv'])$$);
-- Nothing was lost: the earlier into_table is as it was.
SELECT (SELECT string_agg(id || '=' || score, ',' ORDER BY id) FROM fs.out) =
       (SELECT string_agg(id || '=' || score, ',' ORDER BY id) FROM before_dup) AS out_intact;
DELETE FROM fs.raw WHERE v IN (40, 1, 2);
SELECT node, status FROM hamilton_execute(ARRAY['fs.score', 'fs.weight'], into_table => 'fs.out');
SELECT * FROM fs.out ORDER BY id;

SELECT drop_module('fs');
DROP SCHEMA IF EXISTS fs CASCADE;
