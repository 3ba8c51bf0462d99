-- Two frames with the same key, combined by a join on the key (issue 13
-- item 7), as pandas aligns series on their index: a column node reading
-- columns of two frames keyed the same way (names and types) is computed
-- over their FULL JOIN on the key, NULL where a frame has no row; what it
-- reads of each frame is computed over that frame's rows only.  Frames
-- whose keys differ are refused.
SELECT setval('hamilton.run_id_seq', 101500) > 0 AS ok;
CREATE SCHEMA fj;
CREATE TABLE fj.a (k int, x int);
INSERT INTO fj.a VALUES (1, 10), (2, 20), (3, 30);
CREATE TABLE fj.b (k int, z int);
INSERT INTO fj.b VALUES (2, 200), (3, 300), (4, 400);
CREATE TABLE fj.c (k int, w int);
INSERT INTO fj.c VALUES (3, 3000), (5, 5000);
SELECT hamilton_register('fj');
SELECT hamilton_define('fj.fa', 'SELECT k, x FROM fj.a', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('fj.fb', 'SELECT k, z FROM fj.b', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('fj.fc', 'SELECT k, w FROM fj.c', key => ARRAY['k'], extract_columns => true);

-- 1. A node of columns of fa and fb belongs to their join, fj.fa+fj.fb.
SELECT hamilton_define('fj.s', 'x + z');
SELECT hamilton_define('fj.x_lag', 'lag(x) OVER (ORDER BY k)');
CREATE FUNCTION fj.t(x_lag int, z int, bonus int) RETURNS int LANGUAGE sql IMMUTABLE
RETURN coalesce(x_lag, 0) + coalesce(z, 0) + bonus;
SELECT hamilton_define('fj.n_rows', 'count(*) OVER ()::int + coalesce(s, 0) * 0');
SELECT node, kind, frame, key FROM hamilton.nodes WHERE module = 'fj' ORDER BY node;
SELECT upstream, downstream, via FROM hamilton.edges WHERE downstream LIKE 'fj.%' ORDER BY 1, 2;
-- One query over the join of what the request reads of each frame.
SELECT hamilton_explain(ARRAY['fj.s']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['fj.s']);
SELECT * FROM fj.s ORDER BY k;
-- A window of fa sees fa's rows only (lag of 2 is 1's x, as x.shift() is);
-- a window of the join sees the join's rows; a scalar is broadcast.
SELECT node, relation, rows, status
FROM hamilton_execute(ARRAY['fj.s', 'fj.t', 'fj.n_rows'], inputs => '{"bonus": 1}', into_table => 'fj.out');
SELECT * FROM fj.out ORDER BY k;
SELECT count(*) AS temp_tables_left FROM pg_class WHERE relname LIKE 'hamilton\_%' AND relpersistence = 't';
-- Several nodes of one join are one query; a node of the join and a column
-- of fa: fa's column is one of the join's (the join holds fa's rows).
SELECT hamilton_define('fj.s_vs_x', 's - x');
SELECT hamilton_explain(ARRAY['fj.s_vs_x']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['fj.s_vs_x']);
SELECT * FROM fj.s_vs_x ORDER BY k;

-- 2. Three frames: a node of the join of fa and fb and a column of fc
-- belongs to the join of the three; the join of fa and fb is computed
-- first, over its own rows.
SELECT hamilton_define('fj.sw', 'coalesce(s, -1) + w');
SELECT node, frame FROM hamilton.nodes WHERE node IN ('fj.s', 'fj.sw') ORDER BY node;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['fj.sw']);
SELECT * FROM fj.sw ORDER BY k;

-- 3. Lineage and history name the join like any frame.
SELECT step, node, kind, status FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step;

-- 4. Keys that differ are refused (names, types, number), before anything
-- runs, and nothing is written.
CREATE TABLE fj.d (id int, v int);
INSERT INTO fj.d VALUES (1, 1);
CREATE TABLE fj.e (k bigint, u int);
INSERT INTO fj.e VALUES (1, 1);
CREATE TABLE fj.g (k int, k2 int, y int);
INSERT INTO fj.g VALUES (1, 1, 1);
SELECT hamilton_define('fj.fd', 'SELECT id, v FROM fj.d', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('fj.fe', 'SELECT k, u FROM fj.e', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('fj.fg', 'SELECT k, k2, y FROM fj.g', key => ARRAY['k', 'k2'], extract_columns => true);
SELECT hamilton_define('fj.xv', 'x + v');
SELECT hamilton_define('fj.xu', 'x + u');
SELECT hamilton_define('fj.xy', 'x + y');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.xv'])$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.xu'])$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.xy'])$$);
SELECT problem, node FROM hamilton_validate(ARRAY['fj.xv', 'fj.xu', 'fj.xy']) ORDER BY node;
SELECT to_regclass('fj.xv') IS NULL AS no_xv;
-- Frames of two modules are joined too; but a join that would read two
-- columns of one name (fj.x and fj2.x) is refused.
CREATE SCHEMA fj2;
SELECT hamilton_register('fj2');
CREATE TABLE fj2.h (k int, x int);
INSERT INTO fj2.h VALUES (1, 1), (4, 4);
SELECT hamilton_define('fj2.fh', 'SELECT k, x FROM fj2.h', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('fj2.hx', 'x * 10');
CREATE FUNCTION fj.both_x(x int, hx int) RETURNS int LANGUAGE sql RETURN x + hx;
SELECT node, frame FROM hamilton.nodes WHERE node IN ('fj.both_x', 'fj2.hx') ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['fj.both_x'], modules => ARRAY['fj', 'fj2']);
SELECT * FROM fj.both_x ORDER BY k;
CREATE FUNCTION fj2.m3(x int, s int) RETURNS int LANGUAGE sql RETURN x + s;
CREATE FUNCTION fj.m2(x int, z int, hx int) RETURNS int LANGUAGE sql RETURN x + z + hx;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj2.m3'], modules => ARRAY['fj2', 'fj'])$$);
SELECT to_regclass('fj2.m3') IS NULL AS no_m3;
-- A NULL key on both sides is two rows (NULL matches nothing): refused as
-- a key on two rows of the join.
INSERT INTO fj.a VALUES (NULL, 1);
INSERT INTO fj.b VALUES (NULL, 2);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.s'])$$);
SELECT * FROM fj.s ORDER BY k;
DELETE FROM fj.a WHERE k IS NULL;
DELETE FROM fj.b WHERE k IS NULL;

-- 5. into_table collects the columns of frames of one key as dr.execute
-- builds one DataFrame of them: each frame's columns over its own rows
-- (a part), then their FULL JOIN on the key, in the order asked.
SELECT hamilton_explain(ARRAY['fj.z', 'fj.x_lag', 'fj.s'], into_table => 'fj.xz');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['fj.z', 'fj.x_lag', 'fj.s'], into_table => 'fj.xz');
SELECT * FROM fj.xz ORDER BY k;
SELECT count(*) AS temp_tables_left FROM pg_class WHERE relname LIKE 'hamilton\_%' AND relpersistence = 't';
SELECT relation, node, upstream = '[]' AS no_upstream FROM hamilton.lineage WHERE relation = 'fj.xz'::regclass;
-- A frame none of whose columns is requested is no part (fb's z is only
-- read by the join); with workers, frame groups run in the caller.
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['fj.s', 'fj.x'], into_table => 'fj.sx', workers => 2);
SELECT * FROM fj.sx ORDER BY k;
-- Of frames whose keys differ, it is refused before anything runs.
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.x', 'fj.v'], into_table => 'fj.xv2')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.x', 'fj.u'], into_table => 'fj.xv2')$$);
SELECT to_regclass('fj.xv2') IS NULL AS no_xv2;
-- A key on two rows of one part is refused; the earlier into_table stays.
INSERT INTO fj.b VALUES (2, 2);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fj.z', 'fj.x_lag'], into_table => 'fj.xz')$$);
SELECT count(*) AS xz_rows FROM fj.xz;

SELECT drop_module('fj2');
DROP SCHEMA IF EXISTS fj2 CASCADE;
SELECT drop_module('fj');
DROP SCHEMA IF EXISTS fj CASCADE;
